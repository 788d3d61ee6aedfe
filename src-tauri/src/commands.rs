//! The IPC commands: each converts its arguments, calls core and maps the result. Most call
//! one `Accounts` method; `list_providers`, `preview_fields` and `open_guide_link` read the
//! catalogue, `check_all_accounts` runs a sweep (`watch`), and `save_settings` applies start
//! at login and rolls it back if the settings cannot be saved. After a change each calls the
//! state's accounts-changed hook (the tray is redrawn). No business logic lives here. No command returns a secret: secrets travel only
//! inward, in the `fields` of `link_account` and `relink_account`, and every return type is
//! one of `ipc::SECRET_FREE_RETURNS` (a test holds this file to that list).

use std::collections::BTreeMap;
use std::sync::Arc;

use tauri::{AppHandle, Emitter, Runtime, State, Window};

use keystep_core::account::LinkError;
use keystep_core::input::FieldsPreview;
use keystep_core::lang::Lang;
use keystep_core::provider::Check;
use keystep_core::use_log::LastUse;
use keystep_core::{Code, Secret};

use crate::ipc::{
    AccountView, AssistantView, CheckView, DesktopView, HostOverrideView, IpcError, KeychainView,
    ProgressView, ProviderView, ReconcileView, SettingsView, UseView,
};
use crate::state::AppState;
use crate::{events, watch};

/// Moves form values into `Secret`s at once, so they are wiped when dropped.
fn secrets(fields: BTreeMap<String, String>) -> BTreeMap<String, Secret> {
    fields
        .into_iter()
        .map(|(k, v)| (k, Secret::new(v)))
        .collect()
}

/// Forwards verification progress to the window as `link-progress` events
/// (`{check, doing}`: the window shows the check's line in its own language).
fn progress_to<R: Runtime>(window: Window<R>) -> impl Fn(&Check) + Send + Sync {
    move |check: &Check| {
        let _ = window.emit(events::LINK_PROGRESS, ProgressView::from(check));
    }
}

/// Every provider, for the picker and the guides, in `lang` ("en" or "fr"; anything else,
/// or nothing, is English).
#[tauri::command]
pub async fn list_providers(
    state: State<'_, AppState>,
    lang: Option<String>,
) -> Result<Vec<ProviderView>, IpcError> {
    let lang = lang.as_deref().map_or(Lang::En, Lang::from_tag_or_en);
    Ok(state.provider_views(lang, |_| true))
}

/// What linking would change in and refuse about these values, for validation while the
/// person types. Sends nothing, stores nothing; returns field keys and codes, never a value.
#[tauri::command]
pub async fn preview_fields(
    state: State<'_, AppState>,
    provider: String,
    fields: BTreeMap<String, String>,
) -> Result<FieldsPreview, IpcError> {
    let fields = secrets(fields);
    let provider = state
        .accounts
        .catalogue()
        .get(&provider)
        .ok_or_else(|| IpcError::new(Code::NotFound, "Keystep does not know that provider."))?;
    Ok(keystep_core::input::preview_fields(provider, fields))
}

/// Verifies the fields with the provider and, if they work, links the account, called
/// `name` when given (checked before anything is sent). A key that works but lacks
/// permissions is refused (`missing_permission`) and held a short while
/// (`state::PENDING_FOR`): the error's `pending` id links it as limited through
/// [`link_pending`], so "Link anyway" never sends the key again.
#[tauri::command]
pub async fn link_account<R: Runtime>(
    window: Window<R>,
    state: State<'_, AppState>,
    provider: String,
    fields: BTreeMap<String, String>,
    purpose: Option<String>,
    name: Option<String>,
) -> Result<AccountView, IpcError> {
    // The wizard preselects `read`; a caller that says nothing gets the same.
    let purpose = purpose.unwrap_or_else(|| keystep_core::provider::DEFAULT_PURPOSE.into());
    // A name the person typed (asked for where the provider cannot name the company); a
    // blank one leaves the provider's.
    let name = name.filter(|n| !n.trim().is_empty());
    let candidate = state
        .accounts
        .verify_new(
            &provider,
            secrets(fields),
            &purpose,
            name.as_deref(),
            &progress_to(window),
        )
        .await?;
    if candidate.lacks_permissions() {
        let mut refusal = IpcError::from(candidate.refusal());
        refusal.pending = Some(state.hold_pending(candidate).into_boxed_str());
        return Err(refusal);
    }
    link_verified(&state, candidate).await
}

