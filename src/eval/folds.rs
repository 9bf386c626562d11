//! Leakage-safe cross-validation splits: repeated k-fold with multi-label iterative
//! stratification ([`repeated_kfold`]) and leave-one-key-out ([`leave_one_out`]). Both keep every
//! near-duplicate group on one side of every split, so no test item has a copy in training.
//!
//! The evaluation driver (`eval.rs`) calls this module with, for each evaluated item, its set of
//! topic ids, its near-duplicate group id (from `groups`) and, for leave-one-out, the key of the
//! article it comes from. It sees only those ids, never text. Folds are deterministic: the RNG is
//! ChaCha8 (the same stream on every platform) and no hash-map order affects the result, so the
//! same inputs and seed give the same folds on any machine.

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// One train/test split over items `0..n`. Both lists are sorted ascending and disjoint.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Fold {
    /// Repeat number, from 0 (always 0 for leave-one-out).
    pub repeat: usize,
    /// Fold number within the repeat, from 0.
    pub fold: usize,
    /// Items to train on.
    pub train: Vec<usize>,
    /// Items to test on.
    pub test: Vec<usize>,
}

impl Fold {
    /// The fold's short name in reports, `r{repeat}f{fold}`, e.g. `r0f1`.
    pub fn name(&self) -> String {
        format!("r{}f{}", self.repeat, self.fold)
    }
}

/// Why folds could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SplitError {
    /// Fewer than two folds per repeat.
    #[error("{0} fold(s) per repeat: cross-validation needs at least 2; use --folds 2 or more")]
    TooFewFolds(usize),
    /// Zero repeats.
    #[error("0 repeats: use --repeats 1 or more")]
    NoRepeats,
    /// Two per-item inputs of different lengths (a bug in the caller).
    #[error(
        "{what} has {got} entries but there are {items} items: give one entry per item (this is a bug in the caller)"
    )]
    LengthMismatch {
        /// The input that is the wrong length (`groups`).
        what: &'static str,
        /// Number of items.
        items: usize,
        /// Its length.
        got: usize,
    },
    /// An item's topic id is outside the topic list (a bug in the caller).
    #[error(
        "item {item} has topic id {topic} but there are only {n_topics} topics: build topic ids from the topic list (this is a bug in the caller)"
    )]
    UnknownTopic {
        /// The item.
        item: usize,
        /// Its out-of-range topic id.
        topic: usize,
        /// Number of topics.
        n_topics: usize,
    },
    /// Fewer near-duplicate groups than folds, so some test fold would be empty.
    #[error("{}", too_few_groups(*folds, *groups))]
    TooFewGroups {
        /// Folds per repeat requested.
        folds: usize,
        /// Distinct near-duplicate groups among the items.
        groups: usize,
    },
    /// No items at all.
    #[error("no items to split: evaluation needs labelled items")]
    NoItems,
    /// Leave-one-out with a single key value: nothing to train on.
    #[error(
        "leave-one-out needs at least 2 distinct articles but the items come from {0}: use k-fold cross-validation (--cv kfold)"
    )]
    TooFewKeys(usize),
    /// Leaving out one key value leaves nothing to train on, because every other item is a
    /// near-duplicate of one of its items.
    #[error(
        "the leave-one-out fold for key {key} has no training items (every other item is a near-duplicate of one of its items): use k-fold cross-validation (--cv kfold)"
    )]
    NoTraining {
        /// The key value whose fold has an empty training set.
        key: usize,
    },
}

fn too_few_groups(folds: usize, groups: usize) -> String {
    if groups < 2 {
        format!(
            "{folds} folds but the evaluated items form only {groups} near-duplicate group: \
             add items that are not near-duplicates of each other"
        )
    } else {
        format!(
            "{folds} folds but only {groups} near-duplicate groups among the evaluated items: \
             use --folds {groups} or fewer"
        )
    }
}

