/// The app's IPC commands, in one list shared by build.rs (which declares them to Tauri's
/// ACL) and by the tests that compare it with the handler and the capability file.
pub const COMMANDS: &[&str] = &[
    "list_providers",
    "link_account",
    "relink_account",
    "check_account",
    "rename_account",
    "set_account_purpose",
    "list_accounts",
    "reconcile_accounts",
    "remove_orphan",
    "forget_account",
    "open_guide_link",
    "list_checks",
    "check_all_accounts",
    "get_settings",
    "save_settings",
    "preview_fields",
    "get_keychain_state",
    "list_host_overrides",
];
