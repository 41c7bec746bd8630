//! What every chart of the chart library shares (browser only): options as
//! JavaScript values, the chart itself in the page's theme with time labels
//! in the page's time zone ([`Frame`]), and keeping both current.

use crate::app::{clock::Clock, widgets::charts_js as lc};
use leptos::{html::Div, prelude::*};
use serde::Serialize;
use serde_json::json;
use wasm_bindgen::{JsValue, prelude::Closure};

/// `value` as the chart library takes options and data.
pub fn js(value: &serde_json::Value) -> JsValue {
    value.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).unwrap_or(JsValue::NULL)
}

/// The chart options that follow the theme: text and grid colours.
fn colours(dark: bool) -> serde_json::Value {
    let (text, grid) = if dark { ("#cbd5e1", "#1e293b") } else { ("#334155", "#e2e8f0") };
    json!({
        "layout": {"background": {"color": "transparent"}, "textColor": text},
        "grid": {"vertLines": {"color": grid}, "horzLines": {"color": grid}},
    })
}

/// A chart of the library with what every chart has: sized by its
/// container, coloured for the page's theme, times in the page's zone.
pub struct Frame {
    pub chart: lc::ChartApi,
    times: TimeLabels,
}

impl Frame {
    /// Creates a chart in `el`; `extra` adds options to the shared ones.
    pub fn create(el: &web_sys::HtmlElement, clock: Clock, extra: serde_json::Value) -> Frame {
        let mut options = colours(crate::app::theme::is_dark());
        options["autoSize"] = json!(true);
        options["timeScale"] = json!({"timeVisible": true, "secondsVisible": true});
        if let (Some(options), serde_json::Value::Object(extra)) = (options.as_object_mut(), extra) {
            options.extend(extra);
        }
        let chart = lc::create_chart(el, &js(&options));
        let times = TimeLabels::new(clock);
        times.apply(&chart);
        Frame { chart, times }
    }

    /// Redraws the time labels (the page's time zone changed).
    pub fn redraw_times(&self) {
        self.times.apply(&self.chart);
    }

    /// Recolours the chart for the dark (or light) theme.
    pub fn recolour(&self, dark: bool) {
        self.chart.apply_options(&js(&colours(dark)));
    }

    /// Takes the chart out of the page.
    fn remove(&self) {
        self.chart.remove();
    }
}

/// A chart's time formatters (crosshair label and axis ticks) in the page's
/// time zone, kept alive with the chart.
struct TimeLabels {
    label: Closure<dyn Fn(JsValue) -> JsValue>,
    tick: Closure<dyn Fn(JsValue, JsValue) -> JsValue>,
}

impl TimeLabels {
    fn new(clock: Clock) -> Self {
        let text = move |time: &JsValue, pattern: &str| -> JsValue {
            let secs = time.as_f64().unwrap_or_default() as i64;
            let ts = chrono::DateTime::from_timestamp(secs, 0).unwrap_or_default();
            let offset =
                clock.zone.try_with_untracked(|z| z.offset(ts)).unwrap_or(chrono::FixedOffset::east_opt(0).expect("0"));
            ts.with_timezone(&offset).format(pattern).to_string().into()
        };
        TimeLabels {
            label: Closure::new(move |time| text(&time, "%Y-%m-%d %H:%M:%S")),
            // lightweight-charts' TickMarkType: 0 year, 1 month, 2 day, 3 time, 4 time with seconds.
            tick: Closure::new(move |time, kind: JsValue| {
                let pattern = match kind.as_f64().unwrap_or(3.0) as u8 {
                    0 => "%Y",
                    1 => "%b",
                    2 => "%d %b",
                    4 => "%H:%M:%S",
                    _ => "%H:%M",
                };
                text(&time, pattern)
            }),
        }
    }

    /// Makes `chart` use these labels (again, after the zone changed).
    fn apply(&self, chart: &lc::ChartApi) {
        let options = js(&json!({"localization": {}, "timeScale": {}}));
        let set = |outer: &str, key: &str, f: &JsValue| {
            if let Ok(inner) = js_sys::Reflect::get(&options, &outer.into()) {
                let _ = js_sys::Reflect::set(&inner, &key.into(), f);
            }
        };
        set("localization", "timeFormatter", self.label.as_ref());
        set("timeScale", "tickMarkFormatter", self.tick.as_ref());
        chart.apply_options(&options);
    }
}

/// Keeps the chart that `view` holds once created (its [`Frame`] is
/// `frame(view)`) in the page's theme and time zone, and takes it out of the
/// page when the widget goes; the container carries both as `data-theme`
/// and `data-time-zone` (for tests and styles).
pub fn keep_current<V: 'static>(
    container: NodeRef<Div>,
    clock: Clock,
    view: StoredValue<Option<V>, LocalStorage>,
    frame: fn(&V) -> &Frame,
) {
    let with_frame = move |f: &dyn Fn(&Frame)| view.with_value(|v| v.iter().for_each(|v| f(frame(v))));
    if let Some(theme) = use_context::<crate::app::theme::Theme>() {
        Effect::new(move |_| {
            let dark = theme.dark.get();
            with_frame(&|f| f.recolour(dark));
            if let Some(el) = container.get() {
                let _ = el.set_attribute("data-theme", if dark { "dark" } else { "light" });
            }
        });
    }
    Effect::new(move |_| {
        let zone = clock.zone.get();
        with_frame(&Frame::redraw_times);
        if let Some(el) = container.get() {
            let _ = el.set_attribute("data-time-zone", zone.key());
        }
    });
    on_cleanup(move || {
        view.try_update_value(|v| v.take().map(|v| frame(&v).remove()));
    });
}
