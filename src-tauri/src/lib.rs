//! The Keystep desktop shell: a thin Tauri layer over `keystep-core`.
//!
//! [`run`] wires the real world (keychain vault, the account book and settings in the data
//! folder, environment host overrides, tray, notifications, start at login, logging),
//! starts the background schedule ([`watch`]) and opens the window. [`with_commands`] registers the
//! IPC commands and is shared with the IPC tests, which use Tauri's mock runtime with
//! in-memory parts instead.

use std::sync::Arc;

use tauri::{Manager, Runtime};

use keystep_core::world::World;

pub mod assistant;
pub mod closing;
pub mod commands;
pub mod desktop;
pub mod events;
pub mod first_view;
pub mod font;
pub mod ipc;
#[cfg(target_os = "linux")]
pub mod login;
#[cfg(target_os = "linux")]
pub mod painting;
pub mod state;
pub mod tray;
pub mod watch;

include!("command_names.rs");

pub use state::AppState;

/// Registers every IPC command on `builder`.
pub fn with_commands<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder.invoke_handler(tauri::generate_handler![
        commands::list_providers,
        commands::link_account,
        commands::link_pending,
        commands::relink_account,
        commands::check_account,
        commands::rename_account,
        commands::set_account_purpose,
        commands::list_accounts,
        commands::reconcile_accounts,
        commands::remove_orphan,
        commands::restore_orphan,
        commands::forget_account,
        commands::open_guide_link,
        commands::list_checks,
        commands::check_all_accounts,
        commands::get_settings,
        commands::save_settings,
        commands::preview_fields,
        commands::get_keychain_state,
        commands::list_host_overrides,
        commands::close_window,
        commands::list_recent_use,
        commands::list_last_uses,
        commands::get_desktop,
        commands::quit_app,
        commands::push_account,
        commands::get_assistant_setup,
        commands::share_account_fields,
    ])
}

/// The app's context: config, embedded UI and the compiled capabilities (ACL). Shared with
/// the IPC tests so they exercise the real permissions, not a permissive mock.
pub fn context<R: Runtime>() -> tauri::Context<R> {
    tauri::generate_context!("../tauri.conf.json")
}

/// The window's X class (`WM_CLASS` "keystep", "Keystep") and Wayland app id: the
/// package's command, which the bundler's desktop entry names as `StartupWMClass`
/// (`tauri.conf.json`'s `mainBinaryName`), so a dock groups the window with its launcher.
/// GTK takes both from the program name, which would otherwise be this binary's,
/// `keystep-window`.
pub const WINDOW_CLASS: &str = "keystep";

