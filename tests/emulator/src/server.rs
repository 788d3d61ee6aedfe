//! The wire: one connection read into a [`Recorded`] request, the fault or provider model
//! that answers it, and the answer written back (a flood streamed), with the helpers that
//! take a request's credentials and form apart. It is apart from `lib.rs`, which holds what
//! a test sets up and reads, because a test never needs the HTTP details to use the
//! emulator.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::{humaans, jazzhr, payfit, Fault, Floods, Recorded, Reply, State};

/// Counts a request as being served until it drops, whichever way `serve` returns.
struct Serving<'a> {
    state: &'a Arc<Mutex<State>>,
    provider: String,
}

impl Drop for Serving<'_> {
    fn drop(&mut self) {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = st.busy.get_mut(&self.provider) {
            *n = n.saturating_sub(1);
        }
    }
}

pub(super) fn serve(conn: TcpStream, state: &Arc<Mutex<State>>) {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(10)));
    let Ok(read_half) = conn.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() || line.is_empty() {
        return;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let target = parts.next().unwrap_or("/").to_string();
    let mut headers = BTreeMap::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).is_err() || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    let len: usize = headers
        .get("content-length")
        .and_then(|l| l.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; len.min(1 << 20)];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let (path_all, query_str) = target.split_once('?').unwrap_or((&target, ""));
    let query: BTreeMap<String, String> = query_str
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect();
    // /<provider>/<host>/<rest…>
    let mut segs = path_all.trim_start_matches('/').splitn(3, '/');
    let provider = segs.next().unwrap_or("").to_string();
    let host = decode(segs.next().unwrap_or(""));
    let path = format!("/{}", segs.next().unwrap_or(""));
    let mut rec = Recorded {
        method,
        provider: provider.clone(),
        host,
        path: path.clone(),
        query,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
        at: Instant::now(),
        in_flight: 0,
    };
    let serving = Serving {
        state,
        provider: provider.clone(),
    };
    let (fault, latency, floods) = {
        let mut st = state.lock().unwrap_or_else(|e| e.into_inner());
        let busy = st.busy.entry(provider.clone()).or_insert(0);
        *busy += 1;
        rec.in_flight = *busy;
        st.log.push(rec.clone());
        let fault = st
            .faults
            .iter()
            .rev()
            .find(|(p, f, _)| *p == provider && (f == "*" || *f == path))
            .map(|(_, _, fault)| fault.clone());
        (fault, st.latency, Arc::clone(&st.floods))
    };
    // Outside the lock, so concurrent requests are delayed side by side, not one by one.
    if !latency.is_zero() {
        thread::sleep(latency);
    }
    let reply = match fault {
        Some(Fault::Hangup) => return,
        Some(Fault::Flood {
            bytes,
            declare_length,
        }) => {
            drop(serving);
            flood(conn, bytes, declare_length, &floods);
            return;
        }
        Some(Fault::Status {
            status,
            body,
            retry_after,
        }) => {
            let mut r = Reply::json(status, body);
            if let Some(s) = retry_after {
                r.headers.push(("Retry-After".into(), s.to_string()));
            }
            r
        }
        Some(Fault::Redirect(location)) => Reply::html(302, "<!doctype html><title>Moved</title>")
            .with_header("Location", &location),
        Some(Fault::NotJson) => Reply::html(
            200,
            "<!doctype html><title>Sign in</title><p>Please sign in",
        ),
        Some(Fault::Page {
            status,
            retry_after,
        }) => {
            let mut r = Reply::html(
                status,
                "<!doctype html><title>Request blocked</title><p>Request blocked.",
            );
            if let Some(s) = retry_after {
                r.headers.push(("Retry-After".into(), s.to_string()));
            }
            r
        }
        other => {
            if let Some(Fault::Slow(d)) = other {
                thread::sleep(d);
            }
            let mut st = state.lock().unwrap_or_else(|e| e.into_inner());
            match provider.as_str() {
                "humaans" => humaans::handle(&st.humaans, &rec),
                "payfit" => payfit::handle(&st.payfit, &rec),
                "hibob" => st.hibob.handle(&rec),
                "jazzhr" => jazzhr::handle(&st.jazzhr, &rec),
                "namely" => st.namely.handle(&rec),
                other => match st.models.get_mut(other) {
                    Some(model) => model.handle(&rec),
                    None => {
                        Reply::json(404, json!({"message": "no such provider in the emulator"}))
                    }
                },
            }
        }
    };
    // Served once the answer is ready: the client cannot send its next request before it
    // reads this one, so counting the write would show overlaps that never happened.
    drop(serving);
    let mut out = conn;
    let mut head = format!(
        "HTTP/1.1 {} X\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n",
        reply.status,
        reply.content_type,
        reply.body.len()
    );
    for (k, v) in &reply.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let _ = out.write_all(head.as_bytes());
    let _ = out.write_all(reply.body.as_bytes());
    let _ = out.flush();
}

