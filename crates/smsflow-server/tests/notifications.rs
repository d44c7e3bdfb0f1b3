//! The team hears of hand-offs and new tickets: emails received by a real SMTP server (aiosmtpd,
//! from PyPI, started by the test) and the team's webhook, signed, checked by a receiver; each
//! admin's settings in the web app. On SQLite and (when configured) PostgreSQL.

mod common;

use common::browser::{browsers, form};
use common::{TestApp, helpdesk, spawn_configured, text};
use reqwest::StatusCode;
use serde_json::{Value, json};
use smsflow_store::notifications::NotificationPreferences;
use smsflow_store::{AdminCreation, Author, testing};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The Python that runs aiosmtpd (`SMSFLOW_TEST_SMTP_PYTHON`; scripts/test.sh installs it with
/// tests/e2e/tools.sh). Without it the email tests skip, except on CI, where they fail.
fn smtp_python() -> Option<PathBuf> {
    let Some(python) = std::env::var_os("SMSFLOW_TEST_SMTP_PYTHON") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install aiosmtpd: SMSFLOW_TEST_SMTP_PYTHON is unset (tests/e2e/tools.sh python)"
        );
        eprintln!(
            "skipped: no SMTP server to send to (SMSFLOW_TEST_SMTP_PYTHON; scripts/test.sh sets it)"
        );
        return None;
    };
    Some(PathBuf::from(python))
}

/// A real SMTP server (aiosmtpd) that keeps every email it receives in a Maildir.
struct SmtpServer {
    url: String,
    maildir: tempfile::TempDir,
    process: std::process::Child,
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// A loopback port nothing listens on (yet).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl SmtpServer {
    async fn start(python: &Path) -> SmtpServer {
        SmtpServer::start_on(python, free_port()).await
    }

