//! An account's copies in team stores: pushing the key to one ([`Accounts::push`]),
//! rotating every copy when the key is replaced (from `relink`), confirming from the
//! stores' metadata that each copy is still the version Keystep wrote
//! ([`Accounts::confirm_copies`], the background checks), and deleting the copies the
//! person chose when forgetting ([`Accounts::delete_copies`]).
//!
//! The store is asked first, with no lock held; the account's record changes only after the
//! store confirmed, and is committed like every other change (re-read, merged, saved). A
//! first push whose record cannot be saved is taken back from the store, so no copy exists
//! that the account does not know about. A rotation that a store refuses leaves that copy
//! [`CopyState::Stale`] (retried at each check until it is current); one the store holds at
//! another version is [`CopyState::ChangedOutside`] and is never overwritten.

use std::collections::BTreeMap;

use crate::error::Code;
use crate::secret::Secret;
use crate::store::{
    CopyMeta, CopyOutcome, CopyState, Expect, StoreCopy, StoreError, Stores, Target,
};
use crate::vault::{SecretFields, VaultError};

use super::{Account, Accounts, LinkError};

/// What a copy holds: every field of the account, the non-secret ones included, so a
/// script on a server has all it needs (a HiBob service user's id beside its token).
pub(super) fn all_fields(
    public: &BTreeMap<String, String>,
    secrets: &SecretFields,
) -> SecretFields {
    let mut out: SecretFields = public
        .iter()
        .map(|(k, v)| (k.clone(), Secret::new(v.clone())))
        .collect();
    out.extend(secrets.iter().map(|(k, v)| (k.clone(), v.clone())));
    out
}

/// What Keystep knows about the account's key, written beside each copy.
fn meta_of(account: &Account) -> CopyMeta {
    CopyMeta {
        provider: account.provider.clone(),
        tenant: account.tenant.clone(),
        purpose: account.purpose.clone(),
        scopes: account.permissions.granted.clone(),
        verified_at: account.verified_at,
        expires_at: None,
        handle: account.handle.clone(),
    }
}

impl Accounts {
    /// The same accounts, pushing copies to `stores`.
    #[must_use]
    pub fn with_stores(mut self, stores: Stores) -> Self {
        self.stores = Some(stores);
        self
    }

    /// The team stores in use, if any were given.
    pub fn stores(&self) -> Option<&Stores> {
        self.stores.as_ref()
    }

    fn stores_or_refuse(&self) -> Result<&Stores, LinkError> {
        self.stores.as_ref().ok_or_else(|| {
            LinkError::Store(StoreError::Unexpected {
                store: "Keystep".into(),
                why: "no team store is set up in this build".into(),
            })
        })
    }

    /// Writes the account's key and what Keystep knows about it to `target`, and records the
    /// copy. A target the account already has is written again over the version Keystep
    /// wrote (how a stale copy is brought up to date); a new one must not exist yet. With
    /// `replace`, whatever the store holds now is replaced (the person looked at a copy
    /// changed outside Keystep, or at a secret of that name, and chose to overwrite it).
    ///
    /// # Errors
    /// [`LinkError::Store`] when the store refused or did not answer, or the copy was changed
    /// outside Keystep (nothing recorded then); the keychain or the book as for a relink.
    pub async fn push(
        &self,
        id: &str,
        target: &Target,
        replace: bool,
    ) -> Result<StoreCopy, LinkError> {
        let stores = self.stores_or_refuse()?.clone();
        self.push_via(&stores, id, target, replace).await
    }

