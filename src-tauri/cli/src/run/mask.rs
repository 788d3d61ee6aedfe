//! The masker of `keystep run --env`: what the command prints passes through with every
//! occurrence of a secret replaced by [`MASK`], however the output is cut into chunks.
//!
//! A secret is looked for in every spelling a tool commonly prints ([`spellings`]): as is;
//! JSON-escaped (with `\/` too); URL-encoded (`+` or `%20`); in hex; in standard and
//! URL-safe base64, whole and at each of the three alignments base64 can take inside a
//! longer value (so the key inside `curl -v`'s `Authorization: Basic base64(user:key)` is
//! found even mid-value); and, for a provider taking Basic auth, the whole
//! `base64(user:key)`. Not every transformation: a command that encrypts, hashes, reverses
//! or splits the key can print it unmasked, which is why `--env` is not the default.
//!
//! A chunk's end may hold the start of a secret whose rest comes in the next chunk, so the
//! longest tail that could still begin a secret is held back until the next chunk (or the
//! end) decides. Where one secret is the start of another, the longer one wins, so no part
//! of it is left showing.

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine as _;
use zeroize::Zeroizing;

use keystep_core::provider::Auth;
use keystep_core::secret::Secret;

/// What a secret is replaced with.
pub const MASK: &[u8] = b"<concealed by keystep>";

/// The shortest part of a base64 encoding looked for on its own: shorter runs of base64
/// letters occur by chance in ordinary output.
const MIN_BASE64_PART: usize = 16;

/// Every spelling of `secret` that tools commonly print (see the module's paragraph).
pub fn spellings(secret: &[u8]) -> Vec<Zeroizing<Vec<u8>>> {
    let mut out: Vec<Zeroizing<Vec<u8>>> = Vec::new();
    if secret.is_empty() {
        return out;
    }
    let mut add = |form: Vec<u8>| {
        let form = Zeroizing::new(form);
        if !form.is_empty() && !out.iter().any(|f| **f == *form) {
            out.push(form);
        }
    };
    add(secret.to_vec());
    if let Ok(text) = std::str::from_utf8(secret) {
        let json = Zeroizing::new(serde_json::to_string(text).unwrap_or_default());
        let inner = json.get(1..json.len().saturating_sub(1)).unwrap_or("");
        add(inner.as_bytes().to_vec());
        add(inner.replace('/', "\\/").into_bytes());
    }
    let url = Zeroizing::new(url::form_urlencoded::byte_serialize(secret).collect::<String>());
    add(url.as_bytes().to_vec());
    add(url.replace('+', "%20").into_bytes());
    let hex: String = secret.iter().map(|b| format!("{b:02x}")).collect();
    add(hex.to_uppercase().into_bytes());
    add(hex.into_bytes());
    for engine in [&STANDARD, &URL_SAFE] {
        add(engine.encode(secret).into_bytes());
    }
    for engine in [&STANDARD_NO_PAD, &URL_SAFE_NO_PAD] {
        add(engine.encode(secret).into_bytes());
        // Inside a longer value the secret starts at byte 0, 1 or 2 of a 3-byte group: the
        // letters that hold only its bits are the same whatever surrounds it.
        for lead in 0..3usize {
            let mut padded = Zeroizing::new(vec![0u8; lead]);
            padded.extend_from_slice(secret);
            let encoded = Zeroizing::new(engine.encode(&padded[..]));
            let from = (lead * 8).div_ceil(6);
            let to = (padded.len() * 8) / 6;
            if to >= from + MIN_BASE64_PART {
                add(encoded.as_bytes()[from..to].to_vec());
            }
        }
    }
    out
}

