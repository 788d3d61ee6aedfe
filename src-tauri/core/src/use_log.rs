//! The record of every use of a linked key: each `keystep run` (start, end, the command's
//! name without its arguments, the accounts, the mode, the exit status) and each request its
//! proxy served (time, account, method, path without query values, status, bytes, duration);
//! each `keystep mcp` session (a run whose command is the assistant's name), each tool an
//! assistant called (the assistant, the tool, the account, the outcome, how many fields were
//! withheld: never a value), and each change of what an account shares with assistants.
//!
//! JSON lines in the data folder (`use.jsonl`), readable by the owner only. Each record is
//! one `write` to a file opened with `O_APPEND`, so lines from the window and several runs
//! never interleave; past [`ROTATE_AT`] bytes the file becomes `use.jsonl.1` (the older one
//! is dropped). Nothing secret is ever a field of a record: no key, no run token, no query
//! value (a query may carry JazzHR's key), no argument of the command (arguments often carry
//! secrets).

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::files::DataDir;

/// The log's file name in the data folder.
pub const USE_LOG: &str = "use.jsonl";

/// Past this size the log is rotated.
pub const ROTATE_AT: u64 = 1 << 20;

/// How a run gave its command the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Through the loopback proxy: the command never held the key.
    Proxy,
    /// In the command's environment (`--env`).
    Env,
    /// An AI assistant's session of `keystep mcp`: the command is the assistant's name.
    Mcp,
}

/// An account a run used: its id and the name it was given on the command line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsedAccount {
    /// The account id.
    pub id: String,
    /// The handle it was named by.
    pub name: String,
}

/// One line of the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum UseRecord {
    /// A run began.
    RunStarted {
        /// The run's random id.
        run: String,
        /// Unix seconds.
        at: u64,
        /// The command's file name, without its folder or arguments (`python3`).
        command: String,
        /// The accounts it may use.
        accounts: Vec<UsedAccount>,
        /// Proxy or environment.
        mode: Mode,
    },
    /// The proxy answered one request.
    Request {
        /// The run's id.
        run: String,
        /// Unix seconds when it arrived.
        at: u64,
        /// The account id.
        account: String,
        /// HTTP method.
        method: String,
        /// The path below the account's base, query values removed (`/users?apikey=`).
        path: String,
        /// The status sent back (Keystep's own refusals included).
        status: u16,
        /// Body bytes sent back.
        bytes: u64,
        /// Milliseconds from arrival to the end of the answer.
        duration_ms: u64,
        /// Whether it went to the provider (false: Keystep refused it).
        forwarded: bool,
    },
    /// A run ended.
    RunEnded {
        /// The run's id.
        run: String,
        /// Unix seconds.
        at: u64,
        /// The command's exit status (128 + signal when a signal ended it; 127 when it
        /// could not be started).
        exit_status: i32,
        /// Requests its proxy answered.
        requests: u64,
    },
    /// An assistant called a tool of `keystep mcp`.
    Tool {
        /// The session's id (its run).
        run: String,
        /// Unix seconds when the call arrived.
        at: u64,
        /// The assistant's name, from its MCP handshake (`Claude Desktop`).
        client: String,
        /// The tool (`list_people`).
        tool: String,
        /// The account id it read, if it named one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        account: Option<String>,
        /// `None` when it answered; else why not.
        outcome: Option<crate::error::Code>,
        /// Sensitive members withheld from the answer.
        #[serde(default)]
        withheld: u32,
    },
    /// What an account shares with assistants changed.
    FieldsShared {
        /// Unix seconds.
        at: u64,
        /// The account id.
        account: String,
        /// The category (`pay`).
        category: crate::provider::FieldCategory,
        /// Whether it is shared now.
        shared: bool,
        /// Where the choice was made (`window`, `keystep mcp --allow`).
        by: String,
    },
}

impl UseRecord {
    /// The run the record belongs to (empty for a change of what is shared).
    pub fn run(&self) -> &str {
        match self {
            UseRecord::RunStarted { run, .. }
            | UseRecord::Request { run, .. }
            | UseRecord::RunEnded { run, .. }
            | UseRecord::Tool { run, .. } => run,
            UseRecord::FieldsShared { .. } => "",
        }
    }
}

