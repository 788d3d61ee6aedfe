//! The account lifecycle over an in-memory vault: one tenant is one account (duplicates
//! refused, relinks in place), checks record the provider's verdict, renames reach the
//! keychain label, reconciling finds lost keys and leftover items, and a lost book is
//! rebuilt from the keychain.

use std::sync::Arc;
use std::time::Duration;

use keystep_core::account::{
    recover_book, Account, AccountBook, Accounts, BookError, BookStore, LinkError, MemoryBookStore,
    Status, BOOK_VERSION,
};
use keystep_core::clock::ManualClock;
use keystep_core::vault::{Faults, ItemRef, SecretFields, Vault, VaultError};
use keystep_core::{Code, Secret};
use keystep_emulator::{Fault, HibobTenant, JazzhrAccount, NamelyTenant};

use crate::support::{catalogue, raw, verifier_for};
use crate::world::{acme, humaans_secret, ids, World, ACME_1, ACME_2, ACME_ID, BETA};

#[tokio::test]
async fn linking_a_tenant_twice_is_refused_and_names_the_account() {
    let w = World::new();
    let first = w.link(ACME_1).await.expect("first link").account;
    assert_eq!(
        first.tenant.as_deref(),
        Some(ACME_ID),
        "the tenant is Humaans' company id"
    );
    assert_eq!(
        first.tenant_key().as_deref(),
        Some("humaans:cmp_acme"),
        "the tenant key names the provider and the tenant"
    );
    for (case, token) in [
        ("the same key", ACME_1),
        ("another key of the same company", ACME_2),
    ] {
        let err = w.link(token).await.expect_err(case);
        assert_eq!(err.code(), Code::AlreadyLinked, "{case}: code");
        assert_eq!(err.code().as_str(), "already_linked", "{case}: wire name");
        assert_eq!(
            err.existing_account(),
            Some(first.id.as_str()),
            "{case}: the error names the account to relink"
        );
        let msg = err.to_string();
        assert!(
            msg.contains("Acme Ltd") && msg.contains("Replace key"),
            "{case}: the message says which account and what to do: {msg}"
        );
    }
    assert_eq!(
        w.secret_of(&first.id),
        humaans_secret(ACME_1),
        "a refused duplicate wrote nothing over the existing key"
    );
    w.assert_agree("after refused duplicates").await;
    assert_eq!(w.accounts.list().await.len(), 1, "still one account");

    let other = w.link(BETA).await.expect("another company links");
    assert_ne!(other.account.id, first.id, "a new account");
    assert_eq!(
        w.assert_agree("two companies").await,
        ids([first.id.as_str(), other.account.id.as_str()]),
        "both are linked"
    );
}

#[tokio::test]
async fn an_old_book_without_tenants_still_refuses_a_namely_duplicate() {
    let w = World::new();
    w.emu.add_namely(
        "acme",
        NamelyTenant::full("Acme Inc", "NamelyTok3nAcme000000001", 12),
    );
    let namely = |token: &str| raw(&[("subdomain", "acme"), ("access_token", token)]);
    let first = w
        .accounts
        .link("namely", namely("NamelyTok3nAcme000000001"), &|_| {})
        .await
        .expect("linked")
        .account;
    assert_eq!(
        first.tenant.as_deref(),
        Some("acme"),
        "Namely's tenant is the subdomain"
    );
    // A book written before tenants were stored: the field is absent.
    let mut book = w.store.saved().expect("saved");
    book.accounts[0].tenant = None;
    w.store.save(&book).expect("rewrite the book");
    let reopened = w.reopen();
    let err = reopened
        .link("namely", namely("NamelyTok3nAcme000000001"), &|_| {})
        .await
        .expect_err("the subdomain is the tenant, known from the stored fields");
    assert_eq!(err.existing_account(), Some(first.id.as_str()), "{err:?}");
}

