//! `smsflow extract`: the fields the built-in extractors find in a message, and their quality on a
//! labelled set: single messages, or multi-turn cases run through the builtin agent (re-asks,
//! corrections, dates in the case's time zone), scored per field, type and language.

use anyhow::Context;
use clap::Args;
use serde::Deserialize;
use smsflow_agent::extract::Extractors;
use smsflow_agent::fields::Clock;
use smsflow_core::fields::FieldItem;
use smsflow_core::workflow::{FieldList, FieldName, StepDraft};
use smsflow_core::{FieldSpec, FieldType, Problems, Workflow, WorkflowDraft};
use smsflow_engine::agent::{Agent, Texter};
use smsflow_store::conversations::Run;
use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::PathBuf;
use uuid::Uuid;

mod tagger;

#[derive(Args)]
pub struct ExtractArgs {
    /// The fields to look for, comma-separated, optionally typed (`name,email,when:datetime`).
    #[arg(long, default_value = "name,email,phone,company")]
    fields: String,
    /// The message.
    #[arg(required_unless_present_any = ["jsonl", "score", "cross_validate", "train_tagger"])]
    text: Option<String>,
    /// Print compact JSON (the default is pretty).
    #[arg(long)]
    json: bool,
    /// Read one {"text": ...} per line and print one {"fields": ...} per line.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["text", "score"])]
    jsonl: Option<PathBuf>,
    /// Score against a labelled file: precision, recall and F1 per field, type and language. Lines
    /// are {"text", "fields": {...}} or multi-turn cases (crates/smsflow-agent/tests/data/extraction).
    #[arg(long, value_name = "FILE", conflicts_with = "text")]
    score: Option<PathBuf>,
    /// With --score: list every value that was missed or wrong; with --cross-validate, those of
    /// the learned reader.
    #[arg(long)]
    misses: bool,
    /// With --score: read with the rules alone, without the learned reader the builtin agent
    /// reads free-text, number, address and choice fields with beside the rules (what the reader
    /// adds, see HISTORY.md).
    #[arg(long, requires = "score")]
    rules_only: bool,
    /// Score the agent's learned reader (free-text, number, address and choice fields)
    /// leave-one-set-out: train on all these sets but one, score the one left out, each in turn,
    /// beside the rules. Give it only development sets (the extraction README lists them), never
    /// the held-out ones.
    #[arg(long, value_name = "FILE", num_args = 2.., conflicts_with_all = ["text", "score", "jsonl"])]
    cross_validate: Vec<PathBuf>,
    /// `OUT FILE...`: train the agent's learned reader on the development sets
    /// (the extraction README lists them) and write it to OUT (crates/smsflow-agent/data/tagger.bin).
    #[arg(long, value_names = ["OUT", "FILE"], num_args = 2.., conflicts_with_all = ["text", "score", "jsonl", "cross_validate"])]
    train_tagger: Vec<PathBuf>,
    /// With --cross-validate: also train on all its sets and score these, which it never trains
    /// on (the held-out sets dev, test, test2..test4).
    #[arg(long, value_name = "FILE", num_args = 1.., requires = "cross_validate")]
    held_out: Vec<PathBuf>,
    /// Region for phone numbers written without a country code (ISO code).
    #[arg(long, default_value = "US")]
    region: String,
}

/// A labelled line: a single message with its fields, or a conversation case.
#[derive(Deserialize)]
#[serde(untagged)]
enum Line {
    Case(Case),
    Message {
        text: String,
        #[serde(default)]
        fields: BTreeMap<String, String>,
    },
}

/// A conversation: what a workflow asks for, what the person texts, and the values a good agent
/// ends up with (see the extraction test set's README).
#[derive(Deserialize)]
struct Case {
    id: String,
    lang: String,
    country: String,
    timezone: String,
    /// Local time at the first turn.
    now: String,
    fields: Vec<FieldItem>,
    turns: Vec<String>,
    /// By the field's name as a workflow reads it: a label written `dueño` meets the field `dueno`.
    #[serde(deserialize_with = "by_field_name")]
    expected: BTreeMap<String, String>,
}

