//! Parser behaviour: continuations, heredocs, directives, forms, comments,
//! substitution, stages and line spans.

use customs_dockerfile::{
    BaseImage, Body, CommandForm, CopyFrom, CopySource, Keyword, ParseError, parse,
};

fn run_text(body: &Body) -> &str {
    match body {
        Body::Command(CommandForm::Shell(s)) => s,
        other => panic!("not a shell-form command: {other:?}"),
    }
}

#[test]
fn continuation_lines_are_joined_and_spans_cover_them() {
    let df =
        parse("FROM alpine:3.20\nRUN apk add \\\n    curl \\\n    git\nCMD [\"sh\"]\n").unwrap();
    let stage = &df.stages[0];
    let run = &stage.instructions[1];
    assert_eq!(run.keyword, Keyword::Run);
    assert_eq!((run.start_line, run.end_line), (2, 4));
    assert_eq!(run_text(&run.body), "apk add     curl     git");
    assert_eq!(run.original, "RUN apk add \\\n    curl \\\n    git");
    let cmd = &stage.instructions[2];
    assert_eq!((cmd.start_line, cmd.end_line), (5, 5));
    assert_eq!((stage.start_line, stage.end_line), (1, 5));
}

#[test]
fn comments_and_blank_lines_inside_continuations_are_dropped() {
    let df = parse(
        "FROM debian:12\nRUN apt-get update && \\\n# install tools\n    apt-get install -y curl \\\n\n  # another\n    && echo done\nUSER app\n",
    )
    .unwrap();
    let run = &df.stages[0].instructions[1];
    assert_eq!(
        run_text(&run.body),
        "apt-get update &&     apt-get install -y curl     && echo done"
    );
    assert_eq!((run.start_line, run.end_line), (2, 7));
    assert!(
        df.warnings
            .iter()
            .any(|w| w.line == 5 && w.message.contains("empty continuation"))
    );
    assert_eq!(df.stages[0].instructions[2].start_line, 8);
}

