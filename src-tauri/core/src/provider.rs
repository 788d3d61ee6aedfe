//! Providers as data: the strict schema of a provider file and the [`Catalogue`] of them.
//!
//! Each HR system is one TOML file in `providers/`, embedded in the binary and parsed with
//! unknown keys rejected, so a typo in a provider file fails a test instead of silently
//! changing behaviour. A file says everything Keystep needs: the fields a person fills in,
//! the guide they follow, how to authenticate, the chain of [`Check`]s that verifies a
//! credential, how to read identity out of the answers, and the permissions required.
//! What data cannot say goes into a named [`Hook`].
//!
//! A file is written in English and carries its own translations in `[locales.<lang>]`
//! tables whose keys are dotted paths to the prose a person reads (`steps.sign-in.title`,
//! `fields.api_key.help`, `messages.bad_credentials`). They are held to the same strictness
//! as the rest: an unknown path, a missing translation or a changed `{placeholder}` stops
//! the catalogue from loading. Names, scope and permission names, and URLs stay as written.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use crate::error::Code;
use crate::lang::Lang;
use crate::pace::Pace;

/// The provider files shipped in the binary, in display order.
const EMBEDDED: &[(&str, &str)] = &[
    ("payfit", include_str!("providers/payfit.toml")),
    ("hibob", include_str!("providers/hibob.toml")),
    ("humaans", include_str!("providers/humaans.toml")),
    ("jazzhr", include_str!("providers/jazzhr.toml")),
    ("namely", include_str!("providers/namely.toml")),
];

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
    /// How long the provider's keys live, in days, when it says (Namely's tokens: about two
    /// years): the accounts page warns ahead of the expiry.
    #[serde(default)]
    pub key_lifetime_days: Option<u32>,
    /// The vendor's own documentation of the credential.
    pub docs_url: String,
    /// Named base URLs (`"api"` → `"https://app.humaans.io/api"`). Overridable per host through
    /// `KEYSTEP_<PROVIDER>_<HOST>_URL`; may contain `{field}` placeholders.
    pub hosts: BTreeMap<String, String>,
    /// Where the secret goes on each authenticated request.
    pub auth: Auth,
    /// What the person fills in, in form order.
    pub fields: Vec<Field>,
    /// The guide, in order.
    pub steps: Vec<Step>,
    /// The scopes or permissions a linked credential must have.
    #[serde(default)]
    pub permissions: Permissions,
    /// Status reactions that hold for every check (a firewall in front of the whole API, a
    /// rate-limit status); a check's own `on_status` entry for the same status wins.
    #[serde(default)]
    pub on_status: BTreeMap<String, StatusRule>,
    /// The verification chain, run in order.
    pub checks: Vec<Check>,
    /// How to describe a verified account.
    pub identity: IdentitySpec,
    /// Provider-specific messages per outcome code, overriding the generic ones. They may
    /// use `{provider}`, `{missing}`, `{retry}` and non-secret fields such as `{subdomain}`.
    #[serde(default)]
    pub messages: BTreeMap<Code, String>,
    /// Behaviour that data cannot express.
    #[serde(default)]
    pub hook: Option<Hook>,
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

/// How the secret is attached to a request. Values name fields.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "scheme", rename_all = "lowercase", deny_unknown_fields)]
pub enum Auth {
    /// `Authorization: Bearer <token>`.
    Bearer {
        /// The field holding the token.
        token: String,
    },
    /// `Authorization: Basic base64(username:password)`.
    Basic {
        /// The field holding the user name.
        username: String,
        /// The field holding the password.
        password: String,
    },
    /// The key as a query parameter (it ends up in URLs, so URLs are redacted in logs).
    Query {
        /// The query parameter's name.
        param: String,
        /// The field holding the key.
        value: String,
    },
}

impl Auth {
    /// The fields the scheme reads.
    pub fn fields(&self) -> Vec<&str> {
        match self {
            Auth::Bearer { token } => vec![token],
            Auth::Basic { username, password } => vec![username, password],
            Auth::Query { value, .. } => vec![value],
        }
    }

    /// The query parameter that carries a secret, if any.
    pub fn secret_query_param(&self) -> Option<&str> {
        match self {
            Auth::Query { param, .. } => Some(param),
            _ => None,
        }
    }
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
}

/// The permissions a credential needs.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Permissions {
    /// Required scope or permission names, in the provider's own words.
    #[serde(default)]
    pub required: Vec<String>,
}

/// One request of the verification chain.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Check {
    /// Stable id, for tests and logs.
    pub id: String,
    /// What the user sees while it runs ("Reading company details…").
    pub doing: String,
    /// HTTP method.
    #[serde(default)]
    pub method: Method,
    /// Which named host, or `{field}`: the host named by the chosen option of a choice field.
    pub host: String,
    /// Path below the host's base; `{name}` placeholders take field values or captures.
    pub path: String,
    /// Query parameters; values may hold placeholders.
    #[serde(default)]
    pub query: BTreeMap<String, String>,
    /// Whether to authenticate (`false` for public endpoints).
    #[serde(default = "yes")]
    pub auth: bool,
    /// A request body.
    #[serde(default)]
    pub body: Option<Body>,
    /// Run only when every capture named here is known.
    #[serde(default)]
    pub when: Vec<String>,
    /// Skip when any capture named here is known (fallback probes).
    #[serde(default)]
    pub unless: Vec<String>,
    /// Scopes/permissions this request proves on success and reports missing on 403.
    #[serde(default)]
    pub needs: Vec<String>,
    /// Status codes that mean something specific here (e.g. `404 = "skip"`, `406 = "rate_limited"`).
    #[serde(default)]
    pub on_status: BTreeMap<String, StatusRule>,
    /// What a successful answer that is not JSON means (default: unexpected_response).
    #[serde(default)]
    pub on_not_json: Option<Reaction>,
    /// What a failed DNS lookup of the host means (default: unreachable).
    #[serde(default)]
    pub on_dns_failure: Option<Reaction>,
    /// Conditions a successful answer must meet.
    #[serde(default)]
    pub expect: Vec<Expect>,
    /// Values to read out of a successful answer, by name.
    #[serde(default)]
    pub capture: BTreeMap<String, Capture>,
}

fn yes() -> bool {
    true
}

