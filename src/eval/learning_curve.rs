//! Learning curves: macro-F1 against the share of each training fold used, for the baseline and
//! the best built-in contender, on the main run's own folds.
//!
//! For every fold of [`eval::Prepared`] the training paragraphs are put in one seeded, stratified
//! order ([`stratified_order`]); the first 10%, 20%, …, 100% of that order are the training
//! subsets, so each subset contains the smaller ones (nested, which keeps the curve from
//! wobbling with the draw). The vocabulary and every weight come from the subset only; the test
//! side is the fold's whole test set. TP/FP/FN are pooled over a repeat's folds and summarized
//! over repeats exactly as `eval::summarize` does for the main run, so the 100% point equals the
//! main run's number.
//!
//! The baseline's curve is computed with [`SparseMultinomialNb`], whose joint log-likelihoods
//! equal linfa-bayes's (tested in `tests/equivalence.rs`): linfa's fit prints a leftover `dbg!`
//! that is silenced under a process-wide lock, which would serialize 500 fits. `cli` calls
//! [`compute`] after `eval::summarize`; `report` writes the result.

use std::cmp::Reverse;
use std::collections::BTreeMap;

use ndarray::Axis;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use crate::classifiers::{self, Classifier, FitContext, sparse_nb::SparseMultinomialNb};
use crate::data::dataset::Dataset;
use crate::eval::metrics::{Counts, Scores};
use crate::eval::stats::{self, Summary};
use crate::eval::{self, ClassifierSummary, EvalRun, Prepared};
use crate::features::{Tokenized, Vocabulary};

/// The training shares, in percent.
pub const PERCENTS: [usize; 10] = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];

/// One classifier's curve.
#[derive(Debug, Clone)]
pub struct Curve {
    /// Registry name.
    pub name: String,
    /// `baseline` or `best contender`.
    pub role: &'static str,
    /// How the curve was computed when that differs from the main run.
    pub note: Option<String>,
    /// Macro-F1 over repeats at each of [`PERCENTS`], or why the curve could not be computed.
    pub macro_f1: Result<Vec<Summary>, String>,
}

/// The learning curves of one run.
#[derive(Debug, Clone)]
pub struct LearningCurve {
    /// Mean number of training paragraphs per fold at each of [`PERCENTS`].
    pub train_size: Vec<f64>,
    /// The baseline first, then the best contender (when there is one).
    pub curves: Vec<Curve>,
    /// Why there is no contender curve, when there is none.
    pub note: Option<String>,
}

/// Number of training paragraphs at `percent` of `n`: rounded half up, at least one.
pub fn subset_size(percent: usize, n: usize) -> usize {
    ((percent * n + 50) / 100).clamp(1.min(n), n)
}

/// A seeded order of items in which every prefix is stratified: each item's stratum is its
/// rarest topic among `labels` (ties to the lower topic id; no topic is a stratum of its own),
/// strata are shuffled, and position `k` takes the next item of the stratum furthest below its
/// share `(k + 1) · n_s / n` (ties to the lower stratum). Every prefix of length m therefore holds
/// about `m · n_s / n` items of each stratum, and a rare topic appears as early as its share
/// allows. Integer arithmetic only, so the order is the same on every machine.
pub fn stratified_order(labels: &[&[usize]], n_topics: usize, rng: &mut ChaCha8Rng) -> Vec<usize> {
    let mut count = vec![0usize; n_topics];
    for ts in labels {
        for &t in *ts {
            count[t] += 1;
        }
    }
    let mut strata: Vec<Vec<usize>> = vec![Vec::new(); n_topics + 1];
    for (i, ts) in labels.iter().enumerate() {
        let s = ts
            .iter()
            .copied()
            .min_by_key(|&t| (count[t], t))
            .unwrap_or(n_topics);
        strata[s].push(i);
    }
    for s in &mut strata {
        s.shuffle(rng);
    }
    let n = labels.len() as i64;
    let mut taken = vec![0usize; strata.len()];
    let mut order = Vec::with_capacity(labels.len());
    for k in 1..=n {
        let deficit = |s: usize| k * strata[s].len() as i64 - taken[s] as i64 * n;
        let Some(s) = (0..strata.len())
            .filter(|&s| taken[s] < strata[s].len())
            .max_by_key(|&s| (deficit(s), Reverse(s)))
        else {
            break;
        };
        order.push(strata[s][taken[s]]);
        taken[s] += 1;
    }
    order
}

