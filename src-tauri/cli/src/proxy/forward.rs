//! One request through the proxy: refused with a JSON code, or sent on within the pace with
//! the real credential, its answer streamed back. A request its run token opened is recorded
//! once its answer has been sent, refused or not; one refused before that (no token, a wrong
//! one, a foreign `Host`) is only counted, so nobody without the token can fill the log.

use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use futures_util::StreamExt as _;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt as _, Full, Limited, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::header::{
    HeaderMap, HeaderName, AUTHORIZATION, CONNECTION, CONTENT_LENGTH, COOKIE, HOST, SET_COOKIE,
};
use hyper::{Request, Response, StatusCode};

use super::route::{is_read, is_write, split};
use super::Grant;
use super::Shared;
use keystep_core::pace::{Call, Hold};
use keystep_core::provider::Reaction;
use keystep_core::use_log::{path_without_values, UseRecord};

/// The body of every answer: a refusal's few bytes or a provider's stream.
pub(super) type Body = BoxBody<Bytes, std::io::Error>;

/// Headers that belong to one connection, not to the message (RFC 9110 §7.6.1).
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// Request headers that ask a server to take another method or path than the request's
/// own: a backend honouring them would turn a read into a write behind `--allow-write`'s back.
const OVERRIDES: &[&str] = &[
    "x-http-method-override",
    "x-http-method",
    "x-method-override",
    "x-original-url",
    "x-rewrite-url",
];

/// What of a script's headers never goes upstream (besides hop-by-hop ones and overrides):
/// the proxy's own `Host`, the run token, a length the body is re-framed with, and cookies
/// (a session cookie would let a script skip the proxy next time).
fn not_sent_up() -> [HeaderName; 5] {
    [HOST, AUTHORIZATION, CONTENT_LENGTH, COOKIE, SET_COOKIE]
}

/// What of a provider's headers never comes back (besides hop-by-hop ones): cookies.
fn not_sent_back() -> [HeaderName; 2] {
    [COOKIE, SET_COOKIE]
}

/// A request being answered; recorded in the use log when dropped (after the last byte of
/// its answer, or when the script hung up).
struct Entry {
    shared: Arc<Shared>,
    account: String,
    method: String,
    path: String,
    at: u64,
    started: Instant,
    status: u16,
    bytes: u64,
    forwarded: bool,
    waited_ms: u64,
}

impl Drop for Entry {
    fn drop(&mut self) {
        self.shared
            .requests
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        if let Some((log, run)) = &self.shared.settings.log {
            let record = UseRecord::Request {
                run: run.clone(),
                at: self.at,
                account: std::mem::take(&mut self.account),
                method: std::mem::take(&mut self.method),
                path: std::mem::take(&mut self.path),
                status: self.status,
                bytes: self.bytes,
                duration_ms: u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX),
                forwarded: self.forwarded,
                waited_ms: self.waited_ms,
            };
            if let Err(e) = log.append(&record) {
                log::warn!("keystep run: the use log could not be written: {e}");
            }
        }
    }
}

fn refuse(mut entry: Entry, status: StatusCode, code: &str) -> Response<Body> {
    entry.status = status.as_u16();
    entry.bytes = refusal_body(code).len() as u64;
    refusal(status, code)
}

/// A refusal before anyone was identified: counted, not recorded.
fn turn_away(shared: &Shared, status: StatusCode, code: &str) -> Response<Body> {
    shared
        .refused
        .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    refusal(status, code)
}

fn refusal_body(code: &str) -> String {
    format!("{{\"error\":\"{code}\"}}")
}

fn refusal(status: StatusCode, code: &str) -> Response<Body> {
    let body = refusal_body(code);
    let mut response = Response::new(
        Full::new(Bytes::from(body))
            .map_err(|never| match never {})
            .boxed(),
    );
    *response.status_mut() = status;
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    response
}

/// Copies `from` without hop-by-hop headers (those named in `Connection` too) or `skip`.
pub(super) fn end_to_end(from: &HeaderMap, skip: &[HeaderName]) -> HeaderMap {
    let named: Vec<String> = from
        .get_all(CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(',').map(|n| n.trim().to_ascii_lowercase()))
        .collect();
    let mut out = HeaderMap::new();
    for (name, value) in from {
        let n = name.as_str();
        if HOP_BY_HOP.contains(&n)
            || OVERRIDES.contains(&n)
            || named.iter().any(|x| x == n)
            || skip.contains(name)
        {
            continue;
        }
        out.append(name.clone(), value.clone());
    }
    out
}

