//! [`Tokenized`]: every text's term counts, made once per corpus. Each thread interns its chunk of
//! documents in its own open-addressing table; the terms are then sorted together, so ids are ranks
//! in code-point order whatever the thread count.

#[allow(unused_imports)]
use super::*;

/// Every document as interned term ids with counts, tokenized once. Terms are stored back to
/// back in one buffer; documents back to back in the chunks they were tokenized in (copying
/// them into one buffer would hold every pair twice at the peak).
#[derive(Debug, Clone)]
pub struct Tokenized {
    /// Interned terms (unigrams, and bigrams as `"w1 w2"` when asked for), in id order.
    term_text: String,
    /// Term id -> start in `term_text`; one more entry than terms.
    term_starts: Vec<usize>,
    /// Runs of consecutive documents, in document order.
    chunks: Vec<DocChunk>,
}

/// Consecutive documents' (term id, count) pairs as `id << 32 | count`, each document's sorted
/// (by id, since ids are distinct within a document).
#[derive(Debug, Clone)]
struct DocChunk {
    /// The chunk's first document.
    first: usize,
    pairs: Vec<u64>,
    /// Document (from `first`) -> end of its pairs.
    ends: Vec<usize>,
}

/// Equal terms and equal documents, however they are chunked (chunks follow the thread count).
impl PartialEq for Tokenized {
    fn eq(&self, other: &Tokenized) -> bool {
        self.term_text == other.term_text
            && self.term_starts == other.term_starts
            && self.n_docs() == other.n_docs()
            && (0..self.n_docs()).all(|d| self.doc(d).eq(other.doc(d)))
    }
}

