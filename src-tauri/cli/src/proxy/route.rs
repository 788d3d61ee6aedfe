//! Where a request through the proxy goes, and whether it may: `/<name>/<host>/<path>`
//! names the account and one of its provider's hosts; the path must stay below that host's
//! base (no `.` or `..` segment, encoded or not, no encoded slash or backslash, nothing a
//! second decoding would turn into one); and without `--allow-write` only reads pass.

/// A request's destination, once its path was found safe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route<'a> {
    /// The account's name (its handle).
    pub name: &'a str,
    /// The provider's host name.
    pub host: &'a str,
    /// The path below the host's base, as the script wrote it (`/people/search`).
    pub rest: &'a str,
}

/// Why a path was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathTrouble {
    /// It names no account and host.
    NoRoute,
    /// It would leave the base.
    Escapes,
}

/// Splits `/<name>/<host><rest>` and checks `rest` stays below the base.
pub fn route(path: &str) -> Result<Route<'_>, PathTrouble> {
    let inner = path.strip_prefix('/').ok_or(PathTrouble::NoRoute)?;
    let (name, after) = inner.split_once('/').unwrap_or((inner, ""));
    let (host, _) = after.split_once('/').unwrap_or((after, ""));
    if name.is_empty() || host.is_empty() {
        return Err(PathTrouble::NoRoute);
    }
    let rest = &after[host.len()..];
    if !stays_below(rest) || !stays_below(&format!("/{name}/{host}")) {
        return Err(PathTrouble::Escapes);
    }
    Ok(Route { name, host, rest })
}

/// Whether a path (as sent, percent-encoded) stays below where it starts.
fn stays_below(path: &str) -> bool {
    // Decoded once as the provider would, and once more as a lenient server or framework in
    // front of it might: neither may find a dot segment or a separator inside a segment.
    path.split('/').all(|raw| {
        let once = percent_decode(raw);
        let twice = percent_decode(&once);
        [once, twice]
            .iter()
            .all(|s| s != "." && s != ".." && !s.contains(['/', '\\', '\0', '\r', '\n']))
    }) && !path.contains('\\')
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// Whether a request only reads: GET, HEAD, or one the provider file lists as a read.
pub fn is_read(method: &str, rest: &str, reads: &[(String, String)]) -> bool {
    matches!(method, "GET" | "HEAD")
        || reads
            .iter()
            .any(|(m, p)| m == method && p.trim_end_matches('/') == rest.trim_end_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_below_the_base_pass() {
        assert_eq!(
            route("/payfit-acme/api/companies/c1/collaborators"),
            Ok(Route {
                name: "payfit-acme",
                host: "api",
                rest: "/companies/c1/collaborators"
            }),
            "name, host and the rest"
        );
        assert_eq!(route("/a/api").map(|r| r.rest), Ok(""), "the base itself");
        assert_eq!(
            route("/a/api/files/report%20v2.csv").map(|r| r.rest),
            Ok("/files/report%20v2.csv"),
            "an encoded space is a plain character"
        );
    }

    #[test]
    fn every_way_out_of_the_base_is_refused() {
        for path in [
            "/a/api/../oauth/introspect",
            "/a/api/%2e%2e/oauth",
            "/a/api/%2E%2e/oauth",
            "/a/api/.%2e/oauth",
            "/a/api/people/%2f..%2foauth",
            "/a/api/people%2F..",
            "/a/api/people%5c..",
            "/a/api/%252e%252e/oauth",
            "/a/api/./x",
            "/a/api\\..\\x",
            "/a/..",
        ] {
            assert_eq!(
                route(path),
                Err(PathTrouble::Escapes),
                "{path} must be refused"
            );
        }
        assert_eq!(route("/"), Err(PathTrouble::NoRoute), "no account named");
        assert_eq!(route("/a"), Err(PathTrouble::NoRoute), "no host named");
    }

    #[test]
    fn reads_are_get_head_and_what_the_file_lists() {
        let reads = vec![("POST".to_string(), "/people/search".to_string())];
        assert!(is_read("GET", "/people", &reads), "GET reads");
        assert!(is_read("HEAD", "/people", &reads), "HEAD reads");
        assert!(is_read("POST", "/people/search", &reads), "listed");
        assert!(!is_read("POST", "/people", &reads), "another POST writes");
        assert!(
            !is_read("DELETE", "/people/search", &reads),
            "another method"
        );
        assert!(!is_read("OPTIONS", "/people", &[]), "not a read");
    }
}
