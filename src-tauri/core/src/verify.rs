//! The verification engine: runs a provider's [`Check`] chain and classifies the outcome.
//!
//! One engine serves every provider; the provider file says what to send and how to read
//! the answers. The engine owns the rules that hold for all of them: never send another
//! request after a 401 (HiBob blocks an IP after bursts of them), run permission probes one
//! at a time, never put a response body or a secret in a message, and say precisely which
//! of the closed set of [`Code`]s applies.
//!
//! A status is read in this order: the check's own `on_status`, then the provider's (a
//! firewall in front of the whole API), then the defaults below. A 401 or 403 answering a
//! request that carried no credential says nothing about the credential, so on an
//! unauthenticated check both are unexpected rather than bad credentials or a missing
//! permission.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use base64::Engine as _;
use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use url::Url;

use crate::clock::{Clock, SystemClock};
use crate::error::Code;
use crate::hosts::Hosts;
use crate::input::Credentials;
use crate::pace::Pacer;
use crate::provider::{
    placeholders, Auth, Check, Encoding, Method, Provider, Reaction, ReadAs, StatusRule,
};
use crate::redact::redact_url;

/// How long one request may take before the provider counts as unreachable.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);

/// What verification found out.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Report {
    /// The credential works and nothing required is known to be missing.
    pub ok: bool,
    /// Why not, when not.
    pub code: Option<Code>,
    /// One or two sentences for the person: what happened and what to do.
    pub message: String,
    /// For `rate_limited` and `blocked`: when a retry makes sense.
    pub retry_after_secs: Option<u64>,
    /// Who and what the credential reaches.
    pub identity: Identity,
    /// Scopes or permissions, compared with what the guide asked for.
    pub permissions: PermissionReport,
    /// What input normalization changed, in English (see `input::Note::describe`).
    pub notes: Vec<String>,
    /// The provider's `identity.tenant`, filled in (company id, subdomain…), when every
    /// value it names was seen: what tells this tenant from another. Never a secret.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
}

/// Hears each check of a chain as it starts.
pub type Progress<'a> = dyn Fn(&Check) + Send + Sync + 'a;

/// What the provider told us about the account.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Identity {
    /// Company or tenant name.
    pub company: Option<String>,
    /// People or records visible to the credential.
    pub head_count: Option<u64>,
    /// The user the credential acts as.
    pub user: Option<String>,
}

/// Required permissions, split by what verification could establish.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct PermissionReport {
    /// What the guide asked for.
    pub required: Vec<String>,
    /// Known to be granted.
    pub granted: Vec<String>,
    /// Required and known to be missing.
    pub missing: Vec<String>,
    /// Granted beyond what is required: least-privilege advice, not an error.
    pub extra: Vec<String>,
    /// Required but impossible to check without changing data.
    pub unchecked: Vec<String>,
}

/// Runs verification chains against the providers' real (or overridden) hosts.
#[derive(Clone)]
pub struct Verifier {
    /// Built on first use, not with the verifier: creating a client loads the system's TLS
    /// library and trust store (~150 ms of CPU with OpenSSL 3), and the app makes its
    /// verifier on the main thread while the window's first page is waiting for that thread.
    client: Arc<OnceLock<reqwest::Client>>,
    hosts: Hosts,
    clock: Arc<dyn Clock>,
    /// Paces every request to a provider, when set (the app; one-off CLI runs need none).
    pacer: Option<Arc<Pacer>>,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("hosts", &self.hosts)
            .finish_non_exhaustive()
    }
}

/// A value captured from an answer.
#[derive(Debug, Clone)]
enum Captured {
    Text(String),
    List(Vec<String>),
}

/// Why the chain stopped early.
struct Stop {
    code: Code,
    hint: Option<String>,
    retry_after: Option<u64>,
    status: Option<u16>,
}

impl Stop {
    fn new(code: Code) -> Self {
        Stop {
            code,
            hint: None,
            retry_after: None,
            status: None,
        }
    }
}

impl Verifier {
    /// A verifier with Keystep's HTTP client (timeouts, user agent, system TLS) and the system clock.
    /// The client is made when the first request needs it.
    pub fn new(hosts: Hosts) -> Self {
        Verifier {
            client: Arc::new(OnceLock::new()),
            hosts,
            clock: Arc::new(SystemClock),
            pacer: None,
        }
    }

