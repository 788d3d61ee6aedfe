//! Opening the book at start-up, whatever state it is in ([`Accounts::open_or_recover`]).
//!
//! What cannot be opened is never overwritten. A book from a newer Keystep, or one that
//! cannot be read, stays as it is and Keystep opens in safe mode. A damaged book is set
//! aside (renamed, not deleted) and what the keychain's item labels tell is rebuilt into a
//! new book, whose accounts need their key checked; one that cannot be set aside means safe
//! mode again. What the person should be told travels as a code with its values
//! ([`StartNotice`]): the window words it in the person's language.

use std::sync::Arc;

use serde::Serialize;

use crate::clock::Clock;
use crate::provider::Catalogue;
use crate::vault::Vault;
use crate::verify::Verifier;

use super::{recover_book, Accounts, BookError, BookStore, FileBook, SafeMode};

/// What start-up did to a damaged book, for the window to word. Each case carries the name
/// the damaged file was kept under and, in `detail`, the system's English words for what
/// was wrong (for a "Details" disclosure; never a secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum StartNotice {
    /// The damaged book was set aside and `rebuilt` accounts (one or more) were rebuilt
    /// from the keychain: they should be checked before anyone relies on them.
    Recovered {
        /// The file name the damaged book now has.
        kept_as: String,
        /// How many accounts were rebuilt.
        rebuilt: usize,
        /// What was wrong with the book.
        detail: String,
    },
    /// The damaged book was set aside; the keychain held no account to rebuild.
    NoneRebuilt {
        /// The file name the damaged book now has.
        kept_as: String,
        /// What was wrong with the book.
        detail: String,
    },
    /// The damaged book was set aside, but nothing could be rebuilt (the keychain could not
    /// be listed, or the new book not saved).
    RebuildFailed {
        /// The file name the damaged book now has.
        kept_as: String,
        /// What was wrong with the book, and why nothing was rebuilt.
        detail: String,
    },
}

impl Accounts {
    /// Opens the book in `book`'s folder; what cannot be opened is never overwritten:
    /// - a book from a newer Keystep, or one that cannot be read, leaves the file as it is
    ///   and the accounts are in safe mode ([`Accounts::read_only`]);
    /// - a damaged book is set aside and rebuilt from the keychain's labels, and the notice
    ///   says so; if it cannot be set aside, safe mode; if the rebuilt book cannot be opened
    ///   either, safe mode with the notice.
    pub fn open_or_recover(
        catalogue: Arc<Catalogue>,
        verifier: Verifier,
        vault: Arc<dyn Vault>,
        book: Arc<FileBook>,
        clock: Arc<dyn Clock>,
    ) -> (Accounts, Option<StartNotice>) {
        let open = |store: Arc<dyn BookStore>| {
            Accounts::open(
                catalogue.clone(),
                verifier.clone(),
                vault.clone(),
                store,
                clock.clone(),
            )
        };
        let safe = |why: SafeMode| {
            Accounts::read_only(
                catalogue.clone(),
                verifier.clone(),
                vault.clone(),
                clock.clone(),
                why,
            )
        };
        let error = match open(book.clone()) {
            Ok(accounts) => return (accounts, None),
            Err(e) => e,
        };
        log::error!("account list not opened: {error}");
        let damaged = match &error {
            BookError::Damaged(reason) => reason.clone(),
            // Too new or unreadable: the file stays exactly as it is.
            _ => return (safe(SafeMode::after(&error, None)), None),
        };
        let moved = match book.set_aside(clock.unix_now()) {
            Ok(path) => path,
            Err(aside) => return (safe(SafeMode::after(&error, Some(&aside))), None),
        };
        let kept_as = moved
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let rebuilt = match recover_book(&*vault, &catalogue, &*clock) {
            Ok(recovery) => book.save(&recovery.book).map(|saved| saved.accounts.len()),
            Err(e) => Err(BookError::Io(e.to_string())),
        };
        let notice = match rebuilt {
            Ok(0) => StartNotice::NoneRebuilt {
                kept_as,
                detail: damaged,
            },
            Ok(rebuilt) => StartNotice::Recovered {
                kept_as,
                rebuilt,
                detail: damaged,
            },
            Err(e) => StartNotice::RebuildFailed {
                kept_as,
                detail: format!("{damaged}; nothing rebuilt: {e}"),
            },
        };
        log::warn!("damaged account list set aside: {notice:?}");
        match open(book) {
            Ok(accounts) => (accounts, Some(notice)),
            Err(e) => (safe(SafeMode::after(&e, None)), Some(notice)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_are_codes_with_their_values() {
        let json = serde_json::to_value(StartNotice::Recovered {
            kept_as: "accounts.json.damaged-1700000000".into(),
            rebuilt: 2,
            detail: "it is not valid JSON".into(),
        })
        .expect("serializes");
        assert_eq!(
            json,
            serde_json::json!({
                "code": "recovered",
                "kept_as": "accounts.json.damaged-1700000000",
                "rebuilt": 2,
                "detail": "it is not valid JSON"
            }),
            "the shape the window words"
        );
        let codes: Vec<serde_json::Value> = [
            StartNotice::NoneRebuilt {
                kept_as: String::new(),
                detail: String::new(),
            },
            StartNotice::RebuildFailed {
                kept_as: String::new(),
                detail: String::new(),
            },
        ]
        .iter()
        .map(|n| serde_json::to_value(n).expect("serializes")["code"].clone())
        .collect();
        assert_eq!(
            codes,
            ["none_rebuilt", "rebuild_failed"],
            "one code per outcome"
        );
    }
}
