//! A user's corpus as one CSV file, as people export it: a header row naming the columns in any
//! order (`text`, `labels` or `label`, optional `id` and `split`, or the names given with
//! `--*-column`; other columns ignored, pandas' unnamed index column too). Labels are joined by
//! `;` (empty for none), or written as a Python/JSON list (`corpus_file::labels_from_cell`).
//! UTF-8, with or without a byte-order mark, LF or CRLF line endings.
//!
//! Returns `corpus_file::Row`s; `corpus_file::build` makes the [`Dataset`]. Errors name the file
//! and line. A file that is not CSV text (Parquet, JSON Lines, anything binary) is named as such.

use std::path::Path;

use rayon::prelude::*;

use crate::data::corpus_file::{self, ACCEPTED, Columns, Layout, Parsed, Row};
use crate::data::dataset::Dataset;
use crate::error::{Error, Result, decode_utf8_ref};

/// Loads a corpus CSV with the default columns. `group_threshold` = None skips near-duplicate
/// grouping (every document is its own group).
pub fn load(path: &Path, group_threshold: Option<f64>) -> Result<Dataset> {
    let mut source = corpus_file::Source::new(path);
    source.format = Some(corpus_file::Format::Csv);
    corpus_file::load(&source, group_threshold).map(|(ds, _)| ds)
}

/// Parses and validates the corpus `bytes` read from `path` (everything but the hash; `path` only
/// names the file in messages), default columns. The entry point for fuzzing and property tests.
pub fn parse(path: &Path, bytes: &[u8], group_threshold: Option<f64>) -> Result<Dataset> {
    let parsed = parse_rows(path, bytes, &Columns::default())?;
    corpus_file::build(path, parsed.rows, None, group_threshold)
}

/// Field `i` of `rec` (read from `path`, `line`) as text.
fn field<'r>(path: &Path, rec: &'r csv::ByteRecord, i: usize, line: usize) -> Result<&'r str> {
    std::str::from_utf8(&rec[i]).map_err(|_| {
        Error::input(
            path,
            line,
            "a field is not valid UTF-8: convert the file to UTF-8",
        )
    })
}

/// Files at least this large are parsed in parallel pieces.
const PARALLEL_BYTES: usize = 1 << 22;

/// The rows of the corpus CSV `bytes` read from `path`, in file order.
///
/// A large file is cut into one piece per thread at record boundaries (found by the same quote
/// scan that rejects an unclosed quoted field) and the pieces are parsed in parallel; rows are
/// then checked in file order, so the error reported is the first one in the file either way.
pub fn parse_rows(path: &Path, bytes: &[u8], columns: &Columns) -> Result<Parsed> {
    let pieces = if bytes.len() >= PARALLEL_BYTES {
        rayon::current_num_threads().max(1)
    } else {
        1
    };
    parse_in_pieces(path, bytes, columns, pieces)
}

/// What a file that is not CSV text looks like, with what to do; None for text.
fn not_csv(bytes: &[u8]) -> Option<String> {
    if bytes.starts_with(b"PAR1") {
        return Some(
            "this looks like a Parquet file, not CSV: name it `.parquet` or give --format parquet"
                .to_owned(),
        );
    }
    // Text has no NUL byte; the binary formats people pass by mistake (zip, xlsx, gzip, pickle,
    // Arrow/Feather) all have some in their first bytes.
    let head = &bytes[..bytes.len().min(8192)];
    if head.contains(&0) {
        return Some(format!(
            "this looks like a binary file, not CSV text: the formats accepted are {ACCEPTED} (--format overrides the extension)"
        ));
    }
    let start = head
        .strip_prefix(b"\xef\xbb\xbf")
        .unwrap_or(head)
        .trim_ascii_start();
    start.starts_with(b"{").then(|| {
        "this looks like JSON Lines, not CSV: name it `.jsonl` or give --format jsonl".to_owned()
    })
}

