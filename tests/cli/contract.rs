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

/// The seven providers added after the first three, with the contract's names: Personio's
/// `--field client_id` and `client_secret` on stdin, Workable's `--field subdomain` and
/// `access_token`, and the key alone for Lever, Teamtailor, Factorial, Deel and Rippling. Each
/// links with its `read` purpose and is forgotten again; no secret is printed or written.
#[test]
fn the_seven_later_providers_link_with_the_contracts_field_and_secret_names() {
    use keystep_emulator::{
        DeelTenant, FactorialTenant, LeverTenant, PersonioTenant, RipplingTenant, TeamtailorTenant,
        WorkableTenant,
    };

    const PIO_ID: &str = "papi-cli-0000-0000-0000-000000000042";
    const PIO_SECRET: &str = "papi-PersonioCliSecretCanary00042";
    const LEVER: &str = "LeverCliKeyCanary0000000000000042";
    const WORKABLE: &str = "WorkableCliTok3nCanary00000000042";
    const TEAMTAILOR: &str = "TeamtailorCliKeyCanary000000042";
    const FACTORIAL: &str = "FactorialCliKeyCanary0000000042";
    const DEEL: &str = "DeelCliTok3nCanary000000000000042";
    const RIPPLING: &str = "RipplingCliTok3nCanary000000042";
    if !keyring_present() {
        eprintln!("skipped: no Secret Service (run under scripts/headless.sh)");
        return;
    }
    let cli = Cli::new();
    cli.emu
        .add_personio(PersonioTenant::full(PIO_ID, PIO_SECRET).for_purpose("read"));
    cli.emu
        .add_lever(LeverTenant::full(LEVER).for_purpose("read"));
    cli.emu.add_workable(
        WorkableTenant::full("acme", "Acme Recruiting", WORKABLE).for_purpose("read"),
    );
    cli.emu
        .add_teamtailor(TeamtailorTenant::full(TEAMTAILOR, "Acme AB").boxes(true, false));
    cli.emu
        .add_factorial(FactorialTenant::new(FACTORIAL, "Acme Software S.L.", 12));
    cli.emu
        .add_deel(DeelTenant::full(DEEL, "Acme Global Inc.").for_purpose("read"));
    cli.emu
        .add_rippling(RipplingTenant::full(RIPPLING, "Acme Corp").for_purpose("read"));
    let pio_field = format!("client_id={PIO_ID}");
    let cases: [(&str, Vec<&str>, String); 7] = [
        (
            "personio",
            vec!["--field", &pio_field],
            format!("client_secret={PIO_SECRET}\n"),
        ),
        ("lever", vec![], format!("api_key={LEVER}\n")),
        (
            "workable",
            vec!["--field", "subdomain=https://acme.workable.com/backend"],
            format!("access_token={WORKABLE}\n"),
        ),
        ("teamtailor", vec![], format!("api_key={TEAMTAILOR}\n")),
        ("factorial", vec![], format!("api_key={FACTORIAL}\n")),
        ("deel", vec![], format!("api_token={DEEL}\n")),
        ("rippling", vec![], format!("api_token={RIPPLING}\n")),
    ];
    for (provider, fields, stdin) in &cases {
        let mut args = vec!["link", provider];
        args.extend(fields.iter().copied());
        args.extend(["--purpose", "read", "--name", "Acme", "--json"]);
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
            account["sandbox"], false,
            "{provider}: no sandbox: {account}"
        );
        let handle = account["handle"]
            .as_str()
            .unwrap_or_else(|| panic!("{provider}: a handle: {account}"))
            .to_string();
        let out = cli.run(&["forget", &handle], "");
        assert_eq!(
            out.status.code(),
            Some(0),
            "forget {handle}: {}",
            stderr(&out)
        );
    }
    cli.assert_no_secret_anywhere(&[
        PIO_SECRET, LEVER, WORKABLE, TEAMTAILOR, FACTORIAL, DEEL, RIPPLING,
    ]);
}
