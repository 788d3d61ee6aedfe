//! Every example Keystep prints for using a key keeps the run token out of command
//! arguments, which every user can read in the process list: the window's lines for each
//! provider (`UseExample`), `keystep run --help`, and the README's code blocks that use
//! `KEYSTEP_TOKEN`. Each is run for real under `strace`, with `keystep` standing in for
//! itself (the command after `--` runs with a marked token), and every program it starts is
//! searched for the token in its arguments. The window's lines then run through the real
//! `keystep run` against the emulator, and must read through the proxy. What
//! `keystep mcp --config` prints for each assistant is started as the assistant would start
//! it (the real `keystep`, a stand-in `claude` and third-party server), also under `strace`:
//! no key and no run token in any argument list, and the third-party server gets the key in
//! its environment from the `keystep://` reference.

use std::path::{Path, PathBuf};
use std::process::Command;

use keystep_core::use_log::example;

use crate::accounts::{keyring_present, stderr, Cli};
use crate::app_binary::app_binary;
use crate::parts::catalogue;

/// The token the stand-in gives: any program started with it in an argument is caught.
const MARKED: &str = "kst_MARKEDTOKENMARKEDTOKEN0001";

/// A shell or Python example, and where it was printed.
struct Example {
    whence: String,
    language: &'static str,
    code: String,
}

/// The README's fenced blocks that use the token.
fn readme_examples() -> Vec<Example> {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("the README");
    let mut out = Vec::new();
    let mut block: Option<(String, Vec<&str>)> = None;
    for (n, line) in readme.lines().enumerate() {
        match (&mut block, line.strip_prefix("```")) {
            (None, Some(lang)) => block = Some((lang.trim().to_string(), Vec::new())),
            (Some((lang, lines)), Some(_)) => {
                let code = lines.join("\n");
                if code.contains("KEYSTEP_TOKEN") {
                    out.push(Example {
                        whence: format!("README.md block ending on line {}", n + 1),
                        language: if lang == "python" { "python" } else { "shell" },
                        code,
                    });
                }
                block = None;
            }
            (Some((_, lines)), None) => lines.push(line),
            (None, None) => {}
        }
    }
    out
}

/// The example lines of `keystep run --help` (indented, continued with a backslash).
fn help_examples() -> Vec<Example> {
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    for line in keystep_cli::commands::RUN_USAGE.lines() {
        let trimmed = line.trim();
        match &mut current {
            Some(code) => {
                code.push('\n');
                code.push_str(trimmed);
            }
            None if trimmed.starts_with("keystep run --account") => {
                current = Some(trimmed.to_string());
            }
            None => continue,
        }
        if !trimmed.ends_with('\\') {
            if let Some(code) = current.take() {
                out.push(Example {
                    whence: "keystep run --help".into(),
                    language: "shell",
                    code,
                });
            }
        }
    }
    out
}

/// The window's lines for an account of every provider.
fn window_examples() -> Vec<Example> {
    catalogue()
        .all()
        .iter()
        .flat_map(|p| {
            let e = example(&format!("{}-acme", p.id), p, None);
            [e.run, e.curl].into_iter().map(move |code| Example {
                whence: format!("the window's example for {}", p.id),
                language: "shell",
                code,
            })
        })
        .collect()
}

/// A folder with a stand-in `keystep` (runs what follows `--`) and, for the README's
/// Python, a stand-in `requests` module that sends nothing.
fn stand_ins() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a folder");
    let keystep = dir.path().join("keystep");
    std::fs::write(
        &keystep,
        "#!/bin/sh\nwhile [ \"$#\" -gt 0 ] && [ \"$1\" != -- ]; do shift; done\nshift\nexec \"$@\"\n",
    )
    .expect("written");
    std::fs::write(
        dir.path().join("requests.py"),
        "def get(*a, **k): return None\ndef post(*a, **k): return None\n",
    )
    .expect("written");
    std::fs::write(dir.path().join("script.py"), "pass\n").expect("written");
    Command::new("chmod")
        .args(["+x", &keystep.to_string_lossy()])
        .status()
        .expect("chmod runs");
    dir
}

