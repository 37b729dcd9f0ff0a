//! Declared licenses, as the SBOM formats want them.
//!
//! Each string of [`Package::licenses`](customs_types::Package) is one of:
//!
//! - an **SPDX license id**, exactly as the SPDX license list spells it
//!   (case-sensitive, deprecated ids included): CycloneDX `license.id`;
//! - a valid **SPDX expression** (`MIT OR Apache-2.0`, `LicenseRef-x`,
//!   `Apache-2.0 WITH LLVM-exception`; strict syntax, deprecated ids
//!   allowed): CycloneDX `expression`, SPDX as is;
//! - anything else (Debian's `GPL-2+`, `public-domain`, a classifier text):
//!   a **name**. CycloneDX `license.name`; in SPDX a `LicenseRef-<name>`
//!   with a `hasExtractedLicensingInfos` entry whose text is the declared
//!   string (customs does not have the license text itself, and says so in
//!   the entry's comment).
//!
//! Ids are those of the SPDX license list [`LICENSE_LIST_BASELINE`], the
//! list the CycloneDX 1.6/1.7 schemas pin and the Python SPDX tools know:
//! the ids the `spdx` crate knows from later lists ([`NEWER_THAN_BASELINE`])
//! are treated as names, so no consumer with the baseline list rejects the
//! document. A test keeps that list equal to the difference.
//!
//! No guessing: `mit` or `Apache 2` stay names. `NOASSERTION`, `NONE` and
//! blank strings are dropped. Several strings on one package are combined
//! with `AND`: a package whose metadata lists several licenses is under all
//! of them (Debian copyright files list the licenses of different files).

use std::collections::BTreeMap;

use spdx::lexer::ParseMode;

use crate::ids::{hash_hex, license_ref_idstring};

