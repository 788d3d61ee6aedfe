//! Greenhouse Harvest v3, as docs/providers/greenhouse.md has it: OAuth client credentials
//! minted at `auth.greenhouse.io/token` (HTTP Basic client authentication, a form body with
//! `grant_type=client_credentials`; the answer's `expires_at` and `scope`), Bearer access
//! tokens on `harvest.greenhouse.io/v3`, a 403 for a scope the credential lacks, JSON arrays
//! for lists, and empty lists for a user who is not a Site Admin.
//!
//! Users, candidates, applications, EEOC and demographic answers and offers are built from
//! `crate::people` in Harvest v3's shape (docs/providers/greenhouse.md, "People and sensitive
//! fields") and paged as v3 pages: `per_page` (1–500, 100 by default) on the first request,
//! then the Link header's rel="next" URL, whose opaque `cursor` must be the only query
//! parameter.

use std::collections::BTreeMap;

use base64::Engine;
use serde_json::{json, Value};

use crate::auth::{ClientAuth, TokenExpiry, TokenIssuer};
use crate::{provider_file, Emulator, Model, Recorded, Reply};

/// A Greenhouse organization's Harvest v3 credential.
#[derive(Debug, Clone)]
pub struct GreenhouseTenant {
    /// The credential's client ID.
    pub client_id: String,
    /// Its client secret.
    pub client_secret: String,
    /// The scopes ticked under Manage scopes.
    pub scopes: Vec<String>,
    /// Whether the credential's user is a Site Admin (else lists come back empty).
    pub site_admin: bool,
    /// Records each other list (jobs, departments…) holds.
    pub records: u64,
    /// Users, and candidates (each with one application and EEOC answers), built from
    /// `crate::people`.
    pub people: u64,
}

impl GreenhouseTenant {
    /// A credential with every scope the provider file lists, for a Site Admin.
    pub fn full(client_id: &str, client_secret: &str) -> Self {
        GreenhouseTenant {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            scopes: all_scopes(),
            site_admin: true,
            records: 7,
            people: 105,
        }
    }

    /// The same credential's organization with `n` users and `n` candidates.
    pub fn with_people(mut self, n: u64) -> Self {
        self.people = n;
        self
    }

    /// The same credential with exactly the scopes purpose `id` asks for.
    pub fn for_purpose(mut self, id: &str) -> Self {
        self.scopes = provider_file::purpose(provider_file::text(FILE), id)
            .into_iter()
            .filter(|s| s.starts_with("harvest:"))
            .collect();
        self
    }

    /// The same credential without `scope`.
    pub fn without(mut self, scope: &str) -> Self {
        self.scopes.retain(|s| s != scope);
        self
    }

    /// The same credential for a user who is not a Site Admin.
    pub fn not_site_admin(mut self) -> Self {
        self.site_admin = false;
        self
    }
}

const FILE: &str = "greenhouse";

/// Every Harvest scope of the provider file (its other permissions are no scopes).
fn all_scopes() -> Vec<String> {
    provider_file::required(provider_file::text(FILE))
        .into_iter()
        .filter(|s| s.starts_with("harvest:"))
        .collect()
}

/// The Greenhouse model.
pub(crate) struct Greenhouse {
    issuer: TokenIssuer,
    tenants: BTreeMap<String, GreenhouseTenant>,
}

pub(crate) fn model() -> Box<dyn Model> {
    Box::new(Greenhouse {
        issuer: TokenIssuer::new(ClientAuth::Basic, TokenExpiry::ExpiresAt),
        tenants: BTreeMap::new(),
    })
}

impl Model for Greenhouse {
    fn handle(&mut self, rec: &Recorded) -> Reply {
        match (rec.host.as_str(), rec.path.as_str()) {
            ("auth", "/token") => self.issuer.mint(rec),
            ("api", path) => {
                let client = match self.issuer.client_of(rec) {
                    Ok(c) => c.to_string(),
                    Err(refused) => return refused,
                };
                let Some(t) = self.tenants.get(&client) else {
                    return Reply::json(401, json!({"message": "Unauthorized"}));
                };
                list(t, rec, path)
            }
            _ => Reply::json(404, json!({"message": "Not Found"})),
        }
    }

    fn revoke(&mut self, secret: &str) {
        self.issuer.revoke(secret);
        self.tenants.retain(|_, t| t.client_secret != secret);
    }

