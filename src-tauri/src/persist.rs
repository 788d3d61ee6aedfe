//! The account book on disk, through tauri-plugin-store (used from Rust only: the webview
//! has no `store:*` permission).
//!
//! The book is one key, `book`, in `accounts.json` in the app's data folder. Every change is
//! saved at once rather than on the plugin's debounce, so a crash cannot lose a link.

use tauri::{AppHandle, Runtime};
use tauri_plugin_store::StoreExt;

use keystep_core::account::{AccountBook, BookError, BookStore, BOOK_VERSION};

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
}

impl<R: Runtime> BookStore for StoreBook<R> {
    fn load(&self) -> Result<AccountBook, BookError> {
        let store = self
            .app
            .store(BOOK_FILE)
            .map_err(|e| BookError::Damaged(e.to_string()))?;
        let Some(value) = store.get(KEY) else {
            return Ok(AccountBook::default());
        };
        let book: AccountBook =
            serde_json::from_value(value).map_err(|e| BookError::Damaged(e.to_string()))?;
        if book.version > BOOK_VERSION {
            return Err(BookError::Damaged(format!(
                "written by a newer Keystep (schema {})",
                book.version
            )));
        }
        Ok(book)
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
