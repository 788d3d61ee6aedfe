//! Rippling, as docs/providers/rippling.md has it: Bearer API tokens with scopes on the REST
//! API (`rest.ripplingapis.com`), the companies list naming the company (`companies.read`),
//! workers (`workers.read`), lists as `{results, next_link}`, a 401 for an unknown or expired
//! token (one unused for 30 days dies), a 403 for a scope the token lacks. Rippling's error
//! bodies are the emulator's choice.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::{bearer, provider_file, Emulator, Model, Recorded, Reply};

/// A Rippling company and one of its API tokens.
#[derive(Debug, Clone)]
pub struct RipplingTenant {
    /// The API token.
    pub token: String,
    /// The company's name.
    pub company: String,
    /// The company's id.
    pub company_id: String,
    /// The token's scopes.
    pub scopes: Vec<String>,
}

impl RipplingTenant {
    /// A token with every scope the provider file lists.
    pub fn full(token: &str, company: &str) -> Self {
        RipplingTenant {
            token: token.into(),
            company: company.into(),
            company_id: "5f3c0a9e".into(),
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
}

const FILE: &str = "rippling";

/// The Rippling model.
#[derive(Default)]
pub(crate) struct Rippling {
    tokens: BTreeMap<String, RipplingTenant>,
}

pub(crate) fn model() -> Box<dyn Model> {
    Box::<Rippling>::default()
}

fn error(status: u16, message: &str) -> Reply {
    Reply::json(status, json!({"detail": message}))
}

impl Model for Rippling {
    fn handle(&mut self, rec: &Recorded) -> Reply {
        let Some(t) = bearer(rec).and_then(|token| self.tokens.get(token)) else {
            return error(401, "Invalid token.");
        };
        let needs = match (rec.method.as_str(), rec.path.as_str()) {
            ("GET", "/companies") => "companies.read",
            ("GET", "/workers") => "workers.read",
            _ => return error(404, "Not found."),
        };
        if !t.scopes.iter().any(|s| s == needs) {
            return error(403, "You do not have permission to perform this action.");
        }
        let results: Vec<Value> = if rec.path == "/companies" {
            vec![
                json!({"id": t.company_id, "name": t.company, "legal_name": format!("{} LLC", t.company)}),
            ]
        } else {
            (0..3)
                .map(|i| json!({"id": format!("worker-{i}"), "status": "ACTIVE"}))
                .collect()
        };
        Reply::json(200, json!({"results": results, "next_link": null}))
    }

    fn revoke(&mut self, secret: &str) {
        self.tokens.remove(secret);
    }

    fn as_any(&mut self) -> &mut dyn std::any::Any {
        self
    }
}

impl Emulator {
    /// Registers a Rippling API token.
    pub fn add_rippling(&self, tenant: RipplingTenant) {
        self.with_model(FILE, |r: &mut Rippling| {
            r.tokens.insert(tenant.token.clone(), tenant);
        });
    }
}
