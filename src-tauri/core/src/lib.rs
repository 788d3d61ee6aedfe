//! Keystep's core: everything that needs no window.
//!
//! Linking an account runs through these modules: the [`provider`] catalogue says what to
//! ask and how to check it, [`input`] cleans what was pasted, [`verify`] asks the provider
//! (at the [`hosts`] in force, within its [`pace`]), [`vault`] keeps the secret in the OS
//! keychain and [`account`] keeps everything else in the account book. The [`schedule`]
//! checks accounts again as they fall due; [`tray`] and [`notice`] say how they are doing.
//! The real parts are put together once, in [`world`], for both front ends. This crate never
//! depends on `tauri` and holds no front end: the window (`keystep-app`) and the command
//! line with `keystep run`'s proxy (`keystep-cli`) are thin layers over it.
//!
//! The modules are listed in dependency order: each imports only modules listed before it
//! (and a module's own submodules likewise), which a test holds (`import_order.rs`).

// What every layer uses.
pub mod error;
pub mod lang;
pub mod secret;
pub mod clock;
pub mod files;
pub mod pace;

// Providers: what to ask, how to clean it, where to send it, how to check it.
pub mod provider;
pub mod hosts;
pub mod redact;
pub mod input;
pub mod verify;
// What an assistant reads through `keystep mcp`: one shape of a person, the field policy.
pub mod people;

// Keeping accounts: the keychain, the team stores' copies, the book, the schedule, the
// person's settings.
pub mod vault;
pub mod store;
pub mod account;
pub mod lifetime;
pub mod schedule;
pub mod settings;

// The record of each use of a key (by `keystep run` and the assistants' server).
pub mod use_log;

// What an AI assistant's configuration holds to start `keystep mcp`.
pub mod assistant;

// The real parts, put together once for both front ends.
pub mod world;

// What the person is told outside the window.
pub mod words;
pub mod tray;
pub mod notice;

pub use error::Code;
pub use secret::Secret;

#[cfg(test)]
mod import_order;
