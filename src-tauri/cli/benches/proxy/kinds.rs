//! What the proxy adds to one GET, for each credential kind: one provider per kind, the same
//! request straight to the emulator (with the real credential where the provider takes it,
//! and the provider's fixed headers) and through the proxy (with the run token where the
//! provider takes its key), in alternation. For client credentials the straight request
//! carries an access token minted beforehand at the emulator's token endpoint, so both sides
//! make one request each (the proxy mints its own during the warm-up and holds it).

use std::time::Duration;

use keystep_cli::proxy::{Proxy, ProxySettings};
use keystep_core::pace::Pace;
use keystep_core::provider::{placeholders, Auth, ClientAuth, Provider};
use keystep_emulator::{
    BamboohrTenant, Emulator, FactorialTenant, GreenhouseTenant, HibobTenant, HumaansTenant,
    JazzhrAccount,
};

use crate::{ms, percentile, script_client, timed, Linked};

const HUMAANS: &str = "BenchHumaansToken000000000000001";
const HIBOB_USER: &str = "SERVICE-BENCH";
const HIBOB: &str = "BenchHibobToken00000000000000001";
const JAZZHR: &str = "BenchJazzhrKey000000000000000001";
const BAMBOOHR: &str = "b0a5ed00b0a5ed00b0a5ed00b0a5ed00b0a5be01";
const FACTORIAL: &str = "BenchFactorialKey00000000000001";
const GH_ID: &str = "gh-bench-client";
const GH_SECRET: &str = "GhBenchSecret0000000000000000001";

/// One credential kind's row: the provider that takes it, the account's fields, and a cheap
/// GET its emulator serves (a verification check's request).
struct Kind {
    kind: &'static str,
    provider: &'static str,
    fields: Vec<(&'static str, &'static str)>,
    path: &'static str,
    query: Vec<(&'static str, &'static str)>,
    /// Headers the script sends either way (BambooHR answers XML unless asked for JSON).
    headers: Vec<(&'static str, &'static str)>,
}

fn kinds() -> Vec<Kind> {
    let kind = |kind, provider, fields, path| Kind {
        kind,
        provider,
        fields,
        path,
        query: vec![],
        headers: vec![],
    };
    vec![
        kind("bearer", "humaans", vec![("api_token", HUMAANS)], "/me"),
        kind(
            "basic",
            "hibob",
            vec![
                ("service_user_id", HIBOB_USER),
                ("service_user_token", HIBOB),
            ],
            "/company/people/fields",
        ),
        kind("query", "jazzhr", vec![("api_key", JAZZHR)], "/users"),
        Kind {
            headers: vec![("accept", "application/json")],
            ..kind(
                "basic_key",
                "bamboohr",
                vec![("subdomain", "bench"), ("api_key", BAMBOOHR)],
                "/v1/employees/0",
            )
        },
        kind(
            "header",
            "factorial",
            vec![("api_key", FACTORIAL)],
            "/companies/legal_entities",
        ),
        Kind {
            query: vec![("per_page", "1")],
            ..kind(
                "client_credentials",
                "greenhouse",
                vec![("client_id", GH_ID), ("client_secret", GH_SECRET)],
                "/users",
            )
        },
    ]
}

/// Puts a credential into `req` where `auth` takes it, each field's value from `value` (the
/// real fields straight; the run token for every field through the proxy, which reads only
/// the key's place). Client credentials are sent as the access token in `value("")`.
fn sign(
    req: reqwest::RequestBuilder,
    auth: &Auth,
    value: &dyn Fn(&str) -> String,
) -> reqwest::RequestBuilder {
    match auth {
        Auth::Bearer { token } => req.bearer_auth(value(token)),
        Auth::Basic { username, password } => {
            req.basic_auth(value(username), Some(value(password)))
        }
        Auth::BasicKey { key, password } => req.basic_auth(value(key), Some(password)),
        Auth::Header {
            name,
            value: template,
        } => {
            let mut filled = template.clone();
            for ph in placeholders(template) {
                filled = filled.replace(&format!("{{{ph}}}"), &value(ph));
            }
            req.header(name.as_str(), filled)
        }
        Auth::Query { param, value: key } => req.query(&[(param.as_str(), value(key))]),
        Auth::ClientCredentials { .. } => req.bearer_auth(value("")),
    }
}

