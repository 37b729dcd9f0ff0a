//! Every check's id, severity and text. Ids are stable: never renumber,
//! only append.

use crate::finding::{CheckInfo, CheckTarget, Severity};

macro_rules! checks {
    ($( $name:ident = $id:literal, $sev:ident, $target:ident, $title:literal,
        why: $why:literal, fix: $fix:literal; )*) => {
        $(
            pub(crate) const $name: CheckInfo = CheckInfo {
                id: $id,
                severity: Severity::$sev,
                title: $title,
                description: $why,
                resolution: $fix,
                target: CheckTarget::$target,
            };
        )*
        /// All checks, Dockerfile checks first, in id order.
        pub(crate) static ALL: &[CheckInfo] = &[$($name),*];
    };
}

checks! {
    DF001 = "CUS-DF-001", High, Dockerfile, "Final stage runs as root",
        why: "A container whose process runs as root turns any code-execution bug in the application (a malicious model file, a deserialisation flaw, a vulnerable dependency) into root inside the container, and one kernel or runtime escape away from root on the host.",
        fix: "Create an unprivileged user and switch to it at the end of the final stage, e.g. `RUN useradd --uid 10001 --create-home app` then `USER 10001`.";
    DF002 = "CUS-DF-002", Medium, Dockerfile, "Base image uses the `latest` tag or no tag",
        why: "`latest` (or no tag, which means `latest`) changes whenever the publisher pushes, so two builds of the same Dockerfile can ship different operating systems, libraries and vulnerabilities, and a compromised upstream push is picked up silently.",
        fix: "Name an explicit version tag (`python:3.11-slim-bookworm`), ideally with its digest (`python:3.11-slim@sha256:...`).";
    DF003 = "CUS-DF-003", Low, Dockerfile, "Base image is not pinned by digest",
        why: "Tags are mutable: the image behind `python:3.11-slim` is rebuilt regularly, so the bytes you scanned and tested are not guaranteed to be the bytes the next build pulls.",
        fix: "Append the digest you tested, e.g. `FROM python:3.11-slim@sha256:<digest>`, and let a bot (Renovate, Dependabot) bump it.";
    DF004 = "CUS-DF-004", Medium, Dockerfile, "ADD downloads from a URL",
        why: "`ADD <url>` fetches a remote file at build time without any integrity check, so whatever the server (or anyone in between) returns ends up in the image; the download also cannot be cleaned up in the same layer.",
        fix: "Pin the content with `ADD --checksum=sha256:<hash> <url> <dest>`, or download with `curl -fsSLo` and verify a checksum (`sha256sum -c`) in one RUN.";
    DF005 = "CUS-DF-005", Low, Dockerfile, "ADD used where COPY is enough",
        why: "ADD has extra behaviour (remote downloads, automatic archive extraction) that makes a plain file copy harder to reason about; for local files that are not archives COPY does the same thing explicitly.",
        fix: "Use `COPY` for local files and directories; keep `ADD` for local archives you want extracted.";
    DF006 = "CUS-DF-006", Low, Dockerfile, "apt-get install without -y",
        why: "Without `-y` apt asks for confirmation; in a non-interactive build the prompt is answered with 'no' and the build fails, or worse, depends on the terminal it happens to run in.",
        fix: "Add `-y` (or `--yes`): `apt-get install -y --no-install-recommends <packages>`.";
    DF007 = "CUS-DF-007", Low, Dockerfile, "apt-get install without --no-install-recommends",
        why: "Recommended packages are installed by default; they inflate the image and add code (and CVEs) the application never uses.",
        fix: "Add `--no-install-recommends` and list the packages you actually need.";
    DF008 = "CUS-DF-008", Low, Dockerfile, "apt lists not removed in the same RUN",
        why: "`apt-get update` downloads package lists into /var/lib/apt/lists; unless they are deleted in the same RUN they stay in the layer, adding tens of megabytes of stale metadata.",
        fix: "End the RUN that calls `apt-get update` with `&& rm -rf /var/lib/apt/lists/*`, or use `RUN --mount=type=cache,target=/var/lib/apt`.";
    DF009 = "CUS-DF-009", Low, Dockerfile, "apk add without --no-cache",
        why: "Without `--no-cache` apk keeps its index in /var/cache/apk, which then ships in the image for nothing.",
        fix: "Use `apk add --no-cache <packages>`.";
    DF010 = "CUS-DF-010", High, Dockerfile, "Remote script piped into a shell",
        why: "`curl ... | sh` runs whatever the server returns at build time, unverified: a compromised or hijacked download host, or a truncated transfer, executes arbitrary code inside your image build.",
        fix: "Download the script to a file, verify its checksum or signature, then run it: `curl -fsSLo install.sh <url> && echo '<sha256>  install.sh' | sha256sum -c - && sh install.sh`. Prefer a package manager.";
    DF011 = "CUS-DF-011", High, Dockerfile, "Secret-like name in ENV or ARG",
        why: "ENV values are stored in the image configuration and ARG values passed with `--build-arg` are recorded in the image history; anyone who can pull the image can read them with `docker history` or `docker inspect`.",
        fix: "Pass secrets with BuildKit secret mounts (`RUN --mount=type=secret,id=token ...`) and inject runtime secrets when the container starts (orchestrator secrets, env files), never via ENV or ARG.";
    DF012 = "CUS-DF-012", Critical, Dockerfile, "Credential value in ENV or ARG",
        why: "The value looks like a real credential (GitHub, Hugging Face, OpenAI, AWS, ... token). It is stored in the image metadata or history in the clear and is readable by anyone who can pull the image.",
        fix: "Revoke the credential now, remove it from the Dockerfile and history, and provide it at build time with `RUN --mount=type=secret` or at run time from a secret store.";
    DF013 = "CUS-DF-013", Medium, Dockerfile, "sudo used in RUN",
        why: "Build steps already run as the current USER; `sudo` means the image ships a sudo binary and a sudoers setup, which gives any process in the container an easy path back to root, and it behaves unpredictably without a TTY.",
        fix: "Run privileged steps before switching `USER`, or switch with `USER root` ... `USER app` around them; use `gosu`/`su-exec` in entrypoints if you need to drop privileges at run time.";
    DF014 = "CUS-DF-014", Medium, Dockerfile, "World-writable permissions",
        why: "`chmod 777` (or `a+rwx`, `o+w`) lets any user in the container modify the files, so code running as an unprivileged user can replace binaries, scripts or models that a privileged process later runs or loads.",
        fix: "Give ownership to the user that needs to write (`COPY --chown=app:app`, `chown app`) and use modes like 755/644 (or 1777 only for shared tmp directories).";
    DF015 = "CUS-DF-015", Medium, Dockerfile, "Port 22 (SSH) exposed",
        why: "Exposing SSH means running an SSH daemon in the container: another network service with credentials to manage and attack, and a way around the container's normal exec and logging paths.",
        fix: "Remove `EXPOSE 22` and the SSH server; use `docker exec` / `kubectl exec` for debugging.";
    DF016 = "CUS-DF-016", Low, Dockerfile, "No HEALTHCHECK in the final image",
        why: "Without a health check the runtime only knows whether the process exists, not whether it still serves; hung model servers keep receiving traffic and are never restarted.",
        fix: "Add e.g. `HEALTHCHECK --interval=30s --timeout=3s CMD curl -fsS http://localhost:8080/health || exit 1` (or rely on orchestrator probes and set `HEALTHCHECK NONE` explicitly).";
    DF017 = "CUS-DF-017", Medium, Dockerfile, "pip install without pinned versions",
        why: "Unpinned packages resolve to whatever is newest at build time: builds are not reproducible and a malicious or broken release is pulled in automatically.",
        fix: "Pin exact versions (`pkg==1.2.3`) or install from a locked requirements file (`pip install -r requirements.txt`, ideally with `--require-hashes`).";
    DF018 = "CUS-DF-018", Low, Dockerfile, "pip install without --no-cache-dir",
        why: "pip keeps downloaded wheels in ~/.cache/pip; in an image the cache is dead weight (hundreds of megabytes for ML frameworks).",
        fix: "Add `--no-cache-dir`, set `ENV PIP_NO_CACHE_DIR=1`, or use `RUN --mount=type=cache,target=/root/.cache/pip`.";
    DF019 = "CUS-DF-019", High, Dockerfile, "pip uses an insecure package index",
        why: "`--trusted-host` disables TLS certificate checks and an `http://` index sends packages over plain HTTP: anyone on the network path can substitute a package and run code in your build.",
        fix: "Use an `https://` index with a valid certificate; if it uses a private CA, install the CA (`--cert` / `PIP_CERT`) instead of trusting the host.";
    DF020 = "CUS-DF-020", Low, Dockerfile, "npm install where npm ci fits",
        why: "`npm install` may update the lockfile and resolve different versions than the ones you tested; `npm ci` installs exactly what package-lock.json says and fails if it is out of date.",
        fix: "Use `npm ci` (with `--omit=dev` for production images).";
    DF021 = "CUS-DF-021", Medium, Dockerfile, "Whole build context copied without a .dockerignore that keeps secrets out",
        why: "`COPY . .` copies everything in the build context; without a .dockerignore excluding them, `.env` files with credentials and the `.git` directory (history, remotes with tokens) end up in the image.",
        fix: "Add a .dockerignore that excludes at least `.git` and `.env*` (or start with `*` and re-include what the image needs with `!`), or copy only the files you need.";
    DF022 = "CUS-DF-022", Low, Dockerfile, "Relative WORKDIR",
        why: "A relative WORKDIR depends on the WORKDIR in force before it, which may come from the base image and change with it; the resulting path is easy to get wrong.",
        fix: "Use an absolute path: `WORKDIR /app`.";
    DF023 = "CUS-DF-023", Low, Dockerfile, "More than one CMD or ENTRYPOINT in a stage",
        why: "Only the last CMD and the last ENTRYPOINT of a stage take effect; earlier ones are dead code that misleads readers about what the container runs.",
        fix: "Keep a single CMD and a single ENTRYPOINT per stage.";
    DF024 = "CUS-DF-024", Low, Dockerfile, "RUN starts with cd",
        why: "A `cd` in RUN only lasts for that RUN; starting with it hides the working directory from later instructions and readers.",
        fix: "Use `WORKDIR /path` before the RUN.";
    DF025 = "CUS-DF-025", Low, Dockerfile, "MAINTAINER is deprecated",
        why: "MAINTAINER has been deprecated for years; tools read the author from labels instead.",
        fix: "Use `LABEL org.opencontainers.image.authors=\"name <email>\"`.";
    DF026 = "CUS-DF-026", Critical, Dockerfile, "Jupyter without authentication on all interfaces",
        why: "A Jupyter server listening on 0.0.0.0 with an empty token and no password gives anyone who can reach the port an interactive shell in the container (and to any mounted data and credentials).",
        fix: "Keep token authentication on (do not set the token to an empty string), or set a hashed password; bind to 127.0.0.1 and use a port-forward or an authenticating proxy.";
    DF027 = "CUS-DF-027", Medium, Dockerfile, "Jupyter started with --allow-root",
        why: "`--allow-root` silences Jupyter's refusal to run as root, so every notebook cell executes with root privileges inside the container.",
        fix: "Run Jupyter as an unprivileged user (`USER jovyan`) and drop `--allow-root`.";
    DF028 = "CUS-DF-028", Critical, Dockerfile, "Credential written into a RUN command",
        why: "Credentials in a RUN command line (login tokens, `https://user:token@` URLs, API keys) are stored verbatim in the image history and build cache, and often also in files the command writes.",
        fix: "Revoke the credential, then pass it with `RUN --mount=type=secret,id=...` (or `env=` on the mount) so it never appears in the command or in a layer.";
    DF029 = "CUS-DF-029", High, Dockerfile, "Credential from a build argument or ENV used in a RUN command",
        why: "Build arguments used in RUN are recorded in the image history, ENV values are in the image config, and login commands (`huggingface-cli login`, `wandb login`) and `git clone https://user:token@...` write the token to files in the layer.",
        fix: "Use a BuildKit secret mount (`RUN --mount=type=secret,id=hf_token,env=HF_TOKEN ...`) and let the tool read the token from the environment of that one RUN instead of logging in or embedding it in URLs.";
    DF030 = "CUS-DF-030", Low, Dockerfile, "yum/dnf install without -y",
        why: "Without `-y` yum/dnf wait for a confirmation that never comes in a non-interactive build, which aborts it.",
        fix: "Add `-y`: `dnf install -y <packages>`.";
    DF031 = "CUS-DF-031", Low, Dockerfile, "yum/dnf cache not cleaned in the same RUN",
        why: "yum and dnf keep metadata and packages in /var/cache; unless cleaned in the same RUN it stays in the layer.",
        fix: "End the RUN with `&& dnf clean all` (or `yum clean all`, `rm -rf /var/cache/yum`), or use a cache mount.";
    DF032 = "CUS-DF-032", High, Dockerfile, "RUN with --security=insecure",
        why: "`--security=insecure` runs the step as a privileged container with full access to the build host's devices and kernel interfaces; a compromised dependency installed in that step owns the builder.",
        fix: "Remove `--security=insecure`; find an unprivileged way to do the step (most do not need it).";
    DF033 = "CUS-DF-033", Low, Dockerfile, "apt used instead of apt-get",
        why: "`apt` is meant for interactive use: its command-line interface is not stable and it warns about that in scripts.",
        fix: "Use `apt-get` (and `apt-cache`) in Dockerfiles.";
    DF034 = "CUS-DF-034", High, Dockerfile, "Sensitive file copied into the image",
        why: "Files like `.env`, SSH private keys, `.npmrc`, `.pypirc`, `.netrc`, cloud credentials or `kaggle.json` hold credentials; once copied they are in a layer for good, even if a later step deletes them.",
        fix: "Do not copy credential files; mount them for the one RUN that needs them with `RUN --mount=type=secret,id=...,target=...` and exclude them in .dockerignore.";
    DF035 = "CUS-DF-035", High, Dockerfile, "TLS certificate verification disabled",
        why: "`curl -k`, `wget --no-check-certificate`, `git -c http.sslVerify=false`, `NODE_TLS_REJECT_UNAUTHORIZED=0` and friends accept any certificate, so anyone on the network path can swap what gets downloaded and executed.",
        fix: "Keep verification on; if a private CA is involved, install its certificate (`update-ca-certificates`) and point the tool at it.";
    DF036 = "CUS-DF-036", Low, Dockerfile, "CMD or ENTRYPOINT in shell form",
        why: "In shell form the process runs under `/bin/sh -c`, which does not forward SIGTERM, so the application cannot shut down gracefully and is killed after the stop timeout.",
        fix: "Use the JSON (exec) form: `CMD [\"python\", \"server.py\"]`; use `exec` in a wrapper script if you need a shell.";

    IC001 = "CUS-IC-001", High, ImageConfig, "Image runs as root",
        why: "The image configuration has no user or names root (`root`, `0`), so the container process runs as root: an application compromise is root in the container and one escape away from the host.",
        fix: "Rebuild with a `USER` set to an unprivileged user, or run the container with `--user`/`runAsNonRoot`.";
    IC002 = "CUS-IC-002", High, ImageConfig, "Secret-like variable in the image Env",
        why: "Environment variables in the image configuration are readable by anyone who can pull the image (`docker inspect`) and by every process in the container.",
        fix: "Remove the variable from the image; inject secrets at run time from a secret store, and rotate the value if it was real.";
    IC003 = "CUS-IC-003", Critical, ImageConfig, "Credential value in the image Env",
        why: "An Env value looks like a real credential (GitHub, Hugging Face, OpenAI, AWS, ... token) and is stored in the clear in the image configuration.",
        fix: "Revoke the credential now, rebuild without it, and inject it at run time from a secret store.";
    IC004 = "CUS-IC-004", Low, ImageConfig, "Image has no HEALTHCHECK",
        why: "Without a health check the runtime cannot tell a hung service from a healthy one.",
        fix: "Add a HEALTHCHECK to the Dockerfile, or configure liveness/readiness probes in the orchestrator.";
    IC005 = "CUS-IC-005", High, ImageConfig, "Build history pipes a remote script into a shell",
        why: "A layer was built by running an unverified remote script (`curl ... | sh`); what it installed cannot be audited from the Dockerfile.",
        fix: "Rebuild with a download that is verified (checksum or signature) before it runs, or use packages.";
    IC006 = "CUS-IC-006", Medium, ImageConfig, "Build history adds a file from a URL",
        why: "A layer was built with `ADD <url>`, which fetches remote content without an integrity check.",
        fix: "Rebuild using `ADD --checksum=` or a verified download.";
    IC007 = "CUS-IC-007", Critical, ImageConfig, "Jupyter without authentication on all interfaces",
        why: "The image's command starts Jupyter on all interfaces with an empty token and no password: anyone who reaches the port gets a shell in the container.",
        fix: "Keep token authentication on or set a hashed password, and bind to 127.0.0.1 behind an authenticating proxy.";
    IC008 = "CUS-IC-008", Medium, ImageConfig, "Port 22 (SSH) exposed",
        why: "The image exposes SSH, meaning an SSH daemon with its own credentials runs in the container.",
        fix: "Remove the SSH server and the exposed port; use exec for debugging.";
    IC009 = "CUS-IC-009", Critical, ImageConfig, "Credential recorded in the build history",
        why: "A build argument, a command line or an ENV step in the image history contains a credential; `docker history --no-trunc` prints it to anyone who can pull the image.",
        fix: "Revoke the credential and rebuild using BuildKit secret mounts so that it never reaches the history.";
    IC010 = "CUS-IC-010", Medium, ImageConfig, "Jupyter started with --allow-root",
        why: "The image's command runs Jupyter as root, so every notebook cell runs as root.",
        fix: "Run Jupyter as an unprivileged user and drop `--allow-root`.";
    IC011 = "CUS-IC-011", High, ImageConfig, "Env disables TLS verification or trusts an insecure package index",
        why: "Variables like `GIT_SSL_NO_VERIFY`, `NODE_TLS_REJECT_UNAUTHORIZED=0`, `PIP_TRUSTED_HOST` or an `http://` `PIP_INDEX_URL` make every process in the container accept forged servers.",
        fix: "Remove the variable; install the private CA certificate instead of disabling verification.";
}
