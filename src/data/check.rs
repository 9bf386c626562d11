//! `check`: validates `data/articles/` against `labels/` and builds the [`Dataset`].
//!
//! Every problem is collected (not just the first) as a `path:line: message` diagnostic. Errors
//! make the corpus unusable: a non-UTF-8 article, a label row for a paragraph that does not exist,
//! a paragraph with no row, a duplicate row, an unknown topic or kind, a fingerprint mismatch,
//! malformed CSV, an empty or duplicate-id topics.csv. Warnings do not: near-duplicates whose
//! labels differ, a topic with fewer body paragraphs than the default number of folds, a text
//! column that no longer matches the article. `eval`, `dataset` and `stats` all load through here.
//!
//! Annotator files (`labels/annotators/<name>.csv`, written by `label --annotator`) are checked by
//! the same row rules ([`check_rows`]), except that a paragraph without a row is fine there;
//! [`load_annotators`] loads them for `agree`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::data::articles::{self, Paragraph};
use crate::data::dataset::{Dataset, Item, Project};
use crate::data::groups;
use crate::data::labels::{self, Diagnostics, Kind, LabelRow, Labels, Topic};
use crate::error::{Error, Result};

/// Default number of cross-validation folds (a topic with fewer body paragraphs gets a warning).
pub const DEFAULT_FOLDS: usize = 5;

/// The articles' paragraphs and the topic list: what every label file is checked against.
#[derive(Debug, Clone)]
pub struct Sources {
    /// Topics in topics.csv order; topic ids are indices.
    pub topics: Vec<Topic>,
    /// Every paragraph of every article, in article (file name) order, then line order.
    pub paragraphs: Vec<Paragraph>,
    /// Article names and paragraphs, hashed into the dataset's provenance.
    corpus_bytes: Vec<u8>,
    /// Stems of the articles that could not be read: their label rows are not reported as
    /// orphans too (one cause, one message).
    unreadable: Vec<String>,
    /// The articles folder itself could not be listed: no label row is reported as an orphan.
    articles_unlisted: bool,
}

/// Reads `labels/topics.csv` and every article, recording each problem in `d`.
pub fn read_sources(project: &Project, d: &mut Diagnostics) -> Sources {
    let topics = labels::read_topics(&project.topics_path(), d);
    let mut paragraphs: Vec<Paragraph> = Vec::new();
    let mut corpus_bytes: Vec<u8> = Vec::new();
    let mut unreadable: Vec<String> = Vec::new();
    let mut articles_unlisted = false;
    let articles_dir = project.articles_dir();
    match articles::article_paths(&articles_dir) {
        Ok(paths) if paths.is_empty() => d.error(
            &articles_dir,
            0,
            "no articles: add UTF-8 `.txt` files (one paragraph per line)",
        ),
        Ok(paths) => {
            for path in paths {
                match articles::read_article(&path) {
                    Ok(a) => {
                        // Hash names and contents so that a rename changes the provenance too.
                        corpus_bytes.extend(a.stem.as_bytes());
                        corpus_bytes.push(0);
                        for p in &a.paragraphs {
                            corpus_bytes.extend(p.id.as_bytes());
                            corpus_bytes.push(0);
                            corpus_bytes.extend(p.text.as_bytes());
                            corpus_bytes.push(0);
                        }
                        paragraphs.extend(a.paragraphs);
                    }
                    Err(e) => {
                        d.from_error(&path, &e);
                        unreadable
                            .extend(path.file_stem().map(|s| s.to_string_lossy().into_owned()));
                    }
                }
            }
        }
        Err(e) => {
            d.from_error(&articles_dir, &e);
            articles_unlisted = true;
        }
    }
    Sources {
        topics,
        paragraphs,
        corpus_bytes,
        unreadable,
        articles_unlisted,
    }
}

/// [`read_sources`], failing with the listed errors if topics.csv or an article has one.
pub fn load_sources(project: &Project) -> Result<Sources> {
    let mut d = Diagnostics::default();
    let sources = read_sources(project, &mut d);
    match d.to_error() {
        Some(e) => Err(e),
        None => Ok(sources),
    }
}

