//! Named things typed in lower case, as texters write them: a vehicle's model after its make
//! ("2017 honda civic", "jeep wrangler"), a model alone ("mi tsuru", "para mi f-150"), a device's
//! brand and model ("samsung a54", "dell xps 15", "trek fx3"), a brand alone ("its a bosch",
//! "es LG") and an appliance ("la lavadora no centrifuga"). The readers of capitalised names in
//! [`super::things`] stop at the first lower-case word; these go on where the words are known.

use super::fold;
use super::things::{bare, ends_clause, is_year};

/// Vehicle models, folded, that people write without a capital and that are no common word:
/// read alone after a word that owns them ("mi tsuru").
const MODELS: &[&str] = &[
    "civic",
    "crv",
    "cr-v",
    "hrv",
    "hr-v",
    "corolla",
    "camry",
    "rav4",
    "tacoma",
    "tundra",
    "prius",
    "hilux",
    "yaris",
    "highlander",
    "sienna",
    "4runner",
    "f-150",
    "f150",
    "f-250",
    "silverado",
    "malibu",
    "tahoe",
    "aveo",
    "cruze",
    "suburban",
    "altima",
    "tsuru",
    "pathfinder",
    "murano",
    "np300",
    "elantra",
    "tucson",
    "sonata",
    "creta",
    "forte",
    "sportage",
    "sorento",
    "seltos",
    "outback",
    "forester",
    "impreza",
    "wrx",
    "jetta",
    "tiguan",
    "vocho",
    "wrangler",
    "cherokee",
    "vitara",
    "ertiga",
    "mazda3",
    "cx-5",
    "cx5",
    "cx-30",
    "cx-3",
    "miata",
    "ibiza",
    "arona",
    "ateca",
    "clio",
    "megane",
    "sandero",
    "kwid",
    "outlander",
    "lancer",
    "xc60",
    "xc90",
];

/// Models that are common words too ("fit", "escape", "wave", "model" for "model y"): read only
/// after their make.
const WORD_MODELS: &[&str] = &[
    "accord",
    "pilot",
    "odyssey",
    "fit",
    "city",
    "wave",
    "ranger",
    "escape",
    "explorer",
    "mustang",
    "fiesta",
    "focus",
    "fusion",
    "edge",
    "bronco",
    "equinox",
    "spark",
    "colorado",
    "traverse",
    "sentra",
    "versa",
    "rogue",
    "march",
    "frontier",
    "kicks",
    "santa",
    "accent",
    "rio",
    "soul",
    "crosstrek",
    "legacy",
    "golf",
    "passat",
    "vento",
    "gol",
    "polo",
    "beetle",
    "compass",
    "renegade",
    "gladiator",
    "charger",
    "challenger",
    "durango",
    "journey",
    "swift",
    "leon",
    "duster",
    "logan",
    "208",
    "2008",
    "308",
    "3008",
    "model",
    "corsa",
    "astra",
    "punto",
    "uno",
    "500",
    "panda",
    "mirage",
    "sierra",
    "yukon",
];

/// Words that say whose a thing is or point at it: "my tsuru", "la lavadora", "al seat león".
const OWNERS: &[&str] = &[
    "my", "our", "the", "a", "an", "mi", "nuestro", "nuestra", "su", "el", "la", "al", "un", "una",
    "its", "it's", "es", "is",
];

fn is_model(word: &str) -> bool {
    MODELS.contains(&fold(word).as_str())
}

/// A model known alone or after its make.
pub fn is_any_model(word: &str) -> bool {
    let folded = fold(word);
    MODELS.contains(&folded.as_str()) || WORD_MODELS.contains(&folded.as_str())
}

/// How many of `tokens` after a make are its model, when the make is written in lower case:
/// known models ("civic", "model y"), or one word of letters that ends the message or its
/// clause ("jeep wrangler", "suzuki swift, 2015"), which a verb or a link word never does there.
pub fn lower_case_model(tokens: &[&str]) -> usize {
    let mut taken = 0;
    while taken < tokens.len() && taken < 3 {
        let token = tokens[taken];
        let word = bare(token);
        let after_tesla_model = taken > 0 && fold(bare(tokens[taken - 1])) == "model";
        let known = is_any_model(word) || (after_tesla_model && word.chars().count() == 1);
        let last_of_clause = taken == 0
            && word.chars().count() >= 3
            && word.chars().all(|c| c.is_alphabetic() || c == '-')
            && (taken + 1 == tokens.len() || ends_clause(token))
            && !NOT_MODELS.contains(&fold(word).as_str());
        if word.is_empty() || !(known || last_of_clause) {
            break;
        }
        taken += 1;
        if ends_clause(token) {
            break;
        }
    }
    // "model" alone is no model.
    if taken > 0 && fold(bare(tokens[taken - 1])) == "model" {
        taken -= 1;
    }
    taken
}

