//! The agent's turn: extract the workflow's fields from the message, advance the run's steps (open
//! the ticket, offer the booking link, save the record) and write the reply. Deterministic code
//! decides what happens; the reply writer only writes the words.

use smsflow_agent::builtin::{TurnFacts, booking_link, compose};
use smsflow_agent::extract::Extractors;
use smsflow_agent::summary::{remember, ticket_summary};
use smsflow_core::Workflow;
use smsflow_core::language::Language;
use smsflow_core::run::{Action, RunState, advance, wanted_fields};
use smsflow_llm::{LlmBackend, LlmRequest, Speaker};
use smsflow_store::conversations::{NewTicket, Run, RunUpdate};
use std::collections::BTreeMap;
use std::sync::Arc;
use uuid::Uuid;

/// Which reply writer wrote a reply; shown with each message.
pub const BUILTIN_BACKEND: &str = "builtin";

#[derive(Default)]
pub struct Agent {
    extractors: Extractors,
    /// A model that rewrites the builtin reply in the conversation's own words, when configured.
    llm: Option<Arc<dyn LlmBackend>>,
}

/// Who wrote a reply, and why the builtin agent did when a model is configured.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Writer {
    pub backend: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fallback: Option<String>,
    pub wants_human: bool,
}

/// One turn's result: the reply and the run's update, stored together with the message.
pub struct AgentTurn {
    pub reply: String,
    /// The language the reply is written in.
    pub language: Language,
    pub run: RunUpdate,
    pub newly_extracted: BTreeMap<String, String>,
    pub asked_for: Vec<String>,
}

impl Agent {
    pub fn new(llm: Option<Arc<dyn LlmBackend>>) -> Agent {
        Agent {
            extractors: Extractors::default(),
            llm,
        }
    }

    pub fn has_model(&self) -> bool {
        self.llm.is_some()
    }

    /// Lets the model (when configured) write the reply of `turn` in its own words: the builtin
    /// reply is its draft, whose links and ticket numbers must survive. Fields the model read are
    /// kept only if they pass the built-in validators. Any failure leaves the builtin reply.
    pub async fn write(
        &self,
        workflow: &Workflow,
        assigned: &smsflow_store::agents::Agent,
        turn: &mut AgentTurn,
        message: &str,
        recent: Vec<(Speaker, String)>,
        max_chars: usize,
    ) -> Writer {
        // Only agents set to the `openai` backend call the model.
        let Some(llm) = self
            .llm
            .as_ref()
            .filter(|_| assigned.spec.backend == "openai")
        else {
            return Writer {
                backend: BUILTIN_BACKEND.into(),
                fallback: None,
                wants_human: false,
            };
        };
        let spec = &workflow.spec;
        let steps: Vec<String> = spec
            .steps
            .iter()
            .enumerate()
            .map(|(index, step)| {
                let done = if turn.run.state.steps_done.contains(&index) {
                    "done"
                } else {
                    "to do"
                };
                format!(
                    "{}. {} ({done})",
                    index + 1,
                    serde_json::to_value(step)
                        .ok()
                        .and_then(|v| v["type"].as_str().map(str::to_string))
                        .unwrap_or_default()
                )
            })
            .collect();
        let request = LlmRequest {
            persona: assigned.spec.persona.clone(),
            goal: spec.goal,
            context: spec.context.clone(),
            response_template: spec.response_template.clone(),
            steps: steps.join("\n"),
            known_fields: turn.run.state.fields.clone(),
            wanted_fields: wanted_fields(spec)
                .iter()
                .filter(|f| !turn.run.state.fields.contains_key(f.as_str()))
                .map(|f| f.to_string())
                .collect(),
            draft_reply: turn.reply.clone(),
            recent,
            message: message.to_string(),
            max_chars,
            // The agent's fixed language, else the one the person writes in (as detected).
            language: assigned
                .spec
                .language
                .clone()
                .or_else(|| Some(turn.language.name().to_string())),
            model: assigned.spec.model.clone(),
            summary_draft: turn
                .run
                .new_ticket
                .as_ref()
                .map(|ticket| ticket.summary.clone()),
        };
        match llm.complete(&request).await {
            Ok(answer) => {
                for (field, value) in answer.extracted {
                    if turn.run.state.fields.contains_key(&field) {
                        continue;
                    }
                    if let Some(value) = self.extractors.validate_field(&field, &value) {
                        turn.run.state.fields.insert(field.clone(), value.clone());
                        turn.newly_extracted.insert(field, value);
                    }
                }
                turn.reply = answer.reply;
                if let (Some(ticket), Some(summary)) =
                    (turn.run.new_ticket.as_mut(), answer.summary)
                {
                    ticket.summary = summary;
                }
                Writer {
                    backend: llm.name().to_string(),
                    fallback: None,
                    wants_human: answer.wants_human,
                }
            }
            Err(error) => {
                tracing::warn!(%error, "the model gave no usable reply: the builtin agent answers");
                Writer {
                    backend: BUILTIN_BACKEND.into(),
                    fallback: Some(error.to_string()),
                    wants_human: false,
                }
            }
        }
    }

