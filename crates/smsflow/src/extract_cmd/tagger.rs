//! Training and honest scoring of the builtin agent's learned reader of free-text, number,
//! address and choice fields ([`smsflow_agent::tagger`]): `--train-tagger` trains the stored
//! model on labelled sets; `--cross-validate` trains on every set but one and scores the one left
//! out, each set in turn, beside the rules' own answers on the same set ("read F1": over the
//! fields the model reads).
//!
//! Each case is run through the agent with the rules alone, recording turn by turn what the agent
//! had when it read the turn; the model then reads each turn as the agent would. A field's value is
//! the last turn's pick that is not "nothing", so scoring replays the turns; it does not re-run the
//! agent (whose later questions could change with the model's answers: `--score` does that).

use super::{Case, Reader, as_scored, counts, f1, run_case};
use smsflow_agent::tagger::{self, Candidate, Combination, Model, Turn};
use std::path::{Path, PathBuf};

/// The margins the `sure` combination is scored with.
const MARGINS: [f32; 7] = [0.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0];

/// A field the model reads, of one case, turn by turn.
struct FieldRun {
    case: String,
    field: String,
    reads: tagger::Reads,
    expected: Option<String>,
    /// Each turn's candidates and which of them is the rules' answer.
    turns: Vec<(Vec<Candidate>, usize)>,
}

impl FieldRun {
    /// The turns to learn from, with the candidates that are right. With no expected value,
    /// "nothing" in every turn; else the expected value in the last turn that has it as a
    /// candidate and "nothing" after it (turns before it are replaced: none is wrong). A value no
    /// turn has as a candidate teaches nothing.
    fn training(&self) -> Vec<(&[Candidate], Vec<usize>)> {
        let golds: Vec<Vec<usize>> = self
            .turns
            .iter()
            .map(|(candidates, _)| {
                candidates
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| c.text == self.expected)
                    .map(|(i, _)| i)
                    .collect()
            })
            .collect();
        let from = if self.expected.is_none() {
            0
        } else {
            match golds.iter().rposition(|golds| !golds.is_empty()) {
                Some(last) => last,
                None => return Vec::new(),
            }
        };
        self.turns
            .iter()
            .zip(golds)
            .enumerate()
            .skip(from)
            .map(|(index, ((candidates, _), golds))| {
                let golds = if index == from && self.expected.is_some() {
                    golds
                } else {
                    vec![0]
                };
                (candidates.as_slice(), golds)
            })
            .collect()
    }

    /// The field's value after the last turn, read with `combination`.
    fn answer(&self, model: &Model, combination: Combination) -> Option<&str> {
        let mut value = None;
        for (candidates, rules) in &self.turns {
            let scores = model.scores(candidates);
            let pick = tagger::pick(combination, &scores, *rules, value.is_some());
            if let Some(text) = candidates[pick].text.as_deref() {
                value = Some(text);
            }
        }
        value
    }
}

/// A labelled set read by the rules: the fields the model reads turn by turn, and the rules' counts for the
/// rest.
pub(super) struct Set {
    name: String,
    runs: Vec<FieldRun>,
    /// The rules' (tp, fp, fn) over the fields the model does not read.
    other_counts: Counts,
}

/// (true positive, false positive, false negative)
type Counts = (usize, usize, usize);

pub(super) fn read_set(path: &Path, cases: &[Case]) -> anyhow::Result<Set> {
    let mut runs = Vec::new();
    let mut other_counts = (0, 0, 0);
    for case in cases {
        let (wanted, records) = run_case(case, Reader::RulesRecorded)?;
        for field in &wanted {
            let name = field.as_str();
            let expected = case.expected.get(name).cloned();
            let Some(reads) = tagger::reads(field) else {
                let found = records
                    .last()
                    .and_then(|r| r.fields.get(name))
                    .map(|value| as_scored(field.kind, value));
                add(
                    &mut other_counts,
                    counts(expected.as_deref(), found.as_deref()),
                );
                continue;
            };
            let turns = records
                .iter()
                .map(|record| {
                    let turn = Turn {
                        text: &record.text,
                        field: name,
                        reads,
                        choices: &field.choices,
                        asked: &record.asked,
                        known: &record.known,
                        found: &record.found,
                    };
                    (tagger::candidates(&turn), tagger::rules_pick(&turn))
                })
                .collect();
            runs.push(FieldRun {
                case: case.id.clone(),
                field: name.to_string(),
                reads,
                expected,
                turns,
            });
        }
    }
    let name = path.file_stem().map_or_else(
        || path.display().to_string(),
        |stem| stem.to_string_lossy().into_owned(),
    );
    Ok(Set {
        name,
        runs,
        other_counts,
    })
}

