//! `suite` end to end on small fixture corpora: each corpus runs as `eval` would into its own
//! report folder, the leaderboard agrees with those reports (scores, ranks, verdict counts), a
//! failing classifier is ranked by the documented rule, an absent optional corpus is skipped,
//! and `suite.json`'s keys are exactly the documented ones (docs/report-json.md, section
//! `suite.json`).

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

use crate::util::{repo_root, run_bin};

/// A three-topic train/test corpus of 300 documents of 10 words; `noise` (0..10) of every ten
/// words come from the shared vocabulary, so corpora differ in how hard they are.
fn corpus(seed: u64, noise: u64) -> String {
    let mut state = seed;
    let mut draw = move |n: u64| {
        state = state
            .wrapping_mul(2862933555777941757)
            .wrapping_add(3037000493);
        (state >> 29) % n
    };
    let topics = ["red", "green", "blue"];
    let mut s = String::from("id,text,labels,split\n");
    for i in 0..300 {
        let topic = topics[i % 3];
        let words: Vec<String> = (0..10)
            .map(|_| {
                if draw(10) < noise {
                    format!("shared{}", draw(40))
                } else {
                    format!("{topic}{}", draw(15))
                }
            })
            .collect();
        let split = if i < 200 { "train" } else { "test" };
        s.push_str(&format!("n{i},{},{topic},{split}\n", words.join(" ")));
    }
    s
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Writes three corpora (and names a fourth, absent and optional) and a suite over them.
pub fn fixture(extra: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, seed, noise) in [("easy", 1, 3), ("middle", 2, 6), ("hard", 3, 8)] {
        std::fs::write(dir.path().join(format!("{name}.csv")), corpus(seed, noise)).unwrap();
    }
    let suite = format!(
        "seed = 7\nclassifiers = [\"majority\", \"complement_nb\", \"nearest_centroid\"]\n{extra}\n\
         [eval]\npermutations = 200\nbootstrap = 100\n\
         [[corpus]]\nfile = \"easy.csv\"\nsplit = \"test\"\n\
         [[corpus]]\nfile = \"middle.csv\"\nsplit = \"test\"\n\
         [[corpus]]\nname = \"absent\"\nfile = \"nowhere/none.csv\"\nsplit = \"test\"\noptional = true\n\
         [[corpus]]\nfile = \"hard.csv\"\nsplit = \"test\"\n"
    );
    std::fs::write(dir.path().join("s.toml"), suite).unwrap();
    dir
}