/// What one label file says about each paragraph (indexed like [`Sources::paragraphs`]).
#[derive(Debug, Clone)]
pub struct RowsChecked {
    /// The kind and topics of each paragraph whose row is valid.
    pub labels: Vec<Option<Labels>>,
    /// Whether the file has a row for the paragraph at all (valid or not).
    pub has_row: Vec<bool>,
}

/// Checks the rows of one label file (`paragraphs.csv` or an annotator's file) against the
/// paragraphs and topics: duplicate rows, rows for no paragraph, unknown kinds and topics, changed
/// fingerprints (errors); a stale text column and topics out of order (warnings). Whether every
/// paragraph has a row is the caller's business.
pub fn check_rows(
    project: &Project,
    rows_path: &Path,
    rows: &[LabelRow],
    sources: &Sources,
    d: &mut Diagnostics,
) -> RowsChecked {
    let (topics, paragraphs) = (&sources.topics, &sources.paragraphs);
    let articles_dir = project.articles_dir();
    let topic_index: HashMap<&str, usize> = topics
        .iter()
        .enumerate()
        .map(|(i, t)| (t.id.as_str(), i))
        .collect();
    let para_index: HashMap<&str, usize> = paragraphs
        .iter()
        .enumerate()
        .map(|(i, p)| (p.id.as_str(), i))
        .collect();
    let mut checked = RowsChecked {
        labels: vec![None; paragraphs.len()],
        has_row: vec![false; paragraphs.len()],
    };
    let mut first_row: HashMap<&str, usize> = HashMap::new();
    for row in rows {
        let line = row.line;
        if let Some(prev) = first_row.insert(&row.id, line) {
            d.error(
                rows_path,
                line,
                format!(
                    "duplicate row for `{}` (first at line {prev}): keep one",
                    row.id
                ),
            );
            first_row.insert(&row.id, prev);
            continue;
        }
        let Some(&pi) = para_index.get(row.id.as_str()) else {
            let doc = row.id.rsplit_once(':').map_or("", |(doc, _)| doc);
            if sources.articles_unlisted || sources.unreadable.iter().any(|u| u == doc) {
                continue;
            }
            d.error(
                rows_path,
                line,
                format!(
                    "label row for `{}`, but no such paragraph in {} (article removed or lines moved?): delete the row, or re-label the article's paragraphs",
                    row.id,
                    articles_dir.display()
                ),
            );
            continue;
        };
        checked.has_row[pi] = true;
        let para = &paragraphs[pi];
        let mut ok = true;
        let kind = Kind::parse(&row.kind);
        if kind.is_none() {
            ok = false;
            d.error(
                rows_path,
                line,
                format!(
                    "unknown kind `{}` for `{}`: use headline, body or boilerplate",
                    row.kind, row.id
                ),
            );
        }
        let mut ids = Vec::new();
        for t in &row.topics {
            match topic_index.get(t.as_str()) {
                Some(&i) => ids.push(i),
                // An unusable topics.csv is reported once, not as an unknown topic per row.
                None if topics.is_empty() => ok = false,
                None => {
                    ok = false;
                    d.error(
                        rows_path,
                        line,
                        format!(
                            "unknown topic `{t}` for `{}`: use an id from {} ({})",
                            row.id,
                            project.topics_path().display(),
                            topics
                                .iter()
                                .map(|t| t.id.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    );
                }
            }
        }
        if row.fingerprint != para.fingerprint {
            ok = false;
            d.error(
                rows_path,
                line,
                format!(
                    "`{}` changed since it was labelled (fingerprint {} in the row, {} in the article): re-read it, check its kind and topics still hold, then set fingerprint to {} and text to the article's line",
                    row.id, row.fingerprint, para.fingerprint, para.fingerprint
                ),
            );
        } else if row.text != para.text {
            d.warning(
                rows_path,
                line,
                format!(
                    "text column of `{}` differs from the article (the fingerprint matches the article): copy the article's line into the text column",
                    row.id
                ),
            );
        }
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        sorted.dedup();
        if ok && sorted != ids {
            d.warning(
                rows_path,
                line,
                format!(
                    "topics of `{}` are repeated or not in topics.csv order: write them as `{}`",
                    row.id,
                    sorted
                        .iter()
                        .map(|&i| topics[i].id.as_str())
                        .collect::<Vec<_>>()
                        .join(";")
                ),
            );
        }
        if let (true, Some(kind)) = (ok, kind) {
            checked.labels[pi] = Some(Labels {
                kind,
                topics: sorted,
            });
        }
    }
    checked
}

/// Runs every check. Returns the findings and, when there is no error, the dataset.
pub fn check_project(project: &Project, threshold: f64) -> (Diagnostics, Option<Dataset>) {
    let mut d = Diagnostics::default();
    let topics_path = project.topics_path();
    let rows_path = project.paragraphs_path();
    let articles_dir = project.articles_dir();
    let sources = read_sources(project, &mut d);
    let before_rows = d.errors();
    let rows = labels::read_label_rows(&rows_path, &mut d);
    // With a malformed paragraphs.csv, the paragraphs of skipped rows are not reported as
    // unlabelled too: one cause, one message.
    let rows_usable = d.errors() == before_rows;
    let checked = check_rows(project, &rows_path, &rows, &sources, &mut d);
    for (p, has_row) in sources.paragraphs.iter().zip(&checked.has_row) {
        if !has_row && rows_usable {
            let path = articles_dir.join(format!("{}.txt", p.doc));
            d.error(
                &path,
                p.line,
                format!(
                    "paragraph `{}` has no row in {}: read it and add a row `{},<kind>,<topics>,{},<text>` (see labels/GUIDELINES.md), or run `topicbench label`",
                    p.id,
                    rows_path.display(),
                    p.id,
                    p.fingerprint
                ),
            );
        }
    }
    check_annotator_files(project, &sources, &mut d);
    if d.errors() > 0 {
        return (d, None);
    }
    let Sources {
        topics,
        paragraphs,
        corpus_bytes,
        ..
    } = sources;

    // Near-duplicate groups over every paragraph.
    let texts: Vec<&str> = paragraphs.iter().map(|p| p.text.as_str()).collect();
    let group = groups::near_duplicate_groups(&texts, threshold);
    let items: Vec<Item> = paragraphs
        .iter()
        .zip(checked.labels)
        .zip(&group)
        .map(|((p, l), &g)| {
            // No errors, so every paragraph has a valid row.
            let l = l.unwrap_or(Labels {
                kind: Kind::Body,
                topics: Vec::new(),
            });
            Item {
                id: p.id.clone(),
                doc: p.doc.clone(),
                line: p.line,
                kind: l.kind,
                topics: l.topics,
                group: g,
                text: p.text.clone(),
                is_test: None,
            }
        })
        .collect();

    let labels_bytes = [
        std::fs::read(&topics_path).unwrap_or_default(),
        std::fs::read(&rows_path).unwrap_or_default(),
    ]
    .concat();
    let dataset = Dataset {
        name: "articles".to_owned(),
        topics,
        items,
        corpus_sha256: articles::sha256_hex(&corpus_bytes),
        labels_sha256: articles::sha256_hex(&labels_bytes),
        group_threshold: threshold,
        group_method: "exact",
    };
    warn_dataset(&dataset, project, &mut d);
    (d, Some(dataset))
}

fn warn_dataset(ds: &Dataset, project: &Project, d: &mut Diagnostics) {
    let rows_path = project.paragraphs_path();
    for g in ds.multi_groups() {
        let first = &ds.items[g[0]];
        let differs = g
            .iter()
            .any(|&i| ds.items[i].topics != first.topics || ds.items[i].kind != first.kind);
        if differs {
            let desc: Vec<String> = g
                .iter()
                .map(|&i| {
                    let it = &ds.items[i];
                    let t: Vec<&str> = it
                        .topics
                        .iter()
                        .map(|&t| ds.topics[t].id.as_str())
                        .collect();
                    format!(
                        "{} ({}: {})",
                        it.id,
                        it.kind,
                        if t.is_empty() {
                            "-".to_owned()
                        } else {
                            t.join(";")
                        }
                    )
                })
                .collect();
            d.warning(
                &rows_path,
                0,
                format!(
                    "near-duplicate paragraphs are labelled differently: {}; label them alike unless the guidelines name the difference",
                    desc.join(", ")
                ),
            );
        }
    }
    let body = ds.body();
    for (t, topic) in ds.topics.iter().enumerate() {
        let n = body
            .iter()
            .filter(|&&i| ds.items[i].topics.contains(&t))
            .count();
        if n < DEFAULT_FOLDS {
            d.warning(
                &project.topics_path(),
                0,
                format!(
                    "topic `{}` has {n} body paragraph(s), fewer than the default {DEFAULT_FOLDS} folds: some test folds will have none, and its scores will be noisy",
                    topic.id
                ),
            );
        }
    }
}

/// Loads the project's dataset, failing with the listed errors if `check` finds any.
pub fn load_project(project: &Project, threshold: f64) -> Result<Dataset> {
    let (d, ds) = check_project(project, threshold);
    // `check_project` builds no dataset exactly when it found an error.
    ds.ok_or_else(|| {
        d.to_error()
            .unwrap_or_else(|| Error::Failed("check built no dataset".into()))
    })
}

/// Checks every annotator file (`labels/annotators/<name>.csv`) by the rules of `paragraphs.csv`,
/// except that a paragraph without a row is fine: an annotator labels what they have time for.
fn check_annotator_files(project: &Project, sources: &Sources, d: &mut Diagnostics) {
    let dir = project.annotators_dir();
    let files = match annotator_files(project) {
        Ok(files) => files,
        Err(e) => return d.from_error(&dir, &e),
    };
    for (name, path) in files {
        if let Err(why) = labels::check_annotator_name(&name) {
            d.error(&path, 0, format!("{why}: rename the file"));
            continue;
        }
        let rows = labels::read_label_rows(&path, d);
        check_rows(project, &path, &rows, sources, d);
    }
}

/// The annotator files in `labels/annotators/` as (name, path), sorted by name; none when the
/// folder does not exist.
pub fn annotator_files(project: &Project) -> Result<Vec<(String, PathBuf)>> {
    let dir = project.annotators_dir();
    if !dir.exists() {
        return Ok(Vec::new());
    }
    let entries =
        std::fs::read_dir(&dir).map_err(|e| Error::io(&dir, "cannot list annotator files", e))?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|e| Error::io(&dir, "cannot list annotator files", e))?
            .path();
        if path.extension().is_some_and(|e| e == "csv") && path.is_file() {
            let name = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            files.push((name, path));
        }
    }
    files.sort();
    Ok(files)
}

