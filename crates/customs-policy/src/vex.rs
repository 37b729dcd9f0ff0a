//! VEX: statements that a vulnerability does not affect a product.
//!
//! Two formats: OpenVEX (v0.0.x and v0.2.0: `statements[]` with
//! `vulnerability`, `products`, `status`, `justification`) and CycloneDX VEX
//! (`vulnerabilities[]` with `analysis.state` and `affects[].ref`). A
//! statement suppresses a finding when one of its vulnerability ids is one of
//! the finding's ids, its status is `not_affected` or `fixed` (CycloneDX:
//! `not_affected`, `false_positive`, `resolved`), and its product is the
//! image (its purl or digest; with subcomponents, one of them must be the
//! package) or the package itself (by purl). When several statements match,
//! the last one in the document decides.

use customs_types::VulnFinding;
use packageurl::PackageUrl;
use serde_json::Value;

use crate::PolicyError;

/// One statement, normalised across formats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VexStatement {
    /// The vulnerability id and its aliases.
    pub ids: Vec<String>,
    /// Product ids (purls, digests, names).
    pub products: Vec<String>,
    /// Subcomponents (package purls) within those products; empty = all.
    pub subcomponents: Vec<String>,
    /// `not_affected`, `fixed`, `affected`, `under_investigation`.
    pub status: String,
    pub justification: Option<String>,
}

impl VexStatement {
    fn suppresses(&self) -> bool {
        matches!(self.status.as_str(), "not_affected" | "fixed")
    }
}

/// A VEX document.
#[derive(Debug, Clone, Default)]
pub struct VexDocument {
    /// Where it came from (path or id), for the suppression record.
    pub source: String,
    pub statements: Vec<VexStatement>,
}

fn err(path: &str, reason: impl Into<String>) -> PolicyError {
    PolicyError::Vex {
        path: path.to_string(),
        reason: reason.into(),
    }
}

