//! Usage errors, as a script or a person meets them: every command's mistakes get one line,
//! `keystep <command>: <sentence> Try keystep <command> --help.`, exit 2, and nothing is
//! sent; no usage error repeats a value that could be a pasted key, wherever it was pasted
//! (security review 3, finding 7), while a short lower-case typo is named back. And the
//! README's synopses are the ones `--help` prints.

use std::path::Path;
use std::process::Output;

use crate::accounts::{stderr, Cli};

/// What a pasted key looks like: long, mixed case, digits.
const PASTED: &str = "QzXvPastedKey00000000000000000001";

fn said(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn a_pasted_key_anywhere_on_the_command_line_is_never_repeated() {
    let cli = Cli::new();
    let key = PASTED;
    let flag = format!("--{key}");
    let pair = format!("{key}=1");
    let eq = format!("--json={key}");
    let cases: Vec<(&str, Vec<&str>)> = vec![
        ("verify", vec!["verify", key]),
        ("verify", vec!["verify", "humaans", key]),
        ("verify", vec!["verify", "humaans", &flag]),
        ("verify", vec!["verify", "humaans", "--purpose", key]),
        ("verify", vec!["verify", "humaans", "--field", &pair]),
        ("verify", vec!["verify", "humaans", &eq]),
        ("verify", vec!["verify", "humaans", "--json", key]),
        ("link", vec!["link", key]),
        ("link", vec!["link", "humaans", "--purpose", key, "--json"]),
        ("link", vec!["link", "humaans", &flag]),
        ("link", vec!["link", "humaans", "--field", &pair, "--json"]),
        ("relink", vec!["relink", "some-handle", key]),
        ("relink", vec!["relink", "some-handle", &flag]),
        ("list", vec!["list", key]),
        ("list", vec!["list", &flag]),
        ("forget", vec!["forget", "one", key]),
        ("forget", vec!["forget", &flag]),
        ("rename", vec!["rename", "one", key]),
        ("rename", vec!["rename", "one", &flag]),
        ("run", vec!["run", &flag, "--", "true"]),
        ("run", vec!["run", "--account", "a", &eq, "--", "true"]),
        ("log", vec!["log", key]),
        ("log", vec!["log", "--since", key]),
        ("log", vec!["log", "--last", key]),
        ("keystep", vec![key]),
        ("keystep", vec![&flag]),
    ];
    for (command, args) in cases {
        let out = cli.run(&args, "");
        let text = said(&out);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: a usage error: {text}"
        );
        assert!(
            !text.contains("QzXv") && !text.contains("00000001"),
            "{command}: the pasted value is not repeated: {text}"
        );
        let err = stderr(&out);
        // The last line: lines naming host overrides may come first.
        let last = err.lines().last().unwrap_or_default();
        if command != "keystep" {
            assert!(
                last.starts_with(&format!("keystep {command}: "))
                    && last.ends_with(&format!("Try keystep {command} --help.")),
                "{args:?}: one line in the one style: {err}"
            );
        }
    }
    assert!(cli.emu.requests().is_empty(), "nothing was sent");
}

#[test]
fn a_short_lower_case_typo_is_named_back() {
    let cli = Cli::new();
    for (args, named) in [
        (&["verify", "humaan"][..], "“humaan”"),
        (&["verify", "humaans", "--jsn"], "“--jsn”"),
        (&["link", "humaans", "--purpose", "raed"], "“raed”"),
        (&["list", "--jsno"], "“--jsno”"),
        (&["run", "--acount", "a", "--", "true"], "“--acount”"),
        (&["log", "--sinc", "2h"], "“--sinc”"),
        (&["lsit"], "“lsit”"),
    ] {
        let out = cli.run(args, "");
        assert_eq!(out.status.code(), Some(2), "{args:?}: usage error");
        assert!(
            stderr(&out).contains(named),
            "{args:?}: the typo is named: {}",
            stderr(&out)
        );
    }
}

/// The README's command-line synopses, as written.
fn readme_synopses() -> Vec<String> {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    let section = readme
        .split_once("## The command line")
        .map(|(_, rest)| rest)
        .expect("the README's command-line section");
    let block = section
        .split_once("```text\n")
        .and_then(|(_, rest)| rest.split_once("```"))
        .map(|(block, _)| block)
        .expect("its first text block: the synopses");
    block.lines().map(str::to_string).collect()
}

/// Words and spacing only: a synopsis wrapped over two lines is the same synopsis.
fn words(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn the_readme_synopses_are_the_ones_help_prints() {
    let cli = Cli::new();
    let help = String::from_utf8(cli.run(&["--help"], "").stdout).expect("utf8");
    let readme = readme_synopses();
    let listed: Vec<String> = help
        .lines()
        .filter_map(|l| l.strip_prefix("  keystep "))
        .filter(|l| !l.starts_with('-'))
        .map(|l| format!("keystep {}", words(l)))
        .collect();
    assert_eq!(
        readme.iter().map(|l| words(l)).collect::<Vec<_>>(),
        listed,
        "the README lists the commands as keystep --help does, in its order"
    );
    // Each command's own --help opens with the same synopsis (wrapped as it likes).
    for line in &readme {
        let command = line.split_whitespace().nth(1).expect("a command word");
        let own = String::from_utf8(cli.run(&[command, "--help"], "").stdout).expect("utf8");
        let usage = own
            .strip_prefix("Usage: ")
            .and_then(|u| u.split_once("\n\n"))
            .map(|(u, _)| words(u))
            .unwrap_or_default();
        assert_eq!(
            usage,
            words(line),
            "keystep {command} --help opens with the README's synopsis"
        );
    }
}
