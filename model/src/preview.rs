//! What a feed's mapping would make of live messages (the feed form's preview).

use serde::{Deserialize, Serialize};

/// How one live message would be stored: `parsed` or `error`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PreviewMessage {
    /// The payload as lossy UTF-8 (cut at 4 KiB).
    pub raw: String,
    #[cfg_attr(feature = "ssr", schema(value_type = Option<Object>))]
    pub parsed: Option<serde_json::Value>,
    pub error: Option<String>,
}

/// Result of `POST /api/v1/feeds/preview`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Preview {
    pub messages: Vec<PreviewMessage>,
    /// Something worth knowing, e.g. that the exchange does not exist yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Result of `POST /api/v1/feeds/{name}/rejected/reparse`: with
/// `dry_run`, how many stored rejected messages the feed's rules accept now
/// (`would_accept`); otherwise how many were stored (`accepted`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Reparse {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub would_accept: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepted: Option<u64>,
    /// Messages that still fail; they stay rejected.
    pub still_rejected: u64,
}
