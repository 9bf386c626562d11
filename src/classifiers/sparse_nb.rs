//! Multinomial naive Bayes on sparse matrices: the baseline's model without linfa's dense
//! matrix, and the `multinomial_nb_tfidf_bigrams` contender.
//!
//! Per class c: log P(w | c) = ln(N_cw + α) − ln(Σ_w N_cw + α·V), prior ln(n_c / n), and a
//! paragraph's joint log-likelihood is prior + Σ_w x_w log P(w | c) — the formulas of
//! linfa-bayes and scikit-learn. One-vs-rest: class "yes" of topic t is the paragraphs carrying t
//! and "no" the rest, so one pass over the matrix gives every topic's counts (no = total − yes).
//! Single-label data: one multi-class model over the topics. Joint log-likelihoods equal
//! linfa-bayes's to 1e-9 relative (tested in `tests/`).

use ndarray::{Array1, Array2, ArrayView2};
use serde::{Deserialize, Serialize};

use super::{Classifier, FitContext, Fitted, Predictions, binary_from_jll, multiclass_from_jll};
use crate::error::{Error, Result};
use crate::features::{Csr, FeatureSpec};

/// Hyperparameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SparseMultinomialNb {
    /// Additive smoothing.
    pub alpha: f64,
    /// Features to fit on.
    pub features: FeatureSpec,
}

impl Default for SparseMultinomialNb {
    fn default() -> Self {
        SparseMultinomialNb {
            alpha: 1.0,
            features: FeatureSpec::COUNTS,
        }
    }
}

impl SparseMultinomialNb {
    /// The `multinomial_nb_tfidf_bigrams` contender: TF-IDF of unigrams and bigrams, α = 0.1
    /// (TF-IDF rows are L2-normalized, so α = 1 would swamp them).
    pub fn tfidf_bigrams() -> Self {
        SparseMultinomialNb {
            alpha: 0.1,
            features: FeatureSpec {
                ngram_max: 2,
                tfidf: true,
            },
        }
    }

    /// Fits and returns the concrete model.
    pub fn fit_model(
        &self,
        x: &Csr,
        y: ArrayView2<bool>,
        single_label: bool,
    ) -> Result<SparseNbModel> {
        if self.alpha.is_nan() || self.alpha <= 0.0 {
            return Err(Error::Usage(format!(
                "alpha must be > 0, got {}",
                self.alpha
            )));
        }
        let (n, v, t) = (x.n_rows(), x.n_cols, y.ncols());
        // Per word its total, and per topic a dense vector of its "yes" paragraphs' word counts
        // (topic-major: each topic's pass adds into one vector of V values that stays in cache,
        // instead of scattering over a V × T matrix), and per topic the paragraphs and word mass.
        let mut total = vec![0.0f64; v];
        let mut yes_t = vec![0.0f64; t * v];
        let mut n_yes = vec![0usize; t];
        let mut mass_yes = vec![0.0f64; t];
        for i in 0..n {
            let (cols, vals) = x.row(i);
            for (&c, &val) in cols.iter().zip(vals) {
                total[c as usize] += val;
            }
        }
        for (k, acc) in yes_t.chunks_mut(v.max(1)).enumerate().take(t) {
            for i in (0..n).filter(|&i| y[[i, k]]) {
                let (cols, vals) = x.row(i);
                n_yes[k] += 1;
                mass_yes[k] += vals.iter().sum::<f64>();
                for (&c, &val) in cols.iter().zip(vals) {
                    acc[c as usize] += val;
                }
            }
        }
        let alpha = self.alpha;
        let ln_alpha = alpha.ln();
        let grand: f64 = total.iter().sum();
        // log P(w | c) = ln(N_cw + α) − ln(N_c + α·V); most N_cw are 0, whose log is ln α.
        let ln_denominator = |mass: f64| (mass + alpha * v as f64).ln();
        let ln_den_yes: Vec<f64> = mass_yes.iter().map(|&m| ln_denominator(m)).collect();
        let ln_den_no: Vec<f64> = mass_yes
            .iter()
            .map(|&m| ln_denominator((grand - m).max(0.0)))
            .collect();
        let ln_count = |c: f64| if c == 0.0 { ln_alpha } else { (c + alpha).ln() };
        let mut lp_yes = Array2::zeros((v, t));
        let mut lp_no = Array2::zeros((v, if single_label { 0 } else { t }));
        for w in 0..v {
            let mut out = lp_yes.row_mut(w);
            for k in 0..t {
                out[k] = ln_count(yes_t[k * v + w]) - ln_den_yes[k];
            }
            if !single_label {
                let mut out = lp_no.row_mut(w);
                for k in 0..t {
                    out[k] = ln_count((total[w] - yes_t[k * v + w]).max(0.0)) - ln_den_no[k];
                }
            }
        }
        let ln_n = (n as f64).ln();
        let prior = |k: usize| (k as f64).ln() - ln_n;
        Ok(SparseNbModel {
            prior_yes: n_yes.iter().map(|&k| prior(k)).collect(),
            prior_no: if single_label {
                Vec::new()
            } else {
                n_yes.iter().map(|&k| prior(n - k)).collect()
            },
            lp_yes,
            lp_no,
        })
    }
}

/// A fitted sparse multinomial naive Bayes.
#[derive(Debug, Clone)]
pub struct SparseNbModel {
    prior_yes: Vec<f64>,
    /// Empty for a multi-class (single-label) model.
    prior_no: Vec<f64>,
    /// features × topics.
    lp_yes: Array2<f64>,
    /// features × topics (0 columns for a multi-class model).
    lp_no: Array2<f64>,
}

