//! Access tokens for OAuth client credentials (Greenhouse Harvest v3, Personio v2): minted at
//! the provider's token endpoint and held in memory, never on disk, until shortly before they
//! expire.
//!
//! [`AccessTokens`] is the cache. It is cheap to clone (clones share it), so one can serve
//! every verification of a process and, later, `keystep run`'s proxy, which must mint one
//! token for a run of a thousand requests, not a thousand. It is keyed by token endpoint and
//! client ID, and remembers a keyed hash of the client secret a token was minted with (not
//! the secret), so a new secret for the same client is never answered with the old one's
//! token. Minting for one client is done once at a time: callers racing for the same token
//! wait for the first.
//!
//! The client secret goes to the token endpoint only, in the way the provider documents
//! (HTTP Basic or the form body); the token comes back as a [`Secret`], redacted wherever it
//! is printed. A token refused by the API (a 401) is dropped with [`AccessTokens::forget`]
//! and minted again by the next call.

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasher, RandomState};
use std::sync::{Arc, Mutex};

use url::Url;

use crate::error::Code;
use crate::hosts::Hosts;
use crate::pace::{Call, Pace, Pacer};
use crate::provider::{Auth, ClientAuth, Provider};
use crate::secret::Secret;

mod mint;

use mint::mint;
pub use mint::unix_time;

/// How long a token lives when the answer does not say (Greenhouse documents an hour for its
/// partner tokens): the 401 rule covers a shorter life.
pub const ASSUMED_TOKEN_SECS: u64 = 3600;

/// A token is minted again this long before it expires, so none is sent as it dies.
pub const EXPIRY_MARGIN_SECS: u64 = 60;

/// An access token and what its answer said about it.
#[derive(Debug, Clone)]
pub struct AccessToken {
    value: Secret,
    issued_at: u64,
    expires_at: u64,
    scopes: Option<Vec<String>>,
}

impl AccessToken {
    /// The token, for an `Authorization: Bearer` header.
    pub fn secret(&self) -> &Secret {
        &self.value
    }

    /// When it expires (Unix seconds), as the answer said or as assumed.
    pub fn expires_at(&self) -> u64 {
        self.expires_at
    }

    /// The scopes the answer listed, when the provider file says where and it did.
    pub fn scopes(&self) -> Option<&[String]> {
        self.scopes.as_deref()
    }
}

/// Where and how to mint a token for one client.
#[derive(Debug)]
pub struct TokenRequest<'a> {
    url: Url,
    client_id: &'a str,
    client_secret: &'a Secret,
    client_auth: ClientAuth,
    scopes: Option<&'a str>,
}

impl<'a> TokenRequest<'a> {
    /// The request `provider`'s client credentials need, with its token host as `hosts` has
    /// it (overrides applied) and the client ID and secret from the fields; `None` when the
    /// provider does not use client credentials or a value or the host is missing.
    pub fn new(
        provider: &'a Provider,
        hosts: &'a Hosts,
        public: &'a BTreeMap<String, String>,
        secrets: &'a BTreeMap<String, Secret>,
    ) -> Option<Self> {
        let Auth::ClientCredentials {
            client_id,
            client_secret,
            token_host,
            token_path,
            client_auth,
            scopes,
        } = &provider.auth
        else {
            return None;
        };
        let base = hosts.base(provider, token_host)?;
        let url = Url::parse(&format!("{base}{token_path}")).ok()?;
        Some(TokenRequest {
            url,
            client_id: public.get(client_id)?,
            client_secret: secrets.get(client_secret)?,
            client_auth: *client_auth,
            scopes: scopes.as_deref(),
        })
    }

    /// The token endpoint, for logs (it carries nothing secret).
    pub fn url(&self) -> &Url {
        &self.url
    }
}

/// The pace a mint keeps: the provider's lane of the process's pacer, so a wait the
/// provider asked for covers its token endpoint too, and a documented limit counts mints.
#[derive(Debug, Clone, Copy)]
pub struct MintPace<'a> {
    /// The process's pacer.
    pub pacer: &'a Pacer,
    /// The provider's id (its lane).
    pub provider: &'a str,
    /// The provider file's pace.
    pub pace: &'a Pace,
}

