//! Contract tests: each provider, each outcome, against the emulator over loopback HTTP.

use std::time::Duration;

use keystep_core::verify::Purpose;
use keystep_core::Code;
use keystep_emulator::{Emulator, Fault, HumaansRole, HumaansTenant};
use serde_json::json;

use crate::cases::{run_cases, Case, Provider};
use crate::support::{assert_no_secret, catalogue, creds, hosts_for, verifier_for, verify, TOKEN};

const WRITE_SCOPES: [&str; 4] = [
    "private:write",
    "compensations:write",
    "documents:write",
    "webhooks:manage",
];

#[tokio::test]
async fn humaans_full_access_token_is_verified_with_identity() {
    let emu = Emulator::start();
    emu.add_humaans(TOKEN, HumaansTenant::full("Acme Ltd", 42));
    let r = verify(&emu, "humaans", &[("api_token", TOKEN)]).await;
    assert!(r.ok, "a full-access token verifies: {r:?}");
    assert_eq!(
        r.message, "Connected to Acme Ltd (42 people)",
        "the success line names the company"
    );
    assert_eq!(
        r.identity.user.as_deref(),
        Some("owner@example.test"),
        "token owner is read"
    );
    assert!(
        r.permissions.missing.is_empty() && r.permissions.unchecked.is_empty(),
        "all scopes known granted"
    );
    let reqs = emu.requests();
    let paths: Vec<&str> = reqs.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "/token-info",
            "/me",
            "/companies/cmp_8Xq2",
            "/people",
            "/compensations",
            "/documents"
        ],
        "the documented chain, and the two reads a creator's role may refuse; no other probe"
    );
    for r in &reqs {
        assert_eq!(r.method, "GET", "verification only reads");
        assert_eq!(
            r.headers.get("authorization").map(String::as_str),
            Some(&*format!("Bearer {TOKEN}")),
            "Bearer auth on {}",
            r.path
        );
        assert!(
            !r.query.values().any(|v| v == TOKEN),
            "the token never rides in a URL for Humaans"
        );
    }
    assert_eq!(
        reqs[3].query.get("$limit").map(String::as_str),
        Some("1"),
        "head count asks for one record"
    );
}

#[tokio::test]
async fn humaans_missing_scopes_are_listed_by_name() {
    let emu = Emulator::start();
    emu.add_humaans(
        TOKEN,
        HumaansTenant::full("Acme Ltd", 42).with_scopes(&[
            "public:read",
            "private:read",
            "compensations:read",
            "extra:thing",
        ]),
    );
    let r = verify(&emu, "humaans", &[("api_token", TOKEN)]).await;
    assert_eq!(
        r.code,
        Some(Code::MissingPermission),
        "missing scopes fail: {r:?}"
    );
    assert_eq!(
        r.permissions.missing,
        [
            "private:write",
            "compensations:write",
            "documents:read",
            "documents:write",
            "webhooks:manage"
        ],
        "each missing scope by name, in guide order"
    );
    assert_eq!(
        r.permissions.extra,
        ["extra:thing"],
        "extra scopes are advice"
    );
    assert!(
        r.message.contains("View documents (documents:read)")
            && r.message.contains("edit the token and tick these boxes"),
        "message names the screen's boxes with their ids, and says to edit the token: {}",
        r.message
    );
    assert_eq!(
        r.identity.company.as_deref(),
        Some("Acme Ltd"),
        "identity is still read"
    );
}

#[tokio::test]
async fn humaans_without_token_info_falls_back_to_read_probes() {
    let emu = Emulator::start();
    emu.add_humaans(
        TOKEN,
        HumaansTenant::full("Acme Ltd", 7).without_token_info(),
    );
    let r = verify(&emu, "humaans", &[("api_token", TOKEN)]).await;
    assert!(r.ok, "probes prove what they can: {r:?}");
    assert_eq!(
        r.permissions.unchecked,
        [
            "private:read",
            WRITE_SCOPES[0],
            WRITE_SCOPES[1],
            WRITE_SCOPES[2]
        ],
        "write scopes cannot be proven by reading, nor private data (fields are dropped)"
    );
    assert!(
        r.permissions
            .granted
            .contains(&"documents:read".to_string()),
        "probe proved documents:read"
    );
    let probed: Vec<String> = emu.requests().iter().map(|r| r.path.clone()).collect();
    assert!(
        probed.contains(&"/documents".to_string()) && probed.contains(&"/webhooks".to_string()),
        "probes ran: {probed:?}"
    );
}

