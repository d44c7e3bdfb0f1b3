//! The HTTP server under slow and flooding clients (issue 15): connections that never finish their
//! headers are closed when their time is up, connections over the limit are answered 503 at once
//! instead of piling up, and a normal client is served again as soon as the slow ones are gone.

use reqwest::StatusCode;
use smsflow_server::listener::{ServeLimits, serve};
use smsflow_store::testing;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const SLOTS: usize = 20;

async fn server() -> (String, testing::TestDatabase) {
    let db = testing::sqlite();
    let store = db.store().await;
    let config = smsflow_server::Config::load(
        None,
        &[(
            "SMSFLOW_DATA_DIR".to_string(),
            std::env::temp_dir()
                .join("smsflow-test-no-model")
                .display()
                .to_string(),
        )]
        .into(),
    )
    .unwrap();
    let state = smsflow_server::AppState::with_semantic(store, config, None)
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let limits = ServeLimits {
        header_read_timeout: Duration::from_secs(1),
        body_read_timeout: Duration::from_secs(1),
        max_connections: SLOTS,
    };
    let app = smsflow_server::router(state);
    tokio::spawn(serve(listener, app, limits, std::future::pending()));
    (address, db)
}

/// Everything the server sends until it closes the connection (a reset counts as closed).
async fn until_closed(stream: &mut TcpStream) -> String {
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn clients_that_never_finish_their_headers_cannot_starve_others() {
    let (address, _db) = server().await;
    let mut slow = Vec::new();
    for _ in 0..SLOTS {
        let mut stream = TcpStream::connect(&address).await.unwrap();
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            .await
            .unwrap();
        slow.push(stream);
    }
    // Every slot is held: the next connection is told so at once, not left waiting.
    let mut over = TcpStream::connect(&address).await.unwrap();
    let answer = until_closed(&mut over).await;
    assert!(
        answer.starts_with("HTTP/1.1 503 Service Unavailable"),
        "{answer:?}"
    );
    assert!(answer.contains("Retry-After: 1"), "{answer:?}");
    // The server closes each slow connection when its header time is up.
    for stream in &mut slow {
        let answer = until_closed(stream).await;
        assert!(!answer.contains("200 OK"), "{answer:?}");
    }
    // And serves others again.
    let http = reqwest::Client::new();
    let mut status = StatusCode::SERVICE_UNAVAILABLE;
    for _ in 0..100 {
        match http.get(format!("http://{address}/healthz")).send().await {
            Ok(response) if response.status() == StatusCode::OK => {
                status = StatusCode::OK;
                break;
            }
            // A slot is freed just after its connection closes.
            _ => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_body_that_never_arrives_is_cut_off() {
    let (address, _db) = server().await;
    let mut stream = TcpStream::connect(&address).await.unwrap();
    stream
        .write_all(
            b"POST /webhooks/kannel/sms?secret=x HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly a part",
        )
        .await
        .unwrap();
    let answer = until_closed(&mut stream).await;
    let status: u16 = answer
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no HTTP answer: {answer:?}"));
    assert!((400..500).contains(&status), "{answer:?}");
}
