//! The record of every use of a linked key: each `keystep run` (start, end, the command's
//! name without its arguments, the accounts, the mode and whether output was masked, the exit
//! status, and how many requests and connections were refused before anyone was identified)
//! and each request a run token opened (time, account, method, path without query values,
//! status, bytes, duration, time held to the provider's limits); each `keystep mcp` session
//! (a run whose command is the assistant's name), each tool an assistant called (the
//! assistant, the tool, the account, the outcome, how many fields were withheld: never a
//! value), and each change of what an account shares with assistants.
//!
//! JSON lines in the data folder (`use.jsonl`), readable by the owner only. Each record is
//! one `write` to a file opened with `O_APPEND`, so lines from the window and several runs
//! never interleave. Past [`ROTATE_AT`] bytes the file becomes `use.jsonl.1` and the older
//! one is dropped, but not its runs' starts and ends: they are carried into the new file, so
//! a flood of requests can push requests out, never the runs themselves (only when run
//! records alone would fill half the budget do the oldest runs go). Rotation happens under
//! the data folder's lock and only if the file is still the one found too big, so two
//! processes rotating at once lose nothing; an append that lost the race lands in the
//! renamed file, which is still read.
//!
//! Nothing secret is ever a field of a record: no key, no run token, no query value (a query
//! may carry JazzHR's key), no argument of the command (arguments often carry secrets). A
//! recorded path is cut at [`MAX_PATH`] bytes, and control characters are dropped when
//! recording and again when printing ([`printable`]).

mod history;
mod example;

pub use example::{curl_through_proxy, example, UseExample};
pub use history::{last_uses, recent_use, LastUse, RunUse};

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::files::DataDir;

/// The log's file name in the data folder.
pub const USE_LOG: &str = "use.jsonl";

/// Past this size the log is rotated.
pub const ROTATE_AT: u64 = 1 << 20;

/// The longest path a record keeps, in bytes; a longer one is cut and ends with [`CUT`].
pub const MAX_PATH: usize = 512;

