//! `linear_svm`: an L2-regularized squared-hinge linear SVM on TF-IDF unigrams, scikit-learn
//! `LinearSVC(C=1.0)`'s default formulation, solved on the sparse matrix (it never densifies).
//!
//! Per topic k, with y_i = +1 for its paragraphs and −1 for the rest, the primal problem is
//! min_w ½‖w‖² + C Σ_i max(0, 1 − y_i w·x̂_i)², where x̂_i is x_i with a constant extra feature
//! of value 1 (liblinear's bias with `intercept_scaling = 1`, so the bias is regularized too, as
//! in scikit-learn). It is solved in the dual by coordinate descent with shrinking (Hsieh et al.
//! 2008, liblinear's `solve_l2r_l1l2_svc` for L2-loss, scikit-learn's default `dual` choice when
//! paragraphs are fewer than features): α_i ≥ 0, diagonal 1/(2C), one coordinate at a time in a
//! random order that changes every epoch, stopping when the projected gradient's spread over the
//! active set is at most `tol` (1e-4) on the full set, or after `max_iter` (1000) epochs, which is
//! reported as a note. The order comes from a ChaCha8 stream seeded by the fit seed and the topic,
//! so a fit is deterministic; topics are fitted in parallel and collected in order.
//!
//! One model per topic — one-vs-rest also on single-label data, where the decision is the topic
//! with the largest decision value (ties to the lower id), as `LinearSVC` does with its default
//! `multi_class="ovr"`. Decision value = w·x + b; decided yes when it is > 0 (a tie is "no"), score
//! = logistic(value), in [0, 1] but not a calibrated probability. A topic that is constant in the
//! training fold gets value −∞/+∞ (score 0/1).

use ndarray::{Array2, ArrayView2};
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use super::common::{
    BinaryFit, argmax_decisions, check_finite, check_solver_params, logistic, one_vs_rest,
};
use super::{Classifier, FitContext, Fitted, Predictions};
use crate::error::Result;
use crate::features::{Csr, FeatureSpec};

/// Hyperparameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LinearSvm {
    /// Penalty C of the squared hinge loss.
    pub c: f64,
    /// Stopping tolerance on the spread of the dual projected gradient (liblinear's `eps`).
    pub tol: f64,
    /// Most epochs (passes over the active paragraphs) per topic.
    pub max_iter: usize,
}

impl Default for LinearSvm {
    fn default() -> Self {
        LinearSvm {
            c: 1.0,
            tol: 1e-4,
            max_iter: 1000,
        }
    }
}

/// One topic's solution.
#[derive(Debug, Clone)]
struct TopicSolution {
    w: Vec<f64>,
    bias: f64,
    epochs: usize,
    converged: bool,
}

/// w · x for one sparse row: four interleaved partial sums (fixed, so the same on every
/// machine), since with one the additions wait on each other; and without bounds checks on the
/// gathered weights. This loop is most of the solver's time.
///
/// The caller guarantees every column is below `w.len()` ([`solve_dual`] is only called on a
/// matrix whose columns were checked against its width, the length of `w`).
#[inline]
fn gather_dot(w: &[f64], cols: &[u32], vals: &[f32]) -> f64 {
    debug_assert!(cols.len() == vals.len() && cols.iter().all(|&c| (c as usize) < w.len()));
    let split = cols.len() / 4 * 4;
    let (mut acc, mut k) = ([0.0f64; 4], 0);
    while k < split {
        for (lane, acc) in acc.iter_mut().enumerate() {
            // SAFETY: k + lane < split ≤ cols.len() = vals.len(), and every column is below
            // w.len() (checked by the caller, see above).
            #[allow(unsafe_code)]
            unsafe {
                let (c, v) = (*cols.get_unchecked(k + lane), *vals.get_unchecked(k + lane));
                *acc += w.get_unchecked(c as usize) * f64::from(v);
            }
        }
        k += 4;
    }
    let mut rest = 0.0;
    for (&c, &v) in cols[split..].iter().zip(&vals[split..]) {
        rest += w[c as usize] * f64::from(v);
    }
    ((acc[0] + acc[1]) + (acc[2] + acc[3])) + rest
}

