//! The chart library's objects for one chart widget (browser only): the
//! chart, its candle and volume series and markers, and the click hook.

use super::bar::Bar;
use crate::app::{
    clock::Clock,
    widgets::{
        ChartMarker,
        chart_look::{Frame, js},
        charts_js as lc,
    },
};
use leptos::{html::Div, prelude::*};
use serde_json::json;
use wasm_bindgen::{JsCast, prelude::Closure};

/// A drawn chart; kept current and removed through its
/// [`Frame`] (see [`keep_current`](crate::app::widgets::chart_look::keep_current)).
pub struct ChartView {
    pub frame: Frame,
    candles: lc::SeriesApi,
    volume: lc::SeriesApi,
    markers: lc::MarkersApi,
    _click: Closure<dyn FnMut(wasm_bindgen::JsValue)>,
    _scroll: Closure<dyn FnMut(wasm_bindgen::JsValue)>,
    /// Whether the user has panned or zoomed since the chart last placed
    /// the view itself (a fit, a shift after older bars).
    user_moved: std::rc::Rc<std::cell::Cell<bool>>,
    _gestures: Closure<dyn FnMut(web_sys::Event)>,
}

/// Creates the chart in `container` unless it exists.
pub async fn ensure(
    handle: StoredValue<Option<ChartView>, LocalStorage>,
    container: NodeRef<Div>,
    on_point: Option<fn(String, String, i64)>,
    past_start: RwSignal<u64>,
    clock: Clock,
    feed: String,
    symbol: String,
) -> Result<(), String> {
    if handle.with_value(Option::is_some) {
        return Ok(());
    }
    lc::load().await?;
    let Some(el) = container.get_untracked() else { return Err("chart container missing".into()) };
    let frame = Frame::create(
        el.unchecked_ref(),
        clock,
        json!({"rightPriceScale": {"scaleMargins": {"top": 0.1, "bottom": 0.25}}}),
    );
    let chart = &frame.chart;
    let candles = chart.add_series(
        &lc::series_definition("CandlestickSeries"),
        &js(&json!({"upColor": "#10b981", "downColor": "#f43f5e", "borderVisible": false,
                    "wickUpColor": "#10b981", "wickDownColor": "#f43f5e"})),
    );
    let volume = chart.add_series(
        &lc::series_definition("HistogramSeries"),
        &js(&json!({"priceFormat": {"type": "volume"}, "priceScaleId": "volume", "color": "#94a3b8"})),
    );
    volume.price_scale().apply_options(&js(&json!({"scaleMargins": {"top": 0.8, "bottom": 0}})));
    let markers = lc::create_series_markers(&candles, &js(&json!([])));
    let click = Closure::<dyn FnMut(wasm_bindgen::JsValue)>::new(move |param: wasm_bindgen::JsValue| {
        let time = js_sys::Reflect::get(&param, &"time".into()).ok().and_then(|t| t.as_f64());
        if let (Some(on_point), Some(time)) = (on_point, time) {
            on_point(feed.clone(), symbol.clone(), time as i64 * 1000);
        }
    });
    chart.subscribe_click(click.as_ref().unchecked_ref());
    // Someone panned or zoomed out past the first bar: older ones are wanted.
    // Only the user's own panning or zooming asks for more: the chart's
    // fits and shifts may also leave the view starting before the first bar.
    let user_moved = std::rc::Rc::new(std::cell::Cell::new(false));
    let moved = user_moved.clone();
    let gestures = Closure::<dyn FnMut(web_sys::Event)>::new(move |ev: web_sys::Event| {
        let buttons = js_sys::Reflect::get(&ev, &"buttons".into()).ok().and_then(|b| b.as_f64()).unwrap_or(0.0);
        if ev.type_() != "pointermove" || buttons > 0.0 {
            moved.set(true);
        }
    });
    for kind in ["pointerdown", "pointermove", "wheel", "touchstart", "keydown"] {
        let _ = el.add_event_listener_with_callback(kind, gestures.as_ref().unchecked_ref());
    }
    let moved = user_moved.clone();
    let scroll = Closure::<dyn FnMut(wasm_bindgen::JsValue)>::new(move |range: wasm_bindgen::JsValue| {
        if moved.get() && range_from(&range).is_some_and(|from| from < -PAST_START_BARS) {
            moved.set(false);
            past_start.update(|n| *n += 1);
        }
    });
    chart.time_scale().subscribe_visible_logical_range_change(scroll.as_ref().unchecked_ref());
    handle.set_value(Some(ChartView {
        frame,
        candles,
        volume,
        markers,
        _click: click,
        _scroll: scroll,
        user_moved,
        _gestures: gestures,
    }));
    Ok(())
}

/// How far (in bars) before the first bar the user must pan or zoom to ask
/// for older ones.
const PAST_START_BARS: f64 = 2.0;

/// The `from` of a logical range (`None` for no range: no data).
fn range_from(range: &wasm_bindgen::JsValue) -> Option<f64> {
    js_sys::Reflect::get(range, &"from".into()).ok().and_then(|f| f.as_f64())
}

fn volume_point(bar: &Bar) -> serde_json::Value {
    let colour = if bar.close >= bar.open { "rgba(16,185,129,0.4)" } else { "rgba(244,63,94,0.4)" };
    json!({"time": bar.time, "value": bar.volume, "color": colour})
}

impl ChartView {
    /// Replaces every bar and shows them all.
    pub fn set_bars(&self, bars: &[Bar]) {
        self.set_data(bars);
        let time_scale = self.frame.chart.time_scale();
        time_scale.fit_content();
        self.user_moved.set(false);
    }

    /// Replaces every bar after `added` older ones came in before the
    /// first, keeping the same bars in view.
    pub fn prepend(&self, bars: &[Bar], added: usize) {
        let time_scale = self.frame.chart.time_scale();
        let range = time_scale.get_visible_logical_range();
        self.set_data(bars);
        let to = js_sys::Reflect::get(&range, &"to".into()).ok().and_then(|v| v.as_f64());
        if let (Some(from), Some(to)) = (range_from(&range), to) {
            let shift = added as f64;
            time_scale.set_visible_logical_range(&js(&json!({"from": from + shift, "to": to + shift})));
            self.user_moved.set(false);
        }
    }

    fn set_data(&self, bars: &[Bar]) {
        let candles: Vec<serde_json::Value> =
            bars.iter().map(|b| serde_json::to_value(b).unwrap_or_default()).collect();
        let volume: Vec<serde_json::Value> = bars.iter().map(volume_point).collect();
        self.candles.set_data(&js(&serde_json::Value::Array(candles)));
        self.volume.set_data(&js(&serde_json::Value::Array(volume)));
    }

    /// Updates the last bar, or adds one after it.
    pub fn update(&self, bar: Bar) {
        self.candles.update(&js(&serde_json::to_value(bar).unwrap_or_default()));
        self.volume.update(&js(&volume_point(&bar)));
    }

    /// Replaces the markers (notes and alerts).
    pub fn set_markers(&self, markers: &[ChartMarker]) {
        let list: Vec<serde_json::Value> = markers
            .iter()
            .map(|m| match m.alert {
                true => {
                    json!({"time": m.ts_ms / 1000, "position": "aboveBar", "color": "#e11d48", "shape": "arrowDown",
                               "text": m.text, "id": format!("alert-{}", m.id)})
                }
                false => json!({"time": m.ts_ms / 1000, "position": "aboveBar", "color": "#f59e0b", "shape": "circle",
                                "text": m.text, "id": m.id.to_string()}),
            })
            .collect();
        self.markers.set_markers(&js(&serde_json::Value::Array(list)));
    }
}
