//! Predicts the most frequent training topic for every paragraph.

use ndarray::{Array2, ArrayView2, Axis};
use serde::{Deserialize, Serialize};

use super::{Classifier, FitContext, Fitted, Predictions};
use crate::{
    error::Result,
    features::{Csr, FeatureSpec},
};

/// No hyperparameters.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct MostFrequent;

/// The topic with the most positive training paragraphs (ties to the lower id), if any;
/// and the number of topics.
struct Model(Option<usize>, usize);

impl Classifier for MostFrequent {
    fn name(&self) -> &'static str {
        "most_frequent"
    }
    fn describe(&self) -> String {
        "predicts the most frequent training topic for every paragraph".to_owned()
    }
    fn features(&self) -> FeatureSpec {
        FeatureSpec::COUNTS
    }
    fn params(&self) -> serde_json::Value {
        serde_json::json!({})
    }
    fn fit(&self, _x: &Csr, y: ArrayView2<bool>, _ctx: &FitContext) -> Result<Box<dyn Fitted>> {
        let counts: Vec<usize> = y
            .axis_iter(Axis(1))
            .map(|col| col.iter().filter(|&&v| v).count())
            .collect();
        let best = (0..counts.len())
            .filter(|&t| counts[t] > 0)
            .max_by_key(|&t| (counts[t], std::cmp::Reverse(t)));
        Ok(Box::new(Model(best, y.ncols())))
    }
}

impl Fitted for Model {
    fn predict(&self, x: &Csr) -> Predictions {
        let shape = (x.n_rows(), self.1);
        let is_best = |t: usize| Some(t) == self.0;
        Predictions {
            scores: Array2::from_shape_fn(shape, |(_, t)| if is_best(t) { 1.0 } else { 0.0 }),
            decisions: Array2::from_shape_fn(shape, |(_, t)| is_best(t)),
        }
    }
}
