//! A learned reader of free-text, number, address and choice fields (issue 11): a span-ranking
//! averaged perceptron that reads each message beside the rules, per turn, with only what the
//! agent has at that point.
//!
//! For a field and one message the candidates are "nothing" (keep what the field has), the rules'
//! own answer in this message when they found one, and either every span of the message of up to
//! [`MAX_SPAN`] words (text, addresses), every number it says (numbers) or each of the field's
//! choices. Features cross the field name's words with the candidate's edges and the words around
//! it (their endings and classes too, for words the training never saw) or, for a choice, with its
//! words crossed with the message's; what the agent asked for before the message, what the rules
//! found in it and what is known already; each kind of field has weights of its own. The rules'
//! answer stands unless the model outscores it by [`SURE_MARGIN`] ([`SURE_CHOICE_MARGIN`] for a
//! choice).
//!
//! The model is trained by `smsflow extract --train-tagger` on the development sets and stored
//! here as its non-zero weights, quantised ([`Model::encode`]); a test of the `smsflow` crate
//! checks the stored model is what training gives. The builtin agent reads with it;
//! [`crate::extract::Extractors::rules_only`] reads without it (to train and measure it).

use crate::fields::fold;
use smsflow_core::{FieldSpec, FieldType};
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The longest span, in words, that is a candidate answer.
pub const MAX_SPAN: usize = 16;
/// Training passes over the training decisions.
const EPOCHS: usize = 10;
/// Perceptrons averaged into the model, each trained in an order of its own.
const ORDERS: usize = 4;
/// Features are hashed into 2^HASH_BITS weights.
const HASH_BITS: u32 = 20;
/// How far the model's pick must outscore the rules' answer (or their silence) to replace it.
pub const SURE_MARGIN: f32 = 8.0;
/// The margin for a choice: the development sets read choices best with twice the margin
/// (session 28), since a choice picked wrong costs as much as one not picked, and only a few
/// words tell one choice from another.
pub const SURE_CHOICE_MARGIN: f32 = 16.0;

/// How the agent combines the model's pick with the rules' answer, for a kind of field.
pub const fn combination(reads: Reads) -> Combination {
    match reads {
        Reads::Choice => Combination::Sure(SURE_CHOICE_MARGIN),
        Reads::Text | Reads::Number | Reads::Address => Combination::Sure(SURE_MARGIN),
    }
}

/// Words that open a message without being part of an answer.
const GREETINGS: &[&str] = &[
    "hi", "hello", "hey", "hola", "buenas", "buenos", "oigan", "oye", "ola", "yo", "good",
];

/// The stored model: `smsflow extract --train-tagger` writes it.
static STORED: &[u8] = include_bytes!("../data/tagger.bin");

/// The fields the model reads: free text, numbers, addresses and choices. A company, a name or an
/// identifier is left to the rules that read it by what it is: the model read "monthly clean
/// cost" as a company and overrode a "company: ..." label (tests/conversations, session 19), and
/// read as names the first words of messages that gave none ("Quote", "Call me back": the held-out
/// sets, session 20; see HISTORY.md). Nor are words to be written on a card or a cake, which the
/// rules read from their quotes or cue: the model took the product ordered for them (session 22).
pub fn reads(field: &FieldSpec) -> Option<Reads> {
    if crate::extract::is_free_text(field) && !crate::extract::holds_written_words(field) {
        Some(Reads::Text)
    } else if field.kind == FieldType::Number {
        Some(Reads::Number)
    } else if field.kind == FieldType::Address {
        Some(Reads::Address)
    } else if field.kind == FieldType::Choice && !field.choices.is_empty() {
        Some(Reads::Choice)
    } else {
        None
    }
}

/// What the model reads a field as: its candidates, and a weight table of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reads {
    /// Any span of the message.
    Text,
    /// Each number the message says, as the rules normalise it ("4,500" is "4500").
    Number,
    /// Any span of the message, weighed apart from free text.
    Address,
    /// Each of the field's choices, read against the message's words ("no scent pls" is
    /// `Unscented`, "nobody hurt" `No`).
    Choice,
}

/// What the agent has when it reads one message for one field the model reads.
pub struct Turn<'a> {
    pub text: &'a str,
    pub field: &'a str,
    pub reads: Reads,
    /// The field's choices, when it has some.
    pub choices: &'a [String],
    /// The fields the last reply asked for.
    pub asked: &'a [String],
    /// The values known before this message.
    pub known: &'a BTreeMap<String, String>,
    /// What the rules found in this message.
    pub found: &'a BTreeMap<String, String>,
}

/// One possible answer for a field in a message: a span, the rules' answer, or nothing (`text` is
/// `None`). Candidate 0 is nothing; candidate 1 is the rules' answer when they found one.
pub struct Candidate {
    pub text: Option<String>,
    pub features: Vec<u32>,
}

/// Averaged perceptron weights over hashed features.
pub struct Model {
    weights: Vec<f32>,
}

