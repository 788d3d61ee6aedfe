//! Rippling, as docs/providers/rippling.md has it: Bearer API tokens with scopes on the REST
//! API (`rest.ripplingapis.com`), the companies list naming the company (`companies.read`),
//! workers (`workers.read`), lists as `{results, next_link}`, a 401 for an unknown or expired
//! token (one unused for 30 days dies), a 403 for a scope the token lacks. Rippling's error
//! bodies are the emulator's choice.
//!
//! Workers are `crate::people`'s company in Rippling's shape (docs/providers/rippling.md,
//! "People and sensitive fields"): `{results, next_link}`, `limit` a page (at most 100), the
//! next page's `cursor` inside `next_link`, an absolute URL; one worker at `/workers/{id}`.
//! A worker names nobody by itself: `expand=user` inlines its user, and `expand=department`
//! its department, each only for a token with that resource's scope (`users.read`,
//! `departments.read`); otherwise the expansion is left out and listed in
//! `__meta.redacted_fields`, as Rippling does rather than refusing.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::people::{person, SENSITIVE};
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
    /// How many workers the company has.
    pub workers: u64,
}

impl RipplingTenant {
    /// A token with every scope the provider file lists, and `users.read`, which names
    /// workers (`expand=user`).
    pub fn full(token: &str, company: &str) -> Self {
        let mut scopes = provider_file::required(provider_file::text(FILE));
        scopes.push("users.read".into());
        RipplingTenant {
            token: token.into(),
            company: company.into(),
            company_id: "5f3c0a9e".into(),
            scopes,
            workers: 230,
        }
    }

    /// The same token with `scope` too.
    pub fn with(mut self, scope: &str) -> Self {
        self.scopes.push(scope.into());
        self
    }

    /// The same company with `n` workers.
    pub fn with_workers(mut self, n: u64) -> Self {
        self.workers = n;
        self
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
        if rec.method != "GET" {
            return error(404, "Not found.");
        }
        let needs = match rec.path.as_str() {
            "/companies" => "companies.read",
            p if p == "/workers" || p.starts_with("/workers/") => "workers.read",
            _ => return error(404, "Not found."),
        };
        if !t.scopes.iter().any(|s| s == needs) {
            return error(403, "You do not have permission to perform this action.");
        }
        if rec.path == "/companies" {
            let company = json!({"id": t.company_id, "name": t.company,
                                 "legal_name": format!("{} LLC", t.company)});
            return Reply::json(200, json!({"results": [company], "next_link": null}));
        }
        workers(t, rec)
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

/// Rippling's id of worker `i`.
pub fn rippling_id(i: u64) -> String {
    format!("6553a1f0c0ffee{i:010}")
}

fn secret(what: &str, i: u64) -> String {
    format!("{SENSITIVE}-{what}-{i:04}")
}

/// Worker `i`, with the expansions `expand` asks for that `scopes` allow.
pub fn rippling_worker(i: u64, expand: &[&str], scopes: &[String]) -> Value {
    let p = person(i);
    let status = ["ACTIVE", "TERMINATED", "HIRED"][p.state as usize];
    let department_id = format!("dep{}", i % 3);
    let mut w = json!({
        "id": rippling_id(i), "created_at": "2024-01-15T10:00:00Z",
        "updated_at": "2026-06-01T08:30:00Z", "user_id": format!("usr{i:08}"),
        "is_manager": i < 10, "manager_id": p.manager.map(rippling_id),
        "country": "US", "start_date": p.start, "number": i,
        "work_email": p.email,
        "personal_email": format!("{}-{i}@home.test", SENSITIVE.to_lowercase()),
        "status": status, "title": p.title, "department_id": department_id,
        "teams_id": [], "compensation_id": format!("cmp{i:08}"),
        "date_of_birth": p.birth, "gender": secret("gender", i), "ethnicity": secret("ethnicity", i),
        "citizenship": secret("citizenship", i),
        "country_fields": {"us": {"ssn": secret("ssn", i)}},
    });
    let mut redacted = Vec::new();
    let allowed = |scope: &str| scopes.iter().any(|s| s == scope);
    for (field, scope) in [
        ("user", "users.read"),
        ("department", "departments.read"),
        ("compensation", "compensations.read"),
    ] {
        if !expand.contains(&field) {
            continue;
        }
        if !allowed(scope) {
            redacted.push(json!({"name": field, "reason": "Insufficient entitlements"}));
            continue;
        }
        w[field] = match field {
            "user" => json!({
                "id": format!("usr{i:08}"), "active": p.state != 1, "username": format!("given{i}"),
                "display_name": format!("{} {}", p.first, p.last),
                "name": {"formatted": format!("{} {}", p.first, p.last), "given_name": p.first,
                         "family_name": p.last, "preferred_given_name": format!("G{i}")},
                "emails": [{"value": p.email, "type": "WORK"},
                           {"value": format!("{}-{i}@home.test", SENSITIVE.to_lowercase()), "type": "HOME"}],
                "phone_numbers": [{"value": secret("phone", i), "type": "MOBILE"}],
                "addresses": [{"type": "HOME", "street_address": secret("street", i)}],
            }),
            "department" => json!({"id": department_id, "name": p.department}),
            _ => {
                json!({"id": format!("cmp{i:08}"), "annual_salary_equivalent": secret("salary", i)})
            }
        };
    }
    w["__meta"] = json!({"redacted_fields": redacted});
    w
}

/// `/workers` (a page) and `/workers/{id}`.
fn workers(t: &RipplingTenant, rec: &Recorded) -> Reply {
    let expand: Vec<&str> = rec
        .query
        .get("expand")
        .map(|e| e.split(',').collect())
        .unwrap_or_default();
    if let Some(id) = rec.path.strip_prefix("/workers/") {
        return match (0..t.workers).find(|i| rippling_id(*i) == id) {
            Some(i) => Reply::json(200, rippling_worker(i, &expand, &t.scopes)),
            None => error(404, "Not found."),
        };
    }
    // The cursor is opaque to a client; here it is the offset, disguised.
    let start = match rec.query.get("cursor") {
        None => 0,
        Some(c) => match c
            .strip_prefix("b2Zmc2V0")
            .and_then(|n| n.parse::<u64>().ok())
        {
            Some(n) => n,
            None => return error(400, "Invalid cursor."),
        },
    };
    let limit = match rec.query.get("limit").map(|l| l.parse::<u64>()) {
        None => 50,
        Some(Ok(l @ 1..=100)) => l,
        _ => return error(400, "Invalid limit."),
    };
    let end = t.workers.min(start.saturating_add(limit));
    let results: Vec<Value> = (start..end)
        .map(|i| rippling_worker(i, &expand, &t.scopes))
        .collect();
    let next = (end < t.workers).then(|| {
        let mut link =
            format!("https://rest.ripplingapis.com/workers?limit={limit}&cursor=b2Zmc2V0{end}");
        if let Some(e) = rec.query.get("expand") {
            link.push_str(&format!("&expand={e}"));
        }
        link
    });
    Reply::json(200, json!({"results": results, "next_link": next}))
}
