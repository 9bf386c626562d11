//! The baseline against independent computations: a reference multinomial naive Bayes written
//! here with plain loops, the sparse twin (`classifiers::sparse_nb`) against linfa-bayes on the
//! shipped corpus and on a 20 Newsgroups sample, and scikit-learn's numbers for one shipped fold
//! (pasted in as literals, with the Python that computed them); and the sparse `bernoulli_nb`
//! against linfa-bayes's dense `BernoulliNb` on the shipped corpus.

use linfa::prelude::*;
use ndarray::{Array1, Array2, ArrayView2, Axis};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use topicbench::classifiers::multinomial_nb::{FittedMnb, MultinomialNb, TopicModel, quietly};
use topicbench::classifiers::sparse_nb::SparseMultinomialNb;
use topicbench::classifiers::{Classifier, FitContext, Fitted, Predictions};
use topicbench::data::dataset::{Dataset, Project};
use topicbench::eval::{Prepared, Scheme, prepare};
use topicbench::features::{Csr, FeatureSpec, Tokenized, Vocabulary};

use crate::util::repo_root;

/// A budget large enough that the baseline takes its dense linfa path on every split here.
const LINFA_BUDGET: u64 = 1 << 30;

const CTX: FitContext = FitContext {
    seed: 0,
    single_label: false,
    memory_budget_bytes: LINFA_BUDGET,
};

/// The shipped corpus, prepared as `topicbench eval` does by default.
fn shipped() -> (Dataset, Prepared) {
    let ds = topicbench::data::check::load_project(
        &Project::new(repo_root()),
        topicbench::data::groups::DEFAULT_THRESHOLD,
    )
    .unwrap();
    let prepared = prepare(
        &ds,
        Scheme::KFold {
            folds: 5,
            repeats: 10,
        },
        42,
    )
    .unwrap();
    (ds, prepared)
}

/// Count matrices and labels of one train/test split of some texts.
struct Split {
    x_train: Csr,
    y_train: Array2<bool>,
    x_test: Csr,
    /// Number of vocabulary columns (the training texts' distinct words).
    vocab: usize,
}

/// Word counts of `texts` with the vocabulary of `train`; labels from `gold` (texts × topics).
fn count_split(texts: &[&str], gold: ArrayView2<bool>, train: &[usize], test: &[usize]) -> Split {
    let tok = Tokenized::new(texts, 1);
    let vocab = Vocabulary::fit(&tok, train, FeatureSpec::COUNTS);
    Split {
        x_train: vocab.transform(&tok, train),
        y_train: gold.select(Axis(0), train),
        x_test: vocab.transform(&tok, test),
        vocab: vocab.len(),
    }
}

/// Repeat 0, fold 0 of the shipped corpus, and its test paragraph ids.
fn shipped_fold() -> (Split, Vec<String>) {
    let (ds, p) = shipped();
    let fold = &p.folds[0];
    assert_eq!((fold.repeat, fold.fold), (0, 0));
    let texts: Vec<&str> = p.items.iter().map(|&i| ds.items[i].text.as_str()).collect();
    let ids = fold
        .test
        .iter()
        .map(|&r| ds.items[p.items[r]].id.clone())
        .collect();
    (
        count_split(&texts, p.gold.view(), &fold.train, &fold.test),
        ids,
    )
}

