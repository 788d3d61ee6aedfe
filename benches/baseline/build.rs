//! Compiles the baseline's Tauri config (./tauri.conf.json) into the binary.

fn main() {
    tauri_build::build();
}
