//! IPC round-trips through Tauri's mock runtime: the registered commands, the
//! `{code, message}` error shape, and that no response ever carries the secret.
//!
//! The core parts are real (catalogue, verifier over loopback HTTP to the emulator); the
//! vault and book are in-memory here because the real ones are proven elsewhere
//! (tests/core/keychain.rs and the end-to-end suite).

mod disk;
mod shell;
mod wording;

use std::sync::Arc;
use std::time::Duration;

use keystep_app::{context, with_commands, AppState, COMMANDS};
use keystep_core::account::{Accounts, MemoryBookStore};
use keystep_core::clock::ManualClock;
use keystep_core::hosts::Hosts;
use keystep_core::notice::MemoryNotifier;
use keystep_core::provider::Catalogue;
use keystep_core::settings::{MemorySettingsStore, SettingsStore};
use keystep_core::vault::MemoryVault;
use keystep_core::verify::{default_client, Verifier};
use keystep_emulator::{Emulator, HumaansTenant};
use serde_json::{json, Value};
use tauri::test::{get_ipc_response, mock_builder, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::{Manager, WebviewWindowBuilder};

const TOKEN: &str = "IpcCanaryTokenIpcCanaryToken0042";

fn app(emu: &Emulator) -> tauri::App<tauri::test::MockRuntime> {
    app_with(
        emu,
        Arc::new(MemorySettingsStore::default()),
        Arc::new(MemoryNotifier::default()),
    )
}

fn app_with(
    emu: &Emulator,
    settings: Arc<MemorySettingsStore>,
    notifier: Arc<MemoryNotifier>,
) -> tauri::App<tauri::test::MockRuntime> {
    let catalogue = Arc::new(Catalogue::embedded().expect("catalogue"));
    let env: std::collections::BTreeMap<String, String> = emu.env().into_iter().collect();
    let hosts = Hosts::from_lookup(catalogue.all(), |v| env.get(v).cloned()).expect("hosts");
    app_on(catalogue, hosts, settings, notifier)
}

/// The app over `hosts` (the emulator's overrides, or none).
fn app_on(
    catalogue: Arc<Catalogue>,
    hosts: Hosts,
    settings: Arc<MemorySettingsStore>,
    notifier: Arc<MemoryNotifier>,
) -> tauri::App<tauri::test::MockRuntime> {
    let clock = Arc::new(ManualClock::at(1_700_000_000));
    let verifier =
        Verifier::with_parts(default_client(Duration::from_secs(5)), hosts, clock.clone());
    let accounts = Accounts::open(
        catalogue,
        verifier,
        Arc::new(MemoryVault::default()),
        Arc::new(MemoryBookStore::default()),
        clock,
    )
    .expect("open");
    with_commands(mock_builder())
        .manage(AppState::new(accounts, None, settings).with_notifier(notifier))
        .build(context())
        .expect("the app builds on the mock runtime")
}

fn call(
    webview: &tauri::WebviewWindow<tauri::test::MockRuntime>,
    cmd: &str,
    args: Value,
) -> Result<Value, Value> {
    let res = get_ipc_response(
        webview,
        InvokeRequest {
            cmd: cmd.into(),
            callback: tauri::ipc::CallbackFn(0),
            error: tauri::ipc::CallbackFn(1),
            url: "tauri://localhost".parse().expect("url"),
            body: tauri::ipc::InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    );
    res.map(|b| b.deserialize::<Value>().expect("JSON response"))
}

fn window(
    app: &tauri::App<tauri::test::MockRuntime>,
) -> tauri::WebviewWindow<tauri::test::MockRuntime> {
    labelled(app, "main")
}

fn labelled(
    app: &tauri::App<tauri::test::MockRuntime>,
    label: &str,
) -> tauri::WebviewWindow<tauri::test::MockRuntime> {
    WebviewWindowBuilder::new(app, label, Default::default())
        .build()
        .expect("mock window")
}

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
        let res = call(&w, cmd, json!({}));
        if let Err(e) = &res {
            let text = e.to_string();
            assert!(!text.contains("not found"), "{cmd} is registered: {text}");
        }
    }
}

