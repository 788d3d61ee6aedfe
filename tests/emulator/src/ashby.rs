//! Ashby, as docs/providers/ashby.md has it: an RPC-style API (`POST /<category>.<method>`
//! with a JSON body), HTTP Basic with the key as the user name and an empty password, 401
//! without a key, 403 for a wrong or disabled key (in words, or as JSON: [`AshbyRefusal`]),
//! a missing module permission named `missing_endpoint_permission` on a 403 or on a 200
//! with `success: false` ([`AshbyDenial`]), and answers wrapped in `{success, results}`.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::auth::basic_key;
use crate::{provider_file, Emulator, Model, Recorded, Reply};

/// An Ashby organization and one of its API keys.
#[derive(Debug, Clone)]
pub struct AshbyTenant {
    /// The API key.
    pub key: String,
    /// The key's name (its title in Admin › Integrations › API Keys).
    pub title: String,
    /// The organization's name, when `apiKey.info` gives it.
    pub organization: Option<String>,
    /// The key's permissions, by id (`jobsRead`…).
    pub permissions: Vec<String>,
    /// Records each list holds.
    pub records: u64,
}

impl AshbyTenant {
    /// A key with every permission the provider file lists.
    pub fn full(key: &str) -> Self {
        AshbyTenant {
            key: key.into(),
            title: "Keystep".into(),
            organization: Some("Acme Recruiting".into()),
            permissions: provider_file::required(provider_file::text(FILE)),
            records: 4,
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
}

/// How Ashby refuses a wrong or disabled key (a 403 "human-readable response").
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AshbyRefusal {
    /// Plain text, as an integrator saw it.
    #[default]
    Text,
    /// Ashby's JSON error.
    Json,
}

/// How Ashby says a module permission is missing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AshbyDenial {
    /// A 403 naming `missing_endpoint_permission` (the vendor's documentation).
    #[default]
    Forbidden,
    /// A 200 with `success: false` and the same code (an integrator's test).
    SuccessFalse,
}

const FILE: &str = "ashby";

/// The permission each endpoint needs (docs/providers/ashby.md).
fn needs(method: &str) -> Option<&'static str> {
    Some(match method {
        "/apiKey.info" => "apiKeysRead",
        "/user.list" => "organizationRead",
        "/job.list" => "jobsRead",
        "/candidate.list" | "/application.list" => "candidatesRead",
        "/interviewPlan.list" => "interviewsRead",
        "/feedbackFormDefinition.list" => "hiringProcessMetadataRead",
        "/offer.list" => "offersRead",
        _ => return None,
    })
}

/// The Ashby model.
#[derive(Default)]
pub(crate) struct Ashby {
    keys: BTreeMap<String, AshbyTenant>,
    refusal: AshbyRefusal,
    denial: AshbyDenial,
}

pub(crate) fn model() -> Box<dyn Model> {
    Box::<Ashby>::default()
}

impl Model for Ashby {
    fn handle(&mut self, rec: &Recorded) -> Reply {
        let Some((key, password)) = basic_key(rec) else {
            return Reply::html(401, "Unauthorized");
        };
        let Some(t) = self.keys.get(&key).filter(|_| password.is_empty()) else {
            return match self.refusal {
                AshbyRefusal::Text => Reply {
                    status: 403,
                    body: "Forbidden: invalid or disabled API key".into(),
                    content_type: "text/plain",
                    headers: Vec::new(),
                },
                AshbyRefusal::Json => Reply::json(
                    403,
                    json!({"success": false, "errors": ["invalid_api_key"],
                           "errorInfo": {"code": "invalid_api_key", "message": "The API key is invalid or disabled"}}),
                ),
            };
        };
        if rec.method != "POST" {
            return Reply::json(404, json!({"success": false, "errors": ["not_found"]}));
        }
        let Some(permission) = needs(&rec.path) else {
            return Reply::json(404, json!({"success": false, "errors": ["not_found"]}));
        };
        if !t.permissions.iter().any(|p| p == permission) {
            let body = json!({"success": false, "errors": ["missing_endpoint_permission"],
                "errorInfo": {"code": "missing_endpoint_permission",
                              "message": format!("{permission} permission is required"), "requestId": "req_1"}});
            let status = match self.denial {
                AshbyDenial::Forbidden => 403,
                AshbyDenial::SuccessFalse => 200,
            };
            return Reply::json(status, body);
        }
        if rec.path == "/apiKey.info" {
            let mut results = json!({"title": t.title});
            if let Some(org) = &t.organization {
                results["organizationName"] = json!(org);
            }
            return Reply::json(200, json!({"success": true, "results": results}));
        }
        let limit = serde_json::from_str::<Value>(&rec.body)
            .ok()
            .and_then(|b| b.get("limit").and_then(Value::as_u64))
            .unwrap_or(100);
        let items: Vec<Value> = (0..t.records.min(limit))
            .map(|i| json!({"id": format!("rec-{i}"), "organizationId": "org-acme"}))
            .collect();
        Reply::json(
            200,
            json!({"success": true, "results": items, "moreDataAvailable": t.records > limit, "nextCursor": null}),
        )
    }

    fn revoke(&mut self, secret: &str) {
        self.keys.remove(secret);
    }

    fn as_any(&mut self) -> &mut dyn std::any::Any {
        self
    }
}

impl Emulator {
    /// Registers an Ashby API key.
    pub fn add_ashby(&self, tenant: AshbyTenant) {
        self.with_model(FILE, |a: &mut Ashby| {
            a.keys.insert(tenant.key.clone(), tenant);
        });
    }

    /// Sets how Ashby refuses a wrong key.
    pub fn ashby_refusal(&self, how: AshbyRefusal) {
        self.with_model(FILE, |a: &mut Ashby| a.refusal = how);
    }

    /// Sets how Ashby says a permission is missing.
    pub fn ashby_denial(&self, how: AshbyDenial) {
        self.with_model(FILE, |a: &mut Ashby| a.denial = how);
    }
}
