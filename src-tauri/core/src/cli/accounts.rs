//! `keystep link`, `keystep list` and `keystep forget`: the window's Connect, account list
//! and Forget, headless, over the same data folder, book and keychain.
//!
//! ```text
//! keystep link <provider> [--field NAME=VALUE]... [--name NAME] [--json]
//! keystep list [--json]
//! keystep forget HANDLE
//! ```
//!
//! `link` reads its input exactly as `verify` does (secret fields on standard input) and
//! links through [`Accounts::link`], so its rules are the window's: verified first, the
//! keychain item and the book written all-or-nothing, a tenant already linked refused.
//! `list` reads the book alone, never the keychain, so it starts fast and never prompts.
//! `forget` names an account by its handle and goes through [`Accounts::forget`]. Each
//! writes through the book's lock and merge (`FileBook`), so the window may run meanwhile.
//! Exit status: 0 done, 1 refused or failed with nothing changed, 2 usage or invalid input.

use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::sync::Arc;

use serde::Serialize;

use crate::account::{Account, AccountBook, Accounts, BookStore, FileBook, LinkError};
use crate::clock::{Clock, SystemClock};
use crate::error::Code;
use crate::files::{app_data_dir, DataDir};
use crate::hosts::Hosts;
use crate::pace::Pacer;
use crate::provider::Catalogue;
use crate::vault::{KeychainVault, Vault};
use crate::verify::Verifier;

use super::view::{account_line, table, AccountLine};
use super::{gather_fields, parse_args, EXIT_FAILED, EXIT_OK, EXIT_USAGE};

/// What the account commands work with: the real ones from [`Parts::from_env`], or a
/// test's.
pub struct Parts {
    /// The providers.
    pub catalogue: Arc<Catalogue>,
    /// Where requests go (`KEYSTEP_*_URL` overrides included).
    pub hosts: Hosts,
    /// Keystep's data folder, the window's own.
    pub data_dir: PathBuf,
    /// Where keys are kept.
    pub vault: Arc<dyn Vault>,
    /// Now.
    pub clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for Parts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Parts")
            .field("data_dir", &self.data_dir)
            .finish_non_exhaustive()
    }
}

impl Parts {
    /// The real parts: embedded providers, the environment's host overrides, the data
    /// folder the window uses (`XDG_DATA_HOME`, `HOME`), the system keychain.
    ///
    /// # Errors
    /// A malformed override or no home folder; the sentence says which.
    pub fn from_env() -> Result<Parts, String> {
        let catalogue = Catalogue::embedded().map_err(|e| e.to_string())?;
        let hosts = Hosts::from_lookup(catalogue.all(), |v| std::env::var(v).ok())
            .map_err(|e| e.to_string())?;
        let data_dir = app_data_dir(|name| {
            std::env::var(name).ok().or_else(|| {
                // As the window's `dirs` does: the password database when HOME is unset.
                (name == "HOME")
                    .then(std::env::home_dir)
                    .flatten()
                    .map(|p| p.to_string_lossy().into_owned())
            })
        })
        .ok_or("Keystep cannot find your home folder (HOME is not set).")?;
        Ok(Parts {
            catalogue: Arc::new(catalogue),
            hosts,
            data_dir,
            vault: Arc::new(KeychainVault::default()),
            clock: Arc::new(SystemClock),
        })
    }

    /// The accounts, as the window opens them but without rebuilding a damaged book (the
    /// window does that, and tells the person).
    fn accounts(&self) -> Result<Accounts, String> {
        let dir = DataDir::open(&self.data_dir).map_err(|e| {
            format!(
                "Keystep's data folder {} could not be opened: {e}",
                self.data_dir.display()
            )
        })?;
        // One pacer for the whole command, as the window has one for all its requests.
        let verifier = Verifier::new(self.hosts.clone()).paced(Arc::new(Pacer::new()));
        Accounts::open(
            self.catalogue.clone(),
            verifier,
            self.vault.clone(),
            Arc::new(FileBook::new(Arc::new(dir))),
            self.clock.clone(),
        )
        .map_err(|e| {
            format!("{e}. Open the Keystep window: it can set a damaged list aside and rebuild it.")
        })
    }

    /// The book as it is on disk, without the keychain; an absent folder is an empty book
    /// (and is not created).
    pub(super) fn book(&self) -> Result<AccountBook, String> {
        if !self.data_dir.exists() {
            return Ok(AccountBook::default());
        }
        let dir = DataDir::open(&self.data_dir).map_err(|e| {
            format!(
                "Keystep's data folder {} could not be opened: {e}",
                self.data_dir.display()
            )
        })?;
        FileBook::new(Arc::new(dir))
            .load()
            .map_err(|e| format!("{e}."))
    }
}

/// The parsed command line of `keystep link`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct LinkArgs {
    provider: String,
    fields: Vec<(String, String)>,
    name: Option<String>,
    json: bool,
}

/// `keystep link --help`.
pub fn link_usage(catalogue: &Catalogue) -> String {
    let verify = super::usage(catalogue);
    let providers = verify
        .split_once("Providers and their fields")
        .map_or("", |(_, rest)| rest);
    format!(
        "Usage: keystep link <provider> [--field NAME=VALUE]... [--name NAME] [--json]\n\n\
         Verifies a key with the provider and keeps it, as the Keystep window's Connect does:\n\
         the key goes to your system keychain, the account to Keystep's list, with a handle\n\
         to name it by (keystep list). Give non-secret fields with --field; pipe secret\n\
         fields on standard input as NAME=VALUE lines. --name names the account (the\n\
         company's name by default). With --json the last line of standard output is the\n\
         account as keystep list --json shows it.\n\n\
         Exit status: 0 linked, 1 not linked (the key was refused, the company is already\n\
         linked, or the keychain could not be used: nothing was kept), 2 usage or invalid input.\n\n\
         Providers and their fields{providers}"
    )
    .replace("keystep verify", "keystep link")
}

