//! What the tray shows, as a pure function of the accounts: the icon, the tooltip and one
//! menu line per account. The shell only draws the result, so every wording and every
//! state is unit-tested here without a desktop.

use std::collections::BTreeMap;

use crate::account::{Account, Status};
use crate::error::Code;
use crate::lang::Lang;
use crate::lifetime::{key_life, KeyLife};
use crate::provider::Catalogue;
use crate::words::{words, Words};

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
pub fn status_phrase(account: &Account, w: &Words) -> &'static str {
    match account.status {
        Status::Ok => w.status_ok,
        Status::Limited => w.status_limited,
        Status::NeedsRelink => w.status_needs_relink,
        Status::Unknown => w.status_unknown,
        Status::Failing => match account.last_code {
            Some(Code::WrongTenant) => w.status_wrong_tenant,
            Some(Code::MissingPermission) => w.status_limited,
            _ => w.status_rejected,
        },
    }
}

/// "just now", "5 min ago", "3 h ago", "2 days ago" (or their French).
pub fn ago(now: u64, then: u64, w: &Words) -> String {
    let secs = now.saturating_sub(then);
    let n = |unit: u64| (secs / unit).to_string();
    match secs {
        0..=59 => w.ago_now.to_string(),
        60..=3599 => w.ago_minutes.replace("{n}", &n(60)),
        3600..=86_399 => w.ago_hours.replace("{n}", &n(3600)),
        _ => w.ago_days.of((secs / 86_400) as usize),
    }
}

/// What a key's lifetime adds to its menu line, if anything: an expiry coming (or past),
/// or how long an unused key has left. An expiry far away goes unsaid.
pub fn life_phrase(life: &KeyLife, now: u64, w: &Words) -> Option<String> {
    match *life {
        KeyLife::Expires {
            days_left,
            soon: true,
            ..
        } => Some(match days_left {
            0 => w.expires_today.to_string(),
            n if n > 0 => w.expires_in.of(n.unsigned_abs() as usize),
            n => w.expired.of(n.unsigned_abs() as usize),
        }),
        KeyLife::DiesUnused {
            days, last_used_at, ..
        } => Some(match last_used_at {
            Some(at) => w
                .dies_unused
                .replace("{days}", &days.to_string())
                .replace("{ago}", &ago(now, at, w)),
            None => w.dies_unused_never.replace("{days}", &days.to_string()),
        }),
        _ => None,
    }
}

