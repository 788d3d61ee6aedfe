//! Building a check's request: its URL (the host table's base, the path with captures
//! filled in, the query, JazzHR's key in the query), its headers (the credential, marked
//! sensitive) and its body (rendered into a buffer that is wiped when dropped).
//!
//! A value put into a path comes from a field (already normalized) or from an earlier
//! answer, which Keystep does not control: a captured `..`, `/`, `?`, `#`, `%`, `\` or
//! control character would send the next request, with the credential, somewhere else.
//! Such a value stops the chain as `unexpected_response` before anything is sent.

use std::collections::BTreeMap;

use base64::Engine as _;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, ACCEPT, AUTHORIZATION};
use serde_json::Value;
use url::Url;

use crate::error::Code;
use crate::input::Credentials;
use crate::provider::{placeholders, Auth, Check, Encoding, Provider};

use super::{render_text, text_var, AccessToken, Captured, Stop, Verifier};

impl Verifier {
    /// The base URL template of the host a check is sent to (overrides applied), before
    /// its placeholders are filled in.
    pub(super) fn base_of<'a>(
        &'a self,
        provider: &'a Provider,
        check: &Check,
        vars: &BTreeMap<String, Captured>,
    ) -> Result<&'a str, Stop> {
        let host = provider
            .host_of(check, |field| text_var(vars, field))
            .ok_or_else(|| Stop::new(Code::Internal))?;
        self.hosts
            .base(provider, host)
            .ok_or_else(|| Stop::new(Code::Internal))
    }

    pub(super) fn build_url(
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
        let base = self.base_of(provider, check, vars)?;
        // Host placeholders take only non-secret fields, already reduced to a DNS label.
        let base = render_text(base, vars).ok_or_else(missing_capture)?;
        let mut path = String::new();
        let mut rest = check.path.as_str();
        for ph in placeholders(&check.path) {
            let token = format!("{{{ph}}}");
            let at = rest.find(&token).unwrap_or(rest.len());
            path.push_str(&rest[..at]);
            let value = text_var(vars, ph).ok_or_else(missing_capture)?;
            if !is_plain_segment(&value) {
                // The value is not logged: it came from an answer, and might be anything.
                log::warn!(
                    "{}: the value for {{{ph}}} would change the request's path; not sent",
                    check.id
                );
                let mut s = Stop::new(Code::UnexpectedResponse);
                s.hint = Some(format!(
                    "{} answered with an identifier that cannot be part of a web address, so Keystep stopped before using it.",
                    provider.name
                ));
                return Err(s);
            }
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

    /// The request's headers: `Accept: application/json`, the provider file's fixed
    /// `headers`, and the credential where its scheme puts it (marked sensitive, so no
    /// debug output shows it). `token` is the access token for client credentials.
    pub(super) fn headers(
        &self,
        provider: &Provider,
        check: &Check,
        creds: &Credentials,
        token: Option<&AccessToken>,
    ) -> Result<HeaderMap, Stop> {
        let mut h = HeaderMap::new();
        h.insert(ACCEPT, HeaderValue::from_static("application/json"));
        for (name, value) in &provider.headers {
            // Validation holds names and values to what HTTP allows.
            let name =
                HeaderName::from_bytes(name.as_bytes()).map_err(|_| Stop::new(Code::Internal))?;
            let value = HeaderValue::from_str(value).map_err(|_| Stop::new(Code::Internal))?;
            h.insert(name, value);
        }
        if !check.auth {
            return Ok(h);
        }
        let value = |key: &str| creds.value(key).ok_or_else(|| Stop::new(Code::Internal));
        let basic = |user: &str, password: &str| {
            let pair = zeroize::Zeroizing::new(format!("{user}:{password}"));
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(pair.as_bytes())
            )
        };
        let (name, auth) = match &provider.auth {
            Auth::Bearer { token } => (AUTHORIZATION, format!("Bearer {}", value(token)?)),
            Auth::Basic { username, password } => {
                (AUTHORIZATION, basic(value(username)?, value(password)?))
            }
            Auth::BasicKey { key, password } => (AUTHORIZATION, basic(value(key)?, password)),
            Auth::Header {
                name,
                value: template,
            } => {
                let mut filled = zeroize::Zeroizing::new(template.clone());
                for ph in placeholders(template) {
                    *filled = filled.replacen(&format!("{{{ph}}}"), value(ph)?, 1);
                }
                let name = HeaderName::from_bytes(name.as_bytes())
                    .map_err(|_| Stop::new(Code::Internal))?;
                (name, std::mem::take(&mut *filled))
            }
            Auth::ClientCredentials { .. } => {
                let token = token.ok_or_else(|| Stop::new(Code::Internal))?;
                (AUTHORIZATION, format!("Bearer {}", token.secret().expose()))
            }
            Auth::Query { .. } => return Ok(h),
        };
        let auth = zeroize::Zeroizing::new(auth);
        // Normalization already refused control characters, so this cannot fail on a real
        // key; a refusal is reported as bad input rather than a panic.
        let mut v = HeaderValue::from_str(&auth).map_err(|_| Stop::new(Code::BadCredentials))?;
        v.set_sensitive(true);
        h.insert(name, v);
        Ok(h)
    }
}

/// Renders a body, secrets included, into a buffer that is zeroized when dropped.
pub(super) fn render_body(
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

/// Whether `value` can only ever be one path segment: not empty, not `.` or `..` (which
/// URL parsing resolves), and free of what ends, escapes or re-roots a segment.
fn is_plain_segment(value: &str) -> bool {
    !value.is_empty()
        && value != "."
        && value != ".."
        && !value
            .chars()
            .any(|c| matches!(c, '/' | '\\' | '?' | '#' | '%') || c.is_control())
}

fn urlencode_segment(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_values_become_path_segments() {
        for ok in ["cmp_8Xq2", "5f1e2d3c", "a.b", "...", "ünï code", "a b"] {
            assert!(is_plain_segment(ok), "{ok:?} is one segment");
        }
        for bad in [
            "", ".", "..", "a/b", "a\\b", "a?b", "a#b", "%2e%2e", "a\nb", "a\u{7f}b", "\u{85}",
        ] {
            assert!(!is_plain_segment(bad), "{bad:?} is refused");
        }
    }
}
