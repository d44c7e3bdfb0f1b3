//! Users of the web app: the list with their roles, invitations (a one-time link that expires,
//! shown once to the admin who made it), password-reset links an admin makes for a user, and the
//! pages those links open, where the person chooses a password and is signed in.
//!
//! Who may reach these pages is in `roles.rs` (admins and owners); what depends on whom a change
//! is about is checked here: only an owner invites an owner, or changes, resets or removes one.
//! The store refuses any change that would leave no owner.

use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use smsflow_store::users::Invite;
use smsflow_store::{Admin, Role, StoreError};
use uuid::Uuid;

use crate::AppState;
use crate::web::accounts::{self, PASSWORD_MIN_CHARS};
use crate::web::roles::Routes;
use crate::web::session::{CookiePolicy, CurrentSession, SignedIn};
use crate::web::{Frame, WebError, parse_form};

/// How long an invitation link works.
const INVITE_LIFETIME: time::Duration = time::Duration::days(7);
/// How long a password-reset link works.
const RESET_LINK_LIFETIME: time::Duration = time::Duration::hours(24);

pub(crate) fn routes() -> Routes {
    Routes::new()
        .route("/users", get(list))
        .route("/users/invite", post(invite))
        .route("/users/invites/{id}/revoke", post(revoke_invite))
        .route("/users/{id}/role", post(set_role))
        .route("/users/{id}/reset-link", post(reset_link))
        .route("/users/{id}/delete", post(delete))
        .route("/invite/{token}", get(invite_page).post(accept_invite))
        .route(
            "/reset-password/{token}",
            get(reset_page).post(use_reset_link),
        )
}

/// A link just made, shown once: what it is for and the address.
pub struct NewLink {
    what: String,
    url: String,
    expires: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "users.html")]
pub struct UsersPage {
    frame: Frame,
    me: Uuid,
    my_role: Role,
    users: Vec<Admin>,
    invites: Vec<Invite>,
    /// The roles this user may give (an admin cannot make owners).
    roles: Vec<Role>,
    notice: Option<&'static str>,
    link: Option<NewLink>,
    error: Option<String>,
    invite_email: String,
}

impl UsersPage {
    /// Whether this user may change, reset or remove `user`.
    fn may_manage(&self, user: &Admin) -> bool {
        may_manage(self.my_role, user.role)
    }
}

/// Only an owner manages an owner.
fn may_manage(mine: Role, theirs: Role) -> bool {
    theirs != Role::Owner || mine == Role::Owner
}

fn roles_given_by(mine: Role) -> Vec<Role> {
    Role::ALL
        .into_iter()
        .filter(|role| may_manage(mine, *role))
        .collect()
}

fn date(at: time::OffsetDateTime) -> String {
    at.format(time::macros::format_description!(
        "[year]-[month]-[day] [hour]:[minute] UTC"
    ))
    .unwrap_or_default()
}

async fn users_page(
    state: &AppState,
    signed_in: &SignedIn,
    notice: Option<&'static str>,
) -> Result<UsersPage, WebError> {
    let me = &signed_in.0.session.admin;
    Ok(UsersPage {
        frame: signed_in.frame("users"),
        me: me.id,
        my_role: me.role,
        users: state.store.list_admins().await?,
        invites: state.store.list_invites().await?,
        roles: roles_given_by(me.role),
        notice,
        link: None,
        error: None,
        invite_email: String::new(),
    })
}

#[derive(Debug, Deserialize)]
pub(crate) struct Notice {
    notice: Option<String>,
}

pub(crate) async fn list(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Query(query): Query<Notice>,
) -> Result<UsersPage, WebError> {
    let notice = query.notice.as_deref().and_then(|code| match code {
        "role" => Some("Role changed."),
        "removed" => Some("User removed; their sessions have ended."),
        "revoked" => Some("Invitation revoked: its link no longer works."),
        _ => None,
    });
    users_page(&state, &signed_in, notice).await
}