/// One annotator's labels, indexed like [`Sources::paragraphs`] (`None`: not labelled).
#[derive(Debug, Clone)]
pub struct Annotator {
    /// The name (the file stem).
    pub name: String,
    /// Kind and topics of each paragraph the annotator labelled.
    pub labels: Vec<Option<Labels>>,
}

/// Loads the named annotators' files (all of them when `names` is empty), checked as `check`
/// checks them: any error in an article, topics.csv or one of these files fails with the listing.
pub fn load_annotators(project: &Project, names: &[String]) -> Result<(Sources, Vec<Annotator>)> {
    let available = annotator_files(project)?;
    let list = || {
        if available.is_empty() {
            format!(
                "there are none yet: label with `topicbench label --annotator NAME`, which writes {}",
                project.annotator_path("NAME").display()
            )
        } else {
            format!(
                "the annotators are {}",
                available
                    .iter()
                    .map(|(n, _)| n.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    };
    let mut chosen = Vec::new();
    if names.is_empty() {
        chosen.clone_from(&available);
    } else {
        for name in names {
            labels::check_annotator_name(name).map_err(Error::Usage)?;
            let path = project.annotator_path(name);
            if !path.is_file() {
                return Err(Error::input(
                    &path,
                    0,
                    format!("no such annotator file: check the name; {}", list()),
                ));
            }
            chosen.push((name.clone(), path));
        }
    }
    if chosen.len() < 2 {
        return Err(Error::input(
            project.annotators_dir(),
            0,
            format!("agreement needs at least two annotator files; {}", list()),
        ));
    }
    let mut d = Diagnostics::default();
    let sources = read_sources(project, &mut d);
    let mut annotators = Vec::new();
    for (name, path) in chosen {
        let rows = labels::read_label_rows(&path, &mut d);
        let checked = check_rows(project, &path, &rows, &sources, &mut d);
        annotators.push(Annotator {
            name,
            labels: checked.labels,
        });
    }
    match d.to_error() {
        Some(e) => Err(e),
        None => Ok((sources, annotators)),
    }
}
