//! `keystep link` and `forget` refusing, as a script sees them: a key the provider rejects
//! exits 1, a company linked twice is refused naming the handle it has, bad input exits 2
//! before anything is sent, an unknown handle is answered with the handles there are, and a
//! machine without a keychain is told so. A script decides by the exit code and the JSON
//! line, so each refusal has its own; and a refusal keeps nothing, in the book, the keychain
//! or anything printed.

use std::process::Command;

use crate::accounts::{
    keychain_item, keyring_present, last_json, stderr, Cli, HUMAANS, NAMELY, PAYFIT,
};

const REVOKED: &str = "CliLinkRevokedHumaansToken000009";

/// Every Keystep item's attributes and secrets.
fn keychain_items() -> String {
    let out = Command::new("secret-tool")
        .args(["search", "--all", "--unlock", "service", "keystep"])
        .output()
        .expect("secret-tool runs");
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

#[test]
fn a_rejected_key_exits_1_and_keeps_nothing() {
    if !keyring_present() {
        return;
    }
    let cli = Cli::new();
    let out = cli.run(
        &["link", "humaans", "--json"],
        &format!("api_token={REVOKED}\n"),
    );
    assert_eq!(out.status.code(), Some(1), "refused: {}", stderr(&out));
    let json = last_json(&out);
    assert_eq!(json["ok"], false, "not linked: {json}");
    assert_eq!(
        json["code"], "bad_credentials",
        "the provider's verdict: {json}"
    );
    assert_eq!(
        json["overridden_hosts"][0]["variable"], "KEYSTEP_HUMAANS_API_URL",
        "a refusal says where the key was sent too: {json}"
    );
    assert!(cli.list().is_empty(), "nothing in the book");
    assert!(
        !keychain_items().contains(REVOKED),
        "nothing in the keychain"
    );
    cli.assert_no_secret_anywhere(&[REVOKED]);
}

#[test]
fn a_company_linked_twice_is_refused_naming_its_handle() {
    if !keyring_present() {
        return;
    }
    let cli = Cli::new();
    let stdin = format!("api_key={PAYFIT}\n");
    let first = cli.run(
        &["link", "payfit", "--name", "Paris office", "--json"],
        &stdin,
    );
    assert_eq!(first.status.code(), Some(0), "linked: {}", stderr(&first));
    let account = last_json(&first);
    assert_eq!(account["name"], "Paris office", "--name names it");
    assert_eq!(
        account["handle"], "payfit-acme-sas",
        "the handle is the company's"
    );

    let again = cli.run(&["link", "payfit", "--json"], &stdin);
    assert_eq!(again.status.code(), Some(1), "refused: {}", stderr(&again));
    let json = last_json(&again);
    assert_eq!(json["code"], "already_linked", "as the window: {json}");
    assert_eq!(
        json["linked_as"], "payfit-acme-sas",
        "names the account: {json}"
    );
    assert!(
        stderr(&again).contains("already linked as payfit-acme-sas"),
        "says so: {}",
        stderr(&again)
    );
    assert_eq!(cli.list().len(), 1, "still one account");

    let id = account["id"].as_str().expect("id");
    let out = cli.run(&["forget", "payfit-acme-sas"], "");
    assert_eq!(out.status.code(), Some(0), "cleaned up: {}", stderr(&out));
    assert_eq!(keychain_item(id), "", "its item is gone");
    cli.assert_no_secret_anywhere(&[PAYFIT]);
}

#[test]
fn bad_input_exits_2_and_sends_and_keeps_nothing() {
    let cli = Cli::new();
    let cases: [(&[&str], String, &str); 6] = [
        (
            &["link", "humaans", "--purpose", "payroll-admin"],
            format!("api_token={HUMAANS}\n"),
            "is not one of them",
        ),
        (
            &[
                "link",
                "humaans",
                "--field",
                &format!("api_token={HUMAANS}"),
            ],
            String::new(),
            "is secret",
        ),
        (
            &["link", "workday"],
            format!("api_token={HUMAANS}\n"),
            "does not know",
        ),
        (&["link", "humaans"], String::new(), "Paste your API token"),
        (
            &["link", "humaans", "--name", ""],
            format!("api_token={HUMAANS}\n"),
            "--name",
        ),
        (
            &["link", "namely"],
            format!("access_token={NAMELY}\n"),
            "subdomain",
        ),
    ];
    for (args, stdin, says) in cases {
        let out = cli.run(args, &stdin);
        let said = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: exit 2: {said}");
        assert!(said.contains(says), "{args:?}: says why ({says}): {said}");
    }
    assert!(cli.emu.requests().is_empty(), "nothing was sent");
    assert!(cli.list().is_empty(), "nothing was kept");
    cli.assert_no_secret_anywhere(&[HUMAANS, NAMELY]);
}

#[test]
fn an_unknown_handle_exits_2_listing_the_handles() {
    if !keyring_present() {
        return;
    }
    let cli = Cli::new();
    let out = cli.run(&["link", "humaans"], &format!("api_token={HUMAANS}\n"));
    assert_eq!(out.status.code(), Some(0), "linked: {}", stderr(&out));
    let forget = cli.run(&["forget", "humaans-acme"], "");
    assert_eq!(forget.status.code(), Some(2), "exit 2: {}", stderr(&forget));
    assert!(
        stderr(&forget).contains("The handles are: humaans-acme-ltd."),
        "lists the handles: {}",
        stderr(&forget)
    );
    assert_eq!(cli.list().len(), 1, "nothing was forgotten");
    let out = cli.run(&["forget", "humaans-acme-ltd"], "");
    assert_eq!(out.status.code(), Some(0), "cleaned up: {}", stderr(&out));
}

#[test]
fn without_a_keychain_link_exits_1_saying_so_and_keeps_nothing() {
    let cli = Cli::new();
    let out = cli.run_with(
        &["link", "humaans"],
        &format!("api_token={HUMAANS}\n"),
        &[(
            "DBUS_SESSION_BUS_ADDRESS",
            &format!("unix:path={}", cli.home.path().join("no-bus").display()),
        )],
    );
    let said = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "exit 1: {said}");
    assert!(
        said.contains("could not open your system keychain"),
        "says the keychain is the trouble: {said}"
    );
    assert!(cli.list().is_empty(), "nothing in the book");
    cli.assert_no_secret_anywhere(&[HUMAANS]);
}
