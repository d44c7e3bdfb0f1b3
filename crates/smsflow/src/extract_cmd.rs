//! `smsflow extract`: the fields the built-in extractors find in a message, and their quality on a
//! labelled set.

use anyhow::Context;
use clap::Args;
use serde::Deserialize;
use smsflow_agent::extract::Extractors;
use smsflow_core::FieldName;
use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::PathBuf;

#[derive(Args)]
pub struct ExtractArgs {
    /// The fields to look for, comma-separated.
    #[arg(long, default_value = "name,email,phone,company")]
    fields: String,
    /// The message.
    #[arg(required_unless_present_any = ["jsonl", "score"])]
    text: Option<String>,
    /// Print compact JSON (the default is pretty).
    #[arg(long)]
    json: bool,
    /// Read one {"text": ...} per line and print one {"fields": ...} per line.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["text", "score"])]
    jsonl: Option<PathBuf>,
    /// Score against a labelled file ({"text", "fields": {...}} per line): precision, recall, F1 per field.
    #[arg(long, value_name = "FILE", conflicts_with = "text")]
    score: Option<PathBuf>,
    /// Region for phone numbers written without a country code (ISO code).
    #[arg(long, default_value = "US")]
    region: String,
}

#[derive(Deserialize)]
struct Line {
    text: String,
    #[serde(default)]
    fields: BTreeMap<String, String>,
}

pub fn run(args: ExtractArgs) -> anyhow::Result<()> {
    let extractors = Extractors::new(&args.region).with_context(|| {
        format!(
            "--region {:?} is not an ISO country code such as US or GB",
            args.region
        )
    })?;
    let fields: Vec<FieldName> = args
        .fields
        .split(',')
        .map(|field| FieldName::parse(field).map_err(anyhow::Error::msg))
        .collect::<Result<_, _>>()?;
    if let Some(path) = args.score.as_deref() {
        return score(&extractors, &fields, &read_lines(path)?);
    }
    if let Some(path) = args.jsonl.as_deref() {
        for line in read_lines(path)? {
            println!(
                "{}",
                serde_json::json!({"fields": extractors.extract(&line.text, &fields)})
            );
        }
        return Ok(());
    }
    let found = serde_json::json!({"fields": extractors.extract(args.text.as_deref().unwrap_or_default(), &fields)});
    if args.json {
        println!("{found}");
    } else {
        println!("{}", serde_json::to_string_pretty(&found)?);
    }
    Ok(())
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
                    "{} line {}: expected {{\"text\": ...}}",
                    path.display(),
                    i + 1
                )
            })
        })
        .collect()
}

/// Values compare as people read them: any case, phone numbers by their digits.
fn same(field: &str, expected: &str, found: &str) -> bool {
    let digits = |text: &str| {
        text.chars()
            .filter(char::is_ascii_digit)
            .collect::<String>()
    };
    if field.contains("phone") {
        let (expected, found) = (digits(expected), digits(found));
        return found.ends_with(&expected) || expected.ends_with(&found);
    }
    expected.trim().eq_ignore_ascii_case(found.trim())
}

fn score(extractors: &Extractors, fields: &[FieldName], lines: &[Line]) -> anyhow::Result<()> {
    println!(
        "{:<12} {:>9} {:>7} {:>6}   tp  fp  fn",
        "field", "precision", "recall", "f1"
    );
    for field in fields {
        let (mut tp, mut fp, mut fn_) = (0, 0, 0);
        for line in lines {
            let found = extractors.extract(&line.text, std::slice::from_ref(field));
            match (line.fields.get(field.as_str()), found.get(field.as_str())) {
                (Some(expected), Some(value)) if same(field.as_str(), expected, value) => tp += 1,
                (Some(_), Some(_)) => {
                    fp += 1;
                    fn_ += 1;
                }
                (None, Some(_)) => fp += 1,
                (Some(_), None) => fn_ += 1,
                (None, None) => {}
            }
        }
        let ratio = |a: usize, b: usize| if b == 0 { 1.0 } else { a as f64 / b as f64 };
        let (precision, recall) = (ratio(tp, tp + fp), ratio(tp, tp + fn_));
        let f1 = if precision + recall > 0.0 {
            2.0 * precision * recall / (precision + recall)
        } else {
            0.0
        };
        println!(
            "{:<12} {precision:>9.2} {recall:>7.2} {f1:>6.2}  {tp:>3} {fp:>3} {fn_:>3}",
            field.as_str()
        );
    }
    Ok(())
}
