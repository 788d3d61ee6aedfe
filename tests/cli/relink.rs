//! `keystep relink`: a new key for a linked account from the command line, kept in place
//! (the window's Replace key). The built binary, the real keychain (scripts/headless.sh),
//! the emulator.

use keystep_emulator::HumaansTenant;
use serde_json::Value;

use crate::accounts::{keychain_item, keyring_present, last_json, stderr, Cli, HUMAANS};

/// A second key of the same Humaans company as `HUMAANS` (`Cli::new`'s tenant).
const ROTATED: &str = "CliRelinkHumaansRotated000000002";
/// A key of another Humaans company.
const OTHER: &str = "CliRelinkHumaansOtherCompany0003";

#[test]
fn relink_replaces_the_key_in_place_after_verifying_it() {
    if !keyring_present() {
        return;
    }
    let cli = Cli::new();
    cli.emu.add_humaans(
        ROTATED,
        HumaansTenant {
            company_id: "cmp_cli_acme".into(),
            ..HumaansTenant::full("Acme Ltd", 42)
        },
    );
    cli.emu.add_humaans(
        OTHER,
        HumaansTenant {
            company_id: "cmp_cli_other".into(),
            ..HumaansTenant::full("Other Ltd", 3)
        },
    );
    let linked = cli.run(
        &["link", "humaans", "--purpose", "full", "--json"],
        &format!("api_token={HUMAANS}\n"),
    );
    assert_eq!(linked.status.code(), Some(0), "linked: {}", stderr(&linked));
    let before = last_json(&linked);
    let id = before["id"].as_str().expect("id").to_string();

    let relinked = cli.run(
        &["relink", "humaans-acme-ltd", "--json"],
        &format!("api_token={ROTATED}\n"),
    );
    assert_eq!(
        relinked.status.code(),
        Some(0),
        "relinked: {}",
        stderr(&relinked)
    );
    let after = last_json(&relinked);
    for same in ["id", "handle", "name", "purpose"] {
        assert_eq!(after[same], before[same], "the account keeps its {same}");
    }
    assert_ne!(
        after["fingerprint"], before["fingerprint"],
        "the account shows the new key's fingerprint"
    );
    assert!(
        after["overridden_hosts"]
            .as_array()
            .is_some_and(|h| !h.is_empty()),
        "says where the new key was sent: {after}"
    );
    let item = keychain_item(&id);
    assert!(
        item.contains(ROTATED) && !item.contains(HUMAANS),
        "the keychain holds the new key in place of the old"
    );

    // A key of another company is refused; the rotated key stays.
    let refused = cli.run(
        &["relink", "humaans-acme-ltd"],
        &format!("api_token={OTHER}\n"),
    );
    assert_eq!(
        refused.status.code(),
        Some(1),
        "refused: {}",
        stderr(&refused)
    );
    assert!(
        stderr(&refused).contains("stays"),
        "says the old key stays: {}",
        stderr(&refused)
    );
    assert!(keychain_item(&id).contains(ROTATED), "the key is as it was");

    let unknown = cli.run(
        &["relink", "nobody-here"],
        &format!("api_token={ROTATED}\n"),
    );
    assert_eq!(
        unknown.status.code(),
        Some(2),
        "an unknown handle is a usage error"
    );
    assert!(
        stderr(&unknown).contains("humaans-acme-ltd"),
        "the handles are listed: {}",
        stderr(&unknown)
    );
    let listed: Value =
        serde_json::from_slice(&cli.run(&["list", "--json"], "").stdout).expect("list --json");
    assert_eq!(
        listed.as_array().map(Vec::len),
        Some(1),
        "still one account: {listed}"
    );
    cli.assert_no_secret_anywhere(&[HUMAANS, ROTATED, OTHER]);
}
