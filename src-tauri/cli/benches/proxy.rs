//! The proxy benchmark (run by `scripts/bench.sh`, never by the tests): what `keystep run`'s
//! proxy adds to a request, and whether it answers many at once.
//!
//! One Humaans account is linked against the loopback emulator (keychain and book in memory:
//! the proxy reads the key once, before the run). Then `KEYSTEP_BENCH_PROXY_N` (default 1000)
//! GETs of `/me`, one after another, straight to the emulator and through the proxy, in
//! alternation so both see the same machine; the median and p99 of each, and the difference.
//! Then 200 requests at once through one proxy, the provider's pace lifted for the measure:
//! how many were answered, and the wall time. Writes a Markdown section to
//! `KEYSTEP_BENCH_PROXY_OUT`, or prints it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use keystep_cli::proxy::{Grant, Proxy, ProxySettings};
use keystep_core::account::{Accounts, MemoryBookStore};
use keystep_core::clock::SystemClock;
use keystep_core::hosts::Hosts;
use keystep_core::pace::Pace;
use keystep_core::provider::Catalogue;
use keystep_core::secret::Secret;
use keystep_core::vault::{MemoryVault, Vault};
use keystep_core::verify::Verifier;
use keystep_emulator::{Emulator, HumaansTenant};

const TOKEN: &str = "BenchHumaansToken000000000000001";

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

async fn timed(req: reqwest::RequestBuilder) -> Duration {
    let start = Instant::now();
    let answer = req.send().await.expect("answered");
    assert_eq!(answer.status(), 200, "the benchmark's requests succeed");
    answer.bytes().await.expect("a body");
    start.elapsed()
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::var("KEYSTEP_BENCH_PROXY_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let emu = Emulator::start();
    emu.add_humaans(TOKEN, HumaansTenant::full("Bench Ltd", 10));
    let catalogue = Arc::new(Catalogue::embedded().expect("providers"));
    let env: std::collections::BTreeMap<String, String> = emu.env().into_iter().collect();
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
    let linked = accounts
        .link(
            "humaans",
            [("api_token".to_string(), Secret::new(TOKEN))].into(),
            &|_| {},
        )
        .await
        .expect("linked");
    let account = linked.account;
    let secrets = vault.get(&account.id).expect("vault").expect("kept");
    let grant = Grant::new(
        "bench",
        &account,
        catalogue.get("humaans").expect("humaans"),
        &hosts,
        secrets,
    )
    .expect("grant");
    let mut settings = ProxySettings::new().expect("client");
    settings.pace = Some(Pace {
        per_minute: 1_000_000,
        concurrent: 1_000,
    });
    let proxy = Proxy::start(vec![grant], settings).await.expect("proxy");
    let token = proxy
        .grants()
        .next()
        .expect("grant")
        .token()
        .expose()
        .to_string();
    let through = format!("{}/me", proxy.url("bench", "api").expect("url"));
    let direct = format!("{}/me", emu.url("humaans", "api"));
    let client = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client");

    // Warm both paths (connections, the proxy's client), then alternate.
    for _ in 0..20 {
        timed(client.get(&direct).bearer_auth(TOKEN)).await;
        timed(client.get(&through).bearer_auth(&token)).await;
    }
    let (mut d, mut p) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for _ in 0..n {
        d.push(timed(client.get(&direct).bearer_auth(TOKEN)).await);
        p.push(timed(client.get(&through).bearer_auth(&token)).await);
    }
    d.sort();
    p.sort();
    let (dm, d99, pm, p99) = (
        percentile(&d, 0.5),
        percentile(&d, 0.99),
        percentile(&p, 0.5),
        percentile(&p, 0.99),
    );

    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..200 {
        let req = client.get(&through).bearer_auth(&token);
        tasks.spawn(async move { req.send().await.map(|r| r.status().as_u16()) });
    }
    let mut answered = 0;
    while let Some(done) = tasks.join_next().await {
        if matches!(done, Ok(Ok(200))) {
            answered += 1;
        }
    }
    let burst = started.elapsed();
    proxy.stop().await;

    let section = format!(
        "## keystep run's proxy\n\n\
         {n} GETs of Humaans `/me` against the loopback emulator, alternating straight and through the proxy:\n\n\
         | | median | p99 |\n|---|---|---|\n\
         | straight to the emulator | {:.3} ms | {:.3} ms |\n\
         | through the proxy | {:.3} ms | {:.3} ms |\n\
         | overhead | {:+.3} ms | {:+.3} ms |\n\n\
         200 requests at once through one proxy (pace lifted): {answered} of 200 answered in {:.0} ms.\n",
        ms(dm),
        ms(d99),
        ms(pm),
        ms(p99),
        ms(pm) - ms(dm),
        ms(p99) - ms(d99),
        ms(burst)
    );
    match std::env::var_os("KEYSTEP_BENCH_PROXY_OUT") {
        Some(path) => std::fs::write(path, section).expect("written"),
        None => print!("{section}"),
    }
}
