//! Ashby contract tests, and through them Basic with the key as the user name and an empty
//! password: every check is a POST of a JSON body with Ashby's versioned `Accept`, a module
//! permission the key lacks is named from `missing_endpoint_permission` whether Ashby sends
//! it on a 403 or on a 200 with success false, a wrong key's JSON 403 is a bad key while a
//! 403 in words is worded for both a bad key and a firewall, and the read-only proxy knows
//! Ashby's reads by name.

use keystep_core::input::Change;
use keystep_core::Code;
use keystep_emulator::{AshbyDenial, AshbyRefusal, AshbyTenant, Emulator, Fault};
use serde_json::json;

use crate::cases::{nothing_more, run_cases, Case, Provider};
use crate::support::{catalogue, parse, post, verify_read, AuthAt, BodyIs, Sent};

const KEY: &str = "AshbyKeyCanary7Hq2LeakTest000000042";

fn call(path: &str, body: serde_json::Value) -> Sent {
    post(
        "api",
        path,
        AuthAt::Basic(KEY.into(), String::new()),
        BodyIs::Json(body),
    )
}

fn chain() -> Vec<Sent> {
    vec![
        call("/apiKey.info", json!({})),
        call("/user.list", json!({"limit": 1})),
        call("/job.list", json!({"limit": 1})),
        call("/candidate.list", json!({"limit": 1})),
        call("/interviewPlan.list", json!({})),
        call("/feedbackFormDefinition.list", json!({"limit": 1})),
    ]
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "a key with every permission",
            setup: |e| e.add_ashby(AshbyTenant::full(KEY)),
            code: None,
            missing: Some(&[]),
            sent: Some(chain),
            message_has: &["Connected to Acme Recruiting with the API key “Keystep”"],
            more: |r, case| {
                assert_eq!(r.tenant, None, "{case}: a key is matched by itself");
                assert_eq!(
                    r.permissions.unchecked,
                    [
                        "offersRead",
                        "jobsWrite",
                        "candidatesWrite",
                        "interviewsWrite",
                        "hiringProcessMetadataWrite",
                        "offersWrite"
                    ],
                    "{case}: writes and offers are never probed"
                );
            },
        },
        Case {
            name: "a module the key lacks, refused with a 403",
            setup: |e| e.add_ashby(AshbyTenant::full(KEY).without("candidatesRead")),
            code: Some(Code::MissingPermission),
            missing: Some(&["candidatesRead"]),
            sent: Some(chain),
            message_has: &[
                "Candidates › Read (candidatesRead)",
                "Configure API Key Permissions",
            ],
            more: nothing_more,
        },
        Case {
            name: "a module the key lacks, refused with a 200 and success false",
            setup: |e| {
                e.add_ashby(AshbyTenant::full(KEY).without("interviewsRead"));
                e.ashby_denial(AshbyDenial::SuccessFalse);
            },
            code: Some(Code::MissingPermission),
            missing: Some(&["interviewsRead"]),
            sent: Some(chain),
            message_has: &["Interviews › Read (interviewsRead)"],
            more: nothing_more,
        },
        Case {
            name: "no API Keys › Read: the key works, the modules prove it, its name is unknown",
            setup: |e| e.add_ashby(AshbyTenant::full(KEY).without("apiKeysRead")),
            code: Some(Code::MissingPermission),
            missing: Some(&["apiKeysRead"]),
            sent: Some(chain),
            message_has: &["API Keys › Read (apiKeysRead)"],
            more: |r, case| {
                assert_eq!(r.identity.user, None, "{case}: no key title");
                assert!(
                    r.permissions.granted.contains(&"jobsRead".to_string()),
                    "{case}: {:?}",
                    r.permissions
                );
            },
        },
        Case {
            name: "a wrong key refused in Ashby's JSON",
            setup: |e| e.ashby_refusal(AshbyRefusal::Json),
            code: Some(Code::BadCredentials),
            missing: None,
            sent: Some(|| vec![call("/apiKey.info", json!({}))]),
            message_has: &["wrong or has been disabled"],
            more: nothing_more,
        },
        Case {
            name: "a wrong key refused in words: no verdict, worded for both causes",
            setup: |e| e.ashby_refusal(AshbyRefusal::Text),
            code: Some(Code::Blocked),
            missing: None,
            sent: Some(|| vec![call("/apiKey.info", json!({}))]),
            message_has: &["without saying why", "wrong or disabled"],
            more: nothing_more,
        },
        Case {
            name: "rate limited with Retry-After",
            setup: |e| {
                e.add_ashby(AshbyTenant::full(KEY));
                e.fault(
                    "ashby",
                    "/apiKey.info",
                    Fault::Status {
                        status: 429,
                        body: json!({"success": false, "errors": ["rate_limit_exceeded"]}),
                        retry_after: Some(9),
                    },
                );
            },
            code: Some(Code::RateLimited),
            message_has: &["1000 a minute per key", "in 9 seconds"],
            ..Case::NOTHING_ELSE
        },
        Case {
            name: "an outage",
            setup: |e| {
                e.add_ashby(AshbyTenant::full(KEY));
                e.fault(
                    "ashby",
                    "/job.list",
                    Fault::Status {
                        status: 500,
                        body: json!({"success": false}),
                        retry_after: None,
                    },
                );
            },
            code: Some(Code::ProviderError),
            message_has: &["error 500"],
            ..Case::NOTHING_ELSE
        },
        Case {
            name: "a page instead of JSON",
            setup: |e| {
                e.add_ashby(AshbyTenant::full(KEY));
                e.fault("ashby", "/apiKey.info", Fault::NotJson);
            },
            code: Some(Code::UnexpectedResponse),
            ..Case::NOTHING_ELSE
        },
        Case {
            name: "success false for another reason",
            setup: |e| {
                e.add_ashby(AshbyTenant::full(KEY));
                e.fault(
                    "ashby",
                    "/user.list",
                    Fault::Status {
                        status: 200,
                        body: json!({"success": false, "errorInfo": {"code": "internal_error"}}),
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
async fn ashby_outcomes_each_have_their_code_and_words() {
    run_cases(&Provider::new("ashby", &[("api_key", KEY)], KEY), cases()).await;
}

#[tokio::test]
async fn ashby_requests_carry_json_and_the_versioned_accept() {
    let emu = Emulator::start();
    emu.add_ashby(AshbyTenant::full(KEY).for_purpose("read"));
    let r = verify_read(&emu, "ashby", &[("api_key", KEY)]).await;
    assert!(
        r.ok && r.permissions.extra.is_empty(),
        "a read key meets read: {r:?}"
    );
    let seen = emu.requests();
    assert_eq!(seen.len(), 6, "one request per check");
    for rec in seen {
        assert_eq!(
            rec.headers.get("accept").map(String::as_str),
            Some("application/json; version=1"),
            "{}: Ashby's versioned Accept",
            rec.path
        );
        assert!(
            rec.headers
                .get("content-type")
                .is_some_and(|c| c.starts_with("application/json")),
            "{}: a JSON body",
            rec.path
        );
    }
}

#[test]
fn ashby_reads_are_known_by_name_and_writes_are_not() {
    let cat = catalogue();
    let ashby = cat.get("ashby").expect("ashby");
    let is_read = |path: &str| ashby.reads.iter().any(|r| r.matches("POST", path));
    for read in [
        "/candidate.list",
        "/apiKey.info",
        "/candidate.search",
        "/application.listHistory",
    ] {
        assert!(is_read(read), "{read} reads");
    }
    for write in [
        "/candidate.create",
        "/application.changeStage",
        "/apiKey.create",
        "/candidate.list/x",
    ] {
        assert!(!is_read(write), "{write} is not a read");
    }
    for check in &ashby.checks {
        assert!(
            is_read(&check.path),
            "the chain's own {} is a read",
            check.path
        );
    }
}

#[test]
fn a_pasted_ashby_key_with_curls_colon_is_cleaned() {
    let c = parse("ashby", &[("api_key", &format!("{KEY}:"))]).expect("`key:` is curl -u's form");
    assert_eq!(c.value("api_key"), Some(KEY), "the key alone");
    assert!(
        c.notes.iter().any(|n| n.change == Change::RemovedPassword),
        "{:?}",
        c.notes
    );
}
