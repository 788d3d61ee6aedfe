//! HiBob contract tests: Basic auth with the service user, few sequential probes, nothing
//! after a 401, an empty employee list as a permission problem, the firewall as `blocked`,
//! the sandbox choice, and credentials pasted into the wrong boxes.

use std::time::Duration;

use keystep_core::Code;
use keystep_emulator::{Emulator, Fault, HibobGrant, HibobTenant, Waf};
use serde_json::json;

use crate::cases::{nothing_more, run_cases, Case, Provider};
use crate::support::{
    assert_no_secret, assert_sent, get, parse, post, verify, AuthAt, BodyIs, Sent,
};

const ID: &str = "SERVICE-4821";
const TOKEN: &str = "HbTok3nCanaryQ8mZxLeakTest000000000000042";
/// The first employee id the emulator hands out.
const FIRST_EMPLOYEE: &str = "3332883884017713000";

const WHOSE_DATA: &str = "Whose data can members access?: the employees to connect";
const VIEW_PEOPLE: &str =
    "People's data › People › Basic info › View selected employees' Basic info sections";
const VIEW_PAYROLL: &str = "People's data › Payroll › View selected employees' Payroll sections";
const WHOS_OUT: &str = "People's data › Time off › See who's out today › See who's out";
/// Bob's own label (its changelog, "Time off API: new permission required to access
/// attachments"), not the invented "Request time off for selected employees".
const REQUEST_TIME_OFF: &str = "People's data › Time off › Requests › Create, edit all fields, and cancel people's requests that haven't been approved yet";
const EDIT_PEOPLE: &str =
    "People's data › People › Basic info › Edit selected employees' Basic info sections";

fn basic() -> AuthAt {
    AuthAt::Basic(ID.into(), TOKEN.into())
}

fn fields(host: &str) -> Sent {
    get(host, "/company/people/fields", basic())
}

fn search(host: &str) -> Sent {
    post(
        host,
        "/people/search",
        basic(),
        BodyIs::Json(json!({ "fields": ["root.id"], "showInactive": false })),
    )
}

fn payroll(host: &str) -> Sent {
    get(host, &format!("/people/{FIRST_EMPLOYEE}/salaries"), basic())
}

fn whos_out(host: &str) -> Sent {
    get(host, "/timeoff/outtoday", basic())
}

