//! Built-in rules.
//!
//! Every rule carries its own positive and negative examples; the unit test
//! `every_rule_has_working_examples` runs each positive example through a
//! default [`crate::Scanner`] and demands a finding *of that rule*, and each
//! negative example must give no finding of that rule.
//!
//! All example values are random FAKE strings generated for these tests (by a
//! seeded generator, once); vendor prefixes are split from the bodies with
//! `concat!` so that no complete token literal appears in the source.
//!
//! Conventions for built-in regexes: the secret is the capture group named
//! `secret` (else the first capture group that took part in the match, else
//! the whole match). Regexes are compiled ASCII-only (`\w`, `\s`, `\b` are
//! ASCII; `.` matches any byte but `\n`), like Go's RE2 used by gitleaks.

use crate::finding::Severity;

/// How a rule is evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RuleKind {
    /// A regex run over the content (after the keyword prefilter).
    Regex,
    /// `KEY=VALUE` lines of dotenv-like files judged by the key's name.
    EnvFile,
    /// `ENV`/`ARG` lines of Dockerfiles judged by the key's name.
    Dockerfile,
    /// `NAME=value` words of shell history lines judged by the name.
    ShellHistory,
    /// Image config Env / Labels / history given to [`crate::Scanner::scan_kv`],
    /// judged by the key's name.
    ConfigKeyName,
    /// Post-processing: an AWS access key id and a secret access key found
    /// within a few lines of each other are reported as one pair.
    AwsPair,
}

/// Extra checks in code for rules whose format a regex cannot pin down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Validator {
    /// base64 of `user:password` (Docker `config.json` `auth`).
    DockerAuth,
    /// base64 of `user:password` in an `Authorization: Basic` header.
    BasicAuth,
    /// The first JWT segment decodes to a JSON object with `alg` or `typ`.
    Jwt,
    /// Generic assignment: the value must not look like code, a path, a
    /// word or an identifier; the key must not be a `*_hash`, `*_file`, ...
    GenericValue,
    /// Password part of `scheme://user:password@host`.
    UrlPassword,
    /// base64 of a PEM block that holds a private key.
    Base64PrivateKey,
}

/// A built-in rule with its test examples.
#[derive(Debug, Clone, Copy)]
pub struct BuiltinRule {
    /// Stable id, e.g. `github-pat`.
    pub id: &'static str,
    /// Human title.
    pub title: &'static str,
    /// Severity of a finding.
    pub severity: Severity,
    /// How the rule runs.
    pub kind: RuleKind,
    /// Lower-case keywords; the regex runs only when one occurs in the
    /// content (ASCII case-insensitive). Empty: the rule needs a `path` match
    /// instead (or is not a regex rule).
    pub keywords: &'static [&'static str],
    /// The regex (empty for non-regex kinds).
    pub regex: &'static str,
    /// Minimum Shannon entropy (bits/byte) of the secret.
    pub entropy: Option<f64>,
    /// Path regex: the rule only runs on matching paths.
    pub path: Option<&'static str>,
    /// Regexes on the secret that make a match not a finding.
    pub allow: &'static [&'static str],
    /// Overlap priority: when spans of two findings overlap, the one with the
    /// higher priority wins (0 generic, 1 vendor format, 2 file/context
    /// specific, 3 composite).
    pub priority: u8,
    /// Extra check in code.
    pub validator: Option<Validator>,
    /// Heuristic rule that does not run inside third-party package trees
    /// (see [`crate::allow::PACKAGE_TREE_PATHS`]): their docs and examples are
    /// full of sample passwords and URLs. Vendor-format rules still run there.
    pub skip_in_packages: bool,
    /// A match may span lines. Other keyword rules only run on the lines that
    /// hold one of their keywords (merged into windows), not on the whole file.
    pub multiline: bool,
    /// Texts that must give a finding of this rule.
    pub examples_positive: &'static [&'static str],
    /// Texts that must give no finding of this rule.
    pub examples_negative: &'static [&'static str],
    /// Path under which the examples are scanned.
    pub example_path: &'static str,
}

const BASE: BuiltinRule = BuiltinRule {
    id: "",
    title: "",
    severity: Severity::High,
    kind: RuleKind::Regex,
    keywords: &[],
    regex: "",
    entropy: None,
    path: None,
    allow: &[],
    priority: 1,
    validator: None,
    skip_in_packages: false,
    multiline: false,
    examples_positive: &[],
    examples_negative: &[],
    example_path: "/app/settings.txt",
};

/// `NAME... = value` where the value has the given format; `NAME` is a
/// case-insensitive alternation, the value is case-sensitive.
macro_rules! assign {
    ($names:literal, $value:literal) => {
        concat!(
            r#"(?i)(?:"#,
            $names,
            r#")[A-Za-z0-9_.\-]{0,25}?["']?[ \t]*(?:=|:=|:|=>|,)[ \t]*["'`]?(?P<secret>(?-i:"#,
            $value,
            r#"))(?:[^A-Za-z0-9_\-+/=]|\z)"#
        )
    };
}

/// PEM block of the given type with a base64 body of at least 64 chars
/// (literal `\n` escapes allowed, as in JSON or env values).
macro_rules! pem {
    ($t:literal) => {
        concat!(
            "-----BEGIN ",
            $t,
            r#"-----(?:\s|\\[rn])*(?P<secret>[A-Za-z0-9+/=](?:[A-Za-z0-9+/=:,. \t\r\n\-]|\\[rn]){63,}?)(?:\s|\\[rn])*-----END "#,
            $t,
            "-----"
        )
    };
}

/// Token end: not followed by another token character.
macro_rules! end {
    () => {
        r"(?:[^A-Za-z0-9_\-]|\z)"
    };
}

