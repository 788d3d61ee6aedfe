//! What a report says once the chain has run: the permissions compared with what the guide
//! asked for, the identity read from the captures, the success line from the provider's
//! identity templates, and each outcome's message (the provider's own advice for a code, or
//! a generic sentence), with `{missing}`, `{retry}` and non-secret fields filled in.
//! Messages are built from templates only: never from a response body, a header or a secret.

use std::collections::{BTreeMap, BTreeSet};

use crate::error::Code;
use crate::input::Credentials;
use crate::provider::{placeholders, Provider};

use super::{render_text, Captured, Identity, PermissionReport, Stop};

/// The key's permissions against what `key_purpose` needs. Introspection (a `granted`
/// capture) decides, unless a read refused what it lists; otherwise probes prove or deny
/// what they can. Either way, what the key holds beyond the purpose is `extra`, an
/// unconfirmed permission is never missing, and a permission a read refused is never
/// granted: a Humaans token lists every box ticked, but sees only what its creator's role
/// sees.
pub(super) fn compare_permissions(
    provider: &Provider,
    key_purpose: &str,
    vars: &BTreeMap<String, Captured>,
    proven: &BTreeSet<String>,
    denied: &BTreeSet<String>,
) -> PermissionReport {
    let required = provider
        .purpose(key_purpose)
        .map(|p| p.permissions.clone())
        .unwrap_or_else(|| provider.permissions.required.clone());
    let introspected = match vars.get("granted") {
        Some(Captured::List(l)) => Some(l.clone()),
        _ => None,
    };
    let mut report = PermissionReport {
        required: required.clone(),
        ..Default::default()
    };
    let perms = &provider.permissions;
    match introspected {
        Some(granted) => {
            let absent = |r: &&String| !granted.contains(r) || denied.contains(*r);
            report.missing = required
                .iter()
                .filter(absent)
                .filter(|r| perms.confirmed(r))
                .cloned()
                .collect();
            // Never held against the key: the provider may not offer them at all.
            report.unconfirmed = required
                .iter()
                .filter(absent)
                .filter(|r| !perms.confirmed(r))
                .cloned()
                .collect();
            report.extra = granted
                .iter()
                .filter(|g| !required.contains(g))
                .cloned()
                .collect();
            report.granted = granted;
        }
        None => {
            report.granted = required
                .iter()
                .filter(|r| proven.contains(*r))
                .cloned()
                .collect();
            // Proven beyond the purpose, in the file's order.
            report.extra = provider
                .permissions
                .required
                .iter()
                .filter(|r| proven.contains(*r) && !required.contains(r))
                .cloned()
                .collect();
            report.missing = required
                .iter()
                .filter(|r| denied.contains(*r) && perms.confirmed(r))
                .cloned()
                .collect();
            report.unchecked = required
                .iter()
                .filter(|r| !proven.contains(*r) && (!denied.contains(*r) || !perms.confirmed(r)))
                .cloned()
                .collect();
        }
    }
    report.granted.retain(|g| !denied.contains(g));
    report
}

/// A sentence for missing permissions that introspection lists: only a read's refusal makes
/// a listed permission missing, so the key holds them, yet whoever made it may not use them
/// (`None` when there are none). Said in the provider's words for the permissions, never
/// from an answer.
pub(super) fn refused_though_listed(
    provider: &Provider,
    vars: &BTreeMap<String, Captured>,
    missing: &[String],
) -> Option<String> {
    let Some(Captured::List(granted)) = vars.get("granted") else {
        return None;
    };
    let refused: Vec<String> = missing
        .iter()
        .filter(|m| granted.contains(m))
        .map(|m| provider.permissions.shown(m))
        .collect();
    if refused.is_empty() {
        return None;
    }
    Some(format!(
        "{} lists {} on this key, yet refused to show that data: the account that created the key is most likely not allowed to see it.",
        provider.name,
        join_words(&refused)
    ))
}

pub(super) fn read_identity(provider: &Provider, vars: &BTreeMap<String, Captured>) -> Identity {
    let spec = &provider.identity;
    let read = |t: &Option<String>| t.as_deref().and_then(|t| render_text(t, vars));
    let head_count: Option<u64> = read(&spec.head_count).and_then(|n| n.trim().parse().ok());
    Identity {
        company: read(&spec.company),
        head_count_more: matches!((head_count, spec.head_count_page), (Some(n), Some(page)) if n >= page),
        head_count,
        user: read(&spec.user),
    }
}

