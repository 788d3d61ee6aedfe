//! A small world for account-lifecycle tests: an emulator with a few Humaans companies,
//! an account book in memory, a vault (in memory or the real keychain) and `Accounts`
//! over them, plus the checks every lifecycle test makes: the book in memory, the saved
//! book and the keychain hold the same accounts.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use keystep_core::account::{Accounts, LinkError, Linked, MemoryBookStore};
use keystep_core::clock::ManualClock;
use keystep_core::vault::{MemoryVault, Vault};
use keystep_core::Secret;
use keystep_emulator::{Emulator, HumaansTenant};

use crate::support::{catalogue, raw, verifier_for};

/// Acme's first token.
pub const ACME_1: &str = "AcmeTokenOne00000000000000001111";
/// A second token for the same Acme company (a rotation).
pub const ACME_2: &str = "AcmeTokenTwo00000000000000002222";
/// Beta's token: another company.
pub const BETA: &str = "BetaTokenOne00000000000000003333";

/// Acme's company id in Humaans.
pub const ACME_ID: &str = "cmp_acme";

/// Acme Ltd, reachable with `token`.
pub fn acme() -> HumaansTenant {
    HumaansTenant {
        company_id: ACME_ID.into(),
        ..HumaansTenant::full("Acme Ltd", 42)
    }
}

/// Beta GmbH.
pub fn beta() -> HumaansTenant {
    HumaansTenant {
        company_id: "cmp_beta".into(),
        ..HumaansTenant::full("Beta GmbH", 7)
    }
}

/// The world a test runs in.
pub struct World<V: Vault + 'static> {
    pub emu: Emulator,
    pub vault: Arc<V>,
    pub store: Arc<MemoryBookStore>,
    pub clock: Arc<ManualClock>,
    pub accounts: Arc<Accounts>,
}

impl World<MemoryVault> {
    /// A world with an in-memory vault.
    pub fn new() -> Self {
        Self::with_vault(Arc::new(MemoryVault::default()))
    }

    /// Asserts that memory, the saved book and the vault hold the same account ids.
    pub async fn assert_agree(&self, case: &str) -> BTreeSet<String> {
        let items = self.vault.ids();
        self.assert_book_is(&items, case).await;
        items
    }
}

impl<V: Vault + 'static> World<V> {
    /// A world over `vault`, with Acme (two tokens) and Beta registered in the emulator.
    pub fn with_vault(vault: Arc<V>) -> Self {
        let emu = Emulator::start();
        emu.add_humaans(ACME_1, acme());
        emu.add_humaans(ACME_2, acme());
        emu.add_humaans(BETA, beta());
        let store = Arc::new(MemoryBookStore::default());
        let clock = Arc::new(ManualClock::at(1_700_000_000));
        let accounts = Arc::new(open(&emu, &vault, &store, &clock));
        World {
            emu,
            vault,
            store,
            clock,
            accounts,
        }
    }

    /// A fresh `Accounts` over the same store and vault, as after a restart.
    pub fn reopen(&self) -> Accounts {
        open(&self.emu, &self.vault, &self.store, &self.clock)
    }

    /// A fresh `Accounts` over the same vault and an empty book: the account list was lost
    /// (deleted, or a home folder restored without it), the keychain kept.
    pub fn reopen_without_book(&self) -> Accounts {
        open(
            &self.emu,
            &self.vault,
            &Arc::new(MemoryBookStore::default()),
            &self.clock,
        )
    }

    /// Links a Humaans token.
    pub async fn link(&self, token: &str) -> Result<Linked, LinkError> {
        self.accounts
            .link("humaans", raw(&[("api_token", token)]), &|_| {})
            .await
    }

    /// Relinks an account with a Humaans token.
    pub async fn relink(&self, id: &str, token: &str) -> Result<Linked, LinkError> {
        self.accounts
            .relink(id, raw(&[("api_token", token)]), &|_| {})
            .await
    }

    /// The secret fields the vault holds for `id`, exposed for comparison.
    pub fn secret_of(&self, id: &str) -> Option<BTreeMap<String, String>> {
        self.vault.get(id).expect("the vault is readable").map(|s| {
            s.iter()
                .map(|(k, v): (&String, &Secret)| (k.clone(), v.expose().to_string()))
                .collect()
        })
    }

    /// Asserts that memory and the saved book hold exactly `ids`.
    pub async fn assert_book_is(&self, ids: &BTreeSet<String>, case: &str) {
        let listed: BTreeSet<String> = self
            .accounts
            .list()
            .await
            .into_iter()
            .map(|a| a.id)
            .collect();
        let saved: BTreeSet<String> = self
            .store
            .saved()
            .map(|b| b.accounts.into_iter().map(|a| a.id).collect())
            .unwrap_or_default();
        assert_eq!(&listed, ids, "{case}: the accounts in memory");
        assert_eq!(&saved, ids, "{case}: the accounts in the saved book");
    }
}

fn open<V: Vault + 'static>(
    emu: &Emulator,
    vault: &Arc<V>,
    store: &Arc<MemoryBookStore>,
    clock: &Arc<ManualClock>,
) -> Accounts {
    Accounts::open(
        catalogue(),
        verifier_for(emu, Duration::from_secs(5)),
        Arc::clone(vault) as Arc<dyn Vault>,
        Arc::clone(store) as Arc<dyn keystep_core::account::BookStore>,
        Arc::clone(clock) as Arc<dyn keystep_core::clock::Clock>,
    )
    .expect("the book opens")
}

/// `{api_token: token}`, as `secret_of` returns it.
pub fn humaans_secret(token: &str) -> Option<BTreeMap<String, String>> {
    Some(BTreeMap::from([(
        "api_token".to_string(),
        token.to_string(),
    )]))
}

/// A set of ids.
pub fn ids<'a>(ids: impl IntoIterator<Item = &'a str>) -> BTreeSet<String> {
    ids.into_iter().map(String::from).collect()
}
