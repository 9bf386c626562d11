//! Near-duplicate groups: texts whose word 3-shingle sets have Jaccard similarity at or above a
//! threshold are linked, and groups are the connected components (closed transitively).
//!
//! Several articles republish the same wire text, so cross-validation (`split`) must keep a
//! group on one side of every split. Shingles come from the tokenizer in `text`; a text with one
//! or two tokens has one shingle (its whole token sequence), and a text with none is never grouped.
//!
//! The all-pairs search is exact but avoids comparing every pair: it uses prefix filtering
//! (Bayardo, Ma & Srikant 2007, "Scaling up all pairs similarity search"). Shingles are ordered
//! rarest first; two sets with Jaccard >= t must share a shingle among the first
//! `|x| - ceil(t|x|) + 1` of each, so only those are indexed. Candidates are then verified
//! exactly. Work is near linear for corpora without much repetition.

use crate::text::for_each_token;

/// Default Jaccard threshold. On the shipped corpus the republished pairs score 0.39 to 1.0 and
/// the highest unrelated pair 0.18 (a quote translated twice), so 0.3 separates them with margin.
pub const DEFAULT_THRESHOLD: f64 = 0.3;

/// The sorted, de-duplicated hashes of a text's word 3-shingles.
pub fn shingles(text: &str) -> Vec<u64> {
    let mut words: Vec<u64> = Vec::new();
    let mut buf = crate::text::Scratch::default();
    for_each_token(text, &mut buf, |t| {
        words.push(fnv1a(t.as_bytes(), FNV_OFFSET))
    });
    let mut out: Vec<u64> = if words.len() < 3 {
        if words.is_empty() {
            return Vec::new();
        }
        vec![combine(&words)]
    } else {
        words.windows(3).map(combine).collect()
    };
    out.sort_unstable();
    out.dedup();
    out
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

fn fnv1a(bytes: &[u8], mut h: u64) -> u64 {
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

fn combine(words: &[u64]) -> u64 {
    words
        .iter()
        .fold(FNV_OFFSET, |h, w| fnv1a(&w.to_le_bytes(), h))
}

/// Jaccard similarity of two sorted, de-duplicated sets (0 when both are empty).
pub fn jaccard(a: &[u64], b: &[u64]) -> f64 {
    let inter = intersection(a, b);
    let union = a.len() + b.len() - inter;
    if union == 0 {
        0.0
    } else {
        inter as f64 / union as f64
    }
}

fn intersection<T: Ord>(a: &[T], b: &[T]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

/// All pairs `(i, j, jaccard)` with `i < j` and similarity at or above `threshold` (which must
/// be in (0, 1]), sorted.
pub fn similar_pairs(texts: &[&str], threshold: f64) -> Vec<(usize, usize, f64)> {
    let sets: Vec<Vec<u64>> = texts.iter().map(|t| shingles(t)).collect();
    // Re-express every set as ranks in a global order: rarest shingle first, ties by hash.
    let mut all: Vec<u64> = sets.iter().flatten().copied().collect();
    all.sort_unstable();
    let mut freq: Vec<(u64, u32)> = Vec::new();
    for h in all {
        match freq.last_mut() {
            Some((last, n)) if *last == h => *n += 1,
            _ => freq.push((h, 1)),
        }
    }
    let mut order: Vec<(u32, u64)> = freq.iter().map(|&(h, n)| (n, h)).collect();
    order.sort_unstable();
    let mut rank_of: Vec<(u64, u32)> = order
        .iter()
        .enumerate()
        .map(|(r, &(_, h))| (h, r as u32))
        .collect();
    rank_of.sort_unstable();
    let ranked: Vec<Vec<u32>> = sets
        .iter()
        .map(|s| {
            let mut r: Vec<u32> = s
                .iter()
                .map(|h| {
                    let k = rank_of.partition_point(|&(x, _)| x < *h);
                    rank_of[k].1
                })
                .collect();
            r.sort_unstable();
            r
        })
        .collect();

    let mut index: Vec<Vec<u32>> = vec![Vec::new(); order.len()];
    let mut seen = vec![u32::MAX; texts.len()];
    let mut pairs = Vec::new();
    for (x, set) in ranked.iter().enumerate() {
        if set.is_empty() {
            continue;
        }
        let prefix = set.len() - (threshold * set.len() as f64).ceil() as usize + 1;
        for &tok in &set[..prefix.min(set.len())] {
            for &y in &index[tok as usize] {
                let y = y as usize;
                if seen[y] == x as u32 {
                    continue;
                }
                seen[y] = x as u32;
                let (a, b) = (set.len() as f64, ranked[y].len() as f64);
                if a.min(b) < threshold * a.max(b) {
                    continue; // size filter: Jaccard <= min/max
                }
                let inter = intersection(set, &ranked[y]);
                let sim = inter as f64 / (set.len() + ranked[y].len() - inter) as f64;
                if sim >= threshold {
                    pairs.push((y, x, sim));
                }
            }
            index[tok as usize].push(x as u32);
        }
    }
    pairs.sort_by_key(|&(i, j, _)| (i, j));
    pairs
}

/// Group id for every text: the index of the first text of its group (texts with no
/// near-duplicate are their own group).
pub fn near_duplicate_groups(texts: &[&str], threshold: f64) -> Vec<usize> {
    let mut parent: Vec<usize> = (0..texts.len()).collect();
    fn find(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    for (i, j, _) in similar_pairs(texts, threshold) {
        let (a, b) = (find(&mut parent, i), find(&mut parent, j));
        // Keep the smaller index as the root so the group id is its first member.
        let (lo, hi) = (a.min(b), a.max(b));
        parent[hi] = lo;
    }
    (0..texts.len()).map(|i| find(&mut parent, i)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brute_force(texts: &[&str], t: f64) -> Vec<(usize, usize)> {
        let sets: Vec<Vec<u64>> = texts.iter().map(|s| shingles(s)).collect();
        let mut out = Vec::new();
        for i in 0..texts.len() {
            for j in i + 1..texts.len() {
                if !sets[i].is_empty() && jaccard(&sets[i], &sets[j]) >= t {
                    out.push((i, j));
                }
            }
        }
        out
    }

    #[test]
    fn jaccard_by_hand() {
        // "a1 b2 c3 d4" -> shingles {a1 b2 c3, b2 c3 d4}; "b2 c3 d4 e5" -> {b2 c3 d4, c3 d4 e5}:
        // one shared of three distinct -> 1/3.
        let a = shingles("a1 b2 c3 d4");
        let b = shingles("B2 c3, d4 e5");
        assert_eq!(a.len(), 2);
        assert!((jaccard(&a, &b) - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(jaccard(&[], &[]), 0.0);
        assert_eq!(shingles("one"), shingles("ONE!"));
        assert!(shingles("a , .").is_empty());
    }

    #[test]
    fn prefix_filter_finds_exactly_the_brute_force_pairs() {
        let texts = [
            "the quick brown fox jumps over the lazy dog",
            "the quick brown fox jumps over a lazy dog",
            "a quick brown fox leaps over the lazy dog today",
            "completely different words here and there",
            "completely different words here and everywhere else",
            "short",
            "short",
            "",
            "the lazy dog sleeps all day long in the sun",
        ];
        for t in [0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 1.0] {
            let got: Vec<(usize, usize)> = similar_pairs(&texts, t)
                .into_iter()
                .map(|(i, j, _)| (i, j))
                .collect();
            assert_eq!(got, brute_force(&texts, t), "threshold {t}");
        }
    }

    #[test]
    fn groups_close_transitively() {
        // 0~1 and 1~2 but not 0~2: all three in group 0.
        let texts = [
            "w1 w2 w3 w4 w5 w6",
            "w1 w2 w3 w4 w5 w6 w7 w8 w9",
            "w4 w5 w6 w7 w8 w9",
            "x1 x2 x3",
        ];
        let s: Vec<_> = texts.iter().map(|t| shingles(t)).collect();
        assert!(jaccard(&s[0], &s[2]) < 0.3);
        assert_eq!(near_duplicate_groups(&texts, 0.4), [0, 0, 0, 3]);
    }
}
