//! Deel, as docs/providers/deel.md has it: Bearer API tokens with scopes, one API host for
//! production and one for the sandbox (a token works only where it was made), the current
//! organization (`organizations:read`) and the people list (`people:read`), 401 for a token the
//! host does not know, 403 for a scope the token lacks, and a 429 past 5 requests a second per
//! organization with no rate-limit headers. Deel's error bodies are the emulator's choice
//! (`{errors: [{message}]}`).
//!
//! The people list is `crate::people`'s company in Deel's shape (docs/providers/deel.md,
//! "People and sensitive fields"): `{data, page: {offset, total_rows, items_per_page}}`,
//! paged by `offset` (records skipped) and `limit`; one person at `/people/{id}`, their
//! personal details at `/people/{id}/personal` and bank accounts at `/gp/workers/{id}/banks`,
//! every sensitive value holding [`SENSITIVE`].

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::people::{person, SENSITIVE};
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
    /// How many people the organization has.
    pub people: u64,
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
            people: 120,
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

    /// The same organization with `n` people.
    pub fn with_people(mut self, n: u64) -> Self {
        self.people = n;
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
        if rec.method != "GET" {
            return error(404, "Not Found");
        }
        let needs = match rec.path.as_str() {
            "/organizations" => "organizations:read",
            p if p == "/people" || p.starts_with("/people/") || p.starts_with("/gp/workers/") => {
                "people:read"
            }
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
        people(&t, rec)
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

/// Deel's id of person `i`.
pub fn deel_id(i: u64) -> String {
    format!("9b9fc43a-0000-4000-8000-{i:012}")
}

fn secret(what: &str, i: u64) -> String {
    format!("{SENSITIVE}-{what}-{i:04}")
}

/// Person `i` as `/people` lists them and `/people/{id}` answers.
pub fn deel_person(i: u64) -> Value {
    let p = person(i);
    let status = ["active", "inactive", "onboarding"][p.state as usize];
    let manager = p.manager.map(|m| {
        let boss = person(m);
        json!({"id": deel_id(m), "first_name": boss.first, "last_name": boss.last,
               "work_email": boss.email})
    });
    json!({
        "id": deel_id(i), "worker_id": 1000 + i, "external_id": null,
        "first_name": p.first, "last_name": p.last,
        "full_name": format!("{} {}", p.first, p.last),
        "preferred_first_name": format!("G{i}"), "preferred_last_name": null,
        "emails": [{"type": "work", "value": p.email},
                   {"type": "personal", "value": format!("{}-{i}@home.test", SENSITIVE.to_lowercase())}],
        "job_title": p.title, "seniority": "Mid (Individual Contributor Level 2)",
        "department": {"id": format!("dep-{}", i % 3), "name": p.department, "parent": null},
        "direct_manager": manager, "direct_reports_count": 0,
        "hiring_status": status, "new_hiring_status": status, "hiring_type": "direct_employee",
        "start_date": p.start, "birth_date": p.birth, "country": "US", "timezone": "EST",
        "nationalities": [secret("nationality", i)],
        "addresses": [{"streetAddress": secret("street", i), "locality": "Denver",
                       "region": "CO", "postalCode": "80202", "country": "US"}],
        "employments": [{
            "id": format!("c{i:06}"), "name": format!("{} {}", p.first, p.last),
            "work_email": p.email, "job_title": p.title, "start_date": p.start,
            "hiring_status": status, "hiring_type": "direct_employee",
            "payment": {"rate": secret("salary", i), "scale": "annual", "currency": "USD"},
        }],
    })
}

/// `/people/{id}/personal`: what only personal details hold.
fn personal(i: u64) -> Value {
    let p = person(i);
    json!({"data": {
        "id": deel_id(i), "worker_id": 1000 + i, "legal_first_name": p.first,
        "legal_last_name": p.last, "preferred_name": format!("G{i}"), "work_email": p.email,
        "date_of_birth": p.birth,
        "personal_email": format!("{}-{i}@home.test", SENSITIVE.to_lowercase()),
        "phone_numbers": [{"type": "PERSONAL", "dial_code": "+1", "phone_number": secret("phone", i)}],
        "addresses": [{"type": "HOME", "street": secret("street", i), "city": "Denver"}],
        "demographics": {"gender": {"name": secret("gender", i)}},
        "nationalities": [{"code": "US", "name": secret("nationality", i)}],
        "emergency_contacts": [{"name": secret("contact", i), "phone": secret("phone", i)}],
        "kyc": {"is_kyc_approved": true},
    }})
}

/// `/gp/workers/{id}/banks`: a Global Payroll worker's bank accounts.
fn banks(i: u64) -> Value {
    json!({"data": [{
        "id": format!("bank-{i}"), "status": "active", "full_name": person(i).first,
        "iban": secret("iban", i), "swift_bic": secret("bic", i),
        "account_number": secret("account", i), "tax_id": secret("tax", i),
    }]})
}

/// The people endpoints, for a token allowed `people:read`.
fn people(t: &DeelTenant, rec: &Recorded) -> Reply {
    let number = |name: &str, default: u64| {
        rec.query
            .get(name)
            .map_or(Some(default), |v| v.parse::<u64>().ok())
    };
    if rec.path == "/people" {
        // Deel takes 1 to 200 a page and answers a bad value with 400.
        let (Some(offset), Some(limit @ 1..=200)) = (number("offset", 0), number("limit", 50))
        else {
            return error(400, "Invalid pagination");
        };
        let data: Vec<Value> = (offset..t.people.min(offset.saturating_add(limit)))
            .map(deel_person)
            .collect();
        return Reply::json(
            200,
            json!({"data": data, "page": {"offset": offset, "total_rows": t.people,
                                          "items_per_page": limit}}),
        );
    }
    let rest = rec
        .path
        .strip_prefix("/people/")
        .or_else(|| rec.path.strip_prefix("/gp/workers/"))
        .unwrap_or_default();
    let (id, tail) = rest.split_once('/').unwrap_or((rest, ""));
    let found = (0..t.people).find(|i| deel_id(*i) == id);
    match (found, rec.path.starts_with("/people/"), tail) {
        (Some(i), true, "") => Reply::json(200, json!({"data": deel_person(i)})),
        (Some(i), true, "personal") => Reply::json(200, personal(i)),
        (Some(i), false, "banks") => Reply::json(200, banks(i)),
        _ => error(404, "Not Found"),
    }
}
