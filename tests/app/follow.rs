//! The window follows the command line (issue 21 §5): an account `keystep link` adds, and a
//! use `keystep run` records, while the window runs reach it within seconds: the window is
//! told (the accounts-changed event, which makes it list the accounts again) and its list
//! then has the new account, without the person navigating anywhere. The window's own
//! changes raise no such redraw.
//!
//! The window is the shell over a real data folder (`disk::Shell`); the command line is a
//! second `Accounts` over its own `FileBook` and `DataDir` of the same folder, as a second
//! process, and a `UseLog` appending there.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use keystep_app::events::ACCOUNTS_CHANGED;
use keystep_app::watch::follow_files;
use keystep_core::account::{Accounts, FileBook, BOOK_FILE};
use keystep_core::clock::ManualClock;
use keystep_core::files::DataDir;
use keystep_core::hosts::Hosts;
use keystep_core::provider::Catalogue;
use keystep_core::use_log::{Mode, UseLog, UseRecord};
use keystep_core::vault::Vault;
use keystep_core::verify::{default_client, Verifier};
use serde_json::json;
use tauri::Listener;

use crate::disk::{Shell, OTHER};
use crate::{call, window, TOKEN};

/// How long the window may take to follow: a few looks at its files.
const WITHIN: Duration = Duration::from_secs(10);

/// `keystep link`'s view of the shell's folder: its own `DataDir` and `FileBook`.
fn command_line(shell: &Shell) -> Accounts {
    let catalogue = Arc::new(Catalogue::embedded().expect("catalogue"));
    let env: std::collections::BTreeMap<String, String> = shell.emu.env().into_iter().collect();
    let hosts = Hosts::from_lookup(catalogue.all(), |v| env.get(v).cloned()).expect("hosts");
    let clock = Arc::new(ManualClock::at(1_700_000_000));
    let dir = Arc::new(DataDir::open(shell.dir.path()).expect("the same folder"));
    Accounts::open(
        catalogue,
        Verifier::with_parts(
            default_client(Duration::from_secs(5)).expect("the HTTP client builds"),
            hosts,
            clock.clone(),
        ),
        shell.vault.clone() as Arc<dyn Vault>,
        Arc::new(FileBook::new(dir)),
        clock,
    )
    .expect("the command line opens the book")
}

/// Waits until `events` passes `seen`, at most [`WITHIN`]; the count then.
fn wait_for_event(events: &AtomicUsize, seen: usize, what: &str) -> usize {
    let deadline = Instant::now() + WITHIN;
    loop {
        let now = events.load(Ordering::SeqCst);
        if now > seen {
            return now;
        }
        assert!(
            Instant::now() < deadline,
            "the window was not told of {what} within {WITHIN:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn an_account_linked_and_a_use_recorded_from_the_command_line_reach_the_window() {
    let shell = Shell::new();
    let app = shell.start();
    let w = window(&app);
    let events = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&events);
    app.listen_any(ACCOUNTS_CHANGED, move |_| {
        counted.fetch_add(1, Ordering::SeqCst);
    });
    let log = UseLog::in_dir(&shell.dir);
    tauri::async_runtime::spawn(follow_files(
        app.handle().clone(),
        shell.dir.file(BOOK_FILE),
        log.path().to_path_buf(),
        Duration::from_millis(100),
    ));
    // The window's own change is not news to it: a redraw under the person's pointer
    // would lose their click.
    call(
        &w,
        "link_account",
        json!({"provider": "humaans", "fields": {"api_token": TOKEN}}),
    )
    .expect("the window links Acme");
    std::thread::sleep(Duration::from_millis(600));
    let quiet = events.load(Ordering::SeqCst);
    assert_eq!(quiet, 0, "the window's own save raises no redraw");

    let cli = command_line(&shell);
    let linked = tauri::async_runtime::block_on(cli.link(
        "humaans",
        std::collections::BTreeMap::from([(
            "api_token".to_string(),
            keystep_core::Secret::new(OTHER),
        )]),
        &|_| {},
    ))
    .expect("keystep link links Other")
    .account;
    let seen = wait_for_event(&events, quiet, "keystep link's account");
    let listed = call(&w, "list_accounts", json!({})).expect("lists");
    assert!(
        listed
            .as_array()
            .is_some_and(|a| a.iter().any(|v| v["id"] == linked.id.as_str())),
        "the window's list, asked again, has the new account: {listed}"
    );

    log.append(&UseRecord::RunStarted {
        run: "r1".into(),
        at: 1_700_000_100,
        command: "sync.py".into(),
        accounts: Vec::new(),
        mode: Mode::Proxy,
        no_masking: false,
    })
    .expect("keystep run records a run");
    wait_for_event(&events, seen, "keystep run's use");
}
