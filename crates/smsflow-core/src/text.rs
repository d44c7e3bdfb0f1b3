//! Text normalisation shared by keywords and messages, so both sides of a match are folded the same
//! way: lower case, accents removed, punctuation dropped, common SMS spellings expanded and
//! inflections reduced to a light stem ("scheduling", "scheduled" and "schedule" all become `schedul`,
//! while "helpful" stays apart from "help").

use unicode_normalization::char::{decompose_canonical, is_combining_mark};

/// Normalises `text` into `out` as space-separated stems with a leading and a trailing space
/// (`" how much doe it cost "`), so a keyword phrase found in it always starts and ends on a word
/// boundary. `out` is cleared first; reusing it across messages avoids an allocation per message.
pub fn normalize_into(text: &str, out: &mut String) {
    out.clear();
    out.push(' ');
    let mut word_start = out.len();
    for c in text.chars() {
        // Most SMS are ASCII: skip Unicode decomposition for them (it dominates the cost otherwise).
        if c.is_ascii() {
            if c.is_ascii_alphanumeric() {
                out.push(c.to_ascii_lowercase());
            } else if !is_apostrophe(c) {
                finish_word(out, word_start);
                word_start = out.len();
            }
            continue;
        }
        decompose_canonical(c, |part| {
            if is_combining_mark(part) {
                return;
            }
            if part.is_alphanumeric() {
                out.extend(part.to_lowercase());
            } else if !is_apostrophe(part) {
                finish_word(out, word_start);
                word_start = out.len();
            }
        });
    }
    finish_word(out, word_start);
}

/// Rewrites the word at `out[word_start..]` in place (expansion, then stem) and closes it with a
/// space; the word is built directly in `out`, so a message costs no allocation beyond `out` itself.
fn finish_word(out: &mut String, word_start: usize) {
    if out.len() == word_start {
        return;
    }
    if let Some(expanded) = expand_sms_spelling(&out[word_start..]) {
        out.truncate(word_start);
        out.push_str(expanded);
    }
    let (stem, tail) = light_stem(&out[word_start..]);
    out.truncate(word_start + stem.len());
    out.push_str(tail);
    out.push(' ');
}

/// Convenience wrapper around [`normalize_into`] for code that is not on the hot path.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    normalize_into(text, &mut out);
    out
}

/// Apostrophes join a word instead of splitting it: "don't" becomes "dont", "Sam's" becomes "sams".
fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '\u{2019}' | '`')
}

/// Common SMS abbreviations, written out so that keywords need to be listed only once.
fn expand_sms_spelling(word: &str) -> Option<&'static str> {
    let expanded = match word {
        "pls" | "plz" | "pleas" => "please",
        "appt" | "appts" | "apt" | "apts" => "appointment",
        "mtg" | "mtgs" => "meeting",
        "resched" => "reschedule",
        "sched" => "schedule",
        "avail" => "available",
        "tmrw" | "tmr" | "tmrow" | "2moro" | "2morrow" => "tomorrow",
        "thx" | "thks" | "tks" | "ty" => "thanks",
        "u" => "you",
        "ur" => "your",
        "r" => "are",
        "b4" => "before",
        "msg" => "message",
        "info" => "information",
        "acct" => "account",
        "asap" => "soon",
        "cannot" => "cant",
        _ => return None,
    };
    Some(expanded)
}

/// A deliberately light stemmer: it removes plural and verb inflections only, so that derived words
/// with a meaning of their own ("helpful", "helpless") are not folded onto their root.
/// Returns the stem and a short tail to append (for "-ies" -> "-y").
fn light_stem(word: &str) -> (&str, &'static str) {
    if word.len() <= 3 || !word.is_ascii() {
        return (word, "");
    }
    let (mut stem, tail) = strip_plural(word);
    if !tail.is_empty() {
        return (stem, tail);
    }
    let before_verb = stem;
    if let Some(base) = stem.strip_suffix("ied").filter(|base| base.len() >= 2) {
        return (base, "y");
    }
    if let Some(base) = stem
        .strip_suffix("ing")
        .or_else(|| stem.strip_suffix("ed"))
        .filter(|base| base.len() >= 3 && base.bytes().any(|b| is_vowel(&b)))
    {
        stem = undouble(base);
    }
    if stem.len() > 3 && stem.ends_with('e') && stem == before_verb {
        stem = &stem[..stem.len() - 1];
    }
    (stem, "")
}

fn strip_plural(word: &str) -> (&str, &'static str) {
    if let Some(base) = word.strip_suffix("ies").filter(|base| base.len() >= 2) {
        return (base, "y");
    }
    if let Some(base) = word.strip_suffix("sses") {
        return (&word[..base.len() + 2], "");
    }
    let keeps_final_s = ["ss", "us", "is", "os"]
        .iter()
        .any(|end| word.ends_with(end));
    match word.strip_suffix('s') {
        Some(base) if !keeps_final_s => (base, ""),
        _ => (word, ""),
    }
}

