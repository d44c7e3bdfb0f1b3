//! What a text asks of the conversation itself, apart from any workflow: a person instead of the
//! agent, or, right after a run is done, a thank-you or a question about how things stand.
//! English and Spanish, by meaning as well as set phrases: a request to talk joined to someone to
//! talk to ("can I speak with someone", "quiero hablar con alguien"), or a complaint about being
//! answered by a machine ("stop texting me a bot").

use rustc_hash::FxHashSet;
use std::sync::LazyLock;

use crate::text::normalize;

/// What a text that follows a completed run is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowUp {
    /// Thanks, ok, great: the matter is closed.
    Closing,
    /// "Any update?": how the ticket stands.
    StatusQuery,
}

/// Phrases that ask for a person by themselves.
const HUMAN_PHRASES: &[&str] = &[
    "real person",
    "live person",
    "actual person",
    "real human",
    "a human",
    "human being",
    "representative",
    "live agent",
    "real agent",
    "human agent",
    "customer service",
    "operator",
    "put me through",
    "transfer me",
    "persona real",
    "un humano",
    "ser humano",
    "representante",
    "operador",
    "agente humano",
    "atencion al cliente",
];
/// Asking to be put in touch...
const TALK_WORDS: &[&str] = &[
    "speak",
    "talk",
    "chat",
    "call",
    "connect",
    "transfer",
    "reach",
    "contact",
    "hablar",
    "habla",
    "comunicar",
    "comunicarme",
    "contactar",
    "conectar",
    "conectarme",
    "pasar",
    "pasame",
    "pasen",
    "llamar",
    "llamen",
    "llameme",
];
/// ... with someone.
const PERSON_WORDS: &[&str] = &[
    "someone",
    "somebody",
    "person",
    "people",
    "human",
    "agent",
    "rep",
    "manager",
    "supervisor",
    "staff",
    "alguien",
    "persona",
    "personas",
    "humano",
    "agente",
    "encargado",
    "gerente",
    "asesor",
];
/// A machine answering...
const BOT_WORDS: &[&str] = &[
    "bot",
    "bots",
    "robot",
    "chatbot",
    "machine",
    "automated",
    "ai",
    "maquina",
    "automatico",
];
/// ... is not wanted.
const REFUSAL_WORDS: &[&str] = &[
    "stop", "dont", "not", "no", "hate", "tired", "enough", "quit", "useless", "deja", "dejen",
    "basta", "harto", "harta", "cansado", "cansada", "sin", "odio",
];

/// A text made only of these (with at least one closing word) closes the matter.
const CLOSING_WORDS: &[&str] = &[
    "thanks",
    "thank",
    "thx",
    "ty",
    "ok",
    "okay",
    "k",
    "great",
    "cool",
    "perfect",
    "awesome",
    "got",
    "good",
    "nice",
    "bye",
    "cheers",
    "appreciate",
    "sounds",
    "gracias",
    "vale",
    "perfecto",
    "listo",
    "genial",
    "bueno",
    "excelente",
    "entendido",
    "acuerdo",
    "adios",
    "chao",
];
const CLOSING_FILLER: &[&str] = &[
    "you", "so", "much", "very", "a", "lot", "it", "that", "thats", "all", "for", "the", "your",
    "help", "again", "will", "do", "wait", "muchas", "mucho", "muy", "por", "todo", "la", "su",
    "tu", "ayuda", "de", "bien", "oh", "ah",
];
/// Phrases that ask how things stand.
const STATUS_PHRASES: &[&str] = &[
    "update",
    "status",
    "progress",
    "any news",
    "heard back",
    "any word",
    "still waiting",
    "whats happening",
    "whats going on",
    "how long",
    "estado",
    "novedad",
    "novedades",
    "noticias",
    "actualizacion",
    "como va",
    "sigo esperando",
    "que paso",
];

/// Normalised words as a set.
fn word_set(words: &[&str]) -> FxHashSet<String> {
    words
        .iter()
        .map(|word| normalize(word).trim().to_string())
        .collect()
}

