//! A loopback HTTP server that behaves like the HR providers' APIs, for Keystep's tests.
//!
//! It models tenants and their credentials rather than canned answers: a test registers a
//! tenant with its credential and what that credential may do, and the emulator answers
//! every endpoint Keystep uses the way `shared/research/providers.md` says the real API
//! does — 401 for an unknown credential, 403 for a missing scope or permission, PayFit's
//! two introspection encodings, HiBob's firewall and its empty employee list, JazzHR's lone
//! object for a one-record list, Namely's 406 rate limit and its unknown subdomains. On top
//! of that, [`Fault`]s make any path answer a status, a malformed body, slowly, or with a
//! body far larger than any answer should be ([`Fault::Flood`], whose bytes are counted).
//! Every request is recorded so tests can assert method, host, path, auth placement and body.
//!
//! URLs are `/<provider>/<host>/<path>`; for a provider whose host name holds the company
//! subdomain (Namely, BambooHR) the host segment is the subdomain, so
//! `KEYSTEP_NAMELY_API_URL` is `http://127.0.0.1:PORT/namely/{subdomain}`. The hosts are
//! read from Keystep's provider files, so a new provider's addresses need no edit here.
//!
//! Providers since issue 22 are [`Model`]s in one registry (`MODELS`): a model answers its
//! hosts' requests and may hold a [`TokenIssuer`] (client credentials), which
//! [`Emulator::expire_tokens`] and [`Emulator::tokens_minted`] reach for any of them. Each
//! model's module adds its own `Emulator::add_<id>` method.
//!
//! It is std-only (one thread per connection, `Connection: close`) so it builds in
//! seconds and shares nothing with the code under test but the provider files' scope lists:
//! a tenant with "every scope the guide asks for" (PayFit, Humaans) is granted the
//! `permissions.required` of Keystep's own provider file, so that list is written once. What
//! a PayFit key may hold at all is the emulator's own list (`PAYFIT_SCOPES`), so a scope the
//! file invents is caught.

use std::collections::BTreeMap;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

mod ashby;
mod auth;
mod bamboohr;
mod deel;
mod factorial;
mod fleet;
mod greenhouse;
mod hibob;
mod humaans;
mod jazzhr;
mod lever;
mod namely;
mod payfit;
mod personio;
pub mod people;
mod provider_file;
mod rippling;
mod server;
mod teamtailor;
mod workable;

pub use ashby::{AshbyDenial, AshbyRefusal, AshbyTenant};
pub use auth::{ClientAuth, TokenExpiry, TokenIssuer};
pub use bamboohr::{BamboohrTenant, BamboohrUnknown};
pub use deel::DeelTenant;
pub use factorial::FactorialTenant;
pub use greenhouse::GreenhouseTenant;
pub use hibob::{HibobGrant, HibobTenant, Waf};
pub use humaans::{HumaansRole, HumaansTenant};
pub use jazzhr::{JazzhrAccount, JazzhrRejection, JazzhrUser};
pub use lever::LeverTenant;
pub use namely::{NamelyTenant, UnknownSubdomain};
pub use payfit::{IntrospectionBody, PayfitTenant, PAYFIT_SCOPES};
pub use personio::PersonioTenant;
pub use rippling::RipplingTenant;
pub use server::form_pairs;
pub(crate) use server::{basic, bearer};
pub use teamtailor::{TeamtailorScope, TeamtailorTenant};
pub use workable::{WorkableTenant, WorkableUnknown};

/// One request as the emulator saw it.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// HTTP method.
    pub method: String,
    /// Provider id (first path segment).
    pub provider: String,
    /// Host name (second path segment), or the company subdomain for Namely.
    pub host: String,
    /// Path below the provider's host prefix, e.g. `/token-info`.
    pub path: String,
    /// Decoded query parameters.
    pub query: BTreeMap<String, String>,
    /// Headers, names lowercased.
    pub headers: BTreeMap<String, String>,
    /// The body as text.
    pub body: String,
    /// When it arrived.
    pub at: Instant,
    /// How many requests to the same provider were being served when it arrived, itself
    /// included: what a test reads to prove concurrency was bounded.
    pub in_flight: usize,
}

