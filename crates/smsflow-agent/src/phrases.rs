//! Every sentence the builtin agent writes, one table per language. A phrase with a value in it
//! is a template (`{{name}}`), filled by [`crate::template::render`]: word order differs between
//! languages, so values are placed by the phrase, never appended to it.

use smsflow_core::Goal;
use smsflow_core::conversation::TicketStatus;
use smsflow_core::language::Language;

use crate::fields::Invalid;
use crate::template::fill;

/// When the team is next in (from business hours), for "a person will reply ... tomorrow after 09:00".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opening {
    /// 0 today, 1 tomorrow, ...
    pub days_ahead: u8,
    /// 0 Monday ... 6 Sunday.
    pub weekday: usize,
    /// `HH:MM`.
    pub time: String,
}

pub struct Phrases {
    pub general_inquiry: &'static str,
    pub lead_capture: &'static str,
    pub sales_inquiry: &'static str,
    pub help_desk_support: &'static str,
    pub appointment_booking: &'static str,
    /// `{{name}}`.
    pub nice_to_meet_you: &'static str,
    pub got_it: &'static str,
    /// `{{ticket_id}}`.
    pub ticket_opened: &'static str,
    /// `{{booking_link}}`.
    pub booking_offered: &'static str,
    pub anything_else: &'static str,
    /// `{{fields}}`: the fields asked for, joined with `and`.
    pub could_i_get: &'static str,
    pub and: &'static str,
    /// Before the last of a choice field's choices.
    pub or: &'static str,
    /// `{{field}}` (as described), `{{choices}}` (joined with `or`): a choice field asked for.
    pub field_with_choices: &'static str,
    pub field_name: &'static str,
    pub field_first_name: &'static str,
    pub field_email: &'static str,
    pub field_phone: &'static str,
    pub field_company: &'static str,
    /// `{{field}}`: a field without a phrase of its own, by its name.
    pub field_other: &'static str,
    /// A person takes over now.
    pub handoff_now: &'static str,
    /// `{{when}}`: a person answers later (outside business hours).
    pub handoff_later: &'static str,
    /// The agent passes the conversation on (an answer stayed invalid), a person answers now.
    pub pass_on_now: &'static str,
    /// `{{when}}`: as `pass_on_now`, a person answers later.
    pub pass_on_later: &'static str,
    /// `{{time}}`: opening time later today.
    pub when_today: &'static str,
    /// `{{time}}`: opening time tomorrow.
    pub when_tomorrow: &'static str,
    /// `{{day}}`, `{{time}}`: opening time on a later day.
    pub when_day: &'static str,
    /// Monday first.
    pub weekdays: [&'static str; 7],
    /// After a thank-you when the matter is done.
    pub closing: &'static str,
    /// `{{ticket_id}}`, `{{status}}`.
    pub ticket_status: &'static str,
    pub ticket_open: &'static str,
    pub ticket_pending: &'static str,
    pub ticket_solved: &'static str,
    /// `{{starts}}`.
    pub booked_at: &'static str,
    pub booked: &'static str,
    /// Why an answer was refused, said before the field is asked for again.
    pub invalid: InvalidPhrases,
}

/// What was wrong with a refused answer, one phrase per [`Invalid`] reason.
pub struct InvalidPhrases {
    /// `{{value}}`: an email address without a dotted domain ("dana@gmail").
    pub email_domain: &'static str,
    /// `{{value}}`: what was written instead of an email address.
    pub email: &'static str,
    /// `{{value}}`: the digits written.
    pub phone: &'static str,
    pub date: &'static str,
    pub time: &'static str,
    pub need_time: &'static str,
    pub past: &'static str,
    pub number: &'static str,
    /// `{{choices}}`: the choices, comma-separated.
    pub choice: &'static str,
    pub address: &'static str,
    pub text: &'static str,
}

const ENGLISH: Phrases = Phrases {
    general_inquiry: "Thanks for your message!",
    lead_capture: "Thanks for your interest!",
    sales_inquiry: "Thanks for reaching out!",
    help_desk_support: "Sorry to hear about the trouble - we'll help.",
    appointment_booking: "Happy to help you book a time.",
    nice_to_meet_you: "Nice to meet you, {{name}}!",
    got_it: "Thanks, got it!",
    ticket_opened: "I've opened ticket {{ticket_id}} for you; our team will follow up.",
    booking_offered: "You can pick a time that suits you here: {{booking_link}}",
    anything_else: "Thanks! Is there anything else I can help with?",
    could_i_get: "Could I get {{fields}}?",
    and: "and",
    or: "or",
    field_with_choices: "{{field}} ({{choices}})",
    field_name: "your name",
    field_first_name: "your first name",
    field_email: "your email address",
    field_phone: "the best phone number to reach you",
    field_company: "your company's name",
    field_other: "your {{field}}",
    handoff_now: "Of course - a person from our team will reply here shortly.",
    handoff_later: "Of course - a person from our team will reply here {{when}}.",
    pass_on_now: "Let me pass you to a person from our team: they will reply here shortly.",
    pass_on_later: "Let me pass you to a person from our team: they will reply here {{when}}.",
    when_today: "today after {{time}}",
    when_tomorrow: "tomorrow after {{time}}",
    when_day: "on {{day}} after {{time}}",
    weekdays: [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ],
    closing: "You're welcome! Text us any time.",
    ticket_status: "Your ticket {{ticket_id}} is {{status}}. Our team will text you here as soon as there is news.",
    ticket_open: "open",
    ticket_pending: "in progress",
    ticket_solved: "solved",
    booked_at: "You're booked for {{starts}}. Thanks, see you then!",
    booked: "You're booked. Thanks, see you then!",
    invalid: InvalidPhrases {
        email_domain: "That email address, {{value}}, seems to be missing its ending (like name@example.com).",
        email: "\"{{value}}\" doesn't look like an email address (like name@example.com).",
        phone: "The number {{value}} seems incomplete: please include the area code.",
        date: "I couldn't tell which day you mean (for example \"Tuesday\" or \"March 5\").",
        time: "I couldn't tell what time you mean (for example \"3pm\").",
        need_time: "Got the day; what time suits you?",
        past: "That date has already passed.",
        number: "Please answer with a number.",
        choice: "Please pick one of: {{choices}}.",
        address: "Please include the street number in the address.",
        text: "Please answer in a few words.",
    },
};

const SPANISH: Phrases = Phrases {
    general_inquiry: "¡Gracias por su mensaje!",
    lead_capture: "¡Gracias por su interés!",
    sales_inquiry: "¡Gracias por escribirnos!",
    help_desk_support: "Lamentamos el problema; le vamos a ayudar.",
    appointment_booking: "Con gusto le ayudamos a reservar una hora.",
    nice_to_meet_you: "¡Mucho gusto, {{name}}!",
    got_it: "¡Gracias, anotado!",
    ticket_opened: "Abrí el ticket {{ticket_id}} para usted; nuestro equipo le dará seguimiento.",
    booking_offered: "Puede elegir la hora que le convenga aquí: {{booking_link}}",
    anything_else: "¡Gracias! ¿Hay algo más en que pueda ayudarle?",
    could_i_get: "¿Me podría dar {{fields}}?",
    and: "y",
    or: "o",
    field_with_choices: "{{field}} ({{choices}})",
    field_name: "su nombre",
    field_first_name: "su nombre de pila",
    field_email: "su correo electrónico",
    field_phone: "el mejor número para contactarle",
    field_company: "el nombre de su empresa",
    field_other: "su {{field}}",
    handoff_now: "Por supuesto: una persona de nuestro equipo le responderá por aquí en breve.",
    handoff_later: "Por supuesto: una persona de nuestro equipo le responderá por aquí {{when}}.",
    pass_on_now: "Le paso con una persona de nuestro equipo: le responderá por aquí en breve.",
    pass_on_later: "Le paso con una persona de nuestro equipo: le responderá por aquí {{when}}.",
    when_today: "hoy después de las {{time}}",
    when_tomorrow: "mañana después de las {{time}}",
    when_day: "el {{day}} después de las {{time}}",
    weekdays: [
        "lunes",
        "martes",
        "miércoles",
        "jueves",
        "viernes",
        "sábado",
        "domingo",
    ],
    closing: "¡Con gusto! Escríbanos cuando quiera.",
    ticket_status: "Su ticket {{ticket_id}} está {{status}}. Nuestro equipo le escribirá por aquí en cuanto haya novedades.",
    ticket_open: "abierto",
    ticket_pending: "en curso",
    ticket_solved: "resuelto",
    booked_at: "Su reserva está confirmada para {{starts}}. ¡Gracias, hasta entonces!",
    booked: "Su reserva está confirmada. ¡Gracias, hasta entonces!",
    invalid: InvalidPhrases {
        email_domain: "A ese correo, {{value}}, le falta la terminación (como nombre@ejemplo.com).",
        email: "\"{{value}}\" no parece un correo electrónico (como nombre@ejemplo.com).",
        phone: "El número {{value}} parece incompleto: incluya el código de área, por favor.",
        date: "No entendí qué día (por ejemplo \"el martes\" o \"5 de marzo\").",
        time: "No entendí a qué hora (por ejemplo \"a las 3 de la tarde\").",
        need_time: "Anotado el día; ¿a qué hora le viene bien?",
        past: "Esa fecha ya pasó.",
        number: "Responda con un número, por favor.",
        choice: "Elija una opción: {{choices}}.",
        address: "Incluya el número de la calle en la dirección, por favor.",
        text: "Responda en pocas palabras, por favor.",
    },
};

/// The phrase table for `language`.
pub fn phrases(language: Language) -> &'static Phrases {
    match language {
        Language::English => &ENGLISH,
        Language::Spanish => &SPANISH,
    }
}

