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
//! the inverse-Hessian estimate stays positive definite. The direction −H·g is formed from the
//! compact representation of H, the same matrix the two-loop recursion applies: each stored vector
//! is still read twice per iteration, but the direction is written once rather than updated twice
//! per pair (`History`). The pairs and the direction are kept in f32, half the bytes: the step
//! is taken along the rounded direction and the line search uses that direction's slope; the
//! pair's s = step·d is the step up to its own rounding to f32. A direction outside f32's range
//! (a component above 3.4e38, or all of them below 1e-45) cannot be stored: the solver then
//! stops, not converged. Everything is sequential
//! arithmetic on plain slices in fixed blocks (sums within a block in a fixed order, blocks added
//! in order; blocks run in parallel): the same objective gives the same iterates on any thread
//! count.

use rayon::prelude::*;

use super::common::wide_fn;

/// Options.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Options {
    /// Correction pairs kept (default 5; SciPy's, and so scikit-learn's, is 10). Each pair is
    /// read twice per iteration, and more pairs saved few iterations or none on the logistic
    /// regressions tried (README, "The contenders against scikit-learn"): on 20 Newsgroups
    /// 45–62 for anything from 3 to 15 pairs, 47 with 5 and 57 with 10; on Reuters' single-label
    /// documents 59 with 5 and 52 with 10, in the same time.
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
            memory: 5,
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

/// A running dot product in f64 (f32 operands are widened exactly): eight interleaved partial
/// sums (so the additions need not wait on each other and vectorize), added pairwise at the end,
/// then the tail. Adding a block in pieces whose lengths are multiples of 8 gives the same sum as
/// adding it whole.
#[derive(Clone, Copy, Default)]
struct Dot {
    lanes: [f64; 8],
    tail: f64,
}

impl Dot {
    #[inline(always)]
    fn add<A: Copy + Into<f64>, B: Copy + Into<f64>>(&mut self, a: &[A], b: &[B]) {
        let (a8, b8) = (a.chunks_exact(8), b.chunks_exact(8));
        for (&x, &y) in a8.remainder().iter().zip(b8.remainder()) {
            self.tail += x.into() * y.into();
        }
        for (x, y) in a8.zip(b8) {
            for lane in 0..8 {
                self.lanes[lane] += x[lane].into() * y[lane].into();
            }
        }
    }

    fn sum(&self) -> f64 {
        let l = &self.lanes;
        (((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]))) + self.tail
    }
}

/// Adds vᵀy and vᵀg to `dots`, each exactly as [`Dot::add`] would, in one pass over v.
#[inline(always)]
fn add_two(dots: &mut [Dot], v: &[f32], y: &[f64], g: &[f64]) {
    let [vy, vg] = dots else {
        unreachable!("two dots")
    };
    let n8 = v.len() / 8 * 8;
    for i in n8..v.len() {
        let x: f64 = v[i].into();
        vy.tail += x * y[i];
        vg.tail += x * g[i];
    }
    for ((v8, y8), g8) in v[..n8]
        .chunks_exact(8)
        .zip(y[..n8].chunks_exact(8))
        .zip(g[..n8].chunks_exact(8))
    {
        for lane in 0..8 {
            let x: f64 = v8[lane].into();
            vy.lanes[lane] += x * y8[lane];
            vg.lanes[lane] += x * g8[lane];
        }
    }
}

/// For one pair's pieces s_a, y_a: adds s_aᵀy, s_aᵀg, y_aᵀy, y_aᵀg to `dots` (in that order),
/// each exactly as [`Dot::add`] would, in one pass over both. Its 32 partial sums fit AVX2's
/// registers (6% faster logistic regression fit on 20NG); with SSE2's they spill, and two passes
/// of [`add_two`] are faster there.
#[inline(always)]
fn add_four(dots: &mut [Dot], sa: &[f32], ya: &[f32], y: &[f64], g: &[f64]) {
    let [sy, sg, yy, yg] = dots else {
        unreachable!("four dots")
    };
    let n8 = sa.len() / 8 * 8;
    for i in n8..sa.len() {
        let (s, t): (f64, f64) = (sa[i].into(), ya[i].into());
        sy.tail += s * y[i];
        sg.tail += s * g[i];
        yy.tail += t * y[i];
        yg.tail += t * g[i];
    }
    for (((s8, t8), y8), g8) in sa[..n8]
        .chunks_exact(8)
        .zip(ya[..n8].chunks_exact(8))
        .zip(y[..n8].chunks_exact(8))
        .zip(g[..n8].chunks_exact(8))
    {
        for lane in 0..8 {
            let (s, t): (f64, f64) = (s8[lane].into(), t8[lane].into());
            sy.lanes[lane] += s * y8[lane];
            sg.lanes[lane] += s * g8[lane];
            yy.lanes[lane] += t * y8[lane];
            yg.lanes[lane] += t * g8[lane];
        }
    }
}

