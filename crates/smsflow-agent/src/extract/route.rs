//! Where a move or a trip starts and ends, for two free-text fields named for its ends
//! (`from_city` and `to_city`, `ciudad_origen` and `ciudad_destino`, `from_postcode` and
//! `to_postcode`): "from SE15 4QL to BN1 6FG", "mudanza de Valencia a Castellón", "de LA a Las
//! Vegas". Addresses have their own sharing (see [`super::Extractors::read`]).

use smsflow_core::{FieldSpec, FieldType};
use std::collections::BTreeMap;

use super::{Extraction, Kind, Role, field_role, kind};
use crate::fields;

/// Words before where it starts, and before where it ends.
const STARTS: &[&str] = &["from", "de", "desde"];
const ENDS: &[&str] = &["to", "a", "hasta"];

/// Lower-case words inside a place's name: "San Juan de los Lagos".
const PARTICLES: &[&str] = &["de", "del", "la", "las", "los", "el"];

/// The most words with a capital a place takes.
const PLACE_WORDS: usize = 4;

/// Fills the start and end fields of a route from "from X to Y" / "de X a Y", each place
/// written with a capital or a digit, unless the field is already known.
pub(super) fn share_route(
    text: &str,
    wanted: &[FieldSpec],
    known: &BTreeMap<String, String>,
    extraction: &mut Extraction,
) {
    let ends = |role: Role| {
        let mut fields = wanted.iter().filter(|field| {
            field.kind == FieldType::Text
                && kind(field) == Kind::Labelled
                && field_role(field.as_str()) == Some(role)
        });
        match (fields.next(), fields.next()) {
            (Some(field), None) => Some(field),
            _ => None,
        }
    };
    let (Some(start_field), Some(end_field)) = (ends(Role::Start), ends(Role::End)) else {
        return;
    };
    let Some((from, to)) = route(text) else {
        return;
    };
    for (field, place) in [(start_field, from), (end_field, to)] {
        if !known.contains_key(field.as_str()) {
            extraction.found.insert(field.as_str().to_string(), place);
        }
    }
}

/// The two places of the first "from X to Y" or "de X a Y" in `text`, or of a whole message "X
/// to Y" ("SE15 4QR to BR3 1AA", "Valencia a Castellón").
fn route(text: &str) -> Option<(String, String)> {
    let tokens: Vec<&str> = text.split_whitespace().collect();
    let whole = || {
        let (from, next) = place(&tokens, 0)?;
        let linked = tokens
            .get(next)
            .is_some_and(|word| ENDS.contains(&fields::fold(word).as_str()));
        let (to, end) = place(&tokens, next + 1).filter(|_| linked)?;
        let when = |place: &str| {
            place.split(' ').any(|word| {
                let word = fields::fold(word);
                fields::dates::is_weekday(&word) || fields::dates::is_month(&word)
            })
        };
        (end == tokens.len() && !tokens[next - 1].ends_with(',') && !when(&from) && !when(&to))
            .then_some((from, to))
    };
    (0..tokens.len())
        .find_map(|at| {
            if !STARTS.contains(&fields::fold(tokens[at]).as_str()) {
                return None;
            }
            let (from, next) = place(&tokens, at + 1)?;
            if tokens[next - 1].ends_with(',')
                || !tokens
                    .get(next)
                    .is_some_and(|word| ENDS.contains(&fields::fold(word).as_str()))
            {
                return None;
            }
            let (to, _) = place(&tokens, next + 1)?;
            Some((from, to))
        })
        .or_else(whole)
}

/// A place's name from `start`: words with a capital or a digit ("Las Vegas", "SE15 4QL"), the
/// particles inside it, up to the end of its clause; with where it ends.
fn place(tokens: &[&str], start: usize) -> Option<(String, usize)> {
    let named = |token: &str| token.starts_with(|c: char| c.is_uppercase() || c.is_ascii_digit());
    let mut taken: Vec<&str> = Vec::new();
    let mut at = start;
    while let Some(token) = tokens.get(at) {
        let word = token.trim_end_matches([',', '.', ';', '!', '?']);
        // "de los Lagos": particles inside the name lead to a named word.
        let particle = !taken.is_empty()
            && tokens[at..]
                .iter()
                .position(|next| !PARTICLES.contains(next))
                .is_some_and(|first| first > 0 && named(tokens[at + first]));
        let names = taken.iter().filter(|taken| named(taken)).count();
        if word.is_empty() || !(named(word) && names < PLACE_WORDS || particle) {
            break;
        }
        taken.push(word);
        at += 1;
        if word.len() < token.len() {
            break;
        }
    }
    // "from 9 to 5", "de 10 a 1": hours, not places.
    let lettered = taken
        .iter()
        .any(|word| word.chars().any(char::is_alphabetic));
    (lettered && named(taken[0])).then(|| (taken.join(" "), at))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_two_ends_of_a_move_or_a_trip() {
        for (said, from, to) in [
            ("from SE15 4QL to BN1 6FG", "SE15 4QL", "BN1 6FG"),
            (
                "presupuesto para mudanza de Valencia a Castellón",
                "Valencia",
                "Castellón",
            ),
            ("need mudanza de LA a Las Vegas", "LA", "Las Vegas"),
            (
                "de San Juan de los Lagos a Guadalajara, el sábado",
                "San Juan de los Lagos",
                "Guadalajara",
            ),
            // A message that is the route alone.
            ("SE15 4QR to BR3 1AA", "SE15 4QR", "BR3 1AA"),
            ("Valencia a Castellón", "Valencia", "Castellón"),
        ] {
            assert_eq!(
                route(said),
                Some((from.to_string(), to.to_string())),
                "{said}"
            );
        }
        // A day or a person's words are no place.
        for said in [
            "de lunes a viernes",
            "from 9 to 5",
            "from me to you",
            "Monday to Friday",
            "Marzo a Junio",
            "Valencia a Castellón el sábado",
        ] {
            assert_eq!(route(said), None, "{said}");
        }
    }
}