impl Tokenized {
    /// Tokenizes `texts` with n-grams up to `ngram_max` (1 or 2). Documents are tokenized in
    /// parallel chunks, each interning its own terms; the chunks' terms are then sorted together
    /// and every term gets its rank in sorted (code point) order as its id. Ids therefore do not
    /// depend on the number of threads, and any subset of ids in increasing order is already in
    /// scikit-learn's column order.
    pub fn new(texts: &[&str], ngram_max: usize) -> Tokenized {
        let threads = rayon::current_num_threads().max(1);
        // One chunk per thread (at least 256 documents): fewer chunks mean fewer terms to sort
        // together; documents are many and mixed, so equal counts balance well enough.
        let chunk = texts.len().div_ceil(threads).max(256);
        let chunks: Vec<Chunk> = texts
            .par_chunks(chunk)
            .map(|chunk| tokenize_chunk(chunk, ngram_max))
            .collect();
        // Every chunk's terms, sorted together (byte = code point order: the first 16 bytes as two
        // keys, then the rest); equal terms from different chunks end up adjacent and share one
        // final id, their rank.
        let key = |t: &[u8]| u64::from_be_bytes(head(t).to_le_bytes());
        let key2 = |t: &[u8]| t.get(8..).map_or(0, key);
        let mut all: Vec<(u64, u64, u32, u32)> = chunks
            .par_iter()
            .enumerate()
            .flat_map_iter(|(c, ch)| {
                let local = &ch.terms;
                (0..local.len()).map(move |id| {
                    let t = local.term(id);
                    (key(t), key2(t), c as u32, id as u32)
                })
            })
            .collect();
        let term =
            |&(_, _, c, id): &(u64, u64, u32, u32)| chunks[c as usize].terms.term(id as usize);
        all.par_sort_unstable_by(|a, b| {
            (a.0, a.1)
                .cmp(&(b.0, b.1))
                .then_with(|| term(a).get(16..).cmp(&term(b).get(16..)))
        });
        // A term's id is the number of distinct terms before it. Runs of the sorted list are
        // merged in parallel: each keeps the terms that start there (compared with the entry
        // before, also across runs) and numbers them from 0 in its key field; the runs' counts
        // then give each run's first id.
        let before: Vec<Option<(u32, u32)>> = (0..all.len().div_ceil(MERGE_RUN))
            .map(|r| (r > 0).then(|| all[r * MERGE_RUN - 1]).map(|e| (e.2, e.3)))
            .collect();
        let runs: Vec<(Vec<u8>, Vec<usize>)> = all
            .par_chunks_mut(MERGE_RUN)
            .zip(&before)
            .map(|(run, before)| {
                let (mut bytes, mut ends) = (Vec::new(), Vec::new());
                let mut last = before.map(|(c, id)| term(&(0, 0, c, id)));
                for e in run.iter_mut() {
                    let t = term(e);
                    if last != Some(t) {
                        bytes.extend_from_slice(t);
                        ends.push(bytes.len());
                        last = Some(t);
                    }
                    // The first entries of a run that continue the run before's last term get
                    // u64::MAX: one less than 0, that term's id in its run.
                    e.0 = (ends.len() as u64).wrapping_sub(1);
                }
                (bytes, ends)
            })
            .collect();
        let mut firsts = Vec::with_capacity(runs.len());
        let mut term_bytes: Vec<u8> = Vec::with_capacity(runs.iter().map(|r| r.0.len()).sum());
        let mut term_starts = Vec::with_capacity(runs.iter().map(|r| r.1.len()).sum::<usize>() + 1);
        term_starts.push(0);
        for (bytes, ends) in &runs {
            firsts.push(term_starts.len() as u64 - 1);
            let base = term_bytes.len();
            term_bytes.extend_from_slice(bytes);
            term_starts.extend(ends.iter().map(|e| base + e));
        }
        drop(runs);
        // Each chunk's final ids, chunks in parallel (each scans the list for its own entries).
        let mut finals: Vec<Vec<u32>> = chunks.iter().map(|c| vec![0; c.terms.len()]).collect();
        finals.par_iter_mut().enumerate().for_each(|(c, fin)| {
            for (run, &first) in all.chunks(MERGE_RUN).zip(&firsts) {
                for e in run.iter().filter(|e| e.2 as usize == c) {
                    fin[e.3 as usize] = first.wrapping_add(e.0) as u32;
                }
            }
        });
        drop(all);
        // Tokens are cut at character boundaries, so this is UTF-8; were it not, each term is
        // made valid on its own (keeping the starts right).
        let (term_text, term_starts) = match String::from_utf8(term_bytes) {
            Ok(text) => (text, term_starts),
            Err(e) => {
                let bytes = e.into_bytes();
                let (mut text, mut starts) = (String::new(), vec![0]);
                for w in term_starts.windows(2) {
                    text.push_str(&String::from_utf8_lossy(&bytes[w[0]..w[1]]));
                    starts.push(text.len());
                }
                (text, starts)
            }
        };
        // Remap each document (chunks in parallel) and keep its pairs sorted by id (ids are
        // distinct within one), then put the chunks back to back.
        let mut chunks: Vec<(Vec<u64>, Vec<usize>)> =
            chunks.into_iter().map(|c| (c.pairs, c.doc_ends)).collect();
        chunks
            .par_iter_mut()
            .zip(&finals)
            .for_each(|((pairs, ends), fin)| {
                let mut start = 0;
                for &end in ends.iter() {
                    let doc = &mut pairs[start..end];
                    for p in doc.iter_mut() {
                        *p = (u64::from(fin[(*p >> 32) as usize]) << 32) | (*p & 0xffff_ffff);
                    }
                    doc.sort_unstable();
                    start = end;
                }
            });
        let mut first = 0;
        let chunks = chunks
            .into_iter()
            .map(|(pairs, ends)| {
                let c = DocChunk { first, pairs, ends };
                first += c.ends.len();
                c
            })
            .collect();
        Tokenized {
            term_text,
            term_starts,
            chunks,
        }
    }

