//! Articles on disk and the paragraphs they split into.
//!
//! `data/articles/*.txt` are UTF-8 files; every non-empty line is one paragraph, with trailing
//! whitespace (and `\r`) stripped and the rest kept as written. A paragraph's id is
//! `<file stem>:<1-based line>`, and its fingerprint is the first 16 hex digits of the SHA-256 of
//! its text, so that an edit after labelling is caught. No code names the article files: any
//! `.txt` file in the folder is an article. `labels` joins these paragraphs with their label rows;
//! `check` reports what does not match.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::{Error, Result, decode_utf8_ref, read_file};

/// One paragraph of an article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paragraph {
    /// `<file stem>:<line>`.
    pub id: String,
    /// The article's file stem.
    pub doc: String,
    /// 1-based line number in the article.
    pub line: usize,
    /// The text, trailing whitespace removed.
    pub text: String,
    /// First 16 hex digits of SHA-256 of `text`.
    pub fingerprint: String,
}

/// One article file and its paragraphs.
#[derive(Debug, Clone)]
pub struct Article {
    /// The file stem (name without `.txt`).
    pub stem: String,
    /// Where it was read from.
    pub path: PathBuf,
    /// Its non-empty lines, in order.
    pub paragraphs: Vec<Paragraph>,
}

/// The first 16 hex digits of the SHA-256 of `text`.
pub fn fingerprint(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// Full SHA-256 in hex, for provenance.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The start of `text` for a one-line listing: at most `max` characters, with `…` when cut.
pub fn excerpt(text: &str, max: usize) -> String {
    match text.char_indices().nth(max.saturating_sub(1)) {
        Some((i, _)) if text[i..].chars().nth(1).is_some() => format!("{}…", &text[..i]),
        _ => text.to_owned(),
    }
}

/// Splits an article's text into paragraphs: each non-empty line (after stripping trailing
/// whitespace) is one.
pub fn split_paragraphs(stem: &str, text: &str) -> Vec<Paragraph> {
    text.split('\n')
        .enumerate()
        .filter_map(|(i, line)| {
            let line = line.trim_end();
            (!line.is_empty()).then(|| Paragraph {
                id: format!("{stem}:{}", i + 1),
                doc: stem.to_owned(),
                line: i + 1,
                fingerprint: fingerprint(line),
                text: line.to_owned(),
            })
        })
        .collect()
}

/// The longest paragraph (one line of an article, or one text of a corpus CSV) accepted, in bytes.
/// Longer ones are refused with a message rather than tokenized and shingled: a paragraph this
/// long is almost certainly a file with the wrong line endings or not text at all.
pub const MAX_PARAGRAPH_BYTES: usize = 8 << 20;

/// The message for a paragraph longer than [`MAX_PARAGRAPH_BYTES`].
pub fn too_long(len: usize) -> String {
    format!(
        "paragraph is {len} bytes, longer than the limit of {MAX_PARAGRAPH_BYTES} bytes (8 MiB): split it into paragraphs of one line each"
    )
}

/// Decodes an article's bytes (read from `path`, which names it in messages) and splits it into
/// paragraphs: [`split_paragraphs`] with UTF-8 and length checks. The entry point for fuzzing.
pub fn parse_article(path: &Path, stem: &str, bytes: &[u8]) -> Result<Vec<Paragraph>> {
    let text = decode_utf8_ref(path, bytes)?;
    if let Some((i, line)) = text
        .split('\n')
        .enumerate()
        .find(|(_, l)| l.trim_end().len() > MAX_PARAGRAPH_BYTES)
    {
        return Err(Error::input(path, i + 1, too_long(line.trim_end().len())));
    }
    let paragraphs = split_paragraphs(stem, text);
    if paragraphs.is_empty() {
        return Err(Error::input(
            path,
            0,
            "article is empty (no non-blank line): add its text, one paragraph per line, or delete the file",
        ));
    }
    Ok(paragraphs)
}

/// Reads one article file.
pub fn read_article(path: &Path) -> Result<Article> {
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .ok_or_else(|| Error::input(path, 0, "article file name is not valid UTF-8: rename it"))?
        .to_owned();
    let paragraphs = parse_article(path, &stem, &read_file(path)?)?;
    Ok(Article {
        stem,
        path: path.to_owned(),
        paragraphs,
    })
}

/// The `.txt` files of an article folder, sorted by name.
pub fn article_paths(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, "cannot list articles", e))?;
    let mut paths = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|e| Error::io(dir, "cannot list articles", e))?
            .path();
        // A `.txt` that is not a file (a folder) is kept, so that reading it reports it.
        if path.extension().is_some_and(|e| e == "txt") {
            paths.push(path);
        }
    }
    paths.sort();
    Ok(paths)
}

