//! A stored key goes only where it was verified: each account records the base URLs it was
//! verified against, and a check whose host table (a `KEYSTEP_*_URL` override set since)
//! would send the key anywhere else is refused with `host_changed` before anything is sent,
//! the account left as it was. Two emulators stand for "where it was verified" and
//! "where an override now points".

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use keystep_core::account::{Accounts, BookStore, LinkError, MemoryBookStore, Status};
use keystep_core::vault::Vault;
use keystep_core::Code;
use keystep_emulator::{Emulator, NamelyTenant};

use crate::support::{catalogue, raw, verifier_for};
use crate::world::{acme, World, ACME_1, ACME_2};

/// `Accounts` over the world's vault and book, with every provider pointed at `emu`.
fn opened_at<V: Vault + 'static>(w: &World<V>, emu: &Emulator) -> Accounts {
    Accounts::open(
        catalogue(),
        verifier_for(emu, Duration::from_secs(5)),
        w.vault.clone(),
        w.store.clone(),
        w.clock.clone(),
    )
    .expect("the book opens")
}

/// An emulator that knows Acme as well, so a check sent there would succeed.
fn elsewhere() -> Emulator {
    let emu = Emulator::start();
    emu.add_humaans(ACME_1, acme());
    emu.add_humaans(ACME_2, acme());
    emu
}

#[tokio::test]
async fn link_and_relink_record_where_the_key_was_verified() {
    let w = World::new();
    w.emu.add_namely(
        "acme",
        NamelyTenant::full("Acme Inc", "NamelyTok3nAcme01", 9),
    );
    let humaans = w.link(ACME_1).await.expect("linked").account;
    assert_eq!(
        humaans.verified_hosts,
        BTreeMap::from([("api".to_string(), w.emu.url("humaans", "api"))]),
        "the one host Humaans' checks use, as resolved"
    );
    let namely = w
        .accounts
        .link(
            "namely",
            raw(&[("subdomain", "acme"), ("access_token", "NamelyTok3nAcme01")]),
            &|_| {},
        )
        .await
        .expect("Namely links")
        .account;
    assert_eq!(
        namely.verified_hosts.get("api"),
        Some(&w.emu.url("namely", "api").replace("{subdomain}", "acme")),
        "the subdomain is filled in: {:?}",
        namely.verified_hosts
    );
    let saved = w.store.saved().expect("saved");
    assert_eq!(
        saved.accounts[0].verified_hosts, humaans.verified_hosts,
        "the record is in the saved book"
    );

    // Relinking under another host table is the person's choice: the record follows.
    let other = elsewhere();
    let moved = opened_at(&w, &other)
        .relink(&humaans.id, raw(&[("api_token", ACME_2)]), &|_| {})
        .await
        .expect("relinked there")
        .account;
    assert_eq!(
        moved.verified_hosts.get("api"),
        Some(&other.url("humaans", "api")),
        "a relink records where the new key was verified"
    );
}

#[tokio::test]
async fn a_check_under_another_override_is_refused_before_anything_is_sent() {
    let w = World::new();
    let linked = w.link(ACME_1).await.expect("linked").account;
    let other = elsewhere();
    let redirected = opened_at(&w, &other);
    w.emu.clear_requests();

    let err = redirected
        .check(&linked.id, &|_| {})
        .await
        .expect_err("the key must not go to another host");
    assert_eq!(err.code(), Code::HostChanged, "its own code: {err}");
    assert_eq!(err.code().as_str(), "host_changed", "wire name");
    let said = err.to_string();
    assert!(
        said.contains("KEYSTEP_HUMAANS_API_URL") && said.contains("was not sent"),
        "names the variable and says nothing went: {said}"
    );
    assert!(
        matches!(err, LinkError::HostChanged { ref host, .. } if host == "api"),
        "names the host: {err:?}"
    );
    assert!(
        other.requests().is_empty(),
        "nothing reached the other host: {:?}",
        other.requests()
    );
    assert!(w.emu.requests().is_empty(), "nor the first one");

    let after = redirected.get(&linked.id).await.expect("still listed");
    assert_eq!(after, linked, "the account is exactly as it was, not red");
    assert_eq!(
        w.store.saved().expect("saved").accounts[0],
        linked,
        "and so is the saved book"
    );
    let swept = redirected.sweep(std::slice::from_ref(&linked.id), 4).await;
    assert!(swept.is_empty(), "a sweep leaves it out: {swept:?}");
    assert!(other.requests().is_empty(), "a sweep sends nothing either");
    assert_eq!(
        redirected.get(&linked.id).await.map(|a| a.status),
        Some(Status::Ok),
        "still not red after the sweep"
    );

    // Under the hosts it was verified against, the same account checks as before.
    let checked = w
        .reopen()
        .check(&linked.id, &|_| {})
        .await
        .expect("checked");
    assert_eq!(checked.status, Status::Ok, "works where it was verified");
    assert_eq!(
        checked.verified_hosts, linked.verified_hosts,
        "the record is unchanged"
    );
}

#[tokio::test]
async fn an_old_book_under_an_override_is_refused_until_relinked() {
    let w = World::new();
    let linked = w.link(ACME_1).await.expect("linked").account;
    // A book written before the record existed: the field is absent from the file.
    let mut json = serde_json::to_value(w.store.saved().expect("saved")).expect("JSON");
    json["accounts"][0]
        .as_object_mut()
        .expect("an account object")
        .remove("verified_hosts")
        .expect("the new book has the record");
    let old_store = Arc::new(MemoryBookStore::default());
    old_store
        .save(&serde_json::from_value(json).expect("an old book still parses"))
        .expect("saved");
    let old = Accounts::open(
        catalogue(),
        verifier_for(&w.emu, Duration::from_secs(5)),
        w.vault.clone(),
        old_store.clone(),
        w.clock.clone(),
    )
    .expect("opens");
    assert!(
        old.get(&linked.id)
            .await
            .is_some_and(|a| a.verified_hosts.is_empty()),
        "nothing recorded yet"
    );
    w.emu.clear_requests();

    let err = old
        .check(&linked.id, &|_| {})
        .await
        .expect_err("an override is not where an unrecorded key may go");
    assert_eq!(err.code(), Code::HostChanged, "{err}");
    assert!(w.emu.requests().is_empty(), "nothing was sent");

    let relinked = old
        .relink(&linked.id, raw(&[("api_token", ACME_1)]), &|_| {})
        .await
        .expect("the person relinks here on purpose")
        .account;
    assert_eq!(
        relinked.verified_hosts.get("api"),
        Some(&w.emu.url("humaans", "api")),
        "recorded by the relink"
    );
    let checked = old.check(&linked.id, &|_| {}).await.expect("checked");
    assert_eq!(checked.status, Status::Ok, "checks from then on");
}
