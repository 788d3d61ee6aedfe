//! What issue 22 added beside its three providers: a key in a vendor header with fixed
//! headers beside it (Factorial's `x-api-key`, Teamtailor's `Authorization: Token token=…`
//! and `X-Api-Version`), an account linked against a sandbox labelled so in the book, and a
//! key's expiry recorded when it is linked.

use std::time::Duration;

use keystep_core::hosts::Hosts;
use keystep_core::input::parse_fields;
use keystep_core::provider::Catalogue;
use keystep_core::verify::{client_builder, Purpose, Verifier};
use keystep_emulator::{Emulator, HibobTenant, NamelyTenant};

use crate::parts::header_provider;
use crate::support::raw;
use crate::world::World;

#[tokio::test]
async fn a_vendor_header_carries_the_key_and_the_fixed_headers_go_with_it() {
    const KEY: &str = "VendorKeyCanary00000000000042";
    for (value, name, want) in [
        ("{api_key}", "x-api-key", KEY.to_string()),
        (
            "Token token={api_key}",
            "authorization",
            format!("Token token={KEY}"),
        ),
    ] {
        // The file names the header as a person would write it; `name` is how it arrives.
        let written = if value.starts_with("Token") {
            "Authorization"
        } else {
            "x-api-key"
        };
        let text = header_provider(written, value, r#"on_status = { 404 = "skip" }"#);
        let cat = Catalogue::from_sources(&[("vendor", &text)]).expect("a valid file");
        let provider = cat.get("vendor").expect("vendor");
        let emu = Emulator::start();
        let hosts = Hosts::default()
            .with(provider, "api", &emu.url("vendor", "api"))
            .expect("a loopback override");
        let v = Verifier::from_builder(
            client_builder(Duration::from_secs(5)),
            hosts,
            std::sync::Arc::new(keystep_core::clock::ManualClock::at(1_700_000_000)),
        );
        let creds = parse_fields(provider, raw(&[("api_key", KEY)])).expect("usable");
        let r = v.verify(provider, &creds, Purpose::Link, &|_| {}).await;
        assert!(r.ok, "{value}: {r:?}");
        let seen = emu.requests();
        assert_eq!(seen.len(), 1, "{value}: one request");
        assert_eq!(
            seen[0].headers.get(name).map(String::as_str),
            Some(want.as_str()),
            "{value}: the key in {name}"
        );
        assert_eq!(
            seen[0].headers.get("x-api-version").map(String::as_str),
            Some("20240404"),
            "{value}: the fixed version header"
        );
        if name != "authorization" {
            assert_eq!(
                seen[0].headers.get("authorization"),
                None,
                "{value}: the key nowhere else"
            );
        }
        assert!(
            provider.lifetime.full_access(),
            "the file says its keys reach everything"
        );
        assert!(
            !format!("{r:?}").contains(KEY),
            "{value}: not in the report"
        );
    }
}

#[tokio::test]
async fn an_account_linked_against_a_sandbox_is_labelled_so_in_the_book() {
    let w = World::new();
    w.emu.add_hibob(
        HibobTenant::full("SERVICE-7", "SandboxTok3n0000000000000000007", 4).in_sandbox(),
    );
    w.emu.add_hibob(HibobTenant::full(
        "SERVICE-8",
        "ProductionTok3n00000000000000008",
        4,
    ));
    let link = |id: &str, token: &str, env: &str| {
        raw(&[
            ("service_user_id", id),
            ("service_user_token", token),
            ("environment", env),
        ])
    };
    let sandbox = w
        .accounts
        .link(
            "hibob",
            link("SERVICE-7", "SandboxTok3n0000000000000000007", "sandbox"),
            &|_| {},
        )
        .await
        .expect("a sandbox service user links")
        .account;
    let production = w
        .accounts
        .link(
            "hibob",
            link(
                "SERVICE-8",
                "ProductionTok3n00000000000000008",
                "production",
            ),
            &|_| {},
        )
        .await
        .expect("a production service user links")
        .account;
    assert!(sandbox.sandbox, "verified against the sandbox host");
    assert!(!production.sandbox, "production is not labelled");
    let book = serde_json::to_value(w.accounts.list().await).expect("accounts serialize");
    assert_eq!(book[0]["sandbox"], true, "the book says so: {book}");
    assert!(
        book[1].get("sandbox").is_none(),
        "and says nothing of production: {book}"
    );
}

#[tokio::test]
async fn a_fixed_lifetime_is_recorded_as_the_keys_expiry_when_it_is_linked() {
    let w = World::new();
    w.emu.add_namely(
        "acme",
        NamelyTenant::full("Acme Inc", "NamelyTok3nLife000000001", 12),
    );
    let now = w.accounts.now();
    let account = w
        .accounts
        .link(
            "namely",
            raw(&[
                ("subdomain", "acme"),
                ("access_token", "NamelyTok3nLife000000001"),
            ]),
            &|_| {},
        )
        .await
        .expect("links")
        .account;
    assert_eq!(
        account.expires_at,
        Some(now + 730 * 86_400),
        "Namely's two years, from the link"
    );
}

#[tokio::test]
async fn the_token_endpoint_is_held_to_where_the_credential_was_verified() {
    let w = World::new();
    w.emu
        .add_greenhouse(keystep_emulator::GreenhouseTenant::full(
            "gh-hosts",
            "GhHostsSecret000000000000000001",
        ));
    let account = w
        .accounts
        .link(
            "greenhouse",
            raw(&[
                ("client_id", "gh-hosts"),
                ("client_secret", "GhHostsSecret000000000000000001"),
            ]),
            &|_| {},
        )
        .await
        .expect("links")
        .account;
    assert!(
        account.verified_hosts.contains_key("auth") && account.verified_hosts.contains_key("api"),
        "the token endpoint, which receives the secret, is recorded: {:?}",
        account.verified_hosts
    );
    let cat = crate::support::catalogue();
    let greenhouse = cat.get("greenhouse").expect("greenhouse");
    let moved = crate::support::hosts_for(&w.emu)
        .with(greenhouse, "auth", "https://elsewhere.example")
        .expect("an https override");
    assert_eq!(
        moved
            .unverified_host(greenhouse, &account.fields, &account.verified_hosts)
            .as_deref(),
        Some("auth"),
        "an override of the token endpoint is refused before the secret is read"
    );
}
