//! One chain, run from start to finish: each check the key's purpose needs, the access
//! token fetched before the first that needs it, and what was learnt turned into the
//! [`Report`]. It is apart from `verify.rs`, which holds the types, the [`Verifier`] and
//! what a single check needs too (the client, the access token, a failed lookup weighed),
//! because the run is the long part and reads best on its own.

use std::collections::{BTreeMap, BTreeSet};

use crate::error::Code;
use crate::input::Credentials;
use crate::provider::{Lifetime, Provider, LEGACY_PURPOSE};

use super::answer::{self, Outcome};
use super::report;
use super::{
    render_text, text_var, unix_time, Captured, Progress, Purpose, Report, Session, Stop, Verifier,
};

impl Verifier {
    /// Runs `provider`'s checks with `creds`, for `purpose`, holding the key to the `full`
    /// purpose (everything the guide lists). `progress` hears each check as it starts (its id
    /// and its `doing` line, so a window can show the line in its own language).
    ///
    /// Never fails: every outcome, including unreachable hosts, is a [`Report`].
    pub async fn verify(
        &self,
        provider: &Provider,
        creds: &Credentials,
        purpose: Purpose,
        progress: &Progress<'_>,
    ) -> Report {
        self.verify_for(provider, creds, LEGACY_PURPOSE, purpose, progress)
            .await
    }

