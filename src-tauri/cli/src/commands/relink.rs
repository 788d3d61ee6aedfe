//! `keystep relink`: the window's Replace key, headless. A new key for an account that is
//! already linked (a rotation, or an account whose key was lost), kept in place: the same
//! account, handle, name and purpose.
//!
//! ```text
//! keystep relink HANDLE [--field NAME=VALUE]... [--json]
//! ```
//!
//! The secret fields come as for `link` (standard input, or asked for on a terminal); a
//! non-secret field left out keeps its stored value. It goes through
//! [`Accounts::relink`](keystep_core::account::Accounts::relink): the new key is verified
//! first and must reach the same company, the old one is put back if the book cannot be
//! saved. Exit status: 0 relinked, 1 not relinked (the old key stays), 2 usage, invalid
//! input or no such handle.

use std::io::Write;

use keystep_core::error::Code;
use keystep_core::world::World;

use super::accounts::open_accounts;
use super::args::Asked;
use super::link::{print_kept, print_steps, Refusal, Steps};
use super::{
    gather_fields, overrides_for, parse_key_args, say_overrides, KeyOptions, SecretInput,
    EXIT_FAILED, EXIT_OK,
};

const TAKES: KeyOptions = KeyOptions {
    command: "relink",
    purpose: false,
    name: false,
};

/// `keystep relink --help`.
pub fn relink_usage() -> &'static str {
    "Usage: keystep relink HANDLE [--field NAME=VALUE]... [--json]\n\n\
     Gives a linked account a new key, as the Keystep window's Replace key does: to rotate a\n\
     key, or when the keychain lost it. The new key is verified first, for the account's\n\
     purpose, and must reach the same company; then it replaces the old one in your\n\
     keychain, and the account keeps its handle, name and purpose. Pipe the secret fields\n\
     on standard input as NAME=VALUE lines, or type them when asked on a terminal (what you\n\
     type is not shown); a non-secret field left out keeps its value. Revoke the old key in\n\
     the provider once nothing uses it. keystep list shows the handles. With --json the last\n\
     line of standard output is the account as keystep list --json shows it.\n\n\
     Exit status: 0 relinked, 1 not relinked (the key was refused or reaches another\n\
     company, or the keychain could not be used: the old key stays), 2 usage, invalid input\n\
     or no such handle.\n\n\
     Example:\n  printf 'api_token=%s\\n' \"$NEW_TOKEN\" | keystep relink humaans-acme-ltd\n"
}

/// Runs `keystep relink` with `args` (after the word `relink`) and returns the exit status.
pub async fn run_relink(
    args: &[String],
    world: &World,
    input: &mut SecretInput<'_>,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> i32 {
    let json = args.iter().any(|a| a == "--json");
    let early = Refusal {
        command: "relink",
        json,
        overridden: &[],
    };
    let parsed = match parse_key_args(args, TAKES) {
        Ok(Asked::Help) => {
            let _ = write!(stdout, "{}", relink_usage());
            return EXIT_OK;
        }
        Ok(Asked::Run(parsed)) => parsed,
        Err(e) => return early.usage(&e, stdout, stderr),
    };
    let Some(handle) = parsed.subject.as_deref() else {
        return early.usage(
            "Name the account by its handle, e.g. keystep relink humaans-acme-ltd.",
            stdout,
            stderr,
        );
    };
    let accounts = match open_accounts(world) {
        Ok(a) => a,
        Err(e) => {
            early.say(Code::StorageFailed, &e, None, stdout, stderr);
            return EXIT_FAILED;
        }
    };
    let account = match accounts.resolve(handle).await {
        Ok(a) => a,
        Err(e) => return early.usage(&e.to_string(), stdout, stderr),
    };
    let Some(provider) = world.catalogue.get(&account.provider) else {
        let msg = format!(
            "{} is of a provider this Keystep does not know.",
            account.handle
        );
        early.say(Code::Internal, &msg, None, stdout, stderr);
        return EXIT_FAILED;
    };
    let overridden = overrides_for(&world.hosts, provider);
    let refusal = Refusal {
        overridden: &overridden,
        ..early
    };
    say_overrides("relink", provider, &overridden, stderr);
    let raw = match gather_fields(provider, &parsed.fields, input) {
        Ok(raw) => raw,
        Err(e) => return refusal.usage(&e, stdout, stderr),
    };
    let steps = Steps::default();
    let relinked = accounts
        .relink(&account.id, raw, &|check| {
            if let Ok(mut s) = steps.lock() {
                s.push(check.doing.clone());
            }
        })
        .await;
    print_steps(steps, parsed.json, stderr);
    let relinked = match relinked {
        Ok(relinked) => relinked,
        Err(e) => {
            let existing = match e.existing_account() {
                Some(id) => accounts.get(id).await.map(|a| a.handle),
                None => None,
            };
            let message = format!("{e} The old key of {} stays.", account.handle);
            return refusal.failed(&e, &message, existing.as_deref(), stdout, stderr);
        }
    };
    let json_overrides = parsed.json.then_some(overridden.as_slice());
    print_kept(
        &relinked,
        provider,
        &world.catalogue,
        json_overrides,
        "relinked",
        stdout,
    );
    if !parsed.json {
        let _ = writeln!(
            stdout,
            "  Revoke the old key once nothing uses it: {}",
            provider.revoke
        );
    }
    EXIT_OK
}
