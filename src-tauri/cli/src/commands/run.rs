//! `keystep run`: a command uses linked accounts' keys, through the proxy (the default: it
//! never holds a key) or in its environment (`--env`, output masked). The accounts are
//! checked first (known handle, not failing, key in the keychain, hosts where it was
//! verified), the run and its end go to the use log, and the command's exit status is ours.
//!
//! Keys are read through the accounts' own keychain path ([`Accounts::secrets_for_run`]),
//! with the one bounded wait every keychain call has; the proxy's requests go through the
//! process's one pacer (`World::pacer`), as linking and checking do.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Arc;

use keystep_core::world::World;

use super::accounts::open_accounts;
use super::{EXIT_FAILED, EXIT_OK, EXIT_USAGE};
use crate::proxy::{Grant, Proxy, ProxySettings, Served};
use crate::run::{env_vars, launch, masked_forms, proxy_vars, Output};
use keystep_core::account::{keychain_advice, resolve, Account, Accounts, Status};
use keystep_core::files::DataDir;
use keystep_core::secret::Secret;
use keystep_core::use_log::{command_name, Mode, UseLog, UseRecord, UsedAccount};
use keystep_core::vault::{SecretFields, VaultError};

mod args;

use args::parse;
pub use args::RUN_USAGE;

/// How long `keystep run` waits for one keychain call: shorter than the window's
/// [`keystep_core::account::KEYCHAIN_WAIT`], because a script started by a scheduler has no one
/// to answer an unlock prompt and should fail while its caller still watches (README: "30 s
/// for `run`").
const RUN_KEYCHAIN_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

/// Which account a name on the command line means: one function, so how names are
/// resolved lives in one place (handles, from `account::handle`).
fn find<'a>(accounts: &'a [Account], name: &str) -> Result<&'a Account, String> {
    resolve(accounts, name).map_err(|e| e.to_string())
}

/// Why an account may not be used without `--allow-failing`.
fn refusal(account: &Account) -> Option<&'static str> {
    match account.status {
        Status::Failing => Some("its key failed its last check"),
        Status::NeedsRelink => Some("it needs linking again (the keychain lost its key)"),
        _ => None,
    }
}

async fn secrets_of(accounts: &Accounts, account: &Account) -> Result<SecretFields, String> {
    match accounts.secrets_for_run(&account.id).await {
        Ok(Some(secrets)) => Ok(secrets),
        Ok(None) => Err(format!(
            "your keychain holds no key for {}: link it again (keystep link, or the window).",
            account.handle
        )),
        Err(VaultError::Unavailable(_)) => {
            Err("the keychain did not answer. Unlock it (or start it), then try again.".into())
        }
        Err(e) => Err(keychain_advice(&e)),
    }
}

/// Why a command cannot be run as given: a shell assignment (`API_TOKEN=… python3 x.py`)
/// is not a program, and its value is often a secret, so it is refused before anything is
/// recorded or started, named by its variable only.
pub(crate) fn refused_command(program: &str) -> Option<String> {
    let (var, _) = program.split_once('=')?;
    let plain = !var.is_empty()
        && var.len() <= 64
        && var.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    let var = if plain { var } else { "VAR" };
    Some(format!(
        "“{var}=…” is a shell assignment, not a command, and keystep run does not read it (nor record its value). Set it before keystep run ({var}=… keystep run …), or run it in a shell: -- sh -c '{var}=… COMMAND'"
    ))
}

