//! Teamtailor contract tests, and through them the vendor-header credential kind: the key goes
//! in `Authorization: Token token=<key>` beside the fixed `X-Api-Version`, to the region the
//! person chose (the EU by default, North America at its own host); a key of the other region
//! is refused like a wrong one and the advice says to check the region; a Public or Internal
//! key is told it lacks the Admin scope candidates need, with a new key advised (Teamtailor
//! keys cannot be edited); the company is named.

use std::time::Duration;

use keystep_core::verify::Purpose;
use keystep_core::Code;
use keystep_emulator::{Emulator, Fault, TeamtailorScope, TeamtailorTenant};
use serde_json::json;

use crate::cases::{run_cases, run_wire_faults, Case, Provider, Wire};
use crate::support::{
    assert_met_exactly, catalogue, creds, get, verifier_for, verify_read, AuthAt, Sent,
};

const KEY: &str = "TtKeyCanary7Hq2LeakTest00000000042";

fn token() -> AuthAt {
    AuthAt::Header("authorization", format!("Token token={KEY}"))
}

fn company() -> Sent {
    get("api", "/company", token())
}

fn candidates() -> Sent {
    get("api", "/candidates", token()).query(&[("page[size]", "1")])
}

fn acme() -> TeamtailorTenant {
    TeamtailorTenant::full(KEY, "Acme AB")
}

/// What every request of every case carried: the key in Teamtailor's header, the version.
fn headers_are_teamtailors(emu: &Emulator) {
    for rec in emu.requests() {
        assert_eq!(
            rec.headers.get("authorization").map(String::as_str),
            Some(format!("Token token={KEY}").as_str()),
            "{}: the key in Teamtailor's own header",
            rec.path
        );
        assert_eq!(
            rec.headers.get("x-api-version").map(String::as_str),
            Some("20240904"),
            "{}: the API version every request needs",
            rec.path
        );
    }
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "an Admin key with Read and Write",
            setup: |e| e.add_teamtailor(acme()),
            code: None,
            missing: Some(&[]),
            sent: Some(|| vec![company(), candidates()]),
            message_has: &["Connected to Acme AB on Teamtailor"],
            more: |r, case| {
                assert_eq!(r.tenant.as_deref(), Some("eu/4242"), "{case}: the company");
                assert_eq!(
                    r.permissions.unchecked,
                    ["Write"],
                    "{case}: Write is never probed"
                );
            },
        },
        Case {
            name: "a Public key: the company reads, candidates need Admin",
            setup: |e| e.add_teamtailor(acme().scoped(TeamtailorScope::Public)),
            code: Some(Code::MissingPermission),
            missing: Some(&["Scope: Admin"]),
            sent: Some(|| vec![company(), candidates()]),
            message_has: &["Scope: Admin", "create a new one"],
            more: |r, case| {
                assert_eq!(
                    r.identity.company.as_deref(),
                    Some("Acme AB"),
                    "{case}: still named"
                )
            },
        },
        Case {
            name: "an Internal key",
            setup: |e| e.add_teamtailor(acme().scoped(TeamtailorScope::Internal)),
            code: Some(Code::MissingPermission),
            missing: Some(&["Scope: Admin"]),
            ..Case::NOTHING_ELSE
        },
        Case {
            name:
                "a key without Read: it names no company, so nothing is linked, and Read is named",
            setup: |e| e.add_teamtailor(acme().boxes(false, true)),
            code: Some(Code::UnexpectedResponse),
            message_has: &["did not say which account"],
            more: |r, case| {
                assert!(
                    r.permissions.missing.contains(&"Read".to_string()),
                    "{case}: {:?}",
                    r.permissions
                )
            },
            ..Case::NOTHING_ELSE
        },
        Case {
            name: "a wrong key",
            setup: |_| {},
            code: Some(Code::BadCredentials),
            sent: Some(|| vec![company()]),
            message_has: &["did not accept this API key", "region"],
            ..Case::NOTHING_ELSE
        },
        Case {
            name: "a North American key sent to the EU: refused, the region named",
            setup: |e| e.add_teamtailor(acme().in_north_america()),
            code: Some(Code::BadCredentials),
            sent: Some(|| vec![company()]),
            message_has: &["other region"],
            ..Case::NOTHING_ELSE
        },
        Case {
            name: "rate limited with Retry-After",
            setup: |e| {
                e.add_teamtailor(acme());
                e.fault(
                    "teamtailor",
                    "/candidates",
                    Fault::Status {
                        status: 429,
                        body: json!({"errors": [{"status": "429", "title": "Too Many Requests"}]}),
                        retry_after: Some(7),
                    },
                );
            },
            code: Some(Code::RateLimited),
            message_has: &["Nothing is wrong with the key", "in 7 seconds"],
            ..Case::NOTHING_ELSE
        },
        Case {
            name: "a refused API version is not the key's fault",
            setup: |e| {
                e.add_teamtailor(acme());
                e.fault(
                    "teamtailor",
                    "/company",
                    Fault::Status {
                        status: 406,
                        body: json!({"errors": [{"status": "406", "title": "Invalid/Missing API Version"}]}),
                        retry_after: None,
                    },
                );
            },
            code: Some(Code::UnexpectedResponse),
            ..Case::NOTHING_ELSE
        },
    ]
}

#[tokio::test]
async fn teamtailor_outcomes_each_have_their_code_and_words() {
    let provider = Provider::new("teamtailor", &[("api_key", KEY)], KEY);
    run_cases(&provider, cases()).await;
    run_wire_faults(
        &provider,
        |e| e.add_teamtailor(acme()),
        &[
            Wire::Outage("/company", 502),
            Wire::NotJson("/company"),
            Wire::Firewall("/company"),
            Wire::Hangup("/candidates"),
        ],
    )
    .await;
}

#[tokio::test]
async fn the_key_rides_in_teamtailors_header_beside_the_version_in_each_region() {
    let cat = catalogue();
    let teamtailor = cat.get("teamtailor").expect("teamtailor");
    for (region, tenant) in [("eu", acme()), ("na", acme().in_north_america())] {
        let emu = Emulator::start();
        let host = tenant.host.clone();
        emu.add_teamtailor(tenant);
        let r = verifier_for(&emu, Duration::from_secs(5))
            .verify(
                teamtailor,
                &creds("teamtailor", &[("api_key", KEY), ("region", region)]),
                Purpose::Link,
                &|_| {},
            )
            .await;
        assert!(r.ok, "{region}: {r:?}");
        assert_eq!(
            r.tenant.as_deref(),
            Some(format!("{region}/4242").as_str()),
            "{region}: the company in its region"
        );
        assert!(
            emu.requests().iter().all(|rec| rec.host == host),
            "{region}: every request went to {host}"
        );
        headers_are_teamtailors(&emu);
    }
}

#[tokio::test]
async fn a_read_key_meets_read() {
    let emu = Emulator::start();
    emu.add_teamtailor(acme().boxes(true, false));
    let r = verify_read(&emu, "teamtailor", &[("api_key", KEY)]).await;
    assert_met_exactly(&r, "a read credential meets read");
}
