//! The machine-readable API contract at `/api/v1/openapi.json`.

use axum::Json;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(title = "feedboard", description = "Live feeds of stock ticks and log lines: ingest, history, live streams."),
    paths(
        super::probes::healthz,
        super::probes::readyz,
        super::probes::metrics,
        super::auth::login,
        super::auth::logout,
        super::auth::me,
        super::users::list,
        super::users::create,
        super::users::update,
    ),
    components(schemas(
        crate::error::ErrorBody,
        crate::error::AppError,
        crate::error::ErrorCode,
        crate::error::FieldError
    ))
)]
struct ApiDoc;

/// `GET /api/v1/openapi.json`.
pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
