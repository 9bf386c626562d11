//! `latest.html`: one self-contained page to look at — the ranking table and five charts drawn
//! with plotters' SVG backend and inlined (no script, no font or file from anywhere else, so it
//! opens offline).
//!
//! The charts, each an `<svg>` with an id the browser test looks for: per-topic F1 with 95%
//! whiskers for every classifier (`chart-topic-f1`), the baseline's TP/FP/FN per topic
//! (`chart-baseline-counts`), topic co-occurrence in the gold labels beside the baseline's
//! predictions (`chart-cooccurrence`), time per fold against macro-F1 (`chart-speed`), and the
//! learning curve (`chart-learning-curve`, from `learning_curve`). Built from `eval`'s summaries
//! and the kept predictions of the run; text is escaped here (page) or by plotters (SVG).

use std::fmt::Write as _;

use plotters::coord::Shift;
use plotters::coord::combinators::{BindKeyPoints, IntoLogRange, WithKeyPoints};
use plotters::coord::types::RangedCoordi32;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::eval::{RunInfo, method_text, ranking, scheme_text, test_text};
use crate::dataset::Dataset;
use crate::eval::{ClassifierSummary, EvalRun};
use crate::learning_curve::{LearningCurve, PERCENTS};
use crate::metrics::Counts;
use crate::metrics::HEADLINE;
use crate::stats::Summary;
use crate::stats::Verdict;

/// The ids of the charts, in page order.
pub const CHART_IDS: [&str; 5] = [
    "chart-topic-f1",
    "chart-baseline-counts",
    "chart-cooccurrence",
    "chart-speed",
    "chart-learning-curve",
];

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
    for fr in folds {
        let gold = p.gold.select(ndarray::Axis(0), &p.folds[fr.fold].test);
        counts.merge(&Counts::from_predictions(
            gold.view(),
            fr.pred.decisions.view(),
        ));
        add_pairs(&mut pairs, fr.pred.decisions.view());
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
    })
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
pub fn report_html(
    ds: &Dataset,
    run: &EvalRun,
    summaries: &[ClassifierSummary],
    info: &RunInfo,
    curve: Option<&LearningCurve>,
) -> String {
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
        "<p class=\"meta\">Corpus <code>{}</code>: {} scored of {} paragraphs, {} topics, {} near-duplicate groups. \
         {}, seed {}. Baseline: <code>{}</code>. Run started {}{}.</p>",
        esc(&ds.name),
        p.tested().iter().filter(|&&t| t).count(),
        ds.items.len(),
        topics.len(),
        p.groups,
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

    // Per-topic F1.
    let entries: Vec<(String, RGBColor)> = ok
        .iter()
        .map(|c| (c.name.clone(), color(&c.name)))
        .collect();
    figure(
        &mut s,
        "Per-topic F1",
        &svg(
            CHART_IDS[0],
            "Per-topic F1 of every classifier with 95% intervals",
            (1000, 420),
            |root| {
                let (plot, side) = root.split_horizontally(790);
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
                    CHART_IDS[1],
                    "Baseline true positives, false positives and false negatives per topic",
                    (1000, 380),
                    |root| counts_chart(root, &topics, &view),
                ),
                "The baseline's true positives, false positives and false negatives per topic, per repeat (every paragraph is tested once per repeat, so TP + FN is the topic's support).",
            );
            let gold = gold_pairs(run);
            figure(
                &mut s,
                "Topic co-occurrence",
                &svg(
                    CHART_IDS[2],
                    "Topic co-occurrence heatmaps: gold labels beside the baseline's predictions",
                    (1000, 400),
                    |root| {
                        let (l, r) = root.split_horizontally(500);
                        heatmap(&l, "gold labels", &topics, &gold)?;
                        heatmap(
                            &r,
                            "predicted by the baseline",
                            &topics,
                            &view.predicted_pairs,
                        )
                    },
                ),
                "Paragraphs carrying both topics (the diagonal: paragraphs carrying the topic), in the gold labels and in the baseline's predictions (per repeat); columns are numbered like the rows. One colour scale for both.",
            );
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
            CHART_IDS[3],
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
                    CHART_IDS[4],
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
            let _ = writeln!(
                s,
                "<h2>Learning curve</h2>\n<p>Not computed for this run (<code>--no-learning-curve</code>).</p>"
            );
        }
    }

    let _ = writeln!(
        s,
        "<footer>corpus sha256 <code>{}</code>, labels sha256 <code>{}</code>, topicbench {}. \
         The same numbers are in <code>report.json</code> and <code>report.md</code> beside this file.</footer>\n</body>\n</html>",
        esc(&ds.corpus_sha256[..16.min(ds.corpus_sha256.len())]),
        esc(&ds.labels_sha256[..16.min(ds.labels_sha256.len())]),
        env!("CARGO_PKG_VERSION"),
    );
    s
}