fn str_list(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect(),
        Some(Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

/// The id of an OpenVEX product or subcomponent (`{"@id": ...}`, its
/// `identifiers`, or a bare string).
fn component_ids(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Object(o) => {
            let mut ids = Vec::new();
            if let Some(id) = o.get("@id").and_then(Value::as_str) {
                ids.push(id.to_string());
            }
            if let Some(Value::Object(idents)) = o.get("identifiers") {
                ids.extend(
                    idents
                        .values()
                        .filter_map(|x| x.as_str().map(str::to_string)),
                );
            }
            if let Some(h) = o.get("hashes").and_then(Value::as_object) {
                for (alg, val) in h {
                    if let Some(val) = val.as_str() {
                        ids.push(format!("{}:{val}", alg.replace('-', "")));
                    }
                }
            }
            ids
        }
        _ => Vec::new(),
    }
}

impl VexDocument {
    /// Parses OpenVEX or CycloneDX VEX JSON.
    pub fn parse(source: &str, text: &str) -> Result<VexDocument, PolicyError> {
        let v: Value = serde_json::from_str(text).map_err(|e| err(source, e.to_string()))?;
        if v.get("statements").is_some() {
            Self::openvex(source, &v)
        } else if v.get("bomFormat").and_then(Value::as_str) == Some("CycloneDX") {
            Self::cyclonedx(source, &v)
        } else {
            Err(err(
                source,
                "neither OpenVEX (statements) nor CycloneDX (bomFormat)",
            ))
        }
    }

    fn openvex(source: &str, v: &Value) -> Result<VexDocument, PolicyError> {
        let stmts = v
            .get("statements")
            .and_then(Value::as_array)
            .ok_or_else(|| err(source, "statements is not a list"))?;
        let mut out = Vec::new();
        for (i, s) in stmts.iter().enumerate() {
            let mut ids = Vec::new();
            match s.get("vulnerability") {
                Some(Value::String(id)) => ids.push(id.clone()),
                Some(Value::Object(o)) => {
                    ids.extend(o.get("name").and_then(Value::as_str).map(str::to_string));
                    ids.extend(o.get("@id").and_then(Value::as_str).map(str::to_string));
                    ids.extend(str_list(o.get("aliases")));
                }
                _ => return Err(err(source, format!("statement {i} has no vulnerability"))),
            }
            ids.extend(str_list(s.get("aliases")));
            let mut products = Vec::new();
            let mut subcomponents = Vec::new();
            for p in s
                .get("products")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                products.extend(component_ids(p));
                for sc in p
                    .get("subcomponents")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    subcomponents.extend(component_ids(sc));
                }
            }
            for sc in s
                .get("subcomponents")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                subcomponents.extend(component_ids(sc));
            }
            let status = s
                .get("status")
                .and_then(Value::as_str)
                .ok_or_else(|| err(source, format!("statement {i} has no status")))?
                .to_string();
            let justification = s
                .get("justification")
                .and_then(Value::as_str)
                .or_else(|| s.get("impact_statement").and_then(Value::as_str))
                .map(str::to_string);
            out.push(VexStatement {
                ids,
                products,
                subcomponents,
                status,
                justification,
            });
        }
        let id = v.get("@id").and_then(Value::as_str).unwrap_or(source);
        Ok(VexDocument {
            source: id.to_string(),
            statements: out,
        })
    }

    fn cyclonedx(source: &str, v: &Value) -> Result<VexDocument, PolicyError> {
        // bom-ref → purl of the document's components
        let mut refs = std::collections::HashMap::new();
        let mut stack: Vec<&Value> = v
            .get("components")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .collect();
        if let Some(c) = v.pointer("/metadata/component") {
            stack.push(c);
        }
        while let Some(c) = stack.pop() {
            if let (Some(r), Some(p)) = (
                c.get("bom-ref").and_then(Value::as_str),
                c.get("purl").and_then(Value::as_str),
            ) {
                refs.insert(r.to_string(), p.to_string());
            }
            stack.extend(
                c.get("components")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten(),
            );
        }
        let mut out = Vec::new();
        for vul in v
            .get("vulnerabilities")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let mut ids: Vec<String> = vul
                .get("id")
                .and_then(Value::as_str)
                .map(str::to_string)
                .into_iter()
                .collect();
            for r in vul
                .get("references")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                ids.extend(r.get("id").and_then(Value::as_str).map(str::to_string));
            }
            let state = vul
                .pointer("/analysis/state")
                .and_then(Value::as_str)
                .unwrap_or("");
            let status = match state {
                "not_affected" | "false_positive" => "not_affected",
                "resolved" | "resolved_with_pedigree" => "fixed",
                "exploitable" => "affected",
                _ => "under_investigation",
            }
            .to_string();
            let justification = vul
                .pointer("/analysis/justification")
                .and_then(Value::as_str)
                .or_else(|| vul.pointer("/analysis/detail").and_then(Value::as_str))
                .map(str::to_string);
            let mut products = Vec::new();
            for a in vul
                .get("affects")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(r) = a.get("ref").and_then(Value::as_str) {
                    let key = r.rsplit('#').next().unwrap_or(r);
                    products.push(
                        refs.get(r)
                            .or_else(|| refs.get(key))
                            .cloned()
                            .unwrap_or_else(|| r.to_string()),
                    );
                }
            }
            out.push(VexStatement {
                ids,
                products,
                subcomponents: Vec::new(),
                status,
                justification,
            });
        }
        Ok(VexDocument {
            source: v
                .get("serialNumber")
                .and_then(Value::as_str)
                .unwrap_or(source)
                .to_string(),
            statements: out,
        })
    }

    /// The statement that decides about this finding, if it suppresses it.
    pub fn suppressing(&self, f: &VulnFinding, artifact_ids: &[String]) -> Option<&VexStatement> {
        let last = self.statements.iter().rev().find(|s| {
            s.ids
                .iter()
                .any(|id| f.all_ids().any(|fid| fid.eq_ignore_ascii_case(id)))
                && applies(s, &f.package.purl, artifact_ids)
        })?;
        last.suppresses().then_some(last)
    }
}

fn applies(s: &VexStatement, package_purl: &str, artifact_ids: &[String]) -> bool {
    let is_artifact = |p: &str| artifact_ids.iter().any(|a| same_ref(p, a));
    s.products.iter().any(|p| {
        if is_artifact(p) {
            s.subcomponents.is_empty()
                || s.subcomponents.iter().any(|sc| same_ref(sc, package_purl))
        } else {
            same_ref(p, package_purl)
        }
    })
}

