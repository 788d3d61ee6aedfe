//! Linked accounts: the [`AccountBook`] of non-secret metadata, and [`Accounts`], which
//! changes them all-or-nothing across the vault and the book.
//!
//! The book holds no secret: only what a person needs to recognise an account and its
//! health (identity, status, a key fingerprint, times). The keychain holds one item per
//! account, named as `vault` describes; the two pair up by account id.
//!
//! Every change talks to the provider first, outside any lock. Changes that touch the
//! keychain (link, relink, forget, removing an orphan, reconciling) then take their turn as
//! the one writer, and re-check what they decided on (the account still exists, the tenant
//! is not linked meanwhile) before writing. The book's own lock is only held to read it and
//! to commit a change, never across a provider request or a keychain call, so listing,
//! renaming and checking accounts answer while a keychain prompt is open; and no keychain
//! call is waited for longer than [`KEYCHAIN_WAIT`]. Writes go keychain first, book second,
//! and a failed book save undoes the keychain write (a removed item for a link, the old
//! secret put back for a relink), so a fault never leaves half an account:
//!
//! - [`Accounts::link`]: a tenant already linked is refused ([`LinkError::AlreadyLinked`]);
//!   the tenant is the provider's `identity.tenant` (company id, subdomain, service user),
//!   or the key itself for a provider whose API names no tenant (JazzHR);
//! - [`Accounts::relink`]: a new key for the same tenant, swapped in place;
//! - [`Accounts::forget`]: book first, then the item, the book put back if the item stays;
//! - [`Accounts::rename`], [`Accounts::check`], [`Accounts::reconcile`],
//!   [`Accounts::remove_orphan`] (in `health`), and [`recover_book`] for a lost book;
//! - [`Accounts::push`], and the copies' rotation, confirmation and deletion (`copies`):
//!   the key in the team's secret store, recorded only once the store confirmed it;
//! - [`Accounts::open_or_recover`] at start-up: a damaged book set aside and rebuilt, a
//!   book that cannot be read in safe mode (`start`).

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;

use crate::clock::Clock;
use crate::error::Code;
use crate::input::{parse_fields, InputError, Note};
use crate::provider::{placeholders, Catalogue, Provider};
use crate::secret::Secret;
use crate::store::{CopyOutcome, StoreCopy, StoreError, Stores};
use crate::vault::{item_label, ItemRef, SecretFields, StoredIn, Vault, VaultError};
use crate::verify::{Identity, PermissionReport, Report, Verifier};

mod handle;
mod trouble;
mod keychain;
mod recovery;
mod on_disk;
mod health;
mod restore;
mod purpose;
mod safe_mode;
mod start;
mod copies;
mod shared_fields;

pub use handle::{
    check_handle, is_handle, resolve, settle_handles, slug, UnknownHandle, MAX_HANDLE_CHARS,
};
pub use health::{Reconciliation, Swept, READINESS_WAIT};
pub use keychain::KEYCHAIN_WAIT;
use keychain::{Keychain, Late};
pub use on_disk::{merge, FileBook, BOOK_FILE};
pub use recovery::{check_version, parse_book, recover_book, Recovery};
pub use safe_mode::{SafeMode, SafeReason};
pub use start::StartNotice;
pub use trouble::{LocalTrouble, Trouble, TRANSIENT_TOLERANCE};

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

/// Whether a link may go ahead with permissions missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkMode {
    /// Every required permission must be there (the default).
    Complete,
    /// A key that works but lacks permissions is linked as [`Status::Limited`].
    AcceptMissing,
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

impl AccountBook {
    /// The account whose handle is `asked` (trimmed, any case).
    ///
    /// # Errors
    /// [`UnknownHandle`], listing every handle.
    pub fn resolve(&self, asked: &str) -> Result<&Account, UnknownHandle> {
        handle::resolve(&self.accounts, asked)
    }
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

/// Where the book is persisted ([`FileBook`] in the app, memory in tests).
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

/// Why an account operation did not happen. Nothing was changed when this is returned.
#[derive(Debug, Clone, thiserror::Error)]
pub enum LinkError {
    /// No such provider.
    #[error("Keystep does not know a provider called “{0}”.")]
    UnknownProvider(String),
    /// No such account.
    #[error("That account is no longer linked. Refresh the list.")]
    UnknownAccount(String),
    /// A field was unusable; nothing was sent.
    #[error("{0}")]
    Input(InputError),
    /// The provider did not accept the credential (the report says why).
    #[error("{}", .0.message)]
    Verification(Box<Report>),
    /// The tenant is already linked as another account: relink that one instead.
    #[error("This {provider} account is already linked as “{label}”. To give it this key, choose Replace key on “{label}” instead of linking it again.")]
    AlreadyLinked {
        /// The id of the account already linked.
        id: String,
        /// Its label.
        label: String,
        /// The provider's display name.
        provider: String,
    },
    /// A relink's key reaches another tenant than the account's.
    #[error("This key belongs to a different {provider} account than “{label}”, so nothing was changed. Paste a key made for “{label}”, or link this key as a new account.")]
    OtherTenant {
        /// The account's label.
        label: String,
        /// The provider's display name.
        provider: String,
    },
    /// The keychain item belongs to a linked account, so it is not an orphan.
    #[error(
        "That keychain item belongs to a linked account. Forget the account to remove its key."
    )]
    NotOrphan(String),
    /// The keychain could not be used.
    #[error("{}", keychain_advice(.0))]
    Keychain(VaultError),
    /// The book could not be saved.
    #[error("Keystep could not save its account list ({0}). Nothing was changed; check free disk space and try again.")]
    Storage(BookError),
    /// Keystep is in safe mode: its account book could not be read, so nothing may change.
    #[error("Keystep could not read its account list, so it changes nothing until it can ({0:?}). Nothing was sent or saved.")]
    ReadOnly(SafeReason),
    /// A host override (or its absence) points where this account's key was not verified;
    /// nothing was sent.
    #[error("{}", host_changed_sentence(provider, host, variable.as_deref()))]
    HostChanged {
        /// The provider's display name.
        provider: String,
        /// The provider file's name for the host.
        host: String,
        /// The environment variable behind the change, when one is set.
        variable: Option<String>,
    },
    /// A team store did not do what was asked; the account's record of its copies is as
    /// it was.
    #[error("{0}")]
    Store(StoreError),
}

