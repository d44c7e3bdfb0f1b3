//! Every message of the labelled sample file (`crates/smsflow-semantic/tests/data/sample-messages.jsonl`,
//! a copy of the project's `sample-messages.jsonl`) texted to the README's example workflows
//! (`examples/workflows.yaml`) through the simulator, each from its own number, with the builtin
//! agent: once with keyword matching alone, once with the embedding model too (when installed, as
//! in CI). A reply is *sensible* when:
//! - it is not empty, fits the agent's 3 SMS segments, and has no template leftovers
//!   (`{{...}}`, or the " !", " ," and double spaces a dropped placeholder leaves);
//! - it is polite: it thanks, greets, apologises or offers help;
//! - it is on the sample's labelled goal: the workflow that answered has one of its goals, and the
//!   reply does what that goal is for (a help-desk reply acknowledges the trouble, a booking reply
//!   speaks of booking, a lead reply of pricing, a sales reply asks about the product);
//! - or, when no goal workflow understood the message (the catch-all answered), it is the neutral
//!   catch-all reply: no ticket, no link, no question for personal details. A message labelled with
//!   no goal must get exactly that.
//!
//! STOP is answered by the carrier-keyword handling, before any workflow, and a request for a person
//! ("Can someone in sales reach out?") is handed to the team: the reply says a person will answer.

mod common;

use common::{TestApp, import_examples, semantic, spawn_configured, spawn_semantic, text};
use serde_json::{Value, json};
use smsflow_core::Goal;
use smsflow_core::sms::segment_info;
use smsflow_store::testing;
use std::sync::Arc;

const SAMPLES: &str = include_str!("../../smsflow-semantic/tests/data/sample-messages.jsonl");

/// Routed to a workflow of another goal (or, for a message of no goal, to any goal's workflow),
/// with why; asserted so a fix or a new miss shows. Keywords alone route none off-goal.
const OFF_GOAL_BY_MEANING: &[(&str, &str)] = &[(
    "email me at j.doe@company.com",
    "contact details alone read as a lead leaving them",
)];

#[derive(serde::Deserialize)]
struct Sample {
    text: String,
    goals: Vec<Goal>,
}

/// What a reply of each goal's workflow must do, in the example workflows' words (English or, for a
/// Spanish text, their Spanish variants) or the builtin agent's Spanish phrases.
fn does_the_goals_job(goal: Goal, reply: &str) -> bool {
    let reply = reply.to_lowercase();
    let says = |words: &[&str]| words.iter().any(|word| reply.contains(word));
    match goal {
        Goal::HelpDeskSupport => says(&["sorry", "lamentamos", "lo sentimos"]),
        Goal::AppointmentBooking => says(&["book", "reservar"]),
        Goal::LeadCapture => says(&["pricing", "gracias por su interés"]),
        Goal::SalesInquiry => says(&["product", "gracias por escribirnos"]),
        Goal::GeneralInquiry => {
            says(&["someone from our team will reply", "gracias por su mensaje"])
        }
    }
}

fn polite(reply: &str) -> bool {
    let reply = reply.to_lowercase();
    [
        "thanks",
        "thank you",
        "happy to help",
        "sorry",
        "nice to meet you",
        "gracias",
        "con gusto",
        "lamentamos",
        "lo sentimos",
        "mucho gusto",
    ]
    .iter()
    .any(|courtesy| reply.contains(courtesy))
}

fn leftovers(reply: &str) -> bool {
    ["{{", "}}", " !", " ,", " .", "  "]
        .iter()
        .any(|leftover| reply.contains(leftover))
}

fn samples() -> Vec<Sample> {
    let samples: Vec<Sample> = SAMPLES
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(samples.len(), 50);
    samples
}

#[tokio::test]
async fn every_sample_gets_a_sensible_polite_on_goal_reply() {
    for db in testing::all().await {
        let app = spawn_configured(Arc::new(db), &[]).await;
        // Only 20 goal messages carry one of the goals' default keywords or the optional ones the
        // example workflows turn on (the long tail is opt-in since routing v2: matching by meaning
        // handles it): the neutral reply answers the others; one asks for a person and is handed off.
        // (22 until the example booking workflow dropped "opening", whose stem "open" also sent "are
        // you open on labor day" to booking: "slots ... open on the 21st" and "is the 3pm slot still
        // open?" now get the neutral reply without a model.)
        reply_to_every_sample(&app, 20, &[]).await;
    }
}

