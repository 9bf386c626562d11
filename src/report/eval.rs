//! Evaluation reports: `latest.json` (for programs), `latest.md` (for people, laid out like
//! scikit-learn's `classification_report`), `predictions.csv` (every prediction), and the short
//! terminal table. Built from `eval`'s summaries; the JSON schema is written out here, in one
//! place.
//!
//! Everything in the JSON is a function of the inputs and the seed except the top-level `run`
//! section (timestamps, wall time, per-stage seconds) and each classifier's `timing`.

use std::fmt::Write as _;

use rayon::prelude::*;
use serde_json::{Value, json};

use crate::dataset::Dataset;
use crate::eval::{ClassifierSummary, EvalRun, Explanation, Scheme};
use crate::learning_curve::{LearningCurve, PERCENTS};
use crate::metrics::HEADLINE;
use crate::stats::{Summary, Verdict};

/// Version of the JSON layout.
pub const SCHEMA: &str = "topicbench.report.v1";

/// What the run was asked to do, for provenance.
#[derive(Debug, Clone)]
pub struct RunInfo {
    /// Scheme used.
    pub scheme: Scheme,
    /// Seed.
    pub seed: u64,
    /// The baseline's name.
    pub baseline: String,
    /// Git commit of the project, when there is one.
    pub git_commit: Option<String>,
    /// UTC start time, RFC 3339.
    pub started_at: String,
    /// Wall seconds from start to report.
    pub wall_secs: f64,
    /// Wall seconds of the stages outside `eval::run` (load, summarize, explain).
    pub stage_secs: std::collections::BTreeMap<String, f64>,
}

fn summary_json(s: &Summary) -> Value {
    json!({"mean": round(s.mean), "sd": round(s.sd), "ci95": s.ci95.map(|[a, b]| [round(a), round(b)])})
}

/// Rounds to 12 significant decimals so that the JSON does not depend on the last bits of
/// floating-point summation order.
fn round(x: f64) -> f64 {
    if x.is_finite() {
        (x * 1e12).round() / 1e12
    } else {
        x
    }
}

fn verdict_str(v: Verdict) -> &'static str {
    match v {
        Verdict::Better => "better",
        Verdict::Worse => "worse",
        Verdict::NoSignificantDifference => "no significant difference",
    }
}

