//! BambooHR contract tests: the key rides as the Basic user name with the password `x`, the
//! subdomain picks the site (a pasted address is cleaned to it; an unknown one is a wrong
//! subdomain when linking, never when checking), BambooHR's empty refusals judge the key
//! through its own header, fields the key's user may not see are named from
//! `_restrictedFields` in BambooHR's screen words, company information is for admins, and a
//! 429 says how long to wait while a 503 is an outage.

use std::time::Duration;

use keystep_core::input::Change;
use keystep_core::verify::Purpose;
use keystep_core::Code;
use keystep_emulator::{BamboohrTenant, BamboohrUnknown, Emulator, Fault};
use serde_json::json;

use crate::cases::{nothing_more, run_cases, Case, Provider};
use crate::support::{
    assert_no_secret, catalogue, creds, get, parse, verifier_for, verifier_resolving, verify_with,
    AuthAt, Sent,
};

const KEY: &str = "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567";

fn basic() -> AuthAt {
    AuthAt::Basic(KEY.into(), "x".into())
}

fn people() -> Sent {
    get("acme", "/v1/employees", basic()).query(&[
        ("page[limit]", "1"),
        ("filter[status]", "active"),
        (
            "fields",
            "workEmail,hireDate,employmentStatusName,departmentName",
        ),
    ])
}

fn company() -> Sent {
    get("acme", "/v1/company_information", basic())
}

fn me() -> Sent {
    get("acme", "/v1/employees/0", basic()).query(&[("fields", "firstName,lastName,workEmail")])
}

fn acme() -> BamboohrTenant {
    BamboohrTenant::full("acme", KEY, "Acme Inc.", 57)
}