/// Computes the tray for `accounts` at `now`, in `lang`; `checking` while a check runs.
/// `script_uses` is each account's last use by a script (account id → Unix seconds), for
/// keys that die unused; it may be empty.
pub fn tray_model(
    accounts: &[Account],
    catalogue: &Catalogue,
    script_uses: &BTreeMap<String, u64>,
    now: u64,
    checking: bool,
    lang: Lang,
) -> TrayModel {
    let w = words(lang);
    let lines = accounts
        .iter()
        .map(|a| {
            let provider = catalogue.get(&a.provider);
            let name = provider.map_or(a.provider.as_str(), |p| p.name.as_str());
            let mut text = if a.sandbox {
                format!(
                    "{name} ({}) — {} · {}",
                    w.sandbox,
                    a.label,
                    status_phrase(a, w)
                )
            } else {
                format!("{name} — {} · {}", a.label, status_phrase(a, w))
            };
            if a.verified_at > 0 {
                let when = ago(now, a.verified_at, w);
                text.push_str(" · ");
                text.push_str(&w.checked_ago.replace("{ago}", &when));
            }
            let life =
                provider.map(|p| key_life(&p.lifetime, a, script_uses.get(&a.id).copied(), now));
            if let Some(phrase) = life.and_then(|l| life_phrase(&l, now, w)) {
                text.push_str(" · ");
                text.push_str(&phrase);
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
    let mut tooltip = if accounts.is_empty() {
        w.tray_empty.to_string()
    } else if attention == 0 {
        format!("Keystep — {}", w.tray_ok.of(ok))
    } else if ok == 0 {
        format!("Keystep — {}", w.tray_attention.of(attention))
    } else {
        format!(
            "Keystep — {}, {}",
            w.tray_ok.of(ok),
            w.tray_attention_short.of(attention)
        )
    };
    if checking {
        tooltip.push_str(w.tray_checking);
    }
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
        let m = tray_model(&[], &catalogue(), &BTreeMap::new(), 2_000, false, Lang::En);
        assert_eq!(m.icon, TrayIcon::Empty, "empty icon");
        assert_eq!(m.tooltip, "Keystep — no accounts yet", "tooltip says so");
        assert!(m.lines.is_empty(), "no lines");
    }

    #[test]
    fn all_ok_is_healthy_and_lines_name_provider_label_state_and_age() {
        let accounts = [account("a", "payfit", "Acme SAS", "ok", None)];
        let m = tray_model(
            &accounts,
            &catalogue(),
            &BTreeMap::new(),
            1_000 + 300,
            false,
            Lang::En,
        );
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
        let m = tray_model(
            &accounts,
            &catalogue(),
            &BTreeMap::new(),
            1_000,
            false,
            Lang::En,
        );
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
        let m = tray_model(
            &accounts,
            &catalogue(),
            &BTreeMap::new(),
            1_000 + 2 * 86_400,
            true,
            Lang::En,
        );
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

    #[test]
    fn sandbox_accounts_and_key_lifetimes_are_said_on_their_line() {
        let mut sandbox = account("a", "hibob", "SERVICE-1", "ok", None);
        sandbox.sandbox = true;
        let mut namely = account("b", "namely", "acme", "ok", None);
        namely.expires_at = Some(1_000 + 12 * 86_400);
        let m = tray_model(
            &[sandbox, namely],
            &catalogue(),
            &BTreeMap::new(),
            1_000,
            false,
            Lang::En,
        );
        assert_eq!(
            m.lines[0].text, "HiBob (sandbox) — SERVICE-1 · OK · checked just now",
            "a sandbox is labelled"
        );
        assert_eq!(
            m.lines[1].text, "Namely — acme · OK · checked just now · expires in 12 days",
            "an expiry ahead is said"
        );
        let fr = tray_model(
            &m_accounts(),
            &catalogue(),
            &BTreeMap::new(),
            1_000,
            false,
            Lang::Fr,
        );
        assert_eq!(
            fr.lines[0].text, "HiBob (bac à sable) — SERVICE-1 · OK · vérifié à l’instant",
            "in French too"
        );
        let w = words(Lang::En);
        let dies = KeyLife::DiesUnused {
            days: 30,
            last_used_at: Some(1_000),
            dies_at: Some(1_000 + 30 * 86_400),
            soon: false,
        };
        assert_eq!(
            life_phrase(&dies, 1_000 + 3 * 86_400, w).as_deref(),
            Some("dies if unused for 30 days — last used 3 days ago"),
            "a key that dies unused"
        );
        let far = KeyLife::Expires {
            at: 1_000 + 300 * 86_400,
            days_left: 300,
            soon: false,
        };
        assert_eq!(
            life_phrase(&far, 1_000, w),
            None,
            "a far expiry goes unsaid"
        );
    }

    fn m_accounts() -> Vec<Account> {
        let mut sandbox = account("a", "hibob", "SERVICE-1", "ok", None);
        sandbox.sandbox = true;
        vec![sandbox]
    }

    #[test]
    fn french_is_drawn_in_french() {
        let accounts = [
            account("a", "payfit", "Acme SAS", "ok", None),
            account("b", "namely", "acme", "failing", Some("bad_credentials")),
        ];
        let m = tray_model(
            &accounts,
            &catalogue(),
            &BTreeMap::new(),
            1_000 + 2 * 86_400,
            false,
            Lang::Fr,
        );
        assert_eq!(m.tooltip, "Keystep — 1 compte OK, 1 à vérifier", "tooltip");
        assert_eq!(
            m.lines[1].text, "Namely — acme · clé refusée · vérifié il y a 2 jours",
            "menu line"
        );
    }
}