#[test]
fn escape_directive_backtick() {
    let df = parse(
        "# escape=`\n# syntax=docker/dockerfile:1\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\nWORKDIR C:\\app\nRUN dir c:\\ `\n    && echo hi\nCOPY a\\b.txt c:\\dest\\\n",
    )
    .unwrap();
    assert_eq!(df.escape, '`');
    assert_eq!(df.directive("syntax"), Some("docker/dockerfile:1"));
    assert_eq!(df.directives[0].line, 1);
    let stage = &df.stages[0];
    let run = &stage.instructions[2];
    assert_eq!(run_text(&run.body), "dir c:\\     && echo hi");
    assert_eq!((run.start_line, run.end_line), (5, 6));
    match &stage.instructions[1].body {
        Body::Value(v) => assert_eq!(v.value, "C:\\app"),
        other => panic!("{other:?}"),
    }
    match &stage.instructions[3].body {
        Body::Copy(c) => assert_eq!(c.dest.value, "c:\\dest\\"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn directives_only_at_the_top() {
    let df = parse("FROM alpine\n# escape=`\nRUN echo a \\\n  b\n").unwrap();
    assert_eq!(df.escape, '\\');
    assert!(df.directives.is_empty());
    // A comment before the directive ends the directive section.
    let df = parse("# hello\n# escape=`\nFROM alpine\n").unwrap();
    assert_eq!(df.escape, '\\');
    assert_eq!(
        parse("# escape=x\nFROM alpine\n"),
        Err(ParseError::InvalidEscape {
            line: 1,
            value: "x".into()
        })
    );
    assert!(matches!(
        parse("# escape=`\n# escape=\\\nFROM a\n"),
        Err(ParseError::DuplicateDirective { line: 2, .. })
    ));
}

#[test]
fn exec_and_shell_forms() {
    let df = parse(
        "FROM python:3.11\nCMD [\"python\", \"app.py\"]\nENTRYPOINT python app.py\nRUN [\"/bin/bash\", \"-c\", \"echo hi\"]\nRUN [not json\nSHELL [\"/bin/bash\", \"-eo\", \"pipefail\", \"-c\"]\n",
    )
    .unwrap();
    let ins = &df.stages[0].instructions;
    assert_eq!(
        ins[1].body,
        Body::Command(CommandForm::Exec(vec!["python".into(), "app.py".into()]))
    );
    assert_eq!(
        ins[2].body,
        Body::Command(CommandForm::Shell("python app.py".into()))
    );
    assert!(matches!(&ins[3].body, Body::Command(CommandForm::Exec(v)) if v.len() == 3));
    assert_eq!(
        ins[4].body,
        Body::Command(CommandForm::Shell("[not json".into()))
    );
    assert!(matches!(&ins[5].body, Body::Command(CommandForm::Exec(v)) if v[0] == "/bin/bash"));
    assert!(matches!(
        parse("FROM a\nSHELL /bin/sh -c\n"),
        Err(ParseError::InvalidInstruction { line: 2, .. })
    ));
}

#[test]
fn heredocs() {
    let text = "FROM ubuntu:24.04\nRUN <<EOF\napt-get update\napt-get install -y curl\nEOF\nRUN <<-'SCRIPT' bash\n\techo \"$HOME\"\n\tSCRIPT\nCOPY <<EOF /etc/app.conf\nkey=value\nEOF\nRUN cat <<A > /a && cat <<B > /b\none\nA\ntwo\nB\nUSER 1000\n";
    let df = parse(text).unwrap();
    let ins = &df.stages[0].instructions;

    let r1 = &ins[1];
    assert_eq!((r1.start_line, r1.end_line), (2, 5));
    assert_eq!(r1.heredocs.len(), 1);
    assert_eq!(r1.heredocs[0].delimiter, "EOF");
    assert_eq!(
        r1.heredocs[0].content,
        "apt-get update\napt-get install -y curl\n"
    );
    assert_eq!((r1.heredocs[0].start_line, r1.heredocs[0].end_line), (3, 5));

    let r2 = &ins[2];
    assert_eq!((r2.start_line, r2.end_line), (6, 8));
    assert!(r2.heredocs[0].strip_tabs && r2.heredocs[0].quoted);
    assert_eq!(r2.heredocs[0].content, "echo \"$HOME\"\n");

    let copy = &ins[3];
    assert_eq!((copy.start_line, copy.end_line), (9, 11));
    match &copy.body {
        Body::Copy(c) => {
            assert_eq!(c.sources, vec![CopySource::Heredoc(0)]);
            assert_eq!(c.dest.value, "/etc/app.conf");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(copy.heredocs[0].content, "key=value\n");

    let two = &ins[4];
    assert_eq!((two.start_line, two.end_line), (12, 16));
    let bodies: Vec<_> = two.heredocs.iter().map(|h| h.content.as_str()).collect();
    assert_eq!(bodies, vec!["one\n", "two\n"]);

    assert_eq!(ins[5].start_line, 17);
    assert!(matches!(
        parse("FROM a\nRUN <<EOF\necho\n"),
        Err(ParseError::UnterminatedHeredoc { line: 2, .. })
    ));
    // Here-strings are not heredocs.
    let df = parse("FROM a\nRUN cat <<<hello\nUSER x\n").unwrap();
    assert!(df.stages[0].instructions[1].heredocs.is_empty());
}

#[test]
fn flags() {
    let df = parse(
        "FROM --platform=$BUILDPLATFORM golang:1.22 AS build\nRUN --mount=type=cache,target=/root/.cache/go-build --network=none go build\nFROM scratch\nCOPY --from=build --chown=10001:10001 --link /out/app /app\n",
    )
    .unwrap();
    let from = &df.stages[0].instructions[0];
    assert_eq!(
        from.flag("platform").and_then(|f| f.value.as_deref()),
        Some("$BUILDPLATFORM")
    );
    let run = &df.stages[0].instructions[1];
    assert_eq!(
        run.flag_values("mount").collect::<Vec<_>>(),
        vec!["type=cache,target=/root/.cache/go-build"]
    );
    assert_eq!(run_text(&run.body), "go build");
    let copy = &df.stages[1].instructions[1];
    assert!(copy.flag("link").is_some_and(|f| f.value.is_none()));
    assert_eq!(
        copy.flag("chown").and_then(|f| f.value.as_deref()),
        Some("10001:10001")
    );
}

#[test]
fn arg_and_env_substitution() {
    let text = "ARG PY=3.11\nARG VARIANT\nFROM python:${PY}-${VARIANT:-slim} AS base\nARG PY\nENV APP_HOME=/srv/app \\\n    GREETING=\"hello world\" LITERAL='$PY' ESC=\\$PY\nWORKDIR $APP_HOME/${SUB:-src}\nENV OLD=$APP_HOME APP_HOME=/other NEW=$APP_HOME\nLABEL version=\"${PY}\"\nUSER ${RUNAS:-10001}\n";
    let df = parse(text).unwrap();
    assert_eq!(df.global_args.len(), 2);
    let stage = &df.stages[0];
    match &stage.base {
        BaseImage::Image(r) => {
            assert_eq!(r.reference, "python:3.11-slim");
            assert_eq!(r.tag.as_deref(), Some("3.11-slim"));
        }
        other => panic!("{other:?}"),
    }
    let env = match &stage.instructions[2].body {
        Body::KeyValues(kvs) => kvs,
        other => panic!("{other:?}"),
    };
    let values: Vec<_> = env
        .iter()
        .map(|kv| (kv.key.as_str(), kv.value.value.as_str()))
        .collect();
    assert_eq!(
        values,
        vec![
            ("APP_HOME", "/srv/app"),
            ("GREETING", "hello world"),
            ("LITERAL", "$PY"),
            ("ESC", "$PY")
        ]
    );
    match &stage.instructions[3].body {
        Body::Value(v) => assert_eq!(v.value, "/srv/app/src"),
        other => panic!("{other:?}"),
    }
    // All values of one ENV see the variables from before it.
    match &stage.instructions[4].body {
        Body::KeyValues(kvs) => {
            assert_eq!(kvs[0].value.value, "/srv/app");
            assert_eq!(kvs[2].value.value, "/srv/app");
        }
        other => panic!("{other:?}"),
    }
    match &stage.instructions[5].body {
        Body::KeyValues(kvs) => assert_eq!(kvs[0].value.value, "3.11"),
        other => panic!("{other:?}"),
    }
    match &stage.instructions[6].body {
        Body::Value(v) => assert_eq!(v.value, "10001"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn unresolved_build_args_are_marked() {
    let df = parse("ARG BASE\nFROM $BASE\nRUN true\n").unwrap();
    assert!(matches!(df.stages[0].base, BaseImage::Unresolved(_)));
    let df = parse("ARG TAG=latest\nFROM nginx:$TAG\n").unwrap();
    assert!(
        matches!(&df.stages[0].base, BaseImage::Image(r) if r.tag.as_deref() == Some("latest"))
    );
}

#[test]
fn multi_stage_and_copy_from() {
    let text = "FROM node:20 AS Deps\nRUN npm ci\nFROM deps AS build\nRUN npm run build\nFROM nginx:1.27@sha256:abc\nCOPY --from=build /app/dist /usr/share/nginx/html\nCOPY --from=0 /x /x\nCOPY --from=busybox:1.36 /bin/sh /sh\n";
    let df = parse(text).unwrap();
    assert_eq!(df.stages.len(), 3);
    assert_eq!(df.stages[0].name.as_deref(), Some("Deps"));
    assert_eq!(df.stages[1].base, BaseImage::Stage(0));
    assert_eq!(df.shipped_chain(), vec![2]);
    match &df.stages[2].base {
        BaseImage::Image(r) => {
            assert_eq!(r.repository, "nginx");
            assert_eq!(r.digest.as_deref(), Some("sha256:abc"));
        }
        other => panic!("{other:?}"),
    }
    let froms: Vec<_> = df.stages[2].instructions[1..]
        .iter()
        .map(|i| match &i.body {
            Body::Copy(c) => c.from.clone(),
            _ => None,
        })
        .collect();
    assert_eq!(
        froms,
        vec![
            Some(CopyFrom::Stage(1)),
            Some(CopyFrom::Stage(0)),
            Some(CopyFrom::Image("busybox:1.36".into()))
        ]
    );
    let chained = parse("FROM a:1 AS one\nFROM one AS two\nFROM two\n").unwrap();
    assert_eq!(chained.shipped_chain(), vec![0, 1, 2]);
}

#[test]
fn env_is_inherited_from_parent_stage() {
    let df = parse("FROM a:1 AS base\nENV DIR=/opt\nFROM base\nWORKDIR $DIR/app\n").unwrap();
    match &df.stages[1].instructions[1].body {
        Body::Value(v) => assert_eq!(v.value, "/opt/app"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn legacy_env_and_onbuild_and_healthcheck() {
    let df = parse(
        "FROM a:1\nENV PATH_EXTRA /opt/bin with spaces\nONBUILD RUN make\nHEALTHCHECK --interval=30s CMD curl -f http://localhost/ || exit 1\nHEALTHCHECK NONE\n",
    )
    .unwrap();
    let ins = &df.stages[0].instructions;
    match &ins[1].body {
        Body::KeyValues(kvs) => {
            assert_eq!(kvs[0].key, "PATH_EXTRA");
            assert_eq!(kvs[0].value.value, "/opt/bin with spaces");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(&ins[2].body, Body::Onbuild(inner) if inner.keyword == Keyword::Run));
    assert!(matches!(
        &ins[3].body,
        Body::Healthcheck(Some(CommandForm::Shell(_)))
    ));
    assert_eq!(
        ins[3].flag("interval").and_then(|f| f.value.as_deref()),
        Some("30s")
    );
    assert_eq!(ins[4].body, Body::Healthcheck(None));
}

#[test]
fn unknown_instructions_are_warnings() {
    let df = parse("FROM a:1\nFROBNICATE the thing\nRUN true\n").unwrap();
    assert_eq!(df.stages[0].instructions[1].keyword, Keyword::Unknown);
    assert_eq!(df.stages[0].instructions[1].keyword_text, "FROBNICATE");
    assert_eq!(df.warnings.len(), 1);
    assert_eq!(df.warnings[0].line, 2);
}

#[test]
fn errors_name_lines() {
    let cases: &[(&str, usize)] = &[
        ("FROM a\nCOPY onlyone\n", 2),
        ("FROM a\n\nFROM b c d e\n", 3),
        ("RUN echo before from\nFROM a\n", 1),
        ("FROM a\nENV\n", 2),
        ("FROM a\nENV A=1 B\n", 2),
        ("FROM a\nHEALTHCHECK sometimes\n", 2),
        ("FROM a\nONBUILD ONBUILD RUN x\n", 2),
        ("FROM\n", 1),
    ];
    for (text, line) in cases {
        let err = parse(text).unwrap_err();
        assert_eq!(err.line(), Some(*line), "{text:?}: {err}");
        assert!(
            err.to_string().starts_with(&format!("line {line}:")),
            "{err}"
        );
    }
    assert_eq!(parse("# only a comment\n"), Err(ParseError::NoStages));
    assert_eq!(parse("ARG A=1\n"), Err(ParseError::NoStages));
}

#[test]
fn crlf_and_bom() {
    let df = parse("\u{feff}FROM alpine:3\r\nRUN echo a \\\r\n  b\r\n").unwrap();
    let run = &df.stages[0].instructions[1];
    assert_eq!(run_text(&run.body), "echo a   b");
    assert_eq!((run.start_line, run.end_line), (2, 3));
}

#[test]
fn keywords_are_case_insensitive() {
    let df = parse("from alpine:3 as Build\nrun echo\nfrom build\n").unwrap();
    assert_eq!(df.stages[1].base, BaseImage::Stage(0));
    assert_eq!(df.stages[0].instructions[1].keyword, Keyword::Run);
}
