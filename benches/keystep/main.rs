//! Keystep's benchmark, run by `scripts/bench.sh` (never by the test suite: timing targets
//! live here, not in tests). It measures, in one run on one machine, the release build of
//! Keystep against `keystep-baseline` (a bare Tauri 2 app with one static page, built from
//! this workspace with the same profile) and writes the figures into `docs/benchmarks.md`
//! between the `results` markers, leaving the hand-written analysis around them alone.
//!
//! Windows are launched the way the end-to-end suite launches them (tauri-driver and
//! WebKitWebDriver under Xvfb); readiness is polled with one script call per poll, and
//! start-up is counted from the app process's own start time in `/proc`, so the WebDriver
//! handshake before the launch is not in it. Memory is the PSS (and RSS) of the app and
//! every process below it (WebKit's web and network processes).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use keystep_emulator::Emulator;
use serde_json::{json, Value};

mod fleet;
mod list;
mod verify;

/// How long anything may take before the benchmark gives up.
const PATIENCE: Duration = Duration::from_secs(60);

fn env_path(name: &str) -> PathBuf {
    PathBuf::from(std::env::var_os(name).unwrap_or_else(|| panic!("{name} is not set")))
}

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() {
    let app = env_path("KEYSTEP_BENCH_APP");
    let runs = env_num("KEYSTEP_BENCH_RUNS", 5) as usize;
    let latency = Duration::from_millis(env_num("KEYSTEP_BENCH_LATENCY_MS", 100));
    // KEYSTEP_BENCH_VERIFY_ONLY=1: only `keystep verify` per provider, printed, the page left
    // alone (no window, keychain or display needed): to try that part on its own.
    if env_num("KEYSTEP_BENCH_VERIFY_ONLY", 0) == 1 {
        print!("{}", verify::section(&app, latency, runs.max(7)));
        return;
    }
    let baseline = env_path("KEYSTEP_BENCH_BASELINE");
    let out = env_path("KEYSTEP_BENCH_OUT");
    assert!(
        std::env::var_os("DISPLAY").is_some(),
        "run the benchmark through scripts/bench.sh (it needs Xvfb, D-Bus and a keyring)"
    );
    let started = Instant::now();
    let mut report = Report::default();

    eprintln!("bench: sizes");
    // The window binary is what compares with the bare Tauri app; `keystep` (the command
    // line, which execs it) gets a line of its own.
    let window = env_path("KEYSTEP_BENCH_WINDOW");
    report.sizes(&window, &baseline, &app);

    eprintln!("bench: windows, {runs} runs each");
    let emu = Emulator::start();
    let fleet = fleet::Fleet::seed(&emu, 20, 2);
    let mut windows = Windows::default();
    // Each app keeps one cache folder (XDG_CACHE_HOME: Mesa's shader cache, fontconfig's,
    // WebKit's) across its runs, as on a person's machine; data and settings start empty
    // each run. Run 0 is the first launch ever, on empty caches, reported on its own.
    let caches = Home::new("caches");
    for run in 0..=runs {
        eprintln!("bench: run {run}/{runs}");
        let first = run == 0;
        windows
            .baseline_run(&baseline, &caches.root.join("baseline"), first)
            .await;
        windows
            .keystep_run(&app, &emu, &fleet, &caches.root.join("keystep"), first)
            .await;
    }
    report.windows(&windows);

    eprintln!("bench: verification with {latency:?} per request");
    report.line(&verify::section(&app, latency, runs.max(7)));

    eprintln!("bench: keystep list against secret-tool search");
    emu.latency(Duration::ZERO);
    let section = list::compare(&app, &emu, runs.max(20));
    report.line(&section);

    report.proxy_section();
    report.mcp_section();
    report.fleet_check();

    report.finish(started.elapsed(), runs, latency);
    write_results(&out, &report.text);
    eprintln!("bench: wrote {}", out.display());
}

// ---------------------------------------------------------------------------
// Statistics and the report.

fn median(values: &[f64]) -> f64 {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    if v.len() % 2 == 1 {
        v[mid]
    } else {
        (v[mid - 1] + v[mid]) / 2.0
    }
}