    /// [`Accounts::push`] through `stores` rather than the accounts' own: a Vault token the
    /// person just gave, not kept yet.
    ///
    /// # Errors
    /// As [`Accounts::push`].
    pub async fn push_via(
        &self,
        stores: &Stores,
        id: &str,
        target: &Target,
        replace: bool,
    ) -> Result<StoreCopy, LinkError> {
        self.writable()?;
        let (account, epoch) = {
            let mut ledger = self.ledger.lock().await;
            self.refresh(&mut ledger);
            let index = ledger
                .position(id)
                .ok_or_else(|| LinkError::UnknownAccount(id.to_string()))?;
            (ledger.book.accounts[index].clone(), ledger.epoch(id))
        };
        let fields = self.fields_of(&account).await?;
        let known = account.copies.iter().find(|c| c.target == *target);
        let found = if replace {
            stores
                .of(target)
                .describe(target)
                .await
                .map_err(LinkError::Store)?
        } else {
            None
        };
        let expect = match (&found, known) {
            (Some(now), _) => Expect::Version(now),
            (None, Some(c)) if !replace => Expect::Version(&c.version),
            (None, _) => Expect::Absent,
        };
        let version = stores
            .of(target)
            .write(target, &fields, &meta_of(&account), expect)
            .await
            .map_err(LinkError::Store)?;
        drop(fields);
        let now = self.clock.unix_now();
        let copy = StoreCopy {
            target: target.clone(),
            version: version.clone(),
            written_at: now,
            confirmed_at: now,
            state: CopyState::Current,
            last_code: None,
        };
        let recorded = self
            .update_copies(
                id,
                |account, key_replaced| {
                    let mut copy = copy.clone();
                    // A relink finished while the old key was being written: this copy holds
                    // the old key until the next push or check brings it up to date.
                    if key_replaced {
                        copy.state = CopyState::Stale;
                    }
                    upsert(&mut account.copies, copy);
                },
                epoch,
            )
            .await;
        match recorded {
            Ok(account) => {
                log::info!("pushed account {id} to {target} (version {version})");
                Ok(account
                    .copies
                    .into_iter()
                    .find(|c| c.target == *target)
                    .unwrap_or(copy))
            }
            Err(e) => {
                if known.is_none() {
                    // No record, no copy: take the new one back.
                    if let Err(undo) = stores.of(target).delete(target, &version).await {
                        log::error!(
                            "could not take back the copy at {target} after a failed save: {undo}"
                        );
                    }
                }
                Err(e)
            }
        }
    }

    /// Writes `fields` (the new key, just committed) to every copy of `account` over the
    /// version Keystep wrote, and records how each went. Returns the account as recorded
    /// and one outcome per copy.
    pub(super) async fn rotate_copies(
        &self,
        id: &str,
        fields: &SecretFields,
        account: Account,
    ) -> (Account, Vec<CopyOutcome>) {
        let Some(stores) = self.stores.as_ref() else {
            let outcomes = account
                .copies
                .iter()
                .map(|c| {
                    CopyOutcome::failed(
                        &c.target,
                        &StoreError::Unexpected {
                            store: c.target.to_string(),
                            why: "no team store is set up in this build".into(),
                        },
                    )
                })
                .collect();
            return self.mark_all_stale(id, account, outcomes).await;
        };
        let meta = meta_of(&account);
        let mut outcomes = Vec::new();
        let mut results: Vec<(Target, Result<String, StoreError>)> = Vec::new();
        for copy in &account.copies {
            let written = stores
                .of(&copy.target)
                .write(&copy.target, fields, &meta, Expect::Version(&copy.version))
                .await;
            outcomes.push(match &written {
                Ok(v) => CopyOutcome::done(
                    &copy.target,
                    Some(v.clone()),
                    format!("The new key was written to {} (version {v}).", copy.target),
                ),
                Err(e) => CopyOutcome::failed(&copy.target, e),
            });
            results.push((copy.target.clone(), written));
        }
        let now = self.clock.unix_now();
        let recorded = self
            .update_copies(
                id,
                |account, _| {
                    for (target, result) in &results {
                        let Some(copy) = account.copies.iter_mut().find(|c| c.target == *target)
                        else {
                            continue;
                        };
                        apply_write(copy, result, now);
                    }
                },
                None,
            )
            .await;
        match recorded {
            Ok(account) => (account, outcomes),
            Err(e) => {
                log::error!("rotated the copies of {id}, but could not record it: {e}");
                (account, outcomes)
            }
        }
    }

