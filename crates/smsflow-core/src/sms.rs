//! SMS text rules: how many segments a body costs (GSM-7 or UCS-2), typographic characters that would
//! force UCS-2, fitting a reply into a segment budget, and the carrier keywords (STOP, START, HELP)
//! that are answered before any workflow.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Encoding {
    Gsm7,
    Ucs2,
}

impl Encoding {
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Gsm7 => "gsm7",
            Encoding::Ucs2 => "ucs2",
        }
    }

    pub fn parse(text: &str) -> Option<Encoding> {
        match text {
            "gsm7" => Some(Encoding::Gsm7),
            "ucs2" => Some(Encoding::Ucs2),
            _ => None,
        }
    }
}

/// What a body costs to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SegmentInfo {
    pub encoding: Encoding,
    /// Septets (GSM-7) or UTF-16 code units (UCS-2).
    pub units: usize,
    pub segments: usize,
}

/// GSM 03.38 basic character set.
const GSM7_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
/// GSM 03.38 extension table: each costs two septets (escape + character).
const GSM7_EXTENSION: &str = "^{}\\[~]|€\u{000C}";

/// Septets of each ASCII character (0: not in the GSM alphabet), from the two tables above: a body
/// is measured several times per reply (fitted, made GSM-friendly, counted), and searching the
/// tables for every character was 2% of the server's CPU per text.
const GSM7_ASCII_COST: [u8; 128] = {
    let mut costs = [0u8; 128];
    // Only ASCII bytes are taken: a byte >= 0x80 is part of a longer character, measured by search.
    let (basic, extension) = (GSM7_BASIC.as_bytes(), GSM7_EXTENSION.as_bytes());
    let mut i = 0;
    while i < basic.len() {
        if basic[i] < 0x80 {
            costs[basic[i] as usize] = 1;
        }
        i += 1;
    }
    let mut i = 0;
    while i < extension.len() {
        if extension[i] < 0x80 {
            costs[extension[i] as usize] = 2;
        }
        i += 1;
    }
    costs
};

fn gsm7_cost(c: char) -> Option<usize> {
    if c.is_ascii() {
        return match GSM7_ASCII_COST[c as usize] {
            0 => None,
            cost => Some(usize::from(cost)),
        };
    }
    if GSM7_BASIC.contains(c) {
        Some(1)
    } else if GSM7_EXTENSION.contains(c) {
        Some(2)
    } else {
        None
    }
}

/// Measures `body` as carriers do: GSM-7 when every character is in the GSM alphabet (extension
/// characters count double), otherwise UCS-2 (UTF-16 code units, so an emoji counts two).
/// One segment holds 160 septets or 70 units; a concatenated message 153 or 67 per segment.
pub fn segment_info(body: &str) -> SegmentInfo {
    let septets: Option<usize> = body.chars().map(gsm7_cost).sum();
    let (encoding, units, single, multi) = match septets {
        Some(septets) => (Encoding::Gsm7, septets, 160, 153),
        None => (Encoding::Ucs2, body.encode_utf16().count(), 70, 67),
    };
    let segments = if units <= single {
        1
    } else {
        units.div_ceil(multi)
    };
    SegmentInfo {
        encoding,
        units,
        segments,
    }
}

/// Replaces typographic characters that would force the whole message into UCS-2 (tripling its cost)
/// with their GSM-7 equivalents: curly quotes, long dashes, ellipses, non-breaking spaces. When
/// something else (an emoji, Cyrillic) keeps the message in UCS-2 anyway, nothing would be saved:
/// the text is sent as typed, "—" and all.
pub fn to_gsm_friendly(body: &str) -> String {
    let friendly = replace_typography(body);
    if segment_info(&friendly).encoding == Encoding::Gsm7 {
        friendly
    } else {
        body.to_string()
    }
}

fn replace_typography(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    for c in body.chars() {
        match c {
            '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' => out.push('\''),
            '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '«' | '»' => {
                out.push('"')
            }
            '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2015}'
            | '\u{2212}' => out.push('-'),
            '\u{2026}' => out.push_str("..."),
            '\u{00A0}' | '\u{2002}' | '\u{2003}' | '\u{2009}' | '\u{202F}' | '\u{200A}' => {
                out.push(' ')
            }
            '\u{200B}' | '\u{FEFF}' => {}
            '\u{2022}' => out.push('*'),
            other => out.push(other),
        }
    }
    out
}