impl Model {
    /// The model stored with the agent, decoded at its first use.
    pub fn stored() -> &'static Model {
        static MODEL: OnceLock<Model> = OnceLock::new();
        MODEL.get_or_init(|| Model::decode(STORED))
    }

    /// Trains on decisions (candidates and the indexes of the right ones): the average of
    /// [`ORDERS`] perceptrons, each trained in a fixed order of its own, reshuffled
    /// deterministically each epoch. One perceptron's weights hang on the order it met the
    /// decisions in: a rule that changes a few decisions' features reshuffles what it learns
    /// everywhere (HISTORY.md, session 25); the average holds what the orders agree on.
    ///
    /// Each group of decisions is learnt apart and their weights added (their features are
    /// salted apart by [`Reads`]): the choices' decisions do not reshuffle what the text, number
    /// and address reader learns (session 29).
    pub fn train(groups: &[Vec<(&[Candidate], Vec<usize>)>]) -> Model {
        let mut weights = vec![0f32; 1 << HASH_BITS];
        for decisions in groups {
            for order in 0..ORDERS {
                let seed = 0x5eed + order as u64;
                for (sum, weight) in weights.iter_mut().zip(averaged_perceptron(decisions, seed)) {
                    *sum += weight / ORDERS as f32;
                }
            }
        }
        Model { weights }
    }

    /// The model as stored: the number of non-zero weights, then each as the gap from the
    /// previous one's index (LEB128) and its value in steps of the largest / 32767 (i16).
    pub fn encode(&self) -> Vec<u8> {
        let largest = self.weights.iter().fold(0f32, |m, w| m.max(w.abs()));
        let unit = if largest > 0.0 {
            largest / 32767.0
        } else {
            1.0
        };
        let kept: Vec<(usize, i16)> = self
            .weights
            .iter()
            .enumerate()
            .map(|(index, weight)| (index, (weight / unit).round() as i16))
            .filter(|(_, quantised)| *quantised != 0)
            .collect();
        let mut bytes = Vec::with_capacity(8 + kept.len() * 4);
        bytes.extend(unit.to_le_bytes());
        bytes.extend((kept.len() as u32).to_le_bytes());
        let mut previous = 0;
        for (index, quantised) in kept {
            let mut gap = index - previous;
            previous = index;
            loop {
                let low = (gap & 0x7f) as u8;
                gap >>= 7;
                if gap == 0 {
                    bytes.push(low);
                    break;
                }
                bytes.push(low | 0x80);
            }
            bytes.extend(quantised.to_le_bytes());
        }
        bytes
    }

    /// The model [`Model::encode`] wrote; no weights (the rules alone) from fewer than 8 bytes.
    pub fn decode(bytes: &[u8]) -> Model {
        let mut weights = vec![0f32; 1 << HASH_BITS];
        let (Some(unit), Some(count)) = (bytes.get(..4), bytes.get(4..8)) else {
            return Model { weights };
        };
        let unit = f32::from_le_bytes(unit.try_into().unwrap_or_default());
        let count = u32::from_le_bytes(count.try_into().unwrap_or_default());
        let mut at = 8;
        let mut index = 0;
        for _ in 0..count {
            let mut gap = 0;
            let mut shift = 0;
            while let Some(&byte) = bytes.get(at) {
                at += 1;
                gap |= usize::from(byte & 0x7f) << shift;
                shift += 7;
                if byte & 0x80 == 0 {
                    break;
                }
            }
            index += gap;
            let Some(quantised) = bytes.get(at..at + 2) else {
                break;
            };
            at += 2;
            if let Some(weight) = weights.get_mut(index) {
                *weight = f32::from(i16::from_le_bytes([quantised[0], quantised[1]])) * unit;
            }
        }
        Model { weights }
    }

    /// Each candidate's score.
    pub fn scores(&self, candidates: &[Candidate]) -> Vec<f32> {
        candidates
            .iter()
            .map(|candidate| {
                candidate
                    .features
                    .iter()
                    .map(|&f| self.weights[f as usize])
                    .sum()
            })
            .collect()
    }
}

/// What to do with a field after reading a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reading {
    /// The rules' answer (or their silence) stands.
    Rules,
    /// The rules' answer is none: the field keeps what it had.
    Nothing,
    Value(String),
}

/// How the model's pick and the rules' answer combine.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Combination {
    /// The rules alone.
    Rules,
    /// The model's pick, reading the rules' answer among its features and candidates.
    WithRules,
    /// The rules' answer, or the model's pick while the field has no value.
    Fill,
    /// The rules' answer unless the model's pick outscores it by the margin.
    Sure(f32),
    /// The rules' answer; while the field has no value and they found none, the model's pick if
    /// it outscores nothing by the margin.
    SureFill(f32),
}

