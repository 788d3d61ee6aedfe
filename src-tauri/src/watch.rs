//! Keeping watch: the background schedule that re-verifies accounts as they fall due (and
//! every account at start-up), "Check all now", the desktop notifications a change of
//! status raises, and following what the command line changes on disk (`follow_files`).
//!
//! Which accounts are due and how long to sleep (`Accounts::plan`), how trouble backs off
//! (network trouble and Keystep's own), how hard each provider may be asked and what a
//! notification says are decided in core (`schedule`, `pace`, `notice`), where they are
//! tested against the emulator; this loop only sleeps, calls them and reports.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tauri::{AppHandle, Emitter, Manager, Runtime};

use keystep_core::files::Stamps;
use keystep_core::notice::{notice_for, paused_notice};
use keystep_core::schedule::{self, Watch};

use crate::events;
use crate::state::AppState;

/// How many accounts of one provider are checked at once (providers run side by side, and
/// each provider's own pace applies within its lane).
const SWEEP_CONCURRENCY: usize = 4;

/// The start-up check begins this long after the window's page has loaded. Until then the
/// accounts page shows each account's last known status; checking every account (keychain
/// reads, the first TLS set-up, the requests) would otherwise compete with WebKit for the
/// CPU while the window comes up.
pub const FIRST_SWEEP_SETTLE: Duration = Duration::from_secs(1);
/// The start-up check begins this long after start at the latest: without a window, or
/// with a page that never loads.
pub const FIRST_SWEEP_LATEST: Duration = Duration::from_secs(5);

/// Runs the schedule until the app exits: every account at start-up (once the window is
/// up), then each one as it falls due. The loop is core's ([`schedule::keep_watch`]); this
/// gives it the window's settings, its sweep and a sleep that "Check all now" or a settings
/// change cuts short.
pub async fn keep_watch<R: Runtime>(app: AppHandle<R>) {
    let Some(state) = app.try_state::<AppState>() else {
        return;
    };
    state
        .settled_after_page(FIRST_SWEEP_SETTLE, FIRST_SWEEP_LATEST)
        .await;
    schedule::keep_watch(
        &state.accounts,
        &Window {
            app: &app,
            state: &state,
        },
    )
    .await;
}

/// The window as the schedule's [`Watch`].
struct Window<'a, R: Runtime> {
    app: &'a AppHandle<R>,
    state: &'a AppState,
}

impl<R: Runtime> Watch for Window<'_, R> {
    fn interval_secs(&self) -> u64 {
        self.state.settings().interval_secs()
    }

    async fn sweep(&self, ids: &[String]) {
        sweep(self.app, ids).await;
    }

    async fn sleep(&self, sleep: Duration) -> bool {
        tokio::select! {
            () = tokio::time::sleep(sleep) => {}
            () = self.state.wake.notified() => {}
        }
        true
    }
}

/// How often the window looks whether another process (`keystep link`, `relink`, `forget`,
/// `rename`, `run`) changed the book or the use log.
pub const FOLLOW_EVERY: Duration = Duration::from_secs(1);

/// Follows the book at `book` and the use log at `use_log` until the app exits: when
/// another process changed either, the window redraws what shows accounts and their use
/// (the accounts-changed event) and the tray is redrawn.
///
/// It looks every `every` (two `stat` calls) rather than asking the system to tell it
/// (inotify): the book is replaced by a rename, so a watch on the file itself ends with the
/// first save, and a watch on the folder would need a thread and a crate for what two
/// `stat` calls a second do; a look also works on network home folders, where inotify says
/// nothing. A changed book is then read ([`Accounts::outside_changes`]) to tell another
/// process's change from the window's own saves, which it does not redraw for: a redraw
/// under a person's pointer would lose their click.
///
/// [`Accounts::outside_changes`]: keystep_core::account::Accounts::outside_changes
pub async fn follow_files<R: Runtime>(
    app: AppHandle<R>,
    book: PathBuf,
    use_log: PathBuf,
    every: Duration,
) {
    let (mut book_stamps, mut log_stamps) = (Stamps::of(vec![book]), Stamps::of(vec![use_log]));
    let mut adopted = match app.try_state::<AppState>() {
        Some(state) => state.accounts.outside_changes().await,
        None => return,
    };
    loop {
        tokio::time::sleep(every).await;
        let Some(state) = app.try_state::<AppState>() else {
            return;
        };
        let mut changed = log_stamps.changed();
        if book_stamps.changed() {
            let now = state.accounts.outside_changes().await;
            changed |= now != adopted;
            adopted = now;
        }
        if changed {
            log::info!("another Keystep process changed the account list or the use log");
            let _ = app.emit(events::ACCOUNTS_CHANGED, ());
            state.accounts_changed().await;
        }
    }
}

/// Checks every account now ("Check all now", from the tray or the window).
pub async fn check_all<R: Runtime>(app: &AppHandle<R>) {
    let Some(state) = app.try_state::<AppState>() else {
        return;
    };
    let ids: Vec<String> = state
        .accounts
        .list()
        .await
        .into_iter()
        .map(|a| a.id)
        .collect();
    sweep(app, &ids).await;
}

/// Checks `ids`, telling the window and the tray it is under way, and notifies of every
/// change that deserves it. One sweep at a time: a second one waits for the first.
async fn sweep<R: Runtime>(app: &AppHandle<R>, ids: &[String]) {
    let Some(state) = app.try_state::<AppState>() else {
        return;
    };
    while state.checking.swap(true, Ordering::SeqCst) {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let checking = Checking(&state.checking);
    let _ = app.emit(events::CHECKS_RUNNING, serde_json::json!({"running": true}));
    state.accounts_changed().await;
    let troubled = state.accounts.local_trouble().await;
    let swept = state.accounts.sweep(ids, SWEEP_CONCURRENCY).await;
    drop(checking);
    let lang = state.lang();
    // Trouble inside Keystep (a locked keychain, a full disk) changes no account's status,
    // so it raises no status notification; it raises one when it starts, not per retry.
    let started = state.accounts.local_trouble().await;
    if let Some(notice) = started
        .difference(&troubled)
        .find_map(|code| paused_notice(*code, lang))
    {
        log::info!("checks paused: {}", notice.title);
        state.notify(&notice);
    }
    for s in &swept {
        let name = state.provider_name(&s.after.provider);
        if let Some(notice) = notice_for(&s.before, &s.after, &name, lang) {
            log::info!("status of {} changed: {}", s.after.id, notice.title);
            state.notify(&notice);
        }
    }
    log::info!("checked {} account(s)", swept.len());
    let _ = app.emit(
        events::CHECKS_RUNNING,
        serde_json::json!({"running": false}),
    );
    let _ = app.emit(events::ACCOUNTS_CHANGED, ());
    state.accounts_changed().await;
}

/// Marks a sweep as running until dropped, so "checking" ends however the sweep does (a
/// panic, or its task cancelled), not only when it returns.
struct Checking<'a>(&'a AtomicBool);

impl Drop for Checking<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::SeqCst);
    }
}
