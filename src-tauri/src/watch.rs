//! Keeping watch: the background schedule that re-verifies accounts as they fall due (and
//! every account at start-up), "Check all now", and the desktop notifications a change of
//! status raises.
//!
//! Which accounts are due, how trouble backs off, how hard each provider may be asked and
//! what a notification says are decided in core (`schedule`, `Pacer`, `notice`), where
//! they are tested against the emulator; this loop only sleeps, calls them and reports.

use std::sync::atomic::Ordering;
use std::time::Duration;

use tauri::{AppHandle, Emitter, Manager, Runtime};

use keystep_core::account::Status;
use keystep_core::notice::notice_for;
use keystep_core::schedule::{due, next_wake};

use crate::state::AppState;
use crate::tray;

/// How many accounts of one provider are checked at once (providers run side by side, and
/// each provider's own pace applies within its lane).
const SWEEP_CONCURRENCY: usize = 4;

/// The longest the schedule sleeps without looking again (a changed clock, a resume from
/// suspend); the shortest, so a burst of wake-ups cannot spin.
const MAX_SLEEP: Duration = Duration::from_secs(15 * 60);
const MIN_SLEEP: Duration = Duration::from_secs(5);

/// The start-up check begins this long after the window's page has loaded. Until then the
/// accounts page shows each account's last known status; checking every account (keychain
/// reads, the first TLS set-up, the requests) would otherwise compete with WebKit for the
/// CPU while the window comes up.
pub const FIRST_SWEEP_SETTLE: Duration = Duration::from_secs(1);
/// The start-up check begins this long after start at the latest: without a window, or
/// with a page that never loads.
pub const FIRST_SWEEP_LATEST: Duration = Duration::from_secs(5);

/// Runs the schedule until the app exits: every account at start-up (once the window is
/// up), then each one as it falls due.
pub async fn keep_watch<R: Runtime>(app: AppHandle<R>) {
    let Some(state) = app.try_state::<AppState>() else {
        return;
    };
    if state.accounts.safe_mode().is_some() {
        // Read-only: a verdict could not be kept, and the accounts shown are only labels.
        log::warn!("safe mode: background checks are off until the account list can be read");
        return;
    }
    // Either way the sweep starts: a timeout here only means no page load came in time.
    let _ = tokio::time::timeout(FIRST_SWEEP_LATEST, async {
        state.page_loaded.notified().await;
        tokio::time::sleep(FIRST_SWEEP_SETTLE).await;
    })
    .await;
    let mut first = true;
    loop {
        let interval = state.settings().interval_secs();
        let accounts = state.accounts.list().await;
        let ids = if first {
            accounts
                .iter()
                .filter(|a| a.status != Status::NeedsRelink)
                .map(|a| a.id.clone())
                .collect()
        } else {
            due(&accounts, state.accounts.now(), interval)
        };
        first = false;
        if !ids.is_empty() {
            sweep(&app, &ids).await;
        }
        let now = state.accounts.now();
        let sleep = next_wake(&state.accounts.list().await, interval)
            .map_or(MAX_SLEEP, |at| Duration::from_secs(at.saturating_sub(now)))
            .clamp(MIN_SLEEP, MAX_SLEEP);
        tokio::select! {
            () = tokio::time::sleep(sleep) => {}
            () = state.wake.notified() => {}
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
    let _ = app.emit("checks-running", serde_json::json!({"running": true}));
    tray::refresh(app).await;
    let swept = state.accounts.sweep(ids, SWEEP_CONCURRENCY).await;
    state.checking.store(false, Ordering::SeqCst);
    let lang = state.lang();
    for s in &swept {
        let name = state.provider_name(&s.after.provider);
        if let Some(notice) = notice_for(&s.before, &s.after, &name, lang) {
            log::info!("status of {} changed: {}", s.after.id, notice.title);
            state.notify(&notice);
        }
    }
    log::info!("checked {} account(s)", swept.len());
    let _ = app.emit("checks-running", serde_json::json!({"running": false}));
    let _ = app.emit("accounts-changed", ());
    tray::refresh(app).await;
}