/// Plain multinomial naive Bayes, one-vs-rest, from the textbook formulas with simple loops:
/// per class c, log P(w|c) = ln(N_cw + 1) − ln(Σ_w N_cw + V), prior ln(n_c / n);
/// P(yes) = 1 / (1 + exp(no − yes)); decided yes only when yes > no.
fn reference_nb(x_train: &Array2<f64>, y: &Array2<bool>, x_test: &Array2<f64>) -> Predictions {
    let (n, v) = x_train.dim();
    let (m, topics) = (x_test.nrows(), y.ncols());
    let mut scores = Array2::zeros((m, topics));
    let mut decisions = Array2::from_elem((m, topics), false);
    for t in 0..topics {
        let mut jll = [vec![0.0; m], vec![0.0; m]];
        for (class, out) in jll.iter_mut().enumerate() {
            let member = |i: usize| y[[i, t]] == (class == 1);
            let mut n_c = 0usize;
            let mut counts = vec![0.0; v];
            for i in 0..n {
                if member(i) {
                    n_c += 1;
                    for w in 0..v {
                        counts[w] += x_train[[i, w]];
                    }
                }
            }
            let total: f64 = counts.iter().sum();
            let log_p: Vec<f64> = counts
                .iter()
                .map(|&c| (c + 1.0).ln() - (total + v as f64).ln())
                .collect();
            let prior = (n_c as f64 / n as f64).ln();
            for (i, o) in out.iter_mut().enumerate() {
                let mut s = prior;
                for w in 0..v {
                    if x_test[[i, w]] != 0.0 {
                        s += x_test[[i, w]] * log_p[w];
                    }
                }
                *o = s;
            }
        }
        for i in 0..m {
            let (no, yes) = (jll[0][i], jll[1][i]);
            scores[[i, t]] = 1.0 / (1.0 + (no - yes).exp());
            decisions[[i, t]] = yes > no;
        }
    }
    Predictions { scores, decisions }
}

/// The baseline's linfa models, fitted here the way `MultinomialNb::fit` does (dense path), so
/// that `FittedMnb::joint_log_likelihood` can be called on them.
fn linfa_twin(x: &Csr, y: ArrayView2<bool>) -> FittedMnb {
    let records = x.to_dense();
    let params = linfa_bayes::MultinomialNb::<f64, usize>::params().alpha(1.0);
    let models = y
        .columns()
        .into_iter()
        .map(|col| {
            let target: Array1<usize> = col.mapv(usize::from);
            let positives = target.sum();
            if positives == 0 || positives == target.len() {
                return TopicModel::Constant(positives > 0);
            }
            let ds = DatasetView::new(records.view(), target.view());
            TopicModel::Linfa(quietly(|| params.fit(&ds)).unwrap())
        })
        .collect();
    FittedMnb::Dense(models)
}

/// For every topic, the sparse model's joint log-likelihoods equal linfa's to 1e-9 relative, and
/// the baseline itself (dense path) predicts what the linfa twin predicts.
fn assert_sparse_equals_linfa(s: &Split, what: &str) {
    let dense_bytes = (s.x_train.n_rows() * s.x_train.n_cols * 8) as u64;
    assert!(
        dense_bytes <= LINFA_BUDGET,
        "{what}: {dense_bytes} bytes is over the test's budget, so the baseline would not use linfa"
    );
    let linfa = linfa_twin(&s.x_train, s.y_train.view());
    assert!(!linfa.is_sparse());
    let baseline = MultinomialNb::default()
        .fit(&s.x_train, s.y_train.view(), &CTX)
        .unwrap();
    assert!(
        baseline.notes().is_empty(),
        "{what}: {:?}",
        baseline.notes()
    );
    assert_eq!(
        baseline.predict(&s.x_test),
        linfa.predict(&s.x_test),
        "{what}: the twin is not the baseline's model"
    );
    let sparse = SparseMultinomialNb::default()
        .fit_model(&s.x_train, s.y_train.view(), false)
        .unwrap();
    let want = linfa.joint_log_likelihood(&s.x_test);
    let got = sparse.joint_log_likelihood(&s.x_test);
    assert_eq!(want.len(), s.y_train.ncols());
    assert_eq!(got.len(), want.len());
    let mut worst = 0.0f64;
    for (t, (w, g)) in want.iter().zip(&got).enumerate() {
        let w = w
            .as_ref()
            .unwrap_or_else(|| panic!("{what}: topic {t} is constant in training"));
        for (class, (wv, gv)) in [(&w.0, &g.0), (&w.1, &g.1)].into_iter().enumerate() {
            assert_eq!(wv.len(), s.x_test.n_rows());
            assert_eq!(gv.len(), wv.len(), "{what}: topic {t} class {class}");
            for (i, (&a, &b)) in wv.iter().zip(gv.iter()).enumerate() {
                let rel = (a - b).abs() / a.abs().max(b.abs()).max(f64::MIN_POSITIVE);
                assert!(
                    a.is_finite() && rel <= 1e-9,
                    "{what}: topic {t}, class {class}, row {i}: linfa {a} vs sparse {b} (relative {rel:e})"
                );
                worst = worst.max(rel);
            }
        }
    }
    eprintln!("{what}: worst relative difference {worst:e}");
}

