//! No false red (issue 13 §3): only an answer that provably comes from the provider judges a
//! key. In a background check, a DNS, connection or TLS failure, a page (HTML, a redirect),
//! or a 403 that is not the provider's JSON is "couldn't check", never a rejected key, a
//! wrong company or a missing permission; when linking, a Namely site that does not exist
//! is told apart from a machine without network. And a success must prove something: a
//! chain that never learnt whose key it is does not link it.

use std::sync::Arc;
use std::time::Duration;

use keystep_core::account::{Accounts, BookStore, MemoryBookStore, Status};
use keystep_core::clock::{Clock, ManualClock};
use keystep_core::hosts::Hosts;
use keystep_core::vault::{MemoryVault, Vault};
use keystep_core::Code;
use keystep_emulator::{
    Emulator, Fault, HibobTenant, HumaansTenant, JazzhrAccount, JazzhrRejection, NamelyTenant,
    PayfitTenant, UnknownSubdomain,
};
use serde_json::{json, Value};

use crate::support::{
    assert_no_secret, catalogue, check, check_with, raw, verifier_for, verifier_resolving, verify,
    verify_with,
};

const NAMELY: &str = "NmEvidenceTok3nCanary00000042";
const JAZZ: &str = "JzEvidenceKeyCanary0000000042";
const PAYFIT: &str = "PfEvidenceKeyCanary0000000042";
const HUMAANS: &str = "HmEvidenceTok3nCanary00000042";
const HIBOB_ID: &str = "SERVICE-4242";
const HIBOB: &str = "HbEvidenceTok3nCanary000000000042";

fn namely_site(e: &Emulator) {
    e.add_namely("acme", NamelyTenant::full("Acme Inc.", NAMELY, 12));
}

fn page(status: u16) -> Fault {
    Fault::Page {
        status,
        retry_after: None,
    }
}

fn answer(status: u16, body: Value) -> Fault {
    Fault::Status {
        status,
        body,
        retry_after: None,
    }
}

fn pairs(provider: &str) -> Vec<(&'static str, &'static str)> {
    match provider {
        "namely" => vec![("subdomain", "acme"), ("access_token", NAMELY)],
        "jazzhr" => vec![("api_key", JAZZ)],
        "payfit" => vec![("api_key", PAYFIT)],
        "humaans" => vec![("api_token", HUMAANS)],
        "hibob" => vec![("service_user_id", HIBOB_ID), ("service_user_token", HIBOB)],
        other => panic!("no test credentials for {other}"),
    }
}

fn secret(provider: &str) -> &'static str {
    pairs(provider)
        .iter()
        .rev()
        .map(|(_, v)| *v)
        .next()
        .expect("a secret")
}

/// Every provider with a working tenant for its test credentials.
fn everyone(e: &Emulator) {
    namely_site(e);
    e.add_jazzhr(JAZZ, JazzhrAccount::with_users("owner@acme.example", 3));
    e.add_payfit(PAYFIT, PayfitTenant::full("Acme SAS", 9));
    e.add_humaans(HUMAANS, HumaansTenant::full("Acme Ltd", 9));
    e.add_hibob(HibobTenant::full(HIBOB_ID, HIBOB, 9));
}

/// Codes that say the key or the company is wrong: what turns an account red or yellow.
fn is_verdict(code: Option<Code>) -> bool {
    matches!(
        code,
        Some(Code::BadCredentials | Code::WrongTenant | Code::MissingPermission)
    )
}

#[tokio::test]
async fn namely_link_tells_a_missing_site_from_no_network() {
    let pairs = [("subdomain", "nosuchco"), ("access_token", NAMELY)];
    // Only the company's own address fails: Namely has no such site.
    let r = verify_with(&verifier_resolving(&["namely.com"]), "namely", &pairs).await;
    assert_eq!(
        r.code,
        Some(Code::WrongTenant),
        "namely.com resolves and nosuchco.namely.com does not: {r:?}"
    );
    assert!(
        r.message.contains("nosuchco.namely.com"),
        "the message names the address tried: {}",
        r.message
    );
    assert_no_secret(&r, NAMELY);
    // Nothing resolves: the machine is offline, which says nothing about the subdomain.
    let r = verify_with(&verifier_resolving(&[]), "namely", &pairs).await;
    assert_eq!(
        r.code,
        Some(Code::Unreachable),
        "no name resolves at all, so there is no network: {r:?}"
    );
    assert!(
        r.message.contains("namely.com") && r.message.contains("internet connection"),
        "the message says no Namely address could be looked up, and what to check: {}",
        r.message
    );
    assert_no_secret(&r, NAMELY);
}

