//! `latest.html` in a real browser: headless Chromium (Debian's `chromium`, which `.ci/run`
//! installs) loads the page written by `eval`, with no console message and every chart's `<svg>`
//! in the rendered DOM, and its screenshot is not blank. A deliberately broken page checks that
//! the console check does catch errors. A report on a 24-topic fixture corpus is measured in the
//! browser: nothing wider than the page, no chart text cut at its chart's edge or overlapping
//! another.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use topicbench::report::html::{CHART_IDS, chart_ids};

use crate::util::{repo_root, run_bin};

/// The Chromium binary: `$TOPICBENCH_CHROMIUM`, or `chromium` on PATH.
fn chromium() -> PathBuf {
    if let Some(p) = std::env::var_os("TOPICBENCH_CHROMIUM") {
        return PathBuf::from(p);
    }
    let found = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|d| d.join("chromium"))
            .find(|p| p.is_file())
    });
    found.unwrap_or_else(|| {
        panic!(
            "chromium is not installed: the HTML report test needs it. Install it with \
             `apt-get update && apt-get install -y chromium` (.ci/run does), or point \
             TOPICBENCH_CHROMIUM at a Chromium binary"
        )
    })
}

/// Runs headless Chromium on `page` with a fresh profile; returns (stdout, stderr).
fn headless(page: &Path, extra: &[&str]) -> (String, String) {
    let profile = tempfile::tempdir().unwrap();
    let mut child = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", chromium().display()));
    // Read both pipes on threads so that a full pipe cannot stall the browser.
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut out, &mut s).ok();
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut err, &mut s).ok();
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > Duration::from_secs(120) {
            child.kill().ok();
            child.wait().ok();
            panic!("chromium did not finish within 120 s on {}", page.display());
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let (out, err) = (out.join().unwrap(), err.join().unwrap());
    assert!(status.success(), "chromium failed ({status}): {err}");
    (out, err)
}

/// Self-contained: nothing to run, nothing to fetch. The only URL is the SVG namespace name.
fn assert_self_contained(html: &str) {
    assert!(!html.contains("<script"), "the page has a script");
    let without_ns = html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
    for needle in ["http:", "https:", "url(", "@import", "<link", "src="] {
        assert!(
            !without_ns.contains(needle),
            "the page refers out: {needle}"
        );
    }
}

/// Console output of the page (errors, warnings, logs, uncaught exceptions) in Chromium's log.
fn console_lines(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.contains(":CONSOLE") || l.contains("Uncaught"))
        .collect()
}

#[test]
fn console_check_catches_a_broken_page() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("broken.html");
    std::fs::write(
        &page,
        "<!DOCTYPE html><p>x</p><script>console.error('deliberate'); notDefined();</script>",
    )
    .unwrap();
    let (_, stderr) = headless(&page, &["--dump-dom"]);
    let lines = console_lines(&stderr);
    assert!(
        lines.iter().any(|l| l.contains("deliberate"))
            && lines.iter().any(|l| l.contains("Uncaught")),
        "the console check missed the errors: {stderr}"
    );
}

