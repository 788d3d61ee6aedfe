//! The provider schema's rules, each with a file that breaks it, and the shipped files.

use std::collections::BTreeSet;

use super::*;
use crate::error::Code;
use crate::lang::Lang;

#[test]
fn embedded_catalogue_loads() {
    let cat = Catalogue::embedded().expect("every shipped provider file must be valid");
    let ids: Vec<&str> = cat.all().iter().map(|p| p.id.as_str()).collect();
    assert_eq!(
        ids,
        ["payfit", "hibob", "humaans", "jazzhr", "namely"],
        "every provider ships, in display order"
    );
}

const MINIMAL: &str = r#"
id = "demo"
name = "Demo"
category = "hris"
needs = "API key"
summary = "s"
prerequisite = "p"
revoke = "r"
docs_url = "https://demo.example/docs"
[hosts]
api = "https://api.demo.example/{tenant}"
sandbox = "https://sandbox.demo.example"
[auth]
scheme = "bearer"
token = "key"
[on_status]
429 = { then = "rate_limited", retry_after = 60 }
[[fields]]
key = "tenant"
label = "Tenant"
help = "h"
kind = "subdomain"
domain = "demo.example"
example = "acme"
[[fields]]
key = "key"
label = "Key"
help = "h"
secret = true
example = "k"
[[fields]]
key = "region"
label = "Region"
help = "h"
kind = "choice"
example = "EU"
default = "eu"
options = [
  { value = "eu", label = "EU", host = "api" },
  { value = "test", label = "Test", host = "sandbox" },
]
[[steps]]
id = "one"
title = "t"
body = "b"
secret_shown = "once"
[permissions]
required = ["read", "whose data"]
[[purposes]]
id = "read"
label = "Read"
summary = "Reads."
permissions = ["read"]
[[purposes]]
id = "full"
label = "All"
summary = "Everything."
permissions = ["read", "whose data"]
[[checks]]
id = "me"
doing = "Checking…"
host = "{region}"
path = "/me"
needs = ["read"]
capture = { org = "/org", email = ["/0/email", "/email"] }
expect = [
  { pointer = "/error", absent = true, otherwise = "bad_credentials" },
  { pointer = "/people", non_empty = true, otherwise = "missing_permission", missing = ["whose data"], hint = "Nobody is visible." },
]
[[checks]]
id = "org"
doing = "Reading…"
method = "POST"
host = "api"
path = "/orgs/{org}"
body = { values = { q = "{org}" } }
on_status = { 403 = { not_json = "blocked", retry_after = 300 } }
[identity]
company = "{org}"
tenant = "{tenant}/{org}"
success = ["Connected to {company}", "Connected"]
[messages]
wrong_tenant = "No {provider} site at {tenant}."
[locales.fr]
needs = "Clé d’API"
summary = "s (fr)"
prerequisite = "p (fr)"
revoke = "r (fr)"
fields.tenant = { label = "Locataire", help = "h (fr)", example = "acme" }
fields.key = { label = "Clé", help = "h (fr)", example = "c" }
fields.region = { label = "Région", help = "h (fr)", example = "UE", options = { eu = "UE", test = "Essai" } }
steps.one = { title = "t (fr)", body = "b (fr)" }
checks.me.doing = "Vérification…"
checks.me.expect.1.hint = "Personne n’est visible."
checks.org.doing = "Lecture…"
identity.success.0 = "Connecté à {company}"
identity.success.1 = "Connecté"
messages.wrong_tenant = "Aucun site {provider} à l’adresse {tenant}."
purposes.read = { label = "Lecture", summary = "Lit." }
purposes.full = { label = "Tout", summary = "Tout." }
"#;

fn load(text: &str) -> Result<Catalogue, String> {
    Catalogue::from_sources(&[("demo", text)]).map_err(|e| e.to_string())
}

#[test]
fn a_minimal_provider_file_is_valid() {
    load(MINIMAL).expect("the minimal file is the baseline the other tests break");
}

