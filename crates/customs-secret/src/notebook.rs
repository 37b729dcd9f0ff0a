//! Jupyter notebooks: each cell's source and each output is scanned as its
//! own text, so findings carry the cell number and a line within the cell.
//!
//! Cell numbers are 1-based positions among *all* cells (markdown and raw
//! cells included), top to bottom, as a reader counts them in the file; they
//! are not Jupyter's `execution_count` (`In [n]`), which is missing for
//! markdown cells and changes on re-execution. Output numbers are 1-based
//! positions in the cell's `outputs`. An output's text is, in order: stream
//! `text`, the textual `data` entries (`text/*`, `application/json`,
//! `application/javascript`, `*+json`; images and other binary payloads are
//! skipped) in key order, then `ename`, `evalue` and the `traceback` lines of
//! error outputs; `line` counts within that text.

use serde_json::Value;

use crate::finding::SecretFinding;
use crate::scanner::{ChunkOrigin, Scanner};

/// Scans a notebook; `None` when the content is not notebook JSON (the
/// caller then scans it as plain text).
pub(crate) fn scan(scanner: &Scanner, path: &str, content: &[u8]) -> Option<Vec<SecretFinding>> {
    let nb: Value = serde_json::from_slice(content).ok()?;
    let cells = nb
        .get("cells")
        .and_then(Value::as_array)
        .or_else(|| nb.get("worksheets")?.get(0)?.get("cells")?.as_array())?;
    let forms = Scanner::path_forms(path);
    let mut findings = Vec::new();
    for (i, cell) in cells.iter().enumerate() {
        let cell_no = Some(i + 1);
        let source = text_of(cell.get("source").or_else(|| cell.get("input")));
        if !source.is_empty() {
            findings.extend(scanner.scan_chunk(
                path,
                &forms,
                source.as_bytes(),
                ChunkOrigin {
                    cell: cell_no,
                    output: None,
                },
            ));
        }
        if let Some(outputs) = cell.get("outputs").and_then(Value::as_array) {
            for (j, out) in outputs.iter().enumerate() {
                let text = output_text(out);
                if !text.is_empty() {
                    findings.extend(scanner.scan_chunk(
                        path,
                        &forms,
                        text.as_bytes(),
                        ChunkOrigin {
                            cell: cell_no,
                            output: Some(j + 1),
                        },
                    ));
                }
            }
        }
    }
    Some(findings)
}

/// A notebook string field: a string or an array of strings (lines).
fn text_of(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(parts)) => parts.iter().filter_map(Value::as_str).collect(),
        _ => String::new(),
    }
}

fn is_textual(mime: &str) -> bool {
    mime.starts_with("text/")
        || mime == "application/json"
        || mime == "application/javascript"
        || mime.ends_with("+json")
        || mime == "application/x-sh"
}

fn output_text(out: &Value) -> String {
    let mut parts: Vec<String> = Vec::new();
    let text = text_of(out.get("text"));
    if !text.is_empty() {
        parts.push(text);
    }
    if let Some(data) = out.get("data").and_then(Value::as_object) {
        for (mime, val) in data {
            if !is_textual(mime) {
                continue;
            }
            let t = match val {
                Value::String(_) | Value::Array(_) => text_of(Some(val)),
                other => serde_json::to_string_pretty(other).unwrap_or_default(),
            };
            if !t.is_empty() {
                parts.push(t);
            }
        }
    }
    for k in ["ename", "evalue"] {
        if let Some(s) = out.get(k).and_then(Value::as_str) {
            parts.push(s.to_owned());
        }
    }
    if let Some(tb) = out.get("traceback").and_then(Value::as_array) {
        parts.push(
            tb.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join("\n"),
        );
    }
    let mut joined = String::new();
    for p in parts {
        if !joined.is_empty() && !joined.ends_with('\n') {
            joined.push('\n');
        }
        joined.push_str(&p);
    }
    joined
}
