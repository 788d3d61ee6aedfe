//! `cargo run -p keystep-emulator [PORT]`: serves demo tenants on loopback so Keystep can be
//! tried without a real HR account. Prints the variables that point Keystep at it, and the
//! demo credentials of every provider.

use keystep_emulator::{
    Emulator, HibobGrant, HibobTenant, HumaansTenant, JazzhrAccount, NamelyTenant, PayfitTenant,
};

fn main() {
    let port = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    let emu = Emulator::start_on(port);

    let humaans_full = "demoHumaansFullAccessToken000001";
    let humaans_limited = "demoHumaansReadOnlyToken00000002";
    emu.add_humaans(humaans_full, HumaansTenant::full("Acme Ltd", 42));
    emu.add_humaans(
        humaans_limited,
        HumaansTenant::full("Acme Ltd", 42).with_scopes(&["public:read", "private:read"]),
    );

    let payfit_full = "demoPayfitFullScopesKey000000001";
    let payfit_limited = "demoPayfitReadOnlyKey00000000002";
    emu.add_payfit(payfit_full, PayfitTenant::full("Acme SAS", 37));
    emu.add_payfit(
        payfit_limited,
        PayfitTenant::full("Acme SAS", 37).with_scopes(&["collaborators:read", "contracts:read"]),
    );

    let hibob_id = "SERVICE-1001";
    let hibob_token = "demoHibobServiceUserToken000000000000001";
    let hibob_empty_id = "SERVICE-1002";
    let hibob_empty_token = "demoHibobServiceUserToken000000000000002";
    let hibob_sandbox_id = "SERVICE-2001";
    let hibob_sandbox_token = "demoHibobSandboxUserToken000000000000003";
    emu.add_hibob(HibobTenant::full(hibob_id, hibob_token, 58));
    emu.add_hibob(
        HibobTenant::full(hibob_empty_id, hibob_empty_token, 58)
            .selecting_nobody()
            .with_grants(&[HibobGrant::ViewPeople]),
    );
    emu.add_hibob(HibobTenant::full(hibob_sandbox_id, hibob_sandbox_token, 4).in_sandbox());

    let jazzhr_many = "demoJazzhrKeyTwelveUsers00000001";
    let jazzhr_one = "demoJazzhrKeySingleUser000000002";
    emu.add_jazzhr(
        jazzhr_many,
        JazzhrAccount::with_users("admin@acme.example", 12),
    );
    emu.add_jazzhr(
        jazzhr_one,
        JazzhrAccount::with_users("solo@acme.example", 1),
    );

    let namely_token = "demoNamelyPersonalAccessToken001";
    emu.add_namely("acme", NamelyTenant::full("Acme Inc.", namely_token, 142));

    println!("# Keystep provider emulator — paste these into the shell that runs Keystep:");
    for (k, v) in emu.env() {
        println!("export {k}='{v}'");
    }
    println!("#");
    println!("# Humaans tokens: {humaans_full} (all scopes), {humaans_limited} (read-only: missing scopes)");
    println!("# PayFit keys: {payfit_full} (all scopes), {payfit_limited} (missing scopes)");
    println!("# HiBob (Production): ID {hibob_id} / token {hibob_token} (full access)");
    println!("#   ID {hibob_empty_id} / token {hibob_empty_token} (group selects nobody: missing permission)");
    println!("# HiBob (Sandbox): ID {hibob_sandbox_id} / token {hibob_sandbox_token}");
    println!("# JazzHR keys: {jazzhr_many} (12 users), {jazzhr_one} (one user, answered as a lone object)");
    println!("# Namely: subdomain acme, token {namely_token}; any other subdomain is unknown");
    println!("# Any other credential is rejected. Ctrl-C stops the emulator.");
    loop {
        std::thread::park();
    }
}