#[test]
fn each_schema_rule_rejects_its_mistake() {
    let cases = [
        (
            "name = \"Demo\"",
            "name = \"Demo\"\ncolour = \"red\"",
            "unknown field",
        ),
        (
            "name = \"Demo\"",
            "name = \"Demo\"\npace = { limits = [{ requests = 0, seconds = 60 }] }",
            "at least 1",
        ),
        (
            "name = \"Demo\"",
            "name = \"Demo\"\nkey_lifetime_days = 0",
            "key_lifetime_days",
        ),
        (
            "name = \"Demo\"",
            "name = \"Demo\"\nreads = [{ method = \"GET\", path = \"/search\" }]",
            "a read anyway",
        ),
        (
            "name = \"Demo\"",
            "name = \"Demo\"\nreads = [{ method = \"POST\", path = \"/a/../b\" }]",
            "plain path",
        ),
        (
            "name = \"Demo\"",
            "name = \"Demo\"\nreads = [{ method = \"POST\", path = \"/search\", host = \"api\" }]",
            "unknown field",
        ),
        (
            "id = \"demo\"",
            "id = \"other\"",
            "does not match the file name",
        ),
        (
            "path = \"/orgs/{org}\"",
            "path = \"/orgs/{nope}\"",
            "before anything captures it",
        ),
        ("path = \"/me\"", "path = \"/me/{key}\"", "in a URL"),
        (
            "https://api.demo.example",
            "http://api.demo.example",
            "must be https",
        ),
        (
            "needs = [\"read\"]",
            "needs = [\"write\"]",
            "not a required permission",
        ),
        (
            "scheme = \"bearer\"",
            "scheme = \"digest\"",
            "unknown variant",
        ),
        ("token = \"key\"", "token = \"tenant2\"", "undeclared field"),
        (
            "\"Connected\"]",
            "\"Connected {company}\"]",
            "no placeholders",
        ),
        ("domain = \"demo.example\"\n", "", "goes with kind"),
        (
            "kind = \"choice\"",
            "kind = \"identifier\"",
            "go with kind = \"choice\"",
        ),
        (
            "default = \"eu\"",
            "default = \"mars\"",
            "not one of its options",
        ),
        (
            "host = \"sandbox\" }",
            "host = \"moon\" }",
            "selects unknown host",
        ),
        (
            "host = \"{region}\"",
            "host = \"{tenant}\"",
            "must name a choice field",
        ),
        (
            "token = \"key\"",
            "token = \"region\"",
            "auth names choice field",
        ),
        (
            "sandbox = \"https://sandbox.demo.example\"",
            "sandbox = \"https://sandbox.demo.example\"\nspare = \"https://spare.demo.example\"",
            "is never used",
        ),
        (
            "then = \"rate_limited\", retry_after",
            "then = \"skip\", retry_after",
            "goes with rate_limited or blocked",
        ),
        (
            "{ then = \"rate_limited\", retry_after = 60 }",
            "{ retry_after = 60 }",
            "needs `then` or `not_json`",
        ),
        (
            "not_json = \"blocked\"",
            "not_jsn = \"blocked\"",
            "did not match any variant",
        ),
        ("429 = {", "4299 = {", "not an HTTP status"),
        (
            "absent = true,",
            "absent = true, equals = 1,",
            "`absent` cannot go with",
        ),
        (
            "otherwise = \"missing_permission\", missing",
            "otherwise = \"wrong_tenant\", missing",
            "`missing` goes with",
        ),
        (
            "missing = [\"whose data\"]",
            "missing = [\"everyone\"]",
            "not a required permission",
        ),
        ("\"/email\"]", "\"email\"]", "not a JSON pointer"),
        (
            "id = \"read\"",
            "id = \"reading\"",
            "declares the purpose `read`",
        ),
        (
            "permissions = [\"read\", \"whose data\"]",
            "permissions = [\"read\"]",
            "asks for every required permission",
        ),
        (
            "permissions = [\"read\"]",
            "permissions = [\"write\"]",
            "is not a required permission",
        ),
        ("id = \"full\"", "id = \"Full Access\"", "kebab-case"),
        (
            "summary = \"Reads.\"",
            "summary = \" \"",
            "needs a label and a summary",
        ),
        (
            "[[steps]]\nid = \"one\"",
            "[[steps]]\nchecklist = [\"admin\"]\nid = \"one\"",
            "is not a required permission",
        ),
        (
            "secret_shown = \"once\"\n",
            "",
            "exactly one step says where the secret is copied",
        ),
        (
            "secret_shown = \"once\"",
            "secret_shown = \"twice\"",
            "unknown variant",
        ),
        ("at {tenant}.", "at {key}.", "neither provider"),
        ("method = \"POST\"", "method = \"GET\"", "a GET has no body"),
        (
            "company = \"{org}\"",
            "company = \"{key}\"",
            "identity uses secret field",
        ),
        (
            "tenant = \"{tenant}/{org}\"",
            "tenant = \"{tenant}/{key}\"",
            "identity uses secret field",
        ),
        (
            "tenant = \"{tenant}/{org}\"",
            "tenant = \"{tenant}/{nope}\"",
            "identity uses unknown",
        ),
        (
            "tenant = \"{tenant}/{org}\"",
            "tenant = \"acme\"",
            "tenant needs at least one placeholder",
        ),
        (
            "tenant = \"{tenant}/{org}\"",
            "tenant = \"{tenant}\"\ntenant_id = \"x\"",
            "unknown field",
        ),
        ("[locales.fr]", "[locales.de]", "not a language Keystep"),
        (
            "checks.org.doing = ",
            "checks.org.doin = ",
            "`checks.org.doin` names no translatable text",
        ),
        (
            "checks.org.doing = \"Lecture…\"\n",
            "",
            "`checks.org.doing` is not translated",
        ),
        (
            "checks.me.expect.1.hint",
            "checks.me.expect.0.hint",
            "`checks.me.expect.0.hint` names no translatable text",
        ),
        (
            "identity.success.0 = \"Connecté à {company}\"",
            "identity.success.0 = \"Connecté à {entreprise}\"",
            "has placeholders",
        ),
        ("à l’adresse {tenant}.", "à l’adresse.", "has placeholders"),
        (
            "checks.org.doing = \"Lecture…\"",
            "checks.org.doing = 3",
            "must be a text",
        ),
        (
            "checks.org.doing = \"Lecture…\"",
            "checks.org.doing = \" \"",
            "is empty",
        ),
        (
            "checks.org.doing = \"Lecture…\"",
            "checks.org.doing = \"Lecture : en cours\"",
            "no-break space",
        ),
        (
            "checks.org.doing = \"Lecture…\"",
            "checks.org.doing = \"« Lecture\u{a0}»\"",
            "no-break space",
        ),
    ];
    for (from, to, expected) in cases {
        assert!(
            MINIMAL.contains(from),
            "test setup: {from:?} is in the baseline"
        );
        let broken = MINIMAL.replacen(from, to, 1);
        let err = load(&broken).expect_err(&format!("{to:?} must be refused"));
        assert!(
            err.contains(expected),
            "{to:?}: expected “{expected}” in: {err}"
        );
    }
}

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

