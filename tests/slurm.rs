//! Against a real Slurm cluster (`.ci/run` starts a one-node one with `.ci/slurm-up.sh`):
//! `examples/slurm/submit.sh` runs a job array of shards and a dependent merge, and the merged
//! report equals an unsharded run's; a cancelled or failed array task keeps the merge from
//! running, the wrapper names the shard, and resubmitting only that shard finishes the run. Without a cluster
//! the tests are skipped with a message, except under `CI=true`, where they fail.

use std::path::Path;
use std::process::Command;

use crate::shard::{ARGS, deterministic, predictions};
use crate::util::{repo_root, run_bin};

/// Seconds `submit.sh --wait` may wait; the whole call is also killed after a little more.
const WAIT_SECS: u32 = 120;

/// Whether a Slurm cluster answers. Under `CI=true` a missing cluster fails the test.
fn slurm_up(test: &str) -> bool {
    let up = Command::new("sinfo")
        .args(["-h", "-o", "%T"])
        .output()
        .is_ok_and(|o| {
            let states = String::from_utf8_lossy(&o.stdout).into_owned();
            o.status.success()
                && states
                    .lines()
                    .any(|s| ["idle", "mixed", "allocated", "completing"].contains(&s))
        });
    if !up {
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "CI=true but no Slurm node that takes jobs answers `sinfo`: .ci/run installs slurm-wlm and munge and starts a cluster with .ci/slurm-up.sh"
        );
        eprintln!(
            "\n*** SKIPPED slurm::{test}: no Slurm node that takes jobs answers `sinfo` (as root: apt-get install slurm-wlm munge && .ci/slurm-up.sh) ***\n"
        );
    }
    up
}

/// Runs `examples/slurm/submit.sh args` from the repository (jobs run there) with the built
/// binary, killed after `WAIT_SECS` + 30 s; returns (status, stdout, stderr).
fn submit(args: &[&str]) -> (i32, String, String) {
    submit_with(env!("CARGO_BIN_EXE_topicbench"), args)
}

/// [`submit`] with the jobs running `bin` as topicbench.
fn submit_with(bin: &str, args: &[&str]) -> (i32, String, String) {
    let o = Command::new("timeout")
        .arg((WAIT_SECS + 30).to_string())
        .arg(repo_root().join("examples/slurm/submit.sh"))
        .args(args)
        .env("TOPICBENCH", bin)
        .current_dir(repo_root())
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// The unsharded run of `eval args` into a temporary folder.
fn unsharded(args: &[&str]) -> tempfile::TempDir {
    let whole = tempfile::tempdir().unwrap();
    let out = ["eval", "--out", whole.path().to_str().unwrap()];
    let (code, _, stderr) = run_bin(&repo_root(), &[&out[..], args].concat());
    assert_eq!(code, 0, "{stderr}");
    whole
}

/// `key=value` from the wrapper's `jobs:` line.
fn job_id(stdout: &str, key: &str) -> String {
    let line = stdout.lines().find(|l| l.starts_with("jobs: ")).unwrap();
    let prefix = format!("{key}=");
    let id = line
        .split(' ')
        .find_map(|w| w.strip_prefix(&prefix))
        .unwrap();
    assert!(
        !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()),
        "{line}"
    );
    id.to_owned()
}

fn assert_same_report(whole: &Path, dir: &Path) {
    assert_eq!(deterministic(whole), deterministic(&dir.join("report")));
    assert_eq!(predictions(whole), predictions(&dir.join("report")));
}

#[test]
fn job_array_and_merge_equal_the_unsharded_run() {
    if !slurm_up("job_array_and_merge_equal_the_unsharded_run") {
        return;
    }
    // 3 classifiers x 15 folds = 45 units; the external classifier's 15 fall in every shard.
    let args = ARGS;
    let whole = unsharded(&args);
    let run = tempfile::tempdir().unwrap();
    let dir = run.path().to_str().unwrap();
    let wait = WAIT_SECS.to_string();
    let (code, stdout, stderr) = submit(
        &[
            &["--shards", "4", "--dir", dir, "--wait", &wait, "--"][..],
            &args,
        ]
        .concat(),
    );
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    job_id(&stdout, "array");
    assert!(stdout.contains("merged 4 shards"), "{stdout}");
    for i in 0..4 {
        let log = std::fs::read_to_string(run.path().join(format!("logs/shard-{i}.log"))).unwrap();
        assert!(log.contains(&format!("shard {i}/4: ")), "{log}");
    }
    assert_same_report(whole.path(), run.path());
}

