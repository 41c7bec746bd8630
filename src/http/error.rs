//! Where typed errors become HTTP responses: each `AppError` category maps to
//! its status, each layer's error maps to an `AppError`, once, here.

use crate::{
    error::{AppError, ErrorBody, ErrorCode},
    store::StoreError,
};
use axum::{
    Json,
    extract::{FromRequest, Request, rejection::JsonRejection},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde::de::DeserializeOwned;

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, Json(ErrorBody { error: self })).into_response()
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(what) => AppError::new(ErrorCode::Conflict, format!("{what} already exists")),
            StoreError::NotFound(what) => AppError::not_found(what),
            StoreError::Fenced(_) => AppError::new(ErrorCode::Unavailable, e.to_string()),
            // Postgres text cannot hold NUL (22021): the client's input is at fault.
            StoreError::Db(sqlx::Error::Database(db)) if db.code().as_deref() == Some("22021") => {
                AppError::bad_request("text must not contain NUL (\\u0000) characters")
            }
            // 22008 datetime_field_overflow: a time outside what Postgres keeps.
            StoreError::Db(sqlx::Error::Database(db)) if db.code().as_deref() == Some("22008") => {
                AppError::bad_request("a time is out of the supported range (years 0001 to 9999)")
            }
            StoreError::Db(e) if crate::store::is_timeout(&e) => {
                tracing::warn!(error = %e, "query cancelled by the read timeout");
                AppError::new(
                    ErrorCode::Unavailable,
                    "the query took longer than the server allows (FEEDBOARD_READ_TIMEOUT) and was cancelled; \
                     narrow it (shorter time range, more filters) or try again later",
                )
            }
            StoreError::Db(e) if crate::store::is_transient(&e) => {
                tracing::warn!(error = %e, "database unavailable");
                AppError::new(ErrorCode::Unavailable, "the database is unavailable; try again shortly")
            }
            StoreError::Db(e) => {
                tracing::error!(error = %e, "database error");
                AppError::internal()
            }
        }
    }
}

/// A JSON body whose rejections use the API error format: 400 for malformed
/// JSON, 422 for well-formed JSON with wrong fields, 413 when too large.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

fn json_rejection(rejection: JsonRejection) -> AppError {
    let text = rejection.body_text();
    match rejection {
        JsonRejection::JsonDataError(_) => AppError::new(ErrorCode::Invalid, text),
        JsonRejection::MissingJsonContentType(_) => {
            AppError::bad_request("expected a JSON body with Content-Type: application/json")
        }
        _ if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => AppError::new(ErrorCode::TooLarge, text),
        _ => AppError::bad_request(text),
    }
}

/// Server functions answer every error with 500; this gives each the
/// status of its category (401, 403, 404, 422, …), as the REST API does, so
/// clients and logs can tell "sign in first" from a crash. Only error
/// responses of server functions (their `serverfnerror` header) are read.
pub async fn server_fn_error_status(response: Response) -> Response {
    use leptos::server_fn::error::SERVER_FN_ERROR_HEADER;
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !response.headers().contains_key(SERVER_FN_ERROR_HEADER)
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 1024 * 1024).await else {
        return AppError::internal().into_response();
    };
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status = StatusCode::from_u16(error.code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    }
    Response::from_parts(parts, axum::body::Body::from(bytes))
}

/// Query parameters whose rejections use the API error format (400).
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> axum::extract::FromRequestParts<S> for ApiQuery<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(v)| ApiQuery(v))
            .map_err(|e| AppError::bad_request(e.body_text()))
    }
}

/// Path parameters whose rejections use the API error format (400, e.g. an
/// id that is not a number).
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> axum::extract::FromRequestParts<S> for ApiPath<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(v)| ApiPath(v))
            .map_err(|e| AppError::bad_request(e.body_text()))
    }
}
