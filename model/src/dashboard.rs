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
    /// One line per symbol (closes at the range's interval), in price or in
    /// % change from the range's start.
    Line,
}

impl WidgetKind {
    /// Every kind, in the order forms offer them.
    pub const ALL: [WidgetKind; 7] = [
        WidgetKind::Ticker,
        WidgetKind::Chart,
        WidgetKind::Log,
        WidgetKind::Table,
        WidgetKind::Stats,
        WidgetKind::Histogram,
        WidgetKind::Line,
    ];

    /// The kind's name as the API spells it (`ticker`, `chart`, `log`, `table`, `stats`, `histogram`, `line`).
    pub fn as_str(self) -> &'static str {
        match self {
            WidgetKind::Ticker => "ticker",
            WidgetKind::Chart => "chart",
            WidgetKind::Log => "log",
            WidgetKind::Table => "table",
            WidgetKind::Stats => "stats",
            WidgetKind::Histogram => "histogram",
            WidgetKind::Line => "line",
        }
    }

    /// Whether the widget shows chosen symbols (and so needs one).
    pub fn needs_symbol(self) -> bool {
        matches!(self, WidgetKind::Chart | WidgetKind::Stats | WidgetKind::Line)
    }

    /// How many symbols the widget can show.
    pub fn most_symbols(self) -> usize {
        match self {
            WidgetKind::Line => MOST_LINES,
            _ => 1,
        }
    }

    /// The kind called `name`, if any.
    pub fn parse(name: &str) -> Option<WidgetKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

/// The most symbols one line chart draws.
pub const MOST_LINES: usize = 8;

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
    /// The symbol of a chart or stats block; a line chart's symbols,
    /// separated by commas (`AAPL,MSFT`).
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

    /// The symbols it shows: the comma-separated list, trimmed, without
    /// empty entries or repeats.
    pub fn symbols(&self) -> Vec<&str> {
        let mut symbols: Vec<&str> = Vec::new();
        for s in self.symbol.as_deref().unwrap_or_default().split(',').map(str::trim) {
            if !s.is_empty() && !symbols.contains(&s) {
                symbols.push(s);
            }
        }
        symbols
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
            let symbols = w.symbols();
            if symbols.iter().any(|s| s.chars().count() > 64) {
                fail(format!("widgets[{i}].symbol"), "must be at most 64 characters");
            }
            match w.kind.most_symbols() {
                1 if symbols.len() > 1 => fail(format!("widgets[{i}].symbol"), "one symbol"),
                most if symbols.len() > most => {
                    fail(format!("widgets[{i}].symbol"), &format!("at most {most} symbols, separated by commas"))
                }
                _ => {}
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
            (
                WidgetKind::Ticker | WidgetKind::Chart | WidgetKind::Table | WidgetKind::Stats | WidgetKind::Line,
                FeedKind::Ticks
            ) | (WidgetKind::Log | WidgetKind::Histogram, FeedKind::Logs)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dashboard(widgets: Vec<Widget>) -> Dashboard {
        Dashboard { slug: "d".into(), title: "D".into(), widgets }
    }

    fn symbol_errors(widget: Widget) -> Vec<String> {
        let errors = dashboard(vec![widget]).validate().err().unwrap_or_default();
        errors.into_iter().map(|e| format!("{}: {}", e.field, e.message)).collect()
    }

    #[test]
    fn a_line_chart_lists_its_symbols_once_each() {
        let line = Widget::new(WidgetKind::Line, "s", Some(" AAPL, MSFT,,AAPL ,GOOG "));
        assert_eq!(line.symbols(), ["AAPL", "MSFT", "GOOG"]);
        assert!(Widget::new(WidgetKind::Line, "s", None).symbols().is_empty());
        assert_eq!(Widget::new(WidgetKind::Chart, "s", Some("BRK.B")).symbols(), ["BRK.B"]);
    }

    #[test]
    fn only_line_charts_take_several_symbols() {
        let eight = (0..8).map(|i| format!("S{i}")).collect::<Vec<_>>().join(",");
        assert!(symbol_errors(Widget::new(WidgetKind::Line, "s", Some(&eight))).is_empty());
        assert_eq!(
            symbol_errors(Widget::new(WidgetKind::Line, "s", Some(&format!("{eight},S8")))),
            ["widgets[0].symbol: at most 8 symbols, separated by commas"]
        );
        assert_eq!(
            symbol_errors(Widget::new(WidgetKind::Chart, "s", Some("AAPL,MSFT"))),
            ["widgets[0].symbol: one symbol"]
        );
        let long = "X".repeat(65);
        assert_eq!(
            symbol_errors(Widget::new(WidgetKind::Line, "s", Some(&format!("AAPL,{long}")))),
            ["widgets[0].symbol: must be at most 64 characters"]
        );
    }
}
