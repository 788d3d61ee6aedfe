//! Keeping the book honest about the world: checking an account's key again
//! ([`Accounts::check`]), and matching the book with the keychain at start-up
//! ([`Accounts::reconcile`], [`Accounts::remove_orphan`]).
//!
//! A check never turns a working account into a failing one on a network error: only the
//! provider's verdict on the key (rejected, other tenant, permissions) changes what the
//! person is told to do, and it does so at once. Transient trouble is kept beside the
//! status ([`Account::couldnt_check`]) and becomes [`Status::Unknown`] ("couldn't check")
//! only once it persisted over [`TRANSIENT_TOLERANCE`] checks in a row; the
//! schedule retries it sooner, with backoff. Every check lands in the account's history.
//! A check that cannot happen or cannot be recorded because of Keystep's own trouble (the
//! keychain, the disk) says nothing about the key: the account stays as it was, and the
//! schedule backs off from it the same way ([`LocalTrouble`]).

use std::collections::{BTreeMap, BTreeSet};

use crate::error::Code;
use crate::input::parse_fields;
use crate::provider::Provider;
use crate::secret::Secret;
use crate::vault::{ItemRef, Readiness, VaultError};

/// How long asking whether the keychain is ready may take (it never prompts; a keychain
/// service that does not answer in this time is as good as absent).
pub const READINESS_WAIT: std::time::Duration = std::time::Duration::from_secs(3);
use crate::verify::Report;

use super::{
    known_tenant, Account, Accounts, Late, LinkError, LocalTrouble, Status, Trouble,
    TRANSIENT_TOLERANCE,
};

/// What a check concluded, before it is written into the account.
enum Verdict {
    /// The provider answered: the report says how the key is doing.
    Verified(Box<Report>),
    /// The key cannot be checked without the person: it is gone, damaged, or its
    /// non-secret fields are.
    NeedsRelink(String),
}

/// One account checked by [`Accounts::sweep`]: as it was, and as the check left it.
#[derive(Debug, Clone)]
pub struct Swept {
    /// Before the check.
    pub before: Account,
    /// After it.
    pub after: Account,
}

/// What [`Accounts::reconcile`] found.
#[derive(Debug, Clone, Default)]
pub struct Reconciliation {
    /// Accounts whose keychain item is gone, now [`Status::NeedsRelink`].
    pub needs_relink: Vec<String>,
    /// Keystep items with no account (id and label), for the person to remove or keep.
    pub orphans: Vec<ItemRef>,
    /// Why the keychain or the book could not be reconciled; statuses are unchanged then.
    pub problem: Option<LinkError>,
}

impl Accounts {
    /// Verifies an account's stored key again and records the outcome.
    ///
    /// The key is read from the keychain (on a blocking thread) and checked with the stored
    /// non-secret fields. Outcomes: a working key is [`Status::Ok`]; a missing permission
    /// [`Status::Limited`]; a rejected key or another tenant [`Status::Failing`]; a network
    /// or provider problem (`Code::is_transient`) or an unrecognised answer is recorded as
    /// trouble and becomes [`Status::Unknown`] once it persisted (or at once for an account
    /// never verified); a missing or damaged item, or lost fields, [`Status::NeedsRelink`]. A relink that finishes while the check runs
    /// wins: the check's older verdict is dropped.
    ///
    /// # Errors
    /// The account is unknown, the keychain cannot be read (status unchanged: a locked
    /// keychain says nothing about the key), or the book cannot be saved. Any of these but
    /// the first holds the account back from the schedule for a while.
    pub async fn check(
        &self,
        id: &str,
        progress: &crate::verify::Progress<'_>,
    ) -> Result<Account, LinkError> {
        // In safe mode nothing is sent either: there is nowhere to keep the verdict.
        self.writable()?;
        let (before, epoch) = {
            let ledger = self.ledger.lock().await;
            let index = ledger
                .position(id)
                .ok_or_else(|| LinkError::UnknownAccount(id.to_string()))?;
            (ledger.book.accounts[index].clone(), ledger.epoch(id))
        };
        let checked = self.check_key(&before, epoch, progress).await;
        if let Err(e) = &checked {
            self.hold_back(id, epoch, e).await;
        }
        checked
    }

