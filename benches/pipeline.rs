//! Speed, one criterion group per pipeline stage: tokenize+count (bytes/s, all threads and one
//! thread), fit and predict (documents/s; linfa-bayes dense beside the sparse twin), one full
//! default eval of the shipped corpus, and a scaling group over 1k/10k/100k documents resampled
//! (seeded) from 20 Newsgroups in ../shared (skipped with a message where it is absent), and one
//! group per sparse contender solver (`fit_linear_svm`, `fit_logistic_regression`,
//! `fit_bernoulli_nb`: documents/s, fitting on the 20 Newsgroups training split as `eval --split
//! test` does, single-label; scikit-learn's fit times for the same fits are in
//! `benches/compare_contenders.py`); near-duplicate grouping (exact beside MinHash) over 10k/50k
//! documents of random 20 Newsgroups sentences, up to 1M with `TOPICBENCH_BENCH_LARGE=1`.
//!
//! `cargo bench` runs them; CI only compiles them (`cargo bench --no-run`).

use std::path::PathBuf;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use ndarray::{Array2, Axis};
use rand::{Rng, SeedableRng};
use topicbench::classifiers::{self, Classifier, FitContext};
use topicbench::data::dataset::{Dataset, Project};
use topicbench::eval::{self, RunOptions, Scheme};
use topicbench::features::{FeatureSpec, Tokenized, Vocabulary};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn shipped() -> Dataset {
    topicbench::data::check::load_project(
        &Project::new(root()),
        topicbench::data::groups::DEFAULT_THRESHOLD,
    )
    .expect("the shipped corpus passes check")
}

/// 20 Newsgroups, if ../shared is there.
fn news20() -> Option<Dataset> {
    let path = root().join("../shared/corpora/20news/corpus.csv");
    if !path.exists() {
        eprintln!(
            "skipping 20 Newsgroups benches: {} is absent",
            path.display()
        );
        return None;
    }
    topicbench::data::csv_corpus::load(&path, None).ok()
}

fn gold(ds: &Dataset, items: &[usize]) -> Array2<bool> {
    let mut y = Array2::from_elem((items.len(), ds.topics.len()), false);
    for (r, &i) in items.iter().enumerate() {
        for &t in &ds.items[i].topics {
            y[[r, t]] = true;
        }
    }
    y
}

fn tokenize(c: &mut Criterion) {
    let mut g = c.benchmark_group("tokenize_count");
    let mut inputs: Vec<(&str, Vec<String>)> = vec![(
        "shipped",
        shipped().items.iter().map(|i| i.text.clone()).collect(),
    )];
    if let Some(ds) = news20() {
        inputs.push(("20news", ds.items.iter().map(|i| i.text.clone()).collect()));
    }
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    for (name, texts) in &inputs {
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let bytes: usize = refs.iter().map(|t| t.len()).sum();
        g.throughput(Throughput::BytesDecimal(bytes as u64));
        g.bench_with_input(BenchmarkId::new("all_threads", name), &refs, |b, r| {
            b.iter(|| Tokenized::new(r, 1))
        });
        g.bench_with_input(BenchmarkId::new("one_thread", name), &refs, |b, r| {
            b.iter(|| one.install(|| Tokenized::new(r, 1)))
        });
    }
    g.finish();
}

fn fit_predict(c: &mut Criterion) {
    let ds = shipped();
    let items = ds.body();
    let texts: Vec<&str> = items.iter().map(|&i| ds.items[i].text.as_str()).collect();
    let tok = Tokenized::new(&texts, 1);
    let all: Vec<usize> = (0..items.len()).collect();
    let x = Vocabulary::fit(&tok, &all, FeatureSpec::COUNTS).transform(&tok, &all);
    let y = gold(&ds, &items);
    let ctx = FitContext {
        seed: 42,
        single_label: false,
        memory_budget_bytes: topicbench::classifiers::DEFAULT_MEMORY_BUDGET_BYTES,
    };
    let clf = classifiers::multinomial_nb::MultinomialNb::default();
    // A zero budget sends the baseline to its sparse twin.
    let sparse_ctx = FitContext {
        memory_budget_bytes: 0,
        ..ctx
    };
    let mut g = c.benchmark_group("fit_predict");
    g.throughput(Throughput::Elements(items.len() as u64));
    for (name, ctx) in [("linfa_dense", &ctx), ("sparse", &sparse_ctx)] {
        g.bench_function(BenchmarkId::new("fit", name), |b| {
            b.iter(|| clf.fit(&x, y.view(), ctx).unwrap())
        });
        let model = clf.fit(&x, y.view(), ctx).unwrap();
        g.bench_function(BenchmarkId::new("predict", name), |b| {
            b.iter(|| model.predict(&x))
        });
    }
    g.finish();
}

fn full_eval(c: &mut Criterion) {
    let ds = shipped();
    let all: Vec<Box<dyn Classifier>> = classifiers::REGISTRY.iter().map(|e| (e.make)()).collect();
    let opts = RunOptions {
        seed: 42,
        external_timeout: std::time::Duration::from_secs(60),
        external_max_line: 1 << 20,
        memory_budget_bytes: classifiers::DEFAULT_MEMORY_BUDGET_BYTES,
    };
    let mut g = c.benchmark_group("eval_shipped");
    g.sample_size(10);
    g.bench_function("all_classifiers_5x10", |b| {
        b.iter(|| {
            let p = eval::prepare(
                &ds,
                Scheme::KFold {
                    folds: 5,
                    repeats: 10,
                },
                42,
            )
            .unwrap();
            let run = eval::run(&ds, p, &all, &[], &opts, &|| {});
            eval::summarize(&run, classifiers::BASELINE, &eval::StatsOptions::default())
        })
    });
    g.finish();
}

