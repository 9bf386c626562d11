//! The labelled dataset every other stage works from: paragraphs (or documents) with their kind,
//! topic ids, near-duplicate group and text, plus the topic list and provenance hashes.
//!
//! Two sources build it: the project's `data/articles/` + `labels/` (through `check`, which
//! refuses a corpus with errors) and a user's `id,text,labels,split` CSV (`csv_corpus`). After
//! this point nothing looks at paths; topics are ids `0..topics.len()` in topics.csv order.

use std::path::{Path, PathBuf};

use crate::data::labels::{Kind, Topic};

/// Where a project keeps its files.
#[derive(Debug, Clone)]
pub struct Project {
    /// The project root (holds `data/`, `labels/`, `reports/`).
    pub root: PathBuf,
}

impl Project {
    /// A project rooted at `root`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Project { root: root.into() }
    }
    /// `data/articles/`.
    pub fn articles_dir(&self) -> PathBuf {
        self.root.join("data").join("articles")
    }
    /// `labels/topics.csv`.
    pub fn topics_path(&self) -> PathBuf {
        self.root.join("labels").join("topics.csv")
    }
    /// `labels/paragraphs.csv`.
    pub fn paragraphs_path(&self) -> PathBuf {
        self.root.join("labels").join("paragraphs.csv")
    }
    /// `labels/annotators/`: one label file per annotator.
    pub fn annotators_dir(&self) -> PathBuf {
        self.root.join("labels").join("annotators")
    }
    /// `labels/annotators/<name>.csv`.
    pub fn annotator_path(&self, name: &str) -> PathBuf {
        self.annotators_dir().join(format!("{name}.csv"))
    }
    /// `reports/`.
    pub fn reports_dir(&self) -> PathBuf {
        self.root.join("reports")
    }
}

/// A labelled paragraph or document.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// Paragraph id (`<stem>:<line>`) or the CSV's `id`.
    pub id: String,
    /// The article (file stem) it comes from; for CSV corpora, the id itself.
    pub doc: String,
    /// Line in the article (0 for CSV corpora).
    pub line: usize,
    /// Kind (CSV documents are all `body`).
    pub kind: Kind,
    /// Topic ids, ascending.
    pub topics: Vec<usize>,
    /// Near-duplicate group: index of the group's first item.
    pub group: usize,
    /// The text.
    pub text: String,
    /// For CSV corpora with a `split` column: whether the row is a test row.
    pub is_test: Option<bool>,
}

/// Characters of each text kept by [`Dataset::release_texts`]: one more than the longest excerpt
/// a report shows (100), so that an excerpt knows whether the text went on.
pub const KEPT_CHARS: usize = 101;

/// A labelled corpus, ready for evaluation.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// Short name for reports (`articles` or the CSV file stem).
    pub name: String,
    /// Topics in file order; ids are indices.
    pub topics: Vec<Topic>,
    /// All items, in corpus order.
    pub items: Vec<Item>,
    /// SHA-256 of the text (article files, or the CSV file).
    pub corpus_sha256: String,
    /// SHA-256 of the label files (empty for CSV corpora, whose labels are inline).
    pub labels_sha256: String,
    /// Jaccard threshold the groups were built with.
    pub group_threshold: f64,
    /// How the near-duplicate pairs were found: `exact` or `minhash` (`auto` resolved); empty
    /// when the documents were not grouped.
    pub group_method: &'static str,
}

impl Dataset {
    /// Indices of the body items (the ones evaluation uses).
    pub fn body(&self) -> Vec<usize> {
        (0..self.items.len())
            .filter(|&i| self.items[i].kind == Kind::Body)
            .collect()
    }

    /// Cuts every text to its first [`KEPT_CHARS`] characters, enough for any excerpt a report
    /// shows, and frees the rest. Called by the evaluation once the texts are tokenized; after
    /// it, `text` is an excerpt's source, not the text.
    pub fn release_texts(&mut self) {
        for it in &mut self.items {
            if let Some((cut, _)) = it.text.char_indices().nth(KEPT_CHARS) {
                it.text = it.text[..cut].to_owned();
            }
        }
    }

    /// Topic ids as strings, in order.
    pub fn topic_ids(&self) -> Vec<String> {
        self.topics.iter().map(|t| t.id.clone()).collect()
    }

    /// The group id of an item as a readable string: its group's first item id.
    pub fn group_name(&self, item: usize) -> &str {
        &self.items[self.items[item].group].id
    }

    /// Groups with more than one member, each as sorted item indices, in order of first member.
    pub fn multi_groups(&self) -> Vec<Vec<usize>> {
        let mut by_root: std::collections::BTreeMap<usize, Vec<usize>> = Default::default();
        for (i, it) in self.items.iter().enumerate() {
            by_root.entry(it.group).or_default().push(i);
        }
        by_root.into_values().filter(|g| g.len() > 1).collect()
    }
}

/// Path of a file for messages: relative to `root` when inside it.
pub fn display_path(root: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(root)
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn released_texts_keep_every_excerpt() {
        let long = "é".repeat(KEPT_CHARS + 40);
        let texts = [
            "",
            "short",
            &long[..2 * KEPT_CHARS],
            &long[..2 * (KEPT_CHARS - 1)],
            &long,
        ];
        let mut ds = Dataset {
            name: String::new(),
            topics: Vec::new(),
            items: texts
                .iter()
                .map(|t| Item {
                    id: String::new(),
                    doc: String::new(),
                    line: 0,
                    kind: Kind::Body,
                    topics: Vec::new(),
                    group: 0,
                    text: (*t).to_owned(),
                    is_test: None,
                })
                .collect(),
            corpus_sha256: String::new(),
            labels_sha256: String::new(),
            group_threshold: 0.3,
            group_method: "exact",
        };
        ds.release_texts();
        for (it, t) in ds.items.iter().zip(texts) {
            assert!(it.text.chars().count() <= KEPT_CHARS);
            for max in [1, 70, 90, KEPT_CHARS - 1] {
                assert_eq!(
                    crate::data::articles::excerpt(&it.text, max),
                    crate::data::articles::excerpt(t, max)
                );
            }
        }
    }
}
