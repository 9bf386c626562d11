//! Output formats. Only this layer knows about Markdown, JSON, HTML, CSV and terminal tables:
//! `corpus` for the dataset export and statistics, `eval` for evaluation reports, `html` for the
//! page with charts, `runs` for listing and comparing stored runs, `agreement` for the `agree`
//! report, `suite` for the leaderboard across corpora. Files are written through
//! `fsutil::write_atomic`, so an interrupted run leaves the previous report.

use std::path::{Path, PathBuf};

use crate::data::dataset::Dataset;
use crate::error::Result;
use crate::eval::Evaluation;
use crate::fsutil::write_atomic;

pub mod agreement;
pub mod corpus;
pub mod eval;
pub mod html;
pub mod runs;
pub mod suite;

/// Writes `reports/runs/<UTC time>-<short id>/{report.json,report.md,report.html,predictions.csv}`,
/// then replaces `reports/latest.json`, `reports/latest.md` and `reports/latest.html`. Returns the
/// run folder.
pub fn write_eval_reports(
    reports_dir: &Path,
    ds: &Dataset,
    evaluation: &Evaluation,
    info: &eval::RunInfo,
) -> Result<PathBuf> {
    let (predictions, (json_text, md, html)) = rayon::join(
        || eval::predictions_csv(ds, &evaluation.run),
        || {
            let json = eval::report_json(ds, evaluation, info);
            let mut json_text = serde_json::to_string_pretty(&json).unwrap_or_default();
            json_text.push('\n');
            let md = eval::report_markdown(ds, evaluation, info);
            let html = html::report_html(ds, evaluation, info);
            (json_text, md, html)
        },
    );
    let short = &crate::data::articles::sha256_hex(json_text.as_bytes())[..8];
    let stamp: String = info
        .started_at
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    let run_dir = reports_dir.join("runs").join(format!("{stamp}-{short}"));
    write_atomic(&run_dir.join("predictions.csv"), &predictions)?;
    write_atomic(&run_dir.join("report.json"), json_text.as_bytes())?;
    write_atomic(&run_dir.join("report.md"), md.as_bytes())?;
    write_atomic(&run_dir.join("report.html"), html.as_bytes())?;
    write_atomic(&reports_dir.join("latest.json"), json_text.as_bytes())?;
    write_atomic(&reports_dir.join("latest.md"), md.as_bytes())?;
    write_atomic(&reports_dir.join("latest.html"), html.as_bytes())?;
    Ok(run_dir)
}
