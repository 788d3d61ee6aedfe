//! "Share with your team's store" over IPC: `push_account` records a copy and returns it in
//! the account's view, a bad address or a refusing store is a `{code, message}` with nothing
//! recorded, a relink reports how each copy took the new key, and `forget_account` deletes
//! only the copies it is given (the account stays when one cannot be deleted). The store is
//! the in-memory one; the real stores are exercised in tests/core and tests/cli.

use std::sync::Arc;
use std::time::Duration;

use keystep_app::{context, with_commands, AppState};
use keystep_core::account::{Accounts, MemoryBookStore};
use keystep_core::clock::ManualClock;
use keystep_core::hosts::Hosts;
use keystep_core::provider::Catalogue;
use keystep_core::settings::MemorySettingsStore;
use keystep_core::store::{Fault, MemoryStore, Stores, Target};
use keystep_core::vault::MemoryVault;
use keystep_core::verify::{default_client, Verifier};
use keystep_emulator::{Emulator, HumaansTenant};
use serde_json::json;
use tauri::test::mock_builder;

use crate::{call, window, TOKEN};

const TARGET: &str = "vault://vault.acme.internal/secret/hr/humaans";

fn app_with_store(emu: &Emulator, store: Arc<MemoryStore>) -> tauri::App<tauri::test::MockRuntime> {
    let catalogue = Arc::new(Catalogue::embedded().expect("catalogue"));
    let env: std::collections::BTreeMap<String, String> = emu.env().into_iter().collect();
    let hosts = Hosts::from_lookup(catalogue.all(), |v| env.get(v).cloned()).expect("hosts");
    let clock = Arc::new(ManualClock::at(1_700_000_000));
    let verifier = Verifier::with_parts(
        default_client(Duration::from_secs(5)).expect("Keystep's HTTP client builds"),
        hosts,
        clock.clone(),
    );
    let accounts = Accounts::open(
        catalogue,
        verifier,
        Arc::new(MemoryVault::default()),
        Arc::new(MemoryBookStore::default()),
        clock,
    )
    .expect("open")
    .with_stores(Stores::single(store));
    with_commands(mock_builder())
        .manage(AppState::new(
            accounts,
            None,
            Arc::new(MemorySettingsStore::default()),
        ))
        .build(context())
        .expect("the app builds on the mock runtime")
}

#[test]
fn share_lists_the_copy_and_a_refusal_records_nothing() {
    let emu = Emulator::start();
    emu.add_humaans(TOKEN, HumaansTenant::full("Acme Ltd", 42));
    let store = Arc::new(MemoryStore::default());
    let app = app_with_store(&emu, store.clone());
    let w = window(&app);
    let linked = call(
        &w,
        "link_account",
        json!({"provider": "humaans", "fields": {"api_token": TOKEN}}),
    )
    .expect("linked");
    let id = linked["id"].as_str().expect("id").to_string();
    assert_eq!(linked["copies"], json!([]), "no copy yet: {linked}");

    let bad = call(
        &w,
        "push_account",
        json!({"id": id, "target": "https://vault.acme/secret/x"}),
    )
    .expect_err("not a store address");
    assert_eq!(
        (bad["code"].as_str(), bad["field"].as_str()),
        (Some("invalid_input"), Some("target")),
        "{bad}"
    );

    store.fail(Fault::Refused);
    let refused =
        call(&w, "push_account", json!({"id": id, "target": TARGET})).expect_err("refused");
    assert_eq!(refused["code"], "store_refused", "its own code: {refused}");
    let listed = call(&w, "list_accounts", json!({})).expect("list");
    assert_eq!(
        listed[0]["copies"],
        json!([]),
        "nothing recorded after a refusal"
    );

    store.fail(Fault::None);
    let shared = call(&w, "push_account", json!({"id": id, "target": TARGET})).expect("shared");
    let copy = &shared["copies"][0];
    assert_eq!(copy["target"], TARGET, "the copy, by its address: {shared}");
    assert_eq!(
        (copy["version"].as_str(), copy["state"].as_str()),
        (Some("1"), Some("current")),
        "{copy}"
    );
    assert!(
        copy["confirmed_at"].as_u64().is_some(),
        "when it was confirmed: {copy}"
    );
    let held = store
        .peek(&Target::parse(TARGET).expect("valid"))
        .expect("in the store");
    assert_eq!(held.1["api_token"], TOKEN, "the store holds the key");

    let relinked = call(
        &w,
        "relink_account",
        json!({"id": id, "fields": {"api_token": TOKEN}}),
    )
    .expect("relinked");
    assert_eq!(
        relinked["copy_outcomes"][0]["ok"], true,
        "the relink reports the copy: {relinked}"
    );
    assert_eq!(
        relinked["copies"][0]["version"], "2",
        "rotated to a new version: {relinked}"
    );
    for response in [&linked, &shared, &relinked, &listed] {
        assert!(
            !response.to_string().contains(TOKEN),
            "no response carries the key"
        );
    }
}

#[test]
fn forget_deletes_only_the_copies_it_is_given_and_stays_when_one_cannot_be() {
    let emu = Emulator::start();
    emu.add_humaans(TOKEN, HumaansTenant::full("Acme Ltd", 42));
    let store = Arc::new(MemoryStore::default());
    let app = app_with_store(&emu, store.clone());
    let w = window(&app);
    let linked = call(
        &w,
        "link_account",
        json!({"provider": "humaans", "fields": {"api_token": TOKEN}}),
    )
    .expect("linked");
    let id = linked["id"].as_str().expect("id").to_string();
    let kept = "aws-sm://eu-west-1/hr/humaans";
    for target in [TARGET, kept] {
        call(&w, "push_account", json!({"id": id, "target": target})).expect("shared");
    }
    // Someone changed the Vault copy: deleting it is refused, and nothing is forgotten.
    store.change_outside(
        &Target::parse(TARGET).expect("valid"),
        &[("api_token", "theirs")],
    );
    let err = call(
        &w,
        "forget_account",
        json!({"id": id, "deleteCopies": [TARGET]}),
    )
    .expect_err("changed");
    assert_eq!(err["code"], "store_changed", "{err}");
    assert_eq!(
        call(&w, "list_accounts", json!({}))
            .expect("list")
            .as_array()
            .map(Vec::len),
        Some(1),
        "still linked"
    );
    assert!(
        store.peek(&Target::parse(TARGET).expect("valid")).is_some(),
        "their copy stays"
    );

    // Asked to delete the AWS copy only: it goes, the other stays in its store.
    call(
        &w,
        "forget_account",
        json!({"id": id, "deleteCopies": [kept]}),
    )
    .expect("forgotten");
    assert!(
        store.peek(&Target::parse(kept).expect("valid")).is_none(),
        "the copy answered yes is deleted"
    );
    assert!(
        store.peek(&Target::parse(TARGET).expect("valid")).is_some(),
        "the one not asked about stays"
    );
    assert_eq!(
        call(&w, "list_accounts", json!({})).expect("list"),
        json!([]),
        "forgotten"
    );
}
