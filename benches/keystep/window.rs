//! A window of the benchmark: the app (Keystep or the baseline) launched under tauri-driver
//! with throwaway XDG folders, driven by one script call per poll, and measured from `/proc`:
//! its start time, and the PSS and RSS of its whole process tree.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder};
use serde_json::{json, Value};

use hyper_util::client::legacy::connect::HttpConnector;

/// How long anything may take before the benchmark gives up.
pub(super) const PATIENCE: Duration = Duration::from_secs(60);

/// Launch attempts per window, and how many launches needed another attempt.
pub(super) const ATTEMPTS: usize = 5;
pub(super) static RETRIES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Where one start-up went, in milliseconds from the process's start: until the page began
/// to load (the native part: loading libraries, GTK, plugins, the window and WebKit's
/// processes), until the page's scripts had run (`DOMContentLoaded`), until its first view
/// was in the page and first painted, and until it was usable.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Phases {
    pub(super) page_starts: f64,
    pub(super) scripts_ran: f64,
    /// Keystep's first view in the page (its `keystep:drawn` mark); NaN for the baseline.
    pub(super) drawn: f64,
    /// The first paint with content (Paint Timing's `first-contentful-paint`).
    pub(super) first_paint: f64,
    pub(super) usable: f64,
}

impl Phases {
    /// The first paint, when it showed Keystep's first view (nothing was painted before the
    /// view was in the page); else NaN.
    pub(super) fn first_view_painted(&self) -> f64 {
        if self.first_paint >= self.drawn {
            self.first_paint
        } else {
            f64::NAN
        }
    }
}

/// Reads the page's own timings (Navigation and Paint Timing, and the marks Keystep's page
/// sets) once it is usable; `performance.now()` is matched to the process clock by the caller.
pub(super) const PAGE_TIMINGS: &str = "const n = performance.getEntriesByType('navigation')[0];
  const p = performance.getEntriesByName('first-contentful-paint')[0];
  const m = performance.getEntriesByType('mark').map((e) => [e.name, e.startTime]);
  return { now: performance.now(), dcl: n ? n.domContentLoadedEventEnd : null, fcp: p ? p.startTime : null, marks: m };";

/// Throwaway XDG folders for one app run.
pub(super) struct Home {
    pub(super) root: PathBuf,
    pub(super) cache: PathBuf,
}

impl Home {
    pub(super) fn new(name: &str) -> Self {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let root =
            std::env::temp_dir().join(format!("keystep-bench-{name}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        for d in ["data", "config", "cache"] {
            std::fs::create_dir_all(root.join(d)).expect("bench folders");
        }
        let cache = root.join("cache");
        Home { root, cache }
    }

    /// The same, with `cache` (kept across runs) as XDG_CACHE_HOME.
    pub(super) fn with_cache(mut self, cache: &Path) -> Self {
        std::fs::create_dir_all(cache).expect("cache folder");
        self.cache = cache.to_path_buf();
        self
    }
}

impl Drop for Home {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

pub(super) struct Window {
    pub(super) client: Client,
    pub(super) driver: Child,
    pub(super) pid: u32,
}

pub(super) struct Memory {
    pub(super) pss_mib: f64,
    pub(super) rss_mib: f64,
    pub(super) processes: usize,
    /// PSS in MiB per kind of process (its command name: the app, WebKitWebProcess,
    /// WebKitNetworkProcess).
    pub(super) by_process: BTreeMap<String, f64>,
}

pub(super) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

impl Window {
    /// Launches `binary` under tauri-driver. A session that does not start is retried (the
    /// end-to-end suite sees the same failure; here it is more frequent, and the page counts
    /// the retries); the last failure ends the benchmark with the logs.
    pub(super) async fn open(binary: &Path, home: &Home, env: &[(String, String)]) -> Self {
        let mut last = String::new();
        for attempt in 1..=ATTEMPTS {
            match Self::try_open(binary, home, env).await {
                Ok(w) => return w,
                Err(e) => {
                    RETRIES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    eprintln!("bench: warning: no WebDriver session ({e}), attempt {attempt}");
                    last = e;
                    tokio::time::sleep(Duration::from_secs(2)).await;
                }
            }
        }
        let log = |f: &str| std::fs::read_to_string(home.root.join(f)).unwrap_or_default();
        panic!(
            "no WebDriver session in {ATTEMPTS} attempts: {last}\n-- driver:\n{}\n-- app:\n{}",
            log("driver.log"),
            log("app.log")
        )
    }

