//! The verification engine: runs a provider's [`Check`] chain and classifies the outcome.
//!
//! One engine serves every provider; the provider file says what to send and how to read
//! the answers. The engine owns the rules that hold for all of them: never send another
//! request after a 401 (HiBob blocks an IP after bursts of them), run permission probes one
//! at a time, never put a response body or a secret in a message, and say precisely which
//! of the closed set of [`Code`]s applies.
//!
//! It also owns what counts as evidence. Only the provider's own answer judges a key (the
//! rules in `verify/answer.rs`): a page, a redirect or a 403 that is not JSON is a
//! firewall, a proxy or a portal speaking, and a background check ([`Purpose::Check`]) never
//! reads a failed name lookup as a wrong company. When linking, a lookup that fails for the
//! company's own address is weighed against the provider's domain: if that resolves, the
//! company's site does not exist; if not, the computer is offline. And a success must prove
//! something: a chain that ends without learning the tenant its provider's
//! `identity.tenant` names is `unexpected_response`, not a working key.
//!
//! It fails closed: no HTTP client means nothing is sent, an answer is read up to
//! [`MAX_ANSWER_BYTES`], and a value captured from one answer cannot steer the next request
//! to another path (`verify/request.rs`).

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use reqwest::dns::Resolve;
use serde::{Deserialize, Serialize};
use url::Url;

use crate::clock::{Clock, SystemClock};
use crate::error::Code;
use crate::hosts::Hosts;
use crate::input::Credentials;
use crate::pace::Pacer;
use crate::provider::{placeholders, Auth, Check, Provider};

mod answer;
mod network;
mod token;
mod report;
mod request;
// Sends one check: after the parts it uses.
mod check;
// Runs a whole chain: after the check it sends.
mod chain;

pub use answer::MAX_ANSWER_BYTES;
pub use network::{client_builder, default_client, ClientError};
pub use report::{join_words, retry_phrase};
pub use token::{
    unix_time, AccessToken, AccessTokens, MintError, MintPace, Origin, TokenClient, TokenRequest,
    ASSUMED_TOKEN_SECS, EXPIRY_MARGIN_SECS,
};

/// How long one request may take before the provider counts as unreachable.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);

/// Why a chain runs, which decides what a doubtful answer may conclude.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Someone is linking (or relinking) a key and waits for the answer: a company site
    /// that provably does not exist is said to be wrong.
    Link,
    /// A background check of a linked account: nothing but the provider's own answer turns
    /// the account red, so a failed lookup, a page or a redirect is "couldn't check".
    Check,
}

/// What verification found out.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Report {
    /// The credential works and nothing required is known to be missing.
    pub ok: bool,
    /// Why not, when not.
    pub code: Option<Code>,
    /// One or two sentences for the person: what happened and what to do.
    pub message: String,
    /// For `rate_limited` and `blocked`: when a retry makes sense.
    pub retry_after_secs: Option<u64>,
    /// Who and what the credential reaches.
    pub identity: Identity,
    /// Scopes or permissions, compared with what the guide asked for.
    pub permissions: PermissionReport,
    /// What input normalization changed, in English (see `input::Note::describe`).
    pub notes: Vec<String>,
    /// The provider's `identity.tenant`, filled in (company id, subdomain…), when every
    /// value it names was seen: what tells this tenant from another. Never a secret.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    /// The purpose the key was held to (`read`, `full`…): what `permissions` compares with.
    pub purpose: String,
    /// When the key expires, where the API says (the capture a `chosen_expiry` lifetime
    /// names), as Unix seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<u64>,
}

/// Hears each check of a chain as it starts.
pub type Progress<'a> = dyn Fn(&Check) + Send + Sync + 'a;

/// What the provider told us about the account.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Identity {
    /// Company or tenant name.
    pub company: Option<String>,
    /// People or records visible to the credential.
    pub head_count: Option<u64>,
    /// `head_count` is a full first page: there may be more (JazzHR's 100 users a page).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub head_count_more: bool,
    /// The user the credential acts as.
    pub user: Option<String>,
}

/// Required permissions, split by what verification could establish.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct PermissionReport {
    /// What the guide asked for.
    pub required: Vec<String>,
    /// Known to be granted.
    pub granted: Vec<String>,
    /// Required and known to be missing.
    pub missing: Vec<String>,
    /// Granted beyond what the purpose needs: least-privilege advice (which boxes to untick),
    /// never an error.
    pub extra: Vec<String>,
    /// Required but impossible to check without changing data.
    pub unchecked: Vec<String>,
    /// Asked for by the original guide, not granted, and not known to exist at the
    /// provider (`permissions.unconfirmed`): never a failure.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unconfirmed: Vec<String>,
}

