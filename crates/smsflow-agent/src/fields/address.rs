//! Street addresses as people text them, in English and Spanish: "4410 Elm St Apt 2, Dayton OH
//! 45402", "Flat 3, 27 Gloucester Road, Bristol BS7 8AA", "Calle Mayor 12, 3º B, Madrid", "Av.
//! Juárez 45 col. Centro, Guadalajara", "Calle 60 #491 entre 57 y 59", "Cra 15 #88-64 of. 401".
//!
//! An address is found by its core (a house number and a street type, in either order), then
//! read on as long as what follows is part of an address: units and floors, the neighbourhood,
//! cross streets, the city, the state and the postcode. It ends where the sentence ends or the
//! message goes on to something else ("please", "tomorrow at 3", "the blue door"). The value is
//! the address as written, without the words around it.

use crate::fields::fold;

/// Words that name a street after its number (English order: "12 Oak Street").
const STREET_TYPES: &[&str] = &[
    "st",
    "street",
    "ave",
    "av",
    "avenue",
    "rd",
    "road",
    "blvd",
    "boulevard",
    "dr",
    "drive",
    "ln",
    "lane",
    "way",
    "ct",
    "court",
    "pl",
    "place",
    "pkwy",
    "parkway",
    "hwy",
    "highway",
    "ter",
    "terrace",
    "cir",
    "circle",
    "sq",
    "square",
    "trl",
    "trail",
    "cres",
    "crescent",
    "close",
    "grove",
    "gardens",
    "row",
    "mews",
    "walk",
    "loop",
    "pike",
    "route",
    "rte",
    "alley",
    "expy",
    "expressway",
    "plaza",
    // "1190 Grand Concourse", "2100 Broadway", "88 Jersey Tpke".
    "concourse",
    "broadway",
    "turnpike",
    "tpke",
    "causeway",
    "esplanade",
];

/// Roads known by a number: "Hwy 17", "Route 9".
const NUMBERED_ROADS: &[&str] = &["hwy", "highway", "route", "rte"];

/// Words that name a street before its name and number (Spanish order: "Calle Mayor 12").
const CALLE_TYPES: &[&str] = &[
    "calle",
    "c",
    "cl",
    "avenida",
    "av",
    "avda",
    "ave",
    "bulevar",
    "boulevard",
    "blvd",
    "calzada",
    "carrera",
    "cra",
    "kr",
    "diagonal",
    "dg",
    "transversal",
    "tv",
    "privada",
    "priv",
    "cerrada",
    "circuito",
    "andador",
    "callejon",
    "travesia",
    "ronda",
    "plaza",
    "pza",
    "paseo",
    "camino",
    "carretera",
    "glorieta",
    "pasaje",
    "prolongacion",
    "prol",
    "via",
    "retorno",
    "rambla",
    "costanera",
    // French and Catalan: "45 Rue Laurier", "Carrer de Mallorca 245".
    "rue",
    "carrer",
    // Peru: "Jr. Huiracocha 1520".
    "jr",
    "jiron",
];

/// Words that say a unit, floor or house number follows: "Apt 4", "piso 2", "No. 72-41".
const UNIT_MARKERS: &[&str] = &[
    "apt",
    "apartment",
    "unit",
    "suite",
    "ste",
    "flat",
    "fl",
    "floor",
    "room",
    "rm",
    "bldg",
    "building",
    "piso",
    "planta",
    "depto",
    "dpto",
    "departamento",
    "apto",
    "apartamento",
    "int",
    "interior",
    "local",
    "oficina",
    "of",
    "edificio",
    "edif",
    "torre",
    "bloque",
    "portal",
    "puerta",
    "pta",
    "esc",
    "escalera",
    "casa",
    "mz",
    "manzana",
    "lote",
    "lt",
    "no",
    "n",
    "num",
    "numero",
    "cp",
    "c.p",
];

/// Words before the number of a home in a building: "unit 4B", "apt 5C", "depto 12".
const HOME_MARKERS: &[&str] = &[
    "apt",
    "apartment",
    "unit",
    "suite",
    "ste",
    "flat",
    "depto",
    "dpto",
    "apto",
    "apartamento",
    "int",
    "interior",
];

/// The number of a home in a building, as written: after its word ("its unit 4B", "apt 5C at
/// 310 Riverside") or, with a letter, after "el"/"the" ("en el 4B hay una filtración"). One to
/// five letters and figures, at least one a figure.
pub fn home_number(text: &str) -> Option<String> {
    fn shaped<'a>(token: &Token<'a>) -> Option<&'a str> {
        let value = token.raw.trim_matches(|c: char| !c.is_alphanumeric());
        ((1..=5).contains(&value.chars().count())
            && value.chars().any(|c| c.is_ascii_digit())
            && value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        .then_some(value)
    }
    let tokens = tokens(text);
    tokens.windows(2).find_map(|pair| {
        let lettered = |value: &&str| value.chars().any(|c| c.is_ascii_alphabetic());
        let value = if pair[0].is(HOME_MARKERS) && !pair[0].ends_sentence() {
            shaped(&pair[1])
        } else if matches!(pair[0].bare.as_str(), "el" | "the") {
            shaped(&pair[1]).filter(lettered)
        } else {
            None
        };
        value.map(str::to_string)
    })
}

/// Words that are a unit or floor on their own: "bajo", "4º izq".
const UNIT_WORDS: &[&str] = &[
    "bajo",
    "izq",
    "izda",
    "izquierda",
    "dcha",
    "der",
    "derecha",
    "atico",
    "entlo",
    "entresuelo",
    "pb",
    "ph",
    "floor",
    "fl",
    "piso",
    "planta",
    "rear",
    "front",
    "upstairs",
    "downstairs",
];

/// Words that name the neighbourhood that follows: "col. Centro", "Fracc. Las Lomas".
const AREA_MARKERS: &[&str] = &[
    "col",
    "colonia",
    "fracc",
    "fraccionamiento",
    "barrio",
    "bo",
    "urb",
    "urbanizacion",
    "sector",
    "zona",
    "residencial",
    "conjunto",
    "vereda",
];

/// Small words inside a street or place name: "Calle de Alcalá", "Privada de los Pinos".
const CONNECTORS: &[&str] = &["de", "del", "la", "las", "los", "el", "of", "the"];

