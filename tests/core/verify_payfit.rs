//! PayFit contract tests: introspection (JSON first, a form after a 400 or 415), the company
//! endpoint, scope comparison with the guide's nine, fallback probes, and every failure.

use keystep_core::Code;
use keystep_emulator::{Fault, IntrospectionBody, PayfitTenant};
use serde_json::json;

use crate::cases::{nothing_more, run_cases, Case, Provider};
use crate::support::{catalogue, get, post, AuthAt, BodyIs, Sent};

const KEY: &str = "PfKeyCanary7Qx2LmZ9LeakTest0042";
const COMPANY: &str = "5f1e2d3c4b5a69788796a5b4";

/// The guide's scopes, in guide order: the provider file's own list, which the emulator's
/// full tenant is granted too.
fn required() -> Vec<String> {
    catalogue()
        .get("payfit")
        .expect("PayFit is shipped")
        .permissions
        .required
        .clone()
}

fn bearer() -> AuthAt {
    AuthAt::Bearer(KEY.into())
}

fn introspect_json() -> Sent {
    post(
        "oauth",
        "/introspect",
        bearer(),
        BodyIs::Json(json!({ "token": KEY })),
    )
}

fn introspect_form() -> Sent {
    post(
        "oauth",
        "/introspect",
        bearer(),
        BodyIs::Form(vec![("token", KEY.to_string())]),
    )
}

fn company() -> Sent {
    get("api", &format!("/companies/{COMPANY}"), bearer())
}

