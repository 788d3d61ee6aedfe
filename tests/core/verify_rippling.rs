//! Rippling contract tests: a Bearer token on the REST API, the companies list naming the
//! company, a 403 naming the scope in Rippling's words (or a maker who may not see the data)
//! with a new token advised, a wrong or expired token told as such, and a token that dies
//! after 30 days without use: the account's key life counts from its last successful check.

use keystep_core::lifetime::{key_life, KeyLife};
use keystep_core::Code;
use keystep_emulator::{Emulator, Fault, RipplingTenant};
use serde_json::json;

use crate::cases::{nothing_more, run_cases, run_wire_faults, Case, Provider, Wire};
use crate::support::{assert_met_exactly, catalogue, get, raw, verify_read, AuthAt, Sent};
use crate::world::World;

const TOKEN: &str = "RpTokenCanary7Hq2LeakTest00000000000042";
const DAY: u64 = 86_400;

fn companies() -> Sent {
    get("api", "/companies", AuthAt::Bearer(TOKEN.into()))
}

fn workers() -> Sent {
    get("api", "/workers", AuthAt::Bearer(TOKEN.into()))
}

fn acme() -> RipplingTenant {
    RipplingTenant::full(TOKEN, "Acme Corp")
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "a token with every scope",
            setup: |e| e.add_rippling(acme()),
            code: None,
            missing: Some(&[]),
            sent: Some(|| vec![companies(), workers()]),
            message_has: &["Connected to Acme Corp on Rippling"],
            more: |r, case| {
                assert_eq!(r.tenant.as_deref(), Some("5f3c0a9e"), "{case}: the company");
            },
        },
        Case {
            name: "no workers.read: named, a new token advised",
            setup: |e| e.add_rippling(acme().without("workers.read")),
            code: Some(Code::MissingPermission),
            missing: Some(&["workers.read"]),
            sent: Some(|| vec![companies(), workers()]),
            message_has: &["workers.read", "create a new token"],
            more: nothing_more,
        },
        Case {
            name: "a wrong, deleted or expired token",
            setup: |_| {},
            code: Some(Code::BadCredentials),
            sent: Some(|| vec![companies()]),
            message_has: &["30 days without use"],
            ..Case::NOTHING_ELSE
        },
        Case {
            name: "rate limited with Retry-After",
            setup: |e| {
                e.add_rippling(acme());
                e.fault(
                    "rippling",
                    "/workers",
                    Fault::Status {
                        status: 429,
                        body: json!({"detail": "Request was throttled."}),
                        retry_after: Some(5),
                    },
                );
            },
            code: Some(Code::RateLimited),
            message_has: &["Nothing is wrong with the token", "in 5 seconds"],
            ..Case::NOTHING_ELSE
        },
        Case {
            name: "a workers answer without results",
            setup: |e| {
                e.add_rippling(acme());
                e.fault(
                    "rippling",
                    "/workers",
                    Fault::Status {
                        status: 200,
                        body: json!({"next_link": null}),
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
async fn rippling_outcomes_each_have_their_code_and_words() {
    let provider = Provider::new("rippling", &[("api_token", TOKEN)], TOKEN);
    run_cases(&provider, cases()).await;
    run_wire_faults(
        &provider,
        |e| e.add_rippling(acme()),
        &[
            Wire::Outage("/companies", 500),
            Wire::NotJson("/companies"),
            Wire::Firewall("/companies"),
            Wire::Hangup("/companies"),
        ],
    )
    .await;
}

#[tokio::test]
async fn a_token_dies_thirty_days_after_its_last_use() {
    let w = World::new();
    w.emu.add_rippling(acme());
    let linked = w
        .accounts
        .link("rippling", raw(&[("api_token", TOKEN)]), &|_| {})
        .await
        .expect("links")
        .account;
    let cat = catalogue();
    let rule = &cat.get("rippling").expect("rippling").lifetime;
    let used = linked.verified_at;
    match key_life(rule, &linked, None, used + 3 * DAY) {
        KeyLife::DiesUnused {
            days,
            last_used_at,
            dies_at,
            soon,
        } => {
            assert_eq!(days, 30, "Rippling's 30 days");
            assert_eq!(last_used_at, Some(used), "the link's check is a use");
            assert_eq!(dies_at, Some(used + 30 * DAY), "30 days after it");
            assert!(!soon, "three days in, no warning yet");
        }
        other => panic!("a dies-unused key life: {other:?}"),
    }
    assert!(
        key_life(rule, &linked, None, used + 25 * DAY).soon(),
        "five days before it dies, the reminder is due"
    );
}

#[tokio::test]
async fn a_read_token_meets_read() {
    let emu = Emulator::start();
    emu.add_rippling(acme().for_purpose("read"));
    let r = verify_read(&emu, "rippling", &[("api_token", TOKEN)]).await;
    assert_met_exactly(&r, "a read credential meets read");
}
