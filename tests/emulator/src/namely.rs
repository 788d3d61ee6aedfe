//! Namely, as documented in providers.md §5: one site per company subdomain, a public
//! `/companies/info` that needs no credential, personal access tokens sent as Bearer tokens
//! that carry their profile's access role (403 once the profile is deactivated), profile
//! lists wrapped in `profiles` with `meta.total_count`, `page`/`per_page` paging (at most 50)
//! and 406 — not 429 — when more than the per-minute allowance is asked. What an unknown
//! subdomain answers is not documented, so every plausible answer is modelled by
//! [`UnknownSubdomain`].

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::{bearer, Recorded, Reply};

/// A Namely company site and the token of its integration profile.
#[derive(Debug, Clone)]
pub struct NamelyTenant {
    /// Company name.
    pub name: String,
    /// The permalink `/companies/info` reports; `None` is the subdomain it is served at.
    pub permalink: Option<String>,
    /// The personal access token (empty: none works).
    pub token: String,
    /// The email of the profile that owns the token.
    pub owner_email: String,
    /// Whether that profile is still active (a deactivated one makes the token answer 403).
    pub owner_active: bool,
    /// Whether the owner's access role may list everyone's profile.
    pub can_list_profiles: bool,
    /// Active profiles.
    pub active_profiles: u64,
    /// Inactive profiles.
    pub inactive_profiles: u64,
}

impl NamelyTenant {
    /// A company with an administrator token.
    pub fn full(name: &str, token: &str, active_profiles: u64) -> Self {
        NamelyTenant {
            name: name.into(),
            permalink: None,
            token: token.into(),
            owner_email: "integrations@example.test".into(),
            owner_active: true,
            can_list_profiles: true,
            active_profiles,
            inactive_profiles: 3,
        }
    }

    /// The same site reporting another permalink (an alias of another company's site).
    pub fn with_permalink(mut self, permalink: &str) -> Self {
        self.permalink = Some(permalink.into());
        self
    }

    /// The same site, with the token owner's profile deactivated.
    pub fn owner_deactivated(mut self) -> Self {
        self.owner_active = false;
        self
    }

    /// The same site, with a token owner whose role cannot list everyone.
    pub fn without_profile_access(mut self) -> Self {
        self.can_list_profiles = false;
        self
    }
}

/// What a subdomain with no Namely site answers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum UnknownSubdomain {
    /// 404 with a JSON error.
    #[default]
    NotFoundJson,
    /// 404 with an HTML page.
    NotFoundHtml,
    /// 200 with a marketing page (wildcard DNS).
    LandingPage,
    /// 302 to Namely's home page.
    Redirect,
}

#[derive(Debug, Default)]
pub(crate) struct Namely {
    pub(crate) sites: BTreeMap<String, NamelyTenant>,
    pub(crate) unknown: UnknownSubdomain,
    /// Authenticated requests allowed per minute; 0 for no limit.
    pub(crate) per_minute: usize,
    recent: Vec<Instant>,
}

fn error(status: u16, text: &str) -> Reply {
    Reply::json(status, json!({ "message": text, "errors": [] }))
}

fn profile(i: u64, email: &str, status: &str) -> Value {
    crate::people::namely(i, email, status)
}

impl Namely {
    fn unknown_site(&self) -> Reply {
        match self.unknown {
            UnknownSubdomain::NotFoundJson => error(404, "Not Found"),
            UnknownSubdomain::NotFoundHtml => Reply::html(
                404,
                "<!doctype html><title>Page not found</title><p>The page you were looking for doesn't exist.",
            ),
            UnknownSubdomain::LandingPage => Reply::html(
                200,
                "<!doctype html><title>Namely</title><p>HR, payroll and benefits.",
            ),
            UnknownSubdomain::Redirect => {
                Reply::html(302, "").with_header("Location", "https://www.namely.com/")
            }
        }
    }

    fn over_limit(&mut self) -> bool {
        if self.per_minute == 0 {
            return false;
        }
        let now = Instant::now();
        self.recent
            .retain(|t| now.duration_since(*t) < Duration::from_secs(60));
        self.recent.push(now);
        self.recent.len() > self.per_minute
    }

    pub(crate) fn handle(&mut self, rec: &Recorded) -> Reply {
        let subdomain = rec.host.clone();
        let Some(site) = self.sites.get(&subdomain).cloned() else {
            return self.unknown_site();
        };
        if rec.method != "GET" {
            return error(405, "Method not allowed");
        }
        if rec.path == "/companies/info" {
            return Reply::json(
                200,
                json!({
                    "name": site.name,
                    "permalink": site.permalink.clone().unwrap_or(subdomain.clone()),
                    "logo_url": format!("https://{subdomain}.namely.com/logo.png"),
                    "background_url": null,
                    "authentications": [
                        { "type": "email_password", "init_url": format!("https://{subdomain}.namely.com/login") }
                    ],
                }),
            );
        }
        if self.over_limit() {
            return error(406, "Rate limit exceeded");
        }
        let authorized = bearer(rec).is_some_and(|t| !site.token.is_empty() && t == site.token);
        if !authorized {
            return error(401, "Unauthorized");
        }
        if !site.owner_active {
            return error(403, "Forbidden");
        }
        match rec.path.as_str() {
            "/profiles/me" => Reply::json(
                200,
                json!({
                    "profiles": [profile(0, &site.owner_email, "active")],
                    "meta": { "count": 1, "status": 200 },
                    "links": {},
                    "linked": {},
                }),
            ),
            p if p.starts_with("/profiles/") => {
                if !site.can_list_profiles {
                    return error(403, "Forbidden");
                }
                let total = site.active_profiles + site.inactive_profiles;
                match (0..total).find(|i| p[10..] == crate::people::namely_id(*i)) {
                    Some(i) => Reply::json(
                        200,
                        json!({
                            "profiles": [profile(i, &format!("person{i}@example.test"), if i < site.active_profiles { "active" } else { "inactive" })],
                            "meta": { "count": 1, "status": 200 },
                        }),
                    ),
                    None => error(404, "Not Found"),
                }
            }
            "/profiles" => {
                if !site.can_list_profiles {
                    return error(403, "Forbidden");
                }
                let per_page = rec
                    .query
                    .get("per_page")
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(30u64)
                    .clamp(1, 50);
                let page = rec
                    .query
                    .get("page")
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(1u64)
                    .max(1);
                let (total, status) = match rec.query.get("filter[user_status]").map(String::as_str)
                {
                    Some("active") => (site.active_profiles, "active"),
                    Some("inactive") => (site.inactive_profiles, "inactive"),
                    _ => (site.active_profiles + site.inactive_profiles, "active"),
                };
                let first = (page - 1) * per_page;
                let profiles: Vec<Value> = (first..total.min(first + per_page))
                    .map(|i| profile(i, &format!("person{i}@example.test"), status))
                    .collect();
                Reply::json(
                    200,
                    json!({
                        "profiles": profiles,
                        "meta": { "count": profiles.len(), "total_count": total, "status": 200 },
                        "links": {},
                        "linked": {},
                    }),
                )
            }
            _ => error(404, "Not Found"),
        }
    }
}
