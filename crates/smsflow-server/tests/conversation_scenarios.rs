//! The project's scripted conversations (`tests/conversations/*.yaml`; `next/` waits for features
//! not merged yet) played through Twilio: each text arrives as a signed `POST /webhooks/twilio/sms`,
//! the replies are what a Twilio stand-in was asked to send, and the builtin agent answers. The
//! checking is `smsflow test`'s own evaluator.

mod common;

use common::{
    EXAMPLES, Sent, TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TestApp, import_workflows,
    post_twilio_sms, spawn_configured, twilio_standin,
};
use smsflow_engine::conversation_tests::format::Language;
use smsflow_engine::conversation_tests::{Phone, SentText, evaluate, load, play, render};
use smsflow_store::conversations::ConversationQuery;
use smsflow_store::{StoreError, testing};
use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

const SCENARIOS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/conversations");
const OUR_NUMBER: &str = "+15559870000";

/// A person's phone on the far side of Twilio.
struct TwilioPhone<'a> {
    app: &'a TestApp,
    sent: Sent,
    texts: usize,
    /// Replies read so far.
    read: usize,
}

impl Phone for TwilioPhone<'_> {
    async fn text(&mut self, from: &str, to: &str, body: &str) -> Result<SentText, StoreError> {
        self.texts += 1;
        let sid = format!("SM{:032}", self.texts);
        post_twilio_sms(self.app, &sid, from, to, body).await;
        let store = self.app.store.as_ref();
        let query = ConversationQuery {
            number: Some(from.to_string()),
            limit: 10,
            ..ConversationQuery::default()
        };
        let conversation = store
            .list_conversations(&query)
            .await?
            .items
            .into_iter()
            .find(|c| c.their_number == from && c.our_number == to)
            .expect("the webhook stored the text in a conversation");
        let message = store
            .conversation_messages(conversation.id)
            .await?
            .into_iter()
            .find(|m| m.provider_id.as_deref() == Some(sid.as_str()))
            .expect("the webhook stored the text with its MessageSid");
        smsflow_engine::messaging::settled_turn(store, conversation.id, message.id).await?;
        let received: Vec<String> = self
            .sent
            .lock()
            .unwrap()
            .iter()
            .filter(|(recipient, sender, _)| recipient == from && sender == to)
            .map(|(_, _, body)| body.clone())
            .collect();
        let replies = received[self.read..].to_vec();
        self.read = received.len();
        Ok(SentText {
            conversation_id: conversation.id,
            message_id: message.id,
            replies,
        })
    }
}

#[tokio::test]
async fn every_scenario_passes_through_twilio_with_the_builtin_agent() {
    let tests = load(&[PathBuf::from(SCENARIOS)]).unwrap();
    assert!(tests.len() >= 40, "only {} scenarios", tests.len());
    for language in [Language::En, Language::Es] {
        let answered_in = tests
            .iter()
            .filter(|t| {
                t.test
                    .turns
                    .iter()
                    .any(|turn| turn.language == Some(language))
            })
            .count();
        assert!(
            answered_in >= 5,
            "only {answered_in} scenarios check a reply in {}",
            language.as_str()
        );
    }
    let mut report = String::new();
    let mut failed = 0;
    for loaded in &tests {
        for db in testing::all().await {
            let (api_base, sent) = twilio_standin().await;
            let app = spawn_configured(
                Arc::new(db),
                &[
                    ("SMSFLOW_TWILIO_ACCOUNT_SID", TWILIO_ACCOUNT_SID),
                    ("SMSFLOW_TWILIO_AUTH_TOKEN", TWILIO_AUTH_TOKEN),
                    ("SMSFLOW_TWILIO_API_BASE", &api_base),
                    ("SMSFLOW_SMS_DEFAULT_FROM", OUR_NUMBER),
                    // A script texts faster than a person: the loop guard would silence it.
                    ("SMSFLOW_SMS_AUTO_REPLIES_PER_MINUTE", "1000"),
                ],
            )
            .await;
            let workflows = loaded
                .workflows_file()
                .unwrap_or_else(|| Path::new(EXAMPLES).to_path_buf());
            import_workflows(&app, &workflows).await;
            let mut phone = TwilioPhone {
                app: &app,
                sent,
                texts: 0,
                read: 0,
            };
            let observed = play(&loaded.test, &mut phone, app.store.as_ref(), OUR_NUMBER)
                .await
                .unwrap();
            let failures = evaluate(&loaded.test, &observed);
            if !failures.is_empty() {
                failed += 1;
                let _ = write!(
                    report,
                    "FAIL {} ({}): {}\n{}",
                    loaded.file.display(),
                    app.label,
                    loaded.test.name,
                    render(&failures)
                );
            }
        }
    }
    assert_eq!(failed, 0, "scenarios failed through Twilio:\n{report}");
}
