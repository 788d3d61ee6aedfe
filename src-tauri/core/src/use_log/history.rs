//! What the log says about an account, for the window: its latest use ("used 3 h ago by
//! sync.py", "used by Claude Desktop, 2 min ago") and its recent runs with their requests.

use serde::Serialize;

use super::{Mode, UseRecord};

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
                ..
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::use_log::UsedAccount;

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
            no_masking: false,
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
            waited_ms: 0,
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
                refused: 0,
                other_users: 0,
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
            no_masking: false,
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
                refused: 0,
                other_users: 0,
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
}
