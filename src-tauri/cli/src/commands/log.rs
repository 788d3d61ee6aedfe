//! `keystep log [--account HANDLE] [--since DURATION|TIME] [--last N] [--json]`: the record
//! of every use, as `use_log` keeps it. Text: one line per run and, under it, its
//! requests. `--json`: the records as kept, one JSON object a line. With `--account`, the
//! runs that used that account and its requests only; `--since` keeps what was recorded
//! since then, `--last N` the last N runs.

use std::collections::BTreeSet;
use std::io::Write;

use keystep_core::world::World;

use super::accounts::read_book;
use super::args::{self, usage_error, Long, Short};
use super::view::rfc3339;
use super::{EXIT_FAILED, EXIT_OK, EXIT_USAGE};
use keystep_core::account::resolve;
use keystep_core::files::DataDir;
use keystep_core::use_log::{printable, Mode, UseLog, UseRecord};

/// `keystep log --help`.
pub const LOG_USAGE: &str = "\
Usage: keystep log [--account HANDLE] [--since DURATION|TIME] [--last N] [--json]

Every use of a key through keystep run: each run (when, the command's name, the accounts,
proxy or environment mode, its exit status) and each request through the proxy (when,
the account, method, path without query values, status, bytes, time taken); each
keystep mcp session (named after the AI assistant), each tool it called (the tool, the
outcome, how many fields were withheld) and each change of what an account shares with
assistants. It never holds a key, a query value, an answer or a command's arguments.
With --json, one JSON object a line.

  --account HANDLE  the runs that used this account, and its requests
  --since WHEN      what was recorded since WHEN: a duration back from now (30m, 2h, 7d,
                    1h30m) or a time in UTC, as the log prints it (2024-06-01,
                    2024-06-01T09:30, 2024-06-01T09:30:00Z, or with an offset)
  --last N          the last N runs only
";

/// What `keystep log` was asked to show.
#[derive(Debug, Default, PartialEq, Eq)]
struct LogArgs {
    json: bool,
    account: Option<String>,
    /// Unix seconds: only records from then on.
    since: Option<u64>,
    /// Only the last this many runs.
    last: Option<usize>,
}

/// Parses `keystep log`'s arguments; `None` for `--help`. `now` is for `--since DURATION`.
fn parse(args: &[String], now: u64) -> Result<Option<LogArgs>, String> {
    let mut parsed = LogArgs::default();
    let mut parser = args::parser(args);
    while let Some(arg) = parser.next().map_err(|e| args::explain(e, "log"))? {
        match arg {
            Long("help") | Short('h') => return Ok(None),
            Long("json") => parsed.json = true,
            Long("account") => parsed.account = Some(args::text(&mut parser, "log")?),
            Long("since") => parsed.since = Some(since(&args::text(&mut parser, "log")?, now)?),
            Long("last") => {
                let n = args::text(&mut parser, "log")?;
                parsed.last = Some(
                    n.parse::<usize>()
                        .ok()
                        .filter(|n| *n > 0)
                        .ok_or("--last takes a number of runs, such as --last 5.")?,
                );
            }
            other => return Err(args::explain(other.unexpected(), "log")),
        }
    }
    Ok(Some(parsed))
}

/// `--since`'s value as Unix seconds: a duration back from `now`, or a time (UTC unless it
/// says otherwise).
fn since(value: &str, now: u64) -> Result<u64, String> {
    let value = value.trim();
    if let Ok(back) = value.parse::<jiff::Span>() {
        if back.is_negative() {
            return Err(
                "--since takes a duration back from now, such as 2h, not a negative one.".into(),
            );
        }
        // Days and weeks count as 24 hours and 7 days: the log is read in UTC. Months and
        // years have no fixed length, so they are refused as unreadable.
        let total = jiff::SpanTotal::from(jiff::Unit::Second).days_are_24_hours();
        if let Ok(secs) = back.total(total) {
            // Whole seconds; a float this size holds them exactly.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            return Ok(now.saturating_sub(secs as u64));
        }
    }
    let at = value
        .parse::<jiff::Timestamp>()
        .ok()
        .or_else(|| {
            value
                .parse::<jiff::civil::DateTime>()
                .ok()
                .and_then(|t| t.to_zoned(jiff::tz::TimeZone::UTC).ok())
                .map(|z| z.timestamp())
        })
        .ok_or(
            "--since takes a duration (30m, 2h, 7d) or a time (2024-06-01, 2024-06-01T09:30:00Z).",
        )?;
    Ok(u64::try_from(at.as_second()).unwrap_or(0))
}

