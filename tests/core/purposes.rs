//! Purposes: one table per provider with scopes or permissions, each row a key (exactly the
//! `read` set, `read` plus write scopes, everything) verified for a purpose, with what must
//! come out missing and extra. Extra is advice, never a failure; a permission no source
//! confirms is never missing.

use keystep_core::verify::Report;
use keystep_core::Code;
use keystep_emulator::{
    Emulator, HibobGrant, HibobTenant, HumaansRole, HumaansTenant, PayfitTenant,
};

use crate::support::{catalogue, creds, verifier_for};

struct Row {
    key: &'static str,
    setup: fn(&Emulator),
    purpose: &'static str,
    code: Option<Code>,
    missing: &'static [&'static str],
    extra: &'static [&'static str],
}

async fn run(provider: &str, pairs: &[(&str, &str)], rows: &[Row]) {
    for row in rows {
        let emu = Emulator::start();
        (row.setup)(&emu);
        let v = verifier_for(&emu, std::time::Duration::from_secs(5));
        let cat = catalogue();
        let r: Report = v
            .verify_for(
                cat.get(provider).expect("shipped"),
                &creds(provider, pairs),
                row.purpose,
                keystep_core::verify::Purpose::Link,
                &|_| {},
            )
            .await;
        let case = format!("{provider}: {} for {}", row.key, row.purpose);
        assert_eq!(r.code, row.code, "{case}: outcome: {}", r.message);
        assert_eq!(
            r.purpose, row.purpose,
            "{case}: the report names its purpose"
        );
        assert_eq!(r.permissions.missing, row.missing, "{case}: missing");
        assert_eq!(r.permissions.extra, row.extra, "{case}: extra");
    }
}

const HUMAANS: &str = "HmTok3nPurposeRowsAbcdefgh012345";

#[tokio::test]
async fn humaans_keys_against_each_purpose() {
    let rows = [
        Row {
            key: "exactly read",
            setup: |e| {
                e.add_humaans(
                    HUMAANS,
                    HumaansTenant::full("Acme Ltd", 9).for_purpose("read"),
                )
            },
            purpose: "read",
            code: None,
            missing: &[],
            extra: &[],
        },
        Row {
            key: "exactly read",
            setup: |e| {
                e.add_humaans(
                    HUMAANS,
                    HumaansTenant::full("Acme Ltd", 9).for_purpose("read"),
                )
            },
            purpose: "full",
            code: Some(Code::MissingPermission),
            missing: &[
                "private:write",
                "compensations:read",
                "compensations:write",
                "documents:read",
                "documents:write",
                "webhooks:manage",
            ],
            extra: &[],
        },
        Row {
            key: "read and a write scope",
            setup: |e| {
                e.add_humaans(
                    HUMAANS,
                    HumaansTenant::full("Acme Ltd", 9).with_scopes(&[
                        "public:read",
                        "private:read",
                        "private:write",
                    ]),
                )
            },
            purpose: "read",
            code: None,
            missing: &[],
            extra: &["private:write"],
        },
        Row {
            key: "everything",
            setup: |e| e.add_humaans(HUMAANS, HumaansTenant::full("Acme Ltd", 9)),
            purpose: "read",
            code: None,
            missing: &[],
            extra: &[
                "private:write",
                "compensations:read",
                "compensations:write",
                "documents:read",
                "documents:write",
                "webhooks:manage",
            ],
        },
        Row {
            key: "everything",
            setup: |e| e.add_humaans(HUMAANS, HumaansTenant::full("Acme Ltd", 9)),
            purpose: "full",
            code: None,
            missing: &[],
            extra: &[],
        },
        Row {
            key: "everything, made by an Admin (no Compensation or Documents)",
            setup: |e| {
                e.add_humaans(
                    HUMAANS,
                    HumaansTenant::full("Acme Ltd", 9).created_by(HumaansRole::Admin),
                )
            },
            purpose: "full",
            code: Some(Code::MissingPermission),
            // Listed by token-info, refused by the reads: the role is what is missing.
            missing: &["compensations:read", "documents:read"],
            extra: &[],
        },
        Row {
            key: "everything, made by an Admin (no Compensation or Documents)",
            setup: |e| {
                e.add_humaans(
                    HUMAANS,
                    HumaansTenant::full("Acme Ltd", 9).created_by(HumaansRole::Admin),
                )
            },
            purpose: "read",
            code: None,
            missing: &[],
            // Ticked on the token, so still worth unticking for a read key.
            extra: &[
                "private:write",
                "compensations:read",
                "compensations:write",
                "documents:read",
                "documents:write",
                "webhooks:manage",
            ],
        },
    ];
    run("humaans", &[("api_token", HUMAANS)], &rows).await;
}

const PAYFIT: &str = "PfKeyPurposeRows7Qx2LmZ9Abc0042";

