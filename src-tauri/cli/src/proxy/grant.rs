//! One account made usable for one run: where its hosts really are, its real credential
//! (read from the keychain once, zeroized on drop) and the run token that stands for it.
//!
//! The token is checked where the provider file says a key goes (`[auth]`), so a script
//! written for the vendor's API only changes its base URL and its key: a Bearer token, the
//! password of a Basic pair (the user name is ignored), the user name of Basic with the key
//! as user name (the password is ignored), the vendor's own header (its template around the
//! key), or a query parameter. The real credential is put back in the same place.
//!
//! Client credentials are different: the script sends its run token as a Bearer token, and
//! the proxy sends an access token it minted itself with the client ID and secret, held in
//! the run's [`AccessTokens`] and minted again shortly before it expires or once when the
//! API refuses it. The client secret goes to the token endpoint only, where the account was
//! verified; the script never sees it nor the access token, and the token host is not one
//! the script may send requests to (unless the provider's API lives there too).

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, AUTHORIZATION};
use zeroize::Zeroizing;

use keystep_core::account::Account;
use keystep_core::hosts::Hosts;
use keystep_core::pace::{Pace, Pacer};
use keystep_core::provider::{placeholders, Auth, Provider, ReadRequest, StatusRule};
use keystep_core::secret::Secret;
use keystep_core::vault::SecretFields;
use keystep_core::verify::{AccessToken, AccessTokens, MintError, MintPace, TokenClient};

/// Why an account cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GrantError {
    /// A field the provider's auth needs is missing (the keychain item is incomplete).
    #[error("the keychain item lacks the field “{0}”: link the account again")]
    MissingField(String),
    /// A host's base URL is not where the key was verified (an override changed it).
    #[error("the “{0}” host is not where this key was verified (a KEYSTEP_*_URL variable changed it): Keystep will not send the key there")]
    HostChanged(String),
    /// The provider file names a header Keystep cannot send (not a valid header name or
    /// value): nothing is sent.
    #[error("the provider file's header “{0}” cannot be sent")]
    BadHeader(String),
}

/// The real credential, in the form the provider takes it.
enum Credential {
    /// A header and its value: `Authorization` (`Bearer …`, `Basic …`) or a vendor header.
    Header { name: HeaderName, value: Secret },
    /// A query parameter's name and value.
    Query { param: String, value: Secret },
    /// Client credentials: the access token is minted at the token endpoint.
    Minted(TokenClient),
}

/// One account as one run may use it.
pub struct Grant {
    /// The name it goes by in URLs and variables (its handle).
    pub name: String,
    /// The account id.
    pub account: String,
    /// The provider id (the pacing lane).
    pub provider: String,
    /// The provider's name, as notices say it.
    pub provider_name: String,
    /// The provider's pace.
    pub pace: Pace,
    /// Host name → real base URL, for the hosts a script may send requests to.
    pub bases: BTreeMap<String, String>,
    /// The host `KEYSTEP_URL` names: `api` when there is one, else the first.
    pub main_host: String,
    /// Requests that read although their method is not GET or HEAD, by method and path
    /// pattern (the provider file's `reads`): the only others the read-only proxy lets by.
    pub reads: Vec<ReadRequest>,
    /// How the provider file reads statuses for every request (rate limiting, a firewall's
    /// page, and the wait it declares when no `Retry-After` says).
    pub on_status: BTreeMap<u16, StatusRule>,
    /// Headers the provider wants on every request (`headers`), sent over the script's own.
    fixed: Vec<(HeaderName, HeaderValue)>,
    auth: Auth,
    credential: Credential,
    token: Secret,
    /// Every spelling of every secret value (as `--env` masks them), to keep them out of
    /// answers' headers.
    secrets: Vec<Secret>,
}

impl std::fmt::Debug for Grant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Grant")
            .field("name", &self.name)
            .field("account", &self.account)
            .finish_non_exhaustive()
    }
}

