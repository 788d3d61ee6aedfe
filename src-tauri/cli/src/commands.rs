//! The commands: which command runs or whether the window opens (`top`), `keystep list`,
//! `forget` and `rename` (`accounts`), `link` (`link`), `run` and `log`, accounts shown as
//! `view` says, and here `keystep verify`, the same verification as the window, headless,
//! for scripts and CI. The `keystep` binary is a few lines over this module.
//!
//! ```text
//! keystep verify <provider> [--purpose ID] [--field NAME=VALUE]... [--json]
//! ```
//!
//! Non-secret fields come as `--field`; secret fields come on standard input as
//! `NAME=VALUE` lines, because a command line is visible to every user of the machine in
//! the process list. A secret given with `--field` is refused, and so is a non-secret field
//! on standard input. Nothing is stored, and nothing that came on standard input is ever
//! printed (`stdin`). Host overrides in effect for the provider are said on stderr, and in
//! `--json` as `overridden_hosts`. Exit status: 0 verified, 1 checked and found wanting (or
//! the provider could not be reached), 2 usage or invalid input.

use std::collections::BTreeMap;
use std::io::{BufRead, Write};

use serde::Serialize;

use keystep_core::error::Code;
use keystep_core::hosts::{HostOverride, Hosts};
use keystep_core::input::parse_fields;
use keystep_core::provider::Catalogue;
use keystep_core::secret::Secret;
use keystep_core::verify::{Report, Verifier};

mod stdin;
mod top;
mod view;
mod accounts;
mod link;
mod run;
mod log;
mod push;

pub use accounts::{run_forget, run_list, run_rename};
pub use link::{link_usage, run_link};
pub use log::{run_log, LOG_USAGE};
pub use push::{
    copy_line, forget_answers, parse_from, parse_push, run_push, run_verify_from, wants_from,
    CopyLine, PUSH_USAGE,
};
pub use run::{run_run, RUN_USAGE};
pub use stdin::{read_stdin_fields, StdinError, MAX_LINE_BYTES};
pub use top::{route, usage as top_usage, Command, Route, BACKGROUND, WINDOW_OPTIONS};
pub use view::{account_line, rfc3339, status_word, AccountLine};

/// Why `purpose` cannot be asked of `provider`'s keys, when the provider file does not
/// declare it (`verify` and `link` refuse it before anything is sent).
fn undeclared_purpose(
    provider: &keystep_core::provider::Provider,
    purpose: &str,
) -> Option<String> {
    provider.purpose(purpose).is_none().then(|| {
        format!(
            "{} keys may be for {}; “{}” is not one of them.",
            provider.name,
            provider.purpose_ids().join(", "),
            purpose
        )
    })
}

/// Exit status: verified.
pub const EXIT_OK: i32 = 0;
/// Exit status: checked and found wanting, or not checkable right now.
pub const EXIT_FAILED: i32 = 1;
/// Exit status: usage error or invalid input; nothing was sent.
pub const EXIT_USAGE: i32 = 2;

/// Runs a command's future to its exit status on a runtime of its own (one thread: a
/// command does one thing at a time); 1 when no runtime can be made.
pub fn block_on(command: impl std::future::Future<Output = i32>) -> i32 {
    match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime.block_on(command),
        Err(e) => {
            eprintln!("keystep: could not start: {e}");
            EXIT_FAILED
        }
    }
}

/// The parsed command line of `keystep verify`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyArgs {
    /// Provider id.
    pub provider: String,
    /// `--field NAME=VALUE` pairs, in order.
    pub fields: Vec<(String, String)>,
    /// `--json`.
    pub json: bool,
    /// `--purpose ID`: what the key is for (default `read`).
    pub purpose: String,
}

/// The usage text.
pub fn usage(catalogue: &Catalogue) -> String {
    let mut out = String::from(
        "Usage: keystep verify <provider> [--purpose ID] [--field NAME=VALUE]... [--json]\n\n\
         Checks a credential with the provider, the way the Keystep window does, and stores\n\
         nothing. Give non-secret fields with --field; pipe secret fields on standard input\n\
         as NAME=VALUE lines (a secret on the command line would show in the process list).\n\
         --purpose says what the key is for (default read): what that purpose needs and the\n\
         key lacks is missing; what it holds beyond it is reported as more than needed.\n\n\
         With --from TARGET (vault://… or aws-sm://…, see keystep push --help) it checks the\n\
         copy in that team store instead, without the keychain: every field comes from the\n\
         copy, the provider and purpose from its keystep: metadata (or as given).\n\n\
         Exit status: 0 verified, 1 found wanting or unreachable, 2 usage or invalid input.\n\n\
         Providers and their fields (* = secret, read from standard input):\n",
    );
    for p in catalogue.all() {
        let fields: Vec<String> = p
            .fields
            .iter()
            .map(|f| format!("{}{}", f.key, if f.secret { "*" } else { "" }))
            .collect();
        out.push_str(&format!("  {:<8} {}\n", p.id, fields.join(" ")));
    }
    out.push_str("\nPurposes (--purpose):\n");
    for p in catalogue.all() {
        for purpose in &p.purposes {
            out.push_str(&format!(
                "  {:<8} {:<6} {}\n",
                p.id, purpose.id, purpose.summary
            ));
        }
    }
    out.push_str(
        "\nExample:\n  printf 'api_token=%s\\n' \"$TOKEN\" | keystep verify humaans --json\n",
    );
    out
}

