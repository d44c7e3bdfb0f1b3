//! A tiny browser for the web app's HTTP tests: a real server on a random loopback port (no
//! background workers: a test drives message processing itself), and a cookie jar so every cookie
//! and redirect is visible to the assertions.

use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use smsflow_server::web::CookiePolicy;
use smsflow_server::web::accounts;
use smsflow_store::testing::{self, TestDatabase};
use smsflow_store::{AdminCreation, Store};
use std::collections::BTreeMap;
use std::sync::Arc;

pub const EMAIL: &str = "ada@example.com";
pub const PASSWORD: &str = "correct horse battery";

pub struct Browser {
    pub base: String,
    pub http: reqwest::Client,
    pub cookies: BTreeMap<String, String>,
    pub store: Arc<dyn Store>,
    /// The app's state, for driving its message processing step by step.
    pub state: smsflow_server::AppState,
    pub label: &'static str,
    _db: Arc<TestDatabase>,
}

pub struct Page {
    pub status: StatusCode,
    pub location: Option<String>,
    pub set_cookies: Vec<String>,
    pub hx_redirect: Option<String>,
    pub body: String,
}

impl Page {
    /// The value of the first hidden `csrf` field.
    pub fn csrf(&self) -> String {
        hidden(&self.body, "csrf").unwrap_or_else(|| panic!("no csrf field in {}", self.body))
    }
}

pub fn hidden(body: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = body.find(&marker)? + marker.len();
    let end = body[start..].find('"')?;
    Some(body[start..start + end].to_string())
}

pub fn form(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

pub async fn spawn(db: Arc<TestDatabase>, policy: Option<CookiePolicy>) -> Browser {
    spawn_configured(db, policy, &[]).await
}

/// [`spawn`] with settings (`SMSFLOW_*` environment names and values).
pub async fn spawn_configured(
    db: Arc<TestDatabase>,
    policy: Option<CookiePolicy>,
    settings: &[(&str, &str)],
) -> Browser {
    let store = db.store().await;
    // A data directory without the embedding model: these tests are about the web app.
    let no_model = std::env::temp_dir()
        .join("smsflow-test-no-model")
        .display()
        .to_string();
    let mut env: std::collections::HashMap<String, String> =
        [("SMSFLOW_DATA_DIR".to_string(), no_model)].into();
    env.extend(settings.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let config = smsflow_server::Config::load(None, &env).unwrap();
    let state = smsflow_server::AppState::with_semantic(store.clone(), config, None)
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let mut app = smsflow_server::router(state.clone());
    if let Some(policy) = policy {
        app = app.layer(axum::Extension(policy));
    }
    tokio::spawn(async move { axum::serve(listener, app).await });
    Browser {
        base,
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        cookies: BTreeMap::new(),
        store,
        state,
        label: db.label,
        _db: db,
    }
}

pub async fn browsers() -> Vec<Browser> {
    let mut all = Vec::new();
    for db in testing::all().await {
        all.push(spawn(Arc::new(db), None).await);
    }
    all
}

impl Browser {
    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub async fn send(&mut self, request: reqwest::RequestBuilder) -> Page {
        let request = if self.cookies.is_empty() {
            request
        } else {
            request.header(COOKIE, self.cookie_header())
        };
        let response = request.send().await.unwrap();
        let set_cookies: Vec<String> = response
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect();
        for cookie in &set_cookies {
            let pair = cookie.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() || cookie.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_string(), value.to_string());
            }
        }
        Page {
            status: response.status(),
            location: response
                .headers()
                .get(LOCATION)
                .map(|v| v.to_str().unwrap().to_string()),
            set_cookies,
            hx_redirect: response
                .headers()
                .get("hx-redirect")
                .map(|v| v.to_str().unwrap().to_string()),
            body: response.text().await.unwrap(),
        }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let request = self.http.get(format!("{}{path}", self.base));
        self.send(request).await
    }

    pub async fn post(&mut self, path: &str, body: String) -> Page {
        let request = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        self.send(request).await
    }

    pub async fn post_htmx(&mut self, path: &str, body: String) -> Page {
        let request = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("hx-request", "true")
            .body(body);
        self.send(request).await
    }

    /// Signs in through the login page, returning the page the sign-in redirected to.
    pub async fn sign_in(&mut self) -> Page {
        let login = self.get("/login").await;
        assert_eq!(login.status, StatusCode::OK, "{}", self.label);
        let csrf = login.csrf();
        let done = self
            .post(
                "/login",
                form(&[("csrf", &csrf), ("email", EMAIL), ("password", PASSWORD)]),
            )
            .await;
        assert_eq!(
            done.status,
            StatusCode::SEE_OTHER,
            "{}: {}",
            self.label,
            done.body
        );
        done
    }

    pub async fn with_admin(&mut self) {
        accounts::create_admin(
            self.store.as_ref(),
            EMAIL,
            PASSWORD,
            AdminCreation::Operator(smsflow_store::Role::Admin),
        )
        .await
        .unwrap();
    }
}

