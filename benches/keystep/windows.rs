//! The windows' part of the benchmark: Keystep and the baseline started in turn, each run
//! timed from the process's start to a usable page and weighed (PSS) after 10 s idle, on an
//! empty book, after linking 20 accounts and on a new start on them; and the page's table of
//! those figures with where start-up went and the memory by process.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use keystep_emulator::Emulator;
use serde_json::json;

use super::window::{Home, Memory, Phases, Window, RETRIES};
use super::{fleet, median, spread, spread_with, verdict, Report};

#[derive(Default)]
pub(super) struct Windows {
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
    /// 100 accounts across the fifteen providers: a new start on them, and the weight of
    /// the window that linked them.
    keystep_start100: Vec<f64>,
    keystep_phases100: Vec<Phases>,
    keystep_pss100: Vec<f64>,
    keystep100_by_process: Vec<BTreeMap<String, f64>>,
    link100_ms: Vec<f64>,
    /// The machine's load average (one minute) at the start of each run.
    pub(super) load: Vec<f64>,
}

pub(super) const IDLE: Duration = Duration::from_secs(10);

pub(super) const BASELINE_READY: &str =
    "const b = document.getElementById('ready'); return !!b && b.offsetParent !== null;";

pub(super) const KEYSTEP_READY: &str = "const b = document.getElementById('add-account'); const l = document.getElementById('home-loading'); return !!b && b.offsetParent !== null && !!l && l.hidden;";

pub(super) const KEYSTEP_READY_100: &str = "const l = document.getElementById('home-loading'); return !!l && l.hidden && document.querySelectorAll('#accounts [data-account-id]').length >= 100;";

pub(super) const KEYSTEP_READY_20: &str = "const l = document.getElementById('home-loading'); return !!l && l.hidden && document.querySelectorAll('#accounts [data-account-id]').length >= 20;";

