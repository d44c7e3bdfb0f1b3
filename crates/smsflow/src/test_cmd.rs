//! `smsflow test`: scripted conversations (YAML) played against the workflows, each in a throwaway
//! installation with the simulator and the builtin agent; nothing is sent anywhere.

use anyhow::Context;
use clap::Args;
use smsflow_core::WorkflowSpec;
use smsflow_engine::conversation_tests::{LoadedTest, TestOutcome, junit, load, run_in_sandbox};
use smsflow_engine::saved_suite::{self, Target};
use smsflow_server::Config;
use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

#[derive(Args)]
pub struct TestArgs {
    /// Conversation test files, or directories of them (their .yaml/.yml files, not subdirectories).
    #[arg(required_unless_present = "saved", value_name = "FILE_OR_DIR")]
    paths: Vec<PathBuf>,
    /// Run the suite saved beside the workflows (the web app's Tests page, `PUT /api/v1/workflows/tests`)
    /// against the draft, or the published workflows when there is no draft.
    #[arg(long, conflicts_with_all = ["paths", "workflows"])]
    saved: bool,
    /// With --saved: run it against the published workflows even when there is a draft.
    #[arg(long, requires = "saved")]
    published: bool,
    /// Test these workflows (a YAML file) instead of the configured database's.
    #[arg(long, value_name = "FILE")]
    workflows: Option<PathBuf>,
    /// Also write a JUnit XML report to FILE, for CI systems.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Print the results as one JSON document instead of text.
    #[arg(long)]
    json: bool,
}

pub async fn run(args: TestArgs, config: &Config) -> anyhow::Result<()> {
    let (tests, under_test, against) = if args.saved {
        let (tests, target) = saved(config, args.published).await?;
        (tests, target.workflows, Some(target.against))
    } else {
        let under_test: Vec<WorkflowSpec> = match &args.workflows {
            Some(file) => crate::workflows_cmd::read_workflow_file(file)?,
            None => crate::open_store(config)
                .await?
                .all_workflows()
                .await?
                .into_iter()
                .map(|workflow| workflow.spec)
                .collect(),
        };
        (load(&args.paths)?, under_test, None)
    };
    if let Some(against) = against.as_ref().filter(|_| !args.json) {
        println!("The saved suite, against {against}:");
    }
    anyhow::ensure!(
        !under_test.is_empty() || tests.iter().all(|t| t.test.workflows.is_some()),
        "there are no workflows to test: pass --workflows FILE, or import some with `smsflow workflows import FILE`"
    );
    // Workflows files that tests name, read once each.
    let mut named: HashMap<PathBuf, Result<Vec<WorkflowSpec>, String>> = HashMap::new();
    let semantic = smsflow_engine::model::load_semantic(config.model, &config.data_dir);
    let settings = config.engine();
    let progress = !args.json && std::io::stderr().is_terminal();
    let mut outcomes = Vec::with_capacity(tests.len());
    for (index, loaded) in tests.iter().enumerate() {
        if progress {
            eprint!(
                "\r\x1b[2K[{}/{}] {}",
                index + 1,
                tests.len(),
                loaded.test.name
            );
        }
        let started = std::time::Instant::now();
        let workflows = match loaded.workflows_file() {
            Some(file) => named
                .entry(file.clone())
                .or_insert_with(|| {
                    crate::workflows_cmd::read_workflow_file(&file).map_err(|e| format!("{e:#}"))
                })
                .as_ref()
                .map(Vec::as_slice),
            None => Ok(under_test.as_slice()),
        };
        let result = match workflows {
            Ok(workflows) => run_in_sandbox(&settings, &loaded.test, workflows, semantic.clone())
                .await
                .map_err(|error| error.to_string()),
            Err(error) => Err(error.clone()),
        };
        let (failures, error) = match result {
            Ok(failures) => (failures, None),
            Err(error) => (Vec::new(), Some(error)),
        };
        let outcome = TestOutcome {
            file: loaded.file.display().to_string(),
            name: loaded.test.name.clone(),
            turns: loaded.test.turns.len(),
            failures,
            error,
            seconds: started.elapsed().as_secs_f64(),
        };
        if progress {
            eprint!("\r\x1b[2K");
        }
        if !args.json {
            print_outcome(&outcome);
        }
        outcomes.push(outcome);
    }
    let failed = outcomes.iter().filter(|o| !o.passed()).count();
    let passed = outcomes.len() - failed;
    if let Some(path) = &args.junit {
        write_report(path, &junit(&outcomes))?;
    }
    if args.json {
        let mut document = serde_json::json!({
            "passed": passed,
            "failed": failed,
            "tests": outcomes,
        });
        if let Some(against) = against {
            document["against"] = against.into();
        }
        println!("{}", serde_json::to_string_pretty(&document)?);
    } else {
        println!("{passed} passed, {failed} failed");
    }
    anyhow::ensure!(
        failed == 0,
        "{failed} of {} conversation tests failed",
        outcomes.len()
    );
    Ok(())
}

/// What the saved suite's file is called in the output and the JUnit report.
const SAVED_SUITE: &str = "saved suite";

/// The saved suite's tests, and the draft (or, with `published` or without a draft, the published
/// workflows) they run against.
async fn saved(config: &Config, published: bool) -> anyhow::Result<(Vec<LoadedTest>, Target)> {
    let store = crate::open_store(config).await?;
    let suite = store.saved_test_suite().await?.context(
        "no conversation-test suite is saved: save one on the web app's draft Tests page or with PUT /api/v1/workflows/tests, or pass test files",
    )?;
    let file = saved_suite::check(&suite.yaml)?;
    let target = if published {
        saved_suite::published(store.as_ref()).await?
    } else {
        saved_suite::draft_or_published(store.as_ref()).await?
    };
    let tests = file
        .tests
        .into_iter()
        .map(|test| LoadedTest {
            file: PathBuf::from(SAVED_SUITE),
            test,
        })
        .collect();
    Ok((tests, target))
}

fn print_outcome(outcome: &TestOutcome) {
    let mut out = std::io::stdout().lock();
    if outcome.passed() {
        let _ = writeln!(out, "ok   {}: {}", outcome.file, outcome.name);
    } else {
        let _ = write!(
            out,
            "FAIL {}: {}\n{}",
            outcome.file,
            outcome.name,
            outcome.explain()
        );
    }
}

fn write_report(path: &Path, xml: &str) -> anyhow::Result<()> {
    std::fs::write(path, xml)
        .with_context(|| format!("cannot write the JUnit report {}", path.display()))
}
