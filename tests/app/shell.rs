//! How the shell's parts meet: every change runs the one accounts-changed hook (the tray is
//! redrawn through it, so no command or sweep calls the tray), and the events the backend
//! sends are named in one list that the window listens to and nothing else.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use keystep_app::events::EVENTS;
use keystep_app::{context, with_commands, AppState};
use keystep_core::account::{Accounts, MemoryBookStore, StartNotice};
use keystep_core::clock::ManualClock;
use keystep_core::hosts::Hosts;
use keystep_core::provider::Catalogue;
use keystep_core::settings::MemorySettingsStore;
use keystep_core::vault::{ItemRef, MemoryVault, Vault};
use keystep_core::verify::{default_client, Verifier};
use keystep_emulator::{Emulator, HumaansTenant};
use serde_json::json;

use crate::{call, window, TOKEN};

const NEW_TOKEN: &str = "IpcNewTokenIpcNewTokenIpcNew0043";

/// Accounts over the emulator's hosts, with `vault` and a book in memory.
pub(crate) fn accounts_over(emu: &Emulator, vault: Arc<MemoryVault>) -> Accounts {
    let catalogue = Arc::new(Catalogue::embedded().expect("catalogue"));
    let env: std::collections::BTreeMap<String, String> = emu.env().into_iter().collect();
    let hosts = Hosts::from_lookup(catalogue.all(), |v| env.get(v).cloned()).expect("hosts");
    let clock = Arc::new(ManualClock::at(1_700_000_000));
    let verifier = Verifier::with_parts(
        default_client(Duration::from_secs(5)).expect("the HTTP client builds"),
        hosts,
        clock.clone(),
    );
    Accounts::open(
        catalogue,
        verifier,
        vault,
        Arc::new(MemoryBookStore::default()),
        clock,
    )
    .expect("open")
}

/// The app over `accounts`, with start-up's `notice`, counting the runs of its
/// accounts-changed hook.
pub(crate) fn counting_app(
    accounts: Accounts,
    notice: Option<StartNotice>,
) -> (tauri::App<tauri::test::MockRuntime>, Arc<AtomicUsize>) {
    let runs = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&runs);
    let state = AppState::new(accounts, notice, Arc::new(MemorySettingsStore::default()))
        .on_accounts_changed(Arc::new(move || {
            counted.fetch_add(1, Ordering::SeqCst);
            Box::pin(async {})
        }));
    let app = with_commands(tauri::test::mock_builder())
        .manage(state)
        .build(context())
        .expect("the app builds on the mock runtime");
    (app, runs)
}

#[test]
fn every_change_runs_the_accounts_changed_hook_and_reading_does_not() {
    let emu = Emulator::start();
    emu.add_humaans(TOKEN, HumaansTenant::full("Acme Ltd", 42));
    emu.add_humaans(NEW_TOKEN, HumaansTenant::full("Acme Ltd", 42));
    let vault = Arc::new(MemoryVault::default());
    let (app, runs) = counting_app(accounts_over(&emu, Arc::clone(&vault)), None);
    let w = window(&app);
    let linked = call(
        &w,
        "link_account",
        json!({"provider": "humaans", "fields": {"api_token": TOKEN}}),
    )
    .expect("links");
    let id = linked["id"].as_str().expect("id").to_string();
    // A leftover keychain item, so removing an orphan has something to remove.
    vault
        .put(
            &ItemRef {
                account: "0123456789abcdef0123456789abcdef".into(),
                label: "Keystep — Humaans (Old Ltd)".into(),
            },
            &std::collections::BTreeMap::new(),
        )
        .expect("an orphan item");
    let settings = call(&w, "get_settings", json!({})).expect("settings");
    let steps = [
        (
            "relink_account",
            json!({"id": id, "fields": {"api_token": NEW_TOKEN}}),
            1,
        ),
        ("check_account", json!({"id": id}), 1),
        ("rename_account", json!({"id": id, "label": "Acme"}), 1),
        ("reconcile_accounts", json!({}), 1),
        ("save_settings", json!({"settings": settings}), 1),
        // A sweep says so when it starts ("checking") and when it ends.
        ("check_all_accounts", json!({}), 2),
        ("list_accounts", json!({}), 0),
        ("list_checks", json!({"id": id}), 0),
        ("get_keychain_state", json!({}), 0),
        (
            "remove_orphan",
            json!({"id": "0123456789abcdef0123456789abcdef"}),
            0,
        ),
        ("forget_account", json!({"id": id}), 1),
    ];
    assert_eq!(runs.load(Ordering::SeqCst), 1, "linking ran the hook once");
    for (command, args, want) in steps {
        let before = runs.load(Ordering::SeqCst);
        call(&w, command, args).unwrap_or_else(|e| panic!("{command}: {e}"));
        assert_eq!(
            runs.load(Ordering::SeqCst) - before,
            want,
            "{command} runs the accounts-changed hook {want} time(s)"
        );
    }
}