/// One averaged perceptron over `decisions`, met in an order shuffled from `seed` each epoch.
fn averaged_perceptron(decisions: &[(&[Candidate], Vec<usize>)], mut seed: u64) -> Vec<f32> {
    let size = 1 << HASH_BITS;
    let (mut weights, mut totals) = (vec![0f32; size], vec![0f32; size]);
    let mut order: Vec<usize> = (0..decisions.len()).collect();
    let mut step: f32 = 1.0;
    let score = |weights: &[f32], candidate: &Candidate| -> f32 {
        candidate
            .features
            .iter()
            .map(|&f| weights[f as usize])
            .sum()
    };
    for _ in 0..EPOCHS {
        for i in (1..order.len()).rev() {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            order.swap(i, (seed >> 33) as usize % (i + 1));
        }
        for &index in &order {
            let (candidates, golds) = &decisions[index];
            // A wrong candidate must lose by a margin, not merely lose: steadier weights.
            let best = best(
                candidates
                    .iter()
                    .enumerate()
                    .map(|(i, c)| score(&weights, c) + if golds.contains(&i) { 0.0 } else { 1.0 }),
            );
            if !golds.contains(&best) {
                let gold = golds
                    .iter()
                    .copied()
                    .max_by(|a, b| {
                        score(&weights, &candidates[*a])
                            .total_cmp(&score(&weights, &candidates[*b]))
                    })
                    .unwrap_or(golds[0]);
                for (candidate, sign) in [(gold, 1.0), (best, -1.0)] {
                    for &feature in &candidates[candidate].features {
                        weights[feature as usize] += sign;
                        totals[feature as usize] += sign * step;
                    }
                }
            }
            step += 1.0;
        }
    }
    // The average over all steps: w - totals / steps (the standard lazy-averaging trick).
    for (weight, total) in weights.iter_mut().zip(&totals) {
        *weight -= total / step;
    }
    weights
}

/// The candidate `combination` picks: `scores` are the model's, `rules` the index of the rules'
/// answer ([`rules_pick`]), `known` whether the field has a value already.
pub fn pick(combination: Combination, scores: &[f32], rules: usize, known: bool) -> usize {
    let top = best(scores.iter().copied());
    match combination {
        Combination::Rules => rules,
        Combination::WithRules => top,
        Combination::Fill if rules == 0 && !known => top,
        Combination::Fill => rules,
        Combination::Sure(margin) if scores[top] - scores[rules] > margin => top,
        Combination::Sure(_) => rules,
        Combination::SureFill(margin)
            if rules == 0 && !known && scores[top] - scores[0] > margin =>
        {
            top
        }
        Combination::SureFill(_) => rules,
    }
}

/// The model's reading of `turn` beside the rules, combined with their answer as `combination`
/// says.
pub fn read(model: &Model, turn: &Turn, combination: Combination) -> Reading {
    let (texts, scores): (Vec<_>, Vec<_>) = scored(turn, model).into_iter().unzip();
    let rules = rules_pick(turn);
    let known = turn.known.contains_key(turn.field);
    let pick = pick(combination, &scores, rules, known);
    if pick == rules {
        return Reading::Rules;
    }
    match texts.into_iter().nth(pick).flatten() {
        Some(value) => Reading::Value(value),
        None => Reading::Nothing,
    }
}

/// The candidate that is the rules' answer: their own value, or nothing.
pub fn rules_pick(turn: &Turn) -> usize {
    usize::from(turn.found.contains_key(turn.field))
}

/// The index of the highest score, the first on a tie.
pub fn best(scores: impl Iterator<Item = f32>) -> usize {
    let mut best = (0, f32::NEG_INFINITY);
    for (index, score) in scores.enumerate() {
        if score > best.1 {
            best = (index, score);
        }
    }
    best.0
}

/// A word of a message: where it is, and its folded form without the punctuation around it.
struct Word {
    start: usize,
    end: usize,
    folded: String,
    /// The hash of `folded`, which the features name.
    hash: u64,
    /// It ends with sentence punctuation ("cold," "week.").
    ends_clause: bool,
    /// It ends a sentence ("week." "ok!").
    ends_sentence: bool,
    /// The hash of its last three letters, for words the training never saw.
    suffix: u64,
    /// The hash of its [`word_class`].
    class: u64,
}

fn words(text: &str) -> Vec<Word> {
    text.split_whitespace()
        .map(|raw| {
            let start = raw.as_ptr() as usize - text.as_ptr() as usize;
            let folded = fold(raw.trim_matches(|c: char| !c.is_alphanumeric()));
            let suffix_start = folded.char_indices().rev().nth(2).map_or(0, |(at, _)| at);
            Word {
                start,
                end: start + raw.len(),
                hash: fnv(&folded),
                suffix: with(fnv("suffix"), fnv(&folded[suffix_start..])),
                class: fnv(word_class(&folded, raw)),
                folded,
                ends_clause: raw.ends_with(is_clause_mark),
                ends_sentence: raw.ends_with(['.', '!', '?', '…']),
            }
        })
        .collect()
}