    /// Reads `before`'s key, verifies it and records the verdict, unless its key was
    /// replaced since `epoch`.
    async fn check_key(
        &self,
        before: &Account,
        epoch: u64,
        progress: &crate::verify::Progress<'_>,
    ) -> Result<Account, LinkError> {
        let id = before.id.as_str();
        let provider = self.provider(&before.provider)?;
        // A stored key goes only where it was verified: an override set since (in any build)
        // must not redirect it. Refused before the key is even read, and the status stays:
        // this says nothing about the key.
        let hosts = self.verifier.hosts();
        let bases = hosts.bases_for(provider, &before.fields);
        if let Some(host) = hosts.unverified_host(provider, &before.fields, &before.verified_hosts)
        {
            log::warn!(
                "refused to check account {id}: its {host} host is not where its key was verified"
            );
            return Err(LinkError::HostChanged {
                provider: provider.name.clone(),
                variable: hosts.variable(provider, &host).map(str::to_string),
                host,
            });
        }
        let verdict = match self.keychain.get(id).await {
            Err(VaultError::Damaged) => Verdict::NeedsRelink(
                "The keychain item for this account is damaged. Relink it with a fresh key.".into(),
            ),
            Err(e) => return Err(LinkError::Keychain(e)),
            Ok(None) => Verdict::NeedsRelink(format!(
                "The {} key is no longer in your system keychain. Relink the account with a key.",
                provider.name
            )),
            Ok(Some(secrets)) => {
                let mut raw: BTreeMap<String, Secret> = before
                    .fields
                    .iter()
                    .map(|(k, v)| (k.clone(), Secret::new(v.clone())))
                    .collect();
                raw.extend(secrets);
                match parse_fields(provider, raw) {
                    // Input messages name fields, never values.
                    Err(e) => Verdict::NeedsRelink(format!(
                        "Keystep no longer has all of this account's details, so it cannot check the key: relink the account. ({})",
                        e.message
                    )),
                    Ok(creds) => {
                        let report = self
                            .verifier
                            .verify_for(
                                provider,
                                &creds,
                                &before.purpose,
                                crate::verify::Purpose::Check,
                                progress,
                            )
                            .await;
                        Verdict::Verified(Box::new(report))
                    }
                }
            }
        };
        let mut ledger = self.ledger.lock().await;
        let index = ledger
            .position(id)
            .ok_or_else(|| LinkError::UnknownAccount(id.to_string()))?;
        if ledger.epoch(id) != epoch {
            log::info!("dropped a check of {id}: its key was replaced meanwhile");
            return Ok(ledger.book.accounts[index].clone());
        }
        let mut account = ledger.book.accounts[index].clone();
        let worked = matches!(&verdict, Verdict::Verified(r) if r.ok || r.code == Some(Code::MissingPermission));
        apply(provider, &mut account, verdict, self.clock.unix_now());
        if worked && matches!(account.status, Status::Ok | Status::Limited) {
            // The guard let through only recorded hosts and, for a book older than the
            // record, the provider's own: those are where the key now proved to work.
            account.verified_hosts.extend(bases);
        }
        let mut next = ledger.book.clone();
        next.accounts[index] = account.clone();
        self.save(&mut next).map_err(LinkError::Storage)?;
        ledger.book = next;
        ledger.held.remove(id);
        log::info!(
            "checked {} account {id}: {:?}{}",
            account.provider,
            account.status,
            account
                .last_code
                .map(|c| format!(" ({c})"))
                .unwrap_or_default()
        );
        Ok(account)
    }

    /// Remembers that checking `id` failed inside Keystep, so the schedule waits 5, 10,
    /// 20… minutes before the next try instead of sending the provider the same chain again
    /// at once (when the save failed, the chain was sent) or reopening an unlock prompt.
    /// A relink since `epoch` proved the keychain works, so its check's failure is not kept.
    async fn hold_back(&self, id: &str, epoch: u64, error: &LinkError) {
        if matches!(error, LinkError::UnknownAccount(_)) {
            return;
        }
        let now = self.clock.unix_now();
        let mut ledger = self.ledger.lock().await;
        if ledger.position(id).is_none() || ledger.epoch(id) != epoch {
            return;
        }
        let held = ledger
            .held
            .entry(id.to_string())
            .and_modify(|h| {
                h.attempts = h.attempts.saturating_add(1);
                h.last = now;
                h.code = error.code();
            })
            .or_insert(LocalTrouble {
                code: error.code(),
                since: now,
                last: now,
                attempts: 1,
            });
        log::info!(
            "holding account {id} back from checks after {} failed attempt(s) ({})",
            held.attempts,
            held.code
        );
    }

    /// The codes of the trouble inside Keystep holding accounts back from checks now
    /// (a locked keychain, a book that cannot be saved, a changed host): the shell raises one
    /// notification when such trouble starts.
    pub async fn local_trouble(&self) -> BTreeSet<Code> {
        let ledger = self.ledger.lock().await;
        ledger.held.values().map(|h| h.code).collect()
    }

