//! Teamtailor, as docs/providers/teamtailor.md has it: the key in `Authorization: Token
//! token=<key>`, an `X-Api-Version` header on every request (406 without it), one API host
//! per region (EU, North America) each knowing only its own accounts' keys (a key sent to the
//! other region is a 401 like a wrong one), JSON:API answers (`{data: {id, type,
//! attributes}}`), the company endpoint, and candidates for Admin keys only (403 otherwise).
//! Teamtailor documents no error body: the JSON:API `errors` here are the emulator's choice.
//!
//! Users and candidates are `crate::people`'s company in Teamtailor's shape
//! (docs/providers/teamtailor.md, "People and sensitive fields"): JSON:API lists paged by
//! `page[number]` from 1 and `page[size]` (10 by default, at most 30), with `meta` counts and
//! `links`; one record at `/users/{id}` and `/candidates/{id}`. A candidate's pitch holds
//! [`INJECTION`] and their phone [`SENSITIVE`].

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::auth::header;
use crate::people::{person, INJECTION, SENSITIVE};
use crate::{Emulator, Model, Recorded, Reply};

/// A key's scope, as Teamtailor's API keys page offers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TeamtailorScope {
    /// Public career-site data.
    Public,
    /// Public and internal data.
    Internal,
    /// Everything in the account.
    Admin,
}

/// A Teamtailor account and one of its API keys.
#[derive(Debug, Clone)]
pub struct TeamtailorTenant {
    /// The API key.
    pub key: String,
    /// The region's host name in the provider file (`api` for the EU, `na`).
    pub host: String,
    /// The company's name.
    pub company: String,
    /// The company's id.
    pub company_id: String,
    /// The key's scope.
    pub scope: TeamtailorScope,
    /// Its Read box.
    pub read: bool,
    /// Its Write box.
    pub write: bool,
    /// How many users the account has.
    pub users: u64,
    /// How many candidates the account has.
    pub candidates: u64,
}

impl TeamtailorTenant {
    /// An Admin key with Read and Write in the EU region.
    pub fn full(key: &str, company: &str) -> Self {
        TeamtailorTenant {
            key: key.into(),
            host: "api".into(),
            company: company.into(),
            company_id: "4242".into(),
            scope: TeamtailorScope::Admin,
            read: true,
            write: true,
            users: 70,
            candidates: 75,
        }
    }

    /// The same key with another scope.
    pub fn scoped(mut self, scope: TeamtailorScope) -> Self {
        self.scope = scope;
        self
    }

    /// The same key with these boxes ticked.
    pub fn boxes(mut self, read: bool, write: bool) -> Self {
        self.read = read;
        self.write = write;
        self
    }

    /// The same key in the North American region.
    pub fn in_north_america(mut self) -> Self {
        self.host = "na".into();
        self
    }
}

const FILE: &str = "teamtailor";

/// The Teamtailor model: keys by region.
#[derive(Default)]
pub(crate) struct Teamtailor {
    keys: BTreeMap<(String, String), TeamtailorTenant>,
}

pub(crate) fn model() -> Box<dyn Model> {
    Box::<Teamtailor>::default()
}

fn error(status: u16, title: &str) -> Reply {
    Reply::json(
        status,
        json!({"errors": [{"status": status.to_string(), "title": title}]}),
    )
}

impl Model for Teamtailor {
    fn handle(&mut self, rec: &Recorded) -> Reply {
        if header(rec, "x-api-version").is_none_or(str::is_empty) {
            return error(406, "Invalid/Missing API Version");
        }
        let key = header(rec, "authorization").and_then(|v| v.strip_prefix("Token token="));
        let Some(t) = key.and_then(|k| self.keys.get(&(rec.host.clone(), k.to_string()))) else {
            return error(401, "Unauthorized");
        };
        if rec.method != "GET" {
            return error(405, "Method Not Allowed");
        }
        if !t.read {
            return error(403, "Forbidden");
        }
        match rec.path.as_str() {
            "/company" => Reply::json(
                200,
                json!({"data": {"id": t.company_id, "type": "companies",
                                "attributes": {"name": t.company, "website": "https://acme.example"},
                                "links": {"self": "https://api.teamtailor.com/v1/company"}}}),
            ),
            p if p.starts_with("/candidates") && t.scope != TeamtailorScope::Admin => {
                error(403, "Forbidden")
            }
            "/users" => page(t, rec, "users", t.users, user),
            "/candidates" => page(t, rec, "candidates", t.candidates, candidate),
            p if p.starts_with("/users/") => one(&p[7..], t.users, user),
            p if p.starts_with("/candidates/") => one(&p[12..], t.candidates, candidate),
            _ => error(404, "Not Found"),
        }
    }

