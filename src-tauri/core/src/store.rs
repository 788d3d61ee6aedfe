//! Team stores: copies of a verified key in the secret store a team already runs, so that
//! scripts on servers, in CI or in a scheduler use the same key Keystep checks and rotates.
//!
//! A [`Target`] says where (`vault://HOST[:PORT]/MOUNT/PATH`, `aws-sm://REGION/NAME`,
//! parsed strictly in `target.rs`). A [`TeamStore`] writes, describes, reads and deletes one
//! copy; [`Stores`] picks the implementation a target needs: `vault_kv.rs` (HashiCorp Vault
//! and OpenBao, KV version 2), `aws_sm.rs` (AWS Secrets Manager, through the official SDK
//! over Keystep's own HTTP client, `aws_http.rs`), and `memory.rs` for unit tests.
//!
//! The rules every implementation keeps:
//! - **Check-and-set.** A write names the version Keystep last wrote ([`Expect`]); if the
//!   store holds another one (someone changed the copy), nothing is overwritten and the
//!   answer is [`StoreError::Changed`]. A first push only creates.
//! - **What it knows goes beside the key** ([`CopyMeta`], `meta.rs`): provider, tenant,
//!   purpose, scopes granted, verified at, expires at, handle; as Vault's
//!   `custom_metadata`, as AWS tags. The value itself is the account's fields as one JSON
//!   object (`{"api_token": "…"}`), what a script reads.
//! - **Checks read metadata only** ([`TeamStore::describe`]): the current version, never the
//!   secret. Only `keystep verify --from` reads a copy back ([`TeamStore::read`]).
//! - **Store credentials are secrets**: the Vault token comes from `VAULT_TOKEN` or the
//!   keychain ([`StoreKeys`], its own keychain service, never a file), AWS credentials from
//!   the standard AWS chain. No error, log line or answer carries a token, a key or a
//!   store's response body: errors are fixed sentences with a [`Code`].

use std::collections::BTreeMap;
use std::sync::Arc;

use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};

use crate::error::Code;
use crate::secret::Secret;
use crate::vault::{ItemRef, SecretFields, Vault, VaultError};

mod target;
mod meta;
mod vault_kv;
mod aws_http;
mod aws_sm;
mod memory;

pub use aws_sm::AwsSecretsManager;
pub use memory::{Fault, MemoryStore};
pub use meta::{CopyMeta, PROVIDER_KEY, PURPOSE_KEY};
pub use target::{StoreKind, Target, TargetError, VAULT_DEFAULT_PORT};
pub use vault_kv::{VaultKv, VaultSettings};

/// The keychain service under which store credentials (Vault tokens) are kept, apart from
/// the accounts' keys so that nothing treats them as an account's.
pub const STORE_SERVICE: &str = "keystep-store";

/// How long one request to a store may take.
pub const STORE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20);

/// What the store must hold for a write to go ahead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect<'a> {
    /// Nothing: a first push creates the secret and never replaces one.
    Absent,
    /// The version Keystep wrote last.
    Version(&'a str),
}

/// A copy as the store holds it, read by `verify --from`.
#[derive(Debug)]
pub struct Fetched {
    /// Every field of the account (secret and not), as written.
    pub fields: BTreeMap<String, Secret>,
    /// What Keystep wrote beside it (the provider and purpose, for verifying).
    pub meta: BTreeMap<String, String>,
    /// The version read.
    pub version: String,
}

/// Why a store did not do what was asked. Each carries no secret, body or token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The address is malformed; nothing was sent.
    #[error("{0}")]
    Target(#[from] TargetError),
    /// No answer: DNS, connection, TLS, a timeout, or a server that is down or sealed.
    #[error("Keystep could not reach {store} ({why}). Nothing was changed there; check the address and your connection, then try again.")]
    Unreachable {
        /// The store, as its address names it.
        store: String,
        /// A fixed word: `timeout`, `connect`, `sealed`, `server error`…
        why: String,
    },
    /// The store refused the credentials or the permission.
    #[error("{store} refused Keystep ({why}). Nothing was changed there; {advice}")]
    Refused {
        /// The store.
        store: String,
        /// A fixed word: `no token`, `permission denied`…
        why: String,
        /// What to do.
        advice: String,
    },
    /// The copy is not the version Keystep wrote (or exists when Keystep expected none):
    /// someone changed it outside Keystep, so it was not overwritten.
    #[error("The copy at {target} was changed outside Keystep (it is at version {found}, Keystep wrote {expected}), so Keystep did not overwrite it. Check who changed it, then push again.")]
    Changed {
        /// The target.
        target: String,
        /// What Keystep expected (`none` for a first push).
        expected: String,
        /// What the store holds (`none` when gone).
        found: String,
    },
    /// The copy does not exist.
    #[error("There is no copy at {0}.")]
    Missing(String),
    /// The store answered, but not as its API documents (or the mount is not KV v2).
    #[error(
        "{store} answered in a way Keystep does not understand ({why}). Nothing was changed there."
    )]
    Unexpected {
        /// The store.
        store: String,
        /// A fixed phrase.
        why: String,
    },
    /// A store credential could not be kept in or read from the keychain.
    #[error("Keystep could not use your system keychain for the store's token ({0}).")]
    Keychain(String),
}

