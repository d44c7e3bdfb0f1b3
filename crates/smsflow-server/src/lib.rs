//! The smsflow HTTP server: the REST API under `/api/v1` (API-key authenticated, OpenAPI-described,
//! errors as problem documents) and `/healthz`. It wires the store and the matcher together.

mod api;
mod auth;
pub mod config;
mod error;
mod extract;
pub mod matching;
pub mod web;

use axum::extract::{DefaultBodyLimit, State};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use smsflow_store::Store;
use std::sync::Arc;
use std::time::Duration;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

pub use config::Config;
pub use error::ApiError;
use matching::MatcherCache;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub matchers: Arc<MatcherCache>,
}

impl AppState {
    pub async fn new(store: Arc<dyn Store>) -> Result<AppState, smsflow_store::StoreError> {
        let matchers = Arc::new(MatcherCache::load(store.clone()).await?);
        Ok(AppState { store, matchers })
    }

    /// After a write: recompile now so this process never answers with stale workflows.
    async fn workflows_changed(&self) {
        if let Err(error) = self.matchers.refresh().await {
            tracing::warn!(%error, "workflows changed but the matcher could not be refreshed yet");
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "smsflow",
        description = "SMS workflows that guide AI agents in SMS conversations. Every route needs `Authorization: Bearer <api key>`; create a key with `smsflow api-key create --name NAME`. Errors are RFC 9457 problem documents.",
    ),
    servers((url = "/api/v1")),
    modifiers(&BearerAuth),
    security(("api_key" = [])),
    tags((name = "workflows", description = "Define, manage and test SMS workflows"))
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The routes of `/api/v1` and their OpenAPI document, built from the same handlers.
fn api() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(api::workflows::router())
        .split_for_parts()
}

/// The OpenAPI 3.1 document of the API.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api().1
}

pub fn router(state: AppState) -> Router {
    let (api_routes, document) = api();
    let document = Arc::new(document);
    let api_routes = api_routes
        .route(
            "/openapi.json",
            get(move || {
                let document = document.clone();
                async move { Json(document.as_ref().clone()) }
            }),
        )
        .fallback(|| async {
            ApiError::NotFound(
                "no such API route: the routes are listed in /api/v1/openapi.json".into(),
            )
        })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::require_api_key,
        ));
    Router::new()
        .nest("/api/v1", api_routes)
        .route("/healthz", get(health))
        .merge(web::router(state.clone()))
        .layer(DefaultBodyLimit::max(extract::BODY_LIMIT))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

async fn health(State(state): State<AppState>) -> Result<Json<serde_json::Value>, ApiError> {
    let revision = state.store.workflows_revision().await?;
    let compiled = state.matchers.current();
    Ok(Json(json!({
        "status": "ok",
        "database": state.store.backend(),
        "workflows": compiled.matcher.len(),
        "workflow_revision": revision,
        "matcher_revision": compiled.revision,
        "matching": "keywords",
    })))
}

/// Runs the server until Ctrl-C or SIGTERM.
pub async fn serve(config: Config, store: Arc<dyn Store>) -> anyhow::Result<()> {
    let state = AppState::new(store).await?;
    let watcher = state
        .matchers
        .watch(Duration::from_millis(config.reload_interval_ms));
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|error| {
            anyhow::anyhow!(
                "cannot listen on {}: {error} (set SMSFLOW_LISTEN to another address)",
                config.listen
            )
        })?;
    tracing::info!(listen = %config.listen, public_url = %config.public_url, "smsflow is serving");
    let cookies = web::CookiePolicy::for_public_url(&config.public_url);
    axum::serve(listener, router(state).layer(axum::Extension(cookies)))
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    watcher.abort();
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
