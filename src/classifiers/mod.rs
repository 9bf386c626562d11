//! The classifier contract and the registry of built-in classifiers.
//!
//! A classifier is a value of hyperparameters (`Clone`, serializable, with defaults) that says
//! which features it wants ([`FeatureSpec`]) and fits on a training fold — a sparse matrix and a
//! paragraphs × topics boolean matrix — returning a separate [`Fitted`] model. A fitted model
//! gives, for every paragraph and topic, a score in [0, 1] and a yes/no. Classifiers never see
//! paths, text or topic names; `eval` builds their matrices from the fold. Fitting never mutates
//! the classifier, so a refit cannot remember a previous fit.
//!
//! Adding one: write a file in this folder with a params struct implementing [`Classifier`], and
//! add one line to [`REGISTRY`].

use ndarray::{Array2, ArrayView2};

use crate::error::Result;
use crate::features::{Csr, FeatureSpec};

pub mod bernoulli_nb;
pub mod common;
pub mod complement_nb;
pub mod external;
pub mod lbfgs;
pub mod linear_svm;
pub mod logistic_regression;
pub mod majority;
/// README's "Adding a Rust classifier" example, compiled and tested here so that it stays true
/// (`tests::readme_example_is_this_file_and_keeps_the_contract`); not in the registry.
#[cfg(test)]
mod most_frequent;
pub mod multinomial_nb;
pub mod nearest_centroid;
pub mod sparse_nb;
pub mod tuned;

pub use tuned::{FoldView, Tuned, tune_all};

/// What a fitted model says about a set of paragraphs.
#[derive(Debug, Clone, PartialEq)]
pub struct Predictions {
    /// paragraphs × topics, each in [0, 1] (a probability where the model has one).
    pub scores: Array2<f64>,
    /// paragraphs × topics: is the topic predicted.
    pub decisions: Array2<bool>,
}

/// What a fit may depend on besides the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FitContext {
    /// For classifiers with random steps: the same seed must give the same model.
    pub seed: u64,
    /// Every paragraph has exactly one topic (e.g. 20 Newsgroups): fit one multi-class model
    /// and predict exactly one topic per paragraph (the highest score, ties to the lower id),
    /// instead of independent one-vs-rest decisions.
    pub single_label: bool,
    /// The largest dense copy of the training data a fit may make, in bytes (`eval
    /// --memory-budget`). Only the baseline makes one (for linfa-bayes); over the budget it
    /// computes the same model on the sparse matrix.
    pub memory_budget_bytes: u64,
}

/// A classifier's hyperparameters: fit them on a training fold.
pub trait Classifier: Send + Sync {
    /// Registry name, e.g. `multinomial_nb`.
    fn name(&self) -> &'static str;
    /// One line for `topicbench classifiers`.
    fn describe(&self) -> String;
    /// The features it is fitted on.
    fn features(&self) -> FeatureSpec;
    /// Hyperparameters as JSON, for reports.
    fn params(&self) -> serde_json::Value;
    /// Checks the hyperparameters, once, before any fit (linfa's `ParamGuard` idea): a bad value
    /// is a usage error naming it. `eval` and `predict` call it before the first fold; `fit` may
    /// then assume the values are valid.
    fn check(&self) -> Result<()> {
        Ok(())
    }
    /// Fits on `x` (paragraphs × features) and `y` (paragraphs × topics).
    fn fit(&self, x: &Csr, y: ArrayView2<bool>, ctx: &FitContext) -> Result<Box<dyn Fitted>>;
    /// Fits on a training fold seen whole: `x` and `y` as for [`Classifier::fit`], and `fold`,
    /// the fold's rows, their groups and labels and a way to vectorize any subset of them from
    /// scratch — what a tuning wrapper ([`Tuned`]) needs to build inner folds honestly. `eval`
    /// always fits through this; the default ignores the view.
    fn fit_fold(
        &self,
        x: &Csr,
        y: ArrayView2<bool>,
        ctx: &FitContext,
        fold: &FoldView,
    ) -> Result<Box<dyn Fitted>> {
        let _ = fold;
        self.fit(x, y, ctx)
    }
    /// The candidates a tuning search ([`Tuned`]) tries, each with the hyperparameters that
    /// differ from the defaults (e.g. `{"alpha": 0.1}`), strongest regularization first. Empty
    /// (the default) when there is nothing to tune.
    fn grid(&self) -> Vec<(serde_json::Value, Box<dyn Classifier>)> {
        Vec::new()
    }
}

