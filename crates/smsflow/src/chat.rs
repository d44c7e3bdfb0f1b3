//! `smsflow chat`: an SMS conversation in the terminal, through the built-in simulator.

use clap::Args;
use smsflow_engine::Engine;
use smsflow_engine::model::load_semantic;
use smsflow_engine::sandbox::Sandbox;
use smsflow_server::Config;
use std::io::{BufRead, Write};
use std::path::PathBuf;

#[derive(Args)]
pub struct ChatArgs {
    /// The number you are texting from (E.164).
    #[arg(long, default_value = "+15550001111")]
    from: String,
    /// Our number you are texting (defaults to sms.default_from).
    #[arg(long)]
    to: Option<String>,
    /// Use the workflows of this YAML file, in a throwaway database, instead of the configured one.
    #[arg(long)]
    file: Option<PathBuf>,
}

pub async fn run(args: ChatArgs, config: Config) -> anyhow::Result<()> {
    anyhow::ensure!(
        smsflow_core::sms::is_e164(&args.from),
        "--from {:?} is not an E.164 number: write it as + and country code, e.g. +15550001111",
        args.from
    );
    let to = args.to.unwrap_or_else(|| config.sms.default_from.clone());
    // With a file: a throwaway installation; without, the configured one.
    let (engine, sandbox, workers) = match &args.file {
        Some(file) => {
            let specs = crate::workflows_cmd::read_workflow_file(file)?;
            let semantic = load_semantic(config.model, &config.data_dir);
            let sandbox = Sandbox::start(config.engine(), &specs, semantic).await?;
            (sandbox.engine.clone(), Some(sandbox), None)
        }
        None => {
            let store = crate::open_store(&config).await?;
            let semantic = load_semantic(config.model, &config.data_dir);
            let channels = smsflow_server::channels(&config);
            let engine = Engine::new(store, config.engine(), channels, semantic).await?;
            let workers = engine.start_workers();
            (engine, None, Some(workers))
        }
    };
    let matcher_size = engine.matchers.current().matcher.len();
    println!(
        "Texting {to} from {} ({matcher_size} workflows). Type a message; an empty line or Ctrl-D ends.",
        args.from
    );
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    loop {
        print!("you> ");
        std::io::stdout().flush()?;
        let Some(line) = lines.next().transpose()? else {
            break;
        };
        let line = line.trim();
        if line.is_empty() {
            break;
        }
        let turn = engine.messaging.simulate(&args.from, &to, line).await?;
        let explanation = turn.inbound.explanation.unwrap_or_default();
        let how = explanation
            .get("workflow")
            .and_then(|w| w.as_str())
            .map(|name| {
                format!(
                    "[{name}: {}]",
                    explanation["routing_reason"].as_str().unwrap_or("")
                )
            })
            .or_else(|| {
                explanation
                    .get("carrier_keyword")
                    .map(|k| format!("[carrier keyword {k}]"))
            })
            .unwrap_or_else(|| "[no workflow matched]".into());
        println!("      {how}");
        if let Some(agent) = explanation.get("agent") {
            let fields = agent["fields"]
                .as_object()
                .map(|fields| {
                    fields
                        .iter()
                        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default();
            let steps = agent["steps_done"].as_array().map(Vec::len).unwrap_or(0);
            let done = if agent["completed"] == true {
                ", run complete"
            } else {
                ""
            };
            println!(
                "      [{} agent; fields: {}; steps done: {steps}{done}]",
                agent["backend"].as_str().unwrap_or("?"),
                if fields.is_empty() {
                    "none yet".into()
                } else {
                    fields
                }
            );
        }
        if turn.replies.is_empty() {
            let note = explanation
                .get("reply")
                .and_then(|r| r.as_str())
                .unwrap_or("no reply");
            println!("      (no reply: {note})");
        }
        for reply in turn.replies {
            println!(
                "them> {}   ({} segment{}, {})",
                reply.body,
                reply.segments,
                if reply.segments == 1 { "" } else { "s" },
                reply.status.as_str()
            );
        }
    }
    if let Some(workers) = workers {
        workers.stop(smsflow_engine::workers::STOP_GRACE).await;
    }
    drop(sandbox);
    Ok(())
}
