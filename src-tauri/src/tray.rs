//! The system-tray icon: draws `keystep_core::tray::tray_model` (icon, tooltip, one line per
//! account) and handles its menu. The content is computed in core and unit-tested there;
//! this module only turns it into Tauri menu items and refreshes it after every change.

use std::sync::atomic::Ordering;

use tauri::image::Image;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Emitter, Manager, Runtime};

use keystep_core::tray::{tray_model, TrayIcon, TrayModel};
use keystep_core::words::Words;

use crate::state::AppState;

const TRAY_ID: &str = "keystep";

fn image(icon: TrayIcon) -> tauri::Result<Image<'static>> {
    Image::from_bytes(match icon {
        TrayIcon::Empty => include_bytes!("../../icons/tray-empty.png"),
        TrayIcon::Healthy => include_bytes!("../../icons/tray-ok.png"),
        TrayIcon::Attention => include_bytes!("../../icons/tray-attention.png"),
        TrayIcon::Checking => include_bytes!("../../icons/tray-checking.png"),
    })
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
    let model = tray_model(
        &accounts,
        state.accounts.catalogue(),
        state.accounts.now(),
        checking,
        lang,
    );
    Some((model, keystep_core::words::words(lang)))
}

/// Installs the tray icon. A desktop without a tray host simply shows none.
///
/// # Errors
/// Building the menu or the icon failed.
pub fn install<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<()> {
    let host = has_host();
    if let Some(state) = app.try_state::<AppState>() {
        state.tray_shown.store(host, Ordering::SeqCst);
    }
    log::info!(
        "tray host: {}",
        if host {
            "present"
        } else {
            "absent; closing the window quits"
        }
    );
    let empty = TrayModel {
        icon: TrayIcon::Empty,
        tooltip: "Keystep".into(),
        lines: Vec::new(),
    };
    TrayIconBuilder::with_id(TRAY_ID)
        .icon(image(empty.icon)?)
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
    let drawn = image(model.icon).and_then(|icon| tray.set_icon(Some(icon)));
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
            let _ = app.emit("add-account", ());
        }
        "check-all" => {
            let app = app.clone();
            tauri::async_runtime::spawn(async move { crate::watch::check_all(&app).await });
        }
        other => {
            if let Some(account) = other.strip_prefix("account:") {
                show_main(app);
                let _ = app.emit("open-account", account);
            }
        }
    }
}

/// Brings the main window to the front.
pub fn show_main<R: Runtime>(app: &AppHandle<R>) {
    if let Some(w) = app.get_webview_window("main") {
        let _ = w.unminimize();
        let _ = w.show();
        let _ = w.set_focus();
    }
}

/// Whether a tray host is there to show the icon. On Linux the icon is a
/// StatusNotifierItem, shown only when a StatusNotifierWatcher owns its name on the session
/// bus; elsewhere the system tray is always there.
#[cfg(target_os = "linux")]
pub fn has_host() -> bool {
    let Ok(bus) = dbus::blocking::Connection::new_session() else {
        return false;
    };
    let proxy = bus.with_proxy(
        "org.freedesktop.DBus",
        "/org/freedesktop/DBus",
        std::time::Duration::from_millis(500),
    );
    let owned: Result<(bool,), _> = proxy.method_call(
        "org.freedesktop.DBus",
        "NameHasOwner",
        ("org.kde.StatusNotifierWatcher",),
    );
    owned.is_ok_and(|(yes,)| yes)
}

/// Whether a tray host is there to show the icon.
#[cfg(not(target_os = "linux"))]
pub fn has_host() -> bool {
    true
}
