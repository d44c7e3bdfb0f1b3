//! The builtin reply writer: no model, no network. It composes a polite, on-goal SMS from the
//! workflow's response template and steps and the run's state: it thanks, says what the steps did
//! (ticket number, booking link), and asks for the next one or two missing fields.

use smsflow_core::run::{Action, Advance};
use smsflow_core::{FieldName, Goal, WorkflowSpec};
use std::collections::BTreeMap;

use crate::template::render;

/// What happened on this turn, as the reply must tell it.
pub struct TurnFacts<'a> {
    pub spec: &'a WorkflowSpec,
    /// Every field known after this turn, plus `ticket_id` and `booking_link` when there are.
    pub values: &'a BTreeMap<String, String>,
    /// Fields this message gave.
    pub newly_extracted: &'a BTreeMap<String, String>,
    pub advance: &'a Advance,
    /// The first message of the run.
    pub first_turn: bool,
}

fn opening(goal: Goal) -> &'static str {
    match goal {
        Goal::GeneralInquiry => "Thanks for your message!",
        Goal::LeadCapture => "Thanks for your interest!",
        Goal::SalesInquiry => "Thanks for reaching out!",
        Goal::HelpDeskSupport => "Sorry to hear about the trouble - we'll help.",
        Goal::AppointmentBooking => "Happy to help you book a time.",
    }
}

fn describe_field(field: &FieldName) -> String {
    match field.as_str() {
        "name" | "full_name" => "your name".into(),
        "first_name" => "your first name".into(),
        "email" | "email_address" => "your email address".into(),
        "phone" | "phone_number" | "mobile" | "cell" => "the best phone number to reach you".into(),
        "company" | "company_name" | "business" => "your company's name".into(),
        other => format!("your {}", other.replace('_', " ")),
    }
}

/// "Could I get your name and your email address?"
pub fn question(fields: &[FieldName]) -> Option<String> {
    let described: Vec<String> = fields.iter().map(describe_field).collect();
    match described.as_slice() {
        [] => None,
        [one] => Some(format!("Could I get {one}?")),
        [first @ .., last] => Some(format!("Could I get {} and {last}?", first.join(", "))),
    }
}

pub fn compose(facts: &TurnFacts<'_>) -> String {
    let mut parts: Vec<String> = Vec::new();
    let spec = facts.spec;
    if facts.first_turn {
        let opening = spec
            .response_template
            .as_deref()
            .map(|template| render(template, facts.values))
            .unwrap_or_else(|| opening(spec.goal).to_string());
        parts.push(opening);
    } else if facts
        .advance
        .actions
        .iter()
        .any(|(_, action)| matches!(action, Action::Respond { .. }))
    {
        // The step's own response thanks them: no acknowledgement of ours before it.
    } else if let Some(name) = facts.newly_extracted.get("name") {
        parts.push(format!("Nice to meet you, {name}!"));
    } else if !facts.newly_extracted.is_empty() {
        parts.push("Thanks, got it!".into());
    }
    for (_, action) in &facts.advance.actions {
        let part = match action {
            Action::Respond { template } => Some(render(template, facts.values)),
            Action::OpenTicket { .. } => facts.values.get("ticket_id").map(|ticket| {
                format!("I've opened ticket {ticket} for you; our team will follow up.")
            }),
            Action::OfferBooking { .. } => facts
                .values
                .get("booking_link")
                .map(|link| format!("You can pick a time that suits you here: {link}")),
            Action::SaveRecord { .. } => None,
        };
        if let Some(part) = part.filter(|part| !part.is_empty() && !parts.contains(part)) {
            parts.push(part);
        }
    }
    if let Some(question) = question(&facts.advance.ask_for) {
        parts.push(question);
    } else if parts.is_empty() {
        parts.push("Thanks! Is there anything else I can help with?".into());
    }
    parts.join(" ")
}

