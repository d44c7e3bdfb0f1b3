//! `smsflow backup` and `smsflow restore` on a SQLite database that is being written to.

use smsflow_core::conversation::Channel;
use smsflow_store::conversations::InboundSms;
use std::path::Path;
use std::process::Output;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

fn smsflow(database_url: &str, data_dir: &Path, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_smsflow"))
        .args(args)
        .env_clear()
        .env("SMSFLOW_DATABASE_URL", database_url)
        .env("SMSFLOW_DATA_DIR", data_dir)
        .output()
        .expect("smsflow runs")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn inbound(i: usize) -> InboundSms {
    InboundSms {
        channel: Channel::Twilio,
        our_number: "+15559870000".into(),
        their_number: "+15551230001".into(),
        body: format!("message {i}"),
        provider_id: Some(format!("SM{i:08}")),
        media_urls: Vec::new(),
        simulated: false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_under_load_restores_every_message_committed_before_it_started() {
    let dir = tempfile::tempdir().unwrap();
    let live_url = format!("sqlite://{}", dir.path().join("live.db").display());
    let store = smsflow_store::connect(&live_url).await.unwrap();
    let conversation_id = store
        .record_inbound(&inbound(0))
        .await
        .unwrap()
        .conversation_id;

    // A writer that keeps committing messages (as webhooks would) until told to stop.
    let committed = Arc::new(AtomicUsize::new(1));
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (store, committed, stop) = (store.clone(), committed.clone(), stop.clone());
        tokio::spawn(async move {
            let mut next = committed.load(Ordering::SeqCst);
            while !stop.load(Ordering::SeqCst) {
                store.record_inbound(&inbound(next)).await.unwrap();
                next += 1;
                committed.store(next, Ordering::SeqCst);
            }
        })
    };
    for _ in 0..600 {
        if committed.load(Ordering::SeqCst) >= 300 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let before = committed.load(Ordering::SeqCst);
    assert!(before >= 300, "the writer committed only {before} messages");

    let backup_file = dir.path().join("backup.db");
    let backup = {
        let (url, data, file) = (
            live_url.clone(),
            dir.path().to_path_buf(),
            backup_file.clone(),
        );
        tokio::task::spawn_blocking(move || {
            smsflow(&url, &data, &["backup", file.to_str().unwrap()])
        })
        .await
        .unwrap()
    };
    let during = committed.load(Ordering::SeqCst);
    stop.store(true, Ordering::SeqCst);
    writer.await.unwrap();
    assert!(backup.status.success(), "backup failed: {}", text(&backup));
    assert!(
        text(&backup).contains("Backed up") && !dir.path().join("backup.db.partial").exists(),
        "{}",
        text(&backup)
    );

    let restored_path = dir.path().join("restored").join("smsflow.db");
    let restored_url = format!("sqlite://{}", restored_path.display());
    let restore = smsflow(
        &restored_url,
        dir.path(),
        &["restore", backup_file.to_str().unwrap()],
    );
    assert!(
        restore.status.success(),
        "restore failed: {}",
        text(&restore)
    );

    let restored = smsflow_store::connect(&restored_url).await.unwrap();
    let ids: std::collections::BTreeSet<String> = restored
        .conversation_messages(conversation_id)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|m| m.provider_id)
        .collect();
    let missing: Vec<usize> = (0..before)
        .filter(|i| !ids.contains(&format!("SM{i:08}")))
        .collect();
    assert!(
        missing.is_empty(),
        "{} of the {before} messages committed before the backup started are missing from it (first: {:?})",
        missing.len(),
        missing.first()
    );
    // A snapshot: never more than was committed by the time the backup ended.
    assert!(
        ids.len() <= during,
        "{} restored, {during} committed",
        ids.len()
    );

    // The restored database holds data now: replacing it needs --force.
    let again = smsflow(
        &restored_url,
        dir.path(),
        &["restore", backup_file.to_str().unwrap()],
    );
    assert!(!again.status.success());
    assert!(
        text(&again).contains("already holds a database") && text(&again).contains("--force"),
        "{}",
        text(&again)
    );
    let forced = smsflow(
        &restored_url,
        dir.path(),
        &["restore", "--force", backup_file.to_str().unwrap()],
    );
    assert!(forced.status.success(), "{}", text(&forced));
}

#[test]
fn backup_refuses_to_overwrite_and_points_postgres_users_to_pg_dump() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("live.db").display());
    let output = smsflow(&url, dir.path(), &["api-key", "create", "--name", "ci"]);
    assert!(output.status.success(), "{}", text(&output));

    let existing = dir.path().join("taken.db");
    std::fs::write(&existing, b"keep me").unwrap();
    let output = smsflow(&url, dir.path(), &["backup", existing.to_str().unwrap()]);
    assert!(!output.status.success());
    assert!(
        text(&output).contains("already exists"),
        "{}",
        text(&output)
    );
    assert_eq!(std::fs::read(&existing).unwrap(), b"keep me");

    let fresh = format!("sqlite://{}", dir.path().join("fresh.db").display());
    let output = smsflow(&fresh, dir.path(), &["restore", existing.to_str().unwrap()]);
    assert!(!output.status.success(), "a non-database was restored");
    assert!(
        text(&output).contains("not a database"),
        "{}",
        text(&output)
    );

    let output = smsflow(
        "postgres://smsflow@127.0.0.1:1/smsflow",
        dir.path(),
        &["backup", "x.dump"],
    );
    assert!(!output.status.success());
    assert!(
        text(&output).contains("pg_dump") && text(&output).contains("pg_restore"),
        "{}",
        text(&output)
    );
}
