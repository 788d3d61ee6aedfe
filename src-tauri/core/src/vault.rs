//! The vault: secrets in the operating system's keychain, one item per account.
//!
//! [`KeychainVault`] uses the `keyring` crate (Secret Service on Linux, Keychain on macOS,
//! Credential Manager on Windows). Calls block on the platform (D-Bus); async callers run
//! them on a blocking thread.
//!
//! # Naming
//!
//! Every item Keystep writes has the same shape, so Keystep (and a person) can find its
//! items again without the account book:
//!
//! - service: `keystep` ([`SERVICE`]; tests use their own service so they never touch a
//!   real user's items);
//! - user: the account id, a random 32-hex-digit string that is also the account's id in
//!   the book, so an item and an account pair up by id alone;
//! - label (Secret Service only): `Keystep — <Provider name> (<account label>)`, or
//!   `Keystep — <Provider name>` when the account is named after the provider
//!   ([`item_label`]). A person browsing Seahorse knows what the item is, and
//!   [`parse_item_label`] turns a label back into a provider and an account name when the
//!   book is lost;
//! - value: a JSON object of the account's secret fields (`{"api_token": "…"}`), so a
//!   provider with two secrets still uses one item.
//!
//! Only the Secret Service can list items by service ([`Vault::list`]); on macOS and
//! Windows listing answers [`VaultError::CannotList`] and callers carry on without it.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::secret::Secret;

mod memory;
pub use memory::{Faults, MemoryVault};

/// The keychain service name every Keystep item carries.
pub const SERVICE: &str = "keystep";

/// What went wrong with the keychain.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VaultError {
    /// No keychain service, a locked collection, or access denied: the user can fix it.
    #[error("the system keychain is not available: {0}")]
    Unavailable(String),
    /// The keychain answered, but the item could not be written or read.
    #[error("the system keychain refused the operation: {0}")]
    Failed(String),
    /// The item exists but does not hold what Keystep wrote.
    #[error("the keychain item for this account is damaged")]
    Damaged,
    /// This keychain cannot enumerate Keystep's items (macOS, Windows).
    #[error("this system keychain cannot list Keystep's items: {0}")]
    CannotList(String),
}

/// Which secret store keeps the keys, as a code: the window names it in the person's
/// language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Store {
    /// The Secret Service (GNOME Keyring, KWallet) on Linux.
    SecretService,
    /// The macOS Keychain.
    MacosKeychain,
    /// Windows Credential Manager.
    WindowsCredentials,
    /// Memory only ([`MemoryVault`], for tests).
    Memory,
}

/// Where one account's key is kept: the store, and the item's label there (what a person
/// finds it by in Seahorse or Keychain Access).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredIn {
    /// The store.
    pub store: Store,
    /// The item's label ([`item_label`]).
    pub label: String,
}

/// The prefix of every Keystep item label.
pub const LABEL_PREFIX: &str = "Keystep — ";

/// The keychain label of an account: `Keystep — Humaans (Acme Ltd)`, or `Keystep — Humaans`
/// when the account is named after its provider (or not named at all).
pub fn item_label(provider_name: &str, account_label: &str) -> String {
    if account_label.is_empty() || account_label == provider_name {
        format!("{LABEL_PREFIX}{provider_name}")
    } else {
        format!("{LABEL_PREFIX}{provider_name} ({account_label})")
    }
}

/// Reads a label written by [`item_label`] back: which of `provider_names` it names, and the
/// account label (the provider's name when none was given). `None` for any other label.
///
/// Provider names are tried longest first, so a provider whose name starts with another's
/// is still told apart.
pub fn parse_item_label<'a>(
    label: &str,
    provider_names: impl IntoIterator<Item = &'a str>,
) -> Option<(&'a str, String)> {
    let rest = label.strip_prefix(LABEL_PREFIX)?;
    let mut names: Vec<&str> = provider_names.into_iter().collect();
    names.sort_by_key(|n| std::cmp::Reverse(n.len()));
    names.into_iter().find_map(|name| {
        let after = rest.strip_prefix(name)?;
        if after.is_empty() {
            return Some((name, name.to_string()));
        }
        let inner = after.strip_prefix(" (")?.strip_suffix(')')?;
        (!inner.trim().is_empty()).then(|| (name, inner.to_string()))
    })
}

