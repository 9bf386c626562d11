//! `latest.html`: one self-contained page to look at — the ranking table and five charts drawn
//! with plotters' SVG backend and inlined (no script, no font or file from anywhere else, so it
//! opens offline).
//!
//! The charts, each an `<svg>` with an id the browser test looks for: per-topic F1 with 95%
//! whiskers for every classifier (`chart-topic-f1`), the baseline's TP/FN/FP per topic
//! (`chart-baseline-counts`), topic co-occurrence in the gold labels beside the baseline's
//! predictions (`chart-cooccurrence`) or, when every paragraph has one topic, the baseline's
//! confusion matrix (`chart-confusion`), time per fold against macro-F1 (`chart-speed`), and the
//! learning curve (`chart-learning-curve`, from `learning_curve`). Built from `eval`'s summaries
//! and the kept predictions of the run; text is escaped here (page) or by plotters (SVG).
//!
//! Topic charts grow with the topics rather than squeeze them: one horizontal row per topic
//! (names on the left, never rotated or overlapping), heatmaps with cells sized for their labels
//! and label areas sized for the longest name; a chart wider than the page scrolls in its own box.

use std::fmt::Write as _;

use plotters::coord::Shift;
use plotters::coord::combinators::{BindKeyPoints, IntoLogRange, WithKeyPoints};
use plotters::coord::types::{RangedCoordf64, RangedCoordi32};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::eval::{RunInfo, method_text, scheme_text, test_text};
use crate::data::dataset::Dataset;
use crate::eval::learning_curve::{LearningCurve, PERCENTS};
use crate::eval::metrics::Counts;
use crate::eval::metrics::HEADLINE;
use crate::eval::ranking;
use crate::eval::stats::Summary;
use crate::eval::stats::Verdict;
use crate::eval::{ClassifierSummary, EvalRun, Evaluation};

/// The ids of the charts, in page order (a multi-label corpus; see [`chart_ids`]).
pub const CHART_IDS: [&str; 5] = [
    "chart-topic-f1",
    "chart-baseline-counts",
    "chart-cooccurrence",
    "chart-speed",
    "chart-learning-curve",
];

/// The ids of the charts a report has: a single-label corpus gets the baseline's confusion
/// matrix where a multi-label one gets co-occurrence heatmaps.
pub fn chart_ids(single_label: bool) -> [&'static str; 5] {
    let mut ids = CHART_IDS;
    if single_label {
        ids[2] = "chart-confusion";
    }
    ids
}

/// Page width the charts are drawn for (the page's max-width less its padding).
const PAGE: u32 = 1000;

pub(crate) type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;
pub(crate) type Drawn = std::result::Result<(), Box<dyn std::error::Error>>;

/// Tableau 10: distinguishable, and readable on white.
const PALETTE: [RGBColor; 10] = [
    RGBColor(0x4e, 0x79, 0xa7),
    RGBColor(0xf2, 0x8e, 0x2b),
    RGBColor(0xe1, 0x57, 0x59),
    RGBColor(0x76, 0xb7, 0xb2),
    RGBColor(0x59, 0xa1, 0x4f),
    RGBColor(0xed, 0xc9, 0x48),
    RGBColor(0xb0, 0x7a, 0xa1),
    RGBColor(0xff, 0x9d, 0xa7),
    RGBColor(0x9c, 0x75, 0x5f),
    RGBColor(0xba, 0xb0, 0xac),
];
pub(crate) const INK: RGBColor = RGBColor(0x33, 0x33, 0x33);
pub(crate) const FONT: &str = "sans-serif";

/// Escapes text for HTML element content and quoted attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn hex(c: RGBColor) -> String {
    format!("#{:02x}{:02x}{:02x}", c.0, c.1, c.2)
}

/// Draws one chart into an `<svg id=…>` string; a drawing error becomes a visible message.
pub(crate) fn svg(
    id: &str,
    label: &str,
    size: (u32, u32),
    draw: impl FnOnce(&Area) -> Drawn,
) -> String {
    let mut buf = String::new();
    let drawn = {
        let root = SVGBackend::with_string(&mut buf, size).into_drawing_area();
        root.fill(&WHITE)
            .map_err(Into::into)
            .and_then(|_| draw(&root))
            .and_then(|_| root.present().map_err(Into::into))
    };
    match drawn {
        Ok(()) => buf.replacen(
            "<svg ",
            &format!(
                "<svg id=\"{}\" role=\"img\" aria-label=\"{}\" ",
                esc(id),
                esc(label)
            ),
            1,
        ),
        Err(e) => format!(
            "<p class=\"error\" id=\"{}\">This chart could not be drawn: {}</p>",
            esc(id),
            esc(&e.to_string())
        ),
    }
}

/// A legend drawn in its own area: a swatch and a name per entry, one per line.
fn legend(area: &Area, entries: &[(String, RGBColor)]) -> Drawn {
    for (k, (name, color)) in entries.iter().enumerate() {
        let y = 14 + 22 * k as i32;
        area.draw(&Rectangle::new([(4, y - 6), (16, y + 6)], color.filled()))?;
        area.draw(&Text::new(
            name.clone(),
            (22, y - 7),
            (FONT, 15).into_font().color(&INK),
        ))?;
    }
    Ok(())
}

fn interval(s: &Summary) -> (f64, f64) {
    s.ci95.map_or((s.mean, s.mean), |[a, b]| (a, b))
}

