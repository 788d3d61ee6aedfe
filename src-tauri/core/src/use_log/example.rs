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
/// `auth` takes a key (inside `sh -c '…'`: no single quote in it).
pub fn curl_through_proxy(auth: &crate::provider::Auth, path: &str) -> String {
    use crate::provider::Auth;
    match auth {
        Auth::Bearer { .. } => format!(
            "printf \"Authorization: Bearer %s\\n\" \"$KEYSTEP_TOKEN\" | curl -sS -H @- \"$KEYSTEP_URL{path}\""
        ),
        Auth::Basic { .. } => format!(
            "printf \"user = keystep:%s\\n\" \"$KEYSTEP_TOKEN\" | curl -sS -K - \"$KEYSTEP_URL{path}\""
        ),
        Auth::Query { param, .. } => format!(
            "printf \"url = %s{path}?{param}=%s\\n\" \"$KEYSTEP_URL\" \"$KEYSTEP_TOKEN\" | curl -sS -K -"
        ),
    }
}

/// The [`UseExample`] of account `handle` of `provider`.
pub fn example(handle: &str, provider: &crate::provider::Provider) -> UseExample {
    use crate::provider::Method;
    // A read the provider's checks make with no placeholder in it, else the base itself.
    let path = provider
        .checks
        .iter()
        .find(|c| c.method == Method::Get && !c.path.contains('{'))
        .map_or("/", |c| c.path.as_str());
    UseExample {
        run: format!("keystep run --account {handle} -- python3 script.py"),
        curl: format!(
            "keystep run --account {handle} -- sh -c '{}'",
            curl_through_proxy(&provider.auth, path)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn examples_feed_the_token_on_standard_input_where_each_provider_takes_a_key() {
        let catalogue = crate::provider::Catalogue::embedded().expect("providers");
        let curl = |id: &str| example("h", catalogue.get(id).expect("provider")).curl;
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
        for id in ["humaans", "hibob", "jazzhr", "payfit", "namely"] {
            assert!(
                !curl(id).contains("$KEYSTEP_TOKEN\"\"")
                    && curl(id).matches("$KEYSTEP_TOKEN").count() == 1,
                "{id}: the token is named once, as printf's argument"
            );
        }
        assert_eq!(
            example("payfit-acme-sas", catalogue.get("payfit").expect("payfit")).run,
            "keystep run --account payfit-acme-sas -- python3 script.py",
            "the run line names the handle"
        );
    }
}
