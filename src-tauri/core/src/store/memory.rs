//! A team store in memory, for unit tests of what the accounts do with copies: it keeps
//! versions and metadata as a KV v2 store does, checks and sets like one, and can be told to
//! be unreachable or to refuse.

use std::collections::BTreeMap;
use std::sync::Mutex;

use futures_util::future::BoxFuture;

use super::meta::Room;
use super::{CopyMeta, Expect, Fetched, StoreError, Target, TeamStore};
use crate::secret::Secret;
use crate::vault::SecretFields;

/// One copy as the memory store holds it.
#[derive(Debug, Clone, Default)]
struct Held {
    version: u64,
    fields: BTreeMap<String, String>,
    meta: BTreeMap<String, String>,
}

/// A copy as a test inspects it: its version, its fields and its metadata.
pub type Peeked = (u64, BTreeMap<String, String>, BTreeMap<String, String>);

/// How the memory store answers every request, for fault tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Fault {
    /// It answers.
    #[default]
    None,
    /// No answer.
    Unreachable,
    /// It refuses the credentials.
    Refused,
}

/// A team store in memory.
#[derive(Debug, Default)]
pub struct MemoryStore {
    copies: Mutex<BTreeMap<String, Held>>,
    fault: Mutex<Fault>,
    reads: std::sync::atomic::AtomicUsize,
}

impl MemoryStore {
    /// Makes every later request fail this way (or succeed again with [`Fault::None`]).
    pub fn fail(&self, fault: Fault) {
        *self.fault.lock().unwrap_or_else(|e| e.into_inner()) = fault;
    }

    /// Someone else writes a new version of `target`, as a person would in the store's UI.
    pub fn change_outside(&self, target: &Target, fields: &[(&str, &str)]) {
        let mut copies = self.copies.lock().unwrap_or_else(|e| e.into_inner());
        let held = copies.entry(target.to_string()).or_default();
        held.version += 1;
        held.fields = fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
    }

    /// The current version and value of `target`, as a test inspects it.
    pub fn peek(&self, target: &Target) -> Option<Peeked> {
        let copies = self.copies.lock().unwrap_or_else(|e| e.into_inner());
        copies
            .get(&target.to_string())
            .map(|h| (h.version, h.fields.clone(), h.meta.clone()))
    }

    /// How many times a secret was read back (checks must never read one).
    pub fn secret_reads(&self) -> usize {
        self.reads.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn check(&self, target: &Target) -> Result<(), StoreError> {
        match *self.fault.lock().unwrap_or_else(|e| e.into_inner()) {
            Fault::None => Ok(()),
            Fault::Unreachable => Err(StoreError::Unreachable {
                store: target.to_string(),
                why: "no connection".into(),
            }),
            Fault::Refused => Err(StoreError::Refused {
                store: target.to_string(),
                why: "permission denied".into(),
                advice: "check the token.".into(),
            }),
        }
    }
}

impl TeamStore for MemoryStore {
    fn write<'a>(
        &'a self,
        target: &'a Target,
        fields: &'a SecretFields,
        meta: &'a CopyMeta,
        expect: Expect<'a>,
    ) -> BoxFuture<'a, Result<String, StoreError>> {
        Box::pin(async move {
            self.check(target)?;
            let mut copies = self.copies.lock().unwrap_or_else(|e| e.into_inner());
            let current = copies.get(&target.to_string()).map(|h| h.version);
            let expected = match expect {
                Expect::Absent => None,
                Expect::Version(v) => Some(v.parse::<u64>().unwrap_or(u64::MAX)),
            };
            if current != expected {
                return Err(StoreError::Changed {
                    target: target.to_string(),
                    expected: expected.map_or_else(|| "none".into(), |v| v.to_string()),
                    found: current.map_or_else(|| "none".into(), |v| v.to_string()),
                });
            }
            let held = copies.entry(target.to_string()).or_default();
            held.version += 1;
            held.fields = fields
                .iter()
                .map(|(k, v)| (k.clone(), v.expose().to_string()))
                .collect();
            held.meta = meta.pairs(Room::Vault);
            Ok(held.version.to_string())
        })
    }

    fn describe<'a>(
        &'a self,
        target: &'a Target,
    ) -> BoxFuture<'a, Result<Option<String>, StoreError>> {
        Box::pin(async move {
            self.check(target)?;
            let copies = self.copies.lock().unwrap_or_else(|e| e.into_inner());
            Ok(copies
                .get(&target.to_string())
                .map(|h| h.version.to_string()))
        })
    }

    fn read<'a>(&'a self, target: &'a Target) -> BoxFuture<'a, Result<Fetched, StoreError>> {
        Box::pin(async move {
            self.check(target)?;
            self.reads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let copies = self.copies.lock().unwrap_or_else(|e| e.into_inner());
            let held = copies
                .get(&target.to_string())
                .ok_or_else(|| StoreError::Missing(target.to_string()))?;
            Ok(Fetched {
                fields: held
                    .fields
                    .iter()
                    .map(|(k, v)| (k.clone(), Secret::new(v.clone())))
                    .collect(),
                meta: held.meta.clone(),
                version: held.version.to_string(),
            })
        })
    }

    fn delete<'a>(
        &'a self,
        target: &'a Target,
        version: &'a str,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            self.check(target)?;
            let mut copies = self.copies.lock().unwrap_or_else(|e| e.into_inner());
            match copies.get(&target.to_string()) {
                None => Ok(()),
                Some(h) if h.version.to_string() == version => {
                    copies.remove(&target.to_string());
                    Ok(())
                }
                Some(h) => Err(StoreError::Changed {
                    target: target.to_string(),
                    expected: version.to_string(),
                    found: h.version.to_string(),
                }),
            }
        })
    }
}