#[test]
fn a_suite_of_fixture_corpora_agrees_with_each_corpus_report() {
    let dir = fixture("");
    let (code, stdout, stderr) = run_bin(dir.path(), &["suite", "s.toml"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(
        stderr.contains("suite: skipping corpus `absent`: nowhere/none.csv is absent"),
        "{stderr}"
    );
    assert!(
        stdout.contains("== leaderboard by macro_f1 over 3 corpora"),
        "{stdout}"
    );
    let out = dir.path().join("reports/suite");
    for f in ["latest.json", "latest.md", "latest.html"] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    let v = read_json(&out.join("latest.json"));
    assert_eq!(v["metric"], "macro_f1");
    assert_eq!(v["corpora"], serde_json::json!(["easy", "middle", "hard"]));
    assert_eq!(v["skipped"][0]["name"], "absent");
    let rows = v["classifiers"].as_array().unwrap();
    let names: BTreeSet<&str> = rows.iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        BTreeSet::from([
            "multinomial_nb",
            "majority",
            "complement_nb",
            "nearest_centroid"
        ])
    );
    let k = rows.len() as f64;
    for (c, corpus) in ["easy", "middle", "hard"].iter().enumerate() {
        let report = read_json(&out.join("corpora").join(corpus).join("latest.json"));
        assert_eq!(report["cv"]["scheme"], "split");
        assert_eq!(report["cv"]["seed"], 7);
        let in_report = |name: &str| {
            report["classifiers"]
                .as_array()
                .unwrap()
                .iter()
                .find(|x| x["name"] == name)
                .unwrap()
                .clone()
        };
        // Ranks are a permutation of places 1..=k (ties averaged) ordered like the scores.
        let sum: f64 = rows.iter().map(|r| r["ranks"][c].as_f64().unwrap()).sum();
        assert_eq!(sum, k * (k + 1.0) / 2.0);
        for a in rows {
            let x = in_report(a["name"].as_str().unwrap());
            assert_eq!(a["scores"][c], x["metrics"]["macro_f1"]["mean"]);
            if a["name"] != "multinomial_nb" {
                assert_eq!(
                    a["corpus_verdicts"][c],
                    x["vs_baseline"]["macro_f1"]["verdict"]
                );
            }
            for b in rows {
                let (sa, sb) = (a["scores"][c].as_f64(), b["scores"][c].as_f64());
                let (ra, rb) = (a["ranks"][c].as_f64(), b["ranks"][c].as_f64());
                if sa > sb {
                    assert!(ra < rb, "{a} vs {b} on {corpus}");
                }
            }
        }
    }
    for r in rows {
        let ranks: Vec<f64> = r["ranks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect();
        let mean = ranks.iter().sum::<f64>() / 3.0;
        assert!((r["mean_rank"].as_f64().unwrap() - mean).abs() < 1e-9);
        if r["name"] != "multinomial_nb" {
            let verdicts = r["corpus_verdicts"].as_array().unwrap();
            let count = |w: &[&str]| {
                verdicts
                    .iter()
                    .filter(|v| w.contains(&v.as_str().unwrap()))
                    .count()
            };
            assert_eq!(r["record"]["wins"], count(&["better"]));
            assert_eq!(r["record"]["losses"], count(&["worse"]));
            assert_eq!(
                r["record"]["ties"],
                count(&["equivalent", "no significant difference"])
            );
        }
    }
    // Three corpora: the Friedman test runs, with the Iman–Davenport degrees of freedom.
    assert_eq!(v["friedman"]["df"], serde_json::json!([3.0, 6.0]));
    assert!(v["friedman"]["p_value"].as_f64().is_some());
    assert_eq!(v["critical_difference"]["q_alpha"], 2.569);
    // majority never learns: last on every corpus.
    let majority = rows.iter().find(|r| r["name"] == "majority").unwrap();
    assert_eq!(majority["mean_rank"], 4.0);
    assert_eq!(majority["record"]["losses"], 3);
    let md = std::fs::read_to_string(out.join("latest.md")).unwrap();
    assert!(
        md.contains("| classifier | mean rank | easy | middle | hard |"),
        "{md}"
    );
    documented_keys_both_ways(&v);
}

/// Every key of `suite.json` is in docs/report-json.md's `suite.json` section and every key
/// there (except *only when* ones) is written.
fn documented_keys_both_ways(v: &Value) {
    let mut written = BTreeSet::new();
    crate::eval::key_paths(v, "", &[], &mut written);
    let doc = std::fs::read_to_string(repo_root().join("docs/report-json.md")).unwrap();
    let section = doc
        .split_once("\n## `suite.json`")
        .expect("docs/report-json.md has a `suite.json` section")
        .1;
    crate::util::assert_documented(&written, section);
}

/// A classifier that fails on every corpus is shown, ranked last by the documented rule, and
/// the suite exits as `eval` does when a classifier failed; its rank comparison still runs.
#[test]
fn a_failing_classifier_ranks_last_and_the_suite_says_so() {
    let dir = fixture("[[external]]\nname = \"broken\"\ncommand = \"exit 3\"\n");
    let (code, stdout, stderr) =
        run_bin(dir.path(), &["suite", "s.toml", "--metric", "hamming_loss"]);
    assert_eq!(code, 3, "{stdout}\n{stderr}");
    let v = read_json(&dir.path().join("reports/suite/latest.json"));
    assert_eq!(v["metric"], "hamming_loss");
    assert_eq!(v["higher_is_better"], false);
    let rows = v["classifiers"].as_array().unwrap();
    let last = rows.last().unwrap();
    assert_eq!(last["name"], "broken");
    assert_eq!(last["ranks"], serde_json::json!([5.0, 5.0, 5.0]));
    assert_eq!(last["scores"], serde_json::json!([null, null, null]));
    assert!(
        last["errors"][0]
            .as_str()
            .unwrap()
            .contains("closed its output")
    );
    assert_eq!(last["record"]["untested"], 3);
    assert!(last["vs_baseline"]["p_adjusted"].as_f64().is_some());
    assert!(stdout.contains("failed (5)"), "{stdout}");
}

/// One corpus: the leaderboard is written, every test says why it did not run.
#[test]
fn one_corpus_leaves_the_tests_untested() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("one.csv"), corpus(5, 4)).unwrap();
    std::fs::write(
        dir.path().join("s.toml"),
        "classifiers = [\"majority\"]\n[eval]\npermutations = 100\nbootstrap = 100\n[[corpus]]\nfile = \"one.csv\"\nsplit = \"test\"\n",
    )
    .unwrap();
    let (code, stdout, stderr) = run_bin(dir.path(), &["suite", "s.toml", "--out", "lb"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let v = read_json(&dir.path().join("lb/latest.json"));
    assert_eq!(v["friedman"]["verdict"], "untested");
    assert!(
        v["friedman"]["reason"]
            .as_str()
            .unwrap()
            .contains("at least 2 corpora")
    );
    assert_eq!(v["critical_difference"]["value"], Value::Null);
    let majority = v["classifiers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "majority")
        .unwrap();
    assert_eq!(majority["vs_baseline"]["verdict"], "untested");
    assert!(stdout.contains("Friedman test: untested"), "{stdout}");
}