    async fn mark_all_stale(
        &self,
        id: &str,
        account: Account,
        outcomes: Vec<CopyOutcome>,
    ) -> (Account, Vec<CopyOutcome>) {
        let recorded = self
            .update_copies(
                id,
                |account, _| {
                    for copy in &mut account.copies {
                        copy.state = CopyState::Stale;
                    }
                },
                None,
            )
            .await;
        (recorded.unwrap_or(account), outcomes)
    }

    /// Looks at each copy of the account in its store: the metadata only, never the secret.
    /// A copy still at the version Keystep wrote is confirmed; one at another version, or
    /// gone, is [`CopyState::ChangedOutside`]; a store that does not answer changes nothing
    /// but the copy's last code. A stale copy is written again (with check-and-set), which
    /// reads the key from the keychain as a check does.
    ///
    /// # Errors
    /// The account is unknown or the book cannot be saved.
    pub async fn confirm_copies(&self, id: &str) -> Result<Account, LinkError> {
        self.writable()?;
        let account = self
            .get(id)
            .await
            .ok_or_else(|| LinkError::UnknownAccount(id.to_string()))?;
        let Some(stores) = self.stores.as_ref() else {
            return Ok(account);
        };
        if account.copies.is_empty() {
            return Ok(account);
        }
        let epoch = self.ledger.lock().await.epoch(id);
        let meta = meta_of(&account);
        let mut looked: Vec<(Target, Look)> = Vec::new();
        for copy in &account.copies {
            let look = if copy.state == CopyState::Stale {
                match self.fields_of(&account).await {
                    Ok(fields) => Look::Written(
                        stores
                            .of(&copy.target)
                            .write(&copy.target, &fields, &meta, Expect::Version(&copy.version))
                            .await,
                    ),
                    Err(e) => Look::Failed(e.code()),
                }
            } else {
                match stores.of(&copy.target).describe(&copy.target).await {
                    Ok(found) => Look::Found(found),
                    Err(e) => Look::Failed(e.code()),
                }
            };
            looked.push((copy.target.clone(), look));
        }
        let now = self.clock.unix_now();
        self.update_copies(
            id,
            |account, key_replaced| {
                for (target, look) in &looked {
                    let Some(copy) = account.copies.iter_mut().find(|c| c.target == *target) else {
                        continue;
                    };
                    match look {
                        // The relink that replaced the key meanwhile rotates the copies.
                        _ if key_replaced => {}
                        Look::Written(result) => apply_write(copy, result, now),
                        Look::Found(Some(v)) if *v == copy.version => {
                            if copy.state == CopyState::ChangedOutside {
                                log::info!("the copy at {target} is back to Keystep's version");
                            }
                            copy.state = CopyState::Current;
                            copy.confirmed_at = now;
                            copy.last_code = None;
                        }
                        Look::Found(_) => {
                            if copy.state != CopyState::ChangedOutside {
                                log::warn!("the copy at {target} was changed outside Keystep");
                            }
                            copy.state = CopyState::ChangedOutside;
                            copy.last_code = Some(Code::StoreChanged);
                        }
                        Look::Failed(code) => copy.last_code = Some(*code),
                    }
                }
            },
            Some(epoch),
        )
        .await
    }

