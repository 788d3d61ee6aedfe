//! Lever, as docs/providers/lever.md has it: HTTP Basic with the API key as the user name and
//! a blank password, one API host per instance (global, EU, sandbox) each knowing only its own
//! keys, a 401 for a key the instance does not know, a 403 for an endpoint the key was not
//! given, and lists as `{data, hasNext, next}`. Lever documents neither error body: the JSON
//! `{code, message}` here is the emulator's choice, and Keystep reads only the status.
//!
//! Users and opportunities are the company of `crate::people` in Lever's shape (the vendor's
//! attributes, "People and sensitive fields"): `limit` from 1 to 100 (100 by default), `next`
//! an offset token the next request sends back as `offset`, deactivated users left out unless
//! `includeDeactivated=true`, a stage id or, with `expand=stage`, `{id, text}`. Each
//! opportunity carries a phone and a location holding `SENSITIVE`, a headline that tries to
//! give the assistant orders, and an offer whose salary is `SENSITIVE`.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::auth::basic_key;
use crate::{provider_file, Emulator, Model, Recorded, Reply};

/// A Lever account's API key.
#[derive(Debug, Clone)]
pub struct LeverTenant {
    /// The API key.
    pub key: String,
    /// The instance's host name in the provider file (`api`, `eu`, `sandbox`).
    pub host: String,
    /// The key's permissions, in the provider file's words (`Users › Read`…).
    pub permissions: Vec<String>,
    /// Records each list holds: users, opportunities and postings.
    pub records: u64,
}

impl LeverTenant {
    /// A key on the global instance with every permission the provider file lists.
    pub fn full(key: &str) -> Self {
        LeverTenant {
            key: key.into(),
            host: "api".into(),
            permissions: provider_file::required(provider_file::text(FILE)),
            // More than one page of 100 once deactivated users are left out.
            records: 130,
        }
    }

    /// The same key with exactly what purpose `id` asks for.
    pub fn for_purpose(mut self, id: &str) -> Self {
        self.permissions = provider_file::purpose(provider_file::text(FILE), id);
        self
    }

    /// The same key without `permission`.
    pub fn without(mut self, permission: &str) -> Self {
        self.permissions.retain(|p| p != permission);
        self
    }

    /// The same key on another instance (`eu`, `sandbox`).
    pub fn on(mut self, host: &str) -> Self {
        self.host = host.into();
        self
    }
}

const FILE: &str = "lever";

/// The Read permission each endpoint needs, by its first segment. Offers are read under
/// Opportunities › Read here: the key screen's own name for them is not known.
fn needs(path: &str) -> Option<&'static str> {
    Some(match path.split('/').nth(1)? {
        "users" => "Users › Read",
        "opportunities" => "Opportunities › Read",
        "postings" => "Postings › Read",
        _ => return None,
    })
}

/// The Lever model: keys by instance.
#[derive(Default)]
pub(crate) struct Lever {
    keys: BTreeMap<(String, String), LeverTenant>,
}

pub(crate) fn model() -> Box<dyn Model> {
    Box::<Lever>::default()
}

fn error(status: u16, code: &str, message: &str) -> Reply {
    Reply::json(status, json!({"code": code, "message": message}))
}