const DIRECTIONS: &[&str] = &[
    "n", "s", "e", "w", "ne", "nw", "se", "sw", "north", "south", "east", "west", "norte", "sur",
    "oriente", "poniente", "ote", "pte",
];

/// Common words that are never part of an address: where one follows it, the message has moved
/// on ("please", "tomorrow at 3", "and ring 5B", "mañana si puede ser", "above the cafe").
const NOT_ADDRESS: &[&str] = &[
    "a",
    "an",
    "and",
    "or",
    "but",
    "to",
    "in",
    "on",
    "at",
    "by",
    "for",
    "from",
    "with",
    "is",
    "are",
    "was",
    "be",
    "am",
    "i",
    "i'm",
    "im",
    "me",
    "my",
    "we",
    "our",
    "you",
    "your",
    "it",
    "it's",
    "its",
    "this",
    "that",
    "there",
    "here",
    "please",
    "pls",
    "plz",
    "thanks",
    "thank",
    "thx",
    "ty",
    "tomorrow",
    "today",
    "tonight",
    "morning",
    "afternoon",
    "evening",
    "asap",
    "now",
    "then",
    "when",
    "if",
    "so",
    "just",
    "also",
    "need",
    "want",
    "can",
    "could",
    "would",
    "will",
    "should",
    "have",
    "has",
    "do",
    "does",
    "did",
    "not",
    "yes",
    "ok",
    "okay",
    "sure",
    "hi",
    "hello",
    "hey",
    "next",
    "near",
    "above",
    "below",
    "behind",
    "across",
    "around",
    "between",
    "after",
    "before",
    "side",
    "door",
    "gate",
    "ring",
    "call",
    "text",
    "about",
    "come",
    "send",
    "deliver",
    "pick",
    "up",
    "pm",
    "same",
    "again",
    "lol",
    "btw",
    "until",
    "who",
    "what",
    "where",
    "why",
    "how",
    "than",
    "too",
    "very",
    "all",
    "any",
    "some",
    "more",
    "less",
    "is",
    "y",
    "o",
    "u",
    "pero",
    "que",
    "en",
    "con",
    "por",
    "para",
    "sin",
    "a",
    "al",
    "es",
    "esta",
    "son",
    "soy",
    "estoy",
    "mi",
    "mis",
    "su",
    "tu",
    "nuestro",
    "nuestra",
    "un",
    "una",
    "unos",
    "unas",
    "si",
    "gracias",
    "favor",
    "porfa",
    "manana",
    "hoy",
    "tarde",
    "noche",
    "pasado",
    "cerca",
    "frente",
    "junto",
    "atras",
    "detras",
    "enfrente",
    "lado",
    "hay",
    "tiene",
    "tengo",
    "puede",
    "pueden",
    "ser",
    "vivo",
    "queda",
    "llegar",
    "entrega",
    "donde",
    "cuando",
    "como",
    "ya",
    "bien",
    "vale",
    "buenas",
    "hola",
    "saludos",
    "lunes",
    "martes",
    "miercoles",
    "jueves",
    "viernes",
    "sabado",
    "domingo",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "le",
    "lo",
    "les",
    "nos",
    "the",
    "of",
    "de",
    "del",
    "la",
    "las",
    "los",
    "el",
    "no",
    "entre",
];

/// One word of the message, with where it is.
struct Token<'a> {
    raw: &'a str,
    start: usize,
    end: usize,
    /// Folded, without the punctuation around it ("Av." -> "av", "3ºB," -> "3ºb").
    bare: String,
}

impl Token<'_> {
    fn is(&self, words: &[&str]) -> bool {
        words.contains(&self.bare.as_str())
    }

    fn capitalised(&self) -> bool {
        self.raw
            .trim_start_matches(|c: char| !c.is_alphanumeric())
            .starts_with(char::is_uppercase)
    }

    /// A house, unit or postcode number: "12", "221B", "40A", "72-41", "#491", "3ºB", "5th".
    fn is_number(&self) -> bool {
        let core = self.bare.trim_start_matches('#');
        !core.is_empty()
            && core.chars().count() <= 8
            && core.starts_with(|c: char| c.is_ascii_digit())
            && !self.raw.contains([':', '$', '%', '/', '@'])
            && !core.ends_with("am")
            && !core.ends_with("pm")
            && core
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '-' | 'º' | 'ª' | '°'))
            && core.chars().filter(char::is_ascii_digit).count() * 2 >= core.chars().count() - 1
    }

    /// A short value after a unit marker: "4", "B", "4D", "1804", "72-41".
    fn is_unit_value(&self) -> bool {
        self.is_number()
            || (self.bare.chars().count() <= 2
                && self.bare.chars().all(char::is_alphanumeric)
                && !self.bare.is_empty()
                && (self.capitalised() || self.bare.chars().count() == 1))
    }

    /// A short word in capitals: a state, a direction, part of a postcode ("NY", "NW", "BS7").
    fn is_code(&self) -> bool {
        let core = self
            .raw
            .trim_matches(|c: char| !c.is_alphanumeric() && c != '.');
        let letters: String = core.chars().filter(|c| *c != '.').collect();
        (1..=4).contains(&letters.chars().count())
            && letters
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
            && letters.chars().any(|c| c.is_ascii_uppercase())
            && letters != "I"
    }

    /// The word ends its sentence: "Street.", "Madrid!", but not "Av." or "col.".
    fn ends_sentence(&self) -> bool {
        let raw = self.raw.trim_end_matches(['"', '\'', ')']);
        raw.ends_with(['!', '?', ';'])
            || (raw.ends_with('.')
                && !self.is(UNIT_MARKERS)
                && !self.is(AREA_MARKERS)
                && !self.is(CALLE_TYPES)
                && self.bare.chars().count() > 1)
    }

    fn ends_part(&self) -> bool {
        self.raw.ends_with([',', ':']) || self.ends_sentence()
    }

    /// A word that is never part of an address.
    fn is_stop(&self) -> bool {
        self.is(NOT_ADDRESS) || self.bare.contains('@')
    }
}

