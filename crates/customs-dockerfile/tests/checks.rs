//! One or more positive and negative cases for every check, table-driven.
//! `every_check_has_positive_and_negative_cases` fails when a check in
//! `all_checks()` lacks either.

use std::collections::BTreeSet;

use customs_dockerfile::{
    CheckContext, CheckTarget, Finding, ImageConfigInput, all_checks, check, check_image_config,
    parse,
};

/// A Dockerfile case. Snippets without a FROM line get a
/// `FROM python:3.11-slim` line in front.
struct Case {
    id: &'static str,
    positive: bool,
    dockerfile: &'static str,
    dockerignore: Option<&'static str>,
}

fn yes(id: &'static str, dockerfile: &'static str) -> Case {
    Case {
        id,
        positive: true,
        dockerfile,
        dockerignore: None,
    }
}

fn no(id: &'static str, dockerfile: &'static str) -> Case {
    Case {
        id,
        positive: false,
        dockerfile,
        dockerignore: None,
    }
}

fn with_ignore(mut c: Case, ignore: &'static str) -> Case {
    c.dockerignore = Some(ignore);
    c
}

/// Full credential values used below; no finding may contain any of them.
const SECRETS: &[&str] = &[
    "hf_abcdefghijklmnopqrstuvwxyzABCDEFGH",
    "ghp_0123456789abcdefghijABCDEFGHIJ012345",
    "AKIAIOSFODNN7EXAMPLE",
    "hunter2-very-secret",
    "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678",
    "s3cretPassw0rd",
    "glpat-abcdefghij0123456789",
];

