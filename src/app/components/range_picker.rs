//! The dashboard's time range control (`range-picker`): live, the last
//! 15m / 1h / 24h / 7d, or a custom from–to in the page's time zone; a fixed
//! range offers "Back to live". The choice lives in the URL (see
//! [`crate::app::range`]).

use crate::app::{
    clock::use_clock,
    components::ui::{BUTTON_PRIMARY, BUTTON_SECONDARY},
    range::{Span, TimeRange, ViewState},
};
use chrono::{Duration, Utc};
use leptos::prelude::*;

const CHOICE: &str = "rounded px-2 py-1 text-xs font-medium focus-visible:outline focus-visible:outline-2 \
    focus-visible:outline-sky-600";
const CHOSEN: &str = "bg-sky-700 text-white";
const OTHER: &str = "text-slate-700 hover:bg-slate-100 dark:text-slate-200 dark:hover:bg-slate-800";

/// The range buttons, the custom form and the fixed range's label.
#[component]
pub fn RangePicker(view: ViewState) -> impl IntoView {
    let custom_open = RwSignal::new(false);
    let choice = move |range: TimeRange, label: &'static str| {
        let chosen = move || view.range.get() == range;
        view! {
            <button type="button" aria-pressed=move || chosen().to_string()
                class=move || format!("{CHOICE} {}", if chosen() { CHOSEN } else { OTHER })
                on:click=move |_| { custom_open.set(false); view.set_range(range); }>
                {label}
            </button>
        }
    };
    let fixed = move || matches!(view.range.get(), TimeRange::Fixed { .. });
    view! {
        <div class="relative flex flex-wrap items-center gap-1" data-testid="range-picker" role="group" aria-label="Time range">
            {choice(TimeRange::Live, "Live")}
            {Span::ALL.into_iter().map(|span| choice(TimeRange::Last(span), span.key())).collect_view()}
            <button type="button" aria-expanded=move || custom_open.get().to_string() aria-controls="range-custom"
                class=move || format!("{CHOICE} {}", if fixed() { CHOSEN } else { OTHER })
                on:click=move |_| custom_open.update(|o| *o = !*o)>
                "Custom…"
            </button>
            <Show when=fixed>
                <FixedLabel view />
            </Show>
            <Show when=move || custom_open.get()>
                <CustomRange view on_done=Callback::new(move |()| custom_open.set(false)) />
            </Show>
            <CopyLink />
        </div>
    }
}

/// Copies the page's address (range, interval and filters are in it).
#[component]
fn CopyLink() -> impl IntoView {
    let copied = RwSignal::new(None::<bool>);
    let copy = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let url = window().location().href().unwrap_or_default();
            let promise = window().navigator().clipboard().write_text(&url);
            leptos::task::spawn_local(async move {
                copied.set(Some(wasm_bindgen_futures::JsFuture::from(promise).await.is_ok()));
                set_timeout(move || copied.set(None), std::time::Duration::from_secs(3));
            });
        }
    };
    view! {
        <button type="button" class=format!("{CHOICE} {OTHER} ml-1") data-testid="copy-link" on:click=copy
            title="Copy a link to this view: time range, interval and filters">
            "Copy link"
        </button>
        <span role="status" class="text-xs text-slate-700 dark:text-slate-200">
            {move || copied.get().map(|ok| if ok { "Link copied." } else { "Could not copy; use the address bar." })}
        </span>
    }
}

/// "10:00 – 12:30 (UTC)" and the way back to following.
#[component]
fn FixedLabel(view: ViewState) -> impl IntoView {
    let clock = use_clock();
    let text = move || match view.range.get() {
        TimeRange::Fixed { from, to } => {
            let (from, to) = (clock.at(from), clock.at(to));
            let same_day = from.date_naive() == to.date_naive();
            let end = if same_day { to.format("%H:%M").to_string() } else { to.format("%Y-%m-%d %H:%M").to_string() };
            format!("{} – {end} ({})", from.format("%Y-%m-%d %H:%M"), clock.zone.with(|z| z.label()))
        }
        _ => String::new(),
    };
    view! {
        <span class="text-xs text-slate-700 dark:text-slate-200" data-testid="range-label">{text}</span>
        <button type="button" class=format!("{CHOICE} {OTHER} underline") data-testid="back-to-live"
            on:click=move |_| view.set_range(TimeRange::Live)>
            "Back to live"
        </button>
    }
}

/// The custom from–to form, filled with the current range (or the last hour).
#[component]
fn CustomRange(view: ViewState, on_done: Callback<()>) -> impl IntoView {
    let clock = use_clock();
    let now = Utc::now();
    let (start, end) = match view.range.get_untracked().bounds(now) {
        (Some(from), to) => (from, to.unwrap_or(now)),
        _ => (now - Duration::hours(1), now),
    };
    let from = RwSignal::new(clock.input_value(start));
    let to = RwSignal::new(clock.input_value(end));
    let error = RwSignal::new(None::<&'static str>);
    let apply = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match (clock.parse_input(&from.get_untracked()), clock.parse_input(&to.get_untracked())) {
            (Some(from), Some(to)) if from < to => {
                error.set(None);
                view.set_range(TimeRange::Fixed { from, to });
                on_done.run(());
            }
            (Some(_), Some(_)) => error.set(Some("The start must be before the end.")),
            _ => error.set(Some("Enter a date and time in both fields.")),
        }
    };
    let field = "mt-1 block rounded-md border border-slate-300 bg-white px-2 py-1 text-sm dark:border-slate-700 dark:bg-slate-900";
    view! {
        <form id="range-custom" on:submit=apply data-testid="range-custom"
            class="absolute left-0 top-full z-20 mt-2 flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-3 shadow-lg dark:border-slate-700 dark:bg-slate-900"
            on:keydown=move |ev| if ev.key() == "Escape" { on_done.run(()) }>
            <label class="text-xs font-medium">"From"
                <input type="datetime-local" step="1" class=field aria-label="From" prop:value=from
                    on:input=move |ev| from.set(event_target_value(&ev)) />
            </label>
            <label class="text-xs font-medium">"To"
                <input type="datetime-local" step="1" class=field aria-label="To" prop:value=to
                    on:input=move |ev| to.set(event_target_value(&ev)) />
            </label>
            <span class="text-xs text-slate-600 dark:text-slate-300">{move || clock.zone.with(|z| z.label())}</span>
            <button type="submit" class=BUTTON_PRIMARY>"Apply"</button>
            <button type="button" class=BUTTON_SECONDARY on:click=move |_| on_done.run(())>"Cancel"</button>
            {move || error.get().map(|e| view! { <p role="alert" class="w-full text-sm text-rose-700 dark:text-rose-300">{e}</p> })}
        </form>
    }
}
