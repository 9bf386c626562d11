//! Planning an evaluation: the scheme, the evaluated items, their gold topics, near-duplicate
//! groups and folds ([`prepare`]).

#[allow(unused_imports)]
use super::*;

/// How to split the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// Repeated k-fold over near-duplicate groups, stratified over topics.
    KFold {
        /// Folds per repeat.
        folds: usize,
        /// Repeats.
        repeats: usize,
    },
    /// One fold per article, group mates of the test article dropped from training.
    LeaveOneArticleOut,
    /// Train on the rows marked `train`, test on those marked `test` (CSV corpora).
    TrainTest,
}

impl Scheme {
    /// Name used in reports.
    pub fn name(&self) -> &'static str {
        match self {
            Scheme::KFold { .. } => "kfold",
            Scheme::LeaveOneArticleOut => "article",
            Scheme::TrainTest => "split",
        }
    }
}

/// The items, gold labels and folds of one evaluation.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// Dataset indices of the evaluated items; fold indices refer to positions in this list.
    pub items: Vec<usize>,
    /// items × topics.
    pub gold: Array2<bool>,
    /// The folds, in (repeat, fold) order.
    pub folds: Vec<Fold>,
    /// Number of repeats.
    pub repeats: usize,
    /// Every item has exactly one topic.
    pub single_label: bool,
    /// Number of distinct near-duplicate groups among the items.
    pub groups: usize,
    /// Per item, its near-duplicate group (0..`groups`, in order of first appearance): the unit
    /// that resampling tests and intervals draw or swap whole.
    pub group_of: Vec<usize>,
}

impl Prepared {
    /// Is there one held-out test set (`--split test`) rather than cross-validation folds?
    pub fn held_out(&self) -> bool {
        self.folds.len() == 1
    }

    /// Per item, whether it is scored (on the test side of a fold of the first repeat; every
    /// repeat tests the same items).
    pub fn tested(&self) -> Vec<bool> {
        let mut t = vec![false; self.items.len()];
        for fold in self.folds.iter().filter(|f| f.repeat == 0) {
            for &r in &fold.test {
                t[r] = true;
            }
        }
        t
    }
}

/// Chooses items and folds. Fails with a clear message when the data cannot be evaluated.
pub fn prepare(ds: &Dataset, scheme: Scheme, seed: u64) -> Result<Prepared> {
    let items = ds.body();
    if items.is_empty() {
        return Err(Error::Data(
            "no body paragraphs to evaluate: label some paragraphs `body`".into(),
        ));
    }
    if items.iter().all(|&i| ds.items[i].text.trim().is_empty()) {
        return Err(Error::Data(
            "every text is empty: there is nothing to learn from: give the documents their text"
                .into(),
        ));
    }
    let n_topics = ds.topics.len();
    if n_topics < 2 && items.iter().all(|&i| ds.items[i].topics.len() == 1) {
        return Err(Error::Data(format!(
            "the corpus has a single class (`{}`): a classifier needs at least two to tell apart",
            ds.topics.first().map_or("", |t| t.id.as_str())
        )));
    }
    let mut gold = Array2::from_elem((items.len(), n_topics), false);
    for (r, &i) in items.iter().enumerate() {
        for &t in &ds.items[i].topics {
            gold[[r, t]] = true;
        }
    }
    for (t, topic) in ds.topics.iter().enumerate() {
        if !gold.column(t).iter().any(|&b| b) {
            return Err(Error::Data(format!(
                "topic `{}` has no positive example among the evaluated paragraphs: label some, or remove it from the topic list",
                topic.id
            )));
        }
    }
    let single_label = items.iter().all(|&i| ds.items[i].topics.len() == 1);
    // Compress group ids to 0..g in order of first appearance.
    let mut group_ids: BTreeMap<usize, usize> = BTreeMap::new();
    let groups: Vec<usize> = items
        .iter()
        .map(|&i| {
            let next = group_ids.len();
            *group_ids.entry(ds.items[i].group).or_insert(next)
        })
        .collect();
    let labels: Vec<Vec<usize>> = items.iter().map(|&i| ds.items[i].topics.clone()).collect();
    let (folds, repeats) = match scheme {
        Scheme::KFold { folds, repeats } => (
            folds::repeated_kfold(&labels, n_topics, &groups, folds, repeats, seed)
                .map_err(|e| Error::Usage(e.to_string()))?,
            repeats,
        ),
        Scheme::LeaveOneArticleOut => {
            let mut docs: BTreeMap<&str, usize> = BTreeMap::new();
            for &i in &items {
                let next = docs.len();
                docs.entry(ds.items[i].doc.as_str()).or_insert(next);
            }
            if docs.len() < 2 {
                return Err(Error::Usage(
                    "leave-one-article-out needs at least two articles".into(),
                ));
            }
            let keys: Vec<usize> = items
                .iter()
                .map(|&i| docs[ds.items[i].doc.as_str()])
                .collect();
            (
                folds::leave_one_out(&keys, &groups).map_err(|e| Error::Usage(e.to_string()))?,
                1,
            )
        }
        Scheme::TrainTest => {
            let mut train = Vec::new();
            let mut test = Vec::new();
            for (r, &i) in items.iter().enumerate() {
                match ds.items[i].is_test {
                    Some(true) => test.push(r),
                    Some(false) => train.push(r),
                    None => {
                        return Err(Error::Usage(
                            "--split test needs a corpus with a `split` column (train/test on every row)".into(),
                        ));
                    }
                }
            }
            if train.is_empty() || test.is_empty() {
                return Err(Error::Usage(format!(
                    "--split test needs train and test rows; the corpus has {} train and {} test",
                    train.len(),
                    test.len()
                )));
            }
            (
                vec![Fold {
                    repeat: 0,
                    fold: 0,
                    train,
                    test,
                }],
                1,
            )
        }
    };
    Ok(Prepared {
        items,
        gold,
        folds,
        repeats,
        single_label,
        groups: group_ids.len(),
        group_of: groups,
    })
}
