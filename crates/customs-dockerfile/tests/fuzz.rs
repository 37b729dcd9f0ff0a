//! Property tests: nothing panics on arbitrary input.

use customs_dockerfile::{
    CheckContext, DockerIgnore, ImageConfigInput, check, check_image_config, parse,
};
use proptest::prelude::*;

/// Text built from Dockerfile-ish pieces, to reach deep parser paths.
fn dockerfile_like() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("FROM ".to_string()),
        Just("RUN ".to_string()),
        Just("COPY ".to_string()),
        Just("ADD ".to_string()),
        Just("ENV ".to_string()),
        Just("ARG ".to_string()),
        Just("USER ".to_string()),
        Just("CMD ".to_string()),
        Just("ONBUILD ".to_string()),
        Just("HEALTHCHECK ".to_string()),
        Just("# escape=`\n".to_string()),
        Just("\\\n".to_string()),
        Just("`\n".to_string()),
        Just("<<EOF".to_string()),
        Just("<<-'X'".to_string()),
        Just("\nEOF\n".to_string()),
        Just("\n".to_string()),
        Just("${A:-${B:+c}}".to_string()),
        Just("$(curl x | sh)".to_string()),
        Just("\"".to_string()),
        Just("'".to_string()),
        Just("[\"a\", \"b\"]".to_string()),
        Just(" AS b ".to_string()),
        Just("--mount=type=cache,target=/x ".to_string()),
        Just("jupyter lab --ip=0.0.0.0 --NotebookApp.token='' ".to_string()),
        Just("https://u:p@h/ ".to_string()),
        Just("pip install x ".to_string()),
        Just("chmod 777 ".to_string()),
        Just("-é ".to_string()),
        "[ -~]{0,12}".prop_map(|s| s),
        "\\PC{0,8}".prop_map(|s| s),
    ];
    prop::collection::vec(piece, 0..40).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        if let Ok(df) = parse(&text) {
            let _ = check(&df, &CheckContext::default());
        }
    }

    #[test]
    fn dockerfile_like_text_never_panics(text in dockerfile_like(), ignore in ".{0,40}") {
        match parse(&text) {
            Ok(df) => {
                for ins in df.instructions() {
                    prop_assert!(ins.start_line >= 1 && ins.end_line >= ins.start_line);
                }
                let _ = check(&df, &CheckContext { path: "Dockerfile", dockerignore: Some(&ignore) });
            }
            Err(e) => {
                let _ = e.to_string();
            }
        }
        let prefixed = format!("FROM a\n{text}");
        if let Ok(df) = parse(&prefixed) {
            let _ = check(&df, &CheckContext::default());
        }
    }

    #[test]
    fn image_config_never_panics(
        user in ".{0,8}",
        env in prop::collection::vec(".{0,30}", 0..5),
        cmd in prop::collection::vec(".{0,20}", 0..5),
        history in prop::collection::vec(".{0,60}", 0..5),
        ports in prop::collection::vec(".{0,8}", 0..3),
    ) {
        let input = ImageConfigInput {
            source: "img".into(),
            user,
            env,
            cmd: cmd.clone(),
            entrypoint: cmd,
            has_healthcheck: false,
            exposed_ports: ports,
            history,
        };
        let _ = check_image_config(&input);
    }

    #[test]
    fn dockerignore_never_panics(content in ".{0,80}", path in "[a-z./*!\\[\\]-]{0,20}") {
        let _ = DockerIgnore::parse(&content).is_excluded(&path);
    }
}
