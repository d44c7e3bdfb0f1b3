//! The web app: server-rendered HTML (askama templates, which escape everything they print) with a
//! light touch of JavaScript (htmx and a few lines of our own), all embedded in the binary.
//!
//! - `session`: cookies, who is signed in, and the CSRF check every POST goes through;
//! - `accounts`: admin accounts (argon2 password hashes), sign-in, setup and logout pages;
//! - `workflows`: the SMS Workflows list and the new / edit / delete pages;
//! - `form`: the workflow form as typed, to and from the core's `WorkflowDraft`;
//! - `test_panel`: which workflow a sample message (or a whole test set) would match;
//! - `inbox_list`: the conversation list (filters, search); `inbox`: threads, replying by hand,
//!   take over and hand back; `live`: the live inbox's event stream; `local_time`: times in the
//!   business's time zone;
//! - `team`: assignment, internal notes, canned replies and suggest mode's drafts in a thread;
//! - `agents`: agents and routing rules;
//! - `records`: tickets, collections (with CSV) and opt-outs;
//! - `versions`: the draft (badge, publish, discard), the history of versions with diffs, restore;
//! - `replay`: replaying stored texts against the draft, with progress and a filterable report;
//! - `draft_tests`: a pasted suite of conversation tests run against the draft;
//! - `audit`: the audit log of changes;
//! - `start`: the first-run guide (starters, the in-browser phone, the SMS provider, teammates);
//! - `dashboard`: the performance dashboard (figures, SVG charts); `limiter`: sign-in rate limiting;
//! - `roles`: the one table of which role each route needs, and the check every route goes through;
//! - `users`: users, roles, invitations and password-reset links; `api_keys`: API keys.
//! - `notifications`: the signed-in user's notification settings.

pub mod accounts;
mod agents;
mod api_keys;
mod audit;
pub(crate) mod dashboard;
mod draft_tests;
mod follow_ups;
mod form;
mod inbox;
mod inbox_list;
mod limiter;
mod live;
mod local_time;
mod notifications;
mod records;
mod replay;
pub mod roles;
mod session;
mod start;
mod team;
mod test_panel;
mod users;
mod versions;
mod workflows;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Extension, State};
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Router, middleware};
use smsflow_store::Role;

use crate::AppState;
pub use limiter::SignInLimiter;
use roles::Routes;
pub use session::CookiePolicy;

/// The web app's routes. Every route goes through [`session::guard`], which loads the session and
/// refuses any POST without the right CSRF token, then through the role check of
/// [`roles::ROUTES`].
pub fn router(state: AppState) -> Router<AppState> {
    routes()
        .into_router()
        .fallback(|| async {
            WebError::NotFound(
                "There is no page at this address. Check the link, or start again from the first page."
                    .into(),
            )
        })
        .layer(middleware::from_fn_with_state(
            state.clone(),
            session::guard,
        ))
        .layer(middleware::map_response_with_state(state, protect))
}

/// The path of every web route, as given to the router (for the role × route test).
pub fn route_paths() -> Vec<&'static str> {
    routes().paths().to_vec()
}

/// The first page someone may open: the workflows for admins, the inbox for the others.
async fn home(current: Option<Extension<session::CurrentSession>>) -> Redirect {
    match current {
        Some(current) if roles::allows(current.session.admin.role, &Method::GET, "/workflows") => {
            Redirect::to("/workflows")
        }
        Some(_) => Redirect::to("/conversations"),
        None => Redirect::to("/login"),
    }
}

fn routes() -> Routes {
    Routes::new()
        .route("/", get(home))
        .route("/setup", get(accounts::setup_page).post(accounts::setup))
        .route("/login", get(accounts::login_page).post(accounts::login))
        .route("/logout", post(accounts::logout))
        .route("/start", get(start::page))
        .route("/start/starter", post(start::use_starter))
        .route("/start/phone", post(start::send_from_phone))
        .route("/start/twilio", post(start::check_twilio))
        .route("/workflows", get(workflows::list))
        .route(
            "/workflows/new",
            get(workflows::new_page).post(workflows::create),
        )
        .route("/workflows/test", post(test_panel::test_message))
        .route("/workflows/test-set", post(test_panel::test_set))
        .route("/workflows/draft", get(versions::draft_page))
        .route("/workflows/draft/publish", post(versions::publish))
        .route("/workflows/draft/discard", post(versions::discard))
        .route(
            "/workflows/draft/tests",
            get(draft_tests::page).post(draft_tests::run),
        )
        .route("/workflows/history", get(versions::history))
        .route("/workflows/history/{number}", get(versions::version_page))
        .route(
            "/workflows/history/{number}/restore",
            post(versions::restore),
        )
        .route(
            "/workflows/replay",
            get(replay::form_page).post(replay::start),
        )
        .route("/workflows/replay/{id}", get(replay::job))
        .route(
            "/workflows/{id}",
            get(workflows::edit_page).post(workflows::update),
        )
        .route("/workflows/{id}/active", post(workflows::set_active))
        .route(
            "/workflows/{id}/follow-up",
            get(follow_ups::page).post(follow_ups::save),
        )
        .route(
            "/workflows/{id}/delete",
            get(workflows::delete_page).post(workflows::delete),
        )
        .merge(operations())
        .merge(users::routes())
        .merge(api_keys::routes())
        .route("/dashboard", get(dashboard::page))
        .route(
            "/settings/notifications",
            get(notifications::page).post(notifications::save),
        )
        .route("/assets/{file}", get(asset))
}