/// Reads every article in `dir` (sorted by file name). Fails on the first unreadable one; `check`
/// uses [`article_paths`] and [`read_article`] to report them all.
pub fn read_articles(dir: &Path) -> Result<Vec<Article>> {
    article_paths(dir)?
        .iter()
        .map(|p| read_article(p))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, expected: &[(usize, &str)]) {
        let got: Vec<(usize, String)> = split_paragraphs("doc", text)
            .into_iter()
            .map(|p| (p.line, p.text))
            .collect();
        let expected: Vec<(usize, String)> =
            expected.iter().map(|&(l, t)| (l, t.to_owned())).collect();
        assert_eq!(got, expected, "paragraphs of {text:?}");
    }

    #[test]
    fn splits_non_empty_lines() {
        check("", &[]);
        check("one", &[(1, "one")]);
        check("one\n\ntwo\n", &[(1, "one"), (3, "two")]);
        check("a\r\nb \t\r\n\r\n  c", &[(1, "a"), (2, "b"), (4, "  c")]);
        check(" \n\t\n", &[]);
    }

    #[test]
    fn excerpts_cut_at_characters_not_bytes() {
        assert_eq!(excerpt("short", 10), "short");
        assert_eq!(excerpt("exactly10!", 10), "exactly10!");
        assert_eq!(excerpt("eleven char", 10), "eleven ch…");
        assert_eq!(excerpt("ééééé", 3), "éé…");
        assert_eq!(excerpt("", 3), "");
    }

    #[test]
    fn ids_and_fingerprints() {
        let p = &split_paragraphs("000_x", "\n\nhello")[0];
        assert_eq!(p.id, "000_x:3");
        // printf 'hello' | sha256sum -> 2cf24dba5fb0a30e26e83b2ac5b9e29e...
        assert_eq!(p.fingerprint, "2cf24dba5fb0a30e");
    }

    mod props {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(256))]

            #[test]
            fn any_bytes_give_paragraphs_or_an_error(
                bytes in prop::collection::vec(any::<u8>(), 0..2000),
            ) {
                let _ = parse_article(Path::new("a.txt"), "a", &bytes);
            }

            /// Every paragraph is the trimmed, non-blank line it names, in order; blank lines
            /// give none.
            #[test]
            fn paragraphs_are_the_non_blank_lines(text in "[a é\t\r\n\u{feff}]{0,120}") {
                let lines: Vec<&str> = text.split('\n').collect();
                let ps = split_paragraphs("d", &text);
                let non_blank = lines.iter().filter(|l| !l.trim_end().is_empty()).count();
                prop_assert_eq!(ps.len(), non_blank);
                let mut last = 0;
                for p in &ps {
                    prop_assert!(p.line > last);
                    last = p.line;
                    prop_assert_eq!(p.text.as_str(), lines[p.line - 1].trim_end());
                    prop_assert!(!p.text.is_empty());
                    prop_assert_eq!(&p.id, &format!("d:{}", p.line));
                    prop_assert_eq!(&p.fingerprint, &fingerprint(&p.text));
                }
            }
        }
    }
}
