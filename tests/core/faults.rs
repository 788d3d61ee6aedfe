//! Every write path under injected faults: a keychain that refuses, locks mid-way or
//! cannot list, and a book that cannot be saved. Each case ends with the book in memory,
//! the saved book and the vault holding the same accounts, no account lost, and a message
//! that says what to do.

use keystep_core::account::{Account, LinkError, Status};
use keystep_core::vault::{Faults, Vault};
use keystep_core::Code;

use crate::world::{humaans_secret, ids, World, ACME_1, ACME_2, BETA};

/// A world with Acme linked, and the account.
async fn with_acme() -> (World<keystep_core::vault::MemoryVault>, Account) {
    let w = World::new();
    let a = w.link(ACME_1).await.expect("linked").account;
    (w, a)
}

fn says_unlock(err: &LinkError) {
    assert_eq!(err.code(), Code::KeychainUnavailable, "{err}");
    assert!(
        err.to_string().contains("unlock"),
        "a keychain message says what to do: {err}"
    );
}

fn says_disk(err: &LinkError) {
    assert_eq!(err.code(), Code::StorageFailed, "{err}");
    assert!(
        err.to_string().contains("could not save its account list")
            && err.to_string().contains("Nothing was changed"),
        "a storage message says what happened: {err}"
    );
}

/// After a refused operation on Acme: the message fits the fault, and once the faults are
/// lifted the account and its old key are exactly as they were, and book and vault agree.
async fn assert_refused_and_unchanged(
    w: &World<keystep_core::vault::MemoryVault>,
    a: &Account,
    case: &str,
    err: &LinkError,
    fail_saves: bool,
) {
    if fail_saves {
        says_disk(err);
    } else {
        says_unlock(err);
    }
    w.vault.set_faults(Faults::default());
    w.store.fail_saves(false);
    assert_eq!(
        w.accounts.list().await,
        vec![a.clone()],
        "{case}: account unchanged"
    );
    assert_eq!(
        w.secret_of(&a.id),
        humaans_secret(ACME_1),
        "{case}: the old key is in the keychain"
    );
    w.assert_agree(case).await;
}

#[tokio::test]
async fn link_under_every_fault_writes_nothing_and_keeps_what_was_there() {
    let (w, a) = with_acme().await;
    for (case, faults, fail_saves) in [
        (
            "keychain write fails",
            Faults {
                put: true,
                ..Faults::default()
            },
            false,
        ),
        ("keychain locked", Faults::locked(), false),
        ("book write fails", Faults::default(), true),
        (
            "book write fails and the undo too",
            Faults {
                delete: true,
                ..Faults::default()
            },
            true,
        ),
    ] {
        w.vault.set_faults(faults);
        w.store.fail_saves(fail_saves);
        let err = w.link(BETA).await.expect_err(case);
        if fail_saves {
            says_disk(&err);
        } else {
            says_unlock(&err);
        }
        w.vault.set_faults(Faults::default());
        w.store.fail_saves(false);
        assert_eq!(
            w.accounts.list().await,
            vec![a.clone()],
            "{case}: Acme is still there"
        );
        assert_eq!(
            w.secret_of(&a.id),
            humaans_secret(ACME_1),
            "{case}: with its key"
        );
        let leftovers = w.accounts.reconcile().await.orphans;
        if case.ends_with("the undo too") {
            // The one state a double fault can leave: an item without account, which
            // reconcile finds and offers to remove.
            assert_eq!(leftovers.len(), 1, "{case}: the leftover is found");
            w.accounts
                .remove_orphan(&leftovers[0].account)
                .await
                .expect("cleaned up");
        } else {
            assert!(
                leftovers.is_empty(),
                "{case}: no leftover item: {leftovers:?}"
            );
        }
        assert_eq!(w.assert_agree(case).await, ids([a.id.as_str()]), "{case}");
    }
}

