//! Where each provider's named hosts are, with overrides for tests and sandbox tenants.
//!
//! A provider file names its base URLs ("api", "oauth"). `KEYSTEP_<PROVIDER>_<HOST>_URL`
//! replaces one; this is how tests point Keystep at the loopback emulator. Plain `http://`
//! is accepted only for loopback addresses, so an override can never send a key over the
//! network in clear text.
//!
//! Overrides work in every build, so they are never silent: [`Hosts::overrides`] lists them
//! for the window's banner and `keystep verify`'s output, and a stored key is sent only to
//! the base URLs its account was verified against ([`Hosts::unverified_host`]), so setting a
//! variable cannot redirect the keys Keystep already holds.

use std::collections::BTreeMap;

use serde::Serialize;
use url::{Host, Url};

use crate::provider::{placeholders, Provider};

/// A problem with a host override.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HostError {
    /// The override is not a URL.
    #[error("{var} is not a valid URL: {reason}")]
    NotAUrl {
        /// The environment variable.
        var: String,
        /// Why.
        reason: String,
    },
    /// `http://` to something other than loopback, or another scheme.
    #[error("{var} must use https:// (http:// is allowed only for 127.0.0.1, [::1] or localhost)")]
    Insecure {
        /// The environment variable.
        var: String,
    },
    /// A user name or password in the URL: it would be shown wherever overrides are listed.
    #[error("{var} must not contain a user name or password")]
    Credentials {
        /// The environment variable.
        var: String,
    },
}

/// One override in effect, as the window's banner and `keystep verify` name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HostOverride {
    /// Provider id.
    pub provider: String,
    /// The provider file's name for the host ("api", "oauth").
    pub host: String,
    /// The base URL it is replaced with (may hold `{field}` placeholders).
    pub url: String,
    /// The environment variable that set it.
    pub variable: String,
}

/// Base URLs per provider and host name, after overrides. Values may contain `{field}`.
#[derive(Debug, Clone, Default)]
pub struct Hosts {
    /// (provider id, host name) → (base URL, the variable that set it).
    overrides: BTreeMap<(String, String), (String, String)>,
}

impl Hosts {
    /// No overrides: every provider's own hosts.
    pub fn production() -> Self {
        Hosts::default()
    }

