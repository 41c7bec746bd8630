//! Where a chart widget draws: the container element and, in the browser,
//! the chart library's view in it, created on first load. On the server
//! every call is a no-op, so the widget itself needs no `cfg`.

use super::bar::Bar;
#[cfg(feature = "hydrate")]
use super::view::{self, ChartView};
use crate::app::widgets::{ChartMarker, WidgetExtras};
use leptos::{html::Div, prelude::*};

/// The drawing surface of one chart widget; `Copy`.
#[derive(Clone, Copy)]
pub struct Canvas {
    /// The element the chart lives in.
    pub container: NodeRef<Div>,
    /// Goes up each time the user pans or zooms out past the first bar.
    pub past_start: RwSignal<u64>,
    #[cfg(feature = "hydrate")]
    view: StoredValue<Option<ChartView>, LocalStorage>,
    #[cfg(feature = "hydrate")]
    extras: Option<WidgetExtras>,
    /// The page's time zone, for the time axis.
    #[cfg(feature = "hydrate")]
    clock: crate::app::clock::Clock,
}

impl Canvas {
    /// A canvas for the widget being built: reads the page's
    /// [`WidgetExtras`] now, as context is gone after an `await`.
    pub fn new() -> Self {
        let extras = use_context::<WidgetExtras>();
        #[cfg(not(feature = "hydrate"))]
        let _ = extras;
        Canvas {
            container: NodeRef::new(),
            past_start: RwSignal::new(0),
            #[cfg(feature = "hydrate")]
            view: StoredValue::new_local(None),
            #[cfg(feature = "hydrate")]
            extras,
            #[cfg(feature = "hydrate")]
            clock: crate::app::clock::use_clock(),
        }
    }

    /// Creates the chart for `symbol` of `feed` unless it exists.
    pub async fn ensure(self, feed: String, symbol: String) -> Result<(), String> {
        #[cfg(feature = "hydrate")]
        {
            let on_point = self.extras.and_then(|e| e.on_chart_point);
            view::ensure(self.view, self.container, on_point, self.past_start, self.clock, feed, symbol).await
        }
        #[cfg(not(feature = "hydrate"))]
        {
            let _ = (feed, symbol);
            Ok(())
        }
    }

    /// Draws `bars` after `added` older ones came in before the first,
    /// keeping the view where it was.
    pub fn prepend(self, bars: &[Bar], added: usize) {
        #[cfg(feature = "hydrate")]
        self.view.with_value(|v| {
            if let Some(v) = v {
                v.prepend(bars, added)
            }
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = (bars, added);
    }

    /// Draws bars once the chart exists: `all` replaces every bar, `update`
    /// changes the last one (or adds one).
    pub fn draw(self, all: Option<&[Bar]>, update: Option<Bar>) {
        #[cfg(feature = "hydrate")]
        self.view.with_value(|v| {
            if let Some(v) = v {
                if let Some(all) = all {
                    v.set_bars(all);
                }
                if let Some(bar) = update {
                    v.update(bar);
                }
            }
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = (all, update);
    }

    /// Keeps the page's markers (notes, alerts) of `symbol` drawn and the
    /// chart in the page's theme and time zone, and removes the chart when
    /// the widget goes; returns the markers, for a text list beside the
    /// drawing (always empty on the server).
    pub fn follow_markers(self, feed: String, symbol: String) -> Signal<Vec<ChartMarker>> {
        #[cfg(feature = "hydrate")]
        {
            let markers = self.extras.and_then(|e| e.chart_markers).map(|markers| markers(feed, symbol));
            if let Some(markers) = markers {
                Effect::new(move |_| {
                    let list = markers.get();
                    self.view.with_value(|v| {
                        if let Some(v) = v {
                            v.set_markers(&list)
                        }
                    });
                });
            }
            crate::app::widgets::chart_look::keep_current(self.container, self.clock, self.view, |v: &ChartView| {
                &v.frame
            });
            markers.unwrap_or_else(|| Signal::stored(Vec::new()))
        }
        #[cfg(not(feature = "hydrate"))]
        {
            let _ = (feed, symbol);
            Signal::stored(Vec::new())
        }
    }
}
