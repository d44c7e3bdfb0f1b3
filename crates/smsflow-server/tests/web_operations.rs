//! The web app's operational pages over HTTP (inbox, agents and routing rules, tickets,
//! collections, opt-outs), on SQLite and (when configured) PostgreSQL: what a person sees and does,
//! and that every page needs a signed-in admin and every form the session's CSRF token.

mod common;

use common::browser::*;
use reqwest::StatusCode;
use smsflow_core::conversation::{Author, ConversationStatus, TicketStatus};
use smsflow_store::conversations::ConversationQuery;
use uuid::Uuid;

const PHONE: &str = "+15551230001";

/// The value of the first `name="..."` attribute in a page (HTML-escaped `&amp;` undone).
fn attribute(body: &str, name: &str) -> String {
    let marker = format!("{name}=\"");
    let start = body
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in {body}"))
        + marker.len();
    let end = body[start..].find('"').unwrap();
    body[start..start + end].replace("&amp;", "&")
}

/// Every operational page and form, with something real behind each id.
async fn scene(app: &mut Browser) -> (Uuid, String, Uuid) {
    app.workflow(serde_json::json!({
        "name": "Support desk", "goal": "help_desk_support", "active": true,
        "steps": [{"type": "create_support_ticket", "priority": "high"},
                  {"type": "save_to_database", "table": "callbacks"}]
    }))
    .await;
    let conversation = app.text(PHONE, "my order is broken, please help").await;
    let ticket = app.store.list_tickets(None).await.unwrap().remove(0);
    let agent = app.store.default_agent().await.unwrap();
    (conversation, ticket.number, agent.id)
}

#[tokio::test]
async fn every_operational_page_needs_sign_in_and_every_form_the_csrf_token() {
    for mut app in browsers().await {
        app.with_admin().await;
        let (conversation, ticket, agent) = scene(&mut app).await;
        let rule = app
            .store
            .create_routing_rule(
                10,
                agent,
                &Default::default(),
                &smsflow_store::Author::system(),
            )
            .await
            .unwrap()
            .id;
        let pages = [
            "/conversations".to_string(),
            format!("/conversations/{conversation}"),
            format!("/conversations/{conversation}/messages"),
            "/agents".into(),
            "/agents/new".into(),
            format!("/agents/{agent}"),
            "/tickets".into(),
            format!("/tickets/{ticket}"),
            "/collections".into(),
            "/collections/callbacks".into(),
            "/collections/callbacks/export.csv".into(),
            "/opt-outs".into(),
            "/opt-outs.csv".into(),
            format!("/routing-rules/{rule}"),
        ];
        for page in &pages {
            let signed_out = app.get(page).await;
            assert_eq!(signed_out.status, StatusCode::SEE_OTHER, "{page}");
            assert!(
                signed_out
                    .location
                    .as_deref()
                    .unwrap()
                    .starts_with("/login?next="),
                "{page}"
            );
        }
        // The open thread's polling, signed out, is told to go to the sign-in page.
        let poll = app
            .http
            .get(format!(
                "{}/conversations/{conversation}/messages",
                app.base
            ))
            .header("hx-request", "true");
        let polled = app.send(poll).await;
        assert_eq!(polled.hx_redirect.as_deref(), Some("/login"));
        let forms = [
            (
                format!("/conversations/{conversation}/reply"),
                vec![("body", "hi")],
            ),
            (format!("/conversations/{conversation}/handoff"), vec![]),
            ("/agents/new".into(), vec![("name", "Sneaky")]),
            (format!("/agents/{agent}/delete"), vec![]),
            ("/routing-rules".into(), vec![("agent_id", "x")]),
            (format!("/routing-rules/{rule}"), vec![("days", "1")]),
            (format!("/tickets/{ticket}"), vec![("status", "solved")]),
        ];
        for (path, fields) in &forms {
            let signed_out = app.post(path, form(fields)).await;
            assert_eq!(signed_out.location.as_deref(), Some("/login"), "{path}");
        }
        let home = app.sign_in().await;
        assert_eq!(home.status, StatusCode::SEE_OTHER);
        for page in &pages {
            let signed_in = app.get(page).await;
            assert_eq!(signed_in.status, StatusCode::OK, "{}: {page}", app.label);
        }
        for (path, fields) in &forms {
            let forged = app.post(path, form(fields)).await;
            assert_eq!(forged.status, StatusCode::FORBIDDEN, "{path}");
        }
        // Nothing the refused forms asked for happened.
        let messages = app.store.conversation_messages(conversation).await.unwrap();
        assert!(messages.iter().all(|m| m.author != Author::Human));
        let state = app.store.get_conversation(conversation).await.unwrap();
        assert_eq!(state.status, ConversationStatus::Agent);
        assert_eq!(app.store.list_agents().await.unwrap().len(), 1);
        let rules = app.store.list_routing_rules().await.unwrap();
        assert_eq!((rules.len(), rules[0].conditions.days.len()), (1, 0));
        let ticket = app.store.get_ticket(&ticket).await.unwrap();
        assert_eq!(ticket.status, TicketStatus::Open, "{}", app.label);
    }
}

