//! `predict`: fit one classifier on every evaluated document and label new texts
//! ([`fit_and_predict`]).

#[allow(unused_imports)]
use super::*;

/// Fits `classifier` on every body item and predicts `texts` (for `topicbench predict`).
pub fn fit_and_predict(
    ds: &Dataset,
    classifier: &dyn Classifier,
    texts: &[String],
    seed: u64,
    memory_budget_bytes: u64,
) -> Result<Predictions> {
    classifier.check()?;
    let prepared_items = ds.body();
    let n_topics = ds.topics.len();
    let mut all: Vec<&str> = prepared_items
        .iter()
        .map(|&i| ds.items[i].text.as_str())
        .collect();
    all.extend(texts.iter().map(String::as_str));
    let spec = classifier.features();
    let tok = Tokenized::new(&all, spec.ngram_max);
    let train: Vec<usize> = (0..prepared_items.len()).collect();
    let new: Vec<usize> = (prepared_items.len()..all.len()).collect();
    let vocab = Vocabulary::fit(&tok, &train, spec);
    let mut y = Array2::from_elem((train.len(), n_topics), false);
    for (r, &i) in prepared_items.iter().enumerate() {
        for &t in &ds.items[i].topics {
            y[[r, t]] = true;
        }
    }
    let single_label = prepared_items
        .iter()
        .all(|&i| ds.items[i].topics.len() == 1);
    let groups: Vec<usize> = prepared_items
        .iter()
        .map(|&i| ds.items[i].group)
        .chain(new.iter().map(|_| usize::MAX))
        .collect();
    let gold = {
        let mut g = Array2::from_elem((all.len(), n_topics), false);
        g.slice_mut(ndarray::s![..train.len(), ..]).assign(&y);
        g
    };
    let view = classifiers::FoldView {
        tokenized: &tok,
        rows: &train,
        groups: &groups,
        gold: gold.view(),
        spec,
    };
    let model = classifier.fit_fold(
        &vocab.transform(&tok, &train),
        y.view(),
        &FitContext {
            seed,
            single_label,
            memory_budget_bytes,
        },
        &view,
    )?;
    Ok(model.predict(&vocab.transform(&tok, &new)))
}
