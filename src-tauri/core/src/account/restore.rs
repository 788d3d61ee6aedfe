//! Giving a Keystep keychain item that belongs to no account its account back
//! ([`Accounts::restore_orphan`]).
//!
//! When Keystep's account list is lost (the file deleted, a home folder restored without
//! it), the keys stay in the keychain, and for a provider that shows a key once that item
//! is the only copy. Reconciling lists them as leftovers; removing one was the only thing
//! offered. Restoring one rebuilds its account from the item's label, as recovery from a
//! damaged list does ([`super::recovery`]): it needs a check ([`Status::Unknown`]) or, when
//! its provider has non-secret fields that only the lost list held, a relink
//! ([`Status::NeedsRelink`]). No secret is read.
//!
//! [`Status::Unknown`]: super::Status::Unknown
//! [`Status::NeedsRelink`]: super::Status::NeedsRelink

use crate::vault::parse_item_label;

use super::recovery::recovered;
use super::{handle, Account, Accounts, LinkError};

impl Accounts {
    /// Makes the keychain item of account id `id`, which no account owns, an account again.
    /// Restoring one that is already an account returns that account.
    ///
    /// # Errors
    /// [`LinkError::UnknownAccount`] when no Keystep item has that id;
    /// [`LinkError::UnknownProvider`] when its label names no provider this build knows;
    /// the keychain could not be listed, or the book not saved (nothing changed then).
    pub async fn restore_orphan(&self, id: &str) -> Result<Account, LinkError> {
        self.writable()?;
        // As the writer, so no link or forget changes the keychain or the book meanwhile.
        let _writer = self.writer.lock().await;
        let item = self
            .keychain
            .list()
            .await
            .map_err(LinkError::Keychain)?
            .into_iter()
            .find(|item| item.account == id)
            .ok_or_else(|| LinkError::UnknownAccount(id.to_string()))?;
        let providers = self.catalogue.all();
        let (provider, label) =
            parse_item_label(&item.label, providers.iter().map(|p| p.name.as_str()))
                .and_then(|(name, label)| Some((providers.iter().find(|p| p.name == name)?, label)))
                .ok_or_else(|| LinkError::UnknownProvider(item.label.clone()))?;
        let mut ledger = self.ledger.lock().await;
        // The book as written now: another process may have linked it meanwhile.
        self.refresh(&mut ledger);
        if let Some(at) = ledger.position(id) {
            return Ok(ledger.book.accounts[at].clone());
        }
        let mut account = recovered(provider, id.to_string(), label, self.clock.unix_now());
        let mut next = ledger.book.clone();
        let taken = next.accounts.iter().map(|a| a.handle.as_str()).collect();
        account.handle = handle::new_handle(&account, &taken);
        next.accounts.push(account.clone());
        self.save(&mut next).map_err(LinkError::Storage)?;
        if let Some(written) = next.accounts.iter().find(|a| a.id == id) {
            account = written.clone();
        }
        ledger.book = next;
        log::info!(
            "restored {} account {id} from its keychain item",
            provider.id
        );
        Ok(account)
    }
}
