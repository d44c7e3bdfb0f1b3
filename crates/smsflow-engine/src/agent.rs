//! The agent's turn: extract the workflow's fields from the message, advance the run's steps (open
//! the ticket, offer the booking link, save the record) and write the reply. Deterministic code
//! decides what happens; the reply writer only writes the words.

use smsflow_agent::builtin::{TurnFacts, booking_link, compose};
use smsflow_agent::extract::Extractors;
use smsflow_agent::fields::Clock;
use smsflow_agent::phrases::{Phrases, phrases};
use smsflow_agent::summary::{remember, ticket_summary};
use smsflow_core::language::Language;
use smsflow_core::run::{Action, RunState, advance, wanted_fields};
use smsflow_core::{FieldType, OnInvalid, Step, Workflow};
use smsflow_llm::{LlmBackend, LlmRequest, Speaker};
use smsflow_store::conversations::{NewTicket, Run, RunUpdate};
use std::collections::BTreeMap;
use std::sync::Arc;
use uuid::Uuid;

/// Which reply writer wrote a reply; shown with each message.
pub const BUILTIN_BACKEND: &str = "builtin";

pub struct Agent {
    extractors: Extractors,
    /// A model that rewrites the builtin reply in the conversation's own words, when configured.
    llm: Option<Arc<dyn LlmBackend>>,
    /// The business's time zone: "tomorrow at 3" is read on its clock.
    zone: jiff::tz::TimeZone,
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
    /// Answers that were refused on this turn, by field, with what was wrong (asked again).
    pub invalid: BTreeMap<String, String>,
    /// A required field stayed invalid after its re-asks and its step says `hand_off`.
    pub hand_off: bool,
}

/// Who a turn answers, besides what they texted.
pub struct Texter<'a> {
    /// Their number: pre-fills `phone`, and national numbers are read in its country.
    pub number: &'a str,
    /// What the contact told us in earlier runs: a new run starts with it.
    pub known: &'a BTreeMap<String, String>,
    /// The reply is written in this language, within `max_segments` segments.
    pub language: Language,
    pub max_segments: usize,
}

impl Texter<'static> {
    /// A texter we know nothing about, answered in English within 3 segments (tests, benches,
    /// scoring a labelled set).
    pub fn english(number: &'static str) -> Texter<'static> {
        static NOTHING_KNOWN: BTreeMap<String, String> = BTreeMap::new();
        Texter {
            number,
            known: &NOTHING_KNOWN,
            language: Language::English,
            max_segments: 3,
        }
    }
}

impl Default for Agent {
    /// The builtin agent alone, reading days and times in UTC.
    fn default() -> Agent {
        Agent::new(None)
    }
}

impl Agent {
    pub fn new(llm: Option<Arc<dyn LlmBackend>>) -> Agent {
        Agent {
            extractors: Extractors::default(),
            llm,
            zone: jiff::tz::TimeZone::UTC,
        }
    }

    /// Reads days and times ("tomorrow at 3", "el martes") in `zone`.
    pub fn in_zone(self, zone: jiff::tz::TimeZone) -> Agent {
        Agent { zone, ..self }
    }