/// Every argument list `example` started programs with, under `strace`, run in `folder`
/// with `path_front` first on PATH and `env` set.
fn argument_lists(
    example: &Example,
    folder: &Path,
    path_front: &Path,
    env: &[(&str, &str)],
) -> Vec<String> {
    let trace = folder.join("trace.txt");
    let program: [&str; 2] = match example.language {
        "python" => ["python3", "-c"],
        _ => ["sh", "-c"],
    };
    let path = format!(
        "{}:{}",
        path_front.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("strace")
        .args(["-f", "-qq", "-s", "65536", "-e", "trace=execve", "-o"])
        .arg(&trace)
        .args(program)
        .arg(&example.code)
        .current_dir(folder)
        .env("PATH", path)
        .env("PYTHONPATH", folder)
        .envs(env.iter().copied())
        .output()
        .expect("strace runs (scripts/deps.sh installs it)");
    let _ = out;
    let text = std::fs::read_to_string(&trace).expect("strace wrote its trace");
    text.lines()
        .filter(|l| l.contains("execve("))
        .filter_map(|l| l.split_once(", [").map(|(_, rest)| rest.to_string()))
        .map(|rest| rest.split("], ").next().unwrap_or("").to_string())
        .collect()
}

fn token_in_arguments(lists: &[String], token: &str) -> Option<String> {
    lists.iter().find(|l| l.contains(token)).cloned()
}

#[test]
fn no_example_keystep_prints_puts_the_token_in_an_argument_list() {
    let folder = stand_ins();
    let env = [
        ("KEYSTEP_TOKEN", MARKED),
        ("KEYSTEP_URL", "http://127.0.0.1:9/acme/api"),
    ];
    // The check itself: the line these examples replaced is caught.
    let old = Example {
        whence: "the old example".into(),
        language: "shell",
        code: "curl -sS -H \"Authorization: Bearer $KEYSTEP_TOKEN\" \"$KEYSTEP_URL/me\"".into(),
    };
    assert!(
        token_in_arguments(
            &argument_lists(&old, folder.path(), folder.path(), &env),
            MARKED
        )
        .is_some(),
        "the search finds a token put into curl's arguments"
    );
    let examples: Vec<Example> = readme_examples()
        .into_iter()
        .chain(help_examples())
        .chain(window_examples())
        .collect();
    for (whence, at_least) in [
        ("README.md", 2),
        ("keystep run --help", 1),
        ("the window's", 10),
    ] {
        assert!(
            examples
                .iter()
                .filter(|e| e.whence.starts_with(whence))
                .count()
                >= at_least,
            "{whence}: its examples were found"
        );
    }
    for e in &examples {
        let lists = argument_lists(e, folder.path(), folder.path(), &env);
        assert!(
            lists.iter().any(|l| !l.contains("\"keystep\"")),
            "{}: it ran ({lists:?})",
            e.whence
        );
        if let Some(list) = token_in_arguments(&lists, MARKED) {
            panic!(
                "{} puts the token into a command's arguments: {list}\n{}",
                e.whence, e.code
            );
        }
    }
}

#[test]
fn the_windows_examples_read_through_the_real_proxy() {
    if !keyring_present() {
        return;
    }
    // The first five, and one account of each of issue 22's kinds.
    let cli = crate::run_kinds::linked();
    let mut handles: Vec<&str> = crate::run::link_all(&cli)
        .into_iter()
        .map(|(handle, _, _, _)| handle)
        .collect();
    handles.extend(crate::run_kinds::HANDLES);
    let bin: PathBuf = app_binary();
    let bin_dir = bin.parent().expect("the binary's folder").to_path_buf();
    for handle in &handles {
        let provider = handle.split('-').next().expect("a provider");
        // The emulator's PayFit company: its paths name it, and the window fills it in from
        // the account's tenant.
        let tenant = (provider == "payfit").then_some("5f1e2d3c4b5a69788796a5b4");
        let line = example(handle, catalogue().get(provider).expect("provider"), tenant).curl;
        let e = Example {
            whence: format!("the window's example for {handle}"),
            language: "shell",
            code: line.replace("curl -sS", "curl -sS -w \"\\nstatus %{http_code}\""),
        };
        let data = cli.data();
        let mut env: Vec<(String, String)> = cli.emu.env();
        env.push(("XDG_DATA_HOME".into(), data.to_string_lossy().into_owned()));
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let lists = argument_lists(&e, cli.home.path(), &bin_dir, &env);
        assert!(
            token_in_arguments(&lists, "kst_").is_none(),
            "{handle}: no run token in any argument list: {lists:?}"
        );
        cli.emu.clear_requests();
        let out = Command::new("sh")
            .args(["-c", &e.code])
            .env(
                "PATH",
                format!(
                    "{}:{}",
                    bin_dir.display(),
                    std::env::var("PATH").unwrap_or_default()
                ),
            )
            .envs(env.iter().copied())
            .output()
            .expect("the example runs");
        let printed = String::from_utf8_lossy(&out.stdout);
        // Each example reads one of the provider's own reads and is answered 200. (A
        // client-credentials account's proxy also asks the token endpoint for its token.)
        let reached = cli
            .emu
            .requests()
            .iter()
            .filter(|r| !(r.provider == "greenhouse" && r.host == "auth"))
            .count();
        assert!(
            printed.contains("status 200") && !printed.contains("keystep_") && reached == 1,
            "{handle}: the example reached the provider through the proxy: {printed} {}",
            stderr(&out)
        );
    }
}

/// A word for `sh -c`, quoted.
fn quoted(word: &str) -> String {
    format!("'{}'", word.replace('\'', "'\\''"))
}

/// How an assistant starts what `snippet` configures, as a shell line: Claude Code's line as
/// it is (a stand-in `claude` runs what follows `--` with its `--env` variables), the others'
/// JSON entry as its command, arguments and variables.
fn started_as(snippet: &str) -> String {
    if snippet.starts_with("claude mcp add") {
        return snippet.trim().to_string();
    }
    let json: serde_json::Value = serde_json::from_str(snippet).expect("the snippet is JSON");
    let servers = json["mcpServers"]
        .as_object()
        .or_else(|| json["servers"].as_object())
        .expect("mcpServers or servers");
    let (_, entry) = servers.iter().next().expect("one server");
    let mut words = vec!["exec env".to_string()];
    for (k, v) in entry["env"].as_object().into_iter().flatten() {
        words.push(quoted(&format!(
            "{k}={}",
            v.as_str().expect("a text variable")
        )));
    }
    words.push(quoted(entry["command"].as_str().expect("a command")));
    for a in entry["args"].as_array().expect("args") {
        words.push(quoted(a.as_str().expect("a text argument")));
    }
    words.push("</dev/null".into());
    words.join(" ")
}

#[test]
fn what_keystep_mcp_config_prints_starts_with_no_key_or_token_in_an_argument_list() {
    if !keyring_present() {
        return;
    }
    let cli = Cli::new();
    let linked = crate::run::link_all(&cli);
    let (handle, _, _, secret) = linked
        .iter()
        .copied()
        .find(|l| l.0.starts_with("humaans"))
        .expect("Humaans is linked");
    let stand_ins = tempfile::tempdir().expect("a folder");
    let got = stand_ins.path().join("got");
    std::fs::write(
        stand_ins.path().join("claude"),
        "#!/bin/sh\nwhile [ \"$#\" -gt 0 ] && [ \"$1\" != -- ]; do\n  if [ \"$1\" = --env ]; then shift; export \"$1\"; fi\n  shift\ndone\nshift\nexec \"$@\" </dev/null\n",
    )
    .expect("written");
    std::fs::write(
        stand_ins.path().join("people-mcp"),
        format!(
            "#!/bin/sh\nprintf %s \"$HUMAANS_TOKEN\" > {}\n",
            quoted(&got.to_string_lossy())
        ),
    )
    .expect("written");
    Command::new("chmod")
        .arg("+x")
        .args(["claude", "people-mcp"].map(|f| stand_ins.path().join(f)))
        .status()
        .expect("chmod runs");
    let mut env: Vec<(String, String)> = cli.emu.env();
    env.push((
        "XDG_DATA_HOME".into(),
        cli.data().to_string_lossy().into_owned(),
    ));
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    for assistant in ["claude-desktop", "claude-code", "cursor", "vscode"] {
        let own = ["mcp", "--config", assistant, "--account", handle];
        let third = [
            "mcp",
            "--config",
            assistant,
            "--account",
            handle,
            "--server",
            "people",
            "--var",
            "HUMAANS_TOKEN",
            "--",
            "people-mcp",
        ];
        for (what, args) in [
            ("keystep mcp", &own[..]),
            ("a third-party server", &third[..]),
        ] {
            let out = cli.run(args, "");
            assert_eq!(out.status.code(), Some(0), "{assistant}: {}", stderr(&out));
            let snippet = String::from_utf8_lossy(&out.stdout).into_owned();
            let _ = std::fs::remove_file(&got);
            let e = Example {
                whence: format!("keystep mcp --config {assistant} ({what})"),
                language: "shell",
                code: started_as(&snippet),
            };
            let lists = argument_lists(&e, cli.home.path(), stand_ins.path(), &env);
            assert!(
                lists
                    .iter()
                    .any(|l| l.contains("\"mcp\"") || l.contains("\"run\"")),
                "{}: keystep was started ({lists:?})",
                e.whence
            );
            for needle in [secret, "kst_"] {
                assert!(
                    token_in_arguments(&lists, needle).is_none() && !snippet.contains(needle),
                    "{}: no key or run token in the snippet or any argument list: {lists:?}",
                    e.whence
                );
            }
            if what == "a third-party server" {
                assert_eq!(
                    std::fs::read_to_string(&got).ok().as_deref(),
                    Some(secret),
                    "{}: the server got the key in its environment, from the reference",
                    e.whence
                );
            }
        }
    }
    let assignment = cli.run(
        &[
            "mcp",
            "--config",
            "cursor",
            "--account",
            handle,
            "--server",
            "people",
            "--var",
            "HUMAANS_TOKEN",
            "--",
            "API_KEY=abc",
            "people-mcp",
        ],
        "",
    );
    assert_eq!(
        (assignment.status.code(), assignment.stdout.is_empty()),
        (Some(2), true),
        "a VAR=value command is refused, as keystep run refuses it, and nothing printed"
    );
    let _ = std::fs::remove_file(&got);
}
