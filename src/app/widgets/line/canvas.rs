//! Where a line chart draws: the container element and, in the browser,
//! the chart library's view in it, created on first load. On the server
//! every call is a no-op, so the widget itself needs no `cfg`.

use super::model::{Point, Scale};
#[cfg(feature = "hydrate")]
use super::view::LineView;
use leptos::{html::Div, prelude::*};

/// The drawing surface of one line chart; `Copy`.
#[derive(Clone, Copy)]
pub struct LineCanvas {
    /// The element the chart lives in.
    pub container: NodeRef<Div>,
    /// The time under the crosshair, in UTC seconds; `None` off the chart.
    pub hover: RwSignal<Option<i64>>,
    #[cfg(feature = "hydrate")]
    view: StoredValue<Option<LineView>, LocalStorage>,
    #[cfg(feature = "hydrate")]
    clock: crate::app::clock::Clock,
}

impl LineCanvas {
    /// A canvas for the widget being built; it follows the page's theme and
    /// time zone, and goes with the widget.
    pub fn new() -> Self {
        let canvas = LineCanvas {
            container: NodeRef::new(),
            hover: RwSignal::new(None),
            #[cfg(feature = "hydrate")]
            view: StoredValue::new_local(None),
            #[cfg(feature = "hydrate")]
            clock: crate::app::clock::use_clock(),
        };
        #[cfg(feature = "hydrate")]
        {
            crate::app::widgets::chart_look::keep_current(
                canvas.container,
                canvas.clock,
                canvas.view,
                |v: &LineView| &v.frame,
            );
        }
        canvas
    }

    /// Creates the chart with `lines` lines unless it exists.
    pub async fn ensure(self, lines: usize) -> Result<(), String> {
        #[cfg(feature = "hydrate")]
        if self.view.with_value(Option::is_none) {
            let view = LineView::create(self.container, lines, self.clock, self.hover).await?;
            self.view.set_value(Some(view));
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = lines;
        Ok(())
    }

    /// Replaces line `i`'s points.
    pub fn set_points(self, i: usize, points: &[Point]) {
        #[cfg(feature = "hydrate")]
        self.with_view(|v| v.set_points(i, points));
        #[cfg(not(feature = "hydrate"))]
        let _ = (i, points);
    }

    /// Labels the price axis for `scale`.
    pub fn set_scale(self, scale: Scale) {
        #[cfg(feature = "hydrate")]
        self.with_view(|v| v.set_scale(scale));
        #[cfg(not(feature = "hydrate"))]
        let _ = scale;
    }

    /// Changes line `i`'s last point or adds one after it.
    pub fn update(self, i: usize, point: Point) {
        #[cfg(feature = "hydrate")]
        self.with_view(|v| v.update(i, point));
        #[cfg(not(feature = "hydrate"))]
        let _ = (i, point);
    }

    #[cfg(feature = "hydrate")]
    fn with_view(self, f: impl FnOnce(&LineView)) {
        self.view.try_with_value(|v| v.as_ref().map(f));
    }
}
