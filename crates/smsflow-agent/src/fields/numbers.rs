//! Quantities as people text them: "$2,500", "1.200 euros", "85,5 m2", "2.5k", "2 millones",
//! "six", "dos", "una docena", "party of 8", "somos cuatro". A number that is part of a time, a
//! date, a phone number or an address is not a quantity.

use crate::fields::dates::{is_month, is_weekday};
use crate::fields::fold;

/// Numbers people write as words.
const NUMBER_WORDS: &[(&str, u32)] = &[
    ("one", 1),
    ("two", 2),
    ("three", 3),
    ("four", 4),
    ("five", 5),
    ("six", 6),
    ("seven", 7),
    ("eight", 8),
    ("nine", 9),
    ("ten", 10),
    // A golf group by its size: "tee time for a foursome".
    ("twosome", 2),
    ("foursome", 4),
    ("eleven", 11),
    ("twelve", 12),
    ("thirteen", 13),
    ("fourteen", 14),
    ("fifteen", 15),
    ("sixteen", 16),
    ("seventeen", 17),
    ("eighteen", 18),
    ("nineteen", 19),
    ("twenty", 20),
    ("thirty", 30),
    ("forty", 40),
    ("fifty", 50),
    ("sixty", 60),
    ("seventy", 70),
    ("eighty", 80),
    ("ninety", 90),
    ("hundred", 100),
    ("uno", 1),
    ("una", 1),
    ("un", 1),
    ("dos", 2),
    ("tres", 3),
    ("cuatro", 4),
    ("cinco", 5),
    ("seis", 6),
    ("siete", 7),
    ("ocho", 8),
    ("nueve", 9),
    ("diez", 10),
    ("once", 11),
    ("doce", 12),
    ("trece", 13),
    ("catorce", 14),
    ("quince", 15),
    ("dieciseis", 16),
    ("diecisiete", 17),
    ("dieciocho", 18),
    ("diecinueve", 19),
    ("veinte", 20),
    ("veintiuno", 21),
    ("veintiun", 21),
    ("veintidos", 22),
    ("veintitres", 23),
    ("veinticuatro", 24),
    ("veinticinco", 25),
    ("veintiseis", 26),
    ("veintisiete", 27),
    ("veintiocho", 28),
    ("veintinueve", 29),
    ("treinta", 30),
    ("cuarenta", 40),
    ("cincuenta", 50),
    ("sesenta", 60),
    ("setenta", 70),
    ("ochenta", 80),
    ("noventa", 90),
    ("cien", 100),
    ("ciento", 100),
    ("doscientos", 200),
    ("doscientas", 200),
    ("trescientos", 300),
    ("trescientas", 300),
    ("cuatrocientos", 400),
    ("cuatrocientas", 400),
    ("quinientos", 500),
    ("quinientas", 500),
    ("seiscientos", 600),
    ("seiscientas", 600),
    ("setecientos", 700),
    ("setecientas", 700),
    ("ochocientos", 800),
    ("ochocientas", 800),
    ("novecientos", 900),
    ("novecientas", 900),
];

/// The number an ordinal written as a word says: "tercero" is 3, "second" 2.
pub(super) fn ordinal_word(word: &str) -> Option<u32> {
    ORDINAL_WORDS
        .iter()
        .find(|(ordinal, _)| *ordinal == word)
        .map(|(_, value)| *value)
}

/// A number written as a word ("tres", "twelve"): no name is one.
pub fn is_number_word(word: &str) -> bool {
    number_word(word).is_some()
}

/// The number a word writes: "tres" is 3, "twelve" 12.
pub fn number_word(word: &str) -> Option<u32> {
    let folded = fold(word);
    NUMBER_WORDS
        .iter()
        .find(|(number, _)| *number == folded)
        .map(|(_, value)| *value)
}

/// Words that multiply the number before them ("2 millones", "3 mil", "una docena"); alone,
/// "a dozen" is twelve.
const MULTIPLIERS: &[(&str, f64)] = &[
    ("thousand", 1e3),
    ("mil", 1e3),
    ("million", 1e6),
    ("millions", 1e6),
    ("millon", 1e6),
    ("millones", 1e6),
    ("grand", 1e3),
    ("dozen", 12.0),
    ("docena", 12.0),
    ("docenas", 12.0),
];

/// Words before a number that say it counts something ("table for 4", "party of 8", "somos 5").
const COUNT_BEFORE: &[&str] = &[
    "for",
    "of",
    "para",
    "pa",
    "somos",
    "seremos",
    "seriamos",
    "vamos",
    "total",
    "budget",
    "presupuesto",
    "about",
    "around",
    "approximately",
    "roughly",
    "unos",
    "unas",
    "spend",
    "gastar",
    "need",
    "necesito",
    "necesitamos",
    // How many are wanted: "quiero 6 paquetes", "i want two pairs", "ocupo 3".
    "want",
    "wanna",
    "quiero",
    "queremos",
    "quisiera",
    "ocupo",
    // "i'd take two", "serían 500".
    "take",
    "serian",
    "seran",
    "tiene",
    "mide",
    "just",
    "solo",
    "maybe",
    "quizas",
    "tenemos",
    "be",
    // "we are 7".
    "are",
    "ser",
    // A number named again in a correction: "6 people, sorry 7".
    "sorry",
    "perdon",
    "perdona",
    "actually",
    "meant",
];

/// Hedges before a count: "necesito like 60", "tengo como 3 bolsas".
const HEDGES: &[&str] = &["like", "como"];

/// Whether the words `before` a number end in a hedge after a word that says it counts
/// ("necesito like 60", "tengo como 3 bolsas"); a hedge alone ("en la mañana, like 9", "like 2
/// inches") may hedge a time or a size.
fn hedged_count(before: &[&str]) -> bool {
    match before {
        [.., verb, hedge] => {
            HEDGES.contains(hedge)
                && (COUNT_BEFORE.contains(verb) || matches!(*verb, "tengo" | "have"))
        }
        _ => false,
    }
}

/// Words after a number that say what it counts ("4 people", "92,5 m2", "2.000 euros").
pub(super) const COUNT_AFTER: &[&str] = &[
    "people",
    "ppl",
    "persons",
    "guests",
    "adults",
    "kids",
    "children",
    "of",
    "personas",
    "adultos",
    "ninos",
    "chicos",
    "invitados",
    "pax",
    "sq",
    "sqft",
    "ft",
    "feet",
    "m2",
    "metros",
    "mts",
    "units",
    "unidades",
    "piezas",
    "pieces",
    "items",
    "boxes",
    "cajas",
    "euros",
    "dollars",
    "pesos",
    "usd",
    "eur",
    "mxn",
    "bucks",
    "shirts",
    "camisetas",
    "playeras",
    "rooms",
    "habitaciones",
    "cuartos",
    "€",
    "$",
    "£",
    "sillas",
    "chairs",
    "mesas",
    "tables",
    // "tres con el bebé", "2 with me"
    "con",
    "with",
    "including",
    "incluyendo",
    "counting",
    "contando",
];

/// Whether `word` (folded) names what the number before it counts ("6 personas", "4 nights"
/// are no day of a month).
pub fn counts_noun(word: &str) -> bool {
    COUNT_AFTER.contains(&word) && !PREPOSITIONS.contains(&word)
}

/// Words of [`COUNT_AFTER`] that count only a number that is not already a time or a day.
const PREPOSITIONS: &[&str] = &[
    "of",
    "con",
    "with",
    "including",
    "incluyendo",
    "counting",
    "contando",
];

/// Words right before a number that make it a time or a day ("at 7", "a las 8", "el 5").
const NOT_COUNT_BEFORE: &[&str] = &[
    "at", "las", "la", "el", "the", "by", "before", "after", "until", "til", "desde", "hasta", "#",
    "no", "order", "pedido", "ext", "apt", "suite", "unit", "piso",
];

/// One number of a message: its value, where it is, and whether words around it say it counts
/// something.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Quantity {
    value: f64,
    counted: bool,
    /// Its tokens: `start..end`.
    start: usize,
    end: usize,
}

/// What a number field counts, known from the words of its name: the words said before its number
/// ("budget $2,400", "odometer says 62,300") and after it ("3 bed", "10.000 km", "70 m2").
struct Measure {
    names: &'static [&'static str],
    before: &'static [&'static str],
    after: &'static [&'static str],
    /// An amount of money: any sum with a currency, "k" or "millones" is one.
    money: bool,
}

