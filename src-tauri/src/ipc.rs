//! What crosses IPC: the `{code, message}` error and the views of providers and accounts.
//!
//! Views are built from core types and carry no secret by construction: a provider's step
//! links stay in Rust (the UI opens them by step id), and accounts hold no secret at all.
//! A provider's view is built from a localized copy (`Provider::localized`), so every text in
//! it is in the language the window asked for; the placeholders in `messages` and `success`
//! are left for the window to fill.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use keystep_core::account::{
    Account, CheckRecord, LinkError, Reconciliation, SafeMode, StartNotice, Status,
};
use keystep_core::hosts::HostOverride;
use keystep_core::input::Note;
use keystep_core::lifetime::KeyLife;
use keystep_core::provider::{
    Catalogue, Category, Check, CredentialKind, FieldKind, KeyPurpose, Lifetime, Provider, Step,
};
use keystep_core::schedule::KeyAge;
use keystep_core::settings::{Language, Settings, SettingsError, WhenClosed};
use keystep_core::vault::{ItemRef, Readiness, StoredIn};
use keystep_core::verify::{Identity, PermissionReport};
use keystep_core::Code;

pub use crate::assistant::AssistantView;

/// An error as the UI receives it. The UI branches on `code` only.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct IpcError {
    /// One of the closed set of codes.
    pub code: Code,
    /// What happened and what to do next, for the person.
    pub message: String,
    /// For `missing_permission`: what is missing, in the provider's words.
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub missing: Box<[String]>,
    /// For `rate_limited`/`blocked`: seconds until a retry makes sense.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after_secs: Option<u32>,
    /// For `invalid_input`: the field at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<Box<str>>,
    /// For `already_linked`: the account that already reaches this company.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_id: Option<Box<str>>,
    /// For `missing_permission` from `link_account`: the id of the verified key Keystep
    /// holds a short while, which `link_pending` links as limited ("Link anyway").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending: Option<Box<str>>,
    /// For a page Keystep could not open in the browser: its address, to copy. (`missing`,
    /// `field` and this are boxed slices: every command's `Result` carries this type, kept
    /// small.)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<Box<str>>,
}

impl IpcError {
    /// An error with only a code and a message.
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        IpcError {
            code,
            message: message.into(),
            missing: Box::default(),
            retry_after_secs: None,
            field: None,
            account_id: None,
            pending: None,
            url: None,
        }
    }
}

impl From<LinkError> for IpcError {
    fn from(e: LinkError) -> Self {
        let mut out = IpcError::new(e.code(), e.to_string());
        out.account_id = e.existing_account().map(Into::into);
        match e {
            LinkError::Verification(report) => {
                out.missing = report.permissions.missing.into_boxed_slice();
                // A u32 keeps every command's `Result` small; no wait is 136 years long.
                out.retry_after_secs = report
                    .retry_after_secs
                    .map(|secs| u32::try_from(secs).unwrap_or(u32::MAX));
            }
            LinkError::Input(input) => out.field = Some(input.field.into_boxed_str()),
            _ => {}
        }
        out
    }
}

/// A field of the credential form.
#[derive(Debug, Clone, Serialize)]
pub struct FieldView {
    key: String,
    label: String,
    help: String,
    secret: bool,
    example: String,
    kind: FieldKind,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    options: Vec<ChoiceView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    default: Option<String>,
    /// For a subdomain: the vendor's domain, so the window can word a `removed_domain` note.
    #[serde(skip_serializing_if = "Option::is_none")]
    domain: Option<String>,
    /// The provider's sentence about a retired credential this box may receive, for a
    /// `looks_retired` note.
    #[serde(skip_serializing_if = "Option::is_none")]
    retired: Option<String>,
}

/// One option of a choice field; which host it selects stays in Rust.
#[derive(Debug, Clone, Serialize)]
pub struct ChoiceView {
    value: String,
    label: String,
}

