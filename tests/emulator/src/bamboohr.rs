//! BambooHR, as docs/providers/bamboohr.md has it: one site per company subdomain
//! (`https://{subdomain}.bamboohr.com/api`), HTTP Basic with the API key as the user name
//! and any password, refusals with an empty body and the reason in the
//! `x-bamboohr-error-message` header (401 for a missing or wrong key, 403 for a key whose user
//! is disabled or lacks the privilege), XML unless JSON is asked for, fields the key's user
//! may not see returned as null and named in `_restrictedFields`, company information for
//! admins only, and `employees/0` as the key's own employee record. What an unknown subdomain
//! answers is not documented, so each plausible answer is a [`BamboohrUnknown`]. The people are
//! `crate::people`'s, listed a cursor page at a time (`page[after]`, `meta.page.nextCursor`) and
//! read one by one at `employees/{id}`, each answer holding the fields asked for.

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
            p if p.starts_with("/v1/employees/") && p != "/v1/employees/0" => {
                one_employee(t, &p["/v1/employees/".len()..], rec)
            }
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

/// Person `i` as BambooHR knows every field of them (field names from BambooHR's field
/// list), sensitive ones holding [`crate::people::SENSITIVE`]; ids start at 1, since 0 is
/// the key's own user. The list names the id `employeeId` and the department
/// `departmentName`, Get Employee `id` and `department`.
fn employee_fields(i: u64) -> serde_json::Map<String, Value> {
    let p = crate::people::person(i);
    let secret = |what: &str| json!(format!("{}-{what}-{i:04}", crate::people::SENSITIVE));
    let status = if p.state == 1 { "Inactive" } else { "Active" };
    let fields = json!({
        "firstName": p.first, "lastName": p.last, "preferredName": format!("G{i}"),
        "photoUrl": null, "jobTitleName": p.title, "status": status,
        "workEmail": p.email, "hireDate": p.start, "departmentName": p.department,
        "department": p.department, "departmentId": (i % 3).to_string(),
        "reportsToId": p.manager.map(|m| (m + 1).to_string()),
        "employmentStatusName": "Full-Time", "employmentStatus": "Full-Time",
        "dateOfBirth": p.birth, "birthDate": p.birth, "ssn": secret("ssn"),
        "payRate": {"value": format!("{}.00", p.salary), "currency": "USD"},
        "payType": secret("paytype"), "address1": secret("street"), "city": secret("city"),
        "zipcode": secret("zip"), "homeEmail": secret("home-email"),
        "mobilePhone": secret("mobile"), "gender": secret("gender"),
        "ethnicity": secret("ethnicity"), "maritalStatus": secret("marital"),
        "acaStatusCategory": secret("aca"),
    });
    match fields {
        Value::Object(m) => m,
        _ => unreachable!("a JSON object literal"),
    }
}

/// The fields List Employees always answers.
const DEFAULT_FIELDS: [&str; 6] = [
    "firstName",
    "lastName",
    "preferredName",
    "photoUrl",
    "jobTitleName",
    "status",
];

/// The people a key sees: the company's first people up to `employees` active ones, the
/// leavers among them included (BambooHR counts only the active ones for the check).
fn people(t: &BamboohrTenant) -> Vec<u64> {
    let mut out = Vec::new();
    let mut active = 0;
    let mut i = 0;
    while active < t.employees {
        if crate::people::person(i).state != 1 {
            active += 1;
        }
        out.push(i);
        i += 1;
    }
    out
}

/// One employee with the `asked` fields beyond the `always` ones; hidden fields null and
/// named in `_restrictedFields`.
fn employee(t: &BamboohrTenant, i: u64, always: &[&str], asked: &[&str]) -> Value {
    let all = employee_fields(i);
    let mut out = serde_json::Map::new();
    let mut hidden = Vec::new();
    let extra = asked.iter().filter(|f| !always.contains(f));
    for field in always.iter().chain(extra) {
        if t.restricted.iter().any(|r| r == field) {
            out.insert(field.to_string(), Value::Null);
            hidden.push(*field);
        } else if let Some(v) = all.get(*field) {
            out.insert(field.to_string(), v.clone());
        }
    }
    out.insert("_restrictedFields".into(), json!(hidden));
    Value::Object(out)
}

fn asked(rec: &Recorded) -> Vec<&str> {
    rec.query
        .get("fields")
        .map(|f| f.split(',').filter(|x| !x.is_empty()).collect())
        .unwrap_or_default()
}

/// `GET /v1/employees`: one page of employees (`filter[status]` narrows them), paged by the
/// cursor `page[after]` that the previous page's `meta.page.nextCursor` gave, hidden fields
/// null and named.
fn employees(t: &BamboohrTenant, rec: &Recorded) -> Reply {
    let limit: usize = rec
        .query
        .get("page[limit]")
        .and_then(|l| l.parse().ok())
        .unwrap_or(250)
        .clamp(1, 2500);
    let wanted = rec.query.get("filter[status]").map(String::as_str);
    let matching: Vec<u64> = people(t)
        .into_iter()
        .filter(|i| {
            let left = crate::people::person(*i).state == 1;
            match wanted {
                Some("active") => !left,
                Some("inactive") => left,
                _ => true,
            }
        })
        .collect();
    // The cursor names the last employee of the previous page; an unknown one is BadPage.
    let start = match rec.query.get("page[after]") {
        None => 0,
        Some(c) => match c
            .strip_prefix("after-")
            .and_then(|id| id.parse::<u64>().ok())
            .and_then(|id| matching.iter().position(|i| i + 1 == id))
        {
            Some(pos) => pos + 1,
            None => {
                return Reply::json(
                    400,
                    json!({"error": {"code": "BadPage", "message": "The page cursor is invalid."}}),
                )
            }
        },
    };
    let page: Vec<u64> = matching.iter().skip(start).take(limit).copied().collect();
    let data: Vec<Value> = page
        .iter()
        .map(|i| {
            let mut e = employee(t, *i, &DEFAULT_FIELDS, &asked(rec));
            e["employeeId"] = json!((i + 1).to_string());
            e
        })
        .collect();
    let next = (start + page.len() < matching.len())
        .then(|| page.last().map(|i| format!("after-{}", i + 1)))
        .flatten();
    let mut links = json!({"self": {"href": "https://api.bamboohr.com/api/v1/employees"}});
    if let Some(n) = &next {
        links["next"] = json!({"href": format!("https://api.bamboohr.com/api/v1/employees?page%5Bafter%5D={n}")});
    }
    Reply::json(
        200,
        json!({"data": data, "meta": {"total": matching.len(), "page": {"limit": limit, "nextCursor": next, "prevCursor": null}}, "_links": links}),
    )
}

/// `GET /v1/employees/{id}`: the fields asked for (first and last name when none are), the
/// ones the key may not see left out.
fn one_employee(t: &BamboohrTenant, id: &str, rec: &Recorded) -> Reply {
    let Some(i) = id
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_sub(1))
        .filter(|i| people(t).contains(i))
    else {
        return refused(404, "Employee not found.");
    };
    let asked = asked(rec);
    let asked = if asked.is_empty() {
        vec!["firstName", "lastName"]
    } else {
        asked
    };
    let all = employee_fields(i);
    let mut out = serde_json::Map::new();
    out.insert("id".into(), json!(id));
    for field in asked {
        if !t.restricted.iter().any(|r| r == field) {
            if let Some(v) = all.get(field) {
                out.insert(field.to_string(), v.clone());
            }
        }
    }
    Reply::json(200, Value::Object(out))
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
