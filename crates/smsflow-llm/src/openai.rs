//! The openai backend: `POST {base_url}/chat/completions` on any OpenAI-compatible server.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use serde::Deserialize;
use serde_json::{Value, json};
use tracing::{debug, warn};

use crate::breaker::CircuitBreaker;
use crate::{LlmAnswer, LlmBackend, LlmError, LlmRequest, answer, prompt};

pub const DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";
pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(8_000);
pub const DEFAULT_MAX_RETRIES: u32 = 2;
const MAX_RETRIES_LIMIT: u32 = 10;
const TEMPERATURE: f64 = 0.2;
/// Larger answers are refused unread: a reply is one SMS and a few fields.
const RESPONSE_MAX_BYTES: usize = 1 << 20;
const DEFAULT_FAILURE_THRESHOLD: u32 = 5;
const DEFAULT_COOL_DOWN: Duration = Duration::from_secs(30);
const DEFAULT_BACKOFF: Duration = Duration::from_millis(250);
const DEFAULT_MAX_BACKOFF: Duration = Duration::from_secs(2);

/// How to reach the model server.
#[derive(Clone, PartialEq, Eq)]
pub struct OpenAiSettings {
    /// E.g. `https://api.openai.com/v1`; `/chat/completions` is appended (a query such as Azure's
    /// `?api-version=...` is kept).
    pub base_url: String,
    pub model: String,
    /// Sent as `Authorization: Bearer`; local servers usually need none.
    pub api_key: Option<String>,
    /// Time limit of one attempt.
    pub timeout: Duration,
    /// Retries after a 408, 429 or 5xx answer, a timeout or a failed connection.
    pub max_retries: u32,
}

impl std::fmt::Debug for OpenAiSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the API key.
        f.debug_struct("OpenAiSettings")
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("timeout", &self.timeout)
            .field("max_retries", &self.max_retries)
            .finish()
    }
}

/// A configuration that cannot work, named by its environment variable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    #[error("{variable} is required when {because}")]
    Missing {
        variable: &'static str,
        because: &'static str,
    },
    #[error("{variable} is invalid ({value:?}): {reason}")]
    Invalid {
        variable: &'static str,
        value: String,
        reason: String,
    },
}

/// The openai backend's settings from environment variables (see the crate documentation); `None`
/// when it is not configured or the configuration is invalid (which is logged as a warning). Use
/// [`try_settings_from_env`] to report the error yourself.
pub fn settings_from_env(vars: &HashMap<String, String>) -> Option<OpenAiSettings> {
    match try_settings_from_env(vars) {
        Ok(settings) => settings,
        Err(error) => {
            warn!(%error, "the openai backend is not configured correctly and stays off");
            None
        }
    }
}

/// The openai backend's settings from environment variables: `Ok(None)` when neither
/// `SMSFLOW_OPENAI_BASE_URL` nor `SMSFLOW_OPENAI_API_KEY` (nor `SMSFLOW_OPENAI_MODEL`) is set.
pub fn try_settings_from_env(
    vars: &HashMap<String, String>,
) -> Result<Option<OpenAiSettings>, SettingsError> {
    let get = |name: &str| {
        vars.get(name)
            .map(|value| value.trim())
            .filter(|value| !value.is_empty())
    };
    let base_url = get("SMSFLOW_OPENAI_BASE_URL");
    let api_key = get("SMSFLOW_OPENAI_API_KEY");
    let model = get("SMSFLOW_OPENAI_MODEL");
    let Some(base_url) = base_url.or(api_key.map(|_| DEFAULT_BASE_URL)) else {
        return match model {
            None => Ok(None),
            Some(_) => Err(SettingsError::Missing {
                variable: "SMSFLOW_OPENAI_API_KEY or SMSFLOW_OPENAI_BASE_URL",
                because: "SMSFLOW_OPENAI_MODEL is set (a key for api.openai.com, or the base URL of your own server)",
            }),
        };
    };
    endpoint(base_url)?;
    let Some(model) = model else {
        return Err(SettingsError::Missing {
            variable: "SMSFLOW_OPENAI_MODEL",
            because: "SMSFLOW_OPENAI_BASE_URL or SMSFLOW_OPENAI_API_KEY is set (e.g. gpt-4o-mini)",
        });
    };
    let timeout = match get("SMSFLOW_OPENAI_TIMEOUT_MS") {
        None => DEFAULT_TIMEOUT,
        Some(value) => match value.parse::<u64>() {
            Ok(ms) if ms > 0 => Duration::from_millis(ms),
            _ => {
                return Err(SettingsError::Invalid {
                    variable: "SMSFLOW_OPENAI_TIMEOUT_MS",
                    value: value.to_string(),
                    reason: "expected a number of milliseconds above 0, e.g. 8000".into(),
                });
            }
        },
    };
    let max_retries = match get("SMSFLOW_OPENAI_MAX_RETRIES") {
        None => DEFAULT_MAX_RETRIES,
        Some(value) => match value.parse::<u32>() {
            Ok(n) if n <= MAX_RETRIES_LIMIT => n,
            _ => {
                return Err(SettingsError::Invalid {
                    variable: "SMSFLOW_OPENAI_MAX_RETRIES",
                    value: value.to_string(),
                    reason: format!("expected a whole number from 0 to {MAX_RETRIES_LIMIT}"),
                });
            }
        },
    };
    Ok(Some(OpenAiSettings {
        base_url: base_url.to_string(),
        model: model.to_string(),
        api_key: api_key.map(str::to_string),
        timeout,
        max_retries,
    }))
}

