//! The evaluation driver: every classifier on the same folds, then scores, intervals and paired
//! comparisons with the baseline.
//!
//! [`prepare`] picks the evaluated items (body paragraphs, or a CSV corpus's documents), their
//! gold topic matrix and the folds (`split`). [`run`] tokenizes once per n-gram setting, and for
//! each fold (in parallel, results kept in fold order) builds the training-fold vocabulary and
//! matrices (`features`) and fits and predicts every classifier (`classifiers`). [`summarize`]
//! pools TP/FP/FN over a repeat's folds (`metrics`), summarizes the repeats and compares each
//! classifier with the baseline (`stats`). Every per-paragraph prediction is kept, so any
//! aggregate can be recomputed from them. The report layer turns the result into files.

use std::collections::BTreeMap;
use std::time::Instant;

use ndarray::{Array2, ArrayView2, Axis};
use rayon::prelude::*;

use crate::classifiers::{self, Classifier, FitContext, Fitted, Predictions};
use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::external::{External, ExternalSpec, FoldRequest};
use crate::features::{Csr, FeatureSpec, Tokenized, Vocabulary};
use crate::metrics::{Counts, HEADLINE, Scores};
use crate::resample;
use crate::split::{self, Fold};
use crate::stats::{self, Bayes, McNemar, Summary, Verdict};

/// How to split the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// Repeated k-fold over near-duplicate groups, stratified over topics.
    KFold {
        /// Folds per repeat.
        folds: usize,
        /// Repeats.
        repeats: usize,
    },
    /// One fold per article, group mates of the test article dropped from training.
    LeaveOneArticleOut,
    /// Train on the rows marked `train`, test on those marked `test` (CSV corpora).
    TrainTest,
}

impl Scheme {
    /// Name used in reports.
    pub fn name(&self) -> &'static str {
        match self {
            Scheme::KFold { .. } => "kfold",
            Scheme::LeaveOneArticleOut => "article",
            Scheme::TrainTest => "split",
        }
    }
}

/// The items, gold labels and folds of one evaluation.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// Dataset indices of the evaluated items; fold indices refer to positions in this list.
    pub items: Vec<usize>,
    /// items × topics.
    pub gold: Array2<bool>,
    /// The folds, in (repeat, fold) order.
    pub folds: Vec<Fold>,
    /// Number of repeats.
    pub repeats: usize,
    /// Every item has exactly one topic.
    pub single_label: bool,
    /// Number of distinct near-duplicate groups among the items.
    pub groups: usize,
    /// Per item, its near-duplicate group (0..`groups`, in order of first appearance): the unit
    /// that resampling tests and intervals draw or swap whole.
    pub group_of: Vec<usize>,
}

impl Prepared {
    /// Is there one held-out test set (`--split test`) rather than cross-validation folds?
    pub fn held_out(&self) -> bool {
        self.folds.len() == 1
    }

    /// Per item, whether it is scored (on the test side of a fold of the first repeat; every
    /// repeat tests the same items).
    pub fn tested(&self) -> Vec<bool> {
        let mut t = vec![false; self.items.len()];
        for fold in self.folds.iter().filter(|f| f.repeat == 0) {
            for &r in &fold.test {
                t[r] = true;
            }
        }
        t
    }
}

/// Chooses items and folds. Fails with a clear message when the data cannot be evaluated.
pub fn prepare(ds: &Dataset, scheme: Scheme, seed: u64) -> Result<Prepared> {
    let items = ds.body();
    if items.is_empty() {
        return Err(Error::Data(
            "no body paragraphs to evaluate: label some paragraphs `body`".into(),
        ));
    }
    if items.iter().all(|&i| ds.items[i].text.trim().is_empty()) {
        return Err(Error::Data(
            "every text is empty: there is nothing to learn from: give the documents their text"
                .into(),
        ));
    }
    let n_topics = ds.topics.len();
    if n_topics < 2 && items.iter().all(|&i| ds.items[i].topics.len() == 1) {
        return Err(Error::Data(format!(
            "the corpus has a single class (`{}`): a classifier needs at least two to tell apart",
            ds.topics.first().map_or("", |t| t.id.as_str())
        )));
    }
    let mut gold = Array2::from_elem((items.len(), n_topics), false);
    for (r, &i) in items.iter().enumerate() {
        for &t in &ds.items[i].topics {
            gold[[r, t]] = true;
        }
    }
    for (t, topic) in ds.topics.iter().enumerate() {
        if !gold.column(t).iter().any(|&b| b) {
            return Err(Error::Data(format!(
                "topic `{}` has no positive example among the evaluated paragraphs: label some, or remove it from the topic list",
                topic.id
            )));
        }
    }
    let single_label = items.iter().all(|&i| ds.items[i].topics.len() == 1);
    // Compress group ids to 0..g in order of first appearance.
    let mut group_ids: BTreeMap<usize, usize> = BTreeMap::new();
    let groups: Vec<usize> = items
        .iter()
        .map(|&i| {
            let next = group_ids.len();
            *group_ids.entry(ds.items[i].group).or_insert(next)
        })
        .collect();
    let labels: Vec<Vec<usize>> = items.iter().map(|&i| ds.items[i].topics.clone()).collect();
    let (folds, repeats) = match scheme {
        Scheme::KFold { folds, repeats } => (
            split::repeated_kfold(&labels, n_topics, &groups, folds, repeats, seed)
                .map_err(|e| Error::Usage(e.to_string()))?,
            repeats,
        ),
        Scheme::LeaveOneArticleOut => {
            let mut docs: BTreeMap<&str, usize> = BTreeMap::new();
            for &i in &items {
                let next = docs.len();
                docs.entry(ds.items[i].doc.as_str()).or_insert(next);
            }
            if docs.len() < 2 {
                return Err(Error::Usage(
                    "leave-one-article-out needs at least two articles".into(),
                ));
            }
            let keys: Vec<usize> = items
                .iter()
                .map(|&i| docs[ds.items[i].doc.as_str()])
                .collect();
            (
                split::leave_one_out(&keys, &groups).map_err(|e| Error::Usage(e.to_string()))?,
                1,
            )
        }
        Scheme::TrainTest => {
            let mut train = Vec::new();
            let mut test = Vec::new();
            for (r, &i) in items.iter().enumerate() {
                match ds.items[i].is_test {
                    Some(true) => test.push(r),
                    Some(false) => train.push(r),
                    None => {
                        return Err(Error::Usage(
                            "--split test needs a corpus with a `split` column (train/test on every row)".into(),
                        ));
                    }
                }
            }
            if train.is_empty() || test.is_empty() {
                return Err(Error::Usage(format!(
                    "--split test needs train and test rows; the corpus has {} train and {} test",
                    train.len(),
                    test.len()
                )));
            }
            (
                vec![Fold {
                    repeat: 0,
                    fold: 0,
                    train,
                    test,
                }],
                1,
            )
        }
    };
    Ok(Prepared {
        items,
        gold,
        folds,
        repeats,
        single_label,
        groups: group_ids.len(),
        group_of: groups,
    })
}

