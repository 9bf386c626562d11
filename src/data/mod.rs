//! Getting a corpus in: the shipped articles (`articles`) and their label files (`labels`), checked
//! against each other (`check`), or a user's corpus file (`corpus_file`, reading `csv_corpus`,
//! `jsonl_corpus`, `parquet_corpus`); either way a [`dataset::Dataset`] whose near-duplicate
//! `groups` are found here.

pub mod articles;
pub mod check;
pub mod corpus_file;
pub mod csv_corpus;
pub mod dataset;
pub mod groups;
pub mod jsonl_corpus;
pub mod labels;
pub mod parquet_corpus;