/// The `latest.json` document.
pub fn report_json(
    ds: &Dataset,
    run: &EvalRun,
    summaries: &[ClassifierSummary],
    explanation: &Explanation,
    info: &RunInfo,
    curve: Option<&LearningCurve>,
) -> Value {
    let p = &run.prepared;
    let topics: Vec<&str> = ds.topics.iter().map(|t| t.id.as_str()).collect();
    let folds = match info.scheme {
        Scheme::KFold { folds, .. } => folds,
        _ => p.folds.len(),
    };
    let classifiers: Vec<Value> = summaries
        .iter()
        .map(|s| {
            let mut c = json!({
                "name": s.name,
                "description": s.description,
                "params": s.params,
                "status": if s.failed.is_some() { "failed" } else { "ok" },
            });
            if let Some(err) = &s.failed {
                c["error"] = json!(err);
                return c;
            }
            c["notes"] = json!(s.notes);
            c["metrics"] = HEADLINE
                .iter()
                .map(|m| (m.to_string(), summary_json(&s.metrics[m])))
                .collect::<serde_json::Map<_, _>>()
                .into();
            c["per_topic"] = topics
                .iter()
                .zip(&s.per_topic)
                .map(|(t, ts)| {
                    (
                        t.to_string(),
                        json!({
                            "precision": summary_json(&ts.precision),
                            "recall": summary_json(&ts.recall),
                            "f1": summary_json(&ts.f1),
                            "support": ts.support,
                        }),
                    )
                })
                .collect::<serde_json::Map<_, _>>()
                .into();
            c["per_repeat"] = s
                .per_repeat
                .iter()
                .map(|r| {
                    HEADLINE
                        .iter()
                        .map(|m| (m.to_string(), json!(round(r.headline(m).unwrap_or(0.0)))))
                        .collect::<serde_json::Map<_, _>>()
                        .into()
                })
                .collect::<Vec<Value>>()
                .into();
            if let Some(cmp) = &s.vs_baseline {
                let mut v: serde_json::Map<String, Value> = cmp
                    .metrics
                    .iter()
                    .map(|(m, (pd, verdict))| {
                        (
                            m.to_string(),
                            json!({
                                "diff": round(pd.diff),
                                "ci95": pd.ci95.map(|[a, b]| [round(a), round(b)]),
                                "p_value": pd.p_value.map(round),
                                "verdict": verdict_str(*verdict),
                            }),
                        )
                    })
                    .collect();
                v.insert(
                    "mcnemar_exact_match".into(),
                    json!({
                        "per_repeat": cmp.mcnemar.iter().map(|m| json!({"b": m.b, "c": m.c, "p_value": round(m.p_value)})).collect::<Vec<_>>(),
                        "median_p_value": round(median(&cmp.mcnemar.iter().map(|m| m.p_value).collect::<Vec<_>>())),
                    }),
                );
                c["vs_baseline"] = v.into();
            }
            c["timing"] = json!({
                "fit_secs_per_fold": s.timing.fit_mean,
                "predict_secs_per_fold": s.timing.predict_mean,
                "total_secs": s.timing.total,
            });
            c
        })
        .collect();
    let explain = json!({
        "top_words": topics.iter().zip(&explanation.top_words).map(|(t, w)| {
            (t.to_string(), w.iter().map(|(word, r)| json!({"word": word, "log_ratio": round(*r)})).collect::<Vec<_>>().into())
        }).collect::<serde_json::Map<String, Value>>(),
        "most_often_wrong": explanation.hardest.iter().map(|(i, n, pred)| {
            let it = &ds.items[*i];
            json!({
                "id": it.id,
                "times_wrong": n,
                "of_repeats": p.repeats,
                "gold": it.topics.iter().map(|&t| topics[t]).collect::<Vec<_>>(),
                "predicted": pred.iter().map(|&t| topics[t]).collect::<Vec<_>>(),
                "excerpt": excerpt(&it.text, 100),
            })
        }).collect::<Vec<_>>(),
    });
    let mut doc = json!({
        "schema": SCHEMA,
        "corpus": {
            "name": ds.name,
            "paragraphs": ds.items.len(),
            "evaluated": p.items.len(),
            "topics": topics,
            "sha256": ds.corpus_sha256,
            "labels_sha256": ds.labels_sha256,
            "single_label": p.single_label,
        },
        "cv": {
            "scheme": info.scheme.name(),
            "folds": folds,
            "repeats": p.repeats,
            "seed": info.seed,
            "groups": p.groups,
            "near_duplicate_threshold": ds.group_threshold,
        },
        "baseline": info.baseline,
        "classifiers": classifiers,
        "explain": explain,
        "provenance": {
            "crate_version": env!("CARGO_PKG_VERSION"),
            "git_commit": info.git_commit,
        },
        "run": {
            "started_at": info.started_at,
            "wall_secs": info.wall_secs,
            "stage_secs": run.stage_secs.iter().chain(&info.stage_secs).collect::<std::collections::BTreeMap<_, _>>(),
        },
    });
    if let Some(c) = curve {
        doc["learning_curve"] = learning_curve_json(c);
    }
    doc
}

/// The `learning_curve` section: macro-F1 summaries per training share (absent when the curve
/// was not computed).
pub fn learning_curve_json(c: &LearningCurve) -> Value {
    json!({
        "metric": "macro_f1",
        "fractions": PERCENTS.iter().map(|&p| p as f64 / 100.0).collect::<Vec<_>>(),
        "train_paragraphs_per_fold": c.train_size.iter().map(|&x| round(x)).collect::<Vec<_>>(),
        "subsample": "the first share of one seeded order of each training fold, stratified by each paragraph's rarest topic (nested: every subset contains the smaller ones); vocabulary and weights from the subset only; the fold's whole test set",
        "note": c.note,
        "classifiers": c.curves.iter().map(|cv| {
            let mut v = json!({"name": cv.name, "role": cv.role, "note": cv.note});
            match &cv.macro_f1 {
                Ok(points) => v["macro_f1"] = points.iter().map(summary_json).collect::<Vec<_>>().into(),
                Err(e) => v["error"] = json!(e),
            }
            v
        }).collect::<Vec<_>>(),
    })
}

fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

