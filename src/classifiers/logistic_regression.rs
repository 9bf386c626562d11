//! `logistic_regression`: L2-regularized logistic regression on TF-IDF unigrams, scikit-learn
//! `LogisticRegression(C=1.0)`'s default (lbfgs) formulation, fitted on the sparse matrix (it
//! never densifies): one multinomial (softmax) model over the topics present in the fold on
//! single-label data, one binary model per topic otherwise.
//!
//! The objective is scikit-learn's: the mean log-loss over the n training paragraphs plus
//! ‖W‖² / (2·C·n), the intercepts unpenalized; multinomial uses one weight vector per class (the
//! symmetric parametrization). It is minimized by L-BFGS ([`super::lbfgs`], 5 pairs, from zero)
//! with scikit-learn's stopping rules: max |gradient component| ≤ `tol` (1e-4), a relative decrease
//! of the objective ≤ 64·ε, or `max_iter` (100) iterations, which is reported as a note as
//! scikit-learn warns. The objective's gradient is computed on the sparse matrix: scores feature by feature
//! within bands of rows (`Bands`), and Xᵀ·(P − Y) feature by feature from a transposed copy,
//! both in parallel with each output written by one task in a fixed order, so the numbers do not
//! depend on the thread count. One-vs-rest topics are
//! fitted in parallel and collected in order.
//!
//! Score = P(yes) = σ(x·w + b) (one-vs-rest, decision P > 0.5) or the softmax over present topics
//! (single-label, decision the argmax, ties to the lower id). A topic constant in the training
//! fold gets a constant model.

use ndarray::{Array1, Array2, ArrayView2};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::common::{
    BinaryFit, check_finite, check_solver_params, logistic, multiclass_with_absent, one_vs_rest,
    single_label_target, sparse_dot, wide_fn,
};
use super::lbfgs;
use super::{Classifier, FitContext, Fitted, Predictions};
use crate::error::Result;
use crate::features::{Csr, FeatureSpec};

/// Hyperparameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LogisticRegression {
    /// Inverse L2 strength, as scikit-learn's `C`: the penalty is ‖W‖² / (2·C·n).
    pub c: f64,
    /// Most L-BFGS iterations per model.
    pub max_iter: usize,
    /// Converged when max |gradient component| ≤ tol (scikit-learn's `tol`).
    pub tol: f64,
}