/// `{base_url}/chat/completions`, keeping any query; a base URL that already ends with
/// `/chat/completions` is taken as it is.
fn endpoint(base_url: &str) -> Result<url::Url, SettingsError> {
    let invalid = |reason: String| SettingsError::Invalid {
        variable: "SMSFLOW_OPENAI_BASE_URL",
        value: base_url.to_string(),
        reason,
    };
    let mut url = url::Url::parse(base_url.trim())
        .map_err(|error| invalid(format!("{error}; expected e.g. https://api.openai.com/v1")))?;
    if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() {
        return Err(invalid("expected an http:// or https:// URL".into()));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid(
            "credentials in the URL are not supported: use SMSFLOW_OPENAI_API_KEY".into(),
        ));
    }
    let path = url.path().trim_end_matches('/').to_string();
    if !path.ends_with("/chat/completions") {
        url.set_path(&format!("{path}/chat/completions"));
    }
    Ok(url)
}

/// An HTTP client for model servers. HTTPS uses rustls with the `ring` provider, installed for the
/// process on first use. Per-attempt time limits are set on each request.
fn http_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .build()
        .expect("an HTTP client builds")
}

/// The openai backend. Cheap to share behind an `Arc`; its circuit breaker is per backend.
pub struct OpenAiBackend {
    http: reqwest::Client,
    endpoint: url::Url,
    settings: OpenAiSettings,
    breaker: CircuitBreaker,
    backoff: Duration,
    max_backoff: Duration,
}

impl std::fmt::Debug for OpenAiBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenAiBackend")
            .field("endpoint", &self.endpoint.as_str())
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

/// One failed attempt, and whether another may help.
struct Failure {
    error: LlmError,
    retryable: bool,
    retry_after: Option<Duration>,
}

impl Failure {
    fn fatal(error: LlmError) -> Self {
        Failure {
            error,
            retryable: false,
            retry_after: None,
        }
    }
}

#[derive(Deserialize)]
struct Completion {
    #[serde(default)]
    choices: Vec<Choice>,
}

#[derive(Deserialize)]
struct Choice {
    message: Option<ChoiceMessage>,
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct ChoiceMessage {
    content: Option<String>,
    refusal: Option<String>,
}

impl OpenAiBackend {
    /// A backend with default retry backoff (250 ms doubling to 2 s) and circuit breaker (5
    /// failures, 30 s). Fails only on an unusable base URL.
    pub fn new(settings: OpenAiSettings) -> Result<Self, SettingsError> {
        Ok(OpenAiBackend {
            http: http_client(),
            endpoint: endpoint(&settings.base_url)?,
            breaker: CircuitBreaker::new(DEFAULT_FAILURE_THRESHOLD, DEFAULT_COOL_DOWN),
            backoff: DEFAULT_BACKOFF,
            max_backoff: DEFAULT_MAX_BACKOFF,
            settings,
        })
    }

