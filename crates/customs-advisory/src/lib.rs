//! Tolerant OSV model, the embedded advisory database, import and update.
