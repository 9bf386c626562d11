//! Sharded runs: `eval --shard i/n` runs only shard i of the (classifier, fold) work units and
//! writes their predictions to `shard-<i>-of-<n>.json`; `merge` reads every shard, checks that
//! they come from the same corpus, labels and settings and cover each unit exactly once, and
//! rebuilds the run, so that its report equals an unsharded run's (apart from timing).
//!
//! Shards are independent processes: a batch system (a Slurm job array, a Kubernetes Indexed
//! Job, GNU parallel) can spread them over machines; `--shard auto` ([`from_env`]) reads the
//! shard from the scheduler's environment. Scores are stored as JSON numbers, which round-trip
//! `f64` exactly.

use std::path::{Path, PathBuf};

use ndarray::Array2;
use serde::{Deserialize, Serialize};

use crate::classifiers::Predictions;
use crate::data::dataset::Dataset;
use crate::error::{Error, Result, decode_utf8, read_file};
use crate::eval::{self, ClassifierInfo, EvalConfig, FoldRun, Prepared, Scheme, Shard, Unit};

/// Version of the shard file layout.
pub const SCHEMA: &str = "topicbench.shard.v1";

/// Everything a shard's results depend on; merge refuses shards whose settings differ.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// Corpus name.
    pub corpus: String,
    /// SHA-256 of the corpus.
    pub corpus_sha256: String,
    /// SHA-256 of the labels.
    pub labels_sha256: String,
    /// `kfold`, `article` or `split`.
    pub scheme: String,
    /// Folds per repeat (k-fold) or number of folds.
    pub folds: usize,
    /// Repeats.
    pub repeats: usize,
    /// Seed.
    pub seed: u64,
    /// Near-duplicate threshold.
    pub near_duplicate_threshold: Option<f64>,
    /// [`Prepared::fingerprint`] of the run's plan (items, folds, groups), which `merge` checks
    /// against its own. Empty in shard files written before it was recorded (not checked).
    #[serde(default)]
    pub plan_sha256: String,
    /// `eval --memory-budget`, in bytes (the budget of the classifiers' dense copies, which
    /// their parameters also show; merge needs it for the learning curve). Shard files written
    /// before it was recorded had the default.
    #[serde(default = "default_memory_budget")]
    pub memory_budget_bytes: u64,
    /// The classifiers: name, description and parameters, in unit order.
    pub classifiers: Vec<(String, String, serde_json::Value)>,
}

fn default_memory_budget() -> u64 {
    crate::classifiers::DEFAULT_MEMORY_BUDGET_BYTES
}

impl Settings {
    /// The classifiers as [`ClassifierInfo`]s.
    pub fn infos(&self) -> Vec<ClassifierInfo> {
        self.classifiers
            .iter()
            .map(|(n, d, p)| ClassifierInfo {
                name: n.clone(),
                description: d.clone(),
                params: p.clone(),
            })
            .collect()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct UnitFile {
    classifier: usize,
    fold: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(default)]
    rows: usize,
    #[serde(default)]
    scores: Vec<f64>,
    #[serde(default)]
    decisions: String,
    #[serde(default)]
    fit_secs: f64,
    #[serde(default)]
    predict_secs: f64,
    #[serde(default)]
    notes: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tuning: Option<serde_json::Value>,
}

/// A shard's file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ShardFile {
    /// [`SCHEMA`].
    pub schema: String,
    /// This shard.
    pub shard: usize,
    /// Of how many.
    pub shards: usize,
    /// What the results depend on.
    pub settings: Settings,
    units: Vec<UnitFile>,
}

/// The file name of shard `i` of `n`.
pub fn file_name(shard: Shard) -> String {
    format!("shard-{}-of-{}.json", shard.index, shard.count)
}

/// Parses `i/n`.
pub fn parse_shard(s: &str) -> std::result::Result<Shard, String> {
    let (i, n) = s
        .split_once('/')
        .ok_or_else(|| format!("`{s}` is not i/n: write e.g. --shard 0/4"))?;
    let (i, n): (usize, usize) = match (i.trim().parse(), n.trim().parse()) {
        (Ok(i), Ok(n)) => (i, n),
        _ => return Err(format!("`{s}` is not i/n with whole numbers, e.g. 0/4")),
    };
    if n == 0 || i >= n {
        return Err(format!(
            "shard {i}/{n} does not exist: i must be 0..{n} and n at least 1"
        ));
    }
    Ok(Shard { index: i, count: n })
}

/// `eval --shard`: a fixed `i/n`, or `auto` (taken from the scheduler's environment by
/// [`from_env`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShardArg {
    /// `--shard i/n`.
    Fixed(Shard),
    /// `--shard auto`.
    Auto,
}