/// One classifier's output on one fold.
#[derive(Debug, Clone)]
pub struct FoldRun {
    /// Index into [`Prepared::folds`].
    pub fold: usize,
    /// Predictions for the fold's test items, in the order of `folds[fold].test`.
    pub pred: Predictions,
    /// Seconds to fit.
    pub fit_secs: f64,
    /// Seconds to predict.
    pub predict_secs: f64,
    /// Notes from the fitted model (e.g. a fallback it used).
    pub notes: Vec<String>,
    /// What a tuned classifier chose on this fold ([`Fitted::tuning`]).
    pub tuning: Option<serde_json::Value>,
}

/// One classifier's run over all folds.
#[derive(Debug, Clone)]
pub struct ClassifierRun {
    /// Registry name.
    pub name: String,
    /// One-line description.
    pub description: String,
    /// Hyperparameters.
    pub params: serde_json::Value,
    /// Per-fold results, or why the classifier failed.
    pub outcome: std::result::Result<Vec<FoldRun>, String>,
}

/// The raw result of an evaluation.
#[derive(Debug, Clone)]
pub struct EvalRun {
    /// Items, gold and folds.
    pub prepared: Prepared,
    /// Every classifier, in the order asked for.
    pub runs: Vec<ClassifierRun>,
    /// Wall seconds per stage (`tokenize`, `folds`).
    pub stage_secs: BTreeMap<String, f64>,
    /// The tokenized items per n-gram setting (reused by the learning curve; empty after a
    /// merge of shards).
    pub tokenized: BTreeMap<usize, Tokenized>,
    /// The baseline's top words per topic, when [`run`] computed them (see [`top_words`]).
    pub top_words: Option<Vec<Vec<(String, f64)>>>,
}

/// Which share of the (classifier, fold) work units a process runs: unit `u` belongs to shard
/// `u % count`. Unit `u = classifier * folds + fold`, classifiers in the order given (built-in
/// first, then external), so every shard gets a spread of classifiers and folds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// This shard, `0..count`.
    pub index: usize,
    /// Number of shards.
    pub count: usize,
}

impl Shard {
    /// The whole run.
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    /// Does this shard run `unit`?
    pub fn has(&self, unit: usize) -> bool {
        unit % self.count.max(1) == self.index
    }
}

/// One work unit's result.
#[derive(Debug, Clone)]
pub struct Unit {
    /// Index into the classifier list (built-in first, then external).
    pub classifier: usize,
    /// Index into [`Prepared::folds`].
    pub fold: usize,
    /// The predictions, or why this classifier failed on this fold.
    pub result: std::result::Result<FoldRun, String>,
}

/// Name, description and hyperparameters of a classifier in a run.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassifierInfo {
    /// Registry or `--classifier-cmd` name.
    pub name: String,
    /// One line.
    pub description: String,
    /// Hyperparameters (or the command).
    pub params: serde_json::Value,
}

/// The classifiers of a run, built-in first, then external.
pub fn classifier_infos(
    classifiers: &[Box<dyn Classifier>],
    external: &[ExternalSpec],
) -> Vec<ClassifierInfo> {
    classifiers
        .iter()
        .map(|c| ClassifierInfo {
            name: c.name().to_owned(),
            description: c.describe().to_owned(),
            params: c.params(),
        })
        .chain(external.iter().map(|e| ClassifierInfo {
            name: e.name.clone(),
            description: format!("external command: {}", e.command),
            params: serde_json::json!({"command": e.command}),
        }))
        .collect()
}

/// Runs every classifier on every fold of `prepared`. `on_fold` is called after each fold (for a
/// progress bar).
pub fn run(
    ds: &Dataset,
    prepared: Prepared,
    classifiers: &[Box<dyn Classifier>],
    external: &[ExternalSpec],
    opts: &RunOptions,
    on_fold: &(dyn Fn() + Sync),
) -> EvalRun {
    let t0 = Instant::now();
    let tokenized = tokenize(ds, &prepared, classifiers);
    let tokenize_secs = t0.elapsed().as_secs_f64();
    // The explanation's top words come from the baseline fitted on the rows that are on some
    // fold's training side. With one fold (`--split test`) that is the fold's own baseline model,
    // taken as it is fitted; otherwise a model of its own, fitted while the folds run.
    let baseline = classifiers
        .iter()
        .position(|c| c.name() == classifiers::BASELINE);
    let captured: std::sync::Mutex<Option<TopWords>> = Default::default();
    let on_fit = |ci: usize, f: usize, model: &dyn Fitted, vocab: &Vocabulary, tok: &Tokenized| {
        if Some(ci) == baseline
            && f == 0
            && prepared.folds.len() == 1
            && let Some(top) = model.top_features(TOP_WORDS)
        {
            let words = top_words_of(top, vocab, tok);
            *captured.lock().unwrap_or_else(|e| e.into_inner()) = Some(words);
        }
    };
    let single_fold_baseline = baseline.is_some() && prepared.folds.len() == 1;
    let ((units, mut stage_secs), separate) = rayon::join(
        || {
            run_units(
                ds,
                &prepared,
                classifiers,
                external,
                opts,
                Shard::ALL,
                &tokenized,
                on_fold,
                &on_fit,
            )
        },
        || (!single_fold_baseline).then(|| top_words(ds, &prepared, tokenized.get(&1), TOP_WORDS)),
    );
    let words = separate
        .or_else(|| captured.into_inner().unwrap_or_else(|e| e.into_inner()))
        .unwrap_or_else(|| top_words(ds, &prepared, tokenized.get(&1), TOP_WORDS));
    stage_secs.insert("tokenize".to_owned(), tokenize_secs);
    let infos = classifier_infos(classifiers, external);
    // A complete set of units always assembles.
    let mut run = assemble(prepared, &infos, units).unwrap_or_else(|e| unreachable!("{e}"));
    run.stage_secs = stage_secs;
    run.top_words = Some(words);
    run.tokenized = tokenized;
    run
}

