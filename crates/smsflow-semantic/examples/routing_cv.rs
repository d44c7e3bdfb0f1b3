//! Chooses the matcher's settings for a model by cross-validation on the routing corpus, and says
//! how well the classifier generalises to a writer it has not read.
//!
//! The classifier learns from the written examples and every spent routing set (see
//! `smsflow_core::labelled`), so no set can be scored as shipped without having been learnt. Three
//! modes, each training on some sets (added as the example workflows' own examples, with every
//! labelled built-in example turned off) and scoring others:
//!
//! - default: 5-fold cross-validation over every set pooled: for each fold, a classifier trained
//!   on the written examples and the other folds routes the fold with every setting of a grid; the
//!   setting with the best pooled score (mean of macro-F1 and top-1) is the one to ship (tuned).
//! - `--leave-one-set-out [--choose] [--misses] [--targets each|primary|first]`: for test4 to test7,
//!   scores the set as main shipped it (written examples only), trained on every other set with
//!   the shipped settings, and (`--choose`) with settings chosen by cross-validation on the other
//!   sets. Texts also in the scored set are left out of its training. `--targets` says how a text
//!   with several goals teaches the classifier; `--misses` prints the misrouted texts and every
//!   text missing a goal it is labelled with (a second goal), with each goal's probability.
//! - `--shipped [--misses [--why]] FILE`: scores FILE as the product ships (every set learnt): for
//!   a blind set no build has read.
//! - `--grid`: with `--leave-one-set-out`, scores a small grid of decision settings around the
//!   shipped ones on each held-out set (one classifier per set) and prints them by their mean
//!   (with each goal's mean F1: chosen on the held-out sets, so optimistic); with `--choose` too,
//!   chooses among that small grid by cross-validation on the other sets instead of the full one
//!   (whose margins stop at 0.2); alone, the default cross-validation over that small grid instead
//!   of the full one.
//! - `--without SET` (repeatable): leaves a set out of training altogether (e.g. `written`, to
//!   measure what it adds).
//! - `--objective softmax|one-vs-rest`: trains the classifier with that [`Objective`] instead of
//!   the model's shipped one, to compare the two.
//! - `--layers N` (with `--e5`): runs only e5's first N encoder layers, to compare depths.
//! - `SMSFLOW_CV_CACHE_DIR`: remembers the example phrases' embeddings in that directory across
//!   runs (the product's example cache), so a second run embeds only the scored texts.
//!
//! ```text
//! SMSFLOW_TEST_E5_DIR=/path/to/multilingual-e5-small \
//!   cargo run -p smsflow-semantic --example routing_cv -- --e5 --leave-one-set-out
//! SMSFLOW_TEST_MODEL_DIR=/path/to/all-MiniLM-L6-v2 \
//!   cargo run -p smsflow-semantic --example routing_cv -- [--folds 5] [--workflows examples/workflows.yaml]
//! ```

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use smsflow_core::Goal;
use smsflow_core::classifier::{Objective, Training};
use smsflow_core::quality::{LabelledMessage, Outcome, QualityReport, parse_jsonl, score_outcomes};
use smsflow_core::semantic::{Embedder, SemanticConfig};
use smsflow_core::text::normalize;
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

/// Every text routed right or wrong but missing a goal it is labelled with (a second goal not
/// matched counts against that goal's recall), with each goal's probability as `matcher` sees it.
fn print_missed_goals(samples: &[LabelledMessage], outcomes: &[Outcome], matcher: &Matcher) {
    for (sample, outcome) in samples.iter().zip(outcomes) {
        let missed: Vec<&str> = sample
            .goals
            .iter()
            .filter(|goal| !outcome.detected.contains(goal))
            .map(|goal| goal.as_str())
            .collect();
        if !missed.is_empty() {
            let probabilities: Vec<String> = matcher
                .explain(&sample.text, false)
                .probabilities
                .iter()
                .map(|p| format!("{} {:.2}", p.goal.as_str(), p.probability))
                .collect();
            println!(
                "  goal missed: {:?} lacks {missed:?} (matched {:?}; {})",
                sample.text,
                outcome.detected,
                probabilities.join(", ")
            );
        }
    }
}