fn by_field_name<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<BTreeMap<String, String>, D::Error> {
    let labelled = BTreeMap::<FieldName, String>::deserialize(deserializer)?;
    Ok(labelled
        .into_iter()
        .map(|(field, value)| (field.as_str().to_string(), value))
        .collect())
}

pub fn run(args: ExtractArgs) -> anyhow::Result<()> {
    let extractors = Extractors::new(&args.region).with_context(|| {
        format!(
            "--region {:?} is not an ISO country code such as US or GB",
            args.region
        )
    })?;
    if args.misses && args.score.is_none() && args.cross_validate.is_empty() {
        anyhow::bail!("--misses lists what --score or --cross-validate got wrong: add one of them");
    }
    let read = |paths: &[PathBuf]| {
        paths
            .iter()
            .map(|path| read_cases(path).map(|cases| (path.clone(), cases)))
            .collect::<anyhow::Result<Vec<_>>>()
    };
    if let [out, sets @ ..] = args.train_tagger.as_slice() {
        let model = tagger::trained(&read(sets)?)?;
        std::fs::write(out, &model).with_context(|| format!("cannot write {}", out.display()))?;
        println!("{} bytes written to {}", model.len(), out.display());
        return Ok(());
    }
    if !args.cross_validate.is_empty() {
        return tagger::cross_validate(
            &read(&args.cross_validate)?,
            &read(&args.held_out)?,
            args.misses,
        );
    }
    let fields = parse_fields(&args.fields)?;
    if let Some(path) = args.score.as_deref() {
        let (reader, extractors) = if args.rules_only {
            (Reader::RulesOnly, extractors.rules_only())
        } else {
            (Reader::Agent, extractors)
        };
        return score(
            &extractors,
            &fields,
            &read_lines(path)?,
            reader,
            args.misses,
        );
    }
    let clock = Clock::default();
    if let Some(path) = args.jsonl.as_deref() {
        for line in read_lines(path)? {
            let Line::Message { text, .. } = line else {
                anyhow::bail!("--jsonl reads {{\"text\": ...}} lines; score cases with --score");
            };
            println!(
                "{}",
                serde_json::json!({"fields": extractors.extract(&text, &fields, &clock)})
            );
        }
        return Ok(());
    }
    let found = serde_json::json!({"fields": extractors.extract(args.text.as_deref().unwrap_or_default(), &fields, &clock)});
    if args.json {
        println!("{found}");
    } else {
        println!("{}", serde_json::to_string_pretty(&found)?);
    }
    Ok(())
}

fn parse_fields(text: &str) -> anyhow::Result<Vec<FieldSpec>> {
    let mut problems = Problems::default();
    let fields: Vec<FieldSpec> = text
        .split(',')
        .filter(|item| !item.trim().is_empty())
        .filter_map(|item| FieldItem::Name(item.to_string()).validate("--fields", &mut problems))
        .collect();
    if problems.is_empty() {
        Ok(fields)
    } else {
        anyhow::bail!("{problems}")
    }
}

fn read_lines(path: &std::path::Path) -> anyhow::Result<Vec<Line>> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    std::io::BufReader::new(file)
        .lines()
        .enumerate()
        .filter(|(_, line)| line.as_ref().map_or(true, |l| !l.trim().is_empty()))
        .map(|(i, line)| {
            serde_json::from_str(&line?).with_context(|| {
                format!(
                    "{} line {}: expected {{\"text\": ...}} or a case with \"turns\"",
                    path.display(),
                    i + 1
                )
            })
        })
        .collect()
}

/// The conversation cases of a labelled file (single-message lines cannot be cross-validated).
fn read_cases(path: &std::path::Path) -> anyhow::Result<Vec<Case>> {
    read_lines(path)?
        .into_iter()
        .map(|line| match line {
            Line::Case(case) => Ok(case),
            Line::Message { .. } => anyhow::bail!(
                "{}: a single-message line; cross-validation reads conversation cases with \"turns\"",
                path.display()
            ),
        })
        .collect()
}

