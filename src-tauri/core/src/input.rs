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

use std::collections::BTreeMap;

use crate::error::Code;
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
    pub notes: Vec<String>,
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
    mut raw: BTreeMap<String, Secret>,
) -> Result<Credentials, InputError> {
    if let Some(unknown) = raw.keys().find(|k| provider.field(k).is_none()) {
        let known: Vec<&str> = provider.fields.iter().map(|f| f.key.as_str()).collect();
        return Err(InputError {
            field: unknown.clone(),
            message: format!(
                "{} has no field called “{unknown}”. Its fields are: {}.",
                provider.name,
                known.join(", ")
            ),
        });
    }
    let mut creds = Credentials::default();
    for field in &provider.fields {
        let value = raw.remove(&field.key).unwrap_or_else(|| Secret::new(""));
        let err = |message: String| InputError {
            field: field.key.clone(),
            message,
        };
        if value.expose().len() > MAX_FIELD_LEN {
            return Err(err(format!(
                "{} is far too long to be real. Copy only the {} itself.",
                field.label,
                field.label.to_lowercase()
            )));
        }
        let (clean, changes) = match field.kind {
            FieldKind::Token => normalize_token(value.expose()),
            FieldKind::Identifier => normalize_identifier(value.expose()),
            FieldKind::Subdomain => {
                normalize_subdomain(value.expose(), field.domain.as_deref().unwrap_or(""))
            }
            FieldKind::Choice => normalize_choice(value.expose(), field),
        }
        .map_err(|problem| err(problem.sentence(field, &provider.name)))?;
        for change in changes {
            creds.notes.push(format!("{}: {change}", field.label));
        }
        if let Some(pattern) = &field.usual_pattern {
            if !matches_simple_pattern(pattern, &clean) {
                creds.notes.push(format!(
                    "{}: this does not look like a usual {} {} ({}). We will still try it.",
                    field.label, provider.name, field.label, field.example
                ));
            }
        }
        if field.secret {
            creds.secrets.insert(field.key.clone(), Secret::new(clean));
        } else {
            creds.public.insert(field.key.clone(), clean);
        }
    }
    check_across_fields(provider, &creds)?;
    Ok(creds)
}

/// Mistakes only visible with two fields side by side. Messages name fields, never values.
fn check_across_fields(provider: &Provider, creds: &Credentials) -> Result<(), InputError> {
    let typed: Vec<(&Field, &str)> = provider
        .fields
        .iter()
        .filter(|f| f.kind != FieldKind::Choice)
        .filter_map(|f| creds.value(&f.key).map(|v| (f, v)))
        .collect();
    for (i, (a, va)) in typed.iter().enumerate() {
        for (b, vb) in &typed[i + 1..] {
            if va == vb {
                return Err(InputError {
                    field: b.key.clone(),
                    message: format!(
                        "{} and {} hold the same value. Paste each into its own box, as {} shows them.",
                        a.label, b.label, provider.name
                    ),
                });
            }
            if looks_swapped(a, va, b, vb) {
                return Err(InputError {
                    field: a.key.clone(),
                    message: format!(
                        "{} and {} look swapped: each looks like the other one. Paste the {} into the first box and the {} into the second.",
                        a.label, b.label, a.label, b.label
                    ),
                });
            }
        }
    }
    // RFC 7617: a Basic-auth user name cannot hold a colon, so one there is a pasted
    // `id:token` pair, and the request would carry the wrong credential.
    if let Auth::Basic { username, password } = &provider.auth {
        if creds.value(username).is_some_and(|v| v.contains(':')) {
            let label = |key: &str| {
                provider
                    .field(key)
                    .map_or_else(|| key.to_string(), |f| f.label.clone())
            };
            return Err(InputError {
                field: username.clone(),
                message: format!(
                    "{} cannot contain “:”. It looks like the {} and the {} were pasted together; paste each into its own box.",
                    label(username),
                    label(username),
                    label(password)
                ),
            });
        }
    }
    Ok(())
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

/// What a normalizer could not fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// Nothing was given.
    Empty,
    /// Spaces or line breaks inside the value.
    InnerSpace,
    /// Control or other invisible characters.
    Invisible,
    /// Not a single DNS label after cleaning.
    NotALabel,
    /// A host under another domain than the vendor's.
    OtherDomain,
    /// Not one of a choice field's options.
    NotAnOption,
}

