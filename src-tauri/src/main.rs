//! The `keystep` binary: the desktop app, `keystep verify` (headless), or `--version`.

// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("--version" | "-V") => println!("keystep {}", env!("CARGO_PKG_VERSION")),
        Some("--help" | "-h") => println!(
            "keystep {}\nConnect HR systems by API key, safely.\n\n\
             Usage:\n  keystep                 open the window\n  \
             keystep verify --help   check a credential from a script, without the window\n  \
             keystep --version",
            env!("CARGO_PKG_VERSION")
        ),
        Some("verify") => std::process::exit(keystep_app::verify_headless(&args[1..])),
        Some(other) if !other.starts_with('-') => {
            eprintln!("keystep: unknown command “{other}”. Try keystep --help.");
            std::process::exit(2);
        }
        // Anything else (WebDriver and desktop launchers may pass their own flags) opens
        // the window.
        _ => keystep_app::run(),
    }
}
