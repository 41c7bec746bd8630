//! The export control each widget carries: a format menu and a download
//! link to the history API with what the widget shows (its feed, filters,
//! symbol, range). A plain link, so the browser streams the file to disk
//! and it works before (or without) the wasm: CSV then.

use leptos::prelude::*;

/// Formats offered: the `format` parameter and its label.
const FORMATS: [(&str, &str); 2] = [("csv", "CSV"), ("ndjson", "NDJSON")];

/// Downloads `path` with `query` as CSV or NDJSON; `what` names the rows
/// for screen readers ("log lines", "candles", …).
#[component]
pub fn ExportControl(
    /// The history endpoint, e.g. `/api/v1/feeds/app-logs/logs`.
    path: String,
    /// The widget's current filters, as query pairs.
    #[prop(into)]
    query: Signal<Vec<(&'static str, String)>>,
    what: &'static str,
) -> impl IntoView {
    let format = RwSignal::new(FORMATS[0]);
    let href = move || export_url(&path, &query.get(), format.get().0);
    let label = move || format!("Export {what} as {}", format.get().1);
    let choose = move |ev: leptos::ev::Event| {
        let value = event_target_value(&ev);
        format.set(FORMATS.into_iter().find(|f| f.0 == value).unwrap_or(FORMATS[0]));
    };
    view! {
        <span class="inline-flex items-center gap-1 text-xs" role="group" aria-label=format!("Export {what}")>
            <label>
                <span class="sr-only">"Export format"</span>
                <select
                    class="rounded border border-slate-300 bg-white px-1 py-1 text-xs text-slate-700 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-200"
                    data-testid="export-format"
                    on:change=choose
                >
                    {FORMATS.into_iter().map(|(value, name)| view! { <option value=value>{name}</option> }).collect_view()}
                </select>
            </label>
            <a
                href=href
                download=""
                class="inline-flex items-center gap-1 rounded border border-slate-300 px-2 py-1 font-medium text-slate-700 hover:bg-slate-100 focus-visible:outline focus-visible:outline-2 focus-visible:outline-sky-500 dark:border-slate-700 dark:text-slate-200 dark:hover:bg-slate-800"
                data-testid="export-button"
                aria-label=label
                title=label
            >
                <svg class="h-3.5 w-3.5" viewBox="0 0 20 20" fill="currentColor" aria-hidden="true">
                    <path d="M10 2a1 1 0 0 1 1 1v8.59l2.3-2.3a1 1 0 1 1 1.4 1.42l-4 4a1 1 0 0 1-1.4 0l-4-4a1 1 0 1 1 1.4-1.42L9 11.6V3a1 1 0 0 1 1-1ZM4 16a1 1 0 1 0 0 2h12a1 1 0 1 0 0-2H4Z" />
                </svg>
                "Export"
            </a>
        </span>
    }
}

/// `path?<query>&format=<format>`, each value URL-encoded.
pub fn export_url(path: &str, query: &[(&str, String)], format: &str) -> String {
    let mut pairs = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in query {
        pairs.append_pair(name, value);
    }
    pairs.append_pair("format", format);
    format!("{path}?{}", pairs.finish())
}

/// Today's start, 00:00 UTC, as the API writes times: the ticker's window.
pub fn today_utc() -> String {
    let now = chrono::Utc::now();
    let midnight = now.date_naive().and_hms_opt(0, 0, 0).map_or(now, |t| t.and_utc());
    crate::model::time::format(&midnight)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn export_urls_carry_the_filters_encoded_and_the_format() {
        let query =
            [("level", "ERROR,WARN".to_owned()), ("source", "api 1&x=y".to_owned()), ("q", "50% off".to_owned())];
        assert_eq!(
            export_url("/api/v1/feeds/app/logs", &query, "csv"),
            "/api/v1/feeds/app/logs?level=ERROR%2CWARN&source=api+1%26x%3Dy&q=50%25+off&format=csv"
        );
        assert_eq!(export_url("/api/v1/feeds/s/ticks", &[], "ndjson"), "/api/v1/feeds/s/ticks?format=ndjson");
    }

    #[test]
    fn the_ticker_window_starts_at_midnight_utc() {
        let today = today_utc();
        assert!(today.ends_with("T00:00:00.000Z"), "{today}");
        let start = chrono::DateTime::parse_from_rfc3339(&today).unwrap();
        let since = chrono::Utc::now().signed_duration_since(start);
        assert!(since >= chrono::Duration::zero() && since < chrono::Duration::days(1), "{today}");
    }
}
