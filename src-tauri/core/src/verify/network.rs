//! The verifier's side of the network: Keystep's HTTP client, which must be built or nothing
//! is sent (no fallback to a client without Keystep's timeouts and redirect rule), and the
//! evidence a failed name lookup is weighed with: whether the provider's own domain still
//! resolves, which tells "this company's site does not exist" from "this computer is offline".

use std::net::ToSocketAddrs as _;
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Name, Resolve};

/// How long the evidence lookup of the provider's own domain may take.
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(10);

/// Keystep's HTTP client could not be built: nothing is sent then.
#[derive(Debug, thiserror::Error)]
#[error("Keystep's HTTP client could not be built")]
pub struct ClientError(#[source] pub reqwest::Error);

/// Keystep's HTTP client settings: the system's TLS and trust store, TLS 1.2 at least,
/// bounded timeouts, no redirects (they could carry the Authorization header elsewhere;
/// providers do not need them). Tests add a resolver or shorten the timeout.
pub fn client_builder(timeout: Duration) -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .user_agent(concat!("Keystep/", env!("CARGO_PKG_VERSION")))
        .min_tls_version(reqwest::tls::Version::TLS_1_2)
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(10)))
        .redirect(reqwest::redirect::Policy::none())
}

/// Keystep's HTTP client ([`client_builder`]), or why it could not be made. There is no
/// fallback: a default client follows redirects and never times out.
///
/// # Errors
/// When the TLS library or the options are refused.
pub fn default_client(timeout: Duration) -> Result<reqwest::Client, ClientError> {
    build(client_builder(timeout))
}

/// Builds a client, logging why it could not be.
pub(super) fn build(builder: reqwest::ClientBuilder) -> Result<reqwest::Client, ClientError> {
    builder.build().map_err(|e| {
        // A builder error names an option or the TLS library, never a URL or a secret.
        log::error!("the HTTP client could not be built: {e}");
        ClientError(e)
    })
}

/// The provider's own domain below a host name that holds a field:
/// `https://{subdomain}.namely.com/api/v1` gives `namely.com`, a name that exists whatever
/// the company. `None` when the host name holds no field (a fixed host failing to resolve
/// says nothing about the company), or when less than a domain would be left.
pub(super) fn own_domain(base: &str) -> Option<String> {
    let rest = base.split_once("://")?.1;
    let host = rest.split(['/', '?', '#']).next()?;
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    let host = host.split(':').next()?;
    let labels: Vec<&str> = host.split('.').collect();
    let last_field = labels.iter().rposition(|l| l.contains('{'))?;
    let own = &labels[last_field + 1..];
    (own.len() >= 2 && own.iter().all(|l| !l.is_empty() && !l.contains('}'))).then(|| own.join("."))
}

/// Whether `name` resolves to at least one address, through `resolver` (the one the
/// client uses, in tests) or the system's. A lookup that fails or takes too long is no.
pub(super) async fn resolves(resolver: Option<&Arc<dyn Resolve>>, name: &str) -> bool {
    let lookup = async {
        match resolver {
            Some(r) => match name.parse::<Name>() {
                Ok(n) => r.resolve(n).await.is_ok_and(|mut a| a.next().is_some()),
                Err(_) => false,
            },
            None => {
                let name = name.to_string();
                tokio::task::spawn_blocking(move || {
                    (name.as_str(), 443)
                        .to_socket_addrs()
                        .is_ok_and(|mut a| a.next().is_some())
                })
                .await
                .unwrap_or(false)
            }
        }
    };
    tokio::time::timeout(LOOKUP_TIMEOUT, lookup)
        .await
        .unwrap_or(false)
}

pub(super) fn is_dns_failure(e: &reqwest::Error) -> bool {
    let mut source: Option<&dyn std::error::Error> = Some(e);
    while let Some(err) = source {
        let text = err.to_string().to_ascii_lowercase();
        if text.contains("dns error") || text.contains("failed to lookup address") {
            return true;
        }
        source = err.source();
    }
    false
}

/// What kind of transport failure, in a fixed word: reqwest's own text may hold the URL.
pub(super) fn transport_kind(e: &reqwest::Error) -> &'static str {
    if e.is_timeout() {
        "timeout"
    } else if is_dns_failure(e) {
        "dns"
    } else if e.is_connect() {
        "connect"
    } else {
        "transport"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_own_domain_is_what_follows_the_field() {
        let cases = [
            ("https://{subdomain}.namely.com/api/v1", Some("namely.com")),
            ("https://{a}.eu.{b}.example.co.uk", Some("example.co.uk")),
            ("https://{subdomain}.namely.com:8443/x", Some("namely.com")),
            ("https://api.resumatorapi.com/v1", None),
            ("http://127.0.0.1:9/namely/{subdomain}", None),
            ("https://{subdomain}.com/x", None),
            ("https://x{subdomain}/x", None),
        ];
        for (base, want) in cases {
            assert_eq!(own_domain(base).as_deref(), want, "{base}");
        }
    }
}
