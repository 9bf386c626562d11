//! Resampling over units of documents: the paired approximate-randomization test and the paired
//! bootstrap interval of a metric difference on one test set, and the cluster-bootstrap interval
//! of a classifier's metrics.
//!
//! A *unit* is a near-duplicate group (or a lone document): everything is swapped or resampled a
//! whole unit at a time, so near-duplicates never count as independent evidence. Each unit's
//! outcome is a sparse [`Cell`] of confusion counts; a metric of any resample is computed from the
//! summed cells with the definitions of `metrics` (tested equal). `eval::summarize` builds the
//! cells from the kept predictions; `stats` holds the closed-form tests.
//!
//! Randomness: rounds are cut into blocks of [`BLOCK`] rounds; block `b` draws from ChaCha8
//! seeded with the caller's seed, stream `b`. Blocks run in parallel and are collected in order,
//! so the numbers are the same on any machine and thread count. A round's draw depends only on
//! the seed, the round and the number of units — not on the classifiers — so every classifier of
//! a run is resampled with the same draws.

use ndarray::ArrayView2;
use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use crate::eval::metrics::HEADLINE;

/// Rounds per block of one random stream.
pub const BLOCK: usize = 256;

/// The confusion counts of one unit, sparse over topics.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Cell {
    /// Documents.
    pub n_docs: u64,
    /// Documents whose predicted set equals the gold set.
    pub exact: u64,
    /// (document, topic) cells predicted wrongly.
    pub wrong: u64,
    /// (topic, [TP, FP, FN]) for the topics with a nonzero count, topic ascending.
    pub topics: Vec<(u32, [u64; 3])>,
}

impl Cell {
    /// Adds one document's gold and predicted rows.
    pub fn add_doc<'a>(
        &mut self,
        gold: impl IntoIterator<Item = &'a bool>,
        pred: impl IntoIterator<Item = &'a bool>,
    ) {
        let mut wrong = 0;
        for (t, (&g, &p)) in gold.into_iter().zip(pred).enumerate() {
            let k = match (g, p) {
                (true, true) => 0,
                (false, true) => 1,
                (true, false) => 2,
                (false, false) => continue,
            };
            wrong += u64::from(g != p);
            let t = t as u32;
            let at = self.topics.partition_point(|&(x, _)| x < t);
            if self.topics.get(at).is_none_or(|&(x, _)| x != t) {
                self.topics.insert(at, (t, [0; 3]));
            }
            self.topics[at].1[k] += 1;
        }
        self.n_docs += 1;
        self.exact += u64::from(wrong == 0);
        self.wrong += wrong;
    }
}

/// One [`Cell`] per unit from the rows of `gold` and `pred`: row `r` belongs to unit
/// `unit_of[r]` (< `n_units`).
pub fn cells(
    gold: ArrayView2<bool>,
    pred: ArrayView2<bool>,
    unit_of: &[usize],
    n_units: usize,
) -> Vec<Cell> {
    let mut out = vec![Cell::default(); n_units];
    for ((g, p), &u) in gold.rows().into_iter().zip(pred.rows()).zip(unit_of) {
        out[u].add_doc(g, p);
    }
    out
}

/// Dense sums of cells, signed so that a swap can subtract.
#[derive(Debug, Clone, PartialEq)]
pub struct Tally {
    tp: Vec<i64>,
    fp: Vec<i64>,
    fn_: Vec<i64>,
    n_docs: i64,
    exact: i64,
    wrong: i64,
}

impl Tally {
    /// Zero counts over `n_topics` topics.
    pub fn new(n_topics: usize) -> Tally {
        Tally {
            tp: vec![0; n_topics],
            fp: vec![0; n_topics],
            fn_: vec![0; n_topics],
            n_docs: 0,
            exact: 0,
            wrong: 0,
        }
    }

    /// Adds `weight` copies of `c` (a negative weight removes them).
    pub fn add(&mut self, c: &Cell, weight: i64) {
        self.n_docs += weight * c.n_docs as i64;
        self.exact += weight * c.exact as i64;
        self.wrong += weight * c.wrong as i64;
        for &(t, [tp, fp, fn_]) in &c.topics {
            let t = t as usize;
            self.tp[t] += weight * tp as i64;
            self.fp[t] += weight * fp as i64;
            self.fn_[t] += weight * fn_ as i64;
        }
    }

