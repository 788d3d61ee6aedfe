//! IPC round-trips through Tauri's mock runtime: the registered commands, the
//! `{code, message}` error shape, and that no response ever carries the secret.
//!
//! The core parts are real (catalogue, verifier over loopback HTTP to the emulator); the
//! vault and book are in-memory here because the real ones are proven elsewhere
//! (tests/core/keychain.rs and the end-to-end suite). This file holds the harness (the app
//! on the mock runtime, a window, one call); the tests live by area:
//!
//! - `contract`: command list = handler = capability, the ACL (only the main window calls,
//!   it listens but never emits), `{code, message}` errors, secret-free return types, and
//!   the UI's codes and command wrappers.
//! - `lifecycle`: link, relink, check, rename, reconcile, forget, and "link anyway" (the
//!   verified key held by id, once, for a while).
//! - `settings`: validated, saved whole or not at all.
//! - `providers`: the UI's fixtures, languages, `preview_fields`.
//! - `watch`: check history, Check all, the start-up check waiting for the window.
//! - `overrides`: the hosts a `KEYSTEP_*_URL` variable overrides, for the banner.
//! - `disk`: the shell's own start over a real data folder.
//! - `follow`: what the command line writes in that folder reaches the window within seconds.
//! - `shell`: the one accounts-changed hook and the one list of event names.
//! - `wording`: only `message` and `detail` carry the backend's English.

mod contract;
mod disk;
mod follow;
mod lifecycle;
mod overrides;
mod providers;
mod settings;
mod shell;
mod watch;
mod wording;

use std::sync::Arc;
use std::time::Duration;

use keystep_app::{context, with_commands, AppState};
use keystep_core::account::{Accounts, MemoryBookStore};
use keystep_core::clock::ManualClock;
use keystep_core::hosts::Hosts;
use keystep_core::notice::MemoryNotifier;
use keystep_core::provider::Catalogue;
use keystep_core::settings::MemorySettingsStore;
use keystep_core::vault::MemoryVault;
use keystep_core::verify::{default_client, Verifier};
use keystep_emulator::Emulator;
use serde_json::Value;
use tauri::test::{get_ipc_response, mock_builder, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::WebviewWindowBuilder;

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
    app_timed(
        catalogue,
        hosts,
        settings,
        notifier,
        Arc::new(ManualClock::at(1_700_000_000)),
    )
}

/// The app over the emulator, its time kept by `clock` (a test moves it).
fn app_clocked(emu: &Emulator, clock: Arc<ManualClock>) -> tauri::App<tauri::test::MockRuntime> {
    let catalogue = Arc::new(Catalogue::embedded().expect("catalogue"));
    let env: std::collections::BTreeMap<String, String> = emu.env().into_iter().collect();
    let hosts = Hosts::from_lookup(catalogue.all(), |v| env.get(v).cloned()).expect("hosts");
    app_timed(
        catalogue,
        hosts,
        Arc::new(MemorySettingsStore::default()),
        Arc::new(MemoryNotifier::default()),
        clock,
    )
}

fn app_timed(
    catalogue: Arc<Catalogue>,
    hosts: Hosts,
    settings: Arc<MemorySettingsStore>,
    notifier: Arc<MemoryNotifier>,
    clock: Arc<ManualClock>,
) -> tauri::App<tauri::test::MockRuntime> {
    let verifier = Verifier::with_parts(
        default_client(Duration::from_secs(5)).expect("Keystep's HTTP client builds"),
        hosts,
        clock.clone(),
    );
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
