//! Embedding cost per SMS on one core (with each dense-layer kernel this CPU runs, the fastest being
//! the one smsflow uses), and matching throughput when half the messages need the model, for each
//! model installed:
//!
//!     SMSFLOW_TEST_MODEL_DIR=~/.cache/smsflow-test/models/all-MiniLM-L6-v2 \
//!     SMSFLOW_TEST_E5_DIR=~/.cache/smsflow-test/models/multilingual-e5-small \
//!         cargo bench -p smsflow-semantic --bench embedding
//!
//! (or SMSFLOW_DATA_DIR pointing at a data directory where `smsflow model install` ran;
//! `SMSFLOW_BENCH_E5_LAYERS=8,10,12` also times e5 running only that many layers, the depths in
//! turn). Besides criterion's means, it prints p50 / p90 / p99 latencies in wall time and in thread
//! CPU time, for a 160-character SMS in English and in Spanish. On a shared machine, pin it to one
//! core (`taskset -c 1 cargo bench ...`) and read the thread CPU time.

use std::hint::black_box;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use smsflow_core::semantic::SemanticConfig;
use smsflow_core::{Goal, MatchEntry, Matcher};
use smsflow_semantic::{
    Kernel, MINILM, MULTILINGUAL_E5, MiniLm, MultilingualE5, Precision, SentenceModel, Tokenize,
    WheelModel,
};

/// 160 characters: a full single-segment SMS.
const SMS_160: &str = "Hi, this is Maria from Oakwood Dental. Our front desk printer quit this morning and the billing screen shows an error code. Could someone come take a look today";
/// The same in Spanish, 160 characters too.
const SMS_160_ES: &str = "Hola, soy Lucía de la clínica dental Sonrisa. La impresora de recepción dejó de funcionar esta mañana y la pantalla de cobros da error. ¿Pueden venir hoy mismo?";

/// `model`'s folder: from `variable`, else in SMSFLOW_DATA_DIR.
fn model_dir(variable: &str, model: &WheelModel) -> Option<PathBuf> {
    std::env::var_os(variable)
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("SMSFLOW_DATA_DIR").map(|d| model.dir(&PathBuf::from(d))))
}

fn entry(name: &str, goal: Goal, priority: i64) -> MatchEntry {
    MatchEntry::new(name, goal, priority, true)
}

fn benches(c: &mut Criterion) {
    let minilm = model_dir("SMSFLOW_TEST_MODEL_DIR", &MINILM).and_then(|d| MiniLm::load(&d).ok());
    let e5 = model_dir("SMSFLOW_TEST_E5_DIR", &MULTILINGUAL_E5)
        .and_then(|d| MultilingualE5::load(&d).ok());
    if minilm.is_none() && e5.is_none() {
        eprintln!(
            "no model is installed: set SMSFLOW_TEST_MODEL_DIR / SMSFLOW_TEST_E5_DIR (see `smsflow model install`)"
        );
    }
    if let Some(model) = e5 {
        bench_model(
            c,
            MULTILINGUAL_E5.name,
            model,
            MultilingualE5::matching_config(),
        );
    }
    // e5 at other depths (`SMSFLOW_BENCH_E5_LAYERS=8,10,12`), to weigh the shipped depth. The
    // depths take turns, one call each per round, so a change in the machine's load hits them alike.
    let depths = std::env::var("SMSFLOW_BENCH_E5_LAYERS").unwrap_or_default();
    let models: Vec<(usize, MultilingualE5)> = depths
        .split(',')
        .filter_map(|n| n.trim().parse::<usize>().ok())
        .filter_map(|layers| {
            let dir = model_dir("SMSFLOW_TEST_E5_DIR", &MULTILINGUAL_E5)?;
            Some((layers, MultilingualE5::load_layers(&dir, layers).ok()?))
        })
        .collect();
    let mut calls: Vec<Timed> = Vec::new();
    for (layers, model) in &models {
        for (language, text) in [("English", SMS_160), ("Spanish", SMS_160_ES)] {
            let tokens = model.tokens(text).unwrap().len();
            calls.push((
                format!(
                    "{}, {layers} layers: embed 160-char SMS, {language} ({tokens} tokens), {}",
                    MULTILINGUAL_E5.name,
                    model.kernel()
                ),
                Box::new(move || {
                    black_box(model.embed_text(black_box(text)));
                }),
            ));
        }
    }
    percentiles_in_turn(&mut calls, 100);
    if let Some(model) = minilm {
        bench_model(c, MINILM.name, model, MiniLm::matching_config());
    }
    // all-MiniLM-L6-v2 in integers: the alternative to its f32 default, measured so the choice can
    // be checked again (it was ~10% faster and lost 0.010 of routing CV, see docs/benchmarks.md).
    let integer = model_dir("SMSFLOW_TEST_MODEL_DIR", &MINILM)
        .and_then(|d| MiniLm::load_at(&d, Precision::Int8).ok());
    if let Some(model) = integer {
        for (language, text) in [("English", SMS_160), ("Spanish", SMS_160_ES)] {
            let tokens = model.tokens(text).unwrap().len();
            percentiles(
                &format!(
                    "{}: embed 160-char SMS, {language} ({tokens} tokens), int8, {}",
                    MINILM.name,
                    model.kernel()
                ),
                100,
                || {
                    black_box(model.embed_text(black_box(text)));
                },
            );
        }
    }
}

