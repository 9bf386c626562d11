//! The command line: clap definitions (parse), checks on the values (validate), and dispatch to
//! the library (build and run). Every subcommand's work lives in the library; this file only
//! wires arguments to it and prints. `main.rs` maps the returned error to an exit code.

use std::io::Write;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::check;
use crate::classifiers;
use crate::dataset::Project;
use crate::error::{Error, Result};
use crate::eval;
use crate::groups::DEFAULT_THRESHOLD;
use crate::report;

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
    pub near_dup_method: crate::groups::Method,
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
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(crate::suite::METRICS))]
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
    crate::labels::check_annotator_name(s).map(|_| s.to_owned())
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
    pub classifier_cmd: Vec<crate::external::ExternalSpec>,
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
    #[arg(long, value_name = "i/n", value_parser = crate::shard::parse_shard_arg)]
    pub shard: Option<crate::shard::ShardArg>,
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
    fn wanted(&self, docs: usize) -> bool {
        if self.tune || self.no_tune {
            self.tune
        } else {
            docs <= TUNE_AUTO_MAX_DOCS
        }
    }

    /// Wraps the classifiers that have a grid in [`classifiers::Tuned`] when tuning is on (the
    /// baseline only with `--tune-baseline`).
    fn apply(
        &self,
        list: Vec<Box<dyn classifiers::Classifier>>,
        docs: usize,
    ) -> Vec<Box<dyn classifiers::Classifier>> {
        if !self.wanted(docs) {
            return list;
        }
        list.into_iter()
            .map(|c| {
                if c.name() == classifiers::BASELINE && !self.tune_baseline {
                    return c;
                }
                if c.grid().is_empty() {
                    return c;
                }
                classifiers::Tuned::new(c)
                    .map(|t| Box::new(t) as Box<dyn classifiers::Classifier>)
                    .unwrap_or_else(|| unreachable!("a classifier with a grid can be tuned"))
            })
            .collect()
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
    fn options(&self, seed: u64) -> eval::StatsOptions {
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
    fn path(&self) -> Option<&std::path::Path> {
        self.corpus.as_deref()
    }

    /// The library's description of the corpus to load, if a file was given.
    fn source(&self) -> Option<crate::corpus_file::Source> {
        use crate::corpus_file::{Columns, Format, Source};
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
    fn wanted(&self, corpus: Option<&std::path::Path>) -> bool {
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
    #[arg(long, default_value = crate::classifiers::BASELINE)]
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
    /// Largest dense copy of the training data a linfa classifier may make, in MiB: above it
    /// multinomial_nb runs on its sparse equivalent (the report says so) and bernoulli_nb,
    /// logistic_regression and linear_svm refuse.
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
    fn bytes(&self) -> u64 {
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

fn project(cli: &Cli) -> Project {
    // "." becomes the empty path so that messages say `labels/x.csv`, not `./labels/x.csv`.
    if cli.root == std::path::Path::new(".") {
        Project::new("")
    } else {
        Project::new(&cli.root)
    }
}

/// Writes `text` and a newline to stderr. A closed or failing stderr (`2>&1 | head`) is
/// ignored: there is nowhere left to report it, and `eprintln!` would panic.
pub fn err_line(text: &str) {
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "{text}").and_then(|_| stderr.flush());
}

fn out(text: &str) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|_| stdout.flush())
    {
        // A closed pipe (`| head`) is not an error worth reporting.
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Error::io("<stdout>", "cannot write", e))
        }
        _ => Ok(()),
    }
}

