//! The step engine: what a workflow run must do next. Deterministic code decides; the agent only
//! writes the words. A run walks its workflow's steps in order: an Extract Information step holds
//! the run until its fields are known (the reply asks for the next one or two), every other step
//! happens once when reached.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use utoipa::ToSchema;

use crate::fields::FieldSpec;
use crate::localized::LocalizedText;
use crate::workflow::{BookingLink, FieldName, Step, TableName, TicketPriority, WorkflowSpec};

/// How many missing fields one reply asks for: people answer one or two questions, not a form.
pub const FIELDS_PER_QUESTION: usize = 2;

/// The longest ticket summary, however written: a helpdesk subject line plus a few sentences.
pub const SUMMARY_MAX_CHARS: usize = 300;

/// What a run has achieved so far; stored with the run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RunState {
    /// Extracted fields, by name. A later value for a field replaces the earlier one (a correction).
    pub fields: BTreeMap<String, String>,
    /// Indexes of the steps done.
    pub steps_done: BTreeSet<usize>,
    pub ticket_id: Option<String>,
    /// The booking link as offered (with the known name and email filled in).
    pub booking_link: Option<String>,
    pub booked: bool,
    /// The collections a record was saved to.
    pub saved_to: Vec<String>,
    /// The fields the last reply asked for: the next message is likely the answer.
    #[serde(default)]
    pub asked_for: Vec<String>,
    /// What the person said in this run that is more than a greeting or a bare answer (their
    /// problem, their request), bounded; the ticket summary quotes it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub said: Vec<String>,
    /// The version of the workflow set the run started with: it keeps that version's steps
    /// until it ends, whatever is published meanwhile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflows_version: Option<i64>,
    /// Fields the run no longer waits for: optional ones asked once, or required ones still
    /// invalid after the re-asks.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub skipped: BTreeSet<String>,
    /// Invalid answers so far, per field (each was asked for again).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub invalid: BTreeMap<String, u8>,
    /// The part of a field's value given before the rest, by field: the day of a date and time
    /// still waiting for its time ("Friday", then "at 10").
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub partial: BTreeMap<String, String>,
}

/// A step that happens on this turn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Respond { template: LocalizedText },
    OpenTicket { priority: TicketPriority },
    OfferBooking { link: BookingLink },
    SaveRecord { table: TableName },
}

/// The result of advancing a run by one turn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Advance {
    /// Steps reached and done on this turn, in order, with their step index.
    pub actions: Vec<(usize, Action)>,
    /// The fields to ask for next (at most [`FIELDS_PER_QUESTION`]); empty when nothing blocks.
    pub ask_for: Vec<FieldName>,
    /// Every step is done.
    pub completed: bool,
}

/// Every field the workflow's Extract Information steps list, in order, without repeats (the
/// first step that lists a field says its type).
pub fn wanted_fields(spec: &WorkflowSpec) -> Vec<FieldSpec> {
    let mut wanted: Vec<FieldSpec> = Vec::new();
    for step in &spec.steps {
        if let Step::ExtractInformation { fields, .. } = step {
            for field in fields {
                if !wanted.iter().any(|known| known.name == field.name) {
                    wanted.push(field.clone());
                }
            }
        }
    }
    wanted
}