/// Starts the desktop app and blocks until it quits.
pub fn run() {
    // Before GTK starts, which reads it once.
    #[cfg(target_os = "linux")]
    glib::set_prgname(Some(WINDOW_CLASS));
    // The same parts the command line works with (`keystep_core::world`): one data folder,
    // one keychain, one set of hosts. Reading the providers' files takes ~5 ms, so it is done
    // on a thread of its own while GTK starts (in `build`), and `setup` takes the result.
    let Some(data_dir) = World::data_dir_from_env() else {
        fail_world(&keystep_core::world::WorldError::NoHome);
    };
    let world = std::thread::Builder::new()
        .name("keystep-world".into())
        .spawn(World::from_env);
    // One Keystep per session, so two processes never write the book: a later launch asks
    // the running one to show its window, and exits.
    #[cfg(target_os = "linux")]
    let (mut solo, solo_trouble) = match desktop::claim() {
        desktop::Claim::Held(solo) => (Some(solo), None),
        desktop::Claim::Elsewhere => return,
        desktop::Claim::Unavailable(e) => (None, Some(e)),
    };
    let builder = with_commands(tauri::Builder::default());
    // Elsewhere the plugin does it; it must be registered first.
    #[cfg(not(target_os = "linux"))]
    let builder = builder
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            tray::show_main(app);
        }))
        .plugin(tauri_plugin_notification::init())
        // The login entry starts Keystep without a window (`closing::BACKGROUND_ARG`); on
        // Linux Keystep writes it itself (`login`).
        .plugin(tauri_plugin_autostart::init(
            tauri_plugin_autostart::MacosLauncher::LaunchAgent,
            Some(vec![closing::BACKGROUND_ARG]),
        ));
    use tauri_plugin_log::{fern, Target, TargetKind};
    let mut log_targets = vec![Target::new(TargetKind::Stdout)];
    match private_log(&data_dir.join("logs")) {
        Ok(file) => log_targets.push(Target::new(TargetKind::Dispatch(
            fern::Dispatch::new().chain(file),
        ))),
        Err(e) => eprintln!("keystep: no log file, only standard output: {e}"),
    }
    let app = builder
        .plugin(
            tauri_plugin_log::Builder::new()
                .level(log::LevelFilter::Info)
                .targets(log_targets)
                .build(),
        )
        // Size and place are remembered; visibility is not: `setup` makes the window
        // (first_view) shown, unless Keystep was started at login.
        .plugin(
            tauri_plugin_window_state::Builder::default()
                .with_state_flags(
                    tauri_plugin_window_state::StateFlags::all()
                        - tauri_plugin_window_state::StateFlags::VISIBLE,
                )
                .build(),
        )
        .on_page_load(|webview, payload| {
            if payload.event() == tauri::webview::PageLoadEvent::Finished {
                if let Some(state) = webview.try_state::<AppState>() {
                    state.page_loaded.send_replace(true);
                }
            }
        })
        .on_window_event(|window, event| {
            if let tauri::WindowEvent::CloseRequested { api, .. } = event {
                closing::on_close_requested(window, api);
            }
        })
        .setup(move |app| {
            let world = match world.map(std::thread::JoinHandle::join) {
                Ok(Ok(Ok(world))) => world,
                Ok(Ok(Err(e))) => fail_world(&e),
                // No thread, or it panicked: read them here, as before.
                _ => World::from_env().unwrap_or_else(|e| fail_world(&e)),
            };
            if world.hosts.is_overridden() {
                log::warn!("provider hosts are overridden by KEYSTEP_*_URL variables");
            }
            let handle = app.handle().clone();
            #[cfg(target_os = "linux")]
            if let Some(entry) = std::env::current_exe()
                .ok()
                .and_then(|exe| login::LoginEntry::from_env(|name| std::env::var(name).ok(), exe))
            {
                app.manage(entry);
            }
            let dir = world.open_data_dir()?;
            let settings = Arc::new(keystep_core::settings::FileSettings::new(dir.clone()));
            let use_log = Arc::new(keystep_core::use_log::UseLog::in_dir(&dir));
            // What the command line changes shows within seconds: the book, and the use log.
            let followed = (
                dir.file(keystep_core::account::BOOK_FILE),
                use_log.path().to_path_buf(),
            );
            let (accounts, notice) = world.open_or_recover()?;
            #[cfg(target_os = "linux")]
            let notifier = desktop::DesktopNotifier;
            #[cfg(not(target_os = "linux"))]
            let notifier = desktop::DesktopNotifier(handle.clone());
            let tray_handle = handle.clone();
            let redraw_tray: state::AccountsHook = Arc::new(move || {
                let handle = tray_handle.clone();
                Box::pin(async move { tray::refresh(&handle).await })
            });
            app.manage(
                AppState::new(accounts, notice, settings)
                    .with_notifier(Arc::new(notifier))
                    .with_use_log(use_log)
                    .on_accounts_changed(redraw_tray),
            );
            // Whether a tray host is there is known now (the close question and the window's
            // Quit depend on it), asked on the connection that holds the one-Keystep name.
            #[cfg(target_os = "linux")]
            let tray_host = solo
                .as_ref()
                .map_or_else(desktop::has_tray_host, desktop::Solo::has_tray_host);
            #[cfg(not(target_os = "linux"))]
            let tray_host = desktop::has_tray_host();
            tray::note_tray_host(&handle, tray_host);
            #[cfg(target_os = "linux")]
            match (solo.take(), &solo_trouble) {
                (Some(solo), _) => {
                    let handle = handle.clone();
                    solo.serve(move || tray::show_main(&handle));
                }
                (None, trouble) => log::warn!(
                    "no session bus to keep to one Keystep ({}); a second launch would start a second Keystep",
                    trouble.as_deref().unwrap_or("unknown")
                ),
            }
            // On the main thread, where GTK is: the page's font comes with its first view.
            if let Some(family) = font::desktop_family() {
                let _ = handle.state::<AppState>().desktop_font.set(family);
            }
            // Made now, with the book open and the tray known: the page gets its first
            // view's answers with itself (first_view).
            first_view::open_main_window(&handle)?;
            // The tray icon itself is built after the page's start-up (tray::INSTALL_SETTLE).
            // Built here, on the main thread, it held back the serving of the page's files;
            // built as the page loaded, the page's first answers.
            tauri::async_runtime::spawn(tray::install_after_page(handle.clone()));
            show_unless_started_at_login(&handle);
            tauri::async_runtime::spawn(watch::follow_files(
                handle.clone(),
                followed.0,
                followed.1,
                watch::FOLLOW_EVERY,
            ));
            tauri::async_runtime::spawn(watch::keep_watch(handle));
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

/// Says why Keystep cannot start (a malformed `KEYSTEP_*_URL`, no home folder) and exits 2,
/// as the command line does.
fn fail_world(e: &keystep_core::world::WorldError) -> ! {
    eprintln!("keystep: {e}");
    std::process::exit(2);
}

/// The app's log file's name in its folder.
pub const LOG_FILE: &str = "keystep.log";

/// A log past this size at start is set aside as `keystep.1.log` (one kept) and begun anew.
pub const LOG_LIMIT: u64 = 1024 * 1024;

/// Opens the app's log in `dir` (`<data folder>/logs`) for appending, the folder 0700 and
/// the file 0600, tightened if an earlier version left them looser: what Keystep logs about
/// the person's accounts is theirs alone. tauri-plugin-log's own file followed the umask
/// (0644 in a 0755 folder) and made each rotated file the same way, so Keystep hands the
/// plugin this file instead (a `fern` output) and sets a long log aside at start.
///
/// # Errors
/// The folder or the file cannot be made, opened or tightened.
pub fn private_log(dir: &std::path::Path) -> std::io::Result<std::fs::File> {
    use std::fs;
    let mut folder = fs::DirBuilder::new();
    folder.recursive(true);
    let mut open = fs::OpenOptions::new();
    open.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
        folder.mode(0o700);
        open.mode(0o600);
        folder.create(dir)?;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
        for entry in fs::read_dir(dir)? {
            let entry = entry?;
            if entry.file_type()?.is_file() {
                fs::set_permissions(entry.path(), fs::Permissions::from_mode(0o600))?;
            }
        }
    }
    #[cfg(not(unix))]
    folder.create(dir)?;
    let path = dir.join(LOG_FILE);
    if fs::metadata(&path).is_ok_and(|m| m.len() > LOG_LIMIT) {
        fs::rename(&path, dir.join("keystep.1.log"))?;
    }
    open.open(path)
}

/// Shows the window, except at login: then Keystep runs its checks without one, in the tray
/// or in the background, until a later launch (or the tray) asks for the window. A login
/// entry written before it carried `--background` is written again, with it.
fn show_unless_started_at_login<R: Runtime>(app: &tauri::AppHandle<R>) {
    if closing::started_in_background() {
        log::info!("started at login: no window; checks run in the background");
    } else {
        tray::show_main(app);
    }
    let wanted = app
        .try_state::<AppState>()
        .is_some_and(|s| s.settings().start_at_login);
    if wanted {
        if let Err(e) = set_start_at_login(app, true) {
            log::warn!("the login entry was not renewed: {}", e.message);
        }
    }
}

/// Turns start at login on or off.
///
/// # Errors
/// The system refused; the message says so and suggests the system's own settings.
pub fn set_start_at_login<R: Runtime>(
    app: &tauri::AppHandle<R>,
    on: bool,
) -> Result<(), ipc::IpcError> {
    let unavailable = || {
        ipc::IpcError::new(
            keystep_core::Code::Internal,
            "Start at login is not available in this build.",
        )
    };
    // The IPC tests' mock app has no login entry, and writes none.
    #[cfg(target_os = "linux")]
    let done = app
        .try_state::<login::LoginEntry>()
        .ok_or_else(unavailable)?
        .set(on);
    #[cfg(not(target_os = "linux"))]
    let done = {
        use tauri_plugin_autostart::ManagerExt;
        // `autolaunch()` panics without the plugin.
        if app
            .try_state::<tauri_plugin_autostart::AutoLaunchManager>()
            .is_none()
        {
            return Err(unavailable());
        }
        if on {
            app.autolaunch().enable()
        } else {
            app.autolaunch().disable()
        }
    };
    done.map_err(|e| {
        log::error!("start at login not changed: {e}");
        ipc::IpcError::new(
            keystep_core::Code::Internal,
            "Keystep could not change whether it starts at login. Use your desktop's startup applications settings instead.",
        )
    })
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(path: &std::path::Path) -> u32 {
        std::fs::metadata(path)
            .expect("exists")
            .permissions()
            .mode()
            & 0o777
    }

    #[test]
    fn the_log_is_the_owners_alone_and_a_long_one_is_set_aside() {
        let root = tempfile::tempdir().expect("temp dir");
        let dir = root.path().join("logs");
        std::fs::create_dir(&dir).expect("folder");
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("0755");
        let old = dir.join(LOG_FILE);
        std::fs::write(
            &old,
            vec![b'x'; usize::try_from(LOG_LIMIT).expect("fits") + 1],
        )
        .expect("a long log");
        std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o644)).expect("0644");
        let mut file = private_log(&dir).expect("opened");
        std::io::Write::write_all(&mut file, b"a line\n").expect("written");
        assert_eq!(mode(&dir), 0o700, "the folder is the owner's only");
        assert_eq!(mode(&old), 0o600, "the log is the owner's only");
        assert_eq!(
            mode(&dir.join("keystep.1.log")),
            0o600,
            "the long log set aside stays private"
        );
        assert_eq!(
            std::fs::read_to_string(&old).expect("log"),
            "a line\n",
            "a long log is begun anew"
        );
        let fresh = root.path().join("new/logs");
        drop(private_log(&fresh).expect("made"));
        assert_eq!(mode(&fresh), 0o700, "a new folder is made private");
        assert_eq!(mode(&fresh.join(LOG_FILE)), 0o600, "a new log too");
    }
}
