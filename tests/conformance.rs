//! One conformance suite over every classifier in `classifiers::REGISTRY` (scikit-learn's
//! `check_estimator`), untuned and, for those with a grid, tuned by nested cross-validation
//! (`classifiers::Tuned`): output shapes, score ranges, determinism, refit, topics without positive
//! examples, empty and unseen paragraphs, and single-label mode. A classifier added to the
//! registry gets these tests for free. Every fit goes through `fit_fold`, as in `eval`. Each test runs every classifier and then fails once,
//! naming every classifier that broke the contract and how.

use std::panic::{AssertUnwindSafe, catch_unwind};

use ndarray::Array2;
use topicbench::classifiers::{
    Classifier, FitContext, Fitted, FoldView, Predictions, REGISTRY, Tuned,
};
use topicbench::features::{Csr, FeatureSpec, Tokenized, Vocabulary};

/// Number of topics in [`PARAGRAPHS`]: 0 = space, 1 = cooking, 2 = football.
const TOPICS: usize = 3;

/// A small multi-label fixture: (topic ids as digits, text). Rows 0..24 train, 24..30 test.
const PARAGRAPHS: [(&str, &str); 30] = [
    (
        "0",
        "The rocket launch carried a satellite into orbit around the planet",
    ),
    (
        "0",
        "Astronauts aboard the space station studied the distant galaxy",
    ),
    (
        "0",
        "The telescope captured a comet passing near the moon's orbit",
    ),
    (
        "0",
        "Engineers tested the rocket engine before the next launch window",
    ),
    (
        "0",
        "A probe landed on the planet and sent images of its craters",
    ),
    ("0", "The space agency plans a crewed mission to the moon"),
    (
        "1",
        "Simmer the tomato sauce with garlic, basil and olive oil",
    ),
    (
        "1",
        "Knead the dough, let it rise, then bake the bread until golden",
    ),
    (
        "1",
        "Whisk the eggs with butter and sugar for the cake batter",
    ),
    (
        "1",
        "Roast the vegetables with salt, pepper and rosemary in the oven",
    ),
    ("1", "The chef seasoned the soup and stirred in fresh herbs"),
    (
        "1",
        "Fry the onions in butter, add the rice and simmer the stock",
    ),
    (
        "2",
        "The striker scored a goal in the final minute of the match",
    ),
    (
        "2",
        "The goalkeeper saved a penalty and the team won the league",
    ),
    (
        "2",
        "Fans cheered as the midfielder passed to the winger on the pitch",
    ),
    ("2", "The coach picked a new captain for the cup final"),
    (
        "2",
        "The referee showed a red card after the foul near the goal",
    ),
    ("2", "The team trained on the pitch before the derby match"),
    (
        "01",
        "Astronauts eat freeze-dried meals; the space station has an oven to bake bread",
    ),
    (
        "01",
        "A chef cooked soup for the crew before the rocket launch",
    ),
    (
        "12",
        "Fans ate pies and soup at the stadium before the match",
    ),
    (
        "12",
        "The team chef cooked pasta with garlic for the players after training",
    ),
    ("", "The meeting was postponed until next week"),
    ("", "Prices rose slightly in the shops this month"),
    ("0", "The rover drove across the crater on the red planet"),
    ("1", "Bake the bread with butter and garlic until crisp"),
    ("2", "The striker missed a penalty in the cup match"),
    (
        "02",
        "The football team watched the rocket launch from the stadium",
    ),
    ("", ""),
    ("", "Qwertyuiop zxcvbnm asdfghjkl plonk"),
];

/// Fit seed used everywhere (the same seed must give the same model).
const CTX: FitContext = FitContext {
    seed: 7,
    single_label: false,
    memory_budget_bytes: topicbench::classifiers::DEFAULT_MEMORY_BUDGET_BYTES,
};

/// A classifier's inputs: matrices built with its own feature spec from the fixture, and what
/// its fold view needs (the tokenized fixture and the training rows).
struct Inputs {
    x_train: Csr,
    y_train: Array2<bool>,
    x_test: Csr,
    tok: Tokenized,
    train: Vec<usize>,
    spec: FeatureSpec,
}

/// Fits `c` on `inp`'s training side through `fit_fold`: the view's labels are `y_train` (as a
/// test may have edited them), every paragraph its own group.
fn fit_model(c: &dyn Classifier, inp: &Inputs, ctx: &FitContext) -> Box<dyn Fitted> {
    let mut gold = Array2::from_elem((PARAGRAPHS.len(), TOPICS), false);
    for (r, &d) in inp.train.iter().enumerate() {
        gold.row_mut(d).assign(&inp.y_train.row(r));
    }
    let groups: Vec<usize> = (0..PARAGRAPHS.len()).collect();
    let view = FoldView {
        tokenized: &inp.tok,
        rows: &inp.train,
        groups: &groups,
        gold: gold.view(),
        spec: inp.spec,
    };
    c.fit_fold(&inp.x_train, inp.y_train.view(), ctx, &view)
        .unwrap_or_else(|e| panic!("fit failed: {e}"))
}