/// One block's a·b.
fn dot_block<A: Copy + Into<f64>, B: Copy + Into<f64>>(a: &[A], b: &[B]) -> f64 {
    let mut dot = Dot::default();
    dot.add(a, b);
    dot.sum()
}

/// Elements per piece of a block that the history kernels finish before moving on, so that the
/// vectors they update or reuse stay in L1 while every stored pair streams past once. A multiple
/// of 8: the pieces do not change any sum.
const PIECE: usize = 1024;

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

/// out = a + t·b, elementwise in parallel.
fn set_axpy(out: &mut [f64], a: &[f64], t: f64, b: &[f32]) {
    out.par_chunks_mut(BLOCK)
        .zip(a.par_chunks(BLOCK).zip(b.par_chunks(BLOCK)))
        .for_each(|(o, (a, b))| {
            o.iter_mut()
                .zip(a.iter().zip(b))
                .for_each(|(o, (a, b))| *o = a + t * f64::from(*b))
        });
}

fn max_abs(a: &[f64]) -> f64 {
    a.par_chunks(BLOCK)
        .map(|a| a.iter().fold(0.0f64, |m, v| m.max(v.abs())))
        .reduce(|| 0.0, f64::max)
}

/// The last `memory` correction pairs s = step·d (x_{k+1} − x_k up to rounding), y = g_{k+1} − g_k
/// (rounded to f32: the
/// history is most of the solver's memory traffic, and an inverse-Hessian estimate needs no more
/// digits) and the inner products the compact form of the inverse Hessian needs (Byrd, Nocedal &
/// Schnabel 1994, theorem 2.2):
///
/// H = γI + [S γY] · [[R⁻ᵀ(D + γYᵀY)R⁻¹, −R⁻ᵀ], [−R⁻¹, 0]] · [Sᵀ; γYᵀ],
///
/// S and Y the pairs as columns (oldest first), R the upper triangle of SᵀY, D its diagonal, and
/// γ = sᵀy / yᵀy of the newest pair. This is the matrix the two-loop recursion (Nocedal & Wright,
/// algorithm 7.4) applies, but H·g then takes two passes over the history, with the direction
/// written once, instead of a read-modify-write of the direction for each pair in each loop:
/// one pass for Sᵀg and Yᵀg (fused with storing the newest pair and its products with the
/// others, [`History::update`]), one for the combination ([`History::direction`]). All products
/// are f64 sums in fixed blocks over the stored (rounded) vectors, so in exact arithmetic H would
/// be the BFGS matrix of those vectors and positive definite; with rounding a direction can
/// still fail to descend, which `minimize` catches (it restarts from −g).
struct History {
    /// `memory + 1` buffers (allocated when first used): the stored pairs' and one free for the
    /// next candidate, which is kept only if its curvature is positive enough.
    s: Vec<Vec<f32>>,
    y: Vec<Vec<f32>>,
    /// Buffer ids of the stored pairs, oldest first.
    order: Vec<usize>,
    memory: usize,
    /// By buffer id: `sy[a][b]` = s_aᵀy_b (set for a stored no later than b) and `yy[a][b]` = y_aᵀy_b.
    sy: Vec<Vec<f64>>,
    yy: Vec<Vec<f64>>,
    /// By buffer id: s_aᵀg and y_aᵀg for the current gradient g.
    sg: Vec<f64>,
    yg: Vec<f64>,
}

impl History {
    fn new(memory: usize) -> History {
        let memory = memory.max(1);
        let square = vec![vec![0.0; memory + 1]; memory + 1];
        History {
            s: vec![Vec::new(); memory + 1],
            y: vec![Vec::new(); memory + 1],
            order: Vec::with_capacity(memory + 1),
            memory,
            sy: square.clone(),
            yy: square,
            sg: vec![0.0; memory + 1],
            yg: vec![0.0; memory + 1],
        }
    }