    /// Handles `text` for `workflow`, continuing `run` if the conversation is in one; the reply is
    /// in `language`, within `max_segments`.
    pub fn turn(
        &self,
        workflow: &Workflow,
        run: Option<Run>,
        text: &str,
        their_number: &str,
        language: Language,
        max_segments: usize,
    ) -> AgentTurn {
        let spec = &workflow.spec;
        let first_turn = run.is_none();
        let (run_id, mut state) = match run {
            Some(run) => (run.id, run.state),
            None => (Uuid::now_v7(), RunState::default()),
        };
        let newly_extracted: BTreeMap<String, String> = self
            .extractors
            .extract_answer(text, &wanted_fields(spec), &state.asked_for)
            .into_iter()
            .filter(|(field, value)| state.fields.get(field) != Some(value))
            .collect();
        state.fields.extend(newly_extracted.clone());
        remember(&mut state.said, text, &state.fields);
        let advanced = advance(spec, &mut state);
        state.asked_for = advanced
            .ask_for
            .iter()
            .map(|field| field.to_string())
            .collect();

        let mut new_ticket = None;
        let mut records = Vec::new();
        for (_, action) in &advanced.actions {
            match action {
                Action::OpenTicket { priority } if state.ticket_id.is_none() => {
                    let number = ticket_number();
                    state.ticket_id = Some(number.clone());
                    new_ticket = Some(NewTicket {
                        notify: false,
                        number,
                        priority: *priority,
                        summary: ticket_summary(spec, &state.fields, &state.said),
                    });
                }
                Action::OfferBooking { link } if state.booking_link.is_none() => {
                    state.booking_link = Some(booking_link(
                        link.as_str(),
                        &state.fields,
                        &run_id.to_string(),
                    ));
                }
                Action::SaveRecord { table } => {
                    if !state.saved_to.iter().any(|saved| saved == table.as_str()) {
                        state.saved_to.push(table.to_string());
                    }
                    records.push(table.to_string());
                }
                _ => {}
            }
        }
        let mut values = state.fields.clone();
        values.extend(
            state
                .ticket_id
                .clone()
                .map(|ticket| ("ticket_id".to_string(), ticket)),
        );
        values.extend(
            state
                .booking_link
                .clone()
                .map(|link| ("booking_link".to_string(), link)),
        );
        let reply = compose(&TurnFacts {
            spec,
            values: &values,
            newly_extracted: &newly_extracted,
            advance: &advanced,
            first_turn,
            language,
            max_segments,
        });
        AgentTurn {
            reply,
            language,
            asked_for: advanced
                .ask_for
                .iter()
                .map(|field| field.to_string())
                .collect(),
            newly_extracted,
            run: RunUpdate {
                run_id,
                workflow_id: workflow.id,
                completed: advanced.completed,
                state,
                new_ticket,
                records,
                phone: their_number.to_string(),
            },
        }
    }
}

/// A short ticket number people can read out: `T-` and six characters without look-alikes.
fn ticket_number() -> String {
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    let random = Uuid::new_v4().as_u128();
    let code: String = (0..6)
        .map(|i| ALPHABET[((random >> (i * 5)) & 31) as usize] as char)
        .collect();
    format!("T-{code}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workflow() -> Workflow {
        let spec = serde_json::from_value::<smsflow_core::WorkflowDraft>(serde_json::json!({
            "name": "Leads", "goal": "lead_capture", "active": true,
            "response_template": "Thanks for your interest! Someone will follow up with detailed pricing.",
            "steps": [
                {"type": "extract_information", "fields": "name,email,phone,company"},
                {"type": "send_response", "template": "Thanks {{name}}! What size is your team?"},
                {"type": "create_support_ticket", "priority": "high"},
                {"type": "book_appointment", "link": "https://calendly.com/acme/intro"},
                {"type": "save_to_database", "table": "leads"}
            ]
        }))
        .unwrap()
        .validate()
        .unwrap();
        let now = time::OffsetDateTime::now_utc();
        Workflow {
            id: Uuid::now_v7(),
            spec,
            version: 1,
            created_at: now,
            updated_at: now,
        }
    }

    #[test]
    fn a_lead_is_taken_to_a_saved_record_turn_by_turn() {
        let agent = Agent::default();
        let workflow = workflow();
        let first = agent.turn(
            &workflow,
            None,
            "hi I'm interested in pricing",
            "+14155550111",
            Language::English,
            3,
        );
        assert_eq!(first.asked_for, ["name", "email"]);
        assert!(first.reply.starts_with("Thanks for your interest!"));
        let run = |turn: &AgentTurn| {
            Some(Run {
                id: turn.run.run_id,
                conversation_id: Uuid::nil(),
                workflow_id: workflow.id,
                state: turn.run.state.clone(),
                completed: turn.run.completed,
            })
        };

        let second = agent.turn(
            &workflow,
            run(&first),
            "I'm Dana from Blue Fin Sushi",
            "+14155550111",
            Language::English,
            3,
        );
        assert_eq!(second.run.run_id, first.run.run_id);
        assert_eq!(second.asked_for, ["email", "phone"]);
        assert!(
            second.reply.starts_with("Nice to meet you, Dana!"),
            "{}",
            second.reply
        );

        let third = agent.turn(
            &workflow,
            run(&second),
            "dana@bluefin.example and 415-555-0111",
            "+14155550111",
            Language::English,
            3,
        );
        assert!(third.run.completed);
        assert_eq!(third.run.records, ["leads"]);
        let ticket = third
            .run
            .new_ticket
            .as_ref()
            .expect("the ticket step opened a ticket");
        assert!(ticket.number.starts_with("T-") && ticket.number.len() == 8);
        assert!(third.reply.contains(&ticket.number), "{}", third.reply);
        assert!(
            third
                .reply
                .contains("https://calendly.com/acme/intro?name=Dana&email=dana%40bluefin.example"),
            "{}",
            third.reply
        );
        let fields: Vec<(&str, &str)> = third
            .run
            .state
            .fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            fields,
            [
                ("company", "Blue Fin Sushi"),
                ("email", "dana@bluefin.example"),
                ("name", "Dana"),
                ("phone", "+14155550111")
            ]
        );
    }
}
