//! Bag-of-words features: a sparse (CSR) count matrix per fold, with the vocabulary taken from the
//! training fold only.
//!
//! Texts are tokenized once ([`Tokenized::new`]); each token (or word bigram) is interned to a
//! corpus-wide id just to avoid re-tokenizing per fold. A fold's columns are then the terms that
//! occur in its *training* documents, in sorted (code point) order as scikit-learn's
//! `CountVectorizer` orders them; test documents keep only those columns, so test text never
//! influences the vocabulary or any weight. TF-IDF uses scikit-learn's defaults
//! (`smooth_idf=True`: idf = ln((1+n)/(1+df)) + 1, rows L2-normalized) with document frequencies
//! from the training fold, fixed and reused for the test fold. Classifiers see only [`Csr`].

mod counts;
mod matrix;
pub mod tokens;
mod vocabulary;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::features::tokens::{Scratch, Span, head, token_spans};

pub use counts::*;
pub use matrix::*;
pub use vocabulary::*;
