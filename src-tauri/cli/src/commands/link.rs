//! `keystep link`: the window's Connect, headless, over the same data folder, book and
//! keychain ([`World`]).
//!
//! ```text
//! keystep link <provider> [--purpose ID] [--field NAME=VALUE]... [--name NAME] [--replace] [--json]
//! ```
//!
//! With `--replace`, a company already linked gets this key instead (the window's Replace
//! key, [`Accounts::relink`](keystep_core::account::Accounts::relink)): verified first,
//! swapped in place, and written to every copy in a team store, each one reported.
//!
//! It reads its input exactly as `verify` does (secret fields on standard input), checks it
//! before opening the book, and links through [`Accounts::link_for`](keystep_core::account::Accounts::link_for) (held to
//! `--purpose`, `read` by default, as the window preselects it), so its rules are the
//! window's: verified first, the keychain item and the book written all-or-nothing, a tenant
//! already linked refused. Exit status: 0 linked, 1 not linked (nothing kept), 2 usage or
//! invalid input.

use std::collections::BTreeMap;
use std::io::{BufRead, Write};

use serde::Serialize;

use keystep_core::account::{LinkError, LinkMode};
use keystep_core::error::Code;
use keystep_core::provider::Catalogue;

use keystep_core::world::World;

use super::accounts::open_accounts;
use super::view::account_line;
use super::{gather_fields, parse_args, undeclared_purpose, EXIT_FAILED, EXIT_OK, EXIT_USAGE};

/// The parsed command line of `keystep link`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct LinkArgs {
    provider: String,
    fields: Vec<(String, String)>,
    name: Option<String>,
    purpose: String,
    json: bool,
    /// `--replace`: a company already linked gets this key (a relink).
    replace: bool,
}

/// `keystep link --help`.
pub fn link_usage(catalogue: &Catalogue) -> String {
    let verify = super::usage(catalogue);
    let providers = verify
        .split_once("Providers and their fields")
        .map_or("", |(_, rest)| rest);
    format!(
        "Usage: keystep link <provider> [--purpose ID] [--field NAME=VALUE]... [--name NAME] [--json]\n\n\
         Verifies a key with the provider and keeps it, as the Keystep window's Connect does:\n\
         the key goes to your system keychain, the account to Keystep's list, with a handle\n\
         to name it by (keystep list). Give non-secret fields with --field; pipe secret\n\
         fields on standard input as NAME=VALUE lines. --name names the account (the\n\
         company's name by default). --purpose says what the key is for (default read; the\n\
         purposes are listed below): it is held to that purpose now and at every check. With --json the last line of standard output is the\n\
         account as keystep list --json shows it.\n\n\
         --replace gives a company that is already linked this new key instead, as the\n\
         window's Replace key does: verified first, then swapped in, and written to every\n\
         copy in a team store (keystep push), each one reported; a copy that could not be\n\
         updated is listed as stale (or changed outside Keystep) until it is.\n\n\
         Exit status: 0 linked, 1 not linked (the key was refused, the company is already\n\
         linked, or the keychain could not be used: nothing was kept), 2 usage or invalid input.\n\n\
         Providers and their fields{providers}"
    )
    .replace("keystep verify", "keystep link")
}

fn parse_link(args: &[String]) -> Result<LinkArgs, String> {
    let mut name = None;
    let mut replace = false;
    let mut rest = Vec::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        if arg == "--replace" {
            replace = true;
        } else if arg == "--name" {
            let value = it.next().ok_or("--name needs a name after it.")?;
            name = Some(value.clone());
        } else if let Some(value) = arg.strip_prefix("--name=") {
            name = Some(value.to_string());
        } else {
            rest.push(arg.clone());
        }
    }
    let parsed = parse_args(&rest).map_err(|e| e.replace("keystep verify", "keystep link"))?;
    if let Some(n) = &name {
        let count = n.trim().chars().count();
        if count == 0
            || count > keystep_core::account::MAX_LABEL_CHARS
            || n.chars().any(char::is_control)
        {
            return Err(format!(
                "--name needs 1 to {} characters, on one line.",
                keystep_core::account::MAX_LABEL_CHARS
            ));
        }
    }
    Ok(LinkArgs {
        provider: parsed.provider,
        fields: parsed.fields,
        name,
        purpose: parsed.purpose,
        json: parsed.json,
        replace,
    })
}

/// What `link --json` prints when nothing was linked.
#[derive(Debug, Serialize)]
struct NotLinked<'a> {
    ok: bool,
    code: Code,
    message: &'a str,
    /// For `already_linked`: the handle of the account that has this company.
    #[serde(skip_serializing_if = "Option::is_none")]
    linked_as: Option<&'a str>,
}

fn refuse(
    json: bool,
    command: &str,
    code: Code,
    message: &str,
    linked_as: Option<&str>,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) {
    let _ = writeln!(stderr, "keystep {command}: {message}");
    if json {
        let out = NotLinked {
            ok: false,
            code,
            message,
            linked_as,
        };
        let _ = writeln!(
            stdout,
            "{}",
            serde_json::to_string(&out).unwrap_or_default()
        );
    }
}

