//! `bernoulli_nb`: linfa-bayes `BernoulliNb` (alpha 1.0, binarize threshold 0.0: each word present
//! or absent) on word counts, one binary model per topic (single-label: one multi-class model).
//!
//! Per class c: P(w | c) = (paragraphs of c containing w + α) / (paragraphs of c + 2α), and
//! jll_c(x) = ln prior_c + Σ_w [x_w ln P(w | c) + (1 − x_w) ln(1 − P(w | c))] with x binary, so
//! an absent word counts as evidence too. Scores come from linfa's `joint_log_likelihood` through
//! [`super::binary_from_jll`] / softmax.
//!
//! What linfa-bayes 0.8.1's `BernoulliNb` needs (checked in its source), handled here:
//! - `fit` binarizes the records, but `joint_log_likelihood` does *not* (only `predict` does):
//!   given raw counts it would weigh a word seen three times three times. Test paragraphs are
//!   binarized here with the same threshold before `joint_log_likelihood` (tested).
//! - `predict` breaks ties in HashMap order and `predict_proba` exponentiates without
//!   subtracting the maximum; neither is used.
//! - Unlike `MultinomialNb`, it has no leftover `dbg!`, so stderr is not silenced.
//!
//! linfa needs a dense matrix: the fit refuses when `n_train × n_features × 8` bytes exceeds
//! `memory_budget_bytes` (linfa then makes about two more copies of that size while fitting).

use linfa::prelude::*;
use linfa_bayes::NaiveBayes;
use ndarray::{Array1, Array2, ArrayView2};
use serde::{Deserialize, Serialize};

use super::common::{
    check_dense_budget, constant_topic, multiclass_with_absent, single_label_target,
};
use super::{Classifier, FitContext, Fitted, Predictions, binary_from_jll};
use crate::error::{Error, Result};
use crate::features::{Csr, FeatureSpec};

/// Hyperparameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BernoulliNb {
    /// Additive smoothing.
    pub alpha: f64,
    /// A feature counts as present when its value is above this.
    pub binarize_threshold: f64,
    /// Largest dense training matrix linfa may be given, in bytes; above it the fit fails.
    pub memory_budget_bytes: u64,
}

impl Default for BernoulliNb {
    fn default() -> Self {
        BernoulliNb {
            alpha: 1.0,
            binarize_threshold: 0.0,
            memory_budget_bytes: super::DEFAULT_MEMORY_BUDGET_BYTES,
        }
    }
}

type LinfaBnb = linfa_bayes::BernoulliNb<f64, usize>;

/// One topic's model.
pub enum TopicModel {
    /// Both classes were seen (labels 0 = no, 1 = yes).
    Linfa(LinfaBnb),
    /// Only one class was seen: every paragraph gets it (score 1.0 or 0.0).
    Constant(bool),
}

/// A fitted Bernoulli naive Bayes.
pub enum FittedBnb {
    /// One binary model per topic.
    OneVsRest(Vec<TopicModel>, f64),
    /// Single-label: one multi-class model over the topic ids, the topic count, the threshold.
    Multiclass(LinfaBnb, usize, f64),
}

impl FittedBnb {
    fn threshold(&self) -> f64 {
        match self {
            FittedBnb::OneVsRest(_, thr) | FittedBnb::Multiclass(_, _, thr) => *thr,
        }
    }

    /// Joint log-likelihoods (no, yes) per topic, one value per row of `x` (`None` for a
    /// constant topic; empty for a multi-class model).
    pub fn joint_log_likelihood(&self, x: &Csr) -> Vec<Option<(Array1<f64>, Array1<f64>)>> {
        let FittedBnb::OneVsRest(models, _) = self else {
            return Vec::new();
        };
        let xbin = binarized(x, self.threshold());
        models
            .iter()
            .map(|m| match m {
                TopicModel::Constant(_) => None,
                TopicModel::Linfa(m) => {
                    let jll = m.joint_log_likelihood(xbin.view());
                    Some((jll[&0].clone(), jll[&1].clone()))
                }
            })
            .collect()
    }
}

/// A dense 0/1 copy: 1 where the value is above `threshold` (as linfa's `fit` binarizes).
fn binarized(x: &Csr, threshold: f64) -> Array2<f64> {
    x.to_dense().mapv(|v| if v > threshold { 1.0 } else { 0.0 })
}

fn fit_linfa(
    params: &linfa_bayes::BernoulliNbParams<f64, usize>,
    records: &Array2<f64>,
    target: &Array1<usize>,
) -> Result<LinfaBnb> {
    let ds = DatasetView::new(records.view(), target.view());
    params
        .fit(&ds)
        .map_err(|e| Error::Failed(format!("bernoulli_nb: linfa-bayes fit failed: {e}")))
}