    /// After a step of `step` along `d` (from x to x_new = x + step·d) and from g to g_new, in
    /// one pass: forms the pair s = step·d, y = g_new − g in a free buffer; its products with
    /// itself and with each stored pair; every pair's products with g_new, for the next
    /// [`History::direction`]; and max |g_new|, which it returns. The pair is stored (the oldest
    /// dropped when the history is full) only if sᵀy > 1e-10 · yᵀy, so the estimate stays
    /// positive definite.
    fn update(&mut self, step: f64, d: &[f32], (g_new, g): (&[f64], &[f64])) -> f64 {
        let n = d.len();
        let free = (0..=self.memory)
            .find(|b| !self.order.contains(b))
            .expect("memory + 1 buffers for at most memory pairs");
        let (mut s_new, mut y_new) = (
            std::mem::take(&mut self.s[free]),
            std::mem::take(&mut self.y[free]),
        );
        s_new.resize(n, 0.0);
        y_new.resize(n, 0.0);
        let step = Step { step, d, g_new, g };
        let pairs = Pairs {
            order: &self.order,
            s: &self.s,
            y: &self.y,
        };
        let blocks: Vec<(Vec<f64>, f64)> = s_new
            .par_chunks_mut(BLOCK)
            .zip(y_new.par_chunks_mut(BLOCK))
            .enumerate()
            .map(|(b, (s, y))| update_block(b, s, y, &step, &pairs))
            .collect();
        self.s[free] = s_new;
        self.y[free] = y_new;
        let m = self.order.len();
        let mut sums = vec![0.0; 4 * (m + 1)];
        for (block, _) in &blocks {
            sums.iter_mut().zip(block).for_each(|(t, v)| *t += v);
        }
        for (j, &a) in self.order.iter().enumerate() {
            self.sg[a] = sums[4 * j + 1];
            self.yg[a] = sums[4 * j + 3];
        }
        let new = &sums[4 * m..];
        if new[0] > 1e-10 * new[2] {
            for (j, &a) in self.order.iter().enumerate() {
                self.sy[a][free] = sums[4 * j];
                self.yy[a][free] = sums[4 * j + 2];
                self.yy[free][a] = sums[4 * j + 2];
            }
            self.sy[free][free] = new[0];
            self.yy[free][free] = new[2];
            self.sg[free] = new[1];
            self.yg[free] = new[3];
            if m == self.memory {
                self.order.remove(0);
            }
            self.order.push(free);
        }
        blocks.iter().map(|b| b.1).fold(0.0, f64::max)
    }

    /// The coefficients of d = −H·g = −γg + Σ cs_i s_i + Σ cy_i y_i (pairs oldest first) from
    /// the m × m products: p = R⁻¹Sᵀg, cs = −R⁻ᵀ((D + γYᵀY)p − γYᵀg), cy = γp.
    fn coefficients(&self) -> (f64, Vec<f64>, Vec<f64>) {
        let ids = &self.order;
        let m = ids.len();
        let r = |i: usize, j: usize| self.sy[ids[i]][ids[j]];
        let yy = |i: usize, j: usize| self.yy[ids[i]][ids[j]];
        let gamma = r(m - 1, m - 1) / yy(m - 1, m - 1);
        let mut p = vec![0.0; m];
        for i in (0..m).rev() {
            let t = self.sg[ids[i]] - (i + 1..m).map(|j| r(i, j) * p[j]).sum::<f64>();
            p[i] = t / r(i, i);
        }
        let v: Vec<f64> = (0..m)
            .map(|i| {
                r(i, i) * p[i] + gamma * (0..m).map(|j| yy(i, j) * p[j]).sum::<f64>()
                    - gamma * self.yg[ids[i]]
            })
            .collect();
        let mut top = vec![0.0; m];
        for i in 0..m {
            let t = v[i] - (0..i).map(|j| r(j, i) * top[j]).sum::<f64>();
            top[i] = t / r(i, i);
        }
        let cs = top.iter().map(|t| -t).collect();
        let cy = p.iter().map(|p| gamma * p).collect();
        (gamma, cs, cy)
    }