fn spread(values: &[f64]) -> String {
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    format!("{lo:.0}–{hi:.0}")
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "**missed**"
    }
}

#[derive(Default)]
struct Report {
    text: String,
}

impl Report {
    fn line(&mut self, s: &str) {
        self.text.push_str(s);
        self.text.push('\n');
    }

    fn sizes(&mut self, app: &Path, baseline: &Path, command_line: &Path) {
        let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0) as f64;
        let deb = |name: &str| std::env::var_os(name).map(PathBuf::from);
        let (a, b) = (size(app), size(baseline));
        let mib = |x: f64| x / 1048576.0;
        self.line("### Size\n");
        self.line("| | Keystep | baseline | ratio | target |");
        self.line("|---|---:|---:|---:|---|");
        self.line(&format!(
            "| release binary (stripped) | {:.2} MiB | {:.2} MiB | {:.2}× | ≤ 1.5×: {} |",
            mib(a),
            mib(b),
            a / b,
            verdict(a / b <= 1.5)
        ));
        self.line(&format!(
            "| `keystep`, the command line without window libraries (stripped) | {:.2} MiB | — | — | — |",
            mib(size(command_line))
        ));
        if let (Some(da), Some(db)) = (deb("KEYSTEP_BENCH_DEB"), deb("KEYSTEP_BENCH_BASELINE_DEB"))
        {
            let (da, db) = (size(&da), size(&db));
            self.line(&format!(
                "| .deb | {:.2} MiB | {:.2} MiB | {:.2}× | — |",
                mib(da),
                mib(db),
                da / db
            ));
        }
        self.line("");
    }

    fn windows(&mut self, w: &Windows) {
        let ms = |v: &[f64]| median(v);
        let base_start = ms(&w.baseline_start);
        let base_pss = ms(&w.baseline_pss);
        self.line("### Start-up and memory (medians; range in brackets)\n");
        self.line("| | Keystep | baseline | ratio | target |");
        self.line("|---|---:|---:|---:|---|");
        let start = ms(&w.keystep_start);
        self.line(&format!(
            "| start → first view interactive, no accounts | {:.0} ms ({}) | {:.0} ms ({}) | {:.2}× | ≤ 1.1×: {} |",
            start,
            spread(&w.keystep_start),
            base_start,
            spread(&w.baseline_start),
            start / base_start,
            verdict(start / base_start <= 1.1)
        ));
        self.line(&format!(
            "| the same, first launch ever (empty caches; one run) | {:.0} ms | {:.0} ms | {:.2}× | (reported, see below) |",
            w.keystep_first,
            w.baseline_first,
            w.keystep_first / w.baseline_first
        ));
        let start20 = ms(&w.keystep_start20);
        self.line(&format!(
            "| start → accounts page with 20 accounts | {:.0} ms ({}) | {:.0} ms | {:.2}× | ≤ 1.15×: {} |",
            start20,
            spread(&w.keystep_start20),
            base_start,
            start20 / base_start,
            verdict(start20 / base_start <= 1.15)
        ));
        let pss = ms(&w.keystep_pss);
        self.line(&format!(
            "| PSS of the process tree after 10 s idle | {:.0} MiB ({}) | {:.0} MiB ({}) | {:.2}× | ≤ 1.2×: {} |",
            pss,
            spread(&w.keystep_pss),
            base_pss,
            spread(&w.baseline_pss),
            pss / base_pss,
            verdict(pss / base_pss <= 1.2)
        ));
        let pss20 = ms(&w.keystep_pss20);
        self.line(&format!(
            "| PSS after linking 20 accounts (+10 s) | {:.0} MiB ({}) | {:.0} MiB | {:.2}× | ≤ 1.2×: {} |",
            pss20,
            spread(&w.keystep_pss20),
            base_pss,
            pss20 / base_pss,
            verdict(pss20 / base_pss <= 1.2)
        ));
        let restart = ms(&w.keystep_pss20_restart);
        self.line(&format!(
            "| the same 20 accounts on a new start (+10 s) | {:.0} MiB ({}) | {:.0} MiB | {:.2}× | (reported, see below) |",
            restart,
            spread(&w.keystep_pss20_restart),
            base_pss,
            restart / base_pss,
        ));
        self.line(&format!(
            "| RSS of the process tree after 10 s idle | {:.0} MiB | {:.0} MiB | {:.2}× | (PSS counts shared pages once) |",
            ms(&w.keystep_rss),
            ms(&w.baseline_rss),
            ms(&w.keystep_rss) / ms(&w.baseline_rss)
        ));
        self.line(&format!(
            "| processes in the tree | {} | {} | | |",
            w.keystep_procs, w.baseline_procs
        ));
        self.phases(w);
        self.by_process(w);
        self.line(&format!(
            "\nWebDriver sessions that failed to start and were retried: {}.",
            RETRIES.load(std::sync::atomic::Ordering::Relaxed)
        ));
        self.line(&format!(
            "\nLinking the 20 accounts through `link_account` (emulator, no latency, real keychain) took {:.0} ms in the median run.\n",
            ms(&w.link20_ms)
        ));
    }

    fn phases(&mut self, w: &Windows) {
        let field =
            |v: &[Phases], f: fn(&Phases) -> f64| median(&v.iter().map(f).collect::<Vec<_>>());
        self.line("\n#### Where start-up goes (medians, ms from the process's start)\n");
        self.line(
            "The page's own Navigation Timing, read once it was usable, on the process's clock.\n",
        );
        self.line("| | Keystep | baseline | difference | Keystep, 20 accounts |");
        self.line("|---|---:|---:|---:|---:|");
        type Row = (&'static str, fn(&Phases) -> f64);
        let rows: [Row; 3] = [
            ("the page starts loading (native start-up)", |p| {
                p.page_starts
            }),
            ("its scripts have run (`DOMContentLoaded`)", |p| {
                p.scripts_ran
            }),
            ("usable", |p| p.usable),
        ];
        for (what, f) in rows {
            let (k, b) = (field(&w.keystep_phases, f), field(&w.baseline_phases, f));
            let k20 = field(&w.keystep_phases20, f);
            self.line(&format!(
                "| {what} | {k:.0} | {b:.0} | {:+.0} | {k20:.0} |",
                k - b
            ));
        }
    }

    fn by_process(&mut self, w: &Windows) {
        let median_of = |runs: &[BTreeMap<String, f64>], name: &str| {
            median(
                &runs
                    .iter()
                    .map(|m| m.get(name).copied().unwrap_or(0.0))
                    .collect::<Vec<_>>(),
            )
        };
        let mut names: Vec<String> = w
            .keystep_by_process
            .iter()
            .chain(&w.baseline_by_process)
            .chain(&w.keystep20_by_process)
            .chain(&w.keystep20_restart_by_process)
            .flat_map(|m| m.keys().cloned())
            .collect();
        names.sort();
        names.dedup();
        self.line("\n#### Memory by process (PSS, medians, MiB)\n");
        self.line("| process | Keystep idle | Keystep after 20 links | Keystep, new start on 20 | baseline idle |");
        self.line("|---|---:|---:|---:|---:|");
        for name in names {
            self.line(&format!(
                "| {name} | {:.1} | {:.1} | {:.1} | {:.1} |",
                median_of(&w.keystep_by_process, &name),
                median_of(&w.keystep20_by_process, &name),
                median_of(&w.keystep20_restart_by_process, &name),
                median_of(&w.baseline_by_process, &name),
            ));
        }
    }

    /// The section `src-tauri/cli/benches/proxy/main.rs` wrote (bench.sh runs it first).
    fn proxy_section(&mut self) {
        let section = std::env::var_os("KEYSTEP_BENCH_PROXY_OUT")
            .and_then(|p| std::fs::read_to_string(p).ok())
            .unwrap_or_else(|| {
                "### keystep run's proxy\n\n**Not measured in this run** \
                 (no output from src-tauri/cli/benches/proxy/main.rs).\n"
                    .into()
            });
        self.line(&section);
    }

    /// The section `benches/mcp` wrote (bench.sh runs it first).
    fn mcp_section(&mut self) {
        let section = std::env::var_os("KEYSTEP_BENCH_MCP_OUT")
            .and_then(|p| std::fs::read_to_string(p).ok())
            .unwrap_or_else(|| {
                "### keystep mcp under the Python MCP client

**Not measured in this run**                  (no output from benches/mcp).
"
                .into()
            });
        self.line(&section);
    }

    /// The section `src-tauri/core/benches/fleet.rs` wrote (bench.sh runs it first).
    fn fleet_check(&mut self) {
        let section = std::env::var_os("KEYSTEP_BENCH_FLEET_OUT")
            .and_then(|p| std::fs::read_to_string(p).ok())
            .unwrap_or_else(|| {
                "### Verification in-process, and checking 100 accounts\n\n**Not measured in this run** \
                 (no output from src-tauri/core/benches/fleet.rs).\n"
                    .into()
            });
        self.line(&section);
    }

    fn finish(&mut self, took: Duration, runs: usize, latency: Duration) {
        let machine = machine();
        let head = format!(
            "Measured by `scripts/bench.sh` on {machine}. {runs} window runs per app, interleaved; emulator latency {} ms; the whole benchmark took {:.0} s.\n\n",
            latency.as_millis(),
            took.as_secs_f64()
        );
        self.text.insert_str(0, &head);
    }
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_string())
        })
        .unwrap_or_else(|| "an unknown CPU".into());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let load = std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default();
    let webkit = Command::new("dpkg-query")
        .args(["-W", "-f=${Version}", "libwebkit2gtk-4.1-0"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    let date = Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    format!("{date}, {cores} cores ({cpu}), load average at the start {load}, WebKitGTK {webkit}, Xvfb with software rendering")
}

/// Replaces what lies between the results markers of `path` (creating the file if needed).
fn write_results(path: &Path, results: &str) {
    const BEGIN: &str = "<!-- results:begin (written by scripts/bench.sh) -->";
    const END: &str = "<!-- results:end -->";
    let old = std::fs::read_to_string(path).unwrap_or_default();
    let block = format!("{BEGIN}\n{results}{END}");
    let new = match (old.find(BEGIN), old.find(END)) {
        (Some(b), Some(e)) if b < e => format!("{}{block}{}", &old[..b], &old[e + END.len()..]),
        _ => format!("{old}\n## Results\n\n{block}\n"),
    };
    std::fs::write(path, new).expect("write the benchmark results");
}

// ---------------------------------------------------------------------------
// Windows: start-up and memory.

#[derive(Default)]
struct Windows {
    baseline_start: Vec<f64>,
    baseline_pss: Vec<f64>,
    baseline_rss: Vec<f64>,
    baseline_procs: usize,
    keystep_start: Vec<f64>,
    keystep_start20: Vec<f64>,
    keystep_pss: Vec<f64>,
    keystep_rss: Vec<f64>,
    keystep_pss20: Vec<f64>,
    keystep_procs: usize,
    link20_ms: Vec<f64>,
    baseline_first: f64,
    keystep_first: f64,
    baseline_phases: Vec<Phases>,
    keystep_phases: Vec<Phases>,
    /// The second start, on the book holding 20 accounts.
    keystep_phases20: Vec<Phases>,
    baseline_by_process: Vec<BTreeMap<String, f64>>,
    keystep_by_process: Vec<BTreeMap<String, f64>>,
    keystep20_by_process: Vec<BTreeMap<String, f64>>,
    /// A new start on the book of 20 accounts, after 10 s idle.
    keystep_pss20_restart: Vec<f64>,
    keystep20_restart_by_process: Vec<BTreeMap<String, f64>>,
}

/// Where one start-up went, in milliseconds from the process's start: until the page began
/// to load (the native part: loading libraries, GTK, plugins, the window and WebKit's
/// processes), until the page's scripts had run (`DOMContentLoaded`), and until it was
/// usable.
#[derive(Debug, Clone, Copy, Default)]
struct Phases {
    page_starts: f64,
    scripts_ran: f64,
    usable: f64,
}

/// Reads the page's own timings (Navigation Timing) right after it became
/// usable; `performance.now()` is matched to the process clock at the moment of the call.
const PAGE_TIMINGS: &str = "const n = performance.getEntriesByType('navigation')[0];
  return { now: performance.now(), dcl: n ? n.domContentLoadedEventEnd : null };";

const IDLE: Duration = Duration::from_secs(10);

/// Launch attempts per window, and how many launches needed another attempt.
const ATTEMPTS: usize = 5;
static RETRIES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

const BASELINE_READY: &str =
    "const b = document.getElementById('ready'); return !!b && b.offsetParent !== null;";

const KEYSTEP_READY: &str = "const b = document.getElementById('add-account'); const l = document.getElementById('home-loading'); return !!b && b.offsetParent !== null && !!l && l.hidden;";

const KEYSTEP_READY_20: &str = "const l = document.getElementById('home-loading'); return !!l && l.hidden && document.querySelectorAll('#accounts [data-account-id]').length >= 20;";

impl Windows {
    async fn baseline_run(&mut self, baseline: &Path, cache: &Path, first: bool) {
        let home = Home::new("baseline").with_cache(cache);
        let w = Window::open(baseline, &home, &[]).await;
        let ready = w.until(BASELINE_READY).await;
        if first {
            self.baseline_first = ready;
            w.close().await;
            return;
        }
        self.baseline_start.push(ready);
        self.baseline_phases.push(w.phases(ready).await);
        tokio::time::sleep(IDLE).await;
        let mem = w.memory();
        self.baseline_by_process.push(mem.by_process.clone());
        self.baseline_pss.push(mem.pss_mib);
        self.baseline_rss.push(mem.rss_mib);
        self.baseline_procs = mem.processes;
        w.close().await;
    }

    async fn keystep_run(
        &mut self,
        app: &Path,
        emu: &Emulator,
        fleet: &fleet::Fleet,
        cache: &Path,
        first: bool,
    ) {
        let home = Home::new("keystep").with_cache(cache);
        let _ = Command::new("secret-tool")
            .args(["clear", "service", "keystep"])
            .status();
        let env = emu.env();
        let w = Window::open(app, &home, &env).await;
        let ready = w.until(KEYSTEP_READY).await;
        if first {
            self.keystep_first = ready;
            w.close().await;
            return;
        }
        self.keystep_start.push(ready);
        self.keystep_phases.push(w.phases(ready).await);
        tokio::time::sleep(IDLE).await;
        let mem = w.memory();
        self.keystep_by_process.push(mem.by_process.clone());
        self.keystep_pss.push(mem.pss_mib);
        self.keystep_rss.push(mem.rss_mib);
        self.keystep_procs = mem.processes;

        let links = json!(fleet.links());
        let answer = w
            .client
            .execute_async(
                "const [links, done] = arguments;
                 (async () => {
                   const t0 = performance.now();
                   const failures = [];
                   for (const l of links) {
                     try { await window.__TAURI__.core.invoke('link_account', l); }
                     catch (e) { failures.push(l.provider + ': ' + (e && e.code) + ' ' + (e && e.message)); }
                   }
                   done({ ms: performance.now() - t0, failures });
                 })();",
                vec![links],
            )
            .await
            .expect("the link script runs");
        assert_eq!(
            answer["failures"],
            json!([]),
            "every benchmark account links against the emulator"
        );
        self.link20_ms
            .push(answer["ms"].as_f64().unwrap_or(f64::NAN));
        // Through the UI back to the accounts page, so the 20 cards are drawn.
        w.script("document.getElementById('add-account').click(); return true;")
            .await;
        w.until("const b = document.getElementById('picker-back'); return !!b && b.offsetParent !== null;")
            .await;
        w.script("document.getElementById('picker-back').click(); return true;")
            .await;
        w.until(KEYSTEP_READY_20).await;
        tokio::time::sleep(IDLE).await;
        let mem = w.memory();
        self.keystep_pss20.push(mem.pss_mib);
        self.keystep20_by_process.push(mem.by_process);
        w.close().await;

        // A second start on the same book and keychain: the accounts page with 20 accounts.
        let w = Window::open(app, &home, &env).await;
        let ready20 = w.until(KEYSTEP_READY_20).await;
        self.keystep_start20.push(ready20);
        self.keystep_phases20.push(w.phases(ready20).await);
        // The same 20 cards without the linking session's history: whether the growth after
        // linking is the page or what linking left behind.
        tokio::time::sleep(IDLE).await;
        let mem = w.memory();
        self.keystep_pss20_restart.push(mem.pss_mib);
        self.keystep20_restart_by_process.push(mem.by_process);
        w.close().await;
    }
}

/// Throwaway XDG folders for one app run.
struct Home {
    root: PathBuf,
    cache: PathBuf,
}

impl Home {
    fn new(name: &str) -> Self {
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
    fn with_cache(mut self, cache: &Path) -> Self {
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

struct Window {
    client: Client,
    driver: Child,
    pid: u32,
}

struct Memory {
    pss_mib: f64,
    rss_mib: f64,
    processes: usize,
    /// PSS in MiB per kind of process (its command name: the app, WebKitWebProcess,
    /// WebKitNetworkProcess).
    by_process: BTreeMap<String, f64>,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

impl Window {
    /// Launches `binary` under tauri-driver. A session that does not start is retried (the
    /// end-to-end suite sees the same failure; here it is more frequent, and the page counts
    /// the retries); the last failure ends the benchmark with the logs.
    async fn open(binary: &Path, home: &Home, env: &[(String, String)]) -> Self {
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

    async fn try_open(
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
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "tauri-driver listens");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
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
                    for p in process_tree(pid) {
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

    async fn script(&self, js: &str) -> Value {
        self.client.execute(js, vec![]).await.unwrap_or(Value::Null)
    }

    /// Polls `js` (a function body returning a boolean) until true; returns the milliseconds
    /// from the app process's start to that moment.
    async fn until(&self, js: &str) -> f64 {
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
    async fn phases(&self, ready: f64) -> Phases {
        let t = self.script(PAGE_TIMINGS).await;
        let process_now = since_start_ms(self.pid);
        let page_now = t["now"].as_f64().unwrap_or(f64::NAN);
        // The page's time 0, on the process's clock.
        let origin = process_now - page_now;
        Phases {
            page_starts: origin,
            scripts_ran: origin + t["dcl"].as_f64().unwrap_or(f64::NAN),
            usable: ready,
        }
    }

    fn memory(&self) -> Memory {
        let tree = process_tree(self.pid);
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

    async fn close(mut self) {
        let _ = tokio::time::timeout(Duration::from_secs(10), self.client.close()).await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        // Wait for the whole tree to be gone: Keystep is single-instance, and a survivor
        // would take over the next launch.
        let tree = process_tree(self.pid);
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
fn since_start_ms(pid: u32) -> f64 {
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

fn clock_ticks() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

/// `pid` and every process below it.
fn process_tree(pid: u32) -> Vec<u32> {
    let mut parents: BTreeMap<u32, u32> = BTreeMap::new();
    if let Ok(dir) = std::fs::read_dir("/proc") {
        for entry in dir.flatten() {
            let Some(p) = entry
                .file_name()
                .to_str()
                .and_then(|s| s.parse::<u32>().ok())
            else {
                continue;
            };
            if let Ok(stat) = std::fs::read_to_string(format!("/proc/{p}/stat")) {
                if let Some(at) = stat.rfind(')') {
                    if let Some(ppid) = stat[at + 2..]
                        .split_whitespace()
                        .nth(1)
                        .and_then(|s| s.parse().ok())
                    {
                        parents.insert(p, ppid);
                    }
                }
            }
        }
    }
    let mut tree = vec![pid];
    let mut i = 0;
    while i < tree.len() {
        let parent = tree[i];
        tree.extend(
            parents
                .iter()
                .filter(|(_, pp)| **pp == parent)
                .map(|(p, _)| *p),
        );
        i += 1;
    }
    tree
}

fn kib_field(path: &str, name: &str) -> u64 {
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
