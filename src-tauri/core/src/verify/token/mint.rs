//! Minting one access token: the client credentials grant posted to the token endpoint,
//! and its answer read as a token or as a reason there is none ([`MintError`]).
//!
//! Apart from the cache in `token` because it is the one exchange with the provider, the
//! only place the client secret is sent, and holds nothing between calls.

use base64::Engine as _;
use reqwest::header::{HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use serde_json::Value;
use zeroize::Zeroizing;

use crate::provider::ClientAuth;
use crate::secret::Secret;
use crate::verify::answer::{read_bounded, retry_after, Body, Unread};
use crate::verify::network;

use super::{AccessToken, MintError, TokenRequest, ASSUMED_TOKEN_SECS};

/// Posts the client credentials grant and reads the token out of the answer.
pub(super) async fn mint(
    client: &reqwest::Client,
    req: &TokenRequest<'_>,
    now: u64,
) -> Result<AccessToken, MintError> {
    let mut request = client
        .post(req.url.clone())
        .header(ACCEPT, HeaderValue::from_static("application/json"))
        .header(
            CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
    if req.client_auth == ClientAuth::Basic {
        // RFC 6749 §2.3.1: each part form-encoded, then joined and base64-encoded.
        let pair = Zeroizing::new(format!(
            "{}:{}",
            form_encoded(req.client_id).as_str(),
            form_encoded(req.client_secret.expose()).as_str()
        ));
        let value = Zeroizing::new(format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(pair.as_bytes())
        ));
        // Normalization refused control characters, so this cannot fail on real input.
        let mut header =
            HeaderValue::from_str(&value).map_err(|_| MintError::Unexpected { status: None })?;
        header.set_sensitive(true);
        request = request.header(AUTHORIZATION, header);
    }
    // Wiped when it drops: with form client authentication it holds the secret. (The
    // serializer is not `Send`, so it lives only inside this block, not across the send.)
    let body = Zeroizing::new({
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        form.append_pair("grant_type", "client_credentials");
        if req.client_auth == ClientAuth::Form {
            form.append_pair("client_id", req.client_id);
            form.append_pair("client_secret", req.client_secret.expose());
        }
        form.finish()
    });
    // reqwest keeps its own copy of the body; ours is wiped when it drops.
    let response = request.body(body.as_bytes().to_vec()).send().await;
    let response = response.map_err(|e| {
        log::warn!(
            "token {}: no answer ({})",
            req.url,
            network::transport_kind(&e)
        );
        MintError::Unreachable {
            timeout: e.is_timeout(),
            dns: network::is_dns_failure(&e),
        }
    })?;
    let (status, headers, bytes) = read_bounded(response).await.map_err(|e| match e {
        Unread::TooBig(status) => MintError::Unexpected {
            status: Some(status),
        },
        Unread::Cut => MintError::Unreachable {
            timeout: false,
            dns: false,
        },
    })?;
    log::info!("token {} -> {status}", req.url);
    let body = Body::of(&bytes);
    match (status, &body) {
        (200..=299, Body::Json(json)) => read_token(json, req, now),
        (200..=299, _) => Err(MintError::Unexpected {
            status: Some(status),
        }),
        (429, _) => Err(MintError::RateLimited {
            retry_after: retry_after(&headers, now),
        }),
        (403, Body::Json(_)) | (400 | 401, Body::Json(_)) => Err(refusal(status, &body)),
        (401, Body::Empty) => Err(MintError::Refused { status, own: true }),
        (401, Body::Page) => Err(MintError::Refused { status, own: false }),
        (403, _) => Err(MintError::Blocked {
            status,
            retry_after: retry_after(&headers, now),
        }),
        (500..=599, _) => Err(MintError::ProviderError { status }),
        _ => Err(MintError::Unexpected {
            status: Some(status),
        }),
    }
}

/// What a JSON 400, 401 or 403 from a token endpoint means: RFC 6749 §5.2's errors about
/// the client or the grant refuse the credentials; a malformed request is Keystep's or the
/// provider's problem, not the key's.
fn refusal(status: u16, body: &Body) -> MintError {
    let Body::Json(json) = body else {
        return MintError::Unexpected {
            status: Some(status),
        };
    };
    let error = json
        .get("error")
        .and_then(Value::as_str)
        .unwrap_or_default();
    match error {
        "invalid_request" | "unsupported_grant_type" | "invalid_scope" => MintError::Unexpected {
            status: Some(status),
        },
        // invalid_client, unauthorized_client, invalid_grant, a provider's own word, or none.
        _ => MintError::Refused { status, own: true },
    }
}

/// The token in a successful answer: `access_token`, a Bearer `token_type` if one is
/// named, `expires_in` (seconds) or `expires_at` (Unix time or an RFC 3339 date), and the
/// scopes where the provider file says they are.
fn read_token(json: &Value, req: &TokenRequest<'_>, now: u64) -> Result<AccessToken, MintError> {
    let unexpected = || MintError::Unexpected { status: Some(200) };
    let value = json
        .get("access_token")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty() && t.chars().all(|c| c.is_ascii_graphic()))
        .ok_or_else(unexpected)?;
    if json
        .get("token_type")
        .and_then(Value::as_str)
        .is_some_and(|t| !t.eq_ignore_ascii_case("bearer"))
    {
        return Err(unexpected());
    }
    let expires_at = json
        .get("expires_in")
        .and_then(seconds)
        .map(|s| now.saturating_add(s))
        .or_else(|| json.get("expires_at").and_then(unix_time))
        .unwrap_or(now + ASSUMED_TOKEN_SECS);
    let scopes = req
        .scopes
        .and_then(|p| json.pointer(p))
        .and_then(|v| match v {
            Value::String(s) => Some(s.split_whitespace().map(String::from).collect()),
            Value::Array(a) => Some(
                a.iter()
                    .filter_map(|x| x.as_str().map(String::from))
                    .collect(),
            ),
            _ => None,
        });
    Ok(AccessToken {
        value: Secret::new(value),
        issued_at: now,
        expires_at,
        scopes,
    })
}

