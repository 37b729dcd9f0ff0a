//! The acceptance examples: the seed Dockerfile and the ml-app
//! image configuration.

use customs_dockerfile::{
    CheckContext, ImageConfigInput, Severity, check, check_image_config, parse,
};

const SEED: &str = "FROM python:3.11-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY server.py .
CMD [\"python\", \"server.py\"]
";

#[test]
fn seed_dockerfile_gives_exactly_root_healthcheck_and_digest() {
    let df = parse(SEED).unwrap();
    let findings = check(
        &df,
        &CheckContext {
            path: "Dockerfile",
            dockerignore: None,
        },
    );
    let mut ids: Vec<_> = findings.iter().map(|f| f.id).collect();
    ids.sort();
    assert_eq!(
        ids,
        vec!["CUS-DF-001", "CUS-DF-003", "CUS-DF-016"],
        "{findings:#?}"
    );
    // All three point at the FROM line of the only stage.
    for f in &findings {
        assert_eq!((f.start_line, f.end_line), (Some(1), Some(1)), "{f:?}");
        assert_eq!(f.instruction.as_deref(), Some("FROM python:3.11-slim"));
        assert_eq!(f.stage.as_ref().map(|s| s.index), Some(0));
    }
    let sev: Vec<_> = findings.iter().map(|f| (f.id, f.severity)).collect();
    assert!(sev.contains(&("CUS-DF-001", Severity::High)));
    assert!(sev.contains(&("CUS-DF-003", Severity::Low)));
    assert!(sev.contains(&("CUS-DF-016", Severity::Low)));
}

#[test]
fn seed_dockerfile_fixed_has_no_findings() {
    let fixed = SEED
        .replace(
            "FROM python:3.11-slim",
            "FROM python:3.11-slim@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        )
        .replace(
            "CMD [",
            "USER 10001\nHEALTHCHECK CMD python -c 'import urllib.request as u; u.urlopen(\"http://localhost:8000/\")'\nCMD [",
        );
    let findings = check(&parse(&fixed).unwrap(), &CheckContext::default());
    assert!(findings.is_empty(), "{findings:#?}");
}

const DB_PASSWORD: &str = "FAKE-db-Passw0rd-for-scanner-tests";

fn ml_app() -> ImageConfigInput {
    ImageConfigInput {
        source: "ml-app:latest".into(),
        user: "root".into(),
        env: vec![
            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".into(),
            format!("DB_PASSWORD={DB_PASSWORD}"),
            "MODEL_DIR=/app/models".into(),
            "PYTHONUNBUFFERED=1".into(),
        ],
        cmd: vec!["python3".into(), "/app/app.py".into()],
        entrypoint: vec![],
        has_healthcheck: false,
        exposed_ports: vec!["8080/tcp".into()],
        history: vec![
            "debootstrap --variant=minbase bookworm /".into(),
            "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".into(),
            "CMD [\"bash\"]".into(),
            "/bin/sh -c apt-get update && apt-get install -y --no-install-recommends python3 python3-pip && rm -rf /var/lib/apt/lists/*".into(),
            "COPY models/ /app/models/ # buildkit".into(),
            "/bin/sh -c rm -f /root/.ssh/id_rsa".into(),
            format!("ENV DB_PASSWORD={DB_PASSWORD}"),
            "ENV MODEL_DIR=/app/models PYTHONUNBUFFERED=1".into(),
            "USER root".into(),
            "WORKDIR /app".into(),
            "EXPOSE 8080/tcp".into(),
            "CMD [\"python3\", \"/app/app.py\"]".into(),
        ],
    }
}

#[test]
fn ml_app_config_runs_as_root_with_a_secret_in_env() {
    let findings = check_image_config(&ml_app());
    let ids: Vec<_> = findings.iter().map(|f| f.id).collect();
    assert!(ids.contains(&"CUS-IC-001"), "{ids:?}");
    assert!(ids.contains(&"CUS-IC-002"), "{ids:?}");
    // Nothing else but the missing health check.
    let mut rest: Vec<_> = ids
        .iter()
        .filter(|i| !matches!(**i, "CUS-IC-001" | "CUS-IC-002"))
        .collect();
    rest.sort();
    assert_eq!(rest, vec![&"CUS-IC-004"]);

    let secret = findings.iter().find(|f| f.id == "CUS-IC-002").unwrap();
    assert!(secret.message.contains("DB_PASSWORD"));
    assert_eq!(secret.instruction.as_deref(), Some("DB_PASSWORD=FAKE****"));
    assert_eq!(secret.path, "ml-app:latest");
    for f in &findings {
        let json = serde_json::to_string(f).unwrap();
        assert!(!json.contains(DB_PASSWORD), "{json}");
        assert!(!json.contains("Passw0rd"), "{json}");
    }
}