/// Every `.js` file under `dir`, folders included (the window's modules may move into them).
fn scripts(dir: &Path, into: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("a folder entry").path();
        if path.is_dir() {
            scripts(&path, into);
        } else if path.extension().is_some_and(|e| e == "js") {
            into.push(path);
        }
    }
}

/// The string literals passed as the first argument of `call(` in `text`.
fn first_literals(text: &str, call: &str) -> Vec<String> {
    text.match_indices(call)
        .filter_map(|(at, _)| {
            let rest = text[at + call.len()..].trim_start();
            let quote = rest
                .chars()
                .next()
                .filter(|c| matches!(c, '"' | '\'' | '`'))?;
            let body = &rest[1..];
            body.find(quote).map(|end| body[..end].to_string())
        })
        .collect()
}

#[test]
fn events_are_named_in_one_list_and_the_window_listens_to_no_other() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let listed: BTreeSet<&str> = EVENTS.iter().copied().collect();
    assert_eq!(listed.len(), EVENTS.len(), "no event is listed twice");

    // The shell emits only the constants, and every constant is emitted somewhere.
    let shell = root.join("src-tauri/src");
    let mut emitted = String::new();
    for entry in std::fs::read_dir(&shell).expect("the shell's sources") {
        let path = entry.expect("an entry").path();
        if path.file_name().is_some_and(|n| n == "events.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("a source file");
        assert!(
            first_literals(&text, "emit(").is_empty(),
            "{}: an event named by a string literal; use a constant from events.rs",
            path.display()
        );
        emitted.push_str(&text);
    }
    let names = std::fs::read_to_string(shell.join("events.rs")).expect("events.rs");
    for line in names.lines() {
        if let Some(constant) = line
            .strip_prefix("pub const ")
            .and_then(|l| l.split_once(": &str"))
            .map(|(name, _)| name)
        {
            assert!(
                emitted.contains(&format!("events::{constant}")),
                "events::{constant} is listed but never emitted"
            );
        }
    }

    // The window's list is the same, and it listens only to names on it.
    let api = std::fs::read_to_string(root.join("ui/api.js")).expect("ui/api.js");
    let start = api
        .find("export const EVENTS = Object.freeze([")
        .expect("ui/api.js declares EVENTS");
    let end = start + api[start..].find("])").expect("the list ends");
    let window_list: BTreeSet<String> = api[start..end]
        .split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect();
    assert_eq!(
        window_list,
        listed.iter().map(|s| s.to_string()).collect(),
        "ui/api.js's EVENTS is the shell's list"
    );
    let mut files = Vec::new();
    scripts(&root.join("ui"), &mut files);
    assert!(files.len() >= 3, "the window's scripts were found");
    let mut heard = BTreeSet::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("a script");
        for name in first_literals(&text, "onEvent(")
            .into_iter()
            .chain(first_literals(&text, "listen("))
        {
            assert!(
                listed.contains(name.as_str()),
                "{} listens to `{name}`, which the shell never sends",
                file.display()
            );
            heard.insert(name);
        }
    }
    assert_eq!(
        heard, window_list,
        "the window listens to every event the shell sends"
    );
}