fn full_chain() -> Vec<Sent> {
    vec![
        fields("api"),
        search("api"),
        payroll("api"),
        whos_out("api"),
    ]
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "a group that grants everything",
            setup: |e| e.add_hibob(HibobTenant::full(ID, TOKEN, 58)),
            code: None,
            missing: Some(&[]),
            sent: Some(full_chain),
            message_has: &["Connected to HiBob (58 employees visible)"],
            more: |r, case| {
                assert_eq!(r.identity.head_count, Some(58), "{case}: head count");
                assert_eq!(
                    r.identity.user.as_deref(),
                    Some(ID),
                    "{case}: the service user"
                );
                assert_eq!(
                    r.permissions.granted,
                    [WHOSE_DATA, VIEW_PEOPLE, WHOS_OUT, VIEW_PAYROLL],
                    "{case}: what the probes proved (the fields metadata proves nothing)"
                );
                assert_eq!(
                    r.permissions.unchecked,
                    [REQUEST_TIME_OFF, EDIT_PEOPLE],
                    "{case}: writes cannot be proven by reading (and the retired token's \"Employee fields: edit\" is not asked for)"
                );
            },
        },
        Case {
            name: "an empty who's-out list proves nothing",
            setup: |e| {
                e.add_hibob(
                    HibobTenant::full(ID, TOKEN, 58)
                        .with_grants(&[HibobGrant::ViewPeople, HibobGrant::ViewPayroll])
                        .quiet_about_time_off(),
                );
            },
            code: None,
            missing: Some(&[]),
            sent: Some(full_chain),
            message_has: &["Connected to HiBob"],
            more: |r, case| {
                assert!(
                    !r.permissions.granted.contains(&WHOS_OUT.to_string())
                        && r.permissions.unchecked.contains(&WHOS_OUT.to_string()),
                    "{case}: who's out is unchecked, not granted: {:?}",
                    r.permissions
                );
            },
        },
        Case {
            name: "a group that selects nobody",
            setup: |e| e.add_hibob(HibobTenant::full(ID, TOKEN, 58).selecting_nobody()),
            code: Some(Code::MissingPermission),
            missing: Some(&[WHOSE_DATA]),
            // No employee to ask payroll about: that probe is skipped, not failed.
            sent: Some(|| vec![fields("api"), search("api"), whos_out("api")]),
            message_has: &["empty list of employees", "Permission groups"],
            more: |r, case| {
                assert!(
                    r.permissions.unchecked.contains(&VIEW_PAYROLL.to_string()),
                    "{case}: payroll is unchecked: {:?}",
                    r.permissions
                );
                assert_eq!(
                    r.identity.head_count, None,
                    "{case}: no head count from nobody"
                );
            },
        },
        Case {
            name: "a group without people access",
            setup: |e| {
                e.add_hibob(
                    HibobTenant::full(ID, TOKEN, 58)
                        .with_grants(&[HibobGrant::ViewPayroll, HibobGrant::SeeWhosOut]),
                );
            },
            code: Some(Code::MissingPermission),
            missing: Some(&[VIEW_PEOPLE]),
            sent: Some(|| vec![fields("api"), search("api"), whos_out("api")]),
            message_has: &[VIEW_PEOPLE, "People's data tab"],
            more: nothing_more,
        },
        Case {
            name: "a fresh service user with no grants",
            setup: |e| e.add_hibob(HibobTenant::full(ID, TOKEN, 58).with_grants(&[])),
            code: Some(Code::MissingPermission),
            missing: Some(&[VIEW_PEOPLE, WHOS_OUT]),
            // Two 403s in all: far below the firewall's threshold.
            sent: Some(|| vec![fields("api"), search("api"), whos_out("api")]),
            message_has: &[VIEW_PEOPLE, WHOS_OUT],
            more: nothing_more,
        },
        Case {
            name: "a group without payroll",
            setup: |e| {
                e.add_hibob(
                    HibobTenant::full(ID, TOKEN, 58)
                        .with_grants(&[HibobGrant::ViewPeople, HibobGrant::SeeWhosOut]),
                );
            },
            code: Some(Code::MissingPermission),
            missing: Some(&[VIEW_PAYROLL]),
            sent: Some(full_chain),
            message_has: &[VIEW_PAYROLL],
            more: nothing_more,
        },
        Case {
            name: "unknown token: one request, then nothing",
            setup: |e| {
                e.add_hibob(HibobTenant::full(
                    ID,
                    "SomeOtherTokenSomeOtherToken000000000001",
                    58,
                ))
            },
            code: Some(Code::BadCredentials),
            missing: Some(&[]),
            sent: Some(|| vec![fields("api")]),
            message_has: &["Service users", "stops after one refusal"],
            more: nothing_more,
        },
        Case {
            name: "payroll module not activated: the probe is skipped",
            setup: |e| {
                e.add_hibob(HibobTenant::full(ID, TOKEN, 58));
                e.fault(
                    "hibob",
                    &format!("/people/{FIRST_EMPLOYEE}/salaries"),
                    Fault::Status {
                        status: 404,
                        body: json!({"key": "notFound", "error": "Module not activated"}),
                        retry_after: None,
                    },
                );
            },
            code: None,
            missing: Some(&[]),
            sent: Some(full_chain),
            message_has: &["Connected to HiBob"],
            more: |r, case| {
                assert!(
                    r.permissions.unchecked.contains(&VIEW_PAYROLL.to_string()),
                    "{case}: payroll unchecked, not missing: {:?}",
                    r.permissions
                );
            },
        },
        Case {
            name: "a firewall page on 429 is a block",
            setup: |e| {
                e.add_hibob(HibobTenant::full(ID, TOKEN, 58));
                e.fault(
                    "hibob",
                    "*",
                    Fault::Page {
                        status: 429,
                        retry_after: None,
                    },
                );
            },
            code: Some(Code::Blocked),
            missing: Some(&[]),
            sent: Some(|| vec![fields("api")]),
            message_has: &["firewall", "in 5 minutes"],
            more: |r, case| {
                assert_eq!(
                    r.retry_after_secs,
                    Some(300),
                    "{case}: the usual block length"
                );
            },
        },
        Case {
            name: "HiBob's own 429 is a rate limit",
            setup: |e| {
                e.add_hibob(HibobTenant::full(ID, TOKEN, 58));
                e.fault(
                    "hibob",
                    "/people/search",
                    Fault::Status {
                        status: 429,
                        body: json!({"key": "tooManyRequests", "error": "Rate limit exceeded"}),
                        retry_after: Some(20),
                    },
                );
            },
            code: Some(Code::RateLimited),
            missing: Some(&[]),
            sent: Some(|| vec![fields("api"), search("api")]),
            message_has: &["in 20 seconds"],
            more: |r, case| {
                assert_eq!(r.retry_after_secs, Some(20), "{case}: Retry-After is read");
            },
        },
        Case {
            name: "server error",
            setup: |e| {
                e.add_hibob(HibobTenant::full(ID, TOKEN, 58));
                e.fault(
                    "hibob",
                    "/people/search",
                    Fault::Status {
                        status: 500,
                        body: json!({"key": "internal", "error": "oops"}),
                        retry_after: None,
                    },
                );
            },
            code: Some(Code::ProviderError),
            missing: Some(&[]),
            sent: Some(|| vec![fields("api"), search("api")]),
            message_has: &["error 500"],
            more: nothing_more,
        },
        Case {
            name: "a malformed employee list",
            setup: |e| {
                e.add_hibob(HibobTenant::full(ID, TOKEN, 58));
                e.fault("hibob", "/people/search", Fault::NotJson);
            },
            code: Some(Code::UnexpectedResponse),
            missing: Some(&[]),
            sent: Some(|| vec![fields("api"), search("api")]),
            message_has: &["does not recognise"],
            more: nothing_more,
        },
    ]
}

