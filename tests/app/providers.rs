//! What the window learns of the providers: `list_providers` equals the UI's fixtures and
//! comes in the language asked for; `preview_fields` answers codes, never a value.

use keystep_emulator::Emulator;
use serde_json::{json, Value};

use crate::{app, call, window, TOKEN};

/// `tests/ui/fixtures/providers.<lang>.json` is exactly what `list_providers` returns, so the
/// UI harness's stub cannot drift from the real contract. `KEYSTEP_UPDATE_FIXTURES=1`
/// rewrites the files instead of comparing.
#[test]
fn provider_fixtures_match_list_providers() {
    let emu = Emulator::start();
    let app = app(&emu);
    let w = window(&app);
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/ui/fixtures");
    let update = std::env::var("KEYSTEP_UPDATE_FIXTURES").is_ok_and(|v| v == "1");
    for lang in ["en", "fr"] {
        let real = call(&w, "list_providers", json!({ "lang": lang })).expect("providers");
        let path = dir.join(format!("providers.{lang}.json"));
        let pretty = serde_json::to_string_pretty(&real).expect("JSON") + "\n";
        if update {
            std::fs::create_dir_all(&dir).expect("fixtures folder");
            std::fs::write(&path, pretty).expect("fixture written");
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e}; run with KEYSTEP_UPDATE_FIXTURES=1 to create it",
                path.display()
            )
        });
        let stored: Value = serde_json::from_str(&text).expect("the fixture is JSON");
        assert!(
            stored == real,
            "{} differs from list_providers({lang}); run with KEYSTEP_UPDATE_FIXTURES=1 and review the diff",
            path.display()
        );
    }
}

#[test]
fn providers_come_in_the_language_asked_for() {
    let emu = Emulator::start();
    let app = app(&emu);
    let w = window(&app);
    let en = call(&w, "list_providers", json!({})).expect("default");
    let fr = call(&w, "list_providers", json!({"lang": "fr"})).expect("French");
    let de = call(&w, "list_providers", json!({"lang": "de"})).expect("unknown");
    assert_eq!(
        call(&w, "list_providers", json!({"lang": "en"})).expect("English"),
        en,
        "English is the default"
    );
    assert_eq!(
        de, en,
        "a language Keystep does not speak falls back to English"
    );
    assert_eq!(
        call(&w, "list_providers", json!({"lang": "fr-FR"})).expect("fr-FR"),
        fr,
        "a regional tag picks its language"
    );
    let humaans = |all: &Value| {
        all.as_array()
            .and_then(|a| a.iter().find(|p| p["id"] == "humaans"))
            .cloned()
            .expect("humaans")
    };
    let (en, fr) = (humaans(&en), humaans(&fr));
    assert_eq!(en["name"], fr["name"], "names are not translated");
    assert_eq!(
        en["steps"][2]["checklist"], fr["steps"][2]["checklist"],
        "scopes are the provider's own words"
    );
    assert_eq!(
        fr["fields"][0]["label"], "Jeton d’API",
        "field labels are translated"
    );
    assert_eq!(
        fr["checks"][0],
        json!({"id": "token-info", "doing": "Vérification du jeton auprès de Humaans…"}),
        "check lines are translated, by id"
    );
    assert_eq!(
        fr["success"][0], "Connecté à {company} ({head_count} personnes)",
        "success lines keep their placeholders"
    );
    assert!(
        fr["messages"]["missing_permission"]
            .as_str()
            .is_some_and(|m| m.contains("{missing}") && m.starts_with("Il manque")),
        "messages by code, placeholders kept: {}",
        fr["messages"]
    );
    assert!(
        !fr.to_string().contains("https://app.humaans.io/\""),
        "step links stay in Rust in every language"
    );
}

#[test]
fn preview_fields_reports_codes_and_never_a_value() {
    let emu = Emulator::start();
    let app = app(&emu);
    let w = window(&app);
    let preview = call(
        &w,
        "preview_fields",
        json!({"provider": "hibob", "fields": {
            "service_user_id": format!(" \"{TOKEN}\" "),
            "service_user_token": TOKEN,
        }}),
    )
    .expect("preview");
    assert_eq!(
        preview,
        json!({
            "notes": [
                {"field": "service_user_id", "change": "trimmed_whitespace"},
                {"field": "service_user_id", "change": "removed_quotes"},
            ],
            "problems": [
                {"field": "service_user_token", "problem": "same_value", "other": "service_user_id"},
            ],
        }),
        "keys and codes only"
    );
    assert!(
        !preview.to_string().contains(TOKEN),
        "the value never comes back"
    );
    let clean = call(
        &w,
        "preview_fields",
        json!({"provider": "humaans", "fields": {"api_token": TOKEN}}),
    )
    .expect("preview");
    assert_eq!(
        clean,
        json!({"notes": [], "problems": []}),
        "a clean value: nothing to say"
    );
    let err = call(
        &w,
        "preview_fields",
        json!({"provider": "workday", "fields": {}}),
    )
    .expect_err("unknown provider");
    assert_eq!(err["code"], "not_found", "closed code: {err}");
}

/// The first view hands over the providers of the accounts it hands over, each as
/// `list_providers` words it in the language Keystep resolves, so the cards are drawn once in
/// their providers' words; an empty book hands over none (the picker asks when opened).
#[test]
fn the_first_view_hands_over_the_accounts_providers_and_no_other() {
    use keystep_app::first_view::FirstView;
    use tauri::Manager;
    let emu = Emulator::start();
    emu.add_humaans(TOKEN, keystep_emulator::HumaansTenant::full("Acme Ltd", 42));
    let app = app(&emu);
    let w = window(&app);
    let state = app.state::<keystep_app::AppState>();
    let empty = serde_json::to_value(tauri::async_runtime::block_on(FirstView::of(&state)))
        .expect("the first view is JSON");
    assert_eq!(
        empty["providers"]["list"],
        json!([]),
        "an empty book hands over no provider"
    );
    call(
        &w,
        "link_account",
        json!({"provider": "humaans", "fields": {"api_token": TOKEN}}),
    )
    .expect("links");
    let first = serde_json::to_value(tauri::async_runtime::block_on(FirstView::of(&state)))
        .expect("the first view is JSON");
    let lang = state.lang().code();
    assert_eq!(
        first["providers"]["lang"], lang,
        "the words are in the language Keystep resolves"
    );
    let all = call(&w, "list_providers", json!({ "lang": lang })).expect("providers");
    let humaans = all
        .as_array()
        .and_then(|list| list.iter().find(|p| p["id"] == "humaans"))
        .expect("Humaans is listed");
    assert_eq!(
        first["providers"]["list"],
        json!([humaans]),
        "exactly the linked account's provider, as list_providers words it"
    );
}