/// A provider as the picker and the guide show it.
#[derive(Debug, Clone, Serialize)]
pub struct ProviderView {
    id: String,
    name: String,
    category: Category,
    /// Other names people call the system by, for the picker's search.
    aliases: Vec<String>,
    needs: String,
    summary: String,
    prerequisite: String,
    revoke: String,
    /// How the key is sent (`bearer`, `basic_key`, `client_credentials`…), for the picker.
    credential_kind: CredentialKind,
    /// How long keys live (`{rule, …}`); `full_access` is said before the guide.
    lifetime: Lifetime,
    #[serde(skip_serializing_if = "Option::is_none")]
    rotate_warning: Option<String>,
    fields: Vec<FieldView>,
    /// What a key may be for, `read` first chosen: each with its permissions, which the
    /// guide's checklists are filtered to.
    purposes: Vec<KeyPurpose>,
    /// The screen's label for a permission whose name is an id (Humaans' checkboxes).
    permission_labels: BTreeMap<String, String>,
    /// Permissions only the original guide names: shown with "skip it if not offered".
    unconfirmed: Vec<String>,
    steps: Vec<Step>,
    /// The verification chain's lines, by check id, for `link-progress` events.
    checks: Vec<ChainCheckView>,
    /// The provider's own advice per outcome code; `{provider}`, `{missing}`, `{retry}` and
    /// non-secret field keys are left for the window to fill.
    messages: BTreeMap<Code, String>,
    /// Success lines, tried in order: the first whose `{company}`, `{head_count}` and
    /// `{user}` are all known is used; the last has no placeholder.
    success: Vec<String>,
    /// Whether the provider's answers name the company a key reaches. When they do not
    /// (HiBob, JazzHR), the form asks the person for the account's name (`link_account`'s
    /// `name`), or the account is named after its user.
    names_company: bool,
}

/// One check of the chain as the window names it while it runs.
#[derive(Debug, Clone, Serialize)]
pub struct ChainCheckView {
    id: String,
    doing: String,
}

/// The payload of a `link-progress` event: the check that started and its English line
/// (the window shows the line of its localized `ProviderView.checks` instead).
#[derive(Debug, Clone, Serialize)]
pub struct ProgressView {
    check: String,
    doing: String,
}

impl From<&Check> for ProgressView {
    fn from(c: &Check) -> Self {
        ProgressView {
            check: c.id.clone(),
            doing: c.doing.clone(),
        }
    }
}

impl From<&Provider> for ProviderView {
    fn from(p: &Provider) -> Self {
        ProviderView {
            names_company: p.names_company(),
            id: p.id.clone(),
            name: p.name.clone(),
            category: p.category,
            aliases: p.aliases.clone(),
            needs: p.needs.clone(),
            summary: p.summary.clone(),
            prerequisite: p.prerequisite.clone(),
            revoke: p.revoke.clone(),
            credential_kind: p.auth.kind(),
            lifetime: p.lifetime.clone(),
            rotate_warning: p.rotate_warning.clone(),
            fields: p
                .fields
                .iter()
                .map(|f| FieldView {
                    key: f.key.clone(),
                    label: f.label.clone(),
                    help: f.help.clone(),
                    secret: f.secret,
                    example: f.example.clone(),
                    kind: f.kind,
                    options: f
                        .options
                        .iter()
                        .map(|o| ChoiceView {
                            value: o.value.clone(),
                            label: o.label.clone(),
                        })
                        .collect(),
                    default: f.default.clone(),
                    domain: f.domain.clone(),
                    retired: f.retired.as_ref().map(|r| r.note.clone()),
                })
                .collect(),
            purposes: p.purposes.clone(),
            permission_labels: p.permissions.labels.clone(),
            unconfirmed: p.permissions.unconfirmed.clone(),
            steps: p.steps.clone(),
            checks: p
                .checks
                .iter()
                .map(|c| ChainCheckView {
                    id: c.id.clone(),
                    doing: c.doing.clone(),
                })
                .collect(),
            messages: p.messages.clone(),
            success: p.identity.success.clone(),
        }
    }
}

/// A linked account as the UI shows it.
#[derive(Debug, Clone, Serialize)]
pub struct AccountView {
    id: String,
    /// Its short name on the command line (`keystep list`, `keystep forget`).
    handle: String,
    pub(crate) provider: String,
    provider_name: String,
    label: String,
    company: Option<String>,
    head_count: Option<u64>,
    /// `head_count` is a full first page: "100 or more".
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    head_count_more: bool,
    user: Option<String>,
    status: Status,
    last_code: Option<Code>,
    fingerprint: String,
    fields: BTreeMap<String, String>,
    created_at: u64,
    changed_at: u64,
    checked_at: u64,
    verified_at: u64,
    message: String,
    permissions: PermissionReport,
    /// What the key is for (`read`, `full`…); `permissions` compares with it.
    purpose: String,
    /// A fresh link's clean-up of the input, per field, as codes (`{field, change}`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    notes: Vec<Note>,
    /// Where a fresh link's key is kept: `{store, label}`, the store a code.
    #[serde(skip_serializing_if = "Option::is_none")]
    stored_in: Option<StoredIn>,
    key_age_days: u64,
    rotation_due: bool,
    expires_at: Option<u64>,
    expiry_warning: bool,
    /// Where the key stands against its provider's lifetime rule (`{state, …}`), for the
    /// card to word: "expires in 12 days", "dies if unused for 30 days — last used …".
    life: KeyLife,
    /// The key was verified against the provider's sandbox.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    sandbox: bool,
    couldnt_check: Option<TroubleView>,
    next_check_at: Option<u64>,
    /// Its copies in team stores: where, the version Keystep wrote, when last confirmed,
    /// and `current`, `stale` or `changed_outside` (no secret: the store holds the key).
    copies: Vec<keystep_core::store::StoreCopy>,
    /// After a relink: how writing the new key to each copy went.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    copy_outcomes: Vec<keystep_core::store::CopyOutcome>,
}

