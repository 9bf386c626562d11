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
//! exactly. Work is near linear for corpora without much repetition, but grows like n^1.3 on
//! corpora whose documents share sentences (and its rank tables take several times the text).
//!
//! For large corpora [`Method::MinHash`] proposes candidate pairs by MinHash and LSH banding
//! (Broder 1997; Leskovec, Rajaraman & Ullman, *Mining of Massive Datasets*, ch. 3) and verifies
//! each exactly, so it never adds a pair the exact search would not; it can miss one (a pair at
//! the threshold with probability about 0.6%, far less above it). [`Method::Auto`], the default,
//! is exact below [`AUTO_EXACT_BELOW`] texts.

use crate::features::tokens::for_each_token;

/// Default Jaccard threshold. On the shipped corpus the republished pairs score 0.39 to 1.0 and
/// the highest unrelated pair 0.18 (a quote translated twice), so 0.3 separates them with margin.
pub const DEFAULT_THRESHOLD: f64 = 0.3;

/// The sorted, de-duplicated hashes of a text's word 3-shingles.
pub fn shingles(text: &str) -> Vec<u64> {
    let mut out = Vec::new();
    shingles_into(text, &mut Shingler::default(), &mut out);
    out
}

/// Reusable buffers for [`shingles_into`].
#[derive(Default)]
struct Shingler {
    scratch: crate::features::tokens::Scratch,
    words: Vec<u64>,
}

/// [`shingles`] into `out` (cleared first), reusing `buf`.
fn shingles_into(text: &str, buf: &mut Shingler, out: &mut Vec<u64>) {
    out.clear();
    let words = &mut buf.words;
    words.clear();
    for_each_token(text, &mut buf.scratch, |t| {
        words.push(fnv1a(t.as_bytes(), FNV_OFFSET))
    });
    if words.len() < 3 {
        if !words.is_empty() {
            out.push(combine(words));
        }
        return;
    }
    out.extend(words.windows(3).map(combine));
    out.sort_unstable();
    out.dedup();
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

fn fnv1a(bytes: &[u8], mut h: u64) -> u64 {
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// A shingle's hash from its (at most 3) words' hashes: each position multiplied by its own odd
/// constant (so order matters), then mixed once. Independent multiplies, not a chain of 24.
fn combine(words: &[u64]) -> u64 {
    const K: [u64; 3] = [
        0x9e37_79b9_7f4a_7c15,
        0xc2b2_ae3d_27d4_eb4f,
        0x1656_67b1_9e37_79f9,
    ];
    debug_assert!(words.len() <= K.len());
    mix64(
        words
            .iter()
            .zip(K)
            .fold(words.len() as u64, |h, (&w, k)| h ^ w.wrapping_mul(k)),
    )
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

/// Size of the intersection of two sorted, de-duplicated sets: a merge without branches on the
/// elements (which way it steps is data, not a jump the processor must guess).
fn intersection<T: Ord + Copy>(a: &[T], b: &[T]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        let (x, y) = (a[i], b[j]);
        n += usize::from(x == y);
        i += usize::from(x <= y);
        j += usize::from(y <= x);
    }
    n
}

/// All pairs `(i, j, jaccard)` with `i < j` and similarity at or above `threshold` (which must
/// be in (0, 1]), sorted.
pub fn similar_pairs(texts: &[&str], threshold: f64) -> Vec<(usize, usize, f64)> {
    similar_pairs_reporting(texts, threshold, &|_, _| {})
}

/// [`similar_pairs`], reporting the texts probed so far (of all of them) every [`CHUNK`] texts
/// and at the end.
fn similar_pairs_reporting(
    texts: &[&str],
    threshold: f64,
    progress: Progress,
) -> Vec<(usize, usize, f64)> {
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
        if x % CHUNK == 0 {
            progress(x as u64, texts.len() as u64);
        }
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
    progress(texts.len() as u64, texts.len() as u64);
    pairs.sort_by_key(|&(i, j, _)| (i, j));
    pairs
}

/// How [`groups`] finds the similar pairs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Method {
    /// Every pair at or above the threshold ([`similar_pairs`]): the reference.
    Exact,
    /// MinHash signatures and LSH banding propose candidate pairs; each is verified exactly
    /// (`minhash_groups`). Near-linear; may miss a pair (about 0.5% of pairs at the
    /// threshold, fewer above it), never adds one.
    MinHash,
    /// [`Method::Exact`] below [`AUTO_EXACT_BELOW`] texts, [`Method::MinHash`] from there on.
    #[default]
    Auto,
}

impl Method {
    /// The method used for `n` texts (`Auto` resolved).
    pub fn resolve(self, n: usize) -> Method {
        match self {
            Method::Auto if n < AUTO_EXACT_BELOW => Method::Exact,
            Method::Auto => Method::MinHash,
            m => m,
        }
    }

    /// The name used on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Method::Exact => "exact",
            Method::MinHash => "minhash",
            Method::Auto => "auto",
        }
    }
}

impl std::str::FromStr for Method {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "exact" => Ok(Method::Exact),
            "minhash" => Ok(Method::MinHash),
            "auto" => Ok(Method::Auto),
            _ => Err(format!(
                "`{s}` is not a method: give exact, minhash or auto"
            )),
        }
    }
}

/// `Method::Auto` uses the exact search below this many texts, where it misses nothing and
/// still takes seconds (whole runs 2-3x MinHash's time at 10,000-20,000 synthetic documents,
/// measured once; see
/// `benches/pipeline.rs`, group `group_scaling`).
pub const AUTO_EXACT_BELOW: usize = 20_000;

/// Called with (texts done, texts in all) as the grouping advances, from any thread.
pub type Progress<'a> = &'a (dyn Fn(u64, u64) + Sync);

/// Group id for every text: the index of the first text of its group (texts with no
/// near-duplicate are their own group). The exact search ([`groups`] with [`Method::Exact`]).
pub fn near_duplicate_groups(texts: &[&str], threshold: f64) -> Vec<usize> {
    groups(texts, threshold, Method::Exact, &|_, _| {})
}

