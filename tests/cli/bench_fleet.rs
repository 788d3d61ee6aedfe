//! The benchmark's accounts (`benches/keystep/fleet.rs`, included here) link as the window
//! links them: every one, one after another, through `link_account`'s two steps (verify for
//! the `read` purpose, then store) in one process with one real-time pacer. The 20 accounts
//! over five providers and issue 25's 100 over fifteen each link as fully working, none
//! refused as `already_linked`; and the 100's requests, counted against every limit their
//! provider files document, could hold linking for no more than the benchmark's budget of
//! pacing, however fast the linkings follow each other. Keys go to a memory vault: the
//! keychain is not what this proves, and with it linking 100 takes about 20 seconds here.

#[path = "../../benches/keystep/fleet.rs"]
mod fleet;
#[path = "../../benches/keystep/fleet15.rs"]
mod fleet15;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use keystep_core::account::Status;
use keystep_core::clock::SystemClock;
use keystep_core::pace::{Call, Pacer};
use keystep_core::vault::MemoryVault;
use keystep_core::world::World;
use keystep_core::Secret;
use keystep_emulator::Emulator;
use serde_json::Value;

use crate::parts::{catalogue, hosts_for};
use fleet::Fleet;

/// The most pacing linking the 100 accounts may meet, in the worst case.
const PACING_BUDGET: Duration = Duration::from_secs(20);

/// Links every account of `fleet` as the window does, asserting each links fully working,
/// and returns how long it took.
async fn link_every(emu: &Emulator, fleet: &Fleet) -> Duration {
    let root = tempfile::tempdir().expect("a temporary data folder");
    let world = World {
        catalogue: catalogue(),
        hosts: hosts_for(emu),
        data_dir: root.path().join("io.keystep.desktop"),
        vault: Arc::new(MemoryVault::default()),
        clock: Arc::new(SystemClock),
        pacer: Arc::new(Pacer::new()),
    };
    let (accounts, _) = world.open_or_recover().expect("an empty book opens");
    let links = fleet.links();
    let started = Instant::now();
    for link in &links {
        let provider = link["provider"].as_str().expect("a provider id");
        let fields: BTreeMap<String, Secret> = link["fields"]
            .as_object()
            .expect("the fields")
            .iter()
            .map(|(k, v)| (k.clone(), Secret::new(v.as_str().expect("a text value"))))
            .collect();
        let candidate = accounts
            .verify_new(provider, fields, "read", None, &|_| {})
            .await
            .unwrap_or_else(|e| panic!("{provider}: the key verifies: {e:?}"));
        assert!(
            !candidate.lacks_permissions(),
            "{provider}: the tenant grants all the read purpose needs"
        );
        let linked = accounts
            .link_verified(candidate)
            .await
            .unwrap_or_else(|e| panic!("{provider}: a distinct tenant links: {e:?}"));
        assert_eq!(
            linked.account.status,
            Status::Ok,
            "{provider}: linked as fully working: {:?}",
            linked.account
        );
    }
    let took = started.elapsed();
    assert_eq!(
        accounts.list().await.len(),
        links.len(),
        "every account is in the book"
    );
    took
}

/// The longest linking `emu`'s requests could have waited for the pacer: for each limit a
/// provider file documents, the requests it counts sent back to back, a limit's worth per
/// window, wait one window for each full limit before the last.
fn worst_pacing(emu: &Emulator) -> Duration {
    let log = emu.requests();
    let mut total = Duration::ZERO;
    for provider in catalogue().all() {
        for limit in &provider.pace.limits {
            let counted = log
                .iter()
                .filter(|r| r.provider == provider.id)
                .filter(|r| {
                    let read = r.method == "GET"
                        || provider.reads.iter().any(|x| x.matches(&r.method, &r.path));
                    limit.counts(Call {
                        method: &r.method,
                        path: &r.path,
                        read,
                    })
                })
                .count() as u32;
            let windows = counted.saturating_sub(1) / limit.requests;
            let wait = Duration::from_secs(u64::from(windows * limit.seconds));
            eprintln!(
                "{}: {counted} requests under {}: {wait:?} at most",
                provider.id,
                limit.describe()
            );
            total += wait;
        }
    }
    total
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_benchmarks_twenty_accounts_over_five_providers_link() {
    let emu = Emulator::start();
    let fleet = Fleet::seed(&emu, 20, 2);
    let providers: Vec<Value> = fleet
        .links()
        .iter()
        .map(|l| l["provider"].clone())
        .collect();
    assert_eq!(
        providers.iter().filter(|p| *p == "hibob").count(),
        2,
        "HiBob holds its cap: {providers:?}"
    );
    link_every(&emu, &fleet).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_accounts_over_all_fifteen_providers_link_within_the_pacing_budget() {
    let emu = Emulator::start();
    let fleet = Fleet::seed_all(&emu, 100);
    let mut per: BTreeMap<String, usize> = BTreeMap::new();
    for link in fleet.links() {
        *per.entry(link["provider"].as_str().unwrap_or("").into())
            .or_default() += 1;
    }
    assert_eq!(per.len(), 15, "every provider holds accounts: {per:?}");
    let took = link_every(&emu, &fleet).await;
    let worst = worst_pacing(&emu);
    eprintln!("100 accounts linked in {took:?}; pacing could have held them {worst:?} at most");
    assert!(
        worst <= PACING_BUDGET,
        "the caps of benches/keystep/fleet.rs keep pacing within {PACING_BUDGET:?}: {worst:?}"
    );
}