/// (true positive, false positive, false negative) of a found value against the labelled one.
fn counts(expected: Option<&str>, found: Option<&str>) -> (usize, usize, usize) {
    match (expected, found) {
        (Some(expected), Some(found)) if expected.trim() == found.trim() => (1, 0, 0),
        (Some(_), Some(_)) => (0, 1, 1),
        (None, Some(_)) => (0, 1, 0),
        (Some(_), None) => (0, 0, 1),
        (None, None) => (0, 0, 0),
    }
}

/// F1 of summed (true positive, false positive, false negative) counts.
fn f1((tp, fp, fn_): (usize, usize, usize)) -> f64 {
    if tp == 0 {
        return if fp + fn_ == 0 { 1.0 } else { 0.0 };
    }
    2.0 * tp as f64 / (2 * tp + fp + fn_) as f64
}

/// A found value as it is scored: a datetime as YYYY-MM-DDTHH:MM, the business's local time
/// (stored with its offset).
fn as_scored(kind: FieldType, value: &str) -> String {
    match kind {
        FieldType::Datetime => value.chars().take(16).collect(),
        _ => value.to_string(),
    }
}

/// What the agent had asked for and knew before a turn, what the rules found in it (recorded
/// only when the rules read alone) and the fields it had after it.
struct TurnRecord {
    text: String,
    asked: Vec<String>,
    known: BTreeMap<String, String>,
    found: BTreeMap<String, String>,
    fields: BTreeMap<String, String>,
}

/// How a case is read: as the builtin agent does; with the rules alone, without the learned
/// reader; or with the rules alone, recording what they found in each turn (the
/// learned reader's training and cross-validation).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Reader {
    Agent,
    RulesOnly,
    RulesRecorded,
}

/// One labelled value's outcome.
struct Outcome<'a> {
    case: String,
    field: String,
    kind: FieldType,
    lang: &'a str,
    expected: Option<&'a str>,
    found: Option<String>,
}

impl Outcome<'_> {
    /// (true positive, false positive, false negative)
    fn counts(&self) -> (usize, usize, usize) {
        counts(self.expected, self.found.as_deref())
    }
}