/// Runs `keystep log` with `args` (after the word `log`) and returns the exit status.
pub fn run_log(
    args: &[String],
    world: &World,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> i32 {
    let parsed = match parse(args, world.clock.unix_now()) {
        Ok(Some(parsed)) => parsed,
        Ok(None) => {
            let _ = write!(stdout, "{LOG_USAGE}");
            return EXIT_OK;
        }
        Err(e) => return usage_error(stderr, "log", &e),
    };
    let id = match &parsed.account {
        None => None,
        Some(name) => {
            let book = match read_book(world) {
                Ok(b) => b,
                Err(e) => {
                    let _ = writeln!(stderr, "keystep log: {e}");
                    return EXIT_FAILED;
                }
            };
            match resolve(&book.accounts, name) {
                Ok(a) => Some(a.id.clone()),
                Err(e) => {
                    let _ = writeln!(stderr, "keystep log: {e}");
                    return EXIT_USAGE;
                }
            }
        }
    };
    let records = if world.data_dir.exists() {
        match DataDir::open(&world.data_dir) {
            Ok(dir) => UseLog::in_dir(&dir).read(),
            Err(e) => {
                let _ = writeln!(
                    stderr,
                    "keystep log: Keystep's data folder could not be opened: {e}"
                );
                return EXIT_FAILED;
            }
        }
    } else {
        Vec::new()
    };
    let shown = last_runs(
        since_time(only(records, id.as_deref()), parsed.since),
        parsed.last,
    );
    if parsed.json {
        for r in &shown {
            let _ = writeln!(stdout, "{}", serde_json::to_string(r).unwrap_or_default());
        }
    } else if shown.is_empty() {
        let _ = writeln!(
            stdout,
            "No use recorded{}. keystep run records each use of a key.",
            if parsed.since.is_some() || parsed.account.is_some() {
                " that matches"
            } else {
                " yet"
            }
        );
    } else {
        for r in &shown {
            // A record holds no control character, but an older Keystep's might.
            let _ = writeln!(stdout, "{}", printable(&line(r)));
        }
    }
    EXIT_OK
}

/// The records made at or after `since`.
fn since_time(records: Vec<UseRecord>, since: Option<u64>) -> Vec<UseRecord> {
    match since {
        None => records,
        Some(since) => records.into_iter().filter(|r| when(r) >= since).collect(),
    }
}

/// When a record was made (Unix seconds).
fn when(record: &UseRecord) -> u64 {
    match record {
        UseRecord::RunStarted { at, .. }
        | UseRecord::Request { at, .. }
        | UseRecord::RunEnded { at, .. }
        | UseRecord::Tool { at, .. }
        | UseRecord::FieldsShared { at, .. } => *at,
    }
}

/// The records of the last `last` runs (in the order their records first appear).
fn last_runs(records: Vec<UseRecord>, last: Option<usize>) -> Vec<UseRecord> {
    let Some(last) = last else {
        return records;
    };
    let mut runs: Vec<&str> = Vec::new();
    for r in &records {
        if !runs.contains(&r.run()) {
            runs.push(r.run());
        }
    }
    let kept: BTreeSet<String> = runs
        .iter()
        .rev()
        .take(last)
        .map(|r| r.to_string())
        .collect();
    records
        .into_iter()
        .filter(|r| kept.contains(r.run()))
        .collect()
}

/// The records of the runs that used `account` (its requests only), or every record.
fn only(records: Vec<UseRecord>, account: Option<&str>) -> Vec<UseRecord> {
    let Some(account) = account else {
        return records;
    };
    let runs: BTreeSet<String> = records
        .iter()
        .filter_map(|r| match r {
            UseRecord::RunStarted { run, accounts, .. }
                if accounts.iter().any(|a| a.id == account) =>
            {
                Some(run.clone())
            }
            _ => None,
        })
        .collect();
    records
        .into_iter()
        .filter(|r| match r {
            UseRecord::Request { account: a, .. } => a == account,
            UseRecord::Tool { account: a, .. } => a.as_deref() == Some(account),
            UseRecord::FieldsShared { account: a, .. } => a == account,
            other => runs.contains(other.run()),
        })
        .collect()
}

fn line(record: &UseRecord) -> String {
    match record {
        UseRecord::RunStarted {
            run,
            at,
            command,
            accounts,
            mode,
            no_masking,
        } => {
            let names: Vec<&str> = accounts.iter().map(|a| a.name.as_str()).collect();
            let how = match (mode, no_masking) {
                (Mode::Proxy, _) => "through the proxy",
                (Mode::Env, false) => "with keys in its environment",
                (Mode::Env, true) => "with keys in its environment, output unmasked",
                (Mode::Mcp, _) => "as an AI assistant through keystep mcp",
            };
            format!(
                "{} run {} started: {command} {how}, using {}",
                rfc3339(*at),
                short(run),
                names.join(", ")
            )
        }
        UseRecord::Request {
            at,
            method,
            path,
            status,
            bytes,
            duration_ms,
            forwarded,
            waited_ms,
            ..
        } => {
            let refused = if *forwarded {
                ""
            } else {
                " (refused by Keystep)"
            };
            let held = if *waited_ms > 0 {
                format!(" (held {waited_ms} ms to the provider's limits)")
            } else {
                String::new()
            };
            format!(
                "{}   {method} {path} → {status}{refused}, {bytes} bytes, {duration_ms} ms{held}",
                rfc3339(*at)
            )
        }
        UseRecord::RunEnded {
            run,
            at,
            exit_status,
            requests,
            refused,
            other_users,
        } => {
            let mut turned_away = String::new();
            if *refused > 0 {
                turned_away.push_str(&format!(
                    "; {refused} refused before a run token opened them"
                ));
            }
            if *other_users > 0 {
                turned_away.push_str(&format!(
                    "; {other_users} connection{} from other users closed unread",
                    if *other_users == 1 { "" } else { "s" }
                ));
            }
            format!(
                "{} run {} ended: exit status {exit_status}, {requests} request{}{turned_away}",
                rfc3339(*at),
                short(run),
                if *requests == 1 { "" } else { "s" }
            )
        }
        UseRecord::Tool {
            at,
            client,
            tool,
            outcome,
            withheld,
            ..
        } => {
            let how = outcome.map_or_else(|| "answered".to_string(), |c| format!("refused ({c})"));
            let held = match withheld {
                0 => String::new(),
                1 => ", 1 field withheld".to_string(),
                n => format!(", {n} fields withheld"),
            };
            format!("{}   {client}: {tool} {how}{held}", rfc3339(*at))
        }
        UseRecord::FieldsShared {
            at,
            account,
            category,
            shared,
            by,
        } => format!(
            "{} account {account} {} {} with AI assistants ({by})",
            rfc3339(*at),
            if *shared {
                "shares"
            } else {
                "no longer shares"
            },
            category.as_str()
        ),
    }
}

fn short(run: &str) -> &str {
    &run[..run.len().min(8)]
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use keystep_core::clock::ManualClock;
    use keystep_core::hosts::Hosts;
    use keystep_core::pace::Pacer;
    use keystep_core::provider::Catalogue;
    use keystep_core::use_log::UsedAccount;
    use keystep_core::vault::MemoryVault;

    use super::*;

    const NOW: u64 = 1_700_000_000;

    /// A world whose use log holds three runs, 6 h, 1 h 30 min and 10 min ago.
    fn world_with_runs(folder: &std::path::Path) -> World {
        let dir = DataDir::open(folder).expect("data folder");
        let log = UseLog::in_dir(&dir);
        for (run, ago) in [
            ("aaaaaaaa1", 6 * 3600),
            ("bbbbbbbb2", 5400),
            ("cccccccc3", 600),
        ] {
            let at = NOW - ago;
            let records = [
                UseRecord::RunStarted {
                    run: run.into(),
                    at,
                    command: "sync.py".into(),
                    accounts: vec![UsedAccount {
                        id: "acc".into(),
                        name: "humaans-acme-ltd".into(),
                    }],
                    mode: Mode::Proxy,
                    no_masking: false,
                },
                UseRecord::RunEnded {
                    run: run.into(),
                    at: at + 5,
                    exit_status: 0,
                    requests: 0,
                    refused: 0,
                    other_users: 0,
                },
            ];
            for r in &records {
                log.append(r).expect("recorded");
            }
        }
        World {
            catalogue: Arc::new(Catalogue::embedded().expect("catalogue")),
            hosts: Hosts::production(),
            data_dir: folder.to_path_buf(),
            vault: Arc::new(MemoryVault::default()),
            clock: Arc::new(ManualClock::at(NOW)),
            pacer: Arc::new(Pacer::new()),
        }
    }

    /// The runs `keystep log <args>` shows, by their short ids, and its status.
    fn runs_shown(world: &World, args: &[&str]) -> (i32, Vec<String>, String) {
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let status = run_log(&args, world, &mut out, &mut err);
        let mut runs: Vec<String> = String::from_utf8_lossy(&out)
            .lines()
            .filter(|l| l.starts_with(|c: char| c.is_ascii_digit()))
            .filter_map(|l| l.split(" run ").nth(1))
            .filter_map(|l| l.split(' ').next())
            .map(str::to_string)
            .collect();
        runs.dedup();
        (status, runs, String::from_utf8_lossy(&err).into_owned())
    }

    #[test]
    fn since_a_duration_or_a_time_and_the_last_runs() {
        let folder = tempfile::tempdir().expect("temp dir");
        let world = world_with_runs(folder.path());
        let cases: [(&[&str], &[&str]); 6] = [
            (&[], &["aaaaaaaa", "bbbbbbbb", "cccccccc"]),
            (&["--since", "2h"], &["bbbbbbbb", "cccccccc"]),
            (&["--since=30m"], &["cccccccc"]),
            (
                &["--since", "2023-11-14T20:00:00Z"],
                &["bbbbbbbb", "cccccccc"],
            ),
            (&["--last", "1"], &["cccccccc"]),
            (&["--since", "1d", "--last", "2"], &["bbbbbbbb", "cccccccc"]),
        ];
        for (args, want) in cases {
            let (status, runs, err) = runs_shown(&world, args);
            assert_eq!(status, EXIT_OK, "{args:?}: {err}");
            assert_eq!(runs, want, "{args:?}: the runs shown");
        }
        let (status, runs, _) = runs_shown(&world, &["--since", "2023-11-15"]);
        assert_eq!((status, runs.len()), (EXIT_OK, 0), "a day with no run");
    }

    #[test]
    fn a_since_or_last_that_cannot_be_read_is_a_usage_error_without_its_value() {
        let folder = tempfile::tempdir().expect("temp dir");
        let world = world_with_runs(folder.path());
        for args in [
            &["--since", "QzXvPastedKey000001"][..],
            &["--since", "-2h"],
            &["--last", "QzXv2"],
            &["--last", "0"],
            &["--since"],
        ] {
            let (status, _, err) = runs_shown(&world, args);
            assert_eq!(status, EXIT_USAGE, "{args:?}: refused: {err}");
            assert!(
                err.starts_with("keystep log: ")
                    && err.trim_end().ends_with("Try keystep log --help."),
                "{args:?}: one line in the one style: {err}"
            );
            assert!(
                !err.contains("QzXv"),
                "{args:?}: the value is not repeated: {err}"
            );
        }
    }
}
