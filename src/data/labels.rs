//! The label files: `labels/topics.csv` (`id,name,description`) and `labels/paragraphs.csv`
//! (`id,kind,topics,fingerprint,text`).
//!
//! Readers here parse and report what is malformed *inside one file* (bad CSV, wrong header,
//! wrong field count, empty or duplicate topic ids) into a [`Diagnostics`] list, and return what
//! they could read. Whether the rows match the articles is `check`'s job. Writers replace files
//! atomically through `fsutil`.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{decode_utf8_ref, read_file};

/// Header of `labels/topics.csv`.
pub const TOPICS_HEADER: [&str; 3] = ["id", "name", "description"];
/// Header of `labels/paragraphs.csv` and of annotator files.
pub const PARAGRAPHS_HEADER: [&str; 5] = ["id", "kind", "topics", "fingerprint", "text"];

/// One topic from `topics.csv`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Topic {
    /// Short id used in label rows, e.g. `taiwan`.
    pub id: String,
    /// Human-readable name.
    pub name: String,
    /// What the topic covers.
    pub description: String,
}

/// What part of an article a paragraph is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// An article's title line or an exact repeat of it.
    Headline,
    /// Article text, including captions and subheadings. Evaluation uses these.
    Body,
    /// Site furniture: dates, bylines, comment forms, navigation, tags.
    Boilerplate,
}

impl Kind {
    /// All kinds, in a fixed order.
    pub const ALL: [Kind; 3] = [Kind::Headline, Kind::Body, Kind::Boilerplate];

    /// Parses `headline`, `body` or `boilerplate`.
    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The name used in label files.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Headline => "headline",
            Kind::Body => "body",
            Kind::Boilerplate => "boilerplate",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A paragraph's labels once checked: its kind and its topic ids (indices in topics.csv order,
/// ascending, no repeats).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Labels {
    /// The kind.
    pub kind: Kind,
    /// Topic ids, ascending.
    pub topics: Vec<usize>,
}

/// Checks an annotator name: one or more of `a`-`z`, `0`-`9`, `_` and `-`, so that it is a safe
/// file name (`labels/annotators/<name>.csv`) on every system.
pub fn check_annotator_name(name: &str) -> Result<(), String> {
    if !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
    {
        Ok(())
    } else {
        Err(format!(
            "annotator name `{name}` is not allowed: use lowercase letters, digits, `_` and `-`"
        ))
    }
}

/// One row of `paragraphs.csv`, as written (not yet checked against the articles or topics).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelRow {
    /// Line in the file where the record starts.
    pub line: usize,
    /// Paragraph id.
    pub id: String,
    /// Kind as written.
    pub kind: String,
    /// Topic ids as written (split on `;`, empty entries dropped).
    pub topics: Vec<String>,
    /// Fingerprint as written.
    pub fingerprint: String,
    /// Text as written.
    pub text: String,
}

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Makes the corpus unusable until fixed.
    Error,
    /// Worth a look; does not stop anything.
    Warning,
}

/// One finding: where, how serious, and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The file.
    pub path: PathBuf,
    /// 1-based line, or 0 for the file as a whole.
    pub line: usize,
    /// What is wrong and what to do.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tag = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        if self.line == 0 {
            write!(f, "{}: {tag}: {}", self.path.display(), self.message)
        } else {
            write!(
                f,
                "{}:{}: {tag}: {}",
                self.path.display(),
                self.line,
                self.message
            )
        }
    }
}

/// A list of findings, in the order they were made.
#[derive(Debug, Clone, Default)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// Records an error.
    pub fn error(&mut self, path: &Path, line: usize, message: impl Into<String>) {
        self.push(Severity::Error, path, line, message.into());
    }

    /// Records a warning.
    pub fn warning(&mut self, path: &Path, line: usize, message: impl Into<String>) {
        self.push(Severity::Warning, path, line, message.into());
    }

    fn push(&mut self, severity: Severity, path: &Path, line: usize, message: String) {
        self.0.push(Diagnostic {
            severity,
            path: path.to_owned(),
            line,
            message,
        });
    }

    /// Number of errors.
    pub fn errors(&self) -> usize {
        self.0
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count()
    }

    /// The errors as one [`crate::Error::Invalid`] (the first ten listed), or `None` if there
    /// are none. Warnings are left out.
    pub fn to_error(&self) -> Option<crate::Error> {
        let errors: Vec<String> = self
            .0
            .iter()
            .filter(|x| x.severity == Severity::Error)
            .map(|x| x.to_string())
            .collect();
        let count = errors.len();
        if count == 0 {
            return None;
        }
        let mut listing = errors.into_iter().take(10).collect::<Vec<_>>().join("\n");
        if count > 10 {
            listing.push_str(&format!("\n... and {} more", count - 10));
        }
        Some(crate::Error::Invalid { count, listing })
    }

    /// Records a library error (I/O, UTF-8) as a diagnostic.
    pub fn from_error(&mut self, path: &Path, err: &crate::Error) {
        match err {
            crate::Error::Input {
                path,
                line,
                message,
            } => self.error(path, *line, message.clone()),
            // The path is already the diagnostic's; do not repeat it.
            crate::Error::Io { path: p, .. } => {
                let full = err.to_string();
                let prefix = format!("{}: ", p.display());
                self.error(path, 0, full.strip_prefix(&prefix).unwrap_or(&full))
            }
            other => self.error(path, 0, other.to_string()),
        }
    }
}

