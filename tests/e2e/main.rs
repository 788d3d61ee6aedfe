//! End to end through the real window: the built `keystep` binary under Xvfb, driven by
//! WebDriver (`tauri-driver` → `WebKitWebDriver` → WebKitGTK), talking over loopback HTTP
//! to the provider emulator, storing into the real gnome-keyring.
//!
//! Run through `scripts/headless.sh` (the test command does). Without a display the suite
//! skips, unless `CI=true`, where skipping would hide a broken suite and so fails instead.

#[path = "../common/app_binary.rs"]
mod app_binary;
mod driver;
mod firstrun;
mod follow;
mod guides;
mod leaks;
#[path = "../common/procs.rs"]
mod procs;
mod revoked;
mod trust;
mod uses;
mod walkthrough;
mod wizard;

use keystep_emulator::{
    AshbyTenant, BamboohrTenant, Emulator, GreenhouseTenant, HibobGrant, HibobTenant,
    HumaansTenant, JazzhrAccount, NamelyTenant, PayfitTenant,
};

use driver::{Sandbox, Session};

const TOKEN: &str = "E2eCanaryHumaansTokenXq7Lm29Pz81";
const BAD_TOKEN: &str = "E2eWrongTokenWrongTokenWrong0000";

#[tokio::test]
async fn link_humaans_through_the_window_then_restart() {
    let Some(sandbox) = Sandbox::new() else {
        return;
    };
    let emu = Emulator::start();
    emu.add_humaans(TOKEN, HumaansTenant::full("Acme Ltd", 42));

    let s = Session::start(&sandbox, &emu).await;
    // The window serves the bundled first page (src-tauri/build/bundle.rs): one classic
    // deferred script (not a module, which WebKitGTK ran later) and one stylesheet, where
    // ui/index.html names four stylesheets and preloads 17 modules.
    s.wait_for("#add-account").await;
    let fetched = s
        .eval(
            "return [...document.scripts].map((e) => [e.getAttribute('src'), e.type || 'classic', e.defer ? 'defer' : 'not deferred'].join(' '))
               .concat([...document.querySelectorAll('link')].map((e) => e.rel + ' ' + e.getAttribute('href')));",
        )
        .await;
    assert_eq!(
        fetched,
        serde_json::json!(["app.js classic defer", "stylesheet first.css"]),
        "the first page is one bundled classic script, deferred, and one stylesheet"
    );
    // First run: the empty state invites the first account.
    s.click("#add-account").await;
    s.click("button[data-provider=\"humaans\"]").await;
    let steps = s.wait_all("[data-view=\"guide\"] ol > li").await;
    assert_eq!(steps, 4, "the Humaans guide shows its four numbered steps");
    let guide_text = s.text("[data-view=\"guide\"]").await;
    assert!(
        guide_text.contains("API access tokens"),
        "the guide uses Humaans' menu words"
    );
    assert!(
        guide_text.contains("View public and private data (private:read)"),
        "the boxes to tick for the preselected read purpose are listed, as Humaans labels them"
    );
    s.screenshot("guide-humaans").await;

    s.type_into(
        "form#credentials input[name=\"api_token\"]",
        &format!("  {TOKEN}\n"),
    )
    .await;
    s.click("button#connect").await;
    s.wait_for("#result[data-state=\"success\"]").await;
    let msg = s.text("#result-message").await;
    assert_eq!(
        msg, "Connected to Acme Ltd (42 people)",
        "the success text names the company"
    );
    s.screenshot("success").await;
    s.assert_page_lacks(&[TOKEN]).await;

    // The account is listed at home.
    s.click("#done").await;
    s.wait_for("#accounts [data-account-id]").await;
    assert!(
        s.text("#accounts").await.contains("Acme Ltd"),
        "the account appears at home"
    );
    s.screenshot("accounts").await;

    // A wrong token gets the specific error, and is cleared from the form.
    let (state, code, err) = s.link("humaans", &[("api_token", BAD_TOKEN)]).await;
    assert_eq!(
        (state.as_str(), code.as_deref()),
        ("error", Some("bad_credentials")),
        "the error is classified: {err}"
    );
    assert!(
        err.contains("did not accept this token"),
        "the message says what happened: {err}"
    );
    s.screenshot("error-bad-credentials").await;
    s.assert_page_lacks(&[TOKEN, BAD_TOKEN]).await;
    s.end().await;

    // Restart: the account is remembered (metadata from the store, secret in the keychain).
    let s = Session::start(&sandbox, &emu).await;
    s.wait_for("#accounts [data-account-id]").await;
    // Drawn from the answers the window handed over with the page (src-tauri/src/first_view.rs),
    // not asked over IPC after the page's scripts ran.
    assert_eq!(
        s.attr("body", "data-first-view").await.as_deref(),
        Some("handed"),
        "the first view's answers came with the page"
    );
    let home = s.text("#accounts").await;
    assert!(
        home.contains("Acme Ltd"),
        "the account survives a restart: {home}"
    );
    // One instance: a second launch hands over to the running one and exits.
    let second = sandbox.launch_second_instance();
    assert_eq!(
        second,
        Some(0),
        "a second keystep exits at once, leaving the first in charge"
    );
    assert_eq!(
        s.count("#accounts [data-account-id]").await,
        1,
        "the first instance still runs"
    );
    assert!(
        sandbox
            .app_log()
            .contains("a second launch asked for the window"),
        "the second launch reached the first over the session bus: {}",
        sandbox.app_log()
    );
    s.end().await;

    let keychain = leaks::secret_tool_search("keystep");
    assert!(
        keychain.contains(TOKEN),
        "the token is in the real keychain"
    );
    assert!(
        keychain.contains("Keystep — Humaans (Acme Ltd)"),
        "with a readable label: {keychain}"
    );
    assert!(
        !keychain.contains(BAD_TOKEN),
        "a rejected token is never stored"
    );

    let report = leaks::scan(&sandbox, &[TOKEN, BAD_TOKEN]);
    assert!(
        report.files_read > 0,
        "the scan read the app's files: {report:?}"
    );
    assert!(
        report.book_found,
        "the scan found the account book, so it searched the right place: {report:?}"
    );
    assert!(report.log_found, "the scan found the app's log: {report:?}");
    assert!(
        report.output_found,
        "the scan read the app's stdout/stderr: {report:?}"
    );
    assert!(
        report.hits.is_empty(),
        "secrets found in files the app wrote: {:?}",
        report.hits
    );
    let requests = emu.requests();
    assert!(
        requests.len() >= 5,
        "the app really talked to the emulator: {}",
        requests.len()
    );
}

