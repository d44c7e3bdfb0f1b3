//! `smsflow test`: scripted conversations (YAML) played against the workflows, each in a throwaway
//! installation with the simulator and the builtin agent; nothing is sent anywhere.

use anyhow::Context;
use clap::Args;
use smsflow_core::WorkflowSpec;
use smsflow_engine::conversation_tests::{TestOutcome, junit, load, run_in_sandbox};
use smsflow_server::Config;
use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

#[derive(Args)]
pub struct TestArgs {
    /// Conversation test files, or directories of them (their .yaml/.yml files, not subdirectories).
    #[arg(required = true, value_name = "FILE_OR_DIR")]
    paths: Vec<PathBuf>,
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
    let tests = load(&args.paths)?;
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
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "passed": passed,
                "failed": failed,
                "tests": outcomes,
            }))?
        );
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
