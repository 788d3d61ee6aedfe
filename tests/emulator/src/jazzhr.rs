//! JazzHR, as documented in providers.md §4: one account-wide key in the `apikey` query
//! parameter (a header is ignored), lists of up to 100 records a page that come back as a
//! lone object when they hold exactly one record, and an undocumented way of refusing a bad
//! key — every plausible one is modelled by [`JazzhrRejection`].

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::{Recorded, Reply};

/// One user of a JazzHR account.
#[derive(Debug, Clone)]
pub struct JazzhrUser {
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Email address.
    pub email: String,
    /// Role, as JazzHR names it.
    pub kind: String,
}

/// A JazzHR account and its users.
#[derive(Debug, Clone)]
pub struct JazzhrAccount {
    /// How many applicants it has (`/applicants`).
    pub applicants: u64,
    /// The users, in the order the API lists them.
    pub users: Vec<JazzhrUser>,
}

impl JazzhrAccount {
    /// The same account with `n` applicants.
    pub fn with_applicants(mut self, n: u64) -> Self {
        self.applicants = n;
        self
    }

    /// An account with `n` users, the first of them `first_email`.
    pub fn with_users(first_email: &str, n: usize) -> Self {
        let users = (0..n)
            .map(|i| JazzhrUser {
                first_name: format!("User{i}"),
                last_name: "Example".into(),
                email: if i == 0 {
                    first_email.to_string()
                } else {
                    format!("user{i}@example.test")
                },
                kind: if i == 0 {
                    "Super Admin"
                } else {
                    "Hiring Manager"
                }
                .into(),
            })
            .collect();
        JazzhrAccount {
            users,
            applicants: 0,
        }
    }
}

/// How JazzHR refuses an unknown key (not documented anywhere).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum JazzhrRejection {
    /// 401 with a JSON error.
    #[default]
    Unauthorized,
    /// 403 with a JSON error.
    Forbidden,
    /// 200 with `{"error": "Invalid API Key"}`.
    ErrorBody,
}

#[derive(Debug, Default)]
pub(crate) struct Jazzhr {
    pub(crate) keys: BTreeMap<String, JazzhrAccount>,
    pub(crate) rejection: JazzhrRejection,
}

const PAGE: usize = 100;

fn user_json(i: usize, u: &JazzhrUser) -> Value {
    json!({
        "id": format!("usr_{:08}", i + 1),
        "type": u.kind,
        "first_name": u.first_name,
        "last_name": u.last_name,
        "email": u.email,
        "date_created": "2024-01-15",
    })
}

pub(crate) fn handle(j: &Jazzhr, rec: &Recorded) -> Reply {
    let account = rec.query.get("apikey").and_then(|k| j.keys.get(k));
    let Some(account) = account else {
        let refusal = json!({ "error": "Invalid API Key" });
        return match j.rejection {
            JazzhrRejection::Unauthorized => Reply::json(401, refusal),
            JazzhrRejection::Forbidden => Reply::json(403, refusal),
            JazzhrRejection::ErrorBody => Reply::json(200, refusal),
        };
    };
    if rec.method != "GET" {
        return Reply::json(405, json!({ "error": "Method not allowed" }));
    }
    if let Some(rest) = rec.path.strip_prefix("/applicants") {
        return applicants(account, rest);
    }
    let page = match rec.path.as_str() {
        "/users" => 1,
        p => match p.strip_prefix("/users/page/").map(str::parse::<usize>) {
            Some(Ok(n)) if n >= 1 => n,
            _ => return Reply::json(404, json!({ "error": "Not found" })),
        },
    };
    let records: Vec<Value> = account
        .users
        .iter()
        .enumerate()
        .skip((page - 1) * PAGE)
        .take(PAGE)
        .map(|(i, u)| user_json(i, u))
        .collect();
    // JazzHR's quirk: a one-record list is the record itself.
    match <[Value; 1]>::try_from(records) {
        Ok([one]) => Reply::json(200, one),
        Err(many) => Reply::json(200, Value::Array(many)),
    }
}

/// `/applicants/page/{n}` (list items) and `/applicants/{id}` (the detail).
fn applicants(account: &JazzhrAccount, rest: &str) -> Reply {
    let not_found = || Reply::json(404, json!({ "error": "Not found" }));
    if let Some(n) = rest.strip_prefix("/page/") {
        let Ok(page) = n.parse::<u64>() else {
            return not_found();
        };
        if page == 0 {
            return not_found();
        }
        let first = (page - 1) * PAGE as u64;
        let records: Vec<Value> = (first..account.applicants.min(first + PAGE as u64))
            .map(|i| crate::people::jazzhr_applicant(i, false))
            .collect();
        return match <[Value; 1]>::try_from(records) {
            Ok([one]) => Reply::json(200, one),
            Err(many) => Reply::json(200, Value::Array(many)),
        };
    }
    match rest
        .strip_prefix("/prospect_")
        .and_then(|i| i.parse::<u64>().ok())
    {
        Some(i) if i < account.applicants => {
            Reply::json(200, crate::people::jazzhr_applicant(i, true))
        }
        _ => not_found(),
    }
}
