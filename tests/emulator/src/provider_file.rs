//! The one thing the emulator reads from Keystep itself: the permissions a provider file
//! asks for (`permissions.required`). A tenant with "every scope the guide asks for" is
//! granted exactly that list, so it is written once, in the provider file, and a scope
//! added there is granted here without a second edit.

use std::sync::OnceLock;

/// The `permissions.required` list of a provider file's text, in its order.
pub(crate) fn required(file: &str) -> Vec<String> {
    let parsed: toml::Table = file.parse().expect("a provider file is valid TOML");
    parsed
        .get("permissions")
        .and_then(|p| p.get("required"))
        .and_then(toml::Value::as_array)
        .expect("the provider file lists permissions.required")
        .iter()
        .map(|v| {
            v.as_str()
                .expect("a required permission is a string")
                .to_string()
        })
        .collect()
}

/// [`required`] of `file`, parsed once into `cell`.
pub(crate) fn required_once(cell: &'static OnceLock<Vec<String>>, file: &str) -> &'static [String] {
    cell.get_or_init(|| required(file))
}

/// The permissions purpose `id` of a provider file's text asks for, in its order: a key
/// with "exactly the `read` set" is granted this list.
pub(crate) fn purpose(file: &str, id: &str) -> Vec<String> {
    let parsed: toml::Table = file.parse().expect("a provider file is valid TOML");
    parsed
        .get("purposes")
        .and_then(toml::Value::as_array)
        .expect("the provider file declares purposes")
        .iter()
        .find(|p| p.get("id").and_then(toml::Value::as_str) == Some(id))
        .and_then(|p| p.get("permissions"))
        .and_then(toml::Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}
