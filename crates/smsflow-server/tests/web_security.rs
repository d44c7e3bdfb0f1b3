//! The web app's security review as tests (issue 15): every page escapes what people and texters
//! wrote and carries the security headers (a content security policy without inline script, no
//! caching of signed-in pages, HSTS over HTTPS); sign-in's `next` goes to local paths only; every
//! state-changing form needs its CSRF token; API keys do not open pages and cookies do not open the
//! API.

mod common;

use common::browser::{self, Browser, form};
use reqwest::StatusCode;
use smsflow_core::WorkflowDraft;
use smsflow_core::conversation::Channel;
use smsflow_store::conversations::InboundSms;
use smsflow_store::testing;
use std::sync::Arc;

const TEXTER: &str = "+14155550199";

/// Texts `body` from the texter and processes it, as a worker would.
async fn text(app: &Browser, sid: &str, body: &str) {
    app.state
        .messaging
        .receive(&InboundSms {
            channel: Channel::Simulator,
            our_number: "+15550000000".into(),
            their_number: TEXTER.into(),
            body: body.into(),
            provider_id: Some(sid.into()),
            media_urls: Vec::new(),
            simulated: true,
        })
        .await
        .unwrap();
    while app.state.messaging.process_next_inbound().await.unwrap() {}
}

/// The README's example workflows, with markup in their names, and a ticket opened by a texter
/// whose messages are markup.
async fn markup_everywhere(app: &Browser) {
    let drafts: Vec<WorkflowDraft> =
        serde_norway::from_str(include_str!("../../../examples/workflows.yaml")).unwrap();
    for mut draft in drafts {
        draft.name = draft
            .name
            .map(|name| format!("{name} <img src=x onerror=alert(1)>"));
        app.store
            .create_workflow(&draft.validate().unwrap(), &smsflow_store::Author::system())
            .await
            .unwrap();
    }
    app.state.matchers.refresh().await.unwrap();
    text(
        app,
        "s1",
        "problem with my kitchen sink <script>alert(1)</script>",
    )
    .await;
    text(app, "s2", "Ken Adams, ken@example.com").await;
    text(app, "s3", "415-555-0199").await;
}

fn assert_safe(path: &str, response: &reqwest::Response) {
    let headers = response.headers();
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{path}: {csp}"
    );
    assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
    assert_eq!(headers["cache-control"], "no-store", "{path}");
    assert_eq!(headers["x-frame-options"], "DENY", "{path}");
    assert!(
        !headers.contains_key("strict-transport-security"),
        "{path}: no HSTS over plain HTTP"
    );
}

fn assert_escaped(path: &str, body: &str) {
    for raw in ["<script>alert", "<img src=x"] {
        assert!(!body.contains(raw), "{path} prints {raw:?} unescaped");
    }
    // Scripts come from our embedded assets only.
    for (at, _) in body.match_indices("<script") {
        assert!(
            body[at..].starts_with("<script src=\"/assets/"),
            "{path}: inline script at {at}"
        );
    }
    assert!(!body.contains(" style=\""), "{path}: inline style");
    assert!(!body.contains(" onclick="), "{path}: inline handler");
}

