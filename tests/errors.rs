//! Every bad input in docs/errors.md, through the binary: the exit status and the exact message.
//! One test per row of that table, named as it names them. Fixtures are built in temporary
//! folders (`util::Fixture` for the article corpus, [`corpus`] for a `--corpus` CSV).

use std::path::Path;

use crate::util::{Fixture, run_bin, run_bin_env};

/// Runs `topicbench args` in `dir`; asserts the exit status and that every line of `want` is a
/// whole line of stderr.
fn fails(dir: &Path, args: &[&str], code: i32, want: &[&str]) {
    fails_env(dir, args, &[], code, want);
}

/// [`fails`] with environment variables set (`Some`) or removed (`None`).
fn fails_env(dir: &Path, args: &[&str], env: &[(&str, Option<&str>)], code: i32, want: &[&str]) {
    let (got, _, stderr) = run_bin_env(dir, args, "", env);
    assert_eq!(got, code, "{args:?}: exit status; stderr:\n{stderr}");
    for w in want {
        assert!(
            stderr.lines().any(|l| l == *w),
            "{args:?}: stderr has no line\n  {w}\nstderr:\n{stderr}"
        );
    }
    assert!(
        !stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"),
        "{stderr}"
    );
}

/// `check` on the fixture fails with exactly these error lines (and the summary).
fn check_fails(f: &Fixture, want: &[&str]) {
    fails(f.root(), &["check"], 1, want);
    let (_, _, stderr) = run_bin(f.root(), &["check"]);
    let errors = stderr.lines().filter(|l| l.contains(": error: ")).count();
    assert_eq!(errors, want.len(), "unexpected extra errors:\n{stderr}");
}

/// `check` on the valid fixture with `rel` replaced by `contents` fails with the one error `want`.
fn file_fails(rel: &str, contents: impl AsRef<[u8]>, want: &str) {
    let f = Fixture::valid();
    f.write(rel, contents);
    check_fails(&f, &[want]);
}

/// `check` on the fixture passes.
fn check_passes(f: &Fixture) {
    let (code, stdout, stderr) = run_bin(f.root(), &["check"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("ok: "), "{stdout}");
}

/// A folder holding `c.csv` with `bytes`.
fn corpus(bytes: impl AsRef<[u8]>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("c.csv"), bytes).unwrap();
    dir
}

/// `eval --corpus c.csv` (2 folds, 1 repeat, two classifiers) on `bytes`: exit status and stderr.
fn eval_corpus(bytes: impl AsRef<[u8]>, extra: &[&str]) -> (tempfile::TempDir, i32, String) {
    let dir = corpus(bytes);
    let mut args = vec![
        "eval",
        "--corpus",
        "c.csv",
        "--out",
        "out",
        "--folds",
        "2",
        "--repeats",
        "1",
        "--classifiers",
        "majority",
    ];
    args.extend_from_slice(extra);
    let (code, _, stderr) = run_bin(dir.path(), &args);
    (dir, code, stderr)
}

/// `eval --corpus c.csv --split test --classifiers majority` on [`SPLIT_CORPUS`], plus `extra`,
/// in a new folder: the folder, exit code and stderr.
fn eval_split(extra: &[&str]) -> (tempfile::TempDir, i32, String) {
    let dir = corpus(SPLIT_CORPUS);
    let mut args = vec![
        "eval",
        "--corpus",
        "c.csv",
        "--split",
        "test",
        "--classifiers",
        "majority",
    ];
    args.extend_from_slice(extra);
    let (code, _, stderr) = run_bin(dir.path(), &args);
    (dir, code, stderr)
}

/// `out/latest.json` of a run in `dir`.
fn latest(dir: &tempfile::TempDir) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.path().join("out/latest.json")).unwrap()).unwrap()
}

/// `eval --corpus c.csv` on `bytes` fails with exit 1 and the one line `want`.
fn corpus_fails(bytes: impl AsRef<[u8]>, want: &str) {
    let dir = corpus(bytes);
    fails(
        dir.path(),
        &[
            "eval",
            "--corpus",
            "c.csv",
            "--out",
            "out",
            "--repeats",
            "1",
        ],
        1,
        &[want],
    );
    assert!(!dir.path().join("out").join("latest.json").exists());
}

const GOOD_CORPUS: &str = "id,text,labels\n1,alpha one,x\n2,beta two,y\n3,alpha three,x\n4,beta four,y\n5,alpha five,x\n6,beta six,y\n";

/// [`GOOD_CORPUS`] with a `split` column: four train rows, two test rows.
const SPLIT_CORPUS: &str = "id,text,labels,split\n1,alpha one,x,train\n2,beta two,y,train\n3,alpha three,x,train\n4,beta four,y,train\n5,alpha five,x,test\n6,beta six,y,test\n";

const NOT_FOUND: &str = "No such file or directory (os error 2): check the path (relative paths start at the current folder; --root sets the project folder)";

// ---- articles (data/articles/*.txt) ----

#[test]
fn article_invalid_utf8() {
    file_fails(
        "data/articles/b.txt",
        b"Title B\nmore \xff alpha\n",
        "data/articles/b.txt:2: error: not valid UTF-8 at byte offset 13: convert the file to UTF-8 (e.g. `iconv -f latin1 -t utf-8`)",
    );
}

#[test]
fn article_bom_and_crlf_are_accepted() {
    let f = Fixture::valid();
    f.write(
        "data/articles/a.txt",
        "\u{feff}Title A\r\n\r\nalpha words here and there\r\n\r\nbeta words elsewhere entirely\r\n",
    );
    check_passes(&f);
}

#[test]
fn article_empty() {
    file_fails(
        "data/articles/c.txt",
        " \n\n",
        "data/articles/c.txt: error: article is empty (no non-blank line): add its text, one paragraph per line, or delete the file",
    );
}

#[test]
fn article_paragraph_of_100_mb_is_refused() {
    let f = Fixture::valid();
    let mut text = b"Title B\n".to_vec();
    text.resize(text.len() + (100 << 20), b'a');
    f.write("data/articles/b.txt", &text);
    check_fails(
        &f,
        &[
            "data/articles/b.txt:2: error: paragraph is 104857600 bytes, longer than the limit of 8388608 bytes (8 MiB): split it into paragraphs of one line each",
        ],
    );
}

#[test]
fn article_path_is_a_directory() {
    let f = Fixture::valid();
    std::fs::create_dir(f.root().join("data/articles/c.txt")).unwrap();
    check_fails(
        &f,
        &["data/articles/c.txt: error: is a directory, expected a file: give the path of a file"],
    );
}

