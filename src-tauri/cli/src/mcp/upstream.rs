//! How `keystep mcp` reads from a provider: through `keystep run`'s own proxy, started in
//! this process on loopback, so an assistant's reads obey exactly the proxy's rules (the path
//! stays below the account's base, only reads pass, the key goes only where it was verified,
//! the provider's pace holds across every call, each request is recorded) without a second
//! copy of them. The server holds each account's run token and sends it where the provider
//! takes a key; the proxy puts the real key in its place. Answers are read whole, up to a
//! bound, and must be JSON, so the field policy can be applied to them.

use base64::Engine as _;
use serde_json::Value;

use keystep_core::error::Code;
use keystep_core::people::PageRequest;
use keystep_core::provider::{Auth, ListMethod, Provider};

use crate::proxy::{Grant, Proxy, ProxySettings};

/// The largest answer read (a whole HiBob company comes in one answer).
const MAX_ANSWER: usize = 32 << 20;

/// A tool's failure: one of Keystep's codes and a sentence an assistant can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolError {
    /// The outcome code.
    pub code: Code,
    /// What happened and what to do.
    pub message: String,
}

impl ToolError {
    /// A failure with `code` and `message`.
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        ToolError {
            code,
            message: message.into(),
        }
    }
}

/// The proxy the tools read through, and the loopback client that talks to it.
pub struct Upstream {
    proxy: Proxy,
    client: reqwest::Client,
}

impl Upstream {
    /// Starts the proxy for `grants` with `settings` (read-only: `allow_write` is forced off).
    ///
    /// # Errors
    /// No loopback port, or no HTTP client.
    pub async fn start(grants: Vec<Grant>, mut settings: ProxySettings) -> std::io::Result<Self> {
        settings.allow_write = false;
        let proxy = Proxy::start(grants, settings).await?;
        // Loopback only, to our own proxy: no TLS, no redirects, no system proxy.
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .build()
            .map_err(std::io::Error::other)?;
        Ok(Upstream { proxy, client })
    }

    /// What the proxy served and turned away so far (the session's end records it).
    pub fn served(&self) -> crate::proxy::Served {
        crate::proxy::Served {
            requests: self.proxy.requests(),
            refused: self.proxy.refused(),
            other_users: self.proxy.strangers(),
        }
    }

    /// Stops the proxy.
    pub async fn stop(self) {
        self.proxy.stop().await;
    }

    /// Sends `req` for account `handle` to its provider's `host`, and reads the JSON answer.
    ///
    /// # Errors
    /// A [`ToolError`]: the proxy's refusal, the provider's, or an answer that is not JSON.
    pub async fn send(
        &self,
        handle: &str,
        host: &str,
        provider: &Provider,
        req: &PageRequest,
    ) -> Result<Value, ToolError> {
        Ok(self.send_page(handle, host, provider, req).await?.0)
    }

