//! Every API error as an RFC 9457 `application/problem+json` document, with a stable `code`; the
//! status codes live here and nowhere else.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use smsflow_core::Problems;
use smsflow_store::StoreError;
use utoipa::ToSchema;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("the request body is not valid: {0}")]
    Invalid(Problems),
    #[error("{0}")]
    BadRequest(String),
    #[error(
        "send `Authorization: Bearer <api key>`; create a key with `smsflow api-key create --name NAME`"
    )]
    Unauthorized,
    /// The key's scope does not allow this request (the message says which scope does).
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    VersionConflict(String),
    #[error(
        "the workflow has changed since the version in If-Match (it is now at version {current}): fetch it again, reapply your change and retry"
    )]
    PreconditionFailed { current: i64 },
    #[error(
        "say which version you are changing: send `If-Match: \"<version>\"` (the ETag of GET) or a `version` field"
    )]
    PreconditionRequired,
    #[error("the request body is larger than {limit} bytes: send less")]
    PayloadTooLarge { limit: usize },
    #[error("send the body as JSON with `Content-Type: application/json`")]
    UnsupportedMediaType,
    #[error("something went wrong on our side; the server log has the details")]
    Internal(String),
}

/// The problem document (RFC 9457) with smsflow's extension members.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemDocument {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: &'static str,
    pub status: u16,
    /// What happened and what to do.
    pub detail: String,
    /// A stable machine-readable code, e.g. `validation_failed`.
    pub code: &'static str,
    /// The validation problems, each with the field path and what to do.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problems: Option<Problems>,
    /// The current version of the resource, on conflicts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_version: Option<i64>,
}