/// Parses `i/n` or `auto`.
pub fn parse_shard_arg(s: &str) -> std::result::Result<ShardArg, String> {
    if s.trim() == "auto" {
        Ok(ShardArg::Auto)
    } else {
        parse_shard(s).map(ShardArg::Fixed)
    }
}

/// The variable holding the shard count for `--shard auto` (when `--shard-count` is not given):
/// needed under Kubernetes, whose Indexed Jobs set only `JOB_COMPLETION_INDEX`, and for a Slurm
/// resubmission of some shards only, where `SLURM_ARRAY_TASK_COUNT` counts the resubmitted ones.
pub const COUNT_VAR: &str = "TOPICBENCH_SHARD_COUNT";

/// Resolves `--shard` to a shard. For `auto`: the index from `SLURM_ARRAY_TASK_ID` (a Slurm job
/// array) or else `JOB_COMPLETION_INDEX` (a Kubernetes Indexed Job); the count from `count`
/// (`--shard-count`), else [`COUNT_VAR`], else (under Slurm) `SLURM_ARRAY_TASK_COUNT`. `var`
/// reads an environment variable. Errors are usage errors saying what to set.
pub fn resolve(
    arg: ShardArg,
    count: Option<usize>,
    var: impl Fn(&str) -> Option<String>,
) -> Result<Shard> {
    let shard = match arg {
        ShardArg::Fixed(shard) => {
            if count.is_some() {
                return Err(Error::Usage(
                    "--shard-count goes with --shard auto: with --shard i/n the count is n".into(),
                ));
            }
            return Ok(shard);
        }
        ShardArg::Auto => auto_shard(count, &var)?,
    };
    parse_shard(&shard).map_err(|e| Error::Usage(format!("--shard auto: {e}")))
}

/// `i/n` for `--shard auto`, unchecked.
fn auto_shard(count: Option<usize>, var: &impl Fn(&str) -> Option<String>) -> Result<String> {
    let number = |name: &str| -> Result<Option<usize>> {
        match var(name) {
            None => Ok(None),
            Some(v) => v.trim().parse().map(Some).map_err(|_| {
                Error::Usage(format!(
                    "--shard auto: {name}=`{v}` is not a whole number: unset it or fix it"
                ))
            }),
        }
    };
    let (index, index_var, scheduler_count) = if let Some(i) = number("SLURM_ARRAY_TASK_ID")? {
        (i, "SLURM_ARRAY_TASK_ID", number("SLURM_ARRAY_TASK_COUNT")?)
    } else if let Some(i) = number("JOB_COMPLETION_INDEX")? {
        (i, "JOB_COMPLETION_INDEX", None)
    } else {
        return Err(Error::Usage(
            "--shard auto found neither SLURM_ARRAY_TASK_ID (a Slurm job array) nor JOB_COMPLETION_INDEX (a Kubernetes Indexed Job): run it as an array task, or give --shard i/n".into(),
        ));
    };
    let count = match count {
        Some(n) => n,
        None => match number(COUNT_VAR)?.or(scheduler_count) {
            Some(n) => n,
            None => {
                return Err(Error::Usage(format!(
                    "--shard auto took shard {index} from {index_var} but found no shard count: give --shard-count N or set {COUNT_VAR}=N (the Job's completions)"
                )));
            }
        },
    };
    Ok(format!("{index}/{count}"))
}

/// Serializes a shard's units.
pub fn to_json(shard: Shard, settings: Settings, units: &[Unit]) -> Vec<u8> {
    let units = units
        .iter()
        .map(|u| match &u.result {
            Ok(fr) => UnitFile {
                classifier: u.classifier,
                fold: u.fold,
                error: None,
                rows: fr.pred.scores.nrows(),
                scores: fr.pred.scores.iter().copied().collect(),
                decisions: fr
                    .pred
                    .decisions
                    .iter()
                    .map(|&b| if b { '1' } else { '0' })
                    .collect(),
                fit_secs: fr.fit_secs,
                predict_secs: fr.predict_secs,
                notes: fr.notes.clone(),
                tuning: fr.tuning.clone(),
            },
            Err(e) => UnitFile {
                classifier: u.classifier,
                fold: u.fold,
                error: Some(e.clone()),
                rows: 0,
                scores: Vec::new(),
                decisions: String::new(),
                fit_secs: 0.0,
                predict_secs: 0.0,
                notes: Vec::new(),
                tuning: None,
            },
        })
        .collect();
    let file = ShardFile {
        schema: SCHEMA.to_owned(),
        shard: shard.index,
        shards: shard.count,
        settings,
        units,
    };
    let mut v = serde_json::to_vec(&file).unwrap_or_default();
    v.push(b'\n');
    v
}

