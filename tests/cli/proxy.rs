//! `keystep run`'s proxy over real loopback HTTP against the emulator: each provider gets
//! its real credential in its own place while the script only ever holds the run token;
//! refusals (token, path, write) forward nothing; the pace and a `Retry-After` hold; answers
//! stream; redirects come back unfollowed; many requests at once are all answered; and the
//! use log records every request without a secret or a query value.

use std::io::{Read as _, Write as _};
use std::sync::Arc;
use std::time::Duration;

use keystep_cli::proxy::{Grant, Proxy, ProxySettings};
use keystep_core::account::{Accounts, MemoryBookStore};
use keystep_core::clock::ManualClock;
use keystep_core::pace::{Call, Limit, Pace, Pacer};
use keystep_core::use_log::{UseLog, UseRecord};
use keystep_core::vault::{MemoryVault, Vault};
use keystep_emulator::{
    busiest_span, Emulator, Fault, HibobTenant, HumaansTenant, JazzhrAccount, NamelyTenant,
    PayfitTenant,
};

use crate::parts::{catalogue, hosts_for, raw, verifier_for};

const PAYFIT: &str = "ProxyPayfitKey000000000000000001";
const HIBOB_USER: &str = "SERVICE-PROXY";
const HIBOB: &str = "ProxyHibobToken00000000000000001";
const HUMAANS: &str = "ProxyHumaansToken000000000000001";
const JAZZHR: &str = "ProxyJazzhrKey000000000000000001";
const NAMELY: &str = "ProxyNamelyToken0000000000000001";

/// Every provider's account, linked against one emulator.
pub(crate) struct Linked {
    pub(crate) emu: Emulator,
    pub(crate) accounts: Accounts,
    pub(crate) vault: Arc<MemoryVault>,
}

pub(crate) async fn linked() -> Linked {
    let emu = Emulator::start();
    emu.add_payfit(PAYFIT, PayfitTenant::full("Acme SAS", 10));
    emu.add_hibob(HibobTenant::full(HIBOB_USER, HIBOB, 12));
    emu.add_humaans(HUMAANS, HumaansTenant::full("Acme Ltd", 42));
    emu.add_jazzhr(JAZZHR, JazzhrAccount::with_users("admin@acme.example", 3));
    emu.add_namely("acme", NamelyTenant::full("Acme Inc.", NAMELY, 10));
    let vault = Arc::new(MemoryVault::default());
    let accounts = Accounts::open(
        catalogue(),
        verifier_for(&emu, Duration::from_secs(5)),
        Arc::clone(&vault) as Arc<dyn Vault>,
        Arc::new(MemoryBookStore::default()),
        Arc::new(ManualClock::at(1_700_000_000)),
    )
    .expect("the book opens");
    for (provider, pairs) in [
        ("payfit", vec![("api_key", PAYFIT)]),
        (
            "hibob",
            vec![
                ("service_user_id", HIBOB_USER),
                ("service_user_token", HIBOB),
            ],
        ),
        ("humaans", vec![("api_token", HUMAANS)]),
        ("jazzhr", vec![("api_key", JAZZHR)]),
        (
            "namely",
            vec![("subdomain", "acme"), ("access_token", NAMELY)],
        ),
    ] {
        accounts
            .link(provider, raw(&pairs), &|_| {})
            .await
            .unwrap_or_else(|e| panic!("{provider} links against the emulator: {e}"));
    }
    emu.clear_requests();
    Linked {
        emu,
        accounts,
        vault,
    }
}

impl Linked {
    /// The grant of `provider`'s account, named after the provider.
    pub(crate) async fn grant(&self, provider: &str) -> Grant {
        let account = self
            .accounts
            .list()
            .await
            .into_iter()
            .find(|a| a.provider == provider)
            .expect("linked");
        let secrets = self
            .vault
            .get(&account.id)
            .expect("readable")
            .expect("kept");
        let p = catalogue();
        Grant::new(
            provider,
            &account,
            p.get(provider).expect("provider"),
            &hosts_for(&self.emu),
            secrets,
        )
        .expect("usable")
    }