impl Default for LogisticRegression {
    fn default() -> Self {
        LogisticRegression {
            c: 1.0,
            max_iter: 100,
            tol: 1e-4,
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
    notes: Vec<String>,
}

/// X in row bands, each transposed: band j holds rows `j·rows ..` of X as feature → (row within
/// the band, value), for the features present in the band only (so the bands together are one
/// more copy of X's values, whatever their number). The scores X·W are formed band by band and
/// feature by feature, reading W's rows in order while the band's scores stay in cache (row by
/// row, each paragraph's words fetched W's rows from all over memory: 60% of the objective's
/// time on 20 Newsgroups). Each score still adds x_ic·w_c in ascending c, so the numbers are
/// those of the row-by-row product, whatever the number of bands.
struct Bands {
    rows: usize,
    bands: Vec<Band>,
}

/// One band: feature `features[f]` has the (row, value) entries `starts[f]..starts[f + 1]`.
struct Band {
    features: Vec<u32>,
    starts: Vec<usize>,
    rows: Vec<u32>,
    vals: Vec<f64>,
}

impl Bands {
    /// One band per thread.
    fn new(x: &Csr) -> Bands {
        let n = x.n_rows();
        let rows = n.div_ceil(rayon::current_num_threads().max(1)).max(1);
        let all: Vec<usize> = (0..n).collect();
        let bands = all
            .par_chunks(rows)
            .map(|band| {
                let t = x.select_rows(band).transpose();
                let features: Vec<u32> = (0..t.n_rows())
                    .filter(|&c| t.indptr[c + 1] > t.indptr[c])
                    .map(|c| c as u32)
                    .collect();
                let mut starts = Vec::with_capacity(features.len() + 1);
                starts.push(0);
                starts.extend(features.iter().map(|&c| t.indptr[c as usize + 1]));
                Band {
                    features,
                    starts,
                    rows: t.indices,
                    vals: t.data,
                }
            })
            .collect();
        Bands { rows, bands }
    }
}

/// Features per parallel task of the gradient's Xᵀ·(P − Y).
const FEATURES_PER_TASK: usize = 256;

/// One model's training problem: k = number of classes (multinomial) or 1 (binary, target 0/1).
struct Problem<'a> {
    x: &'a Csr,
    bands: &'a Bands,
    xt: &'a Csr,
    target: Vec<usize>,
    k: usize,
    multinomial: bool,
    /// 1 / (C · n).
    penalty: f64,
}

impl Problem<'_> {
    /// The objective at θ = [W (features × k, row-major), b (k)], its gradient into `grad`.
    fn evaluate(&self, theta: &[f64], grad: &mut [f64]) -> f64 {
        let (k, d, n) = (self.k, self.x.n_cols, self.x.n_rows());
        let (w, b) = theta.split_at(d * k);
        let inv_n = 1.0 / n as f64;
        // The scores z = X·W + b, band by band.
        let mut dz = vec![0.0; n * k];
        dz.par_chunks_mut(self.bands.rows * k)
            .zip(&self.bands.bands)
            .for_each(|(z, band)| scores_band(z, band, w, b));
        // Per paragraph: the loss, and ∂loss/∂z / n into its row of `dz`.
        let losses: Vec<f64> = dz
            .par_chunks_mut(k)
            .enumerate()
            .map(|(i, z)| {
                let y = self.target[i];
                if self.multinomial {
                    let max = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                    let sum: f64 = z.iter().map(|z| (z - max).exp()).sum();
                    let lse = max + sum.ln();
                    let loss = lse - z[y];
                    for (j, z) in z.iter_mut().enumerate() {
                        *z = ((*z - lse).exp() - f64::from(u8::from(j == y))) * inv_n;
                    }
                    loss
                } else {
                    let zi = z[0];
                    let yf = y as f64;
                    // ln(1 + e^z) − y·z, stably.
                    let loss = zi.max(0.0) + (-zi.abs()).exp().ln_1p() - yf * zi;
                    z[0] = (logistic(zi) - yf) * inv_n;
                    loss
                }
            })
            .collect();
        let (gw, gb) = grad.split_at_mut(d * k);
        // Features in runs of FEATURES_PER_TASK, each feature's gradient summed in row order.
        gw.par_chunks_mut(k * FEATURES_PER_TASK)
            .enumerate()
            .for_each(|(run, g)| {
                let first = run * FEATURES_PER_TASK;
                gradient_run(g, first, w, self.penalty, self.xt, &dz, k);
            });
        gb.fill(0.0);
        for row in dz.chunks(k) {
            gb.iter_mut().zip(row).for_each(|(g, dz)| *g += dz);
        }
        let w2 = lbfgs::dot(w, w);
        losses.iter().sum::<f64>() * inv_n + 0.5 * self.penalty * w2
    }

    /// Minimizes from zero; the weights (features × k, row-major), intercepts and outcome.
    fn solve(&self, opts: &lbfgs::Options) -> lbfgs::Outcome {
        let size = (self.x.n_cols + 1) * self.k;
        lbfgs::minimize(vec![0.0; size], |t, g| self.evaluate(t, g), opts)
    }
}

wide_fn! {
    /// The scores z = X·W + b of one band's rows (`z`, rows × k), feature by feature.
    fn scores_band(z: &mut [f64], band: &Band, w: &[f64], b: &[f64]) {
        let k = b.len();
        z.chunks_mut(k).for_each(|z| z.copy_from_slice(b));
        if k == 1 {
            // A binary model: the same additions, without a one-element slice per value.
            for (f, &c) in band.features.iter().enumerate() {
                let (from, to) = (band.starts[f], band.starts[f + 1]);
                let wc = w[c as usize];
                for (&i, &v) in band.rows[from..to].iter().zip(&band.vals[from..to]) {
                    z[i as usize] += v * wc;
                }
            }
            return;
        }
        for (f, &c) in band.features.iter().enumerate() {
            let (from, to) = (band.starts[f], band.starts[f + 1]);
            let (rows, vals) = (&band.rows[from..to], &band.vals[from..to]);
            let c = c as usize;
            let wc = &w[c * k..(c + 1) * k];
            for (&i, &v) in rows.iter().zip(vals) {
                let zi = &mut z[i as usize * k..(i as usize + 1) * k];
                zi.iter_mut().zip(wc).for_each(|(z, w)| *z += v * w);
            }
        }
    }
}

