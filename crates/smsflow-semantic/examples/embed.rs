//! Prints the embedding of each stdin line as a JSON array: for analysing thresholds offline, and
//! for checking that a change to the forward pass keeps the embeddings (the floats print exactly).
//! MODEL_DIR holds either model: multilingual-e5-small (`e5-small-q4.bin`) or all-MiniLM-L6-v2.
//!
//!     cargo run -p smsflow-semantic --example embed -- MODEL_DIR < lines.txt
use std::io::BufRead;
use std::path::Path;

use smsflow_core::semantic::Embedder;
use smsflow_semantic::{MiniLm, MultilingualE5};

fn main() {
    let dir = std::env::args()
        .nth(1)
        .expect("usage: embed MODEL_DIR < lines");
    let dir = Path::new(&dir);
    let model: Box<dyn Embedder> = if dir.join("e5-small-q4.bin").is_file() {
        Box::new(MultilingualE5::load(dir).expect("model loads"))
    } else {
        Box::new(MiniLm::load(dir).expect("model loads"))
    };
    for line in std::io::stdin().lock().lines() {
        let line = line.expect("stdin is text");
        let vector = model.embed(&line).expect("embeds");
        println!("{}", serde_json::to_string(&vector).unwrap());
    }
}