#[test]
fn placeholders_are_found_in_order() {
    assert_eq!(
        placeholders("/a/{x}/b/{y}"),
        vec!["x", "y"],
        "two placeholders"
    );
    assert!(placeholders("no braces").is_empty(), "none");
    assert_eq!(
        placeholders("{unterminated"),
        Vec::<&str>::new(),
        "unterminated ignored"
    );
}

#[test]
fn host_override_names_follow_the_documented_scheme() {
    let cat = Catalogue::embedded().expect("catalogue");
    let vars: BTreeSet<String> = cat
        .all()
        .iter()
        .flat_map(|p| p.hosts.keys().map(|h| p.host_override_var(h)))
        .collect();
    let want: BTreeSet<String> = [
        "KEYSTEP_PAYFIT_API_URL",
        "KEYSTEP_PAYFIT_OAUTH_URL",
        "KEYSTEP_HIBOB_API_URL",
        "KEYSTEP_HIBOB_SANDBOX_URL",
        "KEYSTEP_HUMAANS_API_URL",
        "KEYSTEP_JAZZHR_API_URL",
        "KEYSTEP_NAMELY_API_URL",
    ]
    .iter()
    .map(|v| v.to_string())
    .collect();
    assert_eq!(vars, want, "every host's override variable, and no other");
}

#[test]
fn status_rules_tell_a_providers_json_from_a_firewalls_page() {
    let always = StatusRule::Always(Reaction::RateLimited);
    assert_eq!(always.reaction(true), Some(Reaction::RateLimited), "JSON");
    assert_eq!(always.reaction(false), Some(Reaction::RateLimited), "page");
    let waf = StatusRule::Detailed(StatusDetail {
        then: None,
        not_json: Some(Reaction::Blocked),
        retry_after: Some(300),
    });
    assert_eq!(waf.reaction(true), None, "JSON is left to the defaults");
    assert_eq!(
        waf.reaction(false),
        Some(Reaction::Blocked),
        "a page is the firewall"
    );
    assert_eq!(waf.retry_after(), Some(300), "the assumed wait");
    let both = StatusRule::Detailed(StatusDetail {
        then: Some(Reaction::RateLimited),
        not_json: Some(Reaction::Blocked),
        retry_after: None,
    });
    assert_eq!(
        both.reaction(true),
        Some(Reaction::RateLimited),
        "then for JSON"
    );
    assert_eq!(
        both.reaction(false),
        Some(Reaction::Blocked),
        "not_json wins for pages"
    );
}

#[test]
fn a_choice_selects_the_host_of_its_option() {
    let cat = load(MINIMAL).expect("baseline");
    let p = cat.get("demo").expect("demo");
    let check = &p.checks[0];
    let chosen = |v: &'static str| move |_: &str| Some(v.to_string());
    assert_eq!(p.host_of(check, chosen("eu")), Some("api"), "eu → api");
    assert_eq!(
        p.host_of(check, chosen("test")),
        Some("sandbox"),
        "test → sandbox"
    );
    assert_eq!(p.host_of(check, chosen("mars")), None, "unknown option");
    assert_eq!(
        p.host_of(&p.checks[1], chosen("test")),
        Some("api"),
        "a fixed host"
    );
}
