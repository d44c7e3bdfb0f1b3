//! Matching cost per message with 10, 100 and 1,000 workflows (`cargo bench -p smsflow-core`).

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use smsflow_core::classifier::{Objective, Training};
use smsflow_core::semantic::{Embedder, SemanticConfig};
use smsflow_core::{Goal, MatchEntry, Matcher};
use std::hint::black_box;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A 160-character SMS (one full GSM-7 segment) with a keyword near its end.
const MESSAGE: &str = "Hi, we spoke last week about the kitchen remodel at our place on Elm Street. \
Could you let me know when someone might be able to come over and give an estimate?";

fn workflows(count: usize) -> Vec<MatchEntry> {
    (0..count)
        .map(|i| MatchEntry {
            // Every workflow adds its own keywords, so the automaton grows with the set.
            keywords: vec![
                format!("product{i}"),
                format!("service {i}"),
                format!("offer{i} deal"),
            ],
            // And two examples, so the classifier's training set grows too.
            examples: vec![
                format!("question {i} about product{i}"),
                format!("can I get service {i} next week"),
            ],
            ..MatchEntry::new(
                &format!("workflow {i}"),
                Goal::ALL[i % Goal::ALL.len()],
                (i % 50) as i64,
                i % 7 != 0,
            )
        })
        .collect()
}

fn matching(c: &mut Criterion) {
    assert_eq!(MESSAGE.chars().count(), 160);
    let mut group = c.benchmark_group("find_winner");
    group.throughput(Throughput::Elements(1));
    for count in [10, 100, 1_000] {
        let matcher = Matcher::new(workflows(count));
        assert!(matcher.find(MESSAGE).is_some());
        group.bench_with_input(
            BenchmarkId::from_parameter(count),
            &matcher,
            |b, matcher| b.iter(|| matcher.find(black_box(MESSAGE)).map(|entry| entry.priority)),
        );
    }
    group.finish();

    let mut compile = c.benchmark_group("compile");
    compile.sample_size(10);
    for count in [100, 1_000] {
        compile.bench_with_input(BenchmarkId::from_parameter(count), &count, |b, &count| {
            b.iter_with_setup(|| workflows(count), Matcher::new)
        });
    }
    compile.finish();

    // Compiling with meaning: embedding is the model's cost (measured in smsflow-semantic's bench),
    // so examples come from a stand-in that costs next to nothing; what is left is training the
    // goal classifier on the built-in examples and every workflow's own. With each objective: MiniLM's
    // softmax and e5's one-vs-rest (the default model's settings).
    //
    // The very first compile on a fresh data dir: no classifier of the built-in examples is kept,
    // so it is trained, then refined with the workflows' examples.
    let mut classifier = c.benchmark_group("compile_with_classifier");
    classifier.sample_size(10);
    for (objective, config) in configs() {
        for count in [10, 1_000] {
            let id = BenchmarkId::new(objective, count);
            classifier.bench_function(id, |b| {
                b.iter_with_setup(
                    || workflows(count),
                    |entries| Matcher::with_semantic(entries, Arc::new(Hashed), config.clone()),
                )
            });
        }
    }
    classifier.finish();

    // The first compile after a restart: the classifier of the built-in examples is read back from
    // where the embedder kept it (a file beside the model; memory here), then refined.
    let mut restart = c.benchmark_group("restart_with_classifier");
    restart.sample_size(10);
    for (objective, config) in configs() {
        for count in [10, 1_000] {
            let id = BenchmarkId::new(objective, count);
            restart.bench_function(id, |b| {
                // Kept here, so that only a run that selects this bench pays for it.
                let keeping = Arc::new(Keeping::default());
                Matcher::with_semantic(workflows(count), keeping.clone(), config.clone());
                b.iter_with_setup(
                    || workflows(count),
                    |entries| Matcher::with_semantic(entries, keeping.clone(), config.clone()),
                )
            });
        }
    }
    restart.finish();

    // When the model becomes ready (installed, or loaded at a start), the base is trained and kept
    // before any workflow is compiled (`Matcher::prepare_semantic`): what that costs, and the first
    // compile after it, which refines the kept base. Timed in the thread's CPU time, which the
    // shared machine's other work does not stretch as it does wall time.
    let mut ready = c.benchmark_group("model_ready");
    ready.sample_size(10);
    for (objective, config) in configs() {
        ready.bench_function(objective, |b| {
            b.iter_custom(|iterations| {
                (0..iterations)
                    .map(|_| {
                        let keeping = Arc::new(Keeping::default());
                        let started = thread_cpu_time();
                        Matcher::prepare_semantic(keeping, config.clone());
                        thread_cpu_time() - started
                    })
                    .sum()
            })
        });
    }
    ready.finish();
    let mut after_ready = c.benchmark_group("first_compile_after_ready");
    after_ready.sample_size(10);
    for (objective, config) in configs() {
        for count in [1, 10, 1_000] {
            let id = BenchmarkId::new(objective, count);
            after_ready.bench_function(id, |b| {
                // Kept here, so that only a run that selects this bench pays for it.
                let keeping = Arc::new(Keeping::default());
                Matcher::prepare_semantic(keeping.clone(), config.clone());
                b.iter_custom(|iterations| {
                    (0..iterations)
                        .map(|_| {
                            let entries = workflows(count);
                            let started = thread_cpu_time();
                            let matcher =
                                Matcher::with_semantic(entries, keeping.clone(), config.clone());
                            let spent = thread_cpu_time() - started;
                            drop(black_box(matcher));
                            spent
                        })
                        .sum()
                })
            });
        }
    }
    after_ready.finish();

    // Matching by meaning with the built-in examples (~4,900): besides the classifier, the
    // nearest-example check compares the message's vector with every example. The stand-in's
    // embedding costs next to nothing, so this is the matcher's own share of a message.
    c.bench_function("find_by_meaning", |b| {
        // Compiled here, so that only a run that selects this bench pays for it.
        let matcher = Matcher::with_semantic(
            workflows(10),
            Arc::new(Hashed),
            SemanticConfig {
                nearer_none: 0.15,
                ..config()
            },
        );
        b.iter(|| matcher.find(black_box(MESSAGE)).map(|entry| entry.priority))
    });

    // A recompile after an edit that adds an example: the classifier of the built-in examples is
    // the previous matcher's, so only the workflows' examples are learnt.
    let mut recompile = c.benchmark_group("recompile_with_classifier");
    recompile.sample_size(10);
    for (objective, config) in configs() {
        for count in [10, 1_000] {
            let id = BenchmarkId::new(objective, count);
            recompile.bench_function(id, |b| {
                // Compiled here, so that only a run that selects this bench pays for it.
                let previous =
                    Matcher::with_semantic(workflows(count), Arc::new(Hashed), config.clone());
                b.iter_with_setup(
                    || {
                        let mut entries = workflows(count);
                        entries[0].examples.push("one more example phrase".into());
                        entries
                    },
                    |entries| {
                        Matcher::with_semantic_after(
                            &previous,
                            entries,
                            Arc::new(Hashed),
                            config.clone(),
                        )
                    },
                )
            });
        }
    }
    recompile.finish();
}

