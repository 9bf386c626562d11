//! The command line, part of the binary only: `args` holds the raw flags (clap) and turns each
//! group into the library's settings; this file checks what needs several flags together, calls
//! the library, and prints. `main.rs` maps the returned error to an exit code.

use std::io::Write;
use std::path::PathBuf;

use clap::Parser;
use topicbench::classifiers;
use topicbench::data::check;
use topicbench::data::dataset::Project;
use topicbench::error::{Error, Result};
use topicbench::eval;
use topicbench::report;

mod args;

pub use args::*;

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
                        "ok: {} paragraphs in {} articles ({body} body), {} topics, {} groups of near-duplicates; {warnings} warning(s)\n",
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
            let mut session =
                topicbench::annotate::label::Session::open(&project, args.annotator.as_deref())?;
            let ending = topicbench::annotate::terminal::run(&mut session)?;
            let interrupted = ending == topicbench::annotate::terminal::Ending::Interrupted;
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
            let ingested = topicbench::annotate::ingest::ingest(&project, &args.file)?;
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
                    topicbench::data::articles::excerpt(&p.text, 70)
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
    let suite = topicbench::eval::suite::load(&args.file, args.metric.as_deref())?;
    let dir = args
        .out
        .clone()
        .or_else(|| suite.file.out.as_ref().map(|o| project.root.join(o)))
        .unwrap_or_else(|| project.reports_dir().join("suite"));
    topicbench::fsutil::ensure_writable_dir(&dir)?;
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
            serde_json::from_slice(&topicbench::error::read_file(&report_path)?).map_err(|e| {
                Error::input(&report_path, e.line(), format!("not an eval report: {e}"))
            })?;
        results.push(topicbench::eval::suite::corpus_result(
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
    let lb = topicbench::eval::suite::leaderboard(
        &suite.metric,
        classifiers::BASELINE,
        &results,
        skipped,
    );
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
            let pair = topicbench::annotate::agreement::compare(a, b, topics);
            s.push_str(&report::agreement::pair_text(&sources, &pair));
            s.push('\n');
        }
    }
    if names.len() != 2 {
        let group = topicbench::annotate::agreement::group(&annotators, topics);
        s.push_str(&report::agreement::group_text(&sources, &group));
    }
    out(&s)?;
    Ok(0)
}

