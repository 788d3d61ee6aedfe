//! The strict schema of a provider file: every table and key it may hold (its `[[checks]]`
//! are in `checks`), parsed with unknown keys rejected, and the small readings of it the
//! rest of Keystep asks for (a field by key, the host a check talks to, a template's
//! placeholders).

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::error::Code;
use crate::pace::Pace;

use super::auth::Auth;
use super::checks::{Check, StatusRule};
use super::lifetime::Lifetime;
use super::reads::ReadRequest;

/// One HR or recruiting system Keystep can link.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provider {
    /// Stable kebab-case id; it appears in keychain item names and the account book.
    pub id: String,
    /// Display name, in the provider's own spelling.
    pub name: String,
    /// What kind of system it is.
    pub category: Category,
    /// Other names people call the system by (HiBob's "Bob", Greenhouse's API "Harvest"):
    /// the picker's search finds the system by them. Not translated: they are names.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// What the person will need to paste, in a few words ("API token").
    pub needs: String,
    /// One line saying what the system is.
    pub summary: String,
    /// What the person must have before starting (role, plan).
    pub prerequisite: String,
    /// How to revoke a key in the provider, in its menu words: shown after forgetting an
    /// account and after replacing a key, so the old one stops working everywhere.
    pub revoke: String,
    /// A warning shown before the guide when replacing a key (JazzHR's "Generate New Key"
    /// breaks the old key at once).
    #[serde(default)]
    pub rotate_warning: Option<String>,
    /// How hard background checks may lean on the API, across all its accounts.
    #[serde(default)]
    pub pace: Pace,
    /// How long the provider's keys live (`lifetime = { rule = "no_expiry" }`, `fixed_days`,
    /// `chosen_expiry`, `dies_unused`): every file says, and the tray and the window warn
    /// ahead of the end.
    pub lifetime: Lifetime,
    /// The vendor's own documentation of the credential.
    pub docs_url: String,
    /// Named base URLs (`"api"` → `"https://app.humaans.io/api"`). Overridable per host through
    /// `KEYSTEP_<PROVIDER>_<HOST>_URL`; may contain `{field}` placeholders.
    pub hosts: BTreeMap<String, String>,
    /// Where the secret goes on each authenticated request.
    pub auth: Auth,
    /// Fixed headers every request carries (Teamtailor's `X-Api-Version`, Ashby's versioned
    /// `Accept`): not secret, no placeholders.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Hosts that are the provider's sandbox (HiBob's, Deel's): an account whose key was
    /// verified against one is labelled "sandbox" wherever it is shown.
    #[serde(default)]
    pub sandbox_hosts: Vec<String>,
    /// Where the provider's JSON says a permission is missing whatever the status (Ashby's
    /// `errorInfo.code = "missing_endpoint_permission"`, on a 403 or even a 200): such an
    /// answer shows the check's `needs` missing, and any other 403 keeps its own meaning.
    #[serde(default)]
    pub permission_error: Vec<JsonMatch>,
    /// A response header only the provider's API sets (BambooHR's
    /// `x-bamboohr-error-message`): an answer carrying it is the provider's own word even
    /// when its body is empty, so it may judge a key as JSON would.
    #[serde(default)]
    pub own_header: Option<String>,
    /// What the person fills in, in form order.
    pub fields: Vec<Field>,
    /// The guide, in order.
    pub steps: Vec<Step>,
    /// Every scope or permission Keystep knows for this provider's keys.
    #[serde(default)]
    pub permissions: Permissions,
    /// What a key may be for, each with the permissions it needs (`read` and `full` at least).
    pub purposes: Vec<KeyPurpose>,
    /// Status reactions that hold for every check (a firewall in front of the whole API, a
    /// rate-limit status); a check's own `on_status` entry for the same status wins.
    #[serde(default)]
    pub on_status: BTreeMap<String, StatusRule>,
    /// The verification chain, run in order.
    pub checks: Vec<Check>,
    /// Requests that only read although their method is not GET (HiBob's
    /// `POST /people/search`): `keystep run`'s proxy lets them through without
    /// `--allow-write`.
    #[serde(default)]
    pub reads: Vec<ReadRequest>,
    /// How to describe a verified account.
    pub identity: IdentitySpec,
    /// Provider-specific messages per outcome code, overriding the generic ones. They may
    /// use `{provider}`, `{missing}`, `{retry}` and non-secret fields such as `{subdomain}`.
    #[serde(default)]
    pub messages: BTreeMap<Code, String>,
    /// Behaviour that data cannot express.
    #[serde(default)]
    pub hook: Option<Hook>,
    /// Where the people are and how the common fields are read (`keystep mcp`; `people.rs`).
    #[serde(default)]
    pub people: Option<super::people::Listing<super::people::PersonFields>>,
    /// A recruiting system's candidates, read like people.
    #[serde(default)]
    pub candidates: Option<super::people::Listing<super::people::CandidateFields>>,
    /// The fields and paths of each sensitive category, withheld from assistants unless
    /// allowed for the account.
    #[serde(default)]
    pub sensitive: BTreeMap<super::people::FieldCategory, super::people::SensitiveRule>,
    /// Free text written by people outside the company, marked as untrusted when returned.
    #[serde(default)]
    pub untrusted: Option<super::people::UntrustedRule>,
    /// Translations by language code (`fr`), as written: tables whose dotted keys name the
    /// texts they translate (see [`Provider::localized`]). Every language Keystep speaks
    /// besides English must be there, complete.
    #[serde(default)]
    pub locales: BTreeMap<String, toml::Table>,
}