/// A form's values, field key first.
type Fields<'a> = &'a [(&'a str, &'a str)];

/// One credential per provider that works, and a few that fail in each specific way.
mod every {
    pub const PAYFIT: &str = "E2ePayfitKeyAllScopes00000000001";
    pub const HIBOB_ID: &str = "SERVICE-4242";
    pub const HIBOB_TOKEN: &str = "E2eHibobServiceUserToken0000000000000001";
    pub const HIBOB_EMPTY_ID: &str = "SERVICE-4343";
    pub const HIBOB_EMPTY_TOKEN: &str = "E2eHibobServiceUserToken0000000000000002";
    pub const HUMAANS: &str = "E2eHumaansFullToken0000000000001";
    pub const HUMAANS_LIMITED: &str = "E2eHumaansReadOnlyToken000000002";
    pub const JAZZHR: &str = "E2eJazzhrKeyTwelveUsers000000001";
    pub const NAMELY: &str = "E2eNamelyPersonalAccessToken0001";
    pub const BAD_PAYFIT: &str = "E2eRevokedPayfitKey0000000000009";
    pub const BAMBOO: &str = "e2e0b00e2e0b00e2e0b00e2e0b00e2e0b00e2e01";
    pub const GH_ID: &str = "gh-e2e-client";
    pub const GH_SECRET: &str = "E2eGreenhouseClientSecret0000001";
    pub const ASHBY: &str = "E2eAshbyApiKeyAllModules00000001";
}

