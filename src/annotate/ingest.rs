//! `ingest`: copies a new article into `data/articles/` so that `label` can offer its paragraphs.
//!
//! The file must be UTF-8 (a byte-order mark is dropped; anything else invalid is refused with
//! the byte offset) and have at least one non-empty line. Its name is normalized
//! ([`normalized_stem`]) so that paragraph ids (`<stem>:<line>`) are plain ASCII without `:`; an
//! existing article is never replaced, because label rows refer to its lines. Paragraphs come from
//! `articles::split_paragraphs`, the same rule `check` and `eval` use. The write is atomic
//! (`fsutil::write_new_atomic`).

use std::path::{Path, PathBuf};

use crate::data::articles::{self, Paragraph};
use crate::data::dataset::Project;
use crate::error::{Error, Result, decode_utf8, read_file};
use crate::fsutil::write_new_atomic;

/// A newly ingested article.
#[derive(Debug, Clone)]
pub struct Ingested {
    /// Where it was written (`data/articles/<stem>.txt`).
    pub path: PathBuf,
    /// Its paragraphs, as `label` and `check` will see them.
    pub paragraphs: Vec<Paragraph>,
}

/// The article name for a file name: a trailing `.txt` (any case) dropped, lowercased, every run
/// of characters other than ASCII letters and digits turned into one `_`, leading and trailing `_`
/// trimmed. `None` when nothing is left.
///
/// `"Reuters Story (2).TXT"` → `reuters_story_2`; `"notes.md"` → `notes_md`.
pub fn normalized_stem(file_name: &str) -> Option<String> {
    let base = match file_name.len().checked_sub(4) {
        Some(i) if file_name.is_char_boundary(i) && file_name[i..].eq_ignore_ascii_case(".txt") => {
            &file_name[..i]
        }
        _ => file_name,
    };
    let mut stem = String::new();
    for c in base.chars() {
        if c.is_ascii_alphanumeric() {
            stem.push(c.to_ascii_lowercase());
        } else if !stem.is_empty() && !stem.ends_with('_') {
            stem.push('_');
        }
    }
    let stem = stem.trim_end_matches('_');
    (!stem.is_empty()).then(|| stem.to_owned())
}

/// Copies the article at `source` into the project's article folder under its normalized name.
pub fn ingest(project: &Project, source: &Path) -> Result<Ingested> {
    if !source.exists() {
        return Err(Error::input(
            source,
            0,
            "no such file: give the path of the article's text file",
        ));
    }
    let bytes = read_file(source)?;
    let text = decode_utf8(source, bytes)?;
    let file_name = source
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = normalized_stem(&file_name).ok_or_else(|| {
        Error::input(
            source,
            0,
            "the file name has no letters or digits to name the article by: rename it",
        )
    })?;
    let paragraphs = articles::split_paragraphs(&stem, &text);
    if paragraphs.is_empty() {
        return Err(Error::input(
            source,
            0,
            "no paragraphs: every line is empty (an article has one paragraph per line)",
        ));
    }
    let path = project.articles_dir().join(format!("{stem}.txt"));
    if path.exists() {
        return Err(Error::input(
            &path,
            0,
            format!(
                "already exists, and ingest never replaces an article (its label rows refer to its lines): rename {} if it is a different article; to change the existing one, edit it and run `topicbench label`",
                source.display()
            ),
        ));
    }
    write_new_atomic(&path, text.as_bytes())?;
    Ok(Ingested { path, paragraphs })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_normalized() {
        let cases = [
            ("005_mysource.txt", Some("005_mysource")),
            ("Reuters Story (2).TXT", Some("reuters_story_2")),
            ("notes.md", Some("notes_md")),
            ("--Café: été--.txt", Some("caf_t")),
            ("a:b.txt", Some("a_b")),
            (".txt", None),
            ("é.txt", None),
            ("txt", Some("txt")),
        ];
        for (name, want) in cases {
            assert_eq!(normalized_stem(name).as_deref(), want, "{name:?}");
        }
    }
}
