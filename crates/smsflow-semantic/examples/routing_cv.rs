//! Chooses the matcher's settings for a model by k-fold cross-validation on the routing corpus's
//! training part, and says how well the choice does on texts it was not chosen on.
//!
//! Every candidate setting (a grid over the classifier's training and the decision's cut-offs) routes
//! every text once. For each fold, the setting with the best score on the other folds is scored on
//! that fold; pooled over the folds, this is the cross-validated estimate (each text judged by a
//! setting chosen without it). The setting best on the whole part is the one to ship.
//!
//! ```text
//! SMSFLOW_TEST_MODEL_DIR=/path/to/all-MiniLM-L6-v2 \
//!   cargo run -p smsflow-semantic --example routing_cv -- [--folds 5] [--misses] [--shipped [--why]] [--workflows examples/workflows.yaml] [FILE.jsonl]
//! SMSFLOW_TEST_E5_DIR=/path/to/multilingual-e5-small \
//!   cargo run -p smsflow-semantic --example routing_cv -- --e5
//! ```
//! FILE defaults to `crates/smsflow-semantic/tests/data/routing/train.jsonl`. Never choose settings on
//! the test part: `--shipped FILE` only scores FILE with the settings the model ships with.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use smsflow_core::Goal;
use smsflow_core::classifier::Training;
use smsflow_core::quality::{LabelledMessage, Outcome, QualityReport, score_outcomes};
use smsflow_core::semantic::{Embedder, SemanticConfig};
use smsflow_core::{MatchEntry, Matcher, WorkflowDraft};
use smsflow_semantic::{MiniLm, MultilingualE5};

/// The model, remembering every message it embedded: each text is embedded once for all settings.
struct Remembering {
    model: Arc<dyn Embedder>,
    messages: Mutex<HashMap<String, Vec<f32>>>,
}

impl Embedder for Remembering {
    fn embed(&self, text: &str) -> Option<Vec<f32>> {
        if let Some(found) = self.messages.lock().unwrap().get(text) {
            return Some(found.clone());
        }
        let vector = self.model.embed(text)?;
        self.messages
            .lock()
            .unwrap()
            .insert(text.to_string(), vector.clone());
        Some(vector)
    }

    fn embed_example(&self, text: &str) -> Option<Arc<[f32]>> {
        self.model.embed_example(text)
    }

    fn embed_examples(&self, texts: &[&str]) -> Vec<Option<Arc<[f32]>>> {
        self.model.embed_examples(texts)
    }
}

/// Every text routed somewhere it should not have gone. With `why`, also each goal's probability
/// and the winner's reason, as `matcher` sees the text.
fn print_misses(report: &QualityReport, why: Option<&Matcher>) {
    for miss in &report.misrouted {
        println!(
            "  missed: {:?} -> {:?}, expected {:?}",
            miss.text, miss.routed_to, miss.expected
        );
        if let Some(matcher) = why {
            let explanation = matcher.explain(&miss.text, false);
            let probabilities: Vec<String> = explanation
                .probabilities
                .iter()
                .map(|p| format!("{} {:.2}", p.goal.as_str(), p.probability))
                .collect();
            let winner = explanation.candidates.iter().find(|c| c.winner);
            println!(
                "      {}; {}",
                probabilities.join(", "),
                winner.map_or("", |c| c.reason.as_str())
            );
        }
    }
}

/// What the settings are judged by: the mean of goal macro-F1 and top-1 routing accuracy.
fn objective(report: &QualityReport) -> f64 {
    (report.macro_f1 + report.top1_accuracy) / 2.0
}

/// The classifier's training settings tried; each is trained once.
fn trainings() -> Vec<Training> {
    // Without n-grams once, for the comparison printed at the end; 100 steps and n-grams of
    // length 1.5 and 2 were never chosen.
    let mut all = vec![Training {
        l2: 0.0003,
        steps: 200,
        temperature: 1.0,
        ngrams: 0.0,
    }];
    for l2 in [0.0001, 0.0003] {
        all.push(Training {
            l2,
            steps: 200,
            temperature: 1.0,
            ngrams: 1.0,
        });
    }
    all
}

