//! Dashboards: a named set of widgets over feeds.

use serde::{Deserialize, Serialize};

/// The kinds of widget a dashboard can show.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WidgetKind {
    Ticker,
    Chart,
    Log,
}

/// One widget: what it shows and from which feed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Widget {
    #[serde(rename = "type")]
    pub kind: WidgetKind,
    pub feed: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symbol: Option<String>,
}

/// A dashboard as stored and served by `/api/v1/dashboards/{slug}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dashboard {
    pub slug: String,
    pub title: String,
    pub widgets: Vec<Widget>,
}

/// A line in the list of dashboards.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DashboardSummary {
    pub slug: String,
    pub title: String,
    pub widget_count: usize,
}