/// Humaans drops the private fields a public-only token may not see instead of refusing:
/// a read of a birthday that answers 200 proves nothing, and must not be taken as
/// `private:read`.
#[tokio::test]
async fn humaans_public_only_token_is_not_taken_for_private_access() {
    let emu = Emulator::start();
    emu.add_humaans(
        TOKEN,
        HumaansTenant::full("Acme Ltd", 7)
            .without_token_info()
            .with_scopes(&["public:read"]),
    );
    let r = verify(&emu, "humaans", &[("api_token", TOKEN)]).await;
    assert!(
        !r.permissions.granted.contains(&"private:read".to_string()),
        "private:read is not proven by a 200 that drops fields: {:?}",
        r.permissions
    );
    assert!(
        r.permissions
            .unchecked
            .contains(&"private:read".to_string()),
        "it stays unchecked: {:?}",
        r.permissions
    );
}

#[tokio::test]
async fn humaans_probe_denial_names_the_scope() {
    let emu = Emulator::start();
    emu.add_humaans(
        TOKEN,
        HumaansTenant::full("Acme Ltd", 7)
            .without_token_info()
            .with_scopes(&[
                "public:read",
                "private:read",
                "compensations:read",
                "webhooks:manage",
            ]),
    );
    let r = verify(&emu, "humaans", &[("api_token", TOKEN)]).await;
    assert_eq!(
        r.code,
        Some(Code::MissingPermission),
        "a 403 probe fails: {r:?}"
    );
    assert_eq!(
        r.permissions.missing,
        ["documents:read"],
        "only the denied probe's scope"
    );
}

/// Humaans' Admins cannot see Compensation and Documents by default, and a token sees only
/// what its creator's role sees: an Admin's token with every box ticked is listed by
/// token-info with all eight scopes, yet its compensation and document reads are refused.
/// Those two must not be called granted, and the message says why they are missing.
#[tokio::test]
async fn humaans_scopes_the_creators_role_cannot_use_are_missing_not_granted() {
    let emu = Emulator::start();
    emu.add_humaans(
        TOKEN,
        HumaansTenant::full("Acme Ltd", 42).created_by(HumaansRole::Admin),
    );
    let r = verify(&emu, "humaans", &[("api_token", TOKEN)]).await;
    assert_eq!(
        r.code,
        Some(Code::MissingPermission),
        "the token cannot read what full needs: {r:?}"
    );
    assert_eq!(
        r.permissions.missing,
        ["compensations:read", "documents:read"],
        "the two reads the role refused, though token-info lists them"
    );
    for refused in ["compensations:read", "documents:read"] {
        assert!(
            !r.permissions.granted.contains(&refused.to_string()),
            "{refused} is not called granted when a read refused it: {:?}",
            r.permissions.granted
        );
    }
    assert!(
        r.permissions
            .granted
            .contains(&"compensations:write".to_string()),
        "what no read refused stays as token-info lists it: {:?}",
        r.permissions.granted
    );
    assert!(
        r.message.contains("Humaans lists View compensations (compensations:read) and View documents (documents:read) on this key, yet refused to show that data")
            && r.message.contains("If they are ticked already, the role of the person who created the token cannot see that data"),
        "the message says the boxes may be ticked and the creator's role is what is missing: {}",
        r.message
    );
    assert_eq!(
        r.identity.company.as_deref(),
        Some("Acme Ltd"),
        "the company is still named"
    );
    assert_no_secret(&r, TOKEN);
}

