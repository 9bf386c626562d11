//! Bag-of-words features: a sparse (CSR) count matrix per fold, with the vocabulary taken from the
//! training fold only.
//!
//! Texts are tokenized once ([`Tokenized::new`]); each token (or word bigram) is interned to a
//! corpus-wide id just to avoid re-tokenizing per fold. A fold's columns are then the terms that
//! occur in its *training* documents, in sorted (code point) order as scikit-learn's
//! `CountVectorizer` orders them; test documents keep only those columns, so test text never
//! influences the vocabulary or any weight. TF-IDF uses scikit-learn's defaults
//! (`smooth_idf=True`: idf = ln((1+n)/(1+df)) + 1, rows L2-normalized) with document frequencies
//! from the training fold, fixed and reused for the test fold. Classifiers see only [`Csr`].

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::text::for_each_token;

/// How a classifier wants its features.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FeatureSpec {
    /// Largest word n-gram: 1 (unigrams) or 2 (unigrams and bigrams).
    pub ngram_max: usize,
    /// TF-IDF weighting with L2-normalized rows instead of raw counts.
    pub tfidf: bool,
}

impl FeatureSpec {
    /// Raw unigram counts (the baseline's features).
    pub const COUNTS: FeatureSpec = FeatureSpec {
        ngram_max: 1,
        tfidf: false,
    };
    /// TF-IDF unigrams with L2-normalized rows.
    pub const TFIDF: FeatureSpec = FeatureSpec {
        ngram_max: 1,
        tfidf: true,
    };
}

/// A compressed sparse row matrix of `f64`, column indices sorted within each row.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Csr {
    /// Number of columns.
    pub n_cols: usize,
    /// Row `i` is `indices[indptr[i]..indptr[i+1]]` / `data[...]`.
    pub indptr: Vec<usize>,
    /// Column of each stored value.
    pub indices: Vec<u32>,
    /// The stored values.
    pub data: Vec<f64>,
}

impl Csr {
    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.indptr.len().saturating_sub(1)
    }

    /// Row `i` as (columns, values).
    pub fn row(&self, i: usize) -> (&[u32], &[f64]) {
        let (a, b) = (self.indptr[i], self.indptr[i + 1]);
        (&self.indices[a..b], &self.data[a..b])
    }

    /// Builds a matrix from rows of (column, value) pairs; sorts each row by column.
    pub fn from_rows(n_cols: usize, rows: impl IntoIterator<Item = Vec<(u32, f64)>>) -> Csr {
        let mut m = Csr {
            n_cols,
            indptr: vec![0],
            ..Csr::default()
        };
        for mut r in rows {
            r.sort_unstable_by_key(|&(c, _)| c);
            for (c, v) in r {
                m.indices.push(c);
                m.data.push(v);
            }
            m.indptr.push(m.indices.len());
        }
        m
    }

    /// The selected rows, in the given order.
    pub fn select_rows(&self, rows: &[usize]) -> Csr {
        let mut m = Csr {
            n_cols: self.n_cols,
            indptr: Vec::with_capacity(rows.len() + 1),
            ..Csr::default()
        };
        m.indptr.push(0);
        for &r in rows {
            let (c, v) = self.row(r);
            m.indices.extend_from_slice(c);
            m.data.extend_from_slice(v);
            m.indptr.push(m.indices.len());
        }
        m
    }

    /// A dense copy (for libraries that need one). `n_rows * n_cols` values.
    pub fn to_dense(&self) -> ndarray::Array2<f64> {
        let mut a = ndarray::Array2::zeros((self.n_rows(), self.n_cols));
        for i in 0..self.n_rows() {
            let (c, v) = self.row(i);
            for (&c, &v) in c.iter().zip(v) {
                a[[i, c as usize]] = v;
            }
        }
        a
    }
}

/// Every document as interned term ids with counts, tokenized once.
#[derive(Debug, Clone)]
pub struct Tokenized {
    /// Interned terms (unigrams, and bigrams as `"w1 w2"` when asked for).
    pub terms: Vec<String>,
    /// Per document: (term id, count), sorted by term id.
    pub docs: Vec<Vec<(u32, u32)>>,
}

