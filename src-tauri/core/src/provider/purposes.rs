//! What a key is for. Every provider file declares its purposes (`[[purposes]]`): at least
//! `read` (people, the company and what a directory or reporting sync needs; no write
//! permission) and `full` (everything the original guide lists, what an integration platform
//! asks for), each with the permissions it needs in the provider's own words. Verification
//! holds a key to its account's purpose: what the purpose needs and the key lacks is missing,
//! what the key holds beyond it is least-privilege advice, never a failure.

use std::collections::BTreeSet;

use super::schema::{KeyPurpose, Provider};

/// The purpose a key is held to when nobody says otherwise (`keystep verify`, the wizard's
/// preselected choice): the least a sync needs.
pub const DEFAULT_PURPOSE: &str = "read";

/// The purpose of accounts linked before purposes existed: they were held to everything the
/// guide listed, so their status does not change when Keystep learns about purposes.
pub const LEGACY_PURPOSE: &str = "full";

impl Provider {
    /// The purpose named `id`, if the file declares it.
    pub fn purpose(&self, id: &str) -> Option<&KeyPurpose> {
        self.purposes.iter().find(|p| p.id == id)
    }

    /// The ids of the declared purposes, in file order.
    pub fn purpose_ids(&self) -> Vec<&str> {
        self.purposes.iter().map(|p| p.id.as_str()).collect()
    }
}

/// The rules a parser cannot enforce: `read` and `full` exist, ids are kebab-case and
/// unique, every permission is a required one, `full` asks for every required permission,
/// and labels and summaries are not blank.
pub(super) fn validate_purposes(p: &Provider) -> Result<(), String> {
    let mut ids = BTreeSet::new();
    for purpose in &p.purposes {
        let kebab = !purpose.id.is_empty()
            && purpose
                .id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !kebab || !ids.insert(purpose.id.as_str()) {
            return Err(format!(
                "purpose `{}`: ids are kebab-case and unique",
                purpose.id
            ));
        }
        if purpose.label.trim().is_empty() || purpose.summary.trim().is_empty() {
            return Err(format!(
                "purpose `{}` needs a label and a summary",
                purpose.id
            ));
        }
        let mut seen = BTreeSet::new();
        for name in &purpose.permissions {
            if !p.permissions.required.contains(name) || !seen.insert(name.as_str()) {
                return Err(format!(
                    "purpose `{}`: `{name}` is not a required permission, or is listed twice",
                    purpose.id
                ));
            }
        }
    }
    for needed in [DEFAULT_PURPOSE, LEGACY_PURPOSE] {
        if p.purpose(needed).is_none() {
            return Err(format!("every provider declares the purpose `{needed}`"));
        }
    }
    let full: BTreeSet<&String> = p
        .purpose(LEGACY_PURPOSE)
        .map(|f| f.permissions.iter().collect())
        .unwrap_or_default();
    if p.permissions.required.iter().any(|r| !full.contains(r)) {
        return Err("purpose `full` asks for every required permission".into());
    }
    Ok(())
}
