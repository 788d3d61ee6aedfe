//! `keystep mcp`: an MCP server on standard input and output, started by an AI assistant
//! (Claude Desktop, Claude Code, Cursor, VS Code), through which it reads the linked accounts
//! the admin named, never holding a key. Its configuration holds Keystep's path and the
//! accounts' handles; the keys stay in the keychain and go only to the provider, through
//! `keystep run`'s own proxy started in this process (`upstream`), read-only and within
//! each provider's pace. The tools (`tools`) read people and candidates in one common shape
//! (`records`) and anything else the provider file allows (`request`); the field policy
//! withholds sensitive fields unless the account shares them; every call is recorded under
//! the assistant's name (`server`).
//!
//! The same command prints what to paste into an assistant's configuration (`--config`),
//! for Keystep itself or for a third-party server run through `keystep run --env` with
//! `keystep://` references, and changes what an account shares (`--allow`, `--withhold`),
//! recording the choice in the use log.

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use keystep_core::account::{keychain_advice, Account};
use keystep_core::assistant::{self, Assistant};
use keystep_core::error::Code;
use keystep_core::files::DataDir;
use keystep_core::provider::FieldCategory;
use keystep_core::use_log::{UseLog, UseRecord};
use keystep_core::vault::SecretFields;
use keystep_core::world::World;

use crate::commands::{EXIT_FAILED, EXIT_OK, EXIT_USAGE};
use crate::proxy::{Grant, ProxySettings};

mod args;
mod records;
mod request;
mod server;
pub mod tools;
mod upstream;

pub use args::{McpArgs, MCP_USAGE};
pub use server::{McpServer, Served};
pub use upstream::{ToolError, Upstream};

/// How long the keychain may take to hand over a key when the server starts.
const KEYCHAIN_WAIT: Duration = Duration::from_secs(30);

