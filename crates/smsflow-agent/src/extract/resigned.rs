//! A name given alone while the texter's name and a business were asked for is the business when
//! the texter later signs with another name and their contact details: "State Farm" answering
//! the questions about the name and the insurer, then "Nate Collins 720-555-0199" while the
//! insurer is still asked for. The signature is the texter's name; the earlier answer moves to the
//! business field, which is asked for again because it is still empty.

use smsflow_core::FieldSpec;
use std::collections::BTreeMap;

use super::{Extraction, Kind, in_use, kind};
use crate::fields;

/// Moves the name already known to the business field asked for now, and takes `signed` (a name
/// listed with contact details in this message) as the texter's.
pub(super) fn resign(
    signed: &str,
    wanted: &[FieldSpec],
    asked: &[String],
    known: &BTreeMap<String, String>,
    extraction: &mut Extraction,
) {
    let mut names = wanted.iter().filter(|field| kind(field) == Kind::Name);
    let (Some(name_field), None) = (names.next(), names.next()) else {
        return;
    };
    let Some(earlier) = known.get(name_field.as_str()) else {
        return;
    };
    // The signature may already have replaced a name that was a guess: the guess still moves.
    if extraction
        .found
        .get(name_field.as_str())
        .is_some_and(|found| found != signed)
        || fields::fold(earlier) == fields::fold(signed)
        // "Dana Whitfield" then "Dana W. 718 ...": the same person signing again.
        || shares_a_word(earlier, signed)
    {
        return;
    }
    let mut businesses = wanted.iter().filter(|field| {
        asked.iter().any(|a| a == field.as_str())
            && !known.contains_key(field.as_str())
            && !extraction.found.contains_key(field.as_str())
            && (kind(field) == Kind::Company || in_use::holds_what_is_used(field))
    });
    let (Some(business), None) = (businesses.next(), businesses.next()) else {
        return;
    };
    extraction
        .found
        .insert(business.as_str().to_string(), earlier.clone());
    extraction
        .found
        .insert(name_field.as_str().to_string(), signed.to_string());
}

fn shares_a_word(one: &str, other: &str) -> bool {
    let other: Vec<String> = other.split_whitespace().map(fields::fold).collect();
    one.split_whitespace()
        .any(|word| other.contains(&fields::fold(word)))
}

#[cfg(test)]
mod tests {
    use super::resign;
    use crate::extract::Extraction;
    use crate::extract::tests::fields;
    use std::collections::BTreeMap;

    fn resigned(wanted: &str, asked: &[&str], known: &[(&str, &str)]) -> Extraction {
        let asked: Vec<String> = asked.iter().map(|a| a.to_string()).collect();
        let known: BTreeMap<String, String> = known
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let mut extraction = Extraction::default();
        resign(
            "Nate Collins",
            &fields(wanted),
            &asked,
            &known,
            &mut extraction,
        );
        extraction
    }

    #[test]
    fn an_insurer_taken_for_the_name_moves_when_the_texter_signs() {
        let glass = "name:name,insurance_provider:text,phone:phone";
        let signed = resigned(
            glass,
            &["insurance_provider", "phone"],
            &[("name", "State Farm")],
        );
        assert_eq!(
            signed.found.get("name").map(String::as_str),
            Some("Nate Collins")
        );
        assert_eq!(
            signed.found.get("insurance_provider").map(String::as_str),
            Some("State Farm")
        );
    }

    #[test]
    fn a_company_taken_for_the_name_moves_when_the_texter_signs() {
        let demo = "nombre:name,empresa:text,correo:email";
        let signed = resigned(demo, &["empresa", "correo"], &[("nombre", "Grupo Norte")]);
        assert_eq!(
            signed.found.get("nombre").map(String::as_str),
            Some("Nate Collins")
        );
        assert_eq!(
            signed.found.get("empresa").map(String::as_str),
            Some("Grupo Norte")
        );
    }

    #[test]
    fn a_name_stays_when_no_business_is_asked_for_or_it_is_the_same_person() {
        let glass = "name:name,insurance_provider:text,phone:phone";
        let unasked = resigned(glass, &["phone"], &[("name", "Dana Whitfield")]);
        assert!(unasked.found.is_empty());
        let again = resigned(
            glass,
            &["insurance_provider", "phone"],
            &[("name", "Nate Collins")],
        );
        assert!(again.found.is_empty());
    }
}
