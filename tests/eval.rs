//! End-to-end `eval` on the shipped corpus: the report's keys, the baseline beating the
//! label-prior floor, identical numbers across runs and thread counts, and leak-free folds.

use serde_json::Value;

use crate::util::{repo_root, run_bin};

/// Runs `eval` on the shipped corpus into a temporary reports folder; returns latest.json.
fn eval_json(extra: &[&str]) -> (Value, tempfile::TempDir) {
    let out = tempfile::tempdir().unwrap();
    let mut args = vec!["eval", "--out", out.path().to_str().unwrap()];
    args.extend_from_slice(extra);
    let (code, stdout, stderr) = run_bin(&repo_root(), &args);
    assert_eq!(code, 0, "eval failed: {stderr}");
    assert!(stdout.contains("multinomial_nb"), "{stdout}");
    let text = std::fs::read_to_string(out.path().join("latest.json")).unwrap();
    (serde_json::from_str(&text).unwrap(), out)
}

/// The report without its non-deterministic parts: the `run` section and every `timing`.
fn deterministic_part(mut v: Value) -> Value {
    v.as_object_mut().unwrap().remove("run");
    for c in v["classifiers"].as_array_mut().unwrap() {
        c.as_object_mut().unwrap().remove("timing");
    }
    v
}

