//! Personio contract tests, and through them client credentials with the client in the form
//! body: the client ID and secret go to `/v2/auth/token` only, as form fields beside
//! `grant_type`, never in a header; Personio's 400 refusals (`unauthorized_client`,
//! `invalid_client`) are a bad credential; the access token, living a day, is held across
//! checks and sent as a Bearer token with Personio's `X-Personio-App-ID`; a 403 on the persons
//! list names Read on Employees, and a name left out of the answer names the readable
//! attribute missing.

use std::time::Duration;

use keystep_core::verify::Purpose;
use keystep_core::Code;
use keystep_emulator::{Emulator, Fault, PersonioTenant};
use serde_json::json;

use crate::cases::{nothing_more, run_cases, run_wire_faults, Case, Provider, Wire};
use crate::support::{
    assert_logs_hold_no_credential, capture_logs, catalogue, creds, get, post, verifier_for,
    AuthAt, BodyIs, Sent,
};

const ID: &str = "papi-7f3a0c1e-0000-4000-8000-000000000042";
const SECRET: &str = "papi-SecretCanary9QwLeakTest0000042";
/// The emulator's first token for this client (its serial and the ID's length).
const TOKEN: &str = "EmuAccessToken0001x41";

fn token() -> Sent {
    post(
        "api",
        "/v2/auth/token",
        AuthAt::Nothing,
        BodyIs::Form(vec![
            ("grant_type", "client_credentials".into()),
            ("client_id", ID.into()),
            ("client_secret", SECRET.into()),
        ]),
    )
}

fn persons() -> Sent {
    get("api", "/v2/persons", AuthAt::Bearer(TOKEN.into())).query(&[("limit", "1")])
}

fn acme() -> PersonioTenant {
    PersonioTenant::full(ID, SECRET)
}

fn refused(status: u16, error: &str) -> Fault {
    Fault::Status {
        status,
        body: json!({"error": error, "error_description": "Refused.", "trace_id": "t"}),
        retry_after: None,
    }
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "an integration with every right",
            setup: |e| e.add_personio(acme()),
            code: None,
            missing: Some(&[]),
            sent: Some(|| vec![token(), persons()]),
            message_has: &["Connected to Personio with the credentials papi-7f3a0c1e"],
            more: |r, case| {
                assert_eq!(r.tenant.as_deref(), Some(ID), "{case}: the credentials");
                assert_eq!(
                    r.permissions.granted,
                    [
                        "Employees › Read",
                        "Readable employee attributes › First name",
                        "Readable employee attributes › Last name"
                    ],
                    "{case}: what the persons list proves"
                );
            },
        },
        Case {
            name: "no Read on Employees: Personio's 403, named in its screen words",
            setup: |e| e.add_personio(acme().without("Employees › Read")),
            code: Some(Code::MissingPermission),
            missing: Some(&["Employees › Read"]),
            sent: Some(|| vec![token(), persons()]),
            message_has: &["Employees › Read", "Connected integrations"],
            more: nothing_more,
        },
        Case {
            name: "last names are not a readable attribute: left out, named",
            setup: |e| {
                e.add_personio(acme().without("Readable employee attributes › Last name"));
            },
            code: Some(Code::MissingPermission),
            missing: Some(&["Readable employee attributes › Last name"]),
            sent: Some(|| vec![token(), persons()]),
            message_has: &["Readable employee attributes › Last name"],
            more: nothing_more,
        },
        Case {
            name: "no name is readable: both named in one run",
            setup: |e| {
                e.add_personio(
                    acme()
                        .without("Readable employee attributes › First name")
                        .without("Readable employee attributes › Last name"),
                );
            },
            code: Some(Code::MissingPermission),
            missing: Some(&[
                "Readable employee attributes › First name",
                "Readable employee attributes › Last name",
            ]),
            ..Case::NOTHING_ELSE
        },
        Case {
            name: "an integration that sees nobody",
            setup: |e| e.add_personio(acme().seeing_nobody()),
            code: Some(Code::UnexpectedResponse),
            message_has: &["listed nobody"],
            ..Case::NOTHING_ELSE
        },
        Case {
            name: "a wrong secret: Personio's 400 unauthorized_client, the API never called",
            setup: |e| e.add_personio(PersonioTenant::full(ID, "papi-AnotherSecret0000000001")),
            code: Some(Code::BadCredentials),
            missing: None,
            sent: Some(|| vec![token()]),
            message_has: &["did not accept this Client ID and client secret"],
            more: nothing_more,
        },
        Case {
            name: "an unknown client: Personio's 400 invalid_client",
            setup: |_| {},
            code: Some(Code::BadCredentials),
            sent: Some(|| vec![token()]),
            ..Case::NOTHING_ELSE
        },
        Case {
            name: "a 400 that is about the request, not the credentials",
            setup: |e| {
                e.add_personio(acme());
                e.fault(
                    "personio",
                    "/v2/auth/token",
                    refused(400, "invalid_request"),
                );
            },
            code: Some(Code::UnexpectedResponse),
            ..Case::NOTHING_ELSE
        },
        Case {
            name: "the token endpoint is limiting requests",
            setup: |e| {
                e.add_personio(acme());
                e.fault(
                    "personio",
                    "/v2/auth/token",
                    Fault::Status {
                        status: 429,
                        body: json!({"error": "temporarily_unavailable"}),
                        retry_after: Some(60),
                    },
                );
            },
            code: Some(Code::RateLimited),
            sent: Some(|| vec![token()]),
            message_has: &["in 60 seconds"],
            ..Case::NOTHING_ELSE
        },
        Case {
            name: "the persons list is limiting requests",
            setup: |e| {
                e.add_personio(acme());
                e.fault(
                    "personio",
                    "/v2/persons",
                    Fault::Status {
                        status: 429,
                        body: json!({"errors": [{"title": "Too Many Requests"}]}),
                        retry_after: Some(12),
                    },
                );
            },
            code: Some(Code::RateLimited),
            message_has: &["Nothing is wrong with the credentials", "in 12 seconds"],
            more: |r, case| assert_eq!(r.retry_after_secs, Some(12), "{case}: the wait"),
            ..Case::NOTHING_ELSE
        },
    ]
}