    async fn start_on(python: &Path, port: u16) -> SmtpServer {
        let maildir = tempfile::tempdir().unwrap();
        let listen = format!("127.0.0.1:{port}");
        let process = std::process::Command::new(python)
            .args(["-m", "aiosmtpd", "-n", "-l", &listen])
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(maildir.path().join("mail"))
            .spawn()
            .unwrap_or_else(|error| panic!("cannot run {}: {error}", python.display()));
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        while tokio::net::TcpStream::connect(&listen).await.is_err() {
            assert!(
                tokio::time::Instant::now() < deadline,
                "aiosmtpd did not start on {listen}: is it installed for {}? (tests/e2e/tools.sh python installs it)",
                python.display()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        SmtpServer {
            url: format!("smtp://{listen}"),
            maildir,
            process,
        }
    }

    /// The emails received so far, oldest first (their raw text).
    fn emails(&self) -> Vec<String> {
        let new = self.maildir.path().join("mail").join("new");
        let Ok(entries) = std::fs::read_dir(new) else {
            return Vec::new();
        };
        let mut emails: Vec<(std::time::SystemTime, String)> = entries
            .flatten()
            .map(|entry| {
                let modified = entry.metadata().unwrap().modified().unwrap();
                (modified, std::fs::read_to_string(entry.path()).unwrap())
            })
            .collect();
        emails.sort();
        emails.into_iter().map(|(_, email)| email).collect()
    }

    /// The emails received so far to `to`, oldest first.
    fn emails_to(&self, to: &str) -> Vec<String> {
        let header = format!("To: {to}");
        self.emails()
            .into_iter()
            .filter(|email| email.lines().any(|line| line == header))
            .collect()
    }

    /// Waits (30 s at most) until `count` emails came to `to`; those emails.
    async fn wait_for(&self, to: &str, count: usize) -> Vec<String> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            let received = self.emails_to(to);
            if received.len() >= count || tokio::time::Instant::now() > deadline {
                return received;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// The email's decoded subject and body (lettre writes short ASCII headers as they are, and the
/// body quoted-printable or plain).
fn subject_and_body(email: &str) -> (String, String) {
    let (headers, body) = email.split_once("\n\n").unwrap_or((email, ""));
    let subject = headers
        .lines()
        .find_map(|line| line.strip_prefix("Subject: "))
        .unwrap_or_default()
        .to_string();
    let body = body.replace("=\n", "").replace("=3D", "=");
    (subject, body)
}

async fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(tokio::time::Instant::now() < deadline, "waited for {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

async fn admin(app: &TestApp, email: &str, preferences: NotificationPreferences) {
    let admin = app
        .store
        .create_admin(
            email,
            "$argon2id$unused",
            AdminCreation::Operator(smsflow_store::Role::Admin),
            &Author::system(),
        )
        .await
        .unwrap();
    app.store
        .set_notification_preferences(admin.id, &preferences)
        .await
        .unwrap();
}

#[tokio::test]
async fn the_team_is_emailed_through_a_real_smtp_server_and_told_on_its_signed_webhook() {
    let Some(python) = smtp_python() else {
        return;
    };
    let smtp = SmtpServer::start(&python).await;
    // The receiver checks every signature, and refuses the first post (it is retried).
    let (hook, received) = helpdesk("team-webhook-secret-1").await;
    for (round, db) in testing::all().await.into_iter().enumerate() {
        received.lock().unwrap().clear();
        let app = spawn_configured(
            Arc::new(db),
            &[
                ("SMSFLOW_SMTP_URL", &smtp.url),
                ("SMSFLOW_SMTP_FROM", "smsflow <alerts@clinic.example>"),
                ("SMSFLOW_HANDOFF_WEBHOOK_URL", &hook),
                ("SMSFLOW_HANDOFF_WEBHOOK_SECRET", "team-webhook-secret-1"),
            ],
        )
        .await;
        let (ada, bob) = (
            format!("ada{round}@clinic.example"),
            format!("bob{round}@clinic.example"),
        );
        let every_event = NotificationPreferences {
            digest_minutes: 0,
            ..NotificationPreferences::default()
        };
        admin(&app, &ada, every_event).await;
        let no_hand_offs = NotificationPreferences {
            needs_human: false,
            ..NotificationPreferences::default()
        };
        admin(&app, &bob, no_hand_offs).await;
        app.create(json!({
            "name": "Support", "goal": "help_desk_support", "active": true,
            "steps": [{"type": "create_support_ticket", "priority": "high"}]
        }))
        .await;

        // A ticket opens: both are emailed.
        let ticketed = text(
            &app,
            "+14155550401",
            "my dishwasher is leaking, please help",
        )
        .await;
        let tickets: Value = app.get_json("/tickets?status=open").await;
        let number = tickets["items"][0]["number"].as_str().unwrap().to_string();
        let to_ada = smtp.wait_for(&ada, 1).await;
        assert_eq!(to_ada.len(), 1, "{}", app.label);
        let (subject, body) = subject_and_body(&to_ada[0]);
        assert!(
            subject.starts_with(&format!("[smsflow] Ticket {number} opened (high)")),
            "{}: {subject}",
            app.label
        );
        let conversation = ticketed["conversation_id"].as_str().unwrap();
        assert!(
            body.contains(&format!("{}/conversations/{conversation}", app.base)),
            "{}: a link to the conversation: {body}",
            app.label
        );
        assert!(
            to_ada[0].contains("From: smsflow <alerts@clinic.example>"),
            "{}",
            app.label
        );
        assert_eq!(smtp.wait_for(&bob, 1).await.len(), 1, "{}", app.label);

        // A texter asks for a person: Ada is emailed at once (no digest), Bob chose not to be.
        let asked = text(
            &app,
            "+14155550402",
            "I need to speak to a real person please",
        )
        .await;
        let to_ada = smtp.wait_for(&ada, 2).await;
        assert_eq!(to_ada.len(), 2, "{}", app.label);
        let (subject, _) = subject_and_body(&to_ada[1]);
        assert_eq!(
            subject, "[smsflow] +14155550402 needs a person",
            "{}",
            app.label
        );

        // The webhook got both, signed (the receiver refused anything else).
        wait_until("both webhook posts", || received.lock().unwrap().len() >= 2).await;
        let mut events: Vec<(String, String)> = received
            .lock()
            .unwrap()
            .iter()
            .map(|post| {
                (
                    post["event"].as_str().unwrap().to_string(),
                    post["conversation"]["id"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        events.sort();
        let asked = asked["conversation_id"].as_str().unwrap();
        assert_eq!(
            events,
            [
                ("conversation.needs_human".to_string(), asked.to_string()),
                ("ticket.opened".to_string(), conversation.to_string()),
            ],
            "{}",
            app.label
        );
        let posts = received.lock().unwrap().clone();
        let ticket_post = posts.iter().find(|post| post["event"] == "ticket.opened");
        assert_eq!(
            ticket_post.unwrap()["ticket"]["number"],
            number.as_str(),
            "{}",
            app.label
        );
        // Its deliveries were decided before Ada's email went: none is on its way to Bob.
        assert_eq!(smtp.emails_to(&bob).len(), 1, "{}", app.label);
    }
}

#[tokio::test]
async fn an_email_waits_while_the_mail_server_is_down_and_goes_when_it_is_back() {
    let Some(python) = smtp_python() else {
        return;
    };
    for db in testing::all().await {
        let port = free_port();
        let url = format!("smtp://127.0.0.1:{port}");
        let app = spawn_configured(
            Arc::new(db),
            &[
                ("SMSFLOW_SMTP_URL", &url),
                ("SMSFLOW_SMTP_FROM", "alerts@clinic.example"),
            ],
        )
        .await;
        admin(
            &app,
            "cy@clinic.example",
            NotificationPreferences::default(),
        )
        .await;
        // Nothing listens yet: the email is tried and retried with backoff.
        text(&app, "+14155550421", "I want to talk to a person").await;
        let smtp = SmtpServer::start_on(&python, port).await;
        let received = smtp.wait_for("cy@clinic.example", 1).await;
        assert_eq!(received.len(), 1, "{}: delayed, not dropped", app.label);
        let (subject, _) = subject_and_body(&received[0]);
        assert_eq!(
            subject, "[smsflow] +14155550421 needs a person",
            "{}",
            app.label
        );
    }
}

/// A receiver for Slack-style posts: keeps the bodies whose signature checks out.
async fn slack_receiver(secret: &'static str) -> (String, Arc<Mutex<Vec<Value>>>) {
    let received = Arc::new(Mutex::new(Vec::new()));
    let keep = received.clone();
    let app = axum::Router::new().route(
        "/services/T000/B000/XXXX",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
            let keep = keep.clone();
            async move {
                let Some(signature) = headers
                    .get("x-smsflow-signature")
                    .and_then(|value| value.to_str().ok())
                else {
                    return StatusCode::UNAUTHORIZED;
                };
                let now = time::OffsetDateTime::now_utc().unix_timestamp();
                if !smsflow_engine::signing::verify(secret, signature, body.as_bytes(), now) {
                    return StatusCode::UNAUTHORIZED;
                }
                keep.lock()
                    .unwrap()
                    .push(serde_json::from_str(&body).unwrap());
                StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/services/T000/B000/XXXX",
        listener.local_addr().unwrap()
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, received)
}

#[tokio::test]
async fn a_slack_compatible_webhook_gets_one_line_of_text_signed() {
    let (hook, received) = slack_receiver("slack-webhook-secret").await;
    for db in testing::all().await {
        received.lock().unwrap().clear();
        let app = spawn_configured(
            Arc::new(db),
            &[
                ("SMSFLOW_HANDOFF_WEBHOOK_URL", &hook),
                ("SMSFLOW_HANDOFF_WEBHOOK_SECRET", "slack-webhook-secret"),
                ("SMSFLOW_HANDOFF_WEBHOOK_FORMAT", "slack"),
            ],
        )
        .await;
        let asked = text(&app, "+14155550411", "can I talk to a human?").await;
        wait_until("the Slack post", || !received.lock().unwrap().is_empty()).await;
        let conversation = asked["conversation_id"].as_str().unwrap();
        let posts = received.lock().unwrap().clone();
        assert_eq!(
            posts,
            [json!({"text": format!(
                "+14155550411 needs a person\n  Open the conversation: {}/conversations/{conversation}",
                app.base
            )})],
            "{}",
            app.label
        );
    }
}

#[tokio::test]
async fn each_admin_chooses_what_they_are_emailed_about_in_the_web_app() {
    for mut browser in browsers().await {
        browser.with_admin().await;
        browser.sign_in().await;
        let page = browser.get("/settings/notifications").await;
        assert_eq!(page.status, StatusCode::OK, "{}", browser.label);
        assert!(
            page.body.contains("No mail server is configured"),
            "{}: says why nobody is emailed",
            browser.label
        );
        let csrf = page.csrf();
        let saved = browser
            .post(
                "/settings/notifications",
                form(&[
                    ("csrf", &csrf),
                    ("email", "on"),
                    ("needs_human", "on"),
                    ("digest_minutes", "30"),
                ]),
            )
            .await;
        assert_eq!(
            saved.location.as_deref(),
            Some("/settings/notifications?saved=1"),
            "{}",
            browser.label
        );
        let admin = browser
            .store
            .admin_credentials(common::browser::EMAIL)
            .await
            .unwrap()
            .unwrap()
            .admin;
        assert_eq!(
            browser
                .store
                .notification_preferences(admin.id)
                .await
                .unwrap(),
            NotificationPreferences {
                email: true,
                needs_human: true,
                ticket_opened: false,
                delivery_failed: false,
                digest_minutes: 30,
            },
            "{}",
            browser.label
        );
        let refused = browser
            .post(
                "/settings/notifications",
                form(&[("csrf", &csrf), ("digest_minutes", "soon")]),
            )
            .await;
        assert!(
            refused
                .body
                .contains("The digest window must be a whole number"),
            "{}",
            browser.label
        );
        assert_eq!(
            browser
                .store
                .notification_preferences(admin.id)
                .await
                .unwrap()
                .digest_minutes,
            30,
            "{}: nothing saved",
            browser.label
        );
    }
}
