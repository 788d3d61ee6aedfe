//! Factorial contract tests: the key in the `x-api-key` header alone (no `Authorization`), the
//! versioned API path, the legal entities naming the company and the employee list counting
//! its people, a key that reaches everything (no permission to check, so none is ever called
//! missing or extra, and the provider says so before the guide), and every failure kept apart.

use keystep_core::Code;
use keystep_emulator::{Emulator, FactorialTenant, Fault};
use serde_json::json;

use crate::cases::{run_cases, run_wire_faults, Case, Provider, Wire};
use crate::support::{catalogue, get, verify_read, AuthAt, Sent};

const KEY: &str = "FcKeyCanary7Hq2LeakTest000000000000000042";

fn key() -> AuthAt {
    AuthAt::Header("x-api-key", KEY.into())
}

fn legal_entities() -> Sent {
    get("api", "/companies/legal_entities", key())
}

fn employees() -> Sent {
    get("api", "/employees/employees", key()).query(&[("limit", "1")])
}

fn acme() -> FactorialTenant {
    FactorialTenant::new(KEY, "Acme Software S.L.", 23)
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "a working key",
            setup: |e| e.add_factorial(acme()),
            code: None,
            missing: Some(&[]),
            sent: Some(|| vec![legal_entities(), employees()]),
            message_has: &["Connected to Acme Software S.L. (23 employees)"],
            more: |r, case| {
                assert_eq!(r.tenant.as_deref(), Some("7001"), "{case}: the company");
                assert!(
                    r.permissions.required.is_empty()
                        && r.permissions.extra.is_empty()
                        && r.permissions.unchecked.is_empty(),
                    "{case}: a key without scopes has nothing to check: {:?}",
                    r.permissions
                );
            },
        },
        Case {
            name: "a wrong or deleted key",
            setup: |_| {},
            code: Some(Code::BadCredentials),
            sent: Some(|| vec![legal_entities()]),
            message_has: &["did not accept this API key", "create a new one"],
            ..Case::NOTHING_ELSE
        },
        Case {
            name: "a company without legal entities answers nothing to name",
            setup: |e| {
                e.add_factorial(acme());
                e.fault(
                    "factorial",
                    "/companies/legal_entities",
                    Fault::Status {
                        status: 200,
                        body: json!({"data": [], "meta": {"total": 0}}),
                        retry_after: None,
                    },
                );
            },
            code: Some(Code::UnexpectedResponse),
            ..Case::NOTHING_ELSE
        },
        Case {
            name: "rate limited with Retry-After",
            setup: |e| {
                e.add_factorial(acme());
                e.fault(
                    "factorial",
                    "/employees/employees",
                    Fault::Status {
                        status: 429,
                        body: json!({"error": "Too many requests"}),
                        retry_after: Some(20),
                    },
                );
            },
            code: Some(Code::RateLimited),
            message_has: &["Nothing is wrong with the key", "in 20 seconds"],
            ..Case::NOTHING_ELSE
        },
    ]
}

#[tokio::test]
async fn factorial_outcomes_each_have_their_code_and_words() {
    let provider = Provider::new("factorial", &[("api_key", KEY)], KEY);
    run_cases(&provider, cases()).await;
    run_wire_faults(
        &provider,
        |e| e.add_factorial(acme()),
        &[
            Wire::Outage("/companies/legal_entities", 500),
            Wire::NotJson("/companies/legal_entities"),
            Wire::Firewall("/companies/legal_entities"),
            Wire::Hangup("/employees/employees"),
        ],
    )
    .await;
}

#[test]
fn a_factorial_key_is_declared_to_reach_everything() {
    let cat = catalogue();
    let factorial = cat.get("factorial").expect("factorial");
    assert!(
        factorial.lifetime.full_access(),
        "said before the guide: the key reaches everything and never expires"
    );
    assert!(
        factorial.purposes.iter().all(|p| p.permissions.is_empty()),
        "no purpose asks for a permission a Factorial key cannot narrow"
    );
}

#[tokio::test]
async fn the_read_purpose_is_met_by_any_working_key() {
    let emu = Emulator::start();
    emu.add_factorial(acme());
    let r = verify_read(&emu, "factorial", &[("api_key", KEY)]).await;
    assert!(r.ok && r.permissions.missing.is_empty(), "{r:?}");
}
