//! What crosses IPC: the `{code, message}` error and the views of providers and accounts.
//!
//! Views are built from core types and carry no secret by construction: a provider's step
//! links stay in Rust (the UI opens them by step id), and accounts hold no secret at all.
//! A provider's view is built from a localized copy (`Provider::localized`), so every text in
//! it is in the language the window asked for; the placeholders in `messages` and `success`
//! are left for the window to fill.

use std::collections::BTreeMap;

use serde::Serialize;

use keystep_core::account::{Account, LinkError, Linked, Reconciliation, Status};
use keystep_core::provider::{Category, Check, FieldKind, Provider, Step};
use keystep_core::vault::ItemRef;
use keystep_core::verify::{Identity, PermissionReport};
use keystep_core::Code;

/// An error as the UI receives it. The UI branches on `code` only.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct IpcError {
    /// One of the closed set of codes.
    pub code: Code,
    /// What happened and what to do next, for the person.
    pub message: String,
    /// For `missing_permission`: what is missing, in the provider's words.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<String>,
    /// For `rate_limited`/`blocked`: seconds until a retry makes sense.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after_secs: Option<u64>,
    /// For `invalid_input`: the field at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// For `already_linked`: the account that already reaches this company.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
}

impl IpcError {
    /// An error with only a code and a message.
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        IpcError {
            code,
            message: message.into(),
            missing: Vec::new(),
            retry_after_secs: None,
            field: None,
            account_id: None,
        }
    }
}

impl From<LinkError> for IpcError {
    fn from(e: LinkError) -> Self {
        let mut out = IpcError::new(e.code(), e.to_string());
        out.account_id = e.existing_account().map(str::to_string);
        match e {
            LinkError::Verification(report) => {
                out.missing = report.permissions.missing;
                out.retry_after_secs = report.retry_after_secs;
            }
            LinkError::Input(input) => out.field = Some(input.field),
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
    needs: String,
    summary: String,
    prerequisite: String,
    revoke: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    rotate_warning: Option<String>,
    fields: Vec<FieldView>,
    steps: Vec<Step>,
    /// The verification chain's lines, by check id, for `link-progress` events.
    checks: Vec<CheckView>,
    /// The provider's own advice per outcome code; `{provider}`, `{missing}`, `{retry}` and
    /// non-secret field keys are left for the window to fill.
    messages: BTreeMap<Code, String>,
    /// Success lines, tried in order: the first whose `{company}`, `{head_count}` and
    /// `{user}` are all known is used; the last has no placeholder.
    success: Vec<String>,
}

/// One check of the chain as the window names it while it runs.
#[derive(Debug, Clone, Serialize)]
pub struct CheckView {
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
            id: p.id.clone(),
            name: p.name.clone(),
            category: p.category,
            needs: p.needs.clone(),
            summary: p.summary.clone(),
            prerequisite: p.prerequisite.clone(),
            revoke: p.revoke.clone(),
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
                })
                .collect(),
            steps: p.steps.clone(),
            checks: p
                .checks
                .iter()
                .map(|c| CheckView {
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
    provider: String,
    provider_name: String,
    label: String,
    company: Option<String>,
    head_count: Option<u64>,
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
    #[serde(skip_serializing_if = "Vec::is_empty")]
    notes: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stored_in: Option<String>,
}

impl AccountView {
    /// The view of a stored account.
    pub fn of(a: &Account, provider_name: &str) -> Self {
        let Identity {
            company,
            head_count,
            user,
        } = a.identity.clone();
        AccountView {
            id: a.id.clone(),
            provider: a.provider.clone(),
            provider_name: provider_name.to_string(),
            label: a.label.clone(),
            company,
            head_count,
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
            notes: Vec::new(),
            stored_in: None,
        }
    }

    /// The view of a freshly linked account, with its notes and storage place.
    pub fn linked(l: Linked, provider_name: &str) -> Self {
        let mut v = Self::of(&l.account, provider_name);
        v.notes = l.notes;
        v.stored_in = Some(l.stored_in);
        v
    }
}

/// What start-up reconciliation found, for the notice on the accounts page.
#[derive(Debug, Clone, Serialize)]
pub struct ReconcileView {
    needs_relink: Vec<String>,
    orphans: Vec<ItemRef>,
    problem: Option<IpcError>,
    notice: Option<String>,
}

impl ReconcileView {
    /// The view of a reconciliation, with the start-up notice if any.
    pub fn of(r: Reconciliation, notice: Option<String>) -> Self {
        ReconcileView {
            needs_relink: r.needs_relink,
            orphans: r.orphans,
            problem: r.problem.map(IpcError::from),
            notice,
        }
    }
}

/// Types a command may return. Each is built field by field from metadata that holds no
/// secret (ids, labels, identity, statuses, times); `Secret` has no `Serialize` at all.
/// `tests/app` reads `commands.rs` and fails if a command returns anything else.
pub const SECRET_FREE_RETURNS: &[&str] = &[
    "Vec<ProviderView>",
    "AccountView",
    "Vec<AccountView>",
    "ReconcileView",
    "FieldsPreview",
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
