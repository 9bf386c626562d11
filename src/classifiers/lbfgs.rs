//! Limited-memory BFGS for smooth unconstrained minimization (Nocedal & Wright, *Numerical
//! Optimization*, algorithms 7.4 and 7.5), used by `logistic_regression`.
//!
//! The stopping rules are those scikit-learn's `lbfgs` solver passes to SciPy's L-BFGS-B:
//! converged when the largest gradient component is at most `gtol` (its `tol`, 1e-4), or when
//! the objective's relative decrease (f_k − f_{k+1}) / max(|f_k|, |f_{k+1}|, 1) is at most
//! `ftol` (64 · machine epsilon); otherwise it stops after `max_iter` iterations (not converged).
//! The step comes from a backtracking line search with the Armijo condition (c₁ = 1e-4) and
//! safeguarded quadratic interpolation; the first step has length 1/‖g‖ along −g, as L-BFGS-B's,
//! later ones start at 1. Pairs with too little curvature (sᵀy ≤ 1e-10 · yᵀy) are not stored, so
//! the inverse-Hessian estimate stays positive definite. Everything is sequential arithmetic on
//! plain slices in fixed blocks (sums within a block in a fixed order, blocks added in order;
//! blocks run in parallel): the same objective gives the same iterates on any thread count.

use rayon::prelude::*;

/// Options.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Options {
    /// Correction pairs kept (SciPy's and scikit-learn's default: 10).
    pub memory: usize,
    /// Most iterations.
    pub max_iter: usize,
    /// Converged when max |gradient component| ≤ this.
    pub gtol: f64,
    /// Converged when the relative decrease of the objective is ≤ this.
    pub ftol: f64,
    /// Most objective evaluations per line search.
    pub max_line_search: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            memory: 10,
            max_iter: 100,
            gtol: 1e-4,
            ftol: 64.0 * f64::EPSILON,
            max_line_search: 50,
        }
    }
}

/// The result of a minimization.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The last iterate.
    pub x: Vec<f64>,
    /// The objective there.
    pub f: f64,
    /// Iterations done.
    pub iterations: usize,
    /// Whether a tolerance was met (rather than `max_iter` or a failed line search).
    pub converged: bool,
}

/// Elements per block of the vector kernels below. Blocks are fixed by position, so how the work
/// is split between threads never changes the arithmetic.
const BLOCK: usize = 1 << 14;

/// One block's a·b: eight interleaved partial sums (so the additions need not wait on each
/// other and vectorize), added pairwise, then the tail.
fn dot_block(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0f64; 8];
    let (a8, b8) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f64 = a8
        .remainder()
        .iter()
        .zip(b8.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in a8.zip(b8) {
        for lane in 0..8 {
            acc[lane] += x[lane] * y[lane];
        }
    }
    (((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]))) + tail
}

/// a·b: block sums computed in parallel, added in block order — the same number on any thread
/// count.
pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    let sums: Vec<f64> = a
        .par_chunks(BLOCK)
        .zip(b.par_chunks(BLOCK))
        .map(|(a, b)| dot_block(a, b))
        .collect();
    sums.iter().sum()
}

/// y += a·x, then returns z·y (the updated y): one pass for the two steps of the two-loop
/// recursion that follow each other.
fn axpy_dot(y: &mut [f64], a: f64, x: &[f64], z: &[f64]) -> f64 {
    let sums: Vec<f64> = y
        .par_chunks_mut(BLOCK)
        .zip(x.par_chunks(BLOCK))
        .zip(z.par_chunks(BLOCK))
        .map(|((y, x), z)| {
            y.iter_mut().zip(x).for_each(|(y, x)| *y += a * x);
            dot_block(z, y)
        })
        .collect();
    sums.iter().sum()
}

