//! Each provider file speaks French too: a file without its French is refused, and the
//! localized copy carries every translation.

use super::tests::{load, MINIMAL};
use super::*;
use crate::error::Code;
use crate::lang::Lang;

#[test]
fn a_file_without_its_french_is_refused() {
    let (english, _) = MINIMAL
        .split_once("[locales.fr]")
        .expect("baseline has French");
    let err = load(english).expect_err("no French");
    assert!(
        err.contains("locales.fr is missing"),
        "the missing language is named: {err}"
    );
}

#[test]
fn localized_copies_carry_every_translation_and_keep_the_rest() {
    let cat = load(MINIMAL).expect("baseline");
    let en = cat.get("demo").expect("demo");
    let fr = en.localized(Lang::Fr);
    let region = fr.field("region").expect("region");
    assert_eq!(region.label, "Région", "field label");
    assert_eq!(region.options[1].label, "Essai", "option label");
    assert_eq!(region.options[1].value, "test", "option value kept");
    assert_eq!(fr.checks[0].doing, "Vérification…", "check line");
    assert_eq!(
        fr.checks[0].expect[1].hint.as_deref(),
        Some("Personne n’est visible."),
        "expect hint"
    );
    assert_eq!(
        fr.identity.success,
        ["Connecté à {company}", "Connecté"],
        "success lines"
    );
    assert_eq!(
        fr.messages.get(&Code::WrongTenant).map(String::as_str),
        Some("Aucun site {provider} à l’adresse {tenant}."),
        "message"
    );
    assert_eq!(fr.name, "Demo", "the name is not translated");
    assert_eq!(
        fr.permissions.required, en.permissions.required,
        "permission names are the provider's own words"
    );
    assert_eq!(fr.checks[0].path, "/me", "requests are untouched");
    let english_texts = en.localized(Lang::En).texts();
    assert_eq!(english_texts, en.texts(), "English is the file as written");
    let french_texts = fr.texts();
    assert_eq!(
        french_texts.len(),
        english_texts.len(),
        "the same texts, translated"
    );
    let unchanged: Vec<&String> = french_texts
        .iter()
        .zip(&english_texts)
        .filter(|(f, e)| f.1 == e.1)
        .map(|(f, _)| &f.0)
        .collect();
    assert_eq!(
        unchanged,
        ["fields.tenant.example"],
        "every other text has its French"
    );
}

#[test]
fn every_shipped_provider_speaks_french() {
    let cat = Catalogue::embedded().expect("catalogue");
    for p in cat.all() {
        let fr = p.localized(Lang::Fr);
        let english = p.texts();
        let translated = fr
            .texts()
            .iter()
            .zip(&english)
            .filter(|(f, e)| f.1 != e.1)
            .count();
        // Examples such as "acme" and words French shares ("Production") may stay.
        assert!(
            translated * 10 >= english.len() * 9,
            "{}: only {translated} of {} texts differ from English",
            p.id,
            english.len()
        );
    }
}