fn dockerfile_cases() -> Vec<Case> {
    vec![
        // CUS-DF-001 final stage runs as root
        yes("CUS-DF-001", "CMD [\"python\", \"app.py\"]"),
        yes("CUS-DF-001", "USER app\nUSER root"),
        yes("CUS-DF-001", "USER 0"),
        yes("CUS-DF-001", "USER 0:0"),
        yes("CUS-DF-001", "FROM a:1 AS build\nUSER app\nFROM b:1"),
        no("CUS-DF-001", "USER 10001"),
        no("CUS-DF-001", "USER app:app"),
        no(
            "CUS-DF-001",
            "FROM a:1 AS build\nRUN make\nFROM b:1\nUSER app",
        ),
        no(
            "CUS-DF-001",
            "FROM a:1 AS base\nUSER app\nFROM base\nRUN true",
        ),
        no("CUS-DF-001", "FROM a:1\nARG RUNAS\nUSER $RUNAS"),
        // The base image's ENV may define NB_UID: unknown, so no finding.
        no(
            "CUS-DF-001",
            "FROM quay.io/jupyter/base-notebook:2024-05-27\nUSER root\nRUN true\nUSER ${NB_UID}",
        ),
        // CUS-DF-002 latest / no tag
        yes("CUS-DF-002", "FROM ubuntu"),
        yes("CUS-DF-002", "FROM ubuntu:latest"),
        yes("CUS-DF-002", "ARG TAG=latest\nFROM ubuntu:$TAG"),
        yes("CUS-DF-002", "FROM localhost:5000/team/app"),
        no("CUS-DF-002", "FROM ubuntu:24.04"),
        no("CUS-DF-002", "FROM scratch"),
        no("CUS-DF-002", "FROM ubuntu:24.04 AS base\nFROM base"),
        no("CUS-DF-002", "ARG BASE\nFROM $BASE"),
        no("CUS-DF-002", "FROM localhost:5000/team/app:1.2"),
        no(
            "CUS-DF-002",
            "FROM ubuntu@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        ),
        // CUS-DF-003 not pinned by digest
        yes("CUS-DF-003", "FROM python:3.11-slim"),
        yes("CUS-DF-003", "ARG V=3.11\nFROM python:${V}-slim"),
        no(
            "CUS-DF-003",
            "FROM python:3.11-slim@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        ),
        no("CUS-DF-003", "FROM scratch"),
        // CUS-DF-004 ADD from URL
        yes("CUS-DF-004", "ADD https://example.com/tool.tar.gz /opt/"),
        no(
            "CUS-DF-004",
            "ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://example.com/tool.tar.gz /opt/",
        ),
        no("CUS-DF-004", "ADD tool.tar.gz /opt/"),
        // CUS-DF-005 ADD where COPY suffices
        yes("CUS-DF-005", "ADD app.py /app/"),
        yes("CUS-DF-005", "ADD src/ /app/src/"),
        no("CUS-DF-005", "ADD vendor.tar.gz /opt/"),
        no("CUS-DF-005", "COPY app.py /app/"),
        no("CUS-DF-005", "ADD https://example.com/x.bin /x.bin"),
        // CUS-DF-006 apt-get install without -y
        yes(
            "CUS-DF-006",
            "RUN apt-get install --no-install-recommends curl",
        ),
        yes("CUS-DF-006", "RUN apt install --no-install-recommends curl"),
        no(
            "CUS-DF-006",
            "RUN apt-get install -y --no-install-recommends curl",
        ),
        no(
            "CUS-DF-006",
            "RUN apt-get -qq install --no-install-recommends curl",
        ),
        no(
            "CUS-DF-006",
            "RUN apt-get install --yes --no-install-recommends curl",
        ),
        no(
            "CUS-DF-006",
            "RUN apt-get install -yq --no-install-recommends curl",
        ),
        // CUS-DF-007 --no-install-recommends
        yes("CUS-DF-007", "RUN apt-get install -y curl"),
        no(
            "CUS-DF-007",
            "RUN apt-get install -y --no-install-recommends curl",
        ),
        no(
            "CUS-DF-007",
            "RUN echo 'APT::Install-Recommends \"false\";' > /etc/apt/apt.conf.d/99norec\nRUN apt-get install -y curl",
        ),
        // CUS-DF-008 apt lists
        yes(
            "CUS-DF-008",
            "RUN apt-get update && apt-get install -y --no-install-recommends curl",
        ),
        no(
            "CUS-DF-008",
            "RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*",
        ),
        no(
            "CUS-DF-008",
            "RUN --mount=type=cache,target=/var/lib/apt apt-get update && apt-get install -y --no-install-recommends curl",
        ),
        no(
            "CUS-DF-008",
            "FROM debian:12 AS build\nRUN apt-get update && apt-get install -y --no-install-recommends gcc\nFROM scratch\nCOPY --from=build /out /out",
        ),
        // CUS-DF-009 apk --no-cache
        yes("CUS-DF-009", "FROM alpine:3.20\nRUN apk add curl"),
        yes(
            "CUS-DF-009",
            "FROM alpine:3.20\nRUN apk --update add curl git",
        ),
        no(
            "CUS-DF-009",
            "FROM alpine:3.20\nRUN apk add --no-cache curl",
        ),
        no(
            "CUS-DF-009",
            "FROM alpine:3.20\nRUN apk add curl && rm -rf /var/cache/apk/*",
        ),
        // CUS-DF-010 curl | sh
        yes("CUS-DF-010", "RUN curl -fsSL https://get.example.sh | sh"),
        yes(
            "CUS-DF-010",
            "RUN wget -qO- https://example.com/i.sh | sudo -E bash -",
        ),
        yes("CUS-DF-010", "RUN bash <(curl -s https://example.com/i.sh)"),
        yes(
            "CUS-DF-010",
            "RUN sh -c \"$(curl -fsSL https://example.com/install.sh)\"",
        ),
        yes(
            "CUS-DF-010",
            "RUN <<EOF\nset -e\ncurl -sSL https://install.python-poetry.org | python3 -\nEOF",
        ),
        no(
            "CUS-DF-010",
            "RUN curl -fsSLo /tmp/i.sh https://example.com/i.sh && sha256sum -c /sums && sh /tmp/i.sh",
        ),
        no(
            "CUS-DF-010",
            "RUN curl -fsSL https://example.com/x.tgz | tar -xz -C /opt",
        ),
        no(
            "CUS-DF-010",
            "RUN curl -s https://api.example.com | python3 -c 'import sys'",
        ),
        no(
            "CUS-DF-010",
            "RUN <<EOF\n#!/usr/bin/env python3\nprint('curl https://x | sh')\nEOF",
        ),
        no(
            "CUS-DF-010",
            "RUN python3 <<EOF\nprint('curl https://x | sh')\nEOF",
        ),
        // CUS-DF-011 secret-like names
        yes("CUS-DF-011", "ENV DB_PASSWORD=hunter2-very-secret"),
        yes("CUS-DF-011", "ARG HF_TOKEN"),
        yes("CUS-DF-011", "ARG OPENAI_API_KEY=placeholder"),
        yes("CUS-DF-011", "ARG GH_TOKEN\nENV GITHUB_TOKEN=$GH_TOKEN"),
        no("CUS-DF-011", "ENV TOKENIZERS_PARALLELISM=false"),
        no("CUS-DF-011", "ENV DB_PASSWORD_FILE=/run/secrets/db"),
        no("CUS-DF-011", "ENV API_KEY="),
        no("CUS-DF-011", "ENV HF_HOME=/models PYTHONUNBUFFERED=1"),
        // CUS-DF-012 credential values
        yes(
            "CUS-DF-012",
            "ENV HF_HUB_X=hf_abcdefghijklmnopqrstuvwxyzABCDEFGH",
        ),
        yes("CUS-DF-012", "ARG AWS_KEY=AKIAIOSFODNN7EXAMPLE"),
        yes(
            "CUS-DF-012",
            "ENV GH=\"ghp_0123456789abcdefghijABCDEFGHIJ012345\"",
        ),
        no("CUS-DF-012", "ENV HF_HUB_ENABLE_HF_TRANSFER=1"),
        no("CUS-DF-012", "ENV MODEL_NAME=sk-small"),
        // CUS-DF-013 sudo
        yes("CUS-DF-013", "RUN sudo apt-get update"),
        yes("CUS-DF-013", "RUN make && sudo -u app make install"),
        yes("CUS-DF-013", "RUN <<EOF bash\nset -e\nsudo true\nEOF"),
        no(
            "CUS-DF-013",
            "RUN apt-get install -y --no-install-recommends sudo",
        ),
        no("CUS-DF-013", "RUN echo sudo"),
        // CUS-DF-014 world-writable
        yes("CUS-DF-014", "RUN chmod 777 /app"),
        yes("CUS-DF-014", "RUN chmod -R 777 /app"),
        yes("CUS-DF-014", "RUN chmod -R a+rwx /data"),
        yes("CUS-DF-014", "COPY --chmod=777 run.sh /run.sh"),
        no("CUS-DF-014", "RUN chmod 755 /app"),
        no("CUS-DF-014", "RUN chmod 1777 /tmp/shared"),
        no("CUS-DF-014", "RUN chmod -R g+w /data"),
        no("CUS-DF-014", "COPY --chmod=755 run.sh /run.sh"),
        // CUS-DF-015 EXPOSE 22
        yes("CUS-DF-015", "EXPOSE 22"),
        yes("CUS-DF-015", "EXPOSE 8080 22/tcp"),
        no("CUS-DF-015", "EXPOSE 2222"),
        no("CUS-DF-015", "EXPOSE 8080/tcp"),
        // CUS-DF-016 no HEALTHCHECK
        yes("CUS-DF-016", "USER app"),
        yes(
            "CUS-DF-016",
            "FROM a:1 AS build\nHEALTHCHECK CMD true\nFROM b:1",
        ),
        no(
            "CUS-DF-016",
            "HEALTHCHECK CMD curl -fsS http://localhost:8080/ || exit 1",
        ),
        no("CUS-DF-016", "HEALTHCHECK NONE"),
        no(
            "CUS-DF-016",
            "FROM a:1 AS base\nHEALTHCHECK CMD true\nFROM base",
        ),
        // CUS-DF-017 unpinned pip
        yes("CUS-DF-017", "RUN pip install --no-cache-dir flask"),
        yes("CUS-DF-017", "RUN pip3 install --no-cache-dir 'torch>=2.1'"),
        yes(
            "CUS-DF-017",
            "RUN python -m pip install --no-cache-dir -r requirements.txt gunicorn",
        ),
        no("CUS-DF-017", "RUN pip install --no-cache-dir flask==3.0.3"),
        no(
            "CUS-DF-017",
            "RUN pip install --no-cache-dir -r requirements.txt",
        ),
        no("CUS-DF-017", "RUN pip install --no-cache-dir -e ."),
        no("CUS-DF-017", "RUN pip install --no-cache-dir ."),
        no(
            "CUS-DF-017",
            "RUN pip install --no-cache-dir ./dist/app-1.0-py3-none-any.whl",
        ),
        no("CUS-DF-017", "RUN pip install --no-cache-dir --upgrade pip"),
        no(
            "CUS-DF-017",
            "RUN pip install --no-cache-dir \"transformers[torch]==4.44.0\"",
        ),
        // CUS-DF-018 pip cache
        yes("CUS-DF-018", "RUN pip install -r requirements.txt"),
        yes("CUS-DF-018", "RUN python3 -m pip install flask==3.0.3"),
        no(
            "CUS-DF-018",
            "RUN pip install --no-cache-dir -r requirements.txt",
        ),
        no(
            "CUS-DF-018",
            "ENV PIP_NO_CACHE_DIR=1\nRUN pip install -r requirements.txt",
        ),
        no(
            "CUS-DF-018",
            "RUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt",
        ),
        no(
            "CUS-DF-018",
            "FROM python:3.11 AS build\nRUN pip wheel -r r.txt -w /w && pip install -r r.txt\nFROM python:3.11-slim\nCOPY --from=build /w /w",
        ),
        // CUS-DF-019 insecure index
        yes(
            "CUS-DF-019",
            "RUN pip install --no-cache-dir --trusted-host pypi.internal -r requirements.txt",
        ),
        yes(
            "CUS-DF-019",
            "RUN pip install --no-cache-dir -i http://pypi.internal/simple -r requirements.txt",
        ),
        yes(
            "CUS-DF-019",
            "RUN pip install --no-cache-dir --extra-index-url=http://mirror.corp/simple -r r.txt",
        ),
        yes("CUS-DF-019", "ENV PIP_INDEX_URL=http://mirror.corp/simple"),
        no(
            "CUS-DF-019",
            "RUN pip install --no-cache-dir -i https://pypi.internal/simple -r requirements.txt",
        ),
        no(
            "CUS-DF-019",
            "RUN pip install --no-cache-dir --index-url http://localhost:8080/simple -r r.txt",
        ),
        // CUS-DF-020 npm install
        yes("CUS-DF-020", "FROM node:20\nRUN npm install"),
        yes("CUS-DF-020", "FROM node:20\nRUN npm i --omit=dev"),
        no("CUS-DF-020", "FROM node:20\nRUN npm ci --omit=dev"),
        no("CUS-DF-020", "FROM node:20\nRUN npm install -g pnpm@9.1.0"),
        no("CUS-DF-020", "FROM node:20\nRUN npm install express@4.19.2"),
        // CUS-DF-021 whole context without a good .dockerignore
        yes("CUS-DF-021", "COPY . ."),
        yes("CUS-DF-021", "COPY . /app"),
        yes("CUS-DF-021", "ADD ./ /srv/"),
        with_ignore(yes("CUS-DF-021", "COPY . ."), "node_modules\n__pycache__\n"),
        with_ignore(yes("CUS-DF-021", "COPY . ."), ".git\n"),
        with_ignore(yes("CUS-DF-021", "COPY . ."), ".git\n.env\n!.env\n"),
        with_ignore(no("CUS-DF-021", "COPY . ."), ".git\n.env\n"),
        with_ignore(no("CUS-DF-021", "COPY . /app"), "/.git\n**/.env*\n"),
        with_ignore(no("CUS-DF-021", "COPY . ."), "*\n!src\n!requirements.txt\n"),
        no("CUS-DF-021", "COPY src/ /app/src/"),
        no("CUS-DF-021", "COPY --exclude=.git --exclude=.env . ."),
        no(
            "CUS-DF-021",
            "FROM node:20 AS build\nCOPY . .\nRUN npm ci\nFROM nginx:1.27\nCOPY --from=build /dist /usr/share/nginx/html",
        ),
        // CUS-DF-022 relative WORKDIR
        yes("CUS-DF-022", "WORKDIR app"),
        yes("CUS-DF-022", "WORKDIR ./src"),
        no("CUS-DF-022", "WORKDIR /app"),
        no("CUS-DF-022", "ENV HOME=/home/app\nWORKDIR $HOME/src"),
        no("CUS-DF-022", "ARG DIR\nWORKDIR $DIR"),
        no("CUS-DF-022", "WORKDIR \"${HOME}/work\""),
        // CUS-DF-023 several CMD/ENTRYPOINT
        yes("CUS-DF-023", "CMD [\"a\"]\nCMD [\"b\"]"),
        yes("CUS-DF-023", "ENTRYPOINT [\"a\"]\nENTRYPOINT [\"b\"]"),
        no(
            "CUS-DF-023",
            "ENTRYPOINT [\"serve\"]\nCMD [\"--port\", \"80\"]",
        ),
        no(
            "CUS-DF-023",
            "FROM a:1 AS t\nCMD [\"test\"]\nFROM b:1\nCMD [\"run\"]",
        ),
        // CUS-DF-024 RUN cd
        yes("CUS-DF-024", "RUN cd /src && make"),
        yes("CUS-DF-024", "RUN set -eux; cd /src; make"),
        no("CUS-DF-024", "WORKDIR /src\nRUN make"),
        no("CUS-DF-024", "RUN make && cd /tmp && ls"),
        // CUS-DF-025 MAINTAINER
        yes("CUS-DF-025", "MAINTAINER Jane <jane@example.com>"),
        no(
            "CUS-DF-025",
            "LABEL org.opencontainers.image.authors=\"Jane <jane@example.com>\"",
        ),
        // CUS-DF-026 Jupyter without auth
        yes(
            "CUS-DF-026",
            "CMD jupyter lab --ip=0.0.0.0 --NotebookApp.token='' --NotebookApp.password=''",
        ),
        yes(
            "CUS-DF-026",
            "CMD [\"jupyter\", \"notebook\", \"--ip\", \"0.0.0.0\", \"--ServerApp.token=\"]",
        ),
        yes(
            "CUS-DF-026",
            "ENTRYPOINT [\"tini\", \"--\"]\nCMD [\"jupyter\", \"server\", \"--ip=*\", \"--IdentityProvider.token=''\"]",
        ),
        no(
            "CUS-DF-026",
            "CMD jupyter lab --ip=0.0.0.0 --ServerApp.token=$JUPYTER_TOKEN",
        ),
        no(
            "CUS-DF-026",
            "CMD jupyter lab --ip=127.0.0.1 --NotebookApp.token=''",
        ),
        no(
            "CUS-DF-026",
            "CMD jupyter lab --ip=0.0.0.0 --ServerApp.token='' --ServerApp.password='argon2:abc'",
        ),
        no(
            "CUS-DF-026",
            "FROM a:1 AS nb\nCMD jupyter lab --ip=0.0.0.0 --NotebookApp.token=''\nFROM b:1\nCMD [\"serve\"]",
        ),
        // CUS-DF-027 Jupyter --allow-root
        yes(
            "CUS-DF-027",
            "CMD jupyter notebook --ip=0.0.0.0 --allow-root",
        ),
        yes(
            "CUS-DF-027",
            "CMD [\"python3\", \"-m\", \"jupyter\", \"lab\", \"--ServerApp.allow_root=True\"]",
        ),
        no("CUS-DF-027", "CMD jupyter notebook --ip=0.0.0.0"),
        no(
            "CUS-DF-027",
            "CMD [\"python\", \"app.py\", \"--allow-root\"]",
        ),
        // CUS-DF-028 literal credential in RUN
        yes(
            "CUS-DF-028",
            "RUN huggingface-cli login --token hf_abcdefghijklmnopqrstuvwxyzABCDEFGH",
        ),
        yes(
            "CUS-DF-028",
            "RUN wandb login a1b2c3d4e5f60718293a4b5c6d7e8f9012345678",
        ),
        yes(
            "CUS-DF-028",
            "RUN git clone https://user:ghp_0123456789abcdefghijABCDEFGHIJ012345@github.com/org/repo.git",
        ),
        yes(
            "CUS-DF-028",
            "RUN pip install --no-cache-dir --index-url https://ci:s3cretPassw0rd@pypi.corp/simple pkg==1.0",
        ),
        yes(
            "CUS-DF-028",
            "RUN echo \"//npm.corp/:_authToken=glpat-abcdefghij0123456789\" > ~/.npmrc",
        ),
        yes(
            "CUS-DF-028",
            "RUN echo \"export HF_TOKEN=hf_abcdefghijklmnopqrstuvwxyzABCDEFGH\" >> ~/.bashrc",
        ),
        no(
            "CUS-DF-028",
            "RUN git clone https://github.com/org/repo.git",
        ),
        no("CUS-DF-028", "RUN git clone git@github.com:org/repo.git"),
        no(
            "CUS-DF-028",
            "ARG HF_TOKEN\nRUN huggingface-cli login --token $HF_TOKEN",
        ),
        // CUS-DF-029 variable credential
        yes(
            "CUS-DF-029",
            "ARG HF_TOKEN\nRUN huggingface-cli login --token $HF_TOKEN",
        ),
        yes("CUS-DF-029", "ARG WANDB_KEY\nRUN wandb login $WANDB_KEY"),
        yes(
            "CUS-DF-029",
            "ARG GH_TOKEN\nRUN pip install --no-cache-dir git+https://${GH_TOKEN}@github.com/org/pkg.git@v1.0",
        ),
        yes(
            "CUS-DF-029",
            "RUN --mount=type=secret,id=hf,env=HF_TOKEN huggingface-cli login --token \"$HF_TOKEN\"",
        ),
        yes(
            "CUS-DF-029",
            "RUN --mount=type=secret,id=gh git clone https://x-access-token:$(cat /run/secrets/gh)@github.com/org/repo.git",
        ),
        no(
            "CUS-DF-029",
            "RUN --mount=type=secret,id=hf,env=HF_TOKEN python download.py",
        ),
        no(
            "CUS-DF-029",
            "RUN --mount=type=secret,id=pip,env=PIP_PASS pip install --no-cache-dir --index-url https://ci:${PIP_PASS}@pypi.corp/simple pkg==1.0",
        ),
        no(
            "CUS-DF-029",
            "ARG VERSION=1.0\nRUN git clone --branch $VERSION https://github.com/org/repo.git",
        ),
        // CUS-DF-030 yum/dnf -y
        yes(
            "CUS-DF-030",
            "FROM fedora:40\nRUN dnf install httpd && dnf clean all",
        ),
        yes(
            "CUS-DF-030",
            "FROM centos:7\nRUN yum install httpd && yum clean all",
        ),
        no(
            "CUS-DF-030",
            "FROM fedora:40\nRUN dnf install -y httpd && dnf clean all",
        ),
        no(
            "CUS-DF-030",
            "FROM ubi9:9.4\nRUN microdnf install httpd && microdnf clean all",
        ),
        // CUS-DF-031 yum/dnf cache
        yes("CUS-DF-031", "FROM centos:7\nRUN yum install -y httpd"),
        no(
            "CUS-DF-031",
            "FROM centos:7\nRUN yum install -y httpd && yum clean all",
        ),
        no(
            "CUS-DF-031",
            "FROM fedora:40\nRUN dnf install -y gcc && rm -rf /var/cache/dnf",
        ),
        no(
            "CUS-DF-031",
            "FROM fedora:40 AS build\nRUN dnf install -y gcc\nFROM scratch\nCOPY --from=build /out /out",
        ),
        // CUS-DF-032 --security=insecure
        yes("CUS-DF-032", "RUN --security=insecure make"),
        no("CUS-DF-032", "RUN --security=sandbox make"),
        no("CUS-DF-032", "RUN make"),
        // CUS-DF-033 apt instead of apt-get
        yes(
            "CUS-DF-033",
            "RUN apt install -y --no-install-recommends curl",
        ),
        yes("CUS-DF-033", "RUN apt update"),
        no(
            "CUS-DF-033",
            "RUN apt-get install -y --no-install-recommends curl",
        ),
        no(
            "CUS-DF-033",
            "RUN apt-key adv --fetch-keys https://example.com/key",
        ),
        // CUS-DF-034 sensitive files
        yes("CUS-DF-034", "COPY .env /app/.env"),
        yes("CUS-DF-034", "COPY id_rsa /root/.ssh/id_rsa"),
        yes("CUS-DF-034", "COPY kaggle.json /root/.kaggle/"),
        yes("CUS-DF-034", "COPY .npmrc package.json ./"),
        yes("CUS-DF-034", "ADD .aws/credentials /root/.aws/credentials"),
        no("CUS-DF-034", "COPY .env.example /app/"),
        no("CUS-DF-034", "COPY id_rsa.pub /root/.ssh/authorized_keys"),
        no("CUS-DF-034", "COPY package.json package-lock.json ./"),
        no(
            "CUS-DF-034",
            "FROM a:1 AS gen\nRUN make-config\nFROM b:1\nCOPY --from=gen /out/.env /app/.env.defaults",
        ),
        // CUS-DF-035 TLS verification disabled
        yes("CUS-DF-035", "RUN curl -k -o /x https://example.com/x"),
        yes("CUS-DF-035", "RUN curl -fsSLk https://example.com/x -o /x"),
        yes(
            "CUS-DF-035",
            "RUN wget --no-check-certificate https://example.com/x",
        ),
        yes("CUS-DF-035", "RUN git config --global http.sslVerify false"),
        yes(
            "CUS-DF-035",
            "RUN git -c http.sslVerify=false clone https://example.com/r.git",
        ),
        yes("CUS-DF-035", "ENV GIT_SSL_NO_VERIFY=1"),
        yes("CUS-DF-035", "ENV NODE_TLS_REJECT_UNAUTHORIZED=0"),
        yes(
            "CUS-DF-035",
            "FROM node:20\nRUN npm config set strict-ssl false",
        ),
        no("CUS-DF-035", "RUN curl -fsSL https://example.com/x -o /x"),
        no("CUS-DF-035", "RUN curl -sSLo kfile https://example.com/x"),
        no("CUS-DF-035", "ENV NODE_TLS_REJECT_UNAUTHORIZED=1"),
        no("CUS-DF-035", "RUN git config --global http.sslVerify true"),
        // CUS-DF-036 shell-form CMD / ENTRYPOINT
        yes("CUS-DF-036", "CMD python app.py"),
        yes("CUS-DF-036", "ENTRYPOINT /entrypoint.sh"),
        no("CUS-DF-036", "CMD [\"python\", \"app.py\"]"),
        no(
            "CUS-DF-036",
            "ENTRYPOINT [\"/entrypoint.sh\"]\nCMD serve --port 80",
        ),
        no(
            "CUS-DF-036",
            "FROM a:1 AS t\nCMD make test\nFROM b:1\nCMD [\"run\"]",
        ),
    ]
}

fn full_text(snippet: &str) -> String {
    if snippet.lines().any(|l| l.starts_with("FROM")) {
        format!("{snippet}\n")
    } else {
        format!("FROM python:3.11-slim\n{snippet}\n")
    }
}

fn run_case(c: &Case) -> Vec<Finding> {
    let text = full_text(c.dockerfile);
    let df = parse(&text).unwrap_or_else(|e| panic!("{}: {e}\n{text}", c.id));
    check(
        &df,
        &CheckContext {
            path: "Dockerfile",
            dockerignore: c.dockerignore,
        },
    )
}

fn image_cases() -> Vec<(&'static str, bool, ImageConfigInput)> {
    let base = || ImageConfigInput {
        source: "registry.example/app:1".into(),
        user: "app".into(),
        env: vec!["PATH=/usr/bin".into()],
        cmd: vec!["python3".into(), "/app/app.py".into()],
        entrypoint: vec![],
        has_healthcheck: true,
        exposed_ports: vec!["8080/tcp".into()],
        history: vec!["/bin/sh -c #(nop) ADD file:abc in / ".into()],
    };
    let with = |f: &dyn Fn(&mut ImageConfigInput)| {
        let mut c = base();
        f(&mut c);
        c
    };
    vec![
        ("CUS-IC-001", true, with(&|c| c.user = "root".into())),
        ("CUS-IC-001", true, with(&|c| c.user = String::new())),
        ("CUS-IC-001", true, with(&|c| c.user = "0:0".into())),
        ("CUS-IC-001", false, base()),
        ("CUS-IC-001", false, with(&|c| c.user = "1000:0".into())),
        (
            "CUS-IC-002",
            true,
            with(&|c| c.env.push("DB_PASSWORD=hunter2-very-secret".into())),
        ),
        (
            "CUS-IC-002",
            false,
            with(&|c| c.env.push("TOKENIZERS_PARALLELISM=false".into())),
        ),
        (
            "CUS-IC-002",
            false,
            with(&|c| c.env.push("API_KEY=".into())),
        ),
        (
            "CUS-IC-003",
            true,
            with(&|c| {
                c.env
                    .push("SOMETHING=ghp_0123456789abcdefghijABCDEFGHIJ012345".into())
            }),
        ),
        (
            "CUS-IC-003",
            false,
            with(&|c| c.env.push("HF_HUB_ENABLE_HF_TRANSFER=1".into())),
        ),
        ("CUS-IC-004", true, with(&|c| c.has_healthcheck = false)),
        ("CUS-IC-004", false, base()),
        (
            "CUS-IC-005",
            true,
            with(&|c| {
                c.history
                    .push("/bin/sh -c curl -fsSL https://get.example.sh | sh".into())
            }),
        ),
        (
            "CUS-IC-005",
            true,
            with(&|c| {
                c.history.push(
                    "RUN /bin/sh -c wget -qO- https://example.com/i.sh | bash # buildkit".into(),
                )
            }),
        ),
        (
            "CUS-IC-005",
            false,
            with(&|c| {
                c.history
                    .push("/bin/sh -c curl -fsSLo /tmp/x https://example.com/x".into())
            }),
        ),
        (
            "CUS-IC-006",
            true,
            with(&|c| {
                c.history
                    .push("ADD https://example.com/tool.tgz in / ".into())
            }),
        ),
        (
            "CUS-IC-006",
            true,
            with(&|c| {
                c.history
                    .push("ADD https://example.com/tool.tgz /opt/ # buildkit".into())
            }),
        ),
        (
            "CUS-IC-006",
            false,
            with(&|c| {
                c.history
                    .push("/bin/sh -c #(nop) ADD file:0123abcd in / ".into())
            }),
        ),
        (
            "CUS-IC-007",
            true,
            with(&|c| {
                c.cmd = ["jupyter", "lab", "--ip=0.0.0.0", "--NotebookApp.token=''"]
                    .map(String::from)
                    .to_vec()
            }),
        ),
        (
            "CUS-IC-007",
            true,
            with(&|c| {
                c.entrypoint = vec!["/bin/sh".into(), "-c".into()];
                c.cmd = vec!["jupyter notebook --ip 0.0.0.0 --ServerApp.token=".into()];
            }),
        ),
        (
            "CUS-IC-007",
            false,
            with(&|c| {
                c.cmd = ["jupyter", "lab", "--ip=0.0.0.0"]
                    .map(String::from)
                    .to_vec()
            }),
        ),
        (
            "CUS-IC-008",
            true,
            with(&|c| c.exposed_ports.push("22/tcp".into())),
        ),
        (
            "CUS-IC-008",
            false,
            with(&|c| c.exposed_ports.push("2222/tcp".into())),
        ),
        (
            "CUS-IC-009",
            true,
            with(&|c| {
                c.history.push(
                    "RUN |1 HF_TOKEN=hf_abcdefghijklmnopqrstuvwxyzABCDEFGH /bin/sh -c python download.py # buildkit"
                        .into(),
                )
            }),
        ),
        (
            "CUS-IC-009",
            true,
            with(&|c| {
                c.history.push(
                    "/bin/sh -c huggingface-cli login --token hf_abcdefghijklmnopqrstuvwxyzABCDEFGH"
                        .into(),
                )
            }),
        ),
        (
            "CUS-IC-009",
            true,
            with(&|c| {
                c.history
                    .push("ENV AWS_SECRET_ACCESS_KEY=s3cretPassw0rd".into())
            }),
        ),
        (
            "CUS-IC-009",
            false,
            with(&|c| {
                c.history.push(
                    "RUN |1 VERSION=1.2 /bin/sh -c pip install app==$VERSION # buildkit".into(),
                )
            }),
        ),
        (
            "CUS-IC-009",
            false,
            with(&|c| {
                c.env.push("DB_PASSWORD=hunter2-very-secret".into());
                c.history.push("ENV DB_PASSWORD=hunter2-very-secret".into());
            }),
        ),
        (
            "CUS-IC-010",
            true,
            with(&|c| {
                c.cmd = ["jupyter", "notebook", "--allow-root"]
                    .map(String::from)
                    .to_vec()
            }),
        ),
        (
            "CUS-IC-010",
            false,
            with(&|c| c.cmd = ["jupyter", "notebook"].map(String::from).to_vec()),
        ),
        (
            "CUS-IC-011",
            true,
            with(&|c| c.env.push("GIT_SSL_NO_VERIFY=true".into())),
        ),
        (
            "CUS-IC-011",
            true,
            with(&|c| c.env.push("PIP_TRUSTED_HOST=pypi.corp".into())),
        ),
        (
            "CUS-IC-011",
            false,
            with(&|c| c.env.push("GIT_SSL_NO_VERIFY=".into())),
        ),
        (
            "CUS-IC-011",
            false,
            with(&|c| c.env.push("PIP_INDEX_URL=https://pypi.corp/simple".into())),
        ),
    ]
}

#[test]
fn every_check_has_positive_and_negative_cases() {
    let df = dockerfile_cases();
    let ic = image_cases();
    let mut missing = Vec::new();
    for info in all_checks() {
        let (pos, neg) = match info.target {
            CheckTarget::Dockerfile => (
                df.iter().filter(|c| c.id == info.id && c.positive).count(),
                df.iter().filter(|c| c.id == info.id && !c.positive).count(),
            ),
            CheckTarget::ImageConfig => (
                ic.iter().filter(|c| c.0 == info.id && c.1).count(),
                ic.iter().filter(|c| c.0 == info.id && !c.1).count(),
            ),
        };
        if pos == 0 || neg == 0 {
            missing.push(format!("{} (positive {pos}, negative {neg})", info.id));
        }
    }
    assert!(missing.is_empty(), "checks without both cases: {missing:?}");
    // And no case names a check that does not exist.
    let ids: BTreeSet<_> = all_checks().iter().map(|c| c.id).collect();
    for c in &df {
        assert!(ids.contains(c.id), "unknown id {}", c.id);
    }
    for c in &ic {
        assert!(ids.contains(c.0), "unknown id {}", c.0);
    }
}

#[test]
fn dockerfile_check_cases() {
    let mut failures = Vec::new();
    for c in dockerfile_cases() {
        let findings = run_case(&c);
        let hits: Vec<_> = findings.iter().filter(|f| f.id == c.id).collect();
        if c.positive == hits.is_empty() {
            failures.push(format!(
                "{} expected {}: {:?} (ignore {:?}) -> {:?}",
                c.id,
                if c.positive { "a finding" } else { "none" },
                c.dockerfile,
                c.dockerignore,
                findings
                    .iter()
                    .map(|f| format!("{} {}", f.id, f.message))
                    .collect::<Vec<_>>()
            ));
        }
        for f in &hits {
            assert!(f.start_line.is_some_and(|l| l >= 1), "{f:?}");
            assert!(f.end_line >= f.start_line, "{f:?}");
            assert!(f.instruction.is_some() && f.stage.is_some(), "{f:?}");
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn image_config_check_cases() {
    let mut failures = Vec::new();
    for (id, positive, input) in image_cases() {
        let findings = check_image_config(&input);
        let hit = findings.iter().any(|f| f.id == id);
        if hit != positive {
            failures.push(format!(
                "{id} expected {}: {input:?} -> {:?}",
                if positive { "a finding" } else { "none" },
                findings.iter().map(|f| f.id).collect::<Vec<_>>()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn findings_never_contain_full_secrets() {
    let mut all = Vec::new();
    for c in dockerfile_cases() {
        all.extend(run_case(&c));
    }
    for (_, _, input) in image_cases() {
        all.extend(check_image_config(&input));
    }
    assert!(!all.is_empty());
    for f in &all {
        let json = serde_json::to_string(f).unwrap();
        for s in SECRETS {
            assert!(!json.contains(s), "secret {s} leaked in {json}");
        }
    }
}

#[test]
fn secret_findings_show_a_redacted_prefix() {
    let df = parse("FROM a:1\nENV DB_PASSWORD=hunter2-very-secret\n").unwrap();
    let f = check(&df, &CheckContext::default())
        .into_iter()
        .find(|f| f.id == "CUS-DF-011")
        .unwrap();
    assert_eq!(f.instruction.as_deref(), Some("ENV DB_PASSWORD=hunt****"));
    assert!(f.message.contains("hunt****"), "{}", f.message);
    assert_eq!((f.start_line, f.end_line), (Some(2), Some(2)));
    assert_eq!(f.path, "Dockerfile");
}

#[test]
fn findings_carry_lines_stage_and_path() {
    let text = "FROM golang:1.22 AS build\nRUN go build -o /app\n\nFROM debian:12\nRUN apt-get update && \\\n    apt-get install -y curl\nCOPY --from=build /app /app\n";
    let df = parse(text).unwrap();
    let findings = check(
        &df,
        &CheckContext {
            path: "deploy/Dockerfile.prod",
            dockerignore: None,
        },
    );
    let apt = findings.iter().find(|f| f.id == "CUS-DF-007").unwrap();
    assert_eq!((apt.start_line, apt.end_line), (Some(5), Some(6)));
    assert_eq!(apt.path, "deploy/Dockerfile.prod");
    let stage = apt.stage.as_ref().unwrap();
    assert_eq!((stage.index, stage.name.as_deref()), (1, None));
    let digest_stages: Vec<_> = findings
        .iter()
        .filter(|f| f.id == "CUS-DF-003")
        .map(|f| f.stage.as_ref().unwrap().name.clone())
        .collect();
    assert_eq!(digest_stages, vec![Some("build".to_string()), None]);
    // Sorted by line.
    let lines: Vec<_> = findings.iter().map(|f| f.start_line).collect();
    let mut sorted = lines.clone();
    sorted.sort();
    assert_eq!(lines, sorted);
}

#[test]
fn credential_messages_differ_by_source() {
    let literal = run_case(&yes(
        "CUS-DF-028",
        "RUN huggingface-cli login --token hf_abcdefghijklmnopqrstuvwxyzABCDEFGH",
    ));
    let f = literal.iter().find(|f| f.id == "CUS-DF-028").unwrap();
    assert!(f.message.contains("hf_a****"), "{}", f.message);
    assert_eq!(
        f.instruction.as_deref(),
        Some("RUN huggingface-cli login --token hf_a****")
    );

    let from_arg = run_case(&yes(
        "CUS-DF-029",
        "ARG HF_TOKEN\nRUN huggingface-cli login --token $HF_TOKEN",
    ));
    let f = from_arg.iter().find(|f| f.id == "CUS-DF-029").unwrap();
    assert!(
        f.message.contains("build argument HF_TOKEN"),
        "{}",
        f.message
    );

    let from_env = run_case(&yes(
        "CUS-DF-029",
        "ENV HF_TOKEN=abc\nRUN huggingface-cli login --token $HF_TOKEN",
    ));
    let f = from_env.iter().find(|f| f.id == "CUS-DF-029").unwrap();
    assert!(f.message.contains("ENV HF_TOKEN"), "{}", f.message);
}
