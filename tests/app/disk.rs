//! The shell over a real data folder (the book opened as the app opens it,
//! `Accounts::open_or_recover` over a real `FileBook`, and `FileSettings`), with an in-memory vault: safe mode as the window sees it,
//! a failed save followed by a clean quit, private files, the keychain state; and the one data
//! folder the window and the command line share.

use std::sync::Arc;
use std::time::Duration;

use keystep_app::{context, with_commands, AppState};
use keystep_core::account::{Accounts, FileBook, BOOK_FILE};
use keystep_core::clock::ManualClock;
use keystep_core::files::{DataDir, WriteFault};
use keystep_core::hosts::Hosts;
use keystep_core::notice::MemoryNotifier;
use keystep_core::provider::Catalogue;
use keystep_core::settings::{FileSettings, SettingsStore, SETTINGS_FILE};
use keystep_core::vault::{Faults, ItemRef, MemoryVault, Vault};
use keystep_core::verify::{default_client, Verifier};
use keystep_emulator::{Emulator, HumaansTenant};
use serde_json::{json, Value};

use crate::{call, window, TOKEN};

pub(crate) const OTHER: &str = "IpcOtherTokenIpcOtherToken000077";
const LIVE_ID: &str = "fedcba9876543210fedcba9876543210";

pub(crate) struct Shell {
    _root: tempfile::TempDir,
    pub(crate) dir: Arc<DataDir>,
    pub(crate) vault: Arc<MemoryVault>,
    pub(crate) emu: Emulator,
}

impl Shell {
    pub(crate) fn new() -> Shell {
        let root = tempfile::tempdir().expect("temp dir");
        let dir = Arc::new(DataDir::open(root.path().join("io.keystep.desktop")).expect("dir"));
        let emu = Emulator::start();
        emu.add_humaans(TOKEN, HumaansTenant::full("Acme Ltd", 42));
        emu.add_humaans(
            OTHER,
            HumaansTenant {
                company_id: "cmp_other".into(),
                ..HumaansTenant::full("Other Ltd", 3)
            },
        );
        Shell {
            _root: root,
            dir,
            vault: Arc::new(MemoryVault::default()),
            emu,
        }
    }

    /// Starts the app as `run` does: the book opened (or safe mode) from the folder.
    pub(crate) fn start(&self) -> tauri::App<tauri::test::MockRuntime> {
        self.start_with(Arc::new(MemoryNotifier::default()))
    }

    /// The same, with notifications kept in `notifier`.
    fn start_with(&self, notifier: Arc<MemoryNotifier>) -> tauri::App<tauri::test::MockRuntime> {
        let catalogue = Arc::new(Catalogue::embedded().expect("catalogue"));
        let env: std::collections::BTreeMap<String, String> = self.emu.env().into_iter().collect();
        let hosts = Hosts::from_lookup(catalogue.all(), |v| env.get(v).cloned()).expect("hosts");
        let clock = Arc::new(ManualClock::at(1_700_000_000));
        let verifier = Verifier::with_parts(
            default_client(Duration::from_secs(5)).expect("the HTTP client builds"),
            hosts,
            clock.clone(),
        );
        let (accounts, notice) = Accounts::open_or_recover(
            catalogue,
            verifier,
            self.vault.clone() as Arc<dyn Vault>,
            Arc::new(FileBook::new(self.dir.clone())),
            clock,
        );
        let settings: Arc<dyn SettingsStore> = Arc::new(FileSettings::new(self.dir.clone()));
        with_commands(tauri::test::mock_builder())
            .manage(
                AppState::new(accounts, notice, settings)
                    .with_notifier(notifier)
                    .with_use_log(Arc::new(keystep_core::use_log::UseLog::in_dir(&self.dir))),
            )
            .build(context())
            .expect("the app builds on the mock runtime")
    }

    fn book(&self) -> Vec<u8> {
        std::fs::read(self.dir.file(BOOK_FILE)).expect("the book exists")
    }

    fn ids_on_disk(&self) -> Vec<String> {
        let file: Value = serde_json::from_slice(&self.book()).expect("JSON");
        file["book"]["accounts"]
            .as_array()
            .expect("accounts")
            .iter()
            .map(|a| a["id"].as_str().expect("id").to_string())
            .collect()
    }
}

