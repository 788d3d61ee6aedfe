//! What to paste into an AI assistant's configuration so it starts `keystep mcp` (or another
//! MCP server through `keystep run --env`), for `keystep mcp --config` and the window's
//! "Use with an AI assistant". Nothing secret is ever in it: the assistant starts Keystep by
//! its absolute path with account handles as arguments, and a third-party server gets
//! `keystep://HANDLE/FIELD` references, which `keystep run` resolves only in the server's
//! own environment.
//!
//! Each assistant keeps its servers in its own format: Claude Desktop
//! (`claude_desktop_config.json`) and Cursor (`~/.cursor/mcp.json`) under `mcpServers`,
//! VS Code (`.vscode/mcp.json`) under `servers` with `"type": "stdio"`, and Claude Code
//! through its own command, `claude mcp add --scope user NAME -- COMMAND ARGS`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

/// The scheme of a reference to an account's field (`keystep://acme-hibob/api_token`).
pub const REFERENCE_SCHEME: &str = "keystep://";

/// An AI assistant whose configuration Keystep can write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Assistant {
    /// Anthropic's desktop app.
    ClaudeDesktop,
    /// The Cursor editor.
    Cursor,
    /// Visual Studio Code.
    Vscode,
    /// Anthropic's command-line assistant.
    ClaudeCode,
}

impl Assistant {
    /// Every assistant, in the order they are offered.
    pub const ALL: [Assistant; 4] = [
        Assistant::ClaudeDesktop,
        Assistant::ClaudeCode,
        Assistant::Cursor,
        Assistant::Vscode,
    ];

    /// Its id on the command line (`claude-desktop`).
    pub fn id(self) -> &'static str {
        match self {
            Assistant::ClaudeDesktop => "claude-desktop",
            Assistant::Cursor => "cursor",
            Assistant::Vscode => "vscode",
            Assistant::ClaudeCode => "claude-code",
        }
    }

    /// The assistant an id names.
    pub fn parse(id: &str) -> Option<Assistant> {
        Assistant::ALL.into_iter().find(|a| a.id() == id)
    }

    /// Where the snippet goes: a file to edit, or a terminal.
    pub fn destination(self) -> &'static str {
        match self {
            Assistant::ClaudeDesktop => "claude_desktop_config.json (Claude Desktop: Settings › Developer › Edit Config), inside its mcpServers",
            Assistant::Cursor => "~/.cursor/mcp.json, inside its mcpServers",
            Assistant::Vscode => ".vscode/mcp.json in your workspace (or MCP: Open User Configuration), inside its servers",
            Assistant::ClaudeCode => "a terminal",
        }
    }
}

/// One MCP server as an assistant starts it: a name, a command and its arguments, and
/// variables for its environment (references only, never a value).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServerEntry {
    /// The server's name in the assistant's list.
    pub name: String,
    /// The absolute path of the program.
    pub command: String,
    /// Its arguments.
    pub args: Vec<String>,
    /// Its environment: `keystep://` references.
    pub env: BTreeMap<String, String>,
}

/// `keystep mcp` serving `handles` (all accounts when empty), started by `keystep` at
/// its absolute path.
pub fn keystep_server(keystep: &Path, handles: &[String]) -> ServerEntry {
    let mut args = vec!["mcp".to_string()];
    if handles.is_empty() {
        args.push("--all".into());
    }
    for h in handles {
        args.push("--account".into());
        args.push(h.clone());
    }
    ServerEntry {
        name: "keystep".into(),
        command: keystep.display().to_string(),
        args,
        env: BTreeMap::new(),
    }
}

/// The reference to `field` of account `handle`.
pub fn reference(handle: &str, field: &str) -> String {
    format!("{REFERENCE_SCHEME}{handle}/{field}")
}

/// A third-party MCP server (`command`, its arguments after it) started through
/// `keystep run --env`, with `vars` (variable, handle, field) as references.
pub fn third_party_server(
    keystep: &Path,
    name: &str,
    command: &[String],
    vars: &[(String, String, String)],
) -> ServerEntry {
    let mut args = vec!["run".to_string(), "--env".into(), "--".into()];
    args.extend(command.iter().cloned());
    ServerEntry {
        name: name.to_string(),
        command: keystep.display().to_string(),
        args,
        env: vars
            .iter()
            .map(|(var, handle, field)| (var.clone(), reference(handle, field)))
            .collect(),
    }
}