fn excerpt(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        text.to_owned()
    } else {
        let mut s: String = text.chars().take(chars).collect();
        s.push('…');
        s
    }
}

/// `0.345 [0.330, 0.360]`: a mean and its 95% interval.
pub(super) fn ci(s: &Summary) -> String {
    match s.ci95 {
        Some([a, b]) => format!("{:.3} [{a:.3}, {b:.3}]", s.mean),
        None => format!("{:.3}", s.mean),
    }
}

/// Classifiers ranked by mean macro-F1 (failed ones last), ties by name.
pub fn ranking(summaries: &[ClassifierSummary]) -> Vec<&ClassifierSummary> {
    let mut r: Vec<&ClassifierSummary> = summaries.iter().collect();
    let key = |s: &ClassifierSummary| {
        s.metrics
            .get("macro_f1")
            .map_or(f64::NEG_INFINITY, |m| m.mean)
    };
    r.sort_by(|a, b| key(b).total_cmp(&key(a)).then_with(|| a.name.cmp(&b.name)));
    r
}

/// The `latest.md` document.
pub fn report_markdown(
    ds: &Dataset,
    run: &EvalRun,
    summaries: &[ClassifierSummary],
    explanation: &Explanation,
    info: &RunInfo,
    curve: Option<&LearningCurve>,
) -> String {
    let p = &run.prepared;
    let mut s = String::new();
    let _ = writeln!(s, "# topicbench report\n");
    let scheme = match info.scheme {
        Scheme::KFold { folds, repeats } => {
            format!("{folds}-fold × {repeats} repeats, grouped and stratified")
        }
        Scheme::LeaveOneArticleOut => {
            "leave one article out (near-duplicates of the test article dropped from training)"
                .into()
        }
        Scheme::TrainTest => "train → test split".into(),
    };
    let _ = writeln!(
        s,
        "Corpus `{}`: {} evaluated paragraphs, {} topics, {} near-duplicate groups. Cross-validation: {scheme}, seed {}. Baseline: `{}`.\n",
        ds.name,
        p.items.len(),
        ds.topics.len(),
        p.groups,
        info.seed,
        info.baseline
    );
    let _ = writeln!(
        s,
        "Each value is the mean over repeats of the metric computed on TP/FP/FN pooled over the repeat's folds, with a 95% Student-t interval over repeats in brackets. The interval shows how much the number moves when the same paragraphs are re-split; it is not the uncertainty of a new sample of paragraphs. Differences from the baseline use the Nadeau–Bengio corrected resampled t-test on per-fold differences (p < {}).\n",
        crate::eval::ALPHA
    );
    let _ = writeln!(s, "## Ranking by macro-F1\n");
    let _ = writeln!(
        s,
        "| rank | classifier | macro-F1 | micro-F1 | subset accuracy | Hamming loss | vs baseline (macro-F1) |"
    );
    let _ = writeln!(s, "|---:|---|---|---|---|---|---|");
    for (i, c) in ranking(summaries).iter().enumerate() {
        let name = if c.name == info.baseline {
            format!("**{}** (baseline)", c.name)
        } else {
            format!("`{}`", c.name)
        };
        if let Some(err) = &c.failed {
            let _ = writeln!(
                s,
                "| – | {name} | failed: {} | | | | |",
                err.replace('|', "\\|").replace('\n', " ")
            );
            continue;
        }
        let vs = vs_baseline_text(c);
        let _ = writeln!(
            s,
            "| {} | {name} | {} | {} | {} | {} | {vs} |",
            i + 1,
            ci(&c.metrics["macro_f1"]),
            ci(&c.metrics["micro_f1"]),
            ci(&c.metrics["subset_accuracy"]),
            ci(&c.metrics["hamming_loss"]),
        );
    }

    let ok: Vec<&ClassifierSummary> = ranking(summaries)
        .into_iter()
        .filter(|c| c.failed.is_none())
        .collect();
    let _ = writeln!(s, "\n## Per-topic F1\n");
    let _ = write!(s, "| topic | support |");
    for c in &ok {
        let _ = write!(
            s,
            " {}{} |",
            c.name,
            if c.name == info.baseline {
                " (baseline)"
            } else {
                ""
            }
        );
    }
    let _ = write!(s, "\n|---|---:|");
    for _ in &ok {
        let _ = write!(s, "---:|");
    }
    let _ = writeln!(s);
    for (t, topic) in ds.topics.iter().enumerate() {
        let support = ok.first().map_or(0, |c| c.per_topic[t].support);
        let _ = write!(s, "| {} | {support} |", topic.id);
        for c in &ok {
            let _ = write!(s, " {:.3} |", c.per_topic[t].f1.mean);
        }
        let _ = writeln!(s);
    }

    for c in &ok {
        let _ = writeln!(
            s,
            "\n## {}{}\n",
            c.name,
            if c.name == info.baseline {
                " (baseline)"
            } else {
                ""
            }
        );
        let _ = writeln!(s, "{}\n", c.description);
        for note in &c.notes {
            let _ = writeln!(s, "Note: {note}.\n");
        }
        let _ = writeln!(s, "```");
        s.push_str(&classification_report(ds, c));
        let _ = writeln!(s, "```");
        if let Some(cmp) = &c.vs_baseline {
            let _ = writeln!(s, "\nvs baseline: ");
            for m in HEADLINE {
                if let Some((pd, v)) = cmp.metrics.get(m) {
                    let _ = writeln!(
                        s,
                        "- {m}: {:+.4} {}, {} → {}",
                        pd.diff,
                        pd.ci95
                            .map_or(String::new(), |[a, b]| format!("[{a:+.4}, {b:+.4}]")),
                        p_text(pd.p_value),
                        verdict_str(*v)
                    );
                }
            }
            let ps: Vec<f64> = cmp.mcnemar.iter().map(|m| m.p_value).collect();
            let _ = writeln!(
                s,
                "- McNemar (exact match, per repeat): median p = {:.4}; b/c (only this / only baseline right) in repeat 1: {}/{}",
                median(&ps),
                cmp.mcnemar.first().map_or(0, |m| m.b),
                cmp.mcnemar.first().map_or(0, |m| m.c)
            );
        }
        let _ = writeln!(
            s,
            "\nTime per fold: fit {:.2} ms, predict {:.2} ms.",
            c.timing.fit_mean * 1e3,
            c.timing.predict_mean * 1e3
        );
    }

    if let Some(c) = curve {
        s.push_str(&learning_curve_markdown(c));
    }

    let _ = writeln!(s, "\n## What the baseline learnt\n");
    let _ = writeln!(
        s,
        "Top words by log-probability ratio ln P(w | topic) − ln P(w | not topic), fitted on every evaluated paragraph:\n"
    );
    for (t, topic) in ds.topics.iter().enumerate() {
        let words: Vec<String> = explanation.top_words[t]
            .iter()
            .map(|(w, r)| format!("{w} ({r:.2})"))
            .collect();
        let _ = writeln!(s, "- **{}**: {}", topic.id, words.join(", "));
    }
    let _ = writeln!(
        s,
        "\nParagraphs the baseline gets wrong most often (predicted set ≠ gold set):\n"
    );
    let _ = writeln!(s, "| id | wrong in | gold | predicted | text |");
    let _ = writeln!(s, "|---|---:|---|---|---|");
    let names = |ts: &[usize]| {
        if ts.is_empty() {
            "–".to_owned()
        } else {
            ts.iter()
                .map(|&t| ds.topics[t].id.as_str())
                .collect::<Vec<_>>()
                .join(";")
        }
    };
    for (i, n, pred) in &explanation.hardest {
        let it = &ds.items[*i];
        let _ = writeln!(
            s,
            "| {} | {n}/{} | {} | {} | {} |",
            it.id,
            p.repeats,
            names(&it.topics),
            names(pred),
            excerpt(&it.text, 90).replace('|', "\\|")
        );
    }
    let _ = writeln!(
        s,
        "\n---\ncorpus sha256 `{}`, labels sha256 `{}`, topicbench {}{}.",
        &ds.corpus_sha256[..16.min(ds.corpus_sha256.len())],
        &ds.labels_sha256[..16.min(ds.labels_sha256.len())],
        env!("CARGO_PKG_VERSION"),
        info.git_commit.as_ref().map_or(String::new(), |c| format!(
            ", commit {}",
            &c[..12.min(c.len())]
        ))
    );
    s
}