/// The model trained on `sets`, as trained: choices apart from the other kinds ([`Model::train`]).
fn fitted<'s>(sets: impl Iterator<Item = &'s Set>) -> Model {
    let (choices, others): (Vec<&FieldRun>, Vec<&FieldRun>) = sets
        .flat_map(|set| &set.runs)
        .partition(|run| run.reads == tagger::Reads::Choice);
    fn decisions(runs: Vec<&FieldRun>) -> Vec<(&[Candidate], Vec<usize>)> {
        runs.into_iter().flat_map(FieldRun::training).collect()
    }
    Model::train(&[decisions(others), decisions(choices)])
}

/// The model trained on `sets`, as the agent stores and reads it (quantised).
fn train<'s>(sets: impl Iterator<Item = &'s Set>) -> Model {
    Model::decode(&fitted(sets).encode())
}

/// `--train-tagger OUT`: the stored model, trained on `sets`.
pub(super) fn trained(sets: &[(PathBuf, Vec<Case>)]) -> anyhow::Result<Vec<u8>> {
    let sets = sets
        .iter()
        .map(|(path, cases)| read_set(path, cases))
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(fitted(sets.iter()).encode())
}

/// The combinations compared, by column name.
fn combinations() -> Vec<(String, Combination)> {
    let mut all = vec![
        ("rules".to_string(), Combination::Rules),
        ("+rules".to_string(), Combination::WithRules),
        ("fill".to_string(), Combination::Fill),
    ];
    all.extend(
        MARGINS
            .iter()
            .map(|margin| (format!("sure{margin}"), Combination::Sure(*margin))),
    );
    all.extend(
        MARGINS
            .iter()
            .map(|margin| (format!("sfill{margin}"), Combination::SureFill(*margin))),
    );
    all
}

/// F1 over the fields the model reads, then overall F1, of each combination on `set`.
fn score(model: &Model, set: &Set) -> (Vec<f64>, Vec<f64>) {
    combinations()
        .into_iter()
        .map(|(_, combination)| {
            let mut text = (0, 0, 0);
            for run in &set.runs {
                add(
                    &mut text,
                    counts(run.expected.as_deref(), run.answer(model, combination)),
                );
            }
            let mut all = set.other_counts;
            add(&mut all, text);
            (f1(text), f1(all))
        })
        .unzip()
}

