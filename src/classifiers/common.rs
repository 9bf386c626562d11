//! Pieces shared by the classifiers (`complement_nb`, `bernoulli_nb`, `logistic_regression`,
//! `linear_svm`, `nearest_centroid`, the baseline): spotting topics that are constant in a
//! training fold, the single-label target, block-wise prediction for linfa's dense models, sizes
//! in MiB, a stable logistic function, a sparse × dense product, and the single-label decision rules
//! (softmax/argmax when some topics are absent from the fold). Only [`super`]'s contract types
//! are used; nothing here knows about folds, paths or reports.

use ndarray::{Array1, Array2, ArrayView2};

use super::{Fitted, Predictions, multiclass_from_jll};
use crate::error::{Error, Result};
use crate::features::Csr;

/// `Some(value)` when every training paragraph has the same value for topic `t` (all false or
/// all true, or no paragraphs at all: false): such a topic gets a constant model, because a
/// library cannot be fitted on a single class.
pub fn constant_topic(y: ArrayView2<bool>, t: usize) -> Option<bool> {
    let col = y.column(t);
    let yes = col.iter().filter(|&&b| b).count();
    if yes == 0 {
        Some(false)
    } else if yes == col.len() {
        Some(true)
    } else {
        None
    }
}

/// Defines a function whose body runs compiled for AVX2 when this CPU has it (nearly every
/// x86-64 CPU since 2013), else as built (x86-64's baseline SSE2): for the solvers' vector
/// loops, which then do four f64 operations per instruction instead of two. The numbers are the
/// same either way: Rust never lets LLVM fuse a multiplication and an addition into one rounding
/// or reorder floating-point operations (it would take explicit `mul_add` or fast-math flags),
/// and the code fixes the order of every sum, whatever the vector width. The body should be a whole loop, not one element (the check is an atomic load).
/// A function, not a closure: the body must be inlined into its AVX2 copy, and only a function
/// can be marked to be inlined always.
macro_rules! wide_fn {
    ($(#[$meta:meta])* fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)? $body:block) => {
        $(#[$meta])*
        fn $name($($arg: $ty),*) $(-> $ret)? {
            #[inline(always)]
            fn body($($arg: $ty),*) $(-> $ret)? $body
            #[cfg(target_arch = "x86_64")]
            if $crate::classifiers::common::avx2_in_use() {
                #[target_feature(enable = "avx2")]
                fn avx2($($arg: $ty),*) $(-> $ret)? {
                    body($($arg),*)
                }
                // SAFETY: the CPU has AVX2, checked just above: the only requirement of
                // calling a function compiled with it.
                #[allow(unsafe_code)]
                return unsafe { avx2($($arg),*) };
            }
            body($($arg),*)
        }
    };
}
pub(crate) use wide_fn;

/// Whether [`wide_fn`] bodies run their AVX2 copies here: for a body that picks a different (but
/// equal in every number) loop for them.
#[inline]
pub(crate) fn avx2_in_use() -> bool {
    #[cfg(target_arch = "x86_64")]
    return std::arch::is_x86_feature_detected!("avx2") && !baseline_only();
    #[cfg(not(target_arch = "x86_64"))]
    false
}

/// Set by tests to run [`wide_fn`] bodies as built, to check that AVX2 changes no number.
static BASELINE_ONLY: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether [`wide_fn`] bodies run as built even on an AVX2 CPU (only tests set it).
pub(crate) fn baseline_only() -> bool {
    BASELINE_ONLY.load(std::sync::atomic::Ordering::SeqCst)
}

/// Held by every test that compares the AVX2 path with the baseline one ([`as_built`]), for
/// its whole length: the flag is global, so two such tests at once could otherwise compare a
/// path with itself. (Other tests' kernels may run as built while one holds it: by the claim
/// under test that changes only their speed.)
#[cfg(test)]
pub(crate) fn paths_lock() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Runs `f` with [`wide_fn`] bodies as built, then restores the AVX2 path (also if `f` panics).
/// The caller holds [`paths_lock`].
#[cfg(test)]
pub(crate) fn as_built<R>(f: impl FnOnce() -> R) -> R {
    use std::sync::atomic::Ordering;
    struct Restore;
    impl Drop for Restore {
        fn drop(&mut self) {
            BASELINE_ONLY.store(false, Ordering::SeqCst);
        }
    }
    BASELINE_ONLY.store(true, Ordering::SeqCst);
    let _restore = Restore;
    f()
}

/// One binary linear model's fit: weights over the features, the bias, and a note when the
/// solver stopped before its tolerance.
pub struct BinaryFit {
    /// One weight per feature.
    pub w: Vec<f64>,
    /// The bias (intercept).
    pub bias: f64,
    /// Why the fit may not be final (e.g. stopped at max_iter), for the report.
    pub note: Option<String>,
}

/// One-vs-rest models of a binary linear solver, fitted per topic.
pub struct OneVsRest {
    /// features × topics (zeros for a constant topic).
    pub weights: Array2<f64>,
    /// Per topic: the bias (0 for a constant topic).
    pub bias: Vec<f64>,
    /// Per topic: `Some(value)` when every training paragraph had the same value.
    pub constant: Vec<Option<bool>>,
    /// The solvers' notes, in topic order.
    pub notes: Vec<String>,
}

/// The one-vs-rest adapter: `solve(topic, yes)` fits one binary problem (yes/no per training
/// paragraph); it is called for every topic that is not constant in `y`, topics in parallel,
/// results kept in topic order. A binary linear classifier is written once, as `solve`.
pub fn one_vs_rest(
    n_features: usize,
    y: ArrayView2<bool>,
    solve: impl Fn(usize, &[bool]) -> BinaryFit + Sync,
) -> OneVsRest {
    use rayon::prelude::*;
    let t = y.ncols();
    let constant: Vec<Option<bool>> = (0..t).map(|k| constant_topic(y, k)).collect();
    let fits: Vec<Option<BinaryFit>> = (0..t)
        .into_par_iter()
        .map(|k| {
            constant[k].is_none().then(|| {
                let yes: Vec<bool> = y.column(k).to_vec();
                solve(k, &yes)
            })
        })
        .collect();
    let mut weights = Array2::zeros((n_features, t));
    let mut bias = vec![0.0; t];
    let mut notes = Vec::new();
    for (k, fit) in fits.into_iter().enumerate() {
        let Some(fit) = fit else { continue };
        weights
            .column_mut(k)
            .assign(&ndarray::ArrayView1::from(&fit.w));
        bias[k] = fit.bias;
        notes.extend(fit.note);
    }
    OneVsRest {
        weights,
        bias,
        constant,
        notes,
    }
}

/// Single-label data: each paragraph's topic id (its first topic; 0 for a paragraph without
/// one, which single-label data does not have — the baseline's convention).
pub fn single_label_target(y: ArrayView2<bool>) -> Array1<usize> {
    y.rows()
        .into_iter()
        .map(|r| r.iter().position(|&b| b).unwrap_or(0))
        .collect()
}

/// A fitted linfa model that makes a dense copy of what it predicts, predicting at most `rows`
/// rows at a time: with `rows` the training matrix's row count, no dense copy is larger than the
/// training one, which was within the memory budget (a `--split test` side may be larger than the
/// training side). Predictions are row-wise, so blocks change nothing but the peak memory.
pub struct InBlocks<F> {
    /// The model.
    pub inner: F,
    /// Rows per block (at least 1).
    pub rows: usize,
}

impl<F: Fitted> Fitted for InBlocks<F> {
    fn predict(&self, x: &Csr) -> Predictions {
        let n = x.n_rows();
        let rows = self.rows.max(1);
        if n <= rows {
            return self.inner.predict(x);
        }
        let parts: Vec<Predictions> = (0..n)
            .step_by(rows)
            .map(|start| {
                let block: Vec<usize> = (start..(start + rows).min(n)).collect();
                self.inner.predict(&x.select_rows(&block))
            })
            .collect();
        let scores: Vec<_> = parts.iter().map(|p| p.scores.view()).collect();
        let decisions: Vec<_> = parts.iter().map(|p| p.decisions.view()).collect();
        Predictions {
            scores: ndarray::concatenate(ndarray::Axis(0), &scores).unwrap_or_default(),
            decisions: ndarray::concatenate(ndarray::Axis(0), &decisions).unwrap_or_default(),
        }
    }
    fn feature_weights(&self) -> Option<Array2<f64>> {
        self.inner.feature_weights()
    }
    fn top_features(&self, n: usize) -> Option<Vec<Vec<(usize, f64)>>> {
        self.inner.top_features(n)
    }
    fn notes(&self) -> Vec<String> {
        self.inner.notes()
    }
}

/// A smoothing `alpha` must be finite and > 0 (a usage error naming `name`).
pub fn check_alpha(name: &str, alpha: f64) -> Result<()> {
    if alpha.is_finite() && alpha > 0.0 {
        Ok(())
    } else {
        Err(Error::Usage(format!(
            "{name}: alpha must be finite and > 0, got {alpha}"
        )))
    }
}

/// The hyperparameters of both iterative solvers (`linear_svm`, `logistic_regression`): `c`
/// finite and > 0, `tol` finite and > 0, `max_iter` > 0 (usage errors).
pub fn check_solver_params(name: &str, c: f64, tol: f64, max_iter: usize) -> Result<()> {
    if !c.is_finite() || c <= 0.0 {
        return Err(Error::Usage(format!(
            "{name}: c must be finite and > 0, got {c}"
        )));
    }
    if !tol.is_finite() || tol <= 0.0 || max_iter == 0 {
        return Err(Error::Usage(format!(
            "{name}: tol must be finite and > 0 and max_iter > 0, got {tol} and {max_iter}"
        )));
    }
    Ok(())
}

/// The iterative solvers need finite feature values (a failed fit otherwise).
pub fn check_finite(name: &str, x: &Csr) -> Result<()> {
    if let Some(bad) = x.data.iter().find(|v| !v.is_finite()) {
        return Err(Error::Failed(format!(
            "{name}: feature values must be finite, found {bad}"
        )));
    }
    Ok(())
}

/// `bytes` in MiB to three decimals at most (`1024 MiB`, `1557.25 MiB`, `0.01 MiB`), or in bytes
/// below 0.01 MiB (`880 bytes`), where three decimals of MiB would say little.
pub fn size_text(bytes: u64) -> String {
    if bytes as f64 >= 0.01 * 1048576.0 {
        format!("{} MiB", (bytes as f64 / 1048.576).round() / 1000.0)
    } else {
        format!("{bytes} bytes")
    }
}

/// 1 / (1 + e^−z) without overflow: exactly 0 or 1 only for huge |z|, never NaN for finite or
/// infinite z (NaN in gives 0.5, so a score is always in [0, 1]).
pub fn logistic(z: f64) -> f64 {
    if z.is_nan() {
        0.5
    } else if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// `x · w`: paragraphs × k, for `w` features × k, reading only the stored values of `x`.
pub fn sparse_dot(x: &Csr, w: &Array2<f64>) -> Array2<f64> {
    let mut out = Array2::zeros((x.n_rows(), w.ncols()));
    for i in 0..x.n_rows() {
        let (cols, vals) = x.row(i);
        let mut acc = out.row_mut(i);
        for (&c, &v) in cols.iter().zip(vals) {
            acc.scaled_add(v, &w.row(c as usize));
        }
    }
    out
}

/// Single-label predictions from per-topic log-scores (log-likelihoods or logits): softmax
/// scores and the argmax (ties to the lower topic id). Topics with `present[t] == false` (no
/// training paragraph in the fold) get score 0 and are never chosen; when no topic is present
/// every topic gets 1/k and the decision is topic 0.
pub fn multiclass_with_absent(mut logits: Array2<f64>, present: &[bool]) -> Predictions {
    if present.iter().any(|&p| p) {
        for (t, &p) in present.iter().enumerate() {
            if !p {
                logits.column_mut(t).fill(f64::NEG_INFINITY);
            }
        }
    } else {
        logits.fill(0.0);
    }
    multiclass_from_jll(&logits)
}

/// One decision per row: the column with the largest value, ties (and NaN) to the lower id.
pub fn argmax_decisions(values: &Array2<f64>) -> Array2<bool> {
    let mut decisions = Array2::from_elem(values.raw_dim(), false);
    for (i, row) in values.rows().into_iter().enumerate() {
        let mut best = 0;
        for (t, &v) in row.iter().enumerate() {
            if v > row[best] {
                best = t;
            }
        }
        if !row.is_empty() {
            decisions[[i, best]] = true;
        }
    }
    decisions
}

/// Small fixtures shared by the contenders' unit tests.
#[cfg(test)]
pub(crate) mod fixtures {
    use ndarray::Array2;

    use crate::features::Csr;

    /// A 4-column sparse matrix from dense rows (zeros not stored).
    pub fn dense_csr(rows: &[[f64; 4]]) -> Csr {
        Csr::from_rows(
            4,
            rows.iter().map(|r| {
                r.iter()
                    .enumerate()
                    .filter(|(_, v)| **v != 0.0)
                    .map(|(c, &v)| (c as u32, v))
                    .collect()
            }),
        )
    }

    /// Rows 0–1 contain word 0 (topic "yes", the minority); rows 2–5 do not.
    pub fn separable() -> Csr {
        Csr::from_rows(
            3,
            [
                vec![(0, 0.9), (1, 0.1)],
                vec![(0, 0.8), (2, 0.2)],
                vec![(1, 1.0)],
                vec![(2, 1.0)],
                vec![(1, 0.6), (2, 0.8)],
                vec![(1, 0.8), (2, 0.6)],
            ],
        )
    }

    /// Single-label: rows 0–1 topic 0, rows 2–3 topic 1, rows 4–5 topic 3; topic 2 absent.
    pub fn single_label() -> (Csr, Array2<bool>) {
        let x = Csr::from_rows(
            3,
            [
                vec![(0, 1.0)],
                vec![(0, 0.9), (1, 0.1)],
                vec![(1, 1.0)],
                vec![(1, 0.9), (2, 0.1)],
                vec![(2, 1.0)],
                vec![(2, 0.9), (0, 0.1)],
            ],
        );
        let topic = [0, 0, 1, 1, 3, 3];
        (x, Array2::from_shape_fn((6, 4), |(i, k)| topic[i] == k))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn logistic_is_stable_and_symmetric() {
        assert_eq!(logistic(0.0), 0.5);
        assert_eq!(logistic(1000.0), 1.0);
        assert_eq!(logistic(-1000.0), 0.0);
        assert_eq!(logistic(f64::INFINITY), 1.0);
        assert_eq!(logistic(f64::NEG_INFINITY), 0.0);
        assert_eq!(logistic(f64::NAN), 0.5);
        assert!((logistic(2.0) + logistic(-2.0) - 1.0).abs() < 1e-15);
    }

    /// A model that scores each row by its first value and records the largest block it saw.
    struct FirstValue(std::sync::atomic::AtomicUsize);
    impl Fitted for FirstValue {
        fn predict(&self, x: &Csr) -> Predictions {
            self.0
                .fetch_max(x.n_rows(), std::sync::atomic::Ordering::Relaxed);
            let first = |i| x.row(i).1.first().copied().unwrap_or(0.0);
            Predictions {
                scores: Array2::from_shape_fn((x.n_rows(), 1), |(i, _)| first(i)),
                decisions: Array2::from_shape_fn((x.n_rows(), 1), |(i, _)| first(i) > 2.0),
            }
        }
    }

    #[test]
    fn in_blocks_predicts_every_row_in_order_within_the_block_size() {
        let x = Csr::from_rows(1, (0..7).map(|i| vec![(0, f64::from(i))]));
        for rows in [1, 2, 3, 7, 100] {
            let model = InBlocks {
                inner: FirstValue(Default::default()),
                rows,
            };
            let p = model.predict(&x);
            assert_eq!(
                p.scores.column(0).to_vec(),
                [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
            );
            assert_eq!(
                p.decisions.column(0).to_vec(),
                [false, false, false, true, true, true, true]
            );
            let largest = model.inner.0.load(std::sync::atomic::Ordering::Relaxed);
            assert_eq!(largest, rows.min(7), "rows {rows}");
        }
    }

    #[test]
    fn sizes_read_in_mib_or_bytes() {
        assert_eq!(size_text(1 << 30), "1024 MiB");
        assert_eq!(size_text(1_632_894_976), "1557.25 MiB");
        assert_eq!(size_text(10_486), "0.01 MiB");
        assert_eq!(size_text(10_485), "10485 bytes");
        assert_eq!(size_text(880), "880 bytes");
        assert_eq!(size_text(0), "0 bytes");
    }

    #[test]
    fn sparse_dot_matches_dense() {
        let x = Csr::from_rows(3, [vec![(0, 1.0), (2, 2.0)], vec![], vec![(1, -1.0)]]);
        let w = array![[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]];
        assert_eq!(sparse_dot(&x, &w), x.to_dense().dot(&w));
    }

    #[test]
    fn absent_topics_are_never_chosen() {
        let p = multiclass_with_absent(array![[5.0, 1.0, 1.0]], &[false, true, true]);
        assert_eq!(p.scores[[0, 0]], 0.0);
        assert!((p.scores[[0, 1]] - 0.5).abs() < 1e-15 && p.scores[[0, 1]] == p.scores[[0, 2]]);
        assert_eq!(p.decisions, array![[false, true, false]]);
        let p = multiclass_with_absent(array![[5.0, 1.0]], &[false, false]);
        assert_eq!(p.scores, array![[0.5, 0.5]]);
        assert_eq!(p.decisions, array![[true, false]]);
        assert_eq!(
            argmax_decisions(&array![[0.0, 0.0], [1.0, 2.0]]),
            array![[true, false], [false, true]]
        );
    }
}
