//! Issue #16 end to end: what a first-time user meets on a desktop without a tray (Xvfb has
//! no tray host): the close question and its remembered answer, and start at login starting
//! Keystep without a window, running its checks, until a later launch opens it; and the page
//! in the desktop's interface font, as GTK names it (issue 25 moved it out of the stylesheet),
//! painted on the CPU unless the environment already chose how (issue 25).

use std::time::{Duration, Instant};

use keystep_emulator::{Emulator, HumaansTenant, NamelyTenant};

use crate::driver::{Sandbox, Session, ENTER, ESCAPE, TAB};

const TOKEN: &str = "E2eFirstRunHumaansTokenFr4Ws8Kd2";
const NAMELY: &str = "E2eFirstRunNamelyAccessToken0016";

#[tokio::test]
async fn without_a_tray_the_first_close_asks_and_the_answer_is_kept() {
    let Some(sandbox) = Sandbox::new() else {
        return;
    };
    let emu = Emulator::start();
    let s = Session::start(&sandbox, &emu).await;
    sandbox
        .wait_window_shown(true, "the window shows at a normal start")
        .await;

    sandbox.close_as_a_person();
    s.wait_for("#close-question[open]").await;
    let question = s.text("#close-question").await;
    assert!(
        question.contains("notifications still come")
            && question.contains("checks stop")
            && question.contains("gnome-shell-extension-appindicator"),
        "the question says what each answer means and how to get a tray icon: {question}"
    );
    assert!(
        sandbox.app_running() && sandbox.window_shown(),
        "nothing stopped while the question is open"
    );
    s.wait_for_focus(
        |f| f.contains("|close-background|"),
        "Keep checking in the background",
    )
    .await;
    s.screenshot("close-question").await;

    s.click("#close-background").await;
    sandbox
        .wait_window_shown(false, "the window hides once the answer is given")
        .await;
    assert!(
        sandbox.app_running(),
        "Keystep keeps checking in the background"
    );
    let settings =
        std::fs::read_to_string(sandbox.root.join("data/io.keystep.desktop/settings.json"))
            .unwrap_or_default();
    assert!(
        settings.contains("\"when_closed\": \"background\""),
        "the answer is kept in the settings: {settings}"
    );

    // Opening Keystep again from the menu (a second launch) shows the same window.
    assert_eq!(
        sandbox.launch_second_instance(),
        Some(0),
        "the second launch hands over"
    );
    sandbox
        .wait_window_shown(true, "a later launch opens the window")
        .await;
    // The answer is remembered: the next close hides at once, without asking.
    sandbox.close_as_a_person();
    sandbox
        .wait_window_shown(false, "the second close hides without asking")
        .await;
    assert!(
        !s.displayed("#close-question").await,
        "the question is not asked twice"
    );
    assert!(sandbox.app_running(), "still checking in the background");
    s.end().await;
}

#[tokio::test]
async fn the_page_is_in_the_desktops_interface_font() {
    let Some(sandbox) = Sandbox::new() else {
        return;
    };
    // Where GTK reads its settings without a settings daemon (as under Xvfb): a desktop
    // whose interface font is not WebKit's default family.
    let gtk = sandbox.root.join("config/gtk-3.0");
    std::fs::create_dir_all(&gtk).expect("the GTK settings folder");
    std::fs::write(
        gtk.join("settings.ini"),
        "[Settings]\ngtk-font-name=DejaVu Serif Bold 11\n",
    )
    .expect("the GTK settings");
    let emu = Emulator::start();
    let s = Session::start(&sandbox, &emu).await;
    s.wait_for("#add-account").await;
    let font = s
        .eval("return getComputedStyle(document.body).fontFamily;")
        .await;
    assert_eq!(
        font.as_str().map(|f| f.replace('"', "")).as_deref(),
        Some("DejaVu Serif, sans-serif"),
        "the page names GTK's interface font family (without its style and size) first"
    );
    s.end().await;
}

#[tokio::test]
async fn the_page_is_painted_on_the_cpu_unless_the_environment_says_otherwise() {
    let Some(sandbox) = Sandbox::new() else {
        return;
    };
    let emu = Emulator::start();
    // WebKitGTK names its painting threads: SkiaCPUWorker paints on the CPU, SkiaGPUWorker
    // through OpenGL (here Mesa's llvmpipe, as on a machine without a GPU).
    let s = Session::start(&sandbox, &emu).await;
    let threads = sandbox.web_process_threads();
    assert!(
        threads.contains("SkiaCPUWorker") && !threads.contains("SkiaGPUWorker"),
        "the window's page is painted on the CPU only (src-tauri/src/painting.rs): {threads:?}"
    );
    s.end().await;
    // A choice already in the environment is the person's: WebKit's own default comes back.
    let s = Session::start_with(&sandbox, &emu, &[("WEBKIT_SKIA_ENABLE_CPU_RENDERING", "0")]).await;
    let threads = sandbox.web_process_threads();
    assert!(
        threads.contains("SkiaGPUWorker"),
        "with WEBKIT_SKIA_ENABLE_CPU_RENDERING=0 WebKit paints through OpenGL as it chooses: {threads:?}"
    );
    s.end().await;
}