/// A [`TokenRequest`] that owns its parts, for a holder that outlives the provider file and
/// the fields it came from: `keystep run`'s proxy keeps one per account for the whole run.
/// Its token endpoint is given as a base URL the caller has already held to where the
/// account was verified.
pub struct TokenClient {
    url: Url,
    client_id: String,
    client_secret: Secret,
    client_auth: ClientAuth,
    scopes: Option<String>,
}

impl std::fmt::Debug for TokenClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenClient")
            .field("url", &self.url.as_str())
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

impl TokenClient {
    /// `provider`'s client credentials, its token endpoint below `token_base` (the base URL
    /// of the provider's token host), with the client ID and secret; `None` when the
    /// provider does not use client credentials or the URL cannot be made.
    pub fn new(
        provider: &Provider,
        token_base: &str,
        client_id: &str,
        client_secret: Secret,
    ) -> Option<Self> {
        let Auth::ClientCredentials {
            token_path,
            client_auth,
            scopes,
            ..
        } = &provider.auth
        else {
            return None;
        };
        Some(TokenClient {
            url: Url::parse(&format!("{token_base}{token_path}")).ok()?,
            client_id: client_id.to_string(),
            client_secret,
            client_auth: *client_auth,
            scopes: scopes.clone(),
        })
    }

    /// The request to hand [`AccessTokens::token`].
    pub fn request(&self) -> TokenRequest<'_> {
        TokenRequest {
            url: self.url.clone(),
            client_id: &self.client_id,
            client_secret: &self.client_secret,
            client_auth: self.client_auth,
            scopes: self.scopes.as_deref(),
        }
    }
}

/// Why no token could be minted. Never holds a secret, a body or a URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MintError {
    /// The token endpoint refused the client credentials. `own` says whether the refusal
    /// is the provider's JSON or a bare 401 (a page is not).
    #[error("the token endpoint refused the client credentials (HTTP {status})")]
    Refused {
        /// HTTP status.
        status: u16,
        /// The provider's own answer (JSON, or a 401 with nothing in it).
        own: bool,
    },
    /// Too many requests: try again after the wait, when the answer named one.
    #[error("the token endpoint is limiting requests")]
    RateLimited {
        /// Seconds to wait.
        retry_after: Option<u64>,
    },
    /// A firewall's page in front of the token endpoint.
    #[error("the token endpoint is blocked (HTTP {status})")]
    Blocked {
        /// HTTP status.
        status: u16,
        /// Seconds to wait.
        retry_after: Option<u64>,
    },
    /// The provider had a problem.
    #[error("the token endpoint failed (HTTP {status})")]
    ProviderError {
        /// HTTP status.
        status: u16,
    },
    /// An answer that is not a token.
    #[error("the token endpoint answered unexpectedly")]
    Unexpected {
        /// HTTP status, when there was an answer.
        status: Option<u16>,
    },
    /// No answer at all.
    #[error("the token endpoint could not be reached")]
    Unreachable {
        /// It did not answer in time.
        timeout: bool,
        /// Its name could not be looked up.
        dns: bool,
    },
}

impl MintError {
    /// The outcome code this is.
    pub fn code(&self) -> Code {
        match self {
            MintError::Refused { .. } => Code::BadCredentials,
            MintError::RateLimited { .. } => Code::RateLimited,
            MintError::Blocked { .. } => Code::Blocked,
            MintError::ProviderError { .. } => Code::ProviderError,
            MintError::Unexpected { .. } => Code::UnexpectedResponse,
            MintError::Unreachable { .. } => Code::Unreachable,
        }
    }
}

/// One client's held token, and a keyed hash of the secret it was minted with.
struct Held {
    token: AccessToken,
    secret_hash: u64,
}

type Slot = Arc<tokio::sync::Mutex<Option<Held>>>;