/// Words that end a message without naming a model: "for my jeep please", "mi honda nomás".
const NOT_MODELS: &[&str] = &[
    "please",
    "pls",
    "plz",
    "thanks",
    "thx",
    "gracias",
    "porfa",
    "nomas",
    "tambien",
    "too",
    "again",
    "today",
    "tomorrow",
    "hoy",
    "manana",
    "car",
    "truck",
    "carro",
    "coche",
    "auto",
    "camioneta",
    "moto",
    "motorcycle",
    "bike",
];

/// A known model alone, after a word that owns it, with the trim after it: "mi tsuru hace un
/// ruido", "para mi f-150", "test drive del RAV4 hybrid".
pub fn model_alone(tokens: &[&str]) -> Option<String> {
    (1..tokens.len()).find_map(|at| {
        let before = fold(bare(tokens[at - 1]));
        let owned =
            (OWNERS.contains(&before.as_str()) || before == "del") && !ends_clause(tokens[at - 1]);
        let word = bare(tokens[at]);
        if !(owned && is_model(word) && word.chars().any(char::is_alphabetic)) {
            return None;
        }
        let trim = tokens
            .get(at + 1)
            .filter(|next| !ends_clause(tokens[at]) && TRIMS.contains(&fold(bare(next)).as_str()));
        let mut model = match trim {
            Some(trim) => format!("{word} {}", bare(trim)),
            None => word.to_string(),
        };
        // Its year after it: "mi f-150 del 2012", "my civic 2015".
        let last = at + usize::from(trim.is_some());
        if !ends_clause(tokens[last]) {
            match tokens.get(last + 1..last + 3) {
                Some([del @ ("del" | "de"), after]) if is_year(after) => {
                    model = format!("{model} {del} {}", bare(after));
                }
                _ => {
                    if let Some(after) = tokens.get(last + 1).filter(|token| is_year(token)) {
                        model = format!("{model} {}", bare(after));
                    }
                }
            }
        }
        Some(model)
    })
}

/// Words that say which version of a model, after it: "rav4 hybrid", "civic sport".
const TRIMS: &[&str] = &[
    "hybrid",
    "hibrido",
    "hibrida",
    "sport",
    "limited",
    "turbo",
    "electric",
    "electrico",
];

/// Device, appliance and equipment brands, folded, in any case as typed.
const BRANDS: &[&str] = &[
    "samsung",
    "apple",
    "iphone",
    "ipad",
    "macbook",
    "dell",
    "hp",
    "lenovo",
    "asus",
    "acer",
    "msi",
    "lg",
    "sony",
    "xiaomi",
    "redmi",
    "motorola",
    "huawei",
    "oppo",
    "pixel",
    "nokia",
    "realme",
    "toshiba",
    "bosch",
    "whirlpool",
    "mabe",
    "electrolux",
    "frigidaire",
    "maytag",
    "kenmore",
    "ge",
    "miele",
    "siemens",
    "balay",
    "teka",
    "beko",
    "carrier",
    "trane",
    "lennox",
    "daikin",
    "rheem",
    "worcester",
    "vaillant",
    "baxi",
    "navien",
    "trek",
    "specialized",
    "cannondale",
    "orbea",
    "canyon",
    "nintendo",
    "playstation",
    "xbox",
    "canon",
    "nikon",
    "gopro",
    "dyson",
    "oster",
    "hamilton",
    "kitchenaid",
    "instant",
];

fn is_brand(word: &str) -> bool {
    BRANDS.contains(&fold(word).as_str())
}