#[tokio::test]
async fn a_check_never_reads_a_dns_failure_as_a_wrong_site() {
    let pairs = [("subdomain", "acme"), ("access_token", NAMELY)];
    for known in [&[][..], &["namely.com"][..]] {
        let r = check_with(&verifier_resolving(known), "namely", &pairs).await;
        assert_eq!(
            r.code,
            Some(Code::Unreachable),
            "a background check with only {known:?} resolving: {r:?}"
        );
    }
}

/// The review's finding 2: a Namely account linked while online, checked when no name
/// resolves (at login, before the Wi-Fi is up), stays green and records the trouble.
#[tokio::test]
async fn a_namely_account_checked_without_network_stays_ok() {
    let emu = Emulator::start();
    namely_site(&emu);
    let vault: Arc<dyn Vault> = Arc::new(MemoryVault::default());
    let store: Arc<dyn BookStore> = Arc::new(MemoryBookStore::default());
    let clock = Arc::new(ManualClock::at(1_700_000_000));
    let open = |verifier| {
        Accounts::open(
            catalogue(),
            verifier,
            Arc::clone(&vault),
            Arc::clone(&store),
            Arc::clone(&clock) as Arc<dyn Clock>,
        )
        .expect("the book opens")
    };
    let online = open(verifier_for(&emu, Duration::from_secs(5)));
    let linked = online
        .link("namely", raw(&pairs("namely")), &|_| {})
        .await
        .expect("the site and token work");
    let id = linked.account.id.clone();
    // As if it had been linked against Namely itself: the key may go to the production
    // hosts the offline verifier uses (a key goes only where it was verified).
    let mut book = store.load().expect("the saved book");
    let account = book
        .accounts
        .iter_mut()
        .find(|a| a.id == id)
        .expect("the linked account");
    account.verified_hosts =
        Hosts::production().bases_for(catalogue().get("namely").expect("namely"), &account.fields);
    store.save(&book).expect("saved");
    clock.advance(Duration::from_secs(7 * 3600));
    let offline = open(verifier_resolving(&[]));
    let checked = offline.check(&id, &|_| {}).await.expect("the check runs");
    assert_eq!(
        checked.status,
        Status::Ok,
        "no network is no verdict on the key: {checked:?}"
    );
    assert_eq!(
        checked.couldnt_check.map(|t| t.code),
        Some(Code::Unreachable),
        "the trouble is kept beside the status: {checked:?}"
    );
}

struct Case {
    name: &'static str,
    provider: &'static str,
    setup: fn(&Emulator),
    code: Code,
}

