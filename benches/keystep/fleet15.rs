//! One benchmark tenant of any of the fifteen providers: [`account`] registers the `k`th in
//! the emulator and returns its `link_account` arguments. Each `k` is a distinct tenant,
//! varying what the provider file's `[identity]` derives the tenant from (a company or
//! organization id, a subdomain, a service user, a client id), or, for the providers that
//! match an account by its key alone (JazzHR, Ashby, Lever), the key; so linking many is
//! never refused as `already_linked`. Each grants what the `read` purpose (the default)
//! needs, so each links as fully working. `Fleet` (fleet.rs) deals them out.

use keystep_emulator::{
    AshbyTenant, BamboohrTenant, DeelTenant, Emulator, FactorialTenant, GreenhouseTenant,
    HibobTenant, HumaansTenant, JazzhrAccount, LeverTenant, NamelyTenant, PayfitTenant,
    PersonioTenant, RipplingTenant, TeamtailorTenant, WorkableTenant,
};
use serde_json::{json, Value};

/// Registers provider `provider`'s `k`th benchmark tenant in `emu` and returns its
/// `link_account` arguments, the secret among the fields as the window sends it.
///
/// # Panics
/// For a provider id that is not one of the fifteen (the benchmark's mistake).
pub fn account(emu: &Emulator, provider: &str, k: usize) -> Value {
    let fields = match provider {
        "humaans" => {
            let token = format!("benchHumaansFleetToken{k:010}");
            let mut t = HumaansTenant::full(&format!("Humaans Co {k}"), 10 + k as u64);
            t.company_id = format!("cmp_bench{k}");
            emu.add_humaans(&token, t);
            json!({"api_token": token})
        }
        "payfit" => {
            let key = format!("benchPayfitFleetKey{k:013}");
            let mut t = PayfitTenant::full(&format!("PayFit Co {k}"), 10 + k as u64);
            t.company_id = format!("{k:024x}");
            emu.add_payfit(&key, t);
            json!({"api_key": key})
        }
        "hibob" => {
            let id = format!("SERVICE-9{k:03}");
            let token = format!("benchHibobFleetServiceUserToken{k:09}");
            emu.add_hibob(HibobTenant::full(&id, &token, 10 + k as u64));
            json!({"service_user_id": id, "service_user_token": token,
                   "environment": "production"})
        }
        "jazzhr" => {
            let key = format!("benchJazzhrFleetKey{k:013}");
            let account = JazzhrAccount::with_users(&format!("admin{k}@jazz.example"), 3);
            emu.add_jazzhr(&key, account);
            json!({"api_key": key})
        }
        "namely" => {
            let (sub, token) = (format!("bench{k}"), format!("benchNamelyFleetToken{k:011}"));
            let t = NamelyTenant::full(&format!("Namely Co {k}"), &token, 10 + k as u64);
            emu.add_namely(&sub, t);
            json!({"subdomain": sub, "access_token": token})
        }
        "bamboohr" => {
            // BambooHR keys are 40 hexadecimal digits (the file's usual pattern).
            let (sub, key) = (format!("bench{k}"), format!("be9c{k:036x}"));
            let company = format!("Bamboo Co {k}");
            emu.add_bamboohr(BamboohrTenant::full(&sub, &key, &company, 10 + k as u64));
            json!({"subdomain": sub, "api_key": key})
        }
        "greenhouse" => {
            let (id, secret) = (
                format!("BenchGreenhouseClient{k:04}"),
                format!("benchGreenhouseFleetSecret{k:06}"),
            );
            emu.add_greenhouse(GreenhouseTenant::full(&id, &secret).for_purpose("read"));
            json!({"client_id": id, "client_secret": secret})
        }
        "personio" => {
            let (id, secret) = (
                format!("papi-bench-{k:04}-0000-0000-000000000000"),
                format!("papi-benchPersonioFleetSecret{k:06}"),
            );
            emu.add_personio(PersonioTenant::full(&id, &secret).for_purpose("read"));
            json!({"client_id": id, "client_secret": secret})
        }
        "ashby" => {
            let key = format!("benchAshbyFleetKey{k:012}");
            emu.add_ashby(AshbyTenant::full(&key).for_purpose("read"));
            json!({"api_key": key})
        }
        "lever" => {
            let key = format!("benchLeverFleetKey{k:013}");
            emu.add_lever(LeverTenant::full(&key).for_purpose("read"));
            json!({"api_key": key})
        }
        "workable" => {
            let (sub, token) = (
                format!("bench{k}"),
                format!("benchWorkableFleetToken{k:08}"),
            );
            let name = format!("Workable Co {k}");
            emu.add_workable(WorkableTenant::full(&sub, &name, &token).for_purpose("read"));
            json!({"subdomain": sub, "access_token": token})
        }
        "factorial" => {
            let key = format!("benchFactorialFleetKey{k:010}");
            let mut t = FactorialTenant::new(&key, &format!("Factorial Co {k}"), 10 + k as u64);
            t.company_id = 90_000 + k as u64;
            emu.add_factorial(t);
            json!({"api_key": key})
        }
        "rippling" => {
            let token = format!("benchRipplingFleetToken{k:08}");
            let mut t =
                RipplingTenant::full(&token, &format!("Rippling Co {k}")).for_purpose("read");
            t.company_id = format!("be9c{k:04x}");
            emu.add_rippling(t);
            json!({"api_token": token})
        }
        "deel" => {
            let token = format!("benchDeelFleetToken{k:012}");
            let mut t = DeelTenant::full(&token, &format!("Deel Co {k}")).for_purpose("read");
            t.organization_id = format!("org-bench{k}");
            emu.add_deel(t);
            json!({"api_token": token})
        }
        "teamtailor" => {
            let key = format!("benchTeamtailorFleetKey{k:07}");
            // An Admin key with Read ticked and Write not: what the read purpose asks for.
            let mut t =
                TeamtailorTenant::full(&key, &format!("Teamtailor Co {k}")).boxes(true, false);
            t.company_id = format!("{}", 90_000 + k);
            emu.add_teamtailor(t);
            json!({"api_key": key})
        }
        other => panic!("the benchmark has no tenant for provider {other}"),
    };
    json!({"provider": provider, "fields": fields})
}
