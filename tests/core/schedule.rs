//! The background schedule against the emulator: transient trouble is debounced and backs
//! off while a verdict on the key lands at once; accounts fall due by the injected clock;
//! and a sweep of a hundred accounts across the five providers keeps every provider within
//! its pace (counted where it matters, at the emulator).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use keystep_core::account::{Accounts, BookStore, MemoryBookStore, Status};
use keystep_core::clock::{Clock, ManualClock};
use keystep_core::pace::{Call, Pacer};
use keystep_core::schedule::{due, next_check_at, DEFAULT_INTERVAL_SECS};
use keystep_core::vault::{MemoryVault, Vault};
use keystep_core::Code;
use keystep_emulator::{busiest_span, Emulator, Fault, Recorded};

use crate::support::{catalogue, raw, verifier_for};
use crate::world::{World, ACME_1};

#[tokio::test]
async fn transient_trouble_waits_its_turn_and_a_verdict_does_not() {
    let w = World::new();
    let id = w.link(ACME_1).await.expect("links").account.id;
    let interval = DEFAULT_INTERVAL_SECS;

    w.emu.fault("humaans", "*", Fault::Hangup);
    for attempt in 1..=2u32 {
        w.clock.advance(Duration::from_secs(60));
        let a = w.accounts.check(&id, &|_| {}).await.expect("checks");
        assert_eq!(
            a.status,
            Status::Ok,
            "attempt {attempt}: one failure is not news"
        );
        let trouble = a
            .couldnt_check
            .expect("the trouble is kept beside the status");
        assert_eq!(trouble.code, Code::Unreachable, "attempt {attempt}: why");
        assert_eq!(trouble.attempts, attempt, "attempt {attempt}: counted");
        assert_eq!(
            next_check_at(&a, interval),
            Some(a.checked_at + 300 * u64::from(1u32 << (attempt - 1))),
            "attempt {attempt}: retried after 5, then 10 minutes"
        );
    }
    w.clock.advance(Duration::from_secs(60));
    let a = w.accounts.check(&id, &|_| {}).await.expect("checks");
    assert_eq!(a.status, Status::Unknown, "three in a row: couldn't check");
    assert_eq!(a.last_code, Some(Code::Unreachable), "and why");

    w.emu.clear_faults();
    let a = w.accounts.check(&id, &|_| {}).await.expect("checks");
    assert_eq!(a.status, Status::Ok, "recovered");
    assert_eq!(a.couldnt_check, None, "the trouble is over");

    w.emu.revoke(ACME_1);
    let a = w.accounts.check(&id, &|_| {}).await.expect("checks");
    assert_eq!(a.status, Status::Failing, "a rejected key is news at once");
    assert_eq!(a.last_code, Some(Code::BadCredentials));

    let history: Vec<(Status, Option<Code>)> =
        a.history.iter().map(|r| (r.status, r.code)).collect();
    assert_eq!(
        history,
        vec![
            (Status::Ok, None),
            (Status::Ok, Some(Code::Unreachable)),
            (Status::Ok, Some(Code::Unreachable)),
            (Status::Unknown, Some(Code::Unreachable)),
            (Status::Ok, None),
            (Status::Failing, Some(Code::BadCredentials)),
        ],
        "every check is in the history: link, three failures, recovery, rejection"
    );
    assert!(
        !a.history[0].granted.is_empty() && a.history[1].granted.is_empty(),
        "permissions are recorded when the provider showed them, and only then"
    );
    let saved = w.store.saved().expect("saved");
    assert_eq!(
        saved.accounts[0].history, a.history,
        "the history is persisted"
    );
}

