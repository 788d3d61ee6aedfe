//! The window learns which hosts a `KEYSTEP_*_URL` variable overrides, to show its banner.

use std::sync::Arc;

use keystep_core::hosts::Hosts;
use keystep_core::notice::MemoryNotifier;
use keystep_core::provider::Catalogue;
use keystep_core::settings::MemorySettingsStore;
use keystep_emulator::Emulator;
use serde_json::json;

use crate::{app, app_on, call, window};

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
