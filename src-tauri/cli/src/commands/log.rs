//! `keystep log [--account HANDLE] [--json]`: the record of every use, as `use_log` keeps
//! it. Text: one line per run and, under it, its requests. `--json`: the records as kept,
//! one JSON object a line. With `--account`, the runs that used that account and its
//! requests only.

use std::collections::BTreeSet;
use std::io::Write;

use keystep_core::world::World;

use super::accounts::read_book;
use super::view::rfc3339;
use super::{EXIT_FAILED, EXIT_OK, EXIT_USAGE};
use keystep_core::account::resolve;
use keystep_core::files::DataDir;
use keystep_core::use_log::{printable, Mode, UseLog, UseRecord};

/// `keystep log --help`.
pub const LOG_USAGE: &str = "\
Usage: keystep log [--account HANDLE] [--json]

Every use of a key through keystep run: each run (when, the command's name, the accounts,
proxy or environment mode, its exit status) and each request through the proxy (when,
the account, method, path without query values, status, bytes, time taken). It never
holds a key, a query value or a command's arguments. With --json, one JSON object a line.
";

/// Runs `keystep log` with `args` (after the word `log`) and returns the exit status.
pub fn run_log(
    args: &[String],
    world: &World,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> i32 {
    let (mut json, mut account) = (false, None);
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--help" | "-h" => {
                let _ = write!(stdout, "{LOG_USAGE}");
                return EXIT_OK;
            }
            "--json" => json = true,
            "--account" => match it.next() {
                Some(h) => account = Some(h.clone()),
                None => return usage(stderr, "--account needs a handle"),
            },
            a if a.starts_with("--account=") => account = Some(a["--account=".len()..].to_string()),
            _ => return usage(stderr, "it takes --account HANDLE and --json only"),
        }
    }
    let id = match &account {
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
    let shown = only(records, id.as_deref());
    if json {
        for r in &shown {
            let _ = writeln!(stdout, "{}", serde_json::to_string(r).unwrap_or_default());
        }
    } else if shown.is_empty() {
        let _ = writeln!(
            stdout,
            "No use recorded yet. keystep run records each use of a key."
        );
    } else {
        for r in &shown {
            // A record holds no control character, but an older Keystep's might.
            let _ = writeln!(stdout, "{}", printable(&line(r)));
        }
    }
    EXIT_OK
}

fn usage(stderr: &mut dyn Write, why: &str) -> i32 {
    let _ = writeln!(stderr, "keystep log: {why}. Try keystep log --help.");
    EXIT_USAGE
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
    }
}

fn short(run: &str) -> &str {
    &run[..run.len().min(8)]
}
