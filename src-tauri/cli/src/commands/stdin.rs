//! Reading secret fields for `keystep verify`, `link` and `relink`: from standard input as
//! `NAME=VALUE` lines ([`read_stdin_fields`]), or, when standard input is a terminal, by
//! asking for each secret field with echo off ([`SecretInput::Terminal`]), so a person
//! running the command by hand is told what to type and what they type stays off the
//! screen and out of the scrollback.
//!
//! Whatever comes on standard input may be a secret, in any shape: a token piped without
//! its `NAME=` (`echo "$TOKEN" | keystep verify humaans`) whose base64 padding makes it look
//! like `NAME=VALUE`, a name typed with the key pasted into it, a line of garbage. So no
//! [`StdinError`] carries any part of a line: each one says which line, by number, and
//! names fields only by the keys the provider file declares. Only secret fields are taken
//! here (non-secret ones come as `--field`), so nothing read here is ever printed back,
//! not even in a verification's outcome.

use std::collections::BTreeMap;
use std::io::{self, BufRead};

use zeroize::Zeroizing;

use keystep_core::provider::Provider;
use keystep_core::secret::Secret;

/// Longest line read, in bytes: a field's longest value and a name, with room to spare.
/// A longer line is refused without being kept, so memory stays bounded whatever is piped.
pub const MAX_LINE_BYTES: usize = keystep_core::input::MAX_FIELD_LEN + 256;

/// Why standard input was not usable. Lines are numbered from 1; no variant holds any
/// part of a line, only field keys the provider declares.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StdinError {
    /// Not UTF-8 text, or reading failed.
    #[error("Line {line} of standard input could not be read as text.")]
    Unreadable {
        /// The line number.
        line: usize,
    },
    /// Longer than [`MAX_LINE_BYTES`].
    #[error(
        "Line {line} of standard input is far too long to hold a key (the line is not shown)."
    )]
    TooLong {
        /// The line number.
        line: usize,
    },
    /// No `=` on the line.
    #[error("Line {line} of standard input is not NAME=VALUE, such as {example} (the line is not shown, in case it holds a key).")]
    NotAPair {
        /// The line number.
        line: usize,
        /// `api_token=…`: how the first secret field is written.
        example: String,
    },
    /// The name before `=` is none of the provider's fields.
    #[error("Line {line} of standard input names no field of {provider}; fields: {fields}, given as NAME=VALUE such as {example} (the line is not shown, in case it holds a key).")]
    UnknownField {
        /// The line number.
        line: usize,
        /// The provider's display name.
        provider: String,
        /// The secret fields' keys, comma-separated.
        fields: String,
        /// `api_token=…`.
        example: String,
    },
    /// A non-secret field, which belongs on the command line.
    #[error("Line {line} of standard input gives {field}, which is not secret: give it as --field {field}=… instead.")]
    NotSecret {
        /// The line number.
        line: usize,
        /// The field's declared key.
        field: String,
    },
    /// The same field twice.
    #[error("Line {line} of standard input gives {field} again (first on line {first}).")]
    Duplicate {
        /// The line number.
        line: usize,
        /// Where it was first given.
        first: usize,
        /// The field's declared key.
        field: String,
    },
    /// Asked on a terminal, the answer could not be read (the terminal went away, or
    /// Ctrl-D before anything was typed).
    #[error("The terminal could not be read, so no key was taken. To pipe the key in instead: printf '{example}\\n' | keystep …")]
    Terminal {
        /// `api_token=%s`: how the first secret field is piped.
        example: String,
    },
}

