//! Sharded runs: merge(shards) gives the same report as one unsharded run; a missing or repeated
//! shard, or one run with other settings, is refused; the command lines of examples/k8s's
//! Indexed Job and merge Job, run here, do the same.

use serde_json::Value;

use crate::util::{repo_root, run_bin, run_bin_env};

/// Eval flags of the sharded runs: two built-in classifiers and an external one.
/// The baseline, the floor, a contender tuned by nested cross-validation (tuning is on for the
/// shipped corpus) and an external classifier.
pub const ARGS: [&str; 6] = [
    "--classifiers",
    "multinomial_nb,majority,complement_nb",
    "--repeats",
    "3",
    "--classifier-cmd",
    "pynb=python3 examples/external_nb.py",
];

fn ok(args: &[&str]) -> String {
    let (code, stdout, stderr) = run_bin(&repo_root(), args);
    assert_eq!(code, 0, "{args:?}: {stderr}");
    stdout
}

/// `dir/latest.json` without what may differ between equal runs: the `run` section and each
/// classifier's `timing`.
pub fn deterministic(dir: &std::path::Path) -> Value {
    let mut v: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("latest.json")).unwrap()).unwrap();
    v.as_object_mut().unwrap().remove("run");
    for c in v["classifiers"].as_array_mut().unwrap() {
        c.as_object_mut().unwrap().remove("timing");
    }
    v
}

