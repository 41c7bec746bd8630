//! The candle chart: candles and volume for one symbol, from the candles
//! history, then built up live from ticks; interval 1s/1m/5m/1h; markers for
//! annotations and a click hook to annotate a point.

use super::{WidgetExtras, gate::Gate};
use crate::{
    app::{
        api::live::candle_page,
        live::{FeedEvent, LiveStream},
    },
    model::{Candle, Tick},
};
use leptos::{html::Div, prelude::*};

/// Intervals offered, with their length in seconds.
pub const INTERVALS: [(&str, i64); 4] = [("1s", 1), ("1m", 60), ("5m", 300), ("1h", 3600)];

/// A bar as the chart library takes it (`time` in UTC seconds).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Bar {
    pub time: i64,
    pub open: f64,
    pub high: f64,
    pub low: f64,
    pub close: f64,
    #[serde(skip)]
    pub volume: f64,
}

impl Bar {
    fn from_candle(c: &Candle) -> Self {
        Bar { time: c.t.timestamp(), open: c.open, high: c.high, low: c.low, close: c.close, volume: c.volume }
    }

    /// Folds a tick into the bar series: updates the last bar or starts a
    /// new one; ticks for older buckets are left to the next reload.
    pub fn fold(last: Option<Bar>, tick: &Tick, interval_secs: i64) -> Option<Bar> {
        let bucket = tick.ts.timestamp().div_euclid(interval_secs) * interval_secs;
        match last {
            Some(bar) if bar.time == bucket => Some(Bar {
                high: bar.high.max(tick.price),
                low: bar.low.min(tick.price),
                close: tick.price,
                volume: bar.volume + tick.size,
                ..bar
            }),
            Some(bar) if bar.time > bucket => None,
            _ => Some(Bar {
                time: bucket,
                open: tick.price,
                high: tick.price,
                low: tick.price,
                close: tick.price,
                volume: tick.size,
            }),
        }
    }
}