/// The page again, refusing the change with `error` (409).
async fn refuse(state: &AppState, signed_in: &SignedIn, error: String) -> Response {
    match users_page(state, signed_in, None).await {
        Ok(page) => (
            StatusCode::CONFLICT,
            UsersPage {
                error: Some(error),
                ..page
            },
        )
            .into_response(),
        Err(error) => error.into_response(),
    }
}

#[derive(Debug, Deserialize)]
struct InviteForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
}

fn role_named(text: &str) -> Result<Role, String> {
    text.parse()
}

pub(crate) async fn invite(
    State(state): State<AppState>,
    signed_in: SignedIn,
    body: Bytes,
) -> Result<Response, WebError> {
    let form: InviteForm = parse_form(&body, "invitation")?;
    let me = &signed_in.0.session.admin;
    let checked = accounts::check_email(&form.email).and_then(|email| {
        let role = role_named(&form.role)?;
        if !may_manage(me.role, role) {
            return Err("Only an owner can invite an owner.".to_string());
        }
        Ok((email, role))
    });
    let (email, role) = match checked {
        Ok(checked) => checked,
        Err(error) => return Ok(refuse_invite(&state, &signed_in, error, form.email).await),
    };
    let made = state
        .store
        .create_invite(&email, role, INVITE_LIFETIME, &signed_in.author())
        .await;
    let made = match made {
        Ok(made) => made,
        Err(StoreError::AdminEmailTaken(_)) => {
            let error = format!("{email} already has an account: change their role below.");
            return Ok(refuse_invite(&state, &signed_in, error, form.email).await);
        }
        Err(error) => return Err(error.into()),
    };
    tracing::info!(invite = %made.invite.id, role = %role, "invitation made");
    let page = users_page(&state, &signed_in, None).await?;
    Ok(UsersPage {
        link: Some(NewLink {
            what: format!("Invitation for {email} as {role}"),
            url: format!("{}/invite/{}", state.config.public_url, made.token),
            expires: date(made.invite.expires_at),
        }),
        ..page
    }
    .into_response())
}

async fn refuse_invite(
    state: &AppState,
    signed_in: &SignedIn,
    error: String,
    email: String,
) -> Response {
    match users_page(state, signed_in, None).await {
        Ok(page) => (
            StatusCode::BAD_REQUEST,
            UsersPage {
                error: Some(error),
                invite_email: email,
                ..page
            },
        )
            .into_response(),
        Err(error) => error.into_response(),
    }
}

pub(crate) async fn revoke_invite(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<Uuid>,
) -> Result<Redirect, WebError> {
    state.store.revoke_invite(id, &signed_in.author()).await?;
    Ok(Redirect::to("/users?notice=revoked"))
}

/// The user `id`, when the signed-in user may manage them; otherwise the refusal to show.
async fn managed_user(
    state: &AppState,
    signed_in: &SignedIn,
    id: Uuid,
) -> Result<Result<Admin, String>, WebError> {
    let user = state.store.get_admin(id).await?;
    let mine = signed_in.0.session.admin.role;
    if may_manage(mine, user.role) {
        Ok(Ok(user))
    } else {
        Ok(Err(format!(
            "{} is an owner: only an owner can change, reset or remove an owner.",
            user.email
        )))
    }
}

#[derive(Debug, Deserialize)]
struct RoleForm {
    #[serde(default)]
    role: String,
}

pub(crate) async fn set_role(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<Uuid>,
    body: Bytes,
) -> Result<Response, WebError> {
    let form: RoleForm = parse_form(&body, "role")?;
    let user = match managed_user(&state, &signed_in, id).await? {
        Ok(user) => user,
        Err(refusal) => return Ok(refuse(&state, &signed_in, refusal).await),
    };
    let role = match role_named(&form.role) {
        Ok(role) if may_manage(signed_in.0.session.admin.role, role) => role,
        Ok(_) => {
            let refusal = "Only an owner can make someone an owner.".to_string();
            return Ok(refuse(&state, &signed_in, refusal).await);
        }
        Err(error) => return Ok(refuse(&state, &signed_in, error).await),
    };
    match state
        .store
        .set_admin_role(user.id, role, &signed_in.author())
        .await
    {
        Ok(_) => Ok(Redirect::to("/users?notice=role").into_response()),
        Err(StoreError::Refused(refusal)) => Ok(refuse(&state, &signed_in, refusal).await),
        Err(error) => Err(error.into()),
    }
}