/// The gold matrix of the fixture rows `rows`.
fn gold(rows: &[usize]) -> Array2<bool> {
    Array2::from_shape_fn((rows.len(), TOPICS), |(r, t)| {
        let digit = char::from_digit(t as u32, 10).unwrap();
        PARAGRAPHS[rows[r]].0.contains(digit)
    })
}

/// Training and test matrices for `spec`: the vocabulary is fitted on `train` only.
fn inputs(spec: FeatureSpec, train: &[usize], test: &[usize]) -> Inputs {
    let texts: Vec<&str> = PARAGRAPHS.iter().map(|(_, t)| *t).collect();
    let tok = Tokenized::new(&texts, spec.ngram_max);
    let vocab = Vocabulary::fit(&tok, train, spec);
    Inputs {
        x_train: vocab.transform(&tok, train),
        y_train: gold(train),
        x_test: vocab.transform(&tok, test),
        tok,
        train: train.to_vec(),
        spec,
    }
}

/// The default split: rows 0..24 train, 24..30 test (the last two: empty and unseen words).
fn default_inputs(c: &dyn Classifier) -> Inputs {
    let train: Vec<usize> = (0..24).collect();
    let test: Vec<usize> = (24..30).collect();
    inputs(c.features(), &train, &test)
}

/// Fits on `inp`'s training rows and predicts its test rows; a failed fit panics naming `c`.
fn fit_predict(c: &dyn Classifier, inp: &Inputs, ctx: &FitContext) -> Predictions {
    fit_model(c, inp, ctx).predict(&inp.x_test)
}

/// Predictions have `rows` × [`TOPICS`] scores and decisions, every score finite and in [0, 1].
fn assert_valid(p: &Predictions, rows: usize) {
    assert_eq!(p.scores.dim(), (rows, TOPICS), "shape of scores");
    assert_eq!(p.decisions.dim(), (rows, TOPICS), "shape of decisions");
    for ((i, t), &s) in p.scores.indexed_iter() {
        assert!(
            s.is_finite() && (0.0..=1.0).contains(&s),
            "score of row {i}, topic {t} is {s}, not in [0, 1]"
        );
    }
}

/// Every registered classifier with default hyperparameters, then every one that has a grid
/// wrapped in [`Tuned`]: (label, classifier).
fn every_classifier() -> Vec<(String, Box<dyn Classifier>)> {
    let plain = REGISTRY.iter().map(|e| (e.name.to_owned(), (e.make)()));
    let tuned = REGISTRY.iter().filter_map(|e| {
        let t: Box<dyn Classifier> = Box::new(Tuned::new((e.make)())?);
        Some((format!("tuned {}", e.name), t))
    });
    plain.chain(tuned).collect()
}

/// A fresh classifier like `c` (tuned when `c` is).
fn fresh(c: &dyn Classifier) -> Box<dyn Classifier> {
    let plain = (REGISTRY.iter().find(|e| e.name == c.name()).unwrap().make)();
    if c.params().get("tuning").is_some() {
        Box::new(Tuned::new(plain).unwrap())
    } else {
        plain
    }
}

