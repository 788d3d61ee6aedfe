//! `keystep run`'s proxy for issue 22's credential kinds, in-process over real loopback HTTP
//! against the emulator: the run token where each kind takes its key (Basic with the key as
//! the user name, a vendor header) and the real credential put in its place; client
//! credentials, where the proxy mints the access token itself (one for a thousand reads,
//! minted again once when the API refuses it), the secret going to the token endpoint only
//! and neither it nor the token ever reaching the script; reads by method and path pattern;
//! another user turned away before anything is minted; and the use log.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use keystep_cli::proxy::{Grant, Proxy};
use keystep_core::account::{Accounts, MemoryBookStore};
use keystep_core::clock::ManualClock;
use keystep_core::hosts::Hosts;
use keystep_core::provider::Catalogue;
use keystep_core::use_log::{UseLog, UseRecord};
use keystep_core::vault::{MemoryVault, Vault};
use keystep_emulator::{AshbyTenant, BamboohrTenant, Emulator, GreenhouseTenant};

use crate::parts::{catalogue, header_provider, raw, verifier_for};
use crate::proxy::{script, settings, token_of, Linked};
use crate::proxy_guard::{as_nobody, can_be_another_user};

const BAMBOO: &str = "b0a5ed00b0a5ed00b0a5ed00b0a5ed00b0a5ed42";
const GH_ID: &str = "gh-proxy-client";
const GH_SECRET: &str = "GhProxySecretCanary000000000042";
const ASHBY: &str = "AshbyProxyKeyCanary000000000042";

fn basic(pair: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    )
}