    /// d = −H·g (−g with no pairs), rounded to f32, in one pass, returning the slope gᵀd of the
    /// rounded d. Uses the products with g that the last [`History::update`] formed, so g must
    /// be that update's g_new.
    fn direction(&self, g: &[f64], d: &mut [f32]) -> f64 {
        let (gamma, cs, cy) = if self.order.is_empty() {
            (1.0, Vec::new(), Vec::new())
        } else {
            self.coefficients()
        };
        let combination = Combination {
            gamma,
            s: self.order.iter().map(|&a| &self.s[a][..]).collect(),
            y: self.order.iter().map(|&a| &self.y[a][..]).collect(),
            cs,
            cy,
        };
        let slopes: Vec<f64> = d
            .par_chunks_mut(BLOCK)
            .zip(g.par_chunks(BLOCK))
            .enumerate()
            .map(|(b, (d, g))| direction_block(b, d, g, &combination))
            .collect();
        slopes.iter().sum()
    }
}

/// A step of `step` along `d`, from gradient g to g_new.
struct Step<'a> {
    step: f64,
    d: &'a [f32],
    g_new: &'a [f64],
    g: &'a [f64],
}

/// The stored pairs: buffer ids oldest first, and the buffers.
struct Pairs<'a> {
    order: &'a [usize],
    s: &'a [Vec<f32>],
    y: &'a [Vec<f32>],
}

wide_fn! {
    /// [`History::update`]'s work on block `b` (whose new pair is `s`, `y`): the new pair, then
    /// s_aᵀy, s_aᵀg_new, y_aᵀy, y_aᵀg_new for each stored pair a and the new one, and the
    /// block's max |g_new|.
    fn update_block(
        b: usize,
        s: &mut [f32],
        y: &mut [f32],
        step: &Step<'_>,
        pairs: &Pairs<'_>,
    ) -> (Vec<f64>, f64) {
        let base = b * BLOCK;
        let mut dots = vec![Dot::default(); 4 * (pairs.order.len() + 1)];
        let mut g_max = 0.0f64;
        let wide = super::common::avx2_in_use();
        let mut y64 = vec![0.0f64; PIECE];
        for (p, (s, y)) in s.chunks_mut(PIECE).zip(y.chunks_mut(PIECE)).enumerate() {
            let r = base + p * PIECE..base + p * PIECE + s.len();
            let gn = &step.g_new[r.clone()];
            s.iter_mut()
                .zip(&step.d[r.clone()])
                .for_each(|(s, &d)| *s = (step.step * f64::from(d)) as f32);
            y.iter_mut()
                .zip(gn)
                .zip(&step.g[r.clone()])
                .for_each(|((y, a), b)| *y = (a - b) as f32);
            let y64 = &mut y64[..y.len()];
            y64.iter_mut().zip(&*y).for_each(|(w, &y)| *w = y.into());
            let stored = pairs
                .order
                .iter()
                .map(|&a| (&pairs.s[a][r.clone()], &pairs.y[a][r.clone()]))
                .chain([(&*s, &*y)]);
            for ((sa, ya), dots) in stored.zip(dots.chunks_mut(4)) {
                if wide {
                    add_four(dots, sa, ya, y64, gn);
                } else {
                    add_two(&mut dots[..2], sa, y64, gn);
                    add_two(&mut dots[2..], ya, y64, gn);
                }
            }
            g_max = gn.iter().fold(g_max, |m, v| m.max(v.abs()));
        }
        (dots.iter().map(Dot::sum).collect(), g_max)
    }
}

/// d = −γg + Σ cs_i s_i + Σ cy_i y_i, pairs oldest first.
struct Combination<'a> {
    gamma: f64,
    s: Vec<&'a [f32]>,
    y: Vec<&'a [f32]>,
    cs: Vec<f64>,
    cy: Vec<f64>,
}

