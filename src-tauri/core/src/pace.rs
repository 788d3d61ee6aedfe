//! How hard Keystep may lean on a provider's API: a provider file's [`Pace`], and the
//! [`Pacer`] every request of a process goes through, linking, checking and `keystep run`'s
//! proxy alike (one per process, in `World`).
//!
//! A pace holds only what the vendor documents (`docs/providers/<id>.md` gives each source):
//! its rate [`Limit`]s, each on the requests it names, and the trigger of a [`Firewall`] in
//! front of its API. Where a vendor documents nothing, requests go freely, and the pacer
//! backs off when the provider itself says so: its `Retry-After` (or the wait its file
//! declares for a status) holds the provider's lane, and a 429 that names no wait holds it
//! 1, 2, 4… seconds (at most a minute) until an answer is not a 429. No limit is invented.
//!
//! Pacing uses tokio's monotonic [`Instant`], because it only matters within one process and
//! must not jump when the wall clock does; tests pause tokio's time to check it exactly.

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;
use tokio::time::Instant;

/// What a provider file says of its API's limits.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Pace {
    /// How many of Keystep's own checks of this provider's accounts run at once (a
    /// sweep's width): Keystep's choice, not a vendor's limit, so scripts through the proxy
    /// are not held to it.
    #[serde(default = "one")]
    pub concurrent: u32,
    /// The rate limits the vendor documents, each on the requests it names. Empty: none is
    /// documented, and requests go freely, backing off when the provider asks.
    #[serde(default)]
    pub limits: Vec<Limit>,
    /// A firewall in front of the API that blocks the machine after a burst of refusals
    /// (HiBob's), when the vendor documents it.
    #[serde(default)]
    pub firewall: Option<Firewall>,
}

fn one() -> u32 {
    1
}

impl Default for Pace {
    /// No documented limit; Keystep's own checks one at a time.
    fn default() -> Self {
        Pace {
            concurrent: 1,
            limits: Vec::new(),
            firewall: None,
        }
    }
}

/// One documented rate limit: at most `requests` in any `seconds`, on the requests `only`
/// names (all of them when absent).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Limit {
    /// How many requests.
    pub requests: u32,
    /// In how many seconds (a sliding window).
    pub seconds: u32,
    /// `"reads"`, `"writes"`, or one request as `"METHOD /path"` (below the host's base);
    /// absent: every request.
    #[serde(default)]
    pub only: Option<String>,
}

/// A documented firewall trigger: `count` answers with one of `statuses` within `seconds`
/// block the machine. Keystep holds the next request while it, with the refusals of the last
/// `seconds` and the requests still in flight (any may come back refused), could reach the
/// count: so at most `count - 1` requests are in flight or refused within the window.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Firewall {
    /// The statuses it counts (401, 403).
    pub statuses: Vec<u16>,
    /// How many of them block.
    pub count: u32,
    /// Within how many seconds.
    pub seconds: u32,
}

/// One request as the pacer sees it: what a [`Limit`]'s `only` is matched against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Call<'a> {
    /// The HTTP method, upper-case.
    pub method: &'a str,
    /// The path below the host's base, without its query.
    pub path: &'a str,
    /// Whether it only reads (GET, HEAD, or a read the provider file declares).
    pub read: bool,
}

impl Limit {
    /// Whether this limit counts `call`.
    pub fn counts(&self, call: Call<'_>) -> bool {
        match self.only.as_deref() {
            None => true,
            Some("reads") => call.read,
            Some("writes") => !call.read,
            Some(one) => one.split_once(' ').is_some_and(|(method, path)| {
                method == call.method
                    && path.trim_end_matches('/') == call.path.trim_end_matches('/')
            }),
        }
    }

    /// "50 a minute on POST /people/search", as a notice says it.
    pub fn describe(&self) -> String {
        let rate = match self.seconds {
            1 => format!("{} a second", self.requests),
            60 => format!("{} a minute", self.requests),
            3600 => format!("{} an hour", self.requests),
            s => format!("{} every {s} seconds", self.requests),
        };
        match self.only.as_deref() {
            None => rate,
            Some(only) => format!("{rate} on {only}"),
        }
    }
}

