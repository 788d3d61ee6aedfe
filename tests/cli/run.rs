//! `keystep run` and `keystep log` as a person runs them: the built binary, accounts linked
//! with `keystep link` into the real keychain (scripts/headless.sh), the emulator over
//! loopback, and a real `python3` script as the command.
//!
//! For each provider the script reads through the proxy with its run token and prints what
//! it got and its whole environment; the emulator must have received the real credential,
//! the script never; a wrong token and a write are refused with nothing forwarded; the use
//! log holds the run and its requests and no secret. Then `--env` with masking (`curl -v -u`
//! included), the exit status passed through, 127, a forwarded SIGINT, and the refusals
//! before anything runs (a `VAR=value` command).

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::accounts::{keyring_present, providers, stderr, Cli};
use crate::app_binary::app_binary;

/// The script: reads `path` through the proxy with the run token in the provider's place
/// (`how`: bearer, basic or query), then tries a wrong token and a write; prints each answer
/// and its environment.
const SCRIPT: &str = r#"
import base64, json, os, sys, urllib.error, urllib.request
how, path = sys.argv[1], sys.argv[2]
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
def call(method, token):
    url, headers = os.environ["KEYSTEP_URL"] + path, {}
    if how == "bearer":
        headers["Authorization"] = "Bearer " + token
    elif how == "basic":
        headers["Authorization"] = "Basic " + base64.b64encode(("me:" + token).encode()).decode()
    else:
        url += "?apikey=" + token
    req = urllib.request.Request(url, method=method, headers=headers)
    try:
        with opener.open(req) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
print("ENV", json.dumps(dict(os.environ)))
token = os.environ["KEYSTEP_TOKEN"]
print("READ", *call("GET", token))
print("WRONG", *call("GET", "kst_not_the_token"))
print("WRITE", *call("DELETE", token))
"#;

/// Links every provider with `keystep link`; returns (handle, auth placement, path, secret).
pub(crate) fn link_all(cli: &Cli) -> Vec<(&'static str, &'static str, &'static str, &'static str)> {
    let mut out = Vec::new();
    for (provider, fields, stdin, handle, secret) in providers() {
        let mut args = vec!["link", provider];
        args.extend(fields);
        let linked = cli.run(&args, &stdin);
        assert_eq!(
            linked.status.code(),
            Some(0),
            "{provider} links: {}",
            stderr(&linked)
        );
        let (how, path) = match provider {
            "payfit" => ("bearer", "/companies/5f1e2d3c4b5a69788796a5b4"),
            "hibob" => ("basic", "/company/people/fields"),
            "humaans" => ("bearer", "/me"),
            "jazzhr" => ("query", "/users"),
            _ => ("bearer", "/profiles/me"),
        };
        out.push((handle, how, path, secret));
    }
    out
}

