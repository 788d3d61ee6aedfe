//! Linking and forgetting are all-or-nothing across the vault and the book.

use std::sync::Arc;

use keystep_core::account::{Accounts, BookStore, LinkError, MemoryBookStore, Status};
use keystep_core::clock::ManualClock;
use keystep_core::vault::{Faults, MemoryVault, Store, StoredIn, Vault};
use keystep_core::Code;
use keystep_emulator::{Emulator, HumaansTenant};

use crate::support::{catalogue, raw, verifier_for, TOKEN};

fn open(emu: &Emulator) -> (Accounts, Arc<MemoryVault>, Arc<MemoryBookStore>) {
    let vault = Arc::new(MemoryVault::default());
    let store = Arc::new(MemoryBookStore::default());
    let accounts = Accounts::open(
        catalogue(),
        verifier_for(emu, std::time::Duration::from_secs(5)),
        vault.clone(),
        store.clone(),
        Arc::new(ManualClock::at(1_700_000_000)),
    )
    .expect("an empty book opens");
    (accounts, vault, store)
}

fn emulator() -> Emulator {
    let emu = Emulator::start();
    emu.add_humaans(TOKEN, HumaansTenant::full("Acme Ltd", 42));
    emu
}

#[tokio::test]
async fn link_stores_secret_in_vault_and_metadata_in_book() {
    let emu = emulator();
    let (accounts, vault, store) = open(&emu);
    let linked = accounts
        .link("humaans", raw(&[("api_token", TOKEN)]), &|_| {})
        .await
        .expect("link succeeds");
    let a = &linked.account;
    assert_eq!(
        (a.status, a.label.as_str()),
        (Status::Ok, "Acme Ltd"),
        "healthy, named after the company"
    );
    assert_eq!(
        a.fingerprint, "…0001",
        "fingerprint shows the key's tail only"
    );
    let secrets = vault
        .get(&a.id)
        .expect("vault readable")
        .expect("item written");
    assert_eq!(
        secrets["api_token"].expose(),
        TOKEN,
        "the vault holds the token"
    );
    assert_eq!(
        vault.labels()[&a.id],
        "Keystep — Humaans (Acme Ltd)",
        "human-readable item label"
    );
    let saved = store.saved().expect("book saved");
    assert_eq!(saved.accounts.len(), 1, "one account in the book");
    let book_json = serde_json::to_string(&saved).expect("book serializes");
    assert!(
        !book_json.contains(TOKEN),
        "the book never holds the secret"
    );
    assert_eq!(
        linked.stored_in,
        StoredIn {
            store: Store::Memory,
            label: "Keystep — Humaans (Acme Ltd)".into()
        },
        "where it is stored is said: the store as a code, and the item's label"
    );
}

#[tokio::test]
async fn failed_verification_stores_nothing() {
    let emu = emulator();
    let (accounts, vault, store) = open(&emu);
    let err = accounts
        .link(
            "humaans",
            raw(&[("api_token", "nope-nope-nope-nope")]),
            &|_| {},
        )
        .await
        .expect_err("bad token must not link");
    assert_eq!(
        err.code(),
        Code::BadCredentials,
        "the verification code comes through"
    );
    assert!(
        vault.labels().is_empty() && store.saved().is_none(),
        "nothing written"
    );
}

#[tokio::test]
async fn book_write_failure_removes_the_keychain_item() {
    let emu = emulator();
    let (accounts, vault, store) = open(&emu);
    store.fail_saves(true);
    let err = accounts
        .link("humaans", raw(&[("api_token", TOKEN)]), &|_| {})
        .await
        .expect_err("a failed save fails the link");
    assert_eq!(err.code(), Code::StorageFailed, "storage code: {err}");
    assert!(
        vault.labels().is_empty(),
        "the keychain item was rolled back"
    );
    assert!(
        accounts.list().await.is_empty(),
        "no half account in memory"
    );
}

