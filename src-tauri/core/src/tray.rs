//! What the tray shows, as a pure function of the accounts: the icon, the tooltip and one
//! menu line per account. The shell only draws the result, so every wording and every
//! state is unit-tested here without a desktop.

use crate::account::{Account, Status};
use crate::error::Code;
use crate::provider::Catalogue;

/// Which tray image to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrayIcon {
    /// No account linked yet.
    Empty,
    /// Every account works.
    Healthy,
    /// At least one account needs the user (or could not be checked).
    Attention,
    /// A check is running.
    Checking,
}

/// One account's line in the tray menu.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrayLine {
    /// The account it opens.
    pub account_id: String,
    /// "PayFit — Acme SAS · OK · checked 5 min ago".
    pub text: String,
}

/// Everything the tray shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrayModel {
    /// The image.
    pub icon: TrayIcon,
    /// "Keystep — 4 accounts OK, 1 needs attention".
    pub tooltip: String,
    /// One line per account, in the book's order.
    pub lines: Vec<TrayLine>,
}

/// Whether an account needs the person to look at it.
pub fn needs_attention(status: Status) -> bool {
    !matches!(status, Status::Ok)
}

/// A short state phrase for a menu line.
pub fn status_phrase(account: &Account) -> &'static str {
    match account.status {
        Status::Ok => "OK",
        Status::Limited => "missing permissions",
        Status::NeedsRelink => "needs relinking",
        Status::Unknown => "couldn't check",
        Status::Failing => match account.last_code {
            Some(Code::WrongTenant) => "wrong address",
            Some(Code::MissingPermission) => "missing permissions",
            _ => "key rejected",
        },
    }
}

/// "just now", "5 min ago", "3 h ago", "2 days ago".
pub fn ago(now: u64, then: u64) -> String {
    let secs = now.saturating_sub(then);
    match secs {
        0..=59 => "just now".into(),
        60..=3599 => format!("{} min ago", secs / 60),
        3600..=86_399 => format!("{} h ago", secs / 3600),
        _ => match secs / 86_400 {
            1 => "1 day ago".into(),
            d => format!("{d} days ago"),
        },
    }
}

/// Computes the tray for `accounts` at `now`; `checking` while a check runs.
pub fn tray_model(
    accounts: &[Account],
    catalogue: &Catalogue,
    now: u64,
    checking: bool,
) -> TrayModel {
    let lines = accounts
        .iter()
        .map(|a| {
            let provider = catalogue
                .get(&a.provider)
                .map_or(a.provider.as_str(), |p| p.name.as_str());
            let mut text = format!("{provider} — {} · {}", a.label, status_phrase(a));
            if a.verified_at > 0 {
                text.push_str(&format!(" · checked {}", ago(now, a.verified_at)));
            }
            TrayLine {
                account_id: a.id.clone(),
                text,
            }
        })
        .collect();
    let attention = accounts
        .iter()
        .filter(|a| needs_attention(a.status))
        .count();
    let ok = accounts.len() - attention;
    let icon = match (checking, accounts.len(), attention) {
        (true, _, _) => TrayIcon::Checking,
        (false, 0, _) => TrayIcon::Empty,
        (false, _, 0) => TrayIcon::Healthy,
        _ => TrayIcon::Attention,
    };
    let plural = |n: usize, one: &str, many: &str| {
        if n == 1 {
            format!("1 {one}")
        } else {
            format!("{n} {many}")
        }
    };
    let tooltip = if accounts.is_empty() {
        "Keystep — no accounts yet".to_string()
    } else if attention == 0 {
        format!("Keystep — {} OK", plural(ok, "account", "accounts"))
    } else if ok == 0 {
        format!(
            "Keystep — {} attention",
            plural(attention, "account needs", "accounts need")
        )
    } else {
        format!(
            "Keystep — {} OK, {} attention",
            plural(ok, "account", "accounts"),
            plural(attention, "needs", "need")
        )
    };
    let tooltip = if checking {
        format!("{tooltip} (checking…)")
    } else {
        tooltip
    };
    TrayModel {
        icon,
        tooltip,
        lines,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(id: &str, provider: &str, label: &str, status: &str, code: Option<&str>) -> Account {
        serde_json::from_value(serde_json::json!({
            "id": id, "provider": provider, "label": label, "fields": {},
            "identity": {"company": null, "head_count": null, "user": null},
            "status": status, "last_code": code, "message": "", "fingerprint": "…abcd",
            "permissions": {"required": [], "granted": [], "missing": [], "extra": [], "unchecked": []},
            "created_at": 1_000, "verified_at": 1_000, "changed_at": 1_000
        }))
        .expect("a valid account")
    }

    fn catalogue() -> Catalogue {
        Catalogue::embedded().expect("catalogue")
    }

    #[test]
    fn no_accounts_is_its_own_state() {
        let m = tray_model(&[], &catalogue(), 2_000, false);
        assert_eq!(m.icon, TrayIcon::Empty, "empty icon");
        assert_eq!(m.tooltip, "Keystep — no accounts yet", "tooltip says so");
        assert!(m.lines.is_empty(), "no lines");
    }

    #[test]
    fn all_ok_is_healthy_and_lines_name_provider_label_state_and_age() {
        let accounts = [account("a", "payfit", "Acme SAS", "ok", None)];
        let m = tray_model(&accounts, &catalogue(), 1_000 + 300, false);
        assert_eq!(m.icon, TrayIcon::Healthy, "healthy");
        assert_eq!(m.tooltip, "Keystep — 1 account OK", "singular");
        assert_eq!(
            m.lines[0].text, "PayFit — Acme SAS · OK · checked 5 min ago",
            "menu line"
        );
        assert_eq!(m.lines[0].account_id, "a", "the line opens its account");
    }

    #[test]
    fn any_problem_needs_attention_and_is_counted() {
        let accounts = [
            account("a", "payfit", "Acme SAS", "ok", None),
            account("b", "namely", "acme", "failing", Some("bad_credentials")),
            account("c", "humaans", "Acme Ltd", "unknown", Some("unreachable")),
            account("d", "hibob", "SERVICE-1", "ok", None),
            account("e", "jazzhr", "jobs", "ok", None),
        ];
        let m = tray_model(&accounts, &catalogue(), 1_000, false);
        assert_eq!(m.icon, TrayIcon::Attention, "attention");
        assert_eq!(
            m.tooltip, "Keystep — 3 accounts OK, 2 need attention",
            "counts"
        );
        assert_eq!(
            m.lines[1].text, "Namely — acme · key rejected · checked just now",
            "red line"
        );
        assert!(
            m.lines[2].text.contains("couldn't check"),
            "transient is not 'broken'"
        );
    }

    #[test]
    fn checking_overrides_the_icon_and_marks_the_tooltip() {
        let accounts = [account(
            "a",
            "payfit",
            "Acme SAS",
            "failing",
            Some("wrong_tenant"),
        )];
        let m = tray_model(&accounts, &catalogue(), 1_000 + 2 * 86_400, true);
        assert_eq!(m.icon, TrayIcon::Checking, "checking wins");
        assert_eq!(
            m.tooltip, "Keystep — 1 account needs attention (checking…)",
            "tooltip"
        );
        assert!(
            m.lines[0]
                .text
                .ends_with("wrong address · checked 2 days ago"),
            "{}",
            m.lines[0].text
        );
    }
}
