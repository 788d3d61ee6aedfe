//! The window's first page as one script and one stylesheet. Served one file at a time
//! through the webview's custom protocol, the first page's 17 modules and 4 stylesheets cost
//! the window ~110 ms before its scripts ran (docs/benchmarks.md, issue 25). So the build
//! writes a copy of `ui/` under `OUT_DIR` in which `app.js` is every module bundled by the
//! pinned esbuild (`scripts/esbuild.sh`; the other views are in it too, so nothing is
//! fetched later either), the first page's stylesheets are one `first.css`, and `index.html`
//! names those two between its first-page markers. The window serves that copy; `ui/` stays
//! the source people read and the UI checks load. Each view's own stylesheet is still linked
//! when the view is first shown.
//!
//! The bundle is a classic deferred script, not a module: WebKitGTK began running the same
//! code as a module 20–40 ms later after the page was parsed (docs/benchmarks.md). A classic
//! script has no `import.meta`, so the bundle defines `import.meta.url` as the URL of a
//! module in `ui/lib/` (the bundle sits at the served root, `lib/` beside it), and the build
//! refuses a module elsewhere that reads it.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const BEGIN: &str = "<!-- first-page:begin -->";
const END: &str = "<!-- first-page:end -->";

/// Writes the bundled copy of `ui` (the source folder) into `out`, running esbuild from
/// `scripts` (the repository's scripts folder).
pub fn first_page(ui: &Path, scripts: &Path, out: &Path) -> Result<(), String> {
    let _ = fs::remove_dir_all(out);
    copy_except_scripts(ui, out)?;
    fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let index = read(&ui.join("index.html"))?;
    let (head, rest) = index
        .split_once(BEGIN)
        .ok_or_else(|| format!("ui/index.html has no {BEGIN} marker"))?;
    let (block, tail) = rest
        .split_once(END)
        .ok_or_else(|| format!("ui/index.html has no {END} marker"))?;
    let mut css = String::new();
    for href in attribute_values(block, "<link rel=\"stylesheet\" href=\"") {
        let text = read(&ui.join(&href))?;
        // One sheet after another is the same cascade as the links in that order, unless a
        // sheet imports another (which would then come mid-file, where CSS ignores it).
        if text.contains("@import") || text.contains("@charset") {
            return Err(format!(
                "ui/{href} has an @import or @charset, which a bundle would drop"
            ));
        }
        css.push_str(&format!("/* ui/{href} */\n{text}\n"));
    }
    let scripts_named = attribute_values(block, "<script type=\"module\" src=\"");
    if scripts_named != ["app.js"] {
        return Err(format!(
            "ui/index.html's first page should load app.js alone, not {scripts_named:?}"
        ));
    }
    let readers = modules_reading_their_url(ui, ui)?;
    if let Some(stray) = readers.iter().find(|m| !m.starts_with("lib/")) {
        return Err(format!(
            "ui/{stray} reads import.meta.url, which the bundle defines for ui/lib/ only"
        ));
    }
    write(&out.join("first.css"), &css)?;
    write(
        &out.join("index.html"),
        &format!(
            "{head}<link rel=\"stylesheet\" href=\"first.css\">\n  \
             <script defer src=\"app.js\"></script>{tail}"
        ),
    )?;
    let status = Command::new("bash")
        .arg(scripts.join("esbuild.sh"))
        .arg(ui.join("app.js"))
        .args([
            "--bundle",
            "--format=iife",
            // Read once, as the script starts: `document.currentScript` is gone afterwards.
            "--banner:js=var __keystep_lib_url=new URL(\"lib/\",document.currentScript.src).href;",
            "--define:import.meta.url=__keystep_lib_url",
            // Any other use of import.meta would be left empty in a classic script.
            "--log-override:empty-import-meta=error",
            "--charset=utf8",
            "--legal-comments=none",
            // Whitespace and syntax only: names are kept, so an error in the window's log
            // still names the function it came from.
            "--minify-whitespace",
            "--minify-syntax",
            "--log-level=warning",
        ])
        .arg(format!("--outfile={}", out.join("app.js").display()))
        .status()
        .map_err(|e| format!("bash scripts/esbuild.sh could not start: {e}"))?;
    if !status.success() {
        return Err(format!("esbuild failed ({status}): see its message above"));
    }
    Ok(())
}

/// The values of every attribute that follows `prefix` up to its closing quote.
fn attribute_values(block: &str, prefix: &str) -> Vec<String> {
    block
        .split(prefix)
        .skip(1)
        .filter_map(|s| s.split_once('"').map(|(v, _)| v.to_string()))
        .collect()
}

/// Copies `from` into `to`, every file but the modules (the bundle replaces them); a folder
/// that holds only modules is not made.
fn copy_except_scripts(from: &Path, to: &Path) -> Result<(), String> {
    let entries = fs::read_dir(from).map_err(|e| format!("{}: {e}", from.display()))?;
    for entry in entries {
        let path: PathBuf = entry
            .map_err(|e| format!("{}: {e}", from.display()))?
            .path();
        let target = to.join(path.file_name().unwrap_or_default());
        if path.is_dir() {
            copy_except_scripts(&path, &target)?;
        } else if path.extension().is_none_or(|e| e != "js") {
            fs::create_dir_all(to).map_err(|e| format!("{}: {e}", to.display()))?;
            fs::copy(&path, &target).map_err(|e| format!("{}: {e}", path.display()))?;
        }
    }
    Ok(())
}

/// The modules under `dir` (paths relative to `root`, `/`-separated) that read
/// `import.meta`.
fn modules_reading_their_url(root: &Path, dir: &Path) -> Result<Vec<String>, String> {
    let mut found = Vec::new();
    let entries = fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| format!("{}: {e}", dir.display()))?.path();
        if path.is_dir() {
            found.extend(modules_reading_their_url(root, &path)?);
        } else if path.extension().is_some_and(|e| e == "js")
            && read(&path)?.contains("import.meta")
        {
            let relative = path.strip_prefix(root).unwrap_or(&path);
            found.push(relative.to_string_lossy().replace('\\', "/"));
        }
    }
    Ok(found)
}

fn read(path: &Path) -> Result<String, String> {
    fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}