#[test]
fn baseline_equals_a_reference_naive_bayes_on_a_shipped_fold() {
    let (s, _) = shipped_fold();
    let got = MultinomialNb::default()
        .fit(&s.x_train, s.y_train.view(), &CTX)
        .unwrap()
        .predict(&s.x_test);
    let want = reference_nb(&s.x_train.to_dense(), &s.y_train, &s.x_test.to_dense());
    assert_eq!(got.decisions, want.decisions);
    for ((i, t), &w) in want.scores.indexed_iter() {
        let g = got.scores[[i, t]];
        assert!((g - w).abs() <= 1e-12, "row {i}, topic {t}: {g} vs {w}");
    }
    // The fold must exercise both decisions.
    assert!(want.decisions.iter().any(|&d| d) && want.decisions.iter().any(|&d| !d));
}

#[test]
fn sparse_nb_equals_linfa_on_the_shipped_corpus() {
    let (ds, p) = shipped();
    let texts: Vec<&str> = p.items.iter().map(|&i| ds.items[i].text.as_str()).collect();
    let all: Vec<usize> = (0..texts.len()).collect();
    let s = count_split(&texts, p.gold.view(), &all, &all);
    assert_eq!(s.x_train.n_rows(), 71);
    assert_sparse_equals_linfa(&s, "shipped corpus");
}

/// `bernoulli_nb` (sparse: a per-class constant corrected by the words present) against
/// linfa-bayes's dense `BernoulliNb` (alpha 1, binarize 0) on the shipped corpus, fold 0 of
/// repeat 0: per topic, both classes' joint log-likelihoods to 1e-9 relative, and the
/// single-label multi-class model on each paragraph's first topic likewise.
#[test]
fn bernoulli_nb_equals_linfa_on_the_shipped_corpus() {
    use linfa_bayes::NaiveBayes;
    use topicbench::classifiers::bernoulli_nb::BernoulliNb;
    let (s, _) = shipped_fold();
    let records = s.x_train.to_dense();
    let test = s.x_test.to_dense().mapv(|v| f64::from(u8::from(v > 0.0)));
    let params = linfa_bayes::BernoulliNb::<f64, usize>::params()
        .alpha(1.0)
        .binarize(Some(0.0));
    let close = |a: f64, b: f64, what: &str| {
        let rel = (a - b).abs() / a.abs().max(b.abs()).max(f64::MIN_POSITIVE);
        assert!(
            a.is_finite() && rel <= 1e-9,
            "{what}: linfa {a} vs sparse {b}"
        );
    };
    let ours = BernoulliNb::default()
        .fit_model(&s.x_train, s.y_train.view(), false)
        .unwrap();
    let got = ours.joint_log_likelihood(&s.x_test);
    let mut compared = 0;
    for (t, g) in got.iter().enumerate() {
        let target: Array1<usize> = s.y_train.column(t).mapv(usize::from);
        let Some((no, yes)) = g else {
            assert!(target.sum() == 0 || target.sum() == target.len());
            continue;
        };
        let linfa = params
            .fit(&DatasetView::new(records.view(), target.view()))
            .unwrap();
        let want = linfa.joint_log_likelihood(test.view());
        for i in 0..test.nrows() {
            close(want[&0][i], no[i], &format!("topic {t} no, row {i}"));
            close(want[&1][i], yes[i], &format!("topic {t} yes, row {i}"));
        }
        compared += 1;
    }
    assert!(compared >= 4, "only {compared} topics had both classes");
    // Single-label: each training paragraph's first topic (0 when it has none).
    let target: Array1<usize> = s
        .y_train
        .rows()
        .into_iter()
        .map(|r| r.iter().position(|&b| b).unwrap_or(0))
        .collect();
    let linfa = params
        .fit(&DatasetView::new(records.view(), target.view()))
        .unwrap();
    let want = linfa.joint_log_likelihood(test.view());
    let mut single = s.y_train.mapv(|_| false);
    for (i, &k) in target.iter().enumerate() {
        single[[i, k]] = true;
    }
    let got = BernoulliNb::default()
        .fit_model(&s.x_train, single.view(), true)
        .unwrap()
        .multiclass_joint_log_likelihood(&s.x_test);
    assert!(want.len() >= 2);
    for (&&k, values) in &want {
        for (i, &w) in values.iter().enumerate() {
            close(w, got[[i, k]], &format!("single-label class {k}, row {i}"));
        }
    }
}

