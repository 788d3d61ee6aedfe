//! The account lifecycle over an in-memory vault: one tenant is one account (duplicates
//! refused, relinks in place), checks record the provider's verdict, and renames reach the
//! keychain label. Reconciling, restarts and recovering a lost book are in
//! `lifecycle_recovery`.

use std::sync::Arc;
use std::time::Duration;

use keystep_core::account::{Account, BookStore, LinkError, Status};
use keystep_core::vault::{Faults, Vault};
use keystep_core::Code;
use keystep_emulator::{Fault, JazzhrAccount, NamelyTenant};

use crate::support::raw;
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

/// Links Namely's "acme" tenant (which the test registered in the emulator) and returns the
/// account.
pub(crate) async fn link_namely_acme<V: Vault + 'static>(w: &World<V>) -> Account {
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