// A static, not a const: `counted_number` tells a field's own measure from the others by address,
// and each use of a const may be a copy of its own (debug builds read "for 9 year olds" as no age).
static MEASURES: &[Measure] = &[
    // Before the area: `shoe_size` is a shoe's size ("size 9 women's", "calzo del 27").
    Measure {
        names: &[
            "shoe", "shoes", "zapato", "zapatos", "calzado", "tenis", "footwear",
        ],
        before: &[
            "size", "talla", "calzo", "wear", "numero", "del", "en", "in",
        ],
        after: &[
            "us", "eu", "uk", "mx", "women's", "womens", "men's", "mens", "mexicana",
        ],
        money: false,
    },
    Measure {
        names: &[
            "budget",
            "presupuesto",
            "price",
            "precio",
            "rent",
            "renta",
            "alquiler",
            "cost",
            "costo",
            "amount",
            "monto",
            "importe",
            "arriendo",
            "refund",
            "reembolso",
            "charge",
            "cobro",
            "max",
            "maximo",
        ],
        before: &[
            "budget",
            "presupuesto",
            "max",
            "maximo",
            "maximum",
            "hasta",
            "under",
            "spend",
            "gastar",
            "pay",
            "pagar",
        ],
        after: &[
            "euros", "dollars", "pesos", "usd", "eur", "mxn", "bucks", "€", "$", "£",
        ],
        money: true,
    },
    Measure {
        names: &[
            "bedrooms",
            "bedroom",
            "beds",
            "br",
            "recamaras",
            "habitaciones",
            "dormitorios",
            "cuartos",
            "rooms",
        ],
        before: &[],
        after: &[
            "bed",
            "beds",
            "bedroom",
            "bedrooms",
            "br",
            "bd",
            "bdr",
            "bdrm",
            "recamara",
            "recamaras",
            "habitacion",
            "habitaciones",
            "dormitorio",
            "dormitorios",
            "cuarto",
            "cuartos",
            "hab",
            "habs",
            "rooms",
            "room",
        ],
        money: false,
    },
    Measure {
        names: &["bathrooms", "baths", "banos"],
        before: &[],
        after: &[
            "bath",
            "baths",
            "bathroom",
            "bathrooms",
            "ba",
            "bano",
            "banos",
        ],
        money: false,
    },
    Measure {
        names: &[
            "mileage",
            "miles",
            "km",
            "kms",
            "kilometraje",
            "kilometros",
            "odometer",
        ],
        before: &["odometer", "kilometraje", "mileage"],
        after: &["km", "kms", "miles", "mi", "kilometros", "millas"],
        money: false,
    },
    Measure {
        names: &[
            "party",
            "team",
            "crew",
            "headcount",
            "covers",
            "guests",
            "huespedes",
            "travelers",
            "travellers",
            "viajeros",
            "people",
            "personas",
            "invitados",
            "pax",
            "group",
            "adults",
            "comensales",
            "asistentes",
            "integrantes",
            "members",
            "miembros",
            "participants",
            "participantes",
            "passengers",
            "pasajeros",
            "riders",
            "renters",
            "household",
            "players",
            "jugadores",
            "anglers",
            "campers",
            "divers",
            "buzos",
            "ocupantes",
            "grupo",
            "skiers",
            "snowboarders",
            "golfers",
            "tickets",
            "boletos",
            "entradas",
            "cupos",
            "spots",
            "plazas",
            "companions",
            "acompanantes",
            "asegurados",
            "beneficiarios",
            "students",
            "estudiantes",
            "alumnos",
            "attendees",
        ],
        before: &["for", "para", "pa", "somos", "seremos"],
        after: &[
            "people",
            "ppl",
            "persons",
            "person",
            "persona",
            "guests",
            "personas",
            "invitados",
            "pax",
            "adults",
            "adultos",
            "comensales",
            // A team counted by its staff: "about 35 agents", "12 staff".
            "agents",
            "agentes",
            "staff",
            "employees",
            "empleados",
        ],
        money: false,
    },
    // A seat or a licence is for one person: "licencias para 7 personas", "for 9 people".
    Measure {
        names: &[
            "seats",
            "asientos",
            "licenses",
            "licencias",
            "users",
            "usuarios",
        ],
        before: &["for", "para"],
        after: &[
            "people",
            "ppl",
            "personas",
            "users",
            "usuarios",
            "seats",
            "asientos",
            "licenses",
            "licencias",
            "agents",
            "agentes",
            "employees",
            "empleados",
        ],
        money: false,
    },
    Measure {
        names: &[
            "size",
            "sqft",
            "area",
            "superficie",
            "metros",
            "m2",
            "tamano",
            "footage",
            "square",
        ],
        before: &[],
        after: &[
            "m2", "metros", "mts", "sq", "sqft", "ft", "feet", "square", "meters", "metres", "cm",
        ],
        money: false,
    },
    // A person's height: "mido 168", "im 178 cm".
    Measure {
        names: &["height", "estatura", "altura"],
        before: &["mido", "height", "estatura", "altura"],
        after: &["cm", "tall"],
        money: false,
    },
    Measure {
        names: &["kw", "kilowatts"],
        before: &[],
        after: &["kw", "kwh", "kilowatts"],
        money: false,
    },
    Measure {
        names: &["weight", "peso", "kilos", "kg", "lbs", "pounds"],
        before: &["peso", "weighs", "pesa"],
        after: &["kg", "kgs", "kilos", "lbs", "pounds", "libras"],
        money: false,
    },
    Measure {
        names: &[
            "seats",
            "users",
            "licenses",
            "licencias",
            "usuarios",
            "employees",
            "empleados",
            "staff",
            "agents",
        ],
        before: &[],
        after: &[
            "seats",
            "users",
            "licenses",
            "licencias",
            "usuarios",
            "employees",
            "empleados",
            "agents",
            "agentes",
            "puestos",
            "staff",
            // "we're a 14 person firm"
            "person",
            "persona",
        ],
        money: false,
    },
    Measure {
        names: &[
            "vehicles",
            "cars",
            "vehiculos",
            "autos",
            "carros",
            "coches",
            "trucks",
            "fleet",
        ],
        before: &[],
        after: &[
            "cars",
            "car",
            "vehicles",
            "autos",
            "carros",
            "coches",
            "trucks",
            "camionetas",
            "vans",
            "vehiculos",
        ],
        money: false,
    },
    // An age: "he's 2", "tengo 27 años", "8 months old", "a 2 yr old".
    Measure {
        names: &["age", "ages", "edad", "edades"],
        before: &[
            "he's", "she's", "hes", "shes", "aged", "age", "edad", "tengo", "tiene", "cumple",
            "cumplio", "turned", "turns", "turning", "i'm", "im", "is",
        ],
        after: &[
            "years", "year", "yrs", "yr", "yo", "old", "anos", "ano", "months", "month", "meses",
            "mes",
        ],
        money: false,
    },
    // Dependents: "dos hijos" ("25 niños", "15 kids" are guests: not claimed here).
    Measure {
        names: &["dependents", "dependent", "dependientes", "dependiente"],
        before: &[],
        after: &["hijos", "hijas", "dependents", "dependientes"],
        money: false,
    },
    // Nights of a stay: "3 nights", "dos noches", "solo una noche".
    Measure {
        names: &["nights", "night", "noches", "noche"],
        before: &[],
        after: &["nights", "night", "noches", "noche"],
        money: false,
    },
    // Hours of a booking: "make it 6 hrs", "una hora", "about an hour".
    Measure {
        names: &["hours", "hour", "hrs", "horas", "hora"],
        before: &[],
        after: &["hours", "hour", "hrs", "hr", "horas", "hora"],
        money: false,
    },
    // Pets by what they are: "two dogs", "2 gatos".
    Measure {
        names: &["pets", "pet", "mascotas", "dogs", "cats", "perros", "gatos"],
        before: &[],
        after: &[
            "pets", "dogs", "dog", "cats", "cat", "mascotas", "perros", "perritos", "gatos",
            "gatitos",
        ],
        money: false,
    },
    Measure {
        names: &["missing", "faltantes", "faltan", "short"],
        before: &[
            "faltan", "falta", "faltaron", "faltaba", "faltaban", "missing", "short",
        ],
        after: &["missing", "faltantes"],
        money: false,
    },
];

/// Words between a measure's word and its number: "budget about $2,400", "odometer says 62,300".
const BETWEEN: &[&str] = &[
    "about", "around", "is", "of", "de", "es", "says", "dice", "marca", "unos", "unas", "approx",
    "like", "como", "maybe", "to", "a", "del",
];

/// Units written on the number: "3br", "70m2", "10km".
const UNIT_SUFFIXES: &[&str] = &[
    "br", "bd", "bdr", "bed", "m2", "km", "kms", "mi", "ft", "sqft", "cm", "kg", "kgs", "kw",
    "kwh", "lbs", "yo", "yrs",
];

/// Words of a field's name that count anything: "el piso tiene 92,5 m2" is a `quantity`.
const GENERIC_COUNTS: &[&str] = &["quantity", "qty", "cantidad", "number", "numero", "total"];

/// Whether `word` is a unit written after a number ("m2", "cm", "kg"); "mi" is also "my".
fn is_unit_symbol(word: &str) -> bool {
    UNIT_SUFFIXES.contains(&word) && word != "mi"
}

/// The first number in `text` (the last one in a correction), as a plain decimal string; for a
/// field that was asked for, so a bare "8" is an answer.
pub fn number(text: &str) -> Option<String> {
    // A value already in its normalised form ("55555501", "85.5") is itself, however many digits:
    // the rule that a long run of digits is a phone is for reading free text, not stored values.
    normalised(text.trim()).or_else(|| quantities(text).first().map(|q| plain(q.value)))
}

/// `text` if it is a number as [`plain`] writes it: digits, and a decimal part after a point.
fn normalised(text: &str) -> Option<String> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, "0"));
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    if !(digits(whole) && digits(fraction)) {
        return None;
    }
    text.parse().ok().map(plain)
}

/// Where a message stands for a number field: what [`field_number`] may take.
#[derive(Debug, Clone, Copy, Default)]
pub struct NumberAsk {
    /// The field was asked for: any number may answer it.
    pub asked: bool,
    /// The message corrects an earlier value: the number said last wins.
    pub correcting: bool,
    /// The field already has a value: it changes only when asked, corrected or named.
    pub known: bool,
}

/// The number for the number field `field` among those the message gives: one said with what the
/// field counts (from its name: "3 bed" for `bedrooms`, "budget $2,400" for `budget`, "6 techs" for
/// `techs`); else, unless the field is known and the message neither answers nor corrects it,
/// one that no `other` wanted field and no other measure claims ("3 bedrooms" is
/// never a budget), any number when asked, else one that words say counts something.
pub fn field_number(text: &str, field: &str, others: &[&str], ask: NumberAsk) -> Option<String> {
    let value = counted_number(text, field, others, ask)?;
    // "3 docenas" for `docenas`: a field that counts dozens takes them as said, not as units.
    let dozens = super::field_says(field, DOZENS)
        && read(text)
            .0
            .iter()
            .any(|token| DOZENS.contains(&token.as_str()));
    match value.parse::<f64>() {
        Ok(units) if dozens => Some(plain(units / 12.0)),
        _ => Some(value),
    }
}

/// Words that count by the dozen.
const DOZENS: &[&str] = &["dozen", "dozens", "docena", "docenas"];

/// [`field_number`], with a dozen read as twelve.
fn counted_number(text: &str, field: &str, others: &[&str], ask: NumberAsk) -> Option<String> {
    let NumberAsk {
        asked,
        correcting: last,
        known,
    } = ask;
    // "my son Leo (6)": a number in brackets after someone is their age.
    let aged;
    let text = if measure_of(field).is_some_and(|measure| measure.names.contains(&"age")) {
        aged = bracketed_age(text);
        aged.as_str()
    } else {
        text
    };
    let (tokens, found) = read(text);
    // "twice a week" for `sessions_per_week`: how often, said with its week.
    if counts_per_week(field)
        && let Some(value) = per_week(&tokens, &found)
    {
        return Some(value);
    }
    if let Some(value) = named_number(&tokens, &found, field, last) {
        return Some(value);
    }
    if super::field_says(field, &["grado", "curso", "grade"])
        && let Some(value) = school_year(&tokens)
    {
        return Some(value);
    }
    // "mejor 4 así regalo uno": in a correction, the number after "mejor" is the new one.
    let focused = |q: &&&Quantity| {
        q.start.checked_sub(1).is_some_and(|before| {
            matches!(
                tokens[before].as_str(),
                "mejor" | "better" | "actually" | "rather"
            )
        })
    };
    let pick = |found: Vec<&Quantity>| {
        let pick = if last {
            found.iter().find(focused).or(found.last())
        } else {
            found.first()
        };
        pick.map(|q| plain(q.value))
    };
    let own = measure_of(field);
    // A count of things said before a noun is a first answer; it changes no count known ("2
    // minisplits", then "son Carrier de 1 tonelada").
    let owned: Vec<&Quantity> = found
        .iter()
        .filter(|q| {
            said_for(&tokens, q, field, own) || (!known && counts_things(&tokens, q, field))
        })
        .collect();
    if let Some(first) = owned.first() {
        // "6 people, sorry 7": in a correction the new number may come without its word.
        let corrected = found
            .iter()
            .filter(|q| last && q.start > first.start && q.counted && !owned.contains(q));
        let mut owned: Vec<&Quantity> = owned.iter().copied().chain(corrected).collect();
        owned.sort_by_key(|q| q.start);
        return pick(owned);
    }
    // "one of us is vegan" after "table for 4": a value already known changes only when asked,
    // corrected or named by what it counts.
    let firmly_counted = |q: &&Quantity| {
        q.start
            .checked_sub(1)
            .is_some_and(|before| COUNT_BEFORE.contains(&tokens[before].as_str()))
            || tokens.get(q.end).is_some_and(|after| {
                COUNT_AFTER.contains(&after.as_str()) && !PREPOSITIONS.contains(&after.as_str())
            })
    };
    // "5 m2" counts no months, "$240 a month" is no size in kW ("85k miles" is a mileage): a
    // number written with a unit or a currency is no other field's.
    let generic = super::field_says(field, GENERIC_COUNTS);
    let measured_for_another = |q: &Quantity| match own {
        None => !generic && unit_after(&tokens, q).is_some_and(is_unit_symbol),
        Some(own) => !own.money && tokens[q.start].starts_with(['$', '€', '£']),
    };
    let free: Vec<&Quantity> = found
        .iter()
        .filter(|q| {
            !others
                .iter()
                .any(|other| said_for(&tokens, q, other, measure_of(other)))
                // "son mis dos hijos" for `estudiantes`: people are people to a count of them.
                && !MEASURES.iter().any(|measure| {
                    own.is_some_and(|own| !std::ptr::eq(own, measure))
                        && unit_after(&tokens, q).is_some_and(|unit| {
                            measure.after.contains(&unit)
                                && !(counts_people(field) && PEOPLE_KINDS.contains(&unit))
                        })
                })
                && !measured_for_another(q)
                && (asked || q.counted)
                && (!known || asked || last || firmly_counted(q))
                && !(last && replaced(&tokens, q))
        })
        .collect();
    pick(free)
}

