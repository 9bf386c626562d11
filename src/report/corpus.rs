//! Corpus outputs: the `dataset` JSON Lines export and the `stats` tables. Reads a [`Dataset`];
//! knows nothing of classifiers.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::data::dataset::Dataset;
use crate::data::labels::Kind;

#[derive(Serialize)]
struct Row<'a> {
    id: &'a str,
    doc: &'a str,
    line: usize,
    kind: Kind,
    topics: Vec<&'a str>,
    group: &'a str,
    text: &'a str,
}

/// One JSON object per item: `{"id", "doc", "line", "kind", "topics": [...], "group", "text"}`.
pub fn dataset_jsonl(ds: &Dataset) -> String {
    let mut out = String::new();
    for (i, it) in ds.items.iter().enumerate() {
        let row = Row {
            id: &it.id,
            doc: &it.doc,
            line: it.line,
            kind: it.kind,
            topics: it
                .topics
                .iter()
                .map(|&t| ds.topics[t].id.as_str())
                .collect(),
            group: ds.group_name(i),
            text: &it.text,
        };
        // Serializing plain strings and numbers cannot fail.
        out.push_str(&serde_json::to_string(&row).unwrap_or_default());
        out.push('\n');
    }
    out
}

/// The `stats` tables: paragraphs per article and kind, body paragraphs per topic, topic
/// co-occurrence over body paragraphs, label cardinality, and the near-duplicate groups.
pub fn stats_text(ds: &Dataset) -> String {
    let mut s = String::new();
    let mut per_doc: BTreeMap<&str, [usize; 3]> = BTreeMap::new();
    for it in &ds.items {
        let k = Kind::ALL.iter().position(|&k| k == it.kind).unwrap_or(0);
        per_doc.entry(&it.doc).or_default()[k] += 1;
    }
    // A corpus file's documents are each their own "article": one line per document would
    // bury the rest; say how many there are and how they split instead.
    if per_doc.len() == ds.items.len() && ds.labels_sha256.is_empty() {
        let test = ds.items.iter().filter(|i| i.is_test == Some(true)).count();
        let _ = writeln!(
            s,
            "Documents: {} ({} train, {test} test)",
            ds.items.len(),
            ds.items.len() - test
        );
        per_doc.clear();
    } else {
        let _ = writeln!(s, "Paragraphs per article and kind");
    }
    if !per_doc.is_empty() {
        let w = per_doc.keys().map(|d| d.len()).max().unwrap_or(7).max(7);
        let _ = writeln!(
            s,
            "  {:<w$} {:>8} {:>6} {:>11} {:>6}",
            "article", "headline", "body", "boilerplate", "total"
        );
        let mut totals = [0usize; 3];
        for (doc, c) in &per_doc {
            for k in 0..3 {
                totals[k] += c[k];
            }
            let _ = writeln!(
                s,
                "  {doc:<w$} {:>8} {:>6} {:>11} {:>6}",
                c[0],
                c[1],
                c[2],
                c.iter().sum::<usize>()
            );
        }
        let _ = writeln!(
            s,
            "  {:<w$} {:>8} {:>6} {:>11} {:>6}",
            "total",
            totals[0],
            totals[1],
            totals[2],
            totals.iter().sum::<usize>()
        );
    }

    let body = ds.body();
    let n_topics = ds.topics.len();
    let mut co = vec![vec![0usize; n_topics]; n_topics];
    let mut cardinality: BTreeMap<usize, usize> = BTreeMap::new();
    for &i in &body {
        let t = &ds.items[i].topics;
        *cardinality.entry(t.len()).or_default() += 1;
        for &a in t {
            for &b in t {
                co[a][b] += 1;
            }
        }
    }
    let tw = ds
        .topics
        .iter()
        .map(|t| t.id.len())
        .max()
        .unwrap_or(5)
        .max(5)
        + 4;
    let _ = writeln!(
        s,
        "\nBody paragraphs per topic ({} body paragraphs)",
        body.len()
    );
    for (t, topic) in ds.topics.iter().enumerate() {
        let _ = writeln!(s, "  {:<tw$} {:>5}", topic.id, co[t][t]);
    }
    let _ = writeln!(
        s,
        "\nTopic co-occurrence (body paragraphs carrying both; diagonal = topic total)"
    );
    let _ = write!(s, "  {:<tw$}", "");
    for t in 0..n_topics {
        let _ = write!(s, " {:>4}", format!("t{t}"));
    }
    let _ = writeln!(s);
    for (a, topic) in ds.topics.iter().enumerate() {
        let _ = write!(s, "  {:<tw$}", format!("t{a} {}", topic.id));
        for n in &co[a] {
            let _ = write!(s, " {n:>4}");
        }
        let _ = writeln!(s);
    }
    let labels: usize = body.iter().map(|&i| ds.items[i].topics.len()).sum();
    let _ = writeln!(
        s,
        "\nLabel cardinality: {:.3} topics per body paragraph ({labels} labels)",
        if body.is_empty() {
            0.0
        } else {
            labels as f64 / body.len() as f64
        }
    );
    for (k, n) in &cardinality {
        let _ = writeln!(s, "  {k} topic(s): {n} paragraph(s)");
    }

    let groups = ds.multi_groups();
    let _ = writeln!(
        s,
        "\nNear-duplicate groups (Jaccard of word 3-shingles >= {}): {}",
        ds.group_threshold,
        groups.len()
    );
    for g in groups {
        let ids: Vec<String> = g
            .iter()
            .map(|&i| format!("{} [{}]", ds.items[i].id, ds.items[i].kind))
            .collect();
        let _ = writeln!(s, "  {}", ids.join("  "));
    }
    s
}
