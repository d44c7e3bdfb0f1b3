//! Prints the embedding of each stdin line as a JSON array: for analysing thresholds offline.
//!
//!     cargo run -p smsflow-semantic --example embed -- MODEL_DIR < lines.txt
use std::io::BufRead;

fn main() {
    let dir = std::env::args()
        .nth(1)
        .expect("usage: embed MODEL_DIR < lines");
    let model = smsflow_semantic::MiniLm::load(std::path::Path::new(&dir)).expect("model loads");
    for line in std::io::stdin().lock().lines() {
        let line = line.expect("stdin is text");
        let vector = model.embed_text(&line).expect("embeds");
        println!("{}", serde_json::to_string(&vector).unwrap());
    }
}