    /// The unigram tokenization of the same texts, from one with bigrams: its terms without a
    /// space (a bigram is two words joined by one) and their counts. Equal to
    /// `Tokenized::new(texts, 1)` (tested), without reading the texts again. Ranks among the
    /// unigrams keep their order, so each document's pairs stay sorted.
    pub fn unigrams(&self) -> Tokenized {
        let bytes = self.term_text.as_bytes();
        // Old id -> 1 + new id, or 0 for a bigram.
        let mut new_id = vec![0u32; self.n_terms()];
        let mut term_text = String::new();
        let mut term_starts = vec![0];
        for (id, w) in self.term_starts.windows(2).enumerate() {
            let t = &bytes[w[0]..w[1]];
            if !t.contains(&b' ') {
                term_text.push_str(self.term(id));
                term_starts.push(term_text.len());
                new_id[id] = (term_starts.len() - 1) as u32;
            }
        }
        let chunks = self
            .chunks
            .par_iter()
            .map(|c| {
                // Reserved at the bigram tokenization's size: the pages past what is filled are
                // never touched.
                let mut pairs = Vec::with_capacity(c.pairs.len());
                let mut ends = Vec::with_capacity(c.ends.len());
                let mut start = 0;
                for &end in &c.ends {
                    for &p in &c.pairs[start..end] {
                        let m = new_id[(p >> 32) as usize];
                        if m != 0 {
                            pairs.push((u64::from(m - 1) << 32) | (p & 0xffff_ffff));
                        }
                    }
                    ends.push(pairs.len());
                    start = end;
                }
                DocChunk {
                    first: c.first,
                    pairs,
                    ends,
                }
            })
            .collect();
        Tokenized {
            term_text,
            term_starts,
            chunks,
        }
    }

    /// Number of documents.
    pub fn n_docs(&self) -> usize {
        self.chunks.last().map_or(0, |c| c.first + c.ends.len())
    }

    /// Number of distinct terms.
    pub fn n_terms(&self) -> usize {
        self.term_starts.len() - 1
    }

    /// Number of (document, term) pairs: the non-zeros of a matrix of every document.
    pub fn nnz(&self) -> usize {
        self.chunks.iter().map(|c| c.pairs.len()).sum()
    }

    /// The term with id `id`.
    pub fn term(&self, id: usize) -> &str {
        &self.term_text[self.term_starts[id]..self.term_starts[id + 1]]
    }

    /// Document `d`'s (term id, count) pairs, by increasing term id.
    pub fn doc(&self, d: usize) -> impl ExactSizeIterator<Item = (u32, u32)> + '_ {
        let c = &self.chunks[self.chunks.partition_point(|c| c.first <= d) - 1];
        let i = d - c.first;
        let start = if i == 0 { 0 } else { c.ends[i - 1] };
        c.pairs[start..c.ends[i]]
            .iter()
            .map(|&p| ((p >> 32) as u32, p as u32))
    }
}

/// Interned terms: UTF-8 bytes in one arena, found through an open-addressing hash table
/// (linear probing, at most three quarters full) whose slots hold each term's first 16 bytes,
/// length and id, so that looking up a token of up to 16 bytes (nearly all of them) reads one
/// slot and nothing else. The
/// frequent words' slots stay in cache by themselves. No allocation per term, one hash per token.
#[derive(Default)]
struct Interner {
    /// Power-of-two many slots; `len == 0` marks an empty one (terms are never empty).
    slots: Vec<Slot>,
    /// Term id -> its hash.
    hashes: Vec<u64>,
    /// Term id -> start in `bytes`; one more entry than terms.
    starts: Vec<usize>,
    bytes: Vec<u8>,
}

/// A table slot: the term's first 16 bytes, its length (0 = empty slot) and id, and where it was
/// last counted (kept in the slot, which a lookup has just read, rather than in an array by id).
/// 32 bytes, aligned, so a slot never straddles two cache lines, and terms of up to 16 bytes
/// (nearly all tokens) are matched without reading the arena.
#[derive(Clone, Copy, Default)]
#[repr(C, align(32))]
struct Slot {
    head: u64,
    /// Bytes 8..16 of the term, as [`head`] gives them (0 for terms of 8 bytes or fewer).
    tail: u64,
    len: u32,
    id: u32,
    /// Document it was last counted in (1-based; 0 = none).
    doc: u32,
    /// Index of its pair among that document's.
    at: u32,
}

/// Entries of the sorted term list merged per task by [`Tokenized::new`] (3 in unit tests, so
/// that their small vocabularies span several runs).
const MERGE_RUN: usize = if cfg!(test) { 3 } else { 1 << 16 };

/// Slots of a new table.
const INITIAL_SLOTS: usize = 1 << 12;

