//! AWS Secrets Manager, through the official SDK (`aws-sdk-secretsmanager`, `aws-config`)
//! over Keystep's own HTTP client (`aws_http.rs`).
//!
//! Credentials and settings come from the standard AWS chain as every AWS tool reads them:
//! `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`/`AWS_SESSION_TOKEN`, `AWS_PROFILE` and the
//! shared `~/.aws/config` and `credentials` files (IAM Identity Center sign-in included),
//! web identity, and the ECS and EC2 instance roles; endpoint overrides as
//! `AWS_ENDPOINT_URL_SECRETS_MANAGER` or `AWS_ENDPOINT_URL`. The region is the target's. A
//! profile's `credential_process` is not run: Keystep's core starts no child processes.
//!
//! Secrets Manager (API reference, docs.aws.amazon.com/secretsmanager/latest/apireference)
//! has no check-and-set on `PutSecretValue`, but moving the `AWSCURRENT` label is one:
//! `UpdateSecretVersionStage` with `RemoveFromVersionId` fails unless that version holds the
//! label ("If the label is attached and you either do not specify this parameter, or the
//! version ID does not match, then the operation fails"). So a rotation checks the current
//! version first (nothing is written when someone else changed it), puts the new value
//! under Keystep's own label `KEYSTEP_PENDING`, then moves `AWSCURRENT` to it from the
//! version Keystep wrote; if that move is refused, the copy was changed in between, and the
//! new value stays a labelled, non-current version that scripts reading `AWSCURRENT` never
//! get. A first push is `CreateSecret`, which refuses a name that exists. A delete is
//! `DeleteSecret` with the default recovery window (30 days; `RestoreSecret` undoes it).

use std::collections::BTreeMap;
use std::sync::Arc;

use aws_credential_types::provider::ProvideCredentials;
use aws_sdk_secretsmanager::config::{Credentials, Region};
use aws_sdk_secretsmanager::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_secretsmanager::types::Tag;
use aws_sdk_secretsmanager::Client;
use futures_util::future::BoxFuture;
use tokio::sync::Mutex;

use super::aws_http::ReqwestHttp;
use super::meta::Room;
use super::{
    decode_fields, encode_fields, CopyMeta, Expect, Fetched, StoreError, Target, TeamStore,
};
use crate::vault::SecretFields;

const CURRENT: &str = "AWSCURRENT";
const NO_CREDENTIALS: &str = "sign in as you do for the AWS CLI (a profile, AWS_PROFILE or AWS_ACCESS_KEY_ID), then try again.";
const PENDING: &str = "KEYSTEP_PENDING";

/// AWS Secrets Manager.
#[derive(Clone)]
pub struct AwsSecretsManager {
    /// An endpoint given in code (tests); the environment's otherwise.
    endpoint: Option<String>,
    /// Credentials given in code (tests); the standard chain otherwise.
    credentials: Option<Credentials>,
    http: ReqwestHttp,
    /// One client per region, made on first use (loading the AWS settings reads files).
    clients: Arc<Mutex<BTreeMap<String, Client>>>,
}

impl std::fmt::Debug for AwsSecretsManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AwsSecretsManager")
    }
}

impl AwsSecretsManager {
    /// Settings and credentials from the environment, as the AWS CLI reads them.
    pub fn from_env() -> Self {
        AwsSecretsManager {
            endpoint: None,
            credentials: None,
            http: ReqwestHttp::default(),
            clients: Arc::default(),
        }
    }

    /// A given endpoint and static credentials (tests, against a local emulator).
    pub fn at(endpoint: &str, access_key: &str, secret_key: &str) -> Self {
        AwsSecretsManager {
            endpoint: Some(endpoint.to_string()),
            credentials: Some(Credentials::new(
                access_key,
                secret_key,
                None,
                None,
                "keystep-test",
            )),
            ..Self::from_env()
        }
    }

    /// The region's client, once credentials were found: without any, the SDK would report
    /// a failed dispatch, which reads as a network problem; it is a refusal to fix by
    /// signing in.
    async fn client(&self, target: &Target, region: &str) -> Result<Client, StoreError> {
        let mut clients = self.clients.lock().await;
        if let Some(client) = clients.get(region) {
            return Ok(client.clone());
        }
        let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .http_client(self.http.clone())
            .region(Region::new(region.to_string()));
        if let Some(endpoint) = &self.endpoint {
            loader = loader.endpoint_url(endpoint);
        }
        if let Some(credentials) = &self.credentials {
            loader = loader.credentials_provider(credentials.clone());
        }
        let config = loader.load().await;
        let found = match config.credentials_provider() {
            Some(provider) => provider.provide_credentials().await.is_ok(),
            None => false,
        };
        if !found {
            return Err(StoreError::Refused {
                store: format!("AWS Secrets Manager ({target})"),
                why: "no AWS credentials".into(),
                advice: NO_CREDENTIALS.into(),
            });
        }
        let client = Client::new(&config);
        clients.insert(region.to_string(), client.clone());
        Ok(client)
    }