/// BambooHR, Greenhouse and Ashby accounts, linked against one emulator.
async fn linked() -> Linked {
    let emu = Emulator::start();
    emu.add_bamboohr(BamboohrTenant::full("acme", BAMBOO, "Acme Inc.", 21));
    emu.add_greenhouse(GreenhouseTenant::full(GH_ID, GH_SECRET));
    emu.add_ashby(AshbyTenant::full(ASHBY));
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
        ("bamboohr", vec![("subdomain", "acme"), ("api_key", BAMBOO)]),
        (
            "greenhouse",
            vec![("client_id", GH_ID), ("client_secret", GH_SECRET)],
        ),
        ("ashby", vec![("api_key", ASHBY)]),
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

/// `GET <path>` of `name`'s API through `proxy`, with the run token as a Bearer token.
async fn bearer_get(proxy: &Proxy, name: &str, path: &str) -> reqwest::Response {
    script()
        .get(format!("{}{path}", proxy.url(name, "api").expect("api")))
        .bearer_auth(token_of(proxy, name))
        .send()
        .await
        .expect("the proxy answers")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_credentials_mint_one_token_for_a_thousand_reads_and_the_script_sees_neither() {
    let world = linked().await;
    let minted_before = world.emu.tokens_minted("greenhouse");
    let proxy = world.proxy(&["greenhouse"], settings()).await;
    assert!(
        proxy.url("greenhouse", "auth").is_none(),
        "the token endpoint is not a host the script may send to"
    );
    let api = proxy.url("greenhouse", "api").expect("api");
    let token = token_of(&proxy, "greenhouse");
    let client = script();
    let mut seen = String::new();
    for round in 0..50 {
        let mut batch = tokio::task::JoinSet::new();
        for _ in 0..20 {
            let request = client
                .get(format!("{api}/users?per_page=2"))
                .bearer_auth(&token);
            batch.spawn(async move {
                let answer = request.send().await.expect("answered");
                let status = answer.status();
                let headers = format!("{:?}", answer.headers());
                (status, headers + &answer.text().await.expect("a body"))
            });
        }
        while let Some(done) = batch.join_next().await {
            let (status, text) = done.expect("joined");
            assert_eq!(status, 200, "round {round}: read through the proxy");
            seen.push_str(&text);
        }
    }
    assert_eq!(
        world.emu.tokens_minted("greenhouse") - minted_before,
        1,
        "one access token for the run's thousand reads"
    );
    let got = world.emu.requests();
    let mints: Vec<_> = got.iter().filter(|r| r.host == "auth").collect();
    assert_eq!(mints.len(), 1, "one request to the token endpoint");
    assert_eq!(
        mints[0].headers.get("authorization"),
        Some(&basic(&format!("{GH_ID}:{GH_SECRET}"))),
        "the client authenticates with Basic at the token endpoint"
    );
    let reads: Vec<_> = got.iter().filter(|r| r.host == "api").collect();
    assert_eq!(reads.len(), 1000, "every read forwarded");
    let bearer = reads[0].headers["authorization"].clone();
    let access = bearer.trim_start_matches("Bearer ").to_string();
    for r in &reads {
        let sent = format!("{:?}{:?}{}", r.headers, r.query, r.body);
        assert_eq!(
            r.headers.get("authorization"),
            Some(&bearer),
            "the one access token"
        );
        assert!(
            !sent.contains(GH_SECRET) && !sent.contains(&token),
            "the API gets neither the client secret nor the run token"
        );
    }
    assert!(
        !access.is_empty() && !access.contains(&token) && access != GH_SECRET,
        "an access token of the provider's"
    );
    for (what, value) in [
        ("the client secret", GH_SECRET),
        ("the access token", &access),
    ] {
        assert!(
            !seen.contains(value),
            "{what} never reaches the script's answers"
        );
    }
}

#[tokio::test]
async fn an_access_token_the_api_refuses_is_minted_again_once_and_a_refused_secret_says_so() {
    let world = linked().await;
    let proxy = world.proxy(&["greenhouse"], settings()).await;
    assert_eq!(
        bearer_get(&proxy, "greenhouse", "/jobs").await.status(),
        200
    );
    let before = world.emu.tokens_minted("greenhouse");
    world.emu.expire_tokens("greenhouse");
    world.emu.clear_requests();
    assert_eq!(
        bearer_get(&proxy, "greenhouse", "/jobs").await.status(),
        200,
        "the refused token is replaced and the request sent again"
    );
    assert_eq!(
        world.emu.tokens_minted("greenhouse") - before,
        1,
        "minted once more"
    );
    let paths: Vec<String> = world
        .emu
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.host, r.path))
        .collect();
    assert_eq!(
        paths,
        ["api /jobs", "auth /token", "api /jobs"],
        "refused, minted, sent again"
    );
    // The credential revoked in Greenhouse: its tokens die and no new one is given.
    world.emu.revoke(GH_SECRET);
    world.emu.clear_requests();
    let answer = bearer_get(&proxy, "greenhouse", "/jobs").await;
    assert_eq!(answer.status(), 502, "no token, no request");
    let body: serde_json::Value = answer.json().await.expect("JSON");
    assert_eq!(
        body["error"], "keystep_credentials_refused",
        "the proxy's own code"
    );
    let paths: Vec<String> = world
        .emu
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.host, r.path))
        .collect();
    assert_eq!(
        paths,
        ["api /jobs", "auth /token"],
        "one refusal of the old token, one refused mint: no loop"
    );
}

