//! Factorial, as docs/providers/factorial.md has it: the key in the `x-api-key` header, no
//! scopes (a key reaches the whole company), a versioned API
//! (`/api/<version>/resources/...`) answering lists as `{data, meta}`, the company's legal
//! entities and its employees (`crate::people`'s, by page number, and one by one at
//! `/employees/employees/{id}`). Factorial documents no error body: the JSON `{error}` of its
//! 401 is the emulator's choice.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::auth::header;
use crate::{Emulator, Model, Recorded, Reply};

/// A Factorial company and one of its API keys.
#[derive(Debug, Clone)]
pub struct FactorialTenant {
    /// The API key.
    pub key: String,
    /// The legal name of the company's first legal entity.
    pub company: String,
    /// The company's id.
    pub company_id: u64,
    /// Employees listed.
    pub employees: u64,
}

impl FactorialTenant {
    /// A company with `employees` employees.
    pub fn new(key: &str, company: &str, employees: u64) -> Self {
        FactorialTenant {
            key: key.into(),
            company: company.into(),
            company_id: 7001,
            employees,
        }
    }
}

const FILE: &str = "factorial";

/// The Factorial model.
#[derive(Default)]
pub(crate) struct Factorial {
    keys: BTreeMap<String, FactorialTenant>,
}

pub(crate) fn model() -> Box<dyn Model> {
    Box::<Factorial>::default()
}

impl Model for Factorial {
    fn handle(&mut self, rec: &Recorded) -> Reply {
        let Some(t) = header(rec, "x-api-key").and_then(|k| self.keys.get(k)) else {
            return Reply::json(401, json!({"error": "Unauthorized"}));
        };
        if rec.method != "GET" {
            return Reply::json(405, json!({"error": "Method not allowed"}));
        }
        let limit = rec
            .query
            .get("limit")
            .and_then(|l| l.parse().ok())
            .unwrap_or(100u64)
            .max(1);
        let page_number = rec
            .query
            .get("page")
            .and_then(|p| p.parse().ok())
            .unwrap_or(1u64)
            .max(1);
        let page = |data: Vec<Value>, total: u64| {
            let has_next = page_number.saturating_mul(limit) < total;
            Reply::json(
                200,
                json!({"data": data, "meta": {"limit": limit, "total": total, "has_next_page": has_next}}),
            )
        };
        match rec.path.as_str() {
            "/companies/legal_entities" => page(
                vec![json!({"id": 1, "company_id": t.company_id, "country": "es",
                            "legal_name": t.company, "currency": "EUR"})],
                1,
            ),
            "/employees/employees" => {
                let first = (page_number - 1).saturating_mul(limit);
                page(
                    (first..t.employees.min(first.saturating_add(limit)))
                        .map(|i| employee(t, i))
                        .collect(),
                    t.employees,
                )
            }
            p if p.starts_with("/employees/employees/") => {
                let id = &p["/employees/employees/".len()..];
                match (0..t.employees).find(|i| (100 + i).to_string() == id) {
                    // One employee comes back bare, as the factorialhr client reads it.
                    Some(i) => Reply::json(200, employee(t, i)),
                    None => Reply::json(404, json!({"error": "Not found"})),
                }
            }
            _ => Reply::json(404, json!({"error": "Not found"})),
        }
    }

    fn revoke(&mut self, secret: &str) {
        self.keys.remove(secret);
    }

    fn as_any(&mut self) -> &mut dyn std::any::Any {
        self
    }
}

/// Employee `i` in Factorial's shape (the factorialhr client's `Employee`), its id `100 + i`,
/// with every sensitive text field holding [`crate::people::SENSITIVE`].
fn employee(t: &FactorialTenant, i: u64) -> Value {
    let p = crate::people::person(i);
    let secret = |what: &str| format!("{}-{what}-{i:04}", crate::people::SENSITIVE);
    json!({
        "id": 100 + i, "access_id": 500 + i, "company_id": t.company_id,
        "first_name": p.first, "last_name": p.last,
        "full_name": format!("{} {}", p.first, p.last), "preferred_name": format!("G{i}"),
        "login_email": p.email, "email": secret("email"), "personal_email": secret("personal-email"),
        "manager_id": p.manager.map(|m| 100 + m), "active": p.state != 1,
        "terminated_on": (p.state == 1).then_some("2026-06-30"), "is_terminating": false,
        "location_id": 1, "legal_entity_id": 1, "attendable": true,
        "birthday_on": p.birth, "gender": secret("gender"), "nationality": secret("nationality"),
        "identifier": secret("dni"), "identifier_type": secret("dni-type"),
        "social_security_number": secret("ssn"), "bank_number": secret("iban"),
        "swift_bic": secret("bic"), "address_line_1": secret("street"), "city": secret("city"),
        "postal_code": secret("zip"), "phone_number": secret("phone"),
        "contact_name": secret("contact"), "contact_number": secret("contact-phone"),
        "birthplace": secret("birthplace"),
    })
}

impl Emulator {
    /// Registers a Factorial API key.
    pub fn add_factorial(&self, tenant: FactorialTenant) {
        self.with_model(FILE, |f: &mut Factorial| {
            f.keys.insert(tenant.key.clone(), tenant);
        });
    }
}