/// Group id for every text, as [`near_duplicate_groups`], with pairs found by `method`;
/// `progress` hears how far it is.
pub fn groups(texts: &[&str], threshold: f64, method: Method, progress: Progress) -> Vec<usize> {
    let mut uf = UnionFind::new(texts.len());
    match method.resolve(texts.len()) {
        // MinHash reports its own stages (sketches, then bands) up to its total.
        Method::MinHash => minhash_groups(texts, threshold, MINHASH_SEED, &mut uf, progress),
        _ => {
            for (i, j, _) in similar_pairs_reporting(texts, threshold, progress) {
                uf.union(i, j);
            }
        }
    }
    uf.roots()
}

/// How two groupings of the same texts compare (see [`compare_partitions`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PartitionAgreement {
    /// Share of texts whose group has the same members in both.
    pub same_group_share: f64,
    /// Share of the reference's similar pairs whose texts share a group in the other.
    pub pair_recall: f64,
    /// Texts grouped together by the other but not by the reference.
    pub false_pairs: usize,
}

/// Compares `other` with the `reference` grouping (group ids as [`groups`] returns them) and the
/// reference's similar `pairs` (from [`similar_pairs`]).
pub fn compare_partitions(
    reference: &[usize],
    other: &[usize],
    pairs: &[(usize, usize, f64)],
) -> PartitionAgreement {
    // A text's group is the same in both when the (reference, other) id pair occurs exactly as
    // often as each of its ids: count members per id and per pair.
    let count = |key: &dyn Fn(usize) -> (usize, usize)| {
        let mut v: Vec<(usize, usize)> = (0..reference.len()).map(key).collect();
        v.sort_unstable();
        v
    };
    let by_pair = count(&|i| (reference[i], other[i]));
    let size_of = |v: &[(usize, usize)], k: (usize, usize)| {
        v.partition_point(|&x| x <= k) - v.partition_point(|&x| x < k)
    };
    let by_ref = count(&|i| (reference[i], 0));
    let by_other = count(&|i| (other[i], 0));
    let same = (0..reference.len())
        .filter(|&i| {
            let both = size_of(&by_pair, (reference[i], other[i]));
            both == size_of(&by_ref, (reference[i], 0)) && both == size_of(&by_other, (other[i], 0))
        })
        .count();
    let found = pairs
        .iter()
        .filter(|&&(i, j, _)| other[i] == other[j])
        .count();
    // Pairs together in `other` but apart in the reference, counted per text: a text's
    // other-group members outside its reference group.
    let false_pairs = (0..reference.len())
        .map(|i| size_of(&by_other, (other[i], 0)) - size_of(&by_pair, (reference[i], other[i])))
        .sum::<usize>()
        / 2;
    PartitionAgreement {
        same_group_share: if reference.is_empty() {
            1.0
        } else {
            same as f64 / reference.len() as f64
        },
        pair_recall: if pairs.is_empty() {
            1.0
        } else {
            found as f64 / pairs.len() as f64
        },
        false_pairs,
    }
}

/// Disjoint sets whose root is always the smallest member, so a group id is its first text.
struct UnionFind {
    parent: Vec<u32>,
}

impl UnionFind {
    fn new(n: usize) -> Self {
        UnionFind {
            parent: (0..n as u32).collect(),
        }
    }

    fn find(&mut self, mut i: usize) -> usize {
        while self.parent[i] as usize != i {
            let p = self.parent[i] as usize;
            self.parent[i] = self.parent[p];
            i = p;
        }
        i
    }

    /// The root of `i`, without shortening paths (so it can be shared between threads).
    fn root(&self, mut i: usize) -> usize {
        while self.parent[i] as usize != i {
            i = self.parent[i] as usize;
        }
        i
    }

    fn union(&mut self, i: usize, j: usize) {
        let (a, b) = (self.find(i), self.find(j));
        let (lo, hi) = (a.min(b), a.max(b));
        self.parent[hi] = lo as u32;
    }

    fn roots(&mut self) -> Vec<usize> {
        (0..self.parent.len()).map(|i| self.find(i)).collect()
    }
}

/// The seed of the sketches' hash functions (any fixed value: groups must not depend on the run).
const MINHASH_SEED: u64 = 0x5eed_0f18_d0c5_0001;

/// LSH banding: `bands` bands of `rows` minhashes each; two texts are candidates when all the
/// minhashes of some band agree. For Jaccard `s` that happens with probability
/// `1 - (1 - s^rows)^bands` (Leskovec, Rajaraman & Ullman, *Mining of Massive Datasets*, 3.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Banding {
    /// Minhashes per band.
    pub rows: usize,
    /// Bands.
    pub bands: usize,
}

/// The chance that a pair at the threshold is *not* proposed (the banding is chosen for it).
pub const MISS_AT_THRESHOLD: f64 = 0.005;

impl Banding {
    /// The banding for `threshold`: `rows` grows with the threshold (a band of `rows` minhashes
    /// then still agrees often at the threshold but rarely below it), and `bands` is the least
    /// that proposes a pair at the threshold with probability at least `1 - MISS_AT_THRESHOLD`.
    pub fn for_threshold(threshold: f64) -> Banding {
        let t = threshold.clamp(1e-3, 1.0);
        // About one band in a hundred agrees at the threshold with r rows: r = ln 0.01 / ln t,
        // between 2 and 8 (t = 0.3 gives r = 3.8 -> 3 (rounded down, more recall per hash)).
        let rows = ((0.01f64.ln() / t.ln()).floor() as usize).clamp(2, 8);
        let p = t.powi(rows as i32);
        let bands = if p >= 1.0 {
            1
        } else {
            (MISS_AT_THRESHOLD.ln() / (1.0 - p).ln()).ceil().max(1.0) as usize
        };
        Banding { rows, bands }
    }