/// The booking link with the known name and email filled in, where the provider reads them from the
/// query string (Calendly: `name`, `email`); other links are offered as they are.
/// For Calendly, `reference` rides along as `utm_content`, which Calendly hands back in its
/// webhook: that is how a booking finds its run.
pub fn booking_link(link: &str, values: &BTreeMap<String, String>, reference: &str) -> String {
    let Ok(mut url) = url::Url::parse(link) else {
        return link.to_string();
    };
    let prefills = url
        .host_str()
        .is_some_and(|host| host == "calendly.com" || host.ends_with(".calendly.com"));
    if prefills {
        let known: Vec<(&str, &String)> =
            [("name", values.get("name")), ("email", values.get("email"))]
                .into_iter()
                .filter_map(|(key, value)| value.map(|value| (key, value)))
                .collect();
        let mut query = url.query_pairs_mut();
        for (key, value) in known {
            query.append_pair(key, value);
        }
        query.append_pair("utm_content", reference);
    }
    url.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use smsflow_core::WorkflowDraft;
    use smsflow_core::run::{RunState, advance};

    fn spec() -> WorkflowSpec {
        serde_json::from_value::<WorkflowDraft>(serde_json::json!({
            "name": "Leads", "goal": "lead_capture",
            "response_template": "Thanks for your interest! Someone will follow up with detailed pricing.",
            "steps": [
                {"type": "extract_information", "fields": "name,email,phone,company"},
                {"type": "send_response", "template": "Thanks {{name}}! What size is your team?"},
                {"type": "create_support_ticket", "priority": "normal"},
                {"type": "book_appointment", "link": "https://calendly.com/acme/intro"}
            ]
        }))
        .unwrap()
        .validate()
        .unwrap()
    }

    fn reply(
        state: &mut RunState,
        newly: &[(&str, &str)],
        first_turn: bool,
        extra: &[(&str, &str)],
    ) -> String {
        let newly: BTreeMap<String, String> = newly
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        state.fields.extend(newly.clone());
        let spec = spec();
        let advance = advance(&spec, state);
        let mut values = state.fields.clone();
        values.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        compose(&TurnFacts {
            spec: &spec,
            values: &values,
            newly_extracted: &newly,
            advance: &advance,
            first_turn,
        })
    }

    #[test]
    fn a_lead_is_taken_turn_by_turn() {
        let mut state = RunState::default();
        assert_eq!(
            reply(&mut state, &[], true, &[]),
            "Thanks for your interest! Someone will follow up with detailed pricing. Could I get your name and your email address?"
        );
        assert_eq!(
            reply(
                &mut state,
                &[("name", "Dana"), ("company", "Blue Fin Sushi")],
                false,
                &[]
            ),
            "Nice to meet you, Dana! Could I get your email address and the best phone number to reach you?"
        );
        let last = reply(
            &mut state,
            &[("email", "dana@bluefin.example"), ("phone", "+14155550111")],
            false,
            &[
                ("ticket_id", "T-42"),
                ("booking_link", "https://calendly.com/acme/intro?name=Dana"),
            ],
        );
        assert_eq!(
            last,
            "Thanks Dana! What size is your team? I've opened ticket T-42 for you; our team will follow up. You can pick a time that suits you here: https://calendly.com/acme/intro?name=Dana"
        );
    }

    #[test]
    fn calendly_links_are_prefilled_others_left_alone() {
        let values: BTreeMap<String, String> = [
            ("name".to_string(), "Dana Lee".to_string()),
            ("email".to_string(), "d@x.io".to_string()),
        ]
        .into();
        assert_eq!(
            booking_link("https://calendly.com/acme/intro", &values, "run-1"),
            "https://calendly.com/acme/intro?name=Dana+Lee&email=d%40x.io&utm_content=run-1"
        );
        assert_eq!(
            booking_link("https://example.com/book", &values, "run-1"),
            "https://example.com/book"
        );
    }
}
