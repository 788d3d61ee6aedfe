//! Namely contract tests: the public company-info endpoint proves the subdomain before the
//! token goes anywhere (when linking, 404, a page, a redirect or another permalink are all
//! a wrong subdomain; a failed DNS lookup is weighed in `verify_evidence`), `profiles/me`
//! proves the token, profile meta gives the head count, and 406 as well as 429 are rate
//! limits.

use keystep_core::Code;
use keystep_emulator::{Emulator, Fault, NamelyTenant, UnknownSubdomain};
use serde_json::json;

use crate::cases::{nothing_more, run_cases, Case, Provider};
use crate::support::{assert_sent, get, parse, verify, AuthAt, Sent};

const TOKEN: &str = "NmTok3nCanaryW4pLeakTest000099";

fn info() -> Sent {
    get("acme", "/companies/info", AuthAt::Nothing)
}

fn me() -> Sent {
    get("acme", "/profiles/me", AuthAt::Bearer(TOKEN.into()))
}

fn people() -> Sent {
    get("acme", "/profiles", AuthAt::Bearer(TOKEN.into()))
        .query(&[("per_page", "1"), ("filter[user_status]", "active")])
}

fn acme() -> NamelyTenant {
    NamelyTenant::full("Acme Inc.", TOKEN, 142)
}

fn unknown(e: &Emulator, answer: UnknownSubdomain) {
    e.add_namely(
        "globex",
        NamelyTenant::full("Globex", "OtherTokenOtherToken0000001", 9),
    );
    e.namely_unknown_subdomain(answer);
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "a known site and a good token",
            setup: |e| e.add_namely("acme", acme()),
            code: None,
            missing: None,
            sent: Some(|| vec![info(), me(), people()]),
            message_has: &["Connected to Acme Inc. (142 active employees)"],
            more: |r, case| {
                assert_eq!(
                    r.identity.company.as_deref(),
                    Some("Acme Inc."),
                    "{case}: company"
                );
                assert_eq!(r.identity.head_count, Some(142), "{case}: meta.total_count");
                assert_eq!(
                    r.identity.user.as_deref(),
                    Some("integrations@example.test"),
                    "{case}: the token's profile"
                );
            },
        },
        Case {
            name: "unknown subdomain: 404 JSON",
            setup: |e| unknown(e, UnknownSubdomain::NotFoundJson),
            code: Some(Code::WrongTenant),
            missing: None,
            sent: Some(|| vec![info()]),
            message_has: &["acme.namely.com", "part before .namely.com"],
            more: nothing_more,
        },
        Case {
            name: "unknown subdomain: 404 page",
            setup: |e| unknown(e, UnknownSubdomain::NotFoundHtml),
            code: Some(Code::WrongTenant),
            missing: None,
            sent: Some(|| vec![info()]),
            message_has: &["acme.namely.com"],
            more: nothing_more,
        },
        Case {
            name: "unknown subdomain: a landing page",
            setup: |e| unknown(e, UnknownSubdomain::LandingPage),
            code: Some(Code::WrongTenant),
            missing: None,
            sent: Some(|| vec![info()]),
            message_has: &["acme.namely.com"],
            more: nothing_more,
        },
        Case {
            name: "unknown subdomain: a redirect",
            setup: |e| unknown(e, UnknownSubdomain::Redirect),
            code: Some(Code::WrongTenant),
            missing: None,
            sent: Some(|| vec![info()]),
            message_has: &["acme.namely.com"],
            more: nothing_more,
        },
        Case {
            name: "another company's permalink",
            setup: |e| e.add_namely("acme", acme().with_permalink("acme-holdings")),
            code: Some(Code::WrongTenant),
            missing: None,
            sent: Some(|| vec![info()]),
            message_has: &["different company", "acme.namely.com"],
            more: nothing_more,
        },
        Case {
            name: "a wrong token",
            setup: |e| {
                e.add_namely(
                    "acme",
                    NamelyTenant::full("Acme Inc.", "AnotherTokenAnotherToken0001", 142),
                )
            },
            code: Some(Code::BadCredentials),
            missing: None,
            sent: Some(|| vec![info(), me()]),
            message_has: &["acme.namely.com", "Personal Access Tokens"],
            more: |r, case| {
                assert_eq!(
                    r.identity.company.as_deref(),
                    Some("Acme Inc."),
                    "{case}: the site was found first"
                );
            },
        },
        Case {
            name: "the token's profile was deactivated",
            setup: |e| e.add_namely("acme", acme().owner_deactivated()),
            code: Some(Code::BadCredentials),
            missing: None,
            sent: Some(|| vec![info(), me()]),
            message_has: &["deactivated"],
            more: nothing_more,
        },
        Case {
            name: "a sign-in redirect for the token",
            setup: |e| {
                e.add_namely("acme", acme());
                e.fault(
                    "namely",
                    "/profiles/me",
                    Fault::Status {
                        status: 302,
                        body: json!({}),
                        retry_after: None,
                    },
                );
            },
            code: Some(Code::BadCredentials),
            missing: None,
            sent: Some(|| vec![info(), me()]),
            message_has: &["did not accept this token"],
            more: nothing_more,
        },
        Case {
            name: "a role that cannot list profiles",
            setup: |e| e.add_namely("acme", acme().without_profile_access()),
            code: Some(Code::MissingPermission),
            missing: None,
            sent: Some(|| vec![info(), me(), people()]),
            message_has: &["custom access role that can view all profiles"],
            more: |r, case| {
                assert!(
                    r.permissions.missing.is_empty(),
                    "{case}: no scopes to name"
                );
            },
        },
        Case {
            name: "406 is a rate limit",
            setup: |e| {
                e.add_namely("acme", acme());
                e.namely_rate_limit(1);
            },
            code: Some(Code::RateLimited),
            missing: None,
            sent: Some(|| vec![info(), me(), people()]),
            message_has: &["about 100 a minute", "in 60 seconds"],
            more: |r, case| {
                assert_eq!(
                    r.retry_after_secs,
                    Some(60),
                    "{case}: no header, a minute assumed"
                );
            },
        },
        Case {
            name: "429 is a rate limit too",
            setup: |e| {
                e.add_namely("acme", acme());
                e.fault(
                    "namely",
                    "/profiles/me",
                    Fault::Status {
                        status: 429,
                        body: json!({"message": "Too Many Requests"}),
                        retry_after: Some(30),
                    },
                );
            },
            code: Some(Code::RateLimited),
            missing: None,
            sent: Some(|| vec![info(), me()]),
            message_has: &["in 30 seconds"],
            more: |r, case| assert_eq!(r.retry_after_secs, Some(30), "{case}: the header"),
        },
        Case {
            name: "server error",
            setup: |e| {
                e.add_namely("acme", acme());
                e.fault(
                    "namely",
                    "/profiles/me",
                    Fault::Status {
                        status: 500,
                        body: json!({}),
                        retry_after: None,
                    },
                );
            },
            code: Some(Code::ProviderError),
            missing: None,
            sent: Some(|| vec![info(), me()]),
            message_has: &["error 500"],
            more: nothing_more,
        },
    ]
}

