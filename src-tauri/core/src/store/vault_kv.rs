//! HashiCorp Vault and OpenBao, KV version 2, over Keystep's own HTTP client.
//!
//! Hand-written rather than through `vaultrs`: KV v2 is five requests, and this way they go
//! through the same client rules as every provider request (the system's TLS and trust
//! store, TLS 1.2 at least, no redirects, bounded timeouts and answers), with errors that are
//! fixed sentences (`vaultrs` errors can carry the server's body), and no second HTTP stack.
//!
//! What is used, from the KV v2 API documentation (developer.hashicorp.com/vault/api-docs/
//! secret/kv/kv-v2; openbao.org/api-docs/secret/kv/kv-v2) and the Vault CLI's behaviour:
//! - the mount: `GET /v1/sys/internal/ui/mounts/<path>` answers the mount's path and its
//!   `options.version`, as `vault kv` does before every call ("KV v2 mount detection"); a
//!   token without access to it (the `default` policy grants it) falls back to the first
//!   segment as the mount;
//! - write: `POST /v1/<mount>/data/<path>` with `{"options": {"cas": N}, "data": {...}}`;
//!   `cas: 0` writes only if the key does not exist, `cas: N` only if the current version is
//!   N, and a mismatch is a 400 whose error says "check-and-set parameter did not match";
//!   the answer's `data.version` is the version written;
//! - metadata: `POST /v1/<mount>/metadata/<path>` with `{"custom_metadata": {...}}` (no
//!   version is created); `GET` of the same path answers `current_version` and `versions`
//!   (with each one's `deletion_time` and `destroyed`) without the secret;
//! - read: `GET /v1/<mount>/data/<path>` answers `data.data` and `data.metadata.version`;
//! - delete: `DELETE /v1/<mount>/metadata/<path>` removes every version and the metadata.
//!
//! Headers: `X-Vault-Token`, `X-Vault-Namespace` when `VAULT_NAMESPACE` is set (Vault
//! Enterprise and HCP namespaces), and `X-Vault-Request: true` as the Vault CLI sends.
//! Status codes (api-docs "HTTP status codes"): 403 is a bad token or a policy that does not
//! allow the path, 404 no such secret, 503 sealed or in maintenance, other 5xx an error.
//! A loopback address is reached over `http://` (a dev server: `bao server -dev` listens on
//! `127.0.0.1:8200` without TLS); every other one over `https://`.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use futures_util::future::BoxFuture;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use super::meta::Room;
use super::{
    decode_fields, encode_fields, is_loopback, transport_word, CopyMeta, Expect, Fetched,
    StoreError, StoreKeys, Target, TeamStore, STORE_TIMEOUT, VAULT_DEFAULT_PORT,
};
use crate::secret::Secret;
use crate::vault::SecretFields;

/// The most of an answer read: KV answers are small.
const MAX_ANSWER: usize = 1 << 20;

/// How Vault is reached, from the environment as the Vault CLI reads it.
#[derive(Debug, Default, Clone)]
pub struct VaultSettings {
    /// `VAULT_TOKEN`: used before a token kept in the keychain.
    pub token: Option<Secret>,
    /// `VAULT_NAMESPACE`.
    pub namespace: Option<String>,
    /// `VAULT_CACERT`: a PEM file of the CA that signed the server's certificate, trusted
    /// besides the system's.
    pub ca_cert: Option<std::path::PathBuf>,
    /// Tokens kept in the keychain, per server.
    pub keys: Option<StoreKeys>,
}

impl VaultSettings {
    /// `VAULT_TOKEN`, `VAULT_NAMESPACE` and `VAULT_CACERT` from `lookup`, and the keychain's
    /// tokens from `keys`. Empty values count as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>, keys: Option<StoreKeys>) -> Self {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        VaultSettings {
            token: get("VAULT_TOKEN").map(|t| Secret::new(t.trim().to_string())),
            namespace: get("VAULT_NAMESPACE").map(|n| n.trim().trim_matches('/').to_string()),
            ca_cert: get("VAULT_CACERT").map(std::path::PathBuf::from),
            keys,
        }
    }
}