#[tokio::test]
async fn with_the_model_every_sample_gets_a_sensible_polite_on_goal_reply() {
    let Some(semantic) = semantic() else { return };
    let app = spawn_semantic(Arc::new(testing::sqlite()), semantic).await;
    let known: Vec<&str> = OFF_GOAL_BY_MEANING.iter().map(|(text, _)| *text).collect();
    // By meaning, every goal message is answered on its goal but the one that asks for a person
    // and "Hey it's Sam. Is the 3pm slot still open?" (all-MiniLM-L6-v2 gives it booking 0.38 since
    // it learns from test5.jsonl and written.jsonl too; routing round 6). "what slots do you have
    // open on the 21st", neutral since the example booking workflow dropped the keyword "opening"
    // (routing round 3; see docs/matching.md), is on goal again since test10.jsonl joined the
    // built-in examples (session 13).
    reply_to_every_sample(&app, 38, &known).await;
}

/// Texts every sample and checks each reply: `expected_on_goal` answered on their labelled goal,
/// `known_off_goal` routed elsewhere, the rest neutral.
async fn reply_to_every_sample(app: &TestApp, expected_on_goal: usize, known_off_goal: &[&str]) {
    let samples = samples();
    let goals = import_examples(app).await;
    let (mut on_goal, mut neutral, mut off_goal, mut tickets) = (0, 0, Vec::new(), 0);
    let mut handed_off = 0;
    for (i, sample) in samples.iter().enumerate() {
        let from = format!("+1415555{:04}", 2000 + i);
        let turn = text(app, &from, &sample.text).await;
        let reply = turn["replies"][0]["body"].as_str().unwrap_or_default();
        let explanation = &turn["inbound"]["explanation"];
        let seen = format!("{}: {:?} -> {reply:?}", app.label, sample.text);
        assert!(!reply.trim().is_empty(), "an empty reply: {seen}");
        assert!(segment_info(reply).segments <= 3, "too long: {seen}");
        assert!(!leftovers(reply), "template leftovers: {seen}");
        if explanation["carrier_keyword"] == "opt_out" {
            assert!(reply.contains("unsubscribed"), "{seen}");
            continue;
        }
        if explanation["handoff"].is_string() {
            assert!(reply.contains("a person from our team"), "{seen}");
            handed_off += 1;
            continue;
        }
        assert!(polite(reply), "not polite: {seen}");
        let workflow = explanation["workflow"]
            .as_str()
            .expect("a workflow answered");
        let goal = goals[workflow];
        assert!(
            does_the_goals_job(goal, reply),
            "the {goal} workflow's reply does not do its job: {seen}"
        );
        let agent = &explanation["agent"];
        if agent["ticket_id"].is_string() {
            tickets += 1;
        }
        if goal.is_catch_all() {
            assert!(
                agent["ticket_id"].is_null()
                    && agent["booking_link"].is_null()
                    && agent["asked_for"] == json!([]),
                "the neutral reply did more than answer: {seen}"
            );
            neutral += 1;
        } else if sample.goals.contains(&goal) {
            on_goal += 1;
        } else {
            off_goal.push(sample.text.as_str());
        }
    }
    assert_eq!(
        off_goal, known_off_goal,
        "{}: replies routed off-goal",
        app.label
    );
    assert_eq!(on_goal, expected_on_goal, "{}: replies on goal", app.label);
    assert_eq!(handed_off, 1, "{}: requests for a person", app.label);
    println!(
        "{}: {on_goal} on-goal, {neutral} neutral (catch-all), {} off-goal, {handed_off} handed off, 1 STOP, of {}",
        app.label,
        off_goal.len(),
        samples.len()
    );
    let opened: Value = app.get_json("/tickets").await;
    assert_eq!(
        opened["items"].as_array().unwrap().len(),
        tickets,
        "tickets only where the help desk answered"
    );
}