/// A brand and its model words typed in any case, up to the last word with a digit in it:
/// "samsung a54 no carga" = `samsung a54`, "its a dell xps 15" = `dell xps 15`, "my trek fx3
/// needs a tune up" = `trek fx3`. A brand with no numbered model after it is left to the
/// readers of capitalised names.
pub fn brand_and_model(tokens: &[&str]) -> Option<String> {
    (0..tokens.len()).find_map(|at| {
        if !is_brand(bare(tokens[at])) || ends_clause(tokens[at]) {
            return None;
        }
        let mut words = vec![bare(tokens[at])];
        let mut numbered = 0;
        for token in tokens.iter().skip(at + 1).take(3) {
            let word = bare(token);
            if word.is_empty() || !word.chars().all(|c| c.is_alphanumeric() || c == '-') {
                break;
            }
            words.push(word);
            if word.chars().any(|c| c.is_ascii_digit()) {
                numbered = words.len();
            }
            if ends_clause(token) {
                break;
            }
        }
        // "samsung 301 234 5678": digits in groups are a phone number, not a model.
        let digits_only = words[1..numbered.max(1)]
            .iter()
            .filter(|word| word.chars().all(|c| c.is_ascii_digit()))
            .count();
        (numbered > 1 && digits_only <= 1).then(|| words[..numbered].join(" "))
    })
}

/// A brand alone after a word that owns it, for a device said by its maker: "my trek's gears
/// skip" = `trek`, "mi samsung no carga" = `samsung`.
pub fn owned_brand(tokens: &[&str]) -> Option<String> {
    (1..tokens.len()).find_map(|at| {
        let owned =
            DEFINITE.contains(&fold(bare(tokens[at - 1])).as_str()) && !ends_clause(tokens[at - 1]);
        let word = bare(tokens[at]);
        let word = word
            .strip_suffix("'s")
            .or_else(|| word.strip_suffix("’s"))
            .unwrap_or(word);
        (owned && is_brand(word)).then(|| word.to_string())
    })
}

/// A brand alone, as written, when the message names one: "its a bosch", "es LG", "son Carrier
/// de 1 tonelada", "it's a worcester bosch" (two known brands together are one).
pub fn brand(tokens: &[&str]) -> Option<String> {
    let at = tokens.iter().position(|token| is_brand(bare(token)))?;
    let mut words = vec![bare(tokens[at])];
    if let Some(next) = tokens
        .get(at + 1)
        .filter(|next| !ends_clause(tokens[at]) && is_brand(bare(next)))
    {
        words.push(bare(next));
    }
    Some(words.join(" "))
}

/// Appliances and equipment, folded: the thing itself, whose brand is seldom all a field wants.
/// A laptop or a phone is said by its sort and named by its model ("es un Lenovo IdeaPad"): not
/// here.
const APPLIANCES: &[&str] = &[
    "dishwasher",
    "washer",
    "dryer",
    "fridge",
    "refrigerator",
    "freezer",
    "oven",
    "stove",
    "microwave",
    "furnace",
    "boiler",
    "lavadora",
    "secadora",
    "lavavajillas",
    "lavaplatos",
    "refrigerador",
    "refri",
    "nevera",
    "heladera",
    "congelador",
    "horno",
    "microondas",
    "estufa",
    "caldera",
    "calentador",
    "licuadora",
    "blender",
    "cafetera",
    "aspiradora",
    "vacuum",
    "minisplit",
    "minisplits",
];

/// Whether `tokens` name `value`, one appliance's word, as the thing they are about: after a
/// definite article or a possessive ("my dishwasher isn't draining", "la lavadora no
/// centrifuga"), not as one just bought ("compré una lavadora y no centrifuga").
pub fn names_its_appliance(tokens: &[&str], value: &str) -> bool {
    let value = fold(value.trim());
    APPLIANCES.contains(&value.as_str())
        && (1..tokens.len()).any(|at| {
            fold(bare(tokens[at])) == value
                && DEFINITE.contains(&fold(bare(tokens[at - 1])).as_str())
        })
}

/// Definite articles and possessives.
const DEFINITE: &[&str] = &[
    "my", "our", "the", "mi", "nuestro", "nuestra", "su", "el", "la",
];

