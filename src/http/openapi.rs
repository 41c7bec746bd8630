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
        with_error_default(&mut doc);
        Self(Arc::new(doc))
    }
}

/// Gives every operation a `default` response: any status it does not list
/// (a malformed body or query is a 400 on every route, a missing session a
/// 401, …) answers with the one error envelope, as API.md says.
fn with_error_default(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    let error = ResponseBuilder::new()
        .description("An error, in the envelope every error has: `{\"error\": {\"code\": …, \"message\": …}}`")
        .content("application/json", ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorBody"))).build())
        .build();
    for item in doc.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
            &mut item.head,
            &mut item.options,
            &mut item.trace,
        ];
        for operation in operations.into_iter().flatten() {
            operation.responses.responses.entry("default".into()).or_insert_with(|| error.clone().into());
        }
    }
}

/// `GET /api/v1/openapi.json`.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "meta", responses(
    (status = 200, content_type = "application/json", description = "this OpenAPI 3.1 document")))]
pub async fn document(Extension(Document(doc)): Extension<Document>) -> Json<Arc<utoipa::openapi::OpenApi>> {
    Json(doc)
}