/// A fresh run token: 244 random bits, hex, prefixed so it is recognizable in a script.
fn new_token() -> Secret {
    Secret::new(format!(
        "kst_{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    ))
}

/// Equality that takes as long whatever the first differing byte.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `Basic base64(user:password)`.
fn basic(user: &str, password: &str) -> Secret {
    let pair = Zeroizing::new(format!("{user}:{password}"));
    let encoded = Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(pair.as_bytes()));
    Secret::new(format!("Basic {}", encoded.as_str()))
}

/// The user name and password of a `Basic` header value, decoded.
fn basic_pair(authorization: Option<&str>) -> Option<Zeroizing<Vec<u8>>> {
    authorization
        .and_then(|h| h.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("basic"))
        .and_then(|(_, b)| {
            base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .ok()
        })
        .map(Zeroizing::new)
}

/// The one value of header `name` in `headers`, as text (none when it is sent twice).
fn only_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    let mut values = headers.get_all(name).iter();
    match (values.next(), values.next()) {
        (Some(v), None) => v.to_str().ok(),
        _ => None,
    }
}

/// Seconds since the epoch, as the token cache counts.
fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// What a request is sent upstream with: the credential's header, if it rides in one, and
/// the access token minted for it (client credentials), which the answer must not echo and
/// which is dropped if the API refuses it.
pub(super) struct Upstream {
    /// The header to set.
    pub(super) header: Option<(HeaderName, HeaderValue)>,
    /// The access token sent, for client credentials.
    pub(super) minted: Option<AccessToken>,
}

/// What minting needs from the proxy: its client, the run's token cache, and the pacer.
#[derive(Clone, Copy)]
pub(super) struct Minting<'a> {
    pub(super) client: &'a reqwest::Client,
    pub(super) tokens: &'a AccessTokens,
    pub(super) pacer: &'a Pacer,
    pub(super) pace: &'a Pace,
}

impl Grant {
    /// Makes `account` usable under `name`, with its `secrets` from the keychain.
    ///
    /// # Errors
    /// A needed field is missing, a host is not where the key was verified, or a header the
    /// provider file names cannot be sent.
    pub fn new(
        name: &str,
        account: &Account,
        provider: &Provider,
        hosts: &Hosts,
        secrets: SecretFields,
    ) -> Result<Grant, GrantError> {
        if let Some(host) =
            hosts.unverified_host(provider, &account.fields, &account.verified_hosts)
        {
            return Err(GrantError::HostChanged(host));
        }
        let value = |key: &str| -> Result<Zeroizing<String>, GrantError> {
            secrets
                .get(key)
                .map(|s| Zeroizing::new(s.expose().to_string()))
                .or_else(|| account.fields.get(key).cloned().map(Zeroizing::new))
                .ok_or_else(|| GrantError::MissingField(key.to_string()))
        };
        let header_name = |n: &str| {
            HeaderName::from_bytes(n.as_bytes()).map_err(|_| GrantError::BadHeader(n.into()))
        };
        // Every host a key goes to, the token endpoint's included (held above).
        let mut bases = hosts.bases_for(provider, &account.fields);
        let mut extra: Vec<Secret> = Vec::new();
        let credential = match &provider.auth {
            Auth::Bearer { token } => Credential::Header {
                name: AUTHORIZATION,
                value: Secret::new(format!("Bearer {}", value(token)?.as_str())),
            },
            Auth::Basic { username, password } => Credential::Header {
                name: AUTHORIZATION,
                value: basic(&value(username)?, &value(password)?),
            },
            Auth::BasicKey { key, password } => Credential::Header {
                name: AUTHORIZATION,
                value: basic(&value(key)?, password),
            },
            Auth::Header {
                name,
                value: template,
            } => {
                let mut filled = Zeroizing::new(template.clone());
                for ph in placeholders(template) {
                    *filled = filled.replace(&format!("{{{ph}}}"), &value(ph)?);
                }
                Credential::Header {
                    name: header_name(name)?,
                    value: Secret::new(filled.as_str()),
                }
            }
            Auth::Query { param, value: key } => Credential::Query {
                param: param.clone(),
                value: Secret::new(value(key)?.as_str()),
            },
            Auth::ClientCredentials {
                client_id,
                client_secret,
                token_host,
                ..
            } => {
                let id = value(client_id)?;
                let secret = Secret::new(value(client_secret)?.as_str());
                // The pair as a client sends it to the token endpoint: kept out of answers.
                extra.push(Secret::new(format!("{}:{}", id.as_str(), secret.expose())));
                let base = bases
                    .get(token_host)
                    .cloned()
                    .ok_or_else(|| GrantError::MissingField(token_host.clone()))?;
                // The token endpoint is not a host for the script, unless a check (the
                // provider's API) uses it too.
                let api_there = provider
                    .checks
                    .iter()
                    .filter_map(|c| provider.host_of(c, |f| account.fields.get(f).cloned()))
                    .any(|h| h == token_host);
                if !api_there {
                    bases.remove(token_host);
                }
                Credential::Minted(
                    TokenClient::new(provider, &base, &id, secret)
                        .ok_or_else(|| GrantError::BadHeader(token_host.clone()))?,
                )
            }
        };
        let fixed = provider
            .headers
            .iter()
            .map(|(n, v)| {
                let value =
                    HeaderValue::from_str(v).map_err(|_| GrantError::BadHeader(n.clone()))?;
                Ok((header_name(n)?, value))
            })
            .collect::<Result<Vec<_>, GrantError>>()?;
        let main_host = if bases.contains_key("api") {
            "api".to_string()
        } else {
            bases.keys().next().cloned().unwrap_or_default()
        };
        let mut all: Vec<Secret> = secrets.into_values().collect();
        all.extend(extra);
        if let Credential::Header { value, .. } = &credential {
            all.push(value.clone());
        }
        Ok(Grant {
            name: name.to_string(),
            account: account.id.clone(),
            provider: provider.id.clone(),
            provider_name: provider.name.clone(),
            pace: provider.pace.clone(),
            bases,
            main_host,
            reads: provider.reads.clone(),
            on_status: provider
                .on_status
                .iter()
                .filter_map(|(status, rule)| Some((status.parse().ok()?, *rule)))
                .collect(),
            fixed,
            auth: provider.auth.clone(),
            credential,
            token: new_token(),
            secrets: all
                .iter()
                .flat_map(|s| crate::run::spellings(s.expose().as_bytes()))
                .filter_map(|f| std::str::from_utf8(&f).ok().map(Secret::new))
                .collect(),
        })
    }

