//! What every command's argument parsing shares: the arguments go through `lexopt` (as
//! ripgrep's do: `--opt VALUE`, `--opt=VALUE`, `--` and short options handled one way for
//! every command), and a usage error is one sentence in one style, worded here.
//!
//! A usage error never repeats a value from the command line that could be a pasted key
//! (security review 3, finding 7): arguments show in the process list, but copying them
//! into standard error puts them in CI logs and terminals' scrollback too. A word is named
//! back only when [`shown`] says it is short and made of lower-case letters, `-` and `_`,
//! like a mistyped command, option, provider or purpose; anything else is "an argument".

use std::ffi::OsString;
use std::io::Write;

pub(crate) use lexopt::prelude::*;
pub(crate) use lexopt::Parser;

/// Longest word named back in an error.
const SHOWN_CHARS: usize = 24;

/// What a command line asks of a command: its `--help`, or a run with these arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Asked<T> {
    /// `--help` or `-h`.
    Help,
    /// The command, with its arguments parsed.
    Run(T),
}

/// A parser over `args` (the arguments after the command's word).
pub(crate) fn parser(args: &[String]) -> Parser {
    Parser::from_args(args.iter().map(OsString::from))
}

/// `word` in quotes, when it is safe to name back: at most [`SHOWN_CHARS`] characters of
/// `a`-`z`, `-` and `_` (a leading `--` included). Never a word with capitals, digits or
/// other signs, which is what keys are made of.
pub(crate) fn shown(word: &str) -> Option<String> {
    let fits = !word.is_empty()
        && word.chars().count() <= SHOWN_CHARS
        && word
            .chars()
            .all(|c| c.is_ascii_lowercase() || c == '-' || c == '_');
    fits.then(|| format!("“{word}”"))
}

/// The sentence for a `lexopt` error of `keystep <command>`, naming no value.
pub(crate) fn explain(e: lexopt::Error, command: &str) -> String {
    use lexopt::Error;
    match e {
        // These two name an option the command matched: one of its own, shown bare.
        Error::MissingValue {
            option: Some(option),
        } if shown(&option).is_some() => format!("{option} needs a value after it."),
        Error::UnexpectedValue { option, .. } if shown(&option).is_some() => {
            format!("{option} takes no value.")
        }
        Error::MissingValue { .. } => "An option needs a value after it.".into(),
        Error::UnexpectedOption(option) => match shown(&option) {
            Some(o) => format!("{o} is not an option of keystep {command}."),
            None => format!("An argument is not an option of keystep {command}."),
        },
        Error::UnexpectedArgument(arg) => match arg.to_str().and_then(shown) {
            Some(a) => format!("{a} is one argument too many for keystep {command}."),
            None => format!("An argument is one too many for keystep {command}."),
        },
        Error::UnexpectedValue { .. } => "An option takes no value.".into(),
        Error::NonUnicodeValue(_) => "An argument is not valid text.".into(),
        Error::ParsingFailed { .. } | Error::Custom(_) => "An argument could not be read.".into(),
    }
}

/// The value of the option `parser` just returned, as text.
///
/// # Errors
/// No value follows, or it is not text; the sentence names the option, never the value.
pub(crate) fn text(parser: &mut Parser, command: &str) -> Result<String, String> {
    parser
        .value()
        .and_then(|v| v.string())
        .map_err(|e| explain(e, command))
}

/// The one line every usage error prints: `keystep <command>: <sentence> Try keystep
/// <command> --help.`
pub(crate) fn usage_line(command: &str, sentence: &str) -> String {
    format!("keystep {command}: {sentence} Try keystep {command} --help.")
}

/// Prints [`usage_line`] on `stderr` and returns the usage exit status.
pub(crate) fn usage_error(stderr: &mut dyn Write, command: &str, sentence: &str) -> i32 {
    let _ = writeln!(stderr, "{}", usage_line(command, sentence));
    super::EXIT_USAGE
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_short_lower_case_words_are_named_back() {
        for word in ["--jzon", "lsit", "humaan", "api_tokn", "--allow-writes"] {
            assert_eq!(shown(word), Some(format!("“{word}”")), "{word} is named");
        }
        for word in [
            "QzXvPastedKey0000000000000001",
            "demohumaansfullaccesstokenxyz",
            "c2VjcmV0LXRva2Vu",
            "abc123",
            "sk_live_51hq",
            "a=b",
            "",
        ] {
            assert_eq!(shown(word), None, "{word:?} could be a key: not named");
        }
    }

    #[test]
    fn lexopt_errors_become_sentences_without_values() {
        let key = "QzXvPastedKey0000000000000001";
        let cases = [
            (
                lexopt::Error::UnexpectedOption(format!("--{key}")),
                "An argument is not an option of keystep verify.",
            ),
            (
                lexopt::Error::UnexpectedOption("--jzon".into()),
                "“--jzon” is not an option of keystep verify.",
            ),
            (
                lexopt::Error::UnexpectedArgument(key.into()),
                "An argument is one too many for keystep verify.",
            ),
            (
                lexopt::Error::UnexpectedValue {
                    option: "--json".into(),
                    value: key.into(),
                },
                "--json takes no value.",
            ),
            (
                lexopt::Error::MissingValue {
                    option: Some("--purpose".into()),
                },
                "--purpose needs a value after it.",
            ),
        ];
        for (error, want) in cases {
            assert_eq!(explain(error, "verify"), want, "one sentence, no value");
        }
    }
}
