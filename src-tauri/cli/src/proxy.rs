//! The loopback proxy of `keystep run`: a script uses a linked key without ever holding it.
//!
//! For one run, [`Proxy::start`] listens on 127.0.0.1 at a random port. Each account named
//! for the run is a [`Grant`]: its real credential, read from the keychain once, and a
//! random run token that stands for it. A script sends its requests to
//! `http://127.0.0.1:PORT/<name>/<host>/…` with the run token where the provider takes a
//! key; the proxy checks the token, the path and the method, then forwards the request to
//! the account's real base URL for that host with the real credential in the token's place,
//! within the provider's pace, and streams the answer back. It never follows a redirect,
//! and nothing it sends back holds the credential. Every request is recorded in the use log
//! (`use_log`), without query values.
//!
//! Refusals are JSON with an `error` code and forward nothing: a missing or wrong token is
//! 401 `keystep_unauthorized`, a path leaving the base 400 `keystep_bad_path`, another
//! host 404 `keystep_unknown_host`, a write without `--allow-write` 403 `keystep_read_only`.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::task::JoinSet;

use keystep_core::pace::{Pace, Pacer};
use keystep_core::use_log::UseLog;

mod route;
mod grant;
mod forward;

pub use grant::{Grant, GrantError};
pub use route::{is_read, route, PathTrouble, Route};

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
        })
    }
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
    requests: AtomicU64,
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
        let shared = Arc::new(Shared {
            grants: grants.into_iter().map(|g| (g.name.clone(), g)).collect(),
            settings,
            requests: AtomicU64::new(0),
        });
        let serving = Arc::clone(&shared);
        let server = tokio::spawn(async move {
            // Owned here, so aborting the server ends every connection with it.
            let mut connections = JoinSet::new();
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let shared = Arc::clone(&serving);
                connections.spawn(async move {
                    let service = hyper::service::service_fn(move |req| {
                        let shared = Arc::clone(&shared);
                        async move { Ok::<_, std::convert::Infallible>(shared.handle(req).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
                // Reap finished connections so a long run does not grow the set.
                while connections.try_join_next().is_some() {}
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

    /// Requests answered so far (refusals included).
    pub fn requests(&self) -> u64 {
        self.shared.requests.load(Ordering::SeqCst)
    }

    /// Stops listening and ends every connection.
    pub async fn stop(mut self) {
        self.server.abort();
        let _ = (&mut self.server).await;
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.server.abort();
    }
}
