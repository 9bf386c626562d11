//! The whole evaluation as one library call: [`evaluate`] runs what `topicbench eval` runs —
//! plan the folds, fit and predict every built-in and external classifier on them, summarize and
//! compare with the baseline, explain the baseline, and the learning curve — and returns it for
//! the report layer. [`finish`] is the part after the folds, shared with `merge`.

use std::collections::BTreeMap;
use std::time::Instant;

use crate::classifiers::external::ExternalSpec;
use crate::classifiers::{self, Classifier};
use crate::data::dataset::Dataset;
use crate::error::Result;
use crate::eval::learning_curve::{self, LearningCurve};
use crate::eval::{
    ClassifierSummary, EvalRun, Explanation, Prepared, RunOptions, Scheme, StatsOptions, explain,
    prepare, run_tokenized, summarize, tokenize_timed,
};
use crate::features::Tokenized;

/// A checked evaluation setting: everything besides the data. The command line builds it from
/// its flags; a program can build it directly.
pub struct EvalConfig {
    /// How the data are split.
    pub scheme: Scheme,
    /// Seed of the folds, the classifiers' random steps and every resampling.
    pub seed: u64,
    /// The built-in classifiers (the baseline among them for comparisons), tuned ones wrapped in
    /// [`classifiers::Tuned`].
    pub classifiers: Vec<Box<dyn Classifier>>,
    /// External classifier commands.
    pub externals: Vec<ExternalSpec>,
    /// External classifiers' limits and the memory budget of dense copies.
    pub run: RunOptions,
    /// Tests and intervals.
    pub stats: StatsOptions,
    /// Compute the learning curve.
    pub learning_curve: bool,
}

impl EvalConfig {
    /// Every classifier's hyperparameters, checked once before any fold runs.
    pub fn check(&self) -> Result<()> {
        self.classifiers.iter().try_for_each(|c| c.check())
    }
}

/// What an evaluation produced, ready for the report layer.
pub struct Evaluation {
    /// Every prediction of every classifier on every fold.
    pub run: EvalRun,
    /// Scores, intervals and comparisons, one per classifier.
    pub summaries: Vec<ClassifierSummary>,
    /// The baseline's top words and most-missed paragraphs.
    pub explanation: Explanation,
    /// The learning curve, when asked for.
    pub learning_curve: Option<LearningCurve>,
    /// Seconds spent in each stage after loading (`prepare`, `summarize`, `explain`,
    /// `learning_curve`; the fold engine's own stages are in `run.stage_secs`).
    pub stage_secs: BTreeMap<String, f64>,
}

/// Runs the evaluation of `ds` under `config`. `on_fold` is called once per finished fold (for
/// a progress bar); nothing is printed. Fails only before any fit: a hyperparameter out of range
/// or data that cannot be split as asked ([`plan`]); a classifier that fails while fitting is
/// recorded in its summary, and the others still run.
pub fn evaluate(
    ds: &Dataset,
    config: &EvalConfig,
    on_fold: &(dyn Fn() + Sync),
) -> Result<Evaluation> {
    let t = Instant::now();
    let prepared = plan(ds, config)?;
    let prepare_secs = t.elapsed().as_secs_f64();
    let mut evaluation = evaluate_planned(ds, prepared, config, on_fold);
    evaluation
        .stage_secs
        .insert("prepare".to_owned(), prepare_secs);
    Ok(evaluation)
}

/// The checks and the plan of an evaluation, before any fit: the hyperparameters, then the
/// items, gold topics, groups and folds. A caller can fail here before creating anything.
pub fn plan(ds: &Dataset, config: &EvalConfig) -> Result<Prepared> {
    config.check()?;
    prepare(ds, config.scheme, config.seed)
}

/// [`evaluate`] from its [`plan`].
pub fn evaluate_planned(
    ds: &Dataset,
    prepared: Prepared,
    config: &EvalConfig,
    on_fold: &(dyn Fn() + Sync),
) -> Evaluation {
    let (tokenized, tokenize_secs) = tokenize_timed(ds, &prepared, &config.classifiers);
    evaluate_tokenized(ds, prepared, tokenized, tokenize_secs, config, on_fold)
}

/// [`evaluate_planned`] for a caller that no longer needs the texts: once they are tokenized,
/// each text is cut to the excerpt the reports show ([`Dataset::release_texts`]), so a large
/// corpus does not hold its text through the folds. The texts are kept when an external
/// classifier will read them, or when no classifier uses unigrams (the explanation's top words
/// then tokenize the texts themselves). The results are those of [`evaluate_planned`].
pub fn evaluate_planned_releasing_texts(
    ds: &mut Dataset,
    prepared: Prepared,
    config: &EvalConfig,
    on_fold: &(dyn Fn() + Sync),
) -> Evaluation {
    let (tokenized, tokenize_secs) = tokenize_timed(ds, &prepared, &config.classifiers);
    if config.externals.is_empty() && tokenized.contains_key(&1) {
        ds.release_texts();
    }
    evaluate_tokenized(ds, prepared, tokenized, tokenize_secs, config, on_fold)
}

/// The folds and [`finish`], from the texts' tokenization.
fn evaluate_tokenized(
    ds: &Dataset,
    prepared: Prepared,
    tokenized: BTreeMap<usize, Tokenized>,
    tokenize_secs: f64,
    config: &EvalConfig,
    on_fold: &(dyn Fn() + Sync),
) -> Evaluation {
    let run = run_tokenized(
        ds,
        prepared,
        tokenized,
        tokenize_secs,
        &config.classifiers,
        &config.externals,
        &config.run,
        on_fold,
    );
    finish(
        ds,
        run,
        &config.stats,
        config.learning_curve,
        config.run.memory_budget_bytes,
    )
}

/// Everything after the folds: summaries and comparisons with the baseline, the explanation and
/// (when `learning_curve`) the learning curve. `merge` calls it on the assembled shards.
pub fn finish(
    ds: &Dataset,
    run: EvalRun,
    stats: &StatsOptions,
    learning_curve: bool,
    memory_budget_bytes: u64,
) -> Evaluation {
    let baseline = classifiers::BASELINE;
    let mut stage_secs = BTreeMap::new();
    let t = Instant::now();
    let summaries = summarize(&run, baseline, stats);
    stage_secs.insert("summarize".to_owned(), t.elapsed().as_secs_f64());
    let t = Instant::now();
    let explanation = explain(ds, &run, baseline, 10);
    stage_secs.insert("explain".to_owned(), t.elapsed().as_secs_f64());
    let t = Instant::now();
    let curve = learning_curve.then(|| {
        learning_curve::compute(
            ds,
            &run,
            &summaries,
            baseline,
            stats.seed,
            memory_budget_bytes,
        )
    });
    if curve.is_some() {
        stage_secs.insert("learning_curve".to_owned(), t.elapsed().as_secs_f64());
    }
    Evaluation {
        run,
        summaries,
        explanation,
        learning_curve: curve,
        stage_secs,
    }
}