    /// Opens the circuit after `failures` consecutive failed calls (0 disables it) for `cool_down`.
    pub fn with_circuit_breaker(mut self, failures: u32, cool_down: Duration) -> Self {
        self.breaker = CircuitBreaker::new(failures, cool_down);
        self
    }

    /// The first retry waits about `first`, doubling each time up to `max` (with jitter).
    pub fn with_retry_backoff(mut self, first: Duration, max: Duration) -> Self {
        self.backoff = first;
        self.max_backoff = max.max(first);
        self
    }

    /// Uses this client (e.g. one shared with other adapters) instead of a new one.
    pub fn with_http_client(mut self, http: reqwest::Client) -> Self {
        self.http = http;
        self
    }

    pub fn settings(&self) -> &OpenAiSettings {
        &self.settings
    }

    /// The request body for `request` (public for tests and diagnostics: it holds the person's
    /// messages, so do not log it).
    pub fn request_body(&self, request: &LlmRequest) -> Value {
        let allowed = prompt::allowed_fields(request);
        self.body(request, &allowed)
    }

    /// The agent's own model, else the configured one.
    fn model<'a>(&'a self, request: &'a LlmRequest) -> &'a str {
        request.model.as_deref().unwrap_or(&self.settings.model)
    }

    fn body(&self, request: &LlmRequest, allowed: &[String]) -> Value {
        // A reply of max_chars characters plus a few fields, with room to spare but bounded.
        let max_tokens = (request.max_chars / 2 + 256).min(1_024);
        json!({
            "model": self.model(request),
            "messages": prompt::messages(request, allowed),
            "response_format": prompt::response_format(allowed, request.summary_draft.is_some()),
            "temperature": TEMPERATURE,
            "max_tokens": max_tokens,
        })
    }

    async fn attempt(&self, body: &Value) -> Result<String, Failure> {
        let mut call = self
            .http
            .post(self.endpoint.clone())
            .timeout(self.settings.timeout)
            .json(body);
        if let Some(key) = &self.settings.api_key {
            call = call.bearer_auth(key);
        }
        let mut response = call.send().await.map_err(transport_failure)?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.trim().parse::<u64>().ok())
            .map(Duration::from_secs);

        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(transport_failure)? {
            if bytes.len() + chunk.len() > RESPONSE_MAX_BYTES {
                return Err(Failure::fatal(LlmError::Malformed(format!(
                    "the answer is larger than {RESPONSE_MAX_BYTES} bytes"
                ))));
            }
            bytes.extend_from_slice(&chunk);
        }

        if !status.is_success() {
            let retryable = status == reqwest::StatusCode::TOO_MANY_REQUESTS
                || status == reqwest::StatusCode::REQUEST_TIMEOUT
                || status.is_server_error();
            return Err(Failure {
                error: LlmError::Http {
                    status: status.as_u16(),
                    message: error_message(&bytes),
                },
                retryable,
                retry_after,
            });
        }

        let completion: Completion = serde_json::from_slice(&bytes).map_err(|error| {
            Failure::fatal(LlmError::Malformed(format!(
                "the server's answer is not a chat completion ({error})"
            )))
        })?;
        let Some(choice) = completion.choices.into_iter().next() else {
            return Err(Failure::fatal(LlmError::Malformed(
                "the completion has no choices".into(),
            )));
        };
        let message = choice.message.unwrap_or(ChoiceMessage {
            content: None,
            refusal: None,
        });
        if let Some(refusal) = message.refusal.filter(|r| !r.trim().is_empty()) {
            return Err(Failure::fatal(LlmError::Refused(refusal)));
        }
        if choice.finish_reason.as_deref() == Some("content_filter") {
            return Err(Failure::fatal(LlmError::Refused(
                "the server's content filter withheld the answer".into(),
            )));
        }
        match message.content {
            Some(content) if !content.trim().is_empty() => Ok(content),
            _ => Err(Failure::fatal(LlmError::Malformed(format!(
                "the completion has no content (finish reason {:?})",
                choice.finish_reason.unwrap_or_default()
            )))),
        }
    }

