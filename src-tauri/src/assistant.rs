//! The account view's "Use with an AI assistant": what to paste into each assistant so it
//! starts `keystep mcp` for this account (the same snippets `keystep mcp --config` prints),
//! the `keystep://` reference of each of its fields for a third-party server, and which
//! sensitive categories the account shares with assistants. Paths, handles and field keys:
//! nothing secret.

use serde::Serialize;

use keystep_core::account::Account;
use keystep_core::assistant::{self, Assistant};
use keystep_core::provider::{FieldCategory, Provider};

/// One assistant's snippet.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SnippetView {
    /// The assistant (`claude-desktop`): the window words where the snippet goes.
    pub assistant: Assistant,
    /// What to paste (JSON, or Claude Code's command).
    pub text: String,
}

/// One sensitive category and whether the account shares it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CategoryView {
    /// The category (`date_of_birth`).
    pub category: FieldCategory,
    /// Whether assistants see it for this account.
    pub shared: bool,
    /// Whether the provider file names any of its fields (a category it never answers is
    /// still listed, so nothing looks forgotten).
    pub known: bool,
}

/// A field's reference, for another MCP server's configuration.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ReferenceView {
    /// The field's key.
    pub field: String,
    /// `keystep://HANDLE/FIELD`.
    pub reference: String,
}

/// `get_assistant_setup`'s answer.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct AssistantView {
    /// Each assistant's snippet, in the order offered.
    pub snippets: Vec<SnippetView>,
    /// Every sensitive category.
    pub categories: Vec<CategoryView>,
    /// The reference of each field the provider takes.
    pub references: Vec<ReferenceView>,
    /// Whether the `keystep` command was found beside the window (else the snippets name
    /// `keystep`, to be found on the PATH).
    pub keystep_found: bool,
}

impl AssistantView {
    /// The view of `account` of `provider`, with `keystep` at `keystep` if it was found.
    pub fn of(account: &Account, provider: &Provider, keystep: Option<std::path::PathBuf>) -> Self {
        let found = keystep.is_some();
        let path = keystep.unwrap_or_else(|| "keystep".into());
        let entry = assistant::keystep_server(&path, std::slice::from_ref(&account.handle));
        AssistantView {
            snippets: Assistant::ALL
                .into_iter()
                .map(|a| SnippetView {
                    assistant: a,
                    text: assistant::snippet(a, &entry),
                })
                .collect(),
            categories: FieldCategory::ALL
                .into_iter()
                .map(|c| CategoryView {
                    category: c,
                    shared: account.shared_fields.contains(&c),
                    known: provider.sensitive.contains_key(&c),
                })
                .collect(),
            references: provider
                .fields
                .iter()
                .map(|f| ReferenceView {
                    field: f.key.clone(),
                    reference: assistant::reference(&account.handle, &f.key),
                })
                .collect(),
            keystep_found: found,
        }
    }
}
