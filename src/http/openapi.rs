//! The machine-readable API contract at `/api/v1/openapi.json`: the
//! document's header and shared schemas; the operations come from the
//! route registrations in `api.rs`.

use axum::{Extension, Json};
use std::sync::Arc;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(title = "feedboard", description = "Live feeds of stock ticks and log lines: ingest, history, live streams."),
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

/// The served document, built once from the routes' registrations.
#[derive(Clone)]
pub struct Document(Arc<utoipa::openapi::OpenApi>);

impl Document {
    /// The header and shared schemas, with the operations of `routes`
    /// (the documents that `OpenApiRouter`s collected) merged in.
    pub fn new(routes: impl IntoIterator<Item = utoipa::openapi::OpenApi>) -> Self {
        let mut doc = ApiDoc::openapi();
        for part in routes {
            doc.merge(part);
        }
        Self(Arc::new(doc))
    }
}

/// `GET /api/v1/openapi.json`.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "meta", responses(
    (status = 200, content_type = "application/json", description = "this OpenAPI 3.1 document")))]
pub async fn document(Extension(Document(doc)): Extension<Document>) -> Json<Arc<utoipa::openapi::OpenApi>> {
    Json(doc)
}