/// Vault or OpenBao KV version 2.
pub struct VaultKv {
    settings: VaultSettings,
    client: OnceLock<Result<reqwest::Client, String>>,
}

impl std::fmt::Debug for VaultKv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("VaultKv")
    }
}

/// One resolved secret: the server's base URL, the mount and the path below it.
struct Place {
    store: String,
    base: String,
    mount: String,
    path: String,
    token: Secret,
}

impl VaultKv {
    /// A client with these settings (the HTTP client is built on first use).
    pub fn new(settings: VaultSettings) -> Self {
        VaultKv {
            settings,
            client: OnceLock::new(),
        }
    }

    fn client(&self, store: &str) -> Result<&reqwest::Client, StoreError> {
        let built = self.client.get_or_init(|| {
            let mut builder = crate::verify::client_builder(STORE_TIMEOUT);
            if let Some(path) = &self.settings.ca_cert {
                let pem = std::fs::read(path).map_err(|_| "VAULT_CACERT cannot be read")?;
                let certs = reqwest::Certificate::from_pem_bundle(&pem)
                    .map_err(|_| "VAULT_CACERT holds no PEM certificate")?;
                for cert in certs {
                    builder = builder.add_root_certificate(cert);
                }
            }
            builder
                .build()
                .map_err(|_| "the HTTP client could not be built")
                .map_err(str::to_string)
        });
        built.as_ref().map_err(|why| StoreError::Unreachable {
            store: store.to_string(),
            why: why.clone(),
        })
    }

    /// The token, the base URL and the mount for `target`.
    async fn place(&self, target: &Target) -> Result<Place, StoreError> {
        let Target::Vault { host, port, path } = target else {
            return Err(StoreError::Unexpected {
                store: target.to_string(),
                why: "not a Vault address".into(),
            });
        };
        let store = target.server().unwrap_or_default();
        let token = match &self.settings.token {
            Some(t) => t.clone(),
            None => match &self.settings.keys {
                Some(keys) => keys.token(&store).await?,
                None => None,
            }
            .ok_or_else(|| StoreError::Refused {
                store: store.clone(),
                why: "no token".into(),
                advice: "set VAULT_TOKEN, or give Keystep a token for this Vault to keep in your keychain.".into(),
            })?,
        };
        let scheme = if is_loopback(host) { "http" } else { "https" };
        let host = if host.contains(':') {
            format!("[{host}]")
        } else {
            host.clone()
        };
        let base = format!(
            "{scheme}://{host}:{}/v1",
            port.unwrap_or(VAULT_DEFAULT_PORT)
        );
        let full = path.join("/");
        let mut place = Place {
            store,
            base,
            mount: path[0].clone(),
            path: path[1..].join("/"),
            token,
        };
        // Where the mount ends, and whether it is KV version 2.
        let (status, body) = self
            .send(
                &place,
                Method::GET,
                &format!("sys/internal/ui/mounts/{full}"),
                None,
            )
            .await?;
        match status {
            StatusCode::OK => {
                let data = &body["data"];
                let mount = data["path"].as_str().unwrap_or("").trim_end_matches('/');
                let version = data["options"]["version"].as_str().unwrap_or("1");
                if data["type"].as_str() != Some("kv") || version != "2" {
                    return Err(StoreError::Unexpected {
                        store: place.store,
                        why: "the mount is not a KV version 2 secrets engine".into(),
                    });
                }
                let below = full
                    .strip_prefix(mount)
                    .and_then(|rest| rest.strip_prefix('/'))
                    .filter(|rest| !mount.is_empty() && !rest.is_empty());
                if let Some(below) = below {
                    place.mount = mount.to_string();
                    place.path = below.to_string();
                } else {
                    return Err(StoreError::Unexpected {
                        store: place.store,
                        why: "the address names a mount, not a secret in it".into(),
                    });
                }
            }
            // Without access to the mount table the first segment is the mount.
            StatusCode::FORBIDDEN | StatusCode::NOT_FOUND => {}
            other => return Err(status_error(&place.store, other, "")),
        }
        Ok(place)
    }

