//! BambooHR, as docs/providers/bamboohr.md has it: one site per company subdomain
//! (`https://{subdomain}.bamboohr.com/api`), HTTP Basic with the API key as the user name
//! and any password, refusals with an empty body and the reason in the
//! `x-bamboohr-error-message` header (401 for a missing or wrong key, 403 for a key whose user
//! is disabled or lacks the privilege), XML unless JSON is asked for, fields the key's user
//! may not see returned as null and named in `_restrictedFields`, company information for
//! admins only, and `employees/0` as the key's own employee record. What an unknown subdomain
//! answers is not documented, so each plausible answer is a [`BamboohrUnknown`].

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::auth::{basic_key, header};
use crate::{Emulator, Model, Recorded, Reply};

/// A BambooHR company site and one API key's user.
#[derive(Debug, Clone)]
pub struct BamboohrTenant {
    /// The company subdomain.
    pub subdomain: String,
    /// The API key.
    pub key: String,
    /// The company's display name, when the user may read company information.
    pub company: Option<String>,
    /// Active employees the key's user sees.
    pub employees: u64,
    /// Fields the user's access level hides (`workEmail`, `hireDate`…).
    pub restricted: Vec<String>,
    /// The user's own work email, when the user is an employee.
    pub me: Option<String>,
    /// Whether the user is enabled.
    pub enabled: bool,
}

impl BamboohrTenant {
    /// A company whose key belongs to a Full Admin who sees everyone and everything.
    pub fn full(subdomain: &str, key: &str, company: &str, employees: u64) -> Self {
        BamboohrTenant {
            subdomain: subdomain.into(),
            key: key.into(),
            company: Some(company.into()),
            employees,
            restricted: Vec::new(),
            me: Some("admin@acme.example".into()),
            enabled: true,
        }
    }

    /// The same key for a user on a custom access level: no company information.
    pub fn not_admin(mut self) -> Self {
        self.company = None;
        self
    }

    /// The same key with these fields hidden from it.
    pub fn hiding(mut self, fields: &[&str]) -> Self {
        self.restricted = fields.iter().map(|f| f.to_string()).collect();
        self
    }

    /// The same key for a non-employee user (no employee record of its own).
    pub fn non_employee(mut self) -> Self {
        self.me = None;
        self
    }

    /// The same key, its user disabled.
    pub fn disabled(mut self) -> Self {
        self.enabled = false;
        self
    }
}

/// What an unknown subdomain answers (undocumented, so each plausible way).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum BamboohrUnknown {
    /// A 404 HTML page.
    #[default]
    NotFoundPage,
    /// A redirect to BambooHR's home page.
    Redirect,
    /// A 200 page (a sign-in or marketing page).
    LandingPage,
}

const FILE: &str = "bamboohr";

/// The BambooHR model: sites by subdomain, each with its keys.
#[derive(Default)]
pub(crate) struct Bamboohr {
    sites: BTreeMap<String, BTreeMap<String, BamboohrTenant>>,
    unknown: BamboohrUnknown,
}

pub(crate) fn model() -> Box<dyn Model> {
    Box::<Bamboohr>::default()
}

/// A refusal as BambooHR sends it: no body, the reason in its own header.
fn refused(status: u16, reason: &str) -> Reply {
    Reply {
        status,
        body: String::new(),
        content_type: "text/html",
        headers: vec![("x-bamboohr-error-message".into(), reason.into())],
    }
}

impl Model for Bamboohr {
    fn handle(&mut self, rec: &Recorded) -> Reply {
        let Some(site) = self.sites.get(&rec.host) else {
            return match self.unknown {
                BamboohrUnknown::NotFoundPage => {
                    Reply::html(404, "<!doctype html><title>Not found</title>")
                }
                BamboohrUnknown::Redirect => {
                    Reply::html(302, "").with_header("Location", "https://www.bamboohr.com/")
                }
                BamboohrUnknown::LandingPage => {
                    Reply::html(200, "<!doctype html><title>BambooHR</title><p>Log in")
                }
            };
        };
        let Some((key, _any_password)) = basic_key(rec) else {
            return refused(401, "Your API key is missing.");
        };
        let Some(t) = site.get(&key) else {
            return refused(401, "Invalid API key.");
        };
        if !t.enabled {
            return refused(
                403,
                "Verify your API key belongs to an enabled user with the privileges for this request.",
            );
        }
        if rec.method != "GET" {
            return refused(405, "Method not allowed.");
        }
        let json_asked = header(rec, "accept").is_some_and(|a| a.contains("application/json"));
        if !json_asked {
            return Reply {
                status: 200,
                body: "<?xml version=\"1.0\"?><directory/>".into(),
                content_type: "text/xml",
                headers: Vec::new(),
            };
        }
        match rec.path.as_str() {
            "/v1/employees" => employees(t, rec),
            "/v1/employees/0" => match &t.me {
                Some(email) => Reply::json(
                    200,
                    json!({"id": "1", "firstName": "Ada", "lastName": "Admin", "workEmail": email}),
                ),
                None => refused(404, "Employee not found."),
            },
            "/v1/company_information" => match &t.company {
                Some(name) => Reply::json(
                    200,
                    json!({"legalName": format!("{name} LLC"), "displayName": name}),
                ),
                None => refused(
                    403,
                    "The API user does not have permission to access company information.",
                ),
            },
            _ => refused(404, "Not found."),
        }
    }

    fn revoke(&mut self, secret: &str) {
        for keys in self.sites.values_mut() {
            keys.remove(secret);
        }
    }

    fn as_any(&mut self) -> &mut dyn std::any::Any {
        self
    }
}

/// `GET /v1/employees`: one page of active employees, hidden fields null and named.
fn employees(t: &BamboohrTenant, rec: &Recorded) -> Reply {
    let limit: u64 = rec
        .query
        .get("page[limit]")
        .and_then(|l| l.parse().ok())
        .unwrap_or(250);
    // Every record has the default fields; `fields` adds to them. Either kind is nulled and
    // named when hidden.
    let mut asked: Vec<&str> = vec!["firstName", "lastName"];
    asked.extend(
        rec.query
            .get("fields")
            .map(|f| f.split(','))
            .into_iter()
            .flatten(),
    );
    let person = |i: u64| {
        let mut p = json!({"employeeId": (i + 1).to_string(), "firstName": "Ada", "lastName": format!("Lovelace {i}"), "status": "Active"});
        let mut hidden = Vec::new();
        for field in &asked {
            if t.restricted.iter().any(|r| r == field) {
                p[*field] = Value::Null;
                hidden.push(*field);
            } else if p.get(*field).is_none() {
                p[*field] = json!(format!("{field} value"));
            }
        }
        p["_restrictedFields"] = json!(hidden);
        p
    };
    let data: Vec<Value> = (0..t.employees.min(limit)).map(person).collect();
    Reply::json(
        200,
        json!({"data": data, "meta": {"total": t.employees, "page": {"limit": limit, "nextCursor": null}}}),
    )
}

impl Emulator {
    /// Registers a BambooHR key at its company subdomain.
    pub fn add_bamboohr(&self, tenant: BamboohrTenant) {
        self.with_model(FILE, |b: &mut Bamboohr| {
            b.sites
                .entry(tenant.subdomain.clone())
                .or_default()
                .insert(tenant.key.clone(), tenant);
        });
    }

    /// Sets what an unknown BambooHR subdomain answers.
    pub fn bamboohr_unknown_subdomain(&self, answer: BamboohrUnknown) {
        self.with_model(FILE, |b: &mut Bamboohr| b.unknown = answer);
    }
}
