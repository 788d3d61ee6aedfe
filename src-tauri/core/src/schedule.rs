//! The background schedule: when each account is due for another check, how long transient
//! trouble waits before a retry (network trouble, and Keystep's own: [`LocalTrouble`]), how
//! long the schedule sleeps ([`plan`], [`Accounts::plan`]), and the loop itself
//! ([`keep_watch`], run by the window through [`Watch`]). How hard each provider may be
//! asked is [`crate::pace`]'s.
//!
//! Due times are wall-clock Unix seconds, because they are derived from times stored in the
//! book (`checked_at`) and must survive a restart.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

use crate::account::{Account, Accounts, LocalTrouble, Status};
use crate::lifetime::{key_life, KeyLife};
use crate::provider::Lifetime;

/// The first retry after transient trouble waits this long (seconds); each further one
/// waits twice as long, up to the regular interval.
pub const FIRST_RETRY_SECS: u64 = 5 * 60;

/// The default time between two checks of an account (seconds).
pub const DEFAULT_INTERVAL_SECS: u64 = 6 * 60 * 60;

/// The longest the schedule sleeps without looking again (a changed clock, a resume from
/// suspend).
pub const MAX_SLEEP: Duration = Duration::from_secs(15 * 60);

/// The shortest the schedule sleeps, so a burst of wake-ups cannot spin.
pub const MIN_SLEEP: Duration = Duration::from_secs(5);

/// How long to wait after the `attempts`-th transient failure in a row: 5, 10, 20, 40…
/// minutes, never longer than the regular interval.
pub fn retry_delay(attempts: u32, interval_secs: u64) -> u64 {
    let doublings = attempts.saturating_sub(1).min(20);
    FIRST_RETRY_SECS
        .saturating_mul(1 << doublings)
        .min(interval_secs.max(1))
}

/// When `account` is due for its next background check, or `None` when a check could not
/// help: its key is gone from the keychain, and only the person can bring it back.
pub fn next_check_at(account: &Account, interval_secs: u64) -> Option<u64> {
    if account.status == Status::NeedsRelink {
        return None;
    }
    let last = account
        .checked_at
        .max(account.verified_at)
        .max(account.created_at);
    let wait = match &account.couldnt_check {
        Some(t) => retry_delay(t.attempts, interval_secs),
        None => interval_secs,
    };
    Some(last.saturating_add(wait))
}

/// The accounts due for a check at `now`, the longest-waiting first.
pub fn due(accounts: &[Account], now: u64, interval_secs: u64) -> Vec<String> {
    let mut due: Vec<(u64, &str)> = accounts
        .iter()
        .filter_map(|a| next_check_at(a, interval_secs).map(|at| (at, a.id.as_str())))
        .filter(|(at, _)| *at <= now)
        .collect();
    due.sort();
    due.into_iter().map(|(_, id)| id.to_string()).collect()
}

/// When the schedule should next wake up: the earliest due time, or `None` with nothing to
/// check.
pub fn next_wake(accounts: &[Account], interval_secs: u64) -> Option<u64> {
    accounts
        .iter()
        .filter_map(|a| next_check_at(a, interval_secs))
        .min()
}

/// What the background schedule does next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The accounts to check now, the longest-waiting first.
    pub due: Vec<String>,
    /// How long to sleep after checking them: until the next due time, between
    /// [`MIN_SLEEP`] and [`MAX_SLEEP`]. (Taken from a plan made after the checks.)
    pub sleep: Duration,
}

/// The schedule's next step at `now`: what is due and how long to sleep, where an account
/// `held` back by local trouble waits [`retry_delay`] after its last failed attempt (and
/// never less than its regular due time).
pub fn plan(
    accounts: &[Account],
    held: &BTreeMap<String, LocalTrouble>,
    now: u64,
    interval_secs: u64,
) -> Plan {
    let mut times: Vec<(u64, &str)> = accounts
        .iter()
        .filter_map(|a| {
            let at = next_check_at(a, interval_secs)?;
            let at = held.get(&a.id).map_or(at, |h| {
                at.max(
                    h.last
                        .saturating_add(retry_delay(h.attempts, interval_secs)),
                )
            });
            Some((at, a.id.as_str()))
        })
        .collect();
    times.sort();
    // Anything still due after a sweep is looked at again after the shortest sleep.
    let wake = times.first().map(|(at, _)| *at);
    Plan {
        due: times
            .iter()
            .filter(|(at, _)| *at <= now)
            .map(|(_, id)| id.to_string())
            .collect(),
        sleep: wake
            .map_or(MAX_SLEEP, |at| Duration::from_secs(at.saturating_sub(now)))
            .clamp(MIN_SLEEP, MAX_SLEEP),
    }
}

impl Accounts {
    /// What the background schedule should check now and how long it may sleep after,
    /// with checks at `interval_secs` and local trouble backing off like network trouble.
    pub async fn plan(&self, interval_secs: u64) -> Plan {
        self.with_schedule_facts(|accounts, held, now| plan(accounts, held, now, interval_secs))
            .await
    }
}

