//! `cargo run -p keystep-emulator [PORT]`: serves demo tenants on loopback so Keystep can be
//! tried without a real HR account. Prints the variables that point Keystep at it, and the
//! demo credentials of every provider.

use keystep_emulator::{
    AshbyTenant, BamboohrTenant, DeelTenant, Emulator, FactorialTenant, GreenhouseTenant,
    HibobGrant, HibobTenant, HumaansTenant, JazzhrAccount, LeverTenant, NamelyTenant, PayfitTenant,
    PersonioTenant, RipplingTenant, TeamtailorScope, TeamtailorTenant, WorkableTenant,
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

    let bamboo = "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567";
    let bamboo_limited = "1a1b2c3d4e5f60718293a4b5c6d7e8f901234567";
    emu.add_bamboohr(BamboohrTenant::full("acme", bamboo, "Acme Inc.", 57));
    emu.add_bamboohr(
        BamboohrTenant::full("acme", bamboo_limited, "Acme Inc.", 57)
            .not_admin()
            .hiding(&["workEmail"]),
    );

    let (gh_id, gh_secret) = ("demo-greenhouse-client", "demoGreenhouseClientSecret000001");
    emu.add_greenhouse(GreenhouseTenant::full(gh_id, gh_secret));

    let ashby = "demoAshbyApiKey00000000000000001";
    let ashby_read = "demoAshbyApiKeyReadOnly000000002";
    emu.add_ashby(AshbyTenant::full(ashby));
    emu.add_ashby(AshbyTenant::full(ashby_read).for_purpose("read"));

    let (personio_id, personio_secret) = (
        "papi-demo-0000-0000-0000-000000000001",
        "papi-demoPersonioClientSecret00000001",
    );
    let personio_read_id = "papi-demo-0000-0000-0000-000000000002";
    emu.add_personio(PersonioTenant::full(personio_id, personio_secret));
    emu.add_personio(
        PersonioTenant::full(personio_read_id, personio_secret)
            .for_purpose("read")
            .without("Readable employee attributes › Last name"),
    );

    let lever = "demoLeverApiKey000000000000000001";
    let lever_read = "demoLeverApiKeyReadOnly0000000002";
    let lever_eu = "demoLeverApiKeyEuInstance00000003";
    emu.add_lever(LeverTenant::full(lever));
    emu.add_lever(LeverTenant::full(lever_read).for_purpose("read"));
    emu.add_lever(LeverTenant::full(lever_eu).on("eu"));

    let workable = "demoWorkableAccessToken0000000000000001";
    let workable_read = "demoWorkableAccessTokenReadOnly000000002";
    emu.add_workable(WorkableTenant::full("acme", "Acme Recruiting", workable));
    emu.add_workable(
        WorkableTenant::full("acme", "Acme Recruiting", workable_read).for_purpose("read"),
    );

    let teamtailor = "demoTeamtailorAdminKey0000000000001";
    let teamtailor_public = "demoTeamtailorPublicKey000000000002";
    let teamtailor_na = "demoTeamtailorNorthAmerica00000003";
    emu.add_teamtailor(TeamtailorTenant::full(teamtailor, "Acme AB").boxes(true, false));
    emu.add_teamtailor(
        TeamtailorTenant::full(teamtailor_public, "Acme AB").scoped(TeamtailorScope::Public),
    );
    emu.add_teamtailor(TeamtailorTenant::full(teamtailor_na, "Acme Inc").in_north_america());

    let factorial = "demoFactorialApiKey00000000000000000000001";
    emu.add_factorial(FactorialTenant::new(factorial, "Acme Software S.L.", 23));

    let deel = "demoDeelOrganizationToken0000000001";
    let deel_sandbox = "demoDeelSandboxToken000000000000002";
    emu.add_deel(DeelTenant::full(deel, "Acme Global Inc."));
    emu.add_deel(DeelTenant::full(deel_sandbox, "Acme Global Inc.").in_sandbox());

    let rippling = "demoRipplingApiToken000000000000001";
    emu.add_rippling(RipplingTenant::full(rippling, "Acme Corp"));

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
    println!("# BambooHR: subdomain acme, key {bamboo} (Full Admin), {bamboo_limited} (work email hidden)");
    println!("# Greenhouse: client ID {gh_id}, secret {gh_secret} (every scope)");
    println!("# Ashby keys: {ashby} (every permission), {ashby_read} (read only)");
    println!("# Personio: client ID {personio_id} (every right), {personio_read_id} (read, last name not readable), secret {personio_secret} for both");
    println!("# Lever keys: {lever} (every permission), {lever_read} (read only), {lever_eu} (EU instance)");
    println!(
        "# Workable: subdomain acme, tokens {workable} (every scope), {workable_read} (read only)"
    );
    println!("# Teamtailor keys: {teamtailor} (Admin, Read), {teamtailor_public} (Public: no candidates), {teamtailor_na} (North America)");
    println!("# Factorial key: {factorial} (reaches everything, as every Factorial key does)");
    println!("# Deel: token {deel} (production, every scope), {deel_sandbox} (Sandbox)");
    println!("# Rippling: token {rippling} (every scope)");
    println!("# Any other credential is rejected. Ctrl-C stops the emulator.");
    loop {
        std::thread::park();
    }
}
