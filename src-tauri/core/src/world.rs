//! The real parts Keystep works with, put together in one place for both front ends: the
//! embedded providers, the hosts in force (`KEYSTEP_*_URL` overrides included), the data
//! folder, the system keychain, one pacer, the clock and the team stores.
//!
//! The window and the command line used to build these each on their own, and drifted (two
//! keychain waits, two data-folder functions). Now each asks [`World::from_env`] and opens
//! its accounts through it; a test builds a `World` from its own parts instead.

use std::path::PathBuf;
use std::sync::Arc;

use crate::account::{AccountBook, Accounts, BookStore, FileBook, StartNotice};
use crate::clock::{Clock, SystemClock};
use crate::files::{app_data_dir, DataDir};
use crate::hosts::Hosts;
use crate::pace::Pacer;
use crate::provider::Catalogue;
use crate::store::{StoreKeys, Stores, VaultSettings, STORE_SERVICE};
use crate::vault::{KeychainVault, Vault};
use crate::verify::Verifier;

/// What both binaries say, in one line, when the window is asked for outside a graphical
/// session (an SSH login, a server, a container): GTK would abort without a display.
pub const NO_DISPLAY: &str = "keystep: the Keystep window needs a graphical session, and this one has none (neither DISPLAY nor WAYLAND_DISPLAY is set). Every other command works without one: try keystep --help.";

/// Whether a window can be shown: on Linux and the other X11/Wayland systems, `DISPLAY` or
/// `WAYLAND_DISPLAY` names a display (`var` reads the environment, injected for tests);
/// macOS and Windows always have one for a logged-in person.
pub fn graphical_session(var: impl Fn(&str) -> Option<std::ffi::OsString>) -> bool {
    if cfg!(any(target_os = "macos", target_os = "windows")) {
        return true;
    }
    ["DISPLAY", "WAYLAND_DISPLAY"]
        .into_iter()
        .any(|name| var(name).is_some_and(|v| !v.is_empty()))
}

/// Why the world could not be put together or its accounts opened.
#[derive(Debug, thiserror::Error)]
pub enum WorldError {
    /// A provider file or an override is malformed (the sentence names it).
    #[error("{0}")]
    Setup(String),
    /// The environment names no home folder.
    #[error("Keystep cannot find your home folder (HOME is not set).")]
    NoHome,
    /// The data folder exists but cannot be opened or made private.
    #[error("Keystep's data folder {path} could not be opened: {cause}")]
    DataDir {
        /// The folder.
        path: PathBuf,
        /// What the system said.
        cause: std::io::Error,
    },
    /// The account book cannot be read (damaged, or written by a newer Keystep).
    #[error("{0}")]
    Book(String),
}

/// What every front end works with: the real ones from [`World::from_env`], or a test's.
pub struct World {
    /// The providers.
    pub catalogue: Arc<Catalogue>,
    /// Where requests go (`KEYSTEP_*_URL` overrides included).
    pub hosts: Hosts,
    /// Keystep's data folder (the same for the window and the command line).
    pub data_dir: PathBuf,
    /// Where keys are kept.
    pub vault: Arc<dyn Vault>,
    /// Now.
    pub clock: Arc<dyn Clock>,
    /// The one pacer of this process: linking, checking and proxied requests alike count
    /// against a provider's limit.
    pub pacer: Arc<Pacer>,
}

impl std::fmt::Debug for World {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("World")
            .field("data_dir", &self.data_dir)
            .finish_non_exhaustive()
    }
}

impl World {
    /// The real parts: embedded providers, the environment's host overrides, the data
    /// folder (`XDG_DATA_HOME`, `HOME`), the system keychain, the system clock.
    ///
    /// # Errors
    /// A malformed provider file or override, or no home folder.
    pub fn from_env() -> Result<World, WorldError> {
        let catalogue = Catalogue::embedded().map_err(|e| WorldError::Setup(e.to_string()))?;
        let hosts = Hosts::from_lookup(catalogue.all(), |v| std::env::var(v).ok())
            .map_err(|e| WorldError::Setup(e.to_string()))?;
        let data_dir = Self::data_dir_from_env().ok_or(WorldError::NoHome)?;
        Ok(World {
            catalogue: Arc::new(catalogue),
            hosts,
            data_dir,
            vault: Arc::new(KeychainVault::default()),
            clock: Arc::new(SystemClock),
            pacer: Arc::new(Pacer::new()),
        })
    }