impl ApiError {
    fn parts(&self) -> (StatusCode, &'static str, &'static str) {
        match self {
            ApiError::Invalid(_) => (
                StatusCode::BAD_REQUEST,
                "validation_failed",
                "The request is not valid",
            ),
            ApiError::BadRequest(_) => (
                StatusCode::BAD_REQUEST,
                "bad_request",
                "The request is not valid",
            ),
            ApiError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "An API key is required",
            ),
            ApiError::Forbidden(_) => (
                StatusCode::FORBIDDEN,
                "forbidden",
                "The API key may not do this",
            ),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found", "Not found"),
            ApiError::Conflict(_) => (StatusCode::CONFLICT, "conflict", "Conflict"),
            ApiError::VersionConflict(_) => (
                StatusCode::CONFLICT,
                "version_conflict",
                "The resource has changed",
            ),
            ApiError::PreconditionFailed { .. } => (
                StatusCode::PRECONDITION_FAILED,
                "precondition_failed",
                "The resource has changed",
            ),
            ApiError::PreconditionRequired => (
                StatusCode::PRECONDITION_REQUIRED,
                "precondition_required",
                "A version is required",
            ),
            ApiError::PayloadTooLarge { .. } => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "The request body is too large",
            ),
            ApiError::UnsupportedMediaType => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "The body must be JSON",
            ),
            ApiError::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Internal error",
            ),
        }
    }

    pub fn document(&self) -> ProblemDocument {
        let (status, code, title) = self.parts();
        ProblemDocument {
            kind: format!("https://smsflow.dev/problems/{}", code.replace('_', "-")),
            title,
            status: status.as_u16(),
            detail: match self {
                ApiError::Invalid(problems) => format!(
                    "{} problem{} to fix: {}",
                    problems.len(),
                    if problems.len() == 1 { "" } else { "s" },
                    problems
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
                other => other.to_string(),
            },
            code,
            problems: match self {
                ApiError::Invalid(problems) => Some(problems.clone()),
                _ => None,
            },
            current_version: match self {
                ApiError::PreconditionFailed { current } => Some(*current),
                _ => None,
            },
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(cause) = &self {
            tracing::error!(%cause, "request failed");
        }
        let document = self.document();
        let status =
            StatusCode::from_u16(document.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, axum::Json(document)).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if matches!(self, ApiError::Unauthorized) {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound { .. } => ApiError::NotFound(error.to_string()),
            StoreError::NameTaken(_)
            | StoreError::ApiKeyNameTaken(_)
            | StoreError::AdminEmailTaken(_)
            | StoreError::AdminExists => ApiError::Conflict(error.to_string()),
            StoreError::VersionConflict { .. }
            | StoreError::DraftChanged { current: Some(_) }
            | StoreError::Stale { .. } => ApiError::VersionConflict(error.to_string()),
            StoreError::DraftChanged { current: None } => ApiError::NotFound(error.to_string()),
            StoreError::Refused(message) => ApiError::Conflict(message),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

/// Media type of every error body (RFC 9457).
const PROBLEM_JSON: &str = "application/problem+json";

/// Makes the OpenAPI document say what the server does with errors on every route, so no route can
/// forget it: error bodies are problem documents served as `application/problem+json` (handlers
/// declare them with `body = ProblemDocument`, which utoipa files under `application/json`); every
/// route may answer 401; every route but a `GET` may answer 403 (to a read-only key); every route
/// that reads a JSON body may answer 400, 413 and 415.
pub fn document_errors(openapi: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::path::Operation;
    for item in openapi.paths.paths.values_mut() {
        let operations: [(&mut Option<Operation>, bool); 5] = [
            (&mut item.get, false),
            (&mut item.post, true),
            (&mut item.put, true),
            (&mut item.patch, true),
            (&mut item.delete, true),
        ];
        for (operation, writes) in operations {
            let Some(operation) = operation else {
                continue;
            };
            let responses = &mut operation.responses.responses;
            for response in responses.values_mut() {
                if let utoipa::openapi::RefOr::T(response) = response {
                    serve_problems_as_problem_json(response);
                }
            }
            let mut statuses = vec![StatusCode::UNAUTHORIZED];
            if writes {
                statuses.push(StatusCode::FORBIDDEN);
            }
            if operation.request_body.is_some() {
                statuses.extend([
                    StatusCode::BAD_REQUEST,
                    StatusCode::PAYLOAD_TOO_LARGE,
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ]);
            }
            for status in statuses {
                responses
                    .entry(status.as_str().to_string())
                    .or_insert_with(|| problem_response(status).into());
            }
        }
    }
}

fn is_problem_schema(content: &utoipa::openapi::Content) -> bool {
    matches!(&content.schema, Some(utoipa::openapi::RefOr::Ref(r))
        if r.ref_location.ends_with("/ProblemDocument"))
}

fn serve_problems_as_problem_json(response: &mut utoipa::openapi::Response) {
    let Some(utoipa::openapi::RefOr::T(content)) = response.content.get("application/json") else {
        return;
    };
    if is_problem_schema(content) {
        let content = response
            .content
            .shift_remove("application/json")
            .expect("checked above");
        response.content.insert(PROBLEM_JSON.to_string(), content);
    }
}

fn problem_response(status: StatusCode) -> utoipa::openapi::Response {
    let description = match status.as_u16() {
        401 => "No API key, or a revoked or unknown one",
        403 => "A read-only API key sent a request that is not a GET",
        400 => "The body is not valid JSON of the declared shape",
        413 => "The body is larger than the server accepts",
        415 => "The body is missing or not sent as JSON",
        _ => status.canonical_reason().unwrap_or("Error"),
    };
    utoipa::openapi::ResponseBuilder::new()
        .description(description)
        .content(
            PROBLEM_JSON,
            utoipa::openapi::Content::new(Some(utoipa::openapi::Ref::from_schema_name(
                "ProblemDocument",
            ))),
        )
        .build()
}

impl From<smsflow_engine::saved_suite::SuiteError> for ApiError {
    fn from(error: smsflow_engine::saved_suite::SuiteError) -> Self {
        use smsflow_engine::saved_suite::SuiteError;
        match error {
            SuiteError::Invalid(message) => ApiError::BadRequest(message),
            SuiteError::NoneSaved | SuiteError::Failed { .. } | SuiteError::DraftRequired => {
                ApiError::Conflict(error.to_string())
            }
            SuiteError::Store(error) => error.into(),
            SuiteError::Sandbox(error) => ApiError::Internal(error.to_string()),
        }
    }
}