wide_fn! {
    /// The gradient's rows (k each) of the features from `first` on: penalty·w_c plus
    /// Σ_i x_ic·dz_i, added in row order (`xt` is X transposed, `dz` rows × k).
    fn gradient_run(g: &mut [f64], first: usize, w: &[f64], penalty: f64, xt: &Csr, dz: &[f64], k: usize) {
        if k == 1 {
            // A binary model: the same additions in the same order, in a register rather than
            // through memory.
            for (j, g) in g.iter_mut().enumerate() {
                let c = first + j;
                let (rows, vals) = xt.row(c);
                let mut sum = penalty * w[c];
                for (&i, &v) in rows.iter().zip(vals) {
                    sum += v * dz[i as usize];
                }
                *g = sum;
            }
            return;
        }
        for (j, g) in g.chunks_mut(k).enumerate() {
            let c = first + j;
            let wc = &w[c * k..(c + 1) * k];
            g.iter_mut().zip(wc).for_each(|(g, w)| *g = penalty * w);
            let (rows, vals) = xt.row(c);
            for (&i, &v) in rows.iter().zip(vals) {
                let dzi = &dz[i as usize * k..(i as usize + 1) * k];
                g.iter_mut().zip(dzi).for_each(|(g, dz)| *g += v * dz);
            }
        }
    }
}

