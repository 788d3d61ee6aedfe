//! The rules a parser cannot enforce on the assistant-facing parts of a provider file
//! (`people`): hosts exist, a list sent by POST is one of the file's `reads` (the proxy lets
//! nothing else through), placeholders are known, a link names only `{id}` and non-secret
//! fields, and the sensitive and untrusted rules name members.

use std::collections::BTreeSet;

use super::people::{FieldSource, ListMethod, ListRequest, Listing, Pagination};
use super::reads::Method;
use super::schema::Provider;
use super::template::placeholders;

/// Checks the assistant-facing parts of `p` against the rest of the file.
pub(super) fn validate_people(p: &Provider) -> Result<(), String> {
    if let Some(people) = &p.people {
        let names: Vec<(&str, &FieldSource)> = people.fields.all();
        validate_listing(p, "people", people, &names)?;
    }
    if let Some(candidates) = &p.candidates {
        if p.category != super::schema::Category::Ats {
            return Err("candidates: only a recruiting system (category ats) has them".into());
        }
        let names = candidates.fields.all();
        validate_listing(p, "candidates", candidates, &names)?;
    }
    for (category, rule) in &p.sensitive {
        let at = format!("sensitive.{}", category.as_str());
        if rule.fields.is_empty() && rule.paths.is_empty() {
            return Err(format!("{at}: names no field and no path"));
        }
        if let Some(f) = rule
            .fields
            .iter()
            .find(|f| f.trim().is_empty() || f.contains('/'))
        {
            return Err(format!(
                "{at}: `{f}` is not a member name (no slash; a flat path key is matched by its last part)"
            ));
        }
        if let Some(path) = rule
            .paths
            .iter()
            .find(|x| !x.starts_with('/') || x.contains('?'))
        {
            return Err(format!(
                "{at}: path `{path}` must start with / and hold no query"
            ));
        }
    }
    if let Some(u) = &p.untrusted {
        if u.fields.is_empty() || u.fields.iter().any(|f| f.trim().is_empty()) {
            return Err("untrusted: fields must name members".into());
        }
    }
    Ok(())
}

fn validate_listing<F>(
    p: &Provider,
    at: &str,
    listing: &Listing<F>,
    fields: &[(&str, &FieldSource)],
) -> Result<(), String> {
    validate_host(p, at, &listing.host)?;
    let page_in_path = listing.list.path.contains("{page}");
    match &listing.pagination {
        Pagination::Page { param: None, .. } if !page_in_path => {
            return Err(format!(
                "{at}: pagination by page without a param needs {{page}} in list.path"
            ))
        }
        Pagination::Page { size: 0, .. } | Pagination::Offset { size: 0, .. } => {
            return Err(format!("{at}: a page size of 0"))
        }
        Pagination::Page { param: Some(_), .. }
        | Pagination::Offset { .. }
        | Pagination::Cursor { .. }
        | Pagination::Link { .. }
        | Pagination::None
            if page_in_path =>
        {
            return Err(format!(
                "{at}: list.path holds {{page}} but pagination does not put a page there"
            ))
        }
        Pagination::Cursor { next, .. } if !is_pointer(next) => {
            return Err(format!(
                "{at}: pagination.next `{next}` is not a JSON pointer"
            ))
        }
        _ => {}
    }
    check_request(p, at, "list", &listing.list, &["page", "tenant"])?;
    if let Some(get) = &listing.get {
        {
            let holds_id = get.path.contains("{id}")
                || get.body.as_ref().is_some_and(|b| {
                    let mut texts = Vec::new();
                    strings(b, &mut texts);
                    texts.iter().any(|t| t.contains("{id}"))
                })
                || get.query.values().any(|v| v.contains("{id}"));
            if !holds_id {
                return Err(format!(
                    "{at}: get must put {{id}} in its path, query or body"
                ));
            }
            check_request(p, at, "get", get, &["id", "tenant"])?;
        }
    }
    for (name, pointer) in [("items", &listing.items), ("item", &listing.item)] {
        if !is_pointer(pointer) {
            return Err(format!("{at}: {name} `{pointer}` is not a JSON pointer"));
        }
    }
    for (name, source) in fields {
        let pointers = source.pointers();
        if pointers.is_empty() || pointers.iter().any(|x| x.is_empty() || !is_pointer(x)) {
            return Err(format!(
                "{at}.fields.{name}: every pointer must start with /"
            ));
        }
    }
    if let Some(link) = &listing.link {
        if !link.starts_with("https://") {
            return Err(format!("{at}: link must be an https:// address"));
        }
        for name in placeholders(link) {
            let plain = p.field(name).is_some_and(|f| !f.secret);
            if name != "id" && !plain {
                return Err(format!(
                    "{at}: link names `{{{name}}}`, which is neither id nor a non-secret field"
                ));
            }
        }
    }
    Ok(())
}