/// The decision's settings tried with each trained classifier (no training again).
fn decisions(training: Training) -> Vec<SemanticConfig> {
    let mut all = Vec::new();
    for temperature in [0.3, 0.5] {
        for balanced in [0.3, 0.4, 0.5] {
            for margin in [0.05, 0.1, 0.2] {
                for nearer_none in [f32::INFINITY, 0.0, 0.02, 0.05, 0.1, 0.15] {
                    all.push(SemanticConfig {
                        training: Training {
                            temperature,
                            ..training
                        },
                        strict: (balanced + 0.2f32).min(0.8),
                        balanced,
                        broad: balanced - 0.1,
                        margin,
                        clear: 0.9,
                        nearer_none,
                    });
                }
            }
        }
    }
    all
}

fn subset<T: Clone>(items: &[T], keep: &[usize]) -> Vec<T> {
    keep.iter().map(|&i| items[i].clone()).collect()
}

fn line(name: &str, samples: &[LabelledMessage], outcomes: &[Outcome]) {
    let report = score_outcomes(samples, outcomes);
    let goals: Vec<String> = report
        .goals
        .iter()
        .map(|g| format!("{} {:.2}", g.goal.as_str(), g.f1))
        .collect();
    println!(
        "  {name:<8} n={:<4} macro-F1 {:.3}  top-1 {:.3}  ({})",
        report.messages,
        report.macro_f1,
        report.top1_accuracy,
        goals.join(", ")
    );
}

