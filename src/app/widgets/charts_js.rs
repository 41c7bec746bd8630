//! Bindings to TradingView lightweight-charts (v5, the standalone build from
//! npm, served at `/vendor/lightweight-charts.js` and loaded on first use).

use js_sys::{Promise, Reflect};
use wasm_bindgen::{JsCast, prelude::*};
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    /// `IChartApi`.
    pub type ChartApi;
    #[wasm_bindgen(js_namespace = LightweightCharts, js_name = createChart)]
    pub fn create_chart(container: &web_sys::HtmlElement, options: &JsValue) -> ChartApi;
    #[wasm_bindgen(method, js_name = addSeries)]
    pub fn add_series(this: &ChartApi, definition: &JsValue, options: &JsValue) -> SeriesApi;
    #[wasm_bindgen(method, js_name = applyOptions)]
    pub fn apply_options(this: &ChartApi, options: &JsValue);
    #[wasm_bindgen(method)]
    pub fn remove(this: &ChartApi);
    #[wasm_bindgen(method, js_name = subscribeClick)]
    pub fn subscribe_click(this: &ChartApi, handler: &js_sys::Function);
    #[wasm_bindgen(method, js_name = subscribeCrosshairMove)]
    pub fn subscribe_crosshair_move(this: &ChartApi, handler: &js_sys::Function);
    #[wasm_bindgen(method, js_name = timeScale)]
    pub fn time_scale(this: &ChartApi) -> TimeScaleApi;

    /// `ITimeScaleApi`.
    pub type TimeScaleApi;
    #[wasm_bindgen(method, js_name = fitContent)]
    pub fn fit_content(this: &TimeScaleApi);
    #[wasm_bindgen(method, js_name = getVisibleLogicalRange)]
    pub fn get_visible_logical_range(this: &TimeScaleApi) -> JsValue;
    #[wasm_bindgen(method, js_name = setVisibleLogicalRange)]
    pub fn set_visible_logical_range(this: &TimeScaleApi, range: &JsValue);
    #[wasm_bindgen(method, js_name = subscribeVisibleLogicalRangeChange)]
    pub fn subscribe_visible_logical_range_change(this: &TimeScaleApi, handler: &js_sys::Function);

    /// `ISeriesApi`.
    pub type SeriesApi;
    #[wasm_bindgen(method, js_name = setData)]
    pub fn set_data(this: &SeriesApi, data: &JsValue);
    #[wasm_bindgen(method)]
    pub fn update(this: &SeriesApi, bar: &JsValue);
    #[wasm_bindgen(method, js_name = applyOptions)]
    pub fn apply_options(this: &SeriesApi, options: &JsValue);
    #[wasm_bindgen(method, js_name = priceScale)]
    pub fn price_scale(this: &SeriesApi) -> PriceScaleApi;

    /// `IPriceScaleApi`.
    pub type PriceScaleApi;
    #[wasm_bindgen(method, js_name = applyOptions)]
    pub fn apply_options(this: &PriceScaleApi, options: &JsValue);

    /// The markers plugin of a series.
    pub type MarkersApi;
    #[wasm_bindgen(js_namespace = LightweightCharts, js_name = createSeriesMarkers)]
    pub fn create_series_markers(series: &SeriesApi, markers: &JsValue) -> MarkersApi;
    #[wasm_bindgen(method, js_name = setMarkers)]
    pub fn set_markers(this: &MarkersApi, markers: &JsValue);
}

/// The library's series definition called `name` (`CandlestickSeries`, …).
pub fn series_definition(name: &str) -> JsValue {
    let lib = Reflect::get(&js_sys::global(), &"LightweightCharts".into()).unwrap_or(JsValue::UNDEFINED);
    Reflect::get(&lib, &name.into()).unwrap_or(JsValue::UNDEFINED)
}

/// Loads the library once per page; resolves when it is usable.
pub async fn load() -> Result<(), String> {
    let global = js_sys::global();
    if Reflect::has(&global, &"LightweightCharts".into()).unwrap_or(false) {
        return Ok(());
    }
    let key: JsValue = "__feedboardCharts".into();
    let pending = Reflect::get(&global, &key).ok().filter(|p| p.is_instance_of::<Promise>());
    let promise = match pending {
        Some(p) => p.unchecked_into::<Promise>(),
        None => {
            let promise = Promise::new(&mut |resolve, reject| {
                let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
                let Ok(script) = document.create_element("script") else { return };
                let _ = script.set_attribute("src", "/vendor/lightweight-charts.js");
                let script: web_sys::HtmlScriptElement = script.unchecked_into();
                script.set_onload(Some(&resolve));
                script.set_onerror(Some(&reject));
                if let Some(head) = document.head() {
                    let _ = head.append_child(&script);
                }
            });
            let _ = Reflect::set(&global, &key, &promise);
            promise
        }
    };
    JsFuture::from(promise).await.map(|_| ()).map_err(|_| "could not load the chart library".to_owned())
}