#[tokio::test]
async fn relink_under_every_fault_keeps_the_old_key_and_account() {
    let (w, a) = with_acme().await;
    for (case, faults, fail_saves) in [
        (
            "keychain write fails",
            Faults {
                put: true,
                ..Faults::default()
            },
            false,
        ),
        (
            "keychain read fails",
            Faults {
                get: true,
                ..Faults::default()
            },
            false,
        ),
        ("keychain locked", Faults::locked(), false),
        ("book write fails", Faults::default(), true),
    ] {
        w.vault.set_faults(faults);
        w.store.fail_saves(fail_saves);
        let err = w.relink(&a.id, ACME_2).await.expect_err(case);
        assert_refused_and_unchanged(&w, &a, case, &err, fail_saves).await;
    }
    // The old key restored is the one that keeps working.
    let checked = w.accounts.check(&a.id, &|_| {}).await.expect("checked");
    assert_eq!(
        checked.fingerprint, a.fingerprint,
        "the old key's fingerprint"
    );
    assert_eq!(checked.status, Status::Ok, "{}", checked.message);
}

#[tokio::test]
async fn relink_whose_restore_also_fails_leaves_a_working_key() {
    let (w, a) = with_acme().await;
    // The swap succeeds, the save fails, and putting the old key back fails too.
    w.vault.set_faults(Faults {
        put_after: Some(1),
        ..Faults::default()
    });
    w.store.fail_saves(true);
    let err = w.relink(&a.id, ACME_2).await.expect_err("double fault");
    says_disk(&err);
    w.vault.set_faults(Faults::default());
    w.store.fail_saves(false);
    assert_eq!(
        w.accounts.list().await,
        vec![a.clone()],
        "the book is as it was"
    );
    assert_eq!(
        w.secret_of(&a.id),
        humaans_secret(ACME_2),
        "the keychain holds the new key, which reaches the same company"
    );
    w.assert_agree("double fault").await;
    let checked = w.accounts.check(&a.id, &|_| {}).await.expect("checked");
    assert_eq!(checked.status, Status::Ok, "the account still works");
}

#[tokio::test]
async fn relink_of_a_lost_key_under_a_failed_save_removes_the_new_key() {
    let (w, a) = with_acme().await;
    w.vault.delete(&a.id).expect("lost");
    w.store.fail_saves(true);
    let err = w.relink(&a.id, ACME_2).await.expect_err("no save");
    says_disk(&err);
    assert!(w.secret_of(&a.id).is_none(), "back to no key, as before");
    w.store.fail_saves(false);
    w.relink(&a.id, ACME_2).await.expect("then it works");
    w.assert_agree("relinked").await;
}

#[tokio::test]
async fn forget_under_every_fault_keeps_the_account_with_its_key() {
    let (w, a) = with_acme().await;
    for (case, faults, fail_saves) in [
        (
            "keychain delete fails",
            Faults {
                delete: true,
                ..Faults::default()
            },
            false,
        ),
        ("keychain locked", Faults::locked(), false),
        ("book write fails", Faults::default(), true),
    ] {
        w.vault.set_faults(faults);
        w.store.fail_saves(fail_saves);
        let err = w.accounts.forget(&a.id).await.expect_err(case);
        assert_refused_and_unchanged(&w, &a, case, &err, fail_saves).await;
    }
    w.accounts
        .forget(&a.id)
        .await
        .expect("forgotten without faults");
    assert!(w.assert_agree("forgotten").await.is_empty(), "nothing left");
}

#[tokio::test]
async fn check_and_reconcile_under_faults_change_nothing() {
    let (w, a) = with_acme().await;
    w.store.fail_saves(true);
    let err = w.accounts.check(&a.id, &|_| {}).await.expect_err("no save");
    says_disk(&err);
    w.vault.set_faults(Faults::locked());
    let err = w.accounts.check(&a.id, &|_| {}).await.expect_err("locked");
    says_unlock(&err);
    let found = w.accounts.reconcile().await;
    assert_eq!(
        found.problem.as_ref().map(LinkError::code),
        Some(Code::KeychainUnavailable),
        "reported"
    );
    let err = w.accounts.remove_orphan("x").await.expect_err("locked");
    says_unlock(&err);
    w.vault.set_faults(Faults::default());
    w.store.fail_saves(false);
    assert_eq!(w.accounts.list().await, vec![a.clone()], "unchanged");
    w.assert_agree("after check and reconcile faults").await;
    assert!(w.vault.get(&a.id).expect("read").is_some(), "key kept");
}