/// The use log of one data folder.
#[derive(Debug)]
pub struct UseLog {
    path: PathBuf,
    rotate_at: u64,
    /// Rotation and append are one step within this process.
    turn: std::sync::Mutex<()>,
}

impl UseLog {
    /// The log in `dir`.
    pub fn in_dir(dir: &DataDir) -> Self {
        Self::at(dir.file(USE_LOG), ROTATE_AT)
    }

    /// A log at `path`, rotated past `rotate_at` bytes (tests make it small).
    pub fn at(path: impl Into<PathBuf>, rotate_at: u64) -> Self {
        UseLog {
            path: path.into(),
            rotate_at,
            turn: std::sync::Mutex::new(()),
        }
    }

    /// The log's file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn rotated(&self) -> PathBuf {
        let mut name = self.path.as_os_str().to_owned();
        name.push(".1");
        PathBuf::from(name)
    }

    /// Appends one record as one line, in one write.
    ///
    /// # Errors
    /// The file cannot be opened, rotated or written.
    pub fn append(&self, record: &UseRecord) -> io::Result<()> {
        let mut line = serde_json::to_vec(record).map_err(io::Error::other)?;
        line.push(b'\n');
        let _turn = self.turn.lock().unwrap_or_else(|e| e.into_inner());
        let size = std::fs::metadata(&self.path).map_or(0, |m| m.len());
        if size > 0 && size + line.len() as u64 > self.rotate_at {
            std::fs::rename(&self.path, self.rotated())?;
        }
        let mut options = std::fs::OpenOptions::new();
        options.create(true).append(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&self.path)?;
        // One buffer, one write: O_APPEND places it whole at the end of a regular file.
        let written = file.write(&line)?;
        if written != line.len() {
            return Err(io::Error::other("the use log took part of a line"));
        }
        Ok(())
    }

    /// Every record still kept, oldest first (the rotated file, then the current one).
    /// Lines that do not parse (a newer Keystep's, a damaged one) are skipped.
    pub fn read(&self) -> Vec<UseRecord> {
        [self.rotated(), self.path.clone()]
            .iter()
            .filter_map(|p| std::fs::read_to_string(p).ok())
            .flat_map(|text| {
                text.lines()
                    .filter_map(|l| serde_json::from_str(l).ok())
                    .collect::<Vec<_>>()
            })
            .collect()
    }
}

/// The latest use of an account: by a run (when it began and the command's name, for the
/// account card's "used 3 h ago by sync.py") or by an assistant's tool call ("used by
/// Claude Desktop, 2 min ago").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LastUse {
    /// The account id.
    pub account: String,
    /// When the run began or the tool was called (Unix seconds).
    pub at: u64,
    /// The command's name (`sync.py` is run as `python3`: the name is what was run), or the
    /// assistant's.
    pub command: String,
    /// Whether an AI assistant used it (through `keystep mcp`), not a command.
    #[serde(default)]
    pub assistant: bool,
}

/// Each account's latest use, by account id (accounts never used are absent): a run of
/// `keystep run`, or a tool call of an assistant that read it. An assistant's session
/// starting is no use of a key; its calls are.
pub fn last_uses(records: &[UseRecord]) -> Vec<LastUse> {
    let mut latest: std::collections::BTreeMap<&str, (u64, &str, bool)> = Default::default();
    for record in records {
        let uses: Vec<(&str, u64, &str, bool)> = match record {
            UseRecord::RunStarted {
                at,
                command,
                accounts,
                mode,
                ..
            } if *mode != Mode::Mcp => accounts
                .iter()
                .map(|a| (a.id.as_str(), *at, command.as_str(), false))
                .collect(),
            UseRecord::Tool {
                at,
                client,
                account: Some(account),
                ..
            } => vec![(account.as_str(), *at, client.as_str(), true)],
            _ => Vec::new(),
        };
        for (account, at, by, assistant) in uses {
            let entry = latest.entry(account).or_insert((at, by, assistant));
            // Records are in the order written; a later line of the same second wins.
            if at >= entry.0 {
                *entry = (at, by, assistant);
            }
        }
    }
    latest
        .into_iter()
        .map(|(account, (at, command, assistant))| LastUse {
            account: account.to_string(),
            at,
            command: command.to_string(),
            assistant,
        })
        .collect()
}

