//! The window follows the command line (issue 21 §5): with the window open on its accounts
//! page, an account `keystep link` adds in a terminal appears in it within seconds, without
//! the person going anywhere (before, it showed only after visiting Details and back).

use std::io::Write;
use std::process::{Command, Stdio};

use keystep_emulator::{Emulator, HumaansTenant};

use crate::driver::{Sandbox, Session};

const WINDOW_KEY: &str = "E2eFollowWindowHumaansToken00001";
const CLI_KEY: &str = "E2eFollowCommandLineHumaans00002";

#[tokio::test]
async fn an_account_linked_from_the_command_line_appears_in_the_open_window() {
    let Some(sandbox) = Sandbox::new() else {
        return;
    };
    let emu = Emulator::start();
    emu.add_humaans(WINDOW_KEY, HumaansTenant::full("Acme Ltd", 42));
    emu.add_humaans(
        CLI_KEY,
        HumaansTenant {
            company_id: "cmp_e2e_beta".into(),
            ..HumaansTenant::full("Beta GmbH", 7)
        },
    );
    let s = Session::start(&sandbox, &emu).await;
    let (state, code, said) = s.link("humaans", &[("api_token", WINDOW_KEY)]).await;
    assert_eq!(state, "success", "linked in the window: {code:?} {said}");
    s.click("#done").await;
    s.wait_for_text("#accounts", "Acme Ltd").await;

    // `keystep link` in a terminal, over the window's data folder, while it is open.
    let mut link = Command::new(&sandbox.app);
    link.args(["link", "humaans"])
        .env("XDG_DATA_HOME", sandbox.root.join("data"))
        .env("XDG_CONFIG_HOME", sandbox.root.join("config"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in emu.env() {
        link.env(k, v);
    }
    let mut child = link.spawn().expect("keystep link starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(format!("api_token={CLI_KEY}\n").as_bytes())
        .expect("the key is piped in");
    let out = child.wait_with_output().expect("keystep link ends");
    assert_eq!(
        out.status.code(),
        Some(0),
        "linked from the command line: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    // No click, no key: the accounts page shows it by itself.
    s.wait_for_text("#accounts", "Beta GmbH").await;
    s.assert_page_lacks(&[WINDOW_KEY, CLI_KEY]).await;
    s.end().await;
}
