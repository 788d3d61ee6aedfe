//! How to use an account from a script, as the window offers it to copy: the `keystep run`
//! line, and a `curl` through the proxy with the run token where the provider takes a key.
//!
//! The token never goes into a command's arguments: every user of the machine can read
//! those in the process list, and the proxy admits its own user only, but a token should not
//! be handed around either. `printf` is the shell's own (no new process, no argument list),
//! and it gives `curl` the token on its standard input: a header line for `-H @-`, or a
//! config line for `-K -` (Basic's user, or JazzHR's whole URL since its key rides in the
//! query). A test runs every example Keystep prints under `strace` and fails on one that
//! puts the token into an argument list.

/// The lines of one account: shell code, not sentences; no secret (the variables are filled
/// in by `keystep run`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UseExample {
    /// `keystep run --account HANDLE -- python3 script.py`.
    pub run: String,
    /// The same with a `curl` of one of the provider's reads.
    pub curl: String,
}

/// The `curl` of `path` through the proxy, the token fed on standard input where
/// `auth` takes a key (inside `sh -c '…'`: no single quote in it). `post` is what makes the
/// request a POST with an empty JSON body (an RPC-style API's read), or nothing.
pub fn curl_through_proxy(auth: &crate::provider::Auth, path: &str, post: &str) -> String {
    use crate::provider::Auth;
    match auth {
        // Client credentials: the script holds a run token, sent as a Bearer token; the
        // proxy mints and sends the access token itself.
        Auth::Bearer { .. } | Auth::ClientCredentials { .. } => format!(
            "printf \"Authorization: Bearer %s\\n\" \"$KEYSTEP_TOKEN\" | curl -sS {post}-H @- \"$KEYSTEP_URL{path}\""
        ),
        Auth::Basic { .. } => format!(
            "printf \"user = keystep:%s\\n\" \"$KEYSTEP_TOKEN\" | curl -sS {post}-K - \"$KEYSTEP_URL{path}\""
        ),
        // The token is the user name, and the provider's fixed password follows it.
        Auth::BasicKey { password, .. } => format!(
            "printf \"user = %s:{}\\n\" \"$KEYSTEP_TOKEN\" | curl -sS {post}-K - \"$KEYSTEP_URL{path}\"",
            printf_text(password)
        ),
        // The vendor's header, the token where its value holds the key (validation allows
        // exactly one placeholder there).
        Auth::Header { name, value } => {
            let mut line = printf_text(value);
            for ph in crate::provider::placeholders(value) {
                line = line.replace(&format!("{{{ph}}}"), "%s");
            }
            format!(
                "printf \"{name}: {line}\\n\" \"$KEYSTEP_TOKEN\" | curl -sS {post}-H @- \"$KEYSTEP_URL{path}\""
            )
        }
        Auth::Query { param, .. } => format!(
            "printf \"url = %s{path}?{param}=%s\\n\" \"$KEYSTEP_URL\" \"$KEYSTEP_TOKEN\" | curl -sS {post}-K -"
        ),
    }
}

/// `text` as a literal part of a `printf` format inside double quotes.
fn printf_text(text: &str) -> String {
    text.replace('%', "%%")
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('$', "\\$")
        .replace('`', "\\`")
}

