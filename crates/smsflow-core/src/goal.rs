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

    /// The goal's name as people read it, for pages and the terminal ("Appointment Booking").
    pub fn label(self) -> &'static str {
        match self {
            Goal::GeneralInquiry => "General Inquiry",
            Goal::LeadCapture => "Lead Capture",
            Goal::HelpDeskSupport => "Help Desk Support",
            Goal::SalesInquiry => "Sales Inquiry",
            Goal::AppointmentBooking => "Appointment Booking",
        }
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

    /// Example messages (English and Spanish) the goal classifier learns the goal from (see
    /// [`crate::classifier`]), written for this list. The catch-all's examples are the class "none of
    /// these": greetings, thanks, confirmations, lateness, jobs, hours, directions, payment methods,
    /// asking for a person, wrong numbers, opt-outs and spam.
    pub fn builtin_examples(self) -> &'static [&'static str] {
        match self {
            Goal::GeneralInquiry => &[
                "running about 10 minutes late, sorry",
                "on my way",
                "be there in 5",
                "we're here, parked out front",
                "got it, thanks!",
                "perfect, thank you",
                "ok cool 👍",
                "see you tomorrow",
                "confirmed",
                "yes",
                "C",
                "are you hiring?",
                "I'd like to apply for the receptionist job",
                "do you have any job openings",
                "are you open on Christmas eve",
                "what time do you close today",
                "are you open this Sunday",
                "how do I get to your office from the highway",
                "is there parking nearby",
                "can I pay with Venmo or Zelle",
                "do you take Apple Pay",
                "can I talk to a real person",
                "I want to speak to someone",
                "is this a real person or a bot?",
                "sorry wrong number",
                "who gave you my number",
                "remove me from this list",
                "Congratulations! You won a $500 gift card, click here to claim",
                "your account has been suspended, verify at this link",
                "happy new year to the whole team!",
                "lol ok",
                "never mind, figured it out",
                "it works now, thanks for your help",
                "llego 10 minutos tarde",
                "ya voy en camino",
                "estamos afuera",
                "listo, gracias",
                "vale, perfecto",
                "sí, confirmo",
                "nos vemos mañana",
                "buscan personal?",
                "quiero trabajar con ustedes, a dónde mando mi cv",
                "abren el día festivo?",
                "a qué hora cierran hoy",
                "cómo llego a su local",
                "hay estacionamiento?",
                "puedo pagar con Bizum o transferencia",
                "aceptan efectivo",
                "quiero hablar con una persona",
                "quién me escribe?",
                "número equivocado, disculpe",
                "BAJA",
                "no me manden más mensajes",
                "ya funcionó, gracias",
                "feliz navidad!",
                "ok gracias, igualmente",
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
                "do you take Blue Cross insurance?",
                "is this covered by my insurance",
                "do you offer payment plans",
                "can I pay in monthly installments",
                "what's the difference in price between the basic and the pro plan",
                "do you have a student discount",
                "any specials for first time customers?",
                "how much is a men's haircut",
                "how much to replace a water heater",
                "ballpark cost for a bathroom remodel?",
                "what's the price per person for the tasting menu",
                "do you charge for estimates",
                "is the consultation free",
                "can you send me a quote for 3 rooms",
                "I'm interested in the yoga classes, how does it work",
                "tell me more about your catering service",
                "add me to the waitlist please",
                "let me know when you launch",
                "sign me up for your newsletter",
                "text me when the new collection is in, I'm interested",
                "how much is the monthly membership",
                "what does a teeth cleaning cost without insurance",
                "aceptan el seguro de Sanitas?",
                "trabajan con mi aseguradora?",
                "tienen planes de pago",
                "cuánto cuesta el corte y el tinte",
                "precio de una consulta?",
                "cuánto me saldría cambiar el calentador",
                "hacen presupuesto sin compromiso?",
                "tienen descuento para estudiantes",
                "me interesa el curso, qué incluye",
                "avísenme cuando abran, me interesa",
                "cuánto sale la mensualidad del gimnasio",
                "qué precio tiene el menú del día",
                "how much for the big plan per month?",
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
                "the plumber never showed up",
                "I waited two hours and nobody came",
                "your technician left a mess and the leak is back",
                "the repair didn't hold, it's dripping again",
                "any update on my ticket?",
                "I still haven't heard back about my complaint",
                "the waiter was really rude to us last night",
                "I'm not happy with my haircut",
                "my tooth still hurts after the filling",
                "I have a lot of pain since the procedure",
                "the pizza came cold and missing a drink",
                "you sent me the wrong size",
                "I need to return this, it doesn't fit",
                "how do I get my money back",
                "I can't reset my password, the email never comes",
                "the app logs me out every time",
                "invite links are not working for my team",
                "the sync has been failing since yesterday",
                "my card was declined but I was still charged",
                "why was I billed again this month",
                "the AC is blowing warm air",
                "there's no hot water",
                "the toilet keeps running",
                "the lights keep flickering after your electrician came",
                "I NEED TO TALK TO SOMEONE ABOUT MY BILL",
                "el técnico nunca vino",
                "esperé dos horas y nadie me atendió",
                "sigue goteando después del arreglo",
                "alguna novedad de mi reclamo?",
                "el pedido llegó incompleto",
                "me mandaron la talla equivocada",
                "quiero devolver esto",
                "la app se cierra sola",
                "no me llega el correo para cambiar la contraseña",
                "me cobraron dos veces",
                "me duele mucho desde la extracción",
                "no hay agua caliente",
                "el aire no enfría",
                "la comida llegó fría",
                "estoy muy molesto con el servicio",
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
                "I'd like to order two large pepperonis for pickup",
                "can I get the pad thai to go",
                "do you deliver to my area",
                "how long does shipping take",
                "do you have the blue one in a medium",
                "is the 12 inch model back in stock",
                "can I buy a gift card for my mom",
                "I want to add 5 more seats to our account",
                "please upgrade us to the business plan",
                "I'd like to renew for another year",
                "does the pro plan include SSO",
                "does it work with Quickbooks",
                "can I speak to someone in sales",
                "do you sell replacement filters",
                "do you carry gluten free options to take home",
                "can I order the cake for Saturday",
                "I want to buy the shampoo I used at the salon",
                "can I reserve the jacket until Friday",
                "do you ship internationally",
                "quiero pedir dos hamburguesas para llevar",
                "hacen delivery a mi zona?",
                "tienen la talla M en negro",
                "les queda stock del modelo grande?",
                "quiero comprar una tarjeta regalo",
                "quiero agregar 3 usuarios más",
                "quiero pasar al plan anual",
                "el plan pro incluye facturación?",
                "me pueden apartar uno?",
                "venden repuestos?",
                "quiero encargar una torta para el sábado",
                "cuánto tarda el envío",
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
                "I'll be late, can we start at 4 instead?",
                "can I move my cleaning to next month",
                "need to cancel tomorrow's appointment",
                "do you take walk-ins today",
                "can you send a tech out this afternoon",
                "heat went out, earliest you can send someone?",
                "can I get in for a checkup next week",
                "I'd like to book a demo for my team",
                "can we schedule a call Thursday",
                "table for 4 at 8 tonight?",
                "I'd like to book a fitting for my dress",
                "can I see the apartment this weekend",
                "do you have any spots for swim lessons on Saturdays",
                "can I sign my kid up for the 5pm class",
                "any chance of a cut and color Friday morning",
                "can the dentist see me today, my tooth hurts",
                "is the doctor available tomorrow",
                "what's your first opening next week",
                "please confirm my appointment for Monday",
                "book me in with Sarah again",
                "me pueden dar turno para el martes",
                "quiero pedir hora con el dentista",
                "tienen hueco esta semana?",
                "puedo cambiar la cita al jueves",
                "necesito cancelar la cita de mañana",
                "mesa para 6 el viernes a las 9",
                "pueden mandar a alguien hoy a revisar la caldera",
                "me duele una muela, me pueden atender hoy?",
                "quiero agendar una demo",
                "llego tarde, podemos pasarlo a las 5?",
                "quiero reservar una clase de prueba",
                "tienen disponibilidad para ver el departamento",
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

    /// The goals whose probability counts for this one when matching by meaning: asking for a price
    /// or a quote is a sales question too, so Sales Inquiry also matches what is about Lead Capture.
    pub fn example_goals(self) -> &'static [Goal] {
        match self {
            Goal::GeneralInquiry => &[Goal::GeneralInquiry],
            Goal::LeadCapture => &[Goal::LeadCapture],
            Goal::HelpDeskSupport => &[Goal::HelpDeskSupport],
            Goal::SalesInquiry => &[Goal::SalesInquiry, Goal::LeadCapture],
            Goal::AppointmentBooking => &[Goal::AppointmentBooking],
        }
    }

    /// Built-in keywords (English and Spanish): the product page's four per goal and their Spanish
    /// equivalents. They are defaults a workflow can turn off one by one (`disabled_keywords`).
    /// Inflections and accents are handled by the matcher's normalisation, so each entry is written
    /// once in its plain form. Broader words are in [`Goal::optional_keywords`].
    pub fn builtin_keywords(self) -> &'static [&'static str] {
        match self {
            Goal::GeneralInquiry => &[],
            Goal::LeadCapture => &[
                "pricing",
                "quote",
                "interested",
                "budget",
                "precio",
                "cotizacion",
                "presupuesto",
                "interesado",
                "interesada",
            ],
            Goal::HelpDeskSupport => &[
                "support", "help", "issue", "problem", "soporte", "ayuda", "problema",
            ],
            Goal::SalesInquiry => &[
                "buy",
                "purchase",
                "discount",
                "in stock",
                "comprar",
                "descuento",
                "en existencia",
            ],
            Goal::AppointmentBooking => &[
                "appointment",
                "book",
                "schedule",
                "reschedule",
                "cita",
                "agendar",
                "reservar",
            ],
        }
    }

    /// Keywords a business may add to a workflow (they are off by default): common words for the
    /// goal that also occur in messages about something else ("late", "order", "visit"), so by
    /// default the classifier judges such messages by their meaning.
    pub fn optional_keywords(self) -> &'static [&'static str] {
        match self {
            Goal::GeneralInquiry => &[],
            Goal::LeadCapture => &[
                "price",
                "estimate",
                "cost",
                "how much",
                "rates",
                "ballpark",
                "free trial",
                "demo",
                "learn more",
                "more info",
                "sign up",
                "promo code",
                "affordable",
                "cuanto cuesta",
                "cuanto cobran",
            ],
            Goal::HelpDeskSupport => &[
                "broken",
                "not working",
                "stopped working",
                "error",
                "bug",
                "crash",
                "leak",
                "locked out",
                "cant log in",
                "password",
                "reset",
                "refund",
                "complaint",
                "damaged",
                "overcharged",
                "charged twice",
                "late",
                "missing",
                "never arrived",
                "no funciona",
                "roto",
                "reembolso",
            ],
            Goal::SalesInquiry => &[
                "order",
                "deal",
                "coupon",
                "sale",
                "plan",
                "subscription",
                "upgrade",
                "license",
                "bulk",
                "wholesale",
                "do you sell",
                "do you carry",
                "shipping",
                "oferta",
                "pedido",
            ],
            Goal::AppointmentBooking => &[
                "booking",
                "availability",
                "available",
                "opening",
                "slot",
                "reservation",
                "meeting",
                "consultation",
                "calendar",
                "visit",
                "come in",
                "set up a call",
                "reserva",
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
        // The long tail is opt-in: being late is not a help-desk matter by itself.
        assert!(!Goal::HelpDeskSupport.builtin_keywords().contains(&"late"));
        assert!(Goal::HelpDeskSupport.optional_keywords().contains(&"late"));
    }
}
