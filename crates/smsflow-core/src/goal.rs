//! The five workflow goals of the product page and the built-in keywords that make a message match them.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What a workflow wants to achieve; it also decides which messages the workflow matches.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Goal {
    GeneralInquiry,
    LeadCapture,
    HelpDeskSupport,
    SalesInquiry,
    AppointmentBooking,
}

impl Goal {
    pub const ALL: [Goal; 5] = [
        Goal::GeneralInquiry,
        Goal::LeadCapture,
        Goal::HelpDeskSupport,
        Goal::SalesInquiry,
        Goal::AppointmentBooking,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Goal::GeneralInquiry => "general_inquiry",
            Goal::LeadCapture => "lead_capture",
            Goal::HelpDeskSupport => "help_desk_support",
            Goal::SalesInquiry => "sales_inquiry",
            Goal::AppointmentBooking => "appointment_booking",
        }
    }

    pub fn parse(value: &str) -> Option<Goal> {
        Goal::ALL.into_iter().find(|goal| goal.as_str() == value)
    }

    /// The sentence a person reads when choosing a goal (CLI, docs and, later, the web form).
    pub fn description(self) -> &'static str {
        match self {
            Goal::GeneralInquiry => "Matches all messages (catch-all).",
            Goal::LeadCapture => {
                "Matches people interested in buying: pricing, quotes, budgets, estimates."
            }
            Goal::HelpDeskSupport => {
                "Matches requests for help: support, issues, problems, things that stopped working."
            }
            Goal::SalesInquiry => {
                "Matches sales-related questions: buying, ordering, plans, discounts, stock."
            }
            Goal::AppointmentBooking => {
                "Matches appointment and scheduling requests: booking, rescheduling, availability."
            }
        }
    }

    /// True for the catch-all goal, which matches without any keyword.
    pub fn is_catch_all(self) -> bool {
        self == Goal::GeneralInquiry
    }

    /// Example messages (English and Spanish) for the semantic signal: a message matches the goal
    /// when it is close enough in meaning to one of them (see [`crate::semantic`]). The catch-all's
    /// examples are counter-examples: messages like them are general, whatever their words.
    pub fn builtin_examples(self) -> &'static [&'static str] {
        match self {
            Goal::GeneralInquiry => &[
                "hello",
                "hi there",
                "thanks",
                "thank you so much",
                "ok sounds good",
                "see you then",
                "what are your hours",
                "when do you open",
                "where are you located",
                "what's your address",
                "do you accept credit cards",
                "do you take cash",
                "who is this",
                "how did you get my number",
                "stop",
                "unsubscribe",
                "call me back",
                "my name is John",
                "here is my email",
                "good morning",
                "hola",
                "gracias",
                "dónde están ubicados",
                "a qué hora abren",
                "quién es",
                "are you open on holidays",
                "is there parking",
                "how long have you been around",
                "wrong number",
                "what's the wifi password",
                "is this a bot",
                "do you have a restroom",
                "aceptan tarjeta",
                "están abiertos los domingos",
                "buenas tardes",
                "perdón, número equivocado",
                "ok perfecto",
            ],
            Goal::LeadCapture => &[
                "how much do you charge",
                "what are your prices",
                "can I get a quote",
                "what would it cost",
                "I'd like an estimate for the job",
                "send me your price list",
                "what's the rate for a small project",
                "do you have any deals or promotions right now",
                "is there a discount if I pay yearly",
                "I'm interested in your services, can you tell me more",
                "I want to learn more about what you offer",
                "what does the premium package cost",
                "roughly how much would that run me",
                "can you give me a rough figure",
                "how much for two hours",
                "what's the fee for a consultation",
                "is there a free trial",
                "we have a limited budget, what can you do for us",
                "could you send a proposal with pricing",
                "cuánto cuesta el servicio",
                "me pueden dar una cotización",
                "quisiera un presupuesto",
                "cuáles son sus precios",
                "estoy interesado en sus servicios",
                "tienen alguna promoción",
                "cuánto cobran por una limpieza",
                "what are your rates",
                "send me info about your packages",
                "I'm curious about your product, what does it cost",
                "what do you charge per hour",
                "can we talk pricing",
                "me interesa, mándenme información",
                "cuánto sale",
            ],
            Goal::HelpDeskSupport => &[
                "something is broken",
                "it stopped working",
                "I have a problem with my order",
                "I can't log in to my account",
                "I forgot my password",
                "the app keeps crashing",
                "my package never arrived",
                "the item arrived damaged",
                "you charged me twice",
                "there is an error on my bill",
                "I was overcharged",
                "I want a refund",
                "the device won't turn on",
                "water is leaking under the sink",
                "the internet is down",
                "my order is late",
                "I got the wrong item",
                "the screen is frozen",
                "nothing happens when I press the button",
                "I need someone to fix this",
                "the heater is making a weird noise",
                "I cancelled but you still charged me",
                "no funciona",
                "tengo un problema con mi cuenta",
                "mi pedido no ha llegado",
                "me cobraron de más",
                "necesito ayuda urgente",
                "se rompió",
                "no puedo entrar a mi cuenta",
                "I was charged twice for the same order",
                "nobody showed up or called me back",
                "you fixed it but it's still not working",
                "the payment failed but the money left my account",
                "since the repair it keeps happening",
                "my order still hasn't come",
                "hace un ruido raro",
                "no enciende",
                "hay una fuga",
            ],
            Goal::SalesInquiry => &[
                "I want to buy this",
                "I'd like to place an order",
                "do you have this in stock",
                "is it available in a larger size",
                "do you sell gift cards",
                "can I order online and pick it up",
                "which plan should I choose",
                "I want to upgrade my subscription",
                "can I add more users to my account",
                "can I switch to yearly billing",
                "do you ship to Canada",
                "do you deliver on Sundays",
                "do you have it in a different color",
                "can a sales rep call me",
                "I'd like to purchase ten units",
                "when will the new model be available, I want one",
                "can you hold one for me",
                "I want to renew my license",
                "quiero comprar dos",
                "quisiera hacer un pedido",
                "tienen esto en existencia",
                "lo tienen en otro color",
                "hacen envíos a domicilio",
                "venden tarjetas de regalo",
                "qué plan me recomiendan",
            ],
            Goal::AppointmentBooking => &[
                "can I book an appointment",
                "do you have any openings this week",
                "I'd like to schedule a visit",
                "is there availability tomorrow morning",
                "can I come in on Tuesday at 2",
                "I need to reschedule my appointment",
                "please cancel my appointment",
                "can we move it to next Friday",
                "what times are free on Saturday",
                "can we set up a call",
                "let's meet next week",
                "I'd like to reserve a table for two",
                "book me for a haircut",
                "is 4pm still open",
                "when is the next available slot",
                "can you fit me in today",
                "can a technician come out on Monday",
                "I want to schedule a demo call",
                "quiero hacer una cita",
                "tienen disponibilidad el lunes",
                "puedo agendar una visita",
                "necesito cambiar mi cita",
                "quisiera reservar para el sábado",
                "a qué hora pueden venir",
                "cancelar mi cita por favor",
                "can I change my appointment time",
                "can we push it to later in the day",
                "I'd like to come by on Thursday",
                "can someone come out to my house",
                "do you have space on Saturday morning",
                "puedo ir mañana a las 10",
                "tienen espacio el viernes",
                "pueden venir a mi casa",
            ],
        }
    }

    /// The goals whose built-in examples count for this one: asking for a price or a quote is a sales
    /// question too, so Sales Inquiry also matches Lead Capture's examples.
    pub fn example_goals(self) -> &'static [Goal] {
        match self {
            Goal::GeneralInquiry => &[Goal::GeneralInquiry],
            Goal::LeadCapture => &[Goal::LeadCapture],
            Goal::HelpDeskSupport => &[Goal::HelpDeskSupport],
            Goal::SalesInquiry => &[Goal::SalesInquiry, Goal::LeadCapture],
            Goal::AppointmentBooking => &[Goal::AppointmentBooking],
        }
    }

    /// Built-in keywords and phrases (English and Spanish). Inflections and accents are handled by
    /// the matcher's normalisation, so each entry is written once in its plain form.
    pub fn builtin_keywords(self) -> &'static [&'static str] {
        match self {
            Goal::GeneralInquiry => &[],
            Goal::LeadCapture => &[
                "pricing",
                "price",
                "quote",
                "interested",
                "budget",
                "estimate",
                "cost",
                "how much",
                "rates",
                "ballpark",
                "free trial",
                "demo",
                "learn more",
                "more info",
                "more information",
                "sign up",
                "promo",
                "promo code",
                "cheaper",
                "affordable",
                "precio",
                "cotizacion",
                "presupuesto",
                "interesado",
                "interesada",
                "cuanto cuesta",
                "cuanto cobran",
            ],
            Goal::HelpDeskSupport => &[
                "support",
                "help",
                "issue",
                "problem",
                "broken",
                "not working",
                "stopped working",
                "doesnt work",
                "wont work",
                "error",
                "bug",
                "crash",
                "leak",
                "locked out",
                "account locked",
                "cant log in",
                "cant login",
                "password",
                "reset",
                "refund",
                "complaint",
                "damaged",
                "mistake",
                "overcharged",
                "billed",
                "charged twice",
                "late",
                "missing",
                "never arrived",
                "troubleshoot",
                "ayuda",
                "problema",
                "soporte",
                "no funciona",
                "roto",
                "rota",
                "danado",
                "reembolso",
            ],
            Goal::SalesInquiry => &[
                "buy",
                "purchase",
                "order",
                "pricing",
                "price",
                "quote",
                "cost",
                "how much",
                "budget",
                "estimate",
                "discount",
                "deal",
                "promo",
                "promo code",
                "coupon",
                "sale",
                "sales",
                "in stock",
                "plan",
                "subscription",
                "upgrade",
                "license",
                "bulk",
                "wholesale",
                "cheaper",
                "interested",
                "do you sell",
                "do you carry",
                "do you deliver",
                "delivery options",
                "shipping",
                "comprar",
                "precio",
                "cotizacion",
                "presupuesto",
                "descuento",
                "oferta",
                "pedido",
            ],
            Goal::AppointmentBooking => &[
                "appointment",
                "book",
                "booking",
                "schedule",
                "reschedule",
                "availability",
                "available",
                "opening",
                "slot",
                "reservation",
                "reserve",
                "meeting",
                "consultation",
                "calendar",
                "visit",
                "come in",
                "set up a call",
                "time slot",
                "cita",
                "reservar",
                "reserva",
                "agendar",
                "disponible",
                "turno",
                "horario",
            ],
        }
    }
}

impl std::fmt::Display for Goal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn goal_names_round_trip() {
        for goal in Goal::ALL {
            assert_eq!(Goal::parse(goal.as_str()), Some(goal));
            let json = serde_json::to_string(&goal).unwrap();
            assert_eq!(json, format!("\"{goal}\""));
        }
        assert_eq!(Goal::parse("sales"), None);
    }

    #[test]
    fn page_keywords_are_built_in() {
        for keyword in ["pricing", "quote", "interested", "budget"] {
            assert!(Goal::LeadCapture.builtin_keywords().contains(&keyword));
        }
        for keyword in ["support", "help", "issue", "problem"] {
            assert!(Goal::HelpDeskSupport.builtin_keywords().contains(&keyword));
        }
        assert!(Goal::GeneralInquiry.builtin_keywords().is_empty());
    }
}
