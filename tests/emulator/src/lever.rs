//! Lever, as docs/providers/lever.md has it: HTTP Basic with the API key as the user name and
//! a blank password, one API host per instance (global, EU, sandbox) each knowing only its own
//! keys, a 401 for a key the instance does not know, a 403 for an endpoint the key was not
//! given, and lists as `{data, hasNext, next}`. Lever documents neither error body: the JSON
//! `{code, message}` here is the emulator's choice, and Keystep reads only the status.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::auth::basic_key;
use crate::{provider_file, Emulator, Model, Recorded, Reply};

/// A Lever account's API key.
#[derive(Debug, Clone)]
pub struct LeverTenant {
    /// The API key.
    pub key: String,
    /// The instance's host name in the provider file (`api`, `eu`, `sandbox`).
    pub host: String,
    /// The key's permissions, in the provider file's words (`Users › Read`…).
    pub permissions: Vec<String>,
    /// Records each list holds.
    pub records: u64,
}

impl LeverTenant {
    /// A key on the global instance with every permission the provider file lists.
    pub fn full(key: &str) -> Self {
        LeverTenant {
            key: key.into(),
            host: "api".into(),
            permissions: provider_file::required(provider_file::text(FILE)),
            records: 5,
        }
    }

    /// The same key with exactly what purpose `id` asks for.
    pub fn for_purpose(mut self, id: &str) -> Self {
        self.permissions = provider_file::purpose(provider_file::text(FILE), id);
        self
    }

    /// The same key without `permission`.
    pub fn without(mut self, permission: &str) -> Self {
        self.permissions.retain(|p| p != permission);
        self
    }

    /// The same key on another instance (`eu`, `sandbox`).
    pub fn on(mut self, host: &str) -> Self {
        self.host = host.into();
        self
    }
}

const FILE: &str = "lever";

/// The Read permission each list needs.
fn needs(path: &str) -> Option<&'static str> {
    Some(match path {
        "/users" => "Users › Read",
        "/opportunities" => "Opportunities › Read",
        "/postings" => "Postings › Read",
        _ => return None,
    })
}

/// The Lever model: keys by instance.
#[derive(Default)]
pub(crate) struct Lever {
    keys: BTreeMap<(String, String), LeverTenant>,
}

pub(crate) fn model() -> Box<dyn Model> {
    Box::<Lever>::default()
}

fn error(status: u16, code: &str, message: &str) -> Reply {
    Reply::json(status, json!({"code": code, "message": message}))
}

impl Model for Lever {
    fn handle(&mut self, rec: &Recorded) -> Reply {
        let Some((key, password)) = basic_key(rec) else {
            return error(401, "UnauthorizedError", "No API key provided");
        };
        let Some(t) = self
            .keys
            .get(&(rec.host.clone(), key))
            .filter(|_| password.is_empty())
        else {
            return error(401, "UnauthorizedError", "Invalid API key");
        };
        if rec.method != "GET" {
            return error(405, "MethodNotAllowed", "Method not allowed");
        }
        let Some(permission) = needs(&rec.path) else {
            return error(404, "ResourceNotFound", "Not found");
        };
        if !t.permissions.iter().any(|p| p == permission) {
            return error(
                403,
                "ForbiddenError",
                "This API key does not have access to this endpoint",
            );
        }
        let limit = rec
            .query
            .get("limit")
            .and_then(|l| l.parse().ok())
            .unwrap_or(100u64);
        let data: Vec<Value> = (0..t.records.min(limit))
            .map(|i| json!({"id": format!("{}-{i}", rec.path.trim_start_matches('/')), "createdAt": 1_700_000_000_000u64}))
            .collect();
        let more = t.records > limit;
        let mut answer = json!({"data": data, "hasNext": more});
        if more {
            answer["next"] = json!("emu-next-offset");
        }
        Reply::json(200, answer)
    }

    fn revoke(&mut self, secret: &str) {
        self.keys.retain(|(_, key), _| key != secret);
    }

    fn as_any(&mut self) -> &mut dyn std::any::Any {
        self
    }
}

impl Emulator {
    /// Registers a Lever API key on its instance.
    pub fn add_lever(&self, tenant: LeverTenant) {
        self.with_model(FILE, |l: &mut Lever| {
            l.keys
                .insert((tenant.host.clone(), tenant.key.clone()), tenant);
        });
    }
}
