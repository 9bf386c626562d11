//! `latest.html` in a real browser: headless Chromium (Debian's `chromium`, which `.ci/run`
//! installs) loads the page written by `eval`, with no console message and every chart's `<svg>`
//! in the rendered DOM, and its screenshot is not blank. A deliberately broken page checks that
//! the console check does catch errors.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use topicbench::report::html::CHART_IDS;

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
