//! `suite`: several corpora, one leaderboard. This module reads a suite file (TOML: the corpora
//! and their designs, the classifiers, the eval settings), turns each corpus into the `eval`
//! arguments the command line runs (`cli::cmd_suite`), reads back each corpus's report
//! (`latest.json`, the contract in docs/report-json.md), and computes the leaderboard across
//! corpora after Demšar (2006): ranks per corpus, mean ranks, the Friedman test with the
//! Iman–Davenport correction, every contender against the baseline with Holm's procedure, and
//! the Nemenyi critical difference. `report::suite` writes it; `stats::holm` adjusts.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;
use statrs::distribution::{ChiSquared, ContinuousCDF, FisherSnedecor, Normal};

use crate::error::{Error, Result};

/// The metrics a leaderboard can rank by (the report's headline metrics).
pub const METRICS: [&str; 4] = ["macro_f1", "micro_f1", "subset_accuracy", "hamming_loss"];

/// Significance level of the Friedman test, the Holm verdicts and the critical difference.
pub const ALPHA: f64 = 0.05;

/// How a classifier that failed on a corpus is ranked there (printed in every report).
pub const FAILURE_RULE: &str = "a classifier that failed on a corpus ranks below every classifier that ran there; \
     failed classifiers share the last places (their ranks averaged)";

/// Demšar (2006) Table 5(a): Nemenyi's q_0.05 for k = 2..=10 classifiers (the studentized range
/// statistic for infinite degrees of freedom divided by √2).
pub const NEMENYI_Q05: [f64; 9] = [
    1.960, 2.343, 2.569, 2.728, 2.850, 2.949, 3.031, 3.102, 3.164,
];

/// A suite file as written (TOML). Unknown keys are errors, so that a typo is not ignored.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SuiteFile {
    /// Seed of every corpus's splits and resampling (default 42, as `eval`).
    pub seed: Option<u64>,
    /// Headline metric of the leaderboard (default `macro_f1`; `suite --metric` overrides it).
    pub metric: Option<String>,
    /// Folder of the leaderboard and of the corpora's report folders (default `reports/suite`,
    /// relative to the project root; `suite --out` overrides it).
    pub out: Option<PathBuf>,
    /// Built-in classifier names (default: every built-in one); the baseline always runs.
    #[serde(default)]
    pub classifiers: Vec<String>,
    /// External classifiers, as `eval --classifier-cmd NAME=COMMAND`.
    #[serde(default)]
    pub external: Vec<ExternalEntry>,
    /// Other `eval` settings, the same for every corpus.
    #[serde(default)]
    pub eval: EvalSettings,
    /// The corpora, in the order the leaderboard lists them.
    #[serde(default, rename = "corpus")]
    pub corpora: Vec<CorpusEntry>,
}

/// `[[external]]`: one external classifier.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExternalEntry {
    /// Its name in the reports.
    pub name: String,
    /// The command, run with `sh -c` (see README, external classifiers).
    pub command: String,
}

/// `[eval]`: settings passed to every corpus's `eval` (each as the flag of the same name).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvalSettings {
    /// `--memory-budget` (MiB).
    pub memory_budget: Option<f64>,
    /// `--rope`.
    pub rope: Option<f64>,
    /// `--permutations`.
    pub permutations: Option<u32>,
    /// `--bootstrap`.
    pub bootstrap: Option<u32>,
    /// `--threads`.
    pub threads: Option<u32>,
    /// `--classifier-timeout` (seconds).
    pub classifier_timeout: Option<f64>,
    /// `--classifier-max-output` (MiB).
    pub classifier_max_output: Option<f64>,
    /// `--learning-curve` (true) or `--no-learning-curve` (false); default off in a suite.
    pub learning_curve: Option<bool>,
    /// `--tune` (true) or `--no-tune` (false); default as `eval` (on up to 5,000 documents).
    pub tune: Option<bool>,
    /// `--tune-baseline` when true.
    #[serde(default)]
    pub tune_baseline: bool,
}

/// `[[corpus]]`: one corpus and its design.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CorpusEntry {
    /// Its name in the leaderboard and its report folder (default: `articles`, or the file's
    /// stem).
    pub name: Option<String>,
    /// A corpus CSV (`eval --corpus`), relative to the project root; absent for the shipped
    /// articles.
    pub file: Option<PathBuf>,
    /// A second file whose rows are all test rows (`eval --test-corpus`), relative to the
    /// project root.
    pub test_file: Option<PathBuf>,
    /// `csv`, `jsonl` or `parquet` (`eval --format`; default from the extension).
    pub format: Option<String>,
    /// `"test"`: train on the `train` rows, score the `test` rows (`eval --split test`).
    pub split: Option<String>,
    /// `"kfold"` or `"article"` (`eval --cv`).
    pub cv: Option<String>,
    /// `eval --folds`.
    pub folds: Option<u32>,
    /// `eval --repeats`.
    pub repeats: Option<u32>,
    /// When true, a missing `file` skips this corpus with a message instead of failing.
    #[serde(default)]
    pub optional: bool,
    /// Column mapping of the CSV: each `key = "column"` becomes `eval --<key>-column column`
    /// (e.g. `text = "body"` → `--text-column body`), so it follows whatever column flags
    /// `eval` accepts.
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
}

