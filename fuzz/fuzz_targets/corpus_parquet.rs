//! Corpus Parquet (`--corpus FILE.parquet`): any bytes (seed it with
//! tests/fixtures/corpora/*.parquet). Never panics; what loads has a row number on every row.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use topicbench::data::corpus_file::Columns;
use topicbench::data::parquet_corpus::parse_rows;

fuzz_target!(|data: &[u8]| {
    if let Ok(parsed) = parse_rows(Path::new("c.parquet"), data, &Columns::default()) {
        assert!(
            parsed
                .rows
                .iter()
                .enumerate()
                .all(|(i, r)| r.line == i + 1)
        );
    }
});