impl Pace {
    /// What a parser cannot check: every number at least 1, every `only` one of its forms.
    ///
    /// # Errors
    /// The sentence naming the mistake.
    pub fn check(&self) -> Result<(), String> {
        if self.concurrent == 0 {
            return Err("pace: concurrent must be at least 1".into());
        }
        for limit in &self.limits {
            if limit.requests == 0 || limit.seconds == 0 {
                return Err("pace: a limit's requests and seconds must be at least 1".into());
            }
            if let Some(only) = &limit.only {
                let plain = matches!(only.as_str(), "reads" | "writes")
                    || only.split_once(' ').is_some_and(|(m, p)| {
                        !m.is_empty()
                            && m.chars().all(|c| c.is_ascii_uppercase())
                            && p.starts_with('/')
                            && !p.contains([' ', '?', '{'])
                    });
                if !plain {
                    return Err(format!(
                        "pace: a limit's only = \"{only}\" must be \"reads\", \"writes\" or \"METHOD /path\""
                    ));
                }
            }
        }
        if let Some(f) = &self.firewall {
            if f.count == 0 || f.seconds == 0 || f.statuses.is_empty() {
                return Err(
                    "pace: a firewall needs statuses, and a count and seconds of at least 1".into(),
                );
            }
        }
        Ok(())
    }
}

/// Why a request waits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hold {
    /// A documented rate limit is reached.
    Limit(Limit),
    /// One more refusal could trip the firewall.
    Firewall(Firewall),
}

/// What the provider said about waiting, and the firewall's count.
#[derive(Debug, Default)]
struct Told {
    /// No request before this (a `Retry-After`, or the back-off after a 429).
    until: Option<Instant>,
    /// 429s in a row that named no wait.
    strikes: u32,
    /// When the answers a firewall counts came back.
    refusals: VecDeque<Instant>,
}

/// One provider's share of the pacing.
#[derive(Debug, Default)]
struct Lane {
    /// Send times within each limit's window, by the limit's place in the pace. Held while
    /// waiting, so requests leave in the order they came.
    sent: Mutex<Vec<VecDeque<Instant>>>,
    told: std::sync::Mutex<Told>,
    in_flight: AtomicU32,
    /// Woken each time a request comes back (its admission drops).
    came_back: tokio::sync::Notify,
}

/// Paces requests to every provider by what each documents (see the module's paragraph),
/// across every account: limits are counted per client application or per IP, not per key.
#[derive(Debug)]
pub struct Pacer {
    /// How long a pace's minute lasts here (a real minute, or shorter in tests).
    minute: Duration,
    lanes: std::sync::Mutex<BTreeMap<String, Arc<Lane>>>,
}

/// Permission to send one request; it counts as in flight until dropped.
#[derive(Debug)]
pub struct Admission {
    lane: Arc<Lane>,
}

impl Drop for Admission {
    fn drop(&mut self) {
        self.lane.in_flight.fetch_sub(1, Ordering::SeqCst);
        self.lane.came_back.notify_waiters();
    }
}

impl Default for Pacer {
    fn default() -> Self {
        Self::new()
    }
}

/// The longest wait a 429 without a wait of its own holds the lane for.
const MAX_BACKOFF_SECS: u64 = 60;

impl Pacer {
    /// A pacer counting in real time.
    pub fn new() -> Self {
        Self::with_window(Duration::from_secs(60))
    }

    /// A pacer whose minute lasts `window` (every limit's seconds shrink alike): tests and
    /// the benchmark shrink it so a sweep takes seconds while the arithmetic stays the same.
    pub fn with_window(window: Duration) -> Self {
        Pacer {
            minute: window,
            lanes: std::sync::Mutex::new(BTreeMap::new()),
        }
    }

    /// `seconds` of a pace, as long as they last here.
    fn span(&self, seconds: u32) -> Duration {
        self.minute.mul_f64(f64::from(seconds) / 60.0)
    }

    fn lane(&self, provider: &str) -> Arc<Lane> {
        let mut lanes = self.lanes.lock().unwrap_or_else(|e| e.into_inner());
        Arc::clone(lanes.entry(provider.to_string()).or_default())
    }

    /// Waits until one more request `call` to `provider` keeps within `pace`, and records it.
    ///
    /// # Errors
    /// The provider asked Keystep to wait ([`Pacer::hold`]) and the wait is not over: the
    /// seconds left, so the caller reports "rate limited" at once instead of hanging.
    pub async fn admit(
        &self,
        provider: &str,
        pace: &Pace,
        call: Call<'_>,
    ) -> Result<Admission, u64> {
        self.admit_noting(provider, pace, call, &|_, _| {}).await
    }