/// Reads a CSV file with a known header into raw records with their line numbers. Problems (I/O,
/// UTF-8, header, CSV syntax, field count) go to `diags`; records that cannot be used are skipped.
pub fn read_csv_records(
    path: &Path,
    header: &[&str],
    diags: &mut Diagnostics,
) -> Vec<(usize, Vec<String>)> {
    match read_file(path) {
        Ok(bytes) => parse_csv_records(path, &bytes, header, diags),
        Err(e) => {
            diags.from_error(path, &e);
            Vec::new()
        }
    }
}

/// [`read_csv_records`] on bytes already read from `path` (which only names the file in
/// messages). The entry point for fuzzing and property tests.
pub fn parse_csv_records(
    path: &Path,
    bytes: &[u8],
    header: &[&str],
    diags: &mut Diagnostics,
) -> Vec<(usize, Vec<String>)> {
    let text = match decode_utf8_ref(path, bytes) {
        // The csv crate reports record lines one too low after a CRLF; normalize first.
        Ok(t) if t.contains('\r') => t.replace("\r\n", "\n"),
        Ok(t) => t.to_owned(),
        Err(e) => {
            diags.from_error(path, &e);
            return Vec::new();
        }
    };
    if text.trim().is_empty() {
        diags.error(
            path,
            0,
            format!(
                "file is empty: it needs the header `{}` and at least one row",
                header.join(",")
            ),
        );
        return Vec::new();
    }
    if let Some(line) = unterminated_quote_line(&text) {
        diags.error(
            path,
            line,
            "a quoted field starting on this line is never closed: add the closing `\"` (a `\"` inside a quoted field is written `\"\"`)",
        );
        return Vec::new();
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut lines = LineCounter::new(text.as_bytes());
    let mut out = Vec::new();
    let mut seen_header = false;
    for result in reader.records() {
        let record = match result {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| lines.line_at(p.byte() as usize));
                diags.error(path, line, format!("malformed CSV: {e}"));
                continue;
            }
        };
        let line = record
            .position()
            .map_or(0, |p| lines.line_at(p.byte() as usize));
        if !seen_header {
            seen_header = true;
            let got: Vec<&str> = record.iter().collect();
            if got != header {
                diags.error(
                    path,
                    line,
                    format!(
                        "header is `{}`, expected `{}`: fix the first line",
                        got.join(","),
                        header.join(",")
                    ),
                );
                return Vec::new();
            }
            continue;
        }
        if record.len() == 1 && record[0].trim().is_empty() {
            continue; // a blank line
        }
        if record.len() != header.len() {
            diags.error(
                path,
                line,
                format!(
                    "row has {} fields, expected {} ({}): quote fields that contain commas",
                    record.len(),
                    header.len(),
                    header.join(",")
                ),
            );
            continue;
        }
        out.push((line, record.iter().map(str::to_owned).collect()));
    }
    out
}

/// The line where a quoted field opens and is never closed, if any. The csv crate accepts such a
/// field silently (it runs to the end of the file), which would swallow every later row.
pub(crate) fn unterminated_quote_line(text: &str) -> Option<usize> {
    record_starts(text, &[]).err()
}

