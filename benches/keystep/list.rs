//! `keystep list` with 20 accounts against `secret-tool search` on the same keychain: what
//! listing costs in Keystep's command line next to the system's own keychain tool, which
//! starts as little as a program can (one D-Bus round trip). The target is ≤ 1.5×.
//!
//! The 20 accounts (four per provider) are linked with `keystep link` against the emulator,
//! so the book and the keychain hold what a person's would. Runs are interleaved, like
//! hyperfine's, after two warm-up runs of each, and alternate which goes first, so neither
//! command profits from the other's caches more than it pays for them.

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use keystep_emulator::Emulator;

use crate::{median, verdict};

/// Secret fields of the providers' files: these go on standard input, the rest as --field.
const SECRET_FIELDS: [&str; 4] = ["api_key", "service_user_token", "api_token", "access_token"];

const WARM_UP: usize = 2;

/// Links 20 accounts with `app` into a data folder of its own, times `keystep list --json`
/// and `secret-tool search --all service keystep` `runs` times each, forgets the accounts,
/// and returns the report's section.
pub fn compare(app: &Path, emu: &Emulator, runs: usize) -> String {
    // The window runs before this one leave their keys: start from none, as they do.
    let _ = Command::new("secret-tool")
        .args(["clear", "service", "keystep"])
        .status();
    let home = tempfile::tempdir().expect("a data folder for the list benchmark");
    let data = home.path().join("data");
    let forms = emu.add_fleet(4, "benchList");
    for (provider, fields) in &forms {
        let mut cmd = Command::new(app);
        cmd.arg("link").arg(provider).arg("--json");
        for (k, v) in fields
            .iter()
            .filter(|(k, _)| !SECRET_FIELDS.contains(&k.as_str()))
        {
            cmd.arg("--field").arg(format!("{k}={v}"));
        }
        for (k, v) in emu.env() {
            cmd.env(k, v);
        }
        cmd.env("XDG_DATA_HOME", &data)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("keystep link starts");
        {
            let mut stdin = child.stdin.take().expect("stdin");
            for (k, v) in fields
                .iter()
                .filter(|(k, _)| SECRET_FIELDS.contains(&k.as_str()))
            {
                writeln!(stdin, "{k}={v}").expect("write a secret to stdin");
            }
        }
        let out = child.wait_with_output().expect("keystep link ends");
        assert!(
            out.status.success(),
            "keystep link {provider} must link against the emulator: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    let list = || {
        let mut cmd = Command::new(app);
        cmd.args(["list", "--json"]).env("XDG_DATA_HOME", &data);
        cmd
    };
    let search = || {
        let mut cmd = Command::new("secret-tool");
        cmd.args(["search", "--all", "service", "keystep"]);
        cmd
    };
    let listed = list().output().expect("keystep list runs");
    let count = String::from_utf8_lossy(&listed.stdout)
        .matches("\"handle\"")
        .count();
    assert_eq!(
        count,
        forms.len(),
        "keystep list shows every linked account"
    );
    let found = search().output().expect("secret-tool runs");
    // secret-tool prints each item's path (`[/…]`) and label on stdout, its attributes on
    // stderr: an item is a path line.
    let items = String::from_utf8_lossy(&found.stdout)
        .lines()
        .filter(|l| l.starts_with("[/"))
        .count();
    assert_eq!(items, forms.len(), "secret-tool finds every Keystep item");

    let time = |mut cmd: Command| {
        let t = Instant::now();
        let ok = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        assert!(ok, "{cmd:?} runs");
        t.elapsed().as_secs_f64() * 1000.0
    };
    for _ in 0..WARM_UP {
        time(list());
        time(search());
    }
    let (mut keystep, mut secret_tool) = (Vec::new(), Vec::new());
    for run in 0..runs {
        if run % 2 == 0 {
            keystep.push(time(list()));
            secret_tool.push(time(search()));
        } else {
            secret_tool.push(time(search()));
            keystep.push(time(list()));
        }
    }

    for line in String::from_utf8_lossy(&listed.stdout)
        .split("\"handle\":\"")
        .skip(1)
    {
        let handle = line.split('"').next().unwrap_or_default();
        let out = Command::new(app)
            .args(["forget", handle])
            .env("XDG_DATA_HOME", &data)
            .output()
            .expect("keystep forget runs");
        assert!(out.status.success(), "keystep forget {handle}");
    }

    let (k, s) = (median(&keystep), median(&secret_tool));
    format!(
        "### Listing 20 accounts\n\n\
         `keystep list --json` (the release binary: the book only, no keychain call) against \
         `secret-tool search --all service keystep` (the same 20 items in the same keyring), \
         {runs} interleaved runs each after {WARM_UP} warm-up runs.\n\n\
         | | median wall time (range) |\n|---|---:|\n\
         | `keystep list --json` | {k:.1} ms ({}) |\n\
         | `secret-tool search` | {s:.1} ms ({}) |\n\n\
         Ratio {:.2}×; target ≤ 1.5×: {}.\n",
        range(&keystep),
        range(&secret_tool),
        k / s,
        verdict(k / s <= 1.5)
    )
}

/// The lowest and highest value, to a tenth of a millisecond (these runs take a few).
fn range(values: &[f64]) -> String {
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    format!("{lo:.1}–{hi:.1}")
}
