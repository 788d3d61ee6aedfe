//! The account book: what Keystep keeps about each linked account ([`Account`], its
//! [`Status`] and check history), the [`AccountBook`] that lists them, and the
//! [`BookStore`] it is saved through.
//!
//! Plain data that talks to no keychain and no provider, kept apart from [`Accounts`] (which
//! changes the book) so that every other part of `account` can read it first.
//!
//! [`Accounts`]: super::Accounts

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::Code;
use crate::store::StoreCopy;
use crate::verify::{Identity, PermissionReport};

use super::Trouble;

/// The book's schema version; a file with a newer one is not overwritten.
pub const BOOK_VERSION: u32 = 1;

/// How an account is doing, as the last check saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Works, with every required permission.
    Ok,
    /// Works, but some required permission is missing.
    Limited,
    /// The credential no longer works; the user must act.
    Failing,
    /// The last check could not reach a verdict (network, provider trouble).
    Unknown,
    /// The keychain no longer holds this account's secret.
    NeedsRelink,
}

/// One linked account. Everything here is safe to show and to store in plain files.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Account {
    /// Stable random id; also the keychain item's user.
    pub id: String,
    /// The short name a person types for it (`payfit-acme-sas`), unique in the book; kept
    /// across relinks and label renames (`handle`). Empty only in a book written before
    /// handles, until it is read.
    #[serde(default)]
    pub handle: String,
    /// Provider id.
    pub provider: String,
    /// What the person calls it (the company name by default).
    pub label: String,
    /// Non-secret field values (subdomain, service user ID).
    pub fields: BTreeMap<String, String>,
    /// What the provider told us.
    pub identity: Identity,
    /// Health at the last check.
    pub status: Status,
    /// The code of the last check, when it was not a success.
    pub last_code: Option<Code>,
    /// The last check's sentence for the person.
    pub message: String,
    /// A hint to tell keys apart ("…x7Qa").
    pub fingerprint: String,
    /// Permissions seen at the last check.
    pub permissions: PermissionReport,
    /// When it was linked (Unix seconds).
    pub created_at: u64,
    /// When it was last verified.
    pub verified_at: u64,
    /// When its key last changed.
    pub changed_at: u64,
    /// What tells this account's tenant from another's: the provider's `identity.tenant`
    /// filled in (company id, subdomain…). `None` when the provider names none or it is
    /// not known yet (an account recovered from the keychain).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    /// When it was last checked, whatever the check concluded (0: never).
    #[serde(default)]
    pub checked_at: u64,
    /// Transient trouble the latest checks hit in a row, not (yet) a verdict on the key:
    /// the status stays as it was until [`TRANSIENT_TOLERANCE`] checks failed.
    ///
    /// [`TRANSIENT_TOLERANCE`]: super::TRANSIENT_TOLERANCE
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub couldnt_check: Option<Trouble>,
    /// The latest checks, oldest first, at most [`HISTORY_LEN`]. Codes, statuses and
    /// permission names only: nothing secret.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<CheckRecord>,
    /// Where the key was verified: host name → base URL with this account's fields filled
    /// in (no secret). A check sends the key nowhere else ([`Hosts::unverified_host`]).
    /// Empty in books written before it was kept; the first check against the provider's
    /// own hosts fills it.
    ///
    /// [`Hosts::unverified_host`]: crate::hosts::Hosts::unverified_host
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub verified_hosts: BTreeMap<String, String>,
    /// What the key is for (one of the provider's purposes: `read`, `full`…): checks hold
    /// the key to that purpose's permissions. Books written before purposes existed were
    /// held to everything the guide listed, so they read as `full` and no account changes
    /// state on upgrade.
    #[serde(default = "legacy_purpose")]
    pub purpose: String,
    /// The copies of the key pushed to team stores (Vault, AWS Secrets Manager), each with
    /// the version Keystep wrote and how it stood at the last look.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub copies: Vec<StoreCopy>,
    /// The key was verified against the provider's sandbox (`sandbox_hosts`): it is
    /// labelled so wherever it is shown.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub sandbox: bool,
    /// When the key stops working, as its provider's lifetime rule knew it when the key was
    /// linked or replaced (a fixed lifetime, the expiry chosen at creation). `None`: no end
    /// is known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<u64>,
    /// The sensitive categories this account shares with AI assistants (`keystep mcp`);
    /// every other one is withheld from their answers. None until the admin allows one.
    #[serde(default, skip_serializing_if = "std::collections::BTreeSet::is_empty")]
    pub shared_fields: std::collections::BTreeSet<crate::provider::FieldCategory>,
}