/// A request's method is a read the proxy lets through, its path stays plain, and its
/// placeholders are only `allowed` ones.
fn check_request(
    p: &Provider,
    at: &str,
    which: &str,
    r: &ListRequest,
    allowed: &[&str],
) -> Result<(), String> {
    if !r.path.starts_with('/') || r.path.contains('?') || r.path.contains("..") {
        return Err(format!(
            "{at}.{which}: path `{}` must start with / and hold no query or ..",
            r.path
        ));
    }
    if r.method == ListMethod::Post {
        let bare = r.path.trim_end_matches('/');
        let listed = p
            .reads
            .iter()
            .any(|x| x.method == Method::Post && x.path.trim_end_matches('/') == bare);
        if !listed || bare.contains('{') {
            return Err(format!(
                "{at}.{which}: POST {} is not one of the file's reads, so the proxy would refuse it",
                r.path
            ));
        }
    }
    let mut texts: Vec<String> = vec![r.path.clone()];
    texts.extend(r.query.values().cloned());
    if let Some(body) = &r.body {
        strings(body, &mut texts);
    }
    let used: BTreeSet<String> = texts
        .iter()
        .flat_map(|t| placeholders(t).into_iter().map(str::to_string))
        .collect();
    if let Some(bad) = used.iter().find(|u| !allowed.contains(&u.as_str())) {
        return Err(format!(
            "{at}.{which}: placeholder {{{bad}}} is not known here"
        ));
    }
    // `{tenant}` is the account's tenant key, so it must be one value (PayFit's company id).
    let one_value = p
        .identity
        .tenant
        .as_deref()
        .is_some_and(|t| placeholders(t).len() == 1 && t.starts_with('{') && t.ends_with('}'));
    if used.contains("tenant") && !one_value {
        return Err(format!(
            "{at}.{which}: {{tenant}} needs an identity.tenant that is one placeholder"
        ));
    }
    if r.method == ListMethod::Get && r.body.is_some() {
        return Err(format!("{at}.{which}: a GET has no body"));
    }
    Ok(())
}

fn is_pointer(s: &str) -> bool {
    s.is_empty() || s.starts_with('/')
}

/// Every string inside a JSON body.
fn strings(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        serde_json::Value::Object(o) => o.values().for_each(|x| strings(x, out)),
        _ => {}
    }
}

/// A listing's host is a named host, or `{field}`: the host a choice field's option names,
/// as checks may (HiBob's production or sandbox).
fn validate_host(p: &Provider, at: &str, host: &str) -> Result<(), String> {
    match super::schema::host_selector(host) {
        None if p.hosts.contains_key(host) => Ok(()),
        None => Err(format!("{at}: host `{host}` is not in hosts")),
        Some(field) => {
            let options = p
                .field(field)
                .filter(|f| f.kind == super::schema::FieldKind::Choice)
                .map(|f| &f.options);
            match options {
                Some(options)
                    if options
                        .iter()
                        .all(|o| o.host.as_ref().is_some_and(|h| p.hosts.contains_key(h))) =>
                {
                    Ok(())
                }
                _ => Err(format!(
                    "{at}: host `{host}` must name a choice field whose options all name hosts"
                )),
            }
        }
    }
}
