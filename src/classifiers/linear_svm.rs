//! `linear_svm`: linfa-svm C-support vector classification with a linear kernel (C = 1.0 for both
//! classes) on TF-IDF unigrams, one binary model per topic — also for single-label data, where
//! the decision is the topic with the largest decision value (ties to the lower id).
//!
//! The decision value is linfa's `weighted_sum(x) − rho` (its `Svm<f64, bool>` predicts
//! `true` when it is ≥ 0; `true` is the "yes" target, tested by swapping labels). Here decision =
//! value > 0 (a tie is "no") and score = logistic(value), which lies in [0, 1] but is not a
//! calibrated probability. A constant topic gets value −∞/+∞ (score 0/1).
//!
//! linfa-svm needs the dense training matrix *and* builds a dense n × n kernel matrix (computing
//! every entry, n² dot products of dense rows) for every topic; the fit refuses when
//! `(n × n_features + n × n) × 8` bytes exceeds `memory_budget_bytes`. Prediction fills one dense
//! row at a time.

use linfa::prelude::*;
use linfa_svm::Svm;
use ndarray::{Array1, Array2, ArrayView2};
use serde::{Deserialize, Serialize};

use super::common::{argmax_decisions, check_dense_budget, constant_topic, logistic};
use super::{Classifier, FitContext, Fitted, Predictions};
use crate::error::{Error, Result};
use crate::features::{Csr, FeatureSpec};

/// Hyperparameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LinearSvm {
    /// Penalty C for misclassified paragraphs of either class.
    pub c: f64,
    /// Largest dense training matrix plus kernel matrix linfa may be given, in bytes; above it
    /// the fit fails.
    pub memory_budget_bytes: u64,
}

impl Default for LinearSvm {
    fn default() -> Self {
        LinearSvm {
            c: 1.0,
            memory_budget_bytes: super::DEFAULT_MEMORY_BUDGET_BYTES,
        }
    }
}

/// One topic's model.
#[derive(Debug)]
pub enum TopicSvm {
    /// Both classes were seen.
    Linfa(Svm<f64, bool>),
    /// Only one class was seen: every paragraph gets it.
    Constant(bool),
}

/// A fitted linear SVM, one model per topic.
#[derive(Debug)]
pub struct FittedSvm {
    models: Vec<TopicSvm>,
    n_cols: usize,
    single_label: bool,
}

impl FittedSvm {
    /// Decision values `weighted_sum − rho`, paragraphs × topics (±∞ for a constant topic).
    pub fn decision_function(&self, x: &Csr) -> Array2<f64> {
        let mut out = Array2::zeros((x.n_rows(), self.models.len()));
        let mut row = Array1::zeros(self.n_cols);
        for i in 0..x.n_rows() {
            let (cols, vals) = x.row(i);
            for (&c, &v) in cols.iter().zip(vals) {
                row[c as usize] = v;
            }
            for (k, m) in self.models.iter().enumerate() {
                out[[i, k]] = match m {
                    TopicSvm::Linfa(svm) => svm.weighted_sum(&row) - svm.rho,
                    TopicSvm::Constant(true) => f64::INFINITY,
                    TopicSvm::Constant(false) => f64::NEG_INFINITY,
                };
            }
            for &c in cols {
                row[c as usize] = 0.0;
            }
        }
        out
    }
}

impl LinearSvm {
    /// Fits and returns the concrete model.
    pub fn fit_model(&self, x: &Csr, y: ArrayView2<bool>, single_label: bool) -> Result<FittedSvm> {
        if !self.c.is_finite() || self.c <= 0.0 {
            return Err(Error::Usage(format!(
                "linear_svm: c must be finite and > 0, got {}",
                self.c
            )));
        }
        let n = x.n_rows();
        check_dense_budget(
            "linear_svm",
            &[
                ("training matrix", (n, x.n_cols)),
                ("kernel matrix", (n, n)),
            ],
            self.memory_budget_bytes,
        )?;
        let records = x.to_dense();
        let params = Svm::<f64, bool>::params()
            .linear_kernel()
            .pos_neg_weights(self.c, self.c);
        let mut models = Vec::with_capacity(y.ncols());
        for k in 0..y.ncols() {
            if let Some(c) = constant_topic(y, k) {
                models.push(TopicSvm::Constant(c));
                continue;
            }
            // Owned, so contiguous: linfa-svm reads the targets as a slice.
            let target: Array1<bool> = y.column(k).to_owned();
            let svm = params
                .fit(&DatasetView::new(records.view(), target.view()))
                .map_err(|e| Error::Failed(format!("linear_svm: linfa-svm fit failed: {e}")))?;
            models.push(TopicSvm::Linfa(svm));
        }
        Ok(FittedSvm {
            models,
            n_cols: x.n_cols,
            single_label,
        })
    }
}

impl Classifier for LinearSvm {
    fn grid(&self) -> Vec<(serde_json::Value, Box<dyn Classifier>)> {
        super::grid_over(self, "c", &super::C_GRID, |s, v| s.c = v)
    }

    fn name(&self) -> &'static str {
        "linear_svm"
    }
    fn describe(&self) -> &'static str {
        "linfa-svm linear-kernel SVM on TF-IDF unigrams, C 1.0, one-vs-rest"
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

impl Fitted for FittedSvm {
    fn predict(&self, x: &Csr) -> Predictions {
        let values = self.decision_function(x);
        let scores = values.mapv(logistic);
        let decisions = if self.single_label {
            argmax_decisions(&values)
        } else {
            values.mapv(|v| v > 0.0)
        };
        Predictions { scores, decisions }
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
        let y = array![[true], [true], [false], [false], [false], [false]];
        let swapped = y.mapv(|b| !b);
        let svm = LinearSvm::default();
        let m = svm.fit_model(&x, y.view(), false).unwrap();
        assert_eq!(m.predict(&x).decisions, y);
        // Swapping the labels negates the decision values (the problem is symmetric for equal C).
        let a = m.decision_function(&x);
        let b = svm
            .fit_model(&x, swapped.view(), false)
            .unwrap()
            .decision_function(&x);
        assert_eq!(
            svm.fit_model(&x, swapped.view(), false)
                .unwrap()
                .predict(&x)
                .decisions,
            swapped
        );
        for (a, b) in a.iter().zip(&b) {
            assert!((a + b).abs() < 1e-6, "{a} vs {b}");
        }
        let scores = m.predict(&x).scores;
        assert!(scores.iter().all(|s| (0.0..=1.0).contains(s)));
        assert!(scores[[0, 0]] > 0.5 && scores[[2, 0]] < 0.5);
    }

    // Single-label: see `fixtures::single_label`.
    #[test]
    fn single_label_argmax() {
        let (x, y) = single_label();
        let p = LinearSvm::default()
            .fit_model(&x, y.view(), true)
            .unwrap()
            .predict(&x);
        assert_eq!(p.decisions, y);
        assert!(p.scores.column(2).iter().all(|&s| s == 0.0));
    }

    #[test]
    fn refuses_over_the_memory_budget_counting_the_kernel() {
        // 6 × 3 training matrix = 144 bytes fits; with the 6 × 6 kernel (288 bytes) it does not.
        let svm = LinearSvm {
            memory_budget_bytes: 200,
            ..LinearSvm::default()
        };
        let y = array![[true], [true], [false], [false], [false], [false]];
        let e = svm.fit_model(&separable(), y.view(), false).unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.starts_with("linear_svm:") && msg.contains("kernel matrix 6 × 6"),
            "{msg}"
        );
    }
}