/// What `keystep run --env` masks for one account: every spelling of each of its `secrets`,
/// and for a provider taking Basic auth the whole `user:password` pair in base64, as a
/// client sends it.
pub fn masked_forms(
    auth: &Auth,
    fields: &std::collections::BTreeMap<String, Secret>,
    secrets: &[Secret],
) -> Vec<Secret> {
    let mut forms: Vec<Zeroizing<Vec<u8>>> = secrets
        .iter()
        .flat_map(|s| spellings(s.expose().as_bytes()))
        .collect();
    if let Auth::Basic { username, password } = auth {
        if let (Some(user), Some(pass)) = (fields.get(username), fields.get(password)) {
            let pair = Zeroizing::new(format!("{}:{}", user.expose(), pass.expose()));
            for engine in [&STANDARD, &URL_SAFE, &STANDARD_NO_PAD, &URL_SAFE_NO_PAD] {
                forms.push(Zeroizing::new(engine.encode(pair.as_bytes()).into_bytes()));
            }
        }
    }
    forms
        .iter()
        .filter_map(|f| std::str::from_utf8(f).ok().map(Secret::new))
        .collect()
}

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
    fn the_key_inside_a_basic_pair_is_masked_at_every_alignment() {
        let key = "demoHibobServiceUserToken0000001";
        let words: Vec<String> = spellings(key.as_bytes())
            .iter()
            .map(|f| String::from_utf8(f.to_vec()).expect("text"))
            .collect();
        for user in [
            "S",
            "SE",
            "SER",
            "SERVICE-1001",
            "SERVICE-10011",
            "SERVICE-100111",
        ] {
            for engine in [&STANDARD, &URL_SAFE] {
                let header = format!(
                    "> Authorization: Basic {}\r\n",
                    engine.encode(format!("{user}:{key}"))
                );
                let mut m = Masker::new(words.iter().map(String::as_str));
                let out = through(&mut m, &[header.as_bytes()]);
                let value = out.trim_start_matches("> Authorization: Basic ").trim_end();
                let (before, after) = value
                    .split_once("<concealed by keystep>")
                    .unwrap_or_else(|| panic!("user {user:?}: the key is masked ({out:?})"));
                // Before the mask: the user's letters and at most one letter mixing in the
                // key's first bits; after it, at most the letters mixing its last bits.
                let user_letters = (user.len() + 1) * 4 / 3 + 2;
                assert!(
                    before.len() <= user_letters && after.trim_end_matches('=').len() <= 3,
                    "user {user:?}: no more than a few bits of the key stay ({out:?})"
                );
            }
        }
    }

    /// A string as JSON writes it inside its quotes.
    fn json_inner(text: &str) -> String {
        let json = serde_json::to_string(text).expect("json");
        json[1..json.len() - 1].to_string()
    }

    #[test]
    fn every_common_spelling_of_a_key_is_masked() {
        let key = "k3y/with+odd chars\"é";
        let words: Vec<String> = spellings(key.as_bytes())
            .iter()
            .map(|f| String::from_utf8(f.to_vec()).expect("text"))
            .collect();
        let hex: String = key.bytes().map(|b| format!("{b:02x}")).collect();
        for printed in [
            key.to_string(),
            json_inner(key),
            json_inner(key).replace('/', "\\/"),
            url::form_urlencoded::byte_serialize(key.as_bytes()).collect::<String>(),
            url::form_urlencoded::byte_serialize(key.as_bytes())
                .collect::<String>()
                .replace('+', "%20"),
            hex.clone(),
            hex.to_uppercase(),
            STANDARD.encode(key),
            URL_SAFE_NO_PAD.encode(key),
        ] {
            let mut m = Masker::new(words.iter().map(String::as_str));
            let out = through(&mut m, &[format!("[{printed}]").as_bytes()]);
            assert_eq!(
                out, "[<concealed by keystep>]",
                "{printed:?} is masked whole"
            );
        }
    }

    #[test]
    fn a_basic_providers_whole_pair_is_masked() {
        let auth = Auth::Basic {
            username: "id".into(),
            password: "token".into(),
        };
        let fields = std::collections::BTreeMap::from([
            ("id".to_string(), Secret::new("SERVICE-1001")),
            (
                "token".to_string(),
                Secret::new("demoHibobServiceUserToken0000001"),
            ),
        ]);
        let forms = masked_forms(
            &auth,
            &fields,
            &[Secret::new("demoHibobServiceUserToken0000001")],
        );
        let words: Vec<&str> = forms.iter().map(Secret::expose).collect();
        let header = format!(
            "Authorization: Basic {}",
            STANDARD.encode("SERVICE-1001:demoHibobServiceUserToken0000001")
        );
        let mut m = Masker::new(words);
        assert_eq!(
            through(&mut m, &[header.as_bytes()]),
            "Authorization: Basic <concealed by keystep>",
            "the whole credential, user included"
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
