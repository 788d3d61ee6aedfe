//! The `keystep` command as a script runs it: the built binary, no window and no display.
//!
//! Here `keystep verify`: secrets on stdin, against the provider emulator over loopback;
//! exit codes, the JSON line, and that no secret appears in anything the command prints.
//! `accounts`: `keystep link`, `list` and `forget` with the real keychain, and
//! `accounts_refusals`: their refusals, each with its exit code, keeping nothing; `relink`:
//! a new key kept in place; `contract`: issue 22's `--field` and secret names for the new
//! providers, and sandbox accounts labelled.
//! `window`: the command-line binary and the window binary it `exec`s.
//! `run`: `keystep run` (proxy and `--env`) and `keystep log` with real python3 scripts.
//! `keychain_wait`: an unlock prompt nobody answers ends a command at its bound.
//! `terminal`: `verify` and `link` at a terminal ask for each secret with echo off.
//! `usage`: one style of usage error, no pasted value repeated, the README's synopses.
//! `run_examples`: every example Keystep prints keeps the run token out of argument lists
//! (run under strace), and the window's examples read through the real proxy; what
//! `keystep mcp --config` prints, started as each assistant starts it, puts no key or token
//! in any argument list.
//! `run_kinds`: `keystep run` with BambooHR, Greenhouse and Ashby keys (the key as Basic
//! user name, client credentials the proxy mints) through real python3 scripts, and `--env`
//! with a variable per field and their Basic pairs masked.
//! `run_guard`: a terminal's Ctrl-C reaching the command once, a hold said once on stderr,
//! and idle connections by the hundred, another user's and the script's own, under a low
//! descriptor limit.
//! `push`: `keystep push`, `verify --from` and `forget`'s answers about copies, against
//! OpenBao's dev server and moto's AWS Secrets Manager started by the test.
//! `mcp`: `keystep mcp` driven by the official Python MCP client, every tool for every
//! provider, the field policy, and a third-party MCP server through `keystep run --env`.
//!
//! In-process, over the `keystep-cli` library: `book` (`keystep link` and the window writing
//! one book at once lose nothing), `proxy` (`keystep run`'s proxy: each provider's real
//! credential in its place while the script holds a run token; refusals forward nothing;
//! pace, Retry-After, streaming, redirects, 200 requests at once; the use log without
//! secrets), `proxy_guard` (who may use the proxy and what it lets through: other users,
//! `Host`, override headers and cookies, plain writes, refusals counted not recorded, host
//! pinning, idle connections), `proxy_kinds` (issue 22's kinds: the key as Basic user name,
//! a vendor header, client credentials minted by the proxy, one token for a thousand reads,
//! reads by pattern, another user turned away before anything is minted),
//! `proxy_pace` (only documented limits, said once and recorded;
//! HiBob's firewall never tripped; a 429's back-off), `stdin` (fuzzing standard input and the normalizers: no panic, and no error
//! repeats what came in) and `purpose` (`keystep verify --purpose`).
//!
//! In-process, over `keystep-core` as the window uses it: `bench_fleet` (the benchmark's
//! accounts, 20 over five providers and 100 over fifteen, link as the window links them, and
//! within the benchmark's pacing budget).

use std::io::Write;
use std::process::{Command, Output, Stdio};

mod accounts;
mod accounts_refusals;
#[path = "../common/app_binary.rs"]
mod app_binary;
mod bench_fleet;
mod book;
mod contract;
mod keychain_wait;
mod mcp;
mod mcp_client;
mod mcp_every;
mod mcp_servers;
#[path = "../common/parts.rs"]
mod parts;
mod proxy;
mod proxy_guard;
mod proxy_kinds;
mod proxy_pace;
mod purpose;
mod push;
mod relink;
mod run;
mod run_examples;
mod run_guard;
mod run_kinds;
mod stdin;
#[path = "../common/stores.rs"]
mod stores;
mod terminal;
mod usage;
mod window;

use accounts::last_json;
use app_binary::app_binary;
use keystep_emulator::{Emulator, HumaansTenant, JazzhrAccount, NamelyTenant};
use serde_json::Value;

const HUMAANS: &str = "CliHumaansToken00000000000000001";
const JAZZHR: &str = "CliJazzhrKeyInTheQueryString0001";
const NAMELY: &str = "CliNamelyPersonalAccessToken0001";