/// HTTP method of a check.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    /// GET.
    #[default]
    Get,
    /// POST.
    Post,
}

/// A request body: named values, sent as JSON, optionally re-sent form-encoded.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Body {
    /// Encoding of the first attempt.
    #[serde(default)]
    pub encoding: Encoding,
    /// Body members (any JSON for JSON bodies, strings for form bodies); string values
    /// may hold placeholders, secret fields included.
    pub values: serde_json::Map<String, serde_json::Value>,
    /// Statuses after which the body is re-sent form-encoded, once.
    #[serde(default)]
    pub retry_as_form_on: Vec<u16>,
}

/// Body encoding.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    /// `application/json`.
    #[default]
    Json,
    /// `application/x-www-form-urlencoded`.
    Form,
}

/// What a status or answer means for the chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reaction {
    /// Go on as if the check was not there (e.g. an optional endpoint that is missing).
    Skip,
    /// Stop with this outcome.
    BadCredentials,
    /// Stop with this outcome.
    MissingPermission,
    /// Stop with this outcome.
    WrongTenant,
    /// Stop with this outcome.
    RateLimited,
    /// Stop with this outcome.
    Blocked,
    /// Stop with this outcome.
    ProviderError,
    /// Stop with this outcome.
    UnexpectedResponse,
}

impl Reaction {
    /// The outcome code, or `None` for [`Reaction::Skip`].
    pub fn code(self) -> Option<Code> {
        Some(match self {
            Reaction::Skip => return None,
            Reaction::BadCredentials => Code::BadCredentials,
            Reaction::MissingPermission => Code::MissingPermission,
            Reaction::WrongTenant => Code::WrongTenant,
            Reaction::RateLimited => Code::RateLimited,
            Reaction::Blocked => Code::Blocked,
            Reaction::ProviderError => Code::ProviderError,
            Reaction::UnexpectedResponse => Code::UnexpectedResponse,
        })
    }
}

/// What a status means: a reaction, or a reaction that depends on whether the body is JSON.
///
/// `403 = "missing_permission"` is the short form. The long form tells a provider's own error
/// (JSON) from a firewall's page (HTML or nothing): `403 = { not_json = "blocked",
/// retry_after = 300 }` reacts only to non-JSON bodies and leaves JSON ones to the default
/// handling. `retry_after` is the wait assumed when the answer names none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum StatusRule {
    /// This reaction, whatever the body.
    Always(Reaction),
    /// Reactions by body kind, and a default wait.
    Detailed(StatusDetail),
}

/// The long form of a [`StatusRule`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusDetail {
    /// The reaction for any body (unless `not_json` applies).
    #[serde(default)]
    pub then: Option<Reaction>,
    /// The reaction when the body is not JSON (empty, HTML, text).
    #[serde(default)]
    pub not_json: Option<Reaction>,
    /// Seconds to wait when neither `Retry-After` nor a reset header says.
    #[serde(default)]
    pub retry_after: Option<u64>,
}

impl StatusRule {
    /// The reaction for an answer whose body is (or is not) JSON; `None` leaves the status
    /// to the engine's default handling.
    pub fn reaction(&self, body_is_json: bool) -> Option<Reaction> {
        match self {
            StatusRule::Always(r) => Some(*r),
            StatusRule::Detailed(d) => match (body_is_json, d.not_json) {
                (false, Some(r)) => Some(r),
                _ => d.then,
            },
        }
    }

    /// The wait assumed when the answer names none.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            StatusRule::Always(_) => None,
            StatusRule::Detailed(d) => d.retry_after,
        }
    }

    fn reactions(&self) -> Vec<Reaction> {
        match self {
            StatusRule::Always(r) => vec![*r],
            StatusRule::Detailed(d) => d.then.into_iter().chain(d.not_json).collect(),
        }
    }
}

/// A condition on a successful answer.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// JSON pointer into the answer ("" is the whole answer).
    pub pointer: String,
    /// The value must equal this (a string may hold placeholders).
    #[serde(default)]
    pub equals: Option<serde_json::Value>,
    /// The value must be a non-empty array or object.
    #[serde(default)]
    pub non_empty: bool,
    /// When the pointer finds nothing, the condition holds (instead of failing).
    #[serde(default)]
    pub optional: bool,
    /// The pointer must find nothing (an `{"error": …}` member in a 200 answer, say).
    #[serde(default)]
    pub absent: bool,
    /// The outcome when the condition fails.
    pub otherwise: Reaction,
    /// Required permissions this condition decides (with `otherwise =
    /// "missing_permission"`): when it holds they are proven; when it fails they are reported
    /// missing and the chain goes on, as after a 403 on a probe, so one run names everything
    /// that is missing.
    #[serde(default)]
    pub missing: Vec<String>,
    /// A sentence added to the message when the condition fails.
    #[serde(default)]
    pub hint: Option<String>,
}

/// A value read out of an answer.
///
/// A pointer (`"/name"`), several pointers tried in order (`["/0/email", "/email"]`, for APIs
/// that answer one record as an object and several as an array), or a table with a reading.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Capture {
    /// A JSON pointer whose value is read as text.
    Pointer(String),
    /// JSON pointers tried in order, read as text; the first that yields a value wins.
    FirstOf(Vec<String>),
    /// Pointers with an explicit reading.
    Read(CaptureRead),
}

/// The table form of a [`Capture`].
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaptureRead {
    /// One JSON pointer, or several tried in order ("" is the whole answer).
    pub pointer: Pointers,
    /// How to read it.
    #[serde(rename = "as")]
    pub read_as: ReadAs,
}

/// One pointer or several, tried in order.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Pointers {
    /// One pointer.
    One(String),
    /// Several, the first that yields a value wins.
    FirstOf(Vec<String>),
}

impl Capture {
    /// The pointers, in the order they are tried.
    pub fn pointers(&self) -> Vec<&str> {
        match self {
            Capture::Pointer(p)
            | Capture::Read(CaptureRead {
                pointer: Pointers::One(p),
                ..
            }) => vec![p.as_str()],
            Capture::FirstOf(ps)
            | Capture::Read(CaptureRead {
                pointer: Pointers::FirstOf(ps),
                ..
            }) => ps.iter().map(String::as_str).collect(),
        }
    }