    /// Deletes the copies in `delete` (each only if it is still the version Keystep wrote)
    /// and forgets them; the account's other copies are left where they are. Returns one
    /// outcome per copy asked for.
    ///
    /// # Errors
    /// The account is unknown, or the book cannot be saved. A copy that could not be deleted
    /// is reported in its outcome and stays recorded.
    pub async fn delete_copies(
        &self,
        id: &str,
        delete: &[Target],
    ) -> Result<Vec<CopyOutcome>, LinkError> {
        self.writable()?;
        let account = self
            .get(id)
            .await
            .ok_or_else(|| LinkError::UnknownAccount(id.to_string()))?;
        let mut outcomes = Vec::new();
        let mut deleted = Vec::new();
        for target in delete {
            let Some(copy) = account.copies.iter().find(|c| c.target == *target) else {
                outcomes.push(CopyOutcome::failed(
                    target,
                    &StoreError::Missing(format!("{target} (not one of this account's copies)")),
                ));
                continue;
            };
            let stores = self.stores_or_refuse()?;
            match stores.of(target).delete(target, &copy.version).await {
                Ok(()) => {
                    outcomes.push(CopyOutcome::done(
                        target,
                        None,
                        format!("The copy at {target} was deleted."),
                    ));
                    deleted.push(target.clone());
                }
                Err(e) => outcomes.push(CopyOutcome::failed(target, &e)),
            }
        }
        if !deleted.is_empty() {
            self.update_copies(
                id,
                |account, _| account.copies.retain(|c| !deleted.contains(&c.target)),
                None,
            )
            .await?;
        }
        Ok(outcomes)
    }

    /// Every field of the account, its keychain secrets included.
    async fn fields_of(&self, account: &Account) -> Result<SecretFields, LinkError> {
        match self.keychain.get(&account.id).await {
            Ok(Some(secrets)) => Ok(all_fields(&account.fields, &secrets)),
            Ok(None) | Err(VaultError::Damaged) => Err(LinkError::UnknownAccount(format!(
                "{} (its key is not in the keychain)",
                account.id
            ))),
            Err(e) => Err(LinkError::Keychain(e)),
        }
    }

    /// Changes the account's copies with `change` and saves the book; `change` learns
    /// whether the key was replaced since `epoch` (when one is given).
    async fn update_copies(
        &self,
        id: &str,
        change: impl FnOnce(&mut Account, bool),
        epoch: impl Into<Option<u64>>,
    ) -> Result<Account, LinkError> {
        let epoch = epoch.into();
        let mut ledger = self.ledger.lock().await;
        self.refresh(&mut ledger);
        let index = ledger
            .position(id)
            .ok_or_else(|| LinkError::UnknownAccount(id.to_string()))?;
        let replaced = epoch.is_some_and(|e| ledger.epoch(id) != e);
        let mut next = ledger.book.clone();
        change(&mut next.accounts[index], replaced);
        self.save(&mut next).map_err(LinkError::Storage)?;
        ledger.book = next;
        ledger
            .position(id)
            .map(|i| ledger.book.accounts[i].clone())
            .ok_or_else(|| LinkError::UnknownAccount(id.to_string()))
    }
}

/// What a look at one copy found.
enum Look {
    /// Its current version (`None`: gone).
    Found(Option<String>),
    /// A stale copy written again.
    Written(Result<String, StoreError>),
    /// The store did not answer or refused.
    Failed(Code),
}

/// Records a write's result on its copy.
fn apply_write(copy: &mut StoreCopy, result: &Result<String, StoreError>, now: u64) {
    match result {
        Ok(version) => {
            copy.version.clone_from(version);
            copy.written_at = now;
            copy.confirmed_at = now;
            copy.state = CopyState::Current;
            copy.last_code = None;
        }
        Err(e @ StoreError::Changed { .. }) => {
            copy.state = CopyState::ChangedOutside;
            copy.last_code = Some(e.code());
        }
        Err(e) => {
            copy.state = CopyState::Stale;
            copy.last_code = Some(e.code());
        }
    }
}

fn upsert(copies: &mut Vec<StoreCopy>, copy: StoreCopy) {
    match copies.iter_mut().find(|c| c.target == copy.target) {
        Some(existing) => *existing = copy,
        None => copies.push(copy),
    }
}