/// Runs `keystep run` with `args` (after the word `run`) and returns the exit status.
pub async fn run_run(
    args: &[String],
    world: &World,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> i32 {
    // Variables that are not text are no reference (and `env::vars` would panic on them).
    let ours = std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)));
    let referenced = match crate::run::references(ours) {
        Ok(r) => r,
        Err(e) => return super::args::usage_error(stderr, "run", &format!("{e}.")),
    };
    let parsed = match parse(args, !referenced.is_empty()) {
        Ok(Some(p)) => p,
        Ok(None) => {
            let _ = write!(stdout, "{RUN_USAGE}");
            return EXIT_OK;
        }
        Err(e) => return super::args::usage_error(stderr, "run", &e),
    };
    if let Some(why) = refused_command(&parsed.command[0]) {
        let _ = writeln!(stderr, "keystep run: {why}.");
        return EXIT_USAGE;
    }
    let accounts = match open_accounts(world) {
        Ok(a) => a.with_keychain_wait(RUN_KEYCHAIN_WAIT),
        Err(e) => {
            let _ = writeln!(stderr, "keystep run: {e}");
            return EXIT_FAILED;
        }
    };
    let book = accounts.list().await;
    let mut chosen: Vec<&Account> = Vec::new();
    let referenced_handles: Vec<&String> = referenced.iter().map(|r| &r.handle).collect();
    for name in parsed.accounts.iter().chain(referenced_handles) {
        match find(&book, name) {
            Ok(a) if chosen.iter().any(|c| c.id == a.id) => {}
            Ok(a) => chosen.push(a),
            Err(e) => {
                let _ = writeln!(stderr, "keystep run: {e}");
                return EXIT_USAGE;
            }
        }
    }
    for account in &chosen {
        if let (Some(why), false) = (refusal(account), parsed.allow_failing) {
            let _ = writeln!(
                stderr,
                "keystep run: {} is not used: {why}. Check or relink it in the Keystep window (or keystep link), or pass --allow-failing.",
                account.handle
            );
            return EXIT_FAILED;
        }
    }
    let mut grants = Vec::new();
    let mut vars: BTreeMap<String, Secret> = BTreeMap::new();
    let mut masked: Vec<Secret> = Vec::new();
    for account in &chosen {
        let secrets = match secrets_of(&accounts, account).await {
            Ok(s) => s,
            Err(e) => {
                let _ = writeln!(stderr, "keystep run: {e}");
                return EXIT_FAILED;
            }
        };
        let Some(provider) = world.catalogue.get(&account.provider) else {
            let _ = writeln!(
                stderr,
                "keystep run: {} is of a provider this Keystep does not know.",
                account.handle
            );
            return EXIT_FAILED;
        };
        let named = parsed
            .accounts
            .iter()
            .any(|n| find(&book, n).is_ok_and(|a| a.id == account.id));
        if parsed.env {
            if let Err(e) = resolve_references(&referenced, account, provider, &secrets, &mut vars)
            {
                let _ = writeln!(stderr, "keystep run: {e}");
                return EXIT_USAGE;
            }
            let mut fields: BTreeMap<String, Secret> = account
                .fields
                .iter()
                .map(|(k, v)| (k.clone(), Secret::new(v.as_str())))
                .collect();
            let values: Vec<Secret> = secrets.values().cloned().collect();
            fields.extend(secrets);
            // A referenced account's keys are masked in every spelling, as a named one's.
            masked.extend(masked_forms(&provider.auth, &fields, &values));
            if named {
                vars.extend(env_vars(&account.handle, &fields));
            }
            // Referenced only: the variables that name its fields, nothing more.
        } else {
            match Grant::new(&account.handle, account, provider, &world.hosts, secrets) {
                Ok(g) => grants.push(g),
                Err(e) => {
                    let _ = writeln!(stderr, "keystep run: {}: {e}", account.handle);
                    return EXIT_FAILED;
                }
            }
        }
    }
    let log = match DataDir::open(&world.data_dir) {
        Ok(dir) => Arc::new(UseLog::in_dir(&dir)),
        Err(e) => {
            let _ = writeln!(
                stderr,
                "keystep run: Keystep's data folder could not be opened: {e}"
            );
            return EXIT_FAILED;
        }
    };
    let run = uuid::Uuid::new_v4().simple().to_string();
    let command = command_name(&parsed.command[0]);
    let started = UseRecord::RunStarted {
        run: run.clone(),
        at: world.clock.unix_now(),
        command,
        accounts: chosen
            .iter()
            .map(|a| UsedAccount {
                id: a.id.clone(),
                name: a.handle.clone(),
            })
            .collect(),
        mode: if parsed.env { Mode::Env } else { Mode::Proxy },
        no_masking: parsed.no_masking,
    };
    // A use that cannot be recorded does not happen.
    if let Err(e) = log.append(&started) {
        let _ = writeln!(
            stderr,
            "keystep run: the use log could not be written, so nothing was run: {e}"
        );
        return EXIT_FAILED;
    }
    let (status, proxy) = if parsed.env {
        let output = if parsed.no_masking {
            Output::Inherit
        } else {
            Output::Masked(masked)
        };
        (launch(&parsed.command, &vars, output, stderr).await, None)
    } else {
        let mut settings = match ProxySettings::new() {
            Ok(s) => s,
            Err(e) => {
                let _ = writeln!(stderr, "keystep run: {e}");
                return end(&log, &run, world, EXIT_FAILED, None);
            }
        };
        settings.allow_write = parsed.allow_write;
        settings.log = Some((Arc::clone(&log), run.clone()));
        settings.pacer = Arc::clone(&world.pacer);
        settings.notices = Some(Arc::new(|line: &str| {
            let _ = writeln!(std::io::stderr(), "keystep run: {line}");
        }));
        let proxy = match Proxy::start(grants, settings).await {
            Ok(p) => p,
            Err(e) => {
                let _ = writeln!(stderr, "keystep run: the proxy could not start: {e}");
                return end(&log, &run, world, EXIT_FAILED, None);
            }
        };
        let vars = proxy_vars(&proxy);
        (
            launch(&parsed.command, &vars, Output::Inherit, stderr).await,
            Some(proxy),
        )
    };
    // Stopped before its counts are read, so a request answered meanwhile is counted.
    let served = match proxy {
        Some(proxy) => Some(proxy.stop().await),
        None => None,
    };
    end(&log, &run, world, status, served)
}