#[tokio::test]
async fn payfit_keys_against_each_purpose() {
    let rows = [
        Row {
            key: "exactly read",
            setup: |e| {
                e.add_payfit(
                    PAYFIT,
                    PayfitTenant::full("Acme SAS", 5).for_purpose("read"),
                )
            },
            purpose: "read",
            code: None,
            missing: &[],
            extra: &[],
        },
        Row {
            key: "exactly read",
            setup: |e| {
                e.add_payfit(
                    PAYFIT,
                    PayfitTenant::full("Acme SAS", 5).for_purpose("read"),
                )
            },
            purpose: "full",
            code: Some(Code::MissingPermission),
            missing: &[
                "health-insurance:read",
                "health-insurance:write",
                "collaborators:write",
                "collaborators:contracts:write",
                "contracts:payslips:read",
                "collaborators:meal-vouchers:read",
            ],
            extra: &[],
        },
        Row {
            key: "read and write scopes",
            setup: |e| {
                e.add_payfit(
                    PAYFIT,
                    PayfitTenant::full("Acme SAS", 5).with_scopes(&[
                        "time:read",
                        "collaborators:read",
                        "collaborators:write",
                        "contracts:read",
                    ]),
                )
            },
            purpose: "read",
            code: None,
            missing: &[],
            extra: &["collaborators:write"],
        },
        Row {
            key: "everything",
            setup: |e| e.add_payfit(PAYFIT, PayfitTenant::full("Acme SAS", 5)),
            purpose: "read",
            code: None,
            missing: &[],
            extra: &[
                "health-insurance:read",
                "health-insurance:write",
                "collaborators:write",
                "collaborators:contracts:write",
                "contracts:payslips:read",
                "collaborators:meal-vouchers:read",
            ],
        },
    ];
    run("payfit", &[("api_key", PAYFIT)], &rows).await;
}

const HIBOB_ID: &str = "SERVICE-7001";
const HIBOB_TOKEN: &str = "HbTok3nPurposeRows000000000000000000007";
const VIEW_PAYROLL: &str = "People's data › Payroll › View selected employees' Payroll sections";

#[tokio::test]
async fn hibob_service_users_against_each_purpose() {
    let rows = [
        Row {
            key: "a read-only group",
            setup: |e| {
                e.add_hibob(
                    HibobTenant::full(HIBOB_ID, HIBOB_TOKEN, 12)
                        .with_grants(&[HibobGrant::ViewPeople, HibobGrant::SeeWhosOut]),
                )
            },
            purpose: "read",
            code: None,
            missing: &[],
            extra: &[],
        },
        Row {
            key: "a read-only group",
            setup: |e| {
                e.add_hibob(
                    HibobTenant::full(HIBOB_ID, HIBOB_TOKEN, 12)
                        .with_grants(&[HibobGrant::ViewPeople, HibobGrant::SeeWhosOut]),
                )
            },
            purpose: "full",
            code: Some(Code::MissingPermission),
            missing: &[VIEW_PAYROLL],
            extra: &[],
        },
        Row {
            key: "a group that grants everything",
            setup: |e| e.add_hibob(HibobTenant::full(HIBOB_ID, HIBOB_TOKEN, 12)),
            purpose: "read",
            code: None,
            missing: &[],
            // Payroll is not probed for a read key (that would read a salary), so it is not
            // named either: HiBob lists no grants, and only a probe could show it.
            extra: &[],
        },
    ];
    run(
        "hibob",
        &[
            ("service_user_id", HIBOB_ID),
            ("service_user_token", HIBOB_TOKEN),
        ],
        &rows,
    )
    .await;
}

/// The account remembers its purpose: a key with every scope linked for `read` is healthy
/// with advice, a relink keeps `read`, and changing to `full` checks again at once.
#[tokio::test]
async fn an_account_keeps_its_purpose_and_a_change_checks_again() {
    use keystep_core::account::{LinkMode, Status};

    use crate::support::raw;
    use crate::world::{acme, World, ACME_1, ACME_2};

    let w = World::new();
    let linked = w
        .accounts
        .link_for(
            "humaans",
            raw(&[("api_token", ACME_1)]),
            "read",
            LinkMode::Complete,
            &|_| {},
        )
        .await
        .expect("a key with more than read needs links for read")
        .account;
    assert_eq!(linked.purpose, "read", "the account remembers its purpose");
    assert_eq!(linked.status, Status::Ok, "extra is never a failure");
    assert!(
        linked
            .permissions
            .extra
            .contains(&"webhooks:manage".to_string()),
        "the advice is kept: {:?}",
        linked.permissions
    );
    let relinked = w
        .relink(&linked.id, ACME_2)
        .await
        .expect("relinked")
        .account;
    assert_eq!(relinked.purpose, "read", "a relink keeps the purpose");

    w.emu
        .add_humaans(ACME_2, acme().with_scopes(&["public:read", "private:read"]));
    let full = w
        .accounts
        .set_purpose(&linked.id, "full", &|_| {})
        .await
        .expect("changed");
    assert_eq!(full.purpose, "full", "the new purpose is kept");
    assert_eq!(
        full.status,
        Status::Limited,
        "checked again at once: a read-only key lacks what full needs"
    );
    let err = w
        .accounts
        .set_purpose(&linked.id, "admin", &|_| {})
        .await
        .expect_err("an undeclared purpose is refused");
    assert_eq!(err.code(), Code::InvalidInput, "refused as input");
}

/// A book written before purposes existed: its accounts read as `full`, what they were
/// held to, so nothing already linked changes state.
#[test]
fn an_older_book_reads_as_full() {
    let account = serde_json::json!({
        "id": "a1", "provider": "humaans", "label": "Acme", "fields": {},
        "identity": {}, "status": "ok", "last_code": null, "message": "",
        "fingerprint": "…1111", "permissions": {"required": [], "granted": [], "missing": [],
        "extra": [], "unchecked": []},
        "created_at": 1, "verified_at": 1, "changed_at": 1
    });
    let a: keystep_core::account::Account =
        serde_json::from_value(account).expect("an older account parses");
    assert_eq!(
        a.purpose, "full",
        "older accounts keep being held to everything"
    );
}
