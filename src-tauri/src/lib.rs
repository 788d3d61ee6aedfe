//! The Keystep desktop shell: a thin Tauri layer over `keystep-core`.
//!
//! [`run`] wires the real world (keychain vault, store-backed account book, environment
//! host overrides, tray, logging) and starts the window. [`with_commands`] registers the
//! IPC commands and is shared with the IPC tests, which use Tauri's mock runtime with
//! in-memory parts instead.

use std::sync::Arc;

use tauri::{Manager, Runtime};

use keystep_core::account::{Accounts, BookStore, MemoryBookStore};
use keystep_core::clock::SystemClock;
use keystep_core::hosts::Hosts;
use keystep_core::provider::Catalogue;
use keystep_core::vault::KeychainVault;
use keystep_core::verify::Verifier;

pub mod commands;
pub mod ipc;
pub mod persist;
pub mod state;
mod tray;

include!("command_names.rs");

pub use state::AppState;

/// Registers every IPC command on `builder`.
pub fn with_commands<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder.invoke_handler(tauri::generate_handler![
        commands::list_providers,
        commands::link_account,
        commands::list_accounts,
        commands::forget_account,
        commands::open_guide_link,
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
            let accounts = open_accounts(&handle, catalogue, hosts);
            app.manage(AppState { accounts });
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

/// Opens the account book; a damaged book is set aside (never overwritten) and Keystep
/// starts with an empty one in memory, so the user can still work.
fn open_accounts<R: Runtime>(
    app: &tauri::AppHandle<R>,
    catalogue: Arc<Catalogue>,
    hosts: Hosts,
) -> Accounts {
    let verifier = Verifier::new(hosts);
    let vault = Arc::new(KeychainVault::default());
    let store: Arc<dyn BookStore> = Arc::new(persist::StoreBook::new(app.clone()));
    match Accounts::open(
        catalogue.clone(),
        verifier.clone(),
        vault.clone(),
        store,
        Arc::new(SystemClock),
    ) {
        Ok(accounts) => accounts,
        Err(e) => {
            log::error!("account list unreadable, starting without it: {e}");
            if let Ok(dir) = app.path().app_data_dir() {
                let from = dir.join(persist::BOOK_FILE);
                let to = dir.join(format!("{}.damaged", persist::BOOK_FILE));
                let _ = std::fs::rename(from, to);
            }
            let store: Arc<dyn BookStore> = Arc::new(persist::StoreBook::new(app.clone()));
            Accounts::open(
                catalogue.clone(),
                verifier.clone(),
                vault.clone(),
                store,
                Arc::new(SystemClock),
            )
            .unwrap_or_else(|_| {
                Accounts::open(
                    catalogue,
                    verifier,
                    vault,
                    Arc::new(MemoryBookStore::default()),
                    Arc::new(SystemClock),
                )
                .expect("an in-memory book always opens")
            })
        }
    }
}