/// `0.345` with its intervals below it: `[0.330, 0.360]` over repeats (cross-validation) and
/// `{0.231, 0.452}` over paragraphs (cluster bootstrap); on a held-out split only the latter.
fn ci_text(c: &ClassifierSummary, metric: &str, held_out: bool) -> String {
    let s = &c.metrics[metric];
    let mut out = format!("{:.3}", s.mean);
    if let (Some([a, b]), false) = (s.ci95, held_out) {
        let _ = write!(out, "<span class=\"ci\">[{a:.3}, {b:.3}]</span>");
    }
    if let Some([a, b]) = c.bootstrap_ci95.get(metric).copied().flatten() {
        let _ = write!(out, "<span class=\"ci\">({a:.3}, {b:.3})</span>");
    }
    out
}

/// The ranking table's comparison cell: the macro-F1 verdict, the difference and its adjusted p
/// with the test; `–` for the baseline.
fn vs_baseline_html(c: &ClassifierSummary) -> String {
    let Some(mc) = c
        .vs_baseline
        .as_ref()
        .and_then(|v| v.metrics.get("macro_f1"))
    else {
        return "–".into();
    };
    if mc.verdict == Verdict::Untested {
        return format!(
            "<span class=\"untested\">untested</span><span class=\"ci\">{}</span>",
            esc(mc.reason.as_deref().unwrap_or(""))
        );
    }
    format!(
        "<span class=\"{}\">{}</span> {:+.3}<span class=\"ci\">Holm p {} ({})</span>",
        mc.verdict.as_str().replace(' ', "-"),
        mc.verdict.as_str(),
        mc.diff,
        p_short(mc.p_adjusted),
        esc(test_text(mc.test))
    )
}

/// The headline metrics' column names, in `HEADLINE` order.
const HEADLINE_NAMES: [&str; 4] = ["micro-F1", "macro-F1", "subset accuracy", "Hamming loss"];

/// A p-value in a table cell: `0.043`, `&lt;0.001` or `n/a`.
fn p_short(p: Option<f64>) -> String {
    match p {
        None => "n/a".into(),
        Some(p) if p < 0.001 => "&lt;0.001".into(),
        Some(p) => format!("{p:.3}"),
    }
}

/// Seconds as a short human figure: `850 µs`, `12.3 ms`, `1.20 s`.
fn duration(secs: f64) -> String {
    if secs < 1e-3 {
        format!("{:.0} µs", secs * 1e6)
    } else if secs < 1.0 {
        format!("{:.1} ms", secs * 1e3)
    } else {
        format!("{secs:.2} s")
    }
}

/// The baseline's TP/FP/FN per topic and its predicted co-occurrence, both summed over every
/// fold and divided by the number of repeats (each paragraph is tested once per repeat).
struct BaselineView {
    tp: Vec<f64>,
    fp: Vec<f64>,
    fn_: Vec<f64>,
    predicted_pairs: Vec<Vec<f64>>,
    /// Gold topic (row) × predicted topic (column), single-label rows only.
    confusion: Vec<Vec<f64>>,
}

fn baseline_view(run: &EvalRun, baseline: &str) -> Option<BaselineView> {
    let p = &run.prepared;
    let folds = run
        .runs
        .iter()
        .find(|r| r.name == baseline)?
        .outcome
        .as_ref()
        .ok()?;
    let t = p.gold.ncols();
    let mut counts = Counts::new(t);
    let mut pairs = vec![vec![0u64; t]; t];
    let mut confusion = vec![vec![0u64; t]; t];
    for fr in folds {
        let gold = p.gold.select(ndarray::Axis(0), &p.folds[fr.fold].test);
        counts.merge(&Counts::from_predictions(
            gold.view(),
            fr.pred.decisions.view(),
        ));
        add_pairs(&mut pairs, fr.pred.decisions.view());
        add_confusion(&mut confusion, gold.view(), fr.pred.decisions.view());
    }
    let per_repeat = |v: &[u64]| -> Vec<f64> {
        v.iter()
            .map(|&x| x as f64 / p.repeats.max(1) as f64)
            .collect()
    };
    Some(BaselineView {
        tp: per_repeat(&counts.tp),
        fp: per_repeat(&counts.fp),
        fn_: per_repeat(&counts.fn_),
        predicted_pairs: pairs.iter().map(|row| per_repeat(row)).collect(),
        confusion: confusion.iter().map(|row| per_repeat(row)).collect(),
    })
}

/// Adds one to (gold, predicted) for every row with exactly one gold and one predicted topic.
fn add_confusion(
    m: &mut [Vec<u64>],
    gold: ndarray::ArrayView2<bool>,
    pred: ndarray::ArrayView2<bool>,
) {
    let only = |row: ndarray::ArrayView1<bool>| {
        let mut on = (0..row.len()).filter(|&k| row[k]);
        match (on.next(), on.next()) {
            (Some(k), None) => Some(k),
            _ => None,
        }
    };
    for (g, p) in gold.rows().into_iter().zip(pred.rows()) {
        if let (Some(i), Some(j)) = (only(g), only(p)) {
            m[i][j] += 1;
        }
    }
}

/// Adds, for every row, one to each pair (i, j) of topics the row carries (i = j included).
fn add_pairs(pairs: &mut [Vec<u64>], m: ndarray::ArrayView2<bool>) {
    for row in m.rows() {
        let on: Vec<usize> = (0..row.len()).filter(|&k| row[k]).collect();
        for &i in &on {
            for &j in &on {
                pairs[i][j] += 1;
            }
        }
    }
}

