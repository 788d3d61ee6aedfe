//! `keystep-window`: the desktop app. People start it as `keystep` (the command-line binary,
//! package keystep-cli), which runs commands itself and `exec`s this binary for the window;
//! so every argument that reaches here is a launcher's or WebDriver's, and none is read.
//!
//! Started without a graphical session (over SSH, on a server), GTK cannot open a display
//! and would abort; this says so in one line and exits 1 instead, as `keystep` does. Before
//! any thread starts it sets how WebKitGTK paints (`painting`).

// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    if !keystep_core::world::graphical_session(|name| std::env::var_os(name)) {
        eprintln!("{}", keystep_core::world::NO_DISPLAY);
        std::process::exit(1);
    }
    #[cfg(target_os = "linux")]
    keystep_app::painting::prefer_cpu_painting();
    keystep_app::run();
}