/// `predictions.csv` of the one run stored under `dir/runs`.
pub fn predictions(dir: &std::path::Path) -> String {
    let run = std::fs::read_dir(dir.join("runs"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    std::fs::read_to_string(run.join("predictions.csv")).unwrap()
}

#[test]
fn merged_shards_equal_the_unsharded_report() {
    let whole = tempfile::tempdir().unwrap();
    let shards = tempfile::tempdir().unwrap();
    let merged = tempfile::tempdir().unwrap();
    ok(&[
        &["eval", "--out", whole.path().to_str().unwrap()][..],
        &ARGS,
    ]
    .concat());
    for i in 0..3 {
        let s = format!("{i}/3");
        let stdout = ok(&[
            &[
                "eval",
                "--shard",
                &s,
                "--out",
                shards.path().to_str().unwrap(),
            ][..],
            &ARGS,
        ]
        .concat());
        assert!(stdout.contains("work unit(s) written"), "{stdout}");
    }
    ok(&[
        "merge",
        shards.path().to_str().unwrap(),
        "--out",
        merged.path().to_str().unwrap(),
    ]);
    let (w, m) = (deterministic(whole.path()), deterministic(merged.path()));
    assert_eq!(w, m);
    assert_eq!(predictions(whole.path()), predictions(merged.path()));
    // The tuned contender's choices per fold came through the shards.
    let cnb = crate::util::classifier(&m, "complement_nb");
    assert_eq!(
        cnb["tuning"]["per_fold"].as_array().unwrap().len(),
        15,
        "{cnb}"
    );
}

#[test]
fn missing_or_repeated_shards_are_refused() {
    let shards = tempfile::tempdir().unwrap();
    let args = ["--classifiers", "multinomial_nb", "--repeats", "1"];
    for i in [0, 2] {
        let s = format!("{i}/3");
        ok(&[
            &[
                "eval",
                "--shard",
                &s,
                "--out",
                shards.path().to_str().unwrap(),
            ][..],
            &args,
        ]
        .concat());
    }
    let (code, _, stderr) = run_bin(
        &repo_root(),
        &[
            "merge",
            shards.path().to_str().unwrap(),
            "--out",
            "/nonexistent",
        ],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("shard 1 of 3 is missing"), "{stderr}");
    let f0 = shards.path().join("shard-0-of-3.json");
    let (code, _, stderr) = run_bin(
        &repo_root(),
        &[
            "merge",
            shards.path().to_str().unwrap(),
            f0.to_str().unwrap(),
            "--out",
            "/nonexistent",
        ],
    );
    assert_ne!(code, 0);
    assert!(
        stderr.contains("missing") || stderr.contains("merge each shard once"),
        "{stderr}"
    );
    let (code, _, stderr) = run_bin(&repo_root(), &["eval", "--shard", "3/3"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("shard 3/3 does not exist"), "{stderr}");
}

/// Shards of one run must share every setting; a different memory budget (which can change
/// which classifiers fail) is refused like a different seed.
#[test]
fn shards_with_different_settings_are_refused() {
    let shards = tempfile::tempdir().unwrap();
    let dir = shards.path().to_str().unwrap();
    let args = ["--classifiers", "multinomial_nb", "--repeats", "1"];
    ok(&[&["eval", "--shard", "0/2", "--out", dir][..], &args].concat());
    ok(&[
        &[
            "eval",
            "--shard",
            "1/2",
            "--out",
            dir,
            "--memory-budget",
            "0.01",
        ][..],
        &args,
    ]
    .concat());
    let (code, _, stderr) = run_bin(&repo_root(), &["merge", dir, "--out", "/nonexistent"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("shard-1-of-2.json: was run with different settings or shard count than")
            && stderr.contains("merge only shards of one eval command"),
        "{stderr}"
    );
}

/// The `command:` (a JSON-style list) of a Kubernetes manifest in examples/k8s, with `/shared`
/// (the shared volume's mount) moved to `shared`, and without the leading `topicbench`.
fn k8s_command(file: &str, shared: &std::path::Path) -> Vec<String> {
    let text = std::fs::read_to_string(repo_root().join("examples/k8s").join(file)).unwrap();
    let line = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("command: "))
        .unwrap();
    let argv: Vec<String> = serde_json::from_str(line).unwrap();
    assert_eq!(argv[0], "topicbench");
    let shared = shared.to_str().unwrap();
    argv[1..]
        .iter()
        .map(|a| a.replace("/shared", shared))
        .collect()
}

/// The value of `key: value` in a manifest, first occurrence after the line holding `after`.
fn k8s_value(file: &str, after: &str, key: &str) -> String {
    let text = std::fs::read_to_string(repo_root().join("examples/k8s").join(file)).unwrap();
    let mut lines = text.lines().skip_while(|l| !l.contains(after));
    lines
        .find_map(|l| l.trim().strip_prefix(key))
        .unwrap()
        .trim()
        .trim_matches('"')
        .to_owned()
}

/// examples/k8s: each pod's command line of the Indexed Job, run here with the
/// JOB_COMPLETION_INDEX Kubernetes would set, then the merge Job's: the report equals an
/// unsharded run's. (No Kubernetes cluster runs here; the manifests themselves are not applied.)
#[test]
fn kubernetes_indexed_job_command_lines_merge_to_the_unsharded_report() {
    let shared = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(repo_root(), shared.path().join("project")).unwrap();
    let job = "shards-job.yaml";
    assert_eq!(k8s_value(job, "spec:", "completionMode:"), "Indexed");
    let completions: usize = k8s_value(job, "spec:", "completions:").parse().unwrap();
    let count = k8s_value(job, "TOPICBENCH_SHARD_COUNT", "value:");
    assert_eq!(
        count,
        completions.to_string(),
        "TOPICBENCH_SHARD_COUNT != completions"
    );
    let shard_cmd = k8s_command(job, shared.path());
    for i in 0..completions {
        let index = i.to_string();
        let args: Vec<&str> = shard_cmd.iter().map(String::as_str).collect();
        let env = [
            ("JOB_COMPLETION_INDEX", Some(index.as_str())),
            ("TOPICBENCH_SHARD_COUNT", Some(count.as_str())),
            ("SLURM_ARRAY_TASK_ID", None),
            ("SLURM_ARRAY_TASK_COUNT", None),
        ];
        let (code, stdout, stderr) = run_bin_env(&repo_root(), &args, "", &env);
        assert_eq!(code, 0, "{args:?}: {stderr}");
        assert!(
            stdout.starts_with(&format!("shard {i}/{completions}: ")),
            "{stdout}"
        );
    }
    let merge_cmd = k8s_command("merge-job.yaml", shared.path());
    ok(&merge_cmd.iter().map(String::as_str).collect::<Vec<_>>());

    // The same eval, unsharded.
    let whole = tempfile::tempdir().unwrap();
    let mut eval: Vec<&str> = shard_cmd.iter().map(String::as_str).collect();
    let at = eval.iter().position(|a| *a == "--shard").unwrap();
    eval.drain(at..at + 2);
    let at = eval.iter().position(|a| *a == "--out").unwrap();
    eval[at + 1] = whole.path().to_str().unwrap();
    ok(&eval);
    let report = shared.path().join("report");
    assert_eq!(deterministic(whole.path()), deterministic(&report));
    assert_eq!(predictions(whole.path()), predictions(&report));
}
