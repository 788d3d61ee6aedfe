//! Keystep's core: everything that needs no window.
//!
//! The flow of linking an account runs top to bottom through these modules: the
//! [`provider`] catalogue says what to ask and how to check it, [`input`] cleans what was
//! pasted, [`verify`] asks the provider (at the [`hosts`] in force), [`vault`] keeps the
//! secret in the OS keychain and [`account`] keeps everything else in the account book.
//! This crate never depends on `tauri`: the desktop shell is a thin layer over it, and so is
//! the headless `keystep verify` command ([`cli`]).

pub mod account;
pub mod cli;
pub mod clock;
pub mod error;
pub mod files;
pub mod hosts;
pub mod input;
pub mod lang;
pub mod notice;
pub mod pace;
pub mod provider;
pub mod redact;
pub mod schedule;
pub mod secret;
pub mod settings;
pub mod tray;
pub mod vault;
pub mod verify;
pub mod words;

pub use error::Code;
pub use secret::Secret;
