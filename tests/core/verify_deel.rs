//! Deel contract tests: a Bearer token to production or the sandbox as the person chose, the
//! current organization naming the company, a 403 naming the scope in Deel's words with a new
//! token advised, a token of the other environment refused with the environment named, Deel's
//! 429 (with or without a wait), and a sandbox account labelled so.

use std::time::Duration;

use keystep_core::verify::Purpose;
use keystep_core::Code;
use keystep_emulator::{DeelTenant, Emulator, Fault};
use serde_json::json;

use crate::cases::{nothing_more, run_cases, run_wire_faults, Case, Provider, Wire};
use crate::support::{
    assert_met_exactly, catalogue, creds, get, verifier_for, verify_read, AuthAt, Sent,
};

const TOKEN: &str = "DeelTokenCanary7Hq2LeakTest0000000042";

fn organization() -> Sent {
    get("api", "/organizations", AuthAt::Bearer(TOKEN.into()))
}

fn people() -> Sent {
    get("api", "/people", AuthAt::Bearer(TOKEN.into())).query(&[("limit", "1")])
}

fn acme() -> DeelTenant {
    DeelTenant::full(TOKEN, "Acme Global Inc.")
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "an organization token with every scope",
            setup: |e| e.add_deel(acme()),
            code: None,
            missing: Some(&[]),
            sent: Some(|| vec![organization(), people()]),
            message_has: &["Connected to Acme Global Inc. on Deel"],
            more: |r, case| {
                assert_eq!(
                    r.tenant.as_deref(),
                    Some("production/org-5150"),
                    "{case}: the organization"
                );
            },
        },
        Case {
            name: "no people:read: named, a new token advised",
            setup: |e| e.add_deel(acme().without("people:read")),
            code: Some(Code::MissingPermission),
            missing: Some(&["people:read"]),
            sent: Some(|| vec![organization(), people()]),
            message_has: &["people:read", "generate a new token"],
            more: nothing_more,
        },
        Case {
            name: "no organizations:read: the company is unknown, nothing is linked",
            setup: |e| e.add_deel(acme().without("organizations:read")),
            code: Some(Code::UnexpectedResponse),
            message_has: &["did not say which account"],
            more: |r, case| {
                assert!(
                    r.permissions
                        .missing
                        .contains(&"organizations:read".to_string()),
                    "{case}: {:?}",
                    r.permissions
                )
            },
            ..Case::NOTHING_ELSE
        },
        Case {
            name: "a wrong or revoked token",
            setup: |_| {},
            code: Some(Code::BadCredentials),
            sent: Some(|| vec![organization()]),
            message_has: &["did not accept this token", "production or sandbox"],
            ..Case::NOTHING_ELSE
        },
        Case {
            name: "a sandbox token sent to production",
            setup: |e| e.add_deel(acme().in_sandbox()),
            code: Some(Code::BadCredentials),
            sent: Some(|| vec![organization()]),
            message_has: &["other environment"],
            ..Case::NOTHING_ELSE
        },
        Case {
            name: "past 5 requests a second: Deel names no wait",
            setup: |e| {
                e.add_deel(acme());
                e.deel_rate_limit(1);
            },
            code: Some(Code::RateLimited),
            sent: Some(|| vec![organization(), people()]),
            message_has: &["5 a second for the whole organization"],
            ..Case::NOTHING_ELSE
        },
        Case {
            name: "a 429 with Retry-After",
            setup: |e| {
                e.add_deel(acme());
                e.fault(
                    "deel",
                    "/organizations",
                    Fault::Status {
                        status: 429,
                        body: json!({"errors": [{"message": "Too Many Requests"}]}),
                        retry_after: Some(2),
                    },
                );
            },
            code: Some(Code::RateLimited),
            message_has: &["in 2 seconds"],
            ..Case::NOTHING_ELSE
        },
    ]
}

#[tokio::test]
async fn deel_outcomes_each_have_their_code_and_words() {
    let provider = Provider::new("deel", &[("api_token", TOKEN)], TOKEN);
    run_cases(&provider, cases()).await;
    run_wire_faults(
        &provider,
        |e| e.add_deel(acme()),
        &[
            Wire::Outage("/people", 503),
            Wire::NotJson("/organizations"),
            Wire::Firewall("/organizations"),
            Wire::Hangup("/people"),
        ],
    )
    .await;
}

#[tokio::test]
async fn a_sandbox_token_is_checked_at_the_sandbox_and_labelled_so() {
    let emu = Emulator::start();
    emu.add_deel(acme().in_sandbox());
    let cat = catalogue();
    let deel = cat.get("deel").expect("deel");
    let r = verifier_for(&emu, Duration::from_secs(5))
        .verify(
            deel,
            &creds("deel", &[("api_token", TOKEN), ("environment", "sandbox")]),
            Purpose::Link,
            &|_| {},
        )
        .await;
    assert!(r.ok, "{r:?}");
    assert_eq!(
        r.tenant.as_deref(),
        Some("sandbox/org-5150"),
        "the sandbox organization is another tenant than production's"
    );
    assert!(
        emu.requests().iter().all(|rec| rec.host == "sandbox"),
        "every request went to the sandbox host"
    );
    assert!(
        deel.is_sandbox(["sandbox".to_string()].iter())
            && !deel.is_sandbox(["api".to_string()].iter()),
        "only the sandbox host labels an account a sandbox's"
    );
}

#[tokio::test]
async fn a_read_token_meets_read() {
    let emu = Emulator::start();
    emu.add_deel(acme().for_purpose("read"));
    let r = verify_read(&emu, "deel", &[("api_token", TOKEN)]).await;
    assert_met_exactly(&r, "a read credential meets read");
}
