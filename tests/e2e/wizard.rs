//! Issue #5 end to end: the whole Humaans flow with the keyboard alone, every failure code's
//! own screen, and a screenshot of each main view in light and dark.

use std::collections::BTreeSet;
use std::time::Duration;

use keystep_emulator::{Emulator, Fault, HibobTenant, HumaansTenant, NamelyTenant, Waf};
use serde_json::json;

use crate::driver::{Sandbox, Session, ENTER, ESCAPE, SHIFT, TAB};
use crate::leaks;

const TOKEN: &str = "E2eKeyboardHumaansTokenKb5Qw8Zr3";
const LIMITED: &str = "E2eLimitedHumaansTokenLm4Xc7Vb21";
const WRONG: &str = "E2eRejectedHumaansTokenRj9Tp2Nm6";
const NAMELY: &str = "E2eNamelyPersonalAccessToken0007";
const HIBOB_ID: &str = "SERVICE-7001";
const HIBOB_TOKEN: &str = "E2eHibobServiceUserToken000000000000007";
const HIBOB_WRONG: &str = "E2eHibobWrongTokenWrongToken00000000008";
const EVERY_SCOPE: &str = "E2eEveryScopeHumaansTokenEs3Pq7Y";

#[tokio::test]
async fn a_humaans_account_links_with_the_keyboard_alone() {
    let Some(sandbox) = Sandbox::new() else {
        return;
    };
    let emu = Emulator::start();
    emu.add_humaans(TOKEN, HumaansTenant::full("Acme Ltd", 42));
    let s = Session::start(&sandbox, &emu).await;
    s.wait_for("#add-account").await;

    s.tab_to(|f| f.contains("|add-account|"), 15, "Add account")
        .await;
    s.press(ENTER).await;
    s.wait_for("button[data-provider=\"humaans\"]").await;
    s.tab_to(|f| f.contains("|humaans|"), 25, "the Humaans tile")
        .await;
    s.press(" ").await;
    s.wait_for_focus(|f| f.starts_with("H"), "the guide's heading")
        .await;
    let progress = s.text("#step-progress").await;
    assert!(
        progress.contains("of 4"),
        "the guide says where you are: {progress}"
    );

    s.tab_to(|f| f.contains("|api_token|"), 40, "the token field")
        .await;
    s.press(&format!("  {TOKEN} ")).await;
    s.press(ENTER).await;
    s.wait_for("#result[data-state=\"success\"]").await;
    s.wait_for_focus(|f| !f.contains("api_token"), "the result")
        .await;
    s.assert_page_lacks(&[TOKEN]).await;
    s.tab_to(|f| f.contains("|done|"), 20, "Done").await;
    s.press(ENTER).await;
    s.wait_for("#accounts [data-account-id][data-status=\"ok\"]")
        .await;

    // Forget opens a confirmation that Escape closes, handing the focus back.
    s.tab_to(|f| f.ends_with("|forget|Forget"), 30, "Forget")
        .await;
    s.press(ENTER).await;
    s.wait_for(".confirm").await;
    s.press(ESCAPE).await;
    s.wait_for_none(".confirm").await;
    s.wait_for_focus(|f| f.contains("|forget|"), "Forget again")
        .await;
    // Shift-Tab walks back.
    s.press(&format!("{SHIFT}{TAB}")).await;
    assert!(
        !s.focused().await.contains("|forget|"),
        "Shift-Tab moved the focus back"
    );
    s.end().await;
    let report = leaks::scan(&sandbox, &[TOKEN]);
    assert!(report.hits.is_empty(), "secrets written: {:?}", report.hits);
}

/// Links `fields` and returns the error screen's code and title, then goes back home.
async fn failure(s: &Session, provider: &str, fields: &[(&str, &str)]) -> (String, String) {
    eprintln!(
        "failure screen: {provider} {:?}",
        fields.first().map(|f| f.0)
    );
    let (state, code, message) = s.link(provider, fields).await;
    assert_eq!(state, "error", "{provider} fails ({code:?}): {message}");
    assert!(
        !message.is_empty(),
        "{code:?}: the screen says what happened"
    );
    let body = s.text("#result-body").await;
    assert!(!body.is_empty(), "{code:?}: and what to do next");
    let title = s.text("#result-title").await;
    let code = code.unwrap_or_default();
    s.screenshot(&format!("error-{code}")).await;
    s.click("#result-cancel").await;
    s.wait_for("#add-account").await;
    (code, title)
}