    /// How the value is read.
    pub fn read_as(&self) -> ReadAs {
        match self {
            Capture::Pointer(_) | Capture::FirstOf(_) => ReadAs::Text,
            Capture::Read(r) => r.read_as,
        }
    }
}

/// How a captured JSON value is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReadAs {
    /// A string or number, as text.
    Text,
    /// An array of strings.
    List,
    /// A string of space-separated words (OAuth `scope`), or an array of strings.
    Words,
    /// How many records: an array's length, or 1 for a lone object (JazzHR's quirk).
    Count,
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

/// A problem in a provider file, found when the catalogue loads.
#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    /// The TOML did not parse or did not match the schema.
    #[error("provider file {file}: {source}")]
    Parse {
        /// The file's id.
        file: String,
        /// The parser's complaint.
        #[source]
        source: toml::de::Error,
    },
    /// The file parsed but is inconsistent.
    #[error("provider file {file}: {problem}")]
    Invalid {
        /// The file's id.
        file: String,
        /// What is wrong.
        problem: String,
    },
}

/// All providers Keystep knows, loaded from the embedded files.
#[derive(Debug, Clone)]
pub struct Catalogue {
    providers: Vec<Provider>,
}

impl Catalogue {
    /// Parses and validates the embedded provider files.
    ///
    /// # Errors
    /// A file that does not parse or is inconsistent; tests keep this from shipping.
    pub fn embedded() -> Result<Self, CatalogueError> {
        Self::from_sources(EMBEDDED)
    }

    /// Parses and validates provider files given as `(id, toml)` pairs.
    ///
    /// # Errors
    /// See [`Catalogue::embedded`].
    pub fn from_sources(sources: &[(&str, &str)]) -> Result<Self, CatalogueError> {
        let mut providers = Vec::with_capacity(sources.len());
        for (file, text) in sources {
            let provider: Provider =
                toml::from_str(text).map_err(|source| CatalogueError::Parse {
                    file: (*file).to_string(),
                    source,
                })?;
            validate(file, &provider).map_err(|problem| CatalogueError::Invalid {
                file: (*file).to_string(),
                problem,
            })?;
            providers.push(provider);
        }
        Ok(Catalogue { providers })
    }

    /// Every provider, in display order.
    pub fn all(&self) -> &[Provider] {
        &self.providers
    }

    /// The provider with this id.
    pub fn get(&self, id: &str) -> Option<&Provider> {
        self.providers.iter().find(|p| p.id == id)
    }
}

impl Provider {
    /// A copy with every text a person reads in `lang`, from the file's `[locales]` table.
    ///
    /// The catalogue only holds validated files, whose translations are complete; should a
    /// text have none anyway, it stays in English rather than go blank.
    pub fn localized(&self, lang: Lang) -> Provider {
        let mut out = self.clone();
        if lang == Lang::En {
            return out;
        }
        let Some(Ok(translations)) = self.locales.get(lang.code()).map(flatten_locale) else {
            return out;
        };
        visit_texts(&mut out, |path, text| {
            if let Some(t) = translations.get(path) {
                text.clone_from(t);
            }
        });
        out
    }

    /// Every translatable text as `(path, English text)`, in file order.
    pub fn texts(&self) -> Vec<(String, String)> {
        let mut copy = self.clone();
        let mut out = Vec::new();
        visit_texts(&mut copy, |path, text| {
            out.push((path.to_string(), text.clone()))
        });
        out
    }

    /// The field with this key.
    pub fn field(&self, key: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.key == key)
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

    /// The environment variable that overrides a named host's base URL.
    pub fn host_override_var(&self, host: &str) -> String {
        format!(
            "KEYSTEP_{}_{}_URL",
            self.id.replace('-', "_").to_uppercase(),
            host.replace('-', "_").to_uppercase()
        )
    }
}

/// Calls `f` with the dotted path and a mutable reference of every text a person reads.
/// Names, checklists and permissions (the provider's own words), URLs, ids and templates
/// made only of placeholders are not visited: they are never translated.
fn visit_texts(p: &mut Provider, mut f: impl FnMut(&str, &mut String)) {
    f("needs", &mut p.needs);
    f("summary", &mut p.summary);
    f("prerequisite", &mut p.prerequisite);
    f("revoke", &mut p.revoke);
    if let Some(w) = &mut p.rotate_warning {
        f("rotate_warning", w);
    }
    for field in &mut p.fields {
        let base = format!("fields.{}", field.key);
        f(&format!("{base}.label"), &mut field.label);
        f(&format!("{base}.help"), &mut field.help);
        f(&format!("{base}.example"), &mut field.example);
        for o in &mut field.options {
            f(&format!("{base}.options.{}", o.value), &mut o.label);
        }
    }
    for step in &mut p.steps {
        let base = format!("steps.{}", step.id);
        f(&format!("{base}.title"), &mut step.title);
        f(&format!("{base}.body"), &mut step.body);
        if let Some(l) = &mut step.link_label {
            f(&format!("{base}.link_label"), l);
        }
        if let Some(w) = &mut step.warning {
            f(&format!("{base}.warning"), w);
        }
    }
    for check in &mut p.checks {
        let base = format!("checks.{}", check.id);
        f(&format!("{base}.doing"), &mut check.doing);
        for (n, e) in check.expect.iter_mut().enumerate() {
            if let Some(h) = &mut e.hint {
                f(&format!("{base}.expect.{n}.hint"), h);
            }
        }
    }
    for (n, line) in p.identity.success.iter_mut().enumerate() {
        f(&format!("identity.success.{n}"), line);
    }
    for (code, text) in &mut p.messages {
        f(&format!("messages.{}", code.as_str()), text);
    }
}

/// A `[locales.<lang>]` table as `path → text`: nested tables and dotted keys both become
/// dotted paths, so a file may write `steps.sign-in.title = …` or a `[locales.fr.steps]`
/// table alike.
fn flatten_locale(table: &toml::Table) -> Result<BTreeMap<String, String>, String> {
    fn walk(
        prefix: &str,
        table: &toml::Table,
        out: &mut BTreeMap<String, String>,
    ) -> Result<(), String> {
        for (key, value) in table {
            let path = if prefix.is_empty() {
                key.clone()
            } else {
                format!("{prefix}.{key}")
            };
            match value {
                toml::Value::String(s) => {
                    out.insert(path, s.clone());
                }
                toml::Value::Table(t) => walk(&path, t, out)?,
                _ => return Err(format!("`{path}` must be a text")),
            }
        }
        Ok(())
    }
    let mut out = BTreeMap::new();
    walk("", table, &mut out)?;
    Ok(out)
}