/// What ends a path that was cut.
pub const CUT: &str = "…[cut]";

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
        /// Environment mode with `--no-masking`: the command's output was passed on as it was.
        #[serde(default)]
        no_masking: bool,
    },
    /// The proxy answered one request a run token opened.
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
        /// Milliseconds it was held to keep within the provider's limits or a wait the
        /// provider asked for.
        #[serde(default)]
        waited_ms: u64,
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
        /// Requests a run token opened (each has its own record).
        requests: u64,
        /// Requests refused before a token opened them (no token, a wrong one, a foreign
        /// `Host`): only counted, so nobody without the token can fill the log.
        #[serde(default)]
        refused: u64,
        /// Connections from other users of the machine, closed before a byte was read.
        #[serde(default)]
        other_users: u64,
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

    /// When it happened (Unix seconds).
    pub fn at(&self) -> u64 {
        match self {
            UseRecord::RunStarted { at, .. }
            | UseRecord::Request { at, .. }
            | UseRecord::RunEnded { at, .. }
            | UseRecord::Tool { at, .. }
            | UseRecord::FieldsShared { at, .. } => *at,
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

    /// Appends one record as one line, in one write, rotating the file first if it is full.
    ///
    /// # Errors
    /// The file cannot be opened, rotated or written.
    pub fn append(&self, record: &UseRecord) -> io::Result<()> {
        let mut line = serde_json::to_vec(record).map_err(io::Error::other)?;
        line.push(b'\n');
        let _turn = self.turn.lock().unwrap_or_else(|e| e.into_inner());
        let mut file = self.open()?;
        if needs_turn(&file, line.len(), self.rotate_at)? {
            self.rotate(line.len())?;
            file = self.open()?;
        }
        // One buffer, one write: O_APPEND places it whole at the end of a regular file.
        let written = file.write(&line)?;
        if written != line.len() {
            return Err(io::Error::other("the use log took part of a line"));
        }
        Ok(())
    }

    fn open(&self) -> io::Result<std::fs::File> {
        let mut options = std::fs::OpenOptions::new();
        options.create(true).append(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        options.open(&self.path)
    }

    /// Under the folder's lock: if the file is still too full (another process may have
    /// rotated it meanwhile), it becomes the older generation, and the runs' records of the
    /// generation it replaces are carried into the new file.
    fn rotate(&self, adding: usize) -> io::Result<()> {
        let folder = self.path.parent().unwrap_or_else(|| Path::new("."));
        let _lock = crate::files::exclusive_in(folder)?;
        let size = match std::fs::metadata(&self.path) {
            Ok(m) => m.len(),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
        };
        if size == 0 || size + adding as u64 <= self.rotate_at {
            return Ok(());
        }
        let carried = match std::fs::read_to_string(self.rotated()) {
            Ok(text) => runs_of(&text, self.rotate_at / 2),
            Err(e) if e.kind() == io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(e),
        };
        std::fs::rename(&self.path, self.rotated())?;
        if !carried.is_empty() {
            // Appends that open the new file meanwhile may come first; reading sorts by time.
            self.open()?.write_all(carried.as_bytes())?;
        }
        Ok(())
    }

    /// Every record still kept, oldest first (the rotated file, then the current one, in the
    /// order of their times: runs carried over at a rotation go back to their place). Lines
    /// that do not parse (a newer Keystep's, a damaged one) are skipped.
    pub fn read(&self) -> Vec<UseRecord> {
        let mut records: Vec<UseRecord> = [self.rotated(), self.path.clone()]
            .iter()
            .filter_map(|p| std::fs::read_to_string(p).ok())
            .flat_map(|text| {
                text.lines()
                    .filter_map(|l| serde_json::from_str(l).ok())
                    .collect::<Vec<_>>()
            })
            .collect();
        // Stable: records of one second keep the order they were written in.
        records.sort_by_key(UseRecord::at);
        records
    }
}

/// Whether `file` (opened for appending) has no room for `adding` more bytes.
fn needs_turn(file: &std::fs::File, adding: usize, rotate_at: u64) -> io::Result<bool> {
    let size = file.metadata()?.len();
    Ok(size > 0 && size + adding as u64 > rotate_at)
}

/// The run records (starts and ends) of a generation about to be dropped, as lines, the
/// newest kept when they exceed `budget` bytes.
fn runs_of(text: &str, budget: u64) -> String {
    let runs: Vec<&str> = text
        .lines()
        .filter(|l| {
            matches!(
                serde_json::from_str::<UseRecord>(l),
                Ok(UseRecord::RunStarted { .. } | UseRecord::RunEnded { .. })
            )
        })
        .collect();
    let mut kept = 0u64;
    let mut from = runs.len();
    while from > 0 && kept + (runs[from - 1].len() as u64) < budget {
        from -= 1;
        kept += runs[from].len() as u64 + 1;
    }
    runs[from..].iter().map(|l| format!("{l}\n")).collect()
}

/// A path as the log keeps it: query values removed, names kept (`/users?apikey=&page=`),
/// control characters dropped, and at most [`MAX_PATH`] bytes (then ending with [`CUT`]).
pub fn path_without_values(path_and_query: &str) -> String {
    let kept = match path_and_query.split_once('?') {
        None => path_and_query.to_string(),
        Some((path, query)) => {
            let names: Vec<&str> = query
                .split('&')
                .filter(|p| !p.is_empty())
                .map(|p| p.split_once('=').map_or(p, |(k, _)| k))
                .collect();
            format!("{path}?{}", names.join("=&") + "=")
        }
    };
    cut(&printable(&kept), MAX_PATH)
}

/// `text` cut to at most `max` bytes on a character boundary, marked with [`CUT`] if it was.
fn cut(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max - CUT.len();
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{CUT}", &text[..end])
}

/// `text` without control characters (C0, DEL and C1, such as U+009B, which a terminal may
/// read as the start of a command): what the log records and `keystep log` prints.
pub fn printable(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).collect()
}

/// The name a run's command is recorded by: its file name, without its folder or arguments,
/// printable and short. A shell assignment (`API_TOKEN=…`) keeps its name only.
pub fn command_name(program: &str) -> String {
    let name = std::path::Path::new(program)
        .file_name()
        .map_or_else(|| program.to_string(), |n| n.to_string_lossy().into_owned());
    let name = match name.split_once('=') {
        Some((var, _)) => format!("{var}=…"),
        None => name,
    };
    cut(&printable(&name), 128)
}

#[cfg(test)]
mod tests {
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
}