/// The CPU time this thread has run (Linux's scheduler statistics, in nanoseconds).
fn thread_cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").expect("Linux's /proc");
    let nanoseconds = stat.split_whitespace().next().and_then(|n| n.parse().ok());
    Duration::from_nanos(nanoseconds.expect("the run time comes first"))
}

/// MiniLM's dimension and defaults, with vectors made from hashed words instead of the model.
struct Hashed;

impl Embedder for Hashed {
    fn embed(&self, text: &str) -> Option<Vec<f32>> {
        let mut vector = vec![0f32; 384];
        for word in text.split_whitespace() {
            let hash = word
                .bytes()
                .fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(b as u32));
            vector[hash as usize % 384] += 1.0;
        }
        let norm = vector.iter().map(|v| v * v).sum::<f32>().sqrt().max(1e-6);
        Some(vector.iter().map(|v| v / norm).collect())
    }
}

/// [`Hashed`], keeping the goal classifier of the built-in examples in memory, as the real embedders
/// keep it in a file.
#[derive(Default)]
struct Keeping {
    kept: Mutex<Option<(u64, Vec<u8>)>>,
}

impl Embedder for Keeping {
    fn embed(&self, text: &str) -> Option<Vec<f32>> {
        Hashed.embed(text)
    }

    fn kept_classifier(&self, key: u64) -> Option<Vec<u8>> {
        let kept = self.kept.lock().unwrap();
        kept.as_ref()
            .filter(|(kept_key, _)| *kept_key == key)
            .map(|(_, bytes)| bytes.clone())
    }

    fn keep_classifier(&self, key: u64, classifier: &[u8]) {
        *self.kept.lock().unwrap() = Some((key, classifier.to_vec()));
    }
}

/// The settings of both objectives: MiniLM's (softmax) and the default model e5's (one-vs-rest, as
/// `smsflow_semantic::MultilingualE5::matching_config` trains it).
fn configs() -> [(&'static str, SemanticConfig); 2] {
    let one_vs_rest = SemanticConfig {
        training: Training {
            l2: 0.0001,
            temperature: 1.0,
            objective: Objective::OneVsRest,
            ..config().training
        },
        ..config()
    };
    [("softmax", config()), ("one_vs_rest", one_vs_rest)]
}

fn config() -> SemanticConfig {
    SemanticConfig {
        training: Training {
            l2: 0.0003,
            steps: 200,
            temperature: 0.5,
            ngrams: 1.0,
            objective: Objective::Softmax,
        },
        strict: 0.6,
        balanced: 0.4,
        broad: 0.3,
        margin: 0.1,
        clear: 0.9,
        nearer_none: f32::INFINITY,
    }
}

criterion_group!(benches, matching);
criterion_main!(benches);
