//! Admin accounts: creating them (`smsflow admin create` and the one-time setup page), signing in
//! and out. Passwords are hashed with argon2id (the crate's defaults, OWASP's recommended
//! parameters); only the hash is stored.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use smsflow_store::{Admin, AdminCreation, Author, Store, StoreError};
use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::Instant;

use crate::AppState;
use crate::web::session::{
    CookiePolicy, CurrentSession, FORM_COOKIE, SESSION_LIFETIME, SignedIn, cookie, safe_next,
};
use crate::web::{Frame, WebError};

pub const PASSWORD_MIN_CHARS: usize = 10;
const PASSWORD_MAX_CHARS: usize = 1_000;

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot hash the password: {0}")]
    Hash(String),
}

/// Checks the form of an email address: something@domain, no spaces, at most 254 characters.
pub fn check_email(email: &str) -> Result<String, String> {
    let email = email.trim();
    let valid = email.len() <= 254
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.contains('@')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        });
    if valid {
        Ok(email.to_string())
    } else {
        Err(format!(
            "{email:?} is not an email address: write it as name@example.com"
        ))
    }
}

pub fn check_password(password: &str) -> Result<(), String> {
    let chars = password.chars().count();
    if chars < PASSWORD_MIN_CHARS {
        Err(format!(
            "must be at least {PASSWORD_MIN_CHARS} characters (it has {chars}): a few words make a good one"
        ))
    } else if chars > PASSWORD_MAX_CHARS {
        Err(format!("must be at most {PASSWORD_MAX_CHARS} characters"))
    } else {
        Ok(())
    }
}

pub fn hash_password(password: &str) -> Result<String, AccountError> {
    // A v4 UUID is 122 bits from the operating system's random source: plenty for a unique salt.
    let salt = SaltString::encode_b64(uuid::Uuid::new_v4().as_bytes())
        .map_err(|error| AccountError::Hash(error.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|error| AccountError::Hash(error.to_string()))
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// A hash to verify against when the email is unknown, so a wrong email takes as long as a wrong
/// password and response times do not reveal which addresses have accounts.
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| hash_password("decoy password never used").unwrap_or_default())
}

/// Creates an admin account (used by `smsflow admin create` and the setup page); the audit log
/// records it as made by the command line or by the setup page.
pub async fn create_admin(
    store: &dyn Store,
    email: &str,
    password: &str,
    how: AdminCreation,
) -> Result<Admin, AccountError> {
    let email = check_email(email).map_err(AccountError::Invalid)?;
    check_password(password)
        .map_err(|message| AccountError::Invalid(format!("the password {message}")))?;
    let hash = hash_password(password)?;
    let by = match how {
        AdminCreation::Operator(_) => Author::cli(),
        AdminCreation::FirstRun => Author::setup_page(),
    };
    Ok(store.create_admin(&email, &hash, how, &by).await?)
}

/// Sets a new password for an admin; their sessions end.
pub async fn set_password(
    store: &dyn Store,
    email: &str,
    password: &str,
    by: &Author,
) -> Result<Admin, AccountError> {
    check_password(password)
        .map_err(|message| AccountError::Invalid(format!("the password {message}")))?;
    let hash = hash_password(password)?;
    Ok(store.set_admin_password(email, &hash, by).await?)
}

/// What is wrong with a new password typed twice, if anything.
pub(crate) fn new_password_error(password: &str, again: &str) -> Option<String> {
    check_password(password)
        .map(|()| {
            (password != again)
                .then(|| "the two passwords differ: type the same password twice".to_string())
        })
        .unwrap_or_else(|message| Some(format!("The password {message}")))
}

/// The admin whose email and password these are.
async fn check_sign_in(
    store: &dyn Store,
    email: &str,
    password: &str,
) -> Result<Option<Admin>, StoreError> {
    let credentials = store.admin_credentials(email).await?;
    let password = password.to_string();
    let (hash, admin) = match credentials {
        Some(credentials) => (credentials.password_hash, Some(credentials.admin)),
        None => (decoy_hash().to_string(), None),
    };
    // Argon2 takes tens of milliseconds of CPU: keep it off the async workers.
    let verified = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .unwrap_or(false);
    Ok(admin.filter(|_| verified))
}