    /// [`Pacer::admit`], telling `held` why and how long a request waits before it waits.
    ///
    /// # Errors
    /// As [`Pacer::admit`].
    pub async fn admit_noting(
        &self,
        provider: &str,
        pace: &Pace,
        call: Call<'_>,
        held: &(dyn Fn(&Hold, Duration) + Sync),
    ) -> Result<Admission, u64> {
        let lane = self.lane(provider);
        let mut sent = lane.sent.lock().await;
        if sent.len() < pace.limits.len() {
            sent.resize_with(pace.limits.len(), VecDeque::new);
        }
        loop {
            // Made before looking, so a request that comes back meanwhile still wakes us.
            let came_back = lane.came_back.notified();
            let now = Instant::now();
            let mut wait: Option<(Duration, Hold)> = None;
            let mut in_flight_full = false;
            let mut longer = |d: Duration, why: Hold| {
                if d > wait.as_ref().map_or(Duration::ZERO, |w| w.0) {
                    wait = Some((d, why));
                }
            };
            {
                let mut told = lane.told.lock().unwrap_or_else(|e| e.into_inner());
                if let Some(until) = told.until {
                    if until > now {
                        let left = until - now;
                        return Err(left.as_secs() + u64::from(left.subsec_nanos() > 0));
                    }
                    told.until = None;
                }
                if let Some(f) = &pace.firewall {
                    let window = self.span(f.seconds);
                    while told
                        .refusals
                        .front()
                        .is_some_and(|t| now.duration_since(*t) >= window)
                    {
                        told.refusals.pop_front();
                    }
                    // Every request in flight may come back refused too: with them and this
                    // one, the count must stay below the trigger.
                    let refused = told.refusals.len() as u64;
                    let in_flight = u64::from(lane.in_flight.load(Ordering::SeqCst));
                    if refused + in_flight + 1 >= u64::from(f.count) {
                        match told.refusals.front() {
                            // Refusals alone fill it: until the oldest is out of the window.
                            Some(oldest) if refused + 1 >= u64::from(f.count) => {
                                longer(*oldest + window - now, Hold::Firewall(f.clone()));
                            }
                            // Until a request in flight comes back (or the oldest refusal
                            // leaves the window, whichever is first).
                            _ => in_flight_full = true,
                        }
                    }
                }
            }
            for (limit, times) in pace.limits.iter().zip(sent.iter_mut()) {
                if !limit.counts(call) {
                    continue;
                }
                let window = self.span(limit.seconds);
                while times
                    .front()
                    .is_some_and(|t| now.duration_since(*t) >= window)
                {
                    times.pop_front();
                }
                if times.len() >= limit.requests.max(1) as usize {
                    let oldest = *times.front().expect("a full window has an oldest request");
                    longer(oldest + window - now, Hold::Limit(limit.clone()));
                }
            }
            match (wait, in_flight_full) {
                (None, false) => {
                    for (limit, times) in pace.limits.iter().zip(sent.iter_mut()) {
                        if limit.counts(call) {
                            times.push_back(now);
                        }
                    }
                    lane.in_flight.fetch_add(1, Ordering::SeqCst);
                    return Ok(Admission {
                        lane: Arc::clone(&lane),
                    });
                }
                (Some((d, why)), false) => {
                    held(&why, d);
                    tokio::time::sleep(d).await;
                }
                (wait, true) => {
                    let d = wait.map_or(Duration::from_secs(1), |w| w.0);
                    tokio::select! {
                        () = tokio::time::sleep(d) => {}
                        () = came_back => {}
                    }
                }
            }
        }
    }

    /// The provider asked Keystep to wait (`Retry-After`, or the wait its file declares): for
    /// `secs`, requests to it are refused at once (see [`Pacer::admit`]).
    pub async fn hold(&self, provider: &str, secs: u64) {
        let lane = self.lane(provider);
        let until = Instant::now() + Duration::from_secs(secs);
        let mut told = lane.told.lock().unwrap_or_else(|e| e.into_inner());
        told.until = Some(told.until.map_or(until, |u| u.max(until)));
    }

    /// What came back from `provider`, for what the pace and the pacer keep count of: a
    /// status the firewall counts, and a 429 that named no wait (`named_wait` false), which
    /// holds the lane 1, 2, 4… seconds, up to a minute, until an answer is not a 429.
    /// Returns the seconds of the hold a 429 started, if any.
    pub fn answered(
        &self,
        provider: &str,
        pace: &Pace,
        status: u16,
        named_wait: bool,
    ) -> Option<u64> {
        let lane = self.lane(provider);
        let now = Instant::now();
        let mut told = lane.told.lock().unwrap_or_else(|e| e.into_inner());
        if pace
            .firewall
            .as_ref()
            .is_some_and(|f| f.statuses.contains(&status))
        {
            told.refusals.push_back(now);
        }
        if status != 429 {
            told.strikes = 0;
            return None;
        }
        if named_wait {
            return None;
        }
        let secs = 1u64
            .checked_shl(told.strikes.min(16))
            .unwrap_or(MAX_BACKOFF_SECS)
            .min(MAX_BACKOFF_SECS);
        told.strikes += 1;
        let until = now + Duration::from_secs(secs);
        told.until = Some(told.until.map_or(until, |u| u.max(until)));
        Some(secs)
    }
}

#[cfg(test)]
mod tests;
