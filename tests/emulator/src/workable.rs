//! Workable, as docs/providers/workable.md has it: one site per account subdomain
//! (`https://{subdomain}.workable.com/spi/v3`), Bearer access tokens with scopes, the account
//! endpoint naming the company (`r_jobs`), candidates (`r_candidates`), a 401 for a token the
//! account does not know (or one revoked or expired), a 403 for a scope the token lacks, and
//! a 429 past 10 requests in a 10-second interval with `X-Rate-Limit-*` headers and no
//! `Retry-After`. Workable documents neither error body nor what an unknown subdomain answers:
//! the JSON `{error}` is the emulator's choice, and each plausible unknown-subdomain answer is a
//! [`WorkableUnknown`].
//!
//! Members and candidates are the company of `crate::people` in Workable's shape (the vendor's
//! keys, "People and sensitive fields"): `limit` up to 100 (50 by default), a page's
//! `paging.next` the URL of the next one (on www.workable.com, as integrators show it) whose
//! `since_id` is the first id it holds (`since_id` is inclusive), members listed when active
//! unless `status` says otherwise. A candidate's address, phone and location hold `SENSITIVE`,
//! its cover letter tries to give the assistant orders, and its offer's salary is `SENSITIVE`.

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
    /// Members of the account (active or not).
    pub members: u64,
}

