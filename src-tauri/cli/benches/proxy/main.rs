//! The proxy benchmark (run by `scripts/bench.sh`, never by the tests): what `keystep run`'s
//! proxy adds to a request, whether it answers many at once, how many access tokens it
//! mints, and how long reads at a provider's documented pace take.
//!
//! - `kinds`: one account per credential kind (bearer, basic, query, basic_key, header,
//!   client_credentials) linked against the loopback emulator (keychain and book in memory:
//!   the proxy reads the key once, before the run), then `KEYSTEP_BENCH_PROXY_N` (default
//!   1000) GETs per kind, one after another, straight to the emulator and through the proxy
//!   in alternation, the kinds in turn, so all see the same machine; the median and p99 of
//!   each, and the difference. Then 200 requests at once through one proxy.
//! - `minting`: `KEYSTEP_BENCH_MINT_N` (default 1000) reads through a fresh proxy for each
//!   provider that takes client credentials (Greenhouse, Personio), 20 in flight, and the
//!   requests its token endpoint received.
//! - `paced`: `KEYSTEP_BENCH_PACE_N` (default 1000) reads per provider at its documented
//!   pace (`KEYSTEP_BENCH_PACE_WINDOW_MS`, default 60000, the pacer's minute).
//!
//! Writes a Markdown section to `KEYSTEP_BENCH_PROXY_OUT`, or prints it; benches/keystep
//! puts that file into docs/benchmarks.md.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use keystep_cli::proxy::Grant;
use keystep_core::account::{Account, Accounts, MemoryBookStore};
use keystep_core::clock::SystemClock;
use keystep_core::hosts::Hosts;
use keystep_core::provider::{Catalogue, Provider};
use keystep_core::secret::Secret;
use keystep_core::vault::{MemoryVault, Vault};
use keystep_core::verify::Verifier;
use keystep_emulator::Emulator;

mod kinds;
mod minting;
mod paced;

/// A count from the environment, or `default`.
fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The run token of `proxy`'s one grant, and the URL of `path` at `provider`'s API
/// through it: what a script started with that one account is given.
fn sole_grant(proxy: &keystep_cli::proxy::Proxy, provider: &str, path: &str) -> (String, String) {
    let token = proxy
        .grants()
        .next()
        .expect("grant")
        .token()
        .expose()
        .to_string();
    let url = format!("{}{path}", proxy.url(provider, "api").expect("url"));
    (token, url)
}

/// How long `req` takes to be answered and read whole; it must succeed.
async fn timed(req: reqwest::RequestBuilder) -> Duration {
    let start = Instant::now();
    let answer = req.send().await.expect("answered");
    let status = answer.status();
    let body = answer.bytes().await.expect("a body");
    assert_eq!(
        status,
        200,
        "the benchmark's requests succeed: {}",
        String::from_utf8_lossy(&body)
    );
    start.elapsed()
}

/// Sends every request of `reqs`, at most `in_flight` at once (0: all at once), and counts
/// those answered 200.
async fn answered(
    reqs: impl IntoIterator<Item = reqwest::RequestBuilder>,
    in_flight: usize,
) -> usize {
    let slots = Arc::new(tokio::sync::Semaphore::new(if in_flight == 0 {
        tokio::sync::Semaphore::MAX_PERMITS
    } else {
        in_flight
    }));
    let mut tasks = tokio::task::JoinSet::new();
    for req in reqs {
        let slot = Arc::clone(&slots).acquire_owned().await.expect("open");
        tasks.spawn(async move {
            let _slot = slot;
            req.send().await.map(|r| r.status().as_u16())
        });
    }
    let mut ok = 0;
    while let Some(done) = tasks.join_next().await {
        if matches!(done, Ok(Ok(200))) {
            ok += 1;
        }
    }
    ok
}

/// The script's client: loopback only, never a system proxy.
fn script_client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client")
}

/// Accounts linked against one emulator, keychain and book in memory, as `keystep run`
/// finds them.
struct Linked {
    emu: Emulator,
    catalogue: Arc<Catalogue>,
    hosts: Hosts,
    vault: Arc<MemoryVault>,
    accounts: Accounts,
}

impl Linked {
    /// Over `emu`, whose tenants the caller registered.
    fn over(emu: Emulator) -> Self {
        let catalogue = Arc::new(Catalogue::embedded().expect("providers"));
        let env: BTreeMap<String, String> = emu.env().into_iter().collect();
        let hosts = Hosts::from_lookup(catalogue.all(), |v| env.get(v).cloned()).expect("hosts");
        let vault = Arc::new(MemoryVault::default());
        let accounts = Accounts::open(
            Arc::clone(&catalogue),
            Verifier::new(hosts.clone()),
            Arc::clone(&vault) as Arc<dyn Vault>,
            Arc::new(MemoryBookStore::default()),
            Arc::new(SystemClock),
        )
        .expect("book");
        Linked {
            emu,
            catalogue,
            hosts,
            vault,
            accounts,
        }
    }

    fn provider(&self, id: &str) -> &Provider {
        self.catalogue
            .get(id)
            .unwrap_or_else(|| panic!("{id} is a provider"))
    }

    /// Links `provider` with `fields` (verified against the emulator).
    async fn link(&self, provider: &str, fields: &[(&str, &str)]) -> Account {
        let fields = fields
            .iter()
            .map(|(k, v)| (k.to_string(), Secret::new(*v)))
            .collect();
        self.accounts
            .link(provider, fields, &|_| {})
            .await
            .unwrap_or_else(|e| panic!("{provider} links: {e}"))
            .account
    }

    /// `account` as one run may use it, under `name`.
    fn grant(&self, name: &str, account: &Account) -> Grant {
        let secrets = self.vault.get(&account.id).expect("vault").expect("kept");
        Grant::new(
            name,
            account,
            self.provider(&account.provider),
            &self.hosts,
            secrets,
        )
        .unwrap_or_else(|e| panic!("{name} is usable: {e}"))
    }
}

#[tokio::main]
async fn main() {
    let kinds = kinds::overhead(env_num("KEYSTEP_BENCH_PROXY_N", 1000) as usize).await;
    let minted = minting::per_run(env_num("KEYSTEP_BENCH_MINT_N", 1000) as usize).await;
    let paced = paced::runs(
        env_num("KEYSTEP_BENCH_PACE_N", 1000) as usize,
        Duration::from_millis(env_num("KEYSTEP_BENCH_PACE_WINDOW_MS", 60_000)),
    )
    .await;
    let section = format!("## keystep run's proxy\n\n{kinds}\n{minted}\n{paced}");
    match std::env::var_os("KEYSTEP_BENCH_PROXY_OUT") {
        Some(path) => std::fs::write(path, section).expect("written"),
        None => print!("{section}"),
    }
}
