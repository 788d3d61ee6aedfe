//! The English sentences for what the input analysis found: for logs, the command line and
//! error messages (`InputError::message`, shown by the window only inside "Details"). The
//! window words the same codes itself, in the person's language.

use std::fmt;

use crate::provider::{Field, Provider};

use super::{Change, FieldProblem, Note, Problem};

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Change::TrimmedWhitespace => "we removed spaces or line breaks around it",
            Change::RemovedQuotes => "we removed the quotes around it",
            Change::RemovedAuthorizationPrefix => "we removed “Authorization:” in front of it",
            Change::RemovedBearerPrefix => "we removed “Bearer” in front of it",
            Change::RemovedTokenPrefix => "we removed “Token” in front of it",
            Change::RemovedScheme => "we removed “http://” or “https://” in front of it",
            Change::RemovedPath => "we removed the page path after it",
            Change::RemovedDomain => "we removed the provider's domain after it",
            Change::UnusualFormat => {
                "this does not look like the usual format; we will still try it"
            }
            Change::SplitPair => {
                "we split the pasted “client ID:client secret” pair into its two boxes"
            }
            Change::RemovedPassword => "we removed the “:” and password after it",
            Change::LooksRetired => "this looks like a kind of key the provider retired",
        })
    }
}

impl Note {
    /// The English sentence for logs and the command line, naming the field by its label
    /// (and the domain or example where that helps). Never the value.
    pub fn describe(&self, provider: &Provider) -> String {
        let Some(field) = provider.field(&self.field) else {
            // Notes are only made for declared fields; a key from elsewhere is not repeated.
            return format!("A field: {}", self.change);
        };
        let label = &field.label;
        match (self.change, field.domain.as_deref()) {
            (Change::RemovedDomain, Some(domain)) => format!("{label}: we removed .{domain}"),
            (Change::UnusualFormat, _) => format!(
                "{label}: this does not look like a usual {} {label} ({}). We will still try it.",
                provider.name, field.example
            ),
            (Change::LooksRetired, _) => match &field.retired {
                Some(r) => format!("{label}: {}", r.note),
                None => format!("{label}: {}", self.change),
            },
            (change, _) => format!("{label}: {change}"),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Problem::Empty => "nothing was given",
            Problem::TooLong => "far too long to be real",
            Problem::InnerSpace => "a space or line break in the middle",
            Problem::Invisible => "invisible characters",
            Problem::NotASubdomain => "not a single name of letters, digits and hyphens",
            Problem::OtherDomain => "an address of another site",
            Problem::NotAnOption => "not one of the options",
            Problem::UnknownField => "no such field",
            Problem::SameValue => "the same value as another field",
            Problem::Swapped => "swapped with another field",
            Problem::PastedTogether => "two values pasted together",
            Problem::ColonInKey => "a “:” in a key sent as a user name",
            Problem::PastedUrl => "a web address, not a key",
            Problem::PastedCommand => "a whole command line, not a key",
            Problem::TooShort => "far too short to be a key",
        })
    }
}

impl FieldProblem {
    /// The English sentence for the person (error messages, the command line), naming
    /// fields by their declared labels, never values, and never a key the provider does not
    /// declare: that key came from outside (standard input, a script) and may be a pasted
    /// secret.
    pub fn sentence(&self, provider: &Provider) -> String {
        let label = |key: &str| {
            provider
                .field(key)
                .map_or_else(|| "A field".to_string(), |f| f.label.clone())
        };
        let name = &provider.name;
        let this = label(&self.field);
        let other = self.other.as_deref().map(label).unwrap_or_default();
        match self.problem {
            Problem::UnknownField => {
                let known: Vec<&str> = provider.fields.iter().map(|f| f.key.as_str()).collect();
                format!(
                    "{name} has no field by that name. Its fields are: {}.",
                    known.join(", ")
                )
            }
            Problem::TooLong => format!(
                "{this} is far too long to be real. Copy only the {} itself.",
                this.to_lowercase()
            ),
            Problem::SameValue => format!(
                "{other} and {this} hold the same value. Paste each into its own box, as {name} shows them."
            ),
            Problem::Swapped => format!(
                "{this} and {other} look swapped: each looks like the other one. Paste the {this} into the first box and the {other} into the second."
            ),
            Problem::PastedTogether => format!(
                "{this} cannot contain “:”. It looks like the {this} and the {other} were pasted together; paste each into its own box."
            ),
            own => match provider.field(&self.field) {
                Some(field) => own.sentence(field, name),
                None => format!("{this}: {own}."),
            },
        }
    }
}

impl Problem {
    /// The sentence for a problem of one field on its own.
    fn sentence(self, field: &Field, provider: &str) -> String {
        let label = &field.label;
        match self {
            Problem::Empty => format!("Paste your {} to continue.", label),
            Problem::InnerSpace => format!(
                "{label} has a space or line break in the middle. Copy it again from {provider} in one piece."
            ),
            Problem::Invisible => format!(
                "{label} contains invisible characters. Copy it again from {provider}, or type it."
            ),
            Problem::NotASubdomain => format!(
                "{label} should be a single name such as “acme”: letters, digits and hyphens only."
            ),
            Problem::OtherDomain => format!(
                "That address is not a {provider} address. Enter only your company's {label}, for example “acme”."
            ),
            Problem::ColonInKey => format!(
                "{label} cannot contain “:”, because {provider} takes the key as a user name. Paste only the key."
            ),
            Problem::PastedUrl => format!(
                "{label} holds a web address (https://…), not the key. Copy the key itself from {provider}, not the page's address; nothing was sent."
            ),
            Problem::PastedCommand => format!(
                "{label} holds a whole command line (such as curl …), not just the key. Paste only the key from it; nothing was sent."
            ),
            Problem::TooShort => format!(
                "{label} is far too short to be a {provider} key (a few characters were pasted). Copy all of it; nothing was sent."
            ),
            Problem::NotAnOption => {
                let labels: Vec<&str> = field.options.iter().map(|o| o.label.as_str()).collect();
                let choices = match labels.split_last() {
                    Some((last, init)) if !init.is_empty() => {
                        format!("{} or {last}", init.join(", "))
                    }
                    _ => labels.join(""),
                };
                format!("{label} must be {choices}.")
            }
            other => format!("{label}: {other}."),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_choice_names_its_options() {
        let catalogue = crate::provider::Catalogue::embedded().expect("catalogue");
        let hibob = catalogue.get("hibob").expect("hibob");
        let field = hibob.field("environment").expect("a choice field");
        assert_eq!(
            Problem::NotAnOption.sentence(field, &hibob.name),
            "Environment must be Production or Sandbox.",
            "the options are named"
        );
    }
}
