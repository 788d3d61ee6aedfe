//! The harness of the `keystep mcp` tests: the official Python MCP client from deps.sh's
//! venv (`tests/mcp/client.py`) driving the built binary with a plan of tool calls, accounts
//! linked into the real keychain with people lists long enough to page, and the searches
//! that prove nothing sensitive or secret came out.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde_json::{json, Value};

use crate::accounts::{providers, stderr, Cli};
use crate::app_binary::app_binary;
use keystep_emulator::{HumaansTenant, JazzhrAccount, PayfitTenant};

/// The venv's Python, with `mcp` and `mcp-openapi-proxy` (scripts/deps.sh test makes it in
/// `${XDG_CACHE_HOME:-$HOME/.cache}/keystep/mcp-venv`; scripts/headless.sh gives tests a cache
/// folder of their own, so `$HOME/.cache` is looked at too, and `KEYSTEP_MCP_VENV` first),
/// or `None` (a skip; under CI a failure).
pub(crate) fn venv_python() -> Option<PathBuf> {
    let home_cache =
        std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/keystep/mcp-venv"));
    let xdg_cache =
        std::env::var_os("XDG_CACHE_HOME").map(|c| PathBuf::from(c).join("keystep/mcp-venv"));
    let chosen = std::env::var_os("KEYSTEP_MCP_VENV")
        .map(PathBuf::from)
        .into_iter()
        .chain(xdg_cache)
        .chain(home_cache)
        .map(|v| v.join("bin/python"))
        .find(|p| p.is_file());
    assert!(
        chosen.is_some() || std::env::var("CI").as_deref() != Ok("true"),
        "the MCP tests need the venv scripts/deps.sh test makes"
    );
    if chosen.is_none() {
        eprintln!("skipping: no MCP client venv (run scripts/deps.sh test)");
    }
    chosen
}

/// The client script's path.
pub(crate) fn client_script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/mcp/client.py")
}

/// What the server is started with besides its arguments: the emulator, the data folder and
/// the session bus (the SDK passes only a few variables of its own environment on).
pub(crate) fn server_env(cli: &Cli) -> serde_json::Map<String, Value> {
    let mut env = serde_json::Map::new();
    for (k, v) in cli.emu.env() {
        env.insert(k, json!(v));
    }
    env.insert(
        "XDG_DATA_HOME".into(),
        json!(cli.data().display().to_string()),
    );
    for name in ["DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR"] {
        if let Ok(v) = std::env::var(name) {
            env.insert(name.into(), json!(v));
        }
    }
    env
}

/// Runs the Python client over `plan`; returns its JSON and everything it printed.
pub(crate) fn drive(python: &PathBuf, plan: &Value) -> (Value, String) {
    let mut child = Command::new(python)
        .arg(client_script())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the MCP client starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(plan.to_string().as_bytes())
        .expect("the plan is written");
    let out = child.wait_with_output().expect("the client finishes");
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "the MCP client ran: {printed}");
    let json: Value = serde_json::from_slice(&out.stdout).expect("the client's JSON");
    (json, printed)
}

/// A plan: `keystep <args>` as the server, these calls.
pub(crate) fn plan(cli: &Cli, args: &[&str], calls: Vec<Value>) -> Value {
    json!({
        "command": app_binary().display().to_string(),
        "args": args,
        "env": server_env(cli),
        "client_name": "Test Assistant",
        "calls": calls,
    })
}

pub(crate) fn call(tool: &str, args: Value) -> Value {
    json!({ "tool": tool, "args": args })
}

pub(crate) fn call_from(tool: &str, args: Value, from: Value) -> Value {
    json!({ "tool": tool, "args": args, "from": from })
}

/// Links the five providers, then gives each tenant more people than one page holds.
pub(crate) fn linked_cli() -> Cli {
    let cli = Cli::new();
    for (provider, fields, stdin, _, _) in providers() {
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
    cli.emu.add_humaans(
        crate::accounts::HUMAANS,
        HumaansTenant {
            company_id: "cmp_cli_acme".into(),
            ..HumaansTenant::full("Acme Ltd", 250)
        },
    );
    cli.emu
        .add_payfit(crate::accounts::PAYFIT, PayfitTenant::full("Acme SAS", 120));
    cli.emu.add_jazzhr(
        crate::accounts::JAZZHR,
        JazzhrAccount::with_users("admin@acme.example", 150).with_applicants(130),
    );
    cli
}

/// Every secret the tests linked.
pub(crate) fn secrets() -> Vec<&'static str> {
    providers().iter().map(|p| p.4).collect()
}

/// Every file under `dir`, as text.
pub(crate) fn every_file(dir: &std::path::Path) -> String {
    let mut out = String::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(bytes) = std::fs::read(&path) {
                out.push_str(&String::from_utf8_lossy(&bytes));
            }
        }
    }
    out
}

/// The use log's text.
pub(crate) fn use_log(cli: &Cli) -> std::path::PathBuf {
    cli.data()
        .join(keystep_core::files::APP_IDENTIFIER)
        .join(keystep_core::use_log::USE_LOG)
}

/// Whether `text` holds a date of birth of the emulated company (`197Y-MM-DD`).
pub(crate) fn holds_a_birth_date(text: &str) -> bool {
    text.as_bytes().windows(10).any(|w| {
        w.starts_with(b"197")
            && w[3].is_ascii_digit()
            && w[4] == b'-'
            && w[7] == b'-'
            && [5, 6, 8, 9].iter().all(|i| w[*i].is_ascii_digit())
    })
}

/// Fails unless no answer among `results` (structured content and text) holds a sensitive
/// value of the emulated company or a date of birth; `who` names the case in the message.
pub(crate) fn assert_no_sensitive_answer(results: &[Value], who: &str) {
    let answers: String = results
        .iter()
        .map(|r| format!("{}{}", r["structured"], r["text"]))
        .collect();
    assert!(
        !answers.contains(keystep_emulator::people::SENSITIVE),
        "{who}: no sensitive value in any answer"
    );
    assert!(
        !holds_a_birth_date(&answers),
        "{who}: no date of birth in any answer"
    );
}
