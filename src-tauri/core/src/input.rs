//! Cleaning up what people paste, then checking it, before anything is sent.
//!
//! Admins paste tokens with trailing newlines, quotes from a password manager, a leading
//! `Bearer `, or a whole URL into a subdomain box. Each field kind has one normalizer that
//! fixes what can be fixed safely, says what it changed, and rejects the rest with a
//! message naming the field. A subdomain is reduced to a single DNS label so it can never
//! change which host a request goes to.
//!
//! Then the fields are checked against each other, because two-box forms invite pasting
//! into the wrong box: the same value in two boxes, `id:token` pasted into a Basic-auth
//! user name, or two values that each look like the other field's usual shape are refused
//! before anything is sent (HiBob blocks computers that send bad credentials repeatedly).
//!
//! What was changed and what is wrong are closed sets of codes ([`Change`], [`Problem`]) so
//! the window can word them in the person's language; the English sentences here are for
//! logs, the command line and error messages. [`preview_fields`] runs the same analysis as
//! [`parse_fields`] for validation while typing, and reports keys and codes, never values.

use std::collections::BTreeMap;

use crate::error::Code;
use std::fmt;

use serde::Serialize;

use crate::provider::{Auth, Field, FieldKind, Provider};
use crate::secret::Secret;

/// Longest value accepted in any field; far above any real key, far below abuse.
pub const MAX_FIELD_LEN: usize = 4096;

/// Cleaned, checked field values, split by secrecy.
#[derive(Debug, Clone, Default)]
pub struct Credentials {
    /// Non-secret values (subdomain, service user ID): account metadata.
    pub public: BTreeMap<String, String>,
    /// Secret values: only ever sent to the provider and the keychain.
    pub secrets: BTreeMap<String, Secret>,
    /// What the normalizers changed, for the person to read.
    pub notes: Vec<Note>,
}

impl Credentials {
    /// A field's value, secret or not, for building a request.
    pub fn value(&self, key: &str) -> Option<&str> {
        self.public
            .get(key)
            .map(String::as_str)
            .or_else(|| self.secrets.get(key).map(Secret::expose))
    }
}

/// What a normalizer did to a value, or noticed about it. Serialized snake_case, a closed set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// Spaces or line breaks around the value were removed.
    TrimmedWhitespace,
    /// Quotes around the value were removed.
    RemovedQuotes,
    /// A pasted `Authorization:` header name was removed.
    RemovedAuthorizationPrefix,
    /// A pasted `Bearer` scheme word was removed.
    RemovedBearerPrefix,
    /// A pasted `Token` scheme word was removed.
    RemovedTokenPrefix,
    /// `https://` or `http://` was removed from a subdomain.
    RemovedScheme,
    /// A page path (or query) after a host name was removed from a subdomain.
    RemovedPath,
    /// The vendor's domain (the field's `domain`) was removed from a subdomain.
    RemovedDomain,
    /// Not a change: the value does not match the field's usual pattern, and is kept as is.
    UnusualFormat,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Change::TrimmedWhitespace => "we removed spaces or line breaks around it",
            Change::RemovedQuotes => "we removed the quotes around it",
            Change::RemovedAuthorizationPrefix => "we removed “Authorization:” in front of it",
            Change::RemovedBearerPrefix => "we removed “Bearer” in front of it",
            Change::RemovedTokenPrefix => "we removed “Token” in front of it",
            Change::RemovedScheme => "we removed “http://” or “https://” in front of it",
            Change::RemovedPath => "we removed the page path after it",
            Change::RemovedDomain => "we removed the provider's domain after it",
            Change::UnusualFormat => {
                "this does not look like the usual format; we will still try it"
            }
        })
    }
}

/// A change made to one field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Note {
    /// The field's key.
    pub field: String,
    /// What was done.
    pub change: Change,
}

impl Note {
    /// The English sentence for logs and the command line, naming the field by its label
    /// (and the domain or example where that helps). Never the value.
    pub fn describe(&self, provider: &Provider) -> String {
        let Some(field) = provider.field(&self.field) else {
            // Notes are only made for declared fields; a key from elsewhere is not repeated.
            return format!("A field: {}", self.change);
        };
        let label = &field.label;
        match (self.change, field.domain.as_deref()) {
            (Change::RemovedDomain, Some(domain)) => format!("{label}: we removed .{domain}"),
            (Change::UnusualFormat, _) => format!(
                "{label}: this does not look like a usual {} {label} ({}). We will still try it.",
                provider.name, field.example
            ),
            (change, _) => format!("{label}: {change}"),
        }
    }
}