#[test]
fn articles_folder_missing() {
    let f = Fixture::valid();
    std::fs::remove_dir_all(f.root().join("data/articles")).unwrap();
    let want = format!("data/articles: error: cannot list articles: {NOT_FOUND}");
    // One cause, one message: the label rows are not each reported as orphans too.
    check_fails(&f, &[&want]);
}

#[test]
fn articles_folder_empty() {
    let f = Fixture::valid();
    std::fs::remove_dir_all(f.root().join("data/articles")).unwrap();
    std::fs::create_dir(f.root().join("data/articles")).unwrap();
    fails(
        f.root(),
        &["check"],
        1,
        &["data/articles: error: no articles: add UTF-8 `.txt` files (one paragraph per line)"],
    );
}

// ---- labels/topics.csv ----

#[test]
fn topics_invalid_utf8() {
    file_fails(
        "labels/topics.csv",
        b"id,name,description\nalpha,\xe9,\n",
        "labels/topics.csv:2: error: not valid UTF-8 at byte offset 26: convert the file to UTF-8 (e.g. `iconv -f latin1 -t utf-8`)",
    );
}

#[test]
fn topics_bom_and_crlf_are_accepted() {
    let f = Fixture::valid();
    f.write(
        "labels/topics.csv",
        "\u{feff}id,name,description\r\nalpha,Alpha,first\r\nbeta,Beta,second\r\n",
    );
    check_passes(&f);
}

#[test]
fn topics_empty() {
    file_fails(
        "labels/topics.csv",
        "",
        "labels/topics.csv: error: file is empty: it needs the header `id,name,description` and at least one row",
    );
}

#[test]
fn topics_header_only() {
    file_fails(
        "labels/topics.csv",
        "id,name,description\n",
        "labels/topics.csv: error: no topics: add at least one row `id,name,description`",
    );
}

#[test]
fn topics_misspelled_header() {
    file_fails(
        "labels/topics.csv",
        "id,name,describtion\nalpha,Alpha,\nbeta,Beta,\n",
        "labels/topics.csv:1: error: header is `id,name,describtion`, expected `id,name,description`: fix the first line",
    );
}

#[test]
fn topics_missing_header() {
    file_fails(
        "labels/topics.csv",
        "alpha,Alpha,\nbeta,Beta,\n",
        "labels/topics.csv:1: error: header is `alpha,Alpha,`, expected `id,name,description`: fix the first line",
    );
}

#[test]
fn topics_row_with_too_many_fields() {
    file_fails(
        "labels/topics.csv",
        "id,name,description\nalpha,Alpha,first\nbeta,Beta,\ngamma,Gamma,one, two\n",
        "labels/topics.csv:4: error: row has 4 fields, expected 3 (id,name,description): quote fields that contain commas",
    );
}

#[test]
fn topics_row_with_too_few_fields() {
    file_fails(
        "labels/topics.csv",
        "id,name,description\nalpha,Alpha,\nbeta,Beta,\ngamma,Gamma\n",
        "labels/topics.csv:4: error: row has 2 fields, expected 3 (id,name,description): quote fields that contain commas",
    );
}

#[test]
fn topics_unterminated_quote() {
    file_fails(
        "labels/topics.csv",
        "id,name,description\nalpha,Alpha,\"first\nbeta,Beta,\n",
        "labels/topics.csv:2: error: a quoted field starting on this line is never closed: add the closing `\"` (a `\"` inside a quoted field is written `\"\"`)",
    );
}

#[test]
fn topics_duplicate_id() {
    file_fails(
        "labels/topics.csv",
        "id,name,description\nalpha,A,\nbeta,B,\nalpha,C,\n",
        "labels/topics.csv:4: error: duplicate topic id `alpha` (first at line 2): remove or rename one",
    );
}

#[test]
fn topics_empty_id() {
    file_fails(
        "labels/topics.csv",
        "id,name,description\nalpha,A,\nbeta,B,\n,C,\n",
        "labels/topics.csv:4: error: topic id is empty: give every topic an id",
    );
}

#[test]
fn topics_id_with_white_space() {
    file_fails(
        "labels/topics.csv",
        "id,name,description\nalpha,A,\nbeta,B,\nnew topic,C,\n",
        "labels/topics.csv:4: error: topic id `new topic` contains `;` or white space: use letters, digits and `_`",
    );
}

#[test]
fn topics_path_is_a_directory() {
    let f = Fixture::valid();
    std::fs::remove_file(f.root().join("labels/topics.csv")).unwrap();
    std::fs::create_dir(f.root().join("labels/topics.csv")).unwrap();
    check_fails(
        &f,
        &["labels/topics.csv: error: is a directory, expected a file: give the path of a file"],
    );
}

#[test]
fn topics_missing_file() {
    let f = Fixture::valid();
    std::fs::remove_file(f.root().join("labels/topics.csv")).unwrap();
    let want = format!("labels/topics.csv: error: cannot read: {NOT_FOUND}");
    check_fails(&f, &[&want]);
}

// ---- labels/paragraphs.csv ----

/// The fixture's paragraphs.csv, edited by `edit`.
fn edit_rows(f: &Fixture, edit: impl FnOnce(String) -> String) {
    let text = std::fs::read_to_string(f.root().join("labels/paragraphs.csv")).unwrap();
    f.write("labels/paragraphs.csv", edit(text));
}

#[test]
fn rows_invalid_utf8() {
    let f = Fixture::valid();
    edit_rows(&f, |t| t.replacen("headline", "headline\u{0}", 1));
    let mut bytes = std::fs::read(f.root().join("labels/paragraphs.csv")).unwrap();
    let at = bytes.iter().position(|&b| b == 0).unwrap();
    bytes[at] = 0xC0;
    f.write("labels/paragraphs.csv", &bytes);
    check_fails(
        &f,
        &[
            "labels/paragraphs.csv:2: error: not valid UTF-8 at byte offset 44: convert the file to UTF-8 (e.g. `iconv -f latin1 -t utf-8`)",
        ],
    );
}

#[test]
fn rows_bom_and_crlf_are_accepted() {
    let f = Fixture::valid();
    edit_rows(&f, |t| format!("\u{feff}{}", t.replace('\n', "\r\n")));
    check_passes(&f);
}

#[test]
fn rows_empty() {
    file_fails(
        "labels/paragraphs.csv",
        "\n",
        "labels/paragraphs.csv: error: file is empty: it needs the header `id,kind,topics,fingerprint,text` and at least one row",
    );
}

#[test]
fn rows_misspelled_header() {
    let f = Fixture::valid();
    edit_rows(&f, |t| t.replacen("fingerprint", "fingerprnt", 1));
    fails(
        f.root(),
        &["check"],
        1,
        &[
            "labels/paragraphs.csv:1: error: header is `id,kind,topics,fingerprnt,text`, expected `id,kind,topics,fingerprint,text`: fix the first line",
        ],
    );
}

