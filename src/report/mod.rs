//! Output formats. Only this layer knows about Markdown, JSON, CSV and terminal tables:
//! `corpus` for the dataset export and statistics, `eval` for evaluation reports.

pub mod corpus;
