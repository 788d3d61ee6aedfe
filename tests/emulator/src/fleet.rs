//! The five providers the emulator knew before the model registry (Humaans, PayFit, HiBob,
//! JazzHR, Namely): how a test registers their tenants and tunes their quirks, and the fleet
//! of all five that the sweep test and the benchmark link. Their state sits in the
//! emulator's own fields rather than in a [`Model`](crate::Model), so their setters live
//! here together instead of in each provider's module; apart from `lib.rs` to keep it short.

use crate::{
    Emulator, FleetForm, HibobTenant, HumaansTenant, IntrospectionBody, JazzhrAccount,
    JazzhrRejection, NamelyTenant, PayfitTenant, UnknownSubdomain, Waf,
};

impl Emulator {
    /// Registers a Humaans tenant reachable with `token`.
    pub fn add_humaans(&self, token: &str, tenant: HumaansTenant) {
        self.lock().humaans.insert(token.to_string(), tenant);
    }

    /// Registers a PayFit company reachable with the API key `key`.
    pub fn add_payfit(&self, key: &str, tenant: PayfitTenant) {
        self.lock().payfit.keys.insert(key.to_string(), tenant);
    }

    /// Sets which body encodings PayFit's introspection accepts.
    pub fn payfit_introspection(&self, accepts: IntrospectionBody) {
        self.lock().payfit.introspection = accepts;
    }

    /// Registers a HiBob service user (its ID, token and permission group).
    pub fn add_hibob(&self, tenant: HibobTenant) {
        self.lock()
            .hibob
            .users
            .insert(tenant.service_user_id.clone(), tenant);
    }

    /// Sets HiBob's firewall thresholds (real ones: 50 failures in 10 s, 5 minutes' block).
    pub fn hibob_waf(&self, waf: Waf) {
        self.lock().hibob.waf = waf;
    }

    /// Whether HiBob's firewall is blocking this machine right now.
    pub fn hibob_blocked(&self) -> bool {
        self.lock().hibob.is_blocked()
    }

    /// Registers a JazzHR account reachable with the API key `key`.
    pub fn add_jazzhr(&self, key: &str, account: JazzhrAccount) {
        self.lock().jazzhr.keys.insert(key.to_string(), account);
    }

    /// Sets how JazzHR refuses an unknown key (undocumented, so every plausible way).
    pub fn jazzhr_rejection(&self, how: JazzhrRejection) {
        self.lock().jazzhr.rejection = how;
    }

    /// Registers a Namely company at `subdomain`.
    pub fn add_namely(&self, subdomain: &str, tenant: NamelyTenant) {
        self.lock()
            .namely
            .sites
            .insert(subdomain.to_string(), tenant);
    }

    /// Sets what an unknown Namely subdomain answers (undocumented, so every plausible way).
    pub fn namely_unknown_subdomain(&self, answer: UnknownSubdomain) {
        self.lock().namely.unknown = answer;
    }

    /// Makes Namely answer 406 after `per_minute` authenticated requests within a minute.
    pub fn namely_rate_limit(&self, per_minute: usize) {
        self.lock().namely.per_minute = per_minute;
    }

    /// Registers `per_provider` working tenants with each of the five providers, their
    /// credentials distinct and marked by `tag` (so a leak search can find them), and returns
    /// each one's form: the provider id and its field values, in the order registered. The
    /// fleet of the sweep test and of the benchmark.
    pub fn add_fleet(&self, per_provider: usize, tag: &str) -> Vec<FleetForm> {
        let mut forms: Vec<FleetForm> = Vec::new();
        for i in 0..per_provider {
            let key = format!("{tag}PayfitFleet{i:016}");
            self.add_payfit(
                &key,
                PayfitTenant {
                    company_id: format!("pf{i:022}"),
                    ..PayfitTenant::full(&format!("Payfit Co {i}"), 10)
                },
            );
            forms.push(("payfit", vec![("api_key".into(), key)]));
            let (user, token) = (format!("SERVICE-{i:04}"), format!("{tag}HibobFleet{i:025}"));
            self.add_hibob(HibobTenant::full(&user, &token, 12));
            forms.push((
                "hibob",
                vec![
                    ("service_user_id".into(), user),
                    ("service_user_token".into(), token),
                ],
            ));
            let token = format!("{tag}HumaansFleet{i:015}");
            self.add_humaans(
                &token,
                HumaansTenant {
                    company_id: format!("cmp_{i}"),
                    ..HumaansTenant::full(&format!("Humaans Co {i}"), 5)
                },
            );
            forms.push(("humaans", vec![("api_token".into(), token)]));
            let key = format!("{tag}JazzhrFleet{i:016}");
            self.add_jazzhr(
                &key,
                JazzhrAccount::with_users(&format!("hr{i}@example.test"), 3),
            );
            forms.push(("jazzhr", vec![("api_key".into(), key)]));
            let (sub, token) = (format!("co{i}"), format!("{tag}NamelyFleet{i:016}"));
            self.add_namely(
                &sub,
                NamelyTenant::full(&format!("Namely Co {i}"), &token, 8),
            );
            forms.push((
                "namely",
                vec![("subdomain".into(), sub), ("access_token".into(), token)],
            ));
        }
        forms
    }
}
