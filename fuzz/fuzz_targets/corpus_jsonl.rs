//! Corpus JSON Lines (`--corpus FILE.jsonl`): any bytes. Never panics; rows that load build a
//! dataset with unique ids and topic ids inside the topic list, or an error.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use topicbench::data::corpus_file::{Columns, build};
use topicbench::data::jsonl_corpus::parse_rows;

fuzz_target!(|data: &[u8]| {
    let path = Path::new("c.jsonl");
    if let Ok(parsed) = parse_rows(path, data, &Columns::default()) {
        assert!(parsed.rows.iter().all(|r| r.line >= 1));
        if let Ok(ds) = build(path, parsed.rows, None, Some(0.3)) {
            let mut ids: Vec<&str> = ds.items.iter().map(|i| i.id.as_str()).collect();
            ids.sort_unstable();
            ids.dedup();
            assert_eq!(ids.len(), ds.items.len());
            assert!(
                ds.items
                    .iter()
                    .all(|i| i.topics.iter().all(|&t| t < ds.topics.len()))
            );
        }
    }
});