/// The `latest.html` page.
pub fn report_html(ds: &Dataset, e: &Evaluation, info: &RunInfo) -> String {
    let (run, summaries, curve) = (&e.run, e.summaries.as_slice(), e.learning_curve.as_ref());
    let p = &run.prepared;
    let ranked = ranking(summaries);
    let ok: Vec<&ClassifierSummary> = ranked
        .iter()
        .copied()
        .filter(|c| c.failed.is_none())
        .collect();
    let color = |name: &str| {
        let k = ok.iter().position(|c| c.name == name).unwrap_or(0);
        PALETTE[k % PALETTE.len()]
    };
    let topics: Vec<&str> = ds.topics.iter().map(|t| t.id.as_str()).collect();

    let mut s = String::new();
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>topicbench report: {}</title>\n<style>{CSS}</style>\n</head>\n<body>\n",
        esc(&ds.name)
    );
    let _ = writeln!(s, "<h1>topicbench report</h1>");
    let _ = writeln!(
        s,
        "<p class=\"meta\">Corpus <code>{}</code>: {} scored of {} paragraphs, {} topics, {}. \
         {}, seed {}. Baseline: <code>{}</code>. Run started {}{}.</p>",
        esc(&ds.name),
        p.tested().iter().filter(|&&t| t).count(),
        ds.items.len(),
        topics.len(),
        super::eval::groups_text(p),
        esc(&scheme_text(info.scheme)),
        info.seed,
        esc(&info.baseline),
        esc(&info.started_at),
        info.git_commit.as_ref().map_or(String::new(), |c| format!(
            ", commit <code>{}</code>",
            esc(&c[..12.min(c.len())])
        ))
    );
    let _ = writeln!(s, "<p>{}</p>", esc(&method_text(p, info)));
    let held_out = p.held_out();

    // Ranking.
    let _ = writeln!(s, "<h2 id=\"ranking\">Ranking by macro-F1</h2>");
    let _ = writeln!(
        s,
        "<p class=\"meta\">Under each score: {}(round brackets) the 95% paragraph-level interval (cluster bootstrap).</p>",
        if held_out {
            ""
        } else {
            "[square brackets] the 95% re-split interval over repeats; "
        }
    );
    let _ = writeln!(
        s,
        "<table>\n<thead><tr><th>rank</th><th>classifier</th><th>macro-F1</th><th>micro-F1</th>\
         <th>subset accuracy</th><th>Hamming loss</th><th>vs baseline (macro-F1)</th><th>time per fold</th></tr></thead>\n<tbody>"
    );
    for (i, c) in ranked.iter().enumerate() {
        let name = if c.name == info.baseline {
            format!("<strong>{}</strong> (baseline)", esc(&c.name))
        } else {
            esc(&c.name)
        };
        if let Some(err) = &c.failed {
            let _ = writeln!(
                s,
                "<tr class=\"failed\"><td>–</td><td>{name}</td><td colspan=\"6\">failed: {}</td></tr>",
                esc(err)
            );
            continue;
        }
        let vs = vs_baseline_html(c);
        let _ = writeln!(
            s,
            "<tr><td>{}</td><td><span class=\"sw\" style=\"background:{}\"></span>{name}</td>\
             <td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{vs}</td><td>{}</td></tr>",
            i + 1,
            hex(color(&c.name)),
            ci_text(c, "macro_f1", held_out),
            ci_text(c, "micro_f1", held_out),
            ci_text(c, "subset_accuracy", held_out),
            ci_text(c, "hamming_loss", held_out),
            duration(c.timing.fit_mean + c.timing.predict_mean),
        );
    }
    let _ = writeln!(s, "</tbody>\n</table>");

    // Every comparison: verdict, test, adjusted p.
    let _ = writeln!(
        s,
        "<h2 id=\"comparisons\">Comparisons with the baseline</h2>\n<table class=\"cmp\">\n<thead><tr><th>classifier</th>{}</tr></thead>\n<tbody>",
        HEADLINE_NAMES
            .iter()
            .map(|n| format!("<th>{n}</th>"))
            .collect::<String>()
    );
    for c in ranked.iter().filter(|c| c.vs_baseline.is_some()) {
        let Some(cmp) = &c.vs_baseline else { continue };
        let cells: String = HEADLINE
            .iter()
            .map(|m| {
                let mc = &cmp.metrics[m];
                if mc.verdict == Verdict::Untested {
                    return format!(
                        "<td class=\"untested\">untested<span class=\"ci\">{}</span></td>",
                        esc(mc.reason.as_deref().unwrap_or(""))
                    );
                }
                let bayes = mc.bayes.map_or(String::new(), |b| {
                    format!(
                        "<span class=\"ci\">P(better / ±{} / worse) {:.2} / {:.2} / {:.2}</span>",
                        b.rope, b.p_better, b.p_equivalent, b.p_worse
                    )
                });
                format!(
                    "<td class=\"{}\"><strong>{}</strong> {:+.3}<span class=\"ci\">{}: p {}, Holm p {}</span>{bayes}</td>",
                    mc.verdict.as_str().replace(' ', "-"),
                    mc.verdict.as_str(),
                    mc.diff,
                    esc(test_text(mc.test)),
                    p_short(mc.p_value),
                    p_short(mc.p_adjusted),
                )
            })
            .collect();
        let _ = writeln!(s, "<tr><td>{}</td>{cells}</tr>", esc(&c.name));
    }
    let _ = writeln!(s, "</tbody>\n</table>");

    // What each classifier is, what tuning chose, and its notes.
    let _ = writeln!(
        s,
        "<h2 id=\"classifiers\">Classifiers</h2>\n<table class=\"cmp\">\n<thead><tr><th>classifier</th><th>what it is, and what tuning chose</th><th>notes</th></tr></thead>\n<tbody>"
    );
    for c in &ranked {
        let tuning = if c.tuning.is_empty() {
            String::new()
        } else {
            format!(
                "<span class=\"ci\">Tuned by nested cross-validation: {}</span>",
                esc(&super::eval::tuning_text(c))
            )
        };
        let notes: Vec<String> = c.notes.iter().map(|n| esc(n)).collect();
        let _ = writeln!(
            s,
            "<tr><td>{}</td><td>{}{tuning}</td><td>{}</td></tr>",
            esc(&c.name),
            esc(&c.description),
            notes.join("<br>")
        );
    }
    let _ = writeln!(s, "</tbody>\n</table>");

    // Per-topic F1.
    let entries: Vec<(String, RGBColor)> = ok
        .iter()
        .map(|c| (c.name.clone(), color(&c.name)))
        .collect();
    let ids = chart_ids(p.single_label);
    let f1_height = bars_height(topics.len(), ok.len()).max(legend_height(entries.len()));
    figure(
        &mut s,
        "Per-topic F1",
        &svg(
            ids[0],
            "Per-topic F1 of every classifier with 95% intervals",
            (PAGE, f1_height),
            |root| {
                let (plot, side) = root.split_horizontally(PAGE - LEGEND);
                legend(&side.margin(30, 0, 10, 0), &entries)?;
                topic_f1_chart(&plot, &topics, &ok, &color)
            },
        ),
        "F1 per topic for each classifier (bars, in ranking order), with 95% interval whiskers over repeats.",
    );

    // Baseline counts and co-occurrence.
    match baseline_view(run, &info.baseline) {
        Some(view) => {
            figure(
                &mut s,
                "The baseline per topic",
                &svg(
                    ids[1],
                    "Baseline true positives, false negatives and false positives per topic",
                    (PAGE, bars_height(topics.len(), 1).max(legend_height(3))),
                    |root| counts_chart(root, &topics, &view),
                ),
                "The baseline's true positives, false negatives and false positives per topic, per repeat, stacked in that order (every paragraph is tested once per repeat, so TP + FN is the topic's support); the figures at the end of each bar are TP / FN / FP.",
            );
            if p.single_label {
                let (w, h) = heatmap_size(&topics);
                figure(
                    &mut s,
                    "Confusion matrix of the baseline",
                    &wide(&svg(
                        ids[2],
                        "Confusion matrix of the baseline: gold topic against predicted topic",
                        (w, h),
                        |root| {
                            heatmap(
                                root,
                                "gold topic (rows) → predicted topic (columns)",
                                &topics,
                                &view.confusion,
                                Shade::RowShare,
                            )
                        },
                    )),
                    "Paragraphs per repeat with the row's gold topic that the baseline gave the column's topic; columns are numbered like the rows. The shade is the share of the row (the diagonal is the topic's recall), so a dark cell off the diagonal is a topic the baseline takes for another.",
                );
            } else {
                let gold = gold_pairs(run);
                let (w, h) = heatmap_size(&topics);
                // Side by side when both fit the page, else one above the other.
                let beside = 2 * w <= PAGE;
                let size = if beside { (2 * w, h) } else { (w, 2 * h) };
                figure(
                    &mut s,
                    "Topic co-occurrence",
                    &wide(&svg(
                        ids[2],
                        "Topic co-occurrence heatmaps: gold labels beside the baseline's predictions",
                        size,
                        |root| {
                            let (a, b) = if beside {
                                root.split_horizontally(w)
                            } else {
                                root.split_vertically(h)
                            };
                            heatmap(&a, "gold labels", &topics, &gold, Shade::Max)?;
                            heatmap(
                                &b,
                                "predicted by the baseline",
                                &topics,
                                &view.predicted_pairs,
                                Shade::Max,
                            )
                        },
                    )),
                    "Paragraphs carrying both topics (the diagonal: paragraphs carrying the topic), in the gold labels and in the baseline's predictions (per repeat); columns are numbered like the rows. Each map is shaded on its own largest cell.",
                );
            }
        }
        None => {
            let _ = writeln!(
                s,
                "<p class=\"error\">The baseline failed, so there are no baseline counts or predicted co-occurrences.</p>"
            );
        }
    }

    // Speed.
    figure(
        &mut s,
        "Speed and accuracy",
        &svg(
            ids[3],
            "Time per fold against macro-F1, one point per classifier",
            (1000, 420),
            |root| speed_chart(root, &ok, &color),
        ),
        "Mean fit + predict time per fold (log scale) against macro-F1 with its 95% interval. Times are wall-clock on the machine that ran the report and vary between runs.",
    );

    // Learning curve.
    match curve {
        Some(c) => {
            let mut notes = String::new();
            for note in c
                .note
                .iter()
                .chain(c.curves.iter().filter_map(|cv| cv.note.as_ref()))
            {
                let _ = write!(notes, " Note: {}.", esc(note));
            }
            figure(
                &mut s,
                "Learning curve",
                &svg(
                    ids[4],
                    "Learning curve: macro-F1 against the share of the training fold used",
                    (1000, 420),
                    |root| {
                        let (plot, side) = root.split_horizontally(730);
                        let entries: Vec<(String, RGBColor)> = c
                            .curves
                            .iter()
                            .map(|cv| (format!("{} ({})", cv.name, cv.role), color(&cv.name)))
                            .collect();
                        legend(&side.margin(30, 0, 10, 0), &entries)?;
                        curve_chart(&plot, c, &color)
                    },
                ),
                &format!(
                    "Macro-F1 when each training fold is cut to its first 10%, 20%, …, 100% of one seeded order stratified by rarest topic (nested subsets, the same folds and test sets as above, vocabulary from the subset only); bands are 95% intervals over repeats.{notes}"
                ),
            );
        }
        None => {
            // `eval` computes it unless --no-learning-curve is given, except for a --corpus file
            // (no label files: labels_sha256 is empty), where it is off unless asked for.
            let why = if ds.labels_sha256.is_empty() {
                "it is off by default for a <code>--corpus</code> file, where it would multiply the fitting work; <code>--learning-curve</code> adds it"
            } else {
                "<code>--no-learning-curve</code> was given"
            };
            let _ = writeln!(
                s,
                "<h2>Learning curve</h2>\n<p>Not computed for this run: {why}.</p>"
            );
        }
    }

    // A corpus file has no separate labels (an empty hash): no empty field for it.
    let mut hashes = String::new();
    for (what, sha) in [("corpus", &ds.corpus_sha256), ("labels", &ds.labels_sha256)] {
        if !sha.is_empty() {
            let _ = write!(
                hashes,
                "{what} sha256 <code>{}</code>, ",
                esc(&sha[..16.min(sha.len())])
            );
        }
    }
    let _ = writeln!(
        s,
        "<footer>{hashes}topicbench {}. \
         The same numbers are in <code>report.json</code> and <code>report.md</code> beside this file.</footer>\n</body>\n</html>",
        env!("CARGO_PKG_VERSION"),
    );
    s
}

