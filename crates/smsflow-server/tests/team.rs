//! Working as a team in the inbox over HTTP, on SQLite and (when configured) PostgreSQL: a hand
//! reply takes the conversation over (unless sent as a note to the agent's conversation) and
//! hand back returns it; assignment and the "Mine" / "Unassigned" filters; internal notes never
//! sent; canned replies with their variables filled; suggest mode's drafts (nothing leaves until
//! approved, a newer text redrafts, edit, discard, expiry hands off).

mod common;

use common::browser::*;
use reqwest::StatusCode;
use smsflow_core::conversation::{Author, ConversationStatus, Direction, MessageStatus};
use smsflow_store::contacts::ContactUpdate;
use smsflow_store::conversations::Message;
use smsflow_store::team::NoteKind;
use smsflow_store::{AdminCreation, Store};
use uuid::Uuid;

const PHONE: &str = "+15551230001";
const OTHER_PHONE: &str = "+15551230002";

/// A signed-in admin and a workflow that answers every text.
async fn front_desk(app: &mut Browser) {
    app.with_admin().await;
    app.sign_in().await;
    app.workflow(serde_json::json!({
        "name": "Front desk", "goal": "general_inquiry", "active": true,
        "response_template": "Thanks for your message, we will get back to you."
    }))
    .await;
}

async fn messages(store: &dyn Store, conversation: Uuid) -> Vec<Message> {
    store.conversation_messages(conversation).await.unwrap()
}

/// The agent's replies (sent, queued or drafted) in the conversation.
async fn agent_replies(store: &dyn Store, conversation: Uuid) -> Vec<Message> {
    messages(store, conversation)
        .await
        .into_iter()
        .filter(|m| m.direction == Direction::Outbound && m.author == Author::Agent)
        .collect()
}

/// The CSRF token of the conversation's thread page.
async fn thread_csrf(app: &mut Browser, conversation: Uuid) -> String {
    app.get(&format!("/conversations/{conversation}"))
        .await
        .csrf()
}

#[tokio::test]
async fn a_hand_reply_takes_over_until_handed_back_unless_sent_as_a_note_to_the_agent() {
    for mut app in browsers().await {
        front_desk(&mut app).await;
        let conversation = app.text(PHONE, "hello, is anyone there?").await;
        let store = app.store.clone();
        assert_eq!(agent_replies(store.as_ref(), conversation).await.len(), 1);

        let csrf = thread_csrf(&mut app, conversation).await;
        let thread = app.get(&format!("/conversations/{conversation}")).await;
        assert!(
            thread.body.contains("Send as a note to the agent"),
            "{}",
            app.label
        );
        let sent = app
            .post(
                &format!("/conversations/{conversation}/reply"),
                form(&[("csrf", &csrf), ("body", "Hi, Grace from the desk here.")]),
            )
            .await;
        assert_eq!(
            sent.location,
            Some(format!("/conversations/{conversation}?notice=took_over")),
            "{}",
            app.label
        );
        let taken = store.get_conversation(conversation).await.unwrap();
        assert_eq!(taken.status, ConversationStatus::Human, "{}", app.label);

        // The texter's next text gets no agent reply; the thread says why and who took over.
        app.text(PHONE, "great, can I come at 3?").await;
        assert_eq!(
            agent_replies(store.as_ref(), conversation).await.len(),
            1,
            "{}: the agent stayed silent",
            app.label
        );
        let shown = app
            .get(&format!("/conversations/{conversation}?notice=took_over"))
            .await;
        for text in [
            "You have taken over",
            "replied by hand, so took the conversation over",
            EMAIL,
            "none: a human has taken over this conversation",
            "Hand back to the agent",
        ] {
            assert!(
                shown.body.contains(text),
                "{}: {text:?} in {}",
                app.label,
                shown.body
            );
        }

        // Hand back: the agent answers the next text again, and the thread records it.
        app.post(
            &format!("/conversations/{conversation}/resume"),
            form(&[("csrf", &csrf)]),
        )
        .await;
        assert_eq!(
            store.get_conversation(conversation).await.unwrap().status,
            ConversationStatus::Agent
        );
        app.text(PHONE, "thanks!").await;
        assert_eq!(
            agent_replies(store.as_ref(), conversation).await.len(),
            2,
            "{}",
            app.label
        );
        let notes = store.conversation_notes(conversation).await.unwrap();
        let kinds: Vec<NoteKind> = notes.iter().map(|n| n.kind).collect();
        assert_eq!(kinds, [NoteKind::TookOver, NoteKind::HandedBack]);
        assert!(notes.iter().all(|n| n.author.as_deref() == Some(EMAIL)));

        // Sent as a note to the agent's conversation: it goes out and the agent keeps answering.
        let kept = app
            .post(
                &format!("/conversations/{conversation}/reply"),
                form(&[
                    ("csrf", &csrf),
                    ("body", "Adding: bring your insurance card."),
                    ("keep_agent", "true"),
                ]),
            )
            .await;
        assert_eq!(
            kept.location,
            Some(format!("/conversations/{conversation}?notice=sent"))
        );
        assert_eq!(
            store.get_conversation(conversation).await.unwrap().status,
            ConversationStatus::Agent,
            "{}",
            app.label
        );
        assert!(
            messages(store.as_ref(), conversation)
                .await
                .iter()
                .any(|m| m.author == Author::Human
                    && m.body == "Adding: bring your insurance card."
                    && m.status == MessageStatus::Queued)
        );
        app.text(PHONE, "ok will do").await;
        assert_eq!(
            agent_replies(store.as_ref(), conversation).await.len(),
            3,
            "{}",
            app.label
        );
    }
}

