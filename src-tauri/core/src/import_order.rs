//! The one-way rule, held by a test rather than by anyone watching: a module imports only
//! modules its parent lists before it (`lib.rs` for the crate's modules, `account.rs` for
//! `account/`'s), so the list reads as the dependency order and no circle can come back.
//!
//! The sources are read as text. A reference is a path through `crate::` (in a `use` or
//! inline, `{…}` groups included) or, from a module's own file, through `super::`; comments
//! are skipped, so a doc link may point anywhere. A name the parent brings in from a child
//! (`pub use x::Y;`, `use x::{Y, Z as W};`) is followed: `super::Y` is a reference to `x`, so
//! a child cannot climb back up the order through its parent's names.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The modules `source` declares (`mod x;`, `pub mod x;`), in order; a module declared
/// only for tests (after `#[cfg(test)]`) is not part of the order.
fn declared(source: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut test_only = false;
    for line in source.lines().map(str::trim) {
        if line.is_empty() {
            continue;
        }
        let name = ["pub mod ", "pub(crate) mod ", "mod "]
            .iter()
            .find_map(|p| line.strip_prefix(p))
            .and_then(|rest| rest.strip_suffix(';'));
        if let (Some(name), false) = (name, test_only) {
            out.push(name.to_string());
        }
        test_only = line == "#[cfg(test)]";
    }
    out
}

/// `source` without comments: what follows `//` on a line is dropped.
fn code(source: &str) -> String {
    source
        .lines()
        .map(|l| l.find("//").map_or(l, |at| &l[..at]))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The first segment of every path in `code` that starts with `prefix` (`crate::a::b` and
/// `crate::{a, b::c}` give `a` and `b`).
fn referenced(code: &str, prefix: &str) -> Vec<String> {
    let ident = |s: &str| -> String {
        s.trim_start()
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let mut out = Vec::new();
    for (at, _) in code.match_indices(prefix) {
        // `keystep_crate::` is not `crate::`: the prefix must start a path.
        let before = code[..at].chars().next_back();
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':') {
            continue;
        }
        let rest = &code[at + prefix.len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 1;
            let mut start = 0;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 1 => {
                        out.push(ident(&group[start..i]));
                        start = i + 1;
                    }
                    _ => {}
                }
                if depth == 0 {
                    out.push(ident(&group[start..i]));
                    break;
                }
            }
        } else {
            out.push(ident(rest));
        }
    }
    out.retain(|s| !s.is_empty());
    out
}