/// The learning-curve section of `latest.md`: macro-F1 per training share.
fn learning_curve_markdown(c: &LearningCurve) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "\n## Learning curve\n");
    let _ = writeln!(
        s,
        "Macro-F1 when each training fold is cut to its first 10%, 20%, … of one seeded order stratified by rarest topic (same folds and test sets as above; vocabulary from the subset only).\n"
    );
    for note in c
        .note
        .iter()
        .chain(c.curves.iter().filter_map(|cv| cv.note.as_ref()))
    {
        let _ = writeln!(s, "Note: {note}.\n");
    }
    let _ = write!(s, "| training share | paragraphs per fold |");
    for cv in &c.curves {
        let _ = write!(s, " {} ({}) |", cv.name, cv.role);
    }
    let _ = write!(s, "\n|---:|---:|");
    for _ in &c.curves {
        let _ = write!(s, "---|");
    }
    let _ = writeln!(s);
    for (k, pct) in PERCENTS.iter().enumerate() {
        let _ = write!(s, "| {pct}% | {:.1} |", c.train_size[k]);
        for cv in &c.curves {
            match &cv.macro_f1 {
                Ok(points) => {
                    let _ = write!(s, " {} |", ci(&points[k]));
                }
                Err(e) if k == 0 => {
                    let _ = write!(s, " failed: {} |", e.replace('|', "\\|"));
                }
                Err(_) => {
                    let _ = write!(s, " |");
                }
            }
        }
        let _ = writeln!(s);
    }
    s
}

