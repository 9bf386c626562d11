//! Statistics over evaluation results: summaries of a metric over repeats (mean, sample standard
//! deviation, Student-t 95% interval), the corrected resampled t-test of Nadeau & Bengio for
//! paired per-fold differences, the exact McNemar test on per-paragraph exact matches, and the
//! verdict drawn from a paired test.
//!
//! Distributions come from `statrs`. `eval` calls everything here (summaries per metric,
//! comparisons with the baseline); `report` prints the [`Summary`], [`Paired`], [`McNemar`] and
//! [`Verdict`] values it gets back. The metric values themselves come from `metrics`.

use statrs::distribution::{Binomial, ContinuousCDF, Discrete, DiscreteCDF, StudentsT};

/// Mean, spread and 95% interval of a metric over repeats.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Summary {
    /// Arithmetic mean.
    pub mean: f64,
    /// Sample standard deviation (divisor n − 1); 0.0 for a single value.
    pub sd: f64,
    /// Two-sided 95% Student-t interval for the mean; `None` for a single value.
    pub ci95: Option<[f64; 2]>,
}

/// The standard Student t distribution with `df` degrees of freedom (`None` if `df` is not > 0).
fn students_t(df: f64) -> Option<StudentsT> {
    StudentsT::new(0.0, 1.0, df).ok()
}

/// `t_{0.975, df}`, the two-sided 95% critical value.
fn t975(df: f64) -> Option<f64> {
    students_t(df).map(|t| t.inverse_cdf(0.975))
}

/// Mean and sample variance (divisor n − 1) of at least two values.
fn mean_var(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let ss: f64 = values.iter().map(|v| (v - mean).powi(2)).sum();
    (mean, ss / (n - 1.0))
}

impl Summary {
    /// The interval clipped to [0, 1], the range of every metric reported: the mean of a
    /// metric cannot lie outside it, and with few repeats the t interval would (with 2 repeats
    /// its half-width is 12.7 standard errors).
    pub fn within_unit(mut self) -> Summary {
        self.ci95 = self.ci95.map(|[lo, hi]| [lo.max(0.0), hi.min(1.0)]);
        self
    }
}

/// Mean, sample standard deviation (n − 1) and the two-sided 95% Student-t interval
/// `mean ± t_{0.975, n−1} · sd / √n` of `values`.
///
/// Returns `None` for no values. One value gives `sd` 0.0 and no interval. NaNs propagate.
pub fn summarize(values: &[f64]) -> Option<Summary> {
    match values {
        [] => None,
        [only] => Some(Summary {
            mean: *only,
            sd: 0.0,
            ci95: None,
        }),
        _ => {
            let (mean, var) = mean_var(values);
            let sd = var.sqrt();
            let half =
                t975(values.len() as f64 - 1.0).map(|q| q * sd / (values.len() as f64).sqrt());
            Some(Summary {
                mean,
                sd,
                ci95: half.map(|h| [mean - h, mean + h]),
            })
        }
    }
}

/// Result of a paired comparison (classifier minus baseline).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Paired {
    /// Mean difference (0.0 when there are no differences).
    pub diff: f64,
    /// 95% interval for the mean difference.
    pub ci95: Option<[f64; 2]>,
    /// Two-sided p-value.
    pub p_value: Option<f64>,
    /// t statistic (`None` when the test is impossible or the statistic infinite).
    pub t: Option<f64>,
}