/// A field's problem, as [`preview_fields`] reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldProblem {
    /// The field's key.
    pub field: String,
    /// What is wrong.
    pub problem: Problem,
    /// For problems between two fields: the other one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub other: Option<String>,
}

/// What the form would become: each field's changes and problems, by key and code only.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FieldsPreview {
    /// What the normalizers changed, per field in form order.
    pub notes: Vec<Note>,
    /// At most one problem per field: its own first, then those between fields.
    pub problems: Vec<FieldProblem>,
}

/// A field value that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct InputError {
    /// The field's key.
    pub field: String,
    /// What is wrong and what to do, naming the field by its label.
    pub message: String,
}

impl InputError {
    /// Always [`Code::InvalidInput`].
    pub fn code(&self) -> Code {
        Code::InvalidInput
    }
}

/// Normalizes and checks every field of `provider` from raw form values.
///
/// Unknown keys are rejected (a typo in a CLI `--field` must not be ignored). Secret raw
/// values are moved into [`Secret`]s.
///
/// # Errors
/// The first field that is missing, unknown or unusable.
pub fn parse_fields(
    provider: &Provider,
    raw: BTreeMap<String, Secret>,
) -> Result<Credentials, InputError> {
    let (creds, problems) = analyse(provider, raw);
    match problems.into_iter().next() {
        Some(found) => Err(InputError {
            message: found.sentence(provider),
            field: found.field,
        }),
        None => Ok(creds),
    }
}

/// What [`parse_fields`] would change and refuse, for validation as the person types.
/// Nothing is sent; the values are dropped (and wiped) before this returns.
pub fn preview_fields(provider: &Provider, raw: BTreeMap<String, Secret>) -> FieldsPreview {
    let (creds, problems) = analyse(provider, raw);
    FieldsPreview {
        notes: creds.notes,
        problems,
    }
}

/// The one analysis behind [`parse_fields`] and [`preview_fields`]: every field cleaned and
/// checked, then the fields without problems checked against each other. Problems come in
/// the order `parse_fields` reports them: unknown keys, each field in form order, then the
/// problems between fields.
fn analyse(
    provider: &Provider,
    mut raw: BTreeMap<String, Secret>,
) -> (Credentials, Vec<FieldProblem>) {
    let problem = |field: &str, problem: Problem| FieldProblem {
        field: field.to_string(),
        problem,
        other: None,
    };
    let mut problems: Vec<FieldProblem> = raw
        .keys()
        .filter(|k| provider.field(k).is_none())
        .map(|k| problem(k, Problem::UnknownField))
        .collect();
    let mut creds = Credentials::default();
    for field in &provider.fields {
        let value = raw.remove(&field.key).unwrap_or_else(|| Secret::new(""));
        if value.expose().len() > MAX_FIELD_LEN {
            problems.push(problem(&field.key, Problem::TooLong));
            continue;
        }
        let cleaned = match field.kind {
            FieldKind::Token => normalize_token(value.expose()),
            FieldKind::Identifier => normalize_identifier(value.expose()),
            FieldKind::Subdomain => {
                normalize_subdomain(value.expose(), field.domain.as_deref().unwrap_or(""))
            }
            FieldKind::Choice => normalize_choice(value.expose(), field),
        };
        let (clean, mut changes) = match cleaned {
            Ok(done) => done,
            Err(p) => {
                problems.push(problem(&field.key, p));
                continue;
            }
        };
        if let Some(pattern) = &field.usual_pattern {
            if !matches_simple_pattern(pattern, &clean) {
                changes.push(Change::UnusualFormat);
            }
        }
        creds.notes.extend(changes.into_iter().map(|change| Note {
            field: field.key.clone(),
            change,
        }));
        if field.secret {
            creds.secrets.insert(field.key.clone(), Secret::new(clean));
        } else {
            creds.public.insert(field.key.clone(), clean);
        }
    }
    for found in check_across_fields(provider, &creds) {
        if !problems.iter().any(|p| p.field == found.field) {
            problems.push(found);
        }
    }
    (creds, problems)
}

