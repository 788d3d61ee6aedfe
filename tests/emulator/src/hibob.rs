//! HiBob, as documented in providers.md §2: service users sent as HTTP Basic, production and
//! sandbox hosts that do not share credentials, permission groups whose grants decide 403s
//! and whose "whose data" selection decides which employees come back (none: an empty list
//! with 200), JSON errors `{key, error}`, and the firewall in front of it all: a burst of
//! 401/403 answers within a window blocks the machine, and while blocked every request gets
//! a non-JSON 403.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::{basic, Recorded, Reply};

/// A permission-group grant the probes can tell apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HibobGrant {
    /// People's data › People › Basic info › View … sections (people search answers).
    ViewPeople,
    /// People's data › Payroll › View … Payroll sections (salary history answers).
    ViewPayroll,
    /// People's data › Time off › See who's out today › See who's out.
    SeeWhosOut,
}

/// A HiBob service user and its permission group.
#[derive(Debug, Clone)]
pub struct HibobTenant {
    /// The service user's ID (the Basic user name).
    pub service_user_id: String,
    /// Its token (the Basic password).
    pub token: String,
    /// Whether it lives in the sandbox (then it works only on the sandbox host).
    pub sandbox: bool,
    /// How many employees the group's "whose data" selects (0: nobody).
    pub employees: u64,
    /// What the group grants.
    pub grants: Vec<HibobGrant>,
    /// Without "See who's out", answer who's out with an empty list rather than a 403 (the
    /// endpoint returns "only users the service user can access").
    pub quiet_time_off: bool,
}

impl HibobTenant {
    /// A production service user whose group grants everything and selects `employees`.
    pub fn full(service_user_id: &str, token: &str, employees: u64) -> Self {
        HibobTenant {
            service_user_id: service_user_id.into(),
            token: token.into(),
            sandbox: false,
            employees,
            grants: vec![
                HibobGrant::ViewPeople,
                HibobGrant::ViewPayroll,
                HibobGrant::SeeWhosOut,
            ],
            quiet_time_off: false,
        }
    }

    /// The same service user, on a HiBob that hides who's out (an empty list) from a group
    /// without the time-off permission instead of refusing.
    pub fn quiet_about_time_off(mut self) -> Self {
        self.quiet_time_off = true;
        self
    }

    /// The same service user with only these grants.
    pub fn with_grants(mut self, grants: &[HibobGrant]) -> Self {
        self.grants = grants.to_vec();
        self
    }

    /// The same service user, in a group whose "whose data" selects nobody.
    pub fn selecting_nobody(mut self) -> Self {
        self.employees = 0;
        self
    }

    /// The same service user, created in the company's sandbox.
    pub fn in_sandbox(mut self) -> Self {
        self.sandbox = true;
        self
    }

    fn has(&self, grant: HibobGrant) -> bool {
        self.grants.contains(&grant)
    }

    fn employee_id(i: u64) -> String {
        employee_id_of(i)
    }
}

/// The id of employee `i` of any service user's company.
pub(crate) fn employee_id_of(i: u64) -> String {
    (3_332_883_884_017_713_000u64 + i).to_string()
}

/// The ids `root.id equals` filters of a search body select, if it has such a filter.
fn filtered_ids(body: &str) -> Option<Vec<String>> {
    let v: Value = serde_json::from_str(body).ok()?;
    let filter = v.get("filters")?.as_array()?.first()?;
    if filter.get("fieldPath")?.as_str()? != "root.id"
        || filter.get("operator")?.as_str()? != "equals"
    {
        return None;
    }
    Some(
        filter
            .get("values")?
            .as_array()?
            .iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect(),
    )
}

/// HiBob's firewall: `failures` 401/403 answers within `window` block the machine for
/// `block_for`. The real thresholds are 50 in 10 seconds and 5 minutes; tests lower them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Waf {
    /// Failed answers that trip the block.
    pub failures: usize,
    /// The window they are counted in.
    pub window: Duration,
    /// How long the block lasts.
    pub block_for: Duration,
}

impl Default for Waf {
    fn default() -> Self {
        Waf {
            failures: 50,
            window: Duration::from_secs(10),
            block_for: Duration::from_secs(300),
        }
    }
}

#[derive(Debug, Default)]
pub(crate) struct Hibob {
    pub(crate) users: BTreeMap<String, HibobTenant>,
    pub(crate) waf: Waf,
    failures: Vec<Instant>,
    blocked_until: Option<Instant>,
}

fn error(status: u16, key: &str, text: &str) -> Reply {
    Reply::json(status, json!({ "key": key, "error": text }))
}

