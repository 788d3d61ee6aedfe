//! `keystep push`, `keystep verify --from` and `keystep forget`'s answers about copies, as a
//! script runs them: the built binary against OpenBao's dev server and moto's AWS Secrets
//! Manager, both started here on 127.0.0.1 (`tests/common/stores.rs`), the real keychain,
//! and the leak search over everything the commands printed and every file they wrote.

use std::process::Command;

use keystep_emulator::HumaansTenant;
use serde_json::Value;

use crate::accounts::{keyring_present, last_json, stderr, Cli};
use crate::stores::{stores_present, Server, AWS_KEY_ID, AWS_SECRET, BAO_TOKEN};

const KEY: &str = "CliPushHumaansToken000000000001";
/// A second key of the same company, for rotation.
const KEY_2: &str = "CliPushHumaansToken000000000002";

/// The environment a team member's shell would have: the Vault token, AWS credentials and
/// moto as the AWS endpoint, and nothing read from this machine's own AWS settings.
fn store_env(moto: &Server) -> Vec<(&'static str, String)> {
    vec![
        ("VAULT_TOKEN", BAO_TOKEN.to_string()),
        ("AWS_ACCESS_KEY_ID", AWS_KEY_ID.to_string()),
        ("AWS_SECRET_ACCESS_KEY", AWS_SECRET.to_string()),
        ("AWS_ENDPOINT_URL", moto.url()),
        ("AWS_EC2_METADATA_DISABLED", "true".to_string()),
        ("AWS_CONFIG_FILE", "/nonexistent/keystep-test".to_string()),
        (
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/keystep-test".to_string(),
        ),
    ]
}

fn run(cli: &Cli, args: &[&str], stdin: &str, env: &[(&str, String)]) -> std::process::Output {
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    cli.run_with(args, stdin, &env)
}

fn without<'a>(env: &[(&'a str, String)], name: &str) -> Vec<(&'a str, String)> {
    env.iter().filter(|(k, _)| *k != name).cloned().collect()
}

fn link(cli: &Cli) -> String {
    cli.emu.add_humaans(
        KEY,
        HumaansTenant {
            company_id: "cmp_push".into(),
            ..HumaansTenant::full("Push Ltd", 3)
        },
    );
    let out = cli.run(
        &["link", "humaans", "--json"],
        &format!("api_token={KEY}\n"),
    );
    assert_eq!(out.status.code(), Some(0), "linked: {}", stderr(&out));
    last_json(&out)["handle"]
        .as_str()
        .expect("a handle")
        .to_string()
}

/// What each test starts from: OpenBao and moto on loopback, a linked Humaans account, a
/// team member's environment ([`store_env`]) and a target in each store. `None` (a skip)
/// without a keychain or the store tools.
struct Setup {
    bao: Server,
    moto: Server,
    cli: Cli,
    handle: String,
    env: Vec<(&'static str, String)>,
    vault: String,
    aws: &'static str,
}

fn setup() -> Option<Setup> {
    if !keyring_present() || !stores_present() {
        return None;
    }
    let (bao, moto) = (Server::openbao(), Server::moto());
    let cli = Cli::new();
    let handle = link(&cli);
    let env = store_env(&moto);
    let vault = format!("vault://127.0.0.1:{}/secret/hr/humaans", bao.port);
    Some(Setup {
        bao,
        moto,
        cli,
        handle,
        env,
        vault,
        aws: "aws-sm://eu-west-1/hr/humaans-push",
    })
}

/// Pushes the account's key to both targets, each answering success.
fn push_to_both(cli: &Cli, handle: &str, env: &[(&str, String)], vault: &str, aws: &str) {
    for target in [vault, aws] {
        let out = run(cli, &["push", handle, target], "", env);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{target}: pushed: {}",
            stderr(&out)
        );
    }
}

fn copies(cli: &Cli, handle: &str) -> Vec<Value> {
    let out = cli.run(&["list", "--json"], "");
    let list: Value = serde_json::from_slice(&out.stdout).expect("list --json is JSON");
    list.as_array()
        .expect("an array")
        .iter()
        .find(|a| a["handle"] == handle)
        .expect("the account is listed")["copies"]
        .as_array()
        .expect("copies are listed")
        .clone()
}