/// Nadeau & Bengio (2003) corrected resampled t-test, in the form Bouckaert & Frank (2004) give
/// for r×k-fold cross-validation.
///
/// `diffs` are the per-fold differences (classifier minus baseline), J = `diffs.len()` = k·r;
/// `n_train` and `n_test` are the (mean) training and test set sizes of a fold. With mean m and
/// sample variance s² (divisor J − 1), the corrected variance of the mean is
/// v = (1/J + n_test/n_train) · s², t = m/√v with J − 1 degrees of freedom, the p-value is
/// two-sided, and the 95% interval is m ± t_{0.975, J−1} · √v.
///
/// Special cases:
/// * J < 2, `n_train` not > 0, `n_test` negative or not finite, or a NaN statistic (from NaN or
///   infinite differences): `ci95`, `p_value` and `t` are `None` (`diff` is still the mean, 0.0
///   for J = 0).
/// * all differences equal (s² = 0): if m = 0, p = 1, t = 0 and the interval is [0, 0];
///   otherwise p = 0, t = `None` (it would be infinite) and the interval is [m, m].
pub fn nadeau_bengio(diffs: &[f64], n_train: f64, n_test: f64) -> Paired {
    let j = diffs.len();
    let untested = Paired {
        diff: if j == 0 {
            0.0
        } else {
            diffs.iter().sum::<f64>() / j as f64
        },
        ci95: None,
        p_value: None,
        t: None,
    };
    let sizes_ok = n_train > 0.0 && n_test >= 0.0 && n_test.is_finite();
    let Some(dist) = students_t(j as f64 - 1.0).filter(|_| j >= 2 && sizes_ok) else {
        return untested;
    };
    let first = diffs[0];
    if diffs.iter().all(|&d| d == first) {
        // s² = 0 exactly; the mean is the common value.
        let (p_value, t) = if first == 0.0 {
            (1.0, Some(0.0))
        } else {
            (0.0, None)
        };
        return Paired {
            diff: first,
            ci95: Some([first, first]),
            p_value: Some(p_value),
            t,
        };
    }
    let (m, s2) = mean_var(diffs);
    let se = ((1.0 / j as f64 + n_test / n_train) * s2).sqrt();
    let t = m / se;
    if t.is_nan() {
        return untested; // a NaN or infinite difference
    }
    let half = dist.inverse_cdf(0.975) * se;
    Paired {
        diff: m,
        ci95: Some([m - half, m + half]),
        p_value: Some((2.0 * dist.sf(t.abs())).min(1.0)),
        t: t.is_finite().then_some(t),
    }
}

/// Result of the exact McNemar test.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct McNemar {
    /// Paragraphs only the classifier gets exactly right.
    pub b: u64,
    /// Paragraphs only the baseline gets exactly right.
    pub c: u64,
    /// Two-sided exact p-value.
    pub p_value: f64,
}

/// Exact (binomial) McNemar test, as statsmodels' `mcnemar(exact=True)`:
/// p = min(1, 2 · BinomCDF(min(b, c); b + c, 0.5)), and p = 1 when b + c = 0.
///
/// `b` counts paragraphs only the classifier gets exactly right, `c` those only the baseline does.
pub fn mcnemar_exact(b: u64, c: u64) -> McNemar {
    let n = b.saturating_add(c);
    let p_value = match Binomial::new(0.5, n) {
        Ok(bin) if n > 0 => (2.0 * bin.cdf(b.min(c))).min(1.0),
        _ => 1.0,
    };
    McNemar { b, c, p_value }
}

/// McNemar's mid-p test (Fagerland, Lydersen & Laake 2013) on the discordant counts `b` and
/// `c`: with n = b + c and k = min(b, c), p_exact = min(1, 2 · BinomCDF(k; n, ½)) and
/// p_mid = p_exact − BinomPMF(k; n, ½); n = 0 gives 1.
pub fn mcnemar_midp(b: u64, c: u64) -> f64 {
    let n = b.saturating_add(c);
    match Binomial::new(0.5, n) {
        Ok(bin) if n > 0 => {
            let k = b.min(c);
            ((2.0 * bin.cdf(k)).min(1.0) - bin.pmf(k)).clamp(0.0, 1.0)
        }
        _ => 1.0,
    }
}

