//! The requests of a [`Listing`] and the reading of their answers: which request fetches the
//! page a cursor names (or the record an id names), where the records are in an answer, and
//! the cursor of the next page. Cursors are Keystep's own text (a count, a page number, or
//! the provider's token), handed to the assistant and taken back; whatever comes back is
//! checked before it goes into a request.

use serde_json::Value;

use crate::provider::{ListMethod, ListRequest, Listing, Pagination};

/// One request to send, its values filled in: below the listing's host.
#[derive(Debug, Clone, PartialEq)]
pub struct PageRequest {
    /// GET, or a POST the provider file lists as a read.
    pub method: ListMethod,
    /// The path below the host's base, placeholders filled in and percent-encoded.
    pub path: String,
    /// Query parameters, not yet encoded.
    pub query: Vec<(String, String)>,
    /// A JSON body, for POST reads.
    pub body: Option<Value>,
}

/// Why a page or a record cannot be asked for, or an answer not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PagingError {
    /// The cursor is not one this listing ever gave.
    #[error("the cursor is not one Keystep gave for this list: start again without a cursor")]
    BadCursor,
    /// The id could not be a record's id (empty, a separator, a dot segment, control
    /// characters, or too long).
    #[error("“{0}” cannot be an id of this provider: pass an id exactly as a list gave it")]
    BadId(String),
    /// The answer does not hold the records where the provider file says.
    #[error("the provider's answer does not hold the records where Keystep expects them")]
    NoRecords,
}

/// The longest cursor or id taken back from an assistant.
const MAX_TOKEN: usize = 2_048;

/// Whether `value` may go into a request: text of a reasonable length, without control
/// characters; for a path segment, also no separator, no percent sign and no dot segment,
/// as verification requires of values it puts in a path.
fn plain(value: &str, in_path: bool) -> bool {
    !value.is_empty()
        && value.len() <= MAX_TOKEN
        && !value.chars().any(char::is_control)
        && (!in_path
            || (!value.contains(['/', '\\', '?', '#', '%']) && value != "." && value != ".."))
}

/// What a path segment keeps as it is: letters, digits and RFC 3986's other unreserved
/// characters; everything else is percent-encoded.
pub(super) const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn encode_segment(value: &str) -> String {
    percent_encoding::utf8_percent_encode(value, SEGMENT).to_string()
}

/// `text` with each `{name}` of `values` replaced by its value (encoded with `encode`).
fn fill(text: &str, values: &[(&str, &str)], encode: impl Fn(&str) -> String) -> String {
    let mut out = text.to_string();
    for (name, value) in values {
        out = out.replace(&format!("{{{name}}}"), &encode(value));
    }
    out
}

/// Every string of a JSON body with its placeholders filled in.
fn fill_body(body: &Value, values: &[(&str, &str)]) -> Value {
    match body {
        Value::String(s) => Value::String(fill(s, values, str::to_string)),
        Value::Array(a) => Value::Array(a.iter().map(|v| fill_body(v, values)).collect()),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, v)| (k.clone(), fill_body(v, values)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn request(r: &ListRequest, values: &[(&str, &str)]) -> PageRequest {
    PageRequest {
        method: r.method,
        path: fill(&r.path, values, encode_segment),
        query: r
            .query
            .iter()
            .map(|(k, v)| (k.clone(), fill(v, values, str::to_string)))
            .collect(),
        body: r.body.as_ref().map(|b| fill_body(b, values)),
    }
}

/// Puts a paging value where the request takes it: a POST read (an RPC-style API such as
/// Ashby's) takes it in its JSON body, a GET in its query.
fn place(req: &mut PageRequest, name: &str, value: Value) {
    match req.method {
        ListMethod::Post => {
            let body = req
                .body
                .get_or_insert_with(|| Value::Object(serde_json::Map::new()));
            if let Value::Object(o) = body {
                o.insert(name.to_string(), value);
            }
        }
        ListMethod::Get => {
            let text = match value {
                Value::String(s) => s,
                other => other.to_string(),
            };
            req.query.push((name.to_string(), text));
        }
    }
}

fn number(cursor: Option<&str>, default: u64) -> Result<u64, PagingError> {
    match cursor {
        None => Ok(default),
        Some(c) => c.parse().map_err(|_| PagingError::BadCursor),
    }
}

/// The request for the page `cursor` names (the first page without one).
///
/// # Errors
/// [`PagingError::BadCursor`] for a cursor this listing could not have given.
pub fn list_request<F>(
    listing: &Listing<F>,
    cursor: Option<&str>,
    tenant: Option<&str>,
) -> Result<PageRequest, PagingError> {
    let fixed: Vec<(&str, &str)> = tenant.map(|t| ("tenant", t)).into_iter().collect();
    let mut req;
    match &listing.pagination {
        Pagination::None => {
            if cursor.is_some() {
                return Err(PagingError::BadCursor);
            }
            req = request(&listing.list, &fixed);
        }
        Pagination::Offset {
            param,
            size_param,
            size,
        } => {
            let skip = number(cursor, 0)?;
            req = request(&listing.list, &fixed);
            req.query.push((size_param.clone(), size.to_string()));
            req.query.push((param.clone(), skip.to_string()));
        }
        Pagination::Page {
            param,
            size_param,
            size,
            first,
        } => {
            let page = number(cursor, u64::from(*first))?;
            if page < u64::from(*first) {
                return Err(PagingError::BadCursor);
            }
            let text = page.to_string();
            let mut values = fixed.clone();
            values.push(("page", &text));
            req = request(&listing.list, &values);
            if let Some(param) = param {
                req.query.push((param.clone(), text));
            }
            if let Some(sp) = size_param {
                req.query.push((sp.clone(), size.to_string()));
            }
        }
        Pagination::Cursor {
            param,
            size_param,
            size,
            ..
        }
        | Pagination::Link {
            param,
            size_param,
            size,
        } => {
            req = request(&listing.list, &fixed);
            // A Link header's next page carries the size it was asked with, and Greenhouse
            // refuses any other parameter beside its cursor: the size goes on the first only.
            let first_only = matches!(listing.pagination, Pagination::Link { .. });
            if let (Some(sp), Some(size)) = (size_param, size) {
                if cursor.is_none() || !first_only {
                    place(&mut req, sp, Value::from(*size));
                }
            }
            if let Some(token) = cursor {
                if !plain(token, false) {
                    return Err(PagingError::BadCursor);
                }
                place(&mut req, param, Value::from(token));
            }
        }
    }
    Ok(req)
}

/// The request that reads record `id`: the listing's `get`, or the first page of its list
/// when it has none (the caller pages on to find the record).
///
/// # Errors
/// [`PagingError::BadId`] for an id that could not be one.
pub fn get_request<F>(
    listing: &Listing<F>,
    id: &str,
    tenant: Option<&str>,
) -> Result<PageRequest, PagingError> {
    let in_path = listing
        .get
        .as_ref()
        .is_some_and(|g| g.path.contains("{id}"));
    if !plain(id, in_path) {
        // Named back only when it is short and plain: an assistant may paste anything.
        let shown = if id.len() <= 64 && !id.chars().any(char::is_control) {
            id.to_string()
        } else {
            "that value".to_string()
        };
        return Err(PagingError::BadId(shown));
    }
    match &listing.get {
        Some(get) => {
            let mut values = vec![("id", id)];
            values.extend(tenant.map(|t| ("tenant", t)));
            Ok(request(get, &values))
        }
        None => list_request(listing, None, tenant),
    }
}

/// The records of a list answer: the array `items` points to (a lone object is one record,
/// as JazzHR answers a one-record list).
///
/// # Errors
/// [`PagingError::NoRecords`] when the pointer finds neither.
pub fn items<'a, F>(
    listing: &Listing<F>,
    answer: &'a Value,
) -> Result<Vec<&'a Value>, PagingError> {
    match answer.pointer(&listing.items) {
        Some(Value::Array(a)) => Ok(a.iter().collect()),
        Some(o @ Value::Object(_)) => Ok(vec![o]),
        _ => Err(PagingError::NoRecords),
    }
}

