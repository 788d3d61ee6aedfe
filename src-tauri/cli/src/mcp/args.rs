//! `keystep mcp`'s command line: which accounts, and whether to serve, print an assistant's
//! configuration (`--config`), or change what the accounts share (`--allow`, `--withhold`).

use keystep_core::assistant::Assistant;
use keystep_core::provider::FieldCategory;

/// `keystep mcp --help`.
pub const MCP_USAGE: &str = "\
Usage: keystep mcp --account HANDLE ... | --all

   or: keystep mcp --config ASSISTANT (--account HANDLE ... | --all)
   or: keystep mcp --config ASSISTANT --account HANDLE --server NAME
                   --var VARIABLE[=FIELD]... -- COMMAND [ARG]...
   or: keystep mcp (--account HANDLE ... | --all) --allow CATEGORY | --withhold CATEGORY

Serves the named accounts to an AI assistant as an MCP server on standard input and
output. The assistant starts it; its configuration holds this command's path and the
accounts' handles, never a key. Tools: list_accounts, list_people, get_person,
list_candidates and get_candidate (recruiting systems), and request (any other read the
provider allows). Everything is read-only, through the same proxy as keystep run, within
each provider's rate limit, and each call is recorded in the use log with the assistant's
name (keystep log).

Sensitive fields are withheld from every answer, replaced by a note, unless the account
shares their category: pay, bank, national_id, date_of_birth, home_address, health,
demographics, background. --allow CATEGORY shares one with assistants, --withhold CATEGORY
stops sharing it; each change is recorded.

--config prints what to paste into an assistant's configuration: ASSISTANT is
claude-desktop, claude-code, cursor or vscode. With --server NAME and a COMMAND after --,
it prints the configuration of another MCP server started through keystep run --env, its
VARIABLEs set to keystep://HANDLE/FIELD references that keystep run resolves in that
server's environment only (FIELD defaults to the provider's one secret field).

Exit status: 0 done (or the assistant closed the session), 1 failed, 2 usage or unknown
handle.
";

/// The parsed command line.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct McpArgs {
    /// `--account` handles, in order.
    pub accounts: Vec<String>,
    /// `--all`.
    pub all: bool,
    /// `--config ASSISTANT`.
    pub config: Option<Assistant>,
    /// `--server NAME`.
    pub server: Option<String>,
    /// `--var VARIABLE[=FIELD]`.
    pub vars: Vec<(String, Option<String>)>,
    /// `--allow` (true) or `--withhold` (false) a category.
    pub share: Option<(FieldCategory, bool)>,
    /// The third-party server's command, after `--`.
    pub command: Vec<String>,
}

fn category(value: &str, option: &str) -> Result<FieldCategory, String> {
    let names: Vec<&str> = FieldCategory::ALL.iter().map(|c| c.as_str()).collect();
    FieldCategory::parse(value)
        .ok_or_else(|| format!("{option} takes one of {}.", names.join(", ")))
}