/// The default memory budget of a dense copy (`eval --memory-budget`): 64 MiB. linfa-bayes's
/// dense fit is slow on wide matrices (a 2,000-document sample of 20 Newsgroups, 5-fold
/// cross-validation: 10.6 s and 823 MB peak with a 1024 MiB budget, against 0.33 s and 67 MB on
/// the sparse twin, with the same predictions), so the baseline runs on linfa only where its
/// dense copy is small; the shipped corpus's is 0.4 MiB.
pub const DEFAULT_MEMORY_BUDGET_BYTES: u64 = 64 << 20;

/// A fitted model.
pub trait Fitted: Send + Sync {
    /// Scores and decisions for every row of `x` (same columns as the training matrix).
    fn predict(&self, x: &Csr) -> Predictions;
    /// Per topic, a weight per feature column where higher means "more indicative of the
    /// topic" (e.g. a log-probability ratio), for explaining the model. `None` when the model has
    /// no such weights.
    fn feature_weights(&self) -> Option<Array2<f64>> {
        None
    }
    /// Per topic, the `n` feature columns of highest [`Fitted::feature_weights`] weight with
    /// their weights, highest first, ties to the lower column. Models with many weights override
    /// it to rank them without building the topics × features copy.
    fn top_features(&self, n: usize) -> Option<Vec<Vec<(usize, f64)>>> {
        Some(top_features_of(&self.feature_weights()?, n))
    }
    /// Anything the report should say about how this model was computed (e.g. a fallback).
    fn notes(&self) -> Vec<String> {
        Vec::new()
    }
    /// What a tuning search chose, for the report (`None` for a model that was not tuned).
    fn tuning(&self) -> Option<serde_json::Value> {
        None
    }
}

/// Per row of `weights` (topics × features), the `n` columns of highest weight, as
/// [`Fitted::top_features`] gives them.
pub fn top_features_of(weights: &Array2<f64>, n: usize) -> Vec<Vec<(usize, f64)>> {
    weights
        .rows()
        .into_iter()
        .map(|row| {
            let mut top = TopN::new(n);
            for (c, &v) in row.iter().enumerate() {
                top.offer(c, v);
            }
            top.into_vec()
        })
        .collect()
}

/// The `n` largest values offered, largest first; ties (and NaN, by `total_cmp`) to the one
/// offered first. One pass, keeping the best `n` in order.
#[derive(Debug, Clone)]
pub struct TopN {
    n: usize,
    best: Vec<(usize, f64)>,
}

impl TopN {
    /// Keeps the best `n`.
    pub fn new(n: usize) -> TopN {
        TopN {
            n,
            best: Vec::with_capacity(n + 1),
        }
    }

    /// Offers value `v` of item `i`.
    #[inline]
    pub fn offer(&mut self, i: usize, v: f64) {
        if self.best.len() == self.n
            && self
                .best
                .last()
                .is_none_or(|&(_, b)| v.total_cmp(&b).is_le())
        {
            return;
        }
        let at = self.best.partition_point(|&(_, b)| b.total_cmp(&v).is_ge());
        self.best.insert(at, (i, v));
        self.best.truncate(self.n);
    }

    /// The kept (item, value) pairs, best first.
    pub fn into_vec(self) -> Vec<(usize, f64)> {
        self.best
    }
}

/// A hyperparameter's name as the descriptions write it (scikit-learn's: `C` for `c`).
pub fn setting_name(key: &str) -> &str {
    if key == "c" { "C" } else { key }
}

/// `alpha 1.0`, `C 0.1`: a hyperparameter and its value in a description.
pub fn setting_text(key: &str, value: f64) -> String {
    format!("{} {value:?}", setting_name(key))
}