impl Model for Lever {
    fn handle(&mut self, rec: &Recorded) -> Reply {
        let Some((key, password)) = basic_key(rec) else {
            return error(401, "UnauthorizedError", "No API key provided");
        };
        let Some(t) = self
            .keys
            .get(&(rec.host.clone(), key))
            .filter(|_| password.is_empty())
        else {
            return error(401, "UnauthorizedError", "Invalid API key");
        };
        if rec.method != "GET" {
            return error(405, "MethodNotAllowed", "Method not allowed");
        }
        let Some(permission) = needs(&rec.path) else {
            return error(404, "ResourceNotFound", "Not found");
        };
        if !t.permissions.iter().any(|p| p == permission) {
            return error(
                403,
                "ForbiddenError",
                "This API key does not have access to this endpoint",
            );
        }
        let limit = match rec.query.get("limit").map(|l| l.parse::<u64>()) {
            None => 100,
            Some(Ok(l)) if (1..=100).contains(&l) => l,
            Some(_) => return error(400, "BadRequestError", "limit must be between 1 and 100"),
        };
        let segments: Vec<&str> = rec.path.split('/').skip(1).collect();
        let expand_stage = rec.query.get("expand").is_some_and(|e| e == "stage");
        match segments.as_slice() {
            ["users"] => {
                let all = rec
                    .query
                    .get("includeDeactivated")
                    .is_some_and(|v| v == "true");
                let listed: Vec<u64> = (0..t.records)
                    .filter(|i| all || crate::people::person(*i).state != 1)
                    .collect();
                page(&listed, limit, rec.query.get("offset"), user_id, user)
            }
            ["users", id] => match index_of(id, USER, t.records) {
                Some(i) => Reply::json(200, json!({"data": user(i)})),
                None => not_found("users", id),
            },
            ["opportunities"] => {
                let listed: Vec<u64> = (0..t.records).collect();
                page(
                    &listed,
                    limit,
                    rec.query.get("offset"),
                    opportunity_id,
                    |i| opportunity(i, expand_stage),
                )
            }
            ["opportunities", id] => match index_of(id, OPPORTUNITY, t.records) {
                Some(i) => Reply::json(200, json!({"data": opportunity(i, expand_stage)})),
                None => not_found("opportunities", id),
            },
            ["opportunities", id, "offers"] => match index_of(id, OPPORTUNITY, t.records) {
                Some(i) => Reply::json(200, json!({"data": [offer(i)], "hasNext": false})),
                None => not_found("opportunities", id),
            },
            [_] => {
                // Postings: only their count matters to Keystep's checks.
                let data: Vec<Value> = (0..t.records.min(limit))
                    .map(|i| json!({"id": format!("{}-{i}", segments[0]), "createdAt": 1_700_000_000_000u64}))
                    .collect();
                let more = t.records > limit;
                let mut answer = json!({"data": data, "hasNext": more});
                if more {
                    answer["next"] = json!("emu-next-offset");
                }
                Reply::json(200, answer)
            }
            _ => error(404, "ResourceNotFound", "Not found"),
        }
    }

    fn revoke(&mut self, secret: &str) {
        self.keys.retain(|(_, key), _| key != secret);
    }

    fn as_any(&mut self) -> &mut dyn std::any::Any {
        self
    }
}

fn not_found(kind: &str, id: &str) -> Reply {
    error(
        404,
        "ResourceNotFound",
        &format!("{kind} {id} was not found"),
    )
}

/// The uuid prefixes of users and opportunities: person `i` is `<prefix>-0000-4000-8000-<i>`.
const USER: &str = "8d49b010";
const OPPORTUNITY: &str = "250d8f03";

fn uuid(prefix: &str, i: u64) -> String {
    format!("{prefix}-0000-4000-8000-{i:012}")
}

fn user_id(i: u64) -> String {
    uuid(USER, i)
}

fn opportunity_id(i: u64) -> String {
    uuid(OPPORTUNITY, i)
}

/// The person an id names, if it is one of the `total` of its kind.
fn index_of(id: &str, prefix: &str, total: u64) -> Option<u64> {
    let rest = id.strip_prefix(prefix)?.strip_prefix("-0000-4000-8000-")?;
    let i: u64 = rest.parse().ok()?;
    (rest.len() == 12 && i < total).then_some(i)
}

/// One page of `listed` (people's indices) from the one an offset token names; the token
/// of the page after names its first record, as Lever's opaque tokens end in an id.
fn page(
    listed: &[u64],
    limit: u64,
    offset: Option<&String>,
    id: fn(u64) -> String,
    record: impl Fn(u64) -> Value,
) -> Reply {
    let start = match offset {
        None => 0,
        Some(token) => {
            let named = token.strip_prefix("0.1700000000000.");
            match named.and_then(|n| listed.iter().position(|i| id(*i) == n)) {
                Some(at) => at,
                None => return error(400, "BadRequestError", "Invalid offset token"),
            }
        }
    };
    let end = listed.len().min(start + limit as usize);
    let data: Vec<Value> = listed[start..end].iter().map(|i| record(*i)).collect();
    let mut answer = json!({"data": data, "hasNext": end < listed.len()});
    if let Some(next) = listed.get(end) {
        answer["next"] = json!(format!("0.1700000000000.{}", id(*next)));
    }
    Reply::json(200, answer)
}