impl WorkableTenant {
    /// A token with every scope the provider file lists.
    pub fn full(subdomain: &str, name: &str, token: &str) -> Self {
        WorkableTenant {
            subdomain: subdomain.into(),
            name: name.into(),
            token: token.into(),
            scopes: provider_file::required(provider_file::text(FILE)),
            // More than one page of 100 (members: once inactive ones are left out).
            candidates: 130,
            members: 130,
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
        let segments: Vec<&str> = rec.path.split('/').skip(1).collect();
        let scope_needed = match segments.as_slice() {
            ["accounts", sub] if *sub == t.subdomain => "r_jobs",
            ["jobs"] | ["members"] => "r_jobs",
            ["candidates"] | ["candidates", _] => "r_candidates",
            ["candidates", _, "offer"] => "r_offers",
            _ => return error(404, "Not found"),
        };
        if !t.scopes.iter().any(|s| s == scope_needed) {
            return error(
                403,
                &format!("The access token does not have the required scope: {scope_needed}"),
            );
        }
        let limit = match rec.query.get("limit").map(|l| l.parse::<u64>()) {
            None => 50,
            Some(Ok(l)) if (1..=100).contains(&l) => l,
            Some(_) => return error(422, "limit must be between 1 and 100"),
        };
        let since = rec.query.get("since_id").map(String::as_str);
        match segments.as_slice() {
            ["candidates"] => {
                let listed: Vec<u64> = (0..t.candidates).collect();
                let base = format!(
                    "https://www.workable.com/spi/v3/accounts/{}/candidates",
                    t.subdomain
                );
                page(
                    "candidates",
                    &base,
                    &listed,
                    limit,
                    since,
                    candidate_id,
                    |i| candidate(i, &t, false),
                )
            }
            ["candidates", id] => match index_of(id, CANDIDATE, t.candidates) {
                Some(i) => Reply::json(200, json!({"candidate": candidate(i, &t, true)})),
                None => error(404, "Not found"),
            },
            ["candidates", id, "offer"] => match index_of(id, CANDIDATE, t.candidates) {
                Some(i) => Reply::json(200, offer(i)),
                None => error(404, "Not found"),
            },
            ["members"] => {
                let status = rec.query.get("status").map_or("active", String::as_str);
                let listed: Vec<u64> = (0..t.members)
                    .filter(|i| {
                        let active = crate::people::person(*i).state != 1;
                        status == "all" || active == (status == "active")
                    })
                    .collect();
                let base = format!(
                    "https://www.workable.com/spi/v3/accounts/{}/members",
                    t.subdomain
                );
                page("members", &base, &listed, limit, since, member_id, member)
            }
            ["jobs"] => Reply::json(200, json!({"jobs": [], "paging": {}})),
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

/// The first hex digits of member and candidate ids: person `i` is `<base + i>` in hex, seven
/// digits as Workable writes them, so ids sort as the people do.
const MEMBER: u64 = 0x3da_0000;
const CANDIDATE: u64 = 0xce4_0000;

fn member_id(i: u64) -> String {
    format!("{:07x}", MEMBER + i)
}

fn candidate_id(i: u64) -> String {
    format!("{:07x}", CANDIDATE + i)
}

/// The person an id names, if it is one of the `total` of its kind.
fn index_of(id: &str, base: u64, total: u64) -> Option<u64> {
    let n = u64::from_str_radix(id, 16).ok()?;
    let i = n.checked_sub(base)?;
    (id.len() == 7 && i < total).then_some(i)
}

/// One page of `listed` (people's indices) from the first whose id is at least `since`;
/// `paging.next` is the next page's URL below `base`, or absent on the last page.
fn page(
    key: &str,
    base: &str,
    listed: &[u64],
    limit: u64,
    since: Option<&str>,
    id: fn(u64) -> String,
    record: impl Fn(u64) -> Value,
) -> Reply {
    let start = since.map_or(0, |s| {
        listed.iter().take_while(|i| id(**i).as_str() < s).count()
    });
    let end = listed.len().min(start + limit as usize);
    let items: Vec<Value> = listed[start..end].iter().map(|i| record(*i)).collect();
    let mut paging = json!({});
    if let Some(next) = listed.get(end) {
        paging["next"] = json!(format!("{base}?limit={limit}&since_id={}", id(*next)));
    }
    Reply::json(200, json!({key: items, "paging": paging}))
}

/// Workable's member: person `i` of the hiring team.
fn member(i: u64) -> Value {
    let p = crate::people::person(i);
    json!({
        "id": member_id(i), "name": format!("{} {}", p.first, p.last), "headline": p.title,
        "email": p.email, "role": if i == 0 { "admin" } else { "simple" },
        "roles": [if i == 0 { "ats.admin" } else { "ats.simple" }],
        "active": p.state != 1, "collaboration_rules": [],
    })
}

/// Workable's candidate: person `i` as an applicant (`Applicant{i}`), short as a list gives
/// it or full as `/candidates/{id}` does.
fn candidate(i: u64, t: &WorkableTenant, detail: bool) -> Value {
    let p = crate::people::person(i);
    let id = candidate_id(i);
    let sensitive = |what: &str| format!("{}-{what}-{i:04}", crate::people::SENSITIVE);
    let stage = ["Applied", "Phone screen", "Interview"][(i % 3) as usize];
    let mut v = json!({
        "id": id, "name": format!("Applicant{i} {}", p.last), "firstname": format!("Applicant{i}"),
        "lastname": p.last, "headline": "Looking for a new challenge",
        "account": {"subdomain": t.subdomain, "name": t.name},
        "job": {"shortcode": format!("GROOV{:03}", i % 5), "title": p.title},
        "stage": stage,
        "disqualified": false, "disqualification_reason": null, "sourced": false,
        "profile_url": format!("https://{}.workable.com/backend/jobs/376844767/candidates/{id}", t.subdomain),
        "email": format!("applicant{i}@mail.test"), "domain": "linkedin.com",
        "created_at": format!("2026-10-{:02}T09:00:00Z", 1 + i % 28),
        "updated_at": "2026-11-01T09:00:00Z", "hired_at": null,
        "address": sensitive("street"), "phone": sensitive("phone"),
    });
    if detail {
        v["cover_letter"] = json!(crate::people::INJECTION);
        v["summary"] = json!("Ten years of operations work.");
        v["answers"] = json!([{"question": {"body": "Why us?"}, "answer": {"body": crate::people::INJECTION}}]);
        v["location"] = json!({"location_str": sensitive("city"), "city": sensitive("city"), "zip_code": sensitive("zip")});
        v["social_profiles"] = json!([{"type": "linkedin", "url": format!("https://linkedin.example/in/applicant{i}")}]);
    }
    v
}

/// The offer made to candidate `i`.
fn offer(i: u64) -> Value {
    json!({
        "candidate": {"id": candidate_id(i), "name": format!("Applicant{i} Example")},
        "state": "sent", "documents": [],
        "document_variables": [{"name": "Salary", "value": format!("{}-salary-{i:04}", crate::people::SENSITIVE)}],
    })
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
