//! Dashboards: a named set of widgets over feeds.

use serde::{Deserialize, Serialize};

/// The kinds of widget a dashboard can show.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum WidgetKind {
    Ticker,
    Chart,
    Log,
    /// Latest values of every symbol, sortable.
    Table,
    /// Last, change, min, max, average and volume of one symbol over the range.
    Stats,
    /// Log lines per time bucket, stacked by level.
    Histogram,
}

impl WidgetKind {
    /// Every kind, in the order forms offer them.
    pub const ALL: [WidgetKind; 6] = [
        WidgetKind::Ticker,
        WidgetKind::Chart,
        WidgetKind::Log,
        WidgetKind::Table,
        WidgetKind::Stats,
        WidgetKind::Histogram,
    ];

    /// The kind's name as the API spells it (`ticker`, `chart`, `log`, `table`, `stats`, `histogram`).
    pub fn as_str(self) -> &'static str {
        match self {
            WidgetKind::Ticker => "ticker",
            WidgetKind::Chart => "chart",
            WidgetKind::Log => "log",
            WidgetKind::Table => "table",
            WidgetKind::Stats => "stats",
            WidgetKind::Histogram => "histogram",
        }
    }

    /// Whether the widget shows one symbol (and so needs one).
    pub fn needs_symbol(self) -> bool {
        matches!(self, WidgetKind::Chart | WidgetKind::Stats)
    }

    /// The kind called `name`, if any.
    pub fn parse(name: &str) -> Option<WidgetKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

/// How much of a dashboard's width a widget takes on wide screens (on
/// narrow ones every widget takes the whole width).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum WidgetWidth {
    Half,
    Full,
}

impl WidgetWidth {
    /// The name as the API spells it (`half`, `full`).
    pub fn as_str(self) -> &'static str {
        match self {
            WidgetWidth::Half => "half",
            WidgetWidth::Full => "full",
        }
    }

    pub fn parse(name: &str) -> Option<WidgetWidth> {
        [WidgetWidth::Half, WidgetWidth::Full].into_iter().find(|w| w.as_str() == name)
    }
}

/// One widget: what it shows and from which feed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Widget {
    #[serde(rename = "type")]
    pub kind: WidgetKind,
    pub feed: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symbol: Option<String>,
    /// Default: full for log tails and histograms, half for the others.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<WidgetWidth>,
}

impl Widget {
    /// A widget of `kind` over `feed` (and `symbol`), at its default width.
    pub fn new(kind: WidgetKind, feed: impl Into<String>, symbol: Option<&str>) -> Self {
        Widget { kind, feed: feed.into(), symbol: symbol.map(Into::into), width: None }
    }

    /// Whether it takes the dashboard's whole width on wide screens.
    pub fn is_full_width(&self) -> bool {
        match self.width {
            Some(width) => width == WidgetWidth::Full,
            None => matches!(self.kind, WidgetKind::Log | WidgetKind::Histogram),
        }
    }
}

/// A dashboard as stored and served by `/api/v1/dashboards/{slug}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Dashboard {
    pub slug: String,
    pub title: String,
    pub widgets: Vec<Widget>,
}

/// A line in the list of dashboards.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DashboardSummary {
    pub slug: String,
    pub title: String,
    pub widget_count: usize,
}

impl Dashboard {
    /// Checks slug, title and widgets; one message per offending field.
    pub fn validate(&self) -> Result<(), Vec<crate::FieldError>> {
        let mut errors = Vec::new();
        let mut fail = |field: String, message: &str| {
            errors.push(crate::FieldError { field, message: message.to_owned() });
        };
        if let Err(e) = crate::Slug::parse(&self.slug) {
            fail("slug".into(), &e.to_string());
        }
        let title_len = self.title.trim().chars().count();
        if title_len == 0 || title_len > 100 {
            fail("title".into(), "must be 1 to 100 characters");
        }
        if self.widgets.len() > 24 {
            fail("widgets".into(), "at most 24 widgets");
        }
        for (i, w) in self.widgets.iter().enumerate() {
            if w.feed.is_empty() {
                fail(format!("widgets[{i}].feed"), "choose a feed");
            }
            if w.symbol.as_ref().is_some_and(|s| s.chars().count() > 64) {
                fail(format!("widgets[{i}].symbol"), "must be at most 64 characters");
            }
        }
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }

    /// The distinct feeds the widgets show, in widget order.
    pub fn feeds(&self) -> Vec<String> {
        let mut feeds: Vec<String> = Vec::new();
        for w in &self.widgets {
            if !feeds.contains(&w.feed) {
                feeds.push(w.feed.clone());
            }
        }
        feeds
    }
}

impl WidgetKind {
    /// Whether this widget can show a feed of `kind`.
    pub fn shows(self, kind: crate::FeedKind) -> bool {
        use crate::FeedKind;
        matches!(
            (self, kind),
            (WidgetKind::Ticker | WidgetKind::Chart | WidgetKind::Table | WidgetKind::Stats, FeedKind::Ticks)
                | (WidgetKind::Log | WidgetKind::Histogram, FeedKind::Logs)
        )
    }
}
