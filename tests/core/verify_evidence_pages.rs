//! No false red from pages (issue 13 §3): in a background check, an HTML page, a redirect,
//! a dropped connection or a 403 that is not the provider's JSON says nothing about the key,
//! for every provider: it is "couldn't check", never a rejected key, a wrong company or a
//! missing permission, while the provider's own JSON answers still judge. When linking too,
//! a 403 page is a firewall or a proxy (blocked), not a refused key. A captive portal or a
//! company proxy in front of a provider must not turn a working account red.
//!
//! The test credentials and working tenants (`everyone`) are in `verify_evidence`.

use keystep_core::Code;
use keystep_emulator::{Fault, HumaansTenant, JazzhrRejection, NamelyTenant, UnknownSubdomain};

use crate::cases::{run_case, run_cases, Case};
use crate::verify_evidence::{everyone, namely_site, no_verdict, page, who, HUMAANS, NAMELY};

/// What a background check of Namely concludes from pages, beside Namely's own JSON
/// verdicts, which still count.
fn namely_checks() -> Vec<Case> {
    vec![
        Case {
            name: "Namely's company check answers a page",
            setup: |e| {
                namely_site(e);
                e.fault("namely", "/companies/info", Fault::NotJson);
            },
            code: Some(Code::UnexpectedResponse),
            more: no_verdict,
            ..Case::NOTHING_ELSE
        },
        Case {
            name: "Namely's company check answers a redirect page",
            setup: |e| {
                namely_site(e);
                e.fault("namely", "/companies/info", page(302));
            },
            code: Some(Code::UnexpectedResponse),
            more: no_verdict,
            ..Case::NOTHING_ELSE
        },
        Case {
            name: "Namely's company check answers an empty redirect",
            setup: |e| e.namely_unknown_subdomain(UnknownSubdomain::Redirect),
            code: Some(Code::UnexpectedResponse),
            more: no_verdict,
            ..Case::NOTHING_ELSE
        },
        Case {
            name: "Namely's company check answers a 404 page",
            setup: |e| e.namely_unknown_subdomain(UnknownSubdomain::NotFoundHtml),
            code: Some(Code::UnexpectedResponse),
            more: no_verdict,
            ..Case::NOTHING_ELSE
        },
        Case {
            name: "Namely's company check answers a landing page",
            setup: |e| e.namely_unknown_subdomain(UnknownSubdomain::LandingPage),
            code: Some(Code::UnexpectedResponse),
            more: no_verdict,
            ..Case::NOTHING_ELSE
        },
        Case {
            name: "Namely's token check answers a 403 page",
            setup: |e| {
                namely_site(e);
                e.fault("namely", "/profiles/me", page(403));
            },
            code: Some(Code::Blocked),
            more: no_verdict,
            ..Case::NOTHING_ELSE
        },
        Case {
            name: "Namely's token check answers a 401 page",
            setup: |e| {
                namely_site(e);
                e.fault("namely", "/profiles/me", page(401));
            },
            code: Some(Code::UnexpectedResponse),
            more: no_verdict,
            ..Case::NOTHING_ELSE
        },
        // Namely's own words still judge the site.
        Case {
            name: "Namely says, in JSON, that the site does not exist",
            setup: |e| e.namely_unknown_subdomain(UnknownSubdomain::NotFoundJson),
            code: Some(Code::WrongTenant),
            ..Case::NOTHING_ELSE
        },
        Case {
            name: "Namely names another company",
            setup: |e| {
                e.add_namely(
                    "acme",
                    NamelyTenant::full("Acme Inc.", NAMELY, 12).with_permalink("acme-holdings"),
                );
            },
            code: Some(Code::WrongTenant),
            ..Case::NOTHING_ELSE
        },
    ]
}

