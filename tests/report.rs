//! `report list` and `report diff` on two hand-made reports in `tests/fixtures/reports/runs/`
//! (classifiers `base`, the baseline, `other`, `flaky`, which fails in B, and `new`, only in B),
//! deltas and flags worked by hand; and their errors on bad input.

use std::path::PathBuf;

use topicbench::report::runs::{self, Delta};

use crate::util::{repo_root, run_bin};

fn fixtures() -> PathBuf {
    repo_root().join("tests/fixtures/reports")
}

const A: &str = "20260101T000000Z-aaaaaaaa";
const B: &str = "20260102T000000Z-bbbbbbbb";

/// (classifier, metric or topic, Δ, flagged).
fn check(rows: &[Delta], expected: &[(&str, &str, f64, bool)]) {
    let got: Vec<(&str, &str, f64, bool)> = rows
        .iter()
        .map(|d| {
            (
                d.classifier.as_str(),
                d.what.as_str(),
                d.delta(),
                d.flagged.unwrap(),
            )
        })
        .collect();
    assert_eq!(got.len(), expected.len(), "{got:?}");
    for (g, e) in got.iter().zip(expected) {
        assert!(
            g.0 == e.0 && g.1 == e.1 && (g.2 - e.2).abs() < 1e-12 && g.3 == e.3,
            "got {g:?}, want {e:?}"
        );
    }
}

#[test]
fn diff_of_the_fixtures_matches_the_hand_worked_deltas() {
    let dir = fixtures().join("runs");
    let a = runs::read(&dir.join(A).join("report.json")).unwrap();
    let b = runs::read(&dir.join(B).join("report.json")).unwrap();
    let d = runs::diff(&a, &b);
    // Flagged when |Δ| > max(half-width A, half-width B):
    // base micro 0.60 [0.58, 0.62] → 0.61 [0.60, 0.62]: 0.01 vs max(0.02, 0.01) → no
    // base macro 0.50 [0.45, 0.55] → 0.58 [0.55, 0.61]: 0.08 vs max(0.05, 0.03) → yes
    // base subset 0.40 [0.38, 0.42] → 0.40 [0.40, 0.40]: 0 → no
    // base hamming 0.20 [0.19, 0.21] → 0.17 [0.165, 0.175]: 0.03 vs max(0.01, 0.005) → yes
    // other macro 0.60 [0.50, 0.70] → 0.55 [0.50, 0.60]: 0.05 vs max(0.10, 0.05) → no
    check(
        &d.metrics,
        &[
            ("base", "micro_f1", 0.01, false),
            ("base", "macro_f1", 0.08, true),
            ("base", "subset_accuracy", 0.0, false),
            ("base", "hamming_loss", -0.03, true),
            ("other", "micro_f1", 0.0, false),
            ("other", "macro_f1", -0.05, false),
            ("other", "subset_accuracy", 0.0, false),
            ("other", "hamming_loss", 0.0, false),
        ],
    );
    // base alpha 0.70 [0.60, 0.80] → 0.75 [0.70, 0.80]: 0.05 vs max(0.10, 0.05) → no
    // base beta 0.30 [0.25, 0.35] → 0.41 [0.40, 0.42]: 0.11 vs max(0.05, 0.01) → yes
    check(
        &d.topics,
        &[
            ("base", "alpha", 0.05, false),
            ("base", "beta", 0.11, true),
            ("other", "alpha", 0.0, false),
            ("other", "beta", 0.0, false),
        ],
    );
    assert_eq!(
        d.notes,
        vec![
            "`flaky` is ok in A and failed in B: fold r0f0: boom".to_owned(),
            "`new` is only in B".to_owned(),
        ]
    );
}

#[test]
fn diff_command_prints_flags_and_accepts_names_prefixes_and_paths() {
    let dir = fixtures();
    let b_path = dir.join("runs").join(B).join("report.json");
    for (a, b) in [
        (A.to_owned(), B.to_owned()),
        ("20260101".to_owned(), b_path.display().to_string()),
    ] {
        let (code, stdout, stderr) = run_bin(
            &repo_root(),
            &["report", "diff", "--dir", dir.to_str().unwrap(), &a, &b],
        );
        assert_eq!(code, 0, "{stderr}");
        let line = |who: &str, what: &str| {
            stdout
                .lines()
                .find(|l| {
                    let w: Vec<&str> = l.split_whitespace().collect();
                    w.len() > 2 && w[0] == who && w[1] == what
                })
                .unwrap_or_else(|| panic!("no {who} {what} row: {stdout}"))
                .split_whitespace()
                .collect::<Vec<_>>()
        };
        assert_eq!(
            line("base", "macro_f1"),
            [
                "base", "macro_f1", "0.500", "0.580", "+0.080", "0.050", "0.030", "*"
            ]
        );
        assert_eq!(
            line("other", "macro_f1"),
            [
                "other", "macro_f1", "0.600", "0.550", "-0.050", "0.100", "0.050"
            ]
        );
        assert_eq!(line("base", "beta").last(), Some(&"*"));
        assert!(
            stdout.contains("3 change(s) exceed the intervals."),
            "{stdout}"
        );
        assert!(stdout.contains("note: `new` is only in B"), "{stdout}");
    }
}

