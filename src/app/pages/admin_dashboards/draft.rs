//! The dashboard form's state: title, slug and an ordered list of widget
//! inputs, and the conversion to and from the `Dashboard` the server checks.

use crate::model::{Dashboard, Widget, WidgetKind, WidgetWidth};
use leptos::prelude::*;

/// The inputs of one widget. `key` stays the same while the widget moves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WidgetDraft {
    pub key: u64,
    /// `ticker`, `chart` or `log`.
    pub kind: RwSignal<String>,
    /// Feed name; empty until chosen.
    pub feed: RwSignal<String>,
    /// Symbol for charts and stats; empty means none.
    pub symbol: RwSignal<String>,
    /// `half`, `full`, or empty for the type's default.
    pub width: RwSignal<String>,
}

impl WidgetDraft {
    /// The chosen kind (tracked); unknown text counts as a ticker.
    pub fn kind(&self) -> WidgetKind {
        WidgetKind::parse(&self.kind.get()).unwrap_or(WidgetKind::Ticker)
    }

    fn widget(&self) -> Widget {
        let kind = self.kind();
        let symbol = self.symbol.get().trim().to_owned();
        Widget {
            kind,
            feed: self.feed.get(),
            symbol: (kind.needs_symbol() && !symbol.is_empty()).then_some(symbol),
            width: WidgetWidth::parse(&self.width.get()),
        }
    }
}

/// The inputs of the dashboard form.
#[derive(Clone, Copy)]
pub struct DashboardDraft {
    pub slug: RwSignal<String>,
    pub title: RwSignal<String>,
    pub widgets: RwSignal<Vec<WidgetDraft>>,
    next_key: StoredValue<u64>,
}

impl DashboardDraft {
    /// The form for `dashboard`, or an empty one with a first widget.
    pub fn new(dashboard: Option<&Dashboard>) -> Self {
        let draft = DashboardDraft {
            slug: RwSignal::new(dashboard.map(|d| d.slug.clone()).unwrap_or_default()),
            title: RwSignal::new(dashboard.map(|d| d.title.clone()).unwrap_or_default()),
            widgets: RwSignal::new(Vec::new()),
            next_key: StoredValue::new(0),
        };
        match dashboard {
            Some(d) => d.widgets.iter().for_each(|w| draft.push(w)),
            None => draft.add(),
        }
        draft
    }

    /// Appends a ticker widget with no feed chosen yet.
    pub fn add(&self) {
        self.push(&Widget::new(WidgetKind::Ticker, "", None));
    }

    fn push(&self, widget: &Widget) {
        let key = self.next_key.get_value();
        self.next_key.set_value(key + 1);
        let draft = WidgetDraft {
            key,
            kind: RwSignal::new(widget.kind.as_str().to_owned()),
            feed: RwSignal::new(widget.feed.clone()),
            symbol: RwSignal::new(widget.symbol.clone().unwrap_or_default()),
            width: RwSignal::new(widget.width.map(|w| w.as_str().to_owned()).unwrap_or_default()),
        };
        self.widgets.update(|w| w.push(draft));
    }

    /// Removes the widget with `key`.
    pub fn remove(&self, key: u64) {
        self.widgets.update(|w| w.retain(|d| d.key != key));
    }

    /// Moves the widget with `key` one place up (`-1`) or down (`1`).
    pub fn shift(&self, key: u64, by: isize) {
        self.widgets.update(|w| {
            if let Some(from) = w.iter().position(|d| d.key == key) {
                let to = from.saturating_add_signed(by);
                if to < w.len() {
                    w.swap(from, to);
                }
            }
        });
    }

    /// Where the widget with `key` is now (tracked).
    pub fn position(&self, key: u64) -> Option<usize> {
        self.widgets.with(|w| w.iter().position(|d| d.key == key))
    }

    /// The dashboard as entered (read without tracking).
    pub fn dashboard(&self) -> Dashboard {
        untrack(|| Dashboard {
            slug: self.slug.get().trim().to_owned(),
            title: self.title.get().trim().to_owned(),
            widgets: self.widgets.get().iter().map(WidgetDraft::widget).collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn markets() -> Dashboard {
        Dashboard {
            slug: "markets".into(),
            title: "Markets".into(),
            widgets: vec![
                Widget::new(WidgetKind::Ticker, "us", None),
                Widget { width: Some(WidgetWidth::Full), ..Widget::new(WidgetKind::Chart, "us", Some("AAPL")) },
                Widget::new(WidgetKind::Log, "app", None),
            ],
        }
    }

    #[test]
    fn a_stored_dashboard_comes_back_unchanged() {
        Owner::new().with(|| assert_eq!(DashboardDraft::new(Some(&markets())).dashboard(), markets()));
    }

    #[test]
    fn a_new_dashboard_starts_with_one_empty_widget() {
        Owner::new().with(|| {
            let d = DashboardDraft::new(None).dashboard();
            assert_eq!(d.widgets, [Widget::new(WidgetKind::Ticker, "", None)]);
        });
    }

    #[test]
    fn widgets_move_and_go() {
        Owner::new().with(|| {
            let draft = DashboardDraft::new(Some(&markets()));
            let keys: Vec<u64> = draft.widgets.get_untracked().iter().map(|w| w.key).collect();
            draft.shift(keys[2], -1);
            draft.shift(keys[0], -1);
            let kinds = |d: Dashboard| d.widgets.into_iter().map(|w| w.kind).collect::<Vec<_>>();
            assert_eq!(kinds(draft.dashboard()), [WidgetKind::Ticker, WidgetKind::Log, WidgetKind::Chart]);
            draft.shift(keys[1], 1);
            assert_eq!(draft.position(keys[1]), Some(2));
            draft.remove(keys[2]);
            assert_eq!(kinds(draft.dashboard()), [WidgetKind::Ticker, WidgetKind::Chart]);
        });
    }

    #[test]
    fn only_charts_keep_a_symbol() {
        Owner::new().with(|| {
            let draft = DashboardDraft::new(Some(&markets()));
            let chart = draft.widgets.get_untracked()[1];
            chart.kind.set("ticker".into());
            assert_eq!(draft.dashboard().widgets[1].symbol, None);
        });
    }
}
