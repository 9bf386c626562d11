//! The labelling workflow: `ingest` a new article, `label` its paragraphs (answers piped in, and in
//! a real terminal under tmux), `agree` between annotators. Every test works in a temporary
//! project.

use crate::util::{Fixture, VALID_ROWS, rows_csv, run_bin, run_bin_with_input};

/// The valid fixture plus an article `ab` (which sorts between `a` and `b`) with no rows.
fn with_new_article() -> Fixture {
    let f = Fixture::valid();
    f.article(
        "ab",
        "Title AB\n\nalpha and beta together\nPosted by someone\n",
    );
    f
}

/// A label file as `label` writes it (quoted only where CSV needs it; these texts need none).
fn written(rows: &[(&str, &str, &str, &str)]) -> String {
    rows_csv(rows).replace('"', "")
}

#[test]
fn ingest_copies_under_a_normalized_name_and_lists_paragraphs() {
    let f = Fixture::valid();
    f.write(
        "incoming/New Story (2).TXT",
        "\u{feff}A new title\n\nFirst paragraph of the story.\n\nSecond one.\n",
    );
    let (code, stdout, stderr) = run_bin(f.root(), &["ingest", "incoming/New Story (2).TXT"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stdout,
        "data/articles/new_story_2.txt: 3 paragraph(s)\n  \
         new_story_2:1  A new title\n  \
         new_story_2:3  First paragraph of the story.\n  \
         new_story_2:5  Second one.\n\
         next: label them with `topicbench label` (or `topicbench label --annotator NAME`)\n"
    );
    // The byte-order mark is dropped; the rest is copied as it was.
    assert_eq!(
        std::fs::read_to_string(f.root().join("data/articles/new_story_2.txt")).unwrap(),
        "A new title\n\nFirst paragraph of the story.\n\nSecond one.\n"
    );
    // Its paragraphs now lack rows, and check says so.
    f.assert_finding(
        "data/articles/new_story_2.txt:3: error: paragraph `new_story_2:3` has no row",
    );
}

#[test]
fn ingest_refuses_bad_input_with_the_place_and_what_to_do() {
    let f = Fixture::valid();
    f.write("in/latin1.txt", b"Caf\xe9 society\n");
    f.write("in/blank.txt", "\n  \n");
    f.write("in/a.txt", "Another article named a\n");
    f.write("in/___.txt", "text\n");
    let cases: [(&str, &str); 6] = [
        (
            "in/latin1.txt",
            "error: in/latin1.txt:1: not valid UTF-8 at byte offset 3: convert the file to UTF-8",
        ),
        ("in", "error: in: is a directory, expected a file"),
        (
            "in/missing.txt",
            "error: in/missing.txt: no such file: give the path of the article's text file",
        ),
        (
            "in/blank.txt",
            "error: in/blank.txt: no paragraphs: every line is empty",
        ),
        (
            "in/a.txt",
            "error: data/articles/a.txt: already exists, and ingest never replaces an article",
        ),
        (
            "in/___.txt",
            "error: in/___.txt: the file name has no letters or digits to name the article by: rename it",
        ),
    ];
    for (arg, want) in cases {
        let (code, stdout, stderr) = run_bin(f.root(), &["ingest", arg]);
        assert_eq!(code, 1, "{arg}: {stderr}");
        assert_eq!(stdout, "", "{arg}");
        assert!(
            stderr.starts_with(want),
            "{arg}: got\n{stderr}\nwant\n{want}"
        );
    }
    // Nothing was written, and the existing article is untouched.
    let mut names: Vec<String> = std::fs::read_dir(f.root().join("data/articles"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["a.txt", "b.txt"]);
    assert!(
        std::fs::read_to_string(f.root().join("data/articles/a.txt"))
            .unwrap()
            .starts_with("Title A")
    );
}

/// Three annotators over the valid fixture's five paragraphs (a:1, a:3, a:5, b:1, b:2) and a
/// topic `gamma` nobody uses. bob skipped b:1 and carol a:1.
fn three_annotators() -> Fixture {
    let f = Fixture::valid();
    f.write(
        "labels/topics.csv",
        format!("{}gamma,Gamma,third\n", crate::util::TOPICS),
    );
    // Side by side, as `kind/topics` ("-": not labelled).
    let table: [(&str, &str, [&str; 3]); 5] = [
        ("a:1", "Title A", ["headline/", "headline/", "-"]),
        (
            "a:3",
            "alpha words here and there",
            ["body/alpha", "body/alpha;beta", "body/alpha"],
        ),
        (
            "a:5",
            "beta words elsewhere entirely",
            ["body/beta", "boilerplate/", "body/beta"],
        ),
        ("b:1", "Title B", ["headline/", "-", "body/"]),
        (
            "b:2",
            "more alpha text about things",
            ["body/alpha", "body/alpha", "body/"],
        ),
    ];
    for (i, name) in ["alice", "bob", "carol"].into_iter().enumerate() {
        let rows: Vec<(&str, &str, &str, &str)> = table
            .iter()
            .filter_map(|&(id, text, labels)| {
                let (kind, topics) = labels[i].split_once('/')?;
                Some((id, kind, topics, text))
            })
            .collect();
        f.annotator(name, &rows);
    }
    f
}

/// The statistics of `three_annotators`, against scikit-learn 1.9.1 and krippendorff 0.9.0 on the
/// same data (kinds headline 0, body 1, boilerplate 2; topics 1 = present; None = not labelled):
///
/// ```python
/// from sklearn.metrics import cohen_kappa_score as k
/// import numpy as np, krippendorff
/// # paragraphs a:1 a:3 a:5 b:1 b:2
/// kind    = {'alice':[0,1,1,0,1], 'bob':[0,1,2,None,1], 'carol':[None,1,1,1,1]}
/// alpha_t = {'alice':[0,1,0,0,1], 'bob':[0,1,0,None,1], 'carol':[None,1,0,0,0]}
/// beta_t  = {'alice':[0,0,1,0,0], 'bob':[0,1,0,None,0], 'carol':[None,0,1,0,0]}
/// def pair(d, x, y):
///     idx = [i for i in range(5) if d[x][i] is not None and d[y][i] is not None]
///     return k([d[x][i] for i in idx], [d[y][i] for i in idx])
/// for x, y in [('alice','bob'), ('alice','carol'), ('bob','carol')]:
///     print(x, y, [pair(d, x, y) for d in (kind, alpha_t, beta_t)])
/// # alice bob   [0.5555555555555556, 1.0, -0.33333333333333326]
/// # alice carol [0.0, 0.5, 1.0]
/// # bob carol   [0.0, 0.3999999999999999, -0.5]
/// # (gamma, never used: nan for every pair)
/// for d in (kind, alpha_t, beta_t):
///     rows = [[np.nan if v is None else v for v in d[n]] for n in ('alice','bob','carol')]
///     print(krippendorff.alpha(rows, level_of_measurement='nominal'))
/// # 0.3846153846153846, 0.7, 0.19999999999999996
/// ```
///
/// By hand, alice–bob kind: 4 shared paragraphs, same on 3; alice h1 b3, bob h1 b2 x1; so
/// κ = (4·3 − (1·1 + 3·2)) / (16 − 7) = 5/9. Group alpha for `alpha`: 13 pairable values, 5
/// present; only b:2 (1, 1, 0) disagrees, D_o = (9 − 5)/2 = 2; α = 1 − 12·2/(169 − 64 − 25) = 0.7.
#[test]
fn agreement_statistics_match_independent_implementations() {
    use topicbench::annotate::agreement;
    let f = three_annotators();
    let project = topicbench::data::dataset::Project::new(f.root());
    let (sources, ann) = topicbench::data::check::load_annotators(&project, &[]).unwrap();
    assert_eq!(
        ann.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(),
        ["alice", "bob", "carol"]
    );
    let close = |got: Option<f64>, want: f64| {
        let got = got.expect("defined");
        assert!((got - want).abs() < 1e-12, "got {got}, want {want}");
    };
    let expected: [(usize, usize, [f64; 3]); 3] = [
        (0, 1, [0.5555555555555556, 1.0, -0.33333333333333326]),
        (0, 2, [0.0, 0.5, 1.0]),
        (1, 2, [0.0, 0.3999999999999999, -0.5]),
    ];
    for (x, y, [kind, alpha, beta]) in expected {
        let pair = agreement::compare(&ann[x], &ann[y], sources.topics.len());
        close(pair.kind.unwrap().kappa, kind);
        close(pair.topics[0].kappa.kappa, alpha);
        close(pair.topics[1].kappa.kappa, beta);
        assert_eq!(pair.topics[2].kappa.kappa, None, "gamma is never used");
    }
    let group = agreement::group(&ann, sources.topics.len());
    close(group.kind.alpha, 0.3846153846153846);
    close(group.topics[0].alpha, 0.7);
    close(group.topics[1].alpha, 0.19999999999999996);
    assert_eq!(group.topics[2].alpha, None);
    assert_eq!((group.kind.units, group.kind.values), (5, 13));
}

#[test]
fn agree_two_annotators_prints_kappa_and_every_disagreement() {
    let f = three_annotators();
    let (code, stdout, stderr) = run_bin(f.root(), &["agree", "alice", "bob"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stdout,
        "\
alice and bob: 4 paragraph(s) labelled by both (alice labelled 5, bob 4)

        kappa  observed  alice  bob
kind    0.556     0.750
alpha   1.000     1.000      2    2
beta   -0.333     0.500      1    1
gamma     n/a     1.000      0    0
(the alice and bob columns count the paragraphs given each topic)
same kind and topics: 2 of 4 (0.500)
n/a: kappa is undefined where both gave every shared paragraph the same answer (chance agreement is then 1)

disagreements: 2
  a:3  alpha words here and there
    alice  body: alpha
    bob    body: alpha;beta
  a:5  beta words elsewhere entirely
    alice  body: beta
    bob    boilerplate: -

"
    );
}

#[test]
fn agree_over_all_annotators_adds_krippendorffs_alpha() {
    let f = three_annotators();
    let (code, stdout, stderr) = run_bin(f.root(), &["agree"]);
    assert_eq!(code, 0, "{stderr}");
    for pair in [
        "alice and bob: 4 paragraph(s)",
        "alice and carol: 4 paragraph(s) labelled by both (alice labelled 5, carol 4)\n\n        kappa  observed  alice  carol\nkind    0.000     0.750\nalpha   0.500     0.750      2      1\nbeta    1.000     1.000      1      1\n",
        "bob and carol: 3 paragraph(s) labelled by both (bob labelled 4, carol 4)",
    ] {
        assert!(stdout.contains(pair), "no `{pair}` in\n{stdout}");
    }
    assert!(
        stdout.ends_with(
            "\
Krippendorff's alpha (nominal), 3 annotators (alice, bob, carol), over the paragraphs at least two labelled

        alpha  paragraphs  values
kind    0.385           5      13
alpha   0.700           5      13
beta    0.200           5      13
gamma     n/a           5      13
n/a: alpha is undefined where every value is the same (chance agreement is then perfect) or no paragraph was labelled twice
"
        ),
        "{stdout}"
    );
}

#[test]
fn agree_refuses_bad_input_with_the_place_and_what_to_do() {
    let f = three_annotators();
    // (args, exit status, start of stderr)
    let cases: [(&[&str], i32, &str); 4] = [
        (
            &["agree", "alice"],
            2,
            "error: `agree alice` needs a second annotator",
        ),
        (
            &["agree", "alice", "zed"],
            1,
            "error: labels/annotators/zed.csv: no such annotator file: check the name; the annotators are alice, bob, carol",
        ),
        (
            &["agree", "Alice", "bob"],
            2,
            "error: invalid value 'Alice'",
        ),
        (
            &["agree", "bob", "bob"],
            2,
            "error: annotator `bob` is named twice",
        ),
    ];
    for (args, status, want) in cases {
        let (code, _, stderr) = run_bin(f.root(), args);
        assert_eq!(code, status, "{args:?}: {stderr}");
        assert!(stderr.starts_with(want), "{args:?}: got\n{stderr}");
    }
    // A broken file is named with its line, as `check` names it.
    f.write(
        "labels/annotators/bob.csv",
        "id,kind,topics,fingerprint,text\na:3,body,delta,x,y\n",
    );
    let (code, _, stderr) = run_bin(f.root(), &["agree", "alice", "bob"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("labels/annotators/bob.csv:2: error: unknown topic `delta` for `a:3`"),
        "{stderr}"
    );
    // One annotator is not enough.
    std::fs::remove_file(f.root().join("labels/annotators/bob.csv")).unwrap();
    std::fs::remove_file(f.root().join("labels/annotators/carol.csv")).unwrap();
    let (code, _, stderr) = run_bin(f.root(), &["agree"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.starts_with("error: labels/annotators: agreement needs at least two annotator files; the annotators are alice"),
        "{stderr}"
    );
}

#[test]
fn label_from_piped_answers_saves_each_in_article_order_and_resumes() {
    let f = with_new_article();
    let label = |input: &str| run_bin_with_input(f.root(), &["label"], input);

    // One answer, then the input ends: it is saved, in place between a's and b's rows.
    let (code, stdout, stderr) = label("h\n");
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("paragraph 1 of 3 to label")
            && stdout.contains("  > ab:1\n      Title AB\n"),
        "{stdout}"
    );
    assert!(stdout.contains("saved ab:1 (headline: -)"), "{stdout}");
    assert!(
        stdout.ends_with("labels/paragraphs.csv: 1 answer(s) saved this session, 0 skipped; 2 paragraph(s) still to label: run the same command to resume\n"),
        "{stdout}"
    );
    assert_eq!(
        f.read("labels/paragraphs.csv"),
        written(
            &[
                &VALID_ROWS[..3],
                &[("ab:1", "headline", "", "Title AB")],
                &VALID_ROWS[3..]
            ]
            .concat()
        )
    );

    // Resuming starts at ab:3; topics toggle (2 on, 1 on, 2 off, 2 on); `s` skips ab:4.
    let (code, stdout, stderr) = label("b 2 1 2 2\ns\n");
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("paragraph 1 of 2 to label"), "{stdout}");
    assert!(
        stdout.contains("saved ab:3 (body: alpha;beta)\n"),
        "{stdout}"
    );
    assert!(stdout.contains("skipped ab:4\n"), "{stdout}");
    assert!(stdout.ends_with("1 answer(s) saved this session, 1 skipped; 1 paragraph(s) still to label: run the same command to resume\n"), "{stdout}");

    // The skipped one comes back; then everything is labelled and check passes.
    let (code, stdout, stderr) = label("x\n");
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.ends_with("labels/paragraphs.csv: 1 answer(s) saved this session, 0 skipped; every paragraph is labelled. Next: `topicbench check`\n"), "{stdout}");
    assert_eq!(
        f.read("labels/paragraphs.csv"),
        written(
            &[
                &VALID_ROWS[..3],
                &[
                    ("ab:1", "headline", "", "Title AB"),
                    ("ab:3", "body", "alpha;beta", "alpha and beta together"),
                    ("ab:4", "boilerplate", "", "Posted by someone"),
                ],
                &VALID_ROWS[3..],
            ]
            .concat()
        )
    );
    let (code, stdout, stderr) = label("");
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stdout,
        "labels/paragraphs.csv: nothing to label: every paragraph has a row with a current fingerprint\n"
    );
    f.assert_check_passes("ok: 8 paragraphs in 3 articles");
}

#[test]
fn label_revisits_a_changed_paragraph_and_replaces_its_row() {
    let f = Fixture::valid();
    f.article("b", "Title B\nmore beta text about other things\n");
    let (code, stdout, stderr) = run_bin_with_input(f.root(), &["label"], "b2\n");
    assert_eq!(code, 0, "{stderr}");
    // Only b:2 is queued, and the old answer is shown but not pre-selected.
    assert!(stdout.contains("paragraph 1 of 1 to label"), "{stdout}");
    assert!(
        stdout.contains(
            "changed since it was labelled body: alpha; it was: more alpha text about things"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("[1] [ ] alpha"), "{stdout}");
    assert!(stdout.contains("saved b:2 (body: beta)"), "{stdout}");
    let csv = f.read("labels/paragraphs.csv");
    assert!(
        csv.ends_with(&format!(
            "b:2,body,beta,{},more beta text about other things\n",
            topicbench::data::articles::fingerprint("more beta text about other things")
        )),
        "{csv}"
    );
    assert_eq!(csv.matches("b:2,").count(), 1, "{csv}");
    f.assert_check_passes("ok: 5 paragraphs in 2 articles");
}

#[test]
fn label_with_an_annotator_writes_only_their_file() {
    let f = with_new_article();
    let before = f.read("labels/paragraphs.csv");
    let args = ["label", "--annotator", "dana-2"];
    // The annotator's file starts empty: all eight paragraphs are queued.
    let (code, stdout, stderr) = run_bin_with_input(f.root(), &args, "h\nb1\nq\n");
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("topicbench label -> labels/annotators/dana-2.csv   paragraph 1 of 8"),
        "{stdout}"
    );
    assert!(stdout.ends_with("labels/annotators/dana-2.csv: 2 answer(s) saved this session, 0 skipped; 6 paragraph(s) still to label: run the same command to resume\n"), "{stdout}");
    assert_eq!(
        f.read("labels/annotators/dana-2.csv"),
        written(&VALID_ROWS[..2])
    );
    assert_eq!(f.read("labels/paragraphs.csv"), before);
    // An annotator may leave paragraphs unlabelled; check only complains about paragraphs.csv.
    let got = f.check();
    assert!(got.iter().all(|g| !g.contains("dana-2")), "{got:#?}");
}

#[test]
fn label_refuses_bad_input_with_the_place_and_what_to_do() {
    let f = with_new_article();
    let before = f.read("labels/paragraphs.csv");
    // (args, input, exit status, start of stderr)
    let cases: [(&[&str], &str, i32, &str); 5] = [
        (
            &["label", "--annotator", "Bob"],
            "",
            2,
            "error: invalid value 'Bob' for '--annotator <ANNOTATOR>': annotator name `Bob` is not allowed: use lowercase letters, digits, `_` and `-`",
        ),
        (
            &["label"],
            "bz\n",
            1,
            "error: <stdin>:1: no key `z`: h/b/x choose the kind, 1-2 toggle a topic, Enter saves, Backspace clears, s skips, q quits",
        ),
        (
            &["label"],
            "\n",
            1,
            "error: <stdin>:1: choose the kind first: h, b or x",
        ),
        (
            &["label"],
            "s1\n",
            1,
            "error: <stdin>:1: `1` after `s`: write one answer per line",
        ),
        (
            &["label"],
            "q b\n",
            1,
            "error: <stdin>:1: `b` after `q`: write one answer per line",
        ),
    ];
    for (args, input, status, want) in cases {
        let (code, _, stderr) = run_bin_with_input(f.root(), args, input);
        assert_eq!(code, status, "{args:?} {input:?}: {stderr}");
        assert!(
            stderr.starts_with(want),
            "{args:?} {input:?}: got\n{stderr}"
        );
        assert_eq!(f.read("labels/paragraphs.csv"), before, "{input:?} wrote");
    }

    // A refused line stops the run; the answers before it are kept.
    let (code, _, stderr) = run_bin_with_input(f.root(), &["label"], "h\nb7\n");
    assert_eq!(code, 1);
    assert!(
        stderr.starts_with("error: <stdin>:2: no key `7`"),
        "{stderr}"
    );
    assert!(f.read("labels/paragraphs.csv").contains("ab:1,headline,"));

    // A label file that cannot be read whole is never rewritten.
    let broken = "id,kind,topics,fingerprint,text\na:1,headline,,x\n";
    f.write("labels/paragraphs.csv", broken);
    let (code, _, stderr) = run_bin_with_input(f.root(), &["label"], "h\n");
    assert_eq!(code, 1);
    assert!(
        stderr.contains("labels/paragraphs.csv:2: error: row has 4 fields, expected 5"),
        "{stderr}"
    );
    assert_eq!(f.read("labels/paragraphs.csv"), broken);

    // More topics than one-key shortcuts.
    let many: String = (0..32).map(|i| format!("t{i},T{i},\n")).collect();
    f.write("labels/topics.csv", format!("id,name,description\n{many}"));
    let (code, _, stderr) = run_bin_with_input(f.root(), &["label", "--annotator", "x"], "h\n");
    assert_eq!(code, 1);
    assert!(
        stderr.starts_with(
            "error: labels/topics.csv: 32 topics, but `label` has one-key shortcuts for at most 31"
        ),
        "{stderr}"
    );

    // So is a broken topic list or article.
    f.write("labels/topics.csv", "id,name\n");
    let (code, _, stderr) = run_bin_with_input(f.root(), &["label", "--annotator", "x"], "h\n");
    assert_eq!(code, 1);
    assert!(
        stderr.contains("labels/topics.csv:1: error: header is `id,name`"),
        "{stderr}"
    );
    assert!(!f.root().join("labels/annotators/x.csv").exists());
}

/// A tmux server of its own (its socket in a temporary folder, so it never meets the user's), for
/// driving `label` in a real terminal: `send-keys` types, `capture-pane` reads the screen.
struct Tmux {
    dir: tempfile::TempDir,
}

/// How long to wait for the screen to show something before failing.
const SCREEN_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

impl Tmux {
    fn new() -> Tmux {
        match std::process::Command::new("tmux").arg("-V").output() {
            Ok(o) if o.status.success() => {}
            _ => panic!(
                "tmux is not installed, and the terminal test needs it: `apt-get install tmux` (.ci/run installs it)"
            ),
        }
        let t = Tmux {
            dir: tempfile::tempdir().unwrap(),
        };
        // An idle session keeps the server up while `label`'s session is killed and restarted
        // (a server left with no session exits, and a new client can race with that exit).
        t.tmux(&["new-session", "-d", "-s", "idle", "sleep 600"]);
        t
    }

    fn tmux(&self, args: &[&str]) -> String {
        let o = std::process::Command::new("tmux")
            .arg("-S")
            .arg(self.dir.path().join("socket"))
            .args(["-f", "/dev/null"])
            .args(args)
            .env_remove("TMUX")
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "tmux {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    /// Starts the built binary with `args` in `root`, in a new 200×50 window. When it ends, the
    /// window shows its exit status and the terminal's settings (`stty -a`, then a line "end of
    /// stty", so a reader knows the settings are whole) and stays open.
    fn start(&self, root: &std::path::Path, args: &[&str]) {
        let mut cmd = vec![
            "new-session",
            "-d",
            "-s",
            "label",
            "-x",
            "200",
            "-y",
            "50",
            "-c",
            root.to_str().unwrap(),
            "sh",
            "-c",
            r#""$0" "$@"; echo "exited with status $?"; stty -a; echo "end of stty"; exec sleep 600"#,
            env!("CARGO_BIN_EXE_topicbench"),
        ];
        cmd.extend_from_slice(args);
        self.tmux(&cmd);
    }

    fn send(&self, keys: &[&str]) {
        let mut cmd = vec!["send-keys", "-t", "label"];
        cmd.extend_from_slice(keys);
        self.tmux(&cmd);
    }

    /// Polls the screen (with its scrollback) until it shows every one of `texts`; returns it.
    fn wait_for(&self, texts: &[&str]) -> String {
        let start = std::time::Instant::now();
        loop {
            let screen = self.tmux(&["capture-pane", "-p", "-S", "-", "-t", "label"]);
            if texts.iter().all(|t| screen.contains(t)) {
                return screen;
            }
            assert!(
                start.elapsed() < SCREEN_TIMEOUT,
                "the screen never showed {texts:?}; it shows:\n{screen}"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }

    /// Waits for the program to end with `status`; asserts that it left the terminal as it found
    /// it (line editing and signals back on, main screen); returns the screen.
    fn wait_exit(&self, status: i32) -> String {
        // Wait for the line after the settings: `stty -a` prints them over several lines, and a
        // screen captured between them lacks the `icanon` line (a race CI once lost).
        let screen = self.wait_for(&[&format!("exited with status {status}"), "end of stty"]);
        let from = screen.find("speed").unwrap_or(0);
        let to = screen.find("end of stty").unwrap_or(screen.len());
        let stty = &screen[from..to.max(from)];
        assert!(
            stty.contains("icanon") && !stty.contains("-icanon") && !stty.contains("-isig"),
            "the terminal was left in raw mode:\n{screen}"
        );
        let alternate = self.tmux(&["display-message", "-p", "-t", "label", "#{alternate_on}"]);
        assert_eq!(alternate.trim(), "0", "still on the alternate screen");
        screen
    }

    /// Ends the session at once, as closing the terminal window does (the program gets SIGHUP).
    fn kill(&self) {
        self.tmux(&["kill-session", "-t", "label"]);
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = std::process::Command::new("tmux")
            .arg("-S")
            .arg(self.dir.path().join("socket"))
            .arg("kill-server")
            .output();
    }
}

/// The issue's end-to-end run: ingest a new article, label it in a real terminal, stop half-way
/// with Ctrl-C in the middle of an answer, resume, lose the terminal outright, resume again,
/// finish, and check. Nothing answered is lost; nothing half-answered is saved.
#[test]
fn label_in_a_real_terminal_survives_ctrl_c_and_a_killed_terminal() {
    let f = Fixture::valid();
    f.write(
        "incoming/Wire Story.txt",
        "Wire headline\n\nalpha paragraph of the wire story\nbeta paragraph of the wire story\n\nShare this story\n",
    );
    let (code, stdout, stderr) = run_bin(f.root(), &["ingest", "incoming/Wire Story.txt"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.starts_with("data/articles/wire_story.txt: 4 paragraph(s)"),
        "{stdout}"
    );
    let rows_path = "labels/paragraphs.csv";
    let with = |new: &[(&str, &str, &str, &str)]| written(&[&VALID_ROWS[..], new].concat());
    let row1 = ("wire_story:1", "headline", "", "Wire headline");
    let row3 = (
        "wire_story:3",
        "body",
        "alpha",
        "alpha paragraph of the wire story",
    );
    let row4 = (
        "wire_story:4",
        "body",
        "beta",
        "beta paragraph of the wire story",
    );
    let row6 = ("wire_story:6", "boilerplate", "", "Share this story");

    // First session: the screen shows the paragraph, its article and neighbours, the topics.
    let t = Tmux::new();
    t.start(f.root(), &["label"]);
    t.wait_for(&[
        "paragraph 1 of 4 to label",
        "article data/articles/wire_story.txt, line 1 (paragraph 1 of 4)",
        "(start of article)",
        "  > wire_story:1\n      Wire headline\n    wire_story:3  alpha paragraph of the wire story",
        "[1] [ ] alpha  Alpha - first",
        "[2] [ ] beta   Beta - second",
        "-> (choose)",
    ]);
    t.send(&["h"]);
    t.wait_for(&["-> headline"]);
    t.send(&["Enter"]);
    t.wait_for(&["> wire_story:3", "(1 saved, 0 skipped)"]);
    assert_eq!(
        f.read(rows_path),
        with(&[row1]),
        "saved after the first answer"
    );
    // Half an answer, then Ctrl-C: the program stops, restores the terminal and says so.
    t.send(&["b", "1"]);
    t.wait_for(&["-> body", "[1] [x] alpha"]);
    t.send(&["C-c"]);
    let screen = t.wait_exit(130);
    assert!(screen.contains("interrupted: the answer in progress was not saved; every earlier one was\nlabels/paragraphs.csv: 1 answer(s) saved this session, 0 skipped; 3 paragraph(s) still to label: run the same command to resume"), "{screen}");
    assert_eq!(f.read(rows_path), with(&[row1]));
    t.kill();

    // Second session resumes at wire_story:3; then the terminal goes away mid-answer.
    t.start(f.root(), &["label"]);
    t.wait_for(&["paragraph 1 of 3 to label", "  > wire_story:3"]);
    t.send(&["b", "1", "Enter"]);
    t.wait_for(&["  > wire_story:4", "(1 saved, 0 skipped)"]);
    t.send(&["b", "2"]);
    t.wait_for(&["[2] [x] beta"]);
    t.kill();
    assert_eq!(f.read(rows_path), with(&[row1, row3]));

    // Third session finishes; check passes on the new article.
    t.start(f.root(), &["label"]);
    t.wait_for(&["paragraph 1 of 2 to label", "  > wire_story:4"]);
    t.send(&["b", "2", "Enter"]);
    t.wait_for(&["  > wire_story:6", "(end of article)"]);
    t.send(&["x", "Enter"]);
    let screen = t.wait_exit(0);
    assert!(screen.contains("labels/paragraphs.csv: 2 answer(s) saved this session, 0 skipped; every paragraph is labelled. Next: `topicbench check`"), "{screen}");
    assert_eq!(f.read(rows_path), with(&[row1, row3, row4, row6]));
    let leftovers: Vec<_> = std::fs::read_dir(f.root().join("labels"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().starts_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    f.assert_check_passes("ok: 9 paragraphs in 3 articles");
}

/// `label` rewrites the whole file after each answer; on the shipped labels that rewrite must not
/// touch a byte of the existing rows, so that a labelling session's diff is only its new rows.
#[test]
fn rewriting_the_shipped_labels_changes_nothing() {
    let path = crate::util::repo_root().join("labels/paragraphs.csv");
    let mut d = topicbench::data::labels::Diagnostics::default();
    let rows = topicbench::data::labels::read_label_rows(&path, &mut d);
    assert_eq!(d.errors(), 0, "{:?}", d.0);
    assert_eq!(rows.len(), 98);
    assert_eq!(
        String::from_utf8(topicbench::data::labels::label_rows_csv(&rows)).unwrap(),
        std::fs::read_to_string(&path).unwrap()
    );
}