/// The classifiers named (all built-in ones when none is), the baseline always among them.
fn pick_classifiers(names: &[String]) -> Result<Vec<Box<dyn classifiers::Classifier>>> {
    let build = classifiers::by_name;
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
) -> Result<topicbench::data::dataset::Dataset> {
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
            let (ds, notes) = topicbench::data::corpus_file::load_with(
                &source,
                grouping,
                &|stage, done, total| {
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
                },
            )?;
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
    // Cross-validation as `eval` would run it: 5 folds, or as many as there are near-duplicate
    // groups when there are fewer (then `eval` needs `--folds`, said below).
    let groups = ds
        .items
        .iter()
        .map(|i| i.group)
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    let folds = groups.clamp(2, 5);
    let scheme = if split {
        eval::Scheme::TrainTest
    } else {
        eval::Scheme::KFold { folds, repeats: 1 }
    };
    // The checks `eval` makes before it fits anything (labels, classes, texts, the split).
    let prepared = eval::prepare(&ds, scheme, 42)
        .map_err(|e| e.in_file(&data_source(&project, source.path())))?;
    let test = ds.items.iter().filter(|i| i.is_test == Some(true)).count();
    out(&format!(
        "ok: {} documents ({}), {} topics, {}-label, {} groups of near-duplicates\n",
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
    if !split && folds < 5 {
        err_line(&format!(
            "note: only {groups} near-duplicate groups: cross-validate with `eval --folds {folds}` (the default 5 folds need 5 groups)"
        ));
    }
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
            topicbench::eval::shard::resolve(a, count, |v| std::env::var(v).ok())
        })
        .transpose()?;
    let memory_budget_bytes = args.budget.bytes();
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
    let scheme = eval_scheme(args)?;
    if args.source.test_corpus.is_some() && scheme != eval::Scheme::TrainTest {
        err_line(
            "note: without --split test the --test-corpus rows are cross-validated with the others; add --split test to train on the first file and score the second",
        );
    }
    let mut ds = load_corpus(cli, project, &args.source, Some(scheme))?;
    let config = eval::EvalConfig {
        scheme,
        seed: args.seed,
        classifiers: args.tune.apply(classifiers, ds.body().len()),
        externals: args.classifier_cmd.clone(),
        run: eval::RunOptions {
            seed: args.seed,
            external_timeout: std::time::Duration::from_secs_f64(args.classifier_timeout),
            external_max_line: (args.classifier_max_output * 1048576.0) as u64,
            memory_budget_bytes,
        },
        stats: args.stats.options(args.seed),
        learning_curve: args.curve.wanted(args.source.path()),
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
    let t = std::time::Instant::now();
    let prepared = eval::plan(&ds, &config)
        .map_err(|e| e.in_file(&data_source(project, args.source.path())))?;
    stage_secs.insert("prepare".to_owned(), t.elapsed().as_secs_f64());
    let reports_dir = args
        .out
        .clone()
        .unwrap_or_else(|| default_reports_dir(project, args.source.corpus.is_some(), &ds));
    // Fail now rather than after the folds have run.
    topicbench::fsutil::ensure_writable_dir(&reports_dir)?;
    let bar = progress_bar(prepared.folds.len() as u64, "folds");
    let tick = || bar.inc(1);
    if let Some(shard) = shard {
        let (settings, units) =
            pool.install(|| eval::shard::run_shard(&ds, &prepared, &config, shard, &tick));
        bar.finish_and_clear();
        let path = reports_dir.join(eval::shard::file_name(shard));
        topicbench::fsutil::write_atomic(&path, &eval::shard::to_json(shard, settings, &units))?;
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
    let evaluation =
        pool.install(|| eval::evaluate_planned_releasing_texts(&mut ds, prepared, &config, &tick));
    bar.finish_and_clear();
    let record = RunRecord {
        scheme,
        seed: config.seed,
        stats: config.stats,
        memory_budget_bytes,
        started,
        t0,
        stage_secs,
    };
    write_and_print(project, &ds, evaluation, &reports_dir, record)
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

fn default_reports_dir(
    project: &Project,
    csv: bool,
    ds: &topicbench::data::dataset::Dataset,
) -> PathBuf {
    // A user's corpus gets its own folder, so the shipped corpus's committed report stays put.
    if csv {
        project.reports_dir().join("corpora").join(&ds.name)
    } else {
        project.reports_dir()
    }
}

/// What the reports record about a run besides its results: its settings, when it started and
/// what the stages before the library's took.
struct RunRecord {
    scheme: eval::Scheme,
    seed: u64,
    stats: eval::StatsOptions,
    memory_budget_bytes: u64,
    started: std::time::SystemTime,
    t0: std::time::Instant,
    stage_secs: std::collections::BTreeMap<String, f64>,
}

/// Writes every report of `evaluation` into `reports_dir`, prints the ranking and where the
/// reports are, and returns the exit status (3 when a classifier failed).
fn write_and_print(
    project: &Project,
    ds: &topicbench::data::dataset::Dataset,
    evaluation: eval::Evaluation,
    reports_dir: &std::path::Path,
    record: RunRecord,
) -> Result<i32> {
    let baseline = classifiers::BASELINE;
    let mut stage_secs = record.stage_secs;
    stage_secs.extend(evaluation.stage_secs.iter().map(|(k, v)| (k.clone(), *v)));
    let summaries = &evaluation.summaries;
    let info = report::eval::RunInfo {
        scheme: record.scheme,
        seed: record.seed,
        baseline: baseline.to_owned(),
        git_commit: git_commit(&project.root),
        started_at: humantime::format_rfc3339_seconds(record.started).to_string(),
        wall_secs: record.t0.elapsed().as_secs_f64(),
        stage_secs,
        stats: record.stats,
        memory_budget_bytes: record.memory_budget_bytes,
    };
    let run_dir = report::write_eval_reports(reports_dir, ds, &evaluation, &info)?;
    out(&report::eval::terminal_table(
        summaries,
        baseline,
        evaluation.run.prepared.held_out(),
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
    let files = topicbench::eval::shard::find_shard_files(&args.dirs)?;
    // Peek at the settings to rebuild the scheme, then load the same corpus and check it.
    let first: serde_json::Value =
        serde_json::from_slice(&topicbench::error::read_file(&files[0])?)
            .map_err(|e| Error::input(&files[0], e.line(), format!("not a shard file: {e}")))?;
    let settings: topicbench::eval::shard::Settings =
        serde_json::from_value(first["settings"].clone())
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
    let (settings, units) = topicbench::eval::shard::read_shards(&files, ds.topics.len())?;
    let prepared = eval::prepare(&ds, scheme, settings.seed)
        .map_err(|e| e.in_file(&data_source(project, args.source.path())))?;
    let plan = prepared.fingerprint();
    if !settings.plan_sha256.is_empty() && settings.plan_sha256 != plan {
        return Err(Error::Usage(format!(
            "the shards ran on other folds or near-duplicate groups than this merge would use \
             (plan sha256 {}…, here {}…): merge with the --near-dup and --near-dup-method the \
             shards were run with, and the same topicbench version",
            settings.plan_sha256.chars().take(12).collect::<String>(),
            plan.chars().take(12).collect::<String>()
        )));
    }
    let mut stage_secs = std::collections::BTreeMap::new();
    stage_secs.insert("load".to_owned(), t0.elapsed().as_secs_f64());
    let run = eval::assemble(prepared, &settings.infos(), units)?;
    let reports_dir = args
        .out
        .clone()
        .unwrap_or_else(|| default_reports_dir(project, args.source.corpus.is_some(), &ds));
    topicbench::fsutil::ensure_writable_dir(&reports_dir)?;
    let record = RunRecord {
        scheme,
        seed: settings.seed,
        stats: args.stats.options(settings.seed),
        memory_budget_bytes: settings.memory_budget_bytes,
        started,
        t0,
        stage_secs,
    };
    let evaluation = eval::finish(
        &ds,
        run,
        &record.stats,
        args.curve.wanted(args.source.path()),
        record.memory_budget_bytes,
    );
    write_and_print(project, &ds, evaluation, &reports_dir, record)
}

fn cmd_report(project: &Project, args: &ReportArgs) -> Result<i32> {
    use topicbench::report::runs;
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
    let classifier = pick_classifiers(std::slice::from_ref(&args.classifier))?
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
            topicbench::error::decode_utf8(p, topicbench::error::read_file(p)?)?,
        ),
        None => {
            let mut buf = Vec::new();
            std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf)
                .map_err(|e| Error::io("<stdin>", "cannot read", e))?;
            (
                "<stdin>".to_owned(),
                topicbench::error::decode_utf8(std::path::Path::new("<stdin>"), buf)?,
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
    let pred = eval::fit_and_predict(&ds, classifier.as_ref(), &lines, 42, args.budget.bytes())?;
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
