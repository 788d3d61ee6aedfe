//! Teamtailor, as docs/providers/teamtailor.md has it: the key in `Authorization: Token
//! token=<key>`, an `X-Api-Version` header on every request (406 without it), one API host
//! per region (EU, North America) each knowing only its own accounts' keys (a key sent to the
//! other region is a 401 like a wrong one), JSON:API answers (`{data: {id, type,
//! attributes}}`), the company endpoint, and candidates for Admin keys only (403 otherwise).
//! Teamtailor documents no error body: the JSON:API `errors` here are the emulator's choice.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::auth::header;
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
            "/candidates" if t.scope != TeamtailorScope::Admin => error(403, "Forbidden"),
            "/candidates" => {
                let size = rec
                    .query
                    .get("page[size]")
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(10u64);
                let data: Vec<Value> = (0..size.min(3))
                    .map(|i| json!({"id": format!("{}", 900 + i), "type": "candidates", "attributes": {"first-name": "Ada"}}))
                    .collect();
                Reply::json(200, json!({"data": data, "meta": {"record-count": 3}}))
            }
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
