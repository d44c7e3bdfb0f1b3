//! API keys in the web app: the list (name, first characters, scope, state), creating a key whose
//! secret is shown once, and revoking one. Only admins and owners reach these pages (`roles.rs`).

use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use smsflow_store::{ApiKey, ApiKeyScope, StoreError};
use uuid::Uuid;

use crate::AppState;
use crate::web::roles::Routes;
use crate::web::session::SignedIn;
use crate::web::{Frame, WebError, parse_form};

/// The longest key name accepted, as by `smsflow api-key create`.
const NAME_MAX_CHARS: usize = 100;

pub(crate) fn routes() -> Routes {
    Routes::new()
        .route("/api-keys", get(list).post(create))
        .route("/api-keys/{id}/revoke", post(revoke))
}

#[derive(Template, WebTemplate)]
#[template(path = "api_keys.html")]
pub struct ApiKeysPage {
    frame: Frame,
    keys: Vec<ApiKey>,
    notice: Option<&'static str>,
    /// A key just created, with its secret: shown on this page only.
    created: Option<(ApiKey, String)>,
    error: Option<String>,
    name: String,
}

async fn keys_page(
    state: &AppState,
    signed_in: &SignedIn,
    notice: Option<&'static str>,
) -> Result<ApiKeysPage, WebError> {
    let mut keys = state.store.list_api_keys().await?;
    // Live keys first, newest first.
    keys.sort_by_key(|key| (key.revoked_at.is_some(), std::cmp::Reverse(key.created_at)));
    Ok(ApiKeysPage {
        frame: signed_in.frame("api_keys"),
        keys,
        notice,
        created: None,
        error: None,
        name: String::new(),
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
) -> Result<ApiKeysPage, WebError> {
    let notice = match query.notice.as_deref() {
        Some("revoked") => Some("Key revoked: requests using it get 401 from now on."),
        _ => None,
    };
    keys_page(&state, &signed_in, notice).await
}

#[derive(Debug, Deserialize)]
struct CreateForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    scope: String,
}

pub(crate) async fn create(
    State(state): State<AppState>,
    signed_in: SignedIn,
    body: Bytes,
) -> Result<Response, WebError> {
    let form: CreateForm = parse_form(&body, "API key")?;
    let name = form.name.trim();
    let checked = if name.is_empty() || name.chars().count() > NAME_MAX_CHARS {
        Err(format!(
            "Name the key in 1 to {NAME_MAX_CHARS} characters, saying who uses it, e.g. \"crm-sync\"."
        ))
    } else {
        ApiKeyScope::parse(&form.scope)
            .ok_or_else(|| format!("{:?} is not a scope: choose read-only or full.", form.scope))
    };
    let created = match checked {
        Ok(scope) => state
            .store
            .create_api_key(name, scope, &signed_in.author())
            .await
            .map_err(|error| match error {
                StoreError::ApiKeyNameTaken(_) => Ok(error.to_string()),
                other => Err(other),
            }),
        Err(message) => Err(Ok(message)),
    };
    match created {
        Ok(created) => {
            tracing::info!(api_key = %created.key.name, scope = %created.key.scope, "API key created in the web app");
            let page = keys_page(&state, &signed_in, None).await?;
            Ok(ApiKeysPage {
                created: Some((created.key, created.secret)),
                ..page
            }
            .into_response())
        }
        Err(Ok(message)) => {
            let page = keys_page(&state, &signed_in, None).await?;
            Ok((
                StatusCode::BAD_REQUEST,
                ApiKeysPage {
                    error: Some(message),
                    name: form.name,
                    ..page
                },
            )
                .into_response())
        }
        Err(Err(error)) => Err(error.into()),
    }
}

pub(crate) async fn revoke(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<Uuid>,
) -> Result<Redirect, WebError> {
    state
        .store
        .revoke_api_key(&id.to_string(), &signed_in.author())
        .await?;
    Ok(Redirect::to("/api-keys?notice=revoked"))
}
