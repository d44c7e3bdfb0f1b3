//! The openai backend against PyPI `fakellm` 0.3.5, a real OpenAI-compatible server. Run by
//! `tests/fakellm.sh`, which starts the server and sets `SMSFLOW_TEST_FAKELLM_URL`; skipped otherwise.
//! (Request bodies are checked against OpenAI's spec in `openai_backend.rs`; fakellm cannot show
//! what it received, only which rule matched.)

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use serde_json::Value;
use smsflow_core::Goal;
use smsflow_llm::{LlmBackend, LlmError, LlmRequest, OpenAiBackend, OpenAiSettings, Speaker};

fn fakellm_url() -> Option<String> {
    let url = std::env::var("SMSFLOW_TEST_FAKELLM_URL").ok();
    if url.is_none() {
        eprintln!("skipped: run crates/smsflow-llm/tests/fakellm.sh to test against fakellm");
    }
    url
}

async fn rule_counts(url: &str) -> HashMap<String, u64> {
    let stats: Value = reqwest::get(format!("{url}/_fakellm/stats"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    serde_json::from_value(stats["by_rule"].clone()).unwrap()
}

fn request(message: &str) -> LlmRequest {
    LlmRequest {
        persona: "You are Sam, the SMS assistant of Blue Fin Sushi.".into(),
        goal: Goal::LeadCapture,
        context: "Blue Fin Sushi caters events of 20 to 200 guests.".into(),
        response_template: None,
        steps: "1. Extract name, email, phone\n2. Save to database: leads".into(),
        known_fields: BTreeMap::new(),
        wanted_fields: vec!["name".into(), "email".into(), "phone".into()],
        draft_reply: "Thanks! What's your name and email?".into(),
        recent: vec![(Speaker::Contact, "hi, interested in pricing".into())],
        message: message.to_string(),
        max_chars: 160,
        language: None,
        model: None,
        summary_draft: None,
    }
}

#[tokio::test]
async fn the_backend_works_with_fakellm() {
    let Some(url) = fakellm_url() else { return };
    let backend = OpenAiBackend::new(OpenAiSettings {
        base_url: format!("{url}/v1"),
        model: "gpt-4o-mini".into(),
        api_key: Some("test-key".into()),
        timeout: Duration::from_secs(5),
        max_retries: 1,
    })
    .unwrap()
    .with_retry_backoff(Duration::from_millis(10), Duration::from_millis(50))
    .with_circuit_breaker(0, Duration::ZERO);
    let before = rule_counts(&url).await;

    let answer = backend
        .complete(&request("I'm Dana, dana@bluefin.example fakellm-case-good"))
        .await
        .unwrap();
    assert_eq!(
        answer.reply,
        "Thanks Dana! What is the best email for your quote?"
    );
    assert_eq!(
        answer.extracted,
        BTreeMap::from([
            ("email".to_string(), "dana@bluefin.example".to_string()),
            ("name".to_string(), "Dana".to_string()),
        ])
    );

    let answer = backend
        .complete(&request("fakellm-case-fenced"))
        .await
        .unwrap();
    assert_eq!(answer.reply, "Happy to help!");
    assert!(answer.wants_human);

    let error = backend
        .complete(&request("fakellm-case-429"))
        .await
        .unwrap_err();
    assert_eq!(
        error,
        LlmError::Http {
            status: 429,
            message: "Rate limit exceeded (mock)".into()
        }
    );
    let error = backend
        .complete(&request("fakellm-case-500"))
        .await
        .unwrap_err();
    assert!(
        matches!(error, LlmError::Http { status: 500, .. }),
        "{error:?}"
    );

    // No rule matches: fakellm echoes text, which is not the JSON asked for.
    let error = backend
        .complete(&request("what time is it"))
        .await
        .unwrap_err();
    assert!(matches!(error, LlmError::Malformed(_)), "{error:?}");

    let after = rule_counts(&url).await;
    let delta = |rule: &str| after.get(rule).unwrap_or(&0) - before.get(rule).unwrap_or(&0);
    assert_eq!(delta("good_answer"), 1);
    assert_eq!(delta("fenced_answer"), 1);
    assert_eq!(delta("rate_limit"), 2, "one retry");
    assert_eq!(delta("server_error"), 2, "one retry");
    assert_eq!(delta("<fallthrough>"), 1);
}
