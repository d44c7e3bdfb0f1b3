//! Who may open what: [`ROUTES`] is the one table of every web route's method and path with the
//! access it needs, and [`Routes`] is how the web app's router is built, so that every route goes
//! through [`require_access`] with its own path. A route missing from the table is refused to
//! everyone (and the role × route test names it), so a new page cannot be left open by mistake.
//!
//! Roles are ordered (viewer < agent < admin < owner): a route open to a role is open to the roles
//! above it. What depends on *whom* a change is about (only an owner changes an owner) is checked
//! by the handler; this table says who may reach the route at all.

use axum::Router;
use axum::extract::Request;
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use smsflow_store::Role;

use crate::AppState;
use crate::web::WebError;
use crate::web::session::{CurrentSession, sign_in_first};

/// What a route needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not: sign-in, setup, invitation and reset links, assets.
    Anyone,
    /// A signed-in user with this role or a higher one.
    AtLeast(Role),
}

use Access::{Anyone, AtLeast};
use Role::{Admin, Agent, Viewer};

/// Every web route: method, path (as given to the router), access. `GET` covers `HEAD`.
pub const ROUTES: &[(&str, &str, Access)] = &[
    ("GET", "/", Anyone),
    ("GET", "/setup", Anyone),
    ("POST", "/setup", Anyone),
    ("GET", "/login", Anyone),
    ("POST", "/login", Anyone),
    ("GET", "/assets/{file}", Anyone),
    ("GET", "/invite/{token}", Anyone),
    ("POST", "/invite/{token}", Anyone),
    ("GET", "/reset-password/{token}", Anyone),
    ("POST", "/reset-password/{token}", Anyone),
    ("POST", "/logout", AtLeast(Viewer)),
    // Reading the inbox, tickets, collections, opt-outs and the figures.
    ("GET", "/conversations", AtLeast(Viewer)),
    ("GET", "/conversations/list", AtLeast(Viewer)),
    ("GET", "/conversations/events", AtLeast(Viewer)),
    ("GET", "/workflows/{id}/follow-up", AtLeast(Admin)),
    ("POST", "/workflows/{id}/follow-up", AtLeast(Admin)),
    ("GET", "/settings/notifications", AtLeast(Viewer)),
    ("POST", "/settings/notifications", AtLeast(Viewer)),
    ("GET", "/start", AtLeast(Admin)),
    ("POST", "/start/starter", AtLeast(Admin)),
    ("POST", "/start/phone", AtLeast(Admin)),
    ("POST", "/start/twilio", AtLeast(Admin)),
    ("GET", "/conversations/{id}", AtLeast(Viewer)),
    ("GET", "/conversations/{id}/messages", AtLeast(Viewer)),
    ("GET", "/tickets", AtLeast(Viewer)),
    ("GET", "/tickets/{id}", AtLeast(Viewer)),
    ("GET", "/collections", AtLeast(Viewer)),
    ("GET", "/collections/{name}", AtLeast(Viewer)),
    ("GET", "/collections/{name}/export.csv", AtLeast(Viewer)),
    ("GET", "/opt-outs", AtLeast(Viewer)),
    ("GET", "/opt-outs.csv", AtLeast(Viewer)),
    ("GET", "/dashboard", AtLeast(Viewer)),
    // Answering texters.
    ("POST", "/conversations/{id}/reply", AtLeast(Agent)),
    ("POST", "/conversations/{id}/segments", AtLeast(Agent)),
    ("POST", "/conversations/{id}/handoff", AtLeast(Agent)),
    ("POST", "/conversations/{id}/resume", AtLeast(Agent)),
    ("POST", "/conversations/{id}/assign", AtLeast(Agent)),
    ("POST", "/conversations/{id}/notes", AtLeast(Agent)),
    (
        "POST",
        "/conversations/{id}/drafts/{message}/send",
        AtLeast(Agent),
    ),
    (
        "POST",
        "/conversations/{id}/drafts/{message}/discard",
        AtLeast(Agent),
    ),
    ("GET", "/canned-replies", AtLeast(Agent)),
    ("POST", "/canned-replies", AtLeast(Admin)),
    ("POST", "/canned-replies/{id}/delete", AtLeast(Admin)),
    ("POST", "/tickets/{id}", AtLeast(Agent)),
    // Workflows, their versions, tests and replays.
    ("GET", "/workflows", AtLeast(Admin)),
    ("GET", "/workflows/new", AtLeast(Admin)),
    ("POST", "/workflows/new", AtLeast(Admin)),
    ("POST", "/workflows/test", AtLeast(Admin)),
    ("POST", "/workflows/test-set", AtLeast(Admin)),
    ("GET", "/workflows/draft", AtLeast(Admin)),
    ("POST", "/workflows/draft/publish", AtLeast(Admin)),
    ("POST", "/workflows/draft/discard", AtLeast(Admin)),
    ("GET", "/workflows/draft/tests", AtLeast(Admin)),
    ("POST", "/workflows/draft/tests", AtLeast(Admin)),
    ("GET", "/workflows/history", AtLeast(Admin)),
    ("GET", "/workflows/history/{number}", AtLeast(Admin)),
    (
        "POST",
        "/workflows/history/{number}/restore",
        AtLeast(Admin),
    ),
    ("GET", "/workflows/replay", AtLeast(Admin)),
    ("POST", "/workflows/replay", AtLeast(Admin)),
    ("GET", "/workflows/replay/{id}", AtLeast(Admin)),
    ("GET", "/workflows/{id}", AtLeast(Admin)),
    ("POST", "/workflows/{id}", AtLeast(Admin)),
    ("POST", "/workflows/{id}/active", AtLeast(Admin)),
    ("GET", "/workflows/{id}/delete", AtLeast(Admin)),
    ("POST", "/workflows/{id}/delete", AtLeast(Admin)),
    // Agents and routing rules.
    ("GET", "/agents", AtLeast(Admin)),
    ("GET", "/agents/new", AtLeast(Admin)),
    ("POST", "/agents/new", AtLeast(Admin)),
    ("GET", "/agents/{id}", AtLeast(Admin)),
    ("POST", "/agents/{id}", AtLeast(Admin)),
    ("GET", "/agents/{id}/delete", AtLeast(Admin)),
    ("POST", "/agents/{id}/delete", AtLeast(Admin)),
    ("POST", "/routing-rules", AtLeast(Admin)),
    ("GET", "/routing-rules/{id}", AtLeast(Admin)),
    ("POST", "/routing-rules/{id}", AtLeast(Admin)),
    ("POST", "/routing-rules/{id}/move", AtLeast(Admin)),
    ("POST", "/routing-rules/{id}/delete", AtLeast(Admin)),
    ("GET", "/audit", AtLeast(Admin)),
    // Users (what an admin may do to an owner is checked by the handlers) and API keys.
    ("GET", "/users", AtLeast(Admin)),
    ("POST", "/users/invite", AtLeast(Admin)),
    ("POST", "/users/invites/{id}/revoke", AtLeast(Admin)),
    ("POST", "/users/{id}/role", AtLeast(Admin)),
    ("POST", "/users/{id}/reset-link", AtLeast(Admin)),
    ("POST", "/users/{id}/delete", AtLeast(Admin)),
    ("GET", "/api-keys", AtLeast(Admin)),
    ("POST", "/api-keys", AtLeast(Admin)),
    ("POST", "/api-keys/{id}/revoke", AtLeast(Admin)),
];