/// One run as an account's recent use shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunUse {
    /// The run's id.
    pub run: String,
    /// When it began (Unix seconds).
    pub started_at: u64,
    /// When it ended; `None` while it runs (or if it was killed before it could say).
    pub ended_at: Option<u64>,
    /// The command's name.
    pub command: String,
    /// Proxy or environment.
    pub mode: Mode,
    /// Its exit status, once ended.
    pub exit_status: Option<i32>,
    /// Requests this account made through the proxy in the run.
    pub requests: u64,
    /// The status of this account's last request.
    pub last_status: Option<u16>,
}

/// The runs that used `account`, newest first, at most `limit`.
pub fn recent_use(records: &[UseRecord], account: &str, limit: usize) -> Vec<RunUse> {
    let mut runs: Vec<RunUse> = Vec::new();
    for record in records {
        match record {
            UseRecord::RunStarted {
                run,
                at,
                command,
                accounts,
                mode,
            } if accounts.iter().any(|a| a.id == account) => runs.push(RunUse {
                run: run.clone(),
                started_at: *at,
                ended_at: None,
                command: command.clone(),
                mode: *mode,
                exit_status: None,
                requests: 0,
                last_status: None,
            }),
            UseRecord::Request {
                run,
                account: a,
                status,
                ..
            } if a == account => {
                if let Some(r) = runs.iter_mut().rev().find(|r| &r.run == run) {
                    r.requests += 1;
                    r.last_status = Some(*status);
                }
            }
            UseRecord::RunEnded {
                run,
                at,
                exit_status,
                ..
            } => {
                if let Some(r) = runs.iter_mut().rev().find(|r| &r.run == run) {
                    r.ended_at = Some(*at);
                    r.exit_status = Some(*exit_status);
                }
            }
            _ => {}
        }
    }
    runs.reverse();
    runs.truncate(limit);
    runs
}

/// A path as the log keeps it: query values removed, names kept (`/users?apikey=&page=`).
pub fn path_without_values(path_and_query: &str) -> String {
    match path_and_query.split_once('?') {
        None => path_and_query.to_string(),
        Some((path, query)) => {
            let names: Vec<&str> = query
                .split('&')
                .filter(|p| !p.is_empty())
                .map(|p| p.split_once('=').map_or(p, |(k, _)| k))
                .collect();
            format!("{path}?{}", names.join("=&") + "=")
        }
    }
}

/// How to use an account from a script, for the window to offer: the `keystep run` line, and
/// a `curl` through the proxy with the run token where the provider takes a key. Shell code,
/// not sentences; no secret (the variables are filled in by `keystep run`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UseExample {
    /// `keystep run --account HANDLE -- python3 script.py`.
    pub run: String,
    /// The same with a `curl` of one of the provider's reads.
    pub curl: String,
}