/// A keychain item's address and human label.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct ItemRef {
    /// The account id (the item's user).
    pub account: String,
    /// What a person sees in a keychain browser.
    pub label: String,
}

/// The secret fields of one account (field key → value).
pub type SecretFields = BTreeMap<String, Secret>;

/// Where secrets live. Implementations must be safe to call from several threads.
pub trait Vault: Send + Sync {
    /// Writes (or replaces) the account's secrets.
    ///
    /// # Errors
    /// The keychain is unavailable or refused the write.
    fn put(&self, item: &ItemRef, secrets: &SecretFields) -> Result<(), VaultError>;

    /// Reads the account's secrets; `None` when there is no item.
    ///
    /// # Errors
    /// The keychain is unavailable, refused the read, or the item is damaged.
    fn get(&self, account: &str) -> Result<Option<SecretFields>, VaultError>;

    /// Removes the account's item. Removing a missing item succeeds.
    ///
    /// # Errors
    /// The keychain is unavailable or refused the removal.
    fn delete(&self, account: &str) -> Result<(), VaultError>;

    /// Every Keystep item present (account id and label), in no particular order. Reads no
    /// secret, so it never needs the keyring unlocked for the values.
    ///
    /// # Errors
    /// [`VaultError::CannotList`] where the platform cannot enumerate items; otherwise the
    /// keychain is unavailable or refused.
    fn list(&self) -> Result<Vec<ItemRef>, VaultError>;

    /// Gives an existing item a new label; a missing item is left alone. Where items have no
    /// visible label (macOS, Windows) this does nothing.
    ///
    /// # Errors
    /// The keychain is unavailable or refused the change.
    fn relabel(&self, item: &ItemRef) -> Result<(), VaultError>;

    /// Which store keeps the secrets (asks it nothing).
    fn store(&self) -> Store;

    /// Whether a key could be stored now, asked before the person creates one (most
    /// providers show a token only once). Never prompts and reads no secret.
    fn readiness(&self) -> Readiness {
        Readiness::Ready
    }
}

/// Whether the keychain can take a key now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Readiness {
    /// It answers and is unlocked.
    Ready,
    /// It answers, but the collection keys go to is locked: storing would prompt, or fail.
    Locked,
    /// No keychain service answers.
    Absent,
}

/// Encodes secret fields as the JSON document stored in one keychain item.
fn encode(secrets: &SecretFields) -> zeroize::Zeroizing<String> {
    let plain: BTreeMap<&str, &str> = secrets
        .iter()
        .map(|(k, v)| (k.as_str(), v.expose()))
        .collect();
    zeroize::Zeroizing::new(serde_json::to_string(&plain).unwrap_or_default())
}

fn decode(text: &str) -> Result<SecretFields, VaultError> {
    let plain: BTreeMap<String, String> =
        serde_json::from_str(text).map_err(|_| VaultError::Damaged)?;
    Ok(plain
        .into_iter()
        .map(|(k, v)| (k, Secret::new(v)))
        .collect())
}

/// The operating system's keychain.
#[derive(Debug, Clone)]
pub struct KeychainVault {
    service: String,
}

impl Default for KeychainVault {
    fn default() -> Self {
        Self::new(SERVICE)
    }
}

impl KeychainVault {
    /// A vault whose items carry `service` (tests use their own to stay apart).
    pub fn new(service: &str) -> Self {
        KeychainVault {
            service: service.to_string(),
        }
    }

    fn entry(&self, account: &str, label: Option<&str>) -> Result<keyring::Entry, VaultError> {
        #[cfg(target_os = "linux")]
        if let Some(label) = label {
            let mut cred = keyring::secret_service::SsCredential::new_with_target(
                None,
                &self.service,
                account,
            )
            .map_err(map_keyring)?;
            cred.label = label.to_string();
            return Ok(keyring::Entry::new_with_credential(Box::new(cred)));
        }
        let _ = label;
        keyring::Entry::new(&self.service, account).map_err(map_keyring)
    }
}

