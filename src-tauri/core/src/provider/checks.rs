//! The `[[checks]]` of a provider file: each request of the verification chain, its body,
//! what a status or an answer means ([`Reaction`], [`StatusRule`]), the conditions a
//! success must meet and the values read out of it.
//!
//! Apart from the rest of the file's shape (`schema`) because it is the part the verifier
//! runs, and needs nothing else of a provider file.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::error::Code;

use super::reads::Method;

/// One request of the verification chain.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Check {
    /// Stable id, for tests and logs.
    pub id: String,
    /// What the user sees while it runs ("Reading company details…").
    pub doing: String,
    /// HTTP method.
    #[serde(default)]
    pub method: Method,
    /// Which named host, or `{field}`: the host named by the chosen option of a choice field.
    pub host: String,
    /// Path below the host's base; `{name}` placeholders take field values or captures.
    pub path: String,
    /// Query parameters; values may hold placeholders.
    #[serde(default)]
    pub query: BTreeMap<String, String>,
    /// Whether to authenticate (`false` for public endpoints).
    #[serde(default = "yes")]
    pub auth: bool,
    /// A request body.
    #[serde(default)]
    pub body: Option<Body>,
    /// Run only when every capture named here is known.
    #[serde(default)]
    pub when: Vec<String>,
    /// Skip when any capture named here is known (fallback probes).
    #[serde(default)]
    pub unless: Vec<String>,
    /// Scopes/permissions this request proves on success and reports missing on 403.
    #[serde(default)]
    pub needs: Vec<String>,
    /// A JSON pointer that must find a non-empty value for a success to prove `needs`
    /// (HiBob's who's-out list: without the permission it may come back empty, not refused).
    /// When it finds nothing or something empty, `needs` stay unchecked.
    #[serde(default)]
    pub proof: Option<String>,
    /// Status codes that mean something specific here (e.g. `404 = "skip"`, `406 = "rate_limited"`).
    #[serde(default)]
    pub on_status: BTreeMap<String, StatusRule>,
    /// What a successful answer that is not JSON means (default: unexpected_response).
    #[serde(default)]
    pub on_not_json: Option<Reaction>,
    /// What a failed DNS lookup of the host means (default: unreachable).
    #[serde(default)]
    pub on_dns_failure: Option<Reaction>,
    /// Conditions a successful answer must meet.
    #[serde(default)]
    pub expect: Vec<Expect>,
    /// Values to read out of a successful answer, by name.
    #[serde(default)]
    pub capture: BTreeMap<String, Capture>,
}

fn yes() -> bool {
    true
}

/// A request body: named values, sent as JSON, optionally re-sent form-encoded.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Body {
    /// Encoding of the first attempt.
    #[serde(default)]
    pub encoding: Encoding,
    /// Body members (any JSON for JSON bodies, strings for form bodies); string values
    /// may hold placeholders, secret fields included.
    pub values: serde_json::Map<String, serde_json::Value>,
    /// Statuses after which the body is re-sent form-encoded, once.
    #[serde(default)]
    pub retry_as_form_on: Vec<u16>,
}

/// Body encoding.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    /// `application/json`.
    #[default]
    Json,
    /// `application/x-www-form-urlencoded`.
    Form,
}

/// What a status or answer means for the chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reaction {
    /// Go on as if the check was not there (e.g. an optional endpoint that is missing).
    Skip,
    /// Stop with this outcome.
    BadCredentials,
    /// Stop with this outcome.
    MissingPermission,
    /// Stop with this outcome.
    WrongTenant,
    /// Stop with this outcome.
    RateLimited,
    /// Stop with this outcome.
    Blocked,
    /// Stop with this outcome.
    ProviderError,
    /// Stop with this outcome.
    UnexpectedResponse,
}

impl Reaction {
    /// The outcome code, or `None` for [`Reaction::Skip`].
    pub fn code(self) -> Option<Code> {
        Some(match self {
            Reaction::Skip => return None,
            Reaction::BadCredentials => Code::BadCredentials,
            Reaction::MissingPermission => Code::MissingPermission,
            Reaction::WrongTenant => Code::WrongTenant,
            Reaction::RateLimited => Code::RateLimited,
            Reaction::Blocked => Code::Blocked,
            Reaction::ProviderError => Code::ProviderError,
            Reaction::UnexpectedResponse => Code::UnexpectedResponse,
        })
    }
}

/// What a status means: a reaction, or a reaction that depends on whether the body is JSON.
///
/// `403 = "missing_permission"` is the short form. The long form tells a provider's own error
/// (JSON) from a firewall's page (HTML or nothing): `403 = { not_json = "blocked",
/// retry_after = 300 }` reacts only to non-JSON bodies and leaves JSON ones to the default
/// handling. `retry_after` is the wait assumed when the answer names none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum StatusRule {
    /// This reaction, whatever the body.
    Always(Reaction),
    /// Reactions by body kind, and a default wait.
    Detailed(StatusDetail),
}

