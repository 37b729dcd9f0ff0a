//! The planted secrets of the ml-app test image, and the special files.

mod common;

use common::{fake_rsa_key, ids, scanner};
use customs_secret::{Severity, fingerprint};

const ENV_FILE: &str = "# local settings -- FAKE test-fixture values, not real credentials
AWS_ACCESS_KEY_ID=AKIAQ3FAKEK3YT2STXYZ
AWS_SECRET_ACCESS_KEY=fAkE/SeCrEt+KeY0nLy4TeStS0fScAnNeRz1234X
AWS_DEFAULT_REGION=us-east-1
";

#[test]
fn ml_app_env_file_aws_pair() {
    let s = scanner();
    let f = s.scan_bytes("/app/.env", ENV_FILE.as_bytes());
    assert_eq!(ids(&f), ["aws-access-key-pair"], "{f:#?}");
    let pair = &f[0];
    assert_eq!(pair.severity, Severity::Critical);
    assert_eq!((pair.line, pair.end_line), (2, 3));
    assert_eq!(pair.redacted, "AKIA**************** / fAkE****************");
    assert_eq!(
        pair.fingerprint,
        fingerprint(b"AKIAQ3FAKEK3YT2STXYZ:fAkE/SeCrEt+KeY0nLy4TeStS0fScAnNeRz1234X")
    );
    // layer paths come without the leading slash too
    assert_eq!(
        ids(&s.scan_bytes("app/.env", ENV_FILE.as_bytes())),
        ["aws-access-key-pair"]
    );
}

#[test]
fn aws_parts_alone_are_still_found() {
    let s = scanner();
    let only_id = "AWS_ACCESS_KEY_ID=AKIAQ3FAKEK3YT2STXYZ\n";
    assert_eq!(
        ids(&s.scan_bytes("/app/.env", only_id.as_bytes())),
        ["aws-access-key-id"]
    );
    let only_secret =
        "[default]\naws_secret_access_key = fAkE/SeCrEt+KeY0nLy4TeStS0fScAnNeRz1234X\n";
    let f = s.scan_bytes("/root/.aws/credentials", only_secret.as_bytes());
    assert_eq!(ids(&f), ["aws-secret-access-key"]);
    assert_eq!(f[0].line, 2);
    let creds = "[default]\naws_access_key_id = AKIAQ3FAKEK3YT2STXYZ\naws_secret_access_key = fAkE/SeCrEt+KeY0nLy4TeStS0fScAnNeRz1234X\n";
    assert_eq!(
        ids(&s.scan_bytes("/root/.aws/credentials", creds.as_bytes())),
        ["aws-access-key-pair"]
    );
}

fn ml_app_notebook() -> String {
    // Same shape and values as the ml-app image's /app/notebooks/train.ipynb.
    let gh = concat!("ghp_", "FAKEtokenForScannerTests0nly420uJ1nu");
    let hf = concat!("hf_", "FakeHuggingFaceTokenForScanTestsQz");
    format!(
        r#"{{
 "cells": [
  {{
   "cell_type": "code", "execution_count": 1, "id": "3f1c2a7e", "metadata": {{}},
   "outputs": [
    {{ "name": "stdout", "output_type": "stream",
      "text": [ "GITHUB_TOKEN={gh}\n", "HF_TOKEN={hf}\n" ] }}
   ],
   "source": [ "import os\n", "for k in (\"GITHUB_TOKEN\", \"HF_TOKEN\"):\n", "    print(f\"{{k}}={{os.environ[k]}}\")" ]
  }},
  {{
   "cell_type": "code", "execution_count": 2, "id": "9b0d4e11", "metadata": {{}}, "outputs": [],
   "source": [ "from transformers import AutoModel\n", "model = AutoModel.from_pretrained(\"./models\")" ]
  }}
 ],
 "metadata": {{ "kernelspec": {{"display_name": "Python 3", "language": "python", "name": "python3"}} }},
 "nbformat": 4, "nbformat_minor": 5
}}"#
    )
}

#[test]
fn ml_app_notebook_output_tokens() {
    let s = scanner();
    let nb = ml_app_notebook();
    for f in [
        s.scan_bytes("/app/notebooks/train.ipynb", nb.as_bytes()),
        s.scan_notebook("/app/notebooks/train.ipynb", nb.as_bytes()),
    ] {
        assert_eq!(
            ids(&f),
            ["github-pat", "huggingface-access-token"],
            "{f:#?}"
        );
        assert!(
            f.iter()
                .all(|x| x.cell == Some(1) && x.cell_output == Some(1))
        );
        assert_eq!((f[0].line, f[0].column), (1, Some(14)));
        assert_eq!(f[1].line, 2);
        assert_eq!(f[0].redacted, "ghp_****************");
        assert_eq!(f[1].redacted, "hf_F****************");
    }
}

