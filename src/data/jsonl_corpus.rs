//! A user's corpus as JSON Lines (`.jsonl`, `.ndjson`): one JSON object per line with the same
//! fields as a corpus CSV's columns (`text`, `labels` or `label`, optional `id` and `split`, or the
//! names given with `--*-column`), as pandas' `to_json(orient="records", lines=True)` and
//! Hugging Face `datasets`' `to_json` write it.
//!
//! Labels are a string (read like a CSV cell, `corpus_file::labels_from_cell`), an array of
//! strings, an integer class id or an array of them (the numbers become the names), or null.
//! Ids may be strings or numbers. Blank lines are skipped. The fields are found from the first
//! record; fields the first record has and no flag names are listed in a note. Returns
//! `corpus_file::Row`s; errors name the file and line.

use std::path::Path;

use rayon::prelude::*;
use serde_json::Value;

use crate::data::articles::excerpt;
use crate::data::corpus_file::{self, Columns, Parsed, Row};
use crate::error::{Error, Result, decode_utf8_ref};

/// The field names a record must or may have.
struct Names<'a> {
    text: &'a str,
    labels: &'a str,
    id: Option<&'a str>,
    split: Option<&'a str>,
}

/// The rows of the JSON Lines `bytes` read from `path`, in file order.
pub fn parse_rows(path: &Path, bytes: &[u8], columns: &Columns) -> Result<Parsed> {
    let text = decode_utf8_ref(path, bytes)?;
    let lines: Vec<(usize, &str)> = text
        .split('\n')
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty())
        .collect();
    let Some(&(first_line, first)) = lines.first() else {
        return Err(Error::input(
            path,
            0,
            "file is empty: a JSON Lines corpus needs one object per line, e.g. {\"text\": \"...\", \"labels\": \"a;b\"}",
        ));
    };
    let keys: Vec<String> = object(path, first_line, first)?.keys().cloned().collect();
    let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
    let layout = columns
        .resolve(&keys)
        .map_err(|m| Error::input(path, first_line, m))?;
    let names = Names {
        text: keys[layout.text],
        labels: keys[layout.labels],
        id: layout.id.map(|i| keys[i]),
        split: layout.split.map(|i| keys[i]),
    };
    let rows: Vec<Result<Row>> = lines
        .par_iter()
        .map(|&(line, l)| read_row(path, line, l, &names))
        .collect();
    Ok(Parsed {
        rows: rows.into_iter().collect::<Result<_>>()?,
        notes: corpus_file::ignored_note(path, &layout)
            .into_iter()
            .collect(),
    })
}

/// Line `l` as a JSON object.
fn object(path: &Path, line: usize, l: &str) -> Result<serde_json::Map<String, Value>> {
    match serde_json::from_str::<Value>(l) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(Error::input(
            path,
            line,
            "not a JSON object: write one object per line, e.g. {\"text\": \"...\", \"labels\": \"a;b\"}",
        )),
        Err(e) => {
            // serde_json says "... at line 1 column N": the line is the file's, named already.
            let what = e.to_string();
            let what = what.split(" at line ").next().unwrap_or_default();
            Err(Error::input(
                path,
                line,
                format!(
                    "not valid JSON at column {} ({what}): write one JSON object per line (a text's line breaks as \\n)",
                    e.column()
                ),
            ))
        }
    }
}

