//! Stored runs: `report list` (every `runs/*/report.json` under a reports folder, with date,
//! commit and headline numbers) and `report diff A B` (metric deltas between two reports, per
//! classifier and per topic, flagged where the change exceeds the runs' intervals).
//!
//! Reads the `topicbench.report.v1` JSON that `eval` writes (`report::eval`), never the other
//! files. A change is *flagged* when |Δ mean| is larger than the larger of the two runs' 95%
//! interval half-widths: each run's mean then lies outside the other run's interval. Without an
//! interval on either side (a single repeat) nothing is flagged. `cli` prints what this returns.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::eval::SCHEMA;
use crate::error::{Error, Result};
use crate::eval::metrics::HEADLINE;
use crate::eval::stats::Summary;

/// The parts of a stored report that `list` and `diff` read.
#[derive(Debug, Clone, Deserialize)]
pub struct StoredRun {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// What was evaluated.
    pub corpus: CorpusPart,
    /// How it was split.
    pub cv: CvPart,
    /// The baseline's name.
    pub baseline: String,
    /// Every classifier.
    pub classifiers: Vec<ClassifierPart>,
    /// Crate version and commit.
    pub provenance: ProvenancePart,
    /// Start time.
    pub run: RunPart,
}

/// `corpus` in a report.
#[derive(Debug, Clone, Deserialize)]
pub struct CorpusPart {
    /// Corpus name.
    pub name: String,
    /// Evaluated paragraphs.
    pub evaluated: u64,
    /// Topic ids.
    pub topics: Vec<String>,
    /// SHA-256 of the texts.
    pub sha256: String,
    /// SHA-256 of the labels.
    #[serde(default)]
    pub labels_sha256: String,
}

/// `cv` in a report.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CvPart {
    /// `kfold`, `article` or `split`.
    pub scheme: String,
    /// Folds per repeat.
    pub folds: u64,
    /// Repeats.
    pub repeats: u64,
    /// Seed.
    pub seed: u64,
}

/// One classifier in a report.
#[derive(Debug, Clone, Deserialize)]
pub struct ClassifierPart {
    /// Name.
    pub name: String,
    /// `ok` or `failed`.
    pub status: String,
    /// Why it failed.
    #[serde(default)]
    pub error: Option<String>,
    /// Headline metrics.
    #[serde(default)]
    pub metrics: BTreeMap<String, Summary>,
    /// Per topic.
    #[serde(default)]
    pub per_topic: BTreeMap<String, TopicPart>,
    /// The comparison with the baseline, as written.
    #[serde(default)]
    pub vs_baseline: Option<serde_json::Value>,
}

/// One topic of one classifier.
#[derive(Debug, Clone, Deserialize)]
pub struct TopicPart {
    /// F1 over repeats.
    pub f1: Summary,
}

/// `provenance` in a report.
#[derive(Debug, Clone, Deserialize)]
pub struct ProvenancePart {
    /// Git commit, when there was one.
    #[serde(default)]
    pub git_commit: Option<String>,
}

/// `run` in a report.
#[derive(Debug, Clone, Deserialize)]
pub struct RunPart {
    /// UTC start, RFC 3339.
    pub started_at: String,
}

/// Reads and checks a stored report.
pub fn read(path: &Path) -> Result<StoredRun> {
    let bytes = crate::error::read_file(path)?;
    let not_report = |e: serde_json::Error| {
        Error::input(
            path,
            e.line(),
            format!(
                "not a topicbench report: {e}: give a report.json or latest.json written by `topicbench eval`"
            ),
        )
    };
    let v: serde_json::Value = serde_json::from_slice(&bytes).map_err(not_report)?;
    match v.get("schema").and_then(|s| s.as_str()) {
        Some(SCHEMA) => {}
        Some(other) => {
            return Err(Error::input(
                path,
                0,
                format!(
                    "schema `{other}` is not the `{SCHEMA}` this topicbench reads: compare reports written by the same major version"
                ),
            ));
        }
        None => {
            return Err(Error::input(
                path,
                0,
                format!(
                    "not a topicbench report (no `schema`: \"{SCHEMA}\"): give a report.json or latest.json written by `topicbench eval`"
                ),
            ));
        }
    }
    serde_json::from_slice(&bytes).map_err(not_report)
}

impl StoredRun {
    /// A classifier by name.
    pub fn classifier(&self, name: &str) -> Option<&ClassifierPart> {
        self.classifiers.iter().find(|c| c.name == name)
    }

