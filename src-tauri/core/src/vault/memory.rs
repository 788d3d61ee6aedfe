//! The in-memory vault that tests stand in for the keychain, with the faults they inject.
//! It is apart from `vault.rs` because it is a test double, not a way Keystep keeps keys:
//! the keychain's own code reads on its own.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use super::{ItemRef, Readiness, SecretFields, Store, Vault, VaultError};

/// Which [`MemoryVault`] operation should fail, for fault-injection tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Faults {
    /// `put` fails as unavailable.
    pub put: bool,
    /// `get` fails as unavailable.
    pub get: bool,
    /// `delete` fails as unavailable.
    pub delete: bool,
    /// `list` fails as unavailable.
    pub list: bool,
    /// `list` answers [`VaultError::CannotList`], as on macOS and Windows.
    pub cannot_list: bool,
    /// `relabel` fails as unavailable.
    pub relabel: bool,
    /// `put` succeeds this many more times, then fails (a keychain that locks mid-way).
    pub put_after: Option<usize>,
    /// `put` blocks until the faults change, as behind an unlock prompt nobody answers;
    /// then it carries on under the new faults.
    pub hang_put: bool,
    /// `get` blocks until the faults change, like `hang_put`.
    pub hang_get: bool,
}

impl Faults {
    /// A locked or absent keychain: every operation fails as unavailable.
    pub fn locked() -> Self {
        Faults {
            put: true,
            get: true,
            delete: true,
            list: true,
            relabel: true,
            ..Faults::default()
        }
    }
}

/// An in-memory vault for unit tests. Never the only proof: see the real-keychain tests.
#[derive(Debug, Default)]
pub struct MemoryVault {
    items: Mutex<BTreeMap<String, (String, SecretFields)>>,
    damaged: Mutex<std::collections::BTreeSet<String>>,
    faults: Mutex<Faults>,
    /// Signalled whenever the faults change, to release hung calls.
    faults_changed: std::sync::Condvar,
    calls: AtomicUsize,
    busy: AtomicUsize,
    hung: AtomicUsize,
}

impl MemoryVault {
    /// Makes the chosen operations fail (or hang) from now on; calls hung under the old
    /// faults carry on under these.
    pub fn set_faults(&self, faults: Faults) {
        *self.faults.lock().unwrap_or_else(|e| e.into_inner()) = faults;
        self.faults_changed.notify_all();
    }

    /// How many calls the vault was asked, of every kind, so far.
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    /// How many calls are hung right now (see [`Faults::hang_put`]).
    pub fn hung(&self) -> usize {
        self.hung.load(Ordering::SeqCst)
    }

    /// How many calls have begun and not yet returned, hung ones included.
    pub fn busy(&self) -> usize {
        self.busy.load(Ordering::SeqCst)
    }

    /// Counts a call, busy until the guard drops, and holds it while `hangs` says so.
    fn enter(&self, hangs: impl Fn(&Faults) -> bool) -> Busy<'_> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.busy.fetch_add(1, Ordering::SeqCst);
        let busy = Busy(&self.busy);
        let mut faults = self.faults.lock().unwrap_or_else(|e| e.into_inner());
        if hangs(&faults) {
            self.hung.fetch_add(1, Ordering::SeqCst);
            while hangs(&faults) {
                faults = self
                    .faults_changed
                    .wait(faults)
                    .unwrap_or_else(|e| e.into_inner());
            }
            self.hung.fetch_sub(1, Ordering::SeqCst);
        }
        busy
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

    /// Makes an account's item unreadable, as if something else overwrote it.
    pub fn damage(&self, account: &str) {
        self.damaged
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(account.to_string());
    }

    /// The account ids that have an item.
    pub fn ids(&self) -> std::collections::BTreeSet<String> {
        self.labels().into_keys().collect()
    }

    fn faults(&self) -> Faults {
        *self.faults.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether this `put` fails, counting down `put_after`.
    fn put_fails(&self) -> bool {
        let mut faults = self.faults.lock().unwrap_or_else(|e| e.into_inner());
        match faults.put_after {
            Some(0) => true,
            Some(n) => {
                faults.put_after = Some(n - 1);
                faults.put
            }
            None => faults.put,
        }
    }
}

/// A [`MemoryVault`] call under way.
struct Busy<'a>(&'a AtomicUsize);

impl Drop for Busy<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Vault for MemoryVault {
    fn put(&self, item: &ItemRef, secrets: &SecretFields) -> Result<(), VaultError> {
        let _busy = self.enter(|f| f.hang_put);
        if self.put_fails() {
            return Err(VaultError::Unavailable("injected put failure".into()));
        }
        self.damaged
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&item.account);
        self.items
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(item.account.clone(), (item.label.clone(), secrets.clone()));
        Ok(())
    }

    fn get(&self, account: &str) -> Result<Option<SecretFields>, VaultError> {
        let _busy = self.enter(|f| f.hang_get);
        if self.faults().get {
            return Err(VaultError::Unavailable("injected get failure".into()));
        }
        if self
            .damaged
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(account)
        {
            return Err(VaultError::Damaged);
        }
        Ok(self
            .items
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(account)
            .map(|(_, s)| s.clone()))
    }

    fn delete(&self, account: &str) -> Result<(), VaultError> {
        let _busy = self.enter(|_| false);
        if self.faults().delete {
            return Err(VaultError::Unavailable("injected delete failure".into()));
        }
        self.items
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(account);
        self.damaged
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(account);
        Ok(())
    }

    fn list(&self) -> Result<Vec<ItemRef>, VaultError> {
        let _busy = self.enter(|_| false);
        let faults = self.faults();
        if faults.cannot_list {
            return Err(VaultError::CannotList("injected: cannot list".into()));
        }
        if faults.list {
            return Err(VaultError::Unavailable("injected list failure".into()));
        }
        Ok(self
            .labels()
            .into_iter()
            .map(|(account, label)| ItemRef { account, label })
            .collect())
    }

    fn relabel(&self, item: &ItemRef) -> Result<(), VaultError> {
        let _busy = self.enter(|_| false);
        if self.faults().relabel {
            return Err(VaultError::Unavailable("injected relabel failure".into()));
        }
        if let Some(entry) = self
            .items
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get_mut(&item.account)
        {
            entry.0.clone_from(&item.label);
        }
        Ok(())
    }

    fn store(&self) -> Store {
        Store::Memory
    }

    fn readiness(&self) -> Readiness {
        let f = self.faults();
        if f.put || f.get {
            Readiness::Locked
        } else {
            Readiness::Ready
        }
    }
}
