//! No false red (issue 13 §3): only an answer that provably comes from the provider judges a
//! key. In a background check, a DNS, connection or TLS failure is "couldn't check", never a
//! rejected key, a wrong company or a missing permission; when linking, a Namely site that
//! does not exist is told apart from a machine without network. And a success must prove
//! something: a chain that never learnt whose key it is does not link it.
//!
//! Every provider's test credentials and working tenant (`pairs`, `everyone`) are kept here;
//! pages and foreign 403s, provider by provider, are judged in `verify_evidence_pages`.

use std::sync::Arc;
use std::time::Duration;

use keystep_core::account::{Accounts, BookStore, MemoryBookStore, Status};
use keystep_core::clock::{Clock, ManualClock};
use keystep_core::hosts::Hosts;
use keystep_core::vault::{MemoryVault, Vault};
use keystep_core::verify::Report;
use keystep_core::Code;
use keystep_emulator::{
    AshbyTenant, BamboohrTenant, DeelTenant, Emulator, FactorialTenant, Fault, GreenhouseTenant,
    HibobTenant, HumaansTenant, JazzhrAccount, LeverTenant, NamelyTenant, PayfitTenant,
    PersonioTenant, RipplingTenant, TeamtailorTenant, WorkableTenant,
};
use serde_json::{json, Value};

use crate::cases::{run_case, Case, Provider};
use crate::support::{
    assert_no_secret, catalogue, check_with, raw, verifier_for, verifier_resolving, verify,
    verify_with,
};

pub(crate) const NAMELY: &str = "NmEvidenceTok3nCanary00000042";
const JAZZ: &str = "JzEvidenceKeyCanary0000000042";
const PAYFIT: &str = "PfEvidenceKeyCanary0000000042";
pub(crate) const HUMAANS: &str = "HmEvidenceTok3nCanary00000042";
const HIBOB_ID: &str = "SERVICE-4242";
const HIBOB: &str = "HbEvidenceTok3nCanary000000000042";
const BAMBOO: &str = "b0e1d2c3b4a5968778695a4b3c2d1e0f00000042";
const GH_ID: &str = "gh-evidence-42";
const GREENHOUSE: &str = "GhEvidenceSecretCanary000000042";
const ASHBY: &str = "AbEvidenceKeyCanary000000000042";
const PIO_ID: &str = "papi-evidence-42";
const PERSONIO: &str = "papi-PioEvidenceSecretCanary00042";
const LEVER: &str = "LvEvidenceKeyCanary000000000042";
const WORKABLE: &str = "WkEvidenceTok3nCanary00000000042";
const TEAMTAILOR: &str = "TtEvidenceKeyCanary000000000042";
const FACTORIAL: &str = "FcEvidenceKeyCanary000000000042";
const DEEL: &str = "DlEvidenceTok3nCanary00000000042";
const RIPPLING: &str = "RpEvidenceTok3nCanary00000000042";

pub(crate) fn namely_site(e: &Emulator) {
    e.add_namely("acme", NamelyTenant::full("Acme Inc.", NAMELY, 12));
}

