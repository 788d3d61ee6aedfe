//! `keystep link`: the window's Connect, headless, over the same data folder, book and
//! keychain ([`World`]).
//!
//! ```text
//! keystep link <provider> [--purpose ID] [--field NAME=VALUE]... [--name NAME] [--json]
//! ```
//!
//! It reads its input exactly as `verify` does (secret fields on standard input, or asked
//! for on a terminal), checks it before opening the book, and links through
//! [`Accounts::link_named`](keystep_core::account::Accounts::link_named) (held to
//! `--purpose`, `read` by default, as the window preselects it), so its rules are the
//! window's: verified first, the keychain item and the book written all-or-nothing, a tenant
//! already linked refused. A provider that cannot name the company (HiBob, JazzHR) gets the
//! name from `--name`, or on a terminal by asking. Where `KEYSTEP_*_URL` variables send the
//! key is said on stderr and, with `--json`, as `overridden_hosts` on success and refusal
//! alike. Exit status: 0 linked, 1 not linked (nothing kept), 2 usage or invalid input.

use std::collections::BTreeMap;
use std::io::Write;

use serde::Serialize;

use keystep_core::account::{Account, LinkError, LinkMode, Linked};
use keystep_core::error::Code;
use keystep_core::hosts::HostOverride;
use keystep_core::provider::{Catalogue, Provider};
use keystep_core::world::World;

use super::accounts::open_accounts;
use super::args::{usage_line, Asked};
use super::view::{account_line, AccountLine};
use super::{
    gather_fields, overrides_for, parse_key_args, say_overrides, undeclared_purpose,
    unknown_provider, KeyOptions, SecretInput, EXIT_FAILED, EXIT_OK, EXIT_USAGE,
};

const TAKES: KeyOptions = KeyOptions {
    command: "link",
    purpose: true,
    name: true,
};

/// `keystep link --help`.
pub fn link_usage(catalogue: &Catalogue) -> String {
    let verify = super::usage(catalogue);
    let providers = verify
        .split_once("Providers and their fields")
        .map_or("", |(_, rest)| rest);
    let unnamed: Vec<&str> = catalogue
        .all()
        .iter()
        .filter(|p| !p.names_company())
        .map(|p| p.name.as_str())
        .collect();
    format!(
        "Usage: keystep link <provider> [--purpose ID] [--field NAME=VALUE]... [--name NAME] [--json]\n\n\
         Verifies a key with the provider and keeps it, as the Keystep window's Connect does:\n\
         the key goes to your system keychain, the account to Keystep's list, with a handle\n\
         to name it by (keystep list). Give non-secret fields with --field; pipe secret\n\
         fields on standard input as NAME=VALUE lines, or type them when asked on a terminal\n\
         (what you type is not shown). --name names the account (the company's name by\n\
         default; {} cannot say which company a key is for, so name those accounts: on a\n\
         terminal you are asked). --purpose says what the key is for (default read; the\n\
         purposes are listed below): it is held to that purpose now and at every check.\n\
         With --json the last line of standard output is the account as keystep list --json\n\
         shows it, with overridden_hosts (where KEYSTEP_*_URL variables sent the key).\n\
         To give an account a new key, use keystep relink.\n\n\
         Exit status: 0 linked, 1 not linked (the key was refused, the company is already\n\
         linked, or the keychain could not be used: nothing was kept), 2 usage or invalid input.\n\n\
         Providers and their fields{providers}",
        unnamed.join(" and ")
    )
    .replace("keystep verify", "keystep link")
}

/// What `link --json` and `relink --json` print when the account was kept: the account as
/// `keystep list --json` shows it, and where the key was sent.
#[derive(Debug, Serialize)]
pub(super) struct LinkedLine<'a> {
    #[serde(flatten)]
    pub(super) account: &'a AccountLine,
    /// The provider's hosts that `KEYSTEP_*_URL` variables replace: where the key went.
    pub(super) overridden_hosts: &'a [HostOverride],
}

/// What `--json` prints when nothing was linked.
#[derive(Debug, Serialize)]
struct NotLinked<'a> {
    ok: bool,
    code: Code,
    message: &'a str,
    /// For `already_linked`: the handle of the account that has this company.
    #[serde(skip_serializing_if = "Option::is_none")]
    linked_as: Option<&'a str>,
    /// The provider's hosts that `KEYSTEP_*_URL` variables replace.
    overridden_hosts: &'a [HostOverride],
}