/// Runs `keystep verify <args>` with `stdin`, no DISPLAY, pointed at the emulator.
fn verify(emu: &Emulator, args: &[&str], stdin: &str) -> Output {
    let bin = app_binary();
    assert!(
        bin.exists(),
        "build the app first (cargo build -p keystep-app): {}",
        bin.display()
    );
    let mut cmd = Command::new(bin);
    cmd.arg("verify")
        .args(args)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in emu.env() {
        cmd.env(k, v);
    }
    feed(cmd, stdin)
}

/// Starts `cmd`, writes `stdin` to it and waits for its output. keystep may refuse a line
/// and exit before reading the rest (a line far too long): a broken pipe is not a failure.
pub(crate) fn feed(mut cmd: Command, stdin: &str) -> Output {
    let mut child = cmd.spawn().expect("keystep runs");
    let written = child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes());
    if let Err(e) = written {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "write stdin: {e}");
    }
    child.wait_with_output().expect("keystep finishes")
}

fn assert_silent_about(out: &Output, secret: &str) {
    for (name, stream) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        assert!(
            !String::from_utf8_lossy(stream).contains(secret),
            "the secret appeared on {name}"
        );
    }
}

fn emulator() -> Emulator {
    let emu = Emulator::start();
    emu.add_humaans(HUMAANS, HumaansTenant::full("Acme Ltd", 42));
    emu.add_jazzhr(JAZZHR, JazzhrAccount::with_users("admin@acme.example", 12));
    emu.add_namely("acme", NamelyTenant::full("Acme Inc.", NAMELY, 142));
    emu
}

#[test]
fn a_working_key_exits_zero_with_identity() {
    let emu = emulator();
    let out = verify(
        &emu,
        &["humaans", "--json"],
        &format!("api_token={HUMAANS}\n"),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "verified: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json = last_json(&out);
    assert_eq!(json["ok"], true, "ok: {json}");
    assert_eq!(json["code"], Value::Null, "no code on success: {json}");
    assert_eq!(json["identity"]["company"], "Acme Ltd", "identity: {json}");
    assert_eq!(json["identity"]["head_count"], 42, "head count: {json}");
    assert!(
        json["permissions"]["missing"]
            .as_array()
            .is_some_and(Vec::is_empty),
        "nothing missing: {json}"
    );
    assert_silent_about(&out, HUMAANS);
}

#[test]
fn non_secret_fields_come_as_options_and_urls_are_cleaned() {
    let emu = emulator();
    let out = verify(
        &emu,
        &[
            "namely",
            "--field",
            "subdomain=https://acme.namely.com/home",
            "--json",
        ],
        &format!("access_token={NAMELY}\n"),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "verified: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let json = last_json(&out);
    assert_eq!(json["identity"]["company"], "Acme Inc.", "{json}");
    assert!(
        json["notes"].to_string().contains(".namely.com"),
        "the clean-up is reported: {json}"
    );
    assert_silent_about(&out, NAMELY);
}

#[test]
fn a_rejected_key_exits_one_with_its_code() {
    let emu = emulator();
    let wrong = "CliWrongJazzhrKey000000000000009";
    let out = verify(&emu, &["jazzhr", "--json"], &format!("api_key={wrong}\n"));
    assert_eq!(out.status.code(), Some(1), "found wanting");
    let json = last_json(&out);
    assert_eq!(
        (json["ok"].as_bool(), json["code"].as_str()),
        (Some(false), Some("bad_credentials")),
        "{json}"
    );
    assert_silent_about(&out, wrong);
    let sent = emu.requests();
    assert!(
        sent.iter()
            .any(|r| r.query.get("apikey").map(String::as_str) == Some(wrong)),
        "the key really went to the provider, in the query, so the silence above means something"
    );
}

#[test]
fn a_wrong_subdomain_is_wrong_tenant_in_text_mode() {
    let emu = emulator();
    let out = verify(
        &emu,
        &["namely", "--field", "subdomain=acme-typo"],
        &format!("access_token={NAMELY}\n"),
    );
    assert_eq!(out.status.code(), Some(1), "found wanting");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with('✗') && text.contains("acme-typo.namely.com"),
        "human output names the address: {text}"
    );
}

#[test]
fn secrets_on_the_command_line_and_bad_usage_exit_two_and_send_nothing() {
    let emu = emulator();
    let cases: [(&[&str], &str); 4] = [
        (
            &[
                "humaans",
                "--field",
                "api_token=CliLeakedOnTheCommandLine0000001",
            ],
            "",
        ),
        (&["nosuchprovider"], ""),
        (
            &["namely", "--field", "subdomain=evil.example.com"],
            "access_token=x\n",
        ),
        (&["humaans", "--bogus"], ""),
    ];
    for (args, stdin) in cases {
        let out = verify(&emu, args, stdin);
        assert_eq!(out.status.code(), Some(2), "{args:?} is a usage error");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.starts_with("keystep verify: "),
            "{args:?} explains itself: {err}"
        );
        assert_silent_about(&out, "CliLeakedOnTheCommandLine0000001");
    }
    assert!(emu.requests().is_empty(), "usage errors send nothing");
}

