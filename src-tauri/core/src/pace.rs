//! How hard Keystep may lean on a provider's API: a provider file's [`Pace`], and the
//! [`Pacer`] every request of the app goes through, linking and checking alike.
//!
//! Pacing uses tokio's monotonic [`Instant`], because it only matters within one process and
//! must not jump when the wall clock does; tests pause tokio's time to check it exactly.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::{Mutex, OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// How hard background checks may lean on one provider's API, from its provider file.
///
/// The limits hold across every account of the provider together: rate limits are counted
/// per client application or per IP (HiBob's firewall), not per key, so two tenants checked
/// from one machine share them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Pace {
    /// At most this many requests in any sliding minute.
    pub per_minute: u32,
    /// At most this many requests in flight at once.
    pub concurrent: u32,
}

impl Default for Pace {
    /// A cautious pace for a provider file that names none.
    fn default() -> Self {
        Pace {
            per_minute: 30,
            concurrent: 1,
        }
    }
}

/// One provider's share of the pacing: in-flight slots and the times of recent requests.
#[derive(Debug)]
struct Lane {
    slots: Arc<Semaphore>,
    /// Send times within the current window, oldest first, plus a pause the provider asked
    /// for (a `Retry-After`). Held while waiting, so requests leave in arrival order.
    sent: Mutex<(VecDeque<Instant>, Option<Instant>)>,
}

/// Paces requests to every provider: at most `per_minute` in any sliding window and at
/// most `concurrent` in flight, per provider, whatever the number of accounts being
/// checked. Shared by linking and background checks, since the provider counts both.
#[derive(Debug)]
pub struct Pacer {
    window: Duration,
    lanes: std::sync::Mutex<BTreeMap<String, Arc<Lane>>>,
}

/// Permission to send one request; the in-flight slot is released when it drops.
#[derive(Debug)]
pub struct Admission {
    _slot: OwnedSemaphorePermit,
}

impl Default for Pacer {
    fn default() -> Self {
        Self::new()
    }
}

impl Pacer {
    /// A pacer counting per real minute.
    pub fn new() -> Self {
        Self::with_window(Duration::from_secs(60))
    }

    /// A pacer whose "minute" lasts `window`: tests and the benchmark shrink it so a sweep
    /// of a hundred accounts takes seconds while the arithmetic stays the same.
    pub fn with_window(window: Duration) -> Self {
        Pacer {
            window,
            lanes: std::sync::Mutex::new(BTreeMap::new()),
        }
    }

    fn lane(&self, provider: &str, pace: Pace) -> Arc<Lane> {
        let mut lanes = self.lanes.lock().unwrap_or_else(|e| e.into_inner());
        Arc::clone(lanes.entry(provider.to_string()).or_insert_with(|| {
            Arc::new(Lane {
                slots: Arc::new(Semaphore::new(pace.concurrent.max(1) as usize)),
                sent: Mutex::new((VecDeque::new(), None)),
            })
        }))
    }

    /// Waits until one more request to `provider` keeps within `pace`, and records it.
    ///
    /// # Errors
    /// The provider asked Keystep to wait ([`Pacer::hold`]) and the wait is not over: the
    /// seconds left, so the caller reports "rate limited" at once instead of hanging.
    pub async fn admit(&self, provider: &str, pace: Pace) -> Result<Admission, u64> {
        let lane = self.lane(provider, pace);
        {
            let mut sent = lane.sent.lock().await;
            if let Some(until) = sent.1 {
                let now = Instant::now();
                if until > now {
                    let left = until - now;
                    return Err(left.as_secs() + u64::from(left.subsec_nanos() > 0));
                }
                sent.1 = None;
            }
        }
        let slot = Arc::clone(&lane.slots)
            .acquire_owned()
            .await
            .expect("pacer semaphores are never closed");
        let mut sent = lane.sent.lock().await;
        let limit = pace.per_minute.max(1) as usize;
        loop {
            let now = Instant::now();
            while sent
                .0
                .front()
                .is_some_and(|t| now.duration_since(*t) >= self.window)
            {
                sent.0.pop_front();
            }
            if sent.0.len() < limit {
                sent.0.push_back(now);
                break;
            }
            let oldest = *sent.0.front().expect("a full window has an oldest request");
            tokio::time::sleep_until(oldest + self.window).await;
        }
        Ok(Admission { _slot: slot })
    }