/// The in-memory cache of access tokens; clones share it.
#[derive(Clone, Default)]
pub struct AccessTokens {
    slots: Arc<Mutex<HashMap<(String, String), Slot>>>,
    /// Keys the secret hashes: random per process, so a hash says nothing outside it.
    hasher: RandomState,
    minted: Arc<std::sync::atomic::AtomicU64>,
}

impl std::fmt::Debug for AccessTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessTokens")
            .field("minted", &self.minted())
            .finish_non_exhaustive()
    }
}

/// Where a token came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Held from an earlier call.
    Cached,
    /// Minted by this call.
    Minted,
}

impl AccessTokens {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many tokens this cache has minted (tests and the benchmark count them).
    pub fn minted(&self) -> u64 {
        self.minted.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn slot(&self, req: &TokenRequest<'_>) -> Slot {
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        Arc::clone(
            slots
                .entry((req.url.to_string(), req.client_id.to_string()))
                .or_default(),
        )
    }

    /// A token for `req`'s client at `now`: the held one while it has more than
    /// [`EXPIRY_MARGIN_SECS`] to live (and was minted with this secret), else a new one.
    ///
    /// # Errors
    /// The token endpoint did not give a token.
    /// A mint goes through `pace` when one is given: only a mint, not a token served from
    /// the cache, is a request to the provider.
    pub async fn token(
        &self,
        client: &reqwest::Client,
        req: &TokenRequest<'_>,
        now: u64,
        pace: Option<MintPace<'_>>,
    ) -> Result<(AccessToken, Origin), MintError> {
        let secret_hash = self.hasher.hash_one(req.client_secret.expose());
        let slot = self.slot(req);
        let mut held = slot.lock().await;
        if let Some(h) = held.as_ref() {
            if h.secret_hash == secret_hash
                && now.saturating_add(margin(&h.token)) < h.token.expires_at
            {
                return Ok((h.token.clone(), Origin::Cached));
            }
        }
        *held = None;
        let admission = match &pace {
            Some(p) => {
                let call = Call {
                    method: "POST",
                    path: req.url.path(),
                    read: true,
                };
                let admitted = p.pacer.admit(p.provider, p.pace, call).await;
                Some(admitted.map_err(|left| MintError::RateLimited {
                    retry_after: Some(left),
                })?)
            }
            None => None,
        };
        let minted = mint(client, req, now).await;
        drop(admission);
        if let (Some(p), Err(MintError::RateLimited { retry_after })) = (&pace, &minted) {
            match retry_after {
                Some(secs) => p.pacer.hold(p.provider, (*secs).min(3_600)).await,
                None => {
                    p.pacer.answered(p.provider, p.pace, 429, false);
                }
            }
        }
        let token = minted?;
        self.minted
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        *held = Some(Held {
            token: token.clone(),
            secret_hash,
        });
        Ok((token, Origin::Minted))
    }

    /// Drops the token held for `req`'s client if it is `refused` (the API answered 401
    /// to it), so the next call mints a new one. A token another caller has minted since is
    /// kept.
    pub async fn forget(&self, req: &TokenRequest<'_>, refused: &AccessToken) {
        let slot = self.slot(req);
        let mut held = slot.lock().await;
        if held
            .as_ref()
            .is_some_and(|h| h.token.value.expose() == refused.value.expose())
        {
            *held = None;
        }
    }
}

/// The margin before expiry: [`EXPIRY_MARGIN_SECS`], or half of a shorter life.
fn margin(token: &AccessToken) -> u64 {
    EXPIRY_MARGIN_SECS.min(token.expires_at.saturating_sub(token.issued_at) / 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_margin_is_a_minute_or_half_a_short_life() {
        let t = |expires_at| AccessToken {
            value: Secret::new("t"),
            issued_at: 0,
            expires_at,
            scopes: None,
        };
        assert_eq!(margin(&t(10_000)), EXPIRY_MARGIN_SECS, "a long life");
        assert_eq!(margin(&t(40)), 20, "a 40 s life");
    }
}