#[test]
fn list_shows_date_commit_and_headline_numbers() {
    let dir = fixtures();
    let (code, stdout, stderr) = run_bin(
        &repo_root(),
        &["report", "list", "--dir", dir.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    let cells = |l: &str| {
        l.split("  ")
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        cells(lines[1]),
        [
            A,
            "2026-01-01T00:00:00Z",
            "11111111",
            "fixture",
            "kfold 5×10, seed 42",
            "0.500 [0.450, 0.550]",
            "other 0.600, +0.100 no significant difference"
        ]
    );
    // In B `new` (0.2) ranks below `other` (0.55); the failed `flaky` is no candidate.
    assert_eq!(
        cells(lines[2]),
        [
            B,
            "2026-01-02T00:00:00Z",
            "aaaaaaaa",
            "fixture",
            "kfold 5×10, seed 42",
            "0.580 [0.550, 0.610]",
            "other 0.550, -0.030 no significant difference"
        ]
    );
}

#[test]
fn bad_runs_are_clear_errors_with_status_1() {
    let tmp = tempfile::tempdir().unwrap();
    let runs_dir = tmp.path().join("runs");
    std::fs::create_dir_all(runs_dir.join("20260101T000000Z-x")).unwrap();
    std::fs::write(
        runs_dir.join("20260101T000000Z-x/report.json"),
        "{\"schema\": \"topicbench.report.v2\"}",
    )
    .unwrap();
    std::fs::create_dir_all(runs_dir.join("20260102T000000Z-y")).unwrap();
    std::fs::write(runs_dir.join("20260102T000000Z-y/report.json"), "{\n  oops").unwrap();
    let other = tmp.path().join("other.json");
    std::fs::write(&other, "{\"a\": 1}").unwrap();
    let dir = tmp.path().to_str().unwrap();
    let fixture_a = fixtures().join("runs").join(A).join("report.json");
    let a = fixture_a.to_str().unwrap();
    for (args, message) in [
        (
            vec!["report", "diff", "--dir", dir, "nope", a],
            "nope: no such run",
        ),
        (
            vec!["report", "diff", "--dir", dir, "20260101T000000Z-x", a],
            "schema `topicbench.report.v2` is not the `topicbench.report.v1`",
        ),
        (
            vec!["report", "diff", "--dir", dir, a, "20260102"],
            "report.json:2: not a topicbench report",
        ),
        (
            vec!["report", "diff", "--dir", dir, a, other.to_str().unwrap()],
            "other.json: not a topicbench report (no `schema`",
        ),
        (
            vec!["report", "diff", "--dir", dir, "2026", a],
            "2026: names 2 runs",
        ),
        (
            vec!["report", "list", "--dir", "/nonexistent/reports"],
            "/nonexistent/reports: no such reports folder",
        ),
    ] {
        let (code, _, stderr) = run_bin(&repo_root(), &args);
        assert_eq!(code, 1, "{args:?}: {stderr}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    // `list` reports unreadable runs and goes on.
    let (code, stdout, stderr) = run_bin(&repo_root(), &["report", "list", "--dir", dir]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stderr.matches("warning: ").count(), 2, "{stderr}");
    assert!(stderr.contains("no readable runs"), "{stderr}");
    assert!(stdout.is_empty());
}

/// A held-out split is listed as such, not as `split 1×1`.
#[test]
fn list_names_a_held_out_split() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("runs").join(A);
    std::fs::create_dir_all(&run).unwrap();
    let text =
        std::fs::read_to_string(fixtures().join("runs").join(A).join("report.json")).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["cv"]["scheme"] = "split".into();
    v["cv"]["folds"] = 1.into();
    v["cv"]["repeats"] = 1.into();
    std::fs::write(run.join("report.json"), v.to_string()).unwrap();
    let (code, stdout, stderr) = run_bin(
        &repo_root(),
        &["report", "list", "--dir", dir.path().to_str().unwrap()],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("  train → test, seed 42  "), "{stdout}");
    assert!(!stdout.contains("×1"), "{stdout}");
}