    /// A verifier with an injected client and clock (tests: short timeouts, fixed time).
    pub fn with_parts(client: reqwest::Client, hosts: Hosts, clock: Arc<dyn Clock>) -> Self {
        Verifier {
            client: Arc::new(OnceLock::from(client)),
            hosts,
            clock,
            pacer: None,
        }
    }

    /// The same verifier, sending every request through `pacer`, which also hears each
    /// provider's `Retry-After`.
    #[must_use]
    pub fn paced(mut self, pacer: Arc<Pacer>) -> Self {
        self.pacer = Some(pacer);
        self
    }

    /// The HTTP client, made now if this is its first use. Clones of a verifier share it.
    fn client(&self) -> &reqwest::Client {
        self.client.get_or_init(|| default_client(REQUEST_TIMEOUT))
    }

    /// Whether the HTTP client has been made yet.
    pub fn has_client(&self) -> bool {
        self.client.get().is_some()
    }

    /// The host table in use.
    pub fn hosts(&self) -> &Hosts {
        &self.hosts
    }

    /// Runs `provider`'s checks with `creds`. `progress` hears each check as it starts (its
    /// id and its `doing` line, so a window can show the line in its own language).
    ///
    /// Never fails: every outcome, including unreachable hosts, is a [`Report`].
    pub async fn verify(
        &self,
        provider: &Provider,
        creds: &Credentials,
        progress: &Progress<'_>,
    ) -> Report {
        let mut vars: BTreeMap<String, Captured> = creds
            .public
            .iter()
            .map(|(k, v)| (k.clone(), Captured::Text(v.clone())))
            .collect();
        let mut proven = BTreeSet::new();
        let mut denied = BTreeSet::new();
        let mut hints: Vec<String> = Vec::new();
        let mut stop = None;
        for check in &provider.checks {
            if check.when.iter().any(|n| !vars.contains_key(n))
                || check.unless.iter().any(|n| vars.contains_key(n))
            {
                continue;
            }
            progress(check);
            match self.run_check(provider, check, creds, &vars).await {
                Ok(Outcome::Answer(answer)) => {
                    capture(check, &answer, &mut vars);
                    proven.extend(check.needs.iter().cloned());
                    // An expect that would have reported permissions missing held, so they
                    // are there (the group selects somebody, say).
                    proven.extend(check.expect.iter().flat_map(|e| e.missing.iter().cloned()));
                }
                Ok(Outcome::Skipped) => {}
                Ok(Outcome::Denied { missing, hint }) => {
                    denied.extend(missing);
                    hints.extend(hint);
                }
                Err(s) => {
                    stop = Some(s);
                    break;
                }
            }
        }
        let permissions = compare_permissions(provider, &vars, &proven, &denied);
        let identity = read_identity(provider, &vars);
        let tenant = provider
            .identity
            .tenant
            .as_deref()
            .and_then(|t| render_text(t, &vars));
        if let (Some(pacer), Some(s)) = (&self.pacer, &stop) {
            if let (Code::RateLimited | Code::Blocked, Some(secs)) = (s.code, s.retry_after) {
                pacer.hold(&provider.id, provider.pace, secs).await;
            }
        }
        let (code, message, retry_after_secs) = match stop {
            Some(s) => {
                let msg = message_for(provider, creds, s.code, &permissions.missing, &s);
                (Some(s.code), msg, s.retry_after)
            }
            None if !permissions.missing.is_empty() => {
                let mut s = Stop::new(Code::MissingPermission);
                if !hints.is_empty() {
                    s.hint = Some(hints.join(" "));
                }
                let msg = message_for(provider, creds, s.code, &permissions.missing, &s);
                (Some(Code::MissingPermission), msg, None)
            }
            None => (None, success_line(provider, &identity), None),
        };
        Report {
            ok: code.is_none(),
            code,
            message,
            retry_after_secs,
            identity,
            permissions,
            notes: creds.notes.iter().map(|n| n.describe(provider)).collect(),
            tenant,
        }
    }