#[test]
fn link_round_trip_never_returns_the_secret() {
    let emu = Emulator::start();
    emu.add_humaans(TOKEN, HumaansTenant::full("Acme Ltd", 42));
    let app = app(&emu);
    let w = window(&app);

    let providers = call(&w, "list_providers", json!({})).expect("providers");
    assert!(
        providers.to_string().contains("\"humaans\""),
        "Humaans is offered"
    );
    assert!(
        !providers.to_string().contains("https://app.humaans.io/\""),
        "step links stay in Rust"
    );

    let linked = call(
        &w,
        "link_account",
        json!({"provider": "humaans", "fields": {"api_token": TOKEN}}),
    )
    .expect("link works");
    assert_eq!(
        linked["message"], "Connected to Acme Ltd (42 people)",
        "success text"
    );
    assert!(
        !linked.to_string().contains(TOKEN),
        "link_account never echoes the token"
    );

    let listed = call(&w, "list_accounts", json!({})).expect("list");
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "one account");
    assert!(
        !listed.to_string().contains(TOKEN),
        "list_accounts never carries the token"
    );

    let id = linked["id"].as_str().expect("id").to_string();
    call(&w, "forget_account", json!({"id": id})).expect("forget");
    assert_eq!(
        call(&w, "list_accounts", json!({})).expect("list"),
        json!([]),
        "forgotten"
    );
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

#[test]
fn lifecycle_commands_round_trip_without_the_secret() {
    let emu = Emulator::start();
    emu.add_humaans(TOKEN, HumaansTenant::full("Acme Ltd", 42));
    let app = app(&emu);
    let w = window(&app);
    let link = json!({"provider": "humaans", "fields": {"api_token": TOKEN}});
    let first = call(&w, "link_account", link.clone()).expect("first link");
    let id = first["id"].as_str().expect("id").to_string();

    let again = call(&w, "link_account", link).expect_err("the same company twice");
    assert_eq!(
        again["code"], "already_linked",
        "duplicate detected: {again}"
    );
    assert_eq!(
        again["account_id"],
        id.as_str(),
        "the existing account is named: {again}"
    );

    let relinked = call(
        &w,
        "relink_account",
        json!({"id": id, "fields": {"api_token": TOKEN}}),
    )
    .expect("relink with a working key");
    assert_eq!(
        relinked["id"],
        id.as_str(),
        "the same account, updated in place"
    );

    let checked = call(&w, "check_account", json!({"id": id})).expect("check now");
    assert_eq!(checked["status"], "ok", "still working: {checked}");
    emu.revoke(TOKEN);
    let revoked = call(&w, "check_account", json!({"id": id})).expect("a check reports, not fails");
    assert_eq!(
        (revoked["status"].as_str(), revoked["last_code"].as_str()),
        (Some("failing"), Some("bad_credentials")),
        "a revoked key turns the account red at once: {revoked}"
    );

    let renamed = call(
        &w,
        "rename_account",
        json!({"id": id, "label": "  HR prod  "}),
    )
    .expect("rename");
    assert_eq!(renamed["label"], "HR prod", "trimmed label: {renamed}");
    let err = call(&w, "rename_account", json!({"id": id, "label": " "})).expect_err("blank");
    assert_eq!(
        err["code"], "invalid_input",
        "a blank label is refused: {err}"
    );

    let found = call(&w, "reconcile_accounts", json!({})).expect("reconcile");
    assert_eq!(
        found["needs_relink"],
        json!([]),
        "the memory vault still holds the key: {found}"
    );

    call(&w, "forget_account", json!({"id": id})).expect("forget");
    for response in [&first, &relinked, &checked, &revoked, &renamed, &found] {
        assert!(
            !response.to_string().contains(TOKEN),
            "no response carries the token"
        );
    }
}

