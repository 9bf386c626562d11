//! [`Vocabulary`]: a fold's columns (the terms of its training documents only) and TF-IDF weights
//! fitted on them.

#[allow(unused_imports)]
use super::*;

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
        let mut df = vec![0u32; tok.n_terms()];
        for &d in train {
            for (t, _) in tok.doc(d) {
                df[t as usize] += 1;
            }
        }
        // Term ids are ranks in sorted order, so increasing ids are already the column order.
        let columns: Vec<u32> = (0..tok.n_terms() as u32)
            .filter(|&t| df[t as usize] > 0)
            .collect();
        let mut col_of = vec![u32::MAX; tok.n_terms()];
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
        tok.term(self.columns[c] as usize)
    }

    /// The feature matrix of `docs` (any fold): counts, or L2-normalized TF-IDF.
    pub fn transform(&self, tok: &Tokenized, docs: &[usize]) -> Csr {
        let nnz: usize = docs.iter().map(|&d| tok.doc(d).len()).sum();
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
            for (t, n) in tok.doc(d) {
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
