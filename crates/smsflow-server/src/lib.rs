//! The smsflow HTTP server: the REST API under `/api/v1` (API-key authenticated, OpenAPI-described,
//! errors as problem documents), the gateways' webhooks, the web app, `/metrics` and `/healthz`.
//! It adapts HTTP to the message pipeline in `smsflow-engine`.

mod api;
mod auth;
pub mod config;
mod csv;
mod error;
mod extract;
pub mod listener;
mod metrics;
mod typed_input;
pub mod web;
mod webhooks;

use axum::extract::{DefaultBodyLimit, State};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use smsflow_store::Store;
use std::sync::Arc;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

pub use config::Config;
pub use error::ApiError;
use smsflow_core::conversation::Channel;
use smsflow_engine::matching::Semantic;
use smsflow_engine::{Engine, model, replay};
use smsflow_sms::SmsChannel;
use std::collections::HashMap;

/// What every handler shares: the engine (its store, matchers and messaging are reached as
/// `state.store` and so on) and what only the HTTP side needs. One `Arc`: every request clones
/// the state, for its handler and for each middleware given it.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

/// The parts of [`AppState`].
pub struct Shared {
    pub engine: Engine,
    pub config: Arc<Config>,
    pub metrics: Arc<metrics::Metrics>,
    /// Failed sign-ins, to slow down password guessing.
    pub sign_in_limiter: Arc<web::SignInLimiter>,
    /// Replays running or finished in this process.
    pub replays: Arc<replay::ReplayJobs>,
    /// Where the embedding model stands (`/healthz`).
    pub model: Arc<model::ModelStatus>,
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl std::ops::Deref for Shared {
    type Target = Engine;

    fn deref(&self) -> &Engine {
        &self.engine
    }
}

impl AppState {
    /// Matching on keywords and, when the embedding model is installed in the data directory (and
    /// not turned off), on meaning.
    pub async fn new(
        store: Arc<dyn Store>,
        config: Config,
    ) -> Result<AppState, smsflow_store::StoreError> {
        let (semantic, model) = model::load(config.model, &config.data_dir);
        AppState::with_model(store, config, semantic, model).await
    }

    /// Matching on keywords and, with `semantic`, on meaning.
    pub async fn with_semantic(
        store: Arc<dyn Store>,
        config: Config,
        semantic: Option<Semantic>,
    ) -> Result<AppState, smsflow_store::StoreError> {
        let model = Arc::new(model::ModelStatus::given(semantic.as_ref()));
        AppState::with_model(store, config, semantic, model).await
    }

    async fn with_model(
        store: Arc<dyn Store>,
        config: Config,
        semantic: Option<Semantic>,
        model: Arc<model::ModelStatus>,
    ) -> Result<AppState, smsflow_store::StoreError> {
        let engine = Engine::new(store, config.engine(), channels(&config), semantic).await?;
        Ok(AppState(Arc::new(Shared {
            engine,
            config: Arc::new(config),
            metrics: Arc::default(),
            sign_in_limiter: Arc::default(),
            replays: Arc::default(),
            model,
        })))
    }

    /// The channel for messages that name none: Twilio, else Kannel, else the simulator.
    pub fn default_channel(&self) -> Channel {
        [Channel::Twilio, Channel::Kannel]
            .into_iter()
            .find(|channel| self.messaging.channels.contains_key(channel))
            .unwrap_or(Channel::Simulator)
    }

