//! What the emulator reads from Keystep's provider files: the permissions a file asks for
//! (`permissions.required`, each purpose's) and its hosts. A tenant with "every scope the
//! guide asks for" is granted exactly that list, so it is written once, in the provider file,
//! and a scope added there is granted here without a second edit; a host added there is
//! served here (`hosts`).

use std::sync::OnceLock;

include!(concat!(env!("OUT_DIR"), "/provider_files.rs"));

/// The text of provider `id`'s file.
pub(crate) fn text(id: &str) -> &'static str {
    FILES
        .iter()
        .find(|(f, _)| *f == id)
        .map(|(_, t)| *t)
        .unwrap_or_else(|| panic!("no provider file {id}"))
}

/// Every provider's hosts as `(provider, host, path prefix)`: the prefix is
/// `/<provider>/<host>`, or `/<provider>/{field}` when the host's name holds a field (a
/// company subdomain), which Keystep fills in.
pub(crate) fn hosts() -> &'static [(String, String, String)] {
    static HOSTS: OnceLock<Vec<(String, String, String)>> = OnceLock::new();
    HOSTS.get_or_init(|| {
        let mut out = Vec::new();
        for (id, text) in FILES {
            let parsed: toml::Table = text.parse().expect("a provider file is valid TOML");
            let Some(hosts) = parsed.get("hosts").and_then(toml::Value::as_table) else {
                continue;
            };
            for (name, url) in hosts {
                let url = url.as_str().unwrap_or_default();
                let host_part = url
                    .split_once("://")
                    .map_or(url, |(_, rest)| rest)
                    .split('/')
                    .next()
                    .unwrap_or_default();
                let prefix = match host_part.split_once('{') {
                    Some((_, field)) => {
                        let field = field.split('}').next().unwrap_or_default();
                        format!("/{id}/{{{field}}}")
                    }
                    None => format!("/{id}/{name}"),
                };
                out.push(((*id).to_string(), name.clone(), prefix));
            }
        }
        out
    })
}

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
