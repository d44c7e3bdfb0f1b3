//! The builtin reply writer: no model, no network. It composes a polite, on-goal SMS from the
//! workflow's response template and steps and the run's state: it thanks, says what the steps did
//! (ticket number, booking link), and asks for the next one or two missing fields.

use smsflow_core::language::Language;
use smsflow_core::run::{Action, Advance};
use smsflow_core::{FieldName, FieldType, Step, WorkflowSpec};
use std::collections::BTreeMap;

use crate::phrases::{Phrases, phrases};
use crate::template::{fill, render};
use crate::voice::{Part, Weight, one_message};

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
    /// The language to answer in.
    pub language: Language,
    /// The longest reply, in SMS segments.
    pub max_segments: usize,
    /// Fields whose answer on this turn was refused: the reason, said before the reply, already
    /// lists a choice field's choices, so the question does not list them again.
    pub refused: &'a BTreeMap<String, String>,
}

fn describe_field(phrases: &Phrases, field: &FieldName) -> String {
    match field.as_str() {
        "name" | "full_name" => phrases.field_name.into(),
        "first_name" => phrases.field_first_name.into(),
        "email" | "email_address" => phrases.field_email.into(),
        "phone" | "phone_number" | "mobile" | "cell" => phrases.field_phone.into(),
        "company" | "company_name" | "business" => phrases.field_company.into(),
        other => fill(
            phrases.field_other,
            &[("field", other.replace('_', " ").as_str())],
        ),
    }
}

/// "a, b and c" (or "a, b or c" with `or`).
fn listed(items: &[String], last_joiner: &str) -> Option<String> {
    match items {
        [] => None,
        [one] => Some(one.clone()),
        [first @ .., last] => Some(format!("{} {last_joiner} {last}", first.join(", "))),
    }
}

/// The choices of `field` when the workflow's steps make it a choice field (the first step that
/// lists it says its type), so the question offers them instead of leaving the texter to guess.
fn choices_of<'a>(spec: &'a WorkflowSpec, field: &FieldName) -> &'a [String] {
    spec.steps
        .iter()
        .find_map(|step| match step {
            Step::ExtractInformation { fields, .. } => {
                fields.iter().find(|wanted| &wanted.name == field)
            }
            _ => None,
        })
        .filter(|wanted| wanted.kind == FieldType::Choice)
        .map_or(&[], |wanted| wanted.choices.as_slice())
}

/// "Could I get your name and your email address?", with a choice field's choices: "Could I get
/// your size (small, medium or large)?"
pub fn question(
    phrases: &Phrases,
    fields: &[FieldName],
    spec: &WorkflowSpec,
    refused: &BTreeMap<String, String>,
) -> Option<String> {
    let described: Vec<String> = fields
        .iter()
        .map(|field| {
            let described = describe_field(phrases, field);
            let choices = if refused.contains_key(field.as_str()) {
                None
            } else {
                listed(choices_of(spec, field), phrases.or)
            };
            match choices {
                Some(choices) => fill(
                    phrases.field_with_choices,
                    &[("field", described.as_str()), ("choices", choices.as_str())],
                ),
                None => described,
            }
        })
        .collect();
    let fields = listed(&described, phrases.and)?;
    Some(fill(phrases.could_i_get, &[("fields", fields.as_str())]))
}

pub fn compose(facts: &TurnFacts<'_>) -> String {
    let phrases = phrases(facts.language);
    let mut parts: Vec<Part> = Vec::new();
    let spec = facts.spec;
    if facts.first_turn {
        parts.push(match &spec.response_template {
            Some(template) => Part::new(
                Weight::Step,
                render(template.in_language(facts.language), facts.values),
            ),
            None => Part::new(Weight::Courtesy, phrases.opening(spec.goal)),
        });
    } else if facts
        .advance
        .actions
        .iter()
        .any(|(_, action)| matches!(action, Action::Respond { .. }))
    {
        // The step's own response thanks them: no acknowledgement of ours before it.
    } else if let Some(name) = facts.newly_extracted.get("name") {
        parts.push(Part::new(
            Weight::Courtesy,
            fill(phrases.nice_to_meet_you, &[("name", name.as_str())]),
        ));
    } else if !facts.newly_extracted.is_empty() {
        parts.push(Part::new(Weight::Courtesy, phrases.got_it));
    }
    // Our sentences that announce a value (the ticket's number, the booking link), by position.
    let mut announcements: Vec<(usize, &str)> = Vec::new();
    for (_, action) in &facts.advance.actions {
        let (part, announced) = match action {
            Action::Respond { template } => (
                Some(Part::new(
                    Weight::Step,
                    render(template.in_language(facts.language), facts.values),
                )),
                None,
            ),
            Action::OpenTicket { .. } => announcement(phrases.ticket_opened, "ticket_id", facts),
            Action::OfferBooking { .. } => {
                announcement(phrases.booking_offered, "booking_link", facts)
            }
            Action::SaveRecord { .. } => (None, None),
        };
        if let (Some(_), Some(value)) = (&part, announced) {
            announcements.push((parts.len(), value));
        }
        parts.extend(part);
    }
    // A template of the business that already gives the ticket's number or the link says it in
    // its own words: ours would repeat it ("I've opened ticket T-1 ... Your request is T-1").
    let said_by_templates = |value: &str| {
        parts
            .iter()
            .any(|part| part.weight == Weight::Step && part.text.contains(value))
    };
    let repeated: Vec<usize> = announcements
        .iter()
        .filter(|(_, value)| said_by_templates(value))
        .map(|(at, _)| *at)
        .collect();
    let mut parts: Vec<Part> = parts
        .into_iter()
        .enumerate()
        .filter(|(at, _)| !repeated.contains(at))
        .map(|(_, part)| part)
        .collect();
    parts.extend(
        question(phrases, &facts.advance.ask_for, spec, facts.refused)
            .map(|question| Part::new(Weight::Essential, question)),
    );
    let message = one_message(&parts, facts.max_segments);
    if message.is_empty() {
        phrases.anything_else.to_string()
    } else {
        message
    }
}

