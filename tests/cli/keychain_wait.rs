//! A keychain that never answers does not keep a command running: with an unlock prompt
//! left open, `keystep run` gives up at its bound, says so, and exits (security review 3,
//! finding 6: it said "did not answer" at 30 s and was still running at 50 s, because the
//! runtime waited for the blocking thread stuck on the prompt).
//!
//! The keychain is `fake_secret_service.py` on a D-Bus session of the test's own: every
//! item is locked, and the unlock prompt it opens is never answered. The account is linked
//! first with the real keychain (scripts/headless.sh), into the test's data folder.

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::accounts::{keyring_present, stderr, Cli, HUMAANS};
use crate::app_binary::app_binary;

/// `keystep run`'s own bound on the keychain (`RUN_KEYCHAIN_WAIT` in commands/run.rs).
const RUN_BOUND: Duration = Duration::from_secs(30);

/// What the command may take beyond its bound to say so and end (a process start, a
/// runtime shut down): far less than the minutes it waited before.
const GRACE: Duration = Duration::from_secs(15);

/// A child process ended (killed) when the test ends, however it ends.
struct Reaped(Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The first `python3` that has the D-Bus and GLib bindings (the system's, when a version
/// manager puts another first on the PATH).
fn python_with_dbus() -> Option<&'static str> {
    ["/usr/bin/python3", "python3"].into_iter().find(|python| {
        Command::new(python)
            .args(["-c", "import dbus, gi"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

/// Lines a child prints, as they come (read on a thread of their own).
fn lines_of(stream: impl std::io::Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// A private session bus with the fake Secret Service on it: its address, the bus and the
/// service (both ended on drop), and what the service says.
fn fake_keychain(python: &str) -> (String, Reaped, Reaped, mpsc::Receiver<String>) {
    let mut bus = Command::new("dbus-daemon")
        .args(["--session", "--nofork", "--print-address=1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("dbus-daemon starts (scripts/deps.sh test installs it)");
    let address = lines_of(bus.stdout.take().expect("stdout"))
        .recv_timeout(Duration::from_secs(20))
        .expect("dbus-daemon prints its address");
    let bus = Reaped(bus);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cli/fake_secret_service.py");
    let mut service = Command::new(python)
        .arg(script)
        .env("DBUS_SESSION_BUS_ADDRESS", &address)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the fake Secret Service starts");
    let said = lines_of(service.stdout.take().expect("stdout"));
    let service = Reaped(service);
    let ready = said
        .recv_timeout(Duration::from_secs(20))
        .expect("the fake Secret Service says it is ready");
    assert_eq!(
        ready, "fake: ready",
        "the fake owns the Secret Service name"
    );
    (address, bus, service, said)
}

#[test]
fn an_unlock_prompt_nobody_answers_ends_keystep_run_at_its_bound_with_its_sentence() {
    if !keyring_present() {
        return;
    }
    let Some(python) = python_with_dbus() else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "python3-dbus and python3-gi are needed (scripts/deps.sh test)"
        );
        eprintln!("skipping: no python3 with the D-Bus bindings (scripts/deps.sh test)");
        return;
    };
    let cli = Cli::new();
    let linked = cli.run(&["link", "humaans"], &format!("api_token={HUMAANS}\n"));
    assert_eq!(linked.status.code(), Some(0), "linked: {}", stderr(&linked));

    let (address, _bus, _service, said) = fake_keychain(python);
    let started = Instant::now();
    let mut run = Command::new(app_binary())
        .args(["run", "--account", "humaans-acme-ltd", "--", "true"])
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env("XDG_DATA_HOME", cli.data())
        .env("DBUS_SESSION_BUS_ADDRESS", &address)
        .envs(cli.emu.env())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("keystep runs");
    let err = lines_of(run.stderr.take().expect("stderr"));
    let deadline = started + RUN_BOUND + GRACE;
    let status = loop {
        if let Some(status) = run.try_wait().expect("wait") {
            break Some(status);
        }
        if Instant::now() > deadline {
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let took = started.elapsed();
    let _ = run.kill();
    let _ = run.wait();
    let printed: Vec<String> = err.try_iter().collect();
    let fake: Vec<String> = said.try_iter().collect();
    assert!(
        fake.iter()
            .any(|l| l.contains("Prompt shown; never answered")),
        "the keychain really held keystep at an unlock prompt: {fake:?}"
    );
    let status = status.unwrap_or_else(|| {
        panic!(
            "keystep run was still running {took:?} after it started, past its {RUN_BOUND:?} bound; it printed {printed:?}"
        )
    });
    assert_eq!(status.code(), Some(1), "exit 1: {printed:?}");
    assert!(
        printed
            .iter()
            .any(|l| l.starts_with("keystep run: the keychain did not answer")),
        "one sentence says why: {printed:?}"
    );
    assert!(
        took >= RUN_BOUND,
        "it waited its whole bound for the person at the prompt ({took:?})"
    );
}
