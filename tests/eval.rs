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
    assert!(stdout.contains("multinomial_nb"), "{stdout}");
    let text = std::fs::read_to_string(out.path().join("latest.json")).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    // Every report is written; the exit status is 3 when a classifier failed, else 0.
    let failed = v["classifiers"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["status"] == "failed");
    assert_eq!(code, if failed { 3 } else { 0 }, "eval: {stderr}");
    (v, out)
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
    let c = crate::util::classifier(v, classifier);
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
    assert_eq!(v["cv"]["near_duplicate_method"], "exact");
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
    // Every comparison carries its test, raw and Holm-adjusted p (one contender: adjusted =
    // raw) and the Bayesian probabilities; the label-prior floor, predicting no topic, is
    // significantly worse on the F1 scores.
    for m in ["micro_f1", "macro_f1", "subset_accuracy", "hamming_loss"] {
        let c = &majority[m];
        assert_eq!(c["test"], "nadeau_bengio", "{m}");
        assert_eq!(c["p_adjusted"], c["p_value"], "{m}");
        let b = &c["bayes"];
        let total = ["p_better", "p_equivalent", "p_worse"]
            .iter()
            .map(|k| b[*k].as_f64().unwrap())
            .sum::<f64>();
        assert!((total - 1.0).abs() < 1e-9 && b["rope"] == 0.01, "{m}: {b}");
        assert!(b["p_worse"].as_f64().unwrap() > 0.9, "{m}: {b}");
    }
    for m in ["micro_f1", "macro_f1"] {
        assert!(majority[m]["p_value"].as_f64().unwrap() < 0.05, "{m}");
        assert_eq!(majority[m]["verdict"], "worse", "{m}");
    }
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
        let mut main_point = main["metrics"]["macro_f1"].clone();
        main_point.as_object_mut().unwrap().remove("bootstrap_ci95");
        assert_eq!(points[9], main_point, "{}", c["name"]);
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
    let project = topicbench::data::dataset::Project::new(repo_root());
    let ds = topicbench::data::check::load_project(
        &project,
        topicbench::data::groups::DEFAULT_THRESHOLD,
    )
    .unwrap();
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
    let find = |v: &Value, name: &str| -> Value { crate::util::classifier(v, name).clone() };
    let (base, base_default) = (
        find(&small, "multinomial_nb"),
        find(&default, "multinomial_nb"),
    );
    // The budget is a setting of the run, not a hyperparameter.
    assert_eq!(default["cv"]["memory_budget_bytes"], 64u64 << 20);
    assert!(base_default["params"].get("memory_budget_bytes").is_none());
    assert_eq!(base_default["notes"], serde_json::json!([]));
    // 0.01 MiB = 10,485.76 bytes, rounded.
    assert_eq!(small["cv"]["memory_budget_bytes"], 10486);
    // One note for all 10 folds (each fold's size differs; the first fold's is shown).
    assert_eq!(
        base["notes"].as_array().unwrap().len(),
        1,
        "{}",
        base["notes"]
    );
    let note = base["notes"][0].as_str().unwrap();
    assert!(
        note.starts_with(
            "ran on the sparse equivalent of linfa-bayes: the dense training matrix would need "
        ) && note.ends_with(" MiB, over the memory budget of 0.01 MiB (alike in 10 of 10 folds)"),
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
pub fn key_paths(
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
                } else if (path.ends_with(".params") && k != "tuning")
                    || path.ends_with(".grid[]")
                    || path.ends_with(".chosen")
                {
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
        "multinomial_nb,linear_svm,nearest_centroid,complement_nb",
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
    // The `suite.json` section documents the other file (tests/suite.rs checks it).
    crate::util::assert_documented(&written, doc.split("\n## `suite.json`").next().unwrap());
}

/// A two-topic corpus with a `split` column: 240 train and 160 test documents of 8 words each,
/// drawn (by a fixed LCG) from topic words and shared words, so that the baseline is good but
/// not perfect.
fn split_corpus() -> String {
    let mut state: u64 = 12345;
    let mut next = move |n: u64| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) % n
    };
    let words = |topic: &str, k: u64| format!("{topic}{k}");
    let mut s = String::from("id,text,labels,split\n");
    for i in 0..400 {
        let topic = if i % 2 == 0 { "alpha" } else { "beta" };
        let other = if i % 2 == 0 { "beta" } else { "alpha" };
        let text: Vec<String> = (0..8)
            .map(|_| match next(10) {
                0..=3 => words(topic, next(12)),
                4 => words(other, next(12)),
                _ => words("common", next(30)),
            })
            .collect();
        let split = if i < 240 { "train" } else { "test" };
        s.push_str(&format!("d{i},{},{topic},{split}\n", text.join(" ")));
    }
    s
}

/// An external classifier that cheats: it reads the gold labels from the corpus file.
const ORACLE: &str = r#"oracle=python3 -c 'import sys, json, csv
gold = {r["id"]: r["labels"] for r in csv.DictReader(open("c.csv"))}
for l in sys.stdin:
    r = json.loads(l)
    print(json.dumps({"fold": r["fold"], "predictions": [{"id": d["id"], "topics": [gold[d["id"]]]} for d in r["test"]]}), flush=True)'"#;