    /// The probability that a pair of Jaccard similarity `s` is proposed.
    pub fn candidate_probability(&self, s: f64) -> f64 {
        1.0 - (1.0 - s.powi(self.rows as i32)).powi(self.bands as i32)
    }
}

/// Texts per parallel work unit when shingling and sketching.
const CHUNK: usize = 2048;

/// Unions every pair of texts at or above `threshold` that MinHash/LSH proposes.
///
/// 1. Each text's shingle set is sketched into `rows * bands` bins ([`sketch`], a MinHash
///    signature made in near-linear time), kept as 8 bits a bin (b-bit minwise hashing, Li &
///    Koenig 2010: two bins agree with probability `s + (1 - s) / 256`, never less than `s`),
///    with the set's size, a hash of the whole set and the set folded to 32-bit elements. The
///    64-bit sets are not kept (8 bytes a shingle is more than the text): the few pairs that
///    reach the exact check have their shingles made again.
/// 2. Texts with identical sets are united at once and only the first of them takes part in
///    the banding (so a thousand copies are not half a million pairs); empty sets never join.
/// 3. Band by band, texts are bucketed by the band's bins; every pair in a bucket that is not
///    already in one group is a candidate. A candidate must pass the size filter (Jaccard <=
///    min/max), then agree on enough bins in each test of [`AGREE_STAGES`] (bins 0-63, 64-191,
///    then all; a pair at the threshold fails them with probability at most 1.2e-3), then
///    reach the threshold on the folded sets ([`folded_may_reach`]), then the exact Jaccard of
///    its shingle sets; the survivors are united. Skipping pairs already joined changes no
///    group.
///
/// Work is cut into fixed chunks of texts and done band by band, results collected in order,
/// so the groups are the same on any thread count.
fn minhash_groups(
    texts: &[&str],
    threshold: f64,
    seed: u64,
    uf: &mut UnionFind,
    progress: Progress,
) {
    use rayon::prelude::*;
    let n = texts.len();
    let total = 2 * n as u64;
    let banding = Banding::for_threshold(threshold);
    let k = banding.rows * banding.bands;

    // 1. Signatures, set sizes and set hashes, chunk by chunk in parallel. The sets themselves
    // are not kept (8 bytes a shingle would be more than the text): the few pairs that get as
    // far as the exact check have their shingles made again.
    // Signatures are written straight into their final array and each chunk keeps its own
    // folded sets, so no stage holds a second copy of either while joining chunks.
    let done = std::sync::atomic::AtomicU64::new(0);
    let mut sigs = vec![0u8; n * k];
    type Chunk = ((Vec<u32>, Vec<u32>), Vec<(u64, u32)>);
    let chunks: Vec<Chunk> = texts
        .par_chunks(CHUNK)
        .zip(sigs.par_chunks_mut(CHUNK * k))
        .map(|(chunk, sigs)| {
            let mut buf = Shingler::default();
            let (mut set, mut set32) = (Vec::new(), Vec::new());
            let mut full = vec![0u32; k];
            let mut flat = Vec::new();
            let mut info = Vec::with_capacity(chunk.len());
            let mut starts = Vec::with_capacity(chunk.len() + 1);
            starts.push(0u32);
            for (t, sig) in chunk.iter().zip(sigs.chunks_exact_mut(k)) {
                shingles_into(t, &mut buf, &mut set);
                sketch(&set, seed, &mut full);
                for (s, &f) in sig.iter_mut().zip(&full) {
                    *s = (f ^ (f >> 8) ^ (f >> 16)) as u8;
                }
                set32.clear();
                set32.extend(set.iter().map(|&h| fold32(h)));
                set32.sort_unstable();
                set32.dedup();
                flat.extend_from_slice(&set32);
                starts.push(flat.len() as u32);
                info.push((set_hash(&set), set.len() as u32));
            }
            flat.shrink_to_fit();
            let d = done.fetch_add(chunk.len() as u64, std::sync::atomic::Ordering::Relaxed);
            progress(d + chunk.len() as u64, total);
            ((flat, starts), info)
        })
        .collect();
    let mut info: Vec<(u64, u32)> = Vec::with_capacity(n);
    let mut sets: Vec<(Vec<u32>, Vec<u32>)> = Vec::with_capacity(chunks.len());
    for (set, i) in chunks {
        info.extend_from_slice(&i);
        sets.push(set);
    }
    let sig = |i: usize| &sigs[i * k..(i + 1) * k];
    let set32 = |i: usize| {
        let (flat, starts) = &sets[i / CHUNK];
        let j = i % CHUNK;
        &flat[starts[j] as usize..starts[j + 1] as usize]
    };

    // 2. Identical sets: the texts are sorted by set hash, each is checked against the one
    // before it, and only the first of a run of equal sets takes part in the banding.
    let mut by_hash: Vec<(u64, u32)> = (0..n as u32)
        .filter(|&i| info[i as usize].1 > 0)
        .map(|i| (info[i as usize].0, i))
        .collect();
    by_hash.par_sort_unstable();
    let same: Vec<bool> = by_hash
        .par_iter()
        .enumerate()
        .map_init(Verifier::default, |v, (w, &(h, i))| {
            w > 0 && by_hash[w - 1].0 == h && {
                let p = by_hash[w - 1].1 as usize;
                v.jaccard(texts[p], texts[i as usize]) == 1.0
            }
        })
        .collect();
    let mut reps: Vec<u32> = Vec::with_capacity(by_hash.len());
    for (w, &(_, i)) in by_hash.iter().enumerate() {
        if same[w] {
            uf.union(by_hash[w - 1].1 as usize, i as usize);
        } else {
            reps.push(i);
        }
    }
    drop((by_hash, same));
    let sizes: Vec<u32> = info.iter().map(|&(_, size)| size).collect();
    drop(info);
    reps.sort_unstable();

    // 3. Bands, `BAND_BATCH` at a time: their keys are made in one pass over the signatures
    // (a batch's bins lie together in each signature, so its cache lines are read once, not
    // once a band), then each band's keys are sorted and its buckets scanned.
    let r = banding.rows;
    let stages = agreement_stages(k, threshold);
    let mut cols: Vec<Vec<u64>> = Vec::new();
    let mut scratch: Vec<u64> = Vec::new();
    for first in (0..banding.bands).step_by(BAND_BATCH) {
        let count = BAND_BATCH.min(banding.bands - first);
        band_keys(&reps, &sig, first * r, r, count, &mut cols);
        for (b, keyed) in cols.iter_mut().enumerate() {
            let band = first + b;
            bucket_sort(keyed, &mut scratch);
            // Each bucket's pairs not already in one group are candidates. Cheap tests first:
            // sizes (Jaccard <= min/max), agreeing bins, the Jaccard of the sets folded to 32
            // bits; the exact one below. Runs of whole buckets are enumerated and tested in
            // parallel, results joined in order (the groups are only read here).
            let uf_now = &*uf;
            let pairs: Vec<(u32, u32)> = bucket_runs(keyed)
                .into_par_iter()
                .flat_map_iter(|run| {
                    let mut pairs = Vec::new();
                    let mut a = 0;
                    while a < run.len() {
                        let key = run[a] >> 32;
                        let b = a + run[a..].iter().take_while(|&&e| e >> 32 == key).count();
                        for x in a..b {
                            for y in x + 1..b {
                                pairs.push((run[x] as u32, run[y] as u32));
                            }
                        }
                        a = b;
                    }
                    // Test by test over all the run's pairs, so one pair's loads overlap the
                    // next's instead of waiting on a branch guessed wrong half the time.
                    retain_unbranched(&mut pairs, |i, j| {
                        let (p, q) = (sizes[i] as f64, sizes[j] as f64);
                        (uf_now.root(i) != uf_now.root(j)) & (p.min(q) >= threshold * p.max(q))
                    });
                    for &(from, to, least) in &stages {
                        retain_unbranched(&mut pairs, |i, j| {
                            agreeing(&sig(i)[from..to], &sig(j)[from..to]) >= least
                        });
                    }
                    pairs.retain(|&(i, j)| {
                        folded_may_reach(set32(i as usize), set32(j as usize), threshold)
                    });
                    pairs
                })
                .collect();
            // The exact checks, in fixed rounds: a pair an earlier round has already joined (in
            // a group of several copies most pairs are) is not checked again.
            for round in pairs.chunks(VERIFY_ROUND) {
                let todo: Vec<(u32, u32)> = round
                    .iter()
                    .filter(|&&(i, j)| uf.find(i as usize) != uf.find(j as usize))
                    .copied()
                    .collect();
                let verified: Vec<bool> = todo
                    .par_iter()
                    .map_init(Verifier::default, |v, &(i, j)| {
                        v.jaccard(texts[i as usize], texts[j as usize]) >= threshold
                    })
                    .collect();
                for (&(i, j), ok) in todo.iter().zip(verified) {
                    if ok {
                        uf.union(i as usize, j as usize);
                    }
                }
            }
            progress(
                n as u64 + (band as u64 + 1) * n as u64 / banding.bands as u64,
                total,
            );
        }
    }
}

