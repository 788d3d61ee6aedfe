//! When the account book is lost or unreadable: reading a stored book safely
//! ([`parse_book`], [`check_version`]) and rebuilding what can be rebuilt from the keychain
//! ([`recover_book`]).
//!
//! A book written by a newer Keystep is never overwritten: reading it is
//! [`BookError::TooNew`], which the shell reports instead of starting afresh. A book that
//! does not parse is damaged: the shell sets the file aside, and `recover_book` lists
//! Keystep's keychain items and reads their labels back (see `vault` for the naming
//! scheme): the item's user is the account id, the label names the provider and the
//! account. What only the book held (non-secret fields, identity, times, fingerprint) is
//! gone, so a recovered account either needs a check ([`Status::Unknown`]: its provider
//! has no non-secret field to lose) or a relink ([`Status::NeedsRelink`]). No secret is read.

use std::collections::BTreeMap;

use crate::clock::Clock;
use crate::provider::{Catalogue, FieldKind, Provider};
use crate::vault::{parse_item_label, ItemRef, Vault, VaultError};
use crate::verify::{Identity, PermissionReport};

use super::{settle_handles, Account, AccountBook, BookError, Status, BOOK_VERSION};

/// What [`recover_book`] rebuilt.
#[derive(Debug, Clone, PartialEq)]
pub struct Recovery {
    /// The rebuilt book, accounts ordered by label.
    pub book: AccountBook,
    /// Items under Keystep's service whose label names no known provider: left alone, and
    /// shown to the person as leftovers.
    pub unrecognised: Vec<ItemRef>,
}

/// Refuses a schema newer than this build's.
///
/// # Errors
/// [`BookError::TooNew`].
pub fn check_version(found: u32) -> Result<(), BookError> {
    if found > BOOK_VERSION {
        return Err(BookError::TooNew { found });
    }
    Ok(())
}

/// Reads a stored book, schema version first, so that a newer Keystep's book is reported
/// as newer (and left alone) even when this build could not parse the rest of it.
///
/// # Errors
/// [`BookError::TooNew`] for a newer schema; [`BookError::Damaged`] for anything else
/// that is not a book (no version, wrong shapes, an account listed twice).
pub fn parse_book(value: serde_json::Value) -> Result<AccountBook, BookError> {
    let version = value
        .get("version")
        .and_then(serde_json::Value::as_u64)
        .ok_or_else(|| BookError::Damaged("it has no schema version".into()))?;
    check_version(u32::try_from(version).unwrap_or(u32::MAX))?;
    let mut book: AccountBook =
        serde_json::from_value(value).map_err(|e| BookError::Damaged(e.to_string()))?;
    let mut seen = std::collections::BTreeSet::new();
    if let Some(twice) = book.accounts.iter().find(|a| !seen.insert(a.id.as_str())) {
        return Err(BookError::Damaged(format!(
            "account {} is listed twice",
            twice.id
        )));
    }
    // A book written before handles gets them here, the same in every process that reads it.
    settle_handles(&mut book.accounts);
    Ok(book)
}

/// Rebuilds a book from the keychain's Keystep items, for when the book is lost.
///
/// Each item whose label names a provider of `catalogue` becomes an account with that
/// provider, the label's account name, empty fields and identity, and status
/// [`Status::Unknown`] (check it) or [`Status::NeedsRelink`] (its provider's non-secret
/// fields, such as a subdomain, were only in the book). Blocks on the keychain.
///
/// # Errors
/// The keychain cannot be listed ([`VaultError::CannotList`] on macOS and Windows): then
/// there is nothing to rebuild from, and the caller starts with an empty book.
pub fn recover_book(
    vault: &dyn Vault,
    catalogue: &Catalogue,
    clock: &dyn Clock,
) -> Result<Recovery, VaultError> {
    let now = clock.unix_now();
    let mut accounts = Vec::new();
    let mut unrecognised = Vec::new();
    let mut items = vault.list()?;
    items.sort();
    for item in items {
        let names = catalogue.all().iter().map(|p| p.name.as_str());
        let parsed = parse_item_label(&item.label, names).and_then(|(name, label)| {
            Some((catalogue.all().iter().find(|p| p.name == name)?, label))
        });
        match parsed {
            Some((provider, label)) if !item.account.is_empty() => {
                accounts.push(recovered(provider, item.account, label, now));
            }
            _ => unrecognised.push(item),
        }
    }
    accounts.sort_by(|a: &Account, b: &Account| (&a.label, &a.id).cmp(&(&b.label, &b.id)));
    settle_handles(&mut accounts);
    log::info!(
        "recovered {} account(s) from the keychain; {} item(s) not recognised",
        accounts.len(),
        unrecognised.len()
    );
    Ok(Recovery {
        book: AccountBook {
            version: BOOK_VERSION,
            accounts,
        },
        unrecognised,
    })
}