/// [`parse_rows`], cutting the file into (at most) `pieces` pieces.
fn parse_in_pieces(path: &Path, bytes: &[u8], columns: &Columns, pieces: usize) -> Result<Parsed> {
    if let Some(message) = not_csv(bytes) {
        return Err(Error::input(path, 0, message));
    }
    let text = decode_utf8_ref(path, bytes)?;
    if text.trim().is_empty() {
        return Err(Error::input(
            path,
            0,
            "file is empty: a corpus needs a header naming its columns (`text`, `labels`, optionally `id` and `split`) and rows",
        ));
    }
    let targets: Vec<usize> = (1..pieces).map(|k| k * text.len() / pieces).collect();
    // A quoted field that is never closed: the csv crate would silently run it to the end of the
    // file. (Counting quote characters is not enough: a `"` inside an unquoted field is literal.)
    let mut cuts = crate::data::labels::record_starts(text, &targets).map_err(|line| {
        Error::input(
            path,
            line,
            "a quoted field starting on this line is never closed: add the closing `\"` (write `\"\"` for a quote inside a quoted field)",
        )
    })?;
    cuts.insert(0, 0);
    cuts.push(text.len());
    cuts.dedup();
    let cols = read_header(path, text)?;
    let cols: Vec<&str> = cols.iter().map(String::as_str).collect();
    let layout = columns
        .resolve(&cols)
        .map_err(|m| Error::input(path, 1, m))?;
    let parsed: Vec<(Vec<Row>, Option<Error>)> = cuts
        .par_windows(2)
        .map(|w| read_rows(path, text, w[0], w[1], &cols, &layout))
        .collect();
    // The first error in file order wins.
    let mut rows: Vec<Row> = Vec::new();
    for (piece, error) in parsed {
        rows.extend(piece);
        if let Some(e) = error {
            return Err(e);
        }
    }
    Ok(Parsed {
        rows,
        notes: corpus_file::ignored_note(path, &layout)
            .into_iter()
            .collect(),
    })
}

fn reader(bytes: &[u8]) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes)
}

/// The header's column names.
fn read_header(path: &Path, text: &str) -> Result<Vec<String>> {
    let mut rec = csv::ByteRecord::new();
    match reader(text.as_bytes()).read_byte_record(&mut rec) {
        Ok(true) => (0..rec.len())
            .map(|i| field(path, &rec, i, 1).map(str::to_owned))
            .collect(),
        Ok(false) => Err(Error::input(path, 0, "file is empty")),
        Err(e) => Err(Error::input(path, 1, format!("malformed CSV: {e}"))),
    }
}

/// The rows in bytes `start..end` of `text` (whole records; the header is skipped when `start`
/// is 0), up to the first error, and that error.
fn read_rows(
    path: &Path,
    text: &str,
    start: usize,
    end: usize,
    cols: &[&str],
    layout: &Layout,
) -> (Vec<Row>, Option<Error>) {
    let mut reader = reader(&text.as_bytes()[start..end]);
    let mut lines = crate::data::labels::LineCounter::new(text.as_bytes());
    // One record buffer for every row; fields are cut at ASCII delimiters of text already
    // checked to be UTF-8, so each field is UTF-8 too (checked again, cheaply, by `field`).
    let mut rec = csv::ByteRecord::new();
    let mut rows = Vec::new();
    if start == 0 && !matches!(reader.read_byte_record(&mut rec), Ok(true)) {
        return (rows, None); // no header: `read_header` has said so
    }
    loop {
        match reader.read_byte_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => return (rows, None),
            Err(e) => {
                let line = e
                    .position()
                    .map_or(0, |p| lines.line_at(start + p.byte() as usize));
                return (
                    rows,
                    Some(Error::input(path, line, format!("malformed CSV: {e}"))),
                );
            }
        }
        let line = rec
            .position()
            .map_or(0, |p| lines.line_at(start + p.byte() as usize));
        match read_row(path, &rec, line, cols, layout) {
            Ok(Some(row)) => rows.push(row),
            Ok(None) => {}
            Err(e) => return (rows, Some(e)),
        }
    }
}

