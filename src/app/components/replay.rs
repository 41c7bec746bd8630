//! A dashboard's replay controls: pick a past window and a speed, play,
//! pause, jump with the scrubber, and go back to live. Times are entered
//! and shown in the page's time zone.

use crate::app::{
    clock::{Clock, use_clock},
    components::ui::{BUTTON_PRIMARY, BUTTON_SECONDARY, INPUT},
    live::{LiveStream, ReplayStatus, ReplayWindow},
};
use chrono::DateTime;
use leptos::prelude::*;

/// Speeds offered.
const SPEEDS: [u32; 3] = [1, 10, 100];
/// The window a new replay starts with: the last 15 minutes.
const DEFAULT_WINDOW: chrono::TimeDelta = chrono::TimeDelta::minutes(15);

/// The replay controls (`data-testid="replay-controls"`).
#[component]
pub fn ReplayControls() -> impl IntoView {
    let live = expect_context::<LiveStream>();
    let picking = RwSignal::new(false);
    view! {
        <div data-testid="replay-controls" class="flex flex-wrap items-center gap-2 text-sm">
            {move || match (live.replay.get(), picking.get()) {
                (Some(status), _) => view! { <Playing status live /> }.into_any(),
                (None, true) => view! { <WindowPicker live picking /> }.into_any(),
                (None, false) => view! {
                    <button type="button" class=BUTTON_SECONDARY on:click=move |_| picking.set(true)>"Replay…"</button>
                }
                .into_any(),
            }}
        </div>
    }
}

/// The form for a new replay: from, to, speed.
#[component]
fn WindowPicker(live: LiveStream, picking: RwSignal<bool>) -> impl IntoView {
    let clock = use_clock();
    let now = chrono::Utc::now();
    let from = RwSignal::new(clock.input_value(now - DEFAULT_WINDOW));
    let to = RwSignal::new(clock.input_value(now));
    let parse_ms = move |text: &str| clock.parse_input(text).map(|t| t.timestamp_millis() as f64);
    let speed = RwSignal::new(SPEEDS[1].to_string());
    let error = RwSignal::new(None::<String>);
    let play = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (Some(from_ms), Some(to_ms)) = (parse_ms(&from.get()), parse_ms(&to.get())) else {
            error.set(Some("Enter both times.".into()));
            return;
        };
        if from_ms >= to_ms {
            error.set(Some("The start must come before the end.".into()));
            return;
        }
        let speed = speed.get().parse().unwrap_or(SPEEDS[1]);
        error.set(None);
        picking.set(false);
        live.play_from(ReplayWindow { from_ms, to_ms, speed }, from_ms);
    };
    let input = move |label: &'static str, value: RwSignal<String>| {
        view! {
            <label class="flex items-center gap-1">
                <span>{label}</span>
                <input type="datetime-local" step="1" class=format!("{INPUT} w-auto py-1") aria-label=format!("Replay {label}")
                    prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev)) />
            </label>
        }
    };
    view! {
        <form class="flex flex-wrap items-center gap-2" on:submit=play aria-label="Replay a past window">
            {input("from", from)}
            {input("to", to)}
            <label class="flex items-center gap-1">
                <span>"speed"</span>
                <select class=format!("{INPUT} w-auto py-1") aria-label="Replay speed"
                    on:change=move |ev| speed.set(event_target_value(&ev))>
                    {SPEEDS.into_iter().map(|s| view! { <option value=s.to_string() selected=s == SPEEDS[1]>{format!("{s}×")}</option> }).collect_view()}
                </select>
            </label>
            <button type="submit" class=BUTTON_PRIMARY>"Play"</button>
            <button type="button" class=BUTTON_SECONDARY on:click=move |_| picking.set(false)>"Cancel"</button>
            {move || error.get().map(|e| view! { <p role="alert" class="w-full text-rose-700 dark:text-rose-300">{e}</p> })}
        </form>
    }
}

/// A replay under way (or finished): play/pause, scrubber, back to live.
#[component]
fn Playing(status: ReplayStatus, live: LiveStream) -> impl IntoView {
    let window = status.window;
    let clock = use_clock();
    let toggle = move |_| if status.playing { live.pause() } else { live.resume() };
    let seek = move |ev: leptos::ev::Event| {
        if let Ok(ms) = event_target_value(&ev).parse::<f64>() {
            live.play_from(window, ms);
        }
    };
    let state = if status.ended {
        format!("Replay finished at {}", time_of_day(clock, window.to_ms))
    } else {
        format!(
            "{} {}× · {}",
            if status.playing { "Replaying" } else { "Paused" },
            window.speed,
            time_of_day(clock, status.position_ms)
        )
    };
    view! {
        <button type="button" class=BUTTON_SECONDARY disabled=status.ended on:click=toggle>
            {if status.playing { "Pause" } else { "Play" }}
        </button>
        <input type="range" class="w-48 accent-violet-600" aria-label="Replay position"
            min=window.from_ms max=window.to_ms step="1000" prop:value=status.position_ms on:change=seek />
        <span role="status" data-testid="replay-state" class="tabular-nums">{state}</span>
        <button type="button" class=BUTTON_PRIMARY on:click=move |_| live.back_to_live()>"Back to live"</button>
    }
}

/// `ms` as a time of day, in the page's time zone.
fn time_of_day(clock: Clock, ms: f64) -> String {
    clock.at(DateTime::from_timestamp_millis(ms as i64).unwrap_or_default()).format("%H:%M:%S").to_string()
}