#[tokio::test]
async fn keychain_failure_leaves_book_untouched_with_advice() {
    let emu = emulator();
    let (accounts, vault, store) = open(&emu);
    vault.set_faults(Faults {
        put: true,
        ..Faults::default()
    });
    let err = accounts
        .link("humaans", raw(&[("api_token", TOKEN)]), &|_| {})
        .await
        .expect_err("no keychain, no link");
    assert_eq!(err.code(), Code::KeychainUnavailable, "keychain code");
    assert!(
        err.to_string().contains("unlock"),
        "the message says what to do: {err}"
    );
    assert!(store.saved().is_none(), "the book was not written");
}

#[tokio::test]
async fn forget_is_idempotent_and_complete() {
    let emu = emulator();
    let (accounts, vault, store) = open(&emu);
    let id = accounts
        .link("humaans", raw(&[("api_token", TOKEN)]), &|_| {})
        .await
        .expect("linked")
        .account
        .id;
    accounts.forget(&id).await.expect("forget");
    accounts
        .forget(&id)
        .await
        .expect("forgetting twice is fine");
    assert!(vault.get(&id).expect("readable").is_none(), "secret gone");
    assert!(
        store.load().expect("book").accounts.is_empty(),
        "metadata gone"
    );
}

#[tokio::test]
async fn unknown_provider_and_fields_are_refused_before_sending() {
    let emu = emulator();
    let (accounts, _, _) = open(&emu);
    let err = accounts
        .link("workday", raw(&[]), &|_| {})
        .await
        .expect_err("unknown provider");
    assert_eq!(err.code(), Code::NotFound, "unknown provider");
    let err = accounts
        .link(
            "humaans",
            raw(&[("api_token", TOKEN), ("apitoken", "x")]),
            &|_| {},
        )
        .await
        .expect_err("unknown field");
    assert!(
        matches!(err, LinkError::Input(ref e) if e.field == "apitoken"),
        "the bad field is named: {err:?}"
    );
    let err = accounts
        .link("humaans", raw(&[("api_token", "   ")]), &|_| {})
        .await
        .expect_err("empty token");
    assert_eq!(err.code(), Code::InvalidInput, "blank input: {err}");
    assert!(emu.requests().is_empty(), "invalid input sends nothing");
}

/// Issue 21 §7: a web address, a whole `curl` line or a few characters pasted into the key
/// box is refused before anything is sent, with a code and a sentence saying what was
/// pasted, never its value; nothing is kept. (Sent as the key, the provider's refusal was
/// read as a bad key, and the person told to copy a key HiBob shows only once.)
#[tokio::test]
async fn an_address_a_command_line_or_a_fragment_in_the_key_box_is_refused_before_sending() {
    let emu = emulator();
    let (accounts, vault, store) = open(&emu);
    for (pasted, problem, says) in [
        (
            "https://app.humaans.io/settings/api-access",
            "pasted_url",
            "web address",
        ),
        (
            "curl -H \"Authorization: Bearer QzXvCurlLine0000000000000000001\" https://app.humaans.io/api/me",
            "pasted_command",
            "command line",
        ),
        ("x7Q", "too_short", "too short"),
    ] {
        let preview = keystep_core::input::preview_fields(
            catalogue().get("humaans").expect("humaans"),
            raw(&[("api_token", pasted)]),
        );
        assert_eq!(
            serde_json::to_value(&preview.problems).expect("JSON")[0]["problem"],
            problem,
            "{problem}: the form hears the code while typing"
        );
        let err = accounts
            .link("humaans", raw(&[("api_token", pasted)]), &|_| {})
            .await
            .expect_err("refused");
        assert_eq!(err.code(), Code::InvalidInput, "{problem}: {err}");
        let said = err.to_string();
        assert!(
            said.contains(says) && said.contains("API token") && said.contains("nothing was sent"),
            "{problem}: says what was pasted into which box: {said}"
        );
        assert!(
            !said.contains("humaans.io") && !said.contains("QzXv") && !said.contains("x7Q"),
            "{problem}: the value is not repeated: {said}"
        );
    }
    assert!(
        emu.requests().is_empty(),
        "nothing was sent: {:?}",
        emu.requests()
    );
    assert!(vault.ids().is_empty(), "nothing in the keychain");
    assert!(
        store.saved().is_none_or(|b| b.accounts.is_empty()),
        "nothing in the book"
    );
}