#[tokio::test]
async fn namely_outcomes() {
    let namely = Provider::new(
        "namely",
        &[("subdomain", "acme"), ("access_token", TOKEN)],
        TOKEN,
    );
    run_cases(&namely, cases()).await;
}

#[tokio::test]
async fn namely_subdomain_pasted_as_an_address_is_reduced() {
    let emu = Emulator::start();
    emu.add_namely("acme", acme());
    let r = verify(
        &emu,
        "namely",
        &[
            ("subdomain", " https://acme.namely.com/people/123\n"),
            ("access_token", TOKEN),
        ],
    )
    .await;
    assert!(r.ok, "the cleaned subdomain works: {r:?}");
    assert!(
        r.notes.iter().any(|n| n.contains(".namely.com")),
        "the change is explained: {:?}",
        r.notes
    );
    assert_sent(&emu, &[info(), me(), people()], "pasted address");
}

#[test]
fn namely_subdomains_that_are_not_one_label_send_nothing() {
    for raw in [
        "acme corp",
        "evil.com",
        "acme.namely.com.evil.com",
        "a_b",
        "",
        "-acme",
    ] {
        let err = parse("namely", &[("subdomain", raw), ("access_token", TOKEN)])
            .expect_err(&format!("{raw:?} must be refused"));
        assert_eq!(err.field, "subdomain", "{raw:?}: the field at fault");
        assert_eq!(
            err.code(),
            Code::InvalidInput,
            "{raw:?}: refused as input, before any request"
        );
    }
}
