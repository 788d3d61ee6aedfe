//! Issue #15 end to end: a key linked in the window, used by a real script through
//! `keystep run` while the window is open, and that use shown by the window: the account's
//! "Recent use" with the run's command and its request count, the exact `keystep run` line
//! to copy, and the card's "used … by sync.py". The script reads through the proxy with its
//! run token; the key never reaches it, and nothing Keystep wrote (the use log included)
//! holds the key.

use std::process::{Command, Stdio};

use keystep_emulator::{Emulator, HumaansTenant};

use crate::driver::{Sandbox, Session};
use crate::leaks;

const KEY: &str = "UseLogE2eKeyUseLogE2eKeyUseLog01";

/// The script a person would write: its base URL and token from Keystep's variables, one
/// read of Humaans' `/me`; it prints the status and whether it ever saw the key.
const SCRIPT: &str = r#"#!/usr/bin/env python3
import os, urllib.request
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
req = urllib.request.Request(os.environ["KEYSTEP_URL"] + "/me",
    headers={"Authorization": "Bearer " + os.environ["KEYSTEP_TOKEN"]})
with opener.open(req) as r:
    print("status", r.status)
"#;

#[tokio::test]
async fn a_script_run_through_keystep_shows_in_the_window() {
    let Some(sandbox) = Sandbox::new() else {
        return;
    };
    let emu = Emulator::start();
    emu.add_humaans(KEY, HumaansTenant::full("Acme Ltd", 42));
    let s = Session::start(&sandbox, &emu).await;
    let (state, code, said) = s.link("humaans", &[("api_token", KEY)]).await;
    assert_eq!(state, "success", "linked in the window: {code:?} {said}");
    s.click("#done").await;
    let handle = s.text("#accounts .account-handle").await;
    assert!(
        handle.starts_with("humaans-"),
        "the card shows the account's handle: {handle:?}"
    );

    // The script, run by `keystep run` over the window's data folder while it is open.
    let script = sandbox.root.join("out/sync.py");
    std::fs::write(&script, SCRIPT).expect("the script is written");
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755))
            .expect("the script is executable");
    }
    let mut run = Command::new(&sandbox.app);
    run.args(["run", "--account", &handle, "--"])
        .arg(&script)
        .env("XDG_DATA_HOME", sandbox.root.join("data"))
        .env("XDG_CONFIG_HOME", sandbox.root.join("config"))
        .stdin(Stdio::null());
    for (k, v) in emu.env() {
        run.env(k, v);
    }
    let out = run.output().expect("keystep run starts");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "the script's exit status comes back: {stdout} {stderr}"
    );
    assert!(
        stdout.contains("status 200"),
        "the script read through the proxy: {stdout}"
    );
    assert!(
        !stdout.contains(KEY) && !stderr.contains(KEY),
        "the key never reached the script's output"
    );

    // Home again: the card says when and by what the key was last used.
    // Away and back: the accounts page lists again (by a click: a key pressed while the
    // settings view is still taking the focus can find nothing focused).
    s.click("#open-settings").await;
    s.click("#settings-back").await;
    s.wait_for_text("#accounts .card-time-used", "by sync.py")
        .await;
    s.screenshot("accounts-used").await;

    // The account's details: the run, its request, and the line to copy.
    s.click("#accounts [data-action=\"details\"]").await;
    s.wait_for_text("#use-runs", "sync.py").await;
    let runs = s.text("#use-runs").await;
    assert!(
        runs.contains("1 request") || runs.contains("1 requête"),
        "the run's request is counted: {runs}"
    );
    assert_eq!(
        s.text("#use-run").await,
        format!("keystep run --account {handle} -- python3 script.py"),
        "the line to copy names this account's handle"
    );
    s.screenshot("account-recent-use").await;
    s.assert_page_lacks(&[KEY]).await;
    s.end().await;

    let report = leaks::scan(&sandbox, &[KEY]);
    assert!(
        report.book_found && report.output_found,
        "the scan saw the book and the output: {report:?}"
    );
    assert!(
        std::fs::read_dir(sandbox.root.join("data/io.keystep.desktop"))
            .expect("the data folder")
            .any(|e| e.map(|e| e.file_name() == "use.jsonl").unwrap_or(false)),
        "the use log is in the data folder, so the scan covered it"
    );
    assert!(report.hits.is_empty(), "the key leaked: {:?}", report.hits);
}