impl StoreError {
    /// The wire code.
    pub fn code(&self) -> Code {
        match self {
            StoreError::Target(_) => Code::InvalidInput,
            StoreError::Unreachable { .. } => Code::StoreUnreachable,
            StoreError::Refused { .. } => Code::StoreRefused,
            StoreError::Changed { .. } => Code::StoreChanged,
            StoreError::Missing(_) => Code::NotFound,
            StoreError::Unexpected { .. } => Code::UnexpectedResponse,
            StoreError::Keychain(_) => Code::KeychainUnavailable,
        }
    }
}

/// One kind of team store.
///
/// Every method answers for one copy; none holds a lock of Keystep's, so the account book
/// is never held across a store request.
pub trait TeamStore: Send + Sync {
    /// Writes `fields` with `meta` beside it, if the store holds what `expect` says, and
    /// returns the version written.
    fn write<'a>(
        &'a self,
        target: &'a Target,
        fields: &'a SecretFields,
        meta: &'a CopyMeta,
        expect: Expect<'a>,
    ) -> BoxFuture<'a, Result<String, StoreError>>;

    /// The copy's current version, from its metadata only (the secret is never read);
    /// `None` when it is gone.
    fn describe<'a>(
        &'a self,
        target: &'a Target,
    ) -> BoxFuture<'a, Result<Option<String>, StoreError>>;

    /// Reads the copy back (for `keystep verify --from`).
    fn read<'a>(&'a self, target: &'a Target) -> BoxFuture<'a, Result<Fetched, StoreError>>;

    /// Deletes the copy if it is still at `version` ([`StoreError::Changed`] otherwise); a
    /// copy already gone is deleted.
    fn delete<'a>(
        &'a self,
        target: &'a Target,
        version: &'a str,
    ) -> BoxFuture<'a, Result<(), StoreError>>;
}

/// The Vault tokens kept in the keychain, one per server address (`vault://HOST[:PORT]`),
/// under [`STORE_SERVICE`].
#[derive(Clone)]
pub struct StoreKeys {
    vault: Arc<dyn Vault>,
}

impl std::fmt::Debug for StoreKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StoreKeys")
    }
}

const TOKEN_FIELD: &str = "token";

impl StoreKeys {
    /// Tokens kept in `vault` (a keychain vault of service [`STORE_SERVICE`], or memory).
    pub fn new(vault: Arc<dyn Vault>) -> Self {
        StoreKeys { vault }
    }

    /// The token kept for `server`, if any.
    ///
    /// # Errors
    /// The keychain cannot be read.
    pub async fn token(&self, server: &str) -> Result<Option<Secret>, StoreError> {
        let vault = self.vault.clone();
        let server = server.to_string();
        let got = tokio::task::spawn_blocking(move || vault.get(&server))
            .await
            .map_err(|_| StoreError::Keychain("the keychain call stopped".into()))?;
        match got {
            Ok(found) => Ok(found.and_then(|mut f| f.remove(TOKEN_FIELD))),
            Err(VaultError::Damaged) => Ok(None),
            Err(e) => Err(StoreError::Keychain(keychain_word(&e).into())),
        }
    }

    /// Keeps `token` for `server`.
    ///
    /// # Errors
    /// The keychain refused.
    pub async fn keep(&self, server: &str, token: Secret) -> Result<(), StoreError> {
        let vault = self.vault.clone();
        let item = ItemRef {
            account: server.to_string(),
            label: format!("Keystep — Vault token ({server})"),
        };
        let fields: SecretFields = [(TOKEN_FIELD.to_string(), token)].into_iter().collect();
        tokio::task::spawn_blocking(move || vault.put(&item, &fields))
            .await
            .map_err(|_| StoreError::Keychain("the keychain call stopped".into()))?
            .map_err(|e| StoreError::Keychain(keychain_word(&e).into()))
    }
}