    /// Adds `weight` times another tally.
    fn add_tally(&mut self, other: &Tally, weight: i64) {
        let add =
            |x: &mut [i64], y: &[i64]| x.iter_mut().zip(y).for_each(|(x, y)| *x += weight * y);
        add(&mut self.tp, &other.tp);
        add(&mut self.fp, &other.fp);
        add(&mut self.fn_, &other.fn_);
        self.n_docs += weight * other.n_docs;
        self.exact += weight * other.exact;
        self.wrong += weight * other.wrong;
    }

    /// Applies a swap's change `times` times.
    fn add_delta(&mut self, d: &Delta, times: i64) {
        self.n_docs += times * d.n_docs;
        self.exact += times * d.exact;
        self.wrong += times * d.wrong;
        for &(t, [tp, fp, fn_]) in &d.topics {
            let t = t as usize;
            self.tp[t] += times * tp;
            self.fp[t] += times * fp;
            self.fn_[t] += times * fn_;
        }
    }

    /// The four headline metrics in [`HEADLINE`] order (micro-F1, macro-F1, subset accuracy,
    /// Hamming loss), with `metrics::Scores`' definitions: a zero denominator gives 0.
    pub fn headline(&self) -> [f64; 4] {
        let ratio = |num: i64, den: i64| {
            if den == 0 {
                0.0
            } else {
                num as f64 / den as f64
            }
        };
        let (mut tp, mut fp, mut fn_, mut f1_sum) = (0, 0, 0, 0.0);
        for ((&a, &b), &c) in self.tp.iter().zip(&self.fp).zip(&self.fn_) {
            tp += a;
            fp += b;
            fn_ += c;
            f1_sum += ratio(2 * a, 2 * a + b + c);
        }
        let topics = self.tp.len();
        [
            ratio(2 * tp, 2 * tp + fp + fn_),
            if topics == 0 {
                0.0
            } else {
                f1_sum / topics as f64
            },
            ratio(self.exact, self.n_docs),
            ratio(self.wrong, self.n_docs * topics as i64),
        ]
    }
}

/// Sum of `cells` (a bootstrap round's weighted sum is [`Classes::tally`]).
fn tally(cells: &[Cell], n_topics: usize) -> Tally {
    let mut t = Tally::new(n_topics);
    for c in cells {
        t.add(c, 1);
    }
    t
}

/// Units grouped by equal value (a cell, or a swap's change): every round of a test or a
/// bootstrap only needs each distinct value's total multiplicity, since the tallies are integer
/// sums. Most units share their value with many others (one document, right on topic 3), so a
/// round costs one addition per unit and one tally update per distinct value, instead of a walk
/// over every unit's topic counts.
struct Classes<T> {
    /// Per unit (or per listed unit), its value's index in `values`.
    class_of: Vec<u32>,
    /// The distinct values, in order of first appearance.
    values: Vec<T>,
}

impl<T: Clone + Eq + std::hash::Hash> Classes<T> {
    fn new<'a>(items: impl IntoIterator<Item = &'a T>) -> Classes<T>
    where
        T: 'a,
    {
        let mut index: std::collections::HashMap<&T, u32> = std::collections::HashMap::new();
        let mut values = Vec::new();
        let class_of = items
            .into_iter()
            .map(|v| {
                *index.entry(v).or_insert_with(|| {
                    values.push(v.clone());
                    values.len() as u32 - 1
                })
            })
            .collect();
        Classes { class_of, values }
    }

    /// Each value's total multiplicity: the sum of `weight(i)` over the items `i` holding it.
    fn totals(&self, weight: impl Fn(usize) -> u64) -> Vec<u64> {
        let mut totals = vec![0u64; self.values.len()];
        for (i, &c) in self.class_of.iter().enumerate() {
            totals[c as usize] += weight(i);
        }
        totals
    }
}

impl Classes<Cell> {
    /// The sum of the cells with multiplicities `weights`: [`tally`] of a list holding unit u
    /// `weights[u]` times.
    fn tally(&self, n_topics: usize, weights: &[u32]) -> Tally {
        let mut t = Tally::new(n_topics);
        let totals = self.totals(|u| u64::from(weights[u]));
        for (cell, &w) in self.values.iter().zip(&totals) {
            if w > 0 {
                t.add(cell, w as i64);
            }
        }
        t
    }
}

/// The random stream of block `block` for `seed`.
fn block_rng(seed: u64, block: usize) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(block as u64);
    rng
}