#[tokio::test]
async fn a_provider_without_a_tenant_is_matched_by_its_key() {
    let w = World::new();
    let k1 = "JazzKeyOne000000000000001";
    let k2 = "JazzKeyTwo000000000000002";
    w.emu
        .add_jazzhr(k1, JazzhrAccount::with_users("a@one.test", 3));
    w.emu
        .add_jazzhr(k2, JazzhrAccount::with_users("b@two.test", 2));
    let link = |k: &'static str| {
        let accounts = Arc::clone(&w.accounts);
        async move {
            accounts
                .link("jazzhr", raw(&[("api_key", k)]), &|_| {})
                .await
        }
    };
    let one = link(k1).await.expect("first JazzHR account").account;
    assert_eq!(one.tenant, None, "JazzHR names no tenant");
    let err = link(k1).await.expect_err("the same key again");
    assert_eq!(err.existing_account(), Some(one.id.as_str()), "{err:?}");
    let two = link(k2)
        .await
        .expect("another key is another account")
        .account;
    let err = w
        .accounts
        .relink(&one.id, raw(&[("api_key", k2)]), &|_| {})
        .await
        .expect_err("relinking one account with another's key");
    assert_eq!(
        err.existing_account(),
        Some(two.id.as_str()),
        "the key belongs to the other account: {err:?}"
    );
    w.assert_agree("JazzHR").await;
}

#[tokio::test]
async fn relink_rotates_the_key_in_place() {
    let w = World::new();
    let before = w.link(ACME_1).await.expect("linked").account;
    w.accounts
        .rename(&before.id, "Acme payroll")
        .await
        .expect("renamed");
    w.clock.advance(Duration::from_secs(3600));
    w.emu.revoke(ACME_1);
    let after = w
        .relink(&before.id, ACME_2)
        .await
        .expect("relinked")
        .account;
    assert_eq!(after.id, before.id, "same account");
    assert_eq!(
        after.label, "Acme payroll",
        "the person's name for it stays"
    );
    assert_eq!(after.fingerprint, "…2222", "the new key's fingerprint");
    assert_eq!(after.status, Status::Ok, "healthy");
    assert_eq!(after.created_at, before.created_at, "created stays");
    assert_eq!(
        (after.changed_at, after.verified_at),
        (before.created_at + 3600, before.created_at + 3600),
        "changed and verified now"
    );
    assert_eq!(after.tenant.as_deref(), Some(ACME_ID), "same tenant");
    assert_eq!(
        w.secret_of(&before.id),
        humaans_secret(ACME_2),
        "the new key is stored"
    );
    assert_eq!(
        w.vault.labels()[&before.id],
        "Keystep — Humaans (Acme payroll)",
        "the item keeps the account's label"
    );
    assert_eq!(
        w.store.saved().expect("saved").accounts,
        vec![after.clone()],
        "the book holds the relinked account"
    );
    w.assert_agree("after relink").await;
}

#[tokio::test]
async fn relink_keeps_non_secret_fields_the_form_left_out() {
    let w = World::new();
    w.emu.add_namely(
        "acme",
        NamelyTenant::full("Acme Inc", "NamelyTok3nAcme000000001", 12),
    );
    let id = link_namely_acme(&w).await.id;
    w.emu.add_namely(
        "acme",
        NamelyTenant::full("Acme Inc", "NamelyTok3nAcme000000002", 12),
    );
    let after = w
        .accounts
        .relink(
            &id,
            raw(&[
                ("subdomain", " "),
                ("access_token", "NamelyTok3nAcme000000002"),
            ]),
            &|_| {},
        )
        .await
        .expect("only the token was pasted")
        .account;
    assert_eq!(after.fields["subdomain"], "acme", "the subdomain was kept");
    let err = w
        .accounts
        .relink(
            &id,
            raw(&[
                ("subdomain", "other"),
                ("access_token", "NamelyTok3nAcme000000002"),
            ]),
            &|_| {},
        )
        .await
        .expect_err("another site");
    assert!(
        matches!(err.code(), Code::WrongTenant),
        "another subdomain is another tenant (or none): {err:?}"
    );
}