fn by_language(samples: &[LabelledMessage], outcomes: &[Outcome]) {
    line("all", samples, outcomes);
    for lang in ["en", "es", "mixed"] {
        let keep: Vec<usize> = (0..samples.len())
            .filter(|&i| samples[i].lang.as_deref() == Some(lang))
            .collect();
        line(lang, &subset(samples, &keep), &subset(outcomes, &keep));
    }
}

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut folds = 5usize;
    let mut workflows = root.join("examples/workflows.yaml");
    let mut file = root.join("crates/smsflow-semantic/tests/data/routing/train.jsonl");
    let mut e5 = false;
    let mut misses = false;
    let mut shipped = false;
    let mut why = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--folds" => folds = args.next().and_then(|n| n.parse().ok()).expect("--folds N"),
            "--workflows" => workflows = args.next().expect("--workflows FILE").into(),
            "--e5" => e5 = true,
            "--misses" => misses = true,
            "--shipped" => shipped = true,
            "--why" => why = true,
            _ => file = arg.into(),
        }
    }
    let model: Arc<dyn Embedder> = if e5 {
        let dir = std::env::var_os("SMSFLOW_TEST_E5_DIR")
            .expect("set SMSFLOW_TEST_E5_DIR to multilingual-e5-small's directory");
        Arc::new(MultilingualE5::load(dir.as_ref()).expect("the model loads"))
    } else {
        let dir = std::env::var_os("SMSFLOW_TEST_MODEL_DIR")
            .expect("set SMSFLOW_TEST_MODEL_DIR to all-MiniLM-L6-v2's directory");
        Arc::new(MiniLm::load(dir.as_ref()).expect("the model loads"))
    };
    let embedder = Arc::new(Remembering {
        model,
        messages: Mutex::new(HashMap::new()),
    });
    let drafts: Vec<WorkflowDraft> =
        serde_norway::from_str(&std::fs::read_to_string(&workflows).unwrap()).unwrap();
    let entries: Vec<MatchEntry> = drafts
        .iter()
        .map(|draft| MatchEntry::from(&draft.validate().unwrap()))
        .collect();
    let samples: Vec<LabelledMessage> = std::fs::read_to_string(&file)
        .unwrap()
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();

    if shipped {
        // No choice: the settings the model ships with, scored once (for a part never tuned on).
        let config = if e5 {
            MultilingualE5::matching_config()
        } else {
            MiniLm::matching_config()
        };
        println!("shipped settings: {config:?}");
        let matcher = Matcher::with_semantic(entries, embedder, config);
        let outcomes: Vec<Outcome> = samples
            .iter()
            .map(|sample| Outcome::of(&matcher, &sample.text))
            .collect();
        by_language(&samples, &outcomes);
        let report = score_outcomes(&samples, &outcomes);
        for goal in &report.goals {
            println!(
                "  {:<20} P {:.2}  R {:.2}  F1 {:.2}",
                goal.goal.as_str(),
                goal.precision,
                goal.recall,
                goal.f1
            );
        }
        confusion(&report);
        if misses {
            print_misses(&report, why.then_some(&matcher));
        }
        return;
    }

    let started = std::time::Instant::now();
    let mut candidates = Vec::new();
    let mut outcomes: Vec<Vec<Outcome>> = Vec::new();
    for training in trainings() {
        let decisions = decisions(training);
        let training_started = std::time::Instant::now();
        let mut matcher =
            Matcher::with_semantic(entries.clone(), embedder.clone(), decisions[0].clone());
        let trained_in = training_started.elapsed();
        for config in decisions {
            matcher = matcher.recalibrated(config.clone());
            outcomes.push(
                samples
                    .iter()
                    .map(|sample| Outcome::of(&matcher, &sample.text))
                    .collect(),
            );
            candidates.push(config);
        }
        eprintln!(
            "{} settings, {:.1?} ({training:?} compiled in {trained_in:.1?})",
            candidates.len(),
            started.elapsed()
        );
    }
    eprintln!(
        "{} settings on {} texts in {:.1?}",
        candidates.len(),
        samples.len(),
        started.elapsed()
    );

    let best_on = |keep: &[usize]| -> usize {
        let part = subset(&samples, keep);
        (0..candidates.len())
            .max_by(|&a, &b| {
                let score =
                    |c: usize| objective(&score_outcomes(&part, &subset(&outcomes[c], keep)));
                score(a).total_cmp(&score(b))
            })
            .unwrap()
    };

    // Each text's fold: every k-th text, so each fold has the file's mix of goals and languages.
    let mut held_out = vec![None; samples.len()];
    for fold in 0..folds {
        let training: Vec<usize> = (0..samples.len()).filter(|i| i % folds != fold).collect();
        let chosen = best_on(&training);
        println!("fold {fold}: chose {:?}", candidates[chosen]);
        for i in (0..samples.len()).filter(|i| i % folds == fold) {
            held_out[i] = Some(outcomes[chosen][i].clone());
        }
    }
    let held_out: Vec<Outcome> = held_out.into_iter().map(Option::unwrap).collect();
    println!(
        "\n{folds}-fold cross-validation (each text routed by settings chosen on the other folds):"
    );
    by_language(&samples, &held_out);
    let report = score_outcomes(&samples, &held_out);
    confusion(&report);
    if misses {
        print_misses(&report, None);
    }

    let all: Vec<usize> = (0..samples.len()).collect();
    let chosen = best_on(&all);
    println!(
        "\nbest on the whole file (tuned on it): {:?}",
        candidates[chosen]
    );
    by_language(&samples, &outcomes[chosen]);
    let without_ngrams = best_on_where(
        &candidates,
        |c| c.training.ngrams == 0.0,
        &samples,
        &outcomes,
    );
    println!(
        "\nbest without n-grams (tuned on it): {:?}",
        candidates[without_ngrams]
    );
    by_language(&samples, &outcomes[without_ngrams]);
}

/// The best setting on the whole file among those `allowed`.
fn best_on_where(
    candidates: &[SemanticConfig],
    allowed: impl Fn(&SemanticConfig) -> bool,
    samples: &[LabelledMessage],
    outcomes: &[Vec<Outcome>],
) -> usize {
    (0..candidates.len())
        .filter(|&c| allowed(&candidates[c]))
        .max_by(|&a, &b| {
            objective(&score_outcomes(samples, &outcomes[a]))
                .total_cmp(&objective(&score_outcomes(samples, &outcomes[b])))
        })
        .unwrap()
}

/// Where texts went: rows the expected goal, columns the routed one ("none": the catch-all).
fn confusion(report: &QualityReport) {
    println!("  expected \\ routed: none, lead, support, sales, booking");
    for expected in Goal::ALL {
        println!(
            "  {:<20} {:?}",
            expected.as_str(),
            report.confusion[expected as usize]
        );
    }
}
