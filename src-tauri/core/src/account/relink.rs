//! Relinking: a new key for an account already linked, verified for the same tenant and
//! swapped in place, the old key put back if the book cannot be saved.
//!
//! Apart from linking because it answers other questions (which fields to keep, which key
//! to restore, which team store copies to rotate), and is long enough on its own.

use std::collections::BTreeMap;

use crate::input::parse_fields;
use crate::secret::Secret;
use crate::vault::{item_label, ItemRef, VaultError};

use super::linking::fingerprint;
use super::{copies, known_tenant, Account, Accounts, Late, LinkError, Linked, Status};
use crate::provider::Provider;

impl Accounts {
    /// The account `id` as it is, and its provider, for a change to it (a relink, a new
    /// purpose): refused in safe mode ([`LinkError::ReadOnly`]), for an unknown account, or
    /// for a provider this build does not know.
    pub(super) async fn writable_account(
        &self,
        id: &str,
    ) -> Result<(Account, &Provider), LinkError> {
        self.writable()?;
        let account = self
            .get(id)
            .await
            .ok_or_else(|| LinkError::UnknownAccount(id.to_string()))?;
        let provider = self.provider(&account.provider)?;
        Ok((account, provider))
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
        let (before, provider) = self.writable_account(id).await?;
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
}