/// What a background check concludes from pages, foreign 403s and broken connections,
/// beside the provider's own JSON verdicts, which still count.
fn check_cases() -> Vec<Case> {
    vec![
        Case {
            name: "Namely's company check answers a page",
            provider: "namely",
            setup: |e| {
                namely_site(e);
                e.fault("namely", "/companies/info", Fault::NotJson);
            },
            code: Code::UnexpectedResponse,
        },
        Case {
            name: "Namely's company check answers a redirect page",
            provider: "namely",
            setup: |e| {
                namely_site(e);
                e.fault("namely", "/companies/info", page(302));
            },
            code: Code::UnexpectedResponse,
        },
        Case {
            name: "Namely's company check answers an empty redirect",
            provider: "namely",
            setup: |e| e.namely_unknown_subdomain(UnknownSubdomain::Redirect),
            code: Code::UnexpectedResponse,
        },
        Case {
            name: "Namely's company check answers a 404 page",
            provider: "namely",
            setup: |e| e.namely_unknown_subdomain(UnknownSubdomain::NotFoundHtml),
            code: Code::UnexpectedResponse,
        },
        Case {
            name: "Namely's company check answers a landing page",
            provider: "namely",
            setup: |e| e.namely_unknown_subdomain(UnknownSubdomain::LandingPage),
            code: Code::UnexpectedResponse,
        },
        Case {
            name: "Namely's token check answers a 403 page",
            provider: "namely",
            setup: |e| {
                namely_site(e);
                e.fault("namely", "/profiles/me", page(403));
            },
            code: Code::Blocked,
        },
        Case {
            name: "Namely's token check answers a 401 page",
            provider: "namely",
            setup: |e| {
                namely_site(e);
                e.fault("namely", "/profiles/me", page(401));
            },
            code: Code::UnexpectedResponse,
        },
        Case {
            name: "JazzHR answers a 403 page",
            provider: "jazzhr",
            setup: |e| {
                everyone(e);
                e.fault("jazzhr", "/users", page(403));
            },
            code: Code::Blocked,
        },
        Case {
            name: "PayFit's introspection answers a 403 page",
            provider: "payfit",
            setup: |e| {
                everyone(e);
                e.fault("payfit", "/introspect", page(403));
            },
            code: Code::Blocked,
        },
        Case {
            name: "Humaans' token-info answers a 403 page",
            provider: "humaans",
            setup: |e| {
                everyone(e);
                e.fault("humaans", "/token-info", page(403));
            },
            code: Code::Blocked,
        },
        Case {
            name: "a Humaans permission probe answers a 403 page",
            provider: "humaans",
            setup: |e| {
                e.add_humaans(
                    HUMAANS,
                    HumaansTenant::full("Acme Ltd", 9).without_token_info(),
                );
                e.fault("humaans", "/documents", page(403));
            },
            code: Code::Blocked,
        },
        Case {
            name: "HiBob answers a 403 page",
            provider: "hibob",
            setup: |e| {
                everyone(e);
                e.fault("hibob", "/company/people/fields", page(403));
            },
            code: Code::Blocked,
        },
        Case {
            name: "JazzHR hangs up",
            provider: "jazzhr",
            setup: |e| {
                everyone(e);
                e.fault("jazzhr", "/users", Fault::Hangup);
            },
            code: Code::Unreachable,
        },
        // The provider's own words still judge the key.
        Case {
            name: "JazzHR refuses the key with its JSON 403",
            provider: "jazzhr",
            setup: |e| e.jazzhr_rejection(JazzhrRejection::Forbidden),
            code: Code::BadCredentials,
        },
        Case {
            name: "Namely says, in JSON, that the site does not exist",
            provider: "namely",
            setup: |e| e.namely_unknown_subdomain(UnknownSubdomain::NotFoundJson),
            code: Code::WrongTenant,
        },
        Case {
            name: "Namely names another company",
            provider: "namely",
            setup: |e| {
                e.add_namely(
                    "acme",
                    NamelyTenant::full("Acme Inc.", NAMELY, 12).with_permalink("acme-holdings"),
                );
            },
            code: Code::WrongTenant,
        },
    ]
}

#[tokio::test]
async fn pages_and_foreign_403s_never_judge_a_key_in_a_check() {
    for case in check_cases() {
        let emu = Emulator::start();
        (case.setup)(&emu);
        let r = check(&emu, case.provider, &pairs(case.provider)).await;
        assert_eq!(
            r.code,
            Some(case.code),
            "{}: outcome; report {r:?}",
            case.name
        );
        if !is_verdict(Some(case.code)) {
            assert!(
                r.code.is_some_and(|c| !is_verdict(Some(c))),
                "{}: no verdict on the key from this answer: {r:?}",
                case.name
            );
        }
        assert_no_secret(&r, secret(case.provider));
    }
}

/// A 403 that is not the provider's JSON is a firewall or a proxy, when linking too.
#[tokio::test]
async fn a_403_page_is_blocked_when_linking_too() {
    for (provider, path) in [
        ("jazzhr", "/users"),
        ("payfit", "/introspect"),
        ("humaans", "/token-info"),
        ("namely", "/profiles/me"),
    ] {
        let emu = Emulator::start();
        everyone(&emu);
        emu.fault(provider, path, page(403));
        let r = verify(&emu, provider, &pairs(provider)).await;
        assert_eq!(
            r.code,
            Some(Code::Blocked),
            "{provider}: a 403 page on {path} is not a verdict on the key: {r:?}"
        );
        assert_no_secret(&r, secret(provider));
    }
}