/// Reads `text` as the csv crate splits it into records and returns, for each offset in
/// `targets` (increasing), the first record start at or after it that follows a `\n` (or
/// `text.len()` when there is none): places where the text can be cut into pieces that parse to
/// the same records. Fails with the line of a quoted field that is never closed.
///
/// A quote opens a quoted field only at the start of a field (after `,`, `\n`, `\r` or the start
/// of the file); anywhere else it is literal. Inside one, `""` is a quote and a lone `"` closes it.
/// The scan jumps from one quote or separator to the next with `memchr`, so a large corpus
/// costs milliseconds.
pub(crate) fn record_starts(
    text: &str,
    targets: &[usize],
) -> std::result::Result<Vec<usize>, usize> {
    // Bytes, not chars: every byte that matters is ASCII, and UTF-8 never uses ASCII bytes
    // inside a multi-byte character.
    let b = text.as_bytes();
    let mut starts = Vec::with_capacity(targets.len());
    let mut i = 0; // at the start of a field
    loop {
        if b.get(i) == Some(&b'"') {
            let open = i;
            i += 1;
            loop {
                match memchr::memchr(b'"', &b[i..]) {
                    None => return Err(1 + memchr::memchr_iter(b'\n', &b[..open]).count()),
                    Some(k) if b.get(i + k + 1) == Some(&b'"') => i += k + 2, // `""`
                    Some(k) => {
                        i += k + 1;
                        break;
                    }
                }
            }
        }
        match memchr::memchr3(b',', b'\n', b'\r', &b[i..]) {
            Some(k) => {
                i += k + 1;
                if b[i - 1] == b'\n' {
                    while starts.len() < targets.len() && targets[starts.len()] <= i {
                        starts.push(i);
                    }
                }
            }
            None => break,
        }
    }
    starts.resize(targets.len(), b.len());
    Ok(starts)
}

/// Maps byte offsets to 1-based line numbers (lines end at `\n`), for offsets given in
/// increasing order. The csv crate's own line numbers run one short after CRLF record ends and
/// count a lone `\r` as a line break, which no other line number in the harness does.
pub(crate) struct LineCounter<'a> {
    bytes: &'a [u8],
    offset: usize,
    line: usize,
}

impl<'a> LineCounter<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        LineCounter {
            bytes,
            offset: 0,
            line: 1,
        }
    }

    pub(crate) fn line_at(&mut self, offset: usize) -> usize {
        let mut offset = offset.min(self.bytes.len());
        // After a CRLF record end the csv crate reports the position of the `\n`; a record
        // itself never starts with a line break, so skip them.
        while offset < self.bytes.len() && matches!(self.bytes[offset], b'\r' | b'\n') {
            offset += 1;
        }
        if offset < self.offset {
            self.offset = 0;
            self.line = 1;
        }
        self.line += memchr::memchr_iter(b'\n', &self.bytes[self.offset..offset]).count();
        self.offset = offset;
        self.line
    }
}

/// Reads `topics.csv`. Empty ids, duplicate ids and a file with no topics are errors.
pub fn read_topics(path: &Path, diags: &mut Diagnostics) -> Vec<Topic> {
    let before = diags.errors();
    let records = read_csv_records(path, &TOPICS_HEADER, diags);
    topics_from_records(path, records, before, diags)
}

/// [`read_topics`] on bytes already read from `path`.
pub fn parse_topics(path: &Path, bytes: &[u8], diags: &mut Diagnostics) -> Vec<Topic> {
    let before = diags.errors();
    let records = parse_csv_records(path, bytes, &TOPICS_HEADER, diags);
    topics_from_records(path, records, before, diags)
}

/// Topics from the records of `path`; "no topics" is reported only when nothing else was
/// (`before` is the error count before the file was read).
fn topics_from_records(
    path: &Path,
    records: Vec<(usize, Vec<String>)>,
    before: usize,
    diags: &mut Diagnostics,
) -> Vec<Topic> {
    let mut first: HashMap<String, usize> = HashMap::new();
    let mut topics = Vec::new();
    for (line, f) in records {
        let id = f[0].trim().to_owned();
        if id.is_empty() {
            diags.error(path, line, "topic id is empty: give every topic an id");
            continue;
        }
        if id.contains(';') || id.contains(char::is_whitespace) {
            diags.error(
                path,
                line,
                format!("topic id `{id}` contains `;` or white space: use letters, digits and `_`"),
            );
            continue;
        }
        if let Some(prev) = first.get(&id) {
            diags.error(
                path,
                line,
                format!("duplicate topic id `{id}` (first at line {prev}): remove or rename one"),
            );
            continue;
        }
        first.insert(id.clone(), line);
        topics.push(Topic {
            id,
            name: f[1].clone(),
            description: f[2].clone(),
        });
    }
    if topics.is_empty() && diags.errors() == before {
        diags.error(
            path,
            0,
            "no topics: add at least one row `id,name,description`",
        );
    }
    topics
}

/// Reads `paragraphs.csv` (or an annotator's file with the same columns).
pub fn read_label_rows(path: &Path, diags: &mut Diagnostics) -> Vec<LabelRow> {
    label_rows_from_records(read_csv_records(path, &PARAGRAPHS_HEADER, diags))
}

