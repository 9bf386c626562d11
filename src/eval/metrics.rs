//! Multi-label classification metrics: per-topic precision, recall and F1, micro- and macro-F1,
//! subset accuracy and Hamming loss, from gold and predicted topic matrices
//! (`n_paragraphs × n_topics`, `true` = topic assigned).
//!
//! Scoring goes through [`Counts`] (TP/FP/FN per topic plus exact-match and wrong-cell tallies),
//! so folds can be pooled by adding their counts before any ratio is taken. The definitions match
//! scikit-learn's defaults with `zero_division=0`: every ratio with a zero denominator is 0.0.
//! `eval` builds counts per fold and pools them per repeat; `report` and `eval` name the
//! headline metrics through [`HEADLINE`]; `stats` summarizes the resulting values.

use ndarray::ArrayView2;

/// Confusion counts of a multi-label prediction, additive over paragraphs (and so over folds).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Counts {
    /// True positives per topic (gold and predicted).
    pub tp: Vec<u64>,
    /// False positives per topic (predicted, not gold).
    pub fp: Vec<u64>,
    /// False negatives per topic (gold, not predicted).
    pub fn_: Vec<u64>,
    /// Paragraphs counted.
    pub n_docs: u64,
    /// Paragraphs whose predicted topic set equals the gold set (both empty included).
    pub exact: u64,
    /// (paragraph, topic) cells where prediction and gold differ.
    pub wrong_cells: u64,
}

impl Counts {
    /// Zero counts for `n_topics` topics.
    pub fn new(n_topics: usize) -> Self {
        Counts {
            tp: vec![0; n_topics],
            fp: vec![0; n_topics],
            fn_: vec![0; n_topics],
            ..Counts::default()
        }
    }

    /// Number of topics these counts cover.
    fn n_topics(&self) -> usize {
        self.tp.len()
    }

    /// True when nothing has been counted and no topic width is fixed yet (as from `default()`).
    fn is_blank(&self) -> bool {
        self.tp.is_empty() && self.n_docs == 0
    }

    /// Adds the paragraphs of `gold` and `pred` (rows = paragraphs, columns = topics).
    ///
    /// A blank `Counts` (from `default()`) takes its topic count from the matrices.
    ///
    /// # Panics
    /// If `gold` and `pred` have different shapes, or their column count differs from the
    /// number of topics already counted (`tp.len()`): both are caller bugs, not data errors.
    pub fn add(&mut self, gold: ArrayView2<bool>, pred: ArrayView2<bool>) {
        assert_eq!(
            gold.dim(),
            pred.dim(),
            "gold and predicted matrices differ in shape"
        );
        if self.is_blank() {
            *self = Counts::new(gold.ncols());
        }
        assert_eq!(
            gold.ncols(),
            self.n_topics(),
            "topic count differs from the counts'"
        );
        for (g_row, p_row) in gold.rows().into_iter().zip(pred.rows()) {
            let mut wrong = 0;
            for (k, (&g, &p)) in g_row.iter().zip(p_row.iter()).enumerate() {
                match (g, p) {
                    (true, true) => self.tp[k] += 1,
                    (false, true) => self.fp[k] += 1,
                    (true, false) => self.fn_[k] += 1,
                    (false, false) => {}
                }
                wrong += u64::from(g != p);
            }
            self.n_docs += 1;
            self.exact += u64::from(wrong == 0);
            self.wrong_cells += wrong;
        }
    }

    /// Adds `other`'s counts (pooling over folds).
    ///
    /// A blank `Counts` on either side takes the other's topic count.
    ///
    /// # Panics
    /// If both are non-blank and cover different numbers of topics (a caller bug).
    pub fn merge(&mut self, other: &Counts) {
        if other.is_blank() {
            return;
        }
        if self.is_blank() {
            *self = other.clone();
            return;
        }
        assert_eq!(
            self.n_topics(),
            other.n_topics(),
            "merging counts over different topics"
        );
        let add = |a: &mut Vec<u64>, b: &[u64]| a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
        add(&mut self.tp, &other.tp);
        add(&mut self.fp, &other.fp);
        add(&mut self.fn_, &other.fn_);
        self.n_docs += other.n_docs;
        self.exact += other.exact;
        self.wrong_cells += other.wrong_cells;
    }