#[tokio::test]
async fn every_page_escapes_content_and_carries_the_security_headers() {
    for mut app in browser::browsers().await {
        app.with_admin().await;
        app.sign_in().await;
        markup_everywhere(&app).await;
        let workflow = app.store.all_workflows().await.unwrap()[0].id;
        let ticket = app.store.list_tickets(None).await.unwrap();
        assert_eq!(ticket.len(), 1, "{}: the texts opened a ticket", app.label);
        let conversation = ticket[0].conversation_id;
        let agent = app.store.list_agents().await.unwrap()[0].id;
        let mut pages = vec![
            "/workflows".to_string(),
            "/workflows/new".into(),
            format!("/workflows/{workflow}"),
            format!("/workflows/{workflow}/delete"),
            "/conversations".into(),
            format!("/conversations/{conversation}"),
            format!("/conversations/{conversation}/messages"),
            "/agents".into(),
            "/agents/new".into(),
            format!("/agents/{agent}"),
            "/tickets".into(),
            format!("/tickets/{}", ticket[0].id),
            "/collections".into(),
            "/opt-outs".into(),
            "/dashboard".into(),
        ];
        let cookie = format!("smsflow_session={}", app.cookies["smsflow_session"]);
        pages.sort();
        for path in &pages {
            let response = app
                .http
                .get(format!("{}{path}", app.base))
                .header("cookie", &cookie)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::OK, "{} {path}", app.label);
            assert_safe(path, &response);
            let body = response.text().await.unwrap();
            assert_escaped(path, &body);
        }
        let thread = app.get(&format!("/conversations/{conversation}")).await;
        assert!(
            thread
                .body
                .contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
            "the texter's words are shown, escaped"
        );
        // Signed out: the sign-in page too; assets keep their own caching.
        let login = app
            .http
            .get(format!("{}/login", app.base))
            .send()
            .await
            .unwrap();
        assert_safe("/login", &login);
        let asset = app
            .http
            .get(format!("{}/assets/app.js", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(asset.headers()["cache-control"], "public, max-age=3600");
    }
}

#[tokio::test]
async fn hsts_is_sent_when_the_public_url_is_https() {
    let app = common::spawn_with(
        Arc::new(testing::sqlite()),
        &[("SMSFLOW_PUBLIC_URL", "https://sms.example.com")],
        false,
    )
    .await;
    let login = app
        .http
        .get(format!("{}/login", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(
        login.headers()["strict-transport-security"],
        "max-age=31536000"
    );
}

#[tokio::test]
async fn sign_in_goes_on_to_local_paths_only() {
    let mut app = browser::spawn(Arc::new(testing::sqlite()), None).await;
    app.with_admin().await;
    for (next, goes_to) in [
        ("/conversations?unread=true", "/conversations?unread=true"),
        ("//evil.example", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("/\t/evil.example", "/"),
        ("evil.example", "/"),
    ] {
        app.cookies.clear();
        let login = app.get("/login").await;
        let done = app
            .post(
                "/login",
                form(&[
                    ("csrf", &login.csrf()),
                    ("email", browser::EMAIL),
                    ("password", browser::PASSWORD),
                    ("next", next),
                ]),
            )
            .await;
        assert_eq!(done.location.as_deref(), Some(goes_to), "next={next:?}");
    }
}

#[tokio::test]
async fn every_state_changing_form_needs_its_csrf_token() {
    for mut app in browser::browsers().await {
        app.with_admin().await;
        app.sign_in().await;
        let id = uuid::Uuid::now_v7();
        let forms = [
            "/logout".to_string(),
            "/workflows/new".into(),
            "/workflows/test".into(),
            "/workflows/test-set".into(),
            format!("/workflows/{id}"),
            format!("/workflows/{id}/active"),
            format!("/workflows/{id}/delete"),
            format!("/conversations/{id}/reply"),
            format!("/conversations/{id}/handoff"),
            format!("/conversations/{id}/resume"),
            "/agents/new".into(),
            format!("/agents/{id}"),
            format!("/agents/{id}/delete"),
            "/routing-rules".into(),
            format!("/routing-rules/{id}"),
            format!("/routing-rules/{id}/move"),
            format!("/routing-rules/{id}/delete"),
            format!("/tickets/{id}"),
        ];
        let csrf = app.get("/workflows").await.csrf();
        for path in &forms {
            for token in ["", "forged", &csrf[1..]] {
                let page = app
                    .post(path, form(&[("csrf", token), ("name", "x")]))
                    .await;
                assert_eq!(page.status, StatusCode::FORBIDDEN, "{path} with {token:?}");
            }
        }
        assert!(app.store.all_workflows().await.unwrap().is_empty());
        assert_eq!(app.store.list_agents().await.unwrap().len(), 1);
    }
}

#[tokio::test]
async fn api_keys_do_not_open_pages_and_cookies_do_not_open_the_api() {
    let db = Arc::new(testing::sqlite());
    let mut app = browser::spawn(db, None).await;
    app.with_admin().await;
    app.sign_in().await;
    let key = app
        .store
        .create_api_key(
            "web-test",
            smsflow_store::ApiKeyScope::Full,
            &smsflow_store::Author::system(),
        )
        .await
        .unwrap()
        .secret;
    let page = app
        .http
        .get(format!("{}/workflows", app.base))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::SEE_OTHER);
    let location = page.headers()["location"].to_str().unwrap();
    assert!(location.starts_with("/login"), "{location}");
    let cookie = format!("smsflow_session={}", app.cookies["smsflow_session"]);
    let api = app
        .http
        .get(format!("{}/api/v1/workflows", app.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), StatusCode::UNAUTHORIZED);
    let created = app
        .http
        .post(format!("{}/api/v1/workflows", app.base))
        .header("cookie", &cookie)
        .json(&serde_json::json!({"name": "x", "goal": "general_inquiry"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::UNAUTHORIZED);
    assert!(app.store.all_workflows().await.unwrap().is_empty());
}
