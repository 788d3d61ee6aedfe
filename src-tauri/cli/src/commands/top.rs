//! The `keystep` command's first word: which command runs, or whether the window opens.
//!
//! `keystep` is one command for people, but two binaries: the command line (this crate, no
//! window libraries) and the window. A bare `keystep` (the desktop entry and WebDriver pass
//! nothing), or one with the window's own options ([`WINDOW_OPTIONS`]: start at login's
//! `--background`), opens the window; every command runs here. An unknown command or option
//! is an error pointing to `--help` (exit 2), never a window that would open and block the
//! shell.

/// A command of the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// `keystep verify`: check a credential, store nothing.
    Verify,
    /// `keystep link`: verify and store, as the window's Connect does.
    Link,
    /// `keystep relink`: a new key for a linked account, as the window's Replace key does.
    Relink,
    /// `keystep list`: every account, from the book alone.
    List,
    /// `keystep forget`: remove an account and its key.
    Forget,
    /// `keystep rename`: another handle or name for an account.
    Rename,
    /// `keystep run`: use an account's key from a script (issue 15's proxy).
    Run,
    /// `keystep log`: the record of every use (issue 15).
    Log,
    /// `keystep push`: a copy of the key in the team's secret store (issue 24).
    Push,
    /// `keystep mcp`: the MCP server an AI assistant starts (issue 23).
    Mcp,
}

impl Command {
    /// Every command, in the order `--help` lists them.
    pub const ALL: [Command; 10] = [
        Command::Link,
        Command::Relink,
        Command::List,
        Command::Forget,
        Command::Rename,
        Command::Verify,
        Command::Run,
        Command::Log,
        Command::Push,
        Command::Mcp,
    ];

    /// The word that names it.
    pub fn word(self) -> &'static str {
        match self {
            Command::Verify => "verify",
            Command::Link => "link",
            Command::Relink => "relink",
            Command::List => "list",
            Command::Forget => "forget",
            Command::Rename => "rename",
            Command::Run => "run",
            Command::Log => "log",
            Command::Push => "push",
            Command::Mcp => "mcp",
        }
    }

    /// Its entries in `keystep --help`: what follows `keystep`, and what it does (one
    /// entry per form: `verify` has two).
    fn summary(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Command::Link => &[(
                "link <provider> [--purpose ID] [--field NAME=VALUE]... [--name NAME] [--replace] [--json]",
                "verify a key (secret fields on standard input) and keep it",
            )],
            Command::Relink => &[(
                "relink HANDLE [--field NAME=VALUE]... [--json]",
                "give a linked account a new key (verified first, kept in place)",
            )],
            Command::List => &[(
                "list [--json]",
                "every linked account, with its handle and status",
            )],
            Command::Forget => &[(
                "forget HANDLE [--delete-copy TARGET]... [--keep-copies]",
                "remove an account, its key from the keychain and, as asked, its copies",
            )],
            Command::Rename => &[(
                "rename HANDLE [--handle NEW-HANDLE] [--name NAME]",
                "give an account another handle or name",
            )],
            Command::Verify => &[
                (
                    "verify <provider> [--purpose ID] [--field NAME=VALUE]... [--json]",
                    "check a key without keeping it",
                ),
                (
                    "verify --from TARGET [<provider>] [--purpose ID] [--json]",
                    "check the copy of a key in a team store, without the keychain",
                ),
            ],
            Command::Run => &[(
                "run --account HANDLE [--account HANDLE]... [--env] [--allow-write] [--allow-failing] [--no-masking] -- COMMAND [ARG]...",
                "use an account's key in a script: see keystep run --help",
            )],
            Command::Log => &[(
                "log [--account HANDLE] [--since DURATION|TIME] [--last N] [--json]",
                "every use of a key: see keystep log --help",
            )],
            Command::Push => &[(
                "push HANDLE TARGET [--replace] [--token-stdin] [--json]",
                "a copy of the key in your team's Vault or AWS Secrets Manager: see keystep push --help",
            )],
            Command::Mcp => &[(
                "mcp --account HANDLE ... | --all",
                "let an AI assistant read the accounts, never holding a key: see keystep mcp --help",
            )],
        }
    }
}

