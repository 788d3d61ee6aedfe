//! Factorial, as docs/providers/factorial.md has it: the key in the `x-api-key` header, no
//! scopes (a key reaches the whole company), a versioned API
//! (`/api/<version>/resources/...`) answering lists as `{data, meta}`, the company's legal
//! entities and its employees. Factorial documents no error body: the JSON `{error}` of its 401
//! is the emulator's choice.

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
            .unwrap_or(100u64);
        let page = |data: Vec<Value>, total: u64| {
            Reply::json(
                200,
                json!({"data": data, "meta": {"limit": limit, "total": total, "has_next_page": total > limit}}),
            )
        };
        match rec.path.as_str() {
            "/companies/legal_entities" => page(
                vec![json!({"id": 1, "company_id": t.company_id, "country": "es",
                            "legal_name": t.company, "currency": "EUR"})],
                1,
            ),
            "/employees/employees" => page(
                (0..t.employees.min(limit))
                    .map(
                        |i| json!({"id": 100 + i, "company_id": t.company_id, "first_name": "Ada"}),
                    )
                    .collect(),
                t.employees,
            ),
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

impl Emulator {
    /// Registers a Factorial API key.
    pub fn add_factorial(&self, tenant: FactorialTenant) {
        self.with_model(FILE, |f: &mut Factorial| {
            f.keys.insert(tenant.key.clone(), tenant);
        });
    }
}