impl Problem {
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
            Problem::NotALabel => format!(
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
        }
    }
}

const QUOTES: &[char] = &['"', '\'', '`', '“', '”', '‘', '’', '«', '»'];

fn trim_paste(raw: &str, changes: &mut Vec<String>) -> String {
    let trimmed = raw.trim();
    if trimmed.len() != raw.len() {
        changes.push("we removed spaces or line breaks around it".into());
    }
    let unquoted = trimmed.trim_matches(QUOTES).trim();
    if unquoted.len() != trimmed.len() {
        changes.push("we removed the quotes around it".into());
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
pub fn normalize_token(raw: &str) -> Result<(String, Vec<String>), Problem> {
    let mut changes = Vec::new();
    let mut s = trim_paste(raw, &mut changes);
    // A scheme word counts only as a whole word: "Bearer abc" or a lone "Bearer", never
    // the start of a token such as "tokenABC".
    for word in ["authorization:", "bearer", "token"] {
        let Some(head) = s.get(..word.len()).map(str::to_string) else {
            continue;
        };
        let rest = s[word.len()..].to_string();
        let whole = word.ends_with(':') || rest.is_empty() || rest.starts_with(char::is_whitespace);
        if head.eq_ignore_ascii_case(word) && whole {
            s = rest.trim_start().trim_matches(QUOTES).to_string();
            changes.push(format!("we removed “{head}” in front of it"));
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
pub fn normalize_identifier(raw: &str) -> Result<(String, Vec<String>), Problem> {
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
pub fn normalize_choice(raw: &str, field: &Field) -> Result<(String, Vec<String>), Problem> {
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
pub fn normalize_subdomain(raw: &str, domain: &str) -> Result<(String, Vec<String>), Problem> {
    let mut changes = Vec::new();
    let mut s = trim_paste(raw, &mut changes).to_ascii_lowercase();
    if s.is_empty() {
        return Err(Problem::Empty);
    }
    let mut removed = Vec::new();
    for scheme in ["https://", "http://"] {
        if let Some(rest) = s.strip_prefix(scheme) {
            s = rest.to_string();
            removed.push(scheme.to_string());
        }
    }
    if let Some(cut) = s.find(['/', '?', '#']) {
        if cut + 1 < s.len() {
            removed.push("the page path".to_string());
        }
        s.truncate(cut);
    }
    if let Some(cut) = s.rfind(':') {
        if s[cut + 1..].chars().all(|c| c.is_ascii_digit()) {
            s.truncate(cut);
        }
    }
    if s.contains('@') {
        return Err(Problem::NotALabel);
    }
    let s = s.trim_end_matches('.').to_string();
    if s.contains('.') {
        let suffix = format!(".{domain}");
        match s.strip_suffix(&suffix) {
            Some(label) if !domain.is_empty() => {
                removed.push(suffix.clone());
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
    removed: Vec<String>,
    mut changes: Vec<String>,
) -> Result<(String, Vec<String>), Problem> {
    if !is_dns_label(label) {
        return Err(if label.is_empty() {
            Problem::Empty
        } else {
            Problem::NotALabel
        });
    }
    if !removed.is_empty() {
        changes.push(format!("we removed {}", removed.join(" and ")));
    }
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
        assert_eq!(notes.len(), 3, "each change is reported: {notes:?}");
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
            normalize_token("Authorization: Bearer x1")
                .expect("header")
                .0,
            "x1",
            "a pasted header"
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
            vec!["we removed https:// and the page path and .namely.com"],
            "the change is explained"
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