    /// Checks every account in `ids` and returns how each one was before and after.
    ///
    /// Each provider gets its own lane, so a slow one (HiBob, paced at a handful of requests
    /// a minute) never holds up the others: within a lane at most `concurrency` accounts are
    /// checked at once, and never more than the provider's own `pace.concurrent`; the
    /// verifier's [`Pacer`] keeps each provider within its rate. Accounts that vanished
    /// meanwhile are skipped; a check that could not run (a locked keychain, a full disk) is
    /// logged and left out, its account as it was (so it raises no notification), and held
    /// back from the schedule for a while.
    ///
    /// [`Pacer`]: crate::pace::Pacer
    pub async fn sweep(&self, ids: &[String], concurrency: usize) -> Vec<Swept> {
        use futures_util::StreamExt;
        // One read of the book to sort the ids into lanes; each check reads its account
        // afresh just before it runs.
        let provider_of: BTreeMap<String, String> = self
            .list()
            .await
            .into_iter()
            .map(|a| (a.id, a.provider))
            .collect();
        let mut lanes: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for id in ids {
            if let Some(provider) = provider_of.get(id) {
                lanes.entry(provider).or_default().push(id.clone());
            }
        }
        let lanes = lanes.into_iter().map(|(provider, ids)| {
            let width = self
                .catalogue
                .get(provider)
                .map_or(1, |p| p.pace.concurrent as usize)
                .min(concurrency)
                .max(1);
            futures_util::stream::iter(ids)
                .map(|id| async move {
                    let before = self.get(&id).await?;
                    match self.check(&id, &|_| {}).await {
                        // Then its copies in team stores, from their metadata.
                        Ok(after) => Some(Swept {
                            before,
                            after: self.confirm_copies(&id).await.unwrap_or(after),
                        }),
                        Err(e) => {
                            log::warn!("could not check account {id}: {e}");
                            None
                        }
                    }
                })
                .buffer_unordered(width)
                .filter_map(|swept| async move { swept })
                .collect::<Vec<_>>()
        });
        futures_util::future::join_all(lanes)
            .await
            .into_iter()
            .flatten()
            .collect()
    }

    /// Matches the book with the keychain, typically at start-up.
    ///
    /// Accounts whose item is gone become [`Status::NeedsRelink`] (and the book is saved);
    /// Keystep items with no account are returned as orphans for the person to remove
    /// ([`Accounts::remove_orphan`]) or keep. Never fails: a keychain that cannot be listed
    /// (locked, absent, or a platform that cannot enumerate items) or a book that cannot be
    /// saved leaves every status as it was and is reported in
    /// [`Reconciliation::problem`].
    pub async fn reconcile(&self) -> Reconciliation {
        // Without a readable book every keychain item would look like a leftover: in safe
        // mode nothing is offered for removal, and nothing is marked.
        if self.safe_mode.is_some() {
            return Reconciliation::default();
        }
        // As the writer, so no link or forget changes the keychain between the listing and
        // the book it is compared with.
        let _writer = self.writer.lock().await;
        let items = match self.keychain.list().await {
            Ok(items) => items,
            Err(e) => {
                log::warn!("could not reconcile with the keychain: {e}");
                return Reconciliation {
                    problem: Some(LinkError::Keychain(e)),
                    ..Reconciliation::default()
                };
            }
        };
        let mut ledger = self.ledger.lock().await;
        // The book as it is on disk now, read after the keychain was listed: another process
        // (`keystep link`) may have linked an account since this one last read it, and its
        // key must not look like a leftover (security review 3, finding 4).
        self.refresh(&mut ledger);
        let present: BTreeSet<&str> = items.iter().map(|i| i.account.as_str()).collect();
        let linked: BTreeSet<&str> = ledger.book.accounts.iter().map(|a| a.id.as_str()).collect();
        let orphans: Vec<ItemRef> = items
            .iter()
            .filter(|i| !linked.contains(i.account.as_str()))
            .cloned()
            .collect();
        let now = self.clock.unix_now();
        let mut next = ledger.book.clone();
        let mut needs_relink = Vec::new();
        for account in &mut next.accounts {
            if present.contains(account.id.as_str()) || account.status == Status::NeedsRelink {
                continue;
            }
            let name = self
                .catalogue
                .get(&account.provider)
                .map_or(account.provider.as_str(), |p| p.name.as_str());
            account.status = Status::NeedsRelink;
            account.last_code = None;
            account.message = format!(
                "The {name} key is no longer in your system keychain (it was removed outside Keystep). Relink the account with a key."
            );
            account.checked_at = now;
            needs_relink.push(account.id.clone());
        }
        if !needs_relink.is_empty() {
            if let Err(e) = self.save(&mut next) {
                log::warn!("could not save what reconciling found: {e}");
                return Reconciliation {
                    needs_relink: Vec::new(),
                    orphans,
                    problem: Some(LinkError::Storage(e)),
                };
            }
            ledger.book = next;
        }
        if !needs_relink.is_empty() || !orphans.is_empty() {
            log::info!(
                "reconciled: {} account(s) lost their key, {} keychain item(s) without account",
                needs_relink.len(),
                orphans.len()
            );
        }
        Reconciliation {
            needs_relink,
            orphans,
            problem: None,
        }
    }