/// Mistakes only visible with two fields side by side, among fields that are fine alone.
/// Problems name fields, never values.
fn check_across_fields(provider: &Provider, creds: &Credentials) -> Vec<FieldProblem> {
    let mut found = Vec::new();
    let pair = |field: &str, problem: Problem, other: &str| FieldProblem {
        field: field.to_string(),
        problem,
        other: Some(other.to_string()),
    };
    let typed: Vec<(&Field, &str)> = provider
        .fields
        .iter()
        .filter(|f| f.kind != FieldKind::Choice)
        .filter_map(|f| creds.value(&f.key).map(|v| (f, v)))
        .collect();
    for (i, (a, va)) in typed.iter().enumerate() {
        for (b, vb) in &typed[i + 1..] {
            if va == vb {
                found.push(pair(&b.key, Problem::SameValue, &a.key));
            } else if looks_swapped(a, va, b, vb) {
                found.push(pair(&a.key, Problem::Swapped, &b.key));
            }
        }
    }
    // RFC 7617: a Basic-auth user name cannot hold a colon, so one there is a pasted
    // `id:token` pair, and the request would carry the wrong credential.
    if let Auth::Basic { username, password } = &provider.auth {
        if creds.value(username).is_some_and(|v| v.contains(':')) {
            found.push(pair(username, Problem::PastedTogether, password));
        }
    }
    found
}

/// Whether each value fails its own field's usual pattern and matches the other's. Both
/// fields must declare a pattern, so that only a clear swap is refused.
fn looks_swapped(a: &Field, va: &str, b: &Field, vb: &str) -> bool {
    let (Some(pa), Some(pb)) = (&a.usual_pattern, &b.usual_pattern) else {
        return false;
    };
    !matches_simple_pattern(pa, va)
        && matches_simple_pattern(pb, va)
        && !matches_simple_pattern(pb, vb)
        && matches_simple_pattern(pa, vb)
}

/// What makes a field unusable. Serialized snake_case, a closed set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Problem {
    /// Nothing was given.
    Empty,
    /// Longer than [`MAX_FIELD_LEN`].
    TooLong,
    /// Spaces or line breaks inside the value.
    InnerSpace,
    /// Control or other invisible characters.
    Invisible,
    /// Not a single DNS label after cleaning.
    NotASubdomain,
    /// A host under another domain than the vendor's.
    OtherDomain,
    /// Not one of a choice field's options.
    NotAnOption,
    /// The provider has no field with this key.
    UnknownField,
    /// The same value as the other field.
    SameValue,
    /// Each value looks like the other field's.
    Swapped,
    /// A Basic-auth user name holding `:`, so both values were pasted into it.
    PastedTogether,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Problem::Empty => "nothing was given",
            Problem::TooLong => "far too long to be real",
            Problem::InnerSpace => "a space or line break in the middle",
            Problem::Invisible => "invisible characters",
            Problem::NotASubdomain => "not a single name of letters, digits and hyphens",
            Problem::OtherDomain => "an address of another site",
            Problem::NotAnOption => "not one of the options",
            Problem::UnknownField => "no such field",
            Problem::SameValue => "the same value as another field",
            Problem::Swapped => "swapped with another field",
            Problem::PastedTogether => "two values pasted together",
        })
    }
}

impl FieldProblem {
    /// The English sentence for the person (error messages, the command line), naming
    /// fields by their declared labels, never values, and never a key the provider does not
    /// declare: that key came from outside (standard input, a script) and may be a pasted
    /// secret.
    pub fn sentence(&self, provider: &Provider) -> String {
        let label = |key: &str| {
            provider
                .field(key)
                .map_or_else(|| "A field".to_string(), |f| f.label.clone())
        };
        let name = &provider.name;
        let this = label(&self.field);
        let other = self.other.as_deref().map(label).unwrap_or_default();
        match self.problem {
            Problem::UnknownField => {
                let known: Vec<&str> = provider.fields.iter().map(|f| f.key.as_str()).collect();
                format!(
                    "{name} has no field by that name. Its fields are: {}.",
                    known.join(", ")
                )
            }
            Problem::TooLong => format!(
                "{this} is far too long to be real. Copy only the {} itself.",
                this.to_lowercase()
            ),
            Problem::SameValue => format!(
                "{other} and {this} hold the same value. Paste each into its own box, as {name} shows them."
            ),
            Problem::Swapped => format!(
                "{this} and {other} look swapped: each looks like the other one. Paste the {this} into the first box and the {other} into the second."
            ),
            Problem::PastedTogether => format!(
                "{this} cannot contain “:”. It looks like the {this} and the {other} were pasted together; paste each into its own box."
            ),
            own => match provider.field(&self.field) {
                Some(field) => own.sentence(field, name),
                None => format!("{this}: {own}."),
            },
        }
    }
}

