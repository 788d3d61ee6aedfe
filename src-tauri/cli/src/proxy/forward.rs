//! One request through the proxy: refused with a JSON code, or sent on within the pace with
//! the real credential, its answer streamed back, and either way recorded once its answer
//! has been sent.

use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use futures_util::StreamExt as _;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt as _, Full, Limited, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::header::{HeaderMap, HeaderName, AUTHORIZATION, CONNECTION, CONTENT_LENGTH, HOST};
use hyper::{Request, Response, StatusCode};

use super::route::{is_read, route, PathTrouble};
use super::Shared;
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
            };
            if let Err(e) = log.append(&record) {
                log::warn!("keystep run: the use log could not be written: {e}");
            }
        }
    }
}

fn refuse(mut entry: Entry, status: StatusCode, code: &str) -> Response<Body> {
    entry.status = status.as_u16();
    let body = format!("{{\"error\":\"{code}\"}}");
    entry.bytes = body.len() as u64;
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
fn end_to_end(from: &HeaderMap, skip: &[HeaderName]) -> HeaderMap {
    let named: Vec<String> = from
        .get_all(CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(',').map(|n| n.trim().to_ascii_lowercase()))
        .collect();
    let mut out = HeaderMap::new();
    for (name, value) in from {
        let n = name.as_str();
        if HOP_BY_HOP.contains(&n) || named.iter().any(|x| x == n) || skip.contains(name) {
            continue;
        }
        out.append(name.clone(), value.clone());
    }
    out
}

impl Shared {
    /// Answers one request of the script.
    pub(super) async fn handle(self: Arc<Self>, req: Request<Incoming>) -> Response<Body> {
        let path = req.uri().path().to_string();
        let query = req.uri().query().map(str::to_string);
        let mut entry = Entry {
            shared: Arc::clone(&self),
            account: String::new(),
            method: req.method().as_str().to_string(),
            path: path_without_values(&match &query {
                Some(q) => format!("{path}?{q}"),
                None => path.clone(),
            }),
            at: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
            started: Instant::now(),
            status: 0,
            bytes: 0,
            forwarded: false,
        };
        let route = match route(&path) {
            Ok(r) => r,
            Err(PathTrouble::NoRoute) => {
                return refuse(entry, StatusCode::UNAUTHORIZED, "keystep_unauthorized")
            }
            Err(PathTrouble::Escapes) => {
                return refuse(entry, StatusCode::BAD_REQUEST, "keystep_bad_path")
            }
        };
        let Some(grant) = self.grants.get(route.name) else {
            return refuse(entry, StatusCode::UNAUTHORIZED, "keystep_unauthorized");
        };
        let authorization = req
            .headers()
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        if !grant.admits(authorization, query.as_deref()) {
            return refuse(entry, StatusCode::UNAUTHORIZED, "keystep_unauthorized");
        }
        entry.account = grant.account.clone();
        entry.path = path_without_values(&match &query {
            Some(q) => format!("{}?{q}", route.rest),
            None => route.rest.to_string(),
        });
        let Some(base) = grant.bases.get(route.host) else {
            return refuse(entry, StatusCode::NOT_FOUND, "keystep_unknown_host");
        };
        if !self.settings.allow_write && !is_read(&entry.method, route.rest, &grant.reads) {
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
        let mut headers = end_to_end(req.headers(), &[HOST, AUTHORIZATION, CONTENT_LENGTH]);
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
        let pace = self.settings.pace.unwrap_or(grant.pace);
        // A provider's Retry-After holds its lane: requests wait it out rather than fail.
        let admission = loop {
            match self.settings.pacer.admit(&grant.provider, pace).await {
                Ok(admission) => break admission,
                Err(secs) => tokio::time::sleep(std::time::Duration::from_secs(secs)).await,
            }
        };
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
        if matches!(status.as_u16(), 429 | 503) || grant.retry_after.contains_key(&status.as_u16())
        {
            let told = upstream
                .headers()
                .get(hyper::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok());
            if let Some(secs) = told.or_else(|| grant.retry_after.get(&status.as_u16()).copied()) {
                // At most an hour: a mistaken header must not stall the run for ever.
                let secs = secs.min(3_600);
                self.settings.pacer.hold(&grant.provider, pace, secs).await;
            }
        }
        entry.status = status.as_u16();
        let mut response = Response::builder().status(status);
        if let Some(h) = response.headers_mut() {
            for (name, value) in end_to_end(upstream.headers(), &[]) {
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