impl Tokenized {
    /// Tokenizes `texts` with n-grams up to `ngram_max` (1 or 2). Documents are tokenized in
    /// parallel chunks, each interning its own terms; the chunks' terms are then merged and every
    /// term gets its rank in sorted (code point) order as its id. Ids therefore do not depend on
    /// the number of threads, and any subset of ids in increasing order is already in
    /// scikit-learn's column order.
    pub fn new(texts: &[&str], ngram_max: usize) -> Tokenized {
        let threads = rayon::current_num_threads().max(1);
        let chunk = (texts.len() / (threads * 4)).clamp(64, 8192);
        let chunk = chunk.max(1);
        let chunks: Vec<Chunk> = texts
            .par_chunks(chunk)
            .map(|chunk| tokenize_chunk(chunk, ngram_max))
            .collect();
        // Merge: local id -> provisional global id (first appearance in chunk order).
        let mut global: FxHashMap<Box<str>, u32> = FxHashMap::default();
        let mut maps: Vec<Vec<u32>> = Vec::with_capacity(chunks.len());
        let mut docs: Vec<Vec<(u32, u32)>> = Vec::with_capacity(texts.len());
        for (local_terms, local_docs) in chunks {
            maps.push(
                local_terms
                    .into_iter()
                    .map(|t| {
                        let n = global.len() as u32;
                        *global.entry(t).or_insert(n)
                    })
                    .collect(),
            );
            docs.extend(local_docs);
        }
        // Final ids: rank in sorted order.
        let mut terms: Vec<(Box<str>, u32)> = global.into_iter().collect();
        terms.par_sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let mut rank = vec![0u32; terms.len()];
        for (r, (_, provisional)) in terms.iter().enumerate() {
            rank[*provisional as usize] = r as u32;
        }
        // Remap each document (chunk by chunk) and keep its pairs sorted by id.
        docs.par_iter_mut().enumerate().for_each(|(i, d)| {
            let map = &maps[i / chunk];
            for (t, _) in d.iter_mut() {
                *t = rank[map[*t as usize] as usize];
            }
            d.sort_unstable();
        });
        Tokenized {
            terms: terms.into_iter().map(|(t, _)| t.into_string()).collect(),
            docs,
        }
    }
}

/// A chunk's terms (index = local id) and its documents' (local id, count) pairs.
type Chunk = (Vec<Box<str>>, Vec<Vec<(u32, u32)>>);

/// Tokenizes one chunk of documents, interning terms locally. Returns the chunk's terms (index =
/// local id) and each document's (local id, count) pairs.
fn tokenize_chunk(chunk: &[&str], ngram_max: usize) -> Chunk {
    let mut local: FxHashMap<Box<str>, u32> = FxHashMap::default();
    let mut intern = |t: &str| -> u32 {
        if let Some(&id) = local.get(t) {
            return id;
        }
        let id = local.len() as u32;
        local.insert(t.into(), id);
        id
    };
    let mut buf = String::new();
    let mut prev = String::new();
    let mut bigram = String::new();
    let mut ids: Vec<u32> = Vec::new();
    let mut docs = Vec::with_capacity(chunk.len());
    for text in chunk {
        ids.clear();
        prev.clear();
        for_each_token(text, &mut buf, |tok| {
            ids.push(intern(tok));
            if ngram_max >= 2 {
                if !prev.is_empty() {
                    bigram.clear();
                    bigram.push_str(&prev);
                    bigram.push(' ');
                    bigram.push_str(tok);
                    ids.push(intern(&bigram));
                }
                prev.clear();
                prev.push_str(tok);
            }
        });
        ids.sort_unstable();
        let mut counts: Vec<(u32, u32)> = Vec::new();
        for &id in &ids {
            match counts.last_mut() {
                Some((last, n)) if *last == id => *n += 1,
                _ => counts.push((id, 1)),
            }
        }
        docs.push(counts);
    }
    let mut terms: Vec<Box<str>> = vec![Box::from(""); local.len()];
    for (t, id) in local {
        terms[id as usize] = t;
    }
    (terms, docs)
}