#[test]
fn rows_too_many_fields() {
    let f = Fixture::valid();
    edit_rows(&f, |t| t.replacen("a:5,body,beta,", "a:5,body,beta,x,", 1));
    check_fails(
        &f,
        &[
            "labels/paragraphs.csv:4: error: row has 6 fields, expected 5 (id,kind,topics,fingerprint,text): quote fields that contain commas",
        ],
    );
}

#[test]
fn rows_too_few_fields() {
    let f = Fixture::valid();
    edit_rows(&f, |t| {
        let mut lines: Vec<&str> = t.lines().collect();
        lines[4] = "b:1,headline,";
        lines.join("\n") + "\n"
    });
    check_fails(
        &f,
        &[
            "labels/paragraphs.csv:5: error: row has 3 fields, expected 5 (id,kind,topics,fingerprint,text): quote fields that contain commas",
        ],
    );
}

#[test]
fn rows_unterminated_quote() {
    let f = Fixture::valid();
    edit_rows(&f, |t| t.trim_end().trim_end_matches('"').to_owned() + "\n");
    check_fails(
        &f,
        &[
            "labels/paragraphs.csv:6: error: a quoted field starting on this line is never closed: add the closing `\"` (a `\"` inside a quoted field is written `\"\"`)",
        ],
    );
}

#[test]
fn rows_duplicate_id() {
    let f = Fixture::valid();
    edit_rows(&f, |t| {
        let dup = t.lines().nth(2).unwrap().to_owned();
        format!("{t}{dup}\n")
    });
    check_fails(
        &f,
        &["labels/paragraphs.csv:7: error: duplicate row for `a:3` (first at line 3): keep one"],
    );
}

#[test]
fn rows_label_outside_topic_set() {
    let f = Fixture::valid();
    edit_rows(&f, |t| t.replacen("body,beta,", "body,gamma,", 1));
    check_fails(
        &f,
        &[
            "labels/paragraphs.csv:4: error: unknown topic `gamma` for `a:5`: use an id from labels/topics.csv (alpha, beta)",
        ],
    );
}

#[test]
fn rows_unknown_kind() {
    let f = Fixture::valid();
    edit_rows(&f, |t| t.replacen("body,beta,", "bodyy,beta,", 1));
    check_fails(
        &f,
        &[
            "labels/paragraphs.csv:4: error: unknown kind `bodyy` for `a:5`: use headline, body or boilerplate",
        ],
    );
}

#[test]
fn rows_for_a_paragraph_that_does_not_exist() {
    let f = Fixture::valid();
    f.article("b", "Title B\n");
    check_fails(
        &f,
        &[
            "labels/paragraphs.csv:6: error: label row for `b:2`, but no such paragraph in data/articles (article removed or lines moved?): delete the row, or re-label the article's paragraphs",
        ],
    );
}

#[test]
fn paragraph_without_a_row() {
    let f = Fixture::valid();
    f.article("b", "Title B\nmore alpha text about things\nA new line\n");
    check_fails(
        &f,
        &[
            "data/articles/b.txt:3: error: paragraph `b:3` has no row in labels/paragraphs.csv: read it and add a row `b:3,<kind>,<topics>,bee099f9c7ea8c4f,<text>` (see labels/GUIDELINES.md), or run `topicbench label`",
        ],
    );
}

#[test]
fn paragraph_changed_since_labelled() {
    let f = Fixture::valid();
    f.article("b", "Title B\nmore alpha text about other things\n");
    check_fails(
        &f,
        &[
            "labels/paragraphs.csv:6: error: `b:2` changed since it was labelled (fingerprint fe152d5bd457921c in the row, 5e62ee525ff52c95 in the article): re-read it, check its kind and topics still hold, then set fingerprint to 5e62ee525ff52c95 and text to the article's line",
        ],
    );
}

#[test]
fn rows_missing_file() {
    let f = Fixture::valid();
    std::fs::remove_file(f.root().join("labels/paragraphs.csv")).unwrap();
    let want = format!("labels/paragraphs.csv: error: cannot read: {NOT_FOUND}");
    fails(f.root(), &["check"], 1, &[&want]);
}

// ---- eval on the article corpus ----

#[test]
fn topic_with_no_positive_example() {
    let f = Fixture::valid();
    f.write(
        "labels/topics.csv",
        "id,name,description\nalpha,A,\nbeta,B,\ngamma,G,\n",
    );
    fails(
        f.root(),
        &["eval", "--folds", "2", "--repeats", "1", "--out", "out"],
        1,
        &[
            "error: labels/paragraphs.csv: topic `gamma` has no positive example among the evaluated paragraphs: label some, or remove it from the topic list",
        ],
    );
}

#[test]
fn eval_on_a_corpus_that_fails_check() {
    let f = Fixture::valid();
    edit_rows(&f, |t| t.replacen("body,beta,", "body,gamma,", 1));
    fails(
        f.root(),
        &["eval", "--out", "out"],
        1,
        &[
            "error: 1 problem(s) in the corpus or labels (run `topicbench check` to see them all):",
            "labels/paragraphs.csv:4: error: unknown topic `gamma` for `a:5`: use an id from labels/topics.csv (alpha, beta)",
        ],
    );
}

// ---- a --corpus CSV ----

#[test]
fn corpus_invalid_utf8() {
    corpus_fails(
        b"id,text,labels\n1,caf\xe9,x\n",
        "error: c.csv:2: not valid UTF-8 at byte offset 20: convert the file to UTF-8 (e.g. `iconv -f latin1 -t utf-8`)",
    );
}

