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

use base64::Engine as _;
use reqwest::header::{HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use serde_json::Value;
use url::Url;
use zeroize::Zeroizing;

use crate::error::Code;
use crate::hosts::Hosts;
use crate::pace::{Call, Pace, Pacer};
use crate::provider::{Auth, ClientAuth, Provider};
use crate::secret::Secret;

use super::answer::{read_bounded, retry_after, Body, Unread};

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

/// Posts the client credentials grant and reads the token out of the answer.
async fn mint(
    client: &reqwest::Client,
    req: &TokenRequest<'_>,
    now: u64,
) -> Result<AccessToken, MintError> {
    let mut request = client
        .post(req.url.clone())
        .header(ACCEPT, HeaderValue::from_static("application/json"))
        .header(
            CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
    if req.client_auth == ClientAuth::Basic {
        // RFC 6749 §2.3.1: each part form-encoded, then joined and base64-encoded.
        let pair = Zeroizing::new(format!(
            "{}:{}",
            form_encoded(req.client_id).as_str(),
            form_encoded(req.client_secret.expose()).as_str()
        ));
        let value = Zeroizing::new(format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(pair.as_bytes())
        ));
        // Normalization refused control characters, so this cannot fail on real input.
        let mut header =
            HeaderValue::from_str(&value).map_err(|_| MintError::Unexpected { status: None })?;
        header.set_sensitive(true);
        request = request.header(AUTHORIZATION, header);
    }
    // Wiped when it drops: with form client authentication it holds the secret. (The
    // serializer is not `Send`, so it lives only inside this block, not across the send.)
    let body = Zeroizing::new({
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        form.append_pair("grant_type", "client_credentials");
        if req.client_auth == ClientAuth::Form {
            form.append_pair("client_id", req.client_id);
            form.append_pair("client_secret", req.client_secret.expose());
        }
        form.finish()
    });
    // reqwest keeps its own copy of the body; ours is wiped when it drops.
    let response = request.body(body.as_bytes().to_vec()).send().await;
    let response = response.map_err(|e| {
        log::warn!(
            "token {}: no answer ({})",
            req.url,
            super::network::transport_kind(&e)
        );
        MintError::Unreachable {
            timeout: e.is_timeout(),
            dns: super::network::is_dns_failure(&e),
        }
    })?;
    let (status, headers, bytes) = read_bounded(response).await.map_err(|e| match e {
        Unread::TooBig(status) => MintError::Unexpected {
            status: Some(status),
        },
        Unread::Cut => MintError::Unreachable {
            timeout: false,
            dns: false,
        },
    })?;
    log::info!("token {} -> {status}", req.url);
    let body = Body::of(&bytes);
    match (status, &body) {
        (200..=299, Body::Json(json)) => read_token(json, req, now),
        (200..=299, _) => Err(MintError::Unexpected {
            status: Some(status),
        }),
        (429, _) => Err(MintError::RateLimited {
            retry_after: retry_after(&headers, now),
        }),
        (403, Body::Json(_)) | (400 | 401, Body::Json(_)) => Err(refusal(status, &body)),
        (401, Body::Empty) => Err(MintError::Refused { status, own: true }),
        (401, Body::Page) => Err(MintError::Refused { status, own: false }),
        (403, _) => Err(MintError::Blocked {
            status,
            retry_after: retry_after(&headers, now),
        }),
        (500..=599, _) => Err(MintError::ProviderError { status }),
        _ => Err(MintError::Unexpected {
            status: Some(status),
        }),
    }
}

/// What a JSON 400, 401 or 403 from a token endpoint means: RFC 6749 §5.2's errors about
/// the client or the grant refuse the credentials; a malformed request is Keystep's or the
/// provider's problem, not the key's.
fn refusal(status: u16, body: &Body) -> MintError {
    let Body::Json(json) = body else {
        return MintError::Unexpected {
            status: Some(status),
        };
    };
    let error = json
        .get("error")
        .and_then(Value::as_str)
        .unwrap_or_default();
    match error {
        "invalid_request" | "unsupported_grant_type" | "invalid_scope" => MintError::Unexpected {
            status: Some(status),
        },
        // invalid_client, unauthorized_client, invalid_grant, a provider's own word, or none.
        _ => MintError::Refused { status, own: true },
    }
}

/// The token in a successful answer: `access_token`, a Bearer `token_type` if one is
/// named, `expires_in` (seconds) or `expires_at` (Unix time or an RFC 3339 date), and the
/// scopes where the provider file says they are.
fn read_token(json: &Value, req: &TokenRequest<'_>, now: u64) -> Result<AccessToken, MintError> {
    let unexpected = || MintError::Unexpected { status: Some(200) };
    let value = json
        .get("access_token")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty() && t.chars().all(|c| c.is_ascii_graphic()))
        .ok_or_else(unexpected)?;
    if json
        .get("token_type")
        .and_then(Value::as_str)
        .is_some_and(|t| !t.eq_ignore_ascii_case("bearer"))
    {
        return Err(unexpected());
    }
    let expires_at = json
        .get("expires_in")
        .and_then(seconds)
        .map(|s| now.saturating_add(s))
        .or_else(|| json.get("expires_at").and_then(unix_time))
        .unwrap_or(now + ASSUMED_TOKEN_SECS);
    let scopes = req
        .scopes
        .and_then(|p| json.pointer(p))
        .and_then(|v| match v {
            Value::String(s) => Some(s.split_whitespace().map(String::from).collect()),
            Value::Array(a) => Some(
                a.iter()
                    .filter_map(|x| x.as_str().map(String::from))
                    .collect(),
            ),
            _ => None,
        });
    Ok(AccessToken {
        value: Secret::new(value),
        issued_at: now,
        expires_at,
        scopes,
    })
}