/// The text with a number in brackets ("Zoe (4)") written as an age ("Zoe aged 4").
fn bracketed_age(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(open) = rest.find('(') {
        let (before, after) = rest.split_at(open);
        out.push_str(before);
        let inside = after[1..].split_once(')');
        match inside {
            // Two digits at most: "(208) 555-0107" is an area code.
            Some((number, closed))
                if (1..=2).contains(&number.trim().len())
                    && number.trim().chars().all(|c| c.is_ascii_digit()) =>
            {
                out.push_str(&format!("aged {}", number.trim()));
                rest = closed;
            }
            _ => {
                out.push('(');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Words of a field's name that make it a count per week (`sessions_per_week`,
/// `sesiones_semana`, `weekly_classes`); not `weeks`, a number of weeks.
const WEEKLY: &[&str] = &["week", "wk", "weekly", "semana", "semanal", "semanales"];

/// Words between a count and its week: "a week", "per week", "por semana", "a la semana".
const PER: &[&str] = &["a", "per", "por", "la", "each", "every", "x"];

/// What is counted in a week: "3 times", "dos veces", "5 days", "un par de horas".
const TIMES_IN_A_WEEK: &[&str] = &[
    "x", "times", "time", "days", "day", "sessions", "session", "classes", "class", "lessons",
    "hours", "hrs", "walks", "visits", "veces", "vez", "dias", "dia", "sesiones", "sesion",
    "clases", "clase", "horas", "paseos", "visitas", "de",
];

/// Whether `field` counts something per week (see [`WEEKLY`]).
fn counts_per_week(field: &str) -> bool {
    fold(field)
        .split(['_', ' ', '-'])
        .any(|word| WEEKLY.contains(&word))
}

/// The count said with "a week" after it: "twice a week" = 2, "3x a week", "dos veces por
/// semana", "tres días a la semana", "un par de horas a la semana" = 2.
fn per_week(tokens: &[String], found: &[Quantity]) -> Option<String> {
    let is =
        |at: usize, words: &[&str]| tokens.get(at).is_some_and(|t| words.contains(&t.as_str()));
    (0..tokens.len())
        .filter(|&at| is(at, &["week", "wk", "semana"]))
        .find_map(|week| {
            let mut at = week;
            while at > 0 && week - at < 2 && is(at - 1, PER) {
                at -= 1;
            }
            if at == week {
                return None;
            }
            let per = at;
            while at > 0 && per - at < 2 && is(at - 1, TIMES_IN_A_WEEK) {
                at -= 1;
            }
            let count = at.checked_sub(1)?;
            let token = tokens[count].as_str();
            let times = match token {
                "once" => Some(1.0),
                "twice" | "par" => Some(2.0),
                "thrice" => Some(3.0),
                _ => token
                    .strip_suffix('x')
                    .and_then(|digits| digits.parse::<f64>().ok()),
            };
            times
                .or_else(|| found.iter().find(|q| q.end == at).map(|q| q.value))
                .map(plain)
        })
}

/// Whether `field` counts the nights of a stay (`nights`, `noches`).
pub fn counts_nights(field: &str) -> bool {
    measure_of(field).is_some_and(|measure| measure.names.contains(&"nights"))
}

/// Whether `field` counts people (`party_size`, `guests`, `huespedes`, `travelers`,
/// `dependents`); not a field for one kind of them (`adults`, `ninos`), which takes its part.
pub fn counts_people(field: &str) -> bool {
    measure_of(field).is_some_and(|measure| {
        measure.names.contains(&"guests") || measure.names.contains(&"dependents")
    }) && !super::field_says(field, PEOPLE_KINDS)
}

/// What people write when someone else joins a booking: "her sister's joining", "my cousin is
/// coming", "viene mi hermana", "se suma mi primo".
const JOINING: &[&str] = &[
    "joining",
    "s coming",
    "is coming",
    "are coming",
    "tagging along",
    "viene",
    "vienen",
    "se suma",
    "se suman",
    "se une",
    "se unen",
    "se apunta",
];

/// Whether `text` says someone joins: then a number it corrects is the count of people, not
/// the hour ("wait make it 5, her sister is coming").
pub fn someone_joins(text: &str) -> bool {
    let folded = format!(" {} ", fold(text).replace(['\'', ',', '.', '!'], " "));
    JOINING
        .iter()
        .any(|cue| folded.contains(&format!(" {cue} ")))
}

/// People listed one by one or by kind, added up: "me, my wife and 2 kids" (4), "dos adultos y
/// un niño" (3), "just me and my husband" (2), "vamos mi marido, yo y los tres niños" (5).
/// `None` unless the message lists at least two parts, or when a part cannot be counted ("me and
/// my kids").
pub fn people_listed(text: &str) -> Option<u32> {
    let folded = list_folded(text);
    let tokens = list_words(&folded);
    let joins = |token: Option<&str>| {
        token.is_some_and(|token| {
            matches!(
                token,
                "," | "and" | "y" | "plus" | "with" | "con" | "e" | "mas"
            )
        })
    };
    let (mut total, mut parts) = (0, 0);
    let mut said_total = None;
    // "clases de salsa con mi novio": someone the texter comes with, and the texter; unless a
    // number the list does not use may be the total ("table for 4 with my wife").
    let (mut texter_counted, mut comes_with, mut number_unused) = (false, false, false);
    let mut at = 0;
    while at < tokens.len() {
        let token = tokens[at];
        let before = at.checked_sub(1).map(|before| tokens[before]);
        let next = tokens.get(at + 1).copied();
        let count = NUMBER_WORDS
            .iter()
            .find(|(word, _)| *word == token)
            .map(|(_, n)| *n)
            // A bare number above 30 is rarely a head count, but "40 adultos" names its kind.
            .or_else(|| {
                token.parse::<u32>().ok().filter(|n| {
                    (1..=30).contains(n)
                        || (*n <= 500 && next.is_some_and(|kind| PEOPLE_KINDS.contains(&kind)))
                })
            })
            .or_else(|| matches!(token, "a" | "an").then_some(1));
        let article = matches!(token, "un" | "una" | "a" | "an");
        match count {
            // "make it 4 people, mi hermana viene": the total is said.
            Some(_) if next.is_some_and(|word| TOTALS.contains(&word)) => return None,
            // "3 of us", "un equipo de 3": the total said ("twenty two of us" is read whole
            // elsewhere).
            Some(n)
                if !article
                    && !before.is_some_and(is_number_word)
                    && ((next == Some("of") && tokens.get(at + 2) == Some(&"us"))
                        || (before == Some("de")
                            && at.checked_sub(2).is_some_and(|group| {
                                matches!(tokens[group], "equipo" | "grupo" | "familia")
                            }))) =>
            {
                return Some(n);
            }
            // "dos parejas": two people each.
            Some(n) if next.is_some_and(|kind| matches!(kind, "parejas" | "couples")) => {
                total += 2 * n;
                parts += 2;
                at += 2;
                continue;
            }
            Some(n) if next.is_some_and(|kind| PEOPLE_KINDS.contains(&kind)) => {
                total += n;
                parts += 1;
                at += 2;
                continue;
            }
            // "4 adults + 2 little ones".
            Some(n)
                if next.is_some_and(|word| PEOPLE_ADJECTIVES.contains(&word))
                    && tokens
                        .get(at + 2)
                        .is_some_and(|kind| *kind == "ones" || PEOPLE_KINDS.contains(kind)) =>
            {
                total += n;
                parts += 1;
                at += 3;
                continue;
            }
            // "somos 2 y un bebé": the first part of a total said in parts.
            Some(n)
                if !article
                    && before.is_some_and(|word| matches!(word, "somos" | "seremos" | "vamos"))
                    && matches!(next, Some("y" | "and" | "plus" | "mas")) =>
            {
                total += n;
                parts += 1;
            }
            // "somos 4 en total, mi esposo, yo y los kids": the total said is the count, the
            // last one said ("somos 8... no, al final somos 10").
            // "no wait mi esposo quiere traer a su hermano so 3": the total after "so".
            Some(n)
                if !article
                    && (before
                        .is_some_and(|word| matches!(word, "somos" | "seremos" | "vamos"))
                        || (before.is_some_and(|word| matches!(word, "so" | "entonces"))
                            && !next.is_some_and(|word| {
                                matches!(word, "more" | "mas" | "extra" | "additional")
                            }))
                        || next == Some("total")
                        || (matches!(next, Some("en" | "in"))
                            && tokens.get(at + 2) == Some(&"total"))) =>
            {
                said_total = Some(n);
            }
            Some(_) if !article => number_unused = true,
            _ => {}
        }
        let possessed = before.is_some_and(|word| POSSESSIVES.contains(&word));
        // "me, the wife and our 3 boys": a relative is theirs with "the" too.
        let relative = (possessed
            || matches!(before, Some("the" | "el" | "la"))
            || matches!(token, "hubby" | "wifey"))
            && RELATIVES.contains(&token);
        // "me" or "yo" in the list, not "text me": beside a joiner, or after "for"/"just";
        // "para mi y una amiga": "mi" is the texter before a joiner.
        // "yo how much...": a greeting, not the texter ("yo, mi esposa": the texter).
        let listed = joins(before)
            || joins(next)
            || before.is_none_or(|word| matches!(word, "for" | "just" | "only" | "para" | "solo"))
                && (token != "yo" || next.is_some_and(|word| POSSESSIVES.contains(&word)));
        let texter = (SELF.contains(&token) && listed)
            || (token == "i" && joins(before))
            || (token == "mi"
                && joins(next)
                && before.is_some_and(|word| matches!(word, "para" | "con" | "solo")));
        // The texter counts once: "para mí y mi esposo, yo tengo 34" is two.
        let texter = texter && !texter_counted;
        if texter || relative {
            total += 1;
            parts += 1;
            texter_counted |= texter;
            comes_with |= possessed
                && at
                    .checked_sub(2)
                    .is_some_and(|with| matches!(tokens[with], "con" | "with"));
        } else if possessed && ONE_OF_A_KIND.contains(&token) {
            // "2 adults and our toddler": one of that kind.
            total += 1;
            parts += 1;
        } else if possessed && PEOPLE_KINDS.contains(&token) {
            // "me and my kids": how many is not said.
            return None;
        }
        at += 1;
    }
    if said_total.is_some() {
        return said_total;
    }
    if comes_with && !texter_counted && !number_unused {
        total += 1;
        parts += 1;
    }
    (parts >= 2).then_some(total)
}

/// Words after a count that are no thing to add up: money, measures, times, people.
const NOT_ADDED: &[&str] = &[
    "pesos",
    "dollars",
    "bucks",
    "euros",
    "libras",
    "pounds",
    "mil",
    "millones",
    "million",
    "thousand",
    "meses",
    "months",
    "month",
    "mes",
    "kilos",
    "kilo",
    "gramos",
    "grams",
    "litros",
    "liters",
    "metros",
    "meters",
    "feet",
    "inches",
    "pulgadas",
    "miles",
    "veces",
    "times",
    "people",
    "ppl",
    "persons",
    "personas",
    "guests",
    "invitados",
    "pax",
    "total",
    "more",
    "mas",
    "otros",
    "otras",
    "others",
    "less",
    "menos",
    "bunch",
    "few",
    "couple",
    "lot",
    "par",
    "monton",
    "will",
    "would",
    "are",
    "were",
    "was",
    "can",
    "could",
    "que",
    "son",
    "seran",
    "van",
    "hay",
];

/// Whether `field` counts things of any kind said in parts (see [`things_listed`]): its name ends
/// in a plural noun that is no measure, time or people (`items`, `prendas`, `botellas`), or is a
/// generic count (`cantidad`, `quantity`).
pub fn counts_things_in_parts(field: &str) -> bool {
    let folded = fold(field);
    let Some(last) = folded.split(['_', '-', ' ']).next_back() else {
        return false;
    };
    let plural_thing = last.len() >= 4
        && last.ends_with('s')
        && names_a_thing(last)
        && !NOT_ADDED.contains(&last)
        && !PEOPLE_KINDS.contains(&last);
    measure_of(field).is_none()
        && (plural_thing || super::field_says(field, &["cantidad", "quantity", "qty", "count"]))
}

/// Things counted in parts and added up, for a field that counts them all: "5 shirts, 2 suits"
/// is 7 `items`, "tengo 2 abrigos y un traje" 3 `prendas`, "3 pepperoni and 2 margherita" 5
/// `pizzas`. `None` unless two parts or more are joined by "and", "y", "+" or a comma, each a
/// count before the thing it counts ("60 de vino" too); and when a part is what the field's name
/// names ("2 pizzas and 3 sodas" for `pizzas` is the 2 pizzas), people, or a unit ("3 nights").
pub fn things_listed(text: &str, field: &str) -> Option<u32> {
    let field_words: Vec<String> = fold(field)
        .split(['_', '-', ' '])
        .map(String::from)
        .collect();
    // "profes" for `profesores`: a word cut short names the same thing.
    let names_the_field = |thing: &str| {
        field_words.iter().any(|word| {
            same_noun(word, thing)
                || (thing.len() >= 5 && word.starts_with(thing))
                || (word.len() >= 5 && thing.starts_with(word.as_str()))
        })
    };
    let folded = list_folded(text);
    let tokens = list_words(&folded);
    let joins = |at: usize| {
        tokens
            .get(at)
            .is_some_and(|t| matches!(*t, "," | "and" | "y" | "e" | "plus"))
    };
    let article = |at: usize| {
        tokens
            .get(at)
            .is_some_and(|t| matches!(*t, "a" | "an" | "un" | "una"))
    };
    // "uno grande" points back at a thing said before: it counts nothing new.
    let count_at = |at: usize| {
        let token = *tokens.get(at)?;
        number_word(token)
            .filter(|_| token != "uno")
            .or_else(|| token.parse::<u32>().ok().filter(|n| (1..=999).contains(n)))
            .or_else(|| matches!(token, "a" | "an").then_some(1))
    };
    for start in 0..tokens.len() {
        let (mut total, mut parts, mut at) = (0, 0, start);
        // Things named with an article only ("una heladera y un lavarropas") say what, not how
        // many.
        let mut counted = false;
        while let Some(n) = count_at(at) {
            let thing_at = if tokens.get(at + 1) == Some(&"de") {
                at + 2
            } else {
                at + 1
            };
            let Some(&thing) = tokens.get(thing_at) else {
                break;
            };
            if !names_a_thing(thing)
                || NOT_ADDED.contains(&thing)
                || PEOPLE_KINDS.contains(&thing)
                || is_number_word(thing)
            {
                break;
            }
            // "8 round tables" for `tables`.
            if names_the_field(thing)
                || tokens.get(thing_at + 1).is_some_and(|t| names_the_field(t))
            {
                return None;
            }
            total += n;
            parts += 1;
            counted |= !article(at);
            let mut next = thing_at + 1;
            if !joins(next) {
                break;
            }
            // After a comma a part says its number ("5 shirts, 2 suits"); in "2 piezas, a
            // nombre de Karen" the message goes on to something else.
            let comma = tokens[next] == ",";
            next += 1;
            if joins(next) {
                next += 1;
            }
            if comma && article(next) {
                break;
            }
            at = next;
        }
        if parts >= 2 && counted {
            return Some(total);
        }
    }
    None
}

/// A list's text folded, a comma or "&" joining its parts as "and" does (a "," of its own), a
/// "+" as "plus" ("somos 4 + 1 bebé": the first part of a total).
fn list_folded(text: &str) -> String {
    fold(text).replace([',', '&'], " , ").replace('+', " plus ")
}

/// The words of [`list_folded`] text, the joining commas kept.
fn list_words(folded: &str) -> Vec<&str> {
    folded
        .split_whitespace()
        .map(|token| match token {
            "," => token,
            _ => token.trim_matches(|c: char| !c.is_alphanumeric()),
        })
        .filter(|token| !token.is_empty())
        .collect()
}

/// The texter counting themself in a list of people.
const SELF: &[&str] = &["me", "myself", "yo"];

const POSSESSIVES: &[&str] = &[
    "my", "our", "his", "her", "mi", "mis", "su", "sus", "nuestra", "nuestro", "nuestros",
];

/// One person each, after "my"/"mi": "my wife", "mi suegra".
const RELATIVES: &[&str] = &[
    "wife",
    "hubby",
    "wifey",
    "husband",
    "partner",
    "boyfriend",
    "girlfriend",
    "fiance",
    "fiancee",
    "mom",
    "mum",
    "mother",
    "dad",
    "father",
    "son",
    "daughter",
    "sister",
    "brother",
    "friend",
    "grandma",
    "grandpa",
    "baby",
    "esposa",
    "esposo",
    "marido",
    "mujer",
    "novio",
    "novia",
    "pareja",
    "senora",
    "mama",
    "papa",
    "madre",
    "padre",
    "hijo",
    "hija",
    "hermano",
    "hermana",
    "amigo",
    "amiga",
    "suegra",
    "suegro",
    "abuela",
    "abuelo",
    "bebe",
    "nieto",
    "nieta",
];

/// Kinds of people counted by a number before them: "2 kids", "dos adultos", "un niño".
const PEOPLE_KINDS: &[&str] = &[
    "adults",
    "adult",
    "teenagers",
    "kids",
    "kiddos",
    "kiddies",
    "kid",
    "children",
    "child",
    "teens",
    "babies",
    "baby",
    "toddlers",
    "toddler",
    "friends",
    "adultos",
    "adulto",
    "ninos",
    "nino",
    "ninas",
    "nina",
    "hijos",
    "hijas",
    "amigos",
    "amigas",
    "bebe",
    "bebes",
    "chicos",
    "peques",
    "menores",
    "mayores",
    "amigo",
    "amiga",
    "friend",
    "guagua",
    "teen",
    "nena",
    "nenas",
    "nenes",
    "nene",
    "bridesmaids",
    "damas",
    "buddies",
    "cousins",
    "primos",
    "primas",
    "sobrinos",
    "sobrinas",
    "nietos",
    "nietas",
    "grandkids",
    "twins",
    "gemelos",
    "mellizos",
    "colleagues",
    "coworkers",
    "companeros",
    "companeras",
    "girls",
    "boys",
    "guys",
    "chicas",
    "teenagers",
    "hermanos",
    "hermanas",
];

/// Kinds of people said in the singular: after "my"/"our" they are one person ("our toddler").
const ONE_OF_A_KIND: &[&str] = &[
    "adult", "kid", "child", "teen", "teenager", "toddler", "nino", "nina", "nene", "nena",
    "guagua",
];

/// Words between a count and the kind of people it counts: "2 little ones", "3 young kids",
/// "dos niños pequeños" has its adjective after.
const PEOPLE_ADJECTIVES: &[&str] = &["little", "small", "young", "younger", "older", "big"];

/// Words after a number that make it the total: "4 people", "6 personas".
const TOTALS: &[&str] = &[
    "people",
    "ppl",
    "persons",
    "guests",
    "personas",
    "invitados",
    "pax",
    "total",
];

/// In a correction, a number that is not the new value: the old one named after "not" ("6 ppl
/// not 5") or a count of what is added ("make that 9, two more hires").
fn replaced(tokens: &[String], q: &Quantity) -> bool {
    let before = q.start.checked_sub(1).map(|at| tokens[at].as_str());
    let after = tokens.get(q.end).map(String::as_str);
    // "ah no, 6", "no, 6": a "no" that opens the message refuses the earlier value.
    let opening_no = before == Some("no")
        && (q.start == 1
            || (q.start == 2 && matches!(tokens[0].as_str(), "ah" | "uy" | "oh" | "ay" | "ups")));
    (matches!(before, Some("not" | "no" | "ni")) && !opening_no)
        || matches!(
            after,
            Some("more" | "extra" | "mas" | "menos" | "less" | "fewer")
        )
}

/// Words of a field's name that say only that it holds a number.
const NUMBER_SORTS: &[&str] = &[
    "number", "numero", "num", "total", "the", "del", "los", "las", "for", "per", "por", "para",
];

/// Words between a field's own word and its number: "grade is 5", "piso no. 3".
const BEFORE_OWN_NUMBER: &[&str] = &["is", "es", "of", "no", "#", "nº"];

/// Endings of an ordinal written in figures: "4th", "3rd", "2do", "5º".
const ORDINAL_ENDINGS: &[&str] = &[
    "st", "nd", "rd", "th", "o", "a", "er", "ro", "ra", "do", "da", "to", "ta", "vo", "va", "no",
    "na", "mo", "º", "ª", "°",
];

/// The number the field's own word says it is, right before or after it, whatever the field
/// counts: "headcount 45", "piso 3", "grade 3", "7th grade", "4th floor", "year 9" (an ordinal
/// is its number). A field named for a year takes a year said alone ("a 2019 Mazda").
fn named_number(tokens: &[String], found: &[Quantity], field: &str, last: bool) -> Option<String> {
    let folded = fold(field);
    let own = super::own_words(&folded, NUMBER_SORTS);
    let names_field =
        |token: &str| super::names_field(token.trim_matches(|c: char| !c.is_alphanumeric()), &own);
    let value_at = |at: usize| -> Option<String> {
        if let Some(q) = found.iter().find(|q| q.start == at) {
            return Some(plain(q.value));
        }
        let token = tokens.get(at)?.trim_start_matches('#');
        let digits_end = token
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(token.len());
        let (digits, ending) = token.split_at(digits_end);
        (!digits.is_empty() && (ending.is_empty() || ORDINAL_ENDINGS.contains(&ending)))
            .then(|| digits.trim_start_matches('0').to_string())
            .filter(|value| !value.is_empty())
    };
    let mut named = (0..tokens.len())
        .filter(|&at| names_field(&tokens[at]))
        .filter_map(|at| {
            let mut after = at + 1;
            while after < at + 3
                && tokens
                    .get(after)
                    .is_some_and(|t| BEFORE_OWN_NUMBER.contains(&t.as_str()))
            {
                after += 1;
            }
            // Before the word, only an ordinal: "7th grade" (not "feb 30, budget ...").
            // "3 bed 2 bath", "3 recámaras, 2 baños": the number right before the word is
            // what it counts, the one after belongs to the next word.
            // A correction ("6 people, sorry 7") names the new number after.
            let counted_before = found
                .iter()
                .find(|q| q.end == at && !last)
                .map(|q| plain(q.value));
            // "2 adultos y un niño" for `ninos`: an article before a kind of person counts one.
            let one_person = at
                .checked_sub(1)
                .filter(|&before| {
                    matches!(tokens[before].as_str(), "un" | "una" | "a" | "an" | "one")
                        && PEOPLE_KINDS
                            .contains(&fold(tokens[at].trim_end_matches([',', '.'])).as_str())
                })
                .map(|_| "1".to_string());
            counted_before
                .or(one_person)
                .or_else(|| value_at(after))
                .or_else(|| {
                    let before = at.checked_sub(1)?;
                    tokens[before]
                        .ends_with(|c: char| c.is_alphabetic())
                        .then(|| value_at(before))
                        .flatten()
                })
        });
    let value = if last {
        named.next_back()
    } else {
        named.next()
    };
    value.or_else(|| {
        let yearly = own
            .iter()
            // `year`, not `years_in_business`: a count of years is no year.
            .any(|word| matches!(*word, "year" | "ano" | "anio" | "yr"));
        let mut years = tokens.iter().filter(|token| {
            token.len() == 4
                && token
                    .parse::<u32>()
                    .is_ok_and(|year| (1900..=2100).contains(&year))
        });
        let year = if last {
            years.next_back()
        } else {
            years.next()
        };
        yearly.then(|| year.cloned()).flatten()
    })
}

/// The measure a field's name names ("monthly_budget" -> money).
fn measure_of(field: &str) -> Option<&'static Measure> {
    let folded = fold(field);
    MEASURES.iter().find(|measure| {
        folded
            .split(['_', '-', ' '])
            .any(|word| measure.names.contains(&word))
    })
}

/// The word after a quantity, past an adjective-like filler ("6 new outlets").
fn unit_after<'t>(tokens: &'t [String], q: &Quantity) -> Option<&'t str> {
    let next = tokens.get(q.end).map(String::as_str)?;
    match next {
        "new" | "more" | "extra" | "mas" | "nuevas" | "nuevos" | "de" => {
            tokens.get(q.end + 1).map(String::as_str)
        }
        _ => Some(next),
    }
}

/// Whether the words around `q` say it is the value of `field`: its measure's words, or the
/// field's own name ("6 techs" for `techs`, "12 lámparas" for `lamps`).
fn said_for(tokens: &[String], q: &Quantity, field: &str, measure: Option<&Measure>) -> bool {
    let after = unit_after(tokens, q);
    let before: Vec<&str> = (1..=2)
        .filter_map(|back| {
            let at = q.start.checked_sub(back)?;
            let between_ok = (at + 1..q.start).all(|b| BETWEEN.contains(&tokens[b].as_str()));
            between_ok.then(|| tokens[at].as_str())
        })
        .collect();
    let names_field = |word: &str| {
        fold(field).split(['_', '-', ' ']).any(|name| {
            let (a, b) = (super::stem(name), super::stem(word));
            // A unit the name ends with is written after its number: "5cm" for `size_cm`.
            (UNIT_SUFFIXES.contains(&name) && name == word)
                || (name.len() >= 3
                    && (a == b || (a.len() >= 4 && b.starts_with(a)) || same_noun(name, word)))
        })
    };
    match measure {
        Some(measure) => {
            (after.is_some_and(|a| measure.after.contains(&a) || names_field(a))
                || before.iter().any(|b| measure.before.contains(b))
                || (measure.money && q.money(tokens))
                || (measure.names.contains(&"age") && ages_child(&before)))
                // "ya lleva 3 años en la escuela", "for 2 years": how long, not how old.
                && !(measure.names.contains(&"age")
                    && before.first().is_some_and(|b| DURATION_BEFORE.contains(b)))
                // "for 2 days": a length of time counts no people.
                && !(measure.names.contains(&"guests")
                    && after.is_some_and(|a| SPANS.contains(&a)))
                // "2 of us", "3 of us, 4 bags" (not "one of us is vegan")
                || (measure.names.contains(&"guests")
                    && q.value >= 2.0
                    && tokens.get(q.end).is_some_and(|w| w == "of")
                    && tokens.get(q.end + 1).is_some_and(|w| w == "us"))
        }
        None => after.is_some_and(names_field),
    }
}

/// Whether a field's word and the noun after a number name the same thing in another spelling,
/// number or language: "stories" and "2 storey", `licenses` and "5 licences", `minutes` and "30
/// mins", `pages` and "2 páginas".
fn same_noun(name: &str, word: &str) -> bool {
    let singular = |word: &str| match word.strip_suffix("ies") {
        Some(stem) => format!("{stem}y"),
        None => word.trim_end_matches('s').to_string(),
    };
    singular(name) == singular(word)
        || super::one_typo(name, word)
        || NOUNS
            .iter()
            .any(|group| group.contains(&name) && group.contains(&word))
}

/// Nouns counted under one name in either language or spelling (see [`same_noun`]).
const NOUNS: &[&[&str]] = &[
    &[
        "stories", "story", "storey", "storeys", "floors", "pisos", "plantas",
    ],
    &["minutes", "mins", "min", "minutos"],
    &["pages", "page", "paginas", "pagina", "hojas"],
    &["chairs", "chair", "sillas", "silla"],
    &["tables", "table", "mesas", "mesa"],
    &["boxes", "box", "cajas", "caja"],
    &["bags", "bag", "bolsas", "bolsa"],
    &["bottles", "bottle", "botellas", "botella"],
];

/// Whether `q` counts the things a quantity field asks for: said before a noun ("three large
/// pepperoni", "tres pasteles"), not a sum ("$50 ones").
fn counts_things(tokens: &[String], q: &Quantity, field: &str) -> bool {
    super::field_says(field, &["quantity", "qty", "cantidad"])
        && !q.money(tokens)
        && unit_after(tokens, q).is_some_and(names_a_thing)
}

/// Whether `word`, after a number, names the things counted: "three large pepperoni", "five
/// loaves", "tres pasteles" (not "2 de chocolate", "5 am", "3 hours", "4 de mayo").
fn names_a_thing(word: &str) -> bool {
    const NOT_THINGS: &[&str] = &[
        "de", "of", "del", "al", "am", "pm", "hrs", "hr", "horas", "hora", "hours", "hour",
        "minutes", "mins", "min", "minutos", "para", "for", "and", "y", "or", "o", "the", "el",
        "la", "los", "las", "at", "in", "en", "por", "con", "with", "to", "a", "days", "dias",
        "weeks", "semanas", "nights", "noches", "years", "anos", "piso", "dpto", "depto", "apt",
        "floor", "street", "ave", "avenue", "calle", "suite", "unit",
    ];
    word.chars().count() >= 3
        && word.chars().all(char::is_alphabetic)
        && !NOT_THINGS.contains(&word)
        && !is_month(word)
        && !is_weekday(word)
}

/// Ordinals in words, as a school year is said: "segundo de primaria", "third grade".
const ORDINAL_WORDS: &[(&str, u32)] = &[
    ("primero", 1),
    ("primer", 1),
    ("segundo", 2),
    ("tercero", 3),
    ("tercer", 3),
    ("cuarto", 4),
    ("quinto", 5),
    ("sexto", 6),
    ("septimo", 7),
    ("octavo", 8),
    ("first", 1),
    ("second", 2),
    ("third", 3),
    ("fourth", 4),
    ("fifth", 5),
    ("sixth", 6),
    ("seventh", 7),
    ("eighth", 8),
];

/// Words after "de" that name a stage of school: "3º de la ESO", "5o de primaria".
const SCHOOL_STAGES: &[&str] = &[
    "primaria",
    "secundaria",
    "eso",
    "bachillerato",
    "preparatoria",
    "prepa",
    "basico",
    "basica",
    "medio",
    "media",
    "kinder",
];

/// The school year a child is in, said as an ordinal or a number before its stage or "grade":
/// "va a 3º de la ESO", "segundo de primaria", "he's in 5th grade".
fn school_year(tokens: &[String]) -> Option<String> {
    (0..tokens.len()).find_map(|at| {
        let token = tokens[at].as_str();
        let digits_end = token
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(token.len());
        let (digits, ending) = token.split_at(digits_end);
        let value =
            if !digits.is_empty() && (ending.is_empty() || ORDINAL_ENDINGS.contains(&ending)) {
                digits.parse::<u32>().ok()?
            } else {
                ordinal_word(token)?
            };
        let rest: Vec<&str> = tokens[at + 1..]
            .iter()
            .take(3)
            .map(String::as_str)
            .collect();
        let staged = match rest.as_slice() {
            ["grade", ..] => true,
            ["de", "la" | "el", stage, ..] | ["de", stage, ..] => SCHOOL_STAGES.contains(stage),
            _ => false,
        };
        (staged && (1..=12).contains(&value)).then(|| value.to_string())
    })
}

/// Units of time after a number: it says how long, not how many people.
const SPANS: &[&str] = &[
    "days", "day", "nights", "night", "hours", "hrs", "weeks", "months", "years", "dias", "dia",
    "noches", "horas", "semanas", "meses", "anos", "minutes", "mins", "minutos",
];

/// Words before a number of years that make it how long something has lasted, not an age.
const DURATION_BEFORE: &[&str] = &[
    "lleva", "llevo", "llevamos", "llevan", "hace", "for", "since", "desde", "durante", "over",
];

/// Who a number right after is the age of: "my daughter (9)", "he is 9", "my son is nine",
/// "mi hija de 14", "mi hijo de doce".
const CHILDREN: &[&str] = &[
    "son", "daughter", "kid", "child", "boy", "girl", "he", "she", "hijo", "hija", "nino", "nina",
    "nene", "nena", "nieto", "nieta", "sobrino", "sobrina",
];

/// Whether the words before a number (nearest first) make it a child's age.
fn ages_child(before: &[&str]) -> bool {
    match before {
        [kin, ..] if CHILDREN.contains(kin) => true,
        ["is" | "de" | "es", kin, ..] => CHILDREN.contains(kin),
        _ => false,
    }
}

impl Quantity {
    /// A sum of money: "$2,400", "850k", "2 millones", "1.200 euros".
    fn money(&self, tokens: &[String]) -> bool {
        let first = tokens[self.start].as_str();
        first.starts_with(['$', '€', '£'])
            || first.ends_with('k')
            || tokens[self.start..self.end]
                .iter()
                .any(|t| MULTIPLIERS.iter().any(|(m, n)| m == t && *n >= 1e3))
            || tokens.get(self.end).is_some_and(|a| {
                matches!(
                    a.as_str(),
                    "euros"
                        | "dollars"
                        | "pesos"
                        | "usd"
                        | "eur"
                        | "mxn"
                        | "bucks"
                        | "€"
                        | "$"
                        | "£"
                )
            })
    }
}

/// `2500`, `85.5`: no exponent, no trailing zeros.
fn plain(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        format!("{value}")
    }
}