#[test]
fn corpus_bom_and_crlf_are_accepted() {
    let text = format!("\u{feff}{}", GOOD_CORPUS.replace('\n', "\r\n"));
    let (dir, code, stderr) = eval_corpus(text, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(dir.path().join("out/latest.json").exists());
}

#[test]
fn corpus_empty() {
    corpus_fails(
        "",
        "error: c.csv: file is empty: a corpus needs a header naming its columns (`text`, `labels`, optionally `id` and `split`) and rows",
    );
}

#[test]
fn corpus_header_only() {
    corpus_fails(
        "id,text,labels\n",
        "error: c.csv: no rows after the header: add documents",
    );
}

#[test]
fn corpus_misspelled_header() {
    corpus_fails(
        "id,txt,labels\n1,a,x\n",
        "error: c.csv:1: no `text` column (the columns are `id`, `txt`, `labels`): name the column of texts `text` or give --text-column NAME",
    );
    corpus_fails(
        "id,text,topics\n1,a,x\n",
        "error: c.csv:1: no `labels` or `label` column (the columns are `id`, `text`, `topics`): name the column of labels `labels` or give --labels-column NAME",
    );
}

#[test]
fn corpus_missing_header() {
    corpus_fails(
        "1,alpha one,x\n2,beta two,y\n",
        "error: c.csv:1: no `text` column (the columns are `1`, `alpha one`, `x`): name the column of texts `text` or give --text-column NAME",
    );
}

// ---- corpus files in other layouts and formats ----

/// `check --corpus <name>` (with `extra` flags) on a file holding `bytes` fails with exit 1 and
/// the one line `want`.
fn corpus_file_fails(name: &str, bytes: impl AsRef<[u8]>, extra: &[&str], want: &str) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(name), bytes).unwrap();
    let mut args = vec!["check", "--corpus", name];
    args.extend_from_slice(extra);
    fails(dir.path(), &args, 1, &[want]);
}

/// `check --corpus` on a committed fixture (tests/fixtures/corpora/) fails with `want`, in
/// which `{file}` stands for the path given.
fn fixture_fails(name: &str, want: &str) {
    let path = crate::util::repo_root()
        .join("tests/fixtures/corpora")
        .join(name);
    let path = path.to_str().unwrap();
    fails(
        &crate::util::repo_root(),
        &["check", "--corpus", path],
        1,
        &[&want.replace("{file}", path)],
    );
}

#[test]
fn corpus_label_cell_that_looks_like_a_list() {
    // A Python list is read as one; a cell that only looks like one is refused.
    corpus_file_fails(
        "c.csv",
        "text,labels\nalpha,\"['x', 'y']\"\nbeta,\"[x, y]\"\n",
        &[],
        "error: c.csv:3: labels `[x, y]` look like a list but are not a list of quoted names: write the names joined by `;` (`a;b`) or as a list of quoted strings (`['a', 'b']`)",
    );
}

#[test]
fn corpus_unknown_column_flag() {
    corpus_file_fails(
        "c.csv",
        "text,label\nalpha,x\nbeta,y\n",
        &["--text-column", "body"],
        "error: c.csv:1: unknown --text-column `body`: the columns are `text`, `label`; give one of them",
    );
    corpus_file_fails(
        "c.jsonl",
        "{\"text\": \"alpha\", \"label\": \"x\"}\n",
        &["--split-column", "part"],
        "error: c.jsonl:1: unknown --split-column `part`: the columns are `label`, `text`; give one of them",
    );
}

#[test]
fn corpus_binary_file_read_as_csv() {
    corpus_file_fails(
        "c.csv",
        b"PK\x03\x04\x00\x00\x08\x00binary\x00\x01\x02",
        &[],
        "error: c.csv: this looks like a binary file, not CSV text: the formats accepted are CSV (.csv), JSON Lines (.jsonl, .ndjson) and Parquet (.parquet) (--format overrides the extension)",
    );
    let parquet =
        std::fs::read(crate::util::repo_root().join("tests/fixtures/corpora/corpus.parquet"))
            .unwrap();
    corpus_file_fails(
        "c.csv",
        parquet,
        &[],
        "error: c.csv: this looks like a Parquet file, not CSV: name it `.parquet` or give --format parquet",
    );
    corpus_file_fails(
        "c.txt",
        "{\"text\": \"alpha\", \"labels\": \"x\"}\n",
        &[],
        "error: c.txt: this looks like JSON Lines, not CSV: name it `.jsonl` or give --format jsonl",
    );
}

#[test]
fn jsonl_bad_line() {
    corpus_file_fails(
        "c.jsonl",
        "{\"text\": \"alpha\", \"labels\": \"x\"}\n{\"text\": \"beta\", \"labels\": \"y\"\n",
        &[],
        "error: c.jsonl:2: not valid JSON at column 30 (EOF while parsing an object): write one JSON object per line (a text's line breaks as \\n)",
    );
}

#[test]
fn jsonl_missing_text_field() {
    corpus_file_fails(
        "c.jsonl",
        "{\"text\": \"alpha\", \"labels\": \"x\"}\n{\"body\": \"beta\", \"labels\": \"y\"}\n",
        &[],
        "error: c.jsonl:2: no `text` field: give every record one (or name another field with --text-column)",
    );
}

#[test]
fn parquet_column_of_the_wrong_type() {
    fixture_fails(
        "bad-float-labels.parquet",
        "error: {file}: column `labels` holds double values, expected strings, lists of strings or integer class ids: convert it (e.g. `df[\"labels\"] = df[\"labels\"].astype(str)` in pandas) or name another column with --labels-column",
    );
}

#[test]
fn parquet_compressed_with_another_codec() {
    fixture_fails(
        "bad-zstd.parquet",
        "error: {file}: the file is compressed with zstd, which topicbench does not read: write it with snappy, pandas' and pyarrow's default (`df.to_parquet(path)`), or uncompressed",
    );
}

#[test]
fn parquet_class_id_without_a_name() {
    fixture_fails(
        "bad-class-id.parquet",
        "error: {file}: row 3: class id 5 is outside the 2 class names in the file's metadata: fix the labels or the metadata",
    );
}

#[test]
fn test_corpus_with_a_main_file_that_has_test_rows() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("t.csv"), "text,labels\ngamma,x\n").unwrap();
    corpus_file_fails(
        "c.csv",
        "text,labels,split\nalpha,x,train\nbeta,y,test\n",
        &["--test-corpus", dir.path().join("t.csv").to_str().unwrap()],
        "error: c.csv:3: a `test` row, and --test-corpus gives the test rows too: use either a split column or --test-corpus",
    );
}

#[test]
fn parquet_that_is_not_parquet() {
    corpus_file_fails(
        "c.parquet",
        "text,labels\nalpha,x\n",
        &[],
        "error: c.parquet: not a readable Parquet file (Parquet error: Invalid Parquet file. Corrupt footer): give a Parquet file as pandas or pyarrow write it, or the corpus as CSV (.csv), JSON Lines (.jsonl, .ndjson) and Parquet (.parquet)",
    );
}

#[test]
fn corpus_row_with_too_many_fields() {
    corpus_fails(
        "id,text,labels\n1,alpha one,x\n2,beta, two,y\n",
        "error: c.csv:3: row has 4 fields, expected 3 (id,text,labels): quote texts that contain commas, quotes or line breaks",
    );
}

#[test]
fn corpus_row_with_too_few_fields() {
    corpus_fails(
        "id,text,labels\n1,alpha one,x\n2,beta two\n",
        "error: c.csv:3: row has 2 fields, expected 3 (id,text,labels): quote texts that contain commas, quotes or line breaks",
    );
}

