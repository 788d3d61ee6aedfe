//! The parts every Rust test binary sets up the same way: the shipped catalogue, the host
//! table and a verifier pointed at the emulator, raw form values. Included by `tests/core`
//! and `tests/cli` (`#[path]`), so the two never drift.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use keystep_core::clock::ManualClock;
use keystep_core::hosts::Hosts;
use keystep_core::provider::Catalogue;
use keystep_core::verify::{client_builder, Verifier};
use keystep_core::Secret;
use keystep_emulator::Emulator;

/// The shipped catalogue, parsed once per test binary (property tests parse fields often).
pub fn catalogue() -> Arc<Catalogue> {
    static PARSED: std::sync::OnceLock<Arc<Catalogue>> = std::sync::OnceLock::new();
    Arc::clone(
        PARSED.get_or_init(|| {
            Arc::new(Catalogue::embedded().expect("shipped provider files are valid"))
        }),
    )
}

/// The host table with every provider pointed at `emu`.
pub fn hosts_for(emu: &Emulator) -> Hosts {
    let env: BTreeMap<String, String> = emu.env().into_iter().collect();
    Hosts::from_lookup(catalogue().all(), |v| env.get(v).cloned()).expect("loopback overrides")
}

/// A verifier pointed at `emu`, with a clock that stands still.
pub fn verifier_for(emu: &Emulator, timeout: Duration) -> Verifier {
    Verifier::from_builder(
        client_builder(timeout),
        hosts_for(emu),
        Arc::new(ManualClock::at(1_700_000_000)),
    )
}

/// Form values as the window sends them: every value a [`Secret`].
pub fn raw(pairs: &[(&str, &str)]) -> BTreeMap<String, Secret> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), Secret::new(*v)))
        .collect()
}

/// A provider file taking its key in header `name` (`value` its template, as Factorial's and
/// Teamtailor's files do), with a fixed version header; `check_extra` adds lines to its one
/// check. The vendor-header tests of the core and of the proxy read the same file.
pub fn header_provider(name: &str, value: &str, check_extra: &str) -> String {
    format!(
        r#"
id = "vendor"
name = "Vendor"
category = "hris"
needs = "API key"
summary = "s"
prerequisite = "p"
revoke = "r"
docs_url = "https://vendor.example/docs"
lifetime = {{ rule = "no_expiry", full_access = true }}
headers = {{ X-Api-Version = "20240404" }}
[hosts]
api = "https://api.vendor.example"
[auth]
scheme = "header"
name = "{name}"
value = "{value}"
[[fields]]
key = "api_key"
label = "API key"
help = "h"
secret = true
example = "k"
[[steps]]
id = "one"
title = "t"
body = "b"
secret_shown = "once"
[[purposes]]
id = "read"
label = "Read"
summary = "Reads."
[[purposes]]
id = "full"
label = "All"
summary = "Everything."
[[checks]]
id = "me"
doing = "Checking…"
host = "api"
path = "/me"
{check_extra}
[identity]
success = ["Connected"]
[locales.fr]
needs = "Clé d’API"
summary = "s (fr)"
prerequisite = "p (fr)"
revoke = "r (fr)"
fields.api_key = {{ label = "Clé d’API", help = "h (fr)", example = "c" }}
steps.one = {{ title = "t (fr)", body = "b (fr)" }}
checks.me.doing = "Vérification…"
identity.success.0 = "Connecté"
purposes.read = {{ label = "Lecture", summary = "Lit." }}
purposes.full = {{ label = "Tout", summary = "Tout." }}
"#
    )
}