/// The operational pages' navigation links: section, path, label.
pub(crate) const OPERATIONS_NAV: [(&str, &str, &str); 8] = [
    ("inbox", "/conversations", "Inbox"),
    ("agents", "/agents", "Agents"),
    ("tickets", "/tickets", "Tickets"),
    ("collections", "/collections", "Collections"),
    ("opt_outs", "/opt-outs", "Opt-outs"),
    ("audit", "/audit", "Audit log"),
    ("users", "/users", "Users"),
    ("api_keys", "/api-keys", "API keys"),
];

/// The operational pages: inbox, agents and routing rules, tickets, collections, opt-outs.
fn operations() -> Routes {
    Routes::new()
        .route("/conversations", get(inbox_list::page))
        .route("/conversations/list", get(inbox_list::fragment))
        .route("/conversations/events", get(live::events))
        .route("/conversations/{id}", get(inbox::thread))
        .route("/conversations/{id}/messages", get(inbox::messages))
        .route("/conversations/{id}/reply", post(inbox::reply))
        .route("/conversations/{id}/segments", post(inbox::segments))
        .route("/conversations/{id}/handoff", post(inbox::take_over))
        .route("/conversations/{id}/resume", post(inbox::hand_back))
        .route("/conversations/{id}/assign", post(team::assign))
        .route("/conversations/{id}/notes", post(team::add_note))
        .route(
            "/conversations/{id}/drafts/{message}/send",
            post(team::send_draft),
        )
        .route(
            "/conversations/{id}/drafts/{message}/discard",
            post(team::discard_draft),
        )
        .route(
            "/canned-replies",
            get(team::canned_replies).post(team::create_canned_reply),
        )
        .route(
            "/canned-replies/{id}/delete",
            post(team::delete_canned_reply),
        )
        .route("/agents", get(agents::list))
        .route("/agents/new", get(agents::new_page).post(agents::create))
        .route("/agents/{id}", get(agents::edit_page).post(agents::update))
        .route(
            "/agents/{id}/delete",
            get(agents::delete_page).post(agents::delete),
        )
        .route("/routing-rules", post(agents::create_rule))
        .route(
            "/routing-rules/{id}",
            get(agents::rule_edit_page).post(agents::update_rule),
        )
        .route("/routing-rules/{id}/move", post(agents::move_rule))
        .route("/routing-rules/{id}/delete", post(agents::delete_rule))
        .route("/tickets", get(records::tickets))
        .route(
            "/tickets/{id}",
            get(records::ticket).post(records::update_ticket),
        )
        .route("/collections", get(records::collections))
        .route("/collections/{name}", get(records::collection))
        .route(
            "/collections/{name}/export.csv",
            get(records::collection_csv),
        )
        .route("/opt-outs", get(records::opt_outs))
        .route("/opt-outs.csv", get(records::opt_outs_csv))
        .route("/audit", get(audit::page))
}

/// Where the pages may load from: our own embedded assets only. No inline script or style runs,
/// so markup that slipped into a page could not run code either.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Headers every web response carries: the content security policy, no framing by other sites
/// (clickjacking), no content-type guessing, no full URLs (which may carry search terms) sent to
/// other sites, no copy of a page (texters' messages, tickets) kept in a browser's or proxy's
/// cache, and, when the public URL is HTTPS, HSTS.
async fn protect(State(state): State<AppState>, mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        header::HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    // The embedded assets say how long they may be cached; pages are never stored.
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("no-store"),
        );
    }
    if state.config.public_url.starts_with("https://") {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            header::HeaderValue::from_static("max-age=31536000"),
        );
    }
    headers.insert(
        header::X_FRAME_OPTIONS,
        header::HeaderValue::from_static("DENY"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        header::HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        header::HeaderValue::from_static("same-origin"),
    );
    response
}