/// The [`UseExample`] of account `handle` of `provider`, whose tenant (the company id its
/// provider file's identity names, as PayFit's paths hold it) is `tenant` when known.
pub fn example(
    handle: &str,
    provider: &crate::provider::Provider,
    tenant: Option<&str>,
) -> UseExample {
    use crate::provider::Method;
    // The placeholder the account's tenant fills: the identity's tenant when it is exactly
    // one capture (`{company_id}`), and only for a value that stays one plain path segment.
    let filled = provider
        .identity
        .tenant
        .as_deref()
        .and_then(|t| t.strip_prefix('{')?.strip_suffix('}'))
        .filter(|name| !name.contains(['{', '}']))
        .zip(tenant.filter(|v| {
            !v.is_empty()
                && v.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-._~".contains(c))
        }))
        .map(|(name, value)| (format!("{{{name}}}"), value));
    let path_of = |c: &crate::provider::Check| match &filled {
        Some((placeholder, value)) => c.path.replace(placeholder.as_str(), value),
        None => c.path.clone(),
    };
    // A read the provider's checks make with no placeholder left in it once the tenant is
    // filled in (a GET, else a POST the file lists as a read, as RPC-style APIs have only
    // those), else the base itself.
    let plain = |c: &&crate::provider::Check| c.auth && !path_of(c).contains('{');
    let check = provider
        .checks
        .iter()
        .filter(plain)
        .find(|c| c.method == Method::Get)
        .or_else(|| {
            provider
                .checks
                .iter()
                .filter(plain)
                .find(|c| provider.reads.iter().any(|r| r.matches("POST", &c.path)))
        });
    let path = check.map_or_else(|| "/".to_string(), path_of);
    let post = if check.is_some_and(|c| c.method == Method::Post) {
        "-X POST -H \"Content-Type: application/json\" -d \"{}\" "
    } else {
        ""
    };
    UseExample {
        run: format!("keystep run --account {handle} -- python3 script.py"),
        curl: format!(
            "keystep run --account {handle} -- sh -c '{}'",
            curl_through_proxy(&provider.auth, &path, post)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn examples_feed_the_token_on_standard_input_where_each_provider_takes_a_key() {
        let catalogue = crate::provider::Catalogue::embedded().expect("providers");
        let curl = |id: &str| example("h", catalogue.get(id).expect("provider"), None).curl;
        assert!(
            curl("humaans").contains(
                "printf \"Authorization: Bearer %s\\n\" \"$KEYSTEP_TOKEN\" | curl -sS -H @-"
            ),
            "bearer: a header line on stdin"
        );
        assert!(
            curl("hibob")
                .contains("printf \"user = keystep:%s\\n\" \"$KEYSTEP_TOKEN\" | curl -sS -K -"),
            "basic: the user in a config line on stdin"
        );
        assert!(
            curl("jazzhr")
                .contains("?apikey=%s\\n\" \"$KEYSTEP_URL\" \"$KEYSTEP_TOKEN\" | curl -sS -K -"),
            "query: the whole URL in a config line on stdin"
        );
        assert!(
            curl("bamboohr")
                .contains("printf \"user = %s:x\\n\" \"$KEYSTEP_TOKEN\" | curl -sS -K -"),
            "basic_key: the token as the user name, the fixed password after it, on stdin: {}",
            curl("bamboohr")
        );
        assert!(
            curl("ashby").contains("printf \"user = %s:\\n\" \"$KEYSTEP_TOKEN\"")
                && curl("ashby").contains("-X POST")
                && curl("ashby").contains("-d \"{}\"")
                && curl("ashby").contains("/apiKey.info"),
            "an RPC-style API's read is a POST with an empty JSON body: {}",
            curl("ashby")
        );
        assert!(
            curl("greenhouse").contains(
                "printf \"Authorization: Bearer %s\\n\" \"$KEYSTEP_TOKEN\" | curl -sS -H @-"
            ),
            "client credentials: the script holds a run token, sent as a Bearer token"
        );
        for (id, p) in catalogue.all().iter().map(|p| (p.id.as_str(), p)) {
            let line = example("h", p, None).curl;
            let inner = line
                .split_once("sh -c '")
                .map(|(_, rest)| rest)
                .expect("a sh -c line");
            assert!(
                inner.matches('\'').count() == 1 && inner.ends_with('\''),
                "{id}: no single quote inside sh -c '…': {line}"
            );
            assert!(
                line.matches("$KEYSTEP_TOKEN").count() == 1 && !line.contains("$KEYSTEP_TOKEN\"\""),
                "{id}: the token is named once, as printf's argument: {line}"
            );
        }
        for id in ["humaans", "hibob", "jazzhr", "payfit", "namely"] {
            assert!(
                !curl(id).contains("$KEYSTEP_TOKEN\"\"")
                    && curl(id).matches("$KEYSTEP_TOKEN").count() == 1,
                "{id}: the token is named once, as printf's argument"
            );
        }
        assert_eq!(
            example(
                "payfit-acme-sas",
                catalogue.get("payfit").expect("payfit"),
                None
            )
            .run,
            "keystep run --account payfit-acme-sas -- python3 script.py",
            "the run line names the handle"
        );
        let payfit = catalogue.get("payfit").expect("payfit");
        assert!(
            example("h", payfit, Some("co_42"))
                .curl
                .contains("\"$KEYSTEP_URL/companies/co_42\""),
            "PayFit's paths name the company: the account's tenant fills them: {}",
            example("h", payfit, Some("co_42")).curl
        );
        assert!(
            example("h", payfit, Some("../x"))
                .curl
                .contains("\"$KEYSTEP_URL/\""),
            "a tenant that is not one plain segment is never put in a path"
        );
    }
}
