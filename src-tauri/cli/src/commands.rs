//! The commands: which command runs or whether the window opens (`top`), `keystep verify`
//! (`verify`, with `--from` a copy in a team store), `link` and `relink` (`link`,
//! `relink`), `list`, `forget` and `rename` (`accounts`), `run` and `log`, `push` (a copy in
//! a team store), accounts shown as `view` says. The `keystep` binary is a few lines over
//! this module.
//!
//! What they share lives here: the exit statuses, the runtime a command runs on
//! ([`block_on`]), and how `verify`, `link` and `relink` read a key: non-secret fields as
//! `--field NAME=VALUE`, secret ones on standard input as `NAME=VALUE` lines or, on a
//! terminal, asked for with echo off (`gather_fields`), because a command line is
//! visible to every user of the machine in the process list. Arguments are parsed with
//! `lexopt` (`args`), and no usage error repeats a value that could be a pasted key.

use std::collections::BTreeMap;

use keystep_core::provider::Provider;
use keystep_core::secret::Secret;

pub(crate) mod args;
mod stdin;
mod top;
mod view;
mod accounts;
mod verify;
mod link;
mod relink;
mod run;
mod log;
mod push;

pub use accounts::{run_forget, run_list, run_rename};
pub use link::{link_usage, run_link};
pub use log::{run_log, LOG_USAGE};
pub use push::{copy_line, run_push, CopyLine, PUSH_USAGE};
pub use relink::{relink_usage, run_relink};
pub(crate) use run::refused_command;
pub use run::{run_run, RUN_USAGE};
pub use stdin::{
    read_secret_fields, read_stdin_fields, Prompt, SecretInput, StdinError, TerminalPrompt,
    MAX_LINE_BYTES,
};
pub use top::{route, usage as top_usage, Command, Route, BACKGROUND, WINDOW_OPTIONS};
pub use verify::{parse_args, run_verify, usage, FromArgs, Verify, VerifyArgs};
pub use view::{account_line, rfc3339, status_word, AccountLine};

use args::{shown, Asked, Parser};

/// Exit status: done (verified, linked…).
pub const EXIT_OK: i32 = 0;
/// Exit status: checked and found wanting, refused, or not possible right now.
pub const EXIT_FAILED: i32 = 1;
/// Exit status: usage error or invalid input; nothing was sent.
pub const EXIT_USAGE: i32 = 2;

/// How long a finished command waits for its blocking threads before it ends anyway.
///
/// A keychain call runs on a blocking thread and is bounded by a timeout, but the thread
/// itself cannot be stopped: the Secret Service library waits up to a year for an unlock
/// prompt nobody answers. Dropping a runtime waits for its blocking threads without a
/// limit, so a command that had already given up on the keychain and said so would never
/// exit (a cron job would hang until someone answered the dialog).
pub const SHUTDOWN_WAIT: std::time::Duration = std::time::Duration::from_millis(200);

/// Runs a command's future to its exit status on a runtime of its own (one thread: a
/// command does one thing at a time); 1 when no runtime can be made. Once the command has
/// its status, a blocking thread still waiting (on a keychain prompt) is left behind after
/// [`SHUTDOWN_WAIT`] instead of holding the process open.
pub fn block_on(command: impl std::future::Future<Output = i32>) -> i32 {
    match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => {
            let status = runtime.block_on(command);
            runtime.shutdown_timeout(SHUTDOWN_WAIT);
            status
        }
        Err(e) => {
            eprintln!("keystep: could not start: {e}");
            EXIT_FAILED
        }
    }
}

/// What `verify`, `link` and `relink` take on their command line: the provider (or the
/// handle, for `relink`), non-secret fields, `--json`, and `--purpose`, `--name`,
/// `--replace` and `--from` where the command has them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct KeyArgs {
    /// The one positional argument: a provider id, or a handle.
    pub(crate) subject: Option<String>,
    /// `--field NAME=VALUE` pairs, in order.
    pub(crate) fields: Vec<(String, String)>,
    /// `--json`.
    pub(crate) json: bool,
    /// `--purpose ID`.
    pub(crate) purpose: Option<String>,
    /// `--name NAME`.
    pub(crate) name: Option<String>,
    /// `--replace` (`link`): a company already linked gets this key.
    pub(crate) replace: bool,
    /// `--from TARGET` (`verify`): the copy in a team store to check.
    pub(crate) from: Option<String>,
}

/// Which of the shared options a command takes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct KeyOptions {
    /// The command's word, for its sentences.
    pub(crate) command: &'static str,
    /// Whether `--purpose` is one of its options.
    pub(crate) purpose: bool,
    /// Whether `--name` is one of its options.
    pub(crate) name: bool,
    /// Whether `--replace` is one of its options.
    pub(crate) replace: bool,
    /// Whether `--from` is one of its options.
    pub(crate) from: bool,
}