#[test]
fn latest_html_renders_every_chart_without_console_errors() {
    let out = tempfile::tempdir().unwrap();
    let (code, _, stderr) = run_bin(
        &repo_root(),
        &[
            "eval",
            "--classifiers",
            "multinomial_nb,nearest_centroid,majority",
            "--repeats",
            "3",
            "--out",
            out.path().to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "eval failed: {stderr}");
    let page = out.path().join("latest.html");
    let html = std::fs::read_to_string(&page).unwrap();

    assert_self_contained(&html);
    // The run folder has the same page.
    let runs: Vec<_> = std::fs::read_dir(out.path().join("runs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(
        std::fs::read_to_string(runs[0].join("report.html")).unwrap(),
        html
    );

    let (dom, stderr) = headless(&page, &["--dump-dom"]);
    assert!(
        console_lines(&stderr).is_empty(),
        "console output: {:?}",
        console_lines(&stderr)
    );
    for id in CHART_IDS {
        assert!(
            dom.contains(&format!("<svg id=\"{id}\"")),
            "chart {id} is not in the rendered page"
        );
    }
    assert!(dom.contains("id=\"ranking\""), "no ranking table");
    let problems = layout_problems(&page, 1100);
    assert!(problems.is_empty(), "{problems:#?}");
    // The three classifiers are named in the rendered ranking.
    for name in ["multinomial_nb", "nearest_centroid", "majority"] {
        assert!(dom.contains(name), "{name} missing");
    }

    let shot = out.path().join("shot.png");
    let (_, stderr) = headless(
        &page,
        &[
            "--window-size=1100,3400",
            &format!("--screenshot={}", shot.display()),
        ],
    );
    assert!(console_lines(&stderr).is_empty(), "{stderr}");
    let (w, h, rgb) = decode_png(&shot);
    assert_eq!((w, h), (1100, 3400));
    let px = |c: [u8; 3]| rgb.chunks(3).filter(|p| *p == c).count();
    let white = px([255, 255, 255]);
    let total = (w * h) as usize;
    assert!(
        white < total * 97 / 100,
        "the screenshot is (nearly) blank: {white} of {total} pixels white"
    );
    // Filled bars of the first classifier's colour (Tableau blue) and the baseline's true
    // positives (green) are drawn.
    assert!(px([0x4e, 0x79, 0xa7]) > 1000, "no classifier bars rendered");
    assert!(px([0x59, 0xa1, 0x4f]) > 500, "no TP bars rendered");
}

/// What the browser measures on a copy of `page` with a script added (the report itself has
/// none): the page's scroll width against the window's, and every chart text that sticks out of
/// its `<svg>` or overlaps another text of the same chart (the speed chart's point names may
/// meet when two classifiers take the same time and score; it is left out of that check).
fn layout_problems(page: &Path, window_width: u32) -> Vec<String> {
    const MEASURE: &str = r#"<script>
const bad = [];
const doc = document.documentElement;
if (doc.scrollWidth > doc.clientWidth) bad.push(`page is ${doc.scrollWidth}px wide in a ${doc.clientWidth}px window`);
for (const el of document.querySelectorAll('body > *, table, figure, svg, p, footer')) {
  const r = el.getBoundingClientRect();
  if (r.right > doc.clientWidth + 0.5 && !el.closest('.wide')) bad.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''} ends at ${r.right}px`);
}
for (const svg of document.querySelectorAll('svg')) {
  const b = svg.getBoundingClientRect();
  const texts = [...svg.querySelectorAll('text')].filter(t => t.textContent.trim())
    .map(t => [t.textContent, t.getBoundingClientRect()]);
  for (const [s, r] of texts)
    if (r.left < b.left - 1 || r.right > b.right + 1 || r.top < b.top - 1 || r.bottom > b.bottom + 1)
      bad.push(`${svg.id}: text cut: ${s}`);
  if (svg.id === 'chart-speed') continue;
  for (let i = 0; i < texts.length; i++)
    for (let j = i + 1; j < texts.length; j++) {
      const [a, ra] = texts[i], [c, rc] = texts[j];
      const w = Math.min(ra.right, rc.right) - Math.max(ra.left, rc.left);
      const h = Math.min(ra.bottom, rc.bottom) - Math.max(ra.top, rc.top);
      if (w > 1 && h > 1) bad.push(`${svg.id}: texts overlap: ${a} / ${c}`);
    }
}
document.body.setAttribute('data-problems', JSON.stringify(bad));
</script>"#;
    let html = std::fs::read_to_string(page).unwrap();
    let measured = page.with_file_name("measured.html");
    std::fs::write(
        &measured,
        html.replace("</body>", &format!("{MEASURE}</body>")),
    )
    .unwrap();
    let (dom, stderr) = headless(
        &measured,
        &[&format!("--window-size={window_width},2000"), "--dump-dom"],
    );
    assert!(console_lines(&stderr).is_empty(), "{stderr}");
    let start = dom
        .find("data-problems=\"")
        .unwrap_or_else(|| panic!("the measuring script did not run: {dom}"))
        + "data-problems=\"".len();
    let end = start + dom[start..].find('"').unwrap();
    let json = dom[start..end]
        .replace("&quot;", "\"")
        .replace("&amp;", "&");
    serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"))
}

#[test]
fn a_report_on_24_topics_fits_the_page_and_no_label_is_cut() {
    let out = tempfile::tempdir().unwrap();
    let corpus = repo_root().join("tests/fixtures/corpora/canonical.csv");
    let (code, _, stderr) = run_bin(
        &repo_root(),
        &[
            "eval",
            "--corpus",
            corpus.to_str().unwrap(),
            "--classifiers",
            "multinomial_nb,nearest_centroid,complement_nb",
            "--classifier-cmd",
            "broken=echo this classifier cannot run: its long failure message must wrap inside the ranking table and never push the columns off the page >&2; exit 2",
            "--memory-budget",
            "0.001",
            "--folds",
            "3",
            "--repeats",
            "2",
            "--out",
            out.path().to_str().unwrap(),
        ],
    );
    // Exit 3: the external classifier failed, every report was written.
    assert_eq!(code, 3, "eval: {stderr}");
    let page = out.path().join("latest.html");
    let html = std::fs::read_to_string(&page).unwrap();
    // The failed classifier's long message is in the table.
    assert!(
        html.contains("must wrap inside the ranking table"),
        "no failure row"
    );
    // A single-label corpus: the confusion matrix, not the co-occurrence diagonal; no empty
    // labels hash; the learning curve's real reason.
    let (dom, _) = headless(&page, &["--dump-dom"]);
    // (No learning curve: it is off for a corpus file.)
    for id in &chart_ids(true)[..4] {
        assert!(
            dom.contains(&format!("<svg id=\"{id}\"")),
            "chart {id} missing"
        );
    }
    assert!(!dom.contains("chart-cooccurrence"));
    assert!(
        !dom.contains("labels sha256"),
        "an empty labels hash is shown"
    );
    assert!(
        dom.contains("it is off by default for a <code>--corpus</code> file"),
        "the learning curve's reason is missing"
    );
    // Every topic is named on the per-topic F1 and count charts, and numbered on the matrix.
    for k in ["topic.a0", "topic.d1", "topic.h2"] {
        let on_axis = html.matches(&format!(">\n{k}\n</text>")).count();
        assert_eq!(on_axis, 2, "{k} is on {on_axis} axes");
    }
    assert!(
        html.contains(">\ntopic.h2 24\n</text>"),
        "the matrix's last row"
    );
    for width in [1100, 800] {
        let problems = layout_problems(&page, width);
        assert!(problems.is_empty(), "at {width}px: {problems:#?}");
    }
}

/// Width, height and RGB bytes of a PNG.
fn decode_png(path: &Path) -> (u32, u32, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    buf.truncate(info.buffer_size());
    let rgb = match info.color_type {
        png::ColorType::Rgb => buf,
        png::ColorType::Rgba => buf.chunks(4).flat_map(|p| [p[0], p[1], p[2]]).collect(),
        other => panic!("unexpected PNG colour type {other:?}"),
    };
    (info.width, info.height, rgb)
}

/// The suite leaderboard page: self-contained, no console output, the critical-difference
/// diagram in the rendered DOM with the CD bar and every classifier's name, and drawn ink in
/// its screenshot.
#[test]
fn suite_html_renders_the_critical_difference_diagram() {
    let dir = crate::suite::fixture("");
    let (code, _, stderr) = run_bin(dir.path(), &["suite", "s.toml"]);
    assert_eq!(code, 0, "suite failed: {stderr}");
    let page = dir.path().join("reports/suite/latest.html");
    let html = std::fs::read_to_string(&page).unwrap();
    assert_self_contained(&html);
    let (dom, stderr) = headless(&page, &["--dump-dom"]);
    assert!(
        console_lines(&stderr).is_empty(),
        "{:?}",
        console_lines(&stderr)
    );
    let id = topicbench::report::suite::CD_CHART_ID;
    let svg_start = dom
        .find(&format!("<svg id=\"{id}\""))
        .expect("the diagram is not in the rendered page");
    let svg = &dom[svg_start..dom[svg_start..].find("</svg>").unwrap() + svg_start];
    assert!(svg.contains("CD = "), "no CD bar label");
    for name in [
        "multinomial_nb",
        "majority",
        "complement_nb",
        "nearest_centroid",
    ] {
        assert!(svg.contains(name), "{name} not in the diagram");
    }
    let shot = dir.path().join("shot.png");
    let (_, stderr) = headless(
        &page,
        &[
            "--window-size=1100,1400",
            &format!("--screenshot={}", shot.display()),
        ],
    );
    assert!(console_lines(&stderr).is_empty(), "{stderr}");
    let (_, _, rgb) = decode_png(&shot);
    // The diagram's lines and text are drawn in the report's ink colour (#333).
    let ink = rgb.chunks(3).filter(|p| *p == [0x33, 0x33, 0x33]).count();
    assert!(ink > 500, "the diagram's ink is not rendered: {ink} pixels");
}
