//! The app as the desktop sees it, around WebDriver: its X windows (shown or not, closed
//! as a person closes them, their class) and its process (started from a desktop entry's
//! Exec line, killed, its log, its web process's threads, a second instance). Apart from
//! `driver.rs`, which makes the sandbox and starts sessions, because these ask X and
//! `/proc`, not the page.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::{Sandbox, PATIENCE};

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