#[test]
fn corpus_unterminated_quote() {
    corpus_fails(
        "id,text,labels\n1,alpha one,x\n2,\"beta two,y\n3,gamma,x\n",
        "error: c.csv:3: a quoted field starting on this line is never closed: add the closing `\"` (write `\"\"` for a quote inside a quoted field)",
    );
}

#[test]
fn corpus_duplicate_id() {
    corpus_fails(
        "id,text,labels\n1,alpha one,x\n2,beta two,y\n1,alpha again,x\n",
        "error: c.csv:4: duplicate id `1` (first at line 2): ids must be unique",
    );
}

#[test]
fn corpus_empty_id() {
    corpus_fails(
        "id,text,labels\n1,alpha one,x\n ,beta two,y\n",
        "error: c.csv:3: empty id: give every row an id",
    );
}

#[test]
fn corpus_bad_split_value() {
    corpus_fails(
        "id,text,labels,split\n1,alpha one,x,train\n2,beta two,y,dev\n",
        "error: c.csv:3: split is `dev`: use `train` or `test`",
    );
}

#[test]
fn corpus_without_labels() {
    corpus_fails(
        "id,text,labels\n1,alpha one,\n2,beta two,\n",
        "error: c.csv: no document has a label: fill the `labels` column (names joined by `;`)",
    );
}

#[test]
fn corpus_with_a_single_class() {
    corpus_fails(
        "id,text,labels\n1,alpha one,x\n2,beta two,x\n3,gamma three,x\n",
        "error: c.csv: the corpus has a single class (`x`): a classifier needs at least two to tell apart",
    );
}

#[test]
fn corpus_whose_texts_are_all_empty() {
    corpus_fails(
        "id,text,labels\n1,,x\n2, ,y\n3,,x\n4,,y\n",
        "error: c.csv: every text is empty: there is nothing to learn from: give the documents their text",
    );
}

#[test]
fn corpus_text_of_100_mb_is_refused() {
    let mut text = b"id,text,labels\n1,alpha one,x\n2,".to_vec();
    text.resize(text.len() + (100 << 20), b'b');
    text.extend_from_slice(b",y\n3,gamma,x\n");
    corpus_fails(
        text,
        "error: c.csv:3: paragraph is 104857600 bytes, longer than the limit of 8388608 bytes (8 MiB): split it into paragraphs of one line each",
    );
}

#[test]
fn corpus_path_is_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("c.csv")).unwrap();
    fails(
        dir.path(),
        &["eval", "--corpus", "c.csv"],
        1,
        &["error: c.csv: is a directory, expected a file: give the path of a file"],
    );
}

#[test]
fn corpus_missing_file() {
    let dir = tempfile::tempdir().unwrap();
    let want = format!("error: c.csv: cannot read: {NOT_FOUND}");
    fails(dir.path(), &["eval", "--corpus", "c.csv"], 1, &[&want]);
}

// ---- reports and other files ----

#[test]
fn reports_folder_that_cannot_be_written() {
    let dir = corpus(GOOD_CORPUS);
    std::fs::write(dir.path().join("plain"), "a file, not a folder").unwrap();
    fails(
        dir.path(),
        &["eval", "--corpus", "c.csv", "--out", "plain/reports"],
        1,
        &[
            "error: plain/reports: cannot write reports in this folder (give --out a folder you can write): Not a directory (os error 20)",
        ],
    );
}

#[test]
fn predict_input_empty() {
    let f = Fixture::valid();
    f.write("in.txt", "\n \n");
    fails(
        f.root(),
        &["predict", "in.txt"],
        1,
        &["error: in.txt: no paragraphs to predict: give one paragraph per line"],
    );
}

#[test]
fn predict_input_is_a_directory() {
    let f = Fixture::valid();
    fails(
        f.root(),
        &["predict", "labels"],
        1,
        &["error: labels: is a directory, expected a file: give the path of a file"],
    );
}

// ---- the command line (exit 2) ----

/// `eval` on a good corpus with `extra` flags fails as a usage error with the line `want`.
fn usage_fails(extra: &[&str], want: &str) {
    let dir = corpus(GOOD_CORPUS);
    let mut args = vec!["eval", "--corpus", "c.csv", "--out", "out"];
    args.extend_from_slice(extra);
    fails(dir.path(), &args, 2, &[want]);
    assert!(!dir.path().join("out").exists());
}

#[test]
fn folds_0() {
    usage_fails(
        &["--folds", "0"],
        "error: invalid value '0' for '--folds <FOLDS>': 0 is not in 2..=4294967295",
    );
}

#[test]
fn folds_1() {
    usage_fails(
        &["--folds", "1"],
        "error: invalid value '1' for '--folds <FOLDS>': 1 is not in 2..=4294967295",
    );
}

#[test]
fn repeats_0() {
    usage_fails(
        &["--repeats", "0"],
        "error: invalid value '0' for '--repeats <REPEATS>': 0 is not in 1..=4294967295",
    );
}

#[test]
fn non_numeric_flag_value() {
    usage_fails(
        &["--folds", "five"],
        "error: invalid value 'five' for '--folds <FOLDS>': invalid digit found in string",
    );
    usage_fails(
        &["--seed", "x"],
        "error: invalid value 'x' for '--seed <SEED>': invalid digit found in string",
    );
    usage_fails(
        &["--classifier-timeout", "soon"],
        "error: invalid value 'soon' for '--classifier-timeout <CLASSIFIER_TIMEOUT>': `soon` is not a positive number",
    );
}

#[test]
fn classifier_timeout_too_large() {
    // 1e20 s used to panic converting to a Duration.
    usage_fails(
        &["--classifier-timeout", "1e20"],
        "error: invalid value '1e20' for '--classifier-timeout <CLASSIFIER_TIMEOUT>': `1e20` is too large: give a value up to 1000000000",
    );
}

#[test]
fn memory_budget_not_positive() {
    usage_fails(
        &["--memory-budget", "0"],
        "error: invalid value '0' for '--memory-budget <MiB>': `0` is not a positive number",
    );
}

#[test]
fn near_dup_out_of_range() {
    usage_fails(
        &["--near-dup", "2"],
        "error: invalid value '2' for '--near-dup <NEAR_DUP>': 2 is outside (0, 1]: give a Jaccard threshold such as 0.3",
    );
}

#[test]
fn near_dup_method_unknown() {
    usage_fails(
        &["--near-dup-method", "fast"],
        "error: invalid value 'fast' for '--near-dup-method <NEAR_DUP_METHOD>': `fast` is not a method: give exact, minhash or auto",
    );
}

