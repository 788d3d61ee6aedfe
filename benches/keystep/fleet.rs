//! The benchmark's accounts: tenants registered in the emulator, over the five providers,
//! each a distinct company (so none is refused as `already_linked`).

use keystep_emulator::{
    Emulator, HibobTenant, HumaansTenant, JazzhrAccount, NamelyTenant, PayfitTenant,
};
use serde_json::{json, Value};

/// Accounts the emulator knows, as `link_account` arguments.
pub struct Fleet {
    links: Vec<Value>,
}

impl Fleet {
    /// Registers `n` tenants, round-robin over the providers, in `emu`, with no more than
    /// `hibob` of them at HiBob: linking is paced like everything else, and HiBob's pace
    /// (ten requests a minute, four per linking) would otherwise turn the benchmark's
    /// linking into minutes of waiting.
    pub fn seed(emu: &Emulator, n: usize, hibob: usize) -> Self {
        let mut links = Vec::with_capacity(n);
        let (mut i, mut hibobs) = (0, 0);
        while links.len() < n {
            let (provider, k) = (i % 5, i / 5);
            i += 1;
            if provider == 2 {
                if hibobs == hibob {
                    continue;
                }
                hibobs += 1;
            }
            let link = match provider {
                0 => {
                    let token = format!("benchHumaansFleetToken{k:010}");
                    let mut t = HumaansTenant::full(&format!("Humaans Co {k}"), 10 + k as u64);
                    t.company_id = format!("cmp_bench{k}");
                    emu.add_humaans(&token, t);
                    json!({"provider": "humaans", "fields": {"api_token": token}})
                }
                1 => {
                    let key = format!("benchPayfitFleetKey{k:013}");
                    let mut t = PayfitTenant::full(&format!("PayFit Co {k}"), 10 + k as u64);
                    t.company_id = format!("{k:024x}");
                    emu.add_payfit(&key, t);
                    json!({"provider": "payfit", "fields": {"api_key": key}})
                }
                2 => {
                    let id = format!("SERVICE-9{k:03}");
                    let token = format!("benchHibobFleetServiceUserToken{k:09}");
                    emu.add_hibob(HibobTenant::full(&id, &token, 10 + k as u64));
                    json!({"provider": "hibob", "fields": {
                        "service_user_id": id, "service_user_token": token,
                        "environment": "production"}})
                }
                3 => {
                    let key = format!("benchJazzhrFleetKey{k:013}");
                    emu.add_jazzhr(
                        &key,
                        JazzhrAccount::with_users(&format!("admin{k}@jazz.example"), 3),
                    );
                    json!({"provider": "jazzhr", "fields": {"api_key": key}})
                }
                _ => {
                    let sub = format!("bench{k}");
                    let token = format!("benchNamelyFleetToken{k:011}");
                    emu.add_namely(
                        &sub,
                        NamelyTenant::full(&format!("Namely Co {k}"), &token, 10 + k as u64),
                    );
                    json!({"provider": "namely", "fields": {"subdomain": sub, "access_token": token}})
                }
            };
            links.push(link);
        }
        Fleet { links }
    }

    /// The `link_account` arguments, one per account.
    pub fn links(&self) -> Vec<Value> {
        self.links.clone()
    }
}