/// How a refusal is told: the command, `--json`, and the overrides in force.
pub(super) struct Refusal<'a> {
    pub(super) command: &'static str,
    pub(super) json: bool,
    pub(super) overridden: &'a [HostOverride],
}

impl Refusal<'_> {
    /// Says why nothing was kept: on stderr and, with `--json`, as the last line of stdout.
    pub(super) fn say(
        &self,
        code: Code,
        message: &str,
        linked_as: Option<&str>,
        stdout: &mut dyn Write,
        stderr: &mut dyn Write,
    ) {
        let _ = writeln!(stderr, "keystep {}: {message}", self.command);
        if self.json {
            let out = NotLinked {
                ok: false,
                code,
                message,
                linked_as,
                overridden_hosts: self.overridden,
            };
            let _ = writeln!(
                stdout,
                "{}",
                serde_json::to_string(&out).unwrap_or_default()
            );
        }
    }

    /// A usage error or invalid input: as [`Refusal::say`], pointing to `--help`.
    pub(super) fn usage(
        &self,
        message: &str,
        stdout: &mut dyn Write,
        stderr: &mut dyn Write,
    ) -> i32 {
        let _ = writeln!(stderr, "{}", usage_line(self.command, message));
        if self.json {
            let mut quiet = std::io::sink();
            self.say(Code::InvalidInput, message, None, stdout, &mut quiet);
        }
        EXIT_USAGE
    }

    /// The exit status and refusal for a failed link or relink.
    pub(super) fn failed(
        &self,
        e: &LinkError,
        message: &str,
        linked_as: Option<&str>,
        stdout: &mut dyn Write,
        stderr: &mut dyn Write,
    ) -> i32 {
        self.say(e.code(), message, linked_as, stdout, stderr);
        match e {
            LinkError::Input(_) | LinkError::UnknownProvider(_) => EXIT_USAGE,
            _ => EXIT_FAILED,
        }
    }
}

/// Prints the account a link or relink kept: the JSON line, or the text lines.
pub(super) fn print_kept(
    linked: &Linked,
    provider: &Provider,
    catalogue: &Catalogue,
    json: Option<&[HostOverride]>,
    what: &str,
    stdout: &mut dyn Write,
) -> AccountLine {
    let line = account_line(&linked.account, catalogue);
    if let Some(overridden_hosts) = json {
        let out = LinkedLine {
            account: &line,
            overridden_hosts,
        };
        let _ = writeln!(
            stdout,
            "{}",
            serde_json::to_string(&out).unwrap_or_default()
        );
        return line;
    }
    let _ = writeln!(stdout, "✓ {}", linked.account.message);
    let _ = writeln!(
        stdout,
        "  {what} {} ({} — {}); the key is in your keychain as “{}”.",
        line.handle, line.provider_name, line.name, linked.stored_in.label
    );
    for note in &linked.notes {
        let _ = writeln!(stdout, "  note: {}", note.describe(provider));
    }
    line
}

/// The steps a check went through, for stderr in text mode.
pub(super) type Steps = std::sync::Mutex<Vec<String>>;

/// Prints the steps heard, in text mode.
pub(super) fn print_steps(steps: Steps, json: bool, stderr: &mut dyn Write) {
    if !json {
        for step in steps.into_inner().unwrap_or_default() {
            let _ = writeln!(stderr, "  {step}");
        }
    }
}

