//! Safe mode: what Keystep does when its account book cannot be read.
//!
//! A book written by a newer Keystep, one that cannot be read (permissions, an I/O error),
//! or a damaged one that could not be moved aside must never lead to a lost key. Keystep
//! then opens read-only: it shows the accounts it can rebuild from the keychain's item
//! labels (marked as such, nothing read from the items), refuses every change (link,
//! relink, rename, forget, check, removing a keychain item) with [`LinkError::ReadOnly`],
//! offers no keychain item for removal (with no readable book, every item would look like a
//! leftover), and never writes the book.

use std::sync::Arc;

use serde::Serialize;

use crate::clock::Clock;
use crate::provider::Catalogue;
use crate::vault::Vault;
use crate::verify::Verifier;

use super::{recover_book, AccountBook, Accounts, BookError, LinkError, MemoryBookStore};

/// Why Keystep is in safe mode: the person is told in their language, from this code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SafeReason {
    /// A newer Keystep wrote the book: update Keystep.
    TooNew,
    /// The book exists but could not be read.
    Unreadable,
    /// The book is damaged and could not be moved aside to start a new one.
    Damaged,
}

/// Keystep is running read-only, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SafeMode {
    /// Why, as a code.
    pub reason: SafeReason,
    /// The system's own words for what failed (an I/O error, the schema version found),
    /// for a "Details" disclosure; English, never a secret.
    pub detail: String,
    /// Whether the accounts shown were rebuilt from the keychain's item labels (false when
    /// the keychain could not be listed either).
    pub rebuilt: bool,
}

impl SafeMode {
    /// Safe mode for a book that failed to open with `error` (and, for a damaged book, could
    /// not be moved aside: `set_aside`).
    pub fn after(error: &BookError, set_aside: Option<&BookError>) -> SafeMode {
        let (reason, detail) = match (error, set_aside) {
            (BookError::TooNew { found }, _) => (SafeReason::TooNew, format!("schema {found}")),
            (BookError::Damaged(why), Some(aside)) => (
                SafeReason::Damaged,
                format!("{why}; not moved aside: {aside}"),
            ),
            (BookError::Damaged(why), None) => (SafeReason::Damaged, why.clone()),
            (BookError::Io(why), _) => (SafeReason::Unreadable, why.clone()),
        };
        SafeMode {
            reason,
            detail,
            rebuilt: false,
        }
    }
}

impl Accounts {
    /// Accounts in safe mode: the book is not read or written; what the keychain's labels
    /// tell is shown, and every change is refused.
    pub fn read_only(
        catalogue: Arc<Catalogue>,
        verifier: Verifier,
        vault: Arc<dyn Vault>,
        clock: Arc<dyn Clock>,
        mut why: SafeMode,
    ) -> Accounts {
        let book = match recover_book(&*vault, &catalogue, &*clock) {
            Ok(recovery) => {
                why.rebuilt = true;
                recovery.book
            }
            Err(e) => {
                log::warn!("safe mode: the keychain could not be listed either: {e}");
                AccountBook::default()
            }
        };
        // The store is never written (every writer is refused first); an in-memory one
        // keeps even a bug from reaching the file.
        let store = Arc::new(MemoryBookStore::default());
        let mut accounts = Accounts::with_book(catalogue, verifier, vault, store, clock, book);
        log::warn!(
            "safe mode ({:?}): {} account(s) shown from the keychain, nothing will be changed",
            why.reason,
            accounts.ledger.get_mut().book.accounts.len()
        );
        accounts.safe_mode = Some(why);
        accounts
    }

    /// Why Keystep is read-only, if it is.
    pub fn safe_mode(&self) -> Option<&SafeMode> {
        self.safe_mode.as_ref()
    }

    /// Refuses a change in safe mode.
    pub(super) fn writable(&self) -> Result<(), LinkError> {
        match &self.safe_mode {
            Some(why) => Err(LinkError::ReadOnly(why.reason)),
            None => Ok(()),
        }
    }
}
