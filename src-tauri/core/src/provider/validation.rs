//! Consistency rules a parser cannot enforce, checked when the catalogue loads: ids and
//! names, fields and their kinds, hosts, steps, status rules, the check chain and its
//! captures, identity templates, messages, and the translations. Each rule returns the
//! first problem found, naming where it is.

use std::collections::{BTreeMap, BTreeSet};

use crate::lang::Lang;

use super::auth::{is_header_name, Auth, RESERVED_HEADERS};
use super::checks::*;
use super::lifetime::Lifetime;
use super::reads::Method;
use super::schema::*;
use super::template::placeholders;
use super::translations::flatten_locale;

mod credential;

/// Every string inside a JSON value, for placeholder checks.
fn collect_strings(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(a) => a.iter().for_each(|x| collect_strings(x, out)),
        serde_json::Value::Object(o) => o.values().for_each(|x| collect_strings(x, out)),
        _ => {}
    }
}

fn is_kebab(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn is_snake(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn is_pointer(s: &str) -> bool {
    s.is_empty() || s.starts_with('/')
}

/// Consistency rules a parser cannot enforce. Each returns the first problem found.
pub(super) fn validate(file: &str, p: &Provider) -> Result<(), String> {
    if p.id != file {
        return Err(format!("id `{}` does not match the file name", p.id));
    }
    if !is_kebab(&p.id) {
        return Err(format!("id `{}` must be kebab-case", p.id));
    }
    validate_aliases(p)?;
    let keys = validate_fields(p)?;
    credential::validate_auth(p, &keys)?;
    credential::validate_headers(p)?;
    validate_hosts(p)?;
    validate_pace(p)?;
    credential::validate_reads(p)?;
    credential::validate_lifetime(p)?;
    credential::validate_sandbox_and_voice(p)?;
    validate_steps(p)?;
    validate_permissions(p)?;
    super::purposes::validate_purposes(p)?;
    validate_status_rules("the provider", &p.on_status)?;
    validate_checks(p, &keys)?;
    validate_identity(p)?;
    validate_messages(p)?;
    super::people_rules::validate_people(p)?;
    validate_locales(p)
}

/// Aliases are names the search matches: none blank, none repeating the name or another
/// alias (case aside), so each one is a name the provider's own would not already find.
fn validate_aliases(p: &Provider) -> Result<(), String> {
    let mut seen = BTreeSet::from([p.name.trim().to_lowercase()]);
    for alias in &p.aliases {
        if alias.trim().is_empty() || alias.trim() != alias {
            return Err(format!("alias `{alias}` is blank or has spaces around it"));
        }
        if !seen.insert(alias.to_lowercase()) {
            return Err(format!("alias `{alias}` repeats the name or another alias"));
        }
    }
    Ok(())
}

/// Pacing rules: a zero would stop every check (`Pace::check`).
fn validate_pace(p: &Provider) -> Result<(), String> {
    p.pace.check()
}

/// Field rules; returns the declared keys.
fn validate_fields(p: &Provider) -> Result<BTreeSet<&str>, String> {
    let mut keys = BTreeSet::new();
    for f in &p.fields {
        if !is_snake(&f.key) {
            return Err(format!("field key `{}` must be snake_case", f.key));
        }
        if !keys.insert(f.key.as_str()) {
            return Err(format!("field `{}` is declared twice", f.key));
        }
        if (f.kind == FieldKind::Subdomain) != f.domain.is_some() {
            return Err(format!(
                "field `{}`: `domain` goes with kind = \"subdomain\" and only with it",
                f.key
            ));
        }
        if f.kind == FieldKind::Subdomain && f.secret {
            return Err(format!("field `{}`: a subdomain is not a secret", f.key));
        }
        let choice = f.kind == FieldKind::Choice;
        let has_choice_keys = !f.options.is_empty() || f.default.is_some();
        if (choice && f.options.is_empty()) || (!choice && has_choice_keys) {
            return Err(format!(
                "field `{}`: `options` and `default` go with kind = \"choice\" and only with it",
                f.key
            ));
        }
        if f.retired.as_ref().is_some_and(|r| {
            !super::template::is_simple_pattern(&r.pattern) || r.note.trim().is_empty() || choice
        }) {
            return Err(format!(
                "field `{}`: `retired` needs a pattern of the usual_pattern subset, a note, and a typed field",
                f.key
            ));
        }
        if choice && (f.secret || f.usual_pattern.is_some()) {
            return Err(format!(
                "field `{}`: a choice is neither secret nor pattern-checked",
                f.key
            ));
        }
        let mut values = BTreeSet::new();
        for o in &f.options {
            if !(is_kebab(&o.value) || is_snake(&o.value)) || o.label.trim().is_empty() {
                return Err(format!(
                    "field `{}`: option `{}` needs a kebab- or snake-case value and a label",
                    f.key, o.value
                ));
            }
            if !values.insert(o.value.as_str()) {
                return Err(format!(
                    "field `{}`: option `{}` is declared twice",
                    f.key, o.value
                ));
            }
            if let Some(h) = &o.host {
                if !p.hosts.contains_key(h) {
                    return Err(format!(
                        "field `{}`: option `{}` selects unknown host `{h}`",
                        f.key, o.value
                    ));
                }
            }
        }
        if let Some(d) = &f.default {
            if !values.contains(d.as_str()) {
                return Err(format!(
                    "field `{}`: default `{d}` is not one of its options",
                    f.key
                ));
            }
        }
    }
    if !p.fields.iter().any(|f| f.secret) {
        return Err("no secret field: what would the keychain hold?".into());
    }
    Ok(keys)
}

fn validate_hosts(p: &Provider) -> Result<(), String> {
    for (name, url) in &p.hosts {
        if !is_kebab(name) {
            return Err(format!("host name `{name}` must be kebab-case"));
        }
        if !url.starts_with("https://") {
            return Err(format!("host `{name}` must be https://"));
        }
        for ph in placeholders(url) {
            if p.field(ph).is_none_or(|f| f.secret) {
                return Err(format!(
                    "host `{name}` uses `{{{ph}}}`, which is not a non-secret field"
                ));
            }
        }
        // Every host is an override variable and a place secrets may be sent: none unused.
        let by_check =
            p.checks.iter().any(|c| &c.host == name) || p.auth.token_host() == Some(name.as_str());
        let by_option = p
            .fields
            .iter()
            .flat_map(|f| &f.options)
            .any(|o| o.host.as_ref() == Some(name));
        if !by_check && !by_option {
            return Err(format!("host `{name}` is never used"));
        }
    }
    Ok(())
}

fn validate_steps(p: &Provider) -> Result<(), String> {
    let mut step_ids = BTreeSet::new();
    for s in &p.steps {
        if !step_ids.insert(s.id.as_str()) {
            return Err(format!("step `{}` is declared twice", s.id));
        }
        if s.link.is_some() != s.link_label.is_some() {
            return Err(format!("step `{}`: link and link_label go together", s.id));
        }
        if let Some(link) = &s.link {
            if !link.starts_with("https://") {
                return Err(format!("step `{}`: links must be https://", s.id));
            }
        }
    }
    // The window points a refused key at the step where it was copied, and words what to
    // do by whether it can be copied again: one step, always.
    let copied = p.steps.iter().filter(|s| s.secret_shown.is_some()).count();
    if copied != 1 {
        return Err(format!(
            "exactly one step says where the secret is copied (secret_shown = \"once\" or \"anytime\"); {copied} do"
        ));
    }
    Ok(())
}

/// Unconfirmed names and screen labels must name required permissions, and a checklist
/// item must be one: the guide shows the purpose's items from these lists.
fn validate_permissions(p: &Provider) -> Result<(), String> {
    let required = &p.permissions.required;
    let mut seen = BTreeSet::new();
    for r in required {
        if r.trim().is_empty() || !seen.insert(r.as_str()) {
            return Err(format!("permission `{r}` is empty or listed twice"));
        }
    }
    for u in &p.permissions.unconfirmed {
        if !required.contains(u) {
            return Err(format!("unconfirmed `{u}` is not a required permission"));
        }
    }
    for (id, label) in &p.permissions.labels {
        if !required.contains(id) || label.trim().is_empty() {
            return Err(format!(
                "label for `{id}`: not a required permission, or empty"
            ));
        }
    }
    for s in &p.steps {
        for item in &s.checklist {
            if !required.contains(item) {
                return Err(format!(
                    "step `{}`: checklist item `{item}` is not a required permission",
                    s.id
                ));
            }
        }
    }
    Ok(())
}

fn validate_status_rules(owner: &str, rules: &BTreeMap<String, StatusRule>) -> Result<(), String> {
    for (status, rule) in rules {
        match status.parse::<u16>() {
            Ok(s) if (100..600).contains(&s) => {}
            _ => return Err(format!("{owner}: `{status}` is not an HTTP status")),
        }
        let reactions = rule.reactions();
        if reactions.is_empty() {
            return Err(format!(
                "{owner}: status {status} needs `then` or `not_json`"
            ));
        }
        let timed = reactions
            .iter()
            .any(|r| matches!(r, Reaction::RateLimited | Reaction::Blocked));
        if rule.retry_after().is_some() && !timed {
            return Err(format!(
                "{owner}: status {status}: `retry_after` goes with rate_limited or blocked"
            ));
        }
    }
    Ok(())
}

fn validate_checks(p: &Provider, keys: &BTreeSet<&str>) -> Result<(), String> {
    if p.checks.is_empty() {
        return Err("at least one check is needed to verify anything".into());
    }
    // Captures known so far, to prove every placeholder is filled by the time it is used;
    // the scopes a token answer lists are `granted` from the start.
    let mut known: BTreeSet<&str> = keys.clone();
    if matches!(
        &p.auth,
        Auth::ClientCredentials {
            scopes: Some(_),
            ..
        }
    ) {
        known.insert("granted");
    }
    // The client secret goes to the token endpoint only.
    let token_only = match &p.auth {
        Auth::ClientCredentials { client_secret, .. } => Some(client_secret.as_str()),
        _ => None,
    };
    let mut check_ids = BTreeSet::new();
    for c in &p.checks {
        if !check_ids.insert(c.id.as_str()) {
            return Err(format!("check `{}` is declared twice", c.id));
        }
        match host_selector(&c.host) {
            None if !p.hosts.contains_key(&c.host) => {
                return Err(format!("check `{}` uses unknown host `{}`", c.id, c.host));
            }
            None => {}
            Some(field) => {
                let selects = p.field(field).is_some_and(|f| {
                    f.kind == FieldKind::Choice && f.options.iter().all(|o| o.host.is_some())
                });
                if !selects {
                    return Err(format!(
                        "check `{}`: host `{{{field}}}` must name a choice field whose every option selects a host",
                        c.id
                    ));
                }
            }
        }
        if !c.path.starts_with('/') {
            return Err(format!("check `{}`: path must start with /", c.id));
        }
        let mut templates: Vec<&str> = vec![&c.path];
        templates.extend(c.query.values().map(String::as_str));
        // A secret in a path or query would end up in URLs, and so in logs and proxies;
        // only bodies and the auth scheme may carry secrets.
        for t in &templates {
            for ph in placeholders(t) {
                if p.field(ph).is_some_and(|f| f.secret) {
                    return Err(format!(
                        "check `{}` puts secret field `{ph}` in a URL; use auth or a body",
                        c.id
                    ));
                }
            }
        }
        let mut body_strings = Vec::new();
        if let Some(body) = &c.body {
            let form = body.encoding == Encoding::Form || !body.retry_as_form_on.is_empty();
            if form && body.values.values().any(|v| !v.is_string()) {
                return Err(format!("check `{}`: a form body holds only strings", c.id));
            }
            if c.method == Method::Get {
                return Err(format!("check `{}`: a GET has no body", c.id));
            }
            collect_strings(
                &serde_json::Value::Object(body.values.clone()),
                &mut body_strings,
            );
        }
        templates.extend(body_strings.iter().map(String::as_str));
        if let Some(secret) = token_only {
            if body_strings
                .iter()
                .any(|b| placeholders(b).contains(&secret))
            {
                return Err(format!(
                    "check `{}` sends the client secret, which goes to the token endpoint only",
                    c.id
                ));
            }
        }
        for t in templates {
            for ph in placeholders(t) {
                if !known.contains(ph) {
                    return Err(format!(
                        "check `{}` uses `{{{ph}}}` before anything captures it",
                        c.id
                    ));
                }
            }
        }
        validate_status_rules(&format!("check `{}`", c.id), &c.on_status)?;
        if let Some(proof) = &c.proof {
            if !is_pointer(proof) || c.needs.is_empty() {
                return Err(format!(
                    "check `{}`: proof must be a JSON pointer, with `needs` to prove",
                    c.id
                ));
            }
        }
        for need in &c.needs {
            if !p.permissions.required.contains(need) {
                return Err(format!(
                    "check `{}` needs `{need}`, which is not a required permission",
                    c.id
                ));
            }
        }
        for name in c.when.iter().chain(&c.unless) {
            if !known.contains(name.as_str()) {
                return Err(format!(
                    "check `{}` depends on unknown capture `{name}`",
                    c.id
                ));
            }
        }
        for e in &c.expect {
            validate_expect(p, c, e)?;
        }
        for (name, cap) in &c.capture {
            let pointers = cap.pointers();
            if pointers.is_empty() {
                return Err(format!("check `{}`: capture `{name}` has no pointer", c.id));
            }
            if let Some(bad) = pointers.iter().find(|ptr| !is_pointer(ptr)) {
                return Err(format!("check `{}`: `{bad}` is not a JSON pointer", c.id));
            }
            if keys.contains(name.as_str()) {
                return Err(format!("capture `{name}` shadows a field"));
            }
            known.insert(name);
        }
    }
    let id = &p.identity;
    for t in [&id.company, &id.head_count, &id.user, &id.tenant]
        .into_iter()
        .flatten()
    {
        for ph in placeholders(t) {
            if !known.contains(ph) {
                return Err(format!("identity uses unknown `{{{ph}}}`"));
            }
            // Identity is shown and stored in the account book: never a secret.
            if p.field(ph).is_some_and(|f| f.secret) {
                return Err(format!("identity uses secret field `{{{ph}}}`"));
            }
        }
    }
    Ok(())
}

fn validate_expect(p: &Provider, c: &Check, e: &Expect) -> Result<(), String> {
    if !is_pointer(&e.pointer) {
        return Err(format!(
            "check `{}`: `{}` is not a JSON pointer",
            c.id, e.pointer
        ));
    }
    if e.excludes.is_some() && (e.equals.is_some() || e.non_empty || e.absent) {
        return Err(format!(
            "check `{}`: `excludes` cannot go with equals, non_empty or absent",
            c.id
        ));
    }
    if e.absent && (e.equals.is_some() || e.non_empty || e.optional) {
        return Err(format!(
            "check `{}`: `absent` cannot go with equals, non_empty or optional",
            c.id
        ));
    }
    if !e.missing.is_empty() && e.otherwise != Reaction::MissingPermission {
        return Err(format!(
            "check `{}`: `missing` goes with otherwise = \"missing_permission\"",
            c.id
        ));
    }
    for m in &e.missing {
        if !p.permissions.required.contains(m) {
            return Err(format!(
                "check `{}`: `{m}` is missing from what, which is not a required permission",
                c.id
            ));
        }
    }
    Ok(())
}

fn validate_identity(p: &Provider) -> Result<(), String> {
    let id = &p.identity;
    // A constant tenant would make every account of the provider the same one.
    if id
        .tenant
        .as_deref()
        .is_some_and(|t| placeholders(t).is_empty())
    {
        return Err("identity.tenant needs at least one placeholder".into());
    }
    if id.success.is_empty() {
        return Err("identity.success needs at least one line".into());
    }
    let last = id.success.last().map(|s| placeholders(s).is_empty());
    if last != Some(true) {
        return Err("the last identity.success line must have no placeholders".into());
    }
    for line in &id.success {
        for ph in placeholders(line) {
            if !["company", "head_count", "user"].contains(&ph) {
                return Err(format!("identity.success uses unknown `{{{ph}}}`"));
            }
        }
    }
    Ok(())
}

fn validate_messages(p: &Provider) -> Result<(), String> {
    for (code, text) in &p.messages {
        for ph in placeholders(text) {
            let public_field = p.field(ph).is_some_and(|f| !f.secret);
            if !["provider", "missing", "retry"].contains(&ph) && !public_field {
                return Err(format!(
                    "message for {code} uses `{{{ph}}}`, which is neither provider, missing, retry nor a non-secret field"
                ));
            }
        }
    }
    Ok(())
}

/// Translations: only languages Keystep speaks, every one of them, each complete, with the
/// original's placeholders, and (French) no breaking space before `: ; ? ! »` or after `«`.
fn validate_locales(p: &Provider) -> Result<(), String> {
    for code in p.locales.keys() {
        if !Lang::ALL.iter().any(|l| *l != Lang::En && l.code() == code) {
            return Err(format!(
                "locales.{code}: not a language Keystep translates into"
            ));
        }
    }
    let texts = p.texts();
    for lang in Lang::ALL.into_iter().filter(|l| *l != Lang::En) {
        let code = lang.code();
        let table = p
            .locales
            .get(code)
            .ok_or_else(|| format!("locales.{code} is missing: every text needs a translation"))?;
        let translations =
            flatten_locale(table).map_err(|problem| format!("locales.{code}: {problem}"))?;
        for path in translations.keys() {
            if !texts.iter().any(|(p, _)| p == path) {
                return Err(format!(
                    "locales.{code}: `{path}` names no translatable text"
                ));
            }
        }
        for (path, original) in &texts {
            let Some(text) = translations.get(path) else {
                return Err(format!("locales.{code}: `{path}` is not translated"));
            };
            if text.trim().is_empty() {
                return Err(format!("locales.{code}: `{path}` is empty"));
            }
            let mut want = placeholders(original);
            let mut got = placeholders(text);
            want.sort_unstable();
            got.sort_unstable();
            if want != got {
                return Err(format!(
                    "locales.{code}: `{path}` has placeholders {got:?} where the original has {want:?}"
                ));
            }
            if lang == Lang::Fr {
                check_french_spacing(text)
                    .map_err(|problem| format!("locales.{code}: `{path}`: {problem}"))?;
            }
        }
    }
    Ok(())
}

/// French puts a no-break space (U+00A0) before `: ; ? ! »` and after `«`, so a line never
/// wraps between a word and its punctuation. An ordinary space there is refused, which keeps
/// every file consistent.
fn check_french_spacing(text: &str) -> Result<(), String> {
    let chars: Vec<char> = text.chars().collect();
    for pair in chars.windows(2) {
        let bad = match pair {
            [' ', c @ (':' | ';' | '?' | '!' | '»')] => Some(*c),
            ['«', ' '] => Some('«'),
            _ => None,
        };
        if let Some(c) = bad {
            return Err(format!(
                "use a no-break space (U+00A0), not a space, beside “{c}”"
            ));
        }
    }
    Ok(())
}