impl Shared {
    /// Answers one request of the script.
    pub(super) async fn handle(self: Arc<Self>, req: Request<Incoming>) -> Response<Body> {
        if !self.own_host(req.headers()) {
            return turn_away(&self, StatusCode::BAD_REQUEST, "keystep_bad_host");
        }
        let path = req.uri().path().to_string();
        let query = req.uri().query().map(str::to_string);
        let Ok(route) = split(&path) else {
            return turn_away(&self, StatusCode::UNAUTHORIZED, "keystep_unauthorized");
        };
        let Some(grant) = self.grants.get(route.name) else {
            return turn_away(&self, StatusCode::UNAUTHORIZED, "keystep_unauthorized");
        };
        let authorization = req
            .headers()
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        if !grant.admits(authorization, query.as_deref()) {
            return turn_away(&self, StatusCode::UNAUTHORIZED, "keystep_unauthorized");
        }
        // The token opened it: from here every request is recorded, refused or not.
        let mut entry = Entry {
            shared: Arc::clone(&self),
            account: grant.account.clone(),
            method: req.method().as_str().to_string(),
            path: path_without_values(&match &query {
                Some(q) => format!("{}?{q}", route.rest),
                None => route.rest.to_string(),
            }),
            at: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
            started: Instant::now(),
            status: 0,
            bytes: 0,
            forwarded: false,
            waited_ms: 0,
        };
        if !route.stays_below() {
            return refuse(entry, StatusCode::BAD_REQUEST, "keystep_bad_path");
        }
        let Some(base) = grant.bases.get(route.host) else {
            return refuse(entry, StatusCode::NOT_FOUND, "keystep_unknown_host");
        };
        let read = is_read(&entry.method, route.rest, &grant.reads);
        let allowed = if self.settings.allow_write {
            read || is_write(&entry.method)
        } else {
            // `_method` in the query is the form-field way to override a method.
            read && !query_names(query.as_deref()).any(|n| n == "_method")
        };
        if !allowed {
            return refuse(entry, StatusCode::FORBIDDEN, "keystep_read_only");
        }
        let mut target = format!("{base}{}", route.rest);
        let upstream_query = grant.upstream_query(query.as_deref());
        let url = match &upstream_query {
            Some(q) => {
                target.push('?');
                target.push_str(q);
                reqwest::Url::parse(&target)
            }
            None => reqwest::Url::parse(&target),
        };
        // The URL may hold JazzHR's key now: it is never logged or shown.
        target.clear();
        let Ok(url) = url else {
            return refuse(entry, StatusCode::BAD_REQUEST, "keystep_bad_path");
        };
        let mut headers = end_to_end(req.headers(), &not_sent_up());
        if let Some((name, value)) = grant.authorization() {
            headers.insert(name, value);
        }
        let method = req.method().clone();
        let body = match Limited::new(req.into_body(), self.settings.max_request_body)
            .collect()
            .await
        {
            Ok(collected) => collected.to_bytes(),
            Err(_) => {
                return refuse(
                    entry,
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "keystep_request_too_large",
                )
            }
        };
        let pace = self.settings.pace.as_ref().unwrap_or(&grant.pace);
        let call = Call {
            method: &entry.method,
            path: route.rest,
            read,
        };
        // Held to the provider's documented limits, said once when it is for long; a wait
        // the provider asked for is waited out rather than failed.
        let held = Instant::now();
        let admission = loop {
            let note = |why: &Hold, wait: std::time::Duration| {
                if wait > std::time::Duration::from_secs(1) {
                    self.say_once(
                        &format!("{}:{why:?}", grant.provider),
                        &hold_notice(&grant.provider_name, why, wait),
                    );
                }
            };
            match self
                .settings
                .pacer
                .admit_noting(&grant.provider, pace, call, &note)
                .await
            {
                Ok(admission) => break admission,
                Err(secs) => {
                    if secs > 1 {
                        self.say_once(
                            &format!("{}:asked", grant.provider),
                            &format!(
                                "holding requests to {}: it asked Keystep to wait; next in {secs} s",
                                grant.provider_name
                            ),
                        );
                    }
                    tokio::time::sleep(std::time::Duration::from_secs(secs)).await;
                }
            }
        };
        entry.waited_ms = u64::try_from(held.elapsed().as_millis()).unwrap_or(u64::MAX);
        entry.forwarded = true;
        let sent = self
            .settings
            .client
            .request(method, url)
            .headers(headers)
            .body(body)
            .send()
            .await;
        let upstream = match sent {
            Ok(r) => r,
            // reqwest's error names the URL, which may hold a key: it is not repeated.
            Err(_) => return refuse(entry, StatusCode::BAD_GATEWAY, "keystep_unreachable"),
        };
        let status = upstream.status();
        let wait = provider_wait(grant, status.as_u16(), upstream.headers());
        self.settings
            .pacer
            .answered(&grant.provider, pace, status.as_u16(), wait.is_some());
        if let Some(secs) = wait {
            // At most an hour: a mistaken header must not stall the run for ever.
            self.settings
                .pacer
                .hold(&grant.provider, secs.min(3_600))
                .await;
        }
        entry.status = status.as_u16();
        let mut response = Response::builder().status(status);
        if let Some(h) = response.headers_mut() {
            for (name, value) in end_to_end(upstream.headers(), &not_sent_back()) {
                let Some(name) = name else { continue };
                // Never pass on a header that holds the credential (a provider echoing it).
                if !grant.leaks_into(value.as_bytes()) {
                    h.append(name, value);
                }
            }
        }
        let stream = upstream.bytes_stream().map(move |chunk| {
            // Both live as long as the answer: the slot, and the record written at its end.
            let _slot = &admission;
            // The whole entry is captured (not only its counter), so it drops with the answer.
            let entry: &mut Entry = &mut entry;
            match chunk {
                Ok(bytes) => {
                    entry.bytes += bytes.len() as u64;
                    Ok(Frame::data(bytes))
                }
                // reqwest's error may name the URL: a plain one instead.
                Err(_) => Err(std::io::Error::other("the provider's answer broke off")),
            }
        });
        response
            .body(http_body_util::BodyExt::boxed(StreamBody::new(stream)))
            .unwrap_or_else(|_| {
                let mut r = Response::new(Full::new(Bytes::new()).map_err(|n| match n {}).boxed());
                *r.status_mut() = StatusCode::BAD_GATEWAY;
                r
            })
    }
}