#[tokio::test]
async fn bad_token_stops_after_one_request() {
    let emu = Emulator::start();
    emu.add_humaans(TOKEN, HumaansTenant::full("Acme Ltd", 1));
    let wrong = "WrongTok3nWrongTok3nWrongTok3n99";
    let r = verify(&emu, "humaans", &[("api_token", wrong)]).await;
    assert_eq!(r.code, Some(Code::BadCredentials), "unknown token: {r:?}");
    assert_eq!(emu.requests().len(), 1, "nothing is sent after a 401");
    assert!(
        r.message.contains("API access tokens"),
        "the fix uses Humaans' menu words: {}",
        r.message
    );
    assert_no_secret(&r, wrong);
}

fn acme(e: &Emulator) {
    e.add_humaans(TOKEN, HumaansTenant::full("Acme Ltd", 1));
}

/// Every way `/me` can fail, each with its code.
fn failures() -> Vec<Case> {
    vec![
        Case {
            name: "429 on /me",
            setup: |e| {
                acme(e);
                e.fault(
                    "humaans",
                    "/me",
                    Fault::Status {
                        status: 429,
                        body: json!({"message": "slow down"}),
                        retry_after: Some(30),
                    },
                );
            },
            code: Some(Code::RateLimited),
            ..Case::NOTHING_ELSE
        },
        Case {
            name: "503 on /me",
            setup: |e| {
                acme(e);
                e.fault(
                    "humaans",
                    "/me",
                    Fault::Status {
                        status: 503,
                        body: json!({"message": "down"}),
                        retry_after: None,
                    },
                );
            },
            code: Some(Code::ProviderError),
            ..Case::NOTHING_ELSE
        },
        Case {
            name: "418 on /me",
            setup: |e| {
                acme(e);
                e.fault(
                    "humaans",
                    "/me",
                    Fault::Status {
                        status: 418,
                        body: json!({}),
                        retry_after: None,
                    },
                );
            },
            code: Some(Code::UnexpectedResponse),
            ..Case::NOTHING_ELSE
        },
        Case {
            name: "/me answers something that is not JSON",
            setup: |e| {
                acme(e);
                e.fault("humaans", "/me", Fault::NotJson);
            },
            code: Some(Code::UnexpectedResponse),
            ..Case::NOTHING_ELSE
        },
        Case {
            name: "/me hangs up",
            setup: |e| {
                acme(e);
                e.fault("humaans", "/me", Fault::Hangup);
            },
            code: Some(Code::Unreachable),
            ..Case::NOTHING_ELSE
        },
    ]
}

#[tokio::test]
async fn every_failure_path_has_its_code_and_keeps_the_secret_out() {
    let humaans = Provider::new("humaans", &[("api_token", TOKEN)], TOKEN);
    run_cases(&humaans, failures()).await;
}

#[tokio::test]
async fn rate_limit_says_when_to_retry() {
    let emu = Emulator::start();
    emu.add_humaans(TOKEN, HumaansTenant::full("Acme Ltd", 1));
    emu.fault(
        "humaans",
        "*",
        Fault::Status {
            status: 429,
            body: json!({}),
            retry_after: Some(30),
        },
    );
    let r = verify(&emu, "humaans", &[("api_token", TOKEN)]).await;
    assert_eq!(r.retry_after_secs, Some(30), "Retry-After is read");
    assert!(
        r.message.contains("in 30 seconds"),
        "and said: {}",
        r.message
    );
}

#[tokio::test]
async fn slow_provider_times_out_as_unreachable() {
    let emu = Emulator::start();
    emu.add_humaans(TOKEN, HumaansTenant::full("Acme Ltd", 1));
    emu.fault(
        "humaans",
        "/token-info",
        Fault::Slow(Duration::from_secs(3)),
    );
    let cat = catalogue();
    let v = verifier_for(&emu, Duration::from_millis(300));
    let r = v
        .verify(
            cat.get("humaans").expect("humaans"),
            &creds("humaans", &[("api_token", TOKEN)]),
            Purpose::Link,
            &|_| {},
        )
        .await;
    assert_eq!(r.code, Some(Code::Unreachable), "a bounded timeout: {r:?}");
}

