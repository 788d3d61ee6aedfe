//! Every sentence the person reads is worded by the window from a code: what the backend
//! sends carries free text only in `message` and `detail` (English, which the window shows
//! only inside a "Details" disclosure; `tests/ui/run.sh` holds the window to that), and
//! everything else is a code, an id, a name or a value the person gave. Providers' own texts
//! (`list_providers`) are localized data and are checked against their fixtures instead.

use std::sync::Arc;
use std::time::Duration;

use keystep_core::account::{Accounts, BookError, SafeMode, StartNotice};
use keystep_core::clock::ManualClock;
use keystep_core::hosts::Hosts;
use keystep_core::provider::Catalogue;
use keystep_core::vault::{ItemRef, MemoryVault, Vault};
use keystep_core::verify::{default_client, Verifier};
use keystep_emulator::{Emulator, HumaansTenant};
use serde_json::{json, Value};

use crate::shell::{accounts_over, counting_app};
use crate::{call, window, TOKEN};

/// English for the person, shown only in "Details".
const FREE_TEXT: &[&str] = &["message", "detail"];

/// Keys whose text is a code, an id, a name (of a provider, an account, a keychain item, a
/// permission in the provider's own words), a value the person gave, a file name or an
/// address: nothing Keystep words in English.
const NOT_PROSE: &[&str] = &[
    "id",
    "handle",
    "provider",
    "provider_name",
    "label",
    "company",
    "user",
    "status",
    "last_code",
    "code",
    "fingerprint",
    "field",
    "pending",
    "other",
    "change",
    "problem",
    "store",
    "account",
    "account_id",
    "needs_relink",
    "required",
    "granted",
    "missing",
    "extra",
    "unchecked",
    "unconfirmed",
    "purpose",
    "kept_as",
    "reason",
    "language",
    "when_closed",
    "state",
    "host",
    "url",
    "variable",
];

/// Every string in `value` whose key is neither free text nor one of [`NOT_PROSE`], as a
/// path. The values of a `fields` map are the person's own (subdomain, service user).
fn prose(value: &Value, key: &str, path: &str, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let child = if key == "fields" {
                    "fields"
                } else {
                    k.as_str()
                };
                prose(v, child, &format!("{path}.{k}"), out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                prose(v, key, &format!("{path}[{i}]"), out);
            }
        }
        Value::String(s)
            if key != "fields" && !FREE_TEXT.contains(&key) && !NOT_PROSE.contains(&key) =>
        {
            out.push(format!("{path} = {s:?}"));
        }
        _ => {}
    }
}

fn answer(result: Result<Value, Value>) -> Value {
    result.unwrap_or_else(|e| e)
}

#[test]
fn the_backend_sends_codes_and_names_and_english_only_as_message_or_detail() {
    const LIMITED: &str = "IpcLimitedTokenIpcLimitedTok0044";
    let emu = Emulator::start();
    emu.add_humaans(TOKEN, HumaansTenant::full("Acme Ltd", 42));
    emu.add_humaans(
        LIMITED,
        HumaansTenant {
            company_id: "cmp_limited".into(),
            ..HumaansTenant::full("Limited Ltd", 3).with_scopes(&["public:read"])
        },
    );
    let vault = Arc::new(MemoryVault::default());
    vault
        .put(
            &ItemRef {
                account: "0123456789abcdef0123456789abcdef".into(),
                label: "Keystep — Humaans (Old Ltd)".into(),
            },
            &std::collections::BTreeMap::new(),
        )
        .expect("an orphan item");
    let notice = StartNotice::Recovered {
        kept_as: "accounts.json.damaged-1700000000".into(),
        rebuilt: 1,
        detail: "it is not valid JSON".into(),
    };
    let (app, _) = counting_app(accounts_over(&emu, Arc::clone(&vault)), Some(notice));
    let w = window(&app);
    let humaans = |token: &str| json!({"provider": "humaans", "fields": {"api_token": token}});
    let linked = call(&w, "link_account", humaans(&format!("  {TOKEN}\n"))).expect("links");
    assert!(
        linked["notes"].as_array().is_some_and(|n| !n.is_empty())
            && linked["stored_in"]["store"].is_string(),
        "the link's clean-up and where its key is kept are there to check: {linked}"
    );
    let id = linked["id"].as_str().expect("id").to_string();
    let mut answers = vec![
        ("link_account", linked),
        (
            "preview_fields",
            answer(call(&w, "preview_fields", humaans(" a b "))),
        ),
        (
            "link_account (invalid)",
            answer(call(&w, "link_account", humaans(""))),
        ),
        (
            "link_account (already linked)",
            answer(call(&w, "link_account", humaans(TOKEN))),
        ),
        (
            "link_account (missing permission)",
            answer(call(&w, "link_account", humaans(LIMITED))),
        ),
        (
            "relink_account",
            answer(call(
                &w,
                "relink_account",
                json!({"id": id, "fields": {"api_token": TOKEN}}),
            )),
        ),
        (
            "check_account",
            answer(call(&w, "check_account", json!({"id": id}))),
        ),
        (
            "rename_account",
            answer(call(
                &w,
                "rename_account",
                json!({"id": id, "label": "Acme"}),
            )),
        ),
        (
            "list_accounts",
            answer(call(&w, "list_accounts", json!({}))),
        ),
        (
            "list_checks",
            answer(call(&w, "list_checks", json!({"id": id}))),
        ),
        (
            "reconcile_accounts",
            answer(call(&w, "reconcile_accounts", json!({}))),
        ),
        ("get_settings", answer(call(&w, "get_settings", json!({})))),
        (
            "get_keychain_state",
            answer(call(&w, "get_keychain_state", json!({}))),
        ),
        (
            "list_host_overrides",
            answer(call(&w, "list_host_overrides", json!({}))),
        ),
        (
            "list_checks (unknown)",
            answer(call(&w, "list_checks", json!({"id": "nope"}))),
        ),
    ];
    assert!(
        answers[10].1["notice"]["code"] == "recovered" && answers[10].1["orphans"][0].is_object(),
        "the start-up notice and an orphan are there to check: {}",
        answers[10].1
    );

    // Safe mode: the reconciliation says why, and every change is refused.
    let catalogue = Arc::new(Catalogue::embedded().expect("catalogue"));
    let hosts = Hosts::from_lookup(catalogue.all(), |_| None).expect("hosts");
    let clock = Arc::new(ManualClock::at(1_700_000_000));
    let safe = Accounts::read_only(
        catalogue,
        Verifier::with_parts(
            default_client(Duration::from_secs(5)).expect("the HTTP client builds"),
            hosts,
            clock.clone(),
        ),
        vault,
        clock,
        SafeMode::after(&BookError::TooNew { found: 9 }, None),
    );
    let (safe_app, _) = counting_app(safe, None);
    let sw = window(&safe_app);
    answers.push((
        "reconcile_accounts (safe mode)",
        answer(call(&sw, "reconcile_accounts", json!({}))),
    ));
    answers.push((
        "link_account (safe mode)",
        answer(call(&sw, "link_account", humaans(TOKEN))),
    ));
    assert!(
        answers
            .last()
            .is_some_and(|(_, a)| a["code"] == "read_only"),
        "safe mode refuses: {:?}",
        answers.last()
    );

    let mut found = Vec::new();
    for (command, value) in &answers {
        prose(value, "", command, &mut found);
    }
    assert!(
        found.is_empty(),
        "text the window would show as sent, outside `message` and `detail`; send a code \
         the window words (ui/locales), or, for a name or an id, list its key in NOT_PROSE:\n{}",
        found.join("\n")
    );
}
