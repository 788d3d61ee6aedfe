//! `keystep run` with issue 22's credential kinds as a person runs it: the built binary,
//! BambooHR, Greenhouse and Ashby accounts linked with `keystep link` into the real keychain
//! (scripts/headless.sh), the emulator over loopback, and a real `python3` script.
//!
//! In proxy mode the script reads through the proxy with its run token where each provider
//! takes a key (the Basic user name for BambooHR and Ashby, a Bearer token for Greenhouse's
//! client credentials), a wrong token and a write are refused with nothing forwarded, the
//! emulator gets the real credential (for Greenhouse an access token the proxy minted, once
//! for the whole run; the client secret only at the token endpoint), and neither a key, a
//! client secret nor an access token is in the script's environment or output, anything
//! printed, the use log or any file. In `--env` mode each field is its own variable and
//! curl -v's Basic line with the key as user name is masked whole.

use serde_json::Value;

use crate::accounts::{keyring_present, stderr, Cli};
use keystep_emulator::{AshbyTenant, BamboohrTenant, GreenhouseTenant};

const BAMBOO: &str = "ba5eba11ba5eba11ba5eba11ba5eba11ba5eba42";
const GH_ID: &str = "gh-run-client";
const GH_SECRET: &str = "GhRunSecretCanary00000000000042";
const ASHBY: &str = "AshbyRunKeyCanary00000000000042";

/// The script: `how` (basic_key or bearer) says where the run token goes; it reads `path`
/// by `method` `reads` times, tries a wrong token once and the write `write_method
/// write_path` once, and prints each answer and its environment.
const SCRIPT: &str = r#"
import base64, json, os, sys, urllib.error, urllib.request
how, method, path, reads, write_method, write_path = sys.argv[1:7]
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
def call(method, path, token):
    headers = {"Accept": "application/json", "Content-Type": "application/json"}
    if how == "bearer":
        headers["Authorization"] = "Bearer " + token
    else:
        headers["Authorization"] = "Basic " + base64.b64encode((token + ":x").encode()).decode()
    data = b"{}" if method == "POST" else None
    req = urllib.request.Request(os.environ["KEYSTEP_URL"] + path, data=data, method=method, headers=headers)
    try:
        with opener.open(req) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
print("ENV", json.dumps(dict(os.environ)))
token = os.environ["KEYSTEP_TOKEN"]
for _ in range(int(reads)):
    print("READ", *call(method, path, token))
print("WRONG", *call(method, path, "kst_not_the_token"))
print("WRITE", *call(write_method, write_path, token))
"#;

/// The handles `linked` gives the three accounts.
pub(crate) const HANDLES: [&str; 3] = [
    "bamboohr-acme-inc",
    "greenhouse-gh-run-client",
    "ashby-acme-recruiting",
];

/// A CLI whose emulator also serves the three new providers, each linked with `keystep
/// link` under the contract's field and secret names ([`HANDLES`]).
pub(crate) fn linked() -> Cli {
    let cli = Cli::new();
    cli.emu
        .add_bamboohr(BamboohrTenant::full("acme", BAMBOO, "Acme Inc.", 21));
    cli.emu
        .add_greenhouse(GreenhouseTenant::full(GH_ID, GH_SECRET));
    cli.emu.add_ashby(AshbyTenant::full(ASHBY));
    let gh_field = format!("client_id={GH_ID}");
    for (provider, fields, stdin) in [
        (
            "bamboohr",
            vec!["--field", "subdomain=acme"],
            format!("api_key={BAMBOO}\n"),
        ),
        (
            "greenhouse",
            vec!["--field", gh_field.as_str()],
            format!("client_secret={GH_SECRET}\n"),
        ),
        ("ashby", vec![], format!("api_key={ASHBY}\n")),
    ] {
        let mut args = vec!["link", provider];
        args.extend(fields);
        let out = cli.run(&args, &stdin);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{provider} links: {}",
            stderr(&out)
        );
    }
    cli
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn lines<'a>(text: &'a str, tag: &str) -> Vec<&'a str> {
    text.lines().filter_map(|l| l.strip_prefix(tag)).collect()
}

