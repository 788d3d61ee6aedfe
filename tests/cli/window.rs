//! The one `keystep` command and its two binaries: commands run in the command-line binary,
//! a bare `keystep` (or a launcher's own options) becomes the window binary through `exec`,
//! and an unknown command or option never opens a window.
//!
//! The window binary is stood in for by a script that records its arguments and process
//! id, beside a copy of the built `keystep`, in the build's layout (side by side) and the
//! package's (`bin/keystep`, `lib/keystep/keystep-window`).

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use crate::app_binary::app_binary;

/// A copy of `keystep` at `bin` with a recording stand-in window at `window`.
struct Layout {
    _root: tempfile::TempDir,
    keystep: PathBuf,
    record: PathBuf,
}

impl Layout {
    fn new(bin: &str, window: &str) -> Layout {
        let root = tempfile::tempdir().expect("temp dir");
        let keystep = root.path().join(bin).join("keystep");
        let fake = root.path().join(window).join("keystep-window");
        let record = root.path().join("window-started");
        for dir in [keystep.parent(), fake.parent()].into_iter().flatten() {
            std::fs::create_dir_all(dir).expect("folders");
        }
        // A copy, not a link: `keystep` finds the window from its own resolved path.
        std::fs::copy(app_binary(), &keystep).expect("copy keystep");
        std::fs::write(
            &fake,
            format!("#!/bin/sh\necho \"$$ $*\" > '{}'\n", record.display()),
        )
        .expect("stand-in window");
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755))
            .expect("executable");
        Layout {
            _root: root,
            keystep,
            record,
        }
    }

    /// Runs the copy without a display, as a script on a server would.
    fn run(&self, args: &[&str]) -> (Output, u32) {
        self.run_on(None, args)
    }

    /// Runs the copy with `display` as `DISPLAY` (the stand-in window needs none to start).
    fn run_on(&self, display: Option<&str>, args: &[&str]) -> (Output, u32) {
        let mut command = Command::new(&self.keystep);
        command.env_remove("DISPLAY").env_remove("WAYLAND_DISPLAY");
        if let Some(display) = display {
            command.env("DISPLAY", display);
        }
        command
            .args(args)
            .env("XDG_DATA_HOME", self.record.with_file_name("data"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        // A copy just written may still be open for writing in a child another test thread
        // forked meanwhile (until that child's exec closes it): the system then refuses to
        // run it for a moment ("text file busy").
        let mut tries = 0;
        let child = loop {
            match command.spawn() {
                Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy && tries < 50 => {
                    tries += 1;
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                spawned => break spawned.expect("keystep runs"),
            }
        };
        let pid = child.id();
        (child.wait_with_output().expect("keystep finishes"), pid)
    }

    /// What the stand-in window recorded: its process id and arguments.
    fn started(&self) -> Option<String> {
        std::fs::read_to_string(&self.record).ok()
    }
}

fn assert_window_opens(layout: &Layout, args: &[&str], case: &str) {
    let (out, pid) = layout.run_on(Some(":0"), args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{case}: the window's status: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let started = layout
        .started()
        .unwrap_or_else(|| panic!("{case}: the window started"));
    assert_eq!(
        started.trim_end(),
        format!("{pid} {}", args.join(" ")).trim_end(),
        "{case}: the window replaced keystep (same process) with the same arguments"
    );
}

#[test]
fn bare_keystep_and_the_windows_own_option_become_the_window_beside_it() {
    let layout = Layout::new("target", "target");
    assert_window_opens(&layout, &[], "bare");
    assert_window_opens(&layout, &["--background"], "start at login's option");
}

#[test]
fn the_packaged_layout_finds_the_window_in_lib_keystep() {
    let layout = Layout::new("usr/bin", "usr/lib/keystep");
    assert_window_opens(&layout, &[], "bare, installed");
}

#[test]
fn unknown_commands_and_options_exit_2_pointing_to_help_and_open_no_window() {
    let layout = Layout::new("target", "target");
    for args in [
        &["lsit"][..],
        &["--bogus"],
        &["--background", "--bogus"],
        &["list", "--bogus"],
        &["link", "humaans", "--bogus"],
        &["forget"],
        &["verify", "--nope", "humaans"],
    ] {
        let (out, _) = layout.run(args);
        let said = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: exit 2: {said}");
        assert!(
            said.contains("--help"),
            "{args:?}: points to --help: {said}"
        );
        assert_eq!(layout.started(), None, "{args:?}: no window was started");
    }
}

#[test]
fn help_and_version_run_without_the_window_and_list_every_command() {
    let layout = Layout::new("target", "target");
    let (help, _) = layout.run(&["--help"]);
    assert_eq!(help.status.code(), Some(0), "--help exits 0");
    let text = String::from_utf8_lossy(&help.stdout);
    for command in ["link", "list", "forget", "rename", "verify", "run", "log"] {
        assert!(
            text.contains(&format!("keystep {command}")),
            "--help lists {command}: {text}"
        );
    }
    let (version, _) = layout.run(&["--version"]);
    assert_eq!(
        String::from_utf8_lossy(&version.stdout).trim(),
        format!("keystep {}", env!("CARGO_PKG_VERSION")),
        "--version"
    );
    assert_eq!(layout.started(), None, "no window for --help or --version");
}

/// Over SSH or on a server, bare `keystep` says in one line that the window needs a
/// graphical session and that the commands work without one (exit 1); the window binary
/// itself, started there, says the same instead of aborting in GTK (exit 134).
#[test]
fn without_a_display_the_window_says_so_in_one_line_and_neither_binary_aborts() {
    let layout = Layout::new("target", "target");
    for args in [&[][..], &["--background"]] {
        let (out, _) = layout.run(args);
        let said = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: exit 1: {said}");
        assert_eq!(said.lines().count(), 1, "{args:?}: one line: {said}");
        assert!(
            said.contains("graphical session") && said.contains("keystep --help"),
            "{args:?}: says why, and that the other commands work: {said}"
        );
        assert_eq!(layout.started(), None, "{args:?}: no window was started");
    }
    let window = app_binary().with_file_name("keystep-window");
    assert!(
        window.is_file(),
        "build the window too (cargo build -p keystep-app): {}",
        window.display()
    );
    let out = Command::new(&window)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env("XDG_DATA_HOME", layout.record.with_file_name("data"))
        .stdin(Stdio::null())
        .output()
        .expect("the window binary runs");
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "the window binary exits 1, not by a signal: {said}"
    );
    assert_eq!(said.lines().count(), 1, "one line: {said}");
    assert!(said.contains("graphical session"), "says why: {said}");
}

#[test]
fn without_a_window_binary_keystep_says_so_instead_of_failing_silently() {
    let layout = Layout::new("target", "elsewhere");
    let (out, _) = layout.run_on(Some(":0"), &[]);
    assert_eq!(out.status.code(), Some(1), "exit 1");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not installed"),
        "says the window is missing: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_command_line_binary_links_no_window_library() {
    let ldd = Command::new("ldd")
        .arg(app_binary())
        .output()
        .expect("ldd runs");
    let libraries = String::from_utf8_lossy(&ldd.stdout).to_lowercase();
    for window_library in ["webkit", "gtk", "javascriptcore", "soup"] {
        assert!(
            !libraries.contains(window_library),
            "keystep links {window_library}: {libraries}"
        );
    }
}