/// A scikit-learn style table of one classifier's per-topic scores (means over repeats).
pub fn classification_report(ds: &Dataset, c: &ClassifierSummary) -> String {
    let w = ds
        .topics
        .iter()
        .map(|t| t.id.len())
        .max()
        .unwrap_or(0)
        .max(12);
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{:>w$} {:>9} {:>9} {:>9} {:>9}",
        "", "precision", "recall", "f1-score", "support"
    );
    let _ = writeln!(s);
    for (t, topic) in ds.topics.iter().enumerate() {
        let ts = &c.per_topic[t];
        let _ = writeln!(
            s,
            "{:>w$} {:>9.3} {:>9.3} {:>9.3} {:>9}",
            topic.id, ts.precision.mean, ts.recall.mean, ts.f1.mean, ts.support
        );
    }
    let total: u64 = c.per_topic.iter().map(|t| t.support).sum();
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "{:>w$} {:>9} {:>9} {:>9.3} {:>9}",
        "micro avg", "", "", c.metrics["micro_f1"].mean, total
    );
    let _ = writeln!(
        s,
        "{:>w$} {:>9} {:>9} {:>9.3} {:>9}",
        "macro avg", "", "", c.metrics["macro_f1"].mean, total
    );
    let _ = writeln!(
        s,
        "{:>w$} {:>29.3}",
        "subset acc", c.metrics["subset_accuracy"].mean
    );
    let _ = writeln!(
        s,
        "{:>w$} {:>29.3}",
        "hamming loss", c.metrics["hamming_loss"].mean
    );
    s
}

/// The short table printed on stdout.
pub fn terminal_table(summaries: &[ClassifierSummary], baseline: &str) -> String {
    let mut s = String::new();
    let w = summaries
        .iter()
        .map(|c| c.name.len())
        .max()
        .unwrap_or(10)
        .max(10)
        + 2;
    let _ = writeln!(
        s,
        "{:<w$} {:>22} {:>9} {:>9} {:>9}  vs baseline (macro-F1)",
        "classifier", "macro-F1 [95% CI]", "micro-F1", "subset", "hamming"
    );
    for c in ranking(summaries) {
        let mark = if c.name == baseline { "*" } else { " " };
        if let Some(e) = &c.failed {
            let _ = writeln!(
                s,
                "{mark}{:<w$} FAILED: {}",
                c.name,
                e.lines().next().unwrap_or("")
            );
            continue;
        }
        let m = &c.metrics["macro_f1"];
        let ci = m
            .ci95
            .map_or("".to_owned(), |[a, b]| format!("[{a:.3},{b:.3}]"));
        let vs = c
            .vs_baseline
            .as_ref()
            .and_then(|v| v.metrics.get("macro_f1"))
            .map_or("baseline".to_owned(), |(pd, v)| {
                format!("{:+.3} {}", pd.diff, verdict_str(*v))
            });
        let _ = writeln!(
            s,
            "{mark}{:<w$} {:>6.3} {:>15} {:>9.3} {:>9.3} {:>9.3}  {vs}",
            c.name,
            m.mean,
            ci,
            c.metrics["micro_f1"].mean,
            c.metrics["subset_accuracy"].mean,
            c.metrics["hamming_loss"].mean
        );
    }
    s
}

