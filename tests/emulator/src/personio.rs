//! Personio API v2, as docs/providers/personio.md has it: OAuth client credentials minted at
//! `POST /v2/auth/token` on the API host (a form body holding `grant_type`, `client_id` and
//! `client_secret`; the answer's `expires_in`, a day, and `scope`), refused with a 400 whose
//! OAuth `error` says why (`unauthorized_client` for a wrong secret, `invalid_client` for an
//! unknown client), Bearer access tokens on `/v2/persons`, a 403 "Insufficient access scope"
//! for an integration without Read on Employees, and attributes the integration may not read
//! left out of each person silently. The people are `crate::people`'s, listed by cursor (the
//! next page's address in `_meta.links.next.href`) and read one by one at `/v2/persons/{id}`.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{json, Value};

use crate::auth::{ClientAuth, TokenExpiry, TokenIssuer};
use crate::{provider_file, Emulator, Model, Recorded, Reply};

/// A Personio company's custom integration.
#[derive(Debug, Clone)]
pub struct PersonioTenant {
    /// The integration's Client ID.
    pub client_id: String,
    /// Its client secret.
    pub client_secret: String,
    /// Its access rights and readable attributes, in the provider file's words
    /// (`Employees › Read`, `Readable employee attributes › First name`…).
    pub rights: Vec<String>,
    /// People the integration sees.
    pub persons: u64,
}

impl PersonioTenant {
    /// An integration with every right the provider file lists.
    pub fn full(client_id: &str, client_secret: &str) -> Self {
        PersonioTenant {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            rights: provider_file::required(provider_file::text(FILE)),
            // More than one page of 50, so a list pages.
            persons: 60,
        }
    }

    /// The same integration with exactly what purpose `id` asks for.
    pub fn for_purpose(mut self, id: &str) -> Self {
        self.rights = provider_file::purpose(provider_file::text(FILE), id);
        self
    }

    /// The same integration without `right`.
    pub fn without(mut self, right: &str) -> Self {
        self.rights.retain(|r| r != right);
        self
    }

    /// The same integration seeing nobody (limited to a legal entity without people).
    pub fn seeing_nobody(mut self) -> Self {
        self.persons = 0;
        self
    }

    fn may(&self, right: &str) -> bool {
        self.rights.iter().any(|r| r == right)
    }
}

const FILE: &str = "personio";

/// The Personio model.
pub(crate) struct Personio {
    issuer: TokenIssuer,
    tenants: BTreeMap<String, PersonioTenant>,
}

pub(crate) fn model() -> Box<dyn Model> {
    let mut issuer = TokenIssuer::new(ClientAuth::Form, TokenExpiry::ExpiresIn);
    issuer.lifetime = Duration::from_secs(86_400);
    Box::new(Personio {
        issuer,
        tenants: BTreeMap::new(),
    })
}

/// The error object of Personio's v2 API.
fn problem(status: u16, title: &str, detail: &str, anchor: &str) -> Reply {
    Reply::json(
        status,
        json!({
            "personio_trace_id": "emu-trace-1",
            "timestamp": "2026-12-01T09:00:00Z",
            "errors": [{
                "title": title,
                "detail": detail,
                "type": format!("https://developer.personio.de/v2.0/page/public-api-error-codes#{anchor}"),
                "_meta": {}
            }]
        }),
    )
}

impl Personio {
    /// The token endpoint: the issuer's answer, with Personio's 400 for a refused client.
    fn token(&mut self, rec: &Recorded) -> Reply {
        let reply = self.issuer.mint(rec);
        if reply.status != 401 {
            return reply;
        }
        let form = crate::form_pairs(&rec.body);
        let known = form
            .get("client_id")
            .is_some_and(|id| self.tenants.contains_key(id));
        let (error, description) = if known {
            (
                "unauthorized_client",
                "The credentials were not correct. Make sure you are providing the right client_id and client_secret.",
            )
        } else {
            ("invalid_client", "Client authentication failed.")
        };
        Reply::json(
            400,
            json!({"error": error, "error_description": description,
                   "timestamp": "2026-12-01T09:00:00Z", "trace_id": "emu-trace-1"}),
        )
    }
}