/// A coarse class of a word: the function words that open or close what people say, or its shape.
/// A word is in the first class that lists it.
fn word_class(folded: &str, raw: &str) -> &'static str {
    const CLASSES: &[(&str, &[&str])] = &[
        (
            "det",
            &[
                "the", "a", "an", "el", "la", "los", "las", "un", "una", "unos", "unas", "lo",
            ],
        ),
        (
            "poss",
            &[
                "my", "our", "your", "his", "her", "their", "mi", "mis", "su", "sus", "nuestro",
                "nuestra", "tu", "tus",
            ],
        ),
        (
            "prep",
            &[
                "of", "for", "to", "in", "on", "at", "with", "from", "by", "about", "de", "del",
                "en", "con", "para", "por", "al", "sobre", "desde", "sin",
            ],
        ),
        (
            "conj",
            &[
                "and", "or", "but", "so", "y", "e", "o", "pero", "entonces", "pues", "also",
                "tambien", "plus",
            ],
        ),
        (
            "sub",
            &[
                "that", "because", "since", "when", "if", "que", "porque", "cuando", "si", "como",
                "cause", "bc", "pq", "xq",
            ],
        ),
        (
            "pron",
            &[
                "i", "im", "i'm", "yo", "we", "it", "its", "it's", "me", "us", "nos", "se", "le",
                "les", "you", "they", "he", "she",
            ],
        ),
        (
            "be",
            &[
                "is", "are", "was", "were", "es", "son", "esta", "estan", "fue", "era", "be",
                "been", "being",
            ],
        ),
        (
            "need",
            &[
                "need",
                "needs",
                "want",
                "wanted",
                "would",
                "like",
                "necesito",
                "necesitamos",
                "quiero",
                "queremos",
                "quisiera",
                "busco",
                "looking",
                "gustaria",
            ],
        ),
        (
            "have",
            &[
                "have", "has", "had", "got", "tengo", "tiene", "tenemos", "hay",
            ],
        ),
        (
            "polite",
            &[
                "please", "pls", "plz", "thanks", "thank", "thx", "gracias", "porfa", "favor",
                "xfa",
            ],
        ),
        (
            "yesno",
            &[
                "yes", "yeah", "yep", "no", "nope", "ok", "okay", "vale", "dale", "claro", "sure",
            ],
        ),
        (
            "greet",
            &[
                "hi", "hello", "hey", "hola", "buenas", "buenos", "buen", "dia", "dias", "tardes",
                "noches", "good", "morning",
            ],
        ),
    ];
    for (class, words) in CLASSES {
        if words.contains(&folded) {
            return class;
        }
    }
    if folded.is_empty() {
        "symbol"
    } else if folded.chars().all(|c| c.is_ascii_digit()) {
        "number"
    } else if folded.chars().any(|c| c.is_ascii_digit()) {
        "alnum"
    } else if raw.chars().next().is_some_and(char::is_uppercase) {
        "capital"
    } else {
        "word"
    }
}

fn is_clause_mark(c: char) -> bool {
    matches!(c, '.' | ',' | '!' | '?' | ';' | ':' | '…')
}

/// A span's text as a value: trimmed of sentence punctuation and opening marks; `None` when nothing
/// is left.
fn span_text<'t>(text: &'t str, first: &Word, last: &Word) -> Option<&'t str> {
    let span = text[first.start..last.end]
        .trim_end_matches(is_clause_mark)
        .trim_start_matches(['¿', '¡', '#']);
    (!span.is_empty()).then_some(span)
}

/// Each number of `text` with the words it is said in: every word that reads as a number, and
/// two words that read as another ("3 millones", "two hundred").
fn numbers(text: &str, words: &[Word], mut each: impl FnMut(usize, usize, &str)) {
    let value = |first: &Word, last: &Word| crate::fields::number(&text[first.start..last.end]);
    let singles: Vec<Option<String>> = words.iter().map(|word| value(word, word)).collect();
    for (index, single) in singles.iter().enumerate() {
        if let Some(number) = single {
            each(index, index, number);
        }
        if let Some(next) = singles.get(index + 1)
            && let Some(pair) = value(&words[index], &words[index + 1])
            && Some(&pair) != single.as_ref()
            && Some(&pair) != next.as_ref()
        {
            each(index, index + 1, &pair);
        }
    }
}

/// `span` (a slice of `text`) with the sentence punctuation that ends its last word.
fn with_end_mark<'t>(text: &'t str, span: &'t str, last: &Word) -> &'t str {
    let start = span.as_ptr() as usize - text.as_ptr() as usize;
    &text[start..last.end]
}

/// Whether the field was asked for in the last reply, alone or with others.
fn asked_state(turn: &Turn) -> u64 {
    fnv(if turn.asked.iter().any(|a| a == turn.field) {
        if turn.asked.len() == 1 {
            "asked:only-this"
        } else {
            "asked:with-others"
        }
    } else if turn.asked.is_empty() {
        "asked:nothing"
    } else {
        "asked:others"
    })
}

/// "Nothing", the rules' answer if any, then every span of the message, with their features.
pub fn candidates(turn: &Turn) -> Vec<Candidate> {
    let mut candidates = Vec::new();
    walk(turn, None, |text, features| {
        candidates.push(Candidate {
            text: text.map(String::from),
            features: features.take(),
        });
    });
    candidates
}

/// The candidates of [`candidates`] and their scores, without keeping their features.
fn scored(turn: &Turn, model: &Model) -> Vec<(Option<String>, f32)> {
    let mut scored = Vec::new();
    walk(turn, Some(&model.weights), |text, features| {
        scored.push((text.map(String::from), features.take_score()));
    });
    scored
}