#[test]
fn push_writes_to_openbao_and_aws_lists_the_copies_and_refuses_to_overwrite_a_change() {
    let Some(Setup {
        bao,
        moto,
        cli,
        handle,
        env,
        vault,
        aws,
    }) = setup()
    else {
        return;
    };

    for target in [vault.as_str(), aws] {
        let out = run(&cli, &["push", &handle, target, "--json"], "", &env);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{target}: pushed: {}",
            stderr(&out)
        );
        let json = last_json(&out);
        assert_eq!(json["ok"], true, "{target}: {json}");
        assert_eq!(
            json["copy"]["target"], target,
            "{target}: the copy named: {json}"
        );
        assert_eq!(
            json["copy"]["state"], "current",
            "{target}: current: {json}"
        );
    }
    assert_eq!(
        bao.vault_get("secret", "hr/humaans")["data"]["data"]["data"]["api_token"],
        KEY,
        "in OpenBao"
    );
    assert_eq!(
        moto.aws_get("hr/humaans-push")["tags"]["keystep:provider"],
        "humaans",
        "in AWS, with its tags"
    );

    let listed = copies(&cli, &handle);
    let targets: Vec<&str> = listed.iter().filter_map(|c| c["target"].as_str()).collect();
    assert_eq!(
        targets,
        [vault.as_str(), aws],
        "list --json carries both copies: {listed:?}"
    );
    for copy in &listed {
        assert_eq!(copy["state"], "current", "{copy}");
        assert!(
            copy["version"].as_str().is_some_and(|v| !v.is_empty()),
            "its version: {copy}"
        );
        assert!(
            copy["last_confirmed"]
                .as_str()
                .is_some_and(|t| t.ends_with('Z')),
            "when confirmed: {copy}"
        );
    }

    // Someone else changes the Vault copy, then the AWS one: pushing again overwrites neither.
    bao.vault_put_outside("secret", "hr/humaans", "SomeoneElsesToken");
    let out = run(&cli, &["push", &handle, &vault, "--json"], "", &env);
    assert_eq!(out.status.code(), Some(1), "refused: {}", stderr(&out));
    assert_eq!(
        last_json(&out)["code"],
        "store_changed",
        "Vault: its own code"
    );
    assert_eq!(
        bao.vault_get("secret", "hr/humaans")["data"]["data"]["data"]["api_token"],
        "SomeoneElsesToken",
        "the other person's Vault version stays"
    );
    moto.aws_put_outside("hr/humaans-push", "SomeoneElsesToken");
    let out = run(&cli, &["push", &handle, aws, "--json"], "", &env);
    assert_eq!(out.status.code(), Some(1), "refused: {}", stderr(&out));
    let json = last_json(&out);
    assert_eq!(json["code"], "store_changed", "its own code: {json}");
    assert!(
        json["message"]
            .as_str()
            .is_some_and(|m| m.contains("--replace")),
        "says how to overwrite: {json}"
    );
    assert_eq!(
        moto.aws_get("hr/humaans-push")["value"],
        "{\"api_token\": \"SomeoneElsesToken\"}",
        "the other person's value stays"
    );
    let out = run(
        &cli,
        &["push", &handle, aws, "--replace", "--json"],
        "",
        &env,
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "replaced when asked: {}",
        stderr(&out)
    );

    cli.assert_no_secret_anywhere(&[KEY, BAO_TOKEN, AWS_SECRET]);
}

