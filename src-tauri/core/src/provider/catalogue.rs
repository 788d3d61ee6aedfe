//! The [`Catalogue`]: every provider file, embedded in the binary, parsed and validated
//! when it loads. `build.rs` lists the files (`src/providers/*.toml`, in file-name order),
//! so a new provider is one new file, never an edit here.

use super::schema::Provider;
use super::validation::validate;

include!(concat!(env!("OUT_DIR"), "/providers.rs"));

/// A problem in a provider file, found when the catalogue loads.
#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    /// The TOML did not parse or did not match the schema.
    #[error("provider file {file}: {source}")]
    Parse {
        /// The file's id.
        file: String,
        /// The parser's complaint.
        #[source]
        source: toml::de::Error,
    },
    /// The file parsed but is inconsistent.
    #[error("provider file {file}: {problem}")]
    Invalid {
        /// The file's id.
        file: String,
        /// What is wrong.
        problem: String,
    },
}

/// All providers Keystep knows, loaded from the embedded files.
#[derive(Debug, Clone)]
pub struct Catalogue {
    providers: Vec<Provider>,
}

impl Catalogue {
    /// Parses and validates the embedded provider files.
    ///
    /// # Errors
    /// A file that does not parse or is inconsistent; tests keep this from shipping.
    pub fn embedded() -> Result<Self, CatalogueError> {
        Self::from_sources(EMBEDDED)
    }

    /// Parses and validates provider files given as `(id, toml)` pairs.
    ///
    /// # Errors
    /// See [`Catalogue::embedded`].
    pub fn from_sources(sources: &[(&str, &str)]) -> Result<Self, CatalogueError> {
        let mut providers = Vec::with_capacity(sources.len());
        for (file, text) in sources {
            let provider: Provider =
                toml::from_str(text).map_err(|source| CatalogueError::Parse {
                    file: (*file).to_string(),
                    source,
                })?;
            validate(file, &provider).map_err(|problem| CatalogueError::Invalid {
                file: (*file).to_string(),
                problem,
            })?;
            providers.push(provider);
        }
        Ok(Catalogue { providers })
    }

    /// Every provider, in display order (by id).
    pub fn all(&self) -> &[Provider] {
        &self.providers
    }

    /// The provider with this id.
    pub fn get(&self, id: &str) -> Option<&Provider> {
        self.providers.iter().find(|p| p.id == id)
    }
}
