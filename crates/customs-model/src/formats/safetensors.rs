//! safetensors: an 8-byte little-endian header length, a JSON header, then tensor bytes.
//! A valid file is data only; a malformed header is reported.

use std::io::{self, Read};

use serde_json::Value as Json;

use super::Ctx;
use crate::report::{Finding, FindingKind, Severity};

/// The safetensors library's own bound on the header.
const MAX_HEADER: u64 = 100_000_000;

/// Bits per element, by dtype name.
fn dtype_bits(dtype: &str) -> Option<u64> {
    Some(match dtype {
        "BOOL" | "U8" | "I8" | "F8_E5M2" | "F8_E4M3" | "F8_E8M0" | "E8M0" => 8,
        "I16" | "U16" | "F16" | "BF16" => 16,
        "I32" | "U32" | "F32" => 32,
        "I64" | "U64" | "F64" | "C64" => 64,
        "F6_E2M3" | "F6_E3M2" => 6,
        "F4" => 4,
        _ => return None,
    })
}

fn check_header(header: &[u8], data_len: Option<u64>) -> Result<(), String> {
    let json: Json =
        serde_json::from_slice(header).map_err(|e| format!("header is not JSON: {e}"))?;
    let obj = json.as_object().ok_or("header is not a JSON object")?;
    let mut spans = Vec::new();
    for (name, v) in obj {
        if name == "__metadata__" {
            let meta = v.as_object().ok_or("__metadata__ is not an object")?;
            if meta.values().any(|m| !m.is_string()) {
                return Err("__metadata__ values must be strings".into());
            }
            continue;
        }
        let t = v
            .as_object()
            .ok_or_else(|| format!("tensor {name:?} is not an object"))?;
        let dtype = t
            .get("dtype")
            .and_then(Json::as_str)
            .ok_or_else(|| format!("tensor {name:?} has no dtype"))?;
        let bits = dtype_bits(dtype)
            .ok_or_else(|| format!("tensor {name:?} has unknown dtype {dtype:?}"))?;
        let shape = t
            .get("shape")
            .and_then(Json::as_array)
            .ok_or_else(|| format!("tensor {name:?} has no shape"))?;
        let mut numel: u64 = 1;
        for d in shape {
            let d = d
                .as_u64()
                .ok_or_else(|| format!("tensor {name:?} has a bad dimension"))?;
            numel = numel
                .checked_mul(d)
                .ok_or_else(|| format!("tensor {name:?} size overflows"))?;
        }
        let offsets = t
            .get("data_offsets")
            .and_then(Json::as_array)
            .filter(|a| a.len() == 2)
            .ok_or_else(|| format!("tensor {name:?} has no data_offsets pair"))?;
        let (b, e) = match (offsets[0].as_u64(), offsets[1].as_u64()) {
            (Some(b), Some(e)) if b <= e => (b, e),
            _ => return Err(format!("tensor {name:?} has bad data_offsets")),
        };
        let bytes = numel
            .checked_mul(bits)
            .map(|b| b.div_ceil(8))
            .ok_or_else(|| format!("tensor {name:?} size overflows"))?;
        if e - b != bytes {
            return Err(format!(
                "tensor {name:?}: data_offsets span {} bytes but {dtype}{shape:?} needs {bytes}",
                e - b,
                shape = shape.iter().filter_map(Json::as_u64).collect::<Vec<_>>()
            ));
        }
        spans.push((b, e, name.clone()));
    }
    spans.sort();
    let mut end = 0;
    for (b, e, name) in &spans {
        if *b != end {
            return Err(format!(
                "tensor {name:?} does not start where the previous one ends (gap or overlap)"
            ));
        }
        end = *e;
    }
    if let Some(len) = data_len
        && len != end
    {
        return Err(format!(
            "tensors cover {end} bytes but the file has {len} bytes of data"
        ));
    }
    Ok(())
}

/// Checks a safetensors stream's header; reads (and discards) the data only to learn its
/// length when no size is known.
pub(crate) fn scan_safetensors(ctx: &mut Ctx<'_>, r: &mut dyn Read, size_hint: Option<u64>) {
    let result = (|| -> Result<(), String> {
        let mut len = [0u8; 8];
        r.read_exact(&mut len)
            .map_err(|_| "shorter than the 8-byte header length".to_string())?;
        let n = u64::from_le_bytes(len);
        let cap = MAX_HEADER.min(ctx.limits.max_json_bytes);
        if n > cap {
            return Err(format!("header length {n} exceeds {cap}"));
        }
        if let Some(size) = size_hint
            && n.saturating_add(8) > size
        {
            return Err(format!("header length {n} exceeds the file size {size}"));
        }
        let mut header = Vec::new();
        r.take(n)
            .read_to_end(&mut header)
            .map_err(|e| e.to_string())?;
        if header.len() as u64 != n {
            return Err("truncated header".to_string());
        }
        if header.first() != Some(&b'{') {
            return Err("header does not start with '{'".to_string());
        }
        let data_len = match size_hint {
            Some(size) => size - 8 - n,
            None => io::copy(r, &mut io::sink()).map_err(|e| e.to_string())?,
        };
        check_header(&header, Some(data_len))
    })();
    if let Err(reason) = result {
        ctx.add(
            Finding::new(
                Severity::Medium,
                FindingKind::MalformedContainer,
                "Malformed safetensors header",
            )
            .with_detail(reason),
            None,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_rules() {
        let ok = br#"{"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"__metadata__":{"format":"pt"}}"#;
        assert_eq!(check_header(ok, Some(16)), Ok(()));
        assert!(check_header(ok, Some(17)).is_err());
        let gap = br#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#;
        assert!(check_header(gap, Some(8)).is_err());
        let wrong = br#"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#;
        assert!(check_header(wrong, Some(8)).is_err());
        assert!(
            check_header(
                br#"{"a":{"dtype":"XX","shape":[],"data_offsets":[0,0]}}"#,
                Some(0)
            )
            .is_err()
        );
        assert!(check_header(b"[]", None).is_err());
    }
}
