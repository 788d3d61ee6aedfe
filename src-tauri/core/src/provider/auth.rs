//! How a provider takes its credential: the [`Auth`] scheme of a provider file's `[auth]`
//! table, whose values name the file's fields, and the fixed headers some APIs want on every
//! request (`headers`).
//!
//! Six schemes cover the providers Keystep knows: a Bearer token, HTTP Basic with two
//! fields, a key in the query string, HTTP Basic with the key as the user name and a fixed
//! password (BambooHR, Ashby, Lever), a vendor header (Factorial's `x-api-key`,
//! Teamtailor's `Authorization: Token token=…`) and OAuth client credentials, where Keystep
//! mints an access token itself and sends that (Greenhouse Harvest v3, Personio v2). The
//! client secret of the last goes only to the token endpoint; the token is held in memory
//! (`verify::AccessTokens`).

use serde::Deserialize;

use super::template::placeholders;

/// How the secret is attached to a request. Values name fields.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "scheme", rename_all = "snake_case", deny_unknown_fields)]
pub enum Auth {
    /// `Authorization: Bearer <token>`.
    Bearer {
        /// The field holding the token.
        token: String,
    },
    /// `Authorization: Basic base64(username:password)`.
    Basic {
        /// The field holding the user name.
        username: String,
        /// The field holding the password.
        password: String,
    },
    /// The key as a query parameter (it ends up in URLs, so URLs are redacted in logs).
    Query {
        /// The query parameter's name.
        param: String,
        /// The field holding the key.
        value: String,
    },
    /// `Authorization: Basic base64(key:password)`: the key is the user name and the
    /// password a fixed text the provider ignores or wants empty (BambooHR: anything, `x`;
    /// Ashby and Lever: empty).
    BasicKey {
        /// The field holding the key.
        key: String,
        /// The fixed password, not a secret (empty when the provider wants none).
        #[serde(default)]
        password: String,
    },
    /// The key in a header of the provider's own: `name: value`, where `value` is a
    /// template holding the key's field (`{api_key}`, `Token token={api_key}`).
    Header {
        /// The header's name (`x-api-key`, `Authorization`).
        name: String,
        /// Its value, with the key's field as a placeholder.
        value: String,
    },
    /// OAuth 2.0 client credentials: Keystep posts `grant_type=client_credentials` to the
    /// token endpoint, authenticating the client as the provider documents, and sends the
    /// access token it gets back as `Authorization: Bearer <token>`.
    ClientCredentials {
        /// The field holding the client ID (not a secret: providers keep showing it).
        client_id: String,
        /// The field holding the client secret: sent to the token endpoint only.
        client_secret: String,
        /// The named host of the token endpoint.
        token_host: String,
        /// The token endpoint's path below that host's base.
        token_path: String,
        /// How the client authenticates at the token endpoint.
        #[serde(default)]
        client_auth: ClientAuth,
        /// A JSON pointer into the token answer where the provider lists the token's scopes
        /// (space-separated words or an array), when it does: verification then compares
        /// them with what the purpose needs, as an introspection would (`granted`).
        #[serde(default)]
        scopes: Option<String>,
    },
}

/// How a client authenticates at a token endpoint (RFC 6749 §2.3.1).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientAuth {
    /// `Authorization: Basic base64(client_id:client_secret)` (Greenhouse).
    #[default]
    Basic,
    /// `client_id` and `client_secret` in the form body (Personio).
    Form,
}

/// The kind of credential a provider takes, as the picker names it before the guide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CredentialKind {
    /// A Bearer token.
    Bearer,
    /// HTTP Basic with two fields.
    Basic,
    /// A key in the query string.
    Query,
    /// HTTP Basic with the key as the user name.
    BasicKey,
    /// A vendor header.
    Header,
    /// OAuth client credentials.
    ClientCredentials,
}

impl Auth {
    /// The fields the scheme reads, in the order it names them.
    pub fn fields(&self) -> Vec<&str> {
        match self {
            Auth::Bearer { token } => vec![token],
            Auth::Basic { username, password } => vec![username, password],
            Auth::Query { value, .. } => vec![value],
            Auth::BasicKey { key, .. } => vec![key],
            Auth::Header { value, .. } => placeholders(value),
            Auth::ClientCredentials {
                client_id,
                client_secret,
                ..
            } => vec![client_id, client_secret],
        }
    }

    /// The query parameter that carries a secret, if any.
    pub fn secret_query_param(&self) -> Option<&str> {
        match self {
            Auth::Query { param, .. } => Some(param),
            _ => None,
        }
    }

    /// The kind of credential, for the picker.
    pub fn kind(&self) -> CredentialKind {
        match self {
            Auth::Bearer { .. } => CredentialKind::Bearer,
            Auth::Basic { .. } => CredentialKind::Basic,
            Auth::Query { .. } => CredentialKind::Query,
            Auth::BasicKey { .. } => CredentialKind::BasicKey,
            Auth::Header { .. } => CredentialKind::Header,
            Auth::ClientCredentials { .. } => CredentialKind::ClientCredentials,
        }
    }

    /// The named host of the token endpoint, for client credentials: a host the secret is
    /// sent to, so it is recorded and held like the hosts of the checks.
    pub fn token_host(&self) -> Option<&str> {
        match self {
            Auth::ClientCredentials { token_host, .. } => Some(token_host),
            _ => None,
        }
    }
}

/// Whether `name` is an HTTP header name (RFC 9110 `token`).
pub(super) fn is_header_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Headers Keystep sets itself or that describe the connection: a provider file may not
/// set them (`headers`, a vendor header's name), so a request always says what it carries.
pub(super) const RESERVED_HEADERS: &[&str] = &[
    "content-type",
    "content-length",
    "host",
    "connection",
    "transfer-encoding",
    "cookie",
    "proxy-authorization",
];
