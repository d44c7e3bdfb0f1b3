//! Shared by the HTTP tests: a real server on a random loopback port against a fresh database.
#![allow(dead_code)] // Each test file uses its own subset.

pub mod browser;
pub mod model;

use reqwest::StatusCode;
use serde_json::Value;
use smsflow_core::Goal;
use smsflow_store::testing::{self, TestDatabase};
use std::collections::{BTreeMap, HashMap};

pub struct TestApp {
    pub base: String,
    pub key: String,
    pub http: reqwest::Client,
    pub label: &'static str,
    pub store: std::sync::Arc<dyn smsflow_store::Store>,
    _workers: Workers,
    _db: std::sync::Arc<TestDatabase>,
}

/// Stops the app's background workers and its server when the test ends.
struct Workers {
    // Dropped: aborted.
    _engine: Option<smsflow_engine::workers::Workers>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for Workers {
    fn drop(&mut self) {
        self.server.abort();
    }
}

pub async fn spawn_app(db: std::sync::Arc<TestDatabase>) -> TestApp {
    spawn_configured(db, &[]).await
}

/// A server configured with these environment settings (`SMSFLOW_*`), with its workers running.
pub async fn spawn_configured(db: std::sync::Arc<TestDatabase>, env: &[(&str, &str)]) -> TestApp {
    spawn_with(db, env, true).await
}

/// Matching by meaning too, with this model.
pub async fn spawn_semantic(
    db: std::sync::Arc<TestDatabase>,
    semantic: smsflow_engine::matching::Semantic,
) -> TestApp {
    start(db, &[], true, Some(semantic)).await
}

/// The embedding model, when installed (scripts/test.sh installs it; CI must have it).
pub fn semantic() -> Option<smsflow_engine::matching::Semantic> {
    let dir = std::env::var_os("SMSFLOW_TEST_MODEL_DIR").map(std::path::PathBuf::from);
    let Some(dir) = dir.filter(|dir| dir.join("model.safetensors").is_file()) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install the model: SMSFLOW_TEST_MODEL_DIR is unset or empty"
        );
        eprintln!("skipped: the embedding model is not installed (SMSFLOW_TEST_MODEL_DIR)");
        return None;
    };
    // One model for the whole test binary: it remembers the ~2,700 built-in examples it embedded,
    // which every app compiled with it learns from.
    static MODEL: std::sync::OnceLock<std::sync::Arc<smsflow_semantic::MiniLm>> =
        std::sync::OnceLock::new();
    let model =
        MODEL.get_or_init(|| std::sync::Arc::new(smsflow_semantic::MiniLm::load(&dir).unwrap()));
    Some(smsflow_engine::matching::Semantic {
        model: "all-MiniLM-L6-v2".into(),
        embedder: model.clone(),
        config: smsflow_semantic::MiniLm::matching_config(),
    })
}

/// Without background workers, a test drives the queue itself.
pub async fn spawn_with(
    db: std::sync::Arc<TestDatabase>,
    env: &[(&str, &str)],
    run_workers: bool,
) -> TestApp {
    start(db, env, run_workers, None).await
}

async fn start(
    db: std::sync::Arc<TestDatabase>,
    env: &[(&str, &str)],
    run_workers: bool,
    semantic: Option<smsflow_engine::matching::Semantic>,
) -> TestApp {
    let store = db.store().await;
    let key = store
        .create_api_key(
            &format!("test-{}", uuid::Uuid::new_v4()),
            smsflow_store::ApiKeyScope::Full,
            &smsflow_store::Author::system(),
        )
        .await
        .unwrap()
        .secret;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let mut vars: HashMap<String, String> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    vars.entry("SMSFLOW_PUBLIC_URL".into())
        .or_insert_with(|| base.clone());
    let config = smsflow_server::Config::load(None, &vars).unwrap();
    let state = smsflow_server::AppState::with_semantic(store.clone(), config, semantic)
        .await
        .unwrap();
    let engine = run_workers.then(|| state.start_workers());
    // Stopped with the workers, so the app's database connections close when the test ends (a
    // test that starts many apps would otherwise run the database out of connections).
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, smsflow_server::router(state)).await;
    });
    TestApp {
        base,
        key,
        http: reqwest::Client::new(),
        label: db.label,
        store,
        _workers: Workers {
            _engine: engine,
            server,
        },
        _db: db,
    }
}

