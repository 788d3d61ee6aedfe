//! Links, relinks, forgets and checks racing from many tokio tasks: the book's lock
//! serializes the writes, verification runs outside it, and the write phase re-checks what
//! it decided. Whatever the interleaving, the book and the vault end up in agreement.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use keystep_core::account::Status;
use keystep_core::Code;
use keystep_emulator::{Fault, HumaansTenant};

use crate::world::{acme, World, ACME_1, ACME_2};

fn company(i: usize) -> (String, HumaansTenant) {
    (
        format!("RaceToken{i:04}000000000000000000000"),
        HumaansTenant {
            company_id: format!("cmp_race_{i}"),
            ..HumaansTenant::full(&format!("Company {i}"), 3)
        },
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_links_and_forgets_racing_leave_book_and_vault_in_agreement() {
    let w = World::new();
    let mut tokens = Vec::new();
    for i in 0..25 {
        let (token, tenant) = company(i);
        w.emu.add_humaans(&token, tenant);
        tokens.push(token);
    }
    // Ten accounts exist before the race; ten more are linked while they are forgotten,
    // and each forgotten one is also relinked and checked by a racing task.
    let mut before = Vec::new();
    for token in &tokens[..10] {
        before.push(w.link(token).await.expect("seeded").account.id);
    }
    let mut tasks = Vec::new();
    for (i, token) in tokens[10..20].iter().enumerate() {
        let accounts = Arc::clone(&w.accounts);
        let token = token.clone();
        tasks.push(tokio::spawn(async move {
            accounts
                .link(
                    "humaans",
                    crate::support::raw(&[("api_token", &token)]),
                    &|_| {},
                )
                .await
                .map(|l| format!("linked {i}: {}", l.account.id))
                .map_err(|e| e.code())
        }));
    }
    for (i, id) in before.iter().enumerate() {
        let accounts = Arc::clone(&w.accounts);
        let id = id.clone();
        let token = tokens[i].clone();
        tasks.push(tokio::spawn(async move {
            let relink =
                accounts.relink(&id, crate::support::raw(&[("api_token", &token)]), &|_| {});
            let check = accounts.check(&id, &|_| {});
            let forget = accounts.forget(&id);
            let (relinked, checked, forgot) = tokio::join!(relink, check, forget);
            // Relink and check may lose the race to forget; forget itself always succeeds.
            for code in [
                relinked.err().map(|e| e.code()),
                checked.err().map(|e| e.code()),
            ]
            .into_iter()
            .flatten()
            {
                assert_eq!(code, Code::NotFound, "only a forgotten account may refuse");
            }
            forgot
                .map(|()| format!("forgot {id}"))
                .map_err(|e| e.code())
        }));
    }
    // Ten more tasks race to link the same five companies twice each.
    for i in 20..30 {
        let accounts = Arc::clone(&w.accounts);
        let token = tokens[20 + (i % 5)].clone();
        tasks.push(tokio::spawn(async move {
            accounts
                .link(
                    "humaans",
                    crate::support::raw(&[("api_token", &token)]),
                    &|_| {},
                )
                .await
                .map(|l| l.account.id)
                .map_err(|e| e.code())
        }));
    }
    let mut duplicates = 0;
    for task in tasks {
        match task.await.expect("no task panicked") {
            Ok(_) => {}
            Err(Code::AlreadyLinked) => duplicates += 1,
            Err(other) => panic!("unexpected failure in the race: {other}"),
        }
    }
    assert_eq!(
        duplicates, 5,
        "each of the five companies linked twice was refused once"
    );
    let ids = w.assert_agree("after the race").await;
    assert_eq!(
        ids.len(),
        15,
        "ten new accounts and five of the doubly linked companies"
    );
    let before: BTreeSet<String> = before.into_iter().collect();
    assert!(
        ids.is_disjoint(&before),
        "every forgotten account is gone from both"
    );
    let tenants: BTreeSet<Option<String>> = w
        .accounts
        .list()
        .await
        .into_iter()
        .map(|a| a.tenant)
        .collect();
    assert_eq!(tenants.len(), 15, "no tenant is linked twice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_relink_that_finishes_during_a_check_wins() {
    let w = World::new();
    let id = w.link(ACME_1).await.expect("linked").account.id;
    // The stored key then loses scopes, so a check would call the account limited.
    w.emu
        .add_humaans(ACME_1, acme().with_scopes(&["public:read", "private:read"]));
    // The check stalls on its last request; meanwhile a relink swaps in a full key.
    w.emu
        .fault("humaans", "/people", Fault::Slow(Duration::from_secs(3)));
    w.emu.clear_requests();
    let accounts = Arc::clone(&w.accounts);
    let check_id = id.clone();
    let check = tokio::spawn(async move { accounts.check(&check_id, &|_| {}).await });
    // The emulator records a request before stalling it: wait until the check is stuck.
    let stuck = async {
        while !w.emu.requests().iter().any(|r| r.path == "/people") {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(10), stuck)
        .await
        .expect("setup: the check reached /people");
    w.emu.clear_faults();
    let relinked = w.relink(&id, ACME_2).await.expect("relinked").account;
    let checked = check.await.expect("no panic").expect("the check ends");
    assert!(
        w.emu
            .requests()
            .iter()
            .filter(|r| r.path == "/people")
            .count()
            >= 2,
        "setup: both the check and the relink reached /people"
    );
    assert_eq!(
        checked, relinked,
        "the older check is dropped, the relink stands"
    );
    assert_eq!(
        checked.status,
        Status::Ok,
        "not limited: {}",
        checked.message
    );
    assert_eq!(checked.fingerprint, "…2222", "the relinked key");
    w.assert_agree("after the race").await;
}
