//! What the end-to-end suite and the benchmark both read of the processes they start: a
//! process's tree from `/proc`, and the wait for a WebDriver pair to listen. Shared by
//! `#[path]` (tests/e2e and benches/keystep), so the two never walk or wait differently.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// `pid` and every process below it (the app's WebKit processes), parents before children.
/// A process gone while it is read is left out.
pub fn process_tree(pid: u32) -> Vec<u32> {
    let mut parents: BTreeMap<u32, u32> = BTreeMap::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(p) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{p}/stat")) else {
            continue;
        };
        // The command name, in brackets, may hold spaces: the fields after it start at state.
        let ppid = stat
            .rfind(')')
            .and_then(|at| stat[at + 2..].split_whitespace().nth(1))
            .and_then(|s| s.parse().ok());
        if let Some(ppid) = ppid {
            parents.insert(p, ppid);
        }
    }
    let mut tree = vec![pid];
    let mut i = 0;
    while i < tree.len() {
        let parent = tree[i];
        tree.extend(
            parents
                .iter()
                .filter(|(_, pp)| **pp == parent)
                .map(|(p, _)| *p),
        );
        i += 1;
    }
    tree
}

/// Waits until something listens on each loopback port of `ports`, polling every `every`;
/// false if `deadline` passes first. tauri-driver listens at once but forwards a new session
/// to WebKitWebDriver, which it starts beside it: asked before that one listens, it drops the
/// connection (tauri-driver 2.1.0), so both ports are waited for.
pub async fn wait_until_listening(ports: &[u16], every: Duration, deadline: Instant) -> bool {
    for &port in ports {
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(every).await;
        }
    }
    true
}
