//! The live inbox over HTTP, on SQLite and (when configured) PostgreSQL: a signed-in page hears
//! which conversation changed through Server-Sent Events; the list searches any part of a number,
//! a name or a message; the unread count is in the navigation and the tab title; the thread shows
//! the list beside it; the list alone is served for the live page to swap in.

mod common;

use common::browser::*;
use reqwest::StatusCode;
use reqwest::header::COOKIE;
use smsflow_store::contacts::ContactUpdate;

/// Reads the event stream until `wanted` has been seen in it; gives up (failing) after 30 s so
/// a broken stream fails the test instead of hanging it.
async fn read_until(response: &mut reqwest::Response, wanted: &[String]) -> String {
    let mut seen = String::new();
    let read = async {
        while !wanted.iter().all(|w| seen.contains(w.as_str())) {
            let chunk = response
                .chunk()
                .await
                .unwrap()
                .expect("the stream stays open");
            seen.push_str(&String::from_utf8_lossy(&chunk));
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(30), read)
        .await
        .unwrap_or_else(|_| panic!("never streamed {wanted:?}: {seen}"));
    seen
}

#[tokio::test]
async fn a_signed_in_page_hears_which_conversation_changed() {
    for mut app in browsers().await {
        app.with_admin().await;
        let signed_out = app.get("/conversations/events").await;
        assert_eq!(signed_out.status, StatusCode::SEE_OTHER, "{}", app.label);
        app.sign_in().await;
        let cookies = app
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let mut stream = app
            .http
            .get(format!("{}/conversations/events", app.base))
            .header(COOKIE, cookies)
            .send()
            .await
            .unwrap();
        assert_eq!(stream.status(), StatusCode::OK);
        assert_eq!(
            stream.headers()["content-type"].to_str().unwrap(),
            "text/event-stream"
        );
        let conversation = app.text("+15550102030", "Are you open on Saturday?").await;
        let heard = read_until(
            &mut stream,
            &[format!(
                "event: message\ndata: {{\"conversation_id\":\"{conversation}\"}}"
            )],
        )
        .await;
        assert!(
            !heard.contains("Saturday"),
            "only ids are streamed: {heard}"
        );
        // Reading it is news too (the unread count changes on every open page).
        assert_eq!(
            app.get(&format!("/conversations/{conversation}"))
                .await
                .status,
            StatusCode::OK
        );
        read_until(
            &mut stream,
            &[format!(
                "event: conversation\ndata: {{\"conversation_id\":\"{conversation}\"}}"
            )],
        )
        .await;
        // When the process stops, the stream ends rather than hold up the shutdown.
        app.state.messaging.inbox.stop();
        let ended = async { while stream.chunk().await.unwrap().is_some() {} };
        tokio::time::timeout(std::time::Duration::from_secs(30), ended)
            .await
            .expect("the stream ends when the process stops");
    }
}

#[tokio::test]
async fn the_inbox_searches_counts_unread_and_shows_the_list_beside_the_thread() {
    for mut app in browsers().await {
        app.with_admin().await;
        let clinic = app
            .text("+15550102030", "Is the clinic open on Saturday?")
            .await;
        app.text("+15550107777", "My kitchen sink is leaking").await;
        app.text("+15559990000", "hello").await;
        app.store
            .update_contact(
                "+15559990000",
                &ContactUpdate {
                    name: Some(Some("María López".into())),
                    ..ContactUpdate::default()
                },
            )
            .await
            .unwrap();
        app.sign_in().await;
        let label = app.label;

        let all = app.get("/conversations").await;
        assert!(
            all.body.contains("<title>(3) Inbox"),
            "{label}: {}",
            all.body
        );
        assert!(
            all.body.contains("id=\"nav-unread\" data-count=\"3\""),
            "{label}"
        );
        // Names from the contact record; times in the business zone (UTC here) with UTC on hover.
        assert!(all.body.contains("<strong>María López</strong>"), "{label}");
        assert!(all.body.contains("title=\"20"), "{label}");
        for (search, shown, hidden) in [
            ("q=555-0102", "+15550102030", "+15550107777"),
            ("q=KITCHEN", "+15550107777", "+15550102030"),
            ("q=l%C3%B3pez", "+15559990000", "+15550102030"),
        ] {
            let page = app.get(&format!("/conversations?{search}")).await;
            assert!(
                page.body.contains(shown) && !page.body.contains(hidden),
                "{label}: {search}: {}",
                page.body
            );
        }
        let short = app.get("/conversations?q=ab").await;
        assert!(
            short.body.contains("search for at least 3 characters"),
            "{label}"
        );

        // The thread keeps the list (and its filters) beside it, the open one marked.
        let thread = app
            .get(&format!("/conversations/{clinic}?show=all&q=555"))
            .await;
        assert!(
            thread.body.contains(&format!(
                "href=\"/conversations/{clinic}?q=555\" aria-current=\"page\""
            )),
            "{label}: {}",
            thread.body
        );
        assert!(thread.body.contains("Is the clinic open on Saturday?"));
        assert!(
            thread.body.contains("<title>(2) "),
            "{label}: read once opened"
        );

        // Opening it read it: the list alone, as the live page fetches it, says so out of band.
        let fragment = app.get("/conversations/list?show=all&q=").await;
        assert_eq!(fragment.status, StatusCode::OK);
        assert!(!fragment.body.contains("<html"), "{label}");
        assert!(
            fragment
                .body
                .contains("id=\"nav-unread\" data-count=\"2\" hx-swap-oob=\"true\""),
            "{label}: {}",
            fragment.body
        );
        assert!(fragment.body.contains("data-unread=\"2\""), "{label}");
        let unread = app.get("/conversations?show=unread").await;
        assert!(!unread.body.contains("+15550102030"), "{label}");
        assert!(unread.body.contains("<title>(2) Inbox"), "{label}");
    }
}
