//! What a translation (or an apostille, a notarisation) is of, and between which languages: "a
//! certified translation of my birth certificate from spanish to english", "I need my degree
//! certificate translated from Polish to English", "traducir mi diploma al inglés".

use super::fold;
use super::things::{bare, ends_clause};

/// Languages people ask translations between, folded (English and Spanish names).
const LANGUAGES: &[&str] = &[
    "english",
    "spanish",
    "french",
    "german",
    "italian",
    "portuguese",
    "polish",
    "dutch",
    "russian",
    "ukrainian",
    "chinese",
    "mandarin",
    "cantonese",
    "japanese",
    "korean",
    "arabic",
    "hindi",
    "urdu",
    "turkish",
    "greek",
    "romanian",
    "hungarian",
    "czech",
    "swedish",
    "norwegian",
    "danish",
    "finnish",
    "hebrew",
    "persian",
    "farsi",
    "vietnamese",
    "thai",
    "tagalog",
    "catalan",
    "basque",
    "galician",
    "ingles",
    "espanol",
    "castellano",
    "frances",
    "aleman",
    "italiano",
    "portugues",
    "polaco",
    "holandes",
    "neerlandes",
    "ruso",
    "ucraniano",
    "chino",
    "mandarin",
    "japones",
    "coreano",
    "arabe",
    "turco",
    "griego",
    "rumano",
    "hungaro",
    "checo",
    "sueco",
    "noruego",
    "danes",
    "hebreo",
    "catalan",
    "euskera",
    "gallego",
];

/// Which of the two languages of a translation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// What it is written in: "from Polish", "del español".
    Source,
    /// What it is to be in: "to English", "into French", "al inglés".
    Target,
}

impl Side {
    fn cues(self) -> &'static [&'static str] {
        match self {
            Side::Source => &["from", "de", "del", "desde"],
            Side::Target => &["to", "into", "al", "a", "en"],
        }
    }
}

/// The language on `side` of a translation, as written: the language named after its word.
pub fn language(text: &str, side: Side) -> Option<String> {
    let tokens: Vec<&str> = text.split_whitespace().collect();
    (1..tokens.len()).find_map(|at| {
        let word = bare(tokens[at]);
        (is_language(word)
            && side.cues().contains(&fold(bare(tokens[at - 1])).as_str())
            && !ends_clause(tokens[at - 1]))
        .then(|| word.to_string())
    })
}

fn is_language(word: &str) -> bool {
    LANGUAGES.contains(&fold(word).as_str())
}

/// Words that ask for a translation (or a stamp) of the document after them, folded.
const DONE_TO: &[&str] = &[
    "translate",
    "translating",
    "translation of",
    "translations of",
    "traducir",
    "traduccion de",
    "traducciones de",
    "apostille",
    "apostillar",
    "apostilla de",
    "notarize",
    "notarise",
];

/// Words after the document that is to be translated: "my degree certificate translated".
const DONE: &[&str] = &[
    "translated",
    "traducido",
    "traducida",
    "traducidos",
    "traducidas",
    "apostilled",
    "apostillado",
    "apostillada",
    "notarized",
    "notarised",
];

/// Words that own or point at the document, dropped before it.
const OWNERS: &[&str] = &[
    "my", "our", "his", "her", "their", "a", "an", "the", "mi", "mis", "su", "sus", "nuestro",
    "nuestra", "un", "una", "el", "la", "los", "las",
];

/// Words that end the document's name: where it goes, what for, by when.
const AFTER_DOCUMENT: &[&str] = &[
    "from", "to", "into", "in", "for", "by", "before", "al", "del", "desde", "en", "para", "por",
    "antes",
];

/// The document a translation is of, without the words that own it: "birth certificate",
/// "diploma". At most five words.
pub fn document(text: &str) -> Option<String> {
    let tokens: Vec<&str> = text.split_whitespace().collect();
    let folded: Vec<String> = tokens.iter().map(|token| fold(bare(token))).collect();
    let after_cue = (0..tokens.len()).find_map(|at| {
        DONE_TO.iter().find_map(|cue| {
            let cue: Vec<&str> = cue.split(' ').collect();
            let end = at + cue.len();
            (end < tokens.len() && folded[at..end].iter().zip(&cue).all(|(w, c)| w == c))
                .then_some(end)
        })
    });
    let named = |start: usize, end: usize| {
        let start = start + usize::from(OWNERS.contains(&folded[start].as_str()));
        let words: Vec<&str> = tokens[start..end].iter().map(|token| bare(token)).collect();
        (!words.is_empty() && words.len() <= 5 && words.iter().all(|word| !word.is_empty()))
            .then(|| words.join(" "))
    };
    if let Some(start) = after_cue {
        let mut end = start;
        while end < tokens.len()
            && !(end > start && AFTER_DOCUMENT.contains(&folded[end].as_str()))
            && !(end > start && DONE.contains(&folded[end].as_str()))
            // "acta de nacimiento", but "mi diploma a inglés".
            && !(matches!(folded[end].as_str(), "de" | "a")
                && tokens.get(end + 1).is_some_and(|next| is_language(bare(next))))
        {
            end += 1;
            if ends_clause(tokens[end - 1]) {
                break;
            }
        }
        return named(start, end);
    }
    // "I need my degree certificate translated": the words from an owner to the verb.
    let done = folded
        .iter()
        .position(|word| DONE.contains(&word.as_str()))?;
    let start = (done.saturating_sub(5)..done)
        .rev()
        .find(|&at| OWNERS.contains(&folded[at].as_str()))?;
    named(start, done)
}

#[cfg(test)]
mod tests {
    use super::{Side, document, language};

    #[test]
    fn a_translation_names_its_document_and_languages() {
        for (text, doc, from, to) in [
            (
                "hi need a certified translation of my birth certificate from spanish to english",
                Some("birth certificate"),
                Some("spanish"),
                Some("english"),
            ),
            (
                "Hi, I need my degree certificate translated from Polish to English",
                Some("degree certificate"),
                Some("Polish"),
                Some("English"),
            ),
            (
                "hola necesito traducir mi diploma al inglés",
                Some("diploma"),
                None,
                Some("inglés"),
            ),
            (
                "quiero traducir mi acta de nacimiento del español al inglés",
                Some("acta de nacimiento"),
                Some("español"),
                Some("inglés"),
            ),
        ] {
            assert_eq!(document(text).as_deref(), doc, "{text}");
            assert_eq!(language(text, Side::Source).as_deref(), from, "{text}");
            assert_eq!(language(text, Side::Target).as_deref(), to, "{text}");
        }
        assert_eq!(document("it's 2 pages, needed by the 29th"), None);
        assert_eq!(language("clases de guitarra", Side::Source), None);
    }
}