impl Phrases {
    /// The opening of a run that has no response template of its own.
    pub fn opening(&self, goal: Goal) -> &'static str {
        match goal {
            Goal::GeneralInquiry => self.general_inquiry,
            Goal::LeadCapture => self.lead_capture,
            Goal::SalesInquiry => self.sales_inquiry,
            Goal::HelpDeskSupport => self.help_desk_support,
            Goal::AppointmentBooking => self.appointment_booking,
        }
    }

    /// The reply to a request for a person: one answers shortly, or when the team is next in.
    pub fn handoff(&self, opening: Option<&Opening>) -> String {
        self.a_person_replies(self.handoff_now, self.handoff_later, opening)
    }

    /// The reply when the agent passes the conversation to a person unasked (an answer stayed
    /// invalid after its re-asks): one answers shortly, or when the team is next in.
    pub fn pass_on(&self, opening: Option<&Opening>) -> String {
        self.a_person_replies(self.pass_on_now, self.pass_on_later, opening)
    }

    fn a_person_replies(&self, now: &str, later: &str, opening: Option<&Opening>) -> String {
        let Some(opening) = opening else {
            return now.to_string();
        };
        let time = opening.time.as_str();
        let when = match opening.days_ahead {
            0 => fill(self.when_today, &[("time", time)]),
            1 => fill(self.when_tomorrow, &[("time", time)]),
            _ => fill(
                self.when_day,
                &[("day", self.weekdays[opening.weekday % 7]), ("time", time)],
            ),
        };
        fill(later, &[("when", when.as_str())])
    }

    /// What was wrong with a refused answer.
    pub fn why(&self, invalid: &Invalid) -> String {
        let said = &self.invalid;
        match invalid {
            Invalid::EmailDomain(value) => fill(said.email_domain, &[("value", &quoted(value))]),
            Invalid::Email(value) => fill(said.email, &[("value", &quoted(value))]),
            Invalid::Phone(value) => fill(said.phone, &[("value", &quoted(value))]),
            Invalid::Date => said.date.into(),
            Invalid::Time => said.time.into(),
            Invalid::NeedTime => said.need_time.into(),
            Invalid::Past => said.past.into(),
            Invalid::Number => said.number.into(),
            Invalid::Choice(choices) => fill(said.choice, &[("choices", &choices.join(", "))]),
            Invalid::Address => said.address.into(),
            Invalid::Text => said.text.into(),
        }
    }

    pub fn ticket_status_word(&self, status: TicketStatus) -> &'static str {
        match status {
            TicketStatus::Open => self.ticket_open,
            TicketStatus::Pending => self.ticket_pending,
            TicketStatus::Solved => self.ticket_solved,
        }
    }
}