/// Gives each candidate's text and features to `emit`, in the order of [`candidates`]; the
/// features are summed as they come with `weights`.
fn walk(
    turn: &Turn,
    weights: Option<&[f32]>,
    mut emit: impl FnMut(Option<&str>, &mut Features<'_>),
) {
    let folded = fold(turn.field);
    let mut field_words: Vec<String> = folded.split(['_', '-', ' ']).map(String::from).collect();
    if field_words.len() > 1 {
        field_words.push(folded);
    }
    let mut features = Features::new(&field_words, weights, turn.reads);
    let asked = asked_state(turn);
    let rules = turn.found.get(turn.field).map(String::as_str);
    let known = turn.known.get(turn.field).map(String::as_str);
    features.add(fnv("none"));
    features.add(with(fnv("none+"), asked));
    features.add(fnv(if rules.is_some() {
        "none:rules-found"
    } else {
        "none:rules-empty"
    }));
    features.add(fnv(if known.is_some() {
        "none:known"
    } else {
        "none:unknown"
    }));
    // The message gave another field (a name, a phone, a day): it may answer that one.
    let gave_other = turn
        .found
        .iter()
        .any(|(name, value)| name != turn.field && turn.known.get(name) != Some(value));
    let words = words(turn.text);
    emit(None, &mut features);
    if let Some(value) = rules {
        features.add(fnv("rules-own"));
        features.add(with(fnv("rules-own+"), asked));
        emit(Some(value), &mut features);
    }
    // The values of the other fields a span may contain or border.
    let others: Vec<&str> = turn
        .known
        .iter()
        .chain(turn.found)
        .filter(|(name, value)| name.as_str() != turn.field && value.chars().count() >= 2)
        .map(|(_, value)| value.as_str())
        .collect();
    let context = Context {
        turn,
        field_words: &field_words,
        asked,
        rules,
        known,
        others,
        gave_other,
    };
    if turn.reads == Reads::Choice {
        let message = SaidWords::of(&words);
        for (index, choice) in turn.choices.iter().enumerate() {
            context.choice_features(&mut features, &message, index, choice);
            emit(Some(choice), &mut features);
        }
        return;
    }
    if turn.reads == Reads::Number {
        numbers(turn.text, &words, |first, last, value| {
            context.span_features(&mut features, &words, first, last, value);
            emit(Some(value), &mut features);
        });
        return;
    }
    for first in 0..words.len() {
        for last in first..words.len().min(first + MAX_SPAN) {
            let Some(span) = span_text(turn.text, &words[first], &words[last]) else {
                continue;
            };
            context.span_features(&mut features, &words, first, last, span);
            emit(Some(span), &mut features);
            // A card's or a cake's words keep their "!" or "." ("Congrats Dr. Mia!").
            if words[last].ends_sentence {
                let kept = with_end_mark(turn.text, span, &words[last]);
                context.span_features(&mut features, &words, first, last, kept);
                features.add(fnv("keeps-end-mark"));
                emit(Some(kept), &mut features);
            }
        }
    }
}

/// The words of a choice, folded.
fn choice_words(folded: &str) -> Vec<u64> {
    folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(fnv)
        .collect()
}

/// How much of a choice a message says.
fn said_state(choice_words: &[u64], said_words: &[u64]) -> &'static str {
    let said = choice_words
        .iter()
        .filter(|word| said_words.binary_search(word).is_ok())
        .count();
    match said {
        0 => "choice-said:none",
        n if n == choice_words.len() => "choice-said:all",
        _ => "choice-said:some",
    }
}

/// What every choice of a field is read against in one message.
struct SaidWords {
    /// The message's distinct word hashes, sorted.
    hashes: Vec<u64>,
    /// It says no somewhere ([`NEGATIONS`]).
    negated: bool,
}

impl SaidWords {
    fn of(words: &[Word]) -> SaidWords {
        let mut hashes: Vec<u64> = words.iter().map(|word| word.hash).collect();
        hashes.sort_unstable();
        hashes.dedup();
        SaidWords {
            hashes,
            negated: words
                .iter()
                .any(|word| NEGATIONS.contains(&word.folded.as_str())),
        }
    }
}

/// What every span of one message is read against.
struct Context<'a> {
    turn: &'a Turn<'a>,
    field_words: &'a [String],
    /// [`asked_state`]
    asked: u64,
    rules: Option<&'a str>,
    known: Option<&'a str>,
    others: Vec<&'a str>,
    gave_other: bool,
}

/// The hash of the start or end of a message, in place of a word.
const START: u64 = fnv("<s>");
const END: u64 = fnv("</s>");

/// Words that say no: a choice's words said after one may be the one not wanted.
const NEGATIONS: &[&str] = &[
    "no", "not", "dont", "don't", "nobody", "none", "never", "without", "nope", "nadie", "ningun",
    "ninguno", "ninguna", "nunca", "sin", "nada", "tampoco",
];

