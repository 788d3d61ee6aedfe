//! Settings through the commands: the documented defaults, validated, saved whole or not
//! at all.

use std::sync::Arc;

use keystep_core::settings::{MemorySettingsStore, SettingsStore};
use keystep_emulator::Emulator;
use serde_json::json;

use crate::{app_with, call, window};

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
               "rotation_reminder_days": null, "language": "system", "when_closed": "ask"}),
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
    next["when_closed"] = json!("background");
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