/// The `{name}` placeholders in a template, in order.
pub fn placeholders(template: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) => {
                out.push(&after[..end]);
                rest = &after[end + 1..];
            }
            None => break,
        }
    }
    out
}

/// The field named by a check's `host = "{field}"`, if it is one.
fn host_selector(host: &str) -> Option<&str> {
    host.strip_prefix('{').and_then(|h| h.strip_suffix('}'))
}

/// Every string inside a JSON value, for placeholder checks.
fn collect_strings(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(a) => a.iter().for_each(|x| collect_strings(x, out)),
        serde_json::Value::Object(o) => o.values().for_each(|x| collect_strings(x, out)),
        _ => {}
    }
}

fn is_kebab(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn is_snake(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn is_pointer(s: &str) -> bool {
    s.is_empty() || s.starts_with('/')
}

/// Consistency rules a parser cannot enforce. Each returns the first problem found.
fn validate(file: &str, p: &Provider) -> Result<(), String> {
    if p.id != file {
        return Err(format!("id `{}` does not match the file name", p.id));
    }
    if !is_kebab(&p.id) {
        return Err(format!("id `{}` must be kebab-case", p.id));
    }
    let keys = validate_fields(p)?;
    for key in p.auth.fields() {
        if !keys.contains(key) {
            return Err(format!("auth names undeclared field `{key}`"));
        }
        if p.field(key).is_some_and(|f| f.kind == FieldKind::Choice) {
            return Err(format!("auth names choice field `{key}`"));
        }
    }
    if let Auth::Basic { username, .. } = &p.auth {
        if p.field(username).is_some_and(|f| f.secret) {
            return Err("the basic-auth user name should not be a secret field".into());
        }
    }
    validate_hosts(p)?;
    validate_pace(p)?;
    validate_steps(p)?;
    validate_status_rules("the provider", &p.on_status)?;
    validate_checks(p, &keys)?;
    validate_identity(p)?;
    validate_messages(p)?;
    validate_locales(p)
}

/// Pacing and lifetime rules: a zero would stop every check, or expire keys at once.
fn validate_pace(p: &Provider) -> Result<(), String> {
    if p.pace.per_minute == 0 || p.pace.concurrent == 0 {
        return Err("pace: per_minute and concurrent must be at least 1".into());
    }
    if p.key_lifetime_days == Some(0) {
        return Err("key_lifetime_days must be at least 1 when given".into());
    }
    Ok(())
}

/// Field rules; returns the declared keys.
fn validate_fields(p: &Provider) -> Result<BTreeSet<&str>, String> {
    let mut keys = BTreeSet::new();
    for f in &p.fields {
        if !is_snake(&f.key) {
            return Err(format!("field key `{}` must be snake_case", f.key));
        }
        if !keys.insert(f.key.as_str()) {
            return Err(format!("field `{}` is declared twice", f.key));
        }
        if (f.kind == FieldKind::Subdomain) != f.domain.is_some() {
            return Err(format!(
                "field `{}`: `domain` goes with kind = \"subdomain\" and only with it",
                f.key
            ));
        }
        if f.kind == FieldKind::Subdomain && f.secret {
            return Err(format!("field `{}`: a subdomain is not a secret", f.key));
        }
        let choice = f.kind == FieldKind::Choice;
        let has_choice_keys = !f.options.is_empty() || f.default.is_some();
        if (choice && f.options.is_empty()) || (!choice && has_choice_keys) {
            return Err(format!(
                "field `{}`: `options` and `default` go with kind = \"choice\" and only with it",
                f.key
            ));
        }
        if choice && (f.secret || f.usual_pattern.is_some()) {
            return Err(format!(
                "field `{}`: a choice is neither secret nor pattern-checked",
                f.key
            ));
        }
        let mut values = BTreeSet::new();
        for o in &f.options {
            if !(is_kebab(&o.value) || is_snake(&o.value)) || o.label.trim().is_empty() {
                return Err(format!(
                    "field `{}`: option `{}` needs a kebab- or snake-case value and a label",
                    f.key, o.value
                ));
            }
            if !values.insert(o.value.as_str()) {
                return Err(format!(
                    "field `{}`: option `{}` is declared twice",
                    f.key, o.value
                ));
            }
            if let Some(h) = &o.host {
                if !p.hosts.contains_key(h) {
                    return Err(format!(
                        "field `{}`: option `{}` selects unknown host `{h}`",
                        f.key, o.value
                    ));
                }
            }
        }
        if let Some(d) = &f.default {
            if !values.contains(d.as_str()) {
                return Err(format!(
                    "field `{}`: default `{d}` is not one of its options",
                    f.key
                ));
            }
        }
    }
    if !p.fields.iter().any(|f| f.secret) {
        return Err("no secret field: what would the keychain hold?".into());
    }
    Ok(keys)
}

fn validate_hosts(p: &Provider) -> Result<(), String> {
    for (name, url) in &p.hosts {
        if !is_kebab(name) {
            return Err(format!("host name `{name}` must be kebab-case"));
        }
        if !url.starts_with("https://") {
            return Err(format!("host `{name}` must be https://"));
        }
        for ph in placeholders(url) {
            if p.field(ph).is_none_or(|f| f.secret) {
                return Err(format!(
                    "host `{name}` uses `{{{ph}}}`, which is not a non-secret field"
                ));
            }
        }
        // Every host is an override variable and a place secrets may be sent: none unused.
        let by_check = p.checks.iter().any(|c| &c.host == name);
        let by_option = p
            .fields
            .iter()
            .flat_map(|f| &f.options)
            .any(|o| o.host.as_ref() == Some(name));
        if !by_check && !by_option {
            return Err(format!("host `{name}` is never used"));
        }
    }
    Ok(())
}

fn validate_steps(p: &Provider) -> Result<(), String> {
    let mut step_ids = BTreeSet::new();
    for s in &p.steps {
        if !step_ids.insert(s.id.as_str()) {
            return Err(format!("step `{}` is declared twice", s.id));
        }
        if s.link.is_some() != s.link_label.is_some() {
            return Err(format!("step `{}`: link and link_label go together", s.id));
        }
        if let Some(link) = &s.link {
            if !link.starts_with("https://") {
                return Err(format!("step `{}`: links must be https://", s.id));
            }
        }
    }
    Ok(())
}

fn validate_status_rules(owner: &str, rules: &BTreeMap<String, StatusRule>) -> Result<(), String> {
    for (status, rule) in rules {
        match status.parse::<u16>() {
            Ok(s) if (100..600).contains(&s) => {}
            _ => return Err(format!("{owner}: `{status}` is not an HTTP status")),
        }
        let reactions = rule.reactions();
        if reactions.is_empty() {
            return Err(format!(
                "{owner}: status {status} needs `then` or `not_json`"
            ));
        }
        let timed = reactions
            .iter()
            .any(|r| matches!(r, Reaction::RateLimited | Reaction::Blocked));
        if rule.retry_after().is_some() && !timed {
            return Err(format!(
                "{owner}: status {status}: `retry_after` goes with rate_limited or blocked"
            ));
        }
    }
    Ok(())
}

fn validate_checks(p: &Provider, keys: &BTreeSet<&str>) -> Result<(), String> {
    if p.checks.is_empty() {
        return Err("at least one check is needed to verify anything".into());
    }
    // Captures known so far, to prove every placeholder is filled by the time it is used.
    let mut known: BTreeSet<&str> = keys.clone();
    let mut check_ids = BTreeSet::new();
    for c in &p.checks {
        if !check_ids.insert(c.id.as_str()) {
            return Err(format!("check `{}` is declared twice", c.id));
        }
        match host_selector(&c.host) {
            None if !p.hosts.contains_key(&c.host) => {
                return Err(format!("check `{}` uses unknown host `{}`", c.id, c.host));
            }
            None => {}
            Some(field) => {
                let selects = p.field(field).is_some_and(|f| {
                    f.kind == FieldKind::Choice && f.options.iter().all(|o| o.host.is_some())
                });
                if !selects {
                    return Err(format!(
                        "check `{}`: host `{{{field}}}` must name a choice field whose every option selects a host",
                        c.id
                    ));
                }
            }
        }
        if !c.path.starts_with('/') {
            return Err(format!("check `{}`: path must start with /", c.id));
        }
        let mut templates: Vec<&str> = vec![&c.path];
        templates.extend(c.query.values().map(String::as_str));
        // A secret in a path or query would end up in URLs, and so in logs and proxies;
        // only bodies and the auth scheme may carry secrets.
        for t in &templates {
            for ph in placeholders(t) {
                if p.field(ph).is_some_and(|f| f.secret) {
                    return Err(format!(
                        "check `{}` puts secret field `{ph}` in a URL; use auth or a body",
                        c.id
                    ));
                }
            }
        }
        let mut body_strings = Vec::new();
        if let Some(body) = &c.body {
            let form = body.encoding == Encoding::Form || !body.retry_as_form_on.is_empty();
            if form && body.values.values().any(|v| !v.is_string()) {
                return Err(format!("check `{}`: a form body holds only strings", c.id));
            }
            if c.method == Method::Get {
                return Err(format!("check `{}`: a GET has no body", c.id));
            }
            collect_strings(
                &serde_json::Value::Object(body.values.clone()),
                &mut body_strings,
            );
        }
        templates.extend(body_strings.iter().map(String::as_str));
        for t in templates {
            for ph in placeholders(t) {
                if !known.contains(ph) {
                    return Err(format!(
                        "check `{}` uses `{{{ph}}}` before anything captures it",
                        c.id
                    ));
                }
            }
        }
        validate_status_rules(&format!("check `{}`", c.id), &c.on_status)?;
        for need in &c.needs {
            if !p.permissions.required.contains(need) {
                return Err(format!(
                    "check `{}` needs `{need}`, which is not a required permission",
                    c.id
                ));
            }
        }
        for name in c.when.iter().chain(&c.unless) {
            if !known.contains(name.as_str()) {
                return Err(format!(
                    "check `{}` depends on unknown capture `{name}`",
                    c.id
                ));
            }
        }
        for e in &c.expect {
            validate_expect(p, c, e)?;
        }
        for (name, cap) in &c.capture {
            let pointers = cap.pointers();
            if pointers.is_empty() {
                return Err(format!("check `{}`: capture `{name}` has no pointer", c.id));
            }
            if let Some(bad) = pointers.iter().find(|ptr| !is_pointer(ptr)) {
                return Err(format!("check `{}`: `{bad}` is not a JSON pointer", c.id));
            }
            if keys.contains(name.as_str()) {
                return Err(format!("capture `{name}` shadows a field"));
            }
            known.insert(name);
        }
    }
    let id = &p.identity;
    for t in [&id.company, &id.head_count, &id.user, &id.tenant]
        .into_iter()
        .flatten()
    {
        for ph in placeholders(t) {
            if !known.contains(ph) {
                return Err(format!("identity uses unknown `{{{ph}}}`"));
            }
            // Identity is shown and stored in the account book: never a secret.
            if p.field(ph).is_some_and(|f| f.secret) {
                return Err(format!("identity uses secret field `{{{ph}}}`"));
            }
        }
    }
    Ok(())
}

fn validate_expect(p: &Provider, c: &Check, e: &Expect) -> Result<(), String> {
    if !is_pointer(&e.pointer) {
        return Err(format!(
            "check `{}`: `{}` is not a JSON pointer",
            c.id, e.pointer
        ));
    }
    if e.absent && (e.equals.is_some() || e.non_empty || e.optional) {
        return Err(format!(
            "check `{}`: `absent` cannot go with equals, non_empty or optional",
            c.id
        ));
    }
    if !e.missing.is_empty() && e.otherwise != Reaction::MissingPermission {
        return Err(format!(
            "check `{}`: `missing` goes with otherwise = \"missing_permission\"",
            c.id
        ));
    }
    for m in &e.missing {
        if !p.permissions.required.contains(m) {
            return Err(format!(
                "check `{}`: `{m}` is missing from what, which is not a required permission",
                c.id
            ));
        }
    }
    Ok(())
}

fn validate_identity(p: &Provider) -> Result<(), String> {
    let id = &p.identity;
    // A constant tenant would make every account of the provider the same one.
    if id
        .tenant
        .as_deref()
        .is_some_and(|t| placeholders(t).is_empty())
    {
        return Err("identity.tenant needs at least one placeholder".into());
    }
    if id.success.is_empty() {
        return Err("identity.success needs at least one line".into());
    }
    let last = id.success.last().map(|s| placeholders(s).is_empty());
    if last != Some(true) {
        return Err("the last identity.success line must have no placeholders".into());
    }
    for line in &id.success {
        for ph in placeholders(line) {
            if !["company", "head_count", "user"].contains(&ph) {
                return Err(format!("identity.success uses unknown `{{{ph}}}`"));
            }
        }
    }
    Ok(())
}

fn validate_messages(p: &Provider) -> Result<(), String> {
    for (code, text) in &p.messages {
        for ph in placeholders(text) {
            let public_field = p.field(ph).is_some_and(|f| !f.secret);
            if !["provider", "missing", "retry"].contains(&ph) && !public_field {
                return Err(format!(
                    "message for {code} uses `{{{ph}}}`, which is neither provider, missing, retry nor a non-secret field"
                ));
            }
        }
    }
    Ok(())
}

/// Translations: only languages Keystep speaks, every one of them, each complete, with the
/// original's placeholders, and (French) no breaking space before `: ; ? ! »` or after `«`.
fn validate_locales(p: &Provider) -> Result<(), String> {
    for code in p.locales.keys() {
        if !Lang::ALL.iter().any(|l| *l != Lang::En && l.code() == code) {
            return Err(format!(
                "locales.{code}: not a language Keystep translates into"
            ));
        }
    }
    let texts = p.texts();
    for lang in Lang::ALL.into_iter().filter(|l| *l != Lang::En) {
        let code = lang.code();
        let table = p
            .locales
            .get(code)
            .ok_or_else(|| format!("locales.{code} is missing: every text needs a translation"))?;
        let translations =
            flatten_locale(table).map_err(|problem| format!("locales.{code}: {problem}"))?;
        for path in translations.keys() {
            if !texts.iter().any(|(p, _)| p == path) {
                return Err(format!(
                    "locales.{code}: `{path}` names no translatable text"
                ));
            }
        }
        for (path, original) in &texts {
            let Some(text) = translations.get(path) else {
                return Err(format!("locales.{code}: `{path}` is not translated"));
            };
            if text.trim().is_empty() {
                return Err(format!("locales.{code}: `{path}` is empty"));
            }
            let mut want = placeholders(original);
            let mut got = placeholders(text);
            want.sort_unstable();
            got.sort_unstable();
            if want != got {
                return Err(format!(
                    "locales.{code}: `{path}` has placeholders {got:?} where the original has {want:?}"
                ));
            }
            if lang == Lang::Fr {
                check_french_spacing(text)
                    .map_err(|problem| format!("locales.{code}: `{path}`: {problem}"))?;
            }
        }
    }
    Ok(())
}

/// French puts a no-break space (U+00A0) before `: ; ? ! »` and after `«`, so a line never
/// wraps between a word and its punctuation. An ordinary space there is refused, which keeps
/// every file consistent.
fn check_french_spacing(text: &str) -> Result<(), String> {
    let chars: Vec<char> = text.chars().collect();
    for pair in chars.windows(2) {
        let bad = match pair {
            [' ', c @ (':' | ';' | '?' | '!' | '»')] => Some(*c),
            ['«', ' '] => Some('«'),
            _ => None,
        };
        if let Some(c) = bad {
            return Err(format!(
                "use a no-break space (U+00A0), not a space, beside “{c}”"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_catalogue_loads() {
        let cat = Catalogue::embedded().expect("every shipped provider file must be valid");
        let ids: Vec<&str> = cat.all().iter().map(|p| p.id.as_str()).collect();
        assert_eq!(
            ids,
            ["payfit", "hibob", "humaans", "jazzhr", "namely"],
            "every provider ships, in display order"
        );
    }

    const MINIMAL: &str = r#"
id = "demo"
name = "Demo"
category = "hris"
needs = "API key"
summary = "s"
prerequisite = "p"
revoke = "r"
docs_url = "https://demo.example/docs"
[hosts]
api = "https://api.demo.example/{tenant}"
sandbox = "https://sandbox.demo.example"
[auth]
scheme = "bearer"
token = "key"
[on_status]
429 = { then = "rate_limited", retry_after = 60 }
[[fields]]
key = "tenant"
label = "Tenant"
help = "h"
kind = "subdomain"
domain = "demo.example"
example = "acme"
[[fields]]
key = "key"
label = "Key"
help = "h"
secret = true
example = "k"
[[fields]]
key = "region"
label = "Region"
help = "h"
kind = "choice"
example = "EU"
default = "eu"
options = [
  { value = "eu", label = "EU", host = "api" },
  { value = "test", label = "Test", host = "sandbox" },
]
[[steps]]
id = "one"
title = "t"
body = "b"
[permissions]
required = ["read", "whose data"]
[[checks]]
id = "me"
doing = "Checking…"
host = "{region}"
path = "/me"
needs = ["read"]
capture = { org = "/org", email = ["/0/email", "/email"] }
expect = [
  { pointer = "/error", absent = true, otherwise = "bad_credentials" },
  { pointer = "/people", non_empty = true, otherwise = "missing_permission", missing = ["whose data"], hint = "Nobody is visible." },
]
[[checks]]
id = "org"
doing = "Reading…"
method = "POST"
host = "api"
path = "/orgs/{org}"
body = { values = { q = "{org}" } }
on_status = { 403 = { not_json = "blocked", retry_after = 300 } }
[identity]
company = "{org}"
tenant = "{tenant}/{org}"
success = ["Connected to {company}", "Connected"]
[messages]
wrong_tenant = "No {provider} site at {tenant}."
[locales.fr]
needs = "Clé d’API"
summary = "s (fr)"
prerequisite = "p (fr)"
revoke = "r (fr)"
fields.tenant = { label = "Locataire", help = "h (fr)", example = "acme" }
fields.key = { label = "Clé", help = "h (fr)", example = "c" }
fields.region = { label = "Région", help = "h (fr)", example = "UE", options = { eu = "UE", test = "Essai" } }
steps.one = { title = "t (fr)", body = "b (fr)" }
checks.me.doing = "Vérification…"
checks.me.expect.1.hint = "Personne n’est visible."
checks.org.doing = "Lecture…"
identity.success.0 = "Connecté à {company}"
identity.success.1 = "Connecté"
messages.wrong_tenant = "Aucun site {provider} à l’adresse {tenant}."
"#;

    fn load(text: &str) -> Result<Catalogue, String> {
        Catalogue::from_sources(&[("demo", text)]).map_err(|e| e.to_string())
    }

    #[test]
    fn a_minimal_provider_file_is_valid() {
        load(MINIMAL).expect("the minimal file is the baseline the other tests break");
    }

    #[test]
    fn each_schema_rule_rejects_its_mistake() {
        let cases = [
            (
                "name = \"Demo\"",
                "name = \"Demo\"\ncolour = \"red\"",
                "unknown field",
            ),
            (
                "name = \"Demo\"",
                "name = \"Demo\"\npace = { per_minute = 0, concurrent = 1 }",
                "at least 1",
            ),
            (
                "name = \"Demo\"",
                "name = \"Demo\"\nkey_lifetime_days = 0",
                "key_lifetime_days",
            ),
            (
                "id = \"demo\"",
                "id = \"other\"",
                "does not match the file name",
            ),
            (
                "path = \"/orgs/{org}\"",
                "path = \"/orgs/{nope}\"",
                "before anything captures it",
            ),
            ("path = \"/me\"", "path = \"/me/{key}\"", "in a URL"),
            (
                "https://api.demo.example",
                "http://api.demo.example",
                "must be https",
            ),
            (
                "needs = [\"read\"]",
                "needs = [\"write\"]",
                "not a required permission",
            ),
            (
                "scheme = \"bearer\"",
                "scheme = \"digest\"",
                "unknown variant",
            ),
            ("token = \"key\"", "token = \"tenant2\"", "undeclared field"),
            (
                "\"Connected\"]",
                "\"Connected {company}\"]",
                "no placeholders",
            ),
            ("domain = \"demo.example\"\n", "", "goes with kind"),
            (
                "kind = \"choice\"",
                "kind = \"identifier\"",
                "go with kind = \"choice\"",
            ),
            ("default = \"eu\"", "default = \"mars\"", "not one of its options"),
            (
                "host = \"sandbox\" }",
                "host = \"moon\" }",
                "selects unknown host",
            ),
            (
                "host = \"{region}\"",
                "host = \"{tenant}\"",
                "must name a choice field",
            ),
            ("token = \"key\"", "token = \"region\"", "auth names choice field"),
            (
                "sandbox = \"https://sandbox.demo.example\"",
                "sandbox = \"https://sandbox.demo.example\"\nspare = \"https://spare.demo.example\"",
                "is never used",
            ),
            (
                "then = \"rate_limited\", retry_after",
                "then = \"skip\", retry_after",
                "goes with rate_limited or blocked",
            ),
            (
                "{ then = \"rate_limited\", retry_after = 60 }",
                "{ retry_after = 60 }",
                "needs `then` or `not_json`",
            ),
            (
                "not_json = \"blocked\"",
                "not_jsn = \"blocked\"",
                "did not match any variant",
            ),
            ("429 = {", "4299 = {", "not an HTTP status"),
            (
                "absent = true,",
                "absent = true, equals = 1,",
                "`absent` cannot go with",
            ),
            (
                "otherwise = \"missing_permission\", missing",
                "otherwise = \"wrong_tenant\", missing",
                "`missing` goes with",
            ),
            (
                "missing = [\"whose data\"]",
                "missing = [\"everyone\"]",
                "not a required permission",
            ),
            ("\"/email\"]", "\"email\"]", "not a JSON pointer"),
            ("at {tenant}.", "at {key}.", "neither provider"),
            ("method = \"POST\"", "method = \"GET\"", "a GET has no body"),
            (
                "company = \"{org}\"",
                "company = \"{key}\"",
                "identity uses secret field",
            ),
            (
                "tenant = \"{tenant}/{org}\"",
                "tenant = \"{tenant}/{key}\"",
                "identity uses secret field",
            ),
            (
                "tenant = \"{tenant}/{org}\"",
                "tenant = \"{tenant}/{nope}\"",
                "identity uses unknown",
            ),
            (
                "tenant = \"{tenant}/{org}\"",
                "tenant = \"acme\"",
                "tenant needs at least one placeholder",
            ),
            (
                "tenant = \"{tenant}/{org}\"",
                "tenant = \"{tenant}\"\ntenant_id = \"x\"",
                "unknown field",
            ),
            ("[locales.fr]", "[locales.de]", "not a language Keystep"),
            (
                "checks.org.doing = ",
                "checks.org.doin = ",
                "`checks.org.doin` names no translatable text",
            ),
            (
                "checks.org.doing = \"Lecture…\"\n",
                "",
                "`checks.org.doing` is not translated",
            ),
            (
                "checks.me.expect.1.hint",
                "checks.me.expect.0.hint",
                "`checks.me.expect.0.hint` names no translatable text",
            ),
            (
                "identity.success.0 = \"Connecté à {company}\"",
                "identity.success.0 = \"Connecté à {entreprise}\"",
                "has placeholders",
            ),
            (
                "à l’adresse {tenant}.",
                "à l’adresse.",
                "has placeholders",
            ),
            (
                "checks.org.doing = \"Lecture…\"",
                "checks.org.doing = 3",
                "must be a text",
            ),
            (
                "checks.org.doing = \"Lecture…\"",
                "checks.org.doing = \" \"",
                "is empty",
            ),
            (
                "checks.org.doing = \"Lecture…\"",
                "checks.org.doing = \"Lecture : en cours\"",
                "no-break space",
            ),
            (
                "checks.org.doing = \"Lecture…\"",
                "checks.org.doing = \"« Lecture\u{a0}»\"",
                "no-break space",
            ),
        ];
        for (from, to, expected) in cases {
            assert!(
                MINIMAL.contains(from),
                "test setup: {from:?} is in the baseline"
            );
            let broken = MINIMAL.replacen(from, to, 1);
            let err = load(&broken).expect_err(&format!("{to:?} must be refused"));
            assert!(
                err.contains(expected),
                "{to:?}: expected “{expected}” in: {err}"
            );
        }
    }

    #[test]
    fn a_file_without_its_french_is_refused() {
        let (english, _) = MINIMAL
            .split_once("[locales.fr]")
            .expect("baseline has French");
        let err = load(english).expect_err("no French");
        assert!(
            err.contains("locales.fr is missing"),
            "the missing language is named: {err}"
        );
    }

    #[test]
    fn localized_copies_carry_every_translation_and_keep_the_rest() {
        let cat = load(MINIMAL).expect("baseline");
        let en = cat.get("demo").expect("demo");
        let fr = en.localized(Lang::Fr);
        let region = fr.field("region").expect("region");
        assert_eq!(region.label, "Région", "field label");
        assert_eq!(region.options[1].label, "Essai", "option label");
        assert_eq!(region.options[1].value, "test", "option value kept");
        assert_eq!(fr.checks[0].doing, "Vérification…", "check line");
        assert_eq!(
            fr.checks[0].expect[1].hint.as_deref(),
            Some("Personne n’est visible."),
            "expect hint"
        );
        assert_eq!(
            fr.identity.success,
            ["Connecté à {company}", "Connecté"],
            "success lines"
        );
        assert_eq!(
            fr.messages.get(&Code::WrongTenant).map(String::as_str),
            Some("Aucun site {provider} à l’adresse {tenant}."),
            "message"
        );
        assert_eq!(fr.name, "Demo", "the name is not translated");
        assert_eq!(
            fr.permissions.required, en.permissions.required,
            "permission names are the provider's own words"
        );
        assert_eq!(fr.checks[0].path, "/me", "requests are untouched");
        let english_texts = en.localized(Lang::En).texts();
        assert_eq!(english_texts, en.texts(), "English is the file as written");
        let french_texts = fr.texts();
        assert_eq!(
            french_texts.len(),
            english_texts.len(),
            "the same texts, translated"
        );
        let unchanged: Vec<&String> = french_texts
            .iter()
            .zip(&english_texts)
            .filter(|(f, e)| f.1 == e.1)
            .map(|(f, _)| &f.0)
            .collect();
        assert_eq!(
            unchanged,
            ["fields.tenant.example"],
            "every other text has its French"
        );
    }

    #[test]
    fn every_shipped_provider_speaks_french() {
        let cat = Catalogue::embedded().expect("catalogue");
        for p in cat.all() {
            let fr = p.localized(Lang::Fr);
            let english = p.texts();
            let translated = fr
                .texts()
                .iter()
                .zip(&english)
                .filter(|(f, e)| f.1 != e.1)
                .count();
            // Examples such as "acme" and words French shares ("Production") may stay.
            assert!(
                translated * 10 >= english.len() * 9,
                "{}: only {translated} of {} texts differ from English",
                p.id,
                english.len()
            );
        }
    }

    #[test]
    fn placeholders_are_found_in_order() {
        assert_eq!(
            placeholders("/a/{x}/b/{y}"),
            vec!["x", "y"],
            "two placeholders"
        );
        assert!(placeholders("no braces").is_empty(), "none");
        assert_eq!(
            placeholders("{unterminated"),
            Vec::<&str>::new(),
            "unterminated ignored"
        );
    }

    #[test]
    fn host_override_names_follow_the_documented_scheme() {
        let cat = Catalogue::embedded().expect("catalogue");
        let vars: BTreeSet<String> = cat
            .all()
            .iter()
            .flat_map(|p| p.hosts.keys().map(|h| p.host_override_var(h)))
            .collect();
        let want: BTreeSet<String> = [
            "KEYSTEP_PAYFIT_API_URL",
            "KEYSTEP_PAYFIT_OAUTH_URL",
            "KEYSTEP_HIBOB_API_URL",
            "KEYSTEP_HIBOB_SANDBOX_URL",
            "KEYSTEP_HUMAANS_API_URL",
            "KEYSTEP_JAZZHR_API_URL",
            "KEYSTEP_NAMELY_API_URL",
        ]
        .iter()
        .map(|v| v.to_string())
        .collect();
        assert_eq!(vars, want, "every host's override variable, and no other");
    }

    #[test]
    fn status_rules_tell_a_providers_json_from_a_firewalls_page() {
        let always = StatusRule::Always(Reaction::RateLimited);
        assert_eq!(always.reaction(true), Some(Reaction::RateLimited), "JSON");
        assert_eq!(always.reaction(false), Some(Reaction::RateLimited), "page");
        let waf = StatusRule::Detailed(StatusDetail {
            then: None,
            not_json: Some(Reaction::Blocked),
            retry_after: Some(300),
        });
        assert_eq!(waf.reaction(true), None, "JSON is left to the defaults");
        assert_eq!(
            waf.reaction(false),
            Some(Reaction::Blocked),
            "a page is the firewall"
        );
        assert_eq!(waf.retry_after(), Some(300), "the assumed wait");
        let both = StatusRule::Detailed(StatusDetail {
            then: Some(Reaction::RateLimited),
            not_json: Some(Reaction::Blocked),
            retry_after: None,
        });
        assert_eq!(
            both.reaction(true),
            Some(Reaction::RateLimited),
            "then for JSON"
        );
        assert_eq!(
            both.reaction(false),
            Some(Reaction::Blocked),
            "not_json wins for pages"
        );
    }

    #[test]
    fn a_choice_selects_the_host_of_its_option() {
        let cat = load(MINIMAL).expect("baseline");
        let p = cat.get("demo").expect("demo");
        let check = &p.checks[0];
        let chosen = |v: &'static str| move |_: &str| Some(v.to_string());
        assert_eq!(p.host_of(check, chosen("eu")), Some("api"), "eu → api");
        assert_eq!(
            p.host_of(check, chosen("test")),
            Some("sandbox"),
            "test → sandbox"
        );
        assert_eq!(p.host_of(check, chosen("mars")), None, "unknown option");
        assert_eq!(
            p.host_of(&p.checks[1], chosen("test")),
            Some("api"),
            "a fixed host"
        );
    }
}
