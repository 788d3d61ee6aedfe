//! The loopback proxy of `keystep run`: a script uses a linked key without ever holding it.
//!
//! For one run, [`Proxy::start`] listens on 127.0.0.1 at a random port. Each account named
//! for the run is a [`Grant`]: its real credential, read from the keychain once, and a
//! random run token that stands for it. A script sends its requests to
//! `http://127.0.0.1:PORT/<name>/<host>/…` with the run token where the provider takes a
//! key; the proxy checks who connected (the run's own user only, `peer`), the `Host`, the
//! token, the path and the method, then forwards the request to the account's real base URL
//! for that host with the real credential in the token's place, within what the provider
//! documents of its limits, and streams the answer back. It never follows a redirect, and
//! nothing it sends back holds the credential. Every request it authenticated is recorded in
//! the use log (`use_log`), without query values; what it refused before knowing who asked
//! is only counted, so nobody without the token can fill the log.
//!
//! Refusals are JSON with an `error` code and forward nothing: a missing or wrong token is
//! 401 `keystep_unauthorized`, a `Host` other than the proxy's own 400 `keystep_bad_host`, a
//! path leaving the base 400 `keystep_bad_path`, another host 404 `keystep_unknown_host`, a
//! write without `--allow-write` (or a method that is neither a read nor a plain write) 403
//! `keystep_read_only`. A connection from another user is closed before a byte of it is
//! read.
//!
//! Connections are bounded ([`ProxySettings::max_connections`]); one that has not sent a
//! whole request head within [`ProxySettings::header_timeout`] (idle keep-alive ones too) is
//! closed; when the system runs out of descriptors the accept loop pauses instead of
//! spinning.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use keystep_core::pace::{Pace, Pacer};
use keystep_core::use_log::UseLog;

mod route;
mod grant;
mod peer;
mod forward;

pub use grant::{Grant, GrantError};
pub use route::{is_read, is_write, route, PathTrouble, Route};

/// The most connections served at once by default: far more than a script opens, and few
/// enough that a descriptor limit of 1,024 (a desktop session's usual) is never reached.
pub const MAX_CONNECTIONS: usize = 256;

/// How long a connection may take to send a whole request head (or stay idle between two
/// requests) by default.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// How long the accept loop pauses when accepting fails (no descriptor left, say).
const ACCEPT_PAUSE: Duration = Duration::from_millis(100);

/// Where the proxy says what a person running the script should know (a long hold).
pub type Notices = Arc<dyn Fn(&str) + Send + Sync>;

/// How a proxy behaves for one run.
pub struct ProxySettings {
    /// Whether requests other than reads are forwarded (`--allow-write`).
    pub allow_write: bool,
    /// The pacer every forwarded request goes through (one per run).
    pub pacer: Arc<Pacer>,
    /// A pace replacing every provider's own (the benchmark and tests lift it).
    pub pace: Option<Pace>,
    /// The client requests are forwarded with ([`client`]).
    pub client: reqwest::Client,
    /// Where requests are recorded, and the run they belong to.
    pub log: Option<(Arc<UseLog>, String)>,
    /// The longest request body a script may send (answers are streamed, whatever their size).
    pub max_request_body: usize,
    /// The most connections served at once; more wait to be accepted.
    pub max_connections: usize,
    /// How long a connection may take to send a request head, or stay idle between two.
    pub header_timeout: Duration,
    /// Where a hold on a provider's limit is said, once per run (`keystep run`'s stderr).
    pub notices: Option<Notices>,
}

impl ProxySettings {
    /// Read-only, each provider's own pace, Keystep's client, no log.
    ///
    /// # Errors
    /// The HTTP client could not be built.
    pub fn new() -> Result<Self, keystep_core::verify::ClientError> {
        Ok(ProxySettings {
            allow_write: false,
            pacer: Arc::new(Pacer::new()),
            pace: None,
            client: client()?,
            log: None,
            max_request_body: 16 << 20,
            max_connections: connection_cap(),
            header_timeout: HEADER_TIMEOUT,
            notices: None,
        })
    }
}

/// How many connections to serve at once: [`MAX_CONNECTIONS`], or a quarter of the
/// descriptors this process may open if that is less, so accepted connections never use up
/// the descriptors the forwarded requests, the command's pipes and the log need.
fn connection_cap() -> usize {
    #[cfg(unix)]
    {
        use nix::sys::resource::{getrlimit, Resource};
        if let Ok((soft, _)) = getrlimit(Resource::RLIMIT_NOFILE) {
            let quarter = usize::try_from(soft / 4).unwrap_or(usize::MAX);
            return quarter.clamp(8, MAX_CONNECTIONS);
        }
    }
    MAX_CONNECTIONS
}

/// The proxy's HTTP client: the system's TLS as the verifier uses it, TLS 1.2 at least, no
/// redirects followed, a bounded connect, and no overall timeout (answers of any size stream).
///
/// # Errors
/// The TLS library or an option was refused.
pub fn client() -> Result<reqwest::Client, keystep_core::verify::ClientError> {
    reqwest::Client::builder()
        .min_tls_version(reqwest::tls::Version::TLS_1_2)
        .connect_timeout(Duration::from_secs(10))
        .read_timeout(Duration::from_secs(120))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(keystep_core::verify::ClientError)
}

