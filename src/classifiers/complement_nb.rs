//! `complement_nb`: complement naive Bayes (Rennie et al. 2003) on word counts, computed on the
//! sparse matrix, as scikit-learn's `ComplementNB(alpha=1.0, norm=False)`.
//!
//! For each class c: comp_count_c = (feature counts summed over all classes) + α − count_c,
//! feature_log_prob_c = −ln(comp_count_c / Σ_w comp_count_c), and a paragraph's joint
//! log-likelihood is x · feature_log_prob_c (no class prior: scikit-learn adds one only when there
//! is a single class, where it is ln 1 = 0). A word common *outside* c lowers c's score.
//! One-vs-rest: per topic the classes are {no, yes}, so yes's complement is the "no" paragraphs
//! and vice versa; score = softmax = logistic(yes − no) ([`super::binary_from_jll`]), decision
//! yes only when yes > no (an empty paragraph ties: 0.5, "no"). Single-label: one multi-class
//! model over the topics present in the fold, softmax scores, argmax decision. Joint
//! log-likelihoods and probabilities equal scikit-learn 1.9.1's (tested below).

use ndarray::{Array2, ArrayView2};
use serde::{Deserialize, Serialize};

use super::common::{constant_topic, multiclass_with_absent, single_label_target, sparse_dot};
use super::{Classifier, FitContext, Fitted, Predictions, binary_from_jll};
use crate::error::{Error, Result};
use crate::features::{Csr, FeatureSpec};

/// Hyperparameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ComplementNb {
    /// Additive smoothing of the complement counts.
    pub alpha: f64,
}

impl Default for ComplementNb {
    fn default() -> Self {
        ComplementNb { alpha: 1.0 }
    }
}

/// A fitted complement naive Bayes.
#[derive(Debug, Clone)]
pub enum FittedComplementNb {
    /// One binary model per topic.
    OneVsRest {
        /// Per topic: `Some(value)` when the training fold had one class only (constant model).
        constant: Vec<Option<bool>>,
        /// features × topics: feature_log_prob of class "no".
        flp_no: Array2<f64>,
        /// features × topics: feature_log_prob of class "yes".
        flp_yes: Array2<f64>,
    },
    /// Single-label data: one multi-class model.
    Multiclass {
        /// features × topics: feature_log_prob of each topic (zeros for absent topics).
        flp: Array2<f64>,
        /// Which topics had training paragraphs.
        present: Vec<bool>,
    },
}

/// −ln(comp / Σ comp) for each entry of `comp` (all > 0).
fn neg_log_normalized(comp: impl Iterator<Item = f64> + Clone) -> impl Iterator<Item = f64> {
    let ln_sum = comp.clone().sum::<f64>().ln();
    comp.map(move |c| ln_sum - c.ln())
}

impl ComplementNb {
    /// Fits and returns the concrete model.
    pub fn fit_model(
        &self,
        x: &Csr,
        y: ArrayView2<bool>,
        single_label: bool,
    ) -> Result<FittedComplementNb> {
        if let Some(bad) = x.data.iter().find(|v| !(v.is_finite() && **v >= 0.0)) {
            return Err(Error::Failed(format!(
                "complement_nb: feature values must be finite and non-negative counts, found {bad}"
            )));
        }
        let (v, t, alpha) = (x.n_cols, y.ncols(), self.alpha);
        let target = single_label.then(|| single_label_target(y));
        // counts[w, k]: total of word w in the paragraphs of class k ("yes" for one-vs-rest).
        let mut counts = Array2::<f64>::zeros((v, t));
        let mut total = vec![0.0f64; v];
        for i in 0..x.n_rows() {
            let topics: Vec<usize> = match &target {
                Some(tg) => vec![tg[i]],
                None => (0..t).filter(|&k| y[[i, k]]).collect(),
            };
            let (cols, vals) = x.row(i);
            for (&c, &val) in cols.iter().zip(vals) {
                total[c as usize] += val;
                for &k in &topics {
                    counts[[c as usize, k]] += val;
                }
            }
        }
        if let Some(tg) = target {
            let mut present = vec![false; t];
            for &k in &tg {
                present[k] = true;
            }
            // feature_all = Σ over present classes = total (every paragraph is in one class).
            let mut flp = Array2::zeros((v, t));
            for k in (0..t).filter(|&k| present[k]) {
                let comp = (0..v).map(|w| total[w] + alpha - counts[[w, k]]);
                for (w, l) in neg_log_normalized(comp).enumerate() {
                    flp[[w, k]] = l;
                }
            }
            return Ok(FittedComplementNb::Multiclass { flp, present });
        }
        let constant: Vec<Option<bool>> = (0..t).map(|k| constant_topic(y, k)).collect();
        let mut flp_no = Array2::zeros((v, t));
        let mut flp_yes = Array2::zeros((v, t));
        for k in (0..t).filter(|&k| constant[k].is_none()) {
            // The complement of "yes" is "no" and vice versa: total + α − count_yes = count_no + α.
            let comp_yes = (0..v).map(|w| total[w] + alpha - counts[[w, k]]);
            let comp_no = (0..v).map(|w| counts[[w, k]] + alpha);
            for (w, l) in neg_log_normalized(comp_yes).enumerate() {
                flp_yes[[w, k]] = l;
            }
            for (w, l) in neg_log_normalized(comp_no).enumerate() {
                flp_no[[w, k]] = l;
            }
        }
        Ok(FittedComplementNb::OneVsRest {
            constant,
            flp_no,
            flp_yes,
        })
    }
}