/// A TLS failure (here: TLS spoken to a plain HTTP server) is no answer at all.
#[tokio::test]
async fn a_tls_failure_is_unreachable_in_a_check() {
    let emu = Emulator::start();
    everyone(&emu);
    let env: std::collections::BTreeMap<String, String> = emu
        .env()
        .into_iter()
        .map(|(k, v)| (k, v.replacen("http://", "https://", 1)))
        .collect();
    let hosts = keystep_core::hosts::Hosts::from_lookup(catalogue().all(), |v| env.get(v).cloned())
        .expect("https overrides are allowed");
    let v = keystep_core::verify::Verifier::from_builder(
        keystep_core::verify::client_builder(Duration::from_secs(5)),
        hosts,
        Arc::new(ManualClock::at(1_700_000_000)),
    );
    for provider in ["jazzhr", "namely"] {
        let r = check_with(&v, provider, &pairs(provider)).await;
        assert_eq!(
            r.code,
            Some(Code::Unreachable),
            "{provider}: a failed TLS handshake: {r:?}"
        );
    }
    assert!(
        emu.requests().is_empty(),
        "no request was read by the plain HTTP server"
    );
}

struct Unproven {
    provider: &'static str,
    setup: fn(&Emulator),
    /// What the message says was seen.
    says: &'static str,
}

/// For every provider, an answer that leaves open whose key it is.
fn unproven() -> Vec<Unproven> {
    vec![
        Unproven {
            provider: "payfit",
            setup: |e| {
                everyone(e);
                e.fault(
                    "payfit",
                    "/introspect",
                    answer(200, json!({"active": true})),
                );
            },
            says: "did not say which",
        },
        Unproven {
            provider: "humaans",
            setup: |e| {
                everyone(e);
                e.fault(
                    "humaans",
                    "/me",
                    answer(200, json!({"email": "owner@example.test"})),
                );
            },
            says: "did not say which",
        },
        Unproven {
            provider: "namely",
            setup: |e| {
                everyone(e);
                e.fault(
                    "namely",
                    "/companies/info",
                    answer(200, json!({"name": "Acme Inc."})),
                );
            },
            says: "did not name",
        },
        Unproven {
            provider: "jazzhr",
            setup: |e| {
                everyone(e);
                e.fault("jazzhr", "/users", answer(200, json!([])));
            },
            says: "empty list of users",
        },
        Unproven {
            provider: "jazzhr",
            setup: |e| {
                everyone(e);
                e.fault("jazzhr", "/users", answer(200, json!({})));
            },
            says: "empty list of users",
        },
    ]
}

#[tokio::test]
async fn a_success_must_prove_whose_key_it_is() {
    for case in unproven() {
        let emu = Emulator::start();
        (case.setup)(&emu);
        let p = case.provider;
        let r = verify(&emu, p, &pairs(p)).await;
        assert_eq!(
            r.code,
            Some(Code::UnexpectedResponse),
            "{p}: an answer that leaves open whose key it is: {r:?}"
        );
        assert!(!r.ok, "{p}: not a success");
        assert!(
            r.message.contains(case.says),
            "{p}: the message says what was seen ({:?}): {}",
            case.says,
            r.message
        );
        assert_no_secret(&r, secret(p));
    }
    // Every provider's working chain does name its tenant (JazzHR names none: its proof is
    // the key owner in the list).
    let emu = Emulator::start();
    everyone(&emu);
    for (p, tenant) in [
        ("payfit", Some("5f1e2d3c4b5a69788796a5b4")),
        ("humaans", Some("cmp_8Xq2")),
        ("namely", Some("acme")),
        ("hibob", Some("production/SERVICE-4242")),
        ("jazzhr", None),
    ] {
        let r = verify(&emu, p, &pairs(p)).await;
        assert!(r.ok, "{p}: the working chain verifies: {r:?}");
        assert_eq!(r.tenant.as_deref(), tenant, "{p}: the tenant it proved");
    }
}
