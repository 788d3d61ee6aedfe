//! The IPC contract: the command list equals the handler and the capability, only the main
//! window may call commands and it may listen to events but never emit them, errors are
//! `{code, message}` without the secret, every command returns a secret-free type, and the
//! UI's codes and wrappers (`ui/api.js`, `tests/ui/stub.js`) match the backend's.

use keystep_app::COMMANDS;
use keystep_emulator::Emulator;
use serde_json::{json, Value};

use crate::{app, call, labelled, window, TOKEN};

#[test]
fn only_the_main_window_may_call_commands() {
    let emu = Emulator::start();
    let app = app(&emu);
    let other = labelled(&app, "intruder");
    let err = call(&other, "list_accounts", json!({})).expect_err("the ACL refuses other windows");
    assert!(
        err.to_string().contains("not allowed"),
        "refused by the ACL: {err}"
    );
    let main = window(&app);
    assert!(
        call(&main, "list_accounts", json!({})).is_ok(),
        "the main window is allowed"
    );
}

#[test]
fn command_list_matches_handler_and_capability() {
    let cap: Value = serde_json::from_str(include_str!("../../src-tauri/capabilities/main.json"))
        .expect("capability file is JSON");
    let granted: Vec<String> = cap["permissions"]
        .as_array()
        .expect("permissions list")
        .iter()
        .filter_map(|p| p.as_str())
        .filter_map(|p| p.strip_prefix("allow-"))
        .map(|p| p.replace('-', "_"))
        .collect();
    assert_eq!(
        granted, COMMANDS,
        "the capability grants exactly the app's commands"
    );
    let plugin_grants: Vec<&str> = cap["permissions"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|p| p.as_str())
        .filter(|p| p.contains(':'))
        .collect();
    assert_eq!(
        plugin_grants,
        ["core:event:allow-listen", "core:event:allow-unlisten"],
        "events are listened to, never emitted; no store:*, fs:* or shell:* for the webview"
    );

    let emu = Emulator::start();
    let app = app(&emu);
    let w = window(&app);
    for cmd in COMMANDS {
        // Quitting ends the app under test; the handler's own list names it.
        if *cmd == "quit_app" {
            assert!(
                include_str!("../../src-tauri/src/lib.rs").contains("commands::quit_app,"),
                "quit_app is registered"
            );
            continue;
        }
        let res = call(&w, cmd, json!({}));
        if let Err(e) = &res {
            let text = e.to_string();
            assert!(!text.contains("not found"), "{cmd} is registered: {text}");
        }
    }
}

#[test]
fn errors_are_code_and_message_without_the_secret() {
    let emu = Emulator::start();
    let app = app(&emu);
    let w = window(&app);
    let err = call(
        &w,
        "link_account",
        json!({"provider": "humaans", "fields": {"api_token": TOKEN}}),
    )
    .expect_err("unknown token fails");
    assert_eq!(err["code"], "bad_credentials", "closed code: {err}");
    assert!(
        err["message"].as_str().is_some_and(|m| !m.is_empty()),
        "a message for the person"
    );
    assert!(
        !err.to_string().contains(TOKEN),
        "the error does not echo the token: {err}"
    );

    let err = call(
        &w,
        "link_account",
        json!({"provider": "humaans", "fields": {"api_token": "two words"}}),
    )
    .expect_err("bad input");
    assert_eq!(
        (err["code"].as_str(), err["field"].as_str()),
        (Some("invalid_input"), Some("api_token")),
        "field named: {err}"
    );

    let err = call(
        &w,
        "open_guide_link",
        json!({"provider": "humaans", "step": "no-such-step"}),
    )
    .expect_err("unknown step");
    assert_eq!(err["code"], "not_found", "closed code: {err}");
}

#[test]
fn every_command_returns_a_secret_free_type() {
    let source = include_str!("../../src-tauri/src/commands.rs");
    let mut seen = Vec::new();
    for chunk in source.split("#[tauri::command]").skip(1) {
        let name = chunk
            .split("pub async fn ")
            .nth(1)
            .and_then(|rest| rest.split(['(', '<']).next())
            .expect("a command is a pub async fn")
            .trim()
            .to_string();
        let signature = chunk
            .split('{')
            .next()
            .expect("a body follows the signature");
        let returns = signature
            .split("-> Result<")
            .nth(1)
            .and_then(|r| r.rsplit_once(", IpcError>"))
            .map(|(t, _)| t.split_whitespace().collect::<String>())
            .unwrap_or_else(|| panic!("{name} must return Result<_, IpcError>"));
        assert!(
            keystep_app::ipc::SECRET_FREE_RETURNS.contains(&returns.as_str()),
            "{name} returns {returns}, which is not a known secret-free type"
        );
        seen.push(name);
    }
    let mut expected: Vec<String> = COMMANDS.iter().map(|c| c.to_string()).collect();
    expected.sort();
    seen.sort();
    assert_eq!(
        seen, expected,
        "every registered command was inspected, and only those"
    );
}

/// Issue #13, point 7: the window listens to the backend's events but may not emit any (an
/// emit from the page could fake `accounts-changed` or a tray command to the app).
#[test]
fn the_window_may_listen_to_events_but_not_emit_them() {
    let emu = Emulator::start();
    let app = app(&emu);
    let w = window(&app);
    for cmd in ["plugin:event|emit", "plugin:event|emit_to"] {
        let err = call(
            &w,
            cmd,
            json!({"event": "accounts-changed", "payload": null, "target": {"kind": "Any"}}),
        )
        .expect_err("the capability grants no emit");
        assert!(
            err.to_string().contains("not allowed"),
            "{cmd} is refused by the ACL: {err}"
        );
    }
    let listened = call(
        &w,
        "plugin:event|listen",
        json!({"event": "accounts-changed", "target": {"kind": "Any"}, "handler": 7}),
    );
    if let Err(e) = &listened {
        assert!(
            !e.to_string().contains("not allowed"),
            "listen stays allowed: {e}"
        );
    }
}

/// The UI's closed set of codes is the backend's: a code the UI does not know is shown as
/// "internal", so a new one (`host_changed`) must reach `ui/api.js` and its sentences.
#[test]
fn the_ui_knows_every_error_code() {
    let api = include_str!("../../ui/api.js");
    let start = api.find("ERROR_CODES").expect("ERROR_CODES in api.js");
    let list = &api[start..start + api[start..].find("]);").expect("the list ends")];
    let ui: Vec<&str> = list.split('"').skip(1).step_by(2).collect();
    let backend: Vec<&str> = keystep_core::Code::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(ui, backend, "ui/api.js ERROR_CODES = Code::ALL, in order");
}

/// Every command has its one wrapper in `ui/api.js` and its stand-in in `tests/ui/stub.js`.
#[test]
fn every_command_is_wrapped_in_api_js_and_stubbed() {
    let api = include_str!("../../ui/api.js");
    let stub = include_str!("../../tests/ui/stub.js");
    for cmd in COMMANDS {
        assert!(
            api.contains(&format!("call(\"{cmd}\"")),
            "ui/api.js wraps {cmd}"
        );
        assert!(
            stub.contains(&format!("    {cmd}: ")) || stub.contains(&format!("    {cmd},")),
            "tests/ui/stub.js answers {cmd}"
        );
    }
}