/// An emulator with Acme (a working Humaans token), Limited Ltd (a Humaans token with one
/// scope) and Acme Inc. on Namely.
fn acme_limited_and_namely() -> Emulator {
    let emu = Emulator::start();
    emu.add_humaans(TOKEN, HumaansTenant::full("Acme Ltd", 42));
    emu.add_humaans(
        LIMITED,
        HumaansTenant {
            company_id: "cmp_limited".into(),
            ..HumaansTenant::full("Limited Ltd", 3).with_scopes(&["public:read"])
        },
    );
    emu.add_namely("acme", NamelyTenant::full("Acme Inc.", NAMELY, 142));
    emu
}

#[tokio::test]
async fn every_failure_code_has_its_own_screen() {
    let Some(sandbox) = Sandbox::new() else {
        return;
    };
    let emu = acme_limited_and_namely();
    emu.add_hibob(HibobTenant::full(HIBOB_ID, HIBOB_TOKEN, 58));
    emu.hibob_waf(Waf {
        failures: 1,
        window: Duration::from_secs(10),
        block_for: Duration::from_secs(300),
    });
    let s = Session::start(&sandbox, &emu).await;
    let humaans = |token| [("api_token", token)];
    let mut seen = Vec::new();

    seen.push(failure(&s, "humaans", &humaans(WRONG)).await);
    seen.push(failure(&s, "humaans", &humaans(LIMITED)).await);
    let namely = [("subdomain", "nosuchco"), ("access_token", NAMELY)];
    seen.push(failure(&s, "namely", &namely).await);
    let faults = [
        (
            "rate_limited",
            Fault::Status {
                status: 429,
                body: json!({"message": "Too many requests"}),
                // Short: until it is over, Keystep answers "rate limited" without asking.
                retry_after: Some(1),
            },
        ),
        (
            "provider_error",
            Fault::Status {
                status: 503,
                body: json!({"message": "down"}),
                retry_after: None,
            },
        ),
        ("unexpected_response", Fault::NotJson),
        ("unreachable", Fault::Hangup),
    ];
    for (code, fault) in faults {
        emu.fault("humaans", "*", fault);
        seen.push(failure(&s, "humaans", &humaans(TOKEN)).await);
        emu.clear_faults();
        if code == "rate_limited" {
            tokio::time::sleep(Duration::from_millis(1_500)).await;
        }
    }
    // One rejected token trips HiBob's firewall; then even the right one is blocked.
    let hibob = |token| [("service_user_id", HIBOB_ID), ("service_user_token", token)];
    failure(&s, "hibob", &hibob(HIBOB_WRONG)).await;
    seen.push(failure(&s, "hibob", &hibob(HIBOB_TOKEN)).await);

    let (state, _, _) = s.link("humaans", &humaans(TOKEN)).await;
    assert_eq!(state, "success", "the right token links");
    s.click("#done").await;
    s.wait_for("#accounts [data-account-id]").await;
    seen.push(failure(&s, "humaans", &humaans(TOKEN)).await);

    // A value that cannot be right is caught in the form, before anything is sent.
    s.click("#add-account").await;
    s.click("button[data-provider=\"namely\"]").await;
    emu.clear_requests();
    s.type_into("form#credentials input[name=\"subdomain\"]", "acme corp!")
        .await;
    s.type_into("form#credentials input[name=\"access_token\"]", NAMELY)
        .await;
    s.click("button#connect").await;
    s.wait_for("#form-errors:not([hidden])").await;
    assert!(
        !s.text("#form-errors").await.is_empty(),
        "the form names the field at fault"
    );
    s.screenshot("error-invalid-input").await;
    assert!(
        emu.requests().is_empty(),
        "nothing was sent for an invalid value"
    );

    let codes: Vec<&str> = seen.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(
        codes,
        vec![
            "bad_credentials",
            "missing_permission",
            "wrong_tenant",
            "rate_limited",
            "provider_error",
            "unexpected_response",
            "unreachable",
            "blocked",
            "already_linked",
        ],
        "each case reached its own code"
    );
    let titles: BTreeSet<&str> = seen.iter().map(|(_, t)| t.as_str()).collect();
    assert_eq!(
        titles.len(),
        seen.len(),
        "each code has its own title: {seen:#?}"
    );
    s.end().await;
    let report = leaks::scan(&sandbox, &[TOKEN, LIMITED, WRONG, NAMELY, HIBOB_TOKEN]);
    assert!(report.hits.is_empty(), "secrets written: {:?}", report.hits);
}