/// The double-submit token of the sign-in and setup forms: the cookie's, or a new one to set.
pub(crate) fn form_token(headers: &axum::http::HeaderMap) -> (String, bool) {
    match cookie(headers, FORM_COOKIE) {
        Some(token) if token.len() >= 32 => (token.to_string(), false),
        _ => (smsflow_store::random_token(), true),
    }
}

/// A pre-session page with its form cookie set when it is new.
pub(crate) fn with_form_cookie(
    page: impl IntoResponse,
    policy: CookiePolicy,
    token: &str,
    fresh: bool,
    status: StatusCode,
) -> Response {
    let mut response = (status, page).into_response();
    if fresh {
        response
            .headers_mut()
            .append(header::SET_COOKIE, policy.form_cookie(token));
    }
    response
}

/// Signs the admin in: a new session (never one the browser brought), its cookie, and a redirect.
pub(crate) async fn start_session(
    store: &dyn Store,
    policy: CookiePolicy,
    admin: &Admin,
    next: &str,
) -> Result<Response, WebError> {
    let session = store
        .create_admin_session(admin.id, SESSION_LIFETIME)
        .await?;
    tracing::info!(admin = %admin.id, "admin signed in");
    let mut response = Redirect::to(next).into_response();
    response
        .headers_mut()
        .append(header::SET_COOKIE, policy.session_cookie(&session.token));
    Ok(response)
}

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
pub(crate) struct LoginPage {
    frame: Frame,
    form_token: String,
    email: String,
    next: String,
    error: Option<String>,
    notice: Option<&'static str>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct LoginQuery {
    next: Option<String>,
    #[serde(default)]
    signed_out: bool,
}

pub(crate) async fn login_page(
    State(state): State<AppState>,
    Query(query): Query<LoginQuery>,
    parts: axum::http::request::Parts,
) -> Result<Response, WebError> {
    if state.store.count_admins().await? == 0 {
        return Ok(Redirect::to("/setup").into_response());
    }
    if parts.extensions.get::<CurrentSession>().is_some() {
        return Ok(Redirect::to(&safe_next(query.next.as_deref())).into_response());
    }
    let (token, fresh) = form_token(&parts.headers);
    let page = LoginPage {
        frame: Frame::default(),
        form_token: token.clone(),
        email: String::new(),
        next: safe_next(query.next.as_deref()),
        error: None,
        notice: query.signed_out.then_some("You are signed out."),
    };
    Ok(with_form_cookie(
        page,
        CookiePolicy::of(&parts),
        &token,
        fresh,
        StatusCode::OK,
    ))
}

#[derive(Debug, Deserialize)]
struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

pub(crate) async fn login(
    State(state): State<AppState>,
    parts: axum::http::request::Parts,
    body: Bytes,
) -> Result<Response, WebError> {
    let form: LoginForm = serde_urlencoded::from_bytes(&body)
        .map_err(|error| WebError::Internal(format!("sign-in form: {error}")))?;
    let policy = CookiePolicy::of(&parts);
    let next = safe_next(form.next.as_deref());
    let address = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip());
    let limiter = &state.sign_in_limiter;
    let (error, status, retry_after) = match limiter.attempt(&form.email, address, Instant::now()) {
        Err(wait) => {
            tracing::warn!("sign-in refused: too many failed attempts");
            let seconds = wait.as_secs_f64().ceil() as u64;
            (
                format!("Too many failed sign-in attempts. Try again in {seconds} s."),
                StatusCode::TOO_MANY_REQUESTS,
                Some(seconds),
            )
        }
        Ok(()) => {
            if let Some(admin) =
                check_sign_in(state.store.as_ref(), &form.email, &form.password).await?
            {
                limiter.succeeded(&form.email, address);
                if let Some(old) = parts.extensions.get::<CurrentSession>() {
                    state.store.delete_admin_session(&old.token).await?;
                }
                return start_session(state.store.as_ref(), policy, &admin, &next).await;
            }
            tracing::warn!("failed sign-in");
            (
                "Wrong email or password. Check both and try again.".to_string(),
                StatusCode::UNAUTHORIZED,
                None,
            )
        }
    };
    let (token, fresh) = form_token(&parts.headers);
    let page = LoginPage {
        frame: Frame::default(),
        form_token: token.clone(),
        email: form.email,
        next,
        error: Some(error),
        notice: None,
    };
    let mut response = with_form_cookie(page, policy, &token, fresh, status);
    if let Some(seconds) = retry_after {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    Ok(response)
}