impl BernoulliNb {
    /// Fits and returns the concrete model.
    pub fn fit_model(&self, x: &Csr, y: ArrayView2<bool>, single_label: bool) -> Result<FittedBnb> {
        if self.alpha.is_nan() || self.alpha <= 0.0 {
            return Err(Error::Usage(format!(
                "bernoulli_nb: alpha must be > 0, got {}",
                self.alpha
            )));
        }
        if !self.binarize_threshold.is_finite() {
            return Err(Error::Usage(format!(
                "bernoulli_nb: binarize_threshold must be finite, got {}",
                self.binarize_threshold
            )));
        }
        check_dense_budget(
            "bernoulli_nb",
            &[("training matrix", (x.n_rows(), x.n_cols))],
            self.memory_budget_bytes,
        )?;
        let thr = self.binarize_threshold;
        let params = LinfaBnb::params().alpha(self.alpha).binarize(Some(thr));
        let records = x.to_dense();
        if single_label {
            let target = single_label_target(y);
            let model = fit_linfa(&params, &records, &target)?;
            return Ok(FittedBnb::Multiclass(model, y.ncols(), thr));
        }
        let mut models = Vec::with_capacity(y.ncols());
        for t in 0..y.ncols() {
            if let Some(c) = constant_topic(y, t) {
                models.push(TopicModel::Constant(c));
                continue;
            }
            let target: Array1<usize> = y.column(t).mapv(usize::from);
            models.push(TopicModel::Linfa(fit_linfa(&params, &records, &target)?));
        }
        Ok(FittedBnb::OneVsRest(models, thr))
    }
}

impl Classifier for BernoulliNb {
    fn grid(&self) -> Vec<(serde_json::Value, Box<dyn Classifier>)> {
        super::grid_over(self, "alpha", &super::ALPHA_GRID, |c, v| c.alpha = v)
    }

    fn name(&self) -> &'static str {
        "bernoulli_nb"
    }
    fn describe(&self) -> &'static str {
        "linfa-bayes BernoulliNb on word presence/absence, alpha 1.0, one-vs-rest"
    }
    fn features(&self) -> FeatureSpec {
        FeatureSpec::COUNTS
    }
    fn params(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
    fn set_memory_budget(&mut self, bytes: u64) {
        self.memory_budget_bytes = bytes;
    }
    fn fit(&self, x: &Csr, y: ArrayView2<bool>, ctx: &FitContext) -> Result<Box<dyn Fitted>> {
        Ok(Box::new(super::common::InBlocks {
            inner: self.fit_model(x, y, ctx.single_label)?,
            rows: x.n_rows(),
        }))
    }
}