fn parse_link(args: &[String]) -> Result<LinkArgs, String> {
    let mut name = None;
    let mut rest = Vec::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        if arg == "--name" {
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
        if count == 0 || count > crate::account::MAX_LABEL_CHARS || n.chars().any(char::is_control)
        {
            return Err(format!(
                "--name needs 1 to {} characters, on one line.",
                crate::account::MAX_LABEL_CHARS
            ));
        }
    }
    Ok(LinkArgs {
        provider: parsed.provider,
        fields: parsed.fields,
        name,
        json: parsed.json,
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
    parts: &Parts,
    stdin: &mut dyn BufRead,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> i32 {
    if args.iter().any(|a| a == "--help" || a == "-h") {
        let _ = write!(stdout, "{}", link_usage(&parts.catalogue));
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
    let Some(provider) = parts.catalogue.get(&parsed.provider) else {
        let ids: Vec<&str> = parts
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
    if !parsed.json {
        for o in parts
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
    if let Err(e) = crate::input::parse_fields(provider, copy(&raw)) {
        return usage_error(stdout, stderr, &e.message);
    }
    let accounts = match parts.accounts() {
        Ok(a) => a,
        Err(e) => {
            refuse(json, "link", Code::StorageFailed, &e, None, stdout, stderr);
            return EXIT_FAILED;
        }
    };
    let steps = std::sync::Mutex::new(Vec::new());
    let linked = accounts
        .link(&provider.id, raw, &|check| {
            if let Ok(mut s) = steps.lock() {
                s.push(check.doing.clone());
            }
        })
        .await;
    if !parsed.json {
        for step in steps.into_inner().unwrap_or_default() {
            let _ = writeln!(stderr, "  {step}");
        }
    }
    let linked = match linked {
        Ok(linked) => linked,
        Err(e) => {
            let existing = match e.existing_account() {
                Some(id) => accounts.get(id).await.map(|a| a.handle),
                None => None,
            };
            let message = match (&e, &existing) {
                (LinkError::AlreadyLinked { .. }, Some(handle)) => format!(
                    "This {} company is already linked as {handle}; nothing was changed. To give it this key, choose Replace key on it in the Keystep window.",
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
    let line = account_line(&account, &parts.catalogue);
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
    EXIT_OK
}

fn copy(raw: &BTreeMap<String, crate::secret::Secret>) -> BTreeMap<String, crate::secret::Secret> {
    raw.iter()
        .map(|(k, v)| (k.clone(), crate::secret::Secret::new(v.expose())))
        .collect()
}

/// Runs `keystep list` with `args` (after the word `list`) and returns the exit status.
/// Reads the book only: the keychain is not asked anything.
pub fn run_list(
    args: &[String],
    parts: &Parts,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> i32 {
    let mut json = false;
    for arg in args {
        match arg.as_str() {
            "--help" | "-h" => {
                let _ = write!(
                    stdout,
                    "Usage: keystep list [--json]\n\n\
                     Every linked account: its handle (the name other commands take), provider,\n\
                     name, status, when it was last checked and the end of its key. It reads\n\
                     Keystep's account list only, never the keychain. With --json, one JSON array:\n\
                     handle, provider, provider_name, name, company, status (ok, limited,\n\
                     failing, unknown, unchecked, needs_relink), last_checked (RFC 3339 or null),\n\
                     fingerprint, id. Never a key.\n"
                );
                return EXIT_OK;
            }
            "--json" => json = true,
            _ => {
                let _ = writeln!(
                    stderr,
                    "keystep list: it takes no argument but --json. Try keystep list --help."
                );
                return EXIT_USAGE;
            }
        }
    }
    let book = match parts.book() {
        Ok(book) => book,
        Err(e) => {
            let _ = writeln!(stderr, "keystep list: {e}");
            return EXIT_FAILED;
        }
    };
    let lines: Vec<AccountLine> = book
        .accounts
        .iter()
        .map(|a| account_line(a, &parts.catalogue))
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
    parts: &Parts,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> i32 {
    if args.iter().any(|a| a == "--help" || a == "-h") {
        let _ = write!(
            stdout,
            "Usage: keystep forget HANDLE\n\n\
             Removes the account from Keystep and its key from your system keychain, as the\n\
             window's Forget does. The key itself still works at the provider until you\n\
             revoke it there. keystep list shows the handles.\n\n\
             Exit status: 0 forgotten, 1 not forgotten (the keychain or the account list could\n\
             not be changed: the account stays), 2 usage or no such handle.\n"
        );
        return EXIT_OK;
    }
    let handle = match args {
        [one] if !one.starts_with('-') => one,
        _ => {
            let _ = writeln!(
                stderr,
                "keystep forget: name one account by its handle, e.g. keystep forget payfit-acme-sas. Try keystep forget --help."
            );
            return EXIT_USAGE;
        }
    };
    let accounts = match parts.accounts() {
        Ok(a) => a,
        Err(e) => {
            let _ = writeln!(stderr, "keystep forget: {e}");
            return EXIT_FAILED;
        }
    };
    let account = match accounts.resolve(handle).await {
        Ok(a) => a,
        Err(e) => {
            let _ = writeln!(stderr, "keystep forget: {e}");
            return EXIT_USAGE;
        }
    };
    match accounts.forget(&account.id).await {
        Ok(()) => {
            let name = provider_name(&account, &parts.catalogue);
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

fn provider_name(account: &Account, catalogue: &Catalogue) -> String {
    catalogue
        .get(&account.provider)
        .map_or_else(|| account.provider.clone(), |p| p.name.clone())
}
