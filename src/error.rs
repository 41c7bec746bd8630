//! The one error type that crosses the wire: JSON body of every failed REST
//! call and the error of every server function.

use serde::{Deserialize, Serialize};

/// Machine-readable error category; each maps to one HTTP status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    BadRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    /// The request's `Host` is not one this server serves (421).
    Misdirected,
    Conflict,
    TooLarge,
    Invalid,
    RateLimited,
    Unavailable,
    Internal,
}

impl ErrorCode {
    /// The HTTP status code this category is answered with.
    pub fn status(self) -> u16 {
        match self {
            Self::BadRequest => 400,
            Self::Unauthorized => 401,
            Self::Forbidden => 403,
            Self::NotFound => 404,
            Self::Misdirected => 421,
            Self::Conflict => 409,
            Self::TooLarge => 413,
            Self::Invalid => 422,
            Self::RateLimited => 429,
            Self::Unavailable => 503,
            Self::Internal => 500,
        }
    }
}

pub use crate::model::FieldError;

/// An error a user or API client can act on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[error("{message}")]
pub struct AppError {
    pub code: ErrorCode,
    pub message: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
}

impl AppError {
    /// An error of the given category with a human-readable message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), fields: Vec::new() }
    }

    /// 422: valid syntax, invalid values; one entry per offending field.
    pub fn invalid_fields(fields: Vec<FieldError>) -> Self {
        let message = fields.iter().map(|f| format!("{}: {}", f.field, f.message)).collect::<Vec<_>>().join("; ");
        Self { code: ErrorCode::Invalid, message, fields }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::BadRequest, message)
    }

    pub fn unauthorized() -> Self {
        Self::new(ErrorCode::Unauthorized, "sign in first")
    }

    pub fn forbidden() -> Self {
        Self::new(ErrorCode::Forbidden, "this needs the admin role")
    }

    pub fn not_found(what: impl std::fmt::Display) -> Self {
        Self::new(ErrorCode::NotFound, format!("{what} not found"))
    }

    pub fn internal() -> Self {
        Self::new(ErrorCode::Internal, "internal error; the server log has details")
    }

    /// The message for one field, if that field is at fault.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|f| f.field == name).map(|f| f.message.as_str())
    }
}

/// The JSON envelope of API.md: `{"error":{"code":"…","message":"…"}}`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub error: AppError,
}

impl leptos::server_fn::error::FromServerFnError for AppError {
    type Encoder = leptos::server_fn::codec::JsonEncoding;

    fn from_server_fn_error(value: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        use leptos::server_fn::error::ServerFnErrorErr as E;
        match value {
            E::Request(e) => AppError::new(ErrorCode::Unavailable, format!("cannot reach the server: {e}")),
            E::Args(e) | E::MissingArg(e) => AppError::bad_request(e),
            other => AppError::new(ErrorCode::Internal, other.to_string()),
        }
    }
}