/// Texts smsflow through the simulator as `from`; the answer has the stored message and the replies.
pub async fn text(app: &TestApp, from: &str, body: &str) -> Value {
    let response = app
        .post(
            "/simulator/messages",
            &serde_json::json!({"from": from, "body": body}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{}", app.label);
    response.json().await.unwrap()
}

/// The first reply's text in a [`text`] answer; empty when nothing was sent.
pub fn reply(turn: &Value) -> String {
    turn["replies"][0]["body"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Turns on suggest mode for the default agent: it drafts replies for a person to approve.
pub async fn turn_on_suggest_mode(store: &dyn smsflow_store::Store) {
    let agent = store.default_agent().await.unwrap();
    let mut spec = agent.spec.clone();
    spec.suggest_replies = true;
    store
        .update_agent(agent.id, &spec, &smsflow_store::Author::system())
        .await
        .unwrap();
}

/// The field paths of a problem document's validation problems, in order.
pub fn problem_fields(body: &Value) -> Vec<&str> {
    body["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["field"].as_str().unwrap())
        .collect()
}

/// One app per database backend.
pub async fn apps() -> Vec<TestApp> {
    let mut apps = Vec::new();
    for db in testing::all().await {
        apps.push(spawn_app(std::sync::Arc::new(db)).await);
    }
    apps
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.base)
    }
    pub fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.http.get(self.url(path)).bearer_auth(&self.key)
    }
    pub fn post(&self, path: &str, body: &Value) -> reqwest::RequestBuilder {
        self.http
            .post(self.url(path))
            .bearer_auth(&self.key)
            .json(body)
    }
    pub fn put(&self, path: &str, body: &Value) -> reqwest::RequestBuilder {
        self.http
            .put(self.url(path))
            .bearer_auth(&self.key)
            .json(body)
    }
    /// `GET` an API path and read its JSON.
    pub async fn get_json(&self, path: &str) -> Value {
        self.get(path).send().await.unwrap().json().await.unwrap()
    }

    /// Polls a conversation (5 s at most) until one of its messages satisfies `found`.
    pub async fn wait_for_message(
        &self,
        conversation_id: &str,
        found: impl Fn(&Value) -> bool,
    ) -> Value {
        for _ in 0..200 {
            let thread = self
                .get_json(&format!("/conversations/{conversation_id}"))
                .await;
            if let Some(message) = thread["messages"]
                .as_array()
                .unwrap()
                .iter()
                .find(|m| found(m))
            {
                return message.clone();
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        panic!(
            "{}: no message of conversation {conversation_id} matched in time",
            self.label
        );
    }

    pub async fn create_raw(&self, body: Value) -> reqwest::Response {
        self.post("/workflows", &body).send().await.unwrap()
    }

    pub async fn create(&self, body: Value) -> Value {
        let response = self.post("/workflows", &body).send().await.unwrap();
        assert_eq!(
            response.status(),
            StatusCode::CREATED,
            "{}: {:?}",
            self.label,
            response.text().await
        );
        response.json().await.unwrap()
    }
}

pub async fn problem(response: reqwest::Response, status: StatusCode) -> Value {
    assert_eq!(response.status(), status);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], status.as_u16());
    assert!(body["type"].as_str().unwrap().starts_with("https://"));
    assert!(!body["detail"].as_str().unwrap().is_empty());
    body
}

pub const TWILIO_ACCOUNT_SID: &str = "AC00000000000000000000000000000000";
pub const TWILIO_AUTH_TOKEN: &str = "test-token";

/// A Twilio webhook body and its `X-Twilio-Signature`, signed with [`TWILIO_AUTH_TOKEN`] over the
/// app's public URL and `path`.
pub fn signed_form(app: &TestApp, path: &str, form: &[(&str, &str)]) -> (String, String) {
    let params: Vec<(String, String)> = form
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let signature =
        smsflow_sms::twilio::signature(TWILIO_AUTH_TOKEN, &format!("{}{path}", app.base), &params);
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    (body, signature)
}

/// What the stand-in received: (To, From, Body) of each message created.
pub type Sent = std::sync::Arc<std::sync::Mutex<Vec<(String, String, String)>>>;

/// Answers message creates as Twilio does (201 with the new message's sid) and records them.
pub async fn twilio_standin() -> (String, Sent) {
    let sent: Sent = std::sync::Arc::default();
    let record = sent.clone();
    let app = axum::Router::new().route(
        "/2010-04-01/Accounts/{account}/Messages.json",
        axum::routing::post(
            move |axum::extract::Path(account): axum::extract::Path<String>, body: String| {
                let record = record.clone();
                async move {
                    assert_eq!(account, TWILIO_ACCOUNT_SID);
                    let form: std::collections::HashMap<String, String> =
                        form_urlencoded::parse(body.as_bytes())
                            .into_owned()
                            .collect();
                    let mut sent = record.lock().unwrap();
                    sent.push((
                        form["To"].clone(),
                        form["From"].clone(),
                        form["Body"].clone(),
                    ));
                    let sid = format!("SM{:032}", sent.len());
                    (
                        StatusCode::CREATED,
                        axum::Json(
                            serde_json::json!({"sid": sid, "status": "queued", "to": form["To"]}),
                        ),
                    )
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (base, sent)
}

/// A Calendly-style `Calendly-Webhook-Signature` of `body`, made now with `key`.
pub fn calendly_signature(key: &str, body: &str) -> String {
    use hmac::{Hmac, Mac};
    let t = time::OffsetDateTime::now_utc().unix_timestamp();
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(format!("{t}.{body}").as_bytes());
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("t={t},v1={hex}")
}

/// The README's example workflows.
pub const EXAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/workflows.yaml");

/// Creates the README's example workflows (`examples/workflows.yaml`); their goals by name.
pub async fn import_examples(app: &TestApp) -> BTreeMap<String, Goal> {
    import_workflows(app, std::path::Path::new(EXAMPLES)).await
}

/// Creates the workflows of a YAML file through the API; their goals by name.
pub async fn import_workflows(app: &TestApp, file: &std::path::Path) -> BTreeMap<String, Goal> {
    let text = std::fs::read_to_string(file)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", file.display()));
    let drafts: Vec<Value> = serde_norway::from_str(&text).unwrap();
    let mut goals = BTreeMap::new();
    for draft in drafts {
        let created = app.create(draft).await;
        goals.insert(
            created["name"].as_str().unwrap().to_string(),
            Goal::parse(created["goal"].as_str().unwrap()).unwrap(),
        );
    }
    goals
}

/// Delivers a text as Twilio does: a signed `POST /webhooks/twilio/sms`, answered 200.
pub async fn post_twilio_sms(app: &TestApp, sid: &str, from: &str, to: &str, body: &str) {
    let form = [
        ("MessageSid", sid),
        ("AccountSid", TWILIO_ACCOUNT_SID),
        ("From", from),
        ("To", to),
        ("Body", body),
        ("NumMedia", "0"),
    ];
    let (form, signature) = signed_form(app, "/webhooks/twilio/sms", &form);
    let response = app
        .http
        .post(format!("{}/webhooks/twilio/sms", app.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-twilio-signature", signature)
        .body(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{}", app.label);
}

/// A helpdesk (or a team's endpoint) receiving signed webhooks: it checks each signature,
/// refuses the first delivery with a 500, and records the rest.
pub async fn helpdesk(
    secret: &'static str,
) -> (String, std::sync::Arc<std::sync::Mutex<Vec<Value>>>) {
    let received = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let calls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks/tickets", listener.local_addr().unwrap());
    let store = received.clone();
    let app = axum::Router::new().route(
        "/hooks/tickets",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
            let (store, calls) = (store.clone(), calls.clone());
            async move {
                let signature = headers["x-smsflow-signature"].to_str().unwrap();
                let now = time::OffsetDateTime::now_utc().unix_timestamp();
                if !smsflow_engine::signing::verify(secret, signature, body.as_bytes(), now) {
                    return StatusCode::UNAUTHORIZED;
                }
                if calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
                    return StatusCode::INTERNAL_SERVER_ERROR;
                }
                store
                    .lock()
                    .unwrap()
                    .push(serde_json::from_str::<Value>(&body).unwrap());
                StatusCode::OK
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, received)
}