/// Per topic, (word, weight) pairs, highest weight first.
pub type TopWords = Vec<Vec<(String, f64)>>;

/// Called by [`run_units`] after each fit: (classifier index, fold index, model, the fold's
/// vocabulary, the tokenized items).
pub type OnFit<'a> = dyn Fn(usize, usize, &dyn Fitted, &Vocabulary, &Tokenized) + Sync + 'a;

/// Words listed per topic by [`explain`].
pub const TOP_WORDS: usize = 10;

/// Tokenizes the evaluated items once per n-gram setting the classifiers ask for.
pub fn tokenize(
    ds: &Dataset,
    prepared: &Prepared,
    classifiers: &[Box<dyn Classifier>],
) -> BTreeMap<usize, Tokenized> {
    let texts: Vec<&str> = prepared
        .items
        .iter()
        .map(|&i| ds.items[i].text.as_str())
        .collect();
    let mut ngrams: Vec<usize> = classifiers.iter().map(|c| c.features().ngram_max).collect();
    ngrams.sort_unstable();
    ngrams.dedup();
    ngrams
        .iter()
        .map(|&n| (n, Tokenized::new(&texts, n)))
        .collect()
}

/// Runs the work units of `shard`: built-in classifiers fold by fold in parallel, then each
/// external classifier over its folds in order. `tokenized` is [`tokenize`]'s result. Returns
/// the units (in unit order) and per-stage seconds.
#[allow(clippy::too_many_arguments)]
pub fn run_units(
    ds: &Dataset,
    prepared: &Prepared,
    classifiers: &[Box<dyn Classifier>],
    external: &[ExternalSpec],
    opts: &RunOptions,
    shard: Shard,
    tokenized: &BTreeMap<usize, Tokenized>,
    on_fold: &(dyn Fn() + Sync),
    on_fit: &OnFit,
) -> (Vec<Unit>, BTreeMap<String, f64>) {
    let seed = opts.seed;
    let n_folds = prepared.folds.len();
    let mut stage_secs = BTreeMap::new();
    let t1 = Instant::now();
    let per_fold: Vec<Vec<Unit>> = prepared
        .folds
        .par_iter()
        .enumerate()
        .map(|(f, fold)| {
            let y_train = prepared.gold.select(Axis(0), &fold.train);
            let mut cache: Vec<(FeatureSpec, Vocabulary, Csr, Csr)> = Vec::new();
            let out = classifiers
                .iter()
                .enumerate()
                .filter(|(ci, _)| shard.has(ci * n_folds + f))
                .map(|(ci, c)| {
                    let spec = c.features();
                    let tok = &tokenized[&spec.ngram_max];
                    if !cache.iter().any(|(s, ..)| *s == spec) {
                        let vocab = Vocabulary::fit(tok, &fold.train, spec);
                        let (x_train, x_test) = rayon::join(
                            || vocab.transform(tok, &fold.train),
                            || vocab.transform(tok, &fold.test),
                        );
                        cache.push((spec, vocab, x_train, x_test));
                    }
                    let result = cache
                        .iter()
                        .find(|(s, ..)| *s == spec)
                        .ok_or_else(|| "internal: feature cache miss".to_owned())
                        .and_then(|(_, vocab, x_train, x_test)| {
                            let ctx = FitContext {
                                seed: fold_seed(seed, fold),
                                single_label: prepared.single_label,
                            };
                            let view = classifiers::FoldView {
                                tokenized: tok,
                                rows: &fold.train,
                                groups: &prepared.group_of,
                                gold: prepared.gold.view(),
                                spec,
                            };
                            let t = Instant::now();
                            let model = c
                                .fit_fold(x_train, y_train.view(), &ctx, &view)
                                .map_err(|e| format!("fold {}: {e}", fold.name()))?;
                            let fit_secs = t.elapsed().as_secs_f64();
                            // The observer (top words) reads the model while it predicts.
                            let ((), (pred, predict_secs)) = rayon::join(
                                || on_fit(ci, f, model.as_ref(), vocab, tok),
                                || {
                                    let t = Instant::now();
                                    let pred = model.predict(x_test);
                                    (pred, t.elapsed().as_secs_f64())
                                },
                            );
                            check_predictions(&pred, fold.test.len(), prepared.gold.ncols())
                                .map_err(|e| format!("fold {}: {e}", fold.name()))?;
                            Ok(FoldRun {
                                fold: f,
                                pred,
                                fit_secs,
                                predict_secs,
                                notes: model.notes(),
                                tuning: model.tuning(),
                            })
                        });
                    Unit {
                        classifier: ci,
                        fold: f,
                        result,
                    }
                })
                .collect();
            on_fold();
            out
        })
        .collect();
    stage_secs.insert("folds".to_owned(), t1.elapsed().as_secs_f64());
    let mut units: Vec<Unit> = per_fold.into_iter().flatten().collect();

    let t2 = Instant::now();
    for (e, spec) in external.iter().enumerate() {
        let ci = classifiers.len() + e;
        let folds: Vec<usize> = (0..n_folds)
            .filter(|&f| shard.has(ci * n_folds + f))
            .collect();
        if !folds.is_empty() {
            units.extend(run_external(ds, prepared, spec, opts, ci, &folds));
        }
    }
    if !external.is_empty() {
        stage_secs.insert("external".to_owned(), t2.elapsed().as_secs_f64());
    }
    units.sort_by_key(|u| (u.classifier, u.fold));
    (units, stage_secs)
}

