//! What the commands share: the accounts (catalogue, verifier, vault, book) and what start-up
//! found that the person should know.

use std::sync::atomic::AtomicBool;

use keystep_core::account::Accounts;

/// Managed state of the app.
pub struct AppState {
    /// The linked accounts and the operations on them.
    pub accounts: Accounts,
    /// A start-up finding to show once (a damaged or too-new account list).
    pub notice: Option<String>,
    /// Whether "Check all now" is running (the tray shows it, and refuses a second run).
    pub checking: AtomicBool,
}

impl AppState {
    /// The display name of a provider id (the id itself if unknown).
    pub fn provider_name(&self, id: &str) -> String {
        self.accounts
            .catalogue()
            .get(id)
            .map(|p| p.name.clone())
            .unwrap_or_else(|| id.to_string())
    }
}
