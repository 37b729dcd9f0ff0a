//! Validation against the official JSON schemas in `shared/schemas`, offline:
//! the CycloneDX schemas refer to `spdx.schema.json`, `jsf-0.82.schema.json`
//! and `cryptography-defs.schema.json` by relative name, and a retriever maps
//! those to the files beside the schema and refuses anything else.

use std::path::PathBuf;

use jsonschema::{Retrieve, Uri, Validator};
use serde_json::Value;

/// `shared/schemas`.
pub fn schemas_dir() -> PathBuf {
    crate::shared_dir().join("schemas")
}

struct LocalSchemas {
    dir: PathBuf,
}

impl Retrieve for LocalSchemas {
    fn retrieve(
        &self,
        uri: &Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let s = uri.as_str();
        let name = s.rsplit('/').next().unwrap_or(s);
        let name = name.split('#').next().unwrap_or(name);
        let allowed = [
            "spdx.schema.json",
            "jsf-0.82.schema.json",
            "cryptography-defs.schema.json",
        ];
        if !allowed.contains(&name) {
            return Err(format!("refusing to fetch {s}").into());
        }
        let text = std::fs::read_to_string(self.dir.join(name))?;
        Ok(serde_json::from_str(&text)?)
    }
}

/// A validator for `shared/schemas/<schema_file>`, format checks on.
pub fn validator(schema_file: &str) -> Validator {
    let dir = schemas_dir();
    let path = dir.join(schema_file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let schema: Value = serde_json::from_str(&text).expect("schema is JSON");
    jsonschema::options()
        .with_retriever(LocalSchemas { dir })
        .should_validate_formats(true)
        .build(&schema)
        .unwrap_or_else(|e| panic!("cannot build a validator for {schema_file}: {e}"))
}

/// Panics with every error when `doc` does not validate.
pub fn assert_valid(v: &Validator, doc: &Value, what: &str) {
    let errors: Vec<String> = v
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} is invalid:\n{}",
        errors.join("\n")
    );
}
