//! Choices said by what they are about rather than by their words: "I was rear-ended" is
//! `Personal injury`, "no puedo entrar a mi cuenta" is `Login`, "can we sit outdoors" is `Patio`.
//! Each topic names the words a choice may be written with and what people say about it, in
//! English and Spanish; a message picks a choice only when its cues point to that one choice.

use super::fold;

struct Topic {
    /// Words of a choice that name this topic (folded).
    choice_words: &'static [&'static str],
    /// What people write about it: folded words or phrases, each matched from the start of a word
    /// ("divorc" is "divorce", "divorcio", "divorciarme").
    cues: &'static [&'static str],
}

const TOPICS: &[Topic] = &[
    Topic {
        choice_words: &["family", "familia", "familiar", "divorce", "divorcio"],
        cues: &[
            "divorc",
            "custody",
            "custodia",
            "child support",
            "pension alimenticia",
            "alimony",
            "my ex ",
            "mi ex ",
            "adoption",
            "adopcion",
            "adoptar",
            "patria potestad",
            "visitation",
            "regimen de visitas",
            "prenup",
            "separation",
            "separacion",
            "guardianship",
        ],
    },
    Topic {
        choice_words: &[
            "immigration",
            "inmigracion",
            "migratorio",
            "migracion",
            "extranjeria",
        ],
        cues: &[
            "visa",
            "green card",
            "residencia",
            "residency",
            "citizenship",
            "ciudadania",
            "naturaliz",
            "deport",
            "asylum",
            "asilo",
            "papeles",
            "work permit",
            "permiso de trabajo",
            "permiso de residencia",
            "nie ",
            "uscis",
            "daca",
            "nacionalidad",
        ],
    },
    Topic {
        choice_words: &[
            "injury",
            "injuries",
            "lesiones",
            "lesion",
            "accidentes",
            "accidents",
        ],
        cues: &[
            "accident",
            "rear ended",
            "rear-ended",
            "hurt",
            "injur",
            "lastim",
            "herid",
            "lesion",
            "slipped",
            "resbal",
            "broke my",
            "me rompi",
            "choque",
            "chocaron",
            "atropell",
            "hit by",
            "whiplash",
            "fractur",
        ],
    },
    Topic {
        choice_words: &[
            "labor",
            "labour",
            "laboral",
            "employment",
            "empleo",
            "workplace",
        ],
        cues: &[
            "fired",
            "despid",
            "finiquito",
            "wrongful termination",
            "overtime",
            "horas extra",
            "unpaid wages",
            "my boss",
            "mi jefe",
            "mi patron",
            "liquidacion",
            "indemnizacion",
            "laid off",
            "acoso laboral",
        ],
    },
    Topic {
        choice_words: &[
            "estate",
            "herencias",
            "herencia",
            "sucesiones",
            "wills",
            "testamentos",
        ],
        cues: &[
            "a will",
            "my will",
            "testament",
            "trust for",
            "inheritance",
            "herencia",
            "hered",
            "fallec",
            "passed away",
            "probate",
            "sucesion",
        ],
    },
    Topic {
        choice_words: &["criminal", "penal"],
        cues: &[
            "arrest",
            "detuv",
            "detenid",
            "arrestad",
            "dui",
            "dwi",
            "jail",
            "carcel",
            "charged with",
            "police",
            "policia",
        ],
    },
    Topic {
        choice_words: &[
            "billing",
            "facturacion",
            "cobros",
            "pagos",
            "payments",
            "invoices",
        ],
        cues: &[
            "charged",
            "cobr",
            "factur",
            "invoice",
            "refund",
            "reembolso",
            "twice",
            "dos veces",
            "receipt",
            "recibo",
            "my card",
            "mi tarjeta",
        ],
    },
    Topic {
        choice_words: &["login", "acceso", "sign"],
        cues: &[
            "password",
            "contrasena",
            "log in",
            "sign in",
            "inicia sesion",
            "iniciar sesion",
            "entrar a mi cuenta",
            "no puedo entrar",
            "locked out",
            "bloquead",
            "acceder",
            "verification code",
            "codigo de verificacion",
            "reset link",
        ],
    },
    Topic {
        choice_words: &["bug", "errores", "fallo", "fallos"],
        cues: &[
            "crash",
            "se cierra",
            "se cuelga",
            "freez",
            "se traba",
            "glitch",
            "error",
            "pantalla en blanco",
            "blank screen",
            "won't load",
            "no carga",
        ],
    },
    Topic {
        choice_words: &["feature", "sugerencia", "funcionalidad"],
        cues: &[
            "would be nice",
            "would be great",
            "could you add",
            "can you add",
            "please add",
            "podrian agregar",
            "pueden agregar",
            "podrian anadir",
            "seria genial",
        ],
    },
    Topic {
        choice_words: &["diagnostics", "diagnostic", "diagnostico"],
        cues: &[
            "check engine",
            "engine light",
            "warning light",
            "battery light",
            "testigo",
            "luz del motor",
            "hesitat",
            "won't start",
            "wont start",
            "no arranca",
            "stalls",
            "se apaga",
            "smoke",
            "humo",
        ],
    },
    Topic {
        choice_words: &["brake", "brakes", "frenos", "freno"],
        cues: &["squeak", "squeal", "grind", "rechin", "chirri"],
    },
    Topic {
        choice_words: &[
            "patio", "terraza", "terrace", "outdoor", "outside", "exterior",
        ],
        cues: &[
            "outside",
            "outdoor",
            "afuera",
            "al aire libre",
            "open air",
            "heated",
        ],
    },
    Topic {
        choice_words: &[
            "indoor", "indoors", "inside", "interior", "dentro", "comedor",
        ],
        cues: &["inside", "indoors", "adentro", "air conditioning"],
    },
    Topic {
        choice_words: &["pickup", "recoger", "recogida", "collection"],
        cues: &[
            "pick it up",
            "pick up",
            "come get",
            "paso a recoger",
            "paso por",
            "lo recojo",
        ],
    },
    Topic {
        choice_words: &["flexible", "anytime", "whenever", "cualquier"],
        cues: &[
            "no rush",
            "no hurry",
            "whenever",
            "any time",
            "anytime",
            "not urgent",
            "sin prisa",
            "no hay prisa",
            "no hay apuro",
            "sin apuro",
            "no es urgente",
            "cuando sea",
            "cuando puedan",
        ],
    },
    Topic {
        choice_words: &[
            "today",
            "hoy",
            "urgent",
            "urgente",
            "asap",
            "emergency",
            "emergencia",
        ],
        cues: &[
            "asap",
            "right away",
            "right now",
            "as soon as possible",
            "lo antes posible",
            "cuanto antes",
            "ya mismo",
            "de inmediato",
        ],
    },
    Topic {
        choice_words: &[
            "friend",
            "friends",
            "referral",
            "referred",
            "amigo",
            "amigos",
            "recomendacion",
            "referido",
        ],
        cues: &[
            "recommend",
            "referred",
            "told me about",
            "word of mouth",
            "my friend",
            "my neighbor",
            "my neighbour",
            "my coworker",
            "recomend",
            "me hablo de",
            "me dijo de",
            "un amigo",
            "una amiga",
            "mi vecin",
        ],
    },
    Topic {
        choice_words: &["google", "internet", "online", "web"],
        cues: &[
            "googl",
            "searched",
            "search online",
            "busque en internet",
            "en internet",
        ],
    },
    Topic {
        choice_words: &["couple", "couples", "pareja", "parejas"],
        cues: &[
            "my husband",
            "my wife",
            "my partner",
            "my boyfriend",
            "my girlfriend",
            "my fiance",
            "the two of us",
            "both of us",
            "mi marido",
            "mi esposo",
            "mi esposa",
            "mi mujer",
            "mi novio",
            "mi novia",
            "mi pareja",
            "los dos",
            "las dos",
        ],
    },
    Topic {
        choice_words: &["delivery", "domicilio", "envio", "entrega"],
        cues: &[
            "deliver",
            "bring it",
            "send it",
            "a domicilio",
            "me lo traen",
            "me lo envian",
        ],
    },
    Topic {
        choice_words: &["math", "maths", "matematicas", "mates", "matematica"],
        cues: &[
            "fraction",
            "fraccion",
            "equation",
            "ecuacion",
            "algebra",
            "geometr",
            "calculus",
            "calculo",
            "trigonometr",
            "multiplica",
            "arithmetic",
            "aritmetica",
            "long division",
            "decimales",
        ],
    },
    Topic {
        choice_words: &["bathroom", "bano", "banos", "bath"],
        cues: &[
            "bath ", "bathtub", "tub ", "shower", "ducha", "banera", "toilet", "inodoro", "vanity",
            "lavabo", "alicat",
        ],
    },
    Topic {
        choice_words: &["kitchen", "cocina"],
        cues: &[
            "countertop",
            "cabinets",
            "encimera",
            "gabinetes",
            "alacena",
            "backsplash",
            "fregadero",
        ],
    },
];

/// The one choice the message is about by meaning, when its words name none.
pub(super) fn choice_by_topic(text: &str, choices: &[String]) -> Option<String> {
    let folded = format!(
        " {} ",
        fold(text)
            .chars()
            .map(|c| if c.is_alphanumeric() || c == '\'' {
                c
            } else {
                ' '
            })
            .collect::<String>()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    );
    let said = |cue: &str| folded.contains(&format!(" {}", cue.replace('-', " ")));
    let mut about = choices.iter().filter(|choice| {
        let words = super::choice_words(choice);
        TOPICS.iter().any(|topic| {
            words
                .iter()
                .any(|w| topic.choice_words.contains(&w.as_str()))
                && topic.cues.iter().any(|cue| said(cue))
        })
    });
    let first = about.next()?;
    about.next().is_none().then(|| first.clone())
}