/// Links the key a `missing_permission` refusal held ("Link anyway"), as a limited account:
/// the window sends the refusal's `pending` id, not the key. Once, within
/// `state::PENDING_FOR` seconds.
#[tauri::command]
pub async fn link_pending(state: State<'_, AppState>, id: String) -> Result<AccountView, IpcError> {
    let candidate = state.take_pending(&id).ok_or_else(|| {
        IpcError::new(
            Code::NotFound,
            "Keystep no longer holds that key: it keeps one for ten minutes, to link once. Paste it again.",
        )
    })?;
    link_verified(&state, candidate).await
}

/// Stores a verified key as a new account and returns its view with the link's notes.
async fn link_verified(
    state: &State<'_, AppState>,
    candidate: keystep_core::account::Candidate,
) -> Result<AccountView, IpcError> {
    let linked = state.accounts.link_verified(candidate).await?;
    state.accounts_changed().await;
    Ok(state
        .view(&linked.account)
        .with_link(linked.notes, linked.stored_in))
}

/// Replaces an account's key (relink or rotate): verified first, swapped only if it works
/// and reaches the same company.
#[tauri::command]
pub async fn relink_account<R: Runtime>(
    window: Window<R>,
    state: State<'_, AppState>,
    id: String,
    fields: BTreeMap<String, String>,
) -> Result<AccountView, IpcError> {
    let linked = state
        .accounts
        .relink(&id, secrets(fields), &progress_to(window))
        .await?;
    state.accounts_changed().await;
    Ok(state
        .view(&linked.account)
        .with_link(linked.notes, linked.stored_in)
        .with_copy_outcomes(linked.copies))
}

/// Shares an account's key with the team's secret store ("Share with your team's store"):
/// `target` is `vault://HOST[:PORT]/MOUNT/PATH` or `aws-sm://REGION/NAME`; `token` a Vault
/// token to use (kept in the keychain for that server once the store accepted it), else
/// `VAULT_TOKEN` or the one kept; `replace` overwrites what the store holds now.
#[tauri::command]
pub async fn push_account(
    state: State<'_, AppState>,
    id: String,
    target: String,
    token: Option<String>,
    replace: Option<bool>,
) -> Result<AccountView, IpcError> {
    use keystep_core::store::{StoreKeys, Stores, Target, VaultSettings, STORE_SERVICE};
    let token = token
        .map(|t| Secret::new(t.trim().to_string()))
        .filter(|t| !t.is_empty());
    let target = Target::parse(&target).map_err(|e| {
        let mut out = IpcError::new(Code::InvalidInput, e.to_string());
        out.field = Some("target".into());
        out
    })?;
    let keys = StoreKeys::new(Arc::new(keystep_core::vault::KeychainVault::new(
        STORE_SERVICE,
    )));
    let replace = replace.unwrap_or(false);
    let server = target.server();
    let copy = match (&token, &server) {
        (Some(token), Some(_)) => {
            let mut settings =
                VaultSettings::from_lookup(|name| std::env::var(name).ok(), Some(keys.clone()));
            settings.token = Some(token.clone());
            let stores = Stores::new(settings);
            state
                .accounts
                .push_via(&stores, &id, &target, replace)
                .await?
        }
        _ => state.accounts.push(&id, &target, replace).await?,
    };
    if let (Some(token), Some(server)) = (token, server) {
        // Kept only now that the store accepted it.
        if let Err(e) = keys.keep(&server, token).await {
            log::warn!(
                "pushed to {}, but the token could not be kept: {e}",
                copy.target
            );
        }
    }
    state.accounts_changed().await;
    let account = state
        .accounts
        .get(&id)
        .await
        .ok_or_else(|| IpcError::from(LinkError::UnknownAccount(id.clone())))?;
    Ok(state.view(&account))
}

