//! Templates in provider files: `{name}` placeholders in paths, hosts, bodies, messages and
//! headers, filled from fields and captures.

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

/// Matches the small regular-expression subset provider files use for `usual_pattern`:
/// `^[classes]{n}$` and `^[classes]{n,m}$` and `^[classes]+$`. Anything else is treated as
/// matching, so an unsupported pattern can only ever silence a note, never block a key.
pub fn matches_simple_pattern(pattern: &str, value: &str) -> bool {
    simple_pattern(pattern, value).unwrap_or(true)
}

/// Whether `pattern` is in the subset [`matches_simple_pattern`] understands: a pattern
/// that must decide something (a retired credential's shape) has to be.
pub fn is_simple_pattern(pattern: &str) -> bool {
    simple_pattern(pattern, "").is_some()
}

/// `None` for a pattern outside the subset.
fn simple_pattern(pattern: &str, value: &str) -> Option<bool> {
    let inner = pattern
        .strip_prefix("^[")
        .and_then(|p| p.strip_suffix('$'))?;
    let close = inner.find(']')?;
    let (class, quant) = (&inner[..close], &inner[close + 1..]);
    let mut ranges = Vec::new();
    let chars: Vec<char> = class.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if i + 2 < chars.len() && chars[i + 1] == '-' {
            ranges.push((chars[i], chars[i + 2]));
            i += 3;
        } else {
            ranges.push((chars[i], chars[i]));
            i += 1;
        }
    }
    let in_class = |c: char| ranges.iter().any(|(a, b)| (*a..=*b).contains(&c));
    let n = value.chars().count();
    let count_ok = match quant {
        "+" => n >= 1,
        q if q.starts_with('{') && q.ends_with('}') => {
            let body = &q[1..q.len() - 1];
            match body.split_once(',') {
                Some((lo, hi)) => match (lo.parse::<usize>(), hi.parse::<usize>()) {
                    (Ok(lo), Ok(hi)) => (lo..=hi).contains(&n),
                    _ => return None,
                },
                None => match body.parse::<usize>() {
                    Ok(exact) => n == exact,
                    Err(_) => return None,
                },
            }
        }
        _ => return None,
    };
    Some(count_ok && value.chars().all(in_class))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simple_patterns_match_as_documented() {
        assert!(
            matches_simple_pattern("^[A-Za-z0-9]{32}$", &"a".repeat(32)),
            "exact"
        );
        assert!(
            !matches_simple_pattern("^[A-Za-z0-9]{32}$", "short"),
            "too short"
        );
        assert!(!matches_simple_pattern("^[a-z]+$", "ABC"), "wrong class");
        assert!(
            matches_simple_pattern("(unsupported", "anything"),
            "unsupported passes"
        );
    }

    #[test]
    fn only_the_subset_counts_as_a_pattern() {
        assert!(is_simple_pattern("^[0-9a-f]{32}$"), "a class and a count");
        assert!(
            !is_simple_pattern("^[0-9a-f]{32}(-[0-9]+)?$"),
            "a group is beyond the subset"
        );
    }
}