/// The record of a `get` answer (an array's first element).
pub fn record<'a, F>(listing: &Listing<F>, answer: &'a Value) -> Option<&'a Value> {
    match answer.pointer(&listing.item)? {
        Value::Array(a) => a.first(),
        v @ Value::Object(_) => Some(v),
        _ => None,
    }
}

/// The cursor of the page after the one `cursor` named, which held `count` records; `None`
/// on the last page. `link` is the answer's `Link` header, for the paging that reads it.
pub fn next_cursor<F>(
    listing: &Listing<F>,
    cursor: Option<&str>,
    answer: &Value,
    count: usize,
    link: Option<&str>,
) -> Option<String> {
    match &listing.pagination {
        Pagination::None => None,
        Pagination::Offset { size, .. } => {
            let skip = number(cursor, 0).ok()?;
            (count >= *size as usize && count > 0).then(|| (skip + count as u64).to_string())
        }
        Pagination::Page { size, first, .. } => {
            let page = number(cursor, u64::from(*first)).ok()?;
            (count >= *size as usize && count > 0).then(|| (page + 1).to_string())
        }
        Pagination::Cursor { next, param, .. } => match answer.pointer(next) {
            Some(Value::String(s)) if looks_like_url(s) => token_in(s, param),
            Some(Value::String(s)) if !s.is_empty() && plain(s, false) => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        },
        Pagination::Link { param, .. } => token_in(&next_link(link?)?, param),
    }
}

/// Whether a `next` value is a URL (absolute, or a path with a query) rather than a token.
fn looks_like_url(s: &str) -> bool {
    s.starts_with("https://") || s.starts_with("http://") || s.starts_with('/')
}

/// The value of query parameter `param` in `url` (absolute or a path), when it is plain.
fn token_in(url: &str, param: &str) -> Option<String> {
    // A path alone is read against a placeholder base: only its query matters.
    let base = url::Url::parse("https://next.invalid/").ok()?;
    let parsed = base.join(url).ok()?;
    parsed
        .query_pairs()
        .find(|(k, _)| k == param)
        .map(|(_, v)| v.into_owned())
        .filter(|v| plain(v, false))
}

/// The `rel="next"` target of a `Link` header (RFC 8288): `<url>; rel="next", <url>; …`.
fn next_link(header: &str) -> Option<String> {
    let mut rest = header;
    while let Some(open) = rest.find('<') {
        let close = open + rest[open..].find('>')?;
        let target = &rest[open + 1..close];
        let after = &rest[close + 1..];
        let params_end = after.find('<').unwrap_or(after.len());
        let is_next = after[..params_end].split(';').any(|param| {
            let Some((name, value)) = param.split_once('=') else {
                return false;
            };
            name.trim().eq_ignore_ascii_case("rel")
                && value
                    .trim()
                    .trim_matches('"')
                    .split_whitespace()
                    .any(|r| r.eq_ignore_ascii_case("next"))
        });
        if is_next {
            return Some(target.to_string());
        }
        rest = &after[params_end..];
    }
    None
}
