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
                "fix",
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