/// Transient trouble the latest checks hit, and when the schedule tries again.
#[derive(Debug, Clone, Serialize)]
pub struct TroubleView {
    code: Code,
    since: u64,
    attempts: u32,
    next_try_at: Option<u64>,
}

impl AccountView {
    /// The view of a stored account.
    pub fn of(a: &Account, provider_name: &str) -> Self {
        let Identity {
            company,
            head_count,
            head_count_more,
            user,
        } = a.identity.clone();
        AccountView {
            id: a.id.clone(),
            handle: a.handle.clone(),
            provider: a.provider.clone(),
            provider_name: provider_name.to_string(),
            label: a.label.clone(),
            company,
            head_count,
            head_count_more,
            user,
            status: a.status,
            last_code: a.last_code,
            fingerprint: a.fingerprint.clone(),
            fields: a.fields.clone(),
            created_at: a.created_at,
            changed_at: a.changed_at,
            checked_at: a.checked_at,
            verified_at: a.verified_at,
            message: a.message.clone(),
            permissions: a.permissions.clone(),
            purpose: a.purpose.clone(),
            notes: Vec::new(),
            stored_in: None,
            key_age_days: 0,
            rotation_due: false,
            expires_at: None,
            expiry_warning: false,
            life: KeyLife::Open { full_access: false },
            sandbox: a.sandbox,
            couldnt_check: a.couldnt_check.map(|t| TroubleView {
                code: t.code,
                since: t.since,
                attempts: t.attempts,
                next_try_at: None,
            }),
            next_check_at: None,
            copies: a.copies.clone(),
            copy_outcomes: Vec::new(),
        }
    }

    /// The same view with the key's age and the schedule's next check filled in.
    #[must_use]
    pub fn with_schedule(mut self, age: KeyAge, next_check_at: Option<u64>) -> Self {
        self.key_age_days = age.age_days;
        self.rotation_due = age.rotation_due;
        self.expires_at = age.expires_at;
        self.expiry_warning = age.expiry_warning;
        self.life = age.life;
        self.next_check_at = next_check_at;
        if let Some(t) = &mut self.couldnt_check {
            t.next_try_at = next_check_at;
        }
        self
    }

    /// The same view with a fresh link's notes and storage place.
    #[must_use]
    pub fn with_link(mut self, notes: Vec<Note>, stored_in: StoredIn) -> Self {
        self.notes = notes;
        self.stored_in = Some(stored_in);
        self
    }

    /// The view after a relink, with each copy's outcome.
    pub fn with_copy_outcomes(mut self, outcomes: Vec<keystep_core::store::CopyOutcome>) -> Self {
        self.copy_outcomes = outcomes;
        self
    }
}

/// How an account's key was used from scripts, and how to use it: its recent `keystep run`s
/// (newest first; command names, counts and statuses, never a key) and the lines to copy.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct UseView {
    /// The latest runs that used it.
    pub runs: Vec<keystep_core::use_log::RunUse>,
    /// The `keystep run` line and a `curl` through the proxy (shell code, not sentences).
    pub example: Option<keystep_core::use_log::UseExample>,
}

/// A `KEYSTEP_<PROVIDER>_<HOST>_URL` override in effect, for the window's banner: while one
/// is set, keys for that provider go to its URL instead of the provider's own host.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct HostOverrideView {
    /// Provider id.
    pub provider: String,
    /// The provider's display name.
    pub provider_name: String,
    /// The provider file's name for the host ("api", "oauth").
    pub host: String,
    /// Where requests go instead (may hold a `{subdomain}` placeholder).
    pub url: String,
    /// The environment variable that set it.
    pub variable: String,
}