/// What a declared license string is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LicenseKind<'a> {
    /// An id from the SPDX license list.
    Id(&'a str),
    /// A valid SPDX license expression that is not a bare id.
    Expression(&'a str),
    /// Free text.
    Name(&'a str),
}

/// The SPDX license list version ids are checked against.
pub const LICENSE_LIST_BASELINE: &str = "3.28";

/// License and exception ids of the `spdx` crate's list (3.29) that are not
/// in the baseline list (the license enum of the CycloneDX schemas).
pub const NEWER_THAN_BASELINE: &[&str] = &[
    "BSD-2-Clause-pos-unchanged",
    "BSD-3-Clause-OpenWebUI",
    "BSD-Source-Code-no-disclaimer",
    "BSD-Source-alt-GPL",
    "BSD-ask-to-endorse",
    "Brian-Gladman-3-Clause-no-conversion",
    "Bugroff",
    "CC-BY-NC-3.0-IGO",
    "FDK-MPEG-H",
    "GFDL-1.1-invariants",
    "GFDL-1.1-no-invariants",
    "GFDL-1.2-invariants",
    "GFDL-1.2-no-invariants",
    "GFDL-1.3-invariants",
    "GFDL-1.3-no-invariants",
    "Google-Patent-WebM",
    "Hippocratic-3.0-core",
    "Informatica",
    "MVT-1.1",
    "NOASSERTION",
    "Spelling-Provider-LGPL-exception",
    "atc-game",
];

/// The deprecated `+` ids of the SPDX list (`GPL-2.0+`): ids in their own
/// right, which the `spdx` crate only knows as `GPL-2.0` with a `+`.
const DEPRECATED_PLUS_IDS: &[&str] = &[
    "GPL-1.0+",
    "GPL-2.0+",
    "GPL-3.0+",
    "LGPL-2.0+",
    "LGPL-2.1+",
    "LGPL-3.0+",
];

fn in_baseline(id: &str) -> bool {
    !NEWER_THAN_BASELINE.contains(&id)
}

const MODE: ParseMode = ParseMode {
    allow_deprecated: true,
    ..ParseMode::STRICT
};

/// Classifies one declared license; `None` for blank, `NOASSERTION` and
/// `NONE`.
pub fn classify(s: &str) -> Option<LicenseKind<'_>> {
    let s = s.trim();
    if s.is_empty() || s == "NOASSERTION" || s == "NONE" {
        return None;
    }
    if DEPRECATED_PLUS_IDS.contains(&s) {
        return Some(LicenseKind::Id(s));
    }
    if spdx::license_id(s).is_some_and(|l| l.name == s) {
        return Some(if in_baseline(s) {
            LicenseKind::Id(s)
        } else {
            LicenseKind::Name(s)
        });
    }
    if let Ok(e) = spdx::Expression::parse_mode(s, MODE) {
        let baseline = e.requirements().all(|r| {
            let license = match &r.req.license {
                spdx::LicenseItem::Spdx { id, .. } => in_baseline(id.name),
                spdx::LicenseItem::Other(_) => true,
            };
            let addition = match &r.req.addition {
                Some(spdx::AdditionItem::Spdx(id)) => in_baseline(id.name),
                _ => true,
            };
            license && addition
        });
        if baseline {
            return Some(LicenseKind::Expression(s));
        }
    }
    Some(LicenseKind::Name(s))
}

/// Is this a valid SPDX expression (ids included)?
pub fn is_expression(s: &str) -> bool {
    matches!(
        classify(s),
        Some(LicenseKind::Id(_) | LicenseKind::Expression(_))
    )
}

/// `LicenseRef-` entries of one SPDX document.
#[derive(Debug, Default)]
pub struct LicenseRefs {
    /// LicenseRef id → the declared text.
    refs: BTreeMap<String, String>,
}

impl LicenseRefs {
    /// The `licenseDeclared` value for a package's licenses: a valid SPDX
    /// expression, or `NOASSERTION` when there are none.
    pub fn declared(&mut self, licenses: &[String]) -> String {
        let parts: Vec<String> = licenses
            .iter()
            .filter_map(|l| classify(l))
            .map(|k| match k {
                LicenseKind::Id(s) => s.to_string(),
                LicenseKind::Expression(s) => match self.spdx23_refs(s) {
                    Some(refs) => {
                        for r in refs {
                            self.refs.entry(r.clone()).or_insert(r);
                        }
                        s.to_string()
                    }
                    None => self.license_ref(s),
                },
                LicenseKind::Name(s) => self.license_ref(s),
            })
            .collect();
        let mut uniq: Vec<String> = Vec::new();
        for p in parts {
            if !uniq.contains(&p) {
                uniq.push(p);
            }
        }
        match uniq.len() {
            0 => "NOASSERTION".into(),
            1 => uniq.remove(0),
            _ => uniq
                .iter()
                .map(|p| {
                    if p.contains(' ') {
                        format!("({p})")
                    } else {
                        p.clone()
                    }
                })
                .collect::<Vec<_>>()
                .join(" AND "),
        }
    }

    /// The `LicenseRef-` ids an expression uses, or `None` when it uses
    /// what an SPDX 2.3 document cannot define (`DocumentRef-…:LicenseRef-…`
    /// needs an external document, `AdditionRef-…` is SPDX 3).
    fn spdx23_refs(&self, expression: &str) -> Option<Vec<String>> {
        let e = spdx::Expression::parse_mode(expression, MODE).ok()?;
        let mut out = Vec::new();
        for r in e.requirements() {
            if matches!(r.req.addition, Some(spdx::AdditionItem::Other(_))) {
                return None;
            }
            if let spdx::LicenseItem::Other(l) = &r.req.license {
                if l.doc_ref.is_some() {
                    return None;
                }
                out.push(format!("LicenseRef-{}", l.lic_ref));
            }
        }
        Some(out)
    }

    /// The `LicenseRef-` id for a free-text license, registered for
    /// `hasExtractedLicensingInfos`.
    pub fn license_ref(&mut self, name: &str) -> String {
        let base = format!("LicenseRef-{}", license_ref_idstring(name));
        match self.refs.get(&base) {
            None => {
                self.refs.insert(base.clone(), name.to_string());
                base
            }
            Some(existing) if existing == name => base,
            Some(_) => {
                let id = format!("{base}-{}", &hash_hex(&[name])[..8]);
                self.refs.insert(id.clone(), name.to_string());
                id
            }
        }
    }

    /// `(LicenseRef id, declared text)`, sorted by id.
    pub fn entries(&self) -> impl Iterator<Item = (&str, &str)> {
        self.refs.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies() {
        assert_eq!(classify("MIT"), Some(LicenseKind::Id("MIT")));
        assert_eq!(classify("GPL-2.0"), Some(LicenseKind::Id("GPL-2.0")));
        assert_eq!(classify("GPL-2.0+"), Some(LicenseKind::Id("GPL-2.0+")));
        // `+` is the or-later operator: an expression, not the id `MIT`.
        assert_eq!(classify("MIT+"), Some(LicenseKind::Expression("MIT+")));
        assert_eq!(
            classify("MIT OR Apache-2.0"),
            Some(LicenseKind::Expression("MIT OR Apache-2.0"))
        );
        assert_eq!(
            classify("LicenseRef-Proprietary"),
            Some(LicenseKind::Expression("LicenseRef-Proprietary"))
        );
        assert_eq!(classify("mit"), Some(LicenseKind::Name("mit")));
        assert_eq!(classify("GPL-2+"), Some(LicenseKind::Name("GPL-2+")));
        assert_eq!(
            classify("MIT/Apache-2.0"),
            Some(LicenseKind::Name("MIT/Apache-2.0"))
        );
        assert_eq!(classify("Bugroff"), Some(LicenseKind::Name("Bugroff")));
        assert_eq!(
            classify("MIT OR Bugroff"),
            Some(LicenseKind::Name("MIT OR Bugroff"))
        );
        assert_eq!(
            classify("GPL-2.0-or-later WITH Spelling-Provider-LGPL-exception"),
            Some(LicenseKind::Name(
                "GPL-2.0-or-later WITH Spelling-Provider-LGPL-exception"
            ))
        );
        assert_eq!(classify(" "), None);
        assert_eq!(classify("NOASSERTION"), None);
    }

    #[test]
    fn declared_expressions() {
        let mut r = LicenseRefs::default();
        assert_eq!(r.declared(&[]), "NOASSERTION");
        assert_eq!(r.declared(&["MIT".into()]), "MIT");
        assert_eq!(
            r.declared(&[
                "GPL-2.0-or-later".into(),
                "MIT OR Apache-2.0".into(),
                "public domain".into(),
                "MIT".into(),
                "MIT".into(),
            ]),
            "GPL-2.0-or-later AND (MIT OR Apache-2.0) AND LicenseRef-public-domain AND MIT"
        );
        // Another text that sanitises to the same id gets a hash suffix.
        let other = r.license_ref("public-domain");
        assert_eq!(
            other,
            format!(
                "LicenseRef-public-domain-{}",
                &hash_hex(&["public-domain"])[..8]
            )
        );
        assert_eq!(r.license_ref("public domain"), "LicenseRef-public-domain");
        let entries: Vec<_> = r.entries().collect();
        assert_eq!(entries.len(), 2);
        assert!(entries.contains(&("LicenseRef-public-domain", "public domain")));
        let mut r = LicenseRefs::default();
        assert_eq!(
            r.declared(&["LicenseRef-NVIDIA-SLA OR MIT".into()]),
            "LicenseRef-NVIDIA-SLA OR MIT"
        );
        assert_eq!(
            r.entries().collect::<Vec<_>>(),
            vec![("LicenseRef-NVIDIA-SLA", "LicenseRef-NVIDIA-SLA")]
        );
        // A name that sanitises to a ref an expression uses gets its own id.
        assert_ne!(r.declared(&["NVIDIA SLA".into()]), "LicenseRef-NVIDIA-SLA");
        assert_eq!(
            r.declared(&["DocumentRef-x:LicenseRef-y".into()]),
            "LicenseRef-DocumentRef-x-LicenseRef-y"
        );
        assert!(is_expression("MIT AND Zlib"));
        assert!(!is_expression("GPL-2+"));
    }
}
