//! topicbench: a topic-classification benchmark and evaluation harness.
//!
//! One folder per pipeline stage. `data` gets a corpus in (the shipped articles and their label
//! files, or a CSV / JSON Lines / Parquet file) as a `Dataset` with near-duplicate groups;
//! `features` tokenizes and counts; `classifiers` fit and predict on matrices (built-in ones,
//! external commands, and `Tuned`, which tunes any of them by nested cross-validation); `eval`
//! makes leakage-safe folds, runs every classifier on them ([`eval::evaluate`]), scores and
//! compares them, and holds the learning curve, shards and the multi-corpus suite; `report`
//! writes the files. `annotate` is the labelling workflow. The command line is the binary's
//! (`src/cli/`): this library neither prints nor parses flags. See ARCHITECTURE.md.
#![deny(missing_docs)]
// The few exceptions (ARCHITECTURE.md, invariants) allow it where they are used.
#![deny(unsafe_code)]

pub mod annotate;
pub mod classifiers;
pub mod data;
pub mod error;
pub mod eval;
pub mod features;
pub mod fsutil;
pub mod report;

pub use error::{Error, Result};
