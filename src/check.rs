//! `check`: validates `data/articles/` against `labels/` and builds the [`Dataset`].
//!
//! Every problem is collected (not just the first) as a `path:line: message` diagnostic. Errors
//! make the corpus unusable: a non-UTF-8 article, a label row for a paragraph that does not exist,
//! a paragraph with no row, a duplicate row, an unknown topic or kind, a fingerprint mismatch,
//! malformed CSV, an empty or duplicate-id topics.csv. Warnings do not: near-duplicates whose
//! labels differ, a topic with fewer body paragraphs than the default number of folds, a text
//! column that no longer matches the article. `eval`, `dataset` and `stats` all load through here.

use std::collections::HashMap;

use crate::corpus::{self, Paragraph};
use crate::dataset::{Dataset, Item, Project};
use crate::error::{Error, Result};
use crate::groups;
use crate::labels::{self, Diagnostics, Kind};

/// Default number of cross-validation folds (a topic with fewer body paragraphs gets a warning).
pub const DEFAULT_FOLDS: usize = 5;

/// Runs every check. Returns the findings and, when there is no error, the dataset.
pub fn check_project(project: &Project, threshold: f64) -> (Diagnostics, Option<Dataset>) {
    let mut d = Diagnostics::default();
    let topics_path = project.topics_path();
    let rows_path = project.paragraphs_path();
    let topics = labels::read_topics(&topics_path, &mut d);
    // With an unusable topics.csv every label row would also name an "unknown topic": say it once.
    let topics_usable = !topics.is_empty();

    // Articles.
    let mut paragraphs: Vec<Paragraph> = Vec::new();
    let mut corpus_bytes: Vec<u8> = Vec::new();
    // Articles that could not be read: their label rows are not reported as orphans too.
    let mut unreadable: Vec<String> = Vec::new();
    let articles_dir = project.articles_dir();
    match corpus::article_paths(&articles_dir) {
        Ok(paths) if paths.is_empty() => d.error(
            &articles_dir,
            0,
            "no articles: add UTF-8 `.txt` files (one paragraph per line)",
        ),
        Ok(paths) => {
            for path in paths {
                match corpus::read_article(&path) {
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
        Err(e) => d.from_error(&articles_dir, &e),
    }

    // Label rows against the paragraphs.
    let before_rows = d.errors();
    let rows = labels::read_label_rows(&rows_path, &mut d);
    // With a malformed paragraphs.csv, the paragraphs of skipped rows are not reported as unlabelled
    // too: one cause, one message.
    let rows_usable = d.errors() == before_rows;
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
    let mut labelled: Vec<Option<(Kind, Vec<usize>)>> = vec![None; paragraphs.len()];
    let mut first_row: HashMap<&str, usize> = HashMap::new();
    for row in &rows {
        let line = row.line;
        if let Some(prev) = first_row.insert(&row.id, line) {
            d.error(
                &rows_path,
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
            if unreadable.iter().any(|u| u == doc) {
                continue;
            }
            d.error(
                &rows_path,
                line,
                format!(
                    "label row for `{}`, but no such paragraph in {} (article removed or lines moved?): delete the row, or re-label the article's paragraphs",
                    row.id,
                    articles_dir.display()
                ),
            );
            continue;
        };
        let para = &paragraphs[pi];
        let mut ok = true;
        let kind = Kind::parse(&row.kind);
        if kind.is_none() {
            ok = false;
            d.error(
                &rows_path,
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
                None if !topics_usable => ok = false,
                None => {
                    ok = false;
                    d.error(
                        &rows_path,
                        line,
                        format!(
                            "unknown topic `{t}` for `{}`: use an id from {} ({})",
                            row.id,
                            topics_path.display(),
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
                &rows_path,
                line,
                format!(
                    "`{}` changed since it was labelled (fingerprint {} in the row, {} in the article): re-read it, check its kind and topics still hold, then set fingerprint to {} and text to the article's line",
                    row.id, row.fingerprint, para.fingerprint, para.fingerprint
                ),
            );
        } else if row.text != para.text {
            d.warning(
                &rows_path,
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
                &rows_path,
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
            labelled[pi] = Some((kind, sorted));
        } else {
            // Mark as labelled (with a placeholder) so it is not also reported as missing.
            labelled[pi] = Some((Kind::Body, Vec::new()));
        }
    }
    for (p, l) in paragraphs.iter().zip(&labelled) {
        if l.is_none() && rows_usable {
            let path = articles_dir.join(format!("{}.txt", p.doc));
            d.error(
                &path,
                p.line,
                format!(
                    "paragraph `{}` has no row in {}: read it and add a row `{},<kind>,<topics>,{},<text>` (see labels/GUIDELINES.md)",
                    p.id,
                    rows_path.display(),
                    p.id,
                    p.fingerprint
                ),
            );
        }
    }
    if d.errors() > 0 {
        return (d, None);
    }

    // Near-duplicate groups over every paragraph.
    let texts: Vec<&str> = paragraphs.iter().map(|p| p.text.as_str()).collect();
    let group = groups::near_duplicate_groups(&texts, threshold);
    let items: Vec<Item> = paragraphs
        .iter()
        .zip(labelled)
        .zip(&group)
        .map(|((p, l), &g)| {
            let (kind, topics) = l.unwrap_or((Kind::Body, Vec::new()));
            Item {
                id: p.id.clone(),
                doc: p.doc.clone(),
                line: p.line,
                kind,
                topics,
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
        corpus_sha256: corpus::sha256_hex(&corpus_bytes),
        labels_sha256: corpus::sha256_hex(&labels_bytes),
        group_threshold: threshold,
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
    ds.ok_or_else(|| {
        let errors: Vec<String> =
            d.0.iter()
                .filter(|x| x.severity == labels::Severity::Error)
                .map(|x| x.to_string())
                .collect();
        let count = errors.len();
        let mut listing = errors.into_iter().take(10).collect::<Vec<_>>().join("\n");
        if count > 10 {
            listing.push_str(&format!("\n... and {} more", count - 10));
        }
        Error::Invalid { count, listing }
    })
}
