//! The raw command line: clap's definitions of every subcommand and flag, the parsers of their
//! values, and the conversions of flag groups into the library's settings (`CorpusArgs::source`,
//! `StatsArgs::options`, `TuneArgs::apply`, ...).

#![allow(missing_docs)]

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use topicbench::classifiers;
use topicbench::data::groups::DEFAULT_THRESHOLD;
use topicbench::eval;

/// topicbench: topic-classification benchmark and evaluation harness.
#[derive(Debug, Parser)]
#[command(name = "topicbench", version, about)]
pub struct Cli {
    /// Project root holding data/, labels/ and reports/.
    #[arg(long, global = true, default_value = ".")]
    pub root: PathBuf,
    /// Jaccard threshold (word 3-shingles) at or above which paragraphs are near-duplicates.
    #[arg(long, global = true, default_value_t = DEFAULT_THRESHOLD, value_parser = parse_threshold)]
    pub near_dup: f64,
    /// How near-duplicate pairs of a --corpus CSV are found: exact (all pairs), minhash
    /// (MinHash/LSH candidates, each verified; near-linear) or auto (exact below 20,000
    /// documents).
    #[arg(long, global = true, default_value = "auto")]
    pub near_dup_method: topicbench::data::groups::Method,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate data/ and labels/ (print every problem as path:line: message), or a --corpus
    /// file (without evaluating it).
    Check(CorpusArgs),
    /// Print the labelled paragraphs (or a --corpus file's documents) as JSON Lines.
    Dataset(CorpusArgs),
    /// Print corpus statistics: kinds, topics, co-occurrence, cardinality, near-duplicate groups.
    Stats(CorpusArgs),
    /// Cross-validate every classifier on the same folds and write reports/.
    Eval(EvalArgs),
    /// Predict topics for paragraphs (one per line, from a file or stdin) with the baseline
    /// trained on every labelled body paragraph.
    Predict(PredictArgs),
    /// List the built-in classifiers.
    Classifiers,
    /// Combine the shard files of `eval --shard i/n` runs into one report.
    Merge(MergeArgs),
    /// Copy a new article (UTF-8 text, one paragraph per line) into data/articles/ under a
    /// normalized name and list its paragraphs.
    Ingest(IngestArgs),
    /// Label the paragraphs that have no row (or a changed one) in labels/paragraphs.csv, or in
    /// labels/annotators/<name>.csv with --annotator; saves after every answer.
    Label(LabelArgs),
    /// Agreement between annotators (labels/annotators/<name>.csv): Cohen's kappa and the
    /// disagreements for each pair, and Krippendorff's alpha for the group.
    Agree(AgreeArgs),
    /// List stored runs, or compare two of them.
    Report(ReportArgs),
    /// Run several corpora as `eval` would (a suite file, TOML) and rank the classifiers across
    /// them: Friedman test, Holm against the baseline, Nemenyi critical difference.
    Suite(SuiteArgs),
}

/// `suite` options.
#[derive(Debug, clap::Args)]
pub struct SuiteArgs {
    /// The suite file (see suites/default.toml).
    pub file: PathBuf,
    /// The leaderboard's metric (default: the suite file's, else macro_f1).
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(topicbench::eval::suite::METRICS))]
    pub metric: Option<String>,
    /// Where to write the leaderboard and the corpora's reports (default: the suite file's
    /// `out`, else <root>/reports/suite).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// `label` options.
#[derive(Debug, clap::Args)]
pub struct LabelArgs {
    /// Who is labelling: writes labels/annotators/<NAME>.csv instead of labels/paragraphs.csv
    /// (lowercase letters, digits, `_` and `-`).
    #[arg(long, value_parser = parse_annotator)]
    pub annotator: Option<String>,
}

/// `agree` options.
#[derive(Debug, clap::Args)]
pub struct AgreeArgs {
    /// Annotator names: two to compare just them, more to compare them all, none for every
    /// annotator file.
    #[arg(value_parser = parse_annotator)]
    pub annotators: Vec<String>,
}

fn parse_annotator(s: &str) -> std::result::Result<String, String> {
    topicbench::data::labels::check_annotator_name(s).map(|_| s.to_owned())
}

/// `ingest` options.
#[derive(Debug, clap::Args)]
pub struct IngestArgs {
    /// The article's text file.
    pub file: PathBuf,
}

/// `report` options.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// The reports folder holding `runs/` and `latest.json` (default: <root>/reports; e.g.
    /// reports/corpora/<stem> for a --corpus run).
    #[arg(long, global = true, visible_alias = "out")]
    pub dir: Option<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: ReportCommand,
}