pub use crate::lifetime::EXPIRY_WARNING_DAYS;

/// What the background schedule needs from the front end that runs it: the window runs it
/// for real ([`keep_watch`] over its settings, its sweep with notifications, a sleep that
/// "Check all now" or a settings change cuts short); the tests run the very same loop over
/// an injected clock, so a change to the loop is a change to what they test.
pub trait Watch: Sync {
    /// The time between two checks of an account now (Settings may change it).
    fn interval_secs(&self) -> u64;

    /// Checks `ids` (and tells the person what changed).
    fn sweep(&self, ids: &[String]) -> impl std::future::Future<Output = ()> + Send;

    /// Waits `sleep`, or less when woken early; `false` ends the schedule.
    fn sleep(&self, sleep: Duration) -> impl std::future::Future<Output = bool> + Send;
}

/// The background schedule: every account at start (those waiting for a relink aside:
/// only the person can bring their key back), then each one as it falls due, sleeping as
/// [`Accounts::plan`] says after each sweep, so trouble backs off and nothing is asked
/// sooner than its provider allows. Returns when `watch` ends it, or at once in safe mode
/// (a verdict could not be kept, and the accounts shown are only labels).
pub async fn keep_watch(accounts: &Accounts, watch: &impl Watch) {
    if accounts.safe_mode().is_some() {
        log::warn!("safe mode: background checks are off until the account list can be read");
        return;
    }
    let mut first = true;
    loop {
        let interval = watch.interval_secs();
        let ids: Vec<String> = if first {
            accounts
                .list()
                .await
                .into_iter()
                .filter(|a| a.status != Status::NeedsRelink)
                .map(|a| a.id)
                .collect()
        } else {
            accounts.plan(interval).await.due
        };
        first = false;
        if !ids.is_empty() {
            watch.sweep(&ids).await;
        }
        let sleep = accounts.plan(interval).await.sleep;
        if !watch.sleep(sleep).await {
            return;
        }
    }
}

const DAY: u64 = 86_400;

/// How old an account's key is, and whether that calls for action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct KeyAge {
    /// Whole days since the key last changed.
    pub age_days: u64,
    /// The person's rotation reminder has come due.
    pub rotation_due: bool,
    /// When the key is expected to stop working, for providers whose keys expire.
    pub expires_at: Option<u64>,
    /// The expiry is less than [`EXPIRY_WARNING_DAYS`] away, or past.
    pub expiry_warning: bool,
    /// Where the key stands against its provider's lifetime rule, for the tray and the
    /// window to word.
    pub life: KeyLife,
}

