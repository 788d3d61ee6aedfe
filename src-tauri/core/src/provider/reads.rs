//! Requests that only read although their method is not GET or HEAD: HiBob's people search,
//! BambooHR's custom reports, Ashby's whole RPC-style API. A provider file lists them
//! (`reads`) by method and path pattern, and `keystep run`'s proxy lets exactly those
//! through without `--allow-write` ([`ReadRequest::matches`]).
//!
//! A pattern is a path below the host's base, segment by segment: a literal segment matches
//! itself, `{name}` matches any one segment (an id), and `*` inside a segment matches any
//! run of characters within it (`/*.list` matches `/candidate.list`, never `/a/b.list`). A
//! pattern never matches across a `/`, so no wildcard can reach another part of the API.

use serde::Deserialize;

use super::template::placeholders;

/// HTTP method of a check or a declared read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    /// GET.
    #[default]
    Get,
    /// POST.
    Post,
}

impl Method {
    /// The method as HTTP writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// A request that only reads, whatever its method says.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReadRequest {
    /// Its method (GET and HEAD are reads anyway, so this is POST).
    pub method: Method,
    /// Its path pattern below the host's base (no query).
    pub path: String,
}

impl ReadRequest {
    /// Whether a request with `method` and `path` (below the base, no query) is this read.
    /// A trailing `/` on either side is ignored.
    pub fn matches(&self, method: &str, path: &str) -> bool {
        if !method.eq_ignore_ascii_case(self.method.as_str()) {
            return false;
        }
        let want: Vec<&str> = self.path.trim_end_matches('/').split('/').collect();
        let got: Vec<&str> = path.trim_end_matches('/').split('/').collect();
        want.len() == got.len() && want.iter().zip(&got).all(|(w, g)| segment_matches(w, g))
    }

    /// Why the pattern cannot be used, if it cannot: it must start with `/`, hold no
    /// query, fragment, escape or dot segment, give each placeholder a whole segment, and
    /// keep at least one literal character (a pattern of wildcards alone would let any
    /// request pass as a read).
    pub fn problem(&self) -> Option<&'static str> {
        let p = &self.path;
        if !p.starts_with('/') || p.contains(['?', '#', '%', '\\']) {
            return Some("must be a path starting with /, without query or escapes");
        }
        let segments: Vec<&str> = p[1..].split('/').collect();
        if segments.iter().any(|s| *s == "." || *s == "..") {
            return Some("must not hold . or .. segments");
        }
        for s in &segments {
            let names = placeholders(s);
            if !names.is_empty() && (names.len() > 1 || *s != format!("{{{}}}", names[0])) {
                return Some("a placeholder must be a whole segment");
            }
            if s.contains(['{', '}']) && names.is_empty() {
                return Some("has an unclosed placeholder");
            }
        }
        let literal = segments
            .iter()
            .any(|s| placeholders(s).is_empty() && s.chars().any(|c| c != '*'));
        if !literal {
            return Some("needs at least one literal segment");
        }
        None
    }
}

/// Whether one path segment matches one pattern segment.
fn segment_matches(pattern: &str, segment: &str) -> bool {
    if !placeholders(pattern).is_empty() {
        return !segment.is_empty() && segment != "." && segment != "..";
    }
    glob(pattern.as_bytes(), segment.as_bytes())
}

/// `*` matches any run of bytes (the segment holds no `/`), everything else itself. A
/// small matcher rather than a crate: one wildcard, one segment, no classes.
fn glob(pattern: &[u8], text: &[u8]) -> bool {
    match pattern.split_first() {
        None => text.is_empty(),
        Some((b'*', rest)) => (0..=text.len()).any(|i| glob(rest, &text[i..])),
        Some((c, rest)) => text.first() == Some(c) && glob(rest, &text[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(path: &str) -> ReadRequest {
        ReadRequest {
            method: Method::Post,
            path: path.into(),
        }
    }

    #[test]
    fn literal_paths_match_themselves_and_nothing_else() {
        let r = read("/people/search");
        assert!(r.matches("POST", "/people/search"), "the path itself");
        assert!(
            r.matches("post", "/people/search/"),
            "case and trailing slash"
        );
        assert!(!r.matches("PUT", "/people/search"), "another method");
        assert!(!r.matches("POST", "/people"), "a shorter path");
        assert!(!r.matches("POST", "/people/search/x"), "a longer path");
    }

    #[test]
    fn placeholders_match_one_segment_and_wildcards_stay_inside_one() {
        let ids = read("/v1/datasets/{datasetName}");
        assert!(ids.matches("POST", "/v1/datasets/employee"), "an id");
        assert!(!ids.matches("POST", "/v1/datasets"), "no id");
        assert!(!ids.matches("POST", "/v1/datasets/a/b"), "two segments");
        let rpc = read("/*.list");
        assert!(rpc.matches("POST", "/candidate.list"), "any category");
        assert!(!rpc.matches("POST", "/candidate.create"), "another verb");
        assert!(
            !rpc.matches("POST", "/a/candidate.list"),
            "never across a /"
        );
        assert!(
            !rpc.matches("POST", "/candidate.listing"),
            "the end is literal"
        );
    }

    #[test]
    fn patterns_that_could_pass_anything_are_refused() {
        for bad in [
            "people", "/a/../b", "/a?x=1", "/a%2fb", "/*", "/{id}", "/a{id}", "/{a",
        ] {
            assert!(read(bad).problem().is_some(), "{bad:?} must be refused");
        }
        for good in [
            "/people/search",
            "/*.info",
            "/v1/reports/custom",
            "/v2/datasets/{name}/data",
        ] {
            assert_eq!(read(good).problem(), None, "{good:?} is a usable pattern");
        }
    }
}