    pub(crate) async fn proxy(&self, providers: &[&str], settings: ProxySettings) -> Proxy {
        let mut grants = Vec::new();
        for p in providers {
            grants.push(self.grant(p).await);
        }
        Proxy::start(grants, settings)
            .await
            .expect("the proxy starts")
    }
}

pub(crate) fn settings() -> ProxySettings {
    ProxySettings::new().expect("the client builds")
}

pub(crate) fn script() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client")
}

pub(crate) fn token_of(proxy: &Proxy, name: &str) -> String {
    proxy
        .grants()
        .find(|g| g.name == name)
        .expect("granted")
        .token()
        .expose()
        .to_string()
}

/// A request as a script would send it: the token in the provider's own place for a key.
pub(crate) fn authed(
    client: &reqwest::Client,
    proxy: &Proxy,
    provider: &str,
    method: reqwest::Method,
    path: &str,
) -> reqwest::RequestBuilder {
    let token = token_of(proxy, provider);
    let url = format!("{}{path}", proxy.url(provider, "api").expect("api host"));
    let req = client.request(method, url);
    match provider {
        "hibob" => req.basic_auth("anyone", Some(token)),
        "jazzhr" => req.query(&[("apikey", token)]),
        _ => req.bearer_auth(token),
    }
}

/// Sends raw bytes to the proxy (for paths a URL library would normalize) and returns the
/// status code.
pub(crate) fn raw_status(proxy: &Proxy, head: &str) -> u16 {
    raw_status_with(proxy, head, &format!("Host: {}", proxy.addr()))
}

/// [`raw_status`] with the request's own `Host` line (or none).
pub(crate) fn raw_status_with(proxy: &Proxy, head: &str, host: &str) -> u16 {
    let mut conn = std::net::TcpStream::connect(proxy.addr()).expect("connect to the proxy");
    conn.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("a read timeout");
    let host = if host.is_empty() {
        String::new()
    } else {
        format!("{host}\r\n")
    };
    write!(conn, "{head}\r\n{host}Connection: close\r\n\r\n").expect("send");
    let mut answer = String::new();
    let _ = conn.read_to_string(&mut answer);
    answer
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("an HTTP answer: {answer:?}"))
}

#[tokio::test]
async fn each_provider_gets_its_real_credential_and_the_script_only_the_token() {
    let world = linked().await;
    let dir = tempfile::tempdir().expect("a folder");
    let log = Arc::new(UseLog::at(dir.path().join("use.jsonl"), 1 << 20));
    let mut s = settings();
    s.log = Some((Arc::clone(&log), "run-1".into()));
    let all = ["payfit", "hibob", "humaans", "jazzhr", "namely"];
    let proxy = world.proxy(&all, s).await;
    let client = script();
    for (provider, path, secret) in [
        ("payfit", "/companies/5f1e2d3c4b5a69788796a5b4", PAYFIT),
        ("hibob", "/company/people/fields", HIBOB),
        ("humaans", "/me", HUMAANS),
        ("jazzhr", "/users", JAZZHR),
        ("namely", "/profiles/me", NAMELY),
    ] {
        world.emu.clear_requests();
        let answer = authed(&client, &proxy, provider, reqwest::Method::GET, path)
            .send()
            .await
            .expect("the proxy answers");
        assert_eq!(answer.status(), 200, "{provider}: the emulator's answer");
        let headers = format!("{:?}", answer.headers());
        let body = answer.text().await.expect("a body");
        assert!(
            !headers.contains(secret) && !body.contains(secret),
            "{provider}: the script never sees the real key"
        );
        let got = world.emu.requests();
        assert_eq!(got.len(), 1, "{provider}: one request forwarded");
        let rec = &got[0];
        let token = token_of(&proxy, provider);
        match provider {
            "hibob" => {
                use base64::Engine as _;
                let auth = rec.headers.get("authorization").expect("Basic");
                let pair = base64::engine::general_purpose::STANDARD
                    .decode(auth.trim_start_matches("Basic "))
                    .expect("base64");
                assert_eq!(
                    String::from_utf8(pair).expect("text"),
                    format!("{HIBOB_USER}:{HIBOB}"),
                    "hibob: the real service user and token, the script's user name ignored"
                );
            }
            "jazzhr" => assert_eq!(
                rec.query.get("apikey").map(String::as_str),
                Some(JAZZHR),
                "jazzhr: the real key in the query"
            ),
            _ => assert_eq!(
                rec.headers.get("authorization"),
                Some(&format!("Bearer {secret}")),
                "{provider}: the real token as Bearer"
            ),
        }
        let sent = format!("{:?}{:?}", rec.headers, rec.query);
        assert!(
            !sent.contains(&token),
            "{provider}: the run token stays local"
        );
    }
    proxy.stop().await;
    let text = std::fs::read_to_string(log.path()).expect("the log was written");
    for secret in [PAYFIT, HIBOB, HUMAANS, JAZZHR, NAMELY] {
        assert!(!text.contains(secret), "no key in the use log");
    }
    let records = log.read();
    assert_eq!(records.len(), 5, "one record per request: {text}");
    assert!(
        records.iter().any(|r| matches!(r, UseRecord::Request { path, status: 200, forwarded: true, .. } if path == "/users?apikey=")),
        "JazzHR's query is kept without its value: {text}"
    );
}