/// Runs `round(rng, scratch)` for `rounds` rounds in blocks of [`BLOCK`], in parallel, results in
/// round order.
fn rounds_in_blocks<T: Send, S>(
    rounds: usize,
    seed: u64,
    scratch: impl Fn() -> S + Sync,
    round: impl Fn(&mut ChaCha8Rng, &mut S) -> T + Sync,
) -> Vec<T> {
    let blocks = rounds.div_ceil(BLOCK);
    let per_block: Vec<Vec<T>> = (0..blocks)
        .into_par_iter()
        .map(|b| {
            let mut rng = block_rng(seed, b);
            let mut s = scratch();
            let n = BLOCK.min(rounds - b * BLOCK);
            (0..n).map(|_| round(&mut rng, &mut s)).collect()
        })
        .collect();
    per_block.into_iter().flatten().collect()
}

/// Two-sided p-values of the paired approximate-randomization test (Yeh 2000; Dror et al. 2018)
/// for the difference `metric(a) − metric(b)` of each headline metric, in [`HEADLINE`] order.
///
/// `a[u]` and `b[u]` are the two classifiers' cells of unit `u` on the same documents. Each round
/// swaps the two classifiers' outcomes of every unit independently with probability ½ (one
/// random bit per unit, in unit order) and recomputes the differences Δ*; then
/// p = (1 + #{|Δ*| ≥ |Δ|}) / (R + 1) over R = `rounds` rounds. Comparisons allow 1e-12 of
/// rounding, so a swap that leaves the counts unchanged always counts. Identical outcomes give
/// p = 1.
pub fn permutation_test(
    a: &[Cell],
    b: &[Cell],
    n_topics: usize,
    rounds: usize,
    seed: u64,
) -> [f64; 4] {
    assert_eq!(a.len(), b.len(), "paired cells differ in length");
    let (ta, tb) = (tally(a, n_topics), tally(b, n_topics));
    let observed = diff(&ta.headline(), &tb.headline());
    // Only units whose outcomes differ change anything when swapped; a swap moves b − a into
    // A's tally and the same out of B's, so B's tally is always (A + B) − A's. Units with the
    // same change are counted together.
    let differ: Vec<usize> = (0..a.len()).filter(|&u| a[u] != b[u]).collect();
    let deltas: Vec<Delta> = differ
        .iter()
        .map(|&u| Delta::between(&a[u], &b[u]))
        .collect();
    let classes = Classes::new(&deltas);
    let mut total = ta.clone();
    total.add_tally(&tb, 1);
    let words = a.len().div_ceil(64);
    let hits: Vec<[u64; 4]> = rounds_in_blocks(
        rounds,
        seed,
        || (vec![0u64; words], ta.clone(), tb.clone()),
        |rng, (bits, xa, xb)| {
            bits.iter_mut().for_each(|w| *w = rng.next_u64());
            xa.clone_from(&ta);
            let swapped = classes.totals(|i| bits[differ[i] / 64] >> (differ[i] % 64) & 1);
            for (d, &times) in classes.values.iter().zip(&swapped) {
                if times > 0 {
                    xa.add_delta(d, times as i64);
                }
            }
            xb.clone_from(&total);
            xb.add_tally(xa, -1);
            let d = diff(&xa.headline(), &xb.headline());
            std::array::from_fn(|m| u64::from(d[m].abs() >= observed[m].abs() - 1e-12))
        },
    );
    std::array::from_fn(|m| {
        let count: u64 = hits.iter().map(|h| h[m]).sum();
        (1 + count) as f64 / (rounds + 1) as f64
    })
}

/// The signed change `b − a` of two cells of the same unit, sparse over topics.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Delta {
    n_docs: i64,
    exact: i64,
    wrong: i64,
    topics: Vec<(u32, [i64; 3])>,
}

impl Delta {
    fn between(a: &Cell, b: &Cell) -> Delta {
        let mut topics: Vec<(u32, [i64; 3])> = Vec::new();
        for (cell, sign) in [(b, 1i64), (a, -1i64)] {
            for &(t, counts) in &cell.topics {
                let at = topics.partition_point(|&(x, _)| x < t);
                if topics.get(at).is_none_or(|&(x, _)| x != t) {
                    topics.insert(at, (t, [0; 3]));
                }
                for (d, c) in topics[at].1.iter_mut().zip(counts) {
                    *d += sign * c as i64;
                }
            }
        }
        topics.retain(|(_, d)| d.iter().any(|&x| x != 0));
        Delta {
            n_docs: b.n_docs as i64 - a.n_docs as i64,
            exact: b.exact as i64 - a.exact as i64,
            wrong: b.wrong as i64 - a.wrong as i64,
            topics,
        }
    }
}

