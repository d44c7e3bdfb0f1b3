//! The builtin agent's own processing per message, without the database: routing, extraction,
//! the step engine, language detection and the reply (`cargo bench -p smsflow-engine --bench agent_turn`).

use criterion::{Criterion, criterion_group, criterion_main};
use smsflow_core::conversation::route;
use smsflow_core::language::detect;
use smsflow_core::{Matcher, Workflow, WorkflowDraft};
use smsflow_engine::agent::{Agent, Texter};
use std::hint::black_box;

fn workflows() -> Vec<Workflow> {
    // The support workflow also asks what is wrong (a free-text field) and the booking one which
    // service (a choice): the learned reader reads both beside the rules (the examples ask only
    // for name, email and phone).
    let examples = include_str!("../../../examples/workflows.yaml");
    let mut yaml = examples.to_string();
    for (fields, with_more) in [
        (
            "fields: name,email,phone\n",
            "fields: name,email,phone,problem\n",
        ),
        (
            "fields: [name, email]\n",
            "fields: [name, email, {name: service, type: choice, choices: [Standard clean, Deep clean, Move-out clean]}]\n",
        ),
    ] {
        assert!(
            yaml.contains(fields),
            "the examples' fields are not where the bench expects: {fields}"
        );
        yaml = yaml.replacen(fields, with_more, 1);
    }
    let drafts: Vec<WorkflowDraft> = serde_json::from_value(
        serde_json::to_value(serde_norway::from_str::<serde_json::Value>(&yaml).unwrap()).unwrap(),
    )
    .unwrap();
    let now = time::OffsetDateTime::now_utc();
    drafts
        .iter()
        .map(|draft| Workflow {
            id: uuid::Uuid::now_v7(),
            spec: draft.validate().unwrap(),
            version: 1,
            created_at: now,
            updated_at: now,
        })
        .collect()
}

fn agent_turn(c: &mut Criterion) {
    let workflows = workflows();
    let matcher = Matcher::from_workflows(&workflows);
    let agent = Agent::default();
    for (name, message) in [
        (
            "route_extract_and_reply",
            "Hi, I'm Dana from Blue Fin Sushi. Can you send pricing for 3 locations? dana@bluefin.example 415-555-0111",
        ),
        // The load benches' text (bench/side_by_side.sh): routed, nothing to extract yet, asked.
        ("route_and_ask", "Hi, can I get a quote for 12 rooms?"),
        // Spanish: detected as such, answered from the Spanish phrase table and template variants.
        (
            "route_extract_and_reply_es",
            "Hola, soy Marta de Café Luna. ¿Me pueden dar una cotización para 3 locales? marta@cafeluna.example",
        ),
        // A problem described in free text: the rules and the learned reader both read it.
        (
            "route_extract_free_text_and_reply",
            "my kitchen sink is leaking under the cabinet since last night, this is Dana Whitfield",
        ),
        // A choice said by meaning: the rules and the learned reader both weigh every choice.
        (
            "route_extract_choice_and_reply",
            "hi, can I book a visit? we're moving out and need the place spotless top to bottom. Dana",
        ),
    ] {
        bench_turn(c, name, message, &matcher, &workflows, &agent);
    }
}

fn bench_turn(
    c: &mut Criterion,
    name: &str,
    message: &str,
    matcher: &Matcher,
    workflows: &[Workflow],
    agent: &Agent,
) {
    c.bench_function(name, |b| {
        b.iter(|| {
            let now = time::OffsetDateTime::now_utc();
            let routed = route(
                matcher,
                black_box(message),
                None,
                now,
                time::Duration::hours(24),
            );
            let id = routed.workflow.and_then(|entry| entry.id).unwrap();
            let workflow = workflows.iter().find(|w| w.id == id).unwrap();
            let language = detect(black_box(message), None).language;
            agent
                .turn(
                    workflow,
                    None,
                    message,
                    &Texter {
                        language,
                        ..Texter::english("+14155550111")
                    },
                )
                .reply
        })
    });
}

criterion_group!(benches, agent_turn);
criterion_main!(benches);