/// Asks the CPU to bring `v` (the next row's columns or values) into cache without waiting: rows
/// are visited in random order, so each row's data would otherwise start with a miss that the
/// current row's work cannot hide (the next row's loads wait on this row's update).
#[inline]
fn prefetch_lines<T>(v: &[T]) {
    #[cfg(target_arch = "x86_64")]
    {
        let bytes = std::mem::size_of_val(v);
        let start = v.as_ptr().cast::<u8>();
        let mut off = 0;
        while off < bytes {
            // SAFETY: a prefetch is a hint: it never faults and changes no memory, whatever the
            // address (here inside `v`); SSE, which has it, is part of every x86_64 CPU.
            #[allow(unsafe_code)]
            unsafe {
                use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
                _mm_prefetch::<_MM_HINT_T0>(start.add(off).cast());
            }
            off += 64;
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = v;
}

/// w += d · x for one sparse row, without bounds checks (the same guarantee as [`gather_dot`]).
#[inline]
fn scatter_add(w: &mut [f64], cols: &[u32], vals: &[f32], d: f64) {
    debug_assert!(cols.iter().all(|&c| (c as usize) < w.len()));
    for (&c, &v) in cols.iter().zip(vals) {
        // SAFETY: every column is below w.len() (checked by the caller of `solve_dual`).
        #[allow(unsafe_code)]
        unsafe {
            *w.get_unchecked_mut(c as usize) += d * f64::from(v);
        }
    }
}

/// Q_ii = ‖x̂_i‖² + 1/(2C) per row (of the values as the solver reads them), the bias feature
/// contributing 1: the same for every topic.
fn q_diagonal(x: &Csr, vals32: &[f32], c: f64) -> Vec<f64> {
    x.indptr
        .windows(2)
        .map(|r| {
            let norm: f64 = vals32[r[0]..r[1]]
                .iter()
                .map(|&v| f64::from(v).powi(2))
                .sum();
            0.5 / c + 1.0 + norm
        })
        .collect()
}

/// Dual coordinate descent for the L2-loss SVM (liblinear `solve_l2r_l1l2_svc`, L2 loss), on the
/// rows of `x` with an extra constant feature 1, `qd` from [`q_diagonal`]. `yes[i]` says whether
/// row i is positive. The values are read as `vals32` (`x.data` rounded to f32: half the bytes
/// to stream per epoch, which is what bounds this loop; the weights stay f64).
fn solve_dual(
    x: &Csr,
    vals32: &[f32],
    qd: &[f64],
    yes: &[bool],
    svm: &LinearSvm,
    seed: u64,
) -> TopicSolution {
    let LinearSvm { c, tol, max_iter } = *svm;
    let n = x.n_rows();
    let diag = 0.5 / c;
    let y: Vec<f64> = yes.iter().map(|&b| if b { 1.0 } else { -1.0 }).collect();
    let mut w = vec![0.0f64; x.n_cols];
    let mut bias = 0.0f64;
    let mut alpha = vec![0.0f64; n];
    let mut index: Vec<usize> = (0..n).collect();
    let mut active = n;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    // Shrinking threshold; with no upper bound on α (L2 loss) only the lower side shrinks.
    let mut pg_max_old = f64::INFINITY;
    let mut epochs = 0;
    let mut converged = false;
    while epochs < max_iter {
        let (mut pg_max_new, mut pg_min_new) = (f64::NEG_INFINITY, f64::INFINITY);
        for i in 0..active {
            let j = rng.gen_range(i..active);
            index.swap(i, j);
        }
        let mut s = 0;
        while s < active {
            let i = index[s];
            if s + 1 < active {
                let next = index[s + 1];
                let (a, b) = (x.indptr[next], x.indptr[next + 1]);
                prefetch_lines(&x.indices[a..b]);
                prefetch_lines(&vals32[a..b]);
            }
            let (a, b) = (x.indptr[i], x.indptr[i + 1]);
            let (cols, vals) = (&x.indices[a..b], &vals32[a..b]);
            let dot = bias + gather_dot(&w, cols, vals);
            let g = y[i] * dot - 1.0 + alpha[i] * diag;
            let pg = if alpha[i] == 0.0 {
                if g > pg_max_old {
                    // Shrink: at the bound and likely to stay there.
                    active -= 1;
                    index.swap(s, active);
                    continue;
                }
                g.min(0.0)
            } else {
                g
            };
            pg_max_new = pg_max_new.max(pg);
            pg_min_new = pg_min_new.min(pg);
            if pg.abs() > 1e-12 {
                let old = alpha[i];
                alpha[i] = (old - g / qd[i]).max(0.0);
                let d = (alpha[i] - old) * y[i];
                scatter_add(&mut w, cols, vals, d);
                bias += d;
            }
            s += 1;
        }
        epochs += 1;
        if pg_max_new - pg_min_new <= tol {
            if active == n {
                converged = true;
                break;
            }
            // Converged on the shrunk set: check again on every paragraph.
            active = n;
            pg_max_old = f64::INFINITY;
            continue;
        }
        pg_max_old = if pg_max_new <= 0.0 {
            f64::INFINITY
        } else {
            pg_max_new
        };
    }
    TopicSolution {
        w,
        bias,
        epochs,
        converged,
    }
}

/// A fitted linear SVM, one model per topic.
#[derive(Debug, Clone)]
pub struct FittedSvm {
    /// features × topics (zeros for a constant topic).
    weights: Array2<f64>,
    /// Per topic: the bias, or ±∞ for a constant topic.
    bias: Vec<f64>,
    single_label: bool,
    notes: Vec<String>,
}

impl FittedSvm {
    /// Decision values w·x + b, paragraphs × topics (±∞ for a constant topic).
    pub fn decision_function(&self, x: &Csr) -> Array2<f64> {
        let mut out = super::common::sparse_dot(x, &self.weights);
        for mut row in out.rows_mut() {
            for (v, b) in row.iter_mut().zip(&self.bias) {
                *v += b;
            }
        }
        out
    }
}

impl LinearSvm {
    /// Fits and returns the concrete model.
    pub fn fit_model(
        &self,
        x: &Csr,
        y: ArrayView2<bool>,
        single_label: bool,
        seed: u64,
    ) -> Result<FittedSvm> {
        check_finite("linear_svm", x)?;
        // `solve_dual` reads and writes the weights unchecked at these columns.
        if let Some(&c) = x.indices.iter().find(|&&c| c as usize >= x.n_cols) {
            return Err(crate::error::Error::Failed(format!(
                "linear_svm: a stored value is in column {c} of a matrix {} columns wide",
                x.n_cols
            )));
        }
        let vals32: Vec<f32> = x.data.iter().map(|&v| v as f32).collect();
        let qd = q_diagonal(x, &vals32, self.c);
        let ovr = one_vs_rest(x.n_cols, y, |k, yes| {
            let topic_seed = seed ^ (k as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            let s = solve_dual(x, &vals32, &qd, yes, self, topic_seed);
            BinaryFit {
                note: (!s.converged).then(|| {
                    format!(
                        "linear_svm: topic {k} stopped after max_iter = {} epochs before the \
                         tolerance {} was reached",
                        s.epochs, self.tol
                    )
                }),
                w: s.w,
                bias: s.bias,
            }
        });
        // A constant topic decides by its bias alone: ±∞.
        let bias = ovr
            .bias
            .iter()
            .zip(&ovr.constant)
            .map(|(&b, c)| match c {
                Some(true) => f64::INFINITY,
                Some(false) => f64::NEG_INFINITY,
                None => b,
            })
            .collect();
        let (weights, notes) = (ovr.weights, ovr.notes);
        Ok(FittedSvm {
            weights,
            bias,
            single_label,
            notes,
        })
    }
}

impl Classifier for LinearSvm {
    fn check(&self) -> Result<()> {
        check_solver_params("linear_svm", self.c, self.tol, self.max_iter)
    }

    fn grid(&self) -> Vec<(serde_json::Value, Box<dyn Classifier>)> {
        super::grid_over(self, "c", &super::C_GRID, |s, v| s.c = v)
    }

    fn name(&self) -> &'static str {
        "linear_svm"
    }
    fn describe(&self) -> String {
        format!(
            "linear SVM (as scikit-learn LinearSVC: squared hinge, dual coordinate descent) on TF-IDF \
             unigrams, {}, one-vs-rest",
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
        Ok(Box::new(self.fit_model(
            x,
            y,
            ctx.single_label,
            ctx.seed,
        )?))
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

    // Reference: scikit-learn 1.9.1 (liblinear), the fixture `fixtures::separable` dense:
    //   X = np.array([[.9,.1,0],[.8,0,.2],[0,1,0],[0,0,1],[0,.6,.8],[0,.8,.6]])
    //   y = np.array([1,1,0,0,0,0])
    //   m = LinearSVC(C=1.0, tol=1e-10, max_iter=100000).fit(X, y)
    //   m.coef_ -> [[1.0386397407974046, -0.6256108816147874, -0.5899545133666274]]
    //   m.intercept_ -> [-0.10273517239467508]
    //   m.decision_function(X) -> [0.7694795061615103, 0.6101857175699231, -0.7283460540094625,
    //                              -0.6926896857613025, -0.9500653120568495, -0.9571965857064815]
    #[test]
    fn matches_scikit_learn_on_a_small_fixture() {
        let x = separable();
        let y = array![[true], [true], [false], [false], [false], [false]];
        let svm = LinearSvm {
            tol: 1e-10,
            max_iter: 100_000,
            ..LinearSvm::default()
        };
        let m = svm.fit_model(&x, y.view(), false, 0).unwrap();
        let w = m.feature_weights().unwrap();
        for (got, want) in
            w.row(0)
                .iter()
                .zip([1.0386397407974046, -0.6256108816147874, -0.5899545133666274])
        {
            close(*got, want, 1e-6);
        }
        close(m.bias[0], -0.10273517239467508, 1e-6);
        let v = m.decision_function(&x);
        for (got, want) in v.column(0).iter().zip([
            0.7694795061615103,
            0.6101857175699231,
            -0.7283460540094625,
            -0.6926896857613025,
            -0.9500653120568495,
            -0.9571965857064815,
        ]) {
            close(*got, want, 1e-6);
        }
        assert!(m.notes().is_empty());
    }

    #[test]
    fn separable_training_rows_are_all_right_and_yes_is_yes() {
        let x = separable();
        let y = array![[true], [true], [false], [false], [false], [false]];
        let swapped = y.mapv(|b| !b);
        let svm = LinearSvm::default();
        let m = svm.fit_model(&x, y.view(), false, 1).unwrap();
        assert_eq!(m.predict(&x).decisions, y);
        // Swapping the labels negates the decision values (the problem is symmetric).
        let other = svm.fit_model(&x, swapped.view(), false, 1).unwrap();
        assert_eq!(other.predict(&x).decisions, swapped);
        for (a, b) in m
            .decision_function(&x)
            .iter()
            .zip(&other.decision_function(&x))
        {
            assert!((a + b).abs() < 1e-3, "{a} vs {b}");
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
            .fit_model(&x, y.view(), true, 0)
            .unwrap()
            .predict(&x);
        assert_eq!(p.decisions, y);
        assert!(p.scores.column(2).iter().all(|&s| s == 0.0));
    }

    #[test]
    fn max_iter_is_reported_and_bad_params_refused() {
        let x = separable();
        let y = array![[true], [true], [false], [false], [false], [false]];
        let short = LinearSvm {
            tol: 1e-12,
            max_iter: 1,
            ..LinearSvm::default()
        };
        let m = short.fit_model(&x, y.view(), false, 0).unwrap();
        assert_eq!(m.notes().len(), 1, "{:?}", m.notes());
        assert!(m.notes()[0].contains("max_iter = 1"));
        let bad = LinearSvm {
            c: 0.0,
            ..LinearSvm::default()
        };
        let e = bad.check().unwrap_err();
        assert!(e.to_string().starts_with("linear_svm: c must be"), "{e}");
    }

    #[test]
    fn a_column_outside_the_matrix_is_an_error_not_a_read_out_of_bounds() {
        let mut x = separable();
        x.indices[0] = x.n_cols as u32;
        let y = array![[true], [true], [false], [false], [false], [false]];
        let e = LinearSvm::default()
            .fit_model(&x, y.view(), false, 0)
            .unwrap_err();
        assert!(
            e.to_string()
                .contains("column 3 of a matrix 3 columns wide"),
            "{e}"
        );
    }
}
