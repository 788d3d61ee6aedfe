//! Where each provider's named hosts are, with overrides for tests and sandbox tenants.
//!
//! A provider file names its base URLs ("api", "oauth"). `KEYSTEP_<PROVIDER>_<HOST>_URL`
//! replaces one; this is how tests point Keystep at the loopback emulator. Plain `http://`
//! is accepted only for loopback addresses, so an override can never send a key over the
//! network in clear text.

use std::collections::BTreeMap;

use url::{Host, Url};

use crate::provider::Provider;

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
}

/// Base URLs per provider and host name, after overrides. Values may contain `{field}`.
#[derive(Debug, Clone, Default)]
pub struct Hosts {
    overrides: BTreeMap<(String, String), String>,
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
                        value.trim_end_matches('/').into(),
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
        check_override(&provider.host_override_var(host), url)?;
        self.overrides.insert(
            (provider.id.clone(), host.to_string()),
            url.trim_end_matches('/').to_string(),
        );
        Ok(self)
    }

    /// The base URL template for a provider's named host.
    pub fn base<'a>(&'a self, provider: &'a Provider, host: &str) -> Option<&'a str> {
        self.overrides
            .get(&(provider.id.clone(), host.to_string()))
            .map(String::as_str)
            .or_else(|| provider.hosts.get(host).map(String::as_str))
    }

    /// Whether any override is set (shown in the UI so nobody links a test host by mistake).
    pub fn is_overridden(&self) -> bool {
        !self.overrides.is_empty()
    }
}

fn check_override(var: &str, value: &str) -> Result<(), HostError> {
    // Placeholders such as {subdomain} are not valid in a host name; parse a stand-in.
    let probe = value.replace(['{', '}'], "x");
    let url = Url::parse(&probe).map_err(|e| HostError::NotAUrl {
        var: var.to_string(),
        reason: e.to_string(),
    })?;
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
}
