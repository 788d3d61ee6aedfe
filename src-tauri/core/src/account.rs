//! Linked accounts: the [`AccountBook`] of non-secret metadata, and [`Accounts`], which
//! links and forgets them all-or-nothing across the vault and the book.
//!
//! Linking verifies first, then writes the keychain, then the book; if the book cannot be
//! saved the keychain item is removed again, so a failure never leaves half an account.
//! The book holds no secret: only what a person needs to recognise an account and its
//! health (identity, status, a key fingerprint, times).

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;

use crate::clock::Clock;
use crate::error::Code;
use crate::input::{parse_fields, InputError};
use crate::provider::{Catalogue, Provider};
use crate::secret::Secret;
use crate::vault::{ItemRef, SecretFields, Vault, VaultError};
use crate::verify::{Identity, PermissionReport, Report, Verifier};

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
}

/// Where the book is persisted (tauri-plugin-store in the app, memory in tests).
pub trait BookStore: Send + Sync {
    /// Reads the book; an absent book is an empty one.
    ///
    /// # Errors
    /// Unreadable or damaged storage.
    fn load(&self) -> Result<AccountBook, BookError>;

    /// Writes the whole book durably.
    ///
    /// # Errors
    /// The write failed; the previous book must still be intact.
    fn save(&self, book: &AccountBook) -> Result<(), BookError>;
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

    fn save(&self, book: &AccountBook) -> Result<(), BookError> {
        if self.fail_save.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(BookError::Io("injected save failure".into()));
        }
        *self.book.lock().unwrap_or_else(|e| e.into_inner()) = Some(book.clone());
        Ok(())
    }
}

/// Why linking or forgetting did not happen. Nothing was changed when this is returned.
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
    /// The keychain could not be used.
    #[error("{}", keychain_advice(.0))]
    Keychain(VaultError),
    /// The book could not be saved.
    #[error("Keystep could not save its account list ({0}). Nothing was linked; check free disk space and try again.")]
    Storage(BookError),
}

impl LinkError {
    /// The wire code.
    pub fn code(&self) -> Code {
        match self {
            LinkError::UnknownProvider(_) | LinkError::UnknownAccount(_) => Code::NotFound,
            LinkError::Input(_) => Code::InvalidInput,
            LinkError::Verification(r) => r.code.unwrap_or(Code::Internal),
            LinkError::Keychain(_) => Code::KeychainUnavailable,
            LinkError::Storage(_) => Code::StorageFailed,
        }
    }
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
        VaultError::Failed(_) => format!("Your system keychain refused to save the key. {fix}"),
        VaultError::Damaged => {
            "The keychain item for this account is damaged. Relink the account with a fresh key."
                .to_string()
        }
    }
}

/// The linked accounts and the operations that change them.
pub struct Accounts {
    catalogue: Arc<Catalogue>,
    verifier: Verifier,
    vault: Arc<dyn Vault>,
    store: Arc<dyn BookStore>,
    clock: Arc<dyn Clock>,
    book: Mutex<AccountBook>,
}

impl std::fmt::Debug for Accounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Accounts").finish_non_exhaustive()
    }
}

/// A linked account, as returned to the UI: the account plus what to tell the person.
#[derive(Debug, Clone, Serialize)]
pub struct Linked {
    /// The account.
    pub account: Account,
    /// Normalization notes from the input.
    pub notes: Vec<String>,
    /// Where the key is kept, in words.
    pub stored_in: String,
}