/// What the settings are judged by: the mean of goal macro-F1 and top-1 routing accuracy.
fn objective(report: &QualityReport) -> f64 {
    (report.macro_f1 + report.top1_accuracy) / 2.0
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
    let mut file = root.join("crates/smsflow-semantic/tests/data/routing/test4.jsonl");
    let mut e5 = false;
    let mut e5_layers = smsflow_semantic::E5_LAYERS;
    let mut misses = false;
    let mut shipped = false;
    let mut why = false;
    let mut leave_one_set_out = false;
    let mut choose = false;
    let mut grid = false;
    let mut without: Vec<String> = Vec::new();
    let mut targets = Targets::Primary;
    let mut objective: Option<Objective> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--folds" => folds = args.next().and_then(|n| n.parse().ok()).expect("--folds N"),
            "--workflows" => workflows = args.next().expect("--workflows FILE").into(),
            "--e5" => e5 = true,
            "--layers" => {
                e5_layers = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .expect("--layers N")
            }
            "--misses" => misses = true,
            "--shipped" => shipped = true,
            "--why" => why = true,
            "--leave-one-set-out" => leave_one_set_out = true,
            "--choose" => choose = true,
            "--grid" => grid = true,
            "--objective" => {
                objective = match args.next().as_deref() {
                    Some("softmax") => Some(Objective::Softmax),
                    Some("one-vs-rest") => Some(Objective::OneVsRest),
                    _ => panic!("--objective softmax|one-vs-rest"),
                }
            }
            "--without" => without.push(args.next().expect("--without SET")),
            "--targets" => {
                targets = match args.next().as_deref() {
                    Some("each") => Targets::Each,
                    Some("primary") => Targets::Primary,
                    Some("first") => Targets::First,
                    _ => panic!("--targets each|primary|first"),
                }
            }
            _ => file = arg.into(),
        }
    }
    let cache = std::env::var_os("SMSFLOW_CV_CACHE_DIR").map(PathBuf::from);
    let model: Arc<dyn Embedder> = if e5 {
        let dir = std::env::var_os("SMSFLOW_TEST_E5_DIR")
            .expect("set SMSFLOW_TEST_E5_DIR to multilingual-e5-small's directory");
        let model = MultilingualE5::load_layers(dir.as_ref(), e5_layers).expect("the model loads");
        Arc::new(match &cache {
            Some(cache) => model.with_example_cache(cache),
            None => model,
        })
    } else {
        let dir = std::env::var_os("SMSFLOW_TEST_MODEL_DIR")
            .expect("set SMSFLOW_TEST_MODEL_DIR to all-MiniLM-L6-v2's directory");
        let model = MiniLm::load(dir.as_ref()).expect("the model loads");
        Arc::new(match &cache {
            Some(cache) => model.with_example_cache(cache),
            None => model,
        })
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
    let mut shipped_config = if e5 {
        MultilingualE5::matching_config()
    } else {
        MiniLm::matching_config()
    };
    if let Some(objective) = objective {
        shipped_config.training.objective = objective;
    }
    let mut sets = LabelledSets::load(&root.join("crates/smsflow-semantic/tests/data/routing"));
    sets.0
        .retain(|(name, _)| !without.iter().any(|w| w == name));
    if leave_one_set_out && grid && !choose {
        leave_out_grid(&sets, &entries, &embedder, &shipped_config, targets);
        return;
    }
    if leave_one_set_out {
        for held_out in HELD_OUT {
            leave_out(
                &sets,
                held_out,
                &entries,
                &embedder,
                &shipped_config,
                targets,
                LeaveOut {
                    choose: choose.then(|| (folds, candidates(grid, &shipped_config))),
                    misses,
                },
            );
        }
        return;
    }

    if shipped {
        // No choice: the settings the model ships with, scored once (for a part never tuned on).
        let config = shipped_config;
        println!("shipped settings: {config:?}");
        // The start-up cost: every built-in example embedded (in batches) and the classifier trained.
        let started = std::time::Instant::now();
        let matcher = Matcher::with_semantic(entries, embedder, config);
        let examples: usize = Goal::ALL
            .map(|goal| goal.builtin_examples().len())
            .iter()
            .sum();
        eprintln!(
            "{examples} built-in examples embedded and learnt in {:.1?}",
            started.elapsed()
        );
        let samples = read_labelled(&file);
        let outcomes = route_all(&matcher, &samples);
        let report = full_report(&samples, &outcomes);
        if misses {
            print_misses(&report, why.then_some(&matcher));
        }
        return;
    }

    // Settings chosen for the model: cross-validated over every set pooled, each fold routed by a
    // classifier trained on the written examples and the other folds.
    let pool = sets.all_but(None);
    let candidates = candidates(grid, &shipped_config);
    choose_by_cv(&pool, &entries, &embedder, targets, folds, &candidates);
}

