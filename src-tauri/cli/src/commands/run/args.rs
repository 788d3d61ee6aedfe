//! `keystep run`'s command line: its options, the command after them, and `--help`.

/// `keystep run --help`.
pub const RUN_USAGE: &str = "\
Usage: keystep run --account HANDLE [--account HANDLE]... [--env] [--allow-write]
                   [--allow-failing] [--no-masking] -- COMMAND [ARG]...

   or: VARIABLE=keystep://HANDLE/FIELD ... keystep run --env -- COMMAND [ARG]...

Runs COMMAND with the named accounts' keys at hand, and returns its exit status (127 if it
cannot be started). Ctrl-C and termination signals reach it once.

Proxy mode (the default) keeps the key away from COMMAND. Keystep serves a proxy on
127.0.0.1 for as long as COMMAND runs, to your own user only (another user's connection
is closed unread), and gives COMMAND, for each account:
  KEYSTEP_<HANDLE>_<HOST>_URL   the provider's host through the proxy
                                (e.g. KEYSTEP_PAYFIT_ACME_SAS_API_URL)
  KEYSTEP_<HANDLE>_TOKEN        a run token, valid for this run and this account only
and, with a single account, KEYSTEP_URL and KEYSTEP_TOKEN. COMMAND sends the run token
where the provider takes a key (Authorization: Bearer, the password of Basic, the user
name of Basic where the key is the user name as for BambooHR and Ashby, the provider's
own header, or the apikey query parameter); the proxy puts the real key in its place.
For client credentials (Greenhouse), COMMAND sends the run token as a Bearer token and
the proxy mints and refreshes the access token itself: COMMAND never holds the client
secret or the access token. Only reads pass (GET, HEAD, and the requests the provider
file lists as reads by method and path pattern, such as Ashby's POST /candidate.list)
unless --allow-write, which adds POST, PUT, PATCH and DELETE. Requests keep to the
limits the provider documents, back off when it answers 429 or asks to wait, and a hold
longer than a second is said here once.

Keep the token out of command arguments, which every user can read in the process list:
feed it on standard input, e.g.
  keystep run --account humaans-acme-ltd -- sh -c \\
    'printf \"Authorization: Bearer %s\\n\" \"$KEYSTEP_TOKEN\" | curl -sS -H @- \"$KEYSTEP_URL/me\"'
  keystep run --account bamboohr-acme-inc -- sh -c \\
    'printf \"user = %s:x\\n\" \"$KEYSTEP_TOKEN\" | curl -sS -K - \"$KEYSTEP_URL/v1/employees/0\"'

--env HANDS THE KEY TO COMMAND: each field goes into its environment as
KEYSTEP_<HANDLE>_<FIELD> (e.g. KEYSTEP_PAYFIT_ACME_SAS_API_KEY), for tools that cannot
change their base URL. What COMMAND prints is passed on with each key replaced by
<concealed by keystep> in the spellings tools print: as is, JSON-escaped, URL-encoded,
hex, standard and URL-safe base64 (also inside a longer value, such as curl -v's
Authorization: Basic line), and in base64 the whole pair a Basic provider takes (user and
key, or the key and its fixed password) and a client ID with its secret.
--no-masking turns that off. A key encrypted, hashed or cut up is not recognized, and
COMMAND itself holds the key and could write it anywhere. Prefer proxy mode.

References: a variable of keystep run's own environment whose value is
keystep://HANDLE/FIELD (e.g. HIBOB_API_TOKEN=keystep://hibob-acme/service_user_token) is
given to COMMAND with that account field's value instead, as op run does, for tools (an
MCP server, say) that read a key from a variable of their own choosing. The configuration
that starts keystep run then holds the reference, never the key. References need --env;
COMMAND's output is masked as above, and the run is recorded with the accounts used.

  --allow-write    forward POST, PUT, PATCH and DELETE too, not only reads
  --allow-failing  use an account even if its last check failed or it needs relinking

Every run (with --no-masking noted) and every request the run token opened is recorded
(keystep log); never a key, never a query value, never COMMAND's arguments. Requests
refused before the token, and other users' connections, are counted in the run's end.
A command written as VAR=value COMMAND is refused: set the variable before keystep run.

Exit status: COMMAND's own; 1 when an account cannot be used (failing, keychain locked);
2 usage or unknown handle.
";

