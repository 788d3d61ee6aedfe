//! The IPC commands: each converts its arguments, calls one core operation and maps the
//! result. No business logic lives here. No command returns a secret: the only secret
//! that crosses IPC travels inward, in `link_account`'s `fields`.

use std::collections::BTreeMap;

use tauri::{Emitter, State};
use tauri_plugin_opener::OpenerExt;

use keystep_core::{Code, Secret};

use crate::ipc::{AccountView, IpcError, ProviderView};
use crate::state::AppState;

/// Every provider, for the picker and the guides.
#[tauri::command]
pub async fn list_providers(state: State<'_, AppState>) -> Result<Vec<ProviderView>, IpcError> {
    Ok(state
        .accounts
        .catalogue()
        .all()
        .iter()
        .map(ProviderView::from)
        .collect())
}

/// Verifies the fields with the provider and, if they work, links the account.
#[tauri::command]
pub async fn link_account<R: tauri::Runtime>(
    window: tauri::Window<R>,
    state: State<'_, AppState>,
    provider: String,
    fields: BTreeMap<String, String>,
) -> Result<AccountView, IpcError> {
    let raw = fields
        .into_iter()
        .map(|(k, v)| (k, Secret::new(v)))
        .collect();
    let progress = move |doing: &str| {
        let _ = window.emit("link-progress", doing);
    };
    let linked = state.accounts.link(&provider, raw, &progress).await?;
    Ok(AccountView::linked(linked, &state.provider_name(&provider)))
}

/// Every linked account.
#[tauri::command]
pub async fn list_accounts(state: State<'_, AppState>) -> Result<Vec<AccountView>, IpcError> {
    let accounts = state.accounts.list().await;
    Ok(accounts
        .iter()
        .map(|a| AccountView::of(a, &state.provider_name(&a.provider)))
        .collect())
}

/// Removes an account's key from the keychain and the account from the book.
#[tauri::command]
pub async fn forget_account(state: State<'_, AppState>, id: String) -> Result<(), IpcError> {
    Ok(state.accounts.forget(&id).await?)
}

/// Opens a guide step's page in the default browser. The page names the provider and the
/// step; the URL comes from the provider file, never from the page.
#[tauri::command]
pub async fn open_guide_link<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
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
    app.opener().open_url(url, None::<&str>).map_err(|_| {
        IpcError::new(
            Code::Internal,
            "Keystep could not open your web browser. Open the page from the guide yourself.",
        )
    })
}
