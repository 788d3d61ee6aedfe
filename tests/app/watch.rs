//! The checks the shell runs for the person: the check history, Check all with one
//! notification for a change for the worse, and the start-up check waiting for the window.

use std::sync::Arc;
use std::time::Duration;

use keystep_app::AppState;
use keystep_core::notice::MemoryNotifier;
use keystep_core::settings::MemorySettingsStore;
use keystep_emulator::{Emulator, HumaansTenant};
use serde_json::{json, Value};
use tauri::Manager;

use crate::{app, app_with, call, window, TOKEN};

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
    assert_eq!(
        linked["life"],
        json!({"state": "open", "full_access": false}),
        "Humaans' keys have no known end, coded for the card: {linked}"
    );
    assert!(
        linked.get("sandbox").is_none(),
        "production is not labelled: {linked}"
    );
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

    app.state::<AppState>().page_loaded.send_replace(true);
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

/// What waits for the window (the tray icon, the start-up check) starts `settle` after the
/// page has loaded, or `latest` after start if that comes first: without a window at all,
/// or when the page loads too late to settle in time.
#[tokio::test(start_paused = true)]
async fn what_waits_for_the_window_starts_at_the_earlier_of_settled_and_latest() {
    let emu = Emulator::start();
    let app = app(&emu);
    let state = app.state::<AppState>();
    let settle = Duration::from_secs(1);
    let latest = Duration::from_secs(5);

    let start = tokio::time::Instant::now();
    state.settled_after_page(settle, latest).await;
    assert_eq!(start.elapsed(), latest, "no page load: the latest start");

    let start = tokio::time::Instant::now();
    let waiting = state.settled_after_page(settle, latest);
    let loading = async {
        tokio::time::sleep(Duration::from_secs(2)).await;
        state.page_loaded.send_replace(true);
    };
    tokio::join!(waiting, loading);
    assert_eq!(
        start.elapsed(),
        Duration::from_secs(3),
        "loaded after 2 s: one second to settle"
    );

    // Loaded already: only the settling.
    let start = tokio::time::Instant::now();
    state.settled_after_page(settle, latest).await;
    assert_eq!(start.elapsed(), settle, "already loaded: the settle alone");

    state.page_loaded.send_replace(false);
    let start = tokio::time::Instant::now();
    let waiting = state.settled_after_page(settle, latest);
    let loading = async {
        tokio::time::sleep(Duration::from_millis(4500)).await;
        state.page_loaded.send_replace(true);
    };
    tokio::join!(waiting, loading);
    assert_eq!(
        start.elapsed(),
        latest,
        "loaded late: the latest start cuts the settle short"
    );
}
