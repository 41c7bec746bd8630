//! A dashboard's replay controls: pick a past window and a speed, play,
//! pause, jump with the scrubber, and go back to live. Times are entered
//! and shown in the browser's time zone.

use crate::app::{
    components::ui::{BUTTON_PRIMARY, BUTTON_SECONDARY, INPUT},
    live::{LiveStream, ReplayStatus, ReplayWindow},
};
use chrono::{DateTime, Local, NaiveDateTime, TimeZone};
use leptos::prelude::*;

/// Speeds offered.
const SPEEDS: [u32; 3] = [1, 10, 100];
/// The window a new replay starts with: the last 15 minutes.
const DEFAULT_WINDOW_MS: f64 = 15.0 * 60_000.0;

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
    let now = now_ms();
    let from = RwSignal::new(local_input(now - DEFAULT_WINDOW_MS));
    let to = RwSignal::new(local_input(now));
    let speed = RwSignal::new(SPEEDS[1].to_string());
    let error = RwSignal::new(None::<String>);
    let play = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (Some(from_ms), Some(to_ms)) = (parse_local(&from.get()), parse_local(&to.get())) else {
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
    let toggle = move |_| if status.playing { live.pause() } else { live.resume() };
    let seek = move |ev: leptos::ev::Event| {
        if let Ok(ms) = event_target_value(&ev).parse::<f64>() {
            live.play_from(window, ms);
        }
    };
    let state = if status.ended {
        format!("Replay finished at {}", local_time(window.to_ms))
    } else {
        format!(
            "{} {}× · {}",
            if status.playing { "Replaying" } else { "Paused" },
            window.speed,
            local_time(status.position_ms)
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

fn now_ms() -> f64 {
    chrono::Utc::now().timestamp_millis() as f64
}

/// `ms` as a `datetime-local` input value, in the browser's time zone.
fn local_input(ms: f64) -> String {
    local(ms).format("%Y-%m-%dT%H:%M:%S").to_string()
}

/// `ms` as a time of day, in the browser's time zone.
fn local_time(ms: f64) -> String {
    local(ms).format("%H:%M:%S").to_string()
}

fn local(ms: f64) -> DateTime<Local> {
    DateTime::from_timestamp_millis(ms as i64).unwrap_or_default().with_timezone(&Local)
}

/// A `datetime-local` value (with or without seconds) in ms since the epoch.
fn parse_local(text: &str) -> Option<f64> {
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M"))
        .ok()?;
    Local.from_local_datetime(&naive).earliest().map(|t| t.timestamp_millis() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_values_read_back_as_the_same_time() {
        let ms = 1_764_496_800_000.0;
        assert_eq!(parse_local(&local_input(ms)), Some(ms));
        assert_eq!(parse_local(&local_input(ms)[..16]), Some(ms), "minutes only");
        assert_eq!(parse_local("yesterday"), None);
    }
}