#[tokio::test]
async fn conversations_are_assigned_and_filtered_and_notes_are_never_sent() {
    for mut app in browsers().await {
        front_desk(&mut app).await;
        let colleague = smsflow_server::web::accounts::create_admin(
            app.store.as_ref(),
            "linus@example.com",
            PASSWORD,
            AdminCreation::Operator(smsflow_store::Role::Agent),
        )
        .await
        .unwrap();
        let mine = app.text(PHONE, "hello").await;
        let theirs = app.text(OTHER_PHONE, "hi there").await;
        let store = app.store.clone();
        let me = store
            .list_admins()
            .await
            .unwrap()
            .into_iter()
            .find(|admin| admin.email == EMAIL)
            .unwrap();
        let csrf = thread_csrf(&mut app, mine).await;

        // Nobody is assigned yet: both are unassigned, neither is mine.
        let unassigned = app.get("/conversations?show=unassigned").await;
        assert!(unassigned.body.contains(PHONE) && unassigned.body.contains(OTHER_PHONE));
        let nothing = app.get("/conversations?show=mine").await;
        assert!(!nothing.body.contains(PHONE) && !nothing.body.contains(OTHER_PHONE));

        let assigned = app
            .post(
                &format!("/conversations/{mine}/assign"),
                form(&[("csrf", &csrf), ("assignee", &me.id.to_string())]),
            )
            .await;
        assert_eq!(
            assigned.location,
            Some(format!("/conversations/{mine}?notice=assigned"))
        );
        app.post(
            &format!("/conversations/{theirs}/assign"),
            form(&[("csrf", &csrf), ("assignee", &colleague.id.to_string())]),
        )
        .await;
        let mine_page = app.get("/conversations?show=mine").await;
        assert!(
            mine_page.body.contains(PHONE) && !mine_page.body.contains(OTHER_PHONE),
            "{}: {}",
            app.label,
            mine_page.body
        );
        let unassigned = app.get("/conversations?show=unassigned").await;
        assert!(!unassigned.body.contains(PHONE) && !unassigned.body.contains(OTHER_PHONE));
        assert_eq!(store.assignee(theirs).await.unwrap(), Some(colleague));
        let thread = app.get(&format!("/conversations/{mine}")).await;
        assert!(thread.body.contains(&format!("assigned to {EMAIL}")));
        assert!(
            thread
                .body
                .contains(&format!("<option value=\"{}\" selected>", me.id)),
            "{}",
            thread.body
        );

        // Unassigned again.
        app.post(
            &format!("/conversations/{mine}/assign"),
            form(&[("csrf", &csrf), ("assignee", "")]),
        )
        .await;
        assert_eq!(store.assignee(mine).await.unwrap(), None);
        let unassigned = app.get("/conversations?show=unassigned").await;
        assert!(unassigned.body.contains(PHONE));

        // An internal note shows in the thread and is never queued to the texter.
        let before = messages(store.as_ref(), mine).await.len();
        let noted = app
            .post(
                &format!("/conversations/{mine}/notes"),
                form(&[("csrf", &csrf), ("note", "Called them back, voicemail.")]),
            )
            .await;
        assert_eq!(
            noted.location,
            Some(format!("/conversations/{mine}?notice=note"))
        );
        let after = messages(store.as_ref(), mine).await;
        assert_eq!(
            after.len(),
            before,
            "{}: a note is not a message",
            app.label
        );
        assert!(!after.iter().any(|m| m.body.contains("voicemail")));
        assert!(
            store
                .claim_outbound(time::Duration::seconds(60), 100)
                .await
                .unwrap()
                .iter()
                .all(|job| !job.message.body.contains("voicemail"))
        );
        let thread = app.get(&format!("/conversations/{mine}")).await;
        assert!(thread.body.contains("Called them back, voicemail."));
        let empty = app
            .post(
                &format!("/conversations/{mine}/notes"),
                form(&[("csrf", &csrf), ("note", "  ")]),
            )
            .await;
        assert_eq!(empty.status, StatusCode::CONFLICT);
        assert!(empty.body.contains("1 to 4000 characters"));
    }
}