/// One held-out test set: paired tests on the same test documents decide. A perfect contender
/// is `better` and the label-prior floor `worse` on every headline metric; a contender that
/// reproduces the baseline's predictions exactly (the example external naive Bayes) gets p = 1
/// and never `better` or `worse`. Holm adjusts over the three contenders.
#[test]
fn held_out_split_verdicts() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("c.csv"), split_corpus()).unwrap();
    let nb = format!(
        "copy=python3 {}",
        repo_root().join("examples/external_nb.py").display()
    );
    let (code, stdout, stderr) = run_bin(
        dir.path(),
        &[
            "eval",
            "--corpus",
            "c.csv",
            "--split",
            "test",
            "--classifiers",
            "multinomial_nb,majority",
            "--classifier-cmd",
            ORACLE,
            "--classifier-cmd",
            &nb,
            "--out",
            "out",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("approximate randomization"), "{stdout}");
    let v: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("out/latest.json")).unwrap())
            .unwrap();
    assert_eq!(v["corpus"]["evaluated"], 160);
    assert_eq!(v["comparison"]["design"], "held_out");
    assert_eq!(v["comparison"]["units"], 160);
    let find = |name: &str| -> Value { crate::util::classifier(&v, name).clone() };
    // Support counts the test rows only: 80 of each topic.
    let base = find("multinomial_nb");
    assert_eq!(base["per_topic"]["alpha"]["support"], 80);
    let acc = base["metrics"]["subset_accuracy"]["mean"].as_f64().unwrap();
    assert!(acc > 0.6 && acc < 0.99, "baseline accuracy {acc}");
    for m in ["micro_f1", "macro_f1", "subset_accuracy", "hamming_loss"] {
        let test = if m == "subset_accuracy" {
            "mcnemar_midp"
        } else {
            "approximate_randomization"
        };
        for (name, verdict) in [("oracle", "better"), ("majority", "worse")] {
            let c = &find(name)["vs_baseline"][m];
            assert_eq!(c["test"], test, "{name} {m}");
            assert_eq!(c["verdict"], verdict, "{name} {m}: {c}");
            let (p, adj) = (
                c["p_value"].as_f64().unwrap(),
                c["p_adjusted"].as_f64().unwrap(),
            );
            assert!(adj >= p && adj < 0.05, "{name} {m}: {c}");
            assert!(c.get("bayes").is_none(), "no Bayesian test on one split");
        }
        let copy = &find("copy")["vs_baseline"][m];
        assert_eq!(copy["p_value"], 1.0, "{m}: {copy}");
        assert_eq!(copy["p_adjusted"], 1.0, "{m}: {copy}");
        assert_eq!(copy["ci95"], serde_json::json!([0.0, 0.0]), "{m}: {copy}");
        assert_eq!(copy["verdict"], "equivalent", "{m}: {copy}");
        // The paragraph-level interval holds the test-set score.
        let s = &base["metrics"][m];
        let [lo, hi] = [0, 1].map(|i| s["bootstrap_ci95"][i].as_f64().unwrap());
        let mean = s["mean"].as_f64().unwrap();
        assert!(lo <= mean && mean <= hi && lo < hi, "{m}: {s}");
    }
    // The report says which design and tests it used, and nothing about repeats.
    let md = std::fs::read_to_string(dir.path().join("out/latest.md")).unwrap();
    assert!(
        md.contains("Design: one held-out test set (160 documents)"),
        "{md}"
    );
    assert!(md.contains("McNemar's mid-p"), "{md}");
    assert!(!md.contains("Nadeau"), "{md}");
    assert!(!md.contains("over repeats"), "{md}");
}

/// Tuning (on by default on the shipped corpus): logistic regression and the linear SVM, which
/// at their fixed C = 1 predict (next to) nothing on 71 paragraphs, predict topics once C is chosen
/// inside each training fold, and the report lists the choice per fold. Untuned classifiers'
/// numbers do not move.
#[test]
fn tuned_linear_models_predict_topics_and_report_their_choice() {
    let args = [
        "--classifiers",
        "multinomial_nb,logistic_regression,linear_svm,majority,nearest_centroid",
        "--repeats",
        "2",
        "--no-learning-curve",
    ];
    let (tuned, _d1) = eval_json(&args);
    let (fixed, _d2) = eval_json(&[&args[..], &["--no-tune"]].concat());
    let floor = metric(&tuned, "majority", "macro_f1");
    for name in ["logistic_regression", "linear_svm"] {
        let f1 = metric(&tuned, name, "macro_f1");
        assert!(
            f1 > floor + 0.15,
            "{name}: tuned macro-F1 {f1}, floor {floor}"
        );
        let c = crate::util::classifier(&tuned, name);
        let per_fold = c["tuning"]["per_fold"].as_array().unwrap();
        assert_eq!(per_fold.len(), 10, "{name}: 5 folds × 2 repeats");
        for f in per_fold {
            let chosen = f["chosen"].as_object().unwrap();
            assert_eq!(chosen.len(), 1, "{name}: {f}");
            assert!(f["inner_macro_f1"].is_f64(), "{name}: {f}");
        }
        assert!(c["params"]["tuning"]["grid"].as_array().unwrap().len() == 5);
    }
    assert!(
        metric(&fixed, "logistic_regression", "macro_f1") < 0.05,
        "at C = 1 logistic regression is a straw man"
    );
    for name in ["multinomial_nb", "majority", "nearest_centroid"] {
        let find = |v: &Value| crate::util::classifier(v, name)["metrics"].clone();
        assert_eq!(
            find(&tuned),
            find(&fixed),
            "{name} is not tuned: same numbers"
        );
    }
}

