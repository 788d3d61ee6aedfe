//! PayFit, as documented in providers.md §1: customer API keys with scopes, sent as Bearer
//! tokens; introspection on the OAuth host that wants the key in the header *and* the body
//! (header only → 400, body only → 401); a scope-free company endpoint; read endpoints that
//! answer 403 without their scope; `maxResults` lists with a `meta` block. A key holds only
//! scopes PayFit issues ([`PAYFIT_SCOPES`], written from PayFit's own sources, not from
//! Keystep's provider file), so the guide cannot ask for a scope the emulator would grant and
//! PayFit would not.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde_json::{json, Value};

use crate::{bearer, form_pairs, Recorded, Reply};

/// A PayFit company and what its API key may do.
#[derive(Debug, Clone)]
pub struct PayfitTenant {
    /// Company id (introspection's `company_id`).
    pub company_id: String,
    /// Company name.
    pub company_name: String,
    /// `nbActiveContracts`.
    pub active_contracts: u64,
    /// The key's scopes.
    pub scopes: Vec<String>,
    /// The key's label (`customer_token_name`).
    pub label: String,
    /// `false`: the key is known but revoked, and introspection says `active: false`.
    pub active: bool,
    /// Whether introspection names the scopes (documented; a variant leaves them out).
    pub scope_in_introspection: bool,
    /// `FR`, `ES` or `GB`: health-insurance contracts exist for French companies only, and
    /// elsewhere the endpoint refuses whatever the scopes (docs/providers/payfit.md).
    pub country: String,
}

/// Which introspection body encodings the server accepts: PayFit's docs show JSON, a toolkit
/// reports that only a form works; both are modelled.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum IntrospectionBody {
    /// JSON works (a form works too, as RFC 7662 asks).
    #[default]
    Json,
    /// JSON is refused with 400; only a form body works.
    FormOnly,
    /// JSON is refused with 415 Unsupported Media Type; only a form body works.
    FormOnlyUnsupportedMedia,
}

/// Every scope PayFit issues to customer keys, as its own pages and the clients built from
/// its OpenAPI list them (docs/providers/payfit.md, "Scopes"): the partner list, the scopes
/// added since, and those the OpenAPI names. Independent of Keystep's provider file on
/// purpose: that file once asked for `company:read`, `payroll:read` and `contracts:write`,
/// which no PayFit source has, and an emulator that granted whatever the file asked for
/// could not tell.
pub const PAYFIT_SCOPES: &[&str] = &[
    // developers.payfit.io/docs/scopes-for-partners
    "collaborators:read",
    "collaborators:contracts:read",
    "collaborators:management:read",
    "collaborators:meal-vouchers:read",
    "collaborators:personal:read",
    "collaborators:social-security:read",
    "collaborators:securite-sociale:read",
    "collaborators:legal-identity:read",
    "collaborators:bank-info:read",
    "contracts:read",
    "contracts:payslips:read",
    "accounting:read",
    "time:read",
    // PayFit's changelog ("May improvements") and endpoint references
    "health-insurance:read",
    "health-insurance:write",
    "time:write",
    "collaborators:write",
    // Kestra's PayFit plugin and an OpenAPI-derived client (secondary)
    "collaborators:contracts:write",
    "payment-files:read",
    "pension:read",
    "contracts:time-information:read",
];

/// Keystep's PayFit provider file, whose `permissions.required` is every scope the guide
/// asks for.
const PROVIDER_FILE: &str = include_str!("../../../src-tauri/core/src/providers/payfit.toml");

/// Every scope the guide asks for, in guide order, as the provider file lists them.
fn seed_scopes() -> &'static [String] {
    static SCOPES: OnceLock<Vec<String>> = OnceLock::new();
    crate::provider_file::required_once(&SCOPES, PROVIDER_FILE)
}

impl PayfitTenant {
    /// A company whose key has every scope the guide asks for.
    pub fn full(company_name: &str, active_contracts: u64) -> Self {
        PayfitTenant {
            company_id: "5f1e2d3c4b5a69788796a5b4".into(),
            company_name: company_name.into(),
            active_contracts,
            scopes: seed_scopes().to_vec(),
            label: "Keystep".into(),
            active: true,
            scope_in_introspection: true,
            country: "FR".into(),
        }
    }

    /// The same company, registered in another country.
    pub fn in_country(mut self, country: &str) -> Self {
        self.country = country.into();
        self
    }

    /// The same company, its key holding exactly what the provider file's purpose `id`
    /// asks for (`read`: the read set, no write scope).
    pub fn for_purpose(self, id: &str) -> Self {
        let scopes = crate::provider_file::purpose(PROVIDER_FILE, id);
        let scopes: Vec<&str> = scopes.iter().map(String::as_str).collect();
        self.with_scopes(&scopes)
    }

    /// The same company with only these scopes, each one PayFit issues ([`PAYFIT_SCOPES`]).
    ///
    /// # Panics
    ///
    /// On a scope PayFit does not issue: no key can hold it, so a test modelling one would
    /// prove nothing about PayFit.
    pub fn with_scopes(mut self, scopes: &[&str]) -> Self {
        if let Some(unknown) = scopes.iter().find(|s| !PAYFIT_SCOPES.contains(s)) {
            panic!("PayFit issues no scope {unknown:?} (PAYFIT_SCOPES)");
        }
        self.scopes = scopes.iter().map(|s| s.to_string()).collect();
        self
    }

    /// The same key, revoked: introspection answers `active: false`.
    pub fn revoked(mut self) -> Self {
        self.active = false;
        self
    }

