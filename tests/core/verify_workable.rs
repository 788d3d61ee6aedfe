//! Workable contract tests: a Bearer token at the account's own subdomain, the account
//! endpoint naming the company and proving the subdomain, a 403 naming the scope in
//! Workable's id with a new token advised, an unknown subdomain told apart in each plausible
//! way it could answer, Workable's 429 (which names no wait in seconds) waiting for the next
//! 10-second interval, and the expiry chosen when the token was generated recorded from the
//! day of linking.

use keystep_core::Code;
use keystep_emulator::{Emulator, Fault, WorkableTenant, WorkableUnknown};
use serde_json::json;

use crate::cases::{nothing_more, run_cases, run_wire_faults, Case, Provider, Wire};
use crate::support::{
    assert_met_exactly, get, parse, raw, verifier_resolving, verify_read, verify_with, AuthAt, Sent,
};
use crate::world::World;

const TOKEN: &str = "WkTokenCanary7Hq2LeakTest0000000000000042";
const DAY: u64 = 86_400;

fn account() -> Sent {
    get("acme", "/accounts/acme", AuthAt::Bearer(TOKEN.into()))
}

fn candidates() -> Sent {
    get("acme", "/candidates", AuthAt::Bearer(TOKEN.into())).query(&[("limit", "1")])
}

fn acme() -> WorkableTenant {
    WorkableTenant::full("acme", "Acme Recruiting", TOKEN)
}