impl Accounts {
    /// Opens the book through `store`.
    ///
    /// # Errors
    /// The book could not be read.
    pub fn open(
        catalogue: Arc<Catalogue>,
        verifier: Verifier,
        vault: Arc<dyn Vault>,
        store: Arc<dyn BookStore>,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, BookError> {
        let book = store.load()?;
        Ok(Accounts {
            catalogue,
            verifier,
            vault,
            store,
            clock,
            book: Mutex::new(book),
        })
    }

    /// The catalogue in use.
    pub fn catalogue(&self) -> &Catalogue {
        &self.catalogue
    }

    /// Every account, in link order.
    pub async fn list(&self) -> Vec<Account> {
        self.book.lock().await.accounts.clone()
    }

    /// The keychain label of an account.
    pub fn item_label(provider: &Provider, account_label: &str) -> String {
        if account_label.is_empty() || account_label == provider.name {
            format!("Keystep — {}", provider.name)
        } else {
            format!("Keystep — {} ({account_label})", provider.name)
        }
    }

    /// Verifies the fields with the provider, then stores the secret and the account.
    ///
    /// `raw` holds every field's value as typed, secret or not; it is consumed.
    ///
    /// # Errors
    /// See [`LinkError`]; on any error nothing was stored.
    pub async fn link(
        &self,
        provider_id: &str,
        raw: BTreeMap<String, Secret>,
        progress: &(dyn Fn(&str) + Send + Sync),
    ) -> Result<Linked, LinkError> {
        let provider = self
            .catalogue
            .get(provider_id)
            .ok_or_else(|| LinkError::UnknownProvider(provider_id.to_string()))?;
        let creds = parse_fields(provider, raw).map_err(LinkError::Input)?;
        let report = self.verifier.verify(provider, &creds, progress).await;
        if !report.ok {
            return Err(LinkError::Verification(Box::new(report)));
        }
        let now = self.clock.unix_now();
        let label = report
            .identity
            .company
            .clone()
            .or_else(|| report.identity.user.clone())
            .unwrap_or_else(|| provider.name.clone());
        let fingerprint = creds
            .secrets
            .values()
            .last()
            .map(Secret::fingerprint)
            .unwrap_or_default();
        let account = Account {
            id: uuid::Uuid::new_v4().simple().to_string(),
            provider: provider.id.clone(),
            label: label.clone(),
            fields: creds.public.clone(),
            identity: report.identity.clone(),
            status: Status::Ok,
            last_code: None,
            message: report.message.clone(),
            fingerprint,
            permissions: report.permissions.clone(),
            created_at: now,
            verified_at: now,
            changed_at: now,
        };
        let item = ItemRef {
            account: account.id.clone(),
            label: Self::item_label(provider, &label),
        };
        let mut book = self.book.lock().await;
        let secrets: SecretFields = creds.secrets;
        let vault = Arc::clone(&self.vault);
        let put_item = item.clone();
        blocking(move || vault.put(&put_item, &secrets))
            .await
            .map_err(LinkError::Keychain)?;
        let mut next = book.clone();
        next.accounts.push(account.clone());
        if let Err(e) = self.store.save(&next) {
            // Undo the keychain write so no orphan item is left behind.
            let vault = Arc::clone(&self.vault);
            let id = account.id.clone();
            if let Err(undo) = blocking(move || vault.delete(&id)).await {
                log::error!("could not remove keychain item after a failed save: {undo}");
            }
            return Err(LinkError::Storage(e));
        }
        *book = next;
        log::info!("linked {} account {}", provider.id, account.id);
        Ok(Linked {
            stored_in: self.vault.describe(&item),
            account,
            notes: report.notes,
        })
    }

    /// Removes an account's secret and metadata. Forgetting twice is not an error.
    ///
    /// # Errors
    /// The keychain or the book could not be changed; the account then stays listed.
    pub async fn forget(&self, id: &str) -> Result<(), LinkError> {
        let mut book = self.book.lock().await;
        let vault = Arc::clone(&self.vault);
        let owned = id.to_string();
        blocking(move || vault.delete(&owned))
            .await
            .map_err(LinkError::Keychain)?;
        if !book.accounts.iter().any(|a| a.id == id) {
            return Ok(());
        }
        let mut next = book.clone();
        next.accounts.retain(|a| a.id != id);
        self.store.save(&next).map_err(LinkError::Storage)?;
        *book = next;
        log::info!("forgot account {id}");
        Ok(())
    }
}

/// Runs a blocking keychain call off the async threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, VaultError> + Send + 'static,
) -> Result<T, VaultError> {
    tokio::task::spawn_blocking(f)
        .await
        .unwrap_or_else(|e| Err(VaultError::Failed(format!("keychain task failed: {e}"))))
}
