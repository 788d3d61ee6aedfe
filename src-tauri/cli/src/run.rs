//! Running a command with accounts' keys at hand (`keystep run`): the variables it gets, the
//! command itself as a child whose exit status becomes ours, the signals forwarded to it
//! (those another process sent; the terminal's own reach it without keystep),
//! and, in environment mode, its output passed through the [`Masker`].
//!
//! In proxy mode the child gets, for each account, `KEYSTEP_<NAME>_<HOST>_URL` (the proxy's
//! URL for that host) and `KEYSTEP_<NAME>_TOKEN` (the run token), and with one account
//! `KEYSTEP_URL` and `KEYSTEP_TOKEN` too: it never holds a key, so its output is passed
//! through untouched. In environment mode it gets `KEYSTEP_<NAME>_<FIELD>` for every field,
//! secrets included, and what it prints is masked (unless the caller turns that off). A
//! variable of ours whose value is `keystep://HANDLE/FIELD` (`refs`) gets that field's value
//! in the command's environment, in environment mode only.

use std::collections::BTreeMap;
use std::process::Stdio;

use tokio::io::{AsyncRead, AsyncReadExt as _};

use crate::proxy::Proxy;
use keystep_core::secret::Secret;

mod mask;
mod refs;

pub use mask::{masked_forms, spellings, Masker, MASK};
pub use refs::{references, Reference};

/// The exit status when the command cannot be started, as a shell gives it.
pub const EXIT_CANNOT_START: i32 = 127;

/// `payfit-acme-sas` → `PAYFIT_ACME_SAS`: a name as it appears in variable names.
pub fn var_part(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// The variables proxy mode gives the command (values: URLs and run tokens, no key).
pub fn proxy_vars(proxy: &Proxy) -> BTreeMap<String, Secret> {
    let mut vars = BTreeMap::new();
    let grants: Vec<_> = proxy.grants().collect();
    for grant in &grants {
        let name = var_part(&grant.name);
        for host in grant.bases.keys() {
            if let Some(url) = proxy.url(&grant.name, host) {
                vars.insert(
                    format!("KEYSTEP_{name}_{}_URL", var_part(host)),
                    Secret::new(url),
                );
            }
        }
        vars.insert(
            format!("KEYSTEP_{name}_TOKEN"),
            Secret::new(grant.token().expose()),
        );
    }
    if let [only] = grants.as_slice() {
        if let Some(url) = proxy.url(&only.name, &only.main_host) {
            vars.insert("KEYSTEP_URL".into(), Secret::new(url));
        }
        vars.insert("KEYSTEP_TOKEN".into(), Secret::new(only.token().expose()));
    }
    vars
}

/// The variables environment mode gives the command for one account: every field.
pub fn env_vars(name: &str, fields: &BTreeMap<String, Secret>) -> BTreeMap<String, Secret> {
    fields
        .iter()
        .map(|(key, value)| {
            (
                format!("KEYSTEP_{}_{}", var_part(name), var_part(key)),
                Secret::new(value.expose()),
            )
        })
        .collect()
}

/// How the child's output reaches ours.
#[derive(Debug)]
pub enum Output {
    /// The same terminal or files as ours.
    Inherit,
    /// Through a masker of these secrets.
    Masked(Vec<Secret>),
}

/// Runs `command` with `vars` added to our environment and returns its exit status: its
/// own, 128 + the signal that ended it, or [`EXIT_CANNOT_START`] (said on `stderr`).
/// SIGINT, SIGTERM and SIGHUP received meanwhile are passed to it.
pub async fn launch(
    command: &[String],
    vars: &BTreeMap<String, Secret>,
    output: Output,
    stderr: &mut dyn std::io::Write,
) -> i32 {
    let Some((program, args)) = command.split_first() else {
        return EXIT_CANNOT_START;
    };
    let mut child = tokio::process::Command::new(program);
    child.args(args).kill_on_drop(true);
    for (k, v) in vars {
        child.env(k, v.expose());
    }
    let masked = match &output {
        Output::Inherit => None,
        Output::Masked(secrets) => {
            child.stdout(Stdio::piped()).stderr(Stdio::piped());
            Some(secrets)
        }
    };
    let mut child = match child.spawn() {
        Ok(c) => c,
        Err(e) => {
            let _ = writeln!(
                stderr,
                "keystep run: {program} could not be started: {}",
                e.kind()
            );
            return EXIT_CANNOT_START;
        }
    };
    let mut pumps = tokio::task::JoinSet::new();
    if let Some(secrets) = masked {
        let words: Vec<&str> = secrets.iter().map(Secret::expose).collect();
        if let Some(out) = child.stdout.take() {
            pumps.spawn(pump(out, std::io::stdout(), Masker::new(words.clone())));
        }
        if let Some(err) = child.stderr.take() {
            pumps.spawn(pump(err, std::io::stderr(), Masker::new(words)));
        }
    }
    let status = wait_forwarding_signals(&mut child).await;
    // The output ends when the child's last writer closes it.
    while pumps.join_next().await.is_some() {}
    match status {
        Ok(status) => exit_code(status),
        Err(e) => {
            let _ = writeln!(stderr, "keystep run: lost track of {program}: {}", e.kind());
            1
        }
    }
}

/// Copies `from` to `to` through `masker`, flushing as it goes. The writes block: in
/// environment mode there is no proxy to serve, and our own output is the only thing to do.
async fn pump(mut from: impl AsyncRead + Unpin, mut to: impl std::io::Write, mut masker: Masker) {
    let mut buf = zeroize::Zeroizing::new(vec![0u8; 16 * 1024]);
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let out = masker.push(&buf[..n]);
        if to.write_all(&out).is_err() || to.flush().is_err() {
            return;
        }
    }
    let _ = to.write_all(&masker.finish());
    let _ = to.flush();
}

