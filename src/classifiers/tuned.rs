//! Tuning by nested cross-validation: [`FoldView`], what a fit sees of its training fold beyond
//! the matrix (the rows, their near-duplicate groups, their labels, and a way to vectorize any
//! subset of them from scratch), and [`Tuned`], a classifier that picks one of another
//! classifier's [`Classifier::grid`] candidates by inner grouped, stratified k-fold
//! cross-validation on the training fold alone and refits it on the whole fold.
//!
//! Honesty: each inner fold's vocabulary and IDF come from its inner training rows only
//! ([`FoldView::vectorize`]), inner folds never split a near-duplicate group (`split`), and the
//! outer fold's test rows are not in the view at all. `eval` builds the view for every fold
//! (`Classifier::fit_fold`); the fitted model reports what it chose ([`Fitted::tuning`]).

use ndarray::{Array2, ArrayView2, Axis};
use rayon::prelude::*;
use serde_json::{Value, json};

use super::{Classifier, FitContext, Fitted, Predictions};
use crate::error::{Error, Result};
use crate::eval::folds::{self, Fold};
use crate::eval::metrics::{Counts, Scores};
use crate::features::{Csr, FeatureSpec, Tokenized, Vocabulary};

/// A training fold as a tuning wrapper needs it.
#[derive(Clone, Copy)]
pub struct FoldView<'a> {
    /// Every document of the run, tokenized with the classifier's n-gram setting.
    pub tokenized: &'a Tokenized,
    /// The fold's training documents (indices into `tokenized`), in the order of the training
    /// matrix's rows.
    pub rows: &'a [usize],
    /// Near-duplicate group of each document (indexed like `tokenized`).
    pub groups: &'a [usize],
    /// Topics of each document (documents × topics, indexed like `tokenized`).
    pub gold: ArrayView2<'a, bool>,
    /// The features the classifier is fitted on.
    pub spec: FeatureSpec,
}

impl FoldView<'_> {
    /// `k` inner folds of the training rows, grouped and stratified as the outer ones (one
    /// repeat, seeded). Fold rows are positions in [`FoldView::rows`].
    pub fn inner_folds(&self, k: usize, seed: u64) -> Result<Vec<Fold>> {
        let labels: Vec<Vec<usize>> = self
            .rows
            .iter()
            .map(|&d| {
                self.gold
                    .row(d)
                    .iter()
                    .enumerate()
                    .filter(|&(_, &b)| b)
                    .map(|(t, _)| t)
                    .collect()
            })
            .collect();
        let groups: Vec<usize> = self.rows.iter().map(|&d| self.groups[d]).collect();
        folds::repeated_kfold(&labels, self.gold.ncols(), &groups, k, 1, seed)
            .map_err(|e| Error::Failed(format!("cannot build inner folds for tuning: {e}")))
    }

    /// Matrices for the rows at positions `fit` (the vocabulary and any IDF are fitted on them
    /// alone) and `apply` (transformed with that vocabulary).
    pub fn vectorize(&self, fit: &[usize], apply: &[usize]) -> (Csr, Csr) {
        let docs = |pos: &[usize]| pos.iter().map(|&p| self.rows[p]).collect::<Vec<_>>();
        let (fit_docs, apply_docs) = (docs(fit), docs(apply));
        let vocab = Vocabulary::fit(self.tokenized, &fit_docs, self.spec);
        (
            vocab.transform(self.tokenized, &fit_docs),
            vocab.transform(self.tokenized, &apply_docs),
        )
    }

    /// The gold rows at positions `pos`.
    pub fn labels(&self, pos: &[usize]) -> Array2<bool> {
        let docs: Vec<usize> = pos.iter().map(|&p| self.rows[p]).collect();
        self.gold.select(Axis(0), &docs)
    }
}

/// Inner folds of a tuning search.
pub const INNER_FOLDS: usize = 3;

/// A classifier tuned by nested cross-validation over its [`Classifier::grid`], on macro-F1 of
/// the inner folds' pooled counts; ties go to the candidate listed first (the grids list the
/// strongest regularization first).
pub struct Tuned {
    inner: Box<dyn Classifier>,
    candidates: Vec<(Value, Box<dyn Classifier>)>,
}

impl Tuned {
    /// Wraps `inner`; `None` when it has no grid to search.
    pub fn new(inner: Box<dyn Classifier>) -> Option<Tuned> {
        let candidates = inner.grid();
        (!candidates.is_empty()).then_some(Tuned { inner, candidates })
    }