#[tokio::test]
async fn every_provider_links_and_each_failure_is_specific() {
    use every::*;
    let Some(sandbox) = Sandbox::new() else {
        return;
    };
    let emu = Emulator::start();
    emu.add_payfit(PAYFIT, PayfitTenant::full("Acme SAS", 37));
    emu.add_hibob(HibobTenant::full(HIBOB_ID, HIBOB_TOKEN, 58));
    emu.add_hibob(
        HibobTenant::full(HIBOB_EMPTY_ID, HIBOB_EMPTY_TOKEN, 58)
            .selecting_nobody()
            .with_grants(&[HibobGrant::ViewPeople]),
    );
    emu.add_humaans(HUMAANS, HumaansTenant::full("Acme Ltd", 42));
    emu.add_humaans(
        HUMAANS_LIMITED,
        // Short of what the default `read` purpose needs (private data).
        HumaansTenant::full("Acme Ltd", 42).with_scopes(&["public:read"]),
    );
    emu.add_jazzhr(JAZZHR, JazzhrAccount::with_users("admin@acme.example", 12));
    emu.add_namely("acme", NamelyTenant::full("Acme Inc.", NAMELY, 142));
    emu.add_bamboohr(BamboohrTenant::full("acme", BAMBOO, "Acme Corp", 57));
    emu.add_greenhouse(GreenhouseTenant::full(GH_ID, GH_SECRET));
    emu.add_ashby(AshbyTenant::full(ASHBY));

    let s = Session::start(&sandbox, &emu).await;
    let successes: [(&str, Fields, &str); 8] = [
        (
            "payfit",
            &[("api_key", PAYFIT)],
            "Connected to Acme SAS (37 active contracts)",
        ),
        (
            "hibob",
            &[
                ("service_user_id", HIBOB_ID),
                ("service_user_token", HIBOB_TOKEN),
            ],
            "Connected to HiBob (58 employees visible)",
        ),
        (
            "humaans",
            &[("api_token", HUMAANS)],
            "Connected to Acme Ltd (42 people)",
        ),
        (
            "jazzhr",
            &[("api_key", JAZZHR)],
            "Connected to JazzHR as admin@acme.example",
        ),
        (
            "namely",
            &[
                ("subdomain", "https://acme.namely.com/people"),
                ("access_token", NAMELY),
            ],
            "Connected to Acme Inc. (142 active employees)",
        ),
        (
            "bamboohr",
            &[
                ("subdomain", "https://acme.bamboohr.com/home"),
                ("api_key", BAMBOO),
            ],
            "Connected to Acme Corp (57 active employees)",
        ),
        (
            "greenhouse",
            &[("client_id", GH_ID), ("client_secret", GH_SECRET)],
            "Connected to Greenhouse with the credential gh-e2e-client",
        ),
        (
            "ashby",
            &[("api_key", ASHBY)],
            "Connected to Acme Recruiting with the API key “Keystep”",
        ),
    ];
    for (provider, fields, expected) in successes {
        let (state, code, message) = s.link(provider, fields).await;
        assert_eq!(state, "success", "{provider} links ({code:?}: {message})");
        assert!(
            message.starts_with(expected),
            "{provider}: “{message}” should start with “{expected}”"
        );
        if provider == "namely" {
            let result = s.text("#result").await;
            assert!(
                result.contains(".namely.com"),
                "the URL clean-up is explained: {result}"
            );
        }
        s.click("#done").await;
    }
    s.wait_for("#accounts [data-account-id]").await;
    assert_eq!(
        s.count("#accounts [data-account-id]").await,
        8,
        "eight accounts listed"
    );
    s.screenshot("accounts-five").await;

    let failures: [(&str, Fields, &str, &str); 4] = [
        (
            "payfit",
            &[("api_key", BAD_PAYFIT)],
            "bad_credentials",
            "PayFit",
        ),
        (
            "humaans",
            &[("api_token", HUMAANS_LIMITED)],
            "missing_permission",
            "private:read",
        ),
        (
            "hibob",
            &[
                ("service_user_id", HIBOB_EMPTY_ID),
                ("service_user_token", HIBOB_EMPTY_TOKEN),
            ],
            "missing_permission",
            "HiBob",
        ),
        (
            "namely",
            &[("subdomain", "acme-typo"), ("access_token", NAMELY)],
            "wrong_tenant",
            "acme-typo.namely.com",
        ),
    ];
    for (provider, fields, expected_code, named) in failures {
        let (state, code, message) = s.link(provider, fields).await;
        assert_eq!(
            (state.as_str(), code.as_deref()),
            ("error", Some(expected_code)),
            "{provider}: {message}"
        );
        let shown = s.text("#result").await;
        assert!(
            shown.contains(named),
            "{provider}'s {expected_code} screen names “{named}”: {shown}"
        );
        s.screenshot(&format!("error-{provider}-{expected_code}"))
            .await;
        s.click("#result-cancel").await;
    }
    let all = [
        PAYFIT,
        HIBOB_TOKEN,
        HIBOB_EMPTY_TOKEN,
        HUMAANS,
        HUMAANS_LIMITED,
        JAZZHR,
        NAMELY,
        BAD_PAYFIT,
    ];
    s.assert_page_lacks(&all).await;
    s.end().await;

    let keychain = leaks::secret_tool_search("keystep");
    for stored in [PAYFIT, HIBOB_TOKEN, HUMAANS, JAZZHR, NAMELY] {
        assert!(
            keychain.contains(stored),
            "every linked key is in the keychain"
        );
    }
    for refused in [HIBOB_EMPTY_TOKEN, HUMAANS_LIMITED, BAD_PAYFIT] {
        assert!(!keychain.contains(refused), "a refused key is never stored");
    }
    let report = leaks::scan(&sandbox, &all);
    assert!(
        report.book_found && report.log_found && report.output_found,
        "the scan saw the book, the log and the app's output: {report:?}"
    );
    assert!(
        report.hits.is_empty(),
        "secrets found in files the app wrote: {:?}",
        report.hits
    );
}