/// Candle chart widget over a ticks feed.
#[component]
pub fn Chart(feed: String, symbol: String) -> impl IntoView {
    let interval = RwSignal::new(INTERVALS[1]);
    let container = NodeRef::<Div>::new();
    let gate = StoredValue::new(Gate::<Tick>::new(50_000));
    let bars: StoredValue<Option<Bar>> = StoredValue::new(None);
    let (error, set_error) = signal(None::<String>);
    let (loading, set_loading) = signal(true);
    let (empty, set_empty) = signal(false);
    let stream_ready = RwSignal::new(false);
    let feed_name = StoredValue::new(feed.clone());
    let symbol_name = StoredValue::new(symbol.clone());
    #[cfg(feature = "hydrate")]
    let view_handle = StoredValue::new_local(None::<chart_view::ChartView>);
    // Read here: context is gone once the chart is created after an await.
    #[cfg(feature = "hydrate")]
    let on_point = use_context::<WidgetExtras>().and_then(|e| e.on_chart_point);

    // Draws bars (all of them, or one update) once the chart exists.
    let draw = move |all: Option<Vec<Bar>>, update: Option<Bar>| {
        #[cfg(feature = "hydrate")]
        view_handle.with_value(|v| {
            if let Some(v) = v {
                if let Some(all) = &all {
                    v.set_bars(all);
                }
                if let Some(bar) = update {
                    v.update(bar);
                }
            }
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = (all, update);
    };

    // Folds a batch of ticks, drawing each bar once: the finished ones and
    // the last, still open one.
    let apply = move |ticks: Vec<Tick>| {
        let secs = interval.get_untracked().1;
        let symbol = symbol_name.get_value();
        let mut current = bars.get_value();
        let mut changed = false;
        for t in ticks.iter().filter(|t| t.symbol == symbol) {
            if let Some(bar) = Bar::fold(current, t, secs) {
                if let Some(done) = current.filter(|c| c.time != bar.time && changed) {
                    draw(None, Some(done));
                }
                current = Some(bar);
                changed = true;
            }
        }
        if changed {
            bars.set_value(current);
            draw(None, current);
            set_empty.set(false);
        }
    };

    let load = move || {
        let generation = gate.try_update_value(|g| g.start_load()).unwrap_or_default();
        set_loading.set(true);
        let (name, _) = interval.get_untracked();
        leptos::task::spawn_local(async move {
            #[cfg(feature = "hydrate")]
            if let Err(e) =
                chart_view::ensure(view_handle, container, on_point, feed_name.get_value(), symbol_name.get_value())
                    .await
            {
                set_error.set(Some(e));
            }
            match candle_page(feed_name.get_value(), symbol_name.get_value(), name.to_owned()).await {
                Ok(page) => {
                    let all: Vec<Bar> = page.items.iter().map(Bar::from_candle).collect();
                    bars.set_value(all.last().copied());
                    set_empty.set(all.is_empty());
                    draw(Some(all), None);
                    set_error.set(None);
                    if let Some((held, _)) = gate.try_update_value(|g| g.loaded(generation, page.last_seq)).flatten() {
                        apply(held);
                    }
                }
                Err(e) => set_error.set(Some(e.message)),
            }
            set_loading.set(false);
        });
    };

    expect_context::<LiveStream>().subscribe(&feed, move |event| match event {
        FeedEvent::Load { .. } => {
            stream_ready.set(true);
            load();
        }
        FeedEvent::Ticks(ticks) => {
            let fresh = gate.try_update_value(|g| g.live(ticks.iter().cloned())).unwrap_or_default();
            apply(fresh);
        }
        _ => {}
    });
    // A new interval reloads (once the stream said where live data starts).
    Effect::new(move |previous: Option<&'static str>| {
        let (name, _) = interval.get();
        if previous.is_some_and(|p| p != name) && stream_ready.get_untracked() {
            load();
        }
        name
    });

    // Annotation markers, when the page provides them.
    #[cfg(feature = "hydrate")]
    if let Some(markers) = use_context::<WidgetExtras>().and_then(|e| e.chart_markers) {
        let markers = markers(feed.clone(), symbol.clone());
        Effect::new(move |_| {
            let list = markers.get();
            view_handle.with_value(|v| {
                if let Some(v) = v {
                    v.set_markers(&list)
                }
            });
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = use_context::<WidgetExtras>();
    #[cfg(feature = "hydrate")]
    on_cleanup(move || {
        view_handle.try_update_value(|v| {
            if let Some(v) = v.take() {
                v.remove();
            }
        });
    });

    view! {
        <div class="flex flex-col gap-2">
            <div class="flex items-center gap-1 text-xs" role="group" aria-label="Interval">
                {INTERVALS.into_iter().map(|iv| view! {
                    <button
                        type="button"
                        class=move || format!("rounded px-2 py-0.5 font-medium {}", if interval.get().0 == iv.0 { "bg-sky-600 text-white" } else { "text-slate-600 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800" })
                        aria-pressed=move || (interval.get().0 == iv.0).to_string()
                        on:click=move |_| interval.set(iv)
                    >
                        {iv.0}
                    </button>
                }).collect_view()}
                <span class="ml-auto text-slate-500">"UTC · click a candle to annotate"</span>
            </div>
            {move || error.get().map(|e| view! { <p role="alert" class="text-sm text-rose-600">{e}</p> })}
            <div class="relative">
                <div node_ref=container class="h-72 w-full" data-testid="chart" data-symbol=symbol.clone()></div>
                <Show when=move || loading.get()>
                    <p class="absolute inset-0 flex animate-pulse items-center justify-center text-sm text-slate-500">"Loading…"</p>
                </Show>
                <Show when=move || !loading.get() && empty.get()>
                    <p class="absolute inset-0 flex items-center justify-center text-sm text-slate-500">
                        {format!("No ticks for {symbol} in this range yet.")}
                    </p>
                </Show>
            </div>
        </div>
    }
}

/// The chart library's objects for one widget (browser only).
#[cfg(feature = "hydrate")]
mod chart_view {
    use super::{super::charts_js as lc, Bar};
    use crate::app::widgets::ChartMarker;
    use leptos::{html::Div, prelude::*};
    use serde_json::json;
    use wasm_bindgen::{JsCast, prelude::Closure};

    pub struct ChartView {
        chart: lc::ChartApi,
        candles: lc::SeriesApi,
        volume: lc::SeriesApi,
        markers: lc::MarkersApi,
        _click: Closure<dyn FnMut(wasm_bindgen::JsValue)>,
    }

    fn js(value: &serde_json::Value) -> wasm_bindgen::JsValue {
        value.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).unwrap_or(wasm_bindgen::JsValue::NULL)
    }
    use serde::Serialize;

    /// Creates the chart in `container` unless it exists.
    pub async fn ensure(
        handle: StoredValue<Option<ChartView>, LocalStorage>,
        container: NodeRef<Div>,
        on_point: Option<fn(String, String, i64)>,
        feed: String,
        symbol: String,
    ) -> Result<(), String> {
        if handle.with_value(Option::is_some) {
            return Ok(());
        }
        lc::load().await?;
        let Some(el) = container.get_untracked() else { return Err("chart container missing".into()) };
        let dark = crate::app::theme::is_dark();
        let (text, grid) = if dark { ("#cbd5e1", "#1e293b") } else { ("#334155", "#e2e8f0") };
        let options = json!({
            "autoSize": true,
            "layout": {"background": {"color": "transparent"}, "textColor": text},
            "grid": {"vertLines": {"color": grid}, "horzLines": {"color": grid}},
            "timeScale": {"timeVisible": true, "secondsVisible": true},
            "rightPriceScale": {"scaleMargins": {"top": 0.1, "bottom": 0.25}},
        });
        let chart = lc::create_chart(el.unchecked_ref(), &js(&options));
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
        handle.set_value(Some(ChartView { chart, candles, volume, markers, _click: click }));
        Ok(())
    }

    fn volume_point(bar: &Bar) -> serde_json::Value {
        let colour = if bar.close >= bar.open { "rgba(16,185,129,0.4)" } else { "rgba(244,63,94,0.4)" };
        json!({"time": bar.time, "value": bar.volume, "color": colour})
    }

    impl ChartView {
        pub fn set_bars(&self, bars: &[Bar]) {
            let candles: Vec<serde_json::Value> =
                bars.iter().map(|b| serde_json::to_value(b).unwrap_or_default()).collect();
            let volume: Vec<serde_json::Value> = bars.iter().map(volume_point).collect();
            self.candles.set_data(&js(&serde_json::Value::Array(candles)));
            self.volume.set_data(&js(&serde_json::Value::Array(volume)));
            self.chart.time_scale().fit_content();
        }

        pub fn update(&self, bar: Bar) {
            self.candles.update(&js(&serde_json::to_value(bar).unwrap_or_default()));
            self.volume.update(&js(&volume_point(&bar)));
        }

        pub fn set_markers(&self, markers: &[ChartMarker]) {
            let list: Vec<serde_json::Value> = markers
                .iter()
                .map(|m| json!({"time": m.ts_ms / 1000, "position": "aboveBar", "color": "#f59e0b", "shape": "circle", "text": m.text, "id": m.id.to_string()}))
                .collect();
            self.markers.set_markers(&js(&serde_json::Value::Array(list)));
        }

        pub fn remove(self) {
            self.chart.remove();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn tick(secs: i64, price: f64, size: f64) -> Tick {
        Tick { seq: 1, symbol: "A".into(), price, size, ts: chrono::Utc.timestamp_opt(secs, 0).unwrap() }
    }

    #[test]
    fn ticks_fold_into_bars() {
        let bar = Bar::fold(None, &tick(125, 10.0, 1.0), 60).unwrap();
        assert_eq!((bar.time, bar.open, bar.close, bar.volume), (120, 10.0, 10.0, 1.0));
        let bar = Bar::fold(Some(bar), &tick(170, 12.0, 2.0), 60).unwrap();
        assert_eq!((bar.time, bar.open, bar.high, bar.low, bar.close, bar.volume), (120, 10.0, 12.0, 10.0, 12.0, 3.0));
        let next = Bar::fold(Some(bar), &tick(181, 11.0, 1.0), 60).unwrap();
        assert_eq!((next.time, next.open), (180, 11.0));
        assert_eq!(Bar::fold(Some(next), &tick(100, 1.0, 1.0), 60), None, "late ticks wait for a reload");
    }
}
