//! Where a request through the proxy goes, and whether it may: `/<name>/<host>/<path>`
//! names the account and one of its provider's hosts; the path must stay below that host's
//! base; without `--allow-write` only reads pass, and with it only the plain writes.
//!
//! Staying below the base means no segment that any number of percent-decodings turns into
//! something starting with `..` or `.` alone, or holding `;` (a Tomcat-style server reads
//! `..;` as `..`), a slash, a backslash or a control character; and no segment whose
//! decoding is not UTF-8 (an overlong `%c0%ae` is a dot to some decoders).

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
    let route = split(path)?;
    if !route.stays_below() {
        return Err(PathTrouble::Escapes);
    }
    Ok(route)
}

/// Splits `/<name>/<host><rest>` without judging `rest` (the token is checked first, so
/// a refusal before it says nothing about the path).
pub fn split(path: &str) -> Result<Route<'_>, PathTrouble> {
    let inner = path.strip_prefix('/').ok_or(PathTrouble::NoRoute)?;
    let (name, after) = inner.split_once('/').unwrap_or((inner, ""));
    let (host, _) = after.split_once('/').unwrap_or((after, ""));
    if name.is_empty() || host.is_empty() {
        return Err(PathTrouble::NoRoute);
    }
    let rest = &after[host.len()..];
    Ok(Route { name, host, rest })
}

impl Route<'_> {
    /// Whether the path stays below the host's base, and the name and host are plain.
    pub fn stays_below(&self) -> bool {
        stays_below(self.rest) && stays_below(&format!("/{}/{}", self.name, self.host))
    }
}

/// How many decodings a segment is followed through: `%25252e` is three.
const DECODINGS: usize = 4;

/// Whether a path (as sent, percent-encoded) stays below where it starts.
fn stays_below(path: &str) -> bool {
    !path.contains('\\') && path.split('/').skip(1).all(plain_segment)
}

/// A segment that no decoding, as a provider or a lenient server in front of it might do,
/// turns into a way up or a second segment.
fn plain_segment(raw: &str) -> bool {
    let mut text = raw.as_bytes().to_vec();
    for _ in 0..=DECODINGS {
        let Ok(s) = std::str::from_utf8(&text) else {
            return false;
        };
        if s == "."
            || s.starts_with("..")
            || s.contains([';', '/', '\\'])
            || s.chars().any(char::is_control)
        {
            return false;
        }
        let next: Vec<u8> = percent_encoding_decode(&text);
        if next == text {
            return true;
        }
        text = next;
    }
    // Still encoded after that many decodings: nothing a real client sends.
    false
}

/// One percent-decoding (`%2e` → `.`; `+` stays, as in a path), bytes as they come: a
/// decoding that is not UTF-8 is refused by the caller, not patched over.
fn percent_encoding_decode(s: &[u8]) -> Vec<u8> {
    percent_encoding::percent_decode(s).collect()
}

/// Whether `--allow-write` lets a method through: the plain writes only (not TRACE,
/// CONNECT, OPTIONS or a made-up method).
pub fn is_write(method: &str) -> bool {
    matches!(method, "POST" | "PUT" | "PATCH" | "DELETE")
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
            "/a/api/..;/oauth",
            "/a/api/%2e%2e;/oauth",
            "/a/api/..%3b/oauth",
            "/a/api/%25252e%25252e/oauth",
            "/a/api/%c0%ae%c0%ae/oauth",
            "/a/api/..foo",
            "/a/api/people;jsessionid=1",
            "/a/api/people%00",
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
    fn plain_writes_are_the_only_writes() {
        for m in ["POST", "PUT", "PATCH", "DELETE"] {
            assert!(is_write(m), "{m} is a plain write");
        }
        for m in ["TRACE", "CONNECT", "OPTIONS", "PROPFIND", "get"] {
            assert!(!is_write(m), "{m} is not let through by --allow-write");
        }
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
