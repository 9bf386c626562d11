//! `majority`: the label-prior floor. Predicts, for every paragraph, each topic that more than
//! half of the training paragraphs carry (for single-label data: the most frequent topic), with
//! the training frequency as the score. A classifier that cannot beat this has learnt nothing
//! from the text.

use ndarray::{Array2, ArrayView2};
use serde::{Deserialize, Serialize};

use super::{Classifier, FitContext, Fitted, Predictions};
use crate::error::Result;
use crate::features::{Csr, FeatureSpec};

/// No hyperparameters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Majority;

/// Training frequency per topic and the decision for every paragraph.
pub struct FittedMajority {
    freq: Vec<f64>,
    decide: Vec<bool>,
}

impl Classifier for Majority {
    fn name(&self) -> &'static str {
        "majority"
    }
    fn describe(&self) -> String {
        "label-prior floor: every topic carried by most training paragraphs (single-label: the commonest)"
            .to_owned()
    }
    fn features(&self) -> FeatureSpec {
        FeatureSpec::COUNTS
    }
    fn params(&self) -> serde_json::Value {
        serde_json::json!({})
    }
    fn fit(&self, _x: &Csr, y: ArrayView2<bool>, ctx: &FitContext) -> Result<Box<dyn Fitted>> {
        let n = y.nrows().max(1) as f64;
        let freq: Vec<f64> = y
            .columns()
            .into_iter()
            .map(|c| c.iter().filter(|&&b| b).count() as f64 / n)
            .collect();
        let decide = if ctx.single_label {
            let best = (0..freq.len()).fold(0, |b, k| if freq[k] > freq[b] { k } else { b });
            (0..freq.len())
                .map(|k| k == best && !freq.is_empty())
                .collect()
        } else {
            freq.iter().map(|&f| f > 0.5).collect()
        };
        Ok(Box::new(FittedMajority { freq, decide }))
    }
}

impl Fitted for FittedMajority {
    fn predict(&self, x: &Csr) -> Predictions {
        let n = x.n_rows();
        let t = self.freq.len();
        Predictions {
            scores: Array2::from_shape_fn((n, t), |(_, k)| self.freq[k]),
            decisions: Array2::from_shape_fn((n, t), |(_, k)| self.decide[k]),
        }
    }
}
