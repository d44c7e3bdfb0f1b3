//! Serving HTTP on a port that faces the internet: a client gets a bounded time to send its request
//! headers and its body, and a bounded number of connections are served at once. Over that number a
//! new connection is answered `503` at once and closed (load shedding) instead of holding a file
//! descriptor, so a slow or flooding client cannot starve the others: its connections are closed
//! when their time is up, and the server keeps accepting.

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tower::ServiceExt;

/// How long and how many: see `docs/configuration.md`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServeLimits {
    /// Time a client has to send a request's headers (on a new or a kept-alive connection).
    pub header_read_timeout: Duration,
    /// Time a client has to send a request's body.
    pub body_read_timeout: Duration,
    /// Connections served at once; more are answered 503 and closed.
    pub max_connections: usize,
}

impl Default for ServeLimits {
    fn default() -> Self {
        ServeLimits {
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(30),
            max_connections: 1_024,
        }
    }
}

/// What a connection over the limit is told before it is closed.
const SHED: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nRetry-After: 1\r\nConnection: close\r\n\r\nthe server is busy: retry in a second\n";
/// After an accept error (out of file descriptors), wait before accepting again.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);
/// Requests in flight at shutdown get this long to finish.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Serves `app` on `listener` within `limits` until `shutdown` completes, then lets requests in
/// flight finish (for [`SHUTDOWN_GRACE`] at most). Handlers see the client's address as
/// `ConnectInfo<SocketAddr>`.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ServeLimits,
    shutdown: impl Future<Output = ()>,
) {
    let app = app.layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
        limits.body_read_timeout,
    ));
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    // Dropped to tell connections to finish their request in flight and close; each holds a
    // receiver until it is done, so `closed()` says when all are.
    let (stop, stopping) = watch::channel(());
    let (done, all_done) = watch::channel(());
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, client) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    tracing::warn!(%error, "cannot accept a connection; retrying shortly");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            shed(stream);
            continue;
        };
        let service = app
            .clone()
            .map_request(move |request: axum::http::Request<Incoming>| {
                let mut request = request.map(Body::new);
                request.extensions_mut().insert(ConnectInfo(client));
                request
            });
        let connection = builder
            .serve_connection(TokioIo::new(stream), TowerToHyperService::new(service))
            .with_upgrades();
        let mut stopping = stopping.clone();
        let all_done = all_done.clone();
        tokio::spawn(async move {
            let mut connection = std::pin::pin!(connection);
            let mut asked_to_stop = false;
            let ended = loop {
                tokio::select! {
                    ended = connection.as_mut() => break ended,
                    _ = stopping.changed(), if !asked_to_stop => {
                        asked_to_stop = true;
                        connection.as_mut().graceful_shutdown();
                    }
                }
            };
            if let Err(error) = ended {
                tracing::debug!(%client, %error, "connection ended with an error");
            }
            drop((slot, all_done));
        });
    }
    drop(listener);
    drop(stop);
    drop(all_done);
    if tokio::time::timeout(SHUTDOWN_GRACE, done.closed())
        .await
        .is_err()
    {
        tracing::warn!("requests still in flight after the shutdown grace period were cut");
    }
}

/// Answers 503 without waiting (the socket's send buffer is empty) and closes.
fn shed(stream: TcpStream) {
    tracing::warn!("connection limit reached: a new connection was answered 503");
    let _ = stream.try_write(SHED);
}