/// Parses the arguments of `verify`, `link` or `relink`.
///
/// # Errors
/// A sentence saying what is wrong, naming no value but a short lower-case word.
pub(crate) fn parse_key_args(args: &[String], takes: KeyOptions) -> Result<Asked<KeyArgs>, String> {
    use args::{Long, Short, Value};
    let command = takes.command;
    let mut parsed = KeyArgs::default();
    let mut parser: Parser = args::parser(args);
    loop {
        let arg = match parser.next() {
            Ok(Some(arg)) => arg,
            Ok(None) => break,
            Err(e) => return Err(args::explain(e, command)),
        };
        match arg {
            Long("help") | Short('h') => return Ok(Asked::Help),
            Long("json") => parsed.json = true,
            Long("field") | Short('f') => {
                let pair = args::text(&mut parser, command)?;
                parsed.fields.push(split_pair(&pair)?);
            }
            Long("purpose") if takes.purpose => {
                parsed.purpose = Some(args::text(&mut parser, command)?);
            }
            Long("name") if takes.name => parsed.name = Some(args::text(&mut parser, command)?),
            Long("replace") if takes.replace => parsed.replace = true,
            Long("from") if takes.from => parsed.from = Some(args::text(&mut parser, command)?),
            Value(value) if parsed.subject.is_none() => {
                let value = value
                    .into_string()
                    .map_err(|_| "An argument is not valid text.".to_string())?;
                parsed.subject = Some(value);
            }
            Value(_) => {
                return Err(match command {
                    "relink" => "Name one account at a time.".into(),
                    _ => "Give one provider at a time.".into(),
                })
            }
            other => return Err(args::explain(other.unexpected(), command)),
        }
    }
    Ok(Asked::Run(parsed))
}

fn split_pair(pair: &str) -> Result<(String, String), String> {
    match pair.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
        _ => Err("--field takes NAME=VALUE, e.g. --field subdomain=acme.".to_string()),
    }
}

/// The sentence for a provider id Keystep does not know, listing those it does.
fn unknown_provider(asked: &str, catalogue: &keystep_core::provider::Catalogue) -> String {
    let ids: Vec<&str> = catalogue.all().iter().map(|p| p.id.as_str()).collect();
    let what = shown(asked).map_or("that provider".to_string(), |w| w.to_string());
    format!(
        "Keystep does not know {what}. Providers: {}.",
        ids.join(", ")
    )
}

/// Why `purpose` cannot be asked of `provider`'s keys, when the provider file does not
/// declare it (`verify` and `link` refuse it before anything is sent).
fn undeclared_purpose(provider: &Provider, purpose: &str) -> Option<String> {
    provider.purpose(purpose).is_none().then(|| {
        let what = shown(purpose).map_or("that purpose".to_string(), |w| w.to_string());
        format!(
            "{} keys may be for {}; {what} is not one of them.",
            provider.name,
            provider.purpose_ids().join(", "),
        )
    })
}

/// Every field's raw value for `provider`: non-secret ones from `--field` pairs, secret ones
/// from `input` ([`read_secret_fields`]). `verify`, `link` and `relink` take their input
/// alike.
///
/// # Errors
/// A sentence naming what is wrong: a secret given as `--field`, a field given twice or
/// unknown, unusable standard input. It names fields, never a value.
pub(crate) fn gather_fields(
    provider: &Provider,
    fields: &[(String, String)],
    input: &mut SecretInput<'_>,
) -> Result<BTreeMap<String, Secret>, String> {
    let mut raw: BTreeMap<String, Secret> = BTreeMap::new();
    for (key, value) in fields {
        let msg = match provider.field(key) {
            Some(f) if f.secret => format!(
                "{} is secret: pipe it on standard input as {key}=… instead of --field, so it never shows in the process list.",
                f.label
            ),
            Some(_) if raw.contains_key(key) => format!("--field {key} is given twice."),
            Some(_) => {
                raw.insert(key.clone(), Secret::new(value.clone()));
                continue;
            }
            None => {
                let known: Vec<&str> = provider.fields.iter().map(|f| f.key.as_str()).collect();
                let what = shown(key).map_or("A --field name".to_string(), |k| format!("--field {k}"));
                format!(
                    "{what} names no field of {}; its fields are: {}.",
                    provider.name,
                    known.join(", ")
                )
            }
        };
        return Err(msg);
    }
    if provider.fields.iter().any(|f| f.secret) {
        raw.extend(read_secret_fields(input, provider).map_err(|e| e.to_string())?);
    }
    Ok(raw)
}

/// Says on `stderr` which of `provider`'s hosts `KEYSTEP_*_URL` variables send the key to
/// instead of the provider's own, in every mode (`--json` too: standard error is for
/// people, and a script's log keeps it).
fn say_overrides(
    command: &str,
    provider: &Provider,
    overridden: &[keystep_core::hosts::HostOverride],
    stderr: &mut dyn std::io::Write,
) {
    for o in overridden {
        let _ = writeln!(
            stderr,
            "keystep {command}: {} sends {}'s “{}” requests to {}, not to {}.",
            o.variable, provider.name, o.host, o.url, provider.name
        );
    }
}

/// The host overrides in force for `provider`.
fn overrides_for(
    hosts: &keystep_core::hosts::Hosts,
    provider: &Provider,
) -> Vec<keystep_core::hosts::HostOverride> {
    hosts
        .overrides()
        .into_iter()
        .filter(|o| o.provider == provider.id)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_finished_command_ends_even_with_a_blocking_thread_still_waiting() {
        let (tx, rx) = std::sync::mpsc::channel();
        let started = std::time::Instant::now();
        let waiter = std::thread::spawn(move || {
            let status = block_on(async {
                // A keychain call stuck on a prompt: the command stops waiting for it.
                let stuck = tokio::task::spawn_blocking(|| {
                    std::thread::sleep(std::time::Duration::from_secs(3600))
                });
                let _ = tokio::time::timeout(std::time::Duration::from_millis(20), stuck).await;
                EXIT_FAILED
            });
            let _ = tx.send(status);
        });
        let status = rx
            .recv_timeout(std::time::Duration::from_secs(20))
            .expect("block_on did not return while a blocking thread still waits");
        assert_eq!(status, EXIT_FAILED, "the command's own status");
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "it did not wait for the blocking thread"
        );
        waiter.join().expect("the thread that ran the command ends");
    }
}
