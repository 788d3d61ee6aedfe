//! The one table runner for provider outcomes. A [`Case`] says how the emulator is set up
//! and what the report and the requests must show; [`run_cases`] gives each case a fresh
//! emulator, verifies the [`Provider`]'s fields, and checks, in this order: the code (and
//! `ok` agreeing with it), the missing permissions, what holds for the whole table, the
//! message, the requests sent, that the secret is in no part of the report, and the case's
//! own further assertions. Every failure names the case. [`run_wire_faults`] adds the
//! failures every provider's table asserts the same way: an outage, a page instead of JSON,
//! a firewall's page, a dropped connection.

use std::time::Duration;

use keystep_core::verify::{Purpose, Report};
use keystep_core::Code;
use keystep_emulator::{Emulator, Fault};

use crate::support::{assert_no_secret, assert_sent, catalogue, creds, verifier_for, Sent};

/// Who a table verifies, and how.
pub struct Provider {
    pub id: &'static str,
    /// The fields as typed into the form.
    pub fields: Vec<(&'static str, &'static str)>,
    /// The value that must appear in no report.
    pub secret: &'static str,
    /// Linking (the wizard) or a background check of a linked account.
    pub purpose: Purpose,
    /// What every case of the table asserts, beside its own `more`.
    pub every: fn(&Report, &str),
}

impl Provider {
    /// `id` verified with `fields` while linking; nothing asserted beyond each case.
    pub fn new(
        id: &'static str,
        fields: &[(&'static str, &'static str)],
        secret: &'static str,
    ) -> Provider {
        Provider {
            id,
            fields: fields.to_vec(),
            secret,
            purpose: Purpose::Link,
            every: nothing_more,
        }
    }

    /// The same fields, verified the way a background check does.
    pub fn checking(mut self) -> Provider {
        self.purpose = Purpose::Check;
        self
    }

    /// The same table, with `every` asserted in each case.
    pub fn in_every_case(mut self, every: fn(&Report, &str)) -> Provider {
        self.every = every;
        self
    }
}

/// One outcome: the emulator's set-up and what must come of it.
pub struct Case {
    pub name: &'static str,
    pub setup: fn(&Emulator),
    /// The outcome's code; `None` is a success.
    pub code: Option<Code>,
    /// The permissions the report names missing, exactly and in order; `None`: not compared.
    pub missing: Option<&'static [&'static str]>,
    /// Every request sent, exactly and in order; `None`: not compared.
    pub sent: Option<fn() -> Vec<Sent>>,
    /// Parts the message must contain.
    pub message_has: &'static [&'static str],
    /// Anything else the case asserts, given the report and the case's name.
    pub more: fn(&Report, &str),
}

impl Case {
    /// The fields a table leaves out (`..Case::NOTHING_ELSE`): a success expected, and
    /// nothing compared beyond the code, `ok` and the secret's absence.
    pub const NOTHING_ELSE: Case = Case {
        name: "",
        setup: |_| {},
        code: None,
        missing: None,
        sent: None,
        message_has: &[],
        more: nothing_more,
    };
}

/// For a case (or a table) that asserts nothing more.
pub fn nothing_more(_: &Report, _: &str) {}

/// Runs every case of `provider`'s table, each against its own emulator.
pub async fn run_cases(provider: &Provider, cases: Vec<Case>) {
    for case in &cases {
        run_case(provider, case).await;
    }
}

/// Runs one case against a fresh emulator.
pub async fn run_case(provider: &Provider, case: &Case) {
    let emu = Emulator::start();
    (case.setup)(&emu);
    run_on(provider, case, &emu, case.name).await;
}

/// A failure of the wire at one path: it says nothing about the credential, and each has
/// its own code.
pub enum Wire {
    /// The provider's own error status with an empty JSON body: `ProviderError`, the
    /// message naming the status (`error 503`).
    Outage(&'static str, u16),
    /// A 200 answer that is an HTML page: `UnexpectedResponse`.
    NotJson(&'static str),
    /// A firewall's 403 HTML page: `Blocked`.
    Firewall(&'static str),
    /// The connection closed without an answer: `Unreachable`.
    Hangup(&'static str),
}

/// Runs each wire failure as a case of `provider`'s table: a fresh emulator set up by
/// `tenant`, the fault at its path, and the same checks as [`run_case`] (the code, `ok`,
/// what holds for the whole table, the secret's absence, and for an outage the status in
/// the message), the case named by the provider, the failure and the path.
pub async fn run_wire_faults(provider: &Provider, tenant: fn(&Emulator), wires: &[Wire]) {
    for wire in wires {
        let (what, path, fault, code) = match *wire {
            Wire::Outage(path, status) => (
                "an outage",
                path,
                Fault::Status {
                    status,
                    body: serde_json::json!({}),
                    retry_after: None,
                },
                Code::ProviderError,
            ),
            Wire::NotJson(path) => (
                "a page instead of JSON",
                path,
                Fault::NotJson,
                Code::UnexpectedResponse,
            ),
            Wire::Firewall(path) => (
                "a firewall's 403 page",
                path,
                Fault::Page {
                    status: 403,
                    retry_after: None,
                },
                Code::Blocked,
            ),
            Wire::Hangup(path) => (
                "a dropped connection",
                path,
                Fault::Hangup,
                Code::Unreachable,
            ),
        };
        let emu = Emulator::start();
        tenant(&emu);
        emu.fault(provider.id, path, fault);
        let case = Case {
            code: Some(code),
            ..Case::NOTHING_ELSE
        };
        let name = format!("{}: {what} at {path}", provider.id);
        let r = run_on(provider, &case, &emu, &name).await;
        if let Wire::Outage(_, status) = *wire {
            assert!(
                r.message.contains(&format!("error {status}")),
                "{name}: the message names the status: {}",
                r.message
            );
        }
    }
}

/// Verifies `provider` against an emulator already set up, and checks `case` under `name`.
async fn run_on(provider: &Provider, case: &Case, emu: &Emulator, name: &str) -> Report {
    let cat = catalogue();
    let r = verifier_for(emu, Duration::from_secs(5))
        .verify(
            cat.get(provider.id).expect("a shipped provider"),
            &creds(provider.id, &provider.fields),
            provider.purpose,
            &|_| {},
        )
        .await;
    assert_eq!(r.code, case.code, "{name}: outcome code; report {r:?}");
    assert_eq!(r.ok, case.code.is_none(), "{name}: ok matches the code");
    if let Some(missing) = case.missing {
        assert_eq!(
            r.permissions.missing, missing,
            "{name}: missing permissions"
        );
    }
    (provider.every)(&r, name);
    for part in case.message_has {
        assert!(
            r.message.contains(part),
            "{name}: message should contain {part:?}: {}",
            r.message
        );
    }
    if let Some(sent) = case.sent {
        assert_sent(emu, &sent(), name);
    }
    assert_no_secret(&r, provider.secret);
    (case.more)(&r, name);
    r
}
