//! A stand-in OpenAI-compatible model server for `bench/model_burst.sh`: answers every Chat
//! Completions request after `--delay-ms` (default 1000) with a short reply, any number at once,
//! and prints its base URL (`http://127.0.0.1:PORT/v1`) on the first line of its output. The same
//! server the agent tests use (`tests/common/model.rs`).
//!
//! ```text
//! cargo run --release -p smsflow-server --example model_standin -- --delay-ms 1000
//! ```

#[path = "../tests/common/model.rs"]
mod model;

use serde_json::json;
use std::io::Write;
use std::time::Duration;

#[tokio::main]
async fn main() {
    let mut delay_ms = 1000;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        match flag.as_str() {
            "--delay-ms" => {
                delay_ms = args
                    .next()
                    .and_then(|ms| ms.parse().ok())
                    .expect("--delay-ms MILLISECONDS")
            }
            other => panic!("unknown flag {other}"),
        }
    }
    let (base, _) = model::slow_model_server(Duration::from_millis(delay_ms), 0, |_| {
        json!({"reply": "Thanks! What is your name and email?", "extracted": {}, "wants_human": false})
    })
    .await;
    println!("{base}");
    std::io::stdout().flush().expect("stdout is writable");
    std::future::pending::<()>().await;
}