fn quantities(text: &str) -> Vec<Quantity> {
    read(text).1
}

/// The message's tokens (folded, "3br" split into "3" and "br", "$2,400/mo" without its "/mo")
/// and the quantities among them.
fn read(text: &str) -> (Vec<String>, Vec<Quantity>) {
    let folded = fold(text);
    let mut owned: Vec<String> = Vec::new();
    // Tokens that close a clause: "12 de septiembre, 4 noches" gives no "septiembre 4".
    let mut closes: Vec<bool> = Vec::new();
    for raw in folded.split_whitespace() {
        let token = raw
            .trim_matches(|c: char| {
                !c.is_alphanumeric() && !matches!(c, '.' | ',' | '$' | '€' | '£' | '#')
            })
            .trim_end_matches(['.', ',']);
        // "$2,400/mo", "900/mes": a rate, the amount before the slash.
        let token = match token.split_once('/') {
            Some((amount, period))
                if period.chars().all(char::is_alphabetic) && !amount.is_empty() =>
            {
                amount
            }
            _ => token,
        };
        let (digits, unit) = token.split_at(
            token
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(token.len()),
        );
        // "a 25-person firm", "3-bedroom": the number, then the word it counts.
        let hyphened = unit
            .strip_prefix('-')
            .filter(|word| !word.is_empty() && word.chars().all(char::is_alphabetic));
        let split = !digits.is_empty() && UNIT_SUFFIXES.contains(&unit);
        // "64,95€": the amount, then its currency.
        let priced = token
            .strip_suffix(['€', '$', '£'])
            .filter(|amount| amount.starts_with(|c: char| c.is_ascii_digit()));
        if let Some(amount) = priced {
            owned.push(amount.to_string());
            owned.push(token[amount.len()..].to_string());
            closes.push(false);
        } else if split {
            owned.push(digits.to_string());
            owned.push(unit.to_string());
            closes.push(false);
        } else if let Some(word) = hyphened.filter(|_| !digits.is_empty()) {
            owned.push(digits.to_string());
            owned.push(word.to_string());
            closes.push(false);
        } else {
            owned.push(token.to_string());
        }
        closes.push(raw.ends_with([',', ';']));
    }
    let tokens: Vec<&str> = owned.iter().map(String::as_str).collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        // "+54 9 11 6677 0091": a country code opens a phone number; it and its groups count
        // nothing.
        if tokens[i]
            .strip_prefix('+')
            .is_some_and(|code| !code.is_empty() && code.chars().all(|c| c.is_ascii_digit()))
        {
            i += 1;
            while tokens
                .get(i)
                .is_some_and(|t| !t.is_empty() && t.chars().all(|c| c.is_ascii_digit()))
            {
                i += 1;
            }
            continue;
        }
        // "Kevin Romo 664 555 1234", "664 123": a phone number written in groups counts nothing.
        let groups = phone_groups(&tokens[i..]);
        if groups > 0 {
            i += groups;
            continue;
        }
        let token = tokens[i];
        // "half a million in coverage", "medio millón".
        if let Some((value, used)) = half_of(&tokens[i..]) {
            found.push(Quantity {
                value,
                counted: true,
                start: i,
                end: i + used,
            });
            i += used;
            continue;
        }
        let before = i.checked_sub(1).map(|b| tokens[b]);
        let after = tokens.get(i + 1).copied();
        let multiplier = after.and_then(|next| {
            MULTIPLIERS
                .iter()
                .find(|(word, _)| *word == next)
                .map(|(_, m)| *m)
        });
        let currency = token.starts_with(['$', '€', '£']);
        // "twenty five", "twenty-five", "treinta y cinco", "veinticinco".
        if let Some((value, used)) = compound(&tokens, i) {
            // "nine and a half" (a shoe size).
            let half = match tokens.get(i + used..i + used + 3) {
                Some(["and", "a", "half"]) => 3,
                _ => 0,
            };
            let used = used + half;
            let value = if half > 0 { value + 0.5 } else { value };
            found.push(Quantity {
                value,
                counted: before.is_some_and(|b| COUNT_BEFORE.contains(&b))
                    || hedged_count(&tokens[..i])
                    || tokens
                        .get(i + used)
                        .is_some_and(|a| COUNT_AFTER.contains(a)),
                start: i,
                end: i + used,
            });
            i += used;
            continue;
        }
        let value = match NUMBER_WORDS.iter().find(|(word, _)| *word == token) {
            // "un"/"una" count only before a multiplier or a counted noun ("una docena", "solo
            // una noche", "y un niño").
            Some((word, _))
                if matches!(*word, "un" | "una")
                    && multiplier.is_none()
                    && !after.is_some_and(|a| {
                        COUNT_AFTER.contains(&a)
                            || PEOPLE_KINDS.contains(&a)
                            // "una persona es celíaca" is someone, not a count.
                            || (MEASURES.iter().any(|m| m.after.contains(&a))
                                && !matches!(a, "persona" | "person"))
                    }) =>
            {
                i += 1;
                continue;
            }
            Some((_, n)) => Some(f64::from(*n)),
            // "a dozen", "about an hour".
            None if matches!(token, "a" | "an")
                && (multiplier == Some(12.0)
                    || after.is_some_and(|a| matches!(a, "hour" | "hr"))) =>
            {
                Some(1.0)
            }
            None => decimal(token.trim_start_matches(['$', '€', '£'])),
        };
        let Some(value) = value else {
            i += 1;
            continue;
        };
        // Part of a time ("7pm", "7:30", "at 7"), a day ("the 5th", "5 de marzo") or an id; but
        // "order two of the hoodies", "hasta 4.5 millones" count.
        // A noun of what is counted, not a preposition: "at 7 with my wife" is a time.
        let counted_after = after.is_some_and(|a| {
            (COUNT_AFTER.contains(&a) && !PREPOSITIONS.contains(&a))
                || MEASURES.iter().any(|m| m.after.contains(&a))
        });
        let spelled = !token.starts_with(|c: char| c.is_ascii_digit());
        // "hasta 18,000", "until 720.000": thousands written in groups are no time or day.
        let grouped = value >= 1000.0 && token.contains([',', '.']);
        // "hasta 650k": thousands are no hour either.
        let thousands = grouped || token.ends_with('k');
        let timed = after.is_some_and(|a| {
            matches!(a, "am" | "pm" | "a.m" | "p.m" | "h" | "o'clock")
                // "1400 hrs" is a time, "6 hrs" a number of hours.
                || (a == "hrs" && token.len() >= 3)
                || is_month(a)
                || (a == "de" && tokens.get(i + 2).is_some_and(|m| is_month(m)))
        }) || hedged_hour_after_day(&tokens[..i], spelled || counted_after)
            || before.is_some_and(|b| {
                // "el domingo 20", "el martes 8": a day of the month.
                (is_month(b) && !closes[i - 1])
                || (is_weekday(b) && !closes[i - 1] && !spelled && !counted_after)
                // "No. 6" names a number; "ah no, 6" refuses the one before.
                || (NOT_COUNT_BEFORE.contains(&b)
                    && !(b == "no" && closes[i - 1])
                    && multiplier.is_none()
                    && !thousands
                    && !counted_after
                    && !(matches!(b, "order" | "pedido") && spelled))
            });
        let shaped = token.contains([':', '/']) || token.starts_with('#');
        // A phone number: a long run of digits without thousands separators, or in groups that
        // are no thousands ("416.555.0150", "555-0142").
        let phone =
            (token.len() >= 7 && token.chars().all(|c| c.is_ascii_digit())) || dotted_phone(token);
        if timed && !currency || shaped || phone {
            i += 1;
            continue;
        }
        let counted = currency
            || token.ends_with('k')
            || multiplier.is_some()
            || before.is_some_and(|b| COUNT_BEFORE.contains(&b))
            || hedged_count(&tokens[..i])
            || after.is_some_and(|a| COUNT_AFTER.contains(&a));
        let mut used = if multiplier.is_some() { 2 } else { 1 };
        let mut value = value * multiplier.unwrap_or(1.0);
        // "2 millones y medio", "a million and a half".
        let rest: Vec<&str> = tokens.iter().skip(i + used).take(3).copied().collect();
        let half = match rest.as_slice() {
            ["y", "medio", ..] => 2,
            ["and", "a", "half"] => 3,
            _ => 0,
        };
        if half > 0 {
            // "2 millones y medio"; "nine and a half", "26 y medio" (a shoe size).
            value += multiplier.filter(|m| *m >= 1e3).unwrap_or(1.0) / 2.0;
            used += half;
        }
        found.push(Quantity {
            value,
            counted,
            start: i,
            end: i + used,
        });
        i += used;
    }
    (owned, found)
}