#[tokio::test]
async fn relink_to_another_company_changes_nothing() {
    let w = World::new();
    let before = w.link(ACME_1).await.expect("linked").account;
    let err = w
        .relink(&before.id, BETA)
        .await
        .expect_err("Beta's key for Acme's account");
    assert!(matches!(err, LinkError::OtherTenant { .. }), "{err:?}");
    assert_eq!(err.code(), Code::WrongTenant, "wire code");
    assert!(
        err.to_string()
            .contains("different Humaans account than “Acme Ltd”"),
        "the message says so: {err}"
    );
    assert_eq!(
        w.accounts.list().await,
        vec![before.clone()],
        "account unchanged"
    );
    assert_eq!(
        w.secret_of(&before.id),
        humaans_secret(ACME_1),
        "key unchanged"
    );

    let err = w
        .relink(&before.id, "NopeNopeNopeNopeNopeNope0000")
        .await
        .expect_err("a bad key");
    assert_eq!(err.code(), Code::BadCredentials, "{err}");
    assert_eq!(
        w.accounts.list().await,
        vec![before.clone()],
        "still unchanged"
    );
    let err = w
        .relink("nobody", ACME_2)
        .await
        .expect_err("no such account");
    assert_eq!(err.code(), Code::NotFound, "{err}");
}

#[tokio::test]
async fn check_records_the_providers_verdict() {
    let w = World::new();
    let id = w.link(ACME_1).await.expect("linked").account.id;
    w.clock.advance(Duration::from_secs(60));
    let t1 = 1_700_000_060;
    let ok = w.accounts.check(&id, &|_| {}).await.expect("checked");
    assert_eq!((ok.status, ok.last_code), (Status::Ok, None), "works");
    assert_eq!((ok.verified_at, ok.checked_at), (t1, t1), "verified now");

    // A transient problem says nothing about the key.
    w.emu.fault(
        "humaans",
        "*",
        Fault::Status {
            status: 503,
            body: serde_json::json!({"message": "down"}),
            retry_after: None,
        },
    );
    w.clock.advance(Duration::from_secs(60));
    let down = w.accounts.check(&id, &|_| {}).await.expect("checked");
    assert_eq!(
        (down.status, down.last_code),
        (Status::Ok, None),
        "a 503 is no verdict: the last one stands"
    );
    let trouble = down.couldnt_check.expect("the trouble is recorded");
    assert_eq!(
        (trouble.code, trouble.attempts, trouble.since),
        (Code::ProviderError, 1, t1 + 60),
        "a first provider error"
    );
    assert_eq!(down.verified_at, t1, "not verified by a failed request");
    assert_eq!(down.identity, ok.identity, "identity kept");
    w.emu.clear_faults();
    w.emu.fault("humaans", "*", Fault::Hangup);
    let gone = w.accounts.check(&id, &|_| {}).await.expect("checked");
    let trouble = gone.couldnt_check.expect("still in trouble");
    assert_eq!(
        (gone.status, trouble.code, trouble.attempts, trouble.since),
        (Status::Ok, Code::Unreachable, 2, t1 + 60),
        "no answer is no verdict either; the trouble started at the 503"
    );
    let third = w.accounts.check(&id, &|_| {}).await.expect("checked");
    assert_eq!(
        (third.status, third.last_code),
        (Status::Unknown, Some(Code::Unreachable)),
        "trouble that persists is shown as couldn't check"
    );
    w.emu.clear_faults();

    // Permissions taken away: limited.
    w.emu
        .add_humaans(ACME_1, acme().with_scopes(&["public:read", "private:read"]));
    let limited = w.accounts.check(&id, &|_| {}).await.expect("checked");
    assert_eq!(
        (limited.status, limited.last_code),
        (Status::Limited, Some(Code::MissingPermission)),
        "missing scopes"
    );
    assert!(
        limited
            .permissions
            .missing
            .contains(&"webhooks:manage".to_string()),
        "the missing scope is recorded: {:?}",
        limited.permissions
    );

    // Revoked: failing, and a network error afterwards does not hide it as failing.
    w.emu.revoke(ACME_1);
    let failing = w.accounts.check(&id, &|_| {}).await.expect("checked");
    assert_eq!(
        (failing.status, failing.last_code),
        (Status::Failing, Some(Code::BadCredentials)),
        "revoked"
    );
    assert!(failing.message.contains("Humaans"), "{}", failing.message);
    assert_eq!(
        w.store.saved().expect("saved").accounts[0],
        failing,
        "the verdict is saved"
    );

    // A relink repairs it.
    let fixed = w.relink(&id, ACME_2).await.expect("relinked").account;
    assert_eq!(fixed.status, Status::Ok, "relinked");
    let err = w
        .accounts
        .check("nobody", &|_| {})
        .await
        .expect_err("unknown");
    assert_eq!(err.code(), Code::NotFound, "{err}");
}