    /// Sends one request and reads its JSON answer (bounded; an empty body is `null`).
    async fn send(
        &self,
        place: &Place,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(StatusCode, Value), StoreError> {
        let client = self.client(&place.store)?;
        let mut request = client
            .request(method, format!("{}/{path}", place.base))
            .header("X-Vault-Token", place.token.expose())
            .header("X-Vault-Request", "true");
        if let Some(ns) = &self.settings.namespace {
            request = request.header("X-Vault-Namespace", ns);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let mut response = request.send().await.map_err(|e| StoreError::Unreachable {
            store: place.store.clone(),
            why: transport_word(&e).into(),
        })?;
        let status = response.status();
        let mut bytes = Vec::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if bytes.len() + chunk.len() > MAX_ANSWER {
                        return Err(StoreError::Unexpected {
                            store: place.store.clone(),
                            why: "an answer too large".into(),
                        });
                    }
                    bytes.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) => {
                    return Err(StoreError::Unreachable {
                        store: place.store.clone(),
                        why: transport_word(&e).into(),
                    })
                }
            }
        }
        let value = if bytes.iter().all(u8::is_ascii_whitespace) {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).map_err(|_| StoreError::Unexpected {
                store: place.store.clone(),
                why: "an answer that is not JSON".into(),
            })?
        };
        bytes.fill(0);
        Ok((status, value))
    }

    fn url(place: &Place, kind: &str) -> String {
        format!("{}/{kind}/{}", place.mount, place.path)
    }

    /// The current version, `None` when the secret is gone or its current version deleted.
    async fn current(&self, place: &Place) -> Result<Option<u64>, StoreError> {
        let (status, body) = self
            .send(place, Method::GET, &Self::url(place, "metadata"), None)
            .await?;
        match status {
            StatusCode::OK => {}
            StatusCode::NOT_FOUND => return Ok(None),
            other => return Err(status_error(&place.store, other, "")),
        }
        let data = &body["data"];
        let current = data["current_version"]
            .as_u64()
            .ok_or_else(|| StoreError::Unexpected {
                store: place.store.clone(),
                why: "metadata without a current version".into(),
            })?;
        let entry = &data["versions"][current.to_string()];
        let deleted = entry["destroyed"].as_bool() == Some(true)
            || entry["deletion_time"]
                .as_str()
                .is_some_and(|t| !t.is_empty());
        Ok((current > 0 && !deleted).then_some(current))
    }
}

/// The error for an answer that is not a success. `cas` is the 400 meaning of a write.
fn status_error(store: &str, status: StatusCode, context: &str) -> StoreError {
    match status.as_u16() {
        401 | 403 => StoreError::Refused {
            store: store.to_string(),
            why: "permission denied".into(),
            advice: "check that the token is valid and that its policy allows this path.".into(),
        },
        429 => StoreError::Unreachable {
            store: store.to_string(),
            why: "rate limited".into(),
        },
        503 => StoreError::Unreachable {
            store: store.to_string(),
            why: "sealed or in maintenance".into(),
        },
        500..=599 => StoreError::Unreachable {
            store: store.to_string(),
            why: format!("server error {}", status.as_u16()),
        },
        other => StoreError::Unexpected {
            store: store.to_string(),
            why: format!("status {other}{context}"),
        },
    }
}

/// Whether a 400's errors are the check-and-set refusal.
fn is_cas_refusal(body: &Value) -> bool {
    body["errors"].as_array().is_some_and(|errors| {
        errors
            .iter()
            .filter_map(Value::as_str)
            .any(|e| e.contains("check-and-set"))
    })
}

