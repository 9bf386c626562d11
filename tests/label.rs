//! The labelling workflow: `ingest` a new article, `label` its paragraphs (answers piped in, and in
//! a real terminal under tmux), `agree` between annotators. Every test works in a temporary
//! project.

use crate::util::{Fixture, run_bin};

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
    use topicbench::agreement;
    let f = three_annotators();
    let project = topicbench::dataset::Project::new(f.root());
    let (sources, ann) = topicbench::check::load_annotators(&project, &[]).unwrap();
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