/// The kind of system, shown in the picker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    /// HR information system.
    Hris,
    /// Applicant tracking system.
    Ats,
}

/// One input of the credential form.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    /// Stable key (snake_case); the name the form and the CLI use.
    pub key: String,
    /// Label shown beside the input.
    pub label: String,
    /// One or two sentences under the input.
    pub help: String,
    /// Secret fields go to the keychain only; the others are account metadata.
    #[serde(default)]
    pub secret: bool,
    /// How pasted text is cleaned up before it is checked.
    #[serde(default)]
    pub kind: FieldKind,
    /// A placeholder showing the expected shape (never a real value).
    pub example: String,
    /// A regular expression the cleaned value usually matches. A mismatch is a note, not an
    /// error, because vendors change formats.
    #[serde(default)]
    pub usual_pattern: Option<String>,
    /// For [`FieldKind::Subdomain`]: the vendor's domain, stripped from pasted host names.
    #[serde(default)]
    pub domain: Option<String>,
    /// For [`FieldKind::Choice`]: the options, in display order.
    #[serde(default)]
    pub options: Vec<Choice>,
    /// For [`FieldKind::Choice`]: the option's value used when nothing was chosen (a form
    /// that does not know choices yet sends an empty value).
    #[serde(default)]
    pub default: Option<String>,
    /// The shape of a credential the provider retired (Greenhouse's Harvest v1/v2 keys):
    /// a pasted value of that shape gets its own sentence, when pasted and when refused.
    #[serde(default)]
    pub retired: Option<Retired>,
}

/// A retired kind of credential a field may still receive.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Retired {
    /// The retired credential's usual pattern (the `usual_pattern` subset).
    pub pattern: String,
    /// What to tell the person: what was retired, when, and what to use instead.
    pub note: String,
}

/// A value the provider's JSON holds at a pointer.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JsonMatch {
    /// A JSON pointer.
    pub pointer: String,
    /// The text it must hold.
    pub equals: String,
}

/// One option of a [`FieldKind::Choice`] field.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    /// What is stored in the account book (kebab- or snake-case).
    pub value: String,
    /// What the person sees.
    pub label: String,
    /// The named host this option selects, for checks whose `host` is `{field}`.
    #[serde(default)]
    pub host: Option<String>,
    /// For the field of a `chosen_expiry` lifetime: how many days a key made with this
    /// option lives.
    #[serde(default)]
    pub days: Option<u32>,
}

/// How a field's value is normalized (see `input`). Serializable so the shell can tell
/// the form which input to draw (a choice is a select, not a text box).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// A token or key: trimmed, unquoted, a pasted `Bearer ` removed, no inner spaces.
    #[default]
    Token,
    /// An identifier such as a service user ID: trimmed and unquoted.
    Identifier,
    /// A tenant subdomain: reduced to one DNS label from whatever was pasted.
    Subdomain,
    /// One of a fixed set of `options` (an environment such as production or sandbox).
    Choice,
}

/// One step of the guide.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Stable id, used to open the step's link.
    pub id: String,
    /// Short imperative title.
    pub title: String,
    /// What to do, in the provider's own menu words.
    pub body: String,
    /// A page of the provider's to open; the UI only ever names the step, never the URL.
    #[serde(default, skip_serializing)]
    pub link: Option<String>,
    /// The button text for the link.
    #[serde(default)]
    pub link_label: Option<String>,
    /// Permissions or scopes to tick at this step, in the provider's own words.
    #[serde(default)]
    pub checklist: Vec<String>,
    /// A warning to show prominently ("shown only once").
    #[serde(default)]
    pub warning: Option<String>,
    /// Set on the one step where the person copies the secret: whether the provider shows
    /// it there only once or whenever asked. The window points a refused key at this step
    /// and, for [`SecretShown::Once`], says to make a new key instead of copying it again.
    #[serde(default)]
    pub secret_shown: Option<SecretShown>,
}

/// How often a provider shows a secret (`docs/providers/<id>.md` holds the fact).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SecretShown {
    /// Only when it is created: a lost secret is replaced by a new one (or a reset).
    Once,
    /// Whenever the person opens the page again (JazzHR's one key per account).
    Anytime,
}

/// One purpose of a provider's keys.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct KeyPurpose {
    /// Stable kebab-case id (`read`, `full`, `recruiting-read`): stored with the account.
    pub id: String,
    /// A short name for the choice ("Read only").
    pub label: String,
    /// One sentence on what a key for this purpose allows.
    pub summary: String,
    /// The permissions this purpose needs, each one of `permissions.required`, in its order.
    #[serde(default)]
    pub permissions: Vec<String>,
}

