//! The export side of the history endpoints: which format a request asks
//! for (`format=` or `Accept`), and an export as a download response.

use crate::{
    domain::export::{Export, Format},
    error::AppError,
};
use axum::{
    body::Body,
    extract::FromRequestParts,
    http::{HeaderMap, HeaderValue, header, request::Parts},
    response::{IntoResponse, Response},
};
use serde::Deserialize;

/// The export parameter of `GET /api/v1/feeds/{name}/ticks|logs|candles`.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportParams {
    /// `csv` or `ndjson`: every matching row as a file, streamed, in `seq`
    /// order (candles in time order), without the `limit` cap; CSV with a
    /// header row. `json` (the default) keeps the JSON page. Instead of
    /// this parameter, `Accept: text/csv` or `Accept: application/x-ndjson`
    /// asks the same; the parameter wins when both are given.
    pub format: Option<String>,
}

/// The format a history request asks for: `Some` for an export, `None` for
/// the usual JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Wants(pub Option<Format>);

impl<S: Send + Sync> FromRequestParts<S> for Wants {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let super::error::ApiQuery(params) =
            super::error::ApiQuery::<ExportParams>::from_request_parts(parts, state).await?;
        wanted(params.format.as_deref(), &parts.headers).map(Wants)
    }
}

/// The `format` parameter if given, else what `Accept` prefers.
fn wanted(format: Option<&str>, headers: &HeaderMap) -> Result<Option<Format>, AppError> {
    match format {
        Some("json") => Ok(None),
        Some(name) => Format::parse(name)
            .map(Some)
            .ok_or_else(|| AppError::bad_request(format!("format {name:?} is not one of csv, ndjson, json"))),
        None => Ok(preferred(headers.get_all(header::ACCEPT).iter().filter_map(|v| v.to_str().ok()))),
    }
}

/// The export format `Accept` ranks highest among `application/json`,
/// `text/csv` and `application/x-ndjson` (by `q`, then by order); `None`
/// when that is JSON or none of them is named (wildcards mean JSON).
fn preferred<'a>(accept: impl Iterator<Item = &'a str>) -> Option<Format> {
    let mut best: Option<(f32, Option<Format>)> = None;
    for range in accept.flat_map(|v| v.split(',')) {
        let mut parts = range.split(';').map(str::trim);
        let kind = match parts.next().map(str::to_ascii_lowercase).as_deref() {
            Some("application/json") => None,
            Some("text/csv") => Some(Format::Csv),
            Some("application/x-ndjson") => Some(Format::Ndjson),
            _ => continue,
        };
        let q = parts
            .filter_map(|p| p.split_once('='))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case("q"))
            .and_then(|(_, v)| v.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if q > 0.0 && best.is_none_or(|(top, _)| q > top) {
            best = Some((q, kind));
        }
    }
    best.and_then(|(_, kind)| kind)
}

/// The download: its type, an attachment file name, and the streamed body.
pub fn response(export: Export) -> Response {
    let disposition = format!("attachment; filename=\"{}\"", export.filename);
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static(export.format.content_type())),
        (
            header::CONTENT_DISPOSITION,
            HeaderValue::from_str(&disposition).unwrap_or(HeaderValue::from_static("attachment")),
        ),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        (header::VARY, HeaderValue::from_static("Accept")),
    ];
    (headers, Body::from_stream(export.body)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(values: &[&str]) -> Option<Format> {
        let mut headers = HeaderMap::new();
        for v in values {
            headers.append(header::ACCEPT, HeaderValue::from_str(v).unwrap());
        }
        wanted(None, &headers).unwrap()
    }

    #[test]
    fn the_format_parameter_wins_over_accept() {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_static("text/csv"));
        assert_eq!(wanted(Some("ndjson"), &headers).unwrap(), Some(Format::Ndjson));
        assert_eq!(wanted(Some("json"), &headers).unwrap(), None);
        assert_eq!(wanted(None, &headers).unwrap(), Some(Format::Csv));
        assert!(wanted(Some("xml"), &headers).unwrap_err().message.contains("csv, ndjson, json"));
        assert!(wanted(Some("CSV"), &headers).is_err());
    }

    #[test]
    fn accept_picks_the_export_format_it_ranks_highest() {
        assert_eq!(accept(&["text/csv"]), Some(Format::Csv));
        assert_eq!(accept(&["application/x-ndjson"]), Some(Format::Ndjson));
        assert_eq!(accept(&["Text/CSV; charset=utf-8"]), Some(Format::Csv));
        assert_eq!(accept(&["application/json, text/csv"]), None, "the first of equals");
        assert_eq!(accept(&["application/json;q=0.5, text/csv"]), Some(Format::Csv));
        assert_eq!(accept(&["text/csv;q=0.2, application/x-ndjson;q=0.9"]), Some(Format::Ndjson));
        assert_eq!(accept(&["text/csv;q=0"]), None, "q=0 refuses it");
        assert_eq!(accept(&["text/html", "text/csv"]), Some(Format::Csv), "several headers");
    }

    #[test]
    fn browsers_and_plain_clients_get_json() {
        assert_eq!(accept(&[]), None);
        assert_eq!(accept(&["*/*"]), None);
        assert_eq!(accept(&["text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"]), None);
        assert_eq!(accept(&["text/*"]), None);
    }
}
