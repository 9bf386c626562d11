//! `logistic_regression`: linfa-logistic L2-regularized logistic regression (alpha 1.0, at most 100
//! L-BFGS iterations, with intercept) on TF-IDF unigrams, one binary model per topic; single-label
//! data gets one multinomial model (`MultiLogisticRegression`) with softmax scores and an argmax
//! decision.
//!
//! Orientation: linfa-logistic 0.8.1 does not sort the two labels, whatever its doc comment says.
//! `label_classes` makes the *more frequent* class the positive one (ties: the first seen), and
//! `predict_probabilities` is P(positive). Here each topic's weights are flipped when linfa's
//! positive class is "no", so the stored model always gives z = x·w + b with P(yes) = σ(z)
//! (tested by swapping labels). Score = P(yes); decision = score > 0.5.
//!
//! linfa fits on a dense matrix: the fit refuses when `n_train × n_features × 8` bytes exceeds
//! `memory_budget_bytes`. Prediction uses the fitted weights on the sparse matrix.

use linfa::prelude::*;
use ndarray::{Array1, Array2, ArrayView2};
use serde::{Deserialize, Serialize};

use super::common::{
    check_dense_budget, constant_topic, logistic, multiclass_with_absent, single_label_target,
    sparse_dot,
};
use super::{Classifier, FitContext, Fitted, Predictions};
use crate::error::{Error, Result};
use crate::features::{Csr, FeatureSpec};

/// Hyperparameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LogisticRegression {
    /// L2 penalty: the loss is Σ log-loss + alpha/2 · ‖w‖² (scikit-learn's C = 1/alpha).
    pub alpha: f64,
    /// Most L-BFGS iterations per model.
    pub max_iterations: u64,
    /// Largest dense training matrix linfa may be given, in bytes; above it the fit fails.
    pub memory_budget_bytes: u64,
}

impl Default for LogisticRegression {
    fn default() -> Self {
        LogisticRegression {
            alpha: 1.0,
            max_iterations: 100,
            memory_budget_bytes: super::DEFAULT_MEMORY_BUDGET_BYTES,
        }
    }
}

/// A fitted logistic regression: P(yes) = σ(x · weights + intercept) per topic, or a softmax over
/// topics for single-label data.
#[derive(Debug, Clone)]
pub struct FittedLogistic {
    /// features × topics, oriented so that larger means "yes" (zeros for a constant topic).
    weights: Array2<f64>,
    /// Per topic.
    intercept: Array1<f64>,
    /// One-vs-rest: per topic, `Some(value)` for a constant model. Empty for a multi-class model.
    constant: Vec<Option<bool>>,
    /// Multi-class: which topics had training paragraphs. Empty for one-vs-rest.
    present: Vec<bool>,
}

fn linfa_failed(e: linfa_logistic::error::Error) -> Error {
    Error::Failed(format!(
        "logistic_regression: linfa-logistic fit failed: {e}"
    ))
}

impl LogisticRegression {
    /// Fits and returns the concrete model.
    pub fn fit_model(
        &self,
        x: &Csr,
        y: ArrayView2<bool>,
        single_label: bool,
    ) -> Result<FittedLogistic> {
        if !self.alpha.is_finite() || self.alpha < 0.0 {
            return Err(Error::Usage(format!(
                "logistic_regression: alpha must be finite and >= 0, got {}",
                self.alpha
            )));
        }
        check_dense_budget(
            "logistic_regression",
            &[("training matrix", (x.n_rows(), x.n_cols))],
            self.memory_budget_bytes,
        )?;
        let (d, t) = (x.n_cols, y.ncols());
        let mut weights = Array2::zeros((d, t));
        let mut intercept = Array1::zeros(t);
        let records = x.to_dense();
        if single_label {
            let target = single_label_target(y);
            let mut present = vec![false; t];
            for &k in &target {
                present[k] = true;
            }
            // With fewer than two topics there is nothing to fit: equal logits, and
            // `multiclass_with_absent` gives the only present topic score 1.
            if present.iter().filter(|&&p| p).count() >= 2 {
                let model = linfa_logistic::MultiLogisticRegression::default()
                    .alpha(self.alpha)
                    .max_iterations(self.max_iterations)
                    .with_intercept(true)
                    .fit(&DatasetView::new(records.view(), target.view()))
                    .map_err(linfa_failed)?;
                for (j, &k) in model.classes().iter().enumerate() {
                    weights.column_mut(k).assign(&model.params().column(j));
                    intercept[k] = model.intercept()[j];
                }
            }
            return Ok(FittedLogistic {
                weights,
                intercept,
                constant: Vec::new(),
                present,
            });
        }
        let mut constant = Vec::with_capacity(t);
        for k in 0..t {
            constant.push(constant_topic(y, k));
            if constant[k].is_some() {
                continue;
            }
            let target: Array1<bool> = y.column(k).to_owned();
            let model = linfa_logistic::LogisticRegression::default()
                .alpha(self.alpha)
                .max_iterations(self.max_iterations)
                .with_intercept(true)
                .fit(&DatasetView::new(records.view(), target.view()))
                .map_err(linfa_failed)?;
            // linfa's positive class is the more frequent one; flip when that is "no".
            let sign = if model.labels().pos.class { 1.0 } else { -1.0 };
            weights.column_mut(k).assign(&(model.params() * sign));
            intercept[k] = sign * model.intercept();
        }
        Ok(FittedLogistic {
            weights,
            intercept,
            constant,
            present: Vec::new(),
        })
    }
}

