//! The use log's own tests: rotation, what outlives it, and what a record may hold.

use super::*;

#[test]
fn query_values_are_removed_and_names_kept() {
    assert_eq!(
        path_without_values("/users?apikey=SECRET&page=2"),
        "/users?apikey=&page=",
        "values gone, names kept"
    );
    assert_eq!(path_without_values("/users"), "/users", "no query");
}

#[test]
fn the_log_rotates_past_its_size_and_reads_both_files() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let log = UseLog::at(dir.path().join(USE_LOG), 300);
    for i in 0..6 {
        log.append(&UseRecord::RunEnded {
            run: format!("run-{i}"),
            at: i,
            exit_status: 0,
            requests: 0,
            refused: 0,
            other_users: 0,
        })
        .expect("appended");
    }
    assert!(
        dir.path().join("use.jsonl.1").exists(),
        "past 300 bytes the log was rotated"
    );
    let runs: Vec<String> = log.read().iter().map(|r| r.run().to_string()).collect();
    assert!(
        runs.ends_with(&["run-5".to_string()]) && runs.len() >= 3,
        "reading gives the newest records in order: {runs:?}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(log.path())
            .expect("the log exists")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "the log is private");
    }
}

fn started(run: &str, at: u64) -> UseRecord {
    UseRecord::RunStarted {
        run: run.into(),
        at,
        command: "sync.py".into(),
        accounts: vec![UsedAccount {
            id: "a".into(),
            name: "h".into(),
        }],
        mode: Mode::Proxy,
        no_masking: false,
    }
}

fn ended(run: &str, at: u64) -> UseRecord {
    UseRecord::RunEnded {
        run: run.into(),
        at,
        exit_status: 0,
        requests: 1,
        refused: 0,
        other_users: 0,
    }
}

fn request(run: &str, at: u64, path: &str) -> UseRecord {
    UseRecord::Request {
        run: run.into(),
        at,
        account: "a".into(),
        method: "GET".into(),
        path: path_without_values(path),
        status: 200,
        bytes: 1,
        duration_ms: 1,
        forwarded: true,
        waited_ms: 0,
    }
}

#[test]
fn long_paths_are_cut_and_marked_and_control_characters_dropped() {
    let long = format!("/people/{}", "A".repeat(60_000));
    let kept = path_without_values(&long);
    assert!(
        kept.len() <= MAX_PATH,
        "cut to {MAX_PATH} bytes: {}",
        kept.len()
    );
    assert!(kept.ends_with(CUT), "marked as cut");
    assert!(kept.starts_with("/people/AAA"), "its start kept");
    let multibyte = format!("/{}", "é".repeat(400));
    assert!(
        path_without_values(&multibyte).ends_with(CUT),
        "cut on a character boundary (no panic)"
    );
    assert_eq!(
        path_without_values("/a\u{1b}[2J\u{9b}31m/b"),
        "/a[2J31m/b",
        "escape, CSI and the like are dropped"
    );
}

#[test]
fn an_assignment_is_recorded_by_its_name_only() {
    assert_eq!(command_name("/usr/bin/python3"), "python3", "the file name");
    assert_eq!(
        command_name("API_TOKEN=sup3rsecretvalue"),
        "API_TOKEN=…",
        "the value of an assignment is never kept"
    );
    assert_eq!(
        command_name("evil\u{1b}]0;x\u{7}"),
        "evil]0;x",
        "no control characters"
    );
}

#[test]
fn a_flood_of_requests_never_pushes_a_runs_start_or_end_out() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let log = UseLog::at(dir.path().join(USE_LOG), 16 << 10);
    log.append(&started("old", 1)).expect("appended");
    log.append(&ended("old", 2)).expect("appended");
    log.append(&started("now", 3)).expect("appended");
    let long = format!("/x/{}", "A".repeat(2_000));
    for i in 0..400 {
        log.append(&request("now", 3 + i / 100, &long))
            .expect("appended");
    }
    log.append(&ended("now", 9)).expect("appended");
    let records = log.read();
    let runs: Vec<(&str, &str)> = records
        .iter()
        .filter_map(|r| match r {
            UseRecord::RunStarted { run, .. } => Some(("start", run.as_str())),
            UseRecord::RunEnded { run, .. } => Some(("end", run.as_str())),
            _ => None,
        })
        .collect();
    assert_eq!(
        runs,
        [
            ("start", "old"),
            ("end", "old"),
            ("start", "now"),
            ("end", "now")
        ],
        "every run's start and end survive many rotations, in order"
    );
    let requests = records
        .iter()
        .filter(|r| matches!(r, UseRecord::Request { .. }))
        .count();
    assert!(
        requests > 0 && requests < 400,
        "requests were rotated out ({requests} kept)"
    );
}