/// `report` subcommands.
#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// List the stored runs: date, commit, corpus, baseline macro-F1 and the best contender.
    List,
    /// Compare two runs: metric deltas (B − A) per classifier and per topic, flagged (*) where
    /// |Δ| exceeds the larger of the two runs' 95% interval half-widths.
    Diff {
        /// Run A: a run folder name under <dir>/runs (or a unique prefix), a run folder, a
        /// report JSON file, or `latest`.
        a: String,
        /// Run B, the same way.
        b: String,
    },
}

/// `merge` options.
#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// Folders (or files) holding shard-<i>-of-<n>.json files.
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
    /// The corpus file the shards ran on (omit for the article corpus).
    #[command(flatten)]
    pub source: CorpusArgs,
    /// Where to write the report (default: as `eval` would).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Learning curve on or off (see `eval --learning-curve`).
    #[command(flatten)]
    pub curve: CurveArgs,
    /// Tests and intervals (see `eval`).
    #[command(flatten)]
    pub stats: StatsArgs,
}

/// Cross-validation scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CvArg {
    /// Repeated k-fold over near-duplicate groups, stratified over topics.
    Kfold,
    /// Leave one article out.
    Article,
}

/// Fixed split to score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SplitArg {
    /// Train on the `train` rows, score the `test` rows.
    Test,
}

/// `eval` options.
#[derive(Debug, clap::Args)]
pub struct EvalArgs {
    /// Folds per repeat (at least 2; default 5). Only for `--cv kfold`.
    #[arg(long, value_parser = clap::value_parser!(u32).range(2..))]
    pub folds: Option<u32>,
    /// Repeats of the k-fold split (at least 1; default 10). Only for `--cv kfold`.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub repeats: Option<u32>,
    /// Seed for the splits and any random step.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Cross-validation scheme (default kfold). Not with `--split test`.
    #[arg(long, value_enum)]
    pub cv: Option<CvArg>,
    /// Comma-separated classifier names (default: all built-in ones; see `classifiers`).
    #[arg(long, value_delimiter = ',')]
    pub classifiers: Vec<String>,
    /// Where to write reports (default: <root>/reports).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// The corpus: data/ and labels/, or a --corpus file.
    #[command(flatten)]
    pub source: CorpusArgs,
    /// `test`: train on the corpus's `train` rows and score its `test` rows (needs --corpus with
    /// a split column, or --test-corpus), instead of cross-validating.
    #[arg(long, value_enum)]
    pub split: Option<SplitArg>,
    /// An external classifier, NAME='COMMAND' (repeatable): COMMAND is run once with `sh -c`
    /// and speaks JSON Lines on stdin/stdout (see README).
    #[arg(long = "classifier-cmd", value_name = "NAME=COMMAND")]
    pub classifier_cmd: Vec<topicbench::classifiers::external::ExternalSpec>,
    /// Seconds an external classifier may take to answer one fold.
    #[arg(long = "classifier-timeout", default_value_t = 120.0, value_parser = parse_positive_limit)]
    pub classifier_timeout: f64,
    /// Longest response line an external classifier may send, in MiB.
    #[arg(long = "classifier-max-output", default_value_t = 256.0, value_parser = parse_positive_limit)]
    pub classifier_max_output: f64,
    /// Run only shard i of n of the (classifier, fold) work and write its results to
    /// <out>/shard-<i>-of-<n>.json; combine them with `merge`. `auto`: i from
    /// SLURM_ARRAY_TASK_ID (Slurm job array) or JOB_COMPLETION_INDEX (Kubernetes Indexed Job), n
    /// from --shard-count, TOPICBENCH_SHARD_COUNT or SLURM_ARRAY_TASK_COUNT.
    #[arg(long, value_name = "i/n", value_parser = topicbench::eval::shard::parse_shard_arg)]
    pub shard: Option<topicbench::eval::shard::ShardArg>,
    /// The shard count n for `--shard auto` (overrides TOPICBENCH_SHARD_COUNT).
    #[arg(long, value_name = "n", requires = "shard", value_parser = clap::value_parser!(u32).range(1..))]
    pub shard_count: Option<u32>,
    /// Worker threads, 1 to 1024 (default: all cores). Results do not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub threads: Option<u32>,
    /// Memory budget of dense copies.
    #[command(flatten)]
    pub budget: BudgetArgs,
    /// Learning curve on or off.
    #[command(flatten)]
    pub curve: CurveArgs,
    /// Tests and intervals.
    #[command(flatten)]
    pub stats: StatsArgs,
    /// Tuning by nested cross-validation.
    #[command(flatten)]
    pub tune: TuneArgs,
}