impl KeychainVault {
    /// Searches the Secret Service for items whose `service` attribute is this vault's.
    ///
    /// keyring's own search always includes the user, so the service-wide search goes to
    /// the Secret Service directly. A plain (unencrypted) session is enough: only
    /// attributes and labels are read, never a secret, and they are readable even in a
    /// locked collection.
    #[cfg(target_os = "linux")]
    fn list_items(&self) -> Result<Vec<ItemRef>, VaultError> {
        use dbus_secret_service::{EncryptionType, Error, SecretService};
        let unavailable = |e: Error| match e {
            Error::Locked
            | Error::Prompt
            | Error::NoResult
            | Error::Unavailable
            | Error::Dbus(_) => VaultError::Unavailable(e.to_string()),
            other => VaultError::Failed(other.to_string()),
        };
        let ss = SecretService::connect(EncryptionType::Plain).map_err(unavailable)?;
        let found = ss
            .search_items(std::collections::HashMap::from([(
                "service",
                self.service.as_str(),
            )]))
            .map_err(unavailable)?;
        let mut items = Vec::new();
        for item in found.unlocked.iter().chain(found.locked.iter()) {
            let attributes = item.get_attributes().map_err(unavailable)?;
            // Only items this vault would address: same service, with an account id.
            if attributes.get("service").map(String::as_str) != Some(self.service.as_str()) {
                continue;
            }
            let Some(account) = attributes.get("username") else {
                continue;
            };
            items.push(ItemRef {
                account: account.clone(),
                label: item.get_label().map_err(unavailable)?,
            });
        }
        items.sort();
        items.dedup();
        Ok(items)
    }

    /// Sets the Secret Service label of an existing item, leaving its secret alone.
    #[cfg(target_os = "linux")]
    fn relabel_item(&self, item: &ItemRef) -> Result<(), VaultError> {
        let entry = self.entry(&item.account, None)?;
        let change = std::collections::HashMap::from([("label", item.label.as_str())]);
        match entry.update_attributes(&change) {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(map_keyring(e)),
        }
    }

    /// The macOS Keychain and Credential Manager items carry no label Keystep sets.
    #[cfg(not(target_os = "linux"))]
    fn relabel_item(&self, _item: &ItemRef) -> Result<(), VaultError> {
        Ok(())
    }

    #[cfg(not(target_os = "linux"))]
    fn list_items(&self) -> Result<Vec<ItemRef>, VaultError> {
        Err(VaultError::CannotList(
            "only the Secret Service can search items by service".into(),
        ))
    }
}

fn map_keyring(e: keyring::Error) -> VaultError {
    match e {
        keyring::Error::NoStorageAccess(inner) | keyring::Error::PlatformFailure(inner) => {
            VaultError::Unavailable(inner.to_string())
        }
        keyring::Error::BadEncoding(_) => VaultError::Damaged,
        // The other variants carry no secret: attribute lengths, ambiguity, "no entry".
        other => VaultError::Failed(other.to_string()),
    }
}

impl Vault for KeychainVault {
    fn put(&self, item: &ItemRef, secrets: &SecretFields) -> Result<(), VaultError> {
        let entry = self.entry(&item.account, Some(&item.label))?;
        entry.set_password(&encode(secrets)).map_err(map_keyring)
    }

    fn get(&self, account: &str) -> Result<Option<SecretFields>, VaultError> {
        let entry = self.entry(account, None)?;
        match entry.get_password() {
            Ok(text) => {
                let text = zeroize::Zeroizing::new(text);
                decode(&text).map(Some)
            }
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(map_keyring(e)),
        }
    }

    fn delete(&self, account: &str) -> Result<(), VaultError> {
        match self.entry(account, None)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(map_keyring(e)),
        }
    }

    fn list(&self) -> Result<Vec<ItemRef>, VaultError> {
        self.list_items()
    }

    fn relabel(&self, item: &ItemRef) -> Result<(), VaultError> {
        self.relabel_item(item)
    }

    #[cfg(target_os = "linux")]
    fn readiness(&self) -> Readiness {
        use dbus_secret_service::{EncryptionType, SecretService};
        let Ok(ss) = SecretService::connect(EncryptionType::Plain) else {
            return Readiness::Absent;
        };
        // keyring writes to the default collection ("login"); without one, a write would
        // have to create it, which prompts.
        match ss.get_default_collection().and_then(|c| c.is_locked()) {
            Ok(false) => Readiness::Ready,
            Ok(true) | Err(dbus_secret_service::Error::NoResult) => Readiness::Locked,
            Err(_) => Readiness::Absent,
        }
    }

    fn store(&self) -> Store {
        if cfg!(target_os = "macos") {
            Store::MacosKeychain
        } else if cfg!(windows) {
            Store::WindowsCredentials
        } else {
            Store::SecretService
        }
    }
}

#[cfg(test)]
mod tests;
