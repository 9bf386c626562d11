//! A user's corpus as Apache Parquet, read with the arrow-rs `parquet` crate (its record API, no
//! Arrow), as pandas, pyarrow and Hugging Face `datasets` write it: uncompressed or snappy (their
//! default codec; another codec is refused with a message saying how to rewrite the file).
//!
//! The columns are found by name like a CSV's (`corpus_file::Columns`). Text is a string column
//! (pyarrow's `string` and `large_string` are both Parquet byte arrays); labels are a string (read
//! like a CSV cell), a list of strings, or integer class ids, alone or in a list. Class ids take
//! their names from the `huggingface` schema metadata (`ClassLabel` names) where the file has it,
//! else the numbers are the names. Returns `corpus_file::Row`s, `line` being the 1-based row
//! number; errors name the file and row.

use std::path::Path;

use parquet::basic::{Compression, Type as PhysicalType};
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::Field;
use parquet::schema::types::{Type, TypePtr};

use crate::data::corpus_file::{self, Columns, Parsed, Row};
use crate::error::{Error, Result};

/// What a column holds, as far as a corpus cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// Strings (byte arrays).
    Str,
    /// Integers.
    Int,
    /// A list of strings.
    StrList,
    /// A list of integers.
    IntList,
}

/// The leaf type of a (possibly nested) column and whether a list wraps it.
fn shape(t: &Type) -> std::result::Result<Shape, String> {
    let mut leaf = t;
    let mut listed = false;
    while leaf.is_group() {
        if leaf.get_fields().len() != 1 {
            return Err("a struct".into());
        }
        listed = true;
        leaf = &leaf.get_fields()[0];
    }
    if leaf.get_basic_info().has_repetition()
        && leaf.get_basic_info().repetition() == parquet::basic::Repetition::REPEATED
    {
        listed = true;
    }
    let base = match leaf.get_physical_type() {
        PhysicalType::BYTE_ARRAY => Shape::Str,
        PhysicalType::INT32 | PhysicalType::INT64 => Shape::Int,
        other => {
            return Err(if listed {
                format!("a list of {other}")
            } else {
                other.to_string()
            });
        }
    };
    Ok(match (base, listed) {
        (Shape::Str, true) => Shape::StrList,
        (Shape::Int, true) => Shape::IntList,
        (b, false) => b,
        (b, true) => b,
    })
}

/// The names of a column's class ids from the `huggingface` metadata (`datasets` stores its
/// `Features` there: `{"info": {"features": {"label": {"names": [...], "_type": "ClassLabel"}}}}`,
/// a list of them under `"feature"`).
fn class_names(reader: &SerializedFileReader<bytes::Bytes>, column: &str) -> Option<Vec<String>> {
    let kv = reader.metadata().file_metadata().key_value_metadata()?;
    let hf = kv.iter().find(|k| k.key == "huggingface")?.value.as_ref()?;
    let v: serde_json::Value = serde_json::from_str(hf).ok()?;
    let f = &v["info"]["features"][column];
    let names = f["names"]
        .as_array()
        .or_else(|| f["feature"]["names"].as_array())?;
    names
        .iter()
        .map(|n| n.as_str().map(str::to_owned))
        .collect()
}

/// The rows of the Parquet `bytes` read from `path`, in file order.
pub fn parse_rows(path: &Path, bytes: &[u8], columns: &Columns) -> Result<Parsed> {
    // The `parquet` crate panics on some damaged files (found by the property test below); a
    // panic there is a damaged file, not a bug of ours, and must not abort the run.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| read_rows(path, bytes, columns)))
        .unwrap_or_else(|_| {
            Err(Error::input(
                path,
                0,
                "a damaged Parquet file (its reader failed on the file's contents): write it again with pandas or pyarrow (`df.to_parquet(path)`)",
            ))
        })
}

