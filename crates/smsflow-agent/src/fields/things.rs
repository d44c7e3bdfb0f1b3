//! Text fields read by what their name says they hold, when the message gives them without a
//! label: a vehicle ("my 2016 Honda Civic", "un Peugeot 208 2020") for `vehicle`, `car`,
//! `vehiculo`; a neighbourhood ("looking in Park Slope", "por Coyoacán") for `neighborhood`,
//! `zona`, `barrio`.

use super::dates::is_month;
use super::fold;

/// What a text field holds, from the words of its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Thing {
    Vehicle,
    Area,
}

impl Thing {
    pub fn of(field: &str) -> Option<Thing> {
        let folded = fold(field);
        let words: Vec<&str> = folded.split(['_', ' ', '-']).collect();
        let has = |list: &[&str]| words.iter().any(|word| list.contains(word));
        if has(&[
            "vehicle", "vehiculo", "car", "auto", "carro", "coche", "model", "modelo", "make",
        ]) {
            Some(Thing::Vehicle)
        } else if has(&[
            "neighborhood",
            "neighbourhood",
            "area",
            "zone",
            "zona",
            "barrio",
            "colonia",
            "district",
            "sector",
            "vecindario",
        ]) {
            Some(Thing::Area)
        } else {
            None
        }
    }

    /// The thing as written in `text`.
    pub fn read(self, text: &str) -> Option<String> {
        let tokens: Vec<&str> = text.split_whitespace().collect();
        match self {
            Thing::Vehicle => vehicle(&tokens),
            Thing::Area => area(&tokens),
        }
    }
}

/// Car makes, folded. Those that are also common words ("Seat", "Ram", "Mini") count only
/// capitalised.
const MAKES: &[&str] = &[
    "toyota",
    "honda",
    "ford",
    "chevrolet",
    "chevy",
    "nissan",
    "hyundai",
    "kia",
    "mazda",
    "subaru",
    "volkswagen",
    "vw",
    "jeep",
    "dodge",
    "gmc",
    "bmw",
    "mercedes",
    "mercedes-benz",
    "audi",
    "lexus",
    "acura",
    "infiniti",
    "tesla",
    "volvo",
    "peugeot",
    "renault",
    "citroen",
    "fiat",
    "opel",
    "skoda",
    "mitsubishi",
    "suzuki",
    "buick",
    "cadillac",
    "chrysler",
    "porsche",
    "jaguar",
    "dacia",
    "cupra",
    "byd",
    "chery",
    "geely",
    "seat",
    "ram",
    "mini",
];
const WORD_MAKES: &[&str] = &["seat", "ram", "mini"];

fn bare(token: &str) -> &str {
    token.trim_matches(|c: char| !c.is_alphanumeric() && c != '-')
}

fn is_year(token: &str) -> bool {
    let token = bare(token);
    token.len() == 4
        && token
            .parse::<u16>()
            .is_ok_and(|year| (1950..=2035).contains(&year))
}

fn ends_clause(token: &str) -> bool {
    token.ends_with([',', '.', '!', '?', ';', ':'])
}

/// A make, the model words after it (capitalised or with digits: "Civic", "208", "RAV4") and a
/// model year before or after: "2016 Honda Civic", "Nissan Versa 2018".
fn vehicle(tokens: &[&str]) -> Option<String> {
    let at = tokens.iter().position(|token| {
        let word = bare(token);
        let folded = fold(word);
        MAKES.contains(&folded.as_str())
            && (!WORD_MAKES.contains(&folded.as_str())
                || word.starts_with(|c: char| c.is_uppercase()))
    })?;
    let start = if at > 0 && is_year(tokens[at - 1]) {
        at - 1
    } else {
        at
    };
    let mut end = at + 1;
    if !ends_clause(tokens[at]) {
        while end < tokens.len() && end - at <= 3 {
            let word = bare(tokens[end]);
            let model = word.starts_with(|c: char| c.is_uppercase())
                || word.chars().any(|c| c.is_ascii_digit());
            if !model || word.is_empty() {
                break;
            }
            end += 1;
            if ends_clause(tokens[end - 1]) || is_year(tokens[end - 1]) {
                break;
            }
        }
    }
    let words: Vec<&str> = tokens[start..end].iter().map(|token| bare(token)).collect();
    Some(words.join(" "))
}

/// Words before a place: "in Park Slope", "en Chamberí", "por Coyoacán", "near Logan Square".
const PLACE_CUES: &[&str] = &[
    "in", "en", "por", "near", "around", "cerca", "barrio", "colonia", "col", "zona", "area",
];

/// A capitalised place of one to three words after a place cue, not a month, a weekday or the
/// start of a street address.
fn area(tokens: &[&str]) -> Option<String> {
    tokens.windows(2).enumerate().find_map(|(at, pair)| {
        let cue = fold(bare(pair[0]));
        if !PLACE_CUES.contains(&cue.as_str()) || ends_clause(pair[0]) {
            return None;
        }
        let mut taken: Vec<&str> = Vec::new();
        for token in &tokens[at + 1..] {
            let word = bare(token);
            let capitalised = word.starts_with(|c: char| c.is_uppercase())
                && word
                    .chars()
                    .all(|c| c.is_alphabetic() || c == '-' || c == '\'');
            let connector = !taken.is_empty() && matches!(word, "de" | "del" | "la");
            if !(capitalised || connector) || taken.len() >= 4 {
                break;
            }
            taken.push(word);
            if ends_clause(token) {
                break;
            }
        }
        while taken
            .last()
            .is_some_and(|w| matches!(*w, "de" | "del" | "la"))
        {
            taken.pop();
        }
        let first = fold(taken.first()?);
        let calendar = is_month(&first) || super::dates::is_weekday(&first);
        (!calendar).then(|| taken.join(" "))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vehicles_with_make_model_and_year() {
        let read = |text| Thing::Vehicle.read(text);
        assert_eq!(
            read("my 2016 Honda Civic needs brakes").as_deref(),
            Some("2016 Honda Civic")
        );
        assert_eq!(
            read("mi Nissan Versa 2018 rechina").as_deref(),
            Some("Nissan Versa 2018")
        );
        assert_eq!(
            read("un Peugeot 208 2020 y se").as_deref(),
            Some("Peugeot 208 2020")
        );
        assert_eq!(read("can I get a seat by the window"), None);
        assert_eq!(read("no car here"), None);
    }

    #[test]
    fn places_after_a_cue() {
        let read = |text| Thing::Area.read(text);
        assert_eq!(
            read("looking to buy in Park Slope, max 850k").as_deref(),
            Some("Park Slope")
        );
        assert_eq!(read("busco piso por Malasaña").as_deref(), Some("Malasaña"));
        assert_eq!(read("in March please"), None);
        assert_eq!(read("in the city"), None);
    }
}
