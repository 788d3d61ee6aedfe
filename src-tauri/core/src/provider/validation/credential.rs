//! The rules for how a key travels and lives: the auth scheme and the fields it names, the
//! fixed headers, the declared reads, the lifetime rule, the sandbox hosts, and the signs of
//! the provider's own voice (`permission_error`, `own_header`). Each returns the first
//! problem found, naming where it is.

use std::collections::BTreeSet;

use super::*;

/// The scheme names declared fields, and each the kind of field it needs: a secret where
/// the key goes, never a choice, and the parts that are not secret (a Basic user name, a
/// client ID) not secret either, so they may be shown and stored.
pub(super) fn validate_auth(p: &Provider, keys: &BTreeSet<&str>) -> Result<(), String> {
    for key in p.auth.fields() {
        if !keys.contains(key) {
            return Err(format!("auth names undeclared field `{key}`"));
        }
        if p.field(key).is_some_and(|f| f.kind == FieldKind::Choice) {
            return Err(format!("auth names choice field `{key}`"));
        }
    }
    let secret = |key: &str| p.field(key).is_some_and(|f| f.secret);
    match &p.auth {
        Auth::Basic { username, .. } if secret(username) => {
            Err("the basic-auth user name should not be a secret field".into())
        }
        Auth::BasicKey { key, password } => {
            if !secret(key) {
                return Err(format!("auth: the key `{key}` must be a secret field"));
            }
            if password.chars().any(char::is_control) {
                return Err("auth: the fixed password holds a control character".into());
            }
            Ok(())
        }
        Auth::Header { name, value } => {
            if !is_header_name(name)
                || RESERVED_HEADERS.contains(&name.to_ascii_lowercase().as_str())
            {
                return Err(format!("auth: `{name}` cannot be the key's header"));
            }
            let names = placeholders(value);
            if names.len() != 1 || !secret(names[0]) {
                return Err("auth: the header's value holds exactly one secret field".into());
            }
            if value.chars().any(char::is_control) {
                return Err("auth: the header's value holds a control character".into());
            }
            Ok(())
        }
        Auth::ClientCredentials {
            client_id,
            client_secret,
            token_host,
            token_path,
            scopes,
            ..
        } => {
            if secret(client_id) || !secret(client_secret) {
                return Err(
                    "auth: the client ID is shown and stored, the client secret is a secret field"
                        .into(),
                );
            }
            if !p.hosts.contains_key(token_host) {
                return Err(format!("auth: unknown token host `{token_host}`"));
            }
            if !token_path.starts_with('/') || !placeholders(token_path).is_empty() {
                return Err("auth: the token path starts with / and is fixed".into());
            }
            if scopes.as_deref().is_some_and(|s| !is_pointer(s)) {
                return Err("auth: `scopes` must be a JSON pointer".into());
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Fixed headers: names a request may carry, printable values, nothing filled in (a secret
/// goes through `auth`, where it is marked sensitive).
pub(super) fn validate_headers(p: &Provider) -> Result<(), String> {
    for (name, value) in &p.headers {
        let lower = name.to_ascii_lowercase();
        if !is_header_name(name) || RESERVED_HEADERS.contains(&lower.as_str()) {
            return Err(format!(
                "headers: `{name}` cannot be set by a provider file"
            ));
        }
        if lower == "authorization"
            || matches!(&p.auth, Auth::Header { name: n, .. } if n.eq_ignore_ascii_case(name))
        {
            return Err(format!("headers: `{name}` is where the key goes"));
        }
        if value.is_empty() || value.chars().any(|c| c.is_control()) || value.contains(['{', '}']) {
            return Err(format!(
                "headers: `{name}` needs a fixed, printable value without placeholders"
            ));
        }
    }
    Ok(())
}

/// Declared reads: usable patterns, and only for a method that is not already a read (a GET
/// entry would suggest other GETs are writes).
pub(super) fn validate_reads(p: &Provider) -> Result<(), String> {
    for r in &p.reads {
        if r.method == Method::Get {
            return Err(format!(
                "reads: `{}` is a GET, which is a read anyway",
                r.path
            ));
        }
        if let Some(problem) = r.problem() {
            return Err(format!("reads: `{}` {problem}", r.path));
        }
    }
    Ok(())
}

/// The lifetime rule: days of at least one, and a chosen expiry that can be known (a choice
/// field whose every option says its days, or a capture some check makes). `days` on an
/// option means nothing elsewhere.
pub(super) fn validate_lifetime(p: &Provider) -> Result<(), String> {
    let chosen_field = match &p.lifetime {
        Lifetime::FixedDays { days: 0 } | Lifetime::DiesUnused { days: 0 } => {
            return Err("lifetime: days must be at least 1".into());
        }
        Lifetime::ChosenExpiry { field, capture } => {
            if field.is_none() && capture.is_none() {
                return Err("lifetime: a chosen expiry needs `field` or `capture`".into());
            }
            if let Some(f) = field {
                let usable = p.field(f).is_some_and(|f| {
                    f.kind == FieldKind::Choice
                        && f.options.iter().all(|o| o.days.is_some_and(|d| d > 0))
                });
                if !usable {
                    return Err(format!(
                        "lifetime: `{f}` must be a choice field whose every option has days"
                    ));
                }
            }
            if let Some(c) = capture {
                if !p.checks.iter().any(|check| check.capture.contains_key(c)) {
                    return Err(format!("lifetime: no check captures `{c}`"));
                }
            }
            field.as_deref()
        }
        _ => None,
    };
    for f in &p.fields {
        if Some(f.key.as_str()) != chosen_field && f.options.iter().any(|o| o.days.is_some()) {
            return Err(format!(
                "field `{}`: `days` goes with the field of a chosen_expiry lifetime",
                f.key
            ));
        }
    }
    Ok(())
}

/// Sandbox hosts are declared hosts; the provider's own voice is a pointer with a value,
/// or a header name.
pub(super) fn validate_sandbox_and_voice(p: &Provider) -> Result<(), String> {
    for h in &p.sandbox_hosts {
        if !p.hosts.contains_key(h) {
            return Err(format!("sandbox_hosts: unknown host `{h}`"));
        }
    }
    for m in &p.permission_error {
        if !is_pointer(&m.pointer) || m.pointer.is_empty() || m.equals.is_empty() {
            return Err("permission_error: a JSON pointer and a text to find there".into());
        }
    }
    if let Some(h) = &p.own_header {
        if !is_header_name(h) {
            return Err(format!("own_header: `{h}` is not a header name"));
        }
    }
    Ok(())
}