/// A classifier to draw a curve for.
struct Model {
    name: String,
    role: &'static str,
    /// `None` when it is not a built-in classifier (then the curve is failed).
    classifier: Option<Box<dyn Classifier>>,
    note: Option<String>,
}

/// The classifier a curve is computed with: the baseline's sparse twin, or the registry entry
/// (tuned when the run tuned it).
fn curve_classifier(name: &str, tuned: bool) -> Option<(Box<dyn Classifier>, Option<String>)> {
    let note = "tuned inside every training subset, as in the main run (the default hyperparameters where a subset is too small to hold out inner folds)";
    let wrap = |c: Box<dyn Classifier>| -> Option<Box<dyn Classifier>> {
        if tuned {
            let t: Box<dyn Classifier> = Box::new(classifiers::Tuned::new(c)?);
            Some(t)
        } else {
            Some(c)
        }
    };
    if name == classifiers::BASELINE {
        let sparse = "computed with the sparse multinomial naive Bayes, which gives linfa-bayes's joint log-likelihoods (tested equal) without its serialized fit";
        let text = if tuned {
            format!("{sparse}; {note}")
        } else {
            sparse.to_owned()
        };
        return Some((wrap(Box::<SparseMultinomialNb>::default())?, Some(text)));
    }
    let c = classifiers::by_name(name)?;
    if tuned {
        return Some((wrap(c)?, Some(note.to_owned())));
    }
    Some((c, None))
}

/// The contender with the highest mean macro-F1 that can be re-run (a built-in one), and a note
/// when a better external one was passed over.
fn best_contender<'a>(
    summaries: &'a [ClassifierSummary],
    baseline: &str,
) -> (Option<&'a ClassifierSummary>, Option<String>) {
    let ranked = crate::eval::ranking(summaries);
    let mut candidates = ranked
        .into_iter()
        .filter(|s| s.name != baseline && s.failed.is_none());
    let Some(first) = candidates.next() else {
        return (None, Some("no contender ran successfully".to_owned()));
    };
    if classifiers::by_name(&first.name).is_some() {
        return (Some(first), None);
    }
    let note = format!(
        "the best contender, `{}`, is external and is not re-run for the curve; the curve shows the best built-in one",
        first.name
    );
    let built_in = candidates.find(|s| classifiers::by_name(&s.name).is_some());
    (built_in, Some(note))
}

