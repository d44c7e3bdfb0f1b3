//! The live inbox: a stream of Server-Sent Events saying which conversation changed (`message`:
//! one arrived, was answered, sent or delivered; `conversation`: read, taken over, handed back),
//! from the engine's [`InboxEvents`](smsflow_engine::inbox_events::InboxEvents). Open inbox pages
//! fetch the list and the thread again (assets/app.js). `reload`: this listener fell behind and
//! missed events, so everything should be fetched again. Only this process's changes are
//! streamed; the pages' polling covers other processes on the same database.

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;

use crate::AppState;
use crate::web::session::SignedIn;

/// A stream ends after this long, and the browser connects again (EventSource does so by itself):
/// a session that ended (sign-out, expiry) stops hearing news within this time. It also ends when
/// the process stops, so an open inbox does not hold up the shutdown.
const STREAM_LIFETIME: Duration = Duration::from_secs(300);

pub async fn events(
    State(state): State<AppState>,
    _signed_in: SignedIn,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let receiver = state.messaging.inbox.subscribe();
    let until = tokio::time::Instant::now() + STREAM_LIFETIME;
    let ends = Box::pin(tokio::time::timeout_at(
        until,
        state.messaging.inbox.stopped(),
    ));
    let stream = futures_util::stream::unfold(
        (receiver, ends),
        move |(mut receiver, mut ends)| async move {
            let event = tokio::select! {
                _ = &mut ends => return None,
                received = receiver.recv() => match received {
                    Ok(event) => Event::default()
                        .event(event.change.as_str())
                        .data(serde_json::json!({ "conversation_id": event.conversation_id }).to_string()),
                    Err(RecvError::Lagged(_)) => Event::default().event("reload").data("{}"),
                    Err(RecvError::Closed) => return None,
                },
            };
            Some((Ok(event), (receiver, ends)))
        },
    );
    Sse::new(stream).keep_alive(KeepAlive::default())
}
