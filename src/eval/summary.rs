//! From predictions to numbers: per-repeat scores, intervals, and each contender's comparison
//! with the baseline (tests chosen by design, Holm per metric, verdicts) ([`summarize`]).

#[allow(unused_imports)]
use super::*;

/// The folds' notes, each kind once: notes that differ only in a size (a number before `MiB` or
/// `bytes`, which varies with each fold's matrix) are one kind, shown as its first fold's text
/// with "(alike in n of m folds)" when n > 1. Other numbers (a topic, an iteration count) make
/// notes of their own.
fn collapse_notes<'a>(per_fold: impl Iterator<Item = &'a [String]>, folds: usize) -> Vec<String> {
    let shape = |n: &str| -> String {
        let words: Vec<&str> = n.split(' ').collect();
        words
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let unit = words
                    .get(i + 1)
                    .is_some_and(|u| u.starts_with("MiB") || u.starts_with("bytes"));
                if unit && w.parse::<f64>().is_ok() {
                    "#"
                } else {
                    w
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut kinds: Vec<(String, String, usize)> = Vec::new();
    for notes in per_fold {
        let mut seen_here: Vec<String> = Vec::new();
        for note in notes {
            let key = shape(note);
            if seen_here.contains(&key) {
                continue;
            }
            match kinds.iter_mut().find(|(k, ..)| *k == key) {
                Some((_, _, n)) => *n += 1,
                None => kinds.push((key.clone(), note.clone(), 1)),
            }
            seen_here.push(key);
        }
    }
    kinds
        .into_iter()
        .map(|(_, first, n)| {
            if n > 1 {
                format!("{first} (alike in {n} of {folds} folds)")
            } else {
                first
            }
        })
        .collect()
}

/// Classifiers ranked by mean macro-F1 (failed ones last), ties by name.
pub fn ranking(summaries: &[ClassifierSummary]) -> Vec<&ClassifierSummary> {
    let mut r: Vec<&ClassifierSummary> = summaries.iter().collect();
    let key = |s: &ClassifierSummary| {
        s.metrics
            .get("macro_f1")
            .map_or(f64::NEG_INFINITY, |m| m.mean)
    };
    r.sort_by(|a, b| key(b).total_cmp(&key(a)).then_with(|| a.name.cmp(&b.name)));
    r
}

/// Per-topic summary over repeats.
#[derive(Debug, Clone)]
pub struct TopicSummary {
    /// Precision over repeats.
    pub precision: Summary,
    /// Recall over repeats.
    pub recall: Summary,
    /// F1 over repeats.
    pub f1: Summary,
    /// Gold positives among the evaluated items (each item is tested once per repeat).
    pub support: u64,
}

/// The comparison of one classifier with the baseline on one headline metric.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricComparison {
    /// Contender − baseline: the mean per-fold difference under cross-validation, the
    /// difference on the test set with one held-out split.
    pub diff: f64,
    /// 95% interval of `diff`: Nadeau–Bengio's corrected t interval (cross-validation), or the
    /// percentile interval of a paired bootstrap over units (held-out split).
    pub ci95: Option<[f64; 2]>,
    /// Two-sided p-value of `test`.
    pub p_value: Option<f64>,
    /// Holm–Bonferroni adjusted over every contender compared on this metric.
    pub p_adjusted: Option<f64>,
    /// The test that gave `p_value`: [`TEST_NADEAU_BENGIO`], [`TEST_MCNEMAR_MIDP`] or
    /// [`TEST_RANDOMIZATION`].
    pub test: &'static str,
    /// From the contender's point of view (see [`stats::verdict`]).
    pub verdict: Verdict,
    /// Why there is no test, when there is none.
    pub reason: Option<String>,
    /// The Bayesian correlated t-test (cross-validation only).
    pub bayes: Option<Bayes>,
}

/// The comparison of one classifier with the baseline.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// Per headline metric.
    pub metrics: BTreeMap<&'static str, MetricComparison>,
    /// McNemar's exact test on per-paragraph exact match, one per repeat (reported; under
    /// cross-validation it decides nothing).
    pub mcnemar: Vec<McNemar>,
}

/// `test` of a cross-validated comparison.
pub const TEST_NADEAU_BENGIO: &str = "nadeau_bengio";
/// `test` of subset accuracy on a held-out split whose units are single documents.
pub const TEST_MCNEMAR_MIDP: &str = "mcnemar_midp";
/// `test` of the other metrics on a held-out split (and of subset accuracy when near-duplicate
/// groups hold several test documents).
pub const TEST_RANDOMIZATION: &str = "approximate_randomization";