    /// Counts of one prediction.
    ///
    /// # Panics
    /// If `gold` and `pred` have different shapes (a caller bug).
    pub fn from_predictions(gold: ArrayView2<bool>, pred: ArrayView2<bool>) -> Self {
        let mut c = Counts::new(gold.ncols());
        c.add(gold, pred);
        c
    }
}

/// Scores of one topic.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TopicScores {
    /// TP / (TP + FP), 0.0 when nothing was predicted.
    pub precision: f64,
    /// TP / (TP + FN), 0.0 when the topic never occurs in gold.
    pub recall: f64,
    /// 2TP / (2TP + FP + FN), 0.0 when the denominator is 0.
    pub f1: f64,
    /// Gold occurrences, TP + FN.
    pub support: u64,
}

/// All scores of one set of [`Counts`].
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Scores {
    /// Per-topic scores, in topic order.
    pub per_topic: Vec<TopicScores>,
    /// 2ΣTP / (2ΣTP + ΣFP + ΣFN), 0.0 when the denominator is 0.
    pub micro_f1: f64,
    /// Unweighted mean of the per-topic F1 (0.0 with no topics).
    pub macro_f1: f64,
    /// Share of paragraphs whose predicted set equals the gold set (0.0 with no paragraphs).
    pub subset_accuracy: f64,
    /// Share of (paragraph, topic) cells predicted wrongly (0.0 with no cells).
    pub hamming_loss: f64,
}

/// Names of the four headline metrics, in report order; [`Scores::headline`] reads them.
pub const HEADLINE: [&str; 4] = ["micro_f1", "macro_f1", "subset_accuracy", "hamming_loss"];

/// `num / den`, or 0.0 when `den` is 0 (scikit-learn's `zero_division=0`).
fn ratio(num: u64, den: u64) -> f64 {
    if den == 0 {
        0.0
    } else {
        num as f64 / den as f64
    }
}

impl Scores {
    /// Scores from (possibly pooled) counts.
    pub fn from_counts(c: &Counts) -> Scores {
        let per_topic: Vec<TopicScores> = (c.tp.iter().zip(&c.fp).zip(&c.fn_))
            .map(|((&tp, &fp), &fn_)| TopicScores {
                precision: ratio(tp, tp + fp),
                recall: ratio(tp, tp + fn_),
                f1: ratio(2 * tp, 2 * tp + fp + fn_),
                support: tp + fn_,
            })
            .collect();
        let (tp, fp, fn_): (u64, u64, u64) =
            (c.tp.iter().sum(), c.fp.iter().sum(), c.fn_.iter().sum());
        let macro_f1 = if per_topic.is_empty() {
            0.0
        } else {
            per_topic.iter().map(|t| t.f1).sum::<f64>() / per_topic.len() as f64
        };
        Scores {
            per_topic,
            micro_f1: ratio(2 * tp, 2 * tp + fp + fn_),
            macro_f1,
            subset_accuracy: ratio(c.exact, c.n_docs),
            hamming_loss: ratio(c.wrong_cells, c.n_docs.saturating_mul(c.n_topics() as u64)),
        }
    }

