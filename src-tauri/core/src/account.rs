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
//! - [`Accounts::link`] (`linking`): a tenant already linked is refused
//!   ([`LinkError::AlreadyLinked`]); the tenant is the provider's `identity.tenant` (company
//!   id, subdomain, service user), or the key itself for a provider whose API names no
//!   tenant (JazzHR);
//! - [`Accounts::relink`] (`relink`): a new key for the same tenant, swapped in place;
//! - [`Accounts::forget`]: book first, then the item, the book put back if the item stays;
//! - [`Accounts::rename`], [`Accounts::check`], [`Accounts::reconcile`],
//!   [`Accounts::remove_orphan`] (in `health`), and [`recover_book`] for a lost book;
//! - [`Accounts::push`], and the copies' rotation, confirmation and deletion (`copies`):
//!   the key in the team's secret store, recorded only once the store confirmed it;
//! - [`Accounts::open_or_recover`] at start-up: a damaged book set aside and rebuilt, a
//!   book that cannot be read in safe mode (`start`).

use std::collections::BTreeMap;
use std::sync::Arc;

use tokio::sync::Mutex;

use crate::clock::Clock;
use crate::error::Code;
use crate::input::InputError;
use crate::provider::{placeholders, Catalogue, Provider};
use crate::store::{StoreError, Stores};
use crate::vault::{item_label, ItemRef, SecretFields, Vault, VaultError};
use crate::verify::{Report, Verifier};

mod trouble;
mod book;
mod handle;
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
mod linking;
mod relink;

pub use book::{
    Account, AccountBook, BookError, BookStore, CheckRecord, MemoryBookStore, Status, BOOK_VERSION,
    HISTORY_LEN,
};
pub use handle::{
    check_handle, is_handle, resolve, settle_handles, slug, UnknownHandle, MAX_HANDLE_CHARS,
};
pub use health::{Reconciliation, Swept, READINESS_WAIT};
pub use keychain::KEYCHAIN_WAIT;
use keychain::{Keychain, Late};
use linking::check_label;
pub use linking::{Candidate, LinkMode, Linked, MAX_LABEL_CHARS};
pub use on_disk::{merge, FileBook, BOOK_FILE};
pub use recovery::{check_version, parse_book, recover_book, Recovery};
pub use safe_mode::{SafeMode, SafeReason};
pub use start::StartNotice;
pub use trouble::{LocalTrouble, Trouble, TRANSIENT_TOLERANCE};

// Here rather than in `book`: it goes through `handle`, which comes after `book`.
impl AccountBook {
    /// The account whose handle is `asked` (trimmed, any case).
    ///
    /// # Errors
    /// [`UnknownHandle`], listing every handle.
    pub fn resolve(&self, asked: &str) -> Result<&Account, UnknownHandle> {
        handle::resolve(&self.accounts, asked)
    }
}

// Here, not in a module of its own: it carries `safe_mode`'s reason, and `safe_mode`
// returns it, so neither could come first.
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
}

// Here, not in `linking`: relinking and checks (`health`) compare tenants too.
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