#[tokio::test]
async fn a_missing_or_wrong_token_is_refused_and_nothing_is_forwarded() {
    let world = linked().await;
    let proxy = world
        .proxy(&["humaans", "hibob", "jazzhr"], settings())
        .await;
    let client = script();
    let api = |p: &str| proxy.url(p, "api").expect("api");
    let humaans_token = token_of(&proxy, "humaans");
    let attempts = [
        client.get(format!("{}/me", api("humaans"))),
        client
            .get(format!("{}/me", api("humaans")))
            .bearer_auth("kst_wrong"),
        client
            .get(format!("{}/me", api("humaans")))
            .bearer_auth(HUMAANS),
        // Another account's token does not open this one.
        client
            .get(format!("{}/company/people/fields", api("hibob")))
            .basic_auth("x", Some(&humaans_token)),
        client
            .get(format!("{}/users", api("jazzhr")))
            .query(&[("apikey", "kst_wrong")]),
        client
            .get(format!("{}/users", api("jazzhr")))
            .bearer_auth(token_of(&proxy, "jazzhr")),
        client.get(format!("http://{}/nobody/api/me", proxy.addr())),
    ];
    for (i, attempt) in attempts.into_iter().enumerate() {
        let answer = attempt.send().await.expect("the proxy answers");
        assert_eq!(answer.status(), 401, "attempt {i} is refused");
        let body: serde_json::Value = answer.json().await.expect("JSON");
        assert_eq!(
            body["error"], "keystep_unauthorized",
            "attempt {i}: the proxy's own code"
        );
    }
    assert!(world.emu.requests().is_empty(), "nothing was forwarded");
}

