//! The command line and the window writing one book at once: `keystep link` (`run_link`,
//! as the binary runs it, over the data folder) while the window's `Accounts` links and
//! renames over its own `FileBook` of the same folder, as two processes would (each with its
//! own `DataDir` and lock handle). Nothing either wrote is lost, handles stay unique, and
//! `keystep list` reads what both wrote.

use std::sync::Arc;
use std::time::Duration;

use keystep_cli::commands::{run_link, run_list, SecretInput};
use keystep_core::account::{Accounts, BookStore, FileBook};
use keystep_core::clock::{Clock, ManualClock};
use keystep_core::files::DataDir;
use keystep_core::pace::Pacer;
use keystep_core::vault::{MemoryVault, Vault};
use keystep_core::world::World;
use keystep_emulator::{Emulator, HumaansTenant};
use serde_json::Value;

use crate::parts::{catalogue, hosts_for, raw, verifier_for};

const ROUNDS: usize = 6;

fn token(who: &str, i: usize) -> String {
    format!("{who}CliBookToken{i:020}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_command_line_and_the_window_write_one_book_without_losing_anything() {
    let root = tempfile::tempdir().expect("temp dir");
    let folder = root.path().join("io.keystep.desktop");
    let emu = Emulator::start();
    for i in 0..=ROUNDS {
        // Every company is called "Acme Ltd": both writers want the same handle each round.
        for who in ["Cli", "Win"] {
            emu.add_humaans(
                &token(who, i),
                HumaansTenant {
                    company_id: format!("cmp_{who}_{i}"),
                    ..HumaansTenant::full("Acme Ltd", 5)
                },
            );
        }
    }
    let vault = Arc::new(MemoryVault::default());
    let clock = Arc::new(ManualClock::at(1_700_000_000));
    let window = Accounts::open(
        catalogue(),
        verifier_for(&emu, Duration::from_secs(5)),
        vault.clone() as Arc<dyn Vault>,
        Arc::new(FileBook::new(Arc::new(
            DataDir::open(&folder).expect("the window's folder"),
        ))) as Arc<dyn BookStore>,
        clock.clone() as Arc<dyn Clock>,
    )
    .expect("the window opens the book");
    let parts = World {
        catalogue: catalogue(),
        hosts: hosts_for(&emu),
        data_dir: folder.clone(),
        vault: vault.clone(),
        clock: clock.clone(),
        pacer: Arc::new(Pacer::new()),
    };

    let mut window_ids = Vec::new();
    for i in 0..ROUNDS {
        let cli = async {
            let args = vec!["humaans".to_string(), "--json".to_string()];
            let stdin = format!("api_token={}\n", token("Cli", i));
            let (mut out, mut err) = (Vec::new(), Vec::new());
            let mut input = SecretInput::Lines(&mut stdin.as_bytes());
            let status = run_link(&args, &parts, &mut input, &mut out, &mut err).await;
            (status, out, err)
        };
        let win = async {
            let linked = window
                .link("humaans", raw(&[("api_token", &token("Win", i))]), &|_| {})
                .await
                .expect("the window links");
            window
                .rename(&linked.account.id, &format!("Window {i}"))
                .await
                .expect("the window renames");
            linked.account.id
        };
        let ((status, out, err), id) = tokio::join!(cli, win);
        assert_eq!(
            status,
            0,
            "round {i}: the command line linked: {}",
            String::from_utf8_lossy(&err)
        );
        let line: Value = serde_json::from_slice(
            out.rsplit(|b| *b == b'\n')
                .find(|l| !l.is_empty())
                .expect("a last line"),
        )
        .expect("JSON");
        assert!(
            line["handle"]
                .as_str()
                .is_some_and(|h| h.starts_with("humaans-acme-ltd")),
            "round {i}: a handle from the company: {line}"
        );
        window_ids.push(id);
    }

    // And in a fixed order: the window, holding the book as it last wrote it, renames after
    // the command line linked; the rename must not write the link away.
    let stdin = format!("api_token={}\n", token("Cli", ROUNDS));
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let status = run_link(
        &["humaans".into()],
        &parts,
        &mut SecretInput::Lines(&mut stdin.as_bytes()),
        &mut out,
        &mut err,
    )
    .await;
    assert_eq!(
        status,
        0,
        "the last link: {}",
        String::from_utf8_lossy(&err)
    );
    window
        .rename(&window_ids[0], "Window 0, renamed")
        .await
        .expect("the window renames");

    let (mut out, mut err) = (Vec::new(), Vec::new());
    assert_eq!(
        run_list(&["--json".into()], &parts, &mut out, &mut err),
        0,
        "list"
    );
    let listed: Vec<Value> = serde_json::from_slice(&out).expect("JSON");
    assert_eq!(
        listed.len(),
        2 * ROUNDS + 1,
        "every account of both writers: {listed:?}"
    );
    let mut handles: Vec<&str> = listed
        .iter()
        .map(|l| l["handle"].as_str().expect("handle"))
        .collect();
    handles.sort_unstable();
    handles.dedup();
    assert_eq!(
        handles.len(),
        2 * ROUNDS + 1,
        "handles are unique: {listed:?}"
    );
    for (i, id) in window_ids.iter().enumerate() {
        let line = listed
            .iter()
            .find(|l| l["id"] == id.as_str())
            .unwrap_or_else(|| panic!("round {i}: the window's account is in the book"));
        let name = match i {
            0 => "Window 0, renamed".to_string(),
            _ => format!("Window {i}"),
        };
        assert_eq!(line["name"], name, "the window's rename stayed");
    }
    let in_window = window.list().await;
    assert_eq!(
        in_window.len(),
        2 * ROUNDS + 1,
        "the window sees the command line's accounts too"
    );
    for account in in_window {
        assert!(
            vault.get(&account.id).expect("readable").is_some(),
            "{}: its key is kept",
            account.handle
        );
    }
}