wide_fn! {
    /// [`History::direction`]'s work on block `b`: its part of d (summed in f64 a piece at a
    /// time, then rounded), and of the slope gᵀd.
    fn direction_block(b: usize, d: &mut [f32], g: &[f64], combination: &Combination<'_>) -> f64 {
        let Combination { gamma, s, y, cs, cy } = combination;
        let mut slope = Dot::default();
        let mut sum = vec![0.0f64; PIECE];
        for (p, (d, g)) in d.chunks_mut(PIECE).zip(g.chunks(PIECE)).enumerate() {
            let r = b * BLOCK + p * PIECE..b * BLOCK + p * PIECE + d.len();
            let sum = &mut sum[..d.len()];
            sum.iter_mut().zip(g).for_each(|(d, g)| *d = -gamma * g);
            for (vectors, coefficients) in [(s, cs), (y, cy)] {
                for (v, &c) in vectors.iter().zip(coefficients) {
                    sum.iter_mut()
                        .zip(&v[r.clone()])
                        .for_each(|(d, &v)| *d += c * f64::from(v));
                }
            }
            d.iter_mut().zip(&*sum).for_each(|(d, &v)| *d = v as f32);
            slope.add(g, d);
        }
        slope.sum()
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
    let mut history = History::new(opts.memory);
    let mut x_new = vec![0.0; n];
    let mut g_new = vec![0.0; n];
    let mut d = vec![0.0f32; n];
    if max_abs(&g) <= opts.gtol {
        return Outcome {
            x,
            f: fx,
            iterations: 0,
            converged: true,
        };
    }
    for iteration in 0..opts.max_iter {
        let mut slope = history.direction(&g, &mut d);
        if !(slope < 0.0 && slope.is_finite()) {
            // Not a descent direction (rounding), or one outside f32's range: restart from
            // steepest descent.
            history.order.clear();
            slope = history.direction(&g, &mut d);
        }
        if !(slope < 0.0 && slope.is_finite()) {
            // Even −g does not fit in f32 (or rounds to zero there).
            return Outcome {
                x,
                f: fx,
                iterations: iteration,
                converged: false,
            };
        }
        // Along −g, slope ≈ −‖g‖² (d is −g rounded to f32).
        let mut step = if history.order.is_empty() {
            1.0 / (-slope).sqrt()
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
        let g_max = history.update(step, &d, (&g_new, &g));
        let decrease = (fx - f_new) / fx.abs().max(f_new.abs()).max(1.0);
        std::mem::swap(&mut x, &mut x_new);
        std::mem::swap(&mut g, &mut g_new);
        fx = f_new;
        if g_max <= opts.gtol || decrease <= opts.ftol {
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

    /// A separable quadratic of 40,003 variables (three blocks of the vector kernels) with
    /// curvatures 1…7, minimum at x_i = sin(i): its iterates are the same bit for bit on one
    /// thread and on four, since the blocks, not the threads, fix the order of every sum (and
    /// with or without AVX2).
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
        let _paths = super::super::common::paths_lock();
        // 40,003: three blocks, the last with a tail that is not a multiple of 8.
        let run = |threads| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| minimize(vec![0.0; 40_003], wide_quadratic, &opts))
        };
        let (one, four) = (run(1), run(4));
        // And the same with the vector loops as built for x86-64's baseline, on an AVX2 CPU.
        let baseline = super::super::common::as_built(|| run(4));
        assert_eq!(one.iterations, 12);
        for other in [&four, &baseline] {
            assert_eq!(one.f.to_bits(), other.f.to_bits());
            assert!(
                one.x
                    .iter()
                    .zip(&other.x)
                    .all(|(a, b)| a.to_bits() == b.to_bits())
            );
        }
        // And it is minimizing: from f(0) = Σ k sin²(i) / 2 ≈ 40,000 down by orders of magnitude.
        assert!(one.f < 1.0, "{}", one.f);
    }

    /// The compact form against the textbook two-loop recursion (Nocedal & Wright, algorithm
    /// 7.4) on the pairs the history kept, with vectors longer than one block: seven steps with
    /// memory 3, two of them with negative curvature (not stored; the last one, so the products
    /// with the final gradient must come from a rejected step), so the oldest pair is dropped
    /// twice and a dropped pair's buffer is reused (its old products must not leak in).
    #[test]
    fn the_compact_form_is_the_two_loop_recursion() {
        let n = BLOCK + 123;
        let v = |seed: usize| -> Vec<f64> {
            (0..n)
                .map(|i| ((i * 31 + seed * 17) as f64).sin())
                .collect()
        };
        let mut history = History::new(3);
        let mut g = v(99);
        let mut kept = 0;
        for j in 0..7 {
            // y = s + a little of another direction (sᵀy > 0), except steps 2 and 6: y = −s.
            let s = v(2 * j);
            let y: Vec<f64> = if j == 2 || j == 6 {
                s.iter().map(|s| -s).collect()
            } else {
                v(2 * j + 1)
                    .iter()
                    .zip(&s)
                    .map(|(y, s)| s + 0.1 * y)
                    .collect()
            };
            // A step of 2 along d = s/2 (exact in f32 when s is): the pair's s is s rounded.
            let d: Vec<f32> = s.iter().map(|&s| (s / 2.0) as f32).collect();
            let g_new: Vec<f64> = g.iter().zip(&y).map(|(g, y)| g + y).collect();
            let g_max = history.update(2.0, &d, (&g_new, &g));
            assert_eq!(g_max, g_new.iter().fold(0.0f64, |m, v| m.max(v.abs())));
            kept += usize::from(j != 2 && j != 6);
            assert_eq!(history.order.len(), kept.min(3), "step {j}");
            g = g_new;
        }
        let mut d = vec![0.0f32; n];
        let slope = history.direction(&g, &mut d);
        // Textbook, in f64 on the stored vectors: q = g; a_j = ρ_j s_jᵀq, q −= a_j y_j (newest
        // first); r = γq; b = ρ_j y_jᵀr, r += (a_j − b) s_j (oldest first); d = −r.
        let naive_dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(a, b)| a * b).sum::<f64>();
        let wide = |v: &[f32]| v.iter().map(|&x| f64::from(x)).collect::<Vec<f64>>();
        let s: Vec<Vec<f64>> = history.order.iter().map(|&a| wide(&history.s[a])).collect();
        let y: Vec<Vec<f64>> = history.order.iter().map(|&a| wide(&history.y[a])).collect();
        let mut q = g.clone();
        let mut a = [0.0; 3];
        for j in (0..3).rev() {
            a[j] = naive_dot(&s[j], &q) / naive_dot(&s[j], &y[j]);
            q.iter_mut().zip(&y[j]).for_each(|(q, y)| *q -= a[j] * y);
        }
        let gamma = naive_dot(&s[2], &y[2]) / naive_dot(&y[2], &y[2]);
        q.iter_mut().for_each(|q| *q *= gamma);
        for j in 0..3 {
            let b = naive_dot(&y[j], &q) / naive_dot(&s[j], &y[j]);
            q.iter_mut()
                .zip(&s[j])
                .for_each(|(q, s)| *q += (a[j] - b) * s);
        }
        let scale = q.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        // d is −q rounded to f32 (relative error ≤ 2⁻²⁴), and the slope is that of the rounded d.
        for (&d, q) in d.iter().zip(&q) {
            let d = f64::from(d);
            assert!((d + q).abs() <= 1e-7 * scale, "{d} vs {}", -q);
        }
        let want = naive_dot(&g, &wide(&d));
        assert!(
            (slope - want).abs() <= 1e-9 * want.abs(),
            "{slope} vs {want}"
        );
        // The stored pairs are the last three with positive curvature: steps 3, 4 and 5, the
        // last in the buffer step 0's pair had.
        let rounded = |v: Vec<f64>| v.iter().map(|&x| f64::from(x as f32)).collect::<Vec<_>>();
        assert_eq!(s[0], rounded(v(6)));
        assert_eq!(s[2], rounded(v(10)));
        assert_eq!(history.order, [2, 3, 0]);
    }

    /// A direction beyond f32's range stops the solver where it is, not converged (rather than
    /// stepping to infinity or NaN).
    #[test]
    fn a_direction_beyond_f32_stops_the_solver() {
        // f = 1e40 · (x − 1)² / 2: at 0 the gradient is −1e40, past f32's 3.4e38.
        let steep = |x: &[f64], g: &mut [f64]| {
            g[0] = 1e40 * (x[0] - 1.0);
            0.5 * 1e40 * (x[0] - 1.0).powi(2)
        };
        let r = minimize(vec![0.0], steep, &Options::default());
        assert!(!r.converged, "{r:?}");
        assert_eq!((r.x, r.iterations), (vec![0.0], 0));
        assert_eq!(r.f, 0.5e40);
    }

    /// With no pairs the direction is −g and the slope −‖g‖².
    #[test]
    fn an_empty_history_gives_steepest_descent() {
        let history = History::new(10);
        let g = vec![3.0, -4.0];
        let mut d = vec![0.0f32; 2];
        assert_eq!(history.direction(&g, &mut d), -25.0);
        assert_eq!(d, [-3.0, 4.0]);
    }
}