/// Runs a parsed command line. Returns the process exit status for commands that report
/// findings (`check`); failures are errors.
pub fn run(cli: Cli) -> Result<i32> {
    let project = project(&cli);
    match cli.command {
        Command::Check(ref source) if source.corpus.is_some() => cmd_check_corpus(&cli, source),
        Command::Check(_) => {
            let (diags, ds) = check::check_project(&project, cli.near_dup);
            for d in &diags.0 {
                err_line(&d.to_string());
            }
            let errors = diags.errors();
            let warnings = diags.0.len() - errors;
            match ds {
                Some(ds) if errors == 0 => {
                    let body = ds.body().len();
                    out(&format!(
                        "ok: {} paragraphs in {} articles ({body} body), {} topics, {} near-duplicate groups; {warnings} warning(s)\n",
                        ds.items.len(),
                        ds.items
                            .iter()
                            .map(|i| &i.doc)
                            .collect::<std::collections::BTreeSet<_>>()
                            .len(),
                        ds.topics.len(),
                        ds.multi_groups().len(),
                    ))?;
                    Ok(0)
                }
                _ => {
                    err_line(&format!(
                        "check failed: {errors} error(s), {warnings} warning(s)"
                    ));
                    Ok(1)
                }
            }
        }
        Command::Dataset(ref source) => {
            let ds = load_corpus(&cli, &project, source, None)?;
            out(&report::corpus::dataset_jsonl(&ds))?;
            Ok(0)
        }
        Command::Stats(ref source) => {
            let ds = load_corpus(&cli, &project, source, None)?;
            out(&report::corpus::stats_text(&ds))?;
            Ok(0)
        }
        Command::Classifiers => {
            let w = classifiers::REGISTRY
                .iter()
                .map(|e| e.name.len())
                .max()
                .unwrap_or(0);
            let mut s = String::new();
            for e in classifiers::REGISTRY {
                let c = (e.make)();
                let mark = if e.name == classifiers::BASELINE {
                    "*"
                } else {
                    " "
                };
                s.push_str(&format!("{mark} {:<w$}  {}\n", e.name, c.describe()));
            }
            s.push_str("(* = the baseline)\n");
            out(&s)?;
            Ok(0)
        }
        Command::Eval(ref args) => cmd_eval(&cli, &project, args),
        Command::Predict(ref args) => cmd_predict(&cli, &project, args),
        Command::Merge(ref args) => cmd_merge(&cli, &project, args),
        Command::Agree(ref args) => cmd_agree(&project, args),
        Command::Label(ref args) => {
            let mut session = crate::label::Session::open(&project, args.annotator.as_deref())?;
            let ending = crate::terminal::run(&mut session)?;
            let interrupted = ending == crate::terminal::Ending::Interrupted;
            let mut s = String::new();
            if interrupted {
                s.push_str(
                    "interrupted: the answer in progress was not saved; every earlier one was\n",
                );
            }
            s.push_str(&session.summary());
            out(&s)?;
            // 128 + SIGINT, as a shell reports a process stopped by Ctrl-C.
            Ok(if interrupted { 130 } else { 0 })
        }
        Command::Ingest(ref args) => {
            let ingested = crate::ingest::ingest(&project, &args.file)?;
            let mut s = format!(
                "{}: {} paragraph(s)\n",
                ingested.path.display(),
                ingested.paragraphs.len()
            );
            let w = ingested
                .paragraphs
                .iter()
                .map(|p| p.id.len())
                .max()
                .unwrap_or(0);
            for p in &ingested.paragraphs {
                s.push_str(&format!(
                    "  {:<w$}  {}\n",
                    p.id,
                    crate::corpus::excerpt(&p.text, 70)
                ));
            }
            s.push_str("next: label them with `topicbench label` (or `topicbench label --annotator NAME`)\n");
            out(&s)?;
            Ok(0)
        }
        Command::Report(ref args) => cmd_report(&project, args),
        Command::Suite(ref args) => cmd_suite(&cli, &project, args),
    }
}

