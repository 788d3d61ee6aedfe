//! The benchmark's 100-account check (run by `scripts/bench.sh`, never by the tests): a
//! hundred accounts, twenty per provider, linked against the emulator and then checked in one
//! sweep through the [`Pacer`] with the providers' real paces and a real minute, every answer
//! delayed by the emulator's latency. It reports the wall time against the least time the
//! paces allow, and the busiest minute and peak concurrency each provider saw, counted where
//! it matters: at the emulator. Writes a Markdown section to `KEYSTEP_BENCH_FLEET_OUT`.
//!
//! Before the sweep it also times one verification per provider in-process — the engine the
//! window's `link_account` runs, without the CLI's process start — against the request
//! chain's minimum.
//!
//! The keychain and the book are in memory here: the sweep's cost is pacing and HTTP; the
//! real keychain's cost per account is measured by the window benchmark's 20 links.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use keystep_core::account::{Accounts, BookStore, MemoryBookStore, Status};
use keystep_core::clock::{Clock, SystemClock};
use keystep_core::hosts::Hosts;
use keystep_core::input::parse_fields;
use keystep_core::pace::{Call, Pace, Pacer};
use keystep_core::provider::Catalogue;
use keystep_core::secret::Secret;
use keystep_core::vault::{MemoryVault, Vault};
use keystep_core::verify::{Purpose, Verifier};
use keystep_emulator::{busiest_span, Emulator, FleetForm};

/// Requests reach the emulator a little after the pacer lets them go, so two requests a
/// window apart at the pacer can arrive slightly less than a window apart; the busiest
/// window is counted over a window less this much (the core's sweep test allows the same).
const JITTER: Duration = Duration::from_millis(150);

/// Accounts checked at once by the sweep, as the core's own sweep test does.
const CONCURRENCY: usize = 16;

fn env_ms(name: &str, default: u64) -> Duration {
    Duration::from_millis(
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default),
    )
}

/// The shortest time in which `k` requests arrived, if that many did: more than a window
/// means the pace held even at the emulator's end.
fn tightest(times: &[Instant], k: usize) -> Option<Duration> {
    let mut sorted = times.to_vec();
    sorted.sort();
    (k >= 1 && sorted.len() >= k)
        .then(|| {
            sorted
                .windows(k)
                .map(|w| w[k - 1].duration_since(w[0]))
                .min()
        })
        .flatten()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    if v.len() % 2 == 1 {
        v[mid]
    } else {
        (v[mid - 1] + v[mid]) / 2.0
    }
}

/// One verification per provider, `runs` times each, with every answer `latency` late.
async fn verification_section(
    emu: &Emulator,
    catalogue: &Catalogue,
    verifier: &Verifier,
    forms: &[FleetForm],
    latency: Duration,
    runs: usize,
) -> String {
    emu.latency(latency);
    let lat_ms = latency.as_secs_f64() * 1000.0;
    let mut text = format!(
        "In-process (`Verifier::verify`, what `link_account` and every check run), {runs} runs \
         per provider, every answer {lat_ms:.0} ms late:\n\n\
         | provider | requests | minimum | median (range) | over the minimum | target ≤ 1.1× min + 20 ms |\n\
         |---|---:|---:|---:|---:|---|\n"
    );
    for provider_id in ["humaans", "payfit", "hibob", "jazzhr", "namely"] {
        let (_, fields) = forms
            .iter()
            .find(|(p, _)| *p == provider_id)
            .expect("every provider is seeded");
        let provider = catalogue.get(provider_id).expect("a known provider");
        let (mut walls, mut requests) = (Vec::new(), 0);
        for _ in 0..runs {
            let raw: BTreeMap<String, Secret> = fields
                .iter()
                .map(|(k, v)| (k.clone(), Secret::new(v)))
                .collect();
            let creds = parse_fields(provider, raw).expect("the seeded fields are valid");
            emu.clear_requests();
            let t = Instant::now();
            let report = verifier
                .verify(provider, &creds, Purpose::Link, &|_| {})
                .await;
            walls.push(t.elapsed().as_secs_f64() * 1000.0);
            assert!(report.ok, "{provider_id} verifies against the emulator");
            requests = emu.requests().len();
        }
        let minimum = requests as f64 * lat_ms;
        let (lo, hi) = walls
            .iter()
            .fold((f64::INFINITY, 0.0f64), |(l, h), w| (l.min(*w), h.max(*w)));
        let wall = median(walls);
        text.push_str(&format!(
            "| {provider_id} | {requests} | {minimum:.0} ms | {wall:.0} ms ({lo:.0}–{hi:.0}) | +{:.1} ms ({:.3}×) | {} |\n",
            wall - minimum,
            wall / minimum,
            if wall <= 1.1 * minimum + 20.0 { "met" } else { "**missed**" }
        ));
    }
    emu.latency(Duration::ZERO);
    text
}