#[tokio::test]
async fn the_key_as_basic_user_name_is_taken_from_the_script_and_put_back_real() {
    let world = linked().await;
    let dir = tempfile::tempdir().expect("a folder");
    let log = Arc::new(UseLog::at(dir.path().join("use.jsonl"), 1 << 20));
    let mut s = settings();
    s.log = Some((Arc::clone(&log), "run-kinds".into()));
    let proxy = world.proxy(&["bamboohr", "ashby"], s).await;
    let client = script();
    let bamboo = token_of(&proxy, "bamboohr");
    let ashby = token_of(&proxy, "ashby");
    let api = |name: &str| proxy.url(name, "api").expect("api");
    // BambooHR: the token as the user name, any password (curl -u TOKEN:x).
    let answer = client
        .get(format!("{}/v1/employees/0", api("bamboohr")))
        .header("Accept", "application/json")
        .basic_auth(&bamboo, Some("x"))
        .send()
        .await
        .expect("answered");
    assert_eq!(answer.status(), 200, "a read through the proxy");
    let rec = world.emu.requests().pop().expect("forwarded");
    assert_eq!(
        rec.headers.get("authorization"),
        Some(&basic(&format!("{BAMBOO}:x"))),
        "the real key as the user name, BambooHR's fixed password"
    );
    // Ashby: an RPC read is a POST the file lists; the fixed versioned Accept goes with it.
    world.emu.clear_requests();
    let answer = client
        .post(format!("{}/candidate.list", api("ashby")))
        .basic_auth(&ashby, Some(""))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .expect("answered");
    assert_eq!(answer.status(), 200, "a listed POST read passes");
    let rec = world.emu.requests().pop().expect("forwarded");
    assert_eq!(
        rec.headers.get("authorization"),
        Some(&basic(&format!("{ASHBY}:"))),
        "the real key, an empty password"
    );
    assert_eq!(
        rec.headers.get("accept").map(String::as_str),
        Some("application/json; version=1"),
        "Ashby's fixed header, over the client's default Accept"
    );
    world.emu.clear_requests();
    let refused = [
        // A POST the file does not list is a write.
        client
            .post(format!("{}/candidate.create", api("ashby")))
            .basic_auth(&ashby, Some(""))
            .body("{}"),
        // BambooHR's listed POST reads are patterns; a POST elsewhere writes.
        client
            .post(format!("{}/v1/employees", api("bamboohr")))
            .basic_auth(&bamboo, Some("x"))
            .body("{}"),
    ];
    for (i, req) in refused.into_iter().enumerate() {
        let answer = req.send().await.expect("answered");
        assert_eq!(answer.status(), 403, "write {i} refused");
        let body: serde_json::Value = answer.json().await.expect("JSON");
        assert_eq!(body["error"], "keystep_read_only", "write {i}: the code");
    }
    assert!(world.emu.requests().is_empty(), "no write was forwarded");
    let pattern = client
        .post(format!("{}/v1/datasets/employee", api("bamboohr")))
        .basic_auth(&bamboo, Some("x"))
        .body("{}")
        .send()
        .await
        .expect("answered");
    assert_ne!(
        pattern.status(),
        403,
        "POST /v1/datasets/{{dataset}} is a read by the file's pattern"
    );
    assert_eq!(world.emu.requests().len(), 1, "and was forwarded");
    world.emu.clear_requests();
    let wrong = [
        // The token as the password, the way Basic's two-field providers take it.
        client
            .get(format!("{}/v1/employees/0", api("bamboohr")))
            .basic_auth("someone", Some(&bamboo)),
        client
            .get(format!("{}/v1/employees/0", api("bamboohr")))
            .basic_auth(&ashby, Some("x")),
        client
            .get(format!("{}/v1/employees/0", api("bamboohr")))
            .bearer_auth(&bamboo),
    ];
    for (i, req) in wrong.into_iter().enumerate() {
        assert_eq!(
            req.send().await.expect("answered").status(),
            401,
            "attempt {i} is not this account's token where its key goes"
        );
    }
    assert!(world.emu.requests().is_empty(), "nothing forwarded");
    proxy.stop().await;
    let text = std::fs::read_to_string(log.path()).expect("the log was written");
    for secret in [BAMBOO, ASHBY, &bamboo, &ashby] {
        assert!(!text.contains(secret), "no key or token in the use log");
    }
    let requests: Vec<(String, u16, bool)> = log
        .read()
        .into_iter()
        .filter_map(|r| match r {
            UseRecord::Request {
                method,
                path,
                status,
                forwarded,
                ..
            } => Some((format!("{method} {path}"), status, forwarded)),
            _ => None,
        })
        .collect();
    assert_eq!(
        requests.len(),
        5,
        "reads and refused writes recorded, wrong tokens only counted: {requests:?}"
    );
    assert!(
        requests.contains(&("POST /candidate.create".into(), 403, false))
            && requests.contains(&("POST /candidate.list".into(), 200, true)),
        "each with its method, path, status and whether it went out: {requests:?}"
    );
}