/// One fleet tenant's form: the provider id and its field values (see
/// [`Emulator::add_fleet`]).
pub type FleetForm = (&'static str, Vec<(String, String)>);

/// The most requests that arrived inside any span of `span` starting at an arrival: what a
/// pace test compares with the provider's limit, over [`Recorded::at`] times.
pub fn busiest_span(times: &[Instant], span: Duration) -> usize {
    times
        .iter()
        .map(|s| {
            times
                .iter()
                .filter(|t| **t >= *s && t.duration_since(*s) < span)
                .count()
        })
        .max()
        .unwrap_or(0)
}

/// A way for a path to misbehave.
#[derive(Debug, Clone)]
pub enum Fault {
    /// Answer this status with this JSON body (and, for 429, a `Retry-After`).
    Status {
        /// HTTP status.
        status: u16,
        /// JSON body.
        body: Value,
        /// `Retry-After` header, seconds.
        retry_after: Option<u64>,
    },
    /// Answer 200 with an HTML page instead of JSON.
    NotJson,
    /// Answer this status with an HTML page (a firewall or proxy, not the provider's API).
    Page {
        /// HTTP status.
        status: u16,
        /// `Retry-After` header, seconds.
        retry_after: Option<u64>,
    },
    /// Answer 302 with this `Location` (a client must pass it back, not follow it).
    Redirect(String),
    /// Wait this long before answering normally.
    Slow(Duration),
    /// Close the connection without answering.
    Hangup,
    /// Answer 200 with a JSON-looking body of `bytes` bytes, streamed as long as the client
    /// takes them, declaring its length or not (then the body ends when the connection
    /// closes). What the client actually took is counted: [`Emulator::flood_written`].
    Flood {
        /// How many body bytes to send at most.
        bytes: u64,
        /// Whether to send `Content-Length` (a client must not rely on it either way).
        declare_length: bool,
    },
}

/// Floods being written and the body bytes they got into the connection, with a signal
/// for when the last one ended.
#[derive(Default)]
struct Floods {
    count: Mutex<(usize, u64)>,
    ended: Condvar,
}

/// What the emulator sends back.
#[derive(Debug, Clone)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// Body text.
    pub body: String,
    /// Content type.
    pub content_type: &'static str,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
}

impl Reply {
    /// A JSON reply.
    pub fn json(status: u16, body: Value) -> Self {
        Reply {
            status,
            body: body.to_string(),
            content_type: "application/json",
            headers: Vec::new(),
        }
    }

    /// An HTML page.
    pub fn html(status: u16, body: &str) -> Self {
        Reply {
            status,
            body: body.to_string(),
            content_type: "text/html",
            headers: Vec::new(),
        }
    }

    /// The same reply with one more header.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }
}

/// One provider as the emulator models it: its tenants and how its API answers.
pub(crate) trait Model: Send + 'static {
    /// The answer to a request to one of the provider's hosts.
    fn handle(&mut self, rec: &Recorded) -> Reply;
    /// Makes a key or secret stop working, as if revoked in the provider.
    fn revoke(&mut self, secret: &str);
    /// The token endpoint, for a provider with client credentials.
    fn tokens(&mut self) -> Option<&mut TokenIssuer> {
        None
    }
    /// For [`Emulator::with_model`]'s downcast.
    fn as_any(&mut self) -> &mut dyn std::any::Any;
}

/// Makes a provider's empty model.
type NewModel = fn() -> Box<dyn Model>;

/// Every provider modelled as a [`Model`], by id: one line per provider.
const MODELS: &[(&str, NewModel)] = &[
    ("ashby", ashby::model),
    ("bamboohr", bamboohr::model),
    ("deel", deel::model),
    ("factorial", factorial::model),
    ("greenhouse", greenhouse::model),
    ("lever", lever::model),
    ("personio", personio::model),
    ("rippling", rippling::model),
    ("teamtailor", teamtailor::model),
    ("workable", workable::model),
];

#[derive(Default)]
struct State {
    models: BTreeMap<&'static str, Box<dyn Model>>,
    humaans: BTreeMap<String, HumaansTenant>,
    payfit: payfit::Payfit,
    hibob: hibob::Hibob,
    jazzhr: jazzhr::Jazzhr,
    namely: namely::Namely,
    faults: Vec<(String, String, Fault)>,
    log: Vec<Recorded>,
    latency: Duration,
    /// Requests being served, per provider.
    busy: BTreeMap<String, usize>,
    floods: Arc<Floods>,
}

/// A running emulator. Dropping it stops the server.
pub struct Emulator {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
}

impl Emulator {
    /// Starts a server on an ephemeral loopback port.
    ///
    /// # Panics
    /// When no loopback port can be bound (the test cannot run at all then).
    pub fn start() -> Self {
        Self::start_on(0)
    }