/// Waits for the child, passing on SIGINT, SIGTERM and SIGHUP sent to keystep by another
/// process (`kill`). A signal the kernel sent (the terminal's Ctrl-C, or its hang-up) went to
/// the terminal's whole foreground process group, the child included, so it is not sent a
/// second time: a script's cleanup on Ctrl-C must not be cut short by a second one.
#[cfg(unix)]
async fn wait_forwarding_signals(
    child: &mut tokio::process::Child,
) -> std::io::Result<std::process::ExitStatus> {
    use futures_util::StreamExt as _;
    use nix::sys::signal::{kill, Signal};
    use nix::unistd::Pid;
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    use signal_hook::iterator::exfiltrator::WithOrigin;
    use signal_hook::low_level::siginfo::Cause;

    let mut signals = signal_hook_tokio::SignalsInfo::<WithOrigin>::new([SIGINT, SIGTERM, SIGHUP])?;
    let pid = child
        .id()
        .and_then(|id| i32::try_from(id).ok())
        .map(Pid::from_raw);
    let status = loop {
        let origin = tokio::select! {
            status = child.wait() => break status,
            Some(origin) = signals.next() => origin,
        };
        if matches!(origin.cause, Cause::Kernel) {
            continue;
        }
        if let (Some(pid), Ok(sig)) = (pid, Signal::try_from(origin.signal)) {
            let _ = kill(pid, sig);
        }
    };
    signals.handle().close();
    status
}

#[cfg(not(unix))]
async fn wait_forwarding_signals(
    child: &mut tokio::process::Child,
) -> std::io::Result<std::process::ExitStatus> {
    child.wait().await
}

fn exit_code(status: std::process::ExitStatus) -> i32 {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt as _;
        if let Some(sig) = status.signal() {
            return 128 + sig;
        }
    }
    status.code().unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_variable_parts() {
        assert_eq!(var_part("payfit-acme-sas"), "PAYFIT_ACME_SAS", "a handle");
        assert_eq!(var_part("api_key"), "API_KEY", "a field");
    }
}
