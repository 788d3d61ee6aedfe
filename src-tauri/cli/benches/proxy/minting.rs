//! How many access tokens one run mints: for each provider that takes client credentials, a
//! fresh proxy (so its run starts with no token) and `n` reads through it, 20 in flight as a
//! script's workers would send them, against the loopback emulator; then the requests the
//! emulator's token endpoint received during those reads. An access token lives an hour
//! there, as Greenhouse's and Personio's do at least, so one is the target: a second would be
//! workers racing to mint, or a token not held.

use std::time::Instant;

use keystep_cli::proxy::{Proxy, ProxySettings};
use keystep_core::provider::Auth;
use keystep_emulator::{Emulator, GreenhouseTenant, PersonioTenant};

use crate::{script_client, sole_grant, Linked};

const GH_ID: &str = "gh-bench-mint";
const GH_SECRET: &str = "GhBenchMintSecret00000000000001";
const PIO_ID: &str = "papi-bench-0000-0000-0000-000000000001";
const PIO_SECRET: &str = "papi-BenchMintSecret0000000000001";

/// The provider, its fields, and the read (path and query) repeated.
type Minted = (
    &'static str,
    [(&'static str, &'static str); 2],
    &'static str,
    &'static [(&'static str, &'static str)],
);

const PROVIDERS: [Minted; 2] = [
    (
        "greenhouse",
        [("client_id", GH_ID), ("client_secret", GH_SECRET)],
        "/users",
        &[("per_page", "1")],
    ),
    (
        "personio",
        [("client_id", PIO_ID), ("client_secret", PIO_SECRET)],
        "/v2/persons",
        &[("limit", "1")],
    ),
];

/// The section: tokens minted for `n` reads, per provider.
pub(crate) async fn per_run(n: usize) -> String {
    if n == 0 {
        return "### Access tokens minted per run (client credentials)\n\n**Not measured in this run** \
                (`KEYSTEP_BENCH_MINT_N=0`).\n"
            .into();
    }
    let emu = Emulator::start();
    emu.add_greenhouse(GreenhouseTenant::full(GH_ID, GH_SECRET));
    emu.add_personio(PersonioTenant::full(PIO_ID, PIO_SECRET));
    let linked = Linked::over(emu);
    let client = script_client();
    let mut rows = Vec::new();
    for (id, fields, path, query) in PROVIDERS {
        let account = linked.link(id, &fields).await;
        let provider = linked.provider(id).clone();
        let Auth::ClientCredentials {
            token_host,
            token_path,
            ..
        } = &provider.auth
        else {
            panic!("{id} takes client credentials");
        };
        // Only what this run sends is counted (linking minted one of its own).
        linked.emu.clear_requests();
        let proxy = Proxy::start(
            vec![linked.grant(id, &account)],
            ProxySettings::new().expect("client"),
        )
        .await
        .expect("proxy");
        let (token, url) = sole_grant(&proxy, id, path);
        let started = Instant::now();
        let answered = super::answered(
            (0..n).map(|_| client.get(&url).query(query).bearer_auth(&token)),
            20,
        )
        .await;
        let took = started.elapsed();
        proxy.stop().await;
        let seen = linked.emu.requests();
        let minted = seen
            .iter()
            .filter(|r| r.provider == id && r.host == *token_host && r.path == *token_path)
            .count();
        let reads = seen.len() - minted;
        rows.push(format!(
            "| {} | `POST {token_path}` | {answered} of {n} ({reads} forwarded) | {:.0} ms | minted {minted} for {n} reads | {} |",
            provider.name,
            took.as_secs_f64() * 1000.0,
            if minted == 1 { "met" } else { "**missed**" },
        ));
    }
    format!(
        "### Access tokens minted per run (client credentials)\n\n\
         A fresh proxy for each provider, {n} reads through it (20 in flight), against the loopback emulator, whose \
         access tokens live an hour; the token endpoint's requests are counted from the emulator's own record.\n\n\
         | provider | token endpoint | reads answered | took | access tokens | target: 1 |\n\
         |---|---|---|---:|---|---|\n{}\n",
        rows.join("\n")
    )
}
