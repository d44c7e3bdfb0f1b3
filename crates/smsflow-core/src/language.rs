//! The language of a text message, so the reply can be in it. An SMS is often a word or two ("ok",
//! "Dana", "sí"), too short for a statistical detector alone: words that only one language uses
//! ("hola", "gracias", "thanks") decide short texts, `whatlang` weighs in on longer ones, and when
//! neither is sure the conversation's last confident language stands.

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::sync::LazyLock;
use utoipa::ToSchema;
use whatlang::{Detector, Lang};

use crate::text::normalize;

/// A language the builtin agent writes in.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
pub enum Language {
    #[serde(rename = "en")]
    English,
    #[serde(rename = "es")]
    Spanish,
}

impl Language {
    pub const ALL: [Language; 2] = [Language::English, Language::Spanish];

    /// The ISO 639-1 code, as stored and shown: `en`, `es`.
    pub fn code(self) -> &'static str {
        match self {
            Language::English => "en",
            Language::Spanish => "es",
        }
    }

    /// The English name, for a model's instructions.
    pub fn name(self) -> &'static str {
        match self {
            Language::English => "English",
            Language::Spanish => "Spanish",
        }
    }

    /// A code (`es`, `es-MX`) or a name (`Spanish`, `español`); `None` for other languages.
    pub fn parse(text: &str) -> Option<Language> {
        let text = text.trim().to_lowercase();
        let primary = text.split(['-', '_']).next().unwrap_or_default();
        match primary {
            "en" | "eng" | "english" | "inglés" | "ingles" => Some(Language::English),
            "es" | "spa" | "spanish" | "español" | "espanol" | "castellano" => {
                Some(Language::Spanish)
            }
            _ => None,
        }
    }
}

/// The language of one text, and whether the text itself showed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Detection {
    pub language: Language,
    /// The text showed its language; otherwise `language` is the conversation's earlier one (or
    /// English when there is none).
    pub confident: bool,
}

/// Evidence needed to call a text's language: one strong word, two weak ones, or a long enough
/// text that `whatlang` finds reliable.
const CONFIDENT_SCORE: i32 = 2;
/// Below this many words `whatlang` guesses (it needs letter trigrams to count).
const MIN_WORDS_FOR_STATISTICS: usize = 4;
/// What `whatlang`'s verdict weighs: a reliable one counts double.
const STATISTICS_WEIGHT: i32 = 1;
const RELIABLE_STATISTICS_WEIGHT: i32 = 2;

/// Words (as normalised by [`normalize`]) that only one of the two languages uses, with their
/// weight: 2 for a word that settles a text alone, 1 for a hint.
const SPANISH_WORDS: &[(&str, i32)] = &[
    ("hola", 2),
    ("gracias", 2),
    ("buenos", 2),
    ("buenas", 2),
    ("quiero", 2),
    ("necesito", 2),
    ("hablar", 2),
    ("favor", 2),
    ("estoy", 2),
    ("tengo", 2),
    ("usted", 2),
    ("ustedes", 2),
    ("puedo", 2),
    ("puede", 2),
    ("cuanto", 2),
    ("cuesta", 2),
    ("alguien", 2),
    ("ayuda", 2),
    ("cita", 2),
    ("correo", 2),
    ("llamo", 2),
    ("nombre", 2),
    ("dias", 1),
    ("tardes", 1),
    ("el", 1),
    ("la", 1),
    ("los", 1),
    ("las", 1),
    ("mi", 1),
    ("es", 1),
    ("esta", 1),
    ("que", 1),
    ("como", 1),
    ("cuando", 1),
    ("donde", 1),
    ("para", 1),
    ("con", 1),
    ("una", 1),
    ("un", 1),
    ("por", 1),
    ("pero", 1),
    ("si", 1),
    ("bien", 1),
    ("vale", 1),
    ("claro", 1),
    ("de", 1),
    ("y", 1),
    ("muy", 1),
    ("mas", 1),
    ("soy", 2),
    ("precio", 2),
    ("hay", 1),
];
const ENGLISH_WORDS: &[(&str, i32)] = &[
    ("hello", 2),
    ("update", 2),
    ("any", 1),
    ("on", 1),
    ("thanks", 2),
    ("thank", 2),
    ("please", 2),
    ("the", 2),
    ("im", 2),
    ("want", 2),
    ("need", 2),
    ("speak", 2),
    ("talk", 2),
    ("what", 2),
    ("would", 2),
    ("could", 2),
    ("my", 2),
    ("your", 2),
    ("how", 2),
    ("much", 2),
    ("hi", 1),
    ("hey", 1),
    ("yes", 1),
    ("yeah", 1),
    ("is", 1),
    ("are", 1),
    ("you", 1),
    ("when", 1),
    ("where", 1),
    ("can", 1),
    ("help", 1),
    ("with", 1),
    ("this", 1),
    ("that", 1),
    ("it", 1),
    ("dont", 1),
    ("and", 1),
    ("of", 1),
    ("for", 1),
    ("to", 1),
    ("i", 1),
    ("book", 1),
    ("price", 1),
    ("name", 1),
];

/// Signed weights by normalised word: positive for Spanish, negative for English.
static CUES: LazyLock<FxHashMap<String, i32>> = LazyLock::new(|| {
    let spanish = SPANISH_WORDS.iter().map(|(word, weight)| (word, *weight));
    let english = ENGLISH_WORDS.iter().map(|(word, weight)| (word, -weight));
    spanish
        .chain(english)
        .map(|(word, weight)| (normalize(word).trim().to_string(), weight))
        .collect()
});

