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

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use keystep_emulator::Emulator;

#[path = "../../tests/common/procs.rs"]
mod procs;
mod catalogue;
mod fleet;
mod fleet15;
mod list;
mod verify;
mod window;
mod windows;

use window::Home;
use windows::Windows;

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
    assert!(
        std::env::var_os("DISPLAY").is_some(),
        "run the benchmark through scripts/bench.sh (it needs Xvfb, D-Bus and a keyring)"
    );
    let started = Instant::now();
    let mut report = Report::default();
    // KEYSTEP_BENCH_WINDOWS_ONLY=1: only the windows' start-up and memory against the
    // baseline (no five-provider window, sizes, verification or listing), printed, the page
    // left alone: to weigh one change to the window in minutes rather than a full run.
    let windows_only = env_num("KEYSTEP_BENCH_WINDOWS_ONLY", 0) == 1;
    // Asked for at once (a full run would otherwise fail only at its end).
    let out = (!windows_only).then(|| env_path("KEYSTEP_BENCH_OUT"));

    if !windows_only {
        eprintln!("bench: sizes");
        // The window binary is what compares with the bare Tauri app; `keystep` (the command
        // line, which execs it) gets a line of its own.
        let window = env_path("KEYSTEP_BENCH_WINDOW");
        report.sizes(&window, &baseline, &app);
    }

    eprintln!("bench: windows, {runs} runs each");
    let emu = Emulator::start();
    let fleet = fleet::Fleet::seed(&emu, 20, 2);
    // Issue 25's hundred, across all fifteen providers (the 20 stay at the first five, which
    // the five-provider window can show too).
    let fleet100 = fleet::Fleet::seed_all(&emu, 100);
    let mut windows = Windows::default();
    // Each app keeps one cache folder (XDG_CACHE_HOME: Mesa's shader cache, fontconfig's,
    // WebKit's) across its runs, as on a person's machine; data and settings start empty
    // each run. Run 0 is the first launch ever, on empty caches, reported on its own.
    let caches = Home::new("caches");
    // The window with five providers, beside its own copy of the command line (bench.sh).
    let five = std::env::var_os("KEYSTEP_BENCH_APP_FIVE")
        .filter(|_| !windows_only)
        .map(PathBuf::from);
    let mut catalogues = catalogue::Catalogues::default();
    let catalogue_caches = caches.root.join("catalogues");
    for run in 0..=runs {
        eprintln!("bench: run {run}/{runs}");
        let first = run == 0;
        if !first {
            windows.load.push(load_average());
        }
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
        if !first {
            windows
                .hundred_run(&app, &emu, &fleet100, &caches.root.join("keystep"))
                .await;
        }
    }
    report.windows(&windows);
    let Some(out) = out else {
        print!("{}", report.text);
        return;
    };
    report.line(&catalogues.section());

    eprintln!("bench: verification with {latency:?} per request");
    report.line(&verify::section(&app, latency, runs.max(7)));

    eprintln!("bench: keystep list against secret-tool search");
    emu.latency(Duration::ZERO);
    let section = list::compare(&app, &emu, runs.max(20));
    report.line(&section);

    // The page as it was: the sections of the parts this run skipped are kept from it.
    let page = std::fs::read_to_string(&out).unwrap_or_default();
    // Only its generated part: the notes above it name these sections too.
    let page = page
        .split_once(RESULTS_BEGIN)
        .map_or(String::new(), |(_, generated)| generated.to_string());
    report.proxy_section(&page);
    report.mcp_section(&page);
    report.fleet_check(&page);

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

/// "lo–hi" in whole units.
fn spread(values: &[f64]) -> String {
    spread_with(values, 0)
}