impl FittedComplementNb {
    /// Joint log-likelihoods, paragraphs × topics: (no, yes) for one-vs-rest (zeros for a
    /// constant topic), or (empty, per topic) for a multi-class model (zeros for absent topics).
    pub fn joint_log_likelihood(&self, x: &Csr) -> (Array2<f64>, Array2<f64>) {
        match self {
            FittedComplementNb::OneVsRest {
                flp_no, flp_yes, ..
            } => (sparse_dot(x, flp_no), sparse_dot(x, flp_yes)),
            FittedComplementNb::Multiclass { flp, .. } => {
                (Array2::zeros((x.n_rows(), 0)), sparse_dot(x, flp))
            }
        }
    }
}

impl Classifier for ComplementNb {
    fn check(&self) -> Result<()> {
        super::common::check_alpha("complement_nb", self.alpha)
    }

    fn grid(&self) -> Vec<(serde_json::Value, Box<dyn Classifier>)> {
        super::grid_over(self, "alpha", &super::ALPHA_GRID, |c, v| c.alpha = v)
    }

    fn name(&self) -> &'static str {
        "complement_nb"
    }
    fn describe(&self) -> String {
        format!(
            "complement naive Bayes (as scikit-learn ComplementNB) on word counts, {}, one-vs-rest",
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
        Ok(Box::new(self.fit_model(x, y, ctx.single_label)?))
    }
}

impl Fitted for FittedComplementNb {
    fn predict(&self, x: &Csr) -> Predictions {
        let (no, yes) = self.joint_log_likelihood(x);
        let constant = match self {
            FittedComplementNb::Multiclass { present, .. } => {
                return multiclass_with_absent(yes, present);
            }
            FittedComplementNb::OneVsRest { constant, .. } => constant,
        };
        let mut scores = Array2::zeros(yes.raw_dim());
        let mut decisions = Array2::from_elem(yes.raw_dim(), false);
        for ((i, k), &j) in yes.indexed_iter() {
            let (p, d) = match constant[k] {
                Some(c) => (f64::from(u8::from(c)), c),
                None => binary_from_jll(no[[i, k]], j),
            };
            scores[[i, k]] = p;
            decisions[[i, k]] = d;
        }
        Predictions { scores, decisions }
    }