#[tokio::test]
async fn personio_outcomes_keep_the_secret_in_the_token_requests_body() {
    capture_logs();
    let personio = Provider::new(
        "personio",
        &[("client_id", ID), ("client_secret", SECRET)],
        SECRET,
    );
    run_cases(&personio, cases()).await;
    run_wire_faults(
        &personio,
        |e| e.add_personio(acme()),
        &[
            Wire::Outage("/v2/persons", 503),
            Wire::NotJson("/v2/auth/token"),
            Wire::Firewall("/v2/persons"),
            Wire::Hangup("/v2/persons"),
        ],
    )
    .await;
    assert_logs_hold_no_credential(SECRET);
}

#[tokio::test]
async fn a_days_token_serves_every_check_and_the_api_hears_keysteps_app_id() {
    let emu = Emulator::start();
    emu.add_personio(acme());
    let v = verifier_for(&emu, Duration::from_secs(5));
    let cat = catalogue();
    let provider = cat.get("personio").expect("personio");
    let c = creds("personio", &[("client_id", ID), ("client_secret", SECRET)]);
    for _ in 0..3 {
        let r = v.verify(provider, &c, Purpose::Check, &|_| {}).await;
        assert!(r.ok, "{r:?}");
    }
    assert_eq!(
        emu.tokens_minted("personio"),
        1,
        "one token for three checks"
    );
    let seen = emu.requests();
    assert_eq!(seen.len(), 4, "one token request, three persons lists");
    for rec in seen.iter().filter(|r| r.path == "/v2/persons") {
        assert_eq!(
            rec.headers.get("x-personio-app-id").map(String::as_str),
            Some("KEYSTEP"),
            "Personio asks customers to name their application"
        );
    }
    let mint = &seen[0];
    assert!(
        !mint.headers.contains_key("authorization"),
        "the client authenticates in the form body, not in a header"
    );
}

#[tokio::test]
async fn a_read_integration_meets_read_and_nothing_unproven_is_called_extra() {
    let cat = catalogue();
    let provider = cat.get("personio").expect("personio");
    let c = creds("personio", &[("client_id", ID), ("client_secret", SECRET)]);
    let emu = Emulator::start();
    emu.add_personio(acme());
    let full = verifier_for(&emu, Duration::from_secs(5))
        .verify_for(provider, &c, "read", Purpose::Link, &|_| {})
        .await;
    assert!(full.ok, "{full:?}");
    assert!(
        full.permissions.extra.is_empty(),
        "a right no request proves is never called extra: {:?}",
        full.permissions
    );
    assert!(
        full.permissions
            .unchecked
            .contains(&"Readable employee attributes › Email".to_string()),
        "an email is not proven by its absence (a person may have none): {:?}",
        full.permissions
    );
    let emu = Emulator::start();
    emu.add_personio(acme().for_purpose("read"));
    let read = verifier_for(&emu, Duration::from_secs(5))
        .verify_for(provider, &c, "read", Purpose::Link, &|_| {})
        .await;
    assert!(read.ok && read.permissions.extra.is_empty(), "{read:?}");
}
