//! JazzHR contract tests: the key rides only in the `apikey` query parameter, the users list
//! is read whether it is an array or a lone object, every plausible refusal of a bad key is
//! bad credentials, and the key never reaches a message, a report or a log line.

use std::time::Duration;

use keystep_core::verify::{Purpose, Report};
use keystep_core::Code;
use keystep_emulator::{Emulator, Fault, JazzhrAccount, JazzhrRejection};
use serde_json::json;

use crate::cases::{nothing_more, run_cases, Case, Provider};
use crate::support::{
    assert_no_secret, capture_logs, captured_logs, catalogue, creds, get, verifier_for, AuthAt,
    Sent,
};

const KEY: &str = "JzKeyCanary5RtWq8LeakTest000077";

fn users() -> Sent {
    get("api", "/users", AuthAt::Query("apikey", KEY.into()))
}

/// JazzHR's key is all-powerful: there are no permissions to compare.
fn one_key_nothing_to_compare(r: &Report, name: &str) {
    assert!(
        r.permissions.required.is_empty() && r.permissions.missing.is_empty(),
        "{name}: one all-powerful key, nothing to compare: {:?}",
        r.permissions
    );
}

fn status(status: u16, retry_after: Option<u64>) -> Fault {
    Fault::Status {
        status,
        body: json!({"error": "nope"}),
        retry_after,
    }
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "several users: an array",
            setup: |e| e.add_jazzhr(KEY, JazzhrAccount::with_users("admin@acme.example", 12)),
            code: None,
            missing: None,
            sent: Some(|| vec![users()]),
            message_has: &["Connected to JazzHR as admin@acme.example"],
            more: |r, case| {
                assert_eq!(r.identity.head_count, Some(12), "{case}: user count");
                assert!(
                    !r.identity.head_count_more,
                    "{case}: all of them, on one page"
                );
                assert_eq!(
                    r.identity.user.as_deref(),
                    Some("admin@acme.example"),
                    "{case}: the first user's email, from the array"
                );
            },
        },
        Case {
            name: "more users than a page: 100 or more",
            setup: |e| e.add_jazzhr(KEY, JazzhrAccount::with_users("admin@acme.example", 150)),
            code: None,
            missing: None,
            sent: Some(|| vec![users()]),
            message_has: &["Connected to JazzHR as admin@acme.example"],
            more: |r, case| {
                assert_eq!(r.identity.head_count, Some(100), "{case}: one page is read");
                assert!(
                    r.identity.head_count_more,
                    "{case}: a full page says there may be more"
                );
            },
        },
        Case {
            name: "one user: a lone object",
            setup: |e| e.add_jazzhr(KEY, JazzhrAccount::with_users("solo@acme.example", 1)),
            code: None,
            missing: None,
            sent: Some(|| vec![users()]),
            message_has: &["Connected to JazzHR as solo@acme.example"],
            more: |r, case| {
                assert_eq!(r.identity.head_count, Some(1), "{case}: one record");
                assert_eq!(
                    r.identity.user.as_deref(),
                    Some("solo@acme.example"),
                    "{case}: the email, from the object"
                );
            },
        },
        Case {
            name: "refused with 401",
            setup: |e| e.jazzhr_rejection(JazzhrRejection::Unauthorized),
            code: Some(Code::BadCredentials),
            missing: None,
            sent: Some(|| vec![users()]),
            message_has: &["Settings › Integrations", "Generate New Key"],
            more: nothing_more,
        },
        Case {
            name: "refused with 403",
            setup: |e| e.jazzhr_rejection(JazzhrRejection::Forbidden),
            code: Some(Code::BadCredentials),
            missing: None,
            sent: Some(|| vec![users()]),
            message_has: &["Settings › Integrations"],
            more: nothing_more,
        },
        Case {
            name: "refused with an error body on 200",
            setup: |e| e.jazzhr_rejection(JazzhrRejection::ErrorBody),
            code: Some(Code::BadCredentials),
            missing: None,
            sent: Some(|| vec![users()]),
            message_has: &["answered with an error", "Settings › Integrations"],
            more: |r, case| {
                assert_eq!(
                    r.identity.head_count, None,
                    "{case}: an error is not a user"
                );
            },
        },
        Case {
            name: "rate limited without Retry-After",
            setup: |e| {
                e.add_jazzhr(KEY, JazzhrAccount::with_users("admin@acme.example", 2));
                e.fault("jazzhr", "/users", status(429, None));
            },
            code: Some(Code::RateLimited),
            missing: None,
            sent: Some(|| vec![users()]),
            message_has: &["in 60 seconds"],
            more: |r, case| assert_eq!(r.retry_after_secs, Some(60), "{case}: a minute"),
        },
        Case {
            name: "rate limited with Retry-After",
            setup: |e| {
                e.add_jazzhr(KEY, JazzhrAccount::with_users("admin@acme.example", 2));
                e.fault("jazzhr", "/users", status(429, Some(12)));
            },
            code: Some(Code::RateLimited),
            missing: None,
            sent: Some(|| vec![users()]),
            message_has: &["in 12 seconds"],
            more: |r, case| assert_eq!(r.retry_after_secs, Some(12), "{case}: the header"),
        },
        Case {
            name: "server error",
            setup: |e| {
                e.add_jazzhr(KEY, JazzhrAccount::with_users("admin@acme.example", 2));
                e.fault("jazzhr", "/users", status(502, None));
            },
            code: Some(Code::ProviderError),
            missing: None,
            sent: Some(|| vec![users()]),
            message_has: &["error 502"],
            more: nothing_more,
        },
        Case {
            name: "a page instead of JSON",
            setup: |e| {
                e.add_jazzhr(KEY, JazzhrAccount::with_users("admin@acme.example", 2));
                e.fault("jazzhr", "/users", Fault::NotJson);
            },
            code: Some(Code::UnexpectedResponse),
            missing: None,
            sent: Some(|| vec![users()]),
            message_has: &["does not recognise"],
            more: nothing_more,
        },
        Case {
            name: "the connection drops",
            setup: |e| {
                e.add_jazzhr(KEY, JazzhrAccount::with_users("admin@acme.example", 2));
                e.fault("jazzhr", "/users", Fault::Hangup);
            },
            code: Some(Code::Unreachable),
            missing: None,
            sent: Some(|| vec![users()]),
            message_has: &["could not reach JazzHR"],
            more: nothing_more,
        },
    ]
}