/// Every `shard-*-of-*.json` in the given files or folders, sorted.
pub fn find_shard_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let entries = std::fs::read_dir(p).map_err(|e| Error::io(p, "cannot list", e))?;
            for e in entries {
                let path = e.map_err(|e| Error::io(p, "cannot list", e))?.path();
                let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
                if name.starts_with("shard-") && name.ends_with(".json") {
                    out.push(path);
                }
            }
        } else {
            out.push(p.clone());
        }
    }
    out.sort();
    out.dedup();
    if out.is_empty() {
        return Err(Error::Usage(
            "no shard files (shard-<i>-of-<n>.json) in the given folders".into(),
        ));
    }
    Ok(out)
}

/// Reads shard files, checks they belong together and cover every shard once, and returns
/// the shared settings and all units.
pub fn read_shards(files: &[PathBuf], topics: usize) -> Result<(Settings, Vec<Unit>)> {
    let mut settings: Option<(Settings, PathBuf, usize)> = None;
    // Shard index -> its file. A map, not a vector of `shards` slots: the count comes from the
    // file, and an absurd one must not size an allocation.
    let mut seen_shards: std::collections::BTreeMap<usize, PathBuf> = Default::default();
    let mut units = Vec::new();
    for path in files {
        let file: ShardFile = parse(path)?;
        if file.schema != SCHEMA {
            return Err(Error::input(
                path,
                0,
                format!(
                    "schema `{}`, expected `{SCHEMA}`: re-run the shard with this version",
                    file.schema
                ),
            ));
        }
        match &settings {
            None => {
                settings = Some((file.settings.clone(), path.clone(), file.shards));
            }
            Some((s, first, n)) => {
                if *s != file.settings || *n != file.shards {
                    return Err(Error::input(
                        path,
                        0,
                        format!(
                            "was run with different settings or shard count than {}: merge only shards of one eval command",
                            first.display()
                        ),
                    ));
                }
            }
        }
        if file.shard >= file.shards {
            return Err(Error::input(
                path,
                0,
                format!("shard {} of {} does not exist", file.shard, file.shards),
            ));
        }
        if let Some(prev) = seen_shards.insert(file.shard, path.clone()) {
            return Err(Error::input(
                path,
                0,
                format!(
                    "shard {} is also in {}: merge each shard once",
                    file.shard,
                    prev.display()
                ),
            ));
        }
        for u in file.units {
            units.push(unit_from_file(path, u, topics)?);
        }
    }
    let count = settings.as_ref().map_or(0, |s| s.2);
    // The first gap is at most at index `seen_shards.len()`, so this stops quickly.
    if let Some(missing) = (0..count).find(|i| !seen_shards.contains_key(i)) {
        return Err(Error::Usage(format!(
            "shard {missing} of {count} is missing: run `eval --shard {missing}/{count}` and merge it too"
        )));
    }
    let (settings, ..) = settings.ok_or_else(|| Error::Usage("no shard files".into()))?;
    Ok((settings, units))
}

fn parse(path: &Path) -> Result<ShardFile> {
    let text = decode_utf8(path, read_file(path)?)?;
    serde_json::from_str(&text)
        .map_err(|e| Error::input(path, e.line(), format!("not a shard file: {e}")))
}

fn unit_from_file(path: &Path, u: UnitFile, topics: usize) -> Result<Unit> {
    let result = match u.error {
        Some(e) => Err(e),
        None => {
            let bad = || {
                Error::input(
                    path,
                    0,
                    format!(
                        "unit (classifier {}, fold {}) has the wrong number of scores",
                        u.classifier, u.fold
                    ),
                )
            };
            let scores = Array2::from_shape_vec((u.rows, topics), u.scores).map_err(|_| bad())?;
            let decisions: Vec<bool> = u.decisions.bytes().map(|b| b == b'1').collect();
            let decisions =
                Array2::from_shape_vec((u.rows, topics), decisions).map_err(|_| bad())?;
            Ok(FoldRun {
                fold: u.fold,
                pred: Predictions { scores, decisions },
                fit_secs: u.fit_secs,
                predict_secs: u.predict_secs,
                notes: u.notes,
                tuning: u.tuning,
            })
        }
    };
    Ok(Unit {
        classifier: u.classifier,
        fold: u.fold,
        result,
    })
}

/// Runs shard `shard` of the evaluation of `ds` under `config`, planned by [`eval::plan`]: the
/// settings every shard of the run shares (checked by `merge`) and this shard's work units.
/// `on_fold` is called once per finished unit.
pub fn run_shard(
    ds: &Dataset,
    prepared: &Prepared,
    config: &EvalConfig,
    shard: Shard,
    on_fold: &(dyn Fn() + Sync),
) -> (Settings, Vec<Unit>) {
    let tokenized = eval::tokenize(ds, prepared, &config.classifiers);
    let (units, ..) = eval::run_units(
        ds,
        prepared,
        &config.classifiers,
        &config.externals,
        &config.run,
        shard,
        &tokenized,
        on_fold,
        &|_, _, _, _, _| {},
    );
    let infos = eval::classifier_infos(&config.classifiers, &config.externals);
    (settings(ds, prepared, config, &infos), units)
}