/// An access token from the emulator's token endpoint, asked for as `provider` documents.
async fn mint(
    client: &reqwest::Client,
    emu: &Emulator,
    provider: &Provider,
    id: &str,
    secret: &str,
) -> String {
    let Auth::ClientCredentials {
        token_host,
        token_path,
        client_auth,
        ..
    } = &provider.auth
    else {
        panic!("{} takes client credentials", provider.id);
    };
    let url = format!("{}{token_path}", emu.url(&provider.id, token_host));
    let mut form = vec![("grant_type", "client_credentials")];
    let mut req = client.post(url);
    match client_auth {
        ClientAuth::Basic => req = req.basic_auth(id, Some(secret)),
        ClientAuth::Form => form.extend([("client_id", id), ("client_secret", secret)]),
    }
    let answer: serde_json::Value = req
        .form(&form)
        .send()
        .await
        .expect("the token endpoint answers")
        .json()
        .await
        .expect("a JSON token answer");
    answer["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("an access token: {answer}"))
        .to_string()
}

/// Both ways of sending one kind's GET, ready to be built again for each request.
struct Sides {
    kind: Kind,
    provider: Provider,
    straight_url: String,
    through_url: String,
    /// The real credential's fields (and the access token, under "").
    real: Vec<(String, String)>,
    run_token: String,
}

impl Sides {
    fn straight(&self, client: &reqwest::Client) -> reqwest::RequestBuilder {
        let mut req = client.get(&self.straight_url).query(&self.kind.query);
        // What the proxy adds: the provider's fixed headers.
        for (k, v) in &self.provider.headers {
            req = req.header(k.as_str(), v.as_str());
        }
        for (k, v) in &self.kind.headers {
            req = req.header(*k, *v);
        }
        let value = |field: &str| {
            self.real
                .iter()
                .find(|(k, _)| k == field)
                .map(|(_, v)| v.clone())
                .unwrap_or_else(|| panic!("{}: field {field}", self.kind.provider))
        };
        sign(req, &self.provider.auth, &value)
    }

    fn through(&self, client: &reqwest::Client) -> reqwest::RequestBuilder {
        let mut req = client.get(&self.through_url).query(&self.kind.query);
        for (k, v) in &self.kind.headers {
            req = req.header(*k, *v);
        }
        sign(req, &self.provider.auth, &|_| self.run_token.clone())
    }
}

/// The table of overheads per credential kind, then 200 requests at once through the proxy.
pub(crate) async fn overhead(n: usize) -> String {
    let emu = Emulator::start();
    emu.add_humaans(HUMAANS, HumaansTenant::full("Bench Ltd", 10));
    emu.add_hibob(HibobTenant::full(HIBOB_USER, HIBOB, 10));
    emu.add_jazzhr(JAZZHR, JazzhrAccount::with_users("admin@bench.example", 3));
    emu.add_bamboohr(BamboohrTenant::full("bench", BAMBOOHR, "Bench Inc.", 10));
    emu.add_factorial(FactorialTenant::new(FACTORIAL, "Bench S.L.", 10));
    emu.add_greenhouse(GreenhouseTenant::full(GH_ID, GH_SECRET));
    let linked = Linked::over(emu);
    let client = script_client();
    let mut grants = Vec::new();
    let mut pending = Vec::new();
    for kind in kinds() {
        let account = linked.link(kind.provider, &kind.fields).await;
        grants.push(linked.grant(kind.provider, &account));
        let provider = linked.provider(kind.provider).clone();
        let base = account
            .verified_hosts
            .get("api")
            .unwrap_or_else(|| panic!("{}: the api host was verified", kind.provider))
            .clone();
        let mut real: Vec<(String, String)> = kind
            .fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        if kind.kind == "client_credentials" {
            let token = mint(&client, &linked.emu, &provider, GH_ID, GH_SECRET).await;
            real.push((String::new(), token));
        }
        pending.push((kind, provider, base, real));
    }
    // The providers' documented limits lifted (JazzHR's 100 a minute would hold 1,000 reads
    // for ten minutes): what is measured is the proxy's own cost, its pacer's lane included.
    let mut settings = ProxySettings::new().expect("client");
    settings.pace = Some(Pace::default());
    let proxy = Proxy::start(grants, settings).await.expect("proxy");
    let sides: Vec<Sides> = pending
        .into_iter()
        .map(|(kind, provider, base, real)| {
            let grant = proxy
                .grants()
                .find(|g| g.name == kind.provider)
                .expect("granted");
            Sides {
                straight_url: format!("{base}{}", kind.path),
                through_url: format!(
                    "{}{}",
                    proxy.url(kind.provider, "api").expect("url"),
                    kind.path
                ),
                run_token: grant.token().expose().to_string(),
                real,
                provider,
                kind,
            }
        })
        .collect();

    // Warm both paths (connections, the proxy's client, its access token), then alternate,
    // the kinds in turn.
    for _ in 0..20 {
        for s in &sides {
            timed(s.straight(&client)).await;
            timed(s.through(&client)).await;
        }
    }
    let mut times: Vec<(Vec<Duration>, Vec<Duration>)> =
        sides.iter().map(|_| (Vec::new(), Vec::new())).collect();
    for _ in 0..n {
        for (s, (d, p)) in sides.iter().zip(times.iter_mut()) {
            d.push(timed(s.straight(&client)).await);
            p.push(timed(s.through(&client)).await);
        }
    }
    let mut rows = Vec::new();
    for (s, (mut d, mut p)) in sides.iter().zip(times) {
        d.sort();
        p.sort();
        let (dm, d99, pm, p99) = (
            ms(percentile(&d, 0.5)),
            ms(percentile(&d, 0.99)),
            ms(percentile(&p, 0.5)),
            ms(percentile(&p, 0.99)),
        );
        let query: String = s
            .kind
            .query
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&");
        rows.push(format!(
            "| {} | {} | `GET {}{}{query}` | {dm:.3} ms | {pm:.3} ms | **{:+.3} ms** | {d99:.3} ms | {p99:.3} ms | {:+.3} ms | {} |",
            s.kind.kind,
            s.provider.name,
            s.kind.path,
            if query.is_empty() { "" } else { "?" },
            pm - dm,
            p99 - d99,
            if pm - dm <= 1.0 { "met" } else { "**missed**" },
        ));
    }

    // 200 at once, of the bearer kind (Humaans documents no limit, so nothing holds them).
    let bearer = &sides[0];
    let started = std::time::Instant::now();
    let answered = super::answered((0..200).map(|_| bearer.through(&client)), 0).await;
    let burst = started.elapsed();
    proxy.stop().await;

    format!(
        "{n} GETs for each credential kind against the loopback emulator, alternating straight and through the proxy, \
         the kinds in turn. Straight, the request carries the real credential where the provider takes it and the \
         provider's fixed headers; through the proxy, the run token in the same place. For client credentials the \
         straight request carries an access token minted beforehand, and the proxy's own was minted during the warm-up, \
         so each side makes one request. The providers' documented limits are lifted (JazzHR's \
         100 a minute would hold the run): what is measured is the proxy's own cost, its pacer included.\n\n\
         | credential kind | provider | request | straight, median | through, median | overhead, median | straight, p99 | through, p99 | overhead, p99 | target ≤ +1 ms median |\n\
         |---|---|---|---:|---:|---:|---:|---:|---:|---|\n{}\n\n\
         200 requests at once through one proxy (Humaans `/me`; Humaans documents no limit): {answered} of 200 answered in {:.0} ms.\n",
        rows.join("\n"),
        ms(burst)
    )
}