fn is_variable(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Parses `args` (after the word `mcp`) with the command line's one parser; `None` for
/// `--help`. Sentences name no value but a short lower-case word.
pub(super) fn parse(args: &[String]) -> Result<Option<McpArgs>, String> {
    use crate::commands::args::{self, Long, Short, Value};
    let mut parsed = McpArgs::default();
    let mut parser = args::parser(args);
    while let Some(arg) = parser.next().map_err(|e| args::explain(e, "mcp"))? {
        match arg {
            Long("help") | Short('h') => return Ok(None),
            Long("account") => {
                let handle = args::text(&mut parser, "mcp")?;
                if handle.starts_with('-') || handle.is_empty() {
                    return Err("--account needs a handle after it.".into());
                }
                parsed.accounts.push(handle);
            }
            Long("all") => parsed.all = true,
            Long("config") => {
                let v = args::text(&mut parser, "mcp")?;
                parsed.config = Some(Assistant::parse(&v).ok_or_else(|| {
                    "--config takes claude-desktop, claude-code, cursor or vscode.".to_string()
                })?);
            }
            Long("server") => {
                let v = args::text(&mut parser, "mcp")?;
                if v.is_empty() || v.starts_with('-') {
                    return Err("--server needs the name the assistant lists it by.".into());
                }
                parsed.server = Some(v);
            }
            Long("var") => {
                let v = args::text(&mut parser, "mcp")?;
                let (var, field) = match v.split_once('=') {
                    Some((k, f)) => (k.to_string(), Some(f.to_string())),
                    None => (v.clone(), None),
                };
                if !is_variable(&var) {
                    return Err(
                        "--var takes a variable name (letters, digits, _), then =FIELD if needed."
                            .into(),
                    );
                }
                parsed.vars.push((var, field));
            }
            Long(option @ ("allow" | "withhold")) => {
                let option = format!("--{option}");
                if parsed.share.is_some() {
                    return Err("Give one --allow or --withhold at a time.".into());
                }
                let v = args::text(&mut parser, "mcp")?;
                parsed.share = Some((category(&v, &option)?, option == "--allow"));
            }
            Value(first) => {
                // The third-party server's command: everything from here is its own.
                let first = first
                    .into_string()
                    .map_err(|_| "An argument is not valid text.".to_string())?;
                parsed.command.push(first);
                for arg in parser.raw_args().map_err(|e| args::explain(e, "mcp"))? {
                    parsed.command.push(
                        arg.into_string()
                            .map_err(|_| "An argument is not valid text.".to_string())?,
                    );
                }
                break;
            }
            other => return Err(args::explain(other.unexpected(), "mcp")),
        }
    }
    if parsed.all != parsed.accounts.is_empty() {
        return Err(
            "Name the accounts with --account HANDLE, or serve them all with --all.".into(),
        );
    }
    let third_party =
        parsed.server.is_some() || !parsed.vars.is_empty() || !parsed.command.is_empty();
    if third_party
        && (parsed.config.is_none()
            || parsed.server.is_none()
            || parsed.command.is_empty()
            || parsed.vars.is_empty())
    {
        return Err("Another server's configuration takes --config ASSISTANT --server NAME --var VARIABLE[=FIELD] and its command after --.".into());
    }
    if parsed.share.is_some() && parsed.config.is_some() {
        return Err("--allow and --withhold do not go with --config.".into());
    }
    Ok(Some(parsed))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn serving_printing_and_sharing_parse() {
        let p = parse(&args(&["--account", "a", "--account=b"]))
            .expect("serve")
            .expect("not --help");
        assert_eq!(p.accounts, ["a", "b"], "two accounts");
        let p = parse(&args(&["--all", "--config", "claude-code"]))
            .expect("config")
            .expect("not --help");
        assert_eq!(p.config, Some(Assistant::ClaudeCode), "the assistant");
        let p = parse(&args(&["--account", "a", "--allow", "date_of_birth"]))
            .expect("allow")
            .expect("not --help");
        assert_eq!(p.share, Some((FieldCategory::DateOfBirth, true)), "shared");
        let p = parse(&args(&[
            "--config",
            "cursor",
            "--account",
            "a",
            "--server",
            "hibob",
            "--var",
            "HIBOB_API_TOKEN",
            "--",
            "hibob-mcp",
            "--flag",
        ]))
        .expect("third party")
        .expect("not --help");
        assert_eq!(p.command, ["hibob-mcp", "--flag"], "the command after --");
        assert_eq!(
            p.vars,
            [("HIBOB_API_TOKEN".to_string(), None)],
            "one variable"
        );
    }

    #[test]
    fn mistakes_are_explained_and_never_repeat_a_key() {
        for bad in [
            &[][..],
            &["--all", "--account", "a"],
            &["--account", "a", "--allow", "salaries"],
            &["--account", "a", "--config", "chatgpt"],
            &["--account", "a", "--server", "x", "--", "y"],
            &["--account", "a", "--allow", "pay", "--withhold", "bank"],
        ] {
            assert!(parse(&args(bad)).is_err(), "{bad:?} is refused");
        }
        let e = parse(&args(&["--account", "a", "QzXvPastedKey00000000001"]))
            .expect_err("not an option");
        assert!(!e.contains("QzXv"), "a pasted key is not repeated: {e}");
    }
}
