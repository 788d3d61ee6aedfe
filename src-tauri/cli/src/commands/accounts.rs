//! The accounts on the command line: how every account command opens the
//! window's data folder, book and keychain through the [`World`], and `keystep list`, `forget` and `rename` (the
//! window's account list, Forget and Rename, headless; `link` is beside this module).
//!
//! ```text
//! keystep list [--json]
//! keystep forget HANDLE [--delete-copy TARGET]... [--keep-copies]
//! keystep rename HANDLE [--handle NEW-HANDLE] [--name NAME]
//! ```
//!
//! `list` reads the book alone, never the keychain, so it starts fast and never prompts.
//! `forget` and `rename` name an account by its handle and go through [`Accounts::forget`],
//! [`Accounts::rename_handle`] and [`Accounts::rename`]. Each writes through the book's lock
//! and merge (`FileBook`), so the window may run meanwhile. Exit status: 0 done, 1 refused or
//! failed with nothing changed, 2 usage, invalid input or no such handle.
//!
//! An account with copies in team stores (`keystep push`) is forgotten only once each copy
//! has an answer ([`copies_to_delete`]): `--delete-copy TARGET` deletes that copy,
//! `--keep-copies` leaves the others where they are.

use std::io::Write;

use keystep_core::account::{Account, AccountBook, Accounts, LinkError};
use keystep_core::provider::Catalogue;
use keystep_core::store::Target;
use keystep_core::world::{World, WorldError};

use super::args::{self, usage_error, Long, Short, Value};
use super::view::{account_line, table, AccountLine};
use super::{EXIT_FAILED, EXIT_OK, EXIT_USAGE};

/// The accounts, as the window opens them but without rebuilding a damaged book (the window
/// does that, and tells the person); the error is the sentence to print.
pub(super) fn open_accounts(world: &World) -> Result<Accounts, String> {
    world.open_accounts().map_err(|e| match e {
        WorldError::Book(_) => {
            format!("{e}. Open the Keystep window: it can set a damaged list aside and rebuild it.")
        }
        _ => e.to_string(),
    })
}

/// The book as it is on disk, without the keychain; the error is the sentence to print.
pub(super) fn read_book(world: &World) -> Result<AccountBook, String> {
    world.book().map_err(|e| e.to_string())
}

/// `keystep list --help`.
const LIST_USAGE: &str = "Usage: keystep list [--json]\n\n\
Every linked account: its handle (the name other commands take), provider,\n\
name, status, when it was last checked and the end of its key. It reads\n\
Keystep's account list only, never the keychain. With --json, one JSON array:\n\
handle, provider, provider_name, name, company, status (ok, limited,\n\
failing, unknown, unchecked, needs_relink), last_checked (RFC 3339 or null),\n\
fingerprint, purpose (what the key is held to), sandbox (true for a key\n\
verified against the provider's sandbox), id, and copies (each copy in a\n\
team store: target, version, state current/stale/changed_outside, written_at,\n\
last_confirmed, last_code; see keystep push --help). Never a key.\n";

/// `keystep forget --help`.
const FORGET_USAGE: &str =
    "Usage: keystep forget HANDLE [--delete-copy TARGET]... [--keep-copies]\n\n\
Removes the account from Keystep and its key from your system keychain, as the\n\
window's Forget does. The key itself still works at the provider until you\n\
revoke it there. keystep list shows the handles.\n\n\
An account pushed to team stores (keystep push) needs an answer for each copy:\n\
--delete-copy TARGET deletes that copy (if it is still the version Keystep\n\
wrote), --keep-copies leaves every other one where it is.\n\n\
Exit status: 0 forgotten, 1 not forgotten (the keychain or the account list could\n\
not be changed: the account stays), 2 usage or no such handle.\n";

/// `keystep rename --help`.
const RENAME_USAGE: &str = "Usage: keystep rename HANDLE [--handle NEW-HANDLE] [--name NAME]\n\n\
Gives an account another handle (the name commands take: lower-case letters and\n\
digits in groups joined by hyphens, unique) or another name (what the window\n\
shows), or both. keystep list shows the handles.\n\n\
Exit status: 0 renamed, 1 not saved, 2 usage, a handle that is malformed or\n\
taken, or no such handle.\n";