    fn feature_weights(&self) -> Option<Array2<f64>> {
        Some(match self {
            FittedComplementNb::OneVsRest {
                flp_no, flp_yes, ..
            } => (flp_yes - flp_no).reversed_axes(),
            FittedComplementNb::Multiclass { flp, .. } => flp.t().to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classifiers::common::fixtures::dense_csr;
    use ndarray::array;

    fn close(got: &Array2<f64>, want: &Array2<f64>) {
        assert_eq!(got.dim(), want.dim());
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() < 1e-12, "got {got:?}\nwant {want:?}");
        }
    }

    const X: [[f64; 4]; 5] = [
        [2., 1., 0., 0.],
        [0., 3., 1., 0.],
        [1., 0., 0., 2.],
        [0., 0., 4., 1.],
        [3., 1., 0., 1.],
    ];
    const Q: [[f64; 4]; 3] = [[1., 1., 1., 1.], [0., 2., 0., 1.], [0., 0., 0., 0.]];

    // Reference: scikit-learn 1.9.1
    //   X = np.array([[2,1,0,0],[0,3,1,0],[1,0,0,2],[0,0,4,1],[3,1,0,1]], dtype=float)
    //   Q = np.array([[1,1,1,1],[0,2,0,1],[0,0,0,0]], dtype=float)
    //   Y = np.array([[1,0],[0,1],[1,0],[0,1],[1,1]], dtype=bool)
    //   for t in range(2):
    //       m = ComplementNB().fit(X, Y[:, t])   # classes_ [False True]
    //       m._joint_log_likelihood(Q); m.predict_proba(Q)[:, 1]; m.predict(Q)
    //   -> t0: jll [[6.401384005565527, 6.388596418938256], [4.54063166485052, 4.229112169584884],
    //          [0, 0]], proba_yes [0.496803146906147, 0.42274389070617663, 0.5],
    //          predict [False False False]
    //      t1: jll [[5.675383000134504, 6.0322865416282365], [4.353627160152183, 4.422848629194137],
    //          [0, 0]], proba_yes [0.5882906626506023, 0.5172984605197813, 0.5],
    //          predict [True True False]
    #[test]
    fn one_vs_rest_matches_scikit_learn() {
        let y = array![
            [true, false],
            [false, true],
            [true, false],
            [false, true],
            [true, true]
        ];
        let m = ComplementNb::default()
            .fit_model(&dense_csr(&X), y.view(), false)
            .unwrap();
        let q = dense_csr(&Q);
        let (no, yes) = m.joint_log_likelihood(&q);
        close(
            &no,
            &array![
                [6.401384005565527, 5.675383000134504],
                [4.54063166485052, 4.353627160152183],
                [0.0, 0.0]
            ],
        );
        close(
            &yes,
            &array![
                [6.388596418938256, 6.0322865416282365],
                [4.229112169584884, 4.422848629194137],
                [0.0, 0.0]
            ],
        );
        let p = m.predict(&q);
        close(
            &p.scores,
            &array![
                [0.496803146906147, 0.5882906626506023],
                [0.42274389070617663, 0.5172984605197813],
                [0.5, 0.5]
            ],
        );
        assert_eq!(
            p.decisions,
            array![[false, true], [false, true], [false, false]]
        );
    }

    // Reference: scikit-learn 1.9.1, same X and Q,
    //   m = ComplementNB().fit(X, [0, 1, 0, 2, 1])
    //   m._joint_log_likelihood(Q) -> [[5.675383000134504, 5.757026989175014, 5.960644756702557],
    //                                  [4.353627160152183, 5.351561881066849, 3.863503637923321],
    //                                  [0, 0, 0]]
    //   m.predict_proba(Q) -> [[0.29281037000864607, 0.31771958551285356, 0.38947004447850014],
    //                          [0.23120188043138923, 0.6271752398854962, 0.14162287968311502],
    //                          [1/3, 1/3, 1/3]]
    //   m.predict(Q) -> [2 1 0]
    // A fourth topic with no training paragraph is never chosen and scores 0.
    #[test]
    fn single_label_matches_scikit_learn() {
        let y = array![
            [true, false, false, false],
            [false, true, false, false],
            [true, false, false, false],
            [false, false, true, false],
            [false, true, false, false]
        ];
        let m = ComplementNb::default()
            .fit_model(&dense_csr(&X), y.view(), true)
            .unwrap();
        let q = dense_csr(&Q);
        let (_, jll) = m.joint_log_likelihood(&q);
        close(
            &jll.slice(ndarray::s![.., ..3]).to_owned(),
            &array![
                [5.675383000134504, 5.757026989175014, 5.960644756702557],
                [4.353627160152183, 5.351561881066849, 3.863503637923321],
                [0.0, 0.0, 0.0]
            ],
        );
        let p = m.predict(&q);
        let third = 1.0 / 3.0;
        close(
            &p.scores,
            &array![
                [
                    0.29281037000864607,
                    0.31771958551285356,
                    0.38947004447850014,
                    0.0
                ],
                [
                    0.23120188043138923,
                    0.6271752398854962,
                    0.14162287968311502,
                    0.0
                ],
                [third, third, third, 0.0]
            ],
        );
        assert_eq!(
            p.decisions,
            array![
                [false, false, true, false],
                [false, true, false, false],
                [true, false, false, false]
            ]
        );
    }

    #[test]
    fn constant_topics_and_bad_alpha() {
        let x = dense_csr(&X[..2]);
        let y = array![[false, true], [false, true]];
        let p = ComplementNb::default()
            .fit_model(&x, y.view(), false)
            .unwrap()
            .predict(&x);
        assert_eq!(p.scores, array![[0.0, 1.0], [0.0, 1.0]]);
        assert_eq!(p.decisions, array![[false, true], [false, true]]);
        let bad = ComplementNb { alpha: 0.0 };
        let e = bad.check().unwrap_err();
        assert!(
            e.to_string().starts_with("complement_nb: alpha must be"),
            "{e}"
        );
    }
}
