//! The evaluation driver: every classifier on the same folds, then scores, intervals and paired
//! comparisons with the baseline.
//!
//! [`prepare`] picks the evaluated items (body paragraphs, or a CSV corpus's documents), their
//! gold topic matrix and the folds (`split`). [`run`] tokenizes once (unigrams from the bigram
//! tokenization when both are needed), and for each fold (in parallel while its matrices are
//! small, results kept in fold order) builds the training-fold vocabulary and matrices
//! (`features`) and fits and predicts every classifier (`classifiers`). [`summarize`]
//! pools TP/FP/FN over a repeat's folds (`metrics`), summarizes the repeats and compares each
//! classifier with the baseline (`stats`). Every per-paragraph prediction is kept, so any
//! aggregate can be recomputed from them. The report layer turns the result into files.

mod engine;
mod explain;
pub mod folds;
pub mod learning_curve;
pub mod metrics;
mod pipeline;
mod plan;
mod predict;
pub mod resample;
pub mod shard;
pub mod stats;
pub mod suite;
mod summary;

use std::collections::BTreeMap;
use std::time::Instant;

use ndarray::{Array2, ArrayView2, Axis};
use rayon::prelude::*;

use crate::classifiers::external::{External, ExternalSpec, FoldRequest};
use crate::classifiers::{self, Classifier, FitContext, Fitted, Predictions};
use crate::data::dataset::Dataset;
use crate::error::{Error, Result};
use crate::eval::folds::Fold;
use crate::eval::metrics::{Counts, HEADLINE, Scores};
use crate::eval::stats::{Bayes, McNemar, Summary, Verdict};
use crate::features::{FeatureSpec, Tokenized, Vocabulary};

pub use engine::*;
pub use explain::*;
pub use pipeline::*;
pub use plan::*;
pub use predict::*;
pub use summary::*;
