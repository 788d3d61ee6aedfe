//! Issue #21 §7 end to end: what a new user tripped over in the installed package, in the
//! real window: how docks know the window, and how private its log is.

use keystep_emulator::Emulator;

use crate::driver::{Sandbox, Session};

/// The bundler's desktop entry says `StartupWMClass=<mainBinaryName>` (its default
/// template); `tests/package/run.sh` reads that line in the built package.
fn startup_wm_class() -> String {
    let conf: serde_json::Value = serde_json::from_str(include_str!("../../tauri.conf.json"))
        .expect("tauri.conf.json is JSON");
    conf["mainBinaryName"]
        .as_str()
        .expect("tauri.conf.json names the main binary")
        .to_string()
}

#[tokio::test]
async fn the_windows_class_is_the_one_the_desktop_entry_names_and_its_log_is_private() {
    let Some(sandbox) = Sandbox::new() else {
        return;
    };
    let emu = Emulator::start();
    let s = Session::start(&sandbox, &emu).await;
    sandbox
        .wait_window_shown(true, "the window shows at a normal start")
        .await;
    let wanted = startup_wm_class();
    let classes = sandbox.window_classes();
    let capitalised = format!("{}{}", wanted[..1].to_uppercase(), &wanted[1..]);
    assert!(
        !classes.is_empty()
            && classes
                .iter()
                .all(|c| *c == format!("\"{wanted}\", \"{capitalised}\"")),
        "a dock groups the window with its launcher only if WM_CLASS matches StartupWMClass={wanted}: {classes:?}"
    );
    s.end().await;

    // The app's log (its accounts, its checks) is the person's alone.
    use std::os::unix::fs::PermissionsExt;
    let logs = sandbox.root.join("data/io.keystep.desktop/logs");
    let mode = |p: &std::path::Path| {
        std::fs::metadata(p)
            .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
            .permissions()
            .mode()
            & 0o777
    };
    let log = logs.join("keystep.log");
    assert!(
        std::fs::read_to_string(&log).is_ok_and(|t| t.contains("tray host")),
        "the app wrote its log at {}",
        log.display()
    );
    assert_eq!(
        (mode(&logs), mode(&log)),
        (0o700, 0o600),
        "the log folder is 0700 and the log 0600"
    );
}

#[tokio::test]
async fn without_a_tray_the_window_offers_quit_and_it_quits() {
    let Some(sandbox) = Sandbox::new() else {
        return;
    };
    let emu = Emulator::start();
    let s = Session::start(&sandbox, &emu).await;
    // Xvfb has no tray host: the header offers what the tray's menu would.
    let quit = s.text("#quit").await;
    assert_eq!(quit, "Quit Keystep", "the header offers Quit Keystep");
    assert!(sandbox.app_running(), "Keystep runs");
    // Clicked from the page: the app may be gone before WebDriver answers a native click.
    let _ = s
        .eval("document.getElementById('quit').click(); return true")
        .await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while sandbox.app_running() {
        assert!(
            std::time::Instant::now() < deadline,
            "Quit ends Keystep, its checks with it"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert!(
        sandbox
            .app_log()
            .contains("quitting, as asked in the window"),
        "and says so in its log"
    );
    s.end().await;
}