fn secret_fields(token: &str) -> keystep_core::vault::SecretFields {
    std::collections::BTreeMap::from([(
        "api_token".to_string(),
        keystep_core::Secret::new(token.to_string()),
    )])
}

/// Quits the app the way a clean quit does: every exit hook runs, then it is dropped.
fn quit(app: tauri::App<tauri::test::MockRuntime>) {
    app.cleanup_before_exit();
    drop(app);
}

fn link(w: &tauri::WebviewWindow<tauri::test::MockRuntime>, token: &str) -> Result<Value, Value> {
    call(
        w,
        "link_account",
        json!({"provider": "humaans", "fields": {"api_token": token}}),
    )
}

#[test]
fn a_book_from_a_newer_keystep_opens_in_safe_mode_and_nothing_is_deleted_or_written() {
    let shell = Shell::new();
    let newer = serde_json::to_vec_pretty(&json!({
        "book": {"version": 9, "accounts": [{"id": LIVE_ID, "provider": "humaans"}]}
    }))
    .expect("JSON");
    std::fs::write(shell.dir.file(BOOK_FILE), &newer).expect("write");
    shell
        .vault
        .put(
            &ItemRef {
                account: LIVE_ID.into(),
                label: "Keystep — Humaans (Acme Ltd)".into(),
            },
            &secret_fields(TOKEN),
        )
        .expect("the live key");

    let app = shell.start();
    let w = window(&app);
    let found = call(&w, "reconcile_accounts", json!({})).expect("reconciles");
    assert_eq!(
        found["safe_mode"]["reason"], "too_new",
        "the window is told why, as a code: {found}"
    );
    assert_eq!(found["safe_mode"]["rebuilt"], true, "{found}");
    assert_eq!(
        found["orphans"],
        json!([]),
        "no live key is offered for removal: {found}"
    );
    let accounts = call(&w, "list_accounts", json!({})).expect("lists");
    assert_eq!(
        accounts[0]["id"], LIVE_ID,
        "the account is shown from its keychain label: {accounts}"
    );
    for (command, args) in [
        ("remove_orphan", json!({"id": LIVE_ID})),
        ("forget_account", json!({"id": LIVE_ID})),
        ("rename_account", json!({"id": LIVE_ID, "label": "x"})),
        ("check_account", json!({"id": LIVE_ID})),
        (
            "link_account",
            json!({"provider": "humaans", "fields": {"api_token": OTHER}}),
        ),
    ] {
        let err = call(&w, command, args).expect_err("refused in safe mode");
        assert_eq!(err["code"], "read_only", "{command}: {err}");
    }
    quit(app);
    assert!(
        shell.emu.requests().is_empty(),
        "nothing was sent to the provider"
    );
    assert_eq!(
        shell.vault.ids().into_iter().collect::<Vec<_>>(),
        vec![LIVE_ID.to_string()],
        "the live key is still in the keychain after a full start and stop"
    );
    assert_eq!(
        shell.book(),
        newer,
        "the newer book is byte for byte as it was"
    );
}

#[test]
fn a_failed_save_followed_by_a_clean_quit_leaves_the_book_as_before_the_failed_change() {
    let shell = Shell::new();
    let app = shell.start();
    let w = window(&app);
    let first = link(&w, TOKEN).expect("the first link");
    let first_id = first["id"].as_str().expect("id").to_string();
    shell.dir.inject(WriteFault::PartWritten);
    let err = link(&w, OTHER).expect_err("the second link cannot be saved");
    assert_eq!(err["code"], "storage_failed", "{err}");
    let err = call(&w, "forget_account", json!({"id": first_id})).expect_err("nor a forget");
    assert_eq!(err["code"], "storage_failed", "{err}");
    // The disk has room again, and the person quits.
    shell.dir.inject(WriteFault::None);
    quit(app);
    assert_eq!(
        shell.ids_on_disk(),
        vec![first_id.clone()],
        "the failed link did not come back and the failed forget did not drop the account"
    );
    assert_eq!(
        shell.vault.ids().into_iter().collect::<Vec<_>>(),
        vec![first_id.clone()],
        "the keychain matches: the failed link's key was removed, the kept account's stays"
    );
    let again = shell.start();
    let accounts = call(&window(&again), "list_accounts", json!({})).expect("lists");
    assert_eq!(accounts.as_array().map(Vec::len), Some(1), "{accounts}");
    assert_eq!(accounts[0]["id"], first_id.as_str(), "{accounts}");
}

