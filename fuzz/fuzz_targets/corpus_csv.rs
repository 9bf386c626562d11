//! Corpus CSV (`--corpus`): any bytes. Never panics; a loaded corpus has unique ids, topic ids
//! inside the topic list and at least one labelled document.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use topicbench::data::csv_corpus::parse;

fuzz_target!(|data: &[u8]| {
    if let Ok(ds) = parse(Path::new("c.csv"), data, Some(0.3)) {
        let mut ids: Vec<&str> = ds.items.iter().map(|i| i.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), ds.items.len());
        assert!(!ds.topics.is_empty());
        assert!(
            ds.items
                .iter()
                .all(|i| i.topics.iter().all(|&t| t < ds.topics.len()))
        );
    }
});