/// "thursday around 2", "pickup tomorrow around 10": a hedged number right after a day is
/// the hour of that day, not a count (`counted` when a noun after it says what it counts).
fn hedged_hour_after_day(before: &[&str], counted: bool) -> bool {
    matches!(before, [.., day, "around" | "about" | "like" | "tipo"]
        if is_weekday(day)
            || matches!(*day, "tomorrow" | "tmrw" | "today" | "tonight" | "manana" | "hoy"))
        && !counted
}

/// How many tokens a phone number written in groups of digits takes at the start of `tokens`
/// ("664 555 1234", "33 1234 5678", "664 123", "688 03 41"): two or more runs of bare digits
/// in a row, six digits or more in all, the second of three or more unless there are three
/// runs; 0 when it is not one.
fn phone_groups(tokens: &[&str]) -> usize {
    let bare = |token: &&&str| token.len() >= 2 && token.chars().all(|c| c.is_ascii_digit());
    let run = tokens.iter().take_while(bare).count();
    let digits: usize = tokens[..run].iter().map(|token| token.len()).sum();
    if run >= 2 && (tokens[1].len() >= 3 || run >= 3) && digits >= 6 {
        run
    } else {
        0
    }
}

/// A phone number written as one token in groups of digits that thousands are not written in
/// ("416.555.0150", "555-0142", "612-34-56"): seven digits or more, three groups or more, one
/// after the first not of three digits.
fn dotted_phone(token: &str) -> bool {
    let groups: Vec<&str> = token.split(['.', '-']).collect();
    groups.len() >= 3
        && groups
            .iter()
            .all(|group| !group.is_empty() && group.chars().all(|c| c.is_ascii_digit()))
        && groups.iter().map(|group| group.len()).sum::<usize>() >= 7
        && groups[1..].iter().any(|group| group.len() != 3)
}