/// What the request handler shares.
struct Shared {
    grants: BTreeMap<String, Grant>,
    settings: ProxySettings,
    /// The proxy's own address: the only `Host` it answers to.
    addr: SocketAddr,
    /// Requests a token opened (each recorded).
    requests: AtomicU64,
    /// Requests refused before anyone was identified (counted, not recorded).
    refused: AtomicU64,
    /// Connections closed unread because another user made them.
    strangers: AtomicU64,
    /// Holds already said on stderr, by what held (once each per run).
    said: std::sync::Mutex<std::collections::BTreeSet<String>>,
}

/// What a proxy served and turned away in its run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Served {
    /// Requests a run token opened.
    pub requests: u64,
    /// Requests refused before a run token opened them.
    pub refused: u64,
    /// Connections from other users, closed unread.
    pub other_users: u64,
}

/// A running proxy. [`Proxy::stop`] (or dropping it) ends it and every connection.
pub struct Proxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    server: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for Proxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Proxy").field("addr", &self.addr).finish()
    }
}

impl Proxy {
    /// Starts serving `grants` on a random loopback port.
    ///
    /// # Errors
    /// No loopback port could be bound.
    pub async fn start(grants: Vec<Grant>, settings: ProxySettings) -> std::io::Result<Proxy> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let slots = Arc::new(Semaphore::new(settings.max_connections.max(1)));
        let shared = Arc::new(Shared {
            grants: grants.into_iter().map(|g| (g.name.clone(), g)).collect(),
            settings,
            addr,
            requests: AtomicU64::new(0),
            refused: AtomicU64::new(0),
            strangers: AtomicU64::new(0),
            said: std::sync::Mutex::new(std::collections::BTreeSet::new()),
        });
        let serving = Arc::clone(&shared);
        let server = tokio::spawn(async move {
            // Owned here, so aborting the server ends every connection with it.
            let mut connections = JoinSet::new();
            loop {
                // Reap finished connections so a long run does not grow the set.
                while connections.try_join_next().is_some() {}
                let Ok(slot) = Arc::clone(&slots).acquire_owned().await else {
                    return;
                };
                let (stream, peer) = match listener.accept().await {
                    Ok(accepted) => accepted,
                    Err(e) => {
                        // Out of descriptors, the error repeats at once: pause rather than
                        // spin, so connections that end can give some back.
                        log::warn!("keystep run: the proxy could not accept a connection: {e}");
                        tokio::time::sleep(ACCEPT_PAUSE).await;
                        continue;
                    }
                };
                let shared = Arc::clone(&serving);
                connections.spawn(async move {
                    let _slot = slot;
                    if !peer::is_ours(peer, shared.addr) {
                        shared.strangers.fetch_add(1, Ordering::SeqCst);
                        return;
                    }
                    let _ = stream.set_nodelay(true);
                    let timeout = shared.settings.header_timeout;
                    let handler = Arc::clone(&shared);
                    let service = hyper::service::service_fn(move |req| {
                        let shared = Arc::clone(&handler);
                        async move { Ok::<_, std::convert::Infallible>(shared.handle(req).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .timer(TokioTimer::new())
                        .header_read_timeout(timeout)
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Ok(Proxy {
            addr,
            shared,
            server,
        })
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The proxy's base URL for `name`'s `host`, as scripts are given it.
    pub fn url(&self, name: &str, host: &str) -> Option<String> {
        let grant = self.shared.grants.get(name)?;
        grant
            .bases
            .contains_key(host)
            .then(|| format!("http://{}/{name}/{host}", self.addr))
    }

    /// The grants served, by name.
    pub fn grants(&self) -> impl Iterator<Item = &Grant> {
        self.shared.grants.values()
    }

    /// Requests a run token opened so far (each one recorded, refused or not).
    pub fn requests(&self) -> u64 {
        self.shared.requests.load(Ordering::SeqCst)
    }

    /// Requests refused before a run token opened them (counted, never recorded one by one).
    pub fn refused(&self) -> u64 {
        self.shared.refused.load(Ordering::SeqCst)
    }

    /// Connections closed unread because another user of the machine made them.
    pub fn strangers(&self) -> u64 {
        self.shared.strangers.load(Ordering::SeqCst)
    }

    /// Stops listening and ends every connection; returns what it served and turned away.
    pub async fn stop(mut self) -> Served {
        self.server.abort();
        let _ = (&mut self.server).await;
        Served {
            requests: self.requests(),
            refused: self.refused(),
            other_users: self.strangers(),
        }
    }
}

impl Shared {
    /// Says `line` where the run's notices go, the first time `what` happens in the run.
    fn say_once(&self, what: &str, line: &str) {
        let Some(say) = &self.settings.notices else {
            return;
        };
        let first = self
            .said
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(what.to_string());
        if first {
            say(line);
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.server.abort();
    }
}