fn probes() -> Vec<Sent> {
    ["collaborators", "contracts", "absences"]
        .iter()
        .map(|p| {
            get("api", &format!("/companies/{COMPANY}/{p}"), bearer()).query(&[("maxResults", "1")])
        })
        .collect()
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "every scope",
            setup: |e| e.add_payfit(KEY, PayfitTenant::full("Acme SAS", 37)),
            code: None,
            missing: Some(&[]),
            sent: Some(|| vec![introspect_json(), company()]),
            message_has: &["Connected to Acme SAS (37 active contracts)"],
            more: |r, case| {
                assert_eq!(
                    r.identity.company.as_deref(),
                    Some("Acme SAS"),
                    "{case}: company"
                );
                assert_eq!(r.identity.head_count, Some(37), "{case}: active contracts");
                assert_eq!(
                    r.permissions.granted,
                    required(),
                    "{case}: granted, from introspection"
                );
                assert!(
                    r.permissions.extra.is_empty() && r.permissions.unchecked.is_empty(),
                    "{case}: nothing extra or unchecked: {:?}",
                    r.permissions
                );
            },
        },
        Case {
            name: "a scope beyond the guide is advice",
            setup: |e| {
                let mut scopes = required();
                scopes.push("accounting:read".into());
                let scopes: Vec<&str> = scopes.iter().map(String::as_str).collect();
                e.add_payfit(KEY, PayfitTenant::full("Acme SAS", 37).with_scopes(&scopes));
            },
            code: None,
            missing: Some(&[]),
            sent: Some(|| vec![introspect_json(), company()]),
            message_has: &["Connected to Acme SAS"],
            more: |r, case| {
                assert_eq!(r.permissions.extra, ["accounting:read"], "{case}: extra");
            },
        },
        Case {
            name: "missing scopes are named",
            setup: |e| {
                e.add_payfit(
                    KEY,
                    PayfitTenant::full("Acme SAS", 37).with_scopes(&[
                        "time:read",
                        "collaborators:read",
                        "contracts:read",
                    ]),
                );
            },
            code: Some(Code::MissingPermission),
            missing: Some(&[
                "health-insurance:read",
                "health-insurance:write",
                "collaborators:write",
                "collaborators:contracts:write",
                "contracts:payslips:read",
                "collaborators:meal-vouchers:read",
            ]),
            sent: Some(|| vec![introspect_json(), company()]),
            message_has: &["contracts:payslips:read", "create a key with these scopes"],
            more: |r, case| {
                assert_eq!(
                    r.identity.company.as_deref(),
                    Some("Acme SAS"),
                    "{case}: identity is still read"
                );
            },
        },
        Case {
            name: "no scopes in introspection, a Spanish company: health insurance is not asked",
            setup: |e| {
                e.add_payfit(
                    KEY,
                    PayfitTenant::full("Acme SL", 12)
                        .in_country("ES")
                        .without_scope_in_introspection(),
                );
            },
            code: None,
            missing: Some(&[]),
            sent: Some(|| {
                let mut v = vec![introspect_json(), company()];
                v.extend(probes());
                v
            }),
            message_has: &["Connected to Acme SL"],
            more: |r, case| {
                assert!(
                    r.permissions
                        .unchecked
                        .contains(&"health-insurance:read".to_string()),
                    "{case}: unchecked, not missing: {:?}",
                    r.permissions
                );
            },
        },
        Case {
            name: "JSON refused with 400, form accepted",
            setup: |e| {
                e.payfit_introspection(IntrospectionBody::FormOnly);
                e.add_payfit(KEY, PayfitTenant::full("Acme SAS", 37));
            },
            code: None,
            missing: Some(&[]),
            sent: Some(|| vec![introspect_json(), introspect_form(), company()]),
            message_has: &["Connected to Acme SAS (37 active contracts)"],
            more: nothing_more,
        },
        Case {
            name: "JSON refused with 415, form accepted",
            setup: |e| {
                e.payfit_introspection(IntrospectionBody::FormOnlyUnsupportedMedia);
                e.add_payfit(KEY, PayfitTenant::full("Acme SAS", 37));
            },
            code: None,
            missing: Some(&[]),
            sent: Some(|| vec![introspect_json(), introspect_form(), company()]),
            message_has: &["Connected to Acme SAS"],
            more: nothing_more,
        },
        Case {
            name: "revoked key: active false",
            setup: |e| e.add_payfit(KEY, PayfitTenant::full("Acme SAS", 37).revoked()),
            code: Some(Code::BadCredentials),
            missing: Some(&[]),
            sent: Some(|| vec![introspect_json()]),
            message_has: &["inactive", "Create a key"],
            more: nothing_more,
        },
        Case {
            name: "unknown key: 401",
            setup: |_| {},
            code: Some(Code::BadCredentials),
            missing: Some(&[]),
            sent: Some(|| vec![introspect_json()]),
            message_has: &["did not accept this API key"],
            more: nothing_more,
        },
        Case {
            name: "no scopes in introspection: probes decide",
            setup: |e| {
                e.add_payfit(
                    KEY,
                    PayfitTenant::full("Acme SAS", 37).without_scope_in_introspection(),
                );
            },
            code: None,
            missing: Some(&[]),
            sent: Some(|| {
                let mut v = vec![introspect_json(), company()];
                v.extend(probes());
                v
            }),
            message_has: &["Connected to Acme SAS"],
            more: |r, case| {
                assert_eq!(
                    r.permissions.granted,
                    ["time:read", "collaborators:read", "contracts:read"],
                    "{case}: what the probes proved"
                );
                assert_eq!(
                    r.permissions.unchecked.len(),
                    6,
                    "{case}: the rest is unchecked, not failed: {:?}",
                    r.permissions.unchecked
                );
            },
        },
        Case {
            name: "no scopes in introspection: a refused probe names its scope",
            setup: |e| {
                let all = required();
                let scopes: Vec<&str> = all
                    .iter()
                    .map(String::as_str)
                    .filter(|s| *s != "collaborators:read")
                    .collect();
                e.add_payfit(
                    KEY,
                    PayfitTenant::full("Acme SAS", 37)
                        .without_scope_in_introspection()
                        .with_scopes(&scopes),
                );
            },
            code: Some(Code::MissingPermission),
            missing: Some(&["collaborators:read"]),
            sent: Some(|| {
                let mut v = vec![introspect_json(), company()];
                v.extend(probes());
                v
            }),
            message_has: &["collaborators:read"],
            more: nothing_more,
        },
        Case {
            name: "rate limited without Retry-After",
            setup: |e| {
                e.add_payfit(KEY, PayfitTenant::full("Acme SAS", 37));
                e.fault(
                    "payfit",
                    "/introspect",
                    Fault::Status {
                        status: 429,
                        body: json!({"message": "API rate limit exceeded"}),
                        retry_after: None,
                    },
                );
            },
            code: Some(Code::RateLimited),
            missing: Some(&[]),
            sent: Some(|| vec![introspect_json()]),
            message_has: &["in 2 seconds"],
            more: |r, case| {
                assert_eq!(r.retry_after_secs, Some(2), "{case}: per-second limits");
            },
        },
        Case {
            name: "rate limited with Retry-After",
            setup: |e| {
                e.add_payfit(KEY, PayfitTenant::full("Acme SAS", 37));
                e.fault(
                    "payfit",
                    "/introspect",
                    Fault::Status {
                        status: 429,
                        body: json!({"message": "API rate limit exceeded"}),
                        retry_after: Some(30),
                    },
                );
            },
            code: Some(Code::RateLimited),
            missing: Some(&[]),
            sent: Some(|| vec![introspect_json()]),
            message_has: &["in 30 seconds"],
            more: |r, case| {
                assert_eq!(r.retry_after_secs, Some(30), "{case}: the header wins");
            },
        },
        Case {
            name: "server error",
            setup: |e| {
                e.add_payfit(KEY, PayfitTenant::full("Acme SAS", 37));
                e.fault(
                    "payfit",
                    "/introspect",
                    Fault::Status {
                        status: 503,
                        body: json!({}),
                        retry_after: None,
                    },
                );
            },
            code: Some(Code::ProviderError),
            missing: Some(&[]),
            sent: Some(|| vec![introspect_json()]),
            message_has: &["error 503"],
            more: nothing_more,
        },
        Case {
            name: "introspection answers a page",
            setup: |e| {
                e.add_payfit(KEY, PayfitTenant::full("Acme SAS", 37));
                e.fault("payfit", "/introspect", Fault::NotJson);
            },
            code: Some(Code::UnexpectedResponse),
            missing: Some(&[]),
            sent: Some(|| vec![introspect_json()]),
            message_has: &["does not recognise"],
            more: nothing_more,
        },
        Case {
            name: "company details missing: the key still links",
            setup: |e| {
                e.add_payfit(KEY, PayfitTenant::full("Acme SAS", 37));
                e.fault(
                    "payfit",
                    &format!("/companies/{COMPANY}"),
                    Fault::Status {
                        status: 404,
                        body: json!({"message": "Not Found"}),
                        retry_after: None,
                    },
                );
            },
            code: None,
            missing: Some(&[]),
            sent: Some(|| vec![introspect_json(), company()]),
            message_has: &["Connected to PayFit"],
            more: |r, case| {
                assert_eq!(r.identity.company, None, "{case}: no company name");
            },
        },
    ]
}