    /// Starts a server on a chosen loopback port (0 for any).
    ///
    /// # Panics
    /// When the port cannot be bound.
    pub fn start_on(port: u16) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", port)).expect("bind a loopback port");
        let addr = listener.local_addr().expect("local address");
        let state = Arc::new(Mutex::new(State {
            models: MODELS.iter().map(|(id, make)| (*id, make())).collect(),
            ..State::default()
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let (st, sp) = (Arc::clone(&state), Arc::clone(&stop));
        thread::spawn(move || {
            for conn in listener.incoming() {
                if sp.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(conn) = conn {
                    let st = Arc::clone(&st);
                    thread::spawn(move || server::serve(conn, &st));
                }
            }
        });
        Emulator { addr, state, stop }
    }

    /// The base URL for a provider's named host, as Keystep's override expects it.
    pub fn url(&self, provider: &str, host: &str) -> String {
        let prefix = provider_file::hosts()
            .iter()
            .find(|(p, h, _)| p == provider && h == host)
            .map_or_else(|| format!("/{provider}/{host}"), |(_, _, x)| x.clone());
        format!("http://{}{prefix}", self.addr)
    }

    /// Every `KEYSTEP_<PROVIDER>_<HOST>_URL` variable pointing Keystep here: one for each
    /// host of each provider file.
    pub fn env(&self) -> Vec<(String, String)> {
        provider_file::hosts()
            .iter()
            .map(|(p, h, _)| {
                (
                    format!(
                        "KEYSTEP_{}_{}_URL",
                        p.replace('-', "_").to_uppercase(),
                        h.replace('-', "_").to_uppercase()
                    ),
                    self.url(p, h),
                )
            })
            .collect()
    }

    /// Runs `f` on the model of provider `id` (each model's module adds its `add_<id>`
    /// through this).
    ///
    /// # Panics
    /// When `id` has no model of type `M` (a test's mistake).
    pub(crate) fn with_model<M: Model, R>(&self, id: &str, f: impl FnOnce(&mut M) -> R) -> R {
        let mut st = self.lock();
        let model = st
            .models
            .get_mut(id)
            .and_then(|m| m.as_any().downcast_mut::<M>())
            .unwrap_or_else(|| panic!("no model of that type for {id}"));
        f(model)
    }

    /// Runs `f` on the token endpoint of provider `id` (client credentials).
    ///
    /// # Panics
    /// When `id` has no token endpoint.
    pub fn with_tokens<R>(&self, id: &str, f: impl FnOnce(&mut TokenIssuer) -> R) -> R {
        let mut st = self.lock();
        let tokens = st
            .models
            .get_mut(id)
            .and_then(|m| m.tokens())
            .unwrap_or_else(|| panic!("{id} has no token endpoint"));
        f(tokens)
    }

    /// Makes every access token provider `id` issued so far expired (the API answers 401).
    pub fn expire_tokens(&self, id: &str) {
        self.with_tokens(id, TokenIssuer::expire_all);
    }

    /// How many access tokens provider `id` minted.
    pub fn tokens_minted(&self, id: &str) -> usize {
        self.with_tokens(id, |t| t.minted())
    }

    /// Makes a token or key stop working, as if revoked in the provider.
    pub fn revoke(&self, token: &str) {
        let mut st = self.lock();
        st.humaans.remove(token);
        st.payfit.keys.remove(token);
        st.jazzhr.keys.remove(token);
        st.hibob.users.retain(|_, u| u.token != token);
        for site in st.namely.sites.values_mut() {
            if site.token == token {
                site.token.clear();
            }
        }
        for model in st.models.values_mut() {
            model.revoke(token);
        }
    }

    /// Makes `path` of `provider` (or every path, with `"*"`) misbehave until cleared.
    pub fn fault(&self, provider: &str, path: &str, fault: Fault) {
        self.lock()
            .faults
            .push((provider.to_string(), path.to_string(), fault));
    }

    /// Delays every answer by `latency`, as a network round trip to the real provider would
    /// (the benchmark measures verification against it). Zero, the default, answers at once.
    pub fn latency(&self, latency: Duration) {
        self.lock().latency = latency;
    }

    /// Waits until every [`Fault::Flood`] answer has ended (the client closed the
    /// connection, or the whole body was sent) and returns the body bytes they wrote into
    /// connections: a client that stops reading early keeps this far below what was offered.
    pub fn flood_written(&self) -> u64 {
        let floods = Arc::clone(&self.lock().floods);
        let mut count = floods.count.lock().unwrap_or_else(|e| e.into_inner());
        while count.0 > 0 {
            count = floods.ended.wait(count).unwrap_or_else(|e| e.into_inner());
        }
        count.1
    }

    /// Removes every fault.
    pub fn clear_faults(&self) {
        self.lock().faults.clear();
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.lock().log.clone()
    }

    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        self.lock().log.clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.addr);
    }
}
