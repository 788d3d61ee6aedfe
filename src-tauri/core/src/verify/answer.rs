//! Reading an answer and deciding what it means for the chain.
//!
//! An answer is read up to [`MAX_ANSWER_BYTES`] and no further, whatever `Content-Length`
//! says. Its status is then read in this order: the check's own `on_status`, then the
//! provider's (a firewall in front of the whole API), then the defaults below. A 401 or 403
//! answering a request that carried no credential says nothing about the credential, so on
//! an unauthenticated check both are unexpected rather than bad credentials or a missing
//! permission.
//!
//! Only the provider's own words judge a key ([`weigh`]): a 403 that is not JSON is a
//! firewall or a proxy, so `blocked`, whatever the provider file says; and in a background
//! check no answer that is not JSON (a page, a redirect) is taken as a rejected key, a
//! wrong company or a missing permission, except a 401 with no body at all, which is how
//! APIs refuse a key.

use std::collections::BTreeMap;

use reqwest::header::HeaderMap;
use serde_json::Value;

use crate::error::Code;
use crate::provider::{Check, Provider, Reaction, ReadAs, StatusRule};

use super::{render_text, Captured, Purpose, Stop};

/// The most bytes of one answer Keystep reads. Every check's answer is a few KiB; past this
/// the answer is `unexpected_response` and the rest is never read.
pub const MAX_ANSWER_BYTES: usize = 4 << 20;

/// An answer's body, as far as judging it goes.
#[derive(Debug)]
pub(super) enum Body {
    /// JSON: the provider's API speaking.
    Json(Value),
    /// Nothing (or only white space).
    Empty,
    /// Anything else: an HTML page, text, a broken document.
    Page,
}

impl Body {
    pub(super) fn of(bytes: &[u8]) -> Self {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Body::Empty;
        }
        serde_json::from_slice(bytes).map_or(Body::Page, Body::Json)
    }

    fn is_json(&self) -> bool {
        matches!(self, Body::Json(_))
    }
}

/// An answer as read: its status, headers and body, and whether it carries the provider's
/// own header (`own_header`), which makes an empty or textual body the provider's word too.
pub(super) struct Answer {
    pub(super) status: u16,
    pub(super) headers: HeaderMap,
    pub(super) body: Body,
    pub(super) marked: bool,
}

/// Why an answer's body was not read to its end.
#[derive(Debug)]
pub(super) enum Unread {
    /// Larger than [`MAX_ANSWER_BYTES`] (the status is kept).
    TooBig(u16),
    /// The connection broke off.
    Cut,
}

