//! `keystep verify`: the same verification as the window, headless, for scripts and CI.
//!
//! ```text
//! keystep verify <provider> [--purpose ID] [--field NAME=VALUE]... [--json]
//! ```
//!
//! Non-secret fields come as `--field`; secret fields come on standard input as
//! `NAME=VALUE` lines (or, on a terminal, are asked for with echo off), because a command
//! line is visible to every user of the machine in the process list. A secret given with
//! `--field` is refused, and so is a non-secret field on standard input. Nothing is stored,
//! and nothing that came on standard input is ever printed (`stdin`). Host overrides in
//! effect for the provider are said on stderr, and in `--json` as `overridden_hosts`. Exit
//! status: 0 verified, 1 checked and found wanting (or the provider could not be reached),
//! 2 usage or invalid input.

use std::io::Write;

use serde::Serialize;

use keystep_core::error::Code;
use keystep_core::hosts::{HostOverride, Hosts};
use keystep_core::input::parse_fields;
use keystep_core::provider::Catalogue;
use keystep_core::verify::{Report, Verifier};

use super::args::{usage_line, Asked};
use super::{
    gather_fields, overrides_for, parse_key_args, say_overrides, undeclared_purpose,
    unknown_provider, KeyOptions, SecretInput, EXIT_FAILED, EXIT_OK, EXIT_USAGE,
};

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

const TAKES: KeyOptions = KeyOptions {
    command: "verify",
    purpose: true,
    name: false,
};

/// The usage text.
pub fn usage(catalogue: &Catalogue) -> String {
    let mut out = String::from(
        "Usage: keystep verify <provider> [--purpose ID] [--field NAME=VALUE]... [--json]\n\n\
         Checks a credential with the provider, the way the Keystep window does, and stores\n\
         nothing. Give non-secret fields with --field; pipe secret fields on standard input\n\
         as NAME=VALUE lines (a secret on the command line would show in the process list).\n\
         On a terminal, each secret field is asked for instead, and what you type is not\n\
         shown. --purpose says what the key is for (default read): what that purpose needs\n\
         and the key lacks is missing; what it holds beyond it is reported as more than needed.\n\n\
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

/// Parses the arguments after `verify`; `None` for `--help`.
///
/// # Errors
/// A sentence saying what is wrong with the command line, naming no value.
pub fn parse_args(args: &[String]) -> Result<Option<VerifyArgs>, String> {
    let parsed = match parse_key_args(args, TAKES)? {
        Asked::Help => return Ok(None),
        Asked::Run(parsed) => parsed,
    };
    Ok(Some(VerifyArgs {
        provider: parsed
            .subject
            .ok_or("Name the provider to verify, e.g. keystep verify humaans.")?,
        fields: parsed.fields,
        json: parsed.json,
        purpose: parsed
            .purpose
            .unwrap_or_else(|| keystep_core::provider::DEFAULT_PURPOSE.to_string()),
    }))
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
/// `input`, and returns the exit status.
pub async fn run_verify(
    args: &[String],
    catalogue: &Catalogue,
    hosts: Hosts,
    input: &mut SecretInput<'_>,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> i32 {
    let parsed = match parse_args(args) {
        Ok(Some(p)) => p,
        Ok(None) => {
            let _ = write!(stdout, "{}", usage(catalogue));
            return EXIT_OK;
        }
        Err(e) => {
            let json = args.iter().any(|a| a == "--json");
            return usage_error(stderr, &e, json, &[], stdout);
        }
    };
    let Some(provider) = catalogue.get(&parsed.provider) else {
        let msg = unknown_provider(&parsed.provider, catalogue);
        return usage_error(stderr, &msg, parsed.json, &[], stdout);
    };
    if let Some(msg) = undeclared_purpose(provider, &parsed.purpose) {
        return usage_error(stderr, &msg, parsed.json, &[], stdout);
    }
    let overridden = overrides_for(&hosts, provider);
    say_overrides("verify", provider, &overridden, stderr);
    let fail = |stdout: &mut dyn Write, stderr: &mut dyn Write, msg: &str| {
        usage_error(stderr, msg, parsed.json, &overridden, stdout)
    };
    let raw = match gather_fields(provider, &parsed.fields, input) {
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

fn print_report(report: &Report, json: bool, overridden: &[HostOverride], stdout: &mut dyn Write) {
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

/// A usage error or invalid input: the one line on stderr and, with `--json`, the outcome
/// line on stdout.
fn usage_error(
    stderr: &mut dyn Write,
    msg: &str,
    json: bool,
    overridden: &[HostOverride],
    stdout: &mut dyn Write,
) -> i32 {
    let _ = writeln!(stderr, "{}", usage_line("verify", msg));
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
    }
    EXIT_USAGE
}

#[cfg(test)]
mod tests;
