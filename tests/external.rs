//! The external-command protocol end to end: the example classifier, and every fault (crash,
//! hang, garbage, partial output, a huge line, a missing id, a bad exit) contained so that the
//! other classifiers' results are still written.

use serde_json::Value;

use crate::util::{repo_root, run_bin};

/// Runs a short eval with one external classifier; returns the report and that classifier's
/// entry.
fn eval_with(cmd: &str, extra: &[&str]) -> (Value, Value) {
    let out = tempfile::tempdir().unwrap();
    let spec = format!("ext={cmd}");
    let mut args = vec![
        "eval",
        "--classifiers",
        "multinomial_nb,majority",
        "--folds",
        "3",
        "--repeats",
        "2",
        "--classifier-cmd",
        &spec,
        "--out",
        out.path().to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let (code, stdout, stderr) = run_bin(&repo_root(), &args);
    assert!(stdout.contains("ext"), "{stdout}");
    let v: Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("latest.json")).unwrap())
            .unwrap();
    let ext = crate::util::classifier(&v, "ext").clone();
    // A failing external classifier does not stop the run: every report is written, and the
    // exit status (3) tells a CI script that a contender broke.
    let want = if ext["status"] == "failed" { 3 } else { 0 };
    assert_eq!(code, want, "{stderr}");
    if want == 3 {
        assert!(stderr.contains("1 classifier(s) failed: ext"), "{stderr}");
    }
    for name in ["multinomial_nb", "majority"] {
        let c = crate::util::classifier(&v, name);
        assert_eq!(c["status"], "ok", "{name} must still be scored");
    }
    (v, ext)
}

fn assert_failed(cmd: &str, extra: &[&str], reason: &str) {
    let (_, ext) = eval_with(cmd, extra);
    assert_eq!(ext["status"], "failed", "{cmd}");
    let err = ext["error"].as_str().unwrap();
    assert!(
        err.contains(reason),
        "{cmd}: error {err:?} does not contain {reason:?}"
    );
}

#[test]
fn example_classifier_matches_the_baseline() {
    let (v, ext) = eval_with("python3 examples/external_nb.py", &[]);
    assert_eq!(ext["status"], "ok", "{ext}");
    let base = crate::util::classifier(&v, "multinomial_nb");
    // The example is an independent multinomial NB in plain Python: same numbers.
    assert_eq!(ext["metrics"], base["metrics"]);
    assert_eq!(ext["per_topic"], base["per_topic"]);
    // Identical predictions: every per-fold difference is 0, so p = 1 and the interval [0, 0]
    // lies inside the rope: equivalent, never better or worse.
    for m in ["micro_f1", "macro_f1", "subset_accuracy", "hamming_loss"] {
        let c = &ext["vs_baseline"][m];
        assert_eq!(c["p_value"], 1.0, "{m}: {c}");
        assert_eq!(c["ci95"], serde_json::json!([0.0, 0.0]), "{m}: {c}");
        assert_eq!(c["verdict"], "equivalent", "{m}: {c}");
        assert_eq!(c["bayes"]["p_equivalent"], 1.0, "{m}: {c}");
    }
}

const ANSWER_EMPTY: &str = r#"python3 -c 'import sys, json
for l in sys.stdin:
    r = json.loads(l)
    print(json.dumps({"fold": r["fold"], "predictions": [{"id": d["id"]} for d in r["test"]]}), flush=True)'"#;

#[test]
fn a_well_behaved_stub_passes() {
    let (_, ext) = eval_with(ANSWER_EMPTY, &[]);
    assert_eq!(ext["status"], "ok", "{ext}");
    assert_eq!(ext["metrics"]["micro_f1"]["mean"], 0.0);
}

#[test]
fn crash_reports_its_stderr() {
    assert_failed("echo 'boom: no model' >&2; exit 3", &[], "boom: no model");
}

#[test]
fn hang_times_out() {
    assert_failed(
        "sleep 30",
        &["--classifier-timeout", "0.5"],
        "no response within 0.5 s",
    );
}

/// Processes whose command line is `argv` (Linux /proc).
fn processes_running(argv: &[&str]) -> usize {
    let want: Vec<u8> = argv
        .iter()
        .flat_map(|a| [a.as_bytes(), b"\0"].concat())
        .collect();
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| std::fs::read(e.ok()?.path().join("cmdline")).ok())
        .filter(|c| *c == want)
        .count()
}

/// What the command started dies with it: after a timeout, the `sleep` the shell forked (it
/// is not the shell, which `; true` keeps from exec-ing it) is gone too, not left to init.
#[test]
fn a_timed_out_command_leaves_no_process_behind() {
    let argv = ["sleep", "3271"];
    assert_failed(
        "sleep 3271; true",
        &["--classifier-timeout", "0.5"],
        "no response within 0.5 s",
    );
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert_eq!(processes_running(&argv), 0, "`sleep 3271` outlived eval");
}

#[test]
fn garbage_is_malformed_json() {
    assert_failed(
        "while read l; do echo 'garbage here'; done",
        &[],
        "not the expected JSON",
    );
}

#[test]
fn partial_output_is_caught() {
    let cmd = r#"python3 -c 'import sys, json
r = json.loads(sys.stdin.readline())
print(json.dumps({"fold": r["fold"], "predictions": [{"id": d["id"]} for d in r["test"]]}), flush=True)'"#;
    assert_failed(cmd, &[], "closed its output without answering");
}

#[test]
fn huge_output_is_refused() {
    assert_failed(
        "head -c 3000000 /dev/zero | tr '\\0' x; echo",
        &["--classifier-max-output", "1"],
        "response line longer than 1048576 bytes",
    );
}

#[test]
fn missing_and_unknown_ids_are_caught() {
    let missing = r#"python3 -c 'import sys, json
for l in sys.stdin:
    r = json.loads(l)
    print(json.dumps({"fold": r["fold"], "predictions": [{"id": d["id"]} for d in r["test"][1:]]}), flush=True)'"#;
    assert_failed(missing, &[], "no prediction for id");
    let unknown = r#"python3 -c 'import sys, json
for l in sys.stdin:
    r = json.loads(l)
    print(json.dumps({"fold": r["fold"], "predictions": [{"id": "nope"}]}), flush=True)'"#;
    assert_failed(unknown, &[], "prediction for unknown id `nope`");
}

#[test]
fn non_zero_exit_after_answering_fails() {
    assert_failed(
        &format!("{ANSWER_EMPTY}; exit 2"),
        &[],
        "exited with exit status: 2",
    );
}
