//! The system-tray icon: draws `keystep_core::tray::tray_model` (icon, tooltip, one line per
//! account) and handles its menu. The content is computed in core and unit-tested there;
//! this module only turns it into Tauri menu items. It is redrawn after every change through
//! the app state's accounts-changed hook (`AppState::accounts_changed`), so the commands and
//! the schedule never call it, and imports run one way: the tray's menu starts sweeps
//! (`watch`), the schedule does not know the tray.

use std::sync::atomic::Ordering;

use tauri::image::Image;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Emitter, Manager, Runtime};

use keystep_core::tray::{tray_model, TrayIcon, TrayModel};
use keystep_core::words::Words;

use crate::events;
use crate::state::AppState;

const TRAY_ID: &str = "keystep";

/// The four tray pictures, decoded from PNG at compile time (`include_image!`), so the app
/// carries no PNG decoder of its own.
fn image(icon: TrayIcon) -> Image<'static> {
    match icon {
        TrayIcon::Empty => tauri::include_image!("../icons/tray-empty.png"),
        TrayIcon::Healthy => tauri::include_image!("../icons/tray-ok.png"),
        TrayIcon::Attention => tauri::include_image!("../icons/tray-attention.png"),
        TrayIcon::Checking => tauri::include_image!("../icons/tray-checking.png"),
    }
}

fn menu<R: Runtime>(app: &AppHandle<R>, model: &TrayModel, w: &Words) -> tauri::Result<Menu<R>> {
    let menu = Menu::new(app)?;
    for line in &model.lines {
        let id = format!("account:{}", line.account_id);
        menu.append(&MenuItem::with_id(app, id, &line.text, true, None::<&str>)?)?;
    }
    if !model.lines.is_empty() {
        menu.append(&PredefinedMenuItem::separator(app)?)?;
        let checking = model.icon == TrayIcon::Checking;
        menu.append(&MenuItem::with_id(
            app,
            "check-all",
            w.menu_check_all,
            !checking,
            None::<&str>,
        )?)?;
    }
    menu.append(&MenuItem::with_id(
        app,
        "add",
        w.menu_add,
        true,
        None::<&str>,
    )?)?;
    menu.append(&MenuItem::with_id(
        app,
        "open",
        w.menu_open,
        true,
        None::<&str>,
    )?)?;
    menu.append(&PredefinedMenuItem::separator(app)?)?;
    menu.append(&MenuItem::with_id(
        app,
        "quit",
        w.menu_quit,
        true,
        None::<&str>,
    )?)?;
    Ok(menu)
}

async fn model<R: Runtime>(app: &AppHandle<R>) -> Option<(TrayModel, &'static Words)> {
    let state = app.try_state::<AppState>()?;
    let accounts = state.accounts.list().await;
    let checking = state.checking.load(Ordering::SeqCst);
    let lang = state.lang();
    let script_uses = state.script_uses(&accounts);
    let model = tray_model(
        &accounts,
        state.accounts.catalogue(),
        &script_uses,
        state.accounts.now(),
        checking,
        lang,
    );
    Some((model, keystep_core::words::words(lang)))
}

/// Keeps whether a tray host is there (`host`, as the session bus answered it:
/// `desktop::has_tray_host`): closing the window, and the window's own Quit, depend on it.
pub fn note_tray_host<R: Runtime>(app: &AppHandle<R>, host: bool) {
    if let Some(state) = app.try_state::<AppState>() {
        state.tray_shown.store(host, Ordering::SeqCst);
    }
    log::info!(
        "tray host: {}",
        if host {
            "present"
        } else {
            "absent; closing the window asks, then does what was answered"
        }
    );
}

/// The longest the tray icon waits, from start: without a window (started at login), or
/// with a page that never loads, it still comes.
pub const INSTALL_LATEST: std::time::Duration = std::time::Duration::from_secs(2);

/// How long after the page has loaded the icon still waits. Building it holds the main
/// thread, through which the page's first answers come back: built as the page loaded, it
/// delayed the first view by 20–30 ms (docs/benchmarks.md, issue 25). By now the page has
/// drawn its accounts, even a hundred.
pub const INSTALL_SETTLE: std::time::Duration = std::time::Duration::from_secs(1);

/// Installs the tray icon on the main thread [`INSTALL_SETTLE`] after the window's page has
/// loaded, or [`INSTALL_LATEST`] after start, whichever comes first.
pub async fn install_after_page<R: Runtime>(app: AppHandle<R>) {
    if let Some(state) = app.try_state::<AppState>() {
        state
            .settled_after_page(INSTALL_SETTLE, INSTALL_LATEST)
            .await;
    }
    let handle = app.clone();
    let installed = app.run_on_main_thread(move || {
        if let Err(e) = install(&handle) {
            log::warn!("no tray icon: {e}");
        }
    });
    if let Err(e) = installed {
        log::warn!("no tray icon: {e}");
    }
}

/// Installs the tray icon. A desktop without a tray host simply shows none.
///
/// # Errors
/// Building the menu or the icon failed.
pub fn install<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<()> {
    let empty = TrayModel {
        icon: TrayIcon::Empty,
        tooltip: "Keystep".into(),
        lines: Vec::new(),
    };
    TrayIconBuilder::with_id(TRAY_ID)
        .icon(image(empty.icon))
        .tooltip(&empty.tooltip)
        .menu(&menu(
            app,
            &empty,
            keystep_core::words::words(Default::default()),
        )?)
        .on_menu_event(|app, event| on_menu(app, event.id().as_ref()))
        .build(app)?;
    let handle = app.clone();
    tauri::async_runtime::spawn(async move { refresh(&handle).await });
    Ok(())
}

/// Redraws the tray from the current accounts. Without a tray (tests, no tray host) it
/// does nothing.
pub async fn refresh<R: Runtime>(app: &AppHandle<R>) {
    let (Some(tray), Some((model, words))) = (app.tray_by_id(TRAY_ID), model(app).await) else {
        return;
    };
    // The one line a test (or a person reading the log) can see the tray by.
    log::info!("tray: {:?} — {}", model.icon, model.tooltip);
    let drawn = tray.set_icon(Some(image(model.icon)));
    let drawn = drawn
        .and_then(|()| tray.set_tooltip(Some(&model.tooltip)))
        .and_then(|()| menu(app, &model, words))
        .and_then(|menu| tray.set_menu(Some(menu)));
    if let Err(e) = drawn {
        log::warn!("tray not updated: {e}");
    }
}

fn on_menu<R: Runtime>(app: &AppHandle<R>, id: &str) {
    match id {
        "open" => show_main(app),
        "quit" => app.exit(0),
        "add" => {
            show_main(app);
            let _ = app.emit(events::ADD_ACCOUNT, ());
        }
        "check-all" => {
            let app = app.clone();
            tauri::async_runtime::spawn(async move { crate::watch::check_all(&app).await });
        }
        other => {
            if let Some(account) = other.strip_prefix("account:") {
                show_main(app);
                let _ = app.emit(events::OPEN_ACCOUNT, account);
            }
        }
    }
}

/// Brings the main window to the front.
pub fn show_main<R: Runtime>(app: &AppHandle<R>) {
    if let Some(w) = app.get_webview_window(crate::first_view::MAIN_WINDOW) {
        let _ = w.unminimize();
        let _ = w.show();
        let _ = w.set_focus();
    }
}