    /// The commit's first 8 hex digits, or `-`.
    pub fn short_commit(&self) -> String {
        self.provenance
            .git_commit
            .as_deref()
            .map_or("-".to_owned(), |c| c[..8.min(c.len())].to_owned())
    }

    /// `kfold 5×10, seed 42`, or `train → test, seed 42` for a held-out split.
    pub fn cv_text(&self) -> String {
        if self.cv.scheme == "split" {
            return format!("train → test, seed {}", self.cv.seed);
        }
        format!(
            "{} {}×{}, seed {}",
            self.cv.scheme, self.cv.folds, self.cv.repeats, self.cv.seed
        )
    }

    /// The contender with the highest mean macro-F1 (ties by name), if any ran.
    pub fn best_contender(&self) -> Option<&ClassifierPart> {
        self.classifiers
            .iter()
            .filter(|c| c.name != self.baseline && c.status == "ok")
            .filter_map(|c| c.metrics.get("macro_f1").map(|m| (c, m.mean)))
            .max_by(|a, b| a.1.total_cmp(&b.1).then_with(|| b.0.name.cmp(&a.0.name)))
            .map(|(c, _)| c)
    }
}

/// The stored runs of a reports folder.
#[derive(Debug)]
pub struct Listing {
    /// (run folder name, report), sorted by name, which starts with the UTC time.
    pub runs: Vec<(String, StoredRun)>,
    /// Run folders that hold no readable report.
    pub problems: Vec<Error>,
}

/// Reads every `runs/*/report.json` of a reports folder.
pub fn list(reports_dir: &Path) -> Result<Listing> {
    if !reports_dir.is_dir() {
        return Err(Error::input(
            reports_dir,
            0,
            "no such reports folder: run `topicbench eval` first, or give the folder with --dir",
        ));
    }
    let runs_dir = reports_dir.join("runs");
    let mut names: Vec<String> = match std::fs::read_dir(&runs_dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok())
            .filter(|e| e.path().is_dir())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(Error::io(&runs_dir, "cannot read", e)),
    };
    names.sort();
    let mut runs = Vec::new();
    let mut problems = Vec::new();
    for name in names {
        match read(&runs_dir.join(&name).join("report.json")) {
            Ok(r) => runs.push((name, r)),
            Err(e) => problems.push(e),
        }
    }
    Ok(Listing { runs, problems })
}

/// The `report list` table.
pub fn list_text(runs: &[(String, StoredRun)]) -> String {
    let mut s = String::new();
    let w = runs.iter().map(|(n, _)| n.len()).max().unwrap_or(3).max(3);
    let cw = runs
        .iter()
        .map(|(_, r)| r.corpus.name.len())
        .max()
        .unwrap_or(6)
        .max(6);
    let _ = writeln!(
        s,
        "{:<w$}  {:<20}  {:<8}  {:<cw$}  {:<20}  {:<22}  best contender (macro-F1, vs baseline)",
        "run", "date", "commit", "corpus", "cv", "baseline macro-F1"
    );
    for (name, r) in runs {
        let base = r
            .classifier(&r.baseline)
            .and_then(|c| c.metrics.get("macro_f1"))
            .map_or("failed".to_owned(), super::eval::ci);
        let best = r.best_contender().map_or("-".to_owned(), |c| {
            let vs = c
                .vs_baseline
                .as_ref()
                .and_then(|v| v.get("macro_f1"))
                .and_then(|m| {
                    Some(format!(
                        ", {:+.3} {}",
                        m.get("diff")?.as_f64()?,
                        m.get("verdict")?.as_str()?
                    ))
                })
                .unwrap_or_default();
            format!(
                "{} {:.3}{vs}",
                c.name,
                c.metrics.get("macro_f1").map_or(0.0, |m| m.mean)
            )
        });
        let _ = writeln!(
            s,
            "{name:<w$}  {:<20}  {:<8}  {:<cw$}  {:<20}  {base:<22}  {best}",
            r.run.started_at,
            r.short_commit(),
            r.corpus.name,
            r.cv_text(),
        );
    }
    s
}