    async fn run_check(
        &self,
        provider: &Provider,
        check: &Check,
        creds: &Credentials,
        vars: &BTreeMap<String, Captured>,
    ) -> Result<Outcome, Stop> {
        let url = self.build_url(provider, check, creds, vars)?;
        let shown_url = redact_url(&url, provider.auth.secret_query_param());
        let mut encoding = check.body.as_ref().map(|b| b.encoding);
        let mut resent = false;
        let response = loop {
            let mut req = match check.method {
                Method::Get => self.client().get(url.clone()),
                Method::Post => self.client().post(url.clone()),
            };
            req = req.headers(self.headers(provider, check, creds)?);
            if let (Some(body), Some(enc)) = (&check.body, encoding) {
                let (content_type, text) = render_body(&body.values, enc, creds, vars)?;
                // reqwest keeps its own copy of the body; ours is wiped when it drops.
                req = req
                    .header(CONTENT_TYPE, content_type)
                    .body(text.as_bytes().to_vec());
            }
            let admission = match &self.pacer {
                Some(p) => match p.admit(&provider.id, provider.pace).await {
                    Ok(admission) => Some(admission),
                    // The provider asked for a pause that is not over: nothing is sent.
                    Err(left) => {
                        let mut stop = Stop::new(Code::RateLimited);
                        stop.retry_after = Some(left);
                        return Err(stop);
                    }
                },
                None => None,
            };
            let res = req.send().await;
            drop(admission);
            let res = match res {
                Ok(r) => r,
                Err(e) => {
                    log::warn!(
                        "{} {shown_url}: no answer ({})",
                        check.id,
                        transport_kind(&e)
                    );
                    if is_dns_failure(&e) {
                        if let Some(code) = check.on_dns_failure.and_then(Reaction::code) {
                            return Err(Stop::new(code));
                        }
                    }
                    let mut s = Stop::new(Code::Unreachable);
                    if e.is_timeout() {
                        s.hint = Some(format!(
                            "{} did not answer within {} seconds.",
                            provider.name,
                            REQUEST_TIMEOUT.as_secs()
                        ));
                    }
                    return Err(s);
                }
            };
            let status = res.status().as_u16();
            log::info!("{} {shown_url} -> {status}", check.id);
            let retry_form = check
                .body
                .as_ref()
                .is_some_and(|b| b.retry_as_form_on.contains(&status));
            if retry_form && !resent && encoding == Some(Encoding::Json) {
                encoding = Some(Encoding::Form);
                resent = true;
                continue;
            }
            break res;
        };
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        // Every answer is read whole: a status rule may depend on whether the body is JSON
        // (a provider's error versus a firewall's page).
        let bytes = response
            .bytes()
            .await
            .map_err(|_| Stop::new(Code::Unreachable))?;
        let body: Option<Value> = serde_json::from_slice(&bytes).ok();
        let key = status.to_string();
        let rule = check
            .on_status
            .get(&key)
            .or_else(|| provider.on_status.get(&key));
        if let Some(rule) = rule {
            if let Some(reaction) = rule.reaction(body.is_some()) {
                return match reaction.code() {
                    None => Ok(Outcome::Skipped),
                    Some(code) => Err(self.stop_with_timing(code, status, &headers, Some(rule))),
                };
            }
        }
        match status {
            200..=299 => {
                let Some(answer) = body else {
                    let code = check
                        .on_not_json
                        .and_then(Reaction::code)
                        .unwrap_or(Code::UnexpectedResponse);
                    return Err(Stop::new(code));
                };
                for e in &check.expect {
                    let found = answer.pointer(&e.pointer);
                    let holds = match found {
                        None => e.optional || e.absent,
                        Some(_) if e.absent => false,
                        Some(v) => {
                            let equal = match &e.equals {
                                None => true,
                                Some(Value::String(t)) => {
                                    let want = render_text(t, vars);
                                    want.is_some() && v.as_str() == want.as_deref()
                                }
                                Some(other) => v == other,
                            };
                            let filled = !e.non_empty
                                || v.as_array().is_some_and(|a| !a.is_empty())
                                || v.as_object().is_some_and(|o| !o.is_empty());
                            equal && filled
                        }
                    };
                    if holds {
                        continue;
                    }
                    if !e.missing.is_empty() {
                        // A permission shown missing by the answer's shape: keep probing, so
                        // one run names everything that is missing.
                        return Ok(Outcome::Denied {
                            missing: e.missing.clone(),
                            hint: e.hint.clone(),
                        });
                    }
                    let mut s = Stop::new(e.otherwise.code().unwrap_or(Code::UnexpectedResponse));
                    s.hint.clone_from(&e.hint);
                    return Err(s);
                }
                Ok(Outcome::Answer(answer))
            }
            // Without a credential on the request, the provider cannot be judging ours.
            401 | 403 if !check.auth => {
                let mut s = Stop::new(Code::UnexpectedResponse);
                s.status = Some(status);
                Err(s)
            }
            401 => Err(Stop::new(Code::BadCredentials)),
            403 if !check.needs.is_empty() => Ok(Outcome::Denied {
                missing: check.needs.clone(),
                hint: None,
            }),
            403 => Err(Stop::new(Code::MissingPermission)),
            429 => Err(self.stop_with_timing(Code::RateLimited, status, &headers, None)),
            500..=599 => {
                let mut s = Stop::new(Code::ProviderError);
                s.status = Some(status);
                Err(s)
            }
            _ => {
                let mut s = Stop::new(Code::UnexpectedResponse);
                s.status = Some(status);
                Err(s)
            }
        }
    }