    /// As [`Upstream::send`], with the answer's `Link` header (some providers say there
    /// where the next page is).
    ///
    /// # Errors
    /// As [`Upstream::send`].
    pub async fn send_page(
        &self,
        handle: &str,
        host: &str,
        provider: &Provider,
        req: &PageRequest,
    ) -> Result<(Value, Option<String>), ToolError> {
        let grant = self
            .proxy
            .grants()
            .find(|g| g.name == handle)
            .ok_or_else(|| {
                ToolError::new(
                    Code::NotFound,
                    format!("Keystep does not serve the account “{handle}” in this session."),
                )
            })?;
        let base = self.proxy.url(handle, host).ok_or_else(|| {
            let hosts: Vec<&str> = grant.bases.keys().map(String::as_str).collect();
            ToolError::new(
                Code::InvalidInput,
                format!(
                    "{} has no host “{host}”; its hosts are: {}.",
                    provider.name,
                    hosts.join(", ")
                ),
            )
        })?;
        // The proxy's own path rule, on the path as given: a URL parser would resolve a `..`
        // (or `%2e%2e`) before the proxy could see it.
        if crate::proxy::route(&format!("/{handle}/{host}{}", req.path)).is_err() {
            return Err(ToolError::new(
                Code::InvalidInput,
                "That path would leave the provider's API (a .. or an encoded separator): give a plain path such as /people.",
            ));
        }
        let mut url = reqwest::Url::parse(&format!("{base}{}", req.path)).map_err(|_| {
            ToolError::new(
                Code::InvalidInput,
                "That path is not one a URL can hold: give a path such as /people.",
            )
        })?;
        {
            let mut pairs = url.query_pairs_mut();
            for (k, v) in &req.query {
                pairs.append_pair(k, v);
            }
            if let Auth::Query { param, .. } = &provider.auth {
                pairs.append_pair(param, grant.token().expose());
            }
        }
        if url.query() == Some("") {
            url.set_query(None);
        }
        let method = match req.method {
            ListMethod::Get => reqwest::Method::GET,
            ListMethod::Post => reqwest::Method::POST,
        };
        // Only JSON is passed on (the field policy reads it), so JSON is what is asked for:
        // BambooHR answers XML to a request that does not say so.
        let mut builder = self
            .client
            .request(method, url)
            .header(reqwest::header::ACCEPT, "application/json");
        builder = match &provider.auth {
            // Client credentials: the proxy mints the access token; the run token stands
            // for it as a Bearer token (grant.rs, `admits`).
            Auth::Bearer { .. } | Auth::ClientCredentials { .. } => builder.header(
                reqwest::header::AUTHORIZATION,
                sensitive(&format!("Bearer {}", grant.token().expose())),
            ),
            Auth::Basic { .. } => {
                let pair = format!("keystep:{}", grant.token().expose());
                let encoded = base64::engine::general_purpose::STANDARD.encode(pair);
                builder.header(
                    reqwest::header::AUTHORIZATION,
                    sensitive(&format!("Basic {encoded}")),
                )
            }
            // The key is the Basic user name: so is the run token; the proxy ignores the
            // password and sends the provider's fixed one.
            Auth::BasicKey { .. } => {
                let pair = format!("{}:", grant.token().expose());
                let encoded = base64::engine::general_purpose::STANDARD.encode(pair);
                builder.header(
                    reqwest::header::AUTHORIZATION,
                    sensitive(&format!("Basic {encoded}")),
                )
            }
            // The vendor's header, its template filled with the run token.
            Auth::Header { name, value } => {
                let filled = keystep_core::provider::placeholders(value)
                    .into_iter()
                    .fold(value.clone(), |text, ph| {
                        text.replace(&format!("{{{ph}}}"), grant.token().expose())
                    });
                builder.header(name.as_str(), sensitive(&filled))
            }
            Auth::Query { .. } => builder,
        };
        if let Some(body) = &req.body {
            builder = builder.json(body);
        }
        // The run token is in the URL for JazzHR: reqwest's errors are never repeated.
        let mut answer = builder.send().await.map_err(|_| {
            ToolError::new(
                Code::Internal,
                "Keystep's own proxy did not answer. Restart the assistant's Keystep server.",
            )
        })?;
        let status = answer.status().as_u16();
        let retry_after = answer
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        let link = answer
            .headers()
            .get(reqwest::header::LINK)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let mut body: Vec<u8> = Vec::new();
        loop {
            match answer.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() + chunk.len() > MAX_ANSWER {
                        return Err(ToolError::new(
                            Code::UnexpectedResponse,
                            "The provider's answer is larger than Keystep reads at once (32 MiB): ask for a smaller page.",
                        ));
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(_) => {
                    return Err(ToolError::new(
                        Code::Unreachable,
                        format!("{}'s answer broke off. Try again.", provider.name),
                    ))
                }
            }
        }
        let json: Option<Value> = serde_json::from_slice(&body).ok();
        if let Some(refusal) = json.as_ref().and_then(proxy_refusal) {
            return Err(refused(refusal, provider));
        }
        if (200..300).contains(&status) {
            return json.map(|j| (j, link)).ok_or_else(|| {
                ToolError::new(
                    Code::UnexpectedResponse,
                    format!(
                        "{} answered with something that is not JSON, so Keystep cannot apply its field policy to it and does not pass it on.",
                        provider.name
                    ),
                )
            });
        }
        Err(provider_failure(
            status,
            json.is_some(),
            retry_after,
            provider,
        ))
    }
}

