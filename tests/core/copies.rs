//! An account's copies in team stores, against real stores on loopback: OpenBao's dev server
//! (KV version 2) and moto's AWS Secrets Manager, each started by the test
//! (`tests/common/stores.rs`). Push, rotation with a concurrent change, the background look
//! at metadata only, and deleting as answered. The in-memory store's faults are in
//! `copies_faults`, over the same set-up (`setup`, `link`).

use std::sync::Arc;
use std::time::Duration;

use keystep_core::account::{Accounts, MemoryBookStore};
use keystep_core::clock::ManualClock;
use keystep_core::store::{AwsSecretsManager, CopyState, Stores, Target, VaultKv, VaultSettings};
use keystep_core::vault::MemoryVault;
use keystep_core::{Code, Secret};
use keystep_emulator::Emulator;

use crate::stores::{stores_present, Server, AWS_KEY_ID, AWS_SECRET, BAO_TOKEN};
use crate::support::{catalogue, raw, verifier_for};
use crate::world::{acme, ACME_1, ACME_2};

pub(crate) struct Setup {
    _emu: Emulator,
    pub(crate) book: Arc<MemoryBookStore>,
    pub(crate) accounts: Accounts,
}

pub(crate) fn setup(stores: Stores) -> Setup {
    let emu = Emulator::start();
    emu.add_humaans(ACME_1, acme());
    emu.add_humaans(ACME_2, acme());
    let book = Arc::new(MemoryBookStore::default());
    let accounts = Accounts::open(
        catalogue(),
        verifier_for(&emu, Duration::from_secs(5)),
        Arc::new(MemoryVault::default()),
        book.clone(),
        Arc::new(ManualClock::at(1_796_558_400)),
    )
    .expect("an empty book opens")
    .with_stores(stores);
    Setup {
        _emu: emu,
        book,
        accounts,
    }
}

fn vault_store() -> Arc<VaultKv> {
    Arc::new(VaultKv::new(VaultSettings {
        token: Some(Secret::new(BAO_TOKEN)),
        ..VaultSettings::default()
    }))
}

fn aws_store(moto: &Server) -> Arc<AwsSecretsManager> {
    Arc::new(AwsSecretsManager::at(&moto.url(), AWS_KEY_ID, AWS_SECRET))
}

pub(crate) async fn link(s: &Setup) -> String {
    s.accounts
        .link("humaans", raw(&[("api_token", ACME_1)]), &|_| {})
        .await
        .expect("linked")
        .account
        .id
}

/// Pushes the account to four copies, `hr/` and `ci/` in OpenBao and then in AWS, in that
/// order, for the tests that need a copy to change or stay beside the one they act on.
async fn push_hr_and_ci(s: &Setup, id: &str, bao: &Server) -> [Target; 4] {
    let copies = [
        Target::parse(&format!("vault://127.0.0.1:{}/secret/hr/humaans", bao.port)).expect("valid"),
        Target::parse(&format!("vault://127.0.0.1:{}/secret/ci/humaans", bao.port)).expect("valid"),
        Target::parse("aws-sm://eu-west-1/hr/humaans-acme").expect("valid"),
        Target::parse("aws-sm://eu-west-1/ci/humaans-acme").expect("valid"),
    ];
    for target in &copies {
        s.accounts.push(id, target, false).await.expect("pushed");
    }
    copies
}

