//! An account as the command line shows it: one [`AccountLine`] (an element of
//! `keystep list --json`, and `keystep link --json`'s last line), or a row of the table.
//!
//! Built from the book's [`Account`], which holds no secret, and only from the fields named
//! here: nothing is added by accident when the book grows.

use serde::Serialize;

pub use keystep_core::clock::rfc3339;

use keystep_core::account::{Account, Status};
use keystep_core::error::Code;
use keystep_core::provider::Catalogue;

/// One account, as `list --json` prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountLine {
    /// The name commands take (`payfit-acme-sas`).
    pub handle: String,
    /// The provider's id.
    pub provider: String,
    /// The provider's name.
    pub provider_name: String,
    /// The account's name (its label).
    pub name: String,
    /// The company the provider named, if any.
    pub company: Option<String>,
    /// `ok`, `limited`, `failing`, `unknown`, `unchecked` or `needs_relink`.
    pub status: &'static str,
    /// The last check's code when it was not a success.
    pub last_code: Option<Code>,
    /// When it was last checked, RFC 3339 in UTC; `None` when never.
    pub last_checked: Option<String>,
    /// The end of the key ("…x7Qa").
    pub fingerprint: String,
    /// What the key is for (`read`, `full`, …): what it is held to at each check.
    pub purpose: String,
    /// The key was verified against the provider's sandbox, not its production.
    pub sandbox: bool,
    /// The account's id (the keychain item's user).
    pub id: String,
    /// Its copies in team stores (`keystep push`).
    pub copies: Vec<super::push::CopyLine>,
}

/// `account` as a line.
pub fn account_line(account: &Account, catalogue: &Catalogue) -> AccountLine {
    AccountLine {
        handle: account.handle.clone(),
        provider: account.provider.clone(),
        provider_name: catalogue
            .get(&account.provider)
            .map_or_else(|| account.provider.clone(), |p| p.name.clone()),
        name: account.label.clone(),
        company: account.identity.company.clone(),
        status: status_word(account),
        last_code: account.last_code,
        last_checked: (account.checked_at > 0).then(|| rfc3339(account.checked_at)),
        fingerprint: account.fingerprint.clone(),
        purpose: account.purpose.clone(),
        sandbox: account.sandbox,
        id: account.id.clone(),
        copies: account.copies.iter().map(super::push::copy_line).collect(),
    }
}

/// The human table of `keystep list`: a header and one row per account, columns aligned.
pub fn table(lines: &[AccountLine]) -> String {
    let rows: Vec<[String; 6]> = std::iter::once(
        [
            "HANDLE",
            "PROVIDER",
            "NAME",
            "STATUS",
            "LAST CHECKED",
            "KEY",
        ]
        .map(String::from),
    )
    .chain(lines.iter().map(|l| {
        [
            l.handle.clone(),
            if l.sandbox {
                format!("{} (sandbox)", l.provider_name)
            } else {
                l.provider_name.clone()
            },
            l.name.clone(),
            l.status.to_string(),
            l.last_checked.as_deref().map_or_else(
                || "never".to_string(),
                |t| t.replacen('T', " ", 1).replace('Z', " UTC"),
            ),
            l.fingerprint.clone(),
        ]
    }))
    .collect();
    let mut widths = [0usize; 6];
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            line.push_str(cell);
            if i + 1 < row.len() {
                let pad = widths[i] - cell.chars().count() + 2;
                line.push_str(&" ".repeat(pad));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The status word `list` shows: the book's, with an account never checked (one rebuilt
/// from the keychain) `unchecked` rather than `unknown`.
pub fn status_word(account: &Account) -> &'static str {
    match account.status {
        Status::Ok => "ok",
        Status::Limited => "limited",
        Status::Failing => "failing",
        Status::NeedsRelink => "needs_relink",
        Status::Unknown if account.checked_at == 0 => "unchecked",
        Status::Unknown => "unknown",
    }
}
