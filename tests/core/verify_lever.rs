//! Lever contract tests, and through them Basic with the key as the user name and a blank
//! password on a host the person chooses: every check goes to the chosen instance's API (the
//! global one by default, the EU one or the sandbox), a key the instance does not know is a
//! bad key whose advice names the instance, a list's 403 names that endpoint's Read
//! permission and advises a new key (Lever keys cannot be edited), and the sandbox host is
//! the one that labels an account a sandbox's.

use std::time::Duration;

use keystep_core::input::Change;
use keystep_core::verify::Purpose;
use keystep_core::Code;
use keystep_emulator::{Emulator, Fault, LeverTenant};
use serde_json::json;

use crate::cases::{nothing_more, run_cases, run_wire_faults, Case, Provider, Wire};
use crate::support::{
    assert_met_exactly, catalogue, creds, get, parse, verifier_for, verify_read, AuthAt, Sent,
};

const KEY: &str = "LeverKeyCanary7Hq2LeakTest00000042";

fn list(host: &str, path: &str) -> Sent {
    get(host, path, AuthAt::Basic(KEY.into(), String::new())).query(&[("limit", "1")])
}

fn chain() -> Vec<Sent> {
    vec![
        list("api", "/users"),
        list("api", "/opportunities"),
        list("api", "/postings"),
    ]
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "a key with every permission",
            setup: |e| e.add_lever(LeverTenant::full(KEY)),
            code: None,
            missing: Some(&[]),
            sent: Some(chain),
            message_has: &["Connected to Lever"],
            more: |r, case| {
                assert_eq!(r.tenant, None, "{case}: a key is matched by itself");
                assert_eq!(
                    r.permissions.unchecked,
                    [
                        "Opportunities › Write",
                        "Postings › Write",
                        "Allow access to confidential data"
                    ],
                    "{case}: writes and confidential data are never probed"
                );
            },
        },
        Case {
            name: "no Read on opportunities: the 403 names it, the advice is a new key",
            setup: |e| e.add_lever(LeverTenant::full(KEY).without("Opportunities › Read")),
            code: Some(Code::MissingPermission),
            missing: Some(&["Opportunities › Read"]),
            sent: Some(chain),
            message_has: &["Opportunities › Read", "generate a new key"],
            more: nothing_more,
        },
        Case {
            name: "no Read on users or postings: both named in one run",
            setup: |e| {
                e.add_lever(
                    LeverTenant::full(KEY)
                        .without("Users › Read")
                        .without("Postings › Read"),
                )
            },
            code: Some(Code::MissingPermission),
            missing: Some(&["Users › Read", "Postings › Read"]),
            sent: Some(chain),
            ..Case::NOTHING_ELSE
        },
        Case {
            name: "a wrong key",
            setup: |_| {},
            code: Some(Code::BadCredentials),
            sent: Some(|| vec![list("api", "/users")]),
            message_has: &["did not accept this API key", "instance"],
            ..Case::NOTHING_ELSE
        },
        Case {
            name: "an EU key tried on the global instance: refused there, the advice names the instance",
            setup: |e| e.add_lever(LeverTenant::full(KEY).on("eu")),
            code: Some(Code::BadCredentials),
            sent: Some(|| vec![list("api", "/users")]),
            message_has: &["global, EU or sandbox"],
            ..Case::NOTHING_ELSE
        },
        Case {
            name: "rate limited with Retry-After",
            setup: |e| {
                e.add_lever(LeverTenant::full(KEY));
                e.fault(
                    "lever",
                    "/opportunities",
                    Fault::Status {
                        status: 429,
                        body: json!({"code": "TooManyRequests", "message": "Rate limit exceeded"}),
                        retry_after: Some(3),
                    },
                );
            },
            code: Some(Code::RateLimited),
            message_has: &["Nothing is wrong with the key", "in 3 seconds"],
            more: |r, case| assert_eq!(r.retry_after_secs, Some(3), "{case}: the wait"),
            ..Case::NOTHING_ELSE
        },
        Case {
            name: "a list answer without its data",
            setup: |e| {
                e.add_lever(LeverTenant::full(KEY));
                e.fault(
                    "lever",
                    "/postings",
                    Fault::Status {
                        status: 200,
                        body: json!({"hasNext": false}),
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
async fn lever_outcomes_each_have_their_code_and_words() {
    let provider = Provider::new("lever", &[("api_key", KEY)], KEY);
    run_cases(&provider, cases()).await;
    run_wire_faults(
        &provider,
        |e| e.add_lever(LeverTenant::full(KEY)),
        &[
            Wire::Outage("/users", 503),
            Wire::NotJson("/users"),
            Wire::Firewall("/users"),
            Wire::Hangup("/users"),
        ],
    )
    .await;
}

#[tokio::test]
async fn the_eu_instance_and_the_sandbox_are_reached_at_their_own_hosts() {
    let cat = catalogue();
    let lever = cat.get("lever").expect("lever");
    for (instance, host) in [("eu", "eu"), ("sandbox", "sandbox")] {
        let emu = Emulator::start();
        emu.add_lever(LeverTenant::full(KEY).on(host));
        let r = verifier_for(&emu, Duration::from_secs(5))
            .verify(
                lever,
                &creds("lever", &[("api_key", KEY), ("instance", instance)]),
                Purpose::Link,
                &|_| {},
            )
            .await;
        assert!(r.ok, "{instance}: {r:?}");
        assert!(
            emu.requests().iter().all(|rec| rec.host == host),
            "{instance}: every request went to {host}"
        );
        assert_eq!(
            lever.is_sandbox([host.to_string()].iter()),
            instance == "sandbox",
            "{instance}: only an account verified at the sandbox host is labelled sandbox"
        );
    }
}

#[tokio::test]
async fn a_read_key_meets_read_and_nothing_unproven_is_called_extra() {
    let emu = Emulator::start();
    emu.add_lever(LeverTenant::full(KEY).for_purpose("read"));
    let r = verify_read(&emu, "lever", &[("api_key", KEY)]).await;
    assert_met_exactly(&r, "a read key meets read");
}

#[test]
fn a_pasted_lever_key_with_curls_colon_is_cleaned() {
    let c = parse("lever", &[("api_key", &format!("{KEY}:"))]).expect("`key:` is curl -u's form");
    assert_eq!(c.value("api_key"), Some(KEY), "the key alone");
    assert!(
        c.notes.iter().any(|n| n.change == Change::RemovedPassword),
        "{:?}",
        c.notes
    );
}
