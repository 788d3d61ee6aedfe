//! Linking a new account: the key is checked with the provider ([`Accounts::verify_new`]),
//! then stored in the keychain and the book together ([`Accounts::link_verified`]), or
//! refused when its tenant is already linked.
//!
//! Apart from the rest of [`Accounts`] because it is the longest of its changes, and the
//! one the window splits in two (a key lacking permissions waits as a [`Candidate`]).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::error::Code;
use crate::input::{parse_fields, InputError, Note};
use crate::provider::Provider;
use crate::secret::Secret;
use crate::store::CopyOutcome;
use crate::vault::{item_label, ItemRef, SecretFields, StoredIn, VaultError};
use crate::verify::Report;

use super::{
    handle, known_tenant, purpose, Account, AccountBook, Accounts, Late, LinkError, Status,
};

/// Whether a link may go ahead with permissions missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkMode {
    /// Every required permission must be there (the default).
    Complete,
    /// A key that works but lacks permissions is linked as [`Status::Limited`].
    AcceptMissing,
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
pub(super) fn check_label(label: &str) -> Result<&str, LinkError> {
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
    pub(super) async fn duplicate_of<'b>(
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

/// A hint to tell keys apart: the fingerprint of the last secret field.
pub(super) fn fingerprint(secrets: &SecretFields) -> String {
    secrets
        .values()
        .last()
        .map(Secret::fingerprint)
        .unwrap_or_default()
}