    async fn for_target<'t>(&self, target: &'t Target) -> Result<(Client, &'t str), StoreError> {
        match target {
            Target::AwsSecretsManager { region, name } => {
                Ok((self.client(target, region).await?, name))
            }
            Target::Vault { .. } => Err(StoreError::Unexpected {
                store: target.to_string(),
                why: "not an AWS Secrets Manager address".into(),
            }),
        }
    }

    /// The version holding `AWSCURRENT`; `None` when the secret is gone or scheduled for
    /// deletion.
    async fn current(
        &self,
        client: &Client,
        target: &Target,
        name: &str,
    ) -> Result<Option<String>, StoreError> {
        match client.describe_secret().secret_id(name).send().await {
            Ok(out) => {
                if out.deleted_date().is_some() {
                    return Ok(None);
                }
                Ok(out.version_ids_to_stages().and_then(|map| {
                    map.iter()
                        .find(|(_, stages)| stages.iter().any(|s| s == CURRENT))
                        .map(|(id, _)| id.clone())
                }))
            }
            Err(e) if code_of(&e) == Some("ResourceNotFoundException") => Ok(None),
            Err(e) => Err(sdk_error(target, e)),
        }
    }
}

fn code_of<E: ProvideErrorMetadata, R>(e: &SdkError<E, R>) -> Option<&str> {
    match e {
        SdkError::ServiceError(service) => service.err().code(),
        _ => None,
    }
}

/// A fixed sentence for an SDK error: its code, never its message (which may quote input).
fn sdk_error<E: ProvideErrorMetadata, R>(target: &Target, e: SdkError<E, R>) -> StoreError {
    let store = format!("AWS Secrets Manager ({target})");
    match &e {
        SdkError::ConstructionFailure(_) => StoreError::Refused {
            store,
            why: "no AWS credentials".into(),
            advice: NO_CREDENTIALS.into(),
        },
        SdkError::TimeoutError(_) => StoreError::Unreachable {
            store,
            why: "timeout".into(),
        },
        SdkError::DispatchFailure(failure) => {
            if failure.is_user() {
                StoreError::Refused {
                    store,
                    why: "an endpoint that is not https".into(),
                    advice: "an AWS endpoint override must use https:// (http:// only to this computer).".into(),
                }
            } else {
                StoreError::Unreachable {
                    store,
                    why: if failure.is_timeout() { "timeout" } else { "no connection" }.into(),
                }
            }
        }
        SdkError::ServiceError(_) => match code_of(&e).unwrap_or("") {
            "AccessDeniedException"
            | "UnrecognizedClientException"
            | "InvalidSignatureException"
            | "IncompleteSignature"
            | "InvalidClientTokenId"
            | "ExpiredTokenException"
            | "MissingAuthenticationToken" => StoreError::Refused {
                store,
                why: "permission denied".into(),
                advice: "check that your AWS credentials are current and that their policy allows this secret.".into(),
            },
            "ResourceNotFoundException" => StoreError::Missing(target.to_string()),
            "ThrottlingException" => StoreError::Unreachable {
                store,
                why: "rate limited".into(),
            },
            "InternalServiceError" | "ServiceUnavailable" => StoreError::Unreachable {
                store,
                why: "server error".into(),
            },
            code => StoreError::Unexpected {
                store,
                why: if code.is_empty() {
                    "an unknown error".to_string()
                } else {
                    format!("error {}", code.chars().filter(char::is_ascii_alphanumeric).take(64).collect::<String>())
                },
            },
        },
        _ => StoreError::Unexpected {
            store,
            why: "an answer it could not read".into(),
        },
    }
}