/// A fast multiplicative hash of a term given its [`head`], 8 bytes at a time (tests; the
/// tokenizer hashes words in place with [`term_hash_in`] and bigrams with [`bigram_hash`]).
#[cfg(test)]
fn term_hash(t: &[u8], head: u64) -> u64 {
    term_hash_in(t, 0, t.len(), head)
}

/// The table hash of the bigram "a b" from its words' hashes (`term_hash_in`).
#[inline]
fn bigram_hash(a: u64, b: u64) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let h = (a.rotate_left(31) ^ b.wrapping_mul(0xc2b2_ae3d_27d4_eb4f)).wrapping_mul(K);
    h ^ (h >> 29)
}

/// The hash of the word `buf[start..end]`. Each 8-byte step past the head is one load, masked
/// when it runs past `end` (when `buf` has 8 bytes to spare there, as the tokenizer's padded
/// copy does; otherwise byte by byte).
#[inline]
fn term_hash_in(buf: &[u8], start: usize, end: usize, head: u64) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let len = end - start;
    let mut h = (head ^ ((len as u64) << 59)).wrapping_mul(K);
    let mut i = start + 8;
    while i < end {
        let word = match buf.get(i..i + 8) {
            Some(b) if end - i >= 8 => crate::features::tokens::head(b),
            Some(b) => crate::features::tokens::head(b) & (u64::MAX >> (64 - 8 * (end - i))),
            None => crate::features::tokens::head(&buf[i..end]),
        };
        h = (h.rotate_left(23) ^ word).wrapping_mul(K);
        i += 8;
    }
    h ^ (h >> 29)
}

impl Interner {
    fn len(&self) -> usize {
        self.hashes.len()
    }

    fn term(&self, id: usize) -> &[u8] {
        &self.bytes[self.starts[id]..self.starts[id + 1]]
    }

    /// The slot a lookup of `hash` starts at.
    #[inline(always)]
    fn home(&self, hash: u64) -> usize {
        hash as usize & (self.slots.len().wrapping_sub(1))
    }

    /// The slot of `t` (non-empty; its [`head`] is `h` and its table hash is `hash`: a word's
    /// [`term_hash_in`], a bigram's [`bigram_hash`], always the same for the same term),
    /// interning it if new.
    #[inline(always)]
    fn slot(&mut self, t: &[u8], h: u64, hash: u64) -> usize {
        debug_assert!(!t.is_empty());
        if self.hashes.len() * 4 >= self.slots.len() * 3 {
            self.grow();
        }
        let len = t.len() as u32;
        let mask = self.slots.len() - 1;
        let mut i = self.home(hash);
        loop {
            let s = &self.slots[i];
            if s.len == 0 {
                break;
            }
            if s.head == h
                && s.len == len
                && (len <= 8
                    || (s.tail == head(&t[8..])
                        && (len <= 16 || self.term(s.id as usize)[16..] == t[16..])))
            {
                return i;
            }
            i = (i + 1) & mask;
        }
        let id = self.hashes.len() as u32;
        self.slots[i] = Slot {
            head: h,
            tail: t.get(8..).map_or(0, head),
            len,
            id,
            doc: 0,
            at: 0,
        };
        self.hashes.push(hash);
        if self.starts.is_empty() {
            self.starts.push(0);
        }
        self.bytes.extend_from_slice(t);
        self.starts.push(self.bytes.len());
        i
    }

    /// Asks the CPU to bring the slot a lookup of `hash` starts at into cache, without waiting
    /// for it (a plain read would hold up everything after it until the line arrives).
    #[inline(always)]
    #[allow(unsafe_code)]
    fn prefetch(&self, hash: u64) {
        let Some(s) = self.slots.get(self.home(hash)) else {
            return;
        };
        // SAFETY: a prefetch is a hint: it never faults and changes no memory, whatever the
        // address (here a valid slot's); SSE, which has it, is part of every x86_64 CPU.
        #[cfg(target_arch = "x86_64")]
        unsafe {
            use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
            _mm_prefetch::<_MM_HINT_T0>((s as *const Slot).cast());
        }
        #[cfg(not(target_arch = "x86_64"))]
        std::hint::black_box(s.head);
    }