/// Runs `check` on every classifier of [`every_classifier`]; fails once, listing each classifier
/// whose check panicked and its message.
fn for_each_classifier(check: impl Fn(&dyn Classifier)) {
    let mut failures = Vec::new();
    let all = every_classifier();
    assert!(all.len() > REGISTRY.len(), "some classifiers are tunable");
    for (name, c) in &all {
        if let Err(payload) = catch_unwind(AssertUnwindSafe(|| check(c.as_ref()))) {
            let msg = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_else(|| "(non-text panic)".to_owned());
            failures.push(format!("{name}: {msg}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} classifier(s) broke the contract:\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
}

#[test]
fn the_fixture_is_what_the_suite_assumes() {
    // Every topic has positive training rows, one row has two topics, the last two test rows
    // have no known word.
    let y = gold(&(0..24).collect::<Vec<_>>());
    for t in 0..TOPICS {
        assert!(y.column(t).iter().filter(|&&b| b).count() >= 6, "topic {t}");
    }
    let inp = inputs(FeatureSpec::COUNTS, &(0..24).collect::<Vec<_>>(), &[28, 29]);
    assert_eq!(inp.x_test.n_rows(), 2);
    assert!(inp.x_test.data.is_empty(), "rows 28 and 29 must be empty");
}

#[test]
fn predictions_have_one_valid_row_per_paragraph_and_topic() {
    for_each_classifier(|c| {
        let inp = default_inputs(c);
        assert_valid(&fit_predict(c, &inp, &CTX), 6);
        // Predicting the training rows works too, and on a single row.
        let model = fit_model(c, &inp, &CTX);
        assert_valid(&model.predict(&inp.x_train), 24);
        let one = inp.x_test.select_rows(&[0]);
        assert_valid(&model.predict(&one), 1);
    });
}

#[test]
fn the_same_seed_gives_the_same_predictions() {
    for_each_classifier(|c| {
        let inp = default_inputs(c);
        let a = fit_predict(c, &inp, &CTX);
        let b = fit_predict(c, &inp, &CTX);
        assert_eq!(a, b, "two fits with seed {} differ", CTX.seed);
    });
}

#[test]
fn a_refit_forgets_the_previous_fit() {
    for_each_classifier(|c| {
        // A: rows 0..24 -> 24..30. B: a different vocabulary, other rows, other test rows.
        let a = default_inputs(c);
        let b_train: Vec<usize> = (0..30).filter(|i| i % 3 != 0).collect();
        let b_test: Vec<usize> = (0..30).filter(|i| i % 3 == 0).collect();
        let b = inputs(c.features(), &b_train, &b_test);
        assert_ne!(a.x_train.n_cols, b.x_train.n_cols);
        let _ = fit_predict(c, &a, &CTX);
        let refit = fit_predict(c, &b, &CTX);
        let only_b = fit_predict(fresh(c).as_ref(), &b, &CTX);
        assert_valid(&refit, b_test.len());
        assert_eq!(
            refit, only_b,
            "fitting on A then B differs from fitting on B only"
        );
    });
}

#[test]
fn a_topic_without_positive_training_paragraphs_is_never_predicted() {
    for_each_classifier(|c| {
        for empty in 0..TOPICS {
            let mut inp = default_inputs(c);
            inp.y_train.column_mut(empty).fill(false);
            let p = fit_predict(c, &inp, &CTX);
            assert_valid(&p, 6);
            let rows: Vec<usize> = (0..6).filter(|&i| p.decisions[[i, empty]]).collect();
            assert!(
                rows.is_empty(),
                "topic {empty} has no positive training row but is predicted for test rows {rows:?}"
            );
            // The training rows themselves (some full of the topic's words) neither.
            let model = fit_model(c, &inp, &CTX);
            let on_train = model.predict(&inp.x_train);
            assert!(
                on_train.decisions.column(empty).iter().all(|&d| !d),
                "topic {empty} predicted on a training row"
            );
        }
    });
}

#[test]
fn a_topic_every_training_paragraph_has_is_always_predicted() {
    for_each_classifier(|c| {
        for full in 0..TOPICS {
            let mut inp = default_inputs(c);
            inp.y_train.column_mut(full).fill(true);
            let p = fit_predict(c, &inp, &CTX);
            assert_valid(&p, 6);
            let rows: Vec<usize> = (0..6).filter(|&i| !p.decisions[[i, full]]).collect();
            assert!(
                rows.is_empty(),
                "topic {full} is on every training row but not predicted for test rows {rows:?}"
            );
        }
    });
}

#[test]
fn empty_and_unseen_paragraphs_get_valid_predictions() {
    for_each_classifier(|c| {
        let train: Vec<usize> = (0..24).collect();
        for test in [vec![28], vec![29], vec![28, 29], vec![28, 24, 29]] {
            let inp = inputs(c.features(), &train, &test);
            let p = fit_predict(c, &inp, &CTX);
            assert_valid(&p, test.len());
            // With no known word, an empty and an unseen paragraph look the same to a model.
            if test == [28, 29] {
                assert_eq!(p.scores.row(0), p.scores.row(1), "empty vs unseen scores");
                assert_eq!(p.decisions.row(0), p.decisions.row(1), "empty vs unseen");
            }
        }
    });
}

#[test]
fn single_label_mode_predicts_exactly_one_topic_per_paragraph() {
    let ctx = FitContext {
        single_label: true,
        ..CTX
    };
    // Training rows with exactly one topic; test rows include empty, unseen and two-topic ones.
    let single: Vec<usize> = (0..24).filter(|&i| PARAGRAPHS[i].0.len() == 1).collect();
    let test: Vec<usize> = (18..30).collect();
    // Without topic 1 in training (its column all false), in single-label mode too.
    let no_cooking: Vec<usize> = single
        .iter()
        .copied()
        .filter(|&i| PARAGRAPHS[i].0 != "1")
        .collect();
    for_each_classifier(|c| {
        for (train, absent) in [(&single, None), (&no_cooking, Some(1))] {
            let inp = inputs(c.features(), train, &test);
            assert!(
                inp.y_train
                    .rows()
                    .into_iter()
                    .all(|r| r.iter().filter(|&&b| b).count() == 1)
            );
            let p = fit_predict(c, &inp, &ctx);
            assert_valid(&p, test.len());
            for (i, row) in p.decisions.rows().into_iter().enumerate() {
                let n = row.iter().filter(|&&b| b).count();
                assert_eq!(
                    n, 1,
                    "test row {i} (paragraph {}) has {n} predicted topics: {row}",
                    test[i]
                );
                if let Some(t) = absent {
                    assert!(
                        !row[t],
                        "absent topic {t} predicted for paragraph {}",
                        test[i]
                    );
                }
            }
        }
    });
}
