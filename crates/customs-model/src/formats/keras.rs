//! Keras: `config.json` of a `.keras` zip, and the `model_config` JSON text inside HDF5 files
//! (found by searching the bytes; no HDF5 parser). `Lambda` layers carry serialized Python
//! bytecode that runs when the model is loaded.

use std::io::Read;

use serde_json::Value as Json;

use super::Ctx;
use crate::report::{Finding, FindingKind, Severity};

/// Module roots of Keras' own objects.
const KERAS_MODULES: &[&str] = &["keras", "tensorflow", "tf_keras", "builtins", "numpy"];

/// Reads and analyses a `.keras` archive's `config.json`.
pub(crate) fn scan_keras_config(ctx: &mut Ctx<'_>, r: &mut dyn Read, inner: &str) {
    let cap = ctx.limits.max_json_bytes;
    let mut data = Vec::new();
    match r.take(cap.saturating_add(1)).read_to_end(&mut data) {
        Ok(n) if n as u64 > cap => {
            ctx.add(
                Finding::new(
                    Severity::Medium,
                    FindingKind::LimitReached,
                    format!("Keras config larger than {cap} bytes; not inspected"),
                ),
                Some(inner),
            );
            return;
        }
        Ok(_) => {}
        Err(e) => {
            ctx.add(
                Finding::new(
                    Severity::Medium,
                    FindingKind::NotInspected,
                    format!("Keras config not readable: {e}"),
                ),
                Some(inner),
            );
            return;
        }
    }
    match serde_json::from_slice::<Json>(&data) {
        Ok(json) => analyze(ctx, &json, Some(inner), None),
        Err(e) => ctx.add(
            Finding::new(
                Severity::Medium,
                FindingKind::MalformedContainer,
                format!("Keras config.json is not valid JSON: {e}"),
            ),
            Some(inner),
        ),
    }
}

fn str_field<'a>(obj: &'a serde_json::Map<String, Json>, key: &str) -> Option<&'a str> {
    obj.get(key).and_then(Json::as_str)
}

/// Walks a Keras config tree and reports Lambda layers and custom objects.
fn analyze(ctx: &mut Ctx<'_>, json: &Json, inner: Option<&str>, offset: Option<u64>) {
    let mut stack: Vec<(&Json, u32)> = vec![(json, 0)];
    while let Some((node, depth)) = stack.pop() {
        if depth > 256 {
            continue;
        }
        match node {
            Json::Object(obj) => {
                let class = str_field(obj, "class_name");
                let module = str_field(obj, "module");
                if class == Some("Lambda") || class == Some("__lambda__") {
                    let config = obj.get("config").and_then(Json::as_object);
                    let layer = config.and_then(|c| str_field(c, "name")).unwrap_or("?");
                    let function = config.and_then(|c| c.get("function"));
                    let code_len = match function {
                        Some(Json::Array(a)) => a.first().and_then(Json::as_str).map(str::len),
                        Some(Json::Object(f)) => f
                            .get("config")
                            .and_then(|c| c.get("code"))
                            .and_then(Json::as_str)
                            .map(str::len),
                        _ => config.and_then(|c| str_field(c, "code")).map(str::len),
                    };
                    let mut f = Finding::new(
                        Severity::Critical,
                        FindingKind::KerasLambda,
                        format!("Keras Lambda layer '{layer}' runs serialized Python code on load"),
                    );
                    f.callable = Some(
                        if class == Some("Lambda") {
                            "keras.layers.Lambda"
                        } else {
                            "keras.__lambda__"
                        }
                        .to_string(),
                    );
                    f.offset = offset;
                    f.detail = Some(match code_len {
                        Some(n) => format!(
                            "layer '{layer}' carries {n} characters of base64 marshalled bytecode"
                        ),
                        None => format!("layer '{layer}' of class {}", class.unwrap_or("?")),
                    });
                    ctx.add(f, inner);
                } else if let (Some(module), Some(name)) = (module, class) {
                    // Keras 3 serialization: {"module": ..., "class_name": ..., "config": ...}.
                    let root = module.split('.').next().unwrap_or(module);
                    if !KERAS_MODULES.contains(&root) {
                        let mut f = Finding::new(
                            Severity::Medium,
                            FindingKind::KerasCustomObject,
                            format!("Keras object from custom module {module}.{name}"),
                        )
                        .with_detail(
                            "custom objects run their module's code when the model is loaded",
                        );
                        f.callable = Some(format!("{module}.{name}"));
                        f.offset = offset;
                        ctx.add(f, inner);
                    }
                }
                for v in obj.values() {
                    stack.push((v, depth + 1));
                }
            }
            Json::Array(items) => {
                for v in items {
                    stack.push((v, depth + 1));
                }
            }
            _ => {}
        }
    }
}