    /// Reads overrides for every host of every provider through `lookup` (the process
    /// environment in the app, a map in tests).
    ///
    /// # Errors
    /// An override that is not a URL or is not allowed.
    pub fn from_lookup<'a>(
        providers: impl IntoIterator<Item = &'a Provider>,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, HostError> {
        let mut hosts = Hosts::default();
        for p in providers {
            for name in p.hosts.keys() {
                let var = p.host_override_var(name);
                if let Some(value) = lookup(&var) {
                    check_override(&var, &value)?;
                    hosts.overrides.insert(
                        (p.id.clone(), name.clone()),
                        (value.trim_end_matches('/').into(), var),
                    );
                }
            }
        }
        Ok(hosts)
    }

    /// Sets one override directly (tests).
    ///
    /// # Errors
    /// As [`Hosts::from_lookup`].
    pub fn with(mut self, provider: &Provider, host: &str, url: &str) -> Result<Self, HostError> {
        let var = provider.host_override_var(host);
        check_override(&var, url)?;
        self.overrides.insert(
            (provider.id.clone(), host.to_string()),
            (url.trim_end_matches('/').to_string(), var),
        );
        Ok(self)
    }

    /// The base URL template for a provider's named host.
    pub fn base<'a>(&'a self, provider: &'a Provider, host: &str) -> Option<&'a str> {
        self.overrides
            .get(&(provider.id.clone(), host.to_string()))
            .map(|(url, _)| url.as_str())
            .or_else(|| provider.hosts.get(host).map(String::as_str))
    }

    /// Whether any override is set (shown in the UI so nobody links a test host by mistake).
    pub fn is_overridden(&self) -> bool {
        !self.overrides.is_empty()
    }

    /// Every override in effect, by provider id and host name.
    pub fn overrides(&self) -> Vec<HostOverride> {
        self.overrides
            .iter()
            .map(|((provider, host), (url, variable))| HostOverride {
                provider: provider.clone(),
                host: host.clone(),
                url: url.clone(),
                variable: variable.clone(),
            })
            .collect()
    }

    /// The base URLs `provider`'s checks and token endpoint send a key to with these
    /// non-secret field values (a choice picks its host, a subdomain fills its placeholder):
    /// host name → URL. This is what an account records as verified; nothing in it is
    /// secret.
    pub fn bases_for(
        &self,
        provider: &Provider,
        fields: &BTreeMap<String, String>,
    ) -> BTreeMap<String, String> {
        // The token endpoint of client credentials receives the client secret: it is held
        // to where it was verified like any host a check uses.
        provider
            .checks
            .iter()
            .filter_map(|check| provider.host_of(check, |f| fields.get(f).cloned()))
            .chain(provider.auth.token_host())
            .filter_map(|host| {
                let mut url = self.base(provider, host)?.to_string();
                for ph in placeholders(&url.clone()) {
                    if let Some(value) = fields.get(ph) {
                        url = url.replacen(&format!("{{{ph}}}"), value, 1);
                    }
                }
                Some((host.to_string(), url))
            })
            .collect()
    }

    /// The first host where this table would send a stored key somewhere it was not
    /// verified: a base URL that differs from the one `recorded` for it, or, for a host
    /// with nothing recorded (a book older than the record), one that is overridden. `None`
    /// when every host the checks use is where the key was verified, or the provider's own.
    pub fn unverified_host(
        &self,
        provider: &Provider,
        fields: &BTreeMap<String, String>,
        recorded: &BTreeMap<String, String>,
    ) -> Option<String> {
        self.bases_for(provider, fields)
            .into_iter()
            .find(|(host, url)| match recorded.get(host) {
                Some(verified) => verified != url,
                None => self
                    .overrides
                    .contains_key(&(provider.id.clone(), host.clone())),
            })
            .map(|(host, _)| host)
    }

    /// The environment variable of an override in effect for `provider`'s `host`.
    pub fn variable(&self, provider: &Provider, host: &str) -> Option<&str> {
        self.overrides
            .get(&(provider.id.clone(), host.to_string()))
            .map(|(_, var)| var.as_str())
    }
}

