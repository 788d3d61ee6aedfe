//! Cleaning up what people paste, then checking it, before anything is sent.
//!
//! Admins paste tokens with trailing newlines, quotes from a password manager, a leading
//! `Bearer `, or a whole URL into a subdomain box. Each field kind has one normalizer
//! (`normalize`) that fixes what can be fixed safely, says what it changed, and rejects the
//! rest. A subdomain is reduced to a single DNS label so it can never change which host a
//! request goes to.
//!
//! Then the fields are checked against each other, because two-box forms invite pasting
//! into the wrong box: the same value in two boxes, `id:token` pasted into a Basic-auth
//! user name, or two values that each look like the other field's usual shape are refused
//! before anything is sent (HiBob blocks computers that send bad credentials repeatedly).
//!
//! What was changed and what is wrong are closed sets of codes ([`Change`], [`Problem`]) so
//! the window can word them in the person's language; the English sentences (`sentences`)
//! are for logs, the command line and error messages. [`preview_fields`] runs the same analysis as
//! [`parse_fields`] for validation while typing, and reports keys and codes, never values.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::error::Code;
use crate::provider::{Auth, Field, FieldKind, Provider};
use crate::secret::Secret;

mod normalize;
mod sentences;

pub use crate::provider::matches_simple_pattern;
pub use normalize::{
    is_dns_label, normalize_choice, normalize_identifier, normalize_subdomain, normalize_token,
    MIN_TOKEN_CHARS,
};

/// Longest value accepted in any field; far above any real key, far below abuse.
pub const MAX_FIELD_LEN: usize = 4096;

/// Cleaned, checked field values, split by secrecy.
#[derive(Debug, Clone, Default)]
pub struct Credentials {
    /// Non-secret values (subdomain, service user ID): account metadata.
    pub public: BTreeMap<String, String>,
    /// Secret values: only ever sent to the provider and the keychain.
    pub secrets: BTreeMap<String, Secret>,
    /// What the normalizers changed, for the person to read.
    pub notes: Vec<Note>,
}

impl Credentials {
    /// A field's value, secret or not, for building a request.
    pub fn value(&self, key: &str) -> Option<&str> {
        self.public
            .get(key)
            .map(String::as_str)
            .or_else(|| self.secrets.get(key).map(Secret::expose))
    }
}

/// What a normalizer did to a value, or noticed about it. Serialized snake_case, a closed set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// Spaces or line breaks around the value were removed.
    TrimmedWhitespace,
    /// Quotes around the value were removed.
    RemovedQuotes,
    /// A pasted `Authorization:` header name was removed.
    RemovedAuthorizationPrefix,
    /// A pasted `Bearer` scheme word was removed.
    RemovedBearerPrefix,
    /// A pasted `Token` scheme word was removed.
    RemovedTokenPrefix,
    /// `https://` or `http://` was removed from a subdomain.
    RemovedScheme,
    /// A page path (or query) after a host name was removed from a subdomain.
    RemovedPath,
    /// The vendor's domain (the field's `domain`) was removed from a subdomain.
    RemovedDomain,
    /// Not a change: the value does not match the field's usual pattern, and is kept as is.
    UnusualFormat,
    /// A pasted `client_id:client_secret` pair was split into its two boxes.
    SplitPair,
    /// A password pasted after the key (`key:` or `key:x`, as `curl -u` writes it) was
    /// removed: the provider takes the key as the user name with a fixed password.
    RemovedPassword,
    /// Not a change: the value has the shape of a credential the provider retired (the
    /// field's `retired`), so it will probably be refused; the provider's sentence says why.
    LooksRetired,
}

/// A change made to one field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Note {
    /// The field's key.
    pub field: String,
    /// What was done.
    pub change: Change,
}

/// A field's problem, as [`preview_fields`] reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldProblem {
    /// The field's key.
    pub field: String,
    /// What is wrong.
    pub problem: Problem,
    /// For problems between two fields: the other one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub other: Option<String>,
}

/// What the form would become: each field's changes and problems, by key and code only.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FieldsPreview {
    /// What the normalizers changed, per field in form order.
    pub notes: Vec<Note>,
    /// At most one problem per field: its own first, then those between fields.
    pub problems: Vec<FieldProblem>,
}

/// A field value that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct InputError {
    /// The field's key.
    pub field: String,
    /// What is wrong and what to do, naming the field by its label.
    pub message: String,
}

impl InputError {
    /// Always [`Code::InvalidInput`].
    pub fn code(&self) -> Code {
        Code::InvalidInput
    }
}

/// Normalizes and checks every field of `provider` from raw form values.
///
/// Unknown keys are rejected (a typo in a CLI `--field` must not be ignored). Secret raw
/// values are moved into [`Secret`]s.
///
/// # Errors
/// The first field that is missing, unknown or unusable.
pub fn parse_fields(
    provider: &Provider,
    raw: BTreeMap<String, Secret>,
) -> Result<Credentials, InputError> {
    let (creds, problems) = analyse(provider, raw);
    match problems.into_iter().next() {
        Some(found) => Err(InputError {
            message: found.sentence(provider),
            field: found.field,
        }),
        None => Ok(creds),
    }
}