/// An appliance after a word that owns or points at it, as written: "la lavadora no
/// centrifuga" = `lavadora`, "my dishwasher isn't draining" = `dishwasher`; not one just bought
/// ("compré una lavadora"), which a later message names better ("es la LG WM3400").
pub fn appliance(tokens: &[&str]) -> Option<String> {
    (1..tokens.len()).find_map(|at| {
        let owned =
            DEFINITE.contains(&fold(bare(tokens[at - 1])).as_str()) && !ends_clause(tokens[at - 1]);
        let word = bare(tokens[at]);
        (owned && APPLIANCES.contains(&fold(word).as_str())).then(|| word.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(text: &str) -> Vec<&str> {
        text.split_whitespace().collect()
    }

    #[test]
    fn a_lower_case_make_keeps_its_model() {
        for (after_make, taken) in [
            ("civic makes a grinding noise", 1),
            ("wrangler", 1),
            ("outback", 1),
            ("model y", 2),
            ("swift, es del 2015", 1),
            ("needs an oil change", 0),
            ("please", 0),
            ("model", 0),
        ] {
            assert_eq!(lower_case_model(&tokens(after_make)), taken, "{after_make}");
        }
    }

    #[test]
    fn a_model_alone_after_its_owner() {
        assert_eq!(
            model_alone(&tokens("oigan mi tsuru hace un ruido")).as_deref(),
            Some("tsuru")
        );
        assert_eq!(
            model_alone(&tokens("necesito oil change para mi f-150")).as_deref(),
            Some("f-150")
        );
        assert_eq!(
            model_alone(&tokens("quiero hacer test drive del RAV4 hybrid")).as_deref(),
            Some("RAV4 hybrid")
        );
        // With its year after it.
        assert_eq!(
            model_alone(&tokens("el AC de mi f-150 del 2012 no enfria")).as_deref(),
            Some("f-150 del 2012")
        );
        assert_eq!(
            model_alone(&tokens("my silverado 2017 needs brakes")).as_deref(),
            Some("silverado 2017")
        );
        assert_eq!(
            model_alone(&tokens("mi f-150, 2012 fue el año")).as_deref(),
            Some("f-150")
        );
        assert_eq!(model_alone(&tokens("the model is old")), None);
        assert_eq!(model_alone(&tokens("I fit in on tuesday")), None);
    }

    #[test]
    fn a_device_by_brand_and_numbered_model_in_any_case() {
        for (said, value) in [
            ("hola, mi samsung a54 no carga", Some("samsung a54")),
            (
                "my laptop keeps blue screening, its a dell xps 15",
                Some("dell xps 15"),
            ),
            ("my trek fx3 needs a tune up", Some("trek fx3")),
            ("la lavadora LG WM3400 no prende", Some("LG WM3400")),
            ("samsung 301 234 5678", None),
            ("es un samsung", None),
        ] {
            assert_eq!(brand_and_model(&tokens(said)).as_deref(), value, "{said}");
        }
    }

    #[test]
    fn a_brand_alone_and_an_appliance() {
        assert_eq!(brand(&tokens("its a bosch")).as_deref(), Some("bosch"));
        assert_eq!(brand(&tokens("es LG")).as_deref(), Some("LG"));
        assert_eq!(
            brand(&tokens("son Carrier de 1 tonelada")).as_deref(),
            Some("Carrier")
        );
        assert_eq!(
            brand(&tokens("it's a worcester bosch")).as_deref(),
            Some("worcester bosch")
        );
        assert_eq!(brand(&tokens("tomorrow at 9")), None);
        assert_eq!(
            owned_brand(&tokens("my trek's gears skip constantly")).as_deref(),
            Some("trek")
        );
        assert_eq!(
            owned_brand(&tokens("mi samsung no carga")).as_deref(),
            Some("samsung")
        );
        assert_eq!(owned_brand(&tokens("samsung support told me")), None);
        assert_eq!(
            appliance(&tokens("hola, la lavadora no centrifuga")).as_deref(),
            Some("lavadora")
        );
        assert_eq!(
            appliance(&tokens("my dishwasher isn't draining")).as_deref(),
            Some("dishwasher")
        );
        assert_eq!(appliance(&tokens("dishwasher repair")), None);
        assert_eq!(appliance(&tokens("compré una lavadora con ustedes")), None);
        assert!(names_its_appliance(
            &tokens("la lavadora no centrifuga"),
            "lavadora"
        ));
        assert!(!names_its_appliance(
            &tokens("compré una lavadora y no centrifuga"),
            "lavadora"
        ));
    }
}
