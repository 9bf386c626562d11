#!/usr/bin/env python3
"""topicbench's built-in contenders against scikit-learn's, on one corpus's train -> test split.

Usage: benches/compare_contenders.py [CORPUS.csv] [MODEL,MODEL...] [--reference SCRIPT] [--repeats N]

Runs `topicbench eval --corpus CORPUS --split test --classifiers MODEL --out TMP` (release
build), once per model so that no other fit competes for the cores, then the scikit-learn
reference script (default ../shared/reference/sklearn_contenders.py, unchanged: it is run in this
process with scikit-learn's `accuracy_score` wrapped to keep each model's per-document
predictions). Prints one table: per model, both scores (accuracy on single-label
corpora, micro-F1 on multi-label ones), the share of test documents whose predicted topic set is
the same on both sides, both fit times (seconds, the whole training split) and their ratio
(scikit-learn / topicbench). With --repeats N (default 1) both sides run N times, alternating,
and the fit times are medians (the range is printed below the table); the ratio is of the
medians. The issue-16 targets are marked: score within 0.005, agreement
>= 99% (>= 98% for logistic_regression), fit >= 3x faster.

Needs python3 with scikit-learn and cargo. CORPUS defaults to ../shared/corpora/20news/corpus.csv;
MODELS to linear_svm,logistic_regression,bernoulli_nb.
"""
import csv
import json
import os
import runpy
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import sklearn.metrics

ROOT = Path(__file__).resolve().parent.parent


def main():
    args = sys.argv[1:]
    reference = ROOT.parent / "shared/reference/sklearn_contenders.py"
    repeats = 1
    if "--repeats" in args:
        i = args.index("--repeats")
        repeats = int(args[i + 1])
        del args[i : i + 2]
        if repeats < 1:
            sys.exit("compare_contenders: --repeats must be at least 1")
    if "--reference" in args:
        i = args.index("--reference")
        reference = Path(args[i + 1])
        del args[i : i + 2]
    corpus = Path(args[0]) if args else ROOT.parent / "shared/corpora/20news/corpus.csv"
    models = (args[1] if len(args) > 1 else "linear_svm,logistic_regression,bernoulli_nb").split(",")
    for path, what in [(corpus, "corpus"), (reference, "scikit-learn reference script")]:
        if not path.is_file():
            hint = ("give the corpus CSV as the first argument" if what == "corpus" else
                    "give --reference PATH (the default is ../shared beside this clone)")
            sys.exit(f"compare_contenders: {what} {path} not found: {hint}")

    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    # One eval per model: eval fits its classifiers in parallel, which would slow each fit down.
    # Repeats alternate the two sides; predictions and scores are the first repeat's (both sides
    # are deterministic), fit times are kept per repeat.
    ours, ours_pred, ours_fit, theirs_fit = {}, {}, {}, {}
    theirs = None
    for _ in range(repeats):
        for name in models:
            with tempfile.TemporaryDirectory() as out:
                subprocess.run(
                    [str(ROOT / "target/release/topicbench"), "eval", "--corpus", str(corpus),
                     "--split", "test", "--classifiers", name, "--out", out],
                    check=True, stdout=subprocess.DEVNULL,
                )
                report = json.load(open(Path(out) / "latest.json"))
                mine = next(c for c in report["classifiers"] if c["name"] == name)
                ours_fit.setdefault(name, []).append(mine.get("timing", {}).get("fit_secs_per_fold"))
                if name in ours:
                    continue
                ours[name] = mine
                run_dir = max((Path(out) / "runs").iterdir())
                with open(run_dir / "predictions.csv", newline="", encoding="utf-8") as f:
                    ours_pred[name] = {
                        row["id"]: frozenset(t for t in row["predicted"].split(";") if t)
                        for row in csv.DictReader(f) if row["classifier"] == name
                    }

        # scikit-learn: the reference script as is; its score() calls accuracy_score(Yte, Yp)
        # once per model, in order.
        captured = []
        real_accuracy = sklearn.metrics.accuracy_score

        def keeping(y_true, y_pred, *a, **kw):
            captured.append(np.asarray(y_pred).copy())
            return real_accuracy(y_true, y_pred, *a, **kw)

        sklearn.metrics.accuracy_score = keeping
        saved_argv = sys.argv
        sys.argv = [str(reference), str(corpus), "-", ",".join(models)]
        with open(os.devnull, "w") as devnull:
            stdout, sys.stdout = sys.stdout, devnull
            try:
                g = runpy.run_path(str(reference), run_name="__main__")
            finally:
                sys.stdout = stdout
                sys.argv = saved_argv
                sklearn.metrics.accuracy_score = real_accuracy
        for name, m in g["out"]["models"].items():
            theirs_fit.setdefault(name, []).append(m["fit_s"])
        if theirs is None:
            theirs = g["out"]["models"]
            single = g["out"]["single_label"]
            classes = list(g["mlb"].classes_)
            test_ids = [r["id"] for r in g["te"]]
            theirs_pred = {
                name: [frozenset(classes[j] for j in np.flatnonzero(row)) for row in yp]
                for name, yp in zip(theirs, captured)
            }

    metric = "subset_accuracy" if single else "micro_f1"
    sk_metric = "accuracy" if single else "micro_f1"
    print(f"corpus: {corpus} ({'single-label: accuracy' if single else 'multi-label: micro-F1'}, "
          f"{len(test_ids)} test documents)")
    header = (f"{'model':<22} {'topicbench':>10} {'sklearn':>8} {'diff':>7} {'agree':>7} "
              f"{'fit tb s':>8} {'fit sk s':>8} {'ratio':>6}  targets")
    print(header)
    print("-" * len(header))
    for name in models:
        if name not in ours or ours[name].get("status", "ok") != "ok" or name not in theirs:
            print(f"{name:<22} failed: {ours.get(name, {}).get('status', 'missing')}")
            continue
        a = ours[name]["metrics"][metric]["mean"]
        b = theirs[name][sk_metric]
        mine = ours_pred[name]
        same = sum(mine[i] == s for i, s in zip(test_ids, theirs_pred[name]))
        agree = same / len(test_ids)
        fit_a = statistics.median(ours_fit[name])
        fit_b = statistics.median(theirs_fit[name])
        need = 0.98 if name == "logistic_regression" else 0.99
        marks = [
            "score" if abs(a - b) <= 0.005 else "SCORE-MISSED",
            "agree" if agree >= need else "AGREE-MISSED",
            "speed" if fit_b / fit_a >= 3 else "SPEED-MISSED",
        ]
        print(f"{name:<22} {a:>10.4f} {b:>8.4f} {a - b:>+7.4f} {agree:>7.2%} "
              f"{fit_a:>8.2f} {fit_b:>8.2f} {fit_b / fit_a:>5.1f}x  {' '.join(marks)}")
    if repeats > 1:
        print(f"\n{repeats} repeats, alternating; fit seconds per repeat (topicbench | scikit-learn), "
              f"and the ratio per repeat:")
        for name in models:
            if name in ours_fit and name in theirs_fit:
                per = [b / a for a, b in zip(ours_fit[name], theirs_fit[name])]
                print(f"  {name:<20} " + " ".join(f"{t:.2f}" for t in ours_fit[name]) + " | "
                      + " ".join(f"{t:.2f}" for t in theirs_fit[name]) + "  ratios "
                      + " ".join(f"{r:.1f}" for r in per))


if __name__ == "__main__":
    main()
