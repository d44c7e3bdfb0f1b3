//! Analytics over what the queues stored, on SQLite and (when configured) PostgreSQL: runs
//! completed, abandoned or in progress, the funnel, reply times, delivery failures and periods.
//! (The HTTP tests drive the same figures through the whole pipeline with the simulator.)

use serde_json::json;
use smsflow_core::conversation::{Channel, Direction, MessageStatus};
use smsflow_core::run::RunState;
use smsflow_core::{Workflow, WorkflowDraft};
use smsflow_store::Store;
use smsflow_store::analytics::Period;
use smsflow_store::conversations::{
    Explanation, InboundOutcome, InboundSms, NewOutbound, RunUpdate,
};
use smsflow_store::testing;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

async fn lead_workflow(store: &dyn Store) -> Workflow {
    let spec = serde_json::from_value::<WorkflowDraft>(json!({
        "name": "Leads", "goal": "lead_capture", "active": true,
        "steps": [{"type": "extract_information", "fields": "name,email"},
                  {"type": "send_response", "template": "Thanks {{name}}!"},
                  {"type": "save_to_database", "table": "leads"}]
    }))
    .unwrap()
    .validate()
    .unwrap();
    store
        .create_workflow(&spec, &smsflow_store::Author::system())
        .await
        .unwrap()
}

/// One inbound message from `from`, handled by `workflow`: the run moves to `state` and a reply
/// is queued. Answers the conversation's id.
async fn turn(
    store: &dyn Store,
    workflow: &Workflow,
    from: &str,
    run_id: Uuid,
    state: RunState,
) -> Uuid {
    let completed = state.steps_done.len() == workflow.spec.steps.len();
    store
        .record_inbound(&InboundSms {
            channel: Channel::Simulator,
            our_number: "+15550009999".into(),
            their_number: from.into(),
            body: "hello".into(),
            provider_id: None,
            media_urls: vec![],
            simulated: true,
        })
        .await
        .unwrap();
    let (message, _) = store
        .claim_inbound(Duration::seconds(30), 1)
        .await
        .unwrap()
        .pop()
        .unwrap();
    let now = OffsetDateTime::now_utc();
    let outcome = InboundOutcome {
        workflow_id: Some(workflow.id),
        explanation: Explanation::default(),
        active_workflow_id: Some(workflow.id),
        active_workflow_at: Some(now),
        run_completed: completed,
        active_run_id: Some(run_id),
        opt_change: None,
        reply: Some(NewOutbound {
            workflow_id: Some(workflow.id),
            ..testing::new_outbound("reply", now)
        }),
        run: Some(RunUpdate {
            run_id,
            workflow_id: workflow.id,
            records: if completed {
                vec!["leads".into()]
            } else {
                vec![]
            },
            state,
            completed,
            new_ticket: None,
            phone: from.into(),
            learned: Default::default(),
        }),
        language: None,
        handoff: None,
    };
    store
        .complete_inbound(&[(&message, &outcome)])
        .await
        .unwrap();
    message.conversation_id
}

fn state(fields: &[(&str, &str)], steps_done: &[usize]) -> RunState {
    RunState {
        fields: fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        steps_done: steps_done.iter().copied().collect(),
        saved_to: if steps_done.contains(&2) {
            vec!["leads".into()]
        } else {
            vec![]
        },
        ..RunState::default()
    }
}

