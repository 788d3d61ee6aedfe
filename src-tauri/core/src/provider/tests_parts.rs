//! The smaller parts of a provider file, each by itself: placeholders, host override
//! names, status rules, a choice's host and a key's lifetime.

use std::collections::BTreeSet;

use super::tests::{load, MINIMAL};
use super::*;

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
    // The names the command line, the emulator and the tests use (issue 22's contract).
    for want in [
        "KEYSTEP_PAYFIT_API_URL",
        "KEYSTEP_PAYFIT_OAUTH_URL",
        "KEYSTEP_HIBOB_API_URL",
        "KEYSTEP_HIBOB_SANDBOX_URL",
        "KEYSTEP_HUMAANS_API_URL",
        "KEYSTEP_JAZZHR_API_URL",
        "KEYSTEP_NAMELY_API_URL",
        "KEYSTEP_BAMBOOHR_API_URL",
        "KEYSTEP_GREENHOUSE_AUTH_URL",
        "KEYSTEP_GREENHOUSE_API_URL",
        "KEYSTEP_ASHBY_API_URL",
        "KEYSTEP_PERSONIO_API_URL",
        "KEYSTEP_LEVER_API_URL",
        "KEYSTEP_WORKABLE_API_URL",
        "KEYSTEP_TEAMTAILOR_API_URL",
        "KEYSTEP_FACTORIAL_API_URL",
        "KEYSTEP_DEEL_API_URL",
        "KEYSTEP_RIPPLING_API_URL",
    ] {
        assert!(vars.contains(want), "{want} overrides a host: {vars:?}");
    }
    for var in &vars {
        let middle = var
            .strip_prefix("KEYSTEP_")
            .and_then(|v| v.strip_suffix("_URL"))
            .unwrap_or_default();
        assert!(
            !middle.is_empty()
                && middle
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'),
            "{var} is KEYSTEP_<PROVIDER>_<HOST>_URL"
        );
    }
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

#[test]
fn a_keys_expiry_follows_the_lifetime_rule() {
    const DAY: u64 = 86_400;
    let chosen = MINIMAL
        .replacen(
            "lifetime = { rule = \"no_expiry\" }",
            "lifetime = { rule = \"chosen_expiry\", field = \"region\" }",
            1,
        )
        .replacen("host = \"api\" }", "host = \"api\", days = 90 }", 1)
        .replacen("host = \"sandbox\" }", "host = \"sandbox\", days = 30 }", 1);
    let cat = load(&chosen).expect("a chosen expiry on a choice whose options say their days");
    let p = cat.get("demo").expect("demo");
    let fields = |region: &str| {
        [("region".to_string(), region.to_string())]
            .into_iter()
            .collect::<std::collections::BTreeMap<_, _>>()
    };
    assert_eq!(
        p.key_expiry(&fields("eu"), None, 0),
        Some(90 * DAY),
        "the option's days"
    );
    assert_eq!(
        p.key_expiry(&fields("test"), None, DAY),
        Some(31 * DAY),
        "from the link"
    );
    assert_eq!(
        p.key_expiry(&fields("eu"), Some(5 * DAY), 0),
        Some(5 * DAY),
        "what the API said wins"
    );
    let cat = load(MINIMAL).expect("baseline");
    assert_eq!(
        cat.get("demo")
            .expect("demo")
            .key_expiry(&fields("eu"), None, 0),
        None,
        "no expiry known"
    );
}