/// The permissions a credential needs.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Permissions {
    /// Required scope or permission names, in the provider's own words.
    #[serde(default)]
    pub required: Vec<String>,
    /// Required names no source but the original guide confirms exist at the provider
    /// (`docs/providers/<id>.md`). The guide shows them with a note to skip them if the
    /// provider's screen does not offer them, and verification never reports them missing:
    /// a key must not fail for a permission nobody may be able to give.
    #[serde(default)]
    pub unconfirmed: Vec<String>,
    /// The label the provider's screen shows for a permission whose name is an id (Humaans'
    /// "View public data" for `public:read`): shown with the id beside it.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
}

impl Permissions {
    /// Whether verification may report `name` missing.
    pub fn confirmed(&self, name: &str) -> bool {
        !self.unconfirmed.iter().any(|u| u == name)
    }

    /// `name` as a person reads it: the screen's label with the id beside it, or the name.
    pub fn shown(&self, name: &str) -> String {
        match self.labels.get(name) {
            Some(label) => format!("{label} ({name})"),
            None => name.to_string(),
        }
    }
}

/// How a verified account is described. Templates use captures and fields.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentitySpec {
    /// The company or tenant name.
    #[serde(default)]
    pub company: Option<String>,
    /// The number of people or records visible.
    #[serde(default)]
    pub head_count: Option<String>,
    /// The page size of the list `head_count` counts, when only its first page is read
    /// (JazzHR's users come 100 a page): a count that reaches it means "at least that many".
    #[serde(default)]
    pub head_count_page: Option<u64>,
    /// Who the credential acts as.
    #[serde(default)]
    pub user: Option<String>,
    /// What makes two credentials reach the same place (company id, subdomain, service user):
    /// the tenant key that keeps one tenant from being linked twice and a relink from
    /// switching companies. Non-secret fields and captures only, at least one placeholder.
    /// A provider without one (JazzHR names no account in its API) is matched by its key.
    #[serde(default)]
    pub tenant: Option<String>,
    /// Success lines, tried in order; the first whose placeholders are all known is used.
    pub success: Vec<String>,
}

/// Named Rust behaviour for what data cannot express.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Hook {}

impl Provider {
    /// The field with this key.
    pub fn field(&self, key: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.key == key)
    }

    /// Whether the provider's answers name the company a key reaches (`identity.company`).
    /// Where they cannot (HiBob, JazzHR), an account is named after its user unless the
    /// person names it, so the window and `keystep link` ask for a name.
    pub fn names_company(&self) -> bool {
        self.identity.company.is_some()
    }

    /// The named host a check talks to, given the chosen options of choice fields (`None`
    /// when a choice field's value is unknown, which validated input never is).
    pub fn host_of<'a>(
        &'a self,
        check: &'a Check,
        chosen: impl Fn(&str) -> Option<String>,
    ) -> Option<&'a str> {
        match host_selector(&check.host) {
            None => Some(&check.host),
            Some(field) => {
                let value = chosen(field)?;
                self.field(field)?
                    .options
                    .iter()
                    .find(|o| o.value == value)?
                    .host
                    .as_deref()
            }
        }
    }

    /// Whether a key verified against these named hosts is a sandbox's.
    pub fn is_sandbox<'a>(&self, hosts: impl IntoIterator<Item = &'a String>) -> bool {
        hosts.into_iter().any(|h| self.sandbox_hosts.contains(h))
    }

    /// When a key made at `now` with these field values stops working, as far as the
    /// lifetime rule knows: `days` after `now`, the days of the chosen option, or the expiry
    /// a check `captured` (Unix seconds). `None` when no end is known.
    pub fn key_expiry(
        &self,
        fields: &BTreeMap<String, String>,
        captured: Option<u64>,
        now: u64,
    ) -> Option<u64> {
        const DAY: u64 = 86_400;
        match &self.lifetime {
            Lifetime::FixedDays { days } => Some(now + u64::from(*days) * DAY),
            Lifetime::ChosenExpiry { field, .. } => captured.or_else(|| {
                let field = self.field(field.as_deref()?)?;
                let chosen = fields.get(&field.key)?;
                let days = field.options.iter().find(|o| &o.value == chosen)?.days?;
                Some(now + u64::from(days) * DAY)
            }),
            Lifetime::NoExpiry { .. } | Lifetime::DiesUnused { .. } => None,
        }
    }

    /// The environment variable that overrides a named host's base URL.
    pub fn host_override_var(&self, host: &str) -> String {
        format!(
            "KEYSTEP_{}_{}_URL",
            self.id.replace('-', "_").to_uppercase(),
            host.replace('-', "_").to_uppercase()
        )
    }
}

/// The field named by a check's `host = "{field}"`, if it is one.
pub(super) fn host_selector(host: &str) -> Option<&str> {
    host.strip_prefix('{').and_then(|h| h.strip_suffix('}'))
}
