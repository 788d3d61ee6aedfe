//! Where a copy goes, parsed strictly before anything is sent: `vault://HOST[:PORT]/MOUNT/PATH`
//! (HashiCorp Vault or OpenBao, KV version 2) or `aws-sm://REGION/NAME` (AWS Secrets Manager).
//!
//! An address never carries a credential: a user name, a password, a query or a fragment is
//! refused, and no sentence here repeats what was typed (a token pasted into an address must
//! not come back out in an error). Path segments are plain (letters, digits, `-`, `_`, `.`,
//! never `.` or `..` alone), so a target cannot climb out of its mount or reach another API.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Vault's documented default listener port, used when a `vault://` address names none.
pub const VAULT_DEFAULT_PORT: u16 = 8200;

/// A team store address, as parsed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Target {
    /// A secret in a KV version 2 engine of HashiCorp Vault or OpenBao.
    Vault {
        /// Host name or IP address (lower case; an IPv6 address without brackets).
        host: String,
        /// The port, when the address names one.
        port: Option<u16>,
        /// Every segment after the host: the mount first (which may itself span several
        /// segments; the server says where it ends), then the secret's path.
        path: Vec<String>,
    },
    /// A secret of AWS Secrets Manager.
    AwsSecretsManager {
        /// The region (`eu-west-1`).
        region: String,
        /// The secret's name.
        name: String,
    },
}

/// Why an address was refused. Nothing was sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    /// Nothing was typed.
    #[error("Type where the copy goes: vault://HOST[:PORT]/MOUNT/PATH or aws-sm://REGION/NAME.")]
    Empty,
    /// Neither `vault://` nor `aws-sm://`.
    #[error("A store address starts with vault:// (HashiCorp Vault or OpenBao) or aws-sm:// (AWS Secrets Manager).")]
    Scheme,
    /// A user name, password, query or fragment.
    #[error("A store address carries no user name, password, query or fragment: Keystep takes the Vault token from VAULT_TOKEN or its keychain, and AWS credentials from the usual AWS settings.")]
    Credentials,
    /// The host part is missing or malformed.
    #[error("The address has no usable host name after vault://.")]
    Host,
    /// The port is not a number from 1 to 65535.
    #[error("The port after the host must be a number from 1 to 65535.")]
    Port,
    /// A Vault address without a mount and a path.
    #[error("A Vault address names the KV mount and the secret's path after the host: vault://HOST[:PORT]/MOUNT/PATH.")]
    VaultPath,
    /// A path segment with other characters, or `.`/`..`.
    #[error("Each part of the path uses letters, digits, - _ and . only (and is not . or ..).")]
    Segment,
    /// Not an AWS region name.
    #[error("The region after aws-sm:// is an AWS region name, such as eu-west-1.")]
    Region,
    /// Not a Secrets Manager name.
    #[error("The secret's name after the region is 1 to 512 characters: letters, digits and / _ + = . @ -.")]
    AwsName,
}

impl Target {
    /// Parses an address typed by a person (surrounding spaces ignored).
    ///
    /// # Errors
    /// [`TargetError`], naming what is wrong without repeating the input.
    pub fn parse(typed: &str) -> Result<Target, TargetError> {
        let typed = typed.trim();
        if typed.is_empty() {
            return Err(TargetError::Empty);
        }
        if typed.contains(['?', '#', '@']) || typed.chars().any(char::is_whitespace) {
            return Err(TargetError::Credentials);
        }
        let lower = typed.to_ascii_lowercase();
        if lower.starts_with("vault://") {
            parse_vault(&typed["vault://".len()..])
        } else if lower.starts_with("aws-sm://") {
            parse_aws(&typed["aws-sm://".len()..])
        } else {
            Err(TargetError::Scheme)
        }
    }

    /// The kind of store, as a code the window words.
    pub fn kind(&self) -> StoreKind {
        match self {
            Target::Vault { .. } => StoreKind::Vault,
            Target::AwsSecretsManager { .. } => StoreKind::AwsSecretsManager,
        }
    }

