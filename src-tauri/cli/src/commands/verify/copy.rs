//! `keystep verify --from TARGET`: the copy of a key in a team store (HashiCorp Vault or
//! OpenBao, AWS Secrets Manager), checked as `keystep verify` checks a key, for CI and
//! servers that hold no keychain.
//!
//! ```text
//! keystep verify --from TARGET [<provider>] [--purpose ID] [--json]
//! ```
//!
//! This is the only place a copy's secret is read back from a store. Every field comes from
//! the copy, the provider and purpose from its `keystep:` metadata unless given; the
//! keychain and the account list are not used. The report is `verify`'s, and so are the
//! exit statuses: 0 verified, 1 found wanting or the store unreachable or refusing, 2 usage
//! or an unusable address. No sentence repeats the address as typed.

use std::io::Write;

use keystep_core::error::Code;
use keystep_core::input::parse_fields;
use keystep_core::store::{Target, PROVIDER_KEY, PURPOSE_KEY};
use keystep_core::verify::Verifier;
use keystep_core::world::World;

use super::{overrides_for, print_report, usage_error, FromArgs, JsonOutcome};
use super::{say_overrides, undeclared_purpose, EXIT_FAILED, EXIT_OK};

/// Says why the copy was not verified (not a usage error): on stderr and, with `--json`, as
/// `verify`'s outcome line.
fn failed(
    json: bool,
    code: Code,
    msg: &str,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> i32 {
    let _ = writeln!(stderr, "keystep verify: {msg}");
    if json {
        let out = JsonOutcome {
            ok: false,
            code: Some(code),
            message: msg,
            identity: None,
            permissions: None,
            notes: &[],
            retry_after_secs: None,
            overridden_hosts: &[],
            purpose: None,
        };
        let _ = writeln!(
            stdout,
            "{}",
            serde_json::to_string(&out).unwrap_or_default()
        );
    }
    EXIT_FAILED
}

/// Runs `keystep verify --from` as parsed and returns the exit status.
pub(super) async fn run(
    parsed: &FromArgs,
    world: &World,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> i32 {
    let json = parsed.json;
    let target = match Target::parse(&parsed.target) {
        Ok(t) => t,
        Err(e) => return usage_error(stderr, &e.to_string(), json, &[], stdout),
    };
    let fetched = match world.stores().of(&target).read(&target).await {
        Ok(f) => f,
        Err(e) => return failed(json, e.code(), &e.to_string(), stdout, stderr),
    };
    let provider_id = parsed
        .provider
        .clone()
        .or_else(|| fetched.meta.get(PROVIDER_KEY).cloned());
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
        let msg = format!(
            "The copy does not say which provider it is for (no keystep:provider Keystep knows): name it, e.g. keystep verify humaans --from {target}. Providers: {}.",
            ids.join(", ")
        );
        return usage_error(stderr, &msg, json, &[], stdout);
    };
    let purpose = parsed
        .purpose
        .clone()
        .or_else(|| fetched.meta.get(PURPOSE_KEY).cloned())
        .unwrap_or_else(|| keystep_core::provider::DEFAULT_PURPOSE.to_string());
    if let Some(msg) = undeclared_purpose(provider, &purpose) {
        return usage_error(stderr, &msg, json, &[], stdout);
    }
    let creds = match parse_fields(provider, fetched.fields) {
        Ok(c) => c,
        // Names fields by their labels, never a value.
        Err(e) => {
            let msg = format!(
                "The copy at {target} does not hold a usable {} key: {}",
                provider.name, e.message
            );
            return failed(json, Code::InvalidInput, &msg, stdout, stderr);
        }
    };
    let overridden = overrides_for(&world.hosts, provider);
    say_overrides("verify", provider, &overridden, stderr);
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