    /// The answer, and whether the server worked (it answered with content or a refusal, even if
    /// the content then failed our checks), which is what the circuit breaker counts.
    async fn call(&self, request: &LlmRequest) -> (Result<LlmAnswer, LlmError>, bool) {
        let allowed = prompt::allowed_fields(request);
        let body = self.body(request, &allowed);
        let mut attempt = 0;
        let content = loop {
            let started = Instant::now();
            match self.attempt(&body).await {
                Ok(content) => {
                    debug!(
                        model = %self.model(request),
                        attempt,
                        elapsed_ms = started.elapsed().as_millis() as u64,
                        "the model answered"
                    );
                    break content;
                }
                Err(failure) => {
                    let wait = self.backoff(attempt, failure.retry_after);
                    match wait {
                        Some(wait) if failure.retryable && attempt < self.settings.max_retries => {
                            warn!(
                                model = %self.model(request),
                                attempt,
                                error = %failure.error,
                                wait_ms = wait.as_millis() as u64,
                                "the model server failed; retrying"
                            );
                            tokio::time::sleep(wait).await;
                            attempt += 1;
                        }
                        _ => {
                            let server_worked = matches!(failure.error, LlmError::Refused(_));
                            return (Err(failure.error), server_worked);
                        }
                    }
                }
            }
        };
        (answer::parse(&content, request, &allowed), true)
    }

    /// How long to wait before retry number `attempt + 1`: exponential with jitter (50-100% of the
    /// step), or the server's `Retry-After` when that is longer; `None` when the server asks for
    /// more than the longest backoff.
    fn backoff(&self, attempt: u32, retry_after: Option<Duration>) -> Option<Duration> {
        let step = self
            .backoff
            .saturating_mul(2u32.saturating_pow(attempt))
            .min(self.max_backoff);
        let jitter = std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish()
            % 1_000;
        let wait = step / 2 + step.mul_f64(jitter as f64 / 2_000.0);
        match retry_after {
            Some(asked) if asked > self.max_backoff => None,
            Some(asked) => Some(wait.max(asked)),
            None => Some(wait),
        }
    }
}

fn transport_failure(error: reqwest::Error) -> Failure {
    if error.is_timeout() {
        Failure {
            error: LlmError::Timeout,
            retryable: true,
            retry_after: None,
        }
    } else {
        // reqwest's message names the URL, never headers, so the key stays out of it.
        let error = LlmError::Unavailable(format!("cannot reach the model server: {error}"));
        Failure {
            error,
            retryable: true,
            retry_after: None,
        }
    }
}

/// The message of an error answer: OpenAI's `{"error": {"message": ...}}`, a few common variants,
/// or the start of the body.
fn error_message(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let message = serde_json::from_str::<Value>(&text)
        .ok()
        .and_then(|value| {
            let message = value
                .pointer("/error/message")
                .or_else(|| value.get("error"))
                .or_else(|| value.get("message"))
                .or_else(|| value.get("detail"))?;
            Some(match message {
                Value::String(message) => message.clone(),
                other => other.to_string(),
            })
        })
        .unwrap_or_else(|| text.trim().to_string());
    let message: String = message.chars().take(300).collect();
    if message.is_empty() {
        "no message".into()
    } else {
        message
    }
}

#[async_trait]
impl LlmBackend for OpenAiBackend {
    fn name(&self) -> &str {
        "openai"
    }