    fn grid_json(&self) -> Value {
        self.candidates.iter().map(|(v, _)| v.clone()).collect()
    }
}

impl Classifier for Tuned {
    /// The inner classifier and every grid point.
    fn check(&self) -> Result<()> {
        self.inner.check()?;
        self.candidates.iter().try_for_each(|(_, c)| c.check())
    }

    fn name(&self) -> &'static str {
        self.inner.name()
    }

    /// The inner classifier's description with its fixed setting replaced by the grid searched.
    fn describe(&self) -> String {
        let text = self.inner.describe();
        let Some((key, default)) = self.inner.params().as_object().and_then(|p| {
            let key = self
                .candidates
                .first()?
                .0
                .as_object()?
                .keys()
                .next()?
                .clone();
            Some((key.clone(), p.get(&key)?.as_f64()?))
        }) else {
            return text;
        };
        let values: Vec<String> = self
            .candidates
            .iter()
            .filter_map(|(v, _)| v.get(&key)?.as_f64())
            .map(|v| format!("{v}"))
            .collect();
        text.replace(
            &super::setting_text(&key, default),
            &format!(
                "{} tuned over {{{}}} by nested cross-validation",
                super::setting_name(&key),
                values.join(", ")
            ),
        )
    }

    fn features(&self) -> FeatureSpec {
        self.inner.features()
    }

    fn params(&self) -> Value {
        let mut p = self.inner.params();
        p["tuning"] = json!({
            "grid": self.grid_json(),
            "inner_folds": INNER_FOLDS,
            "metric": "macro_f1",
        });
        p
    }

    fn fit(&self, _x: &Csr, _y: ArrayView2<bool>, _ctx: &FitContext) -> Result<Box<dyn Fitted>> {
        Err(Error::Failed(format!(
            "{} is tuned by nested cross-validation and needs its training fold's text: fit it through fit_fold",
            self.inner.name()
        )))
    }

    fn fit_fold(
        &self,
        x: &Csr,
        y: ArrayView2<bool>,
        ctx: &FitContext,
        fold: &FoldView,
    ) -> Result<Box<dyn Fitted>> {
        let inner = match fold.inner_folds(INNER_FOLDS, ctx.seed) {
            Ok(inner) => inner,
            // Too few near-duplicate groups to hold any out (a learning-curve subset of a few
            // paragraphs): the default hyperparameters, and the report says so.
            Err(e) => {
                return Ok(Box::new(FittedTuned {
                    model: self.inner.fit(x, y, ctx)?,
                    tuning: json!({"chosen": null, "reason": format!("not tuned, default hyperparameters: {e}")}),
                }));
            }
        };
        // Each inner fold's matrices and labels once (every candidate shares the features), then
        // every (candidate, inner fold) pair in parallel; counts pooled per candidate in order.
        let data: Vec<(Csr, Csr, Array2<bool>, Array2<bool>)> = inner
            .par_iter()
            .map(|f| {
                let (x_fit, x_val) = fold.vectorize(&f.train, &f.test);
                (x_fit, x_val, fold.labels(&f.train), fold.labels(&f.test))
            })
            .collect();
        let pairs: Vec<(usize, usize)> = (0..self.candidates.len())
            .flat_map(|c| (0..inner.len()).map(move |f| (c, f)))
            .collect();
        let counts: Vec<Result<Counts>> = pairs
            .par_iter()
            .map(|&(c, f)| {
                let (x_fit, x_val, y_fit, y_val) = &data[f];
                let model = self.candidates[c].1.fit(x_fit, y_fit.view(), ctx)?;
                let pred = model.predict(x_val);
                Ok(Counts::from_predictions(
                    y_val.view(),
                    pred.decisions.view(),
                ))
            })
            .collect();
        let mut pooled = vec![Counts::default(); self.candidates.len()];
        for (&(c, _), r) in pairs.iter().zip(counts) {
            pooled[c].merge(&r?);
        }
        let scores: Vec<f64> = pooled
            .iter()
            .map(|c| Scores::from_counts(c).macro_f1)
            .collect();
        let best = (0..scores.len()).fold(0, |b, i| if scores[i] > scores[b] { i } else { b });
        let model = self.candidates[best].1.fit(x, y, ctx)?;
        Ok(Box::new(FittedTuned {
            model,
            tuning: json!({
                "chosen": self.candidates[best].0,
                "inner_macro_f1": scores[best],
                "inner_macro_f1_per_candidate": scores,
            }),
        }))
    }
}

