//! `keystep-window`: the desktop app. People start it as `keystep` (the command-line binary,
//! package keystep-cli), which runs commands itself and `exec`s this binary for the window;
//! so every argument that reaches here is a launcher's or WebDriver's, and none is read.

// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    keystep_app::run();
}