#[tokio::test]
async fn a_push_writes_the_key_and_its_facts_to_openbao_and_aws_and_records_each_copy() {
    if !stores_present() {
        return;
    }
    let (bao, moto) = (Server::openbao(), Server::moto());
    let s = setup(Stores::with(vault_store(), aws_store(&moto)));
    let id = link(&s).await;
    let vault =
        Target::parse(&format!("vault://127.0.0.1:{}/secret/hr/humaans", bao.port)).expect("valid");
    let aws = Target::parse("aws-sm://eu-west-1/hr/humaans-acme").expect("valid");

    let copy = s
        .accounts
        .push(&id, &vault, false)
        .await
        .expect("pushed to OpenBao");
    assert_eq!(
        (copy.version.as_str(), copy.state),
        ("1", CopyState::Current),
        "version 1, current"
    );
    let held = bao.vault_get("secret", "hr/humaans");
    assert_eq!(
        held["data"]["data"]["data"]["api_token"], ACME_1,
        "the key, as a script reads it: {held}"
    );
    let custom = &held["metadata"]["data"]["custom_metadata"];
    assert_eq!(
        custom["keystep:provider"], "humaans",
        "provider beside it: {custom}"
    );
    assert_eq!(custom["keystep:tenant"], "cmp_acme", "tenant: {custom}");
    assert_eq!(custom["keystep:purpose"], "full", "purpose: {custom}");
    assert_eq!(
        custom["keystep:verified-at"], "2026-12-06T12:00:00Z",
        "verified at: {custom}"
    );
    assert_eq!(
        custom["keystep:expires-at"], "unknown",
        "expires at: {custom}"
    );
    assert!(
        custom["keystep:handle"]
            .as_str()
            .is_some_and(|h| h.starts_with("humaans-")),
        "handle: {custom}"
    );
    assert!(
        custom["keystep:scopes"]
            .as_str()
            .is_some_and(|s| !s.is_empty()),
        "scopes granted: {custom}"
    );

    let copy = s
        .accounts
        .push(&id, &aws, false)
        .await
        .expect("pushed to AWS");
    assert_eq!(copy.state, CopyState::Current, "current");
    let held = moto.aws_get("hr/humaans-acme");
    assert_eq!(
        held["value"],
        format!("{{\"api_token\":\"{ACME_1}\"}}"),
        "the key as JSON: {held}"
    );
    assert_eq!(
        held["tags"]["keystep:provider"], "humaans",
        "facts as tags: {held}"
    );
    assert_eq!(
        held["tags"]["keystep:tenant"], "cmp_acme",
        "tenant tag: {held}"
    );

    let account = s.accounts.get(&id).await.expect("still linked");
    let targets: Vec<&Target> = account.copies.iter().map(|c| &c.target).collect();
    assert_eq!(targets, [&vault, &aws], "the account remembers both copies");
    let saved = s.book.saved().expect("saved").accounts[0].copies.clone();
    assert_eq!(saved, account.copies, "and so does the saved book");

    let err = s
        .accounts
        .push(
            &id,
            &Target::parse("aws-sm://eu-west-1/hr/humaans-acme").expect("valid"),
            false,
        )
        .await;
    assert!(
        err.is_ok(),
        "pushing again to a known copy writes over Keystep's own version: {err:?}"
    );
}

#[tokio::test]
async fn a_rotation_reaches_every_copy_and_never_overwrites_a_change_made_outside_keystep() {
    if !stores_present() {
        return;
    }
    let (bao, moto) = (Server::openbao(), Server::moto());
    let s = setup(Stores::with(vault_store(), aws_store(&moto)));
    let id = link(&s).await;
    let [vault, vault_other, aws, aws_other] = push_hr_and_ci(&s, &id, &bao).await;
    // Someone else writes a new version of one copy in each store, with the store's tools.
    bao.vault_put_outside("secret", "ci/humaans", "SomeoneElsesToken");
    moto.aws_put_outside("ci/humaans-acme", "SomeoneElsesToken");

    let linked = s
        .accounts
        .relink(&id, raw(&[("api_token", ACME_2)]), &|_| {})
        .await
        .expect("relinked");
    let outcome = |t: &Target| {
        linked
            .copies
            .iter()
            .find(|o| o.target == *t)
            .expect("reported")
            .clone()
    };
    assert!(
        outcome(&vault).ok && outcome(&aws).ok,
        "the untouched copies were rotated: {:?}",
        linked.copies
    );
    for changed in [&vault_other, &aws_other] {
        let o = outcome(changed);
        assert_eq!(
            (o.ok, o.code),
            (false, Some(Code::StoreChanged)),
            "{changed}: reported as changed outside: {o:?}"
        );
    }
    assert_eq!(
        bao.vault_get("secret", "hr/humaans")["data"]["data"]["data"]["api_token"],
        ACME_2,
        "the new key in Vault"
    );
    assert_eq!(
        bao.vault_get("secret", "ci/humaans")["data"]["data"]["data"]["api_token"],
        "SomeoneElsesToken",
        "the other person's version was not overwritten in Vault"
    );
    assert_eq!(
        moto.aws_get("hr/humaans-acme")["value"],
        format!("{{\"api_token\":\"{ACME_2}\"}}"),
        "the new key in AWS"
    );
    assert_eq!(
        moto.aws_get("ci/humaans-acme")["value"],
        "{\"api_token\": \"SomeoneElsesToken\"}",
        "the other person's version was not overwritten in AWS"
    );
    let account = s.accounts.get(&id).await.expect("linked");
    let state = |t: &Target| {
        account
            .copies
            .iter()
            .find(|c| c.target == *t)
            .expect("recorded")
            .state
    };
    assert_eq!(
        [
            state(&vault),
            state(&aws),
            state(&vault_other),
            state(&aws_other)
        ],
        [
            CopyState::Current,
            CopyState::Current,
            CopyState::ChangedOutside,
            CopyState::ChangedOutside
        ],
        "each copy's state as recorded"
    );
}