#[test]
fn notebook_source_cell_and_error_traceback() {
    let s = scanner();
    let body: String = "Zq8fAkEx7TnW2rLp9VbY3cMd5KsH1jGu4Ne6_-"
        .chars()
        .cycle()
        .take(93)
        .collect();
    let key = format!("{}{body}AA", concat!("sk-", "ant-api03-"));
    let nb = format!(
        r##"{{"cells": [
          {{"cell_type": "markdown", "source": "# Training"}},
          {{"cell_type": "code", "source": ["import anthropic\n", "client = anthropic.Anthropic(api_key=\"{key}\")\n"], "outputs": [
             {{"output_type": "error", "ename": "AuthenticationError", "evalue": "bad key", "traceback": ["line1", "api_key='{key}'"]}},
             {{"output_type": "display_data", "data": {{"image/png": "iVBORw0KGgo=", "text/plain": ["<Figure>"]}}}}
          ]}}
        ], "nbformat": 4, "nbformat_minor": 5, "metadata": {{}}}}"##
    );
    let f = s.scan_notebook("/work/nb.ipynb", nb.as_bytes());
    assert_eq!(
        ids(&f),
        ["anthropic-api-key", "anthropic-api-key"],
        "{f:#?}"
    );
    assert_eq!((f[0].cell, f[0].cell_output, f[0].line), (Some(2), None, 2));
    assert_eq!((f[1].cell, f[1].cell_output), (Some(2), Some(1)));
    // not JSON: scanned as text
    let raw = format!("client = anthropic.Anthropic(api_key=\"{key}\")\n");
    assert_eq!(
        ids(&s.scan_notebook("/work/broken.ipynb", raw.as_bytes())),
        ["anthropic-api-key"]
    );
}

#[test]
fn root_ssh_id_rsa() {
    let s = scanner();
    let key = fake_rsa_key();
    let f = s.scan_bytes("/root/.ssh/id_rsa", key.as_bytes());
    assert_eq!(ids(&f), ["private-key-rsa"]);
    assert_eq!((f[0].line, f[0].end_line), (2, 26));
    assert_eq!(f[0].redacted, "MIIE****************");
    assert_eq!(f[0].severity, Severity::Critical);
}

#[test]
fn image_config_env_password() {
    let s = scanner();
    let f = s.scan_kv(
        "config.Env",
        "DB_PASSWORD",
        "FAKE-db-Passw0rd-for-scanner-tests",
    );
    assert_eq!(ids(&f), ["config-secret-key-name"]);
    assert_eq!(f[0].key.as_deref(), Some("DB_PASSWORD"));
    assert_eq!(f[0].path, "config.Env");
    assert_eq!(
        f[0].fingerprint,
        fingerprint(b"FAKE-db-Passw0rd-for-scanner-tests")
    );
    // the same ENV as a history line
    let f = s.scan_kv(
        "history[8].created_by",
        "created_by",
        "ENV DB_PASSWORD=FAKE-db-Passw0rd-for-scanner-tests",
    );
    assert_eq!(ids(&f), ["config-secret-key-name"]);
    assert_eq!(f[0].key.as_deref(), Some("DB_PASSWORD"));
    // harmless config
    for (k, v) in [
        ("MODEL_DIR", "/app/models"),
        ("PYTHONUNBUFFERED", "1"),
        ("PATH", "/usr/local/bin:/usr/bin"),
        ("HF_TOKEN", ""),
    ] {
        assert!(s.scan_kv("config.Env", k, v).is_empty(), "{k}");
    }
    assert!(
        s.scan_kv(
            "config.Labels",
            "org.opencontainers.image.description",
            "scanner test fixture (fake secrets, old packages)"
        )
        .is_empty()
    );
}

#[test]
fn history_build_arg_token() {
    let s = scanner();
    let hf = concat!("hf_", "FakeHuggingFaceTokenForScanTestsQz");
    let f = s.scan_kv(
        "history[3].created_by",
        "created_by",
        &format!("/bin/sh -c #(nop)  ARG HF_TOKEN={hf}"),
    );
    assert_eq!(ids(&f), ["huggingface-access-token"]);
    let f = s.scan_kv(
        "history[4].created_by",
        "created_by",
        &format!("|1 HF_TOKEN={hf} /bin/sh -c pip install -r requirements.txt"),
    );
    assert_eq!(ids(&f), ["huggingface-access-token"]);
    assert!(
        s.scan_kv(
            "history[5].created_by",
            "created_by",
            "/bin/sh -c #(nop)  ARG HF_TOKEN"
        )
        .is_empty()
    );
}

