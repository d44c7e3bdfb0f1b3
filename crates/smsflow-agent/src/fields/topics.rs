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
            "pension de alimentos",
            "cuota alimentaria",
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
            "twist",
            "sprain",
            "torci",
            "esguince",
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
            "redundan",
            "at work",
            "on the job",
            "workers comp",
            "en el trabajo",
            "en la obra",
            "andamio",
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
            "cobro",
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
        choice_words: &["refund", "reembolso", "reintegro"],
        cues: &[
            "money back",
            "my money",
            "mi dinero",
            "el dinero",
            "mi plata",
            "la plata",
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
    // Trades: what is wrong says which service fixes it.
    Topic {
        choice_words: &[
            "drain",
            "drains",
            "desague",
            "destape",
            "desatasco",
            "destapar",
        ],
        cues: &[
            "clog",
            "backed up",
            "backing up",
            "won't drain",
            "wont drain",
            "not draining",
            "won't go down",
            "wont go down",
            "atasc",
            "tapad",
            "tapon",
            "no baja el agua",
            "no drena",
        ],
    },
    Topic {
        choice_words: &[
            "locksmith",
            "lockout",
            "cerrajeria",
            "cerrajero",
            "apertura",
        ],
        cues: &[
            "no puedo entrar",
            "me quede afuera",
            "quede afuera",
            "locked out",
            "locked myself out",
            "lost my keys",
            "keys inside",
            "keys locked",
            "me quede fuera",
            "me he quedado fuera",
            "llaves dentro",
            "llaves adentro",
            "perdi las llaves",
            "cerradura",
        ],
    },
    Topic {
        choice_words: &[
            "repair",
            "repairs",
            "reparacion",
            "arreglo",
            "fix",
            "averia",
            "averias",
            "falla",
        ],
        cues: &[
            "no arranca",
            "won't start",
            "wont start",
            "no heat",
            "clicking",
            "grinding",
            "noise",
            "ruido",
            "won't prime",
            "not cooling",
            "isn't cooling",
            "isnt cooling",
            "not heating",
            "stopped working",
            "not working",
            "isn't working",
            "isnt working",
            "won't turn on",
            "wont turn on",
            "broke",
            "no enfria",
            "no calienta",
            "no funciona",
            "dejo de funcionar",
            "no prende",
            "no enciende",
            "se descompuso",
            "se rompio",
            "se ha roto",
            "no hot water",
            "leaking",
            "leaks",
            "banging",
            "bota agua",
            "pierde agua",
            "gotea",
        ],
    },
    Topic {
        choice_words: &["brake", "brakes", "frenos", "freno"],
        cues: &[
            "squeak",
            "squeal",
            "grind",
            "rechin",
            "chirri",
            "frenando",
            "al frenar",
            "frena mal",
            "when i brake",
        ],
    },
    // A driving licence by what it lets you drive, as Spain names them: `B` is a car's.
    Topic {
        choice_words: &["b"],
        cues: &[
            "carnet de coche",
            "carne de coche",
            "permiso de coche",
            "licencia de coche",
            "carnet del coche",
            "car licence",
            "car license",
        ],
    },
    // A level for someone who has never done it: "no sabe nadar", "nunca ha tomado clases".
    Topic {
        choice_words: &[
            "principiante",
            "principiantes",
            "iniciacion",
            "inicial",
            "beginner",
            "beginners",
            "novice",
            "basico",
            "basica",
        ],
        cues: &[
            "nunca",
            "no sabe",
            "no se nadar",
            "never",
            "doesn't know how",
            "doesnt know how",
            "desde cero",
            "de cero",
            "from scratch",
            "basico",
            "first time",
            "primera vez",
        ],
    },
    Topic {
        choice_words: &["business", "negocio", "empresa", "empresarial"],
        cues: &[
            "biz",
            "llc",
            "my company",
            "our company",
            "small business",
            "corporation",
            "s corp",
            "mi negocio",
            "mi empresa",
        ],
    },
    Topic {
        choice_words: &["exotico", "exoticos", "exotic", "exotics"],
        cues: &[
            "conejo",
            "rabbit",
            "bunny",
            "huron",
            "ferret",
            "hamster",
            "cobaya",
            "cuyo",
            "guinea pig",
            "tortuga",
            "turtle",
            "tortoise",
            "iguana",
            "serpiente",
            "snake",
            "lizard",
            "lagarto",
            "chinchilla",
        ],
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
        cues: &["inside", "indoors", "adentro", "dentro", "air conditioning"],
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
        choice_words: &[
            "flexible",
            "anytime",
            "whenever",
            "cualquier",
            "low",
            "baja",
            "bajo",
            "prisa",
            "routine",
        ],
        cues: &[
            "no es urgente",
            "no urge",
            "cuando puedan",
            "cuando pueda",
            "when you can",
            "no corre prisa",
            "no big deal",
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
            "urge",
            "urgen",
            "emergenc",
            "hoy mismo",
            "same day",
        ],
    },
    // When in the day or week a course or shift runs: "turno de la mañana" is `Matutino`, "en
    // la noche porque trabajo" is `Nocturna`, "los sábados nada más" is `Sabatino`.
    Topic {
        choice_words: &["matutino", "matutina", "diurno", "diurna"],
        cues: &["manana", "mananas", "morning", "temprano", "early"],
    },
    Topic {
        choice_words: &["vespertino", "vespertina"],
        cues: &["tarde", "tardes", "afternoon"],
    },
    Topic {
        choice_words: &[
            "nocturno",
            "nocturna",
            "nocturnos",
            "nocturnas",
            "evening",
            "evenings",
        ],
        cues: &[
            "noche",
            "noches",
            "night",
            "evening",
            "after work",
            "despues del trabajo",
        ],
    },
    Topic {
        choice_words: &[
            "sabatino", "sabatina", "weekend", "weekends", "fin", "finde",
        ],
        cues: &[
            "sabado",
            "sabados",
            "domingo",
            "domingos",
            "saturday",
            "sunday",
            "weekend",
            "fin de semana",
            "finde",
        ],
    },
    // How a session is held: "por zoom mejor" is `Virtual`, "face to face" is `In person`.
    Topic {
        choice_words: &[
            "virtual",
            "online",
            "linea",
            "video",
            "videollamada",
            "telehealth",
            "remote",
            "remoto",
            "remota",
            "distancia",
        ],
        cues: &[
            "zoom",
            "google meet",
            "videollamada",
            "video call",
            "videocall",
            "facetime",
            "skype",
            "remot",
            "a distancia",
            "desde casa",
            "from home",
        ],
    },
    Topic {
        choice_words: &[
            "presencial",
            "person",
            "persona",
            "office",
            "oficina",
            "consultorio",
        ],
        cues: &[
            "en persona",
            "in person",
            "in-person",
            "face to face",
            "cara a cara",
            "en el consultorio",
            "ir al consultorio",
            "come in",
            "ir en persona",
        ],
    },
    // A class for someone expecting: "I'm 5 months pregnant" is `Prenatal`.
    Topic {
        choice_words: &[
            "prenatal",
            "prenatales",
            "embarazo",
            "embarazadas",
            "maternity",
        ],
        cues: &[
            "pregnan",
            "embarazad",
            "expecting",
            "weeks along",
            "semanas de embarazo",
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
            "post them",
            "post it",
            "mail them",
            "mail it",
            "ship them",
            "ship it",
            "send them",
            "mandarlos",
            "enviarlos",
            "me lo mandan",
            "me los mandan",
            "me la mandan",
            "me las mandan",
            "me lo mandas",
            "me lo envian a",
        ],
    },
    // "manos y pies", "hands and feet": each part names its own choice, both say the pair.
    Topic {
        choice_words: &["manicure", "manicura", "mani"],
        cues: &["hands", "manos", "fingernails", "finger nails"],
    },
    Topic {
        choice_words: &["pedicure", "pedicura", "pedi"],
        cues: &["feet", "toes", "toenails", "pies", "unas de los pies"],
    },
    Topic {
        choice_words: &["haircut", "corte"],
        cues: &[
            "corte de pelo",
            "corte y",
            "cortarme el pelo",
            "corte de cabello",
        ],
    },
    Topic {
        choice_words: &["beard", "barba"],
        cues: &["barba", "beard"],
    },
    Topic {
        choice_words: &["rodents", "rodent", "roedores", "roedor"],
        cues: &["mice", "mouse", "rats", "rat ", "ratas", "raton", "ratones"],
    },
    Topic {
        choice_words: &["maintenance", "mantenimiento"],
        cues: &[
            "tune up",
            "tuneup",
            "check up",
            "checkup",
            "yearly service",
            "annual service",
            "afinacion",
            "revision anual",
        ],
    },
    Topic {
        choice_words: &["screen", "pantalla"],
        cues: &["pantalla", "cracked screen", "shattered", "estrellad"],
    },
    Topic {
        choice_words: &["parent", "padre", "madre"],
        cues: &[
            "my mom",
            "my mother",
            "my dad",
            "my father",
            "mi mama",
            "mi papa",
            "mi madre",
            "mi padre",
        ],
    },
    Topic {
        choice_words: &["math", "maths", "matematicas", "mates", "matematica"],
        cues: &[
            "mates",
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
            "lavabo", "alicat", "bano ", "banos ",
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
    // Insurance claims and home repairs: what was hit, what broke, who rents.
    Topic {
        choice_words: &[
            "auto",
            "car",
            "vehicle",
            "vehiculo",
            "carro",
            "coche",
            "automovil",
        ],
        cues: &[
            "car ",
            "carro",
            "coche",
            "truck",
            "camioneta",
            "moto ",
            "motorcycle",
            "windshield",
            "parabrisas",
            "hood ",
            "bumper",
            "defensa",
            "fender",
            "parking lot",
            "rear ended",
            "backed into",
            "vehicle",
            "vehiculo",
        ],
    },
    Topic {
        choice_words: &[
            "home",
            "house",
            "casa",
            "hogar",
            "homeowners",
            "vivienda",
            "property",
        ],
        cues: &[
            "pipe",
            "tuberia",
            "tubo ",
            "kitchen",
            "roof",
            "techo",
            "basement",
            "sotano",
            "flood",
            "inund",
            "leak",
            "gotera",
            "burst",
            "my house",
            "our house",
            "mi casa",
            "ceiling",
            "water heater",
            "calentador",
        ],
    },
    Topic {
        choice_words: &[
            "renters",
            "renter",
            "tenant",
            "inquilino",
            "inquilinos",
            "arrendatario",
            "alquiler",
        ],
        cues: &[
            "i rent",
            "we rent",
            "renting",
            "rental",
            "alquilo",
            "alquilamos",
            "rento ",
            "rentamos",
            "inquilin",
            "arriendo",
            "landlord",
        ],
    },
    Topic {
        choice_words: &["robo", "theft", "stolen", "burglary", "hurto", "robbery"],
        cues: &[
            "robaron",
            "robo ",
            "nicked",
            "stolen",
            "stole",
            "broke in",
            "break in",
            "broken into",
            "se metieron",
            "burglar",
            "hurtaron",
            "asalt",
        ],
    },
    // A spouse named says the texter is married: "my wife and I want to set up a trust".
    Topic {
        choice_words: &["married", "casado", "casada", "casados"],
        cues: &[
            "my wife",
            "my husband",
            "mi esposa",
            "mi esposo",
            "mi marido",
        ],
    },
    // A car that will not start needs a jump: "car won't start, think the battery's dead".
    Topic {
        choice_words: &["jump"],
        cues: &[
            "battery",
            "bateria",
            "won't start",
            "wont start",
            "no arranca",
        ],
    },
    Topic {
        choice_words: &["choque", "collision", "colision", "crash"],
        cues: &[
            "chocaron",
            "choque",
            "crash",
            "rear ended",
            "backed into",
            "hit my",
            "me pegaron",
        ],
    },
    // How soon: a problem that cannot wait.
    Topic {
        choice_words: &[
            "emergency",
            "emergencia",
            "urgent",
            "urgente",
            "high",
            "alta",
            "asap",
            "immediate",
            "inmediato",
            "critical",
            "critica",
        ],
        cues: &[
            "now ",
            "right away",
            "asap",
            "immediately",
            "emergency",
            "flooding",
            "water everywhere",
            "water coming",
            "completely stuck",
            "can't work",
            "cant work",
            "nobody can",
            "no one can",
            "urgentisim",
            "ya mismo",
            "cuanto antes",
            "lo antes posible",
            "de inmediato",
            "saliendo agua",
            "por todos lados",
            "no podemos trabajar",
            // A pipe that bursts: "water is everywhere", "sale agua a chorro".
            "everywhere",
            "a chorro",
            "burst",
            "reventad",
            "se reviento",
        ],
    },
    // Why a visit: a pet or a person who is ill, hurt, in pain, or due for shots.
    Topic {
        choice_words: &[
            "sick",
            "enfermedad",
            "enfermo",
            "enferma",
            "illness",
            "malestar",
        ],
        cues: &[
            "vomit",
            "throwing up",
            "threw up",
            "no come",
            "not eating",
            "won't eat",
            "fever",
            "fiebre",
            "diarrhea",
            "diarrea",
            "cough",
            "gripa",
            "gripe",
            "enferm",
            "lethargic",
            "decaid",
        ],
    },
    Topic {
        choice_words: &["dolor", "pain", "toothache", "ache"],
        cues: &[
            "duele",
            "hurts",
            "hurting",
            "killing me",
            "ache",
            "pain",
            "dolor",
            "molestia",
        ],
    },
    Topic {
        choice_words: &["security", "seguridad"],
        cues: &[
            "ransomware",
            "virus",
            "malware",
            "hacked",
            "hackearon",
            "phishing",
            "breach",
            "ransom",
        ],
    },
    // Returns: why it goes back.
    Topic {
        choice_words: &["size", "sizes", "talla", "tamano"],
        cues: &[
            "too small",
            "too big",
            "too large",
            "too tight",
            "too loose",
            "doesn't fit",
            "doesnt fit",
            "don't fit",
            "dont fit",
            "didn't fit",
            "didnt fit",
            "no me queda",
            "no me quedan",
            "me queda chic",
            "me quedan chic",
            "me queda grande",
            "me quedan grande",
            "apretad",
        ],
    },
    // What happened, as an injury lawyer's choices name it.
    Topic {
        choice_words: &["slip", "fall", "caida", "caidas", "resbalon"],
        cues: &[
            "slipped", "slip ", "tripped", "i fell", "fell ", "resbal", "me cai", "se cayo",
            "tropec",
        ],
    },
    // An event for a workplace: "holiday party for my office".
    Topic {
        choice_words: &[
            "corporate",
            "corporativo",
            "corporativa",
            "empresarial",
            "company",
        ],
        cues: &[
            "office",
            "oficina",
            "company",
            "empresa",
            "work party",
            "coworkers",
            "team building",
            "compañeros de trabajo",
            "companeros de trabajo",
            "del trabajo",
            "staff",
        ],
    },
    // A girl's fifteenth birthday, as Latin America names it.
    Topic {
        choice_words: &["xv", "quince", "quinceanera", "quinceaneras"],
        cues: &["quince", "quinceaner", "xv "],
    },
    Topic {
        choice_words: &[
            "cetaceos",
            "cetaceans",
            "whale",
            "whales",
            "ballenas",
            "delfines",
        ],
        cues: &["ballena", "whale", "delfin", "dolphin", "orca", "cetace"],
    },
    // Water damage, by what leaked or flooded.
    Topic {
        choice_words: &["agua", "water"],
        cues: &[
            "tuberia",
            "caneria",
            "inund",
            "fuga",
            "gotera",
            "filtracion",
            "pipe",
            "flood",
            "leak",
            "burst",
        ],
    },
    // A tooth that hurts or broke needs seeing now.
    Topic {
        choice_words: &["emergency", "emergencia", "urgencia"],
        cues: &[
            "chipped",
            "broke a tooth",
            "broken tooth",
            "cracked tooth",
            "toothache",
            "me duele",
            "dolor de muela",
            "se me rompio",
            "se me partio",
            "swollen",
            "hinchad",
            "knocked out",
        ],
    },
    // Tyres: a puncture is a repair, changing to the season's set is a swap.
    Topic {
        choice_words: &["flat", "pinchazo", "ponchadura", "puncture"],
        cues: &[
            "nail",
            "flat",
            "puncture",
            "patch",
            "pinch",
            "ponch",
            "clavo",
            "losing air",
            "pierde aire",
        ],
    },
    Topic {
        choice_words: &["swap", "seasonal", "changeover", "cambio"],
        cues: &[
            "winter tires",
            "summer tires",
            "snow tires",
            "studded",
            "my summers",
            "my winters",
            "put on",
            "swap",
            "de invierno",
            "de verano",
        ],
    },
    Topic {
        choice_words: &["storage", "store", "guardar", "guarda", "almacenaje"],
        cues: &["store", "storage", "guardar", "guardan", "almacen"],
    },
    // Studies at a university: "análisis matemático para la facu".
    Topic {
        choice_words: &[
            "universidad",
            "universitario",
            "universitaria",
            "university",
            "college",
        ],
        cues: &["facu", "universidad", "university", "college", "carrera"],
    },
    // A cooling system by what it does not do: "el aire no enfría", "AC isn't cooling".
    Topic {
        choice_words: &["ac", "clima", "aire", "cooling"],
        cues: &[
            "no enfria",
            "not cooling",
            "isn't cooling",
            "isnt cooling",
            "aire acondicionado",
            "el aire",
            "air conditioning",
            "a/c",
            "blowing warm",
        ],
    },
    // Taxes, and one's own as opposed to a business's: "mis taxes", "personal taxes".
    Topic {
        choice_words: &["fiscal", "tax", "taxes", "impuestos", "tributaria"],
        cues: &["impuesto", "hacienda", "irs", "declaracion de la renta"],
    },
    Topic {
        choice_words: &["individual", "personal", "personales"],
        cues: &[
            "my taxes",
            "mis taxes",
            "mis impuestos",
            "personal tax",
            "my tax return",
        ],
    },
    Topic {
        choice_words: &["fumigacion", "fumigation", "roaches", "cucarachas"],
        cues: &["cucaracha", "roach", "chinche", "pulga", "bed bug"],
    },
    Topic {
        choice_words: &["ortodoncia", "orthodontics", "braces"],
        cues: &[
            "brackets",
            "braces",
            "frenillos",
            "invisalign",
            "alineadores",
        ],
    },
];

/// How often, said in words: each meaning with the names a choice may give it and what people
/// say for it ("every other week" is `Biweekly`, "cada quince días" is `Quincenal`). "weekly"
/// ends "biweekly", so these are read as whole phrases before the choice's own words.
const HOW_OFTEN: &[(&[&str], &[&str])] = &[
    (
        &["one time", "once", "una vez", "unica vez", "puntual"],
        &[
            "one time",
            "just once",
            "only once",
            "this once",
            "one off",
            "single visit",
            "solo una vez",
            "una sola vez",
            "una vez nomas",
            "por unica vez",
            "una unica vez",
            "por esta vez",
        ],
    ),
    (
        &[
            "biweekly",
            "bi weekly",
            "fortnightly",
            "every other week",
            "quincenal",
            "cada dos semanas",
        ],
        &[
            "biweekly",
            "bi weekly",
            "fortnightly",
            "every fortnight",
            "every other week",
            "every two weeks",
            "every 2 weeks",
            "quincenal",
            "cada quince dias",
            "cada 15 dias",
            "cada dos semanas",
            "cada 2 semanas",
            "una semana si y otra no",
        ],
    ),
    (
        &["weekly", "every week", "semanal", "cada semana"],
        &[
            "weekly",
            "every week",
            "once a week",
            "each week",
            "semanal",
            "cada semana",
            "todas las semanas",
            "una vez a la semana",
            "una vez por semana",
        ],
    ),
    (
        &[
            "daily",
            "every day",
            "diario",
            "diaria",
            "todos los dias",
            "cada dia",
        ],
        &[
            "daily",
            "every day",
            "everyday",
            "each day",
            "every weekday",
            "monday to friday",
            "diario",
            "diaria",
            "a diario",
            "todos los dias",
            "cada dia",
            "de lunes a viernes",
        ],
    ),
    (
        &[
            "monthly",
            "every month",
            "mensual",
            "cada mes",
            "every 4 weeks",
            "cada 4 semanas",
        ],
        &[
            "monthly",
            "every month",
            "once a month",
            "mensual",
            "cada mes",
            "una vez al mes",
            "una vez por mes",
            "todos los meses",
        ],
    ),
    (
        &[
            "every 8 weeks",
            "every 2 months",
            "bimonthly",
            "bimestral",
            "cada 2 meses",
            "cada 8 semanas",
        ],
        &[
            "every couple of months",
            "every couple months",
            "every 2 months",
            "every two months",
            "every other month",
            "bimonthly",
            "bimestral",
            "cada 2 meses",
            "cada dos meses",
            "un mes si y otro no",
        ],
    ),
    (
        &["quarterly", "trimestral", "every 3 months", "cada 3 meses"],
        &[
            "3 months",
            "three months",
            "3 meses",
            "tres meses",
            "trimestre",
            "quarterly",
            "every quarter",
            "every 3 months",
            "every three months",
            "trimestral",
            "cada trimestre",
            "cada 3 meses",
            "cada tres meses",
        ],
    ),
    (
        &[
            "semestral",
            "semiannual",
            "semi annual",
            "biannual",
            "every 6 months",
            "cada 6 meses",
        ],
        &[
            "6 months",
            "six months",
            "6 meses",
            "seis meses",
            "semestre",
            "semestral",
            "semiannual",
            "semi annual",
            "twice a year",
            "half a year",
            "medio ano",
        ],
    ),
    (
        &[
            "annual",
            "annually",
            "yearly",
            "anual",
            "every year",
            "cada ano",
        ],
        &[
            "annual",
            "annually",
            "yearly",
            "once a year",
            "every year",
            "12 months",
            "12 meses",
            "doce meses",
            "for the whole year",
            "for a full year",
            "anual",
            "cada ano",
            "todo el ano",
            "una vez al ano",
            "el ano completo",
        ],
    ),
];

/// The choice a message names by how often ("every other week" for `Biweekly`), the last one
/// said in a correction: only when a choice is that meaning's name.
pub(super) fn choice_by_frequency(
    text: &str,
    choices: &[String],
    correcting: bool,
) -> Option<String> {
    let folded = spaced(text);
    // "not ready to commit to weekly": a frequency refused a few words before is not chosen
    // ("no weekly" right before; "every week, no wait, every other week" corrects).
    let refused = |at: usize| {
        let before: Vec<&str> = folded[..at].split_whitespace().rev().take(5).collect();
        before.first() == Some(&"no")
            || before
                .iter()
                .any(|word| matches!(*word, "not" | "ni" | "sin" | "without" | "dont" | "don't"))
    };
    let said = HOW_OFTEN.iter().filter_map(|(names, phrases)| {
        let at = phrases
            .iter()
            .filter_map(|phrase| folded.find(&format!(" {phrase} ")))
            .filter(|at| !refused(*at))
            .min()?;
        let choice = choices
            .iter()
            .find(|choice| names.contains(&spaced(choice).trim()))?;
        Some((at, choice))
    });
    let chosen = if correcting {
        said.max_by_key(|(at, _)| *at)
    } else {
        said.min_by_key(|(at, _)| *at)
    };
    chosen.map(|(_, choice)| choice.clone())
}

/// Choices that name the first rung of a ladder of experience (folded, as they start).
const FIRST_RUNGS: &[&str] = &[
    "none",
    "ninguna",
    "ninguno",
    "beginner",
    "principiante",
    "iniciacion",
    "inicial",
    "novice",
    "novato",
    "first time",
    "never",
    "nunca",
    "no experience",
    "sin",
    "a1",
    "new",
    "nuevo",
    "nueva",
];

/// Choices that name a higher rung, which make the choices a ladder (folded, as they start).
const HIGHER_RUNGS: &[&str] = &[
    "some",
    "alguna",
    "intermediate",
    "intermedio",
    "intermedia",
    "advanced",
    "avanzado",
    "avanzada",
    "experienced",
    "experto",
    "confident",
    "improver",
    "open water",
    "a2",
    "b1",
    "returning",
    "existing",
    "established",
    "recurrente",
    "existente",
];

/// What people say of having no experience yet, or of coming for the first time.
const NO_EXPERIENCE: &[&str] = &[
    "never",
    "nunca",
    "first time",
    "primera vez",
    "de cero",
    "desde cero",
    "from scratch",
    "cero experiencia",
    "sin experiencia",
    "no experience",
    "zero experience",
    "ninguno tiene",
    "ninguna tiene",
    "none of us",
    "neither of",
    "beginner",
    "beginners",
    "principiante",
    "principiantes",
    "pretty new",
    "new to",
    "brand new",
    "novato",
    "novata",
];

/// The first rung of a ladder of experience, for a text that says there is none yet: "never
/// climbed before" is `First time`, "empiezo desde cero" `A1`, "ninguno tiene certificación"
/// `None`, "first time patient" `New patient`; only when the choices are such a ladder.
pub(super) fn first_rung(text: &str, choices: &[String]) -> Option<String> {
    // A rung opens the choice as whole words: "New patient", not "Newborn".
    let starts = |choice: &String, rungs: &[&str]| {
        let folded = spaced(choice);
        rungs
            .iter()
            .any(|rung| folded.starts_with(&format!(" {rung} ")))
    };
    let first = choices.iter().find(|choice| starts(choice, FIRST_RUNGS))?;
    choices
        .iter()
        .any(|choice| starts(choice, HIGHER_RUNGS))
        .then_some(())?;
    let folded = spaced(text);
    NO_EXPERIENCE
        .iter()
        .any(|cue| folded.contains(&format!(" {cue} ")))
        .then(|| first.clone())
}

/// Greetings that name a time of day and choose none: "buenas tardes, turno de la mañana".
pub(super) const GREETINGS: &[&str] = &[
    "buenas tardes",
    "buenas noches",
    "buenos dias",
    "buen dia",
    "good morning",
    "good afternoon",
    "good evening",
];

/// Spaced text without the greetings that name a time of day.
fn without_greetings(spaced: &str) -> String {
    GREETINGS.iter().fold(spaced.to_string(), |text, greeting| {
        text.replace(&format!(" {greeting} "), " ")
    })
}

/// The text folded, its words between single spaces and a space at each end.
pub(super) fn spaced(text: &str) -> String {
    format!(
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
    )
}

/// The one choice the message is about by meaning, when its words name none.
pub(super) fn choice_by_topic(text: &str, choices: &[String]) -> Option<String> {
    let folded = without_greetings(&spaced(text));
    // "no urge" says nothing is urgent: a cue right after "no" or "not" is refused, not said.
    let said = |cue: &str| {
        let cue = format!(" {}", cue.replace('-', " "));
        folded.match_indices(&cue).any(|(at, _)| {
            let before = &folded[..at];
            !(before.ends_with(" no") || before.ends_with(" not"))
        })
    };
    // How many of the topics said each choice is about: "manos y pies" is about two, which
    // `Manicure y pedicure` covers and `Manicure` does not; and whether the choice also names
    // a topic not said ("I slipped and broke my wrist" is about an injury, but not at work:
    // `Slip and fall` before `Workplace injury`).
    let about: Vec<(usize, bool, &String)> = choices
        .iter()
        .map(|choice| {
            let words = super::choice_words(choice);
            let naming = |word: &str| {
                TOPICS
                    .iter()
                    .filter(|topic| topic.choice_words.contains(&word))
                    .map(|topic| topic.cues.iter().any(|cue| said(cue)))
                    .collect::<Vec<bool>>()
            };
            let topics = TOPICS
                .iter()
                .filter(|topic| {
                    words
                        .iter()
                        .any(|w| topic.choice_words.contains(&w.as_str()))
                        && topic.cues.iter().any(|cue| said(cue))
                })
                .count();
            // A word of the choice whose every topic goes unsaid ("workplace").
            let other = words.iter().any(|word| {
                let topics = naming(word);
                !topics.is_empty() && !topics.contains(&true)
            });
            (topics, other, choice)
        })
        .filter(|(topics, _, _)| *topics > 0)
        .collect();
    let whole: Vec<(usize, bool, &String)> = about
        .iter()
        .copied()
        .filter(|(_, other, _)| !other)
        .collect();
    let about = if whole.is_empty() { about } else { whole };
    let most = about.iter().map(|(topics, _, _)| *topics).max()?;
    let mut best = about
        .iter()
        .filter(|(topics, _, _)| *topics == most)
        .map(|(_, _, choice)| choice);
    let first = best.next()?;
    best.next().is_none().then(|| (*first).clone())
}

/// What people write when they have never been, or have, to a field that asks whether this is a
/// first visit (`new_patient`, `primera_visita`, `first_time`).
const FIRST_VISIT: &[&str] = &[
    "first time",
    "first visit",
    "never been",
    "havent been",
    "new patient",
    "new client",
    "primera vez",
    "nunca he ido",
    "no he ido nunca",
    "nunca he venido",
    "no he venido nunca",
    "nunca ha ido",
    "paciente nuevo",
    "nuevo paciente",
    "cliente nuevo",
];
const BEEN_BEFORE: &[&str] = &[
    "been before",
    "been there before",
    "been in before",
    "already a patient",
    "returning",
    "ya soy paciente",
    "ya soy cliente",
    "ya he ido",
    "ya fui",
    "ya he venido",
];

/// The `Yes` or `No` (`Sí`/`No`) choice, when the choices are those two.
fn yes_or_no(choices: &[String], yes: bool) -> Option<String> {
    let find = |yes: bool| {
        choices
            .iter()
            .find(|choice| match fold(choice.trim()).as_str() {
                "yes" | "si" => yes,
                "no" => !yes,
                _ => false,
            })
            .cloned()
    };
    if choices.len() != 2 || find(!yes).is_none() {
        return None;
    }
    find(yes)
}

/// The yes or no to a field that asks whether this is a first visit (`new_patient`,
/// `primera_visita`): "no he ido nunca" is a yes, whatever "no" it says.
pub fn first_visit(field: &str, text: &str, choices: &[String]) -> Option<String> {
    yes_or_no(choices, says_first_visit(field, text)?)
}

/// Whether the text says this is a first visit, for a field whose name asks it; `None` when it
/// does not say.
fn says_first_visit(field: &str, text: &str) -> Option<bool> {
    if !super::field_says(
        field,
        &["new", "first", "primera", "primer", "nuevo", "nueva"],
    ) {
        return None;
    }
    let folded = spaced(&fold(text).replace('\'', ""));
    let said = |cues: &[&str]| cues.iter().any(|cue| folded.contains(&format!(" {cue} ")));
    // "never been there before" says a first visit, not "been there before".
    let been_before = BEEN_BEFORE.iter().any(|cue| {
        folded.match_indices(&format!(" {cue} ")).any(|(at, _)| {
            !["never", "havent", "not", "nunca"]
                .iter()
                .any(|refusal| folded[..at].ends_with(&format!(" {refusal}")))
        })
    });
    match (said(FIRST_VISIT), been_before) {
        (true, false) => Some(true),
        (false, true) => Some(false),
        _ => None,
    }
}

/// A yes-or-no choice about the thing its field names (`permit`, `referral`, `smoker`,
/// `mascotas`): saying the thing is a yes ("ya tengo mi learner's permit", "my surgeon gave me
/// a referral"), refusing it a no ("non smoker", "sin mascotas").
pub fn yes_or_no_by_field(field: &str, text: &str, choices: &[String]) -> Option<String> {
    let answer = |yes: bool| yes_or_no(choices, yes);
    answer(true)?;
    // Words of the field's name that name a thing, not a verb about it ("av_needed" has none).
    const ABOUT: &[&str] = &[
        "needed", "need", "needs", "has", "have", "wants", "want", "required", "tiene", "necesita",
        "requiere", "quiere",
    ];
    let folded_field = fold(field);
    let things: Vec<&str> = folded_field
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| word.len() >= 4 && !ABOUT.contains(word))
        .map(super::stem)
        .collect();
    let folded = fold(text);
    let words: Vec<&str> = folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .collect();
    let field_words: Vec<&str> = folded_field.split(|c: char| !c.is_alphanumeric()).collect();
    // What the texter says for the thing the field names ("I have a cat" for `pets`).
    let meant: Vec<Vec<&str>> = SAID_FOR
        .iter()
        .filter(|(names, _)| names.iter().any(|name| field_words.contains(name)))
        .flat_map(|(_, said)| said.iter().map(|phrase| phrase.split(' ').collect()))
        .collect();
    let at = (0..words.len()).find(|&at| {
        things.contains(&super::stem(words[at]))
            || meant.iter().any(|phrase| words[at..].starts_with(phrase))
    })?;
    let refused = words[at.saturating_sub(3)..at].iter().any(|word| {
        matches!(
            *word,
            "no" | "non"
                | "not"
                | "sin"
                | "never"
                | "dont"
                | "t"
                | "cant"
                | "nunca"
                | "without"
                | "ningun"
                | "ninguna"
        )
    });
    answer(!refused)
}

/// For a yes-or-no field about a thing (by a word of its name), what texters say that names
/// the thing without the field's word, in either language: a pet by its animal ("vamos con la
/// perra" for `mascota`), insurance by "seguro", leave to enter by "you can go in", sound and
/// projection by their equipment.
const SAID_FOR: &[(&[&str], &[&str])] = &[
    (
        &[
            "pet", "pets", "mascota", "mascotas", "animal", "animales", "dog", "dogs", "perro",
            "perros",
        ],
        &[
            "dog", "dogs", "puppy", "cat", "cats", "kitten", "perro", "perra", "perros", "perras",
            "perrito", "perrita", "perritos", "perritas", "gato", "gata", "gatos", "gatito",
            "gatita", "mascota", "mascotas", "pet", "pets",
        ],
    ),
    (
        &[
            "insurance",
            "insured",
            "seguro",
            "asegurado",
            "claim",
            "reclamo",
            "siniestro",
        ],
        &[
            "insurance",
            "insured",
            "insurer",
            "seguro",
            "aseguradora",
            "claim",
            "reclamo",
            "poliza",
            "filing with",
            "filing thru",
            "filing through",
            "filed with",
            "filed w",
            "filed through",
            "adjuster",
            "ajustador",
        ],
    ),
    (
        &[
            "homeowner",
            "owner",
            "owns",
            "own",
            "propietario",
            "dueno",
            "duenos",
            "propia",
        ],
        &[
            "we own",
            "i own",
            "own the",
            "own our",
            "own it",
            "homeowner",
            "homeowners",
            "somos duenos",
            "soy dueno",
            "soy duena",
            "soy propietario",
            "soy propietaria",
            "somos propietarios",
            "es propia",
            "casa propia",
        ],
    ),
    (
        &[
            "vaccinated",
            "vaccines",
            "vaccine",
            "vaccinations",
            "shots",
            "vacunas",
            "vacunado",
            "vacunada",
            "vacunados",
        ],
        &[
            "vaccinated",
            "vaccines",
            "vaccine",
            "vaccinations",
            "jabbed",
            "shots",
            "jabs",
            "vacunas",
            "vacunado",
            "vacunada",
            "vacunados",
            "vacunadas",
        ],
    ),
    (
        &["partner", "pareja", "acompanante"],
        &[
            "pareja",
            "partner",
            "with my wife",
            "with my husband",
            "with my girlfriend",
            "with my boyfriend",
            "con mi novia",
            "con mi novio",
            "con mi esposa",
            "con mi esposo",
            "con mi marido",
            "con mi mujer",
        ],
    ),
    (
        &[
            "enter", "entry", "access", "acceso", "entrar", "ingreso", "ingresar", "permiso",
        ],
        &[
            "go in",
            "come in",
            "let yourself in",
            "let yourselves in",
            "enter",
            "entrar",
            "pasar",
            "ingresar",
            "la llave",
            "las llaves",
            "the key",
            "a key",
        ],
    ),
    (
        &["av", "audio", "sound", "sonido", "projector", "proyector"],
        &[
            "projector",
            "proyector",
            "mic",
            "mics",
            "microphone",
            "microphones",
            "microfono",
            "microfonos",
            "speakers",
            "sound system",
            "equipo de sonido",
            "audio",
            "av",
        ],
    ),
    (
        &[
            "equipment",
            "gear",
            "equipo",
            "material",
            "rental",
            "alquiler",
        ],
        &[
            "equipment",
            "gear",
            "equipo",
            "material",
            "rent",
            "rentals",
            "alquilar",
        ],
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(choices: &[&str]) -> Vec<String> {
        choices.iter().map(|choice| choice.to_string()).collect()
    }

    #[test]
    fn a_yes_or_no_thing_said_by_what_names_it() {
        let yes_no = listed(&["Yes", "No"]);
        let si_no = listed(&["Sí", "No"]);
        let cases: &[(&str, &str, &[String], &str)] = &[
            ("pets", "I have a cat 🐈", &yes_no, "Yes"),
            ("mascota", "y vamos con la perra, es pequeña", &si_no, "Sí"),
            (
                "mascotas",
                "14 personas y llevamos 2 perritos",
                &si_no,
                "Sí",
            ),
            ("pets", "no pets, just me", &yes_no, "No"),
            (
                "insurance_claim",
                "y sí, voy por el seguro del otro",
                &yes_no,
                "Yes",
            ),
            (
                "permission_to_enter",
                "you can go in if i'm not home",
                &yes_no,
                "Yes",
            ),
            (
                "acceso",
                "pueden entrar, dejo la llave en portería",
                &si_no,
                "Sí",
            ),
            ("av_needed", "we'll need projector and mics", &yes_no, "Yes"),
            ("homeowner", "yep we own the house", &yes_no, "Yes"),
            (
                "insurance_claim",
                "yeah we're filing with State Farm",
                &yes_no,
                "Yes",
            ),
            ("vaccinated", "they're both fully jabbed", &yes_no, "Yes"),
            ("partner", "vengo con mi novia", &si_no, "Sí"),
            ("con_pareja", "voy sola, sin pareja", &si_no, "No"),
            ("dog", "can we bring our dog? she's tiny", &yes_no, "Yes"),
        ];
        for (field, said, choices, answer) in cases {
            assert_eq!(
                yes_or_no_by_field(field, said, choices).as_deref(),
                Some(*answer),
                "{said}"
            );
        }
    }

    #[test]
    fn a_first_visit_is_said_without_yes_or_no() {
        let yes_no = listed(&["Yes", "No"]);
        assert_eq!(
            first_visit("new_patient", "first time coming in", &yes_no).as_deref(),
            Some("Yes")
        );
        let si_no = listed(&["Sí", "No"]);
        assert_eq!(
            first_visit(
                "primera_visita",
                "no he ido nunca a vuestra clínica",
                &si_no
            )
            .as_deref(),
            Some("Sí")
        );
        assert_eq!(
            first_visit("new_patient", "I've been before, Dr Lee saw me", &yes_no).as_deref(),
            Some("No")
        );
        assert_eq!(
            first_visit("new_patient", "never been there before", &yes_no).as_deref(),
            Some("Yes")
        );
        assert_eq!(
            first_visit("insured", "first time coming in", &yes_no),
            None
        );
    }

    #[test]
    fn a_choice_about_every_topic_said_wins() {
        let nails = listed(&["Manicure", "Pedicure", "Manicure y pedicure", "Cejas"]);
        assert_eq!(
            choice_by_topic("una cita para manos y pies", &nails).as_deref(),
            Some("Manicure y pedicure")
        );
        let english = listed(&["Manicure", "Pedicure", "Mani-pedi"]);
        assert_eq!(
            choice_by_topic("hands and feet both please", &english).as_deref(),
            Some("Mani-pedi")
        );
        let cuts = listed(&["Haircut", "Beard trim", "Haircut and beard"]);
        assert_eq!(
            choice_by_topic("do you have hueco for corte y barba?", &cuts).as_deref(),
            Some("Haircut and beard")
        );
        let pests = listed(&["Roaches", "Ants", "Rodents"]);
        assert_eq!(
            choice_by_topic("we have mice in the garage", &pests).as_deref(),
            Some("Rodents")
        );
        assert_eq!(choice_by_topic("rather soon", &pests), None);
    }

    #[test]
    fn how_often_in_months_and_years() {
        let plans = listed(&["Mensual", "Trimestral", "Anual"]);
        assert_eq!(
            choice_by_frequency("quiero inscribirme, pago cada 3 meses", &plans, false).as_deref(),
            Some("Trimestral")
        );
        assert_eq!(
            choice_by_frequency("me inscribo al de todo el año", &plans, false).as_deref(),
            Some("Anual")
        );
        let english = listed(&["Monthly", "Quarterly", "Annual"]);
        assert_eq!(
            choice_by_frequency("we'd pay once a year", &english, false).as_deref(),
            Some("Annual")
        );
    }

    #[test]
    fn a_yes_or_no_by_the_thing_the_field_names() {
        let yes_no = listed(&["Yes", "No"]);
        let si_no = listed(&["Sí", "No"]);
        assert_eq!(
            yes_or_no_by_field("permit", "ya tengo mi learner's permit", &yes_no).as_deref(),
            Some("Yes")
        );
        assert_eq!(
            yes_or_no_by_field("smoker", "I'm 38, non smoker", &yes_no).as_deref(),
            Some("No")
        );
        assert_eq!(
            yes_or_no_by_field("mascotas", "sin mascotas", &si_no).as_deref(),
            Some("No")
        );
        assert_eq!(
            yes_or_no_by_field("av_needed", "about 150 guests", &yes_no),
            None
        );
        assert_eq!(yes_or_no_by_field("permit", "saturday 8am", &yes_no), None);
    }
}
