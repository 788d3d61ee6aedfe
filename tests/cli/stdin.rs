//! Fuzzing what a script pipes into `keystep verify` and what a person pastes into a form:
//! the standard-input parser (`cli::read_stdin_fields`) and the normalizers behind
//! `input::parse_fields`, for every provider. Nothing panics, and no error text (nor any
//! note) carries any part of what came in.
//!
//! How "no part" is checked without false alarms: generated input mixes printable ASCII,
//! line structure (`=`, `#`, quotes, tabs, CR, NUL, a zero-width space) and characters no
//! message of Keystep's ever uses (the `MARK` alphabet: Cyrillic, Greek, Old English).
//! ASCII fragments can legitimately match a message ("api_token" is both a field key and
//! a typo), but a single marked character in an error text can only have come from the
//! input. So the assertion is that no marked character appears at all, which is stricter
//! than "no fragment of four characters".

use std::collections::BTreeMap;

use keystep_cli::commands::read_stdin_fields;
use keystep_core::input::{parse_fields, preview_fields};
use keystep_core::secret::Secret;
use proptest::prelude::*;

/// Characters that appear in no message, label or provider text Keystep writes in English.
const MARK: &str = "жЖλΩßðþøЯ";

/// Generated cases per property: enough to cover the shapes, a second or two in CI.
const CASES: u32 = 300;

fn marked(text: &str) -> bool {
    text.chars().any(|c| MARK.contains(c))
}

/// A value or name: runs of marked letters, printable ASCII and awkward characters.
fn piece() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            "[жЖλΩßðþøЯ]{1,8}",
            "[ -~]{0,8}",
            "[=#\"'` \\t\\r\\x00\\u{200B}]{1,3}",
            Just("Bearer ".to_string()),
            Just("https://".to_string()),
            Just(".namely.com".to_string()),
            Just("==".to_string()),
        ],
        0..6,
    )
    .prop_map(|parts| parts.concat())
}

/// One provider id and a field key of it (or not), to build names from.
fn provider_and_keys() -> impl Strategy<Value = (String, Vec<String>)> {
    let cat = crate::parts::catalogue();
    let all: Vec<(String, Vec<String>)> = cat
        .all()
        .iter()
        .map(|p| {
            (
                p.id.clone(),
                p.fields.iter().map(|f| f.key.clone()).collect(),
            )
        })
        .collect();
    prop::sample::select(all)
}

/// A line of standard input: a declared name with a value, an unknown (marked) name, a
/// bare value, a comment or nothing.
fn line(keys: Vec<String>) -> impl Strategy<Value = String> {
    prop_oneof![
        (prop::sample::select(keys), "[ \\t]{0,2}", piece())
            .prop_map(|(k, pad, v)| format!("{pad}{k}{pad}={v}")),
        (piece(), piece()).prop_map(|(k, v)| format!("{k}Ж={v}")),
        piece().prop_map(|v| format!("{v}Ω")),
        piece().prop_map(|v| format!("#{v}")),
        Just(String::new()),
    ]
}

fn stdin_text() -> impl Strategy<Value = (String, String)> {
    provider_and_keys().prop_flat_map(|(id, keys)| {
        (
            Just(id),
            prop::collection::vec(line(keys), 0..5),
            prop::sample::select(vec!["\n", "\r\n"]),
        )
            .prop_map(|(id, lines, eol)| (id, lines.join(eol)))
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    /// Whatever is piped, reading it and checking what it gave never panics, and neither the
    /// refusal nor the notes repeat any of it.
    #[test]
    fn stdin_errors_never_repeat_stdin((id, text) in stdin_text()) {
        let cat = crate::parts::catalogue();
        let provider = cat.get(&id).expect("a provider of the catalogue");
        match read_stdin_fields(&mut text.as_bytes(), provider) {
            Err(e) => {
                let shown = e.to_string();
                prop_assert!(!marked(&shown), "{id}: the refusal repeats input: {shown}");
            }
            Ok(fields) => match parse_fields(provider, fields) {
                Err(e) => {
                    prop_assert!(!marked(&e.message), "{id}: the message repeats input: {}", e.message);
                    prop_assert!(!marked(&e.to_string()), "{id}: the error repeats input");
                }
                Ok(creds) => {
                    for note in &creds.notes {
                        let said = note.describe(provider);
                        prop_assert!(!marked(&said), "{id}: a note repeats input: {said}");
                    }
                }
            },
        }
    }

    /// Whatever a form (or a script) hands the normalizers, under any keys: no panic, and no
    /// error, note or preview problem sentence repeats a value or an undeclared key.
    #[test]
    fn input_errors_never_repeat_input(
        (id, keys) in provider_and_keys(),
        values in prop::collection::vec(piece(), 0..4),
        stray in prop::option::of(piece()),
    ) {
        let cat = crate::parts::catalogue();
        let provider = cat.get(&id).expect("a provider of the catalogue");
        let mut raw: BTreeMap<String, Secret> = keys
            .iter()
            .zip(values)
            .map(|(k, v)| (k.clone(), Secret::new(v)))
            .collect();
        if let Some(stray) = stray {
            raw.insert(format!("{stray}λ"), Secret::new("ж"));
        }
        let again: BTreeMap<String, Secret> = raw
            .iter()
            .map(|(k, v)| (k.clone(), Secret::new(v.expose())))
            .collect();
        let preview = preview_fields(provider, again);
        for problem in &preview.problems {
            let said = problem.sentence(provider);
            prop_assert!(!marked(&said), "{id}: a problem sentence repeats input: {said}");
        }
        match parse_fields(provider, raw) {
            Err(e) => prop_assert!(!marked(&e.message), "{id}: {}", e.message),
            Ok(creds) => {
                for note in &creds.notes {
                    let said = note.describe(provider);
                    prop_assert!(!marked(&said), "{id}: a note repeats input: {said}");
                }
            }
        }
    }
}

/// The alphabet really is absent from every text Keystep's core and command line could put
/// in a message (their sources, provider files included), or the properties above would
/// prove nothing.
#[test]
fn the_marked_alphabet_is_foreign_to_keystep() {
    fn visit(dir: &std::path::Path, seen: &mut usize) {
        for entry in std::fs::read_dir(dir).expect("a readable source folder") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                visit(&path, seen);
            } else if let Ok(text) = std::fs::read_to_string(&path) {
                *seen += 1;
                assert!(!marked(&text), "{} uses a marked character", path.display());
            }
        }
    }
    let mut seen = 0;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for sources in ["src-tauri/core/src", "src-tauri/cli/src"] {
        visit(&root.join(sources), &mut seen);
    }
    assert!(seen > 20, "the sources were read ({seen} files)");
}
