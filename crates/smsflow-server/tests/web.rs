//! The web app over HTTP: a real server on a random loopback port, against a fresh SQLite file and
//! (when configured) a fresh PostgreSQL database. A tiny cookie jar stands in for the browser so
//! every cookie and redirect is visible to the assertions.

mod common;

use common::browser::*;
use reqwest::StatusCode;
use smsflow_server::web::CookiePolicy;
use smsflow_store::testing;
use std::sync::Arc;

#[tokio::test]
async fn the_setup_page_creates_the_first_admin_once() {
    for mut app in browsers().await {
        let root = app.get("/").await;
        assert_eq!(root.location.as_deref(), Some("/login"));
        let list = app.get("/workflows").await;
        assert_eq!(list.status, StatusCode::SEE_OTHER);
        assert_eq!(list.location.as_deref(), Some("/login?next=%2Fworkflows"));
        let login = app.get("/login").await;
        assert_eq!(
            login.location.as_deref(),
            Some("/setup"),
            "{}: no admin yet",
            app.label
        );

        let setup = app.get("/setup").await;
        assert_eq!(setup.status, StatusCode::OK);
        let token = setup.csrf();
        assert_eq!(
            app.cookies.get("smsflow_form"),
            Some(&token),
            "double-submit token"
        );
        assert!(setup.set_cookies[0].contains("HttpOnly; SameSite=Strict"));

        // Without the token, or with another one, nothing is created.
        let forged = app
            .post(
                "/setup",
                form(&[
                    ("email", EMAIL),
                    ("password", PASSWORD),
                    ("password_again", PASSWORD),
                ]),
            )
            .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN, "{}", app.label);
        let wrong = app
            .post(
                "/setup",
                form(&[
                    ("csrf", "x".repeat(43).as_str()),
                    ("email", EMAIL),
                    ("password", PASSWORD),
                    ("password_again", PASSWORD),
                ]),
            )
            .await;
        assert_eq!(wrong.status, StatusCode::FORBIDDEN);
        assert_eq!(app.store.count_admins().await.unwrap(), 0);

        let weak = app
            .post(
                "/setup",
                form(&[
                    ("csrf", &token),
                    ("email", EMAIL),
                    ("password", "short"),
                    ("password_again", "short"),
                ]),
            )
            .await;
        assert_eq!(weak.status, StatusCode::BAD_REQUEST);
        assert!(
            weak.body.contains("at least 10 characters"),
            "{}",
            weak.body
        );
        assert!(
            weak.body.contains(&format!("value=\"{EMAIL}\"")),
            "the email typed is kept"
        );

        let done = app
            .post(
                "/setup",
                form(&[
                    ("csrf", &token),
                    ("email", EMAIL),
                    ("password", PASSWORD),
                    ("password_again", PASSWORD),
                ]),
            )
            .await;
        assert_eq!(
            done.status,
            StatusCode::SEE_OTHER,
            "{}: {}",
            app.label,
            done.body
        );
        // A new installation goes on to the first-run guide.
        assert_eq!(done.location.as_deref(), Some("/start"));
        let session_cookie = done
            .set_cookies
            .iter()
            .find(|c| c.starts_with("smsflow_session="))
            .expect("a session cookie");
        assert!(
            session_cookie.contains("; HttpOnly; SameSite=Lax"),
            "{session_cookie}"
        );
        assert!(!session_cookie.contains("Secure"), "plain http: no Secure");

        let list = app.get("/workflows").await;
        assert_eq!(list.status, StatusCode::OK, "{}", app.label);
        assert!(list.body.contains(EMAIL));
        assert_eq!(
            app.get("/setup").await.location.as_deref(),
            Some("/login"),
            "setup is one-time"
        );
        assert_eq!(app.store.count_admins().await.unwrap(), 1);
    }
}