/// What [`parse_fields`] would change and refuse, for validation as the person types.
/// Nothing is sent; the values are dropped (and wiped) before this returns.
pub fn preview_fields(provider: &Provider, raw: BTreeMap<String, Secret>) -> FieldsPreview {
    let (creds, problems) = analyse(provider, raw);
    FieldsPreview {
        notes: creds.notes,
        problems,
    }
}

/// The one analysis behind [`parse_fields`] and [`preview_fields`]: every field cleaned and
/// checked, then the fields without problems checked against each other. Problems come in
/// the order `parse_fields` reports them: unknown keys, each field in form order, then the
/// problems between fields.
fn analyse(
    provider: &Provider,
    mut raw: BTreeMap<String, Secret>,
) -> (Credentials, Vec<FieldProblem>) {
    let problem = |field: &str, problem: Problem| FieldProblem {
        field: field.to_string(),
        problem,
        other: None,
    };
    let mut problems: Vec<FieldProblem> = raw
        .keys()
        .filter(|k| provider.field(k).is_none())
        .map(|k| problem(k, Problem::UnknownField))
        .collect();
    let mut creds = Credentials::default();
    let mut split = Vec::new();
    if let Some(found) = split_client_pair(provider, &mut raw, &mut split) {
        problems.push(found);
    }
    for field in &provider.fields {
        let value = raw.remove(&field.key).unwrap_or_else(|| Secret::new(""));
        if value.expose().len() > MAX_FIELD_LEN {
            problems.push(problem(&field.key, Problem::TooLong));
            continue;
        }
        if problems.iter().any(|p| p.field == field.key) {
            continue;
        }
        let cleaned = match field.kind {
            FieldKind::Token => normalize_token(value.expose()),
            FieldKind::Identifier => normalize_identifier(value.expose()),
            FieldKind::Subdomain => {
                normalize_subdomain(value.expose(), field.domain.as_deref().unwrap_or(""))
            }
            FieldKind::Choice => normalize_choice(value.expose(), field),
        };
        let (mut clean, mut changes) = match cleaned {
            Ok(done) => done,
            Err(p) => {
                problems.push(problem(&field.key, p));
                continue;
            }
        };
        if split.contains(&field.key) {
            changes.insert(0, Change::SplitPair);
        }
        if let Auth::BasicKey { key, password } = &provider.auth {
            if *key == field.key {
                match strip_password(&clean, password) {
                    Ok(Some(bare)) => {
                        clean = bare;
                        changes.push(Change::RemovedPassword);
                    }
                    Ok(None) => {}
                    Err(p) => {
                        problems.push(problem(&field.key, p));
                        continue;
                    }
                }
            }
        }
        if let Some(pattern) = &field.usual_pattern {
            if !matches_simple_pattern(pattern, &clean) {
                changes.push(Change::UnusualFormat);
            }
        }
        if field
            .retired
            .as_ref()
            .is_some_and(|r| matches_simple_pattern(&r.pattern, &clean))
        {
            changes.push(Change::LooksRetired);
        }
        creds.notes.extend(changes.into_iter().map(|change| Note {
            field: field.key.clone(),
            change,
        }));
        if field.secret {
            creds.secrets.insert(field.key.clone(), Secret::new(clean));
        } else {
            creds.public.insert(field.key.clone(), clean);
        }
    }
    for found in check_across_fields(provider, &creds) {
        if !problems.iter().any(|p| p.field == found.field) {
            problems.push(found);
        }
    }
    (creds, problems)
}

/// Splits a `client_id:client_secret` pair pasted into either box of client credentials
/// (`split` learns which boxes it filled), or says why it cannot be: a pair in the ID box
/// whose secret differs from what the secret box holds. A colon in the secret box is split
/// only when what precedes it is the client ID (or the ID box is empty): a secret may hold
/// a colon of its own.
fn split_client_pair(
    provider: &Provider,
    raw: &mut BTreeMap<String, Secret>,
    split: &mut Vec<String>,
) -> Option<FieldProblem> {
    let Auth::ClientCredentials {
        client_id,
        client_secret,
        ..
    } = &provider.auth
    else {
        return None;
    };
    let value = |raw: &BTreeMap<String, Secret>, key: &str| {
        raw.get(key)
            .map(|s| zeroize::Zeroizing::new(s.expose().trim().to_string()))
            .unwrap_or_default()
    };
    let (id, secret) = (value(raw, client_id), value(raw, client_secret));
    let pair = |v: &str| {
        v.split_once(':')
            .filter(|(a, b)| !a.is_empty() && !b.is_empty() && !v.contains(char::is_whitespace))
            .filter(|_| !v.contains("://"))
            .map(|(a, b)| (a.to_string(), zeroize::Zeroizing::new(b.to_string())))
    };
    if let Some((a, b)) = pair(&id) {
        if !secret.is_empty() && *secret != *b {
            return Some(FieldProblem {
                field: client_id.clone(),
                problem: Problem::PastedTogether,
                other: Some(client_secret.clone()),
            });
        }
        raw.insert(client_id.clone(), Secret::new(a));
        split.push(client_id.clone());
        if secret.is_empty() {
            raw.insert(client_secret.clone(), Secret::new(b.as_str()));
            split.push(client_secret.clone());
        }
    } else if let Some((a, b)) = pair(&secret) {
        if id.is_empty() || *id == a {
            raw.insert(client_secret.clone(), Secret::new(b.as_str()));
            split.push(client_secret.clone());
            if id.is_empty() {
                raw.insert(client_id.clone(), Secret::new(a));
                split.push(client_id.clone());
            }
        }
    }
    None
}

