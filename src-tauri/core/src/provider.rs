//! Providers as data: the strict schema of a provider file and the [`Catalogue`] of them.
//!
//! Each HR system is one TOML file in `providers/`, embedded in the binary and parsed with
//! unknown keys rejected, so a typo in a provider file fails a test instead of silently
//! changing behaviour. A file says everything Keystep needs: the fields a person fills in,
//! the guide they follow, how to authenticate, the chain of [`Check`]s that verifies a
//! credential, how to read identity out of the answers, and the permissions required.
//! What data cannot say goes into a named [`Hook`].
//!
//! A file is written in English and carries its own translations in `[locales.<lang>]`
//! tables whose keys are dotted paths to the prose a person reads (`steps.sign-in.title`,
//! `fields.api_key.help`, `messages.bad_credentials`). They are held to the same strictness
//! as the rest: an unknown path, a missing translation or a changed `{placeholder}` stops
//! the catalogue from loading. Names, scope and permission names, and URLs stay as written.
//!
//! `template` finds placeholders, `auth` is how a key is sent, `reads` the requests that
//! only read whatever their method, `lifetime` how long keys live; `checks` is the shape of
//! the verification chain and `schema` the rest of the file's, `purposes` what a key may be
//! for (each purpose's permissions), `translations` the localized copies, `validation` the
//! rules a parser cannot enforce, `people` what an assistant may read through `keystep mcp`
//! (the people, candidates, sensitive and untrusted fields), and `catalogue` loads the
//! embedded files through them.

mod template;
mod auth;
mod reads;
mod lifetime;
mod people;
mod checks;
mod schema;
mod purposes;
mod translations;
mod people_rules;
mod validation;
mod catalogue;

pub use auth::{Auth, ClientAuth, CredentialKind};
pub use catalogue::{Catalogue, CatalogueError};
pub use checks::*;
pub use lifetime::Lifetime;
pub use people::{
    CandidateFields, CommonStatus, FieldCategory, FieldSource, ListMethod, ListRequest, Listing,
    Pagination, PersonFields, SensitiveRule, UntrustedRule,
};
pub use purposes::{DEFAULT_PURPOSE, LEGACY_PURPOSE};
pub use reads::{Method, ReadRequest};
pub use schema::*;
pub use template::{is_simple_pattern, matches_simple_pattern, placeholders};

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_locales;
#[cfg(test)]
mod tests_parts;