/// Train on all `sets` but one and score the one left out, for each; print per-set and mean text
/// and overall F1 of each combination. Then, with a model trained on all `sets`, the same for each
/// `held_out` set.
pub(super) fn cross_validate(
    sets: &[(PathBuf, Vec<Case>)],
    held_out: &[(PathBuf, Vec<Case>)],
    misses: bool,
) -> anyhow::Result<()> {
    let sets = sets
        .iter()
        .map(|(path, cases)| read_set(path, cases))
        .collect::<anyhow::Result<Vec<_>>>()?;
    println!(
        "leave-one-set-out, turn by turn, spans up to {} words",
        tagger::MAX_SPAN
    );
    let mut rows = Vec::new();
    let mut missed = Vec::new();
    for (held, set) in sets.iter().enumerate() {
        let model = train(
            sets.iter()
                .enumerate()
                .filter(|(index, _)| *index != held)
                .map(|(_, set)| set),
        );
        rows.push((set.name.clone(), set.runs.len(), score(&model, set)));
        if misses {
            missed.extend(misses_of(&model, set));
        }
    }
    print_tables(&rows, true);
    if misses {
        println!(
            "\nthe misses of the agent's combination (sure {}, a choice sure {}), each set read by the model not trained on it (case, field, expected, found, rules):",
            tagger::SURE_MARGIN,
            tagger::SURE_CHOICE_MARGIN
        );
        for line in missed {
            println!("{line}");
        }
    }
    if !held_out.is_empty() {
        println!("\ntrained on all the sets above, scored on sets it never read");
        let model = train(sets.iter());
        let rows = held_out
            .iter()
            .map(|(path, cases)| {
                let set = read_set(path, cases)?;
                Ok((set.name.clone(), set.runs.len(), score(&model, &set)))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        print_tables(&rows, false);
    }
    Ok(())
}

type Row = (String, usize, (Vec<f64>, Vec<f64>));

fn print_tables(rows: &[Row], mean: bool) {
    let names: Vec<String> = combinations().into_iter().map(|(name, _)| name).collect();
    for (title, pick) in [
        ("read F1", (|row: &Row| &row.2.0) as fn(&Row) -> &Vec<f64>),
        ("overall F1", |row: &Row| &row.2.1),
    ] {
        println!(
            "\n{title:<10} {:>6} {}",
            "fields",
            names.iter().map(|n| format!("{n:>8}")).collect::<String>()
        );
        for row in rows {
            println!(
                "{:<10} {:>6} {}",
                row.0,
                row.1,
                pick(row)
                    .iter()
                    .map(|f| format!("{f:>8.3}"))
                    .collect::<String>()
            );
        }
        if mean {
            let n = rows.len() as f64;
            let means = (0..names.len())
                .map(|column| rows.iter().map(|row| pick(row)[column]).sum::<f64>() / n);
            println!(
                "{:<10} {:>6} {}",
                "mean",
                "",
                means.map(|f| format!("{f:>8.4}")).collect::<String>()
            );
        }
    }
}

/// The set's values the agent's combination gets wrong, a line each: case, field, expected, its
/// answer and the rules'.
fn misses_of(model: &Model, set: &Set) -> Vec<String> {
    let shown = |value: Option<&str>| value.unwrap_or("-").to_string();
    set.runs
        .iter()
        .filter_map(|run| {
            let found = run.answer(model, tagger::combination(run.reads));
            (found != run.expected.as_deref()).then(|| {
                format!(
                    "{}\t{}\t{}\t{}\t{}",
                    run.case,
                    run.field,
                    shown(run.expected.as_deref()),
                    shown(found),
                    shown(run.answer(model, Combination::Rules))
                )
            })
        })
        .collect()
}

fn add(sum: &mut Counts, (tp, fp, fn_): Counts) {
    sum.0 += tp;
    sum.1 += fp;
    sum.2 += fn_;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The development sets the stored model was trained on: `test5` to `test252` (numbers whose
    /// writer stopped without writing have no set); later sets are development it is not trained on.
    fn trained_on() -> impl Iterator<Item = u32> {
        (5..=252).filter(|n| ![154, 174, 187, 190, 201, 218, 238].contains(n))
    }

    /// The model stored with the agent is what `--train-tagger` gives on the development sets:
    /// retrain after changing the rules or the features (see the extraction README).
    #[test]
    fn the_stored_model_is_what_training_gives() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let data = root.join("smsflow-agent/tests/data/extraction");
        let sets = trained_on()
            .map(|n| {
                let path = data.join(format!("test{n}.jsonl"));
                super::super::read_cases(&path).map(|cases| (path, cases))
            })
            .collect::<anyhow::Result<Vec<_>>>()
            .unwrap();
        let stored = std::fs::read(root.join("smsflow-agent/data/tagger.bin")).unwrap();
        let (first, last) = (trained_on().min().unwrap(), trained_on().max().unwrap());
        assert!(
            trained(&sets).unwrap() == stored,
            "retrain: D=crates/smsflow-agent/tests/data/extraction; smsflow extract \
             --train-tagger crates/smsflow-agent/data/tagger.bin \
             $(for n in $(seq {first} {last}); do [ -f $D/test$n.jsonl ] && echo $D/test$n.jsonl; done)"
        );
    }
}