#[test]
fn two_writers_rotating_at_once_lose_no_append_and_no_run() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join(USE_LOG);
    // Two logs on one file behave as two processes: each has its own turn, and the
    // folder's lock is taken per open file.
    let writers: Vec<_> = ["p", "q"]
        .into_iter()
        .map(|who| {
            let log = UseLog::at(&path, 64 << 10);
            std::thread::spawn(move || {
                let mut failed = 0;
                let long = format!("/x/{}", "B".repeat(600));
                for round in 0..40u64 {
                    let run = format!("{who}{round}");
                    let mut all = vec![started(&run, round * 10)];
                    all.extend((0..20).map(|_| request(&run, round * 10 + 1, &long)));
                    all.push(ended(&run, round * 10 + 2));
                    failed += all.iter().filter(|r| log.append(r).is_err()).count();
                }
                failed
            })
        })
        .collect();
    let failed: usize = writers
        .into_iter()
        .map(|w| w.join().expect("the writer finished"))
        .sum();
    assert_eq!(failed, 0, "no append failed");
    assert!(
        dir.path().join("use.jsonl.1").exists(),
        "the log was rotated on the way"
    );
    let records = UseLog::at(&path, 64 << 10).read();
    for who in ["p", "q"] {
        for round in 0..40 {
            let run = format!("{who}{round}");
            for kind in ["start", "end"] {
                assert!(
                    records.iter().any(|r| r.run() == run
                        && matches!(
                            (kind, r),
                            ("start", UseRecord::RunStarted { .. })
                                | ("end", UseRecord::RunEnded { .. })
                        )),
                    "the {kind} of run {run} is still there"
                );
            }
        }
    }
}

fn tool_call(account: &str, at: u64, client: &str) -> UseRecord {
    UseRecord::Tool {
        run: "session".into(),
        at,
        client: client.into(),
        tool: "list_people".into(),
        account: Some(account.into()),
        outcome: None,
        withheld: 0,
    }
}

#[test]
fn a_flood_of_tool_calls_keeps_each_accounts_latest_call_and_what_is_shared() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let log = UseLog::at(dir.path().join(USE_LOG), 8 << 10);
    log.append(&UseRecord::FieldsShared {
        at: 1,
        account: "b".into(),
        category: crate::provider::FieldCategory::Pay,
        shared: true,
        by: "window".into(),
    })
    .expect("appended");
    log.append(&tool_call("b", 2, "Cursor")).expect("appended");
    for i in 0..400 {
        log.append(&tool_call("a", 3 + i / 100, "Claude Desktop"))
            .expect("appended");
    }
    let records = log.read();
    assert!(
        dir.path().join("use.jsonl.1").exists(),
        "the log was rotated on the way"
    );
    assert!(
        records
            .iter()
            .any(|r| matches!(r, UseRecord::FieldsShared { account, .. } if account == "b")),
        "the change of what b shares outlives the rotations"
    );
    let last: Vec<(String, String)> = history::last_uses(&records)
        .into_iter()
        .map(|l| (l.account, l.command))
        .collect();
    assert_eq!(
        last,
        [
            ("a".to_string(), "Claude Desktop".to_string()),
            ("b".to_string(), "Cursor".to_string())
        ],
        "each account's last use by an assistant survives a flood of another's calls"
    );
    let calls = records
        .iter()
        .filter(|r| matches!(r, UseRecord::Tool { .. }))
        .count();
    assert!(
        calls < 401,
        "older tool calls were rotated out ({calls} kept)"
    );
}