/// "lo–hi" with `digits` decimals; "—" when there is nothing to span.
fn spread_with(values: &[f64], digits: usize) -> String {
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !lo.is_finite() {
        return "—".into();
    }
    format!("{lo:.digits$}–{hi:.digits$}")
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

    /// The section `src-tauri/cli/benches/proxy/main.rs` wrote (bench.sh runs it first).
    fn proxy_section(&mut self, page: &str) {
        self.part(
            page,
            Part {
                out: "KEYSTEP_BENCH_PROXY_OUT",
                skip: "KEYSTEP_BENCH_PROXY",
                heading: "keystep run's proxy",
                next: "keystep mcp under the Python MCP client",
                source: "src-tauri/cli/benches/proxy/main.rs",
            },
        );
    }

    /// The section `benches/mcp` wrote (bench.sh runs it first).
    fn mcp_section(&mut self, page: &str) {
        self.part(
            page,
            Part {
                out: "KEYSTEP_BENCH_MCP_OUT",
                skip: "KEYSTEP_BENCH_MCP",
                heading: "keystep mcp under the Python MCP client",
                next: "Verification in-process, and checking 100 accounts",
                source: "benches/mcp",
            },
        );
    }

    /// The section `src-tauri/core/benches/fleet.rs` wrote (bench.sh runs it first).
    fn fleet_check(&mut self, page: &str) {
        self.part(
            page,
            Part {
                out: "KEYSTEP_BENCH_FLEET_OUT",
                skip: "KEYSTEP_BENCH_FLEET",
                heading: "Verification in-process, and checking 100 accounts",
                next: RESULTS_END,
                source: "src-tauri/core/benches/fleet.rs",
            },
        );
    }

    /// The section a part of bench.sh wrote before this program ran. A part that was skipped
    /// keeps the section `page` (the results as they were) holds from an earlier run, marked
    /// as such, so skipping the long parts for a quick run loses none of their figures; with
    /// none there, the page says it was not measured.
    fn part(&mut self, page: &str, part: Part) {
        if let Some(section) =
            std::env::var_os(part.out).and_then(|p| std::fs::read_to_string(p).ok())
        {
            self.line(&section);
            return;
        }
        let kept = page.find(part.heading).and_then(|at| {
            let start = page[..at].rfind('\n').map_or(0, |i| i + 1);
            let end = page[at..].find(part.next).map(|e| at + e)?;
            let end = page[..end].rfind('\n').map_or(end, |i| i + 1);
            let old = &page[start..end];
            (!old.contains(NOT_MEASURED)).then(|| old.to_string())
        });
        match kept {
            Some(old) => {
                let (heading, body) = old.split_once('\n').unwrap_or((&old, ""));
                let body: String = body
                    .lines()
                    .filter(|l| !l.starts_with(KEPT))
                    .map(|l| format!("{l}\n"))
                    .collect();
                self.line(&format!(
                    "{heading}\n\n{KEPT} ({}=0): the figures below are from an earlier run.*\n{}",
                    part.skip,
                    body.trim_end()
                ));
                self.line("");
            }
            None => self.line(&format!(
                "### {}\n\n{NOT_MEASURED} (no output from {}).\n",
                part.heading, part.source
            )),
        }
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

/// The one-minute load average now.
fn load_average() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().and_then(|v| v.parse().ok()))
        .unwrap_or(f64::NAN)
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
    let date = utc_now();
    format!("{date}, {cores} cores ({cpu}), load average at the start {load}, WebKitGTK {webkit}, Xvfb with software rendering")
}

/// Now, to the minute, as the page writes dates.
fn utc_now() -> String {
    Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

/// A part of bench.sh, its section, and where the page finds it.
struct Part {
    /// The variable naming the file the part wrote its section to.
    out: &'static str,
    /// The variable that skips the part.
    skip: &'static str,
    heading: &'static str,
    /// The heading (or marker) after the section in the page.
    next: &'static str,
    source: &'static str,
}

const NOT_MEASURED: &str = "**Not measured in this run**";
const KEPT: &str = "*Not re-run this time";
const RESULTS_BEGIN: &str = "<!-- results:begin (written by scripts/bench.sh) -->";
const RESULTS_END: &str = "<!-- results:end -->";

/// Replaces what lies between the results markers of `path` (creating the file if needed).
fn write_results(path: &Path, results: &str) {
    let old = std::fs::read_to_string(path).unwrap_or_default();
    let block = format!("{RESULTS_BEGIN}\n{results}{RESULTS_END}");
    let new = match (old.find(RESULTS_BEGIN), old.find(RESULTS_END)) {
        (Some(b), Some(e)) if b < e => {
            format!("{}{block}{}", &old[..b], &old[e + RESULTS_END.len()..])
        }
        _ => format!("{old}\n## Results\n\n{block}\n"),
    };
    std::fs::write(path, new).expect("write the benchmark results");
}
