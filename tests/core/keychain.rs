//! The real OS keychain: gnome-keyring's Secret Service inside `dbus-run-session`, checked
//! from outside with `secret-tool`, exactly what a Linux user has.
//!
//! These tests need a session bus with an unlocked keyring (`scripts/headless.sh` makes
//! one). Under `CI=true` or `KEYSTEP_REAL_KEYCHAIN=1` a missing keyring fails the test
//! instead of skipping it, so CI cannot pass without having exercised the real thing.

use std::process::Command;

use keystep_core::vault::{ItemRef, KeychainVault, SecretFields, Vault};
use keystep_core::Secret;

pub(crate) fn required() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
        || std::env::var("KEYSTEP_REAL_KEYCHAIN").is_ok_and(|v| v == "1")
}

/// Whether a Secret Service is on the session bus; panics if it must be and is not.
pub(crate) fn keyring_present() -> bool {
    let present = std::env::var("DBUS_SESSION_BUS_ADDRESS").is_ok()
        && Command::new("secret-tool")
            .arg("--version")
            .output()
            .is_ok();
    if !present && required() {
        panic!("the real-keychain tests must run here: start them through scripts/headless.sh");
    }
    if !present {
        eprintln!("skipping: no session bus / secret-tool (run through scripts/headless.sh)");
    }
    present
}

pub(crate) fn secret_tool(args: &[&str]) -> String {
    let out = Command::new("secret-tool")
        .args(args)
        .output()
        .expect("secret-tool runs");
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

#[test]
fn put_get_delete_through_the_real_secret_service() {
    if !keyring_present() {
        return;
    }
    let service = format!("keystep-test-{}", std::process::id());
    let vault = KeychainVault::new(&service);
    let item = ItemRef {
        account: "acct-1".into(),
        label: "Keystep — Namely (acme)".into(),
    };
    let mut secrets = SecretFields::new();
    secrets.insert("access_token".into(), Secret::new("RealKeychainCanary-42"));
    vault
        .put(&item, &secrets)
        .expect("the unlocked keyring accepts a write");

    let looked_up = secret_tool(&["lookup", "service", &service, "username", "acct-1"]);
    assert!(
        looked_up.contains("RealKeychainCanary-42"),
        "secret-tool sees the stored document: {looked_up}"
    );
    let listed = secret_tool(&["search", "--all", "service", &service]);
    assert!(
        listed.contains("label = Keystep — Namely (acme)"),
        "the item has a human label: {listed}"
    );

    let back = vault.get("acct-1").expect("read").expect("present");
    assert_eq!(
        back["access_token"].expose(),
        "RealKeychainCanary-42",
        "round trip"
    );

    vault.delete("acct-1").expect("delete");
    vault
        .delete("acct-1")
        .expect("deleting a missing item is fine");
    assert!(
        vault.get("acct-1").expect("read after delete").is_none(),
        "gone for keyring"
    );
    let after = secret_tool(&["search", "--all", "service", &service]);
    assert!(
        !after.contains("RealKeychainCanary-42") && !after.contains("acct-1"),
        "gone for secret-tool: {after}"
    );
}

#[test]
fn two_secrets_share_one_item() {
    if !keyring_present() {
        return;
    }
    let service = format!("keystep-test2-{}", std::process::id());
    let vault = KeychainVault::new(&service);
    let item = ItemRef {
        account: "acct-2".into(),
        label: "Keystep — HiBob".into(),
    };
    let mut secrets = SecretFields::new();
    secrets.insert("service_user_token".into(), Secret::new("tokA"));
    secrets.insert("other".into(), Secret::new("tokB"));
    vault.put(&item, &secrets).expect("write");
    let listed = secret_tool(&["search", "--all", "service", &service]);
    assert_eq!(
        listed.matches("[/").count(),
        1,
        "exactly one keychain item: {listed}"
    );
    assert_eq!(
        vault.get("acct-2").expect("read").expect("present"),
        secrets,
        "both values back"
    );
    vault.delete("acct-2").expect("cleanup");
}

/// Runs only inside the child process started below, whose session bus does not exist.
#[test]
#[ignore = "run in a child process by secret_service_absent_is_keychain_unavailable"]
fn absent_secret_service_probe() {
    if std::env::var("KEYSTEP_ABSENT_PROBE").is_err() {
        return;
    }
    let vault = KeychainVault::new("keystep-absent");
    let item = ItemRef {
        account: "acct-absent".into(),
        label: "Keystep — Humaans (Nowhere)".into(),
    };
    let mut secrets = SecretFields::new();
    secrets.insert("api_token".into(), Secret::new("AbsentServiceCanary"));
    let err = vault
        .put(&item, &secrets)
        .expect_err("no Secret Service to write to");
    assert!(
        matches!(err, keystep_core::vault::VaultError::Unavailable(_)),
        "an absent Secret Service is 'unavailable', which the user can fix: {err:?}"
    );
    let shown = keystep_core::account::LinkError::Keychain(err);
    assert_eq!(
        shown.code(),
        keystep_core::Code::KeychainUnavailable,
        "wire code"
    );
    assert!(
        shown.to_string().contains("keyring service"),
        "the message says how to get a keyring running: {shown}"
    );
    println!("ABSENT-PROBE-PASSED");
}

#[test]
fn secret_service_absent_is_keychain_unavailable() {
    let out = Command::new(std::env::current_exe().expect("this test binary"))
        .args([
            "--ignored",
            "--exact",
            "keychain::absent_secret_service_probe",
            "--nocapture",
        ])
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/keystep-no-bus",
        )
        .env("KEYSTEP_ABSENT_PROBE", "1")
        .output()
        .expect("the test binary runs again");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && text.contains("ABSENT-PROBE-PASSED"),
        "the probe ran and passed without a Secret Service: {text}"
    );
}
