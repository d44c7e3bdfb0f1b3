//! Roles × routes: every web route is tried signed out and with a session of each role, and every
//! API route with a read-only and a full key; each answer must be what `web/roles.rs` (and the key's
//! scope) says. A route the router has but the table does not classify fails the test by name.

mod common;

use common::browser::{self, Browser};
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION};
use smsflow_server::web::accounts;
use smsflow_server::web::roles::{self, Access};
use smsflow_store::{AdminCreation, ApiKeyScope, Author, Role};
use std::sync::Arc;

/// A path with every `{param}` filled in with a value that names nothing (the answer may be 404,
/// never a role refusal for a role that may open it).
fn concrete(path: &str) -> String {
    path.split('/')
        .map(|segment| {
            if segment.starts_with('{') {
                "0190a000-0000-7000-8000-000000000000"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// One account per role; the first made is the owner.
async fn accounts_of_each_role(app: &Browser) -> Vec<(Role, uuid::Uuid)> {
    let mut made = Vec::new();
    for role in [Role::Owner, Role::Admin, Role::Agent, Role::Viewer] {
        let admin = accounts::create_admin(
            app.store.as_ref(),
            &format!("{role}@example.com"),
            browser::PASSWORD,
            AdminCreation::Operator(role),
        )
        .await
        .unwrap();
        assert_eq!(admin.role, role, "{}", app.label);
        made.push((role, admin.id));
    }
    made
}

struct Answer {
    status: StatusCode,
    location: Option<String>,
    body: String,
}

/// `method path`, signed in as `admin` (a new session each time: `/logout` ends one) or signed out.
async fn request(app: &Browser, method: &str, path: &str, admin: Option<uuid::Uuid>) -> Answer {
    let url = format!("{}{}", app.base, concrete(path));
    let mut request = app.http.request(method.parse().unwrap(), url);
    let mut csrf = String::new();
    if let Some(admin) = admin {
        let session = app
            .store
            .create_admin_session(admin, time::Duration::minutes(5))
            .await
            .unwrap();
        request = request.header(COOKIE, format!("smsflow_session={}", session.token));
        csrf = session.csrf_token;
    }
    if method != "GET" {
        request = request
            .header("content-type", "application/x-www-form-urlencoded")
            .body(browser::form(&[("csrf", &csrf)]));
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let location = response
        .headers()
        .get(LOCATION)
        .map(|v| v.to_str().unwrap().to_string());
    // The live inbox's event stream stays open: its status and headers are the answer.
    let streaming = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/event-stream"));
    let body = if streaming {
        String::new()
    } else {
        response.text().await.unwrap()
    };
    Answer {
        status,
        location,
        body,
    }
}

fn is_role_refusal(answer: &Answer) -> bool {
    answer.status == StatusCode::FORBIDDEN && answer.body.contains("role or higher")
}

#[tokio::test]
async fn every_web_route_is_classified_and_enforced_for_every_role() {
    for db in smsflow_store::testing::all().await {
        let app = browser::spawn(Arc::new(db), None).await;
        let users = accounts_of_each_role(&app).await;
        let owner = users[0].1;
        let mut paths = smsflow_server::web::route_paths();
        paths.sort_unstable();
        paths.dedup();
        let mut problems = Vec::new();
        for (method, path, _) in roles::ROUTES {
            if !paths.contains(path) {
                problems.push(format!(
                    "{method} {path} is in web/roles.rs ROUTES but the router has no such path: remove it"
                ));
            }
        }
        for path in &paths {
            for method in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
                let Some(access) = roles::access(&method.parse().unwrap(), path) else {
                    let answer = request(&app, method, path, Some(owner)).await;
                    if answer.status != StatusCode::METHOD_NOT_ALLOWED {
                        problems.push(format!(
                            "{method} {path} has no role: add it to ROUTES in crates/smsflow-server/src/web/roles.rs"
                        ));
                    }
                    continue;
                };
                let signed_out = request(&app, method, path, None).await;
                if signed_out.status == StatusCode::METHOD_NOT_ALLOWED {
                    problems.push(format!(
                        "{method} {path} is in web/roles.rs ROUTES but the router does not serve {method} there: remove it"
                    ));
                    continue;
                }
                match access {
                    Access::Anyone => {
                        if is_role_refusal(&signed_out) {
                            problems.push(format!("{method} {path}: refused signed out"));
                        }
                    }
                    Access::AtLeast(_) => {
                        let to_sign_in = signed_out
                            .location
                            .as_deref()
                            .is_some_and(|l| l.starts_with("/login"));
                        if !to_sign_in {
                            problems.push(format!(
                                "{method} {path}: signed out, answered {} instead of the sign-in page",
                                signed_out.status
                            ));
                        }
                    }
                }
                for (role, admin) in &users {
                    let answer = request(&app, method, path, Some(*admin)).await;
                    let allowed = match access {
                        Access::Anyone => true,
                        Access::AtLeast(needed) => *role >= needed,
                    };
                    // (A POST of the sign-in forms without their form cookie is refused as CSRF.)
                    let refused = is_role_refusal(&answer)
                        || answer.status == StatusCode::FORBIDDEN && access != Access::Anyone;
                    if allowed && refused {
                        problems.push(format!(
                            "{method} {path}: refused the {role} ({})",
                            answer.status
                        ));
                    }
                    if !allowed {
                        let Access::AtLeast(needed) = access else {
                            unreachable!()
                        };
                        if !is_role_refusal(&answer)
                            || !answer.body.contains(&format!("needs the {needed} role"))
                        {
                            problems.push(format!(
                                "{method} {path}: the {role} got {} instead of the 403 page naming the {needed} role",
                                answer.status
                            ));
                        }
                    }
                }
            }
        }
        assert!(
            problems.is_empty(),
            "{}: {} problem(s):\n{}",
            app.label,
            problems.len(),
            problems.join("\n")
        );
    }
}

#[test]
fn viewers_change_nothing_and_only_admins_reach_workflows_users_and_keys() {
    for (method, path, access) in roles::ROUTES {
        // Signing out and choosing one's own notifications change nothing of the business's.
        if *method == "POST" && !["/logout", "/settings/notifications"].contains(path) {
            assert_ne!(
                *access,
                Access::AtLeast(Role::Viewer),
                "{method} {path}: a viewer changes nothing"
            );
        }
        let admin_area = [
            "/workflows",
            "/agents",
            "/routing-rules",
            "/audit",
            "/users",
            "/api-keys",
        ]
        .iter()
        .any(|area| path.starts_with(area));
        if admin_area {
            assert_eq!(*access, Access::AtLeast(Role::Admin), "{method} {path}");
        }
    }
}

#[tokio::test]
async fn the_403_page_keeps_the_navigation_and_pages_show_only_what_the_role_may_use() {
    for db in smsflow_store::testing::all().await {
        let app = browser::spawn(Arc::new(db), None).await;
        let users = accounts_of_each_role(&app).await;
        let agent = users[2].1;
        let page = request(&app, "GET", "/workflows/new", Some(agent)).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{}", app.label);
        assert!(page.body.contains("Not allowed"), "{}", page.body);
        assert!(
            page.body
                .contains("This needs the admin role or higher; you are signed in as an agent"),
            "{}",
            page.body
        );
        assert!(
            page.body.contains(r#"href="/conversations""#),
            "{}",
            page.body
        );
        assert!(!page.body.contains(r#"href="/workflows""#), "{}", page.body);
        assert!(!page.body.contains(r#"href="/agents""#), "{}", page.body);
        assert!(!page.body.contains(r#"href="/audit""#), "{}", page.body);
        // The first page of an agent is the inbox; of an admin, the workflows.
        let home = request(&app, "GET", "/", Some(agent)).await;
        assert_eq!(home.location.as_deref(), Some("/conversations"));
        let home = request(&app, "GET", "/", Some(users[1].1)).await;
        assert_eq!(home.location.as_deref(), Some("/workflows"));
        // A viewer reads a thread without the reply box or take-over; an agent has both.
        let conversation = app.text("+15550001111", "hello").await;
        let thread = format!("/conversations/{conversation}");
        let viewer = request(&app, "GET", &thread, Some(users[3].1)).await;
        assert_eq!(viewer.status, StatusCode::OK, "{}", viewer.body);
        assert!(!viewer.body.contains("/reply\""), "{}", viewer.body);
        assert!(!viewer.body.contains("Take over"), "{}", viewer.body);
        assert!(viewer.body.contains("replying needs the agent role"));
        let agent_thread = request(&app, "GET", &thread, Some(agent)).await;
        assert!(agent_thread.body.contains(&format!("{thread}/reply\"")));
        assert!(agent_thread.body.contains("Take over"));
        let inbox = request(&app, "GET", "/conversations", Some(users[1].1)).await;
        assert!(
            inbox.body.contains(r#"href="/workflows""#),
            "{}",
            inbox.body
        );
        assert!(inbox.body.contains(r#"href="/audit""#), "{}", inbox.body);
    }
}

#[tokio::test]
async fn read_only_api_keys_send_gets_only_on_every_api_route() {
    for db in smsflow_store::testing::all().await {
        let app = browser::spawn(Arc::new(db), None).await;
        let mut keys = Vec::new();
        for scope in [ApiKeyScope::ReadOnly, ApiKeyScope::Full] {
            let key = app
                .store
                .create_api_key(&format!("{scope}"), scope, &Author::system())
                .await
                .unwrap();
            keys.push((scope, key.secret));
        }
        let document = smsflow_server::openapi();
        let mut routes: Vec<(String, String)> = vec![
            ("GET".into(), "/metrics".into()),
            ("GET".into(), "/api/v1/openapi.json".into()),
        ];
        for (path, item) in &document.paths.paths {
            let methods = [
                ("GET", item.get.is_some()),
                ("POST", item.post.is_some()),
                ("PUT", item.put.is_some()),
                ("PATCH", item.patch.is_some()),
                ("DELETE", item.delete.is_some()),
            ];
            for (method, present) in methods {
                if present {
                    routes.push((method.into(), format!("/api/v1{path}")));
                }
            }
        }
        assert!(routes.len() > 40, "{routes:?}");
        let mut problems = Vec::new();
        for (method, path) in &routes {
            for (scope, secret) in &keys {
                let response = app
                    .http
                    .request(
                        method.parse().unwrap(),
                        format!("{}{}", app.base, concrete(path)),
                    )
                    .bearer_auth(secret)
                    .json(&serde_json::json!({}))
                    .send()
                    .await
                    .unwrap();
                let status = response.status();
                let body = response.text().await.unwrap();
                let refused = status == StatusCode::FORBIDDEN;
                let should_refuse = *scope == ApiKeyScope::ReadOnly && method != "GET";
                if refused != should_refuse {
                    problems.push(format!(
                        "{method} {path} with a {scope} key: {status} {body}"
                    ));
                } else if refused && !body.contains("need a key with full access") {
                    problems.push(format!(
                        "{method} {path}: the 403 does not say what is needed: {body}"
                    ));
                }
            }
        }
        assert!(
            problems.is_empty(),
            "{}:\n{}",
            app.label,
            problems.join("\n")
        );
    }
}