    /// Reads national phone numbers (and "3/5") as `extractors` do, where the sender's number
    /// does not say the country.
    pub fn reading(self, extractors: Extractors) -> Agent {
        Agent { extractors, ..self }
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
            response_template: spec
                .response_template
                .as_ref()
                .map(|template| template.in_language(turn.language).to_string()),
            steps: steps.join("\n"),
            known_fields: turn.run.state.fields.clone(),
            wanted_fields: wanted_fields(spec)
                .iter()
                .filter(|f| !turn.run.state.fields.contains_key(f.as_str()))
                .map(|f| f.as_str().to_string())
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
                let wanted = wanted_fields(spec);
                let clock = Clock::at(jiff::Timestamp::now(), self.zone.clone());
                for (field, value) in answer.extracted {
                    if turn.run.state.fields.contains_key(&field) {
                        continue;
                    }
                    let Some(wanted) = wanted.iter().find(|wanted| wanted.as_str() == field) else {
                        continue;
                    };
                    if let Some(value) = self.extractors.validate_field(wanted, &value, &clock) {
                        turn.run.state.fields.insert(field.clone(), value.clone());
                        turn.run.learned.insert(field.clone(), value.clone());
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

    /// Handles `text` for `workflow`, continuing `run` if the conversation is in one. A new run
    /// starts with what the contact already told us and their number as `phone`; the reply is in
    /// the texter's language, within their segment budget.
    pub fn turn(
        &self,
        workflow: &Workflow,
        run: Option<Run>,
        text: &str,
        texter: &Texter<'_>,
    ) -> AgentTurn {
        self.turn_at(workflow, run, text, texter, jiff::Timestamp::now())
    }

    /// As [`Agent::turn`], with days and times read as of `at` (scoring a labelled set).
    pub fn turn_at(
        &self,
        workflow: &Workflow,
        run: Option<Run>,
        text: &str,
        texter: &Texter<'_>,
        at: jiff::Timestamp,
    ) -> AgentTurn {
        let spec = &workflow.spec;
        let first_turn = run.is_none();
        let wanted = wanted_fields(spec);
        let (run_id, mut state) = match run {
            Some(run) => (run.id, run.state),
            None => (
                Uuid::now_v7(),
                prefilled(&wanted, texter.known, texter.number),
            ),
        };
        // A day given earlier without its time completes with the time given now.
        let mut known = state.partial.clone();
        known.extend(state.fields.clone());
        let extraction = self.extractors.for_number(texter.number).read(
            text,
            &wanted,
            &state.asked_for,
            &known,
            &Clock::at(at, self.zone.clone()),
        );
        state.partial.extend(extraction.partial);
        let newly_extracted: BTreeMap<String, String> = extraction
            .found
            .into_iter()
            .filter(|(field, value)| state.fields.get(field) != Some(value))
            .collect();
        state.fields.extend(newly_extracted.clone());
        state
            .partial
            .retain(|field, _| !state.fields.contains_key(field));
        let (invalid, hand_off) = self.refuse(
            spec,
            &mut state,
            extraction.invalid,
            &newly_extracted,
            phrases(texter.language),
        );
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
        let composed = compose(&TurnFacts {
            spec,
            values: &values,
            newly_extracted: &newly_extracted,
            advance: &advanced,
            first_turn,
            language: texter.language,
            max_segments: texter.max_segments,
            refused: &invalid,
        });
        // What was wrong comes first, then the question that asks for it again.
        let reply = invalid
            .values()
            .cloned()
            .chain(std::iter::once(composed))
            .collect::<Vec<_>>()
            .join(" ");
        AgentTurn {
            reply,
            language: texter.language,
            invalid,
            hand_off,
            asked_for: advanced
                .ask_for
                .iter()
                .map(|field| field.to_string())
                .collect(),
            run: RunUpdate {
                run_id,
                workflow_id: workflow.id,
                completed: advanced.completed,
                state,
                new_ticket,
                records,
                phone: texter.number.to_string(),
                learned: newly_extracted.clone(),
            },
            newly_extracted,
        }
    }

    /// Counts this turn's invalid answers for fields not yet known; a field whose step's re-asks
    /// are used up is skipped (the run moves on) or, if the step says so, handed to a person.
    /// Optional fields asked for and not given are skipped too. Returns what to tell the person
    /// (in `phrases`' language), by field, and whether to hand off.
    fn refuse(
        &self,
        spec: &smsflow_core::WorkflowSpec,
        state: &mut RunState,
        invalid: BTreeMap<String, smsflow_agent::fields::Invalid>,
        given: &BTreeMap<String, String>,
        phrases: &Phrases,
    ) -> (BTreeMap<String, String>, bool) {
        let mut told = BTreeMap::new();
        let mut hand_off = false;
        for step in &spec.steps {
            let Step::ExtractInformation {
                fields,
                reasks,
                on_invalid,
            } = step
            else {
                continue;
            };
            for field in fields {
                let name = field.as_str();
                if state.fields.contains_key(name) || state.skipped.contains(name) {
                    continue;
                }
                let was_asked = state.asked_for.iter().any(|asked| asked == name);
                if let Some(why) = invalid.get(name) {
                    let count = state.invalid.entry(name.to_string()).or_default();
                    *count += 1;
                    if *count > *reasks {
                        state.skipped.insert(name.to_string());
                        hand_off |= *on_invalid == OnInvalid::HandOff;
                    } else {
                        told.insert(name.to_string(), phrases.why(why));
                    }
                } else if was_asked && !field.required && !given.contains_key(name) {
                    state.skipped.insert(name.to_string());
                }
            }
        }
        (told, hand_off)
    }
}

/// A new run's state: what the contact told us before, and their number for a phone field.
fn prefilled(
    wanted: &[smsflow_core::FieldSpec],
    known: &BTreeMap<String, String>,
    their_number: &str,
) -> RunState {
    let mut state = RunState {
        fields: known.clone(),
        ..RunState::default()
    };
    if smsflow_core::sms::is_e164(their_number) {
        for field in wanted.iter().filter(|field| field.kind == FieldType::Phone) {
            state
                .fields
                .entry(field.as_str().to_string())
                .or_insert_with(|| their_number.to_string());
        }
    }
    state
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

    /// A valid workflow spec (as JSON), as the store would hand it over.
    fn stored(spec: serde_json::Value) -> Workflow {
        let spec = serde_json::from_value::<smsflow_core::WorkflowDraft>(spec)
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

    fn workflow() -> Workflow {
        stored(serde_json::json!({
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
    }

    #[test]
    fn a_lead_is_taken_to_a_saved_record_turn_by_turn() {
        let agent = Agent::default();
        let workflow = workflow();
        let first = agent.turn(
            &workflow,
            None,
            "hi I'm interested in pricing",
            &Texter::english("+14155550111"),
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
            &Texter::english("+14155550111"),
        );
        assert_eq!(second.run.run_id, first.run.run_id);
        assert_eq!(
            second.asked_for,
            ["email"],
            "their number is the phone, the company came with the name"
        );
        assert!(
            second.reply.starts_with("Nice to meet you, Dana!"),
            "{}",
            second.reply
        );

        let third = agent.turn(
            &workflow,
            run(&second),
            "dana@bluefin.example and 415-555-0111",
            &Texter::english("+14155550111"),
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

    fn typed_workflow(fields: serde_json::Value, on_invalid: &str) -> Workflow {
        stored(serde_json::json!({
            "name": "Bookings", "goal": "appointment_booking", "active": true,
            "steps": [
                {"type": "extract_information", "fields": fields, "reasks": 1, "on_invalid": on_invalid},
                {"type": "save_to_database", "table": "bookings"}
            ]
        }))
    }

    fn next(turn: &AgentTurn, workflow: &Workflow) -> Option<Run> {
        Some(Run {
            id: turn.run.run_id,
            conversation_id: Uuid::nil(),
            workflow_id: workflow.id,
            state: turn.run.state.clone(),
            completed: turn.run.completed,
        })
    }

    #[test]
    fn a_new_run_starts_with_what_the_contact_told_us_before() {
        let agent = Agent::default();
        let workflow = workflow();
        let known: BTreeMap<String, String> = [
            ("name".to_string(), "Dana".to_string()),
            ("email".to_string(), "dana@bluefin.example".to_string()),
            ("budget".to_string(), "2000".to_string()),
        ]
        .into();
        let first = agent.turn(
            &workflow,
            None,
            "hi, pricing please",
            &Texter {
                known: &known,
                ..Texter::english("+14155550111")
            },
        );
        assert_eq!(
            first.asked_for,
            ["company"],
            "only what is not known yet: {}",
            first.reply
        );
        assert_eq!(
            first.run.state.fields["budget"], "2000",
            "other fields ride along for records"
        );
        assert!(first.run.learned.is_empty(), "nothing new was said");
        let corrected = agent.turn(
            &workflow,
            next(&first, &workflow),
            "Blue Fin Sushi. Actually use dana@newfin.example",
            &Texter {
                known: &known,
                ..Texter::english("+14155550111")
            },
        );
        assert_eq!(corrected.run.state.fields["email"], "dana@newfin.example");
        assert_eq!(
            corrected.run.learned["email"], "dana@newfin.example",
            "the contact learns the correction"
        );
    }

    #[test]
    fn an_invalid_value_is_asked_again_saying_why_then_the_run_moves_on() {
        let agent = Agent::default();
        let workflow = typed_workflow(serde_json::json!("email, when:datetime"), "move_on");
        let first = agent.turn(
            &workflow,
            None,
            "I'd like to book",
            &Texter::english("Alice"),
        );
        assert_eq!(first.asked_for, ["email", "when"]);
        let wrong = agent.turn(
            &workflow,
            next(&first, &workflow),
            "dana@gmail",
            &Texter::english("Alice"),
        );
        assert_eq!(wrong.invalid.keys().collect::<Vec<_>>(), ["email"]);
        assert!(
            wrong
                .reply
                .starts_with("That email address, dana@gmail, seems to be missing its ending"),
            "{}",
            wrong.reply
        );
        assert!(
            wrong.reply.contains("your email address"),
            "asked again: {}",
            wrong.reply
        );
        let again = agent.turn(
            &workflow,
            next(&wrong, &workflow),
            "dana at gmail",
            &Texter::english("Alice"),
        );
        assert!(
            !again.invalid.contains_key("email"),
            "no @: not a try at an email"
        );
        let last = agent.turn(
            &workflow,
            next(&again, &workflow),
            "dana@gmail!!",
            &Texter::english("Alice"),
        );
        assert!(
            last.run.state.skipped.contains("email"),
            "one re-ask, then on"
        );
        assert!(!last.hand_off);
        assert_eq!(last.asked_for, ["when"]);
    }

    #[test]
    fn a_spanish_texter_is_told_in_spanish_what_was_wrong() {
        let agent = Agent::default();
        let workflow = typed_workflow(
            serde_json::json!([{"name": "size", "type": "choice", "choices": ["small", "large"]}, "email"]),
            "move_on",
        );
        let spanish = Texter {
            language: Language::Spanish,
            ..Texter::english("+5215512340001")
        };
        let first = agent.turn(&workflow, None, "Quisiera reservar", &spanish);
        let wrong = agent.turn(&workflow, next(&first, &workflow), "ana@gmail", &spanish);
        assert_eq!(
            wrong.reply,
            "A ese correo, ana@gmail, le falta la terminación (como nombre@ejemplo.com). ¿Me podría dar su size (small o large) y su correo electrónico?"
        );
        let choice = agent.turn(&workflow, next(&wrong, &workflow), "mediano", &spanish);
        assert_eq!(
            choice.invalid["size"], "Elija una opción: small, large.",
            "{}",
            choice.reply
        );
    }

    #[test]
    fn a_step_can_hand_off_once_its_re_asks_are_used_up() {
        let agent = Agent::default();
        let workflow = typed_workflow(
            serde_json::json!([{"name": "guests", "type": "number"}]),
            "hand_off",
        );
        let first = agent.turn(
            &workflow,
            None,
            "table please",
            &Texter::english("+14155550111"),
        );
        let once = agent.turn(
            &workflow,
            next(&first, &workflow),
            "lots",
            &Texter::english("+14155550111"),
        );
        assert_eq!(once.invalid["guests"], "Please answer with a number.");
        let twice = agent.turn(
            &workflow,
            next(&once, &workflow),
            "many",
            &Texter::english("+14155550111"),
        );
        assert!(twice.hand_off);
    }

    #[test]
    fn optional_fields_are_asked_once() {
        let agent = Agent::default();
        let workflow = typed_workflow(serde_json::json!("name, notes?"), "move_on");
        let first = agent.turn(&workflow, None, "hi", &Texter::english("+14155550111"));
        let named = agent.turn(
            &workflow,
            next(&first, &workflow),
            "I'm Ken",
            &Texter::english("+14155550111"),
        );
        assert_eq!(first.asked_for, ["name", "notes"]);
        assert!(named.run.completed, "notes were asked once and not given");
        assert!(named.run.state.skipped.contains("notes"));
    }
}