#[tokio::test]
async fn writes_are_refused_unless_allowed_and_declared_reads_pass() {
    let world = linked().await;
    let proxy = world.proxy(&["humaans", "hibob"], settings()).await;
    let client = script();
    for method in [
        reqwest::Method::POST,
        reqwest::Method::DELETE,
        reqwest::Method::PUT,
    ] {
        let answer = authed(&client, &proxy, "humaans", method.clone(), "/people")
            .body("{}")
            .send()
            .await
            .expect("answered");
        assert_eq!(answer.status(), 403, "{method} is a write");
        let body: serde_json::Value = answer.json().await.expect("JSON");
        assert_eq!(body["error"], "keystep_read_only", "{method}: the code");
    }
    assert!(world.emu.requests().is_empty(), "no write was forwarded");
    let search = authed(
        &client,
        &proxy,
        "hibob",
        reqwest::Method::POST,
        "/people/search",
    )
    .header("content-type", "application/json")
    .body(r#"{"fields":["root.id"]}"#)
    .send()
    .await
    .expect("answered");
    assert_eq!(
        search.status(),
        200,
        "HiBob's people search is a declared read"
    );
    let got = world.emu.requests();
    assert_eq!(got.len(), 1, "the search was forwarded");
    assert_eq!(got[0].body, r#"{"fields":["root.id"]}"#, "with its body");
    proxy.stop().await;

    let mut s = settings();
    s.allow_write = true;
    let proxy = world.proxy(&["humaans"], s).await;
    world.emu.clear_requests();
    let answer = authed(&client, &proxy, "humaans", reqwest::Method::POST, "/people")
        .body("{}")
        .send()
        .await
        .expect("answered");
    assert_ne!(answer.status(), 403, "--allow-write lets it through");
    assert_eq!(world.emu.requests().len(), 1, "the write was forwarded");
}

// Raw requests block their thread; the proxy is served by another.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paths_leaving_the_base_are_refused_and_nothing_is_forwarded() {
    let world = linked().await;
    let proxy = world.proxy(&["payfit"], settings()).await;
    let token = token_of(&proxy, "payfit");
    for path in [
        "/payfit/api/../oauth/introspect",
        "/payfit/api/%2e%2e/oauth/introspect",
        "/payfit/api/companies%2f..%2f..%2foauth",
        "/payfit/api/%252e%252e/oauth",
        "/payfit/api/..;/oauth/introspect",
        "/payfit/api/%2e%2e;/oauth/introspect",
        "/payfit/api/..%3b/oauth",
        "/payfit/api/%25252e%25252e/oauth",
        "/payfit/api/%c0%ae%c0%ae/oauth",
    ] {
        let status = raw_status(
            &proxy,
            &format!("GET {path} HTTP/1.1\r\nAuthorization: Bearer {token}"),
        );
        assert_eq!(status, 400, "{path} is refused");
    }
    let status = raw_status(
        &proxy,
        &format!("GET /payfit/elsewhere/x HTTP/1.1\r\nAuthorization: Bearer {token}"),
    );
    assert_eq!(status, 404, "a host the provider does not have");
    assert!(world.emu.requests().is_empty(), "nothing was forwarded");
}

#[tokio::test]
async fn a_documented_limit_holds_across_the_run() {
    let world = linked().await;
    let window = Duration::from_millis(1_500);
    let mut s = settings();
    s.pacer = Arc::new(Pacer::with_window(window));
    s.pace = Some(Pace {
        limits: vec![Limit {
            requests: 3,
            seconds: 60,
            only: None,
        }],
        ..Pace::default()
    });
    let proxy = Arc::new(world.proxy(&["humaans"], s).await);
    let client = script();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..7 {
        let req = authed(&client, &proxy, "humaans", reqwest::Method::GET, "/me");
        tasks.spawn(async move { req.send().await.map(|r| r.status().as_u16()) });
    }
    while let Some(done) = tasks.join_next().await {
        assert_eq!(
            done.expect("joined").expect("answered"),
            200,
            "each waited, none failed"
        );
    }
    let got = world.emu.requests();
    assert_eq!(got.len(), 7, "all seven reached the provider");
    let times: Vec<_> = got.iter().map(|r| r.at).collect();
    // Under the window by a margin: arrivals lag their sending by a moment (more on a
    // loaded machine); a proxy without the pace sends all seven within milliseconds.
    assert!(
        busiest_span(&times, window - Duration::from_millis(500)) <= 3,
        "never more than three in a window"
    );
}

#[tokio::test]
async fn a_retry_after_holds_later_requests_which_wait_rather_than_fail() {
    let world = linked().await;
    let pacer = Arc::new(Pacer::new());
    let mut s = settings();
    s.pacer = Arc::clone(&pacer);
    let proxy = world.proxy(&["humaans"], s).await;
    let client = script();
    world.emu.fault(
        "humaans",
        "/me",
        Fault::Status {
            status: 429,
            body: serde_json::json!({"message": "slow down"}),
            retry_after: Some(1),
        },
    );
    let first = authed(&client, &proxy, "humaans", reqwest::Method::GET, "/me")
        .send()
        .await
        .expect("answered");
    assert_eq!(first.status(), 429, "the provider's answer is passed back");
    let pace = catalogue().get("humaans").expect("humaans").pace.clone();
    let me = Call {
        method: "GET",
        path: "/me",
        read: true,
    };
    assert!(
        pacer.admit("humaans", &pace, me).await.is_err(),
        "the provider's Retry-After holds its lane"
    );
    world.emu.clear_faults();
    let second = authed(&client, &proxy, "humaans", reqwest::Method::GET, "/me")
        .send()
        .await
        .expect("answered");
    assert_eq!(second.status(), 200, "the next request waited the hold out");
    assert_eq!(world.emu.requests().len(), 2, "both reached the provider");
}

#[tokio::test]
async fn answers_stream_through_without_being_held_whole() {
    let world = linked().await;
    let proxy = world.proxy(&["humaans"], settings()).await;
    let client = script();
    world.emu.fault(
        "humaans",
        "/me",
        Fault::Flood {
            bytes: 8 << 20,
            declare_length: true,
        },
    );
    let whole = authed(&client, &proxy, "humaans", reqwest::Method::GET, "/me")
        .send()
        .await
        .expect("answered")
        .bytes()
        .await
        .expect("the whole body");
    assert_eq!(whole.len(), 8 << 20, "every byte came through");
    world.emu.fault(
        "humaans",
        "/me",
        Fault::Flood {
            bytes: 1 << 30,
            declare_length: false,
        },
    );
    let mut answer = authed(&client, &proxy, "humaans", reqwest::Method::GET, "/me")
        .send()
        .await
        .expect("the head comes before the body is over");
    let first = answer
        .chunk()
        .await
        .expect("a chunk")
        .expect("not empty yet");
    assert!(
        !first.is_empty(),
        "the first bytes arrive while the rest is unsent"
    );
    drop(answer);
    proxy.stop().await;
    let written = tokio::task::spawn_blocking(move || world.emu.flood_written())
        .await
        .expect("joined");
    assert!(
        written < (8 << 20) + (256 << 20),
        "the provider stopped sending when the script stopped reading ({written} bytes of a 1 GiB answer)"
    );
}

#[tokio::test]
async fn redirects_are_passed_back_and_never_followed() {
    let world = linked().await;
    let proxy = world.proxy(&["humaans"], settings()).await;
    world.emu.fault(
        "humaans",
        "/me",
        Fault::Redirect(format!("{}/people", world.emu.url("humaans", "api"))),
    );
    let answer = authed(&script(), &proxy, "humaans", reqwest::Method::GET, "/me")
        .send()
        .await
        .expect("answered");
    assert_eq!(answer.status(), 302, "the redirect itself comes back");
    assert!(
        answer.headers().get("location").is_some(),
        "with its Location"
    );
    assert_eq!(world.emu.requests().len(), 1, "the proxy did not follow it");
}

#[tokio::test]
async fn two_hundred_requests_at_once_are_all_answered() {
    let world = linked().await;
    // Humaans documents no limit: nothing holds them back.
    let proxy = world.proxy(&["humaans"], settings()).await;
    // Slow answers make requests overlap at the provider if the proxy serves them together.
    world
        .emu
        .fault("humaans", "/me", Fault::Slow(Duration::from_millis(50)));
    let client = script();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..200 {
        let req = authed(&client, &proxy, "humaans", reqwest::Method::GET, "/me");
        tasks.spawn(async move { req.send().await.map(|r| r.status().as_u16()) });
    }
    let mut ok = 0;
    while let Some(done) = tasks.join_next().await {
        if done.expect("joined").expect("answered") == 200 {
            ok += 1;
        }
    }
    assert_eq!(ok, 200, "every request was answered");
    let got = world.emu.requests();
    assert_eq!(got.len(), 200, "none lost on the way");
    assert!(
        got.iter().map(|r| r.in_flight).max() > Some(1),
        "they were served side by side, not one after another"
    );
    assert_eq!(proxy.requests(), 200, "and each was counted");
}