fn check_override(var: &str, value: &str) -> Result<(), HostError> {
    // Placeholders such as {subdomain} are not valid in a host name; parse a stand-in.
    let probe = value.replace(['{', '}'], "x");
    let url = Url::parse(&probe).map_err(|e| HostError::NotAUrl {
        var: var.to_string(),
        reason: e.to_string(),
    })?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(HostError::Credentials {
            var: var.to_string(),
        });
    }
    let loopback = match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        Some(Host::Domain(d)) => d == "localhost",
        None => false,
    };
    match url.scheme() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        _ => Err(HostError::Insecure {
            var: var.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::Catalogue;

    #[test]
    fn http_is_only_for_loopback() {
        let cat = Catalogue::embedded().expect("catalogue");
        let lookup = |url: &'static str| move |_: &str| Some(url.to_string());
        for ok in [
            "http://127.0.0.1:8080/api",
            "http://[::1]:9/x",
            "http://localhost:1",
            "https://sandbox.example/api",
        ] {
            assert!(
                Hosts::from_lookup(cat.all(), lookup(ok)).is_ok(),
                "{ok} is allowed"
            );
        }
        for bad in [
            "http://10.0.0.1/api",
            "http://example.com",
            "ftp://127.0.0.1",
            "nope",
        ] {
            assert!(
                Hosts::from_lookup(cat.all(), lookup(bad)).is_err(),
                "{bad} is refused"
            );
        }
    }

    #[test]
    fn overrides_replace_only_their_host() {
        let cat = Catalogue::embedded().expect("catalogue");
        let humaans = cat.get("humaans").expect("humaans");
        let hosts = Hosts::from_lookup(cat.all(), |var| {
            (var == "KEYSTEP_HUMAANS_API_URL").then(|| "http://127.0.0.1:5/api/".to_string())
        })
        .expect("valid override");
        assert_eq!(
            hosts.base(humaans, "api"),
            Some("http://127.0.0.1:5/api"),
            "trailing / dropped"
        );
        assert!(Hosts::production()
            .base(humaans, "api")
            .is_some_and(|u| u.starts_with("https://")));
    }

    #[test]
    fn a_stored_key_goes_only_where_it_was_verified() {
        let cat = Catalogue::embedded().expect("catalogue");
        let namely = cat.get("namely").expect("namely");
        let fields = BTreeMap::from([("subdomain".to_string(), "acme".to_string())]);
        let production = Hosts::production();
        let verified = production.bases_for(namely, &fields);
        assert_eq!(
            verified.get("api").map(String::as_str),
            Some("https://acme.namely.com/api/v1"),
            "the subdomain is filled in: {verified:?}"
        );
        assert_eq!(
            production.unverified_host(namely, &fields, &verified),
            None,
            "where it was verified"
        );
        assert_eq!(
            production.unverified_host(namely, &fields, &BTreeMap::new()),
            None,
            "nothing recorded (an old book): the provider's own host is fine"
        );
        let overridden = Hosts::production()
            .with(namely, "api", "https://proxy.example/{subdomain}")
            .expect("valid");
        for recorded in [&verified, &BTreeMap::new()] {
            assert_eq!(
                overridden.unverified_host(namely, &fields, recorded),
                Some("api".to_string()),
                "an override is not where the key was verified ({recorded:?})"
            );
        }
        let there = overridden.bases_for(namely, &fields);
        assert_eq!(
            overridden.unverified_host(namely, &fields, &there),
            None,
            "verified under the override, checked under the same one"
        );
        assert_eq!(
            production.unverified_host(namely, &fields, &there),
            Some("api".to_string()),
            "verified under an override, not sent to another host when it is gone"
        );
        let other = BTreeMap::from([("subdomain".to_string(), "beta".to_string())]);
        assert_eq!(
            production.unverified_host(namely, &other, &verified),
            Some("api".to_string()),
            "another subdomain is another host"
        );
    }

    #[test]
    fn a_choice_records_only_the_host_it_picks() {
        let cat = Catalogue::embedded().expect("catalogue");
        let hibob = cat.get("hibob").expect("hibob");
        let sandbox = BTreeMap::from([("environment".to_string(), "sandbox".to_string())]);
        let bases = Hosts::production().bases_for(hibob, &sandbox);
        assert_eq!(
            bases.keys().collect::<Vec<_>>(),
            ["sandbox"],
            "only the sandbox host: {bases:?}"
        );
        let api_elsewhere = Hosts::production()
            .with(hibob, "api", "https://elsewhere.example")
            .expect("valid");
        assert_eq!(
            api_elsewhere.unverified_host(hibob, &sandbox, &bases),
            None,
            "an override of a host the account does not use does not stop it"
        );
    }

    #[test]
    fn overrides_are_listed_and_carry_no_credentials() {
        let cat = Catalogue::embedded().expect("catalogue");
        let humaans = cat.get("humaans").expect("humaans");
        let hosts = Hosts::production()
            .with(humaans, "api", "http://127.0.0.1:9/api/")
            .expect("valid");
        assert_eq!(
            hosts.overrides(),
            [HostOverride {
                provider: "humaans".into(),
                host: "api".into(),
                url: "http://127.0.0.1:9/api".into(),
                variable: "KEYSTEP_HUMAANS_API_URL".into(),
            }],
            "provider, host, URL and variable"
        );
        assert!(
            Hosts::production().overrides().is_empty(),
            "none by default"
        );
        assert_eq!(
            Hosts::production()
                .with(humaans, "api", "https://user:pw@proxy.example")
                .map(|_| ()),
            Err(HostError::Credentials {
                var: "KEYSTEP_HUMAANS_API_URL".into()
            }),
            "a URL with a password would be shown in the banner"
        );
    }
}
