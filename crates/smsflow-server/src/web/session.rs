//! Sessions and CSRF protection.
//!
//! A signed-in browser holds `smsflow_session`: a random token whose SHA-256 the database keeps with
//! the admin and a per-session CSRF token. The cookie is HttpOnly, SameSite=Lax and, when the public
//! URL is https, Secure. Every form carries the CSRF token in a hidden `csrf` field, and
//! [`guard`] refuses any POST whose field does not equal it. The sign-in and setup forms come before
//! any session, so they use a double-submit token instead: the page sets `smsflow_form` and the same
//! value goes in the hidden field.

use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use smsflow_store::AdminSession;

use crate::AppState;
use crate::web::Frame;

pub const SESSION_COOKIE: &str = "smsflow_session";
pub const FORM_COOKIE: &str = "smsflow_form";
/// How long a sign-in lasts.
pub const SESSION_LIFETIME: time::Duration = time::Duration::hours(12);
/// Largest form accepted, as for the API: a workflow with a full context and 25 steps fits easily.
const FORM_LIMIT: usize = crate::extract::BODY_LIMIT;

/// Whether cookies get the `Secure` attribute; set from the public URL by `serve`.
#[derive(Debug, Clone, Copy, Default)]
pub struct CookiePolicy {
    pub secure: bool,
}

impl CookiePolicy {
    pub fn for_public_url(public_url: &str) -> Self {
        CookiePolicy {
            secure: public_url.starts_with("https://"),
        }
    }

    pub(crate) fn of(parts: &Parts) -> Self {
        parts
            .extensions
            .get::<CookiePolicy>()
            .copied()
            .unwrap_or_default()
    }

    fn cookie(self, name: &str, value: &str, max_age: i64, same_site: &str) -> HeaderValue {
        let secure = if self.secure { "; Secure" } else { "" };
        HeaderValue::from_str(&format!(
            "{name}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite={same_site}{secure}"
        ))
        .expect("cookie values are URL-safe base64")
    }

    pub fn session_cookie(self, token: &str) -> HeaderValue {
        self.cookie(
            SESSION_COOKIE,
            token,
            SESSION_LIFETIME.whole_seconds(),
            "Lax",
        )
    }

    pub fn clear_session_cookie(self) -> HeaderValue {
        self.cookie(SESSION_COOKIE, "", 0, "Lax")
    }

    pub fn form_cookie(self, token: &str) -> HeaderValue {
        self.cookie(FORM_COOKIE, token, 3_600, "Strict")
    }
}

/// The value of one cookie of the request.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
        .filter(|value| !value.is_empty())
}

/// The session of this request, if signed in (put in the request by [`guard`]).
#[derive(Clone)]
pub struct CurrentSession {
    pub token: String,
    pub session: AdminSession,
    /// Conversations with unread messages, for the navigation; counted for pages only (GET,
    /// not htmx fragments), else 0.
    pub unread_conversations: i64,
}

/// Compares without stopping at the first difference, so timing tells nothing about the token.
pub fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |diff, (x, y)| diff | (x ^ y))
            == 0
}

/// Paths whose forms are sent before any session exists: signing in, the setup page, and the
/// invitation and password-reset links.
fn is_pre_session_form(path: &str) -> bool {
    matches!(path, "/login" | "/setup")
        || path.starts_with("/invite/")
        || path.starts_with("/reset-password/")
}

/// Loads the session of every web request, and checks the CSRF token of every POST.
pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if request.uri().path().starts_with("/assets/") {
        return next.run(request).await;
    }
    let token = cookie(request.headers(), SESSION_COOKIE).map(str::to_string);
    let current = match token {
        Some(token) => match state.store.admin_session(&token).await {
            Ok(Some(session)) => Some(CurrentSession {
                token,
                session,
                unread_conversations: 0,
            }),
            Ok(None) => None,
            Err(error) => return super::WebError::from(error).into_response(),
        },
        None => None,
    };
    let page = request.method() == Method::GET && !request.headers().contains_key("hx-request");
    let current = match current {
        Some(current) if page => match state.store.unread_conversations().await {
            Ok(unread_conversations) => Some(CurrentSession {
                unread_conversations,
                ..current
            }),
            Err(error) => return super::WebError::from(error).into_response(),
        },
        other => other,
    };
    let (mut parts, body) = request.into_parts();
    if parts.method == Method::POST {
        let bytes = match axum::body::to_bytes(body, FORM_LIMIT).await {
            Ok(bytes) => bytes,
            Err(_) => {
                return (
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "The form is larger than the server accepts: shorten the text and try again.",
                )
                    .into_response();
            }
        };
        let sent = form_urlencoded::parse(&bytes)
            .find(|(key, _)| key == "csrf")
            .map(|(_, value)| value.into_owned())
            .unwrap_or_default();
        let expected = if is_pre_session_form(parts.uri.path()) {
            cookie(&parts.headers, FORM_COOKIE).map(str::to_string)
        } else {
            current
                .as_ref()
                .map(|current| current.session.csrf_token.clone())
        };
        let valid = expected.is_some_and(|expected| same_token(&expected, &sent));
        if !valid {
            if current.is_none() && !is_pre_session_form(parts.uri.path()) {
                // Signed out (e.g. the session expired): sign in again rather than a CSRF error.
                // htmx would put the sign-in page inside the page: ask it to navigate instead.
                if parts.headers.contains_key("hx-request") {
                    return ([("hx-redirect", "/login")], "").into_response();
                }
                return Redirect::to("/login").into_response();
            }
            tracing::warn!(path = %parts.uri.path(), "refused a form without a valid CSRF token");
            return (
                StatusCode::FORBIDDEN,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                "This form has expired or did not come from this site. Go back, reload the page and try again.",
            )
                .into_response();
        }
        let navigation = current.as_ref().map(CurrentSession::frame);
        if let Some(current) = current {
            parts.extensions.insert(current);
        }
        let response = next
            .run(Request::from_parts(parts, Body::from(bytes)))
            .await;
        return super::with_navigation(response, navigation);
    }
    let navigation = current.as_ref().map(CurrentSession::frame);
    if let Some(current) = current {
        parts.extensions.insert(current);
    }
    let response = next.run(Request::from_parts(parts, body)).await;
    super::with_navigation(response, navigation)
}