#[test]
fn special_files() {
    let s = scanner();
    let hf = concat!("hf_", "FakeHuggingFaceTokenForScanTestsQz");
    let cases: Vec<(&str, String, &str)> = vec![
        ("/root/.cache/huggingface/token", format!("{hf}\n"), "huggingface-token-file"),
        ("/home/u/.huggingface/token", "Zq8fAkE7TnW2rLp9VbY3cMd5Ks\n".to_owned(), "huggingface-token-file"),
        ("/root/.kaggle/kaggle.json", "{\"username\":\"fakeuser\",\"key\":\"0f9e8d7c6b5a49382716a5b4c3d2e1f0\"}".to_owned(), "kaggle-json-key"),
        ("/root/.netrc", "machine api.wandb.ai\n  login user\n  password 3f2c9a7e5d1b8c4f6a0e2d9b7c5a3f1e8d6b4c2a\n".to_owned(), "wandb-netrc"),
        ("/root/.netrc", "machine ftp.fake.invalid login bob password Zq8-fAkE-9xL\n".to_owned(), "netrc-password"),
        ("/root/.git-credentials", "https://bob:Zq8fAkE7TnW2rLp9VbY3@git.fake.invalid\n".to_owned(), "git-credentials"),
        ("/root/.npmrc", "//npm.fake.invalid/:_authToken=Zq8fAkE7TnW2rLp9VbY3cMd5\n".to_owned(), "npmrc-auth-token"),
        ("/root/.pypirc", "[pypi]\nusername = bob\npassword = Zq8fAkE7TnW2rLp9\n".to_owned(), "pypirc-password"),
        ("/etc/pip.conf", "[global]\nindex-url = https://bob:Zq8fAkE7TnW2rLp9@pypi.fake.invalid/simple\n".to_owned(), "pip-index-credentials"),
        ("/root/.docker/config.json", "{\"auths\":{\"registry.fake.invalid\":{\"auth\":\"ZmFrZXVzZXI6ZmFrZS1QYXNzLTlxWjd3\"}}}".to_owned(), "docker-config-auth"),
        ("/root/.bash_history", "ls\nexport OPENAI_SECRET=Zq8-fAkE-S3cr3t-w1th-Digits\n".to_owned(), "shell-history-secret-key-name"),
        ("/root/.python_history", "import os\nos.environ['X']='1'\nDB_PASSWORD='Zq8-fAkE-S3cr3t-w1th-Digits'\n".to_owned(), "shell-history-secret-key-name"),
        ("/app/.env.production", "SMTP_PASSWORD=\"Zq8-fAkE-S3cr3t-w1th-Digits\" # prod\n".to_owned(), "dotenv-secret-key-name"),
    ];
    for (path, content, rule) in cases {
        let f = s.scan_bytes(path, content.as_bytes());
        assert!(
            ids(&f).contains(&rule),
            "{path}: expected {rule}, got {:?}",
            ids(&f)
        );
    }
}

#[test]
fn fake_and_test_words_do_not_suppress() {
    let s = scanner();
    for v in [
        "FAKE-db-Passw0rd-for-scanner-tests",
        "test-Passw0rd-9Zq-fake",
        "dummyFake-Passw0rd-9Zq",
    ] {
        assert_eq!(
            ids(&s.scan_kv("config.Env", "DB_PASSWORD", v)),
            ["config-secret-key-name"],
            "{v}"
        );
    }
}

#[test]
fn placeholders_and_examples_are_not_findings() {
    let s = scanner();
    let text = "\
AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE
AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
HF_TOKEN=<your-hf-token>
OPENAI_API_KEY=${OPENAI_API_KEY}
DB_PASSWORD=changeme
API_KEY={{ api_key }}
";
    let f = s.scan_bytes("/app/.env.example", text.as_bytes());
    assert!(f.is_empty(), "{:?}", ids(&f));
}