/// Verifies a linked account's stored key again, now.
#[tauri::command]
pub async fn check_account<R: Runtime>(
    window: Window<R>,
    state: State<'_, AppState>,
    id: String,
) -> Result<AccountView, IpcError> {
    let account = state.accounts.check(&id, &progress_to(window)).await?;
    state.accounts_changed().await;
    Ok(state.view(&account))
}

/// Gives an account a new label.
#[tauri::command]
pub async fn rename_account(
    state: State<'_, AppState>,
    id: String,
    label: String,
) -> Result<AccountView, IpcError> {
    let account = state.accounts.rename(&id, &label).await?;
    state.accounts_changed().await;
    Ok(state.view(&account))
}

/// Holds an account's key to another purpose and checks it again at once.
#[tauri::command]
pub async fn set_account_purpose<R: Runtime>(
    window: Window<R>,
    state: State<'_, AppState>,
    id: String,
    purpose: String,
) -> Result<AccountView, IpcError> {
    let account = state
        .accounts
        .set_purpose(&id, &purpose, &progress_to(window))
        .await?;
    state.accounts_changed().await;
    Ok(state.view(&account))
}

/// Every linked account.
#[tauri::command]
pub async fn list_accounts(state: State<'_, AppState>) -> Result<Vec<AccountView>, IpcError> {
    Ok(state.views(&state.accounts.list().await))
}

/// Compares the book with the keychain: accounts that lost their key, and leftover items.
#[tauri::command]
pub async fn reconcile_accounts(state: State<'_, AppState>) -> Result<ReconcileView, IpcError> {
    let found = state.accounts.reconcile().await;
    state.accounts_changed().await;
    Ok(ReconcileView::of(
        found,
        state.notice.clone(),
        state.accounts.safe_mode().cloned(),
    ))
}

/// Removes a leftover Keystep keychain item that belongs to no account.
#[tauri::command]
pub async fn remove_orphan(state: State<'_, AppState>, id: String) -> Result<(), IpcError> {
    Ok(state.accounts.remove_orphan(&id).await?)
}

/// Makes a leftover Keystep keychain item an account again, from its label: for when the
/// account list was lost and the keys kept. The account then needs a check (or a relink,
/// when its provider's non-secret fields were only in the list).
#[tauri::command]
pub async fn restore_orphan(
    state: State<'_, AppState>,
    id: String,
) -> Result<AccountView, IpcError> {
    let account = state.accounts.restore_orphan(&id).await?;
    state.accounts_changed().await;
    Ok(state.view(&account))
}

/// Removes an account's key from the keychain and the account from the book.
#[tauri::command]
pub async fn forget_account(
    state: State<'_, AppState>,
    id: String,
    delete_copies: Option<Vec<String>>,
) -> Result<(), IpcError> {
    // The copies the person chose to delete go first; if one cannot be deleted, the account
    // stays (its record lists that copy) and the error says which store refused.
    let targets = delete_copies
        .unwrap_or_default()
        .iter()
        .map(|t| keystep_core::store::Target::parse(t))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| IpcError::new(Code::InvalidInput, e.to_string()))?;
    if !targets.is_empty() {
        let outcomes = state.accounts.delete_copies(&id, &targets).await?;
        state.accounts_changed().await;
        if let Some(failed) = outcomes.into_iter().find(|o| !o.ok) {
            return Err(IpcError::new(
                failed.code.unwrap_or(Code::Internal),
                failed.message,
            ));
        }
    }
    state.accounts.forget(&id).await?;
    state.accounts_changed().await;
    Ok(())
}

