//! Starting the app under `tauri-driver` and driving it with fantoccini, with bounded waits.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use keystep_emulator::Emulator;
use serde_json::json;

// The sandboxed app seen from X and /proc, then the page seen through a session.
mod desktop;
mod page;

/// WebDriver's key codes.
pub const TAB: &str = "\u{E004}";
pub const ENTER: &str = "\u{E007}";
pub const ESCAPE: &str = "\u{E00C}";
pub const SHIFT: &str = "\u{E008}";

/// How long any one thing may take to appear before the test fails.
const PATIENCE: Duration = Duration::from_secs(20);

/// A per-test home for the app: its own XDG folders, and the driver's output.
pub struct Sandbox {
    pub root: PathBuf,
    pub app: PathBuf,
}

impl Sandbox {
    /// `None` (skip) when there is no display; panics under CI, where skipping would lie.
    pub fn new() -> Option<Self> {
        if std::env::var_os("DISPLAY").is_none() {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI must run the end-to-end suite: run it through scripts/headless.sh"
            );
            eprintln!("skipping end-to-end tests: no DISPLAY (use scripts/headless.sh)");
            return None;
        }
        let app = crate::app_binary::app_binary();
        assert!(
            app.exists(),
            "build the app first (cargo build -p keystep-app): {}",
            app.display()
        );
        // The tests share one session keyring: start each from a keychain with no Keystep
        // item, as on a fresh machine, so one test's keys are not another's "orphans".
        crate::leaks::secret_tool_clear("keystep");
        let root = std::env::temp_dir().join(format!("keystep-e2e-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        for d in ["data", "config", "cache", "out"] {
            std::fs::create_dir_all(root.join(d)).expect("sandbox folders");
        }
        Some(Sandbox { root, app })
    }

    /// A launcher that runs the app with its stdout and stderr appended to `out/app.log`,
    /// so the leak scan covers what the process printed (WebKitWebDriver discards it).
    pub fn recording_launcher(&self) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let launcher = self.root.join("out/keystep-recorded.sh");
        // `exec` keeps the shell's PID, so the PID file names the app itself.
        let script = format!(
            "#!/bin/sh\necho $$ > '{}'\nexec '{}' \"$@\" >>'{}' 2>&1\n",
            self.app_pid_file().display(),
            self.app.display(),
            self.root.join("out/app.log").display()
        );
        std::fs::write(&launcher, script).expect("write launcher");
        std::fs::set_permissions(&launcher, std::fs::Permissions::from_mode(0o755))
            .expect("launcher is executable");
        launcher
    }

    fn app_pid_file(&self) -> PathBuf {
        self.root.join("out/app.pid")
    }
}

/// A real notification service on the session bus (dunst, drawing on the test's X
/// display), which prints every notification it is sent to `out/notifications.txt`, inside
/// the sandbox so the leak scan reads it too. Stopped when dropped.
pub struct NotificationService {
    child: std::process::Child,
    out: PathBuf,
}