/// The age of `account`'s key at `now`, given the provider's key lifetime rule, the last
/// use a script made of it (from the use log, when read) and the person's rotation
/// reminder (days, when set).
pub fn key_age(
    account: &Account,
    lifetime: &Lifetime,
    script_use: Option<u64>,
    reminder_days: Option<u32>,
    now: u64,
) -> KeyAge {
    let since = if account.changed_at > 0 {
        account.changed_at
    } else {
        account.created_at
    };
    let age_days = now.saturating_sub(since) / DAY;
    let life = key_life(lifetime, account, script_use, now);
    let (expires_at, expiry_warning) = match life {
        KeyLife::Expires { at, soon, .. } => (Some(at), soon),
        _ => (None, false),
    };
    KeyAge {
        age_days,
        rotation_due: reminder_days.is_some_and(|d| age_days >= u64::from(d)),
        expires_at,
        expiry_warning,
        life,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::Trouble;
    use crate::error::Code;

    fn account(status: Status, checked_at: u64, trouble: Option<Trouble>) -> Account {
        let mut a: Account = serde_json::from_value(serde_json::json!({
            "id": "a1", "provider": "humaans", "label": "Acme", "fields": {},
            "identity": {"company": null, "head_count": null, "user": null},
            "status": "ok", "last_code": null, "message": "", "fingerprint": "…abcd",
            "permissions": {"required": [], "granted": [], "missing": [], "extra": [], "unchecked": []},
            "created_at": 100, "verified_at": 100, "changed_at": 100
        }))
        .expect("a minimal account parses");
        a.status = status;
        a.checked_at = checked_at;
        a.couldnt_check = trouble;
        a
    }

    #[test]
    fn retries_back_off_up_to_the_interval() {
        let six_hours = DEFAULT_INTERVAL_SECS;
        let delays: Vec<u64> = (1..=8).map(|n| retry_delay(n, six_hours)).collect();
        assert_eq!(
            delays,
            vec![300, 600, 1200, 2400, 4800, 9600, 19200, 21600],
            "5 min doubling, capped at the interval"
        );
        assert_eq!(
            retry_delay(u32::MAX, 3600),
            3600,
            "no overflow on huge counts"
        );
    }

    #[test]
    fn due_times_follow_the_last_check_or_the_backoff() {
        let ok = account(Status::Ok, 1_000, None);
        assert_eq!(
            next_check_at(&ok, 3600),
            Some(4_600),
            "interval after the check"
        );
        let trouble = Trouble {
            code: Code::Unreachable,
            since: 1_000,
            attempts: 2,
        };
        let flaky = account(Status::Ok, 1_000, Some(trouble));
        assert_eq!(
            next_check_at(&flaky, 3600),
            Some(1_600),
            "second retry after 10 min"
        );
        let gone = account(Status::NeedsRelink, 1_000, None);
        assert_eq!(
            next_check_at(&gone, 3600),
            None,
            "a lost key waits for the person"
        );
    }

    #[test]
    fn due_lists_only_what_is_due_oldest_first() {
        let mut a = account(Status::Ok, 1_000, None);
        a.id = "late".into();
        let mut b = account(Status::Ok, 500, None);
        b.id = "later".into();
        let mut c = account(Status::Ok, 9_000, None);
        c.id = "fresh".into();
        let book = vec![a, b, c];
        assert_eq!(
            due(&book, 4_600, 3600),
            vec!["later".to_string(), "late".to_string()],
            "the longest-waiting first; the fresh one is not due"
        );
        assert_eq!(next_wake(&book, 3600), Some(4_100), "the earliest due time");
        assert_eq!(
            due(&book, 4_100, 3600),
            vec!["later".to_string()],
            "due exactly at its time, the other not yet"
        );
    }

    #[test]
    fn local_trouble_backs_off_from_its_last_attempt_and_never_hastens_a_check() {
        let a = account(Status::Ok, 1_000, None);
        let held = |attempts, last| {
            BTreeMap::from([(
                "a1".to_string(),
                LocalTrouble {
                    code: Code::KeychainUnavailable,
                    since: 4_600,
                    last,
                    attempts,
                },
            )])
        };
        let book = vec![a];
        let once = plan(&book, &held(1, 4_600), 4_600, 3600);
        assert!(once.due.is_empty(), "not due again at the failed attempt");
        assert_eq!(once.sleep, Duration::from_secs(300), "5 minutes on");
        assert!(
            plan(&book, &held(3, 5_000), 6_199, 3600).due.is_empty(),
            "after the third, 20 minutes: not a second less"
        );
        assert_eq!(
            plan(&book, &held(3, 5_000), 6_200, 3600).due,
            vec!["a1".to_string()],
            "due when the wait is over"
        );
        let early = plan(&book, &held(1, 1_000), 1_300, 3600);
        assert!(
            early.due.is_empty(),
            "trouble before the regular time does not bring the check forward"
        );
        assert_eq!(
            early.sleep,
            Duration::from_secs(900),
            "and the sleep stays within its bound"
        );
    }

    #[test]
    fn the_plan_sleeps_within_its_bounds_and_agrees_with_due() {
        let none = BTreeMap::new();
        assert_eq!(
            plan(&[], &none, 1_000, 3600),
            Plan {
                due: Vec::new(),
                sleep: MAX_SLEEP
            },
            "nothing to check: the longest sleep"
        );
        let book = vec![account(Status::Ok, 1_000, None)];
        let overdue = plan(&book, &none, 9_000, 3600);
        assert_eq!(overdue.due, due(&book, 9_000, 3600), "the same as `due`");
        assert_eq!(overdue.sleep, MIN_SLEEP, "still due: the shortest sleep");
        let gone = vec![account(Status::NeedsRelink, 1_000, None)];
        assert_eq!(
            plan(&gone, &none, 9_000, 3600).sleep,
            MAX_SLEEP,
            "a lost key is not waited for"
        );
    }

    #[test]
    fn key_age_counts_days_and_warns_ahead_of_expiry() {
        let mut a = account(Status::Ok, 0, None);
        a.changed_at = 1_000;
        let day = 86_400;
        let two_years = Lifetime::FixedDays { days: 730 };
        let young = key_age(&a, &two_years, None, Some(90), 1_000 + 10 * day);
        assert_eq!(young.age_days, 10, "ten days old");
        assert!(!young.rotation_due, "not yet 90 days");
        assert_eq!(young.expires_at, Some(1_000 + 730 * day), "two years on");
        assert!(!young.expiry_warning, "far from expiry");
        let old = key_age(&a, &two_years, None, Some(90), 1_000 + 701 * day);
        assert!(old.rotation_due, "past the reminder");
        assert!(old.expiry_warning, "29 days before expiry warns");
        let no_expiry = key_age(
            &a,
            &Lifetime::NoExpiry { full_access: false },
            None,
            None,
            1_000 + 5_000 * day,
        );
        assert_eq!(no_expiry.expires_at, None, "keys that do not expire");
        assert!(
            !no_expiry.expiry_warning && !no_expiry.rotation_due,
            "nothing due"
        );
    }
}
