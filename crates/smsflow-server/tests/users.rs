//! Users in the web app: invitations (one-time, expiring links), roles and who may change whose,
//! password-reset links made by an admin, and API keys created (shown once), scoped and revoked.

mod common;

use common::browser::{self, Browser, browsers, form};
use reqwest::StatusCode;
use smsflow_server::web::accounts;
use smsflow_store::audit::{AuditAction, AuditQuery, AuditSubject};
use smsflow_store::{AdminCreation, Author, Role};

/// The value of the read-only text box `id` (a link or key shown once).
fn shown_once(body: &str, id: &str) -> String {
    let start = body
        .find(&format!("id=\"{id}\""))
        .map(|end| body[..end].rfind("<input").unwrap())
        .unwrap_or_else(|| panic!("no #{id} in {body}"));
    let input = &body[start..];
    let value = input.find("value=\"").unwrap() + "value=\"".len();
    input[value..value + input[value..].find('"').unwrap()].replace("&#x2f;", "/")
}

/// The path of a link, made on the public URL (the default, in these tests).
fn path_of(link: &str) -> String {
    link.strip_prefix("http://127.0.0.1:8080")
        .unwrap_or_else(|| panic!("{link} is not on the public URL"))
        .to_string()
}

/// Opens `link` in a fresh browser (no cookies) and chooses `password`: the answer to the form.
async fn accept(app: &mut Browser, path: &str, password: &str) -> browser::Page {
    app.cookies.clear();
    let page = app.get(path).await;
    assert_eq!(page.status, StatusCode::OK, "{}: {}", app.label, page.body);
    let csrf = page.csrf();
    app.post(
        path,
        form(&[
            ("csrf", &csrf),
            ("password", password),
            ("password_again", password),
        ]),
    )
    .await
}