fn diff(x: &[f64; 4], y: &[f64; 4]) -> [f64; 4] {
    std::array::from_fn(|m| x[m] - y[m])
}

/// The multiplicities of one bootstrap resample of `n` units: `n` draws with replacement.
fn draw(rng: &mut ChaCha8Rng, weights: &mut [u32]) {
    weights.iter_mut().for_each(|w| *w = 0);
    let n = weights.len();
    for _ in 0..n {
        weights[rng.gen_range(0..n)] += 1;
    }
}

/// `stat(weights)` for `rounds` bootstrap resamples of `n_units` units.
fn bootstrap<T: Send>(
    n_units: usize,
    rounds: usize,
    seed: u64,
    stat: impl Fn(&[u32]) -> T + Sync,
) -> Vec<T> {
    rounds_in_blocks(
        rounds,
        seed,
        || vec![0u32; n_units],
        |rng, w| {
            draw(rng, w);
            stat(w)
        },
    )
}

/// Percentile 95% interval per headline metric of `values` (rounds × 4); `None` for no values.
fn percentile_intervals(values: &[[f64; 4]]) -> [Option<[f64; 2]>; 4] {
    std::array::from_fn(|m| {
        let mut v: Vec<f64> = values.iter().map(|x| x[m]).collect();
        v.sort_by(f64::total_cmp);
        Some([percentile(&v, 2.5)?, percentile(&v, 97.5)?])
    })
}

/// The `q`-th percentile of sorted `v` with linear interpolation between order statistics
/// (numpy's default `method="linear"`): position q/100 · (n − 1). `None` for no values.
pub fn percentile(v: &[f64], q: f64) -> Option<f64> {
    let last = v.len().checked_sub(1)?;
    let pos = q / 100.0 * last as f64;
    let (lo, frac) = (pos.floor() as usize, pos - pos.floor());
    let hi = (lo + 1).min(last);
    Some(v[lo] + frac * (v[hi] - v[lo]))
}

/// The bootstrap values of several classifiers under the same resamples: `classifiers[k][r][u]`
/// is classifier `k`'s cell of unit `u` in repeat `r` (every classifier and repeat has the same
/// units). Each of `rounds` resamples draws the units with replacement once; a drawn unit brings
/// its outcomes from every repeat, and classifier `k`'s value is the mean over repeats of the
/// headline metrics of the repeat's pooled counts (as the reported number is). Returns
/// `values[round][k]`.
pub fn bootstrap_values(
    classifiers: &[&[Vec<Cell>]],
    n_topics: usize,
    rounds: usize,
    seed: u64,
) -> Vec<Vec<[f64; 4]>> {
    let n_units = classifiers
        .first()
        .and_then(|c| c.first())
        .map_or(0, Vec::len);
    if n_units == 0 {
        return Vec::new();
    }
    let flat: Vec<Vec<Classes<Cell>>> = classifiers
        .iter()
        .map(|repeats| repeats.iter().map(Classes::new).collect())
        .collect();
    bootstrap(n_units, rounds, seed, |w| {
        flat.iter()
            .map(|repeats| {
                let mut mean = [0.0; 4];
                for cells in repeats {
                    let h = cells.tally(n_topics, w).headline();
                    mean.iter_mut().zip(h).for_each(|(m, x)| *m += x);
                }
                mean.map(|m| m / repeats.len().max(1) as f64)
            })
            .collect()
    })
}

/// Cluster-bootstrap percentile 95% interval per headline metric of classifier `k`, from
/// [`bootstrap_values`]; `None` without units or rounds.
pub fn cluster_interval(values: &[Vec<[f64; 4]>], k: usize) -> [Option<[f64; 2]>; 4] {
    let v: Vec<[f64; 4]> = values.iter().map(|r| r[k]).collect();
    percentile_intervals(&v)
}

/// Paired-bootstrap percentile 95% interval per headline metric of classifier `a` − classifier
/// `b`, each resample scoring both on the same units (from [`bootstrap_values`]).
pub fn paired_interval(values: &[Vec<[f64; 4]>], a: usize, b: usize) -> [Option<[f64; 2]>; 4] {
    let v: Vec<[f64; 4]> = values.iter().map(|r| diff(&r[a], &r[b])).collect();
    percentile_intervals(&v)
}