#[tokio::test]
async fn the_background_look_reads_metadata_only_and_raises_a_copy_changed_outside_keystep() {
    if !stores_present() {
        return;
    }
    let (bao, moto) = (Server::openbao(), Server::moto());
    let s = setup(Stores::with(vault_store(), aws_store(&moto)));
    let id = link(&s).await;
    let vault =
        Target::parse(&format!("vault://127.0.0.1:{}/secret/hr/humaans", bao.port)).expect("valid");
    let aws = Target::parse("aws-sm://eu-west-1/hr/humaans-acme").expect("valid");
    s.accounts.push(&id, &vault, false).await.expect("pushed");
    s.accounts.push(&id, &aws, false).await.expect("pushed");
    let account = s.accounts.confirm_copies(&id).await.expect("looked");
    assert!(
        account.copies.iter().all(|c| c.state == CopyState::Current),
        "both as Keystep wrote them"
    );

    bao.vault_put_outside("secret", "hr/humaans", "SomeoneElsesToken");
    moto.aws_put_outside("hr/humaans-acme", "SomeoneElsesToken");
    let account = s.accounts.confirm_copies(&id).await.expect("looked");
    for copy in &account.copies {
        assert_eq!(
            copy.state,
            CopyState::ChangedOutside,
            "{}: changed outside Keystep",
            copy.target
        );
        assert_eq!(
            copy.last_code,
            Some(Code::StoreChanged),
            "{}: its code",
            copy.target
        );
    }
    // A sweep (the background checks) looks at the copies after the key.
    let swept = s.accounts.sweep(std::slice::from_ref(&id), 2).await;
    assert_eq!(swept.len(), 1, "checked");
    assert!(
        swept[0]
            .after
            .copies
            .iter()
            .all(|c| c.state == CopyState::ChangedOutside),
        "the sweep's account carries the copies' state"
    );
}

#[tokio::test]
async fn forgetting_deletes_only_the_copies_asked_for_in_openbao_and_aws() {
    if !stores_present() {
        return;
    }
    let (bao, moto) = (Server::openbao(), Server::moto());
    let s = setup(Stores::with(vault_store(), aws_store(&moto)));
    let id = link(&s).await;
    let [vault, vault_kept, aws, aws_kept] = push_hr_and_ci(&s, &id, &bao).await;
    let outcomes = s
        .accounts
        .delete_copies(&id, &[vault.clone(), aws.clone()])
        .await
        .expect("asked");
    assert!(outcomes.iter().all(|o| o.ok), "both deleted: {outcomes:?}");
    assert!(
        bao.vault_get("secret", "hr/humaans")["metadata"].is_null(),
        "gone from OpenBao"
    );
    assert_eq!(
        moto.aws_get("hr/humaans-acme")["deleted"],
        true,
        "scheduled for deletion in AWS"
    );
    assert_eq!(
        bao.vault_get("secret", "ci/humaans")["data"]["data"]["data"]["api_token"],
        ACME_1,
        "the kept Vault copy stays"
    );
    assert_eq!(
        moto.aws_get("ci/humaans-acme")["deleted"],
        false,
        "the kept AWS copy stays"
    );
    let left: Vec<Target> = s
        .accounts
        .get(&id)
        .await
        .expect("linked")
        .copies
        .into_iter()
        .map(|c| c.target)
        .collect();
    assert_eq!(
        left,
        [vault_kept, aws_kept],
        "the account records only what is left"
    );
}