#[test]
#[ignore = "needs ../shared/corpora/20news (run with --ignored)"]
fn sparse_nb_equals_linfa_on_a_20_newsgroups_sample() {
    let path = repo_root().join("../shared/corpora/20news/corpus.csv");
    assert!(path.exists(), "{} is absent", path.display());
    let mut reader = csv::Reader::from_path(&path).unwrap();
    assert_eq!(
        reader.headers().unwrap(),
        vec!["id", "text", "labels", "split"]
    );
    let rows: Vec<(String, String)> = reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[1].to_owned(), r[2].to_owned())
        })
        .collect();
    assert_eq!(rows.len(), 18_846);
    let mut labels: Vec<&str> = rows.iter().map(|(_, l)| l.as_str()).collect();
    labels.sort_unstable();
    labels.dedup();
    assert_eq!(labels.len(), 20);
    // 2,000 documents drawn with a fixed seed: the first 1,500 train, the other 500 test.
    let mut rng = ChaCha8Rng::seed_from_u64(2024);
    let sample = rand::seq::index::sample(&mut rng, rows.len(), 2_000).into_vec();
    let texts: Vec<&str> = sample.iter().map(|&i| rows[i].0.as_str()).collect();
    let gold = Array2::from_shape_fn((sample.len(), labels.len()), |(r, t)| {
        rows[sample[r]].1 == labels[t]
    });
    let train: Vec<usize> = (0..1_500).collect();
    let test: Vec<usize> = (1_500..2_000).collect();
    let s = count_split(&texts, gold.view(), &train, &test);
    assert_sparse_equals_linfa(&s, "20 Newsgroups sample");
}

/// scikit-learn 1.9.1 on repeat 0, fold 0 of the shipped corpus. The fold's paragraphs were
/// written to JSON (`id`, `text`, `gold` per paragraph of `fold.train` / `fold.test`, in fold
/// order) by a throwaway test, then:
///
/// ```python
/// import json, numpy as np
/// from sklearn.feature_extraction.text import CountVectorizer
/// from sklearn.naive_bayes import MultinomialNB
/// d = json.load(open('/tmp/fold_r0f0.json'))
/// tr = [x['text'] for x in d['train']]; te = [x['text'] for x in d['test']]
/// Ytr = np.array([x['gold'] for x in d['train']])
/// cv = CountVectorizer().fit(tr)              # 645 features: '000' .. 'zhenli'
/// Xtr, Xte = cv.transform(tr), cv.transform(te)
/// P = np.zeros((len(te), Ytr.shape[1])); D = np.zeros_like(P, dtype=bool)
/// for t in range(Ytr.shape[1]):
///     m = MultinomialNB(alpha=1.0).fit(Xtr, Ytr[:, t])
///     assert len(m.classes_) == 2
///     P[:, t] = m.predict_proba(Xte)[:, 1]; D[:, t] = m.predict(Xte)
/// print([x['id'] for x in d['test']])          # SKLEARN_TEST_IDS
/// print(P[:8].round(9))                         # SKLEARN_SCORES
/// print(D)                                      # SKLEARN_DECISIONS, one string per row
/// ```
const SKLEARN_VOCABULARY: usize = 645;

