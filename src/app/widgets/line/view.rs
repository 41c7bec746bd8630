//! The chart library's objects for one line chart (browser only): the
//! chart, one line series per symbol, and the crosshair's time.

use super::model::{PALETTE, Point, Scale};
use crate::app::{
    clock::Clock,
    widgets::{
        chart_look::{Frame, js},
        charts_js as lc,
    },
};
use leptos::{html::Div, prelude::*};
use serde_json::json;
use wasm_bindgen::{JsCast, JsValue, prelude::Closure};

/// A drawn line chart; kept current and removed through its
/// [`Frame`] (see [`keep_current`](crate::app::widgets::chart_look::keep_current)).
pub struct LineView {
    pub frame: Frame,
    lines: Vec<lc::SeriesApi>,
    _crosshair: Closure<dyn FnMut(JsValue)>,
}

impl LineView {
    /// Creates the chart with `lines` lines in `container`; `hover` follows
    /// the time under the crosshair (`None` when it leaves the chart).
    pub async fn create(
        container: NodeRef<Div>,
        lines: usize,
        clock: Clock,
        hover: RwSignal<Option<i64>>,
    ) -> Result<LineView, String> {
        lc::load().await?;
        let Some(el) = container.get_untracked() else { return Err("chart container missing".into()) };
        let frame = Frame::create(el.unchecked_ref(), clock, json!({}));
        let chart = &frame.chart;
        let lines = (0..lines)
            .map(|i| {
                let options = json!({"color": PALETTE[i % PALETTE.len()], "lineWidth": 2, "priceLineVisible": false});
                chart.add_series(&lc::series_definition("LineSeries"), &js(&options))
            })
            .collect();
        let crosshair = Closure::<dyn FnMut(JsValue)>::new(move |param: JsValue| {
            let time = js_sys::Reflect::get(&param, &"time".into()).ok().and_then(|t| t.as_f64());
            hover.set(time.map(|t| t as i64));
        });
        chart.subscribe_crosshair_move(crosshair.as_ref().unchecked_ref());
        Ok(LineView { frame, lines, _crosshair: crosshair })
    }

    /// Replaces line `i`'s points and shows every line whole.
    pub fn set_points(&self, i: usize, points: &[Point]) {
        if let Some(line) = self.lines.get(i) {
            line.set_data(&js(&serde_json::to_value(points).unwrap_or_default()));
            self.frame.chart.time_scale().fit_content();
        }
    }

    /// Changes line `i`'s last point, or adds one after it; while the
    /// first point is in view, the view grows to keep every point in it
    /// (instead of scrolling the oldest out).
    pub fn update(&self, i: usize, point: Point) {
        if let Some(line) = self.lines.get(i) {
            let time_scale = self.frame.chart.time_scale();
            let range = time_scale.get_visible_logical_range();
            let from = js_sys::Reflect::get(&range, &"from".into()).ok().and_then(|f| f.as_f64());
            line.update(&js(&serde_json::to_value(point).unwrap_or_default()));
            if from.is_some_and(|from| from <= 0.5) {
                time_scale.fit_content();
            }
        }
    }

    /// Labels the price axis for `scale` (`%` after values in % change).
    pub fn set_scale(&self, scale: Scale) {
        let kind = match scale {
            Scale::Price => "price",
            Scale::Change => "percent",
        };
        let options = js(&json!({"priceFormat": {"type": kind, "precision": 2, "minMove": 0.01}}));
        self.lines.iter().for_each(|line| line.apply_options(&options));
    }
}