/// sᵀy and yᵀy for s = x_new − x, y = g_new − g, without storing s and y (a pair that is not
/// kept costs no vectors; each thread reuses two block-long buffers): per block the same
/// differences and sums as [`dot`] of the stored vectors would take.
fn pair_products((x_new, x): (&[f64], &[f64]), (g_new, g): (&[f64], &[f64])) -> (f64, f64) {
    let sums: Vec<(f64, f64)> = x_new
        .par_chunks(BLOCK)
        .zip(x.par_chunks(BLOCK))
        .zip(g_new.par_chunks(BLOCK).zip(g.par_chunks(BLOCK)))
        .map_init(
            || (Vec::with_capacity(BLOCK), Vec::with_capacity(BLOCK)),
            |(s, y): &mut (Vec<f64>, Vec<f64>), ((xn, x), (gn, g))| {
                s.clear();
                s.extend(xn.iter().zip(x).map(|(a, b)| a - b));
                y.clear();
                y.extend(gn.iter().zip(g).map(|(a, b)| a - b));
                (dot_block(s, y), dot_block(y, y))
            },
        )
        .collect();
    let sy = sums.iter().map(|p| p.0).sum();
    let yy = sums.iter().map(|p| p.1).sum();
    (sy, yy)
}

/// out = a + t·b, elementwise in parallel.
fn set_axpy(out: &mut [f64], a: &[f64], t: f64, b: &[f64]) {
    out.par_chunks_mut(BLOCK)
        .zip(a.par_chunks(BLOCK).zip(b.par_chunks(BLOCK)))
        .for_each(|(o, (a, b))| {
            o.iter_mut()
                .zip(a.iter().zip(b))
                .for_each(|(o, (a, b))| *o = a + t * b)
        });
}

fn max_abs(a: &[f64]) -> f64 {
    a.par_chunks(BLOCK)
        .map(|a| a.iter().fold(0.0f64, |m, v| m.max(v.abs())))
        .reduce(|| 0.0, f64::max)
}

/// A correction pair: s = x_{k+1} − x_k, y = g_{k+1} − g_k, with sᵀy and yᵀy.
struct Pair {
    s: Vec<f64>,
    y: Vec<f64>,
    sy: f64,
    yy: f64,
}

/// The last `memory` correction pairs, oldest first; a full history reuses its oldest pair's
/// vectors for the newest (they are as long as θ: reallocating them every iteration was a
/// tenth of the multinomial fit on 20 Newsgroups, in page faults).
struct History {
    pairs: std::collections::VecDeque<Pair>,
    memory: usize,
}

impl History {
    /// Stores the pair s = x_new − x, y = g_new − g (with its sᵀy and yᵀy), written into the
    /// oldest pair's vectors when the history is full.
    fn push(
        &mut self,
        (x_new, x): (&[f64], &[f64]),
        (g_new, g): (&[f64], &[f64]),
        sy: f64,
        yy: f64,
    ) {
        let (mut s, mut y) = if self.pairs.len() == self.memory {
            let oldest = self.pairs.pop_front().expect("memory > 0");
            (oldest.s, oldest.y)
        } else {
            (vec![0.0; x.len()], vec![0.0; x.len()])
        };
        set_axpy(&mut s, x_new, -1.0, x);
        set_axpy(&mut y, g_new, -1.0, g);
        self.pairs.push_back(Pair { s, y, sy, yy });
    }

    /// d = −H·g by the two-loop recursion (Nocedal & Wright, algorithm 7.4) with H₀ = γI,
    /// γ = sᵀy / yᵀy of the newest pair; each update of d and the dot product after it share a
    /// pass.
    fn direction(&self, g: &[f64], d: &mut [f64]) {
        d.par_chunks_mut(BLOCK)
            .zip(g.par_chunks(BLOCK))
            .for_each(|(d, g)| d.iter_mut().zip(g).for_each(|(d, g)| *d = -g));
        let m = self.pairs.len();
        if m == 0 {
            return;
        }
        let p = &self.pairs;
        let mut a = vec![0.0; m];
        // Newest to oldest: a_j = ρ_j s_jᵀd, d −= a_j y_j.
        let mut next = dot(&p[m - 1].s, d);
        for j in (0..m).rev() {
            a[j] = next / p[j].sy;
            let following = if j > 0 { &p[j - 1].s } else { &p[0].y };
            next = axpy_dot(d, -a[j], &p[j].y, following);
        }
        // `next` is now y_0ᵀd; d ← γd.
        let gamma = p[m - 1].sy / p[m - 1].yy;
        d.par_chunks_mut(BLOCK)
            .for_each(|d| d.iter_mut().for_each(|d| *d *= gamma));
        next *= gamma;
        // Oldest to newest: b_j = ρ_j y_jᵀd, d += (a_j − b_j) s_j.
        for j in 0..m {
            let b = next / p[j].sy;
            let following = &p[(j + 1).min(m - 1)].y;
            next = axpy_dot(d, a[j] - b, &p[j].s, following);
        }
    }
}

