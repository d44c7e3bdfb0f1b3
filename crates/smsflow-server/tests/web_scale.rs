//! The web app with 10,000 workflows (issue 15, finding 6): the list is shown a page at a time and
//! the test panel's answer stays small.

mod common;

use common::browser::{self, form};
use reqwest::StatusCode;
use smsflow_core::WorkflowDraft;

const WORKFLOWS: usize = 10_000;

#[tokio::test]
async fn ten_thousand_workflows_are_listed_a_page_at_a_time_and_tested_briefly() {
    for mut app in browser::browsers().await {
        let mut inserts = tokio::task::JoinSet::new();
        for i in 0..WORKFLOWS {
            let store = app.store.clone();
            let draft: WorkflowDraft = serde_json::from_value(serde_json::json!({
                "name": format!("Workflow {i:05}"),
                "goal": "general_inquiry",
                "keywords": [format!("word{i}")],
                "active": true,
            }))
            .unwrap();
            inserts.spawn(async move {
                store
                    .create_workflow(&draft.validate().unwrap(), &smsflow_store::Author::system())
                    .await
            });
            if inserts.len() >= 16 {
                inserts.join_next().await.unwrap().unwrap().unwrap();
            }
        }
        while let Some(done) = inserts.join_next().await {
            done.unwrap().unwrap();
        }
        app.state.matchers.refresh().await.unwrap();
        app.with_admin().await;
        app.sign_in().await;

        let first = app.get("/workflows").await;
        assert_eq!(first.status, StatusCode::OK, "{}", app.label);
        assert!(first.body.contains("10000 workflows"), "{}", app.label);
        assert!(first.body.contains("Page 1 of 100"));
        assert!(first.body.len() < 400_000, "{} bytes", first.body.len());
        let last = app.get("/workflows?sort=name&page=100").await;
        assert!(last.body.contains("Page 100 of 100"));
        assert!(last.body.contains("Workflow 09999"), "{}", app.label);
        assert!(!last.body.contains("Workflow 00000"));
        assert!(last.body.contains("rel=\"prev\""));

        let tested = app
            .post(
                "/workflows/test",
                form(&[("csrf", &first.csrf()), ("message", "word42 please")]),
            )
            .await;
        assert_eq!(tested.status, StatusCode::OK);
        assert!(tested.body.contains("Workflow 00042"));
        assert!(
            tested
                .body
                .contains("9950 more workflows that do not match are not shown"),
            "{}",
            app.label
        );
        assert!(tested.body.len() < 200_000, "{} bytes", tested.body.len());
    }
}
