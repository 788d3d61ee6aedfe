//! Greenhouse Harvest v3, as docs/providers/greenhouse.md has it: OAuth client credentials
//! minted at `auth.greenhouse.io/token` (HTTP Basic client authentication, a form body with
//! `grant_type=client_credentials`; the answer's `expires_at` and `scope`), Bearer access
//! tokens on `harvest.greenhouse.io/v3`, a 403 for a scope the credential lacks, JSON arrays
//! for lists, and empty lists for a user who is not a Site Admin.

use std::collections::BTreeMap;

use serde_json::json;

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
    /// Users, jobs, candidates and applications listed.
    pub records: u64,
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
        }
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
/// user who is not a Site Admin).
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
    let per_page: u64 = rec
        .query
        .get("per_page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(100);
    let shown = if t.site_admin {
        t.records.min(per_page)
    } else {
        0
    };
    let items: Vec<_> = (0..shown)
        .map(|i| json!({"id": 4_000_000 + i, "name": format!("Record {i}")}))
        .collect();
    Reply::json(200, json!(items))
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
