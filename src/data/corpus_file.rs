//! A user's corpus file, in any of the formats people export: CSV (`csv_corpus`), JSON Lines
//! (`jsonl_corpus`) or Parquet (`parquet_corpus`), with an optional second file of test rows.
//!
//! This module picks the format (from the extension, or `--format`), finds the columns by name
//! (`Columns`: `text`, `labels` or `label`, optional `id` and `split`, or the names given with
//! `--*-column`), reads a labels cell (`;`-joined names, or a Python/JSON list), and turns the
//! rows every reader returns into the [`Dataset`] the rest of the program sees: ids (the 1-based
//! row number where there is no id column), topics (the distinct labels, sorted), near-duplicate
//! groups. Errors name the file and line (or row, for Parquet) and say what to do.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use rustc_hash::FxHashMap;

use crate::data::articles::{excerpt, sha256_hex};
use crate::data::dataset::{Dataset, Item};
use crate::data::groups;
use crate::data::labels::{Kind, Topic};
use crate::error::{Error, Result, read_file};

/// The file formats a corpus may come in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated values with a header row.
    Csv,
    /// One JSON object per line.
    Jsonl,
    /// Apache Parquet (as pandas, pyarrow and Hugging Face `datasets` write it).
    Parquet,
}

/// The formats and extensions accepted, for messages.
pub const ACCEPTED: &str = "CSV (.csv), JSON Lines (.jsonl, .ndjson) and Parquet (.parquet)";

impl Format {
    /// The format a file's extension names (`.csv`, `.jsonl`/`.ndjson`, `.parquet`/`.pq`);
    /// CSV for any other name.
    pub fn from_path(path: &Path) -> Format {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("jsonl" | "ndjson") => Format::Jsonl,
            Some("parquet" | "pq") => Format::Parquet,
            _ => Format::Csv,
        }
    }
}

/// Which columns (or JSON fields) hold what; `None` takes the default name.
#[derive(Debug, Clone, Default)]
pub struct Columns {
    /// The text column (default `text`).
    pub text: Option<String>,
    /// The labels column (default `labels`, else `label`).
    pub labels: Option<String>,
    /// The id column (default `id` where there is one; without it ids are row numbers).
    pub id: Option<String>,
    /// The split column (default `split` where there is one).
    pub split: Option<String>,
}

/// Where each field is among a file's columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// Index of the text column.
    pub text: usize,
    /// Index of the labels column.
    pub labels: usize,
    /// Index of the id column, if any.
    pub id: Option<usize>,
    /// Index of the split column, if any.
    pub split: Option<usize>,
    /// The other columns' names (pandas' unnamed index column left out), ignored.
    pub ignored: Vec<String>,
}

/// True for the column pandas writes for its index (`df.to_csv()`): an empty name, or
/// `Unnamed: 0` as pandas reads it back, or `__index_level_0__` as pyarrow stores it.
fn is_pandas_index(name: &str) -> bool {
    name.is_empty() || name.starts_with("Unnamed: ") || name.starts_with("__index_level_")
}