/// Runs `keystep link` with `args` (after the word `link`) and returns the exit status.
pub async fn run_link(
    args: &[String],
    world: &World,
    stdin: &mut dyn BufRead,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> i32 {
    if args.iter().any(|a| a == "--help" || a == "-h") {
        let _ = write!(stdout, "{}", link_usage(&world.catalogue));
        return EXIT_OK;
    }
    let json = args.iter().any(|a| a == "--json");
    let usage_error = |stdout: &mut dyn Write, stderr: &mut dyn Write, msg: &str| {
        refuse(json, "link", Code::InvalidInput, msg, None, stdout, stderr);
        if !json {
            let _ = writeln!(stderr, "Try keystep link --help.");
        }
        EXIT_USAGE
    };
    let parsed = match parse_link(args) {
        Ok(p) => p,
        Err(e) => return usage_error(stdout, stderr, &e),
    };
    let Some(provider) = world.catalogue.get(&parsed.provider) else {
        let ids: Vec<&str> = world
            .catalogue
            .all()
            .iter()
            .map(|p| p.id.as_str())
            .collect();
        let msg = format!(
            "Keystep does not know “{}”. Providers: {}.",
            parsed.provider,
            ids.join(", ")
        );
        return usage_error(stdout, stderr, &msg);
    };
    if let Some(msg) = undeclared_purpose(provider, &parsed.purpose) {
        return usage_error(stdout, stderr, &msg);
    }
    if !parsed.json {
        for o in world
            .hosts
            .overrides()
            .iter()
            .filter(|o| o.provider == provider.id)
        {
            let _ = writeln!(
                stderr,
                "keystep link: {} sends {}'s “{}” requests to {}, not to {}.",
                o.variable, provider.name, o.host, o.url, provider.name
            );
        }
    }
    let raw = match gather_fields(provider, &parsed.fields, stdin) {
        Ok(raw) => raw,
        Err(e) => return usage_error(stdout, stderr, &e),
    };
    // Input is checked before the book is opened: a mistyped field changes nothing.
    if let Err(e) = keystep_core::input::parse_fields(provider, copy(&raw)) {
        return usage_error(stdout, stderr, &e.message);
    }
    let accounts = match open_accounts(world) {
        Ok(a) => a,
        Err(e) => {
            refuse(json, "link", Code::StorageFailed, &e, None, stdout, stderr);
            return EXIT_FAILED;
        }
    };
    let again = parsed.replace.then(|| copy(&raw));
    let steps = std::sync::Mutex::new(Vec::new());
    let linked = accounts
        .link_for(
            &provider.id,
            raw,
            &parsed.purpose,
            LinkMode::Complete,
            &|check| {
                if let Ok(mut s) = steps.lock() {
                    s.push(check.doing.clone());
                }
            },
        )
        .await;
    if !parsed.json {
        for step in steps.into_inner().unwrap_or_default() {
            let _ = writeln!(stderr, "  {step}");
        }
    }
    let linked = match (linked, again) {
        // `--replace` over a company already linked: the same key goes to that account.
        (Err(LinkError::AlreadyLinked { id, .. }), Some(raw)) => {
            accounts.relink(&id, raw, &|_| {}).await
        }
        (linked, _) => linked,
    };
    let linked = match linked {
        Ok(linked) => linked,
        Err(e) => {
            let existing = match e.existing_account() {
                Some(id) => accounts.get(id).await.map(|a| a.handle),
                None => None,
            };
            let message = match (&e, &existing) {
                (LinkError::AlreadyLinked { .. }, Some(handle)) => format!(
                    "This {} company is already linked as {handle}; nothing was changed. To give it this key, run the same command with --replace (or choose Replace key on it in the Keystep window).",
                    provider.name
                ),
                _ => e.to_string(),
            };
            let status = match e {
                LinkError::Input(_) | LinkError::UnknownProvider(_) => EXIT_USAGE,
                _ => EXIT_FAILED,
            };
            refuse(
                json,
                "link",
                e.code(),
                &message,
                existing.as_deref(),
                stdout,
                stderr,
            );
            return status;
        }
    };
    let mut account = linked.account;
    if let Some(name) = &parsed.name {
        match accounts.rename(&account.id, name).await {
            Ok(renamed) => account = renamed,
            Err(e) => {
                let _ = writeln!(
                    stderr,
                    "keystep link: linked as {}, but its name could not be saved: {e}",
                    account.handle
                );
            }
        }
    }
    let line = account_line(&account, &world.catalogue);
    if parsed.json {
        let _ = writeln!(
            stdout,
            "{}",
            serde_json::to_string(&line).unwrap_or_default()
        );
    } else {
        let _ = writeln!(stdout, "✓ {}", account.message);
        let _ = writeln!(
            stdout,
            "  linked as {} ({} — {}); the key is in your keychain as “{}”.",
            line.handle, line.provider_name, line.name, linked.stored_in.label
        );
        for note in &linked.notes {
            let _ = writeln!(stdout, "  note: {}", note.describe(provider));
        }
    }
    // A relink writes the new key to every copy in a team store: each one reported.
    for outcome in &linked.copies {
        let out: &mut dyn Write = if outcome.ok {
            &mut *stdout
        } else {
            &mut *stderr
        };
        if !(parsed.json && outcome.ok) {
            let _ = writeln!(out, "  copy {}: {}", outcome.target, outcome.message);
        }
    }
    EXIT_OK
}

fn copy(
    raw: &BTreeMap<String, keystep_core::secret::Secret>,
) -> BTreeMap<String, keystep_core::secret::Secret> {
    raw.iter()
        .map(|(k, v)| (k.clone(), keystep_core::secret::Secret::new(v.expose())))
        .collect()
}