    /// The provider asked Keystep to wait (`Retry-After`): for `secs`, requests to it are
    /// refused at once (see [`Pacer::admit`]).
    pub async fn hold(&self, provider: &str, pace: Pace, secs: u64) {
        let lane = self.lane(provider, pace);
        let until = Instant::now() + Duration::from_secs(secs);
        let mut sent = lane.sent.lock().await;
        sent.1 = Some(sent.1.map_or(until, |u| u.max(until)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The largest number of admissions inside any window starting at an admission.
    fn busiest_window(times: &[Instant], window: Duration) -> usize {
        times
            .iter()
            .map(|start| {
                times
                    .iter()
                    .filter(|t| **t >= *start && t.duration_since(*start) < window)
                    .count()
            })
            .max()
            .unwrap_or(0)
    }

    #[tokio::test(start_paused = true)]
    async fn a_sliding_minute_never_holds_more_than_the_pace() {
        let pacer = Arc::new(Pacer::new());
        let pace = Pace {
            per_minute: 5,
            concurrent: 3,
        };
        let times = Arc::new(std::sync::Mutex::new(Vec::new()));
        let start = Instant::now();
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..17 {
            let (pacer, times) = (Arc::clone(&pacer), Arc::clone(&times));
            tasks.spawn(async move {
                let _admission = pacer.admit("hibob", pace).await.expect("not held");
                times.lock().expect("not poisoned").push(Instant::now());
                tokio::time::sleep(Duration::from_millis(200)).await;
            });
        }
        while tasks.join_next().await.is_some() {}
        let times = times.lock().expect("not poisoned").clone();
        assert_eq!(times.len(), 17, "every request was admitted");
        assert_eq!(
            busiest_window(&times, Duration::from_secs(60)),
            5,
            "five per minute, and the window was filled"
        );
        let took = times.iter().max().expect("some").duration_since(start);
        assert_eq!(
            took,
            Duration::from_secs(180),
            "17 requests at 5 a minute take three full minutes after the first"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn providers_are_paced_apart_and_in_flight_requests_are_bounded() {
        let pacer = Arc::new(Pacer::new());
        let pace = Pace {
            per_minute: 100,
            concurrent: 2,
        };
        let in_flight = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let peak = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..10 {
            let (pacer, in_flight, peak) = (
                Arc::clone(&pacer),
                Arc::clone(&in_flight),
                Arc::clone(&peak),
            );
            tasks.spawn(async move {
                let provider = if i % 2 == 0 { "namely" } else { "jazzhr" };
                let _admission = pacer.admit(provider, pace).await.expect("not held");
                if provider == "namely" {
                    let now = in_flight.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                    peak.fetch_max(now, std::sync::atomic::Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    in_flight.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
                }
            });
        }
        while tasks.join_next().await.is_some() {}
        assert_eq!(
            peak.load(std::sync::atomic::Ordering::SeqCst),
            2,
            "two Namely requests in flight at most, and the limit was reached"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_retry_after_refuses_requests_until_it_is_over() {
        let pacer = Pacer::new();
        let pace = Pace::default();
        pacer.hold("payfit", pace, 7).await;
        assert_eq!(
            pacer.admit("payfit", pace).await.err(),
            Some(7),
            "refused at once, with the wait left"
        );
        assert!(
            pacer.admit("humaans", pace).await.is_ok(),
            "other providers are not held"
        );
        tokio::time::sleep(Duration::from_millis(6_500)).await;
        assert_eq!(
            pacer.admit("payfit", pace).await.err(),
            Some(1),
            "half a second left rounds up"
        );
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert!(
            pacer.admit("payfit", pace).await.is_ok(),
            "the wait is over"
        );
    }
}