fn tokens(text: &str) -> Vec<Token<'_>> {
    let mut tokens = Vec::new();
    let mut start = None;
    for (at, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        match (c.is_whitespace(), start) {
            (false, None) => start = Some(at),
            (true, Some(from)) => {
                let raw = &text[from..at];
                let bare = fold(raw.trim_matches(|c: char| {
                    !c.is_alphanumeric() && !matches!(c, '#' | 'º' | 'ª' | '°')
                }))
                .replace('\u{2019}', "'");
                // "C/ Sierpes": the Spanish abbreviation of "calle".
                let bare = if fold(raw) == "c/" { "c".into() } else { bare };
                tokens.push(Token {
                    raw,
                    start: from,
                    end: at,
                    bare,
                });
                start = None;
            }
            _ => {}
        }
    }
    tokens
}

/// Whether `word` names a street before its name ("Calle", "Av."): a name starting so is a street.
pub fn is_street_type(word: &str) -> bool {
    let folded = super::fold(word.trim_end_matches('.'));
    CALLE_TYPES.contains(&folded.as_str())
}

/// Whether `word` names a kind of street, before or after its name ("St", "Avenue", "Calle").
pub fn is_street_word(word: &str) -> bool {
    let folded = super::fold(word.trim_end_matches('.'));
    STREET_TYPES.contains(&folded.as_str()) || CALLE_TYPES.contains(&folded.as_str())
}

/// Words that close a message after an address: "..., Salamanca. Gracias".
const SIGN_OFFS: &[&str] = &[
    "thanks", "thank", "thx", "gracias", "please", "pls", "porfa",
];

/// A whole message written as an address, whatever its street is called: a street with its
/// number, then places after commas ("Los Aromos 245, Pilar", "Calle 60 #455 x 53 y 55, Centro,
/// Mérida", "2150 W Broadway, Vancouver"). The first part holds a number and a capitalised word;
/// every later part is one to four words in capitals, abbreviations or a postcode, so a message
/// that goes on in lower case ("..., mañana a las 4") or opens with a name is no address.
pub fn shaped(text: &str) -> Option<String> {
    let text = text.trim().trim_end_matches(['.', '!']).trim();
    // "c/ Mallorca 301, 4º 1ª, Barcelona, 619 887 766": the phone after it is no place.
    let text = match text.rsplit_once(',') {
        Some((address, phone)) if starts_phone(&tokens(phone)) => address.trim_end(),
        _ => text,
    };
    let parts: Vec<&str> = text.split(',').map(str::trim).collect();
    let [street, places @ ..] = parts.as_slice() else {
        return None;
    };
    let street_words: Vec<&str> = street.split_whitespace().collect();
    let numbered = street_words.iter().any(|word| {
        word.trim_start_matches('#')
            .starts_with(|c: char| c.is_ascii_digit())
    });
    let named = street_words.iter().any(|word| {
        word.chars().count() >= 2
            && word.starts_with(char::is_uppercase)
            && word.chars().all(|c| c.is_alphabetic() || c == '.')
    });
    // Every word of the street is a name, a number or a word that joins them: "Table for two
    // tomorrow 7:45pm please, Harriet" is no street.
    let opens = street_words
        .first()
        .is_some_and(|word| word.starts_with(|c: char| c.is_uppercase() || c.is_ascii_digit()));
    let street_like = opens
        && street_words.iter().all(|word| {
            word.starts_with(|c: char| c.is_uppercase() || c.is_ascii_digit() || c == '#')
                || CONNECTORS.contains(&super::fold(word).as_str())
                || matches!(*word, "x" | "y" | "e" | "and")
        });
    let phone_like = text
        .split_whitespace()
        .any(|word| word.chars().filter(char::is_ascii_digit).count() >= 7);
    let place = |part: &&str| {
        let words: Vec<&str> = part.split_whitespace().collect();
        (1..=4).contains(&words.len())
            && words.iter().enumerate().all(|(at, word)| {
                let bare = word.trim_end_matches('.');
                // "DC 20500. Thanks": a sentence after the address is no part of it.
                let ends_sentence = word.ends_with('.')
                    && at + 1 < words.len()
                    && bare.chars().any(|c| c.is_ascii_digit());
                // "Col. del Valle": a link inside a place's name.
                let linked = at > 0
                    && at + 1 < words.len()
                    && CONNECTORS.contains(&super::fold(bare).as_str());
                (word.starts_with(|c: char| c.is_uppercase() || c.is_ascii_digit()) || linked)
                    && !word.contains('@')
                    && !ends_sentence
                    && !SIGN_OFFS.contains(&super::fold(bare).as_str())
            })
    };
    (!places.is_empty()
        && (2..=7).contains(&street_words.len())
        && street_like
        && numbered
        && named
        // A phone number is no house number.
        && !phone_like
        && places.iter().all(place))
    .then(|| text.to_string())
}

/// An address signed with the texter's name before it, whatever its street is called: "Pedro
/// Almada, Güemes 1120, Rosario", "Rosa Jimenez, 4420 Vista Del Mar, San Diego". The name is
/// one to four capitalised words before the first comma, none a street's, a month's or a
/// weekday's; the rest is [`shaped`], with no day for its street ("Dana Lee, Nov 14, Friday").
pub fn shaped_after_name(text: &str) -> Option<String> {
    let (name, rest) = text.trim().split_once(',')?;
    let words: Vec<&str> = name.split_whitespace().collect();
    shaped(rest).filter(|address| is_signature(&words) && undated(address))
}

/// Whether `words` are a person's name signed before an address: one to four capitalised words,
/// none a street's, a month's or a weekday's.
fn is_signature(words: &[&str]) -> bool {
    (1..=4).contains(&words.len())
        && words.iter().all(|word| {
            let word = word.trim_end_matches(',');
            let folded = super::fold(word.trim_end_matches('.'));
            word.starts_with(char::is_uppercase)
                && word
                    .chars()
                    .all(|c| c.is_alphabetic() || matches!(c, '-' | '\'' | '.'))
                && !is_street_word(word)
                && !super::dates::is_month(&folded)
                && !super::dates::is_weekday(&folded)
        })
}