/// [`read_label_rows`] on bytes already read from `path`.
pub fn parse_label_rows(path: &Path, bytes: &[u8], diags: &mut Diagnostics) -> Vec<LabelRow> {
    label_rows_from_records(parse_csv_records(path, bytes, &PARAGRAPHS_HEADER, diags))
}

fn label_rows_from_records(records: Vec<(usize, Vec<String>)>) -> Vec<LabelRow> {
    records
        .into_iter()
        .map(|(line, f)| LabelRow {
            line,
            id: f[0].trim().to_owned(),
            kind: f[1].trim().to_owned(),
            topics: f[2]
                .split(';')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            fingerprint: f[3].trim().to_owned(),
            text: f[4].clone(),
        })
        .collect()
}

/// Serializes label rows (`id,kind,topics,fingerprint,text`) as CSV text.
pub fn label_rows_csv(rows: &[LabelRow]) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    // Writing to a Vec cannot fail.
    let _ = w.write_record(PARAGRAPHS_HEADER);
    for r in rows {
        let _ = w.write_record([
            r.id.as_str(),
            r.kind.as_str(),
            &r.topics.join(";"),
            r.fingerprint.as_str(),
            r.text.as_str(),
        ]);
    }
    w.into_inner().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diags_for(header: &[&str], text: &str) -> (Vec<(usize, Vec<String>)>, Vec<String>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.csv");
        std::fs::write(&path, text).unwrap();
        let mut d = Diagnostics::default();
        let rows = read_csv_records(&path, header, &mut d);
        let msgs =
            d.0.iter()
                .map(|d| format!("{}: {}", d.line, d.message))
                .collect();
        (rows, msgs)
    }

    #[test]
    fn reads_records_with_lines() {
        let (rows, msgs) = diags_for(&["a", "b"], "a,b\n1,2\n\"x\ny\",3\n4,5\n");
        assert!(msgs.is_empty(), "{msgs:?}");
        let lines: Vec<usize> = rows.iter().map(|r| r.0).collect();
        assert_eq!(lines, [2, 3, 5]);
        assert_eq!(rows[1].1, ["x\ny", "3"]);
    }

    /// Found by the `labels` fuzz target: the csv crate counts a lone `\r` as a line break, so
    /// rows after one were reported a line too far down (past the end of the file).
    #[test]
    fn a_lone_carriage_return_does_not_shift_line_numbers() {
        let (rows, msgs) = diags_for(&["a", "b"], "a,b\r1,2\n3,4\n");
        assert!(msgs.is_empty(), "{msgs:?}");
        assert_eq!(rows.iter().map(|r| r.0).collect::<Vec<_>>(), [1, 2]);
    }

    #[test]
    fn accepts_bom_and_crlf() {
        let (rows, msgs) = diags_for(&["a", "b"], "\u{feff}a,b\r\n1,2\r\n");
        assert!(msgs.is_empty(), "{msgs:?}");
        assert_eq!(rows, [(2, vec!["1".to_owned(), "2".to_owned()])]);
    }

    #[test]
    fn reports_malformed_files() {
        let cases: [(&str, &str); 5] = [
            ("", "0: file is empty"),
            ("a,c\n1,2\n", "1: header is `a,c`, expected `a,b`"),
            ("a,b\n1,2,3\n", "2: row has 3 fields, expected 2"),
            ("a,b\n1\n", "2: row has 1 fields, expected 2"),
            (
                "a,b\n1,2\n\"open,3\n4,5\n",
                "3: a quoted field starting on this line is never closed",
            ),
        ];
        for (text, want) in cases {
            let (_, msgs) = diags_for(&["a", "b"], text);
            assert_eq!(msgs.len(), 1, "{text:?}: {msgs:?}");
            assert!(
                msgs[0].starts_with(want),
                "{text:?}: got {msgs:?}, want {want}"
            );
        }
    }

    /// A byte-at-a-time state machine: the reference for [`unterminated_quote_line`]'s
    /// property test. (`\r` ends a record for the csv crate, so a field starts after it.)
    fn unterminated_quote_line_reference(text: &str) -> Option<usize> {
        let mut line = 1;
        let mut open_line = 0;
        let mut in_quotes = false;
        let mut at_field_start = true;
        let mut bytes = text.bytes().peekable();
        while let Some(c) = bytes.next() {
            if c == b'\n' {
                line += 1;
            }
            if in_quotes {
                if c == b'"' {
                    if bytes.peek() == Some(&b'"') {
                        bytes.next(); // an escaped quote
                    } else {
                        in_quotes = false;
                    }
                }
                continue;
            }
            match c {
                b'"' if at_field_start => {
                    in_quotes = true;
                    open_line = line;
                    at_field_start = false;
                }
                b',' | b'\n' | b'\r' => at_field_start = true,
                _ => at_field_start = false,
            }
        }
        in_quotes.then_some(open_line)
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2048))]
        #[test]
        fn unterminated_quote_line_equals_the_state_machine(text in "[\"\",\n\ra]{0,40}") {
            proptest::prop_assert_eq!(
                unterminated_quote_line(&text),
                unterminated_quote_line_reference(&text),
                "{:?}", text
            );
        }
    }

    #[test]
    fn escaped_quotes_are_not_unterminated() {
        assert_eq!(unterminated_quote_line("a,\"say \"\"hi\"\"\"\n"), None);
        assert_eq!(unterminated_quote_line("a,b\"c\n"), None);
        assert_eq!(unterminated_quote_line("a\n\"b\n\nc"), Some(2));
    }

    #[test]
    fn topics_reject_duplicates_and_empty() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("topics.csv");
        std::fs::write(&path, "id,name,description\nx,X,\nx,Y,\n,Z,\n").unwrap();
        let mut d = Diagnostics::default();
        let topics = read_topics(&path, &mut d);
        assert_eq!(topics.len(), 1);
        assert_eq!(d.errors(), 2);
        assert!(
            d.0[0]
                .message
                .contains("duplicate topic id `x` (first at line 2)")
        );
        assert_eq!(d.0[1].line, 4);
        std::fs::write(&path, "id,name,description\n").unwrap();
        let mut d = Diagnostics::default();
        assert!(read_topics(&path, &mut d).is_empty());
        assert!(d.0[0].message.starts_with("no topics"), "{:?}", d.0);
    }

    mod props {
        use super::super::*;
        use proptest::prelude::*;

        /// Label rows whose fields survive a write and a read: ids, kinds and fingerprints
        /// without surrounding white space, topics without `;`, any text without `\r`.
        fn rows() -> impl Strategy<Value = Vec<LabelRow>> {
            prop::collection::vec(
                (
                    "[a-z0-9:]{1,8}",
                    "[a-z]{1,8}",
                    prop::collection::vec("[a-z_]{1,6}", 0..3),
                    "[0-9a-f]{0,16}",
                    "[^\r]{0,40}",
                ),
                0..8,
            )
            .prop_map(|v| {
                v.into_iter()
                    .map(|(id, kind, topics, fingerprint, text)| LabelRow {
                        line: 0,
                        id,
                        kind,
                        topics,
                        fingerprint,
                        text,
                    })
                    .collect()
            })
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(256))]

            #[test]
            fn any_bytes_give_rows_or_diagnostics(
                bytes in prop::collection::vec(any::<u8>(), 0..2000),
            ) {
                let mut d = Diagnostics::default();
                let _ = parse_topics(Path::new("t.csv"), &bytes, &mut d);
                let _ = parse_label_rows(Path::new("p.csv"), &bytes, &mut d);
            }

            /// CSV-like text after a valid header: every row kept has the header's width and a
            /// line inside the file; every finding names a line inside the file.
            #[test]
            fn csv_like_text_gives_well_formed_rows(body in "[a,\"\r\n;\u{feff} ]{0,200}") {
                let text = format!("id,kind,topics,fingerprint,text\n{body}");
                let lines = 1 + text.matches('\n').count();
                let mut d = Diagnostics::default();
                let rows = parse_csv_records(Path::new("p.csv"), text.as_bytes(), &PARAGRAPHS_HEADER, &mut d);
                for (line, fields) in &rows {
                    prop_assert_eq!(fields.len(), 5);
                    prop_assert!((2..=lines).contains(line), "line {} of {}", line, lines);
                }
                prop_assert!(d.0.iter().all(|x| x.line <= lines), "{:?}", d.0);
            }

            /// What the writer writes, the reader reads back, with the line each record starts on.
            #[test]
            fn written_rows_read_back(rows in rows()) {
                let bytes = label_rows_csv(&rows);
                let mut d = Diagnostics::default();
                let got = parse_label_rows(Path::new("p.csv"), &bytes, &mut d);
                prop_assert!(d.0.is_empty(), "{:?}", d.0);
                let mut line = 2;
                let mut want = rows.clone();
                for r in &mut want {
                    r.line = line;
                    line += 1 + r.text.matches('\n').count();
                }
                prop_assert_eq!(got, want);
            }
        }
    }
}