/// A checked suite: names resolved, metric known.
#[derive(Debug, Clone)]
pub struct Suite {
    /// The suite file (for messages).
    pub path: PathBuf,
    /// As written.
    pub file: SuiteFile,
    /// The leaderboard's metric.
    pub metric: String,
    /// Each corpus's name, in `file.corpora` order.
    pub names: Vec<String>,
}

/// Reads and checks a suite file. `metric` (from `suite --metric`) overrides the file's.
pub fn load(path: &Path, metric: Option<&str>) -> Result<Suite> {
    let bytes = crate::error::read_file(path)?;
    let text = crate::error::decode_utf8(path, bytes)?;
    parse(path, &text, metric)
}

/// Parses and checks suite-file text (`path` names it in messages).
pub fn parse(path: &Path, text: &str, metric: Option<&str>) -> Result<Suite> {
    let file: SuiteFile = toml::from_str(text).map_err(|e| {
        let line = e.span().map_or(0, |s| {
            text[..s.start.min(text.len())].matches('\n').count() + 1
        });
        Error::input(
            path,
            line,
            format!(
                "not a suite file: {} (see suites/default.toml)",
                e.message()
            ),
        )
    })?;
    let bad = |msg: String| Error::input(path, 0, msg);
    let metric = metric
        .map(str::to_owned)
        .or_else(|| file.metric.clone())
        .unwrap_or_else(|| "macro_f1".to_owned());
    if !METRICS.contains(&metric.as_str()) {
        return Err(bad(format!(
            "unknown metric `{metric}`: choose from {}",
            METRICS.join(", ")
        )));
    }
    if file.corpora.is_empty() {
        return Err(bad(
            "no corpus: add at least one [[corpus]] table (see suites/default.toml)".into(),
        ));
    }
    let mut names: Vec<String> = Vec::new();
    for c in &file.corpora {
        let name = match (&c.name, &c.file) {
            (Some(n), _) => n.clone(),
            (None, Some(f)) => f
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
            (None, None) => "articles".to_owned(),
        };
        if name.is_empty()
            || !name
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || "_-.".contains(ch))
            || name.starts_with('.')
        {
            return Err(bad(format!(
                "corpus name `{name}` cannot name a report folder: use letters, digits, `_`, `-` and `.`"
            )));
        }
        if names.contains(&name) {
            return Err(bad(format!(
                "two corpora are named `{name}`: give each [[corpus]] its own `name`"
            )));
        }
        if let Some(s) = &c.split
            && s != "test"
        {
            return Err(bad(format!(
                "corpus `{name}`: split = \"{s}\" is not known: the only split is \"test\""
            )));
        }
        if let Some(cv) = &c.cv
            && cv != "kfold"
            && cv != "article"
        {
            return Err(bad(format!(
                "corpus `{name}`: cv = \"{cv}\" is not known: use \"kfold\" or \"article\""
            )));
        }
        names.push(name);
    }
    Ok(Suite {
        path: path.to_owned(),
        file,
        metric,
        names,
    })
}

impl Suite {
    /// The `eval` arguments (after `topicbench eval`) for corpus `i`, writing into `out`.
    /// `root` is the project root, against which the corpus files are resolved.
    pub fn eval_args(&self, i: usize, root: &Path, out: &Path) -> Vec<String> {
        let c = &self.file.corpora[i];
        let e = &self.file.eval;
        let mut a: Vec<String> = Vec::new();
        let mut flag = |name: &str, value: String| {
            a.push(format!("--{name}"));
            a.push(value);
        };
        flag("seed", self.file.seed.unwrap_or(42).to_string());
        flag("out", out.display().to_string());
        if let Some(p) = &c.file {
            flag("corpus", root.join(p).display().to_string());
        }
        if let Some(t) = &c.test_file {
            flag("test-corpus", root.join(t).display().to_string());
        }
        if let Some(f) = &c.format {
            flag("format", f.clone());
        }
        for (key, column) in &c.columns {
            flag(&format!("{key}-column"), column.clone());
        }
        if let Some(s) = &c.split {
            flag("split", s.clone());
        }
        if let Some(cv) = &c.cv {
            flag("cv", cv.clone());
        }
        if let Some(n) = c.folds {
            flag("folds", n.to_string());
        }
        if let Some(n) = c.repeats {
            flag("repeats", n.to_string());
        }
        if !self.file.classifiers.is_empty() {
            flag("classifiers", self.file.classifiers.join(","));
        }
        for x in &self.file.external {
            flag("classifier-cmd", format!("{}={}", x.name, x.command));
        }
        if let Some(v) = e.memory_budget {
            flag("memory-budget", v.to_string());
        }
        if let Some(v) = e.rope {
            flag("rope", v.to_string());
        }
        if let Some(v) = e.permutations {
            flag("permutations", v.to_string());
        }
        if let Some(v) = e.bootstrap {
            flag("bootstrap", v.to_string());
        }
        if let Some(v) = e.threads {
            flag("threads", v.to_string());
        }
        if let Some(v) = e.classifier_timeout {
            flag("classifier-timeout", v.to_string());
        }
        if let Some(v) = e.classifier_max_output {
            flag("classifier-max-output", v.to_string());
        }
        match e.tune {
            Some(true) => a.push("--tune".to_owned()),
            Some(false) => a.push("--no-tune".to_owned()),
            None => {}
        }
        if e.tune_baseline {
            a.push("--tune-baseline".to_owned());
        }
        a.push(
            if e.learning_curve == Some(true) {
                "--learning-curve"
            } else {
                "--no-learning-curve"
            }
            .to_owned(),
        );
        a
    }
}