/// Holm–Bonferroni adjusted p-values, as statsmodels' `multipletests(p, method="holm")`: the
/// m tested p-values sorted ascending (ties by position) get p̃_(i) = max_{j ≤ i} min(1,
/// (m − j + 1) · p_(j)). `None` (a comparison that could not be tested) stays `None` and does not
/// count in m.
pub fn holm(p: &[Option<f64>]) -> Vec<Option<f64>> {
    let mut order: Vec<(usize, f64)> = p
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.map(|v| (i, v)))
        .collect();
    order.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    let m = order.len();
    let mut out = vec![None; p.len()];
    let mut running: f64 = 0.0;
    for (rank, (i, v)) in order.into_iter().enumerate() {
        running = running.max(((m - rank) as f64 * v).min(1.0));
        out[i] = Some(running);
    }
    out
}

/// Posterior probabilities of the Bayesian correlated t-test.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Bayes {
    /// P(the contender is better by more than `rope`).
    pub p_better: f64,
    /// P(the difference lies within ±`rope`).
    pub p_equivalent: f64,
    /// P(the contender is worse by more than `rope`).
    pub p_worse: f64,
    /// Half-width of the region of practical equivalence.
    pub rope: f64,
}

/// The Bayesian correlated t-test of Benavoli, Corani, Demšar & Zaffalon (2017), as the
/// `baycomp` package's `CorrelatedTTest`: the posterior of the mean difference is a Student t
/// with n − 1 degrees of freedom, location the mean of the n per-fold differences `diffs`
/// (contender − baseline) and scale² = var(diffs, ddof 1) · (1/n + n_test/n_train). With
/// s = the scale, P(left) = T(−rope), P(right) = 1 − T(rope), P(rope) the rest; a zero variance
/// puts all mass on the mean. "Better" is right when `higher_is_better`, left otherwise.
///
/// `None` for fewer than two differences, sizes that are not positive, or a non-finite value.
pub fn bayes_correlated_t(
    diffs: &[f64],
    n_train: f64,
    n_test: f64,
    rope: f64,
    higher_is_better: bool,
) -> Option<Bayes> {
    let n = diffs.len();
    let sizes_ok = n_train > 0.0 && n_test >= 0.0 && n_test.is_finite() && rope >= 0.0;
    if n < 2 || !sizes_ok || diffs.iter().any(|d| !d.is_finite()) {
        return None;
    }
    let (mean, var) = mean_var(diffs);
    let scale = (var * (1.0 / n as f64 + n_test / n_train)).sqrt();
    let (left, right) = if scale == 0.0 {
        (
            f64::from(u8::from(mean < -rope)),
            f64::from(u8::from(mean > rope)),
        )
    } else {
        let t = StudentsT::new(mean, scale, n as f64 - 1.0).ok()?;
        (t.cdf(-rope), 1.0 - t.cdf(rope))
    };
    let (p_better, p_worse) = if higher_is_better {
        (right, left)
    } else {
        (left, right)
    };
    Some(Bayes {
        p_better,
        p_equivalent: (1.0 - left - right).max(0.0),
        p_worse,
        rope,
    })
}

/// Outcome of a comparison with the baseline, from the contender's point of view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Significantly better than the baseline (adjusted p < α).
    Better,
    /// Significantly worse than the baseline (adjusted p < α).
    Worse,
    /// Not significantly different, and the difference's 95% interval lies within ±rope.
    Equivalent,
    /// Not significantly different, and the interval reaches past ±rope.
    NoSignificantDifference,
    /// No test could be run (the reason travels beside the verdict).
    Untested,
}

impl Verdict {
    /// The words the reports print.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Better => "better",
            Verdict::Worse => "worse",
            Verdict::Equivalent => "equivalent",
            Verdict::NoSignificantDifference => "no significant difference",
            Verdict::Untested => "untested",
        }
    }
}

