//! Workable, as docs/providers/workable.md has it: one site per account subdomain
//! (`https://{subdomain}.workable.com/spi/v3`), Bearer access tokens with scopes, the account
//! endpoint naming the company (`r_jobs`), candidates (`r_candidates`), a 401 for a token the
//! account does not know (or one revoked or expired), a 403 for a scope the token lacks, and
//! a 429 past 10 requests in a 10-second interval with `X-Rate-Limit-*` headers and no
//! `Retry-After`. Workable documents neither error body nor what an unknown subdomain answers:
//! the JSON `{error}` is the emulator's choice, and each plausible unknown-subdomain answer is a
//! [`WorkableUnknown`].

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::{bearer, provider_file, Emulator, Model, Recorded, Reply};

/// A Workable account and one of its API access tokens.
#[derive(Debug, Clone)]
pub struct WorkableTenant {
    /// The account subdomain.
    pub subdomain: String,
    /// The account's name.
    pub name: String,
    /// The access token.
    pub token: String,
    /// The token's scopes.
    pub scopes: Vec<String>,
    /// Candidates listed.
    pub candidates: u64,
}

impl WorkableTenant {
    /// A token with every scope the provider file lists.
    pub fn full(subdomain: &str, name: &str, token: &str) -> Self {
        WorkableTenant {
            subdomain: subdomain.into(),
            name: name.into(),
            token: token.into(),
            scopes: provider_file::required(provider_file::text(FILE)),
            candidates: 8,
        }
    }

    /// The same token with exactly the scopes purpose `id` asks for.
    pub fn for_purpose(mut self, id: &str) -> Self {
        self.scopes = provider_file::purpose(provider_file::text(FILE), id);
        self
    }

    /// The same token without `scope`.
    pub fn without(mut self, scope: &str) -> Self {
        self.scopes.retain(|s| s != scope);
        self
    }
}

/// What an unknown subdomain answers (undocumented, so each plausible way).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum WorkableUnknown {
    /// A 404 HTML page.
    #[default]
    NotFoundPage,
    /// A redirect to Workable's home page.
    Redirect,
    /// A 200 page (a sign-in page).
    LandingPage,
}

const FILE: &str = "workable";

/// The Workable model: accounts by subdomain, each with its tokens.
#[derive(Default)]
pub(crate) struct Workable {
    sites: BTreeMap<String, BTreeMap<String, WorkableTenant>>,
    unknown: WorkableUnknown,
    /// Requests allowed per 10-second interval (0: no limit).
    per_interval: usize,
    served: BTreeMap<String, Vec<Instant>>,
}

pub(crate) fn model() -> Box<dyn Model> {
    Box::<Workable>::default()
}

fn error(status: u16, message: &str) -> Reply {
    Reply::json(status, json!({"error": message}))
}

impl Workable {
    /// Workable's limit, per account: past it a 429 with its `X-Rate-Limit-*` headers.
    fn limited(&mut self, subdomain: &str) -> Option<Reply> {
        if self.per_interval == 0 {
            return None;
        }
        let now = Instant::now();
        let served = self.served.entry(subdomain.to_string()).or_default();
        served.retain(|t| now.duration_since(*t) < Duration::from_secs(10));
        if served.len() >= self.per_interval {
            return Some(
                error(429, "Too many requests")
                    .with_header("X-Rate-Limit-Limit", &self.per_interval.to_string())
                    .with_header("X-Rate-Limit-Remaining", "0")
                    .with_header("X-Rate-Limit-Reset", "1893456000"),
            );
        }
        served.push(now);
        None
    }
}

impl Model for Workable {
    fn handle(&mut self, rec: &Recorded) -> Reply {
        let Some(site) = self.sites.get(&rec.host) else {
            return match self.unknown {
                WorkableUnknown::NotFoundPage => {
                    Reply::html(404, "<!doctype html><title>Page not found</title>")
                }
                WorkableUnknown::Redirect => {
                    Reply::html(301, "").with_header("Location", "https://www.workable.com/")
                }
                WorkableUnknown::LandingPage => {
                    Reply::html(200, "<!doctype html><title>Workable</title><p>Sign in")
                }
            };
        };
        let Some(t) = bearer(rec).and_then(|token| site.get(token)).cloned() else {
            return error(401, "Not authorized");
        };
        if let Some(limited) = self.limited(&rec.host) {
            return limited;
        }
        if rec.method != "GET" {
            return error(405, "Method not allowed");
        }
        let scope_needed = match rec.path.as_str() {
            p if p == format!("/accounts/{}", t.subdomain) => "r_jobs",
            "/jobs" | "/members" => "r_jobs",
            "/candidates" => "r_candidates",
            _ => return error(404, "Not found"),
        };
        if !t.scopes.iter().any(|s| s == scope_needed) {
            return error(
                403,
                &format!("The access token does not have the required scope: {scope_needed}"),
            );
        }
        match rec.path.as_str() {
            "/candidates" => {
                let limit = rec
                    .query
                    .get("limit")
                    .and_then(|l| l.parse().ok())
                    .unwrap_or(50u64);
                let items: Vec<Value> = (0..t.candidates.min(limit))
                    .map(|i| json!({"id": format!("cand{i}"), "name": format!("Candidate {i}")}))
                    .collect();
                Reply::json(200, json!({"candidates": items, "paging": {}}))
            }
            "/jobs" => Reply::json(200, json!({"jobs": [], "paging": {}})),
            "/members" => Reply::json(200, json!({"members": []})),
            _ => Reply::json(
                200,
                json!({"id": "20ff5c50", "name": t.name, "subdomain": t.subdomain,
                       "description": "<p>We hire.</p>", "summary": "", "website_url": "https://acme.example"}),
            ),
        }
    }

    fn revoke(&mut self, secret: &str) {
        for tokens in self.sites.values_mut() {
            tokens.remove(secret);
        }
    }

    fn as_any(&mut self) -> &mut dyn std::any::Any {
        self
    }
}

impl Emulator {
    /// Registers a Workable token at its account subdomain.
    pub fn add_workable(&self, tenant: WorkableTenant) {
        self.with_model(FILE, |w: &mut Workable| {
            w.sites
                .entry(tenant.subdomain.clone())
                .or_default()
                .insert(tenant.token.clone(), tenant);
        });
    }

    /// Sets what an unknown Workable subdomain answers.
    pub fn workable_unknown_subdomain(&self, answer: WorkableUnknown) {
        self.with_model(FILE, |w: &mut Workable| w.unknown = answer);
    }

    /// Makes Workable answer 429 past `requests` in a 10-second interval, per account.
    pub fn workable_rate_limit(&self, requests: usize) {
        self.with_model(FILE, |w: &mut Workable| w.per_interval = requests);
    }
}
