//! Issue #6 end to end: a key revoked at the provider turns red in the window, in the tray
//! model and in a desktop notification, and without a tray host closing the window asks.

use keystep_emulator::{Emulator, HumaansTenant};

use super::driver::{Sandbox, Session};
use super::TOKEN;

/// Issue #6 end to end: a key revoked at the provider turns red in the window and in the
/// tray model after "Check all now"; without a tray host, closing the window quits.
#[tokio::test]
async fn a_revoked_key_turns_red_on_check_all_in_the_window_and_the_tray() {
    let Some(sandbox) = Sandbox::new() else {
        return;
    };
    let emu = Emulator::start();
    emu.add_humaans(TOKEN, HumaansTenant::full("Acme Ltd", 42));
    // A real notification service on the session bus, as a desktop has.
    let notifications = super::driver::NotificationService::start(&sandbox);
    let s = Session::start(&sandbox, &emu).await;
    let (state, code, msg) = s.link("humaans", &[("api_token", TOKEN)]).await;
    assert_eq!(state, "success", "links ({code:?}): {msg}");
    s.click("#done").await;
    s.wait_for("#accounts [data-account-id][data-status=\"ok\"]")
        .await;

    emu.revoke(TOKEN);
    emu.clear_requests();
    s.click("#check-all").await;
    s.wait_for("#accounts [data-account-id][data-status=\"failing\"]")
        .await;
    assert!(
        !emu.requests().is_empty(),
        "Check all now asked the provider again"
    );
    s.screenshot("accounts-key-revoked").await;

    // The change for the worse reached the desktop as one urgent notification naming the
    // account, with the account's own sentence (the fix) as its body.
    let shown = notifications
        .wait_for("Humaans — Acme Ltd: key rejected")
        .await;
    assert!(
        shown.contains("appname: 'Keystep'") && shown.contains("urgency: NORMAL"),
        "from Keystep, and urgent: {shown}"
    );
    assert!(
        shown.contains("body: '") && !shown.contains("body: ''"),
        "with a body that says what to do: {shown}"
    );

    let log = sandbox.app_log();
    assert!(
        log.contains("tray host: absent"),
        "Xvfb has no tray host, and the app says so: {log}"
    );
    let last_tray = log
        .lines()
        .rev()
        .find(|l| l.contains("tray: "))
        .unwrap_or_default();
    assert!(
        last_tray.contains("Attention") && last_tray.contains("needs attention"),
        "the tray model turned to attention: {last_tray}"
    );
    s.assert_page_lacks(&[TOKEN]).await;

    // No tray host: closing the window asks; quitting is an answer, never a silent stop.
    sandbox.close_as_a_person();
    s.click("#close-quit").await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while sandbox.app_running() && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert!(
        !sandbox.app_running(),
        "Keystep quit, as answered, since no tray could reopen it"
    );
    s.end().await;
    let report = super::leaks::scan(&sandbox, &[TOKEN]);
    assert!(report.hits.is_empty(), "secrets written: {:?}", report.hits);
}
