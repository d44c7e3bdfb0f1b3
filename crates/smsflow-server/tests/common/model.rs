//! A Chat Completions server standing in for an OpenAI-compatible model server: the agent tests
//! use it, and `examples/model_standin.rs` serves it to `bench/model_burst.sh`. It answers every
//! request with the content `answer` makes of it and keeps the request bodies (the llm crate's own
//! tests check requests against OpenAI's published schema; this one checks the wiring).
#![allow(dead_code)] // Each user takes its own subset.

use serde_json::{Value, json};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The request bodies the server received.
pub type Requests = Arc<Mutex<Vec<Value>>>;

/// A model server answering at once; its base URL (`http://127.0.0.1:PORT/v1`).
pub async fn model_server(
    answer: impl Fn(&Value) -> Value + Clone + Send + Sync + 'static,
) -> (String, Requests) {
    slow_model_server(Duration::ZERO, 0, answer).await
}

/// A model server answering each request after `delay`. The first `together` requests are held
/// until that many have arrived: a client that asks one at a time gets no answer to those.
pub async fn slow_model_server(
    delay: Duration,
    together: usize,
    answer: impl Fn(&Value) -> Value + Clone + Send + Sync + 'static,
) -> (String, Requests) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/v1", listener.local_addr().unwrap());
    let requests = Requests::default();
    let seen = requests.clone();
    let arrived = Arc::new(AtomicUsize::new(0));
    let held = Arc::new(tokio::sync::Barrier::new(together.max(1)));
    let app = axum::Router::new().route(
        "/v1/chat/completions",
        axum::routing::post(move |axum::Json(request): axum::Json<Value>| {
            let (answer, seen, arrived, held) =
                (answer.clone(), seen.clone(), arrived.clone(), held.clone());
            async move {
                assert!(request["messages"].as_array().unwrap().iter().any(|m| m["role"] == "user"));
                if arrived.fetch_add(1, Ordering::SeqCst) < together {
                    held.wait().await;
                }
                tokio::time::sleep(delay).await;
                let content = answer(&request);
                let model = request["model"].clone();
                seen.lock().unwrap().push(request);
                axum::Json(json!({
                    "id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": model,
                    "choices": [{"index": 0, "finish_reason": "stop", "logprobs": null,
                                 "message": {"role": "assistant", "content": content.to_string(), "refusal": null}}],
                    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}
                }))
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    (base, requests)
}

/// The person's latest text in a request: the last line of its last message, a JSON string.
pub fn latest_text(request: &Value) -> String {
    let messages = request["messages"].as_array().unwrap();
    let content = messages.last().unwrap()["content"].as_str().unwrap();
    serde_json::from_str(content.lines().last().unwrap()).unwrap()
}
