//! The matrices classifiers see: [`Csr`] rows of (column, value), and the [`FeatureSpec`] a
//! classifier asks for.

#[allow(unused_imports)]
use super::*;

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
    /// The transpose (columns become rows), each new row in ascending order of the old rows.
    pub fn transpose(&self) -> Csr {
        let x = self;
        let mut counts = vec![0usize; x.n_cols + 1];
        for &c in &x.indices {
            counts[c as usize + 1] += 1;
        }
        for c in 0..x.n_cols {
            counts[c + 1] += counts[c];
        }
        let mut next = counts.clone();
        let mut indices = vec![0u32; x.indices.len()];
        let mut data = vec![0.0; x.data.len()];
        for i in 0..x.n_rows() {
            let (cols, vals) = x.row(i);
            for (&c, &v) in cols.iter().zip(vals) {
                let at = next[c as usize];
                indices[at] = i as u32;
                data[at] = v;
                next[c as usize] += 1;
            }
        }
        Csr {
            n_cols: x.n_rows(),
            indptr: counts,
            indices,
            data,
        }
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transpose_round_trips() {
        let x = Csr::from_rows(
            3,
            [vec![(0, 1.0), (2, 2.0)], vec![], vec![(1, -1.0), (2, 4.0)]],
        );
        let t = x.transpose();
        assert_eq!(t.n_rows(), 3);
        assert_eq!(t.n_cols, 3);
        assert_eq!(t.to_dense(), x.to_dense().t());
        // Column 2 of x is rows 0 and 2, in that order.
        assert_eq!(t.row(2), (&[0u32, 2][..], &[2.0, 4.0][..]));
        assert_eq!(t.transpose(), x);
    }
}
