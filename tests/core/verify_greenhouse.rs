//! Greenhouse contract tests, and through them the client-credentials kind: the client
//! secret goes to the token endpoint only (HTTP Basic, a form body), the access token goes
//! to Harvest v3 as a Bearer token and is held until shortly before it expires, a refused
//! token is minted again once, the token answer's scopes decide what is missing (probes
//! only without them), an empty user list is the Site Admin rule, and a retired Harvest
//! v1/v2 key gets Greenhouse's own sentence.

use std::sync::Arc;
use std::time::Duration;

use keystep_core::clock::ManualClock;
use keystep_core::input::Change;
use keystep_core::verify::{client_builder, Purpose, Verifier};
use keystep_core::Code;
use keystep_emulator::{Emulator, Fault, GreenhouseTenant, TokenExpiry};
use serde_json::json;

use crate::cases::{nothing_more, run_cases, run_wire_faults, Case, Provider, Wire};
use crate::support::{
    assert_logs_hold_no_credential, assert_no_secret, assert_sent, capture_logs, catalogue, creds,
    get, hosts_for, parse, post, verifier_for, AuthAt, BodyIs, Sent,
};

const ID: &str = "gh-client-7f3a";
const SECRET: &str = "GhSecretCanary9QwLeakTest0000042";
/// The emulator's first token for this client (its serial and the ID's length).
const TOKEN: &str = "EmuAccessToken0001x14";

fn token() -> Sent {
    post(
        "auth",
        "/token",
        AuthAt::Basic(ID.into(), SECRET.into()),
        BodyIs::Form(vec![("grant_type", "client_credentials".into())]),
    )
}

fn list(path: &str) -> Sent {
    get("api", path, AuthAt::Bearer(TOKEN.into())).query(&[("per_page", "1")])
}

fn acme() -> GreenhouseTenant {
    GreenhouseTenant::full(ID, SECRET)
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "a credential with every scope: the token's scopes decide, no probe runs",
            setup: |e| e.add_greenhouse(acme()),
            code: None,
            missing: Some(&[]),
            sent: Some(|| vec![token(), list("/users")]),
            message_has: &["Connected to Greenhouse with the credential gh-client-7f3a"],
            more: |r, case| {
                assert_eq!(r.tenant.as_deref(), Some(ID), "{case}: the credential");
                assert!(
                    r.permissions.granted.contains(&"Site Admin".to_string()),
                    "{case}: a listed user proves the Site Admin rule: {:?}",
                    r.permissions
                );
            },
        },
        Case {
            name: "a scope missing from the token, named by id and screen label",
            setup: |e| e.add_greenhouse(acme().without("harvest:candidates:list")),
            code: Some(Code::MissingPermission),
            missing: Some(&["harvest:candidates:list"]),
            sent: Some(|| vec![token(), list("/users")]),
            message_has: &[
                "Candidates › List candidates (harvest:candidates:list)",
                "Manage scopes",
            ],
            more: nothing_more,
        },
        Case {
            name: "a token answer without scopes: one probe per area, a 403 names the scope",
            setup: |e| {
                e.add_greenhouse(acme().without("harvest:jobs:list"));
                e.with_tokens("greenhouse", |t| t.says_scope = false);
            },
            code: Some(Code::MissingPermission),
            missing: Some(&["harvest:jobs:list"]),
            sent: Some(|| {
                vec![
                    token(),
                    list("/users"),
                    list("/jobs"),
                    list("/candidates"),
                    list("/applications"),
                ]
            }),
            message_has: &["Jobs › List jobs (harvest:jobs:list)"],
            more: nothing_more,
        },
        Case {
            name: "a user who is not a Site Admin: empty lists",
            setup: |e| e.add_greenhouse(acme().not_site_admin()),
            code: Some(Code::MissingPermission),
            missing: Some(&["Site Admin"]),
            sent: Some(|| vec![token(), list("/users")]),
            message_has: &["not a Site Admin"],
            more: nothing_more,
        },
        Case {
            name: "a wrong secret: the token endpoint refuses, the API is never called",
            setup: |e| {
                e.add_greenhouse(GreenhouseTenant::full(
                    ID,
                    "AnotherSecret0000000000000000001",
                ))
            },
            code: Some(Code::BadCredentials),
            missing: None,
            sent: Some(|| vec![token()]),
            message_has: &["did not accept this Client ID and client secret"],
            more: nothing_more,
        },
        Case {
            name: "the token endpoint is limiting requests",
            setup: |e| {
                e.add_greenhouse(acme());
                e.fault(
                    "greenhouse",
                    "/token",
                    Fault::Status {
                        status: 429,
                        body: json!({"error": "rate_limited"}),
                        retry_after: Some(40),
                    },
                );
            },
            code: Some(Code::RateLimited),
            sent: Some(|| vec![token()]),
            message_has: &["in 40 seconds"],
            ..Case::NOTHING_ELSE
        },
        Case {
            name: "Harvest is limiting requests",
            setup: |e| {
                e.add_greenhouse(acme());
                e.fault(
                    "greenhouse",
                    "/users",
                    Fault::Status {
                        status: 429,
                        body: json!({"message": "Too Many Requests"}),
                        retry_after: Some(25),
                    },
                );
            },
            code: Some(Code::RateLimited),
            message_has: &["in 25 seconds"],
            more: |r, case| assert_eq!(r.retry_after_secs, Some(25), "{case}: the wait"),
            ..Case::NOTHING_ELSE
        },
    ]
}

