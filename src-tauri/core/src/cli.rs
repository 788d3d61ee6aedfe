//! `keystep verify`: the same verification as the window, headless, for scripts and CI.
//!
//! ```text
//! keystep verify <provider> [--field NAME=VALUE]... [--json]
//! ```
//!
//! Non-secret fields come as `--field`; secret fields come on standard input as
//! `NAME=VALUE` lines, because a command line is visible to every user of the machine in
//! the process list. A secret given with `--field` is refused. Nothing is stored and no
//! secret is printed. Exit status: 0 verified, 1 checked and found wanting (or the
//! provider could not be reached), 2 usage or invalid input.

use std::collections::BTreeMap;
use std::io::{BufRead, Write};

use serde::Serialize;

use crate::error::Code;
use crate::hosts::Hosts;
use crate::input::parse_fields;
use crate::provider::Catalogue;
use crate::secret::Secret;
use crate::verify::{Report, Verifier};

/// Exit status: verified.
pub const EXIT_OK: i32 = 0;
/// Exit status: checked and found wanting, or not checkable right now.
pub const EXIT_FAILED: i32 = 1;
/// Exit status: usage error or invalid input; nothing was sent.
pub const EXIT_USAGE: i32 = 2;

/// The parsed command line of `keystep verify`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyArgs {
    /// Provider id.
    pub provider: String,
    /// `--field NAME=VALUE` pairs, in order.
    pub fields: Vec<(String, String)>,
    /// `--json`.
    pub json: bool,
}

/// The usage text.
pub fn usage(catalogue: &Catalogue) -> String {
    let mut out = String::from(
        "Usage: keystep verify <provider> [--field NAME=VALUE]... [--json]\n\n\
         Checks a credential with the provider, the way the Keystep window does, and stores\n\
         nothing. Give non-secret fields with --field; pipe secret fields on standard input\n\
         as NAME=VALUE lines (a secret on the command line would show in the process list).\n\n\
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
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--json" => json = true,
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
    identity: Option<&'a crate::verify::Identity>,
    permissions: Option<&'a crate::verify::PermissionReport>,
    notes: &'a [String],
    retry_after_secs: Option<u64>,
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
        Err(e) => return usage_error(stderr, &e, args.iter().any(|a| a == "--json"), stdout),
    };
    let fail = |stdout: &mut dyn Write, stderr: &mut dyn Write, msg: &str| {
        usage_error(stderr, msg, parsed.json, stdout)
    };
    let Some(provider) = catalogue.get(&parsed.provider) else {
        let ids: Vec<&str> = catalogue.all().iter().map(|p| p.id.as_str()).collect();
        let msg = format!(
            "Keystep does not know “{}”. Providers: {}.",
            parsed.provider,
            ids.join(", ")
        );
        return fail(stdout, stderr, &msg);
    };
    let mut raw: BTreeMap<String, Secret> = BTreeMap::new();
    for (key, value) in &parsed.fields {
        match provider.field(key) {
            Some(f) if f.secret => {
                let msg = format!(
                    "{} is secret: pipe it on standard input as {key}=… instead of --field, so it never shows in the process list.",
                    f.label
                );
                return fail(stdout, stderr, &msg);
            }
            _ => {
                raw.insert(key.clone(), Secret::new(value.clone()));
            }
        }
    }
    let needs_stdin = provider
        .fields
        .iter()
        .any(|f| f.secret && !raw.contains_key(&f.key));
    if needs_stdin {
        for line in stdin.lines() {
            let Ok(line) = line else {
                return fail(stdout, stderr, "Standard input could not be read as text.");
            };
            let line = zeroize::Zeroizing::new(line);
            let trimmed = line.trim_end_matches(['\r', '\n']);
            if trimmed.trim().is_empty() || trimmed.trim_start().starts_with('#') {
                continue;
            }
            let Some((key, value)) = trimmed.split_once('=') else {
                return fail(
                    stdout,
                    stderr,
                    "Each line on standard input must be NAME=VALUE (the value is not shown here).",
                );
            };
            let key = key.trim().to_string();
            if raw.contains_key(&key) {
                let msg = format!("“{key}” was given twice.");
                return fail(stdout, stderr, &msg);
            }
            raw.insert(key, Secret::new(value));
        }
    }
    let creds = match parse_fields(provider, raw) {
        Ok(c) => c,
        Err(e) => return fail(stdout, stderr, &e.message),
    };
    let verifier = Verifier::new(hosts);
    let steps = std::sync::Mutex::new(Vec::new());
    let report = verifier
        .verify(provider, &creds, crate::verify::Purpose::Link, &|check| {
            if let Ok(mut s) = steps.lock() {
                s.push(check.doing.clone());
            }
        })
        .await;
    if !parsed.json {
        for step in steps.into_inner().unwrap_or_default() {
            let _ = writeln!(stderr, "  {step}");
        }
    }
    let json = parsed.json;
    print_report(&report, json, stdout);
    if report.ok {
        EXIT_OK
    } else {
        EXIT_FAILED
    }
}

fn print_report(report: &Report, json: bool, stdout: &mut dyn Write) {
    if json {
        let out = JsonOutcome {
            ok: report.ok,
            code: report.code,
            message: &report.message,
            identity: Some(&report.identity),
            permissions: Some(&report.permissions),
            notes: &report.notes,
            retry_after_secs: report.retry_after_secs,
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
    if !p.extra.is_empty() {
        let _ = writeln!(
            stdout,
            "  granted beyond what is needed: {}",
            list(&p.extra)
        );
    }
}

fn usage_error(stderr: &mut dyn Write, msg: &str, json: bool, stdout: &mut dyn Write) -> i32 {
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
}