fn metric(v: &Value, classifier: &str, m: &str) -> f64 {
    let c = v["classifiers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == classifier)
        .unwrap();
    c["metrics"][m]["mean"].as_f64().unwrap()
}

#[test]
fn report_has_the_documented_keys_and_files() {
    let (v, dir) = eval_json(&["--classifiers", "multinomial_nb,majority", "--repeats", "3"]);
    assert_eq!(v["schema"], "topicbench.report.v1");
    for k in ["name", "paragraphs", "topics", "sha256"] {
        assert!(!v["corpus"][k].is_null(), "corpus.{k}");
    }
    assert_eq!(v["corpus"]["paragraphs"], 98);
    assert_eq!(v["corpus"]["evaluated"], 71);
    assert_eq!(v["cv"]["folds"], 5);
    assert_eq!(v["cv"]["repeats"], 3);
    assert_eq!(v["cv"]["seed"], 42);
    assert_eq!(v["cv"]["scheme"], "kfold");
    assert!(
        v["cv"]["groups"].as_u64().unwrap() < 71,
        "near-duplicates must be grouped"
    );
    assert_eq!(v["baseline"], "multinomial_nb");
    let classifiers = v["classifiers"].as_array().unwrap();
    assert_eq!(classifiers.len(), 2);
    for c in classifiers {
        for m in ["micro_f1", "macro_f1", "subset_accuracy", "hamming_loss"] {
            let s = &c["metrics"][m];
            let (mean, lo, hi) = (
                s["mean"].as_f64().unwrap(),
                s["ci95"][0].as_f64().unwrap(),
                s["ci95"][1].as_f64().unwrap(),
            );
            assert!(
                lo <= mean && mean <= hi && s["sd"].as_f64().unwrap() >= 0.0,
                "{m}: {s}"
            );
        }
        for t in v["corpus"]["topics"].as_array().unwrap() {
            let pt = &c["per_topic"][t.as_str().unwrap()];
            for k in ["precision", "recall", "f1"] {
                assert!(pt[k]["mean"].is_f64(), "{t} {k}");
            }
            assert!(pt["support"].as_u64().unwrap() > 0);
        }
        assert!(c["timing"]["fit_secs_per_fold"].is_f64());
    }
    let majority = &classifiers
        .iter()
        .find(|c| c["name"] == "majority")
        .unwrap()["vs_baseline"];
    assert!(majority["macro_f1"]["p_value"].is_f64());
    assert!(
        ["better", "worse", "no significant difference"]
            .contains(&majority["macro_f1"]["verdict"].as_str().unwrap())
    );
    // The run folder holds the same report and every prediction: 2 classifiers × 3 repeats × 71.
    let runs: Vec<_> = std::fs::read_dir(dir.path().join("runs"))
        .unwrap()
        .collect();
    assert_eq!(runs.len(), 1);
    let run = runs[0].as_ref().unwrap().path();
    assert_eq!(
        std::fs::read(run.join("report.json")).unwrap(),
        std::fs::read(dir.path().join("latest.json")).unwrap()
    );
    let preds = std::fs::read_to_string(run.join("predictions.csv")).unwrap();
    assert!(
        preds.starts_with("classifier,repeat,fold,id,gold,predicted,score_taiwan,"),
        "{}",
        &preds[..100]
    );
    assert_eq!(preds.lines().count(), 1 + 2 * 3 * 71);
    assert!(dir.path().join("latest.md").exists());
    assert_eq!(
        std::fs::read(run.join("report.html")).unwrap(),
        std::fs::read(dir.path().join("latest.html")).unwrap()
    );
    // The learning curve: the baseline and the only contender, ten shares each.
    let lc = &v["learning_curve"];
    assert_eq!(lc["metric"], "macro_f1");
    assert_eq!(lc["fractions"].as_array().unwrap().len(), 10);
    let names: Vec<&str> = lc["classifiers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["multinomial_nb", "majority"]);
}

/// The curve's 100% point trains on the whole training fold, so it is the main run's number:
/// exactly for the contender (same classifier, folds, rows, seed), and for the baseline too
/// (the sparse twin's decisions equal linfa's). Each repeat trains on 4 × 71 paragraphs over 5
/// folds, 56.8 per fold at 100%.
#[test]
fn learning_curve_ends_at_the_main_run() {
    let (v, dir) = eval_json(&[
        "--classifiers",
        "multinomial_nb,nearest_centroid,majority",
        "--repeats",
        "4",
    ]);
    let lc = &v["learning_curve"];
    let sizes: Vec<f64> = lc["train_paragraphs_per_fold"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    assert_eq!(sizes.last(), Some(&56.8));
    assert!(sizes.windows(2).all(|w| w[0] < w[1]), "{sizes:?}");
    let curves = lc["classifiers"].as_array().unwrap();
    assert_eq!(curves.len(), 2);
    assert_eq!(curves[0]["role"], "baseline");
    assert!(
        curves[0]["note"].as_str().unwrap().contains("sparse"),
        "the baseline's curve must say how it was computed"
    );
    assert_eq!(curves[1]["name"], "nearest_centroid");
    assert_eq!(curves[1]["role"], "best contender");
    for c in curves {
        let points = c["macro_f1"].as_array().unwrap();
        assert_eq!(points.len(), 10);
        let main = v["classifiers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["name"] == c["name"])
            .unwrap();
        assert_eq!(points[9], main["metrics"]["macro_f1"], "{}", c["name"]);
        // Less training data does not help a 71-paragraph corpus.
        assert!(
            points[0]["mean"].as_f64().unwrap() < points[9]["mean"].as_f64().unwrap(),
            "{}",
            c["name"]
        );
    }
    let md = std::fs::read_to_string(dir.path().join("latest.md")).unwrap();
    assert!(md.contains("## Learning curve"), "{md}");

    let (v, dir) = eval_json(&[
        "--classifiers",
        "multinomial_nb",
        "--repeats",
        "2",
        "--no-learning-curve",
    ]);
    assert!(v.get("learning_curve").is_none());
    let md = std::fs::read_to_string(dir.path().join("latest.md")).unwrap();
    assert!(!md.contains("## Learning curve"));
    let html = std::fs::read_to_string(dir.path().join("latest.html")).unwrap();
    assert!(html.contains("Not computed for this run"));
}

#[test]
fn baseline_beats_the_label_prior_floor() {
    let (v, _dir) = eval_json(&["--classifiers", "multinomial_nb,majority"]);
    let (nb, floor) = (
        metric(&v, "multinomial_nb", "macro_f1"),
        metric(&v, "majority", "macro_f1"),
    );
    assert!(
        nb > floor + 0.1,
        "baseline macro-F1 {nb} vs majority {floor}"
    );
    assert!(metric(&v, "multinomial_nb", "micro_f1") > metric(&v, "majority", "micro_f1"));
}

#[test]
fn same_seed_same_numbers_with_any_thread_count() {
    let args = ["--classifiers", "multinomial_nb,majority", "--repeats", "4"];
    let (a, _d1) = eval_json(&[&args[..], &["--threads", "1"]].concat());
    let (b, _d2) = eval_json(&[&args[..], &["--threads", "2"]].concat());
    assert_eq!(deterministic_part(a.clone()), deterministic_part(b));
    let (c, _d3) = eval_json(&[&args[..], &["--seed", "7"]].concat());
    assert_ne!(
        deterministic_part(a)["classifiers"],
        deterministic_part(c)["classifiers"],
        "a different seed should move the folds"
    );
}

#[test]
fn leave_one_article_out_runs() {
    let (v, _dir) = eval_json(&["--classifiers", "multinomial_nb", "--cv", "article"]);
    assert_eq!(v["cv"]["scheme"], "article");
    assert_eq!(v["cv"]["folds"], 5);
    assert_eq!(v["cv"]["repeats"], 1);
}

/// On the shipped corpus: every body paragraph is tested once per repeat, and no near-duplicate
/// group straddles train and test.
#[test]
fn shipped_corpus_folds_are_leak_free_partitions() {
    use topicbench::eval::{Scheme, prepare};
    let project = topicbench::dataset::Project::new(repo_root());
    let ds =
        topicbench::check::load_project(&project, topicbench::groups::DEFAULT_THRESHOLD).unwrap();
    for scheme in [
        Scheme::KFold {
            folds: 5,
            repeats: 10,
        },
        Scheme::LeaveOneArticleOut,
    ] {
        let p = prepare(&ds, scheme, 42).unwrap();
        for r in 0..p.repeats {
            let mut seen = vec![0; p.items.len()];
            for f in p.folds.iter().filter(|f| f.repeat == r) {
                for &i in &f.test {
                    seen[i] += 1;
                }
                let group = |i: usize| ds.items[p.items[i]].group;
                for &i in &f.test {
                    assert!(
                        f.train.iter().all(|&j| group(j) != group(i)),
                        "{:?}: group of {} in train",
                        scheme,
                        ds.items[p.items[i]].id
                    );
                }
            }
            assert!(
                seen.iter().all(|&n| n == 1),
                "{scheme:?} repeat {r}: {seen:?}"
            );
        }
    }
}

#[test]
fn bad_flag_values_are_usage_errors() {
    for args in [
        &["eval", "--folds", "1"][..],
        &["eval", "--folds", "0"],
        &["eval", "--repeats", "0"],
        &["eval", "--folds", "x"],
    ] {
        let (code, _, stderr) = run_bin(&repo_root(), args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.contains("error"), "{stderr}");
    }
    let (code, _, stderr) = run_bin(
        &repo_root(),
        &["eval", "--classifiers", "nope", "--out", "/nonexistent"],
    );
    assert_eq!(code, 2);
    assert!(stderr.contains("unknown classifier `nope`"), "{stderr}");
    let (code, _, stderr) = run_bin(
        &repo_root(),
        &[
            "eval",
            "--folds",
            "80",
            "--repeats",
            "1",
            "--out",
            "/nonexistent",
        ],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("80 folds"), "{stderr}");
}

/// Under a tiny `--memory-budget` the baseline runs on its sparse equivalent, with the same
/// numbers and a note saying so, and the contenders (all sparse) are untouched; the budget shows
/// in the baseline's parameters.
#[test]
fn memory_budget_switches_the_baseline_to_sparse_and_leaves_the_contenders_alone() {
    let args = [
        "--classifiers",
        "multinomial_nb,linear_svm,nearest_centroid",
        "--repeats",
        "2",
        "--no-learning-curve",
    ];
    let (default, _d) = eval_json(&args);
    let (small, _s) = eval_json(&[&args[..], &["--memory-budget", "0.01"]].concat());
    let find = |v: &Value, name: &str| -> Value {
        v["classifiers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap()
            .clone()
    };
    let (base, base_default) = (
        find(&small, "multinomial_nb"),
        find(&default, "multinomial_nb"),
    );
    assert_eq!(base_default["params"]["memory_budget_bytes"], 1u64 << 30);
    assert_eq!(base_default["notes"], serde_json::json!([]));
    // 0.01 MiB = 10,485.76 bytes, rounded.
    assert_eq!(base["params"]["memory_budget_bytes"], 10486);
    let note = base["notes"][0].as_str().unwrap();
    assert!(
        note.starts_with(
            "ran on the sparse equivalent of linfa-bayes: the dense training matrix would need "
        ) && note.ends_with(" MiB, over the memory budget of 0.01 MiB"),
        "{note}"
    );
    assert_eq!(base["metrics"], base_default["metrics"]);
    assert_eq!(base["per_topic"], base_default["per_topic"]);

    let svm = find(&small, "linear_svm");
    assert_eq!(svm["status"], "ok");
    assert_eq!(svm["metrics"], find(&default, "linear_svm")["metrics"]);
    assert_eq!(
        find(&small, "nearest_centroid")["metrics"],
        find(&default, "nearest_centroid")["metrics"]
    );
}

/// The key paths of a report, generalized as docs/report-json.md writes them: array elements
/// as `[]`, and topic ids, metric names, parameters and stages as placeholders.
fn key_paths(
    v: &Value,
    path: &str,
    topics: &[String],
    out: &mut std::collections::BTreeSet<String>,
) {
    const METRICS: [&str; 4] = ["micro_f1", "macro_f1", "subset_accuracy", "hamming_loss"];
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                let name = if topics.contains(k)
                    && (path.ends_with(".per_topic") || path.ends_with(".top_words"))
                {
                    "<topic>"
                } else if METRICS.contains(&k.as_str())
                    && (path.ends_with(".metrics")
                        || path.ends_with("per_repeat[]")
                        || path.ends_with(".vs_baseline"))
                {
                    "<metric>"
                } else if path.ends_with(".params") {
                    "<param>"
                } else if path == "run.stage_secs" {
                    "<stage>"
                } else {
                    k.as_str()
                };
                let p = if path.is_empty() {
                    name.to_owned()
                } else {
                    format!("{path}.{name}")
                };
                out.insert(p.clone());
                key_paths(child, &p, topics, out);
            }
        }
        Value::Array(items) => {
            for item in items {
                key_paths(item, &format!("{path}[]"), topics, out);
            }
        }
        _ => {}
    }
}

/// Every key a run writes is in docs/report-json.md, and every key documented there (except
/// those written *only when* something holds) is written by a run that has a failed
/// classifier, notes, comparisons and the learning curve.
#[test]
fn report_json_keys_are_the_documented_ones() {
    let (v, _d) = eval_json(&[
        "--classifiers",
        "multinomial_nb,linear_svm,nearest_centroid",
        "--repeats",
        "2",
        "--memory-budget",
        "0.01",
    ]);
    let topics: Vec<String> = v["corpus"]["topics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap().to_owned())
        .collect();
    let mut written = std::collections::BTreeSet::new();
    key_paths(&v, "", &topics, &mut written);
    let doc = std::fs::read_to_string(repo_root().join("docs/report-json.md")).unwrap();
    let mut documented = std::collections::BTreeSet::new();
    let mut conditional = std::collections::BTreeSet::new();
    for line in doc.lines().filter(|l| l.starts_with("| `")) {
        let key = line[3..].split('`').next().unwrap().to_owned();
        if line.contains("*only when*") {
            conditional.insert(key.clone());
        }
        documented.insert(key);
    }
    let undocumented: Vec<&String> = written.difference(&documented).collect();
    assert!(
        undocumented.is_empty(),
        "written, not in docs/report-json.md: {undocumented:?}"
    );
    let missing: Vec<&String> = documented
        .difference(&written)
        .filter(|k| !conditional.iter().any(|c| k.starts_with(c.as_str())))
        .collect();
    assert!(missing.is_empty(), "documented, not written: {missing:?}");
}
