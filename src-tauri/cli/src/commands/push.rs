//! Team stores from the command line: `keystep push HANDLE TARGET` writes an account's key
//! and what Keystep knows about it to HashiCorp Vault / OpenBao (KV v2) or AWS Secrets
//! Manager; `keystep verify --from TARGET` checks the copy in the store without the keychain
//! (for CI and servers); and `keystep forget`'s answers about each copy
//! ([`forget_answers`]).
//!
//! ```text
//! keystep push HANDLE TARGET [--replace] [--token-stdin] [--json]
//! keystep verify --from TARGET [<provider>] [--purpose ID] [--json]
//! ```
//!
//! Each command's arguments are read by one small function ([`parse_push`],
//! [`parse_from`], [`forget_answers`]), apart from what the command does, so the parsing can
//! move to another argument library without touching the rest. A Vault token never comes
//! as an argument (the process list shows those): `VAULT_TOKEN`, a token kept in the
//! keychain, or `--token-stdin` (a `token=…` line, kept in the keychain once the store
//! accepted it). Nothing printed holds a key or a token.

use std::io::{BufRead, Write};

use serde::Serialize;

use keystep_core::account::{Account, LinkError};
use keystep_core::error::Code;
use keystep_core::input::parse_fields;
use keystep_core::secret::Secret;
use keystep_core::store::{CopyState, StoreCopy, StoreError, Stores, Target, VaultSettings};
use keystep_core::verify::Verifier;
use keystep_core::world::World;