/// The index of `metric` in [`HEADLINE`].
pub fn headline_index(metric: &str) -> Option<usize> {
    HEADLINE.iter().position(|m| *m == metric)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::metrics::tests::matrix;
    use crate::eval::metrics::{Counts, Scores};

    #[test]
    fn classes_tally_as_the_cells_repeated() {
        let gold = matrix("1010 0100 1100 0000 0011 1000 0000");
        let pred = matrix("1000 0100 1010 0000 0001 0100 0000");
        // Units 2 and 4 hold equal cells (one document without topics, rightly): one class.
        let c = cells(gold.view(), pred.view(), &[0, 0, 1, 2, 3, 3, 4], 5);
        let flat = Classes::new(&c);
        assert_eq!(flat.values.len(), 4);
        assert_eq!(flat.class_of, [0, 1, 2, 3, 2]);
        for w in [
            [1, 1, 1, 1, 1],
            [0, 2, 1, 1, 0],
            [3, 0, 0, 1, 2],
            [0, 0, 0, 0, 0],
        ] {
            let repeated: Vec<Cell> = c
                .iter()
                .zip(w)
                .flat_map(|(c, k)| std::iter::repeat_n(c.clone(), k as usize))
                .collect();
            assert_eq!(flat.tally(4, &w), tally(&repeated, 4), "{w:?}");
        }
    }

    /// A tally of cells scores exactly as `metrics::Scores` scores the same predictions.
    #[test]
    fn tally_scores_as_metrics_does() {
        let gold = matrix("1010 0100 1100 0000 0011 1000");
        let pred = matrix("1000 0100 1010 0000 0001 0100");
        let want = Scores::from_counts(&Counts::from_predictions(gold.view(), pred.view()));
        for unit_of in [vec![0, 1, 2, 3, 4, 5], vec![0, 0, 1, 2, 2, 2], vec![0; 6]] {
            let n = unit_of.iter().max().unwrap() + 1;
            let c = cells(gold.view(), pred.view(), &unit_of, n);
            let got = tally(&c, 4).headline();
            for (m, name) in HEADLINE.iter().enumerate() {
                assert_eq!(got[m], want.headline(name).unwrap(), "{name} {unit_of:?}");
            }
        }
        // Weights: unit 1 twice, unit 0 not at all = the rows of unit 1 twice and unit 2 once.
        let c = cells(gold.view(), pred.view(), &[0, 0, 1, 2, 2, 2], 3);
        let rows = |idx: &[usize]| {
            let g = gold.select(ndarray::Axis(0), idx);
            let p = pred.select(ndarray::Axis(0), idx);
            Scores::from_counts(&Counts::from_predictions(g.view(), p.view()))
        };
        let want = rows(&[2, 2, 3, 4, 5]);
        let got = Classes::new(&c).tally(4, &[0, 2, 1]).headline();
        for (m, name) in HEADLINE.iter().enumerate() {
            assert_eq!(got[m], want.headline(name).unwrap(), "weighted {name}");
        }
    }

    // numpy 2: np.percentile([1, 2, 3, 4], [2.5, 97.5]) -> [1.075, 3.925];
    //   np.percentile([5.0], 50) -> 5.0; np.percentile([0, 10], 25) -> 2.5
    #[test]
    fn percentile_is_numpys_linear() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert!((percentile(&v, 2.5).unwrap() - 1.075).abs() < 1e-12);
        assert!((percentile(&v, 97.5).unwrap() - 3.925).abs() < 1e-12);
        assert_eq!(percentile(&[5.0], 50.0), Some(5.0));
        assert_eq!(percentile(&[0.0, 10.0], 25.0), Some(2.5));
        assert_eq!(percentile(&[], 50.0), None);
    }

    /// Single-label outcomes of two classifiers on `n` documents, one topic column each of
    /// "right" (gold 1, pred 1) or "wrong" (gold 1, pred 0).
    fn outcomes(right: &[bool]) -> Vec<Cell> {
        right
            .iter()
            .map(|&r| {
                let mut c = Cell::default();
                c.add_doc(&[true], &[r]);
                c
            })
            .collect()
    }

    // Hand-worked permutation test. Subset accuracy on 3 documents: A right on all three, B on
    // none, so Δ = 1. A round swaps each document with probability ½; Δ* = (number kept −
    // number swapped)/3, and |Δ*| ≥ 1 only when none or all three are swapped: probability
    // 2/8 = 1/4. So p → (1 + R/4)/(R + 1) ≈ 0.25; with R = 20,000 its standard error is
    // √(0.25·0.75/20000) ≈ 0.0031, so 0.25 ± 0.015 holds unless the procedure is wrong.
    // Adding 5 documents on which both are right changes nothing (they never matter).
    #[test]
    fn permutation_test_hand_worked() {
        let a = outcomes(&[true, true, true]);
        let b = outcomes(&[false, false, false]);
        let p = permutation_test(&a, &b, 1, 20_000, 7)[2];
        assert!((p - 0.25).abs() < 0.015, "p = {p}");
        let a = outcomes(&[true, true, true, true, true, true, true, true]);
        let b = outcomes(&[false, false, false, true, true, true, true, true]);
        let p8 = permutation_test(&a, &b, 1, 20_000, 7)[2];
        assert!((p8 - 0.25).abs() < 0.015, "p = {p8}");
        // Ten documents all one way: only the all-kept and all-swapped patterns reach |Δ|,
        // 2/1024, so p ≈ (1 + R/512)/(R + 1) ≈ 0.002.
        let p10 = permutation_test(
            &outcomes(&[true; 10]),
            &outcomes(&[false; 10]),
            1,
            20_000,
            7,
        )[2];
        assert!(p10 < 0.005, "p = {p10}");
    }

    #[test]
    fn identical_outcomes_give_p_one_and_a_zero_interval() {
        let a = outcomes(&[true, false, true, true]);
        assert_eq!(permutation_test(&a, &a, 1, 500, 1), [1.0; 4]);
        assert_eq!(paired_bootstrap(&a, &a, 1, 500, 1), [Some([0.0, 0.0]); 4]);
    }

    fn paired_bootstrap(
        a: &[Cell],
        b: &[Cell],
        t: usize,
        rounds: usize,
        seed: u64,
    ) -> [Option<[f64; 2]>; 4] {
        let (a, b) = (vec![a.to_vec()], vec![b.to_vec()]);
        paired_interval(&bootstrap_values(&[&a, &b], t, rounds, seed), 0, 1)
    }

    fn cluster_bootstrap(
        cells: &[Vec<Cell>],
        t: usize,
        rounds: usize,
        seed: u64,
    ) -> [Option<[f64; 2]>; 4] {
        cluster_interval(&bootstrap_values(&[cells], t, rounds, seed), 0)
    }

    // Hand-worked paired bootstrap: two units, A − B accuracy difference 1 on unit 0 and 0 on
    // unit 1 (one document each). A resample is {0,0} (Δ = 1), {0,1} or {1,0} (Δ = ½) or {1,1}
    // (Δ = 0), with probabilities ¼, ½, ¼. Both extremes have probability ¼ > 2.5%, so the
    // percentile interval over 2,000 rounds is [0, 1] (failing only with probability ~2^-1000).
    #[test]
    fn paired_bootstrap_hand_worked() {
        let a = outcomes(&[true, true]);
        let b = outcomes(&[false, true]);
        assert_eq!(paired_bootstrap(&a, &b, 1, 2000, 3)[2], Some([0.0, 1.0]));
        // The resample draws units, not documents: one unit holding both documents can only be
        // drawn whole, so the difference is always ½.
        let mut unit = Cell::default();
        unit.add_doc(&[true], &[true]);
        unit.add_doc(&[true], &[true]);
        let mut unit_b = Cell::default();
        unit_b.add_doc(&[true], &[false]);
        unit_b.add_doc(&[true], &[true]);
        assert_eq!(
            paired_bootstrap(&[unit], &[unit_b], 1, 2000, 3)[2],
            Some([0.5, 0.5])
        );
    }

    // Cluster bootstrap by hand: one repeat, 2 units with accuracy 1 and 0: resampled accuracy
    // is 1, ½ or 0 with probabilities ¼, ½, ¼, so the interval is [0, 1]. With two repeats where
    // unit 0 is right in repeat 0 only and unit 1 right in both, the values per resample are the
    // mean over repeats: {0,0} → (1 + 0)/2 = ½, {1,1} → 1, mixed → (1 + ½)/2 = ¾; interval [½, 1].
    #[test]
    fn cluster_bootstrap_hand_worked() {
        let one = vec![outcomes(&[true, false])];
        assert_eq!(cluster_bootstrap(&one, 1, 2000, 5)[2], Some([0.0, 1.0]));
        let two = vec![outcomes(&[true, true]), outcomes(&[false, true])];
        assert_eq!(cluster_bootstrap(&two, 1, 2000, 5)[2], Some([0.5, 1.0]));
        assert_eq!(cluster_bootstrap(&[], 1, 2000, 5), [None; 4]);
    }

    /// Counting equal outcomes together gives exactly what visiting every unit gives: the
    /// permutation test and the bootstrap against unit-by-unit versions on the same draws, on
    /// multi-label cells where many units share an outcome and some do not.
    #[test]
    fn counting_classes_equals_visiting_every_unit() {
        let gold = matrix("1010 0100 1100 0000 0011 1000 0110 1001");
        let pred_a = matrix("1000 0100 1010 0000 0001 0100 0110 1000");
        let pred_b = matrix("1010 0000 1100 0010 0011 1000 0100 1001");
        // 40 units of one document each, cycling through the 8 rows: outcomes repeat.
        let rows: Vec<usize> = (0..40).map(|u| u % 8).collect();
        let g = gold.select(ndarray::Axis(0), &rows);
        let (pa, pb) = (
            pred_a.select(ndarray::Axis(0), &rows),
            pred_b.select(ndarray::Axis(0), &rows),
        );
        let units: Vec<usize> = (0..40).collect();
        let a = cells(g.view(), pa.view(), &units, 40);
        let b = cells(g.view(), pb.view(), &units, 40);
        let (rounds, seed) = (700, 11);
        // Permutation test, unit by unit.
        let (ta, tb) = (tally(&a, 4), tally(&b, 4));
        let observed = diff(&ta.headline(), &tb.headline());
        let mut total = ta.clone();
        total.add_tally(&tb, 1);
        let hits: Vec<[u64; 4]> = rounds_in_blocks(
            rounds,
            seed,
            || vec![0u64; 1],
            |rng, bits| {
                bits.iter_mut().for_each(|w| *w = rng.next_u64());
                let mut xa = ta.clone();
                for u in 0..40 {
                    if a[u] != b[u] && bits[u / 64] >> (u % 64) & 1 == 1 {
                        xa.add_delta(&Delta::between(&a[u], &b[u]), 1);
                    }
                }
                let mut xb = total.clone();
                xb.add_tally(&xa, -1);
                let d = diff(&xa.headline(), &xb.headline());
                std::array::from_fn(|m| u64::from(d[m].abs() >= observed[m].abs() - 1e-12))
            },
        );
        let naive: [f64; 4] = std::array::from_fn(|m| {
            let count: u64 = hits.iter().map(|h| h[m]).sum();
            (1 + count) as f64 / (rounds + 1) as f64
        });
        assert_eq!(permutation_test(&a, &b, 4, rounds, seed), naive);
        // Bootstrap, unit by unit.
        let naive_values = bootstrap(40, rounds, seed, |w| {
            [&a, &b]
                .iter()
                .map(|cells| {
                    let mut t = Tally::new(4);
                    for (c, &k) in cells.iter().zip(w) {
                        t.add(c, i64::from(k));
                    }
                    t.headline()
                })
                .collect::<Vec<_>>()
        });
        let (ra, rb) = (vec![a.clone()], vec![b.clone()]);
        assert_eq!(bootstrap_values(&[&ra, &rb], 4, rounds, seed), naive_values);
    }

    /// The same seed gives the same numbers on 1 and 2 threads, and another seed other draws.
    #[test]
    fn deterministic_on_any_thread_count() {
        let a = outcomes(&[
            true, false, true, true, false, true, false, true, true, true,
        ]);
        let b = outcomes(&[
            false, false, true, false, true, true, false, false, true, false,
        ]);
        let run = |threads: usize, seed: u64| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| {
                    (
                        permutation_test(&a, &b, 1, 3000, seed),
                        paired_bootstrap(&a, &b, 1, 3000, seed),
                        cluster_bootstrap(std::slice::from_ref(&a), 1, 3000, seed),
                    )
                })
        };
        assert_eq!(run(1, 42), run(2, 42));
        assert_ne!(run(1, 42).0, run(1, 43).0);
    }
}
