//! The provider schema's rules, each with a file that breaks it, and the shipped files.

use super::*;

#[test]
fn embedded_catalogue_loads_every_provider_file() {
    let cat = Catalogue::embedded().expect("every shipped provider file must be valid");
    let ids: Vec<&str> = cat.all().iter().map(|p| p.id.as_str()).collect();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/providers");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .expect("the providers folder")
        .filter_map(|e| {
            let path = e.ok()?.path();
            (path.extension()? == "toml").then(|| path.file_stem()?.to_str().map(String::from))?
        })
        .collect();
    files.sort();
    assert_eq!(
        ids, files,
        "every file of src/providers ships, in file-name order"
    );
    let aliases = |id: &str| cat.get(id).map(|p| p.aliases.clone()).unwrap_or_default();
    assert_eq!(aliases("hibob"), ["Bob"], "HiBob is found as Bob");
    assert_eq!(
        aliases("greenhouse"),
        ["Harvest"],
        "Greenhouse is found by its API's name"
    );
    for id in [
        "payfit",
        "hibob",
        "humaans",
        "jazzhr",
        "namely",
        "bamboohr",
        "greenhouse",
        "ashby",
        "personio",
        "lever",
        "workable",
        "teamtailor",
        "factorial",
        "deel",
        "rippling",
    ] {
        assert!(ids.contains(&id), "{id} ships");
    }
}

pub(super) const MINIMAL: &str = r#"
id = "demo"
name = "Demo"
category = "hris"
needs = "API key"
summary = "s"
prerequisite = "p"
revoke = "r"
docs_url = "https://demo.example/docs"
lifetime = { rule = "no_expiry" }
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

pub(super) fn load(text: &str) -> Result<Catalogue, String> {
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
            "category = \"hris\"",
            "category = \"hris\"\naliases = \"Dem\"",
            "invalid type",
        ),
        (
            "category = \"hris\"",
            "category = \"hris\"\naliases = [\"DEMO\"]",
            "repeats the name or another alias",
        ),
        (
            "category = \"hris\"",
            "category = \"hris\"\naliases = [\"Dem\", \"dem\"]",
            "repeats the name or another alias",
        ),
        (
            "category = \"hris\"",
            "category = \"hris\"\naliases = [\" Dem\"]",
            "is blank or has spaces around it",
        ),
        (
            "name = \"Demo\"",
            "name = \"Demo\"\npace = { limits = [{ requests = 0, seconds = 60 }] }",
            "at least 1",
        ),
        (
            "lifetime = { rule = \"no_expiry\" }",
            "lifetime = { rule = \"fixed_days\", days = 0 }",
            "days must be at least 1",
        ),
        (
            "lifetime = { rule = \"no_expiry\" }\n",
            "",
            "missing field `lifetime`",
        ),
        (
            "lifetime = { rule = \"no_expiry\" }",
            "lifetime = { rule = \"chosen_expiry\" }",
            "needs `field` or `capture`",
        ),
        (
            "lifetime = { rule = \"no_expiry\" }",
            "lifetime = { rule = \"chosen_expiry\", field = \"region\" }",
            "whose every option has days",
        ),
        (
            "lifetime = { rule = \"no_expiry\" }",
            "lifetime = { rule = \"chosen_expiry\", capture = \"expiry\" }",
            "no check captures `expiry`",
        ),
        (
            "{ value = \"eu\", label = \"EU\", host = \"api\" }",
            "{ value = \"eu\", label = \"EU\", host = \"api\", days = 30 }",
            "`days` goes with the field of a chosen_expiry lifetime",
        ),
        (
            "name = \"Demo\"",
            "name = \"Demo\"\nreads = [{ method = \"POST\", path = \"/*\" }]",
            "literal segment",
        ),
        (
            "name = \"Demo\"",
            "name = \"Demo\"\nreads = [{ method = \"POST\", path = \"/a{id}\" }]",
            "whole segment",
        ),
        (
            "name = \"Demo\"",
            "name = \"Demo\"\nsandbox_hosts = [\"moon\"]",
            "sandbox_hosts: unknown host",
        ),
        (
            "name = \"Demo\"",
            "name = \"Demo\"\nheaders = { Authorization = \"x\" }",
            "where the key goes",
        ),
        (
            "name = \"Demo\"",
            "name = \"Demo\"\nheaders = { Host = \"x\" }",
            "cannot be set by a provider file",
        ),
        (
            "name = \"Demo\"",
            "name = \"Demo\"\nheaders = { X-Api-Version = \"{tenant}\" }",
            "without placeholders",
        ),
        (
            "name = \"Demo\"",
            "name = \"Demo\"\npermission_error = [{ pointer = \"code\", equals = \"x\" }]",
            "a JSON pointer and a text",
        ),
        (
            "name = \"Demo\"",
            "name = \"Demo\"\nown_header = \"x y\"",
            "not a header name",
        ),
        (
            "scheme = \"bearer\"\ntoken = \"key\"",
            "scheme = \"basic_key\"\nkey = \"tenant\"",
            "must be a secret field",
        ),
        (
            "scheme = \"bearer\"\ntoken = \"key\"",
            "scheme = \"header\"\nname = \"x-api-key\"\nvalue = \"{tenant}\"",
            "exactly one secret field",
        ),
        (
            "scheme = \"bearer\"\ntoken = \"key\"",
            "scheme = \"header\"\nname = \"Content-Type\"\nvalue = \"{key}\"",
            "cannot be the key's header",
        ),
        (
            "scheme = \"bearer\"\ntoken = \"key\"",
            "scheme = \"client_credentials\"\nclient_id = \"tenant\"\nclient_secret = \"key\"\ntoken_host = \"moon\"\ntoken_path = \"/token\"",
            "unknown token host",
        ),
        (
            "scheme = \"bearer\"\ntoken = \"key\"",
            "scheme = \"client_credentials\"\nclient_id = \"key\"\nclient_secret = \"tenant\"\ntoken_host = \"api\"\ntoken_path = \"/token\"",
            "the client secret is a secret field",
        ),
        (
            "scheme = \"bearer\"\ntoken = \"key\"",
            "scheme = \"client_credentials\"\nclient_id = \"tenant\"\nclient_secret = \"key\"\ntoken_host = \"api\"\ntoken_path = \"token\"",
            "token path starts with /",
        ),
        (
            "body = { values = { q = \"{org}\" } }",
            "body = { values = { q = \"{key}\" } }\n[auth]\nscheme = \"client_credentials\"\nclient_id = \"tenant\"\nclient_secret = \"key\"\ntoken_host = \"api\"\ntoken_path = \"/token\"",
            "duplicate key",
        ),
        (
            "example = \"k\"",
            "example = \"k\"\nretired = { pattern = \"^[0-9a-f]{32}(-[0-9]+)?$\", note = \"Old keys were retired.\" }",
            "usual_pattern subset",
        ),
        (
            "absent = true,",
            "absent = true, excludes = \"x\",",
            "`excludes` cannot go with",
        ),
        (
            "name = \"Demo\"",
            "name = \"Demo\"\nreads = [{ method = \"GET\", path = \"/search\" }]",
            "a read anyway",
        ),
        (
            "name = \"Demo\"",
            "name = \"Demo\"\nreads = [{ method = \"POST\", path = \"/a/../b\" }]",
            "must not hold . or ..",
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