/// Builds an [`EvalRun`] from every (classifier, fold) unit, exactly once each. A classifier that
/// failed on any fold is failed, with the first failure in fold order.
pub fn assemble(
    prepared: Prepared,
    infos: &[ClassifierInfo],
    mut units: Vec<Unit>,
) -> Result<EvalRun> {
    let n_folds = prepared.folds.len();
    units.sort_by_key(|u| (u.classifier, u.fold));
    let mut expected = (0..infos.len()).flat_map(|c| (0..n_folds).map(move |f| (c, f)));
    let mut by_classifier: Vec<Vec<std::result::Result<FoldRun, String>>> =
        vec![Vec::new(); infos.len()];
    for u in units {
        match expected.next() {
            Some(key) if key == (u.classifier, u.fold) => {
                by_classifier[u.classifier].push(u.result)
            }
            Some((c, f)) => {
                return Err(Error::Usage(format!(
                    "results are incomplete or repeated: expected {} on fold {}, found {} on fold {} (merge every shard exactly once)",
                    infos[c].name,
                    prepared.folds[f].name(),
                    infos.get(u.classifier).map_or("?", |i| i.name.as_str()),
                    prepared
                        .folds
                        .get(u.fold)
                        .map_or("?".to_owned(), |f| f.name())
                )));
            }
            None => {
                return Err(Error::Usage(
                    "more results than work units: a shard was merged twice".into(),
                ));
            }
        }
    }
    if let Some((c, f)) = expected.next() {
        return Err(Error::Usage(format!(
            "results are incomplete: nothing for {} on fold {} (merge every shard)",
            infos[c].name,
            prepared.folds[f].name()
        )));
    }
    let runs = infos
        .iter()
        .zip(by_classifier)
        .map(|(info, folds)| ClassifierRun {
            name: info.name.clone(),
            description: info.description.clone(),
            params: info.params.clone(),
            outcome: folds.into_iter().collect(),
        })
        .collect();
    Ok(EvalRun {
        prepared,
        runs,
        stage_secs: BTreeMap::new(),
        tokenized: BTreeMap::new(),
        top_words: None,
    })
}

/// Options of [`run`].
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Seed for random steps.
    pub seed: u64,
    /// How long an external classifier may take to answer one fold.
    pub external_timeout: std::time::Duration,
    /// Longest response line an external classifier may send, in bytes.
    pub external_max_line: u64,
}

/// Runs one external classifier over `folds` (in order). After a fault, that fold and every
/// later one carry the failure.
fn run_external(
    ds: &Dataset,
    p: &Prepared,
    spec: &ExternalSpec,
    opts: &RunOptions,
    classifier: usize,
    folds: &[usize],
) -> Vec<Unit> {
    let topics = ds.topic_ids();
    let fail_all = |from: usize, reason: String| -> Vec<Unit> {
        folds[from..]
            .iter()
            .map(|&f| Unit {
                classifier,
                fold: f,
                result: Err(reason.clone()),
            })
            .collect()
    };
    let mut child = match External::start(spec, opts.external_timeout, opts.external_max_line) {
        Ok(c) => c,
        Err(e) => return fail_all(0, e.to_string()),
    };
    let item = |r: usize| &ds.items[p.items[r]];
    let mut out = Vec::with_capacity(folds.len());
    for (k, &f) in folds.iter().enumerate() {
        let fold = &p.folds[f];
        let req = FoldRequest {
            fold: fold.name(),
            seed: fold_seed(opts.seed, fold),
            single_label: p.single_label,
            train: fold
                .train
                .iter()
                .map(|&r| {
                    let it = item(r);
                    let t = it.topics.iter().map(|&t| topics[t].as_str()).collect();
                    (it.id.as_str(), it.text.as_str(), t)
                })
                .collect(),
            test: fold
                .test
                .iter()
                .map(|&r| (item(r).id.as_str(), item(r).text.as_str()))
                .collect(),
        };
        let t = Instant::now();
        match child.predict(&req, &topics) {
            Ok(pred) => out.push(Unit {
                classifier,
                fold: f,
                result: Ok(FoldRun {
                    fold: f,
                    pred,
                    fit_secs: 0.0,
                    predict_secs: t.elapsed().as_secs_f64(),
                    notes: Vec::new(),
                    tuning: None,
                }),
            }),
            Err(e) => {
                child.kill();
                out.extend(fail_all(k, with_stderr(e, &child.stderr_tail())));
                return out;
            }
        }
    }
    let tail = child.stderr_tail();
    if let Err(e) = child.finish() {
        // The answers came, but the process then failed: the whole classifier is failed.
        let reason = with_stderr(e, &tail);
        return fail_all(0, reason);
    }
    out
}

fn with_stderr(reason: String, tail: &str) -> String {
    if tail.is_empty() {
        reason
    } else {
        format!("{reason}; its stderr ends: {tail}")
    }
}

/// A per-fold seed: the same for every classifier on a fold, different across folds.
pub fn fold_seed(seed: u64, fold: &Fold) -> u64 {
    seed ^ ((fold.repeat as u64) << 32 | fold.fold as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// A classifier's output must have one row per test item, one column per topic, scores in [0, 1].
pub fn check_predictions(
    p: &Predictions,
    rows: usize,
    topics: usize,
) -> std::result::Result<(), String> {
    if p.scores.dim() != (rows, topics) || p.decisions.dim() != (rows, topics) {
        return Err(format!(
            "predictions have shape {:?}/{:?}, expected ({rows}, {topics})",
            p.scores.dim(),
            p.decisions.dim()
        ));
    }
    if let Some(bad) = p.scores.iter().find(|s| !(0.0..=1.0).contains(*s)) {
        return Err(format!("score {bad} is outside [0, 1]"));
    }
    Ok(())
}

/// Per-topic summary over repeats.
#[derive(Debug, Clone)]
pub struct TopicSummary {
    /// Precision over repeats.
    pub precision: Summary,
    /// Recall over repeats.
    pub recall: Summary,
    /// F1 over repeats.
    pub f1: Summary,
    /// Gold positives among the evaluated items (each item is tested once per repeat).
    pub support: u64,
}

/// The comparison of one classifier with the baseline on one headline metric.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricComparison {
    /// Contender − baseline: the mean per-fold difference under cross-validation, the
    /// difference on the test set with one held-out split.
    pub diff: f64,
    /// 95% interval of `diff`: Nadeau–Bengio's corrected t interval (cross-validation), or the
    /// percentile interval of a paired bootstrap over units (held-out split).
    pub ci95: Option<[f64; 2]>,
    /// Two-sided p-value of `test`.
    pub p_value: Option<f64>,
    /// Holm–Bonferroni adjusted over every contender compared on this metric.
    pub p_adjusted: Option<f64>,
    /// The test that gave `p_value`: [`TEST_NADEAU_BENGIO`], [`TEST_MCNEMAR_MIDP`] or
    /// [`TEST_RANDOMIZATION`].
    pub test: &'static str,
    /// From the contender's point of view (see [`stats::verdict`]).
    pub verdict: Verdict,
    /// Why there is no test, when there is none.
    pub reason: Option<String>,
    /// The Bayesian correlated t-test (cross-validation only).
    pub bayes: Option<Bayes>,
}

/// The comparison of one classifier with the baseline.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// Per headline metric.
    pub metrics: BTreeMap<&'static str, MetricComparison>,
    /// McNemar's exact test on per-paragraph exact match, one per repeat (reported; under
    /// cross-validation it decides nothing).
    pub mcnemar: Vec<McNemar>,
}