/// Parses the arguments after `verify`.
///
/// # Errors
/// A sentence saying what is wrong with the command line.
pub fn parse_args(args: &[String]) -> Result<VerifyArgs, String> {
    let mut provider = None;
    let mut fields = Vec::new();
    let mut json = false;
    let mut purpose = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--json" => json = true,
            "--purpose" => {
                let id = it
                    .next()
                    .ok_or("--purpose needs an ID after it, e.g. --purpose read.".to_string())?;
                purpose = Some(id.clone());
            }
            s if s.starts_with("--purpose=") => purpose = Some(s["--purpose=".len()..].to_string()),
            "--field" | "-f" => {
                let pair = it
                    .next()
                    .ok_or("--field needs NAME=VALUE after it.".to_string())?;
                fields.push(split_pair(pair)?);
            }
            s if s.starts_with("--field=") => fields.push(split_pair(&s["--field=".len()..])?),
            s if s.starts_with('-') => return Err(format!("Unknown option “{s}”.")),
            s if provider.is_none() => provider = Some(s.to_string()),
            s => {
                return Err(format!(
                    "Unexpected argument “{s}”: only one provider at a time."
                ))
            }
        }
    }
    Ok(VerifyArgs {
        provider: provider.ok_or("Name the provider to verify, e.g. keystep verify humaans.")?,
        fields,
        json,
        purpose: purpose.unwrap_or_else(|| keystep_core::provider::DEFAULT_PURPOSE.to_string()),
    })
}

fn split_pair(pair: &str) -> Result<(String, String), String> {
    match pair.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
        _ => Err("--field takes NAME=VALUE, e.g. --field subdomain=acme.".to_string()),
    }
}

/// What `--json` prints as the last line of standard output.
#[derive(Debug, Serialize)]
struct JsonOutcome<'a> {
    ok: bool,
    code: Option<Code>,
    message: &'a str,
    identity: Option<&'a keystep_core::verify::Identity>,
    permissions: Option<&'a keystep_core::verify::PermissionReport>,
    notes: &'a [String],
    retry_after_secs: Option<u64>,
    /// The provider's hosts that `KEYSTEP_*_URL` variables replace: where the key went.
    overridden_hosts: &'a [HostOverride],
    /// The purpose the key was held to; absent when the command line was refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    purpose: Option<&'a str>,
}

