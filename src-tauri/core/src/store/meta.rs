//! What Keystep knows about a key, written beside each copy: as Vault's `custom_metadata`
//! (string keys and values; the KV v2 documentation allows 64 keys, keys up to 128 bytes and
//! values up to 512) and as AWS tags (50 tags, values up to 256 characters of letters,
//! digits, spaces and `_ . : / = + - @`). Both limits are kept by [`CopyMeta::pairs`], so a
//! long scope list or an unusual company name never makes a store refuse the write.
//!
//! Keys are `keystep:provider`, `keystep:tenant`, `keystep:purpose`, `keystep:scopes`
//! (space-separated), `keystep:verified-at` and `keystep:expires-at` (RFC 3339, UTC;
//! `unknown` when the provider does not say), and `keystep:handle`.

use std::collections::BTreeMap;

use crate::clock::rfc3339;

/// The facts written beside a copy.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CopyMeta {
    /// Provider id (`humaans`).
    pub provider: String,
    /// The tenant the key reaches, when the provider names one.
    pub tenant: Option<String>,
    /// What the key is for (`read`, `full`…).
    pub purpose: String,
    /// Scopes or permissions the provider showed as granted.
    pub scopes: Vec<String>,
    /// When the key was last verified (Unix seconds).
    pub verified_at: u64,
    /// When the key expires, when the provider says.
    pub expires_at: Option<u64>,
    /// Keystep's handle for the account.
    pub handle: String,
}

/// The metadata key naming the provider, which `verify --from` reads back.
pub const PROVIDER_KEY: &str = "keystep:provider";
/// The metadata key naming the purpose.
pub const PURPOSE_KEY: &str = "keystep:purpose";

/// Where the metadata goes: what each store lets a value be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Room {
    /// Vault's `custom_metadata`: any characters, values up to 512 bytes.
    Vault,
    /// AWS tags: values up to 256 characters from a small set.
    AwsTags,
}

impl CopyMeta {
    /// The key-value pairs to write, each value made to fit `room`.
    pub(crate) fn pairs(&self, room: Room) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        let mut put = |key: &str, value: String| {
            out.insert(key.to_string(), fit(&value, room));
        };
        put(PROVIDER_KEY, self.provider.clone());
        put("keystep:tenant", self.tenant.clone().unwrap_or_default());
        put(PURPOSE_KEY, self.purpose.clone());
        put("keystep:scopes", self.scopes.join(" "));
        put("keystep:verified-at", rfc3339(self.verified_at));
        put(
            "keystep:expires-at",
            self.expires_at
                .map_or_else(|| "unknown".to_string(), rfc3339),
        );
        put("keystep:handle", self.handle.clone());
        out
    }
}

/// `value` within `room`'s limits: characters a store refuses become `-`, and a value too
/// long is cut at a character boundary and ends in `…` (Vault) or `...` (AWS).
fn fit(value: &str, room: Room) -> String {
    let (limit, ellipsis) = match room {
        Room::Vault => (512, "…"),
        Room::AwsTags => (256, "..."),
    };
    let cleaned: String = value
        .chars()
        .map(|c| match room {
            Room::Vault if c.is_control() => ' ',
            Room::AwsTags if !(c.is_alphanumeric() || c == ' ' || "_.:/=+-@".contains(c)) => '-',
            _ => c,
        })
        .collect();
    let size = |s: &str| match room {
        Room::Vault => s.len(),
        Room::AwsTags => s.chars().count(),
    };
    if size(&cleaned) <= limit {
        return cleaned;
    }
    let mut out = String::new();
    for c in cleaned.chars() {
        let mut next = out.clone();
        next.push(c);
        if size(&next) + size(ellipsis) > limit {
            break;
        }
        out = next;
    }
    out.push_str(ellipsis);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta() -> CopyMeta {
        CopyMeta {
            provider: "humaans".into(),
            tenant: Some("Acme & Co (Paris)".into()),
            purpose: "read".into(),
            scopes: vec!["public:read".into(), "private:read".into()],
            verified_at: 1_796_558_400,
            expires_at: None,
            handle: "humaans-acme".into(),
        }
    }

    #[test]
    fn every_fact_is_written_under_its_key() {
        let pairs = meta().pairs(Room::Vault);
        assert_eq!(pairs["keystep:provider"], "humaans", "provider");
        assert_eq!(
            pairs["keystep:tenant"], "Acme & Co (Paris)",
            "Vault keeps any character"
        );
        assert_eq!(pairs["keystep:purpose"], "read", "purpose");
        assert_eq!(
            pairs["keystep:scopes"], "public:read private:read",
            "scopes, space-separated"
        );
        assert_eq!(
            pairs["keystep:verified-at"], "2026-12-06T12:00:00Z",
            "RFC 3339"
        );
        assert_eq!(pairs["keystep:expires-at"], "unknown", "no expiry known");
        assert_eq!(pairs["keystep:handle"], "humaans-acme", "handle");
    }

    #[test]
    fn aws_tags_get_only_the_characters_and_length_aws_accepts() {
        let mut m = meta();
        m.scopes = (0..100).map(|i| format!("scope{i}:read")).collect();
        let pairs = m.pairs(Room::AwsTags);
        assert_eq!(
            pairs["keystep:tenant"], "Acme - Co -Paris-",
            "& ( ) are not tag characters"
        );
        let scopes = &pairs["keystep:scopes"];
        assert!(
            scopes.chars().count() <= 256,
            "a tag value is at most 256 characters: {}",
            scopes.len()
        );
        assert!(scopes.ends_with("..."), "a cut value says so: {scopes}");
        let vault = m.pairs(Room::Vault);
        assert!(
            vault["keystep:scopes"].len() <= 512,
            "a Vault value is at most 512 bytes"
        );
    }
}