#[test]
fn settings_are_validated_saved_and_kept_whole() {
    let emu = Emulator::start();
    let store = Arc::new(MemorySettingsStore::default());
    let app = app_with(&emu, Arc::clone(&store), Arc::default());
    let w = window(&app);
    let defaults = call(&w, "get_settings", json!({})).expect("settings");
    assert_eq!(
        defaults,
        json!({"check_interval_hours": 6, "notifications": true, "start_at_login": false,
               "rotation_reminder_days": null, "language": "system"}),
        "the documented defaults"
    );

    let mut next = defaults.clone();
    next["check_interval_hours"] = json!(0);
    let err = call(&w, "save_settings", json!({"settings": next})).expect_err("out of range");
    assert_eq!(
        (err["code"].as_str(), err["field"].as_str()),
        (Some("invalid_input"), Some("check_interval_hours")),
        "the field is named: {err}"
    );
    let mut odd = defaults.clone();
    odd["colour"] = json!("red");
    call(&w, "save_settings", json!({"settings": odd})).expect_err("unknown settings are refused");

    let mut next = defaults.clone();
    next["check_interval_hours"] = json!(12);
    next["language"] = json!("fr");
    next["rotation_reminder_days"] = json!(90);
    let saved = call(&w, "save_settings", json!({"settings": next.clone()})).expect("saves");
    assert_eq!(saved, next, "what was saved comes back");
    assert_eq!(
        call(&w, "get_settings", json!({})).expect("settings"),
        next,
        "and stays"
    );
    assert_eq!(
        store.load().check_interval_hours,
        12,
        "it reached the store"
    );

    store.fail_saves(true);
    let mut later = next.clone();
    later["notifications"] = json!(false);
    let err = call(&w, "save_settings", json!({"settings": later})).expect_err("disk full");
    assert_eq!(err["code"], "storage_failed", "{err}");
    assert_eq!(
        call(&w, "get_settings", json!({})).expect("settings"),
        next,
        "a failed save changes nothing"
    );
}

#[test]
fn checks_are_recorded_and_check_all_reaches_every_account() {
    let emu = Emulator::start();
    emu.add_humaans(TOKEN, HumaansTenant::full("Acme Ltd", 42));
    let notifier = Arc::new(MemoryNotifier::default());
    let app = app_with(
        &emu,
        Arc::new(MemorySettingsStore::default()),
        Arc::clone(&notifier),
    );
    let w = window(&app);
    let linked = call(
        &w,
        "link_account",
        json!({"provider": "humaans", "fields": {"api_token": TOKEN}}),
    )
    .expect("links");
    let id = linked["id"].as_str().expect("id").to_string();
    assert!(
        notifier.shown().is_empty(),
        "linking raises no notification: {:?}",
        notifier.shown()
    );
    assert_eq!(linked["key_age_days"], 0, "a new key: {linked}");
    assert!(
        linked["next_check_at"].as_u64().is_some(),
        "scheduled: {linked}"
    );

    emu.revoke(TOKEN);
    call(&w, "check_all_accounts", json!({})).expect("checks all");
    let accounts = call(&w, "list_accounts", json!({})).expect("accounts");
    assert_eq!(
        accounts[0]["status"], "failing",
        "check all saw the revoked key: {accounts}"
    );
    let shown = notifier.shown();
    assert_eq!(
        shown
            .iter()
            .map(|n| (n.title.as_str(), n.urgent))
            .collect::<Vec<_>>(),
        vec![("Humaans — Acme Ltd: key rejected", true)],
        "one urgent notification for the change for the worse: {shown:?}"
    );
    assert!(
        shown.iter().all(|n| !n.body.contains(TOKEN)),
        "no secret in a notification"
    );
    let checks = call(&w, "list_checks", json!({"id": id})).expect("history");
    let codes: Vec<Value> = checks
        .as_array()
        .expect("a list")
        .iter()
        .map(|c| c["code"].clone())
        .collect();
    assert_eq!(
        codes,
        vec![json!("bad_credentials"), Value::Null],
        "newest first: the failed check, then the link"
    );
    for response in [&linked, &accounts, &checks] {
        assert!(
            !response.to_string().contains(TOKEN),
            "no secret in {response}"
        );
    }
    let err = call(&w, "list_checks", json!({"id": "nope"})).expect_err("unknown");
    assert_eq!(err["code"], "not_found", "{err}");
}

