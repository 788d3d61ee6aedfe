//! Issue #13 end to end: a keeper that is safe to be the only copy.
//!
//! An account list written by a newer Keystep, beside a live key in the real
//! gnome-keyring: the window opens read-only (safe mode), says why, offers the live key for
//! no removal and no change, and after a full start and stop the key and the file are as
//! they were.

use keystep_emulator::Emulator;

use crate::driver::{Sandbox, Session};
use crate::leaks;

const LIVE_ID: &str = "5afe5afe5afe5afe5afe5afe5afe5afe";
const LIVE_KEY: &str = "SafeModeLiveKeySafeModeLiveKey77";

#[tokio::test]
async fn a_book_from_a_newer_keystep_opens_read_only_and_deletes_nothing() {
    let Some(sandbox) = Sandbox::new() else {
        return;
    };
    let emu = Emulator::start();
    let folder = sandbox.root.join("data/io.keystep.desktop");
    std::fs::create_dir_all(&folder).expect("data folder");
    let book = folder.join("accounts.json");
    let newer = serde_json::to_vec_pretty(&serde_json::json!({
        "book": {"version": 7, "accounts": [{"id": LIVE_ID, "provider": "humaans", "label": "Acme Ltd"}]}
    }))
    .expect("JSON");
    std::fs::write(&book, &newer).expect("write the newer book");
    leaks::secret_tool_store(
        "keystep",
        LIVE_ID,
        "Keystep — Humaans (Safe Co)",
        &format!("{{\"api_token\":\"{LIVE_KEY}\"}}"),
    );

    let s = Session::start(&sandbox, &emu).await;
    let notice = s.wait_for("#safe-mode[data-reason=\"too_new\"]").await;
    let said = notice.text().await.expect("text");
    assert!(
        said.contains("newer version of Keystep"),
        "the person is told why, in their words: {said}"
    );
    s.wait_for(&format!("#accounts [data-account-id=\"{LIVE_ID}\"]"))
        .await;
    assert!(
        s.text("#accounts").await.contains("Safe Co"),
        "the account is shown from its keychain label"
    );
    assert_eq!(
        s.count(&format!("#orphans [data-orphan-id=\"{LIVE_ID}\"]"))
            .await,
        0,
        "the live key is not offered for removal"
    );
    assert_eq!(
        s.count("body.read-only").await,
        1,
        "the window is read-only"
    );
    for action in [
        "#add-account",
        "#check-all",
        "#accounts [data-action=\"forget\"]",
        "#accounts [data-action=\"check\"]",
        "#accounts [data-action=\"relink\"]",
    ] {
        assert!(
            !s.displayed(action).await,
            "nothing that changes anything is offered: {action}"
        );
    }
    s.screenshot("safe-mode").await;
    s.end().await;

    assert!(
        leaks::secret_tool_search("keystep").contains(LIVE_ID),
        "the live key is still in the keychain after a full start and stop"
    );
    assert_eq!(
        std::fs::read(&book).expect("the book is still there"),
        newer,
        "the newer book is byte for byte as it was"
    );
    assert!(
        sandbox.app_log().contains("safe mode"),
        "the log says Keystep ran in safe mode"
    );
    let report = leaks::scan(&sandbox, &[LIVE_KEY]);
    assert!(
        report.book_found && report.output_found,
        "the scan saw the book and the output: {report:?}"
    );
    assert!(report.hits.is_empty(), "the key leaked: {:?}", report.hits);
}