#[tokio::test]
async fn canned_replies_fill_their_variables_into_the_reply_box() {
    for mut app in browsers().await {
        front_desk(&mut app).await;
        let conversation = app.text(PHONE, "hello").await;
        let store = app.store.clone();
        store
            .update_contact(
                PHONE,
                &ContactUpdate {
                    name: Some(Some("Grace Hopper".into())),
                    ..ContactUpdate::default()
                },
            )
            .await
            .unwrap();
        let page = app.get("/canned-replies").await;
        assert_eq!(page.status, StatusCode::OK);
        let csrf = page.csrf();
        let created = app
            .post(
                "/canned-replies",
                form(&[
                    ("csrf", &csrf),
                    ("title", "Reminder"),
                    (
                        "body",
                        "Hi {{first_name}}, this is {{our_number}} about {{company}}. Call us back, {{name}}!",
                    ),
                ]),
            )
            .await;
        assert_eq!(created.location.as_deref(), Some("/canned-replies"));
        let twice = app
            .post(
                "/canned-replies",
                form(&[("csrf", &csrf), ("title", "Reminder"), ("body", "again")]),
            )
            .await;
        assert_eq!(twice.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(twice.body.contains("already exists"), "{}", twice.body);
        let canned = store.list_canned_replies().await.unwrap();
        assert_eq!(canned.len(), 1);

        let thread = app.get(&format!("/conversations/{conversation}")).await;
        assert!(thread.body.contains("Reminder"));
        let filled = app
            .get(&format!(
                "/conversations/{conversation}?canned={}",
                canned[0].id
            ))
            .await;
        // Known variables filled; {{company}}, unknown, left out with the space before it.
        let expected = "Hi Grace, this is +15550009999 about. Call us back, Grace Hopper!";
        assert!(
            filled.body.contains(&format!(">{expected}</textarea>")),
            "{}: {}",
            app.label,
            filled.body
        );
        // Nothing is sent until the person presses Send.
        assert!(
            !messages(store.as_ref(), conversation)
                .await
                .iter()
                .any(|m| m.body.starts_with("Hi Grace"))
        );

        let delete = app
            .post(
                &format!("/canned-replies/{}/delete", canned[0].id),
                form(&[("csrf", &csrf)]),
            )
            .await;
        assert_eq!(delete.location.as_deref(), Some("/canned-replies"));
        assert!(store.list_canned_replies().await.unwrap().is_empty());
    }
}

/// Turns suggest mode on for the default agent.
/// The conversation's drafted replies.
async fn drafts(store: &dyn Store, conversation: Uuid) -> Vec<Message> {
    messages(store, conversation)
        .await
        .into_iter()
        .filter(|m| m.status == MessageStatus::Draft)
        .collect()
}

#[tokio::test]
async fn suggest_mode_sends_nothing_until_a_person_approves_edits_or_discards_the_draft() {
    for mut app in browsers().await {
        front_desk(&mut app).await;
        let store = app.store.clone();
        common::turn_on_suggest_mode(store.as_ref()).await;
        let conversation = app.text(PHONE, "hello").await;
        let first = drafts(store.as_ref(), conversation).await;
        assert_eq!(first.len(), 1, "{}", app.label);
        assert!(first[0].body.starts_with("Thanks for your message"));
        // The sender never picks a draft up.
        let lease = time::Duration::seconds(60);
        assert!(store.claim_outbound(lease, 100).await.unwrap().is_empty());
        let thread = app.get(&format!("/conversations/{conversation}")).await;
        assert!(thread.body.contains("Send draft") && thread.body.contains("Discard draft"));
        assert!(thread.body.contains("drafted (suggest mode)"));
        let csrf = thread.csrf();

        // A newer text redrafts: the first draft is gone, one new draft waits.
        app.text(PHONE, "are you open on saturday?").await;
        let second = drafts(store.as_ref(), conversation).await;
        assert_eq!(second.len(), 1, "{}", app.label);
        assert_ne!(second[0].id, first[0].id);
        let stale = app
            .post(
                &format!("/conversations/{conversation}/drafts/{}/send", first[0].id),
                form(&[("csrf", &csrf)]),
            )
            .await;
        assert_eq!(
            stale.location,
            Some(format!("/conversations/{conversation}?notice=draft_gone"))
        );

        // Edited: the person's words go out, as theirs.
        let edited = app
            .post(
                &format!("/conversations/{conversation}/drafts/{}/send", second[0].id),
                form(&[("csrf", &csrf), ("body", "Yes, 9 to 1 on Saturdays.")]),
            )
            .await;
        assert_eq!(
            edited.location,
            Some(format!("/conversations/{conversation}?notice=draft_sent"))
        );
        let sent = store.get_message(second[0].id).await.unwrap();
        assert_eq!(
            (sent.status, sent.author, sent.body.as_str()),
            (
                MessageStatus::Queued,
                Author::Human,
                "Yes, 9 to 1 on Saturdays."
            )
        );
        let claimed = store.claim_outbound(lease, 100).await.unwrap();
        assert_eq!(claimed.len(), 1);
        assert_eq!(claimed[0].message.id, second[0].id);

        // Discarded: nothing is sent.
        app.text(PHONE, "and sunday?").await;
        let third = drafts(store.as_ref(), conversation).await.remove(0);
        let discarded = app
            .post(
                &format!("/conversations/{conversation}/drafts/{}/discard", third.id),
                form(&[("csrf", &csrf)]),
            )
            .await;
        assert_eq!(
            discarded.location,
            Some(format!(
                "/conversations/{conversation}?notice=draft_discarded"
            ))
        );
        assert!(drafts(store.as_ref(), conversation).await.is_empty());
        assert!(store.get_message(third.id).await.is_err());

        // Approved as drafted: the agent's words go out.
        app.text(PHONE, "is there parking nearby?").await;
        let fourth = drafts(store.as_ref(), conversation).await.remove(0);
        app.post(
            &format!("/conversations/{conversation}/drafts/{}/send", fourth.id),
            form(&[("csrf", &csrf)]),
        )
        .await;
        let approved = store.get_message(fourth.id).await.unwrap();
        assert_eq!(
            (approved.status, approved.author, &approved.body),
            (MessageStatus::Queued, Author::Agent, &fourth.body)
        );
    }
}

#[tokio::test]
async fn a_draft_nobody_approves_in_time_hands_the_conversation_to_the_team() {
    for mut app in browsers().await {
        front_desk(&mut app).await;
        let store = app.store.clone();
        common::turn_on_suggest_mode(store.as_ref()).await;
        let conversation = app.text(PHONE, "hello").await;
        let draft = drafts(store.as_ref(), conversation).await.remove(0);
        let messaging = app.state.messaging.clone();
        let now = time::OffsetDateTime::now_utc();
        // Not yet: the default expiry is 30 minutes.
        assert!(
            messaging
                .expire_drafted_replies(now)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(drafts(store.as_ref(), conversation).await.len(), 1);

        let later = now + time::Duration::minutes(31);
        let expired = messaging.expire_drafted_replies(later).await.unwrap();
        assert_eq!(expired, [conversation], "{}", app.label);
        assert!(store.get_message(draft.id).await.is_err(), "never sent");
        let handed = store.get_conversation(conversation).await.unwrap();
        assert_eq!(handed.status, ConversationStatus::Human);
        assert!(handed.needs_human_at.is_some());
        let notes = store.conversation_notes(conversation).await.unwrap();
        assert_eq!(notes.len(), 1);
        assert_eq!(notes[0].kind, NoteKind::DraftExpired);
        let human = app.get("/conversations?show=human").await;
        assert!(human.body.contains(PHONE), "{}", app.label);
        let thread = app.get(&format!("/conversations/{conversation}")).await;
        assert!(thread.body.contains("nobody approved the agent"));
        // Expired once: a second sweep finds nothing.
        assert!(
            messaging
                .expire_drafted_replies(later)
                .await
                .unwrap()
                .is_empty()
        );
    }
}