/// A street of no known kind alone after the texter's name, the message ending there or with a
/// phone: "Pablo Ceballos, Obispo Trejo 350", "Dwayne Price 6120 S Ashland", "Dee Pham 8812
/// Vista Del Mar, 949-555-0161". Two to six words in capitals (or a neighbourhood's marker)
/// with a house number of two digits or more; "Ana Gil 10 AM" is no street.
pub fn street_after_name(text: &str) -> Option<String> {
    let text = text.trim().trim_end_matches(['.', '!']).trim();
    let is_phone = |part: &str| {
        let part = part.trim();
        part.chars().filter(char::is_ascii_digit).count() >= 7
            && part
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '+' | '(' | ')' | '-' | ' '))
    };
    let text = match text.rsplit_once(',') {
        Some((before, phone)) if is_phone(phone) => before.trim_end(),
        _ => text,
    };
    let words: Vec<&str> = text.split_whitespace().collect();
    let street_at = match words.iter().position(|word| word.ends_with(',')) {
        Some(comma) => comma + 1,
        None => words
            .iter()
            .position(|word| word.starts_with(|c: char| c.is_ascii_digit()))?,
    };
    let (name, street) = words.split_at(street_at);
    let house_number = street
        .iter()
        .any(|word| word.len() >= 2 && word.chars().all(|c| c.is_ascii_digit()));
    let named = street.iter().any(|word| {
        word.chars().count() >= 2
            && word.starts_with(char::is_uppercase)
            && word.chars().all(char::is_alphabetic)
            && !matches!(super::fold(word).as_str(), "am" | "pm" | "hs" | "hrs")
    });
    let street_like = street.iter().all(|word| {
        (word.starts_with(|c: char| c.is_uppercase() || c.is_ascii_digit())
            || CONNECTORS.contains(&super::fold(word).as_str())
            || AREA_MARKERS.contains(&super::fold(word).as_str()))
            && word.chars().all(|c| c.is_alphanumeric())
    });
    ((2..=6).contains(&street.len()) && is_signature(name) && house_number && named && street_like)
        .then(|| street.join(" "))
}

/// Whether the street of a [`shaped`] address names no day: "Nov 14, Friday" is a day, "4420
/// Vista Del Mar, San Diego" a street.
pub fn undated(address: &str) -> bool {
    let folded = |word: &str| super::fold(word.trim_end_matches(['.', ',']));
    let street: Vec<&str> = address
        .split(',')
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    let dated = street.windows(2).any(|pair| {
        let number = |word: &str| word.starts_with(|c: char| c.is_ascii_digit());
        (super::dates::is_month(&folded(pair[0])) && number(pair[1]))
            || (number(pair[0]) && super::dates::is_month(&folded(pair[1])))
    }) || street
        .iter()
        .any(|word| super::dates::is_weekday(&folded(word)));
    !dated
}

/// The street address in `text` as written (the last one in a correction, else the first).
pub fn address(text: &str, last: bool) -> Option<String> {
    let found = addresses(text, !last);
    let pick = if last { found.last() } else { found.first() };
    pick.map(|(address, _)| address.clone())
}

/// Every street address in `text` as written (only the first when `first_only`), each with the
/// folded words between it and the one before: "from 410 Oak St to 77 Birch Rd" gives
/// ("410 Oak St", "from") and ("77 Birch Rd", "to").
pub fn addresses(text: &str, first_only: bool) -> Vec<(String, String)> {
    let tokens = tokens(text);
    let mut found = Vec::new();
    let mut at = 0;
    let mut after_last = 0;
    while at < tokens.len() {
        if let Some((start, core_end)) = core(&tokens, at) {
            let start = with_article(&tokens, start);
            let end = read_on(&tokens, core_end);
            // "I-90 near exit 41, by the Cumberland Ave ramp": a highway spot that opens the
            // message is said whole, its landmarks with it.
            let end = if start == 0 && highway_exit(&tokens, start).is_some() {
                (end..tokens.len())
                    .find(|&k| tokens[k].ends_sentence())
                    .unwrap_or(tokens.len() - 1)
            } else {
                end
            };
            let before = tokens[after_last..start]
                .iter()
                .map(|token| token.bare.as_str())
                .collect::<Vec<_>>()
                .join(" ");
            found.push((span(text, &tokens, start, end), before));
            if first_only {
                break;
            }
            at = end + 1;
            after_last = at.min(tokens.len());
            // "from 311 W 94th St, New York to 22 Prospect Park W, Brooklyn", "de Av. Corrientes
            // 1840 a Zapiola 2250, Belgrano": where a route ends, whatever its street is called,
            // when its sentence is all address.
            if let Some(to) = tokens.get(at).filter(|to| to.is(ROUTE_TO)) {
                // "de Corrientes 3400 a Lavalle 1800": a street of no known kind that ends its
                // sentence, its number last.
                let bare_street = route_end(&tokens, at + 1)
                    .filter(|&number| tokens[number].ends_part() || number + 1 == tokens.len())
                    .filter(|_| core(&tokens, at + 1).is_none())
                    .map(|number| (span(text, &tokens, at + 1, number), number));
                if let Some((address, last)) = shaped_from(text, &tokens, at + 1).or(bare_street) {
                    found.push((address, to.bare.clone()));
                    at = last + 1;
                    after_last = at.min(tokens.len());
                }
            }
        } else {
            at += 1;
        }
    }
    // No street of a known kind: one the rest of its sentence is all of, after a word that
    // says where or a comma ("deliver dec 10 to 905 W Fulton Market, Chicago. Tyler ...",
    // "salgo de 14 Sur 3502, col. Anzures, Puebla", "2 bed flat, 45 Brixton Hill, London SW2").
    if found.is_empty() {
        let led = (0..tokens.len()).find_map(|at| {
            let lead = &tokens[at];
            (lead.is(PLACE_LEADS) || lead.raw.ends_with(','))
                .then(|| shaped_from(text, &tokens, at + 1))
                .flatten()
                .map(|(address, _)| (address, lead.bare.clone()))
        });
        found.extend(led);
    }
    found
}

/// Where a street starts with the article of its name: "Los Leones 1520", "Las Heras 2100"; the
/// article in capitals before a capitalised street is part of it ("a los Leones" is not).
fn with_article(tokens: &[Token], start: usize) -> usize {
    match start.checked_sub(1).map(|before| &tokens[before]) {
        Some(article)
            if article.is(&["los", "las", "la", "el"])
                && article.capitalised()
                && !article.ends_part()
                && tokens[start].capitalised() =>
        {
            start - 1
        }
        _ => start,
    }
}