fn legacy_purpose() -> String {
    crate::provider::LEGACY_PURPOSE.to_string()
}

/// How many checks an account remembers.
pub const HISTORY_LEN: usize = 20;

/// One check of an account, as its history keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckRecord {
    /// When (Unix seconds).
    pub at: u64,
    /// The status the check concluded (after debouncing transient trouble).
    pub status: Status,
    /// The check's own outcome: `None` when the key was verified.
    pub code: Option<Code>,
    /// Permissions the provider showed as granted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub granted: Vec<String>,
    /// Required permissions found missing.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<String>,
}

impl Account {
    /// Adds the account's state as it stands to its history, dropping the oldest entry
    /// beyond [`HISTORY_LEN`].
    pub fn record_check(&mut self, at: u64, code: Option<Code>) {
        let seen_permissions = code.is_none() || code == Some(Code::MissingPermission);
        self.history.push(CheckRecord {
            at,
            status: self.status,
            code,
            granted: if seen_permissions {
                self.permissions.granted.clone()
            } else {
                Vec::new()
            },
            missing: if seen_permissions {
                self.permissions.missing.clone()
            } else {
                Vec::new()
            },
        });
        let excess = self.history.len().saturating_sub(HISTORY_LEN);
        self.history.drain(..excess);
    }

    /// The tenant key, `<provider>:<tenant>`, when the tenant is known.
    pub fn tenant_key(&self) -> Option<String> {
        self.tenant
            .as_ref()
            .map(|t| format!("{}:{t}", self.provider))
    }
}

/// Every linked account, as persisted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountBook {
    /// Schema version, [`BOOK_VERSION`] when written by this build.
    pub version: u32,
    /// The accounts, in the order they were linked.
    pub accounts: Vec<Account>,
}

impl Default for AccountBook {
    fn default() -> Self {
        AccountBook {
            version: BOOK_VERSION,
            accounts: Vec::new(),
        }
    }
}

/// Why the book could not be read or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BookError {
    /// Reading or writing failed.
    #[error("the account list could not be saved or read: {0}")]
    Io(String),
    /// The file is not a book this version understands.
    #[error("the account list is damaged: {0}")]
    Damaged(String),
    /// A newer Keystep wrote the book; this one must not overwrite it.
    #[error("the account list was written by a newer Keystep (schema {found}; this one reads up to {BOOK_VERSION}). Update Keystep to see your accounts; the list was left as it is")]
    TooNew {
        /// The schema version found.
        found: u32,
    },
}

/// Where the book is persisted ([`FileBook`](super::FileBook) in the app, memory in tests).
pub trait BookStore: Send + Sync {
    /// Reads the book; an absent book is an empty one.
    ///
    /// # Errors
    /// Unreadable or damaged storage.
    fn load(&self) -> Result<AccountBook, BookError>;

    /// Writes the whole book durably and returns what was written: `book`, or `book`'s
    /// changes merged into what another process wrote meanwhile.
    ///
    /// # Errors
    /// The write failed; the previous book must still be intact.
    fn save(&self, book: &AccountBook) -> Result<AccountBook, BookError>;

    /// The stored book, if another process changed it since this one last read or wrote
    /// it; `None` when it did not (or the store cannot be shared).
    ///
    /// # Errors
    /// It changed and cannot be read.
    fn reload(&self) -> Result<Option<AccountBook>, BookError> {
        Ok(None)
    }
}

/// An in-memory book store for unit tests, with an injectable write failure.
#[derive(Debug, Default)]
pub struct MemoryBookStore {
    book: std::sync::Mutex<Option<AccountBook>>,
    fail_save: std::sync::atomic::AtomicBool,
}

impl MemoryBookStore {
    /// Makes every later save fail (or succeed again).
    pub fn fail_saves(&self, fail: bool) {
        self.fail_save
            .store(fail, std::sync::atomic::Ordering::SeqCst);
    }

    /// What was last saved.
    pub fn saved(&self) -> Option<AccountBook> {
        self.book.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl BookStore for MemoryBookStore {
    fn load(&self) -> Result<AccountBook, BookError> {
        Ok(self.saved().unwrap_or_default())
    }

    fn save(&self, book: &AccountBook) -> Result<AccountBook, BookError> {
        if self.fail_save.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(BookError::Io("injected save failure".into()));
        }
        *self.book.lock().unwrap_or_else(|e| e.into_inner()) = Some(book.clone());
        Ok(book.clone())
    }
}
