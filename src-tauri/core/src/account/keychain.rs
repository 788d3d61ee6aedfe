//! Every keychain call the accounts make, with a bounded wait.
//!
//! A keychain call can block for as long as a person leaves an unlock prompt open (the
//! Secret Service waits up to a year), so no caller waits for one longer than
//! [`KEYCHAIN_WAIT`]: past it the call counts as [`VaultError::Unavailable`], and the
//! thread that made it is left to finish on its own. What that thread may still do after
//! the caller has reported a failure is decided up front ([`Late`]): a write the caller
//! gave up on is skipped if it has not started, and undone if it lands after all, so an
//! error still means nothing changed. Writes to one account's item run one at a time, in
//! the order they were asked, so a write that lands late is never overtaken by a later one.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::vault::{ItemRef, SecretFields, StoredIn, Vault, VaultError};

/// The longest any account operation waits for one keychain call: long enough to type a
/// password into an unlock prompt, short enough that an ignored prompt ends in a message.
pub const KEYCHAIN_WAIT: Duration = Duration::from_secs(60);

/// A keychain change that takes back another one.
pub(super) type Undo = Box<dyn FnOnce(&dyn Vault) -> Result<(), VaultError> + Send>;

/// What a call still under way when its caller stopped waiting does when it finishes.
pub(super) enum Late {
    /// Nothing: a read, or a removal that cannot be taken back. Skipped if not started.
    Ignore,
    /// The caller reported failure, so a success is taken back with this. Skipped if not
    /// started.
    Undo(Undo),
    /// Wanted whenever it lands (undoing an earlier write, a new label): runs even when
    /// nobody waits for it any more.
    Wanted,
}

/// The vault behind bounded waits, with one queue of writes per account.
pub(super) struct Keychain {
    vault: Arc<dyn Vault>,
    wait: Duration,
    /// Per account id: held by the write under way, so the next one waits its turn. Entries
    /// nobody holds or waits for are dropped as new ones are made.
    turns: Mutex<BTreeMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl Keychain {
    pub(super) fn new(vault: Arc<dyn Vault>, wait: Duration) -> Self {
        Keychain {
            vault,
            wait,
            turns: Mutex::new(BTreeMap::new()),
        }
    }

    /// The same vault, waiting `wait` for each call.
    pub(super) fn with_wait(self, wait: Duration) -> Self {
        Keychain { wait, ..self }
    }

    /// The vault itself, for a question with its own bound (`keychain_readiness`).
    pub(super) fn vault(&self) -> Arc<dyn Vault> {
        Arc::clone(&self.vault)
    }

    /// Where `item` is kept: the store and the item's label (asks the keychain nothing).
    pub(super) fn stored_in(&self, item: &ItemRef) -> StoredIn {
        StoredIn {
            store: self.vault.store(),
            label: item.label.clone(),
        }
    }

    pub(super) async fn get(&self, account: &str) -> Result<Option<SecretFields>, VaultError> {
        let owned = account.to_string();
        self.call(None, Late::Ignore, move |v| v.get(&owned)).await
    }

    pub(super) async fn list(&self) -> Result<Vec<ItemRef>, VaultError> {
        self.call(None, Late::Ignore, |v| v.list()).await
    }

    pub(super) async fn put(
        &self,
        item: &ItemRef,
        secrets: SecretFields,
        late: Late,
    ) -> Result<(), VaultError> {
        let owned = item.clone();
        self.call(Some(&item.account), late, move |v| v.put(&owned, &secrets))
            .await
    }

    pub(super) async fn delete(&self, account: &str, late: Late) -> Result<(), VaultError> {
        let owned = account.to_string();
        self.call(Some(account), late, move |v| v.delete(&owned))
            .await
    }

    pub(super) async fn relabel(&self, item: &ItemRef) -> Result<(), VaultError> {
        let owned = item.clone();
        self.call(Some(&item.account), Late::Wanted, move |v| {
            v.relabel(&owned)
        })
        .await
    }

    /// The turn of writes to `account`'s item.
    fn turn(&self, account: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut turns = self.turns.lock().unwrap_or_else(|e| e.into_inner());
        turns.retain(|_, turn| Arc::strong_count(turn) > 1);
        Arc::clone(turns.entry(account.to_string()).or_default())
    }

    /// Runs `call` on a blocking thread (in `account`'s turn when it writes) and waits for
    /// it at most the keychain wait.
    ///
    /// A blocking-pool thread rather than a thread of its own: under tokio's paused test
    /// clock a call that is running holds the clock still, so only a call that really hangs
    /// ever runs out of time.
    async fn call<T: Send + 'static>(
        &self,
        account: Option<&str>,
        late: Late,
        call: impl FnOnce(&dyn Vault) -> Result<T, VaultError> + Send + 'static,
    ) -> Result<T, VaultError> {
        let turn = account.map(|a| self.turn(a));
        let vault = Arc::clone(&self.vault);
        let (answer, mut answered) = tokio::sync::oneshot::channel();
        tokio::task::spawn_blocking(move || {
            let _turn = turn.map(tokio::sync::Mutex::blocking_lock_owned);
            if answer.is_closed() && !matches!(late, Late::Wanted) {
                log::info!("skipped a keychain call nobody waits for any more");
                return;
            }
            let result = call(vault.as_ref());
            let Err(result) = answer.send(result) else {
                return;
            };
            match late {
                Late::Undo(undo) if result.is_ok() => match undo(vault.as_ref()) {
                    Ok(()) => log::warn!(
                        "the keychain answered after Keystep stopped waiting; the change was taken back"
                    ),
                    Err(e) => log::error!(
                        "the keychain answered after Keystep stopped waiting, and taking the change back failed: {e}"
                    ),
                },
                _ => log::info!("the keychain answered after Keystep stopped waiting"),
            }
        });
        match tokio::time::timeout(self.wait, &mut answered).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(VaultError::Failed(
                "the keychain call ended without an answer".into(),
            )),
            Err(_) => {
                // Closing first settles the race with an answer arriving right now: either
                // it is already here, or the thread learns that nobody is waiting.
                answered.close();
                answered.try_recv().unwrap_or_else(|_| {
                    Err(VaultError::Unavailable(format!(
                        "the keychain did not answer within {:?}",
                        self.wait
                    )))
                })
            }
        }
    }
}