/// The same for JazzHR.
fn jazzhr_checks() -> Vec<Case> {
    vec![
        Case {
            name: "JazzHR answers a 403 page",
            setup: |e| {
                everyone(e);
                e.fault("jazzhr", "/users", page(403));
            },
            code: Some(Code::Blocked),
            more: no_verdict,
            ..Case::NOTHING_ELSE
        },
        Case {
            name: "JazzHR hangs up",
            setup: |e| {
                everyone(e);
                e.fault("jazzhr", "/users", Fault::Hangup);
            },
            code: Some(Code::Unreachable),
            more: no_verdict,
            ..Case::NOTHING_ELSE
        },
        // JazzHR's own words still judge the key.
        Case {
            name: "JazzHR refuses the key with its JSON 403",
            setup: |e| e.jazzhr_rejection(JazzhrRejection::Forbidden),
            code: Some(Code::BadCredentials),
            ..Case::NOTHING_ELSE
        },
    ]
}

/// The same for PayFit.
fn payfit_checks() -> Vec<Case> {
    vec![Case {
        name: "PayFit's introspection answers a 403 page",
        setup: |e| {
            everyone(e);
            e.fault("payfit", "/introspect", page(403));
        },
        code: Some(Code::Blocked),
        more: no_verdict,
        ..Case::NOTHING_ELSE
    }]
}

/// The same for Humaans.
fn humaans_checks() -> Vec<Case> {
    vec![
        Case {
            name: "Humaans' token-info answers a 403 page",
            setup: |e| {
                everyone(e);
                e.fault("humaans", "/token-info", page(403));
            },
            code: Some(Code::Blocked),
            more: no_verdict,
            ..Case::NOTHING_ELSE
        },
        Case {
            name: "a Humaans permission probe answers a 403 page",
            setup: |e| {
                e.add_humaans(
                    HUMAANS,
                    HumaansTenant::full("Acme Ltd", 9).without_token_info(),
                );
                e.fault("humaans", "/documents", page(403));
            },
            code: Some(Code::Blocked),
            more: no_verdict,
            ..Case::NOTHING_ELSE
        },
    ]
}

/// The same for HiBob.
fn hibob_checks() -> Vec<Case> {
    vec![Case {
        name: "HiBob answers a 403 page",
        setup: |e| {
            everyone(e);
            e.fault("hibob", "/company/people/fields", page(403));
        },
        code: Some(Code::Blocked),
        more: no_verdict,
        ..Case::NOTHING_ELSE
    }]
}