#[tokio::test]
async fn sign_in_csrf_and_logout() {
    for mut app in browsers().await {
        app.with_admin().await;
        let login = app.get("/login?next=/workflows/new").await;
        let csrf = login.csrf();
        assert_eq!(
            hidden(&login.body, "next").as_deref(),
            Some("/workflows/new")
        );
        let wrong = app
            .post(
                "/login",
                form(&[
                    ("csrf", &csrf),
                    ("email", EMAIL),
                    ("password", "wrong password!"),
                ]),
            )
            .await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{}", app.label);
        assert!(wrong.body.contains("Wrong email or password"));
        assert!(!app.cookies.contains_key("smsflow_session"));
        let unknown = app
            .post(
                "/login",
                form(&[
                    ("csrf", &csrf),
                    ("email", "eve@example.com"),
                    ("password", PASSWORD),
                ]),
            )
            .await;
        assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
        let no_token = app
            .post("/login", form(&[("email", EMAIL), ("password", PASSWORD)]))
            .await;
        assert_eq!(
            no_token.status,
            StatusCode::FORBIDDEN,
            "login forms need their token too"
        );

        let signed_in = app
            .post(
                "/login",
                form(&[
                    ("csrf", &csrf),
                    ("email", "ADA@example.com"),
                    ("password", PASSWORD),
                    ("next", "/workflows/new"),
                ]),
            )
            .await;
        assert_eq!(
            signed_in.location.as_deref(),
            Some("/workflows/new"),
            "{}",
            app.label
        );
        let first_session = app.cookies["smsflow_session"].clone();

        // Every POST of a signed-in session needs the session's token.
        let page = app.get("/workflows/new").await;
        assert_eq!(page.status, StatusCode::OK);
        let csrf = page.csrf();
        let workflow = |csrf: &str| {
            form(&[
                ("csrf", csrf),
                ("name", "Leads"),
                ("goal", "lead_capture"),
                ("action", "save"),
            ])
        };
        assert_eq!(
            app.post("/workflows/new", workflow("")).await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            app.post("/workflows/new", workflow(&csrf[1..]))
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        assert!(
            app.store.all_workflows().await.unwrap().is_empty(),
            "{}: refused forms change nothing",
            app.label
        );
        let created = app.post("/workflows/new", workflow(&csrf)).await;
        assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
        assert_eq!(app.store.all_workflows().await.unwrap().len(), 1);

        // Signing in again starts a new session (never the old token).
        let again = app.get("/login").await;
        assert_eq!(again.location.as_deref(), Some("/"), "already signed in");
        app.cookies.remove("smsflow_session");
        let login = app.get("/login").await;
        app.cookies
            .insert("smsflow_session".into(), first_session.clone());
        app.post(
            "/login",
            form(&[
                ("csrf", &login.csrf()),
                ("email", EMAIL),
                ("password", PASSWORD),
            ]),
        )
        .await;
        assert_ne!(app.cookies["smsflow_session"], first_session);
        assert!(
            app.store
                .admin_session(&first_session)
                .await
                .unwrap()
                .is_none(),
            "the old session ended"
        );

        // Logout needs the token, ends the session in the database and clears the cookie.
        let token = app.cookies["smsflow_session"].clone();
        assert_eq!(
            app.post("/logout", String::new()).await.status,
            StatusCode::FORBIDDEN
        );
        let csrf = app.get("/workflows").await.csrf();
        let out = app.post("/logout", form(&[("csrf", &csrf)])).await;
        assert_eq!(out.location.as_deref(), Some("/login?signed_out=true"));
        assert!(
            out.set_cookies
                .iter()
                .any(|c| c.starts_with("smsflow_session=;") && c.contains("Max-Age=0"))
        );
        assert!(app.store.admin_session(&token).await.unwrap().is_none());
        app.cookies.insert("smsflow_session".into(), token);
        assert_eq!(
            app.get("/workflows").await.status,
            StatusCode::SEE_OTHER,
            "a stolen old cookie is worthless"
        );
        app.cookies
            .insert("smsflow_session".into(), "made-up".into());
        assert_eq!(
            app.get("/workflows/new").await.status,
            StatusCode::SEE_OTHER
        );
        // Signed out, an htmx request is told to navigate to the sign-in page.
        let htmx = app
            .post_htmx(
                "/workflows/test",
                form(&[("csrf", &csrf), ("message", "hi")]),
            )
            .await;
        assert_eq!(htmx.status, StatusCode::OK);
        assert_eq!(htmx.hx_redirect.as_deref(), Some("/login"));
        assert!(htmx.body.is_empty());
    }
}

#[tokio::test]
async fn cookies_are_secure_when_the_public_url_is_https() {
    let db = Arc::new(testing::sqlite());
    let mut app = spawn(
        db,
        Some(CookiePolicy::for_public_url("https://sms.example.com")),
    )
    .await;
    app.with_admin().await;
    let login = app.get("/login").await;
    assert!(
        login.set_cookies[0].ends_with("; Secure"),
        "{:?}",
        login.set_cookies
    );
    let done = app.sign_in().await;
    let session = done
        .set_cookies
        .iter()
        .find(|c| c.starts_with("smsflow_session="))
        .unwrap();
    assert!(
        session.ends_with("HttpOnly; SameSite=Lax; Secure"),
        "{session}"
    );
}

/// The fields of a workflow form with three steps; `link` is the booking step's link.
fn three_step_form(csrf: &str, name: &str, link: &str, version: Option<i64>) -> String {
    let version = version.map(|v| v.to_string()).unwrap_or_default();
    let mut pairs: Vec<(&str, &str)> = vec![
        ("csrf", csrf),
        ("name", name),
        ("goal", "lead_capture"),
        (
            "context",
            "You are a helpful sales assistant.\r\nAsk for a name.",
        ),
        ("priority", "20"),
        ("keywords", "ballpark"),
        ("active", "on"),
        ("action", "save"),
    ];
    if !version.is_empty() {
        pairs.push(("version", &version));
    }
    for (kind, field, value) in [
        ("extract_information", "step_fields", "name, email"),
        ("book_appointment", "step_link", link),
        ("save_to_database", "step_table", "leads"),
    ] {
        pairs.push(("step_type", kind));
        for name in [
            "step_fields",
            "step_template",
            "step_priority",
            "step_link",
            "step_table",
        ] {
            pairs.push((name, if name == field { value } else { "" }));
        }
    }
    form(&pairs)
}

#[tokio::test]
async fn workflows_are_created_validated_edited_tested_and_deleted() {
    for mut app in browsers().await {
        app.with_admin().await;
        app.sign_in().await;
        let csrf = app.get("/workflows").await.csrf();

        // A mistake comes back next to its field, with everything typed still there.
        let invalid = app
            .post(
                "/workflows/new",
                three_step_form(&csrf, "Leads", "calendly.com/acme", None),
            )
            .await;
        assert_eq!(
            invalid.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            app.label
        );
        assert!(
            invalid.body.contains("id=\"s1-link-error\""),
            "{}",
            invalid.body
        );
        assert!(invalid.body.contains("must be an absolute http(s) URL"));
        assert!(
            invalid.body.contains("href=\"#s1-link\""),
            "the summary links to the field"
        );
        assert!(invalid.body.contains("value=\"calendly.com/acme\""));
        assert!(
            invalid
                .body
                .contains("You are a helpful sales assistant.\nAsk for a name.</textarea>")
        );
        assert!(invalid.body.contains("value=\"leads\""));
        assert!(app.store.all_workflows().await.unwrap().is_empty());

        let created = app
            .post(
                "/workflows/new",
                three_step_form(&csrf, "Leads", "https://calendly.com/acme", None),
            )
            .await;
        assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
        let workflow = app
            .store
            .find_workflow_by_name("Leads")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(workflow.spec.steps.len(), 3);
        assert_eq!(
            workflow.spec.context,
            "You are a helpful sales assistant.\nAsk for a name."
        );
        let list = app.get(created.location.as_deref().unwrap()).await;
        assert!(list.body.contains("Created “Leads”."), "{}", list.body);
        assert!(list.body.contains("routing rules"));
        assert!(list.body.contains("aria-checked=\"true\""));

        // Names are unique, reported on the name field.
        let duplicate = app
            .post(
                "/workflows/new",
                three_step_form(&csrf, "LEADS", "https://calendly.com/acme", None),
            )
            .await;
        assert_eq!(duplicate.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(duplicate.body.contains("id=\"f-name-error\""));

        // Search and goal filter.
        let found = app.get("/workflows?q=lea&goal=lead_capture").await;
        assert!(found.body.contains(">Leads</a>"));
        let none = app.get("/workflows?goal=help_desk_support").await;
        assert!(!none.body.contains(">Leads</a>"));
        assert!(none.body.contains("No workflow matches these filters."));

        // Editing: the form shows the stored workflow and its version.
        let edit = app.get(&format!("/workflows/{}", workflow.id)).await;
        assert_eq!(hidden(&edit.body, "version").as_deref(), Some("1"));
        assert!(edit.body.contains("value=\"https://calendly.com/acme\""));
        let id_path = format!("/workflows/{}", workflow.id);
        let saved = app
            .post(
                &id_path,
                three_step_form(&csrf, "Leads", "https://calendly.com/acme/intro", Some(1)),
            )
            .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);

        // A stale save (someone saved version 2 meanwhile) says so and keeps what was typed.
        let stale = app
            .post(
                &id_path,
                three_step_form(&csrf, "Leads renamed", "https://calendly.com/x", Some(1)),
            )
            .await;
        assert_eq!(stale.status, StatusCode::CONFLICT, "{}", app.label);
        assert!(stale.body.contains("someone else changed this workflow"));
        assert!(stale.body.contains("value=\"Leads renamed\""));
        assert_eq!(hidden(&stale.body, "version").as_deref(), Some("2"));
        assert_eq!(
            app.store
                .get_workflow(workflow.id)
                .await
                .unwrap()
                .spec
                .name
                .as_str(),
            "Leads"
        );

        // The steps editor reorders without saving.
        let mut moved = three_step_form(&csrf, "Leads", "https://calendly.com/acme", Some(2));
        moved = moved.replace("action=save", "action=up%3A2");
        let reordered = app.post(&id_path, moved).await;
        assert_eq!(reordered.status, StatusCode::OK);
        let table = reordered.body.find("Save to database</span>").unwrap();
        let booking = reordered.body.find("Book appointment</span>").unwrap();
        assert!(table < booking, "step 3 moved above step 2");
        assert_eq!(
            app.store.get_workflow(workflow.id).await.unwrap().version,
            2
        );

        // The active toggle.
        let off = app
            .post(
                &format!("{id_path}/active"),
                form(&[
                    ("csrf", &csrf),
                    ("active", "false"),
                    ("back", "/workflows?goal=lead_capture"),
                ]),
            )
            .await;
        assert_eq!(off.status, StatusCode::SEE_OTHER);
        assert!(
            off.location
                .unwrap()
                .starts_with("/workflows?goal=lead_capture&notice=deactivated")
        );
        assert!(
            !app.store
                .get_workflow(workflow.id)
                .await
                .unwrap()
                .spec
                .active
        );

        // The test panel: the winner and every candidate, without sending anything.
        let inactive = app
            .post_htmx(
                "/workflows/test",
                form(&[("csrf", &csrf), ("message", "can I get a quote?")]),
            )
            .await;
        assert!(
            inactive.body.contains("No workflow matches"),
            "{}",
            inactive.body
        );
        assert!(
            !inactive.body.contains("<html"),
            "htmx gets the result only"
        );
        let tested = app
            .post_htmx(
                "/workflows/test",
                form(&[
                    ("csrf", &csrf),
                    ("message", "can I get a quote?"),
                    ("include_inactive", "on"),
                    ("from", "+15550001111"),
                ]),
            )
            .await;
        assert!(
            tested.body.contains("Winner: <strong>Leads</strong>"),
            "{}",
            tested.body
        );
        assert!(
            tested
                .body
                .contains("matched the goal keyword &quot;quote&quot;")
                || tested
                    .body
                    .contains("matched the goal keyword &#34;quote&#34;"),
            "{}",
            tested.body
        );
        let reply = tested
            .body
            .split("id=\"test-reply\"")
            .nth(1)
            .expect("the agent's reply is previewed");
        assert!(
            reply.contains("<q>") && reply.contains("name"),
            "the reply asks for the first field the workflow extracts: {reply}"
        );
        let conversations = app
            .store
            .list_conversations(&smsflow_store::conversations::ConversationQuery {
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        assert!(
            conversations.items.is_empty(),
            "a preview stores and sends nothing"
        );
        let bad_number = app
            .post(
                "/workflows/test",
                form(&[("csrf", &csrf), ("message", "hi"), ("from", "555")]),
            )
            .await;
        assert_eq!(bad_number.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad_number.body.contains("E.164"));
        let set = app
            .post_htmx(
                "/workflows/test-set",
                form(&[
                    ("csrf", &csrf),
                    ("include_inactive", "on"),
                    ("messages", "quote please\r\n\r\nhello there\nballpark?"),
                ]),
            )
            .await;
        assert!(
            set.body.contains("3 messages: Leads 2, (no workflow) 1."),
            "{}",
            set.body
        );
        assert!(
            !app.store
                .get_workflow(workflow.id)
                .await
                .unwrap()
                .spec
                .active,
            "testing changes nothing"
        );

        // Delete, with confirmation and the version it was shown at.
        let confirm = app.get(&format!("{id_path}/delete")).await;
        assert!(confirm.body.contains("Delete “Leads”?"));
        let version = hidden(&confirm.body, "version").unwrap();
        let stale_delete = app
            .post(
                &format!("{id_path}/delete"),
                form(&[("csrf", &csrf), ("version", "1")]),
            )
            .await;
        assert_eq!(stale_delete.status, StatusCode::CONFLICT);
        let deleted = app
            .post(
                &format!("{id_path}/delete"),
                form(&[("csrf", &csrf), ("version", &version)]),
            )
            .await;
        assert_eq!(deleted.status, StatusCode::SEE_OTHER, "{}", deleted.body);
        assert!(
            app.store.all_workflows().await.unwrap().is_empty(),
            "{}",
            app.label
        );
        assert_eq!(app.get(&id_path).await.status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn pages_escape_what_people_type() {
    let mut app = spawn(Arc::new(testing::sqlite()), None).await;
    app.with_admin().await;
    app.sign_in().await;
    let csrf = app.get("/workflows").await.csrf();
    let created = app
        .post(
            "/workflows/new",
            three_step_form(
                &csrf,
                "<script>alert(1)</script>",
                "https://calendly.com/a",
                None,
            ),
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER);
    let list = app.get("/workflows").await;
    assert!(!list.body.contains("<script>alert(1)"));
    assert!(
        list.body
            .contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
        "{}",
        list.body
    );
    let headers = app
        .http
        .get(format!("{}/login", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(headers.headers()["x-frame-options"], "DENY");
    assert_eq!(headers.headers()["x-content-type-options"], "nosniff");
    let css = app.get("/assets/app.css").await;
    assert_eq!(css.status, StatusCode::OK);
    let htmx = app.get("/assets/htmx.min.js").await;
    assert!(htmx.body.contains("htmx"));
}

#[tokio::test]
async fn missing_pages_say_so_with_the_navigation() {
    let mut app = spawn(Arc::new(testing::sqlite()), None).await;
    let signed_out = app.get("/nope").await;
    assert_eq!(signed_out.status, StatusCode::NOT_FOUND);
    assert!(
        signed_out.body.contains("There is no page at this address"),
        "{}",
        signed_out.body
    );
    assert!(
        !signed_out.body.contains("<nav aria-label=\"Main\">"),
        "no navigation before sign-in"
    );

    app.with_admin().await;
    app.sign_in().await;
    for path in [
        "/nope",
        "/workflows/0195f2a4-0000-7000-8000-000000000000",
        "/conversations/0195f2a4-0000-7000-8000-000000000000",
    ] {
        let page = app.get(path).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
        assert!(
            page.body.contains("<h1>Not found</h1>"),
            "{path}: {}",
            page.body
        );
        assert!(
            page.body.contains("<nav aria-label=\"Main\">"),
            "{path}: {}",
            page.body
        );
        assert!(page.body.contains("Sign out"), "{path}: {}", page.body);
    }
}

#[tokio::test]
async fn repeated_wrong_passwords_are_refused_for_a_while() {
    let mut app = spawn(Arc::new(testing::sqlite()), None).await;
    app.with_admin().await;
    let csrf = app.get("/login").await.csrf();
    let attempt = |password: &'static str| {
        form(&[
            ("csrf", &csrf),
            ("email", "ADA@example.com"),
            ("password", password),
        ])
    };
    for _ in 0..5 {
        let wrong = app.post("/login", attempt("wrong password!")).await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    }
    // Refused before the password is checked: the right one is refused too.
    let limited = app.post("/login", attempt(PASSWORD)).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = limited
        .body
        .split("Too many failed sign-in attempts. Try again in ")
        .nth(1)
        .and_then(|rest| rest.split(" s.").next())
        .and_then(|seconds| seconds.parse().ok())
        .unwrap_or_else(|| panic!("no wait in {}", limited.body));
    assert!(
        (1..=900).contains(&wait),
        "at most the 15-minute window: {wait} s"
    );
    assert!(!app.cookies.contains_key("smsflow_session"));
}

#[tokio::test]
async fn the_dashboard_shows_a_workflows_figures_with_charts_and_tables() {
    for mut app in browsers().await {
        app.with_admin().await;
        app.sign_in().await;
        let empty = app.get("/dashboard").await;
        assert_eq!(empty.status, StatusCode::OK);
        assert!(empty.body.contains("No workflows yet"), "{}", empty.body);

        let csrf = app.get("/workflows").await.csrf();
        let created = app
            .post(
                "/workflows/new",
                three_step_form(&csrf, "Lead capture", "https://calendly.com/a", None),
            )
            .await;
        assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", app.label);
        let page = app.get("/dashboard").await;
        assert_eq!(page.status, StatusCode::OK, "{}: {}", app.label, page.body);
        assert!(
            page.body.contains("<option value=\"")
                && page.body.contains("selected>Lead capture</option>")
        );
        assert!(page.body.contains("<dd id=\"messages-matched\">0</dd>"));
        assert!(
            page.body
                .contains("<title id=\"chart-matched-svg-title\">Messages matched per day</title>")
        );
        assert!(
            page.body
                .contains("0 messages matched; at most 0 in a day.")
        );
        assert_eq!(
            page.body.matches("<td data-label=\"Day\">").count(),
            8,
            "a row per day touched"
        );
        assert!(
            page.body.contains("Booking link sent"),
            "the workflow books: its funnel has the stage"
        );
        assert!(
            !page.body.contains("Ticket opened"),
            "and has no ticket stage"
        );
        assert!(
            page.body
                .contains("href=\"/dashboard\" aria-current=\"page\"")
        );

        let reversed = app.get("/dashboard?from=2026-03-05&to=2026-03-01").await;
        assert_eq!(reversed.status, StatusCode::BAD_REQUEST);
        assert!(
            reversed
                .body
                .contains("id=\"from-error\">`from` must be before `to`"),
            "{}",
            reversed.body
        );
        assert!(
            reversed.body.contains("value=\"2026-03-05\""),
            "what was typed is kept"
        );

        let list = app.get("/workflows").await;
        assert!(list.body.contains("<span class=\"muted\">never</span>"));
    }
}

#[tokio::test]
async fn a_workflow_is_assigned_an_agent_from_a_dropdown_and_listed_with_its_name() {
    const SEEDED: &str = "01000000-0000-7000-8000-000000000001";
    for mut app in browsers().await {
        app.with_admin().await;
        app.sign_in().await;
        let new = app.get("/workflows/new").await;
        assert!(
            new.body
                .contains("<option value=\"\" selected>Use routing rules</option>")
                && new
                    .body
                    .contains(&format!("<option value=\"{SEEDED}\">SMS agent</option>")),
            "{}: the dropdown offers routing rules and every agent",
            app.label
        );
        let mut body = three_step_form(&new.csrf(), "Assigned", "https://calendly.com/a", None);
        body.push_str(&format!("&agent_id={SEEDED}"));
        let created = app.post("/workflows/new", body).await;
        assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", app.label);
        let list = app.get("/workflows").await;
        assert!(
            list.body.contains("<a href=\"/agents\">SMS agent</a>"),
            "{}: the list names the agent",
            app.label
        );
        let workflow = app
            .store
            .list_workflows(&Default::default())
            .await
            .unwrap()
            .items
            .remove(0);
        let edit = app.get(&format!("/workflows/{}", workflow.id)).await;
        assert!(
            edit.body.contains(&format!(
                "<option value=\"{SEEDED}\" selected>SMS agent</option>"
            )),
            "{}: the editor shows the assigned agent selected",
            app.label
        );
    }
}

/// A workflow with every field set to something other than its default, as the API or a YAML import
/// may store it. A struct literal on purpose: a new field does not compile until this test sets it.
fn workflow_with_every_field(agent_id: uuid::Uuid) -> smsflow_core::WorkflowSpec {
    use smsflow_core::workflow::{StepDraft, WorkflowDraft};
    let steps = [
        r#"{"type": "extract_information", "fields": ["name", "email"]}"#,
        r#"{"type": "send_response", "template": {"en": "Thanks {{name}}, \"we'll\" <call> you & more", "es": "Gracias {{name}} & más"}}"#,
        r#"{"type": "create_support_ticket", "priority": "urgent"}"#,
        r#"{"type": "book_appointment", "link": "https://calendly.com/acme/intro?a=1&b=2"}"#,
        r#"{"type": "save_to_database", "table": "leads"}"#,
    ]
    .map(|json| serde_json::from_str::<StepDraft>(json).unwrap());
    let draft = WorkflowDraft {
        name: Some("Every field <&>".into()),
        goal: Some("appointment_booking".into()),
        context: Some("You book visits.\nBe brief & kind: \"no\" jargon.".into()),
        response_template: Some(smsflow_core::TextDraft::PerLanguage(
            [
                ("en", "Hi {{name}}, pick a time: <link>"),
                ("es", "Hola {{name}}, elija una hora: <link>"),
            ]
            .map(|(language, text)| (language.to_string(), text.to_string()))
            .into(),
        )),
        priority: Some(-7),
        agent_id: Some(agent_id),
        active: Some(true),
        keywords: Some(vec!["walk-in".into(), "same day".into()]),
        examples: Some(vec![
            "can you see me today, it hurts".into(),
            "need to move my 3pm, something came up".into(),
            "¿puedo ir el sábado?".into(),
        ]),
        sensitivity: Some("strict".into()),
        disabled_keywords: Some(vec!["book".into(), "cita".into()]),
        disabled_examples: Some(vec![
            "can I book an appointment".into(),
            "quiero hacer una cita".into(),
            // A labelled text: the form lists only the written examples and those turned off.
            smsflow_core::labelled::labelled_examples(smsflow_core::Goal::AppointmentBooking)[0]
                .into(),
        ]),
        steps: Some(steps.to_vec()),
        follow_up: Some(smsflow_core::AutoFollowUp {
            after_hours: 30,
            template: serde_json::from_value(serde_json::json!({
                "en": "Still there? \"Reply\" <here> & we'll pick up",
                "es": "¿Sigue ahí? Responda & seguimos"
            }))
            .unwrap(),
        }),
        ..WorkflowDraft::default()
    };
    let spec = draft.validate().unwrap();
    smsflow_core::WorkflowSpec {
        name: spec.name,
        goal: spec.goal,
        context: spec.context,
        response_template: spec.response_template,
        priority: spec.priority,
        agent_id: spec.agent_id,
        active: spec.active,
        keywords: spec.keywords,
        examples: spec.examples,
        sensitivity: spec.sensitivity,
        disabled_keywords: spec.disabled_keywords,
        disabled_examples: spec.disabled_examples,
        steps: spec.steps,
        follow_up: spec.follow_up,
    }
}

#[tokio::test]
async fn every_field_of_a_workflow_survives_a_save_through_the_web_form() {
    const SEEDED_AGENT: &str = "01000000-0000-7000-8000-000000000001";
    for mut app in browsers().await {
        app.with_admin().await;
        app.sign_in().await;
        let spec = workflow_with_every_field(uuid::Uuid::parse_str(SEEDED_AGENT).unwrap());
        let stored = app
            .store
            .create_workflow(&spec, &smsflow_store::Author::system())
            .await
            .unwrap();
        let path = format!("/workflows/{}", stored.id);
        let edit = app.get(&path).await;
        assert_eq!(edit.status, StatusCode::OK, "{}", app.label);
        // Exactly what a browser sends when Save is pressed without changing anything.
        let saved = app.post(&path, submitted_form(&edit.body, &path)).await;
        assert_eq!(
            saved.status,
            StatusCode::SEE_OTHER,
            "{}: {}",
            app.label,
            saved.body
        );
        let after = app.store.get_workflow(stored.id).await.unwrap();
        assert_eq!(after.version, stored.version + 1, "{}", app.label);
        assert_eq!(after.spec, spec, "{}: a field changed on save", app.label);

        // The follow-up page saves the same workflow: unchanged too.
        let follow_up_path = format!("{path}/follow-up");
        let follow_up = app.get(&follow_up_path).await;
        let saved = app
            .post(
                &follow_up_path,
                submitted_form(&follow_up.body, &follow_up_path),
            )
            .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", app.label);
        let after = app.store.get_workflow(stored.id).await.unwrap();
        assert_eq!(after.version, stored.version + 2, "{}", app.label);
        assert_eq!(
            after.spec, spec,
            "{}: a field changed on the follow-up page",
            app.label
        );

        // "Test matching" on the editor tests the form as it is, unsaved: htmx sends the editor's
        // fields along with the message.
        let edit = app.get(&path).await;
        assert!(edit.body.contains("name=\"draft_of\""), "{}", app.label);
        let changed = submitted_form(&edit.body, &path)
            .replace("keywords=walk-in%2C+same+day", "keywords=zebra+crossing");
        let tested = app
            .post_htmx(
                "/workflows/test",
                format!(
                    "{changed}&{}",
                    form(&[
                        ("message", "zebra crossing please"),
                        ("draft", "on"),
                        ("draft_of", &stored.id.to_string()),
                    ])
                ),
            )
            .await;
        assert!(
            tested
                .body
                .contains("Winner: <strong>Every field &#60;&#38;&#62;</strong>"),
            "{}: {} {}",
            app.label,
            tested.status,
            tested.body
        );
        let saved_only = app
            .post_htmx(
                "/workflows/test",
                form(&[("csrf", &edit.csrf()), ("message", "zebra crossing please")]),
            )
            .await;
        assert!(
            saved_only.body.contains("No workflow matches"),
            "{}: the saved workflow has no such keyword: {}",
            app.label,
            saved_only.body
        );
        assert_eq!(
            app.store.get_workflow(stored.id).await.unwrap().spec,
            spec,
            "testing saves nothing"
        );
    }
}

#[tokio::test]
async fn saving_the_form_keeps_examples_set_through_the_api() {
    for mut app in browsers().await {
        app.with_admin().await;
        app.sign_in().await;
        let new = app.get("/workflows/new").await;
        let body = three_step_form(&new.csrf(), "Examples kept", "https://calendly.com/a", None);
        assert_eq!(
            app.post("/workflows/new", body).await.status,
            StatusCode::SEE_OTHER
        );
        let workflow = app
            .store
            .list_workflows(&Default::default())
            .await
            .unwrap()
            .items
            .remove(0);
        let mut spec = workflow.spec.clone();
        spec.examples = vec!["what would you charge for a team of 12?".into()];
        let with_examples = app
            .store
            .update_workflow(
                workflow.id,
                &spec,
                Some(workflow.version),
                &smsflow_store::Author::system(),
            )
            .await
            .unwrap();
        let edit = app.get(&format!("/workflows/{}", workflow.id)).await;
        let body = three_step_form(
            &edit.csrf(),
            "Examples kept",
            "https://calendly.com/b",
            Some(with_examples.version),
        );
        let saved = app.post(&format!("/workflows/{}", workflow.id), body).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", app.label);
        let stored = app.store.get_workflow(workflow.id).await.unwrap();
        assert_eq!(
            stored.spec.examples, spec.examples,
            "{}: the editor's save kept the examples",
            app.label
        );
    }
}

/// The first-run guide's starters: with `publish_requires_tests` the workflows go to the draft (the
/// live set stays as it was), and a second use adds nothing twice.
#[tokio::test]
async fn a_starter_goes_to_the_draft_when_publishing_requires_tests() {
    for db in testing::all().await {
        let mut app = spawn_configured(
            Arc::new(db),
            None,
            &[("SMSFLOW_PUBLISH_REQUIRES_TESTS", "true")],
        )
        .await;
        app.with_admin().await;
        app.sign_in().await;
        let guide = app.get("/start").await;
        assert_eq!(guide.status, StatusCode::OK, "{}", app.label);
        assert!(guide.body.contains("0 of 4 done."), "{}", guide.body);
        let csrf = guide.csrf();
        let used = app
            .post(
                "/start/starter",
                form(&[("csrf", &csrf), ("starter", "saas")]),
            )
            .await;
        assert_eq!(
            used.status,
            StatusCode::SEE_OTHER,
            "{}: {}",
            app.label,
            used.body
        );
        assert!(
            used.location
                .as_deref()
                .unwrap()
                .contains("Saved+to+the+draft"),
            "{:?}",
            used.location
        );
        assert!(
            app.store.all_workflows().await.unwrap().is_empty(),
            "nothing goes live untested"
        );
        let draft = app.store.get_draft().await.unwrap().expect("a draft");
        let mut names: Vec<_> = draft
            .workflows
            .iter()
            .map(|w| w.spec.name.to_string())
            .collect();
        names.sort();
        assert_eq!(names, ["Demo request", "Everything else", "Support"]);

        let again = app
            .post(
                "/start/starter",
                form(&[("csrf", &csrf), ("starter", "saas")]),
            )
            .await;
        assert!(
            again.location.as_deref().unwrap().contains("there+already"),
            "{:?}",
            again.location
        );
        assert_eq!(
            app.store
                .get_draft()
                .await
                .unwrap()
                .unwrap()
                .workflows
                .len(),
            3
        );
        let unknown = app
            .post(
                "/start/starter",
                form(&[("csrf", &csrf), ("starter", "zoo")]),
            )
            .await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{}", app.label);
    }
}