/// Words before where something is or goes: "to", "at", "en", "a", "de".
const PLACE_LEADS: &[&str] = &[
    "to", "at", "in", "from", "en", "a", "al", "de", "desde", "hasta",
];

/// The [`shaped`] address from the word `at` to the end of its sentence, with the word it ends
/// at, when no street of a known kind starts there and its street names no day.
fn shaped_from(text: &str, tokens: &[Token], at: usize) -> Option<(String, usize)> {
    let from = tokens.get(at)?;
    let last = (at..tokens.len())
        .find(|&k| tokens[k].ends_sentence())
        .unwrap_or(tokens.len() - 1);
    if core(tokens, at).is_some() {
        return None;
    }
    shaped(&text[from.start..tokens[last].end])
        .filter(|address| undated(address))
        .map(|address| (address, last))
}

/// Words that say an address follows: "mi dirección es", "address:", "I live at".
const ADDRESS_CUES: &[&[&str]] = &[
    &["address", "is"],
    &["address"],
    &["direccion", "es"],
    &["direccion"],
    &["domicilio", "es"],
    &["domicilio"],
    &["live", "at"],
    &["located", "at"],
    &["vivo", "en"],
    &["ubicado", "en"],
    &["ubicada", "en"],
    &["ubicados", "en"],
];

/// An address's core starting at `at`: where it starts and the word it reaches.
fn core(tokens: &[Token], at: usize) -> Option<(usize, usize)> {
    // After a cue, a street without its type: "mi dirección es Insurgentes Sur 1234".
    if let Some(start) = ADDRESS_CUES.iter().find_map(|cue| {
        let matched = cue
            .iter()
            .enumerate()
            .all(|(k, word)| tokens.get(at + k).is_some_and(|token| token.bare == *word));
        // "address" alone only as a label: "Address: ...".
        (matched && (cue.len() > 1 || tokens[at].raw.ends_with(':'))).then_some(at + cue.len())
    }) && tokens.get(start).is_some_and(Token::capitalised)
    {
        let number = (start + 1..tokens.len().min(start + 5)).find(|&k| tokens[k].is_number());
        if let Some(number) = number
            && tokens[start..number]
                .iter()
                .all(|token| (token.capitalised() || token.is(CONNECTORS)) && !token.ends_part())
        {
            return Some((start, number));
        }
    }
    if let Some(exit) = highway_exit(tokens, at) {
        return Some((at, exit));
    }
    let first = &tokens[at];
    if let Some(number) = route_end(tokens, at)
        && tokens.get(number + 1).is_some_and(|to| to.is(ROUTE_TO))
        && at
            .checked_sub(1)
            .is_some_and(|from| tokens[from].is(&["de", "desde", "from"]))
    {
        return Some((at, number));
    }
    // A street named after its type: "Calle Mayor 12", "Av. Santa Fe 1860", "calle hidalgo 34".
    if first.is(CALLE_TYPES) && !first.ends_part() {
        let mut next = at + 1;
        while next < tokens.len() && next <= at + 6 {
            let token = &tokens[next];
            if token.is_number() && next > at {
                return Some((at, next));
            }
            if (token.is_stop() && !token.is(CONNECTORS)) || token.ends_sentence() {
                break;
            }
            if token.ends_part() {
                // "Calle Toledo, 40" is written too.
                if tokens.get(next + 1).is_some_and(Token::is_number) {
                    return Some((at, next + 1));
                }
                break;
            }
            next += 1;
        }
    }
    // A number before the street: "12 Oak Street", "350 5th Ave", "1450 Calle Ocho".
    if first.is_number() && !first.bare.starts_with('#') && !first.ends_part() {
        if tokens
            .get(at + 1)
            .is_some_and(|next| next.is(CALLE_TYPES) && next.capitalised())
            && tokens.get(at + 2).is_some_and(|name| !name.is_stop())
        {
            return Some((with_unit(tokens, at), at + 2));
        }
        for next in at + 1..tokens.len().min(at + 6) {
            let token = &tokens[next];
            // "1208 Hwy 17 N": a road known by its number.
            let numbered =
                token.is(NUMBERED_ROADS) && tokens.get(next + 1).is_some_and(Token::is_number);
            if token.is(STREET_TYPES) && (next >= at + 2 || numbered) {
                return Some((with_unit(tokens, at), next));
            }
            if token.is_stop() || token.ends_part() || token.bare.is_empty() {
                break;
            }
        }
    }
    // "Gurruchaga 1820 piso 3 dpto A": a street of no known kind, said by the home or floor
    // after its number ("Torre 2 apto 804" is a unit of the address before it).
    if first.capitalised()
        && !first.is_stop()
        && !first.is(UNIT_MARKERS)
        && !first.is(AREA_MARKERS)
        && let Some(number) = (at + 1..tokens.len().min(at + 4)).find(|&k| tokens[k].is_number())
        && tokens[at..number]
            .iter()
            .all(|token| (token.capitalised() || token.is(CONNECTORS)) && !token.ends_part())
        && tokens
            .get(number + 1)
            .is_some_and(|unit| unit.is(HOME_MARKERS) || unit.is(&["piso", "planta", "floor"]))
        && tokens.get(number + 2).is_some_and(Token::is_unit_value)
        && !tokens[number].ends_part()
    {
        return Some((at, number));
    }
    None
}

/// A spot on a highway by its exit, from `at`: "I-40 near exit 12", "I-94 eastbound near exit
/// 210", "near exit 218"; the exit's number, which this gives.
fn highway_exit(tokens: &[Token], at: usize) -> Option<usize> {
    const DIRECTIONS: &[&str] = &["northbound", "southbound", "eastbound", "westbound"];
    const BESIDE: &[&str] = &["near", "at", "by", "past", "before", "after"];
    let interstate = |token: &Token| {
        token
            .bare
            .strip_prefix("i-")
            .is_some_and(|number| !number.is_empty() && number.chars().all(|c| c.is_ascii_digit()))
    };
    let mut next = at;
    if interstate(&tokens[at]) && !tokens[at].ends_part() {
        next += 1;
        if tokens
            .get(next)
            .is_some_and(|way| way.is(DIRECTIONS) && !way.ends_part())
        {
            next += 1;
        }
    }
    // Without the highway, the word that says where opens it: "near exit 218, Round Rock TX".
    if tokens.get(next).is_some_and(|beside| beside.is(BESIDE)) {
        next += 1;
    } else if next == at {
        return None;
    }
    (tokens.get(next)?.is(&["exit"]) && tokens.get(next + 1)?.is_number()).then_some(next + 1)
}

