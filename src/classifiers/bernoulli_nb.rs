//! `bernoulli_nb`: Bernoulli naive Bayes (alpha 1.0, binarize threshold 0.0: each word present or
//! absent) on word counts, computed on the sparse matrix; one binary model per topic
//! (single-label: one multi-class model over the topics present in the fold). The same model as
//! linfa-bayes's and scikit-learn's `BernoulliNB` (equal joint log-likelihoods: tested here against
//! scikit-learn and in `tests/equivalence.rs` against linfa-bayes on the shipped corpus).
//!
//! Per class c with n_c training paragraphs, n_cw of them containing word w:
//! p_cw = (n_cw + α) / (n_c + 2α), and
//! jll_c(x) = ln prior_c + Σ_w [x_w ln p_cw + (1 − x_w) ln(1 − p_cw)] with x binary, so an absent
//! word counts as evidence too. Rewritten as
//! jll_c(x) = [ln prior_c + Σ_w ln(1 − p_cw)] + Σ_{w present in x} [ln p_cw − ln(1 − p_cw)]:
//! a per-class constant (every word absent) corrected by the words present, so a paragraph costs
//! its stored entries, and no dense matrix is made. Scores come through
//! [`super::binary_from_jll`] / softmax.
//!
//! A word is present when its value is above `binarize_threshold`, which must be ≥ 0 (a stored
//! zero is never present, so the sparse matrix holds every present word).

use ndarray::{Array1, Array2, ArrayView2};
use serde::{Deserialize, Serialize};

use super::common::{constant_topic, multiclass_with_absent, single_label_target, sparse_dot};
use super::{Classifier, FitContext, Fitted, Predictions, binary_from_jll};
use crate::error::{Error, Result};
use crate::features::{Csr, FeatureSpec};

/// Hyperparameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BernoulliNb {
    /// Additive smoothing.
    pub alpha: f64,
    /// A feature counts as present when its value is above this (≥ 0).
    pub binarize_threshold: f64,
}

impl Default for BernoulliNb {
    fn default() -> Self {
        BernoulliNb {
            alpha: 1.0,
            binarize_threshold: 0.0,
        }
    }
}

/// Per class: the all-absent constant and the per-word correction when present.
#[derive(Debug, Clone)]
pub struct ClassTerms {
    /// features × classes: ln p_cw − ln(1 − p_cw).
    pub delta: Array2<f64>,
    /// Per class: ln prior_c + Σ_w ln(1 − p_cw).
    pub constant: Array1<f64>,
}

impl ClassTerms {
    /// Per class, from the class sizes and the per-word document counts (features × classes).
    /// Walked row by row (word-major, as the matrices are stored), each class's constant summed
    /// over the words in order.
    fn new(doc_counts: &Array2<f64>, class_sizes: &[f64], alpha: f64) -> ClassTerms {
        let total: f64 = class_sizes.iter().sum();
        let mut delta = Array2::zeros(doc_counts.raw_dim());
        let mut constant: Array1<f64> = class_sizes
            .iter()
            .map(|&n_c| if n_c == 0.0 { 0.0 } else { (n_c / total).ln() })
            .collect();
        let ln_denominator: Vec<f64> = class_sizes
            .iter()
            .map(|&n_c| (n_c + 2.0 * alpha).ln())
            .collect();
        // Counts are whole numbers 0..=n_c: ln(k + α) once per k, not once per word.
        let ln_table: Vec<f64> = (0..=class_sizes.iter().fold(0.0f64, |m, &n| m.max(n)) as usize)
            .map(|k| (k as f64 + alpha).ln())
            .collect();
        for (counts, mut out) in doc_counts.rows().into_iter().zip(delta.rows_mut()) {
            for (c, (&n_cw, out)) in counts.iter().zip(out.iter_mut()).enumerate() {
                let n_c = class_sizes[c];
                if n_c == 0.0 {
                    continue;
                }
                let k = n_cw as usize;
                let ln_p = ln_table[k] - ln_denominator[c];
                let ln_q = ln_table[n_c as usize - k] - ln_denominator[c];
                constant[c] += ln_q;
                *out = ln_p - ln_q;
            }
        }
        ClassTerms { delta, constant }
    }

    /// Joint log-likelihoods, paragraphs × classes, of binarized paragraphs.
    fn jll(&self, xbin: &Csr) -> Array2<f64> {
        sparse_dot(xbin, &self.delta) + &self.constant
    }
}

