//! An account's life through the commands: link, a duplicate, relink, check, rename,
//! reconcile and forget, and "link anyway" for a key missing permissions; no response
//! carries the secret.

use keystep_emulator::{Emulator, HumaansTenant};
use serde_json::json;

use std::sync::Arc;

use keystep_core::clock::ManualClock;

use crate::{app, app_clocked, call, window, TOKEN};

#[test]
fn link_round_trip_never_returns_the_secret() {
    let emu = Emulator::start();
    emu.add_humaans(TOKEN, HumaansTenant::full("Acme Ltd", 42));
    let app = app(&emu);
    let w = window(&app);

    let providers = call(&w, "list_providers", json!({})).expect("providers");
    assert!(
        providers.to_string().contains("\"humaans\""),
        "Humaans is offered"
    );
    assert!(
        !providers.to_string().contains("https://app.humaans.io/\""),
        "step links stay in Rust"
    );

    let linked = call(
        &w,
        "link_account",
        json!({"provider": "humaans", "fields": {"api_token": TOKEN}}),
    )
    .expect("link works");
    assert_eq!(
        linked["message"], "Connected to Acme Ltd (42 people)",
        "success text"
    );
    assert!(
        !linked.to_string().contains(TOKEN),
        "link_account never echoes the token"
    );

    assert_eq!(
        linked["handle"], "humaans-acme-ltd",
        "the view carries the handle, provider and company"
    );

    let listed = call(&w, "list_accounts", json!({})).expect("list");
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "one account");
    assert_eq!(
        listed[0]["handle"], "humaans-acme-ltd",
        "the listed view carries the handle"
    );
    assert!(
        !listed.to_string().contains(TOKEN),
        "list_accounts never carries the token"
    );

    let id = linked["id"].as_str().expect("id").to_string();
    call(&w, "forget_account", json!({"id": id})).expect("forget");
    assert_eq!(
        call(&w, "list_accounts", json!({})).expect("list"),
        json!([]),
        "forgotten"
    );
}

#[test]
fn lifecycle_commands_round_trip_without_the_secret() {
    let emu = Emulator::start();
    emu.add_humaans(TOKEN, HumaansTenant::full("Acme Ltd", 42));
    let app = app(&emu);
    let w = window(&app);
    let link = json!({"provider": "humaans", "fields": {"api_token": TOKEN}});
    let first = call(&w, "link_account", link.clone()).expect("first link");
    let id = first["id"].as_str().expect("id").to_string();

    let again = call(&w, "link_account", link).expect_err("the same company twice");
    assert_eq!(
        again["code"], "already_linked",
        "duplicate detected: {again}"
    );
    assert_eq!(
        again["account_id"],
        id.as_str(),
        "the existing account is named: {again}"
    );

    let relinked = call(
        &w,
        "relink_account",
        json!({"id": id, "fields": {"api_token": TOKEN}}),
    )
    .expect("relink with a working key");
    assert_eq!(
        relinked["id"],
        id.as_str(),
        "the same account, updated in place"
    );

    let checked = call(&w, "check_account", json!({"id": id})).expect("check now");
    assert_eq!(checked["status"], "ok", "still working: {checked}");
    emu.revoke(TOKEN);
    let revoked = call(&w, "check_account", json!({"id": id})).expect("a check reports, not fails");
    assert_eq!(
        (revoked["status"].as_str(), revoked["last_code"].as_str()),
        (Some("failing"), Some("bad_credentials")),
        "a revoked key turns the account red at once: {revoked}"
    );

    let renamed = call(
        &w,
        "rename_account",
        json!({"id": id, "label": "  HR prod  "}),
    )
    .expect("rename");
    assert_eq!(renamed["label"], "HR prod", "trimmed label: {renamed}");
    let err = call(&w, "rename_account", json!({"id": id, "label": " "})).expect_err("blank");
    assert_eq!(
        err["code"], "invalid_input",
        "a blank label is refused: {err}"
    );

    let found = call(&w, "reconcile_accounts", json!({})).expect("reconcile");
    assert_eq!(
        found["needs_relink"],
        json!([]),
        "the memory vault still holds the key: {found}"
    );

    call(&w, "forget_account", json!({"id": id})).expect("forget");
    for response in [&first, &relinked, &checked, &revoked, &renamed, &found] {
        assert!(
            !response.to_string().contains(TOKEN),
            "no response carries the token"
        );
    }
}