    /// The run token that stands for the credential.
    pub fn token(&self) -> &Secret {
        &self.token
    }

    /// Whether a request with `headers` and `query` carries this grant's run token in the
    /// provider's place for a key.
    pub(super) fn admits(&self, headers: &HeaderMap, query: Option<&str>) -> bool {
        let token = self.token.expose().as_bytes();
        let authorization = only_value(headers, AUTHORIZATION.as_str());
        match &self.auth {
            // Client credentials: the script's run token stands for the access token.
            Auth::Bearer { .. } | Auth::ClientCredentials { .. } => authorization
                .and_then(|h| h.split_once(' '))
                .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
                .is_some_and(|(_, t)| same(t.trim().as_bytes(), token)),
            Auth::Basic { .. } => basic_pair(authorization).is_some_and(|pair| {
                pair.iter()
                    .position(|b| *b == b':')
                    .is_some_and(|i| same(&pair[i + 1..], token))
            }),
            // The user name is the key; whatever password the script sends is ignored.
            Auth::BasicKey { .. } => basic_pair(authorization).is_some_and(|pair| {
                let user = pair
                    .iter()
                    .position(|b| *b == b':')
                    .map_or(&pair[..], |i| &pair[..i]);
                same(user, token)
            }),
            Auth::Header { name, value } => {
                let Some(sent) = only_value(headers, name) else {
                    return false;
                };
                let Some(ph) = placeholders(value).into_iter().next() else {
                    return false;
                };
                let (before, after) = value
                    .split_once(&format!("{{{ph}}}"))
                    .unwrap_or((value.as_str(), ""));
                sent.strip_prefix(before)
                    .and_then(|rest| rest.strip_suffix(after))
                    .is_some_and(|t| same(t.as_bytes(), token))
            }
            Auth::Query { param, .. } => {
                let values: Vec<_> = query_pairs(query.unwrap_or(""))
                    .filter(|(k, _)| k == param)
                    .collect();
                values.len() == 1 && same(values[0].1.as_bytes(), token)
            }
        }
    }