/// Runs `keystep mcp` with `args` (after the word `mcp`) and returns the exit status.
/// Serving reads the assistant's messages on standard input and answers on standard output;
/// `stdout` and `stderr` are for everything else.
pub async fn run_mcp(
    args: &[String],
    world: Arc<World>,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> i32 {
    let parsed = match args::parse(args) {
        Ok(Some(p)) => p,
        Ok(None) => {
            let _ = write!(stdout, "{MCP_USAGE}");
            return EXIT_OK;
        }
        Err(e) => return crate::commands::args::usage_error(stderr, "mcp", &e),
    };
    let book = match world.book() {
        Ok(b) => b,
        Err(e) => {
            let _ = writeln!(stderr, "keystep mcp: {e}");
            return EXIT_FAILED;
        }
    };
    let chosen: Vec<Account> = if parsed.all {
        book.accounts.clone()
    } else {
        let mut out: Vec<Account> = Vec::new();
        for name in &parsed.accounts {
            match keystep_core::account::resolve(&book.accounts, name) {
                Ok(a) if out.iter().any(|o| o.id == a.id) => {}
                Ok(a) => out.push(a.clone()),
                Err(e) => {
                    let _ = writeln!(stderr, "keystep mcp: {e}");
                    return EXIT_USAGE;
                }
            }
        }
        out
    };
    if let Some(assistant) = parsed.config {
        return print_config(&parsed, assistant, &chosen, &world, stdout, stderr);
    }
    if let Some((category, shared)) = parsed.share {
        return share(&world, &chosen, category, shared, stdout, stderr).await;
    }
    serve(world, chosen, stderr).await
}

/// `--config`: the snippet for `assistant`.
fn print_config(
    parsed: &McpArgs,
    assistant: Assistant,
    chosen: &[Account],
    world: &World,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> i32 {
    let keystep = std::env::current_exe()
        .ok()
        .map(|p| std::fs::canonicalize(&p).unwrap_or(p))
        .unwrap_or_else(|| "keystep".into());
    let entry = match &parsed.server {
        None => {
            let handles: Vec<String> = if parsed.all {
                Vec::new()
            } else {
                chosen.iter().map(|a| a.handle.clone()).collect()
            };
            assistant::keystep_server(&keystep, &handles)
        }
        Some(name) => {
            // The snippet starts keystep run, which refuses a shell assignment as its
            // command (its value is often a key): so does the snippet, before printing it.
            if let Some(why) = parsed
                .command
                .first()
                .and_then(|c| crate::commands::refused_command(c))
            {
                let _ = writeln!(stderr, "keystep mcp: {why}.");
                return EXIT_USAGE;
            }
            let [account] = chosen else {
                let _ = writeln!(
                    stderr,
                    "keystep mcp: --server takes one account: name it with --account HANDLE."
                );
                return EXIT_USAGE;
            };
            let provider = world.catalogue.get(&account.provider);
            let mut vars = Vec::new();
            for (var, field) in &parsed.vars {
                let field = match field {
                    Some(f) => f.clone(),
                    None => {
                        let secret: Vec<&str> = provider
                            .map(|p| {
                                p.fields
                                    .iter()
                                    .filter(|f| f.secret)
                                    .map(|f| f.key.as_str())
                                    .collect()
                            })
                            .unwrap_or_default();
                        match secret.as_slice() {
                            [only] => (*only).to_string(),
                            _ => {
                                let _ = writeln!(
                                    stderr,
                                    "keystep mcp: say which field {var} takes: --var {var}=FIELD (fields: {}).",
                                    provider.map(|p| p.fields.iter().map(|f| f.key.as_str()).collect::<Vec<_>>().join(", ")).unwrap_or_default()
                                );
                                return EXIT_USAGE;
                            }
                        }
                    }
                };
                if provider.is_some_and(|p| p.field(&field).is_none()) {
                    let _ = writeln!(
                        stderr,
                        "keystep mcp: “{field}” is not a field of {}.",
                        provider.map_or("this provider", |p| p.name.as_str())
                    );
                    return EXIT_USAGE;
                }
                vars.push((var.clone(), account.handle.clone(), field));
            }
            assistant::third_party_server(&keystep, name, &parsed.command, &vars)
        }
    };
    let _ = writeln!(stdout, "{}", assistant::snippet(assistant, &entry));
    let _ = writeln!(stderr, "Paste it into {}.", assistant.destination());
    EXIT_OK
}

/// `--allow` / `--withhold`: what the accounts share with assistants, recorded.
async fn share(
    world: &World,
    chosen: &[Account],
    category: FieldCategory,
    shared: bool,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> i32 {
    let accounts = match world.open_accounts() {
        Ok(a) => a,
        Err(e) => {
            let _ = writeln!(stderr, "keystep mcp: {e}");
            return EXIT_FAILED;
        }
    };
    let log = match DataDir::open(&world.data_dir) {
        Ok(dir) => UseLog::in_dir(&dir),
        Err(e) => {
            let _ = writeln!(
                stderr,
                "keystep mcp: Keystep's data folder could not be opened: {e}"
            );
            return EXIT_FAILED;
        }
    };
    for account in chosen {
        if let Err(e) = accounts.share_fields(&account.id, category, shared).await {
            let _ = writeln!(stderr, "keystep mcp: {}: {e}", account.handle);
            return EXIT_FAILED;
        }
        let record = UseRecord::FieldsShared {
            at: world.clock.unix_now(),
            account: account.id.clone(),
            category,
            shared,
            by: "keystep mcp".into(),
        };
        if let Err(e) = log.append(&record) {
            let _ = writeln!(
                stderr,
                "keystep mcp: the choice could not be recorded in the use log: {e}"
            );
            return EXIT_FAILED;
        }
        let _ = writeln!(
            stdout,
            "{} {} {} with AI assistants.",
            account.handle,
            if shared {
                "now shares"
            } else {
                "no longer shares"
            },
            category.as_str()
        );
    }
    EXIT_OK
}

async fn secrets_of(world: &World, account: &Account) -> Result<SecretFields, ToolError> {
    let vault = Arc::clone(&world.vault);
    let id = account.id.clone();
    let read = tokio::task::spawn_blocking(move || vault.get(&id));
    match tokio::time::timeout(KEYCHAIN_WAIT, read).await {
        Ok(Ok(Ok(Some(secrets)))) => Ok(secrets),
        Ok(Ok(Ok(None))) => Err(ToolError::new(
            Code::KeychainUnavailable,
            format!("The keychain holds no key for {}: the admin must link it again in Keystep.", account.handle),
        )),
        Ok(Ok(Err(e))) => Err(ToolError::new(Code::KeychainUnavailable, keychain_advice(&e))),
        Ok(Err(_)) | Err(_) => Err(ToolError::new(
            Code::KeychainUnavailable,
            "The keychain did not answer when the session began. Unlock it, then restart the assistant's Keystep server.",
        )),
    }
}

/// Serves the assistant on standard input and output until it closes them.
async fn serve(world: Arc<World>, chosen: Vec<Account>, stderr: &mut dyn Write) -> i32 {
    if chosen.is_empty() {
        let _ = writeln!(
            stderr,
            "keystep mcp: no account to serve. Link one first (keystep link, or the window)."
        );
        return EXIT_FAILED;
    }
    let mut grants = Vec::new();
    let mut served = Vec::new();
    for account in &chosen {
        let unusable = match (
            world.catalogue.get(&account.provider),
            secrets_of(&world, account).await,
        ) {
            (None, _) => Some(ToolError::new(
                Code::Internal,
                "This account's provider is unknown to this Keystep.",
            )),
            (_, Err(e)) => Some(e),
            (Some(provider), Ok(secrets)) => {
                match Grant::new(&account.handle, account, provider, &world.hosts, secrets) {
                    Ok(g) => {
                        grants.push(g);
                        None
                    }
                    Err(e) => Some(ToolError::new(
                        Code::HostChanged,
                        format!("{}: {e}.", account.handle),
                    )),
                }
            }
        };
        if let Some(e) = &unusable {
            let _ = writeln!(
                stderr,
                "keystep mcp: {} cannot be read this session: {}",
                account.handle, e.message
            );
        }
        served.push(Served {
            handle: account.handle.clone(),
            id: account.id.clone(),
            unusable,
        });
    }
    let log = match DataDir::open(&world.data_dir) {
        Ok(dir) => Arc::new(UseLog::in_dir(&dir)),
        Err(e) => {
            let _ = writeln!(
                stderr,
                "keystep mcp: Keystep's data folder could not be opened: {e}"
            );
            return EXIT_FAILED;
        }
    };
    let run = uuid::Uuid::new_v4().simple().to_string();
    let mut settings = match ProxySettings::new() {
        Ok(s) => s,
        Err(e) => {
            let _ = writeln!(stderr, "keystep mcp: {e}");
            return EXIT_FAILED;
        }
    };
    settings.pacer = Arc::clone(&world.pacer);
    settings.log = Some((Arc::clone(&log), run.clone()));
    let upstream = match Upstream::start(grants, settings).await {
        Ok(u) => u,
        Err(e) => {
            let _ = writeln!(stderr, "keystep mcp: the proxy could not start: {e}");
            return EXIT_FAILED;
        }
    };
    let server = McpServer::new(Arc::clone(&world), served, upstream, log, run);
    let running = match rmcp::ServiceExt::serve(server, rmcp::transport::stdio()).await {
        Ok(r) => r,
        Err(e) => {
            let _ = writeln!(
                stderr,
                "keystep mcp: the assistant did not start the session: {e}"
            );
            return EXIT_FAILED;
        }
    };
    // The server's end (its proxy stopped, the session's end recorded) comes when it drops.
    match running.waiting().await {
        Ok(rmcp::service::QuitReason::JoinError(e)) | Err(e) => {
            let _ = writeln!(stderr, "keystep mcp: the session ended on an error: {e}");
            EXIT_FAILED
        }
        Ok(_) => EXIT_OK,
    }
}
