//! `keystep verify` in-process: its arguments, and that nothing from standard input or a
//! value on the command line is ever printed.

use super::*;

fn args(a: &[&str]) -> Vec<String> {
    a.iter().map(|s| s.to_string()).collect()
}

#[test]
fn arguments_parse_in_any_order() {
    let got = parse_args(&args(&[
        "--json",
        "namely",
        "--field",
        "subdomain=acme",
        "--field=x=y=z",
    ]))
    .expect("valid")
    .expect("not --help");
    assert_eq!(got.provider, "namely", "provider");
    assert!(got.json, "--json");
    assert_eq!(
        got.fields,
        vec![
            ("subdomain".into(), "acme".into()),
            ("x".into(), "y=z".into())
        ],
        "values may contain ="
    );
}

#[test]
fn bad_command_lines_are_explained() {
    for bad in [
        &[][..],
        &["--field"],
        &["a", "b"],
        &["a", "--nope"],
        &["a", "--field", "novalue"],
    ] {
        let err = parse_args(&args(bad)).expect_err("must be refused");
        assert!(err.ends_with('.'), "a sentence: {err}");
    }
}

#[tokio::test]
async fn a_secret_on_the_command_line_is_refused_before_any_request() {
    let cat = Catalogue::embedded().expect("catalogue");
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = run_verify(
        &args(&["humaans", "--field", "api_token=abc", "--json"]),
        &cat,
        // Production hosts: the refusal must come before any request could be sent.
        Hosts::production(),
        &mut SecretInput::Lines(&mut std::io::empty()),
        &mut out,
        &mut err,
    )
    .await;
    assert_eq!(code, EXIT_USAGE, "usage error");
    let last = String::from_utf8(out).expect("utf8");
    let json: serde_json::Value =
        serde_json::from_str(last.lines().last().expect("a line")).expect("JSON");
    assert_eq!(json["code"], "invalid_input", "code: {json}");
    assert!(
        !last.contains("abc") && !String::from_utf8_lossy(&err).contains("=abc"),
        "no echo"
    );
}

#[tokio::test]
async fn missing_secret_on_stdin_is_invalid_input() {
    let cat = Catalogue::embedded().expect("catalogue");
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = run_verify(
        &args(&["humaans"]),
        &cat,
        Hosts::production(),
        &mut SecretInput::Lines(&mut std::io::empty()),
        &mut out,
        &mut err,
    )
    .await;
    assert_eq!(code, EXIT_USAGE, "nothing to verify");
    assert!(
        String::from_utf8_lossy(&err).contains("Paste your API token"),
        "names the field"
    );
}

/// The first four-character piece of `line` found in `out`, ignoring pieces of the
/// provider's own field keys (which messages name on purpose).
fn leaked(line: &str, out: &str, keys: &[&str]) -> Option<String> {
    let chars: Vec<char> = line.chars().collect();
    chars
        .windows(4)
        .map(|w| w.iter().collect::<String>())
        .filter(|w| !keys.iter().any(|k| format!("{k}=").contains(w.as_str())))
        .find(|w| out.contains(w.as_str()))
}

#[tokio::test]
async fn nothing_from_standard_input_is_ever_printed() {
    let cat = Catalogue::embedded().expect("catalogue");
    let long_value = "Qz".repeat(2_100);
    let cases: Vec<(&str, String, &str)> = vec![
        // echo "$TOKEN" | keystep verify humaans, with base64 padding.
        (
            "humaans",
            "c2VjcmV0LXRva2VuLWNsaS10ZXN0MQ=\n".into(),
            "names no field",
        ),
        (
            "humaans",
            "c2VjcmV0LXRva2VuLWNsaS10ZXN0Mg==\n".into(),
            "names no field",
        ),
        (
            "humaans",
            "api_token=QzXvSecretOne01\napi_token=QzXvSecretTwo02\n".into(),
            "again",
        ),
        (
            "humaans",
            "Qz Xv9 Wq Zk=QzXvSecretValue03\n".into(),
            "names no field",
        ),
        ("humaans", "QzXvNoEqualsSign0004\n".into(), "not NAME=VALUE"),
        ("humaans", format!("{}\n", "QzXv".repeat(5_000)), "too long"),
        ("humaans", format!("api_token={long_value}\n"), "too long"),
        ("namely", "subdomain=QzXvWkjq05\n".into(), "not secret"),
    ];
    for (provider, input, says) in cases {
        let keys: Vec<&str> = cat
            .get(provider)
            .expect("provider")
            .fields
            .iter()
            .map(|f| f.key.as_str())
            .collect();
        for json in [false, true] {
            let mut argv = vec![provider];
            if provider == "namely" {
                argv.extend(["--field", "subdomain=acme"]);
            }
            if json {
                argv.push("--json");
            }
            let (mut out, mut err) = (Vec::new(), Vec::new());
            let code = run_verify(
                &args(&argv),
                &cat,
                // Production hosts: every case is refused before a request could go.
                Hosts::production(),
                &mut SecretInput::Lines(&mut input.as_bytes()),
                &mut out,
                &mut err,
            )
            .await;
            let printed = format!(
                "{}{}",
                String::from_utf8_lossy(&out),
                String::from_utf8_lossy(&err)
            );
            assert_eq!(
                code, EXIT_USAGE,
                "{provider} (json {json}): refused: {printed}"
            );
            assert!(
                printed.contains(says),
                "{provider} (json {json}): says why ({says}): {printed}"
            );
            for line in input.lines() {
                assert_eq!(
                    leaked(line, &printed, &keys),
                    None,
                    "{provider} (json {json}): a piece of standard input was printed"
                );
            }
        }
    }
}

#[tokio::test]
async fn an_unknown_name_on_the_command_line_is_named_but_never_its_value() {
    let cat = Catalogue::embedded().expect("catalogue");
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = run_verify(
        &args(&["namely", "--field", "subdomian=QzXvValue06"]),
        &cat,
        Hosts::production(),
        &mut SecretInput::Lines(&mut std::io::empty()),
        &mut out,
        &mut err,
    )
    .await;
    let printed = String::from_utf8_lossy(&err);
    assert_eq!(code, EXIT_USAGE, "refused: {printed}");
    assert!(
        printed.contains("--field “subdomian” names no field of Namely"),
        "the typo is named: {printed}"
    );
    assert!(!printed.contains("QzXv"), "the value is not: {printed}");
}
