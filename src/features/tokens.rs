//! Tokenizer: lowercase, then every maximal run of two or more word characters is a token.
//!
//! This is scikit-learn's `CountVectorizer` default, `lowercase=True` with the pattern
//! `(?u)\b\w\w+\b`, so that counts can be checked against it. A word character is what Python's
//! `re` calls `\w`: a Unicode letter or number, or `_`. Rust's `char::is_alphanumeric` is used for
//! that; it differs from Python only on combining vowel signs (Unicode `Other_Alphabetic`, e.g. in
//! Devanagari), which Rust counts as part of a word and Python does not. `features` builds counts
//! from these tokens and `groups` builds shingles from them.

/// Calls `f` on every token of `text`, in order. `buf` is scratch space reused across calls so
/// that nothing is allocated per token.
pub fn for_each_token(text: &str, buf: &mut Scratch, mut f: impl FnMut(&str)) {
    for_each_token_bytes(text, buf, |t, _| {
        // Tokens are whole UTF-8 sequences cut at character boundaries.
        f(std::str::from_utf8(t).unwrap_or_default())
    });
}

/// [`for_each_token`] giving each token as UTF-8 bytes with its [`head`], without re-validating
/// them.
pub fn for_each_token_bytes(text: &str, buf: &mut Scratch, mut f: impl FnMut(&[u8], u64)) {
    let mut spans = std::mem::take(&mut buf.spans);
    token_spans(text, buf, &mut spans);
    for s in &spans {
        f(&buf.lower[s.start..s.end], s.head);
    }
    buf.spans = spans;
}

/// Scratch space for the tokenizer, reused across texts.
#[derive(Debug, Default)]
pub struct Scratch {
    /// The last text lowercased, zero-padded by at least 8 bytes.
    lower: Vec<u8>,
    /// ASCII path: bit i of `word[i / 64]` is set when byte i is in a token.
    word: Vec<u64>,
    /// For [`for_each_token_bytes`].
    spans: Vec<Span>,
}

impl Scratch {
    /// The text last given to [`token_spans`], lowercased (plus zero padding): the bytes its
    /// spans index.
    pub fn lower(&self) -> &[u8] {
        &self.lower
    }
}

/// A token of the text last given to [`token_spans`]: bytes `start..end` of [`Scratch::lower`],
/// and its [`head`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
    /// The token's first 8 bytes, as [`head`] gives them.
    pub head: u64,
}

/// Replaces `out` with the tokens of `text`, in order, as spans of its lowercased copy kept in
/// `buf` ([`Scratch::lower`]).
pub fn token_spans(text: &str, buf: &mut Scratch, out: &mut Vec<Span>) {
    out.clear();
    if text.is_ascii() {
        ascii_tokens(text.as_bytes(), buf, out);
    } else {
        unicode_tokens(text, buf, out);
    }
}

/// The general tokenizer, a character at a time.
fn unicode_tokens(text: &str, buf: &mut Scratch, out: &mut Vec<Span>) {
    // Lowercase the whole text first, as Python does, so that context-dependent mappings
    // (final sigma) match; then scan characters.
    let lower = text.to_lowercase();
    let mut start = None;
    let mut chars = 0usize;
    let mut emit = |s: usize, e: usize| {
        out.push(Span {
            start: s,
            end: e,
            head: head(&lower.as_bytes()[s..e]),
        })
    };
    for (i, c) in lower.char_indices() {
        if is_word(c) {
            if start.is_none() {
                start = Some(i);
                chars = 0;
            }
            chars += 1;
        } else if let Some(s) = start.take()
            && chars >= 2
        {
            emit(s, i);
        }
    }
    if let Some(s) = start
        && chars >= 2
    {
        emit(s, lower.len());
    }
    buf.lower = lower.into_bytes();
    buf.lower.resize(buf.lower.len() + 8, 0);
}

/// Returns the tokens of `text` as owned strings (convenience for tests and small inputs).
pub fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut buf = Scratch::default();
    for_each_token(text, &mut buf, |t| out.push(t.to_owned()));
    out
}

