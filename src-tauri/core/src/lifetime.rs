//! Where a key stands against its provider's lifetime rule, as a coded state the tray and
//! the window word in their own languages: "expires in 12 days", "dies if unused for 30
//! days — last used 3 days ago", or nothing to say.
//!
//! The rule is the provider file's (`lifetime`); what it needs of one key is on the account
//! (`expires_at`, recorded when the key was linked or replaced) and its last use: the last
//! time Keystep's own check got an answer with it, or a script's later use from the use log.

use serde::Serialize;

use crate::account::Account;
use crate::provider::Lifetime;

const DAY: u64 = 86_400;

/// Warn this many days before a key's known expiry.
pub const EXPIRY_WARNING_DAYS: u64 = 30;

/// A key's standing against its lifetime rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum KeyLife {
    /// No end is known. `full_access`: the key reaches everything and cannot be narrowed.
    Open {
        /// The provider's keys have full admin access.
        full_access: bool,
    },
    /// The key stops working at `at` ("expires in 12 days"; "expired 2 days ago").
    Expires {
        /// Unix seconds.
        at: u64,
        /// Whole days left, negative once past.
        days_left: i64,
        /// Within [`EXPIRY_WARNING_DAYS`], or past: worth a warning.
        soon: bool,
    },
    /// The expiry was chosen when the key was made, and Keystep does not know it.
    ExpiryUnknown,
    /// The key dies after `days` without use ("dies if unused for 30 days — last used 3
    /// days ago").
    DiesUnused {
        /// The provider's days without use.
        days: u32,
        /// The last use Keystep knows of (Unix seconds).
        last_used_at: Option<u64>,
        /// When it dies if nothing uses it before.
        dies_at: Option<u64>,
        /// A third of its grace or less is left: worth a warning.
        soon: bool,
    },
}

impl KeyLife {
    /// Whether the state deserves the person's attention now.
    pub fn soon(&self) -> bool {
        matches!(
            self,
            KeyLife::Expires { soon: true, .. } | KeyLife::DiesUnused { soon: true, .. }
        )
    }
}

/// `account`'s key against `rule` at `now`. `script_use` is the last use the use log
/// knows (a `keystep run`), when the caller read it.
pub fn key_life(rule: &Lifetime, account: &Account, script_use: Option<u64>, now: u64) -> KeyLife {
    match rule {
        Lifetime::NoExpiry { full_access } => KeyLife::Open {
            full_access: *full_access,
        },
        Lifetime::FixedDays { days } => {
            // Accounts linked before the expiry was recorded count from the key's change.
            let since = if account.changed_at > 0 {
                account.changed_at
            } else {
                account.created_at
            };
            expires(
                account.expires_at.unwrap_or(since + u64::from(*days) * DAY),
                now,
            )
        }
        Lifetime::ChosenExpiry { .. } => match account.expires_at {
            Some(at) => expires(at, now),
            None => KeyLife::ExpiryUnknown,
        },
        Lifetime::DiesUnused { days } => {
            let checked = (account.verified_at > 0).then_some(account.verified_at);
            let last_used_at = checked.max(script_use);
            let grace = u64::from(*days) * DAY;
            let dies_at = last_used_at.map(|t| t + grace);
            KeyLife::DiesUnused {
                days: *days,
                last_used_at,
                dies_at,
                soon: dies_at.is_some_and(|d| now.saturating_add(grace / 3) >= d),
            }
        }
    }
}

fn expires(at: u64, now: u64) -> KeyLife {
    let days_left = if at >= now {
        i64::try_from((at - now) / DAY).unwrap_or(i64::MAX)
    } else {
        -i64::try_from((now - at).div_ceil(DAY)).unwrap_or(i64::MAX)
    };
    KeyLife::Expires {
        at,
        days_left,
        soon: now.saturating_add(EXPIRY_WARNING_DAYS * DAY) >= at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(changed_at: u64, verified_at: u64, expires_at: Option<u64>) -> Account {
        let mut a: Account = serde_json::from_value(serde_json::json!({
            "id": "a1", "provider": "x", "label": "Acme", "fields": {},
            "identity": {"company": null, "head_count": null, "user": null},
            "status": "ok", "last_code": null, "message": "", "fingerprint": "…abcd",
            "permissions": {"required": [], "granted": [], "missing": [], "extra": [], "unchecked": []},
            "created_at": changed_at, "verified_at": verified_at, "changed_at": changed_at
        }))
        .expect("a minimal account parses");
        a.expires_at = expires_at;
        a
    }

    #[test]
    fn a_fixed_lifetime_counts_down_and_warns_ahead() {
        let rule = Lifetime::FixedDays { days: 730 };
        let a = account(0, 0, Some(100 * DAY));
        assert_eq!(
            key_life(&rule, &a, None, 88 * DAY),
            KeyLife::Expires {
                at: 100 * DAY,
                days_left: 12,
                soon: true
            },
            "expires in 12 days"
        );
        assert_eq!(
            key_life(&rule, &a, None, 102 * DAY + 1),
            KeyLife::Expires {
                at: 100 * DAY,
                days_left: -3,
                soon: true
            },
            "expired (a part day counts as a day)"
        );
        let old = account(DAY, DAY, None);
        assert!(
            matches!(key_life(&rule, &old, None, 2 * DAY), KeyLife::Expires { at, soon: false, .. } if at == 731 * DAY),
            "a book without the recorded expiry counts from the key's change"
        );
    }

    #[test]
    fn a_chosen_expiry_is_unknown_until_recorded() {
        let rule = Lifetime::ChosenExpiry {
            field: Some("expiration".into()),
            capture: None,
        };
        assert_eq!(
            key_life(&rule, &account(0, 0, None), None, DAY),
            KeyLife::ExpiryUnknown,
            "nothing recorded"
        );
        assert!(
            matches!(
                key_life(&rule, &account(0, 0, Some(90 * DAY)), None, DAY),
                KeyLife::Expires {
                    days_left: 89,
                    soon: false,
                    ..
                }
            ),
            "the recorded choice"
        );
    }

    #[test]
    fn a_key_that_dies_unused_counts_from_its_last_use() {
        let rule = Lifetime::DiesUnused { days: 30 };
        let a = account(0, 10 * DAY, None);
        assert_eq!(
            key_life(&rule, &a, None, 13 * DAY),
            KeyLife::DiesUnused {
                days: 30,
                last_used_at: Some(10 * DAY),
                dies_at: Some(40 * DAY),
                soon: false
            },
            "last used 3 days ago, by Keystep's own check"
        );
        assert!(
            matches!(key_life(&rule, &a, Some(12 * DAY), 13 * DAY), KeyLife::DiesUnused { last_used_at: Some(t), .. } if t == 12 * DAY),
            "a later script use counts"
        );
        assert!(
            key_life(&rule, &a, None, 31 * DAY).soon(),
            "nine days left of thirty: worth a warning"
        );
        assert_eq!(
            key_life(&Lifetime::NoExpiry { full_access: true }, &a, None, 0),
            KeyLife::Open { full_access: true },
            "no end known, full access said"
        );
    }
}