    fn revoke(&mut self, secret: &str) {
        self.keys.retain(|(_, key), _| key != secret);
    }

    fn as_any(&mut self) -> &mut dyn std::any::Any {
        self
    }
}

impl Emulator {
    /// Registers a Teamtailor API key in its region.
    pub fn add_teamtailor(&self, tenant: TeamtailorTenant) {
        self.with_model(FILE, |t: &mut Teamtailor| {
            t.keys
                .insert((tenant.host.clone(), tenant.key.clone()), tenant);
        });
    }
}

/// Teamtailor's id of user `i`.
pub fn teamtailor_user_id(i: u64) -> String {
    (4000 + i).to_string()
}

/// Teamtailor's id of candidate `i`.
pub fn teamtailor_candidate_id(i: u64) -> String {
    (900_000 + i).to_string()
}

/// User `i`: the JSON:API resource.
fn user(i: u64) -> Value {
    let p = person(i);
    let id = teamtailor_user_id(i);
    json!({
        "id": id, "type": "users",
        "links": {"self": format!("https://api.teamtailor.com/v1/users/{id}")},
        "attributes": {
            "name": format!("{} {}", p.first, p.last), "email": p.email,
            "login-email": p.email, "title": p.title, "role": "recruiter",
            "username": format!("given{i}"), "visible": true, "hide-email": false,
            "phone": format!("{SENSITIVE}-phone-{i:04}"), "description": "<p>Hiring.</p>",
        },
        "relationships": {"department": {"links": {
            "related": format!("https://api.teamtailor.com/v1/users/{id}/department")}}},
    })
}

/// Candidate `i`: the JSON:API resource, with what they wrote.
fn candidate(i: u64) -> Value {
    let p = person(i);
    let id = teamtailor_candidate_id(i);
    json!({
        "id": id, "type": "candidates",
        "links": {"self": format!("https://api.teamtailor.com/v1/candidates/{id}")},
        "attributes": {
            "first-name": format!("Candidate{i}"), "last-name": p.last,
            "email": format!("candidate{i}@mail.test"),
            "phone": format!("{SENSITIVE}-phone-{i:04}"),
            "created-at": format!("2026-10-{:02}T09:00:00.000+02:00", 1 + i % 28),
            "referring-site": "LinkedIn", "sourced": false, "connected": false,
            "pitch": INJECTION,
            "resume": format!("https://s3.example/resume-{i}.pdf"), "tags": [],
        },
        "relationships": {"job-applications": {"links": {
            "related": format!("https://api.teamtailor.com/v1/candidates/{id}/job-applications")}}},
    })
}

/// One page of a JSON:API list of `total` records made by `record`.
fn page(
    t: &TeamtailorTenant,
    rec: &Recorded,
    kind: &str,
    total: u64,
    record: fn(u64) -> Value,
) -> Reply {
    let number = |name: &str, default: u64| {
        rec.query
            .get(name)
            .map_or(Some(default), |v| v.parse::<u64>().ok())
    };
    let (Some(n @ 1..), Some(size @ 1..=30)) =
        (number("page[number]", 1), number("page[size]", 10))
    else {
        return error(400, "Invalid page");
    };
    let first = (n - 1).saturating_mul(size);
    let data: Vec<Value> = (first..total.min(first.saturating_add(size)))
        .map(record)
        .collect();
    let pages = total.div_ceil(size).max(1);
    let host = if t.host == "na" {
        "api.na.teamtailor.com"
    } else {
        "api.teamtailor.com"
    };
    let at =
        |k: u64| format!("https://{host}/v1/{kind}?page%5Bnumber%5D={k}&page%5Bsize%5D={size}");
    let mut links = json!({"first": at(1), "last": at(pages)});
    if n < pages {
        links["next"] = json!(at(n + 1));
    }
    if n > 1 {
        links["prev"] = json!(at(n - 1));
    }
    Reply::json(
        200,
        json!({"data": data, "meta": {"record-count": total, "page-count": pages}, "links": links}),
    )
}

/// The record whose id is `id`, among `total`.
fn one(id: &str, total: u64, record: fn(u64) -> Value) -> Reply {
    match (0..total).map(record).find(|r| r["id"] == id) {
        Some(r) => Reply::json(200, json!({"data": r})),
        None => error(404, "Not Found"),
    }
}