#[test]
fn threads_0() {
    usage_fails(
        &["--threads", "0"],
        "error: invalid value '0' for '--threads <THREADS>': 0 is not in 1..=1024",
    );
}

#[test]
fn threads_too_many() {
    usage_fails(
        &["--threads", "5000"],
        "error: invalid value '5000' for '--threads <THREADS>': 5000 is not in 1..=1024",
    );
}

#[test]
fn shard_out_of_range() {
    usage_fails(
        &["--shard", "3/2"],
        "error: invalid value '3/2' for '--shard <i/n>': shard 3/2 does not exist: i must be 0..2 and n at least 1",
    );
}

/// `eval --shard auto` plus `extra` on [`GOOD_CORPUS`] with only these scheduler variables set
/// fails with a usage error and writes nothing.
fn shard_auto_fails(vars: &[(&str, &str)], extra: &[&str], want: &str) {
    let dir = corpus(GOOD_CORPUS);
    let mut env: Vec<(&str, Option<&str>)> = [
        "SLURM_ARRAY_TASK_ID",
        "SLURM_ARRAY_TASK_COUNT",
        "JOB_COMPLETION_INDEX",
        "TOPICBENCH_SHARD_COUNT",
    ]
    .iter()
    .map(|v| (*v, None))
    .collect();
    env.extend(vars.iter().map(|(k, v)| (*k, Some(*v))));
    let mut args = vec![
        "eval", "--corpus", "c.csv", "--out", "out", "--shard", "auto",
    ];
    args.extend_from_slice(extra);
    fails_env(dir.path(), &args, &env, 2, &[want]);
    assert!(!dir.path().join("out").exists());
}

#[test]
fn shard_auto_without_a_scheduler() {
    shard_auto_fails(
        &[],
        &[],
        "error: --shard auto found neither SLURM_ARRAY_TASK_ID (a Slurm job array) nor JOB_COMPLETION_INDEX (a Kubernetes Indexed Job): run it as an array task, or give --shard i/n",
    );
    shard_auto_fails(
        &[("TOPICBENCH_SHARD_COUNT", "4")],
        &["--shard-count", "4"],
        "error: --shard auto found neither SLURM_ARRAY_TASK_ID (a Slurm job array) nor JOB_COMPLETION_INDEX (a Kubernetes Indexed Job): run it as an array task, or give --shard i/n",
    );
}

#[test]
fn shard_auto_without_a_count() {
    shard_auto_fails(
        &[("JOB_COMPLETION_INDEX", "1")],
        &[],
        "error: --shard auto took shard 1 from JOB_COMPLETION_INDEX but found no shard count: give --shard-count N or set TOPICBENCH_SHARD_COUNT=N (the Job's completions)",
    );
}

#[test]
fn shard_auto_with_a_bad_variable() {
    shard_auto_fails(
        &[("SLURM_ARRAY_TASK_ID", "1-3")],
        &[],
        "error: --shard auto: SLURM_ARRAY_TASK_ID=`1-3` is not a whole number: unset it or fix it",
    );
    shard_auto_fails(
        &[
            ("JOB_COMPLETION_INDEX", "2"),
            ("TOPICBENCH_SHARD_COUNT", "four"),
        ],
        &[],
        "error: --shard auto: TOPICBENCH_SHARD_COUNT=`four` is not a whole number: unset it or fix it",
    );
}

