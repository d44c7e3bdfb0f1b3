//! `smsflow workflows ...`: workflows as YAML files that can live in git, and matching tests.

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use smsflow_core::quality::{LabelledMessage, QualityReport, score};
use smsflow_core::{Goal, MatchEntry, MatchExplanation, Matcher, WorkflowDraft, WorkflowSpec};
use smsflow_engine::workflow_sets::{draft_set, live_set};
use smsflow_server::Config;
use smsflow_store::{Author, Publication, Store, WorkflowQuery};
use std::collections::HashSet;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use crate::versions_cmd;

#[derive(Subcommand)]
pub enum WorkflowsCommand {
    /// List workflows in matching order (highest priority first).
    List {
        /// Only this goal: general_inquiry, lead_capture, help_desk_support, sales_inquiry, appointment_booking.
        #[arg(long)]
        goal: Option<String>,
        /// Only active (true) or inactive (false) workflows.
        #[arg(long)]
        active: Option<bool>,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Show one workflow, by name or id, as YAML.
    Show { name_or_id: String },
    /// Create or update workflows from a YAML file (a list); idempotent by name.
    Import {
        file: PathBuf,
        /// Check the file and report what would change, without changing anything.
        #[arg(long)]
        dry_run: bool,
    },
    /// Write all workflows as YAML to FILE, or to stdout. `apply` of the file changes nothing, and
    /// exporting again writes the same bytes.
    Export { file: Option<PathBuf> },
    /// What applying a YAML file, or a directory of them, would create, change or delete.
    Plan {
        #[arg(long)]
        file: PathBuf,
    },
    /// Make the workflows those of a YAML file or directory, as one version: saved as the draft,
    /// or published at once with --publish. Workflows not in the files are deleted.
    Apply {
        #[arg(long)]
        file: PathBuf,
        /// Publish at once instead of saving the draft.
        #[arg(long)]
        publish: bool,
        /// Why, for the history.
        #[arg(long)]
        note: Option<String>,
    },
    /// Show what the draft would change, or discard it.
    Draft {
        #[arg(long)]
        discard: bool,
    },
    /// Make the draft live, all at once, as a new version.
    Publish {
        /// Why, for the history.
        #[arg(long)]
        note: Option<String>,
    },
    /// Publish an earlier version's workflows again, exactly, as a new version.
    Rollback {
        version: i64,
        /// Why, for the history.
        #[arg(long)]
        note: Option<String>,
    },
    /// Replay stored inbound texts against the draft (--draft) or the published workflows: what
    /// would route differently, and which replies change. Nothing is stored or sent.
    Replay {
        /// How far back: 7d, 24h, 90m, or an RFC 3339 time.
        #[arg(long, default_value = "7d")]
        since: String,
        /// Only this conversation (repeat for more).
        #[arg(long = "conversation", value_name = "ID")]
        conversations: Vec<uuid::Uuid>,
        /// Replay the draft against the published workflows (without it: the published workflows
        /// against how the texts were routed when they arrived).
        #[arg(long)]
        draft: bool,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// Match on keywords only, even if the embedding model is installed.
        #[arg(long)]
        keywords_only: bool,
    },
    /// The newest versions of the workflows, with who made each and what it changed.
    History {
        /// How many versions.
        #[arg(long, default_value_t = 20)]
        limit: u32,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Check a YAML file of workflows and report every problem.
    Validate { file: PathBuf },
    /// Which workflow would handle a message, and why every other one did not.
    Test(TestArgs),
    /// Score matching quality on a labelled JSONL file ({"text", "goals": [...]} per line).
    Score {
        /// The labelled messages.
        samples: PathBuf,
        /// Use the workflows of this YAML file instead of the database.
        #[arg(long)]
        file: Option<PathBuf>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// Match on keywords only, even if the embedding model is installed.
        #[arg(long)]
        keywords_only: bool,
        /// Score only the messages labelled with this language ("lang": en, es or mixed).
        #[arg(long)]
        lang: Option<String>,
    },
}

#[derive(Args)]
pub struct TestArgs {
    /// The sample message.
    #[arg(required_unless_present = "jsonl")]
    message: Option<String>,
    /// Use the workflows of this YAML file instead of the database (no database needed).
    #[arg(long)]
    file: Option<PathBuf>,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
    /// Read one {"text": ...} per line from FILE and print one JSON answer per line.
    #[arg(long, value_name = "FILE", conflicts_with = "message")]
    jsonl: Option<PathBuf>,
    /// The sender's number (E.164), as the endpoint takes it.
    #[arg(long)]
    from: Option<String>,
    /// Consider inactive workflows as if they were active.
    #[arg(long)]
    include_inactive: bool,
    /// Match on keywords only, even if the embedding model is installed.
    #[arg(long)]
    keywords_only: bool,
}

pub async fn run(command: WorkflowsCommand, config: &Config) -> anyhow::Result<()> {
    match command {
        WorkflowsCommand::List { goal, active, json } => list(config, goal, active, json).await,
        WorkflowsCommand::Show { name_or_id } => {
            let store = crate::open_store(config).await?;
            let workflow = find(store.as_ref(), &name_or_id).await?;
            print!("{}", to_yaml(&[WorkflowDraft::from(&workflow.spec)])?);
            Ok(())
        }
        WorkflowsCommand::Import { file, dry_run } => import(config, &file, dry_run).await,
        WorkflowsCommand::Export { file } => export(config, file.as_deref()).await,
        WorkflowsCommand::Plan { file } => {
            versions_cmd::plan(crate::open_store(config).await?.as_ref(), &file).await
        }
        WorkflowsCommand::Apply {
            file,
            publish,
            note,
        } => {
            let store = crate::open_store(config).await?;
            versions_cmd::apply(store.as_ref(), config, &file, publish, note.as_deref()).await
        }
        WorkflowsCommand::Draft { discard } => {
            versions_cmd::draft(crate::open_store(config).await?.as_ref(), discard).await
        }
        WorkflowsCommand::Publish { note } => {
            let store = crate::open_store(config).await?;
            versions_cmd::publish(store.as_ref(), config, note.as_deref()).await
        }
        WorkflowsCommand::Rollback { version, note } => {
            let store = crate::open_store(config).await?;
            versions_cmd::rollback(store.as_ref(), config, version, note.as_deref()).await
        }
        WorkflowsCommand::Replay {
            since,
            conversations,
            draft,
            json,
            keywords_only,
        } => versions_cmd::replay(config, &since, &conversations, draft, json, keywords_only).await,
        WorkflowsCommand::History { limit, json } => {
            versions_cmd::history(crate::open_store(config).await?.as_ref(), limit, json).await
        }
        WorkflowsCommand::Validate { file } => {
            let specs = read_workflow_file(&file)?;
            println!("{}: {} valid workflow(s).", file.display(), specs.len());
            Ok(())
        }
        WorkflowsCommand::Test(args) => test(config, args).await,
        WorkflowsCommand::Score {
            samples,
            file,
            json,
            keywords_only,
            lang,
        } => {
            let matcher = matcher_for(config, file.as_deref(), keywords_only).await?;
            let mut samples = read_labelled(&samples)?;
            if let Some(lang) = &lang {
                samples.retain(|sample| sample.lang.as_deref() == Some(lang.as_str()));
                if samples.is_empty() {
                    bail!(
                        "no message has \"lang\": {lang:?}: use en, es or mixed, as the file labels them"
                    );
                }
            }
            let report = score(&matcher, &samples);
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print_report(&report, matcher.is_semantic());
            }
            Ok(())
        }
    }
}

/// The score report for people: per goal, the totals, the confusion matrix and every misroute.
fn print_report(report: &QualityReport, semantic: bool) {
    println!(
        "{:<20} {:>9} {:>7} {:>6}   tp  fp  fn",
        "goal", "precision", "recall", "f1"
    );
    for goal in &report.goals {
        println!(
            "{:<20} {:>9.2} {:>7.2} {:>6.2}  {:>3} {:>3} {:>3}",
            goal.goal.label(),
            goal.precision,
            goal.recall,
            goal.f1,
            goal.true_positives,
            goal.false_positives,
            goal.false_negatives
        );
    }
    println!(
        "macro-F1 {:.3}   top-1 routing accuracy {:.3}   ({} messages, {})",
        report.macro_f1,
        report.top1_accuracy,
        report.messages,
        if semantic {
            "keywords + meaning"
        } else {
            "keywords only"
        }
    );
    println!();
    println!("Routed to (columns) for each expected goal (rows); General Inquiry = none of these:");
    let short = |goal: Goal| match goal {
        Goal::GeneralInquiry => "none",
        Goal::LeadCapture => "lead",
        Goal::HelpDeskSupport => "support",
        Goal::SalesInquiry => "sales",
        Goal::AppointmentBooking => "booking",
    };
    print!("{:<20}", "");
    for goal in Goal::ALL {
        print!(" {:>8}", short(goal));
    }
    println!();
    for expected in Goal::ALL {
        print!("{:<20}", expected.label());
        for routed in Goal::ALL {
            print!(
                " {:>8}",
                report.confusion[expected as usize][routed as usize]
            );
        }
        println!();
    }
    if !report.misrouted.is_empty() {
        println!();
        println!("Misrouted ({}):", report.misrouted.len());
    }
    for miss in &report.misrouted {
        let expected: Vec<&str> = miss.expected.iter().map(|g| g.label()).collect();
        println!(
            "  {:?}: routed to {}, expected {}",
            miss.text,
            miss.routed_to.map_or("no workflow", Goal::label),
            if expected.is_empty() {
                Goal::GeneralInquiry.label().to_string()
            } else {
                expected.join(" or ")
            }
        );
    }
}

async fn list(
    config: &Config,
    goal: Option<String>,
    active: Option<bool>,
    json: bool,
) -> anyhow::Result<()> {
    let goal = goal
        .map(|text| {
            Goal::parse(&text).with_context(|| {
                format!("--goal {text:?} is not a goal: use one of {}", goal_names())
            })
        })
        .transpose()?;
    let store = crate::open_store(config).await?;
    let mut query = WorkflowQuery {
        goal,
        active,
        limit: 200,
        ..Default::default()
    };
    let mut workflows = Vec::new();
    loop {
        let page = store.list_workflows(&query).await?;
        workflows.extend(page.items);
        match page.next {
            Some(next) => query.after = Some(next),
            None => break,
        }
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&workflows)?);
        return Ok(());
    }
    if workflows.is_empty() {
        println!("No workflows. Import some with `smsflow workflows import workflows.yaml`.");
        return Ok(());
    }
    println!("priority  active   goal                 steps name");
    for workflow in workflows {
        let spec = &workflow.spec;
        println!(
            "{:>8}  {:<8} {:<20} {:<5} {}",
            spec.priority,
            if spec.active { "yes" } else { "no" },
            spec.goal.as_str(),
            spec.steps.len(),
            spec.name
        );
    }
    Ok(())
}