/// The [`UseExample`] of account `handle` of `provider`.
pub fn example(handle: &str, provider: &crate::provider::Provider) -> UseExample {
    use crate::provider::{Auth, Method};
    // A read the provider's checks make with no placeholder in it, else the base itself.
    let path = provider
        .checks
        .iter()
        .find(|c| c.method == Method::Get && !c.path.contains('{'))
        .map_or("/", |c| c.path.as_str());
    let request = match &provider.auth {
        Auth::Bearer { .. } => {
            format!("curl -sS -H \"Authorization: Bearer $KEYSTEP_TOKEN\" \"$KEYSTEP_URL{path}\"")
        }
        Auth::Basic { .. } => {
            format!("curl -sS -u \"keystep:$KEYSTEP_TOKEN\" \"$KEYSTEP_URL{path}\"")
        }
        Auth::Query { param, .. } => {
            format!("curl -sS \"$KEYSTEP_URL{path}?{param}=$KEYSTEP_TOKEN\"")
        }
    };
    UseExample {
        run: format!("keystep run --account {handle} -- python3 script.py"),
        curl: format!("keystep run --account {handle} -- sh -c '{request}'"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn examples_put_the_token_where_each_provider_takes_a_key() {
        let catalogue = crate::provider::Catalogue::embedded().expect("providers");
        let curl = |id: &str| example("h", catalogue.get(id).expect("provider")).curl;
        assert!(
            curl("humaans").contains("Authorization: Bearer $KEYSTEP_TOKEN"),
            "bearer"
        );
        assert!(
            curl("hibob").contains("-u \"keystep:$KEYSTEP_TOKEN\""),
            "basic"
        );
        assert!(curl("jazzhr").contains("?apikey=$KEYSTEP_TOKEN"), "query");
        assert_eq!(
            example("payfit-acme-sas", catalogue.get("payfit").expect("payfit")).run,
            "keystep run --account payfit-acme-sas -- python3 script.py",
            "the run line names the handle"
        );
    }

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
    fn recent_use_counts_an_accounts_requests_per_run_newest_first() {
        let started = |run: &str, ids: &[&str], command: &str| UseRecord::RunStarted {
            run: run.into(),
            at: 100,
            command: command.into(),
            accounts: ids
                .iter()
                .map(|id| UsedAccount {
                    id: (*id).into(),
                    name: format!("h-{id}"),
                })
                .collect(),
            mode: Mode::Proxy,
        };
        let request = |run: &str, account: &str, status: u16| UseRecord::Request {
            run: run.into(),
            at: 101,
            account: account.into(),
            method: "GET".into(),
            path: "/me".into(),
            status,
            bytes: 10,
            duration_ms: 1,
            forwarded: true,
        };
        let records = vec![
            started("r1", &["a"], "sync.py"),
            request("r1", "a", 200),
            request("r1", "a", 429),
            UseRecord::RunEnded {
                run: "r1".into(),
                at: 110,
                exit_status: 0,
                requests: 2,
            },
            started("r2", &["a", "b"], "report.py"),
            request("r2", "b", 200),
            started("r3", &["b"], "other.py"),
            request("r3", "b", 200),
        ];
        let runs = recent_use(&records, "a", 10);
        assert_eq!(runs.len(), 2, "a's two runs, not b's own");
        assert_eq!(runs[0].command, "report.py", "newest first");
        assert_eq!(runs[0].requests, 0, "b's request in r2 is not a's");
        assert_eq!(runs[0].ended_at, None, "r2 has not ended");
        assert_eq!(
            (runs[1].requests, runs[1].last_status, runs[1].exit_status),
            (2, Some(429), Some(0)),
            "r1: two requests, the last status, the exit status"
        );
        assert_eq!(recent_use(&records, "a", 1).len(), 1, "the limit holds");
    }

    #[test]
    fn last_uses_names_each_accounts_latest_run_and_skips_unused_ones() {
        let started = |at: u64, ids: &[&str], command: &str| UseRecord::RunStarted {
            run: format!("r{at}"),
            at,
            command: command.into(),
            accounts: ids
                .iter()
                .map(|id| UsedAccount {
                    id: (*id).into(),
                    name: format!("h-{id}"),
                })
                .collect(),
            mode: Mode::Proxy,
        };
        let records = vec![
            started(100, &["a"], "sync.py"),
            started(200, &["a", "b"], "report.py"),
            started(300, &["b"], "curl"),
            UseRecord::RunEnded {
                run: "r300".into(),
                at: 400,
                exit_status: 0,
                requests: 1,
            },
        ];
        let last = last_uses(&records);
        let pairs: Vec<(&str, u64, &str)> = last
            .iter()
            .map(|l| (l.account.as_str(), l.at, l.command.as_str()))
            .collect();
        assert_eq!(
            pairs,
            vec![("a", 200, "report.py"), ("b", 300, "curl")],
            "each account's latest run, by when it began; none for an account never used"
        );
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
}
