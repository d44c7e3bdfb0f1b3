//! Replay: stored inbound texts run again against a workflow set (the draft, or the published set),
//! conversation by conversation as they arrived: routing and the builtin agent's reply, with
//! nothing stored or sent. The report says what would change.

use serde::{Deserialize, Serialize};
use smsflow_core::conversation::{ActiveWorkflow, RoutingDecision, route};
use smsflow_core::language::{Language, detect};
use smsflow_core::sms::carrier_keyword;
use smsflow_core::{Matcher, Workflow};
use smsflow_store::conversations::Run;
use smsflow_store::replay::StoredText;
use smsflow_store::{Store, StoreError};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::agent::{Agent, Texter};
use crate::matching::Semantic;

/// Texts read from the database per query.
const PAGE: u32 = 5_000;
/// Examples listed in a report (the totals count them all).
const LISTED: usize = 500;
/// Finished jobs kept for their results.
const JOBS_KEPT: usize = 20;

/// A workflow set compiled for replaying.
pub struct ReplaySet {
    /// What it is, for the report: `version 12`, `draft revision 3`.
    pub label: String,
    matcher: Matcher,
    workflows: HashMap<Uuid, Workflow>,
}

impl ReplaySet {
    pub fn new(label: String, workflows: Vec<Workflow>, semantic: Option<&Semantic>) -> ReplaySet {
        ReplaySet {
            label,
            matcher: crate::matching::build_matcher(&workflows, semantic),
            workflows: workflows.into_iter().map(|w| (w.id, w)).collect(),
        }
    }

    fn name(&self, id: Option<Uuid>) -> Option<String> {
        id.map(|id| match self.workflows.get(&id) {
            Some(workflow) => workflow.spec.name.to_string(),
            None => format!("workflow {id} (deleted)"),
        })
    }
}

/// The draft as the set it would publish: workflows that exist keep their creation time, which
/// breaks ties in matching exactly as it will once published.
pub fn draft_workflows(draft: &smsflow_store::Draft, live: &[Workflow]) -> Vec<Workflow> {
    let now = OffsetDateTime::now_utc();
    draft
        .workflows
        .iter()
        .map(|workflow| {
            let existing = live.iter().find(|w| w.id == workflow.id);
            Workflow {
                id: workflow.id,
                spec: workflow.spec.clone(),
                version: existing.map_or(0, |w| w.version),
                created_at: existing.map_or(now, |w| w.created_at),
                updated_at: now,
            }
        })
        .collect()
}

/// Segments a replayed reply may take (the installation's default cap).
const REPLAY_MAX_SEGMENTS: usize = 3;

/// How one text was (or would be) handled.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Handling {
    /// The workflow's name; absent when no workflow matched.
    pub workflow: Option<String>,
    /// Why, in words.
    pub reason: String,
    #[serde(skip)]
    workflow_id: Option<Uuid>,
    #[serde(skip)]
    reply: Option<String>,
}

/// A conversation as a set would have left it.
#[derive(Default)]
struct Thread {
    active: Option<ActiveWorkflow>,
    run: Option<Run>,
    /// The language of the conversation's last text: a short text keeps it.
    language: Option<Language>,
}

/// Routes and answers texts in arrival order, remembering each conversation's active workflow and
/// run as the live pipeline does.
struct Simulation<'a> {
    set: &'a ReplaySet,
    agent: &'a Agent,
    idle_timeout: time::Duration,
    threads: HashMap<Uuid, Thread>,
}