pub(crate) const CSS: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;color:#222;max-width:1040px;margin:2em auto;padding:0 1em;line-height:1.45}\
h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.25em;margin-top:1.6em;border-bottom:1px solid #ddd;padding-bottom:.2em}\
.meta{color:#555}code{font-family:ui-monospace,monospace;font-size:.92em}\
table{border-collapse:collapse;font-size:.85em;margin:.5em 0}th,td{border-bottom:1px solid #e4e4e4;padding:.3em .5em;text-align:right;white-space:nowrap}td:nth-child(7){white-space:normal}.ci{display:block;font-size:.82em;color:#666}\
th:nth-child(2),td:nth-child(2),td[colspan]{text-align:left}thead th{border-bottom:2px solid #bbb}\
tr.failed td{color:#a33}.sw{display:inline-block;width:.8em;height:.8em;margin-right:.4em;vertical-align:-.05em}\
figure{margin:.5em 0 1.5em}figcaption{color:#555;font-size:.9em;max-width:60em}svg{max-width:100%;height:auto}\
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

/// Bars grouped by topic, one colour per series, y from 0 to `top`; `labels` writes each bar's
/// value above it.
fn grouped_bars(
    area: &Area,
    topics: &[&str],
    top: f64,
    y_desc: &str,
    series: &[Bars],
    labels: bool,
) -> Drawn {
    let mut chart = ChartBuilder::on(area)
        .margin(10)
        .x_label_area_size(36)
        .y_label_area_size(56)
        .build_cartesian_2d(topic_axis(topics.len()), 0f64..top)?;
    let label = |x: &i32| topic_at(topics, *x).to_owned();
    chart
        .configure_mesh()
        .disable_x_mesh()
        .max_light_lines(1)
        .x_label_formatter(&label)
        .y_desc(y_desc)
        .label_style((FONT, 15).into_font().color(&INK))
        .draw()?;
    let slot = 0.84 / series.len().max(1) as f64;
    for (j, b) in series.iter().enumerate() {
        let x0 = |k: usize| k as f64 + 0.08 + j as f64 * slot;
        let mid = |k: usize| at(x0(k) + slot * 0.425);
        chart.draw_series(b.values.iter().enumerate().map(|(k, &y)| {
            Rectangle::new(
                [(at(x0(k)), 0.0), (at(x0(k) + slot * 0.85), y)],
                b.color.filled(),
            )
        }))?;
        if let Some(w) = &b.whiskers {
            chart.draw_series(
                b.values
                    .iter()
                    .zip(w)
                    .enumerate()
                    .map(|(k, (&y, &(lo, hi)))| {
                        ErrorBar::new_vertical(mid(k), lo, y, hi, INK.stroke_width(1), 4)
                    }),
            )?;
        }
        if labels {
            chart.draw_series(b.values.iter().enumerate().map(|(k, &y)| {
                Text::new(
                    format!("{y:.1}"),
                    (mid(k), y),
                    (FONT, 14)
                        .into_font()
                        .color(&INK)
                        .pos(Pos::new(HPos::Center, VPos::Bottom)),
                )
            }))?;
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
    grouped_bars(area, topics, 1.0, "F1", &series, false)
}

/// The baseline's TP, FP and FN per topic, with a legend.
fn counts_chart(root: &Area, topics: &[&str], v: &BaselineView) -> Drawn {
    let (plot, side) = root.split_horizontally(790);
    let kinds = [
        ("true positives", &v.tp, RGBColor(0x59, 0xa1, 0x4f)),
        ("false positives", &v.fp, RGBColor(0xf2, 0x8e, 0x2b)),
        ("false negatives", &v.fn_, RGBColor(0xe1, 0x57, 0x59)),
    ];
    legend(
        &side.margin(30, 0, 10, 0),
        &kinds
            .iter()
            .map(|(n, _, c)| (n.to_string(), *c))
            .collect::<Vec<_>>(),
    )?;
    let top = kinds
        .iter()
        .flat_map(|(_, v, _)| v.iter().copied())
        .fold(1.0f64, f64::max)
        * 1.12;
    let series: Vec<Bars> = kinds
        .iter()
        .map(|(_, values, color)| Bars {
            color: *color,
            values: values.to_vec(),
            whiskers: None,
        })
        .collect();
    grouped_bars(&plot, topics, top, "paragraphs per repeat", &series, true)
}

fn heatmap(area: &Area, title: &str, topics: &[&str], m: &[Vec<f64>]) -> Drawn {
    let n = topics.len();
    let max = m.iter().flatten().copied().fold(0.0f64, f64::max).max(1.0);
    let mut chart = ChartBuilder::on(area)
        .caption(title, (FONT, 18).into_font().color(&INK))
        .margin(8)
        .x_label_area_size(30)
        .y_label_area_size(150)
        .build_cartesian_2d(topic_axis(n), topic_axis(n))?;
    // Row 0 at the top: y = n − 1 − row. Columns are numbered (names would collide: plotters
    // cannot anchor rotated axis labels), rows carry the name and the number.
    let x_label = |x: &i32| (x.div_euclid(SLOT) + 1).to_string();
    let y_label = |y: &i32| {
        let row = n as i32 - 1 - y.div_euclid(SLOT);
        format!("{} {}", topic_at(topics, row * SLOT), row + 1)
    };
    chart
        .configure_mesh()
        .disable_mesh()
        .x_label_formatter(&x_label)
        .y_label_formatter(&y_label)
        .label_style((FONT, 15).into_font().color(&INK))
        .draw()?;
    let cells = (0..n).flat_map(|i| (0..n).map(move |j| (i, j)));
    chart.draw_series(cells.clone().map(|(i, j)| {
        let share = m[i][j] / max;
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
            let v = m[i][j];
            let text = if v.fract() == 0.0 {
                format!("{v:.0}")
            } else {
                format!("{v:.1}")
            };
            let ink = if v / max > 0.55 { WHITE } else { INK };
            let y = (n - 1 - i) as f64;
            Text::new(
                text,
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
        .x_label_formatter(&fmt)
        .x_desc("fit + predict time per fold (log scale)")
        .y_desc("macro-F1")
        .label_style((FONT, 15).into_font().color(&INK))
        .draw()?;
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
        chart.draw_series(std::iter::once(
            EmptyElement::at((secs(c), m.mean))
                + Circle::new((0, 0), 5, col.filled())
                + Text::new(c.name.clone(), (8, -16), (FONT, 15).into_font().color(&INK)),
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
