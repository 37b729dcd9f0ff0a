//! Zip-based formats: `torch.save` zips, TorchScript, `.keras`, `.npz`, nested archives.

use std::io::{Read, Seek};

use zip::ZipArchive;

use super::{Ctx, extension, is_pickle_proto, is_zip, keras, numpy};
use crate::pickle::{self, WalkOptions};
use crate::report::{Finding, FindingKind, ModelFormat, Severity};

/// Extensions of entries that are pickle streams.
const PICKLE_ENTRY_EXTENSIONS: &[&str] = &["pkl", "pickle", "joblib", "dill", "sav"];
/// Extensions of entries that may themselves be model archives or pickles.
const NESTED_ENTRY_EXTENSIONS: &[&str] =
    &["zip", "pt", "pth", "ckpt", "bin", "npz", "keras", "mar"];

fn join(outer: Option<&str>, name: &str) -> String {
    match outer {
        Some(o) => format!("{o}!{name}"),
        None => name.to_string(),
    }
}

fn zip_format(names: &[String]) -> ModelFormat {
    let has = |n: &str| names.iter().any(|x| x == n);
    if names.iter().any(|n| n.ends_with("constants.pkl"))
        && names.iter().any(|n| n.contains("/code/"))
    {
        ModelFormat::TorchScript
    } else if names
        .iter()
        .any(|n| n == "data.pkl" || n.ends_with("/data.pkl"))
    {
        ModelFormat::TorchZip
    } else if has("config.json") && (has("metadata.json") || has("model.weights.h5")) {
        ModelFormat::Keras
    } else if !names.is_empty()
        && names
            .iter()
            .all(|n| n.to_ascii_lowercase().ends_with(".npy"))
    {
        ModelFormat::Npz
    } else {
        ModelFormat::Zip
    }
}

/// Scans every interesting entry of a zip; returns the archive's format.
pub(crate) fn scan_zip<R: Read + Seek>(
    ctx: &mut Ctx<'_>,
    r: R,
    outer: Option<&str>,
    depth: u32,
) -> ModelFormat {
    let mut zip = match ZipArchive::new(r) {
        Ok(z) => z,
        Err(e) => {
            ctx.add(
                Finding::new(
                    Severity::Medium,
                    FindingKind::MalformedContainer,
                    format!("Unreadable zip archive: {e}"),
                ),
                outer,
            );
            return ModelFormat::Zip;
        }
    };
    let names: Vec<String> = zip
        .file_names_raw()
        .map(|n| String::from_utf8_lossy(n).into_owned())
        .collect();
    let format = zip_format(&names);
    let total = zip.len();
    if total > ctx.limits.max_zip_entries {
        ctx.add(
            Finding::new(
                Severity::Medium,
                FindingKind::LimitReached,
                format!(
                    "Zip has {total} entries; only the first {} inspected",
                    ctx.limits.max_zip_entries
                ),
            ),
            outer,
        );
    }
    for i in 0..total.min(ctx.limits.max_zip_entries) {
        let mut entry = match zip.by_index(i) {
            Ok(f) => f,
            Err(e) => {
                ctx.add(
                    Finding::new(
                        Severity::Medium,
                        FindingKind::NotInspected,
                        format!("Zip entry #{i} not readable: {e}"),
                    ),
                    outer,
                );
                continue;
            }
        };
        if entry.is_dir() {
            continue;
        }
        let name = entry
            .name()
            .map_or_else(|_| format!("#{i}"), |n| n.into_owned());
        let inner = join(outer, &name);
        let ext = extension(&name).unwrap_or_default();
        if PICKLE_ENTRY_EXTENSIONS.contains(&ext.as_str()) {
            let scan = pickle::walk(&mut entry, ctx.limits, WalkOptions::default());
            ctx.absorb_pickle(scan, Some(&inner), depth);
        } else if ext == "npy" {
            numpy::scan_npy(ctx, &mut entry, Some(&inner), depth);
        } else if name == "config.json" && format == ModelFormat::Keras {
            keras::scan_keras_config(ctx, &mut entry, &inner);
        } else if ext == "h5" || ext == "hdf5" {
            keras::scan_h5(ctx, &mut entry, Some(&inner));
        } else if NESTED_ENTRY_EXTENSIONS.contains(&ext.as_str()) {
            let cap = ctx
                .limits
                .max_entry_bytes
                .min(ctx.limits.max_in_memory_bytes);
            let mut data = Vec::new();
            match (&mut entry)
                .take(cap.saturating_add(1))
                .read_to_end(&mut data)
            {
                Ok(n) if n as u64 > cap => {
                    ctx.add(
                        Finding::new(
                            Severity::Medium,
                            FindingKind::NotInspected,
                            format!("Nested archive larger than {cap} bytes; not inspected"),
                        ),
                        Some(&inner),
                    );
                    continue;
                }
                Ok(_) => {}
                Err(e) => {
                    ctx.add(
                        Finding::new(
                            Severity::Medium,
                            FindingKind::NotInspected,
                            format!("Zip entry not readable: {e}"),
                        ),
                        Some(&inner),
                    );
                    continue;
                }
            }
            let model_like =
                is_zip(&data) || is_pickle_proto(&data) || data.starts_with(super::NPY_MAGIC);
            if !model_like {
                continue;
            }
            if depth + 1 > ctx.limits.max_nesting {
                ctx.add(
                    Finding::new(
                        Severity::Medium,
                        FindingKind::LimitReached,
                        "Nested archive not inspected (nesting bound)",
                    ),
                    Some(&inner),
                );
                continue;
            }
            drop(entry);
            ctx.scan_bytes_as_model(data, &inner, depth + 1);
        }
    }
    format
}
