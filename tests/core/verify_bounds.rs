//! The engine fails closed (issue 13 §7): without Keystep's own HTTP client nothing is sent,
//! answers are read up to a bound and no further, and a value captured from an answer
//! cannot steer a later, authenticated request to another path: the request is not sent.

use std::sync::Arc;

use keystep_core::clock::ManualClock;
use keystep_core::verify::{Purpose, Verifier};
use keystep_core::Code;
use keystep_emulator::{Emulator, Fault, HibobTenant, HumaansTenant, PayfitTenant};
use serde_json::json;

use crate::support::{assert_no_secret, catalogue, creds, hosts_for, verify};

const HIBOB_ID: &str = "SERVICE-7777";
const HIBOB: &str = "HbBoundsTok3nCanary00000000000077";
const PAYFIT: &str = "PfBoundsKeyCanary000000000000077";
const HUMAANS: &str = "HmBoundsTok3nCanary0000000000077";

/// A client that cannot be built (here: a user agent no header can carry) is an error,
/// never a fallback to a default client, which would follow redirects and never time out.
#[tokio::test]
async fn a_client_that_cannot_be_built_sends_nothing_and_says_so() {
    let emu = Emulator::start();
    emu.add_humaans(HUMAANS, HumaansTenant::full("Acme Ltd", 4));
    let broken = reqwest::Client::builder().user_agent("Keystep\n");
    let v = Verifier::from_builder(
        broken,
        hosts_for(&emu),
        Arc::new(ManualClock::at(1_700_000_000)),
    );
    let cat = catalogue();
    for purpose in [Purpose::Link, Purpose::Check] {
        let r = v
            .verify(
                cat.get("humaans").expect("humaans"),
                &creds("humaans", &[("api_token", HUMAANS)]),
                purpose,
                &|_| {},
            )
            .await;
        assert_eq!(r.code, Some(Code::Internal), "{purpose:?}: {r:?}");
        assert!(
            r.message.contains("HTTP client"),
            "{purpose:?}: the message says what failed: {}",
            r.message
        );
        assert_no_secret(&r, HUMAANS);
    }
    assert!(
        emu.requests().is_empty(),
        "nothing was sent: {:?}",
        emu.requests()
    );
}

/// What the emulator offers: far more than any answer should be, and far more than the
/// bound plus what the kernel's socket buffers can hold.
const OFFERED: u64 = 256 << 20;

// Several threads: the client's connection task must run (and close the connection) while
// this thread waits for the emulator's flood to end.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_past_the_bound_is_unexpected_and_not_read_whole() {
    for declare_length in [false, true] {
        let emu = Emulator::start();
        emu.add_payfit(PAYFIT, PayfitTenant::full("Acme SAS", 9));
        emu.fault(
            "payfit",
            "/introspect",
            Fault::Flood {
                bytes: OFFERED,
                declare_length,
            },
        );
        let r = verify(&emu, "payfit", &[("api_key", PAYFIT)]).await;
        let case = if declare_length {
            "with Content-Length"
        } else {
            "without Content-Length"
        };
        assert_eq!(
            r.code,
            Some(Code::UnexpectedResponse),
            "{case}: an answer past the bound: {r:?}"
        );
        assert!(
            r.message.contains("larger than"),
            "{case}: the message says the answer was too large: {}",
            r.message
        );
        let written = emu.flood_written();
        assert!(
            written < 64 << 20,
            "{case}: reading stopped near the bound, yet {written} of {OFFERED} bytes were taken"
        );
        assert_eq!(emu.requests().len(), 1, "{case}: nothing sent after it");
        assert_no_secret(&r, PAYFIT);
    }
}

/// Values HiBob might answer as its first employee's id, each of which would change the
/// path of the authenticated payroll probe (or be no id at all).
const STEERING: &[&str] = &[
    "..", ".", "a/b", "x?y", "x#y", "%2e%2e", "a\\b", "a\nb", "a\u{7f}b",
];

#[tokio::test]
async fn a_captured_value_cannot_steer_a_hibob_probe() {
    for id in STEERING {
        let emu = Emulator::start();
        emu.add_hibob(HibobTenant::full(HIBOB_ID, HIBOB, 3));
        emu.fault(
            "hibob",
            "/people/search",
            Fault::Status {
                status: 200,
                body: json!({ "employees": [{ "id": id }] }),
                retry_after: None,
            },
        );
        let r = verify(
            &emu,
            "hibob",
            &[("service_user_id", HIBOB_ID), ("service_user_token", HIBOB)],
        )
        .await;
        assert_eq!(
            r.code,
            Some(Code::UnexpectedResponse),
            "employee id {id:?}: refused, not used: {r:?}"
        );
        let paths: Vec<String> = emu.requests().iter().map(|q| q.path.clone()).collect();
        assert_eq!(
            paths,
            ["/company/people/fields", "/people/search"],
            "employee id {id:?}: the steered request never arrived"
        );
        assert_no_secret(&r, HIBOB);
    }
}

#[tokio::test]
async fn a_captured_value_cannot_steer_a_payfit_request() {
    for id in ["..", "x/../../oauth/introspect"] {
        let emu = Emulator::start();
        emu.add_payfit(PAYFIT, PayfitTenant::full("Acme SAS", 9));
        emu.fault(
            "payfit",
            "/introspect",
            Fault::Status {
                status: 200,
                body: json!({ "active": true, "company_id": id, "scope": "company:read" }),
                retry_after: None,
            },
        );
        let r = verify(&emu, "payfit", &[("api_key", PAYFIT)]).await;
        assert_eq!(
            r.code,
            Some(Code::UnexpectedResponse),
            "company id {id:?}: refused, not used: {r:?}"
        );
        let paths: Vec<String> = emu.requests().iter().map(|q| q.path.clone()).collect();
        assert_eq!(
            paths,
            ["/introspect"],
            "company id {id:?}: the steered request never arrived"
        );
    }
}