#[tokio::test]
async fn check_without_a_usable_key_asks_for_a_relink() {
    let w = World::new();
    let id = w.link(ACME_1).await.expect("linked").account.id;

    w.vault.set_faults(Faults {
        get: true,
        ..Faults::default()
    });
    let err = w
        .accounts
        .check(&id, &|_| {})
        .await
        .expect_err("locked keychain");
    assert_eq!(err.code(), Code::KeychainUnavailable, "{err}");
    assert_eq!(
        w.accounts.list().await[0].status,
        Status::Ok,
        "a locked keychain says nothing about the key"
    );
    w.vault.set_faults(Faults::default());

    w.vault.damage(&id);
    let damaged = w.accounts.check(&id, &|_| {}).await.expect("checked");
    assert_eq!(damaged.status, Status::NeedsRelink, "damaged item");
    assert!(damaged.message.contains("damaged"), "{}", damaged.message);

    w.vault.delete(&id).expect("delete behind Keystep's back");
    let missing = w.accounts.check(&id, &|_| {}).await.expect("checked");
    assert_eq!(missing.status, Status::NeedsRelink, "missing item");
    assert!(missing.message.contains("keychain"), "{}", missing.message);

    let back = w.relink(&id, ACME_1).await.expect("relink puts a key back");
    assert_eq!(back.account.status, Status::Ok, "healthy again");
    assert_eq!(w.secret_of(&id), humaans_secret(ACME_1), "key back");
}

#[tokio::test]
async fn rename_trims_validates_and_relabels_the_item() {
    let w = World::new();
    let id = w.link(ACME_1).await.expect("linked").account.id;
    let renamed = w
        .accounts
        .rename(&id, "  Acme (UK)  ")
        .await
        .expect("renamed");
    assert_eq!(renamed.label, "Acme (UK)", "trimmed");
    assert_eq!(
        w.vault.labels()[&id],
        "Keystep — Humaans (Acme (UK))",
        "the keychain label follows"
    );
    assert_eq!(
        w.store.saved().expect("saved").accounts[0].label,
        "Acme (UK)",
        "saved"
    );
    let eighty = "x".repeat(80);
    w.accounts
        .rename(&id, &eighty)
        .await
        .expect("80 characters are fine");
    for bad in ["", "   ", &"é".repeat(81), "two\nlines"] {
        let err = w.accounts.rename(&id, bad).await.expect_err(bad);
        assert_eq!(err.code(), Code::InvalidInput, "{bad:?}: {err}");
        assert!(
            matches!(&err, LinkError::Input(e) if e.field == "label"),
            "{bad:?}: the field is named"
        );
    }
    assert_eq!(
        w.accounts.list().await[0].label,
        eighty,
        "refusals changed nothing"
    );
    let err = w.accounts.rename("nobody", "x").await.expect_err("unknown");
    assert_eq!(err.code(), Code::NotFound, "{err}");

    // The keychain label is best effort; the book is the truth.
    w.vault.set_faults(Faults {
        relabel: true,
        ..Faults::default()
    });
    let renamed = w
        .accounts
        .rename(&id, "Acme")
        .await
        .expect("renamed anyway");
    assert_eq!(renamed.label, "Acme", "book renamed");
    assert_eq!(
        w.vault.labels()[&id],
        format!("Keystep — Humaans ({eighty})"),
        "the item kept its label"
    );
    w.vault.set_faults(Faults::default());
    w.store.fail_saves(true);
    let err = w.accounts.rename(&id, "Other").await.expect_err("no save");
    assert_eq!(err.code(), Code::StorageFailed, "{err}");
    assert_eq!(
        w.accounts.list().await[0].label,
        "Acme",
        "unchanged in memory"
    );
}

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

/// Links Namely's "acme" tenant (which the test registered in the emulator) and returns the
/// account.
async fn link_namely_acme<V: Vault + 'static>(w: &World<V>) -> Account {
    w.accounts
        .link(
            "namely",
            raw(&[
                ("subdomain", "acme"),
                ("access_token", "NamelyTok3nAcme000000001"),
            ]),
            &|_| {},
        )
        .await
        .expect("Namely acme links")
        .account
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
