//! The account lifecycle over the real Secret Service (gnome-keyring inside
//! `dbus-run-session`, see `scripts/headless.sh`), checked from outside with `secret-tool`:
//! link, a refused duplicate, relink, rename, restart, reconcile after an item is deleted
//! behind Keystep's back, a leftover item cleaned up, recovery from labels, forget.
//!
//! Each test uses its own keychain service, so tests never see each other's items. Under
//! `CI=true` or `KEYSTEP_REAL_KEYCHAIN=1` a missing keyring fails instead of skipping.

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::Arc;

use keystep_core::account::{recover_book, Status};
use keystep_core::vault::{ItemRef, KeychainVault, Vault};

use crate::keychain::{keyring_present, secret_tool};
use crate::support::catalogue;
use crate::world::{World, ACME_1, ACME_2, BETA};

fn service(test: &str) -> String {
    format!("keystep-test-{test}-{}", std::process::id())
}

/// Every item of `service`, as `secret-tool search --all` prints them.
fn items(service: &str) -> String {
    secret_tool(&["search", "--all", "service", service])
}

fn item_count(service: &str) -> usize {
    items(service).matches("[/").count()
}

fn lookup(service: &str, id: &str) -> String {
    secret_tool(&["lookup", "service", service, "username", id])
}

#[tokio::test]
async fn link_duplicate_relink_rename_restart_forget() {
    if !keyring_present() {
        return;
    }
    let svc = service("life");
    let w = World::with_vault(Arc::new(KeychainVault::new(&svc)));
    let a = w.link(ACME_1).await.expect("linked").account;
    assert!(
        lookup(&svc, &a.id).contains(ACME_1),
        "the key is in the keyring"
    );
    assert!(
        items(&svc).contains("label = Keystep — Humaans (Acme Ltd)"),
        "named for people: {}",
        items(&svc)
    );
    assert_eq!(item_count(&svc), 1, "one item");

    let err = w.link(ACME_2).await.expect_err("same company again");
    assert_eq!(err.existing_account(), Some(a.id.as_str()), "{err:?}");
    assert_eq!(
        item_count(&svc),
        1,
        "no second item for a refused duplicate"
    );

    w.relink(&a.id, ACME_2).await.expect("rotated");
    let stored = lookup(&svc, &a.id);
    assert!(
        stored.contains(ACME_2) && !stored.contains(ACME_1),
        "the item holds the new key only"
    );
    assert_eq!(item_count(&svc), 1, "rotated in place, still one item");

    w.accounts
        .rename(&a.id, "Acme Payroll")
        .await
        .expect("renamed");
    assert!(
        items(&svc).contains("label = Keystep — Humaans (Acme Payroll)"),
        "the keyring label follows a rename: {}",
        items(&svc)
    );
    assert_eq!(
        w.vault.list().expect("the Secret Service lists by service"),
        vec![ItemRef {
            account: a.id.clone(),
            label: "Keystep — Humaans (Acme Payroll)".into(),
        }],
        "list finds exactly this item"
    );

    let restarted = w.reopen();
    assert_eq!(
        restarted.list().await,
        w.accounts.list().await,
        "same book after a restart"
    );
    let checked = restarted.check(&a.id, &|_| {}).await.expect("checked");
    assert_eq!(
        (checked.status, checked.fingerprint.as_str()),
        (Status::Ok, "…2222"),
        "the relinked key is read back from the keyring and works"
    );

    restarted.forget(&a.id).await.expect("forgotten");
    assert_eq!(item_count(&svc), 0, "nothing left: {}", items(&svc));
    assert!(restarted.list().await.is_empty(), "no account left");
}

#[tokio::test]
async fn reconcile_and_recover_after_changes_behind_keystep_s_back() {
    if !keyring_present() {
        return;
    }
    let svc = service("reconcile");
    let w = World::with_vault(Arc::new(KeychainVault::new(&svc)));
    let a = w.link(ACME_1).await.expect("acme").account.id;
    let b = w.link(BETA).await.expect("beta").account.id;

    secret_tool(&["clear", "service", &svc, "username", &a]);
    assert!(!items(&svc).contains(&a), "setup: the item is gone");
    let orphan = "0123456789abcdef0123456789abcdef";
    let mut store = Command::new("secret-tool")
        .args([
            "store",
            "--label=Keystep — Humaans (Old Co)",
            "service",
            &svc,
            "username",
            orphan,
        ])
        .stdin(Stdio::piped())
        .spawn()
        .expect("secret-tool store runs");
    store
        .stdin
        .take()
        .expect("stdin")
        .write_all(br#"{"api_token":"LeftBehind0000000000000000000000"}"#)
        .expect("write the secret");
    assert!(
        store.wait().expect("waited").success(),
        "setup: leftover stored"
    );

    let found = w.accounts.reconcile().await;
    assert!(found.problem.is_none(), "{:?}", found.problem);
    assert_eq!(
        found.needs_relink,
        vec![a.clone()],
        "the deleted item is noticed"
    );
    assert_eq!(
        found.orphans,
        vec![ItemRef {
            account: orphan.into(),
            label: "Keystep — Humaans (Old Co)".into(),
        }],
        "the leftover is found with its label"
    );
    let status = |id: &str, list: &[keystep_core::account::Account]| {
        list.iter().find(|x| x.id == id).map(|x| x.status)
    };
    let listed = w.reopen().list().await;
    assert_eq!(status(&a, &listed), Some(Status::NeedsRelink), "saved");
    assert_eq!(
        status(&b, &listed),
        Some(Status::Ok),
        "the other is untouched"
    );

    w.accounts.remove_orphan(orphan).await.expect("removed");
    assert!(
        !items(&svc).contains(orphan),
        "the leftover is gone: {}",
        items(&svc)
    );

    w.relink(&a, ACME_2).await.expect("relinked");
    assert!(lookup(&svc, &a).contains(ACME_2), "the key is back");

    let recovered =
        recover_book(&KeychainVault::new(&svc), &catalogue(), w.clock.as_ref()).expect("listed");
    let mut rebuilt: Vec<(String, String, String)> = recovered
        .book
        .accounts
        .iter()
        .map(|x| (x.id.clone(), x.provider.clone(), x.label.clone()))
        .collect();
    rebuilt.sort();
    let mut want = vec![
        (a.clone(), "humaans".to_string(), "Acme Ltd".to_string()),
        (b.clone(), "humaans".to_string(), "Beta GmbH".to_string()),
    ];
    want.sort();
    assert_eq!(
        rebuilt, want,
        "the book is rebuilt from the keyring's labels"
    );
    assert!(
        recovered.unrecognised.is_empty(),
        "{:?}",
        recovered.unrecognised
    );

    w.accounts.forget(&a).await.expect("forget a");
    w.accounts.forget(&b).await.expect("forget b");
    assert_eq!(item_count(&svc), 0, "nothing left: {}", items(&svc));
}
