//! One check of a chain, sent and read: its URL and request built from the provider file
//! and what earlier checks captured, the pacer's lane and the access token respected, the
//! answer read with a bound and judged by the rules of `answer.rs`.

use std::collections::BTreeMap;

use reqwest::header::CONTENT_TYPE;

use crate::error::Code;
use crate::input::Credentials;
use crate::provider::{Check, Encoding, Method, Provider};
use crate::redact::redact_url;

use super::answer::{self, Outcome};
use super::{
    network, request, Captured, Purpose, Session, Stop, TokenRequest, Verifier, REQUEST_TIMEOUT,
};

impl Verifier {
    /// Sends `check` of `provider` with `creds` and what earlier checks captured (`vars`),
    /// and reads its answer.
    pub(super) async fn run_check(
        &self,
        provider: &Provider,
        check: &Check,
        creds: &Credentials,
        vars: &BTreeMap<String, Captured>,
        purpose: Purpose,
        session: &mut Session,
    ) -> Result<Outcome, Stop> {
        let url = self.build_url(provider, check, creds, vars)?;
        let client = self.client()?;
        let shown_url = redact_url(&url, provider.auth.secret_query_param());
        let mut encoding = check.body.as_ref().map(|b| b.encoding);
        let mut resent = false;
        let response = loop {
            let mut req = match check.method {
                Method::Get => client.get(url.clone()),
                Method::Post => client.post(url.clone()),
            };
            let token = session.token.clone().filter(|_| check.auth);
            req = req.headers(self.headers(provider, check, creds, token.as_ref())?);
            if let (Some(body), Some(enc)) = (&check.body, encoding) {
                let (content_type, text) = request::render_body(&body.values, enc, creds, vars)?;
                // reqwest keeps its own copy of the body; ours is wiped when it drops.
                req = req
                    .header(CONTENT_TYPE, content_type)
                    .body(text.as_bytes().to_vec());
            }
            let method = match check.method {
                Method::Get => "GET",
                Method::Post => "POST",
            };
            let call = crate::pace::Call {
                method,
                path: &check.path,
                read: check.method == Method::Get
                    || provider
                        .reads
                        .iter()
                        .any(|r| r.method == check.method && r.path == check.path),
            };
            let admission = match &self.pacer {
                Some(p) => match p.admit(&provider.id, &provider.pace, call).await {
                    Ok(admission) => Some(admission),
                    // The provider asked for a pause that is not over: nothing is sent.
                    Err(left) => {
                        let mut stop = Stop::new(Code::RateLimited);
                        stop.retry_after = Some(left);
                        return Err(stop);
                    }
                },
                None => None,
            };
            let res = req.send().await;
            drop(admission);
            let res = match res {
                Ok(r) => r,
                Err(e) => {
                    log::warn!(
                        "{} {shown_url}: no answer ({})",
                        check.id,
                        network::transport_kind(&e)
                    );
                    if network::is_dns_failure(&e) {
                        return Err(self
                            .weigh_dns_failure(provider, check, vars, &url, purpose)
                            .await);
                    }
                    let mut s = Stop::new(Code::Unreachable);
                    if e.is_timeout() {
                        s.hint = Some(format!(
                            "{} did not answer within {} seconds.",
                            provider.name,
                            REQUEST_TIMEOUT.as_secs()
                        ));
                    }
                    return Err(s);
                }
            };
            let status = res.status().as_u16();
            log::info!("{} {shown_url} -> {status}", check.id);
            if let Some(p) = &self.pacer {
                // The firewall's count; a 429's wait is the chain's own to weigh below.
                p.answered(&provider.id, &provider.pace, status, true);
            }
            // An access token the API refuses is minted again, once per chain: it may have
            // expired or been replaced before its time. The second refusal is the answer.
            if let (401, Some(refused), false) = (status, token, session.reminted) {
                session.reminted = true;
                if let Some(treq) =
                    TokenRequest::new(provider, &self.hosts, &creds.public, &creds.secrets)
                {
                    log::info!(
                        "{}: the access token was refused; minting another",
                        check.id
                    );
                    self.tokens.forget(&treq, &refused).await;
                    session.token = self.access_token(provider, creds, purpose).await?;
                    continue;
                }
            }
            let retry_form = check
                .body
                .as_ref()
                .is_some_and(|b| b.retry_as_form_on.contains(&status));
            if retry_form && !resent && encoding == Some(Encoding::Json) {
                encoding = Some(Encoding::Form);
                resent = true;
                continue;
            }
            break res;
        };
        // Every answer is read (up to the bound): a status rule may depend on whether the
        // body is JSON (a provider's error versus a firewall's page).
        let answer = answer::read(response, provider).await?;
        answer::judge(
            provider,
            check,
            vars,
            answer,
            purpose,
            self.clock.unix_now(),
        )
    }
}