#[test]
fn shard_auto_out_of_range() {
    shard_auto_fails(
        &[
            ("SLURM_ARRAY_TASK_ID", "4"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
        ],
        &[],
        "error: --shard auto: shard 4/4 does not exist: i must be 0..4 and n at least 1",
    );
    shard_auto_fails(
        &[("JOB_COMPLETION_INDEX", "2")],
        &["--shard-count", "2"],
        "error: --shard auto: shard 2/2 does not exist: i must be 0..2 and n at least 1",
    );
}

#[test]
fn shard_count_with_a_fixed_shard() {
    usage_fails(
        &["--shard", "0/2", "--shard-count", "2"],
        "error: --shard-count goes with --shard auto: with --shard i/n the count is n",
    );
}

#[test]
fn more_folds_than_groups() {
    usage_fails(
        &["--folds", "9"],
        "error: 9 folds but only 6 near-duplicate groups among the evaluated items: use --folds 6 or fewer",
    );
}

#[test]
fn unknown_classifier() {
    usage_fails(
        &["--classifiers", "nope"],
        "error: unknown classifier `nope`: choose from multinomial_nb, majority, multinomial_nb_tfidf_bigrams, complement_nb, bernoulli_nb, logistic_regression, linear_svm, nearest_centroid (see `topicbench classifiers`)",
    );
}

#[test]
fn classifier_cmd_without_a_name() {
    usage_fails(
        &["--classifier-cmd", "python3 x.py"],
        "error: invalid value 'python3 x.py' for '--classifier-cmd <NAME=COMMAND>': `python3 x.py` is not NAME=COMMAND: write e.g. mine='python3 my_classifier.py'",
    );
}

#[test]
fn classifier_cmd_name_taken() {
    usage_fails(
        &["--classifier-cmd", "majority=true"],
        "error: --classifier-cmd name `majority` is already taken: give it another name",
    );
}

#[test]
fn cv_article_with_a_corpus_csv() {
    usage_fails(
        &["--cv", "article"],
        "error: --cv article needs the article corpus; a --corpus file has no articles (use --cv kfold or --split test)",
    );
}

#[test]
fn split_test_without_a_split_column() {
    usage_fails(
        &["--split", "test"],
        "error: --split test needs a corpus with a `split` column (train/test on every row)",
    );
}

#[test]
fn split_test_without_test_rows() {
    let dir = corpus(SPLIT_CORPUS.replace(",test\n", ",train\n"));
    fails(
        dir.path(),
        &[
            "eval", "--corpus", "c.csv", "--split", "test", "--out", "out",
        ],
        2,
        &["error: --split test needs train and test rows; the corpus has 6 train and 0 test"],
    );
}

#[test]
fn shard_not_i_of_n() {
    usage_fails(
        &["--shard", "abc"],
        "error: invalid value 'abc' for '--shard <i/n>': `abc` is not i/n: write e.g. --shard 0/4",
    );
    usage_fails(
        &["--shard", "a/b"],
        "error: invalid value 'a/b' for '--shard <i/n>': `a/b` is not i/n with whole numbers, e.g. 0/4",
    );
}

#[test]
fn split_test_without_a_corpus() {
    let f = Fixture::valid();
    fails(
        f.root(),
        &["eval", "--split", "test"],
        2,
        &["error: --split test needs --corpus FILE with a `split` column (or --test-corpus FILE)"],
    );
}

// ---- shard files (merge) ----

/// `merge` of `--split test` shards needs the corpus again; without `--corpus` it says so
/// (it used to say `--split test needs --corpus`, though merge has no `--split`).
#[test]
fn merge_of_split_test_shards_without_the_corpus() {
    let (dir, code, stderr) = eval_split(&["--shard", "0/1", "--out", "shards"]);
    assert_eq!(code, 0, "{stderr}");
    fails(
        dir.path(),
        &["merge", "shards", "--out", "out"],
        2,
        &[
            "error: the shards were run with --split test on corpus `c`: give merge the same --corpus FILE.csv",
        ],
    );
}

/// A folder with `c.csv` ([`GOOD_CORPUS`]) and `out/shard-0-of-1.json` from it ([`eval_corpus`]).
fn one_shard() -> tempfile::TempDir {
    let (dir, code, stderr) = eval_corpus(GOOD_CORPUS, &["--shard", "0/1"]);
    assert_eq!(code, 0, "{stderr}");
    dir
}

/// Shards merged against a corpus whose contents changed since they ran are refused.
#[test]
fn merge_with_another_corpus() {
    let dir = one_shard();
    std::fs::write(
        dir.path().join("c.csv"),
        format!("{GOOD_CORPUS}7,alpha seven,x\n"),
    )
    .unwrap();
    let (code, _, stderr) = run_bin(dir.path(), &["merge", "out", "--corpus", "c.csv"]);
    assert_eq!(code, 2, "{stderr}");
    let line = stderr.lines().next().unwrap();
    assert!(
        line.starts_with("error: the shards were run on corpus `c` with other contents (sha256 ")
            && line.ends_with("…): merge with the same corpus and labels (--corpus / --root)"),
        "{stderr}"
    );
}

/// Shards whose plan (items, folds, near-duplicate groups) differs from the one merge derives
/// are refused, as a shard from a version that groups differently would be (simulated here by
/// editing the recorded fingerprint); a shard file from before the fingerprint was recorded
/// still merges.
#[test]
fn merge_onto_other_folds_or_groups() {
    let dir = one_shard();
    let path = dir.path().join("out/shard-0-of-1.json");
    let original = std::fs::read(&path).unwrap();
    let mut v: serde_json::Value = serde_json::from_slice(&original).unwrap();
    let recorded = v["settings"]["plan_sha256"].as_str().unwrap().to_owned();
    assert_eq!(recorded.len(), 64, "a SHA-256 in hex: {recorded}");
    v["settings"]["plan_sha256"] = "0".repeat(64).into();
    std::fs::write(&path, v.to_string()).unwrap();
    let (code, _, stderr) = run_bin(dir.path(), &["merge", "out", "--corpus", "c.csv"]);
    assert_eq!(code, 2, "{stderr}");
    let want = format!(
        "error: the shards ran on other folds or near-duplicate groups than this merge would use \
         (plan sha256 000000000000…, here {}…): merge with the --near-dup and --near-dup-method \
         the shards were run with, and the same topicbench version",
        &recorded[..12]
    );
    assert_eq!(stderr.lines().next().unwrap(), want, "{stderr}");
    v["settings"].as_object_mut().unwrap().remove("plan_sha256");
    std::fs::write(&path, v.to_string()).unwrap();
    let (code, _, stderr) = run_bin(
        dir.path(),
        &["merge", "out", "--corpus", "c.csv", "--out", "merged"],
    );
    assert_eq!(code, 0, "{stderr}");
}

/// The report names the grouping method that ran (`auto` resolved), and none without grouping.
#[test]
fn the_report_names_the_grouping_method() {
    let method = |extra: &[&str]| {
        let (dir, code, stderr) = eval_corpus(GOOD_CORPUS, extra);
        assert_eq!(code, 0, "{stderr}");
        latest(&dir)["cv"]["near_duplicate_method"].clone()
    };
    assert_eq!(method(&[]), "exact");
    assert_eq!(method(&["--near-dup-method", "minhash"]), "minhash");
    let (dir, code, stderr) = eval_split(&["--out", "out"]);
    assert_eq!(code, 0, "{stderr}");
    let v = latest(&dir);
    assert!(v["cv"]["near_duplicate_method"].is_null(), "{}", v["cv"]);
}

#[test]
fn shard_file_with_an_absurd_shard_count() {
    let dir = one_shard();
    let path = dir.path().join("out/shard-0-of-1.json");
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(v["shards"], 1, "the file names its shard count");
    v["shards"] = u64::MAX.into();
    std::fs::write(&path, v.to_string()).unwrap();
    // Sizing a vector by this count used to abort the process.
    fails(
        dir.path(),
        &["merge", "out", "--corpus", "c.csv", "--out", "merged"],
        2,
        &[
            "error: shard 1 of 18446744073709551615 is missing: run `eval --shard 1/18446744073709551615` and merge it too",
        ],
    );
}

/// A closed stderr (`topicbench check 2>&1 | head -1` once head has exited) is no reason to
/// panic: the exit status stays that of the run. The pipe's reading end is closed before the
/// program starts, so every write to stderr fails.
#[test]
fn closed_stderr_is_not_a_panic() {
    let f = Fixture::valid();
    std::fs::remove_dir_all(f.root().join("data/articles")).unwrap();
    for (args, code) in [
        (&["check"][..], 1),
        (&["eval", "--folds", "1"][..], 2),
        (&["report", "--dir", "/nonexistent", "list"][..], 1),
    ] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let status = std::process::Command::new(env!("CARGO_BIN_EXE_topicbench"))
            .args(args)
            .current_dir(f.root())
            .stdout(std::process::Stdio::null())
            .stderr(writer)
            .status()
            .unwrap();
        assert_eq!(status.code(), Some(code), "{args:?}");
    }
}

/// Flags that do nothing in the chosen design are usage errors naming them.
#[test]
fn design_flags_that_do_nothing() {
    let split = |extra: &[&str], want: &str| {
        let dir = corpus(SPLIT_CORPUS);
        let mut args = vec![
            "eval", "--corpus", "c.csv", "--split", "test", "--out", "out",
        ];
        args.extend_from_slice(extra);
        fails(dir.path(), &args, 2, &[want]);
        assert!(!dir.path().join("out").exists());
    };
    split(
        &["--folds", "5"],
        "error: --folds does nothing with --split test (one train → test split): leave it out",
    );
    split(
        &["--repeats", "3", "--cv", "kfold"],
        "error: --repeats, --cv do nothing with --split test (one train → test split): leave them out",
    );
    let f = Fixture::valid();
    fails(
        f.root(),
        &["eval", "--cv", "article", "--repeats", "2", "--out", "out"],
        2,
        &["error: --repeats does nothing with --cv article (one fold per article): leave it out"],
    );
}