    /// Doubles the table (or makes the first one) and moves every slot over.
    #[cold]
    fn grow(&mut self) {
        let n = (self.slots.len() * 2).max(INITIAL_SLOTS);
        let old = std::mem::replace(&mut self.slots, vec![Slot::default(); n]);
        for s in old.into_iter().filter(|s| s.len != 0) {
            let mut i = self.hashes[s.id as usize] as usize & (n - 1);
            while self.slots[i].len != 0 {
                i = (i + 1) & (n - 1);
            }
            self.slots[i] = s;
        }
    }

    /// Counts `t` (whose [`head`] is `h` and table hash is `hash`) in document `doc`
    /// (1-based), whose pairs so far are `pairs`.
    #[inline(always)]
    fn count(&mut self, t: &[u8], h: u64, hash: u64, doc: u32, pairs: &mut DocPairs) {
        let i = self.slot(t, h, hash);
        let s = &mut self.slots[i];
        if s.doc == doc {
            pairs.all[pairs.start + s.at as usize] += 1;
        } else {
            s.doc = doc;
            s.at = (pairs.all.len() - pairs.start) as u32;
            pairs.all.push((u64::from(s.id) << 32) | 1);
        }
    }
}

/// The (id, count) pairs being counted, as `id << 32 | count`: every document's so far, the
/// current one's from `start`.
struct DocPairs {
    all: Vec<u64>,
    start: usize,
}

/// A chunk's terms (by local id) and its documents' (local id, count) pairs, back to back.
struct Chunk {
    terms: Interner,
    pairs: Vec<u64>,
    /// Document -> end of its pairs.
    doc_ends: Vec<usize>,
}

/// How many tokens ahead [`tokenize_chunk`] prefetches the table slot a token will need (a
/// lookup takes far less time than a miss; on 20 Newsgroups 16 was a little faster than 8).
const LOOKAHEAD: usize = 16;