static DETECTOR: LazyLock<Detector> =
    LazyLock::new(|| Detector::with_allowlist(vec![Lang::Eng, Lang::Spa]));

/// The language of `text`; `previous` is the conversation's last confident language.
pub fn detect(text: &str, previous: Option<Language>) -> Detection {
    let (mut score, words) = cue_score(text);
    // Words that already settle the text beyond what `whatlang` could overturn leave it unasked:
    // its verdict would change neither the language nor the confidence (and costs more than the
    // rest of the detection).
    let settled = score.abs() >= CONFIDENT_SCORE + RELIABLE_STATISTICS_WEIGHT;
    if words >= MIN_WORDS_FOR_STATISTICS && !settled {
        score += statistics_score(text);
    }
    verdict(score, previous)
}

/// The evidence of `text`'s characters and words (positive for Spanish), and its word count.
fn cue_score(text: &str) -> (i32, usize) {
    // Inverted punctuation and ñ are Spanish only.
    let mut score: i32 = text
        .chars()
        .filter(|c| matches!(c, '¿' | '¡' | 'ñ' | 'Ñ'))
        .map(|_| CONFIDENT_SCORE)
        .sum();
    let normalized = normalize(text);
    let mut words = 0;
    for word in normalized.split_whitespace() {
        words += 1;
        score += CUES.get(word).copied().unwrap_or(0);
    }
    (score, words)
}

/// `whatlang`'s verdict on `text` as evidence (positive for Spanish; 0 when it has none).
fn statistics_score(text: &str) -> i32 {
    let Some(info) = DETECTOR.detect(text) else {
        return 0;
    };
    let weight = if info.is_reliable() {
        RELIABLE_STATISTICS_WEIGHT
    } else {
        STATISTICS_WEIGHT
    };
    match info.lang() {
        Lang::Spa => weight,
        _ => -weight,
    }
}

/// The language a text's evidence calls for, confident when it is strong enough.
fn verdict(score: i32, previous: Option<Language>) -> Detection {
    let by_score = if score > 0 {
        Language::Spanish
    } else {
        Language::English
    };
    if score.abs() >= CONFIDENT_SCORE {
        return Detection {
            language: by_score,
            confident: true,
        };
    }
    Detection {
        language: match (previous, score) {
            (Some(previous), _) => previous,
            (None, 0) => Language::English,
            (None, _) => by_score,
        },
        confident: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn confident(text: &str) -> Option<Language> {
        let detection = detect(text, None);
        detection.confident.then_some(detection.language)
    }

    #[test]
    fn whole_sentences_in_either_language() {
        for text in [
            "Hola, quiero información sobre sus precios",
            "¿Cuánto cuesta una limpieza?",
            "Necesito ayuda con mi pedido, no ha llegado",
            "quiero hablar con una persona",
            "me llamo Dana y mi correo es dana@bluefin.example",
            "Buenas tardes, tienen disponibilidad el martes?",
            "gracias!",
            "hola",
            "sí, por favor",
        ] {
            assert_eq!(confident(text), Some(Language::Spanish), "{text}");
        }
        for text in [
            "Hi, I'm interested in pricing for my restaurant",
            "I need to speak to a real person please",
            "any update on this?",
            "thanks!",
            "hello",
            "What time do you open tomorrow?",
            "my dishwasher is leaking",
        ] {
            assert_eq!(confident(text), Some(Language::English), "{text}");
        }
    }

    #[test]
    fn whatlang_is_left_unasked_only_where_it_could_change_nothing() {
        for text in [
            "Hi, can I get a quote for 12 rooms?",
            "Hola, quiero información sobre sus precios",
            "me llamo Dana y mi correo es dana@bluefin.example",
            "I need to speak to a real person please",
            "Buenas tardes, tienen disponibilidad el martes?",
            "my dishwasher is leaking",
            "el restaurante is open for dinner y para llevar",
            "can you help me con mi pedido por favor",
            "no",
            "",
        ] {
            let (cues, words) = cue_score(text);
            let asked = match words >= MIN_WORDS_FOR_STATISTICS {
                true => cues + statistics_score(text),
                false => cues,
            };
            for previous in [None, Some(Language::English), Some(Language::Spanish)] {
                assert_eq!(detect(text, previous), verdict(asked, previous), "{text}");
            }
        }
    }

    #[test]
    fn short_texts_keep_the_conversations_language() {
        for text in [
            "ok",
            "Dana",
            "dana@bluefin.example",
            "415-555-0111",
            "👍",
            "",
        ] {
            let detection = detect(text, Some(Language::Spanish));
            assert_eq!(
                detection,
                Detection {
                    language: Language::Spanish,
                    confident: false
                },
                "{text}"
            );
            assert_eq!(detect(text, None).language, Language::English, "{text}");
        }
    }

    #[test]
    fn codes_and_names_parse() {
        assert_eq!(Language::parse("es-MX"), Some(Language::Spanish));
        assert_eq!(Language::parse(" Español "), Some(Language::Spanish));
        assert_eq!(Language::parse("English"), Some(Language::English));
        assert_eq!(Language::parse("fr"), None);
        for language in Language::ALL {
            assert_eq!(Language::parse(language.code()), Some(language));
        }
    }
}