    /// The same key, with introspection that leaves `scope` out.
    pub fn without_scope_in_introspection(mut self) -> Self {
        self.scope_in_introspection = false;
        self
    }

    fn has(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }
}

#[derive(Debug, Default)]
pub(crate) struct Payfit {
    pub(crate) keys: BTreeMap<String, PayfitTenant>,
    pub(crate) introspection: IntrospectionBody,
}

fn message(status: u16, text: &str) -> Reply {
    Reply::json(status, json!({ "message": text }))
}

pub(crate) fn handle(p: &Payfit, rec: &Recorded) -> Reply {
    match rec.host.as_str() {
        "oauth" => introspect(p, rec),
        "api" => api(p, rec),
        _ => message(404, "Not Found"),
    }
}

fn introspect(p: &Payfit, rec: &Recorded) -> Reply {
    if rec.path != "/introspect" {
        return message(404, "Not Found");
    }
    if rec.method != "POST" {
        return message(405, "Method Not Allowed");
    }
    let content_type = rec
        .headers
        .get("content-type")
        .map(String::as_str)
        .unwrap_or("");
    let is_json = content_type.starts_with("application/json");
    let is_form = content_type.starts_with("application/x-www-form-urlencoded");
    let body_token = match (is_json, is_form, p.introspection) {
        (true, _, IntrospectionBody::FormOnly) => {
            return message(400, "invalid_request");
        }
        (true, _, IntrospectionBody::FormOnlyUnsupportedMedia) => {
            return message(415, "Unsupported Media Type");
        }
        (true, _, IntrospectionBody::Json) => serde_json::from_str::<Value>(&rec.body)
            .ok()
            .and_then(|v| v.get("token").and_then(Value::as_str).map(String::from)),
        (_, true, _) => form_pairs(&rec.body).get("token").cloned(),
        _ => None,
    };
    let header_token = bearer(rec);
    let Some(body_token) = body_token else {
        // The header alone is not enough.
        return message(400, "invalid_request: token is required");
    };
    let Some(header_token) = header_token else {
        return message(401, "Unauthorized");
    };
    let Some(t) = p.keys.get(header_token) else {
        return message(401, "Unauthorized");
    };
    if body_token != header_token || !t.active {
        return Reply::json(200, json!({ "active": false }));
    }
    let mut answer = json!({
        "active": true,
        "client_id": "customer-api-key",
        "company_id": t.company_id,
        "token_type": "bearer",
        "customer_token_name": t.label,
    });
    if t.scope_in_introspection {
        answer["scope"] = Value::String(t.scopes.join(" "));
    }
    Reply::json(200, answer)
}

fn api(p: &Payfit, rec: &Recorded) -> Reply {
    let Some(t) = bearer(rec).and_then(|k| p.keys.get(k)) else {
        return message(401, "Unauthorized");
    };
    if !t.active {
        return message(401, "Unauthorized");
    }
    if rec.method != "GET" {
        return message(405, "Method Not Allowed");
    }
    let company = format!("/companies/{}", t.company_id);
    let Some(rest) = rec.path.strip_prefix(&company) else {
        // Another company's id looks like a missing one.
        return message(404, "Not Found");
    };
    let limit = rec
        .query
        .get("maxResults")
        .and_then(|m| m.parse().ok())
        .unwrap_or(10usize)
        .min(50);
    let list = |scope: &str, key: &str, total: u64| {
        if !t.has(scope) {
            return message(403, &format!("Missing scope {scope}"));
        }
        let items: Vec<Value> = (0..total.min(limit as u64))
            .map(|i| json!({ "id": format!("{key}-{i}") }))
            .collect();
        Reply::json(
            200,
            json!({ key: items, "meta": { "nextPageToken": null } }),
        )
    };
    match rest {
        "" => Reply::json(
            200,
            json!({
                "id": t.company_id,
                "name": t.company_name,
                "country": t.country,
                "identificationNumber": "12345678900011",
                "address": "1 rue de la Paix",
                "city": "Paris",
                "postalCode": "75002",
                "nbActiveContracts": t.active_contracts,
            }),
        ),
        "/collaborators" => {
            if !t.has("collaborators:read") {
                return message(403, "Missing scope collaborators:read");
            }
            // The token names the first record of the next page.
            let start = rec
                .query
                .get("nextPageToken")
                .and_then(|p| p.strip_prefix("after-"))
                .and_then(|n| n.parse().ok())
                .unwrap_or(0u64);
            let end = t.active_contracts.min(start + limit as u64);
            let items: Vec<Value> = (start..end).map(crate::people::payfit).collect();
            let next = (end < t.active_contracts).then(|| format!("after-{end}"));
            Reply::json(
                200,
                json!({ "collaborators": items, "meta": { "nextPageToken": next } }),
            )
        }
        p if p.starts_with("/collaborators/col_") => {
            if !t.has("collaborators:read") {
                return message(403, "Missing scope collaborators:read");
            }
            match p["/collaborators/col_".len()..].parse::<u64>() {
                Ok(i) if i < t.active_contracts => Reply::json(200, crate::people::payfit(i)),
                _ => message(404, "Collaborator not found"),
            }
        }
        "/contracts" => list("contracts:read", "contracts", t.active_contracts),
        "/absences" => list("time:read", "absences", 3),
        "/health-insurance-contracts" if t.country != "FR" => message(
            403,
            "Health insurance is only available for French companies",
        ),
        "/health-insurance-contracts" => {
            list("health-insurance:read", "healthInsuranceContracts", 1)
        }
        _ => message(404, "Not Found"),
    }
}