impl Problem {
    /// The sentence for a problem of one field on its own.
    fn sentence(self, field: &Field, provider: &str) -> String {
        let label = &field.label;
        match self {
            Problem::Empty => format!("Paste your {} to continue.", label),
            Problem::InnerSpace => format!(
                "{label} has a space or line break in the middle. Copy it again from {provider} in one piece."
            ),
            Problem::Invisible => format!(
                "{label} contains invisible characters. Copy it again from {provider}, or type it."
            ),
            Problem::NotASubdomain => format!(
                "{label} should be a single name such as “acme”: letters, digits and hyphens only."
            ),
            Problem::OtherDomain => format!(
                "That address is not a {provider} address. Enter only your company's {label}, for example “acme”."
            ),
            Problem::NotAnOption => {
                let labels: Vec<&str> = field.options.iter().map(|o| o.label.as_str()).collect();
                let choices = match labels.split_last() {
                    Some((last, init)) if !init.is_empty() => {
                        format!("{} or {last}", init.join(", "))
                    }
                    _ => labels.join(""),
                };
                format!("{label} must be {choices}.")
            }
            other => format!("{label}: {other}."),
        }
    }
}

const QUOTES: &[char] = &['"', '\'', '`', '“', '”', '‘', '’', '«', '»'];

fn trim_paste(raw: &str, changes: &mut Vec<Change>) -> String {
    let trimmed = raw.trim();
    if trimmed.len() != raw.len() {
        changes.push(Change::TrimmedWhitespace);
    }
    let unquoted = trimmed.trim_matches(QUOTES).trim();
    if unquoted.len() != trimmed.len() {
        changes.push(Change::RemovedQuotes);
    }
    unquoted.to_string()
}

fn reject_invisible(s: &str) -> Result<(), Problem> {
    if s.chars().any(|c| c.is_whitespace()) {
        return Err(Problem::InnerSpace);
    }
    if s.chars()
        .any(|c| c.is_control() || matches!(c, '\u{200B}'..='\u{200F}' | '\u{2060}' | '\u{FEFF}'))
    {
        return Err(Problem::Invisible);
    }
    Ok(())
}

/// Cleans a token: trims, unquotes, removes a pasted `Bearer ` or `Authorization:` prefix.
///
/// # Errors
/// Empty, or with spaces or invisible characters inside.
pub fn normalize_token(raw: &str) -> Result<(String, Vec<Change>), Problem> {
    let mut changes = Vec::new();
    let mut s = trim_paste(raw, &mut changes);
    // A scheme word counts only as a whole word: "Bearer abc" or a lone "Bearer", never
    // the start of a token such as "tokenABC".
    for (word, change) in [
        ("authorization:", Change::RemovedAuthorizationPrefix),
        ("bearer", Change::RemovedBearerPrefix),
        ("token", Change::RemovedTokenPrefix),
    ] {
        let Some(head) = s.get(..word.len()).map(str::to_string) else {
            continue;
        };
        let rest = s[word.len()..].to_string();
        let whole = word.ends_with(':') || rest.is_empty() || rest.starts_with(char::is_whitespace);
        if head.eq_ignore_ascii_case(word) && whole {
            s = rest.trim_start().trim_matches(QUOTES).to_string();
            changes.push(change);
        }
    }
    if s.is_empty() {
        return Err(Problem::Empty);
    }
    reject_invisible(&s)?;
    Ok((s, changes))
}

/// Cleans an identifier: trims and unquotes.
///
/// # Errors
/// Empty, or with spaces or invisible characters inside.
pub fn normalize_identifier(raw: &str) -> Result<(String, Vec<Change>), Problem> {
    let mut changes = Vec::new();
    let s = trim_paste(raw, &mut changes);
    if s.is_empty() {
        return Err(Problem::Empty);
    }
    reject_invisible(&s)?;
    Ok((s, changes))
}

