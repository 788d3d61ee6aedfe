//! What closing the window does, and how Keystep starts at login.
//!
//! Where a tray host shows Keystep's icon, closing the window only hides it: the icon brings
//! it back. Where there is none (stock GNOME), hiding silently would leave checks running
//! with nothing on screen, and quitting silently would stop them; so the first close asks
//! (the window words the question and saves the answer, `Settings::when_closed`), and later
//! closes do what was answered. Start at login passes [`BACKGROUND_ARG`]: Keystep then
//! starts with its window hidden and runs its checks; a later launch opens the window
//! (the session's one Keystep answers it, `desktop::claim`).

use std::sync::atomic::Ordering;

use tauri::{AppHandle, Emitter, Manager, Runtime};

use keystep_core::settings::WhenClosed;

use crate::events;
use crate::state::AppState;

/// The argument the start-at-login entry passes: start without a window.
pub const BACKGROUND_ARG: &str = keystep_core::settings::BACKGROUND_ARG;

/// What one close of the window does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closing {
    /// Hide the window; checks go on.
    Hide,
    /// Keep the window and ask the person (the `close-asked` event).
    Ask,
    /// Let the window close, which quits Keystep.
    Quit,
}

/// The rule: the tray keeps Keystep reachable; without it, the person's answer decides.
pub fn closing(tray_shown: bool, when_closed: WhenClosed) -> Closing {
    match (tray_shown, when_closed) {
        (true, _) | (false, WhenClosed::Background) => Closing::Hide,
        (false, WhenClosed::Ask) => Closing::Ask,
        (false, WhenClosed::Quit) => Closing::Quit,
    }
}

/// Whether this process was started at login (with [`BACKGROUND_ARG`]).
pub fn started_in_background() -> bool {
    std::env::args().skip(1).any(|a| a == BACKGROUND_ARG)
}

/// Handles the window's close button: hides it, asks, or lets it close.
pub fn on_close_requested<R: Runtime>(window: &tauri::Window<R>, api: &tauri::CloseRequestApi) {
    let app = window.app_handle();
    let Some(state) = app.try_state::<AppState>() else {
        return;
    };
    let tray = state.tray_shown.load(Ordering::SeqCst);
    match closing(tray, state.settings().when_closed) {
        Closing::Hide => {
            api.prevent_close();
            if tray {
                tell_about_tray_once(&state);
            }
            log::info!("window closed; Keystep keeps checking in the background");
            let _ = window.hide();
        }
        Closing::Ask => {
            api.prevent_close();
            log::info!("window closed without a tray host; asking what to do");
            let _ = app.emit(events::CLOSE_ASKED, ());
        }
        Closing::Quit => log::info!("window closed without a tray host; quitting, as chosen"),
    }
}

/// Closes the window as the saved settings say, once the person answered the question
/// (the `close_window` command): hidden, or Keystep quits.
pub fn close_as_chosen<R: Runtime>(app: &AppHandle<R>) {
    let Some(state) = app.try_state::<AppState>() else {
        return;
    };
    let tray = state.tray_shown.load(Ordering::SeqCst);
    match closing(tray, state.settings().when_closed) {
        Closing::Hide => {
            log::info!("window closed; Keystep keeps checking in the background");
            if let Some(w) = app.get_webview_window(crate::first_view::MAIN_WINDOW) {
                let _ = w.hide();
            }
        }
        Closing::Quit => {
            log::info!("quitting, as chosen");
            app.exit(0);
        }
        Closing::Ask => log::warn!("close_window before an answer was saved; nothing done"),
    }
}

/// The first time the tray keeps Keystep running, a notification says so.
fn tell_about_tray_once(state: &AppState) {
    let mut settings = state.settings();
    if settings.told_about_tray {
        return;
    }
    let w = keystep_core::words::words(state.lang());
    state.notify(&keystep_core::notice::Notice {
        title: w.still_running_title.into(),
        body: w.still_running_body.into(),
        urgent: false,
    });
    settings.told_about_tray = true;
    if let Err(e) = state.store_settings(settings) {
        log::warn!("could not remember the tray notice: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tray_hides_and_without_it_the_answer_decides() {
        for when in [WhenClosed::Ask, WhenClosed::Background, WhenClosed::Quit] {
            assert_eq!(
                closing(true, when),
                Closing::Hide,
                "with a tray icon, closing only hides ({when:?})"
            );
        }
        assert_eq!(
            closing(false, WhenClosed::Ask),
            Closing::Ask,
            "no tray and no answer yet: ask, never stop silently"
        );
        assert_eq!(
            closing(false, WhenClosed::Background),
            Closing::Hide,
            "keep checking in the background"
        );
        assert_eq!(
            closing(false, WhenClosed::Quit),
            Closing::Quit,
            "quit, as chosen"
        );
    }
}