impl Windows {
    pub(super) async fn baseline_run(&mut self, baseline: &Path, cache: &Path, first: bool) {
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

    pub(super) async fn keystep_run(
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

        let (ms, mem) = link_and_weigh(w, fleet, KEYSTEP_READY_20).await;
        self.link20_ms.push(ms);
        self.keystep_pss20.push(mem.pss_mib);
        self.keystep20_by_process.push(mem.by_process);

        // A second start on the same book and keychain: the accounts page with 20 accounts.
        let (ready20, phases, w) = start_on(app, &home, &env, KEYSTEP_READY_20).await;
        self.keystep_start20.push(ready20);
        self.keystep_phases20.push(phases);
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

    /// 100 accounts across the fifteen providers (issue 25): linked in a window started on
    /// an empty book, weighed 10 s after their cards are drawn, then a new start on them,
    /// timed until the 100 cards show. Clears the keychain first, so it runs after the
    /// comparison of catalogues has used the 20 accounts.
    pub(super) async fn hundred_run(
        &mut self,
        app: &Path,
        emu: &Emulator,
        fleet: &fleet::Fleet,
        cache: &Path,
    ) {
        let home = Home::new("keystep100").with_cache(cache);
        let _ = Command::new("secret-tool")
            .args(["clear", "service", "keystep"])
            .status();
        let env = emu.env();
        let w = Window::open(app, &home, &env).await;
        w.until(KEYSTEP_READY).await;
        let (ms, mem) = link_and_weigh(w, fleet, KEYSTEP_READY_100).await;
        self.link100_ms.push(ms);
        self.keystep_pss100.push(mem.pss_mib);
        self.keystep100_by_process.push(mem.by_process);

        let (ready, phases, w) = start_on(app, &home, &env, KEYSTEP_READY_100).await;
        self.keystep_start100.push(ready);
        self.keystep_phases100.push(phases);
        w.close().await;
    }
}

/// Links `fleet` in `w`, draws the cards until `ready`, and weighs the process tree after
/// 10 s idle; closes the window. Returns the linking's milliseconds and the weight.
async fn link_and_weigh(w: Window, fleet: &fleet::Fleet, ready: &str) -> (f64, Memory) {
    let ms = link_all(&w, fleet).await;
    redraw_home(&w, ready).await;
    tokio::time::sleep(IDLE).await;
    let mem = w.memory();
    w.close().await;
    (ms, mem)
}

/// A new start of `app` on `home`, timed from the process's start until `ready`, with where
/// the time went; the window is left open.
async fn start_on(
    app: &Path,
    home: &Home,
    env: &[(String, String)],
    ready: &str,
) -> (f64, Phases, Window) {
    let w = Window::open(app, home, env).await;
    let ms = w.until(ready).await;
    let phases = w.phases(ms).await;
    (ms, phases, w)
}

/// Links every account of `fleet` through the window's own `link_account` (each verified
/// against the emulator and kept in the real keychain); returns the milliseconds it took.
async fn link_all(w: &Window, fleet: &fleet::Fleet) -> f64 {
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
    answer["ms"].as_f64().unwrap_or(f64::NAN)
}

/// Through the UI to the picker and back to the accounts page, so the cards of what was
/// linked are drawn, until `ready`.
async fn redraw_home(w: &Window, ready: &str) {
    w.script("document.getElementById('add-account').click(); return true;")
        .await;
    w.until(
        "const b = document.getElementById('picker-back'); return !!b && b.offsetParent !== null;",
    )
    .await;
    w.script("document.getElementById('picker-back').click(); return true;")
        .await;
    w.until(ready).await;
}

impl Report {
    pub(super) fn windows(&mut self, w: &Windows) {
        self.line("### Start-up and memory (medians; range over the runs in brackets)\n");
        self.line(&format!(
            "The ratio is Keystep's median over the baseline's; beside it in brackets, the range \
             of the {} runs' own ratios (each run starts both apps). Load average (1 min) at the \
             runs' starts: {}.\n",
            w.baseline_start.len(),
            spread_with(&w.load, 2)
        ));
        self.line("| | Keystep | baseline | ratio | target |");
        self.line("|---|---:|---:|---:|---|");
        for row in rows(w) {
            let ratio = median(&row.keystep) / median(&row.baseline);
            let (value, unit) = (median(&row.keystep), row.unit);
            let baseline = if row.baseline_spread {
                format!(
                    "{:.0} {unit} ({})",
                    median(&row.baseline),
                    spread(&row.baseline)
                )
            } else {
                format!("{:.0} {unit}", median(&row.baseline))
            };
            let target = match row.target {
                Some(t) => format!("≤ {t}×: {}", verdict(ratio <= t)),
                None => "(reported)".to_string(),
            };
            self.line(&format!(
                "| {} | {value:.0} {unit} ({}) | {baseline} | {ratio:.2}× ({}) | {target} |",
                row.what,
                spread(&row.keystep),
                spread_with(&pair_ratios(&row.keystep, &row.baseline), 2),
            ));
        }
        self.line(&format!(
            "| the first view, first launch ever (empty caches; one run) | {:.0} ms | {:.0} ms | {:.2}× | (reported) |",
            w.keystep_first,
            w.baseline_first,
            w.keystep_first / w.baseline_first
        ));
        self.line(&format!(
            "| RSS of the process tree after 10 s idle | {:.0} MiB | {:.0} MiB | {:.2}× | (PSS counts shared pages once) |",
            median(&w.keystep_rss),
            median(&w.baseline_rss),
            median(&w.keystep_rss) / median(&w.baseline_rss)
        ));
        self.line(&format!(
            "| processes in the tree | {} | {} | | |",
            w.keystep_procs, w.baseline_procs
        ));
        self.agreement(w);
        self.phases(w);
        self.by_process(w);
        self.line(&format!(
            "\nWebDriver sessions that failed to start and were retried: {}.",
            RETRIES.load(std::sync::atomic::Ordering::Relaxed)
        ));
        self.line(&format!(
            "\nLinking the 20 accounts through `link_account` (emulator, no latency, real keychain) took {:.0} ms in the median run; the 100, {:.0} ms (each provider's documented pace holds them).\n",
            median(&w.link20_ms),
            median(&w.link100_ms)
        ));
    }

    fn phases(&mut self, w: &Windows) {
        let field =
            |v: &[Phases], f: fn(&Phases) -> f64| median(&v.iter().map(f).collect::<Vec<_>>());
        self.line("\n#### Where start-up goes (medians, ms from the process's start)\n");
        self.line(
            "The page's own Navigation and Paint Timing and Keystep's `keystep:drawn` mark, read once it was usable and put on the process's clock over a round trip (retried until under 10 ms). \"Usable\" is when a WebDriver script first found the view in place: it waits for the driver's session, which the baseline's page beat by 40–70 ms, so the painted rows above are what a person sees.\n",
        );
        self.line(
            "| | Keystep | baseline | difference | Keystep, 20 accounts | Keystep, 100 accounts |",
        );
        self.line("|---|---:|---:|---:|---:|---:|");
        type Row = (&'static str, fn(&Phases) -> f64);
        let rows: [Row; 5] = [
            ("the page starts loading (native start-up)", |p| {
                p.page_starts
            }),
            ("its scripts have run (`DOMContentLoaded`)", |p| {
                p.scripts_ran
            }),
            ("the first view is in the page (`keystep:drawn`)", |p| {
                p.drawn
            }),
            ("first paint (`first-contentful-paint`)", |p| p.first_paint),
            ("usable", |p| p.usable),
        ];
        let ms = |v: f64| {
            if v.is_nan() {
                "–".to_string()
            } else {
                format!("{v:.0}")
            }
        };
        for (what, f) in rows {
            let (k, b) = (field(&w.keystep_phases, f), field(&w.baseline_phases, f));
            let k20 = field(&w.keystep_phases20, f);
            let k100 = field(&w.keystep_phases100, f);
            let difference = if b.is_nan() {
                "–".to_string()
            } else {
                format!("{:+.0}", k - b)
            };
            self.line(&format!(
                "| {what} | {} | {} | {difference} | {} | {} |",
                ms(k),
                ms(b),
                ms(k20),
                ms(k100)
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
            .chain(&w.keystep100_by_process)
            .flat_map(|m| m.keys().cloned())
            .collect();
        names.sort();
        names.dedup();
        self.line("\n#### Memory by process (PSS, medians, MiB)\n");
        self.line("| process | Keystep idle | Keystep after 20 links | Keystep, new start on 20 | Keystep after 100 links | baseline idle |");
        self.line("|---|---:|---:|---:|---:|---:|");
        for name in names {
            self.line(&format!(
                "| {name} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} |",
                median_of(&w.keystep_by_process, &name),
                median_of(&w.keystep20_by_process, &name),
                median_of(&w.keystep20_restart_by_process, &name),
                median_of(&w.keystep100_by_process, &name),
                median_of(&w.baseline_by_process, &name),
            ));
        }
    }
}

/// One row of the start-up and memory table: Keystep's figures beside the baseline's, run by
/// run, and the target for their ratio.
struct Row<'a> {
    what: &'static str,
    keystep: Cow<'a, [f64]>,
    baseline: Cow<'a, [f64]>,
    unit: &'static str,
    /// Whether the baseline's range is shown (once per figure it is compared on).
    baseline_spread: bool,
    target: Option<f64>,
}

fn row<'a>(
    what: &'static str,
    keystep: impl Into<Cow<'a, [f64]>>,
    baseline: impl Into<Cow<'a, [f64]>>,
    unit: &'static str,
    baseline_spread: bool,
    target: Option<f64>,
) -> Row<'a> {
    Row {
        what,
        keystep: keystep.into(),
        baseline: baseline.into(),
        unit,
        baseline_spread,
        target,
    }
}

/// One figure of each run's phases, run by run.
fn per_run(phases: &[Phases], figure: fn(&Phases) -> f64) -> Vec<f64> {
    phases.iter().map(figure).collect()
}

/// The table's rows; the targets are issue 25's.
fn rows(w: &Windows) -> Vec<Row<'_>> {
    let (start, pss) = (&w.baseline_start[..], &w.baseline_pss[..]);
    // Start to the first paint with content: what the person sees, without the WebDriver
    // session's own start, which the "usable" figures wait for (the baseline painted 40–70 ms
    // before its first script could run). Keystep's is NaN in a run where something was
    // painted before its first view was in the page.
    let paint = per_run(&w.baseline_phases, |p| p.first_paint);
    vec![
        row(
            "start → first view painted, no accounts",
            per_run(&w.keystep_phases, Phases::first_view_painted),
            paint.clone(),
            "ms",
            true,
            Some(1.1),
        ),
        row(
            "start → accounts page painted, 20 accounts",
            per_run(&w.keystep_phases20, Phases::first_view_painted),
            paint.clone(),
            "ms",
            false,
            Some(1.1),
        ),
        row(
            "start → accounts page painted, 100 accounts (fifteen providers)",
            per_run(&w.keystep_phases100, Phases::first_view_painted),
            paint,
            "ms",
            false,
            Some(1.15),
        ),
        row(
            "start → first view usable to WebDriver, no accounts",
            &w.keystep_start[..],
            start,
            "ms",
            true,
            Some(1.1),
        ),
        row(
            "start → accounts page usable to WebDriver, 20 accounts",
            &w.keystep_start20[..],
            start,
            "ms",
            false,
            Some(1.1),
        ),
        row(
            "start → accounts page usable to WebDriver, 100 accounts",
            &w.keystep_start100[..],
            start,
            "ms",
            false,
            Some(1.15),
        ),
        row(
            "PSS of the process tree after 10 s idle",
            &w.keystep_pss[..],
            pss,
            "MiB",
            true,
            Some(1.1),
        ),
        row(
            "PSS after linking 20 accounts (+10 s)",
            &w.keystep_pss20[..],
            pss,
            "MiB",
            false,
            Some(1.2),
        ),
        row(
            "the same 20 accounts on a new start (+10 s)",
            &w.keystep_pss20_restart[..],
            pss,
            "MiB",
            false,
            None,
        ),
        row(
            "PSS after linking 100 accounts (+10 s)",
            &w.keystep_pss100[..],
            pss,
            "MiB",
            false,
            Some(1.2),
        ),
    ]
}

/// Keystep's figure over the baseline's, run by run (both started in the same run).
fn pair_ratios(keystep: &[f64], baseline: &[f64]) -> Vec<f64> {
    keystep.iter().zip(baseline).map(|(k, b)| k / b).collect()
}

/// How far two runs' ratios may differ and still be said to agree (issue 25).
const AGREE: f64 = 0.05;

/// Whether two ratios agree within [`AGREE`]; a missing one (NaN) agrees with nothing.
fn agree(a: f64, b: f64) -> bool {
    (a - b).abs() <= AGREE
}

impl Report {
    /// Whether the figures reproduce: the runs split in two halves (odd and even), each
    /// half's ratio of medians; and this whole run against the previous one of the same
    /// commit, kept in KEYSTEP_BENCH_HISTORY. Says plainly where they do not agree.
    fn agreement(&mut self, w: &Windows) {
        let halves = |v: &[f64], odd: bool| -> Vec<f64> {
            v.iter()
                .enumerate()
                .filter(|(i, _)| (i % 2 == 1) == odd)
                .map(|(_, x)| *x)
                .collect()
        };
        let mut now = serde_json::Map::new();
        let mut split = Vec::new();
        for row in rows(w).into_iter().filter(|r| r.target.is_some()) {
            let ratio = median(&row.keystep) / median(&row.baseline);
            now.insert(row.what.to_string(), serde_json::json!(ratio));
            let (a, b) = (
                median(&halves(&row.keystep, false)) / median(&halves(&row.baseline, false)),
                median(&halves(&row.keystep, true)) / median(&halves(&row.baseline, true)),
            );
            split.push((row.what, a, b));
        }
        let disagree: Vec<String> = split
            .iter()
            .filter(|(_, a, b)| !agree(*a, *b))
            .map(|(what, a, b)| format!("{what} ({a:.2}× against {b:.2}×)"))
            .collect();
        self.line(if w.baseline_start.len() < 4 {
            "\nToo few runs to take the odd and the even apart (4 or more are needed).".to_string()
        } else if disagree.is_empty() {
            "\n**Reproducible within this run**: the odd and the even runs, taken apart, give every ratio within 0.05 of each other.".to_string()
        } else {
            format!("\n**Not reproducible within 0.05 in this run**: the odd and the even runs, taken apart, differ on {}.", disagree.join("; "))
        }
        .as_str());
        let Some(path) = std::env::var_os("KEYSTEP_BENCH_HISTORY").map(std::path::PathBuf::from)
        else {
            return;
        };
        let commit = Command::new("git")
            .args(["rev-parse", "--short", "HEAD"])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_default();
        let load = spread_with(&w.load, 2);
        let previous: Option<serde_json::Value> = std::fs::read_to_string(&path)
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok());
        match previous {
            Some(p) if p["commit"] == serde_json::json!(commit) && !commit.is_empty() => {
                let mut far = Vec::new();
                for (what, ratio) in &now {
                    let (Some(this), Some(then)) = (ratio.as_f64(), p["ratios"][what].as_f64())
                    else {
                        continue;
                    };
                    if !agree(this, then) {
                        far.push(format!("{what} ({this:.2}× now, {then:.2}× then)"));
                    }
                }
                self.line(&if far.is_empty() {
                    format!("Against the previous run of the same commit ({}, load {}): every ratio within 0.05.", p["date"].as_str().unwrap_or("?"), p["load"].as_str().unwrap_or("?"))
                } else {
                    format!("Against the previous run of the same commit ({}, load {}): **not within 0.05** on {}.", p["date"].as_str().unwrap_or("?"), p["load"].as_str().unwrap_or("?"), far.join("; "))
                });
            }
            _ => {
                self.line("No earlier run of this commit to compare with (KEYSTEP_BENCH_HISTORY).")
            }
        }
        let record = serde_json::json!({"commit": commit, "date": super::utc_now(), "load": load, "ratios": now});
        let _ = std::fs::write(&path, record.to_string());
    }
}
