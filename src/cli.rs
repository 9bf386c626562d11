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
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate data/ and labels/; print every problem as path:line: message.
    Check,
    /// Print the labelled paragraphs as JSON Lines.
    Dataset,
    /// Print corpus statistics: kinds, topics, co-occurrence, cardinality, near-duplicate groups.
    Stats,
    /// Cross-validate every classifier on the same folds and write reports/.
    Eval(EvalArgs),
    /// Predict topics for paragraphs (one per line, from a file or stdin) with the baseline
    /// trained on every labelled body paragraph.
    Predict(PredictArgs),
    /// List the built-in classifiers.
    Classifiers,
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
    /// Folds per repeat (at least 2).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(2..))]
    pub folds: u32,
    /// Repeats of the k-fold split (at least 1).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    pub repeats: u32,
    /// Seed for the splits and any random step.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Cross-validation scheme.
    #[arg(long, value_enum, default_value_t = CvArg::Kfold)]
    pub cv: CvArg,
    /// Comma-separated classifier names (default: all built-in ones; see `classifiers`).
    #[arg(long, value_delimiter = ',')]
    pub classifiers: Vec<String>,
    /// Where to write reports (default: <root>/reports).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Evaluate a corpus CSV (`id,text,labels[,split]`) instead of data/ and labels/.
    #[arg(long)]
    pub corpus: Option<PathBuf>,
    /// `test`: train on the corpus's `train` rows and score its `test` rows (needs --corpus with
    /// a split column), instead of cross-validating.
    #[arg(long, value_enum)]
    pub split: Option<SplitArg>,
    /// An external classifier, NAME='COMMAND' (repeatable): COMMAND is run once with `sh -c`
    /// and speaks JSON Lines on stdin/stdout (see README).
    #[arg(long = "classifier-cmd", value_name = "NAME=COMMAND")]
    pub classifier_cmd: Vec<crate::external::ExternalSpec>,
    /// Seconds an external classifier may take to answer one fold.
    #[arg(long = "classifier-timeout", default_value_t = 120.0, value_parser = parse_timeout)]
    pub classifier_timeout: f64,
    /// Longest response line an external classifier may send, in MiB.
    #[arg(long = "classifier-max-output", default_value_t = 256.0, value_parser = parse_timeout)]
    pub classifier_max_output: f64,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub threads: Option<u32>,
}