/// `predictions.csv`: one row per classifier, repeat, fold and test item, with the gold and
/// predicted topic sets and one score column per topic.
pub fn predictions_csv(ds: &Dataset, run: &EvalRun) -> Vec<u8> {
    let p = &run.prepared;
    let topics: Vec<&str> = ds.topics.iter().map(|t| t.id.as_str()).collect();
    let writer = || {
        csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(Vec::new())
    };
    let mut w = writer();
    let mut header = vec![
        "classifier".to_owned(),
        "repeat".into(),
        "fold".into(),
        "id".into(),
        "gold".into(),
        "predicted".into(),
    ];
    header.extend(topics.iter().map(|t| format!("score_{t}")));
    let _ = w.write_record(&header);
    let mut out = w.into_inner().unwrap_or_default();
    // Rows in blocks, written in parallel (a large test fold has 100,000s of scores to format)
    // and joined in order.
    const ROWS: usize = 1024;
    let blocks: Vec<(&str, &crate::eval::FoldRun, usize)> = run
        .runs
        .iter()
        .filter_map(|r| r.outcome.as_ref().ok().map(|folds| (r, folds)))
        .flat_map(|(r, folds)| {
            folds.iter().flat_map(move |fr| {
                (0..p.folds[fr.fold].test.len())
                    .step_by(ROWS)
                    .map(move |start| (r.name.as_str(), fr, start))
            })
        })
        .collect();
    let parts: Vec<Vec<u8>> = blocks
        .par_iter()
        .map(|&(name, fr, start)| {
            let fold = &p.folds[fr.fold];
            let mut w = writer();
            let mut rec = csv::ByteRecord::new();
            let mut buf = String::new();
            let set = |row: ndarray::ArrayView1<bool>, buf: &mut String| {
                buf.clear();
                for (_, t) in row.iter().zip(&topics).filter(|(b, _)| **b) {
                    if !buf.is_empty() {
                        buf.push(';');
                    }
                    buf.push_str(t);
                }
            };
            let end = (start + ROWS).min(fold.test.len());
            for (k, &item) in fold.test.iter().enumerate().take(end).skip(start) {
                rec.clear();
                rec.push_field(name.as_bytes());
                buf.clear();
                let _ = write!(buf, "{}", fold.repeat);
                rec.push_field(buf.as_bytes());
                buf.clear();
                let _ = write!(buf, "{}", fold.fold);
                rec.push_field(buf.as_bytes());
                rec.push_field(ds.items[p.items[item]].id.as_bytes());
                set(p.gold.row(item), &mut buf);
                rec.push_field(buf.as_bytes());
                set(fr.pred.decisions.row(k), &mut buf);
                rec.push_field(buf.as_bytes());
                for v in fr.pred.scores.row(k) {
                    buf.clear();
                    let _ = write!(buf, "{v:.6}");
                    rec.push_field(buf.as_bytes());
                }
                let _ = w.write_byte_record(&rec);
            }
            w.into_inner().unwrap_or_default()
        })
        .collect();
    for part in parts {
        out.extend_from_slice(&part);
    }
    out
}

/// The macro-F1 comparison with the baseline for a ranking table: `+0.239, p = 0.006, better`,
/// or `–` for the baseline itself.
pub fn vs_baseline_text(c: &ClassifierSummary) -> String {
    c.vs_baseline
        .as_ref()
        .and_then(|v| v.metrics.get("macro_f1"))
        .map_or("–".to_owned(), |(pd, v)| {
            format!(
                "{:+.3}, {}, {}",
                pd.diff,
                p_text(pd.p_value),
                verdict_str(*v)
            )
        })
}

/// A p-value for people: `p = 0.043`, `p < 0.001`, or `p n/a` (no variance to test).
fn p_text(p: Option<f64>) -> String {
    match p {
        None => "p n/a".to_owned(),
        Some(p) if p < 0.001 => "p < 0.001".to_owned(),
        Some(p) => format!("p = {p:.3}"),
    }
}