#[tokio::test]
async fn an_invitation_link_works_once_and_signs_the_new_user_in_with_their_role() {
    for mut app in browsers().await {
        app.with_admin().await;
        app.sign_in().await;
        let users = app.get("/users").await;
        assert_eq!(users.status, StatusCode::OK, "{}", users.body);
        let made = app
            .post(
                "/users/invite",
                form(&[
                    ("csrf", &users.csrf()),
                    ("email", "bo@example.com"),
                    ("role", "agent"),
                ]),
            )
            .await;
        assert_eq!(made.status, StatusCode::OK, "{}", made.body);
        assert!(made.body.contains("shown only this once"), "{}", made.body);
        let link = shown_once(&made.body, "new-link");
        let path = path_of(&link);
        assert!(path.starts_with("/invite/"), "{link}");
        // The pending invitation is listed, never its link.
        let listed = app.get("/users").await;
        assert!(listed.body.contains("bo@example.com"));
        assert!(!listed.body.contains(&path), "the link is shown once");

        let joined = accept(&mut app, &path, "a long new password").await;
        assert_eq!(joined.status, StatusCode::SEE_OTHER, "{}", joined.body);
        assert!(app.cookies.contains_key("smsflow_session"));
        let home = app.get("/").await;
        assert_eq!(
            home.location.as_deref(),
            Some("/conversations"),
            "agents start in the inbox"
        );
        let editor = app.get("/workflows/new").await;
        assert_eq!(editor.status, StatusCode::FORBIDDEN);
        assert!(
            editor.body.contains("needs the admin role"),
            "{}",
            editor.body
        );

        app.cookies.clear();
        let again = app.get(&path).await;
        assert_eq!(again.status, StatusCode::NOT_FOUND, "{}", again.body);
        assert!(again.body.contains("expired or was used already"));
        let bo = app
            .store
            .admin_credentials("bo@example.com")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(bo.admin.role, Role::Agent);
        let created = app
            .store
            .list_audit(&AuditQuery {
                subject: Some(AuditSubject::Admin),
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap()
            .items;
        assert!(
            created
                .iter()
                .any(|entry| entry.action == AuditAction::Create
                    && entry.summary.contains("bo@example.com")
                    && entry.actor.as_str() == format!("admin {}", browser::EMAIL)),
            "{created:?}"
        );
    }
}

#[tokio::test]
async fn expired_invitations_do_not_open_and_taken_addresses_are_not_invited() {
    for mut app in browsers().await {
        app.with_admin().await;
        let expired = app
            .store
            .create_invite(
                "late@example.com",
                Role::Viewer,
                time::Duration::seconds(-1),
                &Author::system(),
            )
            .await
            .unwrap();
        let page = app.get(&format!("/invite/{}", expired.token)).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{}", app.label);
        assert!(app.store.list_invites().await.unwrap().is_empty());

        app.sign_in().await;
        let users = app.get("/users").await;
        let taken = app
            .post(
                "/users/invite",
                form(&[
                    ("csrf", &users.csrf()),
                    ("email", browser::EMAIL),
                    ("role", "viewer"),
                ]),
            )
            .await;
        assert_eq!(taken.status, StatusCode::BAD_REQUEST);
        assert!(
            taken.body.contains("already has an account"),
            "{}",
            taken.body
        );
    }
}

/// Signs `app` in as a new account with `role`; returns its id.
async fn signed_in_as(app: &mut Browser, email: &str, role: Role) -> uuid::Uuid {
    let admin = accounts::create_admin(
        app.store.as_ref(),
        email,
        browser::PASSWORD,
        AdminCreation::Operator(role),
    )
    .await
    .unwrap();
    app.cookies.clear();
    let login = app.get("/login").await;
    let done = app
        .post(
            "/login",
            form(&[
                ("csrf", &login.csrf()),
                ("email", email),
                ("password", browser::PASSWORD),
            ]),
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    admin.id
}

#[tokio::test]
async fn only_owners_manage_owners_and_the_last_owner_stays() {
    for mut app in browsers().await {
        app.with_admin().await; // the first account: the owner
        let owner = app
            .store
            .admin_credentials(browser::EMAIL)
            .await
            .unwrap()
            .unwrap()
            .admin;
        assert_eq!(owner.role, Role::Owner);
        let admin = signed_in_as(&mut app, "cy@example.com", Role::Admin).await;
        let users = app.get("/users").await;
        let csrf = users.csrf();
        assert!(
            !users.body.contains(r#"<option value="owner""#),
            "an admin cannot make owners"
        );
        for (path, fields) in [
            (
                format!("/users/{}/role", owner.id),
                vec![("role", "viewer")],
            ),
            (format!("/users/{}/reset-link", owner.id), vec![]),
            (format!("/users/{}/delete", owner.id), vec![]),
            (format!("/users/{admin}/role"), vec![("role", "owner")]),
        ] {
            let mut pairs = vec![("csrf", csrf.as_str())];
            pairs.extend(fields);
            let refused = app.post(&path, form(&pairs)).await;
            assert_eq!(
                refused.status,
                StatusCode::CONFLICT,
                "{path}: {}",
                refused.body
            );
            assert!(
                refused.body.contains("only an owner") || refused.body.contains("Only an owner"),
                "{}",
                refused.body
            );
        }
        let invite_owner = app
            .post(
                "/users/invite",
                form(&[
                    ("csrf", &csrf),
                    ("email", "dee@example.com"),
                    ("role", "owner"),
                ]),
            )
            .await;
        assert_eq!(invite_owner.status, StatusCode::BAD_REQUEST);
        let myself = app
            .post(&format!("/users/{admin}/delete"), form(&[("csrf", &csrf)]))
            .await;
        assert!(
            myself.body.contains("cannot remove yourself"),
            "{}",
            myself.body
        );
        assert_eq!(
            app.store.get_admin(owner.id).await.unwrap().role,
            Role::Owner
        );

        // The owner may change anyone, but not leave the app without an owner.
        app.cookies.clear();
        app.sign_in().await;
        let csrf = app.get("/users").await.csrf();
        let alone = app
            .post(
                &format!("/users/{}/role", owner.id),
                form(&[("csrf", &csrf), ("role", "admin")]),
            )
            .await;
        assert_eq!(alone.status, StatusCode::CONFLICT);
        assert!(alone.body.contains("is the only owner"), "{}", alone.body);
        let promoted = app
            .post(
                &format!("/users/{admin}/role"),
                form(&[("csrf", &csrf), ("role", "owner")]),
            )
            .await;
        assert_eq!(
            promoted.location.as_deref(),
            Some("/users?notice=role"),
            "{}",
            promoted.body
        );
        assert_eq!(app.store.get_admin(admin).await.unwrap().role, Role::Owner);
        let removed = app
            .post(&format!("/users/{admin}/delete"), form(&[("csrf", &csrf)]))
            .await;
        assert_eq!(removed.location.as_deref(), Some("/users?notice=removed"));
        assert!(app.store.get_admin(admin).await.is_err());
    }
}

#[tokio::test]
async fn an_admin_makes_a_one_time_reset_link_that_ends_the_users_sessions() {
    for mut app in browsers().await {
        app.with_admin().await;
        let agent = signed_in_as(&mut app, "di@example.com", Role::Agent).await;
        let agent_cookies = app.cookies.clone();
        app.cookies.clear();
        app.sign_in().await;
        let csrf = app.get("/users").await.csrf();
        let made = app
            .post(
                &format!("/users/{agent}/reset-link"),
                form(&[("csrf", &csrf)]),
            )
            .await;
        assert_eq!(made.status, StatusCode::OK, "{}", made.body);
        let path = path_of(&shown_once(&made.body, "new-link"));
        assert!(path.starts_with("/reset-password/"), "{path}");

        let done = accept(&mut app, &path, "another long password").await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
        let again = app.get(&path).await;
        assert_eq!(again.status, StatusCode::NOT_FOUND, "the link works once");
        // The session the agent had before is over; the new password signs in.
        app.cookies = agent_cookies;
        let old = app.get("/conversations").await;
        assert_eq!(old.status, StatusCode::SEE_OTHER, "{}", old.body);
        let credentials = app
            .store
            .admin_credentials("di@example.com")
            .await
            .unwrap()
            .unwrap();
        assert!(credentials.password_hash.starts_with("$argon2id$"));
        app.cookies.clear();
        let login = app.get("/login").await;
        let signed = app
            .post(
                "/login",
                form(&[
                    ("csrf", &login.csrf()),
                    ("email", "di@example.com"),
                    ("password", "another long password"),
                ]),
            )
            .await;
        assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.body);
    }
}

#[tokio::test]
async fn api_keys_are_made_in_the_web_app_shown_once_scoped_and_revoked() {
    for mut app in browsers().await {
        app.with_admin().await;
        app.sign_in().await;
        let page = app.get("/api-keys").await;
        assert_eq!(page.status, StatusCode::OK);
        let made = app
            .post(
                "/api-keys",
                form(&[
                    ("csrf", &page.csrf()),
                    ("name", "reports"),
                    ("scope", "read_only"),
                ]),
            )
            .await;
        assert_eq!(made.status, StatusCode::OK, "{}", made.body);
        let secret = shown_once(&made.body, "new-key");
        assert!(secret.starts_with("sfk_"), "{secret}");
        let listed = app.get("/api-keys").await;
        assert!(listed.body.contains("reports") && listed.body.contains("read-only"));
        assert!(!listed.body.contains(&secret), "the secret is shown once");

        let read = app
            .http
            .get(format!("{}/api/v1/workflows", app.base))
            .bearer_auth(&secret)
            .send()
            .await
            .unwrap();
        assert_eq!(read.status(), StatusCode::OK);
        let write = app
            .http
            .post(format!("{}/api/v1/workflows", app.base))
            .bearer_auth(&secret)
            .json(&serde_json::json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(write.status(), StatusCode::FORBIDDEN);
        let problem: serde_json::Value = write.json().await.unwrap();
        assert_eq!(problem["code"], "forbidden");
        assert!(
            problem["detail"].as_str().unwrap().contains("read-only"),
            "{problem}"
        );

        let duplicate = app
            .post(
                "/api-keys",
                form(&[
                    ("csrf", &page.csrf()),
                    ("name", "reports"),
                    ("scope", "full"),
                ]),
            )
            .await;
        assert_eq!(duplicate.status, StatusCode::BAD_REQUEST);
        assert!(
            duplicate.body.contains("already exists"),
            "{}",
            duplicate.body
        );

        let key = app.store.list_api_keys().await.unwrap().remove(0);
        let revoked = app
            .post(
                &format!("/api-keys/{}/revoke", key.id),
                form(&[("csrf", &page.csrf())]),
            )
            .await;
        assert_eq!(
            revoked.location.as_deref(),
            Some("/api-keys?notice=revoked")
        );
        let after = app
            .http
            .get(format!("{}/api/v1/workflows", app.base))
            .bearer_auth(&secret)
            .send()
            .await
            .unwrap();
        assert_eq!(after.status(), StatusCode::UNAUTHORIZED);
    }
}