/// Exact Jaccard of two texts' shingle sets, made again (buffers reused).
#[derive(Default)]
struct Verifier {
    buf: Shingler,
    a: Vec<u64>,
    b: Vec<u64>,
}

impl Verifier {
    fn jaccard(&mut self, x: &str, y: &str) -> f64 {
        shingles_into(x, &mut self.buf, &mut self.a);
        shingles_into(y, &mut self.buf, &mut self.b);
        jaccard(&self.a, &self.b)
    }
}

/// The agreement tests a candidate passes before its exact check: bins `from..to` of the
/// signatures (clipped to its `k` bins) must agree on at least [`min_agreement`] of them, the
/// chance that a pair at the threshold fails being the third number. Most candidates agree on
/// far fewer bins than a pair at the threshold, and the first cache lines show it without
/// reading the whole signature (on the 1M synthetic corpus, before the shingle hash of
/// 6105366, 20.6M of 40.8M candidates passed the first 64 bins and 2.2M the whole signature). The last test is the whole
/// signature. A pair at the threshold misses its exact check with probability at most the sum
/// of the three (1.2e-3).
const AGREE_STAGES: [(usize, usize, f64); 3] =
    [(0, 64, 1e-4), (64, 192, 1e-4), (0, usize::MAX, 1e-3)];

/// Bands whose keys are made in one pass over the signatures.
const BAND_BATCH: usize = 8;

/// How many bins two signatures (of equal length) agree on. Counted in byte lanes, 32 bins at a
/// time (a byte cannot overflow), so it compiles to vector compares.
fn agreeing(a: &[u8], b: &[u8]) -> usize {
    let count = |x: &[u8], y: &[u8]| -> usize {
        x.iter().zip(y).map(|(p, q)| u8::from(p == q)).sum::<u8>() as usize
    };
    let (xs, ys) = (a.chunks_exact(32), b.chunks_exact(32));
    let tail = count(xs.remainder(), ys.remainder());
    xs.zip(ys).map(|(x, y)| count(x, y)).sum::<usize>() + tail
}

/// The tests of [`AGREE_STAGES`] for signatures of `k` bins: (first bin, end, least agreement).
fn agreement_stages(k: usize, threshold: f64) -> Vec<(usize, usize, usize)> {
    AGREE_STAGES
        .iter()
        .map(|&(from, to, miss)| (from.min(k), to.min(k), miss))
        .filter(|&(from, to, _)| from < to)
        .map(|(from, to, miss)| (from, to, min_agreement(to - from, threshold, miss)))
        .collect()
}