impl Simulation<'_> {
    fn handle(&mut self, text: &StoredText) -> Handling {
        let thread = self.threads.entry(text.conversation_id).or_default();
        let routed = route(
            &self.set.matcher,
            &text.body,
            thread.active.take(),
            text.received_at,
            self.idle_timeout,
        );
        let workflow = routed
            .workflow
            .and_then(|entry| entry.id)
            .and_then(|id| self.set.workflows.get(&id));
        let winner_reason = routed
            .explanation
            .candidates
            .iter()
            .find(|candidate| candidate.winner)
            .map(|candidate| candidate.reason.clone());
        let reason = match winner_reason {
            Some(why) => format!("{}; {why}", routed.decision.describe()),
            None => routed.decision.describe().to_string(),
        };
        let Some(workflow) = workflow else {
            thread.run = None;
            return Handling {
                workflow: None,
                reason,
                workflow_id: None,
                reply: None,
            };
        };
        let continuing = matches!(routed.decision, RoutingDecision::Continued { .. });
        let run = thread.run.take().filter(|_| continuing);
        let language = detect(&text.body, thread.language).language;
        thread.language = Some(language);
        // Both sides of a replay answer the same texter the same way: nothing known beforehand,
        // in the text's language, within the default reply length.
        let known = BTreeMap::new();
        let turn = self.agent.turn(
            workflow,
            run,
            &text.body,
            &Texter {
                number: &text.their_number,
                known: &known,
                language,
                max_segments: REPLAY_MAX_SEGMENTS,
            },
        );
        let state = &turn.run.state;
        // Ticket numbers and booking links are new on every run: compare replies without them.
        let mut reply = turn.reply.clone();
        if let Some(ticket) = &state.ticket_id {
            reply = reply.replace(ticket.as_str(), "<ticket>");
        }
        if let Some(link) = &state.booking_link {
            reply = reply.replace(link.as_str(), "<booking link>");
        }
        thread.active = Some(ActiveWorkflow {
            id: workflow.id,
            last_turn_at: text.received_at,
            run_completed: turn.run.completed,
        });
        thread.run = Some(Run {
            id: turn.run.run_id,
            conversation_id: text.conversation_id,
            workflow_id: workflow.id,
            state: turn.run.state,
            completed: turn.run.completed,
        });
        Handling {
            workflow: Some(workflow.spec.name.to_string()),
            reason,
            workflow_id: Some(workflow.id),
            reply: Some(reply),
        }
    }
}

/// What the replay compares against.
pub enum Baseline<'a> {
    /// How each text was routed when it arrived.
    Recorded(&'a ReplaySet),
    /// Another set, replayed the same way.
    Replayed(&'a ReplaySet),
}

/// How many texts a workflow handled before and after.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct WorkflowCount {
    /// Absent for "no workflow".
    pub workflow: Option<String>,
    pub before: usize,
    pub after: usize,
}

/// Texts that moved from one workflow to another.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Move {
    pub from: Option<String>,
    pub to: Option<String>,
    pub count: usize,
}

/// A text that routes differently, with both explanations.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Rerouted {
    pub message_id: Uuid,
    pub conversation_id: Uuid,
    pub text: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub received_at: OffsetDateTime,
    pub before: Handling,
    pub after: Handling,
}

/// A reply that changes while the workflow stays the same.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ReplyChange {
    pub message_id: Uuid,
    pub text: String,
    pub workflow: String,
    pub before: String,
    pub after: String,
}

/// What a replay found.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ReplayReport {
    /// What the texts were compared against: `as recorded`, or a set's label.
    pub before: String,
    /// The set replayed.
    pub after: String,
    /// Texts replayed (carrier keywords such as STOP are not routed and not counted).
    pub messages: usize,
    pub carrier_keywords: usize,
    /// Per workflow, texts handled before and after, busiest first.
    pub workflows: Vec<WorkflowCount>,
    /// Where rerouted texts went, largest moves first.
    pub moved: Vec<Move>,
    pub rerouted_total: usize,
    /// The first rerouted texts (up to 500).
    pub rerouted: Vec<Rerouted>,
    /// Replies compared only when both sides were replayed.
    pub replies_changed_total: usize,
    pub replies_changed: Vec<ReplyChange>,
}

