//! The suite leaderboard as files: `suite.json` (the contract in docs/report-json.md, section
//! `suite.json`), Markdown, and HTML with the critical-difference diagram (plotters SVG inlined,
//! drawn with `html::svg`), plus the terminal table. The numbers come from `suite::Leaderboard`;
//! this file only formats them.

use std::fmt::Write as _;
use std::path::Path;

use plotters::prelude::*;
use serde_json::{Value, json};

use crate::error::Result;
use crate::eval::suite::{ALPHA, FAILURE_RULE, Leaderboard, Row};
use crate::fsutil::write_atomic;
use crate::report::eval::round;
use crate::report::html::{self, Area, CSS, Drawn, FONT, INK, esc};

/// The `id` of the critical-difference diagram's `<svg>`.
pub const CD_CHART_ID: &str = "chart-critical-difference";

/// Schema name of `suite.json`.
pub const SCHEMA: &str = "topicbench.suite.v1";

fn num(x: f64) -> Value {
    if x.is_finite() {
        json!(round(x))
    } else {
        Value::Null
    }
}

/// `suite.json`.
pub fn suite_json(lb: &Leaderboard, suite_file: &str) -> Value {
    let classifiers: Vec<Value> = lb
        .rows
        .iter()
        .map(|r| {
            let (w, t, l, u) = r.record();
            let mut c = json!({
                "name": r.name,
                "scores": r.scores.iter().map(|s| s.map_or(Value::Null, num)).collect::<Vec<_>>(),
                "ranks": r.ranks.iter().map(|&x| num(x)).collect::<Vec<_>>(),
                "mean_rank": num(r.mean_rank),
                "errors": r.errors,
            });
            if r.name != lb.baseline {
                c["vs_baseline"] = match (&r.vs_baseline, &lb.untested_reason) {
                    (Some(v), _) => json!({
                        "z": num(v.z),
                        "p_value": num(v.p_value),
                        "p_adjusted": num(v.p_adjusted),
                        "verdict": v.verdict,
                    }),
                    (None, reason) => json!({
                        "z": null, "p_value": null, "p_adjusted": null, "verdict": "untested",
                        "reason": reason.clone().unwrap_or_else(|| "no test".into()),
                    }),
                };
                c["corpus_verdicts"] = json!(r.verdicts);
                c["record"] = json!({"wins": w, "ties": t, "losses": l, "untested": u});
            }
            c
        })
        .collect();
    let friedman = match &lb.friedman {
        Ok(f) => json!({
            "statistic": num(f.statistic),
            "chi2_p_value": num(f.chi2_p_value),
            "iman_davenport_f": num(f.iman_davenport_f),
            "df": [f.df.0, f.df.1],
            "p_value": num(f.p_value),
            "verdict": if f.p_value < ALPHA { "the classifiers differ" } else { "no significant difference" },
        }),
        Err(reason) => json!({
            "statistic": null, "chi2_p_value": null, "iman_davenport_f": null, "df": null,
            "p_value": null, "verdict": "untested", "reason": reason,
        }),
    };
    let cd = match &lb.critical_difference {
        Ok(cd) => json!({
            "alpha": ALPHA,
            "q_alpha": num(cd.q_alpha),
            "value": num(cd.value),
            "groups": cd.groups.iter().map(|g| g.iter().map(|&i| lb.rows[i].name.clone()).collect::<Vec<_>>()).collect::<Vec<_>>(),
        }),
        Err(reason) => json!({
            "alpha": ALPHA, "q_alpha": null, "value": null, "groups": [], "reason": reason,
        }),
    };
    json!({
        "schema": SCHEMA,
        "suite": suite_file,
        "metric": lb.metric,
        "higher_is_better": crate::eval::higher_is_better(&lb.metric),
        "baseline": lb.baseline,
        "alpha": ALPHA,
        "failure_rule": FAILURE_RULE,
        "corpora": lb.corpora,
        "skipped": lb.skipped.iter().map(|(n, why)| json!({"name": n, "reason": why})).collect::<Vec<_>>(),
        "classifiers": classifiers,
        "friedman": friedman,
        "critical_difference": cd,
    })
}

fn score_cell(r: &Row, i: usize) -> String {
    match r.scores[i] {
        Some(s) => format!("{s:.3} ({})", rank_text(r.ranks[i])),
        None => format!("failed ({})", rank_text(r.ranks[i])),
    }
}

fn rank_text(x: f64) -> String {
    if x.fract() == 0.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.1}")
    }
}

