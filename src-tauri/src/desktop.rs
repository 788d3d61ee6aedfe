//! What Keystep asks of the desktop session over D-Bus on Linux: one Keystep per session
//! (the bus name `io.keystep.desktop`), desktop notifications
//! (`org.freedesktop.Notifications`), and whether a tray host is there to show the icon;
//! and, on every system, opening a page in the person's browser ([`open_in_browser`]).
//!
//! These are a handful of calls, so they go through the one D-Bus library the keychain
//! already links (libdbus, through the `dbus` crate) rather than the plugins, which bring a
//! second, asynchronous D-Bus stack (zbus) of about a megabyte. Other systems use the
//! single-instance and notification plugins instead (see `lib.rs`).

#[cfg(target_os = "linux")]
pub use linux::*;

/// Opens `url` in the person's browser with the desktop's opener (xdg-open and its kin),
/// and says whether it did: the opener's exit status, not only that it started. An opener
/// still running after a few seconds (some wait for the browser) counts as opened; it is
/// reaped in the background.
///
/// # Errors
/// No opener could be started, or each one failed (no browser); the message says how.
pub fn open_in_browser(url: &str) -> Result<(), String> {
    use std::process::Stdio;
    use std::time::{Duration, Instant};
    let mut last = String::from("no opener for this desktop");
    for mut opener in open::commands(url) {
        opener
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let mut child = match opener.spawn() {
            Ok(child) => child,
            Err(e) => {
                last = format!("{:?} did not start: {e}", opener.get_program());
                continue;
            }
        };
        let deadline = Instant::now() + Duration::from_secs(3);
        loop {
            match child.try_wait() {
                Ok(Some(status)) if status.success() => return Ok(()),
                Ok(Some(status)) => {
                    last = format!("{:?} failed: {status}", opener.get_program());
                    break;
                }
                Ok(None) if Instant::now() >= deadline => {
                    std::thread::spawn(move || child.wait());
                    return Ok(());
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(50)),
                Err(e) => {
                    last = e.to_string();
                    break;
                }
            }
        }
    }
    Err(last)
}
#[cfg(not(target_os = "linux"))]
pub use other::*;

#[cfg(target_os = "linux")]
mod linux {
    use std::time::Duration;

    use dbus::arg::{PropMap, Variant};
    use dbus::blocking::stdintf::org_freedesktop_dbus::RequestNameReply;
    use dbus::blocking::Connection;
    use dbus::channel::{MatchingReceiver, Sender};
    use dbus::message::MatchRule;

    use keystep_core::notice::{Notice, Notifier};

    /// The name a running Keystep owns on the session bus, and where it answers.
    pub const BUS_NAME: &str = "io.keystep.desktop";
    const PATH: &str = "/io/keystep/desktop";
    const INTERFACE: &str = "io.keystep.desktop";

    /// How long a call to another program on the bus may take.
    const TIMEOUT: Duration = Duration::from_millis(1500);

    /// The outcome of asking to be the session's one Keystep.
    pub enum Claim {
        /// This process is it; [`Solo::serve`] answers later launches.
        Held(Solo),
        /// Another Keystep runs and was asked to show its window.
        Elsewhere,
        /// No session bus (or it refused): this process runs without the guarantee.
        Unavailable(String),
    }

    /// The bus connection that holds `io.keystep.desktop` for as long as Keystep runs.
    pub struct Solo {
        bus: Connection,
    }

    /// Claims the session's one Keystep. A name on the bus is released by the bus itself
    /// when its owner dies, so a crash never leaves a stale lock behind.
    pub fn claim() -> Claim {
        let bus = match Connection::new_session() {
            Ok(bus) => bus,
            Err(e) => return Claim::Unavailable(e.to_string()),
        };
        match bus.request_name(BUS_NAME, false, false, true) {
            Ok(RequestNameReply::PrimaryOwner | RequestNameReply::AlreadyOwner) => {
                Claim::Held(Solo { bus })
            }
            Ok(RequestNameReply::Exists | RequestNameReply::InQueue) => {
                let shown: Result<(), _> =
                    bus.with_proxy(BUS_NAME, PATH, TIMEOUT)
                        .method_call(INTERFACE, "Show", ());
                if let Err(e) = shown {
                    // The other Keystep is still there, just slow or hung: starting a second
                    // one beside it would risk two writers of the account book.
                    eprintln!("keystep: another Keystep is running but did not answer ({e})");
                }
                Claim::Elsewhere
            }
            Err(e) => Claim::Unavailable(e.to_string()),
        }
    }