fn status(status: u16, retry_after: Option<u64>) -> Fault {
    Fault::Status {
        status,
        body: json!({"error": {"code": "x", "message": "y"}}),
        retry_after,
    }
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "a Full Admin's key",
            setup: |e| e.add_bamboohr(acme()),
            code: None,
            missing: Some(&[]),
            sent: Some(|| vec![people(), company(), me()]),
            message_has: &["Connected to Acme Inc. (57 active employees)"],
            more: |r, case| {
                assert_eq!(r.identity.head_count, Some(57), "{case}: meta.total");
                assert_eq!(
                    r.identity.user.as_deref(),
                    Some("admin@acme.example"),
                    "{case}: employee 0 is the key's user"
                );
                assert_eq!(r.tenant.as_deref(), Some("acme"), "{case}: the site");
                assert_eq!(
                    r.permissions.unchecked,
                    ["All Employees", "Access Level: Full Admin"],
                    "{case}: who the level covers cannot be seen from one page, and that only \
                     admins read company information is inferred, so it proves nothing"
                );
            },
        },
        Case {
            name: "a non-employee user on a custom access level",
            setup: |e| e.add_bamboohr(acme().not_admin().non_employee()),
            code: None,
            missing: Some(&[]),
            sent: Some(|| vec![people(), company(), me()]),
            message_has: &["Connected to BambooHR (57 active employees visible)"],
            more: |r, case| {
                assert_eq!(r.identity.company, None, "{case}: no company information");
                assert_eq!(r.identity.user, None, "{case}: no employee record");
                assert!(
                    r.permissions
                        .unchecked
                        .contains(&"Access Level: Full Admin".to_string()),
                    "{case}: a 403 on company information is no verdict: {:?}",
                    r.permissions
                );
            },
        },
        Case {
            name: "fields the access level hides, named in BambooHR's words",
            setup: |e| e.add_bamboohr(acme().hiding(&["workEmail", "hireDate"])),
            code: Some(Code::MissingPermission),
            missing: Some(&[
                "Personal › Contact › Work Email: View Only",
                "Job › Hire Date: View Only",
            ]),
            sent: Some(|| vec![people(), company(), me()]),
            message_has: &[
                "Personal › Contact › Work Email: View Only and Job › Hire Date: View Only",
                "Settings › Access Levels",
            ],
            more: |r, case| {
                assert!(
                    r.permissions
                        .granted
                        .contains(&"Job › Employment Status: View Only".to_string()),
                    "{case}: the fields it sees are proven: {:?}",
                    r.permissions
                );
            },
        },
        Case {
            name: "a wrong key: 401 with BambooHR's header and nothing else",
            setup: |e| e.add_bamboohr(BamboohrTenant::full("acme", "another", "Acme", 3)),
            code: Some(Code::BadCredentials),
            missing: None,
            sent: Some(|| vec![people()]),
            message_has: &["did not accept this key for acme.bamboohr.com"],
            more: nothing_more,
        },
        Case {
            name: "the key of a disabled user: an empty 403 in BambooHR's voice",
            setup: |e| e.add_bamboohr(acme().disabled()),
            code: Some(Code::BadCredentials),
            missing: None,
            sent: Some(|| vec![people()]),
            message_has: &["its user is disabled"],
            more: nothing_more,
        },
        Case {
            name: "an unknown subdomain answering a 404 page",
            setup: |e| e.bamboohr_unknown_subdomain(BamboohrUnknown::NotFoundPage),
            code: Some(Code::WrongTenant),
            missing: None,
            sent: Some(|| vec![people()]),
            message_has: &["acme.bamboohr.com", "the part before .bamboohr.com"],
            more: nothing_more,
        },
        Case {
            name: "an unknown subdomain redirecting home",
            setup: |e| e.bamboohr_unknown_subdomain(BamboohrUnknown::Redirect),
            code: Some(Code::WrongTenant),
            ..Case::NOTHING_ELSE
        },
        Case {
            name: "an unknown subdomain answering a sign-in page",
            setup: |e| e.bamboohr_unknown_subdomain(BamboohrUnknown::LandingPage),
            code: Some(Code::WrongTenant),
            ..Case::NOTHING_ELSE
        },
        Case {
            name: "no active employee visible",
            setup: |e| {
                let mut nobody = acme();
                nobody.employees = 0;
                e.add_bamboohr(nobody);
            },
            code: Some(Code::UnexpectedResponse),
            missing: None,
            sent: Some(|| vec![people()]),
            message_has: &["no active employees", "See About Other Employees"],
            more: nothing_more,
        },
        Case {
            name: "rate limited with Retry-After",
            setup: |e| {
                e.add_bamboohr(acme());
                e.fault("bamboohr", "/v1/employees", status(429, Some(17)));
            },
            code: Some(Code::RateLimited),
            missing: None,
            sent: Some(|| vec![people()]),
            message_has: &["in 17 seconds"],
            more: |r, case| assert_eq!(r.retry_after_secs, Some(17), "{case}: the wait"),
        },
        Case {
            name: "an outage: 503 is no longer a rate limit",
            setup: |e| {
                e.add_bamboohr(acme());
                e.fault("bamboohr", "/v1/employees", status(503, None));
            },
            code: Some(Code::ProviderError),
            message_has: &["error 503"],
            ..Case::NOTHING_ELSE
        },
        Case {
            name: "a firewall's 403 page is no verdict on the key",
            setup: |e| {
                e.add_bamboohr(acme());
                e.fault(
                    "bamboohr",
                    "/v1/employees",
                    Fault::Page {
                        status: 403,
                        retry_after: None,
                    },
                );
            },
            code: Some(Code::Blocked),
            ..Case::NOTHING_ELSE
        },
        Case {
            name: "the connection drops",
            setup: |e| {
                e.add_bamboohr(acme());
                e.fault("bamboohr", "/v1/employees", Fault::Hangup);
            },
            code: Some(Code::Unreachable),
            message_has: &["could not reach BambooHR"],
            ..Case::NOTHING_ELSE
        },
    ]
}

#[tokio::test]
async fn bamboohr_outcomes_each_have_their_code_and_words() {
    let bamboohr = Provider::new("bamboohr", &[("subdomain", "acme"), ("api_key", KEY)], KEY);
    run_cases(&bamboohr, cases()).await;
}

/// In a background check only BambooHR's own answers judge: a page at the site is not a
/// wrong subdomain, while an empty refusal carrying BambooHR's header still is a bad key.
#[tokio::test]
async fn a_bamboohr_check_reads_pages_as_no_verdict_and_its_own_refusals_as_one() {
    let check =
        Provider::new("bamboohr", &[("subdomain", "acme"), ("api_key", KEY)], KEY).checking();
    run_cases(
        &check,
        vec![
            Case {
                name: "check: a 404 page at the site",
                setup: |e| e.bamboohr_unknown_subdomain(BamboohrUnknown::NotFoundPage),
                code: Some(Code::UnexpectedResponse),
                ..Case::NOTHING_ELSE
            },
            Case {
                name: "check: a disabled user's empty 403 with BambooHR's header",
                setup: |e| e.add_bamboohr(acme().disabled()),
                code: Some(Code::BadCredentials),
                ..Case::NOTHING_ELSE
            },
        ],
    )
    .await;
}

