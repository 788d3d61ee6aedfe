//! `keystep verify` and `link` run by hand, at a terminal: the built binary on a
//! pseudo-terminal (`terminal.py`, python3's `pty`), a person typing the key when asked.
//! Each secret field is asked for by its label, and what is typed never shows on the
//! terminal (security review 3, finding 8: the command waited silently and the typed
//! `api_token=…` stayed on screen). A HiBob account, whose API cannot name the company, is
//! named by the person when asked.

use std::path::Path;
use std::process::Command;

use serde_json::{json, Value};

use crate::accounts::{keyring_present, Cli, HIBOB, HUMAANS};
use crate::app_binary::app_binary;

/// What the terminal showed while `keystep <args>` ran on it and `steps` were typed, and
/// its exit status.
fn at_terminal(cli: &Cli, args: &[&str], steps: Value) -> (String, Option<i64>) {
    let driver = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cli/terminal.py");
    let out = Command::new("python3")
        .arg(driver)
        .arg(steps.to_string())
        .arg(app_binary())
        .args(args)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env("XDG_DATA_HOME", cli.data())
        .envs(cli.emu.env())
        .output()
        .expect("python3 runs the terminal driver");
    assert!(
        out.status.success(),
        "the driver ran: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("the driver's JSON");
    (
        report["shown"].as_str().unwrap_or_default().to_string(),
        report["status"].as_i64(),
    )
}

#[test]
fn a_key_typed_at_a_terminal_is_asked_for_by_name_and_never_shown() {
    let cli = Cli::new();
    let (shown, status) = at_terminal(
        &cli,
        &["verify", "humaans", "--json"],
        json!([{"expect": "typing is not shown", "send": HUMAANS}]),
    );
    assert!(
        shown.contains("API token (Humaans; typing is not shown)"),
        "the field is asked for by its label: {shown:?}"
    );
    assert!(
        !shown.contains(HUMAANS) && !shown.contains(&HUMAANS[..12]),
        "the typed key is not on the terminal: {shown:?}"
    );
    assert_eq!(status, Some(0), "the typed key was verified: {shown:?}");
    let last = shown
        .lines()
        .rev()
        .find(|l| l.trim_start().starts_with('{'))
        .unwrap_or_default();
    let outcome: Value = serde_json::from_str(last.trim()).expect("the JSON line");
    assert_eq!(
        outcome["ok"], true,
        "verified with the typed key: {outcome}"
    );
}

#[test]
fn a_hibob_account_linked_at_a_terminal_is_named_by_the_person() {
    if !keyring_present() {
        return;
    }
    let cli = Cli::new();
    let (shown, status) = at_terminal(
        &cli,
        &["link", "hibob", "--field", "service_user_id=SERVICE-7001"],
        json!([
            {"expect": "typing is not shown", "send": HIBOB},
            {"expect": "Name the account", "send": "Acme HR"},
        ]),
    );
    assert!(
        !shown.contains(HIBOB) && !shown.contains(&HIBOB[..12]),
        "the typed token is not on the terminal: {shown:?}"
    );
    assert!(
        shown.contains("HiBob cannot say which company this key is for"),
        "says why it asks for a name: {shown:?}"
    );
    assert_eq!(status, Some(0), "linked: {shown:?}");
    let listed = cli.run(&["list", "--json"], "");
    let accounts: Value = serde_json::from_slice(&listed.stdout).expect("list --json");
    assert_eq!(
        (accounts[0]["name"].as_str(), accounts[0]["handle"].as_str()),
        (Some("Acme HR"), Some("hibob-acme-hr")),
        "the account has the name typed, and a handle from it: {accounts}"
    );
    cli.assert_no_secret_anywhere(&[HIBOB]);
}
