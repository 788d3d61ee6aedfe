//! Ashby, as docs/providers/ashby.md has it: an RPC-style API (`POST /<category>.<method>`
//! with a JSON body), HTTP Basic with the key as the user name and an empty password, 401
//! without a key, 403 for a wrong or disabled key (in words, or as JSON: [`AshbyRefusal`]),
//! a missing module permission named `missing_endpoint_permission` on a 403 or on a 200
//! with `success: false` ([`AshbyDenial`]), and answers wrapped in `{success, results}`.
//!
//! Users and candidates are built from `crate::people` in Ashby's shape (docs/providers/
//! ashby.md, "People and sensitive fields"), paged as Ashby pages: `limit` (at most 100) and
//! an opaque `cursor` in the JSON body, `moreDataAvailable` and `nextCursor` in the answer.

use std::collections::BTreeMap;

use base64::Engine;
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
    /// Records each other list (jobs, applications…) holds.
    pub records: u64,
    /// Users and candidates, built from `crate::people`.
    pub people: u64,
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
            people: 105,
        }
    }

    /// The same organization with `n` users and `n` candidates.
    pub fn with_people(mut self, n: u64) -> Self {
        self.people = n;
        self
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
        "/user.list" | "/user.info" => "organizationRead",
        "/job.list" => "jobsRead",
        "/candidate.list" | "/candidate.info" | "/application.list" => "candidatesRead",
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
        let body = serde_json::from_str::<Value>(&rec.body).unwrap_or(Value::Null);
        match rec.path.as_str() {
            "/user.list" | "/candidate.list" => people_page(t, &rec.path, &body),
            "/user.info" => one(t, &body["userId"], "user_not_found", user),
            "/candidate.info" => one(t, &body["id"], "candidate_not_found", candidate),
            _ => {
                let limit = body.get("limit").and_then(Value::as_u64).unwrap_or(100);
                let items: Vec<Value> = (0..t.records.min(limit))
                    .map(|i| match rec.path.as_str() {
                        // Offers carry the compensation (the file's `sensitive.pay`).
                        "/offer.list" => json!({"id": format!("offer-{i}"),
                            "latestVersion": {"salary": {"value": secret("salary", i), "currencyCode": "USD"}}}),
                        _ => json!({"id": format!("rec-{i}"), "organizationId": "org-acme"}),
                    })
                    .collect();
                Reply::json(
                    200,
                    json!({"success": true, "results": items, "moreDataAvailable": t.records > limit, "nextCursor": null}),
                )
            }
        }
    }

    fn revoke(&mut self, secret: &str) {
        self.keys.remove(secret);
    }

    fn as_any(&mut self) -> &mut dyn std::any::Any {
        self
    }
}

/// A page of users or candidates: `limit` (at most 100, Ashby's maximum and default) from
/// where `cursor` says; deactivated users only when `includeDeactivated` is true.
fn people_page(t: &AshbyTenant, method: &str, body: &Value) -> Reply {
    let users = method == "/user.list";
    let include_all = !users || body["includeDeactivated"] == true;
    let listed: Vec<u64> = (0..t.people)
        .filter(|i| include_all || crate::people::person(*i).state != 1)
        .collect();
    let after = match body.get("cursor") {
        None | Some(Value::Null) => 0,
        Some(c) => match c.as_str().and_then(cursor_offset) {
            Some(n) => n,
            // What Ashby answers a cursor it never gave is not documented (inferred).
            None => {
                return Reply::json(
                    200,
                    json!({"success": false, "errors": ["invalid_cursor"],
                           "errorInfo": {"code": "invalid_cursor", "message": "The cursor is invalid"}}),
                )
            }
        },
    };
    let limit = body
        .get("limit")
        .and_then(Value::as_u64)
        .unwrap_or(100)
        .clamp(1, 100);
    let end = (after + limit).min(listed.len() as u64);
    let shape = if users { user } else { candidate };
    let results: Vec<Value> = listed
        .get(after as usize..end as usize)
        .unwrap_or_default()
        .iter()
        .map(|i| shape(*i))
        .collect();
    let more = end < listed.len() as u64;
    let next = more
        .then(|| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("after:{end}")));
    Reply::json(
        200,
        json!({"success": true, "results": results, "moreDataAvailable": more, "nextCursor": next}),
    )
}

fn cursor_offset(cursor: &str) -> Option<u64> {
    let text = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()?;
    String::from_utf8(text)
        .ok()?
        .strip_prefix("after:")?
        .parse()
        .ok()
}

/// One user or candidate by id, or Ashby's `success: false` naming why (the code is inferred).
fn one(t: &AshbyTenant, id: &Value, missing: &str, shape: fn(u64) -> Value) -> Reply {
    let found = id
        .as_str()
        .and_then(|id| id.rsplit('-').next())
        .and_then(|n| n.parse::<u64>().ok())
        .filter(|i| *i < t.people)
        .map(shape)
        .filter(|record| record["id"] == *id);
    match found {
        Some(record) => Reply::json(200, json!({"success": true, "results": record})),
        None => Reply::json(
            200,
            json!({"success": false, "errors": [missing],
                   "errorInfo": {"code": missing, "message": "Not found"}}),
        ),
    }
}

fn user_id(i: u64) -> String {
    format!("3ae9d0c4-7a51-4c55-9d1e-{i:012}")
}

fn secret(what: &str, i: u64) -> String {
    format!("{}-{what}-{i:04}", crate::people::SENSITIVE)
}

/// Person `i` as an Ashby user (`user.list`, `user.info`).
fn user(i: u64) -> Value {
    let p = crate::people::person(i);
    json!({
        "id": user_id(i), "firstName": p.first, "lastName": p.last, "email": p.email,
        "globalRole": if i == 0 { "Organization Admin" } else { "Elevated Access" },
        "isEnabled": p.state != 1, "updatedAt": "2026-11-01T09:00:00.000Z",
        "managerId": p.manager.map(user_id),
    })
}

/// Candidate `i` (`candidate.list`, `candidate.info`): contact details and what they wrote.
fn candidate(i: u64) -> Value {
    let p = crate::people::person(i);
    let phone = json!({"value": secret("phone", i), "type": "Mobile", "isPrimary": true});
    let email =
        json!({"value": format!("candidate{i}@mail.test"), "type": "Personal", "isPrimary": true});
    json!({
        "id": format!("f9e52a51-a075-4116-a7b8-{i:012}"),
        "createdAt": "2026-10-01T08:00:00.000Z", "updatedAt": "2026-11-01T08:00:00.000Z",
        "name": format!("Candidate{i} {}", p.last),
        "primaryEmailAddress": email, "emailAddresses": [email],
        "primaryPhoneNumber": phone, "phoneNumbers": [phone],
        "socialLinks": [{"type": "LinkedIn", "url": format!("https://linkedin.test/in/c{i}")}],
        "tags": [], "position": crate::people::INJECTION, "company": "Previous Co",
        "school": "State University", "applicationIds": [format!("app-{i}")],
        "resumeFileHandle": {"id": format!("file-{i}"), "name": "resume.pdf", "handle": format!("h{i}")},
        "fileHandles": [], "customFields": [],
        "profileUrl": format!("https://app.ashbyhq.com/candidates/f9e52a51-a075-4116-a7b8-{i:012}"),
        "source": {"id": "src-1", "title": "LinkedIn", "isArchived": false},
        "timezone": "Europe/Paris",
        "location": {"id": format!("loc-{i}"), "locationSummary": secret("city", i),
                     "locationComponents": [{"type": "City", "name": secret("city", i)}]},
    })
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