/// Where the secret fields come from.
pub enum SecretInput<'a> {
    /// `NAME=VALUE` lines: a pipe, a file or a here-document ([`read_stdin_fields`]).
    Lines(&'a mut dyn BufRead),
    /// A person at a terminal: each secret field is asked for by its label, and what is
    /// typed is not echoed.
    Terminal(&'a mut dyn Prompt),
}

/// A person at a terminal, asked one question at a time.
pub trait Prompt {
    /// Asks `question` and reads a secret; what is typed is not shown.
    ///
    /// # Errors
    /// The terminal could not be read.
    fn secret(&mut self, question: &str) -> io::Result<Secret>;

    /// Asks `question` and reads one line, shown as it is typed (an account's name).
    ///
    /// # Errors
    /// The terminal could not be read.
    fn line(&mut self, question: &str) -> io::Result<String>;
}

/// The terminal a person runs `keystep` from: secrets are read from it with echo off
/// (`rpassword`, which turns echo off on the terminal itself, so nothing typed reaches the
/// screen or its scrollback), questions are written to standard error.
#[derive(Debug, Default)]
pub struct TerminalPrompt;

impl Prompt for TerminalPrompt {
    fn secret(&mut self, question: &str) -> io::Result<Secret> {
        let typed = zeroize::Zeroizing::new(rpassword::prompt_password(question)?);
        Ok(Secret::new(typed.as_str()))
    }

    fn line(&mut self, question: &str) -> io::Result<String> {
        use std::io::Write as _;
        let mut stderr = io::stderr();
        stderr.write_all(question.as_bytes())?;
        stderr.flush()?;
        let mut answer = String::new();
        io::stdin().read_line(&mut answer)?;
        Ok(answer)
    }
}

/// `provider`'s secret fields from `input`: read as lines, or asked for one by one.
///
/// # Errors
/// As [`read_stdin_fields`], or the terminal could not be read.
pub fn read_secret_fields(
    input: &mut SecretInput<'_>,
    provider: &Provider,
) -> Result<BTreeMap<String, Secret>, StdinError> {
    let prompt = match input {
        SecretInput::Lines(lines) => return read_stdin_fields(*lines, provider),
        SecretInput::Terminal(prompt) => prompt,
    };
    let mut fields = BTreeMap::new();
    for field in provider.fields.iter().filter(|f| f.secret) {
        let question = format!("{} ({}; typing is not shown): ", field.label, provider.name);
        let value = prompt.secret(&question).map_err(|_| StdinError::Terminal {
            example: format!("{}=%s", field.key),
        })?;
        fields.insert(field.key.clone(), value);
    }
    Ok(fields)
}

/// Reads `NAME=VALUE` lines for `provider`'s secret fields until the end of `stdin`.
///
/// Blank lines and lines starting with `#` are skipped; a line is split at its first `=`,
/// the name trimmed, the value kept as it is (the normalizers clean it later). Every line
/// is held in a buffer that is wiped when dropped, and each value moves into a [`Secret`].
///
/// # Errors
/// The first line that is unreadable, too long, not a pair, or names an unknown, non-secret
/// or repeated field; the error names the line by number.
pub fn read_stdin_fields(
    stdin: &mut dyn BufRead,
    provider: &Provider,
) -> Result<BTreeMap<String, Secret>, StdinError> {
    let secret_keys: Vec<&str> = provider
        .fields
        .iter()
        .filter(|f| f.secret)
        .map(|f| f.key.as_str())
        .collect();
    let example = format!("{}=…", secret_keys.first().copied().unwrap_or("NAME"));
    let mut fields = BTreeMap::new();
    let mut first_line: BTreeMap<String, usize> = BTreeMap::new();
    let mut line = 0;
    loop {
        line += 1;
        let Some(bytes) = read_line(stdin, line)? else {
            return Ok(fields);
        };
        let Ok(text) = std::str::from_utf8(&bytes) else {
            return Err(StdinError::Unreadable { line });
        };
        let text = text.trim_end_matches(['\r', '\n']);
        if text.trim().is_empty() || text.trim_start().starts_with('#') {
            continue;
        }
        let Some((name, value)) = text.split_once('=') else {
            return Err(StdinError::NotAPair {
                line,
                example: example.clone(),
            });
        };
        let Some(field) = provider.field(name.trim()) else {
            return Err(StdinError::UnknownField {
                line,
                provider: provider.name.clone(),
                fields: secret_keys.join(", "),
                example: example.clone(),
            });
        };
        // From here on the name is the provider's own key, safe to print.
        let key = field.key.clone();
        if !field.secret {
            return Err(StdinError::NotSecret { line, field: key });
        }
        if let Some(&first) = first_line.get(&key) {
            return Err(StdinError::Duplicate {
                line,
                first,
                field: key,
            });
        }
        first_line.insert(key.clone(), line);
        fields.insert(key, Secret::new(value));
    }
}

/// One line of `stdin` (number `line`), with its line break, in a buffer wiped on drop;
/// `None` at the end. The buffer is allocated at its full size up front, so growing it
/// never leaves an unwiped copy behind.
fn read_line(
    stdin: &mut dyn BufRead,
    line: usize,
) -> Result<Option<Zeroizing<Vec<u8>>>, StdinError> {
    let mut out = Zeroizing::new(Vec::with_capacity(MAX_LINE_BYTES + 1));
    loop {
        let chunk = match stdin.fill_buf() {
            Ok(chunk) => chunk,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => return Err(StdinError::Unreadable { line }),
        };
        if chunk.is_empty() {
            return Ok((!out.is_empty()).then_some(out));
        }
        let (take, done) = match chunk.iter().position(|&b| b == b'\n') {
            Some(at) => (at + 1, true),
            None => (chunk.len(), false),
        };
        if out.len() + take > MAX_LINE_BYTES + 1 {
            return Err(StdinError::TooLong { line });
        }
        out.extend_from_slice(&chunk[..take]);
        stdin.consume(take);
        if done {
            return Ok(Some(out));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use keystep_core::provider::Catalogue;

    fn read(provider: &str, input: &str) -> Result<BTreeMap<String, Secret>, StdinError> {
        let cat = Catalogue::embedded().expect("catalogue");
        let p = cat.get(provider).expect("provider");
        read_stdin_fields(&mut input.as_bytes(), p)
    }

    #[test]
    fn pairs_comments_and_blank_lines() {
        let got =
            read("hibob", "# a comment\n\n service_user_token = v=al=ue \r\n").expect("one pair");
        assert_eq!(
            got.get("service_user_token").map(Secret::expose),
            Some(" v=al=ue "),
            "split at the first =, name trimmed, value as given (the normalizer trims)"
        );
        assert_eq!(got.len(), 1, "comments and blank lines are skipped");
    }

    #[test]
    fn each_refusal_names_the_line_by_number() {
        let cases: [(&str, &str, StdinError); 4] = [
            (
                "humaans",
                "c2VjcmV0LXRva2Vu==\n",
                StdinError::UnknownField {
                    line: 1,
                    provider: "Humaans".into(),
                    fields: "api_token".into(),
                    example: "api_token=…".into(),
                },
            ),
            (
                "humaans",
                "\nTokenWithoutAnEqualsSign\n",
                StdinError::NotAPair {
                    line: 2,
                    example: "api_token=…".into(),
                },
            ),
            (
                "humaans",
                "api_token=a\n#\napi_token=b\n",
                StdinError::Duplicate {
                    line: 3,
                    first: 1,
                    field: "api_token".into(),
                },
            ),
            (
                "namely",
                "subdomain=acme\n",
                StdinError::NotSecret {
                    line: 1,
                    field: "subdomain".into(),
                },
            ),
        ];
        for (provider, input, want) in cases {
            let got = read(provider, input).expect_err("refused");
            assert_eq!(got, want, "{provider}, {input:?}");
        }
    }

    #[test]
    fn bytes_that_are_not_text_and_long_lines_are_refused() {
        let cat = Catalogue::embedded().expect("catalogue");
        let p = cat.get("humaans").expect("humaans");
        let bad: &[u8] = b"api_token=ok\napi_token=\xff\xfe\n";
        assert_eq!(
            read_stdin_fields(&mut &bad[..], p).expect_err("not UTF-8"),
            StdinError::Unreadable { line: 2 },
            "the line is named"
        );
        let long = format!("api_token={}\n", "x".repeat(MAX_LINE_BYTES));
        assert_eq!(
            read_stdin_fields(&mut long.as_bytes(), p).expect_err("too long"),
            StdinError::TooLong { line: 1 },
            "a line past the bound is refused"
        );
        let fits = format!("api_token={}", "x".repeat(MAX_LINE_BYTES - 10));
        assert!(
            read_stdin_fields(&mut fits.as_bytes(), p).is_ok(),
            "a line at the bound, without a final line break, is read"
        );
    }
}