pub(super) fn recovered(provider: &Provider, id: String, label: String, now: u64) -> Account {
    // A choice has a default; an identifier or subdomain existed only in the book.
    let lost: Vec<&str> = provider
        .fields
        .iter()
        .filter(|f| !f.secret && f.kind != FieldKind::Choice)
        .map(|f| f.label.as_str())
        .collect();
    let (status, message) = if lost.is_empty() {
        (
            Status::Unknown,
            "Recovered from your system keychain after Keystep's account list was lost. Check it to refresh its details.".to_string(),
        )
    } else {
        (
            Status::NeedsRelink,
            format!(
                "Recovered from your system keychain after Keystep's account list was lost, without its {}. Relink the account to enter it again.",
                crate::verify::join_words(&lost.iter().map(|l| l.to_lowercase()).collect::<Vec<_>>())
            ),
        )
    };
    Account {
        id,
        // Given with the others once every account is recovered.
        handle: String::new(),
        provider: provider.id.clone(),
        label,
        fields: BTreeMap::new(),
        identity: Identity::default(),
        status,
        last_code: None,
        message,
        fingerprint: String::new(),
        // What the key was for is not in its label: the least is assumed, so a recovered
        // read-only key is never reported missing what it was never meant to have.
        permissions: PermissionReport {
            required: provider
                .purpose(crate::provider::DEFAULT_PURPOSE)
                .map(|p| p.permissions.clone())
                .unwrap_or_default(),
            ..PermissionReport::default()
        },
        created_at: now,
        verified_at: 0,
        changed_at: now,
        tenant: None,
        checked_at: 0,
        couldnt_check: None,
        history: Vec::new(),
        verified_hosts: BTreeMap::new(),
        sandbox: false,
        expires_at: None,
        purpose: crate::provider::DEFAULT_PURPOSE.to_string(),
        copies: Vec::new(),
        shared_fields: Default::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_up_to_this_one_are_read_and_newer_ones_refused() {
        assert_eq!(check_version(BOOK_VERSION), Ok(()), "this version");
        assert_eq!(
            check_version(BOOK_VERSION + 1),
            Err(BookError::TooNew {
                found: BOOK_VERSION + 1
            }),
            "a newer version"
        );
        let newer = serde_json::json!({"version": BOOK_VERSION + 1, "accounts": "a shape this build does not know"});
        assert_eq!(
            parse_book(newer),
            Err(BookError::TooNew {
                found: BOOK_VERSION + 1
            }),
            "newer is reported as newer, not as damaged, even when the rest does not parse"
        );
        let huge = serde_json::json!({"version": u64::MAX, "accounts": []});
        assert!(
            matches!(parse_book(huge), Err(BookError::TooNew { .. })),
            "an absurd version is newer, not a panic"
        );
    }

    #[test]
    fn damaged_books_are_named_damaged() {
        for (case, value) in [
            ("no version", serde_json::json!({"accounts": []})),
            ("not an object", serde_json::json!([1, 2])),
            (
                "wrong shape",
                serde_json::json!({"version": 1, "accounts": [{"id": 3}]}),
            ),
        ] {
            assert!(
                matches!(parse_book(value), Err(BookError::Damaged(_))),
                "{case} is damage"
            );
        }
        let ok = serde_json::json!({"version": BOOK_VERSION, "accounts": []});
        assert_eq!(
            parse_book(ok),
            Ok(AccountBook::default()),
            "an empty book reads"
        );
    }
}