/// Baseline train (80%) → test (20%) end to end, on n documents resampled with replacement.
fn scaling(c: &mut Criterion) {
    let Some(ds) = news20() else { return };
    let mut g = c.benchmark_group("scaling_baseline");
    g.sample_size(10);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(42);
    let baseline = classifiers::by_name(classifiers::BASELINE).unwrap();
    for n in [1_000usize, 10_000, 100_000] {
        let pick: Vec<usize> = (0..n).map(|_| rng.gen_range(0..ds.items.len())).collect();
        let texts: Vec<&str> = pick.iter().map(|&i| ds.items[i].text.as_str()).collect();
        let y = gold(&ds, &pick);
        let cut = n * 4 / 5;
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &texts, |b, texts| {
            b.iter(|| {
                let tok = Tokenized::new(texts, 1);
                let train: Vec<usize> = (0..cut).collect();
                let test: Vec<usize> = (cut..texts.len()).collect();
                let v = Vocabulary::fit(&tok, &train, FeatureSpec::COUNTS);
                let ctx = FitContext {
                    seed: 42,
                    single_label: true,
                    memory_budget_bytes: topicbench::classifiers::DEFAULT_MEMORY_BUDGET_BYTES,
                };
                let m = baseline
                    .fit(
                        &v.transform(&tok, &train),
                        y.select(Axis(0), &train).view(),
                        &ctx,
                    )
                    .unwrap();
                m.predict(&v.transform(&tok, &test))
            })
        });
    }
    g.finish();
}

/// One group per sparse contender: fit on the 20 Newsgroups training split (11,314 documents),
/// with the features the classifier asks for, as one multi-class problem.
fn contenders(c: &mut Criterion) {
    let Some(ds) = news20() else { return };
    let train: Vec<usize> = (0..ds.items.len())
        .filter(|&i| ds.items[i].is_test == Some(false))
        .collect();
    let texts: Vec<&str> = train.iter().map(|&i| ds.items[i].text.as_str()).collect();
    let tok = Tokenized::new(&texts, 1);
    let all: Vec<usize> = (0..train.len()).collect();
    let y = gold(&ds, &train);
    let ctx = FitContext {
        seed: 42,
        single_label: true,
        memory_budget_bytes: topicbench::classifiers::DEFAULT_MEMORY_BUDGET_BYTES,
    };
    for name in ["linear_svm", "logistic_regression", "bernoulli_nb"] {
        let clf = classifiers::by_name(name).unwrap();
        let x = Vocabulary::fit(&tok, &all, clf.features()).transform(&tok, &all);
        let mut g = c.benchmark_group(format!("fit_{name}"));
        g.sample_size(10);
        g.throughput(Throughput::Elements(train.len() as u64));
        g.bench_function(BenchmarkId::new("20news_train", train.len()), |b| {
            b.iter(|| clf.fit(&x, y.view(), &ctx).unwrap())
        });
        g.finish();
    }
}

/// Near-duplicate grouping, exact beside MinHash, on documents of 8 random sentences of 20
/// Newsgroups (seeded; sentences cut at ". "): 10k and 50k documents, and 200k and 1M (MinHash
/// only at 1M: exact would take about ten minutes) when `TOPICBENCH_BENCH_LARGE=1`. One sample
/// of a large size takes minutes; `benches/scaling.sh` measures whole runs instead.
fn group_scaling(c: &mut Criterion) {
    use topicbench::data::groups::{DEFAULT_THRESHOLD, Method, groups};
    let Some(ds) = news20() else { return };
    let sentences: Vec<&str> = ds
        .items
        .iter()
        .flat_map(|i| i.text.split(". "))
        .filter(|s| s.split_whitespace().count() >= 4)
        .collect();
    let large = std::env::var("TOPICBENCH_BENCH_LARGE").is_ok_and(|v| v == "1");
    let sizes: &[usize] = if large {
        &[10_000, 50_000, 200_000, 1_000_000]
    } else {
        &[10_000, 50_000]
    };
    let mut g = c.benchmark_group("group_scaling");
    g.sample_size(10);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(42);
    for &n in sizes {
        let docs: Vec<String> = (0..n)
            .map(|_| {
                (0..8)
                    .map(|_| sentences[rng.gen_range(0..sentences.len())])
                    .collect::<Vec<_>>()
                    .join(". ")
            })
            .collect();
        let texts: Vec<&str> = docs.iter().map(String::as_str).collect();
        g.throughput(Throughput::Elements(n as u64));
        for method in [Method::Exact, Method::MinHash] {
            if method == Method::Exact && n > 200_000 {
                continue;
            }
            g.bench_with_input(BenchmarkId::new(method.name(), n), &texts, |b, texts| {
                b.iter(|| groups(texts, DEFAULT_THRESHOLD, method, &|_, _| {}))
            });
        }
    }
    g.finish();
}

criterion_group!(
    benches,
    tokenize,
    fit_predict,
    full_eval,
    scaling,
    contenders,
    group_scaling
);
criterion_main!(benches);