/// Keeps the pairs for which `keep` holds, in order. Each pair is written, then counted only if
/// kept, so there is no branch on the outcome.
fn retain_unbranched(pairs: &mut Vec<(u32, u32)>, keep: impl Fn(usize, usize) -> bool) {
    let mut n = 0;
    for w in 0..pairs.len() {
        let (i, j) = pairs[w];
        pairs[n] = (i, j);
        n += usize::from(keep(i as usize, j as usize));
    }
    pairs.truncate(n);
}

/// `keyed` (sorted by key) cut into about 64 runs of whole buckets (a bucket: equal keys in the
/// upper 32 bits).
fn bucket_runs(keyed: &[u64]) -> Vec<&[u64]> {
    let per = keyed.len().div_ceil(64).max(1);
    let mut runs = Vec::with_capacity(65);
    let mut rest = keyed;
    while !rest.is_empty() {
        let mut cut = per.min(rest.len());
        while cut < rest.len() && rest[cut] >> 32 == rest[cut - 1] >> 32 {
            cut += 1;
        }
        let (run, tail) = rest.split_at(cut);
        runs.push(run);
        rest = tail;
    }
    runs
}

/// The keys of `count` bands of `rows` bins, the first starting at bin `start`, one column per
/// band: entry `w` of a column is the band's key (32 bits of [`band_key`]) above `reps[w]`, so
/// sorting a column sorts by key, then text. The signatures are read once for all the bands,
/// in fixed chunks of texts in parallel.
fn band_keys<'a>(
    reps: &[u32],
    sig: &(dyn Fn(usize) -> &'a [u8] + Sync),
    start: usize,
    rows: usize,
    count: usize,
    cols: &mut Vec<Vec<u64>>,
) {
    use rayon::prelude::*;
    cols.truncate(count);
    cols.resize_with(count, Vec::new);
    let mut parts: Vec<Vec<&mut [u64]>> = (0..reps.len().div_ceil(CHUNK))
        .map(|_| Vec::with_capacity(count))
        .collect();
    for col in cols.iter_mut() {
        col.clear();
        col.resize(reps.len(), 0);
        for (p, part) in parts.iter_mut().zip(col.chunks_mut(CHUNK)) {
            p.push(part);
        }
    }
    parts
        .into_par_iter()
        .zip(reps.par_chunks(CHUNK))
        .for_each(|(mut cols, reps)| {
            for (w, &i) in reps.iter().enumerate() {
                let s = &sig(i as usize)[start..start + rows * count];
                for (col, bins) in cols.iter_mut().zip(s.chunks_exact(rows)) {
                    col[w] = (band_key(bins) >> 32) << 32 | u64::from(i);
                }
            }
        });
}

/// The least number of agreeing minhashes (of `k`) a candidate needs before its exact check: the
/// largest `m` with P(Binomial(k, threshold) < m) <= `miss`. A pair of Jaccard `s` agrees on
/// each minhash with probability `s`, so one at the threshold or above is rejected with
/// probability at most `miss` (MMDS 3.4.3: compare the signatures, then the documents).
fn min_agreement(k: usize, threshold: f64, miss: f64) -> usize {
    let t = threshold.clamp(0.0, 1.0);
    if t >= 1.0 {
        return k;
    }
    let mut cdf = 0.0;
    let mut log_pmf = k as f64 * (1.0 - t).ln(); // P(X = 0)
    for m in 0..=k {
        cdf += log_pmf.exp();
        if cdf > miss {
            return m; // P(X < m) <= miss < P(X <= m)
        }
        log_pmf += ((k - m) as f64 / (m + 1) as f64).ln() + (t / (1.0 - t)).ln();
    }
    k
}

/// Shared shingles a pair may have lost to folding and still get its exact check.
const FOLD_SLACK: usize = 1;

/// Candidates whose exact checks run together; the next round skips pairs they joined.
const VERIFY_ROUND: usize = 512;

/// Whether texts whose shingle sets folded to 32 bits are `a` and `b` can reach Jaccard
/// `threshold`. Folding changes the sets' union `U` and intersection `I` only by merging
/// shingles: the union can only shrink, and the intersection loses one for each two shared
/// shingles that merge (other merges can only add to it). So a pair with Jaccard >= `t` has
/// `I32 >= I - lost >= t U - lost >= t U32 - lost`, and is let through unless more than
/// [`FOLD_SLACK`] shared shingles were lost: two shared shingles merge with probability 2^-32,
/// so for `I` shared shingles that takes probability below `(I^2 / 2^33)^2` (1e-13 at 100).
fn folded_may_reach(a: &[u32], b: &[u32], threshold: f64) -> bool {
    let inter = intersection(a, b);
    let union = a.len() + b.len() - inter;
    union > 0 && (inter + FOLD_SLACK) as f64 >= threshold * union as f64
}

/// Folds a shingle hash to 32 bits.
fn fold32(h: u64) -> u32 {
    (h ^ (h >> 32)) as u32
}

/// A 64-bit key for one band's minhashes: up to 8 bins packed into a word and mixed (equal
/// bands, equal keys), more folded in 8 at a time.
fn band_key(s: &[u8]) -> u64 {
    s.chunks(8).fold(FNV_OFFSET, |h, c| {
        let mut word = [0u8; 8];
        word[..c.len()].copy_from_slice(c);
        mix64(h ^ u64::from_le_bytes(word))
    })
}