/// A number of seconds, as a JSON number or a numeric string.
fn seconds(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A point in time as Unix seconds: a number (milliseconds when it is that large) or an
/// RFC 3339 date such as `2026-09-01T12:00:00Z`.
pub fn unix_time(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n
            .as_u64()
            .map(|t| if t > 100_000_000_000 { t / 1000 } else { t }),
        Value::String(s) => {
            let s = s.trim();
            if let Ok(n) = s.parse::<u64>() {
                return unix_time(&Value::from(n));
            }
            let parsed =
                time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
                    .ok()?;
            u64::try_from(parsed.unix_timestamp()).ok()
        }
        _ => None,
    }
}

/// `application/x-www-form-urlencoded` of one value, as RFC 6749 wants each part of the
/// Basic pair.
fn form_encoded(value: &str) -> Zeroizing<String> {
    Zeroizing::new(url::form_urlencoded::byte_serialize(value.as_bytes()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn request(secret: &Secret) -> TokenRequest<'_> {
        TokenRequest {
            url: Url::parse("https://auth.example/token").expect("url"),
            client_id: "client",
            client_secret: secret,
            client_auth: ClientAuth::Basic,
            scopes: Some("/scope"),
        }
    }

    #[test]
    fn a_token_answer_gives_the_token_its_expiry_and_scopes() {
        let secret = Secret::new("s");
        let req = request(&secret);
        let t = read_token(
            &json!({"access_token": "tok", "token_type": "bearer", "expires_in": 3600, "scope": "a b"}),
            &req,
            1_000,
        )
        .expect("a token");
        assert_eq!(t.secret().expose(), "tok", "the token");
        assert_eq!(t.expires_at(), 4_600, "expires_in counts from now");
        assert_eq!(
            t.scopes(),
            Some(&["a".to_string(), "b".to_string()][..]),
            "words"
        );
        let t = read_token(
            &json!({"access_token": "tok", "expires_at": "2026-09-01T00:00:00Z"}),
            &req,
            1_000,
        )
        .expect("a token");
        assert_eq!(t.expires_at(), 1_788_220_800, "an RFC 3339 expiry");
        assert_eq!(t.scopes(), None, "no scope in the answer");
        let t = read_token(&json!({"access_token": "tok"}), &req, 1_000).expect("a token");
        assert_eq!(t.expires_at(), 1_000 + ASSUMED_TOKEN_SECS, "assumed life");
    }

    #[test]
    fn answers_that_are_not_tokens_are_refused() {
        let secret = Secret::new("s");
        let req = request(&secret);
        for bad in [
            json!({}),
            json!({"access_token": ""}),
            json!({"access_token": "a b"}),
            json!({"access_token": "t", "token_type": "mac"}),
        ] {
            assert!(
                read_token(&bad, &req, 0).is_err(),
                "{bad} is no Bearer token"
            );
        }
    }

    #[test]
    fn refusals_tell_bad_credentials_from_a_bad_request() {
        let body = |e: &str| Body::Json(json!({ "error": e }));
        assert_eq!(
            refusal(401, &body("invalid_client")).code(),
            Code::BadCredentials,
            "invalid_client"
        );
        assert_eq!(
            refusal(400, &body("invalid_grant")).code(),
            Code::BadCredentials,
            "invalid_grant"
        );
        assert_eq!(
            refusal(400, &body("unsupported_grant_type")).code(),
            Code::UnexpectedResponse,
            "Keystep's request, not the key"
        );
    }

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
