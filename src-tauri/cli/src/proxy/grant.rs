//! One account made usable for one run: where its hosts really are, its real credential
//! (read from the keychain once, zeroized on drop) and the run token that stands for it.
//!
//! The token is checked where the provider file says a key goes (`[auth]`), so a script
//! written for the vendor's API only changes its base URL and its key: a Bearer token, the
//! password of a Basic pair (the user name is ignored), or a query parameter. The real
//! credential is put back in the same place.

use std::collections::BTreeMap;

use base64::Engine as _;
use reqwest::header::{HeaderValue, AUTHORIZATION};
use zeroize::Zeroizing;

use keystep_core::account::Account;
use keystep_core::hosts::Hosts;
use keystep_core::pace::Pace;
use keystep_core::provider::{Auth, Provider, StatusRule};
use keystep_core::secret::Secret;
use keystep_core::vault::SecretFields;

/// Why an account cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GrantError {
    /// A field the provider's auth needs is missing (the keychain item is incomplete).
    #[error("the keychain item lacks the field “{0}”: link the account again")]
    MissingField(String),
    /// A host's base URL is not where the key was verified (an override changed it).
    #[error("the “{0}” host is not where this key was verified (a KEYSTEP_*_URL variable changed it): Keystep will not send the key there")]
    HostChanged(String),
}

/// The real credential, in the form the provider takes it.
enum Credential {
    /// `Authorization` header value (`Bearer …` or `Basic …`).
    Header(Secret),
    /// A query parameter's name and value.
    Query { param: String, value: Secret },
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
    /// Host name → real base URL.
    pub bases: BTreeMap<String, String>,
    /// The host `KEYSTEP_URL` names: `api` when there is one, else the first.
    pub main_host: String,
    /// Requests that read although their method is not GET: (method, path).
    pub reads: Vec<(String, String)>,
    /// How the provider file reads statuses for every request (rate limiting, a firewall's
    /// page, and the wait it declares when no `Retry-After` says).
    pub on_status: BTreeMap<u16, StatusRule>,
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

impl Grant {
    /// Makes `account` usable under `name`, with its `secrets` from the keychain.
    ///
    /// # Errors
    /// A needed field is missing, or a host is not where the key was verified.
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
        let credential = match &provider.auth {
            Auth::Bearer { token } => {
                Credential::Header(Secret::new(format!("Bearer {}", value(token)?.as_str())))
            }
            Auth::Basic { username, password } => {
                let pair = Zeroizing::new(format!(
                    "{}:{}",
                    value(username)?.as_str(),
                    value(password)?.as_str()
                ));
                let encoded = Zeroizing::new(
                    base64::engine::general_purpose::STANDARD.encode(pair.as_bytes()),
                );
                Credential::Header(Secret::new(format!("Basic {}", encoded.as_str())))
            }
            Auth::Query { param, value: key } => Credential::Query {
                param: param.clone(),
                value: Secret::new(value(key)?.as_str()),
            },
        };
        let bases = hosts.bases_for(provider, &account.fields);
        let main_host = if bases.contains_key("api") {
            "api".to_string()
        } else {
            bases.keys().next().cloned().unwrap_or_default()
        };
        let mut all: Vec<Secret> = secrets.into_values().collect();
        if let Credential::Header(h) = &credential {
            all.push(h.clone());
        }
        Ok(Grant {
            name: name.to_string(),
            account: account.id.clone(),
            provider: provider.id.clone(),
            provider_name: provider.name.clone(),
            pace: provider.pace.clone(),
            bases,
            main_host,
            reads: provider
                .reads
                .iter()
                .map(|r| (format!("{:?}", r.method).to_uppercase(), r.path.clone()))
                .collect(),
            on_status: provider
                .on_status
                .iter()
                .filter_map(|(status, rule)| Some((status.parse().ok()?, *rule)))
                .collect(),
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

    /// Whether a request carries this grant's run token in the provider's place for a key.
    pub(super) fn admits(&self, authorization: Option<&str>, query: Option<&str>) -> bool {
        let token = self.token.expose().as_bytes();
        match &self.auth {
            Auth::Bearer { .. } => authorization
                .and_then(|h| h.split_once(' '))
                .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
                .is_some_and(|(_, t)| same(t.trim().as_bytes(), token)),
            Auth::Basic { .. } => authorization
                .and_then(|h| h.split_once(' '))
                .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("basic"))
                .and_then(|(_, b)| {
                    base64::engine::general_purpose::STANDARD
                        .decode(b.trim())
                        .ok()
                })
                .map(Zeroizing::new)
                .is_some_and(|pair| {
                    pair.iter()
                        .position(|b| *b == b':')
                        .is_some_and(|i| same(&pair[i + 1..], token))
                }),
            Auth::Query { param, .. } => {
                let values: Vec<_> = query_pairs(query.unwrap_or(""))
                    .filter(|(k, _)| k == param)
                    .collect();
                values.len() == 1 && same(values[0].1.as_bytes(), token)
            }
        }
    }

    /// The `Authorization` header to send upstream, if the provider takes the key there.
    pub(super) fn authorization(&self) -> Option<(reqwest::header::HeaderName, HeaderValue)> {
        match &self.credential {
            Credential::Header(value) => {
                let mut v = HeaderValue::from_str(value.expose()).ok()?;
                v.set_sensitive(true);
                Some((AUTHORIZATION, v))
            }
            Credential::Query { .. } => None,
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

    /// Whether `text` holds a secret of this grant (a header the provider echoed).
    pub(super) fn leaks_into(&self, text: &[u8]) -> bool {
        self.secrets.iter().any(|s| {
            let s = s.expose().as_bytes();
            !s.is_empty() && text.windows(s.len()).any(|w| w == s)
        })
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