pub(crate) async fn reset_link(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<Uuid>,
) -> Result<Response, WebError> {
    let user = match managed_user(&state, &signed_in, id).await? {
        Ok(user) => user,
        Err(refusal) => return Ok(refuse(&state, &signed_in, refusal).await),
    };
    let token = state
        .store
        .create_password_reset(user.id, RESET_LINK_LIFETIME, &signed_in.author())
        .await?;
    tracing::info!(admin = %user.id, "password-reset link made");
    let page = users_page(&state, &signed_in, None).await?;
    Ok(UsersPage {
        link: Some(NewLink {
            what: format!("Password-reset link for {}", user.email),
            url: format!("{}/reset-password/{token}", state.config.public_url),
            expires: date(time::OffsetDateTime::now_utc() + RESET_LINK_LIFETIME),
        }),
        ..page
    }
    .into_response())
}

pub(crate) async fn delete(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<Uuid>,
) -> Result<Response, WebError> {
    if id == signed_in.0.session.admin.id {
        let refusal = "You cannot remove yourself: ask another admin or owner.".to_string();
        return Ok(refuse(&state, &signed_in, refusal).await);
    }
    let user = match managed_user(&state, &signed_in, id).await? {
        Ok(user) => user,
        Err(refusal) => return Ok(refuse(&state, &signed_in, refusal).await),
    };
    match state.store.delete_admin(user.id, &signed_in.author()).await {
        Ok(_) => Ok(Redirect::to("/users?notice=removed").into_response()),
        Err(StoreError::Refused(refusal)) => Ok(refuse(&state, &signed_in, refusal).await),
        Err(error) => Err(error.into()),
    }
}

/// The page an invitation or reset link opens: choose a password.
#[derive(Template, WebTemplate)]
#[template(path = "choose_password.html")]
pub struct ChoosePasswordPage {
    frame: Frame,
    form_token: String,
    heading: &'static str,
    intro: String,
    action: String,
    button: &'static str,
    email: String,
    password_error: Option<String>,
    min_chars: usize,
}

#[derive(Debug, Deserialize)]
struct PasswordForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_again: String,
}

/// The answer to a link that does not (or no longer) work.
fn dead_link(what: &str) -> WebError {
    WebError::NotFound(format!(
        "This {what} link has expired or was used already: ask an admin for a new one."
    ))
}

fn invite_form(invite: &Invite, token: &str) -> ChoosePasswordPage {
    ChoosePasswordPage {
        frame: Frame::default(),
        form_token: String::new(),
        heading: "Join smsflow",
        intro: format!(
            "{} invited you as {} ({}). Choose a password to finish.",
            invite.invited_by.as_str().trim_start_matches("admin "),
            invite.role,
            invite.role.describe()
        ),
        action: format!("/invite/{token}"),
        button: "Create account and sign in",
        email: invite.email.clone(),
        password_error: None,
        min_chars: PASSWORD_MIN_CHARS,
    }
}

/// The page with the sign-in forms' double-submit token.
fn with_token(
    page: ChoosePasswordPage,
    parts: &axum::http::request::Parts,
    status: StatusCode,
) -> Response {
    let (token, fresh) = accounts::form_token(&parts.headers);
    let page = ChoosePasswordPage {
        form_token: token.clone(),
        ..page
    };
    accounts::with_form_cookie(page, CookiePolicy::of(parts), &token, fresh, status)
}