/// What the person wrote, as quoted back to them: trimmed, and cut to a length a reply can carry.
fn quoted(value: &str) -> String {
    const MAX_CHARS: usize = 40;
    let value = value.trim();
    if value.chars().count() <= MAX_CHARS {
        value.to_string()
    } else {
        let cut: String = value.chars().take(MAX_CHARS - 1).collect();
        format!("{}…", cut.trim_end())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::placeholders;

    #[test]
    fn the_handoff_says_when_a_person_answers() {
        let opening = |days_ahead, weekday| Opening {
            days_ahead,
            weekday,
            time: "09:00".into(),
        };
        let english = phrases(Language::English);
        assert_eq!(
            english.handoff(None),
            "Of course - a person from our team will reply here shortly."
        );
        assert_eq!(
            english.handoff(Some(&opening(1, 3))),
            "Of course - a person from our team will reply here tomorrow after 09:00."
        );
        assert_eq!(
            phrases(Language::Spanish).handoff(Some(&opening(2, 0))),
            "Por supuesto: una persona de nuestro equipo le responderá por aquí el lunes después de las 09:00."
        );
        assert_eq!(
            english.pass_on(None),
            "Let me pass you to a person from our team: they will reply here shortly."
        );
        assert_eq!(
            phrases(Language::Spanish).pass_on(Some(&opening(0, 0))),
            "Le paso con una persona de nuestro equipo: le responderá por aquí hoy después de las 09:00."
        );
    }

    #[test]
    fn a_refused_answer_is_explained_in_the_persons_language() {
        let choices = Invalid::Choice(vec!["small".into(), "large".into()]);
        assert_eq!(
            phrases(Language::English).why(&choices),
            "Please pick one of: small, large."
        );
        assert_eq!(
            phrases(Language::Spanish).why(&choices),
            "Elija una opción: small, large."
        );
        assert_eq!(
            phrases(Language::Spanish).why(&Invalid::EmailDomain("lucia@correo".into())),
            "A ese correo, lucia@correo, le falta la terminación (como nombre@ejemplo.com)."
        );
        assert_eq!(
            phrases(Language::English).why(&Invalid::Email("ken at home".into())),
            "\"ken at home\" doesn't look like an email address (like name@example.com)."
        );
        let long = "x".repeat(200);
        assert!(
            phrases(Language::English)
                .why(&Invalid::Phone(long))
                .chars()
                .count()
                < 100
        );
        assert!(
            phrases(Language::Spanish)
                .why(&Invalid::NeedTime)
                .contains("hora")
        );
    }

    /// Each language's phrase uses the same placeholders as the English one: a translation that
    /// lost `{{ticket_id}}` would send a reply without the ticket number.
    #[test]
    fn every_language_fills_the_same_values() {
        let fields = |p: &Phrases| {
            let mut all = vec![
                p.nice_to_meet_you,
                p.ticket_opened,
                p.booking_offered,
                p.could_i_get,
                p.field_other,
                p.handoff_later,
                p.pass_on_later,
                p.when_today,
                p.when_tomorrow,
                p.when_day,
                p.ticket_status,
                p.booked_at,
            ]
            .into_iter()
            .map(|phrase| {
                let mut used = placeholders(phrase);
                used.sort();
                used
            })
            .collect::<Vec<_>>();
            all.push(placeholders(p.booked));
            all.push(placeholders(p.invalid.choice));
            all
        };
        for language in Language::ALL {
            assert_eq!(fields(phrases(language)), fields(&ENGLISH), "{language:?}");
        }
    }
}