    impl Solo {
        /// [`has_tray_host`], asked on the connection that holds the name: a connection of
        /// its own cost the window's start ~2 ms (issue 25).
        pub fn has_tray_host(&self) -> bool {
            tray_host_on(&self.bus)
        }

        /// Answers later launches on a thread of its own: each one's `Show` call runs
        /// `show`.
        pub fn serve(self, show: impl Fn() + Send + 'static) {
            let bus = self.bus;
            let rule = MatchRule::new_method_call()
                .with_path(PATH)
                .with_interface(INTERFACE);
            bus.start_receive(
                rule,
                Box::new(move |call, bus| {
                    let reply = if call.member().as_deref() == Some("Show") {
                        log::info!("a second launch asked for the window");
                        show();
                        call.method_return()
                    } else {
                        call.error(
                            &"org.freedesktop.DBus.Error.UnknownMethod".into(),
                            c"Keystep answers Show only",
                        )
                    };
                    let _ = bus.send(reply);
                    true
                }),
            );
            let spawned = std::thread::Builder::new()
                .name("keystep-solo".into())
                .spawn(move || loop {
                    if let Err(e) = bus.process(Duration::from_secs(3600)) {
                        log::warn!(
                            "session bus lost; later launches will not find this window: {e}"
                        );
                        return;
                    }
                });
            if let Err(e) = spawned {
                log::warn!("later launches will not find this window: {e}");
            }
        }
    }

    /// Shows a desktop notification through the session's notification service.
    /// `urgent` is a change for the worse; a recovery is shown as low urgency.
    ///
    /// # Errors
    /// No session bus, or no notification service on it; the message says which.
    pub fn notify(title: &str, body: &str, urgent: bool) -> Result<(), String> {
        let bus = Connection::new_session().map_err(|e| e.to_string())?;
        let mut hints = PropMap::new();
        // Urgency: 0 low, 1 normal (the spec's byte).
        hints.insert(
            "urgency".into(),
            Variant(Box::new(if urgent { 1u8 } else { 0u8 })),
        );
        // Lets the desktop group the notification under Keystep's own entry and icon.
        hints.insert(
            "desktop-entry".into(),
            Variant(Box::new("keystep".to_string())),
        );
        let sent: Result<(u32,), _> = bus
            .with_proxy(
                "org.freedesktop.Notifications",
                "/org/freedesktop/Notifications",
                TIMEOUT,
            )
            .method_call(
                "org.freedesktop.Notifications",
                "Notify",
                (
                    "Keystep",
                    0u32,
                    "keystep",
                    title,
                    body,
                    Vec::<String>::new(),
                    hints,
                    -1i32,
                ),
            );
        sent.map(|_| ()).map_err(|e| e.to_string())
    }

    /// Notifications through the session's notification service.
    pub struct DesktopNotifier;

    impl Notifier for DesktopNotifier {
        fn notify(&self, notice: &Notice) -> Result<(), String> {
            notify(&notice.title, &notice.body, notice.urgent)
        }
    }

    /// Whether a tray host is there to show the icon: the tray icon is a
    /// StatusNotifierItem, shown only when a StatusNotifierWatcher owns its name.
    pub fn has_tray_host() -> bool {
        Connection::new_session().is_ok_and(|bus| tray_host_on(&bus))
    }

    /// [`has_tray_host`], asked on a connection already open.
    fn tray_host_on(bus: &Connection) -> bool {
        let owned: Result<(bool,), _> = bus
            .with_proxy("org.freedesktop.DBus", "/org/freedesktop/DBus", TIMEOUT)
            .method_call(
                "org.freedesktop.DBus",
                "NameHasOwner",
                ("org.kde.StatusNotifierWatcher",),
            );
        owned.is_ok_and(|(yes,)| yes)
    }
}

/// Elsewhere the plugins do it (not built on Linux, so not built by this project's CI).
#[cfg(not(target_os = "linux"))]
mod other {
    use keystep_core::notice::{Notice, Notifier};
    use tauri_plugin_notification::NotificationExt;

    /// Notifications through tauri-plugin-notification.
    pub struct DesktopNotifier(pub tauri::AppHandle);

    impl Notifier for DesktopNotifier {
        fn notify(&self, notice: &Notice) -> Result<(), String> {
            self.0
                .notification()
                .builder()
                .title(&notice.title)
                .body(&notice.body)
                .show()
                .map_err(|e| e.to_string())
        }
    }

    /// The system tray is always there.
    pub fn has_tray_host() -> bool {
        true
    }
}
