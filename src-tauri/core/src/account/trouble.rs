//! What stopped an account's latest checks without being a verdict on its key: transient
//! trouble at the provider or on the way there ([`Trouble`], kept on the account), and
//! Keystep's own ([`LocalTrouble`], kept in memory). The schedule backs off from both.

use serde::{Deserialize, Serialize};

use crate::error::Code;

/// Transient trouble (`Code::is_transient`, or an answer Keystep did not understand) turns
/// an account's status into "couldn't check" only once it happened this many times in a
/// row: one dropped connection must not alarm anyone.
pub const TRANSIENT_TOLERANCE: u32 = 3;

/// Transient trouble that has not (yet) become a verdict, kept on the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trouble {
    /// What went wrong the last time.
    pub code: Code,
    /// When the trouble started (Unix seconds).
    pub since: u64,
    /// How many checks in a row hit it.
    pub attempts: u32,
}

/// Trouble inside Keystep that stopped an account's check: the keychain was locked, absent
/// or did not answer, the book could not be saved (after the provider was asked), or this
/// build does not know the provider. It says nothing about the key, so it is not written
/// into the account; it is kept in memory and backs off like [`Trouble`], counted from the
/// last attempt, since the account's `checked_at` did not move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalTrouble {
    /// What went wrong the last time.
    pub code: Code,
    /// When the trouble started (Unix seconds).
    pub since: u64,
    /// When the last attempt failed.
    pub last: u64,
    /// How many attempts in a row failed.
    pub attempts: u32,
}
