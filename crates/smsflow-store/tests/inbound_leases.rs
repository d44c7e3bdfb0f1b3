//! Extending inbound claims while a model answers, on SQLite and (when configured) PostgreSQL: an
//! extended claim is not taken over when its first lease runs out, and an extension that comes
//! after the message was recorded leaves the conversation's next message claimable.

use smsflow_core::conversation::Channel;
use smsflow_store::conversations::{Explanation, InboundOutcome, InboundSms};
use smsflow_store::testing;
use time::Duration;

fn sms(provider_id: &str) -> InboundSms {
    InboundSms {
        channel: Channel::Twilio,
        our_number: "+15550009999".into(),
        their_number: "+15551110001".into(),
        body: "hello".into(),
        provider_id: Some(provider_id.into()),
        media_urls: vec![],
        simulated: false,
    }
}

fn processed() -> InboundOutcome {
    InboundOutcome {
        workflow_id: None,
        explanation: Explanation::default(),
        active_workflow_id: None,
        active_workflow_at: None,
        run_completed: false,
        active_run_id: None,
        run: None,
        language: None,
        handoff: None,
        opt_change: None,
        reply: None,
    }
}

#[tokio::test]
async fn an_extended_claim_is_kept_and_a_late_extension_frees_the_next_message() {
    for db in testing::all().await {
        let store = db.store().await;
        store.record_inbound(&sms("SM1")).await.unwrap();
        store.record_inbound(&sms("SM2")).await.unwrap();
        // A lease already over: as if the model had been writing for longer than a lease.
        let (first, _) = store
            .claim_inbound(Duration::seconds(-1), 1)
            .await
            .unwrap()
            .pop()
            .unwrap();
        assert_eq!(first.provider_id.as_deref(), Some("SM1"));
        store
            .extend_inbound_claims(&[&first], Duration::seconds(60))
            .await
            .unwrap();
        assert!(
            store
                .claim_inbound(Duration::seconds(60), 10)
                .await
                .unwrap()
                .is_empty(),
            "{}: the extended claim is not taken over, and SM2 waits for SM1",
            db.label
        );

        store
            .complete_inbound(&[(&first, &processed())])
            .await
            .unwrap();
        store
            .extend_inbound_claims(&[&first], Duration::seconds(60))
            .await
            .unwrap();
        let next = store
            .claim_inbound(Duration::seconds(60), 10)
            .await
            .unwrap();
        assert_eq!(
            next.iter()
                .map(|(m, _)| m.provider_id.as_deref())
                .collect::<Vec<_>>(),
            [Some("SM2")],
            "{}: an extension after SM1 was recorded does not hold SM2",
            db.label
        );
    }
}
