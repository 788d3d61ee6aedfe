//! Which sensitive categories an account shares with AI assistants (`keystep mcp`). None by
//! default: pay, bank details, national ids and the rest are withheld from every answer
//! until the admin allows a category for the account, in the window or with
//! `keystep mcp --allow`. The choice is kept on the account in the book; the front end
//! that made it records it in the use log.

use crate::provider::FieldCategory;

use super::{Account, Accounts, LinkError};

impl Accounts {
    /// Allows (or withholds again) `category` of account `id`'s data for assistants.
    ///
    /// # Errors
    /// [`LinkError::UnknownAccount`], [`LinkError::Storage`] or safe mode; nothing changed
    /// then.
    pub async fn share_fields(
        &self,
        id: &str,
        category: FieldCategory,
        allowed: bool,
    ) -> Result<Account, LinkError> {
        self.writable()?;
        let mut ledger = self.ledger.lock().await;
        self.refresh(&mut ledger);
        let index = ledger
            .position(id)
            .ok_or_else(|| LinkError::UnknownAccount(id.to_string()))?;
        let mut next = ledger.book.clone();
        let shared = &mut next.accounts[index].shared_fields;
        let changed = if allowed {
            shared.insert(category)
        } else {
            shared.remove(&category)
        };
        if changed {
            self.save(&mut next).map_err(LinkError::Storage)?;
            ledger.book = next;
            log::info!(
                "account {id} {} {} with assistants",
                if allowed {
                    "shares"
                } else {
                    "no longer shares"
                },
                category.as_str()
            );
        }
        ledger
            .position(id)
            .map(|i| ledger.book.accounts[i].clone())
            .ok_or_else(|| LinkError::UnknownAccount(id.to_string()))
    }
}