fn vs_text(lb: &Leaderboard, r: &Row) -> String {
    if r.name == lb.baseline {
        return "(baseline)".into();
    }
    match &r.vs_baseline {
        Some(v) => format!(
            "{} (z {:.2}, p {}, Holm {})",
            v.verdict,
            v.z,
            p_text(v.p_value),
            p_text(v.p_adjusted)
        ),
        None => "untested".into(),
    }
}

fn p_text(p: f64) -> String {
    if p < 0.001 {
        "<0.001".into()
    } else {
        format!("{p:.3}")
    }
}

fn record_text(lb: &Leaderboard, r: &Row) -> String {
    if r.name == lb.baseline {
        return "—".into();
    }
    let (w, t, l, u) = r.record();
    if u > 0 {
        format!("{w}/{t}/{l} ({u} untested)")
    } else {
        format!("{w}/{t}/{l}")
    }
}

/// The lines under the table: the Friedman test, the critical difference, skipped corpora,
/// the failure rule.
fn findings(lb: &Leaderboard) -> Vec<String> {
    let mut out = Vec::new();
    let (n, k) = (lb.corpora.len(), lb.rows.len());
    out.push(match &lb.friedman {
        Ok(f) => format!(
            "Friedman test over N = {n} corpora, k = {k} classifiers: χ²_F = {:.3} (p {}); Iman–Davenport F_F = {:.3} with ({}, {}) degrees of freedom, p {}: {}.{}",
            f.statistic,
            p_text(f.chi2_p_value),
            f.iman_davenport_f,
            f.df.0,
            f.df.1,
            p_text(f.p_value),
            if f.p_value < ALPHA {
                "the classifiers' ranks differ"
            } else {
                "no significant difference among the ranks"
            },
            if n < 10 {
                " (Demšar recommends N ≥ 10 for the χ² approximation; with fewer corpora read it with care.)"
            } else {
                ""
            }
        ),
        Err(reason) => format!("Friedman test: untested ({reason})."),
    });
    out.push(match &lb.critical_difference {
        Ok(cd) => format!(
            "Nemenyi critical difference (α = 0.05, q_α = {:.3}): CD = {:.3}; classifiers whose mean ranks differ by less cannot be told apart{}.",
            cd.q_alpha,
            cd.value,
            if cd.groups.is_empty() {
                String::new()
            } else {
                format!(
                    ": {}",
                    cd.groups
                        .iter()
                        .map(|g| format!(
                            "{{{}}}",
                            g.iter()
                                .map(|&i| lb.rows[i].name.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        ),
        Err(reason) => format!("Critical difference: none ({reason})."),
    });
    if let Some(reason) = &lb.untested_reason {
        out.push(format!(
            "Against the baseline on ranks: untested ({reason})."
        ));
    }
    for (name, why) in &lb.skipped {
        out.push(format!("Skipped corpus `{name}`: {why}."));
    }
    out.push(format!("Failures: {FAILURE_RULE}."));
    out
}

const METHOD: &str = "Ranks per corpus (1 = best, ties averaged); mean rank over corpora; the Friedman test with the Iman–Davenport correction; each contender against the baseline by z = (R_i − R_base)/sqrt(k(k+1)/(6N)), Holm-adjusted (Demšar 2006, §3.2.2); all pairs by the Nemenyi critical difference. W/T/L sums each corpus's own verdict against the baseline: better / equivalent or no significant difference / worse.";

/// The Markdown leaderboard (`latest.md`).
pub fn suite_markdown(lb: &Leaderboard, suite_file: &str) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# topicbench suite: `{suite_file}`\n\nLeaderboard by `{}` ({}), baseline `{}`.\n\n{METHOD}\n",
        lb.metric,
        if crate::eval::higher_is_better(&lb.metric) {
            "higher is better"
        } else {
            "lower is better"
        },
        lb.baseline
    );
    let _ = write!(s, "| classifier | mean rank |");
    for c in &lb.corpora {
        let _ = write!(s, " {c} |");
    }
    let _ = writeln!(s, " vs baseline (ranks) | W/T/L (corpora) |");
    let _ = writeln!(s, "|---|---:|{}---|---|", "---:|".repeat(lb.corpora.len()));
    for r in &lb.rows {
        let _ = write!(s, "| {} | {:.2} |", r.name, r.mean_rank);
        for i in 0..lb.corpora.len() {
            let _ = write!(s, " {} |", score_cell(r, i));
        }
        let _ = writeln!(s, " {} | {} |", vs_text(lb, r), record_text(lb, r));
    }
    s.push('\n');
    for f in findings(lb) {
        let _ = writeln!(s, "- {f}");
    }
    let failures: Vec<String> = lb
        .rows
        .iter()
        .flat_map(|r| {
            r.errors.iter().zip(&lb.corpora).filter_map(move |(e, c)| {
                e.as_ref().map(|e| format!("- `{}` on `{c}`: {e}", r.name))
            })
        })
        .collect();
    if !failures.is_empty() {
        let _ = writeln!(s, "\n## Failures\n\n{}", failures.join("\n"));
    }
    s
}

/// The terminal table: mean rank, score per corpus, the verdict on ranks.
pub fn terminal_table(lb: &Leaderboard) -> String {
    let w = lb
        .rows
        .iter()
        .map(|r| r.name.len())
        .max()
        .unwrap_or(0)
        .max(10);
    let cw: Vec<usize> = lb.corpora.iter().map(|c| c.len().max(14)).collect();
    let mut s = format!("{:<w$}  {:>9}", "classifier", "mean rank");
    for (c, cw) in lb.corpora.iter().zip(&cw) {
        let _ = write!(s, "  {c:>cw$}");
    }
    s.push_str("  vs baseline (ranks)   W/T/L\n");
    for r in &lb.rows {
        let _ = write!(s, "{:<w$}  {:>9.2}", r.name, r.mean_rank);
        for (i, cw) in cw.iter().enumerate() {
            let _ = write!(s, "  {:>cw$}", score_cell(r, i));
        }
        let _ = writeln!(s, "  {}   {}", vs_text(lb, r), record_text(lb, r));
    }
    for f in findings(lb) {
        let _ = writeln!(s, "{f}");
    }
    s
}

/// The HTML page (`latest.html`): the table, the findings and the critical-difference diagram.
pub fn suite_html(lb: &Leaderboard, suite_file: &str) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>topicbench suite: {}</title>\n<style>{CSS}</style>\n</head>\n<body>\n\
         <h1>topicbench suite</h1>\n<p class=\"meta\">Suite <code>{}</code>: {} corpora, {} classifiers, leaderboard by <code>{}</code>, baseline <code>{}</code>.</p>\n<p>{}</p>\n",
        esc(suite_file),
        esc(suite_file),
        lb.corpora.len(),
        lb.rows.len(),
        esc(&lb.metric),
        esc(&lb.baseline),
        esc(METHOD)
    );
    let _ = write!(
        s,
        "<h2 id=\"leaderboard\">Leaderboard</h2>\n<table>\n<thead><tr><th>#</th><th>classifier</th><th>mean rank</th>"
    );
    for c in &lb.corpora {
        let _ = write!(s, "<th>{}</th>", esc(c));
    }
    let _ = writeln!(
        s,
        "<th>vs baseline (ranks)</th><th>W/T/L</th></tr></thead>\n<tbody>"
    );
    for (i, r) in lb.rows.iter().enumerate() {
        let _ = write!(
            s,
            "<tr><td>{}</td><td>{}</td><td>{:.2}</td>",
            i + 1,
            esc(&r.name),
            r.mean_rank
        );
        for c in 0..lb.corpora.len() {
            let class = if r.scores[c].is_none() {
                " class=\"error\""
            } else {
                ""
            };
            let _ = write!(s, "<td{class}>{}</td>", esc(&score_cell(r, c)));
        }
        let verdict_class = r.vs_baseline.as_ref().map_or("", |v| match v.verdict {
            "better" => "better",
            "worse" => "worse",
            _ => "",
        });
        let _ = writeln!(
            s,
            "<td class=\"{verdict_class}\">{}</td><td>{}</td></tr>",
            esc(&vs_text(lb, r)),
            esc(&record_text(lb, r))
        );
    }
    let _ = writeln!(s, "</tbody>\n</table>\n<ul>");
    for f in findings(lb) {
        let _ = writeln!(s, "<li>{}</li>", esc(&f));
    }
    let _ = writeln!(s, "</ul>");
    let height = cd_height(lb.rows.len());
    let chart = html::svg(
        CD_CHART_ID,
        "critical-difference diagram of the mean ranks",
        (900, height),
        |area| cd_chart(area, lb),
    );
    html::figure(
        &mut s,
        "Critical-difference diagram",
        &chart,
        &esc(&match &lb.critical_difference {
            Ok(cd) => format!(
                "Mean ranks over {} corpora (1 = best, on the left). The bar above the axis is the Nemenyi critical difference, {:.3}; a thick line joins classifiers whose mean ranks differ by less than it.",
                lb.corpora.len(),
                cd.value
            ),
            Err(reason) => format!(
                "Mean ranks over {} corpora (1 = best, on the left); no critical difference ({reason}).",
                lb.corpora.len()
            ),
        }),
    );
    let _ = writeln!(s, "</body>\n</html>");
    s
}

fn cd_height(k: usize) -> u32 {
    let side = k.div_ceil(2) as u32;
    130 + 26 * side
}

/// Demšar's diagram: a rank axis from 1 (left) to k, the CD bar above it, each classifier's
/// mean rank joined by an elbow line to its name (the better half on the left, the rest on the
/// right), and thick bars joining the groups the CD cannot tell apart.
fn cd_chart(area: &Area, lb: &Leaderboard) -> Drawn {
    let k = lb.rows.len().max(2);
    let (w, _) = area.dim_in_pixel();
    let (left, right) = (280i32, w as i32 - 280);
    let axis_y = 70i32;
    let x_of =
        |r: f64| left + ((r - 1.0) / (k as f64 - 1.0) * (right - left) as f64).round() as i32;
    let font = (FONT, 14).into_font().color(&INK);
    let small = (FONT, 13).into_font().color(&INK);
    area.draw(&PathElement::new(
        vec![(left, axis_y), (right, axis_y)],
        INK.stroke_width(2),
    ))?;
    for t in 1..=k {
        let x = x_of(t as f64);
        area.draw(&PathElement::new(
            vec![(x, axis_y - 8), (x, axis_y)],
            INK.stroke_width(1),
        ))?;
        area.draw(&Text::new(
            t.to_string(),
            (x - 4, axis_y - 26),
            small.clone(),
        ))?;
    }
    if let Ok(cd) = &lb.critical_difference {
        let x1 = x_of(1.0 + cd.value.min(k as f64 - 1.0));
        let y = 14;
        area.draw(&PathElement::new(
            vec![(left, y), (x1, y)],
            INK.stroke_width(2),
        ))?;
        for x in [left, x1] {
            area.draw(&PathElement::new(
                vec![(x, y - 5), (x, y + 5)],
                INK.stroke_width(2),
            ))?;
        }
        area.draw(&Text::new(
            format!("CD = {:.2}", cd.value),
            (x1 + 8, y - 8),
            small.clone(),
        ))?;
    }
    let half = lb.rows.len().div_ceil(2);
    let row_y = |j: usize| axis_y + 50 + 26 * j as i32;
    for (i, r) in lb.rows.iter().enumerate() {
        let x = x_of(r.mean_rank);
        let label = format!("{} ({:.2})", r.name, r.mean_rank);
        let (y, end, tx) = if i < half {
            let y = row_y(i);
            (y, left - 20, 8)
        } else {
            let y = row_y(lb.rows.len() - 1 - i);
            (y, right + 20, right + 26)
        };
        area.draw(&PathElement::new(
            vec![(x, axis_y), (x, y), (end, y)],
            INK.stroke_width(1),
        ))?;
        area.draw(&Text::new(label, (tx, y - 8), font.clone()))?;
    }
    if let Ok(cd) = &lb.critical_difference {
        for (g, members) in cd.groups.iter().enumerate() {
            let lo = members
                .iter()
                .map(|&i| lb.rows[i].mean_rank)
                .fold(f64::INFINITY, f64::min);
            let hi = members
                .iter()
                .map(|&i| lb.rows[i].mean_rank)
                .fold(0.0, f64::max);
            let y = axis_y + 14 + 8 * g as i32;
            area.draw(&PathElement::new(
                vec![(x_of(lo) - 4, y), (x_of(hi) + 4, y)],
                INK.stroke_width(4),
            ))?;
        }
    }
    Ok(())
}

/// Writes `latest.json`, `latest.md` and `latest.html` into `dir`, each replaced atomically.
pub fn write_suite_reports(dir: &Path, lb: &Leaderboard, suite_file: &str) -> Result<()> {
    let mut json_text =
        serde_json::to_string_pretty(&suite_json(lb, suite_file)).unwrap_or_default();
    json_text.push('\n');
    write_atomic(&dir.join("latest.json"), json_text.as_bytes())?;
    write_atomic(
        &dir.join("latest.md"),
        suite_markdown(lb, suite_file).as_bytes(),
    )?;
    write_atomic(
        &dir.join("latest.html"),
        suite_html(lb, suite_file).as_bytes(),
    )?;
    Ok(())
}