/// Settings of the statistics in [`summarize`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StatsOptions {
    /// Seed of the permutation and bootstrap draws (`--seed`).
    pub seed: u64,
    /// Half-width of the region of practical equivalence (`--rope`).
    pub rope: f64,
    /// Rounds of the approximate-randomization test (`--permutations`).
    pub permutations: usize,
    /// Rounds of every bootstrap (`--bootstrap`).
    pub bootstrap: usize,
}

impl Default for StatsOptions {
    fn default() -> Self {
        StatsOptions {
            seed: 42,
            rope: DEFAULT_ROPE,
            permutations: DEFAULT_PERMUTATIONS,
            bootstrap: DEFAULT_BOOTSTRAP,
        }
    }
}

/// Default `--rope`.
pub const DEFAULT_ROPE: f64 = 0.01;
/// Default `--permutations`.
pub const DEFAULT_PERMUTATIONS: usize = 10_000;
/// Default `--bootstrap`.
pub const DEFAULT_BOOTSTRAP: usize = 2_000;

/// Timing of one classifier, seconds.
#[derive(Debug, Clone, Default)]
pub struct Timing {
    /// Mean seconds to fit one fold.
    pub fit_mean: f64,
    /// Mean seconds to predict one fold.
    pub predict_mean: f64,
    /// Total fit + predict seconds over all folds.
    pub total: f64,
}

/// Everything the reports say about one classifier.
#[derive(Debug, Clone)]
pub struct ClassifierSummary {
    /// Registry name.
    pub name: String,
    /// One-line description.
    pub description: String,
    /// Hyperparameters.
    pub params: serde_json::Value,
    /// Why it failed, if it did (then the other fields are empty).
    pub failed: Option<String>,
    /// What the fitted models noted, de-duplicated, in order of first appearance.
    pub notes: Vec<String>,
    /// Headline metrics over repeats, keyed by [`HEADLINE`] names.
    pub metrics: BTreeMap<&'static str, Summary>,
    /// Per headline metric, the 95% cluster-bootstrap interval over the evaluated paragraphs
    /// (near-duplicate groups resampled whole, each with its predictions from every repeat).
    pub bootstrap_ci95: BTreeMap<&'static str, Option<[f64; 2]>>,
    /// Per topic, in topic order.
    pub per_topic: Vec<TopicSummary>,
    /// Scores of each repeat (TP/FP/FN pooled over its folds).
    pub per_repeat: Vec<Scores>,
    /// Comparison with the baseline (None for the baseline itself and for failed runs).
    pub vs_baseline: Option<Comparison>,
    /// Per fold (fold name, what the tuning search chose); empty for an untuned classifier.
    pub tuning: Vec<(String, serde_json::Value)>,
    /// Timing.
    pub timing: Timing,
}

/// True for metrics where larger is better.
pub fn higher_is_better(metric: &str) -> bool {
    metric != "hamming_loss"
}

/// Significance level of the verdicts (on Holm-adjusted p-values).
pub const ALPHA: f64 = 0.05;

/// Gold and predicted matrices of one fold's test items.
fn fold_matrices<'a>(p: &Prepared, fr: &'a FoldRun) -> (Array2<bool>, ArrayView2<'a, bool>) {
    (
        p.gold.select(Axis(0), &p.folds[fr.fold].test),
        ArrayView2::from(&fr.pred.decisions),
    )
}

/// A classifier's scores per fold and pooled per repeat, exact matches per repeat and item, and
/// its outcome cells per repeat and unit.
struct Outcomes {
    per_fold: Vec<Scores>,
    per_repeat: Vec<Scores>,
    exact: Vec<Vec<bool>>,
    cells: Vec<Vec<resample::Cell>>,
}

/// The resampling units: per item, its unit among the scored items (`None` for an item that is
/// never scored), and the number of units. A unit is a near-duplicate group.
fn units(p: &Prepared) -> (Vec<Option<usize>>, usize) {
    let mut ids: BTreeMap<usize, usize> = BTreeMap::new();
    let unit_of = p
        .tested()
        .iter()
        .zip(&p.group_of)
        .map(|(&tested, &g)| {
            tested.then(|| {
                let next = ids.len();
                *ids.entry(g).or_insert(next)
            })
        })
        .collect();
    (unit_of, ids.len())
}