/// All built-in rules, most specific first (earlier rules win ties).
pub static BUILTIN_RULES: &[BuiltinRule] = &[
    // ------------------------------------------------------------------ AWS
    BuiltinRule {
        id: "aws-access-key-pair",
        title: "AWS access key pair (access key id + secret access key)",
        severity: Severity::Critical,
        kind: RuleKind::AwsPair,
        priority: 3,
        examples_positive: &[concat!(
            "AWS_ACCESS_KEY_ID=AKIA",
            "7AWFNLGNXLVBXEXL",
            "\n",
            "AWS_SECRET_ACCESS_KEY=",
            "Wb7ZzaLIu/fzkcHyXzCqbig5ED9J+uaDTxQxEpem",
            "\n"
        )],
        examples_negative: &[
            concat!("AWS_ACCESS_KEY_ID=AKIA", "WID6TPBRON2RP2RP", "\n"),
            concat!(
                "AWS_ACCESS_KEY_ID=AKIA",
                "KLD2HYVTS5EG2YW3",
                "\n",
                "x\n",
                "x\n",
                "x\n",
                "x\n",
                "x\n",
                "x\n",
                "x\n",
                "x\n",
                "AWS_SECRET_ACCESS_KEY=",
                "G142Sj/P1bOisNCv5cB/TBj0RbX7yuofD2O/dlhp",
                "\n"
            ),
        ],
        ..BASE
    },
    BuiltinRule {
        id: "aws-access-key-id",
        title: "AWS access key id",
        keywords: &["akia", "asia", "abia", "acca", "a3t"],
        regex: r"\b(?P<secret>(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})\b",
        entropy: Some(3.0),
        examples_positive: &[
            concat!("key_id: AKIA", "OTCQY466TBEQGDFQ"),
            concat!("ASIA", "OVWJLRB3Y6QC6MCR"),
        ],
        examples_negative: &["AKIAIOSFODNN7EXAMPLE", "AKIA1234", "XAKIAABCDEFGHIJKLMNOP2"],
        allow: &[r"EXAMPLE$"],
        ..BASE
    },
    BuiltinRule {
        id: "aws-secret-access-key",
        title: "AWS secret access key",
        severity: Severity::Critical,
        keywords: &[
            "secret_access_key",
            "secretaccesskey",
            "secret-access-key",
            "aws_secret",
            "aws-secret",
            "awssecret",
            "aws.secret",
        ],
        regex: r#"(?i)(?:aws[_.\-]?secret[_.\-]?(?:access[_.\-]?)?key|secret[_.\-]?access[_.\-]?key)["']?(?:[ \t]*(?:=|:=|:|=>)[ \t]*|[ \t]+)["']?(?P<secret>(?-i:[A-Za-z0-9/+]{40}))(?:[^A-Za-z0-9/+=]|\z)"#,
        entropy: Some(3.0),
        examples_positive: &[
            concat!(
                "aws_secret_access_key = ",
                "ifgkNiatTJ77Y0TfOiQkZZhS8dVVIfzEABqrRSkq"
            ),
            concat!(
                "aws configure set aws_secret_access_key ",
                "Wb7ZzaLIu/fzkcHyXzCqbig5ED9J+uaDTxQxEpem"
            ),
            concat!(
                "{\"SecretAccessKey\": \"",
                "LeGUh7WopjGgUE5hKvH6XMOTdkfLBQUMekwukDZ+",
                "\"}"
            ),
        ],
        examples_negative: &[
            "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY}",
            "aws_secret_access_key = short",
        ],
        allow: &[r"EXAMPLEKEY$"],
        ..BASE
    },
    BuiltinRule {
        id: "aws-session-token",
        title: "AWS session token",
        keywords: &[
            "session_token",
            "sessiontoken",
            "session-token",
            "x-amz-security-token",
        ],
        regex: r#"(?i)(?:aws[_.\-]?session[_.\-]?token|x-amz-security-token|SessionToken)["']?[ \t]*(?:=|:=|:|=>)[ \t]*["']?(?P<secret>(?-i:[A-Za-z0-9/+=]{100,}))"#,
        entropy: Some(4.0),
        examples_positive: &[concat!(
            "aws_session_token = IQoJb3JpZ2luX2Vj",
            "qGtwjyclvwp95YQhLf35w0e0t0ctqOYqlNUBlU13K4TkFPfRFXzw3994mbGsRfoJYKZUr/nooN736W8nPQ4mopuJnuMS/3XoWnfaemwMgsZCI+9lhrtKyx2k3S5Fa8Ia4UnsphTd1XPosN1Lwjb5TtJcDg/oyeS275PHGsw09B4CJCSmANks"
        )],
        examples_negative: &["aws_session_token = ${AWS_SESSION_TOKEN}"],
        ..BASE
    },
    BuiltinRule {
        id: "aws-bedrock-api-key",
        title: "Amazon Bedrock long-term API key",
        keywords: &["absk"],
        regex: concat!(r"\b(?P<secret>ABSK[A-Za-z0-9+/]{109,}={0,2})", end!()),
        entropy: Some(4.0),
        examples_positive: &[concat!(
            "ABSK",
            "QmVkcm9ja0FQSUtleS",
            "PtYgjmUhBel31iEl2hpChYgCfrL1spNxnyVmihA/2O76UMFxFkM/R5Kjp1vRt+1fjORS/6ilI8ihN5KXSc7Tvo/hBKqFYY/kv5ZJ"
        )],
        examples_negative: &["ABSKshort"],
        ..BASE
    },
    BuiltinRule {
        id: "amazon-mws-auth-token",
        title: "Amazon MWS auth token",
        keywords: &["amzn.mws."],
        regex: r"amzn\.mws\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        examples_positive: &[concat!("amzn.mws.", "5cc1b8b0-b33e-a8e2-e173-b2305abb901f")],
        examples_negative: &["amzn.mws.1234"],
        ..BASE
    },
    // ------------------------------------------------------- Google / GCP
    BuiltinRule {
        id: "gcp-service-account",
        title: "GCP service account key (JSON with private_key)",
        severity: Severity::Critical,
        priority: 2,
        keywords: &["service_account"],
        regex: r#""type"\s*:\s*"service_account"[^{}]*?"private_key"\s*:\s*"-----BEGIN [A-Z ]*PRIVATE KEY-----(?:\\n)?(?P<secret>[^"]{64,})"|"private_key"\s*:\s*"-----BEGIN [A-Z ]*PRIVATE KEY-----(?:\\n)?([^"]{64,})"[^{}]*?"type"\s*:\s*"service_account""#,
        examples_positive: &[concat!(
            "{\"type\": \"service_account\", \"project_id\": \"fake-proj\", \"private_key_id\": \"",
            "453aaa8c74a0448904e10c6f69b2db49bb3fac58",
            "\", \"private_key\": \"-----BEGIN PRIVATE ",
            "KEY-----\\n",
            "BXBVIXIQZB12XximzTNcF7/vwR7j3uPy9rDSFOhMRea19k2QImwZIbHwEI2yi08t",
            "\\n",
            "1NWNm0pR7ijVuXRY/tfKT9YPjQ/QzXtNSVsmlCSeY2oneQrj9AonJQpZN/ZfHDv5",
            "\\n-----END PRIVATE KEY-----\\n\", \"client_email\": \"x@fake-proj.iam.gserviceaccount.com\"}"
        )],
        examples_negative: &[
            "{\"type\": \"service_account\", \"project_id\": \"fake-proj\", \"private_key\": \"\"}",
            "{\"type\": \"authorized_user\", \"client_id\": \"fake\"}",
        ],
        example_path: "/app/sa.json",
        multiline: true,
        ..BASE
    },
    BuiltinRule {
        id: "google-ai-studio-api-key",
        title: "Google AI Studio / Gemini API key",
        priority: 2,
        keywords: &[
            "google_api_key",
            "google-api-key",
            "gemini_api_key",
            "gemini-api-key",
            "genai_api_key",
            "genai.configure",
        ],
        regex: r#"(?i)(?:google[_.\-]?api[_.\-]?key|gemini[_.\-]?api[_.\-]?key|google[_.\-]?genai[_.\-]?api[_.\-]?key|genai\.configure\(\s*api_key)["']?[ \t]*(?:=|:=|:|=>)?[ \t]*["']?(?P<secret>(?-i:AIza[0-9A-Za-z_\-]{35}))"#,
        entropy: Some(3.5),
        examples_positive: &[
            concat!("GEMINI_API_KEY=AIza", "OaW3FMKMH6nEbtBTuav7EoZOZX8mh6EKqWw"),
            concat!(
                "genai.configure(api_key=\"AIza",
                "V83uzyzkutBIOuIzsqLDt37-wsz-f-MZgap",
                "\")"
            ),
        ],
        examples_negative: &["GOOGLE_API_KEY=AIzaSyabcdefghijklmnopqrstuvwxyz1234567"],
        ..BASE
    },
    BuiltinRule {
        id: "gcp-api-key",
        title: "Google API key",
        keywords: &["aiza"],
        regex: concat!(r"\b(?P<secret>AIza[0-9A-Za-z_\-]{35})", end!()),
        entropy: Some(3.5),
        examples_positive: &[concat!("key=AIza", "TvSxyc9M3uv4sNcxagHph1lZ3F_IXH_Z6lG")],
        examples_negative: &["AIzaSyabcdefghijklmnopqrstuvwxyz1234567", "AIzaShort"],
        ..BASE
    },
    BuiltinRule {
        id: "google-oauth-client-secret",
        title: "Google OAuth client secret",
        keywords: &["gocspx-"],
        regex: concat!(r"\b(?P<secret>GOCSPX-[A-Za-z0-9_\-]{28})", end!()),
        examples_positive: &[concat!(
            "\"client_secret\": \"GOCSPX-",
            "ArxxBF8P85ejA-yl_8BgDx6iz6GB",
            "\""
        )],
        examples_negative: &["GOCSPX-short"],
        ..BASE
    },
    BuiltinRule {
        id: "google-oauth-refresh-token",
        title: "Google OAuth refresh token (gcloud application default credentials)",
        keywords: &["1//0"],
        regex: r"(?:^|[^A-Za-z0-9_\-/])(?P<secret>1//0[A-Za-z0-9_\-]{40,})",
        entropy: Some(3.5),
        examples_positive: &[concat!(
            "{\"client_id\": \"fake.apps.googleusercontent.com\", \"refresh_token\": \"1//0",
            "GAJ7Wx98vjE6boQ-jQaJbO0HvrgYegRDLu4h1Dyo_vIJUjzwTkoqrtleWvTDuRgR3yNwos-bDWmE4kuv4VGOfYcMuqbKLLp",
            "\", \"type\": \"authorized_user\"}"
        )],
        examples_negative: &["see https://example.invalid/1//0 for details"],
        example_path: "/root/.config/gcloud/application_default_credentials.json",
        ..BASE
    },
    BuiltinRule {
        id: "google-oauth-access-token",
        title: "Google OAuth access token",
        severity: Severity::Medium,
        keywords: &["ya29."],
        regex: concat!(r"\b(?P<secret>ya29\.[0-9A-Za-z_\-]{30,})", end!()),
        entropy: Some(3.5),
        examples_positive: &[concat!(
            "Authorization: Bearer ya29.",
            "2b-hhNqP4UF6LzvQ5AifTtlSEeidY5djUo-5uwconHLq76Ywo43-AXDlqVjFeiAu7Hh5AtKvm3mFVcpcn8KD4stE9weyzNcbaGbJqbH2hMtr9LDxCDnJcJGs"
        )],
        examples_negative: &["ya29.short"],
        ..BASE
    },
    BuiltinRule {
        id: "firebase-cloud-messaging-server-key",
        title: "Firebase Cloud Messaging server key",
        keywords: &[":apa91b"],
        regex: concat!(
            r"\b(?P<secret>AAAA[A-Za-z0-9_\-]{7}:APA91b[A-Za-z0-9_\-]{134})",
            end!()
        ),
        examples_positive: &[concat!(
            "AAAA",
            "1r5YKOx",
            ":APA91b",
            "95wkQPunWHadCoLx7QMEe7IUgzgy4fLaotBczVU9SkRCXryVdgdKudYXr11Xhhrt9HrccjTfimSRgR5ISVYRbEW1qsrT6UCsjePNU64ouTtU7uo5IIMvuATgUf4uomCLy6FR2Z"
        )],
        examples_negative: &["AAAAabcdefg:APA91bshort"],
        ..BASE
    },
    // ---------------------------------------------------------------- Azure
    BuiltinRule {
        id: "azure-storage-connection-string",
        title: "Azure storage account key in a connection string",
        severity: Severity::Critical,
        keywords: &["accountkey="],
        regex: r"(?i)AccountKey=(?P<secret>(?-i:[A-Za-z0-9+/]{86}==))",
        examples_positive: &[concat!(
            "DefaultEndpointsProtocol=https;AccountName=fakeacct;AccountKey=",
            "r2N01CE9dBYYp6b4QKiTg4s/wyzU9xgZt1/yToXANj0lnOAEAstSwzrviBfKxsPbqYXIxse6yONe22uR8CxkPp",
            "==;EndpointSuffix=core.windows.net"
        )],
        examples_negative: &[
            "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;",
        ],
        ..BASE
    },
    BuiltinRule {
        id: "azure-storage-account-key",
        title: "Azure storage account key",
        severity: Severity::Critical,
        keywords: &[
            "azure_storage",
            "azure-storage",
            "azurestorage",
            "storage_account_key",
            "storageaccountkey",
            "storage-account-key",
        ],
        regex: assign!(
            r"azure[_.\-]?storage[_.\-]?(?:account[_.\-]?)?(?:access[_.\-]?)?key|storage[_.\-]?account[_.\-]?key",
            r"[A-Za-z0-9+/]{86}=="
        ),
        examples_positive: &[concat!(
            "AZURE_STORAGE_KEY=",
            "ZFQbRwyL11AoXVJPptMqVGK7y2X16odQmO71hNa7S3LUgvhtp8MRPeU358kyfAJE3yK0DCZbcWQfPaiW7MX7Sk",
            "=="
        )],
        examples_negative: &["AZURE_STORAGE_KEY=${KEY}"],
        ..BASE
    },
    BuiltinRule {
        id: "azure-sas-token",
        title: "Azure shared access signature",
        keywords: &["sig="],
        regex: r#"(?i)[?&]sv=\d{4}-\d{2}-\d{2}&[^\s"'<>]*?\bsig=(?P<secret>(?-i:[A-Za-z0-9%+/]{30,}(?:%3D|=)?))"#,
        entropy: Some(3.5),
        examples_positive: &[concat!(
            "https://fakeacct.blob.core.windows.net/c/b.bin?sv=2022-11-02&ss=b&srt=o&sp=r&se=2030-01-01T00:00:00Z&sig=",
            "4i0B3JrTAwR4y9ojfljoQoaF1LlqsajAIxNKu8iS2G8",
            "%3D"
        )],
        examples_negative: &["https://fakeacct.blob.core.windows.net/c/b.bin?sig=abc"],
        ..BASE
    },
    BuiltinRule {
        id: "azure-ad-client-secret",
        title: "Azure AD / Entra ID client secret",
        keywords: &["q~"],
        regex: r#"(?:^|[\\'"`\s>=:(,])(?P<secret>[A-Za-z0-9_~.]{3}\dQ~[A-Za-z0-9_~.\-]{31,34})(?:\z|[\\'"`\s<),])"#,
        entropy: Some(3.0),
        examples_positive: &[concat!(
            "AZURE_CLIENT_SECRET=",
            "2Ms",
            "8Q~",
            "R6d2msdacPoPNmdjlGgwsDtXE8ZZVxEr5z",
            "\n"
        )],
        examples_negative: &["value=abc8Q~short\n"],
        ..BASE
    },
    BuiltinRule {
        id: "azure-service-bus-shared-access-key",
        title: "Azure Service Bus / Event Hubs / IoT Hub shared access key",
        keywords: &["sharedaccesskey="],
        regex: r"(?i)SharedAccessKey=(?P<secret>(?-i:[A-Za-z0-9+/]{43}=))",
        examples_positive: &[concat!(
            "Endpoint=sb://fake.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=",
            "y8lYr5BkdL/dzdiLj/qvoh4Dz0JwvttGFe0aTYK+xt9",
            "="
        )],
        examples_negative: &["SharedAccessKey=<key>"],
        ..BASE
    },
    BuiltinRule {
        id: "azure-openai-api-key",
        title: "Azure OpenAI API key",
        keywords: &["azure_openai", "azure-openai", "azureopenai"],
        regex: assign!(
            r"azure[_.\-]?openai[_.\-]?(?:api[_.\-]?)?key",
            r"[a-f0-9]{32}|[A-Za-z0-9]{84}"
        ),
        entropy: Some(3.0),
        examples_positive: &[concat!(
            "AZURE_OPENAI_API_KEY=",
            "beac007eda8f55a6102c9898baf0a0bb"
        )],
        examples_negative: &["AZURE_OPENAI_API_KEY=<your-key>"],
        ..BASE
    },
    BuiltinRule {
        id: "azure-devops-pat",
        title: "Azure DevOps personal access token",
        keywords: &[
            "azure_devops",
            "azure-devops",
            "azuredevops",
            "azdo",
            "ado_token",
            "ado_pat",
            "vsts",
        ],
        regex: assign!(
            r"azure[_.\-]?devops[A-Za-z0-9_.\-]{0,12}(?:token|pat)|azdo[_.\-]?(?:token|pat)|ado[_.\-]?(?:token|pat)|vsts[_.\-]?(?:token|pat)",
            r"[a-z2-7]{52}|[A-Za-z0-9]{84}"
        ),
        entropy: Some(3.5),
        examples_positive: &[concat!(
            "AZURE_DEVOPS_PAT=",
            "q7oiaeihksm2rrp474g43yqhjs5zashi2azkotn3yyds4xea6auy"
        )],
        examples_negative: &["AZURE_DEVOPS_PAT=$(System.AccessToken)"],
        ..BASE
    },
    // --------------------------------------------------------------- GitHub
    BuiltinRule {
        id: "github-pat",
        title: "GitHub personal access token (classic)",
        severity: Severity::Critical,
        keywords: &["ghp_"],
        regex: concat!(r"\b(?P<secret>ghp_[A-Za-z0-9]{36})", end!()),
        entropy: Some(3.0),
        examples_positive: &[concat!(
            "GITHUB_TOKEN=ghp_",
            "QX9h9cs51pmI7H2YORO0y58TXsMQVTzpGqeI"
        )],
        examples_negative: &["ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "ghp_short"],
        ..BASE
    },
    BuiltinRule {
        id: "github-fine-grained-pat",
        title: "GitHub fine-grained personal access token",
        severity: Severity::Critical,
        keywords: &["github_pat_"],
        regex: concat!(
            r"\b(?P<secret>github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59})",
            end!()
        ),
        entropy: Some(3.0),
        examples_positive: &[concat!(
            "github_pat_",
            "7GW72liRcRrECkFh19OTyb",
            "_",
            "sYiDBX2MS0yoN4jLJ3dV1pzDk4wSABJJMhWuUNWYuH00If5m1q0THXRCJTe"
        )],
        examples_negative: &["github_pat_short"],
        ..BASE
    },
    BuiltinRule {
        id: "github-oauth-token",
        title: "GitHub OAuth access token",
        keywords: &["gho_"],
        regex: concat!(r"\b(?P<secret>gho_[A-Za-z0-9]{36})", end!()),
        entropy: Some(3.0),
        examples_positive: &[concat!(
            "oauth_token: gho_",
            "lluxxjjSuRi54kUNJKowfzC7GgoE1kvbjIss"
        )],
        examples_negative: &["gho_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"],
        ..BASE
    },
    BuiltinRule {
        id: "github-app-token",
        title: "GitHub App user-to-server or installation token",
        keywords: &["ghu_", "ghs_"],
        regex: concat!(r"\b(?P<secret>(?:ghu|ghs)_[A-Za-z0-9]{36})", end!()),
        entropy: Some(3.0),
        examples_positive: &[
            concat!("ghs_", "80gdHJBj1nHESi5pJozNOVpZxXHEmRdXgS2F"),
            concat!("ghu_", "kY9XZn9qa3qgsRIaB8DtBDXPBFQJrYTtwvhV"),
        ],
        examples_negative: &["ghs_1234"],
        ..BASE
    },
    BuiltinRule {
        id: "github-refresh-token",
        title: "GitHub refresh token",
        keywords: &["ghr_"],
        regex: concat!(r"\b(?P<secret>ghr_[A-Za-z0-9]{36,76})", end!()),
        entropy: Some(3.0),
        examples_positive: &[concat!(
            "ghr_",
            "oUcAlpMlI06NwB2VzNsa7kdxIZ5wFGVXYOwlLPQ5w1uDEqoFGzbw1D3o7Ha7MzhQTdHppWgZKfka"
        )],
        examples_negative: &["ghr_short"],
        ..BASE
    },
    // --------------------------------------------------------------- GitLab
    BuiltinRule {
        id: "gitlab-pat",
        title: "GitLab personal/project/group access token",
        severity: Severity::Critical,
        keywords: &["glpat-"],
        regex: concat!(
            r"\b(?P<secret>glpat-[A-Za-z0-9_\-]{20,300}(?:\.[0-9a-z]{2}\.?[0-9a-z]{7})?)",
            end!()
        ),
        entropy: Some(3.0),
        examples_positive: &[
            concat!("glpat-", "uvldgy6LEVEk6a9fV_3a"),
            concat!(
                "glpat-",
                "N7-3cNcnhLs9TTZqBoKOuIZsIdhNDiCxNZki",
                ".01.",
                "lwm4h3qyg"
            ),
        ],
        examples_negative: &["glpat-xxxxxxxxxxxxxxxxxxxx", "glpat-short"],
        ..BASE
    },
    BuiltinRule {
        id: "gitlab-pipeline-trigger-token",
        title: "GitLab pipeline trigger token",
        keywords: &["glptt-"],
        regex: concat!(r"\b(?P<secret>glptt-[0-9a-f]{40})", end!()),
        examples_positive: &[concat!(
            "glptt-",
            "1af1d3b2157ab40a585474d3ad62285053134750"
        )],
        examples_negative: &["glptt-1234"],
        ..BASE
    },
    BuiltinRule {
        id: "gitlab-runner-token",
        title: "GitLab runner authentication token",
        keywords: &["glrt-"],
        regex: concat!(
            r"\b(?P<secret>glrt-[A-Za-z0-9_\-]{20,300}(?:\.[0-9a-z]{2}\.?[0-9a-z]{7})?)",
            end!()
        ),
        entropy: Some(3.0),
        examples_positive: &[concat!("token = \"glrt-", "5_yAe6Mer5ytplmUlSVm", "\"")],
        examples_negative: &["glrt-short"],
        ..BASE
    },
    BuiltinRule {
        id: "gitlab-runner-registration-token",
        title: "GitLab runner registration token",
        keywords: &["gr1348941"],
        regex: concat!(r"\b(?P<secret>GR1348941[A-Za-z0-9_\-]{20})", end!()),
        entropy: Some(3.0),
        examples_positive: &[concat!("GR1348941", "CkW2-3KcrjYvYZ2Qqt52")],
        examples_negative: &["GR1348941short"],
        ..BASE
    },
    BuiltinRule {
        id: "gitlab-deploy-token",
        title: "GitLab deploy token",
        keywords: &["gldt-"],
        regex: concat!(r"\b(?P<secret>gldt-[A-Za-z0-9_\-]{20,})", end!()),
        entropy: Some(3.0),
        examples_positive: &[concat!("gldt-", "iB_rUTG2oyRPxK2oRQEb")],
        examples_negative: &["gldt-short"],
        ..BASE
    },
    BuiltinRule {
        id: "gitlab-feed-token",
        title: "GitLab feed token",
        severity: Severity::Medium,
        keywords: &["glft-"],
        regex: concat!(r"\b(?P<secret>glft-[A-Za-z0-9_\-]{20})", end!()),
        entropy: Some(3.0),
        examples_positive: &[concat!("glft-", "CzA41ltRqFbXOzVeeHnP")],
        examples_negative: &["glft-short"],
        ..BASE
    },
    BuiltinRule {
        id: "gitlab-cicd-job-token",
        title: "GitLab CI/CD job token",
        severity: Severity::Medium,
        keywords: &["glcbt-"],
        regex: concat!(
            r"\b(?P<secret>glcbt-[0-9a-zA-Z]{1,5}_[0-9a-zA-Z_\-]{20})",
            end!()
        ),
        entropy: Some(3.0),
        examples_positive: &[concat!("glcbt-", "Q5", "_", "TUDnrvNXooLzagUTfu7F")],
        examples_negative: &["glcbt-short"],
        ..BASE
    },
    BuiltinRule {
        id: "gitlab-oauth-app-secret",
        title: "GitLab OAuth application secret",
        keywords: &["gloas-"],
        regex: concat!(r"\b(?P<secret>gloas-[A-Za-z0-9_\-]{64})", end!()),
        examples_positive: &[concat!(
            "gloas-",
            "xqf59_vHnMmaPGDK2GHmdQRZ8FDEzvnr3GZMEF1V0cYRcvpcTs-ZLVn2OHoyQYsd"
        )],
        examples_negative: &["gloas-short"],
        ..BASE
    },
    BuiltinRule {
        id: "gitlab-kubernetes-agent-token",
        title: "GitLab Kubernetes agent token",
        keywords: &["glagent-"],
        regex: concat!(r"\b(?P<secret>glagent-[A-Za-z0-9_\-]{50})", end!()),
        examples_positive: &[concat!(
            "glagent-",
            "7-tdTnUf9rUV74OyVxM1uka7y7ildsS-5K_FvyxzDoIKFP_pUk"
        )],
        examples_negative: &["glagent-short"],
        ..BASE
    },
    BuiltinRule {
        id: "gitlab-scim-token",
        title: "GitLab SCIM token",
        keywords: &["glsoat-"],
        regex: concat!(r"\b(?P<secret>glsoat-[A-Za-z0-9_\-]{20})", end!()),
        examples_positive: &[concat!("glsoat-", "ydAVL5wN2GixOtSwCuP4")],
        examples_negative: &["glsoat-short"],
        ..BASE
    },
    BuiltinRule {
        id: "gitlab-incoming-mail-token",
        title: "GitLab incoming mail token",
        severity: Severity::Medium,
        keywords: &["glimt-"],
        regex: concat!(r"\b(?P<secret>glimt-[A-Za-z0-9_\-]{25})", end!()),
        examples_positive: &[concat!("glimt-", "1GiHY3t1JYcLoxQPYIydVkWao")],
        examples_negative: &["glimt-short"],
        ..BASE
    },
    // -------------------------------------------------- Atlassian / Bitbucket
    BuiltinRule {
        id: "bitbucket-app-password",
        title: "Bitbucket app password",
        keywords: &["atbb"],
        regex: concat!(r"\b(?P<secret>ATBB[A-Za-z0-9]{32})", end!()),
        entropy: Some(3.5),
        examples_positive: &[concat!(
            "BITBUCKET_APP_PASSWORD=ATBB",
            "HzfJre2xW4ua8S6eFX4EJvOuq78YzFVI"
        )],
        examples_negative: &["ATBBshort"],
        ..BASE
    },
    BuiltinRule {
        id: "bitbucket-client-secret",
        title: "Bitbucket OAuth client secret",
        keywords: &["bitbucket"],
        regex: assign!(
            r"bitbucket[A-Za-z0-9_.\-]{0,15}secret",
            r"[A-Za-z0-9=_\-]{32,64}"
        ),
        entropy: Some(3.5),
        examples_positive: &[concat!(
            "BITBUCKET_CLIENT_SECRET=",
            "ClCtOvNzBN8yr6ttZxjtuclSrjcssV2Z"
        )],
        examples_negative: &["BITBUCKET_CLIENT_SECRET=${SECRET}"],
        ..BASE
    },
    BuiltinRule {
        id: "atlassian-api-token",
        title: "Atlassian API token",
        keywords: &["atatt3"],
        regex: concat!(r"\b(?P<secret>ATATT3[A-Za-z0-9_\-=]{186})", end!()),
        entropy: Some(3.5),
        examples_positive: &[concat!(
            "ATATT3",
            "Y7Az0PIx9bIZrS5gSxvVR5c227ajoMC8K3yl0EsqxAhOXJVuS8oaNgbIxxFRmvZSYqtIXbPT04AfkthiAPCrYILvrIOLN0DYge05VfZxtkcxh5UykVVJy5QYJlXXtz7Ctr1LKH3p5kBUePq79vhTHuNvsnafZsW4FiOpHCBpwCwJiNSqKfT0oJ09Ro"
        )],
        examples_negative: &["ATATT3short"],
        ..BASE
    },
    BuiltinRule {
        id: "atlassian-legacy-api-token",
        title: "Atlassian / Jira / Confluence API token (legacy format)",
        severity: Severity::Medium,
        keywords: &["atlassian", "confluence", "jira"],
        regex: assign!(
            r"(?:atlassian|confluence|jira)[A-Za-z0-9_.\-]{0,15}(?:token|api[_.\-]?key)",
            r"[A-Za-z0-9]{24}"
        ),
        entropy: Some(3.5),
        examples_positive: &[concat!("JIRA_API_TOKEN=", "fWYIwy4Q2gNs1NXVH0YgYnMd")],
        examples_negative: &["JIRA_API_TOKEN=${JIRA_TOKEN}"],
        ..BASE
    },
    // ---------------------------------------------------------------- Slack
    BuiltinRule {
        id: "slack-bot-token",
        title: "Slack bot token",
        keywords: &["xoxb-"],
        regex: concat!(
            r"\b(?P<secret>xoxb-[0-9]{10,13}-[0-9]{10,13}-[A-Za-z0-9]{24,34})",
            end!()
        ),
        entropy: Some(3.0),
        examples_positive: &[concat!(
            "SLACK_BOT_TOKEN=xoxb-",
            "732060880986",
            "-",
            "5840714185286",
            "-",
            "e54WQB111PEGXBUIWQAnNV65"
        )],
        examples_negative: &["xoxb-123-456-abc"],
        ..BASE
    },
    BuiltinRule {
        id: "slack-user-token",
        title: "Slack user token",
        keywords: &["xoxp-", "xoxe-"],
        regex: concat!(
            r"\b(?P<secret>xox[pe](?:-[0-9]{10,13}){3}-[A-Za-z0-9\-]{28,34})",
            end!()
        ),
        entropy: Some(3.0),
        examples_positive: &[concat!(
            "xoxp-",
            "680360474465",
            "-",
            "849221031571",
            "-",
            "2713805212599",
            "-",
            "665b068461b1e6b9361d8cc314887737"
        )],
        examples_negative: &["xoxp-1-2-3-abc"],
        ..BASE
    },
    BuiltinRule {
        id: "slack-app-token",
        title: "Slack app-level token",
        keywords: &["xapp-"],
        regex: concat!(
            r"\b(?P<secret>xapp-\d-[A-Za-z0-9]+-\d+-[A-Za-z0-9]{20,})",
            end!()
        ),
        entropy: Some(3.0),
        examples_positive: &[concat!(
            "xapp-1-",
            "X3VO2W6SERR",
            "-",
            "8125204428256",
            "-",
            "d3bfa74b4ddf93803c49c5a2c3897bf1dd1a677b992b9b84e93229338f86052b"
        )],
        examples_negative: &["xapp-1-A-1-short"],
        ..BASE
    },
    BuiltinRule {
        id: "slack-legacy-token",
        title: "Slack legacy token",
        keywords: &["xoxa-", "xoxo-", "xoxr-", "xoxs-"],
        regex: concat!(
            r"\b(?P<secret>xox[aors]-(?:[0-9]+-){0,3}[A-Za-z0-9]{8,48})",
            end!()
        ),
        entropy: Some(3.0),
        examples_positive: &[concat!(
            "xoxs-",
            "8321016126",
            "-",
            "5130175425",
            "-",
            "7773435776",
            "-",
            "412e4412e069d490154bb2b0b2926779294a7984"
        )],
        examples_negative: &["xoxs-"],
        ..BASE
    },
    BuiltinRule {
        id: "slack-config-token",
        title: "Slack configuration access/refresh token",
        keywords: &["xoxe"],
        regex: concat!(
            r"\b(?P<secret>xoxe(?:\.xox[bp])?-\d-[A-Za-z0-9]{140,170})",
            end!()
        ),
        entropy: Some(3.0),
        examples_positive: &[concat!(
            "xoxe.xoxp-1-",
            "zG7kE4psVx6B3Jp7exJ8jR9ai0Vh6pHP5JgCdxUBuchctSxXaGtaLaNELqi4aIUkxCMUotMZkjlde3Z2K4jDkjp6Zmfy3c9LY3TMAKkVm4lGsFAcTmjoLv5PS4pxZelPmOPXwRYLNTXoOoHdoPTUxXqDZ5NHlFhnN9h"
        )],
        examples_negative: &["xoxe.xoxp-1-short"],
        ..BASE
    },
    BuiltinRule {
        id: "slack-webhook-url",
        title: "Slack incoming webhook URL",
        keywords: &["hooks.slack.com"],
        regex: r"hooks\.slack\.com/(?:services|workflows|triggers)/(?P<secret>[A-Za-z0-9+/]{30,90})",
        entropy: Some(3.0),
        examples_positive: &[concat!(
            "https://hooks.slack.com/services/T",
            "GNBMMLZA",
            "/B",
            "CLXAY9VL",
            "/",
            "CGdE6G1BaTTAHNQ4JuMTICSr"
        )],
        examples_negative: &[
            "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
        ],
        allow: &[r"(?i)X{8}"],
        ..BASE
    },
    // ------------------------------------------------------------- Payments
    BuiltinRule {
        id: "stripe-secret-key",
        title: "Stripe live secret key",
        severity: Severity::Critical,
        keywords: &["sk_live_"],
        regex: concat!(r"\b(?P<secret>sk_live_[A-Za-z0-9]{24,247})", end!()),
        entropy: Some(3.0),
        examples_positive: &[concat!(
            "STRIPE_KEY=sk_",
            "live_",
            "jUdGD4B57tSe62asTmE3EKtjLlIqhrcjNHejWmuE2Sa4LBxZuyq18mjJGinXIjMrYzQWvaZzJApHeAIxQiQfdFs0N34RE4q1RqC"
        )],
        examples_negative: &["sk_live_short"],
        ..BASE
    },
    BuiltinRule {
        id: "stripe-restricted-key",
        title: "Stripe live restricted key",
        keywords: &["rk_live_"],
        regex: concat!(r"\b(?P<secret>rk_live_[A-Za-z0-9]{24,247})", end!()),
        entropy: Some(3.0),
        examples_positive: &[concat!(
            "rk_",
            "live_",
            "T6PqUyLbjQ8QvULzPVZNPL2KRIyulRazf6UvyNFqNX7OjsEwV9u9AfVRMIuTc4bJzpAk9PEKBtty7Oo6mfZzIMitG69kFjd8shK"
        )],
        examples_negative: &["rk_live_short"],
        ..BASE
    },
    BuiltinRule {
        id: "stripe-test-secret-key",
        title: "Stripe test-mode secret key",
        severity: Severity::Low,
        keywords: &["sk_test_", "rk_test_"],
        regex: concat!(r"\b(?P<secret>[sr]k_test_[A-Za-z0-9]{24,247})", end!()),
        entropy: Some(3.0),
        examples_positive: &[concat!(
            "sk_",
            "test_",
            "FPwmxcrxh8NBS09LYTR8vnBLnVaR2f9oS6p9VAlJ7ML4qmHiinW8xCGkC9Np5xDD2mm9wXSgltjXisE5Mo4Um5qVmisUGVRBSgS"
        )],
        examples_negative: &["sk_test_short"],
        ..BASE
    },
    BuiltinRule {
        id: "stripe-webhook-secret",
        title: "Stripe webhook signing secret",
        keywords: &["whsec_"],
        regex: concat!(r"\b(?P<secret>whsec_[A-Za-z0-9+/=]{32,})", end!()),
        entropy: Some(3.5),
        examples_positive: &[concat!(
            "STRIPE_WEBHOOK_SECRET=whsec_",
            "Kzr8c5Ad4TJxrviXUI2C2gbOs4w07XXI"
        )],
        examples_negative: &["whsec_short"],
        ..BASE
    },
    BuiltinRule {
        id: "square-access-token",
        title: "Square access token",
        keywords: &["sq0atp-", "square"],
        regex: r#"\b(?P<secret>sq0atp-[A-Za-z0-9_\-]{22,60})|(?i:square)[A-Za-z0-9_.\-]{0,25}?["']?[ \t]*(?:=|:=|:|=>)[ \t]*["']?(EAAA[A-Za-z0-9_\-]{60})(?:[^A-Za-z0-9_\-]|\z)"#,
        entropy: Some(3.5),
        examples_positive: &[
            concat!(
                "SQUARE_ACCESS_TOKEN=EAAA",
                "8OV2Xu5VeRW8sSZRMqC9wtX5jnDEPmSKuteHJXrRK54t5lp1x0zn5NmhlPPz"
            ),
            concat!("sq0atp-", "QDL0Gz72quS5Q1vGOrizE1"),
        ],
        examples_negative: &[
            "EAAAshort",
            concat!(
                "mappings: \"EAAA",
                "qZ8fAkEx7TnW2rLp9VbY3cMd5KsH1jGu4Ne6Q8zfAkEx7TnW2rLp9VbY3cMd5KsH",
                "\""
            ),
        ],
        ..BASE
    },
    BuiltinRule {
        id: "square-oauth-secret",
        title: "Square OAuth secret",
        keywords: &["sq0csp-"],
        regex: concat!(r"\b(?P<secret>sq0csp-[A-Za-z0-9_\-]{43})", end!()),
        examples_positive: &[concat!(
            "sq0csp-",
            "TuGh_-uRm52K48HfdN-VJZ5bPIJ11ZmvPIHTd5lQEBr"
        )],
        examples_negative: &["sq0csp-short"],
        ..BASE
    },
    BuiltinRule {
        id: "braintree-access-token",
        title: "PayPal Braintree production access token",
        severity: Severity::Critical,
        keywords: &["access_token$production$"],
        regex: r"(?P<secret>access_token\$production\$[0-9a-z]{16}\$[0-9a-f]{32})",
        examples_positive: &[concat!(
            "access_token$production$",
            "03shx6dxqcwul8ng",
            "$",
            "2002db4bcc99cb3fe115077121327787"
        )],
        examples_negative: &["access_token$sandbox$abc"],
        ..BASE
    },
    BuiltinRule {
        id: "plaid-access-token",
        title: "Plaid access token",
        keywords: &[
            "access-sandbox-",
            "access-development-",
            "access-production-",
        ],
        regex: r"\b(?P<secret>access-(?:sandbox|development|production)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b",
        examples_positive: &[concat!(
            "access-production-",
            "046dfac0-7c64-f808-28a8-898fab51e044"
        )],
        examples_negative: &["access-production-1234"],
        ..BASE
    },
    BuiltinRule {
        id: "flutterwave-secret-key",
        title: "Flutterwave secret key",
        keywords: &["flwseck"],
        regex: r"\b(?P<secret>FLWSECK(?:_TEST)?-[a-h0-9]{32}-X)",
        examples_positive: &[concat!(
            "FLWSECK",
            "-",
            "10a2b38b1afad7192b916a520573ab10",
            "-X"
        )],
        examples_negative: &["FLWSECK-short-X"],
        ..BASE
    },
    BuiltinRule {
        id: "shippo-api-token",
        title: "Shippo API token",
        keywords: &["shippo_"],
        regex: concat!(
            r"\b(?P<secret>shippo_(?:live|test)_[a-fA-F0-9]{40})",
            end!()
        ),
        examples_positive: &[concat!(
            "shippo_",
            "live_",
            "361c1cf86fc4633a8d99d39ff1cc6beba5193ffc"
        )],
        examples_negative: &["shippo_live_short"],
        ..BASE
    },
    BuiltinRule {
        id: "easypost-api-key",
        title: "EasyPost API key",
        keywords: &["ezak", "eztk"],
        regex: r"\b(?P<secret>EZ[AT]K[A-Za-z0-9]{54})\b",
        entropy: Some(3.5),
        examples_positive: &[concat!(
            "EZAK",
            "0mzKaeYjbG5ibQ4vYT9NlZe3m2Pj6aOx1lQM1jjH4gDwcYP3KXgKy8"
        )],
        examples_negative: &["EZAKshort"],
        ..BASE
    },
    BuiltinRule {
        id: "duffel-api-token",
        title: "Duffel API token",
        keywords: &["duffel_"],
        regex: concat!(
            r"\b(?P<secret>duffel_(?:test|live)_[A-Za-z0-9_=\-]{43})",
            end!()
        ),
        examples_positive: &[concat!(
            "duffel_",
            "live_",
            "32saYwHkiwbHwx5R8U1qS5zB8inPMnrZDGNRr1h0sKo"
        )],
        examples_negative: &["duffel_live_short"],
        ..BASE
    },
    // ----------------------------------------------------------- Messaging
    BuiltinRule {
        id: "twilio-api-key",
        title: "Twilio API key SID",
        keywords: &["twilio"],
        regex: r"(?i)twilio(?s:.){0,80}?\b(?P<secret>(?-i:SK[0-9a-fA-F]{32}))\b",
        entropy: Some(3.0),
        examples_positive: &[concat!(
            "TWILIO_API_KEY=SK",
            "e10bcee476dfec3338968bf22d1aa862"
        )],
        examples_negative: &["TWILIO_API_KEY=SK123"],
        multiline: true,
        ..BASE
    },
    BuiltinRule {
        id: "twilio-auth-token",
        title: "Twilio auth token",
        keywords: &["twilio"],
        regex: assign!(
            r"twilio[A-Za-z0-9_.\-]{0,15}?(?:auth[_.\-]?)?token",
            r"[a-f0-9]{32}"
        ),
        entropy: Some(3.0),
        examples_positive: &[concat!(
            "TWILIO_AUTH_TOKEN=",
            "6db5e91aefcd1c42bfdb8206d9bd0767"
        )],
        examples_negative: &["TWILIO_AUTH_TOKEN=your_auth_token"],
        ..BASE
    },
    BuiltinRule {
        id: "sendgrid-api-key",
        title: "SendGrid API key",
        keywords: &["sg."],
        regex: concat!(
            r"\b(?P<secret>SG\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9_\-]{43})",
            end!()
        ),
        entropy: Some(3.5),
        examples_positive: &[concat!(
            "SENDGRID_API_KEY=SG.",
            "mVG6FDPEB_SCJqGWX7M8ZM",
            ".",
            "1J8px625JjxQF-3q2LARYyoQ6NlmeLp0ar07lZW6dnH"
        )],
        examples_negative: &["SG.short.value"],
        ..BASE
    },
    BuiltinRule {
        id: "mailgun-api-key",
        title: "Mailgun private API key (legacy key- format)",
        keywords: &["key-"],
        regex: r"\b(?P<secret>key-[0-9a-f]{32})\b",
        entropy: Some(3.0),
        examples_positive: &[concat!(
            "MAILGUN_API_KEY=key-",
            "6a3553fa5099446b86e0c2c9c5090911"
        )],
        examples_negative: &["key-00000000000000000000000000000000", "monkey-1234"],
        ..BASE
    },
    BuiltinRule {
        id: "mailgun-api-key-v2",
        title: "Mailgun private API key",
        keywords: &["mailgun"],
        regex: assign!(r"mailgun", r"[a-f0-9]{32}-[a-f0-9]{8}-[a-f0-9]{8}"),
        entropy: Some(3.0),
        examples_positive: &[concat!(
            "MAILGUN_KEY=",
            "589a40197d1a14faf16d745151c9f31f",
            "-",
            "f764e529",
            "-",
            "2909d1a7"
        )],
        examples_negative: &["MAILGUN_KEY=abc"],
        ..BASE
    },
    BuiltinRule {
        id: "mailchimp-api-key",
        title: "Mailchimp API key",
        keywords: &["-us"],
        regex: r"\b(?P<secret>[0-9a-f]{32}-us[0-9]{1,2})\b",
        entropy: Some(3.0),
        examples_positive: &[concat!(
            "MAILCHIMP_KEY=",
            "9161cd25669d1deaa39863c0fbd6baa8",
            "-us21"
        )],
        examples_negative: &["00000000000000000000000000000000-us1"],
        ..BASE
    },
    BuiltinRule {
        id: "brevo-api-key",
        title: "Brevo (Sendinblue) API key",
        keywords: &["xkeysib-"],
        regex: concat!(
            r"\b(?P<secret>xkeysib-[a-f0-9]{64}-[A-Za-z0-9]{16})",
            end!()
        ),
        examples_positive: &[concat!(
            "xkeysib-",
            "261784546ab154e2e2f13574b29dbecdd85b69fc1f4a316e476012af6f51f8bf",
            "-",
            "p57yA6rH6NvgNfUO"
        )],
        examples_negative: &["xkeysib-short"],
        ..BASE
    },
    BuiltinRule {
        id: "discord-bot-token",
        title: "Discord bot token",
        keywords: &["discord"],
        regex: assign!(
            r"discord[A-Za-z0-9_.\-]{0,10}?(?:bot[_.\-]?)?token",
            r"[MNO][A-Za-z0-9_\-]{23,25}\.[A-Za-z0-9_\-]{6}\.[A-Za-z0-9_\-]{27,38}"
        ),
        entropy: Some(3.5),
        examples_positive: &[concat!(
            "DISCORD_BOT_TOKEN=M",
            "3cW0gkzHps8ethWTka5qu9z",
            ".",
            "bft0Ud",
            ".",
            "cTY_APrXG46TRCUSy9RY0klGZ0i"
        )],
        examples_negative: &["DISCORD_BOT_TOKEN=<token>"],
        ..BASE
    },
    BuiltinRule {
        id: "discord-webhook-url",
        title: "Discord webhook URL",
        keywords: &["discord.com/api/webhooks", "discordapp.com/api/webhooks"],
        regex: concat!(
            r"https://(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/[0-9]{17,20}/(?P<secret>[A-Za-z0-9_\-]{60,68})",
            end!()
        ),
        entropy: Some(3.5),
        examples_positive: &[concat!(
            "https://discord.com/api/webhooks/",
            "088063110402572902",
            "/",
            "QziIpfs5Zzd7sq_FMNaNr9uSKo2WB4Vdhg6tnWij_7COMvWJGf82KU84Giut5pI3y7_X"
        )],
        examples_negative: &["https://discord.com/api/webhooks/123/abc"],
        ..BASE
    },
    BuiltinRule {
        id: "telegram-bot-token",
        title: "Telegram bot token",
        keywords: &["telegram", "tg_bot", "bot_token", "bottoken"],
        regex: r#"(?i)(?:telegram|tg[_.\-]?bot|bot[_.\-]?token)[A-Za-z0-9_.\-]{0,20}?["']?[ \t]*(?:=|:=|:|=>)[ \t]*["']?(?P<secret>(?-i:[0-9]{8,10}:AA[A-Za-z0-9_\-]{33}))|api\.telegram\.org/bot([0-9]{8,10}:AA[A-Za-z0-9_\-]{33})"#,
        entropy: Some(3.0),
        examples_positive: &[concat!(
            "TELEGRAM_BOT_TOKEN=",
            "1166396803",
            ":AA",
            "OkfHCLR7cnhlpUN2ATT0oy2_cUi4KsNs7"
        )],
        examples_negative: &["TELEGRAM_BOT_TOKEN=123:AAshort"],
        ..BASE
    },
    BuiltinRule {
        id: "microsoft-teams-webhook",
        title: "Microsoft Teams incoming webhook URL",
        keywords: &["webhookb2"],
        regex: r"https://[a-z0-9\-]+\.webhook\.office\.com/webhookb2/[a-z0-9\-]{36}@[a-z0-9\-]{36}/IncomingWebhook/(?P<secret>[a-z0-9]{32})/[a-z0-9\-]{36}",
        examples_positive: &[concat!(
            "https://fake.webhook.office.com/webhookb2/",
            "c2e4c746-143a-eff6-90c1-962c29e02d26",
            "@",
            "f7d151bb-0c9a-c7c5-45ae-39b817960702",
            "/IncomingWebhook/",
            "6e206457e7f62f64d6fe3f8d15fcd88d",
            "/",
            "59b4a760-34f3-ffa9-6f02-52a46c50b1d9"
        )],
        examples_negative: &["https://fake.webhook.office.com/webhookb2/short"],
        ..BASE
    },
    // ----------------------------------------------- package registries, CI
    BuiltinRule {
        id: "npm-access-token",
        title: "npm access token",
        severity: Severity::Critical,
        keywords: &["npm_"],
        regex: concat!(r"\b(?P<secret>npm_[A-Za-z0-9]{36})", end!()),
        entropy: Some(3.0),
        examples_positive: &[concat!(
            "//registry.npmjs.org/:_authToken=npm_",
            "JiDJCl1OfLzbwbOX3qq3lY2p9aHmLKecHal2"
        )],
        examples_negative: &["npm_config_cache=/tmp/npm"],
        ..BASE
    },
    BuiltinRule {
        id: "npmrc-auth-token",
        title: "npm registry auth token (.npmrc _authToken)",
        keywords: &["_authtoken"],
        regex: r#"(?i)_authToken[ \t]*=[ \t]*["']?(?P<secret>[^\s"']{8,})"#,
        entropy: Some(3.0),
        examples_positive: &[concat!(
            "//npm.fake.example.invalid/:_authToken=",
            "dWK9BNXxoX8mOdYyf519MisLP-guLEkpCQvV8TOH"
        )],
        examples_negative: &["//registry.npmjs.org/:_authToken=${NPM_TOKEN}"],
        example_path: "/root/.npmrc",
        ..BASE
    },
    BuiltinRule {
        id: "npmrc-auth-password",
        title: "npm registry _auth / _password (.npmrc)",
        priority: 2,
        keywords: &["_auth", "_password"],
        path: Some(r"(?:^|/)\.?npmrc$"),
        regex: r#"(?m)^[ \t]*(?:[^\s=]*:)?_(?:auth|password)[ \t]*=[ \t]*["']?(?P<secret>[^\s"']{6,})"#,
        examples_positive: &[concat!(
            "//npm.fake.example.invalid/:_password=",
            "NcjHISZffnZIDeIx2xR1JPPw"
        )],
        examples_negative: &["_auth=${NPM_AUTH}"],
        example_path: "/home/app/.npmrc",
        ..BASE
    },
    BuiltinRule {
        id: "pypi-upload-token",
        title: "PyPI upload token",
        severity: Severity::Critical,
        keywords: &["pypi-ageichlwas5vcmc", "pypi-agendgvzdc5wexbplm9yzw"],
        regex: concat!(
            r"\b(?P<secret>pypi-(?:AgEIcHlwaS5vcmc|AgENdGVzdC5weXBpLm9yZw)[A-Za-z0-9_\-]{50,})",
            end!()
        ),
        entropy: Some(3.0),
        examples_positive: &[concat!(
            "password = pypi-",
            "AgEIcHlwaS5vcmc",
            "UJBuA3X0ZfKYvaMqZaysKHm470ra3uiRJLiefsl7uqymnTfRBOX6qp3enfc_V4kIIpRjT9EIAD50ZjjIJLw3AeN8mMHijGAWCF3jyTXCa9lz4b7yOpzNsGC0"
        )],
        examples_negative: &["pypi-AgEIcHlwaS5vcmcshort"],
        ..BASE
    },
    BuiltinRule {
        id: "pypirc-password",
        title: "Password in .pypirc",
        priority: 2,
        path: Some(r"(?:^|/)\.pypirc$"),
        regex: r"(?m)^[ \t]*password[ \t]*[:=][ \t]*(?P<secret>\S{4,})",
        examples_positive: &[concat!(
            "[pypi]\nusername = fakeuser\npassword = ",
            "c1zzFX6AQGYTG8iu",
            "\n"
        )],
        examples_negative: &["[pypi]\nusername = __token__\npassword = <token>\n"],
        example_path: "/root/.pypirc",
        ..BASE
    },
    BuiltinRule {
        id: "pip-index-credentials",
        title: "Credentials in a pip index URL",
        priority: 2,
        keywords: &["index-url", "index_url", "find-links", "find_links"],
        regex: r#"(?i)(?:index-url|index_url|find-links|find_links)["']?[ \t]*[=: \t][ \t]*["']?[a-z][a-z0-9+.\-]*://[^\s:/@"']+:(?P<secret>[^\s@/"']{3,})@"#,
        examples_positive: &[concat!(
            "[global]\nindex-url = https://fakeuser:",
            "YIGC95tHDDIaMNhS099t",
            "@pypi.fake.example.invalid/simple\n"
        )],
        examples_negative: &[
            "[global]\nindex-url = https://pypi.org/simple\n",
            "extra-index-url = https://user:${PIP_PASSWORD}@pypi.fake.invalid/simple",
        ],
        example_path: "/etc/pip.conf",
        ..BASE
    },
    BuiltinRule {
        id: "rubygems-api-token",
        title: "RubyGems API token",
        keywords: &["rubygems_"],
        regex: concat!(r"\b(?P<secret>rubygems_[a-f0-9]{48})", end!()),
        examples_positive: &[concat!(
            "rubygems_",
            "fad6aa6cbbeb352ebdb3dcded13ac1f6795de0d1b8dad522"
        )],
        examples_negative: &["rubygems_short"],
        ..BASE
    },
    BuiltinRule {
        id: "nuget-api-key",
        title: "NuGet API key",
        keywords: &["oy2"],
        regex: r"\b(?P<secret>oy2[a-z0-9]{43})\b",
        entropy: Some(3.5),
        examples_positive: &[concat!(
            "oy2",
            "uytnz5zwwr8jvthkqfk21o63dh7nhdht0hhbevc63hq"
        )],
        examples_negative: &["oy2short"],
        ..BASE
    },
    BuiltinRule {
        id: "clojars-api-token",
        title: "Clojars deploy token",
        keywords: &["clojars_"],
        regex: r"(?i)\b(?P<secret>CLOJARS_[a-z0-9]{60})\b",
        entropy: Some(3.0),
        examples_positive: &[concat!(
            "CLOJARS_",
            "4f9s28w2lgxdd4oy7lduu3t3zemsui3vunwqbzou79xkdrw8uhpm5s6hmy6q"
        )],
        examples_negative: &["CLOJARS_short"],
        ..BASE
    },
    BuiltinRule {
        id: "jfrog-api-key",
        title: "JFrog Artifactory API key",
        keywords: &["akcp"],
        regex: r"\b(?P<secret>AKCp[A-Za-z0-9]{69})\b",
        entropy: Some(4.0),
        examples_positive: &[concat!(
            "AKCp",
            "iFdJ3mZtAYDRnZfnric5vyndpmjTXKaxCN6qTeRxpQDbJbSFf72zicznN53FM92MNYPxU"
        )],
        examples_negative: &["AKCpshort"],
        ..BASE
    },
    BuiltinRule {
        id: "jfrog-reference-token",
        title: "JFrog Artifactory reference token",
        keywords: &["cmvmdgtu"],
        regex: r"\b(?P<secret>cmVmdGtu[A-Za-z0-9]{56})\b",
        entropy: Some(4.0),
        examples_positive: &[concat!(
            "cmVmdGtu",
            "t1NJMVLL2lLWo7BaHvo0NXQthXZRXJV0HVd7IJALnJQkK2pRYpxMJuJH"
        )],
        examples_negative: &["cmVmdGtushort"],
        ..BASE
    },
    BuiltinRule {
        id: "docker-hub-pat",
        title: "Docker Hub personal or organization access token",
        keywords: &["dckr_pat_", "dckr_oat_"],
        regex: concat!(
            r"\b(?P<secret>dckr_(?:pat|oat)_[A-Za-z0-9_\-]{27,})",
            end!()
        ),
        entropy: Some(3.0),
        examples_positive: &[concat!(
            "DOCKERHUB_TOKEN=dckr_",
            "pat_",
            "zag8-U0z4yEOtVpXe_V2R48F5Ig"
        )],
        examples_negative: &["dckr_pat_short"],
        ..BASE
    },
    BuiltinRule {
        id: "docker-config-auth",
        title: "Registry credentials in Docker config.json (auth)",
        keywords: &["\"auth\""],
        regex: r#""auth"\s*:\s*"(?P<secret>[A-Za-z0-9+/]{6,}={0,2})""#,
        validator: Some(Validator::DockerAuth),
        examples_positive: &[concat!(
            "{\"auths\": {\"registry.fake.invalid\": {\"auth\": \"",
            "ZmFrZXVzZXI6ZmFrZS1QYXNzLTlxWjd3", // fakeuser:fake-Pass-9qZ7w
            "\"}}}"
        )],
        examples_negative: &[
            "{\"auths\": {\"registry.fake.invalid\": {\"auth\": \"bm9jb2xvbmhlcmU=\"}}}",
        ],
        example_path: "/root/.docker/config.json",
        multiline: true,
        ..BASE
    },
    BuiltinRule {
        id: "docker-config-identity-token",
        title: "Registry identity token in Docker config.json",
        keywords: &["identitytoken", "registrytoken"],
        regex: r#""(?:identitytoken|registrytoken)"\s*:\s*"(?P<secret>[^"\s]{16,})""#,
        entropy: Some(3.0),
        examples_positive: &[concat!(
            "{\"auths\": {\"x\": {\"identitytoken\": \"",
            "lhEtSImd3zZt0L_LRRkBHXCj3m3FeP1o9D1rGyUndW47DnN_dTk4T8wFG1h4DlP6",
            "\"}}}"
        )],
        examples_negative: &["{\"identitytoken\": \"\"}"],
        example_path: "/root/.docker/config.json",
        multiline: true,
        ..BASE
    },
    BuiltinRule {
        id: "buildkite-api-token",
        title: "Buildkite user access token",
        keywords: &["bkua_"],
        regex: concat!(r"\b(?P<secret>bkua_[a-f0-9]{40})", end!()),
        examples_positive: &[concat!("bkua_", "e876944ba7fc0d11c6ad6a77fac3b0c0649f921e")],
        examples_negative: &["bkua_short"],
        ..BASE
    },
    BuiltinRule {
        id: "sonarqube-token",
        title: "SonarQube / SonarCloud token",
        keywords: &["sqp_", "squ_", "sqa_"],
        regex: r"\b(?P<secret>sq[pua]_[a-f0-9]{40})\b",
        examples_positive: &[concat!(
            "SONAR_TOKEN=sqp_",
            "390bfa04353d7eb0463158cf98ccc76837b28608"
        )],
        examples_negative: &["sqp_short"],
        ..BASE
    },
    BuiltinRule {
        id: "snyk-api-token",
        title: "Snyk API token",
        keywords: &["snyk"],
        regex: assign!(
            r"snyk[_.\-]?(?:api[_.\-]?|oauth[_.\-]?)?(?:token|key)",
            r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
        ),
        examples_positive: &[concat!(
            "SNYK_TOKEN=",
            "48f52dc2-836e-abd6-b881-47970879fc39"
        )],
        examples_negative: &["SNYK_TOKEN=${{ secrets.SNYK_TOKEN }}"],
        ..BASE
    },
    BuiltinRule {
        id: "octopus-deploy-api-key",
        title: "Octopus Deploy API key",
        keywords: &["api-"],
        regex: r"\b(?P<secret>API-[A-Z0-9]{26})\b",
        entropy: Some(3.0),
        examples_positive: &[concat!(
            "OCTOPUS_API_KEY=API-",
            "34C4WF77I30R9WY9UV5Q906DB4"
        )],
        examples_negative: &["API-REFERENCE"],
        ..BASE
    },
    BuiltinRule {
        id: "harness-api-key",
        title: "Harness personal or service account token",
        keywords: &["pat.", "sat."],
        regex: r"\b(?P<secret>(?:pat|sat)\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9]{24}\.[A-Za-z0-9]{20})\b",
        examples_positive: &[concat!(
            "pat",
            ".",
            "PswYfW5g3x84ZCWKVfJgsG",
            ".",
            "Yh7yODAvO8NoGHb703UTH3SB",
            ".",
            "oa0esuaFMqMKkSqwFMzG"
        )],
        examples_negative: &["pat.short.x.y"],
        ..BASE
    },
    BuiltinRule {
        id: "sourcegraph-access-token",
        title: "Sourcegraph access token",
        keywords: &["sgp_"],
        regex: r"\b(?P<secret>sgp_(?:[a-f0-9]{16}|local)_[a-f0-9]{40})\b",
        examples_positive: &[concat!(
            "sgp_",
            "73e36c774467f010",
            "_",
            "5faa15e573ba3ab15ee96f3f59edc5f350b2ce85"
        )],
        examples_negative: &["sgp_short"],
        ..BASE
    },
    BuiltinRule {
        id: "infracost-api-token",
        title: "Infracost API token",
        severity: Severity::Medium,
        keywords: &["ico-"],
        regex: r"\b(?P<secret>ico-[A-Za-z0-9]{32})\b",
        entropy: Some(3.0),
        examples_positive: &[concat!(
            "INFRACOST_API_KEY=ico-",
            "JZ1mICyP6hdLuHFqs3iSrhMdGq0h9bqL"
        )],
        examples_negative: &["ico-short"],
        ..BASE
    },
    BuiltinRule {
        id: "postman-api-key",
        title: "Postman API key",
        keywords: &["pmak-"],
        regex: r"\b(?P<secret>PMAK-[a-f0-9]{24}-[a-f0-9]{34})\b",
        examples_positive: &[concat!(
            "PMAK-",
            "24b193aca0d68cf66d93d2a1",
            "-",
            "06d0aa74ebf062ac12ae38d5e2cf30f840"
        )],
        examples_negative: &["PMAK-short"],
        ..BASE
    },
    BuiltinRule {
        id: "readme-api-key",
        title: "ReadMe API key",
        keywords: &["rdme_"],
        regex: concat!(r"\b(?P<secret>rdme_[a-z0-9]{70})", end!()),
        examples_positive: &[concat!(
            "rdme_",
            "5u1eb3tr341umipzesqsnus43ajhok2kt131pd7ob0uxxdlggy0zsx497w6ll8wk69hnni"
        )],
        examples_negative: &["rdme_short"],
        ..BASE
    },
    BuiltinRule {
        id: "typeform-api-token",
        title: "Typeform personal token",
        keywords: &["tfp_"],
        regex: r"\b(?P<secret>tfp_[A-Za-z0-9_\-.=]{59})",
        examples_positive: &[concat!(
            "tfp_",
            "5WefKsLKOYTOR9Na43YXP-ydBF4DNJD90tKi2JWRbTzXkZK3B6nkRrsaaZJ"
        )],
        examples_negative: &["tfp_short"],
        ..BASE
    },
    // -------------------------------------------------------- private keys
    BuiltinRule {
        id: "private-key-rsa",
        title: "RSA private key",
        severity: Severity::Critical,
        keywords: &["-----begin rsa private key"],
        regex: pem!("RSA PRIVATE KEY"),
        entropy: Some(4.0),
        examples_positive: &[concat!(
            "-----BEGIN RSA PRIVATE ",
            "KEY-----\n",
            "XSPduptErMOaNSkK75KMec7m76MOJJaTJqGhtugxHRUzpixtBjg8ZE/ycgZMIpuF\n",
            "5tUgRxTWqZ63E/WNXgjMaBeWdPkLFInXiOsPCzi72M8TZ0Yr4sdnuZb/eRXxr1Na\n",
            "eMLTEz59+Pk/ETQw+AmSSQY6\n",
            "-----END RSA PRIVATE KEY-----\n"
        )],
        examples_negative: &[
            "PEM_HEADER = b\"-----BEGIN RSA PRIVATE KEY-----\"\nPEM_FOOTER = b\"-----END RSA PRIVATE KEY-----\"\n",
            "-----BEGIN RSA PRIVATE KEY-----\nMIIE...\n-----END RSA PRIVATE KEY-----\n",
        ],
        example_path: "/root/.ssh/id_rsa",
        multiline: true,
        ..BASE
    },
    BuiltinRule {
        id: "private-key-ec",
        title: "EC private key",
        severity: Severity::Critical,
        keywords: &["-----begin ec private key"],
        regex: pem!("EC PRIVATE KEY"),
        entropy: Some(4.0),
        examples_positive: &[concat!(
            "-----BEGIN EC PRIVATE ",
            "KEY-----\n",
            "j21XeqXiRNz5ivAHLXQTiFLFjd2145PeStAkbPrXT7iuoDXw7+CYMsMl71mTZ29S\n",
            "2mOsgG8yJqS+oZKtU1hXDAM7MMC6RmQvWP7JzYoOCYkbaTfOopLI3pJ4\n",
            "-----END EC PRIVATE KEY-----\n"
        )],
        examples_negative: &["-----BEGIN EC PRIVATE KEY-----\n-----END EC PRIVATE KEY-----\n"],
        example_path: "/app/certs/server.key",
        multiline: true,
        ..BASE
    },
    BuiltinRule {
        id: "private-key-dsa",
        title: "DSA private key",
        severity: Severity::Critical,
        keywords: &["-----begin dsa private key"],
        regex: pem!("DSA PRIVATE KEY"),
        entropy: Some(4.0),
        examples_positive: &[concat!(
            "-----BEGIN DSA PRIVATE ",
            "KEY-----\n",
            "kY1ZQNHd+cKGe5ftieL+I4j/6OVbf4mIzPtRb1GPEFEiQP64l+PougyUwroA4SWh\n",
            "4ToZXqtUNZvrhVC5rw2cP1063OUxRjPJTjwRwR1+OJofjBBcqhdsPbcFiglSP5x4\n",
            "-----END DSA PRIVATE KEY-----\n"
        )],
        examples_negative: &[
            "-----BEGIN DSA PRIVATE KEY-----\n....\n-----END DSA PRIVATE KEY-----\n",
        ],
        example_path: "/root/.ssh/id_dsa",
        multiline: true,
        ..BASE
    },
    BuiltinRule {
        id: "private-key-openssh",
        title: "OpenSSH private key",
        severity: Severity::Critical,
        keywords: &["-----begin openssh private key"],
        regex: pem!("OPENSSH PRIVATE KEY"),
        entropy: Some(4.0),
        examples_positive: &[concat!(
            "-----BEGIN OPENSSH PRIVATE ",
            "KEY-----\n",
            "b3BlbnNzaC1rZXktdjEAAAAA",
            "WL0yAaax3RG5xCZ9JKmggmoV6saD09GV+BPnWOaX\n",
            "T8QmWkFo2WZg4epW1fM+bLCYY9SFjcr35lkRdPQAgpK4F1sY8UNK9b3eNJ/DAFCmR7fb0M\n",
            "QtMYVe4S6WBGjcHSeYQKRhJEOl0N0Wx+x+OozBXXOyDIMrXr07ymEzWB0xFaz8KN/5yGw5\n",
            "-----END OPENSSH PRIVATE KEY-----\n"
        )],
        examples_negative: &["ssh-keygen writes -----BEGIN OPENSSH PRIVATE KEY----- blocks"],
        example_path: "/home/dev/.ssh/id_ed25519",
        multiline: true,
        ..BASE
    },
    BuiltinRule {
        id: "private-key-pkcs8",
        title: "PKCS#8 private key",
        severity: Severity::Critical,
        keywords: &["-----begin private key"],
        regex: pem!("PRIVATE KEY"),
        entropy: Some(4.0),
        examples_positive: &[
            concat!(
                "-----BEGIN PRIVATE ",
                "KEY-----\n",
                "CjK8YHq9st+rc7VUaEi3hbFtzpd9z6WM2olu06xyyQPLLe62ruk8a/djCIHNtrGL\n",
                "/NKOVE+6RpYIA6rUe0x0G5VSp78sAj5p1V0UF9Azd+7JIElLij8pHADz9vNYnBt0\n",
                "-----END PRIVATE KEY-----\n"
            ),
            concat!(
                "TLS_KEY=\"-----BEGIN PRIVATE ",
                "KEY-----\\n",
                "jiQIkwOexoBitZG6thrjG9BJjfDO9FwGCs4UorpoOpZT5Z3GtyuYaqFXSM0kyCNI\\n",
                "X542pzk5BZuvrK2vIdVO0YFcsljgXdshYcAa7bbHni24/6T3NQkkRE9LIBfZtJdk\\n",
                "-----END PRIVATE KEY-----\\n\""
            ),
        ],
        examples_negative: &[
            "if line == \"-----BEGIN PRIVATE KEY-----\": start()\nelif line == \"-----END PRIVATE KEY-----\": stop()\n",
        ],
        example_path: "/app/tls/key.pem",
        multiline: true,
        ..BASE
    },
    BuiltinRule {
        id: "private-key-encrypted",
        title: "Encrypted PKCS#8 private key",
        severity: Severity::Medium,
        keywords: &["-----begin encrypted private key"],
        regex: pem!("ENCRYPTED PRIVATE KEY"),
        entropy: Some(4.0),
        examples_positive: &[concat!(
            "-----BEGIN ENCRYPTED PRIVATE ",
            "KEY-----\n",
            "/pH9671DlgQc4wWnbHSKQsVAqp1vuBLZbOO55v9R4Ou4HMBxtMd/n6Kmx9IrNke3\n",
            "bohQFoZFZd+8cFh59LX8GOSEkcuO4bSjjQypWQw9ER+ye7+7xkY7HfiKg6K8XqQS\n",
            "-----END ENCRYPTED PRIVATE KEY-----\n"
        )],
        examples_negative: &["-----BEGIN ENCRYPTED PRIVATE KEY-----\n"],
        example_path: "/app/tls/key.p8",
        multiline: true,
        ..BASE
    },
    BuiltinRule {
        id: "private-key-pgp",
        title: "PGP private key block",
        severity: Severity::Critical,
        keywords: &["-----begin pgp private key block"],
        regex: r#"-----BEGIN PGP PRIVATE KEY BLOCK-----(?:\s|\\[rn])*(?P<secret>[A-Za-z0-9+/=](?:[A-Za-z0-9+/=:,.()@<>_ \t\r\n\-]|\\[rn]){63,}?)(?:\s|\\[rn])*-----END PGP PRIVATE KEY BLOCK-----"#,
        entropy: Some(4.0),
        examples_positive: &[concat!(
            "-----BEGIN PGP PRIVATE ",
            "KEY BLOCK-----\nVersion: GnuPG v2\n\n",
            "1Ik7FXUBgt539epbWCzaqFzvxiREySuOl1d3NDQHrV2ftN9YtMzHnNpzTObvBzH/\n",
            "bkDmdtVBS0e2r4s8AamS4Vlt3kBHv6SBc9kQqPlurnc/SFa7l4BN3YiXEI6hvoaP\n",
            "=",
            "iVv3\n",
            "-----END PGP PRIVATE KEY BLOCK-----\n"
        )],
        examples_negative: &[
            "-----BEGIN PGP PUBLIC KEY BLOCK-----\nmQENBF\n-----END PGP PUBLIC KEY BLOCK-----\n",
        ],
        example_path: "/root/private.asc",
        multiline: true,
        ..BASE
    },
    BuiltinRule {
        id: "private-key-other",
        title: "Private key (other PEM type)",
        severity: Severity::High,
        priority: 0,
        keywords: &["private key-----"],
        regex: r#"-----BEGIN (?:[A-Z0-9]+ )+PRIVATE KEY-----(?:\s|\\[rn])*(?P<secret>[A-Za-z0-9+/=](?:[A-Za-z0-9+/=:,. \t\r\n\-]|\\[rn]){63,}?)(?:\s|\\[rn])*-----END (?:[A-Z0-9]+ )+PRIVATE KEY-----"#,
        entropy: Some(4.0),
        examples_positive: &[concat!(
            "-----BEGIN ED25519 PRIVATE ",
            "KEY-----\n",
            "7tlqpsfXeWviRnjTNapm1Tfu8ZWrpLRYQxFhrljpCryamIUSeeBLZJmWdy7lYeeL\n",
            "dFc4QU9cd22khaYj7h8y\n",
            "-----END ED25519 PRIVATE KEY-----\n"
        )],
        examples_negative: &[
            "-----BEGIN ED25519 PRIVATE KEY-----\nAAAA\n-----END ED25519 PRIVATE KEY-----\n",
        ],
        example_path: "/app/keys/k.pem",
        multiline: true,
        ..BASE
    },
    BuiltinRule {
        id: "private-key-base64",
        title: "Base64-encoded PEM private key (Kubernetes secret, kubeconfig client-key-data, Helm values)",
        severity: Severity::Critical,
        keywords: &["ls0tls1crudjti"],
        regex: r"\b(?P<secret>LS0tLS1CRUdJTi[A-Za-z0-9+/]{60,}={0,2})",
        validator: Some(Validator::Base64PrivateKey),
        examples_positive: &[concat!(
            "    client-key-data: ",
            "LS0tLS1CRUdJTiBSU0EgUFJJ",
            "VkFURSBLRVktLS0tLQpaV3p3REZybEdYbCt6MUJWWEJ0N3dSa2w4T1pmSWEyQVVrN3o3Z1RxQnU0d3dlb2N2ODFrMmxzTmFXUXJaemhCCjRHWnFUOGhxdDBwbXBzTHd3MHNBTy9ER3BVeGpLYmdSQldaUlpYMVZseGVWWjRETkNObk9CRlhMNGs0MUdpTFAKOXFHM0wwdUtXNHlXUnpTYVRMeXZIMUQwU1phb3phTnY0QUgxN0t6Y25OamVoMU1WTHltWVp3SDZRcXE1WDF3VQotLS0tLUVORCBSU0EgUFJJVkFURSBLRVktLS0tLQo="
        )],
        examples_negative: &[concat!(
            "    certificate-authority-data: ",
            "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tClpXendERnJsR1hsK3oxQlZYQnQ3d1JrbDhPWmZJYTJBVWs3ejdnVHFCdTR3d2VvY3Y4MWsybHNOYVdRclp6aEIKNEdacVQ4aHF0MHBtcHNMd3cwc0FPL0RHcFV4aktiZ1JCV1pSWlgxVmx4ZVZaNEROQ05uT0JGWEw0azQxR2lMUAo5cUczTDB1S1c0eVdSelNhVEx5dkgxRDBTWmFvemFOdjRBSDE3S3pjbk5qZWgxTVZMeW1ZWndINlFxcTVYMXdVCi0tLS0tRU5EIENFUlRJRklDQVRFLS0tLS0K"
        )],
        example_path: "/root/.kube/config",
        ..BASE
    },
    BuiltinRule {
        id: "putty-private-key",
        title: "PuTTY private key",
        severity: Severity::Critical,
        keywords: &["putty-user-key-file-"],
        regex: r"PuTTY-User-Key-File-\d+:[^\n]*\n(?:[^\n]*\n){1,14}?Private-Lines:[ \t]*\d+\r?\n(?P<secret>[A-Za-z0-9+/=\r\n]{64,})",
        entropy: Some(4.0),
        examples_positive: &[concat!(
            "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: fake\nPublic-Lines: 2\n",
            "7xnbo5+aliIdyqfZLmB2p///Pum7+WVF9m8uzyganHe030GzCAbhhkvJ1zhauuv3\n",
            "9QkD\n",
            "Private-Lines: 1\n",
            "/pSbeShWW7fwUBFpmZsGSNnoYqQgaET4ajY0hKSu4K5R4zaCvlLmHj5kjiqZBcNF\n",
            "Private-MAC: ",
            "bc846ee24a548a5b0054fd39cd68b1a3c541b1a07cbc18f6256c61749890b97f\n"
        )],
        examples_negative: &["PuTTY-User-Key-File-3: ssh-ed25519\n"],
        example_path: "/root/key.ppk",
        multiline: true,
        ..BASE
    },
    BuiltinRule {
        id: "age-secret-key",
        title: "age encryption secret key",
        severity: Severity::Critical,
        keywords: &["age-secret-key-1"],
        regex: r"(?P<secret>AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58})",
        examples_positive: &[concat!(
            "AGE-SECRET-",
            "KEY-1",
            "4LD2PK95SVUWTU02R706M0XCA85NZMPRJH8W8HLSUVU8MKT2QS9550QGF9"
        )],
        examples_negative: &["AGE-SECRET-KEY-1SHORT"],
        ..BASE
    },
    BuiltinRule {
        id: "onepassword-secret-key",
        title: "1Password account secret key",
        severity: Severity::Critical,
        keywords: &["a3-"],
        regex: r"\b(?P<secret>A3-[A-Z0-9]{6}-(?:[A-Z0-9]{11}|[A-Z0-9]{6}-[A-Z0-9]{5})-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5})\b",
        entropy: Some(3.8),
        examples_positive: &[concat!(
            "A3-",
            "248M14",
            "-",
            "7MSJI87QXFC",
            "-",
            "W2Z2K",
            "-",
            "MHD4V",
            "-",
            "3834F"
        )],
        examples_negative: &["A3-AAAAAA-AAAAAAAAAAA-AAAAA-AAAAA-AAAAA"],
        ..BASE
    },
    BuiltinRule {
        id: "onepassword-service-account-token",
        title: "1Password service account token",
        severity: Severity::Critical,
        keywords: &["ops_"],
        regex: r"\b(?P<secret>ops_eyJ[A-Za-z0-9+/]{250,}={0,3})",
        entropy: Some(4.0),
        examples_positive: &[concat!(
            "OP_SERVICE_ACCOUNT_TOKEN=ops_",
            "eyJ",
            "cqJD6orFceXC7vmxoMoz8Uej/8no18JWFFvMpWh8i82vI/CiaT0kSQLmxu3+rq+k1eBN4MJ2xbz3xIsr/+jl0mim/m5eaTs/FF8aqOQtjG4G5fSiu1wJ/8wDvHLV+gwzR9J/Vf0SpeCy9Ce686vuNdUUj4Dgv8yQAAExrg5ymvgxDDRTnYv/XlBu8fdCpAnQ9deVzjUFKB5hULdqMD7qX80a1lJwcuEutXJd4GpM2ta/blhbCbNnrrCK405aOn5OBLGc"
        )],
        examples_negative: &["ops_eyJshort"],
        ..BASE
    },
    // ------------------------------------------------------ JWT, URLs, auth
    BuiltinRule {
        id: "jwt",
        title: "JSON Web Token",
        severity: Severity::Medium,
        keywords: &["eyj"],
        regex: concat!(
            r"\b(?P<secret>eyJ[A-Za-z0-9_\-]{10,}\.eyJ[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{16,})",
            end!()
        ),
        validator: Some(Validator::Jwt),
        entropy: Some(3.5),
        examples_positive: &[concat!(
            "token: ",
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9",
            ".",
            "eyJzdWIiOiJmYWtlLXVzZXIiLCJpYXQiOjE3MDAwMDAwMDB9",
            ".",
            "DtYs4SQNSBNy3y1fE6J4sQdY1vXUXMTgIXPsJ9dj7yB"
        )],
        examples_negative: &[concat!(
            "eyJub3RhIjoiand0In0",
            ".",
            "eyJzdWIiOiJmYWtlLXVzZXIifQ",
            ".",
            "E_wFB6ohIXJKPua6MY3dkaofQYENVFcqbtHZSdHinW3"
        )],
        ..BASE
    },
    BuiltinRule {
        id: "url-credentials",
        title: "Password in a URL (scheme://user:password@host)",
        priority: 0,
        keywords: &["://"],
        regex: r#"\b[A-Za-z][A-Za-z0-9+.\-]{1,20}://(?P<user>[^\s:/?#@"'<>\[\]\\{}]{1,64}):(?P<secret>[^\s:/?#@"'<>\[\]\\]{3,128})@(?:[A-Za-z0-9](?:[A-Za-z0-9.\-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:]+\])"#,
        validator: Some(Validator::UrlPassword),
        examples_positive: &[
            concat!(
                "DATABASE_URL=postgresql://app:",
                "1q9JlZ1svimLflWDRh",
                "@db.fake.internal:5432/app"
            ),
            concat!(
                "mongodb+srv://svc:",
                "2-sFHPbKT1Vwe51yyTbW",
                "@cluster0.fake.mongodb.net/"
            ),
        ],
        examples_negative: &[
            "postgresql://scott:tiger@localhost/test",
            "redis://:${REDIS_PASSWORD}@redis:6379/0",
            "https://user:password@example.com/",
            "amqp://guest:guest@localhost:5672//",
            "git@github.com:org/repo.git",
        ],
        skip_in_packages: true,
        ..BASE
    },
    BuiltinRule {
        id: "authorization-bearer-token",
        title: "Bearer token in an Authorization header",
        severity: Severity::Medium,
        priority: 0,
        keywords: &["bearer"],
        regex: r#"(?i)\bauthorization["']?[ \t]*[:=][ \t]*["']?bearer[ \t]+(?P<secret>[A-Za-z0-9._~+/=\-]{20,})"#,
        entropy: Some(3.5),
        examples_positive: &[concat!(
            "curl -H \"Authorization: Bearer ",
            "c8cHvUn9t1TjkQ5j-KuwS_tssKOZ1wdAk0KSe4f2",
            "\" https://api.fake.invalid"
        )],
        examples_negative: &[
            "-H \"Authorization: Bearer $TOKEN\"",
            "Authorization: Bearer <token>",
        ],
        skip_in_packages: true,
        ..BASE
    },
    BuiltinRule {
        id: "authorization-basic-credentials",
        title: "Basic credentials in an Authorization header",
        severity: Severity::Medium,
        priority: 0,
        keywords: &["basic"],
        regex: r#"(?i)\bauthorization["']?[ \t]*[:=][ \t]*["']?basic[ \t]+(?P<secret>(?-i:[A-Za-z0-9+/]{8,}={0,2}))"#,
        validator: Some(Validator::BasicAuth),
        examples_positive: &["Authorization: Basic ZmFrZXVzZXI6ZmFrZS1QYXNzLTlxWjd3"],
        examples_negative: &["Authorization: Basic dXNlcm5hbWU6cGFzc3dvcmQ="],
        skip_in_packages: true,
        ..BASE
    },
    BuiltinRule {
        id: "curl-basic-auth",
        title: "Credentials passed to curl -u",
        keywords: &["curl"],
        regex: r#"\bcurl\b[^\n]*?[ \t](?:-u|--user)(?:=|[ \t]+)["']?[^\s:'"]{1,64}:(?P<secret>[^\s'"]{3,128})"#,
        examples_positive: &[concat!(
            "curl -u deploy:",
            "svKqhnTuxskMujQQ",
            " https://repo.fake.invalid/upload"
        )],
        examples_negative: &[
            "curl -u user:password https://x",
            "curl -u \"$USER:$TOKEN\" https://x",
        ],
        skip_in_packages: true,
        ..BASE
    },
    BuiltinRule {
        id: "cli-password-flag",
        title: "Password or token passed on a command line (shell history)",
        priority: 1,
        path: Some(
            r"(?:^|/)(?:\.(?:bash|zsh|sh|ash|ksh|mksh)_history|\.zhistory|\.history|fish_history)$",
        ),
        regex: r#"(?:^|[ \t])--(?:password|passwd|pass|token|api-key|apikey|secret|auth-token|access-token)(?:=|[ \t]+)["']?(?P<secret>[^\s"'\-$][^\s"']{5,})|\b(?:mysql|mysqldump|mysqladmin|sshpass)\b[^\n]*?[ \t]-p["']?([^\s"'\-$][^\s"']{3,})"#,
        examples_positive: &[
            concat!(
                "docker login --password ",
                "lu4cUiKpnG5u3cbY18ge",
                " registry.fake.invalid\n"
            ),
            concat!("mysql -u root -p", "aPar4gMx2MT9", " appdb\n"),
        ],
        examples_negative: &[
            "docker login --password-stdin < token.txt\n",
            "mysql -u root -p appdb\n",
        ],
        example_path: "/root/.bash_history",
        ..BASE
    },
    // ---------------------------------------------------------- special files
    BuiltinRule {
        id: "huggingface-token-file",
        title: "Hugging Face token file",
        severity: Severity::Critical,
        priority: 2,
        path: Some(r"(?:^|/)(?:\.cache/huggingface|\.huggingface)/token$"),
        regex: r"\A\s*(?P<secret>[A-Za-z0-9_\-]{16,})\s*\z",
        examples_positive: &[concat!("hf_", "UfXTYVqEeMSFuicRHsAlQlrWvjuggzENUC", "\n")],
        examples_negative: &["\n", "<paste token>\n"],
        example_path: "/root/.cache/huggingface/token",
        multiline: true,
        ..BASE
    },
    BuiltinRule {
        id: "kaggle-json-key",
        title: "Kaggle API key (kaggle.json)",
        priority: 2,
        path: Some(r"(?:^|/)kaggle\.json$"),
        regex: r#""key"\s*:\s*"(?P<secret>[0-9a-f]{32})""#,
        examples_positive: &[concat!(
            "{\"username\":\"fakeuser\",\"key\":\"",
            "94d2c3565ebc018a64593d847e71459e",
            "\"}"
        )],
        examples_negative: &["{\"username\":\"fakeuser\",\"key\":\"\"}"],
        example_path: "/root/.kaggle/kaggle.json",
        multiline: true,
        ..BASE
    },
    BuiltinRule {
        id: "kaggle-api-key",
        title: "Kaggle API key",
        keywords: &["kaggle_key", "kaggle-key", "kagglekey"],
        regex: assign!(r"kaggle[_.\-]?key", r"[0-9a-f]{32}"),
        entropy: Some(3.0),
        examples_positive: &[concat!("KAGGLE_KEY=", "16188b944ad1b35c75864ca612bb429c")],
        examples_negative: &["KAGGLE_KEY=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"],
        ..BASE
    },
    BuiltinRule {
        id: "netrc-password",
        title: "Password in .netrc",
        priority: 2,
        path: Some(r"(?:^|/)[._]netrc$"),
        regex: r"(?:^|\s)password[ \t]+(?P<secret>\S+)",
        examples_positive: &[concat!(
            "machine ftp.fake.invalid login fakeuser password ",
            "Yzr0MeFxlVSwTz",
            "\n"
        )],
        examples_negative: &["machine ftp.fake.invalid login anonymous\n"],
        example_path: "/root/.netrc",
        ..BASE
    },
    BuiltinRule {
        id: "git-credentials",
        title: "Credentials in .git-credentials",
        priority: 2,
        path: Some(r"(?:^|/)\.git-credentials$"),
        regex: r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s:/@]*:(?P<secret>[^\s@]+)@",
        examples_positive: &[concat!(
            "https://fakeuser:",
            "m6Wi3KynB0FIez6QLKil",
            "@git.fake.invalid\n"
        )],
        examples_negative: &["https://git.fake.invalid\n"],
        example_path: "/root/.git-credentials",
        ..BASE
    },
    BuiltinRule {
        id: "dotenv-secret-key-name",
        title: "Secret-looking variable in a dotenv file",
        kind: RuleKind::EnvFile,
        priority: 0,
        path: Some(
            r"(?:^|/)(?:\.env(?:\.[A-Za-z0-9_.\-]+)?|[^/]+\.env|\.envrc|env\.list|\.flaskenv)$",
        ),
        examples_positive: &[
            "DB_PASSWORD=FAKE-Passw0rd-9Zq-4dotenv\n",
            "export SMTP_SECRET='q8Z-fake-S3cret-w1th-Digits'\n",
        ],
        examples_negative: &[
            "DB_PASSWORD=\nTOKENIZERS_PARALLELISM=false\n",
            "SECRET_KEY_FILE=/run/secrets/key\n",
            "API_TOKEN=${API_TOKEN}\n",
            "# DB_PASSWORD=commented-Out-9Zq\n",
        ],
        example_path: "/app/.env",
        ..BASE
    },
    BuiltinRule {
        id: "dockerfile-secret-key-name",
        title: "Secret-looking ENV/ARG value in a Dockerfile",
        kind: RuleKind::Dockerfile,
        priority: 0,
        path: Some(r"(?:^|/)(?:Dockerfile|Containerfile)(?:\.[^/]*)?$|\.[Dd]ockerfile$"),
        examples_positive: &[
            "FROM python:3.11\nENV DB_PASSWORD=FAKE-Passw0rd-9Zq-4dotenv\n",
            "ARG HF_TOKEN=\"q8Z-fake-S3cret-w1th-Digits\"\n",
        ],
        examples_negative: &[
            "ARG HF_TOKEN\nENV HF_TOKEN=${HF_TOKEN}\nENV TOKENIZERS_PARALLELISM=false\n",
        ],
        example_path: "/app/Dockerfile",
        ..BASE
    },
    BuiltinRule {
        id: "shell-history-secret-key-name",
        title: "Secret-looking variable assignment in a shell history",
        kind: RuleKind::ShellHistory,
        priority: 0,
        path: Some(
            r"(?:^|/)(?:\.(?:bash|zsh|sh|ash|ksh|mksh|python|mysql|psql|node_repl|sqlite|rediscli|irb)_history|\.zhistory|\.history|fish_history)$",
        ),
        examples_positive: &[
            "export OPENAI_SECRET=q8Z-fake-S3cret-w1th-Digits\n",
            ": 1700000000:0;DB_PASSWORD='FAKE-Passw0rd-9Zq' ./migrate\n",
        ],
        examples_negative: &[
            "ls -la\nexport PATH=/usr/local/bin:$PATH\nexport DB_PASSWORD=$DB_PASSWORD\n",
        ],
        example_path: "/root/.bash_history",
        ..BASE
    },
    BuiltinRule {
        id: "config-secret-key-name",
        title: "Secret-looking value in image config (Env, Labels, history)",
        kind: RuleKind::ConfigKeyName,
        priority: 0,
        examples_positive: &[
            "DB_PASSWORD=FAKE-db-Passw0rd-for-scanner-tests",
            "created_by=/bin/sh -c #(nop)  ENV REDIS_PASSWORD=q8Z-fake-S3cret-w1th-Digits",
            "created_by=|1 ACCESS_TOKEN=q8Z-fake-S3cret-w1th-Digits /bin/sh -c ./build.sh",
        ],
        examples_negative: &[
            "TOKENIZERS_PARALLELISM=false",
            "PASSWORD_FILE=/run/secrets/db",
            "HF_TOKEN=",
            "GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D",
            "created_by=/bin/sh -c #(nop)  ENV SECRET_NAME=app",
        ],
        example_path: "config.Env",
        ..BASE
    },
    // ------------------------------------------------------- ML / AI vendors
    BuiltinRule {
        id: "huggingface-access-token",
        title: "Hugging Face access token",
        keywords: &["hf_"],
        regex: r"\b(?P<secret>hf_[A-Za-z]{34})(?:[^A-Za-z0-9_]|\z)",
        entropy: Some(2.5),
        examples_positive: &[
            concat!("HF_TOKEN=hf_", "cgfOUZJLVpIpfpugDsvUOgvLhMnaeNGBAh"),
            concat!(
                "!huggingface-cli login --token hf_",
                "cLttGMhhvAIbvSckhIewopigmQPRkkOIcf"
            ),
        ],
        examples_negative: &["hf_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "hf_hub_download"],
        ..BASE
    },
    BuiltinRule {
        id: "huggingface-org-token",
        title: "Hugging Face organization API token",
        keywords: &["api_org_"],
        regex: r"\b(?P<secret>api_org_[A-Za-z]{34})(?:[^A-Za-z0-9_]|\z)",
        entropy: Some(2.5),
        examples_positive: &[concat!("api_org_", "vXmDxSxGbEslEkHyxYvKkXXwOQDJFcegDI")],
        examples_negative: &["api_org_name"],
        ..BASE
    },
    BuiltinRule {
        id: "openai-api-key",
        title: "OpenAI API key (legacy user key)",
        severity: Severity::Critical,
        keywords: &["t3blbkfj"],
        regex: r"\b(?P<secret>sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20})(?:[^A-Za-z0-9_\-]|\z)",
        examples_positive: &[concat!(
            "OPENAI_API_KEY=sk-",
            "xNkFmg7ijli52xOGXs9g",
            "T3Blbk",
            "FJ",
            "qLV0VPEwxktj9DJauSu4"
        )],
        examples_negative: &["sk-T3BlbkFJ"],
        ..BASE
    },
    BuiltinRule {
        id: "openai-project-key",
        title: "OpenAI project API key",
        severity: Severity::Critical,
        keywords: &["sk-proj-"],
        regex: concat!(r"\b(?P<secret>sk-proj-[A-Za-z0-9_\-]{40,})", end!()),
        entropy: Some(3.5),
        examples_positive: &[concat!(
            "OPENAI_API_KEY=sk-",
            "proj-",
            "QDAm2W1xr0mhzwzedSDCxykFoWmpfEKadjMMXkJ9V9lrV-FKkMzT6mrM6dojtmPbYuQt5ypdws",
            "T3BlbkFJ",
            "TRyxczuvYYRcbBgLBc--qf0W4TdQ6BMyipdEakwWQyPbF-4c0MWE8qZrRa6kVAiqgpLt1EhPaw"
        )],
        examples_negative: &[
            "sk-proj-...",
            "OPENAI_API_KEY=sk-proj-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        ],
        ..BASE
    },
    BuiltinRule {
        id: "openai-service-account-key",
        title: "OpenAI service account key",
        severity: Severity::Critical,
        keywords: &["sk-svcacct-"],
        regex: concat!(r"\b(?P<secret>sk-svcacct-[A-Za-z0-9_\-]{40,})", end!()),
        entropy: Some(3.5),
        examples_positive: &[concat!(
            "sk-",
            "svcacct-",
            "BSowXmI78Em5pegJif-eJW7bIjS3VpRruhumx1RGTElxhYR64UiktwY1U98xaNVOi-z4R_ep_e",
            "T3BlbkFJ",
            "m5OeJDdaL-hvwr7wbloAGYOzzdsxeVZQuFsg1Nb4Rk_lxgjyiTakAAhA75KgjxwV7f4w7aMtma"
        )],
        examples_negative: &["sk-svcacct-short"],
        ..BASE
    },
    BuiltinRule {
        id: "openai-admin-key",
        title: "OpenAI admin key",
        severity: Severity::Critical,
        keywords: &["sk-admin-"],
        regex: concat!(r"\b(?P<secret>sk-admin-[A-Za-z0-9_\-]{40,})", end!()),
        entropy: Some(3.5),
        examples_positive: &[concat!(
            "sk-",
            "admin-",
            "HfaJbyrnvSb7QAYaiupR-weNuhzLE0UVIkmxCAaPO-Zk43j0LVNjEM_SEn",
            "T3BlbkFJ",
            "DkcB5xLOd3gURskgSr9IoPAaP3FAO5uIS0CyiK1ZlDiE6jy-4nMDAEfXf9"
        )],
        examples_negative: &["sk-admin-short"],
        ..BASE
    },
    BuiltinRule {
        id: "anthropic-api-key",
        title: "Anthropic API key",
        severity: Severity::Critical,
        keywords: &["sk-ant-api03-"],
        regex: concat!(r"\b(?P<secret>sk-ant-api03-[A-Za-z0-9_\-]{93}AA)", end!()),
        examples_positive: &[concat!(
            "ANTHROPIC_API_KEY=sk-",
            "ant-api03-",
            "Qq6ODlldM5fnMUq-fOB1N0OWSOGzX7Ob8PkKQmiMsnQcq2u5t7TB1SORpIJ3deoLNfPgJdjwXs_BRE9FZwDjOok2xoc9S",
            "AA"
        )],
        examples_negative: &["sk-ant-api03-short"],
        ..BASE
    },
    BuiltinRule {
        id: "anthropic-admin-key",
        title: "Anthropic admin API key",
        severity: Severity::Critical,
        keywords: &["sk-ant-admin01-"],
        regex: concat!(r"\b(?P<secret>sk-ant-admin01-[A-Za-z0-9_\-]{93}AA)", end!()),
        examples_positive: &[concat!(
            "sk-",
            "ant-admin01-",
            "O_GqKpEkA8WnZS-mipfB6N1xIGwR8d35v38E_KpUbT8HpdAIeqo-7ldjlIWluyB7TOBoBlkWLJxamwEwlFrtgY6isdEEy",
            "AA"
        )],
        examples_negative: &["sk-ant-admin01-short"],
        ..BASE
    },
    BuiltinRule {
        id: "cohere-api-key",
        title: "Cohere API key",
        keywords: &["cohere", "co_api_key"],
        regex: assign!(r"cohere|co[_.\-]api[_.\-]key", r"[A-Za-z0-9]{40}"),
        entropy: Some(3.5),
        examples_positive: &[
            concat!(
                "COHERE_API_KEY=",
                "OdbgTYNhVWmS8D9z1V2PCnxqCzF9YYw8ZqRIXXTQ"
            ),
            concat!(
                "CO_API_KEY=\"",
                "VsCnkCSZZmNM72JRoZfkKzW2WuWQRWZuW8Vos96w",
                "\""
            ),
        ],
        examples_negative: &["COHERE_API_KEY=<your key>"],
        ..BASE
    },
    BuiltinRule {
        id: "replicate-api-token",
        title: "Replicate API token",
        keywords: &["r8_"],
        regex: r"\b(?P<secret>r8_[A-Za-z0-9]{37})(?:[^A-Za-z0-9_]|\z)",
        entropy: Some(3.0),
        examples_positive: &[concat!(
            "REPLICATE_API_TOKEN=r8_",
            "qIPSOvO3uJlVdXl6Loth7dfhicAqzBTVW47qY"
        )],
        examples_negative: &["r8_short"],
        ..BASE
    },
    BuiltinRule {
        id: "wandb-netrc",
        title: "Weights & Biases API key in .netrc",
        priority: 3,
        keywords: &["api.wandb.ai"],
        regex: r"machine[ \t]+api\.wandb\.ai\s+login[ \t]+\S+\s+password[ \t]+(?P<secret>[0-9a-f]{40}|[A-Za-z0-9_\-]{40,100})",
        examples_positive: &[concat!(
            "machine api.wandb.ai\n  login user\n  password ",
            "e3e2ea67f028ff475a795aef512b4b2c2736a7de",
            "\n"
        )],
        examples_negative: &["machine api.wandb.ai\n  login user\n"],
        example_path: "/root/.netrc",
        multiline: true,
        ..BASE
    },
    BuiltinRule {
        id: "wandb-api-key",
        title: "Weights & Biases API key",
        keywords: &["wandb_api_key", "wandb-api-key", "wandb.login"],
        regex: r#"(?i)(?:wandb[_.\-]?api[_.\-]?key|wandb\.login\([^)\n]*?key)["']?[ \t]*(?:=|:=|:|=>)[ \t]*["']?(?P<secret>(?-i:[0-9a-f]{40}|[A-Za-z0-9_\-]{40,100}))(?:[^A-Za-z0-9_\-]|\z)"#,
        entropy: Some(3.0),
        examples_positive: &[
            concat!("WANDB_API_KEY=", "9700ee425672738631c6dc7ada4b4432578a285e"),
            concat!(
                "wandb.login(key=\"",
                "ce230db99b3ae8c6290c22f62b27cb3f264bcf82",
                "\")"
            ),
        ],
        examples_negative: &["WANDB_API_KEY=$WANDB_KEY"],
        ..BASE
    },
    BuiltinRule {
        id: "databricks-token",
        title: "Databricks personal access token",
        keywords: &["dapi"],
        regex: r"\b(?P<secret>dapi[a-f0-9]{32}(?:-\d)?)(?:[^A-Za-z0-9_\-]|\z)",
        entropy: Some(3.0),
        examples_positive: &[concat!(
            "DATABRICKS_TOKEN=dapi",
            "64e20dab94ac98c7bee0efafea1d5951"
        )],
        examples_negative: &["dapi_version"],
        ..BASE
    },
    BuiltinRule {
        id: "pinecone-api-key",
        title: "Pinecone API key",
        keywords: &["pcsk_"],
        regex: concat!(
            r"\b(?P<secret>pcsk_[A-Za-z0-9]{5,6}_[A-Za-z0-9]{60,80})",
            end!()
        ),
        entropy: Some(3.5),
        examples_positive: &[concat!(
            "PINECONE_API_KEY=pcsk_",
            "Pf27Uu",
            "_",
            "6IGeO2csQnGcHlATkzq0WONG8dBfBIv0NpcNgtkjbJaNFzYknqr6AnZTLLeHsqd52ohV1"
        )],
        examples_negative: &["pcsk_short"],
        ..BASE
    },
    BuiltinRule {
        id: "pinecone-legacy-api-key",
        title: "Pinecone API key (legacy UUID format)",
        keywords: &["pinecone"],
        regex: assign!(
            r"pinecone[A-Za-z0-9_.\-]{0,10}?(?:api[_.\-]?)?key",
            r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
        ),
        examples_positive: &[concat!(
            "PINECONE_API_KEY=",
            "8536fb59-7e76-4a70-a136-3d169f010e12"
        )],
        examples_negative: &["PINECONE_API_KEY=${PINECONE_API_KEY}"],
        ..BASE
    },
    BuiltinRule {
        id: "langsmith-api-key",
        title: "LangSmith API key",
        keywords: &["lsv2_pt_", "lsv2_sk_"],
        regex: r"\b(?P<secret>lsv2_(?:pt|sk)_[a-f0-9]{32}_[a-f0-9]{10})\b",
        examples_positive: &[concat!(
            "LANGCHAIN_API_KEY=lsv2_",
            "pt_",
            "5cc513e1c14d24bf7e4c943583cfa15a",
            "_",
            "2ab0850dfb"
        )],
        examples_negative: &["lsv2_pt_short"],
        ..BASE
    },
    BuiltinRule {
        id: "langfuse-secret-key",
        title: "Langfuse secret key",
        keywords: &["sk-lf-"],
        regex: r"\b(?P<secret>sk-lf-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b",
        examples_positive: &[concat!(
            "LANGFUSE_SECRET_KEY=sk-",
            "lf-",
            "17f538e9-114d-63fc-e044-6ab6a391fabc"
        )],
        examples_negative: &["sk-lf-short"],
        ..BASE
    },
    BuiltinRule {
        id: "mistral-api-key",
        title: "Mistral AI API key",
        keywords: &["mistral"],
        regex: assign!(
            r"mistral[A-Za-z0-9_.\-]{0,10}?(?:api[_.\-]?)?key",
            r"[A-Za-z0-9]{32}"
        ),
        entropy: Some(3.5),
        examples_positive: &[concat!(
            "MISTRAL_API_KEY=",
            "nBF9hQaPE1wsAttxJyq8Rwbr0G9Dy1hI"
        )],
        examples_negative: &["MISTRAL_API_KEY=\"\""],
        ..BASE
    },
    BuiltinRule {
        id: "groq-api-key",
        title: "Groq API key",
        keywords: &["gsk_"],
        regex: r"\b(?P<secret>gsk_[A-Za-z0-9]{52})\b",
        entropy: Some(3.5),
        examples_positive: &[concat!(
            "GROQ_API_KEY=gsk_",
            "d8EXkb3b8hrG1Ae2B880J5KLEasVEuaUQPVi4WjZUp0OyzxTfHOJ"
        )],
        examples_negative: &["gsk_short"],
        ..BASE
    },
    BuiltinRule {
        id: "together-api-key",
        title: "Together AI API key",
        keywords: &["together"],
        regex: assign!(
            r"together[A-Za-z0-9_.\-]{0,10}?(?:api[_.\-]?)?key",
            r"[a-f0-9]{64}|tgp_v1_[A-Za-z0-9_\-]{40,}"
        ),
        entropy: Some(3.5),
        examples_positive: &[
            concat!(
                "TOGETHER_API_KEY=",
                "397d445abc73f60c3b75620c1d15a44b63722a52e0c8c4f8e09ed6e95a2c4cef"
            ),
            concat!(
                "TOGETHER_API_KEY=tgp_",
                "v1_",
                "UOpzWI2k2xJpDqsZBzMPGosi3Q9qYIN874zXPv9Pdcv"
            ),
        ],
        examples_negative: &["TOGETHER_API_KEY=your_key_here"],
        ..BASE
    },
    BuiltinRule {
        id: "deepseek-api-key",
        title: "DeepSeek API key",
        keywords: &["deepseek"],
        regex: assign!(
            r"deepseek[A-Za-z0-9_.\-]{0,10}?(?:api[_.\-]?)?key",
            r"sk-[a-f0-9]{32}"
        ),
        entropy: Some(3.0),
        examples_positive: &[concat!(
            "DEEPSEEK_API_KEY=sk-",
            "063a56d3f3dda8a7c44b77ed3ec529e5"
        )],
        examples_negative: &["DEEPSEEK_API_KEY=sk-xxxx"],
        ..BASE
    },
    BuiltinRule {
        id: "perplexity-api-key",
        title: "Perplexity API key",
        keywords: &["pplx-"],
        regex: r"\b(?P<secret>pplx-[A-Za-z0-9]{48})\b",
        entropy: Some(3.5),
        examples_positive: &[concat!(
            "PERPLEXITY_API_KEY=pplx-",
            "1ESocW8m3vXHxGDvyq2gtkQifXpQEbo7CXvIAKIoNf9kocYP"
        )],
        examples_negative: &["pplx-short"],
        ..BASE
    },
    BuiltinRule {
        id: "elevenlabs-api-key",
        title: "ElevenLabs API key",
        keywords: &[
            "elevenlabs",
            "eleven_labs",
            "eleven-labs",
            "xi-api-key",
            "xi_api_key",
        ],
        regex: assign!(
            r"eleven[_.\-]?labs[A-Za-z0-9_.\-]{0,10}?(?:api[_.\-]?)?key|xi[_.\-]api[_.\-]key",
            r"sk_[a-f0-9]{48}|[a-f0-9]{32}"
        ),
        entropy: Some(3.0),
        examples_positive: &[
            concat!(
                "ELEVENLABS_API_KEY=sk_",
                "37961bbe6c421e8eb5d5ef908502703886b1f6fd1cf9c20d"
            ),
            concat!(
                "\"xi-api-key\": \"",
                "5ea096648362dc3673d6773f0b7175c9",
                "\""
            ),
        ],
        examples_negative: &["ELEVENLABS_API_KEY=<key>"],
        ..BASE
    },
    BuiltinRule {
        id: "assemblyai-api-key",
        title: "AssemblyAI API key",
        keywords: &["assemblyai", "assembly_ai", "assembly-ai"],
        regex: assign!(
            r"assembly[_.\-]?ai[A-Za-z0-9_.\-]{0,10}?(?:api[_.\-]?)?key",
            r"[a-f0-9]{32}"
        ),
        entropy: Some(3.0),
        examples_positive: &[concat!(
            "ASSEMBLYAI_API_KEY=",
            "fe0b61d69c5e4f6533273ea0ca313fbb"
        )],
        examples_negative: &["ASSEMBLYAI_API_KEY=None"],
        ..BASE
    },
    BuiltinRule {
        id: "xai-api-key",
        title: "xAI (Grok) API key",
        keywords: &["xai-"],
        regex: r"\b(?P<secret>xai-[A-Za-z0-9]{80})\b",
        entropy: Some(3.5),
        examples_positive: &[concat!(
            "XAI_API_KEY=xai-",
            "6lF0irxmeybq8vNdCKklav3LL4MmgpVH2QCslH0dT4dQ5HQ0HKxrwLaVNP0ztbYrmmucPStW6V7jW5NN"
        )],
        examples_negative: &["xai-short"],
        ..BASE
    },
    BuiltinRule {
        id: "openrouter-api-key",
        title: "OpenRouter API key",
        keywords: &["sk-or-v1-"],
        regex: r"\b(?P<secret>sk-or-v1-[a-f0-9]{64})\b",
        examples_positive: &[concat!(
            "OPENROUTER_API_KEY=sk-",
            "or-v1-",
            "9607cff87cf3d0498682aee4046d625d96f9e5656744645b648839e59bb0f75f"
        )],
        examples_negative: &["sk-or-v1-short"],
        ..BASE
    },
    BuiltinRule {
        id: "nvidia-api-key",
        title: "NVIDIA NGC / build.nvidia.com API key",
        keywords: &["nvapi-"],
        regex: concat!(r"\b(?P<secret>nvapi-[A-Za-z0-9_\-]{64})", end!()),
        entropy: Some(3.5),
        examples_positive: &[concat!(
            "NVIDIA_API_KEY=nvapi-",
            "wQpGINd9UZK6bVZ-0SXCA8_FgheukpJeQyQfgYm7yrSk3K2eMaX1LrwLaihaLess"
        )],
        examples_negative: &["nvapi-short"],
        ..BASE
    },
    BuiltinRule {
        id: "neptune-api-token",
        title: "Neptune.ai API token",
        keywords: &["eyjhcglfywrkcmvzcyi6"],
        regex: r"\b(?P<secret>eyJhcGlfYWRkcmVzcyI6[A-Za-z0-9+/=_\-]{40,})",
        entropy: Some(4.0),
        examples_positive: &[concat!(
            "NEPTUNE_API_TOKEN=",
            "eyJhcGlfYWRkcmVzcyI6",
            "MgHvX8EuGxpHNnCKhANyqcZePnsx5r777TKWNEx87Ax5AsozQdrJd28av9B/Q7q/e9CDvPWjcjNbx0WtC55k1tf2XRqhwB++iWSyGn8WbDRinhOzLwTV2noj"
        )],
        examples_negative: &["eyJhcGlfYWRkcmVzcyI6short"],
        ..BASE
    },
    BuiltinRule {
        id: "stability-api-key",
        title: "Stability AI API key",
        keywords: &["stability"],
        regex: assign!(
            r"stability[A-Za-z0-9_.\-]{0,10}?(?:api[_.\-]?)?key",
            r"sk-[A-Za-z0-9]{48}"
        ),
        entropy: Some(3.5),
        examples_positive: &[concat!(
            "STABILITY_API_KEY=sk-",
            "g8EQ4qbBvlXZjxQqG2OIYD2vEMAhrtrPJj1PqnSz86lfznaX"
        )],
        examples_negative: &["STABILITY_API_KEY=sk-..."],
        ..BASE
    },
    // ------------------------------------------------- infrastructure / SaaS
    BuiltinRule {
        id: "shopify-access-token",
        title: "Shopify access token",
        keywords: &["shpat_"],
        regex: r"\b(?P<secret>shpat_[a-fA-F0-9]{32})\b",
        examples_positive: &[concat!("shpat_", "89038808cf0111ca7569d6c6b7fac78d")],
        examples_negative: &["shpat_short"],
        ..BASE
    },
    BuiltinRule {
        id: "shopify-custom-app-token",
        title: "Shopify custom app access token",
        keywords: &["shpca_"],
        regex: r"\b(?P<secret>shpca_[a-fA-F0-9]{32})\b",
        examples_positive: &[concat!("shpca_", "ce97d07ecb856d656a175d27f6d3c6da")],
        examples_negative: &["shpca_short"],
        ..BASE
    },
    BuiltinRule {
        id: "shopify-private-app-token",
        title: "Shopify private app access token",
        keywords: &["shppa_"],
        regex: r"\b(?P<secret>shppa_[a-fA-F0-9]{32})\b",
        examples_positive: &[concat!("shppa_", "37bd089a26e19e4f094dbe3c563def9f")],
        examples_negative: &["shppa_short"],
        ..BASE
    },
    BuiltinRule {
        id: "shopify-shared-secret",
        title: "Shopify shared secret",
        keywords: &["shpss_"],
        regex: r"\b(?P<secret>shpss_[a-fA-F0-9]{32})\b",
        examples_positive: &[concat!("shpss_", "cf43568b015fa35fa5c8f65d47d4a70d")],
        examples_negative: &["shpss_short"],
        ..BASE
    },
    BuiltinRule {
        id: "heroku-api-key",
        title: "Heroku API key",
        keywords: &["heroku"],
        regex: assign!(
            r"heroku[A-Za-z0-9_.\-]{0,10}?(?:api[_.\-]?)?(?:key|token)",
            r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
        ),
        examples_positive: &[concat!(
            "HEROKU_API_KEY=",
            "502f9641-be9b-37fd-7291-025f158d235d"
        )],
        examples_negative: &["HEROKU_API_KEY="],
        ..BASE
    },
    BuiltinRule {
        id: "heroku-api-key-v2",
        title: "Heroku API key (HRKU format)",
        keywords: &["hrku-"],
        regex: concat!(r"\b(?P<secret>HRKU-AA[0-9A-Za-z_\-]{58})", end!()),
        entropy: Some(4.0),
        examples_positive: &[concat!(
            "HRKU-",
            "AA",
            "6q93eq84yhyGgLcNkei7POUY_1Jcyjs_jluO-qXFzutRnnvptVPezJDTdl"
        )],
        examples_negative: &["HRKU-short"],
        ..BASE
    },
    BuiltinRule {
        id: "digitalocean-pat",
        title: "DigitalOcean personal access token",
        keywords: &["dop_v1_"],
        regex: r"\b(?P<secret>dop_v1_[a-f0-9]{64})\b",
        examples_positive: &[concat!(
            "DIGITALOCEAN_TOKEN=dop_",
            "v1_",
            "ecdeed594e83dedaf7e2dc19cd1344019ec1ad832786d94c24accfc418167f4d"
        )],
        examples_negative: &["dop_v1_short"],
        ..BASE
    },
    BuiltinRule {
        id: "digitalocean-oauth-token",
        title: "DigitalOcean OAuth access token",
        keywords: &["doo_v1_"],
        regex: r"\b(?P<secret>doo_v1_[a-f0-9]{64})\b",
        examples_positive: &[concat!(
            "doo_",
            "v1_",
            "6a205e5498e2a05363323c0db8e6f004bc62ba8fa3eacf9b2f6aee8e078f55bc"
        )],
        examples_negative: &["doo_v1_short"],
        ..BASE
    },
    BuiltinRule {
        id: "digitalocean-refresh-token",
        title: "DigitalOcean OAuth refresh token",
        keywords: &["dor_v1_"],
        regex: r"\b(?P<secret>dor_v1_[a-f0-9]{64})\b",
        examples_positive: &[concat!(
            "dor_",
            "v1_",
            "223a6daa63782ad28d5737c7120a8ae49c49d67b664a71a5935464b65fadf8f8"
        )],
        examples_negative: &["dor_v1_short"],
        ..BASE
    },
    BuiltinRule {
        id: "linear-api-key",
        title: "Linear API key",
        keywords: &["lin_api_"],
        regex: r"\b(?P<secret>lin_api_[A-Za-z0-9]{40})\b",
        entropy: Some(3.0),
        examples_positive: &[concat!(
            "LINEAR_API_KEY=lin_",
            "api_",
            "sZvmM3Ek3GILS8lhqhVTR1U8iyXu4TMOjx7i7R4c"
        )],
        examples_negative: &["lin_api_short"],
        ..BASE
    },
    BuiltinRule {
        id: "notion-api-token",
        title: "Notion integration token",
        keywords: &["ntn_"],
        regex: r"\b(?P<secret>ntn_[0-9]{11}[A-Za-z0-9]{35})\b",
        entropy: Some(4.0),
        examples_positive: &[concat!(
            "NOTION_TOKEN=ntn_",
            "35890553795",
            "NeSHK9zCZCb4Y5UUSxDqvVgUzwddtvwbjAw"
        )],
        examples_negative: &["ntn_short"],
        ..BASE
    },
    BuiltinRule {
        id: "notion-legacy-token",
        title: "Notion integration token (legacy secret_ format)",
        keywords: &["secret_"],
        regex: r"\b(?P<secret>secret_[A-Za-z0-9]{43})(?:[^A-Za-z0-9_]|\z)",
        entropy: Some(4.0),
        examples_positive: &[concat!(
            "NOTION_TOKEN=secret_",
            "pEGUoNlww65xqAMrDzVqaRp0UqU0TpBG0j1ddb9Wv6i"
        )],
        examples_negative: &["secret_key_base_for_the_development_environment_only"],
        ..BASE
    },
    BuiltinRule {
        id: "datadog-api-key",
        title: "Datadog API key",
        keywords: &["datadog", "dd_api_key", "dd-api-key", "ddapikey"],
        regex: assign!(r"(?:datadog|dd)[_.\-]?api[_.\-]?key", r"[a-f0-9]{32}"),
        entropy: Some(3.0),
        examples_positive: &[concat!("DD_API_KEY=", "9ac0c937154e7f715117d928e4f2d499")],
        examples_negative: &["DD_API_KEY=<DATADOG_API_KEY>"],
        ..BASE
    },
    BuiltinRule {
        id: "datadog-app-key",
        title: "Datadog application key",
        keywords: &["datadog", "dd_app_key", "dd_application_key", "dd-app-key"],
        regex: assign!(
            r"(?:datadog|dd)[_.\-]?app(?:lication)?[_.\-]?key",
            r"[a-f0-9]{40}"
        ),
        entropy: Some(3.0),
        examples_positive: &[concat!(
            "DD_APP_KEY=",
            "36db1fa66d57cbc8e11da6e25d83a1a159612705"
        )],
        examples_negative: &["DD_APP_KEY=${DD_APP_KEY}"],
        ..BASE
    },
    BuiltinRule {
        id: "new-relic-user-api-key",
        title: "New Relic user API key",
        keywords: &["nrak-"],
        regex: r"\b(?P<secret>NRAK-[A-Z0-9]{27})\b",
        entropy: Some(3.0),
        examples_positive: &[concat!(
            "NEW_RELIC_API_KEY=NRAK-",
            "MMCKEA52872ZLJFU0GSQV4ZD7PT"
        )],
        examples_negative: &["NRAK-SHORT"],
        ..BASE
    },
    BuiltinRule {
        id: "new-relic-insert-key",
        title: "New Relic insights insert key",
        keywords: &["nrii-"],
        regex: r"\b(?P<secret>NRII-[A-Za-z0-9_\-]{32})",
        entropy: Some(3.0),
        examples_positive: &[concat!("NRII-", "ZHzW1J8U63JxcAVt_608eYbZAHn6UA0W")],
        examples_negative: &["NRII-short"],
        ..BASE
    },
    BuiltinRule {
        id: "new-relic-license-key",
        title: "New Relic license (ingest) key",
        keywords: &["newrelic", "new_relic", "new-relic", "nr_license"],
        regex: assign!(
            r"new[_.\-]?relic[A-Za-z0-9_.\-]{0,10}?license[_.\-]?key|nr[_.\-]license[_.\-]key",
            r"[A-Za-z0-9]{36}NRAL|[a-f0-9]{40}"
        ),
        entropy: Some(3.0),
        examples_positive: &[concat!(
            "NEW_RELIC_LICENSE_KEY=",
            "75326ed61cce19d79ce07f8cc81b177078d669a5"
        )],
        examples_negative: &["NEW_RELIC_LICENSE_KEY=license_key_here"],
        ..BASE
    },
    BuiltinRule {
        id: "sentry-user-token",
        title: "Sentry user auth token",
        keywords: &["sntryu_"],
        regex: r"\b(?P<secret>sntryu_[a-f0-9]{64})\b",
        examples_positive: &[concat!(
            "SENTRY_AUTH_TOKEN=sntryu_",
            "8ab2688aa300944cac7b0cf708051b647b55c7d5e2798775e172b19c26e6223f"
        )],
        examples_negative: &["sntryu_short"],
        ..BASE
    },
    BuiltinRule {
        id: "sentry-org-token",
        title: "Sentry organization auth token",
        keywords: &["sntrys_"],
        regex: r"\b(?P<secret>sntrys_eyJ[A-Za-z0-9+/=_\-]{60,})",
        entropy: Some(4.0),
        examples_positive: &[concat!(
            "sntrys_",
            "eyJ",
            "A+wxDlMagtcu2RhaG1AIQ1EFkTA46YgKDkiu8s2eiMdEv1qHNVIW9jcUWL67yvkLdEozQBIJJgwNH6D1M2iLL64p+2rBafhgpHZQzYAjhp6KQMktlUBB1WDT"
        )],
        examples_negative: &["sntrys_eyJshort"],
        ..BASE
    },
    BuiltinRule {
        id: "doppler-token",
        title: "Doppler token",
        keywords: &[
            "dp.pt.",
            "dp.st.",
            "dp.sa.",
            "dp.ct.",
            "dp.scim.",
            "dp.audit.",
        ],
        regex: r"\b(?P<secret>dp\.(?:pt|st|sa|ct|scim|audit)\.[A-Za-z0-9]{40,44})\b",
        entropy: Some(3.0),
        examples_positive: &[concat!(
            "DOPPLER_TOKEN=dp",
            ".pt.",
            "ozUtKQs1aQj3yLQOxAWcYVFmpfsBQURz8QDjTS8aqRM"
        )],
        examples_negative: &["dp.pt.short"],
        ..BASE
    },
    BuiltinRule {
        id: "vault-service-token",
        title: "HashiCorp Vault service token",
        severity: Severity::Critical,
        keywords: &["hvs."],
        regex: concat!(r"\b(?P<secret>hvs\.[A-Za-z0-9_\-]{90,120})", end!()),
        entropy: Some(3.5),
        examples_positive: &[concat!(
            "VAULT_TOKEN=hvs",
            ".",
            "AK7g8hmvpT5f9aXZMJVh06wgQFCh0N_erybfEFpetLdXIddNlqGNvgYDvt6P5S0Qjc4l5LNPQdpYvl12SRNS-pz6WaQz0_b"
        )],
        examples_negative: &["hvs.short"],
        ..BASE
    },
    BuiltinRule {
        id: "vault-batch-token",
        title: "HashiCorp Vault batch token",
        severity: Severity::Medium,
        keywords: &["hvb."],
        regex: concat!(r"\b(?P<secret>hvb\.[A-Za-z0-9_\-]{138,300})", end!()),
        entropy: Some(4.0),
        examples_positive: &[concat!(
            "hvb",
            ".",
            "pAzpGB8MAp2CbUiJdVShqwe2lrrbtLOgr-Cc18JNXocIQo4bL-mx47PUZfgpeqOdHUVtTuYrkSqjuEROyLRQpaZTyFtQW3mImuZolWKctRiA_UIESmr9TVzccLM6evwvWi99w4wASAGF"
        )],
        examples_negative: &["hvb.short"],
        ..BASE
    },
    BuiltinRule {
        id: "vault-legacy-token",
        title: "HashiCorp Vault token (legacy s. format)",
        keywords: &["vault_token", "vault-token", "vaulttoken"],
        regex: assign!(r"vault[_.\-]?token", r"s\.[A-Za-z0-9]{24}"),
        entropy: Some(3.5),
        examples_positive: &[concat!("VAULT_TOKEN=s.", "qtyys0SpPwiNAiuY1SMXT2Vo")],
        examples_negative: &["VAULT_TOKEN=s.short"],
        ..BASE
    },
    BuiltinRule {
        id: "terraform-cloud-api-token",
        title: "Terraform Cloud / Enterprise API token",
        keywords: &["atlasv1"],
        regex: r"\b(?P<secret>[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_=\-]{60,70})",
        entropy: Some(3.5),
        examples_positive: &[concat!(
            "token = \"",
            "UeOmzc7ey91JvB",
            ".atlas",
            "v1.",
            "13NvMlWz9s9Lf14KbHdBcx63Uckh_DIXSGxTZOWvRIoA7PBYxXUkyx2KigfQu77Gcho",
            "\""
        )],
        examples_negative: &["x.atlasv1.y"],
        ..BASE
    },
    BuiltinRule {
        id: "pulumi-access-token",
        title: "Pulumi access token",
        keywords: &["pul-"],
        regex: r"\b(?P<secret>pul-[a-f0-9]{40})\b",
        examples_positive: &[concat!(
            "PULUMI_ACCESS_TOKEN=pul-",
            "d3ab7b870e0bb1a746bb1cc9016468cbdea80dde"
        )],
        examples_negative: &["pul-short"],
        ..BASE
    },
    BuiltinRule {
        id: "dropbox-short-lived-token",
        title: "Dropbox short-lived access token",
        keywords: &["sl."],
        regex: concat!(r"\b(?P<secret>sl\.(?:u\.)?[A-Za-z0-9_\-]{130,})", end!()),
        entropy: Some(4.0),
        examples_positive: &[concat!(
            "DROPBOX_TOKEN=sl.",
            "7XPlzdE7RmB2N6cfuRdRuiUg2RN846ukhThGy3dn2bxGm7QyD8RUeU5TxaDgLNVZIVcSIpaYoLm5eChqWBT5LNVysCksxkvPfzf8CecY041Bn4LdqFedr52W3rypbouhfNEVN1rivM5j"
        )],
        examples_negative: &["sl.short"],
        ..BASE
    },
    BuiltinRule {
        id: "dropbox-long-lived-token",
        title: "Dropbox long-lived access token",
        keywords: &["dropbox"],
        regex: assign!(
            r"dropbox[A-Za-z0-9_.\-]{0,15}?(?:token|key)",
            r"[A-Za-z0-9]{11}AAAAAAAAAA[A-Za-z0-9_\-=]{43}"
        ),
        examples_positive: &[concat!(
            "DROPBOX_ACCESS_TOKEN=",
            "nl7ThoFRZGO",
            "AAAAAAAAAA",
            "lL3cE0A7Gq5x9cgFOr8vfaF261fnipa8HM3xKToT8WH"
        )],
        examples_negative: &["DROPBOX_ACCESS_TOKEN=<token>"],
        ..BASE
    },
    BuiltinRule {
        id: "asana-pat",
        title: "Asana personal access token",
        keywords: &["asana"],
        regex: assign!(
            r"asana[A-Za-z0-9_.\-]{0,10}?(?:token|pat|key)",
            r"[0-9]/[0-9]{16}:[A-Za-z0-9]{32}|2/[0-9]{16}/[0-9]{16}:[a-f0-9]{32}"
        ),
        examples_positive: &[concat!(
            "ASANA_TOKEN=1/",
            "7515130221166275",
            ":",
            "VPH4e6gZHTUUPG0YyxG0LhahEJaUyulA"
        )],
        examples_negative: &["ASANA_TOKEN=1/2:3"],
        ..BASE
    },
    BuiltinRule {
        id: "airtable-pat",
        title: "Airtable personal access token",
        keywords: &["pat"],
        regex: r"\b(?P<secret>pat[A-Za-z0-9]{14}\.[a-f0-9]{64})\b",
        entropy: Some(3.5),
        examples_positive: &[concat!(
            "AIRTABLE_TOKEN=pat",
            "kru5ZphSVfhLie",
            ".",
            "c92f26d98f7aa39b61bb3f9d8b3ba05c0e62d8666e835da30c62e9795c34b352"
        )],
        examples_negative: &["path.to.module"],
        ..BASE
    },
    BuiltinRule {
        id: "algolia-admin-key",
        title: "Algolia admin / write API key",
        keywords: &["algolia"],
        regex: assign!(
            r"algolia[A-Za-z0-9_.\-]{0,15}?(?:admin|api|write)[_.\-]?key",
            r"[a-f0-9]{32}"
        ),
        entropy: Some(3.0),
        examples_positive: &[concat!(
            "ALGOLIA_ADMIN_KEY=",
            "3566c35ab68671f366758a1e9df135a0"
        )],
        examples_negative: &["ALGOLIA_ADMIN_KEY=\"\""],
        ..BASE
    },
    BuiltinRule {
        id: "mapbox-secret-token",
        title: "Mapbox secret access token",
        keywords: &["sk.eyj1ijoi"],
        regex: r"\b(?P<secret>sk\.eyJ1Ijoi[A-Za-z0-9_\-]{20,}\.[A-Za-z0-9_\-]{20,})",
        entropy: Some(3.5),
        examples_positive: &[concat!(
            "MAPBOX_TOKEN=sk",
            ".eyJ1Ijoi",
            "UYa3ryhpCj_px-Zw6pFgrWGFDoPH4m2U9y5nPrxfyFwp_Ud7R1_ECCY6D8Yr",
            ".",
            "zzQQmktFv5dSTq2IDlelEh"
        )],
        examples_negative: &["sk.eyJ1Ijoishort"],
        ..BASE
    },
    BuiltinRule {
        id: "grafana-cloud-api-token",
        title: "Grafana Cloud API token",
        keywords: &["glc_"],
        regex: concat!(r"\b(?P<secret>glc_[A-Za-z0-9+/]{32,400}={0,2})", end!()),
        entropy: Some(3.5),
        examples_positive: &[concat!(
            "glc_",
            "iKBXTmJvoh+rklLEmwcm58PhdTsY7s0+nPQJtnxGcoB9OvVTWAqN4ZKtMQwaRTlQvYqKFnxH562evOeA"
        )],
        examples_negative: &["glc_short"],
        ..BASE
    },
    BuiltinRule {
        id: "grafana-service-account-token",
        title: "Grafana service account token",
        keywords: &["glsa_"],
        regex: r"\b(?P<secret>glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8})\b",
        examples_positive: &[concat!(
            "glsa_",
            "m3Zx7er1v1ISKvnqySHPHfeIWxDDNVEs",
            "_",
            "372bc7da"
        )],
        examples_negative: &["glsa_short"],
        ..BASE
    },
    BuiltinRule {
        id: "grafana-api-key",
        title: "Grafana API key (legacy)",
        severity: Severity::Medium,
        keywords: &["eyjrijoi"],
        regex: r"\b(?P<secret>eyJrIjoi[A-Za-z0-9]{70,400}={0,2})",
        entropy: Some(3.5),
        examples_positive: &[concat!(
            "eyJrIjoi",
            "Fpxt3hSLACVEU0fenFfuPLZreN1fiPkRAg7yim6bhFyVWegwN1J5RFVpve6SzIKW4ZFYd3Erw0tVS2JoScXXEBZdE9"
        )],
        examples_negative: &["eyJrIjoishort"],
        ..BASE
    },
    BuiltinRule {
        id: "okta-api-token",
        title: "Okta API token",
        keywords: &["okta"],
        regex: assign!(
            r"okta[A-Za-z0-9_.\-]{0,15}?(?:token|key)",
            r"00[A-Za-z0-9_\-]{40}"
        ),
        entropy: Some(3.5),
        examples_positive: &[concat!(
            "OKTA_API_TOKEN=00",
            "gucOKMbpDN5rRHUUeBqaGh8TyQT_-5p_sVk8pM44"
        )],
        examples_negative: &["OKTA_API_TOKEN={{okta_token}}"],
        ..BASE
    },
    BuiltinRule {
        id: "fastly-api-token",
        title: "Fastly API token",
        keywords: &["fastly"],
        regex: assign!(
            r"fastly[A-Za-z0-9_.\-]{0,15}?(?:token|key)",
            r"[A-Za-z0-9_\-]{32}"
        ),
        entropy: Some(3.5),
        examples_positive: &[concat!(
            "FASTLY_API_TOKEN=",
            "lF5gs092LvrzQmrQRT6XlL9ky3YJ2VzZ"
        )],
        examples_negative: &["FASTLY_API_TOKEN=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"],
        ..BASE
    },
    BuiltinRule {
        id: "cloudflare-api-token",
        title: "Cloudflare API token",
        keywords: &["cloudflare", "cf_api_token", "cf-api-token"],
        regex: assign!(
            r"cloudflare[A-Za-z0-9_.\-]{0,15}?token|cf[_.\-]api[_.\-]token",
            r"[A-Za-z0-9_\-]{40}"
        ),
        entropy: Some(3.5),
        examples_positive: &[concat!(
            "CLOUDFLARE_API_TOKEN=",
            "liXaMXrNE_U-jPsRpcGW9OFpzDb5kvq6J3423bE7"
        )],
        examples_negative: &["CLOUDFLARE_API_TOKEN=$CF_TOKEN"],
        ..BASE
    },
    BuiltinRule {
        id: "cloudflare-global-api-key",
        title: "Cloudflare global API key",
        keywords: &["cloudflare", "cf_api_key", "cf-api-key"],
        regex: assign!(
            r"cloudflare[A-Za-z0-9_.\-]{0,15}?key|cf[_.\-]api[_.\-]key",
            r"[a-f0-9]{37}"
        ),
        entropy: Some(3.0),
        examples_positive: &[concat!(
            "CLOUDFLARE_API_KEY=",
            "7e4852a0399f4713757af332f9b9f8f6c4975"
        )],
        examples_negative: &["CLOUDFLARE_API_KEY="],
        ..BASE
    },
    BuiltinRule {
        id: "cloudflare-origin-ca-key",
        title: "Cloudflare Origin CA key",
        keywords: &["v1.0-"],
        regex: r"\b(?P<secret>v1\.0-[a-f0-9]{24}-[a-f0-9]{146})\b",
        examples_positive: &[concat!(
            "v1.0-",
            "ac9c95eaf1f39982218a2391",
            "-",
            "eb8ab6f8095b1f28d52dc30f3f948eaad3e04cd795a62da4f760989730849f985f49c4a6591d997a58693778be19179f4c6ee51b011498c21cd0e46008af68f56158eb97178e5a7244"
        )],
        examples_negative: &["v1.0-short"],
        ..BASE
    },
    BuiltinRule {
        id: "netlify-pat",
        title: "Netlify personal access token",
        keywords: &["nfp_"],
        regex: r"\b(?P<secret>nfp_[A-Za-z0-9]{36})\b",
        entropy: Some(3.5),
        examples_positive: &[concat!(
            "NETLIFY_AUTH_TOKEN=nfp_",
            "mN5iRUHSHpbU89wWFeZkjXUCRcjw0KzlIIAK"
        )],
        examples_negative: &["nfp_short"],
        ..BASE
    },
    BuiltinRule {
        id: "netlify-access-token",
        title: "Netlify access token (legacy)",
        keywords: &["netlify"],
        regex: assign!(
            r"netlify[A-Za-z0-9_.\-]{0,15}?(?:token|key)",
            r"[A-Za-z0-9_\-]{40,46}"
        ),
        entropy: Some(3.5),
        examples_positive: &[concat!(
            "NETLIFY_AUTH_TOKEN=",
            "cu-VnWx4CfTfnzCw8yXZAqrwM8i26_bEokURAvGeO-z"
        )],
        examples_negative: &["NETLIFY_AUTH_TOKEN=${{ secrets.NETLIFY }}"],
        ..BASE
    },
    BuiltinRule {
        id: "vercel-access-token",
        title: "Vercel access token",
        keywords: &["vercel"],
        regex: assign!(
            r"vercel[A-Za-z0-9_.\-]{0,15}?(?:token|key)",
            r"[A-Za-z0-9]{24}"
        ),
        entropy: Some(3.5),
        examples_positive: &[concat!("VERCEL_TOKEN=", "PcVJx3suwWtpSA65j4sWAiAe")],
        examples_negative: &["VERCEL_TOKEN=changeme"],
        ..BASE
    },
    BuiltinRule {
        id: "supabase-secret-key",
        title: "Supabase secret API key",
        severity: Severity::Critical,
        keywords: &["sb_secret_"],
        regex: concat!(r"\b(?P<secret>sb_secret_[A-Za-z0-9_\-]{31,})", end!()),
        entropy: Some(3.5),
        examples_positive: &[concat!(
            "SUPABASE_SECRET_KEY=sb_",
            "secret_",
            "6AWfBKyi-fZyTseN32y36BUXrIbhsBaNHOlRQJOA"
        )],
        examples_negative: &["sb_secret_short"],
        ..BASE
    },
    BuiltinRule {
        id: "supabase-management-token",
        title: "Supabase management API token",
        keywords: &["sbp_"],
        regex: r"\b(?P<secret>sbp_[a-f0-9]{40})\b",
        examples_positive: &[concat!(
            "SUPABASE_ACCESS_TOKEN=sbp_",
            "b17aa8dc84939f03dc3d702e1fe5e54c87e70443"
        )],
        examples_negative: &["sbp_short"],
        ..BASE
    },
    BuiltinRule {
        id: "planetscale-api-token",
        title: "PlanetScale API token",
        keywords: &["pscale_tkn_"],
        regex: concat!(r"\b(?P<secret>pscale_tkn_[A-Za-z0-9_=.\-]{32,64})", end!()),
        entropy: Some(3.0),
        examples_positive: &[concat!(
            "pscale_",
            "tkn_",
            "BpRxLrEUR9pYykSBLv7wTjO3fjPOOHBejEZ59v0KeSE"
        )],
        examples_negative: &["pscale_tkn_short"],
        ..BASE
    },
    BuiltinRule {
        id: "planetscale-password",
        title: "PlanetScale database password",
        keywords: &["pscale_pw_"],
        regex: concat!(r"\b(?P<secret>pscale_pw_[A-Za-z0-9_=.\-]{32,64})", end!()),
        entropy: Some(3.0),
        examples_positive: &[concat!(
            "pscale_",
            "pw_",
            "WZEwHwfGbLPRHBzWzHawh6iWsnzc-5WAosXqS2nyJol"
        )],
        examples_negative: &["pscale_pw_short"],
        ..BASE
    },
    BuiltinRule {
        id: "planetscale-oauth-token",
        title: "PlanetScale OAuth token",
        keywords: &["pscale_oauth_"],
        regex: concat!(
            r"\b(?P<secret>pscale_oauth_[A-Za-z0-9_=.\-]{32,64})",
            end!()
        ),
        entropy: Some(3.0),
        examples_positive: &[concat!(
            "pscale_",
            "oauth_",
            "dXy5fP4Wz8yqjtY3q_I9t_8D3XVWT2sZZhT9X95sv_d"
        )],
        examples_negative: &["pscale_oauth_short"],
        ..BASE
    },
    BuiltinRule {
        id: "twitter-bearer-token",
        title: "Twitter / X API bearer token",
        keywords: &["aaaaaaaaaaaaaaaaaaaaaa"],
        regex: r"\b(?P<secret>A{22}[A-Za-z0-9%]{80,100})(?:[^A-Za-z0-9%]|\z)",
        entropy: Some(4.0),
        examples_positive: &[concat!(
            "TWITTER_BEARER_TOKEN=",
            "AAAAAAAAAAAAAAAAAAAAA",
            "A",
            "V6OQdtW2AQTYMp17VOl6qTuQYlEH4Imxgd7jfwgYxfLPbdTIo68ET1LWojvydwFTu2COHNrH6tg9wBo9IK8MoY5NPy"
        )],
        examples_negative: &["AAAAAAAAAAAAAAAAAAAAAAshort"],
        ..BASE
    },
    BuiltinRule {
        id: "facebook-app-secret",
        title: "Facebook app secret",
        keywords: &["facebook", "fb_app_secret", "fb_secret", "fb-app-secret"],
        regex: assign!(
            r"(?:facebook|fb)[_.\-]?(?:app[_.\-]?)?secret",
            r"[a-f0-9]{32}"
        ),
        entropy: Some(3.0),
        examples_positive: &[concat!(
            "FACEBOOK_APP_SECRET=",
            "73dd29a830b2a4aa7dc838df34830875"
        )],
        examples_negative: &["FACEBOOK_APP_SECRET=$FB_SECRET"],
        ..BASE
    },
    BuiltinRule {
        id: "facebook-access-token",
        title: "Facebook page/user access token",
        severity: Severity::Medium,
        keywords: &["eaac", "eaam"],
        regex: r"\b(?P<secret>EAA[CM][A-Za-z0-9]{100,})\b",
        entropy: Some(4.0),
        examples_positive: &[concat!(
            "EAAC",
            "BdMU3VjJLFKjfIXI0gvuwWjy6OjB4Xuyci86QbQYhYK8UXillJHG9knMlTJqwY35nOC8hWITxmRA68AQCeMjgk8YnLqgjo1SlHWK2q0g2wcNzAFFWJ5QthHU"
        )],
        examples_negative: &["EAACshort"],
        ..BASE
    },
    BuiltinRule {
        id: "alibaba-access-key-id",
        title: "Alibaba Cloud AccessKey id",
        keywords: &["ltai"],
        regex: r"\b(?P<secret>LTAI[A-Za-z0-9]{12,20})(?:[^A-Za-z0-9]|\z)",
        entropy: Some(3.0),
        examples_positive: &[concat!(
            "ALIBABA_CLOUD_ACCESS_KEY_ID=LTAI",
            "keaHydTACIVtNJckogX0"
        )],
        examples_negative: &["LTAIshort"],
        ..BASE
    },
    BuiltinRule {
        id: "tencent-secret-id",
        title: "Tencent Cloud SecretId",
        keywords: &["akid"],
        regex: r"\b(?P<secret>AKID[A-Za-z0-9]{32})\b",
        entropy: Some(3.5),
        examples_positive: &[concat!(
            "TENCENTCLOUD_SECRET_ID=AKID",
            "lAmQDi9KwH4GtbN3CipH7JRqw9HVdkLP"
        )],
        examples_negative: &["AKIDshort"],
        ..BASE
    },
    BuiltinRule {
        id: "flyio-access-token",
        title: "Fly.io access token",
        keywords: &["fo1_", "fm1", "fm2_"],
        regex: r"\b(?P<secret>fo1_[A-Za-z0-9_\-]{43}|fm[12][ar]?_[A-Za-z0-9+/]{100,}={0,3})",
        entropy: Some(4.0),
        examples_positive: &[concat!(
            "FLY_API_TOKEN=fo1_",
            "KtxF2YhOzFAX_lKisVl5wCZrigYDB_oRifzpeUH9JXe"
        )],
        examples_negative: &["fo1_short"],
        ..BASE
    },
    BuiltinRule {
        id: "dynatrace-api-token",
        title: "Dynatrace API token",
        keywords: &["dt0c01."],
        regex: r"\b(?P<secret>dt0c01\.[A-Z0-9]{24}\.[A-Z0-9]{64})\b",
        entropy: Some(4.0),
        examples_positive: &[concat!(
            "dt0c01",
            ".",
            "CN50GOQ8F2SVZDQPXBPT2SA5",
            ".",
            "LM6S53OR8F8E9Z3D3IDD6DSGGPYVVUHMH6RYMZUMTH7E1YSCPV9KUUYJR8WGFA10"
        )],
        examples_negative: &["dt0c01.SHORT.X"],
        ..BASE
    },
    BuiltinRule {
        id: "adafruit-io-key",
        title: "Adafruit IO key",
        severity: Severity::Medium,
        keywords: &["aio_"],
        regex: r"\b(?P<secret>aio_[A-Za-z0-9]{28})\b",
        entropy: Some(3.5),
        examples_positive: &[concat!(
            "ADAFRUIT_IO_KEY=aio_",
            "e0jqCtG5oHgNNUBT3qGEaF5Svjid"
        )],
        examples_negative: &["aio_short"],
        ..BASE
    },
    BuiltinRule {
        id: "prefect-api-key",
        title: "Prefect API key",
        keywords: &["pnu_"],
        regex: r"\b(?P<secret>pnu_[A-Za-z0-9]{36})\b",
        entropy: Some(3.0),
        examples_positive: &[concat!(
            "PREFECT_API_KEY=pnu_",
            "gk34edOAhnIA59G1qVzSzOGqZbNYX8yGdPqO"
        )],
        examples_negative: &["pnu_short"],
        ..BASE
    },
    BuiltinRule {
        id: "scalingo-api-token",
        title: "Scalingo API token",
        keywords: &["tk-us-"],
        regex: concat!(r"\b(?P<secret>tk-us-[A-Za-z0-9_\-]{48})", end!()),
        examples_positive: &[concat!(
            "tk-us-",
            "Br0T_CzqcYHR7yM-AiX97h-1cNI7iy7uy28cFpEkHlOxMyqp"
        )],
        examples_negative: &["tk-us-short"],
        ..BASE
    },
    BuiltinRule {
        id: "hubspot-private-app-token",
        title: "HubSpot private app token",
        keywords: &["pat-na1-", "pat-eu1-"],
        regex: r"\b(?P<secret>pat-(?:na|eu)1-[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12})\b",
        examples_positive: &[concat!(
            "pat-",
            "na1-",
            "49c2cfbd-96c0-5466-8e19-a5c7f86d1e08"
        )],
        examples_negative: &["pat-na1-short"],
        ..BASE
    },
    BuiltinRule {
        id: "frameio-api-token",
        title: "Frame.io API token",
        keywords: &["fio-u-"],
        regex: r"\b(?P<secret>fio-u-[A-Za-z0-9_=\-]{64})",
        examples_positive: &[concat!(
            "fio-u-",
            "wM-EbMjPaMF79mGKgPkpBAcAv-gD0qwcZaPSEfmeHkiWLYhkMrbK7hQcLVxKVVXJ"
        )],
        examples_negative: &["fio-u-short"],
        ..BASE
    },
    BuiltinRule {
        id: "openshift-user-token",
        title: "OpenShift user token",
        keywords: &["sha256~"],
        regex: r"\b(?P<secret>sha256~[A-Za-z0-9_\-]{43})(?:[^A-Za-z0-9_\-]|\z)",
        entropy: Some(3.5),
        examples_positive: &[concat!(
            "oc login --token=sha256~",
            "R2bPtJ1YlZeSqtys37FxoGWucKtrgUJfYZM2wQxzUmx"
        )],
        examples_negative: &["sha256~short"],
        ..BASE
    },
    BuiltinRule {
        id: "maxmind-license-key",
        title: "MaxMind license key",
        severity: Severity::Medium,
        keywords: &["_mmk"],
        regex: r"\b(?P<secret>[A-Za-z0-9]{6}_[A-Za-z0-9]{29}_mmk)\b",
        entropy: Some(4.0),
        examples_positive: &[concat!(
            "5O5xXZ",
            "_",
            "jdRc5ZzWjjkUReo0IBFbcm3vs1zty",
            "_mmk"
        )],
        examples_negative: &["abc_mmk"],
        ..BASE
    },
    BuiltinRule {
        id: "clickhouse-cloud-api-secret",
        title: "ClickHouse Cloud API secret key",
        keywords: &["4b1d"],
        regex: r"\b(?P<secret>4b1d[A-Za-z0-9]{38})\b",
        entropy: Some(3.5),
        examples_positive: &[concat!("4b1d", "PUYye5tpQ2NuAadN1xtsAxqzZma3mYx7DDZgHH")],
        examples_negative: &["4b1dshort"],
        ..BASE
    },
    BuiltinRule {
        id: "render-api-key",
        title: "Render API key",
        keywords: &["rnd_"],
        regex: r"\b(?P<secret>rnd_[A-Za-z0-9]{32})\b",
        entropy: Some(3.5),
        examples_positive: &[concat!(
            "RENDER_API_KEY=rnd_",
            "Ovx8slG3vnghHsu1a64NwLYj5cm2NQgr"
        )],
        examples_negative: &["rnd_short"],
        ..BASE
    },
    // -------------------------------------------------------------- generic
    BuiltinRule {
        id: "generic-password",
        title: "Hard-coded password",
        severity: Severity::Medium,
        priority: 0,
        keywords: &["password", "passwd", "passphrase", "pwd"],
        regex: r#"(?i)(?:password|passwd|passphrase|pwd)[A-Za-z0-9_.\-]{0,20}["']?[ \t]*(?:=|:=|:|=>)[ \t]*["'`]?(?P<secret>[^\s"'`;,(){}<>\[\]]{8,128})(?:["'`;,)#]|\s|\z)"#,
        entropy: Some(3.0),
        validator: Some(Validator::GenericValue),
        examples_positive: &[
            "db_password = \"Q7v-fake-9zLp2Wx\"\n",
            "spring.datasource.password=Zk3!fake9Qw#Lm\n",
        ],
        examples_negative: &[
            "password = os.environ[\"DB_PASSWORD\"]\n",
            "password = getpass.getpass()\n",
            "password_hash = \"$2b$12$Q7vfake9zLp2WxQ7vfake9zLp2Wx\"\n",
            "self.password = password\n",
            "password: ${DB_PASSWORD}\n",
            "password = \"hunter22\"\n",
        ],
        skip_in_packages: true,
        ..BASE
    },
    BuiltinRule {
        id: "generic-secret",
        title: "Hard-coded secret",
        severity: Severity::Medium,
        priority: 0,
        keywords: &["secret"],
        regex: r#"(?i)secret[A-Za-z0-9_.\-]{0,20}["']?[ \t]*(?:=|:=|:|=>)[ \t]*["'`]?(?P<secret>[^\s"'`;,(){}<>\[\]]{12,256})(?:["'`;,)#]|\s|\z)"#,
        entropy: Some(3.5),
        validator: Some(Validator::GenericValue),
        examples_positive: &[concat!(
            "CLIENT_SECRET = \"",
            "ABLvB7rE8Ta9rRCxhaWbChiUb7LBuX3I",
            "\"\n"
        )],
        examples_negative: &[
            "SECRET_KEY = get_random_secret_key()\n",
            "client_secret: \"{{ vault_client_secret }}\"\n",
        ],
        skip_in_packages: true,
        ..BASE
    },
    BuiltinRule {
        id: "generic-token",
        title: "Hard-coded token",
        severity: Severity::Medium,
        priority: 0,
        keywords: &["token"],
        regex: r#"(?i)token[A-Za-z0-9_.\-]{0,20}["']?[ \t]*(?:=|:=|:|=>)[ \t]*["'`]?(?P<secret>[^\s"'`;,(){}<>\[\]]{16,512})(?:["'`;,)#]|\s|\z)"#,
        entropy: Some(3.5),
        validator: Some(Validator::GenericValue),
        examples_positive: &[concat!(
            "auth_token: \"",
            "22ir0eZicGNLZL_R8UUQKKvjJDdNDYpY_d-u2h3c",
            "\"\n"
        )],
        examples_negative: &[
            "tokenizer = AutoTokenizer.from_pretrained(name)\n",
            "token = request.headers.get(\"X-Token\")\n",
            "token_type = \"bearer_with_refresh_v2\"\n",
        ],
        skip_in_packages: true,
        ..BASE
    },
    BuiltinRule {
        id: "generic-api-key",
        title: "Hard-coded API key",
        severity: Severity::Medium,
        priority: 0,
        keywords: &[
            "api_key",
            "apikey",
            "api-key",
            "access_key",
            "accesskey",
            "access-key",
            "auth_key",
            "authkey",
            "private_key",
            "signing_key",
            "encryption_key",
        ],
        regex: r#"(?i)(?:api[_.\-]?key|access[_.\-]?key|auth[_.\-]?key|private[_.\-]?key|signing[_.\-]?key|encryption[_.\-]?key)[A-Za-z0-9_.\-]{0,20}["']?[ \t]*(?:=|:=|:|=>)[ \t]*["'`]?(?P<secret>[^\s"'`;,(){}<>\[\]]{16,256})(?:["'`;,)#]|\s|\z)"#,
        entropy: Some(3.5),
        validator: Some(Validator::GenericValue),
        examples_positive: &[concat!(
            "api_key = '",
            "H4b6pjoqu4u7BkccrHUPjMGKdo2IGq6w",
            "'\n"
        )],
        examples_negative: &[
            "api_key = settings.API_KEY\n",
            "api_key = \"<your_api_key>\"\n",
            "api_key_header = APIKeyHeader(name=\"X-API-Key\")\n",
        ],
        skip_in_packages: true,
        ..BASE
    },
];
