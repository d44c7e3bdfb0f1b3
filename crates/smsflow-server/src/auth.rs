//! API-key authentication for every `/api` route: a missing or wrong key gets 401 and nothing else;
//! a read-only key sending anything but a `GET` gets 403.

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;

use crate::AppState;
use crate::error::ApiError;

pub async fn require_api_key(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let secret = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|secret| !secret.is_empty())
        .ok_or(ApiError::Unauthorized)?;
    let key = state
        .store
        .authenticate(secret)
        .await?
        .ok_or(ApiError::Unauthorized)?;
    tracing::debug!(api_key = %key.name, "authenticated");
    if !key.scope.allows(request.method().as_str()) {
        return Err(ApiError::Forbidden(format!(
            "the API key {:?} is read-only: {} requests need a key with full access (create one on the web app's API keys page, or with `smsflow api-key create --name NAME --scope full`)",
            key.name,
            request.method()
        )));
    }
    // Handlers that change things record the key's name as who changed them.
    request.extensions_mut().insert(key);
    Ok(next.run(request).await)
}