/// The employee of `/people/{id}/salaries`.
fn salary_owner(path: &str) -> Option<&str> {
    path.strip_prefix("/people/")?
        .strip_suffix("/salaries")
        .filter(|id| !id.is_empty() && !id.contains('/'))
}

/// The request fields of `POST /people/search` (spec `ReadEmployeesRequestReference`).
fn search_body_ok(body: &str) -> bool {
    let Ok(Value::Object(o)) = serde_json::from_str::<Value>(body) else {
        return false;
    };
    o.iter().all(|(k, v)| match k.as_str() {
        "fields" => v.as_array().is_some_and(|a| a.iter().all(Value::is_string)),
        "filters" => v.is_array(),
        "showInactive" => v.is_boolean(),
        "humanReadable" => v.is_string(),
        _ => false,
    })
}

impl Hibob {
    pub(crate) fn is_blocked(&self) -> bool {
        self.blocked_until.is_some_and(|t| Instant::now() < t)
    }

    fn count_failure(&mut self) {
        let now = Instant::now();
        let window = self.waf.window;
        self.failures.retain(|t| now.duration_since(*t) < window);
        self.failures.push(now);
        if self.failures.len() >= self.waf.failures {
            self.blocked_until = Some(now + self.waf.block_for);
            self.failures.clear();
        }
    }

    pub(crate) fn handle(&mut self, rec: &Recorded) -> Reply {
        if self.is_blocked() {
            return Reply::html(
                403,
                "<html><head><title>403 Forbidden</title></head><body><h1>403 Forbidden</h1></body></html>",
            );
        }
        let reply = self.answer(rec);
        if matches!(reply.status, 401 | 403) {
            self.count_failure();
        }
        reply
    }

    fn answer(&self, rec: &Recorded) -> Reply {
        let sandbox = match rec.host.as_str() {
            "api" => false,
            "sandbox" => true,
            _ => return error(404, "notFound", "Not found"),
        };
        let user = basic(rec).and_then(|(id, token)| {
            self.users
                .get(&id)
                .filter(|u| u.token == token && u.sandbox == sandbox)
        });
        let Some(u) = user else {
            return error(401, "unauthorized", "Authentication failed");
        };
        let forbidden = || error(403, "forbidden", "Insufficient permissions");
        let method = rec.method.as_str();
        match (method, rec.path.as_str()) {
            // Fields metadata needs no permission (HiBob changelog).
            ("GET", "/company/people/fields") => Reply::json(
                200,
                json!([
                    {"id": "root.id", "category": "root", "name": "ID", "jsonPath": "id",
                     "type": "text", "historical": false},
                    {"id": "root.email", "category": "about", "name": "Email",
                     "jsonPath": "email", "type": "text", "historical": false},
                ]),
            ),
            ("POST", "/people/search") => {
                let json_body = rec
                    .headers
                    .get("content-type")
                    .is_some_and(|c| c.starts_with("application/json"));
                if !json_body || !search_body_ok(&rec.body) {
                    return error(400, "badRequest", "Invalid request body");
                }
                if !u.has(HibobGrant::ViewPeople) {
                    return forbidden();
                }
                let only = filtered_ids(&rec.body);
                let employees: Vec<Value> = (0..u.employees)
                    .map(|i| (i, HibobTenant::employee_id(i)))
                    .filter(|(_, id)| only.as_ref().is_none_or(|ids| ids.contains(id)))
                    .map(|(i, id)| crate::people::hibob(i, &id))
                    .collect();
                Reply::json(200, json!({ "employees": employees }))
            }
            ("GET", p) if salary_owner(p).is_some() => {
                if !u.has(HibobGrant::ViewPayroll) {
                    return forbidden();
                }
                let id = salary_owner(p).unwrap_or_default();
                if !(0..u.employees).any(|i| HibobTenant::employee_id(i) == id) {
                    return error(404, "notFound", "Employee not found");
                }
                Reply::json(
                    200,
                    json!({ "values": [{"id": 1, "employeeId": id, "base": {"value": 50000, "currency": "GBP"}}] }),
                )
            }
            ("GET", "/timeoff/outtoday") => {
                if !u.has(HibobGrant::SeeWhosOut) {
                    if u.quiet_time_off {
                        return Reply::json(200, json!({ "outs": [] }));
                    }
                    return forbidden();
                }
                // Somebody is out today whenever the group selects anybody.
                let outs: Vec<Value> = (0..u.employees.min(1))
                    .map(|i| json!({ "employeeId": HibobTenant::employee_id(i), "policyTypeDisplayName": "Holiday" }))
                    .collect();
                Reply::json(200, json!({ "outs": outs }))
            }
            _ => error(404, "notFound", "Not found"),
        }
    }
}