/// `test` of a cross-validated comparison.
pub const TEST_NADEAU_BENGIO: &str = "nadeau_bengio";
/// `test` of subset accuracy on a held-out split whose units are single documents.
pub const TEST_MCNEMAR_MIDP: &str = "mcnemar_midp";
/// `test` of the other metrics on a held-out split (and of subset accuracy when near-duplicate
/// groups hold several test documents).
pub const TEST_RANDOMIZATION: &str = "approximate_randomization";

/// Settings of the statistics in [`summarize`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StatsOptions {
    /// Seed of the permutation and bootstrap draws (`--seed`).
    pub seed: u64,
    /// Half-width of the region of practical equivalence (`--rope`).
    pub rope: f64,
    /// Rounds of the approximate-randomization test (`--permutations`).
    pub permutations: usize,
    /// Rounds of every bootstrap (`--bootstrap`).
    pub bootstrap: usize,
}

impl Default for StatsOptions {
    fn default() -> Self {
        StatsOptions {
            seed: 42,
            rope: DEFAULT_ROPE,
            permutations: DEFAULT_PERMUTATIONS,
            bootstrap: DEFAULT_BOOTSTRAP,
        }
    }
}

/// Default `--rope`.
pub const DEFAULT_ROPE: f64 = 0.01;
/// Default `--permutations`.
pub const DEFAULT_PERMUTATIONS: usize = 10_000;
/// Default `--bootstrap`.
pub const DEFAULT_BOOTSTRAP: usize = 2_000;

/// Timing of one classifier, seconds.
#[derive(Debug, Clone, Default)]
pub struct Timing {
    /// Mean seconds to fit one fold.
    pub fit_mean: f64,
    /// Mean seconds to predict one fold.
    pub predict_mean: f64,
    /// Total fit + predict seconds over all folds.
    pub total: f64,
}

/// Everything the reports say about one classifier.
#[derive(Debug, Clone)]
pub struct ClassifierSummary {
    /// Registry name.
    pub name: String,
    /// One-line description.
    pub description: String,
    /// Hyperparameters.
    pub params: serde_json::Value,
    /// Why it failed, if it did (then the other fields are empty).
    pub failed: Option<String>,
    /// What the fitted models noted, de-duplicated, in order of first appearance.
    pub notes: Vec<String>,
    /// Headline metrics over repeats, keyed by [`HEADLINE`] names.
    pub metrics: BTreeMap<&'static str, Summary>,
    /// Per headline metric, the 95% cluster-bootstrap interval over the evaluated paragraphs
    /// (near-duplicate groups resampled whole, each with its predictions from every repeat).
    pub bootstrap_ci95: BTreeMap<&'static str, Option<[f64; 2]>>,
    /// Per topic, in topic order.
    pub per_topic: Vec<TopicSummary>,
    /// Scores of each repeat (TP/FP/FN pooled over its folds).
    pub per_repeat: Vec<Scores>,
    /// Comparison with the baseline (None for the baseline itself and for failed runs).
    pub vs_baseline: Option<Comparison>,
    /// Per fold (fold name, what the tuning search chose); empty for an untuned classifier.
    pub tuning: Vec<(String, serde_json::Value)>,
    /// Timing.
    pub timing: Timing,
}

/// True for metrics where larger is better.
pub fn higher_is_better(metric: &str) -> bool {
    metric != "hamming_loss"
}

/// Significance level of the verdicts (on Holm-adjusted p-values).
pub const ALPHA: f64 = 0.05;

/// Gold and predicted matrices of one fold's test items.
fn fold_matrices<'a>(p: &Prepared, fr: &'a FoldRun) -> (Array2<bool>, ArrayView2<'a, bool>) {
    (
        p.gold.select(Axis(0), &p.folds[fr.fold].test),
        ArrayView2::from(&fr.pred.decisions),
    )
}

/// A classifier's scores per fold and pooled per repeat, exact matches per repeat and item, and
/// its outcome cells per repeat and unit.
struct Outcomes {
    per_fold: Vec<Scores>,
    per_repeat: Vec<Scores>,
    exact: Vec<Vec<bool>>,
    cells: Vec<Vec<resample::Cell>>,
}

/// The resampling units: per item, its unit among the scored items (`None` for an item that is
/// never scored), and the number of units. A unit is a near-duplicate group.
fn units(p: &Prepared) -> (Vec<Option<usize>>, usize) {
    let mut ids: BTreeMap<usize, usize> = BTreeMap::new();
    let unit_of = p
        .tested()
        .iter()
        .zip(&p.group_of)
        .map(|(&tested, &g)| {
            tested.then(|| {
                let next = ids.len();
                *ids.entry(g).or_insert(next)
            })
        })
        .collect();
    (unit_of, ids.len())
}