#[tokio::test]
async fn start_at_login_starts_without_a_window_and_checks() {
    let Some(sandbox) = Sandbox::new() else {
        return;
    };
    let emu = Emulator::start();
    emu.add_humaans(TOKEN, HumaansTenant::full("Acme Ltd", 42));
    let home = sandbox.home().to_string_lossy().into_owned();
    let s = Session::start_with(&sandbox, &emu, &[("HOME", &home)]).await;
    let (state, code, msg) = s.link("humaans", &[("api_token", TOKEN)]).await;
    assert_eq!(state, "success", "links ({code:?}): {msg}");
    s.click("#done").await;
    s.click("#open-settings").await;
    s.wait_for("#settings-form").await;
    let help = s.text("#setting-login-help").await;
    assert!(
        help.contains("without a window") && help.contains("background"),
        "Settings says what start at login does: {help}"
    );
    s.click("#setting-login").await;
    s.click("#settings-save").await;
    s.wait_for_text("#settings-status", "Settings saved.").await;
    s.end().await;
    sandbox.kill_app();
    sandbox
        .wait_window_shown(false, "the first Keystep's window is gone")
        .await;

    // The entry the desktop runs at login, where the session looks: $XDG_CONFIG_HOME (the
    // sandbox's `config`), not a fixed ~/.config.
    let dir = sandbox.root.join("config/autostart");
    let entry = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("start at login wrote {}: {e}", dir.display()))
        .filter_map(Result::ok)
        .find(|e| e.path().extension().is_some_and(|x| x == "desktop"))
        .map(|e| std::fs::read_to_string(e.path()).expect("readable entry"))
        .expect("a .desktop entry");
    assert!(
        !sandbox.home().join(".config/autostart").exists(),
        "no second entry under ~/.config while XDG_CONFIG_HOME says elsewhere"
    );
    let exec = entry
        .lines()
        .find_map(|l| l.strip_prefix("Exec="))
        .expect("the entry has an Exec line");
    assert!(
        exec.ends_with(" --background"),
        "the login entry starts Keystep in the background: {exec}"
    );
    // What the desktop's list of startup applications shows of it.
    let comment = entry
        .lines()
        .find_map(|l| l.strip_prefix("Comment="))
        .unwrap_or_default();
    assert!(
        entry.lines().any(|l| l == "Icon=keystep")
            && comment.contains("in the background")
            && !comment.contains("script"),
        "the login entry shows Keystep's icon and says what it does: {entry}"
    );

    // Log in: run it, as the desktop would.
    emu.clear_requests();
    let mut at_login = sandbox.run_exec_line(exec, &emu.env());
    let deadline = Instant::now() + Duration::from_secs(20);
    while emu.requests().is_empty() {
        assert!(
            !sandbox.window_shown(),
            "started at login, Keystep shows no window"
        );
        assert!(Instant::now() < deadline, "the checks never ran");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        !sandbox.window_shown() && sandbox.app_running(),
        "checked the account without a window"
    );
    assert!(
        sandbox
            .app_log()
            .contains("started at login: no window; checks run in the background"),
        "and says so in its log"
    );
    // Later, Keystep from the applications menu: the running one shows its window.
    assert_eq!(
        sandbox.launch_second_instance(),
        Some(0),
        "the second launch hands over"
    );
    sandbox
        .wait_window_shown(true, "a later launch opens the window")
        .await;
    sandbox.kill_app();
    let _ = at_login.wait();
}

#[tokio::test]
async fn the_wizard_by_keyboard_picker_namely_result_and_escape() {
    let Some(sandbox) = Sandbox::new() else {
        return;
    };
    let emu = Emulator::start();
    emu.add_namely("acme", NamelyTenant::full("Acme Inc.", NAMELY, 142));
    let s = Session::start(&sandbox, &emu).await;

    // The picker: the search box has the focus; Enter opens the one match.
    s.click("#add-account").await;
    s.wait_for_focus(
        |f| f.starts_with("INPUT|provider-search|"),
        "the search box",
    )
    .await;
    s.press("namely").await;
    s.press(ENTER).await;
    s.wait_for_text("#guide-title", "Namely").await;
    // Escape goes back one step: to the picker, whose search starts empty again.
    s.press(ESCAPE).await;
    s.wait_for("[data-view=\"picker\"]:not([hidden])").await;
    assert_eq!(
        s.value("#provider-search").await,
        "",
        "the picker starts from every system"
    );
    s.wait_for_focus(
        |f| f.starts_with("INPUT|provider-search|"),
        "the search box again",
    )
    .await;
    s.press("nam").await;
    s.press(ENTER).await;
    s.wait_for_text("#guide-title", "Namely").await;

    // Namely: the pasted URL becomes the subdomain Keystep uses when the box is left.
    s.type_into(
        "form#credentials input[name=\"subdomain\"]",
        "https://acme.namely.com/people",
    )
    .await;
    s.press(TAB).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while s.value("form#credentials input[name=\"subdomain\"]").await != "acme" {
        assert!(
            Instant::now() < deadline,
            "the box shows the cleaned subdomain"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    s.wait_for_text("[data-field=\"subdomain\"] .field-note", "We removed")
        .await;
    s.screenshot("namely-cleaned").await;
    s.type_into("form#credentials input[name=\"access_token\"]", NAMELY)
        .await;
    s.press(ENTER).await;
    s.wait_for("#result[data-state=\"success\"]").await;
    // The result opens at its top with the focus on its heading, and shows the address used.
    s.wait_for_focus(
        |f| f.starts_with("H1|result-title|"),
        "the result's heading",
    )
    .await;
    assert_eq!(
        s.eval("return window.scrollY").await,
        serde_json::json!(0),
        "the result opens at its top"
    );
    s.wait_for_text("#result-body", "acme.namely.com").await;
    s.screenshot("result-namely").await;
    // Escape on a success is Done: the accounts, with the new one.
    s.press(ESCAPE).await;
    s.wait_for("#accounts [data-account-id]").await;
    s.assert_page_lacks(&[NAMELY]).await;
    s.end().await;
}
