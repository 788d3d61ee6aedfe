//! Starting the app under `tauri-driver` and driving it with fantoccini, with bounded waits.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use keystep_emulator::Emulator;
use serde_json::json;

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
}

impl Sandbox {
    /// Whether a Keystep window is mapped on the display (X: `xwininfo`), shown to the
    /// person, as opposed to hidden or never shown.
    pub fn window_shown(&self) -> bool {
        !self.shown_windows().is_empty()
    }

    /// Closes the shown window as a person does with its close button: the window manager's
    /// WM_DELETE_WINDOW message (`close_window.py`), which the app may answer by asking.
    pub fn close_as_a_person(&self) {
        let windows = self.shown_windows();
        assert!(!windows.is_empty(), "a Keystep window is shown, to close");
        for id in windows {
            let status = Command::new("python3")
                .arg(concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/tests/e2e/close_window.py"
                ))
                .arg(&id)
                .status()
                .expect("python3 runs");
            assert!(status.success(), "WM_DELETE_WINDOW sent to {id}");
        }
    }

    /// The `WM_CLASS` of each shown Keystep window, as `xprop` prints it
    /// (`"instance", "Class"`): what docks match against a desktop entry's `StartupWMClass`.
    pub fn window_classes(&self) -> Vec<String> {
        self.shown_windows()
            .iter()
            .map(|id| {
                let out = Command::new("xprop")
                    .args(["-id", id, "WM_CLASS"])
                    .output()
                    .expect("xprop runs (x11-utils)");
                let said = String::from_utf8_lossy(&out.stdout);
                said.split_once(" = ")
                    .map_or_else(|| said.trim().to_string(), |(_, v)| v.trim().to_string())
            })
            .collect()
    }

    /// The X ids of the mapped windows named Keystep.
    fn shown_windows(&self) -> Vec<String> {
        let tree = Command::new("xwininfo")
            .args(["-root", "-tree"])
            .output()
            .expect("xwininfo runs (x11-utils)");
        String::from_utf8_lossy(&tree.stdout)
            .lines()
            .filter(|l| l.contains("\"Keystep\""))
            .filter_map(|l| l.split_whitespace().next().map(str::to_string))
            .filter(|id| {
                Command::new("xwininfo")
                    .args(["-id", id])
                    .output()
                    .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("IsViewable"))
            })
            .collect()
    }

    /// Waits until the window is (or is not) shown, failing with `what`.
    pub async fn wait_window_shown(&self, shown: bool, what: &str) {
        let deadline = Instant::now() + PATIENCE;
        while self.window_shown() != shown {
            assert!(Instant::now() < deadline, "{what}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Runs `command` (a desktop entry's `Exec` line, split on spaces) as the desktop would,
    /// in this sandbox, with extra `env`, its output appended to `out/app.log`; the PID
    /// file names it, so the sandbox kills it when dropped; the caller waits for it.
    pub fn run_exec_line(&self, exec: &str, env: &[(String, String)]) -> Child {
        let mut words = exec.split_whitespace();
        let program = words.next().expect("an Exec line names a program");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.root.join("out/app.log"))
            .expect("app log");
        let child = Command::new(program)
            .args(words)
            .env("XDG_DATA_HOME", self.root.join("data"))
            .env("XDG_CONFIG_HOME", self.root.join("config"))
            .env("XDG_CACHE_HOME", self.root.join("cache"))
            .env("HOME", self.home())
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log handle"))
            .stderr(log)
            .spawn()
            .expect("the Exec line starts");
        std::fs::write(self.app_pid_file(), child.id().to_string()).expect("pid file");
        child
    }

    /// The app's home folder in this sandbox (where start at login writes its entry).
    pub fn home(&self) -> PathBuf {
        let home = self.root.join("home");
        std::fs::create_dir_all(&home).expect("home folder");
        home
    }

    fn app_pid_file(&self) -> PathBuf {
        self.root.join("out/app.pid")
    }

    /// Kills the app if a session left it running (a failed test does not close its window,
    /// and a running Keystep would take over every later launch: it is single-instance).
    pub fn kill_app(&self) {
        if let Ok(pid) = std::fs::read_to_string(self.app_pid_file()) {
            let _ = Command::new("kill")
                .args(["-9", pid.trim()])
                .stderr(Stdio::null())
                .status();
            let _ = std::fs::remove_file(self.app_pid_file());
        }
    }

    /// Everything the app printed so far (its log goes to stdout too).
    pub fn app_log(&self) -> String {
        std::fs::read_to_string(self.root.join("out/app.log")).unwrap_or_default()
    }

    /// The names of the threads of the app's web processes (WebKitGTK's painting workers
    /// among them), each once.
    pub fn web_process_threads(&self) -> std::collections::BTreeSet<String> {
        let Ok(pid) = std::fs::read_to_string(self.app_pid_file()) else {
            return Default::default();
        };
        let Ok(pid) = pid.trim().parse() else {
            return Default::default();
        };
        let read = |path: String| std::fs::read_to_string(path).unwrap_or_default();
        let mut names = std::collections::BTreeSet::new();
        for pid in crate::procs::process_tree(pid) {
            if read(format!("/proc/{pid}/comm")).trim() != "WebKitWebProces" {
                continue;
            }
            let threads = std::fs::read_dir(format!("/proc/{pid}/task"));
            for thread in threads.into_iter().flatten().flatten() {
                let comm = read(format!("{}/comm", thread.path().display()));
                names.insert(comm.trim().to_string());
            }
        }
        names
    }

    /// Whether the app launched last is still running.
    pub fn app_running(&self) -> bool {
        std::fs::read_to_string(self.app_pid_file())
            .ok()
            .is_some_and(|pid| Path::new(&format!("/proc/{}", pid.trim())).exists())
    }

    /// Starts the app a second time, as a person double-clicking it would, and returns its
    /// exit status if it exits within ten seconds (`None` if it keeps running).
    pub fn launch_second_instance(&self) -> Option<i32> {
        let mut child = Command::new(&self.app)
            .env("XDG_DATA_HOME", self.root.join("data"))
            .env("XDG_CONFIG_HOME", self.root.join("config"))
            .env("XDG_CACHE_HOME", self.root.join("cache"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("keystep starts");
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = child.try_wait() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = child.kill();
        let _ = child.wait();
        None
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

    /// Waits for `css` to match a visible element.
    pub async fn wait_for(&self, css: &str) -> fantoccini::elements::Element {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Ok(el) = self.client.find(Locator::Css(css)).await {
                if el.is_displayed().await.unwrap_or(false) {
                    return el;
                }
            }
            if Instant::now() > deadline {
                let src = self.client.source().await.unwrap_or_default();
                let body = src.find("<body").map_or(src.as_str(), |at| &src[at..]);
                let body: String = body.chars().take(4000).collect();
                panic!("`{css}` did not appear within {PATIENCE:?}; page body: {body}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits for at least one match, then counts the matches.
    pub async fn wait_all(&self, css: &str) -> usize {
        self.wait_for(css).await;
        self.client
            .find_all(Locator::Css(css))
            .await
            .map(|v| v.len())
            .unwrap_or(0)
    }

    /// Waits until the text of `css` contains `needle`.
    pub async fn wait_for_text(&self, css: &str, needle: &str) {
        let deadline = Instant::now() + PATIENCE;
        while !self.try_text(css).await.is_some_and(|t| t.contains(needle)) {
            assert!(Instant::now() < deadline, "`{css}` never showed “{needle}”");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// The text of `css` now, or `None` if it is missing or was re-rendered mid-read (the
    /// UI replaces a card when its account changes, which makes a found element stale).
    async fn try_text(&self, css: &str) -> Option<String> {
        self.client
            .find(Locator::Css(css))
            .await
            .ok()?
            .text()
            .await
            .ok()
    }

    /// Waits until nothing matches `css`.
    pub async fn wait_for_none(&self, css: &str) {
        let deadline = Instant::now() + PATIENCE;
        while self.count(css).await > 0 {
            assert!(Instant::now() < deadline, "`{css}` never went away");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Whether `css` matches an element that is displayed right now (false when none).
    pub async fn displayed(&self, css: &str) -> bool {
        match self.client.find(Locator::Css(css)).await {
            Ok(el) => el.is_displayed().await.unwrap_or(false),
            Err(_) => false,
        }
    }

    /// How many elements match right now.
    pub async fn count(&self, css: &str) -> usize {
        self.client
            .find_all(Locator::Css(css))
            .await
            .map(|v| v.len())
            .unwrap_or(0)
    }

    /// From home, links `provider` with `fields` through the guide's form and returns the
    /// result's state (`success`/`error`), error code and message.
    pub async fn link(
        &self,
        provider: &str,
        fields: &[(&str, &str)],
    ) -> (String, Option<String>, String) {
        // After Done the list shows the new account, scrolled to it: #add-account may sit
        // under the sticky header, where a click would land on the header instead.
        self.scroll_to("#add-account").await;
        self.click("#add-account").await;
        self.click(&format!("button[data-provider=\"{provider}\"]"))
            .await;
        for (key, value) in fields {
            self.type_into(&format!("form#credentials input[name=\"{key}\"]"), value)
                .await;
        }
        self.click("button#connect").await;
        self.wait_for("#result[data-state=\"success\"], #result[data-state=\"error\"]")
            .await;
        let state = self.attr("#result", "data-state").await.unwrap_or_default();
        let code = self.attr("#result", "data-code").await;
        (state, code, self.text("#result-message").await)
    }

    /// Clicks the element once it is visible.
    pub async fn click(&self, css: &str) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            match self.wait_for(css).await.click().await {
                Ok(()) => return,
                // Redrawn between finding and clicking (the node found is gone), or not laid
                // out yet (a card out of view is laid out at the next frame: content-visibility):
                // a person would click what is drawn a moment later, so find it again.
                Err(e) => assert!(
                    Instant::now() < deadline && not_yet_clickable(&e),
                    "click {css}: {e} ({e:?})"
                ),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Types into an input once it is visible.
    pub async fn type_into(&self, css: &str, text: &str) {
        let el = self.wait_for(css).await;
        el.clear()
            .await
            .unwrap_or_else(|e| panic!("clear {css}: {e}"));
        el.send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("type into {css}: {e}"));
    }

    /// The visible text of an element.
    pub async fn text(&self, css: &str) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let el = self.wait_for(css).await;
            match el.text().await {
                Ok(text) => return text,
                // Re-rendered between finding and reading: find it again.
                Err(e) => assert!(Instant::now() < deadline, "text of {css}: {e}"),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// An attribute of an element.
    pub async fn attr(&self, css: &str, name: &str) -> Option<String> {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let el = self.wait_for(css).await;
            match el.attr(name).await {
                Ok(value) => return value,
                Err(e) => assert!(Instant::now() < deadline, "attr {name} of {css}: {e}"),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// An input's current value (the property, which typing and the page change; the
    /// attribute keeps the markup's).
    pub async fn value(&self, css: &str) -> String {
        self.wait_for(css).await;
        let script = "const n = document.querySelector(arguments[0]); return n ? n.value : '';";
        self.client
            .execute(script, vec![serde_json::Value::String(css.to_string())])
            .await
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    }

    /// Asserts that neither the page source nor any input's current value holds a secret.
    pub async fn assert_page_lacks(&self, secrets: &[&str]) {
        let source = self.client.source().await.expect("page source");
        let values = self
            .client
            .execute("return Array.from(document.querySelectorAll('input,textarea')).map(e => e.value).join('\\n')", vec![])
            .await
            .expect("input values");
        let values = values.as_str().unwrap_or_default().to_string();
        for s in secrets {
            assert!(
                !source.contains(s),
                "a secret is in the page source after submission"
            );
            assert!(
                !values.contains(s),
                "a secret is still in an input after submission"
            );
        }
    }

    /// Saves a PNG of the window under `KEYSTEP_SCREENSHOT_DIR`, if set.
    pub async fn screenshot(&self, name: &str) {
        let Some(dir) = std::env::var_os("KEYSTEP_SCREENSHOT_DIR") else {
            return;
        };
        // WebKit may hand back the last painted frame; wait until two frames have been
        // painted after the DOM change so the picture matches what the assertions saw.
        let _ = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];\
                 requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 150)));",
                vec![],
            )
            .await;
        let png = tokio::time::timeout(Duration::from_secs(10), self.client.screenshot())
            .await
            .expect("screenshot in time")
            .expect("screenshot");
        std::fs::create_dir_all(&dir).expect("screenshot folder");
        std::fs::write(Path::new(&dir).join(format!("{name}.png")), png).expect("write screenshot");
    }

    /// Presses keys on whatever has the focus, as a keyboard would (WebDriver key codes:
    /// [`TAB`], [`ENTER`], [`ESCAPE`], [`SHIFT`]; text types itself).
    pub async fn press(&self, keys: &str) {
        let focused = self
            .client
            .active_element()
            .await
            .expect("something has the focus");
        focused
            .send_keys(keys)
            .await
            .expect("keys reach the focused element");
    }

    /// What has the focus: "TAG|id|name|data-provider|data-action|text".
    pub async fn focused(&self) -> String {
        let script = "const a = document.activeElement; if (!a) return ''; \
            return [a.tagName, a.id, a.getAttribute('name') || '', a.dataset.provider || '', \
            a.dataset.action || '', (a.textContent || '').trim().slice(0, 40)].join('|');";
        self.client
            .execute(script, vec![])
            .await
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    }

    /// Presses Tab until the focus is on what `wanted` accepts, at most `max` times, and
    /// fails naming the stops it made: proof that the control is reachable by keyboard.
    pub async fn tab_to(&self, wanted: impl Fn(&str) -> bool, max: usize, what: &str) {
        let mut stops = Vec::new();
        for _ in 0..max {
            self.press(TAB).await;
            let now = self.focused().await;
            if wanted(&now) {
                return;
            }
            stops.push(now);
        }
        panic!("{what} is not reachable with Tab; the focus went through {stops:#?}");
    }

    /// Waits until the focus is on what `wanted` accepts.
    pub async fn wait_for_focus(&self, wanted: impl Fn(&str) -> bool, what: &str) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let now = self.focused().await;
            if wanted(&now) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the focus never reached {what}; it is on {now}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// What `script` (a function body that `return`s) gives, as JSON; `Null` if it fails.
    pub async fn eval(&self, script: &str) -> serde_json::Value {
        self.client
            .execute(script, vec![])
            .await
            .unwrap_or(serde_json::Value::Null)
    }

    /// Scrolls `css` into the middle of the window (for a screenshot of it).
    pub async fn scroll_to(&self, css: &str) {
        let el = self.wait_for(css).await;
        let arg = serde_json::to_value(&el).expect("an element serializes");
        let _ = self
            .client
            .execute("arguments[0].scrollIntoView({block: 'center'});", vec![arg])
            .await;
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

/// Whether a WebDriver error says the element found is no longer in the page (WebKit's
/// words, and the standard's "stale element reference") or cannot take a click yet.
fn not_yet_clickable(error: &fantoccini::error::CmdError) -> bool {
    error.is_element_not_interactable()
        || error.is_stale_element_reference()
        || error.to_string().contains("was not found")
}
