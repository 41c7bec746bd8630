//! A feed's live status: state badge, counters, last message and last error.

use crate::{
    app::components::ui::{Badge, Tone},
    model::{FeedState, FeedStatus},
};
use chrono::{DateTime, Utc};
use leptos::prelude::*;

/// The state as a badge whose text is exactly the state's name
/// (`connected`, `connecting`, `error`, `disabled`).
#[component]
pub fn StateBadge(#[prop(into)] state: Signal<FeedState>) -> impl IntoView {
    move || {
        let state = state.get();
        view! { <Badge text=state.as_str() tone=Tone::of_state(state) attr:data-testid="feed-status" /> }
    }
}

/// Received, stored and rejected counts and when the last message came.
#[component]
pub fn Counters(#[prop(into)] status: Signal<FeedStatus>) -> impl IntoView {
    let count = move |label: &'static str, testid: &'static str, value: fn(&FeedStatus) -> u64| {
        view! {
            <div>
                <dt class="text-xs text-slate-500 dark:text-slate-400">{label}</dt>
                <dd class="font-mono tabular-nums" data-testid=testid>{move || status.with(value).to_string()}</dd>
            </div>
        }
    };
    view! {
        <dl class="grid grid-cols-2 gap-x-4 gap-y-2 text-sm sm:grid-cols-4">
            {count("Received", "feed-received", |s| s.received)}
            {count("Stored", "feed-stored", |s| s.stored)}
            {count("Rejected", "feed-rejected", |s| s.rejected)}
            <div>
                <dt class="text-xs text-slate-500 dark:text-slate-400">"Last message"</dt>
                <dd data-testid="feed-last-message">{move || status.with(|s| when(s.last_message_at))}</dd>
            </div>
        </dl>
    }
}

/// The last broker error, if there was one (it stays after recovery).
#[component]
pub fn LastError(#[prop(into)] status: Signal<FeedStatus>) -> impl IntoView {
    move || {
        status.with(|s| s.last_error.clone()).map(|e| {
            view! {
                <p class="break-words text-sm text-rose-700 dark:text-rose-300" data-testid="feed-last-error">
                    <span class="font-medium">"Last error: "</span>
                    {e}
                </p>
            }
        })
    }
}

/// A timestamp for people: `2026-11-24 12:00:01 UTC`, or `never`.
pub(super) fn when(t: Option<DateTime<Utc>>) -> String {
    t.map_or_else(|| "never".to_owned(), |t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn times_read_plainly() {
        assert_eq!(when(None), "never");
        let t = Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 1).single();
        assert_eq!(when(t), "2026-11-24 12:00:01 UTC");
    }
}