    pub(super) async fn try_open(
        binary: &Path,
        home: &Home,
        env: &[(String, String)],
    ) -> Result<Self, String> {
        use std::os::unix::fs::PermissionsExt;
        let pid_file = home.root.join("app.pid");
        let launcher = home.root.join("launch.sh");
        std::fs::write(
            &launcher,
            format!(
                "#!/bin/sh\necho $$ > '{}'\nexec '{}' \"$@\" >>'{}' 2>&1\n",
                pid_file.display(),
                binary.display(),
                home.root.join("app.log").display()
            ),
        )
        .expect("write the launcher");
        std::fs::set_permissions(&launcher, std::fs::Permissions::from_mode(0o755))
            .expect("launcher is executable");
        let (port, native) = (free_port(), free_port());
        let mut cmd = Command::new("tauri-driver");
        cmd.args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native.to_string(),
        ])
        .env("XDG_DATA_HOME", home.root.join("data"))
        .env("XDG_CONFIG_HOME", home.root.join("config"))
        .env("XDG_CACHE_HOME", &home.cache)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(home.root.join("driver.log"))
                .map(Stdio::from)
                .unwrap_or_else(|_| Stdio::null()),
        );
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut driver = cmd.spawn().expect("tauri-driver runs");
        let deadline = Instant::now() + PATIENCE;
        let listening = super::procs::wait_until_listening(
            &[port, native],
            Duration::from_millis(20),
            deadline,
        )
        .await;
        assert!(listening, "tauri-driver and WebKitWebDriver listen");
        let caps = json!({
            "browserName": "wry",
            "tauri:options": {"application": launcher.to_string_lossy()}
        });
        let caps = caps.as_object().expect("object").clone();
        let connected = tokio::time::timeout(
            PATIENCE,
            ClientBuilder::new(HttpConnector::new())
                .capabilities(caps)
                .connect(&format!("http://127.0.0.1:{port}")),
        )
        .await;
        let pid: Option<u32> = std::fs::read_to_string(&pid_file)
            .ok()
            .and_then(|p| p.trim().parse().ok());
        match (connected, pid) {
            (Ok(Ok(client)), Some(pid)) => Ok(Window {
                client,
                driver,
                pid,
            }),
            (connected, pid) => {
                let _ = driver.kill();
                let _ = driver.wait();
                if let Some(pid) = pid {
                    for p in super::procs::process_tree(pid) {
                        let _ = Command::new("kill").args(["-9", &p.to_string()]).status();
                    }
                }
                let _ = std::fs::remove_file(&pid_file);
                Err(match connected {
                    Err(_) => "no session within the patience".to_string(),
                    Ok(Err(e)) => e.to_string(),
                    Ok(Ok(_)) => "the launcher wrote no pid".to_string(),
                })
            }
        }
    }

    pub(super) async fn script(&self, js: &str) -> Value {
        self.client.execute(js, vec![]).await.unwrap_or(Value::Null)
    }

    /// Polls `js` (a function body returning a boolean) until true; returns the milliseconds
    /// from the app process's start to that moment.
    pub(super) async fn until(&self, js: &str) -> f64 {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if self.script(js).await == json!(true) {
                return since_start_ms(self.pid);
            }
            assert!(Instant::now() < deadline, "the page never satisfied: {js}");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// The page's own account of a start-up that became usable `ready` ms after the
    /// process started.
    pub(super) async fn phases(&self, ready: f64) -> Phases {
        // The page's clock is matched to the process's over a round trip: the page read its
        // clock somewhere within it, so its middle is taken. A trip slowed by the page's own
        // start-up work (a hundred cards' last uses) would shift every phase later by up to
        // its length (90 ms was seen), so a slow one is tried again.
        let (mut t, mut origin) = (Value::Null, f64::NAN);
        for _ in 0..20 {
            let sent = Instant::now();
            t = self.script(PAGE_TIMINGS).await;
            let trip = sent.elapsed().as_secs_f64() * 1000.0;
            origin = since_start_ms(self.pid) - trip / 2.0 - t["now"].as_f64().unwrap_or(f64::NAN);
            if trip < 10.0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let at = |v: &Value| origin + v.as_f64().unwrap_or(f64::NAN);
        let mark = |name: &str| {
            t["marks"]
                .as_array()
                .and_then(|m| m.iter().find(|e| e[0] == json!(name)))
                .map_or(f64::NAN, |e| at(&e[1]))
        };
        Phases {
            page_starts: origin,
            scripts_ran: at(&t["dcl"]),
            drawn: mark("keystep:drawn"),
            first_paint: at(&t["fcp"]),
            usable: ready,
        }
    }

    pub(super) fn memory(&self) -> Memory {
        let tree = super::procs::process_tree(self.pid);
        let (mut pss, mut rss) = (0u64, 0u64);
        let mut by_process = BTreeMap::new();
        for (i, pid) in tree.iter().enumerate() {
            let own = kib_field(&format!("/proc/{pid}/smaps_rollup"), "Pss:");
            pss += own;
            rss += kib_field(&format!("/proc/{pid}/status"), "VmRSS:");
            // The app is named "app" whatever its binary is called, so the two line up.
            let name = if i == 0 {
                "app".to_string()
            } else {
                std::fs::read_to_string(format!("/proc/{pid}/comm"))
                    .map(|c| c.trim().to_string())
                    .unwrap_or_else(|_| "?".into())
            };
            *by_process.entry(name).or_insert(0.0) += own as f64 / 1024.0;
        }
        Memory {
            pss_mib: pss as f64 / 1024.0,
            rss_mib: rss as f64 / 1024.0,
            processes: tree.len(),
            by_process,
        }
    }

    pub(super) async fn close(mut self) {
        let _ = tokio::time::timeout(Duration::from_secs(10), self.client.close()).await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        // Wait for the whole tree to be gone: Keystep is single-instance, and a survivor
        // would take over the next launch.
        let tree = super::procs::process_tree(self.pid);
        let deadline = Instant::now() + Duration::from_secs(10);
        while tree
            .iter()
            .any(|p| Path::new(&format!("/proc/{p}")).exists())
        {
            if Instant::now() > deadline {
                for p in &tree {
                    let _ = Command::new("kill").args(["-9", &p.to_string()]).status();
                }
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// Milliseconds from `pid`'s start to now, both read from the kernel's boot-time clock.
pub(super) fn since_start_ms(pid: u32) -> f64 {
    let uptime: f64 = std::fs::read_to_string("/proc/uptime")
        .ok()
        .and_then(|u| u.split_whitespace().next().and_then(|s| s.parse().ok()))
        .expect("/proc/uptime");
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("the app is running");
    // Fields after the command name (which may hold spaces) start at state, field 3;
    // starttime is field 22.
    let after = &stat[stat.rfind(')').expect("stat has a command name") + 2..];
    let ticks: f64 = after
        .split_whitespace()
        .nth(19)
        .and_then(|s| s.parse().ok())
        .expect("starttime");
    (uptime - ticks / clock_ticks()) * 1000.0
}

pub(super) fn clock_ticks() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

pub(super) fn kib_field(path: &str, name: &str) -> u64 {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}
