//! The Keystep desktop shell: a thin Tauri layer over `keystep-core`.
//!
//! [`run`] wires the real world (keychain vault, store-backed account book, environment
//! host overrides, tray, logging) and starts the window. [`with_commands`] registers the
//! IPC commands and is shared with the IPC tests, which use Tauri's mock runtime with
//! in-memory parts instead.

use std::sync::Arc;

use tauri::{Manager, Runtime};

use keystep_core::account::{recover_book, Accounts, BookError, BookStore, MemoryBookStore};
use keystep_core::clock::{Clock, SystemClock};
use keystep_core::hosts::Hosts;
use keystep_core::provider::Catalogue;
use keystep_core::vault::{KeychainVault, Vault};
use keystep_core::verify::Verifier;

pub mod commands;
pub mod ipc;
pub mod persist;
pub mod state;
pub mod tray;

include!("command_names.rs");

pub use state::AppState;

/// Registers every IPC command on `builder`.
pub fn with_commands<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder.invoke_handler(tauri::generate_handler![
        commands::list_providers,
        commands::link_account,
        commands::relink_account,
        commands::check_account,
        commands::rename_account,
        commands::list_accounts,
        commands::reconcile_accounts,
        commands::remove_orphan,
        commands::forget_account,
        commands::open_guide_link,
        commands::preview_fields,
    ])
}

/// The app's context: config, embedded UI and the compiled capabilities (ACL). Shared with
/// the IPC tests so they exercise the real permissions, not a permissive mock.
pub fn context<R: Runtime>() -> tauri::Context<R> {
    tauri::generate_context!("../tauri.conf.json")
}

/// The catalogue and host table of this process: embedded providers, overrides from the
/// environment.
///
/// # Errors
/// A malformed override; the message names the variable.
pub fn load_catalogue() -> Result<(Arc<Catalogue>, Hosts), String> {
    let catalogue = Catalogue::embedded().map_err(|e| e.to_string())?;
    let hosts = Hosts::from_lookup(catalogue.all(), |v| std::env::var(v).ok())
        .map_err(|e| e.to_string())?;
    Ok((Arc::new(catalogue), hosts))
}

/// `keystep verify …`: verification without a window; returns the exit status.
pub fn verify_headless(args: &[String]) -> i32 {
    let (catalogue, hosts) = match load_catalogue() {
        Ok(parts) => parts,
        Err(e) => {
            eprintln!("keystep verify: {e}");
            return keystep_core::cli::EXIT_USAGE;
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("keystep verify: could not start: {e}");
            return keystep_core::cli::EXIT_FAILED;
        }
    };
    let (stdin, mut stdout, mut stderr) = (std::io::stdin(), std::io::stdout(), std::io::stderr());
    runtime.block_on(keystep_core::cli::run_verify(
        args,
        &catalogue,
        hosts,
        &mut stdin.lock(),
        &mut stdout,
        &mut stderr,
    ))
}

/// Starts the desktop app and blocks until it quits.
pub fn run() {
    let (catalogue, hosts) = match load_catalogue() {
        Ok(parts) => parts,
        Err(e) => {
            eprintln!("keystep: {e}");
            std::process::exit(2);
        }
    };
    // Registered first, as the plugin requires: a second launch hands over to the running
    // Keystep (which shows its window) and exits, so two processes never write the book.
    let app = with_commands(tauri::Builder::default())
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            tray::show_main(app);
        }))
        .plugin(
            tauri_plugin_log::Builder::new()
                .level(log::LevelFilter::Info)
                .targets([
                    tauri_plugin_log::Target::new(tauri_plugin_log::TargetKind::Stdout),
                    tauri_plugin_log::Target::new(tauri_plugin_log::TargetKind::LogDir {
                        file_name: Some("keystep".into()),
                    }),
                ])
                .build(),
        )
        .plugin(tauri_plugin_store::Builder::new().build())
        .plugin(tauri_plugin_opener::init())
        .setup(move |app| {
            if hosts.is_overridden() {
                log::warn!("provider hosts are overridden by KEYSTEP_*_URL variables");
            }
            let handle = app.handle().clone();
            let (accounts, notice) = open_accounts(&handle, catalogue, hosts);
            app.manage(AppState {
                accounts,
                notice,
                checking: Default::default(),
            });
            if let Err(e) = tray::install(&handle) {
                log::warn!("no tray icon: {e}");
            }
            Ok(())
        })
        .build(context());
    match app {
        Ok(app) => app.run(|_, _| {}),
        Err(e) => {
            eprintln!("keystep: could not start: {e}");
            std::process::exit(1);
        }
    }
}

/// Opens the account book. What cannot be opened is never overwritten:
/// - a book from a newer Keystep, or one that cannot be read, leaves the file as it is and
///   Keystep runs on an empty book in memory, saying why;
/// - a damaged book is set aside (renamed, not deleted), and what the keychain's item labels
///   tell is rebuilt into a new book, whose accounts need their key checked.
fn open_accounts<R: Runtime>(
    app: &tauri::AppHandle<R>,
    catalogue: Arc<Catalogue>,
    hosts: Hosts,
) -> (Accounts, Option<String>) {
    let verifier = Verifier::new(hosts);
    let vault: Arc<dyn Vault> = Arc::new(KeychainVault::default());
    let clock = Arc::new(SystemClock);
    let book = Arc::new(persist::StoreBook::new(app.clone()));
    let open = |store: Arc<dyn BookStore>| {
        Accounts::open(
            catalogue.clone(),
            verifier.clone(),
            vault.clone(),
            store,
            clock.clone(),
        )
    };
    let in_memory = || {
        open(Arc::new(MemoryBookStore::default())).expect("an empty in-memory book always opens")
    };
    let error = match open(book.clone()) {
        Ok(accounts) => return (accounts, None),
        Err(e) => e,
    };
    log::error!("account list not opened: {error}");
    let damaged = match error {
        BookError::Damaged(reason) => reason,
        other => {
            let notice = format!(
                "{}. Keystep is running without your saved accounts for now; nothing was changed.",
                capitalized(&other.to_string())
            );
            return (in_memory(), Some(notice));
        }
    };
    let moved = match book.set_aside(clock.unix_now()) {
        Ok(path) => path,
        Err(e) => {
            let notice = format!(
                "Keystep's account list is damaged ({damaged}) and could not be set aside ({e}). Keystep is running without it; nothing was changed."
            );
            return (in_memory(), Some(notice));
        }
    };
    let kept = moved
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let rebuilt = match recover_book(&*vault, &catalogue, &*clock) {
        Ok(recovery) => book
            .save(&recovery.book)
            .map(|_| recovery.book.accounts.len()),
        Err(e) => Err(BookError::Io(e.to_string())),
    };
    let notice = match rebuilt {
        Ok(0) => format!(
            "Keystep's account list was damaged ({damaged}). It was kept as {kept}; no accounts could be rebuilt from your keychain."
        ),
        Ok(n) => format!(
            "Keystep's account list was damaged ({damaged}). It was kept as {kept}, and {n} account{} rebuilt from your keychain: check {} before relying on {}.",
            if n == 1 { " was" } else { "s were" },
            if n == 1 { "it" } else { "them" },
            if n == 1 { "it" } else { "them" },
        ),
        Err(e) => format!(
            "Keystep's account list was damaged ({damaged}). It was kept as {kept}, but nothing could be rebuilt from your keychain ({e})."
        ),
    };
    match open(book) {
        Ok(accounts) => (accounts, Some(notice)),
        Err(_) => (in_memory(), Some(notice)),
    }
}

fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|first| first.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}