/// Puts the value of each reference to `account` into `vars`, under the reference's own
/// variable.
///
/// # Errors
/// A reference names a field the account's provider does not have.
fn resolve_references(
    referenced: &[crate::run::Reference],
    account: &Account,
    provider: &keystep_core::provider::Provider,
    secrets: &keystep_core::vault::SecretFields,
    vars: &mut BTreeMap<String, Secret>,
) -> Result<(), String> {
    for r in referenced {
        let ours = find(std::slice::from_ref(account), &r.handle).is_ok();
        if !ours {
            continue;
        }
        let value = secrets
            .get(&r.field)
            .map(|s| Secret::new(s.expose()))
            .or_else(|| {
                account
                    .fields
                    .get(&r.field)
                    .map(|v| Secret::new(v.as_str()))
            });
        match value {
            Some(v) => {
                vars.insert(r.var.clone(), v);
            }
            None => {
                let fields: Vec<&str> = provider.fields.iter().map(|f| f.key.as_str()).collect();
                return Err(format!(
                    "{} names the field “{}”, which {} accounts do not have; their fields are: {}.",
                    r.var,
                    r.field,
                    provider.name,
                    fields.join(", ")
                ));
            }
        }
    }
    Ok(())
}

/// Records the run's end, with what its proxy served and turned away, and returns its
/// status.
fn end(log: &UseLog, run: &str, world: &World, status: i32, served: Option<Served>) -> i32 {
    let served = served.unwrap_or_default();
    let ended = UseRecord::RunEnded {
        run: run.to_string(),
        at: world.clock.unix_now(),
        exit_status: status,
        requests: served.requests,
        refused: served.refused,
        other_users: served.other_users,
    };
    if let Err(e) = log.append(&ended) {
        log::warn!("keystep run: the end of the run could not be recorded: {e}");
    }
    status
}
