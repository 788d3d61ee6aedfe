//! Lifecycle, when the keychain and the book disagree or one of them is lost: reconciling
//! finds the accounts whose key is gone and the items no account owns, and changes nothing
//! while the keychain cannot be read; a restart reads the same accounts; a book written by a
//! newer Keystep is neither opened nor overwritten; a lost book is rebuilt from the keychain's
//! labels, and a key left behind can be taken back without pasting it again. Recovery is the
//! one way back from a lost file, so each step must keep the keys and refuse to guess.

use std::sync::Arc;
use std::time::Duration;

use keystep_core::account::{
    recover_book, AccountBook, Accounts, BookError, BookStore, LinkError, MemoryBookStore, Status,
    BOOK_VERSION,
};
use keystep_core::clock::ManualClock;
use keystep_core::vault::{Faults, ItemRef, SecretFields, Vault, VaultError};
use keystep_core::{Code, Secret};
use keystep_emulator::{HibobTenant, NamelyTenant};

use crate::lifecycle::link_namely_acme;
use crate::support::{catalogue, raw, verifier_for};
use crate::world::{World, ACME_1, ACME_2, ACME_ID, BETA};

#[tokio::test]
async fn reconcile_finds_lost_keys_and_leftover_items() {
    let w = World::new();
    let a = w.link(ACME_1).await.expect("acme").account.id;
    let b = w.link(BETA).await.expect("beta").account.id;
    w.vault.delete(&a).expect("removed outside Keystep");
    let orphan = ItemRef {
        account: "0123456789abcdef0123456789abcdef".into(),
        label: "Keystep — Humaans (Old Co)".into(),
    };
    let mut secrets = SecretFields::new();
    secrets.insert(
        "api_token".into(),
        Secret::new("LeftBehindToken0000000000000000"),
    );
    w.vault.put(&orphan, &secrets).expect("a leftover item");

    let found = w.accounts.reconcile().await;
    assert!(found.problem.is_none(), "{:?}", found.problem);
    assert_eq!(
        found.needs_relink,
        vec![a.clone()],
        "the account that lost its key"
    );
    assert_eq!(
        found.orphans,
        vec![orphan.clone()],
        "the leftover item, with its label"
    );
    let saved = w.store.saved().expect("saved");
    let status = |id: &str| saved.accounts.iter().find(|x| x.id == id).map(|x| x.status);
    assert_eq!(
        status(&a),
        Some(Status::NeedsRelink),
        "saved as needing a relink"
    );
    assert_eq!(status(&b), Some(Status::Ok), "the other is untouched");

    let again = w.accounts.reconcile().await;
    assert!(again.needs_relink.is_empty(), "nothing new the second time");

    let err = w.accounts.remove_orphan(&b).await.expect_err("b is linked");
    assert_eq!(err.code(), Code::InvalidInput, "{err}");
    assert!(w.vault.get(&b).expect("read").is_some(), "b's key is kept");
    w.accounts
        .remove_orphan(&orphan.account)
        .await
        .expect("removed");
    w.accounts
        .remove_orphan(&orphan.account)
        .await
        .expect("twice is fine");
    assert!(
        w.vault.get(&orphan.account).expect("read").is_none(),
        "gone"
    );
    assert!(
        w.accounts.reconcile().await.orphans.is_empty(),
        "no leftovers"
    );

    w.relink(&a, ACME_2).await.expect("relinked");
    w.assert_agree("after relinking the lost key").await;
}

#[tokio::test]
async fn reconcile_with_an_unreadable_keychain_changes_nothing() {
    let w = World::new();
    let a = w.link(ACME_1).await.expect("acme").account;
    w.vault.delete(&a.id).expect("lost");
    for (case, faults, expect) in [
        (
            "locked",
            Faults::locked(),
            "could not open your system keychain",
        ),
        (
            "cannot list",
            Faults {
                cannot_list: true,
                ..Faults::default()
            },
            "cannot list",
        ),
    ] {
        w.vault.set_faults(faults);
        let found = w.accounts.reconcile().await;
        let problem = found.problem.expect(case);
        assert_eq!(problem.code(), Code::KeychainUnavailable, "{case}");
        assert!(problem.to_string().contains(expect), "{case}: {problem}");
        assert!(
            found.needs_relink.is_empty() && found.orphans.is_empty(),
            "{case}: no findings"
        );
        assert_eq!(
            w.accounts.list().await,
            vec![a.clone()],
            "{case}: statuses unchanged"
        );
    }
    w.vault.set_faults(Faults::default());
    w.store.fail_saves(true);
    let found = w.accounts.reconcile().await;
    assert_eq!(
        found.problem.as_ref().map(LinkError::code),
        Some(Code::StorageFailed),
        "a book that cannot be saved is reported"
    );
    assert_eq!(
        w.accounts.list().await,
        vec![a.clone()],
        "and nothing changed in memory"
    );
    w.store.fail_saves(false);
    assert_eq!(
        w.accounts.reconcile().await.needs_relink,
        vec![a.id.clone()],
        "then it works"
    );
}