#[test]
fn rope_and_rounds_out_of_range() {
    usage_fails(
        &["--rope", "2"],
        "error: invalid value '2' for '--rope <ROPE>': `2` is not a number in [0, 1]: give a half-width such as 0.01",
    );
    usage_fails(
        &["--permutations", "10"],
        "error: invalid value '10' for '--permutations <PERMUTATIONS>': 10 is not in 100..=10000000",
    );
    usage_fails(
        &["--bootstrap", "0"],
        "error: invalid value '0' for '--bootstrap <BOOTSTRAP>': 0 is not in 100..=10000000",
    );
}

/// A classifier that fails does not stop the run: every report is written, then `eval` exits 3
/// naming it.
#[test]
fn a_failed_classifier_exits_3_after_writing_every_report() {
    let (dir, code, stderr) = eval_corpus(
        GOOD_CORPUS,
        &[
            "--classifiers",
            "multinomial_nb",
            "--classifier-cmd",
            "broken=exit 1",
        ],
    );
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stderr
            .lines()
            .any(|l| l == "error: 1 classifier(s) failed: broken (the reports say why); every report was written"),
        "{stderr}"
    );
    for f in ["latest.json", "latest.md", "latest.html"] {
        assert!(dir.path().join("out").join(f).exists(), "{f}");
    }
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("out/latest.json")).unwrap())
            .unwrap();
    let broken = crate::util::classifier(&v, "broken");
    assert_eq!(broken["status"], "failed");
}

/// A folder with `a.csv` (a small train/test corpus) and `s.toml` holding `suite`.
fn suite_dir(suite: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("id,text,labels,split\n");
    for i in 0..40 {
        let (topic, split) = (["x", "y"][i % 2], if i < 30 { "train" } else { "test" });
        csv.push_str(&format!(
            "d{i},{topic}word common{},{topic},{split}\n",
            i % 3
        ));
    }
    std::fs::write(dir.path().join("a.csv"), csv).unwrap();
    std::fs::write(dir.path().join("s.toml"), suite).unwrap();
    dir
}

fn suite_fails(suite: &str, code: i32, want: &[&str]) {
    let dir = suite_dir(suite);
    fails(dir.path(), &["suite", "s.toml"], code, want);
}

#[test]
fn suite_with_an_unknown_key() {
    suite_fails(
        "seed = 1\n\n[[corpus]]\nfiel = \"a.csv\"\n",
        1,
        &[
            "error: s.toml:4: not a suite file: unknown field `fiel`, expected one of `name`, `file`, `test_file`, `format`, `split`, `cv`, `folds`, `repeats`, `optional`, `columns` (see suites/default.toml)",
        ],
    );
}

#[test]
fn suite_without_a_corpus() {
    suite_fails(
        "seed = 1\n",
        1,
        &["error: s.toml: no corpus: add at least one [[corpus]] table (see suites/default.toml)"],
    );
}

#[test]
fn suite_with_two_corpora_of_one_name() {
    suite_fails(
        "[[corpus]]\nfile = \"a.csv\"\n[[corpus]]\nfile = \"a.csv\"\n",
        1,
        &["error: s.toml: two corpora are named `a`: give each [[corpus]] its own `name`"],
    );
}

#[test]
fn suite_corpus_name_with_a_path() {
    suite_fails(
        "[[corpus]]\nname = \"../x\"\nfile = \"a.csv\"\n",
        1,
        &[
            "error: s.toml: corpus name `../x` cannot name a report folder: use letters, digits, `_`, `-` and `.`",
        ],
    );
}

#[test]
fn suite_with_an_unknown_metric() {
    suite_fails(
        "metric = \"auc\"\n[[corpus]]\n",
        1,
        &[
            "error: s.toml: unknown metric `auc`: choose from macro_f1, micro_f1, subset_accuracy, hamming_loss",
        ],
    );
    let dir = suite_dir("[[corpus]]\nfile = \"a.csv\"\n");
    fails(
        dir.path(),
        &["suite", "s.toml", "--metric", "auc"],
        2,
        &["error: invalid value 'auc' for '--metric <METRIC>'"],
    );
}

#[test]
fn suite_with_an_unknown_split() {
    suite_fails(
        "[[corpus]]\nfile = \"a.csv\"\nsplit = \"dev\"\n",
        1,
        &["error: s.toml: corpus `a`: split = \"dev\" is not known: the only split is \"test\""],
    );
}

#[test]
fn suite_with_an_unknown_cv() {
    suite_fails(
        "[[corpus]]\nfile = \"a.csv\"\ncv = \"loo\"\n",
        1,
        &["error: s.toml: corpus `a`: cv = \"loo\" is not known: use \"kfold\" or \"article\""],
    );
}

#[test]
fn suite_with_an_absent_corpus() {
    suite_fails(
        "[[corpus]]\nfile = \"b.csv\"\nsplit = \"test\"\n",
        1,
        &[
            "error: s.toml: corpus `b`: b.csv does not exist: fix `file`, or mark the corpus `optional = true` to skip it when absent",
        ],
    );
}

#[test]
fn suite_with_every_corpus_skipped() {
    suite_fails(
        "[[corpus]]\nfile = \"b.csv\"\noptional = true\n",
        1,
        &[
            "suite: skipping corpus `b`: b.csv is absent",
            "error: s.toml: every corpus was skipped: nothing to rank (see the messages above)",
        ],
    );
}

#[test]
fn suite_with_an_eval_setting_out_of_range() {
    suite_fails(
        "[eval]\npermutations = 5\n[[corpus]]\nfile = \"a.csv\"\nsplit = \"test\"\n",
        1,
        &[
            "error: s.toml: corpus `a`: invalid value '5' for '--permutations <PERMUTATIONS>': 5 is not in 100..=10000000: the suite's settings become `eval` flags (see `topicbench eval --help`)",
        ],
    );
}

#[test]
fn suite_with_an_unknown_classifier() {
    suite_fails(
        "classifiers = [\"svm\"]\n[[corpus]]\nfile = \"a.csv\"\nsplit = \"test\"\n",
        2,
        &[
            "suite: corpus `a` (s.toml) could not be evaluated:",
            "error: unknown classifier `svm`: choose from multinomial_nb, majority, multinomial_nb_tfidf_bigrams, complement_nb, bernoulli_nb, logistic_regression, linear_svm, nearest_centroid (see `topicbench classifiers`)",
        ],
    );
}
