//! One shape of a person for every provider, as an AI assistant reads it through
//! `keystep mcp`: the provider file's `[people]` (or `[candidates]`) section says which
//! request lists records and which reads one (`pages`), where the records are in the
//! answers, and where each common field is in a record; this module reads them out.
//!
//! The common shape of a person is `id`, `name`, `preferred_name`, `work_email`,
//! `job_title`, `department`, `manager_id`, `employment_status` (active, pending, leave,
//! inactive, or null when the provider's value is not mapped), `start_date`, and where it
//! came from: `provider_status` (the provider's own word), `provider`, `account` and `link`
//! (the record's page in the provider's web app, when the file knows one). A candidate's is
//! `id`, `name`, `email`, `phone`, `job_title`, `job_id`, `stage`, `applied_at`, `source`,
//! and the same provenance. A field the provider does not keep on the record is `null`.
//! Every value goes through the [`FieldPolicy`] (`policy`): a common field read from a
//! sensitive member is withheld like any other.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::provider::{FieldSource, Listing, Provider};

mod pages;
mod policy;

pub use pages::{get_request, items, list_request, next_cursor, record, PageRequest, PagingError};
pub use policy::{withheld_note, FieldPolicy, Withheld, UNTRUSTED_NOTE};

/// What a record is read with: the account's handle and non-secret fields (a link may name
/// a subdomain), and the policy its values go through.
pub struct MapContext<'a> {
    /// The provider.
    pub provider: &'a Provider,
    /// The account's handle.
    pub handle: &'a str,
    /// The account's non-secret fields.
    pub fields: &'a BTreeMap<String, String>,
    /// What is withheld and what is marked untrusted.
    pub policy: &'a FieldPolicy<'a>,
}

/// A JSON value read as text: strings as they are, numbers and booleans written out;
/// anything else (null, an object, an array) is no text.
fn as_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The value a source reads from `record`, and the member name it came from (for the
/// policy): the first pointer that yields text, or the joined texts.
fn read<'r>(record: &'r Value, source: &'r FieldSource) -> Option<(String, Vec<&'r str>)> {
    match source {
        FieldSource::Pointer(p) => record
            .pointer(p)
            .and_then(as_text)
            .map(|t| (t, vec![p.as_str()])),
        FieldSource::FirstOf(ps) => ps.iter().find_map(|p| {
            record
                .pointer(p)
                .and_then(as_text)
                .map(|t| (t, vec![p.as_str()]))
        }),
        FieldSource::Join { join } => {
            let parts: Vec<(String, &str)> = join
                .iter()
                .filter_map(|p| record.pointer(p).and_then(as_text).map(|t| (t, p.as_str())))
                .collect();
            (!parts.is_empty()).then(|| {
                let text = parts
                    .iter()
                    .map(|(t, _)| t.as_str())
                    .collect::<Vec<_>>()
                    .join(" ");
                (text, parts.iter().map(|(_, p)| *p).collect())
            })
        }
    }
}

/// Reads the common fields `fields` of `record` into `out`, each through the policy.
fn read_fields(
    record: &Value,
    fields: &[(&'static str, &FieldSource)],
    ctx: &MapContext<'_>,
    out: &mut Map<String, Value>,
    withheld: &mut Withheld,
) -> Option<String> {
    let mut id = None;
    for (name, source) in fields {
        let value = match read(record, source) {
            None => Value::Null,
            Some((text, pointers)) => {
                let category = pointers
                    .iter()
                    .find_map(|p| ctx.policy.withholds_pointer(p));
                match category {
                    // The id is how a record is asked for again; a provider file that made
                    // it sensitive would be refused by validation… but never shown anyway.
                    Some(c) => {
                        withheld.count(c);
                        Value::String(withheld_note(c, ctx.handle))
                    }
                    None if ctx.policy.is_untrusted_pointer(pointers.first().copied()) => {
                        policy::untrusted(Value::String(text))
                    }
                    None => Value::String(text),
                }
            }
        };
        if *name == "id" {
            id = value.as_str().map(str::to_string);
        }
        out.insert((*name).to_string(), value);
    }
    id
}

/// The provenance every common record ends with.
fn provenance<F>(
    listing: &Listing<F>,
    id: Option<&str>,
    ctx: &MapContext<'_>,
    out: &mut Map<String, Value>,
) {
    out.insert("provider".into(), Value::String(ctx.provider.id.clone()));
    out.insert("account".into(), Value::String(ctx.handle.to_string()));
    let link = match (&listing.link, id) {
        (Some(template), Some(id)) => link(template, id, ctx.fields),
        _ => None,
    };
    out.insert("link".into(), link.map_or(Value::Null, Value::String));
}

/// `template` with `{id}` and the account's fields filled in, each percent-encoded.
fn link(template: &str, id: &str, fields: &BTreeMap<String, String>) -> Option<String> {
    let mut out = template.to_string();
    for name in crate::provider::placeholders(template) {
        let value = if name == "id" { id } else { fields.get(name)? };
        let encoded = percent_encoding::utf8_percent_encode(value, pages::SEGMENT).to_string();
        out = out.replace(&format!("{{{name}}}"), &encoded);
    }
    Some(out)
}

/// One person in the common shape, and what the policy withheld from it.
pub fn person(record: &Value, ctx: &MapContext<'_>) -> (Value, Withheld) {
    let mut out = Map::new();
    let mut withheld = Withheld::default();
    let Some(listing) = &ctx.provider.people else {
        return (Value::Object(out), withheld);
    };
    let fields = listing.fields.all();
    let mut status_source = None;
    let plain: Vec<(&'static str, &FieldSource)> = fields
        .into_iter()
        .filter(|(name, source)| {
            if *name == "employment_status" {
                status_source = Some(*source);
                false
            } else {
                true
            }
        })
        .collect();
    let id = read_fields(record, &plain, ctx, &mut out, &mut withheld);
    let raw = status_source.and_then(|s| read(record, s)).map(|(t, _)| t);
    let common = raw
        .as_deref()
        .and_then(|r| listing.status.get(r))
        .map(|s| Value::String(s.as_str().to_string()));
    let mut ordered = Map::new();
    for key in [
        "id",
        "name",
        "preferred_name",
        "work_email",
        "job_title",
        "department",
        "manager_id",
    ] {
        ordered.insert(key.into(), out.remove(key).unwrap_or(Value::Null));
    }
    ordered.insert("employment_status".into(), common.unwrap_or(Value::Null));
    ordered.insert(
        "provider_status".into(),
        raw.map_or(Value::Null, Value::String),
    );
    ordered.insert(
        "start_date".into(),
        out.remove("start_date").unwrap_or(Value::Null),
    );
    provenance(listing, id.as_deref(), ctx, &mut ordered);
    (Value::Object(ordered), withheld)
}

/// One candidate in the common shape, and what the policy withheld from it.
pub fn candidate(record: &Value, ctx: &MapContext<'_>) -> (Value, Withheld) {
    let mut out = Map::new();
    let mut withheld = Withheld::default();
    let Some(listing) = &ctx.provider.candidates else {
        return (Value::Object(out), withheld);
    };
    let id = read_fields(record, &listing.fields.all(), ctx, &mut out, &mut withheld);
    for key in [
        "name",
        "email",
        "phone",
        "job_title",
        "job_id",
        "stage",
        "applied_at",
        "source",
    ] {
        out.entry(key).or_insert(Value::Null);
    }
    provenance(listing, id.as_deref(), ctx, &mut out);
    (Value::Object(out), withheld)
}

#[cfg(test)]
mod tests;
