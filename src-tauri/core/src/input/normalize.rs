//! The normalizers: one per field kind, each fixing what can be fixed safely in a pasted
//! value (whitespace, quotes, a `Bearer ` prefix, a whole URL in a subdomain box), saying
//! what it changed ([`Change`]) and refusing the rest ([`Problem`]). They see one value at
//! a time; checks between fields are the parent module's.

use crate::provider::Field;

use super::{Change, Problem};

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

/// Shortest token accepted. Every provider's keys are far longer (20 characters and more);
/// a shorter value is a fragment: the end of a selection, or the fingerprint the account
/// list shows ("…x7Qa"). Refused before anything is sent, so a fragment is never sent as a
/// key and blamed on the key.
pub const MIN_TOKEN_CHARS: usize = 8;

/// The first words of a pasted command line: curl, wget, HTTPie, PowerShell's.
const COMMANDS: &[&str] = &[
    "curl",
    "wget",
    "http",
    "https",
    "xh",
    "invoke-restmethod",
    "invoke-webrequest",
    "irm",
    "iwr",
];

/// What a whole paste is, when it is plainly not a key: a command line (its first word,
/// after a shell prompt's `$ `, is a known HTTP tool's) or a web address.
fn pasted_whole(s: &str) -> Option<Problem> {
    let line = s.trim_start_matches(['$', '>', '#', ' ']);
    let first = line
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    if line.contains(char::is_whitespace) && COMMANDS.contains(&first.as_str()) {
        return Some(Problem::PastedCommand);
    }
    let lower = s.get(..8).unwrap_or(s).to_ascii_lowercase();
    if lower.starts_with("https://") || lower.starts_with("http://") || lower.starts_with("www.") {
        return Some(Problem::PastedUrl);
    }
    None
}

/// Refuses a paste that is plainly not a key or an identifier ([`pasted_whole`]).
fn refuse_whole_paste(s: &str) -> Result<(), Problem> {
    match pasted_whole(s) {
        Some(problem) => Err(problem),
        None => Ok(()),
    }
}

/// Cleans a token: trims, unquotes, removes a pasted `Bearer ` or `Authorization:` prefix.
///
/// # Errors
/// Empty; a whole command line or a web address rather than a key; spaces or invisible
/// characters inside; shorter than [`MIN_TOKEN_CHARS`].
pub fn normalize_token(raw: &str) -> Result<(String, Vec<Change>), Problem> {
    let mut changes = Vec::new();
    let mut s = trim_paste(raw, &mut changes);
    refuse_whole_paste(&s)?;
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
    refuse_whole_paste(&s)?;
    reject_invisible(&s)?;
    if s.chars().count() < MIN_TOKEN_CHARS {
        return Err(Problem::TooShort);
    }
    Ok((s, changes))
}

/// Cleans an identifier: trims and unquotes.
///
/// # Errors
/// Empty; a whole command line or a web address; spaces or invisible characters inside.
pub fn normalize_identifier(raw: &str) -> Result<(String, Vec<Change>), Problem> {
    let mut changes = Vec::new();
    let s = trim_paste(raw, &mut changes);
    if s.is_empty() {
        return Err(Problem::Empty);
    }
    refuse_whole_paste(&s)?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::FieldKind;

    #[test]
    fn tokens_lose_paste_noise() {
        let (t, notes) = normalize_token("  \"Bearer abc123def\"\n").expect("fixable");
        assert_eq!(t, "abc123def", "quotes, Bearer and whitespace removed");
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
            normalize_token("abcdefgh").expect("clean").1.len(),
            0,
            "clean input, no notes"
        );
        assert_eq!(
            normalize_token("tokenABCDEF").expect("kept").0,
            "tokenABCDEF",
            "not a prefix word"
        );
        assert_eq!(
            normalize_token("Authorization: Bearer x1y2z3w4").expect("header"),
            (
                "x1y2z3w4".to_string(),
                vec![
                    Change::RemovedAuthorizationPrefix,
                    Change::RemovedBearerPrefix
                ]
            ),
            "a pasted header"
        );
        assert_eq!(
            normalize_token("token x1y2z3w4").expect("scheme word").1,
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
    fn an_address_a_command_line_or_a_fragment_is_not_a_key() {
        for (raw, problem) in [
            ("https://app.humaans.io/settings/api-tokens", Problem::PastedUrl),
            ("  HTTP://api.example.com/v1?token=abc ", Problem::PastedUrl),
            ("\"www.hibob.com/\"", Problem::PastedUrl),
            (
                "curl -H \"Authorization: Bearer QzXv0123456789abcdef\" https://app.humaans.io/api/me",
                Problem::PastedCommand,
            ),
            ("$ curl -u id:token https://api.hibob.com/v1/people", Problem::PastedCommand),
            ("wget --header='x: y' https://x.example", Problem::PastedCommand),
            ("http GET https://x.example Authorization:abc", Problem::PastedCommand),
            ("Invoke-RestMethod -Uri https://x.example", Problem::PastedCommand),
            ("x7Q", Problem::TooShort),
            ("…x7Qa", Problem::TooShort),
            ("Bearer abc", Problem::TooShort),
        ] {
            assert_eq!(normalize_token(raw), Err(problem), "{raw:?}");
        }
        for raw in ["https://x.example", "curl -s https://x.example"] {
            assert!(
                normalize_identifier(raw).is_err(),
                "{raw:?} is no identifier either"
            );
        }
        for key in [
            "httpsAbcdefgh12345678",
            "curlyToken1234567890",
            "wwwToken12345678",
            "abcdefgh",
        ] {
            assert!(
                normalize_token(key).is_ok(),
                "{key:?} is a key that only starts like one"
            );
        }
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
                    days: None,
                },
                crate::provider::Choice {
                    value: "sandbox".into(),
                    label: "Sandbox".into(),
                    host: Some("sandbox".into()),
                    days: None,
                },
            ],
            default: Some("production".into()),
            retired: None,
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
    }
}
