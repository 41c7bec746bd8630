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
        super::auth::change_password,
        super::users::list,
        super::users::create,
        super::users::update,
        super::users::delete,
        super::ws::upgrade::upgrade,
        super::interaction::chat,
        super::interaction::feed_annotations,
        super::interaction::dashboard_annotations,
        super::cluster::get,
        super::history::ticks,
        super::history::candles,
        super::history::symbols,
        super::history::logs,
        super::history::rejected,
    ),
    components(schemas(
        crate::error::ErrorBody,
        crate::error::AppError,
        crate::error::ErrorCode,
        crate::error::FieldError,
        crate::model::ChatMessage,
        crate::model::Annotation,
        crate::model::AnnotationTarget
    ))
)]
struct ApiDoc;

/// `GET /api/v1/openapi.json`.
pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
