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
    /// SHA-256 (hex) of what decides which predictions a fold holds and how they are resampled:
    /// the evaluated items, every fold's training and test items, and each item's near-duplicate
    /// group. Shards record it and `merge` compares it with its own plan, so shards never get
    /// merged onto folds other than the ones they ran (another seed, threshold, grouping method
    /// or a version that groups differently).
    pub fn fingerprint(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        let mut list = |tag: &[u8], values: &[usize]| {
            h.update(tag);
            h.update((values.len() as u64).to_le_bytes());
            for &v in values {
                h.update((v as u64).to_le_bytes());
            }
        };
        list(b"items", &self.items);
        list(b"groups", &self.group_of);
        for f in &self.folds {
            list(b"fold", &[f.repeat, f.fold]);
            list(b"train", &f.train);
            list(b"test", &f.test);
        }
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(group_of: Vec<usize>, first_test: Vec<usize>) -> Prepared {
        let fold = |fold, train, test| Fold {
            repeat: 0,
            fold,
            train,
            test,
        };
        Prepared {
            items: vec![0, 1, 2, 3],
            gold: Array2::from_elem((4, 1), true),
            folds: vec![
                fold(0, vec![2, 3], first_test),
                fold(1, vec![0, 1], vec![2, 3]),
            ],
            repeats: 1,
            single_label: true,
            groups: 3,
            group_of,
        }
    }

    // Python's hashlib over the documented encoding (tag, then the length and each value as
    // little-endian u64): items [0,1,2,3]; groups [0,0,1,2]; fold [0,0] train [2,3] test [0,1];
    // fold [0,1] train [0,1] test [2,3] ->
    // 70edf573697bd95c52d270644c498127284c23575b0b74090fcef6366723d655
    #[test]
    fn the_fingerprint_covers_folds_and_groups() {
        let base = plan(vec![0, 0, 1, 2], vec![0, 1]);
        assert_eq!(
            base.fingerprint(),
            "70edf573697bd95c52d270644c498127284c23575b0b74090fcef6366723d655"
        );
        assert_ne!(
            base.fingerprint(),
            plan(vec![0, 1, 1, 2], vec![0, 1]).fingerprint()
        );
        assert_ne!(
            base.fingerprint(),
            plan(vec![0, 0, 1, 2], vec![1, 0]).fingerprint()
        );
    }
}