impl Model for Personio {
    fn handle(&mut self, rec: &Recorded) -> Reply {
        if rec.host != "api" {
            return problem(404, "Not Found", "No such host.", "apinot_found");
        }
        if rec.path == "/v2/auth/token" {
            return self.token(rec);
        }
        let client = match self.issuer.client_of(rec) {
            Ok(c) => c.to_string(),
            Err(refused) => return refused,
        };
        let Some(t) = self.tenants.get(&client) else {
            return problem(401, "Unauthorized", "Invalid token.", "commonunauthorized");
        };
        match (rec.method.as_str(), rec.path.as_str()) {
            ("GET", "/v2/persons") => persons(t, rec),
            ("GET", p) if p.starts_with("/v2/persons/") => {
                one_person(t, &p["/v2/persons/".len()..])
            }
            _ => problem(
                404,
                "Not Found",
                &format!("The endpoint with {} was not found.", rec.path),
                "apinot_found",
            ),
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

/// Read on Employees, or Personio's 403.
fn may_read(t: &PersonioTenant) -> Result<(), Reply> {
    if t.may("Employees › Read") {
        Ok(())
    } else {
        Err(problem(
            403,
            "Insufficient access scope",
            "Client scope insufficient to access resource",
            "commonforbidden",
        ))
    }
}

/// Personio's id of person `i`.
fn person_id(i: u64) -> String {
    (31_000_000 + i).to_string()
}

/// Person `i` in Personio's v2 shape, with the readable attributes only: first name, last
/// name and email when the integration may read them (the provider file names these), and
/// the rest — gender, custom attributes holding an IBAN and a date of birth, as Personio's
/// own example does — as an integration given every other attribute sees them.
fn person(t: &PersonioTenant, i: u64) -> Value {
    let p = crate::people::person(i);
    let id = person_id(i);
    let secret = |what: &str| format!("{}-{what}-{i:04}", crate::people::SENSITIVE);
    let attribute = |name: &str| t.may(&format!("Readable employee attributes › {name}"));
    let mut v = json!({
        "id": id,
        "created_at": "2017-07-21T17:32:28Z",
        "updated_at": "2026-11-02T09:00:00Z",
        "preferred_name": format!("G{i}"),
        "gender": secret("gender"),
        "status": if p.state == 1 { "INACTIVE" } else { "ACTIVE" },
        "custom_attributes": [
            {"id": "dynamic_306", "type": "string", "global_id": "IBAN", "value": secret("iban")},
            {"id": "dynamic_307", "type": "date", "global_id": "date_of_birth", "value": p.birth},
        ],
        "employments": [{"id": format!("emp-{i}")}],
        "_meta": {"links": {"employments": {"href": format!("https://api.personio.de/v2/persons/{id}/employments")}}}
    });
    if attribute("First name") {
        v["first_name"] = json!(p.first);
    }
    if attribute("Last name") {
        v["last_name"] = json!(p.last);
    }
    if attribute("Email") {
        v["email"] = json!(p.email);
    }
    v
}

/// `GET /v2/persons`: Read on Employees or 403, then one page of people (`limit`, 1 to 50),
/// the next page's address in `_meta.links.next.href` with its `cursor`.
fn persons(t: &PersonioTenant, rec: &Recorded) -> Reply {
    if let Err(refused) = may_read(t) {
        return refused;
    }
    let limit: u64 = rec
        .query
        .get("limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(10)
        .clamp(1, 50);
    // The emulator's cursor is `cur_` and the index of the page's first person.
    let start = match rec.query.get("cursor") {
        None => 0,
        Some(c) => match c.strip_prefix("cur_").and_then(|n| n.parse::<u64>().ok()) {
            Some(n) if n <= t.persons => n,
            _ => {
                return problem(
                    400,
                    "Bad request",
                    "Provided request parameters are invalid.",
                    "commonbad_request",
                )
            }
        },
    };
    let end = t.persons.min(start + limit);
    let data: Vec<Value> = (start..end).map(|i| person(t, i)).collect();
    let mut links = json!({"self": {"href": "https://api.personio.de/v2/persons"}});
    if end < t.persons {
        links["next"] =
            json!({"href": format!("https://api.personio.de/v2/persons?cursor=cur_{end}")});
    }
    Reply::json(200, json!({"_data": data, "_meta": {"links": links}}))
}

/// `GET /v2/persons/{id}`: one person, or Personio's 404.
fn one_person(t: &PersonioTenant, id: &str) -> Reply {
    if let Err(refused) = may_read(t) {
        return refused;
    }
    match (0..t.persons).find(|i| person_id(*i) == id) {
        Some(i) => Reply::json(200, person(t, i)),
        None => problem(
            404,
            "Resource not found",
            "There is no resource for the specified id.",
            "commonresource_not_found",
        ),
    }
}

impl Emulator {
    /// Registers a Personio custom integration.
    pub fn add_personio(&self, tenant: PersonioTenant) {
        self.with_model(FILE, |p: &mut Personio| {
            let scopes = if tenant.may("Employees › Read") {
                vec!["personio:persons:read".to_string()]
            } else {
                Vec::new()
            };
            p.issuer
                .register(&tenant.client_id, &tenant.client_secret, scopes);
            p.tenants.insert(tenant.client_id.clone(), tenant);
        });
    }
}