impl Fitted for FittedBnb {
    fn predict(&self, x: &Csr) -> Predictions {
        if let FittedBnb::Multiclass(m, n_topics, thr) = self {
            let xbin = binarized(x, *thr);
            let mut all = Array2::zeros((x.n_rows(), *n_topics));
            let mut present = vec![false; *n_topics];
            for (&&class, values) in &m.joint_log_likelihood(xbin.view()) {
                all.column_mut(class).assign(values);
                present[class] = true;
            }
            return multiclass_with_absent(all, &present);
        }
        let FittedBnb::OneVsRest(models, _) = self else {
            unreachable!("handled above")
        };
        let jll = self.joint_log_likelihood(x);
        let n = x.n_rows();
        let mut scores = Array2::zeros((n, models.len()));
        let mut decisions = Array2::from_elem((n, models.len()), false);
        for (t, (j, m)) in jll.iter().zip(models).enumerate() {
            for i in 0..n {
                let (p, d) = match (j, m) {
                    (Some((no, yes)), _) => binary_from_jll(no[i], yes[i]),
                    (None, TopicModel::Constant(c)) => (f64::from(u8::from(*c)), *c),
                    (None, TopicModel::Linfa(_)) => (0.0, false),
                };
                scores[[i, t]] = p;
                decisions[[i, t]] = d;
            }
        }
        Predictions { scores, decisions }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    fn fit(x: &Csr, y: ArrayView2<bool>, single_label: bool) -> Result<Box<dyn Fitted>> {
        let ctx = FitContext {
            seed: 0,
            single_label,
        };
        BernoulliNb::default().fit(x, y, &ctx)
    }

    // Hand-worked: 3 paragraphs, 2 words, 1 topic; rows [2,0] yes, [0,1] no, [1,1] yes.
    // Binarized yes rows [1,0], [1,1]: P(w|yes) = ((2+1)/(2+2), (1+1)/4) = (3/4, 1/2).
    // No row [0,1]: P(w|no) = ((0+1)/(1+2), (1+1)/3) = (1/3, 2/3). Priors yes 2/3, no 1/3.
    // Paragraph [3,0] (binarized [1,0]):
    //   yes = ln(2/3 · 3/4 · (1 − 1/2)) = ln(1/4);  no = ln(1/3 · 1/3 · (1 − 2/3)) = ln(1/27)
    //   P(yes) = (1/4) / (1/4 + 1/27) = 27/31.
    // Paragraph [0,0]: yes = ln(2/3 · 1/4 · 1/2) = ln(1/12); no = ln(1/3 · 2/3 · 1/3) = ln(2/27)
    //   P(yes) = (1/12) / (1/12 + 2/27) = 9/17.
    // Without binarizing [3,0] linfa's joint_log_likelihood would give yes = ln(1/12) + 3·ln 3.
    #[test]
    fn hand_worked_one_vs_rest() {
        let x = Csr::from_rows(
            2,
            [vec![(0, 2.0)], vec![(1, 1.0)], vec![(0, 1.0), (1, 1.0)]],
        );
        let y = array![[true], [false], [true]];
        let q = Csr::from_rows(2, [vec![(0, 3.0)], vec![]]);
        let m = BernoulliNb::default()
            .fit_model(&x, y.view(), false)
            .unwrap();
        let jll = m.joint_log_likelihood(&q);
        let (no, yes) = jll[0].as_ref().unwrap();
        assert!((yes[0] - 0.25f64.ln()).abs() < 1e-12, "{yes}");
        assert!((no[0] - (1.0f64 / 27.0).ln()).abs() < 1e-12, "{no}");
        assert!((yes[1] - (1.0f64 / 12.0).ln()).abs() < 1e-12, "{yes}");
        assert!((no[1] - (2.0f64 / 27.0).ln()).abs() < 1e-12, "{no}");
        // The workaround is needed: linfa's own joint_log_likelihood on the raw counts.
        let FittedBnb::OneVsRest(ref models, _) = m else {
            panic!("expected one-vs-rest")
        };
        let TopicModel::Linfa(ref linfa_model) = models[0] else {
            panic!("expected a linfa model")
        };
        let raw = linfa_model.joint_log_likelihood(q.to_dense().view());
        assert!((raw[&1][0] - ((1.0f64 / 12.0).ln() + 3.0 * 3f64.ln())).abs() < 1e-12);
        let p = m.predict(&q);
        assert!((p.scores[[0, 0]] - 27.0 / 31.0).abs() < 1e-12);
        assert!((p.scores[[1, 0]] - 9.0 / 17.0).abs() < 1e-12);
        assert_eq!(p.decisions, array![[true], [true]]);
    }

    // Single-label: word 0 means topic 0, word 1 topic 1; topic 2 has no training paragraph.
    #[test]
    fn single_label_one_decision_per_row() {
        let x = Csr::from_rows(
            2,
            [
                vec![(0, 1.0)],
                vec![(0, 2.0)],
                vec![(1, 1.0)],
                vec![(1, 1.0)],
            ],
        );
        let y = array![
            [true, false, false],
            [true, false, false],
            [false, true, false],
            [false, true, false]
        ];
        let p = fit(&x, y.view(), true).unwrap().predict(&x);
        assert_eq!(
            p.decisions,
            array![
                [true, false, false],
                [true, false, false],
                [false, true, false],
                [false, true, false]
            ]
        );
        assert!(p.scores.column(2).iter().all(|&s| s == 0.0));
        for row in p.scores.rows() {
            assert!((row.sum() - 1.0).abs() < 1e-12);
        }
    }

    #[test]
    fn refuses_over_the_memory_budget() {
        let x = Csr::from_rows(1000, [vec![(0, 1.0)], vec![(1, 1.0)]]);
        let y = array![[true], [false]];
        let small = BernoulliNb {
            memory_budget_bytes: 1000,
            ..BernoulliNb::default()
        };
        let ctx = FitContext {
            seed: 0,
            single_label: false,
        };
        let Err(e) = small.fit(&x, y.view(), &ctx) else {
            panic!("fitted over the budget")
        };
        let msg = e.to_string();
        assert!(
            msg.starts_with("bernoulli_nb:") && msg.contains("2 × 1000"),
            "{msg}"
        );
    }
}
