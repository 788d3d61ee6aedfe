//! Handles: the short, lower-case name a person types to mean one account on the command
//! line (`payfit-acme-sas`), shown in the window too.
//!
//! A handle is made once, from the provider id and the company (the label when the
//! provider names no company), and then kept: relinking and renaming the label leave it
//! alone, so scripts that name it keep working. It changes only when the person renames it
//! ([`check_handle`] says what a handle may be) or when two processes gave the same one to
//! different accounts at once, which [`settle_handles`] resolves the same way everywhere:
//! the first account in book order keeps it.
//!
//! Books written before handles existed get theirs when read, by the same rule, so the
//! window and the command line reading the same old book agree on every handle before
//! either writes it.

use std::collections::BTreeSet;

use crate::input::InputError;

use super::Account;

/// Longest handle, in characters: short enough to type, long enough to tell companies apart.
pub const MAX_HANDLE_CHARS: usize = 40;

/// `text` as a handle's letters: accented Latin letters without their accents, lower-case
/// ASCII letters and digits kept, every run of anything else one `-`, no `-` at either end,
/// at most [`MAX_HANDLE_CHARS`] characters.
pub fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
        } else if let Some(plain) = fold(c) {
            out.push_str(plain);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    cut(&out)
}

/// The accent-free spelling of common Latin letters (French and German company names are
/// Keystep's usual ones), so "Société Générale" reads `societe-generale`, not
/// `soci-t-g-n-rale`.
fn fold(c: char) -> Option<&'static str> {
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => "a",
        'æ' => "ae",
        'ç' => "c",
        'è' | 'é' | 'ê' | 'ë' => "e",
        'ì' | 'í' | 'î' | 'ï' => "i",
        'ñ' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' => "o",
        'œ' => "oe",
        'ù' | 'ú' | 'û' | 'ü' => "u",
        'ý' | 'ÿ' => "y",
        _ => return None,
    })
}

/// At most [`MAX_HANDLE_CHARS`] characters, without a `-` at either end.
fn cut(text: &str) -> String {
    let short: String = text.chars().take(MAX_HANDLE_CHARS).collect();
    short.trim_matches('-').to_string()
}

/// What an account's handle is made from: `<provider>-<company>`, the label standing in for
/// a company the provider did not name, the provider alone when neither has a letter or
/// digit to keep.
fn base(account: &Account) -> String {
    let provider = slug(&account.provider);
    let name = account
        .identity
        .company
        .as_deref()
        .map(slug)
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| slug(&account.label));
    let joined = match (provider.is_empty(), name.is_empty()) {
        (_, true) => provider,
        (true, false) => name,
        (false, false) => format!("{provider}-{name}"),
    };
    if joined.is_empty() {
        "account".to_string()
    } else {
        cut(&joined)
    }
}

/// A handle for `account` that is not in `taken`: its base, else the base with `-2`, `-3`…
pub fn new_handle(account: &Account, taken: &BTreeSet<&str>) -> String {
    let base = base(account);
    if !taken.contains(base.as_str()) {
        return base;
    }
    (2..)
        .map(|n| {
            let suffix = format!("-{n}");
            let room = MAX_HANDLE_CHARS - suffix.len();
            let stem: String = base.chars().take(room).collect();
            format!("{}{suffix}", stem.trim_end_matches('-'))
        })
        .find(|h| !taken.contains(h.as_str()))
        .unwrap_or(base)
}

/// Whether `handle` is one: 1 to [`MAX_HANDLE_CHARS`] lower-case ASCII letters and digits,
/// in groups joined by single `-`.
pub fn is_handle(handle: &str) -> bool {
    !handle.is_empty()
        && handle.len() <= MAX_HANDLE_CHARS
        && handle.split('-').all(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

/// A handle the person typed, trimmed and lower-cased, if it is one.
///
/// # Errors
/// [`InputError`] on field `handle`, saying what a handle may hold.
pub fn check_handle(typed: &str) -> Result<String, InputError> {
    let handle = typed.trim().to_ascii_lowercase();
    if is_handle(&handle) {
        return Ok(handle);
    }
    Err(InputError {
        field: "handle".into(),
        message: format!(
            "A handle needs 1 to {MAX_HANDLE_CHARS} lower-case letters (a to z) and digits, in groups joined by single hyphens, such as payfit-acme."
        ),
    })
}

/// Gives every account a handle, deterministically: an account whose handle is well formed
/// and not taken by an account before it keeps it; every other one (none yet, malformed,
/// or given twice) gets a new one, in book order, that no account holds.
pub fn settle_handles(accounts: &mut [Account]) {
    let mut kept = BTreeSet::new();
    let keeps: Vec<bool> = accounts
        .iter()
        .map(|a| is_handle(&a.handle) && kept.insert(a.handle.clone()))
        .collect();
    for (i, keep) in keeps.into_iter().enumerate() {
        if keep {
            continue;
        }
        let taken: BTreeSet<&str> = kept.iter().map(String::as_str).collect();
        let handle = new_handle(&accounts[i], &taken);
        kept.insert(handle.clone());
        accounts[i].handle = handle;
    }
}

/// No account has the handle asked for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", unknown_sentence(handles))]
pub struct UnknownHandle {
    /// Every handle there is, in book order.
    pub handles: Vec<String>,
}

impl UnknownHandle {
    /// Always [`crate::Code::NotFound`].
    pub fn code(&self) -> crate::Code {
        crate::Code::NotFound
    }
}

fn unknown_sentence(handles: &[String]) -> String {
    // What was typed is not repeated: it could be a key pasted in the wrong place.
    if handles.is_empty() {
        "No account has that handle: no account is linked yet.".to_string()
    } else {
        format!(
            "No account has that handle. The handles are: {}.",
            handles.join(", ")
        )
    }
}

/// The account of `accounts` whose handle is `asked` (trimmed, any case).
///
/// # Errors
/// [`UnknownHandle`], listing every handle.
pub fn resolve<'a>(accounts: &'a [Account], asked: &str) -> Result<&'a Account, UnknownHandle> {
    let wanted = asked.trim().to_ascii_lowercase();
    accounts
        .iter()
        .find(|a| a.handle == wanted)
        .ok_or_else(|| UnknownHandle {
            handles: accounts.iter().map(|a| a.handle.clone()).collect(),
        })
}