fn tags(meta: &CopyMeta) -> Vec<Tag> {
    meta.pairs(Room::AwsTags)
        .into_iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

impl TeamStore for AwsSecretsManager {
    fn write<'a>(
        &'a self,
        target: &'a Target,
        fields: &'a SecretFields,
        meta: &'a CopyMeta,
        expect: Expect<'a>,
    ) -> BoxFuture<'a, Result<String, StoreError>> {
        Box::pin(async move {
            let (client, name) = self.for_target(target).await?;
            let value = encode_fields(fields);
            let token = uuid::Uuid::new_v4().to_string();
            let expected = match expect {
                Expect::Absent => {
                    let created = client
                        .create_secret()
                        .name(name)
                        .client_request_token(&token)
                        .secret_string(value.as_str())
                        .set_tags(Some(tags(meta)))
                        .description(
                            "An HR system API key verified by Keystep; see its keystep: tags.",
                        )
                        .send()
                        .await;
                    return match created {
                        Ok(out) => Ok(out.version_id().unwrap_or(&token).to_string()),
                        Err(e) if code_of(&e) == Some("ResourceExistsException") => {
                            let found = self.current(&client, target, name).await.ok().flatten();
                            Err(StoreError::Changed {
                                target: target.to_string(),
                                expected: "none".into(),
                                found: found.unwrap_or_else(|| "a secret being deleted".into()),
                            })
                        }
                        Err(e) => Err(sdk_error(target, e)),
                    };
                }
                Expect::Version(v) => v,
            };
            let changed = |found: Option<String>| StoreError::Changed {
                target: target.to_string(),
                expected: expected.to_string(),
                found: found.unwrap_or_else(|| "none".into()),
            };
            let current = self.current(&client, target, name).await?;
            if current.as_deref() != Some(expected) {
                return Err(changed(current));
            }
            let put = client
                .put_secret_value()
                .secret_id(name)
                .client_request_token(&token)
                .secret_string(value.as_str())
                .version_stages(PENDING)
                .send()
                .await
                .map_err(|e| sdk_error(target, e))?;
            let version = put.version_id().unwrap_or(&token).to_string();
            let moved = client
                .update_secret_version_stage()
                .secret_id(name)
                .version_stage(CURRENT)
                .remove_from_version_id(expected)
                .move_to_version_id(&version)
                .send()
                .await;
            match moved {
                Ok(_) => {}
                Err(e) if code_of(&e) == Some("InvalidParameterException") => {
                    return Err(changed(
                        self.current(&client, target, name).await.ok().flatten(),
                    ));
                }
                Err(e) => return Err(sdk_error(target, e)),
            }
            // Tidying: the value is current; its pending label and the tags follow.
            if let Err(e) = client
                .update_secret_version_stage()
                .secret_id(name)
                .version_stage(PENDING)
                .remove_from_version_id(&version)
                .send()
                .await
            {
                log::warn!(
                    "{target}: the pending label stayed on version {version} ({:?})",
                    code_of(&e)
                );
            }
            if let Err(e) = client
                .tag_resource()
                .secret_id(name)
                .set_tags(Some(tags(meta)))
                .send()
                .await
            {
                log::warn!(
                    "{target}: wrote version {version}, but its tags were refused ({:?})",
                    code_of(&e)
                );
            }
            Ok(version)
        })
    }

    fn describe<'a>(
        &'a self,
        target: &'a Target,
    ) -> BoxFuture<'a, Result<Option<String>, StoreError>> {
        Box::pin(async move {
            let (client, name) = self.for_target(target).await?;
            self.current(&client, target, name).await
        })
    }

    fn read<'a>(&'a self, target: &'a Target) -> BoxFuture<'a, Result<Fetched, StoreError>> {
        Box::pin(async move {
            let (client, name) = self.for_target(target).await?;
            let out = client
                .get_secret_value()
                .secret_id(name)
                // AWS's default, named: moto answers the version it last made current itself.
                .version_stage(CURRENT)
                .send()
                .await
                .map_err(|e| sdk_error(target, e))?;
            let fields = out.secret_string().and_then(decode_fields).ok_or_else(|| {
                StoreError::Unexpected {
                    store: format!("AWS Secrets Manager ({target})"),
                    why: "a secret that is not Keystep's fields".into(),
                }
            })?;
            let version = out.version_id().unwrap_or_default().to_string();
            drop(out);
            let described = client
                .describe_secret()
                .secret_id(name)
                .send()
                .await
                .map_err(|e| sdk_error(target, e))?;
            let meta = described
                .tags()
                .iter()
                .filter_map(|t| Some((t.key()?.to_string(), t.value()?.to_string())))
                .collect();
            Ok(Fetched {
                fields,
                meta,
                version,
            })
        })
    }

    fn delete<'a>(
        &'a self,
        target: &'a Target,
        version: &'a str,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let (client, name) = self.for_target(target).await?;
            let Some(current) = self.current(&client, target, name).await? else {
                return Ok(());
            };
            if current != version {
                return Err(StoreError::Changed {
                    target: target.to_string(),
                    expected: version.to_string(),
                    found: current,
                });
            }
            match client.delete_secret().secret_id(name).send().await {
                Ok(_) => Ok(()),
                Err(e) if code_of(&e) == Some("ResourceNotFoundException") => Ok(()),
                Err(e) => Err(sdk_error(target, e)),
            }
        })
    }
}