const LIFE_1: &str = "E2eLifecycleFirstToken0000000001";
const LIFE_2: &str = "E2eLifecycleSecondToken000000002";

#[tokio::test]
async fn account_lifecycle_and_recovery_through_the_window() {
    let Some(sandbox) = Sandbox::new() else {
        return;
    };
    let emu = Emulator::start();
    emu.add_humaans(LIFE_1, HumaansTenant::full("Acme Ltd", 42));
    emu.add_humaans(LIFE_2, HumaansTenant::full("Acme Ltd", 43));

    let s = Session::start(&sandbox, &emu).await;
    let (state, _, _) = s.link("humaans", &[("api_token", LIFE_1)]).await;
    assert_eq!(state, "success", "first link");
    s.click("#done").await;

    // The same company again is not a second account: Keystep offers to replace the key.
    let (state, code, message) = s.link("humaans", &[("api_token", LIFE_1)]).await;
    assert_eq!(
        (state.as_str(), code.as_deref()),
        ("error", Some("already_linked")),
        "duplicate refused: {message}"
    );
    s.click("#relink-existing").await;
    s.type_into("form#credentials input[name=\"api_token\"]", LIFE_2)
        .await;
    s.click("button#connect").await;
    s.wait_for("#result[data-state=\"success\"][data-mode=\"relink\"]")
        .await;
    let revoke = s.text("#revoke-steps").await;
    assert!(
        revoke.contains("API access tokens"),
        "after a key swap, the old key's revoke steps are shown: {revoke}"
    );
    s.screenshot("relinked").await;
    s.assert_page_lacks(&[LIFE_1, LIFE_2]).await;
    s.click("#done").await;

    let card = s.wait_for("#accounts [data-account-id]").await;
    let id = card
        .attr("data-account-id")
        .await
        .expect("attribute")
        .expect("an id");
    assert_eq!(
        s.count("#accounts [data-account-id]").await,
        1,
        "still one account"
    );
    let on_card = |what: &str| format!("[data-account-id=\"{id}\"] {what}");

    // Rename inline, keyboard only.
    s.click(&on_card("[data-action=\"rename\"]")).await;
    s.type_into(&on_card("input[name=\"label\"]"), "HR production\u{E007}")
        .await;
    s.wait_for_text(&on_card(""), "HR production").await;

    // Revoked in Humaans: "Check now" turns the card red at once.
    emu.revoke(LIFE_2);
    s.click(&on_card("[data-action=\"check\"]")).await;
    s.wait_for_text(&on_card(""), "Not working").await;
    s.screenshot("account-failing").await;

    // Forget: gone from the list and the keychain, and the revoke steps are shown.
    s.click(&on_card("[data-action=\"forget\"]")).await;
    s.click(".confirm button.btn-danger, .confirm [data-action=\"confirm-forget\"]")
        .await;
    let revoke = s.text("#revoke-steps").await;
    assert!(
        revoke.contains("API access tokens"),
        "revoke steps after forgetting: {revoke}"
    );
    s.end().await;
    let keychain = leaks::secret_tool_search("keystep");
    assert!(
        !keychain.contains(LIFE_2),
        "a forgotten key leaves the keychain"
    );

    // A leftover Keystep item (e.g. from a crash) is offered for removal at start-up.
    leaks::secret_tool_store(
        "keystep",
        "ghost-1",
        "Keystep — Humaans (Ghost Co)",
        "{\"api_token\":\"x\"}",
    );
    let s = Session::start(&sandbox, &emu).await;
    s.wait_for("#orphans [data-orphan-id=\"ghost-1\"]").await;
    s.screenshot("orphan-notice").await;
    s.click("#orphans [data-orphan-id=\"ghost-1\"] [data-action=\"remove-orphan\"]")
        .await;
    s.wait_for_none("#orphans [data-orphan-id=\"ghost-1\"]")
        .await;
    assert!(
        !leaks::secret_tool_search("keystep").contains("ghost-1"),
        "the leftover item is gone from the keychain"
    );

    // A damaged account list: set aside, rebuilt from the keychain, and the user is told.
    emu.add_humaans(LIFE_1, HumaansTenant::full("Acme Ltd", 42));
    s.click("#add-account").await;
    s.click("button[data-provider=\"humaans\"]").await;
    s.type_into("form#credentials input[name=\"api_token\"]", LIFE_1)
        .await;
    s.click("button#connect").await;
    s.wait_for("#result[data-state=\"success\"]").await;
    s.end().await;
    let book = sandbox.root.join("data/io.keystep.desktop/accounts.json");
    let text = std::fs::read_to_string(&book).expect("the book exists");
    std::fs::write(&book, &text[..text.len() / 2]).expect("truncate the book");
    let s = Session::start(&sandbox, &emu).await;
    let notice = s.text("#notice").await;
    assert!(notice.contains("damaged"), "the user is told: {notice}");
    s.wait_for("#accounts [data-account-id]").await;
    assert!(
        s.text("#accounts").await.contains("Acme Ltd"),
        "the account was rebuilt from the keychain label"
    );
    s.screenshot("recovered").await;
    s.end().await;
    let kept = std::fs::read_dir(book.parent().expect("folder"))
        .expect("data folder")
        .flatten()
        .any(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("accounts.json.damaged-")
        });
    assert!(kept, "the damaged file was kept beside the new one");

    let report = leaks::scan(&sandbox, &[LIFE_1, LIFE_2]);
    assert!(
        report.book_found && report.output_found,
        "the scan saw the book and output: {report:?}"
    );
    assert!(
        report.hits.is_empty(),
        "secrets in files the app wrote: {:?}",
        report.hits
    );
}