/// A signed-in admin; pages that need one take this, and anyone else is sent to sign in.
pub struct SignedIn(pub CurrentSession);

impl CurrentSession {
    /// The page frame of this session, with no section marked.
    fn frame(&self) -> Frame {
        Frame {
            email: Some(self.session.admin.email.clone()),
            role: Some(self.session.admin.role),
            csrf: self.session.csrf_token.clone(),
            section: "",
            unread: self.unread_conversations,
        }
    }
}

impl SignedIn {
    pub(crate) fn frame(&self, section: &'static str) -> Frame {
        Frame {
            section,
            ..self.0.frame()
        }
    }

    pub fn csrf(&self) -> &str {
        &self.0.session.csrf_token
    }

    /// Conversations with unread messages, as counted for this page (0 for fragments).
    pub fn unread_conversations(&self) -> i64 {
        self.0.unread_conversations
    }

    /// The admin signed in.
    pub fn admin(&self) -> &smsflow_store::Admin {
        &self.0.session.admin
    }

    /// Who the changes this admin makes are recorded as.
    pub fn author(&self) -> smsflow_store::Author {
        smsflow_store::Author::admin(&self.0.session.admin.email)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Response> {
        match parts.extensions.get::<CurrentSession>() {
            Some(current) => Ok(SignedIn(current.clone())),
            None => Err(sign_in_first(parts)),
        }
    }
}

/// The answer to someone signed out: the sign-in page, coming back here afterwards.
pub(crate) fn sign_in_first(parts: &Parts) -> Response {
    // htmx (the inbox's polling) would put the sign-in page inside the page.
    if parts.headers.contains_key("hx-request") {
        return ([("hx-redirect", "/login")], "").into_response();
    }
    let wanted = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let next = if parts.method == Method::GET && wanted != "/" {
        format!(
            "?next={}",
            form_urlencoded::byte_serialize(wanted.as_bytes()).collect::<String>()
        )
    } else {
        String::new()
    };
    Redirect::to(&format!("/login{next}")).into_response()
}

/// A local path to return to after signing in; anything else (another site) becomes `/`, which
/// leads to the first page the user's role may open.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.contains('\\')
                && !path.chars().any(char::is_control) =>
        {
            path.to_string()
        }
        _ => "/".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_read_by_name() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; smsflow_session=abc; b="),
        );
        assert_eq!(cookie(&headers, SESSION_COOKIE), Some("abc"));
        assert_eq!(cookie(&headers, "b"), None);
        assert_eq!(cookie(&headers, "smsflow"), None);
    }

    #[test]
    fn session_cookies_are_http_only_lax_and_secure_over_https() {
        let plain = CookiePolicy::for_public_url("http://127.0.0.1:8080").session_cookie("t");
        assert_eq!(
            plain.to_str().unwrap(),
            "smsflow_session=t; Path=/; Max-Age=43200; HttpOnly; SameSite=Lax"
        );
        let secure = CookiePolicy::for_public_url("https://sms.example.com").session_cookie("t");
        assert!(secure.to_str().unwrap().ends_with("; SameSite=Lax; Secure"));
    }

    #[test]
    fn tokens_compare_exactly() {
        assert!(same_token("abc", "abc"));
        assert!(!same_token("abc", "abd"));
        assert!(!same_token("abc", "ab"));
        assert!(!same_token("", "x"));
    }

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(safe_next(Some("/workflows/new")), "/workflows/new");
        for bad in ["https://evil.example", "//evil.example", "/\\evil", "evil"] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