impl Context<'_> {
    /// A choice's features: its words crossed with every word of the message (what people say
    /// for it), how many of them the message says, and what the rules and the agent have.
    fn choice_features(
        &self,
        features: &mut Features,
        message: &SaidWords,
        index: usize,
        choice: &str,
    ) {
        let folded = fold(choice);
        let choice_words = choice_words(&folded);
        features.add(with(fnv("choice="), fnv(&folded)));
        for &choice_word in &choice_words {
            features.add(with(fnv("choice-word="), choice_word));
            if message.negated {
                features.add(with(fnv("negated+choice-word="), choice_word));
            }
            for &said in &message.hashes {
                features.add(with(with(fnv("said+choice-word="), said), choice_word));
            }
        }
        let said_state = fnv(said_state(&choice_words, &message.hashes));
        features.add(said_state);
        features.add(with(said_state, self.asked));
        // A choice none of whose words are said is likelier when the message answers another
        // field, and a pick of the rules whose words are all said is seldom wrong.
        features.add(with(
            said_state,
            fnv(if self.gave_other {
                "gave-other"
            } else {
                "gave-none"
            }),
        ));
        let (rules_state, rules_said) = match self.rules {
            None => ("choice-rules:empty", "rules:empty"),
            Some(value) if value == choice => ("choice-rules:same", "rules:same"),
            Some(_) => ("choice-rules:other", "rules:other"),
        };
        features.add(with(said_state, fnv(rules_said)));
        features.add(with(fnv("choice-index="), index.min(4) as u64));
        if index + 1 == self.turn.choices.len() {
            features.add(fnv("choice-last"));
        }
        features.add(fnv(rules_state));
        features.add(fnv(match self.known {
            None => "choice-known:none",
            Some(value) if value == choice => "choice-known:same",
            Some(_) => "choice-known:other",
        }));
        features.add(self.asked);
    }

    fn span_features(
        &self,
        features: &mut Features,
        words: &[Word],
        first: usize,
        last: usize,
        span: &str,
    ) {
        let length = last - first + 1;
        let before = first.checked_sub(1).map(|i| &words[i]);
        let after = words.get(last + 1);
        let before_word = before.map_or(START, |w| w.hash);
        features.add(with(fnv("first="), words[first].hash));
        features.add(with(fnv("last="), words[last].hash));
        features.add(with(fnv("before="), before_word));
        features.add(with(fnv("after="), after.map_or(END, |w| w.hash)));
        features.add(with(
            with(fnv("before+first="), before_word),
            words[first].hash,
        ));
        if first < last {
            features.add(with(
                with(fnv("first2="), words[first].hash),
                words[first + 1].hash,
            ));
            features.add(with(
                with(fnv("last2="), words[last - 1].hash),
                words[last].hash,
            ));
        }
        for word in &words[first..=last] {
            features.add(with(fnv("has="), word.hash));
        }
        // Unseen words still say something by their ending and their class.
        for (template, word) in [
            ("first", Some(&words[first])),
            ("last", Some(&words[last])),
            ("before", before),
            ("after", after),
        ] {
            let (suffix, class) = word.map_or((START, START), |w| (w.suffix, w.class));
            features.add(with(fnv(template), suffix ^ 0x5u64));
            features.add(with(with(fnv("class"), fnv(template)), class));
        }
        features.add(with(
            with(
                fnv("before-class+first-class"),
                before.map_or(START, |w| w.class),
            ),
            words[first].class,
        ));
        features.add(with(
            with(fnv("last-class+after-class"), words[last].class),
            after.map_or(END, |w| w.class),
        ));
        if first == 0 {
            features.add(fnv("at-start"));
        }
        if after.is_none() {
            features.add(fnv("at-end"));
        }
        features.add(with(
            fnv("before2="),
            first.checked_sub(2).map_or(START, |i| words[i].hash),
        ));
        let bucket: u64 = match length {
            1 => 1,
            2 => 2,
            3 => 3,
            4..=5 => 5,
            6..=8 => 8,
            9..=12 => 12,
            _ => 16,
        };
        features.add(with(fnv("length="), bucket));
        let whole = first == 0 && last + 1 == words.len();
        if whole {
            features.add(fnv("whole-turn"));
        }
        let starts_clause = before.is_none_or(|w| w.ends_clause);
        if starts_clause {
            features.add(fnv("starts-clause"));
        }
        let ends_clause = words[last].ends_clause || after.is_none();
        if ends_clause {
            features.add(fnv("ends-clause"));
        }
        if before.is_some_and(|w| GREETINGS.contains(&w.folded.as_str())) {
            features.add(fnv("after-greeting"));
        }
        if span.chars().next().is_some_and(char::is_uppercase) {
            features.add(fnv("capitalised"));
        }
        let digits = span.chars().filter(char::is_ascii_digit).count();
        if digits > 0 {
            features.add(fnv(if digits >= 7 {
                "digits:phone"
            } else {
                "digits"
            }));
        }
        if span.contains('@') {
            features.add(fnv("email"));
        }
        if self.gave_other {
            features.add(fnv("turn-gave-another-field"));
        }
        features.add(self.asked);
        // How an answer looks depends on whether it was asked for: a whole message after the
        // question, a clause of the opening message otherwise.
        let shape = match (whole, starts_clause) {
            (true, _) => 0,
            (false, true) => 1,
            (false, false) => 2,
        };
        features.add(with(
            with(fnv("asked+shape="), self.asked),
            shape * 2 + u64::from(ends_clause),
        ));
        features.add(with(with(fnv("asked+length="), self.asked), bucket));
        if words[first..last].iter().any(|w| w.ends_sentence) {
            features.add(fnv("crosses-sentence"));
        }
        // The field named just before: "insurance is Delta Dental", "motivo: ...".
        let label_before = words[first.saturating_sub(3)..first].iter().any(|w| {
            self.field_words.iter().any(|field_word| {
                field_word.len() >= 4
                    && w.folded.len() >= 4
                    && field_word.get(..4) == w.folded.get(..4)
            })
        });
        if label_before {
            features.add(fnv("label-before"));
        }
        let text = self.turn.text;
        let prefix = text[..words[first].start].trim_end();
        let suffix = text[words[last].end..].trim_start();
        if self.others.iter().any(|other| prefix.ends_with(other)) {
            features.add(fnv("after-other-field"));
        }
        if self.others.iter().any(|other| suffix.starts_with(other)) {
            features.add(fnv("before-other-field"));
        }
        if let Some(other) = self.others.iter().find(|other| span.contains(**other)) {
            features.add(fnv(if span == *other {
                "other-field:is"
            } else {
                "other-field:contains"
            }));
        }
        features.add(fnv(match self.rules {
            None => "rules:empty",
            Some(value) if value == span => "rules:same",
            Some(value) if span.contains(value) => "rules:inside-span",
            Some(value) if value.contains(span) => "rules:span-inside",
            Some(_) => "rules:elsewhere",
        }));
        features.add(fnv(match self.known {
            None => "known:none",
            Some(value) if value == span => "known:same",
            Some(_) => "known:other",
        }));
    }
}