fn wrong_subdomain(name: &'static str, answer: WorkableUnknown) -> Case {
    Case {
        name,
        setup: match answer {
            WorkableUnknown::NotFoundPage => |e: &Emulator| {
                e.add_workable(WorkableTenant::full("other", "Other Co", TOKEN));
            },
            WorkableUnknown::Redirect => |e: &Emulator| {
                e.add_workable(WorkableTenant::full("other", "Other Co", TOKEN));
                e.workable_unknown_subdomain(WorkableUnknown::Redirect);
            },
            WorkableUnknown::LandingPage => |e: &Emulator| {
                e.add_workable(WorkableTenant::full("other", "Other Co", TOKEN));
                e.workable_unknown_subdomain(WorkableUnknown::LandingPage);
            },
        },
        code: Some(Code::WrongTenant),
        sent: Some(|| vec![account()]),
        message_has: &["acme.workable.com", "Company profile"],
        ..Case::NOTHING_ELSE
    }
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "a token with every scope",
            setup: |e| e.add_workable(acme()),
            code: None,
            missing: Some(&[]),
            sent: Some(|| vec![account(), candidates()]),
            message_has: &["Connected to Acme Recruiting on Workable"],
            more: |r, case| {
                assert_eq!(r.tenant.as_deref(), Some("acme"), "{case}: the subdomain");
                assert_eq!(
                    r.expires_at, None,
                    "{case}: Workable's answers carry no expiry; the link records the chosen one"
                );
            },
        },
        Case {
            name: "no r_candidates: named, a new token advised",
            setup: |e| e.add_workable(acme().without("r_candidates")),
            code: Some(Code::MissingPermission),
            missing: Some(&["r_candidates"]),
            sent: Some(|| vec![account(), candidates()]),
            message_has: &["r_candidates", "generate a new API token"],
            more: nothing_more,
        },
        Case {
            name: "no r_jobs: the company stays unnamed, the subdomain is the tenant",
            setup: |e| e.add_workable(acme().without("r_jobs")),
            code: Some(Code::MissingPermission),
            missing: Some(&["r_jobs"]),
            sent: Some(|| vec![account(), candidates()]),
            more: |r, case| {
                assert_eq!(r.identity.company, None, "{case}: no company");
                assert_eq!(r.tenant.as_deref(), Some("acme"), "{case}: the subdomain");
            },
            ..Case::NOTHING_ELSE
        },
        Case {
            name: "a wrong, revoked or expired token",
            setup: |e| {
                e.add_workable(WorkableTenant::full(
                    "acme",
                    "Acme Recruiting",
                    "AnotherToken000000000000000000000000001",
                ))
            },
            code: Some(Code::BadCredentials),
            sent: Some(|| vec![account()]),
            message_has: &["did not accept this token for acme.workable.com"],
            ..Case::NOTHING_ELSE
        },
        wrong_subdomain(
            "an unknown subdomain answering a 404 page",
            WorkableUnknown::NotFoundPage,
        ),
        wrong_subdomain(
            "an unknown subdomain redirecting",
            WorkableUnknown::Redirect,
        ),
        wrong_subdomain(
            "an unknown subdomain answering a sign-in page",
            WorkableUnknown::LandingPage,
        ),
        Case {
            name: "the account answers for another subdomain",
            setup: |e| {
                e.add_workable(acme());
                e.fault(
                    "workable",
                    "/accounts/acme",
                    Fault::Status {
                        status: 200,
                        body: json!({"id": "1", "name": "Other Co", "subdomain": "other"}),
                        retry_after: None,
                    },
                );
            },
            code: Some(Code::WrongTenant),
            ..Case::NOTHING_ELSE
        },
        Case {
            name: "past 10 requests in 10 seconds: Workable names no wait, the interval is it",
            setup: |e| {
                e.add_workable(acme());
                e.workable_rate_limit(1);
            },
            code: Some(Code::RateLimited),
            sent: Some(|| vec![account(), candidates()]),
            message_has: &["10 every 10 seconds", "in 10 seconds"],
            more: |r, case| assert_eq!(r.retry_after_secs, Some(10), "{case}: the wait"),
            ..Case::NOTHING_ELSE
        },
        Case {
            name: "a 429 with Retry-After: its wait wins",
            setup: |e| {
                e.add_workable(acme());
                e.fault(
                    "workable",
                    "/candidates",
                    Fault::Status {
                        status: 429,
                        body: json!({"error": "Too many requests"}),
                        retry_after: Some(4),
                    },
                );
            },
            code: Some(Code::RateLimited),
            message_has: &["in 4 seconds"],
            ..Case::NOTHING_ELSE
        },
        Case {
            name: "a candidates answer without candidates",
            setup: |e| {
                e.add_workable(acme());
                e.fault(
                    "workable",
                    "/candidates",
                    Fault::Status {
                        status: 200,
                        body: json!({"paging": {}}),
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
async fn workable_outcomes_each_have_their_code_and_words() {
    let provider = Provider::new(
        "workable",
        &[("subdomain", "acme"), ("access_token", TOKEN)],
        TOKEN,
    );
    run_cases(&provider, cases()).await;
    run_wire_faults(
        &provider,
        |e| e.add_workable(acme()),
        &[
            Wire::Outage("/candidates", 503),
            Wire::Firewall("/accounts/acme"),
            Wire::Hangup("/accounts/acme"),
        ],
    )
    .await;
}

#[tokio::test]
async fn the_expiry_chosen_in_workable_is_recorded_from_the_day_of_linking() {
    for (choice, days) in [
        (None, 30),
        (Some("90-days"), 90),
        (Some("6-months"), 182),
        (Some("1-year"), 365),
        (Some("2-years"), 730),
    ] {
        let w = World::new();
        w.emu.add_workable(acme());
        let now = w.accounts.now();
        let mut form = vec![("subdomain", "acme"), ("access_token", TOKEN)];
        if let Some(choice) = choice {
            form.push(("expires", choice));
        }
        let account = w
            .accounts
            .link("workable", raw(&form), &|_| {})
            .await
            .unwrap_or_else(|e| panic!("{choice:?}: links: {e:?}"))
            .account;
        assert_eq!(
            account.expires_at,
            Some(now + days * DAY),
            "{choice:?}: the expiry counts from the link (none chosen: the shortest)"
        );
    }
}

#[tokio::test]
async fn a_read_token_meets_read() {
    let emu = Emulator::start();
    emu.add_workable(acme().for_purpose("read"));
    let r = verify_read(
        &emu,
        "workable",
        &[("subdomain", "acme"), ("access_token", TOKEN)],
    )
    .await;
    assert_met_exactly(&r, "a read credential meets read");
}

/// When linking, a subdomain whose name does not resolve while workable.com does is a wrong
/// subdomain; with no name resolving the computer is offline.
#[tokio::test]
async fn workable_link_tells_a_missing_account_from_no_network() {
    let pairs = [("subdomain", "nosuchco"), ("access_token", TOKEN)];
    let r = verify_with(&verifier_resolving(&["workable.com"]), "workable", &pairs).await;
    assert_eq!(
        r.code,
        Some(Code::WrongTenant),
        "workable.com resolves: {r:?}"
    );
    assert!(r.message.contains("nosuchco.workable.com"), "{}", r.message);
    let r = verify_with(&verifier_resolving(&[]), "workable", &pairs).await;
    assert_eq!(r.code, Some(Code::Unreachable), "nothing resolves: {r:?}");
}

#[test]
fn a_pasted_workable_address_is_cleaned_to_its_subdomain() {
    let c = parse(
        "workable",
        &[
            (
                "subdomain",
                " https://acme.workable.com/backend/settings/integrations ",
            ),
            ("access_token", TOKEN),
        ],
    )
    .expect("an address is cleaned");
    assert_eq!(c.value("subdomain"), Some("acme"), "the subdomain alone");
}