    /// The data folder [`World::from_env`] uses (`XDG_DATA_HOME`, `HOME`), without the rest
    /// of the world: the window opens its log there while the providers are still being read.
    pub fn data_dir_from_env() -> Option<PathBuf> {
        app_data_dir(|name| {
            std::env::var(name).ok().or_else(|| {
                // As `dirs` does: the password database when HOME is unset.
                (name == "HOME")
                    .then(std::env::home_dir)
                    .flatten()
                    .map(|p| p.to_string_lossy().into_owned())
            })
        })
    }

    /// The data folder, created private if it is not there yet.
    ///
    /// # Errors
    /// The folder cannot be created, opened or made private.
    pub fn open_data_dir(&self) -> Result<Arc<DataDir>, WorldError> {
        DataDir::open(&self.data_dir)
            .map(Arc::new)
            .map_err(|cause| WorldError::DataDir {
                path: self.data_dir.clone(),
                cause,
            })
    }

    /// The team stores as the environment sets them up: Vault from `VAULT_TOKEN` (else a
    /// token kept in the keychain under [`STORE_SERVICE`]), `VAULT_NAMESPACE` and
    /// `VAULT_CACERT`; AWS from the standard AWS settings (`AWS_PROFILE`, `~/.aws`, …).
    pub fn stores(&self) -> Stores {
        let keys = StoreKeys::new(Arc::new(KeychainVault::new(STORE_SERVICE)));
        Stores::new(VaultSettings::from_lookup(
            |name| std::env::var(name).ok(),
            Some(keys),
        ))
    }

    /// The Vault tokens kept in the system keychain.
    pub fn store_keys(&self) -> StoreKeys {
        StoreKeys::new(Arc::new(KeychainVault::new(STORE_SERVICE)))
    }

    /// The verifier: the hosts in force, through this process's pacer.
    pub fn verifier(&self) -> Verifier {
        Verifier::new(self.hosts.clone()).paced(self.pacer.clone())
    }

    /// The accounts, opened as they are: a damaged book is not rebuilt (the window does
    /// that, and tells the person).
    ///
    /// # Errors
    /// The folder cannot be opened, or the book cannot be read.
    pub fn open_accounts(&self) -> Result<Accounts, WorldError> {
        let dir = self.open_data_dir()?;
        Accounts::open(
            self.catalogue.clone(),
            self.verifier(),
            self.vault.clone(),
            Arc::new(FileBook::new(dir)),
            self.clock.clone(),
        )
        .map(|accounts| accounts.with_stores(self.stores()))
        .map_err(|e| WorldError::Book(e.to_string()))
    }

    /// The accounts as the window opens them ([`Accounts::open_or_recover`]: a damaged book
    /// is set aside and rebuilt, one that cannot be read opens in safe mode), and what
    /// start-up should tell the person.
    ///
    /// # Errors
    /// The folder cannot be opened.
    pub fn open_or_recover(&self) -> Result<(Accounts, Option<StartNotice>), WorldError> {
        let dir = self.open_data_dir()?;
        let (accounts, notice) = Accounts::open_or_recover(
            self.catalogue.clone(),
            self.verifier(),
            self.vault.clone(),
            Arc::new(FileBook::new(dir)),
            self.clock.clone(),
        );
        Ok((accounts.with_stores(self.stores()), notice))
    }

    /// The book as it is on disk, without the keychain; an absent folder is an empty book
    /// (and is not created).
    ///
    /// # Errors
    /// The folder cannot be opened, or the book cannot be read.
    pub fn book(&self) -> Result<AccountBook, WorldError> {
        if !self.data_dir.exists() {
            return Ok(AccountBook::default());
        }
        FileBook::new(self.open_data_dir()?)
            .load()
            .map_err(|e| WorldError::Book(format!("{e}.")))
    }
}