/// The access the route `path` (as given to the router) needs for `method`, if the table has it.
pub fn access(method: &Method, path: &str) -> Option<Access> {
    let method = if method == Method::HEAD {
        "GET"
    } else {
        method.as_str()
    };
    ROUTES
        .iter()
        .find(|(m, p, _)| *m == method && *p == path)
        .map(|(_, _, access)| *access)
}

/// Whether someone with `role` may send `method` to the route `path` (as given to the router), so
/// pages show only the links and forms that work for them.
pub(crate) fn allows(role: Role, method: &Method, path: &str) -> bool {
    match access(method, path) {
        Some(Anyone) => true,
        Some(AtLeast(needed)) => role >= needed,
        None => false,
    }
}

/// The web app's router as it is built: each route is registered with its path, which its access
/// check needs and the role × route test lists.
pub(crate) struct Routes {
    router: Router<AppState>,
    paths: Vec<&'static str>,
}

impl Routes {
    pub(crate) fn new() -> Self {
        Routes {
            router: Router::new(),
            paths: Vec::new(),
        }
    }

    /// Adds a route whose every method is checked against [`ROUTES`].
    pub(crate) fn route(mut self, path: &'static str, methods: MethodRouter<AppState>) -> Self {
        self.paths.push(path);
        let checked = methods.route_layer(axum::middleware::from_fn(
            move |request: Request, next: Next| require_access(path, request, next),
        ));
        self.router = self.router.route(path, checked);
        self
    }

    pub(crate) fn merge(mut self, other: Routes) -> Self {
        self.paths.extend(other.paths);
        self.router = self.router.merge(other.router);
        self
    }

    pub(crate) fn paths(&self) -> &[&'static str] {
        &self.paths
    }

    pub(crate) fn into_router(self) -> Router<AppState> {
        self.router
    }
}

/// Lets the request through to the route `path` when the table allows it: anyone for
/// [`Access::Anyone`]; otherwise the signed-in user's role must be high enough (403 page saying
/// which role is needed), and someone signed out is sent to sign in.
async fn require_access(path: &'static str, request: Request, next: Next) -> Response {
    let Some(access) = access(request.method(), path) else {
        tracing::error!(method = %request.method(), path, "route has no access rule in web/roles.rs ROUTES: refused");
        return WebError::Forbidden(
            "This page has not been given a role yet, so nobody may open it. Tell the people who run smsflow.".into(),
        )
        .into_response();
    };
    let AtLeast(needed) = access else {
        return next.run(request).await;
    };
    let Some(current) = request.extensions().get::<CurrentSession>() else {
        let (parts, _) = request.into_parts();
        return sign_in_first(&parts);
    };
    let admin = &current.session.admin;
    if admin.role < needed {
        tracing::info!(admin = %admin.id, role = %admin.role, %needed, path, "refused: role too low");
        return WebError::Forbidden(refusal(needed, admin.role)).into_response();
    }
    next.run(request).await
}

/// What the 403 page says: the role needed and the one the person has.
pub(crate) fn refusal(needed: Role, yours: Role) -> String {
    format!(
        "This needs the {needed} role or higher; you are signed in as {} {yours}. Ask an owner or an admin if you need it.",
        if yours == Role::Viewer { "a" } else { "an" }
    )
}