fn json(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

/// A word as a POSIX shell reads it back unchanged.
fn shell_word(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@%+,".contains(c));
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// What to paste for `assistant` to start `entry`.
pub fn snippet(assistant: Assistant, entry: &ServerEntry) -> String {
    if assistant == Assistant::ClaudeCode {
        let mut words = vec![
            "claude".to_string(),
            "mcp".into(),
            "add".into(),
            "--scope".into(),
            "user".into(),
        ];
        for (k, v) in &entry.env {
            words.push("--env".into());
            words.push(shell_word(&format!("{k}={v}")));
        }
        words.push(shell_word(&entry.name));
        words.push("--".into());
        words.push(shell_word(&entry.command));
        words.extend(entry.args.iter().map(|a| shell_word(a)));
        return words.join(" ");
    }
    let (outer, typed) = match assistant {
        Assistant::Vscode => ("servers", "\n      \"type\": \"stdio\","),
        _ => ("mcpServers", ""),
    };
    let args: Vec<String> = entry.args.iter().map(|a| json(a)).collect();
    let mut inner = format!(
        "{typed}\n      \"command\": {},\n      \"args\": [{}]",
        json(&entry.command),
        args.join(", ")
    );
    if !entry.env.is_empty() {
        let vars: Vec<String> = entry
            .env
            .iter()
            .map(|(k, v)| format!("        {}: {}", json(k), json(v)))
            .collect();
        inner.push_str(&format!(
            ",\n      \"env\": {{\n{}\n      }}",
            vars.join(",\n")
        ));
    }
    format!(
        "{{\n  \"{outer}\": {{\n    {}: {{{inner}\n    }}\n  }}\n}}",
        json(&entry.name)
    )
}

/// Where the `keystep` command is, seen from the window binary at `window_exe`: beside it
/// (a build's target folder), or on the PATH's `bin/` above `lib/keystep/` (a package).
pub fn keystep_beside(window_exe: &Path) -> Option<PathBuf> {
    let here = window_exe.parent()?;
    [here.join("keystep"), here.join("../../bin/keystep")]
        .into_iter()
        .find(|p| p.is_file())
        .map(|p| std::fs::canonicalize(&p).unwrap_or(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_assistant_gets_its_own_format_and_no_secret() {
        let entry = keystep_server(Path::new("/usr/bin/keystep"), &["hibob-acme".into()]);
        let desktop: serde_json::Value =
            serde_json::from_str(&snippet(Assistant::ClaudeDesktop, &entry)).expect("JSON");
        assert_eq!(
            desktop["mcpServers"]["keystep"]["args"],
            serde_json::json!(["mcp", "--account", "hibob-acme"]),
            "the arguments: {desktop}"
        );
        assert_eq!(
            desktop["mcpServers"]["keystep"]["command"], "/usr/bin/keystep",
            "the absolute path"
        );
        let vscode: serde_json::Value =
            serde_json::from_str(&snippet(Assistant::Vscode, &entry)).expect("JSON");
        assert_eq!(
            vscode["servers"]["keystep"]["type"], "stdio",
            "VS Code's own shape"
        );
        assert_eq!(
            snippet(Assistant::ClaudeCode, &entry),
            "claude mcp add --scope user keystep -- /usr/bin/keystep mcp --account hibob-acme",
            "Claude Code's command"
        );
    }

    #[test]
    fn a_third_party_server_gets_references_and_quoted_words() {
        let entry = third_party_server(
            Path::new("/opt/Key Step/keystep"),
            "hibob",
            &["hibob-mcp".into()],
            &[(
                "HIBOB_API_TOKEN".into(),
                "hibob-acme".into(),
                "service_user_token".into(),
            )],
        );
        let cursor: serde_json::Value =
            serde_json::from_str(&snippet(Assistant::Cursor, &entry)).expect("JSON");
        assert_eq!(
            cursor["mcpServers"]["hibob"]["env"]["HIBOB_API_TOKEN"],
            "keystep://hibob-acme/service_user_token",
            "a reference, not a key: {cursor}"
        );
        assert_eq!(
            cursor["mcpServers"]["hibob"]["args"],
            serde_json::json!(["run", "--env", "--", "hibob-mcp"]),
            "through keystep run --env"
        );
        assert_eq!(
            snippet(Assistant::ClaudeCode, &entry),
            "claude mcp add --scope user --env HIBOB_API_TOKEN=keystep://hibob-acme/service_user_token hibob -- '/opt/Key Step/keystep' run --env -- hibob-mcp",
            "a path with a space is quoted"
        );
    }
}
