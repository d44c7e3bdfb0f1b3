//! The three flows end to end through Twilio: the person's texts arrive as signed
//! `POST /webhooks/twilio/sms` requests, and the replies are read from a Twilio stand-in that
//! records what smsflow's Twilio channel really sent (`POST /2010-04-01/Accounts/{sid}/Messages.json`),
//! with the README's example workflows (`examples/workflows.yaml`).

mod common;

use common::{
    Sent, TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TestApp, calendly_signature, import_examples,
    post_twilio_sms, spawn_configured, twilio_standin,
};
use reqwest::StatusCode;
use serde_json::json;
use smsflow_store::testing;
use std::sync::Arc;

const OUR_NUMBER: &str = "+15559870000";

struct Phone<'a> {
    app: &'a TestApp,
    sent: Sent,
    number: &'static str,
    texts: usize,
    /// Replies read so far.
    read: usize,
}

impl Phone<'_> {
    /// Texts `body` through a signed Twilio webhook and returns the reply Twilio was asked to send.
    async fn text(&mut self, body: &str) -> String {
        self.texts += 1;
        let sid = format!("SM{}{:04}", &self.number[1..], self.texts);
        post_twilio_sms(self.app, &sid, self.number, OUR_NUMBER, body).await;
        self.next_reply().await
    }

    /// The next message sent to this number that was not read yet (5 s at most).
    async fn next_reply(&mut self) -> String {
        for _ in 0..200 {
            if let Some(reply) = self.sent_to_me().get(self.read) {
                self.read += 1;
                return reply.clone();
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        panic!(
            "{}: no reply to {} reached Twilio",
            self.app.label, self.number
        );
    }

    fn sent_to_me(&self) -> Vec<String> {
        let sent = self.sent.lock().unwrap();
        assert!(sent.iter().all(|(_, from, _)| from == OUR_NUMBER));
        sent.iter()
            .filter(|(to, _, _)| to == self.number)
            .map(|(_, _, body)| body.clone())
            .collect()
    }
}

async fn app_and_standin() -> Vec<(TestApp, Sent)> {
    let mut apps = Vec::new();
    for db in testing::all().await {
        let (api_base, sent) = twilio_standin().await;
        let app = spawn_configured(
            Arc::new(db),
            &[
                ("SMSFLOW_TWILIO_ACCOUNT_SID", TWILIO_ACCOUNT_SID),
                ("SMSFLOW_TWILIO_AUTH_TOKEN", TWILIO_AUTH_TOKEN),
                ("SMSFLOW_TWILIO_API_BASE", &api_base),
                ("SMSFLOW_SMS_DEFAULT_FROM", OUR_NUMBER),
                ("SMSFLOW_BOOKING_SIGNING_KEY", "booking-key"),
            ],
        )
        .await;
        import_examples(&app).await;
        apps.push((app, sent));
    }
    apps
}

#[tokio::test]
async fn a_lead_texted_through_twilio_ends_as_a_saved_record() {
    for (app, sent) in app_and_standin().await {
        let mut phone = Phone {
            app: &app,
            sent,
            number: "+14155550111",
            texts: 0,
            read: 0,
        };
        assert_eq!(
            phone.text("hi I'm interested in pricing").await,
            "Thanks for your interest! Someone will follow up with detailed pricing. Could I get your name and your email address?"
        );
        assert_eq!(
            phone.text("I'm Dana from Blue Fin Sushi").await,
            "Nice to meet you, Dana! Could I get your email address?",
            "their number is the phone"
        );
        assert_eq!(
            phone.text("dana@bluefin.example, 415 555 0111").await,
            "Thanks Dana! What size is your team?"
        );
        let records = app.get_json("/collections/leads/records").await;
        assert_eq!(
            records["items"][0]["fields"],
            json!({"company": "Blue Fin Sushi", "email": "dana@bluefin.example", "name": "Dana", "phone": "+14155550111"}),
            "{}",
            app.label
        );
        assert_eq!(records["items"][0]["phone"], "+14155550111");
    }
}

#[tokio::test]
async fn a_help_desk_text_through_twilio_opens_a_ticket_and_tells_its_number() {
    for (app, sent) in app_and_standin().await {
        let mut phone = Phone {
            app: &app,
            sent,
            number: "+14155550122",
            texts: 0,
            read: 0,
        };
        assert_eq!(
            phone
                .text("problem with my kitchen sink, water everywhere")
                .await,
            "Sorry about that! Tell us what happened and we'll get a technician on it. Could I get your name and your email address?"
        );
        // Their number is the phone: the ticket is opened once name and email are known.
        let last = phone.text("Ken Adams, ken@example.com").await;
        let tickets = app.get_json("/tickets").await;
        assert_eq!(
            tickets["items"].as_array().unwrap().len(),
            1,
            "{}",
            app.label
        );
        let ticket = &tickets["items"][0];
        let number = ticket["number"].as_str().unwrap();
        assert_eq!(
            last,
            format!(
                "Thanks Ken Adams, your ticket is {number}. A technician will text you shortly."
            )
        );
        assert_eq!(ticket["priority"], "high");
        assert_eq!(
            ticket["summary"],
            "Urgent support (help desk support). Email: ken@example.com; name: Ken Adams; phone: +14155550122. Said: \"problem with my kitchen sink, water everywhere\""
        );
    }
}

#[tokio::test]
async fn an_appointment_texted_through_twilio_gets_its_link_and_a_confirmation() {
    for (app, sent) in app_and_standin().await {
        let mut phone = Phone {
            app: &app,
            sent,
            number: "+14155550133",
            texts: 0,
            read: 0,
        };
        assert_eq!(
            phone.text("Can I book a visit friday?").await,
            "Happy to help you book a time. Could I get your name and your email address?"
        );
        let offer = phone.text("Nina Park, nina@example.com").await;
        let link = offer
            .strip_prefix("Nice to meet you, Nina Park! You can pick a time that suits you here: ")
            .unwrap_or_else(|| panic!("{}: {offer}", app.label));
        assert!(
            link.starts_with(
                "https://calendly.com/acme/visit?name=Nina+Park&email=nina%40example.com&utm_content="
            ),
            "{link}"
        );
        let run = link.split("utm_content=").nth(1).unwrap();
        let booked = json!({"event": "invitee.created", "payload": {"email": "nina@example.com",
            "tracking": {"utm_content": run},
            "scheduled_event": {"start_time": "2026-12-04T16:30:00.000000Z"}}})
        .to_string();
        let response = app
            .http
            .post(format!("{}/webhooks/booking", app.base))
            .header("content-type", "application/json")
            .header(
                "calendly-webhook-signature",
                calendly_signature("booking-key", &booked),
            )
            .body(booked)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{}", app.label);
        assert_eq!(
            phone.next_reply().await,
            "You're booked for 2026-12-04 16:30 UTC. Thanks, see you then!"
        );
        assert_eq!(
            phone.sent_to_me().len(),
            3,
            "{}: two replies and one confirmation",
            app.label
        );
    }
}