/// Opens a guide step's page in the default browser. The page names the provider and the
/// step; the URL comes from the provider file, never from the page.
#[tauri::command]
pub async fn open_guide_link(
    state: State<'_, AppState>,
    provider: String,
    step: String,
) -> Result<(), IpcError> {
    let url = state
        .accounts
        .catalogue()
        .get(&provider)
        .and_then(|p| p.steps.iter().find(|s| s.id == step))
        .and_then(|s| s.link.clone())
        .ok_or_else(|| IpcError::new(Code::NotFound, "That guide step has no page to open."))?;
    // The desktop's own opener (xdg-open and its kin): the page opens in the person's
    // browser, not in Keystep's window. Its failure is reported with the address to copy.
    let target = url.clone();
    let opened =
        tauri::async_runtime::spawn_blocking(move || crate::desktop::open_in_browser(&target))
            .await
            .unwrap_or_else(|e| Err(e.to_string()));
    opened.map_err(|e| {
        log::warn!("browser not opened: {e}");
        let mut err = IpcError::new(
            Code::Internal,
            "Keystep could not open your web browser. Copy the page's address into your browser.",
        );
        err.url = Some(url.into_boxed_str());
        err
    })
}

/// An account's latest checks, newest first.
#[tauri::command]
pub async fn list_checks(
    state: State<'_, AppState>,
    id: String,
) -> Result<Vec<CheckView>, IpcError> {
    let account = state.accounts.get(&id).await.ok_or_else(|| {
        IpcError::new(
            Code::NotFound,
            "That account is no longer linked. Refresh the list.",
        )
    })?;
    Ok(account.history.iter().rev().map(CheckView::from).collect())
}

/// Checks every account now, within each provider's pace; resolves when all are done.
#[tauri::command]
pub async fn check_all_accounts<R: Runtime>(app: AppHandle<R>) -> Result<(), IpcError> {
    watch::check_all(&app).await;
    Ok(())
}

/// Whether the keychain could store a key now: the picker, the guide and the form say so
/// before the person creates a key that the provider shows only once.
#[tauri::command]
pub async fn get_keychain_state(state: State<'_, AppState>) -> Result<KeychainView, IpcError> {
    Ok(KeychainView {
        state: state.accounts.keychain_readiness().await,
    })
}

/// The `KEYSTEP_*_URL` host overrides in effect, for the window's banner (empty in normal
/// use). They work in every build, so the window must always say when one is set.
#[tauri::command]
pub async fn list_host_overrides(
    state: State<'_, AppState>,
) -> Result<Vec<HostOverrideView>, IpcError> {
    Ok(state.host_override_views())
}

/// How many runs an account's "Recent use" shows.
const RECENT_RUNS: usize = 10;

/// An account's recent use by `keystep run` (from the use log) and the lines to copy to use
/// it from a script. Reads only.
#[tauri::command]
pub async fn list_recent_use(state: State<'_, AppState>, id: String) -> Result<UseView, IpcError> {
    let account = state
        .accounts
        .get(&id)
        .await
        .ok_or_else(|| IpcError::new(Code::NotFound, "This account is no longer linked."))?;
    let runs = match state.use_log.clone() {
        Some(log) => {
            let records = tauri::async_runtime::spawn_blocking(move || log.read())
                .await
                .unwrap_or_default();
            keystep_core::use_log::recent_use(&records, &id, RECENT_RUNS)
        }
        None => Vec::new(),
    };
    let example = state
        .accounts
        .catalogue()
        .get(&account.provider)
        .map(|p| keystep_core::use_log::example(&account.handle, p, account.tenant.as_deref()));
    Ok(UseView { runs, example })
}

/// Each account's latest use by `keystep run` (from the use log), for the cards' "used 3 h
/// ago by sync.py". Asked after the cards are drawn, so start-up never waits for the log.
#[tauri::command]
pub async fn list_last_uses(state: State<'_, AppState>) -> Result<Vec<LastUse>, IpcError> {
    let Some(log) = state.use_log.clone() else {
        return Ok(Vec::new());
    };
    let records = tauri::async_runtime::spawn_blocking(move || log.read())
        .await
        .unwrap_or_default();
    Ok(keystep_core::use_log::last_uses(&records))
}

