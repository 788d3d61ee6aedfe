//! The credential kinds of issue 22 as any model checks them: HTTP Basic with the key as the
//! user name, a key in a vendor header, and OAuth client credentials through a
//! [`TokenIssuer`]: a token endpoint whose tokens live as long as a test says, refused with
//! 401 once expired (or expired on demand), authenticating its clients by HTTP Basic or by
//! the form body, as each provider documents.

use std::collections::BTreeMap;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::json;

use crate::{basic, bearer, form_pairs, Recorded, Reply};

/// The key of a Basic header whose user name is the key, and the password sent with it.
pub(crate) fn basic_key(rec: &Recorded) -> Option<(String, String)> {
    basic(rec)
}

/// A header's value, by lowercase name.
pub(crate) fn header<'a>(rec: &'a Recorded, name: &str) -> Option<&'a str> {
    rec.headers
        .get(&name.to_ascii_lowercase())
        .map(String::as_str)
}

/// How clients authenticate at the token endpoint (RFC 6749 §2.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuth {
    /// `Authorization: Basic base64(id:secret)`.
    Basic,
    /// `client_id` and `client_secret` in the form body.
    Form,
}

/// How a token answer says when the token expires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenExpiry {
    /// `expires_in`, seconds (Personio, RFC 6749).
    ExpiresIn,
    /// `expires_at`, an RFC 3339 date (Greenhouse, as integrators read it).
    ExpiresAt,
}

/// One registered client.
#[derive(Debug, Clone)]
struct Client {
    secret: String,
    scopes: Vec<String>,
}

/// One issued token.
#[derive(Debug, Clone)]
struct Issued {
    client: String,
    until: Instant,
}

/// A token endpoint and the tokens it issued.
#[derive(Debug, Clone)]
pub struct TokenIssuer {
    clients: BTreeMap<String, Client>,
    tokens: BTreeMap<String, Issued>,
    /// How long a new token lives (and what the answer says).
    pub lifetime: Duration,
    /// How clients authenticate.
    pub client_auth: ClientAuth,
    /// How the answer names the expiry.
    pub expiry: TokenExpiry,
    /// Whether the answer lists the token's scopes (`scope`).
    pub says_scope: bool,
    minted: usize,
}

impl TokenIssuer {
    /// An endpoint with no client, tokens living an hour.
    pub fn new(client_auth: ClientAuth, expiry: TokenExpiry) -> Self {
        TokenIssuer {
            clients: BTreeMap::new(),
            tokens: BTreeMap::new(),
            lifetime: Duration::from_secs(3600),
            client_auth,
            expiry,
            says_scope: true,
            minted: 0,
        }
    }

    /// Registers a client and the scopes its tokens carry.
    pub fn register(&mut self, id: &str, secret: &str, scopes: Vec<String>) {
        self.clients.insert(
            id.to_string(),
            Client {
                secret: secret.to_string(),
                scopes,
            },
        );
    }

    /// Revokes the client whose secret is `secret`, and its tokens.
    pub fn revoke(&mut self, secret: &str) {
        let gone: Vec<String> = self
            .clients
            .iter()
            .filter(|(_, c)| c.secret == secret)
            .map(|(id, _)| id.clone())
            .collect();
        for id in gone {
            self.clients.remove(&id);
            self.tokens.retain(|_, t| t.client != id);
        }
    }

    /// Makes every token issued so far expired: the API refuses them with 401.
    pub fn expire_all(&mut self) {
        let now = Instant::now();
        for t in self.tokens.values_mut() {
            t.until = now;
        }
    }

    /// How many tokens were minted.
    pub fn minted(&self) -> usize {
        self.minted
    }

    /// Answers a request to the token endpoint.
    pub fn mint(&mut self, rec: &Recorded) -> Reply {
        let refuse = |status, error: &str| Reply::json(status, json!({ "error": error }));
        if rec.method != "POST" {
            return refuse(405, "invalid_request");
        }
        let form = form_pairs(&rec.body);
        if form.get("grant_type").map(String::as_str) != Some("client_credentials") {
            return refuse(400, "unsupported_grant_type");
        }
        let presented = match self.client_auth {
            ClientAuth::Basic => basic(rec).map(|(id, secret)| (decode(&id), decode(&secret))),
            ClientAuth::Form => form
                .get("client_id")
                .cloned()
                .zip(form.get("client_secret").cloned()),
        };
        let Some((id, secret)) = presented else {
            return refuse(401, "invalid_client");
        };
        let Some(client) = self.clients.get(&id).filter(|c| c.secret == secret) else {
            return refuse(401, "invalid_client");
        };
        self.minted += 1;
        let token = format!("EmuAccessToken{:04}x{}", self.minted, id.len());
        let scopes = client.scopes.join(" ");
        self.tokens.insert(
            token.clone(),
            Issued {
                client: id,
                until: Instant::now() + self.lifetime,
            },
        );
        let mut answer = json!({"access_token": token, "token_type": "Bearer"});
        match self.expiry {
            TokenExpiry::ExpiresIn => answer["expires_in"] = json!(self.lifetime.as_secs()),
            TokenExpiry::ExpiresAt => {
                let now = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs());
                answer["expires_at"] = json!(rfc3339(now + self.lifetime.as_secs()));
            }
        }
        if self.says_scope {
            answer["scope"] = json!(scopes);
        }
        Reply::json(200, answer)
    }

    /// The client a request's Bearer token belongs to, or the 401 an unknown or expired
    /// token gets.
    pub fn client_of(&self, rec: &Recorded) -> Result<&str, Reply> {
        let unauthorized = || Reply::json(401, json!({"message": "Unauthorized"}));
        let token = bearer(rec).ok_or_else(unauthorized)?;
        let issued = self.tokens.get(token).ok_or_else(unauthorized)?;
        if Instant::now() >= issued.until {
            return Err(Reply::json(401, json!({"message": "Token expired"})));
        }
        Ok(&issued.client)
    }
}

/// RFC 6749 form-decoding of a Basic pair's parts.
fn decode(s: &str) -> String {
    form_pairs(&format!("x={s}"))
        .remove("x")
        .unwrap_or_default()
}

/// Unix seconds as RFC 3339 in UTC, by the days-to-civil algorithm (Howard Hinnant's).
pub(crate) fn rfc3339(secs: u64) -> String {
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rest = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3_600,
        rest % 3_600 / 60,
        rest % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_rfc_3339() {
        assert_eq!(
            rfc3339(1_788_220_800),
            "2026-09-01T00:00:00Z",
            "a known date"
        );
    }
}