#[tokio::test]
async fn closed_port_is_unreachable() {
    let emu = Emulator::start();
    let cat = catalogue();
    let v = verifier_for(&emu, Duration::from_secs(2));
    let url = emu.url("humaans", "api");
    drop(emu);
    // Give the accept loop a moment to exit so the port is really closed.
    tokio::time::sleep(Duration::from_millis(50)).await;
    let r = v
        .verify(
            cat.get("humaans").expect("humaans"),
            &creds("humaans", &[("api_token", TOKEN)]),
            Purpose::Link,
            &|_| {},
        )
        .await;
    assert_eq!(
        r.code,
        Some(Code::Unreachable),
        "nothing listening at {url}: {r:?}"
    );
}

#[tokio::test]
async fn progress_names_each_step() {
    let emu = Emulator::start();
    emu.add_humaans(TOKEN, HumaansTenant::full("Acme Ltd", 1));
    let cat = catalogue();
    let v = verifier_for(&emu, Duration::from_secs(5));
    let seen = std::sync::Mutex::new(Vec::new());
    v.verify(
        cat.get("humaans").expect("humaans"),
        &creds("humaans", &[("api_token", TOKEN)]),
        Purpose::Link,
        &|c| {
            seen.lock()
                .expect("lock")
                .push((c.id.clone(), c.doing.clone()))
        },
    )
    .await;
    let seen = seen.into_inner().expect("lock");
    let pair = |id: &str, doing: &str| (id.to_string(), doing.to_string());
    assert_eq!(
        seen.first(),
        Some(&pair("token-info", "Checking the token with Humaans…")),
        "first progress: the check's id and line: {seen:?}"
    );
    assert!(
        seen.contains(&pair("company", "Reading company details…")),
        "company step announced: {seen:?}"
    );
    let ids: Vec<&str> = seen.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "token-info",
            "me",
            "company",
            "people",
            "probe-compensations",
            "probe-documents"
        ],
        "each check that runs, in order, none of the skipped probes"
    );
}

#[tokio::test]
async fn pasted_bearer_prefix_is_removed_and_reported() {
    let emu = Emulator::start();
    emu.add_humaans(TOKEN, HumaansTenant::full("Acme Ltd", 1));
    let pasted = format!("  Bearer {TOKEN}\n");
    let r = verify(&emu, "humaans", &[("api_token", &pasted)]).await;
    assert!(r.ok, "the cleaned token works: {r:?}");
    assert!(
        r.notes.iter().any(|n| n.contains("Bearer")),
        "the change is explained: {:?}",
        r.notes
    );
}

#[test]
fn the_emulator_offers_every_override_variable() {
    let cat = catalogue();
    let emu = Emulator::start();
    let offered: std::collections::BTreeMap<String, String> = emu.env().into_iter().collect();
    for p in cat.all() {
        for host in p.hosts.keys() {
            let var = p.host_override_var(host);
            assert!(offered.contains_key(&var), "the emulator sets {var}");
        }
    }
    assert_eq!(
        offered
            .get("KEYSTEP_NAMELY_API_URL")
            .map(|u| u.ends_with("/namely/{subdomain}")),
        Some(true),
        "Namely's base keeps the subdomain placeholder: {offered:?}"
    );
    keystep_core::hosts::Hosts::from_lookup(cat.all(), |v| offered.get(v).cloned())
        .expect("every emulator URL is an allowed override");
}

/// The app builds its verifier on the main thread while the window waits, so `Verifier::new`
/// must not create the HTTP client (loading the TLS library and trust store); the first
/// request makes it, once, for every clone.
#[tokio::test]
async fn the_default_client_is_made_on_first_use_and_shared_by_clones() {
    let emu = Emulator::start();
    emu.add_humaans(TOKEN, HumaansTenant::full("Acme Ltd", 42));
    let cat = catalogue();
    let verifier = keystep_core::verify::Verifier::new(hosts_for(&emu));
    let clone = verifier.clone();
    assert!(!verifier.has_client(), "a new verifier has no client yet");
    let r = clone
        .verify(
            cat.get("humaans").expect("provider"),
            &creds("humaans", &[("api_token", TOKEN)]),
            Purpose::Link,
            &|_| {},
        )
        .await;
    assert!(r.ok, "the lazily made client verifies over loopback: {r:?}");
    assert!(
        verifier.has_client(),
        "the client a clone made is the original's too"
    );
}
