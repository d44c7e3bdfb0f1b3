//! The inbox's conversation list: on its own page, beside the open thread on wide screens, and as
//! the fragment the live inbox fetches again when a conversation changes (`live`). Newest activity
//! first, paged; filtered by state and searched by any part of a number, a name or a message.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use smsflow_core::conversation::ConversationStatus;
use smsflow_store::conversations::ConversationQuery;
use smsflow_store::inbox::SearchText;
use smsflow_store::team::AssignedFilter;
use std::collections::HashMap;
use uuid::Uuid;

use crate::AppState;
use crate::api::conversations::{decode_cursor, encode_cursor};
use crate::web::local_time::LocalTime;
use crate::web::session::SignedIn;
use crate::web::{Frame, WebError};

const PAGE_SIZE: u32 = 25;

/// The inbox's filters as the URL carries them.
#[derive(Debug, Deserialize, Default)]
pub struct InboxQuery {
    /// `unread`, `human` (needs a human), `mine` (assigned to me), `unassigned` or `opted_out`;
    /// anything else lists all.
    show: Option<String>,
    /// A part of their number, of the contact's name or of any message.
    q: Option<String>,
    /// The "older" link's position.
    cursor: Option<String>,
}

pub struct InboxRow {
    id: Uuid,
    their_number: String,
    /// The contact's name, when they gave it.
    name: Option<String>,
    our_number: String,
    status: &'static str,
    /// The texter asked for a person and nobody has answered yet.
    asked_for_person: bool,
    unread: i64,
    opted_out: bool,
    last_message_at: LocalTime,
    preview: String,
}

/// The filters and the list of conversations. As a fragment (`fragment`), only the list, with the
/// navigation's unread count swapped out of band.
#[derive(Template, WebTemplate)]
#[template(path = "_inbox_list.html")]
pub struct InboxList {
    rows: Vec<InboxRow>,
    show: &'static str,
    q: String,
    /// Why the search text was not searched for.
    search_error: Option<String>,
    /// The next page's URL, when there is one.
    older: Option<String>,
    /// The conversation open beside the list.
    open: Option<Uuid>,
    /// The filters as a query string (`?show=unread&q=...`), kept by the links to threads.
    filters: String,
    /// Where the live inbox fetches this list again.
    refresh: String,
    /// Conversations with unread messages, for the navigation.
    pub unread: i64,
    fragment: bool,
}

impl InboxQuery {
    fn show(&self) -> &'static str {
        match self.show.as_deref() {
            Some("unread") => "unread",
            Some("human") => "human",
            Some("opted_out") => "opted_out",
            Some("mine") => "mine",
            Some("unassigned") => "unassigned",
            _ => "all",
        }
    }

    /// The filters (not the position) as a query string, empty when there are none.
    fn filters(&self) -> String {
        let mut url = form_urlencoded::Serializer::new(String::new());
        if self.show() != "all" {
            url.append_pair("show", self.show());
        }
        if let Some(q) = self.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
            url.append_pair("q", q);
        }
        let filters = url.finish();
        if filters.is_empty() {
            filters
        } else {
            format!("?{filters}")
        }
    }
}