impl FittedLogistic {
    /// The linear scores z = x · w + b, paragraphs × topics (P(yes) = σ(z) for one-vs-rest).
    pub fn decision_function(&self, x: &Csr) -> Array2<f64> {
        sparse_dot(x, &self.weights) + &self.intercept
    }
}

impl Classifier for LogisticRegression {
    /// The grid is over scikit-learn's C = 1/alpha: alpha ∈ {100, 10, 1, 0.1, 0.01}.
    fn grid(&self) -> Vec<(serde_json::Value, Box<dyn Classifier>)> {
        let alphas = super::C_GRID.map(|c| 1.0 / c);
        super::grid_over(self, "alpha", &alphas, |s, v| s.alpha = v)
    }

    fn name(&self) -> &'static str {
        "logistic_regression"
    }
    fn describe(&self) -> &'static str {
        "linfa-logistic L2 logistic regression on TF-IDF unigrams, alpha 1.0, one-vs-rest"
    }
    fn features(&self) -> FeatureSpec {
        FeatureSpec::TFIDF
    }
    fn params(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
    fn set_memory_budget(&mut self, bytes: u64) {
        self.memory_budget_bytes = bytes;
    }
    fn fit(&self, x: &Csr, y: ArrayView2<bool>, ctx: &FitContext) -> Result<Box<dyn Fitted>> {
        Ok(Box::new(self.fit_model(x, y, ctx.single_label)?))
    }
}

impl Fitted for FittedLogistic {
    fn predict(&self, x: &Csr) -> Predictions {
        let z = self.decision_function(x);
        if !self.present.is_empty() {
            return multiclass_with_absent(z, &self.present);
        }
        let mut scores = Array2::zeros(z.raw_dim());
        let mut decisions = Array2::from_elem(z.raw_dim(), false);
        for ((i, k), &v) in z.indexed_iter() {
            let (p, d) = match self.constant[k] {
                Some(c) => (f64::from(u8::from(c)), c),
                None => {
                    let p = logistic(v);
                    (p, p > 0.5)
                }
            };
            scores[[i, k]] = p;
            decisions[[i, k]] = d;
        }
        Predictions { scores, decisions }
    }

    fn feature_weights(&self) -> Option<Array2<f64>> {
        Some(self.weights.t().to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classifiers::common::fixtures::{separable, single_label};
    use ndarray::array;

    #[test]
    fn separable_training_rows_are_all_right_and_yes_is_yes() {
        let x = separable();
        let yes_minority = array![[true], [true], [false], [false], [false], [false]];
        let swapped = yes_minority.mapv(|b| !b);
        let lr = LogisticRegression::default();
        // What the orientation handles: linfa's positive class here is the majority, "no".
        let direct = linfa_logistic::LogisticRegression::default()
            .fit(&DatasetView::new(
                x.to_dense().view(),
                yes_minority.column(0).to_owned().view(),
            ))
            .unwrap();
        assert!(!direct.labels().pos.class);
        let m = lr.fit_model(&x, yes_minority.view(), false).unwrap();
        let p = m.predict(&x);
        assert_eq!(p.decisions, yes_minority);
        // Word 0 is evidence for "yes".
        assert!(m.feature_weights().unwrap()[[0, 0]] > 0.0);
        // Swapped labels make "yes" the majority (linfa's positive class): the same problem with
        // the other orientation, so decisions swap and scores are complementary.
        let q = lr.fit_model(&x, swapped.view(), false).unwrap().predict(&x);
        assert_eq!(q.decisions, swapped);
        for (a, b) in p.scores.iter().zip(&q.scores) {
            assert!((a + b - 1.0).abs() < 1e-9, "{a} + {b}");
        }
    }

    // Single-label: see `fixtures::single_label`.
    #[test]
    fn single_label_separable() {
        let (x, y) = single_label();
        let p = LogisticRegression::default()
            .fit_model(&x, y.view(), true)
            .unwrap()
            .predict(&x);
        assert_eq!(p.decisions, y);
        assert!(p.scores.column(2).iter().all(|&s| s == 0.0));
        for row in p.scores.rows() {
            assert!((row.sum() - 1.0).abs() < 1e-12);
        }
    }

    #[test]
    fn refuses_over_the_memory_budget() {
        let lr = LogisticRegression {
            memory_budget_bytes: 100,
            ..LogisticRegression::default()
        };
        let y = array![[true], [true], [false], [false], [false], [false]];
        let e = lr.fit_model(&separable(), y.view(), false).unwrap_err();
        assert!(e.to_string().starts_with("logistic_regression:"), "{e}");
    }
}