    async fn complete(&self, request: &LlmRequest) -> Result<LlmAnswer, LlmError> {
        let permit = self.breaker.acquire()?;
        let (result, server_worked) = self.call(request).await;
        permit.record(server_worked);
        if let Err(error) = &result {
            debug!(model = %self.model(request), %error, "the openai backend gave no answer");
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn nothing_set_means_no_backend() {
        assert_eq!(try_settings_from_env(&vars(&[])), Ok(None));
        assert_eq!(
            settings_from_env(&vars(&[("SMSFLOW_OPENAI_API_KEY", "  ")])),
            None
        );
    }

    #[test]
    fn a_key_and_a_model_reach_openai() {
        let settings = settings_from_env(&vars(&[
            ("SMSFLOW_OPENAI_API_KEY", "sk-test"),
            ("SMSFLOW_OPENAI_MODEL", "gpt-4o-mini"),
        ]))
        .unwrap();
        assert_eq!(settings.base_url, DEFAULT_BASE_URL);
        assert_eq!(settings.api_key.as_deref(), Some("sk-test"));
        assert_eq!(settings.timeout, Duration::from_millis(8_000));
        assert_eq!(settings.max_retries, DEFAULT_MAX_RETRIES);
        assert!(!format!("{settings:?}").contains("sk-test"));
    }

    #[test]
    fn a_local_server_needs_no_key() {
        let settings = try_settings_from_env(&vars(&[
            ("SMSFLOW_OPENAI_BASE_URL", "http://127.0.0.1:11434/v1/"),
            ("SMSFLOW_OPENAI_MODEL", "llama3.2"),
            ("SMSFLOW_OPENAI_TIMEOUT_MS", "20000"),
            ("SMSFLOW_OPENAI_MAX_RETRIES", "0"),
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(settings.api_key, None);
        assert_eq!(settings.timeout, Duration::from_secs(20));
        assert_eq!(settings.max_retries, 0);
    }

    #[test]
    fn incomplete_or_invalid_settings_are_errors() {
        let cases: [&[(&str, &str)]; 5] = [
            &[("SMSFLOW_OPENAI_API_KEY", "sk-test")],
            &[("SMSFLOW_OPENAI_MODEL", "gpt-4o-mini")],
            &[
                ("SMSFLOW_OPENAI_BASE_URL", "localhost:8000"),
                ("SMSFLOW_OPENAI_MODEL", "m"),
            ],
            &[
                ("SMSFLOW_OPENAI_API_KEY", "sk-test"),
                ("SMSFLOW_OPENAI_MODEL", "m"),
                ("SMSFLOW_OPENAI_TIMEOUT_MS", "8s"),
            ],
            &[
                ("SMSFLOW_OPENAI_API_KEY", "sk-test"),
                ("SMSFLOW_OPENAI_MODEL", "m"),
                ("SMSFLOW_OPENAI_MAX_RETRIES", "100"),
            ],
        ];
        for case in cases {
            let result = try_settings_from_env(&vars(case));
            assert!(result.is_err(), "{case:?}");
            assert!(!result.unwrap_err().to_string().contains("sk-test"));
            assert_eq!(settings_from_env(&vars(case)), None);
        }
    }

    #[test]
    fn backoff_doubles_with_jitter_and_honours_retry_after() {
        let backend = OpenAiBackend::new(OpenAiSettings {
            base_url: "http://127.0.0.1:9/v1".into(),
            model: "m".into(),
            api_key: None,
            timeout: DEFAULT_TIMEOUT,
            max_retries: 3,
        })
        .unwrap()
        .with_retry_backoff(Duration::from_millis(100), Duration::from_millis(300));
        for _ in 0..20 {
            let first = backend.backoff(0, None).unwrap();
            assert!((50..=100).contains(&first.as_millis()), "{first:?}");
            let second = backend.backoff(1, None).unwrap();
            assert!((100..=200).contains(&second.as_millis()), "{second:?}");
            let capped = backend.backoff(5, None).unwrap();
            assert!((150..=300).contains(&capped.as_millis()), "{capped:?}");
        }
        let asked = backend.backoff(0, Some(Duration::from_millis(250)));
        assert_eq!(asked, Some(Duration::from_millis(250)));
        assert_eq!(backend.backoff(0, Some(Duration::from_secs(60))), None);
    }

    #[test]
    fn endpoints_keep_queries_and_complete_paths() {
        let url = |base| endpoint(base).unwrap().to_string();
        assert_eq!(
            url("https://api.openai.com/v1"),
            "https://api.openai.com/v1/chat/completions"
        );
        assert_eq!(
            url("http://127.0.0.1:8000/v1/"),
            "http://127.0.0.1:8000/v1/chat/completions"
        );
        assert_eq!(
            url("https://x.openai.azure.com/openai/v1?api-version=preview"),
            "https://x.openai.azure.com/openai/v1/chat/completions?api-version=preview"
        );
        assert_eq!(
            url("http://h/v1/chat/completions"),
            "http://h/v1/chat/completions"
        );
        assert!(endpoint("http://user:pw@h/v1").is_err());
    }
}