#[tokio::test]
async fn a_vendor_header_takes_the_run_token_in_its_template_and_sends_the_key_there() {
    const KEY: &str = "VendorProxyKeyCanary0000000042";
    let world = linked().await;
    let template = world
        .accounts
        .list()
        .await
        .into_iter()
        .find(|a| a.provider == "ashby")
        .expect("an account to start from");
    for (name, value, script_sends) in [
        ("x-api-key", "{api_key}", "{}"),
        ("Authorization", "Token token={api_key}", "Token token={}"),
    ] {
        let text = header_provider(name, value, "");
        let cat = Catalogue::from_sources(&[("vendor", &text)]).expect("a valid file");
        let provider = cat.get("vendor").expect("vendor");
        let base = world.emu.url("vendor", "api");
        let hosts = Hosts::default()
            .with(provider, "api", &base)
            .expect("a loopback override");
        let mut account = template.clone();
        account.provider = "vendor".into();
        account.fields.clear();
        account.verified_hosts = [("api".to_string(), base.clone())].into();
        let grant = Grant::new(
            "vendor",
            &account,
            provider,
            &hosts,
            raw(&[("api_key", KEY)]),
        )
        .expect("usable");
        let proxy = Proxy::start(vec![grant], settings()).await.expect("starts");
        let token = token_of(&proxy, "vendor");
        let url = format!("{}/me", proxy.url("vendor", "api").expect("api"));
        world.emu.clear_requests();
        for (sent, admitted) in [
            (script_sends.replace("{}", &token), true),
            (script_sends.replace("{}", "kst_wrong"), false),
            (format!("Bearer {token}"), false),
        ] {
            let answer = script()
                .get(&url)
                .header(name, &sent)
                .send()
                .await
                .expect("answered");
            assert_eq!(
                answer.status() != 401,
                admitted,
                "{name}: {sent:?} admitted: {admitted}"
            );
        }
        let got = world.emu.requests();
        assert_eq!(got.len(), 1, "{name}: only the admitted request went out");
        assert_eq!(
            got[0].headers.get(&name.to_ascii_lowercase()),
            Some(&value.replace("{api_key}", KEY)),
            "{name}: the real key in the vendor's template"
        );
        assert_eq!(
            got[0].headers.get("x-api-version").map(String::as_str),
            Some("20240404"),
            "{name}: the fixed header"
        );
        let sent = format!("{:?}", got[0].headers);
        assert!(!sent.contains(&token), "{name}: the run token stays local");
        proxy.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_user_with_the_right_token_gets_nothing_and_nothing_is_minted() {
    if !can_be_another_user() {
        return;
    }
    let world = linked().await;
    let before = world.emu.tokens_minted("greenhouse");
    let proxy = world.proxy(&["greenhouse", "bamboohr"], settings()).await;
    for (name, header) in [
        (
            "greenhouse",
            format!("Authorization: Bearer {}", token_of(&proxy, "greenhouse")),
        ),
        (
            "bamboohr",
            format!(
                "Authorization: {}",
                basic(&format!("{}:x", token_of(&proxy, "bamboohr")))
            ),
        ),
    ] {
        let url = format!(
            "{}/{}",
            proxy.url(name, "api").expect("api"),
            if name == "greenhouse" {
                "jobs"
            } else {
                "v1/employees/0"
            }
        );
        let out = tokio::task::spawn_blocking(move || {
            let mut cmd = as_nobody("/usr/bin/curl");
            cmd.args([
                "-sS",
                "--max-time",
                "20",
                "-H",
                &header,
                "-w",
                "\nstatus %{http_code}",
                &url,
            ]);
            cmd.output().expect("curl runs")
        })
        .await
        .expect("joined");
        let said = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            !out.status.success() && !said.contains("status 200"),
            "{name}: another user gets no answer at all: {said}"
        );
    }
    assert_eq!(proxy.strangers(), 2, "both connections counted");
    assert_eq!(proxy.requests(), 0, "neither read as a request");
    assert!(
        world.emu.requests().is_empty(),
        "nothing reached the provider"
    );
    assert_eq!(
        world.emu.tokens_minted("greenhouse"),
        before,
        "no access token minted for a stranger"
    );
}