#[test]
fn debian_like_files_are_clean() {
    let s = scanner();
    let files: &[(&str, &str)] = &[
        (
            "/etc/passwd",
            "root:x:0:0:root:/root:/bin/bash\nwww-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n",
        ),
        (
            "/etc/shadow",
            "root:*:19500:0:99999:7:::\ndaemon:*:19500:0:99999:7:::\n",
        ),
        (
            "/etc/login.defs",
            "PASS_MAX_DAYS\t99999\nPASS_MIN_DAYS\t0\nENCRYPT_METHOD SHA512\n",
        ),
        (
            "/etc/pam.d/common-password",
            "password\t[success=1 default=ignore]\tpam_unix.so obscure yescrypt\n",
        ),
        (
            "/etc/ssl/openssl.cnf",
            "[ req ]\ndefault_bits = 2048\ndefault_keyfile = privkey.pem\n# input_password = secret\n# output_password = secret\n",
        ),
        (
            "/usr/lib/python3.11/urllib/request.py",
            "    auth.add_password(realm='PDQ Application', uri='https://mahler:8092/site-updates.py', user='klem', passwd='geheim$parole')\n",
        ),
        (
            "/usr/lib/python3.11/smtplib.py",
            "    def login(self, user, password, *, initial_response_ok=True):\n        password = password\n",
        ),
        (
            "/usr/lib/python3/dist-packages/oauthlib/oauth2/rfc6749/parameters.py",
            "    \"access_token\":\"2YotnFZFEjr1zCsicMWpAA\",\n    \"refresh_token\":\"tGzv3JOkF0XG5Qx2TlKWIA\",\n",
        ),
        (
            "/usr/share/doc/python3-jwt/README.rst",
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzb21lIjoicGF5bG9hZCJ9.4twFt5NiznN84AWoo1d7KO1T_yoc0Z6XOpOVswacPZg\n",
        ),
        ("/etc/ssl/private/ssl-cert-snakeoil.key", &fake_rsa_key()),
        (
            "/usr/lib/python3/dist-packages/cryptography/hazmat/tests/key.pem",
            &fake_rsa_key(),
        ),
    ];
    for (path, content) in files {
        let f = s.scan_bytes(path, content.as_bytes());
        assert!(f.is_empty(), "{path}: {:?}", ids(&f));
    }
    // the same private key in the application's tree is a finding
    assert_eq!(
        ids(&s.scan_bytes("/app/tests/key.pem", fake_rsa_key().as_bytes())),
        ["private-key-rsa"]
    );
    // and the same password in a user-owned file is one too
    assert_eq!(
        ids(&s.scan_bytes("/app/settings.py", b"DB_PASSWORD = 'geheim$parole-9Zq'\n")),
        ["generic-password"]
    );
}

#[test]
fn binary_and_size_limits() {
    let s = scanner();
    let mut bin = b"\x7fELF\x02\x01\x01\0".to_vec();
    bin.extend_from_slice(
        concat!("GITHUB_TOKEN=ghp_", "Zq8fAkEx7TnW2rLp9VbY3cMd5KsH1jGu4Ne6").as_bytes(),
    );
    assert!(customs_secret::is_binary(&bin));
    assert!(s.scan_bytes("/usr/local/bin/tool", &bin).is_empty());
    assert!(!s.wants("/app/model.safetensors", 10));
    assert!(!s.wants("/app/big.txt", u64::MAX));
    assert!(s.wants("/app/config.yaml", 100));
}

/// The planted values exactly as the image build script writes them, when the
/// shared fixtures are present (they are in CI: `../shared` beside the checkout).
#[test]
fn shared_build_script_fixtures() {
    let root =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/images/build.sh");
    let Ok(script) = std::fs::read_to_string(&root) else {
        eprintln!("skipping: {} not present", root.display());
        return;
    };
    let heredoc = |marker: &str| -> String {
        let start = script
            .find(marker)
            .unwrap_or_else(|| panic!("{marker} not in build.sh"));
        let body = &script[start..];
        let body = &body[body.find('\n').map_or(0, |i| i + 1)..];
        let end = body.find("\nEOF\n").expect("heredoc end");
        format!("{}\n", &body[..end])
    };
    let s = scanner();
    let env = heredoc("cat > \"$R/app/.env\" <<'EOF'");
    assert_eq!(
        ids(&s.scan_bytes("/app/.env", env.as_bytes())),
        ["aws-access-key-pair"]
    );
    let nb = heredoc("cat > \"$R/app/notebooks/train.ipynb\" <<'EOF'");
    let f = s.scan_bytes("/app/notebooks/train.ipynb", nb.as_bytes());
    assert_eq!(ids(&f), ["github-pat", "huggingface-access-token"]);
    assert!(f.iter().all(|x| x.cell == Some(1)));
    let key = heredoc("cat > \"$R/root/.ssh/id_rsa\" <<'EOF'");
    assert_eq!(
        ids(&s.scan_bytes("/root/.ssh/id_rsa", key.as_bytes())),
        ["private-key-rsa"]
    );
    assert!(script.contains("DB_PASSWORD=FAKE-db-Passw0rd-for-scanner-tests"));
    let app = heredoc("cat > \"$R/app/app.py\" <<'EOF'");
    assert!(s.scan_bytes("/app/app.py", app.as_bytes()).is_empty());
}