/// Minimizes `f` from `x0`. `f(x, grad)` returns the objective at `x` and writes its gradient.
pub fn minimize(
    x0: Vec<f64>,
    mut f: impl FnMut(&[f64], &mut [f64]) -> f64,
    opts: &Options,
) -> Outcome {
    let n = x0.len();
    let mut x = x0;
    let mut g = vec![0.0; n];
    let mut fx = f(&x, &mut g);
    let mut history = History {
        pairs: std::collections::VecDeque::with_capacity(opts.memory),
        memory: opts.memory.max(1),
    };
    let mut x_new = vec![0.0; n];
    let mut g_new = vec![0.0; n];
    let mut d = vec![0.0; n];
    if max_abs(&g) <= opts.gtol {
        return Outcome {
            x,
            f: fx,
            iterations: 0,
            converged: true,
        };
    }
    for iteration in 0..opts.max_iter {
        history.direction(&g, &mut d);
        let mut slope = dot(&g, &d);
        if slope >= 0.0 {
            // Not a descent direction (rounding): restart from steepest descent.
            history.pairs.clear();
            history.direction(&g, &mut d);
            slope = dot(&g, &d);
        }
        let mut step = if history.pairs.is_empty() {
            1.0 / dot(&d, &d).sqrt()
        } else {
            1.0
        };
        // Backtracking line search (Armijo).
        let mut accepted = None;
        for _ in 0..opts.max_line_search {
            set_axpy(&mut x_new, &x, step, &d);
            let f_new = f(&x_new, &mut g_new);
            if f_new.is_finite() && f_new <= fx + 1e-4 * step * slope {
                accepted = Some(f_new);
                break;
            }
            // Minimizer of the quadratic through f(0), f'(0) and f(step), kept in [0.1, 0.5]·step.
            let q = if f_new.is_finite() {
                -slope * step * step / (2.0 * (f_new - fx - slope * step))
            } else {
                0.1 * step
            };
            step = q.clamp(0.1 * step, 0.5 * step);
        }
        let Some(f_new) = accepted else {
            return Outcome {
                x,
                f: fx,
                iterations: iteration,
                converged: false,
            };
        };
        let (sy, yy) = pair_products((&x_new, &x), (&g_new, &g));
        if sy > 1e-10 * yy {
            history.push((&x_new, &x), (&g_new, &g), sy, yy);
        }
        let decrease = (fx - f_new) / fx.abs().max(f_new.abs()).max(1.0);
        std::mem::swap(&mut x, &mut x_new);
        std::mem::swap(&mut g, &mut g_new);
        fx = f_new;
        if max_abs(&g) <= opts.gtol || decrease <= opts.ftol {
            return Outcome {
                x,
                f: fx,
                iterations: iteration + 1,
                converged: true,
            };
        }
    }
    Outcome {
        x,
        f: fx,
        iterations: opts.max_iter,
        converged: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rosenbrock's function, minimum 0 at (1, 1).
    fn rosenbrock(x: &[f64], g: &mut [f64]) -> f64 {
        let (a, b) = (x[0], x[1]);
        g[0] = -2.0 * (1.0 - a) - 400.0 * a * (b - a * a);
        g[1] = 200.0 * (b - a * a);
        (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2)
    }

    #[test]
    fn finds_the_rosenbrock_minimum() {
        let opts = Options {
            max_iter: 1000,
            gtol: 1e-8,
            ftol: 0.0,
            ..Options::default()
        };
        let r = minimize(vec![-1.2, 1.0], rosenbrock, &opts);
        assert!(r.converged, "{r:?}");
        assert!(
            (r.x[0] - 1.0).abs() < 1e-6 && (r.x[1] - 1.0).abs() < 1e-6,
            "{r:?}"
        );
    }

    #[test]
    fn a_quadratic_is_solved_and_max_iter_is_reported() {
        // f = ½ Σ k (x_k − k)², minimum at x_k = k.
        let quad = |x: &[f64], g: &mut [f64]| {
            let mut f = 0.0;
            for (k, (x, g)) in x.iter().zip(g.iter_mut()).enumerate() {
                let k = k as f64 + 1.0;
                *g = k * (x - k);
                f += 0.5 * k * (x - k).powi(2);
            }
            f
        };
        let r = minimize(vec![0.0; 5], quad, &Options::default());
        assert!(r.converged);
        for (k, x) in r.x.iter().enumerate() {
            assert!((x - (k as f64 + 1.0)).abs() < 1e-4, "{r:?}");
        }
        let short = Options {
            max_iter: 1,
            ..Options::default()
        };
        let r = minimize(vec![0.0; 5], quad, &short);
        assert!(!r.converged && r.iterations == 1);
    }

    /// A separable quadratic of 40,000 variables (three blocks of the vector kernels) with
    /// curvatures 1…7, minimum at x_i = sin(i): its iterates are the same bit for bit on one
    /// thread and on four, since the blocks, not the threads, fix the order of every sum.
    fn wide_quadratic(x: &[f64], g: &mut [f64]) -> f64 {
        let mut f = 0.0;
        for (i, (x, g)) in x.iter().zip(g.iter_mut()).enumerate() {
            let (k, c) = ((i % 7 + 1) as f64, (i as f64).sin());
            *g = k * (x - c);
            f += 0.5 * k * (x - c) * (x - c);
        }
        f
    }

    #[test]
    fn the_same_iterates_on_any_thread_count() {
        let opts = Options {
            max_iter: 12,
            gtol: 0.0,
            ..Options::default()
        };
        let run = |threads| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| minimize(vec![0.0; 40_000], wide_quadratic, &opts))
        };
        let (one, four) = (run(1), run(4));
        assert_eq!(one.iterations, 12);
        assert_eq!(one.f.to_bits(), four.f.to_bits());
        assert!(
            one.x
                .iter()
                .zip(&four.x)
                .all(|(a, b)| a.to_bits() == b.to_bits())
        );
        // And it is minimizing: from f(0) = Σ k sin²(i) / 2 ≈ 40,000 down by orders of magnitude.
        assert!(one.f < 1.0, "{}", one.f);
    }

    /// The fused two-loop recursion against the textbook one on a few pairs, with vectors longer
    /// than one block.
    #[test]
    fn the_fused_recursion_is_the_two_loop_recursion() {
        let n = BLOCK + 123;
        let v = |seed: usize| -> Vec<f64> {
            (0..n)
                .map(|i| ((i * 31 + seed * 17) as f64).sin())
                .collect()
        };
        let mut history = History {
            pairs: std::collections::VecDeque::new(),
            memory: 3,
        };
        let zero = vec![0.0; n];
        for j in 0..3 {
            // A pair from x = 0 to s and from g = 0 to y, with sᵀy > 0: y = s + a little of
            // another direction.
            let s = v(2 * j);
            let y: Vec<f64> = v(2 * j + 1)
                .iter()
                .zip(&s)
                .map(|(y, s)| s + 0.1 * y)
                .collect();
            let (sy, yy) = pair_products((&s, &zero), (&y, &zero));
            assert_eq!((sy, yy), (dot(&s, &y), dot(&y, &y)));
            history.push((&s, &zero), (&y, &zero), sy, yy);
        }
        let g = v(99);
        let mut d = vec![0.0; n];
        history.direction(&g, &mut d);
        // Textbook: q = g; a_j = ρ_j s_jᵀq, q −= a_j y_j (newest first); r = γq;
        // b = ρ_j y_jᵀr, r += (a_j − b) s_j (oldest first); d = −r.
        let naive_dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(a, b)| a * b).sum::<f64>();
        let p: Vec<&Pair> = history.pairs.iter().collect();
        let mut q = g.clone();
        let mut a = [0.0; 3];
        for j in (0..3).rev() {
            a[j] = naive_dot(&p[j].s, &q) / naive_dot(&p[j].s, &p[j].y);
            q.iter_mut().zip(&p[j].y).for_each(|(q, y)| *q -= a[j] * y);
        }
        let gamma = naive_dot(&p[2].s, &p[2].y) / naive_dot(&p[2].y, &p[2].y);
        q.iter_mut().for_each(|q| *q *= gamma);
        for j in 0..3 {
            let b = naive_dot(&p[j].y, &q) / naive_dot(&p[j].s, &p[j].y);
            q.iter_mut()
                .zip(&p[j].s)
                .for_each(|(q, s)| *q += (a[j] - b) * s);
        }
        let scale = q.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        for (d, q) in d.iter().zip(&q) {
            assert!((d + q).abs() <= 1e-9 * scale, "{d} vs {}", -q);
        }
    }
}
