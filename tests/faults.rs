//! Crashes and repeat runs: `eval` killed with SIGKILL at many moments never leaves a partial
//! `reports/latest.*` and never touches `labels/`; two runs, with one thread or two, write
//! byte-identical reports apart from the timing lines and the `run` section.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use serde_json::Value;

use crate::util::repo_root;

/// Copies the shipped project's inputs (`data/`, `labels/`) into a fresh directory.
fn shipped_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for sub in ["data/articles", "labels"] {
        let from = repo_root().join(sub);
        let to = dir.path().join(sub);
        std::fs::create_dir_all(&to).unwrap();
        for e in std::fs::read_dir(&from).unwrap() {
            let e = e.unwrap();
            if e.file_type().unwrap().is_file() {
                std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
            }
        }
    }
    dir
}

fn eval(root: &Path, extra: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_topicbench"));
    c.current_dir(root)
        .arg("eval")
        .args(extra)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    c
}

/// Every file below `dir`, with its bytes, sorted by path.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    crate::util::files_below(dir)
        .into_iter()
        .map(|p| (p.display().to_string(), std::fs::read(&p).unwrap()))
        .collect()
}

/// latest.json without what may differ between two runs of the same inputs and seed.
fn json_without_timing(text: &str) -> Value {
    let mut v: Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e})"));
    v.as_object_mut().unwrap().remove("run");
    for c in v["classifiers"].as_array_mut().unwrap() {
        c.as_object_mut().unwrap().remove("timing");
    }
    v
}

/// latest.md without its timing lines.
fn md_without_timing(text: &str) -> String {
    text.lines()
        .filter(|l| !l.starts_with("Time per fold:"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn sigkill_at_any_moment_leaves_a_whole_report_and_labels_untouched() {
    let project = shipped_copy();
    let root = project.path();
    let status = eval(root, &[]).status().unwrap();
    assert!(status.success());
    let latest = |name: &str| std::fs::read_to_string(root.join("reports").join(name)).unwrap();
    let (json0, md0) = (
        json_without_timing(&latest("latest.json")),
        md_without_timing(&latest("latest.md")),
    );
    let t = Instant::now();
    assert!(eval(root, &[]).status().unwrap().success());
    let full = t.elapsed();
    let labels = snapshot(&root.join("labels"));
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
    // Half the runs hold every written temporary file 150 ms before its rename, so that kills
    // land while reports are being replaced, not only while they are computed.
    const DELAY_MS: u64 = 150;
    for kill in 0..16 {
        let slow = kill % 2 == 1;
        let mut cmd = eval(root, &[]);
        if slow {
            cmd.env("TOPICBENCH_TEST_RENAME_DELAY_MS", DELAY_MS.to_string());
        }
        let mut child = cmd.spawn().unwrap();
        // Anywhere from start-up to just after the usual end of a run; for the slow runs, in
        // the writing phase (about five files, each held DELAY_MS).
        let wait = if slow {
            full.mul_f64(0.9) + Duration::from_millis(rng.gen_range(0..5 * DELAY_MS))
        } else {
            full.mul_f64(rng.gen_range(0.0..1.1))
        };
        std::thread::sleep(wait);
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let json = latest("latest.json");
        let md = latest("latest.md");
        assert_eq!(
            json_without_timing(&json),
            json0,
            "kill {kill} after {wait:?}: latest.json is not a whole report"
        );
        assert_eq!(
            md_without_timing(&md),
            md0,
            "kill {kill} after {wait:?}: latest.md is not a whole report"
        );
        assert!(
            snapshot(&root.join("labels")) == labels,
            "kill {kill}: labels/ changed"
        );
    }
}

#[test]
fn two_runs_and_thread_counts_give_byte_identical_reports_but_for_timing() {
    let project = shipped_copy();
    let root = project.path();
    let run = |threads: &str, out: &str| {
        assert!(
            eval(root, &["--threads", threads, "--out", out])
                .status()
                .unwrap()
                .success()
        );
        let read = |f: &str| std::fs::read_to_string(root.join(out).join(f)).unwrap();
        let run_dir = std::fs::read_dir(root.join(out).join("runs"))
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path();
        let predictions = std::fs::read(run_dir.join("predictions.csv")).unwrap();
        (read("latest.json"), read("latest.md"), predictions)
    };
    let (j1, m1, p1) = run("1", "a");
    let (j2, m2, p2) = run("2", "b");
    let (j3, m3, p3) = run("2", "c");
    for (j, m, p) in [(&j2, &m2, &p2), (&j3, &m3, &p3)] {
        assert_eq!(json_without_timing(j), json_without_timing(&j1));
        // Byte for byte: the deterministic part of the JSON is printed the same way.
        let strip = |s: &str| serde_json::to_string_pretty(&json_without_timing(s)).unwrap();
        assert_eq!(strip(j), strip(&j1));
        assert_eq!(md_without_timing(m), md_without_timing(&m1));
        assert!(p == &p1, "predictions.csv differs");
    }
    // Only the `run` section and the `timing` objects may differ in the raw JSON.
    let raw: Value = serde_json::from_str(&j1).unwrap();
    assert!(raw["run"]["wall_secs"].is_number());
}
