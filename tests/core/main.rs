//! The one integration-test binary of `keystep-core`.
//!
//! - `verify` (Humaans and what holds for every provider) and `verify_payfit`,
//!   `verify_hibob`, `verify_jazzhr`, `verify_namely`: every outcome of every provider against
//!   the emulator, over real loopback HTTP, asserting what was sent (method, host, path,
//!   where the credential went, body) as well as what was concluded.
//! - `accounts`: linking and forgetting are all-or-nothing across vault and book.
//! - `keychain`: the real OS keychain (Secret Service inside `dbus-run-session`), checked
//!   from outside with `secret-tool`.
//! - `normalize`: property tests of the input normalizers.

mod accounts;
mod keychain;
mod normalize;
mod support;
mod verify;
mod verify_hibob;
mod verify_jazzhr;
mod verify_namely;
mod verify_payfit;