/// Runs `keystep link` with `args` (after the word `link`) and returns the exit status.
pub async fn run_link(
    args: &[String],
    world: &World,
    input: &mut SecretInput<'_>,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> i32 {
    let json = args.iter().any(|a| a == "--json");
    let early = Refusal {
        command: "link",
        json,
        overridden: &[],
    };
    let parsed = match parse_key_args(args, TAKES) {
        Ok(Asked::Help) => {
            let _ = write!(stdout, "{}", link_usage(&world.catalogue));
            return EXIT_OK;
        }
        Ok(Asked::Run(parsed)) => parsed,
        Err(e) => return early.usage(&e, stdout, stderr),
    };
    let Some(subject) = parsed.subject.as_deref() else {
        return early.usage(
            "Name the provider to link, e.g. keystep link humaans.",
            stdout,
            stderr,
        );
    };
    let Some(provider) = world.catalogue.get(subject) else {
        return early.usage(&unknown_provider(subject, &world.catalogue), stdout, stderr);
    };
    if let Some(name) = &parsed.name {
        let count = name.trim().chars().count();
        if count == 0
            || count > keystep_core::account::MAX_LABEL_CHARS
            || name.chars().any(char::is_control)
        {
            let msg = format!(
                "--name needs 1 to {} characters, on one line.",
                keystep_core::account::MAX_LABEL_CHARS
            );
            return early.usage(&msg, stdout, stderr);
        }
    }
    let purpose = parsed
        .purpose
        .clone()
        .unwrap_or_else(|| keystep_core::provider::DEFAULT_PURPOSE.to_string());
    if let Some(msg) = undeclared_purpose(provider, &purpose) {
        return early.usage(&msg, stdout, stderr);
    }
    let overridden = overrides_for(&world.hosts, provider);
    let refusal = Refusal {
        overridden: &overridden,
        ..early
    };
    say_overrides("link", provider, &overridden, stderr);
    let raw = match gather_fields(provider, &parsed.fields, input) {
        Ok(raw) => raw,
        Err(e) => return refusal.usage(&e, stdout, stderr),
    };
    // Input is checked before the book is opened: a mistyped field changes nothing.
    if let Err(e) = keystep_core::input::parse_fields(provider, copy(&raw)) {
        return refusal.usage(&e.message, stdout, stderr);
    }
    let name = match (&parsed.name, input) {
        (Some(name), _) => Some(name.clone()),
        (None, SecretInput::Terminal(prompt)) if !provider.names_company() => {
            ask_name(*prompt, provider)
        }
        _ => None,
    };
    let accounts = match open_accounts(world) {
        Ok(a) => a,
        Err(e) => {
            refusal.say(Code::StorageFailed, &e, None, stdout, stderr);
            return EXIT_FAILED;
        }
    };
    let steps = Steps::default();
    let linked = accounts
        .link_named(
            &provider.id,
            raw,
            &purpose,
            LinkMode::Complete,
            name.as_deref(),
            &|check| {
                if let Ok(mut s) = steps.lock() {
                    s.push(check.doing.clone());
                }
            },
        )
        .await;
    print_steps(steps, parsed.json, stderr);
    let linked = match linked {
        Ok(linked) => linked,
        Err(e) => {
            let existing = match e.existing_account() {
                Some(id) => accounts.get(id).await.map(|a| a.handle),
                None => None,
            };
            let message = match (&e, &existing) {
                (LinkError::AlreadyLinked { .. }, Some(handle)) => format!(
                    "This {} company is already linked as {handle}; nothing was changed. To give it this key, run keystep relink {handle} (or choose Replace key on it in the Keystep window).",
                    provider.name
                ),
                _ => e.to_string(),
            };
            return refusal.failed(&e, &message, existing.as_deref(), stdout, stderr);
        }
    };
    let json_overrides = parsed.json.then_some(overridden.as_slice());
    let line = print_kept(
        &linked,
        provider,
        &world.catalogue,
        json_overrides,
        "linked as",
        stdout,
    );
    if name.is_none() && !provider.names_company() {
        unnamed_note(provider, &linked.account, &line, stderr);
    }
    EXIT_OK
}

/// Asks a person at a terminal what to call an account of a provider that cannot name the
/// company; `None` keeps the provider's own (its user), as does an unreadable answer.
fn ask_name(prompt: &mut dyn super::Prompt, provider: &Provider) -> Option<String> {
    let question = format!(
        "{} cannot say which company this key is for. Name the account (Enter to name it after its user): ",
        provider.name
    );
    prompt
        .line(&question)
        .ok()
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty())
}

/// Says, on stderr, that an account was named after its user and how to name it.
fn unnamed_note(
    provider: &Provider,
    account: &Account,
    line: &AccountLine,
    stderr: &mut dyn Write,
) {
    let _ = writeln!(
        stderr,
        "keystep link: {} cannot say which company this key is for, so the account is named “{}”. Name it with keystep rename {} --name NAME (or --name when linking).",
        provider.name, account.label, line.handle
    );
}

fn copy(
    raw: &BTreeMap<String, keystep_core::secret::Secret>,
) -> BTreeMap<String, keystep_core::secret::Secret> {
    raw.iter()
        .map(|(k, v)| (k.clone(), keystep_core::secret::Secret::new(v.expose())))
        .collect()
}
