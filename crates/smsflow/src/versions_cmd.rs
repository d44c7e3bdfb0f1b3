//! `smsflow workflows history|draft|publish|rollback|plan|apply`: versions of the workflow set, and
//! workflow files in git applied like `terraform plan` / `apply`.

use anyhow::{Context, bail};
use smsflow_core::WorkflowDraft;
use smsflow_core::versions::SetDiff;
use smsflow_engine::saved_suite::{self, Target};
use smsflow_engine::workflow_sets::{diff, draft_set, live_set, version_with_changes};
use smsflow_server::Config;
use smsflow_store::{Author, Publication, Store, StoreError, VersionSummary};
use std::path::{Path, PathBuf};

/// Reads workflow drafts from a YAML file (a list of workflows) or from every
/// `.yaml`/`.yml` file of a directory, in name order. Unknown fields are refused with their path.
pub fn read_drafts(path: &Path) -> anyhow::Result<Vec<WorkflowDraft>> {
    if !path.is_dir() {
        return read_draft_file(path);
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(path)
        .with_context(|| format!("cannot read the directory {}", path.display()))?
        .map(|entry| entry.map(|entry| entry.path()))
        .collect::<Result<_, _>>()?;
    files.retain(|file| {
        file.extension()
            .is_some_and(|ext| ext == "yaml" || ext == "yml")
    });
    files.sort();
    if files.is_empty() {
        bail!(
            "{} has no .yaml or .yml files: export the workflows there with `smsflow workflows export {}/workflows.yaml`",
            path.display(),
            path.display()
        );
    }
    let mut drafts = Vec::new();
    for file in files {
        drafts.extend(read_draft_file(&file)?);
    }
    Ok(drafts)
}

/// Largest workflow file read: 10,000 workflows with long contexts fit.
const WORKFLOW_FILE_MAX_BYTES: u64 = 32 * 1024 * 1024;
/// Most text YAML aliases may expand to (aliases times the file's size bounds it).
const ALIAS_EXPANSION_MAX_BYTES: usize = 256 * 1024 * 1024;

fn read_draft_file(path: &Path) -> anyhow::Result<Vec<WorkflowDraft>> {
    let size = std::fs::metadata(path)
        .with_context(|| format!("cannot read {}", path.display()))?
        .len();
    if size > WORKFLOW_FILE_MAX_BYTES {
        bail!(
            "{} is {size} bytes: workflow files may be at most {WORKFLOW_FILE_MAX_BYTES} bytes; split it",
            path.display()
        );
    }
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let aliases = yaml_aliases(&text);
    if aliases.saturating_mul(text.len()) > ALIAS_EXPANSION_MAX_BYTES {
        bail!(
            "{} uses {aliases} YAML aliases (*name) in {} bytes: expanded, they could take gigabytes, so the file is not read; write the values out instead of aliasing them",
            path.display(),
            text.len()
        );
    }
    serde_path_to_error::deserialize(serde_norway::Deserializer::from_str(&text)).map_err(|error| {
        let at = error.path().to_string();
        let at = if at == "." {
            String::new()
        } else {
            format!(" at {at}")
        };
        anyhow::anyhow!(
            "{} is not a YAML list of workflows{at}: {}",
            path.display(),
            error.inner()
        )
    })
}

/// What applying the files would do to the live set.
pub async fn plan(store: &dyn Store, file: &Path) -> anyhow::Result<()> {
    let drafts = read_drafts(file)?;
    let live = live_set(store).await?;
    let target = checked_set(file, &drafts, &live)?;
    let version = store.latest_version().await?;
    let changes = diff(&live, &target);
    println!(
        "Plan for {} against the published workflows (version {version}):",
        file.display()
    );
    print_plan(&changes);
    Ok(())
}

fn checked_set(
    file: &Path,
    drafts: &[WorkflowDraft],
    live: &[smsflow_store::DraftWorkflow],
) -> anyhow::Result<Vec<smsflow_store::DraftWorkflow>> {
    draft_set(drafts, live)
        .map_err(|problems| anyhow::anyhow!("{} has problems to fix:\n{problems}", file.display()))
}

fn print_plan(changes: &SetDiff) {
    if changes.is_empty() {
        println!("No changes: the files match the published workflows.");
        return;
    }
    print!("{changes}");
    let (created, changed, deleted) = changes.counts();
    println!("Plan: {created} to create, {changed} to change, {deleted} to delete.");
}

/// Applies the files as one version: saved as the draft, or published with `publish`.
pub async fn apply(
    store: &dyn Store,
    config: &Config,
    file: &Path,
    publish: bool,
    note: Option<&str>,
) -> anyhow::Result<()> {
    let drafts = read_drafts(file)?;
    let live = live_set(store).await?;
    let target = checked_set(file, &drafts, &live)?;
    let base = store.latest_version().await?;
    let changes = diff(&live, &target);
    print_plan(&changes);
    let by = Author::cli();
    if publish {
        if changes.is_empty() {
            return Ok(());
        }
        if config.publish_requires_tests {
            println!(
                "Running the saved conversation-test suite against the files (publish_requires_tests)..."
            );
            let target = Target {
                against: format!("the workflows of {}", file.display()),
                draft_revision: None,
                workflows: target
                    .iter()
                    .map(|workflow| workflow.spec.clone())
                    .collect(),
            };
            saved_suite::check_set_before_publish(
                store,
                &config.engine(),
                smsflow_engine::model::load_semantic(config.model, &config.data_dir),
                target,
            )
            .await?;
        }
        // Published only if nothing else was since the plan: the tested set is what goes live.
        let version = store
            .publish_set(
                &target,
                Publication {
                    by: &by,
                    note,
                    expected_version: Some(base),
                },
            )
            .await?;
        println!("Published as version {}.", version.number);
    } else {
        // The files are the whole truth: they replace any draft, based on the latest version.
        store.discard_draft(&by).await?;
        let draft = store.save_draft(&target, None, &by).await?;
        println!(
            "Saved as the draft (based on version {}): review it with `smsflow workflows draft`, then `smsflow workflows publish`.",
            draft.base_version
        );
    }
    Ok(())
}

/// The draft's changes against the live set, or discards it.
pub async fn draft(store: &dyn Store, discard: bool) -> anyhow::Result<()> {
    if discard {
        store.discard_draft(&Author::cli()).await?;
        println!("Draft discarded.");
        return Ok(());
    }
    let Some(draft) = store.get_draft().await? else {
        println!("There is no draft. `smsflow workflows apply --file DIR` saves one from files.");
        return Ok(());
    };
    println!(
        "Draft revision {} by {}, based on version {} (latest: {}):",
        draft.revision,
        draft.author,
        draft.base_version,
        store.latest_version().await?
    );
    let changes = diff(&live_set(store).await?, &draft.workflows);
    if changes.is_empty() {
        println!("No changes from the published workflows.");
    } else {
        print!("{changes}");
    }
    Ok(())
}

pub async fn publish(store: &dyn Store, config: &Config, note: Option<&str>) -> anyhow::Result<()> {
    // The model loads only when the suite runs; the draft revision tested is the one published.
    let mut tested = None;
    if config.publish_requires_tests {
        println!(
            "Running the saved conversation-test suite against the draft (publish_requires_tests)..."
        );
        let semantic = smsflow_engine::model::load_semantic(config.model, &config.data_dir);
        tested = saved_suite::check_before_publish(store, &config.engine(), semantic).await?;
    }
    let by = Author::cli();
    let version = store
        .publish_draft(
            tested,
            Publication {
                by: &by,
                note,
                expected_version: None,
            },
        )
        .await
        .map_err(|error| match error {
            StoreError::DraftChanged { current: None } => anyhow::anyhow!(
                "there is no draft to publish: `smsflow workflows apply --file DIR` saves one"
            ),
            other => other.into(),
        })?;
    println!("Published the draft as version {}.", version.number);
    Ok(())
}

pub async fn rollback(
    store: &dyn Store,
    config: &Config,
    number: i64,
    note: Option<&str>,
) -> anyhow::Result<()> {
    if config.publish_requires_tests {
        println!(
            "Running the saved conversation-test suite against version {number} (publish_requires_tests)..."
        );
        let semantic = smsflow_engine::model::load_semantic(config.model, &config.data_dir);
        saved_suite::check_before_rollback(store, &config.engine(), semantic, number).await?;
    }
    let by = Author::cli();
    let version = store
        .rollback(
            number,
            Publication {
                by: &by,
                note,
                expected_version: None,
            },
        )
        .await?;
    println!(
        "Published version {number}'s workflows again as version {}.",
        version.number
    );
    Ok(())
}

/// The newest versions, each with what it changed.
pub async fn history(store: &dyn Store, limit: u32, json: bool) -> anyhow::Result<()> {
    let versions = store.list_versions(None, limit).await?;
    let mut entries = Vec::with_capacity(versions.len());
    for version in versions {
        let (_, _, changes) = version_with_changes(store, version.number).await?;
        entries.push((version, changes));
    }
    if json {
        let documents: Vec<serde_json::Value> = entries
            .iter()
            .map(|(version, changes)| {
                let mut document = serde_json::to_value(version).expect("a version serialises");
                document["changes"] = serde_json::to_value(changes).expect("a diff serialises");
                document
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&documents)?);
        return Ok(());
    }
    if entries.is_empty() {
        println!("No versions yet: every change to the workflows will be listed here.");
    }
    for (version, changes) in entries {
        println!("{}", headline(&version));
        for line in changes.to_string().lines() {
            println!("  {line}");
        }
    }
    Ok(())
}

fn headline(version: &VersionSummary) -> String {
    let when = version
        .created_at
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let mut line = format!(
        "version {}  {when}  {}  by {}",
        version.number,
        version.kind.as_str(),
        version.author
    );
    if let Some(from) = version.restored_from {
        line.push_str(&format!("  (restores version {from})"));
    }
    if let Some(note) = &version.note {
        line.push_str(&format!("  {note:?}"));
    }
    line
}

/// Replays stored texts against the draft (or the published set) and prints what would change.
pub async fn replay(
    config: &smsflow_server::Config,
    since: &str,
    conversations: &[uuid::Uuid],
    draft: bool,
    json: bool,
    keywords_only: bool,
) -> anyhow::Result<()> {
    use smsflow_engine::replay::{Baseline, load_texts, parse_since, sets_for};
    use std::io::IsTerminal;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    let since = parse_since(since, time::OffsetDateTime::now_utc())
        .map_err(|message| anyhow::anyhow!("--since: {message}"))?;
    let store = crate::open_store(config).await?;
    let semantic = if keywords_only {
        None
    } else {
        smsflow_engine::model::load_semantic(config.model, &config.data_dir)
    };
    let (published, target) = sets_for(store.as_ref(), semantic.as_ref(), draft).await?;
    let loaded = AtomicUsize::new(0);
    let texts = load_texts(store.as_ref(), since, conversations, &loaded).await?;
    let idle = time::Duration::minutes(config.sms.idle_timeout_minutes as i64);
    let done = Arc::new(AtomicUsize::new(0));
    let total = texts.len();
    let progress = std::io::stderr().is_terminal().then(|| {
        let done = done.clone();
        std::thread::spawn(move || {
            loop {
                let now = done.load(Ordering::Relaxed);
                let filled = (now * 30).checked_div(total).unwrap_or(30);
                eprint!("\rreplaying [{:<30}] {now}/{total}", "#".repeat(filled));
                if now >= total {
                    eprintln!();
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(200));
            }
        })
    });
    let report = match &target {
        Some(target) => smsflow_engine::replay::replay(
            &texts,
            Baseline::Replayed(&published),
            target,
            idle,
            &done,
        ),
        None => smsflow_engine::replay::replay(
            &texts,
            Baseline::Recorded(&published),
            &published,
            idle,
            &done,
        ),
    };
    if let Some(progress) = progress {
        let _ = progress.join();
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    let name =
        |workflow: &Option<String>| workflow.clone().unwrap_or_else(|| "(no workflow)".into());
    println!(
        "Replayed {} texts ({} carrier keywords skipped): {} against {}.",
        report.messages, report.carrier_keywords, report.after, report.before
    );
    println!("{:<32} {:>8} {:>8}", "workflow", "before", "after");
    for count in &report.workflows {
        println!(
            "{:<32} {:>8} {:>8}",
            name(&count.workflow),
            count.before,
            count.after
        );
    }
    if report.rerouted_total == 0 {
        println!("No text routes differently.");
    } else {
        println!("{} texts route differently:", report.rerouted_total);
        for moved in &report.moved {
            println!(
                "  {} -> {}: {}",
                name(&moved.from),
                name(&moved.to),
                moved.count
            );
        }
        for text in report.rerouted.iter().take(20) {
            println!("  {:?}", text.text);
            println!(
                "      before: {} ({})",
                name(&text.before.workflow),
                text.before.reason
            );
            println!(
                "      after:  {} ({})",
                name(&text.after.workflow),
                text.after.reason
            );
        }
    }
    if report.replies_changed_total > 0 {
        println!("{} replies change:", report.replies_changed_total);
        for change in report.replies_changed.iter().take(20) {
            println!("  {:?} ({})", change.text, change.workflow);
            println!("      before: {:?}", change.before);
            println!("      after:  {:?}", change.after);
        }
    }
    Ok(())
}

/// Counts what may be YAML aliases (`*name` where a value starts): an upper bound, since a `*word`
/// inside a plain sentence counts too. Each alias copies its anchored value when read.
fn yaml_aliases(text: &str) -> usize {
    let bytes = text.as_bytes();
    bytes
        .iter()
        .enumerate()
        .filter(|&(at, &b)| {
            b == b'*'
                && (at == 0 || matches!(bytes[at - 1], b' ' | b'\t' | b'\n' | b'[' | b'{' | b','))
                && bytes
                    .get(at + 1)
                    .is_some_and(|next| next.is_ascii_alphanumeric() || matches!(next, b'_' | b'-'))
        })
        .count()
}