#[test]
fn a_cancelled_shard_stops_the_merge_and_a_resubmission_finishes() {
    if !slurm_up("a_cancelled_shard_stops_the_merge_and_a_resubmission_finishes") {
        return;
    }
    let args = ["--classifiers", "multinomial_nb", "--repeats", "2"];
    let whole = unsharded(&args);
    let run = tempfile::tempdir().unwrap();
    let dir = run.path().to_str().unwrap();
    let wait = WAIT_SECS.to_string();
    // Held, so that shard 2 is surely cancelled before it runs; then the rest is released.
    let (code, stdout, stderr) = submit(
        &[
            &["--shards", "4", "--dir", dir, "--sbatch", "--hold", "--"][..],
            &args,
        ]
        .concat(),
    );
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let (array, merge) = (job_id(&stdout, "array"), job_id(&stdout, "merge"));
    let scheduler = |cmd: &str, args: &[&str]| {
        let o = Command::new(cmd).args(args).output().unwrap();
        assert!(o.status.success(), "{cmd} {args:?}: {o:?}");
    };
    scheduler("scancel", &[&format!("{array}_2")]);
    scheduler("scontrol", &["release", &format!("{array},{merge}")]);
    let (code, stdout, stderr) = submit(&["--dir", dir, "--attach", "--wait", &wait]);
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert!(
        stderr.contains(&format!(
            "submit.sh: shard 2 of 4 failed: array task {array}_2"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "1 of 4 shard(s) failed, so the merge (job {merge}) did not run"
        )),
        "{stderr}"
    );
    assert_eq!(
        stderr.matches(" failed: array task ").count(),
        1,
        "{stderr}"
    );
    assert!(!run.path().join("report").exists());
    assert!(!run.path().join("logs/merge.log").exists());
    for i in [0, 1, 3] {
        assert!(
            run.path()
                .join(format!("shards/shard-{i}-of-4.json"))
                .exists()
        );
    }

    let (code, stdout, stderr) = submit(
        &[
            &[
                "--shards",
                "4",
                "--dir",
                dir,
                "--only-missing",
                "--wait",
                &wait,
                "--",
            ][..],
            &args,
        ]
        .concat(),
    );
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(
        stdout.contains("submit.sh: shards 2 of 4: array job"),
        "{stdout}"
    );
    assert_same_report(whole.path(), run.path());
}

/// A shard whose process fails (here: exits 1 before running topicbench) is named with Slurm's
/// state and exit code and its log, and the merge does not run.
#[test]
fn a_failed_shard_is_named_with_its_exit_code() {
    if !slurm_up("a_failed_shard_is_named_with_its_exit_code") {
        return;
    }
    let run = tempfile::tempdir().unwrap();
    let dir = run.path().to_str().unwrap();
    let bin = run.path().join("topicbench-failing-shard-1");
    std::fs::write(
        &bin,
        format!(
            "#!/bin/sh\n[ \"$SLURM_ARRAY_TASK_ID\" = 1 ] && {{ echo shard 1 fails here >&2; exit 1; }}\nexec {} \"$@\"\n",
            env!("CARGO_BIN_EXE_topicbench")
        ),
    )
    .unwrap();
    std::fs::set_permissions(&bin, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let wait = WAIT_SECS.to_string();
    let args = [
        "--shards",
        "3",
        "--dir",
        dir,
        "--wait",
        &wait,
        "--",
        "--classifiers",
        "majority",
        "--repeats",
        "1",
    ];
    let (code, stdout, stderr) = submit_with(bin.to_str().unwrap(), &args);
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    let (array, merge) = (job_id(&stdout, "array"), job_id(&stdout, "merge"));
    let log = run.path().join("logs/shard-1.log");
    let want = format!(
        "submit.sh: shard 1 of 3 failed: array task {array}_1 FAILED (exit 1:0); log: {}",
        log.display()
    );
    assert!(stderr.lines().any(|l| l == want), "{want}\n{stderr}");
    assert!(
        stderr.contains(&format!(
            "1 of 3 shard(s) failed, so the merge (job {merge}) did not run: CANCELLED"
        )),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(log).unwrap(),
        "shard 1 fails here\n"
    );
    assert!(!run.path().join("report").exists());
}