impl LinkError {
    /// The wire code.
    pub fn code(&self) -> Code {
        match self {
            LinkError::UnknownProvider(_) | LinkError::UnknownAccount(_) => Code::NotFound,
            LinkError::Input(_) | LinkError::NotOrphan(_) => Code::InvalidInput,
            LinkError::Verification(r) => r.code.unwrap_or(Code::Internal),
            LinkError::AlreadyLinked { .. } => Code::AlreadyLinked,
            LinkError::OtherTenant { .. } => Code::WrongTenant,
            LinkError::Keychain(_) => Code::KeychainUnavailable,
            LinkError::Storage(_) => Code::StorageFailed,
            LinkError::ReadOnly(_) => Code::ReadOnly,
            LinkError::HostChanged { .. } => Code::HostChanged,
            LinkError::Store(e) => e.code(),
        }
    }

    /// For [`LinkError::AlreadyLinked`]: the account to relink instead.
    pub fn existing_account(&self) -> Option<&str> {
        match self {
            LinkError::AlreadyLinked { id, .. } => Some(id),
            _ => None,
        }
    }
}

fn host_changed_sentence(provider: &str, host: &str, variable: Option<&str>) -> String {
    let cause = match variable {
        Some(var) => format!("{var} sends its “{host}” requests"),
        None => format!("Keystep now sends its “{host}” requests"),
    };
    let fix = match variable {
        Some(var) => format!("Unset {var}, or replace"),
        None => "Replace".to_string(),
    };
    format!("Keystep did not check this {provider} account: {cause} somewhere other than where its key was verified, so the key was not sent. {fix} the account's key to verify it there.")
}

/// What to do about a keychain failure, per platform.
pub fn keychain_advice(e: &VaultError) -> String {
    let fix = if cfg!(target_os = "linux") {
        "Make sure a keyring service (GNOME Keyring or KWallet) is running and unlocked — log out and back in, or open “Passwords and Keys” and unlock the Login keyring — then try again."
    } else if cfg!(target_os = "macos") {
        "Unlock your login keychain in Keychain Access and allow Keystep when macOS asks, then try again."
    } else {
        "Make sure Windows Credential Manager is available for your account, then try again."
    };
    match e {
        VaultError::Unavailable(_) => format!("Keystep could not open your system keychain. {fix}"),
        VaultError::Failed(_) => format!("Your system keychain refused the change. {fix}"),
        VaultError::Damaged => {
            "The keychain item for this account is damaged. Relink the account with a fresh key."
                .to_string()
        }
        VaultError::CannotList(_) => "This system's keychain cannot list Keystep's keys, so Keystep cannot look for keys left behind. Your linked accounts are not affected.".to_string(),
    }
}

/// The book, plus what only this process needs to know about it.
#[derive(Debug, Default)]
struct Ledger {
    book: AccountBook,
    /// How many times each account's key was replaced in this process: a check that read
    /// an older key must not overwrite what a relink concluded meanwhile.
    key_epochs: BTreeMap<String, u64>,
    /// Checks that failed inside Keystep (keychain, disk), per account, so the schedule
    /// backs off. Kept here rather than in the book because a failed save is one of them.
    held: BTreeMap<String, LocalTrouble>,
    /// How many times a book another process wrote was adopted ([`Accounts::outside_changes`]).
    adopted: u64,
}

impl Ledger {
    fn position(&self, id: &str) -> Option<usize> {
        self.book.accounts.iter().position(|a| a.id == id)
    }

    fn epoch(&self, id: &str) -> u64 {
        self.key_epochs.get(id).copied().unwrap_or(0)
    }
}

/// The linked accounts and the operations that change them.
pub struct Accounts {
    catalogue: Arc<Catalogue>,
    verifier: Verifier,
    keychain: Keychain,
    store: Arc<dyn BookStore>,
    clock: Arc<dyn Clock>,
    /// The book in memory; held only to read it or to commit a change, never across a
    /// provider request or a keychain call.
    ledger: Mutex<Ledger>,
    /// Set when the book could not be read: nothing is changed then (`safe_mode`).
    safe_mode: Option<SafeMode>,
    /// One keychain writer at a time (link, relink, forget, orphan removal, reconcile):
    /// held across its keychain calls, which are bounded, so the book stays all-or-nothing
    /// without the book's lock waiting on the keychain.
    writer: Mutex<()>,
    /// The team stores copies are pushed to; `None` until given ([`Accounts::with_stores`]).
    stores: Option<Stores>,
}