    /// Starts replaying stored texts received since `since` in the background (the API's and the
    /// web app's replays).
    fn start_replay(
        &self,
        since: time::OffsetDateTime,
        request: replay::ReplayRequest,
    ) -> Arc<replay::ReplayJob> {
        let idle = time::Duration::minutes(self.config.sms.idle_timeout_minutes as i64);
        self.replays.start(
            self.store.clone(),
            self.matchers.semantic().as_deref().cloned(),
            idle,
            since,
            request,
        )
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
    tags(
        (name = "workflows", description = "Define, manage and test SMS workflows"),
        (name = "conversations", description = "SMS conversations, manual messages, hand-off, the simulator and opt-outs"),
        (name = "contacts", description = "What is known about each number across conversations and workflow runs"),
        (name = "steps", description = "What workflow steps produce: support tickets and saved records"),
        (name = "agents", description = "Agents and the routing rules that pick one when a workflow names none"),
        (name = "analytics", description = "What workflows achieved over a period: the performance dashboard's figures"),
        (name = "versions", description = "Change the workflow set safely: one draft published at once, the history of versions, rollback, and replays of stored texts"),
        (name = "audit", description = "Who changed workflows, agents, routing rules, admins and API keys, when, before and after"),
        (name = "team", description = "Working as a team in the inbox: users, assignment, internal notes, canned replies and suggest mode's drafts")
    )
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

/// The SMS channels the configuration enables; the simulator is always there.
pub fn channels(config: &Config) -> HashMap<Channel, Arc<dyn SmsChannel>> {
    let http = smsflow_sms::http_client();
    let mut channels: HashMap<Channel, Arc<dyn SmsChannel>> = HashMap::new();
    channels.insert(
        Channel::Simulator,
        Arc::new(smsflow_sms::simulator::Simulator),
    );
    if let Some(twilio) = &config.twilio {
        channels.insert(
            Channel::Twilio,
            Arc::new(smsflow_sms::twilio::TwilioChannel::new(
                http.clone(),
                &twilio.api_base,
                &twilio.account_sid,
                &twilio.auth_token,
                format!("{}/webhooks/twilio/status", config.public_url),
            )),
        );
    }
    if let Some(kannel) = &config.kannel {
        let secret: String = form_urlencoded::byte_serialize(kannel.secret.as_bytes()).collect();
        channels.insert(
            Channel::Kannel,
            Arc::new(smsflow_sms::kannel::KannelChannel::new(
                http,
                &kannel.sendsms_url,
                &kannel.username,
                &kannel.password,
                format!("{}/webhooks/kannel/dlr?secret={secret}", config.public_url),
            )),
        );
    }
    channels
}

/// The routes of `/api/v1` and their OpenAPI document, built from the same handlers.
fn api() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, mut document) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(api::workflows::router())
        .merge(api::follow_ups::router())
        .merge(api::versions::router())
        .merge(api::test_suite::router())
        .merge(api::replays::router())
        .merge(api::conversations::router())
        .merge(api::contacts::router())
        .merge(api::steps::router())
        .merge(api::agents::router())
        .merge(api::analytics::router())
        .merge(api::audit::router())
        .merge(api::team::router())
        .split_for_parts();
    error::document_errors(&mut document);
    (router, document)
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
        .nest(
            "/webhooks",
            webhooks::router().route_layer(axum::middleware::from_fn_with_state(
                state.clone(),
                metrics::time_webhook,
            )),
        )
        .route(
            "/metrics",
            get(metrics::render).layer(axum::middleware::from_fn_with_state(
                state.clone(),
                auth::require_api_key,
            )),
        )
        .route("/healthz", get(health))
        .merge(web::router(state.clone()))
        .layer(DefaultBodyLimit::max(extract::BODY_LIMIT))
        .layer(axum::middleware::from_fn(typed_input::refuse_unstorable))
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
        "matching": match state.matchers.semantic() {
            Some(_) => "keywords+semantic",
            None => "keywords",
        },
        "model": state.model.state(),
    })))
}

/// Runs the server until Ctrl-C or SIGTERM.
pub async fn serve(config: Config, store: Arc<dyn Store>) -> anyhow::Result<()> {
    let listen = config.listen;
    let public_url = config.public_url.clone();
    let limits = config.limits.clone();
    let state = AppState::new(store, config).await?;
    let channels: Vec<&str> = state
        .messaging
        .channels
        .keys()
        .map(|c| c.as_str())
        .collect();
    tracing::info!(database = state.store.backend(), ?channels, "ready");
    let mut workers = state.start_workers();
    if state.model.needs_install() {
        workers.add(model::spawn_install(
            &state.config.data_dir,
            state.model.clone(),
            state.matchers.clone(),
        ));
    }
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|error| {
            anyhow::anyhow!(
                "cannot listen on {listen}: {error} (set SMSFLOW_LISTEN to another address)"
            )
        })?;
    tracing::info!(%listen, %public_url, "smsflow is serving");
    let cookies = web::CookiePolicy::for_public_url(&public_url);
    let inbox = state.messaging.inbox.clone();
    let app = router(state).layer(axum::Extension(cookies));
    let shutdown = async move {
        shutdown_signal().await;
        // Open inbox pages' event streams end, so they do not hold up the shutdown.
        inbox.stop();
    };
    listener::serve(listener, app, limits, shutdown).await;
    // The replies in flight are sent and marked before the process ends.
    workers.stop(smsflow_engine::workers::STOP_GRACE).await;
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
