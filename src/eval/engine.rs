//! The fold engine: tokenize once (the unigrams taken from the bigram tokenization when both
//! are needed), then for every fold build the training vocabulary and matrices and fit and
//! predict every classifier (built-in or external), results kept in fold order ([`run`],
//! [`run_units`] for shards, [`assemble`] for merge).

#[allow(unused_imports)]
use super::*;

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
    let (tokenized, tokenize_secs) = tokenize_timed(ds, &prepared, classifiers);
    run_tokenized(
        ds,
        prepared,
        tokenized,
        tokenize_secs,
        classifiers,
        external,
        opts,
        on_fold,
    )
}

/// [`run`] from [`tokenize`]'s result (and the seconds it took). The built-in classifiers and
/// the explanation's top words read only `tokenized`; `ds`'s texts are read only by external
/// classifiers, and, when no classifier uses unigrams, for the top words.
#[allow(clippy::too_many_arguments)]
pub fn run_tokenized(
    ds: &Dataset,
    prepared: Prepared,
    tokenized: BTreeMap<usize, Tokenized>,
    tokenize_secs: f64,
    classifiers: &[Box<dyn Classifier>],
    external: &[ExternalSpec],
    opts: &RunOptions,
    on_fold: &(dyn Fn() + Sync),
) -> EvalRun {
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

/// A fitted model and its seconds to fit, or why it failed.
type FitResult = std::result::Result<(Box<dyn Fitted>, f64), String>;

/// Above this many bytes of one fold's matrices (12 a non-zero, training and test rows together),
/// folds run one after the other rather than in parallel.
pub const FOLDS_IN_PARALLEL_MAX_BYTES: usize = 64 << 20;

/// Up to this many bytes of the largest tokenization's matrix (12 a non-zero, every document),
/// the folds stage asks the allocator to keep what it frees for reuse ([`set_retain_freed_hook`]).
pub const RETAIN_FREED_MAX_BYTES: usize = 256 << 20;

/// Called with `true` when the folds stage starts on a corpus under [`RETAIN_FREED_MAX_BYTES`]
/// and with `false` when it ends: set by the binary (its allocator hands freed memory back to
/// the system after 5 ms; within the folds, where one classifier's buffers are freed just before
/// the next one's are made, it keeps them for reuse instead of faulting fresh pages in). The
/// library allocates the same either way; only speed and peak memory move.
static RETAIN_FREED_HOOK: std::sync::OnceLock<fn(bool)> = std::sync::OnceLock::new();

/// Sets the hook [`run_units`] calls around the folds stage (once; later calls are ignored).
pub fn set_retain_freed_hook(hook: fn(bool)) {
    let _ = RETAIN_FREED_HOOK.set(hook);
}

/// Calls the hook (if one is set) with `true` now, when `on`, and with `false` when dropped.
struct RetainFreed(Option<fn(bool)>);

impl RetainFreed {
    fn start(on: bool) -> RetainFreed {
        let hook = RETAIN_FREED_HOOK.get().copied().filter(|_| on);
        if let Some(hook) = hook {
            hook(true);
        }
        RetainFreed(hook)
    }
}

impl Drop for RetainFreed {
    fn drop(&mut self) {
        if let Some(hook) = self.0 {
            hook(false);
        }
    }
}

/// Words listed per topic by [`explain`].
pub const TOP_WORDS: usize = 10;

/// Tokenizes the evaluated items for each n-gram setting the classifiers ask for, reading the
/// texts once: unigrams come from the bigram tokenization when both are asked for.
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
    // Unigrams come from the bigram tokenization when there is one (the same terms and counts).
    let mut out = BTreeMap::new();
    for &n in ngrams.iter().rev() {
        let tok = match out.get(&2) {
            Some(bigrams) if n == 1 => Tokenized::unigrams(bigrams),
            _ => Tokenized::new(&texts, n),
        };
        out.insert(n, tok);
    }
    out
}