/// Computes the curves of the baseline and the best built-in contender on `run`'s folds.
pub fn compute(
    ds: &Dataset,
    run: &EvalRun,
    summaries: &[ClassifierSummary],
    baseline: &str,
    seed: u64,
    memory_budget_bytes: u64,
) -> LearningCurve {
    let p = &run.prepared;
    let (contender, note) = best_contender(summaries, baseline);
    let tuned = |name: &str| {
        summaries
            .iter()
            .any(|s| s.name == name && s.params.get("tuning").is_some())
    };
    let mut picked: Vec<(&str, &'static str)> = vec![(baseline, "baseline")];
    if let Some(c) = contender {
        picked.push((c.name.as_str(), "best contender"));
    }
    let models: Vec<Model> = picked
        .iter()
        .map(|&(name, role)| {
            let (classifier, note) = curve_classifier(name, tuned(name)).unzip();
            Model {
                name: name.to_owned(),
                role,
                classifier,
                note: note.flatten(),
            }
        })
        .collect();

    let mut ngrams: Vec<usize> = models
        .iter()
        .filter_map(|m| m.classifier.as_ref().map(|c| c.features().ngram_max))
        .collect();
    ngrams.sort_unstable();
    ngrams.dedup();
    let texts: Vec<&str> = p.items.iter().map(|&i| ds.items[i].text.as_str()).collect();
    // Reuse the run's tokenized texts; a merged run has none, so tokenize what is missing.
    let owned: BTreeMap<usize, Tokenized> = ngrams
        .iter()
        .filter(|n| !run.tokenized.contains_key(n))
        .map(|&n| (n, Tokenized::new(&texts, n)))
        .collect();
    let tokenized: BTreeMap<usize, &Tokenized> = run
        .tokenized
        .iter()
        .chain(&owned)
        .map(|(&n, t)| (n, t))
        .collect();

    // One task per (fold, share), so that even a single train/test split keeps every core busy;
    // results are collected in task order.
    let orders: Vec<Vec<usize>> = p
        .folds
        .par_iter()
        .map(|fold| fold_order(p, fold, seed))
        .collect();
    let tasks: Vec<(usize, usize)> = (0..p.folds.len())
        .flat_map(|f| (0..PERCENTS.len()).map(move |k| (f, k)))
        .collect();
    // per task → per model: the counts of the fold's test side.
    let results: Vec<Vec<Result<Counts, String>>> = tasks
        .par_iter()
        .map(|&(f, k)| {
            let (fold, order, pct) = (&p.folds[f], &orders[f], PERCENTS[k]);
            let mut subset: Vec<usize> = order[..subset_size(pct, order.len())]
                .iter()
                .map(|&i| fold.train[i])
                .collect();
            // Training rows in item order, as the main run has them, so that the 100% point
            // is the main run's fit exactly.
            subset.sort_unstable();
            models
                .iter()
                .map(|model| {
                    let Some(c) = &model.classifier else {
                        return Err(format!("`{}` is not a built-in classifier", model.name));
                    };
                    let tok = &tokenized[&c.features().ngram_max];
                    fit_and_count(p, fold, &subset, c.as_ref(), tok, seed, memory_budget_bytes)
                        .map_err(|e| format!("fold {} at {pct}%: {e}", fold.name()))
                })
                .collect()
        })
        .collect();

    let train_size = PERCENTS
        .iter()
        .map(|&pct| {
            p.folds
                .iter()
                .map(|f| subset_size(pct, f.train.len()) as f64)
                .sum::<f64>()
                / p.folds.len().max(1) as f64
        })
        .collect();
    let curves = models
        .into_iter()
        .enumerate()
        .map(|(m, model)| Curve {
            name: model.name,
            role: model.role,
            note: model.note,
            macro_f1: pool(p, &tasks, &results, m),
        })
        .collect();
    LearningCurve {
        train_size,
        curves,
        note,
    }
}

/// The stratified order of `fold`'s training items (positions into `fold.train`).
fn fold_order(p: &Prepared, fold: &crate::eval::folds::Fold, seed: u64) -> Vec<usize> {
    let labels: Vec<Vec<usize>> = fold
        .train
        .iter()
        .map(|&i| (0..p.gold.ncols()).filter(|&t| p.gold[[i, t]]).collect())
        .collect();
    let refs: Vec<&[usize]> = labels.iter().map(Vec::as_slice).collect();
    let mut rng = ChaCha8Rng::seed_from_u64(eval::fold_seed(seed, fold));
    // Stream 1: independent of anything else drawn from the fold's seed.
    rng.set_stream(1);
    stratified_order(&refs, p.gold.ncols(), &mut rng)
}

/// Fits `c` on `subset` (items of the fold's training side) and counts its test-side errors.
fn fit_and_count(
    p: &Prepared,
    fold: &crate::eval::folds::Fold,
    subset: &[usize],
    c: &dyn Classifier,
    tok: &Tokenized,
    seed: u64,
    memory_budget_bytes: u64,
) -> Result<Counts, String> {
    let vocab = Vocabulary::fit(tok, subset, c.features());
    let ctx = FitContext {
        seed: eval::fold_seed(seed, fold),
        single_label: p.single_label,
        memory_budget_bytes,
    };
    let view = classifiers::FoldView {
        tokenized: tok,
        rows: subset,
        groups: &p.group_of,
        gold: p.gold.view(),
        spec: c.features(),
    };
    let model = c
        .fit_fold(
            &vocab.transform(tok, subset),
            p.gold.select(Axis(0), subset).view(),
            &ctx,
            &view,
        )
        .map_err(|e| e.to_string())?;
    let pred = model.predict(&vocab.transform(tok, &fold.test));
    eval::check_predictions(&pred, fold.test.len(), p.gold.ncols())?;
    let gold = p.gold.select(Axis(0), &fold.test);
    Ok(Counts::from_predictions(gold.view(), pred.decisions.view()))
}

/// Model `m`'s macro-F1 per percent: counts pooled per repeat, then summarized over repeats.
fn pool(
    p: &Prepared,
    tasks: &[(usize, usize)],
    results: &[Vec<Result<Counts, String>>],
    m: usize,
) -> Result<Vec<Summary>, String> {
    let mut per_repeat = vec![vec![Counts::new(p.gold.ncols()); p.repeats]; PERCENTS.len()];
    for (&(f, k), r) in tasks.iter().zip(results) {
        let counts = r[m].as_ref().map_err(Clone::clone)?;
        per_repeat[k][p.folds[f].repeat].merge(counts);
    }
    Ok(per_repeat
        .iter()
        .map(|repeats| {
            let values: Vec<f64> = repeats
                .iter()
                .map(|c| Scores::from_counts(c).macro_f1)
                .collect();
            stats::summarize(&values)
                .unwrap_or(Summary {
                    mean: 0.0,
                    sd: 0.0,
                    ci95: None,
                })
                .within_unit()
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The curves are fitted with the run's memory budget: under a budget too small for any
    /// dense copy the baseline runs on its sparse twin and the (sparse) contender as before, so
    /// both curves are the same as under the default budget.
    #[test]
    fn the_curves_are_the_same_under_a_tiny_memory_budget() {
        let mut csv = String::from("id,text,labels\n");
        for i in 0..24 {
            let (label, words) = if i % 2 == 0 {
                ("x", "alpha beta gamma")
            } else {
                ("y", "delta epsilon zeta")
            };
            csv.push_str(&format!("{i},{words} word{i},{label}\n"));
        }
        let ds =
            crate::data::csv_corpus::parse(std::path::Path::new("c.csv"), csv.as_bytes(), None)
                .unwrap();
        let scheme = eval::Scheme::KFold {
            folds: 2,
            repeats: 2,
        };
        let prepared = eval::prepare(&ds, scheme, 7).unwrap();
        let chosen: Vec<Box<dyn Classifier>> = ["multinomial_nb", "bernoulli_nb"]
            .iter()
            .map(|n| classifiers::by_name(n).unwrap())
            .collect();
        let opts = eval::RunOptions {
            seed: 7,
            external_timeout: std::time::Duration::from_secs(1),
            external_max_line: 1 << 20,
            memory_budget_bytes: classifiers::DEFAULT_MEMORY_BUDGET_BYTES,
        };
        let run = eval::run(&ds, prepared, &chosen, &[], &opts, &|| {});
        let summaries = eval::summarize(&run, "multinomial_nb", &eval::StatsOptions::default());
        let curve = |budget| compute(&ds, &run, &summaries, "multinomial_nb", 7, budget);
        let roomy = curve(classifiers::DEFAULT_MEMORY_BUDGET_BYTES);
        assert_eq!(roomy.curves[1].name, "bernoulli_nb");
        assert!(
            roomy.curves[1].macro_f1.is_ok(),
            "{:?}",
            roomy.curves[1].macro_f1
        );
        let tight = curve(8);
        for (a, b) in roomy.curves.iter().zip(&tight.curves) {
            assert_eq!(a.name, b.name);
            assert_eq!(a.macro_f1, b.macro_f1, "{}", a.name);
        }
    }

    #[test]
    fn subset_sizes_round_half_up_and_never_reach_zero() {
        // 57 training paragraphs: 5.7 → 6, 11.4 → 11, 28.5 → 29, 57.
        assert_eq!(subset_size(10, 57), 6);
        assert_eq!(subset_size(20, 57), 11);
        assert_eq!(subset_size(50, 57), 29);
        assert_eq!(subset_size(100, 57), 57);
        assert_eq!(subset_size(10, 3), 1);
        assert_eq!(subset_size(10, 0), 0);
    }

    /// Hand-worked: topic 0 on items 0, 2, 3; topic 1 (rarer, 2 items) on 0, 1; items 4..8 have
    /// none. Strata: topic 0 = {2, 3}, topic 1 = {0, 1} (item 0's rarest topic is 1), none =
    /// {4..8}, sizes 2, 2, 4 of n = 8; the deficits at each step are worked below.
    #[test]
    fn order_is_a_stratified_permutation() {
        let labels: Vec<&[usize]> = vec![&[0, 1], &[1], &[0], &[0], &[], &[], &[], &[]];
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let order = stratified_order(&labels, 2, &mut rng);
        let mut sorted = order.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..8).collect::<Vec<_>>());
        let stratum = |i: usize| match i {
            0 | 1 => 1,
            2 | 3 => 0,
            _ => 2,
        };
        let strata: Vec<usize> = order.iter().map(|&i| stratum(i)).collect();
        // k=1: deficits 2, 2, 4 → none; k=2: 4, 4, 0 → topic 0 (lower stratum);
        // k=3: −2, 6, 4 → topic 1; k=4: 0, 0, 8 → none; and again.
        assert_eq!(strata, vec![2, 0, 1, 2, 2, 0, 1, 2]);
        // The same seed gives the same order; another seed shuffles within strata.
        assert_eq!(
            stratified_order(&labels, 2, &mut ChaCha8Rng::seed_from_u64(3)),
            order
        );
    }

    #[test]
    fn every_prefix_is_within_one_item_of_each_share() {
        use proptest::prelude::*;
        proptest!(|(labels in prop::collection::vec(prop::collection::btree_set(0usize..5, 0..3), 1..60), seed in any::<u64>())| {
            let labels: Vec<Vec<usize>> = labels.into_iter().map(|s| s.into_iter().collect()).collect();
            let refs: Vec<&[usize]> = labels.iter().map(Vec::as_slice).collect();
            let order = stratified_order(&refs, 5, &mut ChaCha8Rng::seed_from_u64(seed));
            let n = labels.len();
            prop_assert_eq!(order.len(), n);
            // Recompute each item's stratum as the function documents it.
            let mut count = [0usize; 5];
            for l in &labels { for &t in l { count[t] += 1; } }
            let stratum = |i: usize| labels[i].iter().copied().min_by_key(|&t| (count[t], t)).unwrap_or(5);
            let size: Vec<usize> = (0..6).map(|s| (0..n).filter(|&i| stratum(i) == s).count()).collect();
            let mut taken = [0usize; 6];
            for (m, &i) in order.iter().enumerate() {
                taken[stratum(i)] += 1;
                for s in 0..6 {
                    // |taken − (m+1)·n_s/n| < 1, in integers.
                    let want = (m + 1) * size[s];
                    prop_assert!((taken[s] * n).abs_diff(want) < n, "prefix {} stratum {}", m + 1, s);
                }
            }
        });
    }
}