/// A key sent as a Basic user name cannot hold `:`. A trailing `:` or `:password` with the
/// provider's fixed password is what `curl -u key:` pastes, and is removed (`Some`);
/// anything else after a colon is refused.
fn strip_password(clean: &str, password: &str) -> Result<Option<String>, Problem> {
    match clean.split_once(':') {
        None => Ok(None),
        Some((key, rest)) if !key.is_empty() && (rest.is_empty() || rest == password) => {
            Ok(Some(key.to_string()))
        }
        Some(_) => Err(Problem::ColonInKey),
    }
}

/// Mistakes only visible with two fields side by side, among fields that are fine alone.
/// Problems name fields, never values.
fn check_across_fields(provider: &Provider, creds: &Credentials) -> Vec<FieldProblem> {
    let mut found = Vec::new();
    let pair = |field: &str, problem: Problem, other: &str| FieldProblem {
        field: field.to_string(),
        problem,
        other: Some(other.to_string()),
    };
    let typed: Vec<(&Field, &str)> = provider
        .fields
        .iter()
        .filter(|f| f.kind != FieldKind::Choice)
        .filter_map(|f| creds.value(&f.key).map(|v| (f, v)))
        .collect();
    for (i, (a, va)) in typed.iter().enumerate() {
        for (b, vb) in &typed[i + 1..] {
            if va == vb {
                found.push(pair(&b.key, Problem::SameValue, &a.key));
            } else if looks_swapped(a, va, b, vb) {
                found.push(pair(&a.key, Problem::Swapped, &b.key));
            }
        }
    }
    // RFC 7617: a Basic-auth user name cannot hold a colon, so one there is a pasted
    // `id:token` pair, and the request would carry the wrong credential.
    if let Auth::Basic { username, password } = &provider.auth {
        if creds.value(username).is_some_and(|v| v.contains(':')) {
            found.push(pair(username, Problem::PastedTogether, password));
        }
    }
    found
}

/// Whether each value fails its own field's usual pattern and matches the other's. Both
/// fields must declare a pattern, so that only a clear swap is refused.
fn looks_swapped(a: &Field, va: &str, b: &Field, vb: &str) -> bool {
    let (Some(pa), Some(pb)) = (&a.usual_pattern, &b.usual_pattern) else {
        return false;
    };
    !matches_simple_pattern(pa, va)
        && matches_simple_pattern(pb, va)
        && !matches_simple_pattern(pb, vb)
        && matches_simple_pattern(pa, vb)
}

/// What makes a field unusable. Serialized snake_case, a closed set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Problem {
    /// Nothing was given.
    Empty,
    /// Longer than [`MAX_FIELD_LEN`].
    TooLong,
    /// Spaces or line breaks inside the value.
    InnerSpace,
    /// Control or other invisible characters.
    Invisible,
    /// Not a single DNS label after cleaning.
    NotASubdomain,
    /// A host under another domain than the vendor's.
    OtherDomain,
    /// Not one of a choice field's options.
    NotAnOption,
    /// The provider has no field with this key.
    UnknownField,
    /// The same value as the other field.
    SameValue,
    /// Each value looks like the other field's.
    Swapped,
    /// A Basic-auth user name holding `:`, so both values were pasted into it; or a
    /// `client_id:client_secret` pair whose secret differs from the secret's own box.
    PastedTogether,
    /// A key sent as a Basic user name holding `:` that is not a pasted password: it
    /// cannot be sent (RFC 7617).
    ColonInKey,
    /// A web address (`https://…`) where a key or an identifier goes: the page's address
    /// was copied instead of the key.
    PastedUrl,
    /// A whole command line (`curl -H "Authorization: …" https://…`) where a key goes.
    PastedCommand,
    /// Far shorter than any key ([`normalize::MIN_TOKEN_CHARS`]): a fragment, such as the
    /// end of a selection or a fingerprint from the account list.
    TooShort,
}

#[cfg(test)]
mod tests;