#[test]
fn the_new_kinds_read_through_the_proxy_and_the_script_holds_no_credential() {
    if !keyring_present() {
        return;
    }
    let cli = linked();
    let script = cli.home.path().join("script.py");
    std::fs::write(&script, SCRIPT).expect("the script is written");
    let script = script.to_string_lossy().into_owned();
    let minted_at_link = cli.emu.tokens_minted("greenhouse");
    let mut access_tokens: Vec<String> = Vec::new();
    for (handle, how, read, write, reads) in [
        (
            "bamboohr-acme-inc",
            "basic_key",
            ("GET", "/v1/employees/0"),
            ("POST", "/v1/employees"),
            1,
        ),
        (
            "greenhouse-gh-run-client",
            "bearer",
            ("GET", "/jobs"),
            ("POST", "/candidates"),
            5,
        ),
        (
            "ashby-acme-recruiting",
            "basic_key",
            ("POST", "/candidate.list"),
            ("POST", "/candidate.create"),
            1,
        ),
    ] {
        cli.emu.clear_requests();
        let reads_text = reads.to_string();
        let out = cli.run(
            &[
                "run",
                "--account",
                handle,
                "--",
                "python3",
                &script,
                how,
                read.0,
                read.1,
                &reads_text,
                write.0,
                write.1,
            ],
            "",
        );
        let printed = stdout(&out);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{handle}: the script ran: {}",
            stderr(&out)
        );
        let answers = lines(&printed, "READ ");
        assert!(
            answers.len() == reads && answers.iter().all(|a| a.starts_with("200 ")),
            "{handle}: every read came back: {printed}"
        );
        let wrong = lines(&printed, "WRONG ").concat();
        assert!(
            wrong.starts_with("401 ") && wrong.contains("keystep_unauthorized"),
            "{handle}: a wrong token is refused: {wrong}"
        );
        let refused = lines(&printed, "WRITE ").concat();
        assert!(
            refused.starts_with("403 ") && refused.contains("keystep_read_only"),
            "{handle}: a write is refused: {refused}"
        );
        let env: Value = serde_json::from_str(&lines(&printed, "ENV ").concat()).expect("env");
        let prefix = format!("KEYSTEP_{}_", handle.to_uppercase().replace('-', "_"));
        let names: Vec<&String> = env
            .as_object()
            .expect("an object")
            .keys()
            .filter(|k| k.starts_with(&prefix))
            .collect();
        assert_eq!(
            names,
            [&format!("{prefix}API_URL"), &format!("{prefix}TOKEN")],
            "{handle}: the API through the proxy and the run token, nothing else (no token host)"
        );
        let got = cli.emu.requests();
        let api: Vec<_> = got.iter().filter(|r| r.host != "auth").collect();
        assert_eq!(api.len(), reads, "{handle}: only the reads were forwarded");
        let authorization = api[0].headers["authorization"].clone();
        match how {
            "bearer" => {
                let mints: Vec<_> = got.iter().filter(|r| r.host == "auth").collect();
                assert_eq!(
                    mints.len(),
                    1,
                    "{handle}: one access token minted for the run's {reads} reads"
                );
                assert!(
                    mints[0].headers["authorization"].starts_with("Basic "),
                    "{handle}: the client secret went to the token endpoint, as Basic"
                );
                let access = authorization.trim_start_matches("Bearer ").to_string();
                assert!(
                    api.iter()
                        .all(|r| r.headers["authorization"] == authorization),
                    "{handle}: the same access token for every read"
                );
                assert!(
                    !format!("{api:?}").contains(GH_SECRET),
                    "{handle}: the API never gets the client secret"
                );
                access_tokens.push(access);
            }
            _ => {
                let key = if handle.starts_with("bamboohr") {
                    format!("{BAMBOO}:x")
                } else {
                    format!("{ASHBY}:")
                };
                assert_eq!(
                    authorization,
                    format!("Basic {}", crate::run::base64(&key)),
                    "{handle}: the real key as the Basic user name"
                );
            }
        }
        for secret in [BAMBOO, GH_SECRET, ASHBY]
            .iter()
            .copied()
            .chain(access_tokens.iter().map(String::as_str))
        {
            assert!(
                !printed.contains(secret),
                "{handle}: no key, client secret or access token in the script's output or environment"
            );
        }
    }
    assert_eq!(
        cli.emu.tokens_minted("greenhouse") - minted_at_link,
        1,
        "the run minted one token"
    );
    let log = cli.run(&["log", "--json"], "");
    assert_eq!(log.status.code(), Some(0), "log: {}", stderr(&log));
    let records: Vec<Value> = stdout(&log)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON lines"))
        .collect();
    let requests = |status: u64| {
        records
            .iter()
            .filter(|r| r["event"] == "request" && r["status"] == status)
            .count()
    };
    assert_eq!(
        (
            records
                .iter()
                .filter(|r| r["event"] == "run_started")
                .count(),
            requests(200),
            requests(403)
        ),
        (3, 7, 3),
        "each run, each read and each refused write recorded; wrong tokens only counted: {records:?}"
    );
    let mut secrets = vec![BAMBOO, GH_SECRET, ASHBY];
    secrets.extend(access_tokens.iter().map(String::as_str));
    cli.assert_no_secret_anywhere(&secrets);
}