/// Words that say where a route goes after where it starts: "de X a Y", "desde X hasta Y".
const ROUTE_TO: &[&str] = &["a", "hasta", "to"];

/// A street of no known kind at an end of a route ("de Rojas 1450 a ...", "... a Lavalle
/// 1800"): one to three capitalised words and the house number, which this gives.
fn route_end(tokens: &[Token], at: usize) -> Option<usize> {
    let first = tokens.get(at)?;
    if !first.capitalised() || first.is_stop() || first.is(CALLE_TYPES) {
        return None;
    }
    let number = (at + 1..tokens.len().min(at + 4)).find(|&k| tokens[k].is_number())?;
    tokens[at..number]
        .iter()
        .all(|token| {
            token.capitalised() && !token.ends_part() && !super::dates::is_month(&token.bare)
        })
        .then_some(number)
}

/// "Flat 2, 14 Baker Street": a unit written before the street.
fn with_unit(tokens: &[Token], start: usize) -> usize {
    if start >= 2 && tokens[start - 2].is(UNIT_MARKERS) && tokens[start - 1].is_unit_value() {
        start - 2
    } else {
        start
    }
}

/// The last word of the address that starts with a core ending at `end`.
fn read_on(tokens: &[Token], mut end: usize) -> usize {
    loop {
        let next = end + 1;
        let Some(token) = tokens.get(next) else {
            return end;
        };
        let after = tokens.get(next + 1);
        // "123 Main St. Apt 4": the dot of a street type, not the end of the sentence.
        let abbreviated = tokens[end].is(STREET_TYPES)
            && (token.is(UNIT_MARKERS) || token.is_number() || token.raw == "#");
        // "not 12 Oak St, 21 Oak St": another address starts; "... Niles IL 847 555 0194": a
        // phone number.
        if tokens[end].ends_sentence() && !abbreviated
            || core(tokens, next).is_some()
            || starts_phone(&tokens[next..])
        {
            return end;
        }
        end = if token.is(UNIT_MARKERS) && after.is_some_and(Token::is_unit_value) {
            // "Apt 4", "piso 2", "No. 72-41", "of. 401", "# 43-12"
            next + 1
        } else if token.raw == "#" && after.is_some_and(Token::is_number) {
            next + 1
        } else if token.is(AREA_MARKERS) {
            // "col. Centro", "col. del valle": the name, up to the end of its part.
            match area_name(tokens, next) {
                Some(last) => last,
                None => return end,
            }
        } else if token.bare == "entre"
            || (token.bare == "x" && after.is_some_and(Token::is_number))
        {
            // "entre 57 y 59", "entre Juárez y Morelos"; in Yucatán "x 57 y 59"
            match between(tokens, next) {
                Some(last) => last,
                None => return end,
            }
        } else if token.is_number()
            || token.is_code()
            || token.is(UNIT_WORDS)
            || (token.is(DIRECTIONS) && !tokens[end].ends_part())
            // "Calle 5 de Mayo", "San Pedro de la Paz"
            || (token.is(CONNECTORS) && after.is_some_and(|word| word.capitalised()))
            // The city: "Dayton", "San Francisco"
            || (token.capitalised()
                && !token.is_stop()
                && token.bare.chars().any(char::is_alphabetic))
        {
            next
        } else {
            // "88 harbor way #5 santa cruz": a city in lower case ends a short answer.
            return lower_case_city(tokens, end).unwrap_or(end);
        };
    }
}

/// Whether `tokens` open with a phone number written in groups of plain digits ("847 555 0194",
/// "619 887 766", "+34 619 887 766"): two groups or more, seven digits or more in all.
fn starts_phone(tokens: &[Token]) -> bool {
    let plain = |token: &&Token| {
        let core = token.raw.trim_end_matches([',', '.', ';']);
        !core.is_empty()
            && core
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '+' | '(' | ')' | '-'))
    };
    // A group that ends a sentence or a part ends the number: "NY 11201. 718 555 0163".
    let ends = tokens
        .iter()
        .position(|token| token.raw.ends_with([',', '.', ';']))
        .map_or(tokens.len(), |at| at + 1);
    let groups: Vec<&Token> = tokens[..ends].iter().take_while(plain).collect();
    let digits: usize = groups
        .iter()
        .map(|token| token.raw.chars().filter(char::is_ascii_digit).count())
        .sum();
    groups.len() >= 2 && digits >= 7
}

/// The neighbourhood's name after its marker at `at`: up to three words, to the end of its part.
fn area_name(tokens: &[Token], at: usize) -> Option<usize> {
    if tokens[at].ends_sentence() {
        return None;
    }
    let mut last = None;
    for (next, token) in tokens.iter().enumerate().take(at + 4).skip(at + 1) {
        if token.is_stop() && !token.is(CONNECTORS) || token.bare.is_empty() {
            break;
        }
        last = Some(next);
        if token.ends_part() {
            break;
        }
    }
    // "del valle": a name does not end with a connector.
    while let Some(end) = last.filter(|end| tokens[*end].is(CONNECTORS)) {
        last = (end > at + 1).then(|| end - 1);
    }
    last
}

/// "entre 57 y 59": the cross streets after `entre` at `at`, each one to three words.
fn between(tokens: &[Token], at: usize) -> Option<usize> {
    let and = (at + 2..tokens.len().min(at + 5)).find(|&k| tokens[k].bare == "y")?;
    if tokens[at..and].iter().any(Token::ends_sentence) {
        return None;
    }
    let mut last = None;
    for (next, token) in tokens.iter().enumerate().take(and + 4).skip(and + 1) {
        let named = token.capitalised() || token.is_number() || token.is(CALLE_TYPES);
        if !(named || token.is(CONNECTORS)) || token.is_stop() && !token.is(CONNECTORS) {
            break;
        }
        last = Some(next);
        if token.ends_part() {
            break;
        }
    }
    last
}