/// What a browser submits for the form posting to `action` in `body`, when its first submit button
/// named `action` is pressed: every named input, text area and select in document order, checked
/// boxes only, each select's chosen option (else its first), values unescaped.
pub fn submitted_form(body: &str, action: &str) -> String {
    let start = body
        .find(&format!("action=\"{action}\""))
        .unwrap_or_else(|| panic!("no form posting to {action}"));
    let html = &body[start..start + body[start..].find("</form>").expect("the form ends")];
    let mut pairs: Vec<(String, String)> = Vec::new();
    let mut rest = html;
    let mut pressed = false;
    while let Some(open) = rest.find('<') {
        rest = &rest[open + 1..];
        let tag_end = rest.find('>').expect("tags close");
        let tag = &rest[..tag_end];
        let (element, attributes) = tag.split_once(' ').unwrap_or((tag, ""));
        let attribute = |name: &str| attribute_of(attributes, name);
        match element {
            "input" => {
                let kind = attribute("type").unwrap_or_default();
                let checked = attributes.split_whitespace().any(|a| a == "checked");
                if let Some(name) = attribute("name")
                    && (kind != "checkbox" || checked)
                {
                    let default = if kind == "checkbox" { "on" } else { "" };
                    let value = attribute("value").unwrap_or_else(|| default.to_string());
                    pairs.push((name, value));
                }
            }
            "textarea" => {
                let content = &rest[tag_end + 1..];
                let text = &content[..content.find("</textarea>").expect("text areas close")];
                pairs.push((attribute("name").expect("named"), unescape(text)));
            }
            "select" => {
                let content = &rest[tag_end + 1..];
                let options = &content[..content.find("</select>").expect("selects close")];
                let values: Vec<(String, bool)> = options
                    .split("<option")
                    .skip(1)
                    .map(|option| {
                        let head = &option[..option.find('>').unwrap()];
                        (
                            attribute_of(head, "value").unwrap_or_default(),
                            head.split_whitespace().any(|a| a == "selected"),
                        )
                    })
                    .collect();
                let chosen = values
                    .iter()
                    .find(|(_, selected)| *selected)
                    .or(values.first())
                    .map(|(value, _)| value.clone())
                    .unwrap_or_default();
                pairs.push((attribute("name").expect("named"), chosen));
            }
            "button" if !pressed && attribute("name").as_deref() == Some("action") => {
                pressed = true;
                pairs.push(("action".into(), attribute("value").unwrap_or_default()));
            }
            _ => {}
        }
    }
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&pairs)
        .finish()
}

fn attribute_of(tag: &str, name: &str) -> Option<String> {
    let marker = format!(" {name}=\"");
    let padded = format!(" {tag}");
    let start = padded.find(&marker)? + marker.len();
    let end = padded[start..].find('"')?;
    Some(unescape(&padded[start..start + end]))
}

/// Undoes the template's HTML escaping, as a browser does: named entities and numeric ones
/// (`&#60;`, `&#x27;`).
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let decoded = rest.find(';').and_then(|end| {
            let entity = &rest[1..end];
            let character = match entity {
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "amp" => Some('&'),
                _ => entity
                    .strip_prefix("#x")
                    .or_else(|| entity.strip_prefix("#X"))
                    .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                    .or_else(|| entity.strip_prefix('#')?.parse().ok())
                    .and_then(char::from_u32),
            };
            character.map(|character| (character, end + 1))
        });
        match decoded {
            Some((character, length)) => {
                out.push(character);
                rest = &rest[length..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

impl Browser {
    /// Creates an active workflow from its JSON form, as the API would.
    pub async fn workflow(&self, draft: serde_json::Value) {
        let draft: smsflow_core::WorkflowDraft = serde_json::from_value(draft).unwrap();
        self.store
            .create_workflow(&draft.validate().unwrap(), &smsflow_store::Author::system())
            .await
            .unwrap();
        self.state.matchers.refresh().await.unwrap();
    }

    /// A text from `from`, stored and processed as the workers would; returns its conversation.
    pub async fn text(&self, from: &str, body: &str) -> uuid::Uuid {
        let recorded = self
            .state
            .messaging
            .receive(&smsflow_store::conversations::InboundSms {
                channel: smsflow_core::conversation::Channel::Simulator,
                our_number: "+15550009999".into(),
                their_number: from.into(),
                body: body.into(),
                provider_id: None,
                media_urls: vec![],
                simulated: true,
            })
            .await
            .unwrap();
        while self.state.messaging.process_next_inbound().await.unwrap() {}
        recorded.conversation_id
    }
}