/// Standard base64 with padding (the root package has no base64 crate; this is all it needs).
fn base64(text: &str) -> String {
    const ABC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in text.as_bytes().chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ABC[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn script_file(cli: &Cli) -> String {
    let path = cli.home.path().join("script.py");
    std::fs::write(&path, SCRIPT).expect("the script is written");
    path.to_string_lossy().into_owned()
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn line<'a>(text: &'a str, tag: &str) -> &'a str {
    text.lines()
        .find_map(|l| l.strip_prefix(tag))
        .unwrap_or_else(|| panic!("the script printed {tag}: {text}"))
}

#[test]
fn scripts_read_through_the_proxy_and_never_hold_a_key() {
    if !keyring_present() {
        return;
    }
    let cli = Cli::new();
    let linked = link_all(&cli);
    let script = script_file(&cli);
    let secrets: Vec<&str> = linked.iter().map(|l| l.3).collect();
    for (handle, how, path, secret) in &linked {
        cli.emu.clear_requests();
        let out = cli.run(
            &[
                "run",
                "--account",
                handle,
                "--",
                "python3",
                &script,
                how,
                path,
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
        assert!(
            line(&printed, "READ ").starts_with("200 "),
            "{handle}: the read came back: {printed}"
        );
        let wrong = line(&printed, "WRONG ");
        assert!(
            wrong.starts_with("401 ") && wrong.contains("keystep_unauthorized"),
            "{handle}: a wrong token is refused: {wrong}"
        );
        let write = line(&printed, "WRITE ");
        assert!(
            write.starts_with("403 ") && write.contains("keystep_read_only"),
            "{handle}: a write is refused: {write}"
        );
        let env: Value = serde_json::from_str(line(&printed, "ENV ")).expect("the environment");
        let var = |suffix: &str| {
            env[format!(
                "KEYSTEP_{}_{suffix}",
                handle.to_uppercase().replace('-', "_")
            )]
            .clone()
        };
        assert!(
            var("API_URL").is_string(),
            "{handle}: its API_URL variable: {env}"
        );
        assert_eq!(
            var("TOKEN"),
            env["KEYSTEP_TOKEN"],
            "{handle}: one token, two names"
        );
        let got = cli.emu.requests();
        assert_eq!(got.len(), 1, "{handle}: only the read was forwarded");
        let rec = &got[0];
        let carried = format!("{:?}{:?}", rec.headers, rec.query);
        let real = match *how {
            // HiBob's pair is checked as the emulator saw it: the service user and the key.
            "basic" => {
                let pair = rec.headers["authorization"].trim_start_matches("Basic ");
                assert_eq!(
                    pair,
                    base64(&format!("SERVICE-7001:{secret}")),
                    "{handle}: the real service user and token"
                );
                secret.to_string()
            }
            _ => carried.clone(),
        };
        assert!(
            real.contains(secret),
            "{handle}: the emulator got the real key"
        );
        for s in &secrets {
            assert!(
                !printed.contains(s),
                "{handle}: no key in the script's output or environment"
            );
        }
    }
    let log = cli.run(&["log", "--json"], "");
    assert_eq!(log.status.code(), Some(0), "log: {}", stderr(&log));
    let records: Vec<Value> = stdout(&log)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON lines"))
        .collect();
    let count = |event: &str| records.iter().filter(|r| r["event"] == event).count();
    assert_eq!(count("run_started"), 5, "each run recorded: {records:?}");
    assert_eq!(
        count("request"),
        10,
        "each request the token opened recorded, the refused write too; the wrong token's only counted"
    );
    assert!(
        records
            .iter()
            .filter(|r| r["event"] == "run_ended")
            .all(|r| r["exit_status"] == 0 && r["requests"] == 2 && r["refused"] == 1),
        "each run's end, status, requests and the one refusal counted: {records:?}"
    );
    assert!(
        records
            .iter()
            .all(|r| r["event"] != "run_started" || r["command"] == "python3"),
        "the command's name, without its arguments"
    );
    let text = cli.run(&["log", "--account", linked[2].0], "");
    assert!(
        stdout(&text).contains("GET /me → 200"),
        "the text log shows the account's requests: {}",
        stdout(&text)
    );
    assert!(
        cli.data().join("io.keystep.desktop/use.jsonl").exists()
            || std::fs::read_dir(cli.data())
                .into_iter()
                .flatten()
                .flatten()
                .any(|d| d.path().join("use.jsonl").exists()),
        "the use log is in the data folder, so the leak search covers it"
    );
    cli.assert_no_secret_anywhere(&secrets);
}

#[test]
fn env_mode_hands_the_fields_and_masks_them_in_the_output() {
    if !keyring_present() {
        return;
    }
    let cli = Cli::new();
    let linked = link_all(&cli);
    let (handle, _, _, secret) = linked[0];
    let var = format!(
        "KEYSTEP_{}_API_KEY",
        handle.to_uppercase().replace('-', "_")
    );
    let code = format!(
        "import os,sys; k=os.environ['{var}']; print('out', k); print('err', k[:7], k[7:], k, file=sys.stderr)"
    );
    let out = cli.run(
        &[
            "run",
            "--account",
            handle,
            "--env",
            "--",
            "python3",
            "-c",
            &code,
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(0), "ran: {}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "out <concealed by keystep>\n",
        "stdout masked"
    );
    assert!(
        stderr(&out).ends_with(" <concealed by keystep>\n"),
        "stderr masked too: {}",
        stderr(&out)
    );
    cli.assert_no_secret_anywhere(&[secret]);
    // Without masking the key shows: the masking above is what hid it.
    let bare = Command::new(app_binary())
        .args([
            "run",
            "--account",
            handle,
            "--env",
            "--no-masking",
            "--",
            "python3",
            "-c",
            &code,
        ])
        .env("XDG_DATA_HOME", cli.data())
        .envs(cli.emu.env())
        .output()
        .expect("keystep runs");
    assert!(
        String::from_utf8_lossy(&bare.stdout).contains(secret),
        "--no-masking passes the output as it is"
    );
    let log = cli.run(&["log", "--json"], "");
    let unmasked: Vec<bool> = stdout(&log)
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|r| r["event"] == "run_started")
        .map(|r| r["no_masking"] == true)
        .collect();
    assert_eq!(
        unmasked,
        [false, true],
        "the run's record says whether its output was masked"
    );
}

#[test]
fn curl_v_with_a_basic_pair_under_env_prints_no_form_of_the_credential() {
    if !keyring_present() {
        return;
    }
    let cli = Cli::new();
    let linked = link_all(&cli);
    let (handle, _, _, secret) = linked[1];
    let var = |field: &str| {
        format!(
            "KEYSTEP_{}_{field}",
            handle.to_uppercase().replace('-', "_")
        )
    };
    let url = format!("{}/company/people/fields", cli.emu.url("hibob", "api"));
    // The review's probe: curl's own trace, then the key in the encodings a script prints.
    let code = format!(
        "curl -sv -u \"${id}:${token}\" \"{url}\" -o /dev/null 2>&1 | grep -i '^> authorization'; \
         python3 -c 'import base64,json,os,urllib.parse; k=os.environ[\"{token}\"]; \
         print(\"b64\", base64.b64encode(k.encode()).decode()); \
         print(\"url64\", base64.urlsafe_b64encode(k.encode()).decode().rstrip(\"=\")); \
         print(\"hex\", k.encode().hex()); print(\"json\", json.dumps(k)); \
         print(\"url\", urllib.parse.quote(k))'",
        id = var("SERVICE_USER_ID"),
        token = var("SERVICE_USER_TOKEN"),
    );
    let out = cli.run(
        &["run", "--account", handle, "--env", "--", "sh", "-c", &code],
        "",
    );
    assert_eq!(out.status.code(), Some(0), "ran: {}", stderr(&out));
    let printed = format!("{}{}", stdout(&out), stderr(&out));
    assert!(
        printed
            .to_lowercase()
            .contains("> authorization: basic <concealed by keystep>"),
        "curl's Authorization line is masked whole: {printed}"
    );
    let pair = base64(&format!("SERVICE-7001:{secret}"));
    let alone = base64(secret);
    let hex: String = secret.bytes().map(|b| format!("{b:02x}")).collect();
    for (form, value) in [
        ("the key", secret.to_string()),
        ("base64 of the pair", pair.clone()),
        (
            "the pair's base64 without its padding",
            pair.trim_end_matches('=').to_string(),
        ),
        ("base64 of the key", alone.trim_end_matches('=').to_string()),
        ("hex of the key", hex),
    ] {
        assert!(!printed.contains(&value), "{form} never shows: {printed}");
    }
    for tag in ["b64", "url64", "hex", "json", "url"] {
        assert!(
            printed.contains(&format!("{tag} <concealed by keystep>"))
                || printed.contains(&format!("{tag} \"<concealed by keystep>\"")),
            "the {tag} spelling is masked: {printed}"
        );
    }
}

#[test]
fn a_shell_assignment_before_the_command_is_refused_and_its_value_never_kept() {
    if !keyring_present() {
        return;
    }
    let cli = Cli::new();
    let linked = link_all(&cli);
    let out = cli.run(
        &[
            "run",
            "--account",
            linked[2].0,
            "--",
            "API_TOKEN=sup3rsecretvalue",
            "python3",
            "-c",
            "pass",
        ],
        "",
    );
    assert_eq!(
        out.status.code(),
        Some(2),
        "a usage error: {}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("API_TOKEN=…") && stderr(&out).contains("before keystep run"),
        "says what to do instead: {}",
        stderr(&out)
    );
    let log = cli.run(&["log", "--json"], "");
    assert!(
        !stdout(&log).contains("run_started"),
        "nothing was run, so nothing was recorded: {}",
        stdout(&log)
    );
    cli.assert_no_secret_anywhere(&["sup3rsecretvalue"]);
}

#[test]
fn exit_status_start_failures_and_refusals() {
    if !keyring_present() {
        return;
    }
    let cli = Cli::new();
    let linked = link_all(&cli);
    let handle = linked[2].0;
    let out = cli.run(
        &[
            "run",
            "--account",
            handle,
            "--",
            "python3",
            "-c",
            "raise SystemExit(7)",
        ],
        "",
    );
    assert_eq!(
        out.status.code(),
        Some(7),
        "the command's exit status is passed through"
    );
    let out = cli.run(
        &["run", "--account", handle, "--", "/nonexistent/command"],
        "",
    );
    assert_eq!(
        out.status.code(),
        Some(127),
        "a command that cannot start: 127"
    );
    let out = cli.run(&["run", "--account", "nobody", "--", "true"], "");
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unknown handle is a usage error"
    );
    assert!(
        stderr(&out).contains(handle),
        "the handles are listed: {}",
        stderr(&out)
    );
    let out = cli.run_with(
        &["run", "--account", handle, "--", "true"],
        "",
        &[("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")],
    );
    assert_eq!(out.status.code(), Some(1), "no keychain: exit 1");
    assert!(
        stderr(&out).to_lowercase().contains("keychain"),
        "says the keychain is the trouble: {}",
        stderr(&out)
    );
    let help = cli.run(&["run", "--help"], "");
    assert!(
        stdout(&help).contains("--env HANDS THE KEY TO COMMAND")
            && stdout(&help).contains("Proxy mode (the default) keeps the key away from COMMAND"),
        "--help says which mode hands over the key"
    );
}

#[test]
fn ctrl_c_reaches_the_command() {
    if !keyring_present() {
        return;
    }
    let cli = Cli::new();
    let linked = link_all(&cli);
    let code = "import signal,sys,time\n\
                def bye(*_):\n    print('got SIGINT', flush=True); sys.exit(42)\n\
                signal.signal(signal.SIGINT, bye)\nprint('ready', flush=True)\ntime.sleep(60)\n";
    let mut child = Command::new(app_binary())
        .args(["run", "--account", linked[2].0, "--", "python3", "-c", code])
        .env("XDG_DATA_HOME", cli.data())
        .envs(cli.emu.env())
        .stdout(Stdio::piped())
        .spawn()
        .expect("keystep runs");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    assert_eq!(
        lines.next().and_then(Result::ok).as_deref(),
        Some("ready"),
        "the command started"
    );
    // To keystep only, not its process group: the command hears it only if forwarded.
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(sent.success(), "SIGINT sent");
    assert_eq!(
        lines.next().and_then(Result::ok).as_deref(),
        Some("got SIGINT"),
        "the command received it"
    );
    let status = child.wait().expect("keystep ends");
    assert_eq!(status.code(), Some(42), "and its exit status is keystep's");
}

#[test]
fn a_failing_account_is_refused_unless_allowed() {
    if !keyring_present() {
        return;
    }
    let cli = Cli::new();
    let linked = link_all(&cli);
    let handle = linked[2].0;
    // The book as the window leaves it after a check found the key revoked.
    let book_path = cli.data().join("io.keystep.desktop/accounts.json");
    let mut book: Value =
        serde_json::from_slice(&std::fs::read(&book_path).expect("the book")).expect("JSON");
    for account in book["book"]["accounts"].as_array_mut().expect("accounts") {
        if account["handle"] == handle {
            account["status"] = "failing".into();
        }
    }
    std::fs::write(&book_path, book.to_string()).expect("the book is written");
    let out = cli.run(&["run", "--account", handle, "--", "true"], "");
    assert_eq!(out.status.code(), Some(1), "refused: {}", stderr(&out));
    assert!(
        stderr(&out).contains("failed its last check") && stderr(&out).contains("--allow-failing"),
        "says why and how to go ahead: {}",
        stderr(&out)
    );
    let out = cli.run(
        &["run", "--account", handle, "--allow-failing", "--", "true"],
        "",
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "--allow-failing runs it: {}",
        stderr(&out)
    );
}