    /// Whether the keychain could store a key now, without prompting. A keychain that does
    /// not answer within [`READINESS_WAIT`] counts as absent.
    pub async fn keychain_readiness(&self) -> Readiness {
        let vault = self.keychain.vault();
        let asked = tokio::task::spawn_blocking(move || vault.readiness());
        match tokio::time::timeout(READINESS_WAIT, asked).await {
            Ok(Ok(readiness)) => readiness,
            _ => Readiness::Absent,
        }
    }

    /// Deletes a Keystep keychain item that belongs to no account (an orphan found by
    /// [`Accounts::reconcile`]). Deleting an item that is already gone succeeds.
    ///
    /// # Errors
    /// [`LinkError::NotOrphan`] when the id is a linked account's (forget it instead), or
    /// the keychain refused.
    pub async fn remove_orphan(&self, id: &str) -> Result<(), LinkError> {
        self.writable()?;
        // As the writer while deleting, so a link cannot adopt the id in between; and against
        // the book as it is on disk now, so an account another process linked since the
        // leftovers were offered keeps its key.
        let _writer = self.writer.lock().await;
        {
            let mut ledger = self.ledger.lock().await;
            self.refresh(&mut ledger);
            if ledger.position(id).is_some() {
                return Err(LinkError::NotOrphan(id.to_string()));
            }
        }
        self.keychain
            .delete(id, Late::Ignore)
            .await
            .map_err(LinkError::Keychain)?;
        log::info!("removed orphaned keychain item {id}");
        Ok(())
    }
}

/// Writes a check's verdict into the account.
fn apply(provider: &Provider, account: &mut Account, verdict: Verdict, now: u64) {
    account.checked_at = now;
    let report = match verdict {
        Verdict::NeedsRelink(message) => {
            account.status = Status::NeedsRelink;
            account.last_code = None;
            account.message = message;
            account.couldnt_check = None;
            account.record_check(now, None);
            return;
        }
        Verdict::Verified(report) => report,
    };
    let other_tenant = matches!(
        (report.tenant.as_deref(), known_tenant(provider, account)),
        (Some(new), Some(old)) if new != old
    );
    if report.ok && other_tenant {
        account.status = Status::Failing;
        account.last_code = Some(Code::WrongTenant);
        account.message = format!(
            "This key now reaches a different {} account than the one linked. Relink it with a key for “{}”.",
            provider.name, account.label
        );
        account.verified_at = now;
        account.couldnt_check = None;
        account.record_check(now, Some(Code::WrongTenant));
        return;
    }
    let status = match report.code {
        None => Status::Ok,
        Some(Code::MissingPermission) => Status::Limited,
        Some(Code::BadCredentials | Code::WrongTenant) => Status::Failing,
        // Transient trouble, an answer Keystep does not recognise, or its own fault: no
        // verdict on the key, so no reason to alarm anyone yet.
        Some(_) => Status::Unknown,
    };
    if let (Status::Unknown, Some(code)) = (status, report.code) {
        let (since, attempts) = account
            .couldnt_check
            .map_or((now, 1), |t| (t.since, t.attempts.saturating_add(1)));
        account.couldnt_check = Some(Trouble {
            code,
            since,
            attempts,
        });
        // Until the trouble persisted, the last verdict stands: one dropped connection is
        // not news. An account never verified has no verdict to keep.
        if attempts >= TRANSIENT_TOLERANCE || account.verified_at == 0 {
            account.status = Status::Unknown;
            account.last_code = report.code;
            account.message.clone_from(&report.message);
        }
        account.record_check(now, report.code);
        return;
    }
    account.couldnt_check = None;
    account.status = status;
    account.last_code = report.code;
    account.message.clone_from(&report.message);
    // The key works: what it reaches and may do is current. A rejected key's permission
    // report says nothing, so the last known one stays.
    if matches!(status, Status::Ok | Status::Limited) {
        account.identity = report.identity.clone();
        account.permissions = report.permissions.clone();
        if report.tenant.is_some() {
            account.tenant.clone_from(&report.tenant);
        }
    }
    account.verified_at = now;
    // Books written before sandboxes were labelled learn it at the next check.
    account.sandbox = provider.is_sandbox(account.verified_hosts.keys());
    if account.expires_at.is_none() {
        account.expires_at = report.expires_at;
    }
    account.record_check(now, report.code);
}
