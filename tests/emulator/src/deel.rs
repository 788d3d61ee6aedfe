//! Deel, as docs/providers/deel.md has it: Bearer API tokens with scopes, one API host for
//! production and one for the sandbox (a token works only where it was made), the current
//! organization (`organizations:read`) and the people list (`people:read`), 401 for a token the
//! host does not know, 403 for a scope the token lacks, and a 429 past 5 requests a second per
//! organization with no rate-limit headers. Deel's error bodies are the emulator's choice
//! (`{errors: [{message}]}`).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::{bearer, provider_file, Emulator, Model, Recorded, Reply};

/// A Deel organization and one of its API tokens.
#[derive(Debug, Clone)]
pub struct DeelTenant {
    /// The API token.
    pub token: String,
    /// The host it was made for (`api` for production, `sandbox`).
    pub host: String,
    /// The organization's name.
    pub organization: String,
    /// The organization's id.
    pub organization_id: String,
    /// The token's scopes.
    pub scopes: Vec<String>,
}

impl DeelTenant {
    /// A production token with every scope the provider file lists.
    pub fn full(token: &str, organization: &str) -> Self {
        DeelTenant {
            token: token.into(),
            host: "api".into(),
            organization: organization.into(),
            organization_id: "org-5150".into(),
            scopes: provider_file::required(provider_file::text(FILE)),
        }
    }

    /// The same token with exactly the scopes purpose `id` asks for.
    pub fn for_purpose(mut self, id: &str) -> Self {
        self.scopes = provider_file::purpose(provider_file::text(FILE), id);
        self
    }

    /// The same token without `scope`.
    pub fn without(mut self, scope: &str) -> Self {
        self.scopes.retain(|s| s != scope);
        self
    }

    /// The same token, made in the sandbox.
    pub fn in_sandbox(mut self) -> Self {
        self.host = "sandbox".into();
        self
    }
}

const FILE: &str = "deel";

/// The Deel model.
#[derive(Default)]
pub(crate) struct Deel {
    tokens: BTreeMap<(String, String), DeelTenant>,
    /// Requests allowed per second per organization (0: no limit).
    per_second: usize,
    served: BTreeMap<String, Vec<Instant>>,
}

pub(crate) fn model() -> Box<dyn Model> {
    Box::<Deel>::default()
}

fn error(status: u16, message: &str) -> Reply {
    Reply::json(status, json!({"errors": [{"message": message}]}))
}

impl Model for Deel {
    fn handle(&mut self, rec: &Recorded) -> Reply {
        let Some(t) = bearer(rec)
            .and_then(|token| self.tokens.get(&(rec.host.clone(), token.to_string())))
            .cloned()
        else {
            return error(401, "Unauthorized");
        };
        if self.per_second > 0 {
            let now = Instant::now();
            let served = self.served.entry(t.organization_id.clone()).or_default();
            served.retain(|s| now.duration_since(*s) < Duration::from_secs(1));
            if served.len() >= self.per_second {
                return error(429, "Too Many Requests");
            }
            served.push(now);
        }
        let needs = match (rec.method.as_str(), rec.path.as_str()) {
            ("GET", "/organizations") => "organizations:read",
            ("GET", "/people") => "people:read",
            _ => return error(404, "Not Found"),
        };
        if !t.scopes.iter().any(|s| s == needs) {
            return error(403, "Insufficient scopes");
        }
        if rec.path == "/organizations" {
            return Reply::json(
                200,
                json!({"data": [{"id": t.organization_id, "name": t.organization}]}),
            );
        }
        let data: Vec<Value> = (0..2)
            .map(|i| json!({"id": format!("person-{i}"), "full_name": "Ada Lovelace"}))
            .collect();
        Reply::json(
            200,
            json!({"data": data, "page": {"total_rows": 2, "offset": 0}}),
        )
    }

    fn revoke(&mut self, secret: &str) {
        self.tokens.retain(|(_, token), _| token != secret);
    }

    fn as_any(&mut self) -> &mut dyn std::any::Any {
        self
    }
}

impl Emulator {
    /// Registers a Deel API token where it was made.
    pub fn add_deel(&self, tenant: DeelTenant) {
        self.with_model(FILE, |d: &mut Deel| {
            d.tokens
                .insert((tenant.host.clone(), tenant.token.clone()), tenant);
        });
    }

    /// Makes Deel answer 429 past `requests` a second per organization.
    pub fn deel_rate_limit(&self, requests: usize) {
        self.with_model(FILE, |d: &mut Deel| d.per_second = requests);
    }
}
