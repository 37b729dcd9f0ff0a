//! The image config blob, read tolerantly: Docker's extensions (Healthcheck)
//! are kept, nulls and missing fields are fine, unknown fields are ignored.

use std::collections::BTreeMap;

use customs_types::{Digest, HistoryLine, ImageConfigSummary, Platform};
use serde::Deserialize;

use crate::SourceError;

#[derive(Deserialize, Default)]
struct RawConfig {
    #[serde(default)]
    architecture: Option<String>,
    #[serde(default)]
    os: Option<String>,
    #[serde(default)]
    variant: Option<String>,
    #[serde(default)]
    created: Option<String>,
    #[serde(default)]
    author: Option<String>,
    #[serde(default)]
    config: Option<RawRunConfig>,
    #[serde(default)]
    rootfs: Option<RawRootFs>,
    #[serde(default)]
    history: Option<Vec<RawHistory>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct RawRunConfig {
    #[serde(default)]
    user: Option<String>,
    #[serde(default)]
    env: Option<Vec<String>>,
    #[serde(default)]
    entrypoint: Option<StringOrList>,
    #[serde(default)]
    cmd: Option<StringOrList>,
    #[serde(default)]
    working_dir: Option<String>,
    #[serde(default)]
    exposed_ports: Option<BTreeMap<String, serde_json::Value>>,
    #[serde(default)]
    labels: Option<BTreeMap<String, String>>,
    #[serde(default)]
    healthcheck: Option<RawHealthcheck>,
    #[serde(default)]
    stop_signal: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum StringOrList {
    List(Vec<String>),
    One(String),
}

impl StringOrList {
    fn into_vec(self) -> Vec<String> {
        match self {
            StringOrList::List(v) => v,
            StringOrList::One(s) => vec![s],
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct RawHealthcheck {
    #[serde(default)]
    test: Option<Vec<String>>,
}

#[derive(Deserialize, Default)]
struct RawRootFs {
    #[serde(default)]
    diff_ids: Vec<String>,
}

#[derive(Deserialize, Default)]
struct RawHistory {
    #[serde(default)]
    created: Option<String>,
    #[serde(default)]
    created_by: Option<String>,
    #[serde(default)]
    comment: Option<String>,
    #[serde(default)]
    empty_layer: Option<bool>,
}

/// A parsed config: the summary and the platform it declares.
pub struct ParsedConfig {
    pub summary: ImageConfigSummary,
    pub platform: Option<Platform>,
}

/// Parses a config blob. `what` names it in errors.
pub fn parse_config(what: &str, bytes: &[u8]) -> Result<ParsedConfig, SourceError> {
    let raw: RawConfig = serde_json::from_slice(bytes)
        .map_err(|e| SourceError::malformed(format!("{what} (image config)"), e))?;
    let run = raw.config.unwrap_or_default();
    let mut diff_ids = Vec::new();
    for d in raw.rootfs.unwrap_or_default().diff_ids {
        diff_ids.push(d.parse::<Digest>().map_err(|e| {
            SourceError::malformed(format!("{what} (image config rootfs.diff_ids)"), e)
        })?);
    }
    let healthcheck = run
        .healthcheck
        .and_then(|h| h.test)
        .filter(|t| !(t.is_empty() || t.len() == 1 && t[0] == "NONE"));
    let summary = ImageConfigSummary {
        created: raw.created,
        author: raw.author,
        user: run.user.unwrap_or_default(),
        entrypoint: run
            .entrypoint
            .map(StringOrList::into_vec)
            .unwrap_or_default(),
        cmd: run.cmd.map(StringOrList::into_vec).unwrap_or_default(),
        env: run.env.unwrap_or_default(),
        working_dir: run.working_dir.unwrap_or_default(),
        exposed_ports: run
            .exposed_ports
            .map(|m| m.into_keys().collect())
            .unwrap_or_default(),
        labels: run.labels.unwrap_or_default(),
        healthcheck,
        stop_signal: run.stop_signal.filter(|s| !s.is_empty()),
        history: raw
            .history
            .unwrap_or_default()
            .into_iter()
            .map(|h| HistoryLine {
                created: h.created,
                created_by: h.created_by,
                comment: h.comment.filter(|c| !c.is_empty()),
                empty_layer: h.empty_layer.unwrap_or(false),
            })
            .collect(),
        diff_ids,
    };
    let platform = match (raw.os, raw.architecture) {
        (Some(os), Some(architecture)) if !os.is_empty() && !architecture.is_empty() => {
            Some(Platform {
                os,
                architecture,
                variant: raw.variant.filter(|v| !v.is_empty()),
            })
        }
        _ => None,
    };
    Ok(ParsedConfig { summary, platform })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_config_with_nulls_and_healthcheck() {
        let cfg = br#"{
          "architecture":"arm64","os":"linux","variant":"v8","created":"2025-05-20T00:00:00Z",
          "config":{"User":"1000","Env":["PATH=/bin","DB_PASSWORD=x"],"Entrypoint":null,
            "Cmd":["python3","/app/app.py"],"WorkingDir":"/app",
            "ExposedPorts":{"8080/tcp":{}},"Labels":{"a":"b"},
            "Healthcheck":{"Test":["CMD","true"]}},
          "rootfs":{"type":"layers","diff_ids":["sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"]},
          "history":[{"created_by":"ADD x","empty_layer":false},{"created_by":"ENV a","empty_layer":true}],
          "unknown_field": 42
        }"#;
        let p = parse_config("cfg", cfg).unwrap();
        let s = p.summary;
        assert_eq!(s.user, "1000");
        assert!(s.entrypoint.is_empty());
        assert_eq!(s.cmd, vec!["python3", "/app/app.py"]);
        assert_eq!(s.exposed_ports, vec!["8080/tcp"]);
        assert_eq!(
            s.healthcheck.as_deref(),
            Some(&["CMD".to_string(), "true".into()][..])
        );
        assert_eq!(s.history.len(), 2);
        assert_eq!(s.diff_ids.len(), 1);
        assert_eq!(p.platform.unwrap().to_string(), "linux/arm64/v8");
    }

    #[test]
    fn bad_config_is_a_named_error() {
        let err = parse_config("blob sha256:x", b"{not json").err().unwrap();
        assert!(
            err.to_string().contains("blob sha256:x (image config)"),
            "{err}"
        );
        let err = parse_config("c", br#"{"rootfs":{"diff_ids":["nope"]}}"#)
            .err()
            .unwrap();
        assert!(err.to_string().contains("diff_ids"), "{err}");
    }
}