#[tokio::test]
async fn runs_replies_and_failures_are_counted_over_the_period() {
    for db in testing::all().await {
        let store = db.store().await;
        let workflow = lead_workflow(store.as_ref()).await;
        let other = store
            .create_workflow(
                &{
                    let mut spec = workflow.spec.clone();
                    spec.name = smsflow_core::WorkflowName::parse("Other").unwrap();
                    spec
                },
                &smsflow_store::Author::system(),
            )
            .await
            .unwrap();
        let (done, open) = (Uuid::now_v7(), Uuid::now_v7());
        let dana = turn(
            store.as_ref(),
            &workflow,
            "+15551230001",
            done,
            state(&[("name", "Dana")], &[]),
        )
        .await;
        turn(
            store.as_ref(),
            &workflow,
            "+15551230001",
            done,
            state(&[("name", "Dana"), ("email", "d@x.example")], &[0, 1, 2]),
        )
        .await;
        let sam = turn(
            store.as_ref(),
            &workflow,
            "+15551230002",
            open,
            state(&[], &[]),
        )
        .await;
        turn(
            store.as_ref(),
            &other,
            "+15551230003",
            Uuid::now_v7(),
            state(&[], &[]),
        )
        .await;

        // Two replies leave, one fails for good; the fourth stays queued.
        for outcome in [Some(MessageStatus::Sent), Some(MessageStatus::Sent), None] {
            let job = store
                .claim_outbound(Duration::seconds(30), 1)
                .await
                .unwrap()
                .pop()
                .unwrap();
            let attempt = job.message.attempts;
            match outcome {
                Some(status) => store
                    .mark_sent(job.message.id, attempt, None, status)
                    .await
                    .unwrap(),
                None => store
                    .mark_failed(
                        job.message.id,
                        attempt,
                        MessageStatus::Failed,
                        Some("30003"),
                        "unreachable",
                    )
                    .await
                    .unwrap(),
            }
        }

        let now = OffsetDateTime::now_utc();
        let week = Period::last_days(now + Duration::minutes(1), 7);
        let figures = store
            .workflow_analytics(&workflow, &week, now - Duration::hours(1))
            .await
            .unwrap();
        let label = db.label;
        assert_eq!(
            figures.messages_matched, 3,
            "{label}: the other workflow's message is not counted"
        );
        assert_eq!(figures.conversations, 2, "{label}");
        assert_eq!(
            (
                figures.runs.started,
                figures.runs.completed,
                figures.runs.abandoned,
                figures.runs.in_progress
            ),
            (2, 1, 0, 1),
            "{label}"
        );
        assert_eq!(
            (
                figures.funnel.extracted,
                figures.funnel.responded,
                figures.funnel.record,
                figures.funnel.ticket
            ),
            (Some(1), Some(1), Some(1), None),
            "{label}: no ticket step, no ticket stage"
        );
        assert_eq!(
            figures.fields_completion_rate,
            Some(0.5),
            "{label}: 2 of 4 fields"
        );
        assert_eq!(
            (figures.replies_sent, figures.delivery_failures),
            (2, 1),
            "{label}"
        );
        // Each sent reply's delay from the message it answers (`mark_sent` sets `updated_at` too):
        // with two, the median is their mean.
        let mut delays = Vec::new();
        for conversation in [dana, sam] {
            let messages = store.conversation_messages(conversation).await.unwrap();
            for reply in messages.iter().filter(|m| m.status == MessageStatus::Sent) {
                let asked = messages
                    .iter()
                    .filter(|m| {
                        m.direction == Direction::Inbound && m.created_at <= reply.created_at
                    })
                    .map(|m| m.created_at)
                    .max()
                    .unwrap();
                delays.push((reply.updated_at - asked).as_seconds_f64());
            }
        }
        assert_eq!(delays.len(), 2, "{label}");
        let median = figures.median_reply_seconds.unwrap();
        assert!(
            (median - (delays[0] + delays[1]) / 2.0).abs() < 1e-3,
            "{label}: the median of {delays:?} is their mean, not {median}"
        );
        assert_eq!(figures.days.len(), 8, "{label}");
        let today = figures
            .days
            .iter()
            .find(|d| d.messages_matched > 0)
            .unwrap();
        assert_eq!(
            (
                today.messages_matched,
                today.runs_started,
                today.runs_completed,
                today.delivery_failures
            ),
            (3, 2, 1, 1)
        );

        // Once the conversation timeout has passed, the open run is abandoned.
        let later = store
            .workflow_analytics(&workflow, &week, now + Duration::minutes(1))
            .await
            .unwrap();
        assert_eq!(
            (later.runs.abandoned, later.runs.in_progress),
            (1, 0),
            "{label}"
        );

        let last_year = Period::new(now - Duration::days(365), now - Duration::days(300)).unwrap();
        let empty = store
            .workflow_analytics(&workflow, &last_year, now)
            .await
            .unwrap();
        assert_eq!(
            (
                empty.messages_matched,
                empty.runs.started,
                empty.replies_sent
            ),
            (0, 0, 0),
            "{label}"
        );
        assert_eq!(
            (empty.fields_completion_rate, empty.median_reply_seconds),
            (None, None)
        );

        let summaries = store
            .match_summaries(now - Duration::days(7))
            .await
            .unwrap();
        assert_eq!(summaries[&workflow.id].recent_matches, 3, "{label}");
        assert!(summaries[&workflow.id].last_matched.unwrap() <= OffsetDateTime::now_utc());
        let none_recent = store
            .match_summaries(now + Duration::minutes(1))
            .await
            .unwrap();
        assert_eq!(none_recent[&other.id].recent_matches, 0, "{label}");

        let totals = store.totals().await.unwrap();
        assert!(
            totals
                .messages
                .contains(&("inbound".into(), "processed".into(), 4)),
            "{label}: {:?}",
            totals.messages
        );
        assert!(
            totals
                .messages
                .contains(&("outbound".into(), "failed".into(), 1))
        );
        assert!(
            totals
                .messages
                .contains(&("outbound".into(), "queued".into(), 1))
        );
        assert_eq!(
            (
                totals.conversations,
                totals.runs_completed,
                totals.runs_open
            ),
            (3, 1, 2),
            "{label}"
        );
    }
}
