//! Runs tauri-build against the root `tauri.conf.json` and declares the app's commands so
//! Tauri's ACL applies to them (undeclared app commands would bypass it); then bundles the
//! first page (`build/bundle.rs`) and points the window's assets at the bundled copy.

include!("src/command_names.rs");

#[path = "build/bundle.rs"]
mod bundle;

use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=capabilities");
    println!("cargo:rerun-if-changed=src/command_names.rs");
    println!("cargo:rerun-if-changed=build/bundle.rs");
    println!("cargo:rerun-if-changed=../ui");
    println!("cargo:rerun-if-changed=../scripts/esbuild/package.json");
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .config_path("../tauri.conf.json")
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri-build failed: check tauri.conf.json and src-tauri/capabilities");

    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let root = Path::new(&manifest).join("..");
    let out = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("ui");
    if let Err(e) = bundle::first_page(&root.join("ui"), &root.join("scripts"), &out) {
        panic!("bundling the window's first page: {e}");
    }
    // generate_context! reads TAURI_CONFIG over tauri.conf.json (the Tauri CLI passes its
    // --config that way too, so that is kept): the window's assets are the bundled copy.
    let mut config: serde_json::Value = std::env::var("TAURI_CONFIG")
        .ok()
        .and_then(|c| serde_json::from_str(&c).ok())
        .unwrap_or_else(|| serde_json::json!({}));
    config["build"]["frontendDist"] = serde_json::Value::String(out.display().to_string());
    println!("cargo:rustc-env=TAURI_CONFIG={config}");
}