/// Smoothing values a naive-Bayes tuning search tries, strongest first.
pub const ALPHA_GRID: [f64; 3] = [1.0, 0.1, 0.01];
/// Inverse regularization values a linear-model tuning search tries, strongest first.
pub const C_GRID: [f64; 5] = [0.01, 0.1, 1.0, 10.0, 100.0];

/// A tuning grid over one hyperparameter `name`: for each of `values`, a copy of `base` with
/// `set` applied, labelled `{name: value}`.
pub fn grid_over<C: Classifier + Clone + 'static>(
    base: &C,
    name: &str,
    values: &[f64],
    set: fn(&mut C, f64),
) -> Vec<(serde_json::Value, Box<dyn Classifier>)> {
    values
        .iter()
        .map(|&v| {
            let mut c = base.clone();
            set(&mut c, v);
            let boxed: Box<dyn Classifier> = Box::new(c);
            (serde_json::json!({ name: v }), boxed)
        })
        .collect()
}

/// A registry entry: the name and how to make the default hyperparameters.
pub struct Entry {
    /// Registry name.
    pub name: &'static str,
    /// Builds the classifier with default hyperparameters.
    pub make: fn() -> Box<dyn Classifier>,
}

/// Every built-in classifier, the baseline first.
pub const REGISTRY: &[Entry] = &[
    Entry {
        name: "multinomial_nb",
        make: || Box::new(multinomial_nb::MultinomialNb::default()),
    },
    Entry {
        name: "majority",
        make: || Box::new(majority::Majority),
    },
    Entry {
        name: "multinomial_nb_tfidf_bigrams",
        make: || Box::new(sparse_nb::SparseMultinomialNb::tfidf_bigrams()),
    },
    Entry {
        name: "complement_nb",
        make: || Box::new(complement_nb::ComplementNb::default()),
    },
    Entry {
        name: "bernoulli_nb",
        make: || Box::new(bernoulli_nb::BernoulliNb::default()),
    },
    Entry {
        name: "logistic_regression",
        make: || Box::new(logistic_regression::LogisticRegression::default()),
    },
    Entry {
        name: "linear_svm",
        make: || Box::new(linear_svm::LinearSvm::default()),
    },
    Entry {
        name: "nearest_centroid",
        make: || Box::new(nearest_centroid::NearestCentroid::default()),
    },
];

/// The baseline every other classifier is compared with.
pub const BASELINE: &str = "multinomial_nb";

/// Looks a classifier up by name (default hyperparameters).
pub fn by_name(name: &str) -> Option<Box<dyn Classifier>> {
    REGISTRY.iter().find(|e| e.name == name).map(|e| (e.make)())
}

/// Log of the sum of exponentials, computed stably (subtracting the maximum).
pub fn log_sum_exp(values: &[f64]) -> f64 {
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if max == f64::NEG_INFINITY {
        return max;
    }
    max + values.iter().map(|v| (v - max).exp()).sum::<f64>().ln()
}

/// Binary scores from the two joint log-likelihoods of a one-vs-rest model:
/// P(yes) = exp(yes) / (exp(no) + exp(yes)) = 1 / (1 + exp(no − yes)), which never overflows
/// (a huge difference gives exactly 0 or 1). Decided yes only when `yes > no`: an exact tie is
/// "no", the lower class id, so ties never depend on iteration order.
pub fn binary_from_jll(no: f64, yes: f64) -> (f64, bool) {
    let p = 1.0 / (1.0 + (no - yes).exp());
    (if p.is_nan() { 0.0 } else { p }, yes > no)
}

