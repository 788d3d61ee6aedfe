//! The account book and the settings on disk, through tauri-plugin-store (used from Rust only: the webview
//! has no `store:*` permission).
//!
//! The book is one key, `book`, in `accounts.json` in the app's data folder. Every change is
//! saved at once rather than on the plugin's debounce, so a crash cannot lose a link.
//!
//! Reading goes to the file itself first: the plugin silently treats a file it cannot parse
//! as empty, and its next save would then overwrite the damaged file and every account in
//! it. Here a damaged or too-new file is an error, and the shell sets it aside instead.

use std::path::PathBuf;

use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_store::StoreExt;

use keystep_core::account::{parse_book, AccountBook, BookError, BookStore};
use keystep_core::settings::{Settings, SettingsStore};

/// The store file, relative to the app data folder.
pub const BOOK_FILE: &str = "accounts.json";
const KEY: &str = "book";

/// The account book in tauri-plugin-store.
pub struct StoreBook<R: Runtime> {
    app: AppHandle<R>,
}

impl<R: Runtime> StoreBook<R> {
    /// The book of this app.
    pub fn new(app: AppHandle<R>) -> Self {
        StoreBook { app }
    }

    /// Where the book lives.
    ///
    /// # Errors
    /// The platform has no data folder for the app.
    pub fn path(&self) -> Result<PathBuf, BookError> {
        self.app
            .path()
            .app_data_dir()
            .map(|d| d.join(BOOK_FILE))
            .map_err(|e| BookError::Io(e.to_string()))
    }

    /// Moves a damaged book aside (never deletes it) and returns its new name.
    ///
    /// # Errors
    /// The file could not be renamed.
    pub fn set_aside(&self, now: u64) -> Result<PathBuf, BookError> {
        let from = self.path()?;
        let to = from.with_file_name(format!("{BOOK_FILE}.damaged-{now}"));
        std::fs::rename(&from, &to).map_err(|e| BookError::Io(e.to_string()))?;
        // The plugin may hold what it (failed to) read; start it from the empty state.
        if let Ok(store) = self.app.store(BOOK_FILE) {
            store.clear();
        }
        Ok(to)
    }
}

impl<R: Runtime> BookStore for StoreBook<R> {
    fn load(&self) -> Result<AccountBook, BookError> {
        let bytes = match std::fs::read(self.path()?) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(AccountBook::default()),
            Err(e) => return Err(BookError::Io(e.to_string())),
        };
        let file: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|e| BookError::Damaged(format!("it is not valid JSON: {e}")))?;
        match file.get(KEY) {
            Some(book) => parse_book(book.clone()),
            None if file.as_object().is_some_and(|o| o.is_empty()) => Ok(AccountBook::default()),
            None => Err(BookError::Damaged("it holds no account list".into())),
        }
    }

    fn save(&self, book: &AccountBook) -> Result<(), BookError> {
        let store = self
            .app
            .store(BOOK_FILE)
            .map_err(|e| BookError::Io(e.to_string()))?;
        let value = serde_json::to_value(book).map_err(|e| BookError::Io(e.to_string()))?;
        store.set(KEY, value);
        store.save().map_err(|e| BookError::Io(e.to_string()))
    }
}

/// The settings file, relative to the app data folder.
pub const SETTINGS_FILE: &str = "settings.json";
const SETTINGS_KEY: &str = "settings";

/// The person's settings in tauri-plugin-store.
pub struct StoreSettings<R: Runtime> {
    app: AppHandle<R>,
}

impl<R: Runtime> StoreSettings<R> {
    /// The settings of this app.
    pub fn new(app: AppHandle<R>) -> Self {
        StoreSettings { app }
    }
}

impl<R: Runtime> SettingsStore for StoreSettings<R> {
    fn load(&self) -> Settings {
        let stored = self
            .app
            .store(SETTINGS_FILE)
            .ok()
            .and_then(|store| store.get(SETTINGS_KEY));
        Settings::from_stored(stored)
    }

    fn save(&self, settings: &Settings) -> Result<(), String> {
        let store = self.app.store(SETTINGS_FILE).map_err(|e| e.to_string())?;
        let value = serde_json::to_value(settings).map_err(|e| e.to_string())?;
        store.set(SETTINGS_KEY, value);
        store.save().map_err(|e| e.to_string())
    }
}
