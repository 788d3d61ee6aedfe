//! `keystep push HANDLE TARGET`: a copy of an account's key, and of what Keystep knows about
//! it, in the team's secret store: HashiCorp Vault / OpenBao (KV v2) or AWS Secrets Manager.
//! (`keystep verify --from` checks such a copy, `keystep forget` asks about each one, and a
//! relink writes the new key to them all.)
//!
//! ```text
//! keystep push HANDLE TARGET [--replace] [--token-stdin] [--json]
//! ```
//!
//! Its arguments go through `lexopt` as every command's do ([`parse_push`]). A Vault token
//! never comes as an argument (the process list shows those): `VAULT_TOKEN`, a token kept in
//! the keychain, or `--token-stdin` (a `token=…` line on standard input, or asked for with
//! echo off on a terminal), kept in the keychain once the store accepted it. Nothing
//! printed holds a key or a token, and no usage error repeats what was typed.

use std::io::{BufRead, Write};

use serde::Serialize;

use keystep_core::account::LinkError;
use keystep_core::error::Code;
use keystep_core::secret::Secret;
use keystep_core::store::{CopyState, StoreCopy, StoreError, Stores, Target, VaultSettings};
use keystep_core::world::World;

use super::accounts::open_accounts;
use super::args::{self, usage_line, Asked, Long, Short, Value};
use super::{SecretInput, EXIT_FAILED, EXIT_OK, EXIT_USAGE, MAX_LINE_BYTES};

/// `keystep push --help`.
pub const PUSH_USAGE: &str =
    "Usage: keystep push HANDLE TARGET [--replace] [--token-stdin] [--json]\n\n\
Writes the account's key, and what Keystep knows about it (provider, tenant, purpose,\n\
scopes granted, verified at, expires at, handle), to your team's secret store, so that\n\
scripts on servers and in CI use the key Keystep checks and rotates. TARGET is\n\
  vault://HOST[:PORT]/MOUNT/PATH   HashiCorp Vault or OpenBao, KV version 2 (port 8200 by\n\
                                   default; http:// only for 127.0.0.1 and localhost)\n\
  aws-sm://REGION/NAME             AWS Secrets Manager\n\n\
The value is one JSON object of the account's fields ({\"api_token\": \"...\"}); the facts go\n\
in Vault's custom_metadata or as AWS tags (keystep:provider, keystep:purpose...). Every\n\
write is a check-and-set against the version Keystep wrote last: a copy someone changed\n\
is not overwritten unless you pass --replace. Replacing the key (the window, or keystep\n\
link over the account) writes the new one to every copy; keystep list --json lists them.\n\n\
Vault's token: VAULT_TOKEN, else the one Keystep keeps in your keychain for that server;\n\
--token-stdin reads a token=... line from standard input and keeps it there once the\n\
store accepted it. VAULT_NAMESPACE and VAULT_CACERT are used as the Vault CLI uses them.\n\
AWS: the usual AWS settings (AWS_PROFILE, ~/.aws/config and credentials, environment\n\
variables, instance roles; AWS_ENDPOINT_URL); credential_process is not run.\n\n\
Exit status: 0 written, 1 refused, unreachable or changed outside Keystep (nothing\n\
recorded), 2 usage, an unusable TARGET or no such handle.\n";

/// The parsed command line of `keystep push`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushArgs {
    /// The account's handle.
    pub handle: String,
    /// Where, as typed.
    pub target: String,
    /// `--replace`: overwrite whatever the store holds now.
    pub replace: bool,
    /// `--token-stdin`: the Vault token comes on standard input.
    pub token_stdin: bool,
    /// `--json`.
    pub json: bool,
}

/// Parses the arguments after `push`.
///
/// # Errors
/// A sentence saying what is wrong, naming no value but a short lower-case word.
pub fn parse_push(args: &[String]) -> Result<Asked<PushArgs>, String> {
    let mut words = Vec::new();
    let (mut replace, mut token_stdin, mut json) = (false, false, false);
    let mut parser = args::parser(args);
    loop {
        let arg = match parser.next() {
            Ok(Some(arg)) => arg,
            Ok(None) => break,
            Err(e) => return Err(args::explain(e, "push")),
        };
        match arg {
            Long("help") | Short('h') => return Ok(Asked::Help),
            Long("replace") => replace = true,
            Long("token-stdin") => token_stdin = true,
            Long("json") => json = true,
            Long("token") => {
                return Err("A token is never an argument (the process list shows arguments): use VAULT_TOKEN or --token-stdin.".into())
            }
            Value(value) if words.len() < 2 => words.push(
                value
                    .into_string()
                    .map_err(|_| "An argument is not valid text.".to_string())?,
            ),
            Value(_) => return Err("Push one account to one store at a time.".into()),
            other => return Err(args::explain(other.unexpected(), "push")),
        }
    }
    match <[String; 2]>::try_from(words) {
        Ok([handle, target]) => Ok(Asked::Run(PushArgs {
            handle,
            target,
            replace,
            token_stdin,
            json,
        })),
        Err(_) => Err("Name the account and where it goes, e.g. keystep push humaans-acme vault://vault.acme:8200/secret/hr/humaans.".into()),
    }
}