pub(super) fn success_line(provider: &Provider, id: &Identity) -> String {
    let known: BTreeMap<&str, String> = [
        ("company", id.company.clone()),
        ("head_count", id.head_count.map(|n| n.to_string())),
        ("user", id.user.clone()),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.map(|v| (k, v)))
    .collect();
    for line in &provider.identity.success {
        if placeholders(line).iter().all(|p| known.contains_key(p)) {
            let mut out = line.clone();
            for (k, v) in &known {
                out = out.replace(&format!("{{{k}}}"), v);
            }
            return out;
        }
    }
    format!("Connected to {}", provider.name)
}

/// "a", "a and b", "a, b and c".
pub fn join_words(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// "in 30 seconds", "in 2 minutes", or "in a few minutes" when unknown.
pub fn retry_phrase(secs: Option<u64>) -> String {
    match secs {
        Some(0..=1) => "in a moment".into(),
        Some(s @ 2..=90) => format!("in {s} seconds"),
        Some(s) => format!("in {} minutes", s.div_ceil(60)),
        None => "in a few minutes".into(),
    }
}

pub(super) fn message_for(
    provider: &Provider,
    creds: &Credentials,
    code: Code,
    missing: &[String],
    stop: &Stop,
) -> String {
    let p = &provider.name;
    let generic = match code {
        Code::BadCredentials => format!(
            "{p} did not accept this key. Check that you copied all of it, or create a new one and paste that."
        ),
        Code::MissingPermission if missing.is_empty() => format!(
            "The key works, but {p} refused to show data Keystep needs. Give the key's user or service account read access in {p}, then try again."
        ),
        Code::MissingPermission => format!(
            "The key works but is missing {{missing}}. Grant {} in {p}, then try again.",
            if missing.len() == 1 { "it" } else { "them" }
        ),
        Code::WrongTenant => format!(
            "{p} does not know this company address. Check the spelling against the address you use to sign in to {p}."
        ),
        Code::RateLimited => format!(
            "{p} is limiting requests right now. Nothing is wrong with the key; try again {{retry}}."
        ),
        Code::Blocked => format!(
            "{p} is temporarily blocking requests from this computer after several failed attempts. Wait, then try again {{retry}}, with a key you have double-checked."
        ),
        Code::Unreachable => format!(
            "Keystep could not reach {p}. Check your internet connection, VPN or proxy, then try again."
        ),
        Code::ProviderError => format!(
            "{p} had a problem on its side{}. Nothing is wrong with your key as far as we can tell; try again in a few minutes.",
            stop.status.map(|s| format!(" (error {s})")).unwrap_or_default()
        ),
        Code::UnexpectedResponse => format!(
            "{p} answered in a way Keystep does not recognise{}. Try again; if it keeps happening, {p} may have changed its API.",
            stop.status.map(|s| format!(" (HTTP {s})")).unwrap_or_default()
        ),
        Code::InvalidInput => "Some of the details are not usable. Check the highlighted field.".into(),
        Code::KeychainUnavailable
        | Code::StorageFailed
        | Code::NotFound
        | Code::AlreadyLinked
        | Code::ReadOnly
        | Code::HostChanged
        | Code::Internal => {
            format!("Something went wrong inside Keystep while checking {p}. Try again.")
        }
    };
    let chosen = match provider.messages.get(&code) {
        // A text that names the missing items cannot be used when nothing is named.
        Some(text) if missing.is_empty() && text.contains("{missing}") => generic,
        Some(text) => text.clone(),
        None => generic,
    };
    let shown: Vec<String> = missing
        .iter()
        .map(|m| provider.permissions.shown(m))
        .collect();
    let mut msg = chosen
        .replace("{provider}", p)
        .replace("{missing}", &join_words(&shown))
        .replace("{retry}", &retry_phrase(stop.retry_after));
    // Non-secret fields only (validation refuses secret ones): `{subdomain}` and the like.
    for (key, value) in &creds.public {
        msg = msg.replace(&format!("{{{key}}}"), value);
    }
    if let Some(h) = &stop.hint {
        msg = format!("{h} {msg}");
    }
    msg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_join_like_a_sentence() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(join_words(&s(&["a"])), "a", "one");
        assert_eq!(join_words(&s(&["a", "b"])), "a and b", "two");
        assert_eq!(join_words(&s(&["a", "b", "c"])), "a, b and c", "three");
    }
}