/// The settings cross-validation chooses among: the small grid around the shipped ones, or the
/// full one.
fn candidates(small: bool, shipped: &SemanticConfig) -> Vec<SemanticConfig> {
    if small {
        small_grid(shipped)
    } else {
        pooled_decisions(shipped.training.objective)
    }
}

/// Every figure of a set routed once: by language, each goal's precision, recall and F1, and the
/// confusion matrix.
fn full_report(samples: &[LabelledMessage], outcomes: &[Outcome]) -> QualityReport {
    by_language(samples, outcomes);
    let report = score_outcomes(samples, outcomes);
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
    report
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

/// How a text labelled with several goals teaches the classifier, which learns one goal per example.
#[derive(Debug, Clone, Copy)]
enum Targets {
    /// An example of each of its goals.
    Each,
    /// As the product teaches them (`smsflow_core::labelled::taught`): an example of each, but not
    /// of Sales Inquiry when Lead Capture is there too.
    Primary,
    /// An example of the first goal listed only.
    First,
}

impl Targets {
    /// The goals `goals` teaches; "none of these" for no goal.
    fn of(self, goals: &[Goal]) -> Vec<Goal> {
        match (self, goals) {
            (_, []) => vec![Goal::GeneralInquiry],
            (Targets::Each, _) => goals.to_vec(),
            (Targets::First, [first, ..]) => vec![*first],
            (Targets::Primary, _) => smsflow_core::labelled::taught(goals),
        }
    }
}

/// `entries` learning from the examples written for the goals only: every labelled built-in
/// example turned off.
fn written_only(entries: &[MatchEntry]) -> Vec<MatchEntry> {
    let mut entries = entries.to_vec();
    for entry in &mut entries {
        let labelled = smsflow_core::labelled::labelled_examples(entry.goal);
        entry
            .disabled_examples
            .extend(labelled.iter().map(|text| text.to_string()));
    }
    entries
}

/// `entries` learning from the written examples and `texts`, added to the examples of the first
/// workflow of each goal they teach.
fn taught(entries: &[MatchEntry], texts: &[&LabelledMessage], targets: Targets) -> Vec<MatchEntry> {
    let mut entries = written_only(entries);
    for message in texts {
        for goal in targets.of(&message.goals) {
            if let Some(entry) = entries.iter_mut().find(|entry| entry.goal == goal) {
                entry.examples.push(message.text.clone());
            }
        }
    }
    entries
}

/// The sets `--leave-one-set-out` holds out in turn: the four latest, each by a writer who read
/// none of the sets before it.
const HELD_OUT: [&str; 4] = ["test4", "test5", "test6", "test7"];

/// Every routing set of the corpus, by name: the spent test sets and the texts written to train
/// (`written`, never scored).
struct LabelledSets(Vec<(&'static str, Vec<LabelledMessage>)>);

impl LabelledSets {
    fn load(dir: &std::path::Path) -> LabelledSets {
        LabelledSets(
            [
                "train", "test", "test2", "test3", "test4", "test5", "test6", "test7", "test8",
                "test9", "written",
            ]
            .into_iter()
            .map(|name| {
                let path = dir.join(format!("{name}.jsonl"));
                (name, read_labelled(&path))
            })
            .collect(),
        )
    }

    fn get(&self, name: &str) -> &[LabelledMessage] {
        &self.0.iter().find(|(n, _)| *n == name).unwrap().1
    }

    /// Every set but `held_out`, without the texts `held_out` also has (folded case, accents and
    /// punctuation) and each text once.
    fn all_but(&self, held_out: Option<&str>) -> Vec<LabelledMessage> {
        let scored: HashSet<String> = held_out
            .map(|name| self.get(name))
            .unwrap_or_default()
            .iter()
            .map(|message| normalize(&message.text))
            .collect();
        let mut seen = HashSet::new();
        self.0
            .iter()
            .filter(|(name, _)| Some(*name) != held_out)
            .flat_map(|(_, messages)| messages)
            .filter(|message| {
                let folded = normalize(&message.text);
                !scored.contains(&folded) && seen.insert(folded)
            })
            .cloned()
            .collect()
    }
}

fn read_labelled(path: &std::path::Path) -> Vec<LabelledMessage> {
    parse_jsonl(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn route_all(matcher: &Matcher, samples: &[LabelledMessage]) -> Vec<Outcome> {
    samples
        .iter()
        .map(|sample| Outcome::of(matcher, &sample.text))
        .collect()
}

/// What else [`leave_out`] does: choose settings among these by cross-validation with this many
/// folds, and print the held-out set's misses.
struct LeaveOut {
    choose: Option<(usize, Vec<SemanticConfig>)>,
    misses: bool,
}

/// Scores `held_out` three ways: as shipped (built-in examples only), trained on the built-ins and
/// every other set with the shipped settings, and with settings chosen by cross-validation on the
/// other sets.
fn leave_out(
    sets: &LabelledSets,
    held_out: &str,
    entries: &[MatchEntry],
    embedder: &Arc<Remembering>,
    shipped: &SemanticConfig,
    targets: Targets,
    LeaveOut { choose, misses }: LeaveOut,
) {
    let scored = sets.get(held_out);
    let pool = sets.all_but(Some(held_out));
    println!(
        "\n=== {held_out} ({} texts) left out; the others give {} texts ({targets:?} targets)",
        scored.len(),
        pool.len()
    );
    println!("\n{held_out}, as main shipped it (written examples only):");
    let before = Matcher::with_semantic(written_only(entries), embedder.clone(), shipped.clone());
    full_report(scored, &route_all(&before, scored));

    let teach: Vec<&LabelledMessage> = pool.iter().collect();
    println!("\n{held_out}, trained on the other sets, shipped settings:");
    let after = Matcher::with_semantic(
        taught(entries, &teach, targets),
        embedder.clone(),
        shipped.clone(),
    );
    let outcomes = route_all(&after, scored);
    let report = full_report(scored, &outcomes);
    if misses {
        print_misses(&report, None);
        print_missed_goals(scored, &outcomes, &after);
    }

    let Some((folds, candidates)) = choose else {
        return;
    };
    let chosen = choose_by_cv(&pool, entries, embedder, targets, folds, &candidates);
    println!("\n{held_out}, trained on the other sets, settings chosen on them: {chosen:?}");
    let tuned = Matcher::with_semantic(taught(entries, &teach, targets), embedder.clone(), chosen);
    full_report(scored, &route_all(&tuned, scored));
}

/// Scores every decision setting of the grid on each held-out set (trained once per set on the
/// other sets with the shipped training settings) and prints the settings by their mean score over
/// the held-out sets, best first, with the shipped ones for comparison (development figures).
fn leave_out_grid(
    sets: &LabelledSets,
    entries: &[MatchEntry],
    embedder: &Arc<Remembering>,
    shipped: &SemanticConfig,
    targets: Targets,
) {
    let candidates = small_grid(shipped);
    let held_out_sets = HELD_OUT;
    // reports[candidate][set]
    let mut reports: Vec<Vec<QualityReport>> = vec![Vec::new(); candidates.len()];
    let mut spanish: Vec<Vec<QualityReport>> = vec![Vec::new(); candidates.len()];
    for held_out in held_out_sets {
        let scored = sets.get(held_out);
        let teach: Vec<LabelledMessage> = sets.all_but(Some(held_out));
        let teach: Vec<&LabelledMessage> = teach.iter().collect();
        let mut matcher = Matcher::with_semantic(
            taught(entries, &teach, targets),
            embedder.clone(),
            shipped.clone(),
        );
        let es: Vec<usize> = (0..scored.len())
            .filter(|&i| scored[i].lang.as_deref() == Some("es"))
            .collect();
        for (index, config) in candidates.iter().enumerate() {
            matcher = matcher.recalibrated(config.clone());
            let outcomes = route_all(&matcher, scored);
            reports[index].push(score_outcomes(scored, &outcomes));
            spanish[index].push(score_outcomes(
                &subset(scored, &es),
                &subset(&outcomes, &es),
            ));
        }
    }
    let mean = |reports: &[QualityReport], f: &dyn Fn(&QualityReport) -> f64| {
        reports.iter().map(f).sum::<f64>() / reports.len() as f64
    };
    let mut order: Vec<usize> = (0..candidates.len()).collect();
    order.sort_by(|&a, &b| mean(&reports[b], &objective).total_cmp(&mean(&reports[a], &objective)));
    println!(
        "\nleave-one-set-out over {held_out_sets:?}, mean macro-F1 / top-1 (Spanish), mean F1 lead / support / sales / booking, then each set's:"
    );
    for index in order
        .iter()
        .copied()
        .filter(|&i| i == 0 || order.iter().position(|&o| o == i).unwrap() < 20)
    {
        let sets: Vec<String> = reports[index]
            .iter()
            .map(|r| format!("{:.3}/{:.3}", r.macro_f1, r.top1_accuracy))
            .collect();
        let lowest = reports[index]
            .iter()
            .flat_map(|r| r.goals.iter().map(|g| g.f1))
            .fold(1.0, f64::min);
        let goals: Vec<String> = (0..reports[index][0].goals.len())
            .map(|g| format!("{:.2}", mean(&reports[index], &|r| r.goals[g].f1)))
            .collect();
        let c = &candidates[index];
        println!(
            "  {}T {:.2} l2 {} cut {:.2} margin {:.2} none {:.2}: {:.3} / {:.3} (es {:.3} / {:.3}) goals {} lowest {:.2} | {}",
            if index == 0 { "SHIPPED " } else { "" },
            c.training.temperature,
            c.training.l2,
            c.balanced,
            c.margin,
            c.nearer_none,
            mean(&reports[index], &|r| r.macro_f1),
            mean(&reports[index], &|r| r.top1_accuracy),
            mean(&spanish[index], &|r| r.macro_f1),
            mean(&spanish[index], &|r| r.top1_accuracy),
            goals.join(" "),
            lowest,
            sets.join(" ")
        );
    }
}

/// The settings with the best cross-validated score on `pool`: for each fold, trained on the
/// built-in examples and the other folds, each setting routes the fold's texts.
fn choose_by_cv(
    pool: &[LabelledMessage],
    entries: &[MatchEntry],
    embedder: &Arc<Remembering>,
    targets: Targets,
    folds: usize,
    candidates: &[SemanticConfig],
) -> SemanticConfig {
    let mut outcomes: Vec<Vec<Option<Outcome>>> = vec![vec![None; pool.len()]; candidates.len()];
    // One classifier per fold for each training setting (the temperature only calibrates).
    let mut trainings: Vec<Training> = Vec::new();
    for config in candidates {
        let training = Training {
            temperature: 1.0,
            ..config.training
        };
        if !trainings.contains(&training) {
            trainings.push(training);
        }
    }
    for training in trainings {
        let decisions: Vec<usize> = (0..candidates.len())
            .filter(|&i| {
                Training {
                    temperature: 1.0,
                    ..candidates[i].training
                } == training
            })
            .collect();
        for fold in 0..folds {
            let teach: Vec<&LabelledMessage> = (0..pool.len())
                .filter(|i| i % folds != fold)
                .map(|i| &pool[i])
                .collect();
            let mut matcher = Matcher::with_semantic(
                taught(entries, &teach, targets),
                embedder.clone(),
                candidates[decisions[0]].clone(),
            );
            for &index in &decisions {
                matcher = matcher.recalibrated(candidates[index].clone());
                for i in (0..pool.len()).filter(|i| i % folds == fold) {
                    outcomes[index][i] = Some(Outcome::of(&matcher, &pool[i].text));
                }
            }
        }
    }
    let outcomes: Vec<Vec<Outcome>> = outcomes
        .into_iter()
        .map(|routed| routed.into_iter().map(Option::unwrap).collect())
        .collect();
    let best = (0..candidates.len())
        .max_by(|&a, &b| {
            objective(&score_outcomes(pool, &outcomes[a]))
                .total_cmp(&objective(&score_outcomes(pool, &outcomes[b])))
        })
        .unwrap();
    for (config, routed) in candidates.iter().zip(&outcomes) {
        let report = score_outcomes(pool, routed);
        println!(
            "  T {:.2} l2 {} cut {:.2} margin {:.2} none {:.2}: {:.3} / {:.3}",
            config.training.temperature,
            config.training.l2,
            config.balanced,
            config.margin,
            config.nearer_none,
            report.macro_f1,
            report.top1_accuracy
        );
    }
    println!(
        "\n{folds}-fold CV over the other sets (trained on the other folds; best of {} settings, tuned): {:?}",
        candidates.len(),
        candidates[best]
    );
    by_language(pool, &outcomes[best]);
    candidates[best].clone()
}

/// The shipped settings and a few around them (temperature, cut-offs, margin): few, because
/// routing every text once per setting is the cost (the "none of these" veto compares each text
/// with every example).
fn small_grid(shipped: &SemanticConfig) -> Vec<SemanticConfig> {
    let mut candidates = vec![shipped.clone()];
    for temperature in [0.5, 0.7, 1.0] {
        for balanced in [0.2, 0.3, 0.4, 0.5] {
            for margin in [0.3, 0.5, 1.0] {
                candidates.push(SemanticConfig {
                    training: Training {
                        temperature,
                        ..shipped.training
                    },
                    strict: (balanced + 0.2f32).min(0.8),
                    balanced,
                    broad: balanced - 0.1,
                    margin,
                    ..shipped.clone()
                });
            }
        }
    }
    candidates
}

/// The decision's settings tried when the classifier learns from the corpus, for both L2 penalties.
fn pooled_decisions(objective: Objective) -> Vec<SemanticConfig> {
    [0.0001, 0.0003]
        .into_iter()
        .flat_map(|l2| {
            decisions(Training {
                l2,
                steps: 200,
                temperature: 1.0,
                ngrams: 1.0,
                objective,
            })
        })
        .collect()
}

/// The decision's settings tried with `training`.
fn decisions(training: Training) -> Vec<SemanticConfig> {
    let mut all = Vec::new();
    for temperature in [0.3, 0.5, 1.0] {
        for balanced in [0.3, 0.4, 0.5] {
            for margin in [0.05, 0.1, 0.2] {
                for nearer_none in [f32::INFINITY, 0.02, 0.15] {
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