/// The settings of a run that every shard must share.
fn settings(
    ds: &Dataset,
    prepared: &Prepared,
    config: &EvalConfig,
    infos: &[ClassifierInfo],
) -> Settings {
    Settings {
        corpus: ds.name.clone(),
        corpus_sha256: ds.corpus_sha256.clone(),
        labels_sha256: ds.labels_sha256.clone(),
        scheme: config.scheme.name().to_owned(),
        folds: match config.scheme {
            Scheme::KFold { folds, .. } => folds,
            _ => prepared.folds.len(),
        },
        repeats: prepared.repeats,
        seed: config.seed,
        near_duplicate_threshold: ds.group_threshold.is_finite().then_some(ds.group_threshold),
        plan_sha256: prepared.fingerprint(),
        memory_budget_bytes: config.run.memory_budget_bytes,
        classifiers: infos
            .iter()
            .map(|i| (i.name.clone(), i.description.clone(), i.params.clone()))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_shard_specs() {
        assert_eq!(parse_shard("0/4"), Ok(Shard { index: 0, count: 4 }));
        assert_eq!(parse_shard(" 3 / 4 "), Ok(Shard { index: 3, count: 4 }));
        for bad in ["4/4", "0/0", "x/2", "1", "-1/2"] {
            assert!(parse_shard(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_shard_arg(" auto"), Ok(ShardArg::Auto));
        assert_eq!(
            parse_shard_arg("1/2"),
            Ok(ShardArg::Fixed(Shard { index: 1, count: 2 }))
        );
        assert!(parse_shard_arg("Auto").is_err());
    }

    /// `--shard auto` with these variables set and `--shard-count` = `count`.
    fn auto(vars: &[(&str, &str)], count: Option<usize>) -> std::result::Result<Shard, String> {
        let var = |name: &str| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        };
        resolve(ShardArg::Auto, count, var).map_err(|e| e.to_string())
    }

    #[test]
    fn auto_shard_comes_from_the_scheduler() {
        let s = |index, count| Ok(Shard { index, count });
        let slurm = [
            ("SLURM_ARRAY_TASK_ID", "2"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
        ];
        assert_eq!(auto(&slurm, None), s(2, 4));
        // A resubmission of shards 2 and 3 of 8: Slurm counts 2 tasks, the wrapper says 8.
        let resubmitted = [
            ("SLURM_ARRAY_TASK_ID", "3"),
            ("SLURM_ARRAY_TASK_COUNT", "2"),
            (COUNT_VAR, "8"),
        ];
        assert_eq!(auto(&resubmitted, None), s(3, 8));
        assert_eq!(auto(&resubmitted, Some(5)), s(3, 5));
        let k8s = [("JOB_COMPLETION_INDEX", "0"), (COUNT_VAR, "3")];
        assert_eq!(auto(&k8s, None), s(0, 3));
        assert_eq!(auto(&k8s[..1], Some(3)), s(0, 3));
        // Slurm wins when both are set.
        assert_eq!(
            auto(&[("JOB_COMPLETION_INDEX", "1"), slurm[0], slurm[1]], None),
            s(2, 4)
        );
    }

    #[test]
    fn auto_shard_errors_say_what_to_set() {
        let err = |vars: &[(&str, &str)], count| auto(vars, count).unwrap_err();
        assert!(err(&[], None).starts_with("--shard auto found neither SLURM_ARRAY_TASK_ID"));
        assert!(err(&[], Some(4)).starts_with("--shard auto found neither"));
        assert_eq!(
            err(&[("JOB_COMPLETION_INDEX", "1")], None),
            "--shard auto took shard 1 from JOB_COMPLETION_INDEX but found no shard count: give --shard-count N or set TOPICBENCH_SHARD_COUNT=N (the Job's completions)"
        );
        assert_eq!(
            err(&[("SLURM_ARRAY_TASK_ID", "x")], None),
            "--shard auto: SLURM_ARRAY_TASK_ID=`x` is not a whole number: unset it or fix it"
        );
        assert_eq!(
            err(&[("JOB_COMPLETION_INDEX", "4"), (COUNT_VAR, "4")], None),
            "--shard auto: shard 4/4 does not exist: i must be 0..4 and n at least 1"
        );
        let fixed = ShardArg::Fixed(Shard { index: 0, count: 2 });
        assert!(resolve(fixed, Some(2), |_| None).is_err());
        assert_eq!(
            resolve(fixed, None, |_| None).unwrap(),
            Shard { index: 0, count: 2 }
        );
    }
}