/// Half of a large number said in words: "half a million" (three tokens), "medio millón" (two).
fn half_of(tokens: &[&str]) -> Option<(f64, usize)> {
    let multiplier = |word: &str| {
        MULTIPLIERS
            .iter()
            .find(|(name, m)| *name == word && *m >= 1e3)
            .map(|(_, m)| *m)
    };
    match tokens {
        ["half", "a", large, ..] => Some((multiplier(large)? / 2.0, 3)),
        ["medio", large, ..] => Some((multiplier(large)? / 2.0, 2)),
        _ => None,
    }
}

/// A number written in two words or a joined one: tens and units ("twenty five", "twenty-five",
/// "treinta y cinco", "veintiséis"); the value and how many tokens it used.
fn compound(tokens: &[&str], i: usize) -> Option<(f64, usize)> {
    let word = |token: &str| {
        NUMBER_WORDS
            .iter()
            .find(|(w, _)| *w == token)
            .map(|(_, n)| *n)
    };
    let unit = |token: &str| word(token).filter(|n| (1..=9).contains(n));
    let tens = |token: &str| word(token).filter(|n| n % 10 == 0 && (20..=90).contains(n));
    // "about a hundred" ends the text: the number after "hundred" is looked for past the end.
    let token = *tokens.get(i)?;
    // "one hundred twenty", "two hundred and fifty": how many hundreds, and the rest.
    if let Some(hundreds) = unit(token)
        && tokens.get(i + 1) == Some(&"hundred")
    {
        let (value, used) = compound(tokens, i + 1)?;
        return Some((f64::from(hundreds - 1) * 100.0 + value, used + 1));
    }
    // "ciento veinte", "hundred and fifty": a hundred and the number after it.
    if matches!(token, "ciento" | "hundred") {
        let next = if tokens.get(i + 1) == Some(&"and") {
            i + 2
        } else {
            i + 1
        };
        let low = compound(tokens, next).or_else(|| {
            let n = word(tokens.get(next)?).filter(|n| *n < 100)?;
            Some((f64::from(n), 1))
        });
        return match low {
            Some((low, used)) => Some((100.0 + low, next - i + used)),
            None => Some((100.0, 1)),
        };
    }
    if let Some(rest) = token.strip_prefix("veinti")
        && let Some(n) = unit(if rest == "un" { "uno" } else { rest })
    {
        return Some((f64::from(20 + n), 1));
    }
    if let Some((high, low)) = token.split_once('-')
        && let (Some(high), Some(low)) = (tens(high), unit(low))
    {
        return Some((f64::from(high + low), 1));
    }
    let high = tens(token)?;
    match (tokens.get(i + 1), tokens.get(i + 2)) {
        (Some(&"y"), Some(low)) if unit(low).is_some() => Some((f64::from(high + unit(low)?), 3)),
        (Some(low), _) if unit(low).is_some() => Some((f64::from(high + unit(low)?), 2)),
        _ => None,
    }
}

