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
//! plain slices: the same objective gives the same iterates.

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

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn max_abs(a: &[f64]) -> f64 {
    a.iter().fold(0.0, |m, v| m.max(v.abs()))
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
    let mut s_hist: Vec<Vec<f64>> = Vec::new();
    let mut y_hist: Vec<Vec<f64>> = Vec::new();
    let mut rho: Vec<f64> = Vec::new();
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
        // d = −H g by the two-loop recursion.
        d.iter_mut().zip(&g).for_each(|(d, g)| *d = -g);
        let m = s_hist.len();
        let mut a = vec![0.0; m];
        for j in (0..m).rev() {
            a[j] = rho[j] * dot(&s_hist[j], &d);
            d.iter_mut()
                .zip(&y_hist[j])
                .for_each(|(d, y)| *d -= a[j] * y);
        }
        if m > 0 {
            let gamma = dot(&s_hist[m - 1], &y_hist[m - 1]) / dot(&y_hist[m - 1], &y_hist[m - 1]);
            d.iter_mut().for_each(|d| *d *= gamma);
        }
        for j in 0..m {
            let b = rho[j] * dot(&y_hist[j], &d);
            d.iter_mut()
                .zip(&s_hist[j])
                .for_each(|(d, s)| *d += (a[j] - b) * s);
        }
        let mut slope = dot(&g, &d);
        if slope >= 0.0 {
            // Not a descent direction (rounding): restart from steepest descent.
            s_hist.clear();
            y_hist.clear();
            rho.clear();
            d.iter_mut().zip(&g).for_each(|(d, g)| *d = -g);
            slope = dot(&g, &d);
        }
        let mut step = if s_hist.is_empty() {
            1.0 / dot(&d, &d).sqrt()
        } else {
            1.0
        };
        // Backtracking line search (Armijo).
        let mut accepted = None;
        for _ in 0..opts.max_line_search {
            x_new
                .iter_mut()
                .zip(x.iter().zip(&d))
                .for_each(|(xn, (x, d))| *xn = x + step * d);
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
        let s: Vec<f64> = x_new.iter().zip(&x).map(|(a, b)| a - b).collect();
        let yv: Vec<f64> = g_new.iter().zip(&g).map(|(a, b)| a - b).collect();
        let sy = dot(&s, &yv);
        let yy = dot(&yv, &yv);
        if sy > 1e-10 * yy {
            if s_hist.len() == opts.memory {
                s_hist.remove(0);
                y_hist.remove(0);
                rho.remove(0);
            }
            s_hist.push(s);
            y_hist.push(yv);
            rho.push(1.0 / sy);
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
}