/// Milliseconds since 1970 of a `YYYY-MM-DD` date of `crate::people` (noon UTC, roughly:
/// months of 30 days are enough for an emulator).
fn millis(date: &str) -> u64 {
    let part = |r: std::ops::Range<usize>| date[r].parse::<u64>().unwrap_or(1);
    let days = (part(0..4) - 1970) * 365 + (part(5..7) - 1) * 30 + part(8..10);
    days * 86_400_000 + 43_200_000
}

/// Lever's user: person `i` of the hiring team.
fn user(i: u64) -> Value {
    let p = crate::people::person(i);
    let deactivated = (p.state == 1).then(|| millis(&p.start) + 86_400_000 * 400);
    json!({
        "id": user_id(i), "name": format!("{} {}", p.first, p.last),
        "username": format!("person{i}"), "email": p.email,
        "createdAt": millis(&p.start), "deactivatedAt": deactivated,
        "externalDirectoryId": format!("{i}"),
        "accessRole": if i == 0 { "super admin" } else { "team member" },
        "photo": null, "linkedContactIds": null, "jobTitle": p.title,
        "managerId": p.manager.map(user_id),
    })
}

/// Lever's opportunity: person `i` as a candidate (`Applicant{i}`, as every ATS here names
/// them), with the stage expanded or not.
fn opportunity(i: u64, expand_stage: bool) -> Value {
    let p = crate::people::person(i);
    let stage_id = format!("00922a60-7c15-422b-b086-{:012}", i % 3);
    let stage = if expand_stage {
        let text = ["New applicant", "Phone screen", "On-site interview"][(i % 3) as usize];
        json!({"id": stage_id, "text": text})
    } else {
        json!(stage_id)
    };
    let id = opportunity_id(i);
    json!({
        "id": id, "name": format!("Applicant{i} {}", p.last),
        "headline": crate::people::INJECTION,
        "contact": uuid("7f23e772", i), "emails": [format!("applicant{i}@mail.test")],
        "phones": [{"type": "mobile", "value": format!("{}-phone-{i:04}", crate::people::SENSITIVE)}],
        "confidentiality": "non-confidential",
        "location": format!("{}-city-{i:04}", crate::people::SENSITIVE),
        "links": [format!("https://example.test/applicant{i}")],
        "createdAt": millis(&format!("2026-10-{:02}", 1 + i % 28)),
        "stage": stage, "archived": null, "tags": [p.title],
        "sources": ["LinkedIn"], "origin": "applied", "owner": user_id(0),
        "applications": [uuid("cdb4ff13", i)],
        "urls": {"list": "https://hire.lever.co/candidates", "show": format!("https://hire.lever.co/candidates/{id}")},
        "isAnonymized": false,
    })
}

/// The offer made on opportunity `i`: its terms are `{identifier, value}` pairs.
fn offer(i: u64) -> Value {
    json!({
        "id": uuid("a72d66c0", i), "status": "sent", "creator": user_id(0),
        "fields": [
            {"text": "Salary", "identifier": "salary_amount", "value": format!("{}-salary-{i:04}", crate::people::SENSITIVE)},
            {"text": "Anticipated start date", "identifier": "anticipated_start_date", "value": 1_800_000_000_000u64},
        ],
    })
}

impl Emulator {
    /// Registers a Lever API key on its instance.
    pub fn add_lever(&self, tenant: LeverTenant) {
        self.with_model(FILE, |l: &mut Lever| {
            l.keys
                .insert((tenant.host.clone(), tenant.key.clone()), tenant);
        });
    }
}