/// Sorts `v`: one counting pass on the top 16 bits (the keys above are hashes, so the buckets
/// are even), then the small buckets sorted in parallel.
fn bucket_sort(v: &mut Vec<u64>, scratch: &mut Vec<u64>) {
    use rayon::prelude::*;
    const BITS: u32 = 16;
    const GROUPS: usize = 64;
    let mut starts = vec![0usize; (1 << BITS) + 1];
    for &e in v.iter() {
        starts[(e >> (64 - BITS)) as usize + 1] += 1;
    }
    for b in 1..starts.len() {
        starts[b] += starts[b - 1];
    }
    scratch.clear();
    scratch.resize(v.len(), 0);
    let mut next = starts.clone();
    for &e in v.iter() {
        let b = (e >> (64 - BITS)) as usize;
        scratch[next[b]] = e;
        next[b] += 1;
    }
    // GROUPS runs of whole buckets, each sorted bucket by bucket on its own thread.
    let per = (1 << BITS) / GROUPS;
    let mut runs: Vec<(&mut [u64], &[usize])> = Vec::with_capacity(GROUPS);
    let mut rest: &mut [u64] = scratch;
    for g in 0..GROUPS {
        let bounds = &starts[g * per..=(g + 1) * per];
        let (run, tail) = rest.split_at_mut(bounds[per] - bounds[0]);
        runs.push((run, bounds));
        rest = tail;
    }
    runs.into_par_iter().for_each(|(run, bounds)| {
        for w in bounds.windows(2) {
            run[w[0] - bounds[0]..w[1] - bounds[0]].sort_unstable();
        }
    });
    std::mem::swap(v, scratch);
}

