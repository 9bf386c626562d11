//! `nearest_centroid`: Rocchio on L2-normalized TF-IDF unigrams, on the sparse matrix.
//!
//! Training rows are L2-normalized (the TF-IDF vectorizer already does; this makes the model
//! right for any input) and averaged. One-vs-rest: per topic, the centroid of the "yes" rows and
//! of the "no" rows; score = (1 + cos(x, c_yes) − cos(x, c_no)) / 2, which lies in [0, 1];
//! decision = cos(x, c_yes) > cos(x, c_no). Single-label: one centroid per topic present in the
//! fold; decision = the topic of largest cosine (ties to the lower id), score = each topic's
//! cosine clamped to [0, 1] (0 for a topic with no training paragraph, which is never chosen).
//!
//! A paragraph whose row is all zeros (empty text, or only words unseen in training) has cosine
//! 0 with every centroid: one-vs-rest it scores 0.5 and is "no" for every topic (ties are no);
//! single-label it gets the lowest-id topic present in the fold (the contract's tie rule). A
//! centroid that is all zeros likewise has cosine 0 with everything.

use ndarray::{Array1, Array2, ArrayView2};
use serde::{Deserialize, Serialize};

use super::common::{argmax_decisions, constant_topic, single_label_target, sparse_dot};
use super::{Classifier, FitContext, Fitted, Predictions};
use crate::error::Result;
use crate::features::{Csr, FeatureSpec};

/// No hyperparameters.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NearestCentroid {}

/// A fitted Rocchio model: unit-length centroids, so cos(x, c) = x · ĉ / ‖x‖.
#[derive(Debug, Clone)]
pub enum FittedCentroid {
    /// One-vs-rest.
    OneVsRest {
        /// Per topic, `Some(value)` for a constant model.
        constant: Vec<Option<bool>>,
        /// features × topics: unit centroid of the "yes" rows.
        yes: Array2<f64>,
        /// features × topics: unit centroid of the "no" rows.
        no: Array2<f64>,
    },
    /// Single-label: features × topics unit centroids, and which topics had training rows.
    Multiclass(Array2<f64>, Vec<bool>),
}

/// Scales each column to unit length (an all-zero column stays zero). The centroid's scale
/// (sum or mean) does not change a cosine, so sums are normalized directly.
fn unit_columns(mut m: Array2<f64>) -> Array2<f64> {
    for mut col in m.columns_mut() {
        let norm = col.dot(&col).sqrt();
        if norm > 0.0 {
            col /= norm;
        }
    }
    m
}

/// Per row: its L2 norm (0 for an empty row).
fn row_norms(x: &Csr) -> Array1<f64> {
    (0..x.n_rows())
        .map(|i| x.row(i).1.iter().map(|v| v * v).sum::<f64>().sqrt())
        .collect()
}

/// cos(x_i, c_k) for unit centroids `c` (features × k), 0 for an all-zero row.
fn cosines(x: &Csr, c: &Array2<f64>) -> Array2<f64> {
    let mut dots = sparse_dot(x, c);
    for (mut row, norm) in dots.rows_mut().into_iter().zip(row_norms(x)) {
        if norm > 0.0 {
            row /= norm;
        } else {
            row.fill(0.0);
        }
    }
    dots
}

impl NearestCentroid {
    /// Fits and returns the concrete model.
    pub fn fit_model(&self, x: &Csr, y: ArrayView2<bool>, single_label: bool) -> FittedCentroid {
        let (d, t) = (x.n_cols, y.ncols());
        let norms = row_norms(x);
        let target = single_label.then(|| single_label_target(y));
        let mut yes = Array2::<f64>::zeros((d, t));
        let mut no = Array2::<f64>::zeros((d, if single_label { 0 } else { t }));
        let mut present = vec![false; t];
        for i in 0..x.n_rows() {
            if let Some(tg) = &target {
                present[tg[i]] = true;
            }
            if norms[i] == 0.0 {
                continue;
            }
            let (cols, vals) = x.row(i);
            for (&c, &v) in cols.iter().zip(vals) {
                let v = v / norms[i];
                match &target {
                    Some(tg) => yes[[c as usize, tg[i]]] += v,
                    None => {
                        for k in 0..t {
                            let side = if y[[i, k]] { &mut yes } else { &mut no };
                            side[[c as usize, k]] += v;
                        }
                    }
                }
            }
        }
        if single_label {
            return FittedCentroid::Multiclass(unit_columns(yes), present);
        }
        FittedCentroid::OneVsRest {
            constant: (0..t).map(|k| constant_topic(y, k)).collect(),
            yes: unit_columns(yes),
            no: unit_columns(no),
        }
    }
}

impl Classifier for NearestCentroid {
    fn name(&self) -> &'static str {
        "nearest_centroid"
    }
    fn describe(&self) -> String {
        "Rocchio: cosine to yes/no centroids of L2-normalized TF-IDF unigrams, one-vs-rest"
            .to_owned()
    }
    fn features(&self) -> FeatureSpec {
        FeatureSpec::TFIDF
    }
    fn params(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
    fn fit(&self, x: &Csr, y: ArrayView2<bool>, ctx: &FitContext) -> Result<Box<dyn Fitted>> {
        Ok(Box::new(self.fit_model(x, y, ctx.single_label)))
    }
}

