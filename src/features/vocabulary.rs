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

    /// The feature matrix of `docs` (any fold): counts, or L2-normalized TF-IDF. Rows are
    /// measured, then written in parallel blocks straight into the matrix's final arrays (no
    /// per-block copies to join), each row exactly as one pass over its document would.
    pub fn transform(&self, tok: &Tokenized, docs: &[usize]) -> Csr {
        const BLOCK: usize = 4096;
        let lens: Vec<usize> = docs
            .par_iter()
            .map(|&d| {
                tok.doc(d)
                    .filter(|&(t, _)| self.col_of[t as usize] != u32::MAX)
                    .count()
            })
            .collect();
        let mut indptr = Vec::with_capacity(docs.len() + 1);
        indptr.push(0);
        for len in lens {
            indptr.push(indptr[indptr.len() - 1] + len);
        }
        let nnz = indptr[docs.len()];
        let mut indices = vec![0u32; nnz];
        let mut data = vec![0f64; nnz];
        let mut blocks = Vec::with_capacity(docs.len().div_ceil(BLOCK));
        let (mut rest_i, mut rest_d) = (indices.as_mut_slice(), data.as_mut_slice());
        for (b, block) in docs.chunks(BLOCK).enumerate() {
            let first = b * BLOCK;
            let len = indptr[first + block.len()] - indptr[first];
            let (i, ri) = rest_i.split_at_mut(len);
            let (d, rd) = rest_d.split_at_mut(len);
            (rest_i, rest_d) = (ri, rd);
            blocks.push((block, i, d));
        }
        blocks.into_par_iter().for_each(|(block, ind, val)| {
            let mut k = 0;
            for &d in block {
                let start = k;
                // Documents are sorted by term id and columns increase with term id, so each
                // row comes out sorted by column.
                for (t, n) in tok.doc(d) {
                    let c = self.col_of[t as usize];
                    if c != u32::MAX {
                        ind[k] = c;
                        val[k] = f64::from(n);
                        k += 1;
                    }
                }
                if let Some(idf) = &self.idf {
                    let row = start..k;
                    for j in row.clone() {
                        val[j] *= idf[ind[j] as usize];
                    }
                    let norm = val[row.clone()].iter().map(|v| v * v).sum::<f64>().sqrt();
                    if norm > 0.0 {
                        val[row].iter_mut().for_each(|v| *v /= norm);
                    }
                }
            }
        });
        Csr {
            n_cols: self.len(),
            indptr,
            indices,
            data,
        }
    }

    /// One row per group of `docs`: the sum of the group's count rows. Counts are integers, so
    /// the sums are exact and a naive Bayes model's word counts per topic come out the same as
    /// from the unsummed rows, in any order (what [`crate::eval::top_words`] relies on).
    pub fn transform_summed(&self, tok: &Tokenized, groups: &[Vec<usize>]) -> Csr {
        let rows: Vec<Vec<(u32, f64)>> = groups
            .par_iter()
            .map_init(
                || vec![0u64; self.len()],
                |acc, group| {
                    for &d in group {
                        for (t, n) in tok.doc(d) {
                            let c = self.col_of[t as usize];
                            if c != u32::MAX {
                                acc[c as usize] += u64::from(n);
                            }
                        }
                    }
                    let mut row = Vec::new();
                    for (c, a) in acc.iter_mut().enumerate() {
                        if *a > 0 {
                            row.push((c as u32, *a as f64));
                            *a = 0;
                        }
                    }
                    row
                },
            )
            .collect();
        Csr::from_rows(self.len(), rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 10,000 seeded documents (three of the transform's blocks and a part), a training part that
    /// leaves some terms out, both feature settings.
    fn corpus() -> (Tokenized, Vec<usize>, Vec<usize>) {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let texts: Vec<String> = (0..10_000)
            .map(|_| {
                (0..rng.gen_range(0..12))
                    .map(|_| format!("w{}", rng.gen_range(0..3000)))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let (train, test) = (0..10_000).partition(|d| d % 5 != 0);
        (Tokenized::new(&refs, 2), train, test)
    }

    /// The row a plain pass over one document writes.
    fn reference(vocab: &Vocabulary, tok: &Tokenized, d: usize) -> Vec<(u32, f64)> {
        let mut row: Vec<(u32, f64)> = tok
            .doc(d)
            .filter(|&(t, _)| vocab.col_of[t as usize] != u32::MAX)
            .map(|(t, n)| (vocab.col_of[t as usize], f64::from(n)))
            .collect();
        if let Some(idf) = &vocab.idf {
            row.iter_mut().for_each(|(c, v)| *v *= idf[*c as usize]);
            let norm = row.iter().map(|(_, v)| v * v).sum::<f64>().sqrt();
            if norm > 0.0 {
                row.iter_mut().for_each(|(_, v)| *v /= norm);
            }
        }
        row
    }

    #[test]
    fn transform_writes_every_row_as_one_pass_would() {
        let (tok, train, test) = corpus();
        for spec in [FeatureSpec::COUNTS, FeatureSpec::TFIDF] {
            let vocab = Vocabulary::fit(&tok, &train, spec);
            for docs in [&train, &test] {
                let m = vocab.transform(&tok, docs);
                let want = Csr::from_rows(
                    vocab.len(),
                    docs.iter().map(|&d| reference(&vocab, &tok, d)),
                );
                assert_eq!(
                    (m.n_cols, &m.indptr, &m.indices),
                    (want.n_cols, &want.indptr, &want.indices)
                );
                assert!(
                    m.data
                        .iter()
                        .zip(&want.data)
                        .all(|(a, b)| a.to_bits() == b.to_bits())
                );
            }
        }
    }

    #[test]
    fn summed_rows_are_the_sums_of_the_count_rows() {
        let (tok, train, test) = corpus();
        let vocab = Vocabulary::fit(&tok, &train, FeatureSpec::COUNTS);
        let groups: Vec<Vec<usize>> = vec![test.clone(), train[..7].to_vec(), Vec::new(), train];
        let m = vocab.transform_summed(&tok, &groups);
        for (g, docs) in groups.iter().enumerate() {
            let mut sum = vec![0.0; vocab.len()];
            let x = vocab.transform(&tok, docs);
            for (&c, &v) in x.indices.iter().zip(&x.data) {
                sum[c as usize] += v;
            }
            let want: Vec<(u32, f64)> = (0..vocab.len())
                .filter(|&c| sum[c] > 0.0)
                .map(|c| (c as u32, sum[c]))
                .collect();
            let (cols, vals) = m.row(g);
            assert_eq!(
                cols.iter()
                    .copied()
                    .zip(vals.iter().copied())
                    .collect::<Vec<_>>(),
                want
            );
        }
    }
}