/// The wait the provider asked for with this answer: its `Retry-After` on a 429 or 503, or
/// on a status its file reads as rate limiting or a firewall (a 403 page from HiBob's
/// firewall, not a JSON permission answer), else the wait the file declares for that status.
fn provider_wait(grant: &Grant, status: u16, headers: &HeaderMap) -> Option<u64> {
    let json = headers
        .get(hyper::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.contains("json"));
    let rule = grant.on_status.get(&status);
    let holds = rule
        .and_then(|r| r.reaction(json))
        .is_some_and(|r| matches!(r, Reaction::RateLimited | Reaction::Blocked));
    if !(holds || matches!(status, 429 | 503)) {
        return None;
    }
    let told = headers
        .get(hyper::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    told.or_else(|| rule.filter(|_| holds).and_then(|r| r.retry_after()))
}

/// What `keystep run` says when a request is held for long.
fn hold_notice(provider: &str, why: &Hold, wait: std::time::Duration) -> String {
    let next = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    match why {
        Hold::Limit(limit) => format!(
            "holding requests to {provider}'s limit of {}; next in {next} s",
            limit.describe()
        ),
        Hold::Firewall(f) => format!(
            "holding requests to {provider}: {} refusals within {} s would make its firewall block this machine; next in {next} s",
            f.count, f.seconds
        ),
    }
}

/// The names of a query's parameters, decoded.
fn query_names(query: Option<&str>) -> impl Iterator<Item = String> + '_ {
    url::form_urlencoded::parse(query.unwrap_or("").as_bytes()).map(|(k, _)| k.into_owned())
}

impl Shared {
    /// Whether `Host` names this proxy (`127.0.0.1:PORT` or `localhost:PORT`): a page that
    /// rebinds a DNS name to 127.0.0.1 sends its own name.
    fn own_host(&self, headers: &HeaderMap) -> bool {
        let port = self.addr.port();
        let mut hosts = headers.get_all(HOST).iter();
        let (Some(host), None) = (hosts.next(), hosts.next()) else {
            return false;
        };
        host.to_str().is_ok_and(|h| {
            h.eq_ignore_ascii_case(&format!("127.0.0.1:{port}"))
                || h.eq_ignore_ascii_case(&format!("localhost:{port}"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::header::HeaderValue;

    #[test]
    fn overrides_cookies_and_hop_by_hop_headers_are_not_passed_on() {
        let mut from = HeaderMap::new();
        for (name, value) in [
            ("x-http-method-override", "DELETE"),
            ("X-Method-Override", "PUT"),
            ("x-original-url", "/admin"),
            ("x-rewrite-url", "/admin"),
            ("cookie", "session=1"),
            ("set-cookie", "session=2"),
            ("connection", "x-private"),
            ("x-private", "1"),
            ("accept", "application/json"),
        ] {
            from.append(
                HeaderName::from_bytes(name.as_bytes()).expect("a name"),
                HeaderValue::from_static(value),
            );
        }
        for (way, skip) in [
            ("upstream", not_sent_up().as_slice()),
            ("back", not_sent_back().as_slice()),
        ] {
            let kept = end_to_end(&from, skip);
            let names: Vec<&str> = kept.keys().map(HeaderName::as_str).collect();
            assert_eq!(
                names,
                ["accept"],
                "{way}: only end-to-end headers that ask nothing else of the server pass"
            );
        }
    }
}