use super::accounts::open_accounts;
use super::{print_report, EXIT_FAILED, EXIT_OK, EXIT_USAGE, MAX_LINE_BYTES};

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
/// A sentence saying what is wrong.
pub fn parse_push(args: &[String]) -> Result<PushArgs, String> {
    let mut words = Vec::new();
    let (mut replace, mut token_stdin, mut json) = (false, false, false);
    for arg in args {
        match arg.as_str() {
            "--replace" => replace = true,
            "--token-stdin" => token_stdin = true,
            "--json" => json = true,
            "--token" => {
                return Err("a token is never an argument (the process list shows arguments): use VAULT_TOKEN or --token-stdin.".into())
            }
            s if s.starts_with('-') => {
                return Err("it takes --replace, --token-stdin and --json only.".into())
            }
            s => words.push(s.to_string()),
        }
    }
    match <[String; 2]>::try_from(words) {
        Ok([handle, target]) => Ok(PushArgs {
            handle,
            target,
            replace,
            token_stdin,
            json,
        }),
        Err(_) => Err("name the account and where it goes, e.g. keystep push humaans-acme vault://vault.acme:8200/secret/hr/humaans.".into()),
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

fn say(stdout: &mut dyn Write, stderr: &mut dyn Write, json: bool, code: Code, msg: &str) {
    let _ = writeln!(stderr, "keystep push: {msg}");
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

/// Reads the `token=…` line of `--token-stdin`. No part of what was read is ever printed.
fn read_token(stdin: &mut dyn BufRead) -> Result<Secret, String> {
    let mut line = zeroize::Zeroizing::new(Vec::new());
    let mut limited = std::io::Read::take(stdin, MAX_LINE_BYTES as u64 + 1);
    std::io::BufRead::read_until(&mut limited, b'\n', &mut line)
        .map_err(|_| "standard input could not be read.".to_string())?;
    if line.len() > MAX_LINE_BYTES {
        return Err("the line on standard input is far too long to hold a token.".into());
    }
    let text = std::str::from_utf8(&line)
        .map_err(|_| "standard input is not text.".to_string())?
        .trim();
    match text.strip_prefix("token=") {
        Some(token) if !token.trim().is_empty() => Ok(Secret::new(token.trim().to_string())),
        _ => Err(
            "--token-stdin reads one token=... line from standard input (the line is not shown)."
                .into(),
        ),
    }
}

/// Runs `keystep push` and returns the exit status.
pub async fn run_push(
    args: &[String],
    world: &World,
    stdin: &mut dyn BufRead,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> i32 {
    if args.iter().any(|a| a == "--help" || a == "-h") {
        let _ = write!(stdout, "{PUSH_USAGE}");
        return EXIT_OK;
    }
    let json = args.iter().any(|a| a == "--json");
    let parsed = match parse_push(args) {
        Ok(p) => p,
        Err(e) => {
            say(
                stdout,
                stderr,
                json,
                Code::InvalidInput,
                &format!("{e} Try keystep push --help."),
            );
            return EXIT_USAGE;
        }
    };
    let target = match Target::parse(&parsed.target) {
        Ok(t) => t,
        Err(e) => {
            say(stdout, stderr, json, Code::InvalidInput, &e.to_string());
            return EXIT_USAGE;
        }
    };
    let token = if parsed.token_stdin {
        match (target.server(), read_token(stdin)) {
            (None, _) => {
                say(
                    stdout,
                    stderr,
                    json,
                    Code::InvalidInput,
                    "--token-stdin is for Vault; AWS credentials come from the usual AWS settings.",
                );
                return EXIT_USAGE;
            }
            (Some(_), Err(e)) => {
                say(stdout, stderr, json, Code::InvalidInput, &e);
                return EXIT_USAGE;
            }
            (Some(server), Ok(token)) => Some((server, token)),
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

/// The parsed command line of `keystep verify --from`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FromArgs {
    /// Where the copy is, as typed.
    pub target: String,
    /// The provider, when the copy's metadata does not say (a copy Keystep did not write).
    pub provider: Option<String>,
    /// `--purpose`, else the copy's.
    pub purpose: Option<String>,
    /// `--json`.
    pub json: bool,
}

/// Whether `verify`'s arguments ask for a copy in a store.
pub fn wants_from(args: &[String]) -> bool {
    args.iter()
        .any(|a| a == "--from" || a.starts_with("--from="))
}

/// Parses `verify`'s arguments when they hold `--from`.
///
/// # Errors
/// A sentence saying what is wrong.
pub fn parse_from(args: &[String]) -> Result<FromArgs, String> {
    let (mut target, mut provider, mut purpose, mut json) = (None, None, None, false);
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--json" => json = true,
            "--from" => {
                target = Some(
                    it.next()
                        .ok_or("--from needs the copy's address after it.")?
                        .clone(),
                )
            }
            s if s.starts_with("--from=") => target = Some(s["--from=".len()..].to_string()),
            "--purpose" => {
                purpose = Some(it.next().ok_or("--purpose needs an ID after it.")?.clone())
            }
            s if s.starts_with("--purpose=") => purpose = Some(s["--purpose=".len()..].to_string()),
            "--field" | "-f" => {
                return Err(
                    "with --from, every field comes from the copy: --field is not used.".into(),
                )
            }
            s if s.starts_with('-') => {
                return Err("with --from it takes a provider, --purpose and --json only.".into())
            }
            s if provider.is_none() => provider = Some(s.to_string()),
            _ => return Err("only one provider at a time.".into()),
        }
    }
    Ok(FromArgs {
        target: target.ok_or("--from needs the copy's address after it.")?,
        provider,
        purpose,
        json,
    })
}

/// Runs `keystep verify --from TARGET`: reads the copy (the only place a copy's secret is
/// read back), verifies it as `keystep verify` does, and prints the same report. The
/// keychain is not used. Exit status as `verify`: 0 verified, 1 found wanting or the store
/// unreachable or refusing, 2 usage or an unusable address.
pub async fn run_verify_from(
    args: &[String],
    world: &World,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> i32 {
    let json = args.iter().any(|a| a == "--json");
    let fail =
        |stdout: &mut dyn Write, stderr: &mut dyn Write, code: Code, msg: &str, exit: i32| {
            let _ = writeln!(stderr, "keystep verify: {msg}");
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
            exit
        };
    let parsed = match parse_from(args) {
        Ok(p) => p,
        Err(e) => {
            return fail(
                stdout,
                stderr,
                Code::InvalidInput,
                &format!("{e} Try keystep verify --help."),
                EXIT_USAGE,
            )
        }
    };
    let target = match Target::parse(&parsed.target) {
        Ok(t) => t,
        Err(e) => {
            return fail(
                stdout,
                stderr,
                Code::InvalidInput,
                &e.to_string(),
                EXIT_USAGE,
            )
        }
    };
    let stores = world.stores();
    let fetched = match stores.of(&target).read(&target).await {
        Ok(f) => f,
        Err(e) => return fail(stdout, stderr, e.code(), &e.to_string(), EXIT_FAILED),
    };
    let provider_id = parsed
        .provider
        .clone()
        .or_else(|| fetched.meta.get("keystep:provider").cloned());
    let Some(provider) = provider_id
        .as_deref()
        .and_then(|id| world.catalogue.get(id))
    else {
        let ids: Vec<&str> = world
            .catalogue
            .all()
            .iter()
            .map(|p| p.id.as_str())
            .collect();
        return fail(
            stdout,
            stderr,
            Code::InvalidInput,
            &format!(
                "the copy does not say which provider it is for (no keystep:provider Keystep knows): name it, e.g. keystep verify humaans --from {target}. Providers: {}.",
                ids.join(", ")
            ),
            EXIT_USAGE,
        );
    };
    let purpose = parsed
        .purpose
        .clone()
        .or_else(|| fetched.meta.get("keystep:purpose").cloned())
        .unwrap_or_else(|| keystep_core::provider::DEFAULT_PURPOSE.to_string());
    if let Some(msg) = super::undeclared_purpose(provider, &purpose) {
        return fail(stdout, stderr, Code::InvalidInput, &msg, EXIT_USAGE);
    }
    let creds = match parse_fields(provider, fetched.fields) {
        Ok(c) => c,
        // Names fields by their labels, never a value.
        Err(e) => {
            return fail(
                stdout,
                stderr,
                Code::InvalidInput,
                &format!(
                    "the copy at {target} does not hold a usable {} key: {}",
                    provider.name, e.message
                ),
                EXIT_FAILED,
            )
        }
    };
    let overridden: Vec<_> = world
        .hosts
        .overrides()
        .into_iter()
        .filter(|o| o.provider == provider.id)
        .collect();
    if !json {
        let _ = writeln!(
            stderr,
            "keystep verify: the {} key at {target} (version {})",
            provider.name, fetched.version
        );
    }
    let report = Verifier::new(world.hosts.clone())
        .verify_for(
            provider,
            &creds,
            &purpose,
            keystep_core::verify::Purpose::Link,
            &|_| {},
        )
        .await;
    print_report(&report, json, &overridden, stdout);
    if report.ok {
        EXIT_OK
    } else {
        EXIT_FAILED
    }
}

/// What `keystep forget` was told about an account's copies.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ForgetAnswers {
    /// `--delete-copy TARGET`, each as typed.
    pub delete: Vec<String>,
    /// `--keep-copies`: every copy not named is left in its store.
    pub keep_rest: bool,
}

/// Takes `--delete-copy TARGET` and `--keep-copies` out of `forget`'s arguments and returns
/// the rest.
///
/// # Errors
/// `--delete-copy` without a target.
pub fn forget_answers(args: &[String]) -> Result<(Vec<String>, ForgetAnswers), String> {
    let mut rest = Vec::new();
    let mut answers = ForgetAnswers::default();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--keep-copies" => answers.keep_rest = true,
            "--delete-copy" => answers.delete.push(
                it.next()
                    .ok_or("--delete-copy needs a copy's address after it.")?
                    .clone(),
            ),
            s if s.starts_with("--delete-copy=") => {
                answers.delete.push(s["--delete-copy=".len()..].to_string());
            }
            _ => rest.push(arg.clone()),
        }
    }
    Ok((rest, answers))
}

/// Which of `account`'s copies to delete, from the answers; a sentence when a copy has no
/// answer or an answer names no copy of the account.
///
/// # Errors
/// The sentence to print (exit 2): nothing was deleted or forgotten.
pub fn copies_to_delete(account: &Account, answers: &ForgetAnswers) -> Result<Vec<Target>, String> {
    let mut delete = Vec::new();
    for typed in &answers.delete {
        let target = Target::parse(typed).map_err(|e| e.to_string())?;
        if !account.copies.iter().any(|c| c.target == target) {
            return Err(format!(
                "{target} is not one of {}'s copies.",
                account.handle
            ));
        }
        delete.push(target);
    }
    let unanswered: Vec<String> = account
        .copies
        .iter()
        .filter(|c| !delete.contains(&c.target))
        .map(|c| c.target.to_string())
        .collect();
    if !unanswered.is_empty() && !answers.keep_rest {
        return Err(format!(
            "{} has copies in team stores: {}. Say what to do with each: --delete-copy TARGET deletes one (each may be given several times), --keep-copies leaves the others where they are.",
            account.handle,
            unanswered.join(", ")
        ));
    }
    Ok(delete)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn push_takes_a_handle_a_target_and_its_options_and_never_a_token() {
        let parsed = parse_push(&args(&[
            "humaans-acme",
            "vault://v:8200/secret/x",
            "--json",
            "--replace",
        ]))
        .expect("valid");
        assert_eq!(
            parsed,
            PushArgs {
                handle: "humaans-acme".into(),
                target: "vault://v:8200/secret/x".into(),
                replace: true,
                token_stdin: false,
                json: true
            },
            "both words and the flags"
        );
        assert!(
            parse_push(&args(&["humaans-acme"])).is_err(),
            "a target is needed"
        );
        let said = parse_push(&args(&["h", "vault://v/s/x", "--token", "hvs.SECRET"]))
            .expect_err("refused");
        assert!(
            !said.contains("hvs.SECRET") && said.contains("VAULT_TOKEN"),
            "points to VAULT_TOKEN: {said}"
        );
    }

    #[test]
    fn verify_from_takes_a_target_and_refuses_fields() {
        assert!(
            wants_from(&args(&["--from", "aws-sm://eu-west-1/x"])),
            "--from is seen"
        );
        assert!(
            !wants_from(&args(&["humaans"])),
            "plain verify is not --from"
        );
        let parsed = parse_from(&args(&["--from=aws-sm://eu-west-1/x", "--json"])).expect("valid");
        assert_eq!(parsed.target, "aws-sm://eu-west-1/x", "the target");
        assert!(
            parse_from(&args(&["--from", "x", "--field", "a=b"])).is_err(),
            "fields come from the copy"
        );
    }

    #[test]
    fn forget_answers_are_taken_out_of_the_arguments() {
        let (rest, answers) = forget_answers(&args(&[
            "humaans-acme",
            "--delete-copy",
            "aws-sm://eu-west-1/x",
            "--keep-copies",
        ]))
        .expect("valid");
        assert_eq!(rest, args(&["humaans-acme"]), "the handle stays");
        assert_eq!(
            answers.delete,
            args(&["aws-sm://eu-west-1/x"]),
            "the copy to delete"
        );
        assert!(answers.keep_rest, "the rest is kept");
    }
}