/// [`parse_rows`] without the guard against the reader's panics.
fn read_rows(path: &Path, bytes: &[u8], columns: &Columns) -> Result<Parsed> {
    let at = |row: usize, message: String| Error::input(path, 0, format!("row {row}: {message}"));
    let reader = SerializedFileReader::new(bytes::Bytes::copy_from_slice(bytes)).map_err(|e| {
        Error::input(
            path,
            0,
            format!(
                "not a readable Parquet file ({e}): give a Parquet file as pandas or pyarrow write it, or the corpus as {}",
                corpus_file::ACCEPTED
            ),
        )
    })?;
    for rg in reader.metadata().row_groups() {
        for c in rg.columns() {
            let codec = match c.compression() {
                Compression::UNCOMPRESSED | Compression::SNAPPY => continue,
                Compression::GZIP(_) => "gzip",
                Compression::BROTLI(_) => "brotli",
                Compression::ZSTD(_) => "zstd",
                Compression::LZ4 | Compression::LZ4_RAW => "lz4",
                Compression::LZO => "lzo",
            };
            return Err(Error::input(
                path,
                0,
                format!(
                    "the file is compressed with {codec}, which topicbench does not read: write it with snappy, pandas' and pyarrow's default (`df.to_parquet(path)`), or uncompressed"
                ),
            ));
        }
    }
    let schema = reader.metadata().file_metadata().schema();
    let fields: &[TypePtr] = schema.get_fields();
    let names: Vec<&str> = fields.iter().map(|f| f.name()).collect();
    let layout = columns
        .resolve(&names)
        .map_err(|m| Error::input(path, 0, m))?;
    let want = |i: usize, flag: &str, what: &str, ok: &[Shape]| -> Result<Shape> {
        let got = shape(&fields[i]);
        match got {
            Ok(s) if ok.contains(&s) => Ok(s),
            _ => Err(Error::input(
                path,
                0,
                format!(
                    "column `{}` holds {} values, expected {what}: convert it (e.g. `df[\"{}\"] = df[\"{}\"].astype(str)` in pandas) or name another column with --{flag}-column",
                    names[i],
                    got.map_or_else(|e| e.to_lowercase(), |s| format!("{s:?}").to_lowercase()),
                    names[i],
                    names[i],
                ),
            )),
        }
    };
    want(layout.text, "text", "strings", &[Shape::Str])?;
    let label_shape = want(
        layout.labels,
        "labels",
        "strings, lists of strings or integer class ids",
        &[Shape::Str, Shape::StrList, Shape::Int, Shape::IntList],
    )?;
    if let Some(i) = layout.id {
        want(i, "id", "strings or integers", &[Shape::Str, Shape::Int])?;
    }
    if let Some(i) = layout.split {
        want(i, "split", "strings (`train` or `test`)", &[Shape::Str])?;
    }
    let class = match label_shape {
        Shape::Int | Shape::IntList => class_names(&reader, names[layout.labels]),
        _ => None,
    };
    let mut picked: Vec<usize> = [
        Some(layout.text),
        Some(layout.labels),
        layout.id,
        layout.split,
    ]
    .into_iter()
    .flatten()
    .collect();
    picked.sort_unstable();
    let projection = Type::group_type_builder(schema.name())
        .with_fields(picked.iter().map(|&i| fields[i].clone()).collect())
        .build()
        .map_err(|e| Error::input(path, 0, format!("cannot read the columns: {e}")))?;
    let iter = reader
        .get_row_iter(Some(projection))
        .map_err(|e| Error::input(path, 0, format!("cannot read the rows: {e}")))?;
    let label_name = |row: usize, v: &Field| -> Result<Option<String>> {
        Ok(match v {
            Field::Null => None,
            Field::Str(s) => Some(s.trim().to_owned()),
            Field::Bytes(b) => Some(
                std::str::from_utf8(b.data())
                    .map_err(|_| at(row, "a label is not valid UTF-8".into()))?
                    .trim()
                    .to_owned(),
            ),
            _ => {
                let n = integer(v)
                    .ok_or_else(|| at(row, format!("label {v} is not a string or an integer")))?;
                Some(match &class {
                    Some(names) => usize::try_from(n)
                        .ok()
                        .and_then(|k| names.get(k))
                        .cloned()
                        .ok_or_else(|| {
                            at(
                                row,
                                format!(
                                    "class id {n} is outside the {} class names in the file's metadata: fix the labels or the metadata",
                                    names.len()
                                ),
                            )
                        })?,
                    None => n.to_string(),
                })
            }
        })
    };
    let mut rows = Vec::new();
    for (r, record) in iter.enumerate() {
        let row = r + 1;
        let record = record.map_err(|e| at(row, format!("cannot read it: {e}")))?;
        let mut out = Row {
            id: None,
            line: row,
            text: String::new(),
            labels: Vec::new(),
            split: None,
        };
        for (name, value) in record.get_column_iter() {
            let is = |i: Option<usize>| i.is_some_and(|i| names[i] == name.as_str());
            if is(Some(layout.text)) {
                out.text = match value {
                    Field::Null => {
                        return Err(at(
                            row,
                            format!("`{name}` is empty (null): give every row its text"),
                        ));
                    }
                    _ => string(value).ok_or_else(|| {
                        at(
                            row,
                            format!("`{name}` is not valid UTF-8: write the text as UTF-8 strings"),
                        )
                    })?,
                };
                if out.text.len() > crate::data::articles::MAX_PARAGRAPH_BYTES {
                    return Err(at(row, crate::data::articles::too_long(out.text.len())));
                }
            } else if is(Some(layout.labels)) {
                out.labels = match value {
                    Field::Str(s) => corpus_file::labels_from_cell(s).map_err(|m| at(row, m))?,
                    Field::ListInternal(list) => {
                        let mut v = Vec::new();
                        for e in list.elements() {
                            v.extend(label_name(row, e)?.filter(|s| !s.is_empty()));
                        }
                        v
                    }
                    other => label_name(row, other)?
                        .into_iter()
                        .filter(|s| !s.is_empty())
                        .collect(),
                };
            } else if is(layout.id) {
                let id = string(value)
                    .or_else(|| integer(value).map(|n| n.to_string()))
                    .unwrap_or_default();
                if id.trim().is_empty() {
                    return Err(at(row, "empty id: give every row an id".into()));
                }
                out.id = Some(id.trim().to_owned());
            } else if is(layout.split) {
                let cell = string(value).unwrap_or_default();
                out.split = Some(corpus_file::split_value(&cell).map_err(|m| at(row, m))?);
            }
        }
        rows.push(out);
    }
    Ok(Parsed {
        rows,
        notes: corpus_file::ignored_note(path, &layout)
            .into_iter()
            .collect(),
    })
}