/// A strong 64-bit mix (murmur3's finalizer).
fn mix64(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// Fast similarity sketch (Dahlgaard, Knudsen & Thorup 2017): in round `i` every element `x`
/// hashes to one bin and offers it the value `i * 2^16 + (16 random bits)`; a bin keeps the
/// least offer; rounds go on until every bin has one (later rounds offer only larger values, so
/// they could change nothing). Every element makes the same offers in whatever set it is, so the
/// element behind a bin's value is uniform over the set, and two sets agree on a bin with
/// probability (about, ties of 16 bits aside) their Jaccard similarity, as for MinHash, at a cost
/// of about `k ln k + |set|` hashes instead of `k |set|`.
fn sketch(set: &[u64], seed: u64, out: &mut [u32]) {
    out.fill(u32::MAX);
    let k = out.len() as u64;
    let mut empty = out.len();
    if set.is_empty() {
        return;
    }
    for round in 0..=u16::MAX as u64 {
        let salt = seed ^ (round + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let base = (round as u32) << 16;
        for &x in set {
            let h = mix64(x ^ salt);
            let bin = (((h >> 32) * k) >> 32) as usize;
            let v = base | (h as u32 & 0xffff);
            let slot = &mut out[bin];
            if *slot == u32::MAX {
                empty -= 1;
            }
            *slot = (*slot).min(v);
        }
        if empty == 0 {
            break;
        }
    }
}

/// A 64-bit hash of a whole set (equal sets, equal hashes).
fn set_hash(s: &[u64]) -> u64 {
    s.iter().fold(FNV_OFFSET ^ s.len() as u64, |h, &v| {
        (h ^ v).wrapping_mul(0x9e37_79b9_7f4a_7c15).rotate_left(29)
    })
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

    #[test]
    fn banding_for_the_default_threshold() {
        // 3 rows (ln 0.01 / ln 0.3 = 3.82, rounded down); bands: the least b with
        // 1 - (1 - 0.3^3)^b >= 0.995. Python: math.ceil(math.log(0.005) / math.log(1 - 0.027))
        // -> 194; 1 - (1 - 0.3**3)**194 -> 0.9950581334669593, and 193 bands -> 0.99492100.
        let b = Banding::for_threshold(0.3);
        assert_eq!(
            b,
            Banding {
                rows: 3,
                bands: 194
            }
        );
        assert!((b.candidate_probability(0.3) - 0.9950581334669593).abs() < 1e-12);
        assert!(b.candidate_probability(0.5) > 0.999_999);
        assert!(b.candidate_probability(0.1) < 0.18);
    }

    #[test]
    fn min_agreement_is_the_binomial_quantile() {
        // scipy: from scipy.stats import binom; int(binom.ppf(q, k, t)), checked to satisfy
        // binom.cdf(m - 1, k, t) <= q < binom.cdf(m, k, t):
        // (582, 0.3, 1e-3) -> 141; (582, 0.3, 1e-6) -> 124; (114, 0.3, 1e-6) -> 13;
        // (10, 0.5, 0.05) -> 2; the prefix (64, 0.3, 1e-4) -> 7 (cdf(6) = 7.3e-5, cdf(7) = 2.7e-4);
        // the next 128 bins (128, 0.3, 1e-4) -> 20 (cdf(19) = 5.4e-5, cdf(20) = 1.3e-4).
        for (k, t, q, m) in [
            (64, 0.3, 1e-4, 7),
            (128, 0.3, 1e-4, 20),
            (582, 0.3, 1e-3, 141),
            (582, 0.3, 1e-6, 124),
            (114, 0.3, 1e-6, 13),
            (10, 0.5, 0.05, 2),
        ] {
            assert_eq!(min_agreement(k, t, q), m, "{k} {t} {q}");
        }
        assert_eq!(min_agreement(10, 1.0, 0.05), 10);
    }

    #[test]
    fn agreement_stages_for_the_default_and_a_short_signature() {
        // scipy, as above: (64, 0.3, 1e-4) -> 7, (128, 0.3, 1e-4) -> 20, (582, 0.3, 1e-3) -> 141;
        // 40 bins: (40, 0.3, 1e-4) -> 2, (40, 0.3, 1e-3) -> 4 (the middle test is empty).
        assert_eq!(
            agreement_stages(582, 0.3),
            [(0, 64, 7), (64, 192, 20), (0, 582, 141)]
        );
        assert_eq!(agreement_stages(40, 0.3), [(0, 40, 2), (0, 40, 4)]);
    }

    #[test]
    fn unbranched_retain_keeps_what_retain_keeps_in_order() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        for len in [0, 1, 2, 17, 1000] {
            let pairs: Vec<(u32, u32)> = (0..len)
                .map(|_| (rng.gen_range(0..50), rng.gen_range(0..50)))
                .collect();
            let keep = |i: usize, j: usize| (i + 2 * j).is_multiple_of(3);
            let mut got = pairs.clone();
            retain_unbranched(&mut got, keep);
            let mut want = pairs;
            want.retain(|&(i, j)| keep(i as usize, j as usize));
            assert_eq!(got, want, "{len}");
        }
    }

    #[test]
    fn bucket_runs_are_whole_buckets_in_order() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        for len in [0, 1, 63, 64, 65, 5000] {
            // Few distinct keys, so buckets are long and often straddle a cut.
            let mut keyed: Vec<u64> = (0..len)
                .map(|w| (rng.gen_range(0..40u64) << 32) | w as u64)
                .collect();
            keyed.sort_unstable();
            let runs = bucket_runs(&keyed);
            assert!(runs.len() <= 65 && runs.iter().all(|r| !r.is_empty()));
            assert_eq!(runs.concat(), keyed);
            for w in runs.windows(2) {
                assert_ne!(
                    w[0].last().unwrap() >> 32,
                    w[1][0] >> 32,
                    "a bucket was cut"
                );
            }
        }
    }

    #[test]
    fn shingles_keep_word_order_and_roots_equal_finds() {
        assert_ne!(shingles("alpha beta gamma"), shingles("gamma beta alpha"));
        assert_ne!(shingles("alpha beta"), shingles("beta alpha"));
        assert_eq!(shingles("Alpha, beta gamma."), shingles("alpha beta gamma"));
        let mut uf = UnionFind::new(6);
        uf.union(4, 5);
        uf.union(3, 5);
        uf.union(1, 2);
        let roots: Vec<usize> = (0..6).map(|i| uf.root(i)).collect();
        assert_eq!(roots, [0, 1, 1, 3, 3, 3]);
        assert_eq!(roots, (0..6).map(|i| uf.find(i)).collect::<Vec<_>>());
    }

    #[test]
    fn agreeing_bins_are_counted_as_one_by_one() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        for len in [0, 1, 31, 32, 33, 64, 255, 582, 600] {
            // Few symbols, so many bins agree (and a whole chunk of 32 can).
            let a: Vec<u8> = (0..len).map(|_| rng.gen_range(0..3u8)).collect();
            let b: Vec<u8> = (0..len).map(|_| rng.gen_range(0..3u8)).collect();
            let naive = a.iter().zip(&b).filter(|(p, q)| p == q).count();
            assert_eq!(agreeing(&a, &b), naive, "{len}");
            assert_eq!(agreeing(&a, &a), len);
        }
    }

    #[test]
    fn band_keys_are_equal_for_equal_bands_and_sort_by_key_then_text() {
        let sigs: Vec<u8> = vec![1, 2, 3, 9, 9, 9, 1, 2, 3, 1, 2, 4, 9, 9, 9, 1, 2, 3];
        let sig = |i: usize| &sigs[i * 6..(i + 1) * 6];
        let reps = [0u32, 1, 2];
        let mut cols = Vec::new();
        band_keys(&reps, &sig, 0, 3, 2, &mut cols);
        assert_eq!(cols.len(), 2);
        let key = |c: &Vec<u64>, w: usize| c[w] >> 32;
        // Text 0 is (1 2 3)(9 9 9), text 1 (1 2 3)(1 2 4), text 2 (9 9 9)(1 2 3).
        assert_eq!(key(&cols[0], 0), key(&cols[0], 1));
        assert_ne!(key(&cols[0], 0), key(&cols[0], 2));
        assert_ne!(key(&cols[1], 0), key(&cols[1], 1));
        // A key is the bins' alone: (1 2 3) in band 1 is (1 2 3) in band 0.
        assert_eq!(key(&cols[1], 2), key(&cols[0], 0));
        assert_eq!(cols[0][1] as u32, 1);
        // A longer band (10 bins) changes its key with any bin.
        assert_ne!(
            band_key(&[0; 10]),
            band_key(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 1])
        );
        let mut v: Vec<u64> = (0..5000u64).map(|x| mix64(x) ^ (x % 7)).collect();
        let mut want = v.clone();
        want.sort_unstable();
        bucket_sort(&mut v, &mut Vec::new());
        assert_eq!(v, want);
    }

    #[test]
    fn folded_sets_let_through_every_pair_at_the_threshold() {
        // {1,2,3} and {1,2,4}: I = 2, U = 4, Jaccard 0.5; with one lost shared shingle allowed,
        // thresholds up to (2 + 1) / 4 = 0.75 pass and 0.76 does not.
        assert!(folded_may_reach(&[1, 2, 3], &[1, 2, 4], 0.5));
        assert!(folded_may_reach(&[1, 2, 3], &[1, 2, 4], 0.75));
        assert!(!folded_may_reach(&[1, 2, 3], &[1, 2, 4], 0.76));
        // Shared shingles 1 and 2 folded into one: {1,3} and {1,4} (I = 1, U = 3, Jaccard 1/3)
        // still pass at the pair's true Jaccard 0.5, since (1 + 1) / 3 >= 0.5.
        assert!(folded_may_reach(&[1, 3], &[1, 4], 0.5));
        assert!(!folded_may_reach(&[], &[], 0.1));
    }

    /// `n` texts of 60 to 140 random words from a 20,000-word vocabulary, and for one text in
    /// five a near-duplicate made by replacing a share of its words (0 to 60%: Jaccard of the
    /// shingles from about 1 down to below 0.3). Seeded.
    fn planted(n: usize, seed: u64) -> Vec<String> {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let mut out: Vec<String> = Vec::with_capacity(n);
        while out.len() < n {
            let len = rng.gen_range(60..140);
            let words: Vec<u32> = (0..len).map(|_| rng.gen_range(0..20_000)).collect();
            out.push(
                words
                    .iter()
                    .map(|w| format!("w{w}"))
                    .collect::<Vec<_>>()
                    .join(" "),
            );
            if rng.gen_bool(0.2) && out.len() < n {
                let share = rng.gen_range(0.0..0.6);
                let copy: Vec<String> = words
                    .iter()
                    .map(|&w| {
                        let w = if rng.gen_bool(share) {
                            rng.gen_range(0..20_000)
                        } else {
                            w
                        };
                        format!("w{w}")
                    })
                    .collect();
                out.push(copy.join(" "));
            }
        }
        out
    }

    #[test]
    fn minhash_groups_equal_the_exact_ones_on_planted_near_duplicates() {
        let owned = planted(6000, 18);
        let texts: Vec<&str> = owned.iter().map(String::as_str).collect();
        let exact = groups(&texts, DEFAULT_THRESHOLD, Method::Exact, &|_, _| {});
        let minhash = groups(&texts, DEFAULT_THRESHOLD, Method::MinHash, &|_, _| {});
        let pairs = similar_pairs(&texts, DEFAULT_THRESHOLD);
        let q = compare_partitions(&exact, &minhash, &pairs);
        eprintln!("planted near-duplicates: {q:?}");
        // A few hundred exact pairs, from the threshold up to 1.
        assert!(pairs.len() > 300, "{}", pairs.len());
        assert!(q.same_group_share >= 0.995, "{q:?}");
        assert!(q.pair_recall >= 0.99, "{q:?}");
        assert_eq!(q.false_pairs, 0, "{q:?}");
    }

    #[test]
    fn minhash_groups_do_not_depend_on_the_thread_count() {
        let owned = planted(3000, 7);
        let texts: Vec<&str> = owned.iter().map(String::as_str).collect();
        let run = |threads| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| groups(&texts, 0.3, Method::MinHash, &|_, _| {}))
        };
        let one = run(1);
        assert_eq!(one, run(2));
        assert_eq!(one, run(5));
        assert!(one.iter().enumerate().any(|(i, &g)| g != i));
    }

    #[test]
    fn sketch_bins_agree_as_often_as_the_jaccard_similarity() {
        // Sets of 150 elements sharing 69 (Jaccard 69 / 231 = 0.2987); over 200 seeds of 582
        // bins the agreement rate's standard error is sqrt(.3 * .7 / 116400) = 0.0013.
        let a: Vec<u64> = (0..150).map(mix64).collect();
        let b: Vec<u64> = (81..231).map(mix64).collect();
        let (mut sa, mut sb) = (vec![0u32; 582], vec![0u32; 582]);
        let mut agree = 0;
        for seed in 0..200 {
            sketch(&a, seed, &mut sa);
            sketch(&b, seed, &mut sb);
            agree += sa.iter().zip(&sb).filter(|(x, y)| x == y).count();
        }
        let rate = agree as f64 / (200.0 * 582.0);
        assert!((rate - 69.0 / 231.0).abs() < 0.006, "{rate}");
        // Every bin filled; an empty set leaves every bin empty.
        assert!(sa.iter().all(|&v| v != u32::MAX));
        sketch(&[], 1, &mut sa);
        assert!(sa.iter().all(|&v| v == u32::MAX));
    }

    #[test]
    fn identical_texts_join_without_all_pairs_and_empty_ones_never() {
        let mut texts = vec!["the same few words again and again"; 500];
        texts.extend(["", "", "a b c d e f g h"]);
        let g = groups(&texts, 0.3, Method::MinHash, &|_, _| {});
        assert!(g[..500].iter().all(|&x| x == 0));
        assert_eq!(&g[500..], &[500, 501, 502]);
        assert_eq!(g, groups(&texts, 0.3, Method::Exact, &|_, _| {}));
    }

    #[test]
    fn methods_by_name_and_size() {
        for m in [Method::Exact, Method::MinHash, Method::Auto] {
            assert_eq!(m.name().parse::<Method>(), Ok(m));
        }
        assert!(
            "fast"
                .parse::<Method>()
                .unwrap_err()
                .contains("exact, minhash or auto")
        );
        assert_eq!(Method::Auto.resolve(AUTO_EXACT_BELOW - 1), Method::Exact);
        assert_eq!(Method::Auto.resolve(AUTO_EXACT_BELOW), Method::MinHash);
        assert_eq!(Method::Exact.resolve(1 << 30), Method::Exact);
    }

    #[test]
    fn partitions_compared_by_hand() {
        // Texts 0,1 together in both; 2 and 3 joined only by `other`; 4 alone in both: 3 of 5
        // texts keep their group, one false pair (2, 3), and of the reference pairs (0, 1) and
        // (2, 4) only the first is together in `other`.
        let q = compare_partitions(
            &[0, 0, 2, 3, 4],
            &[0, 0, 2, 2, 4],
            &[(0, 1, 0.5), (2, 4, 0.4)],
        );
        assert_eq!(
            q,
            PartitionAgreement {
                same_group_share: 0.6,
                pair_recall: 0.5,
                false_pairs: 1
            }
        );
    }

    #[test]
    fn progress_is_reported_up_to_the_total() {
        let owned = planted(5000, 3);
        let texts: Vec<&str> = owned.iter().map(String::as_str).collect();
        for method in [Method::Exact, Method::MinHash] {
            let seen = std::sync::Mutex::new(Vec::new());
            groups(&texts, 0.3, method, &|d, n| {
                seen.lock().unwrap().push((d, n))
            });
            let seen = seen.into_inner().unwrap();
            let (d, n) = *seen.last().unwrap();
            assert_eq!(d, n, "{method:?}");
            assert!(seen.iter().all(|&(d, m)| d <= m && m == n), "{method:?}");
            // MinHash: chunks, then bands; exact: every CHUNK (2048) texts probed, then the end.
            // MinHash's chunks report from several threads, so only the exact search's reports
            // (one thread) must arrive in order.
            if method == Method::MinHash {
                assert!(seen.len() > 10, "{}", seen.len());
            } else {
                assert!(seen.len() > 5000 / CHUNK + 1, "{}", seen.len());
                assert!(seen.windows(2).all(|w| w[0].0 <= w[1].0));
            }
        }
    }
}
