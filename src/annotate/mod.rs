//! Making labels by reading: `ingest` adds an article, `label` (drawn and driven by `terminal`)
//! records a person's answers, `agreement` compares annotators.

pub mod agreement;
pub mod ingest;
pub mod label;
pub mod terminal;