/// The account view's "Use with an AI assistant": each assistant's snippet to start
/// `keystep mcp` for this account, its fields' `keystep://` references, and which sensitive
/// categories it shares with assistants. Reads only.
#[tauri::command]
pub async fn get_assistant_setup(
    state: State<'_, AppState>,
    id: String,
) -> Result<AssistantView, IpcError> {
    let account = state
        .accounts
        .get(&id)
        .await
        .ok_or_else(|| IpcError::new(Code::NotFound, "This account is no longer linked."))?;
    assistant_view(&state, &account)
}

/// Shares (or withholds again) one sensitive category of an account's data with AI
/// assistants, and records the choice in the use log.
#[tauri::command]
pub async fn share_account_fields(
    state: State<'_, AppState>,
    id: String,
    category: String,
    shared: bool,
) -> Result<AssistantView, IpcError> {
    let category = keystep_core::provider::FieldCategory::parse(&category)
        .ok_or_else(|| IpcError::new(Code::InvalidInput, "Keystep knows no such category."))?;
    let account = state.accounts.share_fields(&id, category, shared).await?;
    if let Some(log) = state.use_log.clone() {
        let record = keystep_core::use_log::UseRecord::FieldsShared {
            at: state.accounts.now(),
            account: id.clone(),
            category,
            shared,
            by: "window".into(),
        };
        let written = tauri::async_runtime::spawn_blocking(move || log.append(&record)).await;
        if !matches!(written, Ok(Ok(()))) {
            log::warn!("the choice of what {id} shares could not be recorded in the use log");
        }
    }
    state.accounts_changed().await;
    assistant_view(&state, &account)
}

fn assistant_view(
    state: &AppState,
    account: &keystep_core::account::Account,
) -> Result<AssistantView, IpcError> {
    let provider = state
        .accounts
        .catalogue()
        .get(&account.provider)
        .ok_or_else(|| IpcError::new(Code::NotFound, "Keystep does not know that provider."))?;
    let keystep = std::env::current_exe()
        .ok()
        .and_then(|exe| keystep_core::assistant::keystep_beside(&exe));
    Ok(AssistantView::of(account, provider, keystep))
}

/// The settings page's values.
#[tauri::command]
pub async fn get_settings(state: State<'_, AppState>) -> Result<SettingsView, IpcError> {
    Ok(SettingsView::of(&state.settings()))
}

/// Validates and saves the settings, then applies them (start at login, the schedule).
/// Nothing is saved when a value is out of range or start at login cannot be changed.
#[tauri::command]
pub async fn save_settings<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    settings: SettingsView,
) -> Result<SettingsView, IpcError> {
    let before = state.settings();
    let next = settings.applied_to(&before);
    next.validate()?;
    if next.start_at_login != before.start_at_login {
        crate::set_start_at_login(&app, next.start_at_login)?;
    }
    if let Err(e) = state.store_settings(next.clone()) {
        log::error!("settings not saved: {e}");
        let _ = crate::set_start_at_login(&app, before.start_at_login);
        return Err(IpcError::new(
            Code::StorageFailed,
            "Keystep could not save your settings. Nothing was changed; check free disk space and try again.",
        ));
    }
    state.wake.notify_one();
    state.accounts_changed().await;
    Ok(SettingsView::of(&next))
}

/// Closes the window as the saved settings say (`when_closed`), once the window has asked
/// and saved the answer: hides it, or quits Keystep.
#[tauri::command]
pub async fn close_window<R: Runtime>(app: AppHandle<R>) -> Result<(), IpcError> {
    crate::closing::close_as_chosen(&app);
    Ok(())
}

/// What the window needs to know of the desktop: whether a tray icon shows Keystep. Without
/// one, the window offers Quit itself: nothing else on screen could stop a Keystep that
/// keeps checking in the background.
#[tauri::command]
pub async fn get_desktop(state: State<'_, AppState>) -> Result<DesktopView, IpcError> {
    Ok(state.desktop_view())
}

/// Quits Keystep: its window and its background checks (the window's Quit, where no tray
/// icon offers one).
#[tauri::command]
pub async fn quit_app<R: Runtime>(app: AppHandle<R>) -> Result<(), IpcError> {
    log::info!("quitting, as asked in the window");
    app.exit(0);
    Ok(())
}
