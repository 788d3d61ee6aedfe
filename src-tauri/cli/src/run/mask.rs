//! The masker of `keystep run --env`: what the command prints passes through with every
//! occurrence of a secret replaced by [`MASK`], however the output is cut into chunks.
//!
//! A chunk's end may hold the start of a secret whose rest comes in the next chunk, so the
//! longest tail that could still begin a secret is held back until the next chunk (or the
//! end) decides. Where one secret is the start of another, the longer one wins, so no part
//! of it is left showing.

use zeroize::Zeroizing;

/// What a secret is replaced with.
pub const MASK: &[u8] = b"<concealed by keystep>";

/// A streaming replacer of secrets.
pub struct Masker {
    secrets: Vec<Zeroizing<Vec<u8>>>,
    held: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for Masker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Masker")
            .field("secrets", &self.secrets.len())
            .finish_non_exhaustive()
    }
}

impl Masker {
    /// A masker of `secrets` (empty ones are ignored).
    pub fn new<'a>(secrets: impl IntoIterator<Item = &'a str>) -> Self {
        let mut secrets: Vec<Zeroizing<Vec<u8>>> = secrets
            .into_iter()
            .filter(|s| !s.is_empty())
            .map(|s| Zeroizing::new(s.as_bytes().to_vec()))
            .collect();
        // Longest first, so the longer of two secrets starting at one place wins.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        Masker {
            secrets,
            held: Zeroizing::new(Vec::new()),
        }
    }

    /// Takes the next chunk; returns what may be written now.
    pub fn push(&mut self, chunk: &[u8]) -> Vec<u8> {
        self.held.extend_from_slice(chunk);
        let (out, used) = self.scan(false);
        self.held.drain(..used);
        out
    }

    /// The end of the output: everything held back, masked.
    pub fn finish(&mut self) -> Vec<u8> {
        let (out, used) = self.scan(true);
        self.held.drain(..used);
        out
    }

    /// Masks what is held; returns the output and how many held bytes it accounts for.
    /// Unless `last`, stops where a secret may begin but is not complete yet.
    fn scan(&self, last: bool) -> (Vec<u8>, usize) {
        let buf = &self.held[..];
        let mut out = Vec::with_capacity(buf.len());
        let mut i = 0;
        while i < buf.len() {
            let rest = &buf[i..];
            // A longer secret that could still match here must be waited for.
            if !last
                && self
                    .secrets
                    .iter()
                    .any(|s| s.len() > rest.len() && s.starts_with(rest))
            {
                return (out, i);
            }
            if let Some(s) = self.secrets.iter().find(|s| rest.starts_with(s)) {
                out.extend_from_slice(MASK);
                i += s.len();
            } else {
                out.push(buf[i]);
                i += 1;
            }
        }
        (out, i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn through(masker: &mut Masker, chunks: &[&[u8]]) -> String {
        let mut out = Vec::new();
        for c in chunks {
            out.extend(masker.push(c));
        }
        out.extend(masker.finish());
        String::from_utf8(out).expect("text")
    }

    #[test]
    fn every_occurrence_is_masked_at_every_cut() {
        let text = b"key=SeCrEt123 again SeCrEt123; almost SeCrEt12 end";
        let want = "key=<concealed by keystep> again <concealed by keystep>; almost SeCrEt12 end";
        for cut in 0..text.len() {
            for cut2 in cut..text.len() {
                let mut m = Masker::new(["SeCrEt123"]);
                let got = through(&mut m, &[&text[..cut], &text[cut..cut2], &text[cut2..]]);
                assert_eq!(got, want, "cut at {cut} and {cut2}");
            }
        }
        let mut m = Masker::new(["SeCrEt123"]);
        let bytes: Vec<&[u8]> = text.chunks(1).collect();
        assert_eq!(through(&mut m, &bytes), want, "one byte at a time");
    }

    #[test]
    fn the_longer_of_two_secrets_wins_and_nothing_of_it_shows() {
        let mut m = Masker::new(["abc", "abcdef"]);
        assert_eq!(
            through(&mut m, &[b"x abc", b"def y abc z"]),
            "x <concealed by keystep> y <concealed by keystep> z",
            "abcdef masked whole, abc alone masked too"
        );
    }

    #[test]
    fn text_without_secrets_passes_unchanged_and_promptly() {
        let mut m = Masker::new(["SeCrEt123"]);
        assert_eq!(m.push(b"hello\n"), b"hello\n", "nothing held back");
        assert_eq!(m.push(b"wait SeC"), b"wait ", "a possible start is held");
        assert_eq!(m.finish(), b"SeC", "and released at the end");
    }
}