impl Columns {
    /// Finds the columns in `names` (a header, a record's keys, a schema's fields). The message
    /// says which is missing and what to do.
    pub fn resolve(&self, names: &[&str]) -> std::result::Result<Layout, String> {
        // pandas' unnamed index column has an empty name: say so rather than print ``.
        let listing = || {
            names
                .iter()
                .map(|n| match n.trim() {
                    "" => "(an unnamed column)".to_owned(),
                    n => format!("`{}`", excerpt(n, 40)),
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        let find = |n: &str| names.iter().position(|c| c.trim() == n);
        let pick =
            |given: &Option<String>, flag: &str| -> std::result::Result<Option<usize>, String> {
                match given {
                    Some(n) => find(n).map(Some).ok_or_else(|| {
                        format!(
                            "unknown --{flag}-column `{n}`: the columns are {}; give one of them",
                            listing()
                        )
                    }),
                    None => Ok(None),
                }
            };
        let text = match pick(&self.text, "text")? {
            Some(i) => i,
            None => find("text").ok_or_else(|| {
                format!(
                    "no `text` column (the columns are {}): name the column of texts `text` or give --text-column NAME",
                    listing()
                )
            })?,
        };
        let labels = match pick(&self.labels, "labels")? {
            Some(i) => i,
            None => find("labels").or_else(|| find("label")).ok_or_else(|| {
                format!(
                    "no `labels` or `label` column (the columns are {}): name the column of labels `labels` or give --labels-column NAME",
                    listing()
                )
            })?,
        };
        let id = match pick(&self.id, "id")? {
            Some(i) => Some(i),
            None => find("id"),
        };
        let split = match pick(&self.split, "split")? {
            Some(i) => Some(i),
            None => find("split"),
        };
        let used = [Some(text), Some(labels), id, split];
        for (a, x) in used.iter().enumerate() {
            if x.is_some() && used[..a].contains(x) {
                return Err(format!(
                    "column `{}` is named for two fields: give each of --text-column, --labels-column, --id-column and --split-column its own column",
                    names[x.unwrap_or(0)]
                ));
            }
        }
        let ignored = names
            .iter()
            .enumerate()
            .filter(|(i, n)| !used.contains(&Some(*i)) && !is_pandas_index(n))
            .map(|(_, n)| (*n).to_owned())
            .collect();
        Ok(Layout {
            text,
            labels,
            id,
            split,
            ignored,
        })
    }
}

/// A corpus to load: the file, its format, column names and an optional file of test rows.
#[derive(Debug, Clone)]
pub struct Source {
    /// The corpus file (its rows are training rows when `test` is given).
    pub path: PathBuf,
    /// The format; `None` follows the extension.
    pub format: Option<Format>,
    /// Column names.
    pub columns: Columns,
    /// A second file whose rows are all test rows (as Hugging Face ships train and test).
    pub test: Option<PathBuf>,
}

impl Source {
    /// A corpus file with the default columns, format from its extension.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Source {
            path: path.into(),
            format: None,
            columns: Columns::default(),
            test: None,
        }
    }
}

/// One row as a reader returns it.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The id, where the file has an id column.
    pub id: Option<String>,
    /// Line (CSV, JSON Lines) or 1-based row number (Parquet) where the row starts.
    pub line: usize,
    /// The text.
    pub text: String,
    /// Label names, as written.
    pub labels: Vec<String>,
    /// `Some(true)` for a test row, `Some(false)` for a training row, `None` without a split.
    pub split: Option<bool>,
}

/// What a reader returns: the rows in file order and notes for the user (columns ignored).
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    /// The rows, in file order.
    pub rows: Vec<Row>,
    /// Notes such as the columns that were ignored.
    pub notes: Vec<String>,
}

/// The note listing ignored columns, if any.
pub fn ignored_note(path: &Path, layout: &Layout) -> Option<String> {
    (!layout.ignored.is_empty()).then(|| {
        format!(
            "{}: ignored column(s) {}",
            path.display(),
            layout
                .ignored
                .iter()
                .map(|n| format!("`{}`", excerpt(n, 40)))
                .collect::<Vec<_>>()
                .join(", ")
        )
    })
}

/// A `split` cell: `train`, `test` (any case, surrounding spaces ignored), or the message.
pub fn split_value(cell: &str) -> std::result::Result<bool, String> {
    match cell.trim().to_ascii_lowercase().as_str() {
        "train" => Ok(false),
        "test" => Ok(true),
        _ => Err(format!(
            "split is `{}`: use `train` or `test`",
            excerpt(cell.trim(), 40)
        )),
    }
}

/// The label names in one labels cell: names joined by `;` (blank ones dropped), or, for a cell
/// that looks like a list (starts with `[`), the quoted strings of a Python or JSON list such as
/// `['barley', 'corn']`. A list-looking cell that is not a list of quoted strings is refused:
/// taking it as one topic name would make a topic per distinct list.
pub fn labels_from_cell(cell: &str) -> std::result::Result<Vec<String>, String> {
    let t = cell.trim();
    if !t.starts_with('[') {
        return Ok(t
            .split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect());
    }
    t.strip_suffix(']').and_then(|t| parse_list(&t[1..])).ok_or_else(|| {
        format!(
            "labels `{}` look like a list but are not a list of quoted names: write the names joined by `;` (`a;b`) or as a list of quoted strings (`['a', 'b']`)",
            excerpt(t, 60)
        )
    })
}

/// The quoted strings of a list's inside (`'a', "b",`), or None when it is not one.
fn parse_list(inner: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut chars = inner.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let Some(quote) = chars.next() else {
            return Some(out);
        };
        if quote != '\'' && quote != '"' {
            return None;
        }
        let mut s = String::new();
        loop {
            match chars.next()? {
                '\\' => match chars.next()? {
                    'n' => s.push('\n'),
                    't' => s.push('\t'),
                    c => s.push(c),
                },
                c if c == quote => break,
                c => s.push(c),
            }
        }
        let name = s.trim();
        if !name.is_empty() {
            out.push(name.to_owned());
        }
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        match chars.next() {
            None => return Some(out),
            Some(',') => {}
            Some(_) => return None,
        }
    }
}