/// What the arguments ask for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// Open the window, passing every argument on.
    Window,
    /// `--help`: [`usage`].
    Help,
    /// `--version`.
    Version,
    /// A command, with the arguments after its word.
    Command(Command, Vec<String>),
    /// Not a command: the sentence to print before exiting with status 2.
    Unknown(String),
}

/// Start at login's option: the window process starts without a window and keeps checking.
pub const BACKGROUND: &str = keystep_core::settings::BACKGROUND_ARG;

/// The options the window itself takes. Anything else before a command is a mistake to
/// report, not a reason to open a window.
pub const WINDOW_OPTIONS: &[&str] = &[BACKGROUND];

/// Where `args` (without the program name) lead.
pub fn route(args: &[String]) -> Route {
    let Some(first) = args.first() else {
        return Route::Window;
    };
    match first.as_str() {
        "--help" | "-h" | "help" => Route::Help,
        "--version" | "-V" => Route::Version,
        word => match Command::ALL.into_iter().find(|c| c.word() == word) {
            Some(command) => Route::Command(command, args[1..].to_vec()),
            None if args.iter().all(|a| WINDOW_OPTIONS.contains(&a.as_str())) => Route::Window,
            None => Route::Unknown(unknown(word)),
        },
    }
}

fn unknown(word: &str) -> String {
    // A word is repeated only when it looks like a mistyped command, never a pasted key.
    let kind = if word.starts_with('-') {
        "option"
    } else {
        "command"
    };
    let what = match super::args::shown(word) {
        Some(quoted) => format!("{quoted} is not a keystep {kind}."),
        None => "That is not a keystep command.".to_string(),
    };
    format!("keystep: {what} Try keystep --help.")
}

/// `keystep --help`.
pub fn usage() -> String {
    let mut out = format!(
        "keystep {}\nConnect HR systems by API key, safely.\n\n\
         Usage:\n  keystep\n      open the window\n",
        env!("CARGO_PKG_VERSION")
    );
    for command in Command::ALL {
        for (synopsis, what) in command.summary() {
            out.push_str(&format!("  keystep {synopsis}\n      {what}\n"));
        }
    }
    out.push_str(
        "  keystep --version\n\n\
         An account is named by its handle (keystep list shows them), such as payfit-acme-sas.\n\
         Each command says more with --help, e.g. keystep link --help.\n\
         Exit status: 0 done, 1 refused or failed (nothing changed), 2 usage or invalid input.\n",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn bare_or_the_windows_own_option_opens_the_window_and_commands_run_here() {
        assert_eq!(route(&[]), Route::Window, "bare");
        assert_eq!(
            route(&args(&["--background"])),
            Route::Window,
            "start at login's option"
        );
        for wrong in [&["--bogus"][..], &["--background", "--bogus"], &["-x"]] {
            assert!(
                matches!(route(&args(wrong)), Route::Unknown(ref said) if said.contains("keystep --help")),
                "{wrong:?} is an error pointing to --help, not a window"
            );
        }
        assert_eq!(route(&args(&["--help"])), Route::Help, "help");
        assert_eq!(route(&args(&["-V"])), Route::Version, "version");
        assert_eq!(
            route(&args(&["list", "--json"])),
            Route::Command(Command::List, args(&["--json"])),
            "a command and its arguments"
        );
        for command in Command::ALL {
            assert!(
                matches!(route(&args(&[command.word()])), Route::Command(c, _) if c == command),
                "{} routes to itself",
                command.word()
            );
            assert!(
                usage().contains(&format!("keystep {}", command.word())),
                "--help lists {}",
                command.word()
            );
        }
    }

    #[test]
    fn an_unknown_command_points_to_help_and_never_repeats_a_key() {
        let Route::Unknown(said) = route(&args(&["lsit"])) else {
            panic!("lsit is not a command");
        };
        assert!(
            said.contains("“lsit”") && said.contains("keystep --help"),
            "names the typo, points to --help: {said}"
        );
        let Route::Unknown(said) = route(&args(&["QzXvPastedKey0000000000000001"])) else {
            panic!("a key is not a command");
        };
        assert!(
            !said.contains("QzXv") && said.contains("keystep --help"),
            "a pasted key is not repeated: {said}"
        );
    }
}