/// Tokenizes one chunk of documents, interning terms locally. Returns the chunk's terms and each
/// document's (local id, count) pairs, in order of first appearance.
///
/// Each document is tokenized into spans first, then counted: unigrams, then bigrams when asked
/// for. While counting, the table slot of the token [`LOOKAHEAD`] places ahead is prefetched,
/// so that its cache miss (the main cost with a large vocabulary) overlaps the work on the
/// tokens before it instead of stalling each lookup in turn.
fn tokenize_chunk(chunk: &[&str], ngram_max: usize) -> Chunk {
    let mut local = Interner::default();
    let mut buf = Scratch::default();
    let mut spans: Vec<Span> = Vec::new();
    let mut hashes: Vec<u64> = Vec::new();
    let mut pair_hashes: Vec<u64> = Vec::new();
    let mut bigram: Vec<u8> = Vec::new();
    // Reserved at one distinct term (and one bigram) per four bytes of text, about twice what
    // prose needs, so the buffer is rarely grown by copying (which holds the old one resident
    // as well); the pages past what is filled are never touched. Not the true bound (one per
    // two bytes): that would reserve four times the text, which a system that does not
    // overcommit memory may refuse.
    let guess: usize = chunk.iter().map(|t| (t.len() / 4 + 1) * ngram_max).sum();
    let mut pairs = DocPairs {
        all: Vec::with_capacity(guess),
        start: 0,
    };
    let mut doc_ends = Vec::with_capacity(chunk.len());
    for (d, text) in chunk.iter().enumerate() {
        let doc = d as u32 + 1;
        token_spans(text, &mut buf, &mut spans);
        let lower = buf.lower();
        hashes.clear();
        hashes.extend(
            spans
                .iter()
                .map(|s| term_hash_in(lower, s.start, s.end, s.head)),
        );
        pairs.start = pairs.all.len();
        for (i, (s, &hash)) in spans.iter().zip(&hashes).enumerate() {
            if let Some(&ahead) = hashes.get(i + LOOKAHEAD) {
                local.prefetch(ahead);
            }
            local.count(&lower[s.start..s.end], s.head, hash, doc, &mut pairs);
        }
        if ngram_max >= 2 {
            // A bigram's hash comes from its words' (no unigram holds a space, so the two kinds
            // never meet in a lookup), which lets its slot be prefetched like a word's.
            pair_hashes.clear();
            pair_hashes.extend(hashes.windows(2).map(|h| bigram_hash(h[0], h[1])));
            for (i, (w, &hash)) in spans.windows(2).zip(&pair_hashes).enumerate() {
                if let Some(&ahead) = pair_hashes.get(i + LOOKAHEAD) {
                    local.prefetch(ahead);
                }
                bigram.clear();
                bigram.extend_from_slice(&lower[w[0].start..w[0].end]);
                bigram.push(b' ');
                bigram.extend_from_slice(&lower[w[1].start..w[1].end]);
                local.count(&bigram, head(&bigram), hash, doc, &mut pairs);
            }
        }
        doc_ends.push(pairs.all.len());
    }
    Chunk {
        terms: local,
        pairs: pairs.all,
        doc_ends,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn matrix(
        texts: &[&str],
        train: &[usize],
        docs: &[usize],
        spec: FeatureSpec,
    ) -> (Vec<String>, Vec<Vec<f64>>) {
        let tok = Tokenized::new(texts, spec.ngram_max);
        let v = Vocabulary::fit(&tok, train, spec);
        let names = (0..v.len()).map(|c| v.term(&tok, c).to_owned()).collect();
        let dense = v.transform(&tok, docs).to_dense();
        (
            names,
            dense.rows().into_iter().map(|r| r.to_vec()).collect(),
        )
    }

    // Reference: scikit-learn 1.9.1
    //   cv = CountVectorizer().fit(["The cat sat", "the dog; the cat"])
    //   cv.get_feature_names_out() -> ['cat' 'dog' 'sat' 'the']
    //   cv.transform(["the cat sat", "the dog; the cat", "a bird and the cat"]).toarray()
    //   -> [[1 0 1 1] [1 1 0 2] [1 0 0 1]]
    #[test]
    fn counts_match_scikit_learn_and_ignore_test_words() {
        let texts = ["The cat sat", "the dog; the cat", "a bird and the cat"];
        let (names, m) = matrix(&texts, &[0, 1], &[0, 1, 2], FeatureSpec::COUNTS);
        assert_eq!(names, ["cat", "dog", "sat", "the"]);
        assert_eq!(
            m,
            [
                [1.0, 0.0, 1.0, 1.0],
                [1.0, 1.0, 0.0, 2.0],
                [1.0, 0.0, 0.0, 1.0]
            ]
        );
    }

    // Reference: scikit-learn 1.9.1
    //   tv = TfidfVectorizer(ngram_range=(1, 2)).fit(["aa bb", "bb cc"])
    //   tv.get_feature_names_out() -> ['aa' 'aa bb' 'bb' 'bb cc' 'cc']
    //   tv.transform(["aa bb cc"]).toarray().round(9)
    //   -> [[0.47107781 0.47107781 0.33517574 0.47107781 0.47107781]]
    #[test]
    fn tfidf_bigrams_match_scikit_learn() {
        let texts = ["aa bb", "bb cc", "aa bb cc"];
        let spec = FeatureSpec {
            ngram_max: 2,
            tfidf: true,
        };
        let (names, m) = matrix(&texts, &[0, 1], &[2], spec);
        assert_eq!(names, ["aa", "aa bb", "bb", "bb cc", "cc"]);
        let want = TFIDF_ROW;
        for (g, w) in m[0].iter().zip(want) {
            assert!((g - w).abs() < 1e-6, "{:?} vs {want:?}", m[0]);
        }
    }
    const TFIDF_ROW: [f64; 5] = [0.47107781, 0.47107781, 0.33517574, 0.47107781, 0.47107781];

    #[test]
    fn hashing_in_a_padded_buffer_equals_hashing_the_term() {
        let text = b"a_term_of_twenty_one! and nine_char x\0\0\0\0\0\0\0\0";
        for start in 0..30 {
            for end in start + 1..=38 {
                let t = &text[start..end];
                // The hash as first written: the head, then zero-padded 8-byte chunks.
                const K: u64 = 0x9e37_79b9_7f4a_7c15;
                let mut want = (head(t) ^ ((t.len() as u64) << 59)).wrapping_mul(K);
                for chunk in t.get(8..).unwrap_or_default().chunks(8) {
                    want = (want.rotate_left(23) ^ head(chunk)).wrapping_mul(K);
                }
                want ^= want >> 29;
                assert_eq!(term_hash_in(text, start, end, head(t)), want);
                assert_eq!(
                    term_hash(t, head(t)),
                    want,
                    "{:?}",
                    String::from_utf8_lossy(t)
                );
            }
        }
    }

    /// Terms that agree on their first 8 or 16 bytes, or differ only at the last byte, or only
    /// in length, each get an id of their own and are found again, even when every one of them
    /// starts its lookup at the same slot (hash 0: one long probe past all the others).
    #[test]
    fn interner_tells_apart_terms_that_share_a_prefix() {
        let base = b"abcdefghijklmnopqrstuvwx";
        let mut terms: Vec<Vec<u8>> = Vec::new();
        for len in 1..=base.len() {
            for at in [0, 7, 8, 15, 16, 17, len - 1] {
                let mut t = base[..len].to_vec();
                if at < len {
                    t[at] = b'_';
                }
                terms.push(t);
            }
        }
        terms.sort();
        terms.dedup();
        for fixed in [true, false] {
            let hash = |t: &[u8]| if fixed { 0 } else { term_hash(t, head(t)) };
            let mut table = Interner::default();
            let id_of = |table: &mut Interner, t: &[u8]| {
                let i = table.slot(t, head(t), hash(t));
                table.slots[i].id
            };
            let ids: Vec<u32> = terms.iter().map(|t| id_of(&mut table, t)).collect();
            assert_eq!(table.len(), terms.len(), "one id per distinct term");
            for (t, &id) in terms.iter().zip(&ids) {
                assert_eq!(table.term(id as usize), &t[..]);
                let again = id_of(&mut table, t);
                assert_eq!(again, id, "{:?}", String::from_utf8_lossy(t));
            }
        }
    }

    /// An independent reference for [`Tokenized`]: lowercase, cut at every character that is
    /// neither alphanumeric nor `_`, keep tokens of two or more characters (scikit-learn's
    /// `(?u)\b\w\w+\b` on lowercased text), join neighbours with a space for bigrams, and
    /// count each document in an ordered map.
    fn reference(texts: &[&str], ngram_max: usize) -> Vec<BTreeMap<String, u32>> {
        texts
            .iter()
            .map(|text| {
                let lower = text.to_lowercase();
                let words: Vec<&str> = lower
                    .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .filter(|w| w.chars().count() >= 2)
                    .collect();
                let mut counts = BTreeMap::new();
                for w in &words {
                    *counts.entry((*w).to_owned()).or_insert(0) += 1;
                }
                if ngram_max == 2 {
                    for pair in words.windows(2) {
                        *counts.entry(pair.join(" ")).or_insert(0) += 1;
                    }
                }
                counts
            })
            .collect()
    }

    /// [`Tokenized`] equals [`reference`]: the same terms, sorted, and each document's counts.
    fn assert_matches_reference(texts: &[&str], ngram_max: usize) {
        let tok = Tokenized::new(texts, ngram_max);
        let want = reference(texts, ngram_max);
        let mut terms: Vec<&str> = want
            .iter()
            .flat_map(|d| d.keys())
            .map(String::as_str)
            .collect();
        terms.sort_unstable();
        terms.dedup();
        let got: Vec<&str> = (0..tok.n_terms()).map(|t| tok.term(t)).collect();
        assert_eq!(got, terms, "terms");
        for (d, want) in want.iter().enumerate() {
            let got: BTreeMap<String, u32> = tok
                .doc(d)
                .map(|(id, n)| (tok.term(id as usize).to_owned(), n))
                .collect();
            assert_eq!(&got, want, "document {d}: {:?}", texts[d]);
        }
    }

    /// Enough distinct terms to grow every chunk's table several times over (30,000 unigrams
    /// and more bigrams), with lengths around the slot's 8- and 16-byte keys, sharing long
    /// prefixes, in documents spread over several chunks.
    #[test]
    fn tokenized_equals_the_reference_on_many_distinct_terms() {
        let prefixes = [
            "",
            "ab",
            "abcdef",
            "abcdefgh",
            "abcdefghijklmn",
            "abcdefghijklmnop",
            "abcdefghijklmnopqrstuvwxyz",
        ];
        let texts: Vec<String> = (0..3000)
            .map(|d| {
                (0..10)
                    .map(|w| {
                        let i = d * 10 + w;
                        format!("{}{i} the", prefixes[i % prefixes.len()])
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .collect();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        for ngram_max in [1, 2] {
            assert_matches_reference(&refs, ngram_max);
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        /// Random documents over a random vocabulary of words that share prefixes, in mixed
        /// case, with ASCII and non-ASCII separators and letters (both tokenizer paths), up to
        /// 700 documents (several chunks).
        #[test]
        fn tokenized_equals_the_reference(
            words in proptest::collection::vec("[a-c]{1,2}(x{0,20}|[a-zé_0-9]{0,20})", 1..300),
            docs in proptest::collection::vec(
                proptest::collection::vec(
                    (proptest::sample::select(&[" ", ", ", "-", "\t", "’", " Ü ", "9"][..]),
                     proptest::prelude::any::<proptest::sample::Index>(),
                     proptest::prelude::any::<bool>()),
                    0..30),
                0..700),
            ngram_max in 1..=2usize,
        ) {
            let texts: Vec<String> = docs
                .iter()
                .map(|doc| {
                    doc.iter()
                        .map(|(sep, w, upper)| {
                            let w = w.get(&words);
                            let w = if *upper { w.to_uppercase() } else { w.clone() };
                            format!("{w}{sep}")
                        })
                        .collect()
                })
                .collect();
            let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
            assert_matches_reference(&refs, ngram_max);
            if ngram_max == 2 {
                proptest::prop_assert!(
                    Tokenized::new(&refs, 2).unigrams() == Tokenized::new(&refs, 1),
                    "unigrams of the bigram tokenization"
                );
            }
        }
    }

    #[test]
    fn unigrams_of_a_bigram_tokenization_are_a_unigram_tokenization() {
        let texts = [
            "The cat sat",
            "",
            "sat",
            "the dog; the cat",
            "émile a b c Émile",
        ];
        let bigrams = Tokenized::new(&texts, 2);
        let unigrams = bigrams.unigrams();
        assert!(unigrams == Tokenized::new(&texts, 1));
        let terms: Vec<&str> = (0..unigrams.n_terms()).map(|t| unigrams.term(t)).collect();
        assert_eq!(terms, ["cat", "dog", "sat", "the", "émile"]);
        let doc: Vec<(u32, u32)> = unigrams.doc(3).collect();
        assert_eq!(doc, [(0, 1), (1, 1), (3, 2)]);
        assert_eq!(unigrams.doc(1).count(), 0);
        // A unigram tokenization's unigrams are itself.
        assert!(unigrams.unigrams() == unigrams);
    }

    #[test]
    fn tokenization_is_independent_of_chunking() {
        let texts: Vec<String> = (0..1000)
            .map(|i| format!("w{} w{} common", i % 37, i % 11))
            .collect();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let tok = Tokenized::new(&refs, 2);
        // Ids are ranks in sorted order.
        let terms: Vec<&str> = (0..tok.n_terms()).map(|t| tok.term(t)).collect();
        assert!(terms.windows(2).all(|w| w[0] < w[1]), "terms not sorted");
        assert_eq!(terms[0], "common");
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let single = pool.install(|| Tokenized::new(&refs, 2));
        assert_eq!(single, tok);
        // Eight chunks: every term has up to eight copies in the sorted list, so some merge runs
        // (3 entries in unit tests) hold only copies of the run before's last term.
        let texts: Vec<String> = (0..2600)
            .map(|i| format!("w{} w{} common", i % 37, i % 11))
            .collect();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let eight = rayon::ThreadPoolBuilder::new()
            .num_threads(8)
            .build()
            .unwrap()
            .install(|| Tokenized::new(&refs, 2));
        assert_eq!(eight.chunks.len(), 8);
        assert_eq!(eight, pool.install(|| Tokenized::new(&refs, 2)));
        assert_matches_reference(&refs, 2);
    }
}