/// One copy, as `push --json` and `list --json` print it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CopyLine {
    /// Where.
    pub target: String,
    /// The version Keystep wrote.
    pub version: String,
    /// `current`, `stale` or `changed_outside`.
    pub state: CopyState,
    /// When Keystep wrote it (RFC 3339).
    pub written_at: String,
    /// When the store last confirmed that version (RFC 3339).
    pub last_confirmed: String,
    /// The last attempt's problem, if it failed.
    pub last_code: Option<Code>,
}

/// `copy` as a line.
pub fn copy_line(copy: &StoreCopy) -> CopyLine {
    CopyLine {
        target: copy.target.to_string(),
        version: copy.version.clone(),
        state: copy.state,
        written_at: super::rfc3339(copy.written_at),
        last_confirmed: super::rfc3339(copy.confirmed_at),
        last_code: copy.last_code,
    }
}

#[derive(Serialize)]
struct PushJson<'a> {
    ok: bool,
    code: Option<Code>,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    copy: Option<CopyLine>,
}

/// Says why nothing was pushed: on stderr and, with `--json`, as the last line of stdout.
fn say(stdout: &mut dyn Write, stderr: &mut dyn Write, json: bool, code: Code, msg: &str) {
    let _ = writeln!(stderr, "keystep push: {msg}");
    print_refusal(stdout, json, code, msg);
}

/// A usage error or invalid input: the one usage line on stderr, and with `--json` the
/// refusal on stdout.
fn usage(stdout: &mut dyn Write, stderr: &mut dyn Write, json: bool, msg: &str) -> i32 {
    let _ = writeln!(stderr, "{}", usage_line("push", msg));
    print_refusal(stdout, json, Code::InvalidInput, msg);
    EXIT_USAGE
}

fn print_refusal(stdout: &mut dyn Write, json: bool, code: Code, msg: &str) {
    if json {
        let out = PushJson {
            ok: false,
            code: Some(code),
            message: msg,
            copy: None,
        };
        let _ = writeln!(
            stdout,
            "{}",
            serde_json::to_string(&out).unwrap_or_default()
        );
    }
}

/// The Vault token of `--token-stdin`: the `token=…` line piped in, or typed with echo off
/// at a terminal. No part of what was read is ever printed.
fn read_token(input: &mut SecretInput<'_>) -> Result<Secret, String> {
    let line = match input {
        SecretInput::Lines(lines) => read_token_line(&mut **lines)?,
        SecretInput::Terminal(prompt) => {
            let typed = prompt
                .secret("Vault token (what you type is not shown): ")
                .map_err(|_| {
                    "The terminal could not be read, so no token was taken.".to_string()
                })?;
            return match typed.expose().trim() {
                "" => Err("No token was typed.".into()),
                token => Ok(Secret::new(token.to_string())),
            };
        }
    };
    match line.trim().strip_prefix("token=") {
        Some(token) if !token.trim().is_empty() => Ok(Secret::new(token.trim().to_string())),
        _ => Err(
            "--token-stdin reads one token=... line from standard input (the line is not shown)."
                .into(),
        ),
    }
}

/// One line of standard input, bounded, as text.
fn read_token_line(stdin: &mut dyn BufRead) -> Result<zeroize::Zeroizing<String>, String> {
    let mut line = zeroize::Zeroizing::new(Vec::new());
    let mut limited = std::io::Read::take(stdin, MAX_LINE_BYTES as u64 + 1);
    std::io::BufRead::read_until(&mut limited, b'\n', &mut line)
        .map_err(|_| "Standard input could not be read.".to_string())?;
    if line.len() > MAX_LINE_BYTES {
        return Err("The line on standard input is far too long to hold a token.".into());
    }
    let text = std::str::from_utf8(&line).map_err(|_| "Standard input is not text.".to_string())?;
    Ok(zeroize::Zeroizing::new(text.to_string()))
}