#[test]
fn every_file_keystep_writes_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let shell = Shell::new();
    let app = shell.start();
    let w = window(&app);
    link(&w, TOKEN).expect("links");
    let mut settings = call(&w, "get_settings", json!({})).expect("settings");
    settings["check_interval_hours"] = json!(12);
    call(&w, "save_settings", json!({"settings": settings})).expect("saves settings");
    quit(app);
    let mode =
        |p: &std::path::Path| std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777;
    assert_eq!(mode(shell.dir.path()), 0o700, "the data folder");
    for name in [BOOK_FILE, SETTINGS_FILE] {
        assert_eq!(mode(&shell.dir.file(name)), 0o600, "{name}");
    }
    let leftovers: Vec<String> = std::fs::read_dir(shell.dir.path())
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "no temporary file is left: {leftovers:?}"
    );
}

#[test]
fn the_window_can_ask_whether_the_keychain_could_store_a_key() {
    let shell = Shell::new();
    let app = shell.start();
    let w = window(&app);
    let ready = call(&w, "get_keychain_state", json!({})).expect("answers");
    assert_eq!(ready, json!({"state": "ready"}), "an open keychain");
    shell.vault.set_faults(Faults::locked());
    let locked = call(&w, "get_keychain_state", json!({})).expect("answers");
    assert_eq!(locked, json!({"state": "locked"}), "a locked keychain");
}

#[test]
fn a_locked_keychain_pauses_the_checks_with_one_notification() {
    let shell = Shell::new();
    let notifier = Arc::new(MemoryNotifier::default());
    let app = shell.start_with(notifier.clone());
    let w = window(&app);
    link(&w, TOKEN).expect("links");
    shell.vault.set_faults(Faults::locked());
    for _ in 0..3 {
        call(&w, "check_all_accounts", json!({})).expect("check all answers");
    }
    let shown = notifier.shown();
    assert_eq!(
        shown.iter().map(|n| n.title.as_str()).collect::<Vec<_>>(),
        vec!["Keystep has paused its checks"],
        "one notification when the trouble starts, none per retry: {shown:?}"
    );
    assert!(
        shown[0].body.contains("keychain"),
        "it says what to do: {}",
        shown[0].body
    );
    let accounts = call(&w, "list_accounts", json!({})).expect("lists");
    assert_eq!(
        accounts[0]["status"], "ok",
        "a locked keychain says nothing about the key: {accounts}"
    );
}

/// What `keystep run` wrote to the use log reaches the window: an account's recent runs, the
/// line to copy, and each account's latest use for its card.
#[test]
fn list_recent_use_reads_the_use_log_keystep_run_wrote_and_offers_the_line_to_copy() {
    use keystep_core::use_log::{Mode, UseLog, UseRecord, UsedAccount};
    let shell = Shell::new();
    let app = shell.start();
    let w = window(&app);
    let account = link(&w, TOKEN).expect("linked");
    let (id, handle) = (
        account["id"].as_str().expect("id").to_string(),
        account["handle"].as_str().expect("handle").to_string(),
    );
    let none = call(&w, "list_recent_use", json!({"id": id})).expect("answers");
    assert_eq!(none["runs"], json!([]), "never used yet");
    // What `keystep run` writes, in the same data folder.
    let log = UseLog::in_dir(&shell.dir);
    for record in [
        UseRecord::RunStarted {
            run: "r1".into(),
            at: 1_700_000_100,
            command: "sync.py".into(),
            accounts: vec![UsedAccount {
                id: id.clone(),
                name: handle.clone(),
            }],
            mode: Mode::Proxy,
            no_masking: false,
        },
        UseRecord::Request {
            run: "r1".into(),
            at: 1_700_000_101,
            account: id.clone(),
            method: "GET".into(),
            path: "/me".into(),
            status: 200,
            bytes: 99,
            duration_ms: 3,
            forwarded: true,
            waited_ms: 0,
        },
        UseRecord::RunEnded {
            run: "r1".into(),
            at: 1_700_000_102,
            exit_status: 0,
            requests: 1,
            refused: 0,
            other_users: 0,
        },
    ] {
        log.append(&record).expect("recorded");
    }
    let used = call(&w, "list_recent_use", json!({"id": id})).expect("answers");
    assert_eq!(
        used["runs"][0]["command"], "sync.py",
        "the run, by its command: {used}"
    );
    assert_eq!(
        (
            used["runs"][0]["requests"].clone(),
            used["runs"][0]["last_status"].clone()
        ),
        (json!(1), json!(200)),
        "its requests and last status"
    );
    assert_eq!(
        used["example"]["run"],
        format!("keystep run --account {handle} -- python3 script.py"),
        "the line to copy names the handle"
    );
    assert!(!used.to_string().contains(TOKEN), "no key in the answer");
    let last = call(&w, "list_last_uses", json!({})).expect("answers");
    assert_eq!(
        last,
        json!([{"account": id, "at": 1_700_000_100u64, "command": "sync.py", "assistant": false}]),
        "the card's latest use: when the run began and its command"
    );
    quit(app);
}