#[tokio::test]
async fn a_person_reads_a_thread_replies_takes_over_and_hands_back() {
    for mut app in browsers().await {
        app.with_admin().await;
        let (conversation, _, _) = scene(&mut app).await;
        app.text("+15551230002", "STOP").await;
        app.sign_in().await;

        let unread = app.get("/conversations?show=unread").await;
        assert!(unread.body.contains(PHONE), "{}", app.label);
        assert!(unread.body.contains("1 unread"));
        let opted_out = app.get("/conversations?show=opted_out").await;
        assert!(opted_out.body.contains("+15551230002") && !opted_out.body.contains(PHONE));
        let searched = app.get("/conversations?q=%2B15551230002").await;
        assert!(searched.body.contains("+15551230002") && !searched.body.contains(PHONE));

        let thread = app.get(&format!("/conversations/{conversation}")).await;
        assert_eq!(thread.status, StatusCode::OK);
        for shown in [
            "my order is broken, please help",
            "Workflow: Support desk",
            "Agent: SMS agent (default)",
            "Backend: builtin",
            "1 segment",
            "gsm7",
            "queued",
            "Create support ticket (high)",
            "Save to database: callbacks",
            "every 10s, refresh",
        ] {
            assert!(
                thread.body.contains(shown),
                "{}: {shown:?} in {}",
                app.label,
                thread.body
            );
        }
        // Opening it read it.
        let unread = app.get("/conversations?show=unread").await;
        assert!(!unread.body.contains(PHONE), "{}", app.label);
        let read = app.store.get_conversation(conversation).await.unwrap();
        assert!(read.last_read_at.is_some());

        // The open thread polls with the version it shows: nothing new, nothing to swap.
        let poll = attribute(&thread.body, "hx-get");
        assert_eq!(app.get(&poll).await.status, StatusCode::NO_CONTENT);
        // A new message shows in the polled list, and the run beside it is swapped too.
        app.text(PHONE, "any news?").await;
        let polled = app.get(&poll).await;
        assert_eq!(polled.status, StatusCode::OK);
        assert!(polled.body.contains("any news?") && !polled.body.contains("<html"));
        assert!(
            polled
                .body
                .contains("id=\"run\" aria-label=\"Workflow run\" hx-swap-oob=\"true\"")
        );
        let next = attribute(&polled.body, "hx-get");
        assert_ne!(next, poll);
        assert_eq!(app.get(&next).await.status, StatusCode::NO_CONTENT);

        let csrf = thread.csrf();
        let empty = app
            .post(
                &format!("/conversations/{conversation}/reply"),
                form(&[("csrf", &csrf), ("body", "  ")]),
            )
            .await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(empty.body.contains("must not be empty"));

        let taken = app
            .post(
                &format!("/conversations/{conversation}/handoff"),
                form(&[("csrf", &csrf)]),
            )
            .await;
        assert_eq!(
            taken.location,
            Some(format!("/conversations/{conversation}?notice=human"))
        );
        let human = app.get("/conversations?show=human").await;
        assert!(human.body.contains(PHONE) && human.body.contains("needs a human"));
        let sent = app
            .post(
                &format!("/conversations/{conversation}/reply"),
                form(&[("csrf", &csrf), ("body", "Hi, Grace from support here.")]),
            )
            .await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER);
        let by_hand = app.get(&format!("/conversations/{conversation}")).await;
        assert!(by_hand.body.contains("You (by hand)"));
        assert!(by_hand.body.contains("Hand back to the agent"));
        let messages = app.store.conversation_messages(conversation).await.unwrap();
        assert!(
            messages
                .iter()
                .any(|m| m.author == Author::Human && m.body == "Hi, Grace from support here.")
        );

        app.post(
            &format!("/conversations/{conversation}/resume"),
            form(&[("csrf", &csrf)]),
        )
        .await;
        let back = app.store.get_conversation(conversation).await.unwrap();
        assert_eq!(back.status, ConversationStatus::Agent, "{}", app.label);

        // Nothing can be sent to a number that opted out: said next to the box.
        let stopped = app
            .store
            .list_conversations(&ConversationQuery {
                opted_out: Some(true),
                limit: 1,
                ..ConversationQuery::default()
            })
            .await
            .unwrap()
            .items
            .remove(0);
        let refused = app
            .post(
                &format!("/conversations/{}/reply", stopped.id),
                form(&[("csrf", &csrf), ("body", "come back")]),
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.body.contains("opted out"));
        let stopped_thread = app.get(&format!("/conversations/{}", stopped.id)).await;
        assert!(
            !stopped_thread.body.contains("<textarea id=\"f-body\"")
                && stopped_thread.body.contains("until they text START"),
            "no reply box on an opted-out thread: {}",
            stopped_thread.body
        );

        // The counter under the reply box counts what will be sent: "—" costs nothing extra in
        // GSM-7, and an emoji keeps the message in UCS-2 with the dash as typed.
        let long = "word ".repeat(40);
        for (body, counted) in [
            (
                "See you at 5 \u{2014} great",
                ">20 characters · 1 SMS segment</p>",
            ),
            (
                "See you at 5 \u{2014} great \u{1F600}",
                ">22 characters · 1 SMS segment · emoji",
            ),
            (long.as_str(), ">200 characters · 2 SMS segments</p>"),
        ] {
            let count = app
                .post(
                    &format!("/conversations/{conversation}/segments"),
                    form(&[("csrf", &csrf), ("body", body)]),
                )
                .await;
            assert!(count.body.contains(counted), "{body}: {}", count.body);
        }
    }
}