/// Shortens `body` to at most `max_segments`, cutting at a word boundary and ending with "...".
pub fn fit_segments(body: &str, max_segments: usize) -> String {
    let max_segments = max_segments.max(1);
    if segment_info(body).segments <= max_segments {
        return body.to_string();
    }
    let mut cut: Vec<char> = body.chars().collect();
    while !cut.is_empty() {
        cut.pop();
        // Prefer ending at a word boundary.
        while cut.last().is_some_and(|c| !c.is_whitespace())
            && cut.iter().any(|c| c.is_whitespace())
        {
            cut.pop();
        }
        let candidate = format!("{}...", cut.iter().collect::<String>().trim_end());
        if segment_info(&candidate).segments <= max_segments {
            return candidate;
        }
    }
    "...".to_string()
}

/// Longest text smsflow stores or sends in one message: Twilio's own limit (about 10 segments).
pub const MAX_BODY_CHARS: usize = 1_600;

/// An inbound text as it is stored, the same on every database and gateway: a NUL (which
/// PostgreSQL cannot store in text, and which no phone types) becomes U+FFFD, and a text longer than
/// [`MAX_BODY_CHARS`] is cut there, with a note saying how long it was. `Borrowed` when unchanged.
pub fn inbound_text(raw: &str) -> std::borrow::Cow<'_, str> {
    let mut text = std::borrow::Cow::Borrowed(raw);
    if raw.contains('\0') {
        text = std::borrow::Cow::Owned(raw.replace('\0', "\u{fffd}"));
    }
    // Only a text over the limit in bytes can be over it in characters.
    if text.len() > MAX_BODY_CHARS {
        let received = text.chars().count();
        if received > MAX_BODY_CHARS {
            let kept: String = text.chars().take(MAX_BODY_CHARS).collect();
            text = std::borrow::Cow::Owned(format!(
                "{kept} [cut by smsflow: {received} characters received]"
            ));
        }
    }
    text
}

/// A phone number in E.164 form: `+`, a country code and at most 15 digits in all.
pub fn is_e164(number: &str) -> bool {
    let digits = number.strip_prefix('+').unwrap_or("");
    (8..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0')
}

/// A carrier keyword, recognised when it is the whole message (any case, surrounding spaces and
/// punctuation ignored).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CarrierKeyword {
    OptOut,
    OptIn,
    Help,
}

