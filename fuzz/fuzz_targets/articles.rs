//! Articles: any bytes → UTF-8 check, paragraph length limit, paragraph split. Never panics; every
//! paragraph is a non-empty line with no trailing white space, ids follow the line numbers.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use topicbench::data::articles::parse_article;

fuzz_target!(|data: &[u8]| {
    if let Ok(paragraphs) = parse_article(Path::new("a.txt"), "a", data) {
        let mut last = 0;
        for p in &paragraphs {
            assert!(!p.text.is_empty() && p.text == p.text.trim_end());
            assert!(p.line > last);
            assert_eq!(p.id, format!("a:{}", p.line));
            last = p.line;
        }
    }
});