/// The fields a case asks for and, turn by turn, what the builtin agent had asked and found, as of
/// `now` in the case's time zone, reading national numbers with its country.
fn run_case(case: &Case, reader: Reader) -> anyhow::Result<(Vec<FieldSpec>, Vec<TurnRecord>)> {
    let draft = WorkflowDraft {
        name: Some(format!("case {}", case.id)),
        goal: Some("general_inquiry".into()),
        steps: Some(vec![StepDraft::ExtractInformation {
            fields: FieldList::List(case.fields.clone()),
            reasks: None,
            on_invalid: None,
        }]),
        ..WorkflowDraft::default()
    };
    let spec = draft
        .validate()
        .map_err(|problems| anyhow::anyhow!("case {}: {problems}", case.id))?;
    let wanted = smsflow_core::run::wanted_fields(&spec);
    let now = time::OffsetDateTime::now_utc();
    let workflow = Workflow {
        id: Uuid::now_v7(),
        spec,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    let zone = jiff::tz::TimeZone::get(&case.timezone)
        .with_context(|| format!("case {}: unknown time zone {:?}", case.id, case.timezone))?;
    let at = case
        .now
        .parse::<jiff::civil::DateTime>()
        .with_context(|| {
            format!(
                "case {}: now {:?} is not YYYY-MM-DDTHH:MM:SS",
                case.id, case.now
            )
        })?
        .to_zoned(zone.clone())?
        .timestamp();
    let mut extractors = Extractors::new(&case.country)
        .with_context(|| format!("case {}: unknown country {:?}", case.id, case.country))?;
    if reader != Reader::Agent {
        extractors = extractors.rules_only();
    }
    let clock = Clock::at(at, zone.clone());
    let agent = Agent::new(None).in_zone(zone).reading(extractors.clone());
    let mut run: Option<Run> = None;
    let mut records = Vec::with_capacity(case.turns.len());
    for text in &case.turns {
        let (asked, known) = run
            .as_ref()
            .map(|run| {
                let mut known = run.state.partial.clone();
                known.extend(run.state.fields.clone());
                (run.state.asked_for.clone(), known)
            })
            .unwrap_or_default();
        // What the agent's own reading of this turn finds, read again as it reads it.
        let found = match reader {
            Reader::Agent | Reader::RulesOnly => BTreeMap::new(),
            Reader::RulesRecorded => {
                extractors
                    .for_number("")
                    .read(text, &wanted, &asked, &known, &clock)
                    .found
            }
        };
        // No sender number: a phone must come from what they text.
        let turn = agent.turn_at(&workflow, run, text, &Texter::english(""), at);
        records.push(TurnRecord {
            text: text.clone(),
            asked,
            known,
            found,
            fields: turn.run.state.fields.clone(),
        });
        run = Some(Run {
            id: turn.run.run_id,
            conversation_id: Uuid::nil(),
            workflow_id: workflow.id,
            state: turn.run.state,
            completed: turn.run.completed,
        });
    }
    Ok((wanted, records))
}

fn score(
    extractors: &Extractors,
    fields: &[FieldSpec],
    lines: &[Line],
    reader: Reader,
    misses: bool,
) -> anyhow::Result<()> {
    let clock = Clock::default();
    let mut outcomes: Vec<Outcome> = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        let (case, lang, wanted, expected, found) = match line {
            Line::Case(case) => {
                let (wanted, mut records) = run_case(case, reader)?;
                let found = records.pop().map(|r| r.fields).unwrap_or_default();
                (
                    case.id.clone(),
                    case.lang.as_str(),
                    wanted,
                    &case.expected,
                    found,
                )
            }
            Line::Message {
                text,
                fields: labelled,
            } => (
                format!("line {}", index + 1),
                "-",
                fields.to_vec(),
                labelled,
                extractors.extract(text, fields, &clock),
            ),
        };
        for field in &wanted {
            let found = found
                .get(field.as_str())
                .map(|value| as_scored(field.kind, value));
            outcomes.push(Outcome {
                case: case.clone(),
                field: field.as_str().to_string(),
                kind: field.kind,
                lang,
                expected: expected.get(field.as_str()).map(String::as_str),
                found,
            });
        }
    }
    let values = outcomes.iter().filter(|o| o.expected.is_some()).count();
    println!("{} lines, {values} labelled values", lines.len());
    table("type", &outcomes, |o| o.kind.as_str().to_string());
    table("language", &outcomes, |o| o.lang.to_string());
    table("field", &outcomes, |o| o.field.clone());
    table("all", &outcomes, |_| "all".to_string());
    if misses {
        println!("\nmisses (case, field, expected, found):");
        for outcome in outcomes
            .iter()
            .filter(|o| o.counts() != (1, 0, 0) && o.counts() != (0, 0, 0))
        {
            println!(
                "{}\t{}\t{}\t{}",
                outcome.case,
                outcome.field,
                outcome.expected.unwrap_or("-"),
                outcome.found.as_deref().unwrap_or("-")
            );
        }
    }
    Ok(())
}

/// Precision, recall and F1 of the outcomes grouped by `key`.
fn table(title: &str, outcomes: &[Outcome], key: impl Fn(&Outcome) -> String) {
    let mut groups: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
    for outcome in outcomes {
        let (tp, fp, fn_) = outcome.counts();
        let group = groups.entry(key(outcome)).or_default();
        group.0 += tp;
        group.1 += fp;
        group.2 += fn_;
    }
    println!(
        "\n{title:<16} {:>9} {:>7} {:>6}   tp  fp  fn",
        "precision", "recall", "f1"
    );
    for (name, (tp, fp, fn_)) in groups {
        let ratio = |a: usize, b: usize| if b == 0 { 1.0 } else { a as f64 / b as f64 };
        let (precision, recall) = (ratio(tp, tp + fp), ratio(tp, tp + fn_));
        let f1 = if precision + recall > 0.0 {
            2.0 * precision * recall / (precision + recall)
        } else {
            0.0
        };
        println!("{name:<16} {precision:>9.3} {recall:>7.3} {f1:>6.3}  {tp:>3} {fp:>3} {fn_:>3}");
    }
}
