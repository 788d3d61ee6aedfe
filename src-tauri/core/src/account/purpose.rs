//! Changing what an account's key is for. The purpose is kept in the book; a change is
//! written first and then the key is checked again against the new purpose, so the
//! account's status, permissions and least-privilege advice follow at once.

use crate::input::InputError;
use crate::provider::Provider;

use super::{Account, Accounts, LinkError};

/// Refuses a purpose `provider` does not declare, naming the ones it does.
pub(super) fn declared(provider: &Provider, key_purpose: &str) -> Result<(), LinkError> {
    if provider.purpose(key_purpose).is_some() {
        return Ok(());
    }
    Err(LinkError::Input(InputError {
        field: "purpose".into(),
        message: format!(
            "{} keys may be for {}; “{key_purpose}” is not one of them.",
            provider.name,
            crate::verify::join_words(
                &provider
                    .purpose_ids()
                    .iter()
                    .map(|s| s.to_string())
                    .collect::<Vec<_>>()
            )
        ),
    }))
}

impl Accounts {
    /// Holds account `id`'s key to another purpose of its provider, then checks the key
    /// again ([`Accounts::check`]) so what is missing or extra is said for the new purpose.
    ///
    /// # Errors
    /// [`LinkError::Input`] for a purpose the provider does not declare and
    /// [`LinkError::UnknownAccount`] (nothing changed then); [`LinkError::Storage`] when the
    /// book cannot be saved; then as [`Accounts::check`] (the purpose is changed already).
    pub async fn set_purpose(
        &self,
        id: &str,
        key_purpose: &str,
        progress: &crate::verify::Progress<'_>,
    ) -> Result<Account, LinkError> {
        let (_, provider) = self.writable_account(id).await?;
        declared(provider, key_purpose)?;
        {
            let mut ledger = self.ledger.lock().await;
            let index = ledger
                .position(id)
                .ok_or_else(|| LinkError::UnknownAccount(id.to_string()))?;
            let mut next = ledger.book.clone();
            next.accounts[index].purpose = key_purpose.to_string();
            self.save(&mut next).map_err(LinkError::Storage)?;
            ledger.book = next;
        }
        log::info!("account {id} is now for {key_purpose}");
        self.check(id, progress).await
    }
}
