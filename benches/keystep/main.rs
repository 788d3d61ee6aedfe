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
use std::process::Command;
use std::time::{Duration, Instant};

use keystep_emulator::Emulator;
use serde_json::json;

mod catalogue;
mod fleet;
mod list;
mod verify;
mod window;

use window::{Home, Window};

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
    // The window with five providers, beside its own copy of the command line (bench.sh).
    let five = std::env::var_os("KEYSTEP_BENCH_APP_FIVE").map(PathBuf::from);
    let mut catalogues = catalogue::Catalogues::default();
    let catalogue_caches = caches.root.join("catalogues");
    for run in 0..=runs {
        eprintln!("bench: run {run}/{runs}");
        let first = run == 0;
        windows
            .baseline_run(&baseline, &caches.root.join("baseline"), first)
            .await;
        let book = windows
            .keystep_run(&app, &emu, &fleet, &caches.root.join("keystep"), first)
            .await;
        if let Some(five) = &five {
            let apps = [app.as_path(), five.as_path()];
            match &book {
                None => catalogue::Catalogues::warm(apps, &emu, &catalogue_caches).await,
                Some(book) => {
                    catalogues
                        .run(apps, &emu, &catalogue_caches, book, run)
                        .await
                }
            }
        }
    }
    report.windows(&windows);
    report.line(&catalogues.section());

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
    ) -> Option<Home> {
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
            return None;
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
        // The book and keychain of 20 accounts, for the comparison of catalogues.
        Some(home)
    }
}
