//! The baseline: linfa-bayes `MultinomialNb` (alpha 1.0), one binary model per topic.
//!
//! linfa-bayes 0.8.1 needs three workarounds, all kept here:
//! - `fit` prints the whole model with a leftover `dbg!` on every call; [`quietly`] silences
//!   stderr around it (the one place that does so).
//! - `predict_proba` exponentiates without subtracting the maximum (inf/NaN on ordinary
//!   paragraphs); scores come from `joint_log_likelihood` with log-sum-exp instead.
//! - `predict` breaks exact ties in HashMap order; decisions come from
//!   [`super::binary_from_jll`], where a tie is "no".
//!
//! linfa needs a dense matrix. When `n_train × n_features × 8` bytes would exceed
//! `FitContext::memory_budget_bytes` (`eval --memory-budget`), the same model is computed on the sparse matrix by
//! [`super::sparse_nb`] (equal joint log-likelihoods, tested) and the fitted model says so.

use std::sync::Mutex;

use linfa::prelude::*;
use linfa_bayes::NaiveBayes;
use ndarray::{Array1, Array2, ArrayView2};
use serde::{Deserialize, Serialize};

use super::common::InBlocks;
use super::sparse_nb::{SparseMultinomialNb, SparseNbModel};
use super::{Classifier, FitContext, Fitted, Predictions, binary_from_jll, multiclass_from_jll};
use crate::error::{Error, Result};
use crate::features::{Csr, FeatureSpec};

/// Hyperparameters of the baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MultinomialNb {
    /// Additive (Laplace/Lidstone) smoothing.
    pub alpha: f64,
}

impl Default for MultinomialNb {
    fn default() -> Self {
        MultinomialNb { alpha: 1.0 }
    }
}

/// Serializes calls that silence stderr (the redirection is process-wide).
static STDERR_GUARD: Mutex<()> = Mutex::new(());

/// Runs `f` with the process's stderr sent to /dev/null.
///
/// Why: linfa-bayes 0.8.1 `MultinomialNb::fit_with` contains `dbg!(&model.class_info.get(&class))`,
/// which prints the whole model on every fit. It was removed upstream; delete this function when
/// a linfa-bayes release after 0.8.1 is used.
pub fn quietly<T>(f: impl FnOnce() -> T) -> T {
    let _lock = STDERR_GUARD.lock().unwrap_or_else(|e| e.into_inner());
    let gag = gag::Gag::stderr().ok();
    let out = f();
    drop(gag);
    out
}

/// A fitted baseline: per topic, a linfa model, or a constant when the training fold has only
/// one class for that topic (linfa then knows only that class).
pub enum FittedMnb {
    /// linfa models, one per topic.
    Dense(Vec<TopicModel>),
    /// Single-label data: one multi-class linfa model over the topic ids, and the topic count.
    DenseMulticlass(linfa_bayes::MultinomialNb<f64, usize>, usize),
    /// The sparse equivalent (used above the memory budget), and the note saying so.
    Sparse(SparseNbModel, String),
}

/// One topic's model.
pub enum TopicModel {
    /// Both classes were seen.
    Linfa(linfa_bayes::MultinomialNb<f64, usize>),
    /// Only one class was seen: every paragraph gets it (score 1.0 or 0.0).
    Constant(bool),
}

impl FittedMnb {
    /// True when the sparse path was used instead of linfa.
    pub fn is_sparse(&self) -> bool {
        matches!(self, FittedMnb::Sparse(..))
    }

    /// Joint log-likelihoods (no, yes) per paragraph and topic, as linfa computes them
    /// (`None` for a constant topic).
    pub fn joint_log_likelihood(&self, x: &Csr) -> Vec<Option<(Array1<f64>, Array1<f64>)>> {
        match self {
            FittedMnb::Sparse(m, _) => m.joint_log_likelihood(x).into_iter().map(Some).collect(),
            FittedMnb::DenseMulticlass(..) => Vec::new(),
            FittedMnb::Dense(models) => {
                let dense = x.to_dense();
                models
                    .iter()
                    .map(|m| match m {
                        TopicModel::Constant(_) => None,
                        TopicModel::Linfa(m) => {
                            let jll = m.joint_log_likelihood(dense.view());
                            Some((jll[&0].clone(), jll[&1].clone()))
                        }
                    })
                    .collect()
            }
        }
    }
}

impl Classifier for MultinomialNb {
    fn check(&self) -> Result<()> {
        super::common::check_alpha("multinomial_nb", self.alpha)
    }

    fn grid(&self) -> Vec<(serde_json::Value, Box<dyn Classifier>)> {
        super::grid_over(self, "alpha", &super::ALPHA_GRID, |c, v| c.alpha = v)
    }