#[tokio::test]
async fn a_restart_reads_the_same_accounts() {
    let w = World::new();
    let a = w.link(ACME_1).await.expect("acme").account.id;
    w.link(BETA).await.expect("beta");
    w.relink(&a, ACME_2).await.expect("relinked");
    w.accounts.rename(&a, "Acme").await.expect("renamed");
    let before = w.accounts.list().await;
    let reopened = w.reopen();
    assert_eq!(
        reopened.list().await,
        before,
        "the same book after a restart"
    );
    let checked = reopened
        .check(&a, &|_| {})
        .await
        .expect("checked after restart");
    assert_eq!(
        checked.fingerprint, "…2222",
        "the relinked key is the one checked"
    );
    assert_eq!(checked.status, Status::Ok, "{}", checked.message);
}

#[tokio::test]
async fn a_book_from_a_newer_keystep_is_not_opened_or_overwritten() {
    let emu = keystep_emulator::Emulator::start();
    let store = Arc::new(MemoryBookStore::default());
    let newer = AccountBook {
        version: BOOK_VERSION + 1,
        accounts: Vec::new(),
    };
    store.save(&newer).expect("seed");
    let err = Accounts::open(
        catalogue(),
        verifier_for(&emu, Duration::from_secs(5)),
        Arc::new(keystep_core::vault::MemoryVault::default()),
        store.clone(),
        Arc::new(ManualClock::at(1)),
    )
    .expect_err("a newer book must not open");
    assert_eq!(
        err,
        BookError::TooNew {
            found: BOOK_VERSION + 1
        },
        "{err}"
    );
    assert!(err.to_string().contains("newer Keystep"), "{err}");
    assert_eq!(store.saved(), Some(newer), "left as it was");
}