/// "planned" -> "plan", "shipping" -> "ship"; doubled l, s and z are real ("called", "missed").
fn undouble(stem: &str) -> &str {
    let bytes = stem.as_bytes();
    let n = bytes.len();
    if n >= 3
        && bytes[n - 1] == bytes[n - 2]
        && !is_vowel(&bytes[n - 1])
        && !matches!(bytes[n - 1], b'l' | b's' | b'z')
    {
        return &stem[..n - 1];
    }
    stem
}

fn is_vowel(b: &u8) -> bool {
    matches!(b, b'a' | b'e' | b'i' | b'o' | b'u' | b'y')
}

/// Shortens `text` to `max_chars` characters: at the end of a sentence when one ends in the second
/// half, else at a word boundary, else (one very long word) at the limit. 0 means no limit.
pub fn shorten(text: &str, max_chars: usize) -> String {
    if max_chars == 0 || text.chars().count() <= max_chars {
        return text.to_string();
    }
    let cut: String = text.chars().take(max_chars).collect();
    let next = text.chars().nth(max_chars);
    if next.is_some_and(char::is_whitespace) {
        return trim_tail(&cut);
    }
    let chars: Vec<(usize, char)> = cut.char_indices().collect();
    let sentence_end = chars
        .windows(2)
        .rev()
        .find(|pair| matches!(pair[0].1, '.' | '!' | '?') && pair[1].1.is_whitespace())
        .map(|pair| pair[1].0);
    if let Some(end) = sentence_end
        && cut[..end].chars().count() * 2 >= max_chars
    {
        return cut[..end].trim_end().to_string();
    }
    match cut.rfind(char::is_whitespace) {
        Some(space) if space > 0 => trim_tail(&cut[..space]),
        _ => cut,
    }
}

fn trim_tail(text: &str) -> String {
    text.trim_end_matches(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | ':' | '-' | '–'))
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn same(a: &str, b: &str) {
        assert_eq!(
            normalize(a),
            normalize(b),
            "{a:?} and {b:?} should normalise alike"
        );
    }

    #[test]
    fn words_are_bracketed_by_spaces() {
        assert_eq!(normalize("How much?!"), " how much ");
        assert_eq!(normalize(""), " ");
    }

    #[test]
    fn inflections_fold_onto_one_stem() {
        same("schedule", "scheduling");
        same("schedule", "scheduled");
        same("schedule", "schedules");
        same("book", "booked");
        same("book", "booking");
        same("problem", "problems");
        same("issue", "issues");
        same("price", "pricing");
        same("reply", "replies");
        same("reply", "replied");
        same("plan", "planned");
        same("ship", "shipping");
        same("address", "addresses");
    }

    #[test]
    fn derived_words_keep_their_own_meaning() {
        assert_ne!(normalize("helpful"), normalize("help"));
        assert_ne!(normalize("helpless"), normalize("help"));
        assert_eq!(normalize("need"), " need ");
        assert_eq!(normalize("status"), " status ");
    }

    #[test]
    fn accents_case_and_apostrophes_are_folded() {
        same("Mañana CITA", "manana cita");
        same("cotización", "COTIZACION");
        same("don't", "dont");
        same("can't", "cant");
        same("won\u{2019}t", "wont");
    }

    #[test]
    fn sms_spellings_are_expanded() {
        same("pls", "please");
        same("appt", "appointment");
        same("mtg", "meeting");
    }

    proptest! {
        #[test]
        fn output_is_always_bracketed_and_single_spaced(text in ".{0,200}") {
            let out = normalize(&text);
            prop_assert!(out.starts_with(' ') && out.ends_with(' '));
            prop_assert!(!out.contains("  "));
            prop_assert_eq!(out.clone(), out.to_lowercase());
        }

        #[test]
        fn normalising_is_idempotent_on_words(words in proptest::collection::vec("[a-z]{1,12}", 0..10)) {
            let once = normalize(&words.join(" "));
            // A second pass may stem further, but a stem never gains characters or splits a word.
            let twice = normalize(&once);
            prop_assert_eq!(once.split(' ').count(), twice.split(' ').count());
        }
    }

    #[test]
    fn shortening_prefers_sentences_then_words() {
        let text = "Thanks for writing. We will call you tomorrow morning about the catering order";
        assert_eq!(shorten(text, 200), text);
        assert_eq!(shorten(text, 30), "Thanks for writing.");
        assert_eq!(shorten(text, 40), "Thanks for writing. We will call you");
        assert_eq!(shorten("abcdefghij", 4), "abcd");
        assert_eq!(shorten("one two, three", 9), "one two");
        assert_eq!(shorten("ñandú ñandú", 8), "ñandú");
        assert_eq!(shorten(text, 0), text);
    }
}