/// A string or number field as text (an id).
fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// One line as a row, checked.
fn read_row(path: &Path, line: usize, l: &str, names: &Names) -> Result<Row> {
    let mut m = object(path, line, l)?;
    let missing = |field: &str, flag: &str| {
        Error::input(
            path,
            line,
            format!(
                "no `{field}` field: give every record one (or name another field with --{flag}-column)"
            ),
        )
    };
    let text = match m.remove(names.text) {
        Some(Value::String(s)) => s,
        Some(v) => {
            return Err(Error::input(
                path,
                line,
                format!(
                    "`{}` is {}, not a string: give every record its text as a string",
                    names.text,
                    excerpt(&v.to_string(), 40)
                ),
            ));
        }
        None => return Err(missing(names.text, "text")),
    };
    if text.len() > crate::data::articles::MAX_PARAGRAPH_BYTES {
        return Err(Error::input(
            path,
            line,
            crate::data::articles::too_long(text.len()),
        ));
    }
    let bad_labels = |v: &Value| {
        Error::input(
            path,
            line,
            format!(
                "`{}` is {}: give the labels as a string (`\"a;b\"`), an array of strings (`[\"a\", \"b\"]`) or class ids",
                names.labels,
                excerpt(&v.to_string(), 40)
            ),
        )
    };
    let labels = match m.remove(names.labels) {
        None => return Err(missing(names.labels, "labels")),
        Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) => {
            corpus_file::labels_from_cell(&s).map_err(|e| Error::input(path, line, e))?
        }
        Some(Value::Number(n)) if n.is_i64() || n.is_u64() => vec![n.to_string()],
        Some(Value::Array(a)) => {
            let mut out = Vec::with_capacity(a.len());
            for v in &a {
                match v {
                    Value::String(s) if !s.trim().is_empty() => out.push(s.trim().to_owned()),
                    Value::String(_) => {}
                    Value::Number(n) if n.is_i64() || n.is_u64() => out.push(n.to_string()),
                    _ => return Err(bad_labels(&Value::Array(a.clone()))),
                }
            }
            out
        }
        Some(v) => return Err(bad_labels(&v)),
    };
    let id = match names.id {
        None => None,
        Some(f) => {
            let v = m.remove(f).ok_or_else(|| missing(f, "id"))?;
            let id = scalar(&v).map(|s| s.trim().to_owned()).unwrap_or_default();
            if id.is_empty() {
                return Err(Error::input(
                    path,
                    line,
                    "empty id: give every record an id (a string or a number)",
                ));
            }
            Some(id)
        }
    };
    let split = match names.split {
        None => None,
        Some(f) => {
            let v = m.remove(f).ok_or_else(|| missing(f, "split"))?;
            let cell = scalar(&v).unwrap_or_else(|| v.to_string());
            Some(corpus_file::split_value(&cell).map_err(|e| Error::input(path, line, e))?)
        }
    };
    Ok(Row {
        id,
        line,
        text,
        labels,
        split,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(text: &str) -> Result<Vec<Row>> {
        parse_rows(Path::new("c.jsonl"), text.as_bytes(), &Columns::default()).map(|p| p.rows)
    }

    #[test]
    fn reads_records_with_any_label_shape() {
        let got = rows(
            "{\"id\": 7, \"text\": \"a\\nb\", \"label\": \"x;y\", \"n\": 1}\n\n{\"text\": \"c\", \"label\": [\"y\", \"z\"], \"id\": \"k\"}\r\n{\"text\": \"d\", \"label\": 3, \"id\": 8}\n{\"text\": \"e\", \"label\": null, \"id\": 9}\n",
        )
        .unwrap();
        let shape: Vec<(Option<&str>, usize, &str, Vec<&str>)> = got
            .iter()
            .map(|r| {
                (
                    r.id.as_deref(),
                    r.line,
                    r.text.as_str(),
                    r.labels.iter().map(String::as_str).collect(),
                )
            })
            .collect();
        assert_eq!(
            shape,
            [
                (Some("7"), 1, "a\nb", vec!["x", "y"]),
                (Some("k"), 3, "c", vec!["y", "z"]),
                (Some("8"), 4, "d", vec!["3"]),
                (Some("9"), 5, "e", vec![]),
            ]
        );
    }

    #[test]
    fn errors_name_the_line() {
        let cases = [
            ("", "c.jsonl: file is empty"),
            (
                "{\"text\": \"a\", \"labels\": \"x\"}\n{\"text\": \"b\", \"labels\": \"x\"\n",
                "c.jsonl:2: not valid JSON at column 27 (EOF while parsing an object)",
            ),
            (
                "{\"text\": \"a\", \"labels\": \"x\"}\n{\"labels\": \"x\"}\n",
                "c.jsonl:2: no `text` field: give every record one",
            ),
            (
                "{\"body\": \"a\", \"labels\": \"x\"}\n",
                "c.jsonl:1: no `text` column (the columns are `body`, `labels`)",
            ),
            (
                "{\"text\": \"a\", \"labels\": \"['a', 'b'\"}\n",
                "c.jsonl:1: labels `['a', 'b'` look like",
            ),
            (
                "{\"text\": \"a\", \"labels\": \"[a]\"}\n",
                "c.jsonl:1: labels `[a]` look like a list but are not a list of quoted names",
            ),
            (
                "{\"text\": \"a\", \"labels\": {\"x\": 1}}\n",
                "c.jsonl:1: `labels` is {\"x\":1}: give the labels as a string",
            ),
            ("[1, 2]\n", "c.jsonl:1: not a JSON object"),
        ];
        for (text, want) in cases {
            let got = rows(text).map(|_| ()).unwrap_err().to_string();
            assert!(
                got.starts_with(want),
                "{text:?}: got {got:?}, want {want:?}"
            );
        }
    }
}