/// One classifier's outcome on one corpus, read from that corpus's report.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Classifier name.
    pub name: String,
    /// The metric's mean, or None when the classifier failed.
    pub score: Option<f64>,
    /// Why it failed.
    pub error: Option<String>,
    /// The corpus's own verdict against the baseline on the metric (None for the baseline).
    pub verdict: Option<String>,
}

/// One corpus's results.
#[derive(Debug, Clone, PartialEq)]
pub struct CorpusResult {
    /// Its name in the suite.
    pub name: String,
    /// Its report folder.
    pub report_dir: PathBuf,
    /// One entry per classifier, in report order.
    pub entries: Vec<Entry>,
}

/// Reads the metric of every classifier from a report (`latest.json`, schema
/// `topicbench.report.v1`).
pub fn corpus_result(
    name: &str,
    report_dir: &Path,
    report: &Value,
    metric: &str,
) -> Result<CorpusResult> {
    let path = report_dir.join("latest.json");
    let bad = |what: &str| Error::input(&path, 0, format!("not an eval report: {what}"));
    let list = report["classifiers"]
        .as_array()
        .ok_or_else(|| bad("no `classifiers` array"))?;
    let mut entries = Vec::new();
    for c in list {
        let name = c["name"]
            .as_str()
            .ok_or_else(|| bad("a classifier without a name"))?
            .to_owned();
        let failed = c["status"].as_str() == Some("failed");
        let score = if failed {
            None
        } else {
            Some(
                c["metrics"][metric]["mean"]
                    .as_f64()
                    .ok_or_else(|| bad(&format!("`{name}` has no {metric} mean")))?,
            )
        };
        let verdict = c["vs_baseline"][metric]["verdict"]
            .as_str()
            .map(str::to_owned);
        entries.push(Entry {
            name,
            score,
            error: failed.then(|| c["error"].as_str().unwrap_or("failed").to_owned()),
            verdict,
        });
    }
    Ok(CorpusResult {
        name: name.to_owned(),
        report_dir: report_dir.to_owned(),
        entries,
    })
}

