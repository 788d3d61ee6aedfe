//! The one integration-test binary of `keystep-core`.
//!
//! - `verify` (Humaans and what holds for every provider) and `verify_<id>` for each other
//!   provider (`verify_payfit`, `verify_hibob`, `verify_jazzhr`, `verify_namely`,
//!   `verify_bamboohr`, `verify_greenhouse` with the client-credentials token cache,
//!   `verify_ashby`, `verify_personio` with the client in the form body, `verify_lever` with its
//!   instances, `verify_workable` with the expiry chosen at creation, `verify_teamtailor` with
//!   its vendor header and regions, `verify_factorial` with a key that reaches everything,
//!   `verify_deel` with its sandbox, `verify_rippling` with a token that dies unused): every outcome of every provider against
//!   the emulator, over real loopback HTTP, asserting what was sent (method, host, path,
//!   where the credential went, body) as well as what was concluded. Their tables of
//!   outcomes run through one runner, `cases` (`Case`, `run_cases`).
//! - `verify_evidence`: no false red (only the provider's own answer judges a key; a
//!   success proves whose key it is), and `verify_evidence_pages`: no verdict from a page or
//!   a foreign 403, for every provider; `verify_bounds`: the engine fails closed (no client,
//!   oversized answers, captured values that would steer a request).
//! - `kinds`: a key in a vendor header beside fixed headers, sandbox accounts labelled in
//!   the book, a key's expiry recorded when it is linked.
//! - `guides`: what the guides say where vendor sources corrected them (PayFit's scopes and
//!   tab, HiBob's labels, Humaans' roles, Namely's two texts on administrator tokens),
//!   and every fact on an evidence page labelled vendor, secondary or inferred.
//! - `accounts`: linking and forgetting are all-or-nothing across vault and book.
//! - `handles`: each account's short name: made, kept, renamed, resolved, settled.
//! - `lifecycle`: one tenant is one account (duplicates refused, relinks in place), checks,
//!   renames; `lifecycle_recovery`: reconciling with the keychain, a restart, a lost or
//!   newer book, a key left behind taken back.
//! - `faults`: every write path under keychain and book faults stays consistent.
//! - `races`: links, relinks, forgets and checks racing from many tasks.
//! - `leaks`: no secret in any log line, error or value across the lifecycle.
//! - `keychain`, `keychain_lifecycle`: the real OS keychain (Secret Service inside
//!   `dbus-run-session`), checked from outside with `secret-tool`.
//! - `last_use`: an assistant's tool call is an account's latest use; its session start is not.
//! - `normalize`: property tests of the input normalizers.
//! - `on_disk`: the book on disk (atomic, private, two writers) and safe mode;
//!   `stale_window`: a window that has not read the book since `keystep link` wrote it
//!   neither offers nor deletes the new account's key.
//! - `verified_hosts`: a stored key goes only to the hosts it was verified against; a check
//!   under another override is refused (`host_changed`) with nothing sent.
//! - `schedule`: debounced transient trouble and backoff, accounts falling due by the
//!   injected clock, and a hundred accounts swept within every provider's pace.
//! - `copies`: an account's copies in team stores, against OpenBao's dev server and moto's
//!   AWS Secrets Manager started by the test: push with its metadata, rotation that never
//!   overwrites a change made outside Keystep, the background look, deleting only what was
//!   asked, and no key or store credential in any log line, error or value along the way;
//!   `copies_faults`: against the in-memory store, the look reading metadata only and
//!   retrying stale copies, refusals that record nothing, another's secret replaced only
//!   when asked.
//! - `backoff`: Keystep's own trouble (keychain refusing or hanging, a book that cannot be
//!   saved) backs off over a simulated hour of the window's own schedule loop
//!   (`schedule::keep_watch`); a hung keychain call holds up nothing else.

mod accounts;
mod backoff;
mod cases;
mod copies;
mod copies_faults;
mod faults;
mod guides;
mod handles;
mod keychain;
mod keychain_lifecycle;
mod kinds;
mod last_use;
mod leaks;
mod lifecycle;
mod lifecycle_recovery;
mod normalize;
mod on_disk;
#[path = "../common/parts.rs"]
mod parts;
mod purposes;
mod races;
mod schedule;
mod stale_window;
#[path = "../common/stores.rs"]
mod stores;
mod support;
mod verified_hosts;
mod verify;
mod verify_ashby;
mod verify_bamboohr;
mod verify_bounds;
mod verify_deel;
mod verify_evidence;
mod verify_evidence_pages;
mod verify_factorial;
mod verify_greenhouse;
mod verify_hibob;
mod verify_jazzhr;
mod verify_lever;
mod verify_namely;
mod verify_payfit;
mod verify_personio;
mod verify_rippling;
mod verify_teamtailor;
mod verify_workable;
mod world;