/// The CTIA / carrier opt-out, opt-in and help keywords.
pub fn carrier_keyword(body: &str) -> Option<CarrierKeyword> {
    let word: String = body
        .trim()
        .trim_matches(|c: char| c.is_ascii_punctuation())
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect();
    match word.as_str() {
        "STOP" | "STOPALL" | "UNSUBSCRIBE" | "CANCEL" | "END" | "QUIT" | "OPTOUT" | "REVOKE" => {
            Some(CarrierKeyword::OptOut)
        }
        "START" | "UNSTOP" | "YES" | "OPTIN" => Some(CarrierKeyword::OptIn),
        "HELP" | "INFO" => Some(CarrierKeyword::Help),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ascii_costs_are_the_gsm_tables() {
        for c in (0u8..0x80).map(char::from) {
            let searched = if GSM7_BASIC.contains(c) {
                Some(1)
            } else if GSM7_EXTENSION.contains(c) {
                Some(2)
            } else {
                None
            };
            assert_eq!(gsm7_cost(c), searched, "{c:?}");
        }
    }

    #[test]
    fn gsm7_messages_use_160_and_153_septets() {
        assert_eq!(segment_info(&"a".repeat(160)).segments, 1);
        assert_eq!(segment_info(&"a".repeat(161)).segments, 2);
        assert_eq!(segment_info(&"a".repeat(306)).segments, 2);
        assert_eq!(segment_info(&"a".repeat(307)).segments, 3);
        assert_eq!(segment_info("").segments, 1);
        assert_eq!(segment_info("Hello @ £5").encoding, Encoding::Gsm7);
    }

    #[test]
    fn extension_characters_count_double() {
        let info = segment_info(&"€".repeat(80));
        assert_eq!(
            (info.encoding, info.units, info.segments),
            (Encoding::Gsm7, 160, 1)
        );
        assert_eq!(segment_info(&"[".repeat(81)).segments, 2);
    }

    #[test]
    fn one_emoji_forces_ucs2() {
        let info = segment_info(&format!("{}😀", "a".repeat(68)));
        assert_eq!(
            (info.encoding, info.units, info.segments),
            (Encoding::Ucs2, 70, 1)
        );
        assert_eq!(segment_info(&format!("{}😀", "a".repeat(69))).segments, 2);
        assert_eq!(segment_info(&"ж".repeat(134)).segments, 2);
        assert_eq!(segment_info(&"ж".repeat(135)).segments, 3);
    }

    #[test]
    fn typographic_characters_become_gsm7() {
        let fixed =
            to_gsm_friendly("We\u{2019}re open \u{2014} \u{201C}see you\u{201D}\u{2026}\u{00A0}ok");
        assert_eq!(fixed, "We're open - \"see you\"... ok");
        assert_eq!(segment_info(&fixed).encoding, Encoding::Gsm7);
        assert_eq!(
            to_gsm_friendly("Olá 😀"),
            "Olá 😀",
            "real non-GSM text is kept"
        );
        assert_eq!(
            to_gsm_friendly("See you at 5 \u{2014} \u{201C}great\u{201D} 😀"),
            "See you at 5 \u{2014} \u{201C}great\u{201D} 😀",
            "typography is kept when an emoji makes the message UCS-2 anyway"
        );
    }

    #[test]
    fn long_replies_are_cut_at_a_word_to_fit() {
        let long = "word ".repeat(200);
        let fitted = fit_segments(&long, 3);
        assert!(segment_info(&fitted).segments <= 3);
        assert!(fitted.ends_with("word..."), "{fitted}");
        assert_eq!(fit_segments("short", 1), "short");
    }

    #[test]
    fn inbound_text_is_storable_everywhere() {
        assert!(matches!(
            inbound_text("hello"),
            std::borrow::Cow::Borrowed("hello")
        ));
        assert_eq!(inbound_text("hello\0world"), "hello\u{fffd}world");
        let long = "é".repeat(200_000);
        let stored = inbound_text(&long);
        assert!(stored.starts_with(&"é".repeat(MAX_BODY_CHARS)));
        assert!(
            stored.ends_with(" [cut by smsflow: 200000 characters received]"),
            "{}",
            &stored[stored.len() - 60..]
        );
        let exact = "a".repeat(MAX_BODY_CHARS);
        assert_eq!(inbound_text(&exact), exact);
    }

    #[test]
    fn e164_numbers() {
        assert!(is_e164("+15550001111"));
        assert!(!is_e164("15550001111"));
        assert!(!is_e164("+1555"));
        assert!(!is_e164("+1555000111a"));
        assert!(!is_e164("+05550001111"));
    }

    #[test]
    fn carrier_keywords_are_whole_messages() {
        for stop in [
            "STOP",
            "stop",
            " Stop ",
            "STOP ALL",
            "unsubscribe",
            "Cancel.",
            "end",
            "quit!",
        ] {
            assert_eq!(
                carrier_keyword(stop),
                Some(CarrierKeyword::OptOut),
                "{stop}"
            );
        }
        for start in ["START", "unstop", "Yes"] {
            assert_eq!(
                carrier_keyword(start),
                Some(CarrierKeyword::OptIn),
                "{start}"
            );
        }
        assert_eq!(carrier_keyword("help"), Some(CarrierKeyword::Help));
        assert_eq!(carrier_keyword("please stop texting me"), None);
        assert_eq!(carrier_keyword("I need help"), None);
    }

    proptest! {
        #[test]
        fn segments_are_enough_for_the_units(body in "\\PC{0,400}") {
            let info = segment_info(&body);
            let per = match info.encoding { Encoding::Gsm7 => 153, Encoding::Ucs2 => 67 };
            prop_assert!(info.segments * per >= info.units || info.segments == 1);
            prop_assert!(info.segments >= 1);
        }

        #[test]
        fn fitting_never_exceeds_the_budget(body in "\\PC{0,600}", max in 1usize..5) {
            prop_assert!(segment_info(&fit_segments(&body, max)).segments <= max);
        }
    }
}