/// A tuned model: the chosen candidate refitted on the whole training fold.
struct FittedTuned {
    model: Box<dyn Fitted>,
    tuning: Value,
}

impl Fitted for FittedTuned {
    fn predict(&self, x: &Csr) -> Predictions {
        self.model.predict(x)
    }

    fn feature_weights(&self) -> Option<Array2<f64>> {
        self.model.feature_weights()
    }

    fn top_features(&self, n: usize) -> Option<Vec<Vec<(usize, f64)>>> {
        self.model.top_features(n)
    }

    fn notes(&self) -> Vec<String> {
        self.model.notes()
    }

    fn tuning(&self) -> Option<Value> {
        Some(self.tuning.clone())
    }
}

/// Wraps every classifier of `list` that has a grid in [`Tuned`]; the baseline only when
/// `baseline_too` (by default it is the fixed reference).
pub fn tune_all(list: Vec<Box<dyn Classifier>>, baseline_too: bool) -> Vec<Box<dyn Classifier>> {
    list.into_iter()
        .map(|c| {
            if c.name() == super::BASELINE && !baseline_too {
                return c;
            }
            let candidates = c.grid();
            if candidates.is_empty() {
                return c;
            }
            Box::new(Tuned {
                inner: c,
                candidates,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// Words of each document: document `i` has the shared words and a word `only{i}` of its own.
    fn corpus() -> (Tokenized, Array2<bool>, Vec<usize>) {
        let texts: Vec<String> = (0..12)
            .map(|i| {
                let topic = if i % 2 == 0 { "alpha" } else { "beta" };
                format!("{topic} shared words only{i}")
            })
            .collect();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let gold = Array2::from_shape_fn((12, 2), |(i, t)| i % 2 == t);
        // Documents 0 and 2 are one near-duplicate group; every other is its own.
        let groups = (0..12).map(|i| if i == 2 { 0 } else { i }).collect();
        (Tokenized::new(&refs, 1), gold, groups)
    }

    #[test]
    fn inner_folds_are_grouped_and_cover_the_training_rows_once() {
        let (tok, gold, groups) = corpus();
        let rows: Vec<usize> = (0..10).collect(); // documents 10 and 11 are the outer test side
        let view = FoldView {
            tokenized: &tok,
            rows: &rows,
            groups: &groups,
            gold: gold.view(),
            spec: FeatureSpec::COUNTS,
        };
        let folds = view.inner_folds(3, 7).unwrap();
        let mut seen = vec![0; rows.len()];
        for f in &folds {
            for &p in &f.test {
                seen[p] += 1;
            }
            // Documents 0 and 2 (positions 0 and 2) are on the same side of every inner fold.
            assert_eq!(f.test.contains(&0), f.test.contains(&2), "{f:?}");
            assert!(f.train.iter().all(|p| !f.test.contains(p)));
        }
        assert_eq!(seen, vec![1; rows.len()]);
        assert_eq!(folds, view.inner_folds(3, 7).unwrap(), "seeded");
    }

    /// The vocabulary of an inner fold holds the words of its training rows and nothing that
    /// occurs only in its validation rows (or on the outer test side).
    #[test]
    fn an_inner_vocabulary_never_sees_validation_rows() {
        let (tok, gold, groups) = corpus();
        let rows: Vec<usize> = (0..10).collect();
        let view = FoldView {
            tokenized: &tok,
            rows: &rows,
            groups: &groups,
            gold: gold.view(),
            spec: FeatureSpec::COUNTS,
        };
        let (fit, apply) = (vec![0, 1, 3, 4], vec![2, 5]);
        let (x_fit, x_val) = view.vectorize(&fit, &apply);
        // alpha, beta, shared, words + only0, only1, only3, only4 = 8 columns.
        assert_eq!((x_fit.n_rows(), x_fit.n_cols), (4, 8));
        assert_eq!((x_val.n_rows(), x_val.n_cols), (2, 8));
        // A validation row keeps only the words the training rows had: its own word is gone.
        assert_eq!(
            x_val.row(0).0.len(),
            3,
            "alpha shared words (only2 dropped)"
        );
    }

    /// A classifier that records the shape of every matrix it is fitted on and predicts.
    struct Spy {
        seen: &'static Mutex<Vec<(usize, usize)>>,
        value: f64,
    }

    impl Classifier for Spy {
        fn name(&self) -> &'static str {
            "spy"
        }
        fn describe(&self) -> String {
            "records what it sees".to_owned()
        }
        fn features(&self) -> FeatureSpec {
            FeatureSpec::COUNTS
        }
        fn params(&self) -> Value {
            json!({"value": self.value})
        }
        fn grid(&self) -> Vec<(Value, Box<dyn Classifier>)> {
            [0.5, 2.0]
                .iter()
                .map(|&v| {
                    let c: Box<dyn Classifier> = Box::new(Spy {
                        seen: self.seen,
                        value: v,
                    });
                    (json!({"value": v}), c)
                })
                .collect()
        }
        fn fit(&self, x: &Csr, y: ArrayView2<bool>, _: &FitContext) -> Result<Box<dyn Fitted>> {
            assert_eq!(x.n_rows(), y.nrows());
            self.seen.lock().unwrap().push((x.n_rows(), x.n_cols));
            Ok(Box::new(SpyModel {
                // The larger value predicts the truth of its own training rows' majority topic.
                topic: usize::from(self.value > 1.0),
            }))
        }
    }

    struct SpyModel {
        topic: usize,
    }

    impl Fitted for SpyModel {
        fn predict(&self, x: &Csr) -> Predictions {
            let n = x.n_rows();
            Predictions {
                scores: Array2::from_shape_fn((n, 2), |(_, t)| {
                    f64::from(u8::from(t == self.topic))
                }),
                decisions: Array2::from_shape_fn((n, 2), |(_, t)| t == self.topic),
            }
        }
    }

    /// Every inner fit sees an inner training part and a vocabulary fitted on it alone: its
    /// width is the number of distinct words of those rows (4 shared + one per document), so no
    /// validation row's own word reached it; the final fit sees the whole outer matrix.
    #[test]
    fn tuning_fits_on_inner_training_rows_only_and_reports_its_choice() {
        static SEEN: Mutex<Vec<(usize, usize)>> = Mutex::new(Vec::new());
        let (tok, gold, groups) = corpus();
        let rows: Vec<usize> = (0..10).collect();
        let view = FoldView {
            tokenized: &tok,
            rows: &rows,
            groups: &groups,
            gold: gold.view(),
            spec: FeatureSpec::COUNTS,
        };
        let tuned = Tuned::new(Box::new(Spy {
            seen: &SEEN,
            value: 1.0,
        }))
        .unwrap();
        let vocab = Vocabulary::fit(&tok, &rows, FeatureSpec::COUNTS);
        let x = vocab.transform(&tok, &rows);
        let y = gold.select(Axis(0), &rows);
        let ctx = FitContext {
            seed: 3,
            single_label: true,
            memory_budget_bytes: crate::classifiers::DEFAULT_MEMORY_BUDGET_BYTES,
        };
        let model = tuned.fit_fold(&x, y.view(), &ctx, &view).unwrap();
        let seen = SEEN.lock().unwrap().clone();
        let folds = view.inner_folds(INNER_FOLDS, 3).unwrap();
        // 2 candidates × 3 inner folds, then the refit on all 10 rows (4 + 10 words).
        assert_eq!(seen.len(), 7);
        assert_eq!(*seen.last().unwrap(), (10, 14));
        let mut want: Vec<(usize, usize)> = folds
            .iter()
            .map(|f| (f.train.len(), 4 + f.train.len()))
            .flat_map(|s| [s, s])
            .collect();
        let mut got = seen[..6].to_vec();
        want.sort_unstable();
        got.sort_unstable();
        assert_eq!(got, want);
        // Both candidates tie or differ by their inner macro-F1; the report names the choice.
        let t = model.tuning().unwrap();
        let scores = t["inner_macro_f1_per_candidate"].as_array().unwrap();
        assert_eq!(scores.len(), 2);
        let best = if scores[1].as_f64() > scores[0].as_f64() {
            1
        } else {
            0
        };
        let chosen = [0.5, 2.0][best];
        assert_eq!(t["chosen"], json!({ "value": chosen }));
        // Without the fold's text there is no honest way to tune.
        assert!(tuned.fit(&x, y.view(), &ctx).is_err());
        // Two training rows cannot make three inner folds: the defaults, and the reason.
        let two = [0, 1];
        let small = FoldView { rows: &two, ..view };
        let x2 = Vocabulary::fit(&tok, &two, FeatureSpec::COUNTS).transform(&tok, &two);
        let m = tuned
            .fit_fold(&x2, gold.select(Axis(0), &two).view(), &ctx, &small)
            .unwrap();
        let t = m.tuning().unwrap();
        assert!(t["chosen"].is_null(), "{t}");
        assert!(
            t["reason"].as_str().unwrap().starts_with("not tuned"),
            "{t}"
        );
    }
}