fn is_word(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

/// The first 8 bytes of `t`, zero-padded, as a little-endian integer.
#[inline]
pub fn head(t: &[u8]) -> u64 {
    match t.first_chunk::<8>() {
        Some(b) => u64::from_le_bytes(*b),
        None => t
            .iter()
            .rev()
            .fold(0u64, |acc, &b| (acc << 8) | u64::from(b)),
    }
}

/// `0x01` in every byte.
const ONES: u64 = 0x0101_0101_0101_0101;
/// `0x80` in every byte.
const HIGH: u64 = 0x8080_8080_8080_8080;

/// Per byte of `x` (all ASCII, below 0x80): the high bit set where the byte is `>= c`. No byte
/// carries into the next, since b + 0x80 − c stays below 0x100 for b < 0x80 and c ≥ 0x30.
#[inline(always)]
fn at_least(x: u64, c: u8) -> u64 {
    x.wrapping_add(ONES * (0x80 - u64::from(c)))
}

/// Bit k set where byte k of `x` (ASCII, already lowercased) is a word character `[0-9a-z_]`.
#[inline(always)]
fn word_bits8(x: u64) -> u64 {
    let range = |lo: u8, hi: u8| at_least(x, lo) & !at_least(x, hi + 1);
    let word = (range(b'a', b'z') | range(b'0', b'9') | range(b'_', b'_')) & HIGH;
    // Gather each byte's high bit into the low 8 bits: byte k's bit lands on bit 56 + k.
    (word >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56
}

/// The first set bit at or after `pos` in the bit string `m` (bit i of `m[i / 64]`), or
/// `m.len() * 64` when there is none. `flip` reads the complement.
#[inline(always)]
fn next_bit(m: &[u64], pos: usize, flip: u64) -> usize {
    let mut w = pos >> 6;
    let mut bits = (m[w] ^ flip) & (!0u64 << (pos & 63));
    loop {
        if bits != 0 {
            return (w << 6) + bits.trailing_zeros() as usize;
        }
        w += 1;
        if w == m.len() {
            return w << 6;
        }
        bits = m[w] ^ flip;
    }
}

/// The ASCII tokenizer, branch-light: lowercases the whole text at once, classifies it 8 bytes
/// per machine word into a bit string of word characters, drops the one-character runs from it
/// with shifts, then walks token boundaries with `trailing_zeros`. Each token's [`head`] is one
/// masked 8-byte load (the copy is padded so the load never runs off its end).
fn ascii_tokens(bytes: &[u8], buf: &mut Scratch, out: &mut Vec<Span>) {
    let Scratch { lower, word, .. } = buf;
    let n = bytes.len();
    let blocks = n.div_ceil(64);
    lower.clear();
    lower.extend_from_slice(bytes);
    lower.make_ascii_lowercase();
    // Zero padding is not a word character, so no token runs into it.
    lower.resize(blocks * 64 + 8, 0);
    word.clear();
    word.extend(lower[..blocks * 64].chunks_exact(64).map(|block| {
        block
            .chunks_exact(8)
            .enumerate()
            .fold(0u64, |w, (k, b)| w | (word_bits8(head(b)) << (8 * k)))
    }));
    // A word character with no word character on either side is a one-character run: not a
    // token. Neighbours across a 64-bit boundary come from the adjacent words.
    let mut prev = 0u64;
    for k in 0..word.len() {
        let (w, next) = (word[k], word.get(k + 1).map_or(0, |&x| x));
        let left = (w << 1) | (prev >> 63);
        let right = (w >> 1) | (next << 63);
        prev = w;
        word[k] = w & (left | right);
    }
    let mut pos = 0;
    while pos < n {
        let start = next_bit(word, pos, 0);
        if start >= n {
            break;
        }
        let end = next_bit(word, start, !0);
        out.push(Span {
            start,
            end,
            head: head(&lower[start..start + 8]) & (u64::MAX >> (64 - 8 * (end - start).min(8))),
        });
        pos = end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, expected: &[&str]) {
        assert_eq!(tokens(text), expected, "tokens of {text:?}");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1024))]
        /// On ASCII text the bit-mask tokenizer finds the same tokens, with the same heads, as
        /// the character-at-a-time one (texts long enough to cross several 64-byte blocks,
        /// tokens up to 150 bytes).
        #[test]
        fn ascii_path_equals_the_character_path(
            text in "([a-zA-Z0-9_]{0,150}[ -/:-@\\[-^`{-~\t\r\n]{0,3}){0,12}",
        ) {
            let (mut a, mut b) = (Scratch::default(), Scratch::default());
            let (mut sa, mut sb) = (Vec::new(), Vec::new());
            ascii_tokens(text.as_bytes(), &mut a, &mut sa);
            unicode_tokens(&text, &mut b, &mut sb);
            proptest::prop_assert_eq!(&sa, &sb);
            for s in &sa {
                proptest::prop_assert_eq!(&a.lower()[s.start..s.end], &b.lower()[s.start..s.end]);
                proptest::prop_assert_eq!(s.head, head(&a.lower()[s.start..s.end]));
            }
        }
    }

    // Expected values are what scikit-learn 1.9.1 prints for
    // `CountVectorizer().build_analyzer()(text)` on each input.
    #[test]
    fn matches_scikit_learn_analyzer() {
        check("", &[]);
        check("a b c", &[]);
        check("Xi and Biden", &["xi", "and", "biden"]);
        check("US-China ties, 2024!", &["us", "china", "ties", "2024"]);
        check("hi-tech_sector x9 9", &["hi", "tech_sector", "x9"]);
        check(
            "China’s “first red line”",
            &["china", "first", "red", "line"],
        );
        check("Ünïcode ÉTÉ Straße", &["ünïcode", "été", "straße"]);
        check("ΟΔΟΣ end", &["οδος", "end"]);
        check("½½ ²x", &["½½", "²x"]);
        check("tab\there\r\nnew", &["tab", "here", "new"]);
    }
}