impl NotificationService {
    /// Starts dunst and waits until it owns `org.freedesktop.Notifications`.
    pub fn start(sandbox: &Sandbox) -> Self {
        let out = sandbox.root.join("out/notifications.txt");
        let file = std::fs::File::create(&out).expect("notification record");
        let child = Command::new("dunst")
            .arg("-print")
            .stdin(Stdio::null())
            .stdout(file)
            .stderr(Stdio::null())
            .spawn()
            .expect("dunst starts (scripts/deps.sh installs it)");
        let deadline = Instant::now() + PATIENCE;
        loop {
            let owner = Command::new("dbus-send")
                .args([
                    "--session",
                    "--print-reply",
                    "--dest=org.freedesktop.DBus",
                    "/org/freedesktop/DBus",
                    "org.freedesktop.DBus.NameHasOwner",
                    "string:org.freedesktop.Notifications",
                ])
                .output()
                .expect("dbus-send runs");
            if String::from_utf8_lossy(&owner.stdout).contains("boolean true") {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "dunst never took org.freedesktop.Notifications"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        NotificationService { child, out }
    }

    /// Waits until a notification whose summary contains `summary` was shown, and returns
    /// what dunst printed of it.
    pub async fn wait_for(&self, summary: &str) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let printed = std::fs::read_to_string(&self.out).unwrap_or_default();
            if let Some(shown) = printed
                .split("\n{")
                .find(|n| n.contains(&format!("summary: '{summary}")))
            {
                return shown.to_string();
            }
            assert!(
                Instant::now() < deadline,
                "no notification “{summary}” was shown; dunst printed: {printed}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

impl Drop for NotificationService {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.kill_app();
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.root);
        }
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// One run of the app: the driver process and a WebDriver session.
pub struct Session {
    client: Client,
    driver: Child,
}

impl Session {
    /// Starts `tauri-driver`, which starts WebKitWebDriver, which starts the app.
    pub async fn start(sandbox: &Sandbox, emu: &Emulator) -> Self {
        Self::start_with(sandbox, emu, &[]).await
    }

    /// [`Session::start`] with extra environment for the app (a GTK theme, a language).
    /// Returns once the page has finished starting up (`body[data-ready]`).
    pub async fn start_with(sandbox: &Sandbox, emu: &Emulator, env: &[(&str, &str)]) -> Self {
        let session = Self::start_once_or_twice(sandbox, emu, env).await;
        session.wait_for("body[data-ready]").await;
        session
    }

    async fn start_once_or_twice(sandbox: &Sandbox, emu: &Emulator, env: &[(&str, &str)]) -> Self {
        match Self::try_start(sandbox, emu, env).await {
            Ok(s) => s,
            Err(first) => {
                // Seen once in many runs: the freshly launched app lost its X connection
                // before WebKitWebDriver could attach. Retry once, loudly; a start that
                // fails twice fails the test.
                eprintln!("warning: WebDriver session did not start ({first}); retrying once");
                tokio::time::sleep(Duration::from_secs(1)).await;
                Self::try_start(sandbox, emu, env)
                    .await
                    .unwrap_or_else(|second| {
                        let log = sandbox.app_log();
                        let tail: Vec<&str> = log.lines().rev().take(30).collect();
                        panic!(
                            "a WebDriver session starts: {second}\nthe app's last log lines:\n{}",
                            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
                        )
                    })
            }
        }
    }

    async fn try_start(
        sandbox: &Sandbox,
        emu: &Emulator,
        env: &[(&str, &str)],
    ) -> Result<Self, String> {
        sandbox.kill_app();
        let (port, native) = (free_port(), free_port());
        let n = std::fs::read_dir(sandbox.root.join("out"))
            .map(|d| d.count())
            .unwrap_or(0);
        let log = |name: &str| {
            std::fs::File::create(sandbox.root.join("out").join(format!("{n}-{name}.log")))
                .expect("driver log file")
        };
        let mut cmd = Command::new("tauri-driver");
        cmd.args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native.to_string(),
        ])
        .env("XDG_DATA_HOME", sandbox.root.join("data"))
        .env("XDG_CONFIG_HOME", sandbox.root.join("config"))
        .env("XDG_CACHE_HOME", sandbox.root.join("cache"))
        .stdin(Stdio::null())
        .stdout(log("stdout"))
        .stderr(log("stderr"));
        for (k, v) in emu.env() {
            cmd.env(k, v);
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut driver = cmd
            .spawn()
            .expect("tauri-driver runs (scripts/deps.sh test installs it)");
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + PATIENCE;
        let listening = crate::procs::wait_until_listening(
            &[port, native],
            Duration::from_millis(100),
            deadline,
        )
        .await;
        assert!(
            listening,
            "tauri-driver or WebKitWebDriver did not listen on {port} and {native}"
        );
        let caps = json!({
            "browserName": "wry",
            "tauri:options": {"application": sandbox.recording_launcher().to_string_lossy()}
        });
        let caps = caps.as_object().expect("object").clone();
        let connected = tokio::time::timeout(
            PATIENCE,
            ClientBuilder::new(HttpConnector::new())
                .capabilities(caps)
                .connect(&url),
        )
        .await;
        let client = match connected {
            Ok(Ok(client)) => client,
            failed => {
                let _ = driver.kill();
                let _ = driver.wait();
                sandbox.kill_app();
                return Err(match failed {
                    Err(_) => format!("no session within {PATIENCE:?}"),
                    Ok(Err(e)) => e.to_string(),
                    Ok(Ok(_)) => unreachable!("handled above"),
                });
            }
        };
        let s = Session { client, driver };
        s.wait_for("[data-view]:not([hidden])").await;
        Ok(s)
    }

    /// Closes the window and the driver.
    pub async fn end(mut self) {
        let _ = tokio::time::timeout(Duration::from_secs(10), self.client.clone().close()).await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = self.driver.kill();
    }
}