impl std::fmt::Debug for Accounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Accounts").finish_non_exhaustive()
    }
}

/// A linked account, as returned to the UI: the account plus what to tell the person, as
/// codes and names the window words.
#[derive(Debug, Clone, Serialize)]
pub struct Linked {
    /// The account.
    pub account: Account,
    /// What normalizing the input changed, per field.
    pub notes: Vec<Note>,
    /// Where the key is kept.
    pub stored_in: StoredIn,
    /// For a relink: each team store copy the new key was written to, or why not.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub copies: Vec<CopyOutcome>,
}

/// A new account's key that the provider accepted, verified but not linked yet: what
/// [`Accounts::verify_new`] found, for [`Accounts::link_verified`] to store. The window
/// keeps one that lacks permissions for a short while, so "Link anyway" links what was
/// verified without the key being sent (or checked) again. Its secrets are wiped when it
/// is dropped.
#[derive(Debug)]
pub struct Candidate {
    provider: String,
    /// The name the person gave the account, checked (else the provider's company).
    name: Option<String>,
    creds: crate::input::Credentials,
    report: Report,
}

impl Candidate {
    /// The provider's id.
    pub fn provider(&self) -> &str {
        &self.provider
    }

    /// Whether the key works but lacks required permissions: it links only when the person
    /// accepts that ([`LinkMode::AcceptMissing`]).
    pub fn lacks_permissions(&self) -> bool {
        self.report.code == Some(Code::MissingPermission)
    }

    /// The refusal a link that does not accept missing permissions ends with.
    pub fn refusal(&self) -> LinkError {
        LinkError::Verification(Box::new(self.report.clone()))
    }
}

/// Longest account label a person may choose, in characters.
pub const MAX_LABEL_CHARS: usize = 80;

/// `label` trimmed, if a person may name an account so: 1 to [`MAX_LABEL_CHARS`]
/// characters on one line.
fn check_label(label: &str) -> Result<&str, LinkError> {
    let label = label.trim();
    let count = label.chars().count();
    if count == 0 || count > MAX_LABEL_CHARS || label.chars().any(char::is_control) {
        return Err(LinkError::Input(InputError {
            field: "label".into(),
            message: format!("A name needs 1 to {MAX_LABEL_CHARS} characters, on one line."),
        }));
    }
    Ok(label)
}