#[tokio::main]
async fn main() {
    let latency = env_ms("KEYSTEP_BENCH_LATENCY_MS", 100);
    let window = env_ms("KEYSTEP_BENCH_PACE_WINDOW_MS", 60_000);
    let out = std::env::var_os("KEYSTEP_BENCH_FLEET_OUT").expect("KEYSTEP_BENCH_FLEET_OUT");

    let emu = Emulator::start();
    let forms = emu.add_fleet(20, "bench");
    let catalogue = Arc::new(Catalogue::embedded().expect("the shipped provider files are valid"));
    let env: BTreeMap<String, String> = emu.env().into_iter().collect();
    let hosts = || {
        Hosts::from_lookup(catalogue.all(), |v| env.get(v).cloned())
            .expect("loopback host overrides")
    };
    let vault: Arc<dyn Vault> = Arc::new(MemoryVault::default());
    let store = Arc::new(MemoryBookStore::default());
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);

    // Linking is set-up, not under test: unpaced and without latency.
    let unpaced = Accounts::open(
        Arc::clone(&catalogue),
        Verifier::new(hosts()),
        Arc::clone(&vault),
        Arc::clone(&store) as Arc<dyn BookStore>,
        Arc::clone(&clock),
    )
    .expect("an empty book opens");
    for (provider, fields) in &forms {
        let raw: BTreeMap<String, Secret> = fields
            .iter()
            .map(|(k, v)| (k.clone(), Secret::new(v)))
            .collect();
        if let Err(e) = unpaced.link(provider, raw, &|_| {}).await {
            panic!("{provider} account links against the emulator: {e}");
        }
    }
    drop(unpaced);
    let verification = verification_section(
        &emu,
        &catalogue,
        &Verifier::new(hosts()),
        &forms,
        latency,
        7,
    )
    .await;

    let paced = Accounts::open(
        Arc::clone(&catalogue),
        Verifier::new(hosts()).paced(Arc::new(Pacer::with_window(window))),
        vault,
        Arc::clone(&store) as Arc<dyn BookStore>,
        clock,
    )
    .expect("the book reopens");
    let ids: Vec<String> = paced.list().await.into_iter().map(|a| a.id).collect();
    assert_eq!(ids.len(), 100, "a hundred accounts are linked");
    emu.clear_requests();
    emu.latency(latency);
    eprintln!("fleet: sweeping 100 accounts (a pace window of {window:?}; minutes, for HiBob)");
    let started = Instant::now();
    let swept = paced.sweep(&ids, CONCURRENCY).await;
    let wall = started.elapsed();
    let healthy = swept
        .iter()
        .filter(|s| s.after.status == Status::Ok && s.after.couldnt_check.is_none())
        .count();

    let mut by_provider: BTreeMap<String, Vec<Instant>> = BTreeMap::new();
    let mut in_flight: BTreeMap<String, usize> = BTreeMap::new();
    for r in emu.requests() {
        by_provider
            .entry(r.provider.clone())
            .or_default()
            .push(r.at);
        let peak = in_flight.entry(r.provider.clone()).or_default();
        *peak = (*peak).max(r.in_flight);
    }
    let secs = |d: Duration| d.as_secs_f64();
    let mut text = String::new();
    text.push_str("### Verification in-process\n\n");
    text.push_str(&verification);
    text.push_str("\n### Checking 100 accounts across the five providers\n\n");
    let mut bound = Duration::ZERO;
    let mut rows = Vec::new();
    for (provider, times) in &by_provider {
        let pace = &catalogue.get(provider).expect("a known provider").pace;
        let rate = per_minute(pace);
        let (n, limit, conc) = (
            times.len(),
            rate.unwrap_or(usize::MAX / 2),
            pace.concurrent.max(1) as usize,
        );
        // The least time the pace allows: every full window but the last waits out a
        // window; the requests of the last one go `concurrent` at a time, each taking the
        // latency. Nothing can beat n / concurrent round trips either.
        let windows = n.div_ceil(limit);
        let last = n - (windows - 1) * limit;
        let least = (window * (windows as u32 - 1) + latency.mul_f64(last.div_ceil(conc) as f64))
            .max(latency.mul_f64(n.div_ceil(conc) as f64));
        bound = bound.max(least);
        let first = times.iter().min().copied().unwrap_or(started);
        let end = times.iter().max().copied().unwrap_or(started);
        let over_pace = tightest(times, limit + 1)
            .map_or_else(|| "—".to_string(), |d| format!("{:.2} s", secs(d)));
        rows.push(format!(
            "| {provider} | {n} | {} / {} | {} | {over_pace} | {} | {:.1} s | {:.1} s |",
            rate.map_or_else(|| "none".to_string(), |r| r.to_string()),
            pace.concurrent,
            busiest_span(times, window.saturating_sub(JITTER)),
            in_flight.get(provider).copied().unwrap_or(0),
            secs(least),
            secs(end.duration_since(first) + latency),
        ));
    }
    let over = wall.saturating_sub(bound);
    let within = secs(wall) <= secs(bound) * 1.05 + 1.0;
    text.push_str(&format!(
        "A sweep of 100 accounts (20 per provider; {CONCURRENCY} accounts at once) through \
         `Accounts::sweep` with the providers' paces (`pace` in each provider file) and a \
         {:.0} s window, every answer {} ms late. {healthy} of {} accounts came back healthy.\n\n",
        secs(window),
        latency.as_millis(),
        swept.len()
    ));
    text.push_str(
        "| provider | requests | pace (per minute / at once) | busiest minute¹ | shortest span of pace + 1 arrivals² | most in flight | least time the pace allows | first to last answer |\n",
    );
    text.push_str("|---|---:|---:|---:|---:|---:|---:|---:|\n");
    for r in rows {
        text.push_str(&r);
        text.push('\n');
    }
    text.push_str(
        "\n¹ Arrivals at the emulator within any window less 0.15 s (scheduling jitter between the \
         pacer and the emulator).\n\
         ² How close together the emulator saw one request more than the pace allows per \
         window; at or above the window, the pace held exactly.\n",
    );
    text.push_str(&format!(
        "\nWall time **{:.1} s**; the slowest provider's pace allows no less than {:.1} s, so \
         Keystep adds {:.1} s ({:.1} %). Bounded by the providers' paces, not by Keystep \
         (≤ 5 % + 1 s over the bound): {}.\n",
        secs(wall),
        secs(bound),
        secs(over),
        100.0 * secs(over) / secs(bound).max(f64::MIN_POSITIVE),
        if within { "met" } else { "**missed**" }
    ));
    std::fs::write(&out, text).expect("write the fleet section");
    eprintln!("fleet: {:.1} s (bound {:.1} s)", secs(wall), secs(bound));
}

/// How many plain reads a pace lets through per minute: its strictest documented limit that
/// counts them, as a rate a minute; `None` when none is documented (they go freely).
fn per_minute(pace: &Pace) -> Option<usize> {
    let read = Call {
        method: "GET",
        path: "",
        read: true,
    };
    pace.limits
        .iter()
        .filter(|l| l.counts(read))
        .map(|l| (u64::from(l.requests) * 60 / u64::from(l.seconds.max(1))) as usize)
        .min()
}
