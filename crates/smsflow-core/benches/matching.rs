//! Matching cost per message with 10, 100 and 1,000 workflows (`cargo bench -p smsflow-core`).

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use smsflow_core::{Goal, MatchEntry, Matcher};
use std::hint::black_box;

/// A 160-character SMS (one full GSM-7 segment) with a keyword near its end.
const MESSAGE: &str = "Hi, we spoke last week about the kitchen remodel at our place on Elm Street. \
Could you let me know when someone might be able to come over and give an estimate?";

fn workflows(count: usize) -> Vec<MatchEntry> {
    (0..count)
        .map(|i| MatchEntry {
            id: None,
            name: format!("workflow {i}"),
            goal: Goal::ALL[i % Goal::ALL.len()],
            priority: (i % 50) as i64,
            active: i % 7 != 0,
            // Every workflow adds its own keywords, so the automaton grows with the set.
            keywords: vec![
                format!("product{i}"),
                format!("service {i}"),
                format!("offer{i} deal"),
            ],
            examples: vec![],
            created_at: None,
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
}

criterion_group!(benches, matching);
criterion_main!(benches);