#[tokio::test]
async fn accounts_fall_due_by_the_clock() {
    let w = World::new();
    let id = w.link(ACME_1).await.expect("links").account.id;
    let interval = DEFAULT_INTERVAL_SECS;
    let now = || w.clock.unix_now();
    assert!(
        due(&w.accounts.list().await, now(), interval).is_empty(),
        "just linked"
    );
    w.clock.advance(Duration::from_secs(interval - 1));
    assert!(
        due(&w.accounts.list().await, now(), interval).is_empty(),
        "a second early"
    );
    w.clock.advance(Duration::from_secs(1));
    let ids = due(&w.accounts.list().await, now(), interval);
    assert_eq!(ids, vec![id.clone()], "due after six hours");

    w.emu.clear_requests();
    let swept = w.accounts.sweep(&ids, 4).await;
    assert_eq!(swept.len(), 1, "one account checked");
    assert!(!w.emu.requests().is_empty(), "the check asked the provider");
    assert_eq!(
        swept[0].after.checked_at,
        now(),
        "checked by the injected clock"
    );
    assert!(
        due(&w.accounts.list().await, now(), interval).is_empty(),
        "not due again right after"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hundred_accounts_keep_every_provider_within_its_documented_limits() {
    let emu = Emulator::start();
    let forms = emu.add_fleet(20, "sweep");

    // Linking goes unpaced, to keep the test short; the sweep under test is paced.
    let vault: Arc<dyn Vault> = Arc::new(MemoryVault::default());
    let store = Arc::new(MemoryBookStore::default());
    let clock: Arc<dyn Clock> = Arc::new(ManualClock::at(1_700_000_000));
    let unpaced = Accounts::open(
        catalogue(),
        verifier_for(&emu, Duration::from_secs(10)),
        Arc::clone(&vault),
        Arc::clone(&store) as Arc<dyn BookStore>,
        Arc::clone(&clock),
    )
    .expect("opens");
    for (provider, fields) in &forms {
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (&k[..], &v[..])).collect();
        unpaced
            .link(provider, raw(&pairs), &|_| {})
            .await
            .unwrap_or_else(|e| panic!("{provider} {pairs:?} links: {e}"));
    }
    drop(unpaced);

    // A "minute" of 600 ms keeps the arithmetic and makes the sweep take seconds.
    let window = Duration::from_millis(600);
    let paced = Accounts::open(
        catalogue(),
        verifier_for(&emu, Duration::from_secs(10)).paced(Arc::new(Pacer::with_window(window))),
        vault,
        Arc::clone(&store) as Arc<dyn BookStore>,
        clock,
    )
    .expect("reopens");
    let ids: Vec<String> = paced.list().await.into_iter().map(|a| a.id).collect();
    assert_eq!(ids.len(), 100, "a hundred accounts linked");
    emu.clear_requests();
    for provider in ["payfit", "hibob", "humaans", "jazzhr", "namely"] {
        // Slow answers make too many requests in flight visible.
        emu.fault(provider, "*", Fault::Slow(Duration::from_millis(25)));
    }
    let swept = paced.sweep(&ids, 16).await;
    assert_eq!(swept.len(), 100, "every account was checked");
    for s in &swept {
        assert_eq!(s.after.status, Status::Ok, "{} still works", s.after.label);
        assert_eq!(s.after.couldnt_check, None, "{}: no trouble", s.after.label);
    }

    let mut by_provider: BTreeMap<String, Vec<Recorded>> = BTreeMap::new();
    for r in emu.requests() {
        by_provider.entry(r.provider.clone()).or_default().push(r);
    }
    assert_eq!(by_provider.len(), 5, "all five providers were asked");
    let cat = catalogue();
    // Requests reach the emulator a little after the pacer lets them go; this much
    // scheduling jitter is allowed for, and no more.
    let jitter = Duration::from_millis(150);
    for (provider, requests) in &by_provider {
        let p = cat.get(provider).expect("known provider");
        for limit in &p.pace.limits {
            // The pacer's minute is `window`: each limit's window shrinks alike.
            let span = window.mul_f64(f64::from(limit.seconds) / 60.0);
            let counted: Vec<_> = requests
                .iter()
                .filter(|r| {
                    limit.counts(Call {
                        method: &r.method,
                        path: &r.path,
                        read: r.method == "GET"
                            || p.reads.iter().any(|d| {
                                format!("{:?}", d.method).eq_ignore_ascii_case(&r.method)
                                    && d.path == r.path
                            }),
                    })
                })
                .map(|r| r.at)
                .collect();
            let busiest = busiest_span(&counted, span.saturating_sub(jitter));
            assert!(
                busiest <= limit.requests as usize,
                "{provider}: {busiest} requests within {span:?}, over its documented limit of {}",
                limit.describe()
            );
        }
        let peak = requests.iter().map(|r| r.in_flight).max().unwrap_or(0);
        assert!(
            peak <= p.pace.concurrent as usize,
            "{provider}: {peak} checks in flight, over the sweep's width of {}",
            p.pace.concurrent
        );
    }
}
