//! What the commands share: the accounts (catalogue, verifier, vault, book), the person's
//! settings, what start-up found that the person should know, the schedule's signals, and
//! the one hook that runs after anything changes how the accounts read outside the window.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use keystep_core::account::{Account, Accounts, Candidate, StartNotice};
use keystep_core::lang::Lang;
use keystep_core::notice::{MemoryNotifier, Notice, Notifier};
use keystep_core::provider::Lifetime;
use keystep_core::schedule::{key_age, next_check_at};
use keystep_core::settings::{Language, Settings, SettingsStore};

use crate::ipc::{AccountView, DesktopView, HostOverrideView, ProviderView};

/// What runs after the accounts changed, or how they read (settings): the app redraws the
/// tray. Commands and the schedule call it through [`AppState::accounts_changed`] and wait
/// for it, so neither needs to know the tray (and the tray, which starts sweeps, is not
/// called back by them).
pub type AccountsHook = Arc<dyn Fn() -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync>;

/// How long a verified key that lacked permissions is held for "Link anyway", in seconds.
pub const PENDING_FOR: u64 = 10 * 60;

/// A verified key that lacked permissions, held for "Link anyway" (`commands::link_pending`).
struct PendingLink {
    id: String,
    until: u64,
    candidate: Candidate,
}

/// Managed state of the app.
pub struct AppState {
    /// The linked accounts and the operations on them.
    pub accounts: Accounts,
    /// What start-up did to a damaged account list, to show once (the window words it).
    pub notice: Option<StartNotice>,
    /// Whether a sweep of accounts is running (the tray shows it; a second one waits).
    pub checking: AtomicBool,
    /// The person's settings, as last saved.
    pub settings: RwLock<Settings>,
    /// Where they are saved.
    pub settings_store: Arc<dyn SettingsStore>,
    /// Wakes the background schedule early (settings changed, an account was linked).
    pub wake: tokio::sync::Notify,
    /// Whether the window's page has loaded: the start-up check of every account and the
    /// tray icon wait for it, so they do not compete with the window coming up.
    pub page_loaded: tokio::sync::watch::Sender<bool>,
    /// Whether a tray host shows Keystep's icon: closing the window then keeps Keystep
    /// running; without one, closing does what the person answered (`closing`).
    pub tray_shown: AtomicBool,
    /// The desktop's interface font family, read on the main thread as the window is made.
    pub desktop_font: std::sync::OnceLock<String>,
    /// Where notifications go: the desktop's notification service in the app.
    pub notifier: Arc<dyn Notifier>,
    /// The record of every use of a key by `keystep run` (none in tests that give none).
    pub use_log: Option<Arc<keystep_core::use_log::UseLog>>,
    /// Runs after every change (see [`AccountsHook`]); by default nothing.
    on_accounts_changed: AccountsHook,
    /// The one key held for "Link anyway": the window sends its id, never the key again.
    pending: Mutex<Option<PendingLink>>,
    /// Numbers the held keys, so an old id never takes a newer key.
    pending_count: AtomicU64,
}

impl AppState {
    /// The state over `accounts`, with the settings `settings_store` holds.
    pub fn new(
        accounts: Accounts,
        notice: Option<StartNotice>,
        settings_store: Arc<dyn SettingsStore>,
    ) -> Self {
        AppState {
            accounts,
            notice,
            checking: AtomicBool::new(false),
            settings: RwLock::new(settings_store.load()),
            settings_store,
            wake: tokio::sync::Notify::new(),
            page_loaded: tokio::sync::watch::Sender::new(false),
            tray_shown: AtomicBool::new(false),
            desktop_font: std::sync::OnceLock::new(),
            notifier: Arc::new(MemoryNotifier::default()),
            use_log: None,
            on_accounts_changed: Arc::new(|| Box::pin(async {})),
            pending: Mutex::new(None),
            pending_count: AtomicU64::new(0),
        }
    }

    /// Holds `candidate` for [`PENDING_FOR`] seconds, in place of any held before (whose
    /// secrets are wiped), and returns the id that takes it back, once.
    pub fn hold_pending(&self, candidate: Candidate) -> String {
        let id = format!(
            "pending-{}",
            self.pending_count.fetch_add(1, Ordering::SeqCst) + 1
        );
        let until = self.accounts.now().saturating_add(PENDING_FOR);
        *self.pending.lock().unwrap_or_else(|e| e.into_inner()) = Some(PendingLink {
            id: id.clone(),
            until,
            candidate,
        });
        id
    }

    /// The key held under `id`, if it is still held: taken, so it links once. Asking for
    /// another id, or too late, leaves nothing held.
    pub fn take_pending(&self, id: &str) -> Option<Candidate> {
        let held = self
            .pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()?;
        (held.id == id && self.accounts.now() < held.until).then_some(held.candidate)
    }

    /// The same state, running `hook` after every change of the accounts or how they read.
    #[must_use]
    pub fn on_accounts_changed(mut self, hook: AccountsHook) -> Self {
        self.on_accounts_changed = hook;
        self
    }

    /// The accounts changed, or how they read: runs the hook (the tray is redrawn) and
    /// waits for it.
    pub async fn accounts_changed(&self) {
        (self.on_accounts_changed)().await;
    }

    /// The same state, with notifications going to `notifier` (by default they are only
    /// kept in memory).
    #[must_use]
    pub fn with_notifier(mut self, notifier: Arc<dyn Notifier>) -> Self {
        self.notifier = notifier;
        self
    }

