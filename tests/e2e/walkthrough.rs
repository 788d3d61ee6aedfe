//! Issue #21 §7 end to end: what a new user tripped over in the installed package, in the
//! real window: how docks know the window, and where the app keeps its log.

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
async fn the_windows_class_is_the_one_the_desktop_entry_names() {
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
}