/// One record as a row (None for a blank line), checked.
fn read_row(
    path: &Path,
    rec: &csv::ByteRecord,
    line: usize,
    cols: &[&str],
    layout: &Layout,
) -> Result<Option<Row>> {
    if rec.len() == 1 && field(path, rec, 0, line)?.trim().is_empty() {
        return Ok(None);
    }
    if rec.len() != cols.len() {
        return Err(Error::input(
            path,
            line,
            format!(
                "row has {} fields, expected {} ({}): quote texts that contain commas, quotes or line breaks",
                rec.len(),
                cols.len(),
                crate::data::articles::excerpt(&cols.join(","), 80)
            ),
        ));
    }
    let id = match layout.id {
        Some(i) => {
            let id = field(path, rec, i, line)?.trim();
            if id.is_empty() {
                return Err(Error::input(path, line, "empty id: give every row an id"));
            }
            Some(id.to_owned())
        }
        None => None,
    };
    let text = field(path, rec, layout.text, line)?;
    if text.len() > crate::data::articles::MAX_PARAGRAPH_BYTES {
        return Err(Error::input(
            path,
            line,
            crate::data::articles::too_long(text.len()),
        ));
    }
    let labels = corpus_file::labels_from_cell(field(path, rec, layout.labels, line)?)
        .map_err(|m| Error::input(path, line, m))?;
    let split = match layout.split {
        Some(i) => Some(
            corpus_file::split_value(field(path, rec, i, line)?)
                .map_err(|m| Error::input(path, line, m))?,
        ),
        None => None,
    };
    Ok(Some(Row {
        id,
        line,
        text: text.to_owned(),
        labels,
        split,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_str(text: &str) -> Result<Dataset> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.csv");
        std::fs::write(&p, text).unwrap();
        load(&p, Some(0.3))
    }

    fn err(text: &str) -> String {
        let e = load_str(text).unwrap_err().to_string();
        e.rsplit("c.csv").next().unwrap().to_owned()
    }

    #[test]
    fn reads_rows_topics_and_splits() {
        let ds = load_str("\u{feff}id,text,labels,split\r\n1,\"hello, world\",b;a,train\r\n2,\"two\r\nlines\",,test\r\n3,x,a,train\r\n").unwrap();
        assert_eq!(
            ds.topics.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(),
            ["a", "b"]
        );
        assert_eq!(ds.items[0].topics, [0, 1]);
        assert_eq!(ds.items[1].topics, Vec::<usize>::new());
        assert_eq!(ds.items[1].text, "two\r\nlines");
        assert_eq!(
            ds.items.iter().map(|i| i.line).collect::<Vec<_>>(),
            [2, 3, 5]
        );
        assert_eq!(
            ds.items.iter().map(|i| i.is_test).collect::<Vec<_>>(),
            [Some(false), Some(true), Some(false)]
        );
    }

    #[test]
    fn errors_name_the_line() {
        let cases = [
            ("", ": file is empty"),
            ("id,text\n1,a\n", ":1: no `labels` or `label` column"),
            (
                "id,text,labels\n1,a,x\n2,b\n",
                ":3: row has 2 fields, expected 3",
            ),
            (
                "id,text,labels\n1,a,x\n1,b,x\n",
                ":3: duplicate id `1` (first at line 2)",
            ),
            ("id,text,labels,split\n1,a,x,dev\n", ":2: split is `dev`"),
            (
                "id,text,labels\n1,a,x\n2,\"open,x\n3,b,y\n",
                ":3: a quoted field starting on this line is never closed",
            ),
            (
                "id,text,labels\n1,a\"b,x\n2,\"open,y\n3,c,x\n",
                ":3: a quoted field starting on this line is never closed",
            ),
            ("id,text,labels\n1,a,\n", ": no document has a label"),
            ("id,text,labels\n", ": no rows after the header"),
        ];
        for (text, want) in cases {
            let got = err(text);
            assert!(
                got.starts_with(want),
                "{text:?}: got {got:?}, want {want:?}"
            );
        }
    }

    mod props {
        use super::super::*;
        use proptest::prelude::*;

        fn csv_bytes(rows: &[(String, String, Vec<String>)], crlf: bool) -> Vec<u8> {
            let mut w = csv::WriterBuilder::new()
                .terminator(if crlf {
                    csv::Terminator::CRLF
                } else {
                    csv::Terminator::Any(b'\n')
                })
                .from_writer(Vec::new());
            w.write_record(["id", "text", "labels"]).unwrap();
            for (id, text, labels) in rows {
                w.write_record([id.as_str(), text.as_str(), &labels.join(";")])
                    .unwrap();
            }
            w.into_inner().unwrap()
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(256))]

            #[test]
            fn any_bytes_give_a_dataset_or_an_error(
                bytes in prop::collection::vec(any::<u8>(), 0..2000),
            ) {
                let _ = parse(Path::new("c.csv"), &bytes, Some(0.3));
            }

            #[test]
            fn csv_like_text_gives_a_dataset_or_an_error(body in "[ab,\"\r\n; ]{0,200}") {
                let text = format!("id,text,labels\n{body}");
                let lines = 1 + text.matches('\n').count();
                match parse(Path::new("c.csv"), text.as_bytes(), Some(0.3)) {
                    Ok(ds) => {
                        prop_assert!(ds.items.iter().all(|i| (2..=lines).contains(&i.line)));
                        prop_assert!(ds.items.iter().all(|i| i.topics.iter().all(|&t| t < ds.topics.len())));
                    }
                    Err(Error::Input { line, .. }) => prop_assert!(line <= lines),
                    Err(e) => prop_assert!(false, "not an input error: {}", e),
                }
            }

            /// Cut into pieces at the record starts the quote scan finds, any text parses to the
            /// same rows, or the same first error, as read in one piece.
            #[test]
            fn pieces_parse_like_the_whole(
                body in "[ab,\"\r\n; ]{0,300}",
                split: bool,
                pieces in 2usize..6,
            ) {
                let header = if split { "id,text,labels,split\n" } else { "id,text,labels\n" };
                let text = format!("{header}{body}");
                let path = Path::new("c.csv");
                let whole = parse_in_pieces(path, text.as_bytes(), &Columns::default(), 1);
                let cut = parse_in_pieces(path, text.as_bytes(), &Columns::default(), pieces);
                prop_assert_eq!(format!("{whole:?}"), format!("{cut:?}"));
            }

            /// A corpus written by a CSV writer (LF or CRLF) loads back: ids, texts, labels and
            /// the line each row starts on.
            #[test]
            fn written_corpus_reads_back(
                rows in prop::collection::btree_map(
                    "[a-z0-9]{1,6}",
                    ("[^\u{0}]{0,30}", prop::collection::btree_set("[a-c]", 1..3)),
                    1..10,
                ),
                crlf: bool,
            ) {
                let rows: Vec<(String, String, Vec<String>)> = rows
                    .into_iter()
                    .map(|(id, (text, labels))| (id, text, labels.into_iter().collect()))
                    .collect();
                let bytes = csv_bytes(&rows, crlf);
                let ds = parse(Path::new("c.csv"), &bytes, None).unwrap();
                prop_assert_eq!(ds.items.len(), rows.len());
                let mut line = 2;
                for (item, (id, text, labels)) in ds.items.iter().zip(&rows) {
                    prop_assert_eq!(&item.id, id);
                    prop_assert_eq!(&item.text, text);
                    let names: Vec<&str> = item.topics.iter().map(|&t| ds.topics[t].id.as_str()).collect();
                    prop_assert_eq!(names, labels.iter().map(String::as_str).collect::<Vec<_>>());
                    prop_assert_eq!(item.line, line);
                    line += 1 + text.matches('\n').count();
                }
            }
        }
    }
}