pub(crate) const CSS: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;color:#222;max-width:1040px;margin:2em auto;padding:0 1em;line-height:1.45}\
h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.25em;margin-top:1.6em;border-bottom:1px solid #ddd;padding-bottom:.2em}\
.meta{color:#555}code{font-family:ui-monospace,monospace;font-size:.92em}\
table{border-collapse:collapse;font-size:.85em;margin:.5em 0;display:block;max-width:100%;overflow-x:auto}th,td{border-bottom:1px solid #e4e4e4;padding:.3em .5em;text-align:right;white-space:nowrap}td:nth-child(7){white-space:normal}.ci{display:block;font-size:.82em;color:#666}\
th:nth-child(2),td:nth-child(2),td[colspan]{text-align:left}td[colspan]{white-space:normal;overflow-wrap:anywhere}thead th{border-bottom:2px solid #bbb}\
tr.failed td{color:#a33}.sw{display:inline-block;width:.8em;height:.8em;margin-right:.4em;vertical-align:-.05em}\
figure{margin:.5em 0 1.5em}figcaption{color:#555;font-size:.9em;max-width:60em}svg{max-width:100%;height:auto}\
.wide{overflow-x:auto;max-width:100%}.wide svg{max-width:none}\
.error{color:#a33}.better{color:#1a7f37}.worse{color:#a33}.untested{color:#8a6d00}\
table.cmp th,table.cmp td{white-space:normal;text-align:left;vertical-align:top}table.cmp td:first-child{white-space:nowrap}footer{margin-top:2em;color:#777;font-size:.85em}";

pub(crate) fn figure(s: &mut String, title: &str, svg: &str, caption: &str) {
    let _ = writeln!(
        s,
        "<h2>{}</h2>\n<figure>\n{svg}<figcaption>{caption}</figcaption>\n</figure>",
        esc(title)
    );
}

/// Gold co-occurrence: paragraphs carrying both topics.
fn gold_pairs(run: &EvalRun) -> Vec<Vec<f64>> {
    let t = run.prepared.gold.ncols();
    let mut pairs = vec![vec![0u64; t]; t];
    add_pairs(&mut pairs, run.prepared.gold.view());
    pairs
        .iter()
        .map(|r| r.iter().map(|&x| x as f64).collect())
        .collect()
}

/// Units per topic slot on a topic axis: the axis is integer (plotters formats integer axes
/// with key points; its `f64` axes do not take custom ones), fine enough for bar positions.
const SLOT: i32 = 1000;

/// Position `x` (in slots, fractional) on a topic axis.
fn at(x: f64) -> i32 {
    (x * f64::from(SLOT)).round() as i32
}

/// A topic axis: one slot per topic, key points at the slot middles.
fn topic_axis(n: usize) -> WithKeyPoints<RangedCoordi32> {
    let n = n as i32;
    (0..n * SLOT).with_key_points((0..n).map(|k| k * SLOT + SLOT / 2).collect::<Vec<_>>())
}

fn topic_at<'a>(topics: &'a [&str], x: i32) -> &'a str {
    usize::try_from(x.div_euclid(SLOT))
        .ok()
        .and_then(|k| topics.get(k))
        .copied()
        .unwrap_or("")
}

/// One series of a grouped bar chart: a bar per topic, with optional whiskers (low, high).
struct Bars {
    color: RGBColor,
    values: Vec<f64>,
    whiskers: Option<Vec<(f64, f64)>>,
}

/// Width of the legend column beside a chart.
const LEGEND: u32 = 210;
/// Axis label font size.
const LABEL_PX: u32 = 15;
/// The longest topic name shown whole on an axis, in characters (longer ones end in `…`).
const NAME_CHARS: usize = 40;

/// A topic name as an axis shows it.
fn short(name: &str) -> String {
    crate::data::articles::excerpt(name, NAME_CHARS)
}

/// Pixels a label area needs for `text` at `px` (a generous average glyph width for
/// sans-serif, so that no label is cut).
fn text_px(text: &str, px: u32) -> u32 {
    (text.chars().count() as f64 * f64::from(px) * 0.62).ceil() as u32
}

/// Height of a horizontal bar chart: a row per topic, tall enough for `series` bars and for a
/// label, plus the x axis.
fn bars_height(topics: usize, series: usize) -> u32 {
    let row = (6 + 8 * series as u32).max(LABEL_PX + 7);
    row * topics.max(1) as u32 + 70
}

/// Height a legend of `entries` needs.
fn legend_height(entries: usize) -> u32 {
    40 + 22 * entries as u32
}

/// Pixels the topic-name axis needs: the longest shown name and its number.
fn names_px(topics: &[&str], px: u32) -> u32 {
    let longest = topics
        .iter()
        .map(|t| text_px(&format!("{} {}", short(t), topics.len()), px))
        .max()
        .unwrap_or(0);
    longest + 12
}

/// A chart whose y axis is a topic axis and whose x axis is a number.
type TopicRows<'a, 'b> =
    ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, WithKeyPoints<RangedCoordi32>>>;

/// A chart with one row per topic (topic 0 at the top), x from 0 to `top`.
fn topic_rows<'a, 'b>(
    area: &'a Area<'b>,
    topics: &[&str],
    top: f64,
    x_desc: &str,
    x_fmt: &dyn Fn(&f64) -> String,
) -> std::result::Result<TopicRows<'a, 'b>, Box<dyn std::error::Error>> {
    let n = topics.len();
    let mut chart = ChartBuilder::on(area)
        .margin(10)
        .margin_right(24)
        .x_label_area_size(44)
        .y_label_area_size(names_px(topics, LABEL_PX) - 12)
        .build_cartesian_2d(0f64..top, topic_axis(n))?;
    let label = |y: &i32| {
        short(topic_at(
            topics,
            (n as i32 - 1) * SLOT - y.div_euclid(SLOT) * SLOT,
        ))
    };
    chart
        .configure_mesh()
        .disable_y_mesh()
        .max_light_lines(1)
        .y_label_formatter(&label)
        .x_label_formatter(x_fmt)
        .x_desc(x_desc)
        .label_style((FONT, LABEL_PX).into_font().color(&INK))
        .draw()?;
    Ok(chart)
}

/// Row `k`'s position on a topic axis drawn top-down: slot `n − 1 − k`, `f` into it.
fn row_at(n: usize, k: usize, f: f64) -> i32 {
    at((n - 1 - k) as f64 + f)
}

/// Horizontal bars grouped by topic (one row per topic), one colour per series, with whiskers.
fn hbars(area: &Area, topics: &[&str], top: f64, x_desc: &str, series: &[Bars]) -> Drawn {
    let n = topics.len();
    let fmt = |x: &f64| format!("{x:.1}");
    let mut chart = topic_rows(area, topics, top, x_desc, &fmt)?;
    let slot = 0.8 / series.len().max(1) as f64;
    for (j, b) in series.iter().enumerate() {
        // Series 0 at the top of each row.
        let y0 = |k: usize| row_at(n, k, 0.9 - (j as f64 + 0.88) * slot);
        let y1 = |k: usize| row_at(n, k, 0.9 - j as f64 * slot);
        let mid = |k: usize| row_at(n, k, 0.9 - (j as f64 + 0.44) * slot);
        chart.draw_series(
            b.values
                .iter()
                .enumerate()
                .map(|(k, &x)| Rectangle::new([(0.0, y0(k)), (x, y1(k))], b.color.filled())),
        )?;
        if let Some(w) = &b.whiskers {
            chart.draw_series(
                b.values
                    .iter()
                    .zip(w)
                    .enumerate()
                    .map(|(k, (&x, &(lo, hi)))| {
                        ErrorBar::new_horizontal(mid(k), lo, x, hi, INK.stroke_width(1), 4)
                    }),
            )?;
        }
    }
    Ok(())
}

/// F1 per topic for every classifier, with 95% whiskers.
fn topic_f1_chart(
    area: &Area,
    topics: &[&str],
    ok: &[&ClassifierSummary],
    color: &dyn Fn(&str) -> RGBColor,
) -> Drawn {
    let series: Vec<Bars> = ok
        .iter()
        .map(|c| Bars {
            color: color(&c.name),
            values: c.per_topic.iter().map(|t| t.f1.mean).collect(),
            whiskers: Some(c.per_topic.iter().map(|t| interval(&t.f1)).collect()),
        })
        .collect();
    hbars(area, topics, 1.0, "F1", &series)
}

/// A count as a short figure: whole numbers without decimals.
fn count_text(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// The baseline's TP, FN and FP per topic, stacked in one bar per topic, with a legend and the
/// three figures at the end of each bar.
fn counts_chart(root: &Area, topics: &[&str], v: &BaselineView) -> Drawn {
    let (plot, side) = root.split_horizontally(PAGE - LEGEND);
    let kinds = [
        ("true positives", &v.tp, RGBColor(0x59, 0xa1, 0x4f)),
        ("false negatives", &v.fn_, RGBColor(0xe1, 0x57, 0x59)),
        ("false positives", &v.fp, RGBColor(0xf2, 0x8e, 0x2b)),
    ];
    legend(
        &side.margin(30, 0, 10, 0),
        &kinds
            .iter()
            .map(|(n, _, c)| (n.to_string(), *c))
            .collect::<Vec<_>>(),
    )?;
    let n = topics.len();
    let total = |k: usize| v.tp[k] + v.fn_[k] + v.fp[k];
    let most = (0..n).map(total).fold(1.0f64, f64::max);
    // Room at the right for the figures.
    let figures: Vec<String> = (0..n)
        .map(|k| {
            format!(
                "{} / {} / {}",
                count_text(v.tp[k]),
                count_text(v.fn_[k]),
                count_text(v.fp[k])
            )
        })
        .collect();
    let plot_px = f64::from(
        plot.dim_in_pixel()
            .0
            .saturating_sub(names_px(topics, LABEL_PX) + 40),
    );
    let widest = figures.iter().map(|f| text_px(f, 13)).max().unwrap_or(0) + 8;
    let top = most / (1.0 - (f64::from(widest) / plot_px.max(1.0)).min(0.6));
    let fmt = |x: &f64| count_text(*x);
    let mut chart = topic_rows(&plot, topics, top, "paragraphs per repeat", &fmt)?;
    let mut start = vec![0.0; n];
    for (_, values, color) in &kinds {
        chart.draw_series((0..n).map(|k| {
            let r = Rectangle::new(
                [
                    (start[k], row_at(n, k, 0.18)),
                    (start[k] + values[k], row_at(n, k, 0.82)),
                ],
                color.filled(),
            );
            start[k] += values[k];
            r
        }))?;
    }
    chart.draw_series(figures.iter().enumerate().map(|(k, f)| {
        Text::new(
            f.clone(),
            (total(k) + top * 0.005, row_at(n, k, 0.5)),
            (FONT, 13)
                .into_font()
                .color(&INK)
                .pos(Pos::new(HPos::Left, VPos::Center)),
        )
    }))?;
    Ok(())
}

/// How a heatmap is shaded.
#[derive(Clone, Copy, PartialEq)]
enum Shade {
    /// On the matrix's largest cell.
    Max,
    /// On each row's total (a confusion matrix's recall).
    RowShare,
}

/// The side of a heatmap cell for `n` topics: large enough for a row label, up to 40 pixels.
fn cell_px(n: usize) -> u32 {
    (560 / n.max(1) as u32).clamp(LABEL_PX + 3, 40)
}

/// Width and height of one heatmap of `topics`: the cells, the row names, the column numbers
/// and the caption.
fn heatmap_size(topics: &[&str]) -> (u32, u32) {
    let cells = cell_px(topics.len()) * topics.len().max(1) as u32;
    (cells + names_px(topics, LABEL_PX) + 30, cells + 90)
}

/// A chart wider than the page, in a box that scrolls sideways rather than widen the page.
fn wide(svg: &str) -> String {
    let width = svg
        .split_once("width=\"")
        .and_then(|(_, r)| r.split_once('"'))
        .and_then(|(w, _)| w.parse::<u32>().ok())
        .unwrap_or(0);
    if width > PAGE {
        format!("<div class=\"wide\">{svg}</div>")
    } else {
        svg.to_owned()
    }
}

fn heatmap(area: &Area, title: &str, topics: &[&str], m: &[Vec<f64>], shade: Shade) -> Drawn {
    let n = topics.len();
    let cell = cell_px(n);
    let max = m.iter().flatten().copied().fold(0.0f64, f64::max).max(1.0);
    let row_total: Vec<f64> = m.iter().map(|r| r.iter().sum::<f64>().max(1e-12)).collect();
    let share = |i: usize, j: usize| match shade {
        Shade::Max => m[i][j] / max,
        Shade::RowShare => m[i][j] / row_total[i],
    };
    let (w, h) = heatmap_size(topics);
    let area = area.clone().shrink((0, 0), (w, h));
    let mut chart = ChartBuilder::on(&area)
        .caption(title, (FONT, 17).into_font().color(&INK))
        .margin(8)
        .margin_right(22)
        .x_label_area_size(30)
        .y_label_area_size(names_px(topics, LABEL_PX))
        .build_cartesian_2d(topic_axis(n), topic_axis(n))?;
    // Row 0 at the top: y = n − 1 − row. Columns are numbered (names would collide: plotters
    // cannot anchor rotated axis labels), every one where the cells are wide enough for two
    // digits, else every other; rows carry the name and the number.
    let step = if cell >= 24 { 1 } else { 2 };
    let x_label = |x: &i32| {
        let col = x.div_euclid(SLOT) + 1;
        if col % step == 0 || step == 1 {
            col.to_string()
        } else {
            String::new()
        }
    };
    let y_label = |y: &i32| {
        let row = n as i32 - 1 - y.div_euclid(SLOT);
        format!("{} {}", short(topic_at(topics, row * SLOT)), row + 1)
    };
    chart
        .configure_mesh()
        .disable_mesh()
        .x_label_formatter(&x_label)
        .y_label_formatter(&y_label)
        .label_style((FONT, LABEL_PX).into_font().color(&INK))
        .draw()?;
    let cells = (0..n).flat_map(|i| (0..n).map(move |j| (i, j)));
    chart.draw_series(cells.clone().map(|(i, j)| {
        let share = share(i, j);
        // White to the palette's blue.
        let mix = |hi: u8| (255.0 - share * (255.0 - f64::from(hi))).round() as u8;
        let fill = RGBColor(mix(0x2b), mix(0x5f), mix(0x8f));
        let y = (n - 1 - i) as f64;
        Rectangle::new(
            [
                (at(j as f64 + 0.02), at(y + 0.02)),
                (at(j as f64 + 0.98), at(y + 0.98)),
            ],
            fill.filled(),
        )
    }))?;
    if n <= 12 {
        chart.draw_series(cells.map(|(i, j)| {
            let ink = if share(i, j) > 0.55 { WHITE } else { INK };
            let y = (n - 1 - i) as f64;
            Text::new(
                count_text(m[i][j]),
                (at(j as f64 + 0.5), at(y + 0.5)),
                (FONT, 15)
                    .into_font()
                    .color(&ink)
                    .pos(Pos::new(HPos::Center, VPos::Center)),
            )
        }))?;
    }
    Ok(())
}

fn speed_chart(root: &Area, ok: &[&ClassifierSummary], color: &dyn Fn(&str) -> RGBColor) -> Drawn {
    // A classifier that took no measurable time still gets a place on the log axis.
    let secs = |c: &ClassifierSummary| (c.timing.fit_mean + c.timing.predict_mean).max(1e-7);
    let lo = ok.iter().map(|c| secs(c)).fold(f64::INFINITY, f64::min);
    let hi = ok.iter().map(|c| secs(c)).fold(0.0f64, f64::max);
    let (lo, hi) = if lo.is_finite() && hi > 0.0 {
        (lo / 3.0, hi * 6.0)
    } else {
        (1e-6, 1.0)
    };
    let top = ok
        .iter()
        .map(|c| interval(&c.metrics["macro_f1"]).1)
        .fold(0.0f64, f64::max);
    let top = ((top + 0.1) * 10.0).ceil().clamp(1.0, 10.0) / 10.0;
    let mut chart = ChartBuilder::on(root)
        .margin(10)
        .margin_right(30)
        .x_label_area_size(44)
        .y_label_area_size(56)
        .build_cartesian_2d((lo..hi).log_scale(), -0.02f64..top)?;
    let fmt = |x: &f64| duration(*x);
    chart
        .configure_mesh()
        .max_light_lines(1)
        .x_labels(5)
        .x_label_formatter(&fmt)
        .x_desc("fit + predict time per fold (log scale)")
        .y_desc("macro-F1")
        .label_style((FONT, 15).into_font().color(&INK))
        .draw()?;
    // Each name goes to the first of four places around its point that no name placed before
    // it covers (two classifiers of similar time and score would otherwise print over each
    // other).
    let mut placed: Vec<(i32, i32, i32, i32)> = Vec::new();
    for c in ok {
        let m = &c.metrics["macro_f1"];
        let (a, b) = interval(m);
        let col = color(&c.name);
        chart.draw_series(std::iter::once(ErrorBar::new_vertical(
            secs(c),
            a,
            m.mean,
            b,
            col.stroke_width(1),
            6,
        )))?;
        let (px, py) = chart.backend_coord(&(secs(c), m.mean));
        let w = text_px(&c.name, LABEL_PX) as i32;
        let h = LABEL_PX as i32 + 2;
        let places = [(8, -16), (8, 4), (-8 - w, -16), (-8 - w, 4)];
        let box_at = |(dx, dy): (i32, i32)| (px + dx, py + dy, px + dx + w, py + dy + h);
        let free = |r: (i32, i32, i32, i32)| {
            placed
                .iter()
                .all(|p| r.2 <= p.0 || p.2 <= r.0 || r.3 <= p.1 || p.3 <= r.1)
        };
        let offset = places
            .iter()
            .copied()
            .find(|&o| free(box_at(o)))
            .unwrap_or(places[0]);
        placed.push(box_at(offset));
        chart.draw_series(std::iter::once(
            EmptyElement::at((secs(c), m.mean))
                + Circle::new((0, 0), 5, col.filled())
                + Text::new(c.name.clone(), offset, (FONT, 15).into_font().color(&INK)),
        ))?;
    }
    Ok(())
}

fn curve_chart(area: &Area, c: &LearningCurve, color: &dyn Fn(&str) -> RGBColor) -> Drawn {
    let mut chart = ChartBuilder::on(area)
        .margin(10)
        .margin_right(20)
        .x_label_area_size(44)
        .y_label_area_size(56)
        .build_cartesian_2d(5f64..102f64, 0f64..1f64)?;
    let fmt = |x: &f64| format!("{x:.0}%");
    let sizes = match (c.train_size.first(), c.train_size.last()) {
        (Some(a), Some(b)) => format!(" ({a:.0} to {b:.0} paragraphs per fold)"),
        _ => String::new(),
    };
    chart
        .configure_mesh()
        .max_light_lines(1)
        .x_labels(10)
        .x_label_formatter(&fmt)
        .x_desc(format!("share of the training fold{sizes}"))
        .y_desc("macro-F1")
        .label_style((FONT, 15).into_font().color(&INK))
        .draw()?;
    for cv in &c.curves {
        let Ok(points) = &cv.macro_f1 else { continue };
        let col = color(&cv.name);
        let xs: Vec<f64> = PERCENTS.iter().map(|&p| p as f64).collect();
        let band: Vec<(f64, f64)> = xs
            .iter()
            .zip(points)
            .map(|(&x, s)| (x, interval(s).1))
            .chain(
                xs.iter()
                    .zip(points)
                    .rev()
                    .map(|(&x, s)| (x, interval(s).0)),
            )
            .collect();
        chart.draw_series(std::iter::once(Polygon::new(band, col.mix(0.2).filled())))?;
        chart.draw_series(LineSeries::new(
            xs.iter().zip(points).map(|(&x, s)| (x, s.mean)),
            col.stroke_width(2),
        ))?;
        chart.draw_series(
            xs.iter()
                .zip(points)
                .map(|(&x, s)| Circle::new((x, s.mean), 4, col.filled())),
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            esc(r#"<a href="x">Tom & 'Jerry'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;"
        );
        assert_eq!(esc("plain_topic"), "plain_topic");
    }

    #[test]
    fn pairs_count_each_row_once_per_topic_pair() {
        // Rows {0,1}, {1}, {}: (0,0)=1, (0,1)=(1,0)=1, (1,1)=2.
        let m = ndarray::array![[true, true], [false, true], [false, false]];
        let mut pairs = vec![vec![0u64; 2]; 2];
        add_pairs(&mut pairs, m.view());
        assert_eq!(pairs, vec![vec![1, 1], vec![1, 2]]);
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(0.00085), "850 µs");
        assert_eq!(duration(0.0123), "12.3 ms");
        assert_eq!(duration(1.2), "1.20 s");
    }

    #[test]
    fn a_chart_gets_its_id_and_escaped_label() {
        let out = svg("chart-x", "a < b", (50, 40), |root| {
            root.draw(&Text::new("<&>", (5, 5), (FONT, 10).into_font()))?;
            Ok(())
        });
        assert!(out.starts_with("<svg id=\"chart-x\" role=\"img\" aria-label=\"a &lt; b\" "));
        assert!(out.contains("&lt;&amp;&gt;"), "{out}");
        assert!(!out.contains("<&>"));
    }
}