/// Runs `keystep push` with `args` (after the word `push`), reading a Vault token from
/// `input` only with `--token-stdin`, and returns the exit status.
pub async fn run_push(
    args: &[String],
    world: &World,
    input: &mut SecretInput<'_>,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> i32 {
    let json = args.iter().any(|a| a == "--json");
    let parsed = match parse_push(args) {
        Ok(Asked::Help) => {
            let _ = write!(stdout, "{PUSH_USAGE}");
            return EXIT_OK;
        }
        Ok(Asked::Run(p)) => p,
        Err(e) => return usage(stdout, stderr, json, &e),
    };
    let json = parsed.json;
    let target = match Target::parse(&parsed.target) {
        Ok(t) => t,
        Err(e) => return usage(stdout, stderr, json, &e.to_string()),
    };
    let token = if parsed.token_stdin {
        let Some(server) = target.server() else {
            let msg =
                "--token-stdin is for Vault; AWS credentials come from the usual AWS settings.";
            return usage(stdout, stderr, json, msg);
        };
        match read_token(input) {
            Ok(token) => Some((server, token)),
            Err(e) => return usage(stdout, stderr, json, &e),
        }
    } else {
        None
    };
    let accounts = match open_accounts(world) {
        Ok(a) => a,
        Err(e) => {
            say(stdout, stderr, json, Code::StorageFailed, &e);
            return EXIT_FAILED;
        }
    };
    let accounts = match &token {
        Some((_, token)) => {
            let mut settings = VaultSettings::from_lookup(
                |name| std::env::var(name).ok(),
                Some(world.store_keys()),
            );
            settings.token = Some(token.clone());
            accounts.with_stores(Stores::new(settings))
        }
        None => accounts,
    };
    let account = match accounts.resolve(&parsed.handle).await {
        Ok(a) => a,
        Err(e) => {
            say(stdout, stderr, json, Code::NotFound, &e.to_string());
            return EXIT_USAGE;
        }
    };
    let copy = match accounts.push(&account.id, &target, parsed.replace).await {
        Ok(copy) => copy,
        Err(e) => {
            let msg = match &e {
                LinkError::Store(StoreError::Changed { .. }) => format!(
                    "{e} To overwrite it with {}'s key anyway, push again with --replace.",
                    account.handle
                ),
                _ => e.to_string(),
            };
            say(stdout, stderr, json, e.code(), &msg);
            return EXIT_FAILED;
        }
    };
    if let Some((server, token)) = token {
        // Kept only now: the store accepted it.
        if let Err(e) = world.store_keys().keep(&server, token).await {
            let _ = writeln!(stderr, "keystep push: the copy was written, but {e}");
        }
    }
    let msg = format!(
        "Pushed {} to {} (version {}).",
        account.handle, copy.target, copy.version
    );
    if json {
        let out = PushJson {
            ok: true,
            code: None,
            message: &msg,
            copy: Some(copy_line(&copy)),
        };
        let _ = writeln!(
            stdout,
            "{}",
            serde_json::to_string(&out).unwrap_or_default()
        );
    } else {
        let _ = writeln!(stdout, "{msg}");
    }
    EXIT_OK
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    fn parsed(a: &[&str]) -> Result<PushArgs, String> {
        match parse_push(&args(a))? {
            Asked::Run(p) => Ok(p),
            Asked::Help => Err("help".into()),
        }
    }

    #[test]
    fn push_takes_a_handle_a_target_and_its_options_and_never_a_token() {
        assert_eq!(
            parsed(&[
                "humaans-acme",
                "vault://v:8200/secret/x",
                "--json",
                "--replace",
            ]),
            Ok(PushArgs {
                handle: "humaans-acme".into(),
                target: "vault://v:8200/secret/x".into(),
                replace: true,
                token_stdin: false,
                json: true
            }),
            "both words and the flags"
        );
        assert_eq!(parse_push(&args(&["-h"])), Ok(Asked::Help), "help");
        assert!(parsed(&["humaans-acme"]).is_err(), "a target is needed");
        for token in [
            &["h", "vault://v/s/x", "--token", "hvs.SECRET"][..],
            &["h", "vault://v/s/x", "--token=hvs.SECRET"],
        ] {
            let said = parsed(token).expect_err("refused");
            assert!(
                !said.contains("hvs.SECRET") && said.contains("VAULT_TOKEN"),
                "points to VAULT_TOKEN: {said}"
            );
        }
        let said = parsed(&["h", "vault://v/s/x", "QzXvPastedKey0000000000000001"])
            .expect_err("a third word is refused");
        assert!(!said.contains("QzXv"), "and not repeated: {said}");
    }

    #[test]
    fn the_token_is_read_from_its_line_and_never_repeated() {
        let mut lines: &[u8] = b"token=hvs.FromStdin\n";
        let token = read_token(&mut SecretInput::Lines(&mut lines)).expect("a token line");
        assert_eq!(token.expose(), "hvs.FromStdin", "the token");
        let mut lines: &[u8] = b"hvs.NoNameBefore\n";
        let said = read_token(&mut SecretInput::Lines(&mut lines)).expect_err("not token=");
        assert!(!said.contains("hvs."), "not repeated: {said}");
    }
}
