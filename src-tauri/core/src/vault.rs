//! The vault: secrets in the operating system's keychain, one item per account.
//!
//! [`KeychainVault`] uses the `keyring` crate (Secret Service on Linux, Keychain on macOS,
//! Credential Manager on Windows). An item's service is `keystep`, its user the account
//! id, and on Linux its label is human-readable ("Keystep — Humaans (Acme Ltd)") so a
//! person browsing Seahorse knows what it is. The stored value is a JSON object of the
//! account's secret fields, so providers with two secrets still use one item.
//! Calls block on the platform (D-Bus); async callers run them on a blocking thread.

use std::collections::BTreeMap;
use std::sync::Mutex;

use crate::secret::Secret;

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
}

/// A keychain item's address and human label.
#[derive(Debug, Clone, PartialEq, Eq)]
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

    /// A sentence saying where secrets are kept, for the person.
    fn describe(&self, item: &ItemRef) -> String;
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

    fn describe(&self, item: &ItemRef) -> String {
        let store = if cfg!(target_os = "macos") {
            "the macOS Keychain"
        } else if cfg!(windows) {
            "Windows Credential Manager"
        } else {
            "your system keychain (Secret Service)"
        };
        format!("{store}, as “{}”", item.label)
    }
}

/// Which [`MemoryVault`] operation should fail, for fault-injection tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Faults {
    /// `put` fails as unavailable.
    pub put: bool,
    /// `get` fails as unavailable.
    pub get: bool,
    /// `delete` fails as unavailable.
    pub delete: bool,
}

/// An in-memory vault for unit tests. Never the only proof: see the real-keychain tests.
#[derive(Debug, Default)]
pub struct MemoryVault {
    items: Mutex<BTreeMap<String, (String, SecretFields)>>,
    faults: Mutex<Faults>,
}

impl MemoryVault {
    /// Makes the chosen operations fail from now on.
    pub fn set_faults(&self, faults: Faults) {
        *self.faults.lock().unwrap_or_else(|e| e.into_inner()) = faults;
    }

    /// The labels of the items held, by account.
    pub fn labels(&self) -> BTreeMap<String, String> {
        self.items
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .map(|(k, (label, _))| (k.clone(), label.clone()))
            .collect()
    }

    fn faults(&self) -> Faults {
        *self.faults.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Vault for MemoryVault {
    fn put(&self, item: &ItemRef, secrets: &SecretFields) -> Result<(), VaultError> {
        if self.faults().put {
            return Err(VaultError::Unavailable("injected put failure".into()));
        }
        self.items
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(item.account.clone(), (item.label.clone(), secrets.clone()));
        Ok(())
    }

    fn get(&self, account: &str) -> Result<Option<SecretFields>, VaultError> {
        if self.faults().get {
            return Err(VaultError::Unavailable("injected get failure".into()));
        }
        Ok(self
            .items
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(account)
            .map(|(_, s)| s.clone()))
    }

    fn delete(&self, account: &str) -> Result<(), VaultError> {
        if self.faults().delete {
            return Err(VaultError::Unavailable("injected delete failure".into()));
        }
        self.items
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(account);
        Ok(())
    }

    fn describe(&self, item: &ItemRef) -> String {
        format!("memory (test), as “{}”", item.label)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_documents_round_trip() {
        let mut s = SecretFields::new();
        s.insert("a".into(), Secret::new("x\"y"));
        s.insert("b".into(), Secret::new("z"));
        let back = decode(&encode(&s)).expect("round trip");
        assert_eq!(back, s, "every secret field survives encoding");
        assert_eq!(
            decode("not json"),
            Err(VaultError::Damaged),
            "garbage is damage"
        );
    }
}