    fn stop_with_timing(
        &self,
        code: Code,
        status: u16,
        headers: &HeaderMap,
        rule: Option<&StatusRule>,
    ) -> Stop {
        let mut s = Stop::new(code);
        s.status = Some(status);
        if matches!(code, Code::RateLimited | Code::Blocked) {
            s.retry_after = retry_after(headers, self.clock.unix_now())
                .or_else(|| rule.and_then(StatusRule::retry_after));
        }
        s
    }

    fn build_url(
        &self,
        provider: &Provider,
        check: &Check,
        creds: &Credentials,
        vars: &BTreeMap<String, Captured>,
    ) -> Result<Url, Stop> {
        let missing_capture = || {
            let mut s = Stop::new(Code::UnexpectedResponse);
            s.hint = Some(format!(
                "{} left out a detail Keystep needs for the next step.",
                provider.name
            ));
            s
        };
        let host = provider
            .host_of(check, |field| text_var(vars, field))
            .ok_or_else(|| Stop::new(Code::Internal))?;
        let base = self
            .hosts
            .base(provider, host)
            .ok_or_else(|| Stop::new(Code::Internal))?;
        // Host placeholders take only non-secret fields, already reduced to a DNS label.
        let base = render_text(base, vars).ok_or_else(missing_capture)?;
        let mut path = String::new();
        let mut rest = check.path.as_str();
        for ph in placeholders(&check.path) {
            let token = format!("{{{ph}}}");
            let at = rest.find(&token).unwrap_or(rest.len());
            path.push_str(&rest[..at]);
            let value = text_var(vars, ph).ok_or_else(missing_capture)?;
            path.push_str(&urlencode_segment(&value));
            rest = &rest[(at + token.len()).min(rest.len())..];
        }
        path.push_str(rest);
        let mut url =
            Url::parse(&format!("{base}{path}")).map_err(|_| Stop::new(Code::Internal))?;
        {
            let mut q = url.query_pairs_mut();
            for (k, v) in &check.query {
                q.append_pair(k, &render_text(v, vars).ok_or_else(missing_capture)?);
            }
            if let (true, Auth::Query { param, value }) = (check.auth, &provider.auth) {
                let key = creds
                    .value(value)
                    .ok_or_else(|| Stop::new(Code::Internal))?;
                q.append_pair(param, key);
            }
        }
        if url.query() == Some("") {
            url.set_query(None);
        }
        Ok(url)
    }

    fn headers(
        &self,
        provider: &Provider,
        check: &Check,
        creds: &Credentials,
    ) -> Result<HeaderMap, Stop> {
        let mut h = HeaderMap::new();
        h.insert(ACCEPT, HeaderValue::from_static("application/json"));
        if !check.auth {
            return Ok(h);
        }
        let value = |key: &str| creds.value(key).ok_or_else(|| Stop::new(Code::Internal));
        let auth = match &provider.auth {
            Auth::Bearer { token } => Some(format!("Bearer {}", value(token)?)),
            Auth::Basic { username, password } => {
                let pair = format!("{}:{}", value(username)?, value(password)?);
                let pair = zeroize::Zeroizing::new(pair);
                Some(format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(pair.as_bytes())
                ))
            }
            Auth::Query { .. } => None,
        };
        if let Some(auth) = auth {
            let auth = zeroize::Zeroizing::new(auth);
            // Normalization already refused control characters, so this cannot fail on a
            // real key; a refusal is reported as bad input rather than a panic.
            let mut v =
                HeaderValue::from_str(&auth).map_err(|_| Stop::new(Code::BadCredentials))?;
            v.set_sensitive(true);
            h.insert(AUTHORIZATION, v);
        }
        Ok(h)
    }
}

