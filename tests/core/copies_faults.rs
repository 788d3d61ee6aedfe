//! An account's copies when the team store misbehaves, against the in-memory store (which
//! can be made unreachable, refuse, or hold someone else's version): the background look
//! reads metadata only, never a secret, and writes a copy left stale by an outage once the
//! store is back; a push the store refuses, or one the book cannot record, leaves no copy
//! behind; and a first push never replaces a secret someone else put there unless asked.
//! A team store is shared, so Keystep must never lose or silently overwrite what it holds.

use std::sync::Arc;

use keystep_core::account::LinkError;
use keystep_core::store::{CopyState, Fault, MemoryStore, Stores, Target};
use keystep_core::Code;

use crate::copies::{link, setup};
use crate::support::raw;
use crate::world::{ACME_1, ACME_2};

#[tokio::test]
async fn the_background_look_never_reads_a_secret_and_retries_a_stale_copy() {
    let memory = Arc::new(MemoryStore::default());
    let s = setup(Stores::single(memory.clone()));
    let id = link(&s).await;
    let target = Target::parse("vault://vault.acme.internal/secret/hr/humaans").expect("valid");
    s.accounts.push(&id, &target, false).await.expect("pushed");
    for _ in 0..3 {
        s.accounts.confirm_copies(&id).await.expect("looked");
    }
    assert_eq!(
        memory.secret_reads(),
        0,
        "checks read metadata only, never the secret"
    );

    // The store is down while the key is replaced: the copy is stale, the account is not.
    memory.fail(Fault::Unreachable);
    let linked = s
        .accounts
        .relink(&id, raw(&[("api_token", ACME_2)]), &|_| {})
        .await
        .expect("the relink itself succeeds");
    assert_eq!(
        linked.copies[0].code,
        Some(Code::StoreUnreachable),
        "reported: {:?}",
        linked.copies
    );
    assert_eq!(
        linked.account.copies[0].state,
        CopyState::Stale,
        "stale until it is updated"
    );
    assert_eq!(
        memory.peek(&target).expect("held").1["api_token"],
        ACME_1,
        "the store still has the old key"
    );
    let still = s.accounts.confirm_copies(&id).await.expect("looked");
    assert_eq!(
        still.copies[0].state,
        CopyState::Stale,
        "still down: still stale"
    );

    memory.fail(Fault::None);
    let fixed = s.accounts.confirm_copies(&id).await.expect("looked");
    assert_eq!(
        fixed.copies[0].state,
        CopyState::Current,
        "written at the next look"
    );
    assert_eq!(
        memory.peek(&target).expect("held").1["api_token"],
        ACME_2,
        "with the new key"
    );
    assert_eq!(memory.secret_reads(), 0, "and still nothing read back");
}

#[tokio::test]
async fn a_store_that_refuses_or_cannot_be_reached_records_nothing() {
    let memory = Arc::new(MemoryStore::default());
    let s = setup(Stores::single(memory.clone()));
    let id = link(&s).await;
    let target = Target::parse("aws-sm://eu-west-1/hr/humaans").expect("valid");
    for (fault, code) in [
        (Fault::Unreachable, Code::StoreUnreachable),
        (Fault::Refused, Code::StoreRefused),
    ] {
        memory.fail(fault);
        let err = s
            .accounts
            .push(&id, &target, false)
            .await
            .expect_err("refused");
        assert_eq!(err.code(), code, "{fault:?}: its own code");
        assert!(
            matches!(err, LinkError::Store(_)),
            "{fault:?}: a store error"
        );
        assert!(
            s.accounts.get(&id).await.expect("linked").copies.is_empty(),
            "{fault:?}: no copy recorded"
        );
    }
    memory.fail(Fault::None);
    s.book.fail_saves(true);
    let err = s
        .accounts
        .push(&id, &target, false)
        .await
        .expect_err("not saved");
    assert_eq!(
        err.code(),
        Code::StorageFailed,
        "the book could not be saved"
    );
    assert!(
        memory.peek(&target).is_none(),
        "so the copy was taken back from the store"
    );
}

#[tokio::test]
async fn a_copy_someone_else_holds_is_not_overwritten_unless_asked() {
    let memory = Arc::new(MemoryStore::default());
    let s = setup(Stores::single(memory.clone()));
    let id = link(&s).await;
    let target = Target::parse("vault://vault.acme.internal/secret/hr/humaans").expect("valid");
    memory.change_outside(&target, &[("api_token", "SomeoneElsesToken")]);
    let err = s
        .accounts
        .push(&id, &target, false)
        .await
        .expect_err("exists");
    assert_eq!(
        err.code(),
        Code::StoreChanged,
        "a first push never replaces a secret"
    );
    assert_eq!(
        memory.peek(&target).expect("held").1["api_token"],
        "SomeoneElsesToken",
        "untouched"
    );
    let copy = s
        .accounts
        .push(&id, &target, true)
        .await
        .expect("replaced as asked");
    assert_eq!(copy.state, CopyState::Current, "now Keystep's");
    assert_eq!(
        memory.peek(&target).expect("held").1["api_token"],
        ACME_1,
        "with the account's key"
    );
}