/// The parsed command line.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct RunArgs {
    pub(super) accounts: Vec<String>,
    pub(super) env: bool,
    pub(super) allow_write: bool,
    pub(super) allow_failing: bool,
    pub(super) no_masking: bool,
    pub(super) command: Vec<String>,
}

/// Parses `keystep run`'s arguments; `None` for `--help`. Options come first; the command
/// starts at `--` or at the first argument that is not an option, and everything after it
/// is the command's own. `referenced` says whether the environment names accounts by
/// `keystep://` references, which then stand in for `--account`.
///
/// # Errors
/// A sentence saying what is wrong, naming no value but a short lower-case word.
pub(super) fn parse(args: &[String], referenced: bool) -> Result<Option<RunArgs>, String> {
    use crate::commands::args::{self, Long, Short, Value};
    let mut parsed = RunArgs::default();
    let mut parser = args::parser(args);
    while let Some(arg) = parser.next().map_err(|e| args::explain(e, "run"))? {
        match arg {
            Long("help") | Short('h') => return Ok(None),
            Long("account") => {
                let handle = args::text(&mut parser, "run")?;
                if handle.starts_with('-') {
                    return Err("--account needs a handle after it.".into());
                }
                parsed.accounts.push(handle);
            }
            Long("env") => parsed.env = true,
            Long("allow-write") => parsed.allow_write = true,
            Long("allow-failing") => parsed.allow_failing = true,
            Long("no-masking") => parsed.no_masking = true,
            Value(first) => {
                let first = first
                    .into_string()
                    .map_err(|_| "An argument is not valid text.".to_string())?;
                parsed.command.push(first);
                let rest = parser.raw_args().map_err(|e| args::explain(e, "run"))?;
                for arg in rest {
                    parsed.command.push(
                        arg.into_string()
                            .map_err(|_| "An argument is not valid text.".to_string())?,
                    );
                }
                break;
            }
            other => return Err(args::explain(other.unexpected(), "run")),
        }
    }
    if parsed.accounts.is_empty() && !referenced {
        return Err("Name an account with --account HANDLE, or reference a field as VARIABLE=keystep://HANDLE/FIELD with --env.".into());
    }
    if referenced && !parsed.env {
        return Err("keystep:// references put keys in the command's environment: add --env (or drop them and use the proxy).".into());
    }
    if parsed.command.is_empty() {
        return Err("Give the command to run after --.".into());
    }
    if parsed.no_masking && !parsed.env {
        return Err("--no-masking goes with --env (proxy mode has no key to mask).".into());
    }
    parsed.accounts.dedup();
    Ok(Some(parsed))
}

#[cfg(test)]
mod tests {
    #[test]
    fn references_stand_in_for_an_account_and_need_env() {
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let p = super::parse(&args(&["--env", "--", "server"]), true)
            .expect("referenced")
            .expect("not --help");
        assert!(p.accounts.is_empty() && p.env, "no --account needed: {p:?}");
        assert!(
            super::parse(&args(&["--", "server"]), true).is_err(),
            "a reference without --env is refused"
        );
        assert!(
            super::parse(&args(&["--env", "--", "server"]), false).is_err(),
            "no account at all is refused"
        );
    }

    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_command_follows_the_options() {
        let p = parse(
            &args(&[
                "--account",
                "a",
                "--account=b",
                "--env",
                "--",
                "python3",
                "--x",
            ]),
            false,
        )
        .expect("valid")
        .expect("not --help");
        assert_eq!(p.accounts, ["a", "b"], "both accounts");
        assert!(p.env, "--env");
        assert_eq!(
            p.command,
            ["python3", "--x"],
            "options after -- are the command's"
        );
    }

    #[test]
    fn mistakes_are_usage_errors_and_never_repeat_a_key() {
        for bad in [
            &["--", "python3"][..],
            &["--account", "a"],
            &["--account"],
            &["--account", "a", "--no-masking", "--", "x"],
            &["--account", "a", "--frobnicate", "--", "x"],
        ] {
            assert!(parse(&args(bad), false).is_err(), "{bad:?} is refused");
        }
        let e = parse(
            &args(&["--account", "a", "--QzXvPastedKey00000000001", "--", "x"]),
            false,
        )
        .expect_err("not an option");
        assert!(!e.contains("QzXv"), "a pasted key is not repeated: {e}");
    }
}
