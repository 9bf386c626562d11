//! The `agree` report: for two annotators, Cohen's kappa and observed agreement for the kind and
//! per topic, then every disagreement; for a group, Krippendorff's alpha. Plain text for the
//! terminal; the numbers come from `agreement`.

use std::fmt::Write as _;

use crate::annotate::agreement::{Group, Pair};
use crate::data::articles::excerpt;
use crate::data::check::Sources;
use crate::data::labels::Labels;

/// A statistic with three decimals, or `n/a` when it is undefined.
fn stat(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".to_owned(), |v| format!("{v:.3}"))
}

fn labels_text(sources: &Sources, l: &Labels) -> String {
    let topics: Vec<&str> = l
        .topics
        .iter()
        .map(|&t| sources.topics[t].id.as_str())
        .collect();
    if topics.is_empty() {
        format!("{}: -", l.kind)
    } else {
        format!("{}: {}", l.kind, topics.join(";"))
    }
}

/// Width of the first column: `kind` and every topic id.
fn row_width(sources: &Sources) -> usize {
    sources
        .topics
        .iter()
        .map(|t| t.id.len())
        .chain([4])
        .max()
        .unwrap_or(4)
}

/// Two annotators: kappa and observed agreement for the kind and per topic, exact agreement, and
/// the disagreements (id, excerpt, each annotator's labels).
pub fn pair_text(sources: &Sources, pair: &Pair) -> String {
    let mut s = String::new();
    let (a, b) = (&pair.a, &pair.b);
    let _ = writeln!(
        s,
        "{a} and {b}: {} paragraph(s) labelled by both ({a} labelled {}, {b} {})",
        pair.shared.len(),
        pair.labelled.0,
        pair.labelled.1
    );
    let Some(kind) = pair.kind else {
        let _ = writeln!(s, "nothing to compare: no paragraph was labelled by both");
        return s;
    };
    let w = row_width(sources);
    let (wa, wb) = (a.len().max(3), b.len().max(3));
    let _ = writeln!(
        s,
        "\n{:<w$}  {:>6}  {:>8}  {a:>wa$}  {b:>wb$}",
        "", "kappa", "observed"
    );
    let _ = writeln!(
        s,
        "{:<w$}  {:>6}  {:>8.3}",
        "kind",
        stat(kind.kappa),
        kind.observed
    );
    for (topic, t) in sources.topics.iter().zip(&pair.topics) {
        let _ = writeln!(
            s,
            "{:<w$}  {:>6}  {:>8.3}  {:>wa$}  {:>wb$}",
            topic.id,
            stat(t.kappa.kappa),
            t.kappa.observed,
            t.yes_a,
            t.yes_b
        );
    }
    let same = pair.shared.len() - pair.disagreements.len();
    let _ = writeln!(
        s,
        "(the {a} and {b} columns count the paragraphs given each topic)\nsame kind and topics: {same} of {} ({:.3})",
        pair.shared.len(),
        same as f64 / pair.shared.len() as f64
    );
    if kind.kappa.is_none() || pair.topics.iter().any(|t| t.kappa.kappa.is_none()) {
        let _ = writeln!(
            s,
            "n/a: kappa is undefined where both gave every shared paragraph the same answer (chance agreement is then 1)"
        );
    }
    let _ = writeln!(s, "\ndisagreements: {}", pair.disagreements.len());
    let wn = a.len().max(b.len());
    for (p, la, lb) in &pair.disagreements {
        let para = &sources.paragraphs[*p];
        let _ = writeln!(s, "  {}  {}", para.id, excerpt(&para.text, 80));
        let _ = writeln!(s, "    {a:<wn$}  {}", labels_text(sources, la));
        let _ = writeln!(s, "    {b:<wn$}  {}", labels_text(sources, lb));
    }
    s
}

/// A group: Krippendorff's alpha for the kind and per topic, with the paragraphs and values it
/// rests on.
pub fn group_text(sources: &Sources, group: &Group) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Krippendorff's alpha (nominal), {} annotators ({}), over the paragraphs at least two labelled",
        group.names.len(),
        group.names.join(", ")
    );
    let w = row_width(sources);
    let _ = writeln!(
        s,
        "\n{:<w$}  {:>6}  {:>10}  {:>6}",
        "", "alpha", "paragraphs", "values"
    );
    let rows = std::iter::once(("kind", &group.kind)).chain(
        sources
            .topics
            .iter()
            .map(|t| t.id.as_str())
            .zip(&group.topics),
    );
    for (name, a) in rows {
        let _ = writeln!(
            s,
            "{name:<w$}  {:>6}  {:>10}  {:>6}",
            stat(a.alpha),
            a.units,
            a.values
        );
    }
    if std::iter::once(&group.kind)
        .chain(&group.topics)
        .any(|a| a.alpha.is_none())
    {
        let _ = writeln!(
            s,
            "n/a: alpha is undefined where every value is the same (chance agreement is then perfect) or no paragraph was labelled twice"
        );
    }
    s
}