/// A fitted vectorizer: the training fold's vocabulary (sorted) and, for TF-IDF, its idf.
#[derive(Debug, Clone)]
pub struct Vocabulary {
    /// Column -> term id in the [`Tokenized`] table.
    pub columns: Vec<u32>,
    /// Term id -> column (`u32::MAX` when the term is not in the vocabulary).
    col_of: Vec<u32>,
    /// Per-column idf when TF-IDF is on.
    idf: Option<Vec<f64>>,
}

impl Vocabulary {
    /// Fits on the training documents only.
    pub fn fit(tok: &Tokenized, train: &[usize], spec: FeatureSpec) -> Vocabulary {
        let mut df = vec![0u32; tok.terms.len()];
        for &d in train {
            for &(t, _) in &tok.docs[d] {
                df[t as usize] += 1;
            }
        }
        // Term ids are ranks in sorted order, so increasing ids are already the column order.
        let columns: Vec<u32> = (0..tok.terms.len() as u32)
            .filter(|&t| df[t as usize] > 0)
            .collect();
        let mut col_of = vec![u32::MAX; tok.terms.len()];
        for (c, &t) in columns.iter().enumerate() {
            col_of[t as usize] = c as u32;
        }
        let idf = spec.tfidf.then(|| {
            let n = train.len() as f64;
            columns
                .iter()
                .map(|&t| ((1.0 + n) / (1.0 + f64::from(df[t as usize]))).ln() + 1.0)
                .collect()
        });
        Vocabulary {
            columns,
            col_of,
            idf,
        }
    }

    /// Number of columns.
    pub fn len(&self) -> usize {
        self.columns.len()
    }

    /// True when the training fold had no tokens at all.
    pub fn is_empty(&self) -> bool {
        self.columns.is_empty()
    }

    /// The term of column `c`.
    pub fn term<'a>(&self, tok: &'a Tokenized, c: usize) -> &'a str {
        &tok.terms[self.columns[c] as usize]
    }

    /// The feature matrix of `docs` (any fold): counts, or L2-normalized TF-IDF.
    pub fn transform(&self, tok: &Tokenized, docs: &[usize]) -> Csr {
        let nnz: usize = docs.iter().map(|&d| tok.docs[d].len()).sum();
        let mut m = Csr {
            n_cols: self.len(),
            indptr: Vec::with_capacity(docs.len() + 1),
            indices: Vec::with_capacity(nnz),
            data: Vec::with_capacity(nnz),
        };
        m.indptr.push(0);
        for &d in docs {
            let start = m.indices.len();
            // Documents are sorted by term id and columns increase with term id, so each row
            // comes out sorted by column.
            for &(t, n) in &tok.docs[d] {
                let c = self.col_of[t as usize];
                if c != u32::MAX {
                    m.indices.push(c);
                    m.data.push(f64::from(n));
                }
            }
            if let Some(idf) = &self.idf {
                let row = start..m.indices.len();
                for k in row.clone() {
                    m.data[k] *= idf[m.indices[k] as usize];
                }
                let norm = m.data[row.clone()]
                    .iter()
                    .map(|v| v * v)
                    .sum::<f64>()
                    .sqrt();
                if norm > 0.0 {
                    m.data[row].iter_mut().for_each(|v| *v /= norm);
                }
            }
            m.indptr.push(m.indices.len());
        }
        m
    }
}

#[cfg(test)]
mod tests {
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
    fn tokenization_is_independent_of_chunking() {
        let texts: Vec<String> = (0..1000)
            .map(|i| format!("w{} w{} common", i % 37, i % 11))
            .collect();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let tok = Tokenized::new(&refs, 2);
        // Ids are ranks in sorted order.
        assert!(
            tok.terms.windows(2).all(|w| w[0] < w[1]),
            "terms not sorted"
        );
        assert_eq!(tok.terms[0], "common");
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let single = pool.install(|| Tokenized::new(&refs, 2));
        assert_eq!(single.terms, tok.terms);
        assert_eq!(single.docs, tok.docs);
    }
}