/// The same for the providers of issue 22: a page at BambooHR's site, a page refusing
/// Greenhouse's client credentials, a firewall in front of Ashby.
fn issue_22_checks() -> Vec<(&'static str, Case)> {
    let no_verdict_case = |name, setup, code| Case {
        name,
        setup,
        code: Some(code),
        more: no_verdict,
        ..Case::NOTHING_ELSE
    };
    vec![
        (
            "bamboohr",
            no_verdict_case(
                "BambooHR's employee list answers a page",
                |e| {
                    everyone(e);
                    e.fault("bamboohr", "/v1/employees", Fault::NotJson);
                },
                Code::UnexpectedResponse,
            ),
        ),
        (
            "bamboohr",
            no_verdict_case(
                "BambooHR answers a 401 page without its header",
                |e| {
                    everyone(e);
                    e.fault("bamboohr", "/v1/employees", page(401));
                },
                Code::UnexpectedResponse,
            ),
        ),
        (
            "greenhouse",
            no_verdict_case(
                "Greenhouse's token endpoint answers a 401 page",
                |e| {
                    everyone(e);
                    e.fault("greenhouse", "/token", page(401));
                },
                Code::UnexpectedResponse,
            ),
        ),
        (
            "greenhouse",
            no_verdict_case(
                "Harvest answers a 403 page",
                |e| {
                    everyone(e);
                    e.fault("greenhouse", "/users", page(403));
                },
                Code::Blocked,
            ),
        ),
        (
            "ashby",
            no_verdict_case(
                "Ashby answers a 403 page",
                |e| {
                    everyone(e);
                    e.fault("ashby", "/apiKey.info", page(403));
                },
                Code::Blocked,
            ),
        ),
        (
            "personio",
            no_verdict_case(
                "Personio's token endpoint answers a 401 page",
                |e| {
                    everyone(e);
                    e.fault("personio", "/v2/auth/token", page(401));
                },
                Code::UnexpectedResponse,
            ),
        ),
        (
            "personio",
            no_verdict_case(
                "Personio's persons list answers a 403 page",
                |e| {
                    everyone(e);
                    e.fault("personio", "/v2/persons", page(403));
                },
                Code::Blocked,
            ),
        ),
        (
            "lever",
            no_verdict_case(
                "Lever answers a 401 page",
                |e| {
                    everyone(e);
                    e.fault("lever", "/users", page(401));
                },
                Code::UnexpectedResponse,
            ),
        ),
        (
            "lever",
            no_verdict_case(
                "Lever answers a 403 page",
                |e| {
                    everyone(e);
                    e.fault("lever", "/opportunities", page(403));
                },
                Code::Blocked,
            ),
        ),
        (
            "workable",
            no_verdict_case(
                "Workable's account endpoint answers a page",
                |e| {
                    everyone(e);
                    e.fault("workable", "/accounts/acme", Fault::NotJson);
                },
                Code::UnexpectedResponse,
            ),
        ),
        (
            "workable",
            no_verdict_case(
                "Workable answers a 401 page",
                |e| {
                    everyone(e);
                    e.fault("workable", "/accounts/acme", page(401));
                },
                Code::UnexpectedResponse,
            ),
        ),
        (
            "teamtailor",
            no_verdict_case(
                "Teamtailor answers a 401 page",
                |e| {
                    everyone(e);
                    e.fault("teamtailor", "/company", page(401));
                },
                Code::UnexpectedResponse,
            ),
        ),
        (
            "teamtailor",
            no_verdict_case(
                "Teamtailor's candidates answer a 403 page",
                |e| {
                    everyone(e);
                    e.fault("teamtailor", "/candidates", page(403));
                },
                Code::Blocked,
            ),
        ),
        (
            "factorial",
            no_verdict_case(
                "Factorial answers a 401 page",
                |e| {
                    everyone(e);
                    e.fault("factorial", "/companies/legal_entities", page(401));
                },
                Code::UnexpectedResponse,
            ),
        ),
        (
            "deel",
            no_verdict_case(
                "Deel answers a 401 page",
                |e| {
                    everyone(e);
                    e.fault("deel", "/organizations", page(401));
                },
                Code::UnexpectedResponse,
            ),
        ),
        (
            "deel",
            no_verdict_case(
                "Deel's people list answers a 403 page",
                |e| {
                    everyone(e);
                    e.fault("deel", "/people", page(403));
                },
                Code::Blocked,
            ),
        ),
        (
            "rippling",
            no_verdict_case(
                "Rippling answers a 401 page",
                |e| {
                    everyone(e);
                    e.fault("rippling", "/companies", page(401));
                },
                Code::UnexpectedResponse,
            ),
        ),
    ]
}

#[tokio::test]
async fn pages_and_foreign_403s_never_judge_a_key_in_a_check() {
    for (provider, case) in issue_22_checks() {
        run_case(&who(provider).checking(), &case).await;
    }
    for (provider, cases) in [
        ("namely", namely_checks()),
        ("jazzhr", jazzhr_checks()),
        ("payfit", payfit_checks()),
        ("humaans", humaans_checks()),
        ("hibob", hibob_checks()),
    ] {
        run_cases(&who(provider).checking(), cases).await;
    }
}

/// A 403 that is not the provider's JSON is a firewall or a proxy, when linking too.
#[tokio::test]
async fn a_403_page_is_blocked_when_linking_too() {
    let blocked = |name, setup| Case {
        name,
        setup,
        code: Some(Code::Blocked),
        ..Case::NOTHING_ELSE
    };
    for (provider, case) in [
        (
            "jazzhr",
            blocked("a 403 page on /users", |e| {
                everyone(e);
                e.fault("jazzhr", "/users", page(403));
            }),
        ),
        (
            "payfit",
            blocked("a 403 page on /introspect", |e| {
                everyone(e);
                e.fault("payfit", "/introspect", page(403));
            }),
        ),
        (
            "humaans",
            blocked("a 403 page on /token-info", |e| {
                everyone(e);
                e.fault("humaans", "/token-info", page(403));
            }),
        ),
        (
            "namely",
            blocked("a 403 page on /profiles/me", |e| {
                everyone(e);
                e.fault("namely", "/profiles/me", page(403));
            }),
        ),
    ] {
        run_case(&who(provider), &case).await;
    }
}