fn outcomes(p: &Prepared, runs: &[FoldRun], unit_of: &[Option<usize>], n_units: usize) -> Outcomes {
    let t = p.gold.ncols();
    let mut per_repeat = vec![Counts::new(t); p.repeats];
    let mut per_fold = Vec::with_capacity(runs.len());
    // exact[repeat][item] = predicted set equals gold set
    let mut exact = vec![vec![false; p.items.len()]; p.repeats];
    let mut cells = vec![vec![resample::Cell::default(); n_units]; p.repeats];
    for fr in runs {
        let fold = &p.folds[fr.fold];
        let (gold, pred) = fold_matrices(p, fr);
        let c = Counts::from_predictions(gold.view(), pred);
        per_repeat[fold.repeat].merge(&c);
        per_fold.push(Scores::from_counts(&c));
        for (k, &item) in fold.test.iter().enumerate() {
            exact[fold.repeat][item] = gold.row(k) == pred.row(k);
            if let Some(u) = unit_of[item] {
                cells[fold.repeat][u].add_doc(gold.row(k), pred.row(k));
            }
        }
    }
    Outcomes {
        per_fold,
        per_repeat: per_repeat.iter().map(Scores::from_counts).collect(),
        exact,
        cells,
    }
}

/// The summary over repeats of a metric (in [0, 1]; the interval is clipped to it).
fn summary(values: &[f64]) -> Summary {
    stats::summarize(values)
        .unwrap_or(Summary {
            mean: 0.0,
            sd: 0.0,
            ci95: None,
        })
        .within_unit()
}