impl Accounts {
    /// Opens the book through `store`.
    ///
    /// # Errors
    /// The book could not be read, or a newer Keystep wrote it ([`BookError::TooNew`]: the
    /// caller must not save over it).
    pub fn open(
        catalogue: Arc<Catalogue>,
        verifier: Verifier,
        vault: Arc<dyn Vault>,
        store: Arc<dyn BookStore>,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, BookError> {
        let book = store.load()?;
        // The store may not check; this is the last place before a save could overwrite it.
        check_version(book.version)?;
        Ok(Accounts::with_book(
            catalogue, verifier, vault, store, clock, book,
        ))
    }

    fn with_book(
        catalogue: Arc<Catalogue>,
        verifier: Verifier,
        vault: Arc<dyn Vault>,
        store: Arc<dyn BookStore>,
        clock: Arc<dyn Clock>,
        mut book: AccountBook,
    ) -> Self {
        // A store that does not read through `parse_book` (memory, in tests) gets the same
        // handles as the file would.
        settle_handles(&mut book.accounts);
        Accounts {
            catalogue,
            verifier,
            keychain: Keychain::new(vault, KEYCHAIN_WAIT),
            store,
            clock,
            ledger: Mutex::new(Ledger {
                book,
                key_epochs: BTreeMap::new(),
                held: BTreeMap::new(),
                adopted: 0,
            }),
            safe_mode: None,
            writer: Mutex::new(()),
            stores: None,
        }
    }

    /// The same accounts, waiting at most `wait` for each keychain call (`keystep run` and tests
    /// shorten [`KEYCHAIN_WAIT`]).
    #[must_use]
    pub fn with_keychain_wait(mut self, wait: std::time::Duration) -> Self {
        self.keychain = self.keychain.with_wait(wait);
        self
    }

    /// Runs `f` over what the background schedule plans from: the accounts as the book has
    /// them now, the local trouble holding some back, and now by the accounts' clock. The
    /// schedule, which comes after this module, adds `Accounts::plan` on top of it.
    pub(crate) async fn with_schedule_facts<T>(
        &self,
        f: impl FnOnce(&[Account], &BTreeMap<String, LocalTrouble>, u64) -> T,
    ) -> T {
        let mut ledger = self.ledger.lock().await;
        self.refresh(&mut ledger);
        f(&ledger.book.accounts, &ledger.held, self.clock.unix_now())
    }

    /// Now, by the clock the accounts were opened with (Unix seconds).
    pub fn now(&self) -> u64 {
        self.clock.unix_now()
    }

    /// The catalogue in use.
    pub fn catalogue(&self) -> &Catalogue {
        &self.catalogue
    }

    /// The host table checks and links use, overrides included.
    pub fn hosts(&self) -> &crate::hosts::Hosts {
        self.verifier.hosts()
    }

    /// Every account, in link order, as the book on disk has them now (another process,
    /// the command line say, may have changed it).
    pub async fn list(&self) -> Vec<Account> {
        let mut ledger = self.ledger.lock().await;
        self.refresh(&mut ledger);
        ledger.book.accounts.clone()
    }

    /// One account.
    pub async fn get(&self, id: &str) -> Option<Account> {
        let mut ledger = self.ledger.lock().await;
        self.refresh(&mut ledger);
        ledger.position(id).map(|i| ledger.book.accounts[i].clone())
    }

    /// How many times this process adopted a book another process (the command line) wrote,
    /// reading the stored book first. The window follows the command line by this count: its
    /// own saves do not move it, so only another process's changes redraw the window.
    pub async fn outside_changes(&self) -> u64 {
        let mut ledger = self.ledger.lock().await;
        self.refresh(&mut ledger);
        ledger.adopted
    }

    /// Adopts the stored book if another process changed it. A book that became unreadable
    /// meanwhile is not adopted: the next save refuses to write over it.
    fn refresh(&self, ledger: &mut Ledger) {
        if self.safe_mode.is_some() {
            return;
        }
        match self.store.reload() {
            Ok(Some(book)) => {
                ledger.book = book;
                ledger.adopted += 1;
            }
            Ok(None) => {}
            Err(e) => log::warn!("the account list changed on disk and cannot be read: {e}"),
        }
    }

    fn provider(&self, id: &str) -> Result<&Provider, LinkError> {
        self.catalogue
            .get(id)
            .ok_or_else(|| LinkError::UnknownProvider(id.to_string()))
    }

    /// Saves `next` as the book, in this build's schema. `next` becomes what was written:
    /// with another process's changes merged in, if it made any meanwhile.
    fn save(&self, next: &mut AccountBook) -> Result<(), BookError> {
        self.writable()
            .map_err(|_| BookError::Io("Keystep is in safe mode and writes nothing".into()))?;
        next.version = BOOK_VERSION;
        *next = self.store.save(next)?;
        Ok(())
    }

    /// Verifies the fields with the provider, then stores the secret and the account.
    ///
    /// `raw` holds every field's value as typed, secret or not; it is consumed.
    ///
    /// # Errors
    /// See [`LinkError`]; on any error nothing was stored. A tenant that is already linked
    /// is [`LinkError::AlreadyLinked`], naming the account to relink instead.
    pub async fn link(
        &self,
        provider_id: &str,
        raw: BTreeMap<String, Secret>,
        progress: &crate::verify::Progress<'_>,
    ) -> Result<Linked, LinkError> {
        self.link_with(provider_id, raw, LinkMode::Complete, progress)
            .await
    }

    /// [`Accounts::link`], where [`LinkMode::AcceptMissing`] links a key that works but
    /// lacks some required permission, as a [`Status::Limited`] account: the person chose
    /// "link anyway", knowing what will not work.
    ///
    /// # Errors
    /// As [`Accounts::link`].
    pub async fn link_with(
        &self,
        provider_id: &str,
        raw: BTreeMap<String, Secret>,
        mode: LinkMode,
        progress: &crate::verify::Progress<'_>,
    ) -> Result<Linked, LinkError> {
        let full = crate::provider::LEGACY_PURPOSE;
        self.link_for(provider_id, raw, full, mode, progress).await
    }

    /// [`Accounts::link_with`], holding the key to the provider's purpose `key_purpose`
    /// (`read`, `full`…), which the account remembers.
    ///
    /// # Errors
    /// As [`Accounts::link`], and [`LinkError::Input`] for a purpose the provider does not
    /// declare (nothing is sent then).
    pub async fn link_for(
        &self,
        provider_id: &str,
        raw: BTreeMap<String, Secret>,
        key_purpose: &str,
        mode: LinkMode,
        progress: &crate::verify::Progress<'_>,
    ) -> Result<Linked, LinkError> {
        self.link_named(provider_id, raw, key_purpose, mode, None, progress)
            .await
    }

    /// [`Accounts::link_for`], naming the account `name` instead of what the provider says
    /// (the company, or for a provider that cannot name it, its user:
    /// [`Provider::names_company`]). The name is checked before anything is sent.
    ///
    /// # Errors
    /// As [`Accounts::link_for`], and [`LinkError::Input`] for an unusable name.
    pub async fn link_named(
        &self,
        provider_id: &str,
        raw: BTreeMap<String, Secret>,
        key_purpose: &str,
        mode: LinkMode,
        name: Option<&str>,
        progress: &crate::verify::Progress<'_>,
    ) -> Result<Linked, LinkError> {
        let candidate = self
            .verify_new(provider_id, raw, key_purpose, name, progress)
            .await?;
        if candidate.lacks_permissions() && mode != LinkMode::AcceptMissing {
            return Err(candidate.refusal());
        }
        self.link_verified(candidate).await
    }

    /// The first half of [`Accounts::link_named`]: checks the name, verifies the fields for
    /// `key_purpose`, stores nothing, and returns the key the provider accepted (working, or
    /// lacking only permissions) for [`Accounts::link_verified`].
    ///
    /// # Errors
    /// As [`Accounts::link_named`], for everything but missing permissions.
    pub async fn verify_new(
        &self,
        provider_id: &str,
        raw: BTreeMap<String, Secret>,
        key_purpose: &str,
        name: Option<&str>,
        progress: &crate::verify::Progress<'_>,
    ) -> Result<Candidate, LinkError> {
        self.writable()?;
        let provider = self.provider(provider_id)?;
        purpose::declared(provider, key_purpose)?;
        let name = name.map(check_label).transpose()?;
        let creds = parse_fields(provider, raw).map_err(LinkError::Input)?;
        let report = self
            .verifier
            .verify_for(
                provider,
                &creds,
                key_purpose,
                crate::verify::Purpose::Link,
                progress,
            )
            .await;
        if !report.ok && report.code != Some(Code::MissingPermission) {
            return Err(LinkError::Verification(Box::new(report)));
        }
        Ok(Candidate {
            provider: provider.id.clone(),
            name: name.map(str::to_string),
            creds,
            report,
        })
    }

    /// The second half of [`Accounts::link_named`]: stores a verified key as a new account,
    /// limited when it lacks permissions (the person accepted that by asking).
    ///
    /// # Errors
    /// As [`Accounts::link_for`] after verification: the tenant is already linked, or the
    /// keychain or the book could not be written (nothing stored then).
    pub async fn link_verified(&self, candidate: Candidate) -> Result<Linked, LinkError> {
        self.writable()?;
        let Candidate {
            provider: provider_id,
            name,
            creds,
            report,
        } = candidate;
        let provider = self.provider(&provider_id)?;
        let limited = report.code == Some(Code::MissingPermission);
        let now = self.clock.unix_now();
        let label = name
            .or_else(|| report.identity.company.clone())
            .or_else(|| report.identity.user.clone())
            .unwrap_or_else(|| provider.name.clone());
        let account = Account {
            id: uuid::Uuid::new_v4().simple().to_string(),
            // Given under the book's lock, against the accounts as they are then.
            handle: String::new(),
            provider: provider.id.clone(),
            label: label.clone(),
            fields: creds.public.clone(),
            identity: report.identity.clone(),
            status: if limited { Status::Limited } else { Status::Ok },
            last_code: report.code,
            message: report.message.clone(),
            fingerprint: fingerprint(&creds.secrets),
            permissions: report.permissions.clone(),
            created_at: now,
            verified_at: now,
            changed_at: now,
            tenant: report.tenant.clone(),
            checked_at: now,
            couldnt_check: None,
            history: Vec::new(),
            verified_hosts: self.verifier.hosts().bases_for(provider, &creds.public),
            purpose: report.purpose.clone(),
            copies: Vec::new(),
            sandbox: false,
            expires_at: provider.key_expiry(&creds.public, report.expires_at, now),
            shared_fields: Default::default(),
        };
        let mut account = account;
        account.sandbox = provider.is_sandbox(account.verified_hosts.keys());
        account.record_check(now, report.code);
        let item = ItemRef {
            account: account.id.clone(),
            label: item_label(&provider.name, &label),
        };
        let _writer = self.writer.lock().await;
        // As the writer: another link of the same tenant may have finished while this one
        // was talking to the provider, and none can finish until this one is written.
        let book = self.ledger.lock().await.book.clone();
        if let Some(existing) = self
            .duplicate_of(
                provider,
                &book,
                None,
                report.tenant.as_deref(),
                &creds.secrets,
            )
            .await?
        {
            log::info!(
                "refused a second link of {} tenant already linked as {}",
                provider.id,
                existing.id
            );
            return Err(LinkError::AlreadyLinked {
                id: existing.id.clone(),
                label: existing.label.clone(),
                provider: provider.name.clone(),
            });
        }
        let id = account.id.clone();
        let undo: Late = Late::Undo(Box::new(move |vault| vault.delete(&id)));
        self.keychain
            .put(&item, creds.secrets, undo)
            .await
            .map_err(LinkError::Keychain)?;
        let saved = {
            let mut ledger = self.ledger.lock().await;
            self.refresh(&mut ledger);
            let mut next = ledger.book.clone();
            let taken = next.accounts.iter().map(|a| a.handle.as_str()).collect();
            account.handle = handle::new_handle(&account, &taken);
            next.accounts.push(account.clone());
            let saved = self.save(&mut next);
            if saved.is_ok() {
                // Merging with another process's book may have settled the handle anew.
                if let Some(written) = next.accounts.iter().find(|a| a.id == account.id) {
                    account.handle = written.handle.clone();
                }
                ledger.book = next;
            }
            saved
        };
        if let Err(e) = saved {
            // Undo the keychain write so no orphan item is left behind.
            if let Err(undo) = self.keychain.delete(&account.id, Late::Wanted).await {
                log::error!(
                    "could not remove keychain item {} after a failed save: {undo}",
                    account.id
                );
            }
            return Err(LinkError::Storage(e));
        }
        log::info!("linked {} account {}", provider.id, account.id);
        Ok(Linked {
            stored_in: self.keychain.stored_in(&item),
            account,
            notes: creds.notes,
            copies: Vec::new(),
        })
    }

    /// Verifies a new key for an existing account and swaps it in place: same id, same
    /// label, fresh identity, fingerprint and permissions, status Ok.
    ///
    /// `raw` is the form as for [`Accounts::link`]; non-secret fields left out or blank keep
    /// their stored values, so rotating a key is pasting the new one. The key must reach
    /// the account's tenant ([`LinkError::OtherTenant`] otherwise) and no other account's
    /// ([`LinkError::AlreadyLinked`]). The old secret is read before the swap and put back
    /// if the book cannot be saved.
    ///
    /// # Errors
    /// See [`LinkError`]; on any error the account and its key are as they were.
    pub async fn relink(
        &self,
        id: &str,
        mut raw: BTreeMap<String, Secret>,
        progress: &crate::verify::Progress<'_>,
    ) -> Result<Linked, LinkError> {
        self.writable()?;
        let before = self
            .get(id)
            .await
            .ok_or_else(|| LinkError::UnknownAccount(id.to_string()))?;
        let provider = self.provider(&before.provider)?;
        for field in provider.fields.iter().filter(|f| !f.secret) {
            let blank = raw
                .get(&field.key)
                .is_none_or(|v| v.expose().trim().is_empty());
            if let (true, Some(stored)) = (blank, before.fields.get(&field.key)) {
                raw.insert(field.key.clone(), Secret::new(stored.clone()));
            }
        }
        let creds = parse_fields(provider, raw).map_err(LinkError::Input)?;
        // A new key for the same use: relinking keeps the account's purpose.
        let report = self
            .verifier
            .verify_for(
                provider,
                &creds,
                &before.purpose,
                crate::verify::Purpose::Link,
                progress,
            )
            .await;
        if !report.ok {
            return Err(LinkError::Verification(Box::new(report)));
        }
        let _writer = self.writer.lock().await;
        // As the writer: the account may have been forgotten or changed meanwhile, and
        // cannot be forgotten or relinked again until this relink is written.
        let (current, book) = {
            let ledger = self.ledger.lock().await;
            let index = ledger
                .position(id)
                .ok_or_else(|| LinkError::UnknownAccount(id.to_string()))?;
            (ledger.book.accounts[index].clone(), ledger.book.clone())
        };
        if let (Some(new), Some(old)) = (report.tenant.as_deref(), known_tenant(provider, &current))
        {
            if new != old {
                log::info!("refused a relink of {id}: the key reaches another tenant");
                return Err(LinkError::OtherTenant {
                    label: current.label,
                    provider: provider.name.clone(),
                });
            }
        }
        if let Some(other) = self
            .duplicate_of(
                provider,
                &book,
                Some(id),
                report.tenant.as_deref(),
                &creds.secrets,
            )
            .await?
        {
            return Err(LinkError::AlreadyLinked {
                id: other.id.clone(),
                label: other.label.clone(),
                provider: provider.name.clone(),
            });
        }
        // The old secret, to put back if the book cannot be saved. A damaged item has
        // nothing worth restoring.
        let old = match self.keychain.get(id).await {
            Ok(old) => old,
            Err(VaultError::Damaged) => None,
            Err(e) => return Err(LinkError::Keychain(e)),
        };
        let item = ItemRef {
            account: id.to_string(),
            label: item_label(&provider.name, &current.label),
        };
        let now = self.clock.unix_now();
        let new_fingerprint = fingerprint(&creds.secrets);
        // What the copies in team stores get, if the account has any (rotated once the new
        // key is committed here).
        let for_copies =
            (!current.copies.is_empty()).then(|| copies::all_fields(&creds.public, &creds.secrets));
        let (undo_item, undo_old) = (item.clone(), old.clone());
        let undo: Late = Late::Undo(Box::new(move |vault| match undo_old {
            Some(old) => vault.put(&undo_item, &old),
            None => vault.delete(&undo_item.account),
        }));
        self.keychain
            .put(&item, creds.secrets, undo)
            .await
            .map_err(LinkError::Keychain)?;
        let committed = {
            let mut ledger = self.ledger.lock().await;
            // A check or a rename may have changed the account meanwhile: the new key's
            // facts go onto the account as it is now. (A forget in this process waits for
            // the writer; only another process can have removed it.)
            match ledger.position(id) {
                None => Err(LinkError::UnknownAccount(id.to_string())),
                Some(index) => {
                    let mut account = ledger.book.accounts[index].clone();
                    account.fields = creds.public.clone();
                    account.identity = report.identity.clone();
                    account.status = Status::Ok;
                    account.last_code = None;
                    account.message = report.message.clone();
                    account.fingerprint = new_fingerprint;
                    account.permissions = report.permissions.clone();
                    account.verified_at = now;
                    account.changed_at = now;
                    account.checked_at = now;
                    account.tenant = report.tenant.clone().or(account.tenant);
                    account.couldnt_check = None;
                    account.verified_hosts =
                        self.verifier.hosts().bases_for(provider, &creds.public);
                    account.sandbox = provider.is_sandbox(account.verified_hosts.keys());
                    account.expires_at = provider.key_expiry(&creds.public, report.expires_at, now);
                    account.record_check(now, None);
                    let mut next = ledger.book.clone();
                    next.accounts[index] = account.clone();
                    match self.save(&mut next) {
                        Ok(()) => {
                            ledger.book = next;
                            *ledger.key_epochs.entry(id.to_string()).or_insert(0) += 1;
                            ledger.held.remove(id);
                            Ok(account)
                        }
                        Err(e) => Err(LinkError::Storage(e)),
                    }
                }
            }
        };
        let account = match committed {
            Ok(account) => account,
            Err(e) => {
                // Back to the old key; or to none, if there was none or the account is gone.
                let undo = match (&e, old) {
                    (LinkError::Storage(_), Some(old)) => {
                        self.keychain.put(&item, old, Late::Wanted).await
                    }
                    _ => self.keychain.delete(id, Late::Wanted).await,
                };
                if let Err(undo) = undo {
                    // The new key works for the same tenant, so the account keeps working;
                    // only its fingerprint in the book is stale until the next relink.
                    log::error!(
                        "could not restore the old key of {id} after a failed save: {undo}"
                    );
                }
                return Err(e);
            }
        };
        if account.label != current.label {
            // Renamed while the new key was written under the old name.
            self.relabel_as_booked(id).await;
        }
        log::info!("relinked {} account {id}", provider.id);
        drop(_writer);
        let (account, copies) = match for_copies {
            Some(fields) => self.rotate_copies(id, &fields, account).await,
            None => (account, Vec::new()),
        };
        Ok(Linked {
            stored_in: self.keychain.stored_in(&ItemRef {
                account: id.to_string(),
                label: item_label(&provider.name, &account.label),
            }),
            account,
            notes: creds.notes,
            copies,
        })
    }

    /// Removes an account's secret and metadata. Forgetting twice is not an error, and
    /// forgetting an id with no account removes a leftover keychain item of that id.
    ///
    /// The book is saved first; if the keychain then refuses, the account is put back, so
    /// a locked keychain leaves the account listed with its key.
    ///
    /// # Errors
    /// The keychain or the book could not be changed; the account then stays listed.
    pub async fn forget(&self, id: &str) -> Result<(), LinkError> {
        self.writable()?;
        let _writer = self.writer.lock().await;
        // The book in memory follows the saved one at once, so a check or a rename that
        // commits while the item is being deleted cannot write the account back.
        let removed = {
            let mut ledger = self.ledger.lock().await;
            match ledger.position(id) {
                None => None,
                Some(index) => {
                    let mut next = ledger.book.clone();
                    let account = next.accounts.remove(index);
                    self.save(&mut next).map_err(LinkError::Storage)?;
                    ledger.book = next;
                    Some((index, account))
                }
            }
        };
        // A delete that lands after Keystep stopped waiting cannot be taken back: the
        // account then stays listed without its key, and its next check asks for a relink.
        let deleted = self.keychain.delete(id, Late::Ignore).await;
        let Some((index, account)) = removed else {
            return deleted.map_err(LinkError::Keychain);
        };
        if let Err(e) = deleted {
            let mut ledger = self.ledger.lock().await;
            let mut back = ledger.book.clone();
            back.accounts
                .insert(index.min(back.accounts.len()), account);
            match self.save(&mut back) {
                Ok(()) => ledger.book = back,
                // The book on disk no longer lists it: memory matches it, and the item is
                // left as an orphan that `reconcile` offers to remove.
                Err(undo) => log::error!(
                    "could not put account {id} back after the keychain refused: {undo}"
                ),
            }
            return Err(LinkError::Keychain(e));
        }
        let mut ledger = self.ledger.lock().await;
        ledger.key_epochs.remove(id);
        ledger.held.remove(id);
        log::info!("forgot account {id}");
        Ok(())
    }

    /// Gives an account another name. The label is trimmed and must be 1 to
    /// [`MAX_LABEL_CHARS`] characters without control characters.
    ///
    /// The keychain item's label follows (re-labelled in place, no secret read). That part is
    /// best effort: the book is the truth, and a stale item label only shows in a keychain
    /// browser or in a recovered book.
    ///
    /// # Errors
    /// [`LinkError::Input`] for an unusable label, [`LinkError::UnknownAccount`], or
    /// [`LinkError::Storage`]; nothing was changed then.
    pub async fn rename(&self, id: &str, label: &str) -> Result<Account, LinkError> {
        self.writable()?;
        let label = check_label(label)?;
        let account = {
            let mut ledger = self.ledger.lock().await;
            let index = ledger
                .position(id)
                .ok_or_else(|| LinkError::UnknownAccount(id.to_string()))?;
            if ledger.book.accounts[index].label == label {
                return Ok(ledger.book.accounts[index].clone());
            }
            let mut next = ledger.book.clone();
            next.accounts[index].label = label.to_string();
            let account = next.accounts[index].clone();
            self.save(&mut next).map_err(LinkError::Storage)?;
            ledger.book = next;
            // The save may have merged another process's changes, which moves positions: the
            // account is found again by id.
            ledger
                .position(id)
                .map_or(account, |i| ledger.book.accounts[i].clone())
        };
        self.relabel_as_booked(id).await;
        log::info!("renamed account {id}");
        Ok(account)
    }

    /// Gives an account another handle: trimmed and lower-cased, it must be a handle
    /// ([`check_handle`]) that no other account has. The keychain is not involved.
    ///
    /// # Errors
    /// [`LinkError::Input`] (field `handle`) for a malformed or taken handle,
    /// [`LinkError::UnknownAccount`], or [`LinkError::Storage`]; nothing was changed then.
    pub async fn rename_handle(&self, id: &str, typed: &str) -> Result<Account, LinkError> {
        self.writable()?;
        let wanted = check_handle(typed).map_err(LinkError::Input)?;
        let mut ledger = self.ledger.lock().await;
        self.refresh(&mut ledger);
        let index = ledger
            .position(id)
            .ok_or_else(|| LinkError::UnknownAccount(id.to_string()))?;
        if ledger.book.accounts[index].handle == wanted {
            return Ok(ledger.book.accounts[index].clone());
        }
        if ledger.book.accounts.iter().any(|a| a.handle == wanted) {
            return Err(LinkError::Input(InputError {
                field: "handle".into(),
                message: format!(
                    "Another account already has the handle “{wanted}”. Choose another one."
                ),
            }));
        }
        let mut next = ledger.book.clone();
        next.accounts[index].handle = wanted;
        self.save(&mut next).map_err(LinkError::Storage)?;
        ledger.book = next;
        log::info!("gave account {id} a new handle");
        ledger
            .position(id)
            .map(|i| ledger.book.accounts[i].clone())
            .ok_or_else(|| LinkError::UnknownAccount(id.to_string()))
    }

    /// The account whose handle is `asked` (trimmed, any case), as the book has it now.
    ///
    /// # Errors
    /// [`UnknownHandle`], listing every handle.
    pub async fn resolve(&self, asked: &str) -> Result<Account, UnknownHandle> {
        let mut ledger = self.ledger.lock().await;
        self.refresh(&mut ledger);
        ledger.book.resolve(asked).cloned()
    }

    /// The secret fields of account `id`, for `keystep run` to put in its proxy's grant or
    /// its command's environment: read through the same bounded keychain call as everything
    /// else ([`KEYCHAIN_WAIT`]), `None` when the keychain holds no item for it. No IPC
    /// command calls this; the window never hands a key out.
    ///
    /// # Errors
    /// The keychain failed, or did not answer in time ([`VaultError::Unavailable`]).
    pub async fn secrets_for_run(&self, id: &str) -> Result<Option<SecretFields>, VaultError> {
        self.keychain.get(id).await
    }

    /// Gives `id`'s keychain item the label the book has for it (best effort, logged).
    /// Relabels run in the order asked, but renames commit in their own order: a rename
    /// that committed meanwhile is followed by one more relabel, so the last one matches.
    async fn relabel_as_booked(&self, id: &str) {
        loop {
            let Some(account) = self.get(id).await else {
                return;
            };
            let name = self
                .catalogue
                .get(&account.provider)
                .map_or_else(|| account.provider.clone(), |p| p.name.clone());
            let item = ItemRef {
                account: id.to_string(),
                label: item_label(&name, &account.label),
            };
            if let Err(e) = self.keychain.relabel(&item).await {
                log::warn!("renamed account {id}, but its keychain item keeps its old label: {e}");
                return;
            }
            if self.get(id).await.is_none_or(|a| a.label == account.label) {
                return;
            }
        }
    }

    /// The account of `book` (other than `except`) that `tenant` or these secrets already
    /// reach, if any.
    ///
    /// Tenants are compared when both are known. When either is not (a provider whose API
    /// names no tenant, an account recovered from the keychain), the stored key is compared
    /// with the new one: the same key is the same account.
    ///
    /// # Errors
    /// The keychain is unavailable (or did not answer): the write that would follow could
    /// not happen either, and each further read would wait as long.
    async fn duplicate_of<'b>(
        &self,
        provider: &Provider,
        book: &'b AccountBook,
        except: Option<&str>,
        tenant: Option<&str>,
        secrets: &SecretFields,
    ) -> Result<Option<&'b Account>, LinkError> {
        for account in &book.accounts {
            if account.provider != provider.id || Some(account.id.as_str()) == except {
                continue;
            }
            if let (Some(new), Some(old)) = (tenant, known_tenant(provider, account)) {
                if new == old {
                    return Ok(Some(account));
                }
                continue;
            }
            match self.keychain.get(&account.id).await {
                Ok(Some(stored)) if stored == *secrets => return Ok(Some(account)),
                Ok(_) => {}
                Err(e @ VaultError::Unavailable(_)) => return Err(LinkError::Keychain(e)),
                // An unreadable item cannot be compared; the write that follows will meet
                // the same keychain and report it.
                Err(e) => log::warn!("could not compare with account {}: {e}", account.id),
            }
        }
        Ok(None)
    }
}

/// The account's tenant: as stored, or filled in from its non-secret fields when the
/// provider's template needs nothing else (books written before tenants were stored).
fn known_tenant(provider: &Provider, account: &Account) -> Option<String> {
    if account.tenant.is_some() {
        return account.tenant.clone();
    }
    let template = provider.identity.tenant.as_deref()?;
    let mut out = template.to_string();
    for ph in placeholders(template) {
        let value = account.fields.get(ph)?;
        out = out.replacen(&format!("{{{ph}}}"), value, 1);
    }
    Some(out)
}

/// A hint to tell keys apart: the fingerprint of the last secret field.
fn fingerprint(secrets: &SecretFields) -> String {
    secrets
        .values()
        .last()
        .map(Secret::fingerprint)
        .unwrap_or_default()
}
