//! Embeds every provider file: each `src/providers/<id>.toml` becomes an entry of the
//! `EMBEDDED` list the catalogue loads, in file-name order, so adding a provider is adding
//! its file (and the catalogue's tests then hold it to every rule).
//!
//! `KEYSTEP_EMBED_PROVIDERS` (comma-separated ids) embeds only those: `scripts/bench.sh`
//! builds a second window with the first five providers, to show that the window starts as
//! fast with fifteen. Nothing else sets it; an unknown id stops the build.

use std::path::Path;

fn main() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let dir = Path::new(&manifest).join("src/providers");
    // A directory: cargo looks at every file in it, so a new file is noticed.
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
    println!("cargo:rerun-if-env-changed=KEYSTEP_EMBED_PROVIDERS");
    if let Some(only) = std::env::var("KEYSTEP_EMBED_PROVIDERS")
        .ok()
        .filter(|v| !v.trim().is_empty())
    {
        let only: Vec<&str> = only.split(',').map(str::trim).collect();
        if let Some(unknown) = only.iter().find(|id| !ids.iter().any(|i| i == *id)) {
            panic!(
                "KEYSTEP_EMBED_PROVIDERS names {unknown:?}, which has no file in {}",
                dir.display()
            );
        }
        ids.retain(|id| only.contains(&id.as_str()));
    }
    let mut out = String::from(
        "/// The provider files shipped in the binary, by file name (written by `build.rs`).\n\
         const EMBEDDED: &[(&str, &str)] = &[\n",
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
        Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("providers.rs");
    std::fs::write(&target, out).unwrap_or_else(|e| panic!("{}: {e}", target.display()));
}