/// "1,500" and "1.500" (thousands), "85,5" and "2.5" (decimals), "2.5k", "40" -> the value.
fn decimal(token: &str) -> Option<f64> {
    // "20ish": a hedge.
    let token = token.strip_suffix("ish").unwrap_or(token);
    let (digits, scale) = match token.strip_suffix('k') {
        Some(digits) => (digits, 1e3),
        None => (token, 1.0),
    };
    if digits.is_empty()
        || !digits.starts_with(|c: char| c.is_ascii_digit())
        || !digits
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | ','))
    {
        return None;
    }
    let separators: Vec<(usize, char)> = digits
        .char_indices()
        .filter(|(_, c)| !c.is_ascii_digit())
        .collect();
    // The last separator is the decimal point unless it is followed by exactly three digits
    // (a thousands group) and is not the only kind of separator followed by fewer.
    let plain: String = match separators.last() {
        None => digits.to_string(),
        Some(&(at, sep)) => {
            let mixed = separators.iter().any(|(_, c)| *c != sep);
            let group = digits.len() - at - 1 == 3;
            let decimal_at = if mixed || !group { Some(at) } else { None };
            digits
                .char_indices()
                .filter_map(|(i, c)| match c {
                    '.' | ',' if Some(i) == decimal_at => Some('.'),
                    '.' | ',' => None,
                    digit => Some(digit),
                })
                .collect()
        }
    };
    plain.parse::<f64>().ok().map(|value| value * scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_number_with_its_own_fields_unit_is_that_fields() {
        let age = |text| field_number(text, "child_age", &[], NumberAsk::default());
        assert_eq!(age("for 9 year olds").as_deref(), Some("9"));
        assert_eq!(age("clases para niños de 7 años").as_deref(), Some("7"));
    }

    #[test]
    fn hundreds_in_spanish_words() {
        let guests = |text| field_number(text, "invitados", &[], NumberAsk::default());
        assert_eq!(guests("como doscientos invitados").as_deref(), Some("200"));
        assert_eq!(guests("unas quinientas personas").as_deref(), Some("500"));
        // A hundred that ends the text (found by fuzzing: it read past the last word).
        assert_eq!(guests("seremos como ciento").as_deref(), Some("100"));
        // It panicked; what it reads is not the point here.
        guests("we expect about a hundred");
    }

    #[test]
    fn a_count_per_week_is_the_one_said_with_its_week() {
        let weekly = |text: &str, field: &str| field_number(text, field, &[], NumberAsk::default());
        for (text, field, count) in [
            ("probably twice a week", "sessions_per_week", "2"),
            ("3x a week", "sessions_per_week", "3"),
            ("5 days a week, hour long walks", "walks_per_week", "5"),
            ("dos veces por semana", "sesiones_semana", "2"),
            ("tres días a la semana", "sesiones_semana", "3"),
            ("un par de horas a la semana", "horas_semana", "2"),
            ("maybe 20 hrs a week", "hours_per_week", "20"),
        ] {
            assert_eq!(weekly(text, field).as_deref(), Some(count), "{text}");
        }
        // A number of weeks is no count per week.
        assert_eq!(
            weekly("3 weeks, twice a week", "weeks").as_deref(),
            Some("3")
        );
    }

    #[test]
    fn the_number_before_the_fields_word_is_its_count() {
        let rooms = |text, field| field_number(text, field, &[], NumberAsk::default());
        assert_eq!(
            rooms("move out clean, 3 bed 2 bath", "bedrooms").as_deref(),
            Some("3")
        );
        assert_eq!(
            rooms("3 recámaras, 2 baños", "recamaras").as_deref(),
            Some("3")
        );
        assert_eq!(rooms("headcount 45", "headcount").as_deref(), Some("45"));
        // A total in parts gives a field for one part that part.
        assert_eq!(
            rooms("vamos 3 adultos y una niña", "ninos").as_deref(),
            Some("1")
        );
        assert_eq!(rooms("3 adults and a kid", "adults").as_deref(), Some("3"));
    }

    #[test]
    fn a_number_after_a_weekday_is_its_day() {
        assert_eq!(number("no, mejor el domingo 20, el sábado trabajo"), None);
        assert_eq!(number("el martes 8?"), None);
        assert_eq!(number("tuesday 4 people").as_deref(), Some("4"));
        // A hedged hour after a day is its time, not a count.
        assert_eq!(number("could we do a demo thursday around 2"), None);
        assert_eq!(number("pickup tomorrow around 10"), None);
        assert_eq!(number("tomorrow around 10 people").as_deref(), Some("10"));
    }

    #[test]
    fn phone_numbers_in_groups_and_halves() {
        assert_eq!(number("Kevin Romo 664 555 1234"), None);
        assert_eq!(number("664 123"), None);
        assert_eq!(number("mi cel 55 2020 3030"), None);
        assert_eq!(
            number("hey quiero 2 hoodies. Kevin 664 555 1234").as_deref(),
            Some("2")
        );
        assert_eq!(
            number("around half a million in coverage").as_deref(),
            Some("500000")
        );
        assert_eq!(
            number("un seguro de medio millón").as_deref(),
            Some("500000")
        );
        assert_eq!(number("size nine and a half").as_deref(), Some("9.5"));
        assert_eq!(number("twenty five and a half").as_deref(), Some("25.5"));
        assert_eq!(number("talla 26 y medio").as_deref(), Some("26.5"));
        // Groups that thousands are not written in are a phone number, however joined.
        assert_eq!(number("need 5 more. 416.555.0150").as_deref(), Some("5"));
        assert_eq!(number("206-555-0102"), None);
        assert_eq!(number("Nerea 688 03 41"), None);
        assert_eq!(number("1.200.000").as_deref(), Some("1200000"));
        assert_eq!(
            number("3 gift cards. +54 9 11 6677 0091").as_deref(),
            Some("3")
        );
        assert_eq!(number("budget hasta 650k").as_deref(), Some("650000"));
        assert_eq!(number("budget maybe 3 grand?").as_deref(), Some("3000"));
    }

    #[test]
    fn someone_joining_is_said_in_either_language() {
        assert!(someone_joins("make that 8, her sister's joining"));
        assert!(someone_joins("WAIT SIX. MY COUSIN IS COMING"));
        assert!(someone_joins("mejor 5, viene mi hermana"));
        assert!(!someone_joins("make it 9, if that's convenient"));
    }

    #[test]
    fn people_listed_are_added_up() {
        assert_eq!(people_listed("me, my wife and 2 kids"), Some(4));
        assert_eq!(people_listed("me plus my 3 kids"), Some(4));
        assert_eq!(people_listed("just me and my husband"), Some(2));
        assert_eq!(people_listed("dos adultos y un niño"), Some(3));
        assert_eq!(people_listed("3 noches, 2 adultos y 2 nenes"), Some(4));
        assert_eq!(people_listed("seremos 6 más un bebé"), Some(7));
        assert_eq!(people_listed("for 2 adults 1 teen?"), Some(3));
        assert_eq!(people_listed("somos dos parejas"), Some(4));
        assert_eq!(people_listed("somos 40 adultos y 25 niños"), Some(65));
        assert_eq!(
            people_listed("table for tonight? 4 adults + 2 little ones"),
            Some(6)
        );
        assert_eq!(people_listed("somos 4 + 1 bebé"), Some(5));
        assert_eq!(people_listed("vamos mi esposa, yo y el bebé"), Some(3));
        assert_eq!(people_listed("its me, my husband + our 3 kiddos"), Some(5));
        assert_eq!(people_listed("2 adults and our teenager"), Some(3));
        assert_eq!(people_listed("for 2 adults and our toddler"), Some(3));
        assert_eq!(people_listed("somos yo, mi señora y tres chicos"), Some(5));
        assert_eq!(people_listed("any openings saturday? 3 of us"), Some(3));
        assert_eq!(people_listed("somos un equipo de 3"), Some(3));
        assert_eq!(people_listed("twenty two of us"), None);
        assert_eq!(people_listed("somos 8... no, al final somos 10"), Some(10));
        assert_eq!(
            people_listed("vamos mi marido, yo y los tres niños"),
            Some(5)
        );
        // A total said, a part not counted, one part alone: not a list to add up.
        assert_eq!(people_listed("make it 4 people, mi hermana viene"), None);
        assert_eq!(
            people_listed("quiero clases de salsa con mi novio"),
            Some(2)
        );
        assert_eq!(people_listed("para mi y una amiga"), Some(2));
        assert_eq!(people_listed("table for 4 with my wife"), None);
        assert_eq!(
            people_listed("somos 4 en total, mi esposo, yo y los kids"),
            Some(4)
        );
        assert_eq!(people_listed("para mí y mi esposo, yo tengo 34"), Some(2));
        assert_eq!(people_listed("somos 2 y un bebé"), Some(3));
        assert_eq!(people_listed("somos 4 y una guagua"), Some(5));
        assert_eq!(people_listed("me and my kids"), None);
        assert_eq!(people_listed("table for 6, 2 kids"), None);
        assert_eq!(people_listed("text me when my wife can come"), None);
        assert_eq!(people_listed("me, the wife and our 3 boys"), Some(5));
        assert_eq!(people_listed("me, hubby and my 2 grandkids"), Some(4));
        assert_eq!(people_listed("bringing my mom and 2 bridesmaids"), Some(3));
        assert_eq!(
            people_listed("no wait mi esposo quiere traer a su hermano so 3"),
            Some(3)
        );
        // "yo" greets; "so one more" adds one, it is no total.
        assert_eq!(people_listed("yo how much for 12 girls"), None);
        assert_eq!(people_listed("yo, mi esposa y 2 nenes"), Some(4));
        assert_eq!(
            people_listed("my sister is coming too so one more adult"),
            None
        );
    }

    #[test]
    fn things_listed_are_added_up_for_a_field_that_counts_them_all() {
        assert_eq!(
            things_listed("pickup today? 5 shirts, 2 suits", "items"),
            Some(7)
        );
        assert_eq!(
            things_listed("tengo 2 abrigos y un traje", "prendas"),
            Some(3)
        );
        assert_eq!(
            things_listed("3 pepperoni and 2 margherita", "pizzas"),
            Some(5)
        );
        assert_eq!(
            things_listed("quiero 60 de vino y 60 de champagne", "copas"),
            Some(120)
        );
        // A part the field names is the count; so are the things another word of it names.
        assert_eq!(things_listed("2 pizzas and 3 sodas", "pizzas"), None);
        assert_eq!(
            things_listed("60 chairs and 8 round tables", "tables"),
            None
        );
        assert_eq!(things_listed("54 alumnos y 4 profes", "profesores"), None);
        assert_eq!(
            things_listed("son como 20 cajas y una nevera", "boxes"),
            None
        );
        // What, not how many; a unit; the message going on to something else.
        assert_eq!(
            things_listed("una heladera y un lavarropas", "ayudantes"),
            None
        );
        assert_eq!(things_listed("3 nights, 2 adults", "items"), None);
        assert_eq!(things_listed("2 piezas, a Querétaro", "piezas"), None);
        assert_eq!(
            things_listed("3 juegos, a nombre de Verónica", "piezas"),
            None
        );
        assert_eq!(
            things_listed("make it 5 lanes, 4 will be tight", "bowlers"),
            None
        );
    }

    #[test]
    fn a_count_of_things_in_parts_is_a_plural_or_generic_count() {
        for field in ["items", "prendas", "botellas", "cantidad", "num_pizzas"] {
            assert!(counts_things_in_parts(field), "{field}");
        }
        for field in [
            "budget",
            "guests",
            "nights",
            "year",
            "order_number",
            "age",
            "kids",
        ] {
            assert!(!counts_things_in_parts(field), "{field}");
        }
    }

    #[test]
    fn counts_after_a_day_amounts_and_hundreds() {
        let number = |text, field| field_number(text, field, &[], NumberAsk::default());
        assert_eq!(
            number("del 12 de septiembre, 4 nights", "nights").as_deref(),
            Some("4")
        );
        assert_eq!(
            number("el 2 de octubre, dos noches", "noches").as_deref(),
            Some("2")
        );
        assert_eq!(
            number("puedo pagar hasta 720.000 por mes", "presupuesto").as_deref(),
            Some("720000")
        );
        assert_eq!(
            number("me devolvéis los 64,95€?", "importe").as_deref(),
            Some("64.95")
        );
        assert_eq!(
            number("team of about one hundred twenty", "team_size").as_deref(),
            Some("120")
        );
        assert_eq!(
            number("licencias para 7 personas más", "seats").as_deref(),
            Some("7")
        );
        // A day still is no count: "hasta el 15", "septiembre 4".
        assert_eq!(number("abierto hasta el 15", "nights"), None);
        assert_eq!(number("llego el 12 de septiembre 4", "nights"), None);
    }

    #[test]
    fn a_correction_takes_the_new_number_not_the_old_or_the_added() {
        let corrected = |text| {
            field_number(
                text,
                "party_size",
                &[],
                NumberAsk {
                    asked: true,
                    correcting: true,
                    known: true,
                },
            )
        };
        assert_eq!(
            corrected("make that 9, two more hires").as_deref(),
            Some("9")
        );
        assert_eq!(corrected("oops 6 ppl not 5").as_deref(), Some("6"));
        assert_eq!(corrected("ah no, 6").as_deref(), Some("6"));
        assert_eq!(corrected("no, 7 then").as_deref(), Some("7"));
        assert_eq!(corrected("mejor 4 así regalo uno").as_deref(), Some("4"));
    }

    #[test]
    fn amounts_in_either_convention() {
        assert_eq!(number("about $2,500 total").as_deref(), Some("2500"));
        assert_eq!(number("1.5k").as_deref(), Some("1500"));
        assert_eq!(number("1.200 euros").as_deref(), Some("1200"));
        assert_eq!(number("unos 85,5 m2").as_deref(), Some("85.5"));
        assert_eq!(number("2 millones").as_deref(), Some("2000000"));
        assert_eq!(number("1,234.5").as_deref(), Some("1234.5"));
        assert_eq!(number("seremos doce").as_deref(), Some("12"));
        assert_eq!(number("necesito una docena").as_deref(), Some("12"));
        assert_eq!(number("a dozen").as_deref(), Some("12"));
        // Found by fuzzing: "55.555.501" reads as 55555501, which must validate as itself.
        assert_eq!(number("(55.555.501").as_deref(), Some("55555501"));
        assert_eq!(number("55555501").as_deref(), Some("55555501"));
        assert_eq!(number("no idea"), None);
        assert_eq!(number("una mesa"), None, "an article is no number");
        assert_eq!(number("twenty five").as_deref(), Some("25"));
        assert_eq!(number("twenty-five").as_deref(), Some("25"));
        assert_eq!(number("treinta y cinco").as_deref(), Some("35"));
        assert_eq!(number("veintiséis").as_deref(), Some("26"));
    }

    #[test]
    fn unasked_numbers_need_words_that_say_they_count() {
        let counted = |text| field_number(text, "quantity", &[], NumberAsk::default());
        assert_eq!(
            counted("Can I book a table for 4 on Friday at 7pm?").as_deref(),
            Some("4")
        );
        assert_eq!(counted("three of us").as_deref(), Some("3"));
        assert_eq!(
            counted("rentan sillas? necesito like 60").as_deref(),
            Some("60")
        );
        assert_eq!(counted("tengo como 3 bolsas").as_deref(), Some("3"));
        assert_eq!(counted("en la mañana, like 9").as_deref(), None);
        assert_eq!(counted("we need 150 shirts").as_deref(), Some("150"));
        assert_eq!(counted("quiero 6 paquetes").as_deref(), Some("6"));
        assert_eq!(counted("i want two pairs").as_deref(), Some("2"));
        assert_eq!(counted("somos dieciocho").as_deref(), Some("18"));
        assert_eq!(counted("el piso tiene 92,5 m2").as_deref(), Some("92.5"));
        assert_eq!(counted("call me at 7 on the 5th"), None);
        let known = |text| {
            field_number(
                text,
                "guests",
                &[],
                NumberAsk {
                    known: true,
                    ..NumberAsk::default()
                },
            )
        };
        assert_eq!(known("one of us is vegan"), None, "a known value stays");
        assert_eq!(known("en total cuatro").as_deref(), Some("4"));
        assert_eq!(counted("Mike Russo, 773-555-0154"), None);
        assert_eq!(counted("el 5 de marzo a las 8"), None);
        assert_eq!(
            field_number(
                "4 adults, wait make it 5 people",
                "quantity",
                &[],
                NumberAsk {
                    correcting: true,
                    known: true,
                    ..NumberAsk::default()
                }
            )
            .as_deref(),
            Some("5")
        );
    }

    #[test]
    fn each_number_field_takes_the_number_said_with_what_it_counts() {
        let read =
            |text, field, others: &[&str]| field_number(text, field, others, NumberAsk::default());
        let listing = "looking to buy in Park Slope, max 850k, 3br";
        assert_eq!(
            read(listing, "budget", &["bedrooms"]).as_deref(),
            Some("850000")
        );
        assert_eq!(read(listing, "bedrooms", &["budget"]).as_deref(), Some("3"));
        let piso = "busco piso, máximo 1.200 euros al mes y mínimo 70 m2";
        assert_eq!(read(piso, "size", &["budget"]).as_deref(), Some("70"));
        assert_eq!(read(piso, "budget", &["size"]).as_deref(), Some("1200"));
        assert_eq!(
            read("presupuesto 2 millones y medio", "budget", &[]).as_deref(),
            Some("2500000")
        );
        assert_eq!(
            read("rent a 2 bed, about $2,400/mo", "budget", &[]).as_deref(),
            Some("2400")
        );
        assert_eq!(
            read("odometer says 62,300", "mileage", &[]).as_deref(),
            Some("62300")
        );
        assert_eq!(
            read("el service de los 10.000 km", "km", &[]).as_deref(),
            Some("10000")
        );
        assert_eq!(read("for our 6 techs", "techs", &[]).as_deref(), Some("6"));
        assert_eq!(
            read("instalar 12 lámparas", "lamps", &[]).as_deref(),
            Some("12")
        );
        assert_eq!(
            read("can i order two of the hoodies", "qty", &[]).as_deref(),
            Some("2")
        );
        for (text, age) in [
            ("he is 9", "9"),
            ("my son is nine", "9"),
            ("es para mi hija de 14", "14"),
            ("mi hijo de doce quiere aprender batería", "12"),
            ("hi my daughter (9) wants to start piano", "9"),
            ("openings for a 2 yr old", "2"),
            ("my son Leo (6), never skied before", "6"),
            ("is there room for a 10 year old?", "10"),
            ("hi my 4yo has a rash", "4"),
            ("I'm 46", "46"),
        ] {
            assert_eq!(read(text, "child_age", &[]).as_deref(), Some(age), "{text}");
        }
        assert_eq!(read("clase de 5 personas", "edad", &[]), None);
        for (text, year) in [
            ("mi hija Lucía va a 3º de la ESO", "3"),
            ("va en 5o de primaria y va mal en mate", "5"),
            ("para segundo de primaria, turno de la mañana", "2"),
        ] {
            assert_eq!(read(text, "grado", &[]).as_deref(), Some(year), "{text}");
        }
        assert_eq!(read("ya lleva 3 años en la escuela", "edad", &[]), None);
        assert_eq!(read("call (208) 555-0107", "system_age", &[]), None);
        assert_eq!(
            read("check in el 2 de enero, 3 nights", "noches", &[]).as_deref(),
            Some("3")
        );
        assert_eq!(read("two dogs", "pet_count", &[]).as_deref(), Some("2"));
        assert_eq!(read("dos hijos", "dependents", &[]).as_deref(), Some("2"));
        for (text, count) in [
            ("three large pepperoni", "3"),
            ("five loaves", "5"),
            ("quiero ordenar tres pasteles de tres leches", "3"),
            ("i'd take two", "2"),
            ("serían 500, a doble cara", "500"),
        ] {
            assert_eq!(
                read(text, "quantity", &[]).as_deref(),
                Some(count),
                "{text}"
            );
        }
        assert_eq!(read("ready in 3 hours", "quantity", &[]), None);
        assert_eq!(
            read("eleven of the $50 ones", "quantity", &[]).as_deref(),
            Some("11")
        );
        assert_eq!(read("Gurruchaga 1820 piso 3", "cantidad", &[]), None);
        assert_eq!(
            read("so 2 nights. 2 of us", "guests", &["nights"]).as_deref(),
            Some("2")
        );
        assert_eq!(
            read("we're a 4 person startup", "team_size", &[]).as_deref(),
            Some("4")
        );
        for (text, dozens) in [
            ("hola quiero 3 docenas de medialunas", "3"),
            ("2 dozen", "2"),
        ] {
            assert_eq!(
                read(text, "docenas", &[]).as_deref(),
                Some(dozens),
                "{text}"
            );
        }
        for (text, field, size) in [
            ("we're a 14 person accounting firm", "employees", "14"),
            ("we're a 25-person architecture firm", "employees", "25"),
            ("Crumb & Co, 12 staff", "employees", "12"),
            (
                "we're at Bluefin Logistics, about 35 agents",
                "team_size",
                "35",
            ),
        ] {
            assert_eq!(read(text, field, &[]).as_deref(), Some(size), "{text}");
        }
        // A count of something else is no budget, even alone.
        assert_eq!(read("an apartment with 3 bedrooms", "budget", &[]), None);
        // The unit or noun the field's name ends with, in any spelling or language.
        for (text, field, value) in [
            ("bout 5cm", "size_cm", "5"),
            ("im 178 cm", "height_cm", "178"),
            ("peso 92,5 kg y mido 168", "estatura_cm", "168"),
            ("son como 2,400 kg", "peso_kg", "2400"),
            (
                "Thursday March 19 at 4:15pm, about an hour",
                "duration_hours",
                "1",
            ),
            ("el sábado 5 de diciembre a las 6pm, una hora", "hours", "1"),
            ("actually make it 6 hrs", "hours", "6"),
            ("two story house", "stories", "2"),
            ("2 storey house", "stories", "2"),
            ("add 5 more licences", "licenses", "5"),
            ("son 2 páginas", "pages", "2"),
            ("wait no, solo una noche", "nights", "1"),
            ("vamos 2 adultos y un niño", "ninos", "1"),
        ] {
            assert_eq!(read(text, field, &[]).as_deref(), Some(value), "{text}");
        }
        // A number with another unit or a sum is not the field's.
        assert_eq!(read("de unos 5 m2, para varios meses", "meses", &[]), None);
        assert_eq!(
            read("my bill is like $240 a month", "system_size_kw", &[]),
            None
        );
    }

    proptest::proptest! {
        #[test]
        fn reading_never_panics(text in "\\PC{0,120}") {
            let corrected = NumberAsk { asked: true, correcting: true, known: false };
            let _ = field_number(&text, "quantity", &[], corrected);
            let known = NumberAsk { known: true, ..NumberAsk::default() };
            let _ = field_number(&text, "budget", &["bedrooms"], known);
        }

        /// A normalised number reads back as itself, and as an amount written with separators.
        #[test]
        fn normalised_numbers_read_back(whole in 0u64..1_000_000_000, cents in proptest::option::of(1u8..100)) {
            let value = match cents {
                Some(cents) => plain(whole as f64 + f64::from(cents) / 100.0),
                None => whole.to_string(),
            };
            proptest::prop_assert_eq!(number(&value), Some(value.clone()));
            if cents.is_none() && whole >= 1000 {
                let grouped = whole
                    .to_string()
                    .as_bytes()
                    .rchunks(3)
                    .rev()
                    .map(|chunk| std::str::from_utf8(chunk).unwrap())
                    .collect::<Vec<_>>()
                    .join(",");
                proptest::prop_assert_eq!(number(&format!("${grouped}")), Some(value));
            }
        }
    }
}
