//! The proxy benchmark (run by `scripts/bench.sh`, never by the tests): what `keystep run`'s
//! proxy adds to a request, and whether it answers many at once.
//!
//! One Humaans account is linked against the loopback emulator (keychain and book in memory:
//! the proxy reads the key once, before the run). Then `KEYSTEP_BENCH_PROXY_N` (default 1000)
//! GETs of `/me`, one after another, straight to the emulator and through the proxy, in
//! alternation so both see the same machine; the median and p99 of each, and the difference.
//! Then 200 requests at once through one proxy (Humaans documents no limit, so none holds
//! them): how many were answered, and the wall time.
//!
//! Then what a user feels: `KEYSTEP_BENCH_PACE_N` (default 1000) reads for each provider
//! through the proxy (the five providers side by side, each with its own proxy), 20 in
//! flight, of the request its documented limit names (HiBob's
//! people search, Namely's profiles, any PayFit read or JazzHR request; Humaans documents
//! none), against the least time that limit allows: the first window's worth at once, then
//! one window per further window's worth. The pacer's minute lasts
//! `KEYSTEP_BENCH_PACE_WINDOW_MS` (default 60000, a real one; shorter only for a quick try,
//! and the page says so). Writes a Markdown section to `KEYSTEP_BENCH_PROXY_OUT`, or prints
//! it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use keystep_cli::proxy::{Grant, Proxy, ProxySettings};
use keystep_core::account::{Accounts, MemoryBookStore};
use keystep_core::clock::SystemClock;
use keystep_core::hosts::Hosts;
use keystep_core::pace::{Call, Pacer};
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
    let settings = ProxySettings::new().expect("client");
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

    let paced = paced_runs().await;
    let section = format!(
        "## keystep run's proxy\n\n\
         {n} GETs of Humaans `/me` against the loopback emulator, alternating straight and through the proxy:\n\n\
         | | median | p99 |\n|---|---|---|\n\
         | straight to the emulator | {:.3} ms | {:.3} ms |\n\
         | through the proxy | {:.3} ms | {:.3} ms |\n\
         | overhead | {:+.3} ms | {:+.3} ms |\n\n\
         200 requests at once through one proxy (Humaans documents no limit): {answered} of 200 answered in {:.0} ms.\n\n{paced}",
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

/// Each provider's account, linked against one emulator, and the read its documented limit
/// names.
struct Paced {
    provider: &'static str,
    fields: Vec<(&'static str, &'static str)>,
    method: reqwest::Method,
    path: &'static str,
    body: Option<&'static str>,
}

fn paced_providers() -> Vec<Paced> {
    vec![
        Paced {
            provider: "humaans",
            fields: vec![("api_token", "BenchHumaansPaced00000000000001")],
            method: reqwest::Method::GET,
            path: "/people",
            body: None,
        },
        Paced {
            provider: "hibob",
            fields: vec![
                ("service_user_id", "SERVICE-BENCH"),
                ("service_user_token", "BenchHibobPaced000000000000001"),
            ],
            method: reqwest::Method::POST,
            path: "/people/search",
            body: Some(r#"{"fields":["root.id"]}"#),
        },
        Paced {
            provider: "payfit",
            fields: vec![("api_key", "BenchPayfitPaced00000000000001")],
            method: reqwest::Method::GET,
            path: "/companies/5f1e2d3c4b5a69788796a5b4",
            body: None,
        },
        Paced {
            provider: "jazzhr",
            fields: vec![("api_key", "BenchJazzhrPaced00000000000001")],
            method: reqwest::Method::GET,
            path: "/users",
            body: None,
        },
        Paced {
            provider: "namely",
            fields: vec![
                ("subdomain", "bench"),
                ("access_token", "BenchNamelyPaced00000000000001"),
            ],
            method: reqwest::Method::GET,
            path: "/profiles",
            body: None,
        },
    ]
}

/// The least time `n` requests of `call` take under `pace` with a minute of `minute`: the
/// first window's worth at once, then a window for each further window's worth, for the
/// slowest limit that counts them.
fn least(pace: &keystep_core::pace::Pace, call: Call<'_>, n: usize, minute: Duration) -> Duration {
    pace.limits
        .iter()
        .filter(|l| l.counts(call))
        .map(|l| {
            let window = minute.mul_f64(f64::from(l.seconds) / 60.0);
            let windows = n.div_ceil(l.requests.max(1) as usize);
            window * (windows.saturating_sub(1) as u32)
        })
        .max()
        .unwrap_or(Duration::ZERO)
}

/// `n` reads per provider through the proxy at its documented pace; the Markdown rows.
async fn paced_runs() -> String {
    let n: usize = std::env::var("KEYSTEP_BENCH_PACE_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let minute = Duration::from_millis(
        std::env::var("KEYSTEP_BENCH_PACE_WINDOW_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(60_000),
    );
    let emu = Emulator::start();
    emu.add_humaans(
        "BenchHumaansPaced00000000000001",
        HumaansTenant::full("Bench Ltd", 10),
    );
    emu.add_hibob(keystep_emulator::HibobTenant::full(
        "SERVICE-BENCH",
        "BenchHibobPaced000000000000001",
        10,
    ));
    emu.add_payfit(
        "BenchPayfitPaced00000000000001",
        keystep_emulator::PayfitTenant::full("Bench SAS", 10),
    );
    emu.add_jazzhr(
        "BenchJazzhrPaced00000000000001",
        keystep_emulator::JazzhrAccount::with_users("admin@bench.example", 3),
    );
    emu.add_namely(
        "bench",
        keystep_emulator::NamelyTenant::full("Bench Inc.", "BenchNamelyPaced00000000000001", 10),
    );
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
    let client = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client");
    // Each provider has its own lane: the five run side by side, as five scripts would.
    let mut runs = tokio::task::JoinSet::new();
    for (order, p) in paced_providers().into_iter().enumerate() {
        let fields = p
            .fields
            .iter()
            .map(|(k, v)| (k.to_string(), Secret::new(*v)))
            .collect();
        let account = accounts
            .link(p.provider, fields, &|_| {})
            .await
            .unwrap_or_else(|e| panic!("{} links: {e}", p.provider))
            .account;
        let provider = catalogue.get(p.provider).expect("provider").clone();
        let secrets = vault.get(&account.id).expect("vault").expect("kept");
        let grant = Grant::new(p.provider, &account, &provider, &hosts, secrets).expect("grant");
        let client = client.clone();
        runs.spawn(async move {
            let mut settings = ProxySettings::new().expect("client");
            settings.pacer = Arc::new(Pacer::with_window(minute));
            let proxy = Proxy::start(vec![grant], settings).await.expect("proxy");
            let token = proxy
                .grants()
                .next()
                .expect("grant")
                .token()
                .expose()
                .to_string();
            let url = format!("{}{}", proxy.url(p.provider, "api").expect("url"), p.path);
            let started = Instant::now();
            let slots = Arc::new(tokio::sync::Semaphore::new(20));
            let mut tasks = tokio::task::JoinSet::new();
            for _ in 0..n {
                let mut req = client.request(p.method.clone(), &url);
                req = match p.provider {
                    "hibob" => req.basic_auth("bench", Some(&token)),
                    "jazzhr" => req.query(&[("apikey", &token)]),
                    _ => req.bearer_auth(&token),
                };
                if let Some(body) = p.body {
                    req = req.header("content-type", "application/json").body(body);
                }
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
            let took = started.elapsed();
            proxy.stop().await;
            let call = Call {
                method: p.method.as_str(),
                path: p.path,
                read: true,
            };
            let limit = provider
                .pace
                .limits
                .iter()
                .filter(|l| l.counts(call))
                .map(keystep_core::pace::Limit::describe)
                .collect::<Vec<_>>()
                .join(", ");
            let least = least(&provider.pace, call, n, minute);
            let row = format!(
                "| {} | `{} {}` | {} | {ok} of {n} | {:.1} s | {:.1} s | {:+.1} s |",
                provider.name,
                p.method,
                p.path,
                if limit.is_empty() {
                    "none documented".to_string()
                } else {
                    limit
                },
                least.as_secs_f64(),
                took.as_secs_f64(),
                took.as_secs_f64() - least.as_secs_f64(),
            );
            (order, row)
        });
    }
    let mut rows = Vec::new();
    while let Some(done) = runs.join_next().await {
        rows.push(done.expect("a provider's run finished"));
    }
    rows.sort();
    let rows: Vec<String> = rows.into_iter().map(|(_, row)| row).collect();
    let scaled = if minute == Duration::from_secs(60) {
        String::new()
    } else {
        format!(
            " **The pacer's minute lasted {} ms in this run**: every window, and so every time \
             below, is {:.3} of a real one.",
            minute.as_millis(),
            minute.as_secs_f64() / 60.0
        )
    };
    format!(
        "### {n} reads per provider at its documented pace\n\n\
         Through the proxy, 20 in flight, the five providers side by side, against the loopback emulator (answers take well under a \
         millisecond, so the pace is all that holds them).{scaled}\n\n\
         | provider | request | documented limit | answered | least the limit allows | took | over it |\n\
         |---|---|---|---|---|---|---|\n{}\n",
        rows.join("\n")
    )
}