/// Multi-class predictions from per-class joint log-likelihoods (`jll[i]` has one value per
/// topic): scores are the softmax, the decision is the argmax with ties to the lower topic id.
pub fn multiclass_from_jll(jll: &Array2<f64>) -> Predictions {
    let mut scores = Array2::zeros(jll.raw_dim());
    let mut decisions = Array2::from_elem(jll.raw_dim(), false);
    for (i, row) in jll.rows().into_iter().enumerate() {
        let v = row.to_vec();
        let lse = log_sum_exp(&v);
        let mut best = 0;
        for (t, &x) in v.iter().enumerate() {
            scores[[i, t]] = (x - lse).exp().clamp(0.0, 1.0);
            if x > v[best] {
                best = t;
            }
        }
        if !v.is_empty() {
            decisions[[i, best]] = true;
        }
    }
    Predictions { scores, decisions }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_n_equals_a_full_sort() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        for case in 0..500 {
            // Few distinct values, so that ties are common.
            let len = rng.gen_range(0..40);
            let values: Vec<f64> = (0..len).map(|_| f64::from(rng.gen_range(-3..4))).collect();
            let n = case % 12;
            let mut want: Vec<usize> = (0..len).collect();
            want.sort_by(|&a, &b| values[b].total_cmp(&values[a]).then(a.cmp(&b)));
            want.truncate(n);
            let mut top = TopN::new(n);
            for (i, &v) in values.iter().enumerate() {
                top.offer(i, v);
            }
            let got: Vec<usize> = top.into_vec().into_iter().map(|(i, _)| i).collect();
            assert_eq!(got, want, "{values:?}, n = {n}");
        }
    }

    #[test]
    fn log_sum_exp_is_stable() {
        // ln(e^-1000 + e^-1001) = -1000 + ln(1 + e^-1) = -999.686738...
        let got = log_sum_exp(&[-1000.0, -1001.0]);
        assert!((got - (-1000.0 + (1.0 + (-1.0f64).exp()).ln())).abs() < 1e-12);
        assert_eq!(log_sum_exp(&[]), f64::NEG_INFINITY);
        // The naive form overflows here: exp(800) = inf.
        assert!((log_sum_exp(&[800.0, 800.0]) - (800.0 + 2f64.ln())).abs() < 1e-9);
    }

    #[test]
    fn binary_ties_are_no() {
        assert_eq!(binary_from_jll(-5.0, -5.0), (0.5, false));
        let (p, yes) = binary_from_jll(-3000.0, -2990.0);
        assert!(yes && (p - 1.0 / (1.0 + (-10f64).exp())).abs() < 1e-12);
    }

    #[test]
    fn registry_names_are_unique_and_match() {
        let mut names: Vec<&str> = REGISTRY.iter().map(|e| e.name).collect();
        for e in REGISTRY {
            assert_eq!((e.make)().name(), e.name);
        }
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), REGISTRY.len());
        assert_eq!(REGISTRY[0].name, BASELINE);
    }

    /// README's example classifier is `most_frequent.rs` byte for byte, and it keeps the parts of
    /// the contract a naive version breaks: a topic without training positives is never predicted,
    /// the most frequent one always is (ties to the lower id), and one-row predictions are valid.
    #[test]
    fn readme_example_is_this_file_and_keeps_the_contract() {
        let readme = include_str!("../../README.md");
        let file = include_str!("most_frequent.rs");
        let fence = "```rust\n// src/classifiers/most_frequent.rs\n";
        let start = readme.find(fence).expect("README has the example") + fence.len();
        let end = start + readme[start..].find("```\n").unwrap();
        assert_eq!(
            &readme[start..end],
            file,
            "README's example and most_frequent.rs differ"
        );

        let c = most_frequent::MostFrequent;
        let x = crate::features::Csr::from_rows(2, (0..5).map(|i| vec![(i % 2, 1.0)]));
        let ctx = FitContext {
            seed: 0,
            single_label: false,
            memory_budget_bytes: DEFAULT_MEMORY_BUDGET_BYTES,
        };
        // Topic 0: no positives; topics 1 and 2: two each (tie, to 1); topic 3: one.
        let y = ndarray::array![
            [false, true, false, false],
            [false, false, true, false],
            [false, true, false, true],
            [false, false, true, false],
            [false, false, false, false]
        ];
        let p = c.fit(&x, y.view(), &ctx).unwrap().predict(&x);
        for row in p.decisions.rows() {
            assert_eq!(row.to_vec(), [false, true, false, false]);
        }
        assert!(p.scores.iter().all(|s| (0.0..=1.0).contains(s)));
        let none = c.fit(&x, (&y & false).view(), &ctx).unwrap().predict(&x);
        assert!(
            none.decisions.iter().all(|d| !d),
            "no positives: predict nothing"
        );
    }
}