/// `suite`: each corpus through `cmd_eval` (its `eval` arguments built by `suite::Suite`), its
/// report read back, then the leaderboard. Returns `eval`'s status when a classifier failed.
fn cmd_suite(cli: &Cli, project: &Project, args: &SuiteArgs) -> Result<i32> {
    let suite = crate::suite::load(&args.file, args.metric.as_deref())?;
    let dir = args
        .out
        .clone()
        .or_else(|| suite.file.out.as_ref().map(|o| project.root.join(o)))
        .unwrap_or_else(|| project.reports_dir().join("suite"));
    crate::fsutil::ensure_writable_dir(&dir)?;
    let (mut results, mut skipped, mut status) = (Vec::new(), Vec::new(), 0);
    for (i, name) in suite.names.iter().enumerate() {
        let entry = &suite.file.corpora[i];
        let paths = [&entry.file, &entry.test_file];
        let absent = paths
            .into_iter()
            .flatten()
            .map(|f| project.root.join(f))
            .find(|p| !p.exists());
        if let Some(p) = absent.as_ref() {
            if !entry.optional {
                return Err(Error::input(
                    &suite.path,
                    0,
                    format!(
                        "corpus `{name}`: {} does not exist: fix `file`, or mark the corpus `optional = true` to skip it when absent",
                        p.display()
                    ),
                ));
            }
            let why = format!("{} is absent", p.display());
            err_line(&format!("suite: skipping corpus `{name}`: {why}"));
            skipped.push((name.clone(), why));
            continue;
        }
        let corpus_dir = dir.join("corpora").join(name);
        let argv = suite.eval_args(i, &project.root, &corpus_dir);
        out(&format!(
            "== corpus `{name}`: topicbench eval {}\n",
            argv.join(" ")
        ))?;
        let parsed = Cli::try_parse_from(
            ["topicbench".to_owned(), "eval".to_owned()]
                .into_iter()
                .chain(argv),
        )
        .map_err(|e| {
            let text = e.to_string();
            let first = text.lines().next().unwrap_or_default();
            Error::input(
                &suite.path,
                0,
                format!(
                    "corpus `{name}`: {}: the suite's settings become `eval` flags (see `topicbench eval --help`)",
                    first.trim_start_matches("error: ")
                ),
            )
        })?;
        let Command::Eval(eval_args) = parsed.command else {
            return Err(Error::Usage("suite: not an eval command".into()));
        };
        let code = cmd_eval(cli, project, &eval_args).inspect_err(|_| {
            err_line(&format!(
                "suite: corpus `{name}` ({}) could not be evaluated:",
                suite.path.display()
            ));
        })?;
        status = status.max(code);
        let report_path = corpus_dir.join("latest.json");
        let report: serde_json::Value =
            serde_json::from_slice(&crate::error::read_file(&report_path)?).map_err(|e| {
                Error::input(&report_path, e.line(), format!("not an eval report: {e}"))
            })?;
        results.push(crate::suite::corpus_result(
            name,
            &corpus_dir,
            &report,
            &suite.metric,
        )?);
    }
    if results.is_empty() {
        return Err(Error::input(
            &suite.path,
            0,
            "every corpus was skipped: nothing to rank (see the messages above)",
        ));
    }
    let lb = crate::suite::leaderboard(&suite.metric, classifiers::BASELINE, &results, skipped);
    report::suite::write_suite_reports(&dir, &lb, &args.file.display().to_string())?;
    out(&format!(
        "== leaderboard by {} over {} corpora\n{}leaderboard: {}, {} and {}\n",
        lb.metric,
        lb.corpora.len(),
        report::suite::terminal_table(&lb),
        dir.join("latest.html").display(),
        dir.join("latest.md").display(),
        dir.join("latest.json").display(),
    ))?;
    Ok(status)
}

fn cmd_agree(project: &Project, args: &AgreeArgs) -> Result<i32> {
    let names = &args.annotators;
    if names.len() == 1 {
        return Err(Error::Usage(format!(
            "`agree {}` needs a second annotator to compare with (or no names, for all annotators)",
            names[0]
        )));
    }
    if let Some(dup) = names
        .iter()
        .enumerate()
        .find_map(|(i, n)| names[..i].contains(n).then_some(n))
    {
        return Err(Error::Usage(format!(
            "annotator `{dup}` is named twice: name each annotator once"
        )));
    }
    let (sources, annotators) = check::load_annotators(project, names)?;
    let topics = sources.topics.len();
    let mut s = String::new();
    for (i, a) in annotators.iter().enumerate() {
        for b in &annotators[i + 1..] {
            let pair = crate::agreement::compare(a, b, topics);
            s.push_str(&report::agreement::pair_text(&sources, &pair));
            s.push('\n');
        }
    }
    if names.len() != 2 {
        let group = crate::agreement::group(&annotators, topics);
        s.push_str(&report::agreement::group_text(&sources, &group));
    }
    out(&s)?;
    Ok(0)
}

