//! Tokenizer: lowercase, then every maximal run of two or more word characters is a token.
//!
//! This is scikit-learn's `CountVectorizer` default, `lowercase=True` with the pattern
//! `(?u)\b\w\w+\b`, so that counts can be checked against it. A word character is what Python's
//! `re` calls `\w`: a Unicode letter or number, or `_`. Rust's `char::is_alphanumeric` is used for
//! that; it differs from Python only on combining vowel signs (Unicode `Other_Alphabetic`, e.g. in
//! Devanagari), which Rust counts as part of a word and Python does not. `features` builds counts
//! from these tokens and `groups` builds shingles from them.

/// Calls `f` on every token of `text`, in order. `buf` is scratch space reused across calls so
/// that the ASCII path allocates nothing per token.
pub fn for_each_token(text: &str, buf: &mut String, mut f: impl FnMut(&str)) {
    for_each_token_bytes(text, buf, |t| {
        // Tokens are whole UTF-8 sequences cut at character boundaries.
        f(std::str::from_utf8(t).unwrap_or_default())
    });
}

/// [`for_each_token`] giving each token as UTF-8 bytes (what the interner hashes), without
/// re-validating ASCII tokens.
pub fn for_each_token_bytes(text: &str, buf: &mut String, mut f: impl FnMut(&[u8])) {
    if text.is_ascii() {
        ascii_tokens(text.as_bytes(), buf, &mut f);
    } else {
        // Lowercase the whole text first, as Python does, so that context-dependent mappings
        // (final sigma) match; then scan characters.
        let lower = text.to_lowercase();
        let mut start = None;
        let mut chars = 0usize;
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
                f(&lower.as_bytes()[s..i]);
            }
        }
        if let Some(s) = start
            && chars >= 2
        {
            f(&lower.as_bytes()[s..]);
        }
    }
}

/// Returns the tokens of `text` as owned strings (convenience for tests and small inputs).
pub fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut buf = String::new();
    for_each_token(text, &mut buf, |t| out.push(t.to_owned()));
    out
}

fn is_word(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

/// ASCII word characters (`a-z`, `A-Z`, `0-9`, `_`); every other byte, non-ASCII included, is
/// false (non-ASCII text never reaches the ASCII path).
const ASCII_WORD: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric() || c == b'_';
        b += 1;
    }
    t
};

fn ascii_tokens(bytes: &[u8], buf: &mut String, f: &mut impl FnMut(&[u8])) {
    let mut rest = bytes;
    while let Some(start) = rest.iter().position(|&b| ASCII_WORD[usize::from(b)]) {
        rest = &rest[start..];
        let len = rest
            .iter()
            .position(|&b| !ASCII_WORD[usize::from(b)])
            .unwrap_or(rest.len());
        let (word, after) = rest.split_at(len);
        rest = after;
        if len >= 2 {
            if word.iter().any(u8::is_ascii_uppercase) {
                buf.clear();
                buf.extend(word.iter().map(|b| b.to_ascii_lowercase() as char));
                f(buf.as_bytes());
            } else {
                f(word);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::tokens;

    fn check(text: &str, expected: &[&str]) {
        assert_eq!(tokens(text), expected, "tokens of {text:?}");
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