/// Walks the steps not yet done, in order, from `state`; marks the ones that happen as done.
pub fn advance(spec: &WorkflowSpec, state: &mut RunState) -> Advance {
    let mut actions = Vec::new();
    for (index, step) in spec.steps.iter().enumerate() {
        if state.steps_done.contains(&index) {
            continue;
        }
        let action = match step {
            Step::ExtractInformation { fields, .. } => {
                let missing: Vec<FieldName> = fields
                    .iter()
                    .filter(|field| {
                        !state.fields.contains_key(field.as_str())
                            && !state.skipped.contains(field.as_str())
                    })
                    .take(FIELDS_PER_QUESTION)
                    .map(|field| field.name.clone())
                    .collect();
                if !missing.is_empty() {
                    return Advance {
                        actions,
                        ask_for: missing,
                        completed: false,
                    };
                }
                None
            }
            Step::SendResponse { template } => Some(Action::Respond {
                template: template.clone(),
            }),
            Step::CreateSupportTicket { priority } => Some(Action::OpenTicket {
                priority: *priority,
            }),
            Step::BookAppointment { link } => Some(Action::OfferBooking { link: link.clone() }),
            Step::SaveToDatabase { table } => Some(Action::SaveRecord {
                table: table.clone(),
            }),
        };
        state.steps_done.insert(index);
        if let Some(action) = action {
            actions.push((index, action));
        }
    }
    Advance {
        actions,
        ask_for: Vec::new(),
        completed: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workflow::WorkflowDraft;

    fn lead_capture() -> WorkflowSpec {
        serde_json::from_value::<WorkflowDraft>(serde_json::json!({
            "name": "Leads", "goal": "lead_capture",
            "steps": [
                {"type": "extract_information", "fields": "name,email,phone,company"},
                {"type": "send_response", "template": "Thanks {{name}}!"},
                {"type": "create_support_ticket", "priority": "high"},
                {"type": "book_appointment", "link": "https://calendly.com/acme/intro"},
                {"type": "save_to_database", "table": "leads"}
            ]
        }))
        .unwrap()
        .validate()
        .unwrap()
    }

    #[test]
    fn extraction_holds_the_run_and_asks_two_fields_at_a_time() {
        let spec = lead_capture();
        let mut state = RunState::default();
        let first = advance(&spec, &mut state);
        let asked: Vec<&str> = first.ask_for.iter().map(FieldName::as_str).collect();
        assert_eq!(asked, ["name", "email"]);
        assert!(first.actions.is_empty() && !first.completed);

        state.fields.insert("name".into(), "Dana".into());
        let second = advance(&spec, &mut state);
        let asked: Vec<&str> = second.ask_for.iter().map(FieldName::as_str).collect();
        assert_eq!(
            asked,
            ["email", "phone"],
            "a known field is not asked again"
        );

        state.skipped.insert("email".into());
        let third = advance(&spec, &mut state);
        let asked: Vec<&str> = third.ask_for.iter().map(FieldName::as_str).collect();
        assert_eq!(
            asked,
            ["phone", "company"],
            "a skipped field is not waited for"
        );
    }

    #[test]
    fn once_the_fields_are_known_every_other_step_happens_once_in_order() {
        let spec = lead_capture();
        let mut state = RunState::default();
        for (field, value) in [
            ("name", "Dana"),
            ("email", "dana@bluefin.example"),
            ("phone", "+14155550111"),
            ("company", "Blue Fin Sushi"),
        ] {
            state.fields.insert(field.into(), value.into());
        }
        let done = advance(&spec, &mut state);
        assert!(done.completed);
        let kinds: Vec<usize> = done.actions.iter().map(|(index, _)| *index).collect();
        assert_eq!(kinds, [1, 2, 3, 4]);
        assert!(matches!(
            done.actions[1].1,
            Action::OpenTicket {
                priority: TicketPriority::High
            }
        ));
        let again = advance(&spec, &mut state);
        assert!(
            again.actions.is_empty() && again.completed,
            "nothing happens twice"
        );
    }

    #[test]
    fn a_workflow_without_steps_is_complete_at_once() {
        let spec = serde_json::from_value::<WorkflowDraft>(
            serde_json::json!({"name": "x", "goal": "general_inquiry"}),
        )
        .unwrap()
        .validate()
        .unwrap();
        assert!(advance(&spec, &mut RunState::default()).completed);
        assert!(wanted_fields(&spec).is_empty());
        assert_eq!(wanted_fields(&lead_capture()).len(), 4);
    }
}
