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