    /// For Vault: the server's address, `vault://HOST[:PORT]`, under which its token is kept
    /// in the keychain.
    pub fn server(&self) -> Option<String> {
        match self {
            Target::Vault { host, port, .. } => Some(format!(
                "vault://{}{}",
                bracketed(host),
                port.map(|p| format!(":{p}")).unwrap_or_default()
            )),
            Target::AwsSecretsManager { .. } => None,
        }
    }
}

/// Which kind of store a target is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StoreKind {
    /// HashiCorp Vault or OpenBao, KV version 2.
    Vault,
    /// AWS Secrets Manager.
    AwsSecretsManager,
}

fn bracketed(host: &str) -> String {
    if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_string()
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Vault { path, .. } => {
                write!(
                    f,
                    "{}/{}",
                    self.server().unwrap_or_default(),
                    path.join("/")
                )
            }
            Target::AwsSecretsManager { region, name } => write!(f, "aws-sm://{region}/{name}"),
        }
    }
}

impl TryFrom<String> for Target {
    type Error = TargetError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Target::parse(&value)
    }
}

impl From<Target> for String {
    fn from(value: Target) -> Self {
        value.to_string()
    }
}

fn parse_vault(rest: &str) -> Result<Target, TargetError> {
    let (authority, path) = rest.split_once('/').ok_or(TargetError::VaultPath)?;
    let (host, port) = if let Some(inner) = authority.strip_prefix('[') {
        let (ip, after) = inner.split_once(']').ok_or(TargetError::Host)?;
        let ip: std::net::Ipv6Addr = ip.parse().map_err(|_| TargetError::Host)?;
        let port = match after {
            "" => None,
            p => Some(parse_port(p.strip_prefix(':').ok_or(TargetError::Host)?)?),
        };
        (ip.to_string(), port)
    } else {
        let (host, port) = match authority.split_once(':') {
            Some((h, p)) => (h, Some(parse_port(p)?)),
            None => (authority, None),
        };
        (check_host(host)?, port)
    };
    let segments: Vec<&str> = path.split('/').collect();
    // A trailing slash names a folder, not a secret.
    if segments.len() < 2 || segments.iter().any(|s| s.is_empty()) {
        return Err(TargetError::VaultPath);
    }
    for segment in &segments {
        check_segment(segment)?;
    }
    Ok(Target::Vault {
        host,
        port,
        path: segments.into_iter().map(str::to_string).collect(),
    })
}

fn parse_port(p: &str) -> Result<u16, TargetError> {
    if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
        return Err(TargetError::Port);
    }
    match p.parse::<u16>() {
        Ok(0) | Err(_) => Err(TargetError::Port),
        Ok(port) => Ok(port),
    }
}

/// A DNS name or an IPv4 address, lower-cased: labels of letters, digits and hyphens.
fn check_host(host: &str) -> Result<String, TargetError> {
    let host = host.to_ascii_lowercase();
    let ok = !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
    if ok {
        Ok(host)
    } else {
        Err(TargetError::Host)
    }
}

fn check_segment(segment: &str) -> Result<(), TargetError> {
    let plain = segment
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if plain && segment != "." && segment != ".." && segment.len() <= 255 {
        Ok(())
    } else {
        Err(TargetError::Segment)
    }
}