/// `predict` options.
#[derive(Debug, clap::Args)]
pub struct PredictArgs {
    /// File with one paragraph per line (default: standard input).
    pub input: Option<PathBuf>,
    /// Classifier to train (default: the baseline).
    #[arg(long, default_value = crate::classifiers::BASELINE)]
    pub classifier: String,
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

fn parse_timeout(s: &str) -> std::result::Result<f64, String> {
    match s.parse::<f64>() {
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
        Command::Check => {
            let (diags, ds) = check::check_project(&project, cli.near_dup);
            for d in &diags.0 {
                eprintln!("{d}");
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
                    eprintln!("check failed: {errors} error(s), {warnings} warning(s)");
                    Ok(1)
                }
            }
        }
        Command::Dataset => {
            let ds = check::load_project(&project, cli.near_dup)?;
            out(&report::corpus::dataset_jsonl(&ds))?;
            Ok(0)
        }
        Command::Stats => {
            let ds = check::load_project(&project, cli.near_dup)?;
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
    }
}

fn pick_classifiers(names: &[String]) -> Result<Vec<Box<dyn classifiers::Classifier>>> {
    if names.is_empty() {
        return Ok(classifiers::REGISTRY.iter().map(|e| (e.make)()).collect());
    }
    // The baseline always runs: every other classifier is compared with it.
    let mut out: Vec<Box<dyn classifiers::Classifier>> = Vec::new();
    if !names.iter().any(|n| n.trim() == classifiers::BASELINE) {
        out.extend(classifiers::by_name(classifiers::BASELINE));
    }
    for n in names {
        let c = classifiers::by_name(n.trim()).ok_or_else(|| {
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

fn cmd_eval(cli: &Cli, project: &Project, args: &EvalArgs) -> Result<i32> {
    let started = std::time::SystemTime::now();
    let t0 = std::time::Instant::now();
    let classifiers = pick_classifiers(&args.classifiers)?;
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
    let scheme = match (args.split, args.cv) {
        (Some(SplitArg::Test), _) => eval::Scheme::TrainTest,
        (None, CvArg::Kfold) => eval::Scheme::KFold {
            folds: args.folds as usize,
            repeats: args.repeats as usize,
        },
        (None, CvArg::Article) => eval::Scheme::LeaveOneArticleOut,
    };
    let ds = match &args.corpus {
        Some(path) => {
            if args.cv == CvArg::Article {
                return Err(Error::Usage(
                    "--cv article needs the article corpus; a --corpus CSV has no articles (use --cv kfold or --split test)".into(),
                ));
            }
            // Groups only matter for cross-validation.
            let threshold = (scheme != eval::Scheme::TrainTest).then_some(cli.near_dup);
            crate::csv_corpus::load(path, threshold)?
        }
        None if args.split.is_some() => {
            return Err(Error::Usage(
                "--split test needs --corpus FILE.csv with a `split` column".into(),
            ));
        }
        None => check::load_project(project, cli.near_dup)?,
    };
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(n) = args.threads {
        pool = pool.num_threads(n as usize);
    }
    let pool = pool
        .build()
        .map_err(|e| Error::Failed(format!("cannot start worker threads: {e}")))?;
    let mut stage_secs = std::collections::BTreeMap::new();
    stage_secs.insert("load".to_owned(), t0.elapsed().as_secs_f64());
    let prepared = eval::prepare(&ds, scheme, args.seed)?;
    let bar = progress_bar(prepared.folds.len() as u64, "folds");
    let opts = eval::RunOptions {
        seed: args.seed,
        external_timeout: std::time::Duration::from_secs_f64(args.classifier_timeout),
        external_max_line: (args.classifier_max_output * 1048576.0) as u64,
    };
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
    let baseline = classifiers::BASELINE;
    let t = std::time::Instant::now();
    let summaries = eval::summarize(&run, baseline);
    stage_secs.insert("summarize".to_owned(), t.elapsed().as_secs_f64());
    let t = std::time::Instant::now();
    let explanation = eval::explain(&ds, &run, baseline, 10);
    stage_secs.insert("explain".to_owned(), t.elapsed().as_secs_f64());
    let info = report::eval::RunInfo {
        scheme,
        seed: args.seed,
        baseline: baseline.to_owned(),
        git_commit: git_commit(&project.root),
        started_at: humantime::format_rfc3339_seconds(started).to_string(),
        wall_secs: t0.elapsed().as_secs_f64(),
        stage_secs,
    };
    // A user's corpus gets its own folder, so the shipped corpus's committed report stays put.
    let reports_dir = args.out.clone().unwrap_or_else(|| match &args.corpus {
        Some(_) => project.reports_dir().join("corpora").join(&ds.name),
        None => project.reports_dir(),
    });
    let run_dir =
        report::write_eval_reports(&reports_dir, &ds, &run, &summaries, &explanation, &info)?;
    out(&report::eval::terminal_table(&summaries, baseline))?;
    out(&format!(
        "reports: {} and {} (this run: {})\n",
        reports_dir.join("latest.md").display(),
        reports_dir.join("latest.json").display(),
        run_dir.display()
    ))?;
    Ok(0)
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
    let classifier = pick_classifiers(std::slice::from_ref(&args.classifier))?
        .pop()
        .ok_or_else(|| Error::Usage("no classifier".into()))?;
    let ds = check::load_project(project, cli.near_dup)?;
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
        return Err(Error::Usage(format!(
            "{source}: no paragraphs to predict (one per line)"
        )));
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