#[test]
fn a_key_missing_permissions_links_only_when_accepted() {
    let emu = Emulator::start();
    emu.add_humaans(
        TOKEN,
        HumaansTenant::full("Acme Ltd", 42).with_scopes(&["public:read", "private:read"]),
    );
    let app = app(&emu);
    let w = window(&app);
    // Held to everything the guide lists: a read-only token lacks some of it.
    let form = json!({"provider": "humaans", "fields": {"api_token": TOKEN}, "purpose": "full"});
    let err = call(&w, "link_account", form.clone()).expect_err("missing scopes");
    assert_eq!(err["code"], "missing_permission", "{err}");
    assert_eq!(
        call(&w, "list_accounts", json!({})).expect("accounts"),
        json!([]),
        "nothing linked"
    );
    assert!(
        !err.to_string().contains(TOKEN),
        "the refusal holds no key: {err}"
    );
    let pending = err["pending"]
        .as_str()
        .expect("the verified key is held under an id");
    let asked = emu.requests().len();
    // "Link anyway" sends the id, never the key again.
    let linked = call(&w, "link_pending", json!({"id": pending})).expect("linked anyway");
    assert_eq!(
        emu.requests().len(),
        asked,
        "linking the held key asks the provider nothing more"
    );
    assert_eq!(
        (linked["status"].as_str(), linked["last_code"].as_str()),
        (Some("limited"), Some("missing_permission")),
        "linked as limited: {linked}"
    );
    assert!(
        !linked["permissions"]["missing"]
            .as_array()
            .expect("missing list")
            .is_empty(),
        "what is missing is kept: {linked}"
    );
    let again = call(&w, "link_pending", json!({"id": pending})).expect_err("used once");
    assert_eq!(again["code"], "not_found", "a held key links once: {again}");
    assert!(
        !linked.to_string().contains(TOKEN),
        "no response carries the token"
    );
}

#[test]
fn a_held_key_links_only_for_a_while_and_only_under_its_own_id() {
    let emu = Emulator::start();
    emu.add_humaans(
        TOKEN,
        HumaansTenant::full("Acme Ltd", 42).with_scopes(&["public:read", "private:read"]),
    );
    let clock = Arc::new(ManualClock::at(1_700_000_000));
    let app = app_clocked(&emu, clock.clone());
    let w = window(&app);
    let form = json!({"provider": "humaans", "fields": {"api_token": TOKEN}, "purpose": "full"});
    let refuse = || {
        call(&w, "link_account", form.clone()).expect_err("missing scopes")["pending"]
            .as_str()
            .expect("held under an id")
            .to_string()
    };
    let first = refuse();
    let second = refuse();
    assert_ne!(first, second, "each refusal holds the key under a new id");
    let stale = call(&w, "link_pending", json!({"id": first})).expect_err("replaced");
    assert_eq!(
        stale["code"], "not_found",
        "an older id takes nothing, and the key held is let go: {stale}"
    );
    let gone = call(&w, "link_pending", json!({"id": second})).expect_err("let go");
    assert_eq!(
        gone["code"], "not_found",
        "asking with a wrong id let it go"
    );
    let late = refuse();
    clock.advance(std::time::Duration::from_secs(
        keystep_app::state::PENDING_FOR + 1,
    ));
    let expired = call(&w, "link_pending", json!({"id": late})).expect_err("too late");
    assert_eq!(
        expired["code"], "not_found",
        "held ten minutes, no longer: {expired}"
    );
    assert_eq!(
        call(&w, "list_accounts", json!({})).expect("accounts"),
        json!([]),
        "nothing was linked"
    );
}

/// Issue 21 §7: HiBob, JazzHR, Greenhouse and Personio (whose answers name the credential, not
/// the organization) and Lever cannot name the company a key reaches, so the window asks
/// the person for a name: `list_providers` says which providers need one (`names_company`),
/// `link_account` takes it, and a name that cannot be one is refused before anything is
/// sent.
#[test]
fn a_provider_that_cannot_name_the_company_gets_the_name_the_person_typed() {
    use keystep_emulator::HibobTenant;

    const HIBOB: &str = "IpcHibobServiceUserToken0000000042";
    let emu = Emulator::start();
    emu.add_hibob(HibobTenant::full("SERVICE-4242", HIBOB, 12));
    let app = app(&emu);
    let w = window(&app);
    let providers = call(&w, "list_providers", json!({})).expect("providers");
    let unnamed: Vec<&str> = providers
        .as_array()
        .expect("a list")
        .iter()
        .filter(|p| p["names_company"] == false)
        .filter_map(|p| p["id"].as_str())
        .collect();
    assert_eq!(
        unnamed,
        ["greenhouse", "hibob", "jazzhr", "lever", "personio"],
        "the providers to ask a name for"
    );

    let fields = json!({"service_user_id": "SERVICE-4242", "service_user_token": HIBOB});
    let err = call(
        &w,
        "link_account",
        json!({"provider": "hibob", "fields": fields, "name": "x".repeat(81)}),
    )
    .expect_err("a name past 80 characters");
    assert_eq!(err["code"], "invalid_input", "{err}");
    assert!(
        emu.requests().is_empty(),
        "refused before anything was sent"
    );

    let linked = call(
        &w,
        "link_account",
        json!({"provider": "hibob", "fields": fields, "name": "  Acme HR "}),
    )
    .expect("links");
    assert_eq!(
        (linked["label"].as_str(), linked["handle"].as_str()),
        (Some("Acme HR"), Some("hibob-acme-hr")),
        "the account has the typed name, and its handle comes from it: {linked}"
    );
}