/// The first four-character piece of `line` that `out` contains, ignoring pieces of the
/// provider's declared field keys (which messages name on purpose).
fn leaked(line: &str, out: &str, keys: &[&str]) -> Option<String> {
    let chars: Vec<char> = line.chars().collect();
    chars
        .windows(4)
        .map(|w| w.iter().collect::<String>())
        .filter(|w| !keys.iter().any(|k| format!("{k}=").contains(w.as_str())))
        .find(|w| out.contains(w.as_str()))
}

#[test]
fn nothing_that_came_on_standard_input_is_ever_printed() {
    let emu = emulator();
    let cases: Vec<(&str, String, &[&str])> = vec![
        // `echo "$TOKEN" | keystep verify humaans`: base64 padding makes it look like NAME=VALUE.
        (
            "humaans",
            "Q2xpU3RkaW5MZWFrMDAwMDAx=\n".into(),
            &["api_token"],
        ),
        (
            "humaans",
            "Q2xpU3RkaW5MZWFrMDAwMDAy==\n".into(),
            &["api_token"],
        ),
        (
            "humaans",
            "api_token=QzXvCliOne0003\napi_token=QzXvCliTwo0003\n".into(),
            &["api_token"],
        ),
        (
            "humaans",
            "Qz Xv9 Wq Zk=QzXvCliSpaces0004\n".into(),
            &["api_token"],
        ),
        (
            "humaans",
            "QzXvCliNoEqualsSign0005\n".into(),
            &["api_token"],
        ),
        (
            "humaans",
            format!("{}\n", "QzXvWk".repeat(20_000)),
            &["api_token"],
        ),
        (
            "namely",
            "subdomain=qzxvwkjq\naccess_token=QzXvCliNmly0006\n".into(),
            &["subdomain", "access_token"],
        ),
    ];
    for (provider, stdin, keys) in &cases {
        for json in [false, true] {
            let mut args = vec![*provider];
            if *provider == "namely" {
                args.extend(["--field", "subdomain=acme"]);
            }
            if json {
                args.push("--json");
            }
            let out = verify(&emu, &args, stdin);
            assert_eq!(
                out.status.code(),
                Some(2),
                "{provider} (json {json}): refused as invalid input: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            for (name, stream) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
                let text = String::from_utf8_lossy(stream);
                for line in stdin.lines() {
                    assert_eq!(
                        leaked(line, &text, keys),
                        None,
                        "{provider} (json {json}): a piece of standard input on {name}"
                    );
                }
            }
            if json {
                let last = last_json(&out);
                assert_eq!(last["code"], "invalid_input", "{provider}: {last}");
                assert!(
                    last["message"]
                        .as_str()
                        .is_some_and(|m| m.contains("Line ")),
                    "{provider}: the line is named by number: {last}"
                );
            }
        }
    }
    assert!(
        emu.requests().is_empty(),
        "nothing was sent: {:?}",
        emu.requests()
    );
}

#[test]
fn verify_says_which_hosts_are_overridden() {
    let emu = emulator();
    let stdin = format!("api_token={HUMAANS}\n");
    let text = verify(&emu, &["humaans"], &stdin);
    assert_eq!(text.status.code(), Some(0), "verified");
    let err = String::from_utf8_lossy(&text.stderr);
    let url = emu.url("humaans", "api");
    assert!(
        err.lines()
            .any(|l| l.contains("KEYSTEP_HUMAANS_API_URL") && l.contains(&url)),
        "stderr names the variable and where the key went: {err}"
    );
    assert!(
        !err.contains("KEYSTEP_JAZZHR"),
        "only the provider verified: {err}"
    );

    let json = last_json(&verify(&emu, &["humaans", "--json"], &stdin));
    assert_eq!(
        json["overridden_hosts"],
        serde_json::json!([{
            "provider": "humaans",
            "host": "api",
            "url": url,
            "variable": "KEYSTEP_HUMAANS_API_URL",
        }]),
        "the JSON line lists the override: {json}"
    );
}