    /// The headers the provider file wants on every request (an API version, a versioned
    /// `Accept`), set over whatever the script sent under those names: requests go out as
    /// the key was verified, whatever a client adds by default (curl's `Accept: */*`).
    pub(super) fn add_fixed_headers(&self, headers: &mut HeaderMap) {
        for (name, value) in &self.fixed {
            headers.insert(name.clone(), value.clone());
        }
    }

    /// What the request is sent upstream with: the credential's header (for client
    /// credentials, a held access token or one minted now, through the pacer).
    ///
    /// # Errors
    /// No access token could be minted.
    pub(super) async fn upstream(&self, minting: Minting<'_>) -> Result<Upstream, MintError> {
        let sensitive = |text: &str| {
            let mut v = HeaderValue::from_str(text).ok()?;
            v.set_sensitive(true);
            Some(v)
        };
        match &self.credential {
            Credential::Header { name, value } => Ok(Upstream {
                header: sensitive(value.expose()).map(|v| (name.clone(), v)),
                minted: None,
            }),
            Credential::Query { .. } => Ok(Upstream {
                header: None,
                minted: None,
            }),
            Credential::Minted(client) => {
                let pace = MintPace {
                    pacer: minting.pacer,
                    provider: &self.provider,
                    pace: minting.pace,
                };
                let (token, _) = minting
                    .tokens
                    .token(minting.client, &client.request(), unix_now(), Some(pace))
                    .await?;
                let bearer = Zeroizing::new(format!("Bearer {}", token.secret().expose()));
                Ok(Upstream {
                    header: sensitive(&bearer).map(|v| (AUTHORIZATION, v)),
                    minted: Some(token),
                })
            }
        }
    }

    /// The API refused `token` (a 401): it is dropped, so the next request mints another.
    pub(super) async fn forget(&self, tokens: &AccessTokens, token: &AccessToken) {
        if let Credential::Minted(client) = &self.credential {
            tokens.forget(&client.request(), token).await;
        }
    }

    /// The query to send upstream: the script's, with the run token replaced by the key
    /// when the key rides in the query. Other parameters are passed as written.
    pub(super) fn upstream_query(&self, query: Option<&str>) -> Option<Zeroizing<String>> {
        let query = query?;
        let Credential::Query { param, value } = &self.credential else {
            return Some(Zeroizing::new(query.to_string()));
        };
        let parts: Vec<Zeroizing<String>> = query
            .split('&')
            .map(|pair| {
                let key = pair.split_once('=').map_or(pair, |(k, _)| k);
                if decode(key) == *param {
                    Zeroizing::new(format!(
                        "{}={}",
                        key,
                        url::form_urlencoded::byte_serialize(value.expose().as_bytes())
                            .collect::<String>()
                    ))
                } else {
                    Zeroizing::new(pair.to_string())
                }
            })
            .collect();
        let mut out = Zeroizing::new(String::new());
        for (i, p) in parts.iter().enumerate() {
            if i > 0 {
                out.push('&');
            }
            out.push_str(p);
        }
        Some(out)
    }

    /// Whether `text` holds a secret of this grant (a header the provider echoed), or the
    /// access token `minted` for this request.
    pub(super) fn leaks_into(&self, text: &[u8], minted: Option<&AccessToken>) -> bool {
        let holds = |s: &[u8]| !s.is_empty() && text.windows(s.len()).any(|w| w == s);
        self.secrets.iter().any(|s| holds(s.expose().as_bytes()))
            || minted.is_some_and(|t| holds(t.secret().expose().as_bytes()))
    }
}

fn decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("{s}=").as_bytes())
        .next()
        .map(|(k, _)| k.into_owned())
        .unwrap_or_default()
}

fn query_pairs(query: &str) -> impl Iterator<Item = (String, Zeroizing<String>)> + '_ {
    url::form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), Zeroizing::new(v.into_owned())))
}