/// One candidate's features: each alone and crossed with each word of the field's name, kept as
/// weight indexes (training) or summed with the model's weights as they come (reading).
struct Features<'m> {
    /// The hash of each word of the field's name, to cross with.
    field_words: Vec<u64>,
    ids: Vec<u32>,
    weights: Option<&'m [f32]>,
    score: f32,
    /// Mixed into every feature: each kind of field ([`Reads`]) is weighed apart.
    salt: u64,
}

impl<'m> Features<'m> {
    fn new(field_words: &[String], weights: Option<&'m [f32]>, reads: Reads) -> Features<'m> {
        Features {
            field_words: field_words.iter().map(|word| fnv(word)).collect(),
            ids: Vec::new(),
            weights,
            score: 0.0,
            salt: match reads {
                Reads::Text => 0,
                Reads::Number => fnv("reads-number"),
                Reads::Address => fnv("reads-address"),
                Reads::Choice => fnv("reads-choice"),
            },
        }
    }

    /// A feature, by its hash.
    fn add(&mut self, feature: u64) {
        let feature = feature ^ self.salt;
        let crossed = self
            .field_words
            .iter()
            .map(|word| slot(mix(feature ^ word.rotate_left(29))));
        for id in std::iter::once(slot(feature)).chain(crossed) {
            match self.weights {
                Some(weights) => self.score += weights[id as usize],
                None => self.ids.push(id),
            }
        }
    }

    fn take(&mut self) -> Vec<u32> {
        std::mem::take(&mut self.ids)
    }

    fn take_score(&mut self) -> f32 {
        std::mem::take(&mut self.score)
    }
}

/// FNV-1a.
const fn fnv(text: &str) -> u64 {
    let bytes = text.as_bytes();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut at = 0;
    while at < bytes.len() {
        hash ^= bytes[at] as u64;
        hash = hash.wrapping_mul(0x0100_0000_01b3);
        at += 1;
    }
    hash
}

/// A feature named by a template (or a feature) and a value, each by its hash.
fn with(feature: u64, value: u64) -> u64 {
    mix(feature ^ value.rotate_left(17))
}

/// SplitMix64's finaliser: hashes combined land anywhere.
fn mix(mut hash: u64) -> u64 {
    hash = (hash ^ (hash >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    hash = (hash ^ (hash >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    hash ^ (hash >> 31)
}

/// A hash folded into the weight table.
fn slot(hash: u64) -> u32 {
    (hash >> (64 - HASH_BITS)) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(candidates: &[Candidate]) -> Vec<Option<&str>> {
        candidates.iter().map(|c| c.text.as_deref()).collect()
    }

    #[test]
    fn a_span_drops_sentence_punctuation_and_a_leading_hash() {
        let text = "¿order #A1-99302, the blender?";
        let words = words(text);
        assert_eq!(span_text(text, &words[1], &words[1]), Some("A1-99302"));
        assert_eq!(span_text(text, &words[2], &words[3]), Some("the blender"));
        assert_eq!(span_text(text, &words[0], &words[0]), Some("order"));
        assert!(words[1].ends_clause && !words[2].ends_clause);
        assert_eq!(words[0].folded, "order");
    }

    #[test]
    fn candidates_are_nothing_the_rules_answer_and_every_span_up_to_the_longest() {
        let found = BTreeMap::from([("problema".to_string(), "caldera no enciende".to_string())]);
        let turn = Turn {
            text: "hola, la caldera no enciende",
            field: "problema",
            reads: Reads::Text,
            choices: &[],
            asked: &[],
            known: &BTreeMap::new(),
            found: &found,
        };
        let candidates = candidates(&turn);
        let texts = texts(&candidates);
        assert_eq!(texts[..2], [None, Some("caldera no enciende")]);
        assert!(texts.contains(&Some("la caldera no enciende")));
        assert!(texts.contains(&Some("hola")), "the comma is trimmed");
        // 5 + 4 + 3 + 2 + 1 spans.
        assert_eq!(texts.len(), 2 + 15);
        assert_eq!(rules_pick(&turn), 1);
    }

    #[test]
    fn reading_scores_the_candidates_as_training_sees_them() {
        let model = Model {
            weights: (0..1 << HASH_BITS)
                .map(|i| (i as f32 * 0.37).sin())
                .collect(),
        };
        let known = BTreeMap::from([("name".to_string(), "Ana".to_string())]);
        let turn = Turn {
            text: "Ana here. The dishwasher won't drain, since Monday!",
            field: "issue_description",
            reads: Reads::Text,
            choices: &[],
            asked: &["issue_description".to_string()],
            known: &known,
            found: &BTreeMap::new(),
        };
        let read: Vec<f32> = scored(&turn, &model).into_iter().map(|(_, s)| s).collect();
        assert_eq!(read, model.scores(&candidates(&turn)));
    }

    #[test]
    fn the_model_reads_free_text_numbers_and_addresses_but_not_words_to_be_written() {
        let field = |name: &str, kind: FieldType| FieldSpec {
            kind,
            ..FieldSpec::named(smsflow_core::FieldName::parse(name).unwrap())
        };
        assert_eq!(
            reads(&field("problema", FieldType::Text)),
            Some(Reads::Text)
        );
        assert_eq!(
            reads(&field("guests", FieldType::Number)),
            Some(Reads::Number)
        );
        assert_eq!(
            reads(&field("pickup", FieldType::Address)),
            Some(Reads::Address)
        );
        for name in ["mensaje", "card_message", "inscription", "dedicatoria"] {
            assert_eq!(reads(&field(name, FieldType::Text)), None, "{name}");
        }
        assert_eq!(reads(&field("name", FieldType::Name)), None);
        let detergent = FieldSpec {
            choices: vec!["Scented".to_string(), "Unscented".to_string()],
            ..field("detergent", FieldType::Choice)
        };
        assert_eq!(reads(&detergent), Some(Reads::Choice));
    }

    #[test]
    fn a_choice_fields_candidates_are_nothing_the_rules_answer_and_each_choice() {
        let choices = ["Yes".to_string(), "No".to_string()];
        let found = BTreeMap::from([("injuries".to_string(), "No".to_string())]);
        let turn = Turn {
            text: "nobody hurt thank god",
            field: "injuries",
            reads: Reads::Choice,
            choices: &choices,
            asked: &[],
            known: &BTreeMap::new(),
            found: &found,
        };
        let candidates = candidates(&turn);
        assert_eq!(
            texts(&candidates),
            [None, Some("No"), Some("Yes"), Some("No")]
        );
        // The rules' answer is told from the same choice the model reads on its own.
        assert_ne!(candidates[1].features, candidates[3].features);
    }

    #[test]
    fn the_model_is_stored_as_its_non_zero_weights() {
        let mut weights = vec![0f32; 1 << HASH_BITS];
        weights[3] = 2.5;
        weights[70_000] = -1.25;
        weights[1_048_575] = 0.000_01;
        let model = Model { weights };
        let bytes = model.encode();
        assert_eq!(
            bytes.len(),
            8 + (1 + 2) + (3 + 2),
            "the tiny weight rounds to zero"
        );
        let decoded = Model::decode(&bytes);
        assert_eq!(decoded.weights[3], 2.5);
        assert!((decoded.weights[70_000] + 1.25).abs() < 1e-3);
        assert_eq!(decoded.weights[1_048_575], 0.0);
        assert!(Model::decode(&[]).weights.iter().all(|w| *w == 0.0));
    }

    #[test]
    fn the_perceptron_learns_which_candidate_is_right_and_when_nothing_is() {
        let candidate = |text: Option<&str>, features: &[&str]| Candidate {
            text: text.map(String::from),
            features: features.iter().map(|f| slot(fnv(f))).collect(),
        };
        let decision = |right_first: bool, none: bool| -> Vec<Candidate> {
            let mut candidates = vec![
                candidate(None, &["none", if none { "unasked" } else { "asked" }]),
                candidate(Some("wrong"), &["before=my", "long"]),
                candidate(Some("right"), &["after-greeting", "long"]),
            ];
            if right_first {
                candidates.swap(1, 2);
            }
            candidates
        };
        let none = |i: usize| i.is_multiple_of(3);
        let sets: Vec<Vec<Candidate>> = (0..12usize)
            .map(|i| decision(i.is_multiple_of(2), none(i)))
            .collect();
        let training: Vec<(&[Candidate], Vec<usize>)> = sets
            .iter()
            .enumerate()
            .map(|(i, candidates)| {
                let gold = if none(i) {
                    0
                } else if i.is_multiple_of(2) {
                    1
                } else {
                    2
                };
                (candidates.as_slice(), vec![gold])
            })
            .collect();
        let model = Model::train(&[training]);
        let pick = |candidates: &[Candidate]| best(model.scores(candidates).into_iter());
        let unseen = decision(true, false);
        assert_eq!(unseen[pick(&unseen)].text.as_deref(), Some("right"));
        let unasked = decision(false, true);
        assert_eq!(unasked[pick(&unasked)].text, None);
    }
}