/// Reads `response` up to [`MAX_ANSWER_BYTES`], chunk by chunk, so a huge or endless answer
/// costs at most that much memory.
pub(super) async fn read_bounded(
    mut response: reqwest::Response,
) -> Result<(u16, HeaderMap, Vec<u8>), Unread> {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    if response
        .content_length()
        .is_some_and(|n| n > MAX_ANSWER_BYTES as u64)
    {
        return Err(Unread::TooBig(status));
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|_| Unread::Cut)? {
        if bytes.len() + chunk.len() > MAX_ANSWER_BYTES {
            return Err(Unread::TooBig(status));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok((status, headers, bytes))
}

/// What one check's answer means for the chain.
pub(super) enum Outcome {
    Answer(Value),
    Skipped,
    /// Required permissions shown missing, what to add to the message about it, and the
    /// permissions the same answer showed held.
    Denied {
        missing: Vec<String>,
        hint: Option<String>,
        held: Vec<String>,
    },
}

/// Reads `response` with its body up to [`MAX_ANSWER_BYTES`] (see [`read_bounded`]).
pub(super) async fn read(response: reqwest::Response, provider: &Provider) -> Result<Answer, Stop> {
    let (status, headers, bytes) = read_bounded(response).await.map_err(|e| match e {
        Unread::Cut => Stop::new(Code::Unreachable),
        Unread::TooBig(status) => {
            log::warn!(
                "{}: an answer larger than {MAX_ANSWER_BYTES} bytes, not read further",
                provider.id
            );
            let mut s = Stop::new(Code::UnexpectedResponse);
            s.status = Some(status);
            s.hint = Some(format!(
                "{} sent an answer larger than {} MiB, far more than any check needs, so Keystep stopped reading it.",
                provider.name,
                MAX_ANSWER_BYTES >> 20
            ));
            s
        }
    })?;
    let marked = provider
        .own_header
        .as_deref()
        .is_some_and(|h| headers.contains_key(h));
    Ok(Answer {
        status,
        headers,
        body: Body::of(&bytes),
        marked,
    })
}

/// Whether `code`, concluded from an answer with this status and body, may stand: a
/// verdict on the key needs the provider's own answer, its JSON or its own header (see the
/// module's rules).
pub(super) fn weigh(code: Code, status: u16, body: &Body, own: bool, purpose: Purpose) -> Code {
    let verdict = matches!(
        code,
        Code::BadCredentials | Code::WrongTenant | Code::MissingPermission
    );
    if !verdict || own || body.is_json() {
        return code;
    }
    match (status, purpose, body) {
        (403, _, _) => Code::Blocked,
        (_, Purpose::Link, _) | (401, Purpose::Check, Body::Empty) => code,
        (_, Purpose::Check, _) => Code::UnexpectedResponse,
    }
}

/// A stop for `code` at `status`, with the wait a rate limit or block asks for.
fn timed(
    code: Code,
    status: u16,
    headers: &HeaderMap,
    rule: Option<&StatusRule>,
    now: u64,
) -> Stop {
    let mut s = Stop::new(code);
    s.status = Some(status);
    if matches!(code, Code::RateLimited | Code::Blocked) {
        s.retry_after =
            retry_after(headers, now).or_else(|| rule.and_then(StatusRule::retry_after));
    }
    s
}

/// What an answer means: the next step of the chain, or why the chain stops. `now` dates
/// a `X-RateLimit-Reset` given as a time.
pub(super) fn judge(
    provider: &Provider,
    check: &Check,
    vars: &BTreeMap<String, Captured>,
    answer: Answer,
    purpose: Purpose,
    now: u64,
) -> Result<Outcome, Stop> {
    let Answer {
        status,
        headers,
        body,
        marked,
    } = answer;
    let headers = &headers;
    let own = marked || body.is_json();
    let weighed = |s: Stop, body: &Body| -> Stop {
        let code = weigh(s.code, status, body, marked, purpose);
        if code == s.code {
            s
        } else {
            timed(code, status, headers, None, now)
        }
    };
    // The provider's JSON naming a missing permission, whatever the status (Ashby).
    if let Body::Json(json) = &body {
        if check.auth && permission_error(provider, json) {
            return if check.needs.is_empty() {
                let mut s = Stop::new(Code::MissingPermission);
                s.status = Some(status);
                Err(s)
            } else {
                Ok(Outcome::Denied {
                    missing: check.needs.clone(),
                    hint: None,
                    held: Vec::new(),
                })
            };
        }
    }
    let key = status.to_string();
    let rule = check
        .on_status
        .get(&key)
        .or_else(|| provider.on_status.get(&key));
    if let Some(rule) = rule {
        if let Some(reaction) = rule.reaction(own) {
            return match reaction.code() {
                None => Ok(Outcome::Skipped),
                Some(code) => Err(weighed(
                    timed(code, status, headers, Some(rule), now),
                    &body,
                )),
            };
        }
    }
    match status {
        200..=299 => match body {
            Body::Json(json) => match expect(check, &json, vars)? {
                Some(denied) => Ok(denied),
                None => Ok(Outcome::Answer(json)),
            },
            Body::Empty | Body::Page => {
                let code = check
                    .on_not_json
                    .and_then(Reaction::code)
                    .unwrap_or(Code::UnexpectedResponse);
                Err(weighed(Stop::new(code), &body))
            }
        },
        // Without a credential on the request, the provider cannot be judging ours.
        401 | 403 if !check.auth => {
            let mut s = Stop::new(Code::UnexpectedResponse);
            s.status = Some(status);
            Err(s)
        }
        401 => Err(weighed(Stop::new(Code::BadCredentials), &body)),
        403 if !own => Err(timed(Code::Blocked, status, headers, None, now)),
        403 if !check.needs.is_empty() => Ok(Outcome::Denied {
            missing: check.needs.clone(),
            hint: None,
            held: Vec::new(),
        }),
        403 => Err(Stop::new(Code::MissingPermission)),
        429 => Err(timed(Code::RateLimited, status, headers, None, now)),
        500..=599 => {
            let mut s = Stop::new(Code::ProviderError);
            s.status = Some(status);
            Err(s)
        }
        _ => {
            let mut s = Stop::new(Code::UnexpectedResponse);
            s.status = Some(status);
            Err(s)
        }
    }
}

/// Checks a successful answer against the check's `expect` conditions, in order: all hold
/// (`None`), some show permissions missing (the chain goes on, and the others are proven
/// by holding), or one stops the chain.
fn expect(
    check: &Check,
    answer: &Value,
    vars: &BTreeMap<String, Captured>,
) -> Result<Option<Outcome>, Stop> {
    let mut missing = Vec::new();
    let mut held = Vec::new();
    let mut hints = Vec::new();
    for e in &check.expect {
        let found = answer.pointer(&e.pointer);
        let holds = match found {
            None => e.optional || e.absent || e.excludes.is_some(),
            Some(_) if e.absent => false,
            Some(v) => {
                let equal = match &e.equals {
                    None => true,
                    Some(Value::String(t)) => {
                        let want = render_text(t, vars);
                        want.is_some() && v.as_str() == want.as_deref()
                    }
                    Some(other) => v == other,
                };
                let filled = !e.non_empty
                    || v.as_array().is_some_and(|a| !a.is_empty())
                    || v.as_object().is_some_and(|o| !o.is_empty());
                let excluded = e.excludes.as_deref().is_none_or(|x| {
                    v.as_array()
                        .is_some_and(|a| !a.iter().any(|i| i.as_str() == Some(x)))
                });
                equal && filled && excluded
            }
        };
        if holds {
            held.extend(e.missing.iter().cloned());
            continue;
        }
        if !e.missing.is_empty() {
            // A permission shown missing by the answer's shape: keep reading the other
            // conditions and probing, so one run names everything that is missing.
            missing.extend(e.missing.iter().cloned());
            hints.extend(e.hint.iter().cloned());
            continue;
        }
        let mut s = Stop::new(e.otherwise.code().unwrap_or(Code::UnexpectedResponse));
        s.hint.clone_from(&e.hint);
        return Err(s);
    }
    if missing.is_empty() {
        return Ok(None);
    }
    Ok(Some(Outcome::Denied {
        missing,
        hint: (!hints.is_empty()).then(|| hints.join(" ")),
        held,
    }))
}

/// Reads the check's captures out of a successful answer into `vars`.
/// Whether a successful answer proves the check's `needs`: always, unless the check names
/// a `proof` that finds nothing, null, or an empty string, list or object.
pub(super) fn proves(check: &Check, answer: &Value) -> bool {
    let Some(pointer) = &check.proof else {
        return true;
    };
    match answer.pointer(pointer) {
        None | Some(Value::Null) => false,
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::Object(o)) => !o.is_empty(),
        Some(Value::String(s)) => !s.is_empty(),
        Some(_) => true,
    }
}

pub(super) fn capture(check: &Check, answer: &Value, vars: &mut BTreeMap<String, Captured>) {
    for (name, cap) in &check.capture {
        let read_as = cap.read_as();
        // The first pointer that yields a readable value wins (one record as an object,
        // several as an array, and so on).
        let captured = cap
            .pointers()
            .into_iter()
            .filter_map(|p| answer.pointer(p))
            .find_map(|v| read_value(v, read_as));
        if let Some(c) = captured {
            vars.insert(name.clone(), c);
        }
    }
}

fn read_value(v: &Value, read_as: ReadAs) -> Option<Captured> {
    let strings = |a: &Vec<Value>| -> Vec<String> {
        a.iter()
            .filter_map(|x| x.as_str().map(String::from))
            .collect()
    };
    match read_as {
        ReadAs::Text => match v {
            Value::String(s) if !s.is_empty() => Some(Captured::Text(s.clone())),
            Value::Number(n) => Some(Captured::Text(n.to_string())),
            _ => None,
        },
        ReadAs::List => v.as_array().map(|a| Captured::List(strings(a))),
        ReadAs::Words => match v {
            Value::String(s) => Some(Captured::List(
                s.split_whitespace().map(String::from).collect(),
            )),
            Value::Array(a) => Some(Captured::List(strings(a))),
            _ => None,
        },
        ReadAs::Count => match v {
            Value::Array(a) => Some(Captured::Text(a.len().to_string())),
            Value::Object(_) => Some(Captured::Text("1".into())),
            _ => None,
        },
    }
}

/// Whether `json` is the provider's way of saying a permission is missing.
fn permission_error(provider: &Provider, json: &Value) -> bool {
    provider
        .permission_error
        .iter()
        .any(|m| json.pointer(&m.pointer).and_then(Value::as_str) == Some(m.equals.as_str()))
}

/// Seconds until a retry makes sense, from `Retry-After` or `X-RateLimit-Reset`.
pub(super) fn retry_after(headers: &HeaderMap, now: u64) -> Option<u64> {
    let num = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
    };
    if let Some(s) = num("retry-after") {
        return Some(s.min(24 * 3600));
    }
    let reset = num("x-ratelimit-reset")?;
    // Some APIs send an epoch time, others seconds from now; epochs are far larger.
    if reset > 1_000_000_000 {
        reset.checked_sub(now).map(|d| d.min(24 * 3600))
    } else {
        Some(reset.min(24 * 3600))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn retry_after_reads_seconds_and_epochs() {
        let mut h = HeaderMap::new();
        h.insert("retry-after", HeaderValue::from_static("30"));
        assert_eq!(retry_after(&h, 0), Some(30), "plain seconds");
        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-reset", HeaderValue::from_static("1700000060"));
        assert_eq!(retry_after(&h, 1_700_000_000), Some(60), "epoch reset");
        assert_eq!(retry_after(&HeaderMap::new(), 0), None, "unknown");
    }

    #[test]
    fn only_json_judges_a_key_and_a_403_page_is_a_block() {
        let json = || Body::Json(Value::Null);
        for purpose in [Purpose::Link, Purpose::Check] {
            assert_eq!(
                weigh(Code::BadCredentials, 403, &Body::Page, false, purpose),
                Code::Blocked,
                "{purpose:?}: a 403 page"
            );
            assert_eq!(
                weigh(Code::MissingPermission, 403, &Body::Empty, false, purpose),
                Code::Blocked,
                "{purpose:?}: an empty 403"
            );
            assert_eq!(
                weigh(Code::BadCredentials, 401, &json(), false, purpose),
                Code::BadCredentials,
                "{purpose:?}: a JSON 401"
            );
            assert_eq!(
                weigh(Code::BadCredentials, 401, &Body::Empty, false, purpose),
                Code::BadCredentials,
                "{purpose:?}: a bare 401"
            );
            assert_eq!(
                weigh(Code::RateLimited, 200, &Body::Page, false, purpose),
                Code::RateLimited,
                "{purpose:?}: not a verdict, left alone"
            );
        }
        assert_eq!(
            weigh(Code::WrongTenant, 302, &Body::Empty, false, Purpose::Link),
            Code::WrongTenant,
            "linking: the provider file's reading of a redirect stands"
        );
        assert_eq!(
            weigh(Code::WrongTenant, 302, &Body::Empty, false, Purpose::Check),
            Code::UnexpectedResponse,
            "checking: a redirect is no verdict"
        );
        assert_eq!(
            weigh(
                Code::BadCredentials,
                401,
                &Body::Page,
                false,
                Purpose::Check
            ),
            Code::UnexpectedResponse,
            "checking: a 401 page is no verdict"
        );
        assert_eq!(
            weigh(
                Code::BadCredentials,
                403,
                &Body::Empty,
                true,
                Purpose::Check
            ),
            Code::BadCredentials,
            "an empty 403 carrying the provider's own header is the provider's word"
        );
    }
}