impl Fitted for FittedCentroid {
    fn predict(&self, x: &Csr) -> Predictions {
        match self {
            FittedCentroid::Multiclass(c, present) => {
                let cos = cosines(x, c);
                let mut rank = cos.clone();
                if present.iter().any(|&p| p) {
                    for (k, _) in present.iter().enumerate().filter(|(_, p)| !**p) {
                        rank.column_mut(k).fill(f64::NEG_INFINITY);
                    }
                }
                Predictions {
                    scores: cos.mapv(|v| v.clamp(0.0, 1.0)),
                    decisions: argmax_decisions(&rank),
                }
            }
            FittedCentroid::OneVsRest { constant, yes, no } => {
                let cy = cosines(x, yes);
                let cn = cosines(x, no);
                let mut scores = Array2::zeros(cy.raw_dim());
                let mut decisions = Array2::from_elem(cy.raw_dim(), false);
                for ((i, k), &a) in cy.indexed_iter() {
                    let b = cn[[i, k]];
                    let (s, d) = match constant[k] {
                        Some(c) => (f64::from(u8::from(c)), c),
                        None => (((1.0 + a - b) / 2.0).clamp(0.0, 1.0), a > b),
                    };
                    scores[[i, k]] = s;
                    decisions[[i, k]] = d;
                }
                Predictions { scores, decisions }
            }
        }
    }

    fn feature_weights(&self) -> Option<Array2<f64>> {
        Some(match self {
            FittedCentroid::OneVsRest { yes, no, .. } => (yes - no).reversed_axes(),
            FittedCentroid::Multiclass(c, _) => c.t().to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    // Hand-worked, 3 words, 1 topic. Training rows, L2-normalized:
    //   yes: [1,0,0], [3,4,0] -> [0.6,0.8,0];  no: [0,0,1], [0,0.6,0.8]
    //   c_yes = mean = [0.8,0.4,0], ‖c_yes‖ = √0.8;  c_no = [0,0.3,0.9], ‖c_no‖ = √0.9
    // q1 = [0,1,0]: cos_yes = 0.4/√0.8 = 1/√5, cos_no = 0.3/√0.9 = 1/√10
    //   score = (1 + 1/√5 − 1/√10)/2 ≈ 0.565493, yes.
    // q2 = [0,0,2]: cos_yes = 0, cos_no = 1.8/(2·√0.9) = √0.9; score = (1 − √0.9)/2, no.
    // q3 = [] (all zero): cosines 0, score 0.5, no.
    #[test]
    fn hand_worked_cosines() {
        let x = Csr::from_rows(
            3,
            [
                vec![(0, 1.0)],
                vec![(0, 3.0), (1, 4.0)],
                vec![(2, 1.0)],
                vec![(1, 0.6), (2, 0.8)],
            ],
        );
        let y = array![[true], [true], [false], [false]];
        let q = Csr::from_rows(3, [vec![(1, 1.0)], vec![(2, 2.0)], vec![]]);
        let p = NearestCentroid::default()
            .fit_model(&x, y.view(), false)
            .predict(&q);
        let want = [
            (1.0 + 1.0 / 5f64.sqrt() - 1.0 / 10f64.sqrt()) / 2.0,
            (1.0 - 0.9f64.sqrt()) / 2.0,
            0.5,
        ];
        for (g, w) in p.scores.column(0).iter().zip(want) {
            assert!((g - w).abs() < 1e-12, "{} vs {want:?}", p.scores);
        }
        assert_eq!(p.decisions, array![[true], [false], [false]]);
    }

    // Single-label: topic 1 = word 0, topic 2 = word 1; topic 0 has no training row.
    // q = [1,1]/√2 ties (cos 1/√2 with both): the lower id, topic 1. The empty row: cosines 0,
    // topic 1 (the lowest present id), never the absent topic 0.
    #[test]
    fn single_label_argmax_and_ties() {
        let x = Csr::from_rows(2, [vec![(0, 1.0)], vec![(1, 2.0)]]);
        let y = array![[false, true, false], [false, false, true]];
        let q = Csr::from_rows(2, [vec![(1, 0.5)], vec![(0, 1.0), (1, 1.0)], vec![]]);
        let p = NearestCentroid::default()
            .fit_model(&x, y.view(), true)
            .predict(&q);
        let h = 0.5f64.sqrt();
        let want = array![[0.0, 0.0, 1.0], [0.0, h, h], [0.0, 0.0, 0.0]];
        for (g, w) in p.scores.iter().zip(&want) {
            assert!((g - w).abs() < 1e-12, "{}", p.scores);
        }
        assert_eq!(
            p.decisions,
            array![
                [false, false, true],
                [false, true, false],
                [false, true, false]
            ]
        );
    }
}