/// Picks a choice field's option by value or label, ignoring case; an empty value takes
/// the field's default, so a form that cannot show choices still works.
///
/// # Errors
/// Empty without a default, or not an option.
pub fn normalize_choice(raw: &str, field: &Field) -> Result<(String, Vec<Change>), Problem> {
    let mut changes = Vec::new();
    let s = trim_paste(raw, &mut changes);
    if s.is_empty() {
        // An untouched choice is not a paste worth commenting on.
        return field
            .default
            .clone()
            .map(|d| (d, Vec::new()))
            .ok_or(Problem::Empty);
    }
    field
        .options
        .iter()
        .find(|o| o.value.eq_ignore_ascii_case(&s) || o.label.eq_ignore_ascii_case(&s))
        .map(|o| (o.value.clone(), changes))
        .ok_or(Problem::NotAnOption)
}

/// Reduces `acme`, `acme.namely.com`, `https://acme.namely.com/people` to `acme`.
///
/// The result is always one DNS label (1–63 of `a-z0-9-`, not starting or ending with
/// `-`), so it can only ever name a subdomain of `domain`.
///
/// # Errors
/// Empty, under another domain, or not a label after cleaning.
pub fn normalize_subdomain(raw: &str, domain: &str) -> Result<(String, Vec<Change>), Problem> {
    let mut changes = Vec::new();
    let mut s = trim_paste(raw, &mut changes).to_ascii_lowercase();
    if s.is_empty() {
        return Err(Problem::Empty);
    }
    let mut removed = Vec::new();
    for scheme in ["https://", "http://"] {
        if let Some(rest) = s.strip_prefix(scheme) {
            s = rest.to_string();
            removed.push(Change::RemovedScheme);
        }
    }
    if let Some(cut) = s.find(['/', '?', '#']) {
        if cut + 1 < s.len() {
            removed.push(Change::RemovedPath);
        }
        s.truncate(cut);
    }
    if let Some(cut) = s.rfind(':') {
        if s[cut + 1..].chars().all(|c| c.is_ascii_digit()) {
            s.truncate(cut);
        }
    }
    if s.contains('@') {
        return Err(Problem::NotASubdomain);
    }
    let s = s.trim_end_matches('.').to_string();
    if s.contains('.') {
        let suffix = format!(".{domain}");
        match s.strip_suffix(&suffix) {
            Some(label) if !domain.is_empty() => {
                removed.push(Change::RemovedDomain);
                let label = label.strip_prefix("www.").unwrap_or(label);
                return finish_label(label, removed, changes);
            }
            _ => return Err(Problem::OtherDomain),
        }
    }
    finish_label(&s, removed, changes)
}

fn finish_label(
    label: &str,
    removed: Vec<Change>,
    mut changes: Vec<Change>,
) -> Result<(String, Vec<Change>), Problem> {
    if !is_dns_label(label) {
        return Err(if label.is_empty() {
            Problem::Empty
        } else {
            Problem::NotASubdomain
        });
    }
    // Reported only once the label is good: a refusal needs no account of the clean-up.
    changes.extend(removed);
    Ok((label.to_string(), changes))
}