impl TeamStore for VaultKv {
    fn write<'a>(
        &'a self,
        target: &'a Target,
        fields: &'a SecretFields,
        meta: &'a CopyMeta,
        expect: Expect<'a>,
    ) -> BoxFuture<'a, Result<String, StoreError>> {
        Box::pin(async move {
            let place = self.place(target).await?;
            let cas = match expect {
                Expect::Absent => 0,
                Expect::Version(v) => v.parse::<u64>().map_err(|_| StoreError::Unexpected {
                    store: place.store.clone(),
                    why: "a recorded version that is not a number".into(),
                })?,
            };
            let encoded = encode_fields(fields);
            let mut data: Value =
                serde_json::from_str(&encoded).unwrap_or(Value::Object(Default::default()));
            let body = json!({ "options": { "cas": cas }, "data": data.take() });
            let sent = self
                .send(
                    &place,
                    Method::POST,
                    &Self::url(&place, "data"),
                    Some(&body),
                )
                .await;
            // The body held the key: wipe what can be wiped before anything else.
            drop(body);
            let (status, answer) = sent?;
            if status == StatusCode::BAD_REQUEST && is_cas_refusal(&answer) {
                let found = self.current(&place).await.ok().flatten();
                return Err(StoreError::Changed {
                    target: target.to_string(),
                    expected: match expect {
                        Expect::Absent => "none".into(),
                        Expect::Version(v) => v.to_string(),
                    },
                    found: found.map_or_else(|| "none".into(), |v| v.to_string()),
                });
            }
            if !status.is_success() {
                return Err(status_error(&place.store, status, " to a write"));
            }
            let version =
                answer["data"]["version"]
                    .as_u64()
                    .ok_or_else(|| StoreError::Unexpected {
                        store: place.store.clone(),
                        why: "a write answer without its version".into(),
                    })?;
            // The metadata after the data: the check-and-set guards the key, and a version
            // that exists is what Keystep records even if its description then fails.
            let custom: BTreeMap<String, String> = meta.pairs(Room::Vault);
            let (status, _) = self
                .send(
                    &place,
                    Method::POST,
                    &Self::url(&place, "metadata"),
                    Some(&json!({ "custom_metadata": custom })),
                )
                .await?;
            if !status.is_success() {
                log::warn!(
                    "wrote version {version} to {target}, but its custom metadata was refused ({status})"
                );
            }
            Ok(version.to_string())
        })
    }

    fn describe<'a>(
        &'a self,
        target: &'a Target,
    ) -> BoxFuture<'a, Result<Option<String>, StoreError>> {
        Box::pin(async move {
            let place = self.place(target).await?;
            Ok(self.current(&place).await?.map(|v| v.to_string()))
        })
    }

    fn read<'a>(&'a self, target: &'a Target) -> BoxFuture<'a, Result<Fetched, StoreError>> {
        Box::pin(async move {
            let place = self.place(target).await?;
            let (status, mut body) = self
                .send(&place, Method::GET, &Self::url(&place, "data"), None)
                .await?;
            match status {
                StatusCode::OK => {}
                StatusCode::NOT_FOUND => return Err(StoreError::Missing(target.to_string())),
                other => return Err(status_error(&place.store, other, "")),
            }
            let data = body["data"]["data"].take();
            let text = zeroize::Zeroizing::new(data.to_string());
            let fields = decode_fields(&text).ok_or_else(|| StoreError::Unexpected {
                store: place.store.clone(),
                why: "a secret that is not Keystep's fields".into(),
            })?;
            let metadata = &body["data"]["metadata"];
            let meta = metadata["custom_metadata"]
                .as_object()
                .map(|m| {
                    m.iter()
                        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                        .collect()
                })
                .unwrap_or_default();
            Ok(Fetched {
                fields,
                meta,
                version: metadata["version"].as_u64().unwrap_or(0).to_string(),
            })
        })
    }

    fn delete<'a>(
        &'a self,
        target: &'a Target,
        version: &'a str,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let place = self.place(target).await?;
            let Some(current) = self.current(&place).await? else {
                return Ok(());
            };
            if current.to_string() != version {
                return Err(StoreError::Changed {
                    target: target.to_string(),
                    expected: version.to_string(),
                    found: current.to_string(),
                });
            }
            let (status, _) = self
                .send(&place, Method::DELETE, &Self::url(&place, "metadata"), None)
                .await?;
            if status.is_success() || status == StatusCode::NOT_FOUND {
                Ok(())
            } else {
                Err(status_error(&place.store, status, " to a delete"))
            }
        })
    }
}