impl SparseNbModel {
    fn is_multiclass(&self) -> bool {
        self.prior_no.is_empty() && !self.prior_yes.is_empty()
    }

    fn accumulate(x: &Csr, prior: &[f64], lp: &Array2<f64>) -> Array2<f64> {
        let t = prior.len();
        let mut out = Array2::zeros((x.n_rows(), t));
        let lp = lp.as_slice().expect("weights are stored row-major");
        for (i, mut acc) in out.rows_mut().into_iter().enumerate() {
            let acc = acc.as_slice_mut().expect("a fresh row-major array");
            acc.copy_from_slice(prior);
            let (cols, vals) = x.row(i);
            for (&c, &val) in cols.iter().zip(vals) {
                let c = c as usize;
                for (a, l) in acc.iter_mut().zip(&lp[c * t..(c + 1) * t]) {
                    *a += val * l;
                }
            }
        }
        out
    }

    /// One-vs-rest joint log-likelihoods per topic: (no, yes), one value per row of `x`.
    /// For a multi-class model, "no" is empty.
    pub fn joint_log_likelihood(&self, x: &Csr) -> Vec<(Array1<f64>, Array1<f64>)> {
        let yes = Self::accumulate(x, &self.prior_yes, &self.lp_yes);
        let no = (!self.is_multiclass()).then(|| Self::accumulate(x, &self.prior_no, &self.lp_no));
        (0..self.prior_yes.len())
            .map(|k| {
                (
                    no.as_ref()
                        .map_or_else(|| Array1::zeros(0), |m| m.column(k).to_owned()),
                    yes.column(k).to_owned(),
                )
            })
            .collect()
    }
}

impl Classifier for SparseMultinomialNb {
    fn name(&self) -> &'static str {
        "multinomial_nb_tfidf_bigrams"
    }
    fn describe(&self) -> &'static str {
        "multinomial naive Bayes on TF-IDF of word unigrams and bigrams, alpha 0.1, one-vs-rest"
    }
    fn features(&self) -> FeatureSpec {
        self.features
    }
    fn params(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
    fn fit(&self, x: &Csr, y: ArrayView2<bool>, ctx: &FitContext) -> Result<Box<dyn Fitted>> {
        Ok(Box::new(self.fit_model(x, y, ctx.single_label)?))
    }
}

impl Fitted for SparseNbModel {
    fn predict(&self, x: &Csr) -> Predictions {
        let yes = Self::accumulate(x, &self.prior_yes, &self.lp_yes);
        if self.is_multiclass() {
            return multiclass_from_jll(&yes);
        }
        let no = Self::accumulate(x, &self.prior_no, &self.lp_no);
        let mut scores = Array2::zeros(yes.raw_dim());
        let mut decisions = Array2::from_elem(yes.raw_dim(), false);
        for ((i, k), &y) in yes.indexed_iter() {
            let (p, d) = binary_from_jll(no[[i, k]], y);
            scores[[i, k]] = p;
            decisions[[i, k]] = d;
        }
        Predictions { scores, decisions }
    }

    fn feature_weights(&self) -> Option<Array2<f64>> {
        if self.is_multiclass() {
            return Some(self.lp_yes.t().to_owned());
        }
        Some((&self.lp_yes - &self.lp_no).t().to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    // Hand-worked: 3 paragraphs, 2 words, 1 topic; rows [2,0] yes, [0,1] no, [1,1] yes.
    // yes counts (3,1) + α=1 -> (4,2)/6; no counts (0,1) -> (1,2)/3.
    // priors: yes 2/3, no 1/3. Paragraph [1,0]:
    //   yes = ln(2/3) + ln(4/6) = 2·ln(2/3);  no = ln(1/3) + ln(1/3) = 2·ln(1/3)
    //   P(yes) = (4/9) / (4/9 + 1/9) = 0.8
    #[test]
    fn hand_worked_one_vs_rest() {
        let x = Csr::from_rows(
            2,
            [vec![(0, 2.0)], vec![(1, 1.0)], vec![(0, 1.0), (1, 1.0)]],
        );
        let y = array![[true], [false], [true]];
        let m = SparseMultinomialNb::default()
            .fit_model(&x, y.view(), false)
            .unwrap();
        let q = Csr::from_rows(2, [vec![(0, 1.0)]]);
        let jll = m.joint_log_likelihood(&q);
        assert!((jll[0].1[0] - 2.0 * (2.0f64 / 3.0).ln()).abs() < 1e-12);
        assert!((jll[0].0[0] - 2.0 * (1.0f64 / 3.0).ln()).abs() < 1e-12);
        let p = m.predict(&q);
        assert!((p.scores[[0, 0]] - 0.8).abs() < 1e-12);
        assert!(p.decisions[[0, 0]]);
    }

    // A topic with no positive training paragraph is never predicted; one that every
    // paragraph carries always is.
    #[test]
    fn constant_topics() {
        let x = Csr::from_rows(1, [vec![(0, 1.0)], vec![(0, 3.0)]]);
        let y = array![[false, true], [false, true]];
        let p = SparseMultinomialNb::default()
            .fit_model(&x, y.view(), false)
            .unwrap()
            .predict(&x);
        assert_eq!(p.scores, array![[0.0, 1.0], [0.0, 1.0]]);
        assert_eq!(p.decisions, array![[false, true], [false, true]]);
    }
}
