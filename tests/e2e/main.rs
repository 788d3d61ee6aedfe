//! End to end through the real window: the built `keystep` binary under Xvfb, driven by
//! WebDriver (`tauri-driver` → `WebKitWebDriver` → WebKitGTK), talking over loopback HTTP
//! to the provider emulator, storing into the real gnome-keyring.
//!
//! Run through `scripts/headless.sh` (the test command does). Without a display the suite
//! skips, unless `CI=true`, where skipping would hide a broken suite and so fails instead.

mod driver;
mod leaks;

use keystep_emulator::{Emulator, HumaansTenant};

use driver::{Sandbox, Session};

const TOKEN: &str = "E2eCanaryHumaansTokenXq7Lm29Pz81";
const BAD_TOKEN: &str = "E2eWrongTokenWrongTokenWrong0000";

#[tokio::test]
async fn link_humaans_through_the_window_then_restart() {
    let Some(sandbox) = Sandbox::new() else {
        return;
    };
    let emu = Emulator::start();
    emu.add_humaans(TOKEN, HumaansTenant::full("Acme Ltd", 42));

    let s = Session::start(&sandbox, &emu).await;
    // First run: the empty state invites the first account.
    s.click("#add-account").await;
    s.click("button[data-provider=\"humaans\"]").await;
    let steps = s.wait_all("[data-view=\"guide\"] ol > li").await;
    assert_eq!(steps, 4, "the Humaans guide shows its four numbered steps");
    let guide_text = s.text("[data-view=\"guide\"]").await;
    assert!(
        guide_text.contains("API access tokens"),
        "the guide uses Humaans' menu words"
    );
    assert!(
        guide_text.contains("documents:read"),
        "the scopes to tick are listed"
    );
    s.screenshot("guide-humaans").await;

    s.type_into(
        "form#credentials input[name=\"api_token\"]",
        &format!("  {TOKEN}\n"),
    )
    .await;
    s.click("button#connect").await;
    s.wait_for("#result[data-state=\"success\"]").await;
    let msg = s.text("#result-message").await;
    assert_eq!(
        msg, "Connected to Acme Ltd (42 people)",
        "the success text names the company"
    );
    s.screenshot("success").await;
    s.assert_page_lacks(&[TOKEN]).await;

    // The account is listed at home.
    s.click("#done").await;
    s.wait_for("#accounts [data-account-id]").await;
    assert!(
        s.text("#accounts").await.contains("Acme Ltd"),
        "the account appears at home"
    );
    s.screenshot("accounts").await;

    // A wrong token gets the specific error, and is cleared from the form.
    s.click("#add-account").await;
    s.click("button[data-provider=\"humaans\"]").await;
    s.type_into("form#credentials input[name=\"api_token\"]", BAD_TOKEN)
        .await;
    s.click("button#connect").await;
    s.wait_for("#result[data-state=\"error\"]").await;
    let code = s.attr("#result", "data-code").await;
    assert_eq!(
        code.as_deref(),
        Some("bad_credentials"),
        "the error is classified"
    );
    let err = s.text("#result-message").await;
    assert!(
        err.contains("did not accept this token"),
        "the message says what happened: {err}"
    );
    s.screenshot("error-bad-credentials").await;
    s.assert_page_lacks(&[TOKEN, BAD_TOKEN]).await;
    s.end().await;

    // Restart: the account is remembered (metadata from the store, secret in the keychain).
    let s = Session::start(&sandbox, &emu).await;
    s.wait_for("#accounts [data-account-id]").await;
    let home = s.text("#accounts").await;
    assert!(
        home.contains("Acme Ltd"),
        "the account survives a restart: {home}"
    );
    s.end().await;

    let keychain = leaks::secret_tool_search("keystep");
    assert!(
        keychain.contains(TOKEN),
        "the token is in the real keychain"
    );
    assert!(
        keychain.contains("Keystep — Humaans (Acme Ltd)"),
        "with a readable label: {keychain}"
    );
    assert!(
        !keychain.contains(BAD_TOKEN),
        "a rejected token is never stored"
    );

    let report = leaks::scan(&sandbox, &[TOKEN, BAD_TOKEN]);
    assert!(
        report.files_read > 0,
        "the scan read the app's files: {report:?}"
    );
    assert!(
        report.book_found,
        "the scan found the account book, so it searched the right place: {report:?}"
    );
    assert!(report.log_found, "the scan found the app's log: {report:?}");
    assert!(
        report.hits.is_empty(),
        "secrets found in files the app wrote: {:?}",
        report.hits
    );
    let requests = emu.requests();
    assert!(
        requests.len() >= 5,
        "the app really talked to the emulator: {}",
        requests.len()
    );
}