/// A number of seconds, as a JSON number or a numeric string.
fn seconds(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A point in time as Unix seconds: a number (milliseconds when it is that large) or an
/// RFC 3339 date such as `2026-09-01T12:00:00Z`.
pub fn unix_time(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n
            .as_u64()
            .map(|t| if t > 100_000_000_000 { t / 1000 } else { t }),
        Value::String(s) => {
            let s = s.trim();
            if let Ok(n) = s.parse::<u64>() {
                return unix_time(&Value::from(n));
            }
            let parsed =
                time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
                    .ok()?;
            u64::try_from(parsed.unix_timestamp()).ok()
        }
        _ => None,
    }
}

/// `application/x-www-form-urlencoded` of one value, as RFC 6749 wants each part of the
/// Basic pair.
fn form_encoded(value: &str) -> Zeroizing<String> {
    Zeroizing::new(url::form_urlencoded::byte_serialize(value.as_bytes()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Code;
    use serde_json::json;
    use url::Url;

    fn request(secret: &Secret) -> TokenRequest<'_> {
        TokenRequest {
            url: Url::parse("https://auth.example/token").expect("url"),
            client_id: "client",
            client_secret: secret,
            client_auth: ClientAuth::Basic,
            scopes: Some("/scope"),
        }
    }

    #[test]
    fn a_token_answer_gives_the_token_its_expiry_and_scopes() {
        let secret = Secret::new("s");
        let req = request(&secret);
        let t = read_token(
            &json!({"access_token": "tok", "token_type": "bearer", "expires_in": 3600, "scope": "a b"}),
            &req,
            1_000,
        )
        .expect("a token");
        assert_eq!(t.secret().expose(), "tok", "the token");
        assert_eq!(t.expires_at(), 4_600, "expires_in counts from now");
        assert_eq!(
            t.scopes(),
            Some(&["a".to_string(), "b".to_string()][..]),
            "words"
        );
        let t = read_token(
            &json!({"access_token": "tok", "expires_at": "2026-09-01T00:00:00Z"}),
            &req,
            1_000,
        )
        .expect("a token");
        assert_eq!(t.expires_at(), 1_788_220_800, "an RFC 3339 expiry");
        assert_eq!(t.scopes(), None, "no scope in the answer");
        let t = read_token(&json!({"access_token": "tok"}), &req, 1_000).expect("a token");
        assert_eq!(t.expires_at(), 1_000 + ASSUMED_TOKEN_SECS, "assumed life");
    }

    #[test]
    fn answers_that_are_not_tokens_are_refused() {
        let secret = Secret::new("s");
        let req = request(&secret);
        for bad in [
            json!({}),
            json!({"access_token": ""}),
            json!({"access_token": "a b"}),
            json!({"access_token": "t", "token_type": "mac"}),
        ] {
            assert!(
                read_token(&bad, &req, 0).is_err(),
                "{bad} is no Bearer token"
            );
        }
    }

    #[test]
    fn refusals_tell_bad_credentials_from_a_bad_request() {
        let body = |e: &str| Body::Json(json!({ "error": e }));
        assert_eq!(
            refusal(401, &body("invalid_client")).code(),
            Code::BadCredentials,
            "invalid_client"
        );
        assert_eq!(
            refusal(400, &body("invalid_grant")).code(),
            Code::BadCredentials,
            "invalid_grant"
        );
        assert_eq!(
            refusal(400, &body("unsupported_grant_type")).code(),
            Code::UnexpectedResponse,
            "Keystep's request, not the key"
        );
    }
}