/// The long form of a [`StatusRule`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusDetail {
    /// The reaction for any body (unless `not_json` applies).
    #[serde(default)]
    pub then: Option<Reaction>,
    /// The reaction when the body is not JSON (empty, HTML, text).
    #[serde(default)]
    pub not_json: Option<Reaction>,
    /// Seconds to wait when neither `Retry-After` nor a reset header says.
    #[serde(default)]
    pub retry_after: Option<u64>,
}

impl StatusRule {
    /// The reaction for an answer whose body is (or is not) JSON; `None` leaves the status
    /// to the engine's default handling.
    pub fn reaction(&self, body_is_json: bool) -> Option<Reaction> {
        match self {
            StatusRule::Always(r) => Some(*r),
            StatusRule::Detailed(d) => match (body_is_json, d.not_json) {
                (false, Some(r)) => Some(r),
                _ => d.then,
            },
        }
    }

    /// The wait assumed when the answer names none.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            StatusRule::Always(_) => None,
            StatusRule::Detailed(d) => d.retry_after,
        }
    }

    pub(super) fn reactions(&self) -> Vec<Reaction> {
        match self {
            StatusRule::Always(r) => vec![*r],
            StatusRule::Detailed(d) => d.then.into_iter().chain(d.not_json).collect(),
        }
    }
}

/// A condition on a successful answer.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// JSON pointer into the answer ("" is the whole answer).
    pub pointer: String,
    /// The value must equal this (a string may hold placeholders).
    #[serde(default)]
    pub equals: Option<serde_json::Value>,
    /// The value must be a non-empty array or object.
    #[serde(default)]
    pub non_empty: bool,
    /// When the pointer finds nothing, the condition holds (instead of failing).
    #[serde(default)]
    pub optional: bool,
    /// The pointer must find nothing (an `{"error": …}` member in a 200 answer, say).
    #[serde(default)]
    pub absent: bool,
    /// The value, a list, must not hold this text (BambooHR's `_restrictedFields` naming a
    /// field the key may not see). A pointer that finds nothing holds.
    #[serde(default)]
    pub excludes: Option<String>,
    /// The outcome when the condition fails.
    pub otherwise: Reaction,
    /// Required permissions this condition decides (with `otherwise =
    /// "missing_permission"`): when it holds they are proven; when it fails they are reported
    /// missing and the chain goes on, as after a 403 on a probe, so one run names everything
    /// that is missing.
    #[serde(default)]
    pub missing: Vec<String>,
    /// A sentence added to the message when the condition fails.
    #[serde(default)]
    pub hint: Option<String>,
}

/// A value read out of an answer.
///
/// A pointer (`"/name"`), several pointers tried in order (`["/0/email", "/email"]`, for APIs
/// that answer one record as an object and several as an array), or a table with a reading.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Capture {
    /// A JSON pointer whose value is read as text.
    Pointer(String),
    /// JSON pointers tried in order, read as text; the first that yields a value wins.
    FirstOf(Vec<String>),
    /// Pointers with an explicit reading.
    Read(CaptureRead),
}

/// The table form of a [`Capture`].
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaptureRead {
    /// One JSON pointer, or several tried in order ("" is the whole answer).
    pub pointer: Pointers,
    /// How to read it.
    #[serde(rename = "as")]
    pub read_as: ReadAs,
}

/// One pointer or several, tried in order.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Pointers {
    /// One pointer.
    One(String),
    /// Several, the first that yields a value wins.
    FirstOf(Vec<String>),
}

impl Capture {
    /// The pointers, in the order they are tried.
    pub fn pointers(&self) -> Vec<&str> {
        match self {
            Capture::Pointer(p)
            | Capture::Read(CaptureRead {
                pointer: Pointers::One(p),
                ..
            }) => vec![p.as_str()],
            Capture::FirstOf(ps)
            | Capture::Read(CaptureRead {
                pointer: Pointers::FirstOf(ps),
                ..
            }) => ps.iter().map(String::as_str).collect(),
        }
    }

    /// How the value is read.
    pub fn read_as(&self) -> ReadAs {
        match self {
            Capture::Pointer(_) | Capture::FirstOf(_) => ReadAs::Text,
            Capture::Read(r) => r.read_as,
        }
    }
}

/// How a captured JSON value is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReadAs {
    /// A string or number, as text.
    Text,
    /// An array of strings.
    List,
    /// A string of space-separated words (OAuth `scope`), or an array of strings.
    Words,
    /// How many records: an array's length, or 1 for a lone object (JazzHR's quirk).
    Count,
}