/// Reads the bytes of a file in `format` into rows.
fn parse_rows(path: &Path, bytes: &[u8], format: Format, columns: &Columns) -> Result<Parsed> {
    match format {
        Format::Csv => crate::data::csv_corpus::parse_rows(path, bytes, columns),
        Format::Jsonl => crate::data::jsonl_corpus::parse_rows(path, bytes, columns),
        Format::Parquet => crate::data::parquet_corpus::parse_rows(path, bytes, columns),
    }
}

/// What a long load reports: (stage, done, total), stages `reading` and `grouping`.
pub type Progress<'a> = &'a (dyn Fn(&'static str, u64, u64) + Sync);

/// Loads a corpus: reads and hashes its file(s), parses the rows, builds the dataset.
/// `group_threshold` = None skips near-duplicate grouping (every document is its own group);
/// otherwise the method is chosen by size ([`groups::Method::Auto`]). Returns the notes (ignored
/// columns) with it.
pub fn load(source: &Source, group_threshold: Option<f64>) -> Result<(Dataset, Vec<String>)> {
    load_with(
        source,
        group_threshold.map(|t| (t, groups::Method::Auto)),
        &|_, _, _| {},
    )
}

/// [`load`] with the grouping method and a progress callback. Each file's bytes are dropped as
/// soon as its rows are parsed, and the rows' texts move into the dataset, so no copy of the
/// text outlives the parse.
pub fn load_with(
    source: &Source,
    grouping: Option<(f64, groups::Method)>,
    progress: Progress,
) -> Result<(Dataset, Vec<String>)> {
    let read = |path: &Path| -> Result<(String, Parsed)> {
        let bytes = read_file(path)?;
        let len = bytes.len() as u64;
        progress("reading", 0, len);
        let format = source.format.unwrap_or_else(|| Format::from_path(path));
        // Hash while the rows are parsed (the hash is ~20 ms for a 36 MB corpus).
        let (sha, parsed) = rayon::join(
            || sha256_hex(&bytes),
            || parse_rows(path, &bytes, format, &source.columns),
        );
        drop(bytes);
        progress("reading", len, len);
        Ok((sha, parsed?))
    };
    let (sha, main) = read(&source.path)?;
    let mut notes = main.notes;
    let (sha, test) = match &source.test {
        None => (sha, None),
        Some(test_path) => {
            let (test_sha, test) = read(test_path)?;
            notes.extend(test.notes);
            // Both files' contents decide the results: hash the two hashes.
            (
                sha256_hex(format!("{sha}\n{test_sha}\n").as_bytes()),
                Some((test_path.as_path(), test.rows)),
            )
        }
    };
    let mut ds = build(&source.path, main.rows, test, None)?;
    ds.corpus_sha256 = sha;
    if let Some((t, method)) = grouping {
        let texts: Vec<&str> = ds.items.iter().map(|i| i.text.as_str()).collect();
        let texts_len = texts.len();
        let group = groups::groups(&texts, t, method, &|d, n| progress("grouping", d, n));
        for (item, g) in ds.items.iter_mut().zip(group) {
            item.group = g;
        }
        ds.group_threshold = t;
        ds.group_method = method.resolve(texts_len).name();
    }
    Ok((ds, notes))
}

/// Builds the dataset from the rows of `path` (and the test rows of a second file): ids, topics,
/// groups. The checks that need every row: unique ids, at least one row and one label.
pub fn build(
    path: &Path,
    rows: Vec<Row>,
    test: Option<(&Path, Vec<Row>)>,
    group_threshold: Option<f64>,
) -> Result<Dataset> {
    if rows.is_empty() {
        return Err(Error::input(
            path,
            0,
            "no rows after the header: add documents",
        ));
    }
    // (file, row): the training file's rows, then the test file's.
    let mut all: Vec<(&Path, Row)> = Vec::with_capacity(rows.len());
    for (n, mut row) in rows.into_iter().enumerate() {
        if test.is_some() {
            if row.split == Some(true) {
                return Err(Error::input(
                    path,
                    row.line,
                    "a `test` row, and --test-corpus gives the test rows too: use either a split column or --test-corpus",
                ));
            }
            row.split = Some(false);
        }
        row.id.get_or_insert_with(|| (n + 1).to_string());
        all.push((path, row));
    }
    if let Some((test_path, test_rows)) = test {
        if test_rows.is_empty() {
            return Err(Error::input(
                test_path,
                0,
                "no rows after the header: add documents",
            ));
        }
        for (n, mut row) in test_rows.into_iter().enumerate() {
            row.split = Some(true);
            row.id.get_or_insert_with(|| format!("test:{}", n + 1));
            all.push((test_path, row));
        }
    }
    let mut seen: FxHashMap<&str, usize> = FxHashMap::default();
    for (file, row) in &all {
        let id = row.id.as_deref().unwrap_or("");
        if let Some(first) = seen.insert(id, row.line) {
            return Err(Error::input(
                file,
                row.line,
                format!("duplicate id `{id}` (first at line {first}): ids must be unique"),
            ));
        }
    }
    let names: BTreeSet<&str> = all
        .iter()
        .flat_map(|(_, r)| r.labels.iter().map(String::as_str))
        .collect();
    if names.is_empty() {
        return Err(Error::input(
            path,
            0,
            "no document has a label: fill the `labels` column (names joined by `;`)",
        ));
    }
    let topic_index: HashMap<String, usize> = names
        .iter()
        .enumerate()
        .map(|(i, n)| ((*n).to_owned(), i))
        .collect();
    let group: Option<Vec<usize>> = group_threshold.map(|t| {
        let texts: Vec<&str> = all.iter().map(|(_, r)| r.text.as_str()).collect();
        groups::near_duplicate_groups(&texts, t)
    });
    let topics: Vec<Topic> = names
        .iter()
        .map(|n| Topic {
            id: (*n).to_owned(),
            name: (*n).to_owned(),
            description: String::new(),
        })
        .collect();
    drop(seen);
    let items = all
        .into_iter()
        .enumerate()
        .map(|(i, (_, row))| {
            let mut topics: Vec<usize> =
                row.labels.iter().map(|l| topic_index[l.as_str()]).collect();
            topics.sort_unstable();
            topics.dedup();
            let id = row.id.clone().unwrap_or_default();
            Item {
                doc: id.clone(),
                id,
                line: row.line,
                kind: Kind::Body,
                topics,
                group: group.as_ref().map_or(i, |g| g[i]),
                text: row.text,
                is_test: row.split,
            }
        })
        .collect();
    Ok(Dataset {
        name: path
            .file_stem()
            .map_or("corpus".into(), |s| s.to_string_lossy().into_owned()),
        topics,
        items,
        corpus_sha256: String::new(),
        labels_sha256: String::new(),
        group_threshold: group_threshold.unwrap_or(f64::NAN),
        group_method: if group_threshold.is_some() {
            "exact"
        } else {
            ""
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unnamed_column_is_named_as_such() {
        let e = Columns::default()
            .resolve(&["", "body", "label"])
            .unwrap_err();
        assert_eq!(
            e,
            "no `text` column (the columns are (an unnamed column), `body`, `label`): name the column of texts `text` or give --text-column NAME"
        );
    }

    #[test]
    fn labels_cells_are_joined_names_or_lists() {
        let ok = |cell: &str, want: &[&str]| {
            assert_eq!(labels_from_cell(cell).unwrap(), want, "{cell:?}");
        };
        ok("", &[]);
        ok(" a ; b;;", &["a", "b"]);
        ok("['barley', 'corn']", &["barley", "corn"]);
        ok("[\"barley\",\"corn\"]", &["barley", "corn"]);
        ok("[]", &[]);
        ok("['it\\'s', \"a,b\",]", &["it's", "a,b"]);
        for bad in ["[1, 2]", "[barley]", "['a' 'b']", "['open]", "[a;b]"] {
            let e = labels_from_cell(bad).unwrap_err();
            assert!(e.contains("look like a list"), "{bad:?}: {e}");
        }
    }

    #[test]
    fn columns_are_found_by_name_in_any_order() {
        let c = Columns::default();
        let l = c.resolve(&["", "label", "x", "text"]).unwrap();
        assert_eq!(
            (l.text, l.labels, l.id, l.split, l.ignored),
            (3, 1, None, None, vec!["x".to_owned()])
        );
        let l = c.resolve(&["split", "labels", "text", "id"]).unwrap();
        assert_eq!((l.text, l.labels, l.id, l.split), (2, 1, Some(3), Some(0)));
        assert!(c.resolve(&["body", "labels"]).unwrap_err().starts_with(
            "no `text` column (the columns are `body`, `labels`): name the column of texts `text` or give --text-column NAME"
        ));
        let c = Columns {
            text: Some("body".into()),
            labels: Some("topic".into()),
            ..Columns::default()
        };
        assert_eq!(c.resolve(&["topic", "body"]).unwrap().text, 1);
        assert_eq!(
            c.resolve(&["topics", "body"]).unwrap_err(),
            "unknown --labels-column `topic`: the columns are `topics`, `body`; give one of them"
        );
    }
}