fn keychain_word(e: &VaultError) -> &'static str {
    match e {
        VaultError::Unavailable(_) => "unavailable or locked",
        VaultError::Failed(_) => "refused",
        VaultError::Damaged => "damaged item",
        VaultError::CannotList(_) => "cannot list",
    }
}

/// Every kind of store, each reached as its target says: what push, rotation, checks,
/// forget and `verify --from` go through.
#[derive(Clone)]
pub struct Stores {
    vault: Arc<dyn TeamStore>,
    aws: Arc<dyn TeamStore>,
}

impl std::fmt::Debug for Stores {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Stores")
    }
}

impl Stores {
    /// The real stores: Vault as `settings` say (token, namespace), AWS from the standard
    /// AWS settings of the environment.
    pub fn new(settings: VaultSettings) -> Self {
        Stores {
            vault: Arc::new(VaultKv::new(settings)),
            aws: Arc::new(AwsSecretsManager::from_env()),
        }
    }

    /// One store for every kind of target (a [`MemoryStore`] in tests).
    pub fn single(store: Arc<dyn TeamStore>) -> Self {
        Stores {
            vault: store.clone(),
            aws: store,
        }
    }

    /// Given implementations, per kind (tests pointing each at its emulator).
    pub fn with(vault: Arc<dyn TeamStore>, aws: Arc<dyn TeamStore>) -> Self {
        Stores { vault, aws }
    }

    /// The store a target lives in.
    pub fn of(&self, target: &Target) -> &dyn TeamStore {
        match target.kind() {
            StoreKind::Vault => self.vault.as_ref(),
            StoreKind::AwsSecretsManager => self.aws.as_ref(),
        }
    }
}

/// A fixed word for a transport failure (reqwest's own text may hold the URL).
pub(crate) fn transport_word(e: &reqwest::Error) -> &'static str {
    if e.is_timeout() {
        "timeout"
    } else if e.is_connect() {
        "no connection"
    } else {
        "transport error"
    }
}

/// Whether `url`'s host is a loopback address (or `localhost`): the only place a store may
/// be reached over plain HTTP, as with the provider overrides.
pub(crate) fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The serialised form of a copy's fields: one JSON object, what scripts read.
pub(crate) fn encode_fields(fields: &SecretFields) -> zeroize::Zeroizing<String> {
    let plain: BTreeMap<&str, &str> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.expose()))
        .collect();
    zeroize::Zeroizing::new(serde_json::to_string(&plain).unwrap_or_default())
}

/// The fields of a copy read back; `None` when it is not a JSON object of strings.
pub(crate) fn decode_fields(text: &str) -> Option<BTreeMap<String, Secret>> {
    let plain: BTreeMap<String, String> = serde_json::from_str(text).ok()?;
    Some(
        plain
            .into_iter()
            .map(|(k, v)| (k, Secret::new(v)))
            .collect(),
    )
}

/// A copy's record as the account keeps it: where, which version Keystep wrote, and how it
/// stood at the last look.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreCopy {
    /// Where it is.
    pub target: Target,
    /// The version Keystep wrote last (Vault: a number; AWS: a version id).
    pub version: String,
    /// When Keystep wrote it (Unix seconds).
    pub written_at: u64,
    /// When the store last confirmed it holds that version.
    pub confirmed_at: u64,
    /// How it stood at the last look.
    pub state: CopyState,
    /// The problem of the last attempt, when it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_code: Option<Code>,
}

/// How a copy stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CopyState {
    /// It holds the key the account holds.
    Current,
    /// The account's key changed and this copy could not be updated yet.
    Stale,
    /// The store holds another version than Keystep wrote (or the copy is gone).
    ChangedOutside,
}

/// The outcome of one copy's write or delete, as the window and the command line report it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CopyOutcome {
    /// Where.
    pub target: Target,
    /// Whether it was done.
    pub ok: bool,
    /// Why not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<Code>,
    /// The sentence for the person (English; the window words codes itself).
    pub message: String,
    /// The version written, when it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

impl CopyOutcome {
    /// A success.
    pub fn done(target: &Target, version: Option<String>, message: String) -> Self {
        CopyOutcome {
            target: target.clone(),
            ok: true,
            code: None,
            message,
            version,
        }
    }

    /// A failure.
    pub fn failed(target: &Target, e: &StoreError) -> Self {
        CopyOutcome {
            target: target.clone(),
            ok: false,
            code: Some(e.code()),
            message: e.to_string(),
            version: None,
        }
    }
}