#[tokio::test]
async fn payfit_outcomes() {
    run_cases(&Provider::new("payfit", &[("api_key", KEY)], KEY), cases()).await;
}

/// No shipped file lists a permission in doubt any more, but the rule stays: a name under
/// `permissions.unconfirmed` that the key lacks is set apart, never missing. PayFit's own
/// file with one of its real scopes put in doubt, against a key without it.
#[tokio::test]
async fn a_scope_in_doubt_is_set_apart_and_never_missing() {
    use keystep_core::input::parse_fields;
    use keystep_core::provider::Catalogue;
    use keystep_core::verify::Purpose;
    use keystep_emulator::Emulator;

    use crate::support::{raw, verifier_for};

    const DOUBT: &str = "collaborators:meal-vouchers:read";
    let text = include_str!("../../src-tauri/core/src/providers/payfit.toml");
    let marker = "\n# What a key may be for";
    assert!(
        text.contains(marker),
        "the PayFit file's purposes are where they were"
    );
    let text = text.replacen(marker, &format!("unconfirmed = [\"{DOUBT}\"]\n{marker}"), 1);
    let cat = Catalogue::from_sources(&[("payfit", &text)]).expect("still a valid file");
    let payfit = cat.get("payfit").expect("loaded");
    let emu = Emulator::start();
    let without: Vec<String> = required().into_iter().filter(|s| s != DOUBT).collect();
    let without: Vec<&str> = without.iter().map(String::as_str).collect();
    emu.add_payfit(
        KEY,
        PayfitTenant::full("Acme SAS", 37).with_scopes(&without),
    );
    let creds = parse_fields(payfit, raw(&[("api_key", KEY)])).expect("valid input");
    let r = verifier_for(&emu, std::time::Duration::from_secs(5))
        .verify(payfit, &creds, Purpose::Link, &|_| {})
        .await;
    assert!(r.ok, "a scope in doubt fails nothing: {r:?}");
    assert_eq!(r.permissions.unconfirmed, [DOUBT], "set apart");
    assert!(
        r.permissions.missing.is_empty(),
        "never missing: {:?}",
        r.permissions
    );
}