#[tokio::test]
async fn push_rotate_look_and_delete_leave_no_key_or_store_credential_in_logs_errors_or_values() {
    if !stores_present() {
        return;
    }
    crate::support::capture_logs();
    let (bao, moto) = (Server::openbao(), Server::moto());
    let s = setup(Stores::with(vault_store(), aws_store(&moto)));
    let id = link(&s).await;
    let vault = Target::parse(&format!(
        "vault://127.0.0.1:{}/secret/leak/humaans",
        bao.port
    ))
    .expect("valid");
    let aws = Target::parse("aws-sm://eu-west-1/leak/humaans").expect("valid");
    let mut seen: Vec<String> = Vec::new();
    for target in [&vault, &aws] {
        seen.push(format!(
            "{:?}",
            s.accounts.push(&id, target, false).await.expect("pushed")
        ));
        // A second first push is refused: its error is searched too.
        let again = s.accounts.push(&id, target, false).await;
        seen.push(format!("{again:?}"));
    }
    bao.vault_put_outside("secret", "leak/humaans", "SomeoneElsesToken");
    moto.aws_put_outside("leak/humaans", "SomeoneElsesToken");
    let linked = s
        .accounts
        .relink(&id, raw(&[("api_token", ACME_2)]), &|_| {})
        .await
        .expect("relinked");
    seen.push(format!("{linked:?}"));
    seen.push(serde_json::to_string(&linked).expect("serializes"));
    seen.extend(linked.copies.iter().map(|o| o.message.clone()));
    seen.push(format!(
        "{:?}",
        s.accounts.confirm_copies(&id).await.expect("looked")
    ));
    let deleted = s
        .accounts
        .delete_copies(&id, &[vault.clone(), aws.clone()])
        .await
        .expect("asked");
    seen.extend(deleted.iter().map(|o| format!("{o:?} {}", o.message)));
    seen.push(serde_json::to_string(&s.book.saved()).expect("book serializes"));
    let logs = crate::support::captured_logs();
    assert!(
        logs.iter()
            .any(|l| l.contains("changed outside Keystep") || l.contains("pushed account")),
        "setup: the copies' work was logged (so the search below can fail)"
    );
    for secret in [ACME_1, ACME_2, BAO_TOKEN, AWS_SECRET] {
        for text in seen.iter().chain(logs.iter()) {
            assert!(!text.contains(secret), "a secret leaked: {text}");
        }
    }
}

/// Run by tests/prism/vault.sh, with Prism between Keystep and OpenBao validating each
/// request against OpenBao's own OpenAPI description (`--errors`: a request that does not
/// match is answered with an error instead of being forwarded).
#[tokio::test]
#[ignore = "run by tests/prism/vault.sh, which starts OpenBao and Prism"]
async fn every_vault_request_passes_openbaos_own_openapi_description() {
    let port = std::env::var("KEYSTEP_VAULT_CONTRACT_PORT")
        .expect("KEYSTEP_VAULT_CONTRACT_PORT names Prism's port (tests/prism/vault.sh)");
    let store = vault_store();
    let target =
        Target::parse(&format!("vault://127.0.0.1:{port}/secret/prism-contract")).expect("valid");
    let fields = [(
        "api_token".to_string(),
        Secret::new("PrismVaultContractToken0001"),
    )]
    .into_iter()
    .collect();
    let meta = keystep_core::store::CopyMeta {
        provider: "humaans".into(),
        tenant: Some("cmp_acme".into()),
        purpose: "read".into(),
        scopes: vec!["public:read".into()],
        verified_at: 1_796_558_400,
        expires_at: None,
        handle: "humaans-acme".into(),
    };
    use keystep_core::store::{Expect, TeamStore};
    let first = store
        .write(&target, &fields, &meta, Expect::Absent)
        .await
        .expect("a first write, cas 0");
    let second = store
        .write(&target, &fields, &meta, Expect::Version(&first))
        .await
        .expect("a write over Keystep's version");
    assert_eq!(
        store.describe(&target).await.expect("metadata"),
        Some(second.clone()),
        "the version written"
    );
    let read = store.read(&target).await.expect("read back");
    assert_eq!(
        read.meta.get("keystep:provider").map(String::as_str),
        Some("humaans"),
        "custom_metadata"
    );
    let refused = store
        .write(&target, &fields, &meta, Expect::Version(&first))
        .await;
    assert_eq!(
        refused.map_err(|e| e.code()),
        Err(Code::StoreChanged),
        "an old version is refused by cas"
    );
    store.delete(&target, &second).await.expect("deleted");
    assert_eq!(
        store.describe(&target).await.expect("metadata"),
        None,
        "gone"
    );
}