/// The pipeline is a library call: `eval::evaluate` on the shipped corpus gives the numbers the
/// command line writes (tuned contenders included), and prints nothing itself.
#[test]
fn the_library_call_gives_what_eval_writes() {
    use topicbench::eval;
    let (v, _out) = eval_json(&[
        "--classifiers",
        "multinomial_nb,logistic_regression,majority",
        "--repeats",
        "3",
        "--no-learning-curve",
    ]);
    let (ds, config) =
        shipped_library_run(&["multinomial_nb", "logistic_regression", "majority"], 3);
    let e = eval::evaluate(&ds, &config, &|| {}).unwrap();
    assert_eq!(e.summaries.len(), 3);
    for s in &e.summaries {
        let written = crate::util::classifier(&v, s.name.as_str());
        for m in ["macro_f1", "micro_f1", "subset_accuracy", "hamming_loss"] {
            let got = s.metrics[m].mean;
            let want = written["metrics"][m]["mean"].as_f64().unwrap();
            assert!((got - want).abs() < 1e-9, "{} {m}: {got} vs {want}", s.name);
        }
    }
    // The tuned contender reports its choice per fold, as the report does.
    let lr = e
        .summaries
        .iter()
        .find(|s| s.name == "logistic_regression")
        .unwrap();
    assert_eq!(lr.tuning.len(), 15);
}

/// The shipped corpus and the `eval::evaluate` configuration of `eval --classifiers NAMES
/// --repeats REPEATS --no-learning-curve` (5 folds, seed 42, contenders tuned as the CLI does).
fn shipped_library_run(
    names: &[&str],
    repeats: usize,
) -> (
    topicbench::data::dataset::Dataset,
    topicbench::eval::EvalConfig,
) {
    use topicbench::classifiers::{self, tune_all};
    use topicbench::eval::{EvalConfig, RunOptions, Scheme, StatsOptions};
    let ds = topicbench::data::check::load_project(
        &topicbench::data::dataset::Project::new(repo_root()),
        topicbench::data::groups::DEFAULT_THRESHOLD,
    )
    .unwrap();
    let config = EvalConfig {
        scheme: Scheme::KFold { folds: 5, repeats },
        seed: 42,
        classifiers: tune_all(
            names
                .iter()
                .map(|n| classifiers::by_name(n).unwrap())
                .collect(),
            false,
        ),
        externals: Vec::new(),
        run: RunOptions {
            seed: 42,
            external_timeout: std::time::Duration::from_secs(60),
            external_max_line: 1 << 20,
            memory_budget_bytes: classifiers::DEFAULT_MEMORY_BUDGET_BYTES,
        },
        stats: StatsOptions {
            seed: 42,
            ..StatsOptions::default()
        },
        learning_curve: false,
    };
    (ds, config)
}

/// Every call of `eval`'s retain-freed hook in this process: (thread, on).
static RETAIN_CALLS: std::sync::Mutex<Vec<(std::thread::ThreadId, bool)>> =
    std::sync::Mutex::new(Vec::new());

fn record_retain(on: bool) {
    let mut calls = RETAIN_CALLS.lock().unwrap_or_else(|e| e.into_inner());
    calls.push((std::thread::current().id(), on));
}

/// The folds stage of a small corpus is bracketed by the allocator hook: on, then off, once. The
/// run goes through a pool of its own (one thread), so other tests' runs in this process, which
/// call the same hook, are told apart by thread.
#[test]
fn the_folds_of_a_small_corpus_call_the_retain_freed_hook_on_then_off() {
    use topicbench::eval;
    eval::set_retain_freed_hook(record_retain);
    let (ds, config) = shipped_library_run(&["multinomial_nb"], 1);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let worker = pool.install(|| std::thread::current().id());
    pool.install(|| eval::evaluate(&ds, &config, &|| {}).unwrap());
    let calls: Vec<bool> = RETAIN_CALLS
        .lock()
        .unwrap()
        .iter()
        .filter(|(thread, _)| *thread == worker)
        .map(|&(_, on)| on)
        .collect();
    assert_eq!(calls, [true, false]);
}