    fn name(&self) -> &'static str {
        "multinomial_nb"
    }
    fn describe(&self) -> String {
        format!(
            "baseline: linfa-bayes MultinomialNb on word counts, {}, one-vs-rest",
            super::setting_text("alpha", self.alpha)
        )
    }
    fn features(&self) -> FeatureSpec {
        FeatureSpec::COUNTS
    }
    fn params(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
    fn fit(&self, x: &Csr, y: ArrayView2<bool>, ctx: &FitContext) -> Result<Box<dyn Fitted>> {
        let dense_bytes = (x.n_rows() as u64)
            .saturating_mul(x.n_cols as u64)
            .saturating_mul(8);
        if dense_bytes > ctx.memory_budget_bytes {
            let sparse = SparseMultinomialNb {
                alpha: self.alpha,
                features: FeatureSpec::COUNTS,
            };
            let note = format!(
                "ran on the sparse equivalent of linfa-bayes: the dense training matrix would need {}, over the memory budget of {}",
                super::common::size_text(dense_bytes),
                super::common::size_text(ctx.memory_budget_bytes)
            );
            let model = sparse.fit_model(x, y, ctx.single_label)?;
            return Ok(Box::new(FittedMnb::Sparse(model, note)));
        }
        let records = x.to_dense();
        let params = linfa_bayes::MultinomialNb::<f64, usize>::params().alpha(self.alpha);
        if ctx.single_label {
            let target: Array1<usize> = y
                .rows()
                .into_iter()
                .map(|r| r.iter().position(|&b| b).unwrap_or(0))
                .collect();
            let ds = DatasetView::new(records.view(), target.view());
            let model = quietly(|| params.fit(&ds)).map_err(|e| {
                Error::Failed(format!("multinomial_nb: linfa-bayes fit failed: {e}"))
            })?;
            return Ok(Box::new(InBlocks {
                inner: FittedMnb::DenseMulticlass(model, y.ncols()),
                rows: x.n_rows(),
            }));
        }
        let mut models = Vec::with_capacity(y.ncols());
        for t in 0..y.ncols() {
            let target: Array1<usize> = y.column(t).mapv(usize::from);
            let positives = target.sum();
            if positives == 0 || positives == target.len() {
                models.push(TopicModel::Constant(positives > 0));
                continue;
            }
            let ds = DatasetView::new(records.view(), target.view());
            let model = quietly(|| params.fit(&ds)).map_err(|e| {
                Error::Failed(format!("multinomial_nb: linfa-bayes fit failed: {e}"))
            })?;
            models.push(TopicModel::Linfa(model));
        }
        Ok(Box::new(InBlocks {
            inner: FittedMnb::Dense(models),
            rows: x.n_rows(),
        }))
    }
}

impl Fitted for FittedMnb {
    fn predict(&self, x: &Csr) -> Predictions {
        match self {
            FittedMnb::Sparse(m, _) => return m.predict(x),
            FittedMnb::DenseMulticlass(m, n_topics) => {
                // Topics absent from the training fold are not in linfa's map: -inf.
                let jll = m.joint_log_likelihood(x.to_dense().view());
                let mut all = Array2::from_elem((x.n_rows(), *n_topics), f64::NEG_INFINITY);
                for (&class, values) in &jll {
                    all.column_mut(*class).assign(values);
                }
                return multiclass_from_jll(&all);
            }
            FittedMnb::Dense(_) => {}
        }
        let jll = self.joint_log_likelihood(x);
        let n = x.n_rows();
        let mut scores = Array2::zeros((n, jll.len()));
        let mut decisions = Array2::from_elem((n, jll.len()), false);
        for (t, j) in jll.iter().enumerate() {
            for i in 0..n {
                let (p, yes) = match (j, self) {
                    (Some((no, yes)), _) => binary_from_jll(no[i], yes[i]),
                    (None, FittedMnb::Dense(m)) => match m[t] {
                        TopicModel::Constant(c) => (f64::from(u8::from(c)), c),
                        TopicModel::Linfa(_) => (0.0, false),
                    },
                    (None, _) => (0.0, false),
                };
                scores[[i, t]] = p;
                decisions[[i, t]] = yes;
            }
        }
        Predictions { scores, decisions }
    }

    fn notes(&self) -> Vec<String> {
        match self {
            FittedMnb::Sparse(_, note) => vec![note.clone()],
            _ => Vec::new(),
        }
    }

    fn top_features(&self, n: usize) -> Option<Vec<Vec<(usize, f64)>>> {
        match self {
            FittedMnb::Sparse(m, _) => m.top_features(n),
            FittedMnb::Dense(_) | FittedMnb::DenseMulticlass(..) => None,
        }
    }

    fn feature_weights(&self) -> Option<Array2<f64>> {
        match self {
            FittedMnb::Sparse(m, _) => m.feature_weights(),
            // linfa keeps its log-probabilities private; the explanation uses the sparse twin.
            FittedMnb::Dense(_) | FittedMnb::DenseMulticlass(..) => None,
        }
    }
}