/// Do two references name the same thing? Purls compare by type,
/// namespace, name and version (a reference without a version matches every
/// version; qualifiers are ignored); other strings compare exactly.
pub fn same_ref(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    match (a.parse::<PackageUrl<'_>>(), b.parse::<PackageUrl<'_>>()) {
        (Ok(x), Ok(y)) => {
            x.ty() == y.ty()
                && x.namespace().map(str::to_lowercase) == y.namespace().map(str::to_lowercase)
                && x.name().eq_ignore_ascii_case(y.name())
                && match (x.version(), y.version()) {
                    (Some(v1), Some(v2)) => v1 == v2,
                    _ => true,
                }
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::finding;
    use customs_types::Severity;

    const IMG: &str = "pkg:oci/ml-app@sha256%3Aabc?repository_url=localhost/ml-app";

    #[test]
    fn openvex_with_subcomponents() {
        let doc = VexDocument::parse(
            "v.json",
            r#"{"@context":"https://openvex.dev/ns/v0.2.0","@id":"https://example.com/vex/1","author":"a","timestamp":"2026-01-01T00:00:00Z","version":1,
            "statements":[
              {"vulnerability":{"name":"CVE-1"},"products":[{"@id":"pkg:oci/ml-app@sha256%3Aabc","subcomponents":[{"@id":"pkg:pypi/requests@2.25.1"}]}],
               "status":"not_affected","justification":"vulnerable_code_not_in_execute_path"},
              {"vulnerability":{"name":"CVE-2"},"products":[{"@id":"pkg:oci/other@sha256%3Adef"}],"status":"not_affected","justification":"component_not_present"},
              {"vulnerability":{"name":"CVE-3"},"products":[{"@id":"pkg:pypi/requests"}],"status":"fixed"},
              {"vulnerability":{"name":"CVE-4"},"products":[{"@id":"pkg:pypi/requests@2.25.1"}],"status":"not_affected"},
              {"vulnerability":{"name":"CVE-4"},"products":[{"@id":"pkg:pypi/requests@2.25.1"}],"status":"affected"}
            ]}"#,
        )
        .unwrap();
        let ids = vec![IMG.to_string(), "sha256:abc".to_string()];
        let f = |id: &str| finding(id, Severity::High, None, "pkg:pypi/requests@2.25.1");
        let s = doc.suppressing(&f("CVE-1"), &ids).unwrap();
        assert_eq!(
            s.justification.as_deref(),
            Some("vulnerable_code_not_in_execute_path")
        );
        assert!(
            doc.suppressing(&f("CVE-2"), &ids).is_none(),
            "another image"
        );
        assert!(
            doc.suppressing(&f("CVE-3"), &ids).is_some(),
            "versionless package product"
        );
        assert!(
            doc.suppressing(&f("CVE-4"), &ids).is_none(),
            "the later statement says affected"
        );
        let other_pkg = finding("CVE-1", Severity::High, None, "pkg:pypi/urllib3@1.26.4");
        assert!(
            doc.suppressing(&other_pkg, &ids).is_none(),
            "subcomponent is requests only"
        );
        // matched through an alias of the finding
        assert!(doc.suppressing(&f("GHSA-x"), &ids).is_none());
        let mut aliased = f("CVE-9");
        aliased.aliases.push("CVE-1".into());
        assert!(doc.suppressing(&aliased, &ids).is_some());
    }

    #[test]
    fn cyclonedx_vex() {
        let doc = VexDocument::parse(
            "c.json",
            r#"{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,
              "components":[{"type":"library","bom-ref":"req","name":"requests","version":"2.25.1","purl":"pkg:pypi/requests@2.25.1"}],
              "vulnerabilities":[
                {"id":"CVE-1","analysis":{"state":"not_affected","justification":"code_not_reachable"},"affects":[{"ref":"req"}]},
                {"id":"CVE-2","analysis":{"state":"exploitable"},"affects":[{"ref":"pkg:pypi/requests@2.25.1"}]},
                {"id":"CVE-3","analysis":{"state":"resolved"},"affects":[{"ref":"pkg:pypi/requests@2.25.1"}]}
              ]}"#,
        )
        .unwrap();
        let f = |id: &str| finding(id, Severity::High, None, "pkg:pypi/requests@2.25.1");
        assert_eq!(
            doc.suppressing(&f("CVE-1"), &[])
                .unwrap()
                .justification
                .as_deref(),
            Some("code_not_reachable")
        );
        assert!(doc.suppressing(&f("CVE-2"), &[]).is_none());
        assert_eq!(doc.suppressing(&f("CVE-3"), &[]).unwrap().status, "fixed");
    }

    #[test]
    fn junk_is_an_error() {
        assert!(VexDocument::parse("x", "{}").is_err());
        assert!(VexDocument::parse("x", "nope").is_err());
        assert!(VexDocument::parse("x", r#"{"statements":[{"status":"fixed"}]}"#).is_err());
    }

    #[test]
    fn refs() {
        assert!(same_ref("pkg:pypi/Requests", "pkg:pypi/requests@1?x=y"));
        assert!(!same_ref("pkg:pypi/requests@1", "pkg:pypi/requests@2"));
        assert!(!same_ref("pkg:npm/requests@1", "pkg:pypi/requests@1"));
        assert!(same_ref("sha256:abc", "sha256:abc"));
    }
}