/// Runs `keystep verify` with `args` (after the word `verify`), reading secrets from
/// `stdin`, and returns the exit status.
pub async fn run_verify(
    args: &[String],
    catalogue: &Catalogue,
    hosts: Hosts,
    stdin: &mut dyn BufRead,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> i32 {
    if args.iter().any(|a| a == "--help" || a == "-h") {
        let _ = write!(stdout, "{}", usage(catalogue));
        return EXIT_OK;
    }
    let parsed = match parse_args(args) {
        Ok(p) => p,
        Err(e) => {
            let json = args.iter().any(|a| a == "--json");
            return usage_error(stderr, &e, json, &[], stdout);
        }
    };
    let Some(provider) = catalogue.get(&parsed.provider) else {
        let ids: Vec<&str> = catalogue.all().iter().map(|p| p.id.as_str()).collect();
        let msg = format!(
            "Keystep does not know “{}”. Providers: {}.",
            parsed.provider,
            ids.join(", ")
        );
        return usage_error(stderr, &msg, parsed.json, &[], stdout);
    };
    if let Some(msg) = undeclared_purpose(provider, &parsed.purpose) {
        return usage_error(stderr, &msg, parsed.json, &[], stdout);
    }
    let overridden: Vec<HostOverride> = hosts
        .overrides()
        .into_iter()
        .filter(|o| o.provider == provider.id)
        .collect();
    if !parsed.json {
        for o in &overridden {
            let _ = writeln!(
                stderr,
                "keystep verify: {} sends {}'s “{}” requests to {}, not to {}.",
                o.variable, provider.name, o.host, o.url, provider.name
            );
        }
    }
    let fail = |stdout: &mut dyn Write, stderr: &mut dyn Write, msg: &str| {
        usage_error(stderr, msg, parsed.json, &overridden, stdout)
    };
    let raw = match gather_fields(provider, &parsed.fields, stdin) {
        Ok(raw) => raw,
        Err(e) => return fail(stdout, stderr, &e),
    };
    let creds = match parse_fields(provider, raw) {
        Ok(c) => c,
        // Input messages name fields by their labels, never a value.
        Err(e) => return fail(stdout, stderr, &e.message),
    };
    let verifier = Verifier::new(hosts);
    let steps = std::sync::Mutex::new(Vec::new());
    let report = verifier
        .verify_for(
            provider,
            &creds,
            &parsed.purpose,
            keystep_core::verify::Purpose::Link,
            &|check| {
                if let Ok(mut s) = steps.lock() {
                    s.push(check.doing.clone());
                }
            },
        )
        .await;
    if !parsed.json {
        for step in steps.into_inner().unwrap_or_default() {
            let _ = writeln!(stderr, "  {step}");
        }
    }
    print_report(&report, parsed.json, &overridden, stdout);
    if report.ok {
        EXIT_OK
    } else {
        EXIT_FAILED
    }
}

/// Every field's raw value for `provider`: non-secret ones from `--field` pairs, secret ones
/// from `stdin` as `NAME=VALUE` lines ([`read_stdin_fields`]). `verify` and `link` take
/// their input alike.
///
/// # Errors
/// A sentence naming what is wrong: a secret given as `--field`, a field given twice or
/// unknown, unusable standard input. It names fields, never a value.
pub(crate) fn gather_fields(
    provider: &keystep_core::provider::Provider,
    fields: &[(String, String)],
    stdin: &mut dyn BufRead,
) -> Result<BTreeMap<String, Secret>, String> {
    let mut raw: BTreeMap<String, Secret> = BTreeMap::new();
    for (key, value) in fields {
        // Command-line arguments are visible in the process list anyway, so naming one
        // back is no leak; values are never repeated.
        let msg = match provider.field(key) {
            Some(f) if f.secret => format!(
                "{} is secret: pipe it on standard input as {key}=… instead of --field, so it never shows in the process list.",
                f.label
            ),
            Some(_) if raw.contains_key(key) => format!("--field {key} is given twice."),
            Some(_) => {
                raw.insert(key.clone(), Secret::new(value.clone()));
                continue;
            }
            None => {
                let known: Vec<&str> = provider.fields.iter().map(|f| f.key.as_str()).collect();
                format!(
                    "--field “{key}” names no field of {}; its fields are: {}.",
                    provider.name,
                    known.join(", ")
                )
            }
        };
        return Err(msg);
    }
    if provider.fields.iter().any(|f| f.secret) {
        raw.extend(read_stdin_fields(stdin, provider).map_err(|e| e.to_string())?);
    }
    Ok(raw)
}

pub(crate) fn print_report(
    report: &Report,
    json: bool,
    overridden: &[HostOverride],
    stdout: &mut dyn Write,
) {
    if json {
        let out = JsonOutcome {
            ok: report.ok,
            code: report.code,
            message: &report.message,
            identity: Some(&report.identity),
            permissions: Some(&report.permissions),
            notes: &report.notes,
            retry_after_secs: report.retry_after_secs,
            overridden_hosts: overridden,
            purpose: Some(&report.purpose),
        };
        let _ = writeln!(
            stdout,
            "{}",
            serde_json::to_string(&out).unwrap_or_default()
        );
        return;
    }
    let mark = if report.ok { "✓" } else { "✗" };
    let _ = writeln!(stdout, "{mark} {}", report.message);
    for note in &report.notes {
        let _ = writeln!(stdout, "  note: {note}");
    }
    let p = &report.permissions;
    let list = |items: &[String]| items.join(", ");
    if !p.missing.is_empty() {
        let _ = writeln!(stdout, "  missing: {}", list(&p.missing));
    }
    if !p.unchecked.is_empty() {
        let _ = writeln!(
            stdout,
            "  not checkable without a change: {}",
            list(&p.unchecked)
        );
    }
    if !p.unconfirmed.is_empty() {
        let _ = writeln!(
            stdout,
            "  asked for by the original guide, not granted, maybe not offered: {}",
            list(&p.unconfirmed)
        );
    }
    if !p.extra.is_empty() {
        let _ = writeln!(
            stdout,
            "  granted beyond what “{}” needs (untick to keep the key to the least): {}",
            report.purpose,
            list(&p.extra)
        );
    }
}

fn usage_error(
    stderr: &mut dyn Write,
    msg: &str,
    json: bool,
    overridden: &[HostOverride],
    stdout: &mut dyn Write,
) -> i32 {
    let _ = writeln!(stderr, "keystep verify: {msg}");
    if json {
        let out = JsonOutcome {
            ok: false,
            code: Some(Code::InvalidInput),
            message: msg,
            identity: None,
            permissions: None,
            notes: &[],
            retry_after_secs: None,
            overridden_hosts: overridden,
            purpose: None,
        };
        let _ = writeln!(
            stdout,
            "{}",
            serde_json::to_string(&out).unwrap_or_default()
        );
    } else {
        let _ = writeln!(stderr, "Try keystep verify --help.");
    }
    EXIT_USAGE
}

#[cfg(test)]
mod tests {
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
        .expect("valid");
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
            &mut std::io::empty(),
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
            &mut std::io::empty(),
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
                    &mut input.as_bytes(),
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
            &mut std::io::empty(),
            &mut out,
            &mut err,
        )
        .await;
        let printed = String::from_utf8_lossy(&err);
        assert_eq!(code, EXIT_USAGE, "refused: {printed}");
        assert!(
            printed.contains("“subdomian” names no field of Namely"),
            "the typo is named: {printed}"
        );
        assert!(!printed.contains("QzXv"), "the value is not: {printed}");
    }
}