pub(crate) async fn logout(
    State(state): State<AppState>,
    signed_in: SignedIn,
    parts: axum::http::request::Parts,
) -> Result<Response, WebError> {
    state.store.delete_admin_session(&signed_in.0.token).await?;
    let mut response = Redirect::to("/login?signed_out=true").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        CookiePolicy::of(&parts).clear_session_cookie(),
    );
    Ok(response)
}

#[derive(Template, WebTemplate)]
#[template(path = "setup.html")]
pub(crate) struct SetupPage {
    frame: Frame,
    form_token: String,
    email: String,
    email_error: Option<String>,
    password_error: Option<String>,
    min_chars: usize,
}

pub(crate) async fn setup_page(
    State(state): State<AppState>,
    parts: axum::http::request::Parts,
) -> Result<Response, WebError> {
    if state.store.count_admins().await? > 0 {
        return Ok(Redirect::to("/login").into_response());
    }
    let (token, fresh) = form_token(&parts.headers);
    let page = SetupPage {
        frame: Frame::default(),
        form_token: token.clone(),
        email: String::new(),
        email_error: None,
        password_error: None,
        min_chars: PASSWORD_MIN_CHARS,
    };
    Ok(with_form_cookie(
        page,
        CookiePolicy::of(&parts),
        &token,
        fresh,
        StatusCode::OK,
    ))
}

#[derive(Debug, Deserialize)]
struct SetupForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_again: String,
}

pub(crate) async fn setup(
    State(state): State<AppState>,
    parts: axum::http::request::Parts,
    body: Bytes,
) -> Result<Response, WebError> {
    let form: SetupForm = serde_urlencoded::from_bytes(&body)
        .map_err(|error| WebError::Internal(format!("setup form: {error}")))?;
    let policy = CookiePolicy::of(&parts);
    let email_error = check_email(&form.email).err();
    let password_error = new_password_error(&form.password, &form.password_again);
    if email_error.is_none() && password_error.is_none() {
        match create_admin(
            state.store.as_ref(),
            &form.email,
            &form.password,
            AdminCreation::FirstRun,
        )
        .await
        {
            Ok(admin) => {
                tracing::info!(admin = %admin.id, "first admin created on the setup page");
                // Straight to the first-run guide: a new installation has nothing else to show yet.
                return start_session(state.store.as_ref(), policy, &admin, "/start").await;
            }
            Err(AccountError::Store(StoreError::AdminExists)) => {
                return Ok(Redirect::to("/login").into_response());
            }
            Err(AccountError::Store(error)) => return Err(error.into()),
            Err(other) => return Err(WebError::Internal(other.to_string())),
        }
    }
    let (token, fresh) = form_token(&parts.headers);
    let page = SetupPage {
        frame: Frame::default(),
        form_token: token.clone(),
        email: form.email,
        email_error,
        password_error,
        min_chars: PASSWORD_MIN_CHARS,
    };
    Ok(with_form_cookie(
        page,
        policy,
        &token,
        fresh,
        StatusCode::BAD_REQUEST,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_with_argon2id_and_verify() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("correct horse battery!", &hash));
        assert!(!verify_password("x", "not a hash"));
        assert_ne!(
            hash,
            hash_password("correct horse battery").unwrap(),
            "salted"
        );
    }

    #[test]
    fn emails_and_passwords_are_checked() {
        assert_eq!(check_email(" ada@example.com ").unwrap(), "ada@example.com");
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "a da@example.com",
            "ada@localhost",
            "a@b@c.d",
        ] {
            assert!(check_email(bad).is_err(), "{bad}");
        }
        assert!(check_password("short").unwrap_err().contains("at least 10"));
        assert!(check_password("long enough now").is_ok());
    }
}