#[tokio::test]
async fn greenhouse_outcomes_keep_the_secret_at_the_token_endpoint() {
    capture_logs();
    let greenhouse = Provider::new(
        "greenhouse",
        &[("client_id", ID), ("client_secret", SECRET)],
        SECRET,
    );
    run_cases(&greenhouse, cases()).await;
    run_wire_faults(
        &greenhouse,
        |e| e.add_greenhouse(acme()),
        &[
            Wire::Outage("/token", 502),
            Wire::NotJson("/token"),
            Wire::Firewall("/token"),
            Wire::Hangup("/users"),
        ],
    )
    .await;
    assert_logs_hold_no_credential(SECRET);
}

/// A verifier over `emu` whose clock the test moves.
fn verifier_with_clock(emu: &Emulator, clock: Arc<ManualClock>) -> Verifier {
    Verifier::from_builder(
        client_builder(Duration::from_secs(5)),
        hosts_for(emu),
        clock,
    )
}

#[tokio::test]
async fn a_held_token_is_reused_until_shortly_before_it_expires() {
    let emu = Emulator::start();
    emu.add_greenhouse(acme());
    // Expiry counted from the verifier's clock, which this test moves.
    emu.with_tokens("greenhouse", |t| t.expiry = TokenExpiry::ExpiresIn);
    let clock = Arc::new(ManualClock::at(1_700_000_000));
    let v = verifier_with_clock(&emu, clock.clone());
    let cat = catalogue();
    let provider = cat.get("greenhouse").expect("greenhouse");
    let c = creds(
        "greenhouse",
        &[("client_id", ID), ("client_secret", SECRET)],
    );
    for _ in 0..3 {
        let r = v.verify(provider, &c, Purpose::Check, &|_| {}).await;
        assert!(r.ok, "{r:?}");
    }
    assert_eq!(
        emu.tokens_minted("greenhouse"),
        1,
        "one token for three checks"
    );
    assert_eq!(v.tokens().minted(), 1, "the verifier's count agrees");
    // The emulator's tokens live an hour: 59 minutes and a half on, within the margin.
    clock.advance(Duration::from_secs(3_570));
    let r = v.verify(provider, &c, Purpose::Check, &|_| {}).await;
    assert!(r.ok, "{r:?}");
    assert_eq!(
        emu.tokens_minted("greenhouse"),
        2,
        "a token about to expire is replaced before it is sent"
    );
    // A clone of the verifier (the app's schedule holds clones) shares the held token.
    let again = v
        .clone()
        .verify(provider, &c, Purpose::Check, &|_| {})
        .await;
    assert!(again.ok, "{again:?}");
    assert_eq!(emu.tokens_minted("greenhouse"), 2, "clones share the cache");
}

#[tokio::test]
async fn a_refused_token_is_minted_again_once_and_the_request_resent() {
    let emu = Emulator::start();
    emu.add_greenhouse(acme());
    let v = verifier_for(&emu, Duration::from_secs(5));
    let cat = catalogue();
    let provider = cat.get("greenhouse").expect("greenhouse");
    let c = creds(
        "greenhouse",
        &[("client_id", ID), ("client_secret", SECRET)],
    );
    assert!(
        v.verify(provider, &c, Purpose::Check, &|_| {}).await.ok,
        "first run"
    );
    emu.expire_tokens("greenhouse");
    emu.clear_requests();
    let r = v.verify(provider, &c, Purpose::Check, &|_| {}).await;
    assert!(r.ok, "the held token expired early, a new one works: {r:?}");
    let second = "EmuAccessToken0002x14";
    assert_sent(
        &emu,
        &[
            list("/users"),
            token(),
            get("api", "/users", AuthAt::Bearer(second.into())).query(&[("per_page", "1")]),
        ],
        "refused, minted, resent",
    );
    // A credential revoked since: the new token is refused too, and that is the answer.
    emu.expire_tokens("greenhouse");
    emu.with_tokens("greenhouse", |t| t.lifetime = Duration::ZERO);
    emu.clear_requests();
    let r = v.verify(provider, &c, Purpose::Check, &|_| {}).await;
    assert_eq!(r.code, Some(Code::BadCredentials), "{r:?}");
    assert_eq!(
        emu.requests().len(),
        3,
        "one refusal, one new token, one refusal: no loop"
    );
    assert_no_secret(&r, SECRET);
}