/// Normalised phrases, each framed by spaces so they match whole words in a normalised text.
fn phrases(phrases: &[&str]) -> Vec<String> {
    phrases.iter().map(|phrase| normalize(phrase)).collect()
}

struct Lexicon {
    human_phrases: Vec<String>,
    talk: FxHashSet<String>,
    person: FxHashSet<String>,
    bot: FxHashSet<String>,
    refusal: FxHashSet<String>,
    closing: FxHashSet<String>,
    closing_filler: FxHashSet<String>,
    status_phrases: Vec<String>,
}

static LEXICON: LazyLock<Lexicon> = LazyLock::new(|| Lexicon {
    human_phrases: phrases(HUMAN_PHRASES),
    talk: word_set(TALK_WORDS),
    person: word_set(PERSON_WORDS),
    bot: word_set(BOT_WORDS),
    refusal: word_set(REFUSAL_WORDS),
    closing: word_set(CLOSING_WORDS),
    closing_filler: word_set(CLOSING_FILLER),
    status_phrases: phrases(STATUS_PHRASES),
});

/// The text asks for a person instead of the agent.
pub fn wants_human(text: &str) -> bool {
    let lexicon = &*LEXICON;
    let normalized = normalize(text);
    if lexicon
        .human_phrases
        .iter()
        .any(|phrase| normalized.contains(phrase.as_str()))
    {
        return true;
    }
    let has = |set: &FxHashSet<String>| normalized.split_whitespace().any(|w| set.contains(w));
    (has(&lexicon.talk) && has(&lexicon.person)) || (has(&lexicon.bot) && has(&lexicon.refusal))
}

/// What a text right after a completed run is about, when it is a thank-you or a status question.
pub fn follow_up(text: &str) -> Option<FollowUp> {
    let lexicon = &*LEXICON;
    let normalized = normalize(text);
    if lexicon
        .status_phrases
        .iter()
        .any(|phrase| normalized.contains(phrase.as_str()))
    {
        return Some(FollowUp::StatusQuery);
    }
    let mut closing = false;
    for word in normalized.split_whitespace() {
        if lexicon.closing.contains(word) {
            closing = true;
        } else if !lexicon.closing_filler.contains(word) {
            return None;
        }
    }
    closing.then_some(FollowUp::Closing)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_for_a_person_in_either_language() {
        for text in [
            "I need to speak to a real person please",
            "representative",
            "Can I talk to someone?",
            "let me speak with a human",
            "stop texting me a bot",
            "I don't want to chat with a robot",
            "put me through to an agent",
            "can someone call me",
            "hablar con una persona",
            "quiero hablar con alguien",
            "Necesito un representante",
            "no quiero un bot, pásame con un asesor",
            "¿Me puedo comunicar con un humano?",
        ] {
            assert!(wants_human(text), "{text}");
        }
        for text in [
            "I need someone to fix my sink",
            "hi I'm interested in pricing",
            "my agent told me to text you",
            "Dana, dana@bluefin.example",
            "quiero información sobre precios",
            "no gracias",
            "thanks!",
        ] {
            assert!(!wants_human(text), "{text}");
        }
    }

    #[test]
    fn thanks_and_status_questions_after_a_run() {
        for text in [
            "thanks!",
            "Thank you so much",
            "ok",
            "ok thanks 👍",
            "great, thanks for the help",
            "gracias",
            "muchas gracias!",
            "vale, perfecto",
        ] {
            assert_eq!(follow_up(text), Some(FollowUp::Closing), "{text}");
        }
        for text in [
            "any update on this?",
            "Any news?",
            "what's the status of my ticket",
            "still waiting to hear back",
            "¿alguna novedad?",
            "¿cómo va mi solicitud?",
        ] {
            assert_eq!(follow_up(text), Some(FollowUp::StatusQuery), "{text}");
        }
        for text in [
            "thanks, I also need a quote for catering",
            "my oven is broken",
            "quiero reservar una cita",
            "",
        ] {
            assert_eq!(follow_up(text), None, "{text}");
        }
    }
}
