//! `keystep`: the command line, and the way into the window.
//!
//! Commands run here, over keystep-core, without loading the window's libraries (WebKitGTK
//! and GTK take 100 ms and more to load before `main`). A bare `keystep`, or one with the
//! window's own option (`--background`, from start at login), replaces this process with the
//! window binary (`exec`: same process id, arguments and environment, so launchers, WebDriver
//! and the single-instance check see one process). The window binary is `keystep-window`,
//! next to this one (a build's target folder) or in `../lib/keystep/` from it (`/usr/bin/keystep` →
//! `/usr/lib/keystep/keystep-window`, where the package puts it, off the PATH).

use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::exit;

use keystep_cli::commands::{
    self as cli, Command, Route, SecretInput, TerminalPrompt, EXIT_FAILED, EXIT_USAGE,
};
use keystep_core::world::World;

/// The window binary's file name.
const WINDOW_BINARY: &str = "keystep-window";

fn main() {
    let raw: Vec<OsString> = std::env::args_os().skip(1).collect();
    // A non-UTF-8 argument is no command's: refused rather than mangled (the window takes
    // no argument of its own that could need one).
    let Some(args) = raw
        .iter()
        .map(|a| a.to_str().map(String::from))
        .collect::<Option<Vec<String>>>()
    else {
        eprintln!("keystep: an argument is not valid text. Try keystep --help.");
        exit(EXIT_USAGE);
    };
    match cli::route(&args) {
        Route::Window => open_window(&raw),
        Route::Help => print!("{}", cli::top_usage()),
        Route::Version => println!("keystep {}", env!("CARGO_PKG_VERSION")),
        Route::Unknown(sentence) => {
            eprintln!("{sentence}");
            exit(EXIT_USAGE);
        }
        Route::Command(command, rest) => exit(run(command, &rest)),
    }
}

/// Runs one command and returns its exit status.
fn run(command: Command, args: &[String]) -> i32 {
    let parts = match World::from_env() {
        Ok(parts) => parts,
        Err(e) => {
            eprintln!("keystep {}: {e}", command.word());
            return EXIT_USAGE;
        }
    };
    let (stdin, mut stdout, mut stderr) = (std::io::stdin(), std::io::stdout(), std::io::stderr());
    // A person at a terminal is asked for each secret, with echo off; anything else (a
    // pipe, a file) gives `NAME=VALUE` lines.
    // Standard input is locked only for lines: the terminal prompt reads it line by line.
    // And only for the commands that read secrets from it: `keystep mcp` reads the
    // assistant's messages on a thread of its own, which a lock held here would block for
    // good (std's standard input is one mutex).
    let reads_secrets = matches!(
        command,
        Command::Verify | Command::Link | Command::Relink | Command::Push
    );
    let mut terminal = TerminalPrompt;
    let mut lines;
    let mut input = if stdin.is_terminal() || !reads_secrets {
        SecretInput::Terminal(&mut terminal)
    } else {
        lines = stdin.lock();
        SecretInput::Lines(&mut lines)
    };
    let status = match command {
        Command::Verify => cli::block_on(cli::run_verify(
            args,
            &parts,
            &mut input,
            &mut stdout,
            &mut stderr,
        )),
        Command::Link => cli::block_on(cli::run_link(
            args,
            &parts,
            &mut input,
            &mut stdout,
            &mut stderr,
        )),
        Command::Relink => cli::block_on(cli::run_relink(
            args,
            &parts,
            &mut input,
            &mut stdout,
            &mut stderr,
        )),
        Command::List => cli::run_list(args, &parts, &mut stdout, &mut stderr),
        Command::Forget => cli::block_on(cli::run_forget(args, &parts, &mut stdout, &mut stderr)),
        Command::Rename => cli::block_on(cli::run_rename(args, &parts, &mut stdout, &mut stderr)),
        Command::Run => cli::block_on(cli::run_run(args, &parts, &mut stdout, &mut stderr)),
        Command::Log => cli::run_log(args, &parts, &mut stdout, &mut stderr),
        Command::Push => cli::block_on(cli::run_push(
            args,
            &parts,
            &mut input,
            &mut stdout,
            &mut stderr,
        )),
        Command::Mcp => cli::block_on(keystep_cli::mcp::run_mcp(
            args,
            std::sync::Arc::new(parts),
            &mut stdout,
            &mut stderr,
        )),
    };
    let _ = stdout.flush();
    status
}

/// Replaces this process with the window binary, passing `args` on; returns only to exit
/// with an explanation when it cannot: no graphical session to show it in, or no window
/// binary.
fn open_window(args: &[OsString]) {
    if !keystep_core::world::graphical_session(|name| std::env::var_os(name)) {
        eprintln!("{}", keystep_core::world::NO_DISPLAY);
        exit(EXIT_FAILED);
    }
    let Some(window) = window_binary() else {
        eprintln!(
            "keystep: the Keystep window is not installed beside this command (no {WINDOW_BINARY} next to it or in ../lib/keystep/). Commands still work: try keystep --help."
        );
        exit(EXIT_FAILED);
    };
    let mut command = std::process::Command::new(&window);
    command.args(args);
    #[cfg(unix)]
    let e = {
        use std::os::unix::process::CommandExt;
        command.exec()
    };
    // No exec elsewhere: the window runs as a child, and its status is this one's.
    #[cfg(not(unix))]
    let e = match command.status() {
        Ok(status) => exit(status.code().unwrap_or(EXIT_FAILED)),
        Err(e) => e,
    };
    eprintln!(
        "keystep: could not start the window ({}): {e}",
        window.display()
    );
    exit(EXIT_FAILED);
}

/// Where the window binary is: next to this one, else in `../lib/keystep/` from it.
fn window_binary() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let here = exe.parent()?;
    [
        here.join(WINDOW_BINARY),
        here.join("../lib/keystep").join(WINDOW_BINARY),
    ]
    .into_iter()
    .find(|p| p.is_file())
}
