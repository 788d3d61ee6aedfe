//! The events the backend sends to the window, in one list, as `command_names.rs` is for
//! commands. Every `emit` names one of these constants, and the window listens to no other
//! name (`EVENTS` in `ui/api.js`); a test in `tests/app` holds all three together.

/// A check of the verification chain started, while a link, relink or check runs:
/// `{check, doing}`.
pub const LINK_PROGRESS: &str = "link-progress";
/// A sweep of checks (the schedule, or "Check all now") started or ended: `{running}`.
pub const CHECKS_RUNNING: &str = "checks-running";
/// Accounts changed behind the window's back (a sweep finished): redraw what shows them.
pub const ACCOUNTS_CHANGED: &str = "accounts-changed";
/// The tray's line for one account was chosen: the account's id.
pub const OPEN_ACCOUNT: &str = "open-account";
/// The tray's "Add account…" was chosen.
pub const ADD_ACCOUNT: &str = "add-account";

/// The window was closed where no tray host shows Keystep, and the person has not yet said
/// whether to keep checking in the background or quit: the window asks.
pub const CLOSE_ASKED: &str = "close-asked";

/// Every event name.
pub const EVENTS: &[&str] = &[
    LINK_PROGRESS,
    CHECKS_RUNNING,
    ACCOUNTS_CHANGED,
    OPEN_ACCOUNT,
    ADD_ACCOUNT,
    CLOSE_ASKED,
];