    fn tokens(&mut self) -> Option<&mut TokenIssuer> {
        Some(&mut self.issuer)
    }

    fn as_any(&mut self) -> &mut dyn std::any::Any {
        self
    }
}

/// A Harvest v3 list: the resource's `list` scope or 403, then a JSON array (empty for a
/// user who is not a Site Admin), a page at a time.
fn list(t: &GreenhouseTenant, rec: &Recorded, path: &str) -> Reply {
    if rec.method != "GET" {
        return Reply::json(405, json!({"message": "Method Not Allowed"}));
    }
    let resource = path.trim_start_matches('/');
    if resource.is_empty() || resource.contains('/') {
        return Reply::json(404, json!({"message": "Not Found"}));
    }
    let scope = format!("harvest:{resource}:list");
    if !t.scopes.contains(&scope) {
        return Reply::json(
            403,
            json!({"message": format!("Missing required scope: {scope}")}),
        );
    }
    let page = match Page::of(rec, resource) {
        Ok(page) => page,
        Err(refused) => return refused,
    };
    let total = match resource {
        "users" | "candidates" | "applications" | "eeoc" | "demographic_answers" | "offers" => {
            t.people
        }
        _ => t.records,
    };
    let total = if t.site_admin { total } else { 0 };
    let wanted: Option<Vec<u64>> = page.ids.as_ref().map(|ids| {
        ids.iter()
            .filter_map(|id| index_of(resource, *id))
            .filter(|i| *i < total)
            .collect()
    });
    let indices: Vec<u64> = match wanted {
        Some(w) => w,
        None => (page.after..total.min(page.after + page.per_page)).collect(),
    };
    let items: Vec<Value> = indices.iter().map(|i| record(resource, *i)).collect();
    let reply = Reply::json(200, json!(items));
    let end = page.after + page.per_page;
    if page.ids.is_none() && end < total {
        let next = Page::cursor(resource, end, page.per_page);
        let link =
            format!("<https://harvest.greenhouse.io/v3/{resource}?cursor={next}>; rel=\"next\"");
        reply.with_header("Link", &link)
    } else {
        reply
    }
}

/// Where a page starts, its size, and an `ids` filter, from a first request's parameters or
/// from the cursor a Link header gave.
struct Page {
    after: u64,
    per_page: u64,
    ids: Option<Vec<u64>>,
}

impl Page {
    fn of(rec: &Recorded, resource: &str) -> Result<Page, Reply> {
        // What Greenhouse answers a refused cursor or page size is not documented: 422 is
        // inferred (docs/providers/greenhouse.md).
        let refuse = |why: &str| Reply::json(422, json!({"message": why}));
        if let Some(cursor) = rec.query.get("cursor") {
            if rec.query.len() != 1 {
                return Err(refuse("cursor must be the only query parameter"));
            }
            let decoded = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(cursor)
                .ok()
                .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
                .filter(|v| v["resource"] == resource);
            let Some(c) = decoded else {
                return Err(refuse("invalid cursor"));
            };
            return Ok(Page {
                after: c["after"].as_u64().unwrap_or(0),
                per_page: c["per_page"].as_u64().unwrap_or(100),
                ids: None,
            });
        }
        let per_page = match rec.query.get("per_page").map(|p| p.parse::<u64>()) {
            None => 100,
            Some(Ok(n)) if (1..=500).contains(&n) => n,
            Some(_) => return Err(refuse("per_page must be between 1 and 500")),
        };
        let ids = rec.query.get("ids").map(|ids| {
            ids.split(',')
                .filter_map(|id| id.trim().parse().ok())
                .collect()
        });
        Ok(Page {
            after: 0,
            per_page,
            ids,
        })
    }

    /// An opaque cursor: URL-safe Base64 of what the next page needs, as Greenhouse's is.
    fn cursor(resource: &str, after: u64, per_page: u64) -> String {
        let payload = json!({"resource": resource, "after": after, "per_page": per_page});
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(payload.to_string())
    }
}

/// The first id of each people-backed list; any other list's records start at 4,000,000.
fn first_id(resource: &str) -> u64 {
    match resource {
        "users" => 4_100_000,
        "candidates" => 5_000_000,
        "applications" => 6_000_000,
        "eeoc" => 7_000_000,
        "demographic_answers" => 7_100_000,
        "offers" => 7_200_000,
        _ => 4_000_000,
    }
}