    /// The headline metric called `name` (one of [`HEADLINE`]), or `None` for any other name.
    pub fn headline(&self, name: &str) -> Option<f64> {
        match name {
            "micro_f1" => Some(self.micro_f1),
            "macro_f1" => Some(self.macro_f1),
            "subset_accuracy" => Some(self.subset_accuracy),
            "hamming_loss" => Some(self.hamming_loss),
            _ => None,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use ndarray::{Array2, s};

    /// Parses rows of `0`/`1` separated by whitespace, e.g. `"101 010"` (2 paragraphs, 3 topics).
    pub(crate) fn matrix(rows: &str) -> Array2<bool> {
        let rows: Vec<&str> = rows.split_whitespace().collect();
        let width = rows.first().map_or(0, |r| r.len());
        let cells: Vec<bool> = rows
            .iter()
            .flat_map(|r| r.bytes().map(|b| b == b'1'))
            .collect();
        Array2::from_shape_vec((rows.len(), width), cells).expect("rectangular test matrix")
    }

    /// Expected scores: per-topic (precision, recall, f1, support), then micro-F1, macro-F1,
    /// subset accuracy, Hamming loss.
    struct Want<'a> {
        per_topic: &'a [(f64, f64, f64, u64)],
        micro_f1: f64,
        macro_f1: f64,
        subset_accuracy: f64,
        hamming_loss: f64,
    }

    fn close(got: f64, want: f64, what: &str) {
        assert!(
            (got - want).abs() <= 1e-12,
            "{what}: got {got}, want {want}"
        );
    }

    fn check(gold: &str, pred: &str, want: Want) {
        let s = Scores::from_counts(&Counts::from_predictions(
            matrix(gold).view(),
            matrix(pred).view(),
        ));
        assert_eq!(s.per_topic.len(), want.per_topic.len(), "topic count");
        for (k, (t, &(p, r, f, n))) in s.per_topic.iter().zip(want.per_topic).enumerate() {
            close(t.precision, p, &format!("precision[{k}]"));
            close(t.recall, r, &format!("recall[{k}]"));
            close(t.f1, f, &format!("f1[{k}]"));
            assert_eq!(t.support, n, "support[{k}]");
        }
        close(s.micro_f1, want.micro_f1, "micro_f1");
        close(s.macro_f1, want.macro_f1, "macro_f1");
        close(s.subset_accuracy, want.subset_accuracy, "subset_accuracy");
        close(s.hamming_loss, want.hamming_loss, "hamming_loss");
        for (name, v) in HEADLINE.iter().zip([
            want.micro_f1,
            want.macro_f1,
            want.subset_accuracy,
            want.hamming_loss,
        ]) {
            close(s.headline(name).expect("headline name"), v, name);
        }
    }

    // By hand. 4 paragraphs, 4 topics; topic 3 is in neither gold nor predictions.
    //   gold 1010 0100 1100 0000,  pred 1000 0100 1010 0000
    //   topic 0: gold rows {0,2}, pred {0,2}: TP 2 FP 0 FN 0 -> P 1, R 1, F1 4/4 = 1, support 2
    //   topic 1: gold {1,2}, pred {1}:        TP 1 FP 0 FN 1 -> P 1, R 1/2, F1 2/3, support 2
    //   topic 2: gold {0}, pred {2}:          TP 0 FP 1 FN 1 -> P 0, R 0, F1 0/2 = 0, support 1
    //   topic 3: nothing:                     TP 0 FP 0 FN 0 -> all 0/0 = 0, support 0
    //   micro: ΣTP 3, ΣFP 1, ΣFN 2 -> 6/(6+1+2) = 2/3;  macro: (1 + 2/3 + 0 + 0)/4 = 5/12
    //   exact rows: 1 and 3 (both empty) -> 2/4;  wrong cells: row 0 one, row 2 two -> 3/16
    #[test]
    fn hand_worked() {
        check(
            "1010 0100 1100 0000",
            "1000 0100 1010 0000",
            Want {
                per_topic: &[
                    (1.0, 1.0, 1.0, 2),
                    (1.0, 0.5, 2.0 / 3.0, 2),
                    (0.0, 0.0, 0.0, 1),
                    (0.0, 0.0, 0.0, 0),
                ],
                micro_f1: 2.0 / 3.0,
                macro_f1: 5.0 / 12.0,
                subset_accuracy: 0.5,
                hamming_loss: 3.0 / 16.0,
            },
        );
    }

    #[test]
    fn degenerate_shapes() {
        let zero = Want {
            per_topic: &[],
            micro_f1: 0.0,
            macro_f1: 0.0,
            subset_accuracy: 0.0,
            hamming_loss: 0.0,
        };
        // No paragraphs, no topics.
        check("", "", zero);
        // Paragraphs but no topics: every (empty) set matches, no cells to get wrong.
        let c = Counts::from_predictions(
            Array2::from_elem((3, 0), false).view(),
            Array2::from_elem((3, 0), false).view(),
        );
        let s = Scores::from_counts(&c);
        assert_eq!(
            (s.subset_accuracy, s.hamming_loss, s.macro_f1),
            (1.0, 0.0, 0.0)
        );
        // Topics but no paragraphs.
        let s = Scores::from_counts(&Counts::new(3));
        assert_eq!(s.per_topic.len(), 3);
        assert_eq!(
            (s.subset_accuracy, s.hamming_loss, s.micro_f1),
            (0.0, 0.0, 0.0)
        );
        assert_eq!(s.headline("accuracy"), None);
    }

    // Reference: scikit-learn 1.9.1, with GOLD and PRED the strings below.
    //   import numpy as np; from sklearn.metrics import *
    //   m = lambda s: np.array([[c == "1" for c in r] for r in s.split()]); g, p = m(GOLD), m(PRED)
    //   print(precision_recall_fscore_support(g, p, average=None, zero_division=0))
    //   print([f1_score(g, p, average=a, zero_division=0) for a in ("micro", "macro")])
    //   print(accuracy_score(g, p), hamming_loss(g, p))
    #[test]
    fn random_cases_match_sklearn() {
        check(
            "0001 1010 0011 1000 0000 1101 1000 0001 1101 0101 1000 0010",
            "0001 0011 0011 1001 0001 1101 1010 0000 0100 0101 1010 0010",
            Want {
                per_topic: &[
                    (1.0, 0.6666666666666666, 0.8, 6),
                    (1.0, 1.0, 1.0, 3),
                    (0.6, 1.0, 0.75, 3),
                    (
                        0.5714285714285714,
                        0.6666666666666666,
                        0.6153846153846154,
                        6,
                    ),
                ],
                micro_f1: 0.7567567567567568,
                macro_f1: 0.7913461538461538,
                subset_accuracy: 0.4166666666666667,
                hamming_loss: 0.1875,
            },
        );
        // Topic 4 never in gold, topic 3 never predicted.
        check(
            "10110 00000 00000 01010 01000 00000 10100 00100 00000 00000 \
             10000 00000 00110 00100 00000 00110 00010 00000 11110 01010",
            "00100 00101 00000 00000 01100 10001 10100 00101 01000 00000 \
             00000 01100 10101 01001 00000 10100 10000 01001 11101 11000",
            Want {
                per_topic: &[
                    (0.2857142857142857, 0.5, 0.36363636363636365, 4),
                    (0.42857142857142855, 0.75, 0.5454545454545454, 4),
                    (0.6666666666666666, 0.8571428571428571, 0.75, 7),
                    (0.0, 0.0, 0.0, 7),
                    (0.0, 0.0, 0.0, 0),
                ],
                micro_f1: 0.4230769230769231,
                macro_f1: 0.33181818181818185,
                subset_accuracy: 0.2,
                hamming_loss: 0.3,
            },
        );
        // Sparse, no true positive at all; exact matches are all empty-vs-empty.
        check(
            "000 000 000 000 100 000 000 010 010",
            "001 101 000 000 001 010 000 100 000",
            Want {
                per_topic: &[(0.0, 0.0, 0.0, 1), (0.0, 0.0, 0.0, 2), (0.0, 0.0, 0.0, 0)],
                micro_f1: 0.0,
                macro_f1: 0.0,
                subset_accuracy: 0.3333333333333333,
                hamming_loss: 0.3333333333333333,
            },
        );
    }

    #[test]
    fn pooling_folds_equals_counting_the_concatenation() {
        let gold = matrix("10110 00000 00000 01010 01000 00000 10100 00100 00000 00000 10000");
        let pred = matrix("00100 00101 00000 00000 01100 10001 10100 00101 01000 00000 00000");
        let whole = Counts::from_predictions(gold.view(), pred.view());
        for cut in [0, 1, 4, 11] {
            let (a, b) = (s![..cut, ..], s![cut.., ..]);
            let mut merged = Counts::from_predictions(gold.slice(a), pred.slice(a));
            merged.merge(&Counts::from_predictions(gold.slice(b), pred.slice(b)));
            assert_eq!(merged, whole, "merge, cut at {cut}");
            let mut added = Counts::default();
            added.add(gold.slice(a), pred.slice(a));
            added.add(gold.slice(b), pred.slice(b));
            assert_eq!(added, whole, "add, cut at {cut}");
        }
        // Blank counts on either side of a merge are neutral.
        let mut blank = Counts::default();
        blank.merge(&whole);
        assert_eq!(blank, whole);
        let mut w = whole.clone();
        w.merge(&Counts::default());
        assert_eq!(w, whole);
    }

    #[test]
    #[should_panic(expected = "differ in shape")]
    fn shape_mismatch_is_a_caller_bug() {
        Counts::from_predictions(matrix("10 01").view(), matrix("10").view());
    }

    mod props {
        use super::super::*;
        use ndarray::{Array2, Axis};
        use proptest::prelude::*;

        /// Gold and predicted matrices of the same random shape (possibly empty).
        fn matrices() -> impl Strategy<Value = (Array2<bool>, Array2<bool>)> {
            (0usize..25, 1usize..7).prop_flat_map(|(n, k)| {
                (
                    prop::collection::vec(any::<bool>(), n * k),
                    prop::collection::vec(any::<bool>(), n * k),
                )
                    .prop_map(move |(g, p)| {
                        (
                            Array2::from_shape_vec((n, k), g).unwrap(),
                            Array2::from_shape_vec((n, k), p).unwrap(),
                        )
                    })
            })
        }

        /// The definitions, computed cell by cell with no shared code (only the result type).
        fn brute(gold: &Array2<bool>, pred: &Array2<bool>) -> Scores {
            let (n, k) = gold.dim();
            let div = |a: f64, b: f64| if b == 0.0 { 0.0 } else { a / b };
            let mut per_topic = Vec::new();
            let (mut stp, mut sfp, mut sfn) = (0.0, 0.0, 0.0);
            for t in 0..k {
                let (mut tp, mut fp, mut fn_) = (0.0, 0.0, 0.0);
                for i in 0..n {
                    match (gold[[i, t]], pred[[i, t]]) {
                        (true, true) => tp += 1.0,
                        (false, true) => fp += 1.0,
                        (true, false) => fn_ += 1.0,
                        (false, false) => {}
                    }
                }
                let (precision, recall) = (div(tp, tp + fp), div(tp, tp + fn_));
                // F1 as the harmonic mean of P and R (0 when both are 0).
                let f1 = div(2.0 * precision * recall, precision + recall);
                per_topic.push(TopicScores {
                    precision,
                    recall,
                    f1,
                    support: (tp + fn_) as u64,
                });
                stp += tp;
                sfp += fp;
                sfn += fn_;
            }
            let (mp, mr) = (div(stp, stp + sfp), div(stp, stp + sfn));
            let exact = (0..n).filter(|&i| gold.row(i) == pred.row(i)).count() as f64;
            let wrong = gold.iter().zip(pred.iter()).filter(|(g, p)| g != p).count() as f64;
            Scores {
                macro_f1: per_topic.iter().map(|t| t.f1).sum::<f64>() / k as f64,
                per_topic,
                micro_f1: div(2.0 * mp * mr, mp + mr),
                subset_accuracy: div(exact, n as f64),
                hamming_loss: div(wrong, (n * k) as f64),
            }
        }

        fn close(a: f64, b: f64) -> bool {
            (a - b).abs() < 1e-12
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(256))]

            #[test]
            fn scores_equal_the_brute_force_definitions((gold, pred) in matrices()) {
                let s = Scores::from_counts(&Counts::from_predictions(gold.view(), pred.view()));
                let want = brute(&gold, &pred);
                prop_assert_eq!(s.per_topic.len(), want.per_topic.len());
                for (got, want) in s.per_topic.iter().zip(&want.per_topic) {
                    prop_assert!(close(got.precision, want.precision) && close(got.recall, want.recall) && close(got.f1, want.f1), "{:?} vs {:?}", got, want);
                    prop_assert_eq!(got.support, want.support);
                }
                prop_assert!(close(s.micro_f1, want.micro_f1), "micro {} vs {}", s.micro_f1, want.micro_f1);
                prop_assert!(close(s.macro_f1, want.macro_f1), "macro {} vs {}", s.macro_f1, want.macro_f1);
                prop_assert!(close(s.subset_accuracy, want.subset_accuracy));
                prop_assert!(close(s.hamming_loss, want.hamming_loss));
            }

            /// Counting folds separately and adding them equals counting all rows at once.
            #[test]
            fn pooled_counts_equal_counts_of_the_whole((gold, pred) in matrices(), cut in 0usize..25) {
                let cut = cut.min(gold.nrows());
                let mut pooled = Counts::new(gold.ncols());
                pooled.add(gold.slice_axis(Axis(0), (..cut).into()), pred.slice_axis(Axis(0), (..cut).into()));
                pooled.add(gold.slice_axis(Axis(0), (cut..).into()), pred.slice_axis(Axis(0), (cut..).into()));
                prop_assert_eq!(pooled, Counts::from_predictions(gold.view(), pred.view()));
            }
        }
    }
}