/// The classifiers named (all built-in ones when none is), the baseline always among them,
/// each with `memory_budget_bytes` for its dense copies.
fn pick_classifiers(
    names: &[String],
    memory_budget_bytes: u64,
) -> Result<Vec<Box<dyn classifiers::Classifier>>> {
    let build = |name: &str| classifiers::build(name, memory_budget_bytes);
    if names.is_empty() {
        return Ok(classifiers::REGISTRY
            .iter()
            .filter_map(|e| build(e.name))
            .collect());
    }
    // The baseline always runs: every other classifier is compared with it.
    let mut out: Vec<Box<dyn classifiers::Classifier>> = Vec::new();
    if !names.iter().any(|n| n.trim() == classifiers::BASELINE) {
        out.extend(build(classifiers::BASELINE));
    }
    for n in names {
        let c = build(n.trim()).ok_or_else(|| {
            Error::Usage(format!(
                "unknown classifier `{n}`: choose from {} (see `topicbench classifiers`)",
                classifiers::REGISTRY
                    .iter()
                    .map(|e| e.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?;
        if !out.iter().any(|o| o.name() == c.name()) {
            out.push(c);
        }
    }
    Ok(out)
}

fn git_commit(root: &std::path::Path) -> Option<String> {
    let dir = if root.as_os_str().is_empty() {
        std::path::Path::new(".")
    } else {
        root
    };
    let o = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["rev-parse", "HEAD"])
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    o.status
        .success()
        .then(|| String::from_utf8_lossy(&o.stdout).trim().to_owned())
}

/// Loads the corpus a command works on (`scheme`: the evaluation it is for, if any), printing
/// a corpus file's notes (columns ignored) on stderr.
fn load_corpus(
    cli: &Cli,
    project: &Project,
    corpus: &CorpusArgs,
    scheme: Option<eval::Scheme>,
) -> Result<crate::dataset::Dataset> {
    match corpus.source() {
        Some(source) => {
            if scheme == Some(eval::Scheme::LeaveOneArticleOut) {
                return Err(Error::Usage(
                    "--cv article needs the article corpus; a --corpus file has no articles (use --cv kfold or --split test)".into(),
                ));
            }
            // Groups only matter for cross-validation.
            let grouping = (scheme != Some(eval::Scheme::TrainTest))
                .then_some((cli.near_dup, cli.near_dup_method));
            let bars = std::sync::Mutex::new(Vec::<(&str, indicatif::ProgressBar)>::new());
            let (ds, notes) =
                crate::corpus_file::load_with(&source, grouping, &|stage, done, total| {
                    let Ok(mut bars) = bars.lock() else { return };
                    if bars.last().is_none_or(|b| b.0 != stage) {
                        if let Some(b) = bars.last() {
                            b.1.finish_and_clear();
                        }
                        bars.push((stage, progress_bar(total, stage)));
                    }
                    if let Some(b) = bars.last() {
                        b.1.set_position(done.max(b.1.position()));
                    }
                })?;
            if let Ok(bars) = bars.lock() {
                bars.iter().for_each(|b| b.1.finish_and_clear());
            }
            for n in notes {
                err_line(&format!("note: {n}"));
            }
            Ok(ds)
        }
        None if scheme == Some(eval::Scheme::TrainTest) => Err(Error::Usage(
            "--split test needs --corpus FILE with a `split` column (or --test-corpus FILE)".into(),
        )),
        None => check::load_project(project, cli.near_dup),
    }
}

/// `check --corpus`: loads and validates a corpus file (and test file) without evaluating it.
fn cmd_check_corpus(cli: &Cli, source: &CorpusArgs) -> Result<i32> {
    let project = project(cli);
    let ds = load_corpus(cli, &project, source, None)?;
    let split = ds.items.iter().any(|i| i.is_test.is_some());
    let scheme = if split {
        eval::Scheme::TrainTest
    } else {
        eval::Scheme::KFold {
            folds: 5,
            repeats: 1,
        }
    };
    // The checks `eval` makes before it fits anything (labels, classes, texts, the split).
    let prepared = eval::prepare(&ds, scheme, 42)
        .map_err(|e| e.in_file(&data_source(&project, source.path())))?;
    let test = ds.items.iter().filter(|i| i.is_test == Some(true)).count();
    out(&format!(
        "ok: {} documents ({}), {} topics, {}-label, {} near-duplicate groups\n",
        ds.items.len(),
        if split {
            format!("{} train, {test} test", ds.items.len() - test)
        } else {
            "no split: cross-validated".to_owned()
        },
        ds.topics.len(),
        if prepared.single_label {
            "single"
        } else {
            "multi"
        },
        ds.multi_groups().len(),
    ))?;
    Ok(0)
}

/// The file a corpus-wide problem is reported against: the corpus CSV, or the label rows.
fn data_source(project: &Project, corpus: Option<&std::path::Path>) -> PathBuf {
    corpus.map_or_else(|| project.paragraphs_path(), ToOwned::to_owned)
}

fn cmd_eval(cli: &Cli, project: &Project, args: &EvalArgs) -> Result<i32> {
    let started = std::time::SystemTime::now();
    let t0 = std::time::Instant::now();
    let shard = args
        .shard
        .map(|a| {
            let count = args.shard_count.map(|n| n as usize);
            crate::shard::resolve(a, count, |v| std::env::var(v).ok())
        })
        .transpose()?;
    let memory_budget_bytes = args.budget.bytes();
    let classifiers = pick_classifiers(&args.classifiers, memory_budget_bytes)?;
    for (i, spec) in args.classifier_cmd.iter().enumerate() {
        if classifiers.iter().any(|c| c.name() == spec.name)
            || args.classifier_cmd[..i].iter().any(|s| s.name == spec.name)
        {
            return Err(Error::Usage(format!(
                "--classifier-cmd name `{}` is already taken: give it another name",
                spec.name
            )));
        }
    }
    let scheme = eval_scheme(args)?;
    let ds = load_corpus(cli, project, &args.source, Some(scheme))?;
    let classifiers = args.tune.apply(classifiers, ds.body().len());
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(n) = args.threads {
        pool = pool.num_threads(n as usize);
    }
    let pool = pool
        .build()
        .map_err(|e| Error::Failed(format!("cannot start worker threads: {e}")))?;
    let mut stage_secs = std::collections::BTreeMap::new();
    stage_secs.insert("load".to_owned(), t0.elapsed().as_secs_f64());
    let prepared = eval::prepare(&ds, scheme, args.seed)
        .map_err(|e| e.in_file(&data_source(project, args.source.path())))?;
    let bar = progress_bar(prepared.folds.len() as u64, "folds");
    let opts = eval::RunOptions {
        seed: args.seed,
        external_timeout: std::time::Duration::from_secs_f64(args.classifier_timeout),
        external_max_line: (args.classifier_max_output * 1048576.0) as u64,
    };
    let reports_dir = args
        .out
        .clone()
        .unwrap_or_else(|| default_reports_dir(project, args.source.corpus.is_some(), &ds));
    // Fail now rather than after the folds have run.
    crate::fsutil::ensure_writable_dir(&reports_dir)?;
    if let Some(shard) = shard {
        let (units, ..) = pool.install(|| {
            let tokenized = eval::tokenize(&ds, &prepared, &classifiers);
            eval::run_units(
                &ds,
                &prepared,
                &classifiers,
                &args.classifier_cmd,
                &opts,
                shard,
                &tokenized,
                &|| bar.inc(1),
                &|_, _, _, _, _| {},
            )
        });
        bar.finish_and_clear();
        let settings = shard_settings(
            &ds,
            &prepared,
            scheme,
            args.seed,
            memory_budget_bytes,
            &eval::classifier_infos(&classifiers, &args.classifier_cmd),
        );
        let path = reports_dir.join(crate::shard::file_name(shard));
        crate::fsutil::write_atomic(&path, &crate::shard::to_json(shard, settings, &units))?;
        out(&format!(
            "shard {}/{}: {} work unit(s) written to {} (combine with `topicbench merge {}`)\n",
            shard.index,
            shard.count,
            units.len(),
            path.display(),
            reports_dir.display()
        ))?;
        return Ok(0);
    }
    let run = pool.install(|| {
        eval::run(
            &ds,
            prepared,
            &classifiers,
            &args.classifier_cmd,
            &opts,
            &|| bar.inc(1),
        )
    });
    bar.finish_and_clear();
    pool.install(|| {
        finish_report(
            project,
            &ds,
            run,
            scheme,
            args.seed,
            &reports_dir,
            started,
            t0,
            stage_secs,
            args.curve.wanted(args.source.path()),
            memory_budget_bytes,
            args.stats.options(args.seed),
        )
    })
}

/// The scheme the flags ask for. A flag that would do nothing in that design (`--folds`,
/// `--repeats` or `--cv` with `--split test`; `--folds` or `--repeats` with `--cv article`) is a
/// usage error naming it.
fn eval_scheme(args: &EvalArgs) -> Result<eval::Scheme> {
    let given = |name: &str, set: bool| set.then(|| format!("--{name}"));
    let kfold_only = [
        given("folds", args.folds.is_some()),
        given("repeats", args.repeats.is_some()),
    ];
    match (args.split, args.cv) {
        (Some(SplitArg::Test), cv) => {
            let idle: Vec<String> = kfold_only
                .into_iter()
                .chain([given("cv", cv.is_some())])
                .flatten()
                .collect();
            if !idle.is_empty() {
                return Err(Error::Usage(format!(
                    "{} {} nothing with --split test (one train → test split): leave {} out",
                    idle.join(", "),
                    if idle.len() == 1 { "does" } else { "do" },
                    if idle.len() == 1 { "it" } else { "them" },
                )));
            }
            Ok(eval::Scheme::TrainTest)
        }
        (None, Some(CvArg::Article)) => {
            let idle: Vec<String> = kfold_only.into_iter().flatten().collect();
            if !idle.is_empty() {
                return Err(Error::Usage(format!(
                    "{} {} nothing with --cv article (one fold per article): leave {} out",
                    idle.join(", "),
                    if idle.len() == 1 { "does" } else { "do" },
                    if idle.len() == 1 { "it" } else { "them" },
                )));
            }
            Ok(eval::Scheme::LeaveOneArticleOut)
        }
        (None, None | Some(CvArg::Kfold)) => Ok(eval::Scheme::KFold {
            folds: args.folds.unwrap_or(5) as usize,
            repeats: args.repeats.unwrap_or(10) as usize,
        }),
    }
}

fn default_reports_dir(project: &Project, csv: bool, ds: &crate::dataset::Dataset) -> PathBuf {
    // A user's corpus gets its own folder, so the shipped corpus's committed report stays put.
    if csv {
        project.reports_dir().join("corpora").join(&ds.name)
    } else {
        project.reports_dir()
    }
}

fn shard_settings(
    ds: &crate::dataset::Dataset,
    prepared: &eval::Prepared,
    scheme: eval::Scheme,
    seed: u64,
    memory_budget_bytes: u64,
    infos: &[eval::ClassifierInfo],
) -> crate::shard::Settings {
    crate::shard::Settings {
        corpus: ds.name.clone(),
        corpus_sha256: ds.corpus_sha256.clone(),
        labels_sha256: ds.labels_sha256.clone(),
        scheme: scheme.name().to_owned(),
        folds: match scheme {
            eval::Scheme::KFold { folds, .. } => folds,
            _ => prepared.folds.len(),
        },
        repeats: prepared.repeats,
        seed,
        near_duplicate_threshold: ds.group_threshold.is_finite().then_some(ds.group_threshold),
        memory_budget_bytes,
        classifiers: infos
            .iter()
            .map(|i| (i.name.clone(), i.description.clone(), i.params.clone()))
            .collect(),
    }
}

#[allow(clippy::too_many_arguments)]
fn finish_report(
    project: &Project,
    ds: &crate::dataset::Dataset,
    run: eval::EvalRun,
    scheme: eval::Scheme,
    seed: u64,
    reports_dir: &std::path::Path,
    started: std::time::SystemTime,
    t0: std::time::Instant,
    mut stage_secs: std::collections::BTreeMap<String, f64>,
    learning_curve: bool,
    memory_budget_bytes: u64,
    stats: eval::StatsOptions,
) -> Result<i32> {
    let baseline = classifiers::BASELINE;
    let t = std::time::Instant::now();
    let summaries = eval::summarize(&run, baseline, &stats);
    stage_secs.insert("summarize".to_owned(), t.elapsed().as_secs_f64());
    let t = std::time::Instant::now();
    let explanation = eval::explain(ds, &run, baseline, 10);
    stage_secs.insert("explain".to_owned(), t.elapsed().as_secs_f64());
    let t = std::time::Instant::now();
    let curve = learning_curve.then(|| {
        crate::learning_curve::compute(ds, &run, &summaries, baseline, seed, memory_budget_bytes)
    });
    if curve.is_some() {
        stage_secs.insert("learning_curve".to_owned(), t.elapsed().as_secs_f64());
    }
    let info = report::eval::RunInfo {
        scheme,
        seed,
        baseline: baseline.to_owned(),
        git_commit: git_commit(&project.root),
        started_at: humantime::format_rfc3339_seconds(started).to_string(),
        wall_secs: t0.elapsed().as_secs_f64(),
        stage_secs,
        stats,
    };
    let run_dir = report::write_eval_reports(
        reports_dir,
        ds,
        &run,
        &summaries,
        &explanation,
        &info,
        curve.as_ref(),
    )?;
    out(&report::eval::terminal_table(
        &summaries,
        baseline,
        run.prepared.held_out(),
    ))?;
    out(&format!(
        "reports: {}, {} and {} (this run: {})\n",
        reports_dir.join("latest.html").display(),
        reports_dir.join("latest.md").display(),
        reports_dir.join("latest.json").display(),
        run_dir.display()
    ))?;
    let failed: Vec<&str> = summaries
        .iter()
        .filter(|s| s.failed.is_some())
        .map(|s| s.name.as_str())
        .collect();
    if failed.is_empty() {
        Ok(0)
    } else {
        err_line(&format!(
            "error: {} classifier(s) failed: {} (the reports say why); every report was written",
            failed.len(),
            failed.join(", "),
        ));
        Ok(EXIT_CLASSIFIER_FAILED)
    }
}

/// The exit status of `eval` and `merge` when they wrote every report but a classifier failed.
pub const EXIT_CLASSIFIER_FAILED: i32 = 3;

fn cmd_merge(cli: &Cli, project: &Project, args: &MergeArgs) -> Result<i32> {
    let started = std::time::SystemTime::now();
    let t0 = std::time::Instant::now();
    let files = crate::shard::find_shard_files(&args.dirs)?;
    // Peek at the settings to rebuild the scheme, then load the same corpus and check it.
    let first: serde_json::Value = serde_json::from_slice(&crate::error::read_file(&files[0])?)
        .map_err(|e| Error::input(&files[0], e.line(), format!("not a shard file: {e}")))?;
    let settings: crate::shard::Settings = serde_json::from_value(first["settings"].clone())
        .map_err(|e| Error::input(&files[0], 0, format!("not a shard file: {e}")))?;
    let scheme = match settings.scheme.as_str() {
        "kfold" => eval::Scheme::KFold {
            folds: settings.folds,
            repeats: settings.repeats,
        },
        "article" => eval::Scheme::LeaveOneArticleOut,
        _ => eval::Scheme::TrainTest,
    };
    if scheme == eval::Scheme::TrainTest && args.source.corpus.is_none() {
        return Err(Error::Usage(format!(
            "the shards were run with --split test on corpus `{}`: give merge the same --corpus FILE.csv",
            settings.corpus
        )));
    }
    let ds = load_corpus(cli, project, &args.source, Some(scheme))?;
    if ds.corpus_sha256 != settings.corpus_sha256 || ds.labels_sha256 != settings.labels_sha256 {
        return Err(Error::Usage(format!(
            "the shards were run on corpus `{}` with other contents (sha256 {}…): merge with the same corpus and labels (--corpus / --root)",
            settings.corpus,
            settings.corpus_sha256.chars().take(12).collect::<String>()
        )));
    }
    let threshold = ds.group_threshold.is_finite().then_some(ds.group_threshold);
    if threshold != settings.near_duplicate_threshold {
        return Err(Error::Usage(format!(
            "the shards were run with --near-dup {:?}, this merge with {:?}: use the same value",
            settings.near_duplicate_threshold, threshold
        )));
    }
    let (settings, units) = crate::shard::read_shards(&files, ds.topics.len())?;
    let prepared = eval::prepare(&ds, scheme, settings.seed)
        .map_err(|e| e.in_file(&data_source(project, args.source.path())))?;
    let mut stage_secs = std::collections::BTreeMap::new();
    stage_secs.insert("load".to_owned(), t0.elapsed().as_secs_f64());
    let run = eval::assemble(prepared, &settings.infos(), units)?;
    let reports_dir = args
        .out
        .clone()
        .unwrap_or_else(|| default_reports_dir(project, args.source.corpus.is_some(), &ds));
    crate::fsutil::ensure_writable_dir(&reports_dir)?;
    finish_report(
        project,
        &ds,
        run,
        scheme,
        settings.seed,
        &reports_dir,
        started,
        t0,
        stage_secs,
        args.curve.wanted(args.source.path()),
        settings.memory_budget_bytes,
        args.stats.options(settings.seed),
    )
}

fn cmd_report(project: &Project, args: &ReportArgs) -> Result<i32> {
    use crate::report::runs;
    let dir = args.dir.clone().unwrap_or_else(|| project.reports_dir());
    match &args.command {
        ReportCommand::List => {
            let listing = runs::list(&dir)?;
            for p in &listing.problems {
                err_line(&format!("warning: {p}"));
            }
            if listing.runs.is_empty() {
                err_line(&format!(
                    "no readable runs under {}: run `topicbench eval`",
                    dir.join("runs").display()
                ));
                return Ok(0);
            }
            out(&runs::list_text(&listing.runs))?;
            Ok(0)
        }
        ReportCommand::Diff { a, b } => {
            let (pa, pb) = (runs::resolve(&dir, a)?, runs::resolve(&dir, b)?);
            let (ra, rb) = (runs::read(&pa)?, runs::read(&pb)?);
            let d = runs::diff(&ra, &rb);
            out(&runs::diff_text(
                &pa.display().to_string(),
                &ra,
                &pb.display().to_string(),
                &rb,
                &d,
            ))?;
            Ok(0)
        }
    }
}

/// A progress bar on stderr when it is a terminal; hidden otherwise.
pub fn progress_bar(len: u64, what: &str) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len);
    if let Ok(style) = indicatif::ProgressStyle::with_template(&format!(
        "{{bar:40}} {{pos}}/{{len}} {what} {{elapsed}}"
    )) {
        bar.set_style(style);
    }
    bar
}

fn cmd_predict(cli: &Cli, project: &Project, args: &PredictArgs) -> Result<i32> {
    let classifier = pick_classifiers(std::slice::from_ref(&args.classifier), args.budget.bytes())?
        .pop()
        .ok_or_else(|| Error::Usage("no classifier".into()))?;
    // A corpus file is loaded as for a train/test evaluation (no near-duplicate groups: they are
    // not used); its test rows stay out of training.
    let scheme = args
        .source
        .corpus
        .is_some()
        .then_some(eval::Scheme::TrainTest);
    let mut ds = load_corpus(cli, project, &args.source, scheme)?;
    ds.items.retain(|i| i.is_test != Some(true));
    let classifier = args
        .tune
        .apply(vec![classifier], ds.body().len())
        .pop()
        .ok_or_else(|| Error::Usage("no classifier".into()))?;
    let (source, text) = match &args.input {
        Some(p) => (
            p.display().to_string(),
            crate::error::decode_utf8(p, crate::error::read_file(p)?)?,
        ),
        None => {
            let mut buf = Vec::new();
            std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf)
                .map_err(|e| Error::io("<stdin>", "cannot read", e))?;
            (
                "<stdin>".to_owned(),
                crate::error::decode_utf8(std::path::Path::new("<stdin>"), buf)?,
            )
        }
    };
    let lines: Vec<String> = text
        .lines()
        .map(|l| l.trim_end().to_owned())
        .filter(|l| !l.is_empty())
        .collect();
    if lines.is_empty() {
        return Err(Error::input(
            source,
            0,
            "no paragraphs to predict: give one paragraph per line",
        ));
    }
    let pred = eval::fit_and_predict(&ds, classifier.as_ref(), &lines, 42)?;
    let mut s = String::new();
    for (i, line) in lines.iter().enumerate() {
        let topics: Vec<&str> = ds
            .topics
            .iter()
            .enumerate()
            .filter(|&(t, _)| pred.decisions[[i, t]])
            .map(|(_, t)| t.id.as_str())
            .collect();
        let scores: serde_json::Map<String, serde_json::Value> = ds
            .topics
            .iter()
            .enumerate()
            .map(|(t, topic)| {
                (
                    topic.id.clone(),
                    serde_json::json!((pred.scores[[i, t]] * 1e6).round() / 1e6),
                )
            })
            .collect();
        s.push_str(
            &serde_json::json!({"line": i + 1, "topics": topics, "scores": scores, "text": line})
                .to_string(),
        );
        s.push('\n');
    }
    out(&s)?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_learning_curve_is_on_for_articles_and_opt_in_for_a_corpus_csv() {
        let args = |l, n| CurveArgs {
            learning_curve: l,
            no_learning_curve: n,
        };
        let csv = Some(std::path::Path::new("c.csv"));
        assert!(args(false, false).wanted(None));
        assert!(!args(false, true).wanted(None));
        assert!(!args(false, false).wanted(csv));
        assert!(args(true, false).wanted(csv));
        // The flags override each other on the command line; the last one given wins.
        let cli = Cli::try_parse_from([
            "topicbench",
            "eval",
            "--learning-curve",
            "--no-learning-curve",
        ])
        .unwrap();
        let Command::Eval(e) = cli.command else {
            panic!("not eval")
        };
        assert!(!e.curve.wanted(None) && !e.curve.learning_curve);
    }
}
