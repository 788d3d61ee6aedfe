//! How long a provider's keys live, as its file declares it (`lifetime`): no known expiry,
//! a fixed number of days from creation, an expiry chosen when the key was made, or death
//! after some days without use. The account records what the rule needs (the expiry, the
//! last use) and `age` turns both into the state the tray and the window show.

use serde::Deserialize;

/// A provider's key lifetime rule.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(tag = "rule", rename_all = "snake_case", deny_unknown_fields)]
pub enum Lifetime {
    /// No expiry is documented: the key works until it is revoked (or its user goes).
    NoExpiry {
        /// The key reaches everything in the company and cannot be narrowed (Factorial):
        /// said before the guide, since only `keystep run`'s read-only proxy can then keep a
        /// script read-only.
        #[serde(default)]
        full_access: bool,
    },
    /// Keys stop working this many days after they are made (Namely: about two years).
    FixedDays {
        /// Days from creation.
        days: u32,
    },
    /// The person chose an expiry when making the key (Workable): the choice field `field`
    /// asks which (each option says how many `days`), or the verification chain reads the
    /// date where the API gives it (the capture `capture`, a date or Unix time).
    ChosenExpiry {
        /// A choice field whose options carry `days`.
        #[serde(default)]
        field: Option<String>,
        /// A capture holding the expiry.
        #[serde(default)]
        capture: Option<String>,
    },
    /// The key dies after this many days without use (Rippling: 30).
    DiesUnused {
        /// Days without use.
        days: u32,
    },
}

impl Lifetime {
    /// Days from creation, for a fixed lifetime.
    pub fn fixed_days(&self) -> Option<u32> {
        match self {
            Lifetime::FixedDays { days } => Some(*days),
            _ => None,
        }
    }

    /// Whether the key reaches everything and cannot be narrowed.
    pub fn full_access(&self) -> bool {
        matches!(self, Lifetime::NoExpiry { full_access: true })
    }
}
