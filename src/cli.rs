//! The command line: clap definitions (parse), checks on the values (validate), and dispatch to
//! the library (build and run). Every subcommand's work lives in the library; this file only
//! wires arguments to it and prints. `main.rs` maps the returned error to an exit code.

use std::io::Write;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::check;
use crate::dataset::Project;
use crate::error::{Error, Result};
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
    }
}
