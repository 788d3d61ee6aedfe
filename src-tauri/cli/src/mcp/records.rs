//! The tools that read records in the common shape: `list_people` and `list_candidates`
//! (one page, its next cursor, the filters), `get_person` and `get_candidate` (by the
//! listing's `get`, or by paging until the id is found), each through the field policy.

use serde_json::{json, Map, Value};

use keystep_core::account::Account;
use keystep_core::error::Code;
use keystep_core::people::{self, FieldPolicy, MapContext, Withheld};
use keystep_core::provider::{CommonStatus, Listing, Provider};

use super::server::{missing, paging, shown, text_arg, Answer, McpServer};
use super::upstream::ToolError;

/// How many pages `get_person` reads, at most, looking for a record a provider cannot read
/// alone.
const MAX_PAGES_SEARCHED: u32 = 100;

impl McpServer {
    pub(super) async fn list(
        &self,
        args: &Map<String, Value>,
        candidates: bool,
    ) -> Result<Answer, ToolError> {
        let handle = text_arg(args, "account")?.ok_or_else(|| missing("account"))?;
        let (account, provider, served) = self.account(&handle)?;
        let cursor = text_arg(args, "cursor")?;
        let status = text_arg(args, "status")?;
        if let Some(s) = &status {
            if !CommonStatus::ALL.iter().any(|c| c.as_str() == s) {
                return Err(ToolError::new(
                    Code::InvalidInput,
                    "status is one of active, pending, leave or inactive.",
                ));
            }
        }
        let department = text_arg(args, "department")?.map(|d| d.to_lowercase());
        let policy = policy_of(provider, &served.handle, &account);
        let ctx = MapContext {
            provider,
            handle: &served.handle,
            fields: &account.fields,
            policy: &policy,
        };
        let mut withheld = Withheld::default();
        let (records, next) = if candidates {
            let listing = candidates_of(provider)?;
            self.mapped_page(
                &account,
                &ctx,
                listing,
                cursor.as_deref(),
                people::candidate,
                &mut withheld,
            )
            .await?
        } else {
            let listing = people_of(provider)?;
            let (mapped, next) = self
                .mapped_page(
                    &account,
                    &ctx,
                    listing,
                    cursor.as_deref(),
                    people::person,
                    &mut withheld,
                )
                .await?;
            let wanted = mapped
                .into_iter()
                .filter(|p| {
                    status
                        .as_deref()
                        .is_none_or(|s| p["employment_status"] == s)
                        && department.as_deref().is_none_or(|d| {
                            p["department"]
                                .as_str()
                                .is_some_and(|x| x.to_lowercase() == d)
                        })
                })
                .collect();
            (wanted, next)
        };
        let key = if candidates { "candidates" } else { "people" };
        let value = json!({
            "account": served.handle,
            key: records,
            "next_cursor": next,
        });
        Ok(answer(value, withheld, &policy, &account))
    }

