//! Label files: any bytes as `topics.csv` and as `paragraphs.csv`. Never panics; every finding
//! names a line inside the file (or 0 for the whole file); a row may share line 1 with the header
//! when a lone `\r` ends it.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use topicbench::data::labels::{Diagnostics, parse_label_rows, parse_topics};

fuzz_target!(|data: &[u8]| {
    let lines = 1 + data.iter().filter(|&&b| b == b'\n').count();
    let mut d = Diagnostics::default();
    let topics = parse_topics(Path::new("topics.csv"), data, &mut d);
    assert!(topics.iter().all(|t| !t.id.is_empty()));
    let rows = parse_label_rows(Path::new("paragraphs.csv"), data, &mut d);
    assert!(rows.iter().all(|r| r.line >= 1 && r.line <= lines));
    assert!(d.0.iter().all(|x| x.line <= lines), "{:?}", d.0);
});
