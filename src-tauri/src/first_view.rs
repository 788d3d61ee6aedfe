//! The first view's answers, handed to the page with the page itself.
//!
//! Before it can draw anything the page needs four answers: the settings (its language),
//! the host overrides (the test-address banner), whether a tray icon shows Keystep (the
//! window's Quit, with the desktop's font) and the accounts; and, to word the cards, their
//! providers (not the other guides: the picker asks for those when it opens). Asked over IPC at start, they came back through the main
//! thread while it painted the first frame, ~50 ms after the page's scripts had run
//! (docs/benchmarks.md, issue 25). So the window is made in `setup`, once the book is open,
//! with an initialization script that sets them on the page before its scripts run. The page
//! takes them once (`takeFirstView` in ui/api.js), asks for the accounts again once it is
//! drawn (what changed in between shows then) and, on a reload, asks for all four as before.
//!
//! Nothing here is secret: these are the same views the IPC commands answer with.

use serde::Serialize;
use tauri::{AppHandle, Manager, Runtime, WebviewWindowBuilder};

use crate::ipc::{AccountView, DesktopView, HostOverrideView, ProviderView, SettingsView};
use crate::state::AppState;

/// The window's label in `tauri.conf.json`.
pub const MAIN_WINDOW: &str = "main";

/// The page's global the answers are set on (ui/api.js reads and deletes it).
pub const GLOBAL: &str = "__keystepFirstView";

/// What the page's first view is drawn from.
#[derive(Debug, Clone, Serialize)]
pub struct FirstView {
    /// As `get_settings` answers.
    pub settings: SettingsView,
    /// As `list_host_overrides` answers.
    pub host_overrides: Vec<HostOverrideView>,
    /// As `get_desktop` answers.
    pub desktop: DesktopView,
    /// As `list_accounts` answers.
    pub accounts: Vec<AccountView>,
    /// The accounts' providers, for the cards' own sentences.
    pub providers: HandedProviders,
}

/// The providers of the handed-over accounts, as `list_providers` answers them in `lang`:
/// with them the cards are drawn once, in their providers' words, and start-up asks for no
/// guide. In the language Keystep resolves; a page that resolves another asks as before.
#[derive(Debug, Clone, Serialize)]
pub struct HandedProviders {
    /// `en` or `fr`.
    pub lang: &'static str,
    /// Only the providers some account is with (none for an empty book).
    pub list: Vec<ProviderView>,
}

impl FirstView {
    /// The answers as they are now.
    pub async fn of(state: &AppState) -> Self {
        let accounts = state.views(&state.accounts.list().await);
        let lang = state.lang();
        let used: std::collections::BTreeSet<&str> =
            accounts.iter().map(|a| a.provider.as_str()).collect();
        let providers = HandedProviders {
            lang: lang.code(),
            list: state.provider_views(lang, |id| used.contains(id)),
        };
        FirstView {
            settings: SettingsView::of(&state.settings()),
            host_overrides: state.host_override_views(),
            desktop: state.desktop_view(),
            accounts,
            providers,
        }
    }

    /// The initialization script that sets them on the page. The answers go in as a JSON
    /// text inside a string literal, read with `JSON.parse`: nothing in them can end the
    /// literal early or run as code, whatever an account's name holds.
    ///
    /// # Panics
    /// Never: the views serialize to JSON by construction (strings, numbers, lists, maps with
    /// string keys).
    pub fn script(&self) -> String {
        let json = serde_json::to_string(self).expect("a view always serializes to JSON");
        let literal = serde_json::to_string(&json).expect("a string always serializes to JSON");
        format!("window.{GLOBAL} = JSON.parse({literal});")
    }
}

/// Makes the main window (`tauri.conf.json` has it `create: false`) with the first view's
/// answers: shown, unless Keystep was started at login.
///
/// # Errors
/// The configuration has no main window, or the window could not be made.
pub fn open_main_window<R: Runtime>(app: &AppHandle<R>) -> Result<(), String> {
    let config = app
        .config()
        .app
        .windows
        .iter()
        .find(|w| w.label == MAIN_WINDOW)
        .ok_or_else(|| format!("tauri.conf.json has no \"{MAIN_WINDOW}\" window"))?
        .clone();
    let state = app.state::<AppState>();
    let first = tauri::async_runtime::block_on(FirstView::of(&state));
    // Shown as it is made, unless started at login: made hidden and shown a moment later,
    // its first frame came ~10 ms later (docs/benchmarks.md, issue 25).
    let visible = !crate::closing::started_in_background();
    WebviewWindowBuilder::from_config(app, &config)
        .and_then(|w| {
            w.initialization_script(first.script())
                .visible(visible)
                .build()
        })
        .map(|_| ())
        .map_err(|e| format!("the window could not be made: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses what `script` hands the page, as the page would.
    fn handed(script: &str) -> serde_json::Value {
        let literal = script
            .strip_prefix(&format!("window.{GLOBAL} = JSON.parse("))
            .and_then(|rest| rest.strip_suffix(");"))
            .expect("the script is one assignment of JSON.parse of a literal");
        let json: String = serde_json::from_str(literal).expect("the literal is a JSON string");
        serde_json::from_str(&json).expect("the string holds JSON")
    }

    #[test]
    fn the_script_hands_over_any_text_as_data() {
        // Text that would end a string literal, a script tag or (once) a line of JavaScript.
        let hostile = "\");alert(1);</script>\u{2028}'`${x}";
        let view = FirstView {
            settings: SettingsView::of(&keystep_core::settings::Settings::default()),
            host_overrides: vec![HostOverrideView {
                provider: "humaans".into(),
                provider_name: hostile.into(),
                host: "api".into(),
                url: hostile.into(),
                variable: "KEYSTEP_HUMAANS_API_URL".into(),
            }],
            desktop: DesktopView {
                tray: true,
                font: Some("Cantarell".into()),
            },
            accounts: Vec::new(),
            providers: HandedProviders {
                lang: "en",
                list: Vec::new(),
            },
        };
        let script = view.script();
        let page = handed(&script);
        assert_eq!(
            page["host_overrides"][0]["url"], hostile,
            "the text comes back as the same text: {script}"
        );
        assert_eq!(
            page["desktop"]["tray"], true,
            "the answers survive the trip"
        );
    }
}