fn outcomes(p: &Prepared, runs: &[FoldRun], unit_of: &[Option<usize>], n_units: usize) -> Outcomes {
    let t = p.gold.ncols();
    let mut per_repeat = vec![Counts::new(t); p.repeats];
    let mut per_fold = Vec::with_capacity(runs.len());
    // exact[repeat][item] = predicted set equals gold set
    let mut exact = vec![vec![false; p.items.len()]; p.repeats];
    let mut cells = vec![vec![resample::Cell::default(); n_units]; p.repeats];
    for fr in runs {
        let fold = &p.folds[fr.fold];
        let (gold, pred) = fold_matrices(p, fr);
        let c = Counts::from_predictions(gold.view(), pred);
        per_repeat[fold.repeat].merge(&c);
        per_fold.push(Scores::from_counts(&c));
        for (k, &item) in fold.test.iter().enumerate() {
            exact[fold.repeat][item] = gold.row(k) == pred.row(k);
            if let Some(u) = unit_of[item] {
                cells[fold.repeat][u].add_doc(gold.row(k), pred.row(k));
            }
        }
    }
    Outcomes {
        per_fold,
        per_repeat: per_repeat.iter().map(Scores::from_counts).collect(),
        exact,
        cells,
    }
}

/// The summary over repeats of a metric (in [0, 1]; the interval is clipped to it).
fn summary(values: &[f64]) -> Summary {
    stats::summarize(values)
        .unwrap_or(Summary {
            mean: 0.0,
            sd: 0.0,
            ci95: None,
        })
        .within_unit()
}