fn parse_aws(rest: &str) -> Result<Target, TargetError> {
    let (region, name) = rest.split_once('/').ok_or(TargetError::AwsName)?;
    let region = region.to_ascii_lowercase();
    // eu-west-1, us-gov-west-1, ap-southeast-4, cn-north-1.
    let parts: Vec<&str> = region.split('-').collect();
    let region_ok = parts.len() >= 3
        && parts
            .first()
            .is_some_and(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts.last().is_some_and(|p| {
            !p.is_empty() && p.len() <= 2 && p.bytes().all(|b| b.is_ascii_digit())
        })
        && parts[1..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()));
    if !region_ok {
        return Err(TargetError::Region);
    }
    // Secrets Manager's documented name characters: letters, digits and /_+=.@- (the `@`
    // is refused above with the other credential-looking characters).
    let name_ok = !name.is_empty()
        && name.len() <= 512
        && name.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'/' | b'_' | b'+' | b'=' | b'.' | b'-')
        });
    if !name_ok {
        return Err(TargetError::AwsName);
    }
    Ok(Target::AwsSecretsManager {
        region,
        name: name.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vault_addresses_parse_and_print_back_the_same() {
        for (typed, printed) in [
            (
                "vault://vault.acme.internal/secret/hr/humaans",
                "vault://vault.acme.internal/secret/hr/humaans",
            ),
            (
                "  VAULT://Vault.Acme.Internal:8200/secret/x  ",
                "vault://vault.acme.internal:8200/secret/x",
            ),
            (
                "vault://127.0.0.1:18200/kv/team/hr.key_1",
                "vault://127.0.0.1:18200/kv/team/hr.key_1",
            ),
            ("vault://[::1]:8200/secret/x", "vault://[::1]:8200/secret/x"),
        ] {
            let target = Target::parse(typed).unwrap_or_else(|e| panic!("{typed}: {e}"));
            assert_eq!(target.to_string(), printed, "{typed} prints canonically");
            assert_eq!(
                Target::parse(printed),
                Ok(target),
                "{printed} parses back to itself"
            );
        }
    }

    #[test]
    fn aws_addresses_parse_and_print_back_the_same() {
        let target = Target::parse("aws-sm://EU-WEST-1/team/hr/humaans-acme").expect("valid");
        assert_eq!(
            target,
            Target::AwsSecretsManager {
                region: "eu-west-1".into(),
                name: "team/hr/humaans-acme".into()
            },
            "the region is lower-cased, the name kept as typed"
        );
        assert_eq!(
            target.to_string(),
            "aws-sm://eu-west-1/team/hr/humaans-acme",
            "canonical form"
        );
        assert!(
            Target::parse("aws-sm://us-gov-west-1/a+b=c.d_e-f").is_ok(),
            "every allowed name character"
        );
    }

    #[test]
    fn bad_addresses_are_refused_with_what_is_wrong_and_never_repeat_the_input() {
        let cases = [
            ("", TargetError::Empty),
            ("https://vault.acme/secret/x", TargetError::Scheme),
            (
                "vault://root:s3cr3tT0ken@vault.acme/secret/x",
                TargetError::Credentials,
            ),
            (
                "vault://vault.acme/secret/x?token=s3cr3tT0ken",
                TargetError::Credentials,
            ),
            ("vault://vault.acme/secret/x#frag", TargetError::Credentials),
            ("vault://vault.acme/secret", TargetError::VaultPath),
            ("vault://vault.acme/secret/", TargetError::VaultPath),
            ("vault://vault.acme", TargetError::VaultPath),
            ("vault://vault.acme/secret//x", TargetError::VaultPath),
            (
                "vault://vault.acme/secret/../sys/seal",
                TargetError::Segment,
            ),
            ("vault://vault.acme/secret/a%2Fb", TargetError::Segment),
            ("vault://vault.acme:0/secret/x", TargetError::Port),
            ("vault://vault.acme:99999/secret/x", TargetError::Port),
            ("vault://vault.acme:+80/secret/x", TargetError::Port),
            ("vault://-bad-.acme/secret/x", TargetError::Host),
            ("vault://:8200/secret/x", TargetError::Host),
            ("aws-sm://europe/x", TargetError::Region),
            ("aws-sm://eu-west-1", TargetError::AwsName),
            ("aws-sm://eu-west-1/", TargetError::AwsName),
            ("aws-sm://eu-west-1/a*b", TargetError::AwsName),
        ];
        for (typed, want) in cases {
            let got = Target::parse(typed);
            assert_eq!(got, Err(want.clone()), "{typed:?} is refused as {want:?}");
            let sentence = want.to_string();
            assert!(
                !sentence.contains("s3cr3t"),
                "{typed:?}: the sentence repeats nothing typed"
            );
        }
    }

    #[test]
    fn the_server_is_the_address_without_the_path() {
        let t = Target::parse("vault://Vault.acme:8200/secret/hr/x").expect("valid");
        assert_eq!(
            t.server().as_deref(),
            Some("vault://vault.acme:8200"),
            "keychain key for the token"
        );
        let aws = Target::parse("aws-sm://eu-west-1/x").expect("valid");
        assert_eq!(
            aws.server(),
            None,
            "AWS credentials come from the AWS chain, not per address"
        );
    }
}