/// A seed for one purpose, derived from the run's seed (so that the purposes draw apart).
fn purpose_seed(seed: u64, purpose: u64) -> u64 {
    seed ^ purpose.wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

const SEED_PERMUTATION: u64 = 1;
const SEED_BOOTSTRAP: u64 = 2;

/// Scores every classifier and compares it with `baseline` (by name).
///
/// Under cross-validation each comparison is the Nadeau–Bengio corrected t-test on the per-fold
/// differences, with the Bayesian correlated t-test beside it; with one held-out test set, paired
/// tests on the same test documents (McNemar's mid-p for subset accuracy when every unit is one
/// document, else approximate randomization over units) with a paired-bootstrap interval. Each
/// metric's p-values are Holm-adjusted over the contenders, and the verdict comes from the
/// adjusted p ([`stats::verdict`]). Every classifier also gets a cluster-bootstrap interval per
/// headline metric.
pub fn summarize(run: &EvalRun, baseline: &str, opts: &StatsOptions) -> Vec<ClassifierSummary> {
    let p = &run.prepared;
    let t = p.gold.ncols();
    let tested = p.tested();
    let support: Vec<u64> = (0..t)
        .map(|k| {
            p.gold
                .column(k)
                .iter()
                .zip(&tested)
                .filter(|&(&b, &s)| b && s)
                .count() as u64
        })
        .collect();
    let n_train =
        p.folds.iter().map(|f| f.train.len()).sum::<usize>() as f64 / p.folds.len() as f64;
    let n_test = p.folds.iter().map(|f| f.test.len()).sum::<usize>() as f64 / p.folds.len() as f64;
    let (unit_of, n_units) = units(p);
    let all: Vec<Option<Outcomes>> = run
        .runs
        .par_iter()
        .map(|r| {
            r.outcome
                .as_ref()
                .ok()
                .map(|runs| outcomes(p, runs, &unit_of, n_units))
        })
        .collect();
    let base = run
        .runs
        .iter()
        .position(|r| r.name == baseline)
        .and_then(|i| all[i].as_ref());
    let single_doc_units = n_units == tested.iter().filter(|&&s| s).count();
    // One bootstrap pass: every resample scores every classifier that ran.
    let ran: Vec<usize> = (0..all.len()).filter(|&i| all[i].is_some()).collect();
    let cells: Vec<&[Vec<resample::Cell>]> = ran
        .iter()
        .filter_map(|&i| all[i].as_ref().map(|o| o.cells.as_slice()))
        .collect();
    let values = resample::bootstrap_values(
        &cells,
        t,
        opts.bootstrap,
        purpose_seed(opts.seed, SEED_BOOTSTRAP),
    );
    let slot = |i: usize| ran.iter().position(|&r| r == i);
    let base_slot = run
        .runs
        .iter()
        .position(|r| r.name == baseline)
        .and_then(slot);

    let mut summaries: Vec<ClassifierSummary> = run
        .runs
        .par_iter()
        .zip(&all)
        .enumerate()
        .map(|(i, (r, o))| {
            let mut s = ClassifierSummary {
                name: r.name.clone(),
                description: describe_for(&r.description, p.single_label),
                params: r.params.clone(),
                failed: None,
                notes: Vec::new(),
                metrics: BTreeMap::new(),
                bootstrap_ci95: BTreeMap::new(),
                per_topic: Vec::new(),
                per_repeat: Vec::new(),
                vs_baseline: None,
                tuning: Vec::new(),
                timing: Timing::default(),
            };
            let (runs, o) = match (&r.outcome, o) {
                (Ok(runs), Some(o)) => (runs, o),
                (Err(e), _) => {
                    s.failed = Some(e.clone());
                    return s;
                }
                (Ok(_), None) => unreachable!("outcomes exist for every successful run"),
            };
            s.notes = collapse_notes(runs.iter().map(|f| f.notes.as_slice()), runs.len());
            s.tuning = runs
                .iter()
                .filter_map(|f| Some((p.folds[f.fold].name(), f.tuning.clone()?)))
                .collect();
            for m in HEADLINE {
                let v: Vec<f64> = o.per_repeat.iter().filter_map(|s| s.headline(m)).collect();
                s.metrics.insert(m, summary(&v));
            }
            let k = slot(i).unwrap_or_else(|| unreachable!("every run with outcomes has a slot"));
            for (m, ci) in HEADLINE.iter().zip(resample::cluster_interval(&values, k)) {
                s.bootstrap_ci95.insert(m, ci);
            }
            s.per_topic = (0..t)
                .map(|k| {
                    let pick = |f: fn(&crate::eval::metrics::TopicScores) -> f64| {
                        summary(
                            &o.per_repeat
                                .iter()
                                .map(|s| f(&s.per_topic[k]))
                                .collect::<Vec<_>>(),
                        )
                    };
                    TopicSummary {
                        precision: pick(|x| x.precision),
                        recall: pick(|x| x.recall),
                        f1: pick(|x| x.f1),
                        support: support[k],
                    }
                })
                .collect();
            if r.name != baseline {
                s.vs_baseline = Some(match (base, base_slot) {
                    (Some(b), Some(bk)) if p.held_out() => {
                        let ci = resample::paired_interval(&values, k, bk);
                        held_out_comparison(o, b, t, single_doc_units, ci, opts)
                    }
                    (Some(b), _) => cv_comparison(o, b, n_train, n_test, opts.rope),
                    (None, _) => untested_comparison(
                        "the baseline failed, so there is nothing to compare with",
                    ),
                });
            }
            s.per_repeat = o.per_repeat.clone();
            let folds = runs.len().max(1) as f64;
            s.timing = Timing {
                fit_mean: runs.iter().map(|f| f.fit_secs).sum::<f64>() / folds,
                predict_mean: runs.iter().map(|f| f.predict_secs).sum::<f64>() / folds,
                total: runs.iter().map(|f| f.fit_secs + f.predict_secs).sum(),
            };
            s
        })
        .collect();
    adjust_and_decide(&mut summaries, opts);
    summaries
}

/// On a single-label corpus every classifier predicts one topic per document (the highest
/// score), so a description's "one-vs-rest" would mislead.
fn describe_for(description: &str, single_label: bool) -> String {
    if single_label && description.contains("one-vs-rest") {
        format!(
            "{}; single-label corpus: one topic per document, the highest-scoring",
            description
                .replace(", one-vs-rest", "")
                .replace(" one-vs-rest", "")
        )
    } else {
        description.to_owned()
    }
}

/// A comparison in which nothing could be tested, for `reason`.
fn untested_comparison(reason: &str) -> Comparison {
    let metrics = HEADLINE
        .iter()
        .map(|&m| {
            (
                m,
                MetricComparison {
                    diff: f64::NAN,
                    ci95: None,
                    p_value: None,
                    p_adjusted: None,
                    test: "none",
                    verdict: Verdict::Untested,
                    reason: Some(reason.to_owned()),
                    bayes: None,
                },
            )
        })
        .collect();
    Comparison {
        metrics,
        mcnemar: Vec::new(),
    }
}

/// Per repeat, McNemar's exact test on the per-paragraph exact matches of `a` against `b`.
fn mcnemar_per_repeat(a: &Outcomes, b: &Outcomes) -> Vec<McNemar> {
    a.exact
        .iter()
        .zip(&b.exact)
        .map(|(x, y)| {
            let only_a = x.iter().zip(y).filter(|&(&x, &y)| x && !y).count() as u64;
            let only_b = x.iter().zip(y).filter(|&(&x, &y)| !x && y).count() as u64;
            stats::mcnemar_exact(only_a, only_b)
        })
        .collect()
}

/// Cross-validation: the corrected resampled t-test and the Bayesian correlated t-test on the
/// per-fold differences (verdicts come later, from the adjusted p).
fn cv_comparison(a: &Outcomes, b: &Outcomes, n_train: f64, n_test: f64, rope: f64) -> Comparison {
    let metrics = HEADLINE
        .iter()
        .map(|&m| {
            let diffs: Vec<f64> = a
                .per_fold
                .iter()
                .zip(&b.per_fold)
                .map(|(x, y)| x.headline(m).unwrap_or(0.0) - y.headline(m).unwrap_or(0.0))
                .collect();
            let paired = stats::nadeau_bengio(&diffs, n_train, n_test);
            let reason = paired.p_value.is_none().then(|| {
                "the corrected t-test needs at least two folds with finite scores".to_owned()
            });
            let bayes =
                stats::bayes_correlated_t(&diffs, n_train, n_test, rope, higher_is_better(m));
            (
                m,
                MetricComparison {
                    diff: paired.diff,
                    ci95: paired.ci95,
                    p_value: paired.p_value,
                    p_adjusted: None,
                    test: TEST_NADEAU_BENGIO,
                    verdict: Verdict::Untested,
                    reason,
                    bayes,
                },
            )
        })
        .collect();
    Comparison {
        metrics,
        mcnemar: mcnemar_per_repeat(a, b),
    }
}

/// One held-out test set: paired tests on the same test documents, units swapped or resampled
/// whole (verdicts come later, from the adjusted p).
fn held_out_comparison(
    a: &Outcomes,
    b: &Outcomes,
    n_topics: usize,
    single_doc_units: bool,
    boot: [Option<[f64; 2]>; 4],
    opts: &StatsOptions,
) -> Comparison {
    let perm = resample::permutation_test(
        &a.cells[0],
        &b.cells[0],
        n_topics,
        opts.permutations,
        purpose_seed(opts.seed, SEED_PERMUTATION),
    );
    let mcnemar = mcnemar_per_repeat(a, b);
    let metrics = HEADLINE
        .iter()
        .enumerate()
        .map(|(i, &m)| {
            let diff = a.per_repeat[0].headline(m).unwrap_or(0.0)
                - b.per_repeat[0].headline(m).unwrap_or(0.0);
            let (p_value, test) = if m == "subset_accuracy" && single_doc_units {
                (
                    stats::mcnemar_midp(mcnemar[0].b, mcnemar[0].c),
                    TEST_MCNEMAR_MIDP,
                )
            } else {
                (perm[i], TEST_RANDOMIZATION)
            };
            (
                m,
                MetricComparison {
                    diff,
                    ci95: boot[i],
                    p_value: Some(p_value),
                    p_adjusted: None,
                    test,
                    verdict: Verdict::Untested,
                    reason: None,
                    bayes: None,
                },
            )
        })
        .collect();
    Comparison { metrics, mcnemar }
}

/// Holm-adjusts each metric's p-values over the contenders and draws every verdict.
fn adjust_and_decide(summaries: &mut [ClassifierSummary], opts: &StatsOptions) {
    for m in HEADLINE {
        let raw: Vec<Option<f64>> = summaries
            .iter()
            .map(|s| s.vs_baseline.as_ref().and_then(|c| c.metrics[m].p_value))
            .collect();
        let adjusted = stats::holm(&raw);
        for (s, adj) in summaries.iter_mut().zip(adjusted) {
            if let Some(c) = s.vs_baseline.as_mut().and_then(|c| c.metrics.get_mut(m)) {
                c.p_adjusted = adj;
                c.verdict =
                    stats::verdict(c.diff, c.ci95, adj, ALPHA, opts.rope, higher_is_better(m));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_differing_only_in_a_size_are_one_kind() {
        let mem = |mib: &str| {
            format!(
                "ran on the sparse equivalent of linfa-bayes: the dense training matrix would need {mib} MiB, over the memory budget of 1 MiB"
            )
        };
        let folds = [
            vec![mem("412.5"), "topic 3 stopped".to_owned()],
            vec![mem("398"), "topic 5 stopped".to_owned()],
            vec![mem("401.25")],
        ];
        let got = collapse_notes(folds.iter().map(Vec::as_slice), 3);
        assert_eq!(
            got,
            [
                format!("{} (alike in 3 of 3 folds)", mem("412.5")),
                "topic 3 stopped".to_owned(),
                "topic 5 stopped".to_owned(),
            ]
        );
    }
}