#[tokio::test]
async fn a_new_secret_for_the_same_client_never_gets_the_old_secrets_token() {
    let emu = Emulator::start();
    emu.add_greenhouse(acme());
    let v = verifier_for(&emu, Duration::from_secs(5));
    let cat = catalogue();
    let provider = cat.get("greenhouse").expect("greenhouse");
    let good = creds(
        "greenhouse",
        &[("client_id", ID), ("client_secret", SECRET)],
    );
    assert!(
        v.verify(provider, &good, Purpose::Link, &|_| {}).await.ok,
        "the right secret"
    );
    let wrong = creds(
        "greenhouse",
        &[
            ("client_id", ID),
            ("client_secret", "WrongSecret00000000000000000000"),
        ],
    );
    let r = v.verify(provider, &wrong, Purpose::Link, &|_| {}).await;
    assert_eq!(
        r.code,
        Some(Code::BadCredentials),
        "another secret mints its own token, and is refused: {r:?}"
    );
}

#[tokio::test]
async fn a_read_credential_meets_read_and_a_full_one_gets_least_privilege_advice() {
    let emu = Emulator::start();
    emu.add_greenhouse(acme());
    let v = verifier_for(&emu, Duration::from_secs(5));
    let cat = catalogue();
    let provider = cat.get("greenhouse").expect("greenhouse");
    let c = creds(
        "greenhouse",
        &[("client_id", ID), ("client_secret", SECRET)],
    );
    let full = v
        .verify_for(provider, &c, "read", Purpose::Link, &|_| {})
        .await;
    assert!(full.ok, "{full:?}");
    assert!(
        full.permissions
            .extra
            .contains(&"harvest:offers:list".to_string())
            && full
                .permissions
                .extra
                .contains(&"harvest:candidates:create".to_string()),
        "scopes beyond `read` are advice: {:?}",
        full.permissions.extra
    );
    let emu = Emulator::start();
    emu.add_greenhouse(acme().for_purpose("read"));
    let v = verifier_for(&emu, Duration::from_secs(5));
    let read = v
        .verify_for(provider, &c, "read", Purpose::Link, &|_| {})
        .await;
    assert!(read.ok && read.permissions.extra.is_empty(), "{read:?}");
}

#[tokio::test]
async fn a_retired_harvest_key_gets_greenhouses_own_sentence() {
    let old = "a7183e1b7e9144a1b1a4e3b8c5d6f708";
    let c = parse("greenhouse", &[("client_id", ID), ("client_secret", old)])
        .expect("a value of the old shape is not refused: a v3 secret might have it");
    assert!(
        c.notes
            .iter()
            .any(|n| n.field == "client_secret" && n.change == Change::LooksRetired),
        "the paste is noted: {:?}",
        c.notes
    );
    let emu = Emulator::start();
    emu.add_greenhouse(acme());
    let v = verifier_for(&emu, Duration::from_secs(5));
    let cat = catalogue();
    let r = v
        .verify(
            cat.get("greenhouse").expect("greenhouse"),
            &c,
            Purpose::Link,
            &|_| {},
        )
        .await;
    assert_eq!(r.code, Some(Code::BadCredentials), "{r:?}");
    assert!(
        r.message
            .contains("Greenhouse retired those on 31 August 2026"),
        "the refusal says why: {}",
        r.message
    );
    assert!(
        r.notes.iter().any(|n| n.contains("Harvest v1/v2")),
        "and so does the note: {:?}",
        r.notes
    );
}

#[test]
fn a_pasted_client_pair_is_split_or_refused_with_a_sentence_that_says_which() {
    let pair = format!("{ID}:{SECRET}");
    let split = parse("greenhouse", &[("client_id", &pair), ("client_secret", "")])
        .expect("a pair in the ID box is split");
    assert_eq!(split.value("client_id"), Some(ID), "the ID");
    assert_eq!(split.value("client_secret"), Some(SECRET), "the secret");
    assert!(
        split.notes.iter().any(|n| n.change == Change::SplitPair),
        "{:?}",
        split.notes
    );
    let split = parse("greenhouse", &[("client_id", ""), ("client_secret", &pair)])
        .expect("a pair in the secret box is split");
    assert_eq!(
        (split.value("client_id"), split.value("client_secret")),
        (Some(ID), Some(SECRET)),
        "both boxes filled"
    );
    let refused = parse(
        "greenhouse",
        &[
            ("client_id", &pair),
            ("client_secret", "DifferentSecret00000000000001"),
        ],
    )
    .expect_err("a pair whose secret differs from the secret box");
    assert_eq!(refused.field, "client_id", "the box at fault");
    assert!(
        refused
            .message
            .contains("Client ID and the Client secret were pasted together")
            && !refused.message.contains(SECRET),
        "which boxes, never the values: {}",
        refused.message
    );
    let curl = parse(
        "greenhouse",
        &[
            ("client_id", ID),
            (
                "client_secret",
                &format!("curl -u {ID}:{SECRET} -d grant_type=client_credentials https://auth.greenhouse.io/token"),
            ),
        ],
    )
    .expect_err("a whole curl line");
    assert_eq!(curl.field, "client_secret", "the box it was pasted in");
    assert!(
        curl.message.contains("whole command line") && !curl.message.contains(SECRET),
        "{}",
        curl.message
    );
}