const SKLEARN_TEST_IDS: [&str; 14] = [
    "000_a21ba07716b897ed:5",
    "001_f0a7e87750fbe364:15",
    "001_f0a7e87750fbe364:21",
    "002_be4f75134dfaa804:1",
    "002_be4f75134dfaa804:14",
    "003_090cf9791e49456f:7",
    "003_090cf9791e49456f:13",
    "003_090cf9791e49456f:23",
    "004_cedae2cce8e4f6c9:3",
    "004_cedae2cce8e4f6c9:5",
    "004_cedae2cce8e4f6c9:11",
    "004_cedae2cce8e4f6c9:15",
    "004_cedae2cce8e4f6c9:25",
    "004_cedae2cce8e4f6c9:33",
];

/// Topics in topics.csv order: taiwan, trade_tech, russia, fentanyl, military_comms,
/// south_china_sea.
const SKLEARN_SCORES: [[f64; 6]; 8] = [
    [0.0, 0.0, 0.0, 3.81e-07, 4.5e-08, 0.0],
    [
        0.053078741,
        0.008536512,
        0.00018291,
        0.00120752,
        4.2923e-05,
        0.000343822,
    ],
    [
        0.999017406,
        0.012642832,
        0.04665771,
        0.01224436,
        0.015224206,
        0.036098759,
    ],
    [0.0, 0.0, 0.0, 6.03e-07, 2.3e-08, 0.0],
    [0.0, 0.0, 0.0, 4.24e-07, 0.020032568, 0.0],
    [1.1203e-05, 1.1e-08, 2.104e-06, 0.000198639, 3.3e-07, 0.0],
    [
        0.71839902,
        0.012391048,
        1.98e-07,
        4.538e-06,
        7.71e-07,
        4.1e-08,
    ],
    [
        0.874749457,
        0.002049438,
        0.000318406,
        0.000184292,
        3.3952e-05,
        0.00013799,
    ],
];

const SKLEARN_DECISIONS: [&str; 14] = [
    "000000", "000000", "100000", "000000", "000000", "000000", "100000", "100000", "000000",
    "101000", "000000", "100000", "000000", "010000",
];

#[test]
fn baseline_equals_scikit_learn_on_a_shipped_fold() {
    let (s, ids) = shipped_fold();
    assert_eq!(
        ids, SKLEARN_TEST_IDS,
        "the fold changed (corpus, labels or split): regenerate the scikit-learn literals"
    );
    assert_eq!(
        s.vocab, SKLEARN_VOCABULARY,
        "CountVectorizer vocabulary size"
    );
    let got = MultinomialNb::default()
        .fit(&s.x_train, s.y_train.view(), &CTX)
        .unwrap()
        .predict(&s.x_test);
    for (i, want) in SKLEARN_SCORES.iter().enumerate() {
        for (t, &w) in want.iter().enumerate() {
            let g = got.scores[[i, t]];
            assert!(
                (g - w).abs() <= 1e-9,
                "{}, topic {t}: ours {g} vs scikit-learn {w}",
                ids[i]
            );
        }
    }
    let decisions: Vec<String> = got
        .decisions
        .rows()
        .into_iter()
        .map(|r| r.iter().map(|&d| if d { '1' } else { '0' }).collect())
        .collect();
    assert_eq!(decisions, SKLEARN_DECISIONS);
}