/// The rest of the message when it is a city written in lower case: one to three plain words,
/// and nothing after them.
fn lower_case_city(tokens: &[Token], end: usize) -> Option<usize> {
    let rest = &tokens[end + 1..];
    let plain = |token: &Token| {
        !token.is_stop()
            && token.bare.chars().all(char::is_alphabetic)
            && !token.raw.ends_with(['?', '!'])
    };
    ((1..=3).contains(&rest.len())
        && !tokens[end].ends_part()
        && rest.iter().all(plain)
        && rest[..rest.len() - 1]
            .iter()
            .all(|token| !token.ends_part()))
    .then_some(tokens.len() - 1)
}

/// The text from the word `start` to the word `end`, without the punctuation around it.
fn span(text: &str, tokens: &[Token], start: usize, end: usize) -> String {
    text[tokens[start].start..tokens[end].end]
        .trim_start_matches(|c: char| !c.is_alphanumeric() && c != '#')
        .trim_end_matches([',', '.', '!', '?', ';', ':', ')', '"'])
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::{address, addresses, home_number, shaped, shaped_after_name, street_after_name};

    #[test]
    fn a_route_between_streets_of_no_known_kind() {
        let found = addresses("de Corrientes 3400 a Lavalle 1800", false);
        let streets: Vec<&str> = found.iter().map(|(street, _)| street.as_str()).collect();
        assert_eq!(streets, ["Corrientes 3400", "Lavalle 1800"]);
        assert!(addresses("from May 3 to May 5", false).is_empty());
    }

    #[test]
    fn a_spot_on_a_highway_by_its_exit() {
        for (text, spot) in [
            (
                "broke down on I-40 near exit 12, need a tow",
                Some("I-40 near exit 12"),
            ),
            (
                "car died on I-94 eastbound near exit 210",
                Some("I-94 eastbound near exit 210"),
            ),
            (
                "near exit 218, Round Rock TX",
                Some("near exit 218, Round Rock TX"),
            ),
            ("broke down on I-35, need a tow", None),
            (
                "I-90 near exit 41, by the Cumberland Ave ramp",
                Some("I-90 near exit 41, by the Cumberland Ave ramp"),
            ),
        ] {
            assert_eq!(address(text, false).as_deref(), spot, "{text}");
        }
    }

    #[test]
    fn a_street_of_no_known_kind_alone_after_a_name() {
        for (text, street) in [
            ("Pablo Ceballos, Obispo Trejo 350", Some("Obispo Trejo 350")),
            ("Dwayne Price 6120 S Ashland", Some("6120 S Ashland")),
            (
                "Dee Pham 8812 Vista Del Mar, 949-555-0161",
                Some("8812 Vista Del Mar"),
            ),
            ("Ana Gil 10 AM", None),
            ("Ana Gil 555 0142", None),
            ("Table for 4 Friday", None),
        ] {
            assert_eq!(street_after_name(text).as_deref(), street, "{text}");
        }
    }

    #[test]
    fn an_address_ends_before_the_phone_number_after_it() {
        assert_eq!(
            shaped("Calle Mallorca 301, Barcelona, 619 887 766").as_deref(),
            Some("Calle Mallorca 301, Barcelona")
        );
        assert_eq!(
            address("6120 W Oakton St Niles IL 847 555 0194", false).as_deref(),
            Some("6120 W Oakton St Niles IL")
        );
        // A postcode that ends its sentence is the address's, the number after it no part.
        assert_eq!(
            address(
                "Fatima Al-Sayed. 88 Water St, Brooklyn NY 11201. 718 555 0163 is my cell",
                false
            )
            .as_deref(),
            Some("88 Water St, Brooklyn NY 11201")
        );
    }

    #[test]
    fn a_message_that_is_all_address_keeps_its_places() {
        for text in [
            "Calle 60 #455 x 53 y 55, Centro, Mérida",
            "Los Aromos 245, Pilar",
            "Félix Cuevas 233, Col. Del Valle, CDMX",
            "2150 W Broadway, Vancouver",
        ] {
            assert_eq!(shaped(text).as_deref(), Some(text));
        }
        for text in [
            // No place after a comma, or a street with no number.
            "Los Aromos 245",
            "Centro, Mérida",
            // Words that are no street, a sentence or lower-case words after it.
            "Table for two tomorrow 7:45pm please, Harriet",
            "pick me up at 2150 W Broadway, Vancouver",
            "1600 Pennsylvania Ave NW, Washington, DC 20500. Thanks",
            "Plaza Mayor 3, 2ºC, Salamanca, Gracias",
            "Calle 60 #455, mañana a las 4",
            // A phone number is no house number.
            "Ana 6045550177, Vancouver",
        ] {
            assert_eq!(shaped(text), None, "{text}");
        }
    }

    #[test]
    fn an_address_signed_with_a_name_before_it_keeps_its_places() {
        for (text, address) in [
            ("Pedro Almada, Güemes 1120, Rosario", "Güemes 1120, Rosario"),
            ("Dana, Güemes 1120, Rosario", "Güemes 1120, Rosario"),
            (
                "Rosa Jimenez, 4420 Vista Del Mar, San Diego",
                "4420 Vista Del Mar, San Diego",
            ),
            (
                "Laura Cantú, Río Nazas 240, Col. del Valle, San Pedro",
                "Río Nazas 240, Col. del Valle, San Pedro",
            ),
        ] {
            assert_eq!(shaped_after_name(text).as_deref(), Some(address), "{text}");
        }
        for text in [
            // A day, a sentence or a street before the comma is no signature, a day no street.
            "Dana Lee, Nov 14, Friday",
            "Friday March, Güemes 1120, Rosario",
            "it is Pedro, Güemes 1120, Rosario",
            "Calle Mayor, 12 Oak Grove, Leeds",
        ] {
            assert_eq!(shaped_after_name(text), None, "{text}");
        }
    }

    #[test]
    fn a_home_number_is_read_after_its_word() {
        for (text, home) in [
            (
                "hey its unit 4B, the kitchen sink is backing up",
                Some("4B"),
            ),
            ("hi this is apt 5C at 310 Riverside", Some("5C")),
            ("en el 4B hay una filtración en el techo", Some("4B")),
            ("depto 12, piso 3", Some("12")),
            // A day after "el" is no home.
            ("el 15 a las 10", None),
            ("unit price is too high", None),
        ] {
            assert_eq!(home_number(text).as_deref(), home, "{text}");
        }
    }

    #[test]
    fn a_route_ends_at_an_address_of_any_street() {
        let ends = |text: &str| {
            addresses(text, false)
                .into_iter()
                .map(|(address, before)| format!("{before}: {address}"))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            ends("from 311 W 94th St Apt 5B, New York to 22 Prospect Park W, Brooklyn"),
            [
                "from: 311 W 94th St Apt 5B, New York",
                "to: 22 Prospect Park W, Brooklyn"
            ]
        );
        assert_eq!(
            ends("de Av. Corrientes 1840 6to A a Zapiola 2250, Belgrano"),
            ["de: Av. Corrientes 1840 6to A", "a: Zapiola 2250, Belgrano"]
        );
        // Not when the sentence goes on as no address.
        assert_eq!(
            ends("from 12 Oak St to the airport, asap"),
            ["from: 12 Oak St"]
        );
    }

    #[test]
    fn an_address_of_any_street_is_the_rest_of_its_sentence_after_a_word_that_says_where() {
        for (text, expected) in [
            (
                "deliver dec 10 to 905 W Fulton Market, Chicago. Tyler Brandt 312-555-0104",
                Some("905 W Fulton Market, Chicago"),
            ),
            (
                "2 bed flat, 45 Brixton Hill, London SW2",
                Some("45 Brixton Hill, London SW2"),
            ),
            (
                "cotización de Jr. Huiracocha 1520, Jesús María",
                Some("Jr. Huiracocha 1520, Jesús María"),
            ),
            // A day is no street, a sentence that goes on in lower case no address.
            ("see you on Nov 14, Friday", None),
            ("at 4 Main, if you can", None),
        ] {
            assert_eq!(address(text, false).as_deref(), expected, "{text}");
        }
    }

    #[test]
    fn a_street_of_no_known_kind_is_told_by_the_home_after_its_number() {
        assert_eq!(
            address("Gurruchaga 1820 piso 3 dpto A", false).as_deref(),
            Some("Gurruchaga 1820 piso 3 dpto A")
        );
        assert_eq!(address("Mesa para 4 el sábado", false), None);
        // The article of the street's name is part of it.
        assert_eq!(
            address("Los Leones 1520 depto 42, Providencia", false).as_deref(),
            Some("Los Leones 1520 depto 42, Providencia")
        );
        // A unit after a street goes on with it.
        assert_eq!(
            address("Cl 100 #19-61 Torre 2 apto 804", false).as_deref(),
            Some("Cl 100 #19-61 Torre 2 apto 804")
        );
    }

    fn read(text: &str) -> Option<String> {
        address(text, false)
    }

    #[test]
    fn english_addresses_with_unit_city_state_and_postcode() {
        for (text, expected) in [
            (
                "I'm at 4410 Elm St Apt 2, Dayton OH 45402",
                "4410 Elm St Apt 2, Dayton OH 45402",
            ),
            (
                "Flat 3, 27 Gloucester Road, Bristol BS7 8AA",
                "Flat 3, 27 Gloucester Road, Bristol BS7 8AA",
            ),
            (
                "The address is 1600 Pennsylvania Ave NW, Washington, DC 20500. Thanks!",
                "1600 Pennsylvania Ave NW, Washington, DC 20500",
            ),
            ("88 harbor way #5 santa cruz", "88 harbor way #5 santa cruz"),
            ("I'm at 55 W 14th St, 6th floor", "55 W 14th St, 6th floor"),
            ("1450 Calle Ocho, Miami", "1450 Calle Ocho, Miami"),
            (
                "1190 Grand Concourse apt 6C Bronx",
                "1190 Grand Concourse apt 6C Bronx",
            ),
        ] {
            assert_eq!(read(text).as_deref(), Some(expected), "{text}");
        }
    }

    #[test]
    fn spanish_addresses_with_floor_neighbourhood_and_cross_streets() {
        for (text, expected) in [
            (
                "vivo en la C/ Sierpes 14, 1ºA, Sevilla",
                "C/ Sierpes 14, 1ºA, Sevilla",
            ),
            (
                "Av. Juárez 45 col. Centro, Guadalajara",
                "Av. Juárez 45 col. Centro, Guadalajara",
            ),
            (
                "Calle 60 #491 entre 57 y 59, Centro, Mérida",
                "Calle 60 #491 entre 57 y 59, Centro, Mérida",
            ),
            (
                "calle 62 #508 x 57 y 59, Centro",
                "calle 62 #508 x 57 y 59, Centro",
            ),
            (
                "Carrera 7 No. 72-41 apto 302, Bogotá",
                "Carrera 7 No. 72-41 apto 302, Bogotá",
            ),
            (
                "manden a alguien a calle hidalgo 34 int 2, col. del valle",
                "calle hidalgo 34 int 2, col. del valle",
            ),
            (
                "la entrega es en Calle 5 de Mayo 123, Centro, Puebla",
                "Calle 5 de Mayo 123, Centro, Puebla",
            ),
        ] {
            assert_eq!(read(text).as_deref(), Some(expected), "{text}");
        }
    }

    #[test]
    fn the_words_around_an_address_are_not_part_of_it() {
        for (text, expected) in [
            (
                "send the engineer to 19 Kingsbury Road please, it's the blue door",
                "19 Kingsbury Road",
            ),
            (
                "It's 12 Main Street. Side door is unlocked",
                "12 Main Street",
            ),
            (
                "Pickup at 350 5th Ave, New York, NY 10118 at 3pm",
                "350 5th Ave, New York, NY 10118",
            ),
            (
                "Es en Travesía del Mar 6, Vigo, mañana si puede ser",
                "Travesía del Mar 6, Vigo",
            ),
            ("come to 740 Park Avenue and ring 5B", "740 Park Avenue"),
        ] {
            assert_eq!(read(text).as_deref(), Some(expected), "{text}");
        }
        assert_eq!(
            read("mi dirección es Insurgentes Sur 1234, CDMX").as_deref(),
            Some("Insurgentes Sur 1234, CDMX")
        );
        assert_eq!(read("the 2 of us will drive"), None);
        assert_eq!(read("on the street"), None);
        assert_eq!(read("we'll be 8, the large one please"), None);
    }

    #[test]
    fn a_correction_takes_the_address_named_last() {
        assert_eq!(
            address("not 12 Oak St, 21 Oak St", true).as_deref(),
            Some("21 Oak St")
        );
    }
}
