//! topicbench: a topic-classification benchmark and evaluation harness.
//!
//! The pipeline, one module per stage: `corpus` (articles → paragraphs) and `labels` (label
//! files) meet in `check`, which builds a `dataset::Dataset` with near-duplicate `groups`;
//! `text` tokenizes and `features` counts; `classifiers` fit and predict on matrices; `split`
//! makes leakage-safe folds; `eval` runs every classifier on the same folds; `metrics` and `stats`
//! score them; `learning_curve` refits the baseline and the best contender on shrinking training
//! subsets of the same folds; `report` writes the files. `cli` is the command line. The labelling
//! workflow: `ingest` adds an article, `label` (driven by `terminal`) writes label rows,
//! `agreement` compares annotators. See ARCHITECTURE.md.
#![deny(missing_docs)]
// One exception, `features::Interner::prefetch` (a cache hint), allows it where it is used.
#![deny(unsafe_code)]

pub mod agreement;
pub mod check;
pub mod classifiers;
pub mod cli;
pub mod corpus;
pub mod corpus_file;
pub mod csv_corpus;
pub mod dataset;
pub mod error;
pub mod eval;
pub mod external;
pub mod features;
pub mod fsutil;
pub mod groups;
pub mod ingest;
pub mod jsonl_corpus;
pub mod label;
pub mod labels;
pub mod learning_curve;
pub mod metrics;
pub mod parquet_corpus;
pub mod report;
pub mod resample;
pub mod shard;
pub mod split;
pub mod stats;
pub mod suite;
pub mod terminal;
pub mod text;

pub use error::{Error, Result};