#[test]
fn a_key_missing_permissions_links_only_when_accepted() {
    let emu = Emulator::start();
    emu.add_humaans(
        TOKEN,
        HumaansTenant::full("Acme Ltd", 42).with_scopes(&["public:read", "private:read"]),
    );
    let app = app(&emu);
    let w = window(&app);
    let form = json!({"provider": "humaans", "fields": {"api_token": TOKEN}});
    let err = call(&w, "link_account", form.clone()).expect_err("missing scopes");
    assert_eq!(err["code"], "missing_permission", "{err}");
    assert_eq!(
        call(&w, "list_accounts", json!({})).expect("accounts"),
        json!([]),
        "nothing linked"
    );
    let mut anyway = form;
    anyway["acceptMissing"] = json!(true);
    let linked = call(&w, "link_account", anyway).expect("linked anyway");
    assert_eq!(
        (linked["status"].as_str(), linked["last_code"].as_str()),
        (Some("limited"), Some("missing_permission")),
        "linked as limited: {linked}"
    );
    assert!(
        !linked["permissions"]["missing"]
            .as_array()
            .expect("missing list")
            .is_empty(),
        "what is missing is kept: {linked}"
    );
}

/// `tests/ui/fixtures/providers.<lang>.json` is exactly what `list_providers` returns, so the
/// UI harness's stub cannot drift from the real contract. `KEYSTEP_UPDATE_FIXTURES=1`
/// rewrites the files instead of comparing.
#[test]
fn provider_fixtures_match_list_providers() {
    let emu = Emulator::start();
    let app = app(&emu);
    let w = window(&app);
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/ui/fixtures");
    let update = std::env::var("KEYSTEP_UPDATE_FIXTURES").is_ok_and(|v| v == "1");
    for lang in ["en", "fr"] {
        let real = call(&w, "list_providers", json!({ "lang": lang })).expect("providers");
        let path = dir.join(format!("providers.{lang}.json"));
        let pretty = serde_json::to_string_pretty(&real).expect("JSON") + "\n";
        if update {
            std::fs::create_dir_all(&dir).expect("fixtures folder");
            std::fs::write(&path, pretty).expect("fixture written");
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e}; run with KEYSTEP_UPDATE_FIXTURES=1 to create it",
                path.display()
            )
        });
        let stored: Value = serde_json::from_str(&text).expect("the fixture is JSON");
        assert!(
            stored == real,
            "{} differs from list_providers({lang}); run with KEYSTEP_UPDATE_FIXTURES=1 and review the diff",
            path.display()
        );
    }
}

#[test]
fn providers_come_in_the_language_asked_for() {
    let emu = Emulator::start();
    let app = app(&emu);
    let w = window(&app);
    let en = call(&w, "list_providers", json!({})).expect("default");
    let fr = call(&w, "list_providers", json!({"lang": "fr"})).expect("French");
    let de = call(&w, "list_providers", json!({"lang": "de"})).expect("unknown");
    assert_eq!(
        call(&w, "list_providers", json!({"lang": "en"})).expect("English"),
        en,
        "English is the default"
    );
    assert_eq!(
        de, en,
        "a language Keystep does not speak falls back to English"
    );
    assert_eq!(
        call(&w, "list_providers", json!({"lang": "fr-FR"})).expect("fr-FR"),
        fr,
        "a regional tag picks its language"
    );
    let humaans = |all: &Value| {
        all.as_array()
            .and_then(|a| a.iter().find(|p| p["id"] == "humaans"))
            .cloned()
            .expect("humaans")
    };
    let (en, fr) = (humaans(&en), humaans(&fr));
    assert_eq!(en["name"], fr["name"], "names are not translated");
    assert_eq!(
        en["steps"][2]["checklist"], fr["steps"][2]["checklist"],
        "scopes are the provider's own words"
    );
    assert_eq!(
        fr["fields"][0]["label"], "Jeton d’API",
        "field labels are translated"
    );
    assert_eq!(
        fr["checks"][0],
        json!({"id": "token-info", "doing": "Vérification du jeton auprès de Humaans…"}),
        "check lines are translated, by id"
    );
    assert_eq!(
        fr["success"][0], "Connecté à {company} ({head_count} personnes)",
        "success lines keep their placeholders"
    );
    assert!(
        fr["messages"]["missing_permission"]
            .as_str()
            .is_some_and(|m| m.contains("{missing}") && m.starts_with("Il manque")),
        "messages by code, placeholders kept: {}",
        fr["messages"]
    );
    assert!(
        !fr.to_string().contains("https://app.humaans.io/\""),
        "step links stay in Rust in every language"
    );
}

