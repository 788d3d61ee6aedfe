//! No secret leaves `Accounts` through anything that prints: a distinctive key is driven
//! through link, check, relink, a refused duplicate, a refused relink, faults, reconcile and
//! forget, and every log line, every error's message and Debug, every returned value's
//! Debug and the saved book are searched for it.

use keystep_core::account::LinkError;
use keystep_core::vault::Faults;

use crate::support::{capture_logs, captured_logs};
use crate::world::{acme, beta, World};

const CANARY_1: &str = "LeakCanaryAccountsZq7Xw9Pk3Mv5001";
const CANARY_2: &str = "LeakCanaryAccountsZq7Xw9Pk3Mv5002";
const CANARY_B: &str = "LeakCanaryAccountsOtherCompany003";

fn record_err(e: &LinkError, seen: &mut Vec<String>) {
    seen.push(e.to_string());
    seen.push(format!("{e:?}"));
}

#[tokio::test]
async fn no_secret_in_logs_errors_or_values_across_the_lifecycle() {
    capture_logs();
    let w = World::new();
    w.emu.add_humaans(CANARY_1, acme());
    w.emu.add_humaans(CANARY_2, acme());
    w.emu.add_humaans(CANARY_B, beta());
    let mut seen: Vec<String> = Vec::new();

    let linked = w.link(CANARY_1).await.expect("linked");
    seen.push(format!("{linked:?}"));
    seen.push(serde_json::to_string(&linked).expect("serializes"));
    let id = linked.account.id.clone();

    let err = w.link(CANARY_2).await.expect_err("duplicate");
    record_err(&err, &mut seen);
    let err = w.relink(&id, CANARY_B).await.expect_err("other company");
    record_err(&err, &mut seen);
    seen.push(format!(
        "{:?}",
        w.accounts.check(&id, &|_| {}).await.expect("check")
    ));

    w.store.fail_saves(true);
    let err = w.relink(&id, CANARY_2).await.expect_err("save fails");
    record_err(&err, &mut seen);
    w.store.fail_saves(false);
    w.vault.set_faults(Faults::locked());
    let err = w.relink(&id, CANARY_2).await.expect_err("locked");
    record_err(&err, &mut seen);
    let err = w.link(CANARY_B).await.expect_err("locked");
    record_err(&err, &mut seen);
    w.vault.set_faults(Faults::default());

    let relinked = w.relink(&id, CANARY_2).await.expect("relinked");
    seen.push(format!("{relinked:?}"));
    w.emu.revoke(CANARY_2);
    seen.push(format!(
        "{:?}",
        w.accounts.check(&id, &|_| {}).await.expect("check")
    ));
    let err = w
        .relink(&id, CANARY_1)
        .await
        .map(|l| format!("{l:?}"))
        .unwrap_or_else(|e| format!("{e} {e:?}"));
    seen.push(err);
    seen.push(format!("{:?}", w.accounts.reconcile().await));
    seen.push(format!("{:?}", w.accounts));
    seen.push(format!("{:?}", w.vault));
    seen.push(serde_json::to_string(&w.store.saved()).expect("book serializes"));
    w.accounts.forget(&id).await.expect("forgotten");

    let logs = captured_logs();
    assert!(
        logs.iter().any(|l| l.contains(&id)),
        "setup: the lifecycle was logged (so the search below can fail)"
    );
    for canary in [CANARY_1, CANARY_2, CANARY_B] {
        for text in seen.iter().chain(logs.iter()) {
            assert!(!text.contains(canary), "a secret leaked: {text}");
        }
    }
    assert!(
        seen.iter().any(|t| t.contains("…5002")),
        "setup: the fingerprint (a safe tail) is shown, so values were searched"
    );
}
