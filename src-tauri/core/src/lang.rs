//! The languages Keystep speaks to a person, and how a language tag picks one.
//!
//! English is the language of the provider files and of everything logged; French comes from
//! each provider file's `[locales.fr]` table (see `provider`). A tag that names neither
//! language falls back to English, so an unexpected system locale never leaves a blank.

use std::fmt;

/// A language Keystep's texts exist in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Lang {
    /// English, the language the provider files are written in.
    #[default]
    En,
    /// French.
    Fr,
}

impl Lang {
    /// Every language, English first.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Fr];

    /// The two-letter code: `en`, `fr`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
        }
    }

    /// The language a tag names: `fr`, `fr-FR`, `fr_CA.UTF-8` and `FR` are French, `en-GB`
    /// English. `system`, `C`, `de` and other tags name neither, hence `None`.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag
            .trim()
            .split(['-', '_', '.', '@'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        Lang::ALL.into_iter().find(|l| l.code() == primary)
    }

    /// The language a tag names, English otherwise.
    pub fn from_tag_or_en(tag: &str) -> Lang {
        Lang::from_tag(tag).unwrap_or_default()
    }

    /// The system's language from POSIX locale variables, in their order of precedence
    /// (`LC_ALL`, `LC_MESSAGES`, `LANG`); the first one set decides, English otherwise.
    /// `lookup` reads a variable (`|k| std::env::var(k).ok()` in the app).
    pub fn from_system(lookup: impl Fn(&str) -> Option<String>) -> Lang {
        ["LC_ALL", "LC_MESSAGES", "LANG"]
            .into_iter()
            .filter_map(&lookup)
            .find(|v| !v.trim().is_empty())
            .map_or(Lang::En, |v| Lang::from_tag_or_en(&v))
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_pick_a_language_or_none() {
        for (tag, want) in [
            ("en", Some(Lang::En)),
            ("fr", Some(Lang::Fr)),
            ("fr-FR", Some(Lang::Fr)),
            ("fr_CA.UTF-8", Some(Lang::Fr)),
            (" FR ", Some(Lang::Fr)),
            ("en-GB", Some(Lang::En)),
            ("system", None),
            ("C.UTF-8", None),
            ("de-DE", None),
            ("", None),
            ("french", None),
        ] {
            assert_eq!(Lang::from_tag(tag), want, "{tag:?}");
        }
        assert_eq!(Lang::from_tag_or_en("de"), Lang::En, "unknown falls back");
    }

    #[test]
    fn the_system_language_follows_posix_precedence() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert_eq!(
            Lang::from_system(env(&[("LANG", "fr_FR.UTF-8")])),
            Lang::Fr,
            "LANG alone"
        );
        assert_eq!(
            Lang::from_system(env(&[("LC_ALL", "en_US.UTF-8"), ("LANG", "fr_FR.UTF-8")])),
            Lang::En,
            "LC_ALL wins over LANG"
        );
        assert_eq!(
            Lang::from_system(env(&[("LC_MESSAGES", ""), ("LANG", "fr_FR")])),
            Lang::Fr,
            "an empty variable is skipped"
        );
        assert_eq!(Lang::from_system(env(&[])), Lang::En, "nothing set");
    }
}