#[tokio::test]
async fn agents_and_routing_rules_follow_the_api_rules() {
    for mut app in browsers().await {
        app.with_admin().await;
        app.sign_in().await;
        let page = app.get("/agents/new").await;
        let csrf = page.csrf();
        let agent = |name: &str, segments: &str| {
            form(&[
                ("csrf", &csrf),
                ("name", name),
                ("persona", "Calm and brief."),
                ("backend", "builtin"),
                ("max_segments", segments),
            ])
        };
        let bad = app.post("/agents/new", agent("Night desk", "twelve")).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.body.contains("f-max_segments-error") && bad.body.contains("Night desk"));
        let made = app.post("/agents/new", agent("Night desk", "2")).await;
        assert_eq!(made.location.as_deref(), Some("/agents?notice=created"));
        let taken = app.post("/agents/new", agent("Night desk", "2")).await;
        assert!(
            taken.status == StatusCode::CONFLICT && taken.body.contains("f-name-error"),
            "{}: {}",
            app.label,
            taken.body
        );

        let default = app.store.default_agent().await.unwrap();
        let refused = app
            .post(
                &format!("/agents/{}/delete", default.id),
                form(&[("csrf", &csrf)]),
            )
            .await;
        assert_eq!(refused.status, StatusCode::CONFLICT);
        assert!(
            refused
                .body
                .contains("Not deleted: this is the default SMS agent")
        );

        let night = app
            .store
            .list_agents()
            .await
            .unwrap()
            .into_iter()
            .find(|a| a.spec.name == "Night desk")
            .unwrap();
        let night_id = night.id.to_string();
        let late = app
            .post(
                "/routing-rules",
                form(&[
                    ("csrf", &csrf),
                    ("agent_id", &night_id),
                    ("time_from", "25:00"),
                    ("time_to", "08:00"),
                    ("timezone", "Mars/Olympus"),
                ]),
            )
            .await;
        assert_eq!(late.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(late.body.contains("e-time_from") && late.body.contains("e-timezone"));
        assert!(
            late.body.contains("value=\"Mars/Olympus\""),
            "kept as typed"
        );
        for (field, value) in [("from_prefixes", "+1415"), ("days", "6")] {
            let added = app
                .post(
                    "/routing-rules",
                    form(&[("csrf", &csrf), ("agent_id", &night_id), (field, value)]),
                )
                .await;
            assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
        }
        let rules = app.store.list_routing_rules().await.unwrap();
        assert_eq!(rules[0].conditions.from_prefixes, ["+1415"]);
        assert_eq!(rules[1].conditions.days, [6]);
        app.post(
            &format!("/routing-rules/{}/move", rules[1].id),
            form(&[("csrf", &csrf), ("direction", "up")]),
        )
        .await;
        let moved = app.store.list_routing_rules().await.unwrap();
        assert_eq!(
            (moved[0].id, moved[1].id),
            (rules[1].id, rules[0].id),
            "{}",
            app.label
        );
        let listed = app.get("/agents").await;
        assert!(
            listed
                .body
                .contains("Night desk</strong> when on Sat (UTC)")
        );

        // Editing a rule: its form holds what it has; a mistake is shown next to its field.
        let rule = format!("/routing-rules/{}", rules[1].id);
        let edit = app.get(&rule).await;
        assert!(edit.body.contains("Edit routing rule 1"));
        assert!(edit.body.contains("name=\"days\" value=\"6\" checked"));
        let wrong = app
            .post(
                &rule,
                form(&[
                    ("csrf", &csrf),
                    ("agent_id", &night_id),
                    ("days", "6"),
                    ("timezone", "Nowhere/Else"),
                ]),
            )
            .await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(wrong.body.contains("e-timezone") && wrong.body.contains("value=\"Nowhere/Else\""));
        let saved = app
            .post(
                &rule,
                form(&[
                    ("csrf", &csrf),
                    ("agent_id", &night_id),
                    ("days", "6"),
                    ("days", "7"),
                    ("timezone", "Europe/Paris"),
                ]),
            )
            .await;
        assert_eq!(
            saved.location.as_deref(),
            Some("/agents?notice=rule_saved#rules")
        );
        let edited = &app.store.list_routing_rules().await.unwrap()[0];
        assert_eq!(
            (edited.id, &edited.conditions.days),
            (rules[1].id, &vec![6, 7])
        );
        assert_eq!(edited.conditions.timezone.as_deref(), Some("Europe/Paris"));

        // An agent a rule uses cannot be deleted; once its rules are gone, it can.
        let in_use = app
            .post(
                &format!("/agents/{night_id}/delete"),
                form(&[("csrf", &csrf)]),
            )
            .await;
        assert!(in_use.body.contains("routing rules use this agent"));
        for rule in &moved {
            app.post(
                &format!("/routing-rules/{}/delete", rule.id),
                form(&[("csrf", &csrf)]),
            )
            .await;
        }
        // Delete in the list asks first, on a page of its own (works without JavaScript).
        let list = app.get("/agents").await;
        assert!(
            list.body
                .contains(&format!("href=\"/agents/{night_id}/delete\"")),
            "{}",
            list.body
        );
        let confirm = app.get(&format!("/agents/{night_id}/delete")).await;
        assert_eq!(confirm.status, StatusCode::OK);
        assert!(
            confirm.body.contains("Delete the agent"),
            "{}",
            confirm.body
        );
        let deleted = app
            .post(
                &format!("/agents/{night_id}/delete"),
                form(&[("csrf", &csrf)]),
            )
            .await;
        assert_eq!(deleted.location.as_deref(), Some("/agents?notice=deleted"));
        assert_eq!(app.store.list_agents().await.unwrap().len(), 1);
    }
}