/// Runs `keystep list` with `args` (after the word `list`) and returns the exit status.
/// Reads the book only: the keychain is not asked anything.
pub fn run_list(
    args: &[String],
    world: &World,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> i32 {
    let mut json = false;
    let mut parser = args::parser(args);
    loop {
        match parser.next() {
            Ok(None) => break,
            Ok(Some(Long("help") | Short('h'))) => {
                let _ = write!(stdout, "{LIST_USAGE}");
                return EXIT_OK;
            }
            Ok(Some(Long("json"))) => json = true,
            Ok(Some(other)) => {
                return usage_error(stderr, "list", &args::explain(other.unexpected(), "list"))
            }
            Err(e) => return usage_error(stderr, "list", &args::explain(e, "list")),
        }
    }
    let book = match read_book(world) {
        Ok(book) => book,
        Err(e) => {
            let _ = writeln!(stderr, "keystep list: {e}");
            return EXIT_FAILED;
        }
    };
    let lines: Vec<AccountLine> = book
        .accounts
        .iter()
        .map(|a| account_line(a, &world.catalogue))
        .collect();
    if json {
        let _ = writeln!(
            stdout,
            "{}",
            serde_json::to_string(&lines).unwrap_or_default()
        );
    } else if lines.is_empty() {
        let _ = writeln!(
            stdout,
            "No account is linked yet. Link one with keystep link, or in the Keystep window."
        );
    } else {
        let _ = write!(stdout, "{}", table(&lines));
    }
    EXIT_OK
}

/// Runs `keystep forget HANDLE` and returns the exit status.
pub async fn run_forget(
    args: &[String],
    world: &World,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> i32 {
    let mut handle = None;
    let mut answers = CopyAnswers::default();
    let mut parser = args::parser(args);
    loop {
        let arg = match parser.next() {
            Ok(Some(arg)) => arg,
            Ok(None) => break,
            Err(e) => return usage_error(stderr, "forget", &args::explain(e, "forget")),
        };
        match arg {
            Long("help") | Short('h') => {
                let _ = write!(stdout, "{FORGET_USAGE}");
                return EXIT_OK;
            }
            Long("delete-copy") => {
                let target = args::text(&mut parser, "forget")
                    .and_then(|typed| Target::parse(&typed).map_err(|e| e.to_string()));
                match target {
                    Ok(target) => answers.delete.push(target),
                    Err(e) => return usage_error(stderr, "forget", &e),
                }
            }
            Long("keep-copies") => answers.keep_rest = true,
            Value(value) if handle.is_none() => handle = value.into_string().ok(),
            Value(_) => return usage_error(stderr, "forget", "Name one account at a time."),
            other => {
                return usage_error(
                    stderr,
                    "forget",
                    &args::explain(other.unexpected(), "forget"),
                )
            }
        }
    }
    let Some(handle) = handle else {
        return usage_error(
            stderr,
            "forget",
            "Name one account by its handle, e.g. keystep forget payfit-acme-sas.",
        );
    };
    let accounts = match open_accounts(world) {
        Ok(a) => a,
        Err(e) => {
            let _ = writeln!(stderr, "keystep forget: {e}");
            return EXIT_FAILED;
        }
    };
    let account = match accounts.resolve(&handle).await {
        Ok(a) => a,
        Err(e) => {
            let _ = writeln!(stderr, "keystep forget: {e}");
            return EXIT_USAGE;
        }
    };
    // Each copy in a team store is deleted only when asked, and the account is forgotten
    // only once every copy asked for is gone (the rest stay where they are).
    let delete = match copies_to_delete(&account, &answers) {
        Ok(delete) => delete,
        Err(e) => return usage_error(stderr, "forget", &e),
    };
    if !delete.is_empty() {
        match accounts.delete_copies(&account.id, &delete).await {
            Ok(outcomes) => {
                let mut failed = false;
                for outcome in outcomes {
                    let out: &mut dyn Write = if outcome.ok {
                        &mut *stdout
                    } else {
                        &mut *stderr
                    };
                    let _ = writeln!(out, "{}", outcome.message);
                    failed |= !outcome.ok;
                }
                if failed {
                    let _ = writeln!(
                        stderr,
                        "keystep forget: {} was not forgotten, so that the copy it could not delete stays recorded. Try again, or keep that copy with --keep-copies.",
                        account.handle
                    );
                    return EXIT_FAILED;
                }
            }
            Err(e) => {
                let _ = writeln!(stderr, "keystep forget: {e}");
                return EXIT_FAILED;
            }
        }
    }
    match accounts.forget(&account.id).await {
        Ok(()) => {
            let name = provider_name(&account, &world.catalogue);
            let _ = writeln!(
                stdout,
                "Forgot {} ({name} — {}): the account and its key in your keychain are gone. Revoke the key in {name} if nothing else uses it.",
                account.handle, account.label
            );
            EXIT_OK
        }
        Err(e) => {
            let _ = writeln!(stderr, "keystep forget: {e}");
            EXIT_FAILED
        }
    }
}

/// Runs `keystep rename HANDLE [--handle NEW-HANDLE] [--name NAME]` and returns the exit
/// status. The handle first, then the name: a refused handle changes nothing.
pub async fn run_rename(
    args: &[String],
    world: &World,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> i32 {
    let usage = |stderr: &mut dyn Write, msg: &str| usage_error(stderr, "rename", msg);
    let (mut handle, mut new_handle, mut name) = (None, None, None);
    let mut parser = args::parser(args);
    loop {
        let arg = match parser.next() {
            Ok(Some(arg)) => arg,
            Ok(None) => break,
            Err(e) => return usage(stderr, &args::explain(e, "rename")),
        };
        let slot = match arg {
            Long("help") | Short('h') => {
                let _ = write!(stdout, "{RENAME_USAGE}");
                return EXIT_OK;
            }
            Long("handle") => &mut new_handle,
            Long("name") => &mut name,
            Value(value) if handle.is_none() => {
                handle = value.into_string().ok();
                continue;
            }
            Value(_) => return usage(stderr, "Name one account at a time."),
            other => return usage(stderr, &args::explain(other.unexpected(), "rename")),
        };
        match args::text(&mut parser, "rename") {
            Ok(value) => *slot = Some(value),
            Err(e) => return usage(stderr, &e),
        }
    }
    let Some(handle) = handle else {
        return usage(
            stderr,
            "Name the account by its handle, e.g. keystep rename payfit-acme --handle payroll.",
        );
    };
    if new_handle.is_none() && name.is_none() {
        return usage(
            stderr,
            "Say what to change: --handle NEW-HANDLE, --name NAME, or both.",
        );
    }
    let accounts = match open_accounts(world) {
        Ok(a) => a,
        Err(e) => {
            let _ = writeln!(stderr, "keystep rename: {e}");
            return EXIT_FAILED;
        }
    };
    let mut account = match accounts.resolve(&handle).await {
        Ok(a) => a,
        Err(e) => {
            let _ = writeln!(stderr, "keystep rename: {e}");
            return EXIT_USAGE;
        }
    };
    let changes = [new_handle.map(|h| (true, h)), name.map(|n| (false, n))];
    for (is_handle, value) in changes.into_iter().flatten() {
        let renamed = if is_handle {
            accounts.rename_handle(&account.id, &value).await
        } else {
            accounts.rename(&account.id, &value).await
        };
        match renamed {
            Ok(a) => account = a,
            Err(e) => {
                let _ = writeln!(stderr, "keystep rename: {e}");
                return match e {
                    LinkError::Input(_) => EXIT_USAGE,
                    _ => EXIT_FAILED,
                };
            }
        }
    }
    let _ = writeln!(
        stdout,
        "{} is now {} ({} — {}).",
        handle.trim(),
        account.handle,
        provider_name(&account, &world.catalogue),
        account.label
    );
    EXIT_OK
}

/// What `keystep forget` was told about an account's copies in team stores.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct CopyAnswers {
    /// `--delete-copy TARGET`, each parsed.
    delete: Vec<Target>,
    /// `--keep-copies`: every copy not named is left in its store.
    keep_rest: bool,
}

/// Which of `account`'s copies to delete, from the answers.
///
/// # Errors
/// The sentence for a usage error (nothing was deleted or forgotten): a copy without an
/// answer, or an answer that names no copy of the account (the address typed is not
/// repeated; the account's own copies are listed instead).
fn copies_to_delete(account: &Account, answers: &CopyAnswers) -> Result<Vec<Target>, String> {
    let recorded = || {
        account
            .copies
            .iter()
            .map(|c| c.target.to_string())
            .collect::<Vec<_>>()
    };
    let mut delete = Vec::new();
    for target in &answers.delete {
        if !account.copies.iter().any(|c| &c.target == target) {
            let copies = recorded();
            return Err(if copies.is_empty() {
                format!("{} has no copy in a team store.", account.handle)
            } else {
                format!(
                    "--delete-copy names an address that is not one of {}'s copies: {}.",
                    account.handle,
                    copies.join(", ")
                )
            });
        }
        delete.push(target.clone());
    }
    let unanswered: Vec<String> = account
        .copies
        .iter()
        .filter(|c| !delete.contains(&c.target))
        .map(|c| c.target.to_string())
        .collect();
    if !unanswered.is_empty() && !answers.keep_rest {
        return Err(format!(
            "{} has copies in team stores: {}. Say what to do with each: --delete-copy TARGET deletes one (give it once for each), --keep-copies leaves the others where they are.",
            account.handle,
            unanswered.join(", ")
        ));
    }
    Ok(delete)
}

fn provider_name(account: &Account, catalogue: &Catalogue) -> String {
    catalogue
        .get(&account.provider)
        .map_or_else(|| account.provider.clone(), |p| p.name.clone())
}
