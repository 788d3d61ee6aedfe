//! The AWS SDK's requests sent through Keystep's own HTTP client (reqwest over the system's
//! OpenSSL), instead of the SDK's default client (rustls with aws-lc, a second TLS stack and
//! a cmake build that `deny.toml` keeps out).
//!
//! The SDK signs each request and hands it over whole ([`HttpConnector::call`]); this sends
//! it with Keystep's client rules (TLS 1.2 at least, no redirects, bounded timeouts) and
//! one more: a request goes over `https://`, or `http://` to loopback only, so an endpoint
//! override (`AWS_ENDPOINT_URL`, a profile's `endpoint_url`) can never send credentials or a
//! key over the network in clear text (the instance metadata services excepted, which the
//! credential chain reaches over plain HTTP on the machine's own link). Errors name a fixed kind, never the URL.

use std::sync::OnceLock;

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;

use super::{is_loopback, STORE_TIMEOUT};

/// The most of an answer read: Secrets Manager answers are small (a secret is at most
/// 64 KiB).
const MAX_ANSWER: usize = 1 << 20;

fn is_instance_metadata(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    matches!(bare, "169.254.169.254" | "169.254.170.2" | "fd00:ec2::254")
}

/// Keystep's client, as the SDK's HTTP client.
#[derive(Debug, Clone, Default)]
pub(crate) struct ReqwestHttp {
    client: std::sync::Arc<OnceLock<Option<reqwest::Client>>>,
}

impl HttpClient for ReqwestHttp {
    fn http_connector(
        &self,
        _settings: &HttpConnectorSettings,
        _components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(self.clone())
    }
}

/// Why a request was not sent or not answered, in a fixed phrase.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Refusal(&'static str);

impl HttpConnector for ReqwestHttp {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let client = self
            .client
            .get_or_init(|| crate::verify::client_builder(STORE_TIMEOUT).build().ok())
            .clone();
        HttpConnectorFuture::new(async move {
            let client = client.ok_or_else(|| {
                ConnectorError::other(
                    Box::new(Refusal("the HTTP client could not be built")),
                    None,
                )
            })?;
            let request = request
                .try_into_http1x()
                .map_err(|_| ConnectorError::user(Box::new(Refusal("a malformed request"))))?;
            let (parts, body) = request.into_parts();
            let url = url::Url::parse(&parts.uri.to_string())
                .map_err(|_| ConnectorError::user(Box::new(Refusal("a malformed address"))))?;
            let allowed = match url.scheme() {
                "https" => true,
                // Loopback (an emulator, a local proxy) and the link-local instance metadata
                // services the credential chain asks on EC2 and ECS (169.254.169.254,
                // 169.254.170.2, fd00:ec2::254), which never leave the machine's own link.
                "http" => url
                    .host_str()
                    .is_some_and(|h| is_loopback(h) || is_instance_metadata(h)),
                _ => false,
            };
            if !allowed {
                return Err(ConnectorError::user(Box::new(Refusal(
                    "an AWS endpoint must use https:// (http:// only to loopback)",
                ))));
            }
            let bytes = body.bytes().map(<[u8]>::to_vec).unwrap_or_default();
            let mut builder = client.request(parts.method, url);
            for (name, value) in &parts.headers {
                builder = builder.header(name, value);
            }
            let response = builder.body(bytes).send().await.map_err(|e| {
                let refusal = Box::new(Refusal(super::transport_word(&e)));
                if e.is_timeout() {
                    ConnectorError::timeout(refusal)
                } else {
                    ConnectorError::io(refusal)
                }
            })?;
            let status = response.status();
            let headers = response.headers().clone();
            let mut response = response;
            let mut out = Vec::new();
            while let Some(chunk) = response
                .chunk()
                .await
                .map_err(|_| ConnectorError::io(Box::new(Refusal("the answer broke off"))))?
            {
                if out.len() + chunk.len() > MAX_ANSWER {
                    return Err(ConnectorError::other(
                        Box::new(Refusal("an answer too large")),
                        None,
                    ));
                }
                out.extend_from_slice(&chunk);
            }
            let mut answer = http::Response::builder().status(status.as_u16());
            for (name, value) in &headers {
                answer = answer.header(name.as_str(), value.as_bytes());
            }
            let answer = answer.body(SdkBody::from(out)).map_err(|_| {
                ConnectorError::other(Box::new(Refusal("a malformed answer")), None)
            })?;
            HttpResponse::try_from(answer)
                .map_err(|_| ConnectorError::other(Box::new(Refusal("a malformed answer")), None))
        })
    }
}