/// A seed for one purpose, derived from the run's seed (so that the purposes draw apart).
fn purpose_seed(seed: u64, purpose: u64) -> u64 {
    seed ^ purpose.wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

const SEED_PERMUTATION: u64 = 1;
const SEED_BOOTSTRAP: u64 = 2;

/// Scores every classifier and compares it with `baseline` (by name).
///
/// Under cross-validation each comparison is the Nadeau–Bengio corrected t-test on the per-fold
/// differences, with the Bayesian correlated t-test beside it; with one held-out test set, paired
/// tests on the same test documents (McNemar's mid-p for subset accuracy when every unit is one
/// document, else approximate randomization over units) with a paired-bootstrap interval. Each
/// metric's p-values are Holm-adjusted over the contenders, and the verdict comes from the
/// adjusted p ([`stats::verdict`]). Every classifier also gets a cluster-bootstrap interval per
/// headline metric.
pub fn summarize(run: &EvalRun, baseline: &str, opts: &StatsOptions) -> Vec<ClassifierSummary> {
    let p = &run.prepared;
    let t = p.gold.ncols();
    let tested = p.tested();
    let support: Vec<u64> = (0..t)
        .map(|k| {
            p.gold
                .column(k)
                .iter()
                .zip(&tested)
                .filter(|&(&b, &s)| b && s)
                .count() as u64
        })
        .collect();
    let n_train =
        p.folds.iter().map(|f| f.train.len()).sum::<usize>() as f64 / p.folds.len() as f64;
    let n_test = p.folds.iter().map(|f| f.test.len()).sum::<usize>() as f64 / p.folds.len() as f64;
    let (unit_of, n_units) = units(p);
    let all: Vec<Option<Outcomes>> = run
        .runs
        .par_iter()
        .map(|r| {
            r.outcome
                .as_ref()
                .ok()
                .map(|runs| outcomes(p, runs, &unit_of, n_units))
        })
        .collect();
    let base = run
        .runs
        .iter()
        .position(|r| r.name == baseline)
        .and_then(|i| all[i].as_ref());
    let single_doc_units = n_units == tested.iter().filter(|&&s| s).count();
    // One bootstrap pass: every resample scores every classifier that ran.
    let ran: Vec<usize> = (0..all.len()).filter(|&i| all[i].is_some()).collect();
    let cells: Vec<&[Vec<resample::Cell>]> = ran
        .iter()
        .filter_map(|&i| all[i].as_ref().map(|o| o.cells.as_slice()))
        .collect();
    let values = resample::bootstrap_values(
        &cells,
        t,
        opts.bootstrap,
        purpose_seed(opts.seed, SEED_BOOTSTRAP),
    );
    let slot = |i: usize| ran.iter().position(|&r| r == i);
    let base_slot = run
        .runs
        .iter()
        .position(|r| r.name == baseline)
        .and_then(slot);

    let mut summaries: Vec<ClassifierSummary> = run
        .runs
        .par_iter()
        .zip(&all)
        .enumerate()
        .map(|(i, (r, o))| {
            let mut s = ClassifierSummary {
                name: r.name.clone(),
                description: describe_for(&r.description, p.single_label),
                params: r.params.clone(),
                failed: None,
                notes: Vec::new(),
                metrics: BTreeMap::new(),
                bootstrap_ci95: BTreeMap::new(),
                per_topic: Vec::new(),
                per_repeat: Vec::new(),
                vs_baseline: None,
                tuning: Vec::new(),
                timing: Timing::default(),
            };
            let (runs, o) = match (&r.outcome, o) {
                (Ok(runs), Some(o)) => (runs, o),
                (Err(e), _) => {
                    s.failed = Some(e.clone());
                    return s;
                }
                (Ok(_), None) => unreachable!("outcomes exist for every successful run"),
            };
            for note in runs.iter().flat_map(|f| &f.notes) {
                if !s.notes.contains(note) {
                    s.notes.push(note.clone());
                }
            }
            s.tuning = runs
                .iter()
                .filter_map(|f| Some((p.folds[f.fold].name(), f.tuning.clone()?)))
                .collect();
            for m in HEADLINE {
                let v: Vec<f64> = o.per_repeat.iter().filter_map(|s| s.headline(m)).collect();
                s.metrics.insert(m, summary(&v));
            }
            let k = slot(i).unwrap_or_else(|| unreachable!("every run with outcomes has a slot"));
            for (m, ci) in HEADLINE.iter().zip(resample::cluster_interval(&values, k)) {
                s.bootstrap_ci95.insert(m, ci);
            }
            s.per_topic = (0..t)
                .map(|k| {
                    let pick = |f: fn(&crate::metrics::TopicScores) -> f64| {
                        summary(
                            &o.per_repeat
                                .iter()
                                .map(|s| f(&s.per_topic[k]))
                                .collect::<Vec<_>>(),
                        )
                    };
                    TopicSummary {
                        precision: pick(|x| x.precision),
                        recall: pick(|x| x.recall),
                        f1: pick(|x| x.f1),
                        support: support[k],
                    }
                })
                .collect();
            if r.name != baseline {
                s.vs_baseline = Some(match (base, base_slot) {
                    (Some(b), Some(bk)) if p.held_out() => {
                        let ci = resample::paired_interval(&values, k, bk);
                        held_out_comparison(o, b, t, single_doc_units, ci, opts)
                    }
                    (Some(b), _) => cv_comparison(o, b, n_train, n_test, opts.rope),
                    (None, _) => untested_comparison(
                        "the baseline failed, so there is nothing to compare with",
                    ),
                });
            }
            s.per_repeat = o.per_repeat.clone();
            let folds = runs.len().max(1) as f64;
            s.timing = Timing {
                fit_mean: runs.iter().map(|f| f.fit_secs).sum::<f64>() / folds,
                predict_mean: runs.iter().map(|f| f.predict_secs).sum::<f64>() / folds,
                total: runs.iter().map(|f| f.fit_secs + f.predict_secs).sum(),
            };
            s
        })
        .collect();
    adjust_and_decide(&mut summaries, opts);
    summaries
}

/// On a single-label corpus every classifier predicts one topic per document (the highest
/// score), so a description's "one-vs-rest" would mislead.
fn describe_for(description: &str, single_label: bool) -> String {
    if single_label && description.contains("one-vs-rest") {
        format!(
            "{}; single-label corpus: one topic per document, the highest-scoring",
            description
                .replace(", one-vs-rest", "")
                .replace(" one-vs-rest", "")
        )
    } else {
        description.to_owned()
    }
}

/// A comparison in which nothing could be tested, for `reason`.
fn untested_comparison(reason: &str) -> Comparison {
    let metrics = HEADLINE
        .iter()
        .map(|&m| {
            (
                m,
                MetricComparison {
                    diff: f64::NAN,
                    ci95: None,
                    p_value: None,
                    p_adjusted: None,
                    test: "none",
                    verdict: Verdict::Untested,
                    reason: Some(reason.to_owned()),
                    bayes: None,
                },
            )
        })
        .collect();
    Comparison {
        metrics,
        mcnemar: Vec::new(),
    }
}

/// Per repeat, McNemar's exact test on the per-paragraph exact matches of `a` against `b`.
fn mcnemar_per_repeat(a: &Outcomes, b: &Outcomes) -> Vec<McNemar> {
    a.exact
        .iter()
        .zip(&b.exact)
        .map(|(x, y)| {
            let only_a = x.iter().zip(y).filter(|&(&x, &y)| x && !y).count() as u64;
            let only_b = x.iter().zip(y).filter(|&(&x, &y)| !x && y).count() as u64;
            stats::mcnemar_exact(only_a, only_b)
        })
        .collect()
}

/// Cross-validation: the corrected resampled t-test and the Bayesian correlated t-test on the
/// per-fold differences (verdicts come later, from the adjusted p).
fn cv_comparison(a: &Outcomes, b: &Outcomes, n_train: f64, n_test: f64, rope: f64) -> Comparison {
    let metrics = HEADLINE
        .iter()
        .map(|&m| {
            let diffs: Vec<f64> = a
                .per_fold
                .iter()
                .zip(&b.per_fold)
                .map(|(x, y)| x.headline(m).unwrap_or(0.0) - y.headline(m).unwrap_or(0.0))
                .collect();
            let paired = stats::nadeau_bengio(&diffs, n_train, n_test);
            let reason = paired.p_value.is_none().then(|| {
                "the corrected t-test needs at least two folds with finite scores".to_owned()
            });
            let bayes =
                stats::bayes_correlated_t(&diffs, n_train, n_test, rope, higher_is_better(m));
            (
                m,
                MetricComparison {
                    diff: paired.diff,
                    ci95: paired.ci95,
                    p_value: paired.p_value,
                    p_adjusted: None,
                    test: TEST_NADEAU_BENGIO,
                    verdict: Verdict::Untested,
                    reason,
                    bayes,
                },
            )
        })
        .collect();
    Comparison {
        metrics,
        mcnemar: mcnemar_per_repeat(a, b),
    }
}

/// One held-out test set: paired tests on the same test documents, units swapped or resampled
/// whole (verdicts come later, from the adjusted p).
fn held_out_comparison(
    a: &Outcomes,
    b: &Outcomes,
    n_topics: usize,
    single_doc_units: bool,
    boot: [Option<[f64; 2]>; 4],
    opts: &StatsOptions,
) -> Comparison {
    let perm = resample::permutation_test(
        &a.cells[0],
        &b.cells[0],
        n_topics,
        opts.permutations,
        purpose_seed(opts.seed, SEED_PERMUTATION),
    );
    let mcnemar = mcnemar_per_repeat(a, b);
    let metrics = HEADLINE
        .iter()
        .enumerate()
        .map(|(i, &m)| {
            let diff = a.per_repeat[0].headline(m).unwrap_or(0.0)
                - b.per_repeat[0].headline(m).unwrap_or(0.0);
            let (p_value, test) = if m == "subset_accuracy" && single_doc_units {
                (
                    stats::mcnemar_midp(mcnemar[0].b, mcnemar[0].c),
                    TEST_MCNEMAR_MIDP,
                )
            } else {
                (perm[i], TEST_RANDOMIZATION)
            };
            (
                m,
                MetricComparison {
                    diff,
                    ci95: boot[i],
                    p_value: Some(p_value),
                    p_adjusted: None,
                    test,
                    verdict: Verdict::Untested,
                    reason: None,
                    bayes: None,
                },
            )
        })
        .collect();
    Comparison { metrics, mcnemar }
}

/// Holm-adjusts each metric's p-values over the contenders and draws every verdict.
fn adjust_and_decide(summaries: &mut [ClassifierSummary], opts: &StatsOptions) {
    for m in HEADLINE {
        let raw: Vec<Option<f64>> = summaries
            .iter()
            .map(|s| s.vs_baseline.as_ref().and_then(|c| c.metrics[m].p_value))
            .collect();
        let adjusted = stats::holm(&raw);
        for (s, adj) in summaries.iter_mut().zip(adjusted) {
            if let Some(c) = s.vs_baseline.as_mut().and_then(|c| c.metrics.get_mut(m)) {
                c.p_adjusted = adj;
                c.verdict =
                    stats::verdict(c.diff, c.ci95, adj, ALPHA, opts.rope, higher_is_better(m));
            }
        }
    }
}

/// The explanation of the baseline: the words with the highest log-probability ratio per topic,
/// and the paragraphs it gets wrong most often.
#[derive(Debug, Clone)]
pub struct Explanation {
    /// Per topic, up to ten (word, log-probability ratio) pairs, highest first.
    pub top_words: Vec<Vec<(String, f64)>>,
    /// (dataset item index, times wrong, predicted topic ids the first time it was wrong).
    pub hardest: Vec<(usize, usize, Vec<usize>)>,
}

/// Per topic, the `n` words with the highest log-probability ratio log P(w | yes) − log P(w | no)
/// (multi-class: the highest log P(w | topic)) in a multinomial naive Bayes — the baseline's
/// model, computed on the sparse matrix — fitted on every item that is on the training side of
/// some fold (all items under cross-validation; the `train` rows with `--split test`). Ties go to
/// the word that sorts first. `tokenized` is the unigram tokenization of `prepared`'s items when
/// there is one.
pub fn top_words(
    ds: &Dataset,
    prepared: &Prepared,
    tokenized: Option<&Tokenized>,
    n: usize,
) -> Vec<Vec<(String, f64)>> {
    let p = prepared;
    let owned;
    let tok = match tokenized {
        Some(t) => t,
        None => {
            let texts: Vec<&str> = p.items.iter().map(|&i| ds.items[i].text.as_str()).collect();
            owned = Tokenized::new(&texts, 1);
            &owned
        }
    };
    let mut in_train = vec![false; p.items.len()];
    for fold in &p.folds {
        for &r in &fold.train {
            in_train[r] = true;
        }
    }
    // One fold: its training rows in its order, so that this is exactly the model that fold's
    // baseline fits (what `run` takes the words from).
    let rows: Vec<usize> = match p.folds.as_slice() {
        [only] => only.train.clone(),
        _ => (0..p.items.len()).filter(|&r| in_train[r]).collect(),
    };
    let vocab = Vocabulary::fit(tok, &rows, FeatureSpec::COUNTS);
    let x = vocab.transform(tok, &rows);
    let y = p.gold.select(Axis(0), &rows);
    let model = classifiers::sparse_nb::SparseMultinomialNb::default().fit_model(
        &x,
        y.view(),
        p.single_label,
    );
    let Some(top) = model.ok().and_then(|m| m.top_features(n)) else {
        return vec![Vec::new(); p.gold.ncols()];
    };
    top_words_of(top, &vocab, tok)
}

/// Per topic, the words of the top (column, weight) pairs, highest weight first.
fn top_words_of(top: Vec<Vec<(usize, f64)>>, vocab: &Vocabulary, tok: &Tokenized) -> TopWords {
    top.into_iter()
        .map(|t| {
            t.into_iter()
                .map(|(c, w)| (vocab.term(tok, c).to_owned(), w))
                .collect()
        })
        .collect()
}

/// Explains the baseline: its top words ([`top_words`]; reused from [`run`] when it computed
/// them), and the paragraphs whose predicted set most often differs from the gold set across
/// repeats.
pub fn explain(ds: &Dataset, run: &EvalRun, baseline: &str, how_many: usize) -> Explanation {
    let p = &run.prepared;
    let top_words = run
        .top_words
        .clone()
        .unwrap_or_else(|| top_words(ds, p, None, TOP_WORDS));

    let mut wrong: Vec<(usize, Option<Vec<usize>>)> = vec![(0, None); p.items.len()];
    if let Some(Ok(runs)) = run
        .runs
        .iter()
        .find(|r| r.name == baseline)
        .map(|r| &r.outcome)
    {
        for fr in runs {
            for (k, &item) in p.folds[fr.fold].test.iter().enumerate() {
                let pred = fr.pred.decisions.row(k);
                if pred != p.gold.row(item) {
                    wrong[item].0 += 1;
                    wrong[item].1.get_or_insert_with(|| {
                        pred.iter()
                            .enumerate()
                            .filter(|&(_, &b)| b)
                            .map(|(t, _)| t)
                            .collect()
                    });
                }
            }
        }
    }
    let mut hardest: Vec<(usize, usize, Vec<usize>)> = wrong
        .into_iter()
        .enumerate()
        .filter(|(_, (n, _))| *n > 0)
        .map(|(item, (n, pred))| (p.items[item], n, pred.unwrap_or_default()))
        .collect();
    hardest.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    hardest.truncate(how_many);
    Explanation { top_words, hardest }
}

/// Fits `classifier` on every body item and predicts `texts` (for `topicbench predict`).
pub fn fit_and_predict(
    ds: &Dataset,
    classifier: &dyn Classifier,
    texts: &[String],
    seed: u64,
) -> Result<Predictions> {
    let prepared_items = ds.body();
    let n_topics = ds.topics.len();
    let mut all: Vec<&str> = prepared_items
        .iter()
        .map(|&i| ds.items[i].text.as_str())
        .collect();
    all.extend(texts.iter().map(String::as_str));
    let spec = classifier.features();
    let tok = Tokenized::new(&all, spec.ngram_max);
    let train: Vec<usize> = (0..prepared_items.len()).collect();
    let new: Vec<usize> = (prepared_items.len()..all.len()).collect();
    let vocab = Vocabulary::fit(&tok, &train, spec);
    let mut y = Array2::from_elem((train.len(), n_topics), false);
    for (r, &i) in prepared_items.iter().enumerate() {
        for &t in &ds.items[i].topics {
            y[[r, t]] = true;
        }
    }
    let single_label = prepared_items
        .iter()
        .all(|&i| ds.items[i].topics.len() == 1);
    let groups: Vec<usize> = prepared_items
        .iter()
        .map(|&i| ds.items[i].group)
        .chain(new.iter().map(|_| usize::MAX))
        .collect();
    let gold = {
        let mut g = Array2::from_elem((all.len(), n_topics), false);
        g.slice_mut(ndarray::s![..train.len(), ..]).assign(&y);
        g
    };
    let view = classifiers::FoldView {
        tokenized: &tok,
        rows: &train,
        groups: &groups,
        gold: gold.view(),
        spec,
    };
    let model = classifier.fit_fold(
        &vocab.transform(&tok, &train),
        y.view(),
        &FitContext { seed, single_label },
        &view,
    )?;
    Ok(model.predict(&vocab.transform(&tok, &new)))
}
