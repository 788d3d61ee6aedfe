//! Shared set-up: a catalogue, a verifier pointed at an emulator, raw form values.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use keystep_core::clock::ManualClock;
use keystep_core::hosts::Hosts;
use keystep_core::input::{parse_fields, Credentials};
use keystep_core::verify::{client_builder, Purpose, Report, Verifier};
use keystep_emulator::Emulator;

/// A distinctive token that tests search for wherever a secret must not appear.
pub const TOKEN: &str = "HmNsTestTok3nZZ9qLeakCanary0001";

pub use crate::parts::{catalogue, hosts_for, raw, verifier_for};

pub fn creds(provider: &str, pairs: &[(&str, &str)]) -> Credentials {
    let cat = catalogue();
    parse_fields(cat.get(provider).expect("provider"), raw(pairs)).expect("valid input")
}

pub async fn verify(emu: &Emulator, provider: &str, pairs: &[(&str, &str)]) -> Report {
    let cat = catalogue();
    let v = verifier_for(emu, Duration::from_secs(5));
    v.verify(
        cat.get(provider).expect("provider"),
        &creds(provider, pairs),
        Purpose::Link,
        &|_| {},
    )
    .await
}

/// Verifies `provider` while linking, for the `read` purpose rather than the catalogue's
/// default.
pub async fn verify_read(emu: &Emulator, provider: &str, pairs: &[(&str, &str)]) -> Report {
    let cat = catalogue();
    verifier_for(emu, Duration::from_secs(5))
        .verify_for(
            cat.get(provider).expect("provider"),
            &creds(provider, pairs),
            "read",
            Purpose::Link,
            &|_| {},
        )
        .await
}

/// Asserts that a report met its purpose exactly: it succeeded, with no permission missing
/// and none granted beyond what the purpose needs.
pub fn assert_met_exactly(r: &Report, what: &str) {
    assert!(r.ok, "{what}: succeeded: {r:?}");
    assert!(
        r.permissions.missing.is_empty(),
        "{what}: nothing missing: {r:?}"
    );
    assert!(
        r.permissions.extra.is_empty(),
        "{what}: nothing extra: {r:?}"
    );
}

/// Asserts that no part of a report (message, Debug, JSON) contains `secret`.
pub fn assert_no_secret(report: &Report, secret: &str) {
    let debug = format!("{report:?}");
    let json = serde_json::to_string(report).expect("reports serialize");
    for (what, text) in [
        ("message", &report.message),
        ("Debug", &debug),
        ("JSON", &json),
    ] {
        assert!(
            !text.contains(secret),
            "the secret leaked into the report's {what}: {text}"
        );
    }
}

/// Where a request carried the credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthAt {
    /// Nowhere: no `Authorization` header and no key in the query.
    Nothing,
    /// `Authorization: Bearer <token>`.
    Bearer(String),
    /// `Authorization: Basic base64(user:password)`.
    Basic(String, String),
    /// A query parameter, and no `Authorization` header.
    Query(&'static str, String),
    /// A header of the vendor's (lowercase name) holding exactly this value, and no other
    /// `Authorization` header (Teamtailor's `Authorization: Token token=…`).
    Header(&'static str, String),
}

/// What a request's body had to be.
#[derive(Debug, Clone, PartialEq)]
pub enum BodyIs {
    /// No body.
    Empty,
    /// A JSON body equal to this, sent as `application/json`.
    Json(serde_json::Value),
    /// A form body with exactly these pairs, sent as `application/x-www-form-urlencoded`.
    Form(Vec<(&'static str, String)>),
}

/// One request a test expects, in order.
#[derive(Debug, Clone)]
pub struct Sent {
    pub method: &'static str,
    pub host: String,
    pub path: String,
    /// Query parameters other than a credential, exactly.
    pub query: Vec<(&'static str, &'static str)>,
    pub auth: AuthAt,
    pub body: BodyIs,
}

pub fn get(host: &str, path: &str, auth: AuthAt) -> Sent {
    Sent {
        method: "GET",
        host: host.to_string(),
        path: path.to_string(),
        query: Vec::new(),
        auth,
        body: BodyIs::Empty,
    }
}

pub fn post(host: &str, path: &str, auth: AuthAt, body: BodyIs) -> Sent {
    Sent {
        method: "POST",
        host: host.to_string(),
        path: path.to_string(),
        query: Vec::new(),
        auth,
        body,
    }
}

impl Sent {
    pub fn query(mut self, pairs: &[(&'static str, &'static str)]) -> Self {
        self.query = pairs.to_vec();
        self
    }
}

/// Asserts that the emulator saw exactly `expected`, in order: method, host, path, query,
/// where the credential went (and nowhere else), and the body.
pub fn assert_sent(emu: &Emulator, expected: &[Sent], case: &str) {
    use base64::Engine as _;
    let seen = emu.requests();
    let summary: Vec<String> = seen
        .iter()
        .map(|r| format!("{} {}{}", r.method, r.host, r.path))
        .collect();
    assert_eq!(
        seen.len(),
        expected.len(),
        "{case}: request count; saw {summary:?}"
    );
    for (i, (r, e)) in seen.iter().zip(expected).enumerate() {
        let at = format!("{case}: request {i} ({} {}{})", r.method, r.host, r.path);
        assert_eq!(r.method, e.method, "{at}: method");
        assert_eq!(r.host, e.host, "{at}: host");
        assert_eq!(r.path, e.path, "{at}: path");
        let authorization = r.headers.get("authorization").cloned();
        let mut query = r.query.clone();
        match &e.auth {
            AuthAt::Nothing => {
                assert_eq!(authorization, None, "{at}: no Authorization header");
            }
            AuthAt::Bearer(token) => {
                assert_eq!(
                    authorization.as_deref(),
                    Some(format!("Bearer {token}").as_str()),
                    "{at}: Bearer header"
                );
            }
            AuthAt::Basic(user, password) => {
                let pair =
                    base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
                assert_eq!(
                    authorization.as_deref(),
                    Some(format!("Basic {pair}").as_str()),
                    "{at}: Basic header"
                );
            }
            AuthAt::Header(name, value) => {
                assert_eq!(
                    r.headers.get(*name).map(String::as_str),
                    Some(value.as_str()),
                    "{at}: the key in `{name}`"
                );
                if *name != "authorization" {
                    assert_eq!(authorization, None, "{at}: no Authorization header");
                }
            }
            AuthAt::Query(param, key) => {
                assert_eq!(authorization, None, "{at}: the key rides only in the query");
                assert_eq!(
                    query.remove(*param).as_deref(),
                    Some(key.as_str()),
                    "{at}: key in `{param}`"
                );
            }
        }
        let want: BTreeMap<String, String> = e
            .query
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(query, want, "{at}: query parameters");
        let content_type = r.headers.get("content-type").cloned().unwrap_or_default();
        match &e.body {
            BodyIs::Empty => assert!(r.body.is_empty(), "{at}: no body, got {:?}", r.body),
            BodyIs::Json(v) => {
                assert!(
                    content_type.starts_with("application/json"),
                    "{at}: JSON content type, got {content_type:?}"
                );
                let got: serde_json::Value =
                    serde_json::from_str(&r.body).expect("the body is JSON");
                assert_eq!(&got, v, "{at}: JSON body");
            }
            BodyIs::Form(pairs) => {
                assert!(
                    content_type.starts_with("application/x-www-form-urlencoded"),
                    "{at}: form content type, got {content_type:?}"
                );
                let want: BTreeMap<String, String> = pairs
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.clone()))
                    .collect();
                assert_eq!(
                    keystep_emulator::form_pairs(&r.body),
                    want,
                    "{at}: form body"
                );
            }
        }
    }
}

/// Every log line any test of this binary wrote so far, at every level.
pub fn captured_logs() -> Vec<String> {
    LOG_CAPTURE
        .lines
        .lock()
        .map(|l| l.clone())
        .unwrap_or_default()
}

/// Fails on a captured log line that holds `secret` or an access token the emulator minted
/// (`EmuAccessToken…`): what a client-credentials provider's tests search the logs for.
pub fn assert_logs_hold_no_credential(secret: &str) {
    for line in captured_logs() {
        assert!(
            !line.contains(secret) && !line.contains("EmuAccessToken"),
            "neither the secret nor an access token is logged: {line}"
        );
    }
}

/// Starts capturing log lines (idempotent; the logger is global to the test binary).
pub fn capture_logs() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        if log::set_logger(&LOG_CAPTURE).is_ok() {
            log::set_max_level(log::LevelFilter::Trace);
        }
    });
}