pub(crate) fn page(status: u16) -> Fault {
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
        "bamboohr" => vec![("subdomain", "acme"), ("api_key", BAMBOO)],
        "greenhouse" => vec![("client_id", GH_ID), ("client_secret", GREENHOUSE)],
        "ashby" => vec![("api_key", ASHBY)],
        "personio" => vec![("client_id", PIO_ID), ("client_secret", PERSONIO)],
        "lever" => vec![("api_key", LEVER)],
        "workable" => vec![("subdomain", "acme"), ("access_token", WORKABLE)],
        "teamtailor" => vec![("api_key", TEAMTAILOR)],
        "factorial" => vec![("api_key", FACTORIAL)],
        "deel" => vec![("api_token", DEEL)],
        "rippling" => vec![("api_token", RIPPLING)],
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
pub(crate) fn everyone(e: &Emulator) {
    namely_site(e);
    e.add_jazzhr(JAZZ, JazzhrAccount::with_users("owner@acme.example", 3));
    e.add_payfit(PAYFIT, PayfitTenant::full("Acme SAS", 9));
    e.add_humaans(HUMAANS, HumaansTenant::full("Acme Ltd", 9));
    e.add_hibob(HibobTenant::full(HIBOB_ID, HIBOB, 9));
    e.add_bamboohr(BamboohrTenant::full("acme", BAMBOO, "Acme Inc.", 9));
    e.add_greenhouse(GreenhouseTenant::full(GH_ID, GREENHOUSE));
    e.add_ashby(AshbyTenant::full(ASHBY));
    e.add_personio(PersonioTenant::full(PIO_ID, PERSONIO));
    e.add_lever(LeverTenant::full(LEVER));
    e.add_workable(WorkableTenant::full("acme", "Acme Recruiting", WORKABLE));
    e.add_teamtailor(TeamtailorTenant::full(TEAMTAILOR, "Acme AB"));
    e.add_factorial(FactorialTenant::new(FACTORIAL, "Acme Software S.L.", 9));
    e.add_deel(DeelTenant::full(DEEL, "Acme Global Inc."));
    e.add_rippling(RipplingTenant::full(RIPPLING, "Acme Corp"));
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

/// The review's finding 2: a Namely account linked while online, checked when its site's
/// name does not resolve (at login, before the Wi-Fi is up: nothing resolves; or a DNS
/// hiccup for that one name while namely.com still resolves), stays green and records the
/// trouble. The second case is the one only the background check's guard decides: a link
/// would read it as a site that does not exist (review 3, part 1 row 2).
#[tokio::test]
async fn a_namely_account_checked_without_network_stays_ok() {
    for resolving in [&[][..], &["namely.com"][..]] {
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
        account.verified_hosts = Hosts::production()
            .bases_for(catalogue().get("namely").expect("namely"), &account.fields);
        store.save(&book).expect("saved");
        clock.advance(Duration::from_secs(7 * 3600));
        let offline = open(verifier_resolving(resolving));
        let checked = offline.check(&id, &|_| {}).await.expect("the check runs");
        assert_eq!(
            checked.status,
            Status::Ok,
            "with only {resolving:?} resolving, no verdict on the key: {checked:?}"
        );
        assert_eq!(
            checked.couldnt_check.map(|t| t.code),
            Some(Code::Unreachable),
            "with only {resolving:?} resolving, the trouble is kept beside the status: {checked:?}"
        );
    }
}

/// The table runner's view of a provider: its test credentials, linking.
pub(crate) fn who(provider: &'static str) -> Provider {
    Provider::new(provider, &pairs(provider), secret(provider))
}

/// A page, a foreign 403 or a broken connection says nothing about the key.
pub(crate) fn no_verdict(r: &Report, case: &str) {
    assert!(
        r.code.is_some_and(|c| !is_verdict(Some(c))),
        "{case}: no verdict on the key from this answer: {r:?}"
    );
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
    for provider in [
        "jazzhr",
        "namely",
        "bamboohr",
        "greenhouse",
        "ashby",
        "personio",
        "lever",
        "workable",
        "teamtailor",
        "factorial",
        "deel",
        "rippling",
    ] {
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

/// For every provider, an answer that leaves open whose key it is: unexpected, never a
/// success, and the message says what was seen.
fn unproven() -> Vec<(&'static str, Case)> {
    let unproven = |name, setup, says| Case {
        name,
        setup,
        code: Some(Code::UnexpectedResponse),
        message_has: says,
        ..Case::NOTHING_ELSE
    };
    vec![
        (
            "payfit",
            unproven(
                "PayFit's introspection names no company",
                |e| {
                    everyone(e);
                    e.fault(
                        "payfit",
                        "/introspect",
                        answer(200, json!({"active": true})),
                    );
                },
                &["did not say which"],
            ),
        ),
        (
            "humaans",
            unproven(
                "Humaans' /me names no company",
                |e| {
                    everyone(e);
                    e.fault(
                        "humaans",
                        "/me",
                        answer(200, json!({"email": "owner@example.test"})),
                    );
                },
                &["did not say which"],
            ),
        ),
        (
            "namely",
            unproven(
                "Namely's company info has no permalink",
                |e| {
                    everyone(e);
                    e.fault(
                        "namely",
                        "/companies/info",
                        answer(200, json!({"name": "Acme Inc."})),
                    );
                },
                &["did not name"],
            ),
        ),
        (
            "jazzhr",
            unproven(
                "JazzHR lists no users (an empty array)",
                |e| {
                    everyone(e);
                    e.fault("jazzhr", "/users", answer(200, json!([])));
                },
                // The key belongs to the account, not to a user: no "key's owner".
                &["empty list of users", "at least one user."],
            ),
        ),
        (
            "jazzhr",
            unproven(
                "JazzHR lists no users (an empty object)",
                |e| {
                    everyone(e);
                    e.fault("jazzhr", "/users", answer(200, json!({})));
                },
                &["empty list of users", "at least one user."],
            ),
        ),
    ]
}

#[tokio::test]
async fn a_success_must_prove_whose_key_it_is() {
    for (provider, case) in unproven() {
        run_case(&who(provider), &case).await;
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
        ("bamboohr", Some("acme")),
        ("greenhouse", Some(GH_ID)),
        ("ashby", None),
        ("personio", Some(PIO_ID)),
        ("lever", None),
        ("workable", Some("acme")),
        ("teamtailor", Some("eu/4242")),
        ("factorial", Some("7001")),
        ("deel", Some("production/org-5150")),
        ("rippling", Some("5f3c0a9e")),
    ] {
        let r = verify(&emu, p, &pairs(p)).await;
        assert!(r.ok, "{p}: the working chain verifies: {r:?}");
        assert_eq!(r.tenant.as_deref(), tenant, "{p}: the tenant it proved");
    }
}