/// Replays `texts` (in arrival order) against `target`, counting progress in `done`.
pub fn replay(
    texts: &[StoredText],
    baseline: Baseline<'_>,
    target: &ReplaySet,
    idle_timeout: time::Duration,
    done: &AtomicUsize,
) -> ReplayReport {
    let agent = Agent::new(None);
    let mut after_sim = Simulation {
        set: target,
        agent: &agent,
        idle_timeout,
        threads: HashMap::new(),
    };
    let (before_label, mut before_sim, recorded_set) = match baseline {
        Baseline::Recorded(set) => ("as recorded".to_string(), None, Some(set)),
        Baseline::Replayed(set) => (
            set.label.clone(),
            Some(Simulation {
                set,
                agent: &agent,
                idle_timeout,
                threads: HashMap::new(),
            }),
            None,
        ),
    };
    let mut report = ReplayReport {
        before: before_label,
        after: target.label.clone(),
        messages: 0,
        carrier_keywords: 0,
        workflows: Vec::new(),
        moved: Vec::new(),
        rerouted_total: 0,
        rerouted: Vec::new(),
        replies_changed_total: 0,
        replies_changed: Vec::new(),
    };
    let mut counts: BTreeMap<Option<String>, (usize, usize)> = BTreeMap::new();
    let mut moves: BTreeMap<(Option<String>, Option<String>), usize> = BTreeMap::new();
    for text in texts {
        done.fetch_add(1, Ordering::Relaxed);
        if carrier_keyword(&text.body).is_some() {
            report.carrier_keywords += 1;
            continue;
        }
        report.messages += 1;
        let after = after_sim.handle(text);
        let before = match (&mut before_sim, recorded_set) {
            (Some(simulation), _) => simulation.handle(text),
            (None, Some(set)) => Handling {
                workflow: set.name(text.workflow_id),
                reason: "as recorded when it arrived".into(),
                workflow_id: text.workflow_id,
                reply: None,
            },
            (None, None) => unreachable!("a baseline is either recorded or replayed"),
        };
        counts.entry(before.workflow.clone()).or_default().0 += 1;
        counts.entry(after.workflow.clone()).or_default().1 += 1;
        if before.workflow_id != after.workflow_id {
            report.rerouted_total += 1;
            *moves
                .entry((before.workflow.clone(), after.workflow.clone()))
                .or_default() += 1;
            if report.rerouted.len() < LISTED {
                report.rerouted.push(Rerouted {
                    message_id: text.message_id,
                    conversation_id: text.conversation_id,
                    text: text.body.clone(),
                    received_at: text.received_at,
                    before,
                    after,
                });
            }
        } else if let (Some(old), Some(new), Some(workflow)) =
            (&before.reply, &after.reply, &after.workflow)
            && old != new
        {
            report.replies_changed_total += 1;
            if report.replies_changed.len() < LISTED {
                report.replies_changed.push(ReplyChange {
                    message_id: text.message_id,
                    text: text.body.clone(),
                    workflow: workflow.clone(),
                    before: old.clone(),
                    after: new.clone(),
                });
            }
        }
    }
    report.workflows = counts
        .into_iter()
        .map(|(workflow, (before, after))| WorkflowCount {
            workflow,
            before,
            after,
        })
        .collect();
    report
        .workflows
        .sort_by_key(|count| std::cmp::Reverse(count.before.max(count.after)));
    report.moved = moves
        .into_iter()
        .map(|((from, to), count)| Move { from, to, count })
        .collect();
    report.moved.sort_by_key(|m| std::cmp::Reverse(m.count));
    report
}

/// Which texts to replay and against what.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplayRequest {
    /// How far back: `7d`, `24h`, `90m`, or an RFC 3339 time. Default `7d`.
    #[serde(default)]
    pub since: Option<String>,
    /// Only these conversations (all of their texts since `since`).
    #[serde(default)]
    pub conversations: Vec<Uuid>,
    /// Replay the draft against the published set (default); `false` replays the published set
    /// against how the texts were routed when they arrived.
    #[serde(default = "default_draft")]
    pub draft: bool,
}

fn default_draft() -> bool {
    true
}

/// `7d`, `24h`, `90m` before `now`, or an RFC 3339 time.
pub fn parse_since(text: &str, now: OffsetDateTime) -> Result<OffsetDateTime, String> {
    let text = text.trim();
    let unit = text.chars().last().unwrap_or(' ');
    if let Some(amount) = text
        .strip_suffix(unit)
        .and_then(|amount| amount.parse::<u32>().ok())
    {
        let span = match unit {
            'd' => Some(time::Duration::days(amount.into())),
            'h' => Some(time::Duration::hours(amount.into())),
            'm' => Some(time::Duration::minutes(amount.into())),
            _ => None,
        };
        if let Some(span) = span {
            return Ok(now - span);
        }
    }
    OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).map_err(|_| {
        format!(
            "{text:?} is not a period: write 7d, 24h, 90m or a time such as 2026-11-21T00:00:00Z"
        )
    })
}

/// Reads the texts a request names, in arrival order.
pub async fn load_texts(
    store: &dyn Store,
    since: OffsetDateTime,
    conversations: &[Uuid],
    loaded: &AtomicUsize,
) -> Result<Vec<StoredText>, StoreError> {
    let mut texts = Vec::new();
    let scopes: Vec<Option<Uuid>> = if conversations.is_empty() {
        vec![None]
    } else {
        conversations.iter().copied().map(Some).collect()
    };
    for scope in scopes {
        let mut after = None;
        loop {
            let page = store.inbound_texts(since, scope, after, PAGE).await?;
            loaded.fetch_add(page.len(), Ordering::Relaxed);
            after = page.last().map(|text| (text.received_at, text.message_id));
            let full = page.len() == PAGE as usize;
            texts.extend(page);
            if !full {
                break;
            }
        }
    }
    if conversations.len() > 1 {
        texts.sort_by_key(|text| (text.received_at, text.message_id));
    }
    Ok(texts)
}

