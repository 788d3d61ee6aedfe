//! The benchmark's baseline: a bare Tauri 2 app that opens one window on one static page.
//! It is what `scripts/bench.sh` compares Keystep against, built from this workspace with the
//! same release profile, so every difference in start-up, memory and size is Keystep's own.

fn main() {
    if std::env::args().nth(1).as_deref() == Some("--version") {
        println!("keystep-baseline {}", env!("CARGO_PKG_VERSION"));
        return;
    }
    if let Err(e) = tauri::Builder::default().run(tauri::generate_context!()) {
        eprintln!("keystep-baseline: {e}");
        std::process::exit(1);
    }
}
