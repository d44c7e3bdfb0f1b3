//! Contacts on SQLite and (when configured) PostgreSQL: every processed message marks its number
//! seen, the fields a run turn learned are kept with the contact (a later value replaces the
//! earlier), and people can list, search and edit contacts.

use serde_json::json;
use smsflow_core::conversation::Channel;
use smsflow_core::run::RunState;
use smsflow_store::contacts::{ContactQuery, ContactUpdate};
use smsflow_store::conversations::{Explanation, InboundOutcome, InboundSms, OptChange, RunUpdate};
use smsflow_store::{Store, StoreError, testing};
use std::collections::BTreeMap;
use time::Duration;
use uuid::Uuid;

fn fields(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Stores one message from `from` and processes it, the run (if any) having learned `learned`.
async fn turn(store: &dyn Store, from: &str, learned: &[(&str, &str)], opt_out: bool) {
    store
        .record_inbound(&InboundSms {
            channel: Channel::Simulator,
            our_number: "+15550009999".into(),
            their_number: from.into(),
            body: "hello".into(),
            provider_id: None,
            media_urls: vec![],
            simulated: true,
        })
        .await
        .unwrap();
    let (message, _) = store
        .claim_inbound(Duration::seconds(30), 1)
        .await
        .unwrap()
        .pop()
        .expect("the message just stored");
    let run_id = Uuid::now_v7();
    let workflow_id = Uuid::now_v7();
    let learned = fields(learned);
    let outcome = InboundOutcome {
        workflow_id: None,
        explanation: Explanation::default(),
        active_workflow_id: Some(workflow_id),
        active_workflow_at: None,
        run_completed: false,
        active_run_id: Some(run_id),
        opt_change: opt_out.then(|| OptChange::OptOut {
            keyword: "STOP".into(),
        }),
        reply: None,
        language: None,
        handoff: None,
        run: (!learned.is_empty()).then(|| RunUpdate {
            run_id,
            workflow_id,
            state: RunState {
                fields: learned.clone(),
                ..RunState::default()
            },
            completed: false,
            new_ticket: None,
            records: vec![],
            phone: from.into(),
            learned,
        }),
    };
    store
        .complete_inbound(&[(&message, &outcome)])
        .await
        .unwrap();
}

#[tokio::test]
async fn fields_a_person_gives_are_kept_with_their_contact_across_runs() {
    for db in testing::all().await {
        let store = db.store().await;
        let store = store.as_ref();
        let dana = "+14155550111";
        turn(store, dana, &[], false).await;
        let seen = store.get_contact(dana).await.unwrap();
        assert_eq!(
            (seen.name.as_deref(), seen.fields.len()),
            (None, 0),
            "{}",
            db.label
        );

        turn(
            store,
            dana,
            &[
                ("name", "Dana"),
                ("email", "dana@old.example"),
                ("budget", "2000"),
            ],
            false,
        )
        .await;
        turn(
            store,
            dana,
            &[("email", "dana@new.example"), ("company", "Blue Fin")],
            false,
        )
        .await;
        let known = store.get_contact(dana).await.unwrap();
        assert_eq!(known.name.as_deref(), Some("Dana"), "{}", db.label);
        assert_eq!(
            known.email.as_deref(),
            Some("dana@new.example"),
            "{}: a correction replaces",
            db.label
        );
        assert_eq!(known.company.as_deref(), Some("Blue Fin"));
        assert_eq!(known.fields, fields(&[("budget", "2000")]));
        assert_eq!(
            known.known(),
            fields(&[
                ("budget", "2000"),
                ("company", "Blue Fin"),
                ("email", "dana@new.example"),
                ("name", "Dana")
            ])
        );
        assert!(known.last_seen_at >= seen.last_seen_at);
        assert!(!known.opted_out);

        turn(store, dana, &[], true).await;
        assert!(
            store.get_contact(dana).await.unwrap().opted_out,
            "{}",
            db.label
        );
        assert!(matches!(
            store.get_contact("+19995550000").await,
            Err(StoreError::NotFound {
                what: "contact",
                ..
            })
        ));
    }
}

#[tokio::test]
async fn contacts_are_listed_newest_first_searched_and_edited() {
    for db in testing::all().await {
        let store = db.store().await;
        let store = store.as_ref();
        turn(
            store,
            "+15551110001",
            &[("name", "Ana Ruiz"), ("company", "Panadería Sol")],
            false,
        )
        .await;
        turn(
            store,
            "+15551110002",
            &[("name", "Ken"), ("email", "ken@northwind.example")],
            false,
        )
        .await;
        turn(store, "+15551110003", &[], false).await;

        let first = store
            .list_contacts(&ContactQuery {
                limit: 2,
                ..ContactQuery::default()
            })
            .await
            .unwrap();
        let numbers: Vec<&str> = first.items.iter().map(|c| c.number.as_str()).collect();
        assert_eq!(numbers, ["+15551110003", "+15551110002"], "{}", db.label);
        let rest = store
            .list_contacts(&ContactQuery {
                limit: 2,
                after: first.next.clone(),
                ..ContactQuery::default()
            })
            .await
            .unwrap();
        let numbers: Vec<&str> = rest.items.iter().map(|c| c.number.as_str()).collect();
        assert_eq!(numbers, ["+15551110001"], "{}", db.label);
        assert!(rest.next.is_none());

        for (search, expected) in [
            ("NORTHWIND", "+15551110002"),
            ("ana r", "+15551110001"),
            ("110003", "+15551110003"),
        ] {
            let found = store
                .list_contacts(&ContactQuery {
                    search: Some(search.into()),
                    limit: 10,
                    ..ContactQuery::default()
                })
                .await
                .unwrap();
            let numbers: Vec<&str> = found.items.iter().map(|c| c.number.as_str()).collect();
            assert_eq!(numbers, [expected], "{}: {search}", db.label);
        }
        let by_number = store
            .contacts_of(&["+15551110001", "+15551110001", "+19990000000"])
            .await
            .unwrap();
        assert_eq!(by_number.len(), 1);
        assert_eq!(by_number["+15551110001"].name.as_deref(), Some("Ana Ruiz"));

        let update: ContactUpdate = serde_json::from_value(json!({
            "name": "Ana Ruiz Gil", "company": null, "language": "es",
            "fields": {"budget": "900", "missing": null}
        }))
        .unwrap();
        let edited = store.update_contact("+15551110001", &update).await.unwrap();
        assert_eq!(edited.name.as_deref(), Some("Ana Ruiz Gil"), "{}", db.label);
        assert_eq!(edited.company, None, "null clears");
        assert_eq!(edited.language.as_deref(), Some("es"));
        assert_eq!(edited.fields, fields(&[("budget", "900")]));
        let column_in_fields: ContactUpdate =
            serde_json::from_value(json!({"fields": {"email": "x@y.example"}})).unwrap();
        assert!(matches!(
            store
                .update_contact("+15551110001", &column_in_fields)
                .await,
            Err(StoreError::Refused(_))
        ));
        assert!(matches!(
            store
                .update_contact("+19990000000", &ContactUpdate::default())
                .await,
            Err(StoreError::NotFound { .. })
        ));
    }
}
