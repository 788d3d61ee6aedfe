//! Fifteen providers against five (issue 22): the shipped window beside one built with only
//! the first five provider files embedded (`KEYSTEP_EMBED_PROVIDERS`, built by
//! `scripts/bench.sh` into a folder of its own with a copy of the command line). Both start
//! on an empty book and on the same book of 20 accounts (all at the first five providers, so
//! both can show them), in pairs whose order alternates from run to run, so neither always
//! starts on a machine the other has just warmed.

use std::path::Path;

use keystep_emulator::Emulator;

use super::window::{Home, Window};
use super::windows::{KEYSTEP_READY, KEYSTEP_READY_20};
use super::{median, spread, verdict};

/// "No slower", on a shared machine's timings: the ratio of the medians may exceed 1 by this
/// much before the page calls the target missed. Said on the page beside the figure.
const NOISE: f64 = 0.05;

#[derive(Default)]
pub(super) struct Catalogues {
    fifteen: Vec<f64>,
    five: Vec<f64>,
    fifteen20: Vec<f64>,
    five20: Vec<f64>,
}

impl Catalogues {
    /// A first launch of each on empty caches, not counted (the other windows' run 0).
    pub(super) async fn warm(apps: [&Path; 2], emu: &Emulator, caches: &Path) {
        for (i, app) in apps.into_iter().enumerate() {
            let home = Home::new("catalogue").with_cache(&caches.join(i.to_string()));
            start(app, &home, emu, KEYSTEP_READY).await;
        }
    }

    /// One pair of starts on an empty book, and one on `book` (20 accounts linked).
    pub(super) async fn run(
        &mut self,
        apps: [&Path; 2],
        emu: &Emulator,
        caches: &Path,
        book: &Home,
        run: usize,
    ) {
        // Alternate which of the two goes first.
        let order = if run.is_multiple_of(2) {
            [0, 1]
        } else {
            [1, 0]
        };
        for i in order {
            let home = Home::new("catalogue").with_cache(&caches.join(i.to_string()));
            let ready = start(apps[i], &home, emu, KEYSTEP_READY).await;
            [&mut self.fifteen, &mut self.five][i].push(ready);
        }
        for i in order {
            let ready = start(apps[i], book, emu, KEYSTEP_READY_20).await;
            [&mut self.fifteen20, &mut self.five20][i].push(ready);
        }
    }

    /// The page's section, or a line saying it was not measured.
    pub(super) fn section(&self) -> String {
        let mut s = String::from("### Fifteen providers against five (issue 22)\n\n");
        if self.fifteen.is_empty() {
            s.push_str(
                "**Not measured in this run** (no five-provider window: \
                 KEYSTEP_BENCH_WINDOW_FIVE was not set).\n",
            );
            return s;
        }
        s.push_str(&format!(
            "The shipped window against the same code built with only the first five provider \
             files, {} pairs in alternating order, each from the process's start (medians; \
             range in brackets). \"No slower\" allows the run's noise: a ratio up to {:.2}.\n\n",
            self.fifteen.len(),
            1.0 + NOISE
        ));
        s.push_str("| | fifteen providers | five providers | ratio | target |\n");
        s.push_str("|---|---:|---:|---:|---|\n");
        let rows = [
            ("start → first view, no accounts", &self.fifteen, &self.five),
            (
                "start → accounts page with 20 accounts",
                &self.fifteen20,
                &self.five20,
            ),
        ];
        for (what, fifteen, five) in rows {
            let ratio = median(fifteen) / median(five);
            s.push_str(&format!(
                "| {what} | {:.0} ms ({}) | {:.0} ms ({}) | {ratio:.2}× | no slower: {} |\n",
                median(fifteen),
                spread(fifteen),
                median(five),
                spread(five),
                verdict(ratio <= 1.0 + NOISE)
            ));
        }
        s
    }
}

/// Milliseconds from `app`'s start until `ready` holds, the window then closed.
async fn start(app: &Path, home: &Home, emu: &Emulator, ready: &str) -> f64 {
    let w = Window::open(app, home, &emu.env()).await;
    let ms = w.until(ready).await;
    w.close().await;
    ms
}
