//! `keystep mcp --config` and third-party MCP servers: the snippet each assistant takes, with
//! this binary's absolute path and no key, and a real third-party MCP server from PyPI
//! (`mcp-openapi-proxy` 0.4.0) started through `keystep run --env` with a `keystep://`
//! reference as its key, under the official Python MCP client against the emulator's Humaans
//! (its spec is Keystep's own: `tests/mcp/humaans-openapi.json`). A referenced key is masked
//! in every spelling `--env` masks, and keystep run's rules hold with references.

use std::path::PathBuf;

use serde_json::{json, Value};

use crate::accounts::{keyring_present, stderr};
use crate::app_binary::app_binary;
use crate::mcp_client::{
    call, drive, every_file, linked_cli, secrets, server_env, use_log, venv_python,
};

#[test]
fn a_third_party_mcp_server_reads_through_a_keystep_reference_and_never_sees_it_in_its_config() {
    if !keyring_present() {
        return;
    }
    let Some(python) = venv_python() else {
        return;
    };
    let cli = linked_cli();
    let proxy_server = python.with_file_name("mcp-openapi-proxy");
    let spec = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/mcp/humaans-openapi.json");
    let mut env = server_env(&cli);
    env.insert(
        "SERVER_URL_OVERRIDE".into(),
        json!(cli.emu.url("humaans", "api")),
    );
    env.insert(
        "OPENAPI_SPEC_URL".into(),
        json!(format!("file://{}", spec.display())),
    );
    env.insert(
        "API_KEY".into(),
        json!("keystep://humaans-acme-ltd/api_token"),
    );
    env.insert("API_AUTH_TYPE".into(), json!("Bearer"));
    let listing = json!({
        "command": app_binary().display().to_string(),
        "args": ["run", "--env", "--", proxy_server.display().to_string()],
        "env": env,
        "client_name": "Test Assistant",
        "calls": [],
    });
    let (listed, _) = drive(&python, &listing);
    let tool = listed["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .find(|n| n.contains("people"))
        .unwrap_or_else(|| panic!("the server offers a people tool: {}", listed["tools"]))
        .to_string();
    cli.emu.clear_requests();
    let mut reading = listing.clone();
    reading["calls"] = json!([call(&tool, json!({}))]);
    let config = reading.to_string();
    let (out, printed) = drive(&python, &reading);
    let answer = &out["results"][0];
    assert_eq!(answer["is_error"], false, "the server read: {answer}");
    assert!(
        answer["text"]
            .as_str()
            .is_some_and(|t| t.contains("Given0")),
        "it read the people through the key: {answer}"
    );
    let secret = crate::accounts::HUMAANS;
    assert!(
        config.contains("keystep://humaans-acme-ltd/api_token") && !config.contains(secret),
        "the configuration holds the reference, never the key"
    );
    assert!(
        cli.emu.requests().iter().any(|r| r.path == "/people"
            && r.headers.get("authorization").map(String::as_str)
                == Some(&format!("Bearer {secret}"))),
        "the provider got the real key"
    );
    assert!(!printed.contains(secret), "nothing printed holds the key");
    assert!(
        !every_file(cli.home.path()).contains(secret),
        "no file Keystep wrote holds the key"
    );
    let log = std::fs::read_to_string(use_log(&cli)).expect("the use log");
    assert!(
        log.contains("\"command\":\"mcp-openapi-proxy\"") && log.contains("\"mode\":\"env\""),
        "the run is recorded, with the key in the environment: {log}"
    );
}

#[test]
fn config_prints_each_assistants_snippet_with_this_binarys_absolute_path_and_no_key() {
    if !keyring_present() {
        return;
    }
    let cli = linked_cli();
    let out = cli.run(
        &[
            "mcp",
            "--config",
            "claude-desktop",
            "--account",
            "humaans-acme-ltd",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(0), "printed: {}", stderr(&out));
    let snippet: Value = serde_json::from_slice(&out.stdout).expect("JSON to paste");
    let command = snippet["mcpServers"]["keystep"]["command"]
        .as_str()
        .expect("a command");
    assert!(
        std::path::Path::new(command).is_absolute()
            && std::fs::canonicalize(app_binary()).ok() == Some(PathBuf::from(command)),
        "this binary's absolute path: {command}"
    );
    assert_eq!(
        snippet["mcpServers"]["keystep"]["args"],
        json!(["mcp", "--account", "humaans-acme-ltd"]),
        "the arguments"
    );
    let third = cli.run(
        &[
            "mcp",
            "--config",
            "claude-code",
            "--account",
            "hibob-service-7001",
            "--server",
            "hibob",
            "--var",
            "HIBOB_API_TOKEN",
            "--",
            "hibob-mcp",
        ],
        "",
    );
    let line = String::from_utf8_lossy(&third.stdout);
    assert!(
        line.starts_with("claude mcp add --scope user --env HIBOB_API_TOKEN=keystep://hibob-service-7001/service_user_token hibob -- ")
            && line.trim_end().ends_with(" run --env -- hibob-mcp"),
        "a reference to the one secret field, through keystep run --env: {line}"
    );
    let wrong = cli.run(&["mcp", "--config", "chatgpt", "--all"], "");
    assert_eq!(
        wrong.status.code(),
        Some(2),
        "an unknown assistant is a usage error"
    );
    for secret in secrets() {
        assert!(
            !String::from_utf8_lossy(&out.stdout).contains(secret) && !line.contains(secret),
            "no key in a snippet"
        );
    }
}

#[test]
fn a_referenced_key_is_masked_in_every_spelling_as_a_named_accounts_is() {
    if !keyring_present() {
        return;
    }
    let cli = crate::accounts::Cli::new();
    let (_, fields, stdin, handle, secret) = crate::accounts::providers()
        .into_iter()
        .find(|p| p.0 == "hibob")
        .expect("HiBob is among the providers");
    let mut args = vec!["link", "hibob"];
    args.extend(fields);
    assert_eq!(cli.run(&args, &stdin).status.code(), Some(0), "HiBob links");
    let id_ref = format!("keystep://{handle}/service_user_id");
    let token_ref = format!("keystep://{handle}/service_user_token");
    let refs = [
        ("HIBOB_ID", id_ref.as_str()),
        ("HIBOB_TOKEN", token_ref.as_str()),
    ];
    // The spellings a script prints a key in, and the Basic pair HiBob takes, in base64.
    let code = "import base64,json,os,urllib.parse; k=os.environ['HIBOB_TOKEN']; \
        pair=(os.environ['HIBOB_ID']+':'+k).encode(); \
        print('raw', k); print('b64', base64.b64encode(k.encode()).decode()); \
        print('url64', base64.urlsafe_b64encode(k.encode()).decode().rstrip('=')); \
        print('hex', k.encode().hex()); print('json', json.dumps(k)); \
        print('url', urllib.parse.quote(k)); print('pair', base64.b64encode(pair).decode())";
    let out = cli.run_with(&["run", "--env", "--", "python3", "-c", code], "", &refs);
    assert_eq!(out.status.code(), Some(0), "ran: {}", stderr(&out));
    let printed = String::from_utf8_lossy(&out.stdout).into_owned();
    for tag in ["raw", "b64", "url64", "hex", "json", "url", "pair"] {
        assert!(
            printed.contains(&format!("{tag} <concealed by keystep>"))
                || printed.contains(&format!("{tag} \"<concealed by keystep>\"")),
            "the {tag} spelling of a referenced key is masked: {printed}"
        );
    }
    cli.assert_no_secret_anywhere(&[secret]);
    // The rules of keystep run hold with references: a shell assignment is refused, and
    // --no-masking is recorded.
    let assignment = cli.run_with(&["run", "--env", "--", "HIBOB_TOKEN=x", "true"], "", &refs);
    assert_eq!(
        assignment.status.code(),
        Some(2),
        "a VAR=value command is refused with references too"
    );
    let bare = cli.run_with(&["run", "--env", "--no-masking", "--", "true"], "", &refs);
    assert_eq!(bare.status.code(), Some(0), "ran: {}", stderr(&bare));
    let log = std::fs::read_to_string(use_log(&cli)).expect("the use log");
    let starts: Vec<Value> = log
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|r| r["event"] == "run_started")
        .collect();
    assert_eq!(
        starts
            .iter()
            .map(|r| (r["accounts"][0]["name"].clone(), r["no_masking"].clone()))
            .collect::<Vec<_>>(),
        [(json!(handle), json!(false)), (json!(handle), json!(true))],
        "each run is recorded with the referenced account and whether it was masked: {log}"
    );
}