/// A string or UTF-8 byte-array value.
fn string(v: &Field) -> Option<String> {
    match v {
        Field::Str(s) => Some(s.clone()),
        Field::Bytes(b) => std::str::from_utf8(b.data()).ok().map(str::to_owned),
        _ => None,
    }
}

/// An integer value.
fn integer(v: &Field) -> Option<i128> {
    Some(match *v {
        Field::Byte(n) => n.into(),
        Field::Short(n) => n.into(),
        Field::Int(n) => n.into(),
        Field::Long(n) => n.into(),
        Field::UByte(n) => n.into(),
        Field::UShort(n) => n.into(),
        Field::UInt(n) => n.into(),
        Field::ULong(n) => n.into(),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const FIXTURE: &[u8] = include_bytes!("../../tests/fixtures/corpora/corpus.parquet");
    const HF_TRAIN: &[u8] = include_bytes!("../../tests/fixtures/corpora/hf-train.parquet");

    fn rows(bytes: &[u8]) -> Result<Vec<Row>> {
        parse_rows(Path::new("c.parquet"), bytes, &Columns::default()).map(|p| p.rows)
    }

    #[test]
    fn reads_strings_and_class_ids_named_by_the_metadata() {
        let r = rows(FIXTURE).unwrap();
        assert_eq!(r.len(), 240);
        assert_eq!(r[0].id.as_deref(), Some("d000"));
        assert_eq!(r[0].labels, ["topic.a0"]);
        assert_eq!(r[0].line, 1);
        let hf = rows(HF_TRAIN).unwrap();
        // make.py: 10 rounds of the 24 topics, rounds 3 and 7 are test: 192 training rows, the
        // first one topic.a0 (class id 0 in the metadata's sorted names).
        assert_eq!(hf.len(), 192);
        assert_eq!(hf[0].id, None);
        assert_eq!(hf[0].labels, ["topic.a0"]);
        assert_eq!(hf[25].labels, ["topic.a1"]);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// A damaged Parquet file gives rows or an error, never a panic.
        #[test]
        fn damaged_files_give_rows_or_an_error(
            flips in prop::collection::vec((0usize..FIXTURE.len(), any::<u8>()), 1..8),
            cut in 0usize..FIXTURE.len() + 1,
        ) {
            let mut bytes = FIXTURE.to_vec();
            for (at, b) in flips {
                bytes[at] = b;
            }
            let _ = rows(&bytes);
            let _ = rows(&FIXTURE[..cut]);
        }
    }
}
