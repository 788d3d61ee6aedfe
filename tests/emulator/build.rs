//! Lists Keystep's provider files (`src-tauri/core/src/providers/*.toml`) for the emulator,
//! which reads each file's hosts (what `Emulator::env` points at it) and permissions, so a
//! new provider's file is all the emulator needs to serve its addresses.

use std::path::Path;

fn main() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let dir = Path::new(&manifest).join("../../src-tauri/core/src/providers");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut ids: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            let stem = path.file_stem()?.to_str()?.to_string();
            (path.extension()? == "toml").then_some(stem)
        })
        .collect();
    ids.sort();
    let mut out = String::from(
        "/// Keystep's provider files, by id (written by `build.rs`).\n\
         pub(crate) const FILES: &[(&str, &str)] = &[\n",
    );
    for id in &ids {
        let file = dir.join(format!("{id}.toml"));
        out.push_str(&format!(
            "    ({id:?}, include_str!({:?})),\n",
            file.display().to_string()
        ));
    }
    out.push_str("];\n");
    let target =
        Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("provider_files.rs");
    std::fs::write(&target, out).unwrap_or_else(|e| panic!("{}: {e}", target.display()));
}