/// Runs verification chains against the providers' real (or overridden) hosts.
#[derive(Clone)]
pub struct Verifier {
    /// Built on first use, not with the verifier: creating a client loads the system's TLS
    /// library and trust store (~150 ms of CPU with OpenSSL 3), and the app makes its
    /// verifier on the main thread while the window's first page is waiting for that thread.
    /// A client that could not be built is kept as such: every chain then reports
    /// `internal` and sends nothing.
    client: Arc<OnceLock<Result<reqwest::Client, ClientError>>>,
    /// Looks names up when a failed lookup needs weighing; `None` is the system's resolver
    /// (the one the default client uses too).
    resolver: Option<Arc<dyn Resolve>>,
    hosts: Hosts,
    clock: Arc<dyn Clock>,
    /// Paces every request to a provider, when set (the app; one-off CLI runs need none).
    pacer: Option<Arc<Pacer>>,
    /// Access tokens minted for client credentials, held in memory; clones share them.
    tokens: AccessTokens,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("hosts", &self.hosts)
            .finish_non_exhaustive()
    }
}

/// A value captured from an answer.
#[derive(Debug, Clone)]
enum Captured {
    Text(String),
    List(Vec<String>),
}

/// Why the chain stopped early.
struct Stop {
    code: Code,
    hint: Option<String>,
    retry_after: Option<u64>,
    status: Option<u16>,
}

/// One chain's access token (client credentials): fetched before the first authenticated
/// check, and minted again once if the API refuses it.
#[derive(Default)]
struct Session {
    token: Option<AccessToken>,
    reminted: bool,
}

impl Stop {
    fn new(code: Code) -> Self {
        Stop {
            code,
            hint: None,
            retry_after: None,
            status: None,
        }
    }

    fn with_hint(code: Code, hint: String) -> Self {
        let mut s = Stop::new(code);
        s.hint = Some(hint);
        s
    }
}

impl Verifier {
    /// A verifier with Keystep's HTTP client (timeouts, user agent, system TLS) and the system clock.
    /// The client is made when the first request needs it.
    pub fn new(hosts: Hosts) -> Self {
        Verifier {
            client: Arc::new(OnceLock::new()),
            resolver: None,
            hosts,
            clock: Arc::new(SystemClock),
            pacer: None,
            tokens: AccessTokens::new(),
        }
    }

    /// A verifier with an injected client and clock (tests: short timeouts, fixed time).
    pub fn with_parts(client: reqwest::Client, hosts: Hosts, clock: Arc<dyn Clock>) -> Self {
        Verifier {
            client: Arc::new(OnceLock::from(Ok(client))),
            resolver: None,
            hosts,
            clock,
            pacer: None,
            tokens: AccessTokens::new(),
        }
    }

    /// A verifier whose client is built now from `builder` (start from [`client_builder`]).
    /// If it cannot be built, the verifier still exists, and every chain reports `internal`
    /// without sending anything.
    pub fn from_builder(
        builder: reqwest::ClientBuilder,
        hosts: Hosts,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Verifier {
            client: Arc::new(OnceLock::from(network::build(builder))),
            resolver: None,
            hosts,
            clock,
            pacer: None,
            tokens: AccessTokens::new(),
        }
    }

    /// The same verifier, sending every request through `pacer`, which also hears each
    /// provider's `Retry-After`.
    #[must_use]
    pub fn paced(mut self, pacer: Arc<Pacer>) -> Self {
        self.pacer = Some(pacer);
        self
    }

    /// The same verifier, holding access tokens in `tokens` (one cache for a whole process:
    /// the window's checks, or a `keystep run` and its proxy).
    #[must_use]
    pub fn sharing_tokens(mut self, tokens: AccessTokens) -> Self {
        self.tokens = tokens;
        self
    }

    /// The access tokens this verifier holds (and mints into).
    pub fn tokens(&self) -> &AccessTokens {
        &self.tokens
    }

    /// The same verifier, weighing failed lookups with `resolver`: the one its client was
    /// built with (`ClientBuilder::dns_resolver`), so both see the same names.
    #[must_use]
    pub fn resolving_with(mut self, resolver: Arc<dyn Resolve>) -> Self {
        self.resolver = Some(resolver);
        self
    }

    /// The HTTP client, made now if this is its first use. Clones of a verifier share it.
    fn client(&self) -> Result<&reqwest::Client, Stop> {
        self.client
            .get_or_init(|| default_client(REQUEST_TIMEOUT))
            .as_ref()
            .map_err(|_| {
                Stop::with_hint(
                    Code::Internal,
                    "Keystep could not set up its secure connection (its HTTP client could not be built), so nothing was sent.".into(),
                )
            })
    }