#[tokio::test]
async fn hibob_outcomes() {
    let hibob = Provider::new(
        "hibob",
        &[("service_user_id", ID), ("service_user_token", TOKEN)],
        TOKEN,
    );
    run_cases(&hibob, cases()).await;
}

#[tokio::test]
async fn hibob_bursts_of_bad_credentials_trip_the_firewall_and_it_reads_as_blocked() {
    let emu = Emulator::start();
    emu.hibob_waf(Waf {
        failures: 3,
        window: Duration::from_secs(10),
        block_for: Duration::from_secs(300),
    });
    emu.add_hibob(HibobTenant::full(ID, TOKEN, 58));
    let wrong = "WrongHibobTokenWrongHibobToken0000000001";
    for attempt in 1..=3 {
        emu.clear_requests();
        let r = verify(
            &emu,
            "hibob",
            &[("service_user_id", ID), ("service_user_token", wrong)],
        )
        .await;
        assert_eq!(
            r.code,
            Some(Code::BadCredentials),
            "attempt {attempt}: {r:?}"
        );
        assert_eq!(
            emu.requests().len(),
            1,
            "attempt {attempt}: nothing is sent after a 401"
        );
        assert_no_secret(&r, wrong);
    }
    assert!(
        emu.hibob_blocked(),
        "three 401s in the window trip the firewall"
    );
    emu.clear_requests();
    let r = verify(
        &emu,
        "hibob",
        &[("service_user_id", ID), ("service_user_token", TOKEN)],
    )
    .await;
    assert_eq!(
        r.code,
        Some(Code::Blocked),
        "even good credentials are blocked: {r:?}"
    );
    assert_eq!(r.retry_after_secs, Some(300), "the block's usual length");
    assert!(
        r.message.contains("firewall"),
        "the message says what happened: {}",
        r.message
    );
    assert_eq!(
        emu.requests().len(),
        1,
        "nothing is sent after the block answer"
    );
}

#[tokio::test]
async fn hibob_sandbox_choice_selects_the_sandbox_host() {
    let emu = Emulator::start();
    emu.add_hibob(HibobTenant::full(ID, TOKEN, 4).in_sandbox());
    for typed in ["sandbox", " Sandbox\n", "SANDBOX"] {
        emu.clear_requests();
        let r = verify(
            &emu,
            "hibob",
            &[
                ("service_user_id", ID),
                ("service_user_token", TOKEN),
                ("environment", typed),
            ],
        )
        .await;
        assert!(
            r.ok,
            "{typed:?}: a sandbox user verifies in the sandbox: {r:?}"
        );
        let sent = vec![
            fields("sandbox"),
            search("sandbox"),
            payroll("sandbox"),
            whos_out("sandbox"),
        ];
        assert_sent(&emu, &sent, &format!("sandbox chosen as {typed:?}"));
    }
    emu.clear_requests();
    // Left blank (a form that cannot show choices yet), the default is production, where
    // this sandbox user does not exist.
    let r = verify(
        &emu,
        "hibob",
        &[
            ("service_user_id", ID),
            ("service_user_token", TOKEN),
            ("environment", ""),
        ],
    )
    .await;
    assert_eq!(
        r.code,
        Some(Code::BadCredentials),
        "production by default: {r:?}"
    );
    assert_sent(&emu, &[fields("api")], "blank environment");
}