/// Whether contenders are tuned by nested cross-validation (`eval`, `predict`).
#[derive(Debug, clap::Args)]
pub struct TuneArgs {
    /// Tune every contender that has a grid (C for the linear models, alpha for the naive Bayes
    /// family) by inner grouped, stratified 3-fold cross-validation inside each training fold.
    /// Default: on for corpora of up to 5,000 evaluated documents (the shipped corpus), off
    /// above, where it multiplies the fitting work by about 3 × the grid size.
    #[arg(long, overrides_with = "no_tune")]
    pub tune: bool,
    /// Fit every classifier at its fixed default setting.
    #[arg(long, overrides_with = "tune")]
    pub no_tune: bool,
    /// Tune the baseline too (by default it stays at its fixed setting: it is the reference).
    #[arg(long)]
    pub tune_baseline: bool,
}

/// Above this many evaluated documents tuning is off unless `--tune` asks for it.
pub const TUNE_AUTO_MAX_DOCS: usize = 5_000;

impl TuneArgs {
    /// Is tuning on for a run over `docs` documents?
    pub(crate) fn wanted(&self, docs: usize) -> bool {
        if self.tune || self.no_tune {
            self.tune
        } else {
            docs <= TUNE_AUTO_MAX_DOCS
        }
    }

    /// Wraps the classifiers that have a grid in [`classifiers::Tuned`] when tuning is on (the
    /// baseline only with `--tune-baseline`).
    pub(crate) fn apply(
        &self,
        list: Vec<Box<dyn classifiers::Classifier>>,
        docs: usize,
    ) -> Vec<Box<dyn classifiers::Classifier>> {
        if !self.wanted(docs) {
            return list;
        }
        classifiers::tune_all(list, self.tune_baseline)
    }
}

/// The settings of the comparisons and intervals, shared by `eval` and `merge`.
#[derive(Debug, clap::Args)]
pub struct StatsArgs {
    /// Half-width of the region of practical equivalence: a comparison whose 95% interval lies
    /// within ±ROPE (and is not significant) is `equivalent`; the Bayesian probabilities use it.
    #[arg(long, default_value_t = eval::DEFAULT_ROPE, value_parser = parse_rope)]
    pub rope: f64,
    /// Rounds of the approximate-randomization test on a held-out split (at least 100).
    #[arg(long, default_value_t = eval::DEFAULT_PERMUTATIONS as u32, value_parser = clap::value_parser!(u32).range(100..=10_000_000))]
    pub permutations: u32,
    /// Rounds of every bootstrap interval (at least 100).
    #[arg(long, default_value_t = eval::DEFAULT_BOOTSTRAP as u32, value_parser = clap::value_parser!(u32).range(100..=10_000_000))]
    pub bootstrap: u32,
}

impl StatsArgs {
    pub(crate) fn options(&self, seed: u64) -> eval::StatsOptions {
        eval::StatsOptions {
            seed,
            rope: self.rope,
            permutations: self.permutations as usize,
            bootstrap: self.bootstrap as usize,
        }
    }
}

fn parse_rope(s: &str) -> std::result::Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if (0.0..=1.0).contains(&v) => Ok(v),
        _ => Err(format!(
            "`{s}` is not a number in [0, 1]: give a half-width such as 0.01"
        )),
    }
}

/// A corpus file's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FormatArg {
    /// Comma-separated values with a header row.
    Csv,
    /// JSON Lines: one object per line.
    Jsonl,
    /// Apache Parquet (uncompressed or snappy).
    Parquet,
}

/// A user's corpus file and where its fields are: `--corpus` and the flags that go with it,
/// shared by `check`, `dataset`, `stats`, `eval`, `predict` and `merge`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct CorpusArgs {
    /// A corpus file instead of data/ and labels/: CSV, JSON Lines or Parquet with a text and a
    /// labels column (optionally id and split; see README).
    #[arg(long, value_name = "FILE")]
    pub corpus: Option<PathBuf>,
    /// A second file of the same kind whose rows are all test rows (as Hugging Face ships train
    /// and test): the same as a `split` column.
    #[arg(long, value_name = "FILE", requires = "corpus")]
    pub test_corpus: Option<PathBuf>,
    /// The corpus files' format (default: from the extension; .jsonl and .ndjson are JSON Lines,
    /// .parquet is Parquet, anything else CSV).
    #[arg(long, value_enum, requires = "corpus")]
    pub format: Option<FormatArg>,
    /// The column (or JSON field) holding the text (default: `text`).
    #[arg(long, value_name = "NAME", requires = "corpus")]
    pub text_column: Option<String>,
    /// The column holding the labels (default: `labels`, else `label`).
    #[arg(long, value_name = "NAME", requires = "corpus")]
    pub labels_column: Option<String>,
    /// The column holding unique ids (default: `id` if there is one; otherwise the 1-based row
    /// number is the id).
    #[arg(long, value_name = "NAME", requires = "corpus")]
    pub id_column: Option<String>,
    /// The column holding `train`/`test` (default: `split` if there is one).
    #[arg(long, value_name = "NAME", requires = "corpus")]
    pub split_column: Option<String>,
}