/// A fitted Bernoulli naive Bayes.
#[derive(Debug, Clone)]
pub enum FittedBnb {
    /// One binary model per topic: classes (no, yes) per topic as columns 2k and 2k + 1.
    OneVsRest {
        /// The per-class terms.
        terms: ClassTerms,
        /// Per topic: `Some(value)` when the training fold had one class only.
        constant: Vec<Option<bool>>,
        /// The binarize threshold.
        threshold: f64,
    },
    /// Single-label: one multi-class model, a class per topic.
    Multiclass {
        /// The per-class terms (zeros for absent topics).
        terms: ClassTerms,
        /// Which topics had training paragraphs.
        present: Vec<bool>,
        /// The binarize threshold.
        threshold: f64,
    },
}

/// The entries of `x` above `threshold`, as 1.0, each row's columns in ascending order.
fn binarized(x: &Csr, threshold: f64) -> Csr {
    let mut out = Csr {
        n_cols: x.n_cols,
        indptr: Vec::with_capacity(x.n_rows() + 1),
        indices: Vec::with_capacity(x.indices.len()),
        data: Vec::new(),
    };
    out.indptr.push(0);
    for i in 0..x.n_rows() {
        let (cols, vals) = x.row(i);
        let start = out.indices.len();
        out.indices.extend(
            cols.iter()
                .zip(vals)
                .filter(|(_, v)| **v > threshold)
                .map(|(&c, _)| c),
        );
        let row = &mut out.indices[start..];
        if !row.is_sorted() {
            row.sort_unstable();
        }
        out.indptr.push(out.indices.len());
    }
    out.data = vec![1.0; out.indices.len()];
    out
}

impl FittedBnb {
    /// Joint log-likelihoods (no, yes) per topic, one value per row of `x` (`None` for a
    /// constant topic; empty for a multi-class model).
    pub fn joint_log_likelihood(&self, x: &Csr) -> Vec<Option<(Array1<f64>, Array1<f64>)>> {
        let FittedBnb::OneVsRest {
            terms,
            constant,
            threshold,
        } = self
        else {
            return Vec::new();
        };
        let jll = terms.jll(&binarized(x, *threshold));
        constant
            .iter()
            .enumerate()
            .map(|(k, c)| {
                c.is_none().then(|| {
                    (
                        jll.column(2 * k).to_owned(),
                        jll.column(2 * k + 1).to_owned(),
                    )
                })
            })
            .collect()
    }

    /// Multi-class joint log-likelihoods, paragraphs × topics (zeros for absent topics; empty
    /// for one-vs-rest).
    pub fn multiclass_joint_log_likelihood(&self, x: &Csr) -> Array2<f64> {
        match self {
            FittedBnb::Multiclass {
                terms, threshold, ..
            } => terms.jll(&binarized(x, *threshold)),
            FittedBnb::OneVsRest { .. } => Array2::zeros((x.n_rows(), 0)),
        }
    }
}

impl BernoulliNb {
    /// Fits and returns the concrete model.
    pub fn fit_model(&self, x: &Csr, y: ArrayView2<bool>, single_label: bool) -> Result<FittedBnb> {
        let threshold = self.binarize_threshold;
        let xbin = binarized(x, threshold);
        let (v, t) = (x.n_cols, y.ncols());
        if single_label {
            let target = single_label_target(y);
            let mut sizes = vec![0.0f64; t];
            let mut counts = Array2::<f64>::zeros((v, t));
            for (i, &k) in target.iter().enumerate() {
                sizes[k] += 1.0;
                for &c in xbin.row(i).0 {
                    counts[[c as usize, k]] += 1.0;
                }
            }
            let present = sizes.iter().map(|&s| s > 0.0).collect();
            return Ok(FittedBnb::Multiclass {
                terms: ClassTerms::new(&counts, &sizes, self.alpha),
                present,
                threshold,
            });
        }
        let constant: Vec<Option<bool>> = (0..t).map(|k| constant_topic(y, k)).collect();
        // Columns 2k ("no") and 2k + 1 ("yes") of topic k.
        let mut counts = Array2::<f64>::zeros((v, 2 * t));
        let mut df = vec![0.0f64; v];
        for i in 0..xbin.n_rows() {
            let topics: Vec<usize> = (0..t).filter(|&k| y[[i, k]]).collect();
            for &c in xbin.row(i).0 {
                df[c as usize] += 1.0;
                for &k in &topics {
                    counts[[c as usize, 2 * k + 1]] += 1.0;
                }
            }
        }
        let n = x.n_rows() as f64;
        let mut sizes = vec![0.0f64; 2 * t];
        for k in (0..t).filter(|&k| constant[k].is_none()) {
            let yes = y.column(k).iter().filter(|&&b| b).count() as f64;
            sizes[2 * k] = n - yes;
            sizes[2 * k + 1] = yes;
            for (w, &d) in df.iter().enumerate() {
                counts[[w, 2 * k]] = d - counts[[w, 2 * k + 1]];
            }
        }
        // Each topic's pair is its own two-class model: its priors are over its n paragraphs.
        let mut terms = ClassTerms::new(&counts, &sizes, self.alpha);
        for k in (0..t).filter(|&k| constant[k].is_none()) {
            // `ClassTerms::new` took priors over all 2t columns (t·n paragraphs): add ln t back.
            let fix = (t as f64).ln();
            terms.constant[2 * k] += fix;
            terms.constant[2 * k + 1] += fix;
        }
        Ok(FittedBnb::OneVsRest {
            terms,
            constant,
            threshold,
        })
    }
}

