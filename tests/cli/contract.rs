//! Issue 22's contract on the command line: each new provider links with the `--field` names
//! and the secret names on standard input the issue fixes, its hosts come from
//! `KEYSTEP_<ID>_<HOST>_URL`, and an account linked against a sandbox says so in
//! `list --json` and in the table. With the real keychain; no secret is printed or written.

use keystep_emulator::{AshbyTenant, BamboohrTenant, GreenhouseTenant, HibobTenant};

use crate::accounts::{keyring_present, last_json, stderr, Cli};

const BAMBOO: &str = "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee42";
const GH_ID: &str = "gh-cli-client";
const GH_SECRET: &str = "GhCliSecretCanary0000000000000042";
const ASHBY: &str = "AshbyCliKeyCanary0000000000000042";
const SANDBOX: &str = "HibobSandboxCliTok3n00000000000042";

#[test]
fn the_new_providers_link_with_the_contracts_field_and_secret_names() {
    if !keyring_present() {
        eprintln!("skipped: no Secret Service (run under scripts/headless.sh)");
        return;
    }
    let cli = Cli::new();
    cli.emu
        .add_bamboohr(BamboohrTenant::full("acme", BAMBOO, "Acme Inc.", 21));
    cli.emu
        .add_greenhouse(GreenhouseTenant::full(GH_ID, GH_SECRET));
    cli.emu
        .add_ashby(AshbyTenant::full(ASHBY).for_purpose("read"));
    cli.emu
        .add_hibob(HibobTenant::full("SERVICE-9001", SANDBOX, 3).in_sandbox());
    let gh_field = format!("client_id={GH_ID}");
    let cases: [(&str, Vec<&str>, String); 4] = [
        (
            "bamboohr",
            vec!["--field", "subdomain=https://acme.bamboohr.com/home"],
            format!("api_key={BAMBOO}\n"),
        ),
        (
            "greenhouse",
            vec!["--field", &gh_field],
            format!("client_secret={GH_SECRET}\n"),
        ),
        ("ashby", vec![], format!("api_key={ASHBY}\n")),
        (
            "hibob",
            vec![
                "--field",
                "service_user_id=SERVICE-9001",
                "--field",
                "environment=sandbox",
            ],
            format!("service_user_token={SANDBOX}\n"),
        ),
    ];
    for (provider, fields, stdin) in &cases {
        let mut args = vec!["link", provider];
        args.extend(fields.iter().copied());
        args.extend(["--purpose", "read", "--json"]);
        let out = cli.run(&args, stdin);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{provider} links: {}",
            stderr(&out)
        );
        let account = last_json(&out);
        assert_eq!(account["provider"], *provider, "{account}");
        assert_eq!(
            account["sandbox"],
            *provider == "hibob",
            "{provider}: only the sandbox account is labelled: {account}"
        );
    }
    let out = cli.run(&["list"], "");
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.contains("HiBob (sandbox)") && !table.contains("BambooHR (sandbox)"),
        "the table says which account is a sandbox's:\n{table}"
    );
    for handle in [
        "bamboohr-acme-inc",
        "greenhouse-gh-cli-client",
        "ashby-acme-recruiting",
    ] {
        assert!(table.contains(handle), "{handle} is listed:\n{table}");
    }
    for (provider, _, _) in &cases {
        let handle = match *provider {
            "bamboohr" => "bamboohr-acme-inc",
            "greenhouse" => "greenhouse-gh-cli-client",
            "ashby" => "ashby-acme-recruiting",
            _ => "hibob-service-9001",
        };
        let out = cli.run(&["forget", handle], "");
        assert_eq!(
            out.status.code(),
            Some(0),
            "forget {handle}: {}",
            stderr(&out)
        );
    }
    cli.assert_no_secret_anywhere(&[BAMBOO, GH_SECRET, ASHBY, SANDBOX]);
}
