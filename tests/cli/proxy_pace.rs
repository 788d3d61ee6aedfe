//! `keystep run`'s proxy keeps to what each provider documents and nothing else: a provider
//! that documents no limit is never held; a documented limit holds, is said once and is
//! recorded as the request's wait; HiBob's firewall is never tripped by a script's refused
//! requests; a 429 that names no wait backs off; and a JSON 403 (a permission answer, not
//! the firewall's page) holds nothing.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use keystep_core::pace::Pacer;
use keystep_core::use_log::{UseLog, UseRecord};
use keystep_emulator::{Fault, Waf};

use crate::proxy::{authed, linked, script, settings};

/// Runs the `n` futures `make` gives, all at once, and returns their statuses.
async fn all_at_once(n: usize, make: impl Fn() -> reqwest::RequestBuilder) -> Vec<u16> {
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..n {
        let req = make();
        tasks.spawn(async move { req.send().await.map(|r| r.status().as_u16()) });
    }
    let mut statuses = Vec::new();
    while let Some(done) = tasks.join_next().await {
        statuses.push(done.expect("joined").expect("answered"));
    }
    statuses
}

fn waits(log: &UseLog) -> Vec<u64> {
    log.read()
        .into_iter()
        .filter_map(|r| match r {
            UseRecord::Request { waited_ms, .. } => Some(waited_ms),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn a_provider_that_documents_no_limit_is_never_held() {
    let world = linked().await;
    let dir = tempfile::tempdir().expect("a folder");
    let log = Arc::new(UseLog::at(dir.path().join("use.jsonl"), 1 << 20));
    let mut s = settings();
    // A real minute: the old invented pace of 60 a minute held the 61st for one.
    s.pacer = Arc::new(Pacer::new());
    s.log = Some((Arc::clone(&log), "run".into()));
    let proxy = world.proxy(&["humaans"], s).await;
    let client = script();
    let statuses = tokio::time::timeout(
        Duration::from_secs(40),
        all_at_once(150, || {
            authed(&client, &proxy, "humaans", reqwest::Method::GET, "/me")
        }),
    )
    .await
    .expect("150 reads were not held for a minute");
    assert!(
        statuses.iter().all(|s| *s == 200),
        "all answered: {statuses:?}"
    );
    proxy.stop().await;
    assert!(
        waits(&log).iter().all(|w| *w < 1_000),
        "none was held: {:?}",
        waits(&log)
    );
}

#[tokio::test]
async fn a_documented_limit_holds_is_said_once_and_is_recorded() {
    let world = linked().await;
    let dir = tempfile::tempdir().expect("a folder");
    let log = Arc::new(UseLog::at(dir.path().join("use.jsonl"), 1 << 20));
    let said = Arc::new(Mutex::new(Vec::<String>::new()));
    let mut s = settings();
    // HiBob's people search: 50 a minute, the minute here three seconds long.
    s.pacer = Arc::new(Pacer::with_window(Duration::from_secs(3)));
    s.log = Some((Arc::clone(&log), "run".into()));
    let heard = Arc::clone(&said);
    s.notices = Some(Arc::new(move |line: &str| {
        heard.lock().expect("not poisoned").push(line.to_string());
    }));
    let proxy = world.proxy(&["hibob"], s).await;
    let client = script();
    let search = || {
        authed(
            &client,
            &proxy,
            "hibob",
            reqwest::Method::POST,
            "/people/search",
        )
        .header("content-type", "application/json")
        .body(r#"{"fields":["root.id"]}"#)
    };
    let statuses = all_at_once(53, search).await;
    assert!(
        statuses.iter().all(|s| *s == 200),
        "all answered: {statuses:?}"
    );
    let fields = authed(
        &client,
        &proxy,
        "hibob",
        reqwest::Method::GET,
        "/company/people/fields",
    )
    .send()
    .await
    .expect("answered");
    assert_eq!(
        fields.status(),
        200,
        "another endpoint is not held by the search's limit"
    );
    proxy.stop().await;
    let said = said.lock().expect("not poisoned").clone();
    assert_eq!(
        said.len(),
        1,
        "said once, not for each held request: {said:?}"
    );
    assert!(
        said[0].starts_with(
            "holding requests to HiBob's limit of 50 a minute on POST /people/search; next in "
        ) && said[0].ends_with(" s"),
        "what held and for how long: {}",
        said[0]
    );
    let waits = waits(&log);
    assert_eq!(
        waits.iter().filter(|w| **w >= 1_000).count(),
        3,
        "the three searches past the limit waited, and their records say so: {waits:?}"
    );
}

#[tokio::test]
async fn a_scripts_refused_requests_never_trip_hibobs_firewall() {
    let world = linked().await;
    // HiBob's documented trigger, 50 refusals in 10 s, on a minute six seconds long here.
    world.emu.hibob_waf(Waf {
        failures: 50,
        window: Duration::from_secs(1),
        block_for: Duration::from_secs(60),
    });
    let mut s = settings();
    s.pacer = Arc::new(Pacer::with_window(Duration::from_secs(6)));
    let proxy = world.proxy(&["hibob"], s).await;
    // The key is revoked after the run started: every request is refused.
    world.emu.revoke("ProxyHibobToken00000000000000001");
    let client = script();
    let statuses = all_at_once(120, || {
        authed(
            &client,
            &proxy,
            "hibob",
            reqwest::Method::GET,
            "/company/people/fields",
        )
    })
    .await;
    assert!(
        statuses.iter().all(|s| *s == 401),
        "HiBob's own refusals, never its firewall's page: {statuses:?}"
    );
    assert!(
        !world.emu.hibob_blocked(),
        "the firewall never blocked the machine"
    );
    assert_eq!(
        world.emu.requests().len(),
        120,
        "every request was sent, in time"
    );
}

#[tokio::test]
async fn a_429_that_names_no_wait_holds_the_next_request_a_moment() {
    let world = linked().await;
    let dir = tempfile::tempdir().expect("a folder");
    let log = Arc::new(UseLog::at(dir.path().join("use.jsonl"), 1 << 20));
    let mut s = settings();
    s.log = Some((Arc::clone(&log), "run".into()));
    let proxy = world.proxy(&["humaans"], s).await;
    let client = script();
    world.emu.fault(
        "humaans",
        "/me",
        Fault::Status {
            status: 429,
            body: serde_json::json!({"message": "slow down"}),
            retry_after: None,
        },
    );
    let first = authed(&client, &proxy, "humaans", reqwest::Method::GET, "/me")
        .send()
        .await
        .expect("answered");
    assert_eq!(first.status(), 429, "the provider's answer is passed back");
    world.emu.clear_faults();
    let second = authed(&client, &proxy, "humaans", reqwest::Method::GET, "/me")
        .send()
        .await
        .expect("answered");
    assert_eq!(second.status(), 200, "the next one went after the back-off");
    proxy.stop().await;
    let waits = waits(&log);
    assert!(
        waits.len() == 2 && waits[1] >= 900,
        "the second request waited about a second, and its record says so: {waits:?}"
    );
}

#[tokio::test]
async fn a_json_403_is_a_permission_answer_and_holds_nothing() {
    let world = linked().await;
    let proxy = world.proxy(&["hibob"], settings()).await;
    let client = script();
    world.emu.fault(
        "hibob",
        "/people/1/salaries",
        Fault::Status {
            status: 403,
            body: serde_json::json!({"key": "forbidden", "error": "Insufficient permissions"}),
            retry_after: None,
        },
    );
    let denied = authed(
        &client,
        &proxy,
        "hibob",
        reqwest::Method::GET,
        "/people/1/salaries",
    )
    .send()
    .await
    .expect("answered");
    assert_eq!(denied.status(), 403, "the permission answer is passed back");
    let next = tokio::time::timeout(
        Duration::from_secs(30),
        authed(
            &client,
            &proxy,
            "hibob",
            reqwest::Method::GET,
            "/company/people/fields",
        )
        .send(),
    )
    .await
    .expect("the next request was not held for the firewall's five minutes")
    .expect("answered");
    assert_eq!(next.status(), 200, "and answered");
}