enum Outcome {
    Answer(Value),
    Skipped,
    /// Required permissions shown missing, and what to add to the message about it.
    Denied {
        missing: Vec<String>,
        hint: Option<String>,
    },
}

/// Keystep's HTTP client: the system's TLS and trust store, TLS 1.2 at least, bounded
/// timeouts, no redirects to other hosts' auth.
pub fn default_client(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .user_agent(concat!("Keystep/", env!("CARGO_PKG_VERSION")))
        .min_tls_version(reqwest::tls::Version::TLS_1_2)
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(10)))
        // Redirects could carry the Authorization header elsewhere; providers do not need them.
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap_or_else(|_| reqwest::Client::new())
}

fn text_var(vars: &BTreeMap<String, Captured>, name: &str) -> Option<String> {
    match vars.get(name)? {
        Captured::Text(t) => Some(t.clone()),
        Captured::List(l) => Some(l.join(" ")),
    }
}

/// Fills `{name}` placeholders from captures and non-secret fields; `None` if one is unknown.
fn render_text(template: &str, vars: &BTreeMap<String, Captured>) -> Option<String> {
    let mut out = template.to_string();
    for ph in placeholders(template) {
        let value = text_var(vars, ph)?;
        out = out.replacen(&format!("{{{ph}}}"), &value, 1);
    }
    Some(out)
}

/// Renders a body, secrets included, into a buffer that is zeroized when dropped.
fn render_body(
    values: &serde_json::Map<String, Value>,
    encoding: Encoding,
    creds: &Credentials,
    vars: &BTreeMap<String, Captured>,
) -> Result<(&'static str, zeroize::Zeroizing<String>), Stop> {
    fn fill(
        v: &Value,
        creds: &Credentials,
        vars: &BTreeMap<String, Captured>,
    ) -> Result<Value, Stop> {
        Ok(match v {
            Value::String(template) => {
                let mut out = template.clone();
                for ph in placeholders(template) {
                    let value = creds
                        .secrets
                        .get(ph)
                        .map(|s| zeroize::Zeroizing::new(s.expose().to_string()))
                        .or_else(|| text_var(vars, ph).map(zeroize::Zeroizing::new))
                        .ok_or_else(|| Stop::new(Code::Internal))?;
                    out = out.replacen(&format!("{{{ph}}}"), &value, 1);
                }
                Value::String(out)
            }
            Value::Array(a) => Value::Array(
                a.iter()
                    .map(|x| fill(x, creds, vars))
                    .collect::<Result<_, _>>()?,
            ),
            Value::Object(o) => Value::Object(
                o.iter()
                    .map(|(k, x)| Ok((k.clone(), fill(x, creds, vars)?)))
                    .collect::<Result<_, Stop>>()?,
            ),
            other => other.clone(),
        })
    }
    let mut filled = fill(&Value::Object(values.clone()), creds, vars)?;
    let out = match encoding {
        Encoding::Json => (
            "application/json",
            zeroize::Zeroizing::new(filled.to_string()),
        ),
        Encoding::Form => {
            let mut form = url::form_urlencoded::Serializer::new(String::new());
            if let Value::Object(o) = &filled {
                for (k, v) in o {
                    form.append_pair(k, v.as_str().unwrap_or_default());
                }
            }
            (
                "application/x-www-form-urlencoded",
                zeroize::Zeroizing::new(form.finish()),
            )
        }
    };
    wipe(&mut filled);
    Ok(out)
}

/// Overwrites every string in a JSON value (the rendered body held secrets).
fn wipe(v: &mut Value) {
    use zeroize::Zeroize;
    match v {
        Value::String(s) => s.zeroize(),
        Value::Array(a) => a.iter_mut().for_each(wipe),
        Value::Object(o) => o.values_mut().for_each(wipe),
        _ => {}
    }
}