pub(crate) async fn invite_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
    parts: axum::http::request::Parts,
) -> Result<Response, WebError> {
    let invite = state
        .store
        .find_invite(&token)
        .await?
        .ok_or_else(|| dead_link("invitation"))?;
    Ok(with_token(
        invite_form(&invite, &token),
        &parts,
        StatusCode::OK,
    ))
}

/// Signs the person in with a new session, ending the one the browser brought (if any).
async fn sign_in_as(
    state: &AppState,
    parts: &axum::http::request::Parts,
    admin: &Admin,
) -> Result<Response, WebError> {
    if let Some(old) = parts.extensions.get::<CurrentSession>() {
        state.store.delete_admin_session(&old.token).await?;
    }
    accounts::start_session(state.store.as_ref(), CookiePolicy::of(parts), admin, "/").await
}

pub(crate) async fn accept_invite(
    State(state): State<AppState>,
    Path(token): Path<String>,
    parts: axum::http::request::Parts,
    body: Bytes,
) -> Result<Response, WebError> {
    let form: PasswordForm = parse_form(&body, "invitation")?;
    let invite = state
        .store
        .find_invite(&token)
        .await?
        .ok_or_else(|| dead_link("invitation"))?;
    if let Some(error) = accounts::new_password_error(&form.password, &form.password_again) {
        let page = ChoosePasswordPage {
            password_error: Some(error),
            ..invite_form(&invite, &token)
        };
        return Ok(with_token(page, &parts, StatusCode::BAD_REQUEST));
    }
    let hash = accounts::hash_password(&form.password)
        .map_err(|error| WebError::Internal(error.to_string()))?;
    let admin = match state.store.accept_invite(&token, &hash).await {
        Ok(admin) => admin,
        Err(StoreError::AdminEmailTaken(email)) => {
            return Err(WebError::Refused(format!(
                "{email} has an account already: sign in instead."
            )));
        }
        Err(error) => return Err(error.into()),
    };
    tracing::info!(admin = %admin.id, role = %admin.role, "invitation accepted");
    sign_in_as(&state, &parts, &admin).await
}

fn reset_form(admin: &Admin, token: &str) -> ChoosePasswordPage {
    ChoosePasswordPage {
        frame: Frame::default(),
        form_token: String::new(),
        heading: "Choose a new password",
        intro: "An admin made this link for you. Your other sessions end when you save.".into(),
        action: format!("/reset-password/{token}"),
        button: "Save password and sign in",
        email: admin.email.clone(),
        password_error: None,
        min_chars: PASSWORD_MIN_CHARS,
    }
}

pub(crate) async fn reset_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
    parts: axum::http::request::Parts,
) -> Result<Response, WebError> {
    let admin = state
        .store
        .password_reset_admin(&token)
        .await?
        .ok_or_else(|| dead_link("password-reset"))?;
    Ok(with_token(
        reset_form(&admin, &token),
        &parts,
        StatusCode::OK,
    ))
}

pub(crate) async fn use_reset_link(
    State(state): State<AppState>,
    Path(token): Path<String>,
    parts: axum::http::request::Parts,
    body: Bytes,
) -> Result<Response, WebError> {
    let form: PasswordForm = parse_form(&body, "password")?;
    let admin = state
        .store
        .password_reset_admin(&token)
        .await?
        .ok_or_else(|| dead_link("password-reset"))?;
    if let Some(error) = accounts::new_password_error(&form.password, &form.password_again) {
        let page = ChoosePasswordPage {
            password_error: Some(error),
            ..reset_form(&admin, &token)
        };
        return Ok(with_token(page, &parts, StatusCode::BAD_REQUEST));
    }
    let hash = accounts::hash_password(&form.password)
        .map_err(|error| WebError::Internal(error.to_string()))?;
    let admin = state.store.use_password_reset(&token, &hash).await?;
    tracing::info!(admin = %admin.id, "password reset with a link");
    sign_in_as(&state, &parts, &admin).await
}
