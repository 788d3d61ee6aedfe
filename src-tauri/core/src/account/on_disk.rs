//! The account book on disk: `accounts.json` in Keystep's private [`DataDir`], written
//! atomically, one writer at a time, and never over a book this build cannot read.
//!
//! The file is `{"book": {...}}`, the shape tauri-plugin-store wrote before, so books of
//! earlier versions open as they are. It stopped being written by the plugin because the
//! plugin writes in place (truncate, then write; no flush, no rename, the umask's mode) and
//! saves its cached copy again when the app quits, which could resurrect a change Keystep
//! had rolled back.
//!
//! Two processes may write the book (the window and the command line). A save takes the
//! folder's lock, reads the file again, and if another process changed it since this one
//! last read or wrote it, merges: the accounts this process added, changed or removed are
//! applied to the file's accounts, and everything else in the file stays as the other
//! process left it ([`merge`]). So neither process overwrites the other's changes.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use crate::files::DataDir;

use super::{parse_book, settle_handles, AccountBook, BookError, BookStore, BOOK_VERSION};

/// The book's file in the data folder.
pub const BOOK_FILE: &str = "accounts.json";
const KEY: &str = "book";

/// The account book in a file of Keystep's data folder.
#[derive(Debug)]
pub struct FileBook {
    dir: Arc<DataDir>,
    /// The book as this process last read or wrote it: what its changes are relative to.
    seen: Mutex<Option<AccountBook>>,
}

impl FileBook {
    /// The book in `dir`.
    pub fn new(dir: Arc<DataDir>) -> Self {
        FileBook {
            dir,
            seen: Mutex::new(None),
        }
    }

    /// Where the book lives.
    pub fn path(&self) -> PathBuf {
        self.dir.file(BOOK_FILE)
    }

    /// Moves a damaged book aside (never deletes it) and returns its new name.
    ///
    /// # Errors
    /// The file could not be renamed.
    pub fn set_aside(&self, now: u64) -> Result<PathBuf, BookError> {
        let _lock = self.dir.exclusive().map_err(io_error)?;
        let from = self.path();
        let to = from.with_file_name(format!("{BOOK_FILE}.damaged-{now}"));
        std::fs::rename(&from, &to).map_err(io_error)?;
        Ok(to)
    }

    /// The book as the file holds it now.
    fn read(&self) -> Result<AccountBook, BookError> {
        let Some(bytes) = self.dir.read(BOOK_FILE).map_err(io_error)? else {
            return Ok(AccountBook::default());
        };
        let file: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|e| BookError::Damaged(format!("it is not valid JSON: {e}")))?;
        match file.get(KEY) {
            Some(book) => parse_book(book.clone()),
            None if file.as_object().is_some_and(|o| o.is_empty()) => Ok(AccountBook::default()),
            None => Err(BookError::Damaged("it holds no account list".into())),
        }
    }

    fn seen(&self) -> std::sync::MutexGuard<'_, Option<AccountBook>> {
        self.seen.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn io_error(e: std::io::Error) -> BookError {
    BookError::Io(e.to_string())
}

impl BookStore for FileBook {
    fn load(&self) -> Result<AccountBook, BookError> {
        let book = self.read()?;
        *self.seen() = Some(book.clone());
        Ok(book)
    }

    fn reload(&self) -> Result<Option<AccountBook>, BookError> {
        // No lock: a rename is atomic, so this reads a whole book, old or new.
        let current = self.read()?;
        let mut seen = self.seen();
        if seen.as_ref() == Some(&current) {
            return Ok(None);
        }
        *seen = Some(current.clone());
        Ok(Some(current))
    }

    fn save(&self, book: &AccountBook) -> Result<AccountBook, BookError> {
        let _lock = self.dir.exclusive().map_err(io_error)?;
        // Re-read under the lock: a book that became unreadable or newer meanwhile is
        // refused here, never overwritten.
        let current = self.read()?;
        let base = self.seen().clone().unwrap_or_default();
        let next = if current == base {
            book.clone()
        } else {
            log::info!("the account list changed in another Keystep process; merging");
            merge(&base, book, &current)
        };
        let mut file = serde_json::Map::new();
        file.insert(
            KEY.into(),
            serde_json::to_value(&next).map_err(|e| BookError::Io(e.to_string()))?,
        );
        let bytes = serde_json::to_vec_pretty(&file).map_err(|e| BookError::Io(e.to_string()))?;
        self.dir.write(BOOK_FILE, &bytes).map_err(io_error)?;
        *self.seen() = Some(next.clone());
        Ok(next)
    }
}

/// Applies the change from `base` to `ours` onto `theirs`, account by account: what this
/// process added, changed or removed wins for those accounts, except that an account the
/// other process removed stays removed (forgetting deletes the key, so a change here could
/// only bring back an account without one); every other account is as `theirs` has it.
pub fn merge(base: &AccountBook, ours: &AccountBook, theirs: &AccountBook) -> AccountBook {
    let find = |book: &AccountBook, id: &str| book.accounts.iter().position(|a| a.id == id);
    let mut out = theirs.clone();
    out.version = BOOK_VERSION;
    for before in &base.accounts {
        let ours_now = find(ours, &before.id).map(|i| &ours.accounts[i]);
        let at = find(&out, &before.id);
        match (ours_now, at) {
            // Removed here.
            (None, Some(i)) => {
                out.accounts.remove(i);
            }
            // Changed here: this process's version wins.
            (Some(now), Some(i)) if now != before => out.accounts[i] = now.clone(),
            // Removed there (forgotten, its key deleted): it stays removed, whatever a check
            // here found meanwhile.
            _ => {}
        }
    }
    for added in ours.accounts.iter().filter(|a| find(base, &a.id).is_none()) {
        match find(&out, &added.id) {
            Some(i) => out.accounts[i] = added.clone(),
            None => out.accounts.push(added.clone()),
        }
    }
    // Both processes may have given the same handle to different accounts meanwhile.
    settle_handles(&mut out.accounts);
    out
}