fn urlencode_segment(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

fn capture(check: &Check, answer: &Value, vars: &mut BTreeMap<String, Captured>) {
    for (name, cap) in &check.capture {
        let read_as = cap.read_as();
        // The first pointer that yields a readable value wins (one record as an object,
        // several as an array, and so on).
        let captured = cap
            .pointers()
            .into_iter()
            .filter_map(|p| answer.pointer(p))
            .find_map(|v| read_value(v, read_as));
        if let Some(c) = captured {
            vars.insert(name.clone(), c);
        }
    }
}

fn read_value(v: &Value, read_as: ReadAs) -> Option<Captured> {
    let strings = |a: &Vec<Value>| -> Vec<String> {
        a.iter()
            .filter_map(|x| x.as_str().map(String::from))
            .collect()
    };
    match read_as {
        ReadAs::Text => match v {
            Value::String(s) if !s.is_empty() => Some(Captured::Text(s.clone())),
            Value::Number(n) => Some(Captured::Text(n.to_string())),
            _ => None,
        },
        ReadAs::List => v.as_array().map(|a| Captured::List(strings(a))),
        ReadAs::Words => match v {
            Value::String(s) => Some(Captured::List(
                s.split_whitespace().map(String::from).collect(),
            )),
            Value::Array(a) => Some(Captured::List(strings(a))),
            _ => None,
        },
        ReadAs::Count => match v {
            Value::Array(a) => Some(Captured::Text(a.len().to_string())),
            Value::Object(_) => Some(Captured::Text("1".into())),
            _ => None,
        },
    }
}

fn compare_permissions(
    provider: &Provider,
    vars: &BTreeMap<String, Captured>,
    proven: &BTreeSet<String>,
    denied: &BTreeSet<String>,
) -> PermissionReport {
    let required = provider.permissions.required.clone();
    let introspected = match vars.get("granted") {
        Some(Captured::List(l)) => Some(l.clone()),
        _ => None,
    };
    let mut report = PermissionReport {
        required: required.clone(),
        ..Default::default()
    };
    match introspected {
        Some(granted) => {
            report.missing = required
                .iter()
                .filter(|r| !granted.contains(r) || denied.contains(*r))
                .cloned()
                .collect();
            report.extra = granted
                .iter()
                .filter(|g| !required.contains(g))
                .cloned()
                .collect();
            report.granted = granted;
        }
        None => {
            report.granted = required
                .iter()
                .filter(|r| proven.contains(*r))
                .cloned()
                .collect();
            report.missing = required
                .iter()
                .filter(|r| denied.contains(*r))
                .cloned()
                .collect();
            report.unchecked = required
                .iter()
                .filter(|r| !proven.contains(*r) && !denied.contains(*r))
                .cloned()
                .collect();
        }
    }
    report
}

fn read_identity(provider: &Provider, vars: &BTreeMap<String, Captured>) -> Identity {
    let spec = &provider.identity;
    let read = |t: &Option<String>| t.as_deref().and_then(|t| render_text(t, vars));
    Identity {
        company: read(&spec.company),
        head_count: read(&spec.head_count).and_then(|n| n.trim().parse().ok()),
        user: read(&spec.user),
    }
}

fn success_line(provider: &Provider, id: &Identity) -> String {
    let known: BTreeMap<&str, String> = [
        ("company", id.company.clone()),
        ("head_count", id.head_count.map(|n| n.to_string())),
        ("user", id.user.clone()),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.map(|v| (k, v)))
    .collect();
    for line in &provider.identity.success {
        if placeholders(line).iter().all(|p| known.contains_key(p)) {
            let mut out = line.clone();
            for (k, v) in &known {
                out = out.replace(&format!("{{{k}}}"), v);
            }
            return out;
        }
    }
    format!("Connected to {}", provider.name)
}

/// "a", "a and b", "a, b and c".
pub fn join_words(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// "in 30 seconds", "in 2 minutes", or "in a few minutes" when unknown.
pub fn retry_phrase(secs: Option<u64>) -> String {
    match secs {
        Some(0..=1) => "in a moment".into(),
        Some(s @ 2..=90) => format!("in {s} seconds"),
        Some(s) => format!("in {} minutes", s.div_ceil(60)),
        None => "in a few minutes".into(),
    }
}

fn message_for(
    provider: &Provider,
    creds: &Credentials,
    code: Code,
    missing: &[String],
    stop: &Stop,
) -> String {
    let p = &provider.name;
    let generic = match code {
        Code::BadCredentials => format!(
            "{p} did not accept this key. Check that you copied all of it, or create a new one and paste that."
        ),
        Code::MissingPermission if missing.is_empty() => format!(
            "The key works, but {p} refused to show data Keystep needs. Give the key's user or service account read access in {p}, then try again."
        ),
        Code::MissingPermission => format!(
            "The key works but is missing {{missing}}. Grant {} in {p}, then try again.",
            if missing.len() == 1 { "it" } else { "them" }
        ),
        Code::WrongTenant => format!(
            "{p} does not know this company address. Check the spelling against the address you use to sign in to {p}."
        ),
        Code::RateLimited => format!(
            "{p} is limiting requests right now. Nothing is wrong with the key; try again {{retry}}."
        ),
        Code::Blocked => format!(
            "{p} is temporarily blocking requests from this computer after several failed attempts. Wait, then try again {{retry}}, with a key you have double-checked."
        ),
        Code::Unreachable => format!(
            "Keystep could not reach {p}. Check your internet connection, VPN or proxy, then try again."
        ),
        Code::ProviderError => format!(
            "{p} had a problem on its side{}. Nothing is wrong with your key as far as we can tell; try again in a few minutes.",
            stop.status.map(|s| format!(" (error {s})")).unwrap_or_default()
        ),
        Code::UnexpectedResponse => format!(
            "{p} answered in a way Keystep does not recognise{}. Try again; if it keeps happening, {p} may have changed its API.",
            stop.status.map(|s| format!(" (HTTP {s})")).unwrap_or_default()
        ),
        Code::InvalidInput => "Some of the details are not usable. Check the highlighted field.".into(),
        Code::KeychainUnavailable
        | Code::StorageFailed
        | Code::NotFound
        | Code::AlreadyLinked
        | Code::ReadOnly
        | Code::HostChanged
        | Code::Internal => {
            format!("Something went wrong inside Keystep while checking {p}. Try again.")
        }
    };
    let chosen = match provider.messages.get(&code) {
        // A text that names the missing items cannot be used when nothing is named.
        Some(text) if missing.is_empty() && text.contains("{missing}") => generic,
        Some(text) => text.clone(),
        None => generic,
    };
    let mut msg = chosen
        .replace("{provider}", p)
        .replace("{missing}", &join_words(missing))
        .replace("{retry}", &retry_phrase(stop.retry_after));
    // Non-secret fields only (validation refuses secret ones): `{subdomain}` and the like.
    for (key, value) in &creds.public {
        msg = msg.replace(&format!("{{{key}}}"), value);
    }
    if let Some(h) = &stop.hint {
        msg = format!("{h} {msg}");
    }
    msg
}

/// Seconds until a retry makes sense, from `Retry-After` or `X-RateLimit-Reset`.
fn retry_after(headers: &HeaderMap, now: u64) -> Option<u64> {
    let num = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
    };
    if let Some(s) = num("retry-after") {
        return Some(s.min(24 * 3600));
    }
    let reset = num("x-ratelimit-reset")?;
    // Some APIs send an epoch time, others seconds from now; epochs are far larger.
    if reset > 1_000_000_000 {
        reset.checked_sub(now).map(|d| d.min(24 * 3600))
    } else {
        Some(reset.min(24 * 3600))
    }
}

fn is_dns_failure(e: &reqwest::Error) -> bool {
    let mut source: Option<&dyn std::error::Error> = Some(e);
    while let Some(err) = source {
        let text = err.to_string().to_ascii_lowercase();
        if text.contains("dns error") || text.contains("failed to lookup address") {
            return true;
        }
        source = err.source();
    }
    false
}

fn transport_kind(e: &reqwest::Error) -> &'static str {
    if e.is_timeout() {
        "timeout"
    } else if is_dns_failure(e) {
        "dns"
    } else if e.is_connect() {
        "connect"
    } else {
        "transport"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_join_like_a_sentence() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(join_words(&s(&["a"])), "a", "one");
        assert_eq!(join_words(&s(&["a", "b"])), "a and b", "two");
        assert_eq!(join_words(&s(&["a", "b", "c"])), "a, b and c", "three");
    }

    #[test]
    fn retry_after_reads_seconds_and_epochs() {
        let mut h = HeaderMap::new();
        h.insert("retry-after", HeaderValue::from_static("30"));
        assert_eq!(retry_after(&h, 0), Some(30), "plain seconds");
        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-reset", HeaderValue::from_static("1700000060"));
        assert_eq!(retry_after(&h, 1_700_000_000), Some(60), "epoch reset");
        assert_eq!(retry_after(&HeaderMap::new(), 0), None, "unknown");
    }
}
