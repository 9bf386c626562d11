//! Why the baseline decides as it does: its top words per topic and the paragraphs it misses
//! most often ([`explain`]).

#[allow(unused_imports)]
use super::*;

/// The explanation of the baseline: the words with the highest log-probability ratio per topic,
/// and the paragraphs it gets wrong most often.
#[derive(Debug, Clone)]
pub struct Explanation {
    /// Per topic, up to ten (word, log-probability ratio) pairs, highest first.
    pub top_words: Vec<Vec<(String, f64)>>,
    /// (dataset item index, times wrong, predicted topic ids the first time it was wrong).
    pub hardest: Vec<(usize, usize, Vec<usize>)>,
}

/// Per topic, the `n` words with the highest log-probability ratio log P(w | yes) − log P(w | no)
/// (multi-class: the highest log P(w | topic)) in a multinomial naive Bayes — the baseline's
/// model, computed on the sparse matrix — fitted on every item that is on the training side of
/// some fold (all items under cross-validation; the `train` rows with `--split test`). Ties go to
/// the word that sorts first. `tokenized` is the unigram tokenization of `prepared`'s items when
/// there is one.
pub fn top_words(
    ds: &Dataset,
    prepared: &Prepared,
    tokenized: Option<&Tokenized>,
    n: usize,
) -> Vec<Vec<(String, f64)>> {
    let p = prepared;
    let owned;
    let tok = match tokenized {
        Some(t) => t,
        None => {
            let texts: Vec<&str> = p.items.iter().map(|&i| ds.items[i].text.as_str()).collect();
            owned = Tokenized::new(&texts, 1);
            &owned
        }
    };
    let mut in_train = vec![false; p.items.len()];
    for fold in &p.folds {
        for &r in &fold.train {
            in_train[r] = true;
        }
    }
    // One fold: its training rows (the model that fold's baseline fits, what `run` takes the
    // words from when it can).
    let rows: Vec<usize> = match p.folds.as_slice() {
        [only] => only.train.clone(),
        _ => (0..p.items.len()).filter(|&r| in_train[r]).collect(),
    };
    let vocab = Vocabulary::fit(tok, &rows, FeatureSpec::COUNTS);
    // The model's word weights depend only on each topic's summed counts (its "yes" rows, and
    // all rows), so rows with the same gold topics are summed into one (exact: integer counts)
    // and the matrix has a row per distinct topic set instead of one per document.
    let mut sets: BTreeMap<Vec<bool>, usize> = BTreeMap::new();
    let mut members: Vec<Vec<usize>> = Vec::new();
    for &r in &rows {
        let next = members.len();
        let s = *sets.entry(p.gold.row(r).to_vec()).or_insert(next);
        if s == next {
            members.push(Vec::new());
        }
        members[s].push(r);
    }
    let x = vocab.transform_summed(tok, &members);
    let firsts: Vec<usize> = members.iter().map(|m| m[0]).collect();
    let y = p.gold.select(Axis(0), &firsts);
    let model = classifiers::sparse_nb::SparseMultinomialNb::default().fit_model(
        &x,
        y.view(),
        p.single_label,
    );
    let Some(top) = model.ok().and_then(|m| m.top_features(n)) else {
        return vec![Vec::new(); p.gold.ncols()];
    };
    top_words_of(top, &vocab, tok)
}

/// Per topic, the words of the top (column, weight) pairs, highest weight first.
pub(super) fn top_words_of(
    top: Vec<Vec<(usize, f64)>>,
    vocab: &Vocabulary,
    tok: &Tokenized,
) -> TopWords {
    top.into_iter()
        .map(|t| {
            t.into_iter()
                .map(|(c, w)| (vocab.term(tok, c).to_owned(), w))
                .collect()
        })
        .collect()
}

/// Explains the baseline: its top words ([`top_words`]; reused from [`run`] when it computed
/// them), and the paragraphs whose predicted set most often differs from the gold set across
/// repeats.
pub fn explain(ds: &Dataset, run: &EvalRun, baseline: &str, how_many: usize) -> Explanation {
    let p = &run.prepared;
    let top_words = run
        .top_words
        .clone()
        .unwrap_or_else(|| top_words(ds, p, None, TOP_WORDS));

    let mut wrong: Vec<(usize, Option<Vec<usize>>)> = vec![(0, None); p.items.len()];
    if let Some(Ok(runs)) = run
        .runs
        .iter()
        .find(|r| r.name == baseline)
        .map(|r| &r.outcome)
    {
        for fr in runs {
            for (k, &item) in p.folds[fr.fold].test.iter().enumerate() {
                let pred = fr.pred.decisions.row(k);
                if pred != p.gold.row(item) {
                    wrong[item].0 += 1;
                    wrong[item].1.get_or_insert_with(|| {
                        pred.iter()
                            .enumerate()
                            .filter(|&(_, &b)| b)
                            .map(|(t, _)| t)
                            .collect()
                    });
                }
            }
        }
    }
    let mut hardest: Vec<(usize, usize, Vec<usize>)> = wrong
        .into_iter()
        .enumerate()
        .filter(|(_, (n, _))| *n > 0)
        .map(|(item, (n, pred))| (p.items[item], n, pred.unwrap_or_default()))
        .collect();
    hardest.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    hardest.truncate(how_many);
    Explanation { top_words, hardest }
}