#[tokio::test]
async fn a_read_key_meets_the_read_purpose_and_an_admins_key_still_names_its_company() {
    let emu = Emulator::start();
    let cat = catalogue();
    let provider = cat.get("bamboohr").expect("bamboohr");
    let v = verifier_for(&emu, Duration::from_secs(5));
    let pairs = [("subdomain", "acme"), ("api_key", KEY)];
    emu.add_bamboohr(acme().not_admin());
    let read = v
        .verify_for(
            provider,
            &creds("bamboohr", &pairs),
            "read",
            Purpose::Link,
            &|_| {},
        )
        .await;
    assert!(read.ok, "a custom access level meets `read`: {read:?}");
    assert!(
        read.permissions.extra.is_empty(),
        "nothing beyond it: {read:?}"
    );
    let emu = Emulator::start();
    emu.add_bamboohr(acme());
    let v = verifier_for(&emu, Duration::from_secs(5));
    let admin = v
        .verify_for(
            provider,
            &creds("bamboohr", &pairs),
            "read",
            Purpose::Link,
            &|_| {},
        )
        .await;
    assert!(admin.ok, "a Full Admin's key works for `read`: {admin:?}");
    assert_eq!(
        admin.identity.company.as_deref(),
        Some("Acme Inc."),
        "company information is read for every purpose: it names the company"
    );
    assert_no_secret(&admin, KEY);
}

/// When linking, a subdomain whose name does not resolve while bamboohr.com does is a wrong
/// subdomain; with no name resolving the computer is offline.
#[tokio::test]
async fn bamboohr_link_tells_a_missing_site_from_no_network() {
    let pairs = [("subdomain", "nosuchco"), ("api_key", KEY)];
    let r = verify_with(&verifier_resolving(&["bamboohr.com"]), "bamboohr", &pairs).await;
    assert_eq!(
        r.code,
        Some(Code::WrongTenant),
        "bamboohr.com resolves: {r:?}"
    );
    assert!(r.message.contains("nosuchco.bamboohr.com"), "{}", r.message);
    let r = verify_with(&verifier_resolving(&[]), "bamboohr", &pairs).await;
    assert_eq!(r.code, Some(Code::Unreachable), "nothing resolves: {r:?}");
}

#[test]
fn a_pasted_bamboohr_address_is_cleaned_to_its_subdomain_and_a_pasted_password_removed() {
    let c = parse(
        "bamboohr",
        &[
            (
                "subdomain",
                " https://acme.bamboohr.com/employees/employee.php?id=4 ",
            ),
            ("api_key", &format!("{KEY}:x")),
        ],
    )
    .expect("usable");
    assert_eq!(
        c.public.get("subdomain").map(String::as_str),
        Some("acme"),
        "the site's label only"
    );
    assert_eq!(
        c.value("api_key"),
        Some(KEY),
        "`key:x`, as curl -u writes it"
    );
    let changes: Vec<Change> = c.notes.iter().map(|n| n.change).collect();
    for want in [
        Change::RemovedScheme,
        Change::RemovedPath,
        Change::RemovedDomain,
        Change::RemovedPassword,
    ] {
        assert!(changes.contains(&want), "{want:?} is said: {changes:?}");
    }
    for bad in ["acme.bamboohr.com.evil.example", "evil.example", "ac me"] {
        assert!(
            parse("bamboohr", &[("subdomain", bad), ("api_key", KEY)]).is_err(),
            "{bad:?} could name another host, and is refused"
        );
    }
    let colon = parse(
        "bamboohr",
        &[("subdomain", "acme"), ("api_key", &format!("{KEY}:other"))],
    )
    .expect_err("a colon that is no pasted password");
    assert_eq!(colon.field, "api_key", "the key's box");
    assert!(
        colon.message.contains("takes the key as a user name") && !colon.message.contains(KEY),
        "a sentence that says why, without the key: {}",
        colon.message
    );
    let curl = parse(
        "bamboohr",
        &[
            ("subdomain", "acme"),
            (
                "api_key",
                &format!("curl -u {KEY}:x https://acme.bamboohr.com/api/v1/employees"),
            ),
        ],
    )
    .expect_err("a whole curl line");
    assert!(
        curl.message.contains("whole command line") && !curl.message.contains(KEY),
        "{}",
        curl.message
    );
}
