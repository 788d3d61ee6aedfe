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
//! one is dropped, but not its runs' starts and ends, the changes of what accounts share, nor
//! each account's latest tool call (an assistant's last use): they are carried into the new
//! file, so a flood of requests or tool calls can push those out, never the runs themselves
//! (only when carried records alone would fill half the budget do the oldest go). Rotation happens under
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

/// The records of a generation about to be dropped that outlive it, as lines: runs' starts
/// and ends, changes of what accounts share, and each account's latest tool call (an
/// assistant's last use of it; the calls before it are like requests); the newest kept when
/// they exceed `budget` bytes.
fn runs_of(text: &str, budget: u64) -> String {
    let parsed: Vec<(&str, UseRecord)> = text
        .lines()
        .filter_map(|l| serde_json::from_str::<UseRecord>(l).ok().map(|r| (l, r)))
        .collect();
    let mut latest_call: std::collections::HashMap<&str, usize> = Default::default();
    for (i, (_, record)) in parsed.iter().enumerate() {
        if let UseRecord::Tool {
            account: Some(account),
            ..
        } = record
        {
            latest_call.insert(account, i);
        }
    }
    let runs: Vec<&str> = parsed
        .iter()
        .enumerate()
        .filter(|(i, (_, record))| match record {
            UseRecord::RunStarted { .. }
            | UseRecord::RunEnded { .. }
            | UseRecord::FieldsShared { .. } => true,
            UseRecord::Tool {
                account: Some(account),
                ..
            } => latest_call.get(account.as_str()) == Some(i),
            UseRecord::Tool { .. } | UseRecord::Request { .. } => false,
        })
        .map(|(_, (line, _))| *line)
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
mod tests;
