//! Writes a synthetic corpus for scaling measurements: `N` documents, each 8 sentences drawn at
//! random (seeded ChaCha8, with replacement) from the sentences of one newsgroup of the shared
//! 20 Newsgroups corpus, labelled with that newsgroup (single label; the group is drawn
//! uniformly). Same arguments, same file, on any machine.
//!
//! ```sh
//! cargo run --release --example synth_corpus -- 200000 /tmp/synth-200k.csv
//! cargo run --release --example synth_corpus -- N OUT.csv [SOURCE.csv] [SEED]
//! ```
//!
//! SOURCE defaults to `../shared/corpora/20news/corpus.csv` and SEED to 42. Sentences are cut
//! at `.`, `!` or `?` followed by white space (white space collapsed to one space) and kept when
//! they have 4 to 80 words, so a document is about 1.1 kB, as in issue 18's measurements. Used
//! by `benches/scaling.sh` and the `group_scaling` bench group; the files never go into the repo.

use std::collections::BTreeMap;

use anyhow::{Context, Result, bail};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Sentences per document.
const SENTENCES: usize = 8;

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 2 || args.len() > 4 {
        bail!("usage: synth_corpus N OUT.csv [SOURCE.csv] [SEED]");
    }
    let n: usize = args[0]
        .parse()
        .with_context(|| format!("N must be a whole number, not `{}`", args[0]))?;
    let out = &args[1];
    let source = args
        .get(2)
        .map_or("../shared/corpora/20news/corpus.csv", String::as_str);
    let seed: u64 = match args.get(3) {
        Some(s) => s
            .parse()
            .with_context(|| format!("SEED must be a whole number, not `{s}`"))?,
        None => 42,
    };
    let pools = sentence_pools(source)?;
    let labels: Vec<&String> = pools.keys().collect();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut w = csv::Writer::from_path(out).with_context(|| format!("cannot write {out}"))?;
    w.write_record(["id", "text", "labels"])?;
    let mut text = String::new();
    for i in 0..n {
        let label = labels[rng.gen_range(0..labels.len())];
        let pool = &pools[label];
        text.clear();
        for k in 0..SENTENCES {
            if k > 0 {
                text.push(' ');
            }
            text.push_str(&pool[rng.gen_range(0..pool.len())]);
        }
        w.write_record([format!("d{i}").as_str(), text.as_str(), label.as_str()])?;
    }
    w.flush()?;
    Ok(())
}

/// Every newsgroup's sentences, in file order (an ordered map, so the draw does not depend on
/// hash order).
fn sentence_pools(source: &str) -> Result<BTreeMap<String, Vec<String>>> {
    let mut r = csv::Reader::from_path(source).with_context(|| {
        format!("cannot read {source}: give the 20 Newsgroups corpus.csv as the third argument")
    })?;
    let mut pools: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for rec in r.records() {
        let rec = rec.with_context(|| format!("{source}: malformed CSV"))?;
        let (text, label) = (&rec[1], &rec[2]);
        let pool = pools.entry(label.to_owned()).or_default();
        let mut sentence = String::new();
        let mut words = 0;
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            if c.is_whitespace() {
                if !sentence.is_empty() && !sentence.ends_with(' ') {
                    sentence.push(' ');
                    words += 1;
                }
                continue;
            }
            sentence.push(c);
            let end =
                matches!(c, '.' | '!' | '?') && chars.peek().is_none_or(|n| n.is_whitespace());
            if end {
                if (4..=80).contains(&(words + 1)) {
                    pool.push(std::mem::take(&mut sentence));
                }
                sentence.clear();
                words = 0;
            }
        }
    }
    pools.retain(|_, p| !p.is_empty());
    if pools.is_empty() {
        bail!("{source}: no sentences found (expected the header `id,text,labels[,split]`)");
    }
    Ok(pools)
}