    /// The same state, reading recent use from `log`.
    #[must_use]
    pub fn with_use_log(mut self, log: Arc<keystep_core::use_log::UseLog>) -> Self {
        self.use_log = Some(log);
        self
    }

    /// Shows `notice`, unless the person turned notifications off. A desktop without a
    /// notification service only gets a line in the log.
    pub fn notify(&self, notice: &Notice) {
        if !self.settings().notifications {
            return;
        }
        match self.notifier.notify(notice) {
            Ok(()) => log::info!("notification shown: {}", notice.title),
            Err(e) => log::warn!("notification not shown ({e}): {}", notice.title),
        }
    }

    /// The current settings.
    pub fn settings(&self) -> Settings {
        self.settings
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The language of the tray and notifications: the person's choice, or the system's.
    pub fn lang(&self) -> Lang {
        match self.settings().language {
            Language::En => Lang::En,
            Language::Fr => Lang::Fr,
            Language::System => Lang::from_system(|k| std::env::var(k).ok()),
        }
    }

    /// The providers whose id `keep` accepts, as `list_providers` answers, in `lang`.
    pub fn provider_views(&self, lang: Lang, keep: impl Fn(&str) -> bool) -> Vec<ProviderView> {
        self.accounts
            .catalogue()
            .all()
            .iter()
            .filter(|p| keep(&p.id))
            .map(|p| ProviderView::from(&p.localized(lang)))
            .collect()
    }

    /// The display name of a provider id (the id itself if unknown).
    pub fn provider_name(&self, id: &str) -> String {
        self.accounts
            .catalogue()
            .get(id)
            .map(|p| p.name.clone())
            .unwrap_or_else(|| id.to_string())
    }

    /// Each account's last use by a script, from the use log: read only when one of
    /// `accounts` has a key that dies unused (the one rule that needs it), so nothing else
    /// waits for the log.
    pub fn script_uses(&self, accounts: &[Account]) -> BTreeMap<String, u64> {
        let catalogue = self.accounts.catalogue();
        let needed = accounts.iter().any(|a| {
            catalogue
                .get(&a.provider)
                .is_some_and(|p| matches!(p.lifetime, Lifetime::DiesUnused { .. }))
        });
        match (&self.use_log, needed) {
            (Some(log), true) => keystep_core::use_log::last_uses(&log.read())
                .into_iter()
                .map(|u| (u.account, u.at))
                .collect(),
            _ => BTreeMap::new(),
        }
    }

    /// The view of `account` now: its key's age and lifetime, and when the schedule checks
    /// it next.
    pub fn view(&self, account: &Account) -> AccountView {
        let uses = self.script_uses(std::slice::from_ref(account));
        self.view_with(account, &self.settings(), &uses)
    }

    /// The views of `accounts` now, in their order: the settings and the use log are read
    /// once for all of them (a hundred accounts read the log once, not once each).
    pub fn views(&self, accounts: &[Account]) -> Vec<AccountView> {
        let settings = self.settings();
        let uses = self.script_uses(accounts);
        accounts
            .iter()
            .map(|a| self.view_with(a, &settings, &uses))
            .collect()
    }

    fn view_with(
        &self,
        account: &Account,
        settings: &Settings,
        script_uses: &BTreeMap<String, u64>,
    ) -> AccountView {
        let interval = settings.interval_secs();
        let no_rule = Lifetime::NoExpiry { full_access: false };
        let provider = self.accounts.catalogue().get(&account.provider);
        let lifetime = provider.map_or(&no_rule, |p| &p.lifetime);
        let script_use = script_uses.get(&account.id).copied();
        let age = key_age(
            account,
            lifetime,
            script_use,
            settings.rotation_reminder_days,
            self.accounts.now(),
        );
        // In safe mode nothing is checked, so no next check is promised.
        let next = match self.accounts.safe_mode() {
            Some(_) => None,
            None => next_check_at(account, interval),
        };
        AccountView::of(account, &self.provider_name(&account.provider)).with_schedule(age, next)
    }
}

impl AppState {
    /// Returns `settle` after the window's page has loaded, or `latest` from now, whichever
    /// comes first: what can wait for the window to come up (the tray icon, the start-up
    /// check) then starts, and still starts without a window or with a page that never loads.
    pub async fn settled_after_page(&self, settle: Duration, latest: Duration) {
        let mut loaded = self.page_loaded.subscribe();
        let _ = tokio::time::timeout(latest, async move {
            // The watch's guard is dropped before the sleep, not held through it.
            if loaded.wait_for(|l| *l).await.is_ok() {
                tokio::time::sleep(settle).await;
            }
        })
        .await;
    }

    /// The `KEYSTEP_*_URL` overrides in effect, for the window's banner.
    pub fn host_override_views(&self) -> Vec<HostOverrideView> {
        let catalogue = self.accounts.catalogue();
        self.accounts
            .hosts()
            .overrides()
            .into_iter()
            .map(|o| HostOverrideView::of(o, catalogue))
            .collect()
    }

    /// What the window knows of the desktop.
    pub fn desktop_view(&self) -> DesktopView {
        DesktopView {
            tray: self.tray_shown.load(Ordering::SeqCst),
            font: self.desktop_font.get().cloned(),
        }
    }

    /// Saves `next` and makes it current.
    ///
    /// # Errors
    /// The store refused; the current settings are unchanged.
    pub fn store_settings(&self, next: Settings) -> Result<(), String> {
        self.settings_store.save(&next)?;
        *self.settings.write().unwrap_or_else(|e| e.into_inner()) = next;
        Ok(())
    }
}