/// Streams a [`Fault::Flood`] body until it is all sent or the client stops taking it.
fn flood(mut out: TcpStream, bytes: u64, declare_length: bool, floods: &Floods) {
    {
        let mut count = floods.count.lock().unwrap_or_else(|e| e.into_inner());
        count.0 += 1;
    }
    // A client that neither reads nor closes must not hold this thread forever.
    let _ = out.set_write_timeout(Some(Duration::from_secs(30)));
    let mut head =
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n".to_string();
    if declare_length {
        head.push_str(&format!("Content-Length: {bytes}\r\n"));
    }
    head.push_str("\r\n");
    let block = "0,".repeat(32 * 1024).into_bytes();
    let mut sent = 0u64;
    if out.write_all(head.as_bytes()).is_ok() {
        while sent < bytes {
            let n = usize::try_from(bytes - sent).map_or(block.len(), |left| left.min(block.len()));
            if out.write_all(&block[..n]).is_err() {
                break;
            }
            sent += n as u64;
            floods.count.lock().unwrap_or_else(|e| e.into_inner()).1 += n as u64;
        }
        let _ = out.flush();
    }
    let mut count = floods.count.lock().unwrap_or_else(|e| e.into_inner());
    count.0 -= 1;
    floods.ended.notify_all();
}

fn decode(s: &str) -> String {
    let bytes = s.replace('+', " ").into_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&String::from_utf8_lossy(&bytes[i + 1..i + 3]), 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The bearer token of a request, if any.
pub(crate) fn bearer(rec: &Recorded) -> Option<&str> {
    rec.headers
        .get("authorization")
        .and_then(|v| v.strip_prefix("Bearer "))
}

/// The `(user, password)` of a Basic `Authorization` header, if any.
pub(crate) fn basic(rec: &Recorded) -> Option<(String, String)> {
    use base64::Engine as _;
    let encoded = rec.headers.get("authorization")?.strip_prefix("Basic ")?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let pair = String::from_utf8(bytes).ok()?;
    let (user, password) = pair.split_once(':')?;
    Some((user.to_string(), password.to_string()))
}

/// The decoded pairs of an `application/x-www-form-urlencoded` body (for tests too).
pub fn form_pairs(body: &str) -> BTreeMap<String, String> {
    body.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Emulator;

    /// One raw GET, answered or not; returns the status line.
    fn get(emu: &Emulator, path: &str) -> String {
        let mut conn = TcpStream::connect(emu.addr).expect("connect to the emulator");
        write!(conn, "GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").expect("send a request");
        let mut answer = String::new();
        let _ = conn.read_to_string(&mut answer);
        answer.lines().next().unwrap_or("").to_string()
    }

    #[test]
    fn latency_delays_every_answer_and_changes_nothing_else() {
        let emu = Emulator::start();
        let path = "/jazzhr/api/users?apikey=unknown";
        let prompt = get(&emu, path);
        emu.latency(Duration::from_millis(150));
        let started = std::time::Instant::now();
        let delayed = get(&emu, path);
        let took = started.elapsed();
        assert!(
            took >= Duration::from_millis(150),
            "the answer came after {took:?}, before the 150 ms latency"
        );
        assert_eq!(delayed, prompt, "latency must not change the answer");
        assert!(!delayed.is_empty(), "the emulator answered");
        assert_eq!(emu.requests().len(), 2, "both requests are recorded");
    }
}