/// The names `source` brings in with `use` (`pub use x::Y;`, `use x::{Y, Z as W}`), each with
/// the module it comes from: `Y` → `x`, `W` → `x`. A child can name them all as `super::Y`,
/// the private ones included.
fn reexports(source: &str) -> BTreeMap<String, String> {
    let ident = |s: &str| -> String {
        s.trim_start()
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    // The name an item of a `use` is known by: its alias, else its last segment.
    let known_as = |item: &str| -> String {
        let item = item.trim();
        match item.rsplit_once(" as ") {
            Some((_, alias)) => ident(alias),
            None => ident(item.rsplit("::").next().unwrap_or(item)),
        }
    };
    let mut out = BTreeMap::new();
    for (at, _) in source.match_indices("use ") {
        let before = source[..at].chars().next_back();
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        let rest = &source[at + "use ".len()..];
        let module = ident(rest);
        let Some(after) = rest[module.len()..].strip_prefix("::") else {
            continue;
        };
        let end = after.find(';').unwrap_or(after.len());
        let items = &after[..end];
        let items = items
            .strip_prefix('{')
            .and_then(|g| g.strip_suffix('}'))
            .unwrap_or(items);
        for item in items.split(',') {
            let name = known_as(item);
            if !name.is_empty() && name != "self" {
                out.insert(name, module.clone());
            }
        }
    }
    out
}

/// Every breach of the rule among the modules `parent` declares, whose files sit in `dir`
/// and are reached from outside as `path` (`crate::`, `crate::account::`), and below them.
fn breaches(
    files: &BTreeMap<PathBuf, String>,
    parent: &Path,
    dir: &Path,
    path: &str,
) -> Vec<String> {
    let Some(source) = files.get(parent) else {
        return Vec::new();
    };
    let order = declared(source);
    let reexported = reexports(&code(source));
    let mut found = Vec::new();
    for (i, module) in order.iter().enumerate() {
        let own = dir.join(format!("{module}.rs"));
        let below = dir.join(module);
        for (file, text) in files {
            if *file != own && !file.starts_with(&below) {
                continue;
            }
            let text = code(text);
            let mut names = referenced(&text, path);
            if *file == own {
                names.extend(referenced(&text, "super::"));
            }
            for name in names {
                // A name the parent re-exports stands for the module it comes from.
                let name = reexported.get(&name).cloned().unwrap_or(name);
                if let Some(j) = order.iter().position(|m| *m == name) {
                    if j > i {
                        found.push(format!(
                            "{} imports `{name}`, which {} lists after `{module}`",
                            file.display(),
                            parent.display()
                        ));
                    }
                }
            }
        }
        found.extend(breaches(files, &own, &below, &format!("{path}{module}::")));
    }
    found.sort();
    found.dedup();
    found
}

/// Every `.rs` file under `dir`, by path.
fn sources(dir: &Path, into: &mut BTreeMap<PathBuf, String>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("a readable folder entry").path();
        if path.is_dir() {
            sources(&path, into);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            into.insert(path, text);
        }
    }
}

#[test]
fn every_module_imports_only_modules_listed_before_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut found_files = BTreeMap::new();
    sources(&root.join("src"), &mut found_files);
    // Named from the package's folder, so a breach reads `src/account.rs imports …`.
    let files: BTreeMap<PathBuf, String> = found_files
        .into_iter()
        .map(|(p, s)| (p.strip_prefix(root).map(Path::to_path_buf).unwrap_or(p), s))
        .collect();
    let (src, lib) = (Path::new("src"), Path::new("src/lib.rs"));
    assert!(
        declared(&files[lib]).len() > 10,
        "lib.rs lists the crate's modules"
    );
    let found = breaches(&files, lib, src, "crate::");
    assert!(
        found.is_empty(),
        "imports must run one way, down the order in lib.rs (and in each parent module):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_rule_catches_an_import_of_a_later_module() {
    let files: BTreeMap<PathBuf, String> = [
        ("src/lib.rs", "pub mod lang;\npub mod words;\n#[cfg(test)]\nmod checks;\n"),
        ("src/lang.rs", "//! Uses [`crate::words`] in a comment only.\nuse crate::{error::Code, words::Words};\n"),
        (
            "src/words.rs",
            "use crate::lang::Lang;\nmod a;\nmod b;\nmod c;\nuse c::Late;\npub use c::{Other as Renamed};\n",
        ),
        ("src/words/a.rs", "fn f() { super::b::g(); crate::words::b::g() }\n"),
        ("src/words/b.rs", "use super::{a, Renamed};\nfn f() { super::Late::new(); }\n"),
        ("src/words/c.rs", "use super::a;\n"),
        ("src/checks.rs", "use crate::words;\n"),
    ]
    .into_iter()
    .map(|(p, s)| (PathBuf::from(p), s.to_string()))
    .collect();
    let found = breaches(&files, Path::new("src/lib.rs"), Path::new("src"), "crate::");
    assert_eq!(
        found,
        vec![
            "src/lang.rs imports `words`, which src/lib.rs lists after `lang`".to_string(),
            "src/words/a.rs imports `b`, which src/words.rs lists after `a`".to_string(),
            "src/words/b.rs imports `c`, which src/words.rs lists after `b`".to_string(),
        ],
        "an import of a later module is reported, in a group and inline, at the top and \
         below, and through a name the parent re-exports (renamed or not); a comment, an \
         earlier module, a name that is no module and a test-only module are not"
    );
}