#[test]
fn preview_fields_reports_codes_and_never_a_value() {
    let emu = Emulator::start();
    let app = app(&emu);
    let w = window(&app);
    let preview = call(
        &w,
        "preview_fields",
        json!({"provider": "hibob", "fields": {
            "service_user_id": format!(" \"{TOKEN}\" "),
            "service_user_token": TOKEN,
        }}),
    )
    .expect("preview");
    assert_eq!(
        preview,
        json!({
            "notes": [
                {"field": "service_user_id", "change": "trimmed_whitespace"},
                {"field": "service_user_id", "change": "removed_quotes"},
            ],
            "problems": [
                {"field": "service_user_token", "problem": "same_value", "other": "service_user_id"},
            ],
        }),
        "keys and codes only"
    );
    assert!(
        !preview.to_string().contains(TOKEN),
        "the value never comes back"
    );
    let clean = call(
        &w,
        "preview_fields",
        json!({"provider": "humaans", "fields": {"api_token": TOKEN}}),
    )
    .expect("preview");
    assert_eq!(
        clean,
        json!({"notes": [], "problems": []}),
        "a clean value: nothing to say"
    );
    let err = call(
        &w,
        "preview_fields",
        json!({"provider": "workday", "fields": {}}),
    )
    .expect_err("unknown provider");
    assert_eq!(err["code"], "not_found", "closed code: {err}");
}

/// The start-up check of every account waits for the window's page to load, so it does not
/// compete with the window coming up; then it runs without waiting for its latest start.
#[test]
fn the_start_up_check_waits_for_the_window() {
    let emu = Emulator::start();
    emu.add_humaans(TOKEN, HumaansTenant::full("Acme Ltd", 42));
    let app = app(&emu);
    let w = window(&app);
    call(
        &w,
        "link_account",
        json!({"provider": "humaans", "fields": {"api_token": TOKEN}}),
    )
    .expect("links");
    let linked = emu.requests().len();

    let started = std::time::Instant::now();
    tauri::async_runtime::spawn(keystep_app::watch::keep_watch(app.handle().clone()));
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        emu.requests().len(),
        linked,
        "no check before the page has loaded"
    );

    app.state::<AppState>().page_loaded.notify_one();
    let deadline = started + Duration::from_secs(20);
    while emu.requests().len() == linked {
        assert!(
            std::time::Instant::now() < deadline,
            "the start-up check runs once the page has loaded"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        started.elapsed() < keystep_app::watch::FIRST_SWEEP_LATEST,
        "the check followed the page load, not the latest start ({:?})",
        started.elapsed()
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

/// Issue #13, point 6: the window learns which hosts are overridden, to show its banner.
#[test]
fn list_host_overrides_names_every_override_and_nothing_without_one() {
    let emu = Emulator::start();
    let app = app(&emu);
    let w = window(&app);
    let listed = call(&w, "list_host_overrides", json!({})).expect("listed");
    let humaans = listed
        .as_array()
        .expect("a list")
        .iter()
        .find(|o| o["provider"] == "humaans")
        .cloned()
        .unwrap_or_else(|| panic!("Humaans is overridden: {listed}"));
    assert_eq!(
        humaans,
        json!({
            "provider": "humaans",
            "provider_name": "Humaans",
            "host": "api",
            "url": emu.url("humaans", "api"),
            "variable": "KEYSTEP_HUMAANS_API_URL",
        }),
        "provider, its name, host, URL and variable"
    );
    assert_eq!(
        listed.as_array().map(Vec::len),
        Some(emu.env().len()),
        "one entry per variable set: {listed}"
    );

    let plain = app_on(
        Arc::new(Catalogue::embedded().expect("catalogue")),
        Hosts::production(),
        Arc::new(MemorySettingsStore::default()),
        Arc::new(MemoryNotifier::default()),
    );
    assert_eq!(
        call(&window(&plain), "list_host_overrides", json!({})).expect("listed"),
        json!([]),
        "no banner without overrides"
    );
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