/// Repeated k-fold over groups with iterative stratification (Sechidis, Tsoumakas & Vlahavas
/// 2011, "On the stratification of multi-label data"), applied to groups as the units.
///
/// `labels[i]` are item `i`'s topic ids (each `< n_topics`, possibly none; duplicates count
/// once) and `groups[i]` its near-duplicate group id (any values). Returns `k * repeats` folds in
/// (repeat, fold) order. In each repeat the test sets partition the items, no test set is
/// empty, and items sharing a group are always on the same side. Each fold aims at `n / k`
/// items and `positives / k` items of every topic. The rarest topics are placed first, so
/// per-topic counts per fold usually come out within about one group of each other; a topic
/// whose groups mostly also carry a rarer topic, and so were placed for that one, can be
/// further off. The RNG (ChaCha8, seeded from `seed` with one stream per repeat) shuffles the
/// groups and breaks ties, so repeats differ and the same seed gives the same folds everywhere.
pub fn repeated_kfold(
    labels: &[Vec<usize>],
    n_topics: usize,
    groups: &[usize],
    k: usize,
    repeats: usize,
    seed: u64,
) -> Result<Vec<Fold>, SplitError> {
    if k < 2 {
        return Err(SplitError::TooFewFolds(k));
    }
    if repeats < 1 {
        return Err(SplitError::NoRepeats);
    }
    let n = labels.len();
    check_items(n, groups)?;
    let units = Units::new(labels, n_topics, groups)?;
    if units.size.len() < k {
        return Err(SplitError::TooFewGroups {
            folds: k,
            groups: units.size.len(),
        });
    }
    let mut folds = Vec::new();
    for repeat in 0..repeats {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(repeat as u64);
        let fold_of_group = units.stratify(k, &mut rng);
        let fold_of_item: Vec<usize> = units.of_item.iter().map(|&g| fold_of_group[g]).collect();
        for fold in 0..k {
            let (test, train) = (0..n).partition(|&i| fold_of_item[i] == fold);
            folds.push(Fold {
                repeat,
                fold,
                train,
                test,
            });
        }
    }
    Ok(folds)
}

/// Near-duplicate groups as the units of stratification.
struct Units {
    /// Dense group id (`0..size.len()`) of each item.
    of_item: Vec<usize>,
    /// Number of items in each group.
    size: Vec<usize>,
    /// Each group's topics with the number of its members carrying them, by topic id.
    topics: Vec<Vec<(usize, usize)>>,
    /// Number of items carrying each topic, up to the largest topic id used.
    positives: Vec<usize>,
}

impl Units {
    fn new(labels: &[Vec<usize>], n_topics: usize, groups: &[usize]) -> Result<Self, SplitError> {
        let (of_item, distinct) = dense(groups);
        let mut size = vec![0; distinct.len()];
        let mut members: Vec<Vec<usize>> = vec![Vec::new(); distinct.len()];
        // Topics above the largest id used have no positives and do not matter; leaving them out
        // keeps memory bounded by the input whatever `n_topics` is.
        let mut used = 0;
        for (i, item_topics) in labels.iter().enumerate() {
            for &t in item_topics {
                if t >= n_topics {
                    return Err(SplitError::UnknownTopic {
                        item: i,
                        topic: t,
                        n_topics,
                    });
                }
                used = used.max(t + 1);
            }
        }
        let mut positives = vec![0; used];
        // `seen[t] == i` once topic t was counted for item i, so a repeated id counts once.
        let mut seen = vec![usize::MAX; used];
        for (i, item_topics) in labels.iter().enumerate() {
            let g = of_item[i];
            size[g] += 1;
            for &t in item_topics {
                if seen[t] != i {
                    seen[t] = i;
                    positives[t] += 1;
                    members[g].push(t);
                }
            }
        }
        let topics = members
            .into_iter()
            .map(|mut ts| {
                ts.sort_unstable();
                ts.chunk_by(|a, b| a == b)
                    .map(|c| (c[0], c.len()))
                    .collect()
            })
            .collect();
        Ok(Units {
            of_item,
            size,
            topics,
            positives,
        })
    }