/// What every page's frame needs: who is signed in and the token for the logout form.
#[derive(Debug, Clone, Default)]
pub(crate) struct Frame {
    pub email: Option<String>,
    /// The signed-in user's role, which decides what the navigation shows.
    pub role: Option<Role>,
    pub csrf: String,
    /// The current section, to mark it in the navigation.
    pub section: &'static str,
    /// Conversations with unread messages: a badge on the inbox link and in the tab title.
    pub unread: i64,
}

impl Frame {
    /// Whether the signed-in user may open the page at `path` (a navigation link).
    pub fn may_open(&self, path: &str) -> bool {
        self.role
            .is_some_and(|role| roles::allows(role, &Method::GET, path))
    }

    /// Whether the signed-in user may send the form of the route `path` (e.g.
    /// `/conversations/{id}/reply`), so a page shows only the forms that work for them.
    pub fn may_post(&self, path: &str) -> bool {
        self.role
            .is_some_and(|role| roles::allows(role, &Method::POST, path))
    }
}

/// An error shown as a page.
#[derive(Debug)]
pub(crate) enum WebError {
    NotFound(String),
    /// The signed-in user's role may not do this (the message says which role may).
    Forbidden(String),
    /// A change the data's rules forbid (the store says what to do instead).
    Refused(String),
    Internal(String),
}

impl From<smsflow_store::StoreError> for WebError {
    fn from(error: smsflow_store::StoreError) -> Self {
        match error {
            smsflow_store::StoreError::NotFound { .. } => WebError::NotFound(error.to_string()),
            smsflow_store::StoreError::Refused(message) => WebError::Refused(message),
            other => WebError::Internal(other.to_string()),
        }
    }
}

/// A posted form (the session guard has already checked its CSRF token); `what` names it in the log.
pub(crate) fn parse_form<T: serde::de::DeserializeOwned>(
    body: &[u8],
    what: &str,
) -> Result<T, WebError> {
    serde_urlencoded::from_bytes(body)
        .map_err(|error| WebError::Internal(format!("{what} form: {error}")))
}

#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
struct ErrorPage {
    frame: Frame,
    title: &'static str,
    message: String,
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let (status, title, message) = match self {
            WebError::NotFound(message) => (StatusCode::NOT_FOUND, "Not found", message),
            WebError::Forbidden(message) => (StatusCode::FORBIDDEN, "Not allowed", message),
            WebError::Refused(message) => (StatusCode::CONFLICT, "Not done", message),
            WebError::Internal(cause) => {
                tracing::error!(%cause, "web request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong",
                    "Something went wrong on our side; the server log has the details.".into(),
                )
            }
        };
        let content = ErrorPageContent {
            status,
            title,
            message,
        };
        let mut response = content.render(Frame::default());
        response.extensions_mut().insert(content);
        response
    }
}

/// What an error page says, kept on its response: an error knows nothing of the session, so
/// [`session::guard`] shows the page again with the signed-in person's navigation.
#[derive(Debug, Clone)]
struct ErrorPageContent {
    status: StatusCode,
    title: &'static str,
    message: String,
}

impl ErrorPageContent {
    fn render(&self, frame: Frame) -> Response {
        let page = ErrorPage {
            frame,
            title: self.title,
            message: self.message.clone(),
        };
        (self.status, page).into_response()
    }
}

/// An error page, with the navigation when someone is signed in (`navigation`).
fn with_navigation(response: Response, navigation: Option<Frame>) -> Response {
    match (response.extensions().get::<ErrorPageContent>(), navigation) {
        (Some(content), Some(frame)) => content.render(frame),
        _ => response,
    }
}

/// The embedded static files: our stylesheet and script, and htmx from its npm package.
const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "app.css",
        "text/css; charset=utf-8",
        include_bytes!("../../assets/app.css"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/app.js"),
    ),
    (
        "htmx.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/htmx-2.0.11.min.js"),
    ),
];

async fn asset(axum::extract::Path(file): axum::extract::Path<String>) -> Response {
    match ASSETS.iter().find(|(name, _, _)| *name == file) {
        Some((_, content_type, bytes)) => (
            [
                (header::CONTENT_TYPE, *content_type),
                (header::CACHE_CONTROL, "public, max-age=3600"),
            ],
            *bytes,
        )
            .into_response(),
        None => WebError::NotFound(format!("no asset named {file:?}")).into_response(),
    }
}