/// Both binaries open the data folder `keystep_core::world` names, under the identifier
/// core knows; Tauri's own files (the window's size and place) go under the identifier in
/// tauri.conf.json, which must be the same, or they would land in a second folder.
#[test]
fn the_window_and_core_name_one_app_identifier() {
    let emu = Emulator::start();
    let app = crate::app(&emu);
    assert_eq!(
        app.config().identifier,
        keystep_core::files::APP_IDENTIFIER,
        "core knows the app's identifier"
    );
}

/// "Use with an AI assistant": each assistant's snippet starts `keystep mcp` for this
/// account, sharing a category is kept on the account and recorded in the use log, and an
/// assistant's tool call is the card's latest use, marked as an assistant's.
#[test]
fn the_assistant_setup_offers_each_snippet_and_a_shared_category_is_kept_and_recorded() {
    use keystep_core::use_log::{UseLog, UseRecord};
    let shell = Shell::new();
    let app = shell.start();
    let w = window(&app);
    let account = link(&w, TOKEN).expect("linked");
    let (id, handle) = (
        account["id"].as_str().expect("id").to_string(),
        account["handle"].as_str().expect("handle").to_string(),
    );
    let setup = call(&w, "get_assistant_setup", json!({"id": id})).expect("answers");
    let snippets = setup["snippets"].as_array().expect("snippets");
    assert_eq!(snippets.len(), 4, "four assistants: {setup}");
    let desktop = snippets
        .iter()
        .find(|s| s["assistant"] == "claude-desktop")
        .expect("Claude Desktop");
    let parsed: serde_json::Value =
        serde_json::from_str(desktop["text"].as_str().expect("text")).expect("JSON to paste");
    assert_eq!(
        parsed["mcpServers"]["keystep"]["args"],
        json!(["mcp", "--account", handle]),
        "keystep mcp for this account: {parsed}"
    );
    assert!(
        setup["categories"]
            .as_array()
            .expect("categories")
            .iter()
            .all(|c| c["shared"] == false),
        "nothing shared at first: {setup}"
    );
    let shared = call(
        &w,
        "share_account_fields",
        json!({"id": id, "category": "date_of_birth", "shared": true}),
    )
    .expect("shared");
    let birth = shared["categories"]
        .as_array()
        .expect("categories")
        .iter()
        .find(|c| c["category"] == "date_of_birth")
        .expect("date of birth");
    assert_eq!(birth["shared"], true, "kept: {shared}");
    assert!(
        call(
            &w,
            "share_account_fields",
            json!({"id": id, "category": "salaries", "shared": true})
        )
        .is_err(),
        "an unknown category is refused"
    );
    let log = UseLog::in_dir(&shell.dir);
    let records = log.read();
    assert!(
        records.iter().any(|r| matches!(r, UseRecord::FieldsShared { account, shared: true, by, .. } if *account == id && by == "window")),
        "the choice is recorded: {records:?}"
    );
    log.append(&UseRecord::Tool {
        run: "s1".into(),
        at: 1_700_000_200,
        client: "Claude Desktop".into(),
        tool: "list_people".into(),
        account: Some(id.clone()),
        outcome: None,
        withheld: 2,
    })
    .expect("recorded");
    let last = call(&w, "list_last_uses", json!({})).expect("answers");
    assert_eq!(
        last,
        json!([{"account": id, "at": 1_700_000_200u64, "command": "Claude Desktop", "assistant": true}]),
        "the card's latest use is the assistant's"
    );
    assert!(
        !setup.to_string().contains(TOKEN) && !shared.to_string().contains(TOKEN),
        "no key in the answers"
    );
}