    /// Whether the HTTP client has been made (or its making failed) yet.
    pub fn has_client(&self) -> bool {
        self.client.get().is_some()
    }

    /// The host table in use.
    pub fn hosts(&self) -> &Hosts {
        &self.hosts
    }

    /// The access token for `provider`'s client credentials: `None` for other schemes, the
    /// held one while it lives, else a new one from the token endpoint. The client secret
    /// goes nowhere else.
    async fn access_token(
        &self,
        provider: &Provider,
        creds: &Credentials,
        purpose: Purpose,
    ) -> Result<Option<AccessToken>, Stop> {
        if !matches!(provider.auth, Auth::ClientCredentials { .. }) {
            return Ok(None);
        }
        let req = TokenRequest::new(provider, &self.hosts, &creds.public, &creds.secrets)
            .ok_or_else(|| Stop::new(Code::Internal))?;
        let client = self.client()?;
        // A pause the provider asked for covers its token endpoint too.
        let pace = self.pacer.as_deref().map(|pacer| MintPace {
            pacer,
            provider: &provider.id,
            pace: &provider.pace,
        });
        match self
            .tokens
            .token(client, &req, self.clock.unix_now(), pace)
            .await
        {
            Ok((token, _)) => Ok(Some(token)),
            Err(e) => {
                log::warn!("{}: no access token: {e}", provider.id);
                Err(mint_stop(&e, purpose))
            }
        }
    }

    /// What a failed name lookup means. Only a check whose file says so (`on_dns_failure`,
    /// Namely's company site) may conclude more than `unreachable`, only when linking, and
    /// only if the provider's own domain still resolves: then the company's address is what
    /// does not exist. Otherwise the computer has no working network or DNS.
    async fn weigh_dns_failure(
        &self,
        provider: &Provider,
        check: &Check,
        vars: &BTreeMap<String, Captured>,
        url: &Url,
        purpose: Purpose,
    ) -> Stop {
        let unreachable = Stop::new(Code::Unreachable);
        let Some(code) = check
            .on_dns_failure
            .and_then(crate::provider::Reaction::code)
        else {
            return unreachable;
        };
        if purpose == Purpose::Check {
            return unreachable;
        }
        let Some(own) = self
            .base_of(provider, check, vars)
            .ok()
            .and_then(network::own_domain)
        else {
            return unreachable;
        };
        let address = url.host_str().unwrap_or_default();
        if network::resolves(self.resolver.as_ref(), &own).await {
            log::info!("{}: {own} resolves, {address} does not", check.id);
            Stop::with_hint(code, format!("{address} does not exist, while {own} does."))
        } else {
            log::info!("{}: {own} does not resolve either: no network", check.id);
            Stop::with_hint(
                Code::Unreachable,
                format!(
                    "Keystep could not look up {own} either, so this computer seems to be offline."
                ),
            )
        }
    }
}

/// The stop a failed mint makes, weighed like any answer: a refusal that is not the
/// provider's own word is no verdict on the key in a background check.
fn mint_stop(e: &MintError, purpose: Purpose) -> Stop {
    let mut s = Stop::new(e.code());
    match *e {
        MintError::Refused { status, own } => {
            s.code = answer::weigh(
                Code::BadCredentials,
                status,
                &answer::Body::Page,
                own,
                purpose,
            );
            s.status = Some(status);
        }
        MintError::RateLimited { retry_after } => s.retry_after = retry_after,
        MintError::Blocked {
            status,
            retry_after,
        } => {
            s.status = Some(status);
            s.retry_after = retry_after;
        }
        MintError::ProviderError { status } => s.status = Some(status),
        MintError::Unexpected { status } => s.status = status,
        MintError::Unreachable { timeout: true, .. } => {
            s.hint = Some(format!(
                "The token endpoint did not answer within {} seconds.",
                REQUEST_TIMEOUT.as_secs()
            ));
        }
        MintError::Unreachable { .. } => {}
    }
    s
}

fn text_var(vars: &BTreeMap<String, Captured>, name: &str) -> Option<String> {
    match vars.get(name)? {
        Captured::Text(t) => Some(t.clone()),
        Captured::List(l) => Some(l.join(" ")),
    }
}

/// Fills `{name}` placeholders from captures and non-secret fields; `None` if one is unknown.
fn render_text(template: &str, vars: &BTreeMap<String, Captured>) -> Option<String> {
    let mut out = template.to_string();
    for ph in placeholders(template) {
        let value = text_var(vars, ph)?;
        out = out.replacen(&format!("{{{ph}}}"), &value, 1);
    }
    Some(out)
}