/// The list for `query`, with `open` marked as the conversation shown beside it.
pub async fn load(
    state: &AppState,
    signed_in: &SignedIn,
    query: &InboxQuery,
    open: Option<Uuid>,
) -> Result<InboxList, WebError> {
    let show = query.show();
    let q = query.q.as_deref().unwrap_or_default().trim().to_string();
    let (text, search_error) = match SearchText::parse(&q) {
        Ok(text) => (text, None),
        Err(error) => (None, Some(error.to_string())),
    };
    let page = match search_error {
        Some(_) => None,
        None => Some(
            state
                .store
                .list_conversations(&ConversationQuery {
                    text,
                    status: (show == "human").then_some(ConversationStatus::Human),
                    unread: show == "unread",
                    opted_out: (show == "opted_out").then_some(true),
                    assigned: match show {
                        "mine" => Some(AssignedFilter::To(signed_in.admin().id)),
                        "unassigned" => Some(AssignedFilter::Nobody),
                        _ => None,
                    },
                    after: query.cursor.as_deref().and_then(decode_cursor),
                    limit: PAGE_SIZE,
                    ..ConversationQuery::default()
                })
                .await?,
        ),
    };
    let (items, next) = page.map(|p| (p.items, p.next)).unwrap_or_default();
    let ids: Vec<Uuid> = items.iter().map(|c| c.id).collect();
    let previews: HashMap<Uuid, String> = state
        .store
        .latest_messages(&ids)
        .await?
        .into_iter()
        .map(|m| (m.conversation_id, preview(&m.body)))
        .collect();
    let numbers: Vec<&str> = items.iter().map(|c| c.their_number.as_str()).collect();
    let mut contacts = state.store.contacts_of(&numbers).await?;
    let zone = &state.messaging.settings.timezone;
    let rows = items
        .iter()
        .map(|conversation| InboxRow {
            id: conversation.id,
            their_number: conversation.their_number.clone(),
            name: contacts
                .get_mut(&conversation.their_number)
                .and_then(|contact| contact.name.take()),
            our_number: conversation.our_number.clone(),
            status: conversation.status.as_str(),
            asked_for_person: conversation.needs_human_at.is_some(),
            unread: conversation.unread_count,
            opted_out: conversation.opted_out,
            last_message_at: LocalTime::of(&conversation.last_message_at, zone),
            preview: previews.get(&conversation.id).cloned().unwrap_or_default(),
        })
        .collect();
    let filters = query.filters();
    let older = next.as_ref().map(|cursor| {
        let mut url = form_urlencoded::Serializer::new(String::new());
        url.append_pair("show", show);
        if !q.is_empty() {
            url.append_pair("q", &q);
        }
        url.append_pair("cursor", &encode_cursor(cursor));
        format!("/conversations?{}", url.finish())
    });
    let mut refresh = form_urlencoded::Serializer::new(String::new());
    refresh.append_pair("show", show).append_pair("q", &q);
    if let Some(cursor) = &query.cursor {
        refresh.append_pair("cursor", cursor);
    }
    if let Some(open) = open {
        refresh.append_pair("open", &open.to_string());
    }
    Ok(InboxList {
        rows,
        show,
        q,
        search_error,
        older,
        open,
        filters,
        refresh: format!("/conversations/list?{}", refresh.finish()),
        unread: signed_in.unread_conversations(),
        fragment: false,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "inbox.html")]
pub struct InboxPage {
    frame: Frame,
    list: InboxList,
}

pub async fn page(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Query(query): Query<InboxQuery>,
) -> Result<Response, WebError> {
    Ok(InboxPage {
        list: load(&state, &signed_in, &query, None).await?,
        frame: signed_in.frame("inbox"),
    }
    .into_response())
}

#[derive(Debug, Deserialize, Default)]
pub struct FragmentQuery {
    #[serde(flatten)]
    list: InboxQuery,
    /// The conversation open beside the list.
    open: Option<Uuid>,
}

/// The list alone, for the live inbox to swap in, with the unread count in the navigation.
pub async fn fragment(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Query(query): Query<FragmentQuery>,
) -> Result<Response, WebError> {
    let mut list = load(&state, &signed_in, &query.list, query.open).await?;
    list.unread = state.store.unread_conversations().await?;
    list.fragment = true;
    Ok(list.into_response())
}

/// The start of a message for the inbox list: whole words, and "…" when there is more.
fn preview(body: &str) -> String {
    let start = smsflow_core::text::shorten(body.trim(), 80);
    if start.len() < body.trim().len() {
        format!("{start}…")
    } else {
        start
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn previews_end_at_a_word_with_an_ellipsis() {
        assert_eq!(
            preview("Can I book for Tuesday?"),
            "Can I book for Tuesday?"
        );
        let long = "Hi, my kitchen sink is leaking under the cabinet and the water is reaching the floor boards now";
        let shown = preview(long);
        assert!(
            shown.ends_with("floor…") || shown.ends_with("the…"),
            "{shown}"
        );
        assert!(shown.chars().count() <= 81, "{shown}");
        assert!(long.starts_with(shown.trim_end_matches('…')), "{shown}");
    }

    #[test]
    fn links_keep_the_filters_but_not_the_position() {
        let query = InboxQuery {
            show: Some("unread".into()),
            q: Some(" 555 01 ".into()),
            cursor: Some("abc".into()),
        };
        assert_eq!(query.filters(), "?show=unread&q=555+01");
        assert_eq!(InboxQuery::default().filters(), "");
    }
}