impl LogisticRegression {
    /// Fits and returns the concrete model.
    pub fn fit_model(
        &self,
        x: &Csr,
        y: ArrayView2<bool>,
        single_label: bool,
    ) -> Result<FittedLogistic> {
        check_finite("logistic_regression", x)?;
        let (d, t, n) = (x.n_cols, y.ncols(), x.n_rows());
        // The transpose is one pass on one core; the bands are made on the others meanwhile.
        let (xt, bands) = rayon::join(|| x.transpose(), || Bands::new(x));
        let opts = lbfgs::Options {
            max_iter: self.max_iter,
            gtol: self.tol,
            ..lbfgs::Options::default()
        };
        let penalty = 1.0 / (self.c * n.max(1) as f64);
        let not_converged = |what: String, r: &lbfgs::Outcome| {
            format!(
                "logistic_regression: {what} stopped after {} L-BFGS iterations before the \
                 tolerance {} was reached",
                r.iterations, self.tol
            )
        };
        let mut weights = Array2::zeros((d, t));
        let mut intercept = Array1::zeros(t);
        let mut notes = Vec::new();
        if single_label {
            let target = single_label_target(y);
            let mut present = vec![false; t];
            for &k in &target {
                present[k] = true;
            }
            let classes: Vec<usize> = (0..t).filter(|&k| present[k]).collect();
            // With fewer than two topics there is nothing to fit: equal logits, and
            // `multiclass_with_absent` gives the only present topic score 1.
            if classes.len() >= 2 {
                let mut class_of = vec![0; t];
                for (j, &k) in classes.iter().enumerate() {
                    class_of[k] = j;
                }
                let k = classes.len();
                let problem = Problem {
                    x,
                    bands: &bands,
                    xt: &xt,
                    target: target.iter().map(|&topic| class_of[topic]).collect(),
                    k,
                    multinomial: true,
                    penalty,
                };
                let r = problem.solve(&opts);
                if !r.converged {
                    notes.push(not_converged("the multinomial model".into(), &r));
                }
                for (j, &topic) in classes.iter().enumerate() {
                    for c in 0..d {
                        weights[[c, topic]] = r.x[c * k + j];
                    }
                    intercept[topic] = r.x[d * k + j];
                }
            }
            return Ok(FittedLogistic {
                weights,
                intercept,
                constant: Vec::new(),
                present,
                notes,
            });
        }
        let ovr = one_vs_rest(d, y, |k, yes| {
            let r = Problem {
                x,
                bands: &bands,
                xt: &xt,
                target: yes.iter().map(|&b| usize::from(b)).collect(),
                k: 1,
                multinomial: false,
                penalty,
            }
            .solve(&opts);
            BinaryFit {
                note: (!r.converged).then(|| not_converged(format!("topic {k}"), &r)),
                bias: r.x[d],
                w: r.x[..d].to_vec(),
            }
        });
        let (weights, intercept, constant) = (ovr.weights, Array1::from(ovr.bias), ovr.constant);
        notes.extend(ovr.notes);
        Ok(FittedLogistic {
            weights,
            intercept,
            constant,
            present: Vec::new(),
            notes,
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
    fn check(&self) -> Result<()> {
        check_solver_params("logistic_regression", self.c, self.tol, self.max_iter)
    }

    fn grid(&self) -> Vec<(serde_json::Value, Box<dyn Classifier>)> {
        super::grid_over(self, "c", &super::C_GRID, |s, v| s.c = v)
    }

    fn name(&self) -> &'static str {
        "logistic_regression"
    }
    fn describe(&self) -> String {
        format!(
            "L2 logistic regression (as scikit-learn LogisticRegression, L-BFGS on the sparse matrix) \
             on TF-IDF unigrams, {}, multinomial on single-label data, else one-vs-rest",
            super::setting_text("c", self.c)
        )
    }
    fn features(&self) -> FeatureSpec {
        FeatureSpec::TFIDF
    }
    fn params(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
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

    fn notes(&self) -> Vec<String> {
        self.notes.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classifiers::common::fixtures::{separable, single_label};
    use ndarray::array;

    fn close(got: f64, want: f64, tol: f64) {
        assert!((got - want).abs() <= tol, "got {got}, want {want}");
    }

    fn precise() -> LogisticRegression {
        LogisticRegression {
            tol: 1e-10,
            max_iter: 10_000,
            ..LogisticRegression::default()
        }
    }

    // Reference: scikit-learn 1.9.1, the fixture `fixtures::separable` dense:
    //   X = np.array([[.9,.1,0],[.8,0,.2],[0,1,0],[0,0,1],[0,.6,.8],[0,.8,.6]])
    //   m = LogisticRegression(C=1.0, tol=1e-10, max_iter=10000).fit(X, [1,1,0,0,0,0])
    //   m.coef_ -> [[0.8183413763779247, -0.5204056070664224, -0.4762764246792278]]
    //   m.intercept_ -> [-0.551024570004407]
    const COEF_BIN: [f64; 3] = [0.8183413763779247, -0.5204056070664224, -0.4762764246792278];
    const INTERCEPT_BIN: f64 = -0.551024570004407;

    #[test]
    fn binary_matches_scikit_learn() {
        let x = separable();
        let y = array![[true], [true], [false], [false], [false], [false]];
        let m = precise().fit_model(&x, y.view(), false).unwrap();
        let w = m.feature_weights().unwrap();
        for (got, want) in w.row(0).iter().zip(COEF_BIN) {
            close(*got, want, 1e-7);
        }
        close(m.intercept[0], INTERCEPT_BIN, 1e-7);
        assert!(m.notes().is_empty());
        assert_eq!(m.predict(&x).decisions, y);
        // The default tolerance lands close to the same solution.
        let d = LogisticRegression::default()
            .fit_model(&x, y.view(), false)
            .unwrap();
        close(d.intercept[0], INTERCEPT_BIN, 1e-3);
    }

    // Reference: scikit-learn 1.9.1, the fixture `fixtures::single_label` dense (topic 2 absent):
    //   X = np.array([[1,0,0],[.9,.1,0],[0,1,0],[0,.9,.1],[0,0,1],[.1,0,.9]])
    //   m = LogisticRegression(C=1.0, tol=1e-10, max_iter=10000).fit(X, [0,0,1,1,3,3])
    //   m.coef_ -> [[0.7571888456293231, -0.346955828008806, -0.4102330176205171],
    //               [-0.4102330176205171, 0.7571888456293232, -0.346955828008806],
    //               [-0.346955828008806, -0.4102330176205171, 0.7571888456293232]]   (classes 0, 1, 3)
    //   m.intercept_ -> [2.7e-16, 1.9e-16, 1.4e-16]   (0 up to rounding: the fixture is symmetric)
    //   m.predict_proba(X[:1]) -> [[0.6087678005757388, 0.18942914543990053, 0.20180305398436077]]
    const COEF_MULTI: [[f64; 3]; 3] = [
        [0.7571888456293231, -0.346955828008806, -0.4102330176205171],
        [-0.4102330176205171, 0.7571888456293232, -0.346955828008806],
        [-0.346955828008806, -0.4102330176205171, 0.7571888456293232],
    ];
    const INTERCEPT_MULTI: [f64; 3] = [0.0, 0.0, 0.0];
    const PROBA_MULTI: [f64; 3] = [0.6087678005757388, 0.18942914543990053, 0.20180305398436077];

    #[test]
    fn multinomial_matches_scikit_learn() {
        let (x, y) = single_label();
        let m = precise().fit_model(&x, y.view(), true).unwrap();
        let w = m.feature_weights().unwrap();
        for (j, topic) in [0, 1, 3].into_iter().enumerate() {
            for c in 0..3 {
                close(w[[topic, c]], COEF_MULTI[j][c], 1e-7);
            }
            close(m.intercept[topic], INTERCEPT_MULTI[j], 1e-7);
        }
        let p = m.predict(&x);
        assert_eq!(p.decisions, y);
        assert!(p.scores.column(2).iter().all(|&s| s == 0.0));
        for (j, topic) in [0, 1, 3].into_iter().enumerate() {
            close(p.scores[[0, topic]], PROBA_MULTI[j], 1e-7);
        }
        for row in p.scores.rows() {
            assert!((row.sum() - 1.0).abs() < 1e-12);
        }
    }

    /// The scores are formed in one band of rows per thread and every sum has a fixed order, so
    /// one thread and three give the same weights bit for bit (multinomial and one-vs-rest), and
    /// so do the AVX2 and baseline builds of the vector loops.
    #[test]
    fn the_same_weights_on_any_thread_count() {
        let (n, d) = (301, 40);
        let rows = (0..n).map(|i| {
            (0..d as u32)
                .filter(|c| (i * 7 + *c as usize * 13).is_multiple_of(5))
                .map(|c| (c, ((i * 31 + c as usize) as f64).sin().abs() + 0.1))
                .collect()
        });
        let x = Csr::from_rows(d, rows);
        let y = Array2::from_shape_fn((n, 3), |(i, k)| (i * 11 + i / 7) % 3 == k);
        let fit = |threads: usize, single_label: bool| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| {
                    let m = LogisticRegression::default()
                        .fit_model(&x, y.view(), single_label)
                        .unwrap();
                    let bits = |a: &[f64]| a.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
                    (
                        bits(m.weights.as_slice().unwrap()),
                        bits(m.intercept.as_slice().unwrap()),
                    )
                })
        };
        let _paths = crate::classifiers::common::paths_lock();
        for single_label in [true, false] {
            let one = fit(1, single_label);
            assert_eq!(one, fit(3, single_label), "single_label {single_label}");
            assert!(one.0.iter().any(|&b| b != 0), "a model was fitted");
            // And the same as built for x86-64's baseline, on a CPU with AVX2.
            let baseline = crate::classifiers::common::as_built(|| fit(3, single_label));
            assert_eq!(one, baseline, "single_label {single_label}, as built");
        }
    }

    #[test]
    fn swapped_labels_mirror_and_bad_params_are_refused() {
        let x = separable();
        let y = array![[true], [true], [false], [false], [false], [false]];
        let swapped = y.mapv(|b| !b);
        let lr = precise();
        let p = lr.fit_model(&x, y.view(), false).unwrap().predict(&x);
        let q = lr.fit_model(&x, swapped.view(), false).unwrap().predict(&x);
        assert_eq!(q.decisions, swapped);
        for (a, b) in p.scores.iter().zip(&q.scores) {
            assert!((a + b - 1.0).abs() < 1e-9, "{a} + {b}");
        }
        let short = LogisticRegression {
            max_iter: 1,
            tol: 1e-12,
            ..LogisticRegression::default()
        };
        let m = short.fit_model(&x, y.view(), false).unwrap();
        assert!(
            m.notes()[0].contains("stopped after 1 L-BFGS"),
            "{:?}",
            m.notes()
        );
        let bad = LogisticRegression {
            c: -1.0,
            ..LogisticRegression::default()
        };
        let e = bad.check().unwrap_err();
        assert!(
            e.to_string().starts_with("logistic_regression: c must be"),
            "{e}"
        );
    }
}
