//! Secret scanner engine (work in progress).