#[test]
fn verify_from_checks_the_copy_in_the_store_without_the_keychain() {
    let Some(Setup {
        bao: _bao,
        moto: _moto,
        cli,
        handle,
        env,
        vault,
        aws,
    }) = setup()
    else {
        return;
    };
    push_to_both(&cli, &handle, &env, &vault, aws);
    // As on a CI runner: no session bus, so no keychain, and a data folder of its own.
    let mut ci = env.clone();
    ci.push((
        "DBUS_SESSION_BUS_ADDRESS",
        "unix:path=/nonexistent".to_string(),
    ));
    ci.push(("XDG_DATA_HOME", "/nonexistent/keystep-ci".to_string()));
    for target in [vault.as_str(), aws] {
        let out = run(&cli, &["verify", "--from", target, "--json"], "", &ci);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{target}: verified: {}",
            stderr(&out)
        );
        let json = last_json(&out);
        assert_eq!(json["ok"], true, "{target}: {json}");
        assert_eq!(
            json["identity"]["company"], "Push Ltd",
            "{target}: whose key: {json}"
        );
    }
    // The key is revoked at the provider: the copy fails as verify would.
    cli.emu.revoke(KEY);
    let out = run(&cli, &["verify", "--from", aws, "--json"], "", &ci);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a revoked copy exits 1: {}",
        stderr(&out)
    );
    assert_eq!(last_json(&out)["code"], "bad_credentials", "and says why");
    // Bad input: exit 2, nothing sent.
    for bad in [
        "vault://root:hunter2token@127.0.0.1/secret/x",
        "s3://bucket/x",
        "aws-sm://europe/x",
    ] {
        let out = run(&cli, &["verify", "--from", bad, "--json"], "", &ci);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{bad}: exit 2: {}",
            stderr(&out)
        );
        assert_eq!(last_json(&out)["code"], "invalid_input", "{bad}");
        assert!(
            !stderr(&out).contains("hunter2token"),
            "{bad}: nothing typed is repeated"
        );
    }
    cli.assert_no_secret_anywhere(&[KEY, BAO_TOKEN, AWS_SECRET]);
}

#[test]
fn a_store_that_refuses_or_is_down_gets_its_own_code_and_nothing_is_recorded() {
    let Some(Setup {
        bao,
        moto: _moto,
        cli,
        handle,
        env,
        vault,
        ..
    }) = setup()
    else {
        return;
    };
    let mut wrong = without(&env, "VAULT_TOKEN");
    wrong.push(("VAULT_TOKEN", "not-the-token".to_string()));
    type Case<'a> = (&'a str, String, Vec<(&'a str, String)>, &'a str);
    let cases: Vec<Case> = vec![
        ("a wrong token", vault.clone(), wrong, "store_refused"),
        (
            "no token at all",
            vault.clone(),
            without(&env, "VAULT_TOKEN"),
            "store_refused",
        ),
        (
            "nothing listening",
            "vault://127.0.0.1:1/secret/hr/humaans".into(),
            env.clone(),
            "store_unreachable",
        ),
        (
            "no AWS credentials",
            "aws-sm://eu-west-1/hr/x".into(),
            without(&without(&env, "AWS_ACCESS_KEY_ID"), "AWS_SECRET_ACCESS_KEY"),
            "store_refused",
        ),
    ];
    for (case, target, env, code) in cases {
        let out = run(&cli, &["push", &handle, &target, "--json"], "", &env);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{case}: exit 1: {}",
            stderr(&out)
        );
        assert_eq!(last_json(&out)["code"], code, "{case}: {}", stderr(&out));
        assert!(copies(&cli, &handle).is_empty(), "{case}: no copy recorded");
    }
    let out = run(
        &cli,
        &["push", &handle, "vault://127.0.0.1/secret", "--json"],
        "",
        &env,
    );
    assert_eq!(
        out.status.code(),
        Some(2),
        "an address without a path: exit 2"
    );
    assert!(
        bao.vault_get("secret", "hr/humaans")["metadata"].is_null(),
        "nothing was written"
    );
    cli.assert_no_secret_anywhere(&[KEY, BAO_TOKEN, AWS_SECRET, "not-the-token"]);
}

#[test]
fn a_vault_token_given_once_is_kept_in_the_keychain_and_never_written_elsewhere() {
    let Some(Setup {
        bao,
        moto: _moto,
        cli,
        handle,
        env,
        ..
    }) = setup()
    else {
        return;
    };
    let env = without(&env, "VAULT_TOKEN");
    let server = format!("vault://127.0.0.1:{}", bao.port);
    let out = run(
        &cli,
        &[
            "push",
            &handle,
            &format!("{server}/secret/hr/one"),
            "--token-stdin",
        ],
        &format!("token={BAO_TOKEN}\n"),
        &env,
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "pushed with the token on stdin: {}",
        stderr(&out)
    );
    let kept = Command::new("secret-tool")
        .args(["lookup", "service", "keystep-store", "username", &server])
        .output()
        .expect("secret-tool runs");
    assert!(
        String::from_utf8_lossy(&kept.stdout).contains(BAO_TOKEN),
        "the token is kept in the keychain for {server}"
    );
    let out = run(
        &cli,
        &["push", &handle, &format!("{server}/secret/hr/two")],
        "",
        &env,
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "the kept token is used: {}",
        stderr(&out)
    );
    cli.assert_no_secret_anywhere(&[KEY, BAO_TOKEN]);
    let _ = Command::new("secret-tool")
        .args(["clear", "service", "keystep-store", "username", &server])
        .status();
}