/// The sets a request compares: (baseline, target). The baseline is `None` for "as recorded".
pub async fn sets_for(
    store: &dyn Store,
    semantic: Option<&Semantic>,
    draft: bool,
) -> Result<(ReplaySet, Option<ReplaySet>), ReplayError> {
    let live = store.all_workflows().await?;
    let version = store.latest_version().await?;
    let published = |live: Vec<Workflow>| {
        ReplaySet::new(format!("published version {version}"), live, semantic)
    };
    if !draft {
        return Ok((published(live), None));
    }
    let draft = store.get_draft().await?.ok_or(ReplayError::NoDraft)?;
    let target = ReplaySet::new(
        format!("draft revision {}", draft.revision),
        draft_workflows(&draft, &live),
        semantic,
    );
    Ok((published(live), Some(target)))
}

#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error(
        "there is no draft to replay: save one first, or replay the published workflows (draft: false, or without --draft)"
    )]
    NoDraft,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A replay running in the background, and its result once done.
pub struct ReplayJob {
    pub id: Uuid,
    pub started_at: OffsetDateTime,
    /// Texts read from the database so far.
    pub loaded: AtomicUsize,
    /// Texts replayed so far.
    pub done: AtomicUsize,
    /// The texts to replay, once read.
    pub total: OnceLock<usize>,
    pub result: OnceLock<Result<ReplayReport, String>>,
}

/// The jobs of this process (they are not shared between processes, and end with it).
#[derive(Default)]
pub struct ReplayJobs {
    jobs: Mutex<Vec<Arc<ReplayJob>>>,
}

impl ReplayJobs {
    pub fn get(&self, id: Uuid) -> Option<Arc<ReplayJob>> {
        let jobs = self.jobs.lock().expect("not poisoned");
        jobs.iter().find(|job| job.id == id).cloned()
    }

    /// Starts a replay in the background.
    pub fn start(
        &self,
        store: Arc<dyn Store>,
        semantic: Option<Semantic>,
        idle_timeout: time::Duration,
        since: OffsetDateTime,
        request: ReplayRequest,
    ) -> Arc<ReplayJob> {
        let job = Arc::new(ReplayJob {
            id: Uuid::now_v7(),
            started_at: OffsetDateTime::now_utc(),
            loaded: AtomicUsize::new(0),
            done: AtomicUsize::new(0),
            total: OnceLock::new(),
            result: OnceLock::new(),
        });
        {
            let mut jobs = self.jobs.lock().expect("not poisoned");
            if jobs.len() >= JOBS_KEPT {
                // Forget the oldest finished job; running ones are kept.
                if let Some(i) = jobs.iter().position(|job| job.result.get().is_some()) {
                    jobs.remove(i);
                }
            }
            jobs.push(job.clone());
        }
        let running = job.clone();
        tokio::spawn(async move {
            let result = run_job(store, semantic, idle_timeout, since, request, &running).await;
            let _ = running
                .result
                .set(result.map_err(|error| error.to_string()));
        });
        job
    }
}

async fn run_job(
    store: Arc<dyn Store>,
    semantic: Option<Semantic>,
    idle_timeout: time::Duration,
    since: OffsetDateTime,
    request: ReplayRequest,
    job: &Arc<ReplayJob>,
) -> Result<ReplayReport, ReplayError> {
    let (published, draft) = sets_for(store.as_ref(), semantic.as_ref(), request.draft).await?;
    let texts = load_texts(store.as_ref(), since, &request.conversations, &job.loaded).await?;
    let _ = job.total.set(texts.len());
    let job = job.clone();
    // Replaying is CPU work: keep it off the async workers.
    Ok(tokio::task::spawn_blocking(move || match &draft {
        Some(draft) => replay(
            &texts,
            Baseline::Replayed(&published),
            draft,
            idle_timeout,
            &job.done,
        ),
        None => replay(
            &texts,
            Baseline::Recorded(&published),
            &published,
            idle_timeout,
            &job.done,
        ),
    })
    .await
    .expect("replaying does not panic"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_are_read_as_spans_or_times() {
        let now = OffsetDateTime::from_unix_timestamp(1_000_000).unwrap();
        assert_eq!(
            parse_since("7d", now).unwrap(),
            now - time::Duration::days(7)
        );
        assert_eq!(
            parse_since("90m", now).unwrap(),
            now - time::Duration::minutes(90)
        );
        assert_eq!(
            parse_since("2026-11-21T00:00:00Z", now)
                .unwrap()
                .unix_timestamp(),
            1_795_219_200
        );
        assert!(parse_since("last week", now).unwrap_err().contains("7d"));
        assert!(parse_since("", now).is_err());
    }
}