    /// [`Verifier::verify`], holding the key to the provider's purpose `key_purpose` (`read`,
    /// `full`…): what that purpose needs and the key lacks is missing, what the key holds
    /// beyond it is `extra`. A purpose the provider does not declare is held as `full`.
    pub async fn verify_for(
        &self,
        provider: &Provider,
        creds: &Credentials,
        key_purpose: &str,
        purpose: Purpose,
        progress: &Progress<'_>,
    ) -> Report {
        let key_purpose = match provider.purpose(key_purpose) {
            Some(p) => p.id.clone(),
            None => LEGACY_PURPOSE.to_string(),
        };
        // What the purpose needs: a probe that can prove only other permissions is not
        // sent. Proving a permission by a read means reading data (HiBob's payroll probe
        // reads an employee's salary), and a key held to `read` has no business reading
        // what `read` does not need, at every check; what it holds beyond its purpose is
        // then reported only where the provider lists its grants itself.
        let needed: BTreeSet<&str> = provider
            .purpose(&key_purpose)
            .map_or_else(
                || provider.permissions.required.iter().collect::<Vec<_>>(),
                |p| p.permissions.iter().collect(),
            )
            .into_iter()
            .map(String::as_str)
            .collect();
        let mut vars: BTreeMap<String, Captured> = creds
            .public
            .iter()
            .map(|(k, v)| (k.clone(), Captured::Text(v.clone())))
            .collect();
        let mut proven = BTreeSet::new();
        let mut denied = BTreeSet::new();
        let mut hints: Vec<String> = Vec::new();
        let mut stop = None;
        let mut session = Session::default();
        for check in &provider.checks {
            if check.when.iter().any(|n| !vars.contains_key(n))
                || check.unless.iter().any(|n| vars.contains_key(n))
            {
                continue;
            }
            if !check.needs.is_empty() && check.needs.iter().all(|n| !needed.contains(n.as_str())) {
                log::info!(
                    "{}: not probing {} (the {key_purpose} purpose does not need it)",
                    provider.id,
                    check.id
                );
                continue;
            }
            progress(check);
            if check.auth && session.token.is_none() {
                match self.access_token(provider, creds, purpose).await {
                    Ok(None) => {}
                    Ok(Some(token)) => {
                        // The scopes the token answer lists decide as an introspection would.
                        if let Some(scopes) = token.scopes() {
                            vars.insert("granted".into(), Captured::List(scopes.to_vec()));
                        }
                        session.token = Some(token);
                        // A check skipped once the scopes are known is not run.
                        if check.unless.iter().any(|n| vars.contains_key(n)) {
                            continue;
                        }
                    }
                    Err(s) => {
                        stop = Some(s);
                        break;
                    }
                }
            }
            match self
                .run_check(provider, check, creds, &vars, purpose, &mut session)
                .await
            {
                Ok(Outcome::Answer(answer)) => {
                    answer::capture(check, &answer, &mut vars);
                    if answer::proves(check, &answer) {
                        proven.extend(check.needs.iter().cloned());
                    }
                    // An expect that would have reported permissions missing held, so they
                    // are there (the group selects somebody, say).
                    proven.extend(check.expect.iter().flat_map(|e| e.missing.iter().cloned()));
                }
                Ok(Outcome::Skipped) => {}
                Ok(Outcome::Denied {
                    missing,
                    hint,
                    held,
                }) => {
                    denied.extend(missing);
                    hints.extend(hint);
                    proven.extend(held);
                }
                Err(s) => {
                    stop = Some(s);
                    break;
                }
            }
        }
        let permissions =
            report::compare_permissions(provider, &key_purpose, &vars, &proven, &denied);
        hints.extend(report::refused_though_listed(
            provider,
            &vars,
            &permissions.missing,
        ));
        let identity = report::read_identity(provider, &vars);
        let expires_at = match &provider.lifetime {
            Lifetime::ChosenExpiry {
                capture: Some(c), ..
            } => text_var(&vars, c).and_then(|t| unix_time(&serde_json::Value::String(t))),
            _ => None,
        };
        let tenant = provider
            .identity
            .tenant
            .as_deref()
            .and_then(|t| render_text(t, &vars));
        // A success must prove something: a chain that never learnt whose key this is
        // cannot say which account it would link, nor tell it from another.
        if stop.is_none() && provider.identity.tenant.is_some() && tenant.is_none() {
            log::warn!("{}: the chain ended without naming the tenant", provider.id);
            stop = Some(Stop::with_hint(
                Code::UnexpectedResponse,
                format!(
                    "{} did not say which account this key belongs to, so Keystep cannot tell what it would link.",
                    provider.name
                ),
            ));
        }
        // A refused key of a shape the provider retired gets the provider's own sentence.
        if let Some(s) = stop.as_mut().filter(|s| s.code == Code::BadCredentials) {
            if let Some(note) = retired_note(provider, creds) {
                s.hint = Some(note);
            }
        }
        if let (Some(pacer), Some(s)) = (&self.pacer, &stop) {
            if let (Code::RateLimited | Code::Blocked, Some(secs)) = (s.code, s.retry_after) {
                pacer.hold(&provider.id, secs).await;
            }
        }
        let (code, message, retry_after_secs) = match stop {
            Some(s) => {
                let msg = report::message_for(provider, creds, s.code, &permissions.missing, &s);
                (Some(s.code), msg, s.retry_after)
            }
            None if !permissions.missing.is_empty() => {
                let mut s = Stop::new(Code::MissingPermission);
                if !hints.is_empty() {
                    s.hint = Some(hints.join(" "));
                }
                let msg = report::message_for(provider, creds, s.code, &permissions.missing, &s);
                (Some(Code::MissingPermission), msg, None)
            }
            None => (None, report::success_line(provider, &identity), None),
        };
        Report {
            ok: code.is_none(),
            code,
            message,
            retry_after_secs,
            identity,
            permissions,
            notes: creds.notes.iter().map(|n| n.describe(provider)).collect(),
            tenant,
            purpose: key_purpose,
            expires_at,
        }
    }
}

/// The provider's sentence about a retired credential, when a value pasted in a field has
/// that credential's shape.
fn retired_note(provider: &Provider, creds: &Credentials) -> Option<String> {
    provider.fields.iter().find_map(|f| {
        let retired = f.retired.as_ref()?;
        let value = creds.value(&f.key)?;
        crate::provider::matches_simple_pattern(&retired.pattern, value)
            .then(|| retired.note.clone())
    })
}