impl CorpusArgs {
    /// The corpus file, if one was given.
    pub(crate) fn path(&self) -> Option<&std::path::Path> {
        self.corpus.as_deref()
    }

    /// The library's description of the corpus to load, if a file was given.
    pub(crate) fn source(&self) -> Option<topicbench::data::corpus_file::Source> {
        use topicbench::data::corpus_file::{Columns, Format, Source};
        Some(Source {
            path: self.corpus.clone()?,
            format: self.format.map(|f| match f {
                FormatArg::Csv => Format::Csv,
                FormatArg::Jsonl => Format::Jsonl,
                FormatArg::Parquet => Format::Parquet,
            }),
            columns: Columns {
                text: self.text_column.clone(),
                labels: self.labels_column.clone(),
                id: self.id_column.clone(),
                split: self.split_column.clone(),
            },
            test: self.test_corpus.clone(),
        })
    }
}

/// Whether to compute the learning curve: 10 training shares × every fold × the baseline and the
/// best contender, about 5.5 extra fits of each per fold.
#[derive(Debug, clap::Args)]
pub struct CurveArgs {
    /// Compute the learning curve (the default for the article corpus; off for a --corpus CSV,
    /// where it would multiply the fitting work).
    #[arg(long, overrides_with = "no_learning_curve")]
    pub learning_curve: bool,
    /// Skip the learning curve.
    #[arg(long, overrides_with = "learning_curve")]
    pub no_learning_curve: bool,
}

impl CurveArgs {
    /// On unless switched off; for a `--corpus` CSV, off unless switched on.
    pub(crate) fn wanted(&self, corpus: Option<&std::path::Path>) -> bool {
        if corpus.is_some() {
            self.learning_curve
        } else {
            !self.no_learning_curve
        }
    }
}

/// `predict` options.
#[derive(Debug, clap::Args)]
pub struct PredictArgs {
    /// File with one paragraph per line (default: standard input).
    pub input: Option<PathBuf>,
    /// Classifier to train (default: the baseline).
    #[arg(long, default_value = topicbench::classifiers::BASELINE)]
    pub classifier: String,
    /// The corpus to train on: data/ and labels/, or a --corpus file's training rows.
    #[command(flatten)]
    pub source: CorpusArgs,
    /// Memory budget of dense copies.
    #[command(flatten)]
    pub budget: BudgetArgs,
    /// Tuning by nested cross-validation (as for `eval`).
    #[command(flatten)]
    pub tune: TuneArgs,
}

/// `--memory-budget`, shared by `eval` and `predict`.
#[derive(Debug, clap::Args)]
pub struct BudgetArgs {
    /// Largest dense copy of the training data the baseline (linfa-bayes) may make, in MiB:
    /// above it multinomial_nb runs on its sparse equivalent, with the same predictions (the
    /// report says so). Every other built-in works on the sparse matrix and ignores it.
    #[arg(
        long = "memory-budget",
        value_name = "MiB",
        default_value_t = (classifiers::DEFAULT_MEMORY_BUDGET_BYTES >> 20) as f64,
        value_parser = parse_positive_limit
    )]
    pub memory_budget: f64,
}

impl BudgetArgs {
    /// The budget in bytes (at least one).
    pub(crate) fn bytes(&self) -> u64 {
        ((self.memory_budget * 1048576.0).round() as u64).max(1)
    }
}

fn parse_threshold(s: &str) -> std::result::Result<f64, String> {
    let v: f64 = s
        .parse()
        .map_err(|_| format!("`{s}` is not a number: give a value in (0, 1]"))?;
    if v > 0.0 && v <= 1.0 {
        Ok(v)
    } else {
        Err(format!(
            "{v} is outside (0, 1]: give a Jaccard threshold such as 0.3"
        ))
    }
}

/// The largest `--classifier-timeout` (seconds, about 31 years), `--classifier-max-output` or
/// `--memory-budget` (MiB): larger values would overflow a `Duration` or a byte count.
const MAX_LIMIT: f64 = 1e9;

fn parse_positive_limit(s: &str) -> std::result::Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v > MAX_LIMIT && v.is_finite() => Err(format!(
            "`{s}` is too large: give a value up to {MAX_LIMIT:.0}"
        )),
        Ok(v) if v > 0.0 && v.is_finite() => Ok(v),
        _ => Err(format!("`{s}` is not a positive number")),
    }
}