#[tokio::test]
async fn each_main_view_is_pictured_in_light_and_dark() {
    let Some(sandbox) = Sandbox::new() else {
        return;
    };
    let emu = acme_limited_and_namely();
    for (theme, env) in [
        ("light", vec![]),
        ("dark", vec![("GTK_THEME", "Adwaita:dark")]),
    ] {
        let s = Session::start_with(&sandbox, &emu, &env).await;
        let shot = |name: &str| format!("{name}-{theme}");
        s.click("#add-account").await;
        s.wait_for("button[data-provider=\"humaans\"]").await;
        s.screenshot(&shot("picker")).await;
        s.click("button[data-provider=\"namely\"]").await;
        s.type_into(
            "form#credentials input[name=\"subdomain\"]",
            "https://acme.namely.com/",
        )
        .await;
        s.wait_for("[data-field=\"subdomain\"] .field-note:not([hidden])")
            .await;
        s.scroll_to("[data-field=\"subdomain\"] .field-note").await;
        s.screenshot(&shot("form-normalized")).await;
        s.click("#crumbs a, #crumbs button").await;
        s.wait_for("#add-account").await;
        let (state, _, _) = s.link("humaans", &[("api_token", LIMITED)]).await;
        assert_eq!(state, "error", "a limited key is refused");
        s.screenshot(&shot("missing-permission")).await;
        s.click("#result-cancel").await;
        s.wait_for("#add-account").await;
        if theme == "light" {
            s.click("#add-account").await;
            s.click("button[data-provider=\"humaans\"]").await;
            s.wait_for("#step-progress").await;
            s.screenshot("guide-step").await;
            s.type_into("form#credentials input[name=\"api_token\"]", TOKEN)
                .await;
            s.click("button#connect").await;
            s.wait_for("#result[data-state=\"success\"]").await;
            s.screenshot("success").await;
            s.click("#done").await;
        }
        s.wait_for("#accounts [data-account-id]").await;
        s.screenshot(&shot("accounts")).await;
        s.end().await;
    }
}

/// Issue #17: `read` is what the wizard asks about first; a Humaans token with every scope
/// links for it, and both the result page and the account's details say which boxes to
/// untick, in the words of Humaans' screen.
#[tokio::test]
async fn a_key_with_every_scope_linked_for_read_gets_least_privilege_advice() {
    let Some(sandbox) = Sandbox::new() else {
        return;
    };
    let emu = Emulator::start();
    emu.add_humaans(EVERY_SCOPE, HumaansTenant::full("Acme Ltd", 42));
    let s = Session::start(&sandbox, &emu).await;
    s.wait_for("#add-account").await;
    s.click("#add-account").await;
    s.click("button[data-provider=\"humaans\"]").await;
    s.wait_for("#guide-purpose input[value=\"read\"]:checked")
        .await;
    let checklist = s.text("#guide-steps .checklist").await;
    assert!(
        checklist.contains("View public data (public:read)")
            && !checklist.contains("webhooks:manage"),
        "the guide asks for read's boxes only: {checklist}"
    );
    s.type_into("form#credentials input[name=\"api_token\"]", EVERY_SCOPE)
        .await;
    s.click("button#connect").await;
    s.wait_for("#result[data-state=\"success\"]").await;
    let advice = s.text("#result-body .least-privilege").await;
    for needle in [
        "untick",
        "Manage webhooks (webhooks:manage)",
        "Modify documents (documents:write)",
    ] {
        assert!(
            advice.contains(needle),
            "the result page's advice names “{needle}”: {advice}"
        );
    }
    s.click("#done").await;
    s.click("#accounts [data-account-id] [data-action=\"details\"]")
        .await;
    s.wait_for("#account-body .least-privilege").await;
    let details = s.text("#account-body").await;
    assert!(
        details.contains("Manage webhooks (webhooks:manage)") && details.contains("Read only"),
        "the details keep the purpose and the advice: {details}"
    );
    s.screenshot("account-least-privilege").await;
    s.end().await;
}