fn index_of(resource: &str, id: u64) -> Option<u64> {
    id.checked_sub(first_id(resource))
}

fn record(resource: &str, i: u64) -> Value {
    match resource {
        "users" => user(i),
        "candidates" => candidate(i),
        "applications" => application(i),
        "eeoc" => eeoc(i),
        "demographic_answers" => json!({
            "id": first_id("demographic_answers") + i,
            "application_id": first_id("applications") + i, "demographic_question_id": 1,
            "demographic_answer_option_id": null, "free_form_text": secret("self-described", i),
        }),
        "offers" => json!({
            "id": first_id("offers") + i, "version": 1, "status": "Created",
            "application_id": first_id("applications") + i,
            "candidate_id": first_id("candidates") + i, "job_id": 4_000_001,
            "custom_fields": {"salary": {"name": "Salary", "type": "currency",
                                         "value": secret("salary", i)}},
        }),
        _ => json!({"id": first_id(resource) + i, "name": format!("Record {i}")}),
    }
}

fn secret(what: &str, i: u64) -> String {
    format!("{}-{what}-{i:04}", crate::people::SENSITIVE)
}

/// Person `i` as a Greenhouse user (`GET /v3/users`).
fn user(i: u64) -> Value {
    let p = crate::people::person(i);
    json!({
        "id": first_id("users") + i, "first_name": p.first, "last_name": p.last,
        "name": format!("{} {}", p.first, p.last), "job_title": p.title,
        "primary_email": p.email, "emails": [p.email], "deactivated": p.state == 1,
        "site_admin": i == 0, "agency_id": null, "employee_id": format!("E{i:05}"),
        "linked_candidate_ids": [], "office_ids": [], "department_ids": [100 + i % 3],
        "interviewer_tags": [], "created_at": format!("{}T09:00:00Z", p.start),
        "updated_at": "2026-11-01T09:00:00Z",
    })
}

/// Candidate `i` (`GET /v3/candidates`): their contact details, the links they gave.
fn candidate(i: u64) -> Value {
    let p = crate::people::person(i);
    json!({
        "id": first_id("candidates") + i, "first_name": format!("Candidate{i}"),
        "last_name": p.last, "preferred_name": null, "company": "Previous Co",
        "title": p.title, "last_activity_at": "2026-11-02T10:00:00Z", "private": false,
        "can_email": true, "tags": ["2026"], "linked_user_ids": [],
        "email_addresses": [{"value": format!("candidate{i}@mail.test"), "type": "personal"}],
        "phone_numbers": [{"value": secret("phone", i), "type": "mobile"}],
        "addresses": [{"value": secret("street", i), "type": "home"}],
        "website_addresses": [{"value": format!("https://candidate{i}.test"), "type": "personal"}],
        "social_media_addresses": [{"value": crate::people::INJECTION}],
        "custom_fields": {},
    })
}

/// Candidate `i`'s application (`GET /v3/applications`): their answers and location.
fn application(i: u64) -> Value {
    json!({
        "id": first_id("applications") + i, "candidate_id": first_id("candidates") + i,
        "job_id": 4_000_001, "stage_name": "Application Review", "status": "in_process",
        "created_at": format!("2026-10-{:02}T08:00:00Z", 1 + i % 28), "prospect": false,
        "location_address": secret("street", i),
        "answers": [{"question": "Why us?", "answer": crate::people::INJECTION}],
    })
}

/// Candidate `i`'s row-level EEOC answers (`GET /v3/eeoc`).
fn eeoc(i: u64) -> Value {
    json!({
        "id": first_id("eeoc") + i, "application_id": first_id("applications") + i,
        "candidate_id": first_id("candidates") + i,
        "gender": {"id": 1, "description": secret("gender", i)},
        "race": {"id": 2, "description": secret("race", i)},
        "veteran_status": {"id": 3, "description": secret("veteran", i)},
        "disability_status": {"id": 4, "description": secret("disability", i)},
        "submitted_at": "2026-10-02T08:00:00Z",
    })
}

impl Emulator {
    /// Registers a Greenhouse Harvest v3 credential.
    pub fn add_greenhouse(&self, tenant: GreenhouseTenant) {
        self.with_model(FILE, |g: &mut Greenhouse| {
            g.issuer.register(
                &tenant.client_id,
                &tenant.client_secret,
                tenant.scopes.clone(),
            );
            g.tenants.insert(tenant.client_id.clone(), tenant);
        });
    }
}