/// Whether `s` is one DNS label of lowercase letters, digits and inner hyphens.
pub fn is_dns_label(s: &str) -> bool {
    (1..=63).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// Matches the small regular-expression subset provider files use for `usual_pattern`:
/// `^[classes]{n}$` and `^[classes]{n,m}$` and `^[classes]+$`. Anything else is treated as
/// matching, so an unsupported pattern can only ever silence a note, never block a key.
pub fn matches_simple_pattern(pattern: &str, value: &str) -> bool {
    let Some(inner) = pattern.strip_prefix("^[").and_then(|p| p.strip_suffix('$')) else {
        return true;
    };
    let Some(close) = inner.find(']') else {
        return true;
    };
    let (class, quant) = (&inner[..close], &inner[close + 1..]);
    let mut ranges = Vec::new();
    let chars: Vec<char> = class.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if i + 2 < chars.len() && chars[i + 1] == '-' {
            ranges.push((chars[i], chars[i + 2]));
            i += 3;
        } else {
            ranges.push((chars[i], chars[i]));
            i += 1;
        }
    }
    let in_class = |c: char| ranges.iter().any(|(a, b)| (*a..=*b).contains(&c));
    let n = value.chars().count();
    let count_ok = match quant {
        "+" => n >= 1,
        q if q.starts_with('{') && q.ends_with('}') => {
            let body = &q[1..q.len() - 1];
            match body.split_once(',') {
                Some((lo, hi)) => match (lo.parse::<usize>(), hi.parse::<usize>()) {
                    (Ok(lo), Ok(hi)) => (lo..=hi).contains(&n),
                    _ => return true,
                },
                None => match body.parse::<usize>() {
                    Ok(exact) => n == exact,
                    Err(_) => return true,
                },
            }
        }
        _ => return true,
    };
    count_ok && value.chars().all(in_class)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_lose_paste_noise() {
        let (t, notes) = normalize_token("  \"Bearer abc123\"\n").expect("fixable");
        assert_eq!(t, "abc123", "quotes, Bearer and whitespace removed");
        assert_eq!(
            notes,
            [
                Change::TrimmedWhitespace,
                Change::RemovedQuotes,
                Change::RemovedBearerPrefix
            ],
            "each change is reported, in order"
        );
        assert_eq!(
            normalize_token("abc").expect("clean").1.len(),
            0,
            "clean input, no notes"
        );
        assert_eq!(
            normalize_token("tokenABC").expect("kept").0,
            "tokenABC",
            "not a prefix word"
        );
        assert_eq!(
            normalize_token("Authorization: Bearer x1").expect("header"),
            (
                "x1".to_string(),
                vec![
                    Change::RemovedAuthorizationPrefix,
                    Change::RemovedBearerPrefix
                ]
            ),
            "a pasted header"
        );
        assert_eq!(
            normalize_token("token x1").expect("scheme word").1,
            [Change::RemovedTokenPrefix],
            "a Token scheme word"
        );
    }

    #[test]
    fn tokens_with_inner_space_or_nothing_are_refused() {
        assert_eq!(
            normalize_token("ab c"),
            Err(Problem::InnerSpace),
            "inner space"
        );
        assert_eq!(normalize_token("  \n"), Err(Problem::Empty), "blank");
        assert_eq!(
            normalize_token("Bearer "),
            Err(Problem::Empty),
            "prefix only"
        );
        assert_eq!(
            normalize_token("ab\u{200B}c"),
            Err(Problem::Invisible),
            "zero-width space"
        );
    }

    #[test]
    fn subdomains_reduce_to_one_label() {
        for raw in [
            "acme",
            "ACME",
            " acme.namely.com ",
            "https://acme.namely.com/people/123?x=1",
            "acme.namely.com:443",
            "http://www.acme.namely.com",
        ] {
            let (label, _) = normalize_subdomain(raw, "namely.com").expect(raw);
            assert_eq!(label, "acme", "{raw:?} should reduce to acme");
        }
        let (_, notes) =
            normalize_subdomain("https://acme.namely.com/x", "namely.com").expect("url");
        assert_eq!(
            notes,
            [
                Change::RemovedScheme,
                Change::RemovedPath,
                Change::RemovedDomain
            ],
            "each change is explained, in order"
        );
    }

    #[test]
    fn subdomains_that_could_change_the_host_are_refused() {
        for raw in [
            "evil.com",
            "acme.namely.com.evil.com",
            "ac me",
            "acme\\x",
            "user@evil.com",
            "a_b",
            "-acme",
            "acme.evil.namely.co",
        ] {
            let got = normalize_subdomain(raw, "namely.com");
            assert!(got.is_err(), "{raw:?} must be refused, got {got:?}");
        }
    }

    fn choice_field() -> Field {
        Field {
            key: "environment".into(),
            label: "Environment".into(),
            help: String::new(),
            secret: false,
            kind: FieldKind::Choice,
            example: "Production".into(),
            usual_pattern: None,
            domain: None,
            options: vec![
                crate::provider::Choice {
                    value: "production".into(),
                    label: "Production".into(),
                    host: Some("api".into()),
                },
                crate::provider::Choice {
                    value: "sandbox".into(),
                    label: "Sandbox".into(),
                    host: Some("sandbox".into()),
                },
            ],
            default: Some("production".into()),
        }
    }

    #[test]
    fn choices_match_value_or_label_and_default_when_blank() {
        let f = choice_field();
        for (raw, want) in [
            ("sandbox", "sandbox"),
            (" Sandbox\n", "sandbox"),
            ("\"PRODUCTION\"", "production"),
            ("", "production"),
            ("   ", "production"),
        ] {
            let got = normalize_choice(raw, &f).map(|(v, _)| v);
            assert_eq!(got.as_deref(), Ok(want), "{raw:?}");
        }
        assert_eq!(
            normalize_choice("staging", &f),
            Err(Problem::NotAnOption),
            "not an option"
        );
        let no_default = Field {
            default: None,
            ..choice_field()
        };
        assert_eq!(
            normalize_choice("", &no_default),
            Err(Problem::Empty),
            "blank without a default"
        );
        assert_eq!(
            Problem::NotAnOption.sentence(&f, "HiBob"),
            "Environment must be Production or Sandbox.",
            "the options are named"
        );
    }

    fn raw(pairs: &[(&str, &str)]) -> BTreeMap<String, Secret> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), Secret::new(*v)))
            .collect()
    }

    fn catalogue() -> crate::provider::Catalogue {
        crate::provider::Catalogue::embedded().expect("catalogue")
    }

    #[test]
    fn previews_report_changes_and_problems_by_field() {
        let cat = catalogue();
        let namely = cat.get("namely").expect("namely");
        let preview = preview_fields(
            namely,
            raw(&[(
                "subdomain",
                " https://acme.namely.com/people
",
            )]),
        );
        let notes: Vec<(&str, Change)> = preview
            .notes
            .iter()
            .map(|n| (n.field.as_str(), n.change))
            .collect();
        assert_eq!(
            notes,
            [
                ("subdomain", Change::TrimmedWhitespace),
                ("subdomain", Change::RemovedScheme),
                ("subdomain", Change::RemovedPath),
                ("subdomain", Change::RemovedDomain),
            ],
            "the subdomain's clean-up"
        );
        assert_eq!(
            preview.problems,
            [FieldProblem {
                field: "access_token".into(),
                problem: Problem::Empty,
                other: None
            }],
            "the empty token box"
        );
        let hibob = cat.get("hibob").expect("hibob");
        let preview = preview_fields(
            hibob,
            raw(&[
                ("service_user_id", "SERVICE-1:abc"),
                ("service_user_token", "abc def"),
                ("region", "eu"),
            ]),
        );
        let problems: Vec<(&str, Problem, Option<&str>)> = preview
            .problems
            .iter()
            .map(|p| (p.field.as_str(), p.problem, p.other.as_deref()))
            .collect();
        assert_eq!(
            problems,
            [
                ("region", Problem::UnknownField, None),
                ("service_user_token", Problem::InnerSpace, None),
                (
                    "service_user_id",
                    Problem::PastedTogether,
                    Some("service_user_token")
                ),
            ],
            "unknown keys first, then each field, then between fields"
        );
    }

    #[test]
    fn previews_name_both_fields_of_a_mix_up() {
        let cat = catalogue();
        let hibob = cat.get("hibob").expect("hibob");
        let long = "A".repeat(40);
        let same = preview_fields(
            hibob,
            raw(&[("service_user_id", "abc"), ("service_user_token", "abc")]),
        );
        assert_eq!(
            same.problems,
            [FieldProblem {
                field: "service_user_token".into(),
                problem: Problem::SameValue,
                other: Some("service_user_id".into())
            }],
            "the same value twice"
        );
        let swapped = preview_fields(
            hibob,
            raw(&[
                ("service_user_id", &long),
                ("service_user_token", "SERVICE-1"),
            ]),
        );
        assert_eq!(
            swapped.problems,
            [FieldProblem {
                field: "service_user_id".into(),
                problem: Problem::Swapped,
                other: Some("service_user_token".into())
            }],
            "swapped boxes"
        );
        assert!(
            swapped
                .notes
                .iter()
                .any(|n| n.field == "service_user_token" && n.change == Change::UnusualFormat),
            "a token box holding an ID is unusual: {:?}",
            swapped.notes
        );
    }

    #[test]
    fn parsing_refuses_what_the_preview_reports_first() {
        let cat = catalogue();
        let hibob = cat.get("hibob").expect("hibob");
        let long = "A".repeat(40);
        let cases: [&[(&str, &str)]; 6] = [
            &[("service_user_id", "abc"), ("service_user_token", "abc")],
            &[
                ("service_user_id", &long),
                ("service_user_token", "SERVICE-1"),
            ],
            &[("service_user_id", "a:b"), ("service_user_token", &long)],
            &[("service_user_id", ""), ("service_user_token", &long)],
            &[("nope", "x"), ("service_user_id", "abc")],
            &[
                ("service_user_id", "SERVICE-1"),
                ("service_user_token", &long),
            ],
        ];
        for pairs in cases {
            let preview = preview_fields(hibob, raw(pairs));
            let parsed = parse_fields(hibob, raw(pairs));
            match (preview.problems.first(), parsed) {
                (None, Ok(creds)) => assert_eq!(creds.notes, preview.notes, "{pairs:?}"),
                (Some(first), Err(e)) => {
                    assert_eq!(e.field, first.field, "{pairs:?}");
                    assert_eq!(e.message, first.sentence(hibob), "{pairs:?}");
                }
                (p, c) => panic!("{pairs:?}: preview {p:?} but parse {c:?}"),
            }
        }
    }

    #[test]
    fn previews_and_sentences_never_hold_a_value() {
        let cat = catalogue();
        let hibob = cat.get("hibob").expect("hibob");
        let canary = "CanaryValue0123456789Canary";
        for pairs in [
            vec![("service_user_id", canary), ("service_user_token", canary)],
            vec![
                ("service_user_id", "  \"x1\" "),
                ("service_user_token", &*format!("Bearer {canary} x")),
            ],
            vec![("service_user_id", &*format!("{canary}:{canary}"))],
        ] {
            let preview = preview_fields(hibob, raw(&pairs));
            let json = serde_json::to_string(&preview).expect("serializes");
            assert!(!json.contains("Canary"), "no value in {json}");
            for p in &preview.problems {
                assert!(!p.sentence(hibob).contains("Canary"), "{p:?}");
            }
        }
    }

    #[test]
    fn codes_serialize_as_documented() {
        let json = serde_json::to_value(FieldsPreview {
            notes: vec![Note {
                field: "api_key".into(),
                change: Change::RemovedAuthorizationPrefix,
            }],
            problems: vec![
                FieldProblem {
                    field: "subdomain".into(),
                    problem: Problem::NotASubdomain,
                    other: None,
                },
                FieldProblem {
                    field: "b".into(),
                    problem: Problem::PastedTogether,
                    other: Some("a".into()),
                },
            ],
        })
        .expect("serializes");
        assert_eq!(
            json,
            serde_json::json!({
                "notes": [{"field": "api_key", "change": "removed_authorization_prefix"}],
                "problems": [
                    {"field": "subdomain", "problem": "not_a_subdomain"},
                    {"field": "b", "problem": "pasted_together", "other": "a"}
                ]
            }),
            "the shape the window relies on"
        );
    }

    #[test]
    fn swapped_values_need_both_patterns_to_say_so() {
        let field = |key: &str, pattern: Option<&str>| Field {
            key: key.into(),
            label: key.into(),
            help: String::new(),
            secret: false,
            kind: FieldKind::Token,
            example: String::new(),
            usual_pattern: pattern.map(String::from),
            domain: None,
            options: Vec::new(),
            default: None,
        };
        let id = field("id", Some("^[A-Za-z0-9-]{1,36}$"));
        let token = field("token", Some("^[A-Za-z0-9]{20,128}$"));
        let long = "A".repeat(40);
        assert!(
            looks_swapped(&id, &long, &token, "SERVICE-1"),
            "each looks like the other"
        );
        assert!(
            !looks_swapped(&id, "SERVICE-1", &token, &long),
            "the right way round"
        );
        assert!(
            !looks_swapped(&id, "A1", &token, "B2"),
            "short token: each fits its own box, not a clear swap"
        );
        assert!(
            !looks_swapped(&field("id", None), &long, &token, "SERVICE-1"),
            "without both patterns nothing is claimed"
        );
    }

    #[test]
    fn simple_patterns_match_as_documented() {
        assert!(
            matches_simple_pattern("^[A-Za-z0-9]{32}$", &"a".repeat(32)),
            "exact"
        );
        assert!(
            !matches_simple_pattern("^[A-Za-z0-9]{32}$", "short"),
            "too short"
        );
        assert!(!matches_simple_pattern("^[a-z]+$", "ABC"), "wrong class");
        assert!(
            matches_simple_pattern("(unsupported", "anything"),
            "unsupported passes"
        );
    }
}
