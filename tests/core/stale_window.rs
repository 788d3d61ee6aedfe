//! No key deleted by a window that has not seen the latest book (security review 3,
//! finding 4; issue 21 §5). The window opens the book first; `keystep link` (a second
//! `Accounts` over its own `FileBook` of the same folder, as a second process) links an
//! account later. The window's reconcile must not offer that account's key as a leftover,
//! and its "Remove from keychain" must refuse to delete it, though the window never read
//! the book in between. A real leftover is still offered and removed.

use std::collections::BTreeMap;

use keystep_core::account::LinkError;
use keystep_core::secret::Secret;
use keystep_core::vault::{ItemRef, Vault};
use keystep_core::Code;

use crate::on_disk::{link, Disk};
use crate::world::{ACME_1, BETA};

#[tokio::test]
async fn a_window_that_has_not_seen_a_command_line_link_neither_offers_nor_removes_its_key() {
    let disk = Disk::new();
    let window = disk
        .open(disk.dir.clone())
        .expect("the window opens the book");
    let acme = link(&window, ACME_1).await.expect("the window links Acme");
    let cli = disk
        .open(disk.other_dir())
        .expect("keystep link opens the same book");
    let beta = link(&cli, BETA)
        .await
        .expect("keystep link links Beta while the window runs");

    // Remove first (an offer made before the link finished), then reconcile: each reads
    // the book on its own.
    let refused = window
        .remove_orphan(&beta)
        .await
        .expect_err("the window may not delete a linked account's key");
    assert!(
        matches!(refused, LinkError::NotOrphan(_)) && refused.code() == Code::InvalidInput,
        "refused as not a leftover: {refused:?}"
    );
    let found = window.reconcile().await;
    assert!(
        found.problem.is_none() && found.needs_relink.is_empty(),
        "nothing is wrong with either account: {found:?}"
    );
    assert!(
        found.orphans.is_empty(),
        "Beta's key belongs to an account on disk, so it is no leftover: {:?}",
        found.orphans
    );
    assert!(
        disk.vault.ids().contains(&beta) && disk.vault.ids().contains(&acme),
        "both keys are still in the keychain: {:?}",
        disk.vault.ids()
    );

    // A key no account has, left by an older install: still offered, and removed.
    let leftover = "0123456789abcdef0123456789abcdef";
    let secrets: BTreeMap<String, Secret> = BTreeMap::from([(
        "api_token".to_string(),
        Secret::new("LeftoverToken00000001"),
    )]);
    disk.vault
        .put(
            &ItemRef {
                account: leftover.into(),
                label: "Keystep — Humaans (Gone Ltd)".into(),
            },
            &secrets,
        )
        .expect("a leftover item");
    let found = window.reconcile().await;
    assert_eq!(
        found
            .orphans
            .iter()
            .map(|o| o.account.as_str())
            .collect::<Vec<_>>(),
        vec![leftover],
        "only the real leftover is offered"
    );
    window
        .remove_orphan(leftover)
        .await
        .expect("a real leftover is removed");
    assert!(
        !disk.vault.ids().contains(leftover) && disk.vault.ids().contains(&beta),
        "the leftover is gone, Beta's key stays: {:?}",
        disk.vault.ids()
    );
}
