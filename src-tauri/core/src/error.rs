//! The closed set of outcome codes that cross every boundary (IPC, CLI, the account book).
//!
//! Each code exists because the user is told to do something different for it. The UI
//! branches on the code only; the message beside it is for the person.

use serde::{Deserialize, Serialize};

/// Why something did not work, as the UI and the CLI see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Code {
    /// The input was rejected before anything was sent.
    InvalidInput,
    /// The provider rejected the credential (revoked, mistyped, expired).
    BadCredentials,
    /// The credential works but lacks a scope or permission the user was asked to grant.
    MissingPermission,
    /// The tenant (subdomain, company) named does not exist or is not this provider's.
    WrongTenant,
    /// The provider asked us to slow down.
    RateLimited,
    /// The provider is blocking this machine for a while (e.g. a firewall after failures).
    Blocked,
    /// No HTTP answer: DNS, connection, TLS or a timeout.
    Unreachable,
    /// The provider answered with a server error.
    ProviderError,
    /// The provider answered, but not with what its API documents.
    UnexpectedResponse,
    /// The operating system's keychain could not be used.
    KeychainUnavailable,
    /// Keystep's own account list could not be read or written.
    StorageFailed,
    /// The account or provider named does not exist.
    NotFound,
    /// The same tenant (company, site, service user) is already linked: relink that
    /// account instead of adding a second one.
    AlreadyLinked,
    /// Keystep's account list could not be read, so Keystep runs read-only (safe mode) and
    /// refuses every change until it can.
    ReadOnly,
    /// A `KEYSTEP_*_URL` override would send a stored key to a host other than the one it
    /// was verified against, so the check was refused and nothing was sent.
    HostChanged,
    /// A team store (Vault, AWS Secrets Manager) could not be reached, or is sealed or
    /// down: nothing was changed there.
    StoreUnreachable,
    /// A team store refused Keystep's credentials or permission (no token, a bad token, a
    /// policy that does not allow the path): nothing was changed there.
    StoreRefused,
    /// A copy in a team store is not the version Keystep wrote (someone changed it outside
    /// Keystep), so Keystep did not overwrite it.
    StoreChanged,
    /// A bug in Keystep.
    Internal,
}

impl Code {
    /// Every code, for exhaustive tests and documentation.
    pub const ALL: [Code; 19] = [
        Code::InvalidInput,
        Code::BadCredentials,
        Code::MissingPermission,
        Code::WrongTenant,
        Code::RateLimited,
        Code::Blocked,
        Code::Unreachable,
        Code::ProviderError,
        Code::UnexpectedResponse,
        Code::KeychainUnavailable,
        Code::StorageFailed,
        Code::NotFound,
        Code::AlreadyLinked,
        Code::ReadOnly,
        Code::HostChanged,
        Code::StoreUnreachable,
        Code::StoreRefused,
        Code::StoreChanged,
        Code::Internal,
    ];

    /// The snake_case wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::InvalidInput => "invalid_input",
            Code::BadCredentials => "bad_credentials",
            Code::MissingPermission => "missing_permission",
            Code::WrongTenant => "wrong_tenant",
            Code::RateLimited => "rate_limited",
            Code::Blocked => "blocked",
            Code::Unreachable => "unreachable",
            Code::ProviderError => "provider_error",
            Code::UnexpectedResponse => "unexpected_response",
            Code::KeychainUnavailable => "keychain_unavailable",
            Code::StorageFailed => "storage_failed",
            Code::NotFound => "not_found",
            Code::AlreadyLinked => "already_linked",
            Code::ReadOnly => "read_only",
            Code::HostChanged => "host_changed",
            Code::StoreUnreachable => "store_unreachable",
            Code::StoreRefused => "store_refused",
            Code::StoreChanged => "store_changed",
            Code::Internal => "internal",
        }
    }

    /// Whether a later check may well succeed without the user changing anything.
    pub fn is_transient(self) -> bool {
        matches!(
            self,
            Code::RateLimited
                | Code::Blocked
                | Code::Unreachable
                | Code::ProviderError
                | Code::StoreUnreachable
        )
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_match_serde() {
        for code in Code::ALL {
            let json = serde_json::to_value(code).expect("codes serialize");
            assert_eq!(
                json,
                code.as_str(),
                "serde and as_str disagree for {code:?}"
            );
        }
    }

    #[test]
    fn every_code_is_listed_once() {
        let names: std::collections::BTreeSet<&str> =
            Code::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(
            names.len(),
            Code::ALL.len(),
            "a code is listed twice in ALL: {names:?}"
        );
        assert!(
            names.contains("already_linked"),
            "already_linked is in the closed set: {names:?}"
        );
        assert!(
            !Code::AlreadyLinked.is_transient(),
            "a duplicate does not go away by waiting"
        );
    }
}