/// Finds the report a `report diff` argument names: a report file, a run folder (path or name
/// under `<reports>/runs/`, or a unique prefix of one), or `latest`.
pub fn resolve(reports_dir: &Path, arg: &str) -> Result<PathBuf> {
    let as_path = Path::new(arg);
    if as_path.is_file() {
        return Ok(as_path.to_path_buf());
    }
    if as_path.join("report.json").is_file() {
        return Ok(as_path.join("report.json"));
    }
    if arg == "latest" {
        return Ok(reports_dir.join("latest.json"));
    }
    let runs_dir = reports_dir.join("runs");
    let named = runs_dir.join(arg).join("report.json");
    if named.is_file() {
        return Ok(named);
    }
    let mut matches: Vec<String> = std::fs::read_dir(&runs_dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| !arg.is_empty() && n.starts_with(arg))
                .collect()
        })
        .unwrap_or_default();
    matches.sort();
    match matches.as_slice() {
        [one] => Ok(runs_dir.join(one).join("report.json")),
        [] => Err(Error::input(
            as_path,
            0,
            format!(
                "no such run: not a report file, a run folder, or a run under {} (see `topicbench report list`)",
                runs_dir.display()
            ),
        )),
        many => Err(Error::input(
            as_path,
            0,
            format!(
                "names {} runs ({}): give more of the name",
                many.len(),
                many.join(", ")
            ),
        )),
    }
}

/// One compared number.
#[derive(Debug, Clone, PartialEq)]
pub struct Delta {
    /// Classifier.
    pub classifier: String,
    /// Metric (`macro_f1`, …) or topic id (for per-topic F1).
    pub what: String,
    /// Mean in run A.
    pub a: f64,
    /// Mean in run B.
    pub b: f64,
    /// 95% half-width in A and B (`None` without an interval).
    pub half: (Option<f64>, Option<f64>),
    /// B − A exceeds the intervals (`None` when a side has no interval).
    pub flagged: Option<bool>,
}

impl Delta {
    fn new(classifier: &str, what: &str, a: &Summary, b: &Summary) -> Delta {
        let half = (half_width(a), half_width(b));
        Delta {
            classifier: classifier.to_owned(),
            what: what.to_owned(),
            a: a.mean,
            b: b.mean,
            half,
            flagged: exceeds(b.mean - a.mean, half.0, half.1),
        }
    }

    /// B − A.
    pub fn delta(&self) -> f64 {
        self.b - self.a
    }
}

/// Half the width of the 95% interval.
pub fn half_width(s: &Summary) -> Option<f64> {
    s.ci95.map(|[lo, hi]| (hi - lo) / 2.0)
}

/// The flag rule: |Δ| > max(half-width A, half-width B); `None` when either is missing.
pub fn exceeds(delta: f64, half_a: Option<f64>, half_b: Option<f64>) -> Option<bool> {
    Some(delta.abs() > half_a?.max(half_b?))
}

/// Everything `report diff` says.
#[derive(Debug, Clone, Default)]
pub struct Diff {
    /// Headline metrics of classifiers in both runs.
    pub metrics: Vec<Delta>,
    /// Per-topic F1 of classifiers in both runs, topics in both.
    pub topics: Vec<Delta>,
    /// What else differs: settings, classifiers or topics in one run only, failures.
    pub notes: Vec<String>,
}

/// Compares run `a` with run `b` (deltas are B − A).
pub fn diff(a: &StoredRun, b: &StoredRun) -> Diff {
    let mut d = Diff::default();
    if a.corpus.sha256 != b.corpus.sha256 || a.corpus.labels_sha256 != b.corpus.labels_sha256 {
        d.notes.push(format!(
            "the corpus or labels differ (A: {} sha256 {}…, B: {} sha256 {}…): the runs score different data",
            a.corpus.name,
            &a.corpus.sha256[..12.min(a.corpus.sha256.len())],
            b.corpus.name,
            &b.corpus.sha256[..12.min(b.corpus.sha256.len())]
        ));
    }
    if a.cv != b.cv {
        d.notes.push(format!(
            "the splits differ (A: {}, B: {})",
            a.cv_text(),
            b.cv_text()
        ));
    }
    for ca in &a.classifiers {
        let Some(cb) = b.classifier(&ca.name) else {
            d.notes.push(format!("`{}` is only in A", ca.name));
            continue;
        };
        match (ca.status.as_str(), cb.status.as_str()) {
            ("ok", "ok") => {}
            (sa, sb) => {
                d.notes.push(format!(
                    "`{}` is {sa} in A and {sb} in B{}",
                    ca.name,
                    cb.error
                        .as_ref()
                        .or(ca.error.as_ref())
                        .map_or(String::new(), |e| format!(
                            ": {}",
                            e.lines().next().unwrap_or("")
                        ))
                ));
                continue;
            }
        }
        for m in HEADLINE {
            if let (Some(x), Some(y)) = (ca.metrics.get(m), cb.metrics.get(m)) {
                d.metrics.push(Delta::new(&ca.name, m, x, y));
            }
        }
        for t in &a.corpus.topics {
            if let (Some(x), Some(y)) = (ca.per_topic.get(t), cb.per_topic.get(t)) {
                d.topics.push(Delta::new(&ca.name, t, &x.f1, &y.f1));
            }
        }
    }
    for cb in &b.classifiers {
        if a.classifier(&cb.name).is_none() {
            d.notes.push(format!("`{}` is only in B", cb.name));
        }
    }
    for t in &a.corpus.topics {
        if !b.corpus.topics.contains(t) {
            d.notes.push(format!("topic `{t}` is only in A"));
        }
    }
    for t in &b.corpus.topics {
        if !a.corpus.topics.contains(t) {
            d.notes.push(format!("topic `{t}` is only in B"));
        }
    }
    d
}