/// Issue 21 §7: a key held to `read` does not read an employee's salary, neither when it
/// is linked nor at any check: the payroll probe is sent only for a purpose that needs
/// payroll (`full`). What `read` needs is still proven, by the same requests as before.
#[tokio::test]
async fn a_read_key_never_reads_a_salary_and_a_full_key_still_proves_payroll() {
    use keystep_core::verify::Purpose;

    use crate::support::{creds, verifier_for};

    let pairs = [("service_user_id", ID), ("service_user_token", TOKEN)];
    for (purpose, when, sent) in [
        (
            "read",
            Purpose::Link,
            vec![fields("api"), search("api"), whos_out("api")],
        ),
        (
            "read",
            Purpose::Check,
            vec![fields("api"), search("api"), whos_out("api")],
        ),
        ("full", Purpose::Check, full_chain()),
    ] {
        let emu = Emulator::start();
        emu.add_hibob(HibobTenant::full(ID, TOKEN, 12));
        let r = verifier_for(&emu, Duration::from_secs(5))
            .verify_for(
                crate::support::catalogue().get("hibob").expect("hibob"),
                &creds("hibob", &pairs),
                purpose,
                when,
                &|_| {},
            )
            .await;
        let case = format!("{purpose} ({when:?})");
        assert!(r.ok, "{case}: the key works for its purpose: {r:?}");
        assert_sent(&emu, &sent, &case);
        let payroll_proven = r.permissions.granted.iter().any(|g| g == VIEW_PAYROLL);
        assert_eq!(
            payroll_proven,
            purpose == "full",
            "{case}: payroll is proven only where it is needed: {:?}",
            r.permissions
        );
    }
}

#[test]
fn hibob_input_mistakes_are_refused_before_sending() {
    /// (case, typed fields, field at fault, what the message says)
    type Mistake = (
        &'static str,
        &'static [(&'static str, &'static str)],
        &'static str,
        &'static str,
    );
    let cases: [Mistake; 5] = [
        (
            "ID and token swapped",
            &[("service_user_id", TOKEN), ("service_user_token", ID)],
            "service_user_id",
            "look swapped",
        ),
        (
            "the same value twice",
            &[("service_user_id", ID), ("service_user_token", ID)],
            "service_user_token",
            "same value",
        ),
        (
            "id:token pasted into the ID box",
            &[
                ("service_user_id", "SERVICE-4821:HbTok3nCanaryQ8mZxLeak"),
                ("service_user_token", TOKEN),
            ],
            "service_user_id",
            "pasted together",
        ),
        (
            "an environment that does not exist",
            &[
                ("service_user_id", ID),
                ("service_user_token", TOKEN),
                ("environment", "staging"),
            ],
            "environment",
            "Production or Sandbox",
        ),
        (
            "no token",
            &[("service_user_id", ID)],
            "service_user_token",
            "Paste your Service user token",
        ),
    ];
    for (name, pairs, field, says) in cases {
        let err = parse("hibob", pairs).expect_err(name);
        assert_eq!(err.field, field, "{name}: the field at fault");
        assert!(err.message.contains(says), "{name}: {:?}", err.message);
        assert!(
            !err.message.contains(TOKEN) && !err.message.contains("HbTok3n"),
            "{name}: no value in the message: {}",
            err.message
        );
    }
    let ok = parse(
        "hibob",
        &[
            ("service_user_id", " SERVICE-4821 "),
            ("service_user_token", TOKEN),
        ],
    )
    .expect("the right boxes pass");
    assert_eq!(
        ok.public.get("environment").map(String::as_str),
        Some("production"),
        "a missing environment takes the default"
    );
}