#[test]
fn env_mode_gives_each_field_and_masks_a_key_sent_as_the_basic_user_name() {
    if !keyring_present() {
        return;
    }
    let cli = linked();
    let url = format!(
        "{}/v1/employees/0",
        cli.emu
            .url("bamboohr", "api")
            .replace("{subdomain}", "acme")
    );
    let bamboo = "KEYSTEP_BAMBOOHR_ACME_INC_";
    let code = format!(
        "curl -sv -u \"${bamboo}API_KEY:x\" -H 'Accept: application/json' \"{url}\" -o /dev/null 2>&1 | grep -i '^> authorization'; \
         echo \"site ${bamboo}SUBDOMAIN\"; \
         python3 -c 'import base64,os; k=os.environ[\"{bamboo}API_KEY\"]; print(\"pair\", base64.b64encode((k+\":x\").encode()).decode())'",
    );
    let out = cli.run(
        &[
            "run",
            "--account",
            "bamboohr-acme-inc",
            "--env",
            "--",
            "sh",
            "-c",
            &code,
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(0), "ran: {}", stderr(&out));
    let printed = format!("{}{}", stdout(&out), stderr(&out));
    assert!(
        printed
            .to_lowercase()
            .contains("> authorization: basic <concealed by keystep>"),
        "curl's Basic line with the key as user name is masked whole: {printed}"
    );
    assert!(
        printed.contains("site acme") && printed.contains("pair <concealed by keystep>"),
        "the subdomain is a plain field; the key:x pair in base64 is masked: {printed}"
    );
    let gh = "KEYSTEP_GREENHOUSE_GH_RUN_CLIENT_";
    let code = format!(
        "echo \"id ${gh}CLIENT_ID secret ${gh}CLIENT_SECRET\"; \
         python3 -c 'import base64,os; e=os.environ; print(\"basic\", base64.b64encode((e[\"{gh}CLIENT_ID\"]+\":\"+e[\"{gh}CLIENT_SECRET\"]).encode()).decode())'",
    );
    let out = cli.run(
        &[
            "run",
            "--account",
            "greenhouse-gh-run-client",
            "--env",
            "--",
            "sh",
            "-c",
            &code,
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(0), "ran: {}", stderr(&out));
    let printed = stdout(&out);
    assert_eq!(
        printed,
        format!("id {GH_ID} secret <concealed by keystep>\nbasic <concealed by keystep>\n"),
        "client credentials: a variable per field, the secret and the client's Basic pair masked"
    );
    cli.assert_no_secret_anywhere(&[BAMBOO, GH_SECRET, ASHBY]);
}
