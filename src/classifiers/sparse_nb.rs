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
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::{
    Classifier, FitContext, Fitted, Predictions, TopN, binary_from_jll, multiclass_from_jll,
};
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
        let (n, v, t) = (x.n_rows(), x.n_cols, y.ncols());
        // Per word its total and its count in each topic's "yes" paragraphs, features × topics
        // (the weights' layout: the counts become the weights in place, so the fit holds one
        // V × T matrix and no copy of the data). Each thread owns a range of words and reads
        // every paragraph in order, adding the values in its range: per word and topic the same
        // sums, in the same order, as a pass over that topic's paragraphs, on any thread count.
        let topics_of: Vec<Vec<usize>> = (0..n)
            .map(|i| (0..t).filter(|&k| y[[i, k]]).collect())
            .collect();
        let mut total = vec![0.0f64; v];
        let mut counts = vec![0.0f64; v * t];
        if t > 0 && v > 0 {
            let words = v.div_ceil(rayon::current_num_threads().max(1));
            total
                .par_chunks_mut(words)
                .zip(counts.par_chunks_mut(words * t))
                .enumerate()
                .for_each(|(r, (total, counts))| {
                    let first = r * words;
                    let range = first..first + total.len();
                    for (i, topics) in topics_of.iter().enumerate() {
                        let (cols, vals) = x.row(i);
                        for (&c, &val) in cols.iter().zip(vals) {
                            let c = c as usize;
                            if !range.contains(&c) {
                                continue;
                            }
                            total[c - first] += val;
                            let row = &mut counts[(c - first) * t..(c - first + 1) * t];
                            for &k in topics {
                                row[k] += val;
                            }
                        }
                    }
                });
        }
        // Per topic its paragraphs and word mass, in paragraph order.
        let row_mass: Vec<f64> = (0..n).map(|i| x.row(i).1.iter().sum::<f64>()).collect();
        let mut n_yes = vec![0usize; t];
        let mut mass_yes = vec![0.0f64; t];
        for (i, topics) in topics_of.iter().enumerate() {
            for &k in topics {
                n_yes[k] += 1;
                mass_yes[k] += row_mass[i];
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
        let lp_no = if single_label {
            Array2::zeros((v, 0))
        } else {
            let mut no = vec![0.0f64; v * t];
            no.par_chunks_mut(BLOCK * t)
                .zip(counts.par_chunks(BLOCK * t))
                .enumerate()
                .for_each(|(b, (no, counts))| {
                    for (dw, (no, counts)) in no
                        .chunks_exact_mut(t)
                        .zip(counts.chunks_exact(t))
                        .enumerate()
                    {
                        let tot = total[b * BLOCK + dw];
                        for (k, (no, &c)) in no.iter_mut().zip(counts).enumerate() {
                            *no = ln_count((tot - c).max(0.0)) - ln_den_no[k];
                        }
                    }
                });
            matrix(no, v, t)?
        };
        counts.par_chunks_mut(t.max(1)).for_each(|row| {
            for (k, c) in row.iter_mut().enumerate() {
                *c = ln_count(*c) - ln_den_yes[k];
            }
        });
        let lp_yes = matrix(counts, v, t)?;
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

/// Words per parallel block when the "no" weights are made.
const BLOCK: usize = 4096;

/// `values` (features × topics, row-major) as a matrix.
fn matrix(values: Vec<f64>, v: usize, t: usize) -> Result<Array2<f64>> {
    Array2::from_shape_vec((v, t), values)
        .map_err(|e| Error::Failed(format!("internal: weight matrix: {e}")))
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

    /// Rows of `x` times `lp`, plus `prior`: rows × topics, in parallel blocks of rows (each
    /// row summed in column order whatever the threads).
    fn accumulate(x: &Csr, prior: &[f64], lp: &Array2<f64>) -> Array2<f64> {
        const ROWS: usize = 256;
        let t = prior.len();
        let mut out = vec![0.0f64; x.n_rows() * t];
        let lp = lp.as_slice().expect("weights are stored row-major");
        out.par_chunks_mut((ROWS * t).max(1))
            .enumerate()
            .for_each(|(b, block)| {
                for (r, acc) in block.chunks_exact_mut(t.max(1)).enumerate() {
                    acc.copy_from_slice(prior);
                    let (cols, vals) = x.row(b * ROWS + r);
                    for (&c, &val) in cols.iter().zip(vals) {
                        let c = c as usize;
                        for (a, l) in acc.iter_mut().zip(&lp[c * t..(c + 1) * t]) {
                            *a += val * l;
                        }
                    }
                }
            });
        Array2::from_shape_vec((x.n_rows(), t), out).expect("rows × topics values")
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
    fn check(&self) -> Result<()> {
        super::common::check_alpha(self.name(), self.alpha)
    }

    fn grid(&self) -> Vec<(serde_json::Value, Box<dyn Classifier>)> {
        super::grid_over(self, "alpha", &super::ALPHA_GRID, |c, v| c.alpha = v)
    }

    fn name(&self) -> &'static str {
        "multinomial_nb_tfidf_bigrams"
    }
    fn describe(&self) -> String {
        format!(
            "multinomial naive Bayes on {} of word {}, {}, one-vs-rest",
            if self.features.tfidf {
                "TF-IDF"
            } else {
                "counts"
            },
            if self.features.ngram_max >= 2 {
                "unigrams and bigrams"
            } else {
                "unigrams"
            },
            super::setting_text("alpha", self.alpha)
        )
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

    fn top_features(&self, n: usize) -> Option<Vec<Vec<(usize, f64)>>> {
        // One pass over the features × topics weights, a running top n per topic.
        let t = self.lp_yes.ncols();
        let mut tops = vec![TopN::new(n); t];
        for (c, yes) in self.lp_yes.rows().into_iter().enumerate() {
            for (k, top) in tops.iter_mut().enumerate() {
                let w = if self.is_multiclass() {
                    yes[k]
                } else {
                    yes[k] - self.lp_no[[c, k]]
                };
                top.offer(c, w);
            }
        }
        Some(tops.into_iter().map(TopN::into_vec).collect())
    }

    fn feature_weights(&self) -> Option<Array2<f64>> {
        // topics × features, written row by row of the features × topics weights (one pass
        // over them, `t` output streams) rather than gathered column by column.
        let (v, t) = self.lp_yes.dim();
        let mut w = Array2::zeros((t, v));
        for (c, yes) in self.lp_yes.rows().into_iter().enumerate() {
            for k in 0..t {
                w[[k, c]] = if self.is_multiclass() {
                    yes[k]
                } else {
                    yes[k] - self.lp_no[[c, k]]
                };
            }
        }
        Some(w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    /// The one-pass ranking equals ranking the full topics × features weights, for one-vs-rest
    /// and multi-class models with many tied weights.
    #[test]
    fn top_features_rank_the_feature_weights() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        for single_label in [false, true] {
            let (n, v, t) = (40, 30, 4);
            let x = Csr::from_rows(
                v,
                (0..n).map(|_| {
                    let mut cols: Vec<u32> = (0..v as u32).filter(|_| rng.gen_bool(0.2)).collect();
                    cols.dedup();
                    cols.into_iter()
                        .map(|c| (c, f64::from(rng.gen_range(1..3))))
                        .collect()
                }),
            );
            let y = Array2::from_shape_fn((n, t), |(i, k)| {
                if single_label {
                    i % t == k
                } else {
                    rng.gen_bool(0.4)
                }
            });
            let m = SparseMultinomialNb::default()
                .fit_model(&x, y.view(), single_label)
                .unwrap();
            for top in [0, 1, 5, v] {
                assert_eq!(
                    m.top_features(top).unwrap(),
                    super::super::top_features_of(&m.feature_weights().unwrap(), top),
                    "single_label {single_label}, n {top}"
                );
            }
        }
    }

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