fn bench_model<T: Tokenize + 'static>(
    c: &mut Criterion,
    name: &str,
    mut model: SentenceModel<T>,
    config: SemanticConfig,
) {
    let texts = [("English", SMS_160), ("Spanish", SMS_160_ES)];
    let mut group = c.benchmark_group(format!("embedding/{name}"));
    for (language, text) in texts {
        assert_eq!(text.chars().count(), 160);
        let tokens = model.tokens(text).unwrap().len();
        group.bench_function(
            format!("tokenize 160-char SMS, {language} ({tokens} tokens)"),
            |b| b.iter(|| model.tokens(black_box(text))),
        );
    }
    let fastest = model.kernel();
    for kernel in Kernel::ALL.into_iter().filter(|k| k.is_supported()) {
        model = model.with_kernel(kernel).expect("supported");
        for (language, text) in texts {
            let tokens = model.tokens(text).unwrap().len();
            group.bench_function(
                format!("embed 160-char SMS, {language} ({tokens} tokens, {kernel})"),
                |b| b.iter(|| model.embed_text(black_box(text))),
            );
            // The slower kernels are there to compare with: a few runs tell their median.
            let runs = if kernel == fastest { 100 } else { 10 };
            percentiles(
                &format!("{name}: embed 160-char SMS, {language} ({tokens} tokens), {kernel}"),
                runs,
                || {
                    black_box(model.embed_text(black_box(text)));
                },
            );
        }
    }
    model = model.with_kernel(fastest).expect("supported");
    group.bench_function("embed short SMS", |b| {
        b.iter(|| model.embed_text(black_box("any openings tomorrow afternoon?")))
    });
    group.finish();

    // The README's example workflows: support (40) > booking (30) > leads (20) > sales (10) > rest.
    let matcher = Matcher::with_semantic(
        vec![
            entry("Urgent support", Goal::HelpDeskSupport, 40),
            entry("Book a visit", Goal::AppointmentBooking, 30),
            entry("Lead capture", Goal::LeadCapture, 20),
            entry("Sales questions", Goal::SalesInquiry, 10),
            entry("Everything else", Goal::GeneralInquiry, 0),
        ],
        Arc::new(model),
        config,
    );
    // Half are decided by a keyword of the highest-ranked workflow (no embedding), half need the model.
    let messages = [
        "my laptop is broken and I need help asap",
        "any openings tomorrow afternoon for a haircut?",
        "there is a problem with my invoice, it shows the wrong amount",
        "the fridge is making a weird rattling sound since yesterday",
        "support please, the app crashes when I open it",
        "what's the going rate for weekly lawn mowing at a big house?",
        "help, the garage door is stuck halfway",
        "thanks so much, see you then!",
    ];
    let mut group = c.benchmark_group(format!("matching/{name}"));
    group.throughput(Throughput::Elements(messages.len() as u64));
    group.bench_function("find, half the messages need the model", |b| {
        b.iter(|| {
            for message in &messages {
                black_box(matcher.find(black_box(message)));
            }
        })
    });
    group.finish();
    let per_batch = percentiles(
        &format!("{name}: match 8 messages, half need the model"),
        50,
        || {
            for message in &messages {
                black_box(matcher.find(black_box(message)));
            }
        },
    );
    println!(
        "  = {:.0} messages/s of thread CPU time",
        messages.len() as f64 / per_batch.as_secs_f64()
    );
}

/// Prints the median, 90th and 99th percentiles of `runs` calls of `f`, in wall time and in this
/// thread's CPU time, and returns the median CPU time. On a shared machine other processes take turns on the
/// core: that counts in wall time, not in CPU time (criterion's figures are wall-time means).
fn percentiles(name: &str, runs: usize, mut f: impl FnMut()) -> Duration {
    let call: Box<dyn FnMut() + '_> = Box::new(&mut f);
    percentiles_in_turn(&mut [(name.to_owned(), call)], runs)[0]
}

/// A call to time, and its name.
type Timed<'a> = (String, Box<dyn FnMut() + 'a>);

/// [`percentiles`] of each of `calls`, run in turn (one call of each per round), and their median
/// CPU times.
fn percentiles_in_turn(calls: &mut [Timed<'_>], runs: usize) -> Vec<Duration> {
    let mut wall = vec![Vec::with_capacity(runs); calls.len()];
    let mut cpu = vec![Vec::with_capacity(runs); calls.len()];
    for _ in 0..runs {
        for (index, (_, f)) in calls.iter_mut().enumerate() {
            let (started, cpu_started) = (Instant::now(), thread_cpu_time());
            f();
            cpu[index].push(thread_cpu_time() - cpu_started);
            wall[index].push(started.elapsed());
        }
    }
    let at = |times: &[Duration], q: usize| times[(times.len() - 1) * q / 100].as_secs_f64() * 1e3;
    let mut medians = Vec::with_capacity(calls.len());
    for ((name, _), (wall, cpu)) in calls.iter().zip(wall.iter_mut().zip(&mut cpu)) {
        wall.sort();
        cpu.sort();
        println!(
            "{name}: p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms (wall); p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms (thread CPU); {runs} runs",
            at(wall, 50),
            at(wall, 90),
            at(wall, 99),
            at(cpu, 50),
            at(cpu, 90),
            at(cpu, 99)
        );
        medians.push(cpu[(runs - 1) / 2]);
    }
    medians
}

fn thread_cpu_time() -> Duration {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec, which `now` is.
    let result = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    assert_eq!(result, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
    Duration::new(now.tv_sec as u64, now.tv_nsec as u32)
}

criterion_group!(embedding, benches);
criterion_main!(embedding);
