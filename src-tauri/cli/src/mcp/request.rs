//! The `request` tool: any read the provider file allows, for what the common shape does not
//! hold. The path is checked here and again by the proxy; a method other than GET goes only
//! to a read the provider file lists; a path whose whole answer is sensitive is not read
//! unless shared; the answer goes through the field policy.

use serde_json::{json, Map, Value};

use keystep_core::error::Code;
use keystep_core::people;
use keystep_core::provider::{ListMethod, Method, Provider};

use super::records::{self, default_host, policy_of};
use super::server::{missing, shown, text_arg, Answer, McpServer};
use super::upstream::ToolError;

impl McpServer {
    pub(super) async fn request(&self, args: &Map<String, Value>) -> Result<Answer, ToolError> {
        let handle = text_arg(args, "account")?.ok_or_else(|| missing("account"))?;
        let path = text_arg(args, "path")?.ok_or_else(|| missing("path"))?;
        let (account, provider, served) = self.account(&handle)?;
        sensitive_fields_listed(provider)?;
        if !path.starts_with('/') || path.contains(['?', '#']) {
            return Err(ToolError::new(
                Code::InvalidInput,
                "path starts with / and holds no query: give query parameters in query.",
            ));
        }
        let method = match text_arg(args, "method")?.as_deref().unwrap_or("GET") {
            "GET" => ListMethod::Get,
            "POST" => ListMethod::Post,
            _ => return Err(ToolError::new(
                Code::ReadOnly,
                "Keystep only reads: method is GET, or POST for the reads the provider file lists.",
            )),
        };
        let listed_read = provider.reads.iter().any(|r| {
            r.path.trim_end_matches('/') == path.trim_end_matches('/') && r.method == Method::Post
        });
        if method == ListMethod::Post && !listed_read {
            let reads: Vec<&str> = provider.reads.iter().map(|r| r.path.as_str()).collect();
            return Err(ToolError::new(
                Code::ReadOnly,
                if reads.is_empty() {
                    format!(
                        "Keystep only reads, and {} has no read sent by POST: use GET.",
                        provider.name
                    )
                } else {
                    format!(
                        "Keystep only reads: POST goes only to {}'s reads ({}).",
                        provider.name,
                        reads.join(", ")
                    )
                },
            ));
        }
        let policy = policy_of(provider, &served.handle, &account);
        if let Some(category) = policy.withholds_path(&path) {
            return Err(ToolError::new(
                Code::MissingPermission,
                format!(
                    "Keystep's field policy withholds this whole answer: {path} is {} data. {}",
                    category.as_str(),
                    policy.note(category)
                ),
            ));
        }
        let mut query = Vec::new();
        match args.get("query") {
            None | Some(Value::Null) => {}
            Some(Value::Object(q)) => {
                for (k, v) in q {
                    let v = match v {
                        Value::String(s) => s.clone(),
                        Value::Number(n) => n.to_string(),
                        Value::Bool(b) => b.to_string(),
                        _ => {
                            return Err(ToolError::new(
                                Code::InvalidInput,
                                format!("query parameter “{}” must be a string.", shown(k)),
                            ))
                        }
                    };
                    query.push((k.clone(), v));
                }
            }
            Some(_) => {
                return Err(ToolError::new(
                    Code::InvalidInput,
                    "query is an object of names and values.",
                ))
            }
        }
        if provider
            .auth
            .secret_query_param()
            .is_some_and(|p| query.iter().any(|(k, _)| k == p))
        {
            return Err(ToolError::new(
                Code::InvalidInput,
                "Keystep adds the account's key itself: leave that parameter out.",
            ));
        }
        let body = match args.get("body") {
            None | Some(Value::Null) => None,
            Some(b) if method == ListMethod::Post => Some(b.clone()),
            Some(_) => return Err(ToolError::new(Code::InvalidInput, "A GET has no body.")),
        };
        let host = match text_arg(args, "host")? {
            Some(h) => h,
            None => default_host(&account, provider)?,
        };
        let req = people::PageRequest {
            method,
            path: path.clone(),
            query,
            body,
        };
        let mut answer = self
            .upstream
            .send(&served.handle, &host, provider, &req)
            .await?;
        let withheld = policy.apply(&mut answer);
        let value = json!({ "account": served.handle, "path": path, "answer": answer });
        Ok(records::answer(value, withheld, &policy, &account))
    }
}

/// A provider whose file names no sensitive fields yet would hand pay and identity data to
/// the assistant unfiltered: it is not read until its sections exist.
fn sensitive_fields_listed(provider: &Provider) -> Result<(), ToolError> {
    if provider.sensitive.is_empty() {
        return Err(ToolError::new(
            Code::InvalidInput,
            format!(
                "Keystep has not listed {}'s sensitive fields yet, so assistants cannot read it through Keystep.",
                provider.name
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use keystep_core::provider::Catalogue;

    use super::*;

    // Every shipped provider file may come to list its sensitive fields, so the refusal is
    // proved on a shipped file with its `[sensitive.*]` sections taken out, not on whichever
    // provider happens to lack them today.
    #[test]
    fn a_provider_without_a_sensitive_field_list_is_refused() {
        let catalogue = Catalogue::embedded().expect("the shipped providers load");
        let mut provider = catalogue.get("jazzhr").expect("jazzhr").clone();
        assert!(
            sensitive_fields_listed(&provider).is_ok(),
            "a provider that lists its sensitive fields is read"
        );
        provider.sensitive.clear();
        let refused = sensitive_fields_listed(&provider).expect_err("refused");
        assert_eq!(refused.code, Code::InvalidInput, "Keystep's code");
        assert!(
            refused.message.contains("sensitive fields") && refused.message.contains("JazzHR"),
            "the sentence names the provider and says why: {}",
            refused.message
        );
    }
}