#[tokio::test]
async fn jazzhr_outcomes_keep_the_key_out_of_reports_and_logs() {
    capture_logs();
    let jazzhr =
        Provider::new("jazzhr", &[("api_key", KEY)], KEY).in_every_case(one_key_nothing_to_compare);
    run_cases(&jazzhr, cases()).await;
    // A timeout too: its log line names the URL.
    let emu = Emulator::start();
    emu.add_jazzhr(KEY, JazzhrAccount::with_users("admin@acme.example", 2));
    emu.fault("jazzhr", "/users", Fault::Slow(Duration::from_secs(2)));
    let cat = catalogue();
    let r = verifier_for(&emu, Duration::from_millis(200))
        .verify(
            cat.get("jazzhr").expect("jazzhr"),
            &creds("jazzhr", &[("api_key", KEY)]),
            Purpose::Link,
            &|_| {},
        )
        .await;
    assert_eq!(r.code, Some(Code::Unreachable), "a timeout: {r:?}");
    assert_no_secret(&r, KEY);

    let logs = captured_logs();
    let jazz: Vec<&String> = logs.iter().filter(|l| l.contains("/jazzhr/")).collect();
    assert!(
        jazz.len() >= 10,
        "the requests were logged, so the check means something: {jazz:?}"
    );
    assert!(
        jazz.iter().any(|l| l.contains("apikey=REDACTED")),
        "logged URLs show the parameter, blanked: {jazz:?}"
    );
    for line in &logs {
        assert!(
            !line.contains(KEY),
            "the key leaked into a log line: {line}"
        );
    }
}