    /// Reads the page `cursor` names and maps each of its records into the common shape with
    /// `map`, adding what the field policy withheld to `withheld`; returns the records and
    /// the next cursor. One path for people and candidates, which differ only in `map`.
    async fn mapped_page<F>(
        &self,
        account: &Account,
        ctx: &MapContext<'_>,
        listing: &Listing<F>,
        cursor: Option<&str>,
        map: fn(&Value, &MapContext<'_>) -> (Value, Withheld),
        withheld: &mut Withheld,
    ) -> Result<(Vec<Value>, Option<String>), ToolError> {
        let (answer, _, next) = self
            .page(ctx.handle, account, ctx.provider, listing, cursor)
            .await?;
        let items = people::items(listing, &answer).map_err(paging)?;
        let mapped = items
            .into_iter()
            .map(|r| {
                let (v, w) = map(r, ctx);
                withheld.add(&w);
                v
            })
            .collect();
        Ok((mapped, next))
    }

    /// Reads the page `cursor` names; returns the answer, its record count and the next
    /// cursor.
    pub(super) async fn page<F>(
        &self,
        handle: &str,
        account: &Account,
        provider: &Provider,
        listing: &Listing<F>,
        cursor: Option<&str>,
    ) -> Result<(Value, usize, Option<String>), ToolError> {
        let host = host_of(listing, account, provider)?;
        let req =
            people::list_request(listing, cursor, account.tenant.as_deref()).map_err(paging)?;
        let (answer, link) = self
            .upstream
            .send_page(handle, &host, provider, &req)
            .await?;
        let count = people::items(listing, &answer).map_err(paging)?.len();
        let next = people::next_cursor(listing, cursor, &answer, count, link.as_deref());
        Ok((answer, count, next))
    }

    pub(super) async fn get(
        &self,
        args: &Map<String, Value>,
        candidates: bool,
    ) -> Result<Answer, ToolError> {
        let handle = text_arg(args, "account")?.ok_or_else(|| missing("account"))?;
        let id = text_arg(args, "id")?.ok_or_else(|| missing("id"))?;
        let (account, provider, served) = self.account(&handle)?;
        let policy = policy_of(provider, &served.handle, &account);
        let ctx = MapContext {
            provider,
            handle: &served.handle,
            fields: &account.fields,
            policy: &policy,
        };
        let record = if candidates {
            self.find(
                &served.handle,
                &account,
                provider,
                candidates_of(provider)?,
                &id,
                |r| people::candidate(r, &ctx).0,
            )
            .await?
        } else {
            self.find(
                &served.handle,
                &account,
                provider,
                people_of(provider)?,
                &id,
                |r| people::person(r, &ctx).0,
            )
            .await?
        };
        let mut withheld = Withheld::default();
        let value = if candidates {
            let (common, w) = people::candidate(&record, &ctx);
            withheld.add(&w);
            let mut whole = record.clone();
            withheld.add(&policy.apply(&mut whole));
            json!({ "candidate": common, "record": whole })
        } else {
            let (common, w) = people::person(&record, &ctx);
            withheld.add(&w);
            json!({ "person": common })
        };
        Ok(answer(value, withheld, &policy, &account))
    }

    /// The record whose mapped id is `id`: by the listing's `get` when it has one (and the
    /// answer is that record), else by paging through the list.
    async fn find<F>(
        &self,
        handle: &str,
        account: &Account,
        provider: &Provider,
        listing: &Listing<F>,
        id: &str,
        map: impl Fn(&Value) -> Value,
    ) -> Result<Value, ToolError> {
        let not_found = || {
            ToolError::new(
                Code::NotFound,
                format!(
                    "{} has no record with the id “{}” for this account.",
                    provider.name,
                    shown(id)
                ),
            )
        };
        let host = host_of(listing, account, provider)?;
        let tenant = account.tenant.as_deref();
        if listing.get.is_some() {
            let req = people::get_request(listing, id, tenant).map_err(paging)?;
            let answer = self.upstream.send(handle, &host, provider, &req).await?;
            let mut candidates: Vec<&Value> =
                people::record(listing, &answer).into_iter().collect();
            candidates.extend(people::items(listing, &answer).unwrap_or_default());
            return candidates
                .into_iter()
                .find(|r| map(r)["id"] == id)
                .cloned()
                .ok_or_else(not_found);
        }
        people::get_request(listing, id, tenant).map_err(paging)?;
        let mut cursor: Option<String> = None;
        for _ in 0..MAX_PAGES_SEARCHED {
            let (answer, _, next) = self
                .page(handle, account, provider, listing, cursor.as_deref())
                .await?;
            let items = people::items(listing, &answer).map_err(paging)?;
            if let Some(found) = items.into_iter().find(|r| map(r)["id"] == id) {
                return Ok(found.clone());
            }
            match next {
                Some(n) => cursor = Some(n),
                None => return Err(not_found()),
            }
        }
        Err(not_found())
    }
}

pub(super) fn people_of(
    provider: &Provider,
) -> Result<&Listing<keystep_core::provider::PersonFields>, ToolError> {
    provider.people.as_ref().ok_or_else(|| {
        ToolError::new(
            Code::InvalidInput,
            format!(
                "Keystep does not map {}'s people yet: use the request tool.",
                provider.name
            ),
        )
    })
}

pub(super) fn candidates_of(
    provider: &Provider,
) -> Result<&Listing<keystep_core::provider::CandidateFields>, ToolError> {
    provider.candidates.as_ref().ok_or_else(|| {
        ToolError::new(
            Code::InvalidInput,
            format!(
                "{} is not a recruiting system with candidates: use list_people.",
                provider.name
            ),
        )
    })
}

/// The named host a listing reads: its own, or the one the account's choice field selects.
pub(super) fn host_of<F>(
    listing: &Listing<F>,
    account: &Account,
    provider: &Provider,
) -> Result<String, ToolError> {
    let Some(field) = listing
        .host
        .strip_prefix('{')
        .and_then(|h| h.strip_suffix('}'))
    else {
        return Ok(listing.host.clone());
    };
    let chosen = account
        .fields
        .get(field)
        .cloned()
        .or_else(|| provider.field(field).and_then(|f| f.default.clone()));
    provider
        .field(field)
        .and_then(|f| f.options.iter().find(|o| Some(&o.value) == chosen.as_ref()))
        .and_then(|o| o.host.clone())
        .ok_or_else(|| {
            ToolError::new(
                Code::Internal,
                "This account's host could not be told from its fields.",
            )
        })
}

/// The host `request` reads by default: the people's, else `api`, else the first.
pub(super) fn default_host(account: &Account, provider: &Provider) -> Result<String, ToolError> {
    if let Some(people) = &provider.people {
        return host_of(people, account, provider);
    }
    if provider.hosts.contains_key("api") {
        return Ok("api".into());
    }
    provider
        .hosts
        .keys()
        .next()
        .cloned()
        .ok_or_else(|| ToolError::new(Code::Internal, "This provider names no host."))
}

/// The field policy account `handle` is read under: its provider's sensitive fields, less
/// the categories the admin shared.
pub(super) fn policy_of<'a>(
    provider: &'a Provider,
    handle: &'a str,
    account: &Account,
) -> FieldPolicy<'a> {
    FieldPolicy::new(provider, handle, account.shared_fields.iter().copied())
}

/// A tool's answer for `account`: `value`, with what was withheld and how to allow each
/// category said beside it.
pub(super) fn answer(
    mut value: Value,
    withheld: Withheld,
    policy: &FieldPolicy<'_>,
    account: &Account,
) -> Answer {
    add_withheld(&mut value, &withheld, policy);
    Answer {
        value,
        account: Some(account.id.clone()),
        withheld,
    }
}

/// Says, beside the answer, what was withheld and how to allow each category.
fn add_withheld(value: &mut Value, withheld: &Withheld, policy: &FieldPolicy<'_>) {
    if withheld.total() == 0 {
        return;
    }
    let counts: Map<String, Value> = withheld
        .counts
        .iter()
        .map(|(c, n)| (c.as_str().to_string(), json!(n)))
        .collect();
    let notes: Vec<String> = withheld.counts.keys().map(|c| policy.note(*c)).collect();
    if let Value::Object(o) = value {
        o.insert("withheld".into(), Value::Object(counts));
        o.insert("withheld_note".into(), json!(notes));
    }
}