/// The verdict rule, the same on every design: no adjusted p-value is [`Verdict::Untested`];
/// adjusted p < `alpha` is [`Verdict::Better`] or [`Verdict::Worse`] by the sign of `diff`
/// (contender − baseline; negative is better when `!higher_is_better`); otherwise
/// [`Verdict::Equivalent`] when the 95% interval `ci95` lies within [−rope, +rope], else
/// [`Verdict::NoSignificantDifference`]. A zero difference is never better or worse.
pub fn verdict(
    diff: f64,
    ci95: Option<[f64; 2]>,
    p_adjusted: Option<f64>,
    alpha: f64,
    rope: f64,
    higher_is_better: bool,
) -> Verdict {
    let Some(p) = p_adjusted else {
        return Verdict::Untested;
    };
    let signed = if higher_is_better { diff } else { -diff };
    if p < alpha && signed > 0.0 {
        Verdict::Better
    } else if p < alpha && signed < 0.0 {
        Verdict::Worse
    } else if ci95.is_some_and(|[lo, hi]| lo >= -rope && hi <= rope) {
        Verdict::Equivalent
    } else {
        Verdict::NoSignificantDifference
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Relative closeness; equal values (and NaN against NaN) always pass.
    fn close(got: f64, want: f64, tol: f64, what: &str) {
        let ok = got == want
            || (got.is_nan() && want.is_nan())
            || (got - want).abs() <= tol * want.abs();
        assert!(ok, "{what}: got {got:e}, want {want:e}");
    }

    fn close_opt<const N: usize>(
        got: Option<[f64; N]>,
        want: Option<[f64; N]>,
        tol: f64,
        what: &str,
    ) {
        match (got, want) {
            (Some(g), Some(w)) => g.iter().zip(&w).for_each(|(g, w)| close(*g, *w, tol, what)),
            (g, w) => assert_eq!(g.is_some(), w.is_some(), "{what}: got {g:?}, want {w:?}"),
        }
    }

    /// One expected result of any of the functions under test.
    enum Case {
        Summarize(&'static [f64], Option<Summary>),
        NadeauBengio(&'static [f64], f64, f64, Paired),
        McNemar(u64, u64, f64),
    }

    fn check(case: Case, tol: f64) {
        match case {
            Case::Summarize(values, want) => match (summarize(values), want) {
                (Some(g), Some(w)) => {
                    close(g.mean, w.mean, tol, "mean");
                    close(g.sd, w.sd, tol, "sd");
                    close_opt(g.ci95, w.ci95, tol, "summary ci95");
                }
                (g, w) => assert_eq!(g, w, "summarize {values:?}"),
            },
            Case::NadeauBengio(diffs, n_train, n_test, w) => {
                let g = nadeau_bengio(diffs, n_train, n_test);
                close(g.diff, w.diff, tol, "diff");
                close_opt(g.ci95, w.ci95, tol, "paired ci95");
                close_opt(g.p_value.map(|p| [p]), w.p_value.map(|p| [p]), tol, "p");
                close_opt(g.t.map(|t| [t]), w.t.map(|t| [t]), tol, "t");
            }
            Case::McNemar(b, c, p) => {
                let g = mcnemar_exact(b, c);
                assert_eq!((g.b, g.c), (b, c));
                close(g.p_value, p, tol, &format!("mcnemar({b}, {c})"));
            }
        }
    }

    fn paired(diff: f64, ci95: Option<[f64; 2]>, p_value: Option<f64>, t: Option<f64>) -> Paired {
        Paired {
            diff,
            ci95,
            p_value,
            t,
        }
    }

    // By hand.
    // summarize [1, 2, 3]: mean 2, s² = (1 + 0 + 1)/2 = 1, sd 1;
    //   for df 2 the t quantile is closed-form, t_p = (2p − 1)/√(2p(1 − p)), so
    //   t_{0.975,2} = 0.95/√0.04875 ≈ 4.3027 and the interval is 2 ± t_{0.975,2}/√3.
    // nadeau_bengio [1, 3], n_train = n_test: m = 2, s² = (1 + 1)/1 = 2, v = (1/2 + 1)·2 = 3,
    //   t = 2/√3, df 1 (Cauchy: sf(x) = 1/2 − atan(x)/π) so p = 1 − (2/π)·atan(2/√3),
    //   t_{0.975,1} = tan(0.475π), interval 2 ± tan(0.475π)·√3.
    // mcnemar (3, 0): p = 2·P(X ≤ 0), X ~ Bin(3, 1/2) = 2/8 = 0.25.
    // mcnemar (5, 7): 2·P(X ≤ 5), X ~ Bin(12, 1/2) = 2·(1 + 12 + 66 + 220 + 495 + 792)/4096
    //   = 3172/4096.
    #[test]
    fn hand_worked() {
        let half = 0.95 / 0.04875f64.sqrt() / 3f64.sqrt();
        let want = Summary {
            mean: 2.0,
            sd: 1.0,
            ci95: Some([2.0 - half, 2.0 + half]),
        };
        check(Case::Summarize(&[1.0, 2.0, 3.0], Some(want)), 1e-12);
        let t = 2.0 / 3f64.sqrt();
        let half = (0.475 * std::f64::consts::PI).tan() * 3f64.sqrt();
        let p = 1.0 - 2.0 / std::f64::consts::PI * t.atan();
        let want = paired(2.0, Some([2.0 - half, 2.0 + half]), Some(p), Some(t));
        check(Case::NadeauBengio(&[1.0, 3.0], 50.0, 50.0, want), 1e-9);
        check(Case::McNemar(3, 0, 0.25), 1e-12);
        check(Case::McNemar(5, 7, 3172.0 / 4096.0), 1e-12);
    }

    // Reference: scipy 1.17.1 / numpy, for each vector x:
    //   import numpy as np; from scipy import stats; x = np.array(X); n = len(x)
    //   m, sd = x.mean(), x.std(ddof=1); print(m, sd, stats.t.interval(0.95, n - 1, loc=m, scale=sd / np.sqrt(n)))
    #[test]
    fn summarize_matches_scipy() {
        let cases = [
            Case::Summarize(
                &[0.25, 0.75],
                Some(Summary {
                    mean: 0.5,
                    sd: 0.3535533905932738,
                    ci95: Some([-2.6765511840436735, 3.6765511840436735]),
                }),
            ),
            Case::Summarize(
                &[0.61, 0.64, 0.58, 0.66, 0.63, 0.60, 0.65, 0.62, 0.59, 0.67],
                Some(Summary {
                    mean: 0.625,
                    sd: 0.03027650354097494,
                    ci95: Some([0.6033414941033183, 0.6466585058966817]),
                }),
            ),
            Case::Summarize(
                &[-1.5, 2.0, 0.125, 3.75, -0.5],
                Some(Summary {
                    mean: 0.775,
                    sd: 2.0961273816254584,
                    ci95: Some([-1.8276859054134542, 3.377685905413454]),
                }),
            ),
        ];
        for case in cases {
            check(case, 1e-9);
        }
    }

    // scipy: stats.t.interval(0.95, 1, loc=0.95, scale=np.std([0.9, 1.0], ddof=1) / np.sqrt(2))
    //   -> (0.3146897631912654, 1.5853102368087346), clipped to [0, 1] at the top only;
    //   [0.25, 0.75] -> (-2.6765511840436735, 3.6765511840436735), clipped at both ends.
    #[test]
    fn within_unit_clips_only_what_is_outside() {
        let s = summarize(&[0.9, 1.0]).unwrap().within_unit();
        let [lo, hi] = s.ci95.unwrap();
        assert!((lo - 0.3146897631912654).abs() < 1e-9 && hi == 1.0, "{s:?}");
        assert!((s.mean - 0.95).abs() < 1e-15);
        assert_eq!(
            summarize(&[0.25, 0.75]).unwrap().within_unit().ci95,
            Some([0.0, 1.0])
        );
        let inside = summarize(&[0.61, 0.64, 0.58]).unwrap();
        assert_eq!(inside.clone().within_unit(), inside);
        assert_eq!(summarize(&[0.8]).unwrap().within_unit().ci95, None);
    }

    #[test]
    fn summarize_edge_cases() {
        check(Case::Summarize(&[], None), 0.0);
        let one = Summary {
            mean: 0.8,
            sd: 0.0,
            ci95: None,
        };
        check(Case::Summarize(&[0.8], Some(one)), 0.0);
        let flat = Summary {
            mean: 0.5,
            sd: 0.0,
            ci95: Some([0.5, 0.5]),
        };
        check(Case::Summarize(&[0.5, 0.5, 0.5], Some(flat)), 0.0);
    }

    const D50: [f64; 50] = [
        0.0107, 0.0372, 0.0345, -0.0002, 0.004, -0.0005, 0.0214, 0.0089, 0.0249, -0.0269, 0.0413,
        0.0081, 0.0236, 0.0073, 0.0024, 0.0193, 0.0265, 0.0059, 0.0069, 0.0237, -0.0074, -0.0203,
        0.0179, -0.0034, -0.0284, -0.0063, 0.0006, -0.0139, -0.0198, 0.0107, 0.0279, 0.0053,
        -0.0049, 0.0177, 0.0243, 0.004, 0.0209, 0.0309, 0.0059, -0.0063, 0.017, 0.015, 0.032,
        -0.0157, -0.0032, -0.0068, -0.0247, 0.0125, 0.0206, -0.0048,
    ];
    const D10: [f64; 10] = [
        -0.0023, -0.0136, -0.0175, -0.022, -0.0109, -0.0566, -0.0177, -0.0179, -0.0654, -0.0231,
    ];

    // Reference: scipy 1.17.1, the same formula, for diffs D and sizes NTR, NTE:
    //   import numpy as np; from scipy import stats; d = np.array(D); J = len(d); m = d.mean()
    //   v = (1 / J + NTE / NTR) * d.var(ddof=1); t = m / np.sqrt(v); q = stats.t.ppf(0.975, J - 1)
    //   print(m, t, 2 * stats.t.sf(abs(t), J - 1), m - q * np.sqrt(v), m + q * np.sqrt(v))
    #[test]
    fn nadeau_bengio_matches_scipy() {
        // 10 × 5-fold CV, 80/20 split; not significant.
        let want = paired(
            0.007526000000000001,
            Some([-0.010421895938585765, 0.025473895938585768]),
            Some(0.4035103487484653),
            Some(0.8426649723391688),
        );
        check(Case::NadeauBengio(&D50, 80.0, 20.0, want), 1e-9);
        // 1 × 10-fold CV, 900/100 split; significantly negative.
        let want = paired(
            -0.0247,
            Some([-0.04562144134321343, -0.0037785586567865743]),
            Some(0.025592305387424675),
            Some(-2.670718570699274),
        );
        check(Case::NadeauBengio(&D10, 900.0, 100.0, want), 1e-9);
    }

    #[test]
    fn nadeau_bengio_edge_cases() {
        let cases = [
            Case::NadeauBengio(&[], 80.0, 20.0, paired(0.0, None, None, None)),
            Case::NadeauBengio(&[0.3], 80.0, 20.0, paired(0.3, None, None, None)),
            Case::NadeauBengio(&[0.1, 0.3], 0.0, 20.0, paired(0.2, None, None, None)),
            Case::NadeauBengio(
                &[0.1, f64::NAN],
                80.0,
                20.0,
                paired(f64::NAN, None, None, None),
            ),
            Case::NadeauBengio(
                &[0.0; 5],
                80.0,
                20.0,
                paired(0.0, Some([0.0, 0.0]), Some(1.0), Some(0.0)),
            ),
            Case::NadeauBengio(
                &[0.1; 5],
                80.0,
                20.0,
                paired(0.1, Some([0.1, 0.1]), Some(0.0), None),
            ),
        ];
        for case in cases {
            check(case, 0.0);
        }
    }

    // Reference: scipy 1.17.1 (statsmodels is not installed; for p = 0.5 the two agree):
    //   from scipy import stats; print(stats.binomtest(min(b, c), b + c, 0.5).pvalue)
    #[test]
    fn mcnemar_matches_scipy() {
        let cases = [
            (0, 0, 1.0), // b + c = 0, by definition
            (0, 1, 1.0),
            (3, 0, 0.25),
            (5, 7, 0.7744140625),
            (20, 9, 0.06142834573984146),
            (150, 190, 0.0342700465332939),
            (6, 6, 1.0),
            (1000, 1100, 0.03072070786424249),
        ];
        for (b, c, p) in cases {
            check(Case::McNemar(b, c, p), 1e-9);
        }
    }

    // McNemar mid-p. By hand: (3, 0): p_exact = 2·(1/8) = 0.25, minus P(X = 0) = 1/8 → 0.125;
    //   (5, 7): p_exact = 3172/4096 (above), minus P(X = 5) = C(12,5)/4096 = 792/4096 → 2380/4096.
    // scipy 1.17.1 for the rest (p_exact from binomtest, the mid-p by the formula):
    //   from scipy import stats; k = min(b, c); n = b + c
    //   print(min(1, stats.binomtest(k, n, 0.5).pvalue) - stats.binom.pmf(k, n, 0.5))
    // (921, 247) are the 20 Newsgroups LinearSVC-vs-baseline counts.
    #[test]
    fn mcnemar_midp_matches_scipy_and_hand() {
        let cases = [
            (0, 0, 1.0),
            (0, 1, 0.4999999999999999),
            (3, 0, 0.125),
            (5, 7, 2380.0 / 4096.0),
            (20, 9, 0.04277394525706768),
            (150, 190, 0.030152277208311824),
            (6, 6, 0.7744140624999998),
            (921, 247, 6.0950899311204246e-92),
            (1000, 1100, 0.029110633685909233),
        ];
        for (b, c, want) in cases {
            close(mcnemar_midp(b, c), want, 1e-9, &format!("mid-p({b}, {c})"));
            close(mcnemar_midp(c, b), want, 1e-9, &format!("mid-p({c}, {b})"));
        }
    }

    // statsmodels 0.14: from statsmodels.stats.multitest import multipletests
    //   print(multipletests(P, method="holm")[1])
    #[test]
    fn holm_matches_statsmodels() {
        let cases: [(&[f64], &[f64]); 3] = [
            (&[0.01, 0.04, 0.03, 0.005], &[0.03, 0.06, 0.06, 0.02]),
            (
                &[0.2, 0.01, 0.5, 0.04, 0.04, 0.9, 0.001],
                &[0.6000000000000001, 0.06, 1.0, 0.2, 0.2, 1.0, 0.007],
            ),
            (&[0.03], &[0.03]),
        ];
        for (p, want) in cases {
            let got = holm(&p.iter().copied().map(Some).collect::<Vec<_>>());
            for (g, w) in got.iter().zip(want) {
                close(g.unwrap(), *w, 1e-12, &format!("holm {p:?}"));
            }
        }
        // An untested comparison is left out of m: the other two are adjusted as a pair.
        let got = holm(&[Some(0.01), None, Some(0.04)]);
        assert_eq!(got[1], None);
        close(got[0].unwrap(), 0.02, 1e-12, "holm with a gap");
        close(got[2].unwrap(), 0.04, 1e-12, "holm with a gap");
        assert!(holm(&[]).is_empty());
    }

    // baycomp 1.0.3: import numpy as np, baycomp
    //   print(baycomp.CorrelatedTTest.probs(np.zeros(len(D)), np.array(D), rope=ROPE, runs=RUNS))
    // -> (p_left, p_rope, p_right). D50 is 10 repeats of 5-fold CV (baycomp's correction
    // 1/(folds − 1) = 1/4 = n_test/n_train for 20/80); D10 one 10-fold CV (1/9 = 100/900).
    #[test]
    fn bayes_matches_baycomp() {
        let check_b = |got: Option<Bayes>, want: [f64; 3]| {
            let g = got.expect("a posterior");
            close(g.p_worse, want[0], 1e-9, "p_worse");
            close(g.p_equivalent, want[1], 1e-9, "p_equivalent");
            close(g.p_better, want[2], 1e-9, "p_better");
        };
        check_b(
            bayes_correlated_t(&D50, 80.0, 20.0, 0.01, true),
            [0.02770756556779415, 0.5808223670819012, 0.39147006735030465],
        );
        check_b(
            bayes_correlated_t(&D50, 80.0, 20.0, 0.005, true),
            [0.08353494608371399, 0.3057146753612112, 0.6107503785550747],
        );
        check_b(
            bayes_correlated_t(&D10, 900.0, 100.0, 0.01, true),
            [
                0.9267897225492836,
                0.07093988459408673,
                0.002270392856629666,
            ],
        );
        // Lower is better (Hamming loss): the same posterior, better and worse swapped.
        let flipped = bayes_correlated_t(&D10, 900.0, 100.0, 0.01, false).unwrap();
        close(
            flipped.p_better,
            0.9267897225492836,
            1e-9,
            "flipped p_better",
        );
        // Zero variance: all mass on the mean (baycomp's var == 0 branch).
        let flat = bayes_correlated_t(&[0.0; 5], 80.0, 20.0, 0.01, true).unwrap();
        assert_eq!(
            (flat.p_worse, flat.p_equivalent, flat.p_better),
            (0.0, 1.0, 0.0)
        );
        let up = bayes_correlated_t(&[0.1; 5], 80.0, 20.0, 0.01, true).unwrap();
        assert_eq!((up.p_worse, up.p_equivalent, up.p_better), (0.0, 0.0, 1.0));
        assert_eq!(bayes_correlated_t(&[0.1], 80.0, 20.0, 0.01, true), None);
        assert_eq!(
            bayes_correlated_t(&[0.1, f64::NAN], 80.0, 20.0, 0.01, true),
            None
        );
    }

    #[test]
    fn verdicts() {
        use Verdict::*;
        let v = |diff, ci: Option<[f64; 2]>, p, hib| verdict(diff, ci, p, 0.05, 0.01, hib);
        let ci = Some([-0.005, 0.008]);
        let wide = Some([-0.02, 0.06]);
        assert_eq!(v(0.02, wide, Some(0.01), true), Better);
        assert_eq!(v(-0.02, wide, Some(0.01), true), Worse);
        assert_eq!(v(0.02, wide, Some(0.01), false), Worse);
        assert_eq!(v(-0.02, wide, Some(0.01), false), Better);
        // Not significant: equivalent only when the interval is inside ±rope.
        assert_eq!(v(0.002, ci, Some(0.05), true), Equivalent);
        assert_eq!(v(0.02, wide, Some(0.2), true), NoSignificantDifference);
        assert_eq!(
            v(0.002, Some([-0.005, 0.0101]), Some(0.3), true),
            NoSignificantDifference
        );
        assert_eq!(v(0.002, None, Some(0.3), true), NoSignificantDifference);
        // Significant but inside the rope: significance decides.
        assert_eq!(v(0.004, Some([0.001, 0.007]), Some(0.001), true), Better);
        // No test, no verdict.
        assert_eq!(v(0.3, wide, None, true), Untested);
        // Identical predictions: p = 1, interval [0, 0] → equivalent, never better or worse.
        assert_eq!(v(0.0, Some([0.0, 0.0]), Some(1.0), true), Equivalent);
        assert_eq!(v(0.0, Some([0.0, 0.0]), Some(0.0), true), Equivalent);
        assert_eq!(
            Verdict::NoSignificantDifference.as_str(),
            "no significant difference"
        );
    }
}
