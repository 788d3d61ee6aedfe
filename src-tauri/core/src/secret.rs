//! The one type that holds a credential in memory.
//!
//! A [`Secret`] goes in (from the form, from the keychain) and never comes back out through
//! anything that prints or serializes: it has a redacted `Debug`, no `Display`, no
//! `Serialize`, and its bytes are wiped when it is dropped. The only way to the value is
//! [`Secret::expose`], which call sites use to build an auth header or a keychain write.

use zeroize::Zeroizing;

/// A credential value (API key, token). Redacted when debugged, zeroized when dropped.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    /// Wraps a value. The caller's copy should be dropped or zeroized as soon as possible.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(Zeroizing::new(value.into()))
    }

    /// The raw value, for the few places that must send or store it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the value is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// A short, non-reversible hint that lets a person tell two keys apart ("…x7Qa").
    ///
    /// Only keys long enough that the hint reveals a small fraction show characters: four of
    /// a key of 16 or more, two of a key of 10 to 15, none below that.
    pub fn fingerprint(&self) -> String {
        let chars: Vec<char> = self.0.chars().collect();
        let shown = match chars.len() {
            n if n >= 16 => 4,
            n if n >= 10 => 2,
            _ => 0,
        };
        if shown == 0 {
            return "••••".to_string();
        }
        let tail: String = chars[chars.len() - shown..].iter().collect();
        format!("…{tail}")
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let s = Secret::new("sk_live_verysecretvalue");
        let shown = format!("{s:?} {:?}", vec![s.clone()]);
        assert!(
            !shown.contains("verysecret"),
            "Debug leaked the secret: {shown}"
        );
        assert!(
            shown.contains("redacted"),
            "Debug should say it redacts: {shown}"
        );
    }

    #[test]
    fn fingerprint_is_safe_on_short_keys() {
        assert_eq!(
            Secret::new("abc").fingerprint(),
            "••••",
            "short keys show nothing"
        );
        assert_eq!(
            Secret::new("0123456789").fingerprint(),
            "…89",
            "mid keys show two"
        );
        assert_eq!(
            Secret::new("0123456789abcdefXYZW").fingerprint(),
            "…XYZW",
            "long keys show four"
        );
        assert_eq!(
            Secret::new("ééééééééééééééééé").fingerprint(),
            "…éééé",
            "counts chars, not bytes"
        );
    }
}
