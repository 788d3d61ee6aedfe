//! Time, injected, so that rate-limit resets, "last verified" and schedules are testable;
//! and the one way Keystep writes an instant for people and other programs ([`rfc3339`]).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A source of the current time.
pub trait Clock: Send + Sync {
    /// Now.
    fn now(&self) -> SystemTime;

    /// Now, as whole seconds since the Unix epoch (what the account book stores).
    fn unix_now(&self) -> u64 {
        self.now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
    }
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A clock that stands still until moved: for tests.
#[derive(Debug, Default)]
pub struct ManualClock {
    secs: AtomicU64,
}

impl ManualClock {
    /// A clock at `unix_secs`.
    pub fn at(unix_secs: u64) -> Self {
        ManualClock {
            secs: AtomicU64::new(unix_secs),
        }
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        self.secs.fetch_add(by.as_secs(), Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(self.secs.load(Ordering::SeqCst))
    }
}

/// Unix seconds as RFC 3339 in UTC, to the second (`2026-12-03T12:10:05Z`), as `keystep
/// list --json`, `keystep log` and a team store's `keystep:verified-at` show them. A time
/// past what RFC 3339 can write (after the year 9999) is written as its last second.
pub fn rfc3339(secs: u64) -> String {
    let last = jiff::Timestamp::MAX.as_second();
    let secs = i64::try_from(secs).unwrap_or(last).min(last);
    jiff::Timestamp::from_second(secs)
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_rfc_3339_in_utc_to_the_second() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z", "the epoch");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z", "a leap day");
        assert_eq!(
            rfc3339(1_700_000_000),
            "2023-11-14T22:13:20Z",
            "a known instant"
        );
        assert_eq!(
            rfc3339(4_102_444_799),
            "2099-12-31T23:59:59Z",
            "the end of a century's last day"
        );
        let far = rfc3339(u64::MAX);
        assert!(
            far.starts_with("9999-12-") && far.ends_with('Z') && !far.contains('.'),
            "past year 9999: its last whole second: {far}"
        );
    }
}