fn goal_names() -> String {
    Goal::ALL
        .iter()
        .map(|g| g.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

async fn find(store: &dyn Store, name_or_id: &str) -> anyhow::Result<smsflow_core::Workflow> {
    if let Ok(id) = uuid::Uuid::parse_str(name_or_id) {
        return Ok(store.get_workflow(id).await?);
    }
    store
        .find_workflow_by_name(name_or_id)
        .await?
        .with_context(|| {
            format!("no workflow named {name_or_id:?}: `smsflow workflows list` shows them")
        })
}

/// Reads and validates a YAML list of workflows (or a directory of them), reporting every problem
/// of every workflow.
pub fn read_workflow_file(path: &Path) -> anyhow::Result<Vec<WorkflowSpec>> {
    let drafts = crate::versions_cmd::read_drafts(path)?;
    let set = draft_set(&drafts, &[]).map_err(|problems| {
        anyhow::anyhow!("{} has problems to fix:\n{problems}", path.display())
    })?;
    Ok(set.into_iter().map(|workflow| workflow.spec).collect())
}

async fn import(config: &Config, file: &Path, dry_run: bool) -> anyhow::Result<()> {
    let drafts = versions_cmd::read_drafts(file)?;
    let store = crate::open_store(config).await?;
    let live = live_set(store.as_ref()).await?;
    // Workflows are matched to the live ones by name; the file's names keep their live ids.
    let imported = draft_set(&drafts, &live).map_err(|problems| {
        anyhow::anyhow!("{} has problems to fix:\n{problems}", file.display())
    })?;
    let (mut created, mut updated, mut unchanged) = (0, 0, 0);
    for workflow in &imported {
        let verb = match live.iter().find(|existing| existing.id == workflow.id) {
            None => {
                created += 1;
                "created"
            }
            Some(existing) if existing.spec == workflow.spec => {
                unchanged += 1;
                "unchanged"
            }
            Some(_) => {
                updated += 1;
                "updated"
            }
        };
        println!("{verb:>9}  {}", workflow.spec.name);
    }
    if !dry_run && created + updated > 0 {
        smsflow_engine::saved_suite::refuse_untested_change(&config.engine())?;
        // One version for the whole import (a version per workflow would store the set once per
        // workflow); the live workflows the file does not name stay as they are.
        let named: HashSet<uuid::Uuid> = imported.iter().map(|workflow| workflow.id).collect();
        let mut set = imported;
        set.extend(
            live.into_iter()
                .filter(|workflow| !named.contains(&workflow.id)),
        );
        let base = store.latest_version().await?;
        let note = format!("import of {}", file.display());
        store
            .publish_set(
                &set,
                Publication {
                    by: &Author::cli(),
                    note: Some(&note),
                    expected_version: Some(base),
                },
            )
            .await?;
    }
    let prefix = if dry_run {
        "Dry run, nothing changed: would have "
    } else {
        ""
    };
    println!("{prefix}{created} created, {updated} updated, {unchanged} unchanged.");
    Ok(())
}

async fn export(config: &Config, file: Option<&Path>) -> anyhow::Result<()> {
    let store = crate::open_store(config).await?;
    let drafts: Vec<WorkflowDraft> = store
        .all_workflows()
        .await?
        .iter()
        .map(|w| WorkflowDraft::from(&w.spec))
        .collect();
    let yaml = to_yaml(&drafts)?;
    match file {
        Some(path) => {
            std::fs::write(path, yaml)
                .with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!(
                "Exported {} workflow(s) to {}.",
                drafts.len(),
                path.display()
            );
        }
        None => print!("{yaml}"),
    }
    Ok(())
}

fn to_yaml(drafts: &[WorkflowDraft]) -> anyhow::Result<String> {
    Ok(serde_norway::to_string(drafts)?)
}

/// The workflows of `file` (or the database), with the semantic signal when the model is installed
/// and not turned off; says on stderr when it is not installed.
async fn matcher_for(
    config: &Config,
    file: Option<&Path>,
    keywords_only: bool,
) -> anyhow::Result<Matcher> {
    let entries: Vec<MatchEntry> = match file {
        Some(path) => read_workflow_file(path)?
            .iter()
            .map(MatchEntry::from)
            .collect(),
        None => crate::open_store(config)
            .await?
            .all_workflows()
            .await?
            .iter()
            .map(MatchEntry::from)
            .collect(),
    };
    if keywords_only {
        return Ok(Matcher::new(entries));
    }
    Ok(
        match smsflow_engine::model::load_semantic(config.model, &config.data_dir) {
            Some(semantic) => Matcher::with_semantic(entries, semantic.embedder, semantic.config),
            None => Matcher::new(entries),
        },
    )
}

fn read_labelled(path: &Path) -> anyhow::Result<Vec<LabelledMessage>> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    std::io::BufReader::new(file)
        .lines()
        .enumerate()
        .filter(|(_, line)| line.as_ref().map_or(true, |l| !l.trim().is_empty()))
        .map(|(i, line)| {
            let line = line?;
            serde_json::from_str(&line).with_context(|| {
                format!(
                    "{} line {}: expected {{\"text\": ..., \"goals\": [...]}}",
                    path.display(),
                    i + 1
                )
            })
        })
        .collect()
}

async fn test(config: &Config, args: TestArgs) -> anyhow::Result<()> {
    if let Some(from) = &args.from {
        anyhow::ensure!(
            smsflow_core::sms::is_e164(from),
            "--from {from:?} is not an E.164 number: write it as + and country code, e.g. +15550001111"
        );
    }
    let matcher = matcher_for(config, args.file.as_deref(), args.keywords_only).await?;
    if let Some(path) = &args.jsonl {
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        for message in read_labelled(path)? {
            serde_json::to_writer(
                &mut out,
                &matcher.explain(&message.text, args.include_inactive),
            )?;
            writeln!(out)?;
        }
        return Ok(());
    }
    let message = args
        .message
        .expect("clap requires a message without --jsonl");
    let explanation = matcher.explain(&message, args.include_inactive);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&explanation)?);
    } else {
        print_explanation(&explanation);
    }
    Ok(())
}

fn print_explanation(explanation: &MatchExplanation) {
    match &explanation.matched {
        Some(matched) => println!(
            "Matched: {} ({}, priority {})",
            matched.workflow,
            matched.goal.label(),
            matched.priority
        ),
        None => println!(
            "Matched: nothing (add an active General Inquiry workflow to catch every message)"
        ),
    }
    if !explanation.probabilities.is_empty() {
        let by_goal: Vec<String> = explanation
            .probabilities
            .iter()
            .map(|p| {
                let name = if p.goal.is_catch_all() {
                    "none of these"
                } else {
                    p.goal.label()
                };
                format!("{name} {:.2}", p.probability)
            })
            .collect();
        println!("By meaning: {}", by_goal.join(", "));
    }
    if !explanation.tie_with.is_empty() {
        println!(
            "Tie at the same priority with: {}",
            explanation.tie_with.join(", ")
        );
    }
    for candidate in &explanation.candidates {
        let mark = if candidate.winner {
            "=>"
        } else if candidate.matches {
            " +"
        } else {
            " -"
        };
        println!(
            "{mark} {:<30} {:<20} {:>6}  {}",
            candidate.workflow,
            candidate.goal.label(),
            candidate.priority,
            candidate.reason
        );
    }
}
