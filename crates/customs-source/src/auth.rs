//! Registry credentials: flags or environment first, then docker's
//! `config.json` (`auths`, `credHelpers`, `credsStore` through the
//! `docker-credential-*` helpers).

use std::fmt;

use docker_credential::{CredentialRetrievalError, DockerCredential};

use crate::image::OpenOptions;

/// Credentials for one registry. `Debug` never shows the secret.
#[derive(Clone, PartialEq, Eq)]
pub enum Credential {
    Anonymous,
    Basic { username: String, password: String },
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credential::Anonymous => f.write_str("Anonymous"),
            Credential::Basic { username, .. } => write!(f, "Basic({username}, ****)"),
        }
    }
}

/// Where the credential came from, for `--debug` output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialOrigin {
    Flags,
    DockerConfig,
    None,
}

/// The key docker's config uses for a registry host.
fn config_key(registry: &str) -> String {
    match registry {
        "docker.io" | "index.docker.io" | "registry-1.docker.io" => {
            "https://index.docker.io/v1/".to_string()
        }
        other => other.to_string(),
    }
}

/// Finds credentials for `registry` (as written in the reference, e.g.
/// `docker.io` or `127.0.0.1:5000`).
pub fn resolve(registry: &str, opts: &OpenOptions) -> (Credential, CredentialOrigin) {
    if let (Some(u), Some(p)) = (&opts.username, &opts.password) {
        return (
            Credential::Basic {
                username: u.clone(),
                password: p.clone(),
            },
            CredentialOrigin::Flags,
        );
    }
    let key = config_key(registry);
    match docker_credential::get_credential(&key) {
        Ok(DockerCredential::UsernamePassword(username, password)) => (
            Credential::Basic { username, password },
            CredentialOrigin::DockerConfig,
        ),
        Ok(DockerCredential::IdentityToken(_)) => {
            tracing::warn!(
                "{registry}: docker config holds an identity token, which customs does not use; trying anonymous access"
            );
            (Credential::Anonymous, CredentialOrigin::None)
        }
        Err(
            CredentialRetrievalError::ConfigNotFound
            | CredentialRetrievalError::NoCredentialConfigured
            | CredentialRetrievalError::ConfigReadError,
        ) => (Credential::Anonymous, CredentialOrigin::None),
        Err(e) => {
            tracing::warn!(
                "{registry}: reading docker credentials failed ({e:?}); trying anonymous access"
            );
            (Credential::Anonymous, CredentialOrigin::None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_password() {
        let c = Credential::Basic {
            username: "u".into(),
            password: "hunter2-secret".into(),
        };
        assert!(!format!("{c:?}").contains("hunter2"));
    }

    #[test]
    fn flags_win() {
        let o = OpenOptions {
            username: Some("a".into()),
            password: Some("b".into()),
            ..Default::default()
        };
        assert_eq!(resolve("example.com", &o).1, CredentialOrigin::Flags);
    }

    #[test]
    fn docker_hub_key() {
        assert_eq!(config_key("docker.io"), "https://index.docker.io/v1/");
        assert_eq!(config_key("127.0.0.1:5000"), "127.0.0.1:5000");
    }
}