#[test]
fn forget_asks_about_each_copy_and_deletes_only_those_named() {
    let Some(Setup {
        bao,
        moto,
        cli,
        handle,
        env,
        vault,
        aws,
    }) = setup()
    else {
        return;
    };
    push_to_both(&cli, &handle, &env, &vault, aws);
    let out = run(&cli, &["forget", &handle], "", &env);
    assert_eq!(out.status.code(), Some(2), "unanswered copies: exit 2");
    let said = stderr(&out);
    assert!(
        said.contains(&vault) && said.contains(aws),
        "names each copy: {said}"
    );
    assert_eq!(
        copies(&cli, &handle).len(),
        2,
        "nothing forgotten or deleted"
    );

    let out = run(
        &cli,
        &["forget", &handle, "--delete-copy", aws, "--keep-copies"],
        "",
        &env,
    );
    assert_eq!(out.status.code(), Some(0), "forgotten: {}", stderr(&out));
    assert_eq!(
        moto.aws_get("hr/humaans-push")["deleted"],
        true,
        "the AWS copy was deleted (recovery window)"
    );
    assert_eq!(
        bao.vault_get("secret", "hr/humaans")["data"]["data"]["data"]["api_token"],
        KEY,
        "the Vault copy was kept, as answered"
    );
    let out = cli.run(&["list", "--json"], "");
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains(&handle),
        "the account is gone"
    );
    cli.assert_no_secret_anywhere(&[KEY, BAO_TOKEN, AWS_SECRET]);
}

#[test]
fn link_replace_rotates_every_copy_and_never_overwrites_one_changed_outside_keystep() {
    let Some(Setup {
        bao,
        moto,
        cli,
        handle,
        env,
        vault,
        aws,
    }) = setup()
    else {
        return;
    };
    cli.emu.add_humaans(
        KEY_2,
        HumaansTenant {
            company_id: "cmp_push".into(),
            ..HumaansTenant::full("Push Ltd", 3)
        },
    );
    push_to_both(&cli, &handle, &env, &vault, aws);
    // Someone else writes the AWS copy meanwhile.
    moto.aws_put_outside("hr/humaans-push", "SomeoneElsesToken");

    let stdin = format!("api_token={KEY_2}\n");
    let out = run(&cli, &["link", "humaans", "--json"], &stdin, &env);
    assert_eq!(
        out.status.code(),
        Some(1),
        "without --replace a linked company is refused"
    );
    assert!(
        stderr(&out).contains("--replace"),
        "and told how: {}",
        stderr(&out)
    );

    let out = run(
        &cli,
        &["link", "humaans", "--replace", "--json"],
        &stdin,
        &env,
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "the key is replaced: {}",
        stderr(&out)
    );
    let account = last_json(&out);
    assert_eq!(
        account["handle"],
        handle.as_str(),
        "the same account: {account}"
    );
    let state = |target: &str| {
        account["copies"]
            .as_array()
            .and_then(|c| c.iter().find(|c| c["target"] == target))
            .map(|c| (c["state"].clone(), c["version"].clone()))
    };
    assert_eq!(
        state(&vault),
        Some((Value::from("current"), Value::from("2"))),
        "Vault: the new version: {account}"
    );
    assert_eq!(
        state(aws).map(|s| s.0),
        Some(Value::from("changed_outside")),
        "AWS: reported: {account}"
    );
    let said = stderr(&out);
    assert!(
        said.contains(&format!("copy {aws}")) && said.contains("changed outside Keystep"),
        "each failed copy is reported: {said}"
    );
    assert_eq!(
        bao.vault_get("secret", "hr/humaans")["data"]["data"]["data"]["api_token"],
        KEY_2,
        "the new key in Vault"
    );
    assert_eq!(
        moto.aws_get("hr/humaans-push")["value"],
        "{\"api_token\": \"SomeoneElsesToken\"}",
        "the other person's AWS version stays"
    );
    cli.assert_no_secret_anywhere(&[KEY, KEY_2, BAO_TOKEN, AWS_SECRET]);
}