/// [`tokenize`] and the seconds it took.
pub fn tokenize_timed(
    ds: &Dataset,
    prepared: &Prepared,
    classifiers: &[Box<dyn Classifier>],
) -> (BTreeMap<usize, Tokenized>, f64) {
    let t = Instant::now();
    let tokenized = tokenize(ds, prepared, classifiers);
    (tokenized, t.elapsed().as_secs_f64())
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
    let matrix_bytes = tokenized.values().map(Tokenized::nnz).max().unwrap_or(0)
        * (std::mem::size_of::<u32>() + std::mem::size_of::<f64>());
    let retaining = RetainFreed::start(matrix_bytes <= RETAIN_FREED_MAX_BYTES);
    let run_fold = |(f, fold): (usize, &Fold)| -> Vec<Unit> {
        let y_train = prepared.gold.select(Axis(0), &fold.train);
        let mine: Vec<usize> = (0..classifiers.len())
            .filter(|ci| shard.has(ci * n_folds + f))
            .collect();
        // One feature setting at a time, in order of first use: its training matrix lives while
        // the classifiers that share it fit, its test matrix only once they have all fitted.
        let mut specs: Vec<FeatureSpec> = Vec::new();
        for &ci in &mine {
            let spec = classifiers[ci].features();
            if !specs.contains(&spec) {
                specs.push(spec);
            }
        }
        let mut units: Vec<Unit> = Vec::with_capacity(mine.len());
        for spec in specs {
            let tok = &tokenized[&spec.ngram_max];
            let vocab = Vocabulary::fit(tok, &fold.train, spec);
            let x_train = vocab.transform(tok, &fold.train);
            let view = classifiers::FoldView {
                tokenized: tok,
                rows: &fold.train,
                groups: &prepared.group_of,
                gold: prepared.gold.view(),
                spec,
            };
            let ctx = FitContext {
                seed: fold_seed(seed, fold),
                single_label: prepared.single_label,
                memory_budget_bytes: opts.memory_budget_bytes,
            };
            let fitted: Vec<(usize, FitResult)> = mine
                .iter()
                .filter(|&&ci| classifiers[ci].features() == spec)
                .map(|&ci| {
                    let t = Instant::now();
                    let model = classifiers[ci]
                        .fit_fold(&x_train, y_train.view(), &ctx, &view)
                        .map_err(|e| format!("fold {}: {e}", fold.name()));
                    (ci, model.map(|m| (m, t.elapsed().as_secs_f64())))
                })
                .collect();
            drop(x_train);
            let x_test = vocab.transform(tok, &fold.test);
            for (ci, model) in fitted {
                let result = model.and_then(|(model, fit_secs)| {
                    // The observer (top words) reads the model while it predicts.
                    let ((), (pred, predict_secs)) = rayon::join(
                        || on_fit(ci, f, model.as_ref(), &vocab, tok),
                        || {
                            let t = Instant::now();
                            let pred = model.predict(&x_test);
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
                units.push(Unit {
                    classifier: ci,
                    fold: f,
                    result,
                });
            }
        }
        on_fold();
        units
    };
    // Folds run in parallel while their matrices are small; above that, one at a time (the
    // matrices are built, fitted and predicted in parallel inside the fold), so that a large
    // corpus holds one fold's training matrix, not one per thread.
    let per_fold: Vec<Vec<Unit>> = if matrix_bytes <= FOLDS_IN_PARALLEL_MAX_BYTES {
        prepared
            .folds
            .par_iter()
            .enumerate()
            .map(run_fold)
            .collect()
    } else {
        prepared.folds.iter().enumerate().map(run_fold).collect()
    };
    drop(retaining);
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
    /// The largest dense copy a built-in classifier's fit may make ([`FitContext`]).
    pub memory_budget_bytes: u64,
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

#[cfg(test)]
mod tests {
    use super::*;

    thread_local! {
        /// What the hook was called with on this thread (other tests' runs record on theirs).
        static CALLS: std::cell::RefCell<Vec<bool>> = const { std::cell::RefCell::new(Vec::new()) };
    }

    fn record(on: bool) {
        CALLS.with(|c| c.borrow_mut().push(on));
    }

    /// The hook is called on when the guard starts and off when it drops, and not at all when
    /// the guard starts off (a corpus over the limit; tests/eval.rs checks a run's folds).
    #[test]
    fn the_retain_freed_hook_brackets_the_folds_of_small_corpora() {
        set_retain_freed_hook(record);
        let calls = || CALLS.with(|c| c.borrow().clone());
        {
            let _on = RetainFreed::start(true);
            assert_eq!(calls(), [true]);
        }
        assert_eq!(calls(), [true, false]);
        drop(RetainFreed::start(false));
        assert_eq!(calls(), [true, false]);
    }
}