struct LogCapture {
    lines: std::sync::Mutex<Vec<String>>,
}

static LOG_CAPTURE: LogCapture = LogCapture {
    lines: std::sync::Mutex::new(Vec::new()),
};

impl log::Log for LogCapture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        if let Ok(mut lines) = self.lines.lock() {
            lines.push(format!(
                "{} {}: {}",
                record.level(),
                record.target(),
                record.args()
            ));
        }
    }

    fn flush(&self) {}
}

/// Normalizes and checks fields the way linking does, without sending anything.
pub fn parse(
    provider: &str,
    pairs: &[(&str, &str)],
) -> Result<Credentials, keystep_core::input::InputError> {
    let cat = catalogue();
    parse_fields(cat.get(provider).expect("provider"), raw(pairs))
}

/// Verifies with a given verifier (a custom client or host table).
pub async fn verify_with(v: &Verifier, provider: &str, pairs: &[(&str, &str)]) -> Report {
    let cat = catalogue();
    v.verify(
        cat.get(provider).expect("provider"),
        &creds(provider, pairs),
        Purpose::Link,
        &|_| {},
    )
    .await
}

/// Verifies with a given verifier the way a background check does.
pub async fn check_with(v: &Verifier, provider: &str, pairs: &[(&str, &str)]) -> Report {
    let cat = catalogue();
    v.verify(
        cat.get(provider).expect("provider"),
        &creds(provider, pairs),
        Purpose::Check,
        &|_| {},
    )
    .await
}

/// A resolver that knows only the names it is given, each at a closed loopback port, and
/// fails every other lookup the way a name without DNS does: nothing leaves the machine.
pub struct OnlyNames(pub Vec<&'static str>);

impl reqwest::dns::Resolve for OnlyNames {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let known = self.0.iter().any(|n| *n == name.as_str());
        Box::pin(async move {
            if known {
                let addrs: reqwest::dns::Addrs = Box::new(std::iter::once(
                    std::net::SocketAddr::from(([127, 0, 0, 1], 9)),
                ));
                Ok(addrs)
            } else {
                Err(std::io::Error::new(std::io::ErrorKind::NotFound, "no such host").into())
            }
        })
    }
}

/// A verifier for the providers' real addresses whose every name lookup goes through
/// [`OnlyNames`] with `known`: the machine seems offline with no names, and a company
/// site seems not to exist when only the provider's own domain is known.
pub fn verifier_resolving(known: &[&'static str]) -> Verifier {
    let resolver = Arc::new(OnlyNames(known.to_vec()));
    Verifier::from_builder(
        client_builder(Duration::from_secs(5)).dns_resolver(resolver.clone()),
        Hosts::production(),
        Arc::new(ManualClock::at(1_700_000_000)),
    )
    .resolving_with(resolver)
}