impl Classifier for BernoulliNb {
    fn check(&self) -> Result<()> {
        super::common::check_alpha("bernoulli_nb", self.alpha)?;
        if !self.binarize_threshold.is_finite() || self.binarize_threshold < 0.0 {
            return Err(Error::Usage(format!(
                "bernoulli_nb: binarize_threshold must be finite and >= 0, got {}",
                self.binarize_threshold
            )));
        }
        Ok(())
    }

    fn grid(&self) -> Vec<(serde_json::Value, Box<dyn Classifier>)> {
        super::grid_over(self, "alpha", &super::ALPHA_GRID, |c, v| c.alpha = v)
    }

    fn name(&self) -> &'static str {
        "bernoulli_nb"
    }
    fn describe(&self) -> String {
        format!(
            "Bernoulli naive Bayes (as scikit-learn BernoulliNB, sparse) on word presence/absence, \
             {}, one-vs-rest",
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

impl Fitted for FittedBnb {
    fn predict(&self, x: &Csr) -> Predictions {
        let (terms, constant, threshold) = match self {
            FittedBnb::Multiclass { present, .. } => {
                return multiclass_with_absent(self.multiclass_joint_log_likelihood(x), present);
            }
            FittedBnb::OneVsRest {
                terms,
                constant,
                threshold,
            } => (terms, constant, *threshold),
        };
        let jll = terms.jll(&binarized(x, threshold));
        let n = x.n_rows();
        let mut scores = Array2::zeros((n, constant.len()));
        let mut decisions = Array2::from_elem((n, constant.len()), false);
        for (k, c) in constant.iter().enumerate() {
            for i in 0..n {
                let (p, d) = match c {
                    Some(c) => (f64::from(u8::from(*c)), *c),
                    None => binary_from_jll(jll[[i, 2 * k]], jll[[i, 2 * k + 1]]),
                };
                scores[[i, k]] = p;
                decisions[[i, k]] = d;
            }
        }
        Predictions { scores, decisions }
    }

    fn feature_weights(&self) -> Option<Array2<f64>> {
        Some(match self {
            FittedBnb::OneVsRest {
                terms, constant, ..
            } => Array2::from_shape_fn((constant.len(), terms.delta.nrows()), |(k, w)| {
                terms.delta[[w, 2 * k + 1]] - terms.delta[[w, 2 * k]]
            }),
            FittedBnb::Multiclass { terms, .. } => terms.delta.t().to_owned(),
        })
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
            memory_budget_bytes: crate::classifiers::DEFAULT_MEMORY_BUDGET_BYTES,
        };
        BernoulliNb::default().fit(x, y, &ctx)
    }

    fn close(got: f64, want: f64) {
        assert!((got - want).abs() < 1e-12, "got {got}, want {want}");
    }

    // Hand-worked: 3 paragraphs, 2 words, 1 topic; rows [2,0] yes, [0,1] no, [1,1] yes.
    // Binarized yes rows [1,0], [1,1]: P(w|yes) = ((2+1)/(2+2), (1+1)/4) = (3/4, 1/2).
    // No row [0,1]: P(w|no) = ((0+1)/(1+2), (1+1)/3) = (1/3, 2/3). Priors yes 2/3, no 1/3.
    // Paragraph [3,0] (binarized [1,0]):
    //   yes = ln(2/3 · 3/4 · (1 − 1/2)) = ln(1/4);  no = ln(1/3 · 1/3 · (1 − 2/3)) = ln(1/27)
    //   P(yes) = (1/4) / (1/4 + 1/27) = 27/31.
    // Paragraph [0,0]: yes = ln(2/3 · 1/4 · 1/2) = ln(1/12); no = ln(1/3 · 2/3 · 1/3) = ln(2/27)
    //   P(yes) = (1/12) / (1/12 + 2/27) = 9/17.
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
        close(yes[0], 0.25f64.ln());
        close(no[0], (1.0f64 / 27.0).ln());
        close(yes[1], (1.0f64 / 12.0).ln());
        close(no[1], (2.0f64 / 27.0).ln());
        let p = m.predict(&q);
        close(p.scores[[0, 0]], 27.0 / 31.0);
        close(p.scores[[1, 0]], 9.0 / 17.0);
        assert_eq!(p.decisions, array![[true], [true]]);
    }

    // Reference: scikit-learn 1.9.1 (`_check_X` binarizes Q as `predict` does)
    //   X = np.array([[2,1,0,0],[0,3,1,0],[1,0,0,2],[0,0,4,1],[3,1,0,1]], dtype=float)
    //   Q = np.array([[1,0,3,0],[0,2,0,1],[0,0,0,0]], dtype=float)
    //   Y = np.array([[1,0],[0,1],[1,0],[0,1],[1,1]], dtype=bool)
    //   for t in range(2):
    //       m = BernoulliNB().fit(X, Y[:, t]); m._joint_log_likelihood(m._check_X(Q))
    //   -> t0 [[-3.9765615265657166, -4.175988551262611], [-3.9765615265657175, -3.3650583350462813],
    //          [-3.9765615265657175, -4.175988551262611]]
    //      t1 [[-3.9765615265657166, -3.7705234431544468], [-3.9765615265657175, -2.9595932269381175],
    //          [-3.9765615265657175, -3.770523443154447]]
    //   m = BernoulliNB().fit(X, [0, 1, 0, 2, 1]); m._joint_log_likelihood(m._check_X(Q))
    //   -> [[-3.9765615265657166, -4.382026634673882, -4.617592705986649],
    //       [-3.9765615265657175, -3.283414346005772, -4.617592705986649],
    //       [-3.9765615265657175, -4.382026634673882, -4.617592705986648]]
    // (The fixture is symmetric enough for equal values: class "no" of t0 has p = (1/4, 1/2, 3/4,
    // 1/2) and prior 2/5, so Q[0] gives ln(2/5 · 1/4 · 1/2 · 3/4 · 1/2), as Q[1] and Q[2] do.)
    #[test]
    fn matches_scikit_learn() {
        let dense = crate::classifiers::common::fixtures::dense_csr;
        let x = dense(&[
            [2., 1., 0., 0.],
            [0., 3., 1., 0.],
            [1., 0., 0., 2.],
            [0., 0., 4., 1.],
            [3., 1., 0., 1.],
        ]);
        let q = dense(&[[1., 0., 3., 0.], [0., 2., 0., 1.], [0., 0., 0., 0.]]);
        let y = array![
            [true, false],
            [false, true],
            [true, false],
            [false, true],
            [true, true]
        ];
        let m = BernoulliNb::default()
            .fit_model(&x, y.view(), false)
            .unwrap();
        let jll = m.joint_log_likelihood(&q);
        let want = [
            [
                [-3.9765615265657166, -4.175988551262611],
                [-3.9765615265657175, -3.3650583350462813],
                [-3.9765615265657175, -4.175988551262611],
            ],
            [
                [-3.9765615265657166, -3.7705234431544468],
                [-3.9765615265657175, -2.9595932269381175],
                [-3.9765615265657175, -3.770523443154447],
            ],
        ];
        for (t, w) in want.iter().enumerate() {
            let (no, yes) = jll[t].as_ref().unwrap();
            for (i, [wn, wy]) in w.iter().enumerate() {
                close(no[i], *wn);
                close(yes[i], *wy);
            }
        }
        let y1 = array![
            [true, false, false],
            [false, true, false],
            [true, false, false],
            [false, false, true],
            [false, true, false]
        ];
        let m = BernoulliNb::default()
            .fit_model(&x, y1.view(), true)
            .unwrap();
        let jll = m.multiclass_joint_log_likelihood(&q);
        let want = [
            [-3.9765615265657166, -4.382026634673882, -4.617592705986649],
            [-3.9765615265657175, -3.283414346005772, -4.617592705986649],
            [-3.9765615265657175, -4.382026634673882, -4.617592705986648],
        ];
        for (i, row) in want.iter().enumerate() {
            for (k, w) in row.iter().enumerate() {
                close(jll[[i, k]], *w);
            }
        }
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
    fn bad_parameters_are_refused() {
        for bad in [
            BernoulliNb {
                alpha: 0.0,
                ..BernoulliNb::default()
            },
            BernoulliNb {
                binarize_threshold: -1.0,
                ..BernoulliNb::default()
            },
        ] {
            let e = bad.check().unwrap_err();
            assert!(e.to_string().starts_with("bernoulli_nb:"), "{e}");
        }
    }
}