/// Our sentence announcing `key`'s value (a ticket's number, a booking link), when the turn has one.
fn announcement<'a>(
    phrase: &str,
    key: &str,
    facts: &TurnFacts<'a>,
) -> (Option<Part>, Option<&'a str>) {
    match facts.values.get(key) {
        Some(value) => (
            Some(Part::new(Weight::Essential, render(phrase, facts.values))),
            Some(value.as_str()),
        ),
        None => (None, None),
    }
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
        reply_in(Language::English, state, newly, first_turn, extra)
    }

    fn reply_in(
        language: Language,
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
            language,
            max_segments: 3,
            refused: &BTreeMap::new(),
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
    fn a_template_that_gives_the_ticket_number_is_not_repeated_by_the_agent() {
        let spec = serde_json::from_value::<WorkflowDraft>(serde_json::json!({
            "name": "Urgent", "goal": "help_desk_support",
            "steps": [
                {"type": "extract_information", "fields": "name"},
                {"type": "create_support_ticket", "priority": "urgent"},
                {"type": "send_response", "template": "Thanks {{name}}. Your request is {{ticket_id}}; we will call you within the hour."}
            ]
        }))
        .unwrap()
        .validate()
        .unwrap();
        let mut state = RunState::default();
        state.fields.insert("name".into(), "Ana".into());
        let advance = advance(&spec, &mut state);
        let mut values = state.fields.clone();
        values.insert("ticket_id".into(), "T-7".into());
        let newly = BTreeMap::from([("name".to_string(), "Ana".to_string())]);
        let reply = compose(&TurnFacts {
            spec: &spec,
            values: &values,
            newly_extracted: &newly,
            advance: &advance,
            first_turn: false,
            language: Language::English,
            max_segments: 3,
            refused: &BTreeMap::new(),
        });
        assert_eq!(
            reply,
            "Thanks Ana. Your request is T-7; we will call you within the hour."
        );
    }

    #[test]
    fn the_agent_speaks_spanish_from_its_own_phrase_table() {
        let mut state = RunState::default();
        let spec = {
            let mut spec = spec();
            spec.response_template = None;
            spec
        };
        let advance = advance(&spec, &mut state);
        let empty = BTreeMap::new();
        let first = compose(&TurnFacts {
            spec: &spec,
            values: &empty,
            newly_extracted: &empty,
            advance: &advance,
            first_turn: true,
            language: Language::Spanish,
            max_segments: 3,
            refused: &BTreeMap::new(),
        });
        assert_eq!(
            first,
            "¡Gracias por su interés! ¿Me podría dar su nombre y su correo electrónico?"
        );
        let second = reply_in(
            Language::Spanish,
            &mut state,
            &[("name", "Dana")],
            false,
            &[],
        );
        assert_eq!(
            second,
            "¡Mucho gusto, Dana! ¿Me podría dar su correo electrónico y el mejor número para contactarle?"
        );
    }

    /// The bug this guards against: a Send Response template that starts like the opening was
    /// sent twice in one message.
    #[test]
    fn a_step_that_repeats_the_opening_is_said_once() {
        let spec = serde_json::from_value::<smsflow_core::WorkflowDraft>(serde_json::json!({
            "name": "Pricing", "goal": "lead_capture",
            "steps": [{"type": "send_response", "template": "Thanks for your interest! Someone will follow up with detailed pricing."}]
        }))
        .unwrap()
        .validate()
        .unwrap();
        let mut state = RunState::default();
        let advance = advance(&spec, &mut state);
        let empty = BTreeMap::new();
        assert_eq!(
            compose(&TurnFacts {
                spec: &spec,
                values: &empty,
                newly_extracted: &empty,
                advance: &advance,
                first_turn: true,
                language: Language::English,
                max_segments: 3,
                refused: &empty,
            }),
            "Thanks for your interest! Someone will follow up with detailed pricing."
        );
    }

    #[test]
    fn a_choice_field_is_asked_for_with_its_choices_unless_its_refusal_listed_them() {
        let spec = serde_json::from_value::<WorkflowDraft>(serde_json::json!({
            "name": "Salon", "goal": "appointment_booking",
            "steps": [{"type": "extract_information", "fields": [
                {"name": "service", "type": "choice", "choices": ["Haircut", "Color", "Blowout"]},
                {"name": "stylist", "type": "choice", "choices": ["Ana", "Luis"]},
                "name"
            ]}]
        }))
        .unwrap()
        .validate()
        .unwrap();
        let ask = |fields: &[&str], language, refused: &BTreeMap<String, String>| {
            let fields: Vec<FieldName> = fields
                .iter()
                .map(|field| FieldName::parse(field).expect("valid"))
                .collect();
            question(phrases(language), &fields, &spec, refused)
        };
        let none = BTreeMap::new();
        assert_eq!(
            ask(&["service"], Language::English, &none).as_deref(),
            Some("Could I get your service (Haircut, Color or Blowout)?")
        );
        assert_eq!(
            ask(&["stylist", "name"], Language::Spanish, &none).as_deref(),
            Some("¿Me podría dar su stylist (Ana o Luis) y su nombre?")
        );
        let refused = BTreeMap::from([(
            "service".to_string(),
            "Please pick one of: Haircut, Color, Blowout.".to_string(),
        )]);
        assert_eq!(
            ask(&["service"], Language::English, &refused).as_deref(),
            Some("Could I get your service?")
        );
    }

    mod one_voice {
        use super::*;
        use proptest::prelude::*;
        use smsflow_core::sms::segment_info;
        use smsflow_core::text::normalize;

        /// Template pieces a business might write, with and without placeholders (known and
        /// unknown); broken placeholders are refused when a workflow is saved.
        const PIECES: &[&str] = &[
            "Thanks for your interest!",
            "Thanks {{name}}!",
            "Hi {{name}},",
            "Someone will follow up with detailed pricing.",
            "Your ticket is {{ticket_id}}.",
            "Book here: {{booking_link}}",
            "We open at 9am.",
            "{{unknown}}",
            "¡Gracias por su interés!",
            "Le escribiremos pronto.",
            "What size is your team?",
            "Thanks for your message!",
        ];

        fn template() -> impl Strategy<Value = String> {
            proptest::collection::vec(proptest::sample::select(PIECES), 1..5)
                .prop_map(|pieces| pieces.join(" "))
        }

        proptest! {
            #[test]
            fn replies_read_as_one_message(
                response_template in proptest::option::of(template()),
                step_templates in proptest::collection::vec(template(), 0..3),
                fields in proptest::sample::subsequence(vec!["name", "email", "phone", "company", "size"], 0..4),
                name in proptest::option::of("[A-Za-zá ]{1,20}"),
                ticket in any::<bool>(),
                spanish in any::<bool>(),
                max_segments in 1usize..4,
            ) {
                let mut steps = Vec::new();
                if !fields.is_empty() {
                    steps.push(serde_json::json!({"type": "extract_information", "fields": fields.join(",")}));
                }
                for template in &step_templates {
                    steps.push(serde_json::json!({"type": "send_response", "template": template}));
                }
                if ticket {
                    steps.push(serde_json::json!({"type": "create_support_ticket", "priority": "normal"}));
                }
                let spec = serde_json::from_value::<smsflow_core::WorkflowDraft>(serde_json::json!({
                    "name": "Any", "goal": "lead_capture",
                    "response_template": response_template, "steps": steps,
                }))
                .unwrap()
                .validate()
                .unwrap();
                let mut state = RunState::default();
                let mut values = BTreeMap::new();
                if let Some(name) = name.as_ref().filter(|name| !name.trim().is_empty()) {
                    state.fields.insert("name".into(), name.trim().into());
                    values.insert("name".to_string(), name.trim().to_string());
                }
                let advance = advance(&spec, &mut state);
                if ticket {
                    values.insert("ticket_id".into(), "T-ABC234".into());
                }
                let reply = compose(&TurnFacts {
                    spec: &spec,
                    values: &values,
                    newly_extracted: &BTreeMap::new(),
                    advance: &advance,
                    first_turn: true,
                    language: if spanish { Language::Spanish } else { Language::English },
                    max_segments,
                    refused: &BTreeMap::new(),
                });
                prop_assert!(!reply.trim().is_empty());
                prop_assert!(!reply.contains("{{") && !reply.contains("}}"), "{}", reply);
                prop_assert!(segment_info(&reply).segments <= max_segments, "{}", reply);
                let sentences: Vec<String> = reply
                    .split_inclusive(['.', '!', '?'])
                    .map(normalize)
                    .filter(|s| !s.trim().is_empty())
                    .collect();
                for (i, sentence) in sentences.iter().enumerate() {
                    prop_assert!(!sentences[..i].contains(sentence), "{:?} twice in {}", sentence, reply);
                }
                let courtesies = sentences.iter().filter(|s| {
                    let first = s.split_whitespace().next().unwrap_or_default();
                    ["thank", "hi", "gracia"].contains(&first) && s.split_whitespace().count() <= 4
                }).count();
                prop_assert!(courtesies <= 1, "{}", reply);
            }
        }
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
