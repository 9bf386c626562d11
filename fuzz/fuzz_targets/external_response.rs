//! An external classifier's response line: any bytes. Never panics; accepted predictions have
//! one row per test id, one column per topic, scores in [0, 1].
#![no_main]

use libfuzzer_sys::fuzz_target;
use topicbench::classifiers::external::{FoldRequest, parse_response};

fuzz_target!(|data: &[u8]| {
    let req = FoldRequest {
        fold: "r0f0".into(),
        seed: 1,
        single_label: false,
        train: vec![],
        test: vec![("p1", "x"), ("p2", "y"), ("p3", "z")],
    };
    let topics = ["a".to_owned(), "b".to_owned()];
    if let Ok(p) = parse_response(data, &req, &topics) {
        assert_eq!(p.scores.dim(), (3, 2));
        assert_eq!(p.decisions.dim(), (3, 2));
        assert!(p.scores.iter().all(|s| (0.0..=1.0).contains(s)));
    }
});