#[tokio::test]
async fn tickets_collections_and_opt_outs() {
    for mut app in browsers().await {
        app.with_admin().await;
        let (_, ticket, _) = scene(&mut app).await;
        app.text("+15551230002", "STOP").await;
        app.sign_in().await;

        let open = app.get("/tickets?status=open").await;
        assert!(open.body.contains(&ticket), "{}", app.label);
        let page = app.get(&format!("/tickets/{ticket}")).await;
        let csrf = page.csrf();
        let too_long = "x".repeat(101);
        let bad = app
            .post(
                &format!("/tickets/{ticket}"),
                form(&[
                    ("csrf", &csrf),
                    ("status", "solved"),
                    ("assignee", &too_long),
                ]),
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.body.contains("f-assignee-error"));
        let saved = app
            .post(
                &format!("/tickets/{ticket}"),
                form(&[("csrf", &csrf), ("status", "solved"), ("assignee", "Grace")]),
            )
            .await;
        assert_eq!(saved.location, Some(format!("/tickets/{ticket}?saved=1")));
        let stored = app.store.get_ticket(&ticket).await.unwrap();
        assert_eq!(
            (stored.status, stored.assignee.as_deref()),
            (TicketStatus::Solved, Some("Grace"))
        );
        assert!(!app.get("/tickets?status=open").await.body.contains(&ticket));
        assert!(
            app.get("/tickets?status=solved")
                .await
                .body
                .contains(&ticket)
        );

        let collections = app.get("/collections").await;
        assert!(
            collections
                .body
                .contains("/collections/callbacks/export.csv")
        );
        let records = app.get("/collections/callbacks").await;
        assert!(records.body.contains(PHONE));
        let csv = app.get("/collections/callbacks/export.csv").await;
        assert!(csv.body.starts_with("created_at,sender\n"), "{}", csv.body);
        assert!(csv.body.contains(PHONE));
        assert_eq!(
            app.get("/collections/no-such!").await.status,
            StatusCode::NOT_FOUND
        );

        let opt_outs = app.get("/opt-outs").await;
        assert!(opt_outs.body.contains("+15551230002") && opt_outs.body.contains("STOP"));
        let csv = app.get("/opt-outs.csv").await;
        assert!(
            csv.body
                .starts_with("number,keyword,opted_out_at\n+15551230002,STOP,")
        );
    }
}