    /// Assigns each group to one of `k` folds by iterative stratification; returns the fold of
    /// each group.
    fn stratify(&self, k: usize, rng: &mut ChaCha8Rng) -> Vec<usize> {
        let mut plan = Plan::new(self, k);
        let mut order: Vec<usize> = (0..self.size.len()).collect();
        order.shuffle(rng);
        let mut by_topic: Vec<Vec<usize>> = vec![Vec::new(); self.positives.len()];
        for &g in &order {
            for &(t, _) in &self.topics[g] {
                by_topic[t].push(g);
            }
        }
        // Rarest remaining topic first (lowest id on ties); each pass places all its groups.
        while let Some(t) = (0..self.positives.len())
            .filter(|&t| plan.remaining[t] > 0)
            .min_by_key(|&t| plan.remaining[t])
        {
            for &g in &by_topic[t] {
                if plan.fold_of[g] == UNASSIGNED {
                    let f = best_fold(k, rng, |f| (plan.want_topic(f, t), plan.want_size[f]));
                    plan.assign(self, g, f);
                }
            }
        }
        for &g in &order {
            if self.topics[g].is_empty() {
                let f = best_fold(k, rng, |f| (plan.want_size[f], 0));
                plan.assign(self, g, f);
            }
        }
        plan.fold_of
    }
}

const UNASSIGNED: usize = usize::MAX;

/// The state of one repeat's assignment.
///
/// Remaining desired counts are kept multiplied by `k` (`positives - k * assigned`), so they are
/// exact integers and ties are real ties. A fold with no groups yet has the largest remaining
/// count for every topic and for size, so it always wins or ties: the first `k` groups go to `k`
/// different folds, and no fold is left empty.
struct Plan {
    k: i64,
    n_topics: usize,
    /// Fold-major `k × n_topics`: remaining desired positives of each topic, times `k`.
    want_topic: Vec<i64>,
    /// Remaining desired items per fold, times `k`.
    want_size: Vec<i64>,
    /// Positives of each topic among the unassigned groups.
    remaining: Vec<usize>,
    /// Fold of each group, or `UNASSIGNED`.
    fold_of: Vec<usize>,
}

impl Plan {
    fn new(units: &Units, k: usize) -> Self {
        let n_topics = units.positives.len();
        Plan {
            k: k as i64,
            n_topics,
            want_topic: (0..k)
                .flat_map(|_| units.positives.iter().map(|&p| p as i64))
                .collect(),
            want_size: vec![units.of_item.len() as i64; k],
            remaining: units.positives.clone(),
            fold_of: vec![UNASSIGNED; units.size.len()],
        }
    }

    fn want_topic(&self, f: usize, t: usize) -> i64 {
        self.want_topic[f * self.n_topics + t]
    }

    fn assign(&mut self, units: &Units, g: usize, f: usize) {
        self.fold_of[g] = f;
        self.want_size[f] -= self.k * units.size[g] as i64;
        for &(t, c) in &units.topics[g] {
            self.want_topic[f * self.n_topics + t] -= self.k * c as i64;
            self.remaining[t] -= c;
        }
    }
}

/// The fold in `0..k` with the largest `score`, ties broken uniformly at random (reservoir
/// sampling over the tied folds; `u64` draws keep the stream the same on every platform).
fn best_fold(k: usize, rng: &mut ChaCha8Rng, score: impl Fn(usize) -> (i64, i64)) -> usize {
    let mut best = 0;
    let mut best_score = score(0);
    let mut ties = 1u64;
    for f in 1..k {
        let s = score(f);
        if s > best_score {
            (best, best_score, ties) = (f, s, 1);
        } else if s == best_score {
            ties += 1;
            if rng.gen_range(0..ties) == 0 {
                best = f;
            }
        }
    }
    best
}

/// Renumbers `ids` densely in ascending order: returns each entry's rank among the distinct
/// values, and the distinct values in ascending order.
fn dense(ids: &[usize]) -> (Vec<usize>, Vec<usize>) {
    let mut distinct = ids.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    let ranks = ids
        .iter()
        // Every id is found; `Err` cannot happen but needs no panic path.
        .map(|id| match distinct.binary_search(id) {
            Ok(r) | Err(r) => r,
        })
        .collect();
    (ranks, distinct)
}