impl HostOverrideView {
    /// The view of `o`, named with the provider's display name.
    pub fn of(o: HostOverride, catalogue: &Catalogue) -> Self {
        HostOverrideView {
            provider_name: catalogue
                .get(&o.provider)
                .map_or_else(|| o.provider.clone(), |p| p.name.clone()),
            provider: o.provider,
            host: o.host,
            url: o.url,
            variable: o.variable,
        }
    }
}

/// One check in an account's history, as the account page lists it.
#[derive(Debug, Clone, Serialize)]
pub struct CheckView {
    at: u64,
    status: Status,
    code: Option<Code>,
    granted: Vec<String>,
    missing: Vec<String>,
}

impl From<&CheckRecord> for CheckView {
    fn from(r: &CheckRecord) -> Self {
        CheckView {
            at: r.at,
            status: r.status,
            code: r.code,
            granted: r.granted.clone(),
            missing: r.missing.clone(),
        }
    }
}

/// The settings page's document; `told_about_tray` stays in Rust.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsView {
    check_interval_hours: u32,
    notifications: bool,
    start_at_login: bool,
    rotation_reminder_days: Option<u32>,
    language: Language,
    when_closed: WhenClosed,
}

impl SettingsView {
    /// The view of `s`.
    pub fn of(s: &Settings) -> Self {
        SettingsView {
            check_interval_hours: s.check_interval_hours,
            notifications: s.notifications,
            start_at_login: s.start_at_login,
            rotation_reminder_days: s.rotation_reminder_days,
            language: s.language,
            when_closed: s.when_closed,
        }
    }

    /// `base` with this view's values.
    pub fn applied_to(self, base: &Settings) -> Settings {
        Settings {
            check_interval_hours: self.check_interval_hours,
            notifications: self.notifications,
            start_at_login: self.start_at_login,
            rotation_reminder_days: self.rotation_reminder_days,
            language: self.language,
            told_about_tray: base.told_about_tray,
            when_closed: self.when_closed,
        }
    }
}

impl From<SettingsError> for IpcError {
    fn from(e: SettingsError) -> Self {
        let mut out = IpcError::new(Code::InvalidInput, e.message);
        out.field = Some(e.field.into());
        out
    }
}

/// What start-up reconciliation found, for the notice on the accounts page.
#[derive(Debug, Clone, Serialize)]
pub struct ReconcileView {
    needs_relink: Vec<String>,
    orphans: Vec<ItemRef>,
    problem: Option<IpcError>,
    /// What start-up did to a damaged account list, as a code with its values
    /// (`{code, kept_as, rebuilt?, detail}`): the window words it, `detail` only in "Details".
    notice: Option<StartNotice>,
    /// Set when Keystep runs read-only because its account list could not be read: the
    /// window says why (from `reason`) and offers no change.
    safe_mode: Option<SafeMode>,
}

impl ReconcileView {
    /// The view of a reconciliation, with the start-up notice and safe mode if any.
    pub fn of(r: Reconciliation, notice: Option<StartNotice>, safe_mode: Option<SafeMode>) -> Self {
        ReconcileView {
            needs_relink: r.needs_relink,
            orphans: r.orphans,
            problem: r.problem.map(IpcError::from),
            notice,
            safe_mode,
        }
    }
}

/// Whether the keychain could store a key now (`ready`, `locked`, `absent`).
#[derive(Debug, Clone, Serialize)]
pub struct KeychainView {
    /// The keychain's state.
    pub state: Readiness,
}

/// What the window knows of the desktop.
#[derive(Debug, Clone, Serialize)]
pub struct DesktopView {
    /// Whether a tray icon shows Keystep (a tray host answered at start).
    pub tray: bool,
    /// The desktop's interface font family (`font::desktop_family`), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub font: Option<String>,
}

/// Types a command may return. Each is built field by field from metadata that holds no
/// secret (ids, labels, identity, statuses, times); `Secret` has no `Serialize` at all.
/// `tests/app` reads `commands.rs` and fails if a command returns anything else.
pub const SECRET_FREE_RETURNS: &[&str] = &[
    "Vec<ProviderView>",
    "AccountView",
    "Vec<AccountView>",
    "ReconcileView",
    "SettingsView",
    "Vec<CheckView>",
    "FieldsPreview",
    "KeychainView",
    "DesktopView",
    "Vec<HostOverrideView>",
    "UseView",
    "Vec<LastUse>",
    "AssistantView",
    "()",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_have_the_documented_shape() {
        let e = IpcError::new(Code::BadCredentials, "Try again.");
        let json = serde_json::to_value(&e).expect("serializes");
        assert_eq!(
            json,
            serde_json::json!({"code": "bad_credentials", "message": "Try again."}),
            "empty extras are left out"
        );
    }
}