/// Whether a parsed JSON value looks like a Keras model or training config.
fn is_keras_config(json: &Json) -> bool {
    json.as_object().is_some_and(|o| {
        o.contains_key("class_name") || o.contains_key("config") || o.contains_key("layers")
    })
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() || from > hay.len() - needle.len() {
        return None;
    }
    hay[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

/// Searches an HDF5 byte stream for Keras JSON configs (the `model_config` attribute) without
/// parsing HDF5: every `{"` starts a JSON parse attempt; parsed configs are analysed; any
/// `"Lambda"` text outside a parsed config is reported too.
pub(crate) fn scan_h5(ctx: &mut Ctx<'_>, r: &mut dyn Read, inner: Option<&str>) {
    const CHUNK: usize = 1 << 20;
    let max_json = usize::try_from(ctx.limits.max_json_bytes).unwrap_or(usize::MAX);
    let max_scan = ctx.limits.max_h5_scan_bytes;
    let mut buf: Vec<u8> = Vec::new();
    let mut base: u64 = 0; // absolute offset of buf[0]
    let mut eof = false;
    let mut total: u64 = 0;
    let mut pos: u64 = 0; // next absolute offset to examine for '{'
    let mut lambda_searched: u64 = 0;
    let mut lambda_hits: Vec<u64> = Vec::new();
    let mut parsed: Vec<(u64, u64)> = Vec::new();
    let mut parse_budget: u64 = 16 * ctx.limits.max_json_bytes;
    let mut truncated = false;

    let mut fill =
        |buf: &mut Vec<u8>, eof: &mut bool, total: &mut u64, truncated: &mut bool| -> bool {
            if *eof {
                return false;
            }
            let want = (CHUNK as u64).min(max_scan.saturating_sub(*total));
            if want == 0 {
                *eof = true;
                *truncated = true;
                return false;
            }
            let start = buf.len();
            buf.resize(start + usize::try_from(want).unwrap_or(CHUNK), 0);
            let mut filled = start;
            while filled < buf.len() {
                match r.read(&mut buf[filled..]) {
                    Ok(0) => {
                        *eof = true;
                        break;
                    }
                    Ok(n) => filled += n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(_) => {
                        *eof = true;
                        break;
                    }
                }
            }
            buf.truncate(filled);
            *total += (filled - start) as u64;
            filled > start
        };

    loop {
        // Search new bytes for Lambda markers.
        let search_from =
            usize::try_from(lambda_searched.saturating_sub(base).saturating_sub(16)).unwrap_or(0);
        for needle in [&b"\"Lambda\""[..], b"__lambda__"] {
            let mut from = search_from.min(buf.len());
            while let Some(p) = find(&buf, needle, from) {
                let abs = base + p as u64;
                if !lambda_hits.contains(&abs) {
                    lambda_hits.push(abs);
                }
                from = p + 1;
            }
        }
        lambda_searched = base + buf.len() as u64;

        let rel = usize::try_from(pos - base).unwrap_or(usize::MAX);
        let next = buf
            .get(rel..)
            .and_then(|s| s.iter().position(|&b| b == b'{'))
            .map(|p| p + rel);
        let Some(p) = next else {
            // Nothing more in the buffer: drop it (but a marker's worth of tail) and read on.
            let drop_n = buf.len() - buf.len().min(16);
            buf.drain(..drop_n);
            base += drop_n as u64;
            pos = base + buf.len() as u64;
            if !fill(&mut buf, &mut eof, &mut total, &mut truncated) {
                break;
            }
            continue;
        };
        // Need the next non-space byte to be a quote.
        let mut q = p + 1;
        while q < buf.len() && buf[q].is_ascii_whitespace() && q - p < 64 {
            q += 1;
        }
        if q >= buf.len() && !eof && q - p < 64 {
            if !fill(&mut buf, &mut eof, &mut total, &mut truncated) {
                eof = true;
            }
            continue;
        }
        if buf.get(q) != Some(&b'"') {
            pos = base + p as u64 + 1;
            continue;
        }
        // Try to parse one JSON value starting at p, reading more while it is cut short.
        let outcome = loop {
            let mut stream = serde_json::Deserializer::from_slice(&buf[p..]).into_iter::<Json>();
            match stream.next() {
                Some(Ok(v)) => break Some((v, stream.byte_offset())),
                Some(Err(e))
                    if e.is_eof() && !eof && buf.len() - p < max_json && parse_budget > 0 =>
                {
                    parse_budget = parse_budget.saturating_sub((buf.len() - p) as u64);
                    fill(&mut buf, &mut eof, &mut total, &mut truncated);
                }
                _ => break None,
            }
        };
        match outcome {
            Some((json, len)) if is_keras_config(&json) => {
                let start = base + p as u64;
                analyze(ctx, &json, inner, Some(start));
                parsed.push((start, start + len as u64));
                pos = start + len as u64;
            }
            _ => pos = base + p as u64 + 1,
        }
        // Keep memory bounded: drop what lies before pos.
        let drop_to = usize::try_from(pos - base).unwrap_or(0).min(buf.len());
        if drop_to > CHUNK {
            buf.drain(..drop_to);
            base += drop_to as u64;
        }
    }
    for hit in lambda_hits {
        if !parsed.iter().any(|&(s, e)| (s..e).contains(&hit)) {
            let mut f = Finding::new(
                Severity::Critical,
                FindingKind::KerasLambda,
                "Keras Lambda layer text outside a parseable config",
            )
            .at(hit)
            .with_detail("the model config could not be parsed, but it names a Lambda layer");
            f.callable = Some("keras.layers.Lambda".to_string());
            ctx.add(f, inner);
        }
    }
    if truncated {
        ctx.add(
            Finding::new(
                Severity::Medium,
                FindingKind::LimitReached,
                format!("HDF5 file searched only up to {max_scan} bytes"),
            ),
            inner,
        );
    }
}
