//! References to accounts' fields in `keystep run`'s environment, as `op run` resolves its
//! own: `HIBOB_API_TOKEN=keystep://hibob-acme/service_user_token keystep run --env -- server`
//! starts `server` with the key in that variable, and the configuration that started
//! `keystep run` (an AI assistant's, say) holds only the reference.

use keystep_core::assistant::REFERENCE_SCHEME;

/// One variable whose value names an account's field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// The variable (`HIBOB_API_TOKEN`).
    pub var: String,
    /// The account's handle.
    pub handle: String,
    /// The field's key (`service_user_token`).
    pub field: String,
}

/// The references among `vars` (name, value), in name order.
///
/// # Errors
/// A sentence naming the variable whose value starts like a reference but is not one
/// (`keystep://HANDLE/FIELD`, both parts plain).
pub fn references(
    vars: impl IntoIterator<Item = (String, String)>,
) -> Result<Vec<Reference>, String> {
    let mut out = Vec::new();
    for (var, value) in vars {
        let Some(rest) = value.strip_prefix(REFERENCE_SCHEME) else {
            continue;
        };
        let plain = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
        };
        match rest.split_once('/') {
            Some((handle, field)) if plain(handle) && plain(field) => out.push(Reference {
                var,
                handle: handle.to_string(),
                field: field.to_string(),
            }),
            _ => {
                return Err(format!(
                    "{var} starts with {REFERENCE_SCHEME} but is not {REFERENCE_SCHEME}HANDLE/FIELD"
                ))
            }
        }
    }
    out.sort_by(|a, b| a.var.cmp(&b.var));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn references_are_found_and_other_values_left_alone() {
        let found = references(vars(&[
            ("PATH", "/usr/bin"),
            ("API_KEY", "keystep://humaans-acme/api_token"),
            ("URL", "https://example.test/keystep://x"),
        ]))
        .expect("one reference");
        assert_eq!(
            found,
            [Reference {
                var: "API_KEY".into(),
                handle: "humaans-acme".into(),
                field: "api_token".into()
            }],
            "only the value that is a reference"
        );
    }

    #[test]
    fn a_malformed_reference_is_named_by_its_variable() {
        for bad in [
            "keystep://",
            "keystep://acme",
            "keystep://acme/",
            "keystep://a/b/c",
            "keystep://a b/c",
        ] {
            let e = references(vars(&[("API_KEY", bad)])).expect_err("refused");
            assert!(e.contains("API_KEY"), "names the variable: {e}");
        }
    }
}
