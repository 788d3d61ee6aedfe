//! Humaans, as documented in providers.md §3: Bearer tokens with scopes, Feathers-style
//! errors, `$limit`/`$skip` envelopes, and `/token-info` that may not exist.
//!
//! A token sees only what its creator's role sees (Humaans' "API scopes" article), and an
//! Admin, by default, sees no Compensation and no Documents ("Managing Permissions and
//! Roles"). So a tenant names its token creator's [`HumaansRole`]: `/token-info` lists the
//! scopes ticked whatever the role, and a compensation or document read the role cannot see
//! answers 403 even with the scope. What Humaans really answers then is not documented (a
//! 403 is inferred, as for a missing scope; docs/providers/humaans.md, "Roles").

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde_json::{json, Value};

use crate::{bearer, Recorded, Reply};

/// A Humaans company and the token that reaches it.
#[derive(Debug, Clone)]
pub struct HumaansTenant {
    /// Company id.
    pub company_id: String,
    /// Company name.
    pub company_name: String,
    /// Number of people in the company.
    pub people: u64,
    /// The token owner's email.
    pub owner_email: String,
    /// The token's scopes.
    pub scopes: Vec<String>,
    /// Whether `/token-info` exists (it is only secondary evidence).
    pub token_info: bool,
    /// The role of the person who created the token: what the token can see at most.
    pub creator_role: HumaansRole,
}

/// The role of a token's creator, as far as the API's reads go.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum HumaansRole {
    /// Sees everything: the Owner, or a role given Compensation and Documents.
    #[default]
    Owner,
    /// Humaans' default Admin: full profile access "without access to Compensation and
    /// Documents".
    Admin,
}

impl HumaansRole {
    fn sees_compensation_and_documents(self) -> bool {
        self == HumaansRole::Owner
    }
}

impl HumaansTenant {
    /// A company with a full-access token.
    pub fn full(company_name: &str, people: u64) -> Self {
        HumaansTenant {
            company_id: "cmp_8Xq2".into(),
            company_name: company_name.into(),
            people,
            owner_email: "owner@example.test".into(),
            scopes: all_scopes().to_vec(),
            token_info: true,
            creator_role: HumaansRole::Owner,
        }
    }

    /// The same tenant, its token created by someone with `role`.
    pub fn created_by(mut self, role: HumaansRole) -> Self {
        self.creator_role = role;
        self
    }

    /// The same tenant, its token holding exactly what the provider file's purpose `id`
    /// asks for (`read`: the read set, no write scope).
    pub fn for_purpose(self, id: &str) -> Self {
        let scopes = crate::provider_file::purpose(PROVIDER_FILE, id);
        let scopes: Vec<&str> = scopes.iter().map(String::as_str).collect();
        self.with_scopes(&scopes)
    }

    /// The same tenant with only these scopes.
    pub fn with_scopes(mut self, scopes: &[&str]) -> Self {
        self.scopes = scopes.iter().map(|s| s.to_string()).collect();
        self
    }

    /// The same tenant on an API without `/token-info`.
    pub fn without_token_info(mut self) -> Self {
        self.token_info = false;
        self
    }

    fn has(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }
}

/// Keystep's Humaans provider file, whose `permissions.required` a full-access token holds.
const PROVIDER_FILE: &str = include_str!("../../../src-tauri/core/src/providers/humaans.toml");

/// Every scope of a full-access token, as the provider file lists them.
fn all_scopes() -> &'static [String] {
    static SCOPES: OnceLock<Vec<String>> = OnceLock::new();
    crate::provider_file::required_once(&SCOPES, PROVIDER_FILE)
}

fn error(code: u16, name: &str, message: &str) -> Reply {
    let class = match code {
        401 => "not-authenticated",
        403 => "forbidden",
        _ => "not-found",
    };
    Reply::json(
        code,
        json!({"name": name, "message": message, "code": code, "className": class, "errors": {}}),
    )
}

fn envelope(total: u64, limit: u64, item: Value) -> Reply {
    let data: Vec<Value> = (0..total.min(limit)).map(|_| item.clone()).collect();
    Reply::json(
        200,
        json!({"total": total, "limit": limit, "skip": 0, "data": data}),
    )
}

pub(crate) fn handle(tenants: &BTreeMap<String, HumaansTenant>, rec: &Recorded) -> Reply {
    let Some(t) = bearer(rec).and_then(|tok| tenants.get(tok)) else {
        return error(
            401,
            "NotAuthenticated",
            "Invalid authentication information",
        );
    };
    if rec.method != "GET" {
        return error(404, "NotFound", "Not found");
    }
    let limit = rec
        .query
        .get("$limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(100u64)
        .min(250);
    let readable = t.has("public:read") || t.has("private:read");
    let forbidden = || error(403, "Forbidden", "You do not have the required scope");
    let role_sees = t.creator_role.sees_compensation_and_documents();
    match rec.path.as_str() {
        "/token-info" if t.token_info => Reply::json(
            200,
            json!({"id": "tok_1", "label": "Keystep", "personId": "per_1", "scopes": t.scopes}),
        ),
        "/me" if readable => Reply::json(
            200,
            json!({"id": "per_1", "companyId": t.company_id, "firstName": "Ada",
                   "lastName": "Owner", "email": t.owner_email, "role": "owner", "status": "active"}),
        ),
        p if p == format!("/companies/{}", t.company_id) && readable => Reply::json(
            200,
            json!({"id": t.company_id, "name": t.company_name, "status": "active"}),
        ),
        "/people" => {
            if !readable {
                return forbidden();
            }
            // Private fields a token may not see are dropped, not refused (Merge and Happl
            // describe it so): asking for a birthday with public data only still answers 200.
            let skip = rec
                .query
                .get("$skip")
                .and_then(|s| s.parse().ok())
                .unwrap_or(0u64);
            let data: Vec<Value> = (skip..t.people.min(skip.saturating_add(limit)))
                .map(|i| crate::people::humaans(i, t.has("private:read")))
                .collect();
            Reply::json(
                200,
                json!({"total": t.people, "limit": limit, "skip": skip, "data": data}),
            )
        }
        p if p.starts_with("/people/") => {
            if !readable {
                return forbidden();
            }
            match p["/people/per_".len().min(p.len())..].parse::<u64>() {
                Ok(i) if p.starts_with("/people/per_") && i < t.people => {
                    Reply::json(200, crate::people::humaans(i, t.has("private:read")))
                }
                _ => error(
                    404,
                    "NotFound",
                    &format!("No record found for id '{}'", &p[8..]),
                ),
            }
        }
        "/compensations" | "/documents" if !role_sees => {
            error(403, "Forbidden", "You do not have access to this resource")
        }
        "/compensations" if t.has("compensations:read") => envelope(3, limit, json!({"id": "c1"})),
        "/documents" if t.has("documents:read") => envelope(2, limit, json!({"id": "d1"})),
        "/webhooks" if t.has("webhooks:manage") => envelope(0, limit, json!({})),
        "/me" | "/compensations" | "/documents" | "/webhooks" => forbidden(),
        p if p.starts_with("/companies/") && !readable => forbidden(),
        _ => error(404, "NotFound", &format!("Page not found: {}", rec.path)),
    }
}
