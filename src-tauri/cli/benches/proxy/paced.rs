//! What a user feels at a provider's documented pace: `n` reads for each of the five first
//! providers through the proxy (the five side by side, each with its own proxy), 20 in
//! flight, of the request its documented limit names (HiBob's people search, Namely's
//! profiles, any PayFit read or JazzHR request; Humaans documents none), against the least
//! time that limit allows: the first window's worth at once, then one window per further
//! window's worth. The pacer's minute lasts `minute` (a real one by default; shorter only for
//! a quick try, and the page says so).

use std::sync::Arc;
use std::time::{Duration, Instant};

use keystep_cli::proxy::{Proxy, ProxySettings};
use keystep_core::pace::{Call, Pacer};
use keystep_emulator::{Emulator, HumaansTenant};

use crate::{script_client, sole_grant, Linked};

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

/// `n` reads per provider through the proxy at its documented pace; the Markdown section.
pub(crate) async fn runs(n: usize, minute: Duration) -> String {
    if n == 0 {
        return "### Reads per provider at its documented pace\n\n**Not measured in this run** \
                (`KEYSTEP_BENCH_PACE_N=0`).\n"
            .into();
    }
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
    let linked = Linked::over(emu);
    let client = script_client();
    // Each provider has its own lane: the five run side by side, as five scripts would.
    let mut runs = tokio::task::JoinSet::new();
    for (order, p) in paced_providers().into_iter().enumerate() {
        let account = linked.link(p.provider, &p.fields).await;
        let provider = linked.provider(p.provider).clone();
        let grant = linked.grant(p.provider, &account);
        let client = client.clone();
        runs.spawn(async move {
            let mut settings = ProxySettings::new().expect("client");
            settings.pacer = Arc::new(Pacer::with_window(minute));
            let proxy = Proxy::start(vec![grant], settings).await.expect("proxy");
            let (token, url) = sole_grant(&proxy, p.provider, p.path);
            let started = Instant::now();
            let reqs = (0..n).map(|_| {
                let mut req = client.request(p.method.clone(), &url);
                req = match p.provider {
                    "hibob" => req.basic_auth("bench", Some(&token)),
                    "jazzhr" => req.query(&[("apikey", &token)]),
                    _ => req.bearer_auth(&token),
                };
                if let Some(body) = p.body {
                    req = req.header("content-type", "application/json").body(body);
                }
                req
            });
            let ok = super::answered(reqs, 20).await;
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