fn sensitive(value: &str) -> reqwest::header::HeaderValue {
    let mut v = reqwest::header::HeaderValue::from_str(value)
        .unwrap_or_else(|_| reqwest::header::HeaderValue::from_static("invalid"));
    v.set_sensitive(true);
    v
}

/// The proxy's own refusal code, when the answer is one (`{"error": "keystep_…"}`).
fn proxy_refusal(json: &Value) -> Option<&str> {
    let o = json.as_object()?;
    let code = o.get("error")?.as_str()?;
    (o.len() == 1 && code.starts_with("keystep_")).then_some(code)
}

fn refused(code: &str, provider: &Provider) -> ToolError {
    match code {
        "keystep_read_only" => ToolError::new(
            Code::ReadOnly,
            format!(
                "Keystep only reads, and this request is not a read {} is known for: use GET, or POST only for the reads Keystep's provider file lists.",
                provider.name
            ),
        ),
        "keystep_bad_path" => ToolError::new(
            Code::InvalidInput,
            "That path would leave the provider's API (a .. or an encoded separator): give a plain path such as /people.",
        ),
        "keystep_unknown_host" => {
            let hosts: Vec<&str> = provider.hosts.keys().map(String::as_str).collect();
            ToolError::new(
                Code::InvalidInput,
                format!("{} has no such host; its hosts are: {}.", provider.name, hosts.join(", ")),
            )
        }
        "keystep_request_too_large" => ToolError::new(
            Code::InvalidInput,
            "That request's body is larger than Keystep's proxy forwards: ask for fewer fields or a narrower search.",
        ),
        "keystep_unreachable" => ToolError::new(
            Code::Unreachable,
            format!(
                "{} could not be reached (no network, or its address does not answer). Try again later.",
                provider.name
            ),
        ),
        _ => ToolError::new(
            Code::Internal,
            "Keystep's own proxy refused the request. Restart the assistant's Keystep server.",
        ),
    }
}

/// What a provider's failed answer means, by the provider file's own status rules first.
fn provider_failure(
    status: u16,
    is_json: bool,
    retry_after: Option<u64>,
    provider: &Provider,
) -> ToolError {
    let rule = provider
        .on_status
        .get(&status.to_string())
        .and_then(|r| r.reaction(is_json))
        .and_then(|r| r.code());
    let code = rule.unwrap_or(match status {
        401 => Code::BadCredentials,
        403 => Code::MissingPermission,
        404 => Code::NotFound,
        429 => Code::RateLimited,
        500..=599 => Code::ProviderError,
        _ => Code::UnexpectedResponse,
    });
    let name = &provider.name;
    let message = match code {
        Code::BadCredentials => format!("{name} refused the account's key ({status}): it may have been revoked. Ask the admin to check or relink the account in Keystep."),
        Code::MissingPermission => format!("{name} refused this read ({status}): the key lacks the permission for it. Ask the admin to grant it to the key in {name}, or read something else."),
        Code::NotFound => format!("{name} found nothing there ({status}): check the id or the path."),
        Code::RateLimited => format!(
            "{name} asked Keystep to slow down ({status}). Wait {} before the next call to this account.",
            retry_after.map_or_else(|| "a minute".to_string(), |s| format!("{s} seconds"))
        ),
        Code::Blocked => format!("{name} is blocking this machine for a while ({status}). Wait a few minutes before trying again."),
        Code::ProviderError => format!("{name} failed to answer ({status}). Try again later."),
        Code::WrongTenant => format!("{name} does not know the account's company ({status}). Ask the admin to check the account in Keystep."),
        _ => format!("{name} answered {status}, which Keystep does not read as an answer."),
    };
    ToolError::new(code, message)
}