/// Both splitters' input checks: one group per item, and at least one item.
fn check_items(n: usize, groups: &[usize]) -> Result<(), SplitError> {
    if groups.len() != n {
        return Err(SplitError::LengthMismatch {
            what: "groups",
            items: n,
            got: groups.len(),
        });
    }
    if n == 0 {
        return Err(SplitError::NoItems);
    }
    Ok(())
}

/// Leave-one-out over a partition key (e.g. the article each paragraph comes from): one fold
/// per distinct key value, in ascending key order, all in repeat 0.
///
/// A fold's test set is the items with that key; its training set is every other item except
/// those sharing a near-duplicate group (`groups[i]`) with a test item, which are dropped so no
/// near-duplicate of a test item is trained on. Fails when there are fewer than two key values,
/// or when dropping group mates leaves a fold nothing to train on.
pub fn leave_one_out(keys: &[usize], groups: &[usize]) -> Result<Vec<Fold>, SplitError> {
    let n = keys.len();
    check_items(n, groups)?;
    let (key_of, key_values) = dense(keys);
    if key_values.len() < 2 {
        return Err(SplitError::TooFewKeys(key_values.len()));
    }
    let (group_of, group_values) = dense(groups);
    let mut items_of_key: Vec<Vec<usize>> = vec![Vec::new(); key_values.len()];
    for (i, &key) in key_of.iter().enumerate() {
        items_of_key[key].push(i);
    }
    let mut in_test = vec![false; group_values.len()];
    let mut folds = Vec::with_capacity(key_values.len());
    for (fold, test) in items_of_key.into_iter().enumerate() {
        for &i in &test {
            in_test[group_of[i]] = true;
        }
        let train: Vec<usize> = (0..n).filter(|&i| !in_test[group_of[i]]).collect();
        for &i in &test {
            in_test[group_of[i]] = false;
        }
        if train.is_empty() {
            return Err(SplitError::NoTraining {
                key: key_values[fold],
            });
        }
        folds.push(Fold {
            repeat: 0,
            fold,
            train,
            test,
        });
    }
    Ok(folds)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand::Rng;

    /// Panics unless `folds` has every invariant of a k-fold result.
    fn check_kfold(folds: &[Fold], groups: &[usize], k: usize, repeats: usize) {
        let n = groups.len();
        assert_eq!(folds.len(), k * repeats);
        for (r, repeat) in folds.chunks(k).enumerate() {
            let mut times_tested = vec![0; n];
            for (f, fold) in repeat.iter().enumerate() {
                assert_eq!((fold.repeat, fold.fold), (r, f));
                assert!(
                    !fold.test.is_empty(),
                    "{} has an empty test set",
                    fold.name()
                );
                assert!(fold.test.windows(2).all(|w| w[0] < w[1]));
                assert!(fold.train.windows(2).all(|w| w[0] < w[1]));
                let mut all: Vec<usize> = fold.train.iter().chain(&fold.test).copied().collect();
                all.sort_unstable();
                assert_eq!(all, (0..n).collect::<Vec<_>>(), "train + test = all items");
                for &i in &fold.test {
                    times_tested[i] += 1;
                }
                assert_no_straddle(fold, groups);
            }
            assert!(
                times_tested.iter().all(|&c| c == 1),
                "repeat {r}: tests partition items"
            );
        }
    }

    fn assert_no_straddle(fold: &Fold, groups: &[usize]) {
        for &i in &fold.train {
            for &j in &fold.test {
                assert_ne!(groups[i], groups[j], "{}: group split", fold.name());
            }
        }
    }

    /// Per repeat and topic, the largest difference between folds in test positives, summed
    /// (`.0`) and at worst (`.1`).
    fn imbalance(
        folds: &[Fold],
        labels: &[Vec<usize>],
        n_topics: usize,
        k: usize,
    ) -> (usize, usize) {
        let (mut sum, mut worst) = (0, 0);
        for repeat in folds.chunks(k) {
            for t in 0..n_topics {
                let counts: Vec<usize> = repeat
                    .iter()
                    .map(|f| f.test.iter().filter(|&&i| labels[i].contains(&t)).count())
                    .collect();
                let d = counts.iter().max().unwrap() - counts.iter().min().unwrap();
                sum += d;
                worst = worst.max(d);
            }
        }
        (sum, worst)
    }

    /// `n` items with 1-3 topics each (drawn with replacement), skewed so high ids are rare.
    fn random_labels(n: usize, n_topics: usize, seed: u64) -> Vec<Vec<usize>> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        (0..n)
            .map(|_| {
                let m = rng.gen_range(1..=3);
                (0..m)
                    .map(|_| {
                        let x: f64 = rng.gen_range(0.0..1.0);
                        ((x * x) * n_topics as f64) as usize
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn fold_name() {
        let f = Fold {
            repeat: 0,
            fold: 1,
            train: vec![],
            test: vec![],
        };
        assert_eq!(f.name(), "r0f1");
    }

    #[test]
    fn folds_partition_items_and_keep_groups_whole() {
        let valid = |labels: &[Vec<usize>], n_topics, groups: &[usize], k| {
            for repeats in [1, 3] {
                let folds = repeated_kfold(labels, n_topics, groups, k, repeats, 7).unwrap();
                check_kfold(&folds, groups, k, repeats);
            }
        };
        // Single-label, singleton groups.
        let labels: Vec<Vec<usize>> = (0..10).map(|i| vec![i % 2]).collect();
        valid(&labels, 2, &(0..10).collect::<Vec<_>>(), 3);
        // Multi-label with unlabelled items and multi-member groups.
        let labels = [
            vec![0, 1],
            vec![1],
            vec![],
            vec![2],
            vec![0],
            vec![],
            vec![1, 2],
            vec![0],
        ];
        valid(&labels, 3, &[0, 0, 1, 2, 2, 3, 4, 5], 2);
        // No topics at all, one item per fold.
        valid(&vec![vec![]; 7], 0, &(0..7).collect::<Vec<_>>(), 7);
        // As many groups as folds; sparse, unordered group ids.
        valid(&vec![vec![0]; 6], 1, &[1000, 7, 42, 7, 1000, 42], 3);
    }

    #[test]
    fn as_many_groups_as_folds_gives_one_group_per_fold() {
        let groups = [5, 5, 9, 9, 9, 2];
        let labels = vec![vec![0]; 6];
        for seed in 0..20 {
            let folds = repeated_kfold(&labels, 1, &groups, 3, 1, seed).unwrap();
            check_kfold(&folds, &groups, 3, 1);
            let mut tests: Vec<Vec<usize>> = folds.into_iter().map(|f| f.test).collect();
            tests.sort();
            assert_eq!(tests, vec![vec![0, 1], vec![2, 3, 4], vec![5]]);
        }
    }

    #[test]
    fn stratified_topic_counts_differ_by_at_most_one() {
        let (n, n_topics, k) = (300, 8, 5);
        let groups: Vec<usize> = (0..n).collect();
        for seed in 0..5 {
            let labels = random_labels(n, n_topics, seed);
            let folds = repeated_kfold(&labels, n_topics, &groups, k, 4, seed).unwrap();
            check_kfold(&folds, &groups, k, 4);
            assert!(
                imbalance(&folds, &labels, n_topics, k).1 <= 1,
                "seed {seed}"
            );
        }
    }

    #[test]
    fn stratification_beats_a_random_split() {
        let (n, n_topics, k, repeats) = (300, 8, 5, 10);
        let labels = random_labels(n, n_topics, 1);
        let groups: Vec<usize> = (0..n).collect();
        let folds = repeated_kfold(&labels, n_topics, &groups, k, repeats, 1).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut naive = Vec::new();
        for repeat in 0..repeats {
            let mut order: Vec<usize> = (0..n).collect();
            order.shuffle(&mut rng);
            for fold in 0..k {
                let mut test: Vec<usize> = order.iter().copied().skip(fold).step_by(k).collect();
                test.sort_unstable();
                naive.push(Fold {
                    repeat,
                    fold,
                    train: vec![],
                    test,
                });
            }
        }
        let (ours, ours_worst) = imbalance(&folds, &labels, n_topics, k);
        let (theirs, theirs_worst) = imbalance(&naive, &labels, n_topics, k);
        assert!(ours * 3 < theirs, "stratified {ours} vs random {theirs}");
        assert!(ours_worst < theirs_worst);
    }

    #[test]
    fn groups_with_several_members_stay_together_and_balance() {
        // 60 groups of 1-4 members; the members of a group share its topic.
        let mut labels = Vec::new();
        let mut groups = Vec::new();
        for g in 0..60 {
            for _ in 0..(1 + g * 7 % 4) {
                labels.push(vec![g % 3]);
                groups.push(g);
            }
        }
        for seed in 0..5 {
            let folds = repeated_kfold(&labels, 3, &groups, 4, 5, seed).unwrap();
            check_kfold(&folds, &groups, 4, 5);
            // Within one group (at most 4 members) of each other.
            assert!(imbalance(&folds, &labels, 3, 4).1 <= 4);
        }
    }

    #[test]
    fn unlabelled_items_balance_fold_sizes() {
        let labels = vec![vec![]; 10];
        let groups: Vec<usize> = (0..10).collect();
        let folds = repeated_kfold(&labels, 3, &groups, 5, 2, 0).unwrap();
        assert!(
            folds
                .iter()
                .all(|f| f.test.len() == 2 && f.train.len() == 8)
        );
    }

    #[test]
    fn same_seed_same_folds_other_seed_or_repeat_other_folds() {
        let labels = random_labels(200, 6, 9);
        let groups: Vec<usize> = (0..200).map(|i| i / 2).collect();
        let a = repeated_kfold(&labels, 6, &groups, 5, 3, 11).unwrap();
        let b = repeated_kfold(&labels, 6, &groups, 5, 3, 11).unwrap();
        let c = repeated_kfold(&labels, 6, &groups, 5, 3, 12).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
        let tests = |folds: &[Fold]| folds.iter().map(|f| f.test.clone()).collect::<Vec<_>>();
        assert_ne!(tests(&a[0..5]), tests(&a[5..10]));
        assert_ne!(tests(&a[5..10]), tests(&a[10..15]));
        // Repeat r does not depend on how many repeats were asked for.
        assert_eq!(
            repeated_kfold(&labels, 6, &groups, 5, 1, 11).unwrap(),
            a[0..5]
        );
    }

    #[test]
    fn folds_are_pinned() {
        // Guards portability: ChaCha8 and the algorithm must give these folds everywhere.
        let labels = vec![
            vec![0],
            vec![0, 1],
            vec![1],
            vec![],
            vec![0],
            vec![1],
            vec![2],
            vec![0, 2],
        ];
        let groups = [0, 1, 2, 3, 4, 4, 5, 6];
        let folds = repeated_kfold(&labels, 3, &groups, 3, 2, 42).unwrap();
        let tests: Vec<Vec<usize>> = folds.into_iter().map(|f| f.test).collect();
        assert_eq!(tests, PINNED);
    }

    const PINNED: [&[usize]; 6] = [
        &[1, 7],
        &[4, 5, 6],
        &[0, 2, 3],
        &[4, 5],
        &[0, 2, 6],
        &[1, 3, 7],
    ];

    #[test]
    fn kfold_errors() {
        let labels = vec![vec![0], vec![1], vec![0]];
        let groups = [0, 1, 2];
        let err =
            |l: &[Vec<usize>], t, g: &[usize], k, r| repeated_kfold(l, t, g, k, r, 0).unwrap_err();
        assert_eq!(err(&labels, 2, &groups, 1, 1), SplitError::TooFewFolds(1));
        assert_eq!(err(&labels, 2, &groups, 0, 1), SplitError::TooFewFolds(0));
        assert_eq!(err(&labels, 2, &groups, 2, 0), SplitError::NoRepeats);
        assert_eq!(
            err(&labels, 2, &groups[..2], 2, 1),
            SplitError::LengthMismatch {
                what: "groups",
                items: 3,
                got: 2
            }
        );
        assert_eq!(
            err(&labels, 1, &groups, 2, 1),
            SplitError::UnknownTopic {
                item: 1,
                topic: 1,
                n_topics: 1
            }
        );
        assert_eq!(err(&[], 2, &[], 2, 1), SplitError::NoItems);
        // A huge topic count is only a bound; memory follows the ids actually used.
        assert!(repeated_kfold(&labels, usize::MAX, &groups, 3, 1, 0).is_ok());
        let e = err(&labels, 2, &groups, 5, 1);
        assert_eq!(
            e,
            SplitError::TooFewGroups {
                folds: 5,
                groups: 3
            }
        );
        assert_eq!(
            e.to_string(),
            "5 folds but only 3 near-duplicate groups among the evaluated items: use --folds 3 or fewer"
        );
        let e = err(&labels, 2, &[4, 4, 4], 2, 1);
        assert_eq!(
            e,
            SplitError::TooFewGroups {
                folds: 2,
                groups: 1
            }
        );
        assert!(e.to_string().contains("add items"));
        assert_eq!(
            err(&labels, 2, &groups, usize::MAX, usize::MAX),
            SplitError::TooFewGroups {
                folds: usize::MAX,
                groups: 3
            }
        );
    }

    #[test]
    fn repeated_topic_ids_count_once() {
        // `random_labels` draws topics with replacement, so some items repeat an id.
        let labels = random_labels(300, 8, 4);
        let deduped: Vec<Vec<usize>> = labels
            .iter()
            .map(|ts| {
                let mut ts = ts.clone();
                ts.sort_unstable();
                ts.dedup();
                ts
            })
            .collect();
        assert_ne!(labels, deduped);
        let groups: Vec<usize> = (0..300).map(|i| i / 3).collect();
        for seed in 0..5 {
            assert_eq!(
                repeated_kfold(&labels, 8, &groups, 5, 2, seed),
                repeated_kfold(&deduped, 8, &groups, 5, 2, seed)
            );
        }
    }

    #[test]
    fn leave_one_out_one_fold_per_key_in_key_order() {
        let keys = [7, 3, 7, 3, 9];
        let groups = [0, 1, 2, 3, 4];
        let folds = leave_one_out(&keys, &groups).unwrap();
        let got: Vec<(usize, usize, Vec<usize>, Vec<usize>)> = folds
            .into_iter()
            .map(|f| (f.repeat, f.fold, f.test, f.train))
            .collect();
        assert_eq!(
            got,
            vec![
                (0, 0, vec![1, 3], vec![0, 2, 4]),
                (0, 1, vec![0, 2], vec![1, 3, 4]),
                (0, 2, vec![4], vec![0, 1, 2, 3]),
            ]
        );
    }

    #[test]
    fn leave_one_out_drops_group_mates_from_training() {
        // Item 1 (key 0) and item 3 (key 1) are near-duplicates; so are items 4 and 5 (key 2).
        let keys = [0, 0, 1, 1, 2, 2];
        let groups = [10, 11, 12, 11, 13, 13];
        let folds = leave_one_out(&keys, &groups).unwrap();
        assert_eq!(folds[0].test, vec![0, 1]);
        assert_eq!(folds[0].train, vec![2, 4, 5]);
        assert_eq!(folds[1].test, vec![2, 3]);
        assert_eq!(folds[1].train, vec![0, 4, 5]);
        assert_eq!(folds[2].test, vec![4, 5]);
        assert_eq!(folds[2].train, vec![0, 1, 2, 3]);
        for f in &folds {
            assert_no_straddle(f, &groups);
        }
    }

    #[test]
    fn leave_one_out_errors() {
        assert_eq!(leave_one_out(&[], &[]), Err(SplitError::NoItems));
        assert_eq!(
            leave_one_out(&[0, 1], &[0]),
            Err(SplitError::LengthMismatch {
                what: "groups",
                items: 2,
                got: 1
            })
        );
        assert_eq!(
            leave_one_out(&[4, 4], &[0, 1]),
            Err(SplitError::TooFewKeys(1))
        );
        // Everything in key 5 has a near-duplicate in key 8, and nothing else exists.
        assert_eq!(
            leave_one_out(&[5, 8, 5], &[1, 1, 2]),
            Err(SplitError::NoTraining { key: 5 })
        );
    }

    fn structure() -> impl Strategy<Value = (Vec<Vec<usize>>, usize, Vec<usize>)> {
        (1usize..6, 1usize..60, 1usize..25).prop_flat_map(|(n_topics, n, n_groups)| {
            (
                prop::collection::vec(prop::collection::vec(0..n_topics, 0..4), n),
                Just(n_topics),
                prop::collection::vec(0..n_groups, n),
            )
        })
    }

    proptest! {
        #[test]
        fn kfold_partitions_or_reports_too_few_groups(
            (labels, n_topics, groups) in structure(),
            k in 2usize..8,
            repeats in 1usize..3,
            seed: u64,
        ) {
            let mut distinct = groups.clone();
            distinct.sort_unstable();
            distinct.dedup();
            match repeated_kfold(&labels, n_topics, &groups, k, repeats, seed) {
                Ok(folds) => {
                    prop_assert!(distinct.len() >= k);
                    check_kfold(&folds, &groups, k, repeats);
                    // The same seed gives the same folds.
                    let again = repeated_kfold(&labels, n_topics, &groups, k, repeats, seed);
                    prop_assert_eq!(Ok(folds), again);
                }
                Err(e) => prop_assert_eq!(e, SplitError::TooFewGroups { folds: k, groups: distinct.len() }),
            }
        }

        #[test]
        fn kfold_never_panics(
            labels in prop::collection::vec(prop::collection::vec(0usize..8, 0..4), 0..30),
            n_topics in 0usize..6,
            groups in prop::collection::vec(0usize..10, 0..30),
            k in 0usize..12,
            repeats in 0usize..3,
            seed: u64,
        ) {
            if let Ok(folds) = repeated_kfold(&labels, n_topics, &groups, k, repeats, seed) {
                check_kfold(&folds, &groups, k, repeats);
            }
        }

        #[test]
        fn leave_one_out_tests_each_key_and_trains_on_no_group_mate(
            keys in prop::collection::vec(0usize..6, 1..40),
            groups_seed in prop::collection::vec(0usize..20, 40),
        ) {
            let groups = &groups_seed[..keys.len()];
            match leave_one_out(&keys, groups) {
                Ok(folds) => {
                    let mut distinct = keys.clone();
                    distinct.sort_unstable();
                    distinct.dedup();
                    prop_assert_eq!(folds.len(), distinct.len());
                    for (f, (fold, &key)) in folds.iter().zip(&distinct).enumerate() {
                        prop_assert_eq!((fold.repeat, fold.fold), (0, f));
                        let test: Vec<usize> = (0..keys.len()).filter(|&i| keys[i] == key).collect();
                        let train: Vec<usize> = (0..keys.len())
                            .filter(|&i| test.iter().all(|&j| groups[i] != groups[j]))
                            .collect();
                        prop_assert_eq!(&fold.test, &test);
                        prop_assert_eq!(&fold.train, &train);
                        prop_assert!(!train.is_empty());
                    }
                }
                Err(SplitError::TooFewKeys(1)) => prop_assert!(keys.iter().all(|&k| k == keys[0])),
                Err(SplitError::NoTraining { key }) => {
                    prop_assert!((0..keys.len()).all(|i| keys[i] == key
                        || (0..keys.len()).any(|j| keys[j] == key && groups[j] == groups[i])));
                }
                Err(e) => prop_assert!(false, "unexpected error {e}"),
            }
        }
    }
}
