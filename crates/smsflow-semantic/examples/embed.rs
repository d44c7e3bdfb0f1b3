//! Prints the embedding of each stdin line as a JSON array: for analysing thresholds offline, and
//! for checking that a change to the forward pass keeps the embeddings (the floats print exactly).
//! MODEL_DIR holds either model: multilingual-e5-small (`e5-small-q4.bin`) or all-MiniLM-L6-v2;
//! `--layers N` runs only e5's first N encoder layers (to compare depths, e.g. their memory).
//!
//!     cargo run -p smsflow-semantic --example embed -- [--layers N] MODEL_DIR < lines.txt
use std::io::BufRead;
use std::path::Path;

use smsflow_core::semantic::Embedder;
use smsflow_semantic::{E5_LAYERS, MiniLm, MultilingualE5};

fn main() {
    const USAGE: &str = "usage: embed [--layers N] MODEL_DIR < lines";
    let mut args = std::env::args().skip(1);
    let mut e5_layers = E5_LAYERS;
    let mut dir = args.next().expect(USAGE);
    if dir == "--layers" {
        e5_layers = args.next().and_then(|n| n.parse().ok()).expect(USAGE);
        dir = args.next().expect(USAGE);
    }
    let dir = Path::new(&dir);
    let model: Box<dyn Embedder> = if dir.join("e5-small-q4.bin").is_file() {
        Box::new(MultilingualE5::load_layers(dir, e5_layers).expect("model loads"))
    } else {
        Box::new(MiniLm::load(dir).expect("model loads"))
    };
    for line in std::io::stdin().lock().lines() {
        let line = line.expect("stdin is text");
        let vector = model.embed(&line).expect("embeds");
        println!("{}", serde_json::to_string(&vector).unwrap());
    }
}
