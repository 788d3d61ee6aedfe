//! `keystep verify --purpose`, in-process: a key is held to `read` unless told otherwise,
//! the JSON names the purpose, an undeclared purpose is a usage error, and `--help` lists
//! each provider's purposes.

use keystep_emulator::{Emulator, HumaansTenant};

use crate::parts::catalogue;

const HUMAANS: &str = "CliPurposeHumaansToken0000000001";

async fn keystep_verify(emu: &Emulator, args: &[&str], token: &str) -> (i32, String) {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let mut stdin = std::io::Cursor::new(format!("api_token={token}\n"));
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = keystep_cli::commands::run_verify(
        &args,
        &catalogue(),
        crate::parts::hosts_for(emu),
        &mut keystep_cli::commands::SecretInput::Lines(&mut stdin),
        &mut out,
        &mut err,
    )
    .await;
    (code, String::from_utf8(out).expect("utf8"))
}

/// `keystep verify` holds a key to `read` unless told otherwise, says so in its JSON, and
/// lists each provider's purposes in its help.
#[tokio::test]
async fn keystep_verify_takes_a_purpose() {
    let emu = Emulator::start();
    emu.add_humaans(
        HUMAANS,
        HumaansTenant::full("Acme Ltd", 9).for_purpose("read"),
    );
    let last_json = |out: &str| -> serde_json::Value {
        serde_json::from_str(out.lines().last().expect("a line")).expect("JSON")
    };
    let (code, out) = keystep_verify(&emu, &["humaans", "--json"], HUMAANS).await;
    let json = last_json(&out);
    assert_eq!(
        (code, &json["purpose"]),
        (0, &serde_json::json!("read")),
        "read by default: {json}"
    );
    let (code, out) =
        keystep_verify(&emu, &["humaans", "--purpose", "full", "--json"], HUMAANS).await;
    let json = last_json(&out);
    assert_eq!(
        code, 1,
        "a read-only token is found wanting for full: {json}"
    );
    assert_eq!(json["purpose"], "full", "the JSON names the purpose");
    assert_eq!(json["code"], "missing_permission", "missing for full");
    let (code, _) = keystep_verify(&emu, &["humaans", "--purpose", "admin"], HUMAANS).await;
    assert_eq!(
        code,
        keystep_cli::commands::EXIT_USAGE,
        "an undeclared purpose is a usage error"
    );
    let help = keystep_cli::commands::usage(&catalogue());
    for p in catalogue().all() {
        for purpose in &p.purposes {
            assert!(
                help.contains(&format!(
                    "{:<8} {:<6} {}",
                    p.id, purpose.id, purpose.summary
                )),
                "--help lists {} {}: {help}",
                p.id,
                purpose.id
            );
        }
    }
}