/// The `report diff` text.
pub fn diff_text(label_a: &str, a: &StoredRun, label_b: &str, b: &StoredRun, d: &Diff) -> String {
    let mut s = String::new();
    for (tag, label, r) in [("A", label_a, a), ("B", label_b, b)] {
        let _ = writeln!(
            s,
            "{tag}: {label} ({}, commit {}, {}, {})",
            r.run.started_at,
            r.short_commit(),
            r.corpus.name,
            r.cv_text()
        );
    }
    for note in &d.notes {
        let _ = writeln!(s, "note: {note}");
    }
    let _ = writeln!(
        s,
        "Δ = B − A. * marks |Δ| > the larger of the two 95% half-widths (±A, ±B): each run's mean lies outside the other's interval.\n"
    );
    let w = d
        .metrics
        .iter()
        .chain(&d.topics)
        .map(|x| x.classifier.len())
        .max()
        .unwrap_or(10)
        .max(10);
    let table = |s: &mut String, title: &str, rows: &[Delta]| {
        let tw = rows.iter().map(|x| x.what.len()).max().unwrap_or(6).max(6);
        let _ = writeln!(
            s,
            "{:<w$}  {:<tw$}  {:>7}  {:>7}  {:>7}  {:>6}  {:>6}",
            "classifier", title, "A", "B", "Δ", "±A", "±B"
        );
        for x in rows {
            let h = |v: Option<f64>| v.map_or("n/a".to_owned(), |v| format!("{v:.3}"));
            let _ = writeln!(
                s,
                "{:<w$}  {:<tw$}  {:>7.3}  {:>7.3}  {:>+7.3}  {:>6}  {:>6}{}",
                x.classifier,
                x.what,
                x.a,
                x.b,
                x.delta(),
                h(x.half.0),
                h(x.half.1),
                if x.flagged == Some(true) { "  *" } else { "" }
            );
        }
    };
    table(&mut s, "metric", &d.metrics);
    let _ = writeln!(s);
    table(&mut s, "topic F1", &d.topics);
    let flagged = d
        .metrics
        .iter()
        .chain(&d.topics)
        .filter(|x| x.flagged == Some(true))
        .count();
    let untested = d
        .metrics
        .iter()
        .chain(&d.topics)
        .filter(|x| x.flagged.is_none())
        .count();
    let _ = writeln!(
        s,
        "\n{flagged} change(s) exceed the intervals{}.",
        if untested > 0 {
            format!("; {untested} could not be judged (a run has no interval: one repeat)")
        } else {
            String::new()
        }
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_rule_uses_the_wider_half_width() {
        // |Δ| = 0.05: above 0.04 and 0.03, not above 0.06, and never at equality.
        assert_eq!(exceeds(0.05, Some(0.04), Some(0.03)), Some(true));
        assert_eq!(exceeds(-0.05, Some(0.04), Some(0.03)), Some(true));
        assert_eq!(exceeds(0.05, Some(0.01), Some(0.06)), Some(false));
        assert_eq!(exceeds(0.05, Some(0.05), Some(0.01)), Some(false));
        assert_eq!(exceeds(0.5, None, Some(0.01)), None);
    }

    #[test]
    fn half_width_of_an_interval() {
        let s = Summary {
            mean: 0.5,
            sd: 0.1,
            ci95: Some([0.4, 0.7]),
        };
        assert!((half_width(&s).unwrap() - 0.15).abs() < 1e-15);
        assert_eq!(
            half_width(&Summary {
                mean: 0.5,
                sd: 0.0,
                ci95: None
            }),
            None
        );
    }
}