#[tokio::test]
async fn a_lost_book_is_rebuilt_from_keychain_labels() {
    let w = World::new();
    w.emu.add_namely(
        "acme",
        NamelyTenant::full("Acme Inc", "NamelyTok3nAcme000000001", 12),
    );
    w.emu.add_hibob(HibobTenant::full(
        "SERVICE-USER-1",
        "HibobTok3n0000000000000000000001",
        5,
    ));
    let humaans = w.link(ACME_1).await.expect("humaans").account;
    let namely = link_namely_acme(&w).await;
    let hibob = w
        .accounts
        .link(
            "hibob",
            raw(&[
                ("service_user_id", "SERVICE-USER-1"),
                ("service_user_token", "HibobTok3n0000000000000000000001"),
            ]),
            &|_| {},
        )
        .await
        .expect("hibob")
        .account;
    let foreign = ItemRef {
        account: "someone-else".into(),
        label: "Not a Keystep label".into(),
    };
    w.vault
        .put(&foreign, &SecretFields::new())
        .expect("foreign item");

    let clock = ManualClock::at(1_800_000_000);
    let recovered = recover_book(w.vault.as_ref(), &catalogue(), &clock).expect("listable");
    assert_eq!(
        recovered.unrecognised,
        vec![foreign],
        "the foreign item is set apart"
    );
    let by_id = |id: &str| {
        recovered
            .book
            .accounts
            .iter()
            .find(|a| a.id == id)
            .cloned()
            .unwrap_or_else(|| panic!("{id} was recovered: {:?}", recovered.book))
    };
    let h = by_id(&humaans.id);
    assert_eq!(
        (h.provider.as_str(), h.label.as_str(), h.status),
        ("humaans", "Acme Ltd", Status::Unknown),
        "Humaans lost nothing but its details: check it"
    );
    let n = by_id(&namely.id);
    assert_eq!(
        (n.provider.as_str(), n.label.as_str(), n.status),
        ("namely", "Acme Inc", Status::NeedsRelink),
        "Namely lost its subdomain: relink"
    );
    assert!(n.message.contains("subdomain"), "{}", n.message);
    let b = by_id(&hibob.id);
    assert_eq!(
        (b.provider.as_str(), b.status),
        ("hibob", Status::NeedsRelink),
        "HiBob lost its service user ID"
    );
    assert!(
        recovered
            .book
            .accounts
            .iter()
            .all(|a| a.fields.is_empty() && a.created_at == 1_800_000_000),
        "fields empty, times are the recovery's"
    );
    assert_eq!(recovered.book.version, BOOK_VERSION, "current schema");

    // The shell saves the recovered book and opens it; the accounts work from there.
    let store = Arc::new(MemoryBookStore::default());
    store.save(&recovered.book).expect("saved");
    let accounts = Accounts::open(
        catalogue(),
        verifier_for(&w.emu, Duration::from_secs(5)),
        w.vault.clone(),
        store.clone(),
        Arc::new(ManualClock::at(1_800_000_100)),
    )
    .expect("opens");
    // A recovered account records no host, and these hosts are overridden (the emulator):
    // its key is not sent there by a check. Relinking, the person's own act, is.
    let refused = accounts
        .check(&humaans.id, &|_| {})
        .await
        .expect_err("an unrecorded key goes to no overridden host");
    assert_eq!(refused.code().as_str(), "host_changed", "{refused}");
    let checked = accounts
        .relink(&humaans.id, raw(&[("api_token", ACME_1)]), &|_| {})
        .await
        .expect("relinked")
        .account;
    assert_eq!(
        (
            checked.status,
            checked.identity.company.as_deref(),
            checked.tenant.as_deref()
        ),
        (Status::Ok, Some("Acme Ltd"), Some(ACME_ID)),
        "a relink refills identity and tenant"
    );
    let err = accounts
        .link("humaans", raw(&[("api_token", ACME_2)]), &|_| {})
        .await
        .expect_err("Acme is linked (as the recovered account)");
    assert_eq!(err.existing_account(), Some(humaans.id.as_str()), "{err:?}");
    let relinked = accounts
        .relink(
            &namely.id,
            raw(&[
                ("subdomain", "acme"),
                ("access_token", "NamelyTok3nAcme000000001"),
            ]),
            &|_| {},
        )
        .await
        .expect("relink with the subdomain");
    assert_eq!(relinked.account.fields["subdomain"], "acme", "fields back");
    assert_eq!(relinked.account.status, Status::Ok, "healthy");
}

#[tokio::test]
async fn recovery_needs_a_listable_keychain() {
    let vault = keystep_core::vault::MemoryVault::default();
    vault.set_faults(Faults {
        cannot_list: true,
        ..Faults::default()
    });
    let err = recover_book(&vault, &catalogue(), &ManualClock::at(1)).expect_err("cannot list");
    assert!(matches!(err, VaultError::CannotList(_)), "{err:?}");
}

#[tokio::test]
async fn a_key_left_in_the_keychain_when_the_list_was_lost_can_be_restored_and_checked() {
    let w = World::new();
    let linked = w.link(ACME_1).await.expect("linked").account;
    let lost = w.reopen_without_book();
    let found = lost.reconcile().await;
    assert_eq!(
        found
            .orphans
            .iter()
            .map(|o| o.account.clone())
            .collect::<Vec<_>>(),
        vec![linked.id.clone()],
        "with the list lost, the key is a leftover"
    );
    let restored = lost.restore_orphan(&linked.id).await.expect("restored");
    assert_eq!(
        (
            restored.id.as_str(),
            restored.label.as_str(),
            restored.status
        ),
        (linked.id.as_str(), "Acme Ltd", Status::Unknown),
        "the same account, named from its keychain label, to check"
    );
    assert!(
        lost.reconcile().await.orphans.is_empty(),
        "no longer a leftover"
    );
    // Its key is the one linked: nothing had to be pasted again. (Its first check goes to
    // the provider's own hosts only, as for any account whose verified hosts are unknown;
    // here they are the emulator's, so it is not checked.)
    assert_eq!(
        w.secret_of(&linked.id)
            .and_then(|s| s.get("api_token").cloned())
            .as_deref(),
        Some(ACME_1),
        "the keychain item is untouched"
    );
    let again = lost
        .restore_orphan(&linked.id)
        .await
        .expect("already there");
    assert_eq!(
        again.id, linked.id,
        "restoring twice gives the account back"
    );
    assert_eq!(lost.list().await.len(), 1, "once");
    let err = lost
        .restore_orphan("no-such-item")
        .await
        .expect_err("nothing to restore");
    assert_eq!(err.code(), Code::NotFound, "{err}");
}