/// Ranks one corpus's scores: 1 = best, ties share the mean of their places; a missing score
/// (a failed classifier) ranks below every present one, the failed ones tied ([`FAILURE_RULE`]).
pub fn rank_scores(scores: &[Option<f64>], higher_is_better: bool) -> Vec<f64> {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    // Present scores best first, then the missing ones; equal keys end up adjacent.
    let key = |i: usize| scores[i].map(|s| if higher_is_better { -s } else { s });
    order.sort_by(|&a, &b| match (key(a), key(b)) {
        (Some(x), Some(y)) => x.total_cmp(&y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
    let mut ranks = vec![0.0; scores.len()];
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && key(order[end]) == key(order[start]) {
            end += 1;
        }
        // Places start+1 ..= end share their mean.
        let shared = (start + 1 + end) as f64 / 2.0;
        for &i in &order[start..end] {
            ranks[i] = shared;
        }
        start = end;
    }
    ranks
}

/// The Friedman test over `ranks` (one row per corpus, one column per classifier).
#[derive(Debug, Clone, PartialEq)]
pub struct Friedman {
    /// χ²_F with scipy's tie correction (Demšar's formula when no rank is tied).
    pub statistic: f64,
    /// Its p-value (χ² with k − 1 degrees of freedom).
    pub chi2_p_value: f64,
    /// Iman–Davenport F_F = (N − 1)χ²_F / (N(k − 1) − χ²_F); infinite when every corpus ranks
    /// the classifiers the same way.
    pub iman_davenport_f: f64,
    /// Its degrees of freedom, k − 1 and (k − 1)(N − 1).
    pub df: (f64, f64),
    /// The p-value of F_F (the one the leaderboard uses, as Demšar recommends).
    pub p_value: f64,
}

/// Friedman's test and the Iman–Davenport correction, or why it cannot run.
pub fn friedman(ranks: &[Vec<f64>]) -> std::result::Result<Friedman, String> {
    let n = ranks.len();
    let k = ranks.first().map_or(0, Vec::len);
    if k < 2 {
        return Err(format!(
            "the Friedman test needs at least 2 classifiers (k = {k})"
        ));
    }
    if n < 2 {
        return Err(format!(
            "the Friedman test needs at least 2 corpora (N = {n}); Demšar (2006) recommends N ≥ 10 for its χ² approximation"
        ));
    }
    let (nf, kf) = (n as f64, k as f64);
    // scipy.stats.friedmanchisquare's tie correction: c = 1 − Σ(t³ − t) / (k(k² − 1)N).
    let mut ties = 0.0;
    for row in ranks {
        let mut sorted = row.clone();
        sorted.sort_by(f64::total_cmp);
        let mut i = 0;
        while i < k {
            let mut j = i + 1;
            while j < k && sorted[j] == sorted[i] {
                j += 1;
            }
            let t = (j - i) as f64;
            ties += t * (t * t - 1.0);
            i = j;
        }
    }
    let c = 1.0 - ties / (kf * (kf * kf - 1.0) * nf);
    if c <= 1e-12 {
        return Err("every classifier ties with every other on every corpus".into());
    }
    let sums: Vec<f64> = (0..k).map(|j| ranks.iter().map(|r| r[j]).sum()).collect();
    let ss: f64 = sums.iter().map(|s| s * s).sum();
    let statistic = ((12.0 / (kf * nf * (kf + 1.0)) * ss - 3.0 * nf * (kf + 1.0)) / c).max(0.0);
    let chi2_p_value = ChiSquared::new(kf - 1.0).map_or(f64::NAN, |d| d.sf(statistic));
    let df = (kf - 1.0, (kf - 1.0) * (nf - 1.0));
    let denom = nf * (kf - 1.0) - statistic;
    let (iman_davenport_f, p_value) = if denom <= 1e-12 {
        (f64::INFINITY, 0.0)
    } else {
        let f = (nf - 1.0) * statistic / denom;
        (
            f,
            FisherSnedecor::new(df.0, df.1).map_or(f64::NAN, |d| d.sf(f)),
        )
    };
    Ok(Friedman {
        statistic,
        chi2_p_value,
        iman_davenport_f,
        df,
        p_value,
    })
}

/// The standard error of a difference of mean ranks, sqrt(k(k + 1) / (6N)) (Demšar §3.2.2).
pub fn rank_se(k: usize, n: usize) -> f64 {
    let kf = k as f64;
    (kf * (kf + 1.0) / (6.0 * n as f64)).sqrt()
}

/// Nemenyi's q_0.05 for `k` classifiers: Demšar's table for k ≤ 10, beyond it computed from
/// the studentized range (infinite degrees of freedom) by [`studentized_range_q`].
pub fn nemenyi_q05(k: usize) -> Option<f64> {
    match k {
        0 | 1 => None,
        2..=10 => Some(NEMENYI_Q05[k - 2]),
        _ => Some(studentized_range_q(k, 1.0 - ALPHA) / std::f64::consts::SQRT_2),
    }
}

/// The `p` quantile of the range of `k` independent standard normals (the studentized range
/// with infinite degrees of freedom): solves P(Q ≤ q) = p by bisection, where
/// P(Q ≤ q) = k ∫ φ(z) [Φ(z) − Φ(z − q)]^(k−1) dz (Simpson's rule on [−8, 8]).
pub fn studentized_range_q(k: usize, p: f64) -> f64 {
    let normal = Normal::standard();
    let cdf = |q: f64| {
        let steps = 1600;
        let (a, b) = (-8.0, 8.0);
        let h = (b - a) / steps as f64;
        let f = |z: f64| {
            let phi = (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt();
            phi * (normal.cdf(z) - normal.cdf(z - q)).powi(k as i32 - 1)
        };
        let mut s = f(a) + f(b);
        for i in 1..steps {
            s += f(a + i as f64 * h) * if i % 2 == 1 { 4.0 } else { 2.0 };
        }
        k as f64 * s * h / 3.0
    };
    let (mut lo, mut hi) = (0.0, 20.0);
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if cdf(mid) < p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// The Nemenyi critical difference and the groups it cannot tell apart.
#[derive(Debug, Clone, PartialEq)]
pub struct CriticalDifference {
    /// q_0.05 for k classifiers.
    pub q_alpha: f64,
    /// CD = q_α · sqrt(k(k + 1) / (6N)).
    pub value: f64,
    /// Maximal runs of classifiers (by mean rank) whose mean ranks differ by less than CD,
    /// as indices into the classifier list; only runs of two or more.
    pub groups: Vec<Vec<usize>>,
}

/// Maximal sets of consecutive (by mean rank) classifiers whose extreme mean ranks differ by
/// less than `cd`, as indices into `mean_ranks`, each listed best first; runs of one are left
/// out.
pub fn cd_groups(mean_ranks: &[f64], cd: f64) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..mean_ranks.len()).collect();
    order.sort_by(|&a, &b| mean_ranks[a].total_cmp(&mean_ranks[b]).then(a.cmp(&b)));
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut last_end = 0;
    for i in 0..order.len() {
        let mut end = i + 1;
        while end < order.len() && mean_ranks[order[end]] - mean_ranks[order[i]] < cd {
            end += 1;
        }
        // A run that ends where an earlier one ended lies inside it.
        if end > last_end && end - i >= 2 {
            groups.push(order[i..end].to_vec());
        }
        last_end = last_end.max(end);
    }
    groups
}

/// One contender against the baseline on mean ranks (Demšar §3.2.2).
#[derive(Debug, Clone, PartialEq)]
pub struct RankComparison {
    /// z = (R_i − R_base) / sqrt(k(k + 1) / (6N)); negative is better.
    pub z: f64,
    /// Two-sided normal p of z.
    pub p_value: f64,
    /// Holm-adjusted over the contenders.
    pub p_adjusted: f64,
    /// `better`, `worse` (adjusted p < 0.05) or `no significant difference`.
    pub verdict: &'static str,
}

/// The leaderboard: everything the suite reports compute.
#[derive(Debug, Clone)]
pub struct Leaderboard {
    /// Metric.
    pub metric: String,
    /// The baseline's name.
    pub baseline: String,
    /// Corpus names (columns).
    pub corpora: Vec<String>,
    /// Corpora skipped, with why.
    pub skipped: Vec<(String, String)>,
    /// Classifier rows, sorted by mean rank (then name).
    pub rows: Vec<Row>,
    /// The Friedman test, or why it could not run.
    pub friedman: std::result::Result<Friedman, String>,
    /// The critical difference, or why there is none.
    pub critical_difference: std::result::Result<CriticalDifference, String>,
    /// Why the rank comparisons with the baseline are untested, when they are.
    pub untested_reason: Option<String>,
}

/// One classifier's line of the leaderboard.
#[derive(Debug, Clone)]
pub struct Row {
    /// Name.
    pub name: String,
    /// Score per corpus (None: failed).
    pub scores: Vec<Option<f64>>,
    /// Failure message per corpus.
    pub errors: Vec<Option<String>>,
    /// Rank per corpus.
    pub ranks: Vec<f64>,
    /// Mean of `ranks`.
    pub mean_rank: f64,
    /// Against the baseline on mean ranks (None for the baseline, or untested).
    pub vs_baseline: Option<RankComparison>,
    /// Each corpus's own verdict against the baseline (None for the baseline; `failed` when the
    /// classifier failed there).
    pub verdicts: Vec<Option<String>>,
}

impl Row {
    /// (wins, ties, losses, untested) from the corpora's own verdicts: `better` wins, `worse`
    /// loses, `equivalent` and `no significant difference` tie, the rest (untested, failed) are
    /// untested.
    pub fn record(&self) -> (usize, usize, usize, usize) {
        let mut r = (0, 0, 0, 0);
        for v in self.verdicts.iter().flatten() {
            match v.as_str() {
                "better" => r.0 += 1,
                "equivalent" | "no significant difference" => r.1 += 1,
                "worse" => r.2 += 1,
                _ => r.3 += 1,
            }
        }
        r
    }
}

/// Builds the leaderboard from the corpora's results. Classifiers are those of the first
/// corpus, then any new ones; one missing from a corpus counts as failed there.
pub fn leaderboard(
    metric: &str,
    baseline: &str,
    results: &[CorpusResult],
    skipped: Vec<(String, String)>,
) -> Leaderboard {
    let mut names: Vec<String> = Vec::new();
    for r in results {
        for e in &r.entries {
            if !names.contains(&e.name) {
                names.push(e.name.clone());
            }
        }
    }
    let (n, k) = (results.len(), names.len());
    let higher = crate::eval::higher_is_better(metric);
    let find = |r: &CorpusResult, name: &str| r.entries.iter().find(|e| e.name == name).cloned();
    let scores: Vec<Vec<Option<f64>>> = results
        .iter()
        .map(|r| {
            names
                .iter()
                .map(|c| find(r, c).and_then(|e| e.score))
                .collect()
        })
        .collect();
    let ranks: Vec<Vec<f64>> = scores.iter().map(|s| rank_scores(s, higher)).collect();
    let mean_ranks: Vec<f64> = (0..k)
        .map(|j| ranks.iter().map(|r| r[j]).sum::<f64>() / n.max(1) as f64)
        .collect();
    let friedman = friedman(&ranks);
    let untested_reason = if n < 2 {
        Some(format!(
            "ranks over {n} corpus/corpora cannot be compared: at least 2 are needed (Demšar recommends 10 or more)"
        ))
    } else if !names.iter().any(|c| c == baseline) {
        Some(format!("the baseline {baseline} did not run"))
    } else {
        None
    };
    let base = names.iter().position(|c| c == baseline);
    let mut comparisons: Vec<Option<RankComparison>> = vec![None; k];
    if let (None, Some(b)) = (&untested_reason, base) {
        let se = rank_se(k, n);
        let normal = Normal::standard();
        let z: Vec<Option<f64>> = (0..k)
            .map(|j| (j != b).then(|| (mean_ranks[j] - mean_ranks[b]) / se))
            .collect();
        let p: Vec<Option<f64>> = z
            .iter()
            .map(|z| z.map(|z| (2.0 * normal.sf(z.abs())).min(1.0)))
            .collect();
        let adj = crate::eval::stats::holm(&p);
        for j in 0..k {
            if let (Some(z), Some(p), Some(a)) = (z[j], p[j], adj[j]) {
                comparisons[j] = Some(RankComparison {
                    z,
                    p_value: p,
                    p_adjusted: a,
                    verdict: if a < ALPHA && z < 0.0 {
                        "better"
                    } else if a < ALPHA && z > 0.0 {
                        "worse"
                    } else {
                        "no significant difference"
                    },
                });
            }
        }
    }
    let critical_difference = match (n, nemenyi_q05(k)) {
        (0 | 1, _) => Err(format!(
            "no critical difference over {n} corpus/corpora: at least 2 are needed"
        )),
        (_, None) => Err(format!("no critical difference for {k} classifier(s)")),
        (_, Some(q)) => {
            let value = q * rank_se(k, n);
            Ok(CriticalDifference {
                q_alpha: q,
                value,
                groups: cd_groups(&mean_ranks, value),
            })
        }
    };
    let mut rows: Vec<Row> = (0..k)
        .map(|j| {
            let name = &names[j];
            Row {
                name: name.clone(),
                scores: scores.iter().map(|s| s[j]).collect(),
                errors: results
                    .iter()
                    .map(|r| match find(r, name) {
                        Some(e) => e.error,
                        None => Some("not run on this corpus".into()),
                    })
                    .collect(),
                ranks: ranks.iter().map(|r| r[j]).collect(),
                mean_rank: mean_ranks[j],
                vs_baseline: comparisons[j].clone(),
                verdicts: results
                    .iter()
                    .map(|r| {
                        (name != baseline).then(|| match find(r, name) {
                            Some(e) if e.score.is_none() => "failed".to_owned(),
                            Some(e) => e.verdict.unwrap_or_else(|| "untested".into()),
                            None => "failed".to_owned(),
                        })
                    })
                    .collect(),
            }
        })
        .collect();
    // Groups hold indices into `names`; keep them valid by sorting a permutation.
    let mut order: Vec<usize> = (0..k).collect();
    order.sort_by(|&a, &b| {
        mean_ranks[a]
            .total_cmp(&mean_ranks[b])
            .then(names[a].cmp(&names[b]))
    });
    let position: Vec<usize> = {
        let mut p = vec![0; k];
        for (new, &old) in order.iter().enumerate() {
            p[old] = new;
        }
        p
    };
    let critical_difference = critical_difference.map(|mut cd| {
        for g in &mut cd.groups {
            for i in g.iter_mut() {
                *i = position[*i];
            }
        }
        cd
    });
    let mut sorted: Vec<Option<Row>> = rows.drain(..).map(Some).collect();
    let rows = order.iter().filter_map(|&i| sorted[i].take()).collect();
    Leaderboard {
        metric: metric.to_owned(),
        baseline: baseline.to_owned(),
        corpora: results.iter().map(|r| r.name.clone()).collect(),
        skipped,
        rows,
        friedman,
        critical_difference,
        untested_reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(got: f64, want: f64, tol: f64, what: &str) {
        assert!(
            (got - want).abs() <= tol * want.abs().max(1e-300),
            "{what}: got {got}, want {want}"
        );
    }

    #[test]
    fn ranks_average_ties_and_put_failures_last() {
        assert_eq!(
            rank_scores(&[Some(0.5), Some(0.9), Some(0.5), Some(0.1)], true),
            vec![2.5, 1.0, 2.5, 4.0]
        );
        // Lower is better for hamming_loss.
        assert_eq!(
            rank_scores(&[Some(0.5), Some(0.9), Some(0.1)], false),
            vec![2.0, 3.0, 1.0]
        );
        // Two failures share places 3 and 4.
        assert_eq!(
            rank_scores(&[None, Some(0.2), None, Some(0.3)], true),
            vec![3.5, 2.0, 3.5, 1.0]
        );
        assert_eq!(rank_scores(&[None, Some(0.0)], true), vec![2.0, 1.0]);
    }

    /// Demšar (2006) §3.2.4, hand-worked example of 4 classifiers over 5 data sets. Scores:
    ///   d1: A .80 B .75 C .70 D .60  → ranks 1 2 3 4
    ///   d2: A .82 B .78 C .79 D .60  → ranks 1 3 2 4
    ///   d3: A .70 B .72 C .65 D .66  → ranks 2 1 4 3
    ///   d4: A .90 B .85 C .85 D .80  → ranks 1 2.5 2.5 4
    ///   d5: A .60 B .58 C .50 D .55  → ranks 1 2 4 3
    /// Rank sums: A 6, B 10.5, C 15.5, D 18; mean ranks 1.2, 2.1, 3.1, 3.6.
    /// Without the tie correction χ² = 12·5/(4·5)·(1.2² + 2.1² + 3.1² + 3.6² − 4·5²/4)
    ///   = 3·(1.44 + 4.41 + 9.61 + 12.96 − 25) = 3·3.42 = 10.26.
    /// Ties: one pair on d4, Σ(t³ − t) = 6; c = 1 − 6/(4·15·5) = 0.98; χ² = 10.26/0.98
    ///   = 513/49 = 10.4693877551.
    /// Iman–Davenport: F = 4·(513/49)/(15 − 513/49) = 2052/222 = 342/37 = 9.2432432.
    /// se = sqrt(4·5/(6·5)) = sqrt(2/3) = 0.816496580927726; CD = 2.569·se = 2.0975797164033283.
    fn demsar_example() -> Vec<CorpusResult> {
        let table = [
            [0.80, 0.75, 0.70, 0.60],
            [0.82, 0.78, 0.79, 0.60],
            [0.70, 0.72, 0.65, 0.66],
            [0.90, 0.85, 0.85, 0.80],
            [0.60, 0.58, 0.50, 0.55],
        ];
        table
            .iter()
            .enumerate()
            .map(|(i, row)| CorpusResult {
                name: format!("d{}", i + 1),
                report_dir: PathBuf::new(),
                entries: ["A", "B", "C", "D"]
                    .iter()
                    .zip(row)
                    .map(|(n, &s)| Entry {
                        name: n.to_string(),
                        score: Some(s),
                        error: None,
                        verdict: (*n != "D").then(|| "better".to_owned()),
                    })
                    .collect(),
            })
            .collect()
    }

    #[test]
    fn the_hand_worked_example_of_4_classifiers_over_5_data_sets() {
        let lb = leaderboard("macro_f1", "D", &demsar_example(), vec![]);
        let names: Vec<&str> = lb.rows.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["A", "B", "C", "D"]);
        let mean: Vec<f64> = lb.rows.iter().map(|r| r.mean_rank).collect();
        for (got, want) in mean.iter().zip([1.2, 2.1, 3.1, 3.6]) {
            close(*got, want, 1e-12, "mean rank");
        }
        assert_eq!(lb.rows[1].ranks, vec![2.0, 3.0, 1.0, 2.5, 2.0]);
        let f = lb.friedman.as_ref().unwrap();
        close(f.statistic, 513.0 / 49.0, 1e-12, "chi2");
        close(f.iman_davenport_f, 342.0 / 37.0, 1e-12, "F_F");
        assert_eq!(f.df, (3.0, 12.0));
        let cd = lb.critical_difference.as_ref().unwrap();
        close(cd.value, 2.0975797164033283, 1e-12, "CD");
        // 3.6 − 1.2 = 2.4 > CD: A and D differ; every other pair lies within CD.
        assert_eq!(cd.groups, vec![vec![0, 1, 2], vec![1, 2, 3]]);
        // A vs the baseline D: z = (1.2 − 3.6)/0.8165 = −2.9393876913398143.
        let a = lb.rows[0].vs_baseline.as_ref().unwrap();
        close(a.z, -2.9393876913398143, 1e-12, "z");
        assert_eq!(a.verdict, "better");
        assert!(lb.rows[3].vs_baseline.is_none());
        assert_eq!(lb.rows[0].record(), (5, 0, 0, 0));
    }

    #[test]
    fn friedman_matches_scipy() {
        // Ranks of the example above (scores → ranks per data set).
        let ranks: Vec<Vec<f64>> = demsar_example()
            .iter()
            .map(|r| rank_scores(&r.entries.iter().map(|e| e.score).collect::<Vec<_>>(), true))
            .collect();
        let f = friedman(&ranks).unwrap();
        // from scipy.stats import friedmanchisquare, f, chi2
        // s = friedmanchisquare([.80,.82,.70,.90,.60], [.75,.78,.72,.85,.58],
        //                       [.70,.79,.65,.85,.50], [.60,.60,.66,.80,.55])
        // → statistic 10.469387755102032, pvalue 0.014970002023204273
        close(f.statistic, 10.469387755102032, 1e-12, "scipy statistic");
        close(f.chi2_p_value, 0.014970002023204273, 1e-9, "scipy p");
        // ff = 4*s.statistic/(5*3 - s.statistic); f.sf(ff, 3, 12)
        // → 9.243243243243217, 0.0019162663258174477
        close(f.iman_davenport_f, 9.243243243243217, 1e-12, "F_F");
        close(f.p_value, 0.0019162663258174477, 1e-9, "F_F p");
        // Perfect agreement: F_F is infinite, p 0.
        let same = vec![vec![1.0, 2.0, 3.0]; 4];
        let f = friedman(&same).unwrap();
        // friedmanchisquare([1]*4, [2]*4, [3]*4).statistic → 8.0
        close(f.statistic, 8.0, 1e-12, "agreement chi2");
        assert!(f.iman_davenport_f.is_infinite() && f.p_value == 0.0);
        assert!(friedman(&[vec![1.0, 2.0]]).unwrap_err().contains("N = 1"));
        assert!(friedman(&[vec![1.5, 1.5], vec![1.5, 1.5]]).is_err());
    }

    #[test]
    fn holm_on_rank_comparisons_matches_statsmodels() {
        // Classifier A over 5 data sets, baseline D (the example above): z for A, B, C is
        // (1.2 − 3.6, 2.1 − 3.6, 3.1 − 3.6)/sqrt(2/3).
        // import numpy as np; from scipy.stats import norm
        // from statsmodels.stats.multitest import multipletests
        // z = (np.array([1.2, 2.1, 3.1]) - 3.6) / np.sqrt(2/3); p = 2*norm.sf(abs(z))
        // p → [0.0032886143038479234, 0.06619257972219345, 0.5402913746074199]
        // multipletests(p, method='holm')[1]
        // → [0.00986584291154377, 0.1323851594443869, 0.5402913746074199]
        let lb = leaderboard("macro_f1", "D", &demsar_example(), vec![]);
        let want = [
            (0.0032886143038479234, 0.00986584291154377),
            (0.06619257972219345, 0.1323851594443869),
            (0.5402913746074199, 0.5402913746074199),
        ];
        for (row, (p, adj)) in lb.rows.iter().zip(want) {
            let c = row.vs_baseline.as_ref().unwrap();
            close(c.p_value, p, 1e-9, "p");
            close(c.p_adjusted, adj, 1e-9, "holm");
        }
        assert_eq!(
            lb.rows[1].vs_baseline.as_ref().unwrap().verdict,
            "no significant difference"
        );
    }

    #[test]
    fn nemenyi_q_is_demsars_table_and_the_studentized_range_extends_it() {
        // Demšar (2006) Table 5(a), α = 0.05 (three decimals, truncated: k = 3 is 2.3437).
        let table = [
            1.960, 2.343, 2.569, 2.728, 2.850, 2.949, 3.031, 3.102, 3.164,
        ];
        for (k, want) in (2..=10).zip(table) {
            assert_eq!(nemenyi_q05(k), Some(want));
            let computed = studentized_range_q(k, 0.95) / std::f64::consts::SQRT_2;
            assert!(
                (computed - want).abs() < 1e-3,
                "k = {k}: computed {computed}, table {want}"
            );
        }
        // scipy.stats.studentized_range.ppf(0.95, k, np.inf) / np.sqrt(2)
        // → k = 12: 3.268003924466142, k = 15: 3.391230283765257
        close(nemenyi_q05(12).unwrap(), 3.268003924466142, 1e-5, "q 12");
        close(nemenyi_q05(15).unwrap(), 3.391230283765257, 1e-5, "q 15");
        assert_eq!(nemenyi_q05(1), None);
    }

    #[test]
    fn one_corpus_is_untested() {
        let one = &demsar_example()[..1];
        let lb = leaderboard("macro_f1", "D", one, vec![]);
        assert!(lb.friedman.unwrap_err().contains("at least 2 corpora"));
        assert!(lb.critical_difference.is_err());
        assert!(lb.untested_reason.is_some());
        assert!(lb.rows.iter().all(|r| r.vs_baseline.is_none()));
    }

    #[test]
    fn cd_groups_are_maximal_runs() {
        assert_eq!(
            cd_groups(&[1.0, 2.0, 3.0, 4.0], 1.5),
            vec![vec![0, 1], vec![1, 2], vec![2, 3]]
        );
        assert_eq!(cd_groups(&[1.0, 1.1, 1.2, 4.0], 1.5), vec![vec![0, 1, 2]]);
        assert!(cd_groups(&[1.0, 3.0], 1.5).is_empty());
    }

    #[test]
    fn the_default_suite_parses() {
        let text = include_str!("../../suites/default.toml");
        let s = parse(Path::new("suites/default.toml"), text, None).unwrap();
        assert_eq!(s.names, ["articles", "20news", "reuters21578"]);
        assert!(s.file.classifiers.is_empty(), "every built-in runs");
        assert!(
            s.file.corpora[1..]
                .iter()
                .all(|c| c.optional && c.split.as_deref() == Some("test"))
        );
    }

    #[test]
    fn suite_files_are_checked() {
        let p = Path::new("s.toml");
        let s = parse(
            p,
            "seed = 7\n[eval]\ntune = false\n[[corpus]]\n[[corpus]]\nfile = \"x/news.csv\"\ntest_file = \"x/t.jsonl\"\nformat = \"jsonl\"\nsplit = \"test\"\n[corpus.columns]\ntext = \"body\"\n",
            None,
        )
        .unwrap();
        assert_eq!(s.names, ["articles", "news"]);
        assert_eq!(s.metric, "macro_f1");
        let args = s.eval_args(1, Path::new("r"), Path::new("o"));
        let joined = args.join(" ");
        assert!(
            joined.contains("--seed 7 --out o --corpus r/x/news.csv --test-corpus r/x/t.jsonl --format jsonl --text-column body --split test"),
            "{joined}"
        );
        assert!(
            joined.ends_with("--no-tune --no-learning-curve"),
            "{joined}"
        );
        let err = |text: &str| parse(p, text, None).unwrap_err().to_string();
        assert!(err("[[corpus]]\nsplit = \"dev\"\n").contains("the only split is"));
        assert!(err("[[corpus]]\n[[corpus]]\n").contains("two corpora are named `articles`"));
        assert!(err("metric = \"auc\"\n[[corpus]]\n").contains("unknown metric `auc`"));
        assert!(err("seed = 1\n").contains("no corpus"));
        let e = err("seed = 1\n\n[[corpus]]\nfiel = \"a.csv\"\n");
        assert!(
            e.starts_with("s.toml:4: not a suite file: unknown field `fiel`"),
            "{e}"
        );
    }
}
